//! A first look at cachekit: a cache in front of a slow lookup, watched through its stats.
//!
//! Run it with `cargo run --example quickstart`.

use cachekit::{MockClock, TtlCache};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

/// Stands in for a database or a remote service: slow, and we count how often it is asked.
fn load_price(sku: u32, calls: &AtomicUsize) -> u64 {
    calls.fetch_add(1, Ordering::Relaxed);
    std::thread::sleep(Duration::from_millis(2));
    u64::from(sku) * 100 + 99
}

fn main() {
    let calls = AtomicUsize::new(0);
    let prices: Arc<TtlCache<u32, u64>> = Arc::new(
        TtlCache::builder()
            .max_size(100)
            .ttl(Duration::from_secs(60))
            .build(),
    );

    // 4 threads ask for 1,000 prices among 50 popular SKUs: each SKU is loaded once, even
    // when several threads miss it at the same moment (single-flight).
    let started = Instant::now();
    std::thread::scope(|scope| {
        for thread in 0..4u32 {
            let (prices, calls) = (&prices, &calls);
            scope.spawn(move || {
                for i in 0..250u32 {
                    let sku = (i * 7 + thread) % 50;
                    prices.get_or_insert_with(sku, || load_price(sku, calls));
                }
            });
        }
    });
    println!(
        "1000 lookups over 50 SKUs from 4 threads in {:?}; the slow loader ran {} times",
        started.elapsed(),
        calls.load(Ordering::Relaxed)
    );

    // Pattern invalidation: drop the even SKUs (say their prices changed).
    prices.retain(|sku, _| sku % 2 == 1);
    println!("after invalidating even SKUs: {} entries", prices.len());

    let stats = prices.stats();
    println!(
        "stats: size {}/{} ({:.0}% full), hits {}, misses {}, hit rate {:.1}%, inserts {}, evictions {}",
        stats.size,
        stats.max_size,
        stats.utilization_percent,
        stats.hits,
        stats.misses,
        stats.hit_rate * 100.0,
        stats.inserts,
        stats.evictions
    );

    // Expiry, shown with a mock clock so the example does not wait a minute.
    let clock = MockClock::new();
    let sessions = TtlCache::<&str, &str>::builder()
        .ttl(Duration::from_secs(60))
        .clock(clock.clone())
        .build();
    sessions.insert("alice", "token-a");
    sessions.insert_with_ttl("bob", "token-b", Duration::from_secs(10));
    clock.advance(Duration::from_secs(30));
    println!(
        "30 s later: alice {:?}, bob {:?} (bob's entry had a 10 s TTL)",
        sessions.get("alice"),
        sessions.get("bob")
    );
    clock.advance(Duration::from_secs(30));
    println!("60 s later: alice {:?}", sessions.get("alice"));
}
