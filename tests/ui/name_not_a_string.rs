use cachekit::ttl_cached;

#[ttl_cached(name = 42)]
fn price(sku: &str) -> u64 {
    sku.len() as u64
}

#[ttl_cached(name = "")]
fn cost(sku: &str) -> u64 {
    sku.len() as u64
}

fn main() {
    let _ = price("a") + cost("b");
}
