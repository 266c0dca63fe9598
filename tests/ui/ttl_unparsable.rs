use cachekit::ttl_cached;

#[ttl_cached(ttl = "5 minutes")]
fn price(sku: &str) -> u64 {
    sku.len() as u64
}

#[ttl_cached(ttl = "90")]
fn cost(sku: &str) -> u64 {
    sku.len() as u64
}

#[ttl_cached(ttl = "30m1h")]
fn tax(sku: &str) -> u64 {
    sku.len() as u64
}

fn main() {
    let _ = price("a") + cost("b") + tax("c");
}
