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
#![forbid(unsafe_code)]
#![warn(missing_docs)]

mod builder;
mod cache;
mod climber;
mod clock;
mod entry;
mod flight;
mod policy;
mod stats;
mod thread_slot;

pub use builder::{TtlCacheBuilder, DEFAULT_CLEANUP_INTERVAL, DEFAULT_MAX_SIZE, DEFAULT_TTL};
pub use cache::{DefaultHashBuilder, TtlCache};
pub use clock::{Clock, MockClock};
pub use stats::CacheStats;
