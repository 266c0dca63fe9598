use cachekit::ttl_cached;

#[derive(Clone)]
enum Result<T> {
    Fine(T),
    Broken,
}

#[ttl_cached]
fn check(x: u32) -> Result<u32> {
    if x > 0 {
        Result::Fine(x)
    } else {
        Result::Broken
    }
}

fn main() {
    let _ = check(1);
}
