use cachekit::ttl_cached;

#[ttl_cached(shared = "memcached")]
fn profile(user: u64) -> String {
    format!("user {user}")
}

fn main() {
    let _ = profile(1);
}
