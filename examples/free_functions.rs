//! `#[ttl_cached]` on free functions: a slow price lookup shared by threads, a recursive
//! function, and a loader whose errors are not cached; then the companions and the
//! registry's view of the caches.
//!
//! Run it with `cargo run --example free_functions`.

use cachekit::{registry, ttl_cached};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::thread;
use std::time::{Duration, Instant};

static PRICE_LOOKUPS: AtomicUsize = AtomicUsize::new(0);

/// Stands in for a remote pricing service: slow, and counted.
#[ttl_cached(ttl = "5m", max_size = 1000)]
fn price(sku: &str, qty: u32) -> u64 {
    PRICE_LOOKUPS.fetch_add(1, Ordering::Relaxed);
    thread::sleep(Duration::from_millis(2));
    sku.bytes().map(u64::from).sum::<u64>() * u64::from(qty)
}

/// Recursion goes through the cache: each `n` is computed once.
#[ttl_cached]
fn fib(n: u64) -> u128 {
    if n < 2 {
        u128::from(n)
    } else {
        fib(n - 1) + fib(n - 2)
    }
}

#[derive(Clone, Debug)]
struct NotFound(String);

/// Only `Ok` is cached: a missing config key is looked up again next time.
#[ttl_cached(ttl = 30, name = "config")]
fn config_value(key: &str) -> Result<String, NotFound> {
    match key {
        "region" => Ok("eu-west".to_string()),
        "replicas" => Ok("3".to_string()),
        other => Err(NotFound(other.to_string())),
    }
}

fn main() {
    // 4 threads ask for 1,000 prices among 20 popular (sku, qty) pairs: each pair is looked
    // up once, even when several threads miss it at the same moment.
    let started = Instant::now();
    thread::scope(|scope| {
        for t in 0..4u32 {
            scope.spawn(move || {
                for i in 0..250u32 {
                    let sku = format!("sku-{}", (i + t) % 10);
                    price(&sku, 1 + i % 2);
                }
            });
        }
    });
    println!(
        "1,000 price calls in {:?}: {} lookups reached the service",
        started.elapsed(),
        PRICE_LOOKUPS.load(Ordering::Relaxed)
    );

    let started = Instant::now();
    println!("fib(150) = {} in {:?}", fib(150), started.elapsed());

    for key in ["region", "missing", "region", "missing"] {
        match config_value(key) {
            Ok(value) => println!("config_value({key:?}) = {value:?}"),
            Err(NotFound(missing)) => println!("config_value({key:?}): no key {missing:?}"),
        }
    }
    let config = config_value_cache().stats();
    println!(
        "config cache: {} entry, {} misses (the missing key is asked for every time)",
        config.size, config.misses
    );

    // The companions.
    println!(
        "price_uncached bypasses the cache: {}",
        price_uncached("sku-1", 1)
    );
    println!(
        "price_invalidate(\"sku-1\", 1) dropped an entry: {}",
        price_invalidate("sku-1", 1)
    );
    let stats = price_cache().stats();
    println!(
        "price cache: {} entries, {} hits, {} misses, hit rate {:.1}%",
        stats.size,
        stats.hits,
        stats.misses,
        stats.hit_rate * 100.0
    );

    // Every memoized function's cache is registered under its name.
    println!("\nregistry:");
    for (name, stats) in registry().stats().caches {
        println!(
            "  {name:<32} size {:>4}  hits {:>4}  misses {:>4}",
            stats.size, stats.hits, stats.misses
        );
    }
}
