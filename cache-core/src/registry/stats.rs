//! [`RegistryStats`] and [`GlobalStats`]: every registered cache's statistics and their sums.

use std::collections::BTreeMap;

use crate::CacheStats;

/// The statistics of every cache and expiring set in a [`Registry`](crate::Registry), and
/// their totals, as returned by [`Registry::stats`](crate::Registry::stats).
///
/// With the `serde` feature it serializes to JSON with these field names (see
/// [`Registry::stats_json`](crate::Registry)).
///
/// # Examples
///
/// ```
/// use cachekit::Registry;
/// use std::time::Duration;
///
/// let registry = Registry::new();
/// let users = registry.get_or_create::<u64, String>("users", 10, Duration::from_secs(60))?;
/// users.insert(1, "ann".to_string());
/// users.get(&1);
/// users.get(&2);
/// let stats = registry.stats();
/// assert_eq!(stats.caches["users"].size, 1);
/// assert_eq!(stats.global.total_caches, 1);
/// assert_eq!((stats.global.hits, stats.global.misses), (1, 1));
/// assert_eq!(stats.global.global_utilization_percent, 10.0);
/// # Ok::<(), cachekit::RegistryError>(())
/// ```
#[derive(Clone, Debug, Default, PartialEq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize))]
pub struct RegistryStats {
    /// Each cache's statistics, by name.
    pub caches: BTreeMap<String, crate::CacheStats>,
    /// Totals over all caches.
    pub global: GlobalStats,
    /// The number of members (stale ones not yet swept included) of each registered
    /// [`ExpiringSet`](crate::ExpiringSet), by name.
    pub expiring_sets: BTreeMap<String, usize>,
}

/// Totals over every cache of a [`Registry`](crate::Registry); a field of [`RegistryStats`].
///
/// # Examples
///
/// ```
/// use cachekit::Registry;
/// use std::time::Duration;
///
/// let registry = Registry::new();
/// registry.get_or_create::<u8, u8>("a", 100, Duration::from_secs(60))?.insert(1, 1);
/// registry.get_or_create::<u8, u8>("b", 300, Duration::from_secs(60))?.insert(1, 1);
/// let global = registry.stats().global;
/// assert_eq!((global.total_caches, global.total_entries, global.total_max_entries), (2, 2, 400));
/// assert_eq!(global.global_utilization_percent, 0.5);
/// assert_eq!(global.hit_rate, 0.0); // no lookups yet
/// # Ok::<(), cachekit::RegistryError>(())
/// ```
#[derive(Clone, Debug, Default, PartialEq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize))]
pub struct GlobalStats {
    /// The number of caches.
    pub total_caches: usize,
    /// The sum of their sizes (expired entries not yet removed included).
    pub total_entries: usize,
    /// The sum of their `max_size` bounds (saturating at `usize::MAX`).
    pub total_max_entries: usize,
    /// `total_entries` as a percentage of `total_max_entries` (0 when that is 0).
    pub global_utilization_percent: f64,
    /// Hits over all caches.
    pub hits: u64,
    /// Misses over all caches.
    pub misses: u64,
    /// `hits / (hits + misses)`, or 0 before the first lookup.
    pub hit_rate: f64,
}

impl GlobalStats {
    pub(crate) fn sum<'a>(caches: impl IntoIterator<Item = &'a CacheStats>) -> Self {
        let mut global = Self::default();
        for stats in caches {
            global.total_caches += 1;
            global.total_entries = global.total_entries.saturating_add(stats.size);
            global.total_max_entries = global.total_max_entries.saturating_add(stats.max_size);
            global.hits = global.hits.saturating_add(stats.hits);
            global.misses = global.misses.saturating_add(stats.misses);
        }
        if global.total_max_entries > 0 {
            global.global_utilization_percent =
                global.total_entries as f64 * 100.0 / global.total_max_entries as f64;
        }
        let lookups = global.hits.saturating_add(global.misses);
        if lookups > 0 {
            global.hit_rate = global.hits as f64 / lookups as f64;
        }
        global
    }
}
