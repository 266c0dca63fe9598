use cachekit::ttl_cached;

#[derive(Clone, Debug)]
struct Profile {
    id: u64,
}

#[ttl_cached(shared = "redis")]
fn profile(user: u64) -> Profile {
    Profile { id: user }
}

fn main() {
    let _ = profile(1);
}
