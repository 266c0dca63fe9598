//! The runtime of [cachekit](https://docs.rs/cachekit): [`TtlCache`], its builder, clocks
//! and statistics.
//!
//! Use it through the `cachekit` facade, which re-exports everything here:
//!
//! ```
//! use cachekit::TtlCache;
//! use std::time::Duration;
//!
//! let cache = TtlCache::<String, u64>::new(1000, Duration::from_secs(3600));
//! cache.insert("a".to_string(), 1);
//! assert_eq!(cache.get("a"), Some(1));
//! ```
#![deny(unsafe_code)]
#![warn(missing_docs)]

mod builder;
mod cache;
mod climber;
mod clock;
mod config;
mod entry;
mod expiring_set;
mod flight;
mod health;
mod janitor;
mod policy;
mod prehashed;
mod pressure;
mod registry;
mod stats;
mod thread_slot;

pub use builder::{TtlCacheBuilder, DEFAULT_CLEANUP_INTERVAL, DEFAULT_MAX_SIZE, DEFAULT_TTL};
pub use cache::{DefaultHashBuilder, TtlCache};
pub use clock::{Clock, MockClock};
pub use config::{RegistryDefaults, ENV_CLEANUP_INTERVAL, ENV_DEFAULT_MAX_SIZE, ENV_DEFAULT_TTL};
pub use expiring_set::{ExpiringSet, ExpiringSetBuilder, ExpiringSetGuard, DEFAULT_STALE_AFTER};
pub use health::{HealthReport, HealthStatus, HealthThresholds};
pub use janitor::JanitorHandle;
pub use prehashed::{PrehashedBuildHasher, PrehashedHasher};
pub use pressure::{
    MemoryPressurePolicy, MemoryProbe, MemoryUsage, PressureAction, SystemMemory,
    DEFAULT_CRITICAL_WATERMARK_PERCENT, DEFAULT_HIGH_WATERMARK_PERCENT,
};
pub use registry::{registry, GlobalStats, Registry, RegistryError, RegistryStats};
pub use stats::CacheStats;
