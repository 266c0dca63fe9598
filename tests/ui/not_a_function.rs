use cachekit::ttl_cached;

#[ttl_cached]
struct Prices {
    by_sku: Vec<u64>,
}

fn main() {
    let _ = Prices { by_sku: Vec::new() }.by_sku;
}
