//! The janitor: it sweeps on its own thread, stops at once when told, never runs twice,
//! and can run the memory-pressure policy on each tick.
//!
//! Intervals are a few milliseconds and every wait is a bounded poll of an observable
//! effect; time-to-live is driven by `MockClock`.

mod common;
mod registry_support;

use cachekit::{
    ExpiringSet, MemoryPressurePolicy, MemoryUsage, MockClock, Registry, RegistryError, TtlCache,
};
use registry_support::wait_until;
use std::sync::atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

const TICK: Duration = Duration::from_millis(2);
const LIMIT: Duration = Duration::from_secs(10);
const HOUR: Duration = Duration::from_secs(3600);

fn cache_on(registry: &Registry, name: &str, clock: &MockClock) -> Arc<TtlCache<u32, u32>> {
    registry
        .get_or_create_with(name, || {
            TtlCache::builder()
                .max_size(100)
                .ttl(Duration::from_secs(10))
                .clock(clock.clone())
                .build()
        })
        .unwrap()
}

#[test]
fn the_janitor_removes_expired_entries_on_its_own() {
    common::watchdog(|| {
        let clock = MockClock::new();
        let registry = Registry::new();
        let cache = cache_on(&registry, "c", &clock);
        cache.insert_many((0..10).map(|i| (i, i)));
        cache.insert_with_ttl(100, 100, HOUR);
        let _janitor = registry.start_janitor(TICK).unwrap();
        clock.advance(Duration::from_secs(10));
        wait_until(LIMIT, "the janitor's sweep", || cache.len() == 1);
        assert_eq!(cache.get(&100), Some(100), "live entries stay");
        assert_eq!(cache.stats().expirations, 10);
    });
}

#[test]
fn the_janitor_sweeps_registered_expiring_sets_too() {
    common::watchdog(|| {
        let clock = MockClock::new();
        let registry = Registry::new();
        let set = registry
            .get_or_create_expiring_set_with("s", || {
                ExpiringSet::builder()
                    .stale_after(Duration::from_secs(5))
                    .clock(clock.clone())
                    .build()
            })
            .unwrap();
        set.add(1u32);
        let _janitor = registry.start_janitor(TICK).unwrap();
        clock.advance(Duration::from_secs(5));
        wait_until(LIMIT, "the stale member's removal", || set.is_empty());
    });
}

#[test]
fn a_second_janitor_is_an_error_until_the_first_stops() {
    common::watchdog(|| {
        let registry = Registry::new();
        let first = registry.start_janitor(HOUR).unwrap();
        assert_eq!(
            registry.start_janitor(TICK).unwrap_err(),
            RegistryError::JanitorAlreadyRunning
        );
        assert!(matches!(
            registry.start_janitor_with_pressure(TICK, MemoryPressurePolicy::new()),
            Err(RegistryError::JanitorAlreadyRunning)
        ));
        assert!(
            first.is_running(),
            "the refused starts left the first alone"
        );
        first.stop();
        let second = registry.start_janitor(HOUR).unwrap();
        drop(second);
        let _third = registry.start_janitor(HOUR).unwrap();
        // Janitors of other registries are independent.
        let _other = Registry::new().start_janitor(HOUR).unwrap();
    });
}

#[test]
fn stop_and_drop_return_at_once_not_after_an_interval() {
    common::watchdog(|| {
        let registry = Registry::new();
        let janitor = registry.start_janitor(HOUR).unwrap();
        let started = Instant::now();
        janitor.stop();
        assert!(
            started.elapsed() < Duration::from_secs(5),
            "{:?}",
            started.elapsed()
        );

        let janitor = registry.start_janitor(HOUR).unwrap();
        let started = Instant::now();
        drop(janitor);
        assert!(
            started.elapsed() < Duration::from_secs(5),
            "{:?}",
            started.elapsed()
        );
    });
}

#[test]
fn a_stopped_janitor_sweeps_no_more() {
    common::watchdog(|| {
        let clock = MockClock::new();
        let registry = Registry::new();
        let cache = cache_on(&registry, "c", &clock);
        let janitor = registry.start_janitor(Duration::from_millis(1)).unwrap();
        // Wait for one sweep so we know the janitor was live.
        cache.insert(1, 1);
        clock.advance(Duration::from_secs(10));
        wait_until(LIMIT, "a first sweep", || cache.is_empty());
        janitor.stop();

        cache.insert(2, 2);
        clock.advance(Duration::from_secs(10));
        // Many intervals of the stopped janitor.
        std::thread::sleep(Duration::from_millis(50));
        assert_eq!(cache.len(), 1, "no sweep after stop");
        assert_eq!(registry.expired_counts()["c"], 1);
    });
}

#[test]
fn the_janitor_ends_when_its_registry_is_dropped() {
    common::watchdog(|| {
        let registry = Registry::new();
        let janitor = registry.start_janitor(Duration::from_millis(1)).unwrap();
        drop(registry);
        wait_until(LIMIT, "the janitor's exit", || !janitor.is_running());
    });
}

/// A probe whose reading the test sets, in percent.
fn probe(percent: &Arc<AtomicU64>) -> impl Fn() -> Option<MemoryUsage> + Send + Sync + 'static {
    let percent = percent.clone();
    move || {
        Some(MemoryUsage {
            used_bytes: percent.load(Ordering::SeqCst),
            total_bytes: 100,
        })
    }
}

#[test]
fn the_janitor_runs_the_pressure_policy_on_each_tick() {
    common::watchdog(|| {
        let clock = MockClock::new();
        let registry = Registry::new();
        let cache = cache_on(&registry, "c", &clock);
        cache.insert(1, 1);
        let used = Arc::new(AtomicU64::new(50));
        let policy = MemoryPressurePolicy::new().with_probe(probe(&used));
        let _janitor = registry.start_janitor_with_pressure(TICK, policy).unwrap();

        // Normal pressure: live entries stay through many ticks.
        std::thread::sleep(Duration::from_millis(20));
        assert_eq!(cache.get(&1), Some(1));

        // Critical pressure: the janitor clears every cache.
        used.store(95, Ordering::SeqCst);
        wait_until(LIMIT, "the clear under pressure", || cache.is_empty());
    });
}

#[test]
fn a_panicking_tick_is_survived() {
    common::quiet_intentional_panics();
    common::watchdog(|| {
        let clock = MockClock::new();
        let registry = Registry::new();
        let cache = cache_on(&registry, "c", &clock);
        let calls = Arc::new(AtomicUsize::new(0));
        let panicked = Arc::new(AtomicBool::new(false));
        let (calls2, panicked2) = (calls.clone(), panicked.clone());
        let policy = MemoryPressurePolicy::new().with_probe(move || {
            if calls2.fetch_add(1, Ordering::SeqCst) == 0 {
                panicked2.store(true, Ordering::SeqCst);
                panic!("{}: probe", common::INTENTIONAL);
            }
            None
        });
        let janitor = registry.start_janitor_with_pressure(TICK, policy).unwrap();
        wait_until(LIMIT, "the panicking tick", || {
            panicked.load(Ordering::SeqCst)
        });
        cache.insert(1, 1);
        clock.advance(Duration::from_secs(10));
        wait_until(LIMIT, "a sweep after the panic", || cache.is_empty());
        assert!(janitor.is_running());
    });
}
