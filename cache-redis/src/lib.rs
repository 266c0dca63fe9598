//! The shared Redis tier of [cachekit](https://docs.rs/cachekit): a local
//! [`TtlCache`](cache_core::TtlCache) in front, Redis behind, shared by every process of a
//! fleet. Use it through the facade, as `cachekit::redis` (feature `redis`).
//!
//! ```no_run
//! use cachekit::redis::{connect, SharedTier};
//! use std::time::Duration;
//!
//! connect("redis://127.0.0.1:6379")?; // once, at start-up
//! let users = SharedTier::<String>::new(
//!     "users",                    // registry name and Redis namespace
//!     Duration::from_secs(600),   // ttl in Redis
//!     Duration::from_secs(30),    // local_ttl
//!     10_000,                     // local max_size
//!     false,                      // shared_lock
//! );
//! let key = users.key(&(42_u64,));
//! let name = users.get_or_compute(key, || "ada".to_string()); // local, else Redis, else the body
//! users.invalidate(key); // Redis and every process's local copy
//! # Ok::<(), cachekit::redis::SharedTierError>(())
//! ```
//!
//! * **Lookups** try the local tier, then Redis (`GET`; a hit fills the local tier), then
//!   run the body and write both (`SET <key> <json> PX <ttl>`). In one process, concurrent
//!   lookups of one key run that once; `shared_lock` extends it across processes.
//! * **Keys** are `<prefix>:<name>:<32 hex digits>`: a SipHash-1-3-128 of the arguments'
//!   JSON, keyed with a fleet-wide secret ([`RedisConfig::secret`] or
//!   `CACHEKIT_REDIS_SECRET`), so they are the same in every process and cannot be
//!   guessed from the arguments. Arguments must serialize canonically: not `HashMap`s
//!   (see [`StableKey`] and the format notes below).
//! * **Values** are JSON (serde), readable with `redis-cli GET`. One that does not
//!   deserialize is a miss and is overwritten, never returned.
//! * **Invalidation** deletes the key and publishes on a channel every process's
//!   subscriber thread listens to; see [`SharedTier::invalidate`] for the delay.
//!   `registry().clear(name)` (and [`SharedTier::clear`]) clear the namespace with `SCAN`
//!   and `UNLINK`.
//! * **Failures** never fail a call: Redis down, slow or returning garbage, the body runs
//!   locally. A circuit breaker stops trying after `breaker_failures` consecutive
//!   failures and probes again after `breaker_reset`; its state is in
//!   [`SharedTier::stats`] and an open breaker is a warning in `registry().health()`.
//! * **Without [`connect`]** a tier is a local cache (counted in
//!   [`SharedTierStats::not_connected`]).
//!
//! # Format
//!
//! Values and argument tuples are serialized with `serde_json`: the best-kept serde
//! format, already in the tree, readable in `redis-cli`, self-describing (a value written
//! by an older build with another layout fails to deserialize instead of decoding into
//! the wrong fields), and deterministic for a given value, which canonical keys need.
//! `HashMap` and `HashSet` arguments are not canonical (their order differs between
//! processes): such calls work but are not shared. Floats are keyed by their shortest
//! round-trip text, so `-0.0` and `0.0` are different keys, and a `NaN` value is stored
//! as `null`, which then fails to deserialize and is recomputed.
//!
//! # Invalidation delay
//!
//! While a process's subscriber is subscribed, an invalidation reaches its local tier as
//! soon as Redis relays the message (well under a millisecond on a LAN). While it is not
//! (Redis restarting, a network cut), messages are lost; the subscriber retries every
//! `resubscribe_delay`, pings a silent connection every 2 s, and clears every local tier
//! of the backend when it subscribes again. A local copy therefore outlives its
//! invalidation by at most the outage plus `resubscribe_delay` plus a connect, and never
//! by more than `local_ttl`.
//!
//! # Limits
//!
//! One Redis server (or a proxy in front of several); Redis Cluster is not supported (the
//! namespace `SCAN` would only see one node). The async methods need a Tokio runtime with
//! I/O and time enabled; `#[tokio::main]` and `#[tokio::test]` have them.
#![forbid(unsafe_code)]
#![warn(missing_docs)]

mod backend;
mod breaker;
mod codec;
mod config;
mod error;
mod subscriber;
mod tier;

use std::sync::OnceLock;

pub use backend::RedisBackend;
pub use breaker::BreakerState;
pub use codec::{StableKey, StableKeyBuildHasher, StableKeyHasher};
pub use config::{RedisConfig, DEFAULT_PREFIX, DEFAULT_SECRET, ENV_SECRET};
pub use error::SharedTierError;
pub use tier::{LocalCache, SharedTier, SharedTierBuilder, SharedTierStats};

static GLOBAL: OnceLock<RedisBackend> = OnceLock::new();

/// Connects the process to the Redis at `url` with the default [`RedisConfig`]: every
/// [`SharedTier`] without a backend of its own uses it from then on. Call it once, at
/// start-up.
///
/// A Redis that is down is not an error (tiers run locally until it answers); see
/// [`RedisBackend::connect`].
///
/// # Errors
///
/// [`SharedTierError::InvalidUrl`], or [`SharedTierError::AlreadyConnected`] on a second
/// call (the first connection stays).
///
/// ```no_run
/// cachekit::redis::connect("redis://127.0.0.1:6379")?;
/// # Ok::<(), cachekit::redis::SharedTierError>(())
/// ```
pub fn connect(url: &str) -> Result<(), SharedTierError> {
    connect_with(RedisConfig::new(url))
}

/// [`connect`] with every setting of [`RedisConfig`].
///
/// # Errors
///
/// As [`RedisBackend::connect`], and [`SharedTierError::AlreadyConnected`] on a second
/// call.
///
/// ```no_run
/// use cachekit::redis::{connect_with, RedisConfig};
/// use std::time::Duration;
///
/// connect_with(
///     RedisConfig::new("redis://cache.internal:6379/0")
///         .prefix("shop")
///         .command_timeout(Duration::from_millis(100)),
/// )?;
/// # Ok::<(), cachekit::redis::SharedTierError>(())
/// ```
pub fn connect_with(config: RedisConfig) -> Result<(), SharedTierError> {
    if GLOBAL.get().is_some() {
        return Err(SharedTierError::AlreadyConnected);
    }
    let backend = RedisBackend::connect(config)?;
    // Two racing first calls: one wins, the other's backend (and subscriber) goes away.
    GLOBAL
        .set(backend)
        .map_err(|_| SharedTierError::AlreadyConnected)
}

/// The process-wide backend of [`connect`], if it was called.
///
/// ```
/// // In a process that never called `connect`:
/// assert!(cachekit::redis::connected().is_none());
/// ```
pub fn connected() -> Option<&'static RedisBackend> {
    GLOBAL.get()
}
