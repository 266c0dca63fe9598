//! The registry's hooks for tiers behind a cache: `clear(name)` runs the clear hooks of
//! that name (and `clear_all` none), health checks turn into warnings.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Duration;

use cachekit::{HealthStatus, Registry, RegistryError};

fn counter() -> (Arc<AtomicUsize>, impl Fn() + Send + Sync + 'static) {
    let count = Arc::new(AtomicUsize::new(0));
    let seen = Arc::clone(&count);
    (count, move || {
        seen.fetch_add(1, Ordering::SeqCst);
    })
}

#[test]
fn clear_runs_the_hooks_of_that_name_only() {
    let registry = Registry::new();
    let a = registry
        .get_or_create::<u8, u8>("a", 10, Duration::from_secs(60))
        .unwrap();
    registry
        .get_or_create::<u8, u8>("b", 10, Duration::from_secs(60))
        .unwrap();
    let (a_first, hook) = counter();
    registry.add_clear_hook("a", hook);
    let (a_second, hook) = counter();
    registry.add_clear_hook("a", hook);
    let (b_count, hook) = counter();
    registry.add_clear_hook("b", hook);

    a.insert(1, 1);
    registry.clear("a").unwrap();
    assert!(a.is_empty());
    assert_eq!(a_first.load(Ordering::SeqCst), 1);
    assert_eq!(a_second.load(Ordering::SeqCst), 1);
    assert_eq!(b_count.load(Ordering::SeqCst), 0);

    // Memory pressure and `clear_all` must not empty what other processes share.
    registry.clear_all();
    assert_eq!(a_first.load(Ordering::SeqCst), 1);
    assert_eq!(b_count.load(Ordering::SeqCst), 0);
}

#[test]
fn a_hook_without_a_cache_does_not_make_the_name_exist() {
    let registry = Registry::new();
    let (count, hook) = counter();
    registry.add_clear_hook("ghost", hook);
    assert!(matches!(
        registry.clear("ghost"),
        Err(RegistryError::NotFound { .. })
    ));
    assert_eq!(count.load(Ordering::SeqCst), 0);
    assert!(registry.names().is_empty());
}

#[test]
fn hooks_run_without_the_registry_lock() {
    let registry = Arc::new(Registry::new());
    registry
        .get_or_create::<u8, u8>("a", 10, Duration::from_secs(60))
        .unwrap();
    let inner = Arc::clone(&registry);
    registry.add_clear_hook("a", move || {
        // Would deadlock if the hook ran under the lock.
        assert_eq!(inner.names(), ["a"]);
    });
    let inner = Arc::clone(&registry);
    registry.add_health_check("a", move || {
        assert_eq!(inner.names(), ["a"]);
        None
    });
    registry.clear("a").unwrap();
    assert_eq!(registry.health().status, HealthStatus::Healthy);
}

#[test]
fn health_checks_become_warnings() {
    let registry = Registry::new();
    registry.add_health_check("quiet", || None);
    assert_eq!(registry.health().status, HealthStatus::Healthy);
    registry.add_health_check("redis", || Some("breaker open".to_string()));
    // Two tiers of one name reporting one problem: one line.
    registry.add_health_check("redis", || Some("breaker open".to_string()));
    let report = registry.health();
    assert_eq!(report.status, HealthStatus::Warning);
    assert_eq!(report.warnings, ["breaker open"]);
    assert!(report.to_string().contains("- breaker open"));
}
