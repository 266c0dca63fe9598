use cachekit::ttl_cached;

#[ttl_cached(self_key = sku.len())]
fn price(sku: &str) -> u64 {
    sku.len() as u64
}

fn main() {
    let _ = price("a");
}
