//! [`TtlCache`]: the sharded, size-bounded, TTL-expiring concurrent cache.

use std::borrow::Borrow;
use std::cell::UnsafeCell;
use std::convert::Infallible;
use std::fmt;
use std::future::Future;
use std::hash::{BuildHasher, Hash, Hasher};
use std::sync::atomic::{AtomicPtr, AtomicU64, AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Duration;

use dashmap::{DashMap, RwLockReadGuard, RwLockWriteGuard, SharedValue};

use crate::builder::TtlCacheBuilder;
use crate::climber::WindowClimber;
use crate::clock::{duration_to_ticks, Clock, Tick, NEVER, TICKS_PER_SECOND};
use crate::entry::Entry;
use crate::flight::{self, Flight, Join};
use crate::policy::{Probe, Removal, Segment, Store};
use crate::stats::{CacheStats, Counter, Counters};

/// The hasher a cache uses unless told otherwise: foldhash, seeded per process (from
/// addresses and the clock, not the OS's random source) and several times faster than SipHash
/// on small keys. The seed makes flooding harder than with a fixed hash, but foldhash does
/// not claim to withstand an attacker who can time the cache; keys chosen to collide cost
/// speed, never correctness (see the README's threat model), and a cache keyed by hostile
/// input can take `std`'s SipHash `RandomState` through the builder's `hasher`.
pub type DefaultHashBuilder = foldhash::fast::RandomState;

pub(crate) type Weigher<K, V> = Arc<dyn Fn(&K, &V) -> u64 + Send + Sync>;

/// A segment holds at least this many entries, so that small caches keep one policy (and
/// its hit ratio) instead of many tiny ones.
const MIN_SEGMENT_CAPACITY: u64 = 512;
/// Entries pre-allocated at most: a huge `max_size` must not reserve memory it may never use.
const MAX_PREALLOCATED: usize = 1024;

/// A thread-safe, size-bounded cache whose entries expire after a time to live.
///
/// `TtlCache` is `Send + Sync`; share it through an `Arc` (or a `static`). Values are
/// returned as clones, so wrap large values in an `Arc`.
///
/// # How it works
///
/// Entries live in a sharded [`DashMap`]. A hit takes one shard's *read* lock, compares the
/// entry's deadline with a coarse clock (see [`Clock`]) and bumps a relaxed atomic access
/// counter in the entry: no exclusive lock, no write to shared memory once the counter
/// saturates. Writers lock one of a few *segments* (a segment is a group of map shards,
/// locked for writing together), each of which runs its own eviction policy (W-TinyLFU: an
/// admission window and a frequency sketch in front of a CLOCK queue) over its share of
/// `max_size`.
///
/// # Bounds
///
/// Once an insert returns, the cache holds at most `max_size` entries (or `max_weight` of
/// weight): the bound is kept per segment, and a segment evicts before its insert returns,
/// under its lock, so the bound holds under concurrent inserts too. The only overshoot is
/// transient: a [`len`](Self::len) that runs *during* concurrent inserts may count one
/// extra entry per segment that is between storing its new entry and evicting (at most
/// 8 × cores extra, and none once the inserts return). Expired entries count
/// until they are dropped, which happens when they are read, when their segment needs room
/// (expired entries go before live ones), in a sweep that an insert runs once per cleanup
/// interval, and in [`cleanup_expired`](Self::cleanup_expired).
///
/// A segment that needs room while it may hold expired entries sweeps them out first,
/// unless its last sweep was both less than a second ago and fewer inserts ago than half
/// the entries it holds: a sweep reads the whole segment, and that limit keeps sweeping at
/// a few probes per insert. Between sweeps, an expired entry that the policy meets as a
/// candidate or a victim is removed as expired, in place of a live one.
///
/// # Locking
///
/// No method holds any lock while it runs user code (loaders, `retain`'s predicate), except
/// that the weigher and `K`'s and `V`'s `Hash`, `Eq` and `Clone` run under a shard lock, so
/// they must not use the cache.
///
/// # Examples
///
/// ```
/// use cachekit::TtlCache;
/// use std::time::Duration;
///
/// let cache: TtlCache<String, u64> = TtlCache::new(1000, Duration::from_secs(3600));
/// cache.insert("a".to_string(), 1);
/// cache.insert_with_ttl("b".to_string(), 2, Duration::from_secs(5));
/// assert_eq!(cache.get("a"), Some(1));
/// assert_eq!(cache.get_or_insert_with("c".to_string(), || 3), 3);
/// cache.retain(|key, _| !key.starts_with("user:"));
/// assert_eq!(cache.len(), 3);
/// ```
pub struct TtlCache<K, V, S = DefaultHashBuilder> {
    map: DashMap<K, Entry<V>, S>,
    segments: Box<[SegmentCell<K>]>,
    /// Each segment owns this many consecutive map shards (1, or 2 for a one-segment
    /// cache: a DashMap has at least two shards), so that a writer can lock them all.
    shards_per_segment: usize,
    /// `shards_per_segment`'s log2: the shard-to-segment step of every write is a shift, not a
    /// division (whose latency sat on the way to the segment's lock).
    segment_shift: u32,
    flights: DashMap<K, Arc<Flight<V>>, S>,
    hasher: S,
    clock: Clock,
    /// The default TTL in ticks ([`NEVER`] for `Duration::MAX`); atomic so that
    /// [`set_ttl`](Self::set_ttl) can change it while the cache is in use.
    ttl_ticks: AtomicU64,
    max_size: AtomicUsize,
    /// The bound a weigher was configured with, if any (then `max_size` is informational).
    max_weight: Option<u64>,
    weigher: Option<Weigher<K, V>>,
    cleanup_interval: Tick,
    next_cleanup: AtomicU64,
    counters: Counters,
    climber: WindowClimber,
    /// Per map shard, where its table was last seen.
    table_addresses: Box<[TableAddress]>,
}

impl<K, V, S> fmt::Debug for TtlCache<K, V, S> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TtlCache")
            .field("max_size", &self.max_size)
            .field("ttl_ticks", &self.ttl_ticks)
            .field("segments", &self.segments.len())
            .finish_non_exhaustive()
    }
}

impl<K, V> TtlCache<K, V>
where
    K: Hash + Eq + Clone + Send + Sync + 'static,
    V: Clone + Send + Sync + 'static,
{
    /// A cache of at most `max_size` entries that live for `ttl` each.
    ///
    /// ```
    /// use cachekit::TtlCache;
    /// use std::time::Duration;
    ///
    /// let cache: TtlCache<String, u64> = TtlCache::new(1000, Duration::from_secs(3600));
    /// assert_eq!(cache.stats().max_size, 1000);
    /// ```
    pub fn new(max_size: usize, ttl: Duration) -> Self {
        Self::builder().max_size(max_size).ttl(ttl).build()
    }

    /// A builder for every other setting: clock, weigher, cleanup interval, hasher.
    ///
    /// ```
    /// use cachekit::TtlCache;
    /// use std::time::Duration;
    ///
    /// let cache = TtlCache::<String, u64>::builder()
    ///     .max_size(1000)
    ///     .ttl(Duration::from_secs(1800))
    ///     .build();
    /// assert_eq!(cache.stats().ttl, Duration::from_secs(1800));
    /// ```
    pub fn builder() -> TtlCacheBuilder<K, V> {
        TtlCacheBuilder::default()
    }
}

impl<K, V, S> TtlCache<K, V, S>
where
    K: Hash + Eq + Clone + Send + Sync + 'static,
    V: Clone + Send + Sync + 'static,
    S: BuildHasher + Clone + Send + Sync + 'static,
{
    pub(crate) fn from_builder(builder: TtlCacheBuilder<K, V, S>) -> Self {
        let capacity = match (&builder.weigher, builder.max_weight) {
            (Some(_), Some(max_weight)) => max_weight,
            (Some(_), None) => builder.max_size as u64,
            (None, Some(max_weight)) => max_weight.min(builder.max_size as u64),
            (None, None) => builder.max_size as u64,
        };
        // A weighted cache keeps one segment: an entry may weigh up to the whole bound.
        let segment_count = if builder.weigher.is_some() {
            1
        } else {
            segment_count(capacity)
        };
        let cleanup_interval = duration_to_ticks(builder.cleanup_interval);
        // Sweeping a segment because one entry expired is O(segment), so at most once per
        // second (or per cleanup interval, if shorter), unless enough inserts came since
        // (see `Segment::sweep_allowed`).
        let min_sweep_gap = cleanup_interval.min(TICKS_PER_SECOND);
        let segments = (0..segment_count)
            .map(|index| {
                let share = segment_share(capacity, segment_count, index);
                SegmentCell(UnsafeCell::new(Segment::new(share, min_sweep_gap)))
            })
            .collect();
        let shards = segment_count.max(2);
        debug_assert!(segment_count.is_power_of_two() && shards.is_power_of_two());
        let preallocated = builder.max_size.min(MAX_PREALLOCATED);
        let now = builder.clock.now();
        let map = DashMap::with_capacity_and_hasher_and_shard_amount(
            preallocated,
            builder.hasher.clone(),
            shards,
        );
        let table_addresses = map
            .shards()
            .iter()
            .map(|shard| {
                let address = TableAddress::default();
                address.publish(&shard.read());
                address
            })
            .collect();
        Self {
            map,
            segments,
            shards_per_segment: shards / segment_count,
            segment_shift: (shards / segment_count).trailing_zeros(),
            flights: DashMap::with_hasher_and_shard_amount(
                builder.hasher.clone(),
                flight_shard_count(segment_count),
            ),
            hasher: builder.hasher,
            clock: builder.clock,
            ttl_ticks: AtomicU64::new(duration_to_ticks(builder.ttl)),
            max_size: AtomicUsize::new(builder.max_size),
            max_weight: builder.weigher.as_ref().map(|_| capacity),
            weigher: builder.weigher,
            cleanup_interval,
            next_cleanup: AtomicU64::new(now.saturating_add(cleanup_interval)),
            counters: Counters::new(),
            climber: WindowClimber::new(capacity),
            table_addresses,
        }
    }

    /// The value stored for `key`, cloned, if it is there and has not expired.
    ///
    /// Counts a hit or a miss. Locks: one shard read lock while it clones the value (reads
    /// of other keys in that shard proceed; writes to it wait). An expired entry found here
    /// is removed, which briefly takes its segment's lock.
    ///
    /// ```
    /// let cache = cachekit::TtlCache::<String, u64>::new(10, std::time::Duration::from_secs(60));
    /// cache.insert("a".to_string(), 1);
    /// assert_eq!(cache.get("a"), Some(1)); // a `&str` looks up a `String` key
    /// assert_eq!(cache.get("b"), None);
    /// ```
    #[inline]
    pub fn get<Q>(&self, key: &Q) -> Option<V>
    where
        K: Borrow<Q>,
        Q: Hash + Eq + ?Sized,
    {
        let now = self.clock.now();
        let found = self.lookup(key, now);
        self.counters.add(
            if found.is_some() {
                Counter::Hit
            } else {
                Counter::Miss
            },
            1,
        );
        found
    }

    /// The value for `key` without counting a hit or a miss; drops it if expired.
    #[inline]
    fn lookup<Q>(&self, key: &Q, now: Tick) -> Option<V>
    where
        K: Borrow<Q>,
        Q: Hash + Eq + ?Sized,
    {
        let live = self.read_entry(key, |entry| {
            entry.touch(now)?;
            Some(entry.value.clone())
        })?;
        if live.is_none() {
            self.remove_if_expired(key, now);
        }
        live
    }

    /// Runs `read` on `key`'s entry, if stored, under its shard's read lock.
    ///
    /// The same as dashmap's `get`, but it first starts loading the memory the lookup will
    /// read (see [`TableAddress`]).
    #[inline]
    fn read_entry<Q, R>(&self, key: &Q, read: impl FnOnce(&Entry<V>) -> R) -> Option<R>
    where
        K: Borrow<Q>,
        Q: Hash + Eq + ?Sized,
    {
        let hash = self.hash_of(key);
        let shard = self.map.determine_shard(hash as usize);
        self.table_addresses[shard].prefetch::<(K, SharedValue<Entry<V>>)>(hash);
        let table = self.map.shards()[shard].read();
        let (_, entry) = table.get(hash, |(k, _)| k.borrow() == key)?;
        Some(read(entry.get()))
    }

    /// Whether a live entry for `key` is stored. Counts a hit or a miss like
    /// [`get`](Self::get), without cloning the value.
    ///
    /// ```
    /// let cache = cachekit::TtlCache::<&str, u64>::new(10, std::time::Duration::from_secs(60));
    /// cache.insert("a", 1);
    /// assert!(cache.contains_key("a"));
    /// assert!(!cache.contains_key("b"));
    /// ```
    pub fn contains_key<Q>(&self, key: &Q) -> bool
    where
        K: Borrow<Q>,
        Q: Hash + Eq + ?Sized,
    {
        let now = self.clock.now();
        let found = self.read_entry(key, |entry| entry.touch(now).is_some());
        let live = found == Some(true);
        if found == Some(false) {
            self.remove_if_expired(key, now);
        }
        self.counters
            .add(if live { Counter::Hit } else { Counter::Miss }, 1);
        live
    }

    /// Stores `value` for `key` with the cache's TTL, replacing any previous value, and
    /// evicts as needed to stay within the bound.
    ///
    /// Locks: the key's segment, that is the write locks of its map shards (readers and
    /// writers of those shards wait; usually one shard). Once per cleanup interval an insert
    /// also sweeps every segment.
    ///
    /// ```
    /// let cache = cachekit::TtlCache::<u32, &str>::new(10, std::time::Duration::from_secs(60));
    /// cache.insert(1, "one");
    /// cache.insert(1, "uno");
    /// assert_eq!(cache.get(&1), Some("uno"));
    /// ```
    pub fn insert(&self, key: K, value: V) {
        self.insert_for(key, value, self.ttl_ticks.load(Ordering::Relaxed));
    }

    /// Like [`insert`](Self::insert), with this entry's own TTL. A zero TTL stores nothing
    /// (and drops any previous value for `key`); `Duration::MAX` never expires.
    ///
    /// ```
    /// use std::time::Duration;
    /// let cache = cachekit::TtlCache::<u32, u32>::new(10, Duration::from_secs(3600));
    /// cache.insert_with_ttl(1, 1, Duration::from_secs(5));
    /// assert_eq!(cache.get(&1), Some(1));
    /// ```
    pub fn insert_with_ttl(&self, key: K, value: V, ttl: Duration) {
        self.insert_for(key, value, duration_to_ticks(ttl));
    }

    /// Stores every pair, as [`insert`](Self::insert) would one by one (for warm-up).
    ///
    /// ```
    /// let cache = cachekit::TtlCache::<u32, u32>::new(10, std::time::Duration::from_secs(60));
    /// cache.insert_many((0..3).map(|i| (i, i * 10)));
    /// assert_eq!(cache.get_many(&[0, 2, 7]), vec![Some(0), Some(20), None]);
    /// ```
    pub fn insert_many(&self, entries: impl IntoIterator<Item = (K, V)>) {
        for (key, value) in entries {
            self.insert(key, value);
        }
    }

    /// Looks up every key, as [`get`](Self::get) would one by one.
    ///
    /// ```
    /// let cache = cachekit::TtlCache::<u32, u32>::new(10, std::time::Duration::from_secs(60));
    /// cache.insert(1, 10);
    /// assert_eq!(cache.get_many(&[1, 2]), vec![Some(10), None]);
    /// ```
    pub fn get_many(&self, keys: &[K]) -> Vec<Option<V>> {
        keys.iter().map(|key| self.get(key)).collect()
    }

    /// Removes `key`'s entry and returns its value if it was live.
    ///
    /// ```
    /// let cache = cachekit::TtlCache::<u32, u32>::new(10, std::time::Duration::from_secs(60));
    /// cache.insert(1, 10);
    /// assert_eq!(cache.remove(&1), Some(10));
    /// assert_eq!(cache.remove(&1), None);
    /// ```
    pub fn remove<Q>(&self, key: &Q) -> Option<V>
    where
        K: Borrow<Q>,
        Q: Hash + Eq + ?Sized,
    {
        let now = self.clock.now();
        let entry = self.remove_where(key, |_| true)?;
        (!entry.is_expired(now)).then_some(entry.value)
    }

    /// The value for `key`, running `loader` to make and store it if absent.
    ///
    /// # Concurrent calls on the same key
    ///
    /// Single-flight: while one caller's `loader` runs, other callers for the same key wait
    /// for it and receive its value; the loader runs once. No lock is held while it runs, so
    /// it may use this cache for other keys. If it panics, nothing is cached, the panic
    /// reaches its caller, and one waiting caller takes over with its own loader.
    ///
    /// # Panics
    ///
    /// If `loader` asks this cache for the same key on the same thread (directly or through
    /// another `get_or_insert_with`): that would wait for itself forever, so it panics with a
    /// message that says so.
    ///
    /// ```
    /// let cache = cachekit::TtlCache::<u32, u32>::new(10, std::time::Duration::from_secs(60));
    /// assert_eq!(cache.get_or_insert_with(1, || 10), 10);
    /// assert_eq!(cache.get_or_insert_with(1, || unreachable!()), 10);
    /// ```
    pub fn get_or_insert_with(&self, key: K, loader: impl FnOnce() -> V) -> V {
        match self.try_get_or_insert_with(key, || Ok::<V, Infallible>(loader())) {
            Ok(value) => value,
            Err(never) => match never {},
        }
    }

    /// Like [`get_or_insert_with`](Self::get_or_insert_with) for a fallible loader: an `Err`
    /// is returned to this caller and nothing is cached; callers waiting on this load then
    /// run their own loaders.
    ///
    /// ```
    /// let cache = cachekit::TtlCache::<u32, u32>::new(10, std::time::Duration::from_secs(60));
    /// let failed: Result<u32, String> = cache.try_get_or_insert_with(1, || Err("down".into()));
    /// assert_eq!(failed, Err("down".to_string()));
    /// assert_eq!(cache.try_get_or_insert_with(1, || Ok::<_, String>(7)), Ok(7));
    /// ```
    #[inline]
    pub fn try_get_or_insert_with<E>(
        &self,
        key: K,
        loader: impl FnOnce() -> Result<V, E>,
    ) -> Result<V, E> {
        match self.get(&key) {
            Some(value) => Ok(value),
            None => self.load_single_flight(key, loader),
        }
    }

    /// The miss path of [`try_get_or_insert_with`](Self::try_get_or_insert_with), kept out
    /// of line so that a hit inlines into its caller (a memoized function's every call).
    #[inline(never)]
    fn load_single_flight<E>(&self, key: K, loader: impl FnOnce() -> Result<V, E>) -> Result<V, E> {
        loop {
            match flight::join(&self.flights, &key) {
                Join::Follower(flight) => {
                    if let Some(value) = flight.wait() {
                        return Ok(value);
                    }
                }
                Join::Leader(leadership) => {
                    // The previous leader may have stored the value between our miss and
                    // our joining.
                    if let Some(value) = self.lookup(&key, self.clock.now()) {
                        leadership.finish(value.clone());
                        return Ok(value);
                    }
                    let value = leadership.run(loader)?;
                    self.insert(key, value.clone());
                    leadership.finish(value.clone());
                    return Ok(value);
                }
            }
        }
    }

    /// The async form of [`get_or_insert_with`](Self::get_or_insert_with): `loader` is a
    /// future, awaited only if the key is absent and no other caller is loading it.
    /// Waiting callers await without blocking their thread.
    ///
    /// # Cancellation
    ///
    /// If the loading caller's future is dropped before it completes, nothing is cached and
    /// one waiting caller takes over.
    ///
    /// ```
    /// # fn block_on<F: std::future::Future>(f: F) -> F::Output {
    /// #     use std::task::{Context, Poll, Waker};
    /// #     let mut f = std::pin::pin!(f);
    /// #     let mut cx = Context::from_waker(Waker::noop());
    /// #     loop { if let Poll::Ready(v) = f.as_mut().poll(&mut cx) { return v; } }
    /// # }
    /// let cache = cachekit::TtlCache::<u32, u32>::new(10, std::time::Duration::from_secs(60));
    /// let value = block_on(cache.get_or_insert_with_async(1, async { 5 }));
    /// assert_eq!(value, 5);
    /// ```
    pub async fn get_or_insert_with_async(&self, key: K, loader: impl Future<Output = V>) -> V {
        let loader = async { Ok::<V, Infallible>(loader.await) };
        match self.try_get_or_insert_with_async(key, loader).await {
            Ok(value) => value,
            Err(never) => match never {},
        }
    }

    /// The async form of [`try_get_or_insert_with`](Self::try_get_or_insert_with).
    ///
    /// ```
    /// # fn block_on<F: std::future::Future>(f: F) -> F::Output {
    /// #     use std::task::{Context, Poll, Waker};
    /// #     let mut f = std::pin::pin!(f);
    /// #     let mut cx = Context::from_waker(Waker::noop());
    /// #     loop { if let Poll::Ready(v) = f.as_mut().poll(&mut cx) { return v; } }
    /// # }
    /// let cache = cachekit::TtlCache::<u32, u32>::new(10, std::time::Duration::from_secs(60));
    /// let failed = block_on(cache.try_get_or_insert_with_async(1, async { Err("down") }));
    /// assert_eq!(failed, Err("down"));
    /// assert_eq!(cache.get(&1), None);
    /// ```
    pub async fn try_get_or_insert_with_async<E>(
        &self,
        key: K,
        loader: impl Future<Output = Result<V, E>>,
    ) -> Result<V, E> {
        if let Some(value) = self.get(&key) {
            return Ok(value);
        }
        let mut loader = std::pin::pin!(loader);
        loop {
            match flight::join(&self.flights, &key) {
                Join::Follower(flight) => {
                    if let Some(value) = flight.wait_async().await {
                        return Ok(value);
                    }
                }
                Join::Leader(leadership) => {
                    if let Some(value) = self.lookup(&key, self.clock.now()) {
                        leadership.finish(value.clone());
                        return Ok(value);
                    }
                    let value = leadership.run_async(loader.as_mut()).await?;
                    self.insert(key, value.clone());
                    leadership.finish(value.clone());
                    return Ok(value);
                }
            }
        }
    }

    /// Keeps only the entries for which `keep(key, value)` is true (pattern invalidation).
    /// Expired entries are dropped too.
    ///
    /// `keep` runs with no lock held, on clones of the entries, so it may use the cache. An
    /// entry inserted or replaced while `retain` runs may be kept or dropped.
    ///
    /// ```
    /// let cache = cachekit::TtlCache::<String, u32>::new(10, std::time::Duration::from_secs(60));
    /// cache.insert("user:1".to_string(), 1);
    /// cache.insert("post:1".to_string(), 2);
    /// cache.retain(|key, _| !key.starts_with("user:"));
    /// assert_eq!(cache.get("user:1"), None);
    /// assert_eq!(cache.get("post:1"), Some(2));
    /// ```
    pub fn retain(&self, mut keep: impl FnMut(&K, &V) -> bool) {
        for index in 0..self.segments.len() {
            let now = self.clock.now();
            let snapshot: Vec<(K, Option<V>)> = {
                let locked = self.read_segment(index);
                locked
                    .segment()
                    .keys()
                    .filter_map(|key| {
                        let entry = locked.entry(self.hash_of(key), key)?;
                        let value = (!entry.is_expired(now)).then(|| entry.value.clone());
                        Some((key.clone(), value))
                    })
                    .collect()
            };
            for (key, value) in snapshot {
                if !value.is_some_and(|value| keep(&key, &value)) {
                    self.remove(&key);
                }
            }
        }
    }

    /// Removes every expired entry now and returns how many it removed.
    ///
    /// Locks each segment in turn; O(entries).
    ///
    /// ```
    /// use cachekit::{MockClock, TtlCache};
    /// use std::time::Duration;
    ///
    /// let clock = MockClock::new();
    /// let cache = TtlCache::<u32, u32>::builder().clock(clock.clone()).build();
    /// cache.insert_with_ttl(1, 1, Duration::from_secs(1));
    /// cache.insert_with_ttl(2, 2, Duration::from_secs(100));
    /// clock.advance(Duration::from_secs(2));
    /// assert_eq!(cache.cleanup_expired(), 1);
    /// assert_eq!(cache.len(), 1);
    /// ```
    pub fn cleanup_expired(&self) -> usize {
        let now = self.clock.now();
        (0..self.segments.len())
            .map(|index| {
                let mut locked = self.lock_segment(index);
                let (segment, shards) = locked.parts();
                segment.sweep(shards, now)
            })
            .sum()
    }

    /// Removes every entry. The statistics counters keep counting (they are totals since
    /// the cache was created, as monitoring systems expect of counters).
    ///
    /// Locks every segment (and its map shards) at once, in order.
    ///
    /// ```
    /// let cache = cachekit::TtlCache::<u32, u32>::new(10, std::time::Duration::from_secs(60));
    /// cache.insert(1, 1);
    /// cache.clear();
    /// assert!(cache.is_empty());
    /// ```
    pub fn clear(&self) {
        let mut all: Vec<_> = (0..self.segments.len())
            .map(|index| self.lock_segment(index))
            .collect();
        for locked in &mut all {
            let (segment, shards) = locked.parts();
            shards.clear();
            segment.clear();
        }
    }

    /// Entries stored, including expired ones not yet dropped (see the type's "Bounds").
    ///
    /// Takes each shard's read lock in turn; O(shards).
    ///
    /// ```
    /// let cache = cachekit::TtlCache::<u32, u32>::new(10, std::time::Duration::from_secs(60));
    /// cache.insert(1, 1);
    /// assert_eq!(cache.len(), 1);
    /// ```
    pub fn len(&self) -> usize {
        self.map.len()
    }

    /// Whether no entries are stored.
    ///
    /// ```
    /// let cache = cachekit::TtlCache::<u32, u32>::new(10, std::time::Duration::from_secs(60));
    /// assert!(cache.is_empty());
    /// ```
    pub fn is_empty(&self) -> bool {
        self.map.is_empty()
    }

    /// A snapshot of the cache's size, configuration and counters.
    ///
    /// Reads every entry's deadline (to count expired ones) under shard read locks: O(entries),
    /// meant for monitoring, not for hot paths.
    ///
    /// ```
    /// let cache = cachekit::TtlCache::<u32, u32>::new(4, std::time::Duration::from_secs(60));
    /// cache.insert(1, 1);
    /// assert_eq!(cache.get(&1), Some(1));
    /// let stats = cache.stats();
    /// assert_eq!((stats.size, stats.hits, stats.utilization_percent), (1, 1, 25.0));
    /// ```
    pub fn stats(&self) -> CacheStats {
        let size = self.map.len();
        let expired_entries = self.expired_len();
        let max_size = self.max_size();
        let total_weight: u128 = (0..self.segments.len())
            .map(|index| self.read_segment(index).segment().weight)
            .sum();
        let total_weight = u64::try_from(total_weight).unwrap_or(u64::MAX);
        let hits = self.counters.sum(Counter::Hit);
        let misses = self.counters.sum(Counter::Miss);
        let lookups = hits + misses;
        CacheStats {
            size,
            max_size,
            expired_entries,
            ttl: self.ttl(),
            utilization_percent: match self.max_weight {
                Some(0) => 0.0,
                Some(max_weight) => total_weight as f64 * 100.0 / max_weight as f64,
                None if max_size == 0 => 0.0,
                None => size as f64 * 100.0 / max_size as f64,
            },
            hits,
            misses,
            hit_rate: if lookups == 0 {
                0.0
            } else {
                hits as f64 / lookups as f64
            },
            inserts: self.counters.sum(Counter::Insert),
            evictions: self.counters.sum(Counter::Eviction),
            expirations: self.counters.sum(Counter::Expiration),
            total_weight,
            max_weight: self.max_weight,
        }
    }

    /// Entries whose TTL has passed but that are still stored: what
    /// [`cleanup_expired`](Self::cleanup_expired) would remove now (a dry run).
    ///
    /// Reads every entry's deadline under shard read locks: O(entries).
    ///
    /// ```
    /// use cachekit::{MockClock, TtlCache};
    /// use std::time::Duration;
    ///
    /// let clock = MockClock::new();
    /// let cache = TtlCache::<u32, u32>::builder().clock(clock.clone()).build();
    /// cache.insert_with_ttl(1, 1, Duration::from_secs(1));
    /// clock.advance(Duration::from_secs(2));
    /// assert_eq!(cache.expired_len(), 1);
    /// assert_eq!(cache.len(), 1); // nothing was removed
    /// ```
    pub fn expired_len(&self) -> usize {
        let now = self.clock.now();
        self.map
            .iter()
            .filter(|entry| entry.is_expired(now))
            .count()
    }

    /// The bound on the number of entries.
    ///
    /// ```
    /// let cache = cachekit::TtlCache::<u32, u32>::new(10, std::time::Duration::from_secs(60));
    /// assert_eq!(cache.max_size(), 10);
    /// ```
    pub fn max_size(&self) -> usize {
        self.max_size.load(Ordering::Relaxed)
    }

    /// The TTL that [`insert`](Self::insert) gives entries.
    ///
    /// ```
    /// use std::time::Duration;
    /// let cache = cachekit::TtlCache::<u32, u32>::new(10, Duration::from_secs(60));
    /// assert_eq!(cache.ttl(), Duration::from_secs(60));
    /// ```
    pub fn ttl(&self) -> Duration {
        match self.ttl_ticks.load(Ordering::Relaxed) {
            NEVER => Duration::MAX,
            ticks => Duration::from_micros(ticks),
        }
    }

    /// Changes the TTL of entries inserted from now on; stored entries keep their deadline.
    ///
    /// ```
    /// use std::time::Duration;
    /// let cache = cachekit::TtlCache::<u32, u32>::new(10, Duration::from_secs(60));
    /// cache.set_ttl(Duration::from_secs(5));
    /// assert_eq!(cache.stats().ttl, Duration::from_secs(5));
    /// ```
    pub fn set_ttl(&self, ttl: Duration) {
        self.ttl_ticks
            .store(duration_to_ticks(ttl), Ordering::Relaxed);
    }

    /// Changes the bound on the number of entries. A smaller bound takes effect at once:
    /// each segment evicts down to its new share before this returns (expired entries first,
    /// then by policy), so `len() <= max_size` holds afterwards, and `set_max_size(0)` empties
    /// the cache. The number of segments stays as built. For a cache built with a weigher and
    /// `max_weight`, the weight bound stays and this only changes what `stats()` reports.
    ///
    /// ```
    /// let cache = cachekit::TtlCache::<u32, u32>::new(100, std::time::Duration::from_secs(60));
    /// cache.insert_many((0..100).map(|i| (i, i)));
    /// cache.set_max_size(10);
    /// assert!(cache.len() <= 10);
    /// assert_eq!(cache.stats().max_size, 10);
    /// ```
    pub fn set_max_size(&self, max_size: usize) {
        self.max_size.store(max_size, Ordering::Relaxed);
        if self.max_weight.is_some() {
            return;
        }
        let count = self.segments.len();
        let now = self.clock.now();
        let window_ppm = self.climber.window_ppm();
        for index in 0..count {
            let mut locked = self.lock_segment(index);
            let (segment, shards) = locked.parts();
            segment.capacity = segment_share(max_size as u64, count, index);
            segment.make_room(shards, now, window_ppm, false);
        }
    }

    fn insert_for(&self, key: K, value: V, ttl: Tick) {
        self.counters.add(Counter::Insert, 1);
        let now = self.clock.now();
        self.run_cleanup_if_due(now);
        let hash = self.hash_of(&key);
        let weight = self.weigh(&key, &value);
        let mut locked = self.lock_segment(self.segment_index(hash));
        let (segment, shards) = locked.parts();
        if ttl == 0 || weight > segment.capacity {
            // Stores nothing; what was stored before for the key is stale now.
            if let Some(removed) = shards.take(hash, &key) {
                segment.on_remove(removed);
            }
            // A segment whose share shrank (see `set_max_size`) may still be over it.
            segment.make_room(shards, now, self.climber.window_ppm(), false);
            return;
        }
        let deadline = now.saturating_add(ttl).min(NEVER);
        let entry = Entry::new(value, deadline);
        match shards.table(hash) {
            Some(table) => match table.get_mut(hash, |(k, _)| *k == key) {
                Some((stored_key, slot)) => {
                    let old = std::mem::replace(slot.get_mut(), entry);
                    segment.on_replace(deadline);
                    if self.weigher.is_some() {
                        let old_weight = self.weigh(stored_key, &old.value);
                        segment.weight =
                            segment.weight - u128::from(old_weight) + u128::from(weight);
                    }
                }
                None => {
                    table.insert(hash, (key.clone(), SharedValue::new(entry)), |(k, _)| {
                        self.hash_of(k)
                    });
                    self.table_addresses[self.map.determine_shard(hash as usize)].publish(table);
                    segment.on_insert(key, hash, weight, deadline);
                }
            },
            None => return, // unreachable: a segment always holds its keys' shards
        }
        segment.make_room(shards, now, self.climber.window_ppm(), true);
        segment.inserts_since_climb += 1;
        if segment.inserts_since_climb >= segment.capacity.max(64) {
            segment.inserts_since_climb = 0;
            let ghost_misses = segment.ghosts.take_misses();
            let requests = self.counters.sum(Counter::Hit) + self.counters.sum(Counter::Miss);
            segment.on_requests(requests / self.segments.len() as u64);
            drop(locked);
            self.climber.observe(requests, ghost_misses);
        }
    }

    fn run_cleanup_if_due(&self, now: Tick) {
        let due = self.next_cleanup.load(Ordering::Relaxed);
        if now >= due
            && self
                .next_cleanup
                .compare_exchange(
                    due,
                    now.saturating_add(self.cleanup_interval),
                    Ordering::Relaxed,
                    Ordering::Relaxed,
                )
                .is_ok()
        {
            self.cleanup_expired();
        }
    }

    fn remove_if_expired<Q>(&self, key: &Q, now: Tick)
    where
        K: Borrow<Q>,
        Q: Hash + Eq + ?Sized,
    {
        if self
            .remove_where(key, |entry| entry.is_expired(now))
            .is_some()
        {
            self.counters.add(Counter::Expiration, 1);
        }
    }

    /// Removes `key`'s entry if `condition` holds for it (under the segment's lock, so it
    /// cannot change in between) and tells the policy; returns the entry removed.
    fn remove_where<Q>(&self, key: &Q, condition: impl Fn(&Entry<V>) -> bool) -> Option<Entry<V>>
    where
        K: Borrow<Q>,
        Q: Hash + Eq + ?Sized,
    {
        let hash = self.hash_of(key);
        let mut locked = self.lock_segment(self.segment_index(hash));
        let (segment, shards) = locked.parts();
        let (key, entry) = shards.table(hash)?.remove_entry(hash, |(k, entry)| {
            k.borrow() == key && condition(entry.get())
        })?;
        let entry = entry.into_inner();
        segment.on_remove(self.weigh(&key, &entry.value));
        Some(entry)
    }

    /// An entry's weight: at least 1, so that free entries cannot grow the cache without
    /// bound.
    fn weigh(&self, key: &K, value: &V) -> u64 {
        self.weigher
            .as_ref()
            .map_or(1, |weigh| weigh(key, value).max(1))
    }

    /// Hashes as DashMap does (`build_hasher`, `hash`, `finish`), not with `hash_one`, which
    /// a hasher may override: the raw shard tables must see the very hashes the map uses.
    #[expect(
        clippy::manual_hash_one,
        reason = "must match DashMap's own hashing even if a hasher overrides hash_one"
    )]
    fn hash_of<Q: Hash + ?Sized>(&self, key: &Q) -> u64 {
        let mut state = self.hasher.build_hasher();
        key.hash(&mut state);
        state.finish()
    }

    /// The segment that owns the map shard `hash` falls in.
    fn segment_index(&self, hash: u64) -> usize {
        self.map.determine_shard(hash as usize) >> self.segment_shift
    }

    /// Write-locks the map shards of segment `index`, in order, and with them the segment.
    /// No other map method may be used while the guards live: it would lock a shard a
    /// second time.
    #[inline(always)]
    fn lock_segment(&self, index: usize) -> LockedSegment<'_, K, V, S> {
        let first = index * self.shards_per_segment;
        let shards = &self.map.shards()[first..first + self.shards_per_segment];
        LockedSegment {
            shards: LockedShards {
                cache: self,
                first,
                guards: Guards {
                    first: shards[0].write(),
                    second: shards.get(1).map(|shard| shard.write()),
                },
            },
            cell: &self.segments[index],
        }
    }

    /// Read-locks the map shards of segment `index`, in order, and with them the segment.
    fn read_segment(&self, index: usize) -> ReadSegment<'_, K, V, S> {
        let first = index * self.shards_per_segment;
        let shards = &self.map.shards()[first..first + self.shards_per_segment];
        ReadSegment {
            cache: self,
            first,
            guards: Guards {
                first: shards[0].read(),
                second: shards.get(1).map(|shard| shard.read()),
            },
            cell: &self.segments[index],
        }
    }
}

/// A segment's policy state. It has no lock of its own: the lock of its first map shard
/// guards it. Every writer of a segment also writes its shards, so a lock of its own
/// would be a second lock per insert, and an uncontended lock and unlock costs about
/// 21 ns on the benchmark machines (a fifth of an evicting insert).
struct SegmentCell<K>(UnsafeCell<Segment<K>>);

// SAFETY: the segment is only reached through `LockedSegment::parts` (exclusive, under the
// write lock of the segment's first shard) and `ReadSegment::segment` (shared, under that
// shard's read lock), so the shard's RwLock orders every access as a lock of the segment's
// own would. `Segment<K>` holds `K`s, hence the bounds.
#[allow(unsafe_code)]
unsafe impl<K: Send + Sync> Sync for SegmentCell<K> {}

/// A segment with its map shards write-locked: the policy's view of its entries.
struct LockedSegment<'a, K, V, S> {
    shards: LockedShards<'a, K, V, S>,
    cell: &'a SegmentCell<K>,
}

impl<'a, K, V, S> LockedSegment<'a, K, V, S> {
    /// The segment and its shards, borrowed apart so that the policy can work on both.
    #[inline]
    #[allow(unsafe_code)]
    fn parts(&mut self) -> (&mut Segment<K>, &mut LockedShards<'a, K, V, S>) {
        // SAFETY: `self.shards` holds the write lock of the segment's first shard for as
        // long as `self` lives, and the returned borrows cannot outlive `&mut self`; every
        // other access to the segment takes that shard's lock too (see `SegmentCell`), so
        // this is the only reference to the segment.
        let segment = unsafe { &mut *self.cell.0.get() };
        (segment, &mut self.shards)
    }
}

/// A segment with its map shards read-locked: for snapshots.
struct ReadSegment<'a, K, V, S> {
    cache: &'a TtlCache<K, V, S>,
    first: usize,
    guards: Guards<RwLockReadGuard<'a, Table<K, V>>>,
    cell: &'a SegmentCell<K>,
}

impl<K, V, S> ReadSegment<'_, K, V, S>
where
    K: Hash + Eq + Clone + Send + Sync + 'static,
    V: Clone + Send + Sync + 'static,
    S: BuildHasher + Clone + Send + Sync + 'static,
{
    #[allow(unsafe_code)]
    fn segment(&self) -> &Segment<K> {
        // SAFETY: `self.guards` holds the read lock of the segment's first shard for as long
        // as `self` lives, which excludes the only writer (`LockedSegment`, under the write
        // lock); the returned borrow cannot outlive `&self`.
        unsafe { &*self.cell.0.get() }
    }

    /// `key`'s entry, if stored.
    fn entry(&self, hash: u64, key: &K) -> Option<&Entry<V>> {
        let shard = self.cache.map.determine_shard(hash as usize);
        self.guards
            .get(shard.wrapping_sub(self.first))?
            .get(hash, |(k, _)| k == key)
            .map(|(_, entry)| entry.get())
    }
}

/// A segment's map shards, write-locked: the policy's view of its entries while it evicts.
struct LockedShards<'a, K, V, S> {
    cache: &'a TtlCache<K, V, S>,
    first: usize,
    guards: ShardGuards<'a, K, V>,
}

type Table<K, V> = hashbrown::raw::RawTable<(K, SharedValue<Entry<V>>)>;
type ShardGuards<'a, K, V> = Guards<RwLockWriteGuard<'a, Table<K, V>>>;

/// One or two guards (see `shards_per_segment`), held inline: an insert allocates nothing.
struct Guards<G> {
    first: G,
    second: Option<G>,
}

impl<G> Guards<G> {
    fn get(&self, index: usize) -> Option<&G> {
        match index {
            0 => Some(&self.first),
            1 => self.second.as_ref(),
            _ => None,
        }
    }

    fn get_mut(&mut self, index: usize) -> Option<&mut G> {
        match index {
            0 => Some(&mut self.first),
            1 => self.second.as_mut(),
            _ => None,
        }
    }
}

impl<K, V, S> LockedShards<'_, K, V, S>
where
    K: Hash + Eq + Clone + Send + Sync + 'static,
    V: Clone + Send + Sync + 'static,
    S: BuildHasher + Clone + Send + Sync + 'static,
{
    #[inline]
    fn table(&mut self, hash: u64) -> Option<&mut Table<K, V>> {
        let shard = self.cache.map.determine_shard(hash as usize);
        self.guards
            .get_mut(shard.wrapping_sub(self.first))
            .map(|guard| &mut **guard)
    }

    /// Removes `key`'s entry, returning its weight.
    #[inline]
    fn take(&mut self, hash: u64, key: &K) -> Option<u64> {
        let (key, entry) = self.table(hash)?.remove_entry(hash, |(k, _)| k == key)?;
        Some(self.cache.weigh(&key, &entry.into_inner().value))
    }

    /// Drops every entry of these shards.
    fn clear(&mut self) {
        self.guards.first.clear();
        if let Some(second) = &mut self.guards.second {
            second.clear();
        }
    }
}

impl<K, V, S> Store<K> for LockedShards<'_, K, V, S>
where
    K: Hash + Eq + Clone + Send + Sync + 'static,
    V: Clone + Send + Sync + 'static,
    S: BuildHasher + Clone + Send + Sync + 'static,
{
    #[inline]
    fn hash_key(&mut self, key: &K) -> u64 {
        self.cache.hash_of(key)
    }

    fn inspect(&mut self, key: &K, hash: u64, now: Tick) -> Probe {
        let Some(table) = self.table(hash) else {
            return Probe::Absent;
        };
        match table.get(hash, |(k, _)| k == key) {
            None => Probe::Absent,
            Some((_, entry)) => probe_entry(entry.get(), now, false),
        }
    }

    #[inline]
    fn remove_if(
        &mut self,
        key: &K,
        hash: u64,
        now: Tick,
        decide: impl FnOnce(Probe) -> bool,
    ) -> Option<u64> {
        // One probe: the decision is made inside the table's search, on the matching entry
        // (keys are unique, so it is met once), instead of a lookup and then a removal.
        let mut decide = Some(decide);
        let mut expired = false;
        let (key, entry) = self.table(hash)?.remove_entry(hash, |(k, entry)| {
            if k != key {
                return false;
            }
            let Some(decide) = decide.take() else {
                return false;
            };
            let probe = probe_entry(entry.get(), now, true);
            expired = probe == Probe::Expired;
            decide(probe)
        })?;
        let weight = self.cache.weigh(&key, &entry.into_inner().value);
        let cause = if expired {
            Counter::Expiration
        } else {
            Counter::Eviction
        };
        self.cache.counters.add(cause, 1);
        Some(weight)
    }

    fn remove_entry(&mut self, key: &K, hash: u64, cause: Removal) -> Option<u64> {
        let weight = self.take(hash, key)?;
        self.cache.counters.add(
            match cause {
                Removal::Evicted => Counter::Eviction,
                Removal::Expired => Counter::Expiration,
            },
            1,
        );
        Some(weight)
    }
}

/// What the policy sees of a stored entry at `now`; with `take_count`, a live entry's access
/// count is also taken (reset).
#[inline]
fn probe_entry<V>(entry: &Entry<V>, now: Tick, take_count: bool) -> Probe {
    if entry.is_expired(now) {
        Probe::Expired
    } else {
        Probe::Live {
            accesses: if take_count {
                entry.take_access_count()
            } else {
                0
            },
            deadline: entry.deadline(),
        }
    }
}

/// Segments for a bound: as many as cores × 8, but each holding at least
/// [`MIN_SEGMENT_CAPACITY`] (for the policy's hit ratio); a power of two. Each segment owns
/// its own map shard, so this is also the shard count that readers spread over: measured
/// on 2 cores, 8 shards instead of 16 cost two-thread hits about 20%.
fn segment_count(capacity: u64) -> usize {
    let most = parallelism().saturating_mul(8).next_power_of_two();
    let by_capacity = (capacity / MIN_SEGMENT_CAPACITY).max(1);
    let by_capacity = 1usize << (63 - by_capacity.leading_zeros());
    most.min(by_capacity)
}

/// Segment `index`'s part of `capacity` split `count` ways; the parts add up to `capacity`.
fn segment_share(capacity: u64, count: usize, index: usize) -> u64 {
    let count = count as u64;
    capacity / count + u64::from((index as u64) < capacity % count)
}

/// Shards of the map of loads in flight (the entry map has one shard per segment instead):
/// plenty, so that concurrent loads of different keys seldom share a shard lock.
fn flight_shard_count(segments: usize) -> usize {
    parallelism()
        .saturating_mul(8)
        .next_power_of_two()
        .max(segments)
        .max(16)
}

/// Where a map shard's table was last seen, so that a hit can start loading the key's
/// control bytes and likely bucket *before* it takes the shard's read lock (the table's own
/// header may only be read under the lock).
///
/// A hit at 100k resident entries waits on the lock's cache line (from the other core, when
/// two threads share the cache) and then on two dependent loads that often miss L1 and L2:
/// the control bytes, then the bucket they point to. Most entries sit in the bucket their
/// hash's low bits name (at hashbrown's load factors), so prefetching that bucket and its
/// control bytes lets all three arrive together. A table only moves when an insert grows
/// it, and the insert publishes the new address under the shard's write lock. A reader that
/// races with it sees an old or half-updated address and prefetches useless lines: slower
/// for that one lookup, never wrong, since the lookup itself reads the table under the lock.
#[derive(Default)]
struct TableAddress {
    data_end: AtomicPtr<u8>,
    bucket_mask: AtomicUsize,
}

impl TableAddress {
    /// Records where `table` is; called with the table's shard locked.
    #[inline]
    fn publish<T>(&self, table: &hashbrown::raw::RawTable<T>) {
        let data_end = table.data_end().as_ptr().cast::<u8>();
        if self.data_end.load(Ordering::Relaxed) != data_end {
            self.data_end.store(data_end, Ordering::Relaxed);
            self.bucket_mask
                .store(table.buckets() - 1, Ordering::Relaxed);
        }
    }

    /// Starts loading the control bytes and the bucket where an entry of type `T` with
    /// `hash` sits if it met no collision on insert.
    #[inline(always)]
    #[allow(unsafe_code)]
    fn prefetch<T>(&self, hash: u64) {
        #[cfg(target_arch = "x86_64")]
        {
            use core::arch::x86_64::{_mm_prefetch, _MM_HINT_T0};
            // hashbrown 0.14's layout: the control bytes start at `data_end`, the buckets
            // sit below it (bucket `i` ending `i * size_of::<T>()` bytes below), and a probe
            // starts at the hash's low bits.
            let data_end = self.data_end.load(Ordering::Relaxed);
            let home = (hash as usize) & self.bucket_mask.load(Ordering::Relaxed);
            let control = data_end.wrapping_add(home);
            let bucket = data_end.wrapping_sub((home + 1) * std::mem::size_of::<T>());
            // SAFETY: a prefetch is only a hint to the caches: it does not read memory as far
            // as the program can tell and never faults, whatever the address, so a stale,
            // torn or null address is as sound as a current one.
            unsafe {
                _mm_prefetch::<_MM_HINT_T0>(control.cast::<i8>());
                _mm_prefetch::<_MM_HINT_T0>(bucket.cast::<i8>());
            }
        }
        #[cfg(not(target_arch = "x86_64"))]
        let _ = hash;
    }
}

fn parallelism() -> usize {
    std::thread::available_parallelism().map_or(4, |n| n.get())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn segment_counts_are_powers_of_two_within_limits() {
        assert_eq!(segment_count(0), 1);
        assert_eq!(segment_count(100), 1);
        assert_eq!(segment_count(1024), 2);
        let most = parallelism().saturating_mul(8).next_power_of_two();
        assert_eq!(segment_count(u64::MAX), most);
        assert!(flight_shard_count(1).is_power_of_two() && flight_shard_count(1) >= 16);
    }

    /// The hit path prefetches addresses computed from each table's last published layout:
    /// exercise it on unallocated tables (hashbrown's shared placeholder), on tables as they
    /// reallocate, and for absent keys.
    #[test]
    fn lookups_stay_right_on_empty_tables_and_across_table_growth() {
        let stores_nothing = TtlCache::<u64, u64>::new(0, Duration::from_secs(60));
        stores_nothing.insert(1, 1);
        assert_eq!(stores_nothing.get(&1), None);
        assert!(!stores_nothing.contains_key(&1));

        let cache = TtlCache::<u64, u64>::new(100_000, Duration::from_secs(60));
        assert_eq!(cache.get(&7), None);
        for key in 0..20_000u64 {
            cache.insert(key, key * 3);
            if key.is_power_of_two() {
                assert!((0..=key).all(|earlier| cache.get(&earlier) == Some(earlier * 3)));
                assert!(cache.contains_key(&key) && !cache.contains_key(&(key + 1)));
            }
        }
        assert!((20_000..21_000).all(|absent| cache.get(&absent).is_none()));
        assert!((0..20_000).all(|key| cache.get(&key) == Some(key * 3)));
    }
}
