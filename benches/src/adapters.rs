//! One small adapter per competitor, so every workload drives them through the same calls.
//!
//! The workload loops are provided methods of [`Cache`]: called through a `dyn Cache`
//! they still run monomorphized for the concrete cache (one virtual call per loop, not
//! per operation).

use std::hint::black_box;
use std::num::NonZeroUsize;
use std::sync::Mutex;
use std::time::Duration;

use mini_moka::sync::ConcurrentCacheExt;

/// The TTL set on every cache that supports one (cachekit's default TTL is the same).
pub const TTL: Duration = Duration::from_secs(3600);

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Cachekit,
    QuickCache,
    Moka,
    MiniMoka,
    Lru,
    DashMap,
}

impl Kind {
    /// Every competitor, in table order.
    pub const ALL: [Kind; 6] = [
        Kind::Cachekit,
        Kind::QuickCache,
        Kind::Moka,
        Kind::MiniMoka,
        Kind::Lru,
        Kind::DashMap,
    ];
    /// The competitors that bound their size (everything except the raw map).
    pub const EVICTING: [Kind; 5] = [
        Kind::Cachekit,
        Kind::QuickCache,
        Kind::Moka,
        Kind::MiniMoka,
        Kind::Lru,
    ];

    pub fn name(self) -> &'static str {
        match self {
            Kind::Cachekit => "cachekit",
            Kind::QuickCache => "quick_cache",
            Kind::Moka => "moka",
            Kind::MiniMoka => "mini_moka",
            Kind::Lru => "Mutex<lru>",
            Kind::DashMap => "dashmap (no eviction)",
        }
    }

    /// A fresh `u64 -> u64` cache bounded to `capacity` entries.
    pub fn build(self, capacity: usize) -> Box<dyn Cache> {
        match self {
            Kind::Cachekit => Box::new(
                cachekit::TtlCache::<u64, u64>::builder()
                    .max_size(capacity)
                    .build(),
            ),
            Kind::QuickCache => Box::new(quick_cache::sync::Cache::<u64, u64>::new(capacity)),
            Kind::Moka => Box::new(
                moka::sync::Cache::<u64, u64>::builder()
                    .max_capacity(capacity as u64)
                    .time_to_live(TTL)
                    .build(),
            ),
            Kind::MiniMoka => Box::new(
                mini_moka::sync::Cache::<u64, u64>::builder()
                    .max_capacity(capacity as u64)
                    .time_to_live(TTL)
                    .build(),
            ),
            Kind::Lru => Box::new(Mutex::new(lru::LruCache::<u64, u64>::new(
                NonZeroUsize::new(capacity.max(1)).expect("capacity is at least 1"),
            ))),
            Kind::DashMap => Box::new(dashmap::DashMap::<u64, u64>::with_capacity(capacity)),
        }
    }
}

pub trait Cache: Send + Sync {
    fn get(&self, key: u64) -> Option<u64>;
    fn insert(&self, key: u64, value: u64);
    /// Entries currently held (after `settle`, for caches with deferred bookkeeping).
    fn len(&self) -> usize;
    /// Runs deferred maintenance (moka's pending tasks, mini-moka's sync) so `len` and
    /// memory reflect every completed insert.
    fn settle(&self) {}
    /// The cache's own (hits, misses) counters, where it keeps them.
    fn own_hit_counts(&self) -> Option<(u64, u64)> {
        None
    }

    /// Get-then-insert-on-miss; returns whether the lookup hit.
    fn get_or_insert(&self, key: u64, value: u64) -> bool {
        if self.get(key).is_some() {
            true
        } else {
            self.insert(key, value);
            false
        }
    }

    /// Looks every key up; returns the number of hits.
    fn get_loop(&self, keys: &[u64]) -> u64 {
        let mut hits = 0;
        for &k in keys {
            if let Some(v) = self.get(black_box(k)) {
                black_box(v);
                hits += 1;
            }
        }
        hits
    }

    /// Inserts every key (value = key).
    fn insert_loop(&self, keys: &[u64]) {
        for &k in keys {
            self.insert(black_box(k), k);
        }
    }

    /// Replays a request stream as get-then-insert-on-miss; returns the number of hits.
    fn replay(&self, keys: &[u64]) -> u64 {
        let mut hits = 0;
        for &k in keys {
            hits += u64::from(self.get_or_insert(k, k));
        }
        hits
    }
}

impl Cache for cachekit::TtlCache<u64, u64> {
    #[inline]
    fn get(&self, key: u64) -> Option<u64> {
        cachekit::TtlCache::get(self, &key)
    }
    #[inline]
    fn insert(&self, key: u64, value: u64) {
        cachekit::TtlCache::insert(self, key, value);
    }
    fn len(&self) -> usize {
        cachekit::TtlCache::len(self)
    }
    fn own_hit_counts(&self) -> Option<(u64, u64)> {
        let s = self.stats();
        Some((s.hits, s.misses))
    }
}

impl Cache for quick_cache::sync::Cache<u64, u64> {
    #[inline]
    fn get(&self, key: u64) -> Option<u64> {
        quick_cache::sync::Cache::get(self, &key)
    }
    #[inline]
    fn insert(&self, key: u64, value: u64) {
        quick_cache::sync::Cache::insert(self, key, value);
    }
    fn len(&self) -> usize {
        quick_cache::sync::Cache::len(self)
    }
}

impl Cache for moka::sync::Cache<u64, u64> {
    #[inline]
    fn get(&self, key: u64) -> Option<u64> {
        moka::sync::Cache::get(self, &key)
    }
    #[inline]
    fn insert(&self, key: u64, value: u64) {
        moka::sync::Cache::insert(self, key, value);
    }
    fn len(&self) -> usize {
        self.entry_count() as usize
    }
    fn settle(&self) {
        self.run_pending_tasks();
    }
    /// Settles after every insert, so that the hit ratio is measured at the capacity asked
    /// for: moka applies its write log only once enough writes are pending, and until then
    /// the new entries are already readable, so a replay that never settles measures a
    /// larger cache than asked for (on the LIRS `sprite` trace at capacity 100: 34.7%
    /// unsettled, 30.8% settled).
    fn replay(&self, keys: &[u64]) -> u64 {
        replay_settling(self, keys)
    }
}

/// Get-then-insert-on-miss, settling deferred maintenance after each insert.
fn replay_settling(cache: &dyn Cache, keys: &[u64]) -> u64 {
    let mut hits = 0;
    for &k in keys {
        if cache.get(k).is_some() {
            hits += 1;
        } else {
            cache.insert(k, k);
            cache.settle();
        }
    }
    hits
}

impl Cache for mini_moka::sync::Cache<u64, u64> {
    #[inline]
    fn get(&self, key: u64) -> Option<u64> {
        mini_moka::sync::Cache::get(self, &key)
    }
    #[inline]
    fn insert(&self, key: u64, value: u64) {
        mini_moka::sync::Cache::insert(self, key, value);
    }
    fn len(&self) -> usize {
        self.entry_count() as usize
    }
    fn settle(&self) {
        self.sync();
    }
    /// Settles after every insert, as for moka (see there).
    fn replay(&self, keys: &[u64]) -> u64 {
        replay_settling(self, keys)
    }
}

impl Cache for Mutex<lru::LruCache<u64, u64>> {
    #[inline]
    fn get(&self, key: u64) -> Option<u64> {
        lock(self).get(&key).copied()
    }
    #[inline]
    fn insert(&self, key: u64, value: u64) {
        lock(self).put(key, value);
    }
    fn len(&self) -> usize {
        lock(self).len()
    }
}

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
}

impl Cache for dashmap::DashMap<u64, u64> {
    #[inline]
    fn get(&self, key: u64) -> Option<u64> {
        dashmap::DashMap::get(self, &key).map(|r| *r)
    }
    #[inline]
    fn insert(&self, key: u64, value: u64) {
        dashmap::DashMap::insert(self, key, value);
    }
    fn len(&self) -> usize {
        dashmap::DashMap::len(self)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_adapter_round_trips_and_replays() {
        for kind in Kind::ALL {
            let c = kind.build(100);
            assert_eq!(c.get(1), None, "{}", kind.name());
            c.insert(1, 10);
            assert_eq!(c.get(1), Some(10), "{}", kind.name());
            assert_eq!(c.replay(&[2, 2, 1]), 2, "{}", kind.name());
            c.settle();
            assert_eq!(c.len(), 2, "{}", kind.name());
        }
    }
}
