//! Stress with real threads: mixed operations on a shared cache, bounded in operations and
//! time, then the invariants a user relies on. Every value encodes its key, so a foreign or
//! torn value is caught wherever it surfaces.

mod common;

use cachekit::{MockClock, TtlCache};
use common::watchdog;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Barrier;
use std::time::Duration;

const THREADS: usize = 4;
const OPS_PER_THREAD: u64 = 40_000;
const KEYS: u64 = 512;
const MAX_SIZE: usize = 100;

fn value_for(key: u64, version: u64) -> u64 {
    key * 1_000_000 + version
}

fn key_of(value: u64) -> u64 {
    value / 1_000_000
}

#[test]
fn mixed_operations_keep_values_bounds_and_counts_true() {
    watchdog(|| {
        let clock = MockClock::new();
        let cache = TtlCache::<u64, u64>::builder()
            .max_size(MAX_SIZE)
            .ttl(Duration::from_millis(50))
            .cleanup_interval(Duration::from_millis(20))
            .clock(clock.clone())
            .build();
        let lookups = AtomicU64::new(0);
        let loads = AtomicU64::new(0);
        let barrier = Barrier::new(THREADS);
        std::thread::scope(|scope| {
            for thread in 0..THREADS as u64 {
                let (cache, clock, lookups, loads, barrier) =
                    (&cache, &clock, &lookups, &loads, &barrier);
                scope.spawn(move || {
                    barrier.wait();
                    let mut state = thread.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1;
                    for op in 0..OPS_PER_THREAD {
                        // xorshift: cheap, deterministic per thread.
                        state ^= state << 13;
                        state ^= state >> 7;
                        state ^= state << 17;
                        let key = state % KEYS;
                        match state >> 60 {
                            0..=5 => {
                                lookups.fetch_add(1, Ordering::Relaxed);
                                if let Some(v) = cache.get(&key) {
                                    assert_eq!(key_of(v), key, "get({key}) returned {v}");
                                }
                            }
                            6..=9 => cache.insert(key, value_for(key, op)),
                            10 => cache.insert_with_ttl(
                                key,
                                value_for(key, op),
                                Duration::from_millis(5),
                            ),
                            11 => {
                                if let Some(v) = cache.remove(&key) {
                                    assert_eq!(key_of(v), key, "remove({key}) returned {v}");
                                }
                            }
                            12 | 13 => {
                                lookups.fetch_add(1, Ordering::Relaxed);
                                let v = cache.get_or_insert_with(key, || {
                                    loads.fetch_add(1, Ordering::Relaxed);
                                    value_for(key, op)
                                });
                                assert_eq!(key_of(v), key, "get_or_insert_with({key}) gave {v}");
                            }
                            14 => {
                                if op % 64 == 0 {
                                    cache.retain(|k, v| key_of(*v) == *k && k % 7 != 0);
                                } else {
                                    lookups.fetch_add(1, Ordering::Relaxed);
                                    cache.contains_key(&key);
                                }
                            }
                            _ => {
                                if op % 128 == 0 {
                                    clock.advance(Duration::from_millis(3));
                                }
                                if op % 4096 == 0 {
                                    cache.cleanup_expired();
                                }
                            }
                        }
                    }
                });
            }
        });
        assert!(
            cache.len() <= MAX_SIZE,
            "len {} > max_size {MAX_SIZE}",
            cache.len()
        );
        let stats = cache.stats();
        assert_eq!(stats.hits + stats.misses, lookups.load(Ordering::Relaxed));
        assert!(stats.size <= MAX_SIZE && stats.total_weight as usize == stats.size);
        assert!(loads.load(Ordering::Relaxed) > 0 && stats.evictions > 0);
        assert_survivors_true_then_all_expire(&cache, &clock, KEYS);
    });
}

/// After a stress run: whatever survived is each key's own value, and once everything has
/// expired a cleanup leaves nothing, with the policy's bookkeeping back at zero.
fn assert_survivors_true_then_all_expire(cache: &TtlCache<u64, u64>, clock: &MockClock, keys: u64) {
    for key in 0..keys {
        if let Some(v) = cache.get(&key) {
            assert_eq!(key_of(v), key);
        }
    }
    clock.advance(Duration::from_secs(1));
    cache.cleanup_expired();
    assert!(
        cache.is_empty(),
        "{} entries left after everything expired",
        cache.len()
    );
    assert_eq!(cache.stats().total_weight, 0);
}

#[test]
fn concurrent_inserts_of_distinct_keys_never_exceed_the_bound_once_returned() {
    watchdog(|| {
        let cache = TtlCache::<u64, u64>::new(1000, Duration::from_secs(60));
        let barrier = Barrier::new(THREADS);
        std::thread::scope(|scope| {
            for thread in 0..THREADS as u64 {
                let (cache, barrier) = (&cache, &barrier);
                scope.spawn(move || {
                    barrier.wait();
                    for i in 0..50_000u64 {
                        let key = i * THREADS as u64 + thread;
                        cache.insert(key, value_for(key, 0));
                    }
                });
            }
        });
        assert!(cache.len() <= 1000);
        assert_eq!(cache.stats().total_weight as usize, cache.len());
    });
}

/// Each segment's policy state is guarded by its first map shard's lock rather than a lock of
/// its own (see `SegmentCell` in cache-core). Every way in (inserts, removals, expired reads,
/// `retain`, `stats`, `clear`, `set_max_size`, sweeps) runs here at once on a cache of
/// several segments, and the policy's bookkeeping must still agree with the map afterwards.
#[test]
fn every_segment_entry_point_at_once_keeps_bookkeeping_and_values_true() {
    watchdog(|| {
        const BIG: usize = 8192;
        let clock = MockClock::new();
        let cache = TtlCache::<u64, u64>::builder()
            .max_size(BIG)
            .ttl(Duration::from_millis(40))
            .cleanup_interval(Duration::from_millis(10))
            .clock(clock.clone())
            .build();
        let barrier = Barrier::new(THREADS);
        std::thread::scope(|scope| {
            for thread in 0..THREADS as u64 {
                let (cache, clock, barrier) = (&cache, &clock, &barrier);
                scope.spawn(move || {
                    barrier.wait();
                    let mut state = (thread + 7).wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1;
                    for op in 0..OPS_PER_THREAD {
                        state ^= state << 13;
                        state ^= state >> 7;
                        state ^= state << 17;
                        let key = state % (4 * BIG as u64);
                        match state >> 59 {
                            0..=11 => cache.insert(key, value_for(key, op)),
                            12..=19 => {
                                if let Some(v) = cache.get(&key) {
                                    assert_eq!(key_of(v), key, "get({key}) returned {v}");
                                }
                            }
                            20..=23 => {
                                if let Some(v) = cache.remove(&key) {
                                    assert_eq!(key_of(v), key, "remove({key}) returned {v}");
                                }
                            }
                            24 | 25 => clock.advance(Duration::from_millis(1)),
                            26 => {
                                let stats = cache.stats();
                                assert!(stats.total_weight as usize <= BIG + 8 * THREADS);
                            }
                            27 if op % 16 == 0 => cache.retain(|k, v| key_of(*v) == *k),
                            28 if op % 256 == 0 => cache.clear(),
                            29 if op % 64 == 0 => {
                                cache.set_max_size(if op % 128 == 0 { BIG / 4 } else { BIG });
                            }
                            30 if op % 64 == 0 => {
                                cache.cleanup_expired();
                            }
                            _ => {
                                cache.contains_key(&key);
                            }
                        }
                    }
                });
            }
        });
        cache.set_max_size(BIG);
        let stats = cache.stats();
        assert!(stats.size <= BIG, "len {} > max_size {BIG}", stats.size);
        assert_eq!(stats.total_weight as usize, stats.size);
        assert_survivors_true_then_all_expire(&cache, &clock, 4 * BIG as u64);
    });
}
