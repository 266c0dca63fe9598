use cachekit::ttl_cached;

#[ttl_cached(shared = "redis")]
fn describe<T: std::fmt::Debug + Clone + Send + Sync + 'static>(value: T) -> String {
    format!("{value:?}")
}

fn main() {
    let _ = describe(1);
}
