//! The memoized functions of workload 6: one cheap body, wrapped by each memoizer under test.
//!
//! Each memoized wrapper runs the body through [`counted`], which counts executions, so the
//! workload can check that every timed call was a hit. The plain row calls [`body`] directly.
//! The call loops are monomorphized per function (no indirect call per call).

use std::hint::black_box;
use std::sync::atomic::{AtomicU64, Ordering::Relaxed};

/// One row of workload 6: a way of calling `f(a: u64, b: &str) -> u64`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Memo {
    Plain,
    Cachekit,
    Cached,
    CachedTtl,
}

impl Memo {
    /// Every row, in table order.
    pub const ALL: &'static [Memo] = &[Memo::Plain, Memo::Cachekit, Memo::Cached, Memo::CachedTtl];

    pub fn name(self) -> &'static str {
        match self {
            Memo::Plain => "plain call",
            Memo::Cachekit => "cachekit #[ttl_cached(max_size = 10000, ttl = 3600)]",
            Memo::Cached => "cached #[cached(max_size = 10000)]",
            Memo::CachedTtl => "cached #[cached(max_size = 10000, ttl_secs = 3600)]",
        }
    }

    /// How many times the body has run under this wrapper (`None` for the plain call,
    /// which is not counted).
    pub fn body_runs(self) -> Option<u64> {
        (self != Memo::Plain).then(|| RUNS[self as usize].load(Relaxed))
    }

    /// The memoizer's own (hits, misses) counters, where it keeps them.
    pub fn own_hit_counts(self) -> Option<(u64, u64)> {
        match self {
            Memo::Cachekit => {
                let s = with_cachekit_cache().stats();
                Some((s.hits, s.misses))
            }
            _ => None,
        }
    }

    /// Calls the function once per index, `f(pairs[i].0, &pairs[i].1)`; returns the
    /// wrapping sum of the results (the same for every row, given the same indices).
    pub fn call_loop(self, pairs: &[(u64, String)], indices: &[u32]) -> u64 {
        match self {
            Memo::Plain => call_loop(plain, pairs, indices),
            Memo::Cachekit => call_loop(with_cachekit, pairs, indices),
            Memo::Cached => call_loop(with_cached, pairs, indices),
            Memo::CachedTtl => call_loop(with_cached_ttl, pairs, indices),
        }
    }
}

fn call_loop(f: impl Fn(u64, &str) -> u64, pairs: &[(u64, String)], indices: &[u32]) -> u64 {
    let mut sum = 0u64;
    for &i in indices {
        let (a, b) = &pairs[i as usize];
        sum = sum.wrapping_add(f(black_box(*a), black_box(b.as_str())));
    }
    sum
}

/// Executions of the body per row, indexed by `Memo as usize`.
static RUNS: [AtomicU64; 4] = [
    AtomicU64::new(0),
    AtomicU64::new(0),
    AtomicU64::new(0),
    AtomicU64::new(0),
];

/// The function being memoized: a few arithmetic operations over `a` and `b.len()`.
#[inline]
pub fn body(a: u64, b: &str) -> u64 {
    (a ^ b.len() as u64)
        .wrapping_mul(0x9E37_79B9_7F4A_7C15)
        .rotate_left(29)
        .wrapping_add(b.len() as u64)
}

fn counted(row: Memo, a: u64, b: &str) -> u64 {
    RUNS[row as usize].fetch_add(1, Relaxed);
    body(a, b)
}

fn plain(a: u64, b: &str) -> u64 {
    body(a, b)
}

#[cachekit::ttl_cached(max_size = 10000, ttl = 3600)]
fn with_cachekit(a: u64, b: &str) -> u64 {
    counted(Memo::Cachekit, a, b)
}

// `cached` keys its store by an owned value, so a `&str` argument needs `key` + `convert`:
// every call, hit or miss, allocates a `String` for the key.
#[cached::proc_macro::cached(
    max_size = 10000,
    key = "(u64, String)",
    convert = r#"{ (a, b.to_string()) }"#
)]
fn with_cached(a: u64, b: &str) -> u64 {
    counted(Memo::Cached, a, b)
}

#[cached::proc_macro::cached(
    max_size = 10000,
    ttl_secs = 3600,
    key = "(u64, String)",
    convert = r#"{ (a, b.to_string()) }"#
)]
fn with_cached_ttl(a: u64, b: &str) -> u64 {
    counted(Memo::CachedTtl, a, b)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_row_returns_the_body_and_memoizes() {
        let pairs = vec![(7u64, "seven".to_string()), (8, "eight!".to_string())];
        let indices = [0u32, 1, 0, 1, 1];
        let expected = call_loop(body, &pairs, &indices);
        for &row in Memo::ALL {
            let before = row.body_runs();
            assert_eq!(row.call_loop(&pairs, &indices), expected, "{}", row.name());
            let ran = row.body_runs().zip(before).map(|(a, b)| a - b);
            assert!(matches!(ran, None | Some(0..=2)), "{}: {ran:?}", row.name());
        }
    }
}
