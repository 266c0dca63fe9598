use cachekit::cached_method;

#[cached_method]
fn price(sku: &str) -> u64 {
    sku.len() as u64
}

fn main() {
    let _ = price("a");
}
