//! `ExpiringSet`: membership, idempotent discard, staleness on the injected clock, sweeps at
//! most once per interval, and guards released on drop and on panic.

mod common;

use cachekit::{ExpiringSet, MockClock, DEFAULT_STALE_AFTER};
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::sync::{Arc, Barrier};
use std::time::Duration;

const SECOND: Duration = Duration::from_secs(1);

fn set_on(clock: &MockClock, stale_after: Duration) -> ExpiringSet<u64> {
    ExpiringSet::builder()
        .stale_after(stale_after)
        .clock(clock.clone())
        .build()
}

#[test]
fn add_contains_discard() {
    let deleting = ExpiringSet::<u64>::new(Duration::from_secs(3600));
    assert!(!deleting.contains(&7));
    assert!(deleting.add(7));
    assert!(deleting.contains(&7));
    assert!(!deleting.contains(&8));
    assert!(deleting.discard(&7));
    assert!(!deleting.contains(&7));
    // Idempotent: a second discard, or one of a stranger, does nothing.
    assert!(!deleting.discard(&7));
    assert!(!deleting.discard(&8));
    assert!(deleting.is_empty());
}

#[test]
fn borrowed_lookups() {
    let set = ExpiringSet::<String>::new(Duration::from_secs(60));
    set.add("job-1".to_string());
    assert!(set.contains("job-1"));
    assert!(set.discard("job-1"));
    assert!(!set.contains("job-1"));
}

#[test]
fn members_turn_stale_after_the_threshold() {
    let clock = MockClock::new();
    let set = set_on(&clock, Duration::from_secs(10));
    set.add(1);
    clock.advance(Duration::from_millis(9_999));
    assert!(set.contains(&1));
    clock.advance(Duration::from_millis(1));
    assert!(!set.contains(&1), "stale at exactly the threshold");
    // Stale but not swept: still stored, no longer a member.
    assert_eq!(set.len(), 1);
    assert!(
        !set.discard(&1),
        "discarding a stale member reports it was not live"
    );
    assert!(set.is_empty());
}

#[test]
fn the_default_threshold_is_one_hour() {
    assert_eq!(DEFAULT_STALE_AFTER, Duration::from_secs(3600));
    let clock = MockClock::new();
    let set = ExpiringSet::builder().clock(clock.clone()).build();
    assert_eq!(set.stale_after(), DEFAULT_STALE_AFTER);
    set.add("x");
    clock.advance(Duration::from_secs(3599));
    assert!(set.contains("x"));
    clock.advance(SECOND);
    assert!(!set.contains("x"));
}

#[test]
fn adding_again_restarts_the_countdown() {
    let clock = MockClock::new();
    let set = set_on(&clock, Duration::from_secs(10));
    assert!(set.add(1));
    clock.advance(Duration::from_secs(8));
    assert!(!set.add(1), "already a member");
    clock.advance(Duration::from_secs(8));
    assert!(
        set.contains(&1),
        "16 s after the first add, 8 s after the second"
    );
    clock.advance(Duration::from_secs(2));
    assert!(!set.contains(&1));
    assert!(set.add(1), "a stale member counts as new");
}

#[test]
fn force_cleanup_removes_stale_members_only() {
    let clock = MockClock::new();
    let set = set_on(&clock, Duration::from_secs(10));
    set.add(1);
    set.add(2);
    clock.advance(Duration::from_secs(6));
    set.add(3);
    assert_eq!(set.force_cleanup(), 0);
    clock.advance(Duration::from_secs(4));
    assert_eq!(set.force_cleanup(), 2);
    assert_eq!(set.len(), 1);
    assert!(set.contains(&3));
    assert_eq!(set.force_cleanup(), 0);
}

#[test]
fn add_sweeps_stale_members_at_most_once_per_cleanup_interval() {
    let clock = MockClock::new();
    let set = ExpiringSet::builder()
        .stale_after(Duration::from_secs(10))
        .cleanup_interval(Duration::from_secs(60))
        .clock(clock.clone())
        .build();
    for i in 0..5 {
        set.add(i);
    }
    clock.advance(Duration::from_secs(30));
    set.add(100);
    clock.advance(Duration::from_secs(25));
    set.add(101);
    assert_eq!(set.len(), 7, "stale members wait for the next sweep");
    clock.advance(Duration::from_secs(5));
    set.add(102);
    // The sweep due at 60 s dropped 0..5 and 100; 101 is live until 65 s.
    assert_eq!(set.len(), 2);
    assert!(set.contains(&101));
    clock.advance(Duration::from_secs(30));
    set.add(103);
    assert_eq!(set.len(), 3, "the next sweep is not due before 120 s");
    // Reads never sweep.
    clock.advance(Duration::from_secs(100));
    assert!(!set.contains(&103));
    assert_eq!(set.len(), 3);
}

#[test]
fn a_guard_keeps_its_item_until_dropped() {
    let deleting = ExpiringSet::new(Duration::from_secs(3600));
    {
        let g = deleting.guard(8u64);
        assert_eq!(*g.item(), 8);
        assert!(deleting.contains(&8));
    }
    assert!(!deleting.contains(&8));
    assert!(deleting.is_empty());
}

#[test]
fn a_guard_releases_its_item_when_the_thread_panics() {
    common::quiet_intentional_panics();
    let deleting = ExpiringSet::new(Duration::from_secs(3600));
    let result = catch_unwind(AssertUnwindSafe(|| {
        let _g = deleting.guard(8u64);
        assert!(deleting.contains(&8));
        panic!("{}: the deletion failed", common::INTENTIONAL);
    }));
    assert!(result.is_err());
    assert!(!deleting.contains(&8));
    assert!(deleting.is_empty());
    // The set still works after the panic.
    deleting.add(9);
    assert!(deleting.contains(&9));
}

#[test]
fn a_guard_on_another_thread_that_panics_releases_too() {
    common::quiet_intentional_panics();
    let deleting = Arc::new(ExpiringSet::new(Duration::from_secs(3600)));
    let inner = deleting.clone();
    let joined = std::thread::spawn(move || {
        let _g = inner.guard("record-1".to_string());
        panic!("{}: signal handler", common::INTENTIONAL);
    })
    .join();
    assert!(joined.is_err());
    assert!(!deleting.contains("record-1"));
}

#[test]
fn concurrent_adds_and_discards_keep_the_set_consistent() {
    common::watchdog(|| {
        let set = Arc::new(ExpiringSet::<u64>::new(Duration::from_secs(3600)));
        let threads = 8;
        let barrier = Arc::new(Barrier::new(threads));
        let handles: Vec<_> = (0..threads as u64)
            .map(|t| {
                let (set, barrier) = (set.clone(), barrier.clone());
                std::thread::spawn(move || {
                    barrier.wait();
                    for i in 0..1000 {
                        let id = t * 1000 + i;
                        assert!(set.add(id));
                        let _g = set.guard(id + 1_000_000);
                        assert!(set.contains(&id));
                        if i % 2 == 0 {
                            assert!(set.discard(&id));
                        }
                    }
                })
            })
            .collect();
        for handle in handles {
            handle.join().unwrap();
        }
        // Odd ids stay; every guarded id is gone.
        assert_eq!(set.len(), threads * 500);
        assert!(set.contains(&1) && !set.contains(&0) && !set.contains(&1_000_001));
    });
}
