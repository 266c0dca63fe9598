use cachekit::ttl_cached;

#[ttl_cached(ttl = "1m", local_ttl = "5m", shared = "redis")]
fn profile(user: u64) -> String {
    format!("user {user}")
}

fn main() {
    let _ = profile(1);
}
