//! Not a compile-fail case: a function whose attribute is fine compiles next to nothing
//! else. (The compile-fail cases each call their function from `main`, which shows that
//! the function is still emitted when the attribute is wrong.)
use cachekit::ttl_cached;

#[ttl_cached]
fn fine(x: u8) -> u8 {
    x
}

fn main() {
    let _ = fine(1);
}
