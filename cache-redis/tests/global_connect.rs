//! The process-wide connection: a tier is a local cache until `connect`, then shares
//! through Redis; `connect` twice is an error; `registry().clear(name)` reaches Redis.
//!
//! One test in its own binary, because `connect` is once per process.

mod support;

use std::time::Duration;

use cache_core::{registry, HealthStatus, Registry};
use cache_redis::{connect, connect_with, connected, RedisConfig, SharedTier, SharedTierError};
use redis::Commands;

#[test]
fn local_only_until_connect_then_shared() {
    assert!(connected().is_none());
    let tier = SharedTier::<u64>::new(
        "global-connect",
        Duration::from_secs(600),
        Duration::from_secs(30),
        100,
        false,
    );
    let key = tier.key(&(1_u64,));
    assert_eq!(tier.get_or_compute(key, || 1), 1);
    assert_eq!(tier.get_or_compute(key, || 2), 1);
    let stats = tier.stats();
    assert!(!stats.connected);
    assert_eq!((stats.not_connected, stats.local.hits), (1, 1));
    assert_eq!(tier.redis_key(key), None);
    assert_eq!(tier.clear(), 0);

    // Bad input is an error, and leaves the process unconnected.
    assert!(matches!(
        connect("redis://user:hunter2@host:notaport"),
        Err(SharedTierError::InvalidUrl { ref url, .. }) if !url.contains("hunter2")
    ));
    assert!(matches!(
        connect_with(RedisConfig::default().breaker_failures(0)),
        Err(SharedTierError::InvalidConfig { .. })
    ));
    assert!(connected().is_none());

    let Some(server) = support::server("local_only_until_connect_then_shared") else {
        return;
    };
    let prefix = support::unique_prefix("global");
    connect_with(support::config(&server.url, &prefix)).unwrap();
    assert_eq!(connect(&server.url), Err(SharedTierError::AlreadyConnected));
    assert!(tier.stats().connected);

    // The same tier now shares: another local tier (another registry) reads its value.
    let key = tier.key(&(2_u64,));
    assert_eq!(tier.get_or_compute(key, || 20), 20);
    let private = Registry::new();
    let other = SharedTier::builder("global-connect")
        .registry(&private)
        .build::<u64>();
    assert_eq!(other.get_or_compute(key, || 0), 20);
    assert_eq!(other.stats().redis_hits, 1);

    // `registry().clear(name)` clears the namespace in Redis through the tier's hook.
    let redis_key = tier.redis_key(key).unwrap();
    let mut raw = server.client();
    assert!(raw.exists::<_, bool>(&redis_key).unwrap());
    registry().clear("global-connect").unwrap();
    assert!(!raw.exists::<_, bool>(&redis_key).unwrap());
    assert!(tier.local_cache().is_empty());
    assert_eq!(registry().health().status, HealthStatus::Healthy);
}
