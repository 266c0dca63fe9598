use cachekit::ttl_cached;

#[derive(Hash)]
struct Repo;

impl Repo {
    #[ttl_cached]
    fn rows(&self, limit: usize) -> Vec<u64> {
        vec![0; limit]
    }
}

fn main() {
    let _ = Repo.rows(2);
}
