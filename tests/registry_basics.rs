//! `Registry`: one cache per name, type mismatches, race-free creation, `configure`,
//! `clear`, dry-run and real cleanup, and the statistics.

mod common;

use cachekit::{registry, MockClock, Registry, RegistryError, TtlCache};
use std::collections::hash_map::RandomState;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Barrier};
use std::time::Duration;

const HOUR: Duration = Duration::from_secs(3600);

#[derive(Clone, Debug, PartialEq)]
struct User {
    name: String,
}

#[test]
fn the_global_registry_returns_the_same_cache_for_the_same_name() {
    let users: Arc<TtlCache<u64, User>> = registry()
        .get_or_create::<u64, User>("basics-users", 500, Duration::from_secs(1800))
        .unwrap();
    users.insert(1, User { name: "ann".into() });
    let again = registry()
        .get_or_create::<u64, User>("basics-users", 10, Duration::from_secs(1))
        .unwrap();
    assert!(Arc::ptr_eq(&users, &again));
    assert_eq!(again.get(&1).map(|u| u.name), Some("ann".to_string()));
    // The first creation's settings stay; later arguments do not reconfigure.
    assert_eq!(again.max_size(), 500);
    assert_eq!(again.ttl(), Duration::from_secs(1800));
    assert!(std::ptr::eq(registry(), registry()));
}

#[test]
fn independent_registries_do_not_share_names() {
    let a = Registry::new();
    let b = Registry::new();
    let in_a = a.get_or_create::<u8, u8>("x", 10, HOUR).unwrap();
    let in_b = b.get_or_create::<u8, u8>("x", 10, HOUR).unwrap();
    assert!(!Arc::ptr_eq(&in_a, &in_b));
    assert_eq!(a.names(), ["x"]);
}

#[test]
fn other_key_or_value_types_under_a_name_are_a_type_mismatch_naming_both() {
    let registry = Registry::new();
    registry
        .get_or_create::<u64, User>("users", 500, HOUR)
        .unwrap();
    let err = registry
        .get_or_create::<u64, String>("users", 500, HOUR)
        .unwrap_err();
    match &err {
        RegistryError::TypeMismatch {
            name,
            registered,
            requested,
        } => {
            assert_eq!(name, "users");
            assert!(registered.contains("User"), "{registered}");
            assert!(requested.contains("String"), "{requested}");
        }
        other => panic!("expected TypeMismatch, got {other:?}"),
    }
    let message = err.to_string();
    assert!(message.contains("users"), "{message}");
    assert!(
        message.contains("User") && message.contains("String"),
        "{message}"
    );
    // Another key type is a mismatch too, and the registered cache is untouched.
    assert!(matches!(
        registry.get_or_create::<u32, User>("users", 500, HOUR),
        Err(RegistryError::TypeMismatch { .. })
    ));
    assert!(registry
        .get_or_create::<u64, User>("users", 500, HOUR)
        .is_ok());
}

#[test]
fn another_hasher_is_a_type_mismatch_and_make_does_not_run() {
    let registry = Registry::new();
    registry
        .get_or_create_with("h", || {
            TtlCache::<u32, u32>::builder()
                .hasher(RandomState::new())
                .build()
        })
        .unwrap();
    let ran = AtomicUsize::new(0);
    let err = registry
        .get_or_create_with("h", || {
            ran.fetch_add(1, Ordering::SeqCst);
            TtlCache::<u32, u32>::builder().build()
        })
        .unwrap_err();
    assert!(matches!(err, RegistryError::TypeMismatch { ref name, .. } if name == "h"));
    assert!(err.to_string().contains("RandomState"), "{err}");
    assert_eq!(ran.load(Ordering::SeqCst), 0);
    // The right types get the registered cache back, again without running `make`.
    let found = registry
        .get_or_create_with("h", || {
            ran.fetch_add(1, Ordering::SeqCst);
            TtlCache::<u32, u32>::builder()
                .hasher(RandomState::new())
                .build()
        })
        .unwrap();
    found.insert(1, 1);
    assert_eq!(ran.load(Ordering::SeqCst), 0);
}

#[test]
fn threads_racing_to_create_a_name_all_get_the_same_cache() {
    common::watchdog(|| {
        for round in 0..20 {
            let registry = Arc::new(Registry::new());
            let threads = 8;
            let barrier = Arc::new(Barrier::new(threads));
            let made = Arc::new(AtomicUsize::new(0));
            let caches: Vec<Arc<TtlCache<u64, u64>>> = (0..threads)
                .map(|i| {
                    let (registry, barrier, made) =
                        (registry.clone(), barrier.clone(), made.clone());
                    std::thread::spawn(move || {
                        barrier.wait();
                        if i % 2 == 0 {
                            registry.get_or_create::<u64, u64>("race", 100, HOUR)
                        } else {
                            registry.get_or_create_with("race", || {
                                made.fetch_add(1, Ordering::SeqCst);
                                TtlCache::builder().max_size(100).build()
                            })
                        }
                        .unwrap()
                    })
                })
                .collect::<Vec<_>>()
                .into_iter()
                .map(|t| t.join().unwrap())
                .collect();
            for cache in &caches[1..] {
                assert!(Arc::ptr_eq(&caches[0], cache), "round {round}");
            }
            // What one thread inserts, every other sees.
            caches[0].insert(round, round);
            assert!(caches.iter().all(|c| c.get(&round) == Some(round)));
            assert_eq!(registry.names(), ["race"]);
        }
    });
}

#[test]
fn make_may_use_the_registry_without_deadlocking() {
    common::watchdog(|| {
        let registry = Arc::new(Registry::new());
        let inner_registry = registry.clone();
        let outer = registry
            .get_or_create_with("outer", move || {
                inner_registry
                    .get_or_create::<u8, u8>("inner", 10, HOUR)
                    .unwrap()
                    .insert(1, 1);
                TtlCache::<u8, u8>::new(10, HOUR)
            })
            .unwrap();
        outer.insert(2, 2);
        assert_eq!(registry.names(), ["inner", "outer"]);
        assert_eq!(registry.stats().global.total_entries, 2);
    });
}

#[test]
fn configure_before_creation_wins_over_the_arguments() {
    let registry = Registry::new();
    registry.configure("users", 20, Duration::from_secs(5));
    let users = registry
        .get_or_create::<u64, u64>("users", 500, Duration::from_secs(1800))
        .unwrap();
    assert_eq!(users.max_size(), 20);
    assert_eq!(users.ttl(), Duration::from_secs(5));
    for i in 0..100 {
        users.insert(i, i);
    }
    assert!(users.len() <= 20, "len {}", users.len());
}

#[test]
fn configure_before_creation_applies_to_caches_made_by_get_or_create_with() {
    let clock = MockClock::new();
    let registry = Registry::new();
    registry.configure("tokens", 7, Duration::from_secs(10));
    let tokens = registry
        .get_or_create_with("tokens", || {
            TtlCache::<u32, u32>::builder()
                .max_size(1000)
                .ttl(HOUR)
                .clock(clock.clone())
                .build()
        })
        .unwrap();
    assert_eq!(
        (tokens.max_size(), tokens.ttl()),
        (7, Duration::from_secs(10))
    );
    tokens.insert(1, 1);
    clock.advance(Duration::from_secs(10));
    assert_eq!(
        tokens.get(&1),
        None,
        "the configured TTL applies to inserts"
    );
}

#[test]
fn configure_after_creation_applies_to_later_inserts() {
    let clock = MockClock::new();
    let registry = Registry::new();
    let cache = registry
        .get_or_create_with("c", || {
            TtlCache::<u32, u32>::builder()
                .max_size(100)
                .ttl(HOUR)
                .clock(clock.clone())
                .build()
        })
        .unwrap();
    cache.insert(0, 0);
    registry.configure("c", 10, Duration::from_secs(1));
    assert_eq!(cache.stats().max_size, 10);
    cache.insert(1, 1);
    clock.advance(Duration::from_secs(1));
    assert_eq!(cache.get(&0), Some(0), "stored entries keep their deadline");
    assert_eq!(cache.get(&1), None, "later inserts take the new TTL");
    for i in 0..50 {
        cache.insert(i, i);
    }
    assert!(cache.len() <= 10, "len {}", cache.len());
    // The last configuration wins, also for a cache already created.
    registry.configure("c", 30, HOUR);
    assert_eq!((cache.max_size(), cache.ttl()), (30, HOUR));
}

#[test]
fn clear_empties_one_named_cache_and_reports_unknown_names() {
    let registry = Registry::new();
    let a = registry.get_or_create::<u8, u8>("a", 10, HOUR).unwrap();
    let b = registry.get_or_create::<u8, u8>("b", 10, HOUR).unwrap();
    a.insert(1, 1);
    b.insert(1, 1);
    registry.clear("a").unwrap();
    assert!(a.is_empty());
    assert_eq!(b.len(), 1);
    assert_eq!(
        registry.clear("nope"),
        Err(RegistryError::NotFound {
            name: "nope".into()
        })
    );
    assert!(RegistryError::NotFound {
        name: "nope".into()
    }
    .to_string()
    .contains("nope"));
    registry.clear_all();
    assert!(b.is_empty());
    // Counters are totals: clearing does not reset them.
    assert_eq!(registry.stats().caches["a"].inserts, 1);
}

#[test]
fn names_are_sorted_and_list_caches_only() {
    let registry = Registry::new();
    for name in ["zeta", "alpha", "mid"] {
        registry.get_or_create::<u8, u8>(name, 1, HOUR).unwrap();
    }
    registry
        .get_or_create_expiring_set::<u8>("a-set", HOUR)
        .unwrap();
    assert_eq!(registry.names(), ["alpha", "mid", "zeta"]);
}

fn two_caches_with_expired_entries(
    clock: &MockClock,
    registry: &Registry,
) -> [Arc<TtlCache<u32, u32>>; 3] {
    let make = || {
        TtlCache::<u32, u32>::builder()
            .max_size(100)
            .ttl(Duration::from_secs(10))
            .clock(clock.clone())
            .build()
    };
    let a = registry.get_or_create_with("a", make).unwrap();
    let b = registry.get_or_create_with("b", make).unwrap();
    let fresh = registry.get_or_create_with("fresh", make).unwrap();
    a.insert_many((0..3).map(|i| (i, i)));
    b.insert_many((0..5).map(|i| (i, i)));
    b.insert_with_ttl(99, 99, HOUR);
    clock.advance(Duration::from_secs(10));
    fresh.insert(1, 1);
    [a, b, fresh]
}

#[test]
fn expired_counts_is_a_dry_run_and_cleanup_all_removes() {
    let clock = MockClock::new();
    let registry = Registry::new();
    let [a, b, fresh] = two_caches_with_expired_entries(&clock, &registry);

    let would_remove = registry.expired_counts();
    assert_eq!(
        would_remove.into_iter().collect::<Vec<_>>(),
        [("a".into(), 3), ("b".into(), 5), ("fresh".to_string(), 0)]
    );
    assert_eq!(
        (a.len(), b.len(), fresh.len()),
        (3, 6, 1),
        "a dry run removes nothing"
    );
    assert_eq!(registry.expired_counts(), registry.expired_counts());

    let removed = registry.cleanup_all();
    assert_eq!(
        removed.into_iter().collect::<Vec<_>>(),
        [("a".into(), 3), ("b".into(), 5), ("fresh".to_string(), 0)]
    );
    assert_eq!((a.len(), b.len(), fresh.len()), (0, 1, 1));
    assert_eq!(b.get(&99), Some(99), "live entries stay");
    assert!(registry.expired_counts().values().all(|&n| n == 0));
    assert!(registry.cleanup_all().values().all(|&n| n == 0));
}

#[test]
fn stats_list_every_cache_and_sum_them() {
    let registry = Registry::new();
    let a = registry.get_or_create::<u32, u32>("a", 10, HOUR).unwrap();
    let b = registry.get_or_create::<u32, u32>("b", 30, HOUR).unwrap();
    a.insert_many((0..4).map(|i| (i, i)));
    b.insert_many((0..6).map(|i| (i, i)));
    for i in 0..4 {
        assert_eq!(a.get(&i), Some(i));
    }
    assert_eq!(b.get(&100), None);
    assert_eq!(b.get(&101), None);

    let stats = registry.stats();
    assert_eq!(stats.caches.len(), 2);
    assert_eq!(stats.caches["a"], a.stats());
    assert_eq!(stats.caches["b"], b.stats());
    let g = &stats.global;
    assert_eq!(g.total_caches, 2);
    assert_eq!(g.total_entries, 10);
    assert_eq!(g.total_max_entries, 40);
    assert_eq!(g.global_utilization_percent, 25.0);
    assert_eq!((g.hits, g.misses), (4, 2));
    assert!((g.hit_rate - 4.0 / 6.0).abs() < 1e-12);
    assert!(stats.expiring_sets.is_empty());
}

#[test]
fn stats_of_an_empty_registry_are_zero_not_nan() {
    let stats = Registry::new().stats();
    assert_eq!(stats.global.total_caches, 0);
    assert_eq!(stats.global.global_utilization_percent, 0.0);
    assert_eq!(stats.global.hit_rate, 0.0);
    // So is a registry whose only cache has a zero bound.
    let registry = Registry::new();
    registry.get_or_create::<u8, u8>("zero", 0, HOUR).unwrap();
    assert_eq!(registry.stats().global.global_utilization_percent, 0.0);
}

#[test]
fn huge_bounds_saturate_instead_of_overflowing() {
    let registry = Registry::new();
    registry
        .get_or_create::<u8, u8>("a", usize::MAX, HOUR)
        .unwrap();
    registry
        .get_or_create::<u8, u8>("b", usize::MAX, HOUR)
        .unwrap();
    assert_eq!(registry.stats().global.total_max_entries, usize::MAX);
}

#[test]
fn expiring_sets_are_registered_by_name_and_type_checked() {
    let registry = Registry::new();
    let set = registry
        .get_or_create_expiring_set::<u64>("deleting", HOUR)
        .unwrap();
    let again = registry
        .get_or_create_expiring_set::<u64>("deleting", Duration::from_secs(1))
        .unwrap();
    assert!(Arc::ptr_eq(&set, &again));
    assert_eq!(again.stale_after(), HOUR);
    set.add(1);
    set.add(2);
    assert_eq!(registry.stats().expiring_sets["deleting"], 2);
    assert!(matches!(
        registry.get_or_create_expiring_set::<String>("deleting", HOUR),
        Err(RegistryError::TypeMismatch { ref name, .. }) if name == "deleting"
    ));
    // A cache may have the same name as a set.
    assert!(registry
        .get_or_create::<u64, u64>("deleting", 1, HOUR)
        .is_ok());
}

#[test]
fn cleanup_expiring_sets_drops_stale_members_of_every_set() {
    let clock = MockClock::new();
    let registry = Registry::new();
    let set = registry
        .get_or_create_expiring_set_with("s", || {
            cachekit::ExpiringSet::builder()
                .stale_after(Duration::from_secs(10))
                .clock(clock.clone())
                .build()
        })
        .unwrap();
    set.add(1u32);
    set.add(2);
    clock.advance(Duration::from_secs(5));
    set.add(3);
    clock.advance(Duration::from_secs(5));
    assert_eq!(registry.cleanup_expiring_sets()["s"], 2);
    assert_eq!(registry.stats().expiring_sets["s"], 1);
    assert!(set.contains(&3));
}
