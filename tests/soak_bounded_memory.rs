//! Bounded memory under hostile load: 10 million distinct keys through a 1000-entry cache and
//! through a memoized function. Ignored by default (it takes tens of seconds); run it with
//!
//! ```sh
//! cargo test --release --test soak_bounded_memory -- --ignored --nocapture
//! ```
//!
//! Resident memory is read from `/proc/self/statm` (Linux); elsewhere only the size bound is
//! checked.

use cachekit::{ttl_cached, TtlCache};
use std::time::Duration;

const KEYS: u64 = 10_000_000;
const MAX_SIZE: usize = 1000;
/// Growth allowed after warm-up: allocator noise, not a per-key leak (10M keys leaking even
/// 8 bytes each would be 80 MB).
const SLACK_BYTES: u64 = 16 << 20;

fn resident_bytes() -> Option<u64> {
    let statm = std::fs::read_to_string("/proc/self/statm").ok()?;
    let pages: u64 = statm.split_whitespace().nth(1)?.parse().ok()?;
    Some(pages * 4096)
}

/// Runs `step` for every key, checking the bound as it goes, and returns (resident after the
/// first 10%, resident at the end).
fn drive(mut step: impl FnMut(u64), len: impl Fn() -> usize) -> (Option<u64>, Option<u64>) {
    let mut warm = None;
    for key in 0..KEYS {
        step(key);
        if key % 100_000 == 0 {
            assert!(
                len() <= MAX_SIZE,
                "len {} > {MAX_SIZE} after {key} keys",
                len()
            );
        }
        if key == KEYS / 10 {
            warm = resident_bytes();
        }
    }
    (warm, resident_bytes())
}

fn report(what: &str, (warm, end): (Option<u64>, Option<u64>)) {
    if let (Some(warm), Some(end)) = (warm, end) {
        println!(
            "{what}: resident {:.1} MiB after 1M keys, {:.1} MiB after 10M",
            warm as f64 / 1048576.0,
            end as f64 / 1048576.0
        );
        assert!(
            end <= warm + SLACK_BYTES,
            "{what}: resident memory grew from {warm} to {end} bytes"
        );
    }
}

#[test]
#[ignore = "10M keys: run with --ignored (see the file's doc)"]
fn ten_million_distinct_keys_keep_a_cache_at_its_bound_and_memory_flat() {
    let cache = TtlCache::<u64, u64>::new(MAX_SIZE, Duration::from_secs(3600));
    let figures = drive(|key| cache.insert(key, key), || cache.len());
    assert!(cache.len() <= MAX_SIZE);
    report("TtlCache::insert", figures);
}

#[ttl_cached(max_size = 1000, ttl = 3600)]
fn square(x: u64) -> u64 {
    x.wrapping_mul(x)
}

#[test]
#[ignore = "10M keys: run with --ignored (see the file's doc)"]
fn ten_million_distinct_arguments_keep_a_memoized_function_at_its_bound_and_memory_flat() {
    let figures = drive(
        |key| assert_eq!(square(key), key.wrapping_mul(key)),
        || square_cache().len(),
    );
    report("#[ttl_cached] fn", figures);
}
