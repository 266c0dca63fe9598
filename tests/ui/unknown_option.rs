use cachekit::ttl_cached;

#[ttl_cached(tll = 60)]
fn price(sku: &str) -> u64 {
    sku.len() as u64
}

fn main() {
    // The function is still emitted, so its callers compile.
    let _ = price("a");
}
