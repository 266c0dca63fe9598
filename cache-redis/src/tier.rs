//! [`SharedTier`]: a memoized function's two tiers, the local cache and Redis.

use std::convert::Infallible;
use std::fmt;
use std::future::Future;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, OnceLock, Weak};
use std::time::{Duration, Instant};

use cache_core::{CacheStats, Registry, TtlCache};
use serde::de::DeserializeOwned;
use serde::Serialize;

use crate::backend::{Inner, LocalTier, OpError, RedisBackend};
use crate::breaker::BreakerState;
use crate::codec::{self, StableKey, StableKeyBuildHasher};
use crate::config::RedisConfig;
use crate::error::SharedTierError;

/// The local tier of a [`SharedTier`]: stable keys to values, hashed by identity. It is
/// what the registry holds under the tier's name.
///
/// ```
/// use cachekit::redis::{LocalCache, StableKey, StableKeyBuildHasher};
/// let cache: LocalCache<u64> = cachekit::TtlCache::builder().hasher(StableKeyBuildHasher).build();
/// cache.insert(StableKey(1), 10);
/// assert_eq!(cache.get(&StableKey(1)), Some(10));
/// ```
pub type LocalCache<V> = TtlCache<StableKey, V, StableKeyBuildHasher>;

/// The tier's statistics: its local cache's, what it asked Redis and how that went, and
/// the breaker's state. Counters count since the tier was made.
///
/// Serializes (serde) with these field names; `local` as [`CacheStats`] does.
///
/// # Examples
///
/// ```
/// use cachekit::redis::{BreakerState, SharedTier};
/// use std::time::Duration;
///
/// let tier = SharedTier::<u64>::new("doc-stats", Duration::from_secs(600), Duration::from_secs(30), 100, false);
/// let key = tier.key(&(1_u32,));
/// tier.get_or_compute(key, || 1);
/// tier.get_or_compute(key, || 1);
/// let stats = tier.stats();
/// assert_eq!((stats.local.hits, stats.local.misses), (1, 1));
/// assert_eq!(stats.breaker, BreakerState::Closed);
/// ```
#[derive(Clone, Debug, PartialEq, serde::Serialize)]
#[non_exhaustive]
pub struct SharedTierStats {
    /// The local tier's statistics (its hits are calls answered without Redis).
    pub local: CacheStats,
    /// Local misses answered by Redis.
    pub redis_hits: u64,
    /// Local misses Redis had no value for (the body ran).
    pub redis_misses: u64,
    /// Redis commands that failed: refused, timed out, lost, or answered with an error.
    pub redis_errors: u64,
    /// Values in Redis that did not deserialize: treated as misses and overwritten.
    pub deserialize_errors: u64,
    /// Values that did not serialize: returned and cached locally, not written to Redis.
    pub serialize_errors: u64,
    /// Redis commands not sent because the breaker was open (or an async call ran outside
    /// a Tokio runtime).
    pub redis_skipped: u64,
    /// Local misses served without Redis because no Redis is connected.
    pub not_connected: u64,
    /// `shared_lock` locks this process took to run the body.
    pub lock_acquired: u64,
    /// Redis hits found while waiting for another process's lock (also counted in
    /// `redis_hits`).
    pub lock_waits: u64,
    /// Waits for another process's lock that ran out (`lock_wait`): the body ran here.
    pub lock_timeouts: u64,
    /// Calls whose arguments could not be serialized into a key: the body ran, nothing
    /// was cached.
    pub uncacheable: u64,
    /// The circuit breaker of the tier's Redis ([`BreakerState::Closed`] when there is none).
    pub breaker: BreakerState,
    /// Whether the tier has a Redis (its own or the process-wide one).
    pub connected: bool,
}

#[derive(Default)]
struct Counters {
    redis_hits: AtomicU64,
    redis_misses: AtomicU64,
    redis_errors: AtomicU64,
    deserialize_errors: AtomicU64,
    serialize_errors: AtomicU64,
    redis_skipped: AtomicU64,
    not_connected: AtomicU64,
    lock_acquired: AtomicU64,
    lock_waits: AtomicU64,
    lock_timeouts: AtomicU64,
    uncacheable: AtomicU64,
}

fn bump(counter: &AtomicU64) {
    counter.fetch_add(1, Ordering::Relaxed);
}

/// What the registry's hooks need of a tier, whatever its value type.
struct Core {
    name: String,
    backend: Option<RedisBackend>,
    counters: Counters,
    /// `key` already warned about unserializable arguments.
    warned_uncacheable: AtomicBool,
}

impl Core {
    fn backend(&self) -> Option<&RedisBackend> {
        self.backend.as_ref().or_else(|| crate::connected())
    }

    fn count(&self, error: OpError) {
        match error {
            OpError::Skipped | OpError::NoRuntime => bump(&self.counters.redis_skipped),
            OpError::Failed(e) => {
                bump(&self.counters.redis_errors);
                log::debug!("cachekit: shared tier {:?}: Redis error: {e}", self.name);
            }
        }
    }

    /// Deletes the namespace in Redis and tells the other processes to clear their local
    /// tiers; how many keys went.
    fn clear_shared(&self) -> usize {
        let Some(backend) = self.backend() else {
            return 0;
        };
        let deleted = match backend.inner.clear_namespace(&self.name) {
            Ok(n) => n,
            Err(e) => {
                self.count(e);
                0
            }
        };
        if let Err(e) = backend.inner.invalidate(&self.name, None) {
            self.count(e);
        }
        deleted
    }

    /// The registry's health line for this tier, while its breaker is not closed.
    fn health_line(&self) -> Option<String> {
        let backend = self.backend()?;
        let state = backend.inner.breaker.state();
        if state == BreakerState::Closed {
            return None;
        }
        let (last_error, _) = backend.inner.breaker.last_error();
        Some(format!(
            "shared tier {:?}: the Redis circuit breaker is {state} ({}; last error: {}); calls run locally",
            self.name,
            backend.inner.url,
            last_error.as_deref().unwrap_or("none")
        ))
    }
}

/// The local cache and a generation count that every invalidation bumps, so that a load
/// that raced with an invalidation does not keep what it read.
struct Local<V> {
    cache: Arc<LocalCache<V>>,
    generation: AtomicU64,
}

impl<V: Clone + Send + Sync + 'static> LocalTier for Local<V> {
    fn drop_key(&self, key: StableKey) {
        self.generation.fetch_add(1, Ordering::AcqRel);
        self.cache.remove(&key);
    }

    fn drop_all(&self) {
        self.generation.fetch_add(1, Ordering::AcqRel);
        self.cache.clear();
    }
}

/// The process's SipHash keys while no Redis is connected: keys then only need to agree
/// within the process, but the env secret (or the default) keeps them the same as they
/// will be once connected with the default configuration.
fn unconnected_keys() -> (u64, u64) {
    static KEYS: OnceLock<(u64, u64)> = OnceLock::new();
    *KEYS.get_or_init(|| RedisConfig::default().sip_keys().0)
}

/// A token unique across the fleet (process id, time, a counter, hashed with a randomly
/// keyed std hasher): a `shared_lock` lock's, so that a holder only ever releases its own
/// lock, and a backend's, to recognise its own invalidation messages.
pub(crate) fn random_token() -> String {
    static COUNTER: AtomicU64 = AtomicU64::new(0);
    use std::hash::BuildHasher;
    let state = std::collections::hash_map::RandomState::new();
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_nanos());
    let count = COUNTER.fetch_add(1, Ordering::Relaxed);
    let a = state.hash_one((std::process::id(), nanos, count));
    let b = state.hash_one((count, nanos, std::process::id(), a));
    format!("{a:016x}{b:016x}")
}

/// A memoized function's shared cache: a local [`TtlCache`] in front (entries live
/// `local_ttl`), Redis behind (entries live `ttl`), shared by every process that uses the
/// same Redis, namespace prefix, secret and tier name.
///
/// A lookup ([`get_or_compute`](Self::get_or_compute) and its `try_` and `_async` forms)
/// tries the local tier, then Redis (filling the local tier), then runs the body and
/// writes both. Concurrent lookups of one key in one process run that at most once
/// (the local tier's single-flight); with `shared_lock`, concurrent lookups of one key
/// across processes mostly do too (see [`SharedTierBuilder::shared_lock`]).
///
/// # Keys
///
/// [`key`](Self::key) fingerprints the arguments: SipHash-1-3-128, keyed with the fleet's
/// secret, of their JSON. The Redis key is `<prefix>:<name>:<32 hex digits>`. Arguments
/// must serialize the same way in every process; `HashMap` and `HashSet` do not (see the
/// crate documentation).
///
/// # When Redis fails
///
/// A call never fails because of Redis. Redis down, slow (past the command timeout) or
/// returning garbage: the body runs locally and its value is returned (and cached
/// locally). A value that does not deserialize is a miss, and the new value overwrites
/// it. After `breaker_failures` consecutive failures the breaker opens and calls skip
/// Redis until a probe after `breaker_reset` succeeds. All of it is counted in
/// [`stats`](Self::stats); an open breaker is a warning in `registry().health()`.
///
/// # Without `connect`
///
/// If no Redis is connected (no [`connect`](crate::connect) in this process and no
/// [`backend`](SharedTierBuilder::backend)), the tier is a local cache: the body runs on
/// local misses, counted in [`SharedTierStats::not_connected`]. It starts using Redis as
/// soon as `connect` is called.
///
/// # The registry
///
/// The local tier is registered under the tier's name (in [`registry()`](cache_core::registry) unless
/// [`SharedTierBuilder::registry`] says otherwise), so `registry().stats()` and
/// `cleanup_all()` see it; `registry().clear(name)` clears the local tier and the
/// namespace in Redis, and tells the other processes to clear theirs. If the name is
/// taken by a cache of other types, the tier logs an error and keeps an unregistered
/// local cache.
///
/// # Examples
///
/// ```no_run
/// use cachekit::redis::{connect, SharedTier};
/// use std::sync::LazyLock;
/// use std::time::Duration;
///
/// static PRICES: LazyLock<SharedTier<u64>> = LazyLock::new(|| {
///     SharedTier::new("shop::price", Duration::from_secs(600), Duration::from_secs(30), 10_000, false)
/// });
///
/// fn price(sku: &str, qty: u32) -> u64 {
///     let key = PRICES.key(&(sku, qty));
///     PRICES.get_or_compute(key, || sku.len() as u64 * u64::from(qty))
/// }
///
/// connect("redis://127.0.0.1:6379")?;
/// assert_eq!(price("sku-1", 2), 10); // computed here, or by another process
/// assert_eq!(price("sku-1", 2), 10); // a local hit
/// # Ok::<(), cachekit::redis::SharedTierError>(())
/// ```
pub struct SharedTier<V> {
    core: Arc<Core>,
    local: Arc<Local<V>>,
    ttl: Duration,
    local_ttl: Duration,
    shared_lock: bool,
    /// The local tier is known to the subscriber of the backend in use.
    subscribed: AtomicBool,
}

impl<V> fmt::Debug for SharedTier<V> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SharedTier")
            .field("name", &self.core.name)
            .field("ttl", &self.ttl)
            .field("local_ttl", &self.local_ttl)
            .field("shared_lock", &self.shared_lock)
            .field("backend", &self.core.backend())
            .finish_non_exhaustive()
    }
}

/// Settings of a [`SharedTier`] beyond those of [`SharedTier::new`]: made by
/// [`SharedTier::builder`].
///
/// ```
/// use cachekit::redis::SharedTier;
/// use cachekit::Registry;
/// use std::time::Duration;
///
/// let registry = Registry::new();
/// let tier = SharedTier::builder("doc-builder")
///     .ttl(Duration::from_secs(600))
///     .local_ttl(Duration::from_secs(30))
///     .max_size(1000)
///     .shared_lock(true)
///     .registry(&registry)
///     .build::<String>();
/// assert_eq!(tier.local_ttl(), Duration::from_secs(30));
/// assert!(registry.names().contains(&"doc-builder".to_string()));
/// ```
#[must_use = "a builder does nothing until `build`"]
pub struct SharedTierBuilder<'r> {
    name: String,
    ttl: Option<Duration>,
    local_ttl: Option<Duration>,
    max_size: Option<usize>,
    shared_lock: bool,
    backend: Option<RedisBackend>,
    registry: Option<&'r Registry>,
}

impl fmt::Debug for SharedTierBuilder<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SharedTierBuilder")
            .field("name", &self.name)
            .field("ttl", &self.ttl)
            .field("local_ttl", &self.local_ttl)
            .field("max_size", &self.max_size)
            .field("shared_lock", &self.shared_lock)
            .field("backend", &self.backend)
            .finish_non_exhaustive()
    }
}

impl<'r> SharedTierBuilder<'r> {
    /// How long values live in Redis. Default: the registry's default TTL.
    ///
    /// ```
    /// use std::time::Duration;
    /// let tier = cachekit::redis::SharedTier::builder("doc-b-ttl").ttl(Duration::from_secs(60)).build::<u8>();
    /// assert_eq!(tier.ttl(), Duration::from_secs(60));
    /// ```
    pub fn ttl(mut self, ttl: Duration) -> Self {
        self.ttl = Some(ttl);
        self
    }

    /// How long values live in the local tier; at most `ttl`. Default: `ttl`, but at
    /// most 60 s, since local copies can outlive an invalidation that did not reach this
    /// process (see [`SharedTier::invalidate`]).
    ///
    /// ```
    /// use std::time::Duration;
    /// let tier = cachekit::redis::SharedTier::builder("doc-b-local")
    ///     .ttl(Duration::from_secs(10))
    ///     .local_ttl(Duration::from_secs(20))
    ///     .build::<u8>();
    /// assert_eq!(tier.local_ttl(), Duration::from_secs(10)); // capped by `ttl`
    /// ```
    pub fn local_ttl(mut self, local_ttl: Duration) -> Self {
        self.local_ttl = Some(local_ttl);
        self
    }

    /// The local tier's size bound. Default: the registry's default `max_size`.
    ///
    /// ```
    /// let tier = cachekit::redis::SharedTier::builder("doc-b-size").max_size(5).build::<u8>();
    /// assert_eq!(tier.local_cache().max_size(), 5);
    /// ```
    pub fn max_size(mut self, max_size: usize) -> Self {
        self.max_size = Some(max_size);
        self
    }

    /// Single flight across processes: a process that misses both tiers takes a lock in
    /// Redis (`SET <key>:lock <token> NX PX <lock_ttl>`) before it runs the body; the
    /// others re-read the value every `lock_poll` (and retry the lock) for up to
    /// `lock_wait`, then run the body themselves. The holder releases the lock only if it
    /// still holds its token (a Lua compare-and-delete), so a body that outran `lock_ttl`
    /// cannot release someone else's lock. Default: off.
    ///
    /// It is best effort: if Redis fails, the holder dies past `lock_ttl`, or the body
    /// takes longer than `lock_wait`, more than one process runs the body.
    ///
    /// ```
    /// let tier = cachekit::redis::SharedTier::builder("doc-b-lock").shared_lock(true).build::<u8>();
    /// # let _ = tier;
    /// ```
    pub fn shared_lock(mut self, shared_lock: bool) -> Self {
        self.shared_lock = shared_lock;
        self
    }

    /// The Redis this tier uses, instead of the process-wide one of
    /// [`connect`](crate::connect).
    ///
    /// ```no_run
    /// use cachekit::redis::{RedisBackend, RedisConfig, SharedTier};
    /// let other = RedisBackend::connect(RedisConfig::new("redis://10.0.0.7:6379"))?;
    /// let tier = SharedTier::builder("doc-b-backend").backend(other).build::<u8>();
    /// # Ok::<(), cachekit::redis::SharedTierError>(())
    /// ```
    pub fn backend(mut self, backend: RedisBackend) -> Self {
        self.backend = Some(backend);
        self
    }

    /// The registry the local tier is registered in, instead of [`registry()`](cache_core::registry). Two tiers
    /// with one name in two registries have two local tiers and share Redis: two
    /// processes in one, which is what tests want.
    ///
    /// ```
    /// let registry = cachekit::Registry::new();
    /// let tier = cachekit::redis::SharedTier::builder("doc-b-reg").registry(&registry).build::<u8>();
    /// assert_eq!(registry.names(), ["doc-b-reg"]);
    /// # let _ = tier;
    /// ```
    pub fn registry<'s>(self, registry: &'s Registry) -> SharedTierBuilder<'s> {
        SharedTierBuilder {
            name: self.name,
            ttl: self.ttl,
            local_ttl: self.local_ttl,
            max_size: self.max_size,
            shared_lock: self.shared_lock,
            backend: self.backend,
            registry: Some(registry),
        }
    }

    /// The tier, its local cache registered (see [`SharedTier`]).
    ///
    /// ```
    /// let tier = cachekit::redis::SharedTier::builder("doc-b-build").build::<Vec<String>>();
    /// assert_eq!(tier.name(), "doc-b-build");
    /// ```
    pub fn build<V>(self) -> SharedTier<V>
    where
        V: Clone + Send + Sync + Serialize + DeserializeOwned + 'static,
    {
        let registry: &Registry = match self.registry {
            Some(registry) => registry,
            None => cache_core::registry(),
        };
        let defaults = registry.defaults();
        let ttl = self.ttl.unwrap_or(defaults.ttl);
        let local_ttl = self.local_ttl.unwrap_or(Duration::from_secs(60)).min(ttl);
        let max_size = self.max_size.unwrap_or(defaults.max_size);
        let make = || {
            TtlCache::builder()
                .max_size(max_size)
                .ttl(local_ttl)
                .cleanup_interval(defaults.cleanup_interval)
                .hasher(StableKeyBuildHasher)
                .build()
        };
        let core = Arc::new(Core {
            name: self.name,
            backend: self.backend,
            counters: Counters::default(),
            warned_uncacheable: AtomicBool::new(false),
        });
        let cache = match registry.get_or_create_with(&core.name, make) {
            Ok(cache) => {
                let weak: Weak<Core> = Arc::downgrade(&core);
                registry.add_clear_hook(&core.name, move || {
                    if let Some(core) = weak.upgrade() {
                        core.clear_shared();
                    }
                });
                let weak: Weak<Core> = Arc::downgrade(&core);
                registry.add_health_check(&core.name, move || weak.upgrade()?.health_line());
                cache
            }
            Err(e) => {
                log::error!(
                    "cachekit: shared tier {:?} cannot use its registry name: {e}; its local tier is not registered",
                    core.name
                );
                Arc::new(make())
            }
        };
        let tier = SharedTier {
            core,
            local: Arc::new(Local {
                cache,
                generation: AtomicU64::new(0),
            }),
            ttl,
            local_ttl,
            shared_lock: self.shared_lock,
            subscribed: AtomicBool::new(false),
        };
        // Now rather than on first use, so that invalidations sent meanwhile count.
        if let Some(backend) = tier.core.backend() {
            tier.subscribe(backend);
        }
        tier
    }
}

impl SharedTier<()> {
    /// A builder for a tier named `name` (its registry name and its Redis namespace), for
    /// settings beyond those of [`new`](Self::new): its own [`RedisBackend`] or
    /// [`Registry`].
    ///
    /// ```
    /// let tier = cachekit::redis::SharedTier::builder("doc-builder-fn").build::<u64>();
    /// assert_eq!(tier.name(), "doc-builder-fn");
    /// ```
    pub fn builder(name: &str) -> SharedTierBuilder<'static> {
        SharedTierBuilder {
            name: name.to_owned(),
            ttl: None,
            local_ttl: None,
            max_size: None,
            shared_lock: false,
            backend: None,
            registry: None,
        }
    }
}

impl<V> SharedTier<V>
where
    V: Clone + Send + Sync + Serialize + DeserializeOwned + 'static,
{
    /// A tier named `name` (its registry name and Redis namespace): values live `ttl` in
    /// Redis and `local_ttl` (at most `ttl`) in a local tier of `max_size` entries
    /// registered in [`registry()`](cache_core::registry); `shared_lock` turns on single flight across processes
    /// (see [`SharedTierBuilder::shared_lock`]). It uses the Redis of
    /// [`connect`](crate::connect), whenever that is called.
    ///
    /// ```
    /// use cachekit::redis::SharedTier;
    /// use std::time::Duration;
    ///
    /// let tier = SharedTier::<String>::new("doc-new", Duration::from_secs(600), Duration::from_secs(30), 1000, false);
    /// assert_eq!(tier.ttl(), Duration::from_secs(600));
    /// assert!(cachekit::registry().names().contains(&"doc-new".to_string()));
    /// ```
    pub fn new(
        name: &str,
        ttl: Duration,
        local_ttl: Duration,
        max_size: usize,
        shared_lock: bool,
    ) -> Self {
        SharedTier::builder(name)
            .ttl(ttl)
            .local_ttl(local_ttl)
            .max_size(max_size)
            .shared_lock(shared_lock)
            .build()
    }

    /// The key of a call with `args`, a tuple of the arguments (`&(a, b)`, `&(a,)` for
    /// one): see [`StableKey`]. Arguments that cannot be serialized (a map with non-string
    /// keys, a `Serialize` impl that fails) give [`StableKey::UNCACHEABLE`], with which
    /// calls run the body and cache nothing; the first time, a warning is logged. Use
    /// [`try_key`](Self::try_key) to get the error instead.
    ///
    /// ```
    /// use cachekit::redis::{SharedTier, StableKey};
    /// let tier = SharedTier::builder("doc-key").build::<u64>();
    /// assert_eq!(tier.key(&("sku-1", 2_u32)), tier.key(&("sku-1", 2_u32)));
    /// assert_ne!(tier.key(&("sku-1", 2_u32)), tier.key(&("sku-1", 3_u32)));
    /// let unserializable = std::collections::BTreeMap::from([((1, 2), 3)]);
    /// assert_eq!(tier.key(&(unserializable,)), StableKey::UNCACHEABLE);
    /// ```
    pub fn key<A: Serialize + ?Sized>(&self, args: &A) -> StableKey {
        match self.try_key(args) {
            Ok(key) => key,
            Err(e) => {
                if !self.core.warned_uncacheable.swap(true, Ordering::Relaxed) {
                    log::warn!(
                        "cachekit: shared tier {:?}: {e}; such calls run uncached",
                        self.core.name
                    );
                }
                StableKey::UNCACHEABLE
            }
        }
    }

    /// The key of a call with `args`, or why the arguments cannot be serialized.
    ///
    /// # Errors
    ///
    /// [`SharedTierError::Serialize`].
    ///
    /// ```
    /// use cachekit::redis::SharedTier;
    /// let tier = SharedTier::builder("doc-try-key").build::<u64>();
    /// assert!(tier.try_key(&(1, "a")).is_ok());
    /// let unserializable = std::collections::BTreeMap::from([((1, 2), 3)]);
    /// assert!(tier.try_key(&(unserializable,)).is_err());
    /// ```
    pub fn try_key<A: Serialize + ?Sized>(&self, args: &A) -> Result<StableKey, SharedTierError> {
        let keys = match self.core.backend() {
            Some(backend) => backend.inner.keys,
            None => unconnected_keys(),
        };
        codec::fingerprint(keys, args).map_err(|e| SharedTierError::Serialize {
            reason: e.to_string(),
        })
    }

    /// The value for `key`: the local tier's, else Redis's (kept locally), else `body()`'s
    /// (written to both). See [`SharedTier`] for what happens when Redis fails.
    ///
    /// ```no_run
    /// use cachekit::redis::SharedTier;
    /// use std::time::Duration;
    ///
    /// cachekit::redis::connect("redis://127.0.0.1:6379")?;
    /// let tier = SharedTier::<String>::new("doc-goc", Duration::from_secs(600), Duration::from_secs(30), 100, false);
    /// let key = tier.key(&(7_u64,));
    /// assert_eq!(tier.get_or_compute(key, || "user-7".to_string()), "user-7");
    /// # Ok::<(), cachekit::redis::SharedTierError>(())
    /// ```
    pub fn get_or_compute(&self, key: StableKey, body: impl FnOnce() -> V) -> V {
        match self.try_get_or_compute(key, || Ok::<V, Infallible>(body())) {
            Ok(value) => value,
            Err(never) => match never {},
        }
    }

    /// As [`get_or_compute`](Self::get_or_compute) for a body that can fail: only `Ok`
    /// values are cached (in either tier); an `Err` is returned to this caller.
    ///
    /// ```
    /// use cachekit::redis::SharedTier;
    /// let tier = SharedTier::builder("doc-try-goc").build::<u64>();
    /// let key = tier.key(&(0_u64,));
    /// assert_eq!(tier.try_get_or_compute(key, || Err::<u64, _>("not found")), Err("not found"));
    /// assert_eq!(tier.try_get_or_compute(key, || Ok::<_, &str>(5)), Ok(5));
    /// assert_eq!(tier.try_get_or_compute(key, || Err::<u64, _>("unused")), Ok(5));
    /// ```
    pub fn try_get_or_compute<E>(
        &self,
        key: StableKey,
        body: impl FnOnce() -> Result<V, E>,
    ) -> Result<V, E> {
        if key == StableKey::UNCACHEABLE {
            bump(&self.core.counters.uncacheable);
            return body();
        }
        let Some(backend) = self.core.backend() else {
            return self.local.cache.try_get_or_insert_with(key, || {
                bump(&self.core.counters.not_connected);
                body()
            });
        };
        self.subscribe(backend);
        let generation = self.local.generation.load(Ordering::Acquire);
        let mut loaded = false;
        let result = self.local.cache.try_get_or_insert_with(key, || {
            loaded = true;
            self.load(&backend.inner, key, body)
        });
        self.forget_if_invalidated(loaded, generation, key);
        result
    }

    /// The async form of [`get_or_compute`](Self::get_or_compute): `body` is polled only
    /// if this call computes the value. Redis is reached through the redis crate's
    /// `ConnectionManager`, which needs a Tokio runtime with I/O and time enabled;
    /// polled outside one, the call skips Redis (counted in `redis_skipped`).
    ///
    /// The future is `Send` when `body` is.
    ///
    /// ```
    /// use cachekit::redis::SharedTier;
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() {
    /// let tier = SharedTier::builder("doc-goc-async").build::<u64>();
    /// let key = tier.key(&(3_u64,));
    /// assert_eq!(tier.get_or_compute_async(key, async { 9 }).await, 9);
    /// # }
    /// ```
    pub async fn get_or_compute_async<F: Future<Output = V>>(&self, key: StableKey, body: F) -> V {
        let body = async { Ok::<V, Infallible>(body.await) };
        match self.try_get_or_compute_async(key, body).await {
            Ok(value) => value,
            Err(never) => match never {},
        }
    }

    /// The async form of [`try_get_or_compute`](Self::try_get_or_compute).
    ///
    /// ```
    /// use cachekit::redis::SharedTier;
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() {
    /// let tier = SharedTier::builder("doc-try-goc-async").build::<u64>();
    /// let key = tier.key(&(3_u64,));
    /// assert_eq!(tier.try_get_or_compute_async(key, async { Err::<u64, _>(()) }).await, Err(()));
    /// # }
    /// ```
    pub async fn try_get_or_compute_async<E, F: Future<Output = Result<V, E>>>(
        &self,
        key: StableKey,
        body: F,
    ) -> Result<V, E> {
        if key == StableKey::UNCACHEABLE {
            bump(&self.core.counters.uncacheable);
            return body.await;
        }
        let Some(backend) = self.core.backend() else {
            let body = async {
                bump(&self.core.counters.not_connected);
                body.await
            };
            return self
                .local
                .cache
                .try_get_or_insert_with_async(key, body)
                .await;
        };
        self.subscribe(backend);
        let generation = self.local.generation.load(Ordering::Acquire);
        let mut loaded = false;
        let load = async {
            loaded = true;
            self.load_async(backend, key, body).await
        };
        let result = self
            .local
            .cache
            .try_get_or_insert_with_async(key, load)
            .await;
        self.forget_if_invalidated(loaded, generation, key);
        result
    }

    /// Drops `key` everywhere: deletes it in Redis, drops it from the local tier, and
    /// publishes the invalidation so that every process subscribed drops its local copy
    /// (within the delay documented in the crate documentation: normally milliseconds;
    /// at most `local_ttl` if a process's subscription was down). If Redis cannot be
    /// reached, only the local copy is dropped, and other processes keep theirs until
    /// their `local_ttl` and Redis's copy until `ttl`.
    ///
    /// ```
    /// use cachekit::redis::SharedTier;
    /// let tier = SharedTier::builder("doc-invalidate").build::<u64>();
    /// let key = tier.key(&(1_u64,));
    /// tier.get_or_compute(key, || 1);
    /// tier.invalidate(key);
    /// assert_eq!(tier.get_or_compute(key, || 2), 2);
    /// ```
    pub fn invalidate(&self, key: StableKey) {
        let Some(backend) = self.core.backend() else {
            self.local.drop_key(key);
            return;
        };
        if key == StableKey::UNCACHEABLE {
            return;
        }
        self.subscribe(backend);
        // Redis first: a local reload racing with us then reads Redis after the delete.
        let name = &self.core.name;
        if let Err(e) = backend.inner.delete(&backend.inner.value_key(name, key)) {
            self.core.count(e);
        }
        self.local.drop_key(key);
        if let Err(e) = backend.inner.invalidate(name, Some(key)) {
            self.core.count(e);
        }
    }

    /// The async form of [`invalidate`](Self::invalidate).
    ///
    /// ```
    /// use cachekit::redis::SharedTier;
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() {
    /// let tier = SharedTier::builder("doc-invalidate-async").build::<u64>();
    /// let key = tier.key(&(1_u64,));
    /// tier.get_or_compute_async(key, async { 1 }).await;
    /// tier.invalidate_async(key).await;
    /// assert_eq!(tier.get_or_compute_async(key, async { 2 }).await, 2);
    /// # }
    /// ```
    pub async fn invalidate_async(&self, key: StableKey) {
        let Some(backend) = self.core.backend() else {
            self.local.drop_key(key);
            return;
        };
        if key == StableKey::UNCACHEABLE {
            return;
        }
        self.subscribe(backend);
        let name = &self.core.name;
        let value_key = backend.inner.value_key(name, key);
        if let Err(e) = backend.inner.delete_async(&value_key).await {
            self.core.count(e);
        }
        self.local.drop_key(key);
        if let Err(e) = backend.inner.invalidate_async(name, Some(key)).await {
            self.core.count(e);
        }
    }

    /// Empties the tier everywhere: the local tier, every key of its namespace in Redis
    /// (`SCAN MATCH <prefix>:<name>:*` and `UNLINK`, never `KEYS`), and, through the
    /// invalidation channel, every other process's local tier. Returns how many Redis keys
    /// were deleted (values and locks; 0 without Redis). `registry().clear(name)` does the
    /// same.
    ///
    /// ```
    /// use cachekit::redis::SharedTier;
    /// let tier = SharedTier::builder("doc-clear").build::<u64>();
    /// tier.get_or_compute(tier.key(&(1,)), || 1);
    /// assert_eq!(tier.clear(), 0); // no Redis connected here
    /// assert!(tier.local_cache().is_empty());
    /// ```
    pub fn clear(&self) -> usize {
        self.local.drop_all();
        self.core.clear_shared()
    }

    /// The tier's statistics.
    ///
    /// ```
    /// let tier = cachekit::redis::SharedTier::builder("doc-stats-fn").build::<u64>();
    /// tier.get_or_compute(tier.key(&(1,)), || 1);
    /// let stats = tier.stats();
    /// assert_eq!(stats.local.misses, 1);
    /// assert_eq!(stats.not_connected, u64::from(!stats.connected));
    /// ```
    pub fn stats(&self) -> SharedTierStats {
        let c = &self.core.counters;
        let get = |counter: &AtomicU64| counter.load(Ordering::Relaxed);
        let backend = self.core.backend();
        SharedTierStats {
            local: self.local.cache.stats(),
            redis_hits: get(&c.redis_hits),
            redis_misses: get(&c.redis_misses),
            redis_errors: get(&c.redis_errors),
            deserialize_errors: get(&c.deserialize_errors),
            serialize_errors: get(&c.serialize_errors),
            redis_skipped: get(&c.redis_skipped),
            not_connected: get(&c.not_connected),
            lock_acquired: get(&c.lock_acquired),
            lock_waits: get(&c.lock_waits),
            lock_timeouts: get(&c.lock_timeouts),
            uncacheable: get(&c.uncacheable),
            breaker: backend.map_or(BreakerState::Closed, RedisBackend::breaker_state),
            connected: backend.is_some(),
        }
    }

    /// The tier's name: its registry name and the middle of its Redis keys.
    ///
    /// ```
    /// assert_eq!(cachekit::redis::SharedTier::builder("doc-name").build::<u8>().name(), "doc-name");
    /// ```
    pub fn name(&self) -> &str {
        &self.core.name
    }

    /// How long values live in Redis.
    ///
    /// ```
    /// use std::time::Duration;
    /// let tier = cachekit::redis::SharedTier::builder("doc-ttl").ttl(Duration::from_secs(9)).build::<u8>();
    /// assert_eq!(tier.ttl(), Duration::from_secs(9));
    /// ```
    pub fn ttl(&self) -> Duration {
        self.ttl
    }

    /// How long values live in the local tier (as built; `registry().configure` may have
    /// changed the local cache's TTL since).
    ///
    /// ```
    /// use std::time::Duration;
    /// let tier = cachekit::redis::SharedTier::builder("doc-lttl").local_ttl(Duration::from_secs(3)).build::<u8>();
    /// assert_eq!(tier.local_ttl(), Duration::from_secs(3));
    /// ```
    pub fn local_ttl(&self) -> Duration {
        self.local_ttl
    }

    /// The local tier.
    ///
    /// ```
    /// let tier = cachekit::redis::SharedTier::builder("doc-local").build::<u8>();
    /// assert!(tier.local_cache().is_empty());
    /// ```
    pub fn local_cache(&self) -> &Arc<LocalCache<V>> {
        &self.local.cache
    }

    /// The Redis key that holds the value of `key` (`<prefix>:<name>:<hex>`), or `None`
    /// when no Redis is connected: for `redis-cli` and tests.
    ///
    /// ```
    /// let tier = cachekit::redis::SharedTier::builder("doc-rkey").build::<u8>();
    /// let key = tier.key(&(1,));
    /// if let Some(redis_key) = tier.redis_key(key) {
    ///     assert!(redis_key.ends_with(&format!(":doc-rkey:{key}")));
    /// }
    /// ```
    pub fn redis_key(&self, key: StableKey) -> Option<String> {
        let backend = self.core.backend()?;
        Some(backend.inner.value_key(&self.core.name, key))
    }

    /// Makes the local tier known to the backend's subscriber, once.
    fn subscribe(&self, backend: &RedisBackend) {
        if !self.subscribed.swap(true, Ordering::AcqRel) {
            let local: Arc<dyn LocalTier> = self.local.clone();
            backend.inner.register(&self.core.name, &local);
        }
    }

    /// A load that overlapped an invalidation may have read the old value: it was right
    /// to return it (it was current when read), not to keep it.
    fn forget_if_invalidated(&self, loaded: bool, generation: u64, key: StableKey) {
        if loaded && self.local.generation.load(Ordering::Acquire) != generation {
            self.local.cache.remove(&key);
        }
    }

    /// The value in Redis under `redis_key`, if there is a good one.
    fn read(&self, backend: &Inner, redis_key: &str, count_miss: bool) -> Option<V> {
        let found = backend.get(redis_key);
        self.judge_read(found, count_miss)
    }

    async fn read_async(&self, backend: &Inner, redis_key: &str, count_miss: bool) -> Option<V> {
        let found = backend.get_async(redis_key).await;
        self.judge_read(found, count_miss)
    }

    fn judge_read(&self, found: Result<Option<Vec<u8>>, OpError>, count_miss: bool) -> Option<V> {
        let c = &self.core.counters;
        match found {
            Ok(Some(bytes)) => match codec::decode::<V>(&bytes) {
                Ok(value) => {
                    bump(&c.redis_hits);
                    Some(value)
                }
                Err(e) => {
                    bump(&c.deserialize_errors);
                    log::debug!(
                        "cachekit: shared tier {:?}: a value in Redis does not deserialize ({e}); recomputing",
                        self.core.name
                    );
                    None
                }
            },
            Ok(None) => {
                if count_miss {
                    bump(&c.redis_misses);
                }
                None
            }
            Err(e) => {
                self.core.count(e);
                None
            }
        }
    }

    /// `value`'s bytes for Redis, or `None` (counted) if it does not serialize.
    fn encode(&self, value: &V) -> Option<Vec<u8>> {
        match codec::encode(value) {
            Ok(bytes) => Some(bytes),
            Err(e) => {
                bump(&self.core.counters.serialize_errors);
                log::debug!(
                    "cachekit: shared tier {:?}: a value does not serialize ({e}); kept locally only",
                    self.core.name
                );
                None
            }
        }
    }

    fn write(&self, backend: &Inner, redis_key: &str, value: &V) {
        if let Some(bytes) = self.encode(value) {
            if let Err(e) = backend.set(redis_key, &bytes, self.ttl) {
                self.core.count(e);
            }
        }
    }

    async fn write_async(&self, backend: &Inner, redis_key: &str, value: &V) {
        if let Some(bytes) = self.encode(value) {
            if let Err(e) = backend.set_async(redis_key, &bytes, self.ttl).await {
                self.core.count(e);
            }
        }
    }

    /// A local miss: Redis, else (the lock, and) the body.
    fn load<E>(
        &self,
        backend: &Inner,
        key: StableKey,
        body: impl FnOnce() -> Result<V, E>,
    ) -> Result<V, E> {
        let redis_key = backend.value_key(&self.core.name, key);
        if let Some(value) = self.read(backend, &redis_key, true) {
            return Ok(value);
        }
        let mut held = None;
        if self.shared_lock {
            match self.wait_or_lock(backend, key, &redis_key) {
                Locked::Found(value) => return Ok(value),
                Locked::Held(lock) => held = Some(lock),
                Locked::Without => {}
            }
        }
        let value = body()?;
        self.write(backend, &redis_key, &value);
        // Released only now, after the write: waiters find the value on their next poll.
        drop(held);
        Ok(value)
    }

    async fn load_async<E, F: Future<Output = Result<V, E>>>(
        &self,
        backend: &RedisBackend,
        key: StableKey,
        body: F,
    ) -> Result<V, E> {
        let inner = &backend.inner;
        let redis_key = inner.value_key(&self.core.name, key);
        if let Some(value) = self.read_async(inner, &redis_key, true).await {
            return Ok(value);
        }
        let mut guard = None;
        if self.shared_lock {
            match self.wait_or_lock_async(backend, key, &redis_key).await {
                Locked::Found(value) => return Ok(value),
                Locked::Held(held) => guard = Some(held),
                Locked::Without => {}
            }
        }
        let value = body.await?;
        self.write_async(inner, &redis_key, &value).await;
        if let Some(guard) = guard {
            guard.release(self).await;
        }
        Ok(value)
    }
}

/// The outcome of the `shared_lock` protocol after a miss in both tiers.
enum Locked<V, L> {
    /// Another process's value.
    Found(V),
    /// We hold the lock `L`: compute, write, release.
    Held(L),
    /// Compute without the lock (Redis failed, or the wait ran out).
    Without,
}

/// A `shared_lock` lock held by a blocking call, released when dropped: after the write,
/// or while the body unwinds.
struct SyncLock<'a> {
    backend: &'a Inner,
    core: &'a Core,
    key: String,
    token: String,
}

impl Drop for SyncLock<'_> {
    fn drop(&mut self) {
        if let Err(e) = self.backend.unlock(&self.key, &self.token) {
            self.core.count(e);
        }
    }
}

/// A `shared_lock` lock held by an async call. Released by [`release`](Self::release);
/// if the future is dropped first (cancelled, or the body panicked), the release is
/// spawned on the runtime instead, and failing that the lock expires after `lock_ttl`.
struct AsyncLock {
    backend: RedisBackend,
    key: String,
    token: String,
    released: bool,
}

impl AsyncLock {
    async fn release<V>(mut self, tier: &SharedTier<V>) {
        self.released = true;
        if let Err(e) = self
            .backend
            .inner
            .unlock_async(&self.key, &self.token)
            .await
        {
            tier.core.count(e);
        }
    }
}

impl Drop for AsyncLock {
    fn drop(&mut self) {
        if self.released {
            return;
        }
        let Ok(runtime) = tokio::runtime::Handle::try_current() else {
            return;
        };
        let backend = self.backend.clone();
        let key = std::mem::take(&mut self.key);
        let token = std::mem::take(&mut self.token);
        runtime.spawn(async move {
            let _ = backend.inner.unlock_async(&key, &token).await;
        });
    }
}

impl<V> SharedTier<V>
where
    V: Clone + Send + Sync + Serialize + DeserializeOwned + 'static,
{
    /// Takes the lock, or waits for the holder's value (retrying the lock meanwhile, in
    /// case the holder failed) until `lock_wait` runs out.
    fn wait_or_lock<'a>(
        &'a self,
        backend: &'a Inner,
        key: StableKey,
        redis_key: &str,
    ) -> Locked<V, SyncLock<'a>> {
        let c = &self.core.counters;
        let lock_key = backend.lock_key(&self.core.name, key);
        let token = random_token();
        let deadline = Instant::now() + backend.lock_wait;
        loop {
            match backend.try_lock(&lock_key, &token) {
                Ok(true) => {
                    let held = SyncLock {
                        backend,
                        core: &self.core,
                        key: lock_key,
                        token,
                    };
                    // The previous holder may have written the value and released the
                    // lock between our read and our lock.
                    if let Some(value) = self.read(backend, redis_key, false) {
                        return Locked::Found(value);
                    }
                    bump(&c.lock_acquired);
                    return Locked::Held(held);
                }
                Ok(false) => {}
                Err(e) => {
                    self.core.count(e);
                    return Locked::Without;
                }
            }
            let now = Instant::now();
            if now >= deadline {
                bump(&c.lock_timeouts);
                return Locked::Without;
            }
            std::thread::sleep(backend.lock_poll.min(deadline - now));
            if let Some(value) = self.read(backend, redis_key, false) {
                bump(&c.lock_waits);
                return Locked::Found(value);
            }
        }
    }

    async fn wait_or_lock_async(
        &self,
        backend: &RedisBackend,
        key: StableKey,
        redis_key: &str,
    ) -> Locked<V, AsyncLock> {
        let inner = &backend.inner;
        let c = &self.core.counters;
        let lock_key = inner.lock_key(&self.core.name, key);
        let token = random_token();
        let deadline = Instant::now() + inner.lock_wait;
        loop {
            match inner.try_lock_async(&lock_key, &token).await {
                Ok(true) => {
                    let held = AsyncLock {
                        backend: backend.clone(),
                        key: lock_key,
                        token,
                        released: false,
                    };
                    // The previous holder may have written the value and released the
                    // lock between our read and our lock.
                    if let Some(value) = self.read_async(inner, redis_key, false).await {
                        held.release(self).await;
                        return Locked::Found(value);
                    }
                    bump(&c.lock_acquired);
                    return Locked::Held(held);
                }
                Ok(false) => {}
                Err(e) => {
                    self.core.count(e);
                    return Locked::Without;
                }
            }
            let now = Instant::now();
            if now >= deadline {
                bump(&c.lock_timeouts);
                return Locked::Without;
            }
            tokio::time::sleep(inner.lock_poll.min(deadline - now)).await;
            if let Some(value) = self.read_async(inner, redis_key, false).await {
                bump(&c.lock_waits);
                return Locked::Found(value);
            }
        }
    }
}
