use cachekit::ttl_cached;

#[ttl_cached(shared = true)]
fn profile(user: u64) -> String {
    format!("user {user}")
}

fn main() {
    let _ = profile(1);
}
