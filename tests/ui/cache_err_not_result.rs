use cachekit::ttl_cached;

#[ttl_cached(cache_err = true)]
fn price(sku: &str) -> Option<u64> {
    Some(sku.len() as u64)
}

fn main() {
    let _ = price("a");
}
