//! Free functions in the forms users write them; compiled with every warning denied.
#![deny(warnings, unused_qualifications)]

use cachekit::ttl_cached;
use std::time::Duration;

#[ttl_cached(ttl = 60, max_size = 1000)]
fn price(sku: &str, qty: u32) -> u64 {
    sku.len() as u64 * u64::from(qty)
}

#[ttl_cached(ttl = "90s")]
fn minutes(x: u8) -> u8 {
    x
}

#[ttl_cached(ttl = "1h30m", name = "pass-users", max_size = 5)]
fn load(id: u64) -> Result<String, std::io::Error> {
    Ok(id.to_string())
}

#[ttl_cached(ttl = Duration::from_millis(250), cache_err = true)]
fn strict(id: u64) -> Result<u64, String> {
    Ok(id)
}

#[ttl_cached(cache_none = true, key = id / 10)]
fn find(id: u64) -> Option<u64> {
    id.checked_sub(1)
}

#[ttl_cached]
fn unit(event: &str) {
    let _ = event;
}

#[ttl_cached]
pub fn generic<T: std::hash::Hash + ToString>(value: T) -> String {
    value.to_string()
}

fn main() {
    let _ = price("a", 1) + price_uncached("a", 1);
    let _ = price_invalidate("a", 1);
    let _ = price_cache().stats();
    let _ = minutes(1) + minutes_cache().len() as u8;
    let _ = load(1);
    let _ = strict(1);
    let _ = find(1);
    unit("x");
    let _ = generic(1) + &generic_cache::<i32>().len().to_string();
}
