//! The shared Redis tier at work: two tiers with one name, as two processes of a fleet
//! would have, sharing values through a local Redis, and an invalidation reaching both.
//!
//! ```sh
//! redis-server --port 6379 --save ''
//! cargo run --example shared_redis --features redis
//! ```
//!
//! Without a Redis on 127.0.0.1:6379 it still runs: each tier is then on its own.

use std::thread;
use std::time::{Duration, Instant};

use cachekit::redis::{connect_with, connected, RedisConfig, SharedTier, SharedTierError};
use cachekit::{registry, Registry};
use serde::{Deserialize, Serialize};

#[derive(Clone, Debug, Serialize, Deserialize)]
struct Quote {
    symbol: String,
    cents: u64,
}

/// The slow call the cache saves: a price service.
fn fetch_quote(symbol: &str) -> Quote {
    thread::sleep(Duration::from_millis(200));
    Quote {
        symbol: symbol.to_string(),
        cents: symbol.bytes().map(u64::from).sum::<u64>() * 7,
    }
}

fn timed<T>(what: &str, call: impl FnOnce() -> T) -> T {
    let started = Instant::now();
    let value = call();
    println!(
        "{what:<44} {:>9.3} ms",
        started.elapsed().as_secs_f64() * 1e3
    );
    value
}

fn main() -> Result<(), SharedTierError> {
    // CACHEKIT_REDIS_URL points the example elsewhere (CI runs it against its own server).
    let url =
        std::env::var("CACHEKIT_REDIS_URL").unwrap_or_else(|_| "redis://127.0.0.1:6379".into());
    connect_with(
        RedisConfig::new(url.as_str())
            .prefix("cachekit-example")
            .secret("the example's secret: use a random one, shared by the fleet"),
    )?;
    let shared = match connected().map(|backend| backend.ping()) {
        Some(Err(e)) => {
            println!("Redis is not answering on {url} ({e}).");
            println!("Start one with `redis-server --port 6379 --save ''`; meanwhile the tiers run locally.\n");
            false
        }
        _ => true,
    };

    // "Process A": its local tier in the process-wide registry.
    let a = SharedTier::<Quote>::new(
        "example::quote",
        Duration::from_secs(600), // in Redis
        Duration::from_secs(30),  // locally
        1000,
        true, // one process computes a missing quote, the others wait for it
    );
    // "Process B": the same tier name, another local tier.
    let registry_b = Registry::new();
    let b = SharedTier::builder("example::quote")
        .ttl(Duration::from_secs(600))
        .local_ttl(Duration::from_secs(30))
        .shared_lock(true)
        .registry(&registry_b)
        .build::<Quote>();
    a.clear(); // a fresh start for the demonstration

    let key = a.key(&("ACME",));
    timed("A: first call (computes, writes Redis)", || {
        a.get_or_compute(key, || fetch_quote("ACME"))
    });
    timed("A: second call (local hit)", || {
        a.get_or_compute(key, || fetch_quote("ACME"))
    });
    let label = if shared {
        "B: first call (Redis hit, fills B's local)"
    } else {
        "B: first call (computes: no Redis to share)"
    };
    let quote = timed(label, || b.get_or_compute(key, || fetch_quote("ACME")));
    timed("B: second call (local hit)", || {
        b.get_or_compute(key, || fetch_quote("ACME"))
    });
    println!("quote: {quote:?}");
    if let (true, Some(redis_key)) = (shared, a.redis_key(key)) {
        println!("in Redis: redis-cli GET '{redis_key}'");
    }

    let started = Instant::now();
    a.invalidate(key);
    // `is_empty`, not `contains_key`: a lookup would count in B's statistics.
    while !b.local_cache().is_empty() && started.elapsed() < Duration::from_secs(2) {
        thread::sleep(Duration::from_millis(1));
    }
    println!(
        "A invalidated the quote; B's local copy {} after {:.3} ms",
        if !b.local_cache().is_empty() {
            "is still there (no Redis)"
        } else {
            "was dropped"
        },
        started.elapsed().as_secs_f64() * 1e3
    );
    timed("B: after the invalidation (computes again)", || {
        b.get_or_compute(key, || fetch_quote("ACME"))
    });

    for (name, tier) in [("A", &a), ("B", &b)] {
        let s = tier.stats();
        println!(
            "{name}: local hits {} misses {}, Redis hits {} misses {} errors {}, breaker {}",
            s.local.hits, s.local.misses, s.redis_hits, s.redis_misses, s.redis_errors, s.breaker
        );
    }
    println!("{}", registry().health());
    Ok(())
}
