use cachekit::ttl_cached;

#[ttl_cached(shared = true)]
fn price(sku: &str) -> u64 {
    sku.len() as u64
}

fn main() {
    let _ = price("a");
}
