//! Thread-safety guarantees: the cache is Send + Sync, shareable via Arc, and keeps its bound
//! and its values correct under concurrent use.

mod common;

use cachekit::{CacheStats, MockClock, TtlCache};
use common::watchdog;
use std::sync::{Arc, Barrier};
use std::thread;
use std::time::Duration;

fn assert_send_sync<T: Send + Sync + 'static>() {}
fn assert_send<T: Send + 'static>() {}

#[test]
fn cache_types_are_send_and_sync() {
    assert_send_sync::<TtlCache<String, u64>>();
    assert_send_sync::<TtlCache<u64, Vec<String>>>();
    assert_send_sync::<Arc<TtlCache<String, Arc<str>>>>();
    assert_send_sync::<MockClock>();
    assert_send::<CacheStats>();
}

#[test]
fn arc_shared_cache_sees_inserts_from_other_threads() {
    watchdog(|| {
        let cache: Arc<TtlCache<u64, u64>> =
            Arc::new(TtlCache::new(10_000, Duration::from_secs(3600)));
        let handles: Vec<_> = (0..4u64)
            .map(|t| {
                let cache = Arc::clone(&cache);
                thread::spawn(move || {
                    for i in 0..500u64 {
                        cache.insert(t * 1_000_000 + i, i);
                    }
                })
            })
            .collect();
        for h in handles {
            h.join().unwrap();
        }
        assert_eq!(cache.len(), 2000);
        for t in 0..4u64 {
            for i in 0..500u64 {
                assert_eq!(cache.get(&(t * 1_000_000 + i)), Some(i));
            }
        }
    });
}

#[test]
fn concurrent_inserts_leave_cache_within_max_size() {
    watchdog(|| {
        let max_size = 100;
        let cache: TtlCache<u64, u64> = TtlCache::new(max_size, Duration::from_secs(3600));
        let barrier = Barrier::new(8);
        thread::scope(|s| {
            for t in 0..8u64 {
                let (cache, barrier) = (&cache, &barrier);
                s.spawn(move || {
                    barrier.wait();
                    for i in 0..2000u64 {
                        let k = t * 1_000_000 + i;
                        cache.insert(k, k);
                        let _ = cache.get(&(t * 1_000_000 + i / 2));
                    }
                });
            }
        });
        assert!(
            cache.len() <= max_size,
            "after all inserting threads finished, len {} > max_size {}",
            cache.len(),
            max_size
        );
        assert!(cache.stats().size <= max_size);
    });
}

#[test]
fn concurrent_readers_never_see_wrong_values() {
    watchdog(|| {
        let cache: TtlCache<u64, u64> = TtlCache::new(64, Duration::from_secs(3600));
        let barrier = Barrier::new(6);
        thread::scope(|s| {
            for t in 0..6u64 {
                let (cache, barrier) = (&cache, &barrier);
                s.spawn(move || {
                    barrier.wait();
                    for i in 0..3000u64 {
                        let k = (i * 7 + t) % 500;
                        if i % 3 == 0 {
                            cache.insert(k, k * 10);
                        } else if let Some(v) = cache.get(&k) {
                            assert_eq!(v, k * 10, "key {k} returned a value of another key");
                        }
                        if i % 250 == 0 {
                            let _ = cache.stats();
                            let _ = cache.cleanup_expired();
                        }
                    }
                });
            }
        });
        assert!(cache.len() <= 64);
    });
}

#[test]
fn concurrent_access_with_shared_mock_clock_expires_for_everyone() {
    watchdog(|| {
        let clock = MockClock::new();
        let cache = TtlCache::<u64, u64>::builder()
            .max_size(1000)
            .ttl(Duration::from_secs(10))
            .clock(clock.clone())
            .build();
        for i in 0..100u64 {
            cache.insert(i, i);
        }
        clock.advance(Duration::from_secs(10));
        thread::scope(|s| {
            for _ in 0..4 {
                let cache = &cache;
                s.spawn(move || {
                    for i in 0..100u64 {
                        assert_eq!(cache.get(&i), None);
                    }
                });
            }
        });
        assert_eq!(cache.stats().hits, 0);
    });
}
