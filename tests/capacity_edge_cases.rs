//! Degenerate configurations: max_size 0, ttl zero, and a huge max_size (usize::MAX).
//! Kept in its own test binary: a huge pre-allocation could abort the whole process.

mod common;

use cachekit::TtlCache;
use common::{block_on, rss_kib, watchdog};
use std::time::{Duration, Instant};

/// Exercises every operation on a cache that must store nothing.
fn assert_stores_nothing(cache: &TtlCache<String, u64>) {
    cache.insert("a".to_string(), 1);
    cache.insert_with_ttl("b".to_string(), 2, Duration::from_secs(60));
    cache.insert_many(vec![("c".to_string(), 3), ("d".to_string(), 4)]);
    assert_eq!(cache.len(), 0);
    assert!(cache.is_empty());
    assert_eq!(cache.get("a"), None);
    assert_eq!(cache.get("b"), None);
    assert!(!cache.contains_key("c"));
    assert_eq!(
        cache.get_many(&["c".to_string(), "d".to_string()]),
        vec![None, None]
    );
    assert_eq!(cache.remove("a"), None);

    // Loaders still return their value to the caller, but nothing is cached, so each call loads.
    let mut calls = 0;
    assert_eq!(
        cache.get_or_insert_with("e".to_string(), || {
            calls += 1;
            5
        }),
        5
    );
    assert_eq!(
        cache.get_or_insert_with("e".to_string(), || {
            calls += 1;
            6
        }),
        6
    );
    assert_eq!(calls, 2);
    assert_eq!(
        cache.try_get_or_insert_with("f".to_string(), || Ok::<u64, ()>(7)),
        Ok(7)
    );
    assert_eq!(
        cache.try_get_or_insert_with("f".to_string(), || Err::<u64, ()>(())),
        Err(())
    );
    assert_eq!(
        block_on(cache.get_or_insert_with_async("g".to_string(), async { 8 })),
        8
    );
    assert_eq!(
        block_on(cache.try_get_or_insert_with_async("h".to_string(), async { Ok::<u64, ()>(9) })),
        Ok(9)
    );
    assert_eq!(cache.get("e"), None);
    assert_eq!(cache.get("g"), None);

    cache.retain(|_, _| true);
    assert_eq!(cache.cleanup_expired(), 0);
    cache.clear();
    assert_eq!(cache.len(), 0);

    let s = cache.stats();
    assert_eq!(s.size, 0);
    assert_eq!(s.hits, 0, "every lookup must miss");
    assert!(s.misses > 0);
    assert!((0.0..=1.0).contains(&s.hit_rate));
    assert!(
        s.utilization_percent.is_finite(),
        "utilization_percent must be a number, got {}",
        s.utilization_percent
    );
}

#[test]
fn max_size_zero_stores_nothing_and_never_panics() {
    watchdog(|| {
        let cache: TtlCache<String, u64> = TtlCache::new(0, Duration::from_secs(60));
        assert_stores_nothing(&cache);
        assert_eq!(cache.stats().max_size, 0);
    });
}

#[test]
fn max_size_zero_via_builder_stores_nothing() {
    watchdog(|| {
        let cache = TtlCache::<String, u64>::builder().max_size(0).build();
        assert_stores_nothing(&cache);
    });
}

#[test]
fn ttl_zero_stores_nothing_and_never_panics() {
    watchdog(|| {
        let cache: TtlCache<String, u64> = TtlCache::new(100, Duration::ZERO);
        // insert_with_ttl with a positive ttl is a per-key override: exercise the default path.
        cache.insert("a".to_string(), 1);
        assert_eq!(cache.get("a"), None);
        assert!(!cache.contains_key("a"));
        assert_eq!(cache.len(), 0);
        let mut calls = 0;
        cache.get_or_insert_with("e".to_string(), || {
            calls += 1;
            5
        });
        cache.get_or_insert_with("e".to_string(), || {
            calls += 1;
            5
        });
        assert_eq!(
            calls, 2,
            "ttl zero: every lookup misses, so the loader runs each time"
        );
        assert_eq!(
            block_on(cache.get_or_insert_with_async("g".to_string(), async { 8 })),
            8
        );
        cache.insert_many(vec![("c".to_string(), 3)]);
        assert_eq!(cache.get_many(&["c".to_string()]), vec![None]);
        assert_eq!(cache.stats().hits, 0);
        assert_eq!(cache.stats().ttl, Duration::ZERO);
        let _ = cache.cleanup_expired();
        cache.clear();
        assert!(cache.is_empty());
    });
}

#[test]
fn huge_max_size_does_not_preallocate() {
    watchdog(|| {
        let rss_before = rss_kib();
        let start = Instant::now();
        let cache: TtlCache<u64, u64> = TtlCache::new(usize::MAX, Duration::from_secs(60));
        let built_in = start.elapsed();
        for i in 0..100u64 {
            cache.insert(i, i * 2);
        }
        for i in 0..100u64 {
            assert_eq!(cache.get(&i), Some(i * 2));
        }
        assert_eq!(cache.len(), 100);
        let elapsed = start.elapsed();
        assert!(
            elapsed < Duration::from_secs(2),
            "building a usize::MAX cache and inserting 100 keys took {elapsed:?} (build: {built_in:?})"
        );
        if let (Some(before), Some(after)) = (rss_before, rss_kib()) {
            let grown_mib = after.saturating_sub(before) / 1024;
            assert!(grown_mib < 256, "resident memory grew by {grown_mib} MiB");
        }
        let s = cache.stats();
        assert_eq!(s.max_size, usize::MAX);
        assert!(s.utilization_percent.is_finite() && s.utilization_percent >= 0.0);
        drop(cache);
    });
}

#[test]
fn huge_max_size_via_builder_does_not_preallocate() {
    watchdog(|| {
        let start = Instant::now();
        let cache = TtlCache::<String, u64>::builder()
            .max_size(usize::MAX)
            .ttl(Duration::MAX)
            .build();
        for i in 0..100u64 {
            cache.insert(format!("k{i}"), i);
        }
        assert_eq!(cache.get("k42"), Some(42));
        assert_eq!(cache.len(), 100);
        assert!(
            start.elapsed() < Duration::from_secs(2),
            "took {:?}",
            start.elapsed()
        );
    });
}
