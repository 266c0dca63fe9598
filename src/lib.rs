//! # cachekit
//!
//! Thread-safe, size-bounded, TTL-expiring caches for Rust.
//!
//! [`TtlCache`] is a concurrent cache whose hits take no exclusive lock, whose size stays
//! within its bound, whose entries expire after a time to live, and whose
//! [`get_or_insert_with`](TtlCache::get_or_insert_with) runs one loader per key however many
//! threads ask at once.
//!
//! ```
//! use cachekit::TtlCache;
//! use std::time::Duration;
//!
//! let cache = TtlCache::<String, u64>::builder()
//!     .max_size(1000)
//!     .ttl(Duration::from_secs(1800))
//!     .build();
//! let price = cache.get_or_insert_with("sku-1".to_string(), || 42);
//! assert_eq!(price, 42);
//! assert_eq!(cache.stats().misses, 1);
//! ```
#![forbid(unsafe_code)]
#![warn(missing_docs)]

pub use cache_core::{
    CacheStats, Clock, DefaultHashBuilder, MockClock, PrehashedBuildHasher, PrehashedHasher,
    TtlCache, TtlCacheBuilder, DEFAULT_CLEANUP_INTERVAL, DEFAULT_MAX_SIZE, DEFAULT_TTL,
};

pub use cache_core::{
    registry, ExpiringSet, ExpiringSetBuilder, ExpiringSetGuard, GlobalStats, HealthReport,
    HealthStatus, HealthThresholds, JanitorHandle, MemoryPressurePolicy, MemoryProbe, MemoryUsage,
    PressureAction, Registry, RegistryDefaults, RegistryError, RegistryStats, SystemMemory,
    DEFAULT_CRITICAL_WATERMARK_PERCENT, DEFAULT_HIGH_WATERMARK_PERCENT, DEFAULT_STALE_AFTER,
    ENV_CLEANUP_INTERVAL, ENV_DEFAULT_MAX_SIZE, ENV_DEFAULT_TTL,
};

pub use cache_macros::{cached_method, ttl_cached};

/// The shared Redis tier: a local cache in front of Redis, shared by every process (only
/// with the `redis` feature, off by default). See [`redis::SharedTier`] and
/// [`redis::connect`].
#[cfg(feature = "redis")]
pub use cache_redis as redis;

/// The admin endpoints: statistics, health, Prometheus metrics and cleanup over HTTP (only
/// with the `admin` feature, off by default). See [`admin::router`] to mount them in an axum
/// app and [`admin::serve`] to run them on a thread of their own.
#[cfg(feature = "admin")]
pub use cache_admin as admin;

#[doc(hidden)]
#[path = "private/mod.rs"]
pub mod __private;

/// The README's examples, compiled and run as doctests so that they stay true.
#[cfg(doctest)]
#[doc = include_str!("../README.md")]
struct ReadmeDoctests;
