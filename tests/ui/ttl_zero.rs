use cachekit::ttl_cached;

#[ttl_cached(ttl = 0)]
fn price(sku: &str) -> u64 {
    sku.len() as u64
}

#[ttl_cached(ttl = "0s")]
fn cost(sku: &str) -> u64 {
    sku.len() as u64
}

fn main() {
    let _ = price("a") + cost("b");
}
