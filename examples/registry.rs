//! The registry of named caches: a few caches and an expiring set, their statistics as
//! JSON, their health, and what a cleanup and the memory-pressure policy do.
//!
//! Run it with `cargo run --example registry --features serde`.

use cachekit::{registry, ExpiringSet, MemoryPressurePolicy, MemoryUsage, MockClock, TtlCache};
use std::time::Duration;

fn main() -> Result<(), cachekit::RegistryError> {
    // Named caches, created on first use; any part of the program can ask for them by name.
    let users = registry().get_or_create::<u64, String>("users", 500, Duration::from_secs(1800))?;
    let sessions =
        registry().get_or_create::<String, u64>("sessions", 10, Duration::from_secs(60))?;
    // A cache on a mock clock, so the example can show expiry without waiting.
    let clock = MockClock::new();
    let tokens = registry().get_or_create_with("tokens", || {
        TtlCache::<u32, String>::builder()
            .max_size(100)
            .ttl(Duration::from_secs(30))
            .clock(clock.clone())
            .build()
    })?;
    let deleting = registry().get_or_create_expiring_set_with("deleting", || {
        ExpiringSet::<u64>::builder()
            .stale_after(Duration::from_secs(3600))
            .clock(clock.clone())
            .build()
    })?;

    for id in 0..40 {
        users.insert(id, format!("user-{id}"));
    }
    for id in 0..60 {
        users.get(&id); // 40 hits, 20 misses
    }
    for n in 0..9 {
        sessions.insert(format!("session-{n}"), n); // 90% full: a health warning
    }
    for n in 0..60 {
        tokens.insert(n, format!("token-{n}"));
    }
    clock.advance(Duration::from_secs(31)); // every token has expired, none is removed yet
    deleting.add(7);
    let _in_progress = deleting.guard(8);

    println!("stats_json():\n{}\n", registry().stats_json());
    println!("health():\n{}\n", registry().health());

    println!(
        "expired_counts() (dry run): {:?}",
        registry().expired_counts()
    );
    println!("cleanup_all():              {:?}", registry().cleanup_all());
    println!("health() after cleanup:\n{}\n", registry().health());

    // Memory pressure, simulated: a probe that reports 92% of memory in use.
    let policy = MemoryPressurePolicy::new().with_probe(|| {
        Some(MemoryUsage {
            used_bytes: 92,
            total_bytes: 100,
        })
    });
    println!("pressure check at 92%: {:?}", policy.check(registry()));
    println!("entries left: {}", registry().stats().global.total_entries);
    Ok(())
}
