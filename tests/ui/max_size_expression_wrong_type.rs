use cachekit::ttl_cached;

const LIMIT: u32 = 100;

#[ttl_cached(max_size = LIMIT)]
fn price(sku: &str) -> u64 {
    sku.len() as u64
}

fn main() {
    let _ = price("a");
}
