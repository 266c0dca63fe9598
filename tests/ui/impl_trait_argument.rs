use cachekit::ttl_cached;
use std::hash::Hash;

#[ttl_cached]
fn describe(value: impl Hash + std::fmt::Debug) -> String {
    format!("{value:?}")
}

fn main() {
    let _ = describe(1);
}
