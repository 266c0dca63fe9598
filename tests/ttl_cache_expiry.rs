//! Time-to-live behaviour, driven entirely by `MockClock` (no sleeping).

use cachekit::{MockClock, TtlCache};
use std::time::Duration;

const MICRO: Duration = Duration::from_micros(1);

fn cache_with_clock(ttl: Duration) -> (TtlCache<String, u64>, MockClock) {
    let clock = MockClock::new();
    let cache = TtlCache::<String, u64>::builder()
        .max_size(1000)
        .ttl(ttl)
        .clock(clock.clone())
        .build();
    (cache, clock)
}

#[test]
fn contract_example_entry_expires_after_default_ttl() {
    let clock = MockClock::new();
    let cache = TtlCache::<u64, u64>::builder()
        .ttl(Duration::from_secs(60))
        .clock(clock.clone())
        .build();
    cache.insert(1, 1);
    assert_eq!(cache.get(&1), Some(1));
    clock.advance(Duration::from_secs(61));
    assert_eq!(cache.get(&1), None);
}

#[test]
fn default_ttl_entry_is_live_just_before_deadline_and_gone_at_it() {
    let ttl = Duration::from_secs(30);
    let (cache, clock) = cache_with_clock(ttl);
    cache.insert("a".to_string(), 1);
    clock.advance(ttl - MICRO);
    assert_eq!(
        cache.get("a"),
        Some(1),
        "entry must be live 1µs before its deadline"
    );
    assert!(cache.contains_key("a"));
    clock.advance(MICRO);
    assert_eq!(
        cache.get("a"),
        None,
        "entry must be expired exactly at its deadline"
    );
    assert!(!cache.contains_key("a"));
}

#[test]
fn insert_with_ttl_entry_is_live_just_before_deadline_and_gone_at_it() {
    let (cache, clock) = cache_with_clock(Duration::from_secs(3600));
    let ttl = Duration::from_secs(5);
    cache.insert_with_ttl("b".to_string(), 2, ttl);
    clock.advance(ttl - MICRO);
    assert_eq!(cache.get("b"), Some(2));
    clock.advance(MICRO);
    assert_eq!(cache.get("b"), None);
}

#[test]
fn contains_key_is_false_for_expired_entry() {
    let (cache, clock) = cache_with_clock(Duration::from_secs(10));
    cache.insert("a".to_string(), 1);
    clock.advance(Duration::from_secs(10));
    // contains_key first, before any get could drop the entry lazily.
    assert!(!cache.contains_key("a"));
    assert_eq!(cache.get("a"), None);
}

#[test]
fn per_key_ttl_shorter_than_default_expires_first() {
    let (cache, clock) = cache_with_clock(Duration::from_secs(60));
    cache.insert("long".to_string(), 1);
    cache.insert_with_ttl("short".to_string(), 2, Duration::from_secs(5));
    clock.advance(Duration::from_secs(6));
    assert_eq!(cache.get("short"), None);
    assert_eq!(cache.get("long"), Some(1));
}

#[test]
fn per_key_ttl_longer_than_default_outlives_default_entries() {
    let (cache, clock) = cache_with_clock(Duration::from_secs(60));
    cache.insert("default".to_string(), 1);
    cache.insert_with_ttl("long".to_string(), 2, Duration::from_secs(120));
    clock.advance(Duration::from_secs(100));
    assert_eq!(cache.get("default"), None);
    assert_eq!(cache.get("long"), Some(2));
    clock.advance(Duration::from_secs(20));
    assert_eq!(cache.get("long"), None);
}

#[test]
fn reinserting_a_key_restarts_its_ttl() {
    let (cache, clock) = cache_with_clock(Duration::from_secs(10));
    cache.insert("a".to_string(), 1);
    clock.advance(Duration::from_secs(8));
    cache.insert("a".to_string(), 2);
    clock.advance(Duration::from_secs(8));
    assert_eq!(
        cache.get("a"),
        Some(2),
        "16s after first insert but 8s after the re-insert"
    );
    clock.advance(Duration::from_secs(2));
    assert_eq!(cache.get("a"), None);
}

#[test]
fn expired_entry_can_be_inserted_again() {
    let (cache, clock) = cache_with_clock(Duration::from_secs(10));
    cache.insert("a".to_string(), 1);
    clock.advance(Duration::from_secs(11));
    assert_eq!(cache.get("a"), None);
    cache.insert("a".to_string(), 2);
    assert_eq!(cache.get("a"), Some(2));
}

#[test]
fn expired_lookups_count_as_misses_not_hits() {
    let (cache, clock) = cache_with_clock(Duration::from_secs(10));
    cache.insert("a".to_string(), 1);
    clock.advance(Duration::from_secs(10));
    assert_eq!(cache.get("a"), None);
    assert!(!cache.contains_key("a"));
    let many = cache.get_many(&["a".to_string()]);
    assert_eq!(many, vec![None]);
    let s = cache.stats();
    assert_eq!(s.hits, 0, "expired entries must never be counted as hits");
    assert_eq!(s.misses, 3);
}

#[test]
fn get_many_does_not_return_expired_entries() {
    let (cache, clock) = cache_with_clock(Duration::from_secs(60));
    cache.insert("live".to_string(), 1);
    cache.insert_with_ttl("dead".to_string(), 2, Duration::from_secs(1));
    clock.advance(Duration::from_secs(2));
    let got = cache.get_many(&["dead".to_string(), "live".to_string()]);
    assert_eq!(got, vec![None, Some(1)]);
}

#[test]
fn remove_does_not_return_an_expired_value() {
    let (cache, clock) = cache_with_clock(Duration::from_secs(10));
    cache.insert("a".to_string(), 1);
    clock.advance(Duration::from_secs(10));
    assert_eq!(cache.remove("a"), None);
}

#[test]
fn get_or_insert_with_reloads_after_expiry() {
    let (cache, clock) = cache_with_clock(Duration::from_secs(10));
    assert_eq!(cache.get_or_insert_with("a".to_string(), || 1), 1);
    clock.advance(Duration::from_secs(5));
    assert_eq!(
        cache.get_or_insert_with("a".to_string(), || 2),
        1,
        "still fresh: loader must not run"
    );
    clock.advance(Duration::from_secs(5));
    assert_eq!(
        cache.get_or_insert_with("a".to_string(), || 3),
        3,
        "expired: loader must run again"
    );
    assert_eq!(cache.get("a"), Some(3));
}

#[test]
fn cleanup_expired_removes_exactly_the_expired_entries() {
    let (cache, clock) = cache_with_clock(Duration::from_secs(60));
    for i in 0..3u64 {
        cache.insert_with_ttl(format!("short{i}"), i, Duration::from_secs(5));
    }
    for i in 0..2u64 {
        cache.insert(format!("long{i}"), i);
    }
    clock.advance(Duration::from_secs(6));
    let len_before = cache.len();
    let removed: usize = cache.cleanup_expired();
    let len_after = cache.len();
    assert_eq!(removed, 3, "three short-ttl entries had expired");
    assert_eq!(len_after, 2, "the two live entries remain");
    assert_eq!(
        len_before - len_after,
        removed,
        "len must drop by the number removed"
    );
    assert_eq!(cache.get("long0"), Some(0));
    assert_eq!(cache.get("long1"), Some(1));
    assert_eq!(cache.cleanup_expired(), 0, "a second sweep finds nothing");
    assert_eq!(cache.len(), 2);
}

#[test]
fn cleanup_expired_on_fresh_cache_removes_nothing() {
    let (cache, _clock) = cache_with_clock(Duration::from_secs(60));
    cache.insert("a".to_string(), 1);
    assert_eq!(cache.cleanup_expired(), 0);
    assert_eq!(cache.len(), 1);
}

#[test]
fn stats_expired_entries_counts_expired_but_not_yet_removed() {
    let (cache, clock) = cache_with_clock(Duration::from_secs(60));
    for i in 0..3u64 {
        cache.insert_with_ttl(format!("short{i}"), i, Duration::from_secs(5));
    }
    cache.insert("long0".to_string(), 0);
    cache.insert("long1".to_string(), 1);
    assert_eq!(cache.stats().expired_entries, 0);
    clock.advance(Duration::from_secs(6));
    assert_eq!(cache.stats().expired_entries, 3);
    assert_eq!(cache.cleanup_expired(), 3);
    assert_eq!(cache.stats().expired_entries, 0);
}

#[test]
fn amortized_cleanup_on_insert_removes_expired_entries_after_interval() {
    let clock = MockClock::new();
    let cache = TtlCache::<String, u64>::builder()
        .max_size(1000)
        .ttl(Duration::from_secs(3600))
        .cleanup_interval(Duration::from_secs(1))
        .clock(clock.clone())
        .build();
    for i in 0..5u64 {
        cache.insert_with_ttl(format!("short{i}"), i, Duration::from_millis(500));
    }
    cache.insert("long0".to_string(), 0);
    cache.insert("long1".to_string(), 1);
    // Past both the entries' ttl and the cleanup interval.
    clock.advance(Duration::from_secs(3));
    // No lookups: only the insert's amortized sweep can remove the expired entries.
    cache.insert("trigger".to_string(), 42);
    assert_eq!(
        cache.len(),
        3,
        "after the cleanup interval an insert must sweep the 5 expired entries (2 long + trigger remain)"
    );
    assert_eq!(cache.stats().expired_entries, 0);
    assert_eq!(cache.get("trigger"), Some(42));
    assert_eq!(cache.get("long0"), Some(0));
}

#[test]
fn duration_max_ttl_never_expires() {
    let clock = MockClock::new();
    let cache = TtlCache::<String, u64>::builder()
        .max_size(100)
        .ttl(Duration::MAX)
        .clock(clock.clone())
        .build();
    assert_eq!(cache.stats().ttl, Duration::MAX);
    cache.insert("forever".to_string(), 1);
    let hundred_years = Duration::from_secs(100 * 365 * 24 * 3600);
    clock.advance(hundred_years);
    assert_eq!(cache.get("forever"), Some(1));
    assert!(cache.contains_key("forever"));
    assert_eq!(cache.cleanup_expired(), 0);
    assert_eq!(cache.stats().expired_entries, 0);
    // Inserting with Duration::MAX after the clock moved far must not overflow either.
    cache.insert("later".to_string(), 2);
    clock.advance(hundred_years);
    assert_eq!(cache.get("forever"), Some(1));
    assert_eq!(cache.get("later"), Some(2));
}

#[test]
fn insert_with_ttl_duration_max_never_expires() {
    let (cache, clock) = cache_with_clock(Duration::from_secs(60));
    cache.insert_with_ttl("forever".to_string(), 1, Duration::MAX);
    cache.insert("normal".to_string(), 2);
    clock.advance(Duration::from_secs(10 * 365 * 24 * 3600));
    assert_eq!(cache.get("forever"), Some(1));
    assert_eq!(cache.get("normal"), None);
}

#[test]
fn insert_with_zero_ttl_is_never_visible() {
    let (cache, _clock) = cache_with_clock(Duration::from_secs(60));
    cache.insert_with_ttl("zero".to_string(), 1, Duration::ZERO);
    assert_eq!(cache.get("zero"), None);
    assert!(!cache.contains_key("zero"));
}

#[test]
fn mock_clock_clones_share_time() {
    let clock = MockClock::new();
    let other = clock.clone();
    let cache = TtlCache::<String, u64>::builder()
        .ttl(Duration::from_secs(10))
        .clock(clock.clone())
        .build();
    cache.insert("a".to_string(), 1);
    other.advance(Duration::from_secs(10)); // advancing a different clone
    assert_eq!(cache.get("a"), None);
}
