//! Weight-bounded caches: `.weigher(f).max_weight(w)`.

use cachekit::TtlCache;
use std::time::Duration;

fn weighted(max_weight: u64) -> TtlCache<String, String> {
    TtlCache::<String, String>::builder()
        .max_size(10_000)
        .ttl(Duration::from_secs(3600))
        .weigher(|_k, v| v.len() as u64)
        .max_weight(max_weight)
        .build()
}

#[test]
fn max_weight_is_reported_in_stats() {
    let cache = weighted(100);
    let s = cache.stats();
    assert_eq!(s.max_weight, Some(100));
    assert_eq!(s.total_weight, 0);
}

#[test]
fn total_weight_tracks_inserts_overwrites_and_removes() {
    let cache = weighted(1000);
    cache.insert("a".to_string(), "x".repeat(10));
    cache.insert("b".to_string(), "x".repeat(20));
    cache.insert("c".to_string(), "x".repeat(30));
    assert_eq!(cache.stats().total_weight, 60);
    cache.insert("c".to_string(), "x".repeat(5)); // overwrite replaces the old weight
    assert_eq!(cache.stats().total_weight, 35);
    cache.remove("b");
    assert_eq!(cache.stats().total_weight, 15);
    cache.clear();
    assert_eq!(cache.stats().total_weight, 0);
}

#[test]
fn total_weight_never_exceeds_max_weight() {
    let max_weight = 100;
    let cache = weighted(max_weight);
    for i in 0..500u64 {
        let len = 1 + (i * 7 % 30) as usize; // weights 1..=30
        cache.insert(format!("k{i}"), "x".repeat(len));
        let s = cache.stats();
        assert!(
            s.total_weight <= max_weight,
            "total_weight {} > max_weight {} after insert {}",
            s.total_weight,
            max_weight,
            i
        );
    }
    assert!(cache.stats().evictions > 0);
    assert!(!cache.is_empty());
}

#[test]
fn entry_heavier_than_max_weight_is_not_stored() {
    let cache = weighted(100);
    cache.insert("small".to_string(), "x".repeat(10));
    cache.insert("huge".to_string(), "x".repeat(150));
    assert_eq!(cache.get("huge"), None);
    assert!(!cache.contains_key("huge"));
    assert!(cache.stats().total_weight <= 100);
    // get_or_insert_with still returns the loaded value to the caller, it just is not cached.
    let v = cache.get_or_insert_with("huge2".to_string(), || "y".repeat(200));
    assert_eq!(v.len(), 200);
    assert_eq!(cache.get("huge2"), None);
    assert!(cache.stats().total_weight <= 100);
}

#[test]
fn entry_exactly_max_weight_fits() {
    let cache = weighted(100);
    cache.insert("exact".to_string(), "x".repeat(100));
    assert_eq!(cache.get("exact").map(|v| v.len()), Some(100));
    assert_eq!(cache.stats().total_weight, 100);
}

#[test]
fn get_or_insert_with_respects_max_weight() {
    let cache = weighted(50);
    for i in 0..100u64 {
        let v = cache.get_or_insert_with(format!("k{i}"), || "z".repeat(7));
        assert_eq!(v.len(), 7);
        assert!(cache.stats().total_weight <= 50);
    }
}

#[test]
fn utilization_of_a_weighted_cache_is_its_weight_over_max_weight() {
    let cache = TtlCache::<u32, String>::builder()
        .max_size(10)
        .weigher(|_, value: &String| value.len() as u64)
        .max_weight(200)
        .build();
    cache.insert(1, "x".repeat(50));
    let stats = cache.stats();
    assert_eq!(stats.total_weight, 50);
    assert_eq!(stats.utilization_percent, 25.0);
}
