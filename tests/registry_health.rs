//! `Registry::health`: each monitoring rule at, just below and just above its threshold.

use cachekit::{HealthStatus, HealthThresholds, MockClock, Registry, TtlCache};
use std::sync::Arc;
use std::time::Duration;

const HOUR: Duration = Duration::from_secs(3600);

fn filled(
    registry: &Registry,
    name: &str,
    max_size: usize,
    entries: u32,
) -> Arc<TtlCache<u32, u32>> {
    let cache = registry
        .get_or_create::<u32, u32>(name, max_size, HOUR)
        .unwrap();
    cache.insert_many((0..entries).map(|i| (i, i)));
    assert_eq!(cache.len(), entries as usize);
    cache
}

#[test]
fn an_empty_or_lightly_used_registry_is_healthy() {
    let registry = Registry::new();
    let report = registry.health();
    assert_eq!(report.status, HealthStatus::Healthy);
    assert!(report.warnings.is_empty());
    filled(&registry, "a", 100, 50);
    let report = registry.health();
    assert_eq!(report.status, HealthStatus::Healthy);
    assert!(report.warnings.is_empty());
    assert_eq!(report.stats.caches["a"].size, 50);
}

#[test]
fn a_cache_above_80_percent_is_a_warning_naming_it() {
    let registry = Registry::new();
    filled(&registry, "at-limit", 100, 80); // exactly 80%: not above
    filled(&registry, "roomy", 100, 10);
    // Keep global utilization low, so only the per-cache rule fires.
    filled(&registry, "big", 10_000, 0);
    assert_eq!(registry.health().status, HealthStatus::Healthy);

    filled(&registry, "hot", 100, 81);
    let report = registry.health();
    assert_eq!(report.status, HealthStatus::Warning);
    assert_eq!(report.warnings.len(), 1, "{:?}", report.warnings);
    assert!(
        report.warnings[0].contains("\"hot\""),
        "{}",
        report.warnings[0]
    );
    assert!(
        report.warnings[0].contains("81.0%"),
        "{}",
        report.warnings[0]
    );
}

#[test]
fn more_than_50_expired_entries_in_all_is_a_warning() {
    let clock = MockClock::new();
    let registry = Registry::new();
    let make = || {
        TtlCache::<u32, u32>::builder()
            .max_size(1000)
            .ttl(Duration::from_secs(1))
            .clock(clock.clone())
            .build()
    };
    let a = registry.get_or_create_with("a", make).unwrap();
    let b = registry.get_or_create_with("b", make).unwrap();
    a.insert_many((0..30).map(|i| (i, i)));
    b.insert_many((0..20).map(|i| (i, i)));
    clock.advance(Duration::from_secs(1));
    // 50 in all: not more than 50.
    assert_eq!(registry.health().status, HealthStatus::Healthy);

    b.insert(1000, 1000);
    clock.advance(Duration::from_secs(1));
    let report = registry.health();
    assert_eq!(report.status, HealthStatus::Warning);
    assert_eq!(report.warnings.len(), 1, "{:?}", report.warnings);
    assert!(
        report.warnings[0].contains("51 expired"),
        "{}",
        report.warnings[0]
    );

    // Cleaning up is what the warning asks for, and it clears it.
    registry.cleanup_all();
    assert_eq!(registry.health().status, HealthStatus::Healthy);
}

#[test]
fn an_expiring_set_of_more_than_100_members_is_a_warning() {
    let registry = Registry::new();
    let set = registry
        .get_or_create_expiring_set::<u32>("deleting", HOUR)
        .unwrap();
    (0..100).for_each(|i| {
        set.add(i);
    });
    assert_eq!(registry.health().status, HealthStatus::Healthy);
    set.add(100);
    let report = registry.health();
    assert_eq!(report.status, HealthStatus::Warning);
    assert_eq!(report.warnings.len(), 1, "{:?}", report.warnings);
    assert!(
        report.warnings[0].contains("\"deleting\""),
        "{}",
        report.warnings[0]
    );
    assert!(report.warnings[0].contains("101"), "{}", report.warnings[0]);
    assert_eq!(report.stats.expiring_sets["deleting"], 101);
}

#[test]
fn global_utilization_above_95_percent_is_critical() {
    let registry = Registry::new();
    filled(&registry, "a", 100, 95);
    filled(&registry, "b", 100, 95);
    // 95% globally: each cache warns, but that is not critical yet.
    let report = registry.health();
    assert_eq!(report.status, HealthStatus::Warning);
    assert_eq!(report.warnings.len(), 2);

    registry
        .get_or_create::<u32, u32>("b", 100, HOUR)
        .unwrap()
        .insert_many((95..100).map(|i| (i, i)));
    let report = registry.health();
    assert_eq!(report.status, HealthStatus::Critical);
    // Two per-cache warnings and the critical finding, one line each.
    assert_eq!(report.warnings.len(), 3, "{:?}", report.warnings);
    assert!(
        report.warnings.iter().any(|w| w.contains("97.5%")),
        "{:?}",
        report.warnings
    );
    let shown = report.to_string();
    assert!(shown.starts_with("critical"), "{shown}");
    assert_eq!(shown.lines().count(), 4, "{shown}");
}

#[test]
fn health_with_takes_other_thresholds() {
    let registry = Registry::new();
    filled(&registry, "a", 100, 60);
    let set = registry
        .get_or_create_expiring_set::<u32>("s", HOUR)
        .unwrap();
    (0..5).for_each(|i| {
        set.add(i);
    });
    assert_eq!(registry.health().status, HealthStatus::Healthy);

    let strict = HealthThresholds {
        cache_utilization_percent: 50.0,
        expiring_set_members: 4,
        ..HealthThresholds::default()
    };
    let report = registry.health_with(&strict);
    assert_eq!(report.status, HealthStatus::Warning);
    assert_eq!(report.warnings.len(), 2, "{:?}", report.warnings);

    let critical = HealthThresholds {
        critical_utilization_percent: 55.0,
        ..HealthThresholds::default()
    };
    assert_eq!(
        registry.health_with(&critical).status,
        HealthStatus::Critical
    );

    let lax = HealthThresholds {
        cache_utilization_percent: 100.0,
        expired_entries: usize::MAX,
        expiring_set_members: usize::MAX,
        critical_utilization_percent: 100.0,
    };
    assert_eq!(registry.health_with(&lax).status, HealthStatus::Healthy);
}

#[test]
fn the_default_thresholds_are_the_documented_ones() {
    let t = HealthThresholds::default();
    assert_eq!(t.cache_utilization_percent, 80.0);
    assert_eq!(t.expired_entries, 50);
    assert_eq!(t.expiring_set_members, 100);
    assert_eq!(t.critical_utilization_percent, 95.0);
    assert_eq!(Registry::new().health(), Registry::new().health_with(&t));
}
