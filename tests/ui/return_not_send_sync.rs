use cachekit::ttl_cached;
use std::rc::Rc;

#[ttl_cached]
fn shared(day: u32) -> Rc<String> {
    Rc::new(day.to_string())
}

fn main() {
    let _ = shared(1);
}
