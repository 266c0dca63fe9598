use cachekit::cached_method;

struct Repo {
    tenant: u64,
}

impl Repo {
    #[cached_method]
    fn rows(&self, limit: usize) -> Vec<u64> {
        vec![self.tenant; limit]
    }
}

fn main() {
    let _ = Repo { tenant: 1 }.rows(2);
}
