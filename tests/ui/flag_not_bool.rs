use cachekit::ttl_cached;

#[ttl_cached(cache_err = 1)]
fn price(sku: &str) -> Result<u64, String> {
    Ok(sku.len() as u64)
}

fn main() {
    let _ = price("a");
}
