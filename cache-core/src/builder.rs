//! [`TtlCacheBuilder`]: every knob of a [`TtlCache`], with defaults.

use std::fmt;
use std::hash::{BuildHasher, Hash};
use std::marker::PhantomData;
use std::sync::Arc;
use std::time::Duration;

use crate::cache::{DefaultHashBuilder, TtlCache, Weigher};
use crate::clock::Clock;

/// Entries a cache holds when no `max_size` is given.
pub const DEFAULT_MAX_SIZE: usize = 1000;

/// How long an entry lives when no TTL is given: one hour.
pub const DEFAULT_TTL: Duration = Duration::from_secs(3600);

/// How often inserts sweep the whole cache for expired entries when no interval is given:
/// five minutes.
pub const DEFAULT_CLEANUP_INTERVAL: Duration = Duration::from_secs(300);

/// Configures and builds a [`TtlCache`]. Get one from [`TtlCache::builder`].
///
/// Every setting has a default ([`DEFAULT_MAX_SIZE`], [`DEFAULT_TTL`],
/// [`DEFAULT_CLEANUP_INTERVAL`], the system clock, a seeded fast hasher), and no setting can
/// make [`build`](Self::build) fail: a zero size or TTL builds a cache that stores nothing.
///
/// # Examples
///
/// ```
/// use cachekit::TtlCache;
/// use std::time::Duration;
///
/// let cache = TtlCache::<String, u64>::builder()
///     .max_size(1000)
///     .ttl(Duration::from_secs(1800))
///     .build();
/// cache.insert("a".to_string(), 1);
/// assert_eq!(cache.get("a"), Some(1));
/// ```
#[must_use = "a builder does nothing until `build` is called"]
pub struct TtlCacheBuilder<K, V, S = DefaultHashBuilder> {
    pub(crate) max_size: usize,
    pub(crate) ttl: Duration,
    pub(crate) cleanup_interval: Duration,
    pub(crate) clock: Clock,
    pub(crate) hasher: S,
    pub(crate) weigher: Option<Weigher<K, V>>,
    pub(crate) max_weight: Option<u64>,
    marker: PhantomData<fn(K, V)>,
}

impl<K, V, S> fmt::Debug for TtlCacheBuilder<K, V, S> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TtlCacheBuilder")
            .field("max_size", &self.max_size)
            .field("ttl", &self.ttl)
            .field("cleanup_interval", &self.cleanup_interval)
            .field("clock", &self.clock)
            .field("weigher", &self.weigher.is_some())
            .field("max_weight", &self.max_weight)
            .finish_non_exhaustive()
    }
}

impl<K, V> Default for TtlCacheBuilder<K, V> {
    fn default() -> Self {
        Self::with_hasher(DefaultHashBuilder::default())
    }
}

impl<K, V, S> TtlCacheBuilder<K, V, S> {
    fn with_hasher(hasher: S) -> Self {
        Self {
            max_size: DEFAULT_MAX_SIZE,
            ttl: DEFAULT_TTL,
            cleanup_interval: DEFAULT_CLEANUP_INTERVAL,
            clock: Clock::system(),
            hasher,
            weigher: None,
            max_weight: None,
            marker: PhantomData,
        }
    }

    /// The most entries the cache holds (default [`DEFAULT_MAX_SIZE`]). 0 builds a cache that
    /// stores nothing. Nothing is allocated up front for it, so `usize::MAX` is fine.
    ///
    /// ```
    /// let cache = cachekit::TtlCache::<u8, u8>::builder().max_size(2).build();
    /// for k in 0..10 {
    ///     cache.insert(k, k);
    /// }
    /// assert!(cache.len() <= 2);
    /// ```
    pub fn max_size(mut self, max_size: usize) -> Self {
        self.max_size = max_size;
        self
    }

    /// How long an entry lives after it is inserted (default [`DEFAULT_TTL`]).
    /// `Duration::ZERO` builds a cache that stores nothing; `Duration::MAX` means entries
    /// never expire.
    ///
    /// ```
    /// use std::time::Duration;
    /// let cache = cachekit::TtlCache::<u8, u8>::builder().ttl(Duration::MAX).build();
    /// cache.insert(1, 1);
    /// assert_eq!(cache.stats().ttl, Duration::MAX);
    /// ```
    pub fn ttl(mut self, ttl: Duration) -> Self {
        self.ttl = ttl;
        self
    }

    /// How often an insert sweeps the whole cache for expired entries (default
    /// [`DEFAULT_CLEANUP_INTERVAL`]). Between sweeps, expired entries are dropped when read
    /// or when their room is needed.
    ///
    /// ```
    /// use std::time::Duration;
    /// let cache = cachekit::TtlCache::<u8, u8>::builder()
    ///     .cleanup_interval(Duration::from_secs(30))
    ///     .build();
    /// cache.insert(1, 1);
    /// ```
    pub fn cleanup_interval(mut self, interval: Duration) -> Self {
        self.cleanup_interval = interval;
        self
    }

    /// The time source; pass a [`MockClock`](crate::MockClock) to test expiry without
    /// sleeping.
    ///
    /// ```
    /// use cachekit::{MockClock, TtlCache};
    /// use std::time::Duration;
    ///
    /// let clock = MockClock::new();
    /// let cache = TtlCache::<u64, u64>::builder()
    ///     .ttl(Duration::from_secs(60))
    ///     .clock(clock.clone())
    ///     .build();
    /// cache.insert(1, 1);
    /// clock.advance(Duration::from_secs(61));
    /// assert_eq!(cache.get(&1), None);
    /// ```
    pub fn clock(mut self, clock: impl Into<Clock>) -> Self {
        self.clock = clock.into();
        self
    }

    /// Bounds the cache by total weight instead of entry count: `weigher(key, value)` gives
    /// each entry's weight, and [`max_weight`](Self::max_weight) the bound (which defaults to
    /// `max_size` when not given). An entry heavier than the bound is not stored. An entry
    /// weighs at least 1 whatever the weigher says, so that the number of entries stays
    /// bounded (by `max_weight`) too.
    ///
    /// The weigher must be a cheap, pure function of its arguments: it is called again when
    /// the entry is removed, sometimes under the cache's internal locks, so it must not use
    /// the cache.
    ///
    /// ```
    /// let cache = cachekit::TtlCache::<u32, String>::builder()
    ///     .weigher(|_key, value: &String| value.len() as u64)
    ///     .max_weight(10)
    ///     .build();
    /// cache.insert(1, "12345".to_string());
    /// cache.insert(2, "this one is far too long".to_string());
    /// assert_eq!(cache.get(&2), None);
    /// assert!(cache.stats().total_weight <= 10);
    /// ```
    pub fn weigher(mut self, weigher: impl Fn(&K, &V) -> u64 + Send + Sync + 'static) -> Self {
        self.weigher = Some(Arc::new(weigher));
        self
    }

    /// The weight bound when a [`weigher`](Self::weigher) is set. Without a weigher every
    /// entry weighs 1, so this acts as a second count bound.
    ///
    /// ```
    /// let cache = cachekit::TtlCache::<u32, Vec<u8>>::builder()
    ///     .weigher(|_k, v: &Vec<u8>| v.len() as u64)
    ///     .max_weight(1 << 20)
    ///     .build();
    /// assert_eq!(cache.stats().max_weight, Some(1 << 20));
    /// ```
    pub fn max_weight(mut self, max_weight: u64) -> Self {
        self.max_weight = Some(max_weight);
        self
    }

    /// The hasher the cache's maps use (default [`DefaultHashBuilder`], a randomly seeded
    /// fast hash). Keys that are already uniform fingerprints can use a cheaper one.
    ///
    /// ```
    /// use std::collections::hash_map::RandomState;
    /// let cache = cachekit::TtlCache::<u8, u8>::builder()
    ///     .hasher(RandomState::new())
    ///     .build();
    /// cache.insert(1, 1);
    /// assert_eq!(cache.get(&1), Some(1));
    /// ```
    pub fn hasher<S2>(self, hasher: S2) -> TtlCacheBuilder<K, V, S2> {
        TtlCacheBuilder {
            max_size: self.max_size,
            ttl: self.ttl,
            cleanup_interval: self.cleanup_interval,
            clock: self.clock,
            hasher,
            weigher: self.weigher,
            max_weight: self.max_weight,
            marker: PhantomData,
        }
    }
}

impl<K, V, S> TtlCacheBuilder<K, V, S>
where
    K: Hash + Eq + Clone + Send + Sync + 'static,
    V: Clone + Send + Sync + 'static,
    S: BuildHasher + Clone + Send + Sync + 'static,
{
    /// Builds the cache.
    ///
    /// ```
    /// let cache = cachekit::TtlCache::<&str, i32>::builder().max_size(10).build();
    /// assert!(cache.is_empty());
    /// ```
    pub fn build(self) -> TtlCache<K, V, S> {
        TtlCache::from_builder(self)
    }
}
