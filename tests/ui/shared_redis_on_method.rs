use cachekit::cached_method;

#[derive(Hash)]
struct Repo;

impl Repo {
    #[cached_method(shared = "redis", local_ttl = "1m")]
    fn rows(&self, limit: usize) -> Vec<u64> {
        vec![0; limit]
    }
}

fn main() {
    let _ = Repo.rows(2);
}
