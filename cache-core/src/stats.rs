//! Statistics: the counters a cache keeps and the snapshot it reports.

use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use crate::thread_slot;

/// A snapshot of one cache's state and counters, as returned by
/// [`TtlCache::stats`](crate::TtlCache::stats).
///
/// Counters (`hits` … `expirations`) count since the cache was created; they never go
/// back, not even on [`clear`](crate::TtlCache::clear). Under concurrent use the
/// snapshot is not atomic across fields: each field is exact for some moment during the
/// call.
///
/// # Examples
///
/// ```
/// use cachekit::TtlCache;
/// use std::time::Duration;
///
/// let cache = TtlCache::<&str, u32>::new(10, Duration::from_secs(60));
/// cache.insert("a", 1);
/// cache.get("a");
/// cache.get("b");
/// let stats = cache.stats();
/// assert_eq!((stats.size, stats.max_size), (1, 10));
/// assert_eq!((stats.hits, stats.misses, stats.inserts), (1, 1, 1));
/// assert_eq!(stats.hit_rate, 0.5);
/// assert_eq!(stats.utilization_percent, 10.0);
/// ```
///
/// With the `serde` feature it serializes with these field names, except that `ttl` is
/// written as `ttl_seconds`, a number of seconds (fractional when the TTL is).
#[derive(Clone, Debug, PartialEq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize))]
pub struct CacheStats {
    /// Entries stored, including expired ones not yet removed.
    pub size: usize,
    /// The configured bound on the number of entries.
    pub max_size: usize,
    /// Entries stored whose TTL has passed but that no access or sweep has removed yet.
    pub expired_entries: usize,
    /// The default TTL of the cache.
    #[cfg_attr(
        feature = "serde",
        serde(rename = "ttl_seconds", serialize_with = "serialize_seconds")
    )]
    pub ttl: Duration,
    /// `size` as a percentage of `max_size` (0 when `max_size` is 0); for a cache bounded by
    /// weight, `total_weight` as a percentage of `max_weight`, the bound that applies.
    pub utilization_percent: f64,
    /// Lookups that found a live entry.
    pub hits: u64,
    /// Lookups that found no live entry.
    pub misses: u64,
    /// `hits / (hits + misses)`, or 0 before the first lookup.
    pub hit_rate: f64,
    /// Values stored by `insert` and friends, including those stored by a loader.
    pub inserts: u64,
    /// Live entries removed to respect the size or weight bound.
    pub evictions: u64,
    /// Expired entries removed (on access, by sweeps, or to make room).
    pub expirations: u64,
    /// The sum of the weights of the stored entries (the entry count without a weigher).
    pub total_weight: u64,
    /// The weight bound when the cache was built with a weigher, else `None`.
    pub max_weight: Option<u64>,
}

#[cfg(feature = "serde")]
fn serialize_seconds<S: serde::Serializer>(
    ttl: &Duration,
    serializer: S,
) -> Result<S::Ok, S::Error> {
    serializer.serialize_f64(ttl.as_secs_f64())
}

#[derive(Clone, Copy, Debug)]
pub(crate) enum Counter {
    Hit = 0,
    Miss = 1,
    Insert = 2,
    Eviction = 3,
    Expiration = 4,
}

const COUNTERS: usize = 5;
/// Stripes shared by threads beyond the exclusive slots; written with atomic adds.
const SHARED_STRIPES: usize = 4;

/// One stripe of counters on its own pair of cache lines: 128 bytes, because x86's
/// adjacent-line prefetcher pulls lines in pairs (as in crossbeam's `CachePadded`).
#[repr(align(128))]
#[derive(Default)]
struct Stripe([AtomicU64; COUNTERS]);

impl Stripe {
    /// A load and a store, not a read-modify-write: only the thread holding this stripe's
    /// exclusive slot calls it.
    #[inline]
    fn add_as_only_writer(&self, counter: Counter, n: u64) {
        let cell = &self.0[counter as usize];
        cell.store(cell.load(Ordering::Relaxed) + n, Ordering::Relaxed);
    }
}

/// Counters striped by thread, so that threads hitting the cache never write one cache
/// line from two cores. A thread with an exclusive slot (see [`thread_slot`]) is its
/// stripe's only writer and counts with a plain load and store; other threads share a few
/// stripes and count with atomic adds. Either way no count is lost.
pub(crate) struct Counters {
    exclusive: Box<[Stripe]>,
    shared: [Stripe; SHARED_STRIPES],
}

impl Counters {
    pub(crate) fn new() -> Self {
        Self {
            exclusive: (0..thread_slot::exclusive_slots())
                .map(|_| Stripe::default())
                .collect(),
            shared: Default::default(),
        }
    }

    #[inline]
    pub(crate) fn add(&self, counter: Counter, n: u64) {
        // `peek`: a thread without a slot yet reads a marker past every stripe and takes
        // the cold path, which assigns one; the hot path is a single thread-local load.
        match self.exclusive.get(thread_slot::peek()) {
            Some(stripe) => stripe.add_as_only_writer(counter, n),
            None => self.add_slow(counter, n),
        }
    }

    /// For a thread that has no slot yet, or none of the exclusive ones.
    #[cold]
    fn add_slow(&self, counter: Counter, n: u64) {
        let slot = thread_slot::current();
        match self.exclusive.get(slot) {
            Some(stripe) => stripe.add_as_only_writer(counter, n),
            None => {
                self.shared[slot % SHARED_STRIPES].0[counter as usize]
                    .fetch_add(n, Ordering::Relaxed);
            }
        }
    }

    pub(crate) fn sum(&self, counter: Counter) -> u64 {
        self.exclusive
            .iter()
            .chain(&self.shared)
            .map(|s| s.0[counter as usize].load(Ordering::Relaxed))
            .sum()
    }
}
