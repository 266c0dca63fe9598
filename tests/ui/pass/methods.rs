//! Methods in the forms users write them; compiled with every warning denied.
#![deny(warnings, unused_qualifications)]

use cachekit::cached_method;
use std::sync::Arc;

#[derive(Hash)]
pub struct Repo {
    tenant: u64,
}

pub struct Service {
    tenant: u64,
}

impl Repo {
    #[cached_method(ttl = "5m", max_size = 50)]
    pub fn expensive_query(&self, filter: &str, limit: usize) -> Vec<String> {
        vec![format!("{}:{filter}", self.tenant); limit]
    }

    #[cached_method]
    fn by_arc(self: Arc<Self>) -> u64 {
        self.tenant
    }
}

impl Service {
    #[cached_method(self_key = self.tenant)]
    fn keyed(&self, x: u8) -> u64 {
        self.tenant + u64::from(x)
    }

    #[cached_method(shared)]
    fn shared(&self) -> Option<u64> {
        Some(self.tenant)
    }
}

#[derive(Hash)]
pub struct Wrapper<T>(T);

impl<T: std::hash::Hash + Clone + Send + Sync + 'static> Wrapper<T> {
    #[cached_method]
    fn inner(&self) -> T {
        self.0.clone()
    }
}

fn main() {
    let repo = Repo { tenant: 1 };
    let _ = repo.expensive_query("a", 1);
    let _ = repo.expensive_query_uncached("a", 1);
    let _ = repo.expensive_query_invalidate("a", 1);
    let _ = Repo::expensive_query_cache().stats();
    let _ = Arc::new(Repo { tenant: 2 }).by_arc();
    let service = Service { tenant: 3 };
    let _ = service.keyed(1) + service.shared().unwrap_or(0);
    let _ = Wrapper(1_u8).inner() + Wrapper::<u8>::inner_cache().len() as u8;
}
