//! [`Registry`]: named caches and expiring sets, their statistics, health and upkeep; and
//! [`registry()`], the process-wide one.

mod erased;
mod error;
mod stats;

use std::collections::BTreeMap;
use std::fmt;
use std::hash::{BuildHasher, Hash};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::time::Duration;

use once_cell::sync::Lazy;

use self::erased::{ErasedCache, ErasedSet, Slot};
pub use self::error::RegistryError;
pub use self::stats::{GlobalStats, RegistryStats};
use crate::janitor::{self, JanitorHandle};
use crate::{
    ExpiringSet, HealthReport, HealthThresholds, MemoryPressurePolicy, RegistryDefaults, TtlCache,
};

static GLOBAL: Lazy<Registry> = Lazy::new(|| Registry::with_defaults(RegistryDefaults::from_env()));

/// The process-wide [`Registry`], created on first use with the defaults of
/// [`RegistryDefaults::from_env`] (the `CACHEKIT_*` environment variables, read once).
///
/// # Examples
///
/// ```
/// use cachekit::{registry, TtlCache};
/// use std::sync::Arc;
/// use std::time::Duration;
///
/// let users: Arc<TtlCache<u64, String>> =
///     registry().get_or_create::<u64, String>("doc-users", 500, Duration::from_secs(1800))?;
/// users.insert(1, "ann".to_string());
/// // Anywhere else in the program, the same name gives the same cache.
/// let again = registry().get_or_create::<u64, String>("doc-users", 1, Duration::from_secs(1))?;
/// assert!(Arc::ptr_eq(&users, &again));
/// assert!(registry().names().contains(&"doc-users".to_string()));
/// # Ok::<(), cachekit::RegistryError>(())
/// ```
pub fn registry() -> &'static Registry {
    &GLOBAL
}

/// A set of named caches ([`TtlCache`]s of any key, value and hasher types) and named
/// [`ExpiringSet`]s, with their statistics, health report, sweeps and a janitor.
///
/// [`registry()`] is the process-wide one; [`Registry::new`] makes an independent one (for
/// tests, or an application that wants several). Caches and sets live as long as the
/// registry: a name, once created, stays.
///
/// With the `serde` feature (off by default), `stats_json` returns [`stats`](Self::stats)
/// as JSON; without it, that method does not exist.
///
/// # Locking
///
/// One mutex guards the table of names. Every method holds it only to look names up, insert
/// them or copy the table out: no method runs a cache operation that can run user code
/// (dropping values, loaders) while holding it, and the `make` closures of the
/// `get_or_create_*_with` methods run without it. Operations over all caches
/// ([`stats`](Self::stats), [`cleanup_all`](Self::cleanup_all), …) work on a copy of the
/// table, so a cache created meanwhile may or may not be included.
///
/// # Examples
///
/// ```
/// use cachekit::{HealthStatus, Registry};
/// use std::time::Duration;
///
/// let registry = Registry::new();
/// let prices = registry.get_or_create::<String, u64>("prices", 1000, Duration::from_secs(60))?;
/// prices.insert("sku-1".to_string(), 42);
/// assert_eq!(registry.stats().caches["prices"].size, 1);
/// assert_eq!(registry.health().status, HealthStatus::Healthy);
/// registry.clear("prices")?;
/// assert!(prices.is_empty());
/// # Ok::<(), cachekit::RegistryError>(())
/// ```
pub struct Registry {
    inner: Arc<Inner>,
}

/// What a registry and its janitor share.
pub(crate) struct Inner {
    defaults: RegistryDefaults,
    state: Mutex<State>,
    janitor_running: Arc<AtomicBool>,
}

#[derive(Default)]
struct State {
    caches: BTreeMap<String, Slot<dyn ErasedCache>>,
    sets: BTreeMap<String, Slot<dyn ErasedSet>>,
    /// `configure`d settings by name, kept for caches created later.
    configured: BTreeMap<String, (usize, Duration)>,
    /// What a tier behind a cache (the shared Redis tier) attached to its name.
    hooks: BTreeMap<String, Hooks>,
}

/// A clear hook: see [`Registry::add_clear_hook`].
type ClearHook = Arc<dyn Fn() + Send + Sync>;
/// A health check: see [`Registry::add_health_check`].
type HealthCheck = Arc<dyn Fn() -> Option<String> + Send + Sync>;

#[derive(Default)]
struct Hooks {
    on_clear: Vec<ClearHook>,
    health: Vec<HealthCheck>,
}

impl fmt::Debug for Registry {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let state = self.state();
        f.debug_struct("Registry")
            .field("defaults", &self.inner.defaults)
            .field("caches", &state.caches.keys().collect::<Vec<_>>())
            .field("expiring_sets", &state.sets.keys().collect::<Vec<_>>())
            .finish_non_exhaustive()
    }
}

impl Default for Registry {
    /// The same as [`Registry::new`].
    ///
    /// ```
    /// assert!(cachekit::Registry::default().names().is_empty());
    /// ```
    fn default() -> Self {
        Self::new()
    }
}

impl Registry {
    /// An empty registry with the built-in [`RegistryDefaults`] (it does not read the
    /// environment; [`registry()`] does).
    ///
    /// ```
    /// let registry = cachekit::Registry::new();
    /// assert!(registry.names().is_empty());
    /// assert_eq!(registry.defaults().ttl, cachekit::DEFAULT_TTL);
    /// ```
    pub fn new() -> Self {
        Self::with_defaults(RegistryDefaults::default())
    }

    /// An empty registry with the given defaults.
    ///
    /// ```
    /// use cachekit::{Registry, RegistryDefaults};
    /// let defaults = RegistryDefaults { max_size: 50, ..RegistryDefaults::default() };
    /// assert_eq!(Registry::with_defaults(defaults).defaults().max_size, 50);
    /// ```
    pub fn with_defaults(defaults: RegistryDefaults) -> Self {
        Self {
            inner: Arc::new(Inner {
                defaults,
                state: Mutex::new(State::default()),
                janitor_running: Arc::new(AtomicBool::new(false)),
            }),
        }
    }

    pub(crate) fn from_inner(inner: Arc<Inner>) -> Self {
        Self { inner }
    }

    /// The defaults this registry was made with. Code that creates a cache without a size
    /// or TTL of its own (the memoization macros, say) should take them from here, so that
    /// the `CACHEKIT_*` variables apply to it.
    ///
    /// ```
    /// use cachekit::registry;
    /// let d = registry().defaults();
    /// let cache = registry().get_or_create::<u32, u32>("doc-defaults", d.max_size, d.ttl)?;
    /// assert_eq!(cache.max_size(), d.max_size);
    /// # Ok::<(), cachekit::RegistryError>(())
    /// ```
    pub fn defaults(&self) -> RegistryDefaults {
        self.inner.defaults
    }

    /// The cache registered as `name`, created as `TtlCache::<K, V>` with `max_size` and
    /// `ttl` if there is none yet (and with the defaults' cleanup interval). If
    /// [`configure`](Self::configure) was called for `name`, its size and TTL win over
    /// these arguments.
    ///
    /// # Errors
    ///
    /// [`RegistryError::TypeMismatch`] if `name` is registered with other types.
    ///
    /// # Concurrent calls for the same name
    ///
    /// All callers get the same `Arc`: two threads that both find the name missing may both
    /// build a cache, but only the first to register it is kept and returned to both.
    ///
    /// ```
    /// use cachekit::{registry, RegistryError, TtlCache};
    /// use std::sync::Arc;
    /// use std::time::Duration;
    ///
    /// let name = "doc-gc-users";
    /// let a = registry().get_or_create::<u64, String>(name, 500, Duration::from_secs(1800))?;
    /// let b = registry().get_or_create::<u64, String>(name, 1, Duration::from_secs(1))?;
    /// assert!(Arc::ptr_eq(&a, &b)); // the first call's settings stay
    /// assert_eq!(b.max_size(), 500);
    /// let err = registry().get_or_create::<String, String>(name, 500, Duration::from_secs(1));
    /// assert!(matches!(err, Err(RegistryError::TypeMismatch { .. })));
    /// # Ok::<(), RegistryError>(())
    /// ```
    pub fn get_or_create<K, V>(
        &self,
        name: &str,
        max_size: usize,
        ttl: Duration,
    ) -> Result<Arc<TtlCache<K, V>>, RegistryError>
    where
        K: Hash + Eq + Clone + Send + Sync + 'static,
        V: Clone + Send + Sync + 'static,
    {
        self.get_or_create_with(name, || {
            let (max_size, ttl) = self.configured(name).unwrap_or((max_size, ttl));
            TtlCache::builder()
                .max_size(max_size)
                .ttl(ttl)
                .cleanup_interval(self.inner.defaults.cleanup_interval)
                .build()
        })
    }

    /// The cache registered as `name`, registering `make()` if there is none yet: for
    /// caches with a custom hasher, clock, weigher or cleanup interval. If
    /// [`configure`](Self::configure) was called for `name`, its size and TTL are applied
    /// to the new cache.
    ///
    /// `make` runs without any registry lock held; it may use the registry.
    ///
    /// # Errors
    ///
    /// [`RegistryError::TypeMismatch`] if `name` is registered with another type
    /// (including another hasher type); `make` does not run then.
    ///
    /// # Concurrent calls for the same name
    ///
    /// All callers get the same `Arc`: if several find the name missing, each runs its
    /// `make`, the first result registered is kept, and the others are dropped.
    ///
    /// ```
    /// use cachekit::{MockClock, Registry, TtlCache};
    /// use std::collections::hash_map::RandomState;
    /// use std::time::Duration;
    ///
    /// let clock = MockClock::new();
    /// let registry = Registry::new();
    /// let tokens = registry.get_or_create_with("tokens", || {
    ///     TtlCache::<String, String>::builder()
    ///         .ttl(Duration::from_secs(30))
    ///         .hasher(RandomState::new())
    ///         .clock(clock.clone())
    ///         .build()
    /// })?;
    /// tokens.insert("alice".to_string(), "t-1".to_string());
    /// clock.advance(Duration::from_secs(31));
    /// assert_eq!(registry.expired_counts()["tokens"], 1);
    /// # Ok::<(), cachekit::RegistryError>(())
    /// ```
    pub fn get_or_create_with<K, V, S>(
        &self,
        name: &str,
        make: impl FnOnce() -> TtlCache<K, V, S>,
    ) -> Result<Arc<TtlCache<K, V, S>>, RegistryError>
    where
        K: Hash + Eq + Clone + Send + Sync + 'static,
        V: Clone + Send + Sync + 'static,
        S: BuildHasher + Clone + Send + Sync + 'static,
    {
        if let Some(slot) = self.state().caches.get(name) {
            return slot.downcast(name);
        }
        let fresh = Arc::new(make());
        // Declared after `fresh`, so dropped before it: a losing `fresh` (and whatever
        // `make` put in it) is dropped outside the lock.
        let mut state = self.state();
        if let Some(slot) = state.caches.get(name) {
            return slot.downcast(name);
        }
        // Under the lock, so that a concurrent `configure` is applied either here or there.
        if let Some(&(max_size, ttl)) = state.configured.get(name) {
            fresh.set_max_size(max_size);
            fresh.set_ttl(ttl);
        }
        let erased: Arc<dyn ErasedCache> = fresh.clone();
        state
            .caches
            .insert(name.to_owned(), Slot::new(Arc::clone(&fresh), erased));
        Ok(fresh)
    }

    /// Sets the size bound and default TTL of the cache `name`: at once if it exists
    /// (the new bound takes effect on later inserts, the new TTL for entries inserted
    /// later), and when it is created otherwise, overriding the arguments of
    /// [`get_or_create`](Self::get_or_create). The last call for a name wins.
    ///
    /// Holds the registry lock while it applies the settings (which briefly locks each of
    /// the cache's segments).
    ///
    /// ```
    /// use cachekit::Registry;
    /// use std::time::Duration;
    ///
    /// let registry = Registry::new();
    /// registry.configure("users", 200, Duration::from_secs(60)); // before creation
    /// let users = registry.get_or_create::<u64, u64>("users", 500, Duration::from_secs(1800))?;
    /// assert_eq!((users.max_size(), users.ttl()), (200, Duration::from_secs(60)));
    /// registry.configure("users", 300, Duration::from_secs(90)); // after creation
    /// assert_eq!((users.max_size(), users.ttl()), (300, Duration::from_secs(90)));
    /// # Ok::<(), cachekit::RegistryError>(())
    /// ```
    pub fn configure(&self, name: &str, max_size: usize, ttl: Duration) {
        let mut state = self.state();
        state.configured.insert(name.to_owned(), (max_size, ttl));
        if let Some(slot) = state.caches.get(name) {
            slot.erased.set_max_size(max_size);
            slot.erased.set_ttl(ttl);
        }
    }

    /// The expiring set registered as `name`, created with `stale_after` (and the defaults'
    /// cleanup interval) if there is none yet. Its size then appears in
    /// [`stats`](Self::stats) and [`health`](Self::health). Expiring sets have names of
    /// their own: a set and a cache may share one.
    ///
    /// # Errors
    ///
    /// [`RegistryError::TypeMismatch`] if `name` is a set of another member type.
    ///
    /// ```
    /// use cachekit::Registry;
    /// use std::time::Duration;
    ///
    /// let registry = Registry::new();
    /// let deleting =
    ///     registry.get_or_create_expiring_set::<u64>("deleting", Duration::from_secs(3600))?;
    /// deleting.add(7);
    /// assert_eq!(registry.stats().expiring_sets["deleting"], 1);
    /// # Ok::<(), cachekit::RegistryError>(())
    /// ```
    pub fn get_or_create_expiring_set<T>(
        &self,
        name: &str,
        stale_after: Duration,
    ) -> Result<Arc<ExpiringSet<T>>, RegistryError>
    where
        T: Hash + Eq + Send + 'static,
    {
        self.get_or_create_expiring_set_with(name, || {
            ExpiringSet::builder()
                .stale_after(stale_after)
                .cleanup_interval(self.inner.defaults.cleanup_interval)
                .build()
        })
    }

    /// The expiring set registered as `name`, registering `make()` if there is none yet
    /// (for a set with its own clock or cleanup interval). `make` runs without any registry
    /// lock held, and as with [`get_or_create_with`](Self::get_or_create_with), concurrent
    /// callers all get the set registered first.
    ///
    /// # Errors
    ///
    /// [`RegistryError::TypeMismatch`] if `name` is a set of another member type; `make`
    /// does not run then.
    ///
    /// ```
    /// use cachekit::{ExpiringSet, MockClock, Registry};
    /// use std::time::Duration;
    ///
    /// let clock = MockClock::new();
    /// let registry = Registry::new();
    /// let jobs = registry.get_or_create_expiring_set_with("jobs", || {
    ///     ExpiringSet::<String>::builder().clock(clock.clone()).build()
    /// })?;
    /// jobs.add("j-1".to_string());
    /// assert_eq!(registry.stats().expiring_sets["jobs"], 1);
    /// # Ok::<(), cachekit::RegistryError>(())
    /// ```
    pub fn get_or_create_expiring_set_with<T>(
        &self,
        name: &str,
        make: impl FnOnce() -> ExpiringSet<T>,
    ) -> Result<Arc<ExpiringSet<T>>, RegistryError>
    where
        T: Hash + Eq + Send + 'static,
    {
        if let Some(slot) = self.state().sets.get(name) {
            return slot.downcast(name);
        }
        let fresh = Arc::new(make());
        let mut state = self.state();
        if let Some(slot) = state.sets.get(name) {
            return slot.downcast(name);
        }
        let erased: Arc<dyn ErasedSet> = fresh.clone();
        state
            .sets
            .insert(name.to_owned(), Slot::new(Arc::clone(&fresh), erased));
        Ok(fresh)
    }

    /// The names of the registered caches, sorted (expiring sets not included).
    ///
    /// ```
    /// use std::time::Duration;
    /// let registry = cachekit::Registry::new();
    /// registry.get_or_create::<u8, u8>("b", 10, Duration::from_secs(1))?;
    /// registry.get_or_create::<u8, u8>("a", 10, Duration::from_secs(1))?;
    /// assert_eq!(registry.names(), ["a", "b"]);
    /// # Ok::<(), cachekit::RegistryError>(())
    /// ```
    pub fn names(&self) -> Vec<String> {
        self.state().caches.keys().cloned().collect()
    }

    /// Removes every entry of the cache `name` (see [`TtlCache::clear`]), then runs the
    /// hooks attached to `name` with [`add_clear_hook`](Self::add_clear_hook), without the
    /// registry lock (the shared Redis tier's hook clears its namespace in Redis).
    ///
    /// # Errors
    ///
    /// [`RegistryError::NotFound`] if no cache is registered as `name`.
    ///
    /// ```
    /// use cachekit::{Registry, RegistryError};
    /// use std::time::Duration;
    ///
    /// let registry = Registry::new();
    /// let users = registry.get_or_create::<u64, u64>("users", 10, Duration::from_secs(60))?;
    /// users.insert(1, 1);
    /// registry.clear("users")?;
    /// assert!(users.is_empty());
    /// assert!(matches!(registry.clear("nobody"), Err(RegistryError::NotFound { .. })));
    /// # Ok::<(), RegistryError>(())
    /// ```
    pub fn clear(&self, name: &str) -> Result<(), RegistryError> {
        let (cache, hooks) = {
            let state = self.state();
            let hooks = state
                .hooks
                .get(name)
                .map(|hooks| hooks.on_clear.clone())
                .unwrap_or_default();
            (
                state.caches.get(name).map(|slot| slot.erased.clone()),
                hooks,
            )
        };
        match cache {
            Some(cache) => {
                cache.clear();
                for hook in hooks {
                    hook();
                }
                Ok(())
            }
            None => Err(RegistryError::NotFound {
                name: name.to_owned(),
            }),
        }
    }

    /// Removes every entry of every cache (expiring sets are left alone: their members mark
    /// work in progress).
    ///
    /// Clear hooks do not run: this is what memory pressure calls, and a process short of
    /// memory must not empty a cache that other processes share.
    ///
    /// ```
    /// use std::time::Duration;
    /// let registry = cachekit::Registry::new();
    /// let a = registry.get_or_create::<u8, u8>("a", 10, Duration::from_secs(60))?;
    /// a.insert(1, 1);
    /// registry.clear_all();
    /// assert!(a.is_empty());
    /// # Ok::<(), cachekit::RegistryError>(())
    /// ```
    pub fn clear_all(&self) {
        for cache in self.caches().into_values() {
            cache.clear();
        }
    }

    /// Removes the expired entries of every cache now (see [`TtlCache::cleanup_expired`])
    /// and returns how many each cache lost, by name (every cache is listed, 0 included).
    ///
    /// ```
    /// use cachekit::{MockClock, Registry, TtlCache};
    /// use std::time::Duration;
    ///
    /// let clock = MockClock::new();
    /// let registry = Registry::new();
    /// let cache = registry.get_or_create_with("c", || {
    ///     TtlCache::<u32, u32>::builder().clock(clock.clone()).build()
    /// })?;
    /// cache.insert_with_ttl(1, 1, Duration::from_secs(1));
    /// cache.insert_with_ttl(2, 2, Duration::from_secs(100));
    /// clock.advance(Duration::from_secs(2));
    /// assert_eq!(registry.cleanup_all()["c"], 1);
    /// assert_eq!(cache.len(), 1);
    /// # Ok::<(), cachekit::RegistryError>(())
    /// ```
    pub fn cleanup_all(&self) -> BTreeMap<String, usize> {
        self.caches()
            .into_iter()
            .map(|(name, cache)| (name, cache.cleanup_expired()))
            .collect()
    }

    /// How many entries [`cleanup_all`](Self::cleanup_all) would remove from each cache
    /// now, by name, without removing anything (a dry run).
    ///
    /// ```
    /// use cachekit::{MockClock, Registry, TtlCache};
    /// use std::time::Duration;
    ///
    /// let clock = MockClock::new();
    /// let registry = Registry::new();
    /// let cache = registry.get_or_create_with("c", || {
    ///     TtlCache::<u32, u32>::builder().ttl(Duration::from_secs(1)).clock(clock.clone()).build()
    /// })?;
    /// cache.insert(1, 1);
    /// clock.advance(Duration::from_secs(2));
    /// assert_eq!(registry.expired_counts()["c"], 1);
    /// assert_eq!(cache.len(), 1); // still there
    /// # Ok::<(), cachekit::RegistryError>(())
    /// ```
    pub fn expired_counts(&self) -> BTreeMap<String, usize> {
        self.caches()
            .into_iter()
            .map(|(name, cache)| (name, cache.expired_len()))
            .collect()
    }

    /// Removes the expired entries of the cache `name` now (see
    /// [`TtlCache::cleanup_expired`]) and returns how many it removed: the one-cache form of
    /// [`cleanup_all`](Self::cleanup_all).
    ///
    /// # Errors
    ///
    /// [`RegistryError::NotFound`] if no cache is registered as `name`.
    ///
    /// ```
    /// use cachekit::{MockClock, Registry, RegistryError, TtlCache};
    /// use std::time::Duration;
    ///
    /// let clock = MockClock::new();
    /// let registry = Registry::new();
    /// let cache = registry.get_or_create_with("c", || {
    ///     TtlCache::<u32, u32>::builder().ttl(Duration::from_secs(1)).clock(clock.clone()).build()
    /// })?;
    /// cache.insert(1, 1);
    /// clock.advance(Duration::from_secs(2));
    /// assert_eq!(registry.expired_count("c")?, 1);
    /// assert_eq!(registry.cleanup("c")?, 1);
    /// assert!(cache.is_empty());
    /// assert!(matches!(registry.cleanup("nobody"), Err(RegistryError::NotFound { .. })));
    /// # Ok::<(), RegistryError>(())
    /// ```
    pub fn cleanup(&self, name: &str) -> Result<usize, RegistryError> {
        Ok(self.cache(name)?.cleanup_expired())
    }

    /// How many entries [`cleanup(name)`](Self::cleanup) would remove now, without removing
    /// anything: the one-cache form of [`expired_counts`](Self::expired_counts).
    ///
    /// # Errors
    ///
    /// [`RegistryError::NotFound`] if no cache is registered as `name`.
    ///
    /// ```
    /// use std::time::Duration;
    /// let registry = cachekit::Registry::new();
    /// registry.get_or_create::<u8, u8>("a", 10, Duration::from_secs(60))?.insert(1, 1);
    /// assert_eq!(registry.expired_count("a")?, 0);
    /// assert!(registry.expired_count("nobody").is_err());
    /// # Ok::<(), cachekit::RegistryError>(())
    /// ```
    pub fn expired_count(&self, name: &str) -> Result<usize, RegistryError> {
        Ok(self.cache(name)?.expired_len())
    }

    /// Removes the stale members of every registered expiring set now (see
    /// [`ExpiringSet::force_cleanup`]) and returns how many each lost, by name. A janitor
    /// does it on every tick.
    ///
    /// ```
    /// use cachekit::{ExpiringSet, MockClock, Registry};
    /// use std::time::Duration;
    ///
    /// let clock = MockClock::new();
    /// let registry = Registry::new();
    /// let set = registry.get_or_create_expiring_set_with("s", || {
    ///     ExpiringSet::builder().stale_after(Duration::from_secs(1)).clock(clock.clone()).build()
    /// })?;
    /// set.add(1u32);
    /// clock.advance(Duration::from_secs(1));
    /// assert_eq!(registry.cleanup_expiring_sets()["s"], 1);
    /// # Ok::<(), cachekit::RegistryError>(())
    /// ```
    pub fn cleanup_expiring_sets(&self) -> BTreeMap<String, usize> {
        let sets: Vec<_> = self
            .state()
            .sets
            .iter()
            .map(|(name, slot)| (name.clone(), slot.erased.clone()))
            .collect();
        sets.into_iter()
            .map(|(name, set)| (name, set.force_cleanup()))
            .collect()
    }

    /// How many stale members [`cleanup_expiring_sets`](Self::cleanup_expiring_sets) would
    /// remove from each registered expiring set now, by name, without removing anything (a
    /// dry run; see [`ExpiringSet::stale_len`]).
    ///
    /// ```
    /// use cachekit::{ExpiringSet, MockClock, Registry};
    /// use std::time::Duration;
    ///
    /// let clock = MockClock::new();
    /// let registry = Registry::new();
    /// let set = registry.get_or_create_expiring_set_with("s", || {
    ///     ExpiringSet::builder().stale_after(Duration::from_secs(1)).clock(clock.clone()).build()
    /// })?;
    /// set.add(1u32);
    /// clock.advance(Duration::from_secs(1));
    /// assert_eq!(registry.stale_counts()["s"], 1);
    /// assert_eq!(set.len(), 1); // still there
    /// # Ok::<(), cachekit::RegistryError>(())
    /// ```
    pub fn stale_counts(&self) -> BTreeMap<String, usize> {
        let sets: Vec<_> = self
            .state()
            .sets
            .iter()
            .map(|(name, slot)| (name.clone(), slot.erased.clone()))
            .collect();
        sets.into_iter()
            .map(|(name, set)| (name, set.stale_len()))
            .collect()
    }

    /// Every cache's [`CacheStats`](crate::CacheStats), their totals, and every expiring
    /// set's size. O(entries): each cache counts its expired entries.
    ///
    /// ```
    /// use std::time::Duration;
    /// let registry = cachekit::Registry::new();
    /// registry.get_or_create::<u8, u8>("a", 10, Duration::from_secs(60))?.insert(1, 1);
    /// let stats = registry.stats();
    /// assert_eq!(stats.caches["a"].size, 1);
    /// assert_eq!(stats.global.total_entries, 1);
    /// # Ok::<(), cachekit::RegistryError>(())
    /// ```
    pub fn stats(&self) -> RegistryStats {
        let (caches, sets) = {
            let state = self.state();
            let caches: Vec<_> = state
                .caches
                .iter()
                .map(|(name, slot)| (name.clone(), slot.erased.clone()))
                .collect();
            let sets: Vec<_> = state
                .sets
                .iter()
                .map(|(name, slot)| (name.clone(), slot.erased.clone()))
                .collect();
            (caches, sets)
        };
        let caches: BTreeMap<_, _> = caches
            .into_iter()
            .map(|(name, cache)| (name, cache.stats()))
            .collect();
        RegistryStats {
            global: GlobalStats::sum(caches.values()),
            caches,
            expiring_sets: sets
                .into_iter()
                .map(|(name, set)| (name, set.len()))
                .collect(),
        }
    }

    /// [`stats`](Self::stats) as JSON: an object with the fields `caches` (each cache's
    /// statistics by name, its TTL as `ttl_seconds`), `global` and `expiring_sets`.
    ///
    /// Only with the `serde` feature (off by default).
    ///
    /// ```
    /// use std::time::Duration;
    /// let registry = cachekit::Registry::new();
    /// registry.get_or_create::<u8, u8>("a", 10, Duration::from_secs(60))?;
    /// let json = registry.stats_json();
    /// assert!(json.contains("\"ttl_seconds\""));
    /// assert!(json.contains("\"total_caches\""));
    /// # Ok::<(), cachekit::RegistryError>(())
    /// ```
    #[cfg(feature = "serde")]
    pub fn stats_json(&self) -> String {
        // Plain structs of numbers, strings and maps with string keys: this cannot fail.
        serde_json::to_string_pretty(&self.stats()).unwrap_or_default()
    }

    /// The registry's health under the default [`HealthThresholds`].
    ///
    /// ```
    /// use cachekit::{HealthStatus, Registry};
    /// let report = Registry::new().health();
    /// assert_eq!(report.status, HealthStatus::Healthy);
    /// assert!(report.warnings.is_empty());
    /// ```
    pub fn health(&self) -> HealthReport {
        self.health_with(&HealthThresholds::default())
    }

    /// The registry's health under `thresholds`: [`stats`](Self::stats), judged.
    ///
    /// ```
    /// use cachekit::{HealthStatus, HealthThresholds, Registry};
    /// use std::time::Duration;
    ///
    /// let registry = Registry::new();
    /// let set = registry.get_or_create_expiring_set::<u32>("s", Duration::from_secs(60))?;
    /// (0..5).for_each(|i| { set.add(i); });
    /// let strict = HealthThresholds { expiring_set_members: 3, ..HealthThresholds::default() };
    /// let report = registry.health_with(&strict);
    /// assert_eq!(report.status, HealthStatus::Warning);
    /// assert!(report.warnings[0].contains("\"s\""));
    /// # Ok::<(), cachekit::RegistryError>(())
    /// ```
    pub fn health_with(&self, thresholds: &HealthThresholds) -> HealthReport {
        let checks: Vec<HealthCheck> = self
            .state()
            .hooks
            .values()
            .flat_map(|hooks| hooks.health.iter().cloned())
            .collect();
        let mut report = HealthReport::judge(self.stats(), thresholds);
        for line in checks.iter().filter_map(|check| check()) {
            report.add_warning(line);
        }
        report
    }

    /// Attaches `hook` to the name `name`: [`clear(name)`](Self::clear) runs it after
    /// clearing the cache. For a tier that keeps the cache's entries somewhere else too
    /// (the shared Redis tier registers one that deletes its keys in Redis). Hooks stay as
    /// long as the registry; several may be attached to one name, and they run in the
    /// order attached, without the registry lock held.
    ///
    /// [`clear_all`](Self::clear_all) (and memory pressure) does not run hooks.
    ///
    /// ```
    /// use cachekit::Registry;
    /// use std::sync::atomic::{AtomicUsize, Ordering};
    /// use std::sync::Arc;
    /// use std::time::Duration;
    ///
    /// let registry = Registry::new();
    /// registry.get_or_create::<u8, u8>("shared", 10, Duration::from_secs(60))?;
    /// let cleared = Arc::new(AtomicUsize::new(0));
    /// let seen = Arc::clone(&cleared);
    /// registry.add_clear_hook("shared", move || {
    ///     seen.fetch_add(1, Ordering::SeqCst);
    /// });
    /// registry.clear("shared")?;
    /// registry.clear_all();
    /// assert_eq!(cleared.load(Ordering::SeqCst), 1);
    /// # Ok::<(), cachekit::RegistryError>(())
    /// ```
    pub fn add_clear_hook(&self, name: &str, hook: impl Fn() + Send + Sync + 'static) {
        self.state()
            .hooks
            .entry(name.to_owned())
            .or_default()
            .on_clear
            .push(Arc::new(hook));
    }

    /// Attaches a health check to the name `name`: [`health`](Self::health) and
    /// [`health_with`](Self::health_with) call it, and a `Some(line)` becomes a
    /// [`Warning`](crate::HealthStatus::Warning) with that line. For state the cache's
    /// statistics cannot show (the shared Redis tier reports an open circuit breaker).
    /// The check runs on every health report, without the registry lock: it must be cheap.
    ///
    /// ```
    /// use cachekit::{HealthStatus, Registry};
    ///
    /// let registry = Registry::new();
    /// registry.add_health_check("orders", || Some("orders: Redis unreachable".to_string()));
    /// let report = registry.health();
    /// assert_eq!(report.status, HealthStatus::Warning);
    /// assert_eq!(report.warnings, ["orders: Redis unreachable"]);
    /// ```
    pub fn add_health_check(
        &self,
        name: &str,
        check: impl Fn() -> Option<String> + Send + Sync + 'static,
    ) {
        self.state()
            .hooks
            .entry(name.to_owned())
            .or_default()
            .health
            .push(Arc::new(check));
    }

    /// Starts a janitor: a thread that runs [`cleanup_all`](Self::cleanup_all) and
    /// [`cleanup_expiring_sets`](Self::cleanup_expiring_sets) every `interval` (at least
    /// 1 ms) until the returned handle is stopped or dropped. A tick that panics is logged
    /// and the janitor carries on. The janitor does not keep the registry alive: if the
    /// registry is dropped, the janitor exits at its next tick.
    ///
    /// [`RegistryDefaults::cleanup_interval`] (see [`defaults`](Self::defaults)) is the
    /// interval deployments tune.
    ///
    /// # Errors
    ///
    /// [`RegistryError::JanitorAlreadyRunning`] if a janitor of this registry is running
    /// (no second thread is started), or [`RegistryError::JanitorSpawnFailed`].
    ///
    /// ```
    /// use cachekit::{Registry, RegistryError};
    /// use std::time::Duration;
    ///
    /// let registry = Registry::new();
    /// let janitor = registry.start_janitor(registry.defaults().cleanup_interval)?;
    /// assert_eq!(
    ///     registry.start_janitor(Duration::from_secs(1)).unwrap_err(),
    ///     RegistryError::JanitorAlreadyRunning
    /// );
    /// drop(janitor);
    /// # Ok::<(), RegistryError>(())
    /// ```
    pub fn start_janitor(&self, interval: Duration) -> Result<JanitorHandle, RegistryError> {
        self.spawn_janitor(interval, None)
    }

    /// As [`start_janitor`](Self::start_janitor), and runs `policy` on every tick first
    /// (see [`MemoryPressurePolicy::check`]); a tick on which the policy cleaned or cleared
    /// the caches does not sweep them again.
    ///
    /// # Errors
    ///
    /// As for [`start_janitor`](Self::start_janitor).
    ///
    /// ```
    /// use cachekit::{MemoryPressurePolicy, Registry};
    /// use std::time::Duration;
    ///
    /// let registry = Registry::new();
    /// let janitor = registry
    ///     .start_janitor_with_pressure(Duration::from_secs(30), MemoryPressurePolicy::new())?;
    /// janitor.stop();
    /// # Ok::<(), cachekit::RegistryError>(())
    /// ```
    pub fn start_janitor_with_pressure(
        &self,
        interval: Duration,
        policy: MemoryPressurePolicy,
    ) -> Result<JanitorHandle, RegistryError> {
        self.spawn_janitor(interval, Some(policy))
    }

    fn spawn_janitor(
        &self,
        interval: Duration,
        policy: Option<MemoryPressurePolicy>,
    ) -> Result<JanitorHandle, RegistryError> {
        let running = &self.inner.janitor_running;
        if running
            .compare_exchange(false, true, Ordering::AcqRel, Ordering::Acquire)
            .is_err()
        {
            return Err(RegistryError::JanitorAlreadyRunning);
        }
        janitor::spawn(
            Arc::downgrade(&self.inner),
            Arc::clone(running),
            interval,
            policy,
        )
    }

    fn configured(&self, name: &str) -> Option<(usize, Duration)> {
        self.state().configured.get(name).copied()
    }

    /// The cache `name`, out of the table, so that callers work on it without the lock.
    fn cache(&self, name: &str) -> Result<Arc<dyn ErasedCache>, RegistryError> {
        self.state()
            .caches
            .get(name)
            .map(|slot| slot.erased.clone())
            .ok_or_else(|| RegistryError::NotFound {
                name: name.to_owned(),
            })
    }

    /// A copy of the cache table, so that callers work on the caches without the lock.
    fn caches(&self) -> BTreeMap<String, Arc<dyn ErasedCache>> {
        self.state()
            .caches
            .iter()
            .map(|(name, slot)| (name.clone(), slot.erased.clone()))
            .collect()
    }

    fn state(&self) -> MutexGuard<'_, State> {
        // Every update of the table is a single map operation: a panic elsewhere while the
        // lock was held cannot leave it half-done.
        self.inner
            .state
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
    }
}
