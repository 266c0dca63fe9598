//! `CacheStats`: hit/miss accounting, hit rate, inserts and the size/capacity fields.

use cachekit::{CacheStats, MockClock, TtlCache};
use std::time::Duration;

fn cache(max_size: usize) -> TtlCache<String, u64> {
    TtlCache::new(max_size, Duration::from_secs(60))
}

fn assert_hit_rate_consistent(s: &CacheStats) {
    assert!(
        (0.0..=1.0).contains(&s.hit_rate),
        "hit_rate {} outside 0..=1",
        s.hit_rate
    );
    let total = s.hits + s.misses;
    let expected = if total == 0 {
        0.0
    } else {
        s.hits as f64 / total as f64
    };
    assert!(
        (s.hit_rate - expected).abs() < 1e-9,
        "hit_rate {} != hits/(hits+misses) = {}",
        s.hit_rate,
        expected
    );
}

#[test]
fn fresh_cache_has_zeroed_counters_and_zero_hit_rate() {
    let c = cache(10);
    let s = c.stats();
    assert_eq!(s.hits, 0);
    assert_eq!(s.misses, 0);
    assert_eq!(s.inserts, 0);
    assert_eq!(s.evictions, 0);
    assert_eq!(s.expirations, 0);
    assert_eq!(s.size, 0);
    assert_eq!(s.expired_entries, 0);
    assert_eq!(
        s.hit_rate, 0.0,
        "no lookups yet: hit_rate must be 0, not NaN"
    );
    assert_eq!(s.utilization_percent, 0.0);
}

#[test]
fn hits_plus_misses_equals_lookups_for_get_contains_key_and_get_many() {
    let c = cache(100);
    c.insert("a".to_string(), 1);
    c.insert("b".to_string(), 2);

    assert_eq!(c.get("a"), Some(1)); // hit
    assert_eq!(c.get("x"), None); // miss
    assert!(c.contains_key("b")); // hit
    assert!(!c.contains_key("y")); // miss
    let many = c.get_many(&[
        "a".to_string(),
        "z".to_string(),
        "b".to_string(),
        "w".to_string(),
    ]);
    assert_eq!(many, vec![Some(1), None, Some(2), None]); // 2 hits, 2 misses

    let s = c.stats();
    assert_eq!(s.hits, 4);
    assert_eq!(s.misses, 4);
    assert_eq!(s.hits + s.misses, 8, "one count per key lookup");
    assert_hit_rate_consistent(&s);
}

#[test]
fn get_or_insert_with_counts_its_initial_lookup_once() {
    let c = cache(100);
    c.get_or_insert_with("k".to_string(), || 1); // miss, loads
    let s = c.stats();
    assert_eq!((s.hits, s.misses), (0, 1));
    c.get_or_insert_with("k".to_string(), || 2); // hit
    let s = c.stats();
    assert_eq!((s.hits, s.misses), (1, 1));
    let _ = c.try_get_or_insert_with("k".to_string(), || Ok::<u64, ()>(3)); // hit
    let _ = c.try_get_or_insert_with("j".to_string(), || Ok::<u64, ()>(3)); // miss
    let s = c.stats();
    assert_eq!((s.hits, s.misses), (2, 2));
    assert_hit_rate_consistent(&s);
}

#[test]
fn hit_rate_matches_mixed_workload() {
    let c = cache(100);
    for i in 0..10u64 {
        c.insert(format!("k{i}"), i);
    }
    let mut lookups = 0u64;
    let mut expected_hits = 0u64;
    for i in 0..30u64 {
        let got = c.get(format!("k{i}").as_str());
        lookups += 1;
        if got.is_some() {
            expected_hits += 1;
        }
    }
    let s = c.stats();
    assert_eq!(expected_hits, 10);
    assert_eq!(s.hits, expected_hits);
    assert_eq!(s.hits + s.misses, lookups);
    assert!((s.hit_rate - 10.0 / 30.0).abs() < 1e-9);
    assert_hit_rate_consistent(&s);
}

#[test]
fn inserts_are_counted() {
    let c = cache(100);
    for i in 0..25u64 {
        c.insert(format!("k{i}"), i);
    }
    assert_eq!(c.stats().inserts, 25);
    c.insert("k0".to_string(), 100); // overwrite is still an insert call
    assert_eq!(c.stats().inserts, 26);
}

#[test]
fn size_max_size_ttl_and_utilization_are_consistent() {
    let c = cache(100);
    for i in 0..25u64 {
        c.insert(format!("k{i}"), i);
    }
    let s = c.stats();
    assert_eq!(s.size, 25);
    assert_eq!(s.size, c.len());
    assert_eq!(s.max_size, 100);
    assert_eq!(s.ttl, Duration::from_secs(60));
    assert!(
        (s.utilization_percent - 25.0).abs() < 1e-9,
        "utilization_percent {} != 25.0",
        s.utilization_percent
    );
    assert_eq!(s.max_weight, None);

    for i in 25..100u64 {
        c.insert(format!("k{i}"), i);
    }
    let s = c.stats();
    assert_eq!(s.size, 100);
    assert!((s.utilization_percent - 100.0).abs() < 1e-9);
}

#[test]
fn utilization_never_exceeds_100_percent_under_eviction() {
    let c = cache(10);
    for i in 0..100u64 {
        c.insert(format!("k{i}"), i);
        let s = c.stats();
        assert!(s.size <= s.max_size);
        assert!(
            (0.0..=100.0).contains(&s.utilization_percent),
            "utilization_percent {}",
            s.utilization_percent
        );
    }
}

#[test]
fn stats_expired_entries_and_size_with_mock_clock() {
    let clock = MockClock::new();
    let c = TtlCache::<String, u64>::builder()
        .max_size(100)
        .ttl(Duration::from_secs(60))
        .clock(clock.clone())
        .build();
    c.insert_with_ttl("s1".to_string(), 1, Duration::from_secs(1));
    c.insert_with_ttl("s2".to_string(), 2, Duration::from_secs(1));
    c.insert("l1".to_string(), 3);
    clock.advance(Duration::from_secs(2));
    let s = c.stats();
    assert_eq!(
        s.expired_entries, 2,
        "two entries are expired but not yet removed"
    );
    assert_eq!(s.size, c.len());
    c.cleanup_expired();
    let s = c.stats();
    assert_eq!(s.expired_entries, 0);
    assert_eq!(s.size, 1);
}

#[test]
fn clear_keeps_stats_consistent() {
    let c = cache(100);
    c.insert("a".to_string(), 1);
    c.get("a");
    c.clear();
    let s = c.stats();
    assert_eq!(s.size, 0);
    assert_eq!(s.utilization_percent, 0.0);
    assert_hit_rate_consistent(&s);
}
