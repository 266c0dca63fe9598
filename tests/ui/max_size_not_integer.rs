use cachekit::ttl_cached;

#[ttl_cached(max_size = "1000")]
fn price(sku: &str) -> u64 {
    sku.len() as u64
}

#[ttl_cached(max_size = 10.5)]
fn cost(sku: &str) -> u64 {
    sku.len() as u64
}

fn main() {
    let _ = price("a") + cost("b");
}
