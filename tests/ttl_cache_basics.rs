//! Basic map-like behaviour of `TtlCache`: insert/get/remove/contains_key/len/is_empty/clear,
//! borrowed-key lookups, clone semantics, bulk operations, retain, constructors and defaults.

use cachekit::{TtlCache, DEFAULT_CLEANUP_INTERVAL, DEFAULT_MAX_SIZE, DEFAULT_TTL};
use std::time::Duration;

fn string_cache() -> TtlCache<String, u64> {
    TtlCache::new(100, Duration::from_secs(3600))
}

#[test]
fn new_cache_is_empty() {
    let cache = string_cache();
    assert_eq!(cache.len(), 0);
    assert!(cache.is_empty());
    assert_eq!(cache.get("missing"), None);
    assert!(!cache.contains_key("missing"));
}

#[test]
fn insert_then_get_returns_the_value() {
    let cache = string_cache();
    cache.insert("a".to_string(), 1);
    cache.insert("b".to_string(), 2);
    assert_eq!(cache.get("a"), Some(1));
    assert_eq!(cache.get("b"), Some(2));
    assert_eq!(cache.get("c"), None);
    assert_eq!(cache.len(), 2);
    assert!(!cache.is_empty());
}

#[test]
fn get_accepts_borrowed_str_for_string_keys() {
    let cache = string_cache();
    cache.insert("key".to_string(), 7);
    let borrowed: &str = "key";
    assert_eq!(cache.get(borrowed), Some(7));
    assert!(cache.contains_key(borrowed));
    // An owned String borrowed as &String works as well.
    let owned = String::from("key");
    assert_eq!(cache.get(&owned), Some(7));
    assert_eq!(cache.remove(borrowed), Some(7));
    assert_eq!(cache.get(borrowed), None);
}

#[test]
fn integer_keys_are_looked_up_by_reference() {
    let cache: TtlCache<u64, String> = TtlCache::new(10, Duration::from_secs(60));
    cache.insert(1, "one".to_string());
    assert_eq!(cache.get(&1), Some("one".to_string()));
    assert!(cache.contains_key(&1));
    assert!(!cache.contains_key(&2));
}

#[test]
fn get_returns_an_independent_clone() {
    let cache: TtlCache<String, Vec<u32>> = TtlCache::new(10, Duration::from_secs(60));
    cache.insert("v".to_string(), vec![1, 2, 3]);
    let mut got = cache.get("v").expect("value present");
    got.push(4);
    got[0] = 100;
    assert_eq!(
        cache.get("v"),
        Some(vec![1, 2, 3]),
        "mutating the returned value must not change the cached one"
    );
}

#[test]
fn insert_overwrites_existing_value_without_growing() {
    let cache = string_cache();
    cache.insert("a".to_string(), 1);
    cache.insert("a".to_string(), 2);
    assert_eq!(cache.get("a"), Some(2));
    assert_eq!(cache.len(), 1);
}

#[test]
fn remove_returns_the_value_once() {
    let cache = string_cache();
    cache.insert("a".to_string(), 1);
    cache.insert("b".to_string(), 2);
    assert_eq!(cache.remove("a"), Some(1));
    assert_eq!(cache.remove("a"), None);
    assert_eq!(cache.remove("never-inserted"), None);
    assert_eq!(cache.get("a"), None);
    assert!(!cache.contains_key("a"));
    assert_eq!(cache.get("b"), Some(2));
    assert_eq!(cache.len(), 1);
}

#[test]
fn contains_key_reflects_inserts_and_removes() {
    let cache = string_cache();
    assert!(!cache.contains_key("a"));
    cache.insert("a".to_string(), 1);
    assert!(cache.contains_key("a"));
    cache.remove("a");
    assert!(!cache.contains_key("a"));
}

#[test]
fn clear_removes_everything_and_cache_stays_usable() {
    let cache = string_cache();
    for i in 0..20u64 {
        cache.insert(format!("k{i}"), i);
    }
    assert_eq!(cache.len(), 20);
    cache.clear();
    assert_eq!(cache.len(), 0);
    assert!(cache.is_empty());
    for i in 0..20u64 {
        assert_eq!(cache.get(format!("k{i}").as_str()), None);
    }
    cache.insert("after".to_string(), 1);
    assert_eq!(cache.get("after"), Some(1));
    assert_eq!(cache.len(), 1);
}

#[test]
fn get_many_returns_values_in_request_order_with_none_for_misses() {
    let cache = string_cache();
    cache.insert("a".to_string(), 1);
    cache.insert("c".to_string(), 3);
    let got: Vec<Option<u64>> = cache.get_many(&[
        "a".to_string(),
        "b".to_string(),
        "c".to_string(),
        "a".to_string(),
    ]);
    assert_eq!(got, vec![Some(1), None, Some(3), Some(1)]);
}

#[test]
fn get_many_on_empty_request_returns_empty_vec() {
    let cache = string_cache();
    cache.insert("a".to_string(), 1);
    let none: [String; 0] = [];
    let got: Vec<Option<u64>> = cache.get_many(&none);
    assert!(got.is_empty());
}

#[test]
fn insert_many_stores_every_pair() {
    let cache = string_cache();
    cache.insert_many(vec![
        ("x".to_string(), 1),
        ("y".to_string(), 2),
        ("z".to_string(), 3),
    ]);
    assert_eq!(cache.len(), 3);
    assert_eq!(cache.get("x"), Some(1));
    assert_eq!(cache.get("y"), Some(2));
    assert_eq!(cache.get("z"), Some(3));
    let got = cache.get_many(&["x".to_string(), "y".to_string(), "z".to_string()]);
    assert_eq!(got, vec![Some(1), Some(2), Some(3)]);
}

#[test]
fn insert_many_overwrites_existing_keys() {
    let cache = string_cache();
    cache.insert("x".to_string(), 1);
    cache.insert_many(vec![("x".to_string(), 10), ("y".to_string(), 20)]);
    assert_eq!(cache.get("x"), Some(10));
    assert_eq!(cache.get("y"), Some(20));
    assert_eq!(cache.len(), 2);
}

#[test]
fn retain_keeps_only_entries_matching_the_predicate() {
    let cache = string_cache();
    cache.insert("user:1".to_string(), 1);
    cache.insert("user:2".to_string(), 2);
    cache.insert("session:1".to_string(), 3);
    cache.insert("config".to_string(), 4);
    cache.retain(|k, _| !k.starts_with("user:"));
    assert_eq!(cache.get("user:1"), None);
    assert_eq!(cache.get("user:2"), None);
    assert_eq!(cache.get("session:1"), Some(3));
    assert_eq!(cache.get("config"), Some(4));
    assert_eq!(cache.len(), 2);
}

#[test]
fn retain_can_filter_on_values() {
    let cache = string_cache();
    for i in 0..10u64 {
        cache.insert(format!("k{i}"), i);
    }
    cache.retain(|_, v| *v % 2 == 0);
    assert_eq!(cache.len(), 5);
    for i in 0..10u64 {
        let expected = if i % 2 == 0 { Some(i) } else { None };
        assert_eq!(cache.get(format!("k{i}").as_str()), expected, "key k{i}");
    }
}

#[test]
fn get_or_insert_with_returns_cached_value_without_calling_loader() {
    let cache = string_cache();
    cache.insert("a".to_string(), 1);
    let v = cache.get_or_insert_with("a".to_string(), || {
        panic!("loader must not run for a cached key")
    });
    assert_eq!(v, 1);
}

#[test]
fn get_or_insert_with_caches_the_loaded_value() {
    let cache = string_cache();
    let mut calls = 0;
    let v = cache.get_or_insert_with("c".to_string(), || {
        calls += 1;
        3
    });
    assert_eq!(v, 3);
    assert_eq!(calls, 1);
    assert_eq!(cache.get("c"), Some(3));
    let again = cache.get_or_insert_with("c".to_string(), || 99);
    assert_eq!(again, 3);
}

#[test]
fn try_get_or_insert_with_ok_caches_the_value() {
    let cache = string_cache();
    let r: Result<u64, String> = cache.try_get_or_insert_with("d".to_string(), || Ok(4));
    assert_eq!(r, Ok(4));
    assert_eq!(cache.get("d"), Some(4));
    let r2: Result<u64, String> =
        cache.try_get_or_insert_with("d".to_string(), || Err("must not be called".to_string()));
    assert_eq!(r2, Ok(4));
}

#[test]
fn new_and_builder_configure_max_size_and_ttl() {
    let a: TtlCache<String, u64> = TtlCache::new(1000, Duration::from_secs(3600));
    let s = a.stats();
    assert_eq!(s.max_size, 1000);
    assert_eq!(s.ttl, Duration::from_secs(3600));

    let b = TtlCache::<String, u64>::builder()
        .max_size(42)
        .ttl(Duration::from_secs(1800))
        .build();
    let s = b.stats();
    assert_eq!(s.max_size, 42);
    assert_eq!(s.ttl, Duration::from_secs(1800));
}

#[test]
fn builder_defaults_match_documented_constants() {
    assert_eq!(DEFAULT_MAX_SIZE, 1000);
    assert_eq!(DEFAULT_TTL, Duration::from_secs(3600));
    assert_eq!(DEFAULT_CLEANUP_INTERVAL, Duration::from_secs(300));
    let cache = TtlCache::<String, u64>::builder().build();
    let s = cache.stats();
    assert_eq!(s.max_size, DEFAULT_MAX_SIZE);
    assert_eq!(s.ttl, DEFAULT_TTL);
    assert_eq!(s.max_weight, None);
}
