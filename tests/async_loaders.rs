//! `get_or_insert_with_async` / `try_get_or_insert_with_async`, driven by the tiny `block_on`
//! executor in `common` (no tokio/futures). Every test runs under a watchdog.

mod common;

use cachekit::TtlCache;
use common::{
    block_on, panic_message, poll_once, quiet_intentional_panics, spin_for, watchdog, FlagWaker,
    YieldOnce, INTENTIONAL,
};
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::pin::pin;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{mpsc, Barrier};
use std::task::{Poll, Waker};
use std::thread;
use std::time::Duration;

fn cache() -> TtlCache<String, u64> {
    TtlCache::new(1000, Duration::from_secs(3600))
}

#[derive(Debug, PartialEq, Eq)]
struct LoadError(&'static str);

#[test]
fn async_loader_value_is_returned_and_cached() {
    watchdog(|| {
        let cache = cache();
        let v = block_on(cache.get_or_insert_with_async("e".to_string(), async { 5 }));
        assert_eq!(v, 5);
        assert_eq!(cache.get("e"), Some(5));
    });
}

#[test]
fn async_loader_that_suspends_completes_under_block_on() {
    watchdog(|| {
        let cache = cache();
        let v = block_on(cache.get_or_insert_with_async("e".to_string(), async {
            YieldOnce::new().await;
            YieldOnce::new().await;
            11
        }));
        assert_eq!(v, 11);
        assert_eq!(cache.get("e"), Some(11));
    });
}

#[test]
fn async_get_of_cached_key_does_not_poll_the_loader() {
    watchdog(|| {
        let cache = cache();
        cache.insert("e".to_string(), 1);
        let polled = AtomicUsize::new(0);
        let v = block_on(cache.get_or_insert_with_async("e".to_string(), async {
            polled.fetch_add(1, Ordering::SeqCst);
            2
        }));
        assert_eq!(v, 1);
        assert_eq!(polled.load(Ordering::SeqCst), 0);
    });
}

#[test]
fn try_async_ok_is_cached_and_err_caches_nothing() {
    watchdog(|| {
        let cache = cache();
        let r = block_on(cache.try_get_or_insert_with_async("f".to_string(), async {
            YieldOnce::new().await;
            Err(LoadError("nope"))
        }));
        assert_eq!(r, Err(LoadError("nope")), "the Err must reach the caller");
        assert_eq!(cache.get("f"), None, "an Err must not be cached");

        let r = block_on(
            cache.try_get_or_insert_with_async("f".to_string(), async { Ok::<u64, LoadError>(6) }),
        );
        assert_eq!(r, Ok(6), "a later call can succeed");
        assert_eq!(cache.get("f"), Some(6));

        let r = block_on(cache.try_get_or_insert_with_async("f".to_string(), async {
            Err::<u64, LoadError>(LoadError("must not run"))
        }));
        assert_eq!(
            r,
            Ok(6),
            "cached value is returned without running the loader"
        );
    });
}

#[test]
fn concurrent_async_callers_on_threads_run_loader_once() {
    watchdog(|| {
        let cache = cache();
        let loads = AtomicUsize::new(0);
        const THREADS: usize = 8;
        let barrier = Barrier::new(THREADS);
        let results: Vec<u64> = thread::scope(|s| {
            let handles: Vec<_> = (0..THREADS as u64)
                .map(|i| {
                    let (cache, loads, barrier) = (&cache, &loads, &barrier);
                    s.spawn(move || {
                        barrier.wait();
                        block_on(
                            cache.get_or_insert_with_async("shared".to_string(), async move {
                                loads.fetch_add(1, Ordering::SeqCst);
                                spin_for(Duration::from_millis(100));
                                YieldOnce::new().await;
                                100 + i
                            }),
                        )
                    })
                })
                .collect();
            handles.into_iter().map(|h| h.join().unwrap()).collect()
        });
        assert_eq!(loads.load(Ordering::SeqCst), 1);
        assert!(results.iter().all(|&v| v == results[0]), "{results:?}");
        assert_eq!(cache.get("shared"), Some(results[0]));
    });
}

#[test]
fn async_waiter_on_same_thread_is_pending_then_woken_with_the_value() {
    // Two tasks on a single-threaded executor ask for the same key: the second must wait
    // without blocking the thread, be woken when the first finishes, and get its value.
    watchdog(|| {
        let cache = cache();
        let loads = AtomicUsize::new(0);
        let mut first = pin!(cache.get_or_insert_with_async("k".to_string(), async {
            loads.fetch_add(1, Ordering::SeqCst);
            YieldOnce::new().await;
            1
        }));
        let mut second = pin!(cache.get_or_insert_with_async("k".to_string(), async {
            loads.fetch_add(1, Ordering::SeqCst);
            2
        }));
        let w1 = FlagWaker::new();
        let w2 = FlagWaker::new();
        let waker1 = Waker::from(w1.clone());
        let waker2 = Waker::from(w2.clone());

        assert!(
            poll_once(first.as_mut(), &waker1).is_pending(),
            "first loader is in flight"
        );
        assert!(
            poll_once(second.as_mut(), &waker2).is_pending(),
            "second caller must wait for the in-flight load (not run its own loader)"
        );
        assert_eq!(poll_once(first.as_mut(), &waker1), Poll::Ready(1));
        assert!(
            w2.was_woken(),
            "the waiting task must be woken when the load completes"
        );
        assert_eq!(poll_once(second.as_mut(), &waker2), Poll::Ready(1));
        assert_eq!(loads.load(Ordering::SeqCst), 1);
    });
}

#[test]
fn dropped_in_flight_async_load_lets_a_later_caller_load() {
    watchdog(|| {
        let cache = cache();
        let completed = AtomicUsize::new(0);
        {
            let mut fut = pin!(cache.get_or_insert_with_async("k".to_string(), async {
                YieldOnce::new().await;
                completed.fetch_add(1, Ordering::SeqCst);
                1
            }));
            let poll = poll_once(fut.as_mut(), Waker::noop());
            assert!(poll.is_pending(), "the loader must be suspended mid-flight");
            // `fut` is dropped here, mid-flight.
        }
        assert_eq!(completed.load(Ordering::SeqCst), 0);
        assert_eq!(cache.get("k"), None, "a dropped load caches nothing");
        let v = block_on(cache.get_or_insert_with_async("k".to_string(), async { 2 }));
        assert_eq!(v, 2, "a later caller must run its own loader");
        assert_eq!(cache.get("k"), Some(2));
        // The sync API must not be stuck on the abandoned flight either.
        cache.remove("k");
        assert_eq!(cache.get_or_insert_with("k".to_string(), || 3), 3);
    });
}

#[test]
fn dropped_in_flight_async_load_hands_over_to_a_waiting_thread() {
    watchdog(|| {
        let cache = cache();
        let (started_tx, started_rx) = mpsc::channel::<()>();
        thread::scope(|s| {
            let c = &cache;
            let waiter = s.spawn(move || {
                started_rx
                    .recv_timeout(Duration::from_secs(10))
                    .expect("first load started");
                block_on(c.get_or_insert_with_async("k".to_string(), async { 2 }))
            });
            {
                let mut fut = pin!(cache.get_or_insert_with_async("k".to_string(), async {
                    YieldOnce::new().await;
                    1
                }));
                assert!(poll_once(fut.as_mut(), Waker::noop()).is_pending());
                started_tx.send(()).unwrap();
                // Let the other thread queue up behind this flight before abandoning it.
                spin_for(Duration::from_millis(200));
            }
            assert_eq!(
                waiter.join().unwrap(),
                2,
                "the waiter must take over the abandoned load"
            );
        });
        assert_eq!(cache.get("k"), Some(2));
    });
}

#[test]
fn dropped_in_flight_async_load_hands_over_to_a_sync_waiter() {
    watchdog(|| {
        let cache = cache();
        let (started_tx, started_rx) = mpsc::channel::<()>();
        thread::scope(|s| {
            let c = &cache;
            let waiter = s.spawn(move || {
                started_rx
                    .recv_timeout(Duration::from_secs(10))
                    .expect("first load started");
                c.get_or_insert_with("k".to_string(), || 3)
            });
            {
                let mut fut = pin!(cache.get_or_insert_with_async("k".to_string(), async {
                    YieldOnce::new().await;
                    1
                }));
                assert!(poll_once(fut.as_mut(), Waker::noop()).is_pending());
                started_tx.send(()).unwrap();
                spin_for(Duration::from_millis(200));
            }
            assert_eq!(waiter.join().unwrap(), 3);
        });
        assert_eq!(cache.get("k"), Some(3));
    });
}

#[test]
fn panicking_async_loader_caches_nothing() {
    quiet_intentional_panics();
    watchdog(|| {
        let cache = cache();
        let r = catch_unwind(AssertUnwindSafe(|| {
            block_on(cache.get_or_insert_with_async("k".to_string(), async {
                YieldOnce::new().await;
                panic!("{INTENTIONAL}: async loader boom");
                #[allow(unreachable_code)]
                0u64
            }))
        }));
        let payload = r.expect_err("panic must propagate");
        assert!(panic_message(&*payload).contains("async loader boom"));
        assert_eq!(cache.get("k"), None);
        let v = block_on(cache.get_or_insert_with_async("k".to_string(), async { 4 }));
        assert_eq!(v, 4);
    });
}
