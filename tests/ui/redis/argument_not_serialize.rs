use cachekit::ttl_cached;

#[derive(Clone, Debug, Hash, PartialEq, Eq)]
struct UserId(u64);

#[ttl_cached(shared = "redis")]
fn profile(user: UserId) -> String {
    format!("{user:?}")
}

fn main() {
    let _ = profile(UserId(1));
}
