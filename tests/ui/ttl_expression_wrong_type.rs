use cachekit::ttl_cached;

const TTL_SECONDS: u64 = 60;

#[ttl_cached(ttl = TTL_SECONDS)]
fn price(sku: &str) -> u64 {
    sku.len() as u64
}

fn main() {
    let _ = price("a");
}
