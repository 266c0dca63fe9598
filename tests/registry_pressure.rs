//! `MemoryPressurePolicy`: pressure simulated through an injected probe, each watermark at
//! and below its edge, and the log line each action leaves.

mod registry_support;

use cachekit::{
    MemoryPressurePolicy, MemoryProbe, MemoryUsage, MockClock, PressureAction, Registry,
    SystemMemory, TtlCache, DEFAULT_CRITICAL_WATERMARK_PERCENT, DEFAULT_HIGH_WATERMARK_PERCENT,
};
use std::sync::Arc;
use std::time::Duration;

/// A registry with one cache holding 3 expired and 2 live entries.
fn registry_with_expired(name: &str) -> (Registry, Arc<TtlCache<u32, u32>>) {
    let clock = MockClock::new();
    let registry = Registry::new();
    let cache = registry
        .get_or_create_with(name, || {
            TtlCache::builder()
                .max_size(100)
                .ttl(Duration::from_secs(10))
                .clock(clock.clone())
                .build()
        })
        .unwrap();
    cache.insert_many((0..3).map(|i| (i, i)));
    cache.insert_with_ttl(10, 10, Duration::from_secs(3600));
    cache.insert_with_ttl(11, 11, Duration::from_secs(3600));
    clock.advance(Duration::from_secs(10));
    (registry, cache)
}

fn at(percent_tenths: u64) -> MemoryPressurePolicy {
    MemoryPressurePolicy::new().with_probe(move || {
        Some(MemoryUsage {
            used_bytes: percent_tenths,
            total_bytes: 1000,
        })
    })
}

#[test]
fn the_defaults_are_85_and_90_percent() {
    let policy = MemoryPressurePolicy::default();
    assert_eq!(policy.high_watermark_percent(), 85.0);
    assert_eq!(policy.critical_watermark_percent(), 90.0);
    assert_eq!(DEFAULT_HIGH_WATERMARK_PERCENT, 85.0);
    assert_eq!(DEFAULT_CRITICAL_WATERMARK_PERCENT, 90.0);
}

#[test]
fn below_the_high_watermark_nothing_happens() {
    let (registry, cache) = registry_with_expired("below");
    assert_eq!(at(849).check(&registry), PressureAction::Normal);
    assert_eq!(cache.len(), 5);
}

#[test]
fn at_the_high_watermark_expired_entries_are_removed_and_logged() {
    registry_support::install();
    let (registry, cache) = registry_with_expired("pressure-high-cache");
    assert_eq!(
        at(850).check(&registry),
        PressureAction::CleanedUp { removed: 3 }
    );
    assert_eq!(cache.len(), 2);
    assert_eq!((cache.get(&10), cache.get(&11)), (Some(10), Some(11)));
    let logged = registry_support::containing("85.0% of memory used");
    assert!(
        logged
            .iter()
            .any(|(level, line)| *level == log::Level::Warn && line.contains("removed 3")),
        "{logged:?}"
    );
}

#[test]
fn at_the_critical_watermark_every_cache_is_cleared_and_logged() {
    registry_support::install();
    let (registry, cache) = registry_with_expired("critical");
    let other = registry
        .get_or_create::<u8, u8>("other", 10, Duration::from_secs(60))
        .unwrap();
    other.insert(1, 1);
    assert_eq!(at(900).check(&registry), PressureAction::Cleared);
    assert!(cache.is_empty());
    assert!(other.is_empty());
    let logged = registry_support::containing("90.0% of memory used");
    assert!(
        logged
            .iter()
            .any(|(level, line)| *level == log::Level::Error && line.contains("cleared")),
        "{logged:?}"
    );
}

#[test]
fn an_unknown_reading_does_nothing() {
    let (registry, cache) = registry_with_expired("unknown");
    let policy = MemoryPressurePolicy::new().with_probe(|| None);
    assert_eq!(policy.check(&registry), PressureAction::Unmeasured);
    assert_eq!(cache.len(), 5);
}

#[test]
fn watermarks_can_be_moved() {
    let (registry, cache) = registry_with_expired("moved");
    let policy = |tenths| at(tenths).high_watermark(50.0).critical_watermark(99.0);
    assert_eq!(policy(499).check(&registry), PressureAction::Normal);
    assert_eq!(
        policy(950).check(&registry),
        PressureAction::CleanedUp { removed: 3 }
    );
    assert_eq!(cache.len(), 2);
    assert_eq!(policy(990).check(&registry), PressureAction::Cleared);
    assert!(cache.is_empty());
}

#[test]
fn a_probe_can_be_a_struct() {
    struct Fixed(u64);
    impl MemoryProbe for Fixed {
        fn usage(&self) -> Option<MemoryUsage> {
            Some(MemoryUsage {
                used_bytes: self.0,
                total_bytes: 100,
            })
        }
    }
    let (registry, cache) = registry_with_expired("struct");
    let policy = MemoryPressurePolicy::new().with_probe(Fixed(91));
    assert_eq!(policy.check(&registry), PressureAction::Cleared);
    assert!(cache.is_empty());
}

#[test]
fn used_percent_of_a_reading() {
    let usage = MemoryUsage {
        used_bytes: 3,
        total_bytes: 4,
    };
    assert_eq!(usage.used_percent(), 75.0);
    let empty = MemoryUsage {
        used_bytes: 0,
        total_bytes: 0,
    };
    assert_eq!(empty.used_percent(), 0.0);
}

#[cfg(target_os = "linux")]
#[test]
fn the_system_probe_reads_proc_meminfo_on_linux() {
    let usage = SystemMemory
        .usage()
        .expect("/proc/meminfo has MemTotal and MemAvailable");
    assert!(usage.total_bytes > 0);
    assert!(usage.used_bytes <= usage.total_bytes);
    let percent = usage.used_percent();
    assert!((0.0..=100.0).contains(&percent), "{percent}");
}

#[cfg(not(target_os = "linux"))]
#[test]
fn the_system_probe_reports_nothing_elsewhere() {
    assert_eq!(SystemMemory.usage(), None);
}
