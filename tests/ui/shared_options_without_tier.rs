use cachekit::ttl_cached;

#[ttl_cached(local_ttl = "30s", shared_lock = true)]
fn profile(user: u64) -> String {
    format!("user {user}")
}

fn main() {
    let _ = profile(1);
}
