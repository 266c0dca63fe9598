//! Size bound and eviction policy: the cache never holds more than max_size entries, expired
//! entries are evicted before live ones, and the policy is frequency-aware (not FIFO).

use cachekit::{MockClock, TtlCache};
use std::time::Duration;

#[test]
fn len_never_exceeds_max_size_while_inserting_ten_times_capacity() {
    let max_size = 50;
    let cache: TtlCache<u64, u64> = TtlCache::new(max_size, Duration::from_secs(3600));
    for i in 0..(10 * max_size as u64) {
        cache.insert(i, i);
        assert!(
            cache.len() <= max_size,
            "len {} > max_size {} after inserting key {}",
            cache.len(),
            max_size,
            i
        );
    }
    let s = cache.stats();
    assert!(s.size <= max_size);
    assert!(
        s.evictions > 0,
        "inserting 10x capacity must evict something"
    );
    assert!(!cache.is_empty(), "a full cache must still hold entries");
}

#[test]
fn insert_many_respects_max_size() {
    let max_size = 20;
    let cache: TtlCache<u64, u64> = TtlCache::new(max_size, Duration::from_secs(3600));
    cache.insert_many((0..200u64).map(|i| (i, i)).collect::<Vec<_>>());
    assert!(
        cache.len() <= max_size,
        "len {} > max_size {}",
        cache.len(),
        max_size
    );
}

#[test]
fn get_or_insert_with_respects_max_size() {
    let max_size = 20;
    let cache: TtlCache<u64, u64> = TtlCache::new(max_size, Duration::from_secs(3600));
    for i in 0..200u64 {
        assert_eq!(cache.get_or_insert_with(i, || i * 2), i * 2);
        assert!(
            cache.len() <= max_size,
            "len {} > max_size {}",
            cache.len(),
            max_size
        );
    }
}

#[test]
fn overwriting_a_key_in_a_full_cache_evicts_nothing() {
    let cache: TtlCache<u64, u64> = TtlCache::new(3, Duration::from_secs(3600));
    cache.insert(1, 1);
    cache.insert(2, 2);
    cache.insert(3, 3);
    cache.insert(1, 10);
    assert_eq!(cache.len(), 3);
    assert_eq!(cache.get(&1), Some(10));
    assert_eq!(cache.get(&2), Some(2));
    assert_eq!(cache.get(&3), Some(3));
    assert_eq!(cache.stats().evictions, 0);
}

#[test]
fn expired_entries_are_evicted_before_live_ones() {
    let clock = MockClock::new();
    let max_size = 10;
    let cache = TtlCache::<u64, u64>::builder()
        .max_size(max_size)
        .ttl(Duration::from_secs(3600))
        .clock(clock.clone())
        .build();
    // Fill with short-lived entries, and make them "popular" so a frequency policy would
    // otherwise prefer keeping them.
    for i in 0..max_size as u64 {
        cache.insert_with_ttl(i, i, Duration::from_secs(1));
    }
    for _ in 0..5 {
        for i in 0..max_size as u64 {
            assert_eq!(cache.get(&i), Some(i));
        }
    }
    clock.advance(Duration::from_secs(2));
    // New live entries: every one must be kept, since expired ones can make room.
    for i in 100..100 + max_size as u64 {
        cache.insert(i, i);
    }
    for i in 100..100 + max_size as u64 {
        assert_eq!(
            cache.get(&i),
            Some(i),
            "live key {i} was evicted while expired entries existed"
        );
    }
    assert_eq!(cache.len(), max_size);
}

#[test]
fn entries_replaced_with_a_shorter_ttl_are_evicted_first_once_expired() {
    let clock = MockClock::new();
    let max_size = 100;
    let cache = TtlCache::<u64, u64>::builder()
        .max_size(max_size)
        .ttl(Duration::from_secs(3600))
        .clock(clock.clone())
        .build();
    // Popular long-lived entries, then a stream of one-off keys that lose admission to
    // them, so that the policy has settled on which of them it would evict next.
    for i in 0..max_size as u64 {
        cache.insert(i, i);
    }
    for _ in 0..5 {
        for i in 0..max_size as u64 {
            assert_eq!(cache.get(&i), Some(i));
        }
    }
    for i in 1000..1500 {
        cache.insert(i, i);
    }
    let residents: Vec<u64> = (0..max_size as u64)
        .filter(|i| cache.get(i).is_some())
        .collect();
    // Now every resident gets a short TTL by being replaced, and expires.
    for &i in &residents {
        cache.insert_with_ttl(i, i, Duration::from_secs(1));
    }
    clock.advance(Duration::from_secs(2));
    let newcomers = 2000..2000 + residents.len() as u64;
    for i in newcomers.clone() {
        cache.insert(i, i);
    }
    for i in newcomers {
        assert_eq!(
            cache.get(&i),
            Some(i),
            "live key {i} was turned away while expired entries held its room"
        );
    }
}

#[test]
fn frequently_read_keys_survive_a_stream_of_one_off_inserts() {
    let cache: TtlCache<u64, u64> = TtlCache::new(100, Duration::from_secs(3600));
    let hot: Vec<u64> = (0..10).collect();
    for &k in &hot {
        cache.insert(k, k);
    }
    for round in 0..2000u64 {
        let one_off = 1_000_000 + round;
        cache.insert(one_off, one_off);
        for &k in &hot {
            // Just read; do not re-insert on a miss.
            let _ = cache.get(&k);
        }
        assert!(cache.len() <= 100);
    }
    let missing: Vec<u64> = hot
        .iter()
        .copied()
        .filter(|k| cache.get(k).is_none())
        .collect();
    assert!(
        missing.is_empty(),
        "hot keys evicted by one-off inserts (policy behaves like FIFO?): {missing:?}"
    );
}

#[test]
fn a_hot_set_filling_a_third_of_the_cache_survives_one_off_inserts() {
    // The hot keys are read between every two inserts, so whenever the policy looks for a
    // victim each of them has been used since it last looked: none may be evicted for a
    // key seen once, however many of them stand in a row in the policy's queue.
    let cache: TtlCache<u64, u64> = TtlCache::new(600, Duration::from_secs(3600));
    let hot: Vec<u64> = (0..200).collect();
    for &k in &hot {
        cache.insert(k, k);
    }
    for round in 0..3000u64 {
        let one_off = 1_000_000 + round;
        cache.insert(one_off, one_off);
        for &k in &hot {
            assert_eq!(
                cache.get(&k),
                Some(k),
                "hot key {k} evicted by one-off insert {round}"
            );
        }
    }
}

#[test]
fn memoized_hot_keys_stay_cached_in_a_cache_already_full_of_one_off_keys() {
    // Steady state: the cache is full of cold keys before the hot set first appears, and the
    // hot keys are read through get_or_insert_with (re-loaded if missing), as memoization does.
    let cache: TtlCache<u64, u64> = TtlCache::new(100, Duration::from_secs(3600));
    for i in 0..100u64 {
        cache.insert(2_000_000 + i, i);
    }
    let hot: Vec<u64> = (0..10).collect();
    for round in 0..2000u64 {
        let one_off = 1_000_000 + round;
        cache.insert(one_off, one_off);
        for &k in &hot {
            assert_eq!(cache.get_or_insert_with(k, || k), k);
        }
        assert!(cache.len() <= 100);
    }
    let missing: Vec<u64> = hot
        .iter()
        .copied()
        .filter(|k| cache.get(k).is_none())
        .collect();
    assert!(
        missing.is_empty(),
        "hot keys missing at the end: {missing:?}"
    );
}

#[test]
fn cache_keeps_serving_after_heavy_churn() {
    let cache: TtlCache<u64, u64> = TtlCache::new(16, Duration::from_secs(3600));
    for i in 0..10_000u64 {
        cache.insert(i, i);
    }
    assert!(cache.len() <= 16);
    cache.clear();
    cache.insert(1, 1);
    assert_eq!(cache.get(&1), Some(1));
}

#[test]
fn an_insert_is_there_when_it_returns() {
    // Frequency admission may reject a new key later, but never on its own insert: a
    // caller that inserts and then reads (in one thread) finds the value.
    for max_size in [1, 2, 10, 1000] {
        let cache = TtlCache::<u64, u64>::builder()
            .max_size(max_size)
            .ttl(Duration::from_secs(60))
            .build();
        for key in 0..20_000u64 {
            // Some keys are asked for often, so the sketch has favourites to defend.
            let _ = cache.get(&(key % 7));
            cache.insert(key, key * 3);
            assert_eq!(
                cache.get(&key),
                Some(key * 3),
                "max_size {max_size}, key {key}"
            );
            assert!(cache.len() <= max_size);
        }
    }
}

#[test]
fn the_keys_a_cache_filled_with_outlast_keys_seen_twice_since() {
    // The keys a cache filled with never competed for their place, and their one sighting
    // was absorbed by the doorkeeper: the policy gives them a fill credit, so that a
    // candidate seen twice since is not enough to displace them (see `fill_credits`).
    let cache: TtlCache<u64, u64> = TtlCache::new(100, Duration::from_secs(3600));
    for k in 0..100u64 {
        cache.insert(k, k);
    }
    for _ in 0..2 {
        for k in 1000..1200u64 {
            cache.insert(k, k);
        }
    }
    let kept = (0..100u64).filter(|k| cache.get(k).is_some()).count();
    assert!(kept >= 50, "only {kept} of the 100 fill keys kept");
}

/// Sweeps are rate-limited (a sweep reads the whole segment), but not by time alone: a
/// segment that swept half a second ago, and has since taken more inserts than half the
/// entries it holds, must not evict live entries while expired ones wait for the next second.
#[test]
fn expired_entries_go_before_live_ones_within_a_second_of_the_last_sweep() {
    let clock = MockClock::new();
    let cache = TtlCache::<u64, u64>::builder()
        .max_size(4)
        .ttl(Duration::from_secs(3600))
        .clock(clock.clone())
        .build();
    for key in 0..4 {
        cache.insert_with_ttl(key, key, Duration::from_secs(1));
    }
    clock.advance(Duration::from_millis(1500));
    cache.insert(10, 10); // over the bound: a sweep removes the four expired entries
    for key in 11..14 {
        cache.insert_with_ttl(key, key, Duration::from_millis(200));
    }
    clock.advance(Duration::from_millis(500)); // 11..14 expired, half a second after the sweep
    for key in 20..23 {
        cache.insert(key, key);
    }
    for key in [10, 20, 21, 22] {
        assert_eq!(cache.get(&key), Some(key), "live key {key} was evicted");
    }
    let stats = cache.stats();
    assert_eq!((stats.expirations, stats.evictions), (7, 0), "{stats:?}");
}
