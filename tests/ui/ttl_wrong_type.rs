use cachekit::ttl_cached;

#[ttl_cached(ttl = 1.5)]
fn price(sku: &str) -> u64 {
    sku.len() as u64
}

#[ttl_cached(ttl = true)]
fn cost(sku: &str) -> u64 {
    sku.len() as u64
}

fn main() {
    let _ = price("a") + cost("b");
}
