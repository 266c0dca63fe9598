//! Async functions and methods; their futures are `Send` when their bodies' are.
#![deny(warnings, unused_qualifications)]

use cachekit::{cached_method, ttl_cached};

#[ttl_cached(ttl = "10m", name = "pass-async-users")]
async fn load_user(id: u64) -> Result<String, String> {
    Ok(id.to_string())
}

#[ttl_cached]
async fn find(name: &str) -> Option<usize> {
    Some(name.len())
}

#[derive(Hash)]
struct Repo;

impl Repo {
    #[cached_method]
    async fn rows(&self, n: usize) -> Vec<usize> {
        (0..n).collect()
    }
}

fn assert_send<T: Send>(value: T) -> T {
    value
}

fn main() {
    let _ = assert_send(load_user(1));
    let _ = assert_send(find("a"));
    let _ = assert_send(Repo.rows(1));
    let _ = load_user_invalidate(1);
    let _ = load_user_uncached(1);
}
