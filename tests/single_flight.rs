//! Single-flight loading through `get_or_insert_with` / `try_get_or_insert_with`, with real
//! threads. Every test runs under a watchdog so a deadlock fails instead of hanging.

mod common;

use cachekit::TtlCache;
use common::{panic_message, quiet_intentional_panics, spin_for, watchdog, INTENTIONAL};
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::mpsc;
use std::sync::{Arc, Barrier};
use std::thread;
use std::time::Duration;

const THREADS: usize = 8;

fn cache() -> TtlCache<String, u64> {
    TtlCache::new(1000, Duration::from_secs(3600))
}

#[derive(Debug, PartialEq, Eq)]
struct LoadError(&'static str);

#[test]
fn concurrent_get_or_insert_with_runs_loader_once() {
    watchdog(|| {
        let cache = cache();
        let loads = AtomicUsize::new(0);
        let barrier = Barrier::new(THREADS);
        let results: Vec<u64> = thread::scope(|s| {
            let handles: Vec<_> = (0..THREADS as u64)
                .map(|i| {
                    let (cache, loads, barrier) = (&cache, &loads, &barrier);
                    s.spawn(move || {
                        barrier.wait();
                        cache.get_or_insert_with("shared".to_string(), || {
                            loads.fetch_add(1, Ordering::SeqCst);
                            spin_for(Duration::from_millis(100));
                            1000 + i // distinct per thread, so we can tell who loaded
                        })
                    })
                })
                .collect();
            handles.into_iter().map(|h| h.join().unwrap()).collect()
        });
        assert_eq!(
            loads.load(Ordering::SeqCst),
            1,
            "loader must run exactly once"
        );
        assert!(
            results.iter().all(|&v| v == results[0]),
            "all callers must get the single loaded value: {results:?}"
        );
        assert_eq!(cache.get("shared"), Some(results[0]));
    });
}

#[test]
fn concurrent_try_get_or_insert_with_runs_loader_once() {
    watchdog(|| {
        let cache = cache();
        let loads = AtomicUsize::new(0);
        let barrier = Barrier::new(THREADS);
        let results: Vec<Result<u64, LoadError>> = thread::scope(|s| {
            let handles: Vec<_> = (0..THREADS as u64)
                .map(|i| {
                    let (cache, loads, barrier) = (&cache, &loads, &barrier);
                    s.spawn(move || {
                        barrier.wait();
                        cache.try_get_or_insert_with("shared".to_string(), || {
                            loads.fetch_add(1, Ordering::SeqCst);
                            spin_for(Duration::from_millis(100));
                            Ok(1000 + i)
                        })
                    })
                })
                .collect();
            handles.into_iter().map(|h| h.join().unwrap()).collect()
        });
        assert_eq!(loads.load(Ordering::SeqCst), 1);
        let first = results[0].as_ref().copied().expect("Ok");
        for r in &results {
            assert_eq!(r, &Ok(first));
        }
    });
}

#[test]
fn each_key_is_loaded_once_across_many_threads_and_keys() {
    watchdog(|| {
        let cache: TtlCache<u64, u64> = TtlCache::new(10_000, Duration::from_secs(3600));
        const KEYS: usize = 200;
        let loads: Vec<AtomicUsize> = (0..KEYS).map(|_| AtomicUsize::new(0)).collect();
        let barrier = Barrier::new(THREADS);
        thread::scope(|s| {
            for t in 0..THREADS {
                let (cache, loads, barrier) = (&cache, &loads, &barrier);
                s.spawn(move || {
                    barrier.wait();
                    for j in 0..KEYS {
                        // Different threads walk the keys in different orders.
                        let k = ((j + t * 37) % KEYS) as u64;
                        let v = cache.get_or_insert_with(k, || {
                            loads[k as usize].fetch_add(1, Ordering::SeqCst);
                            thread::yield_now();
                            k * 3
                        });
                        assert_eq!(v, k * 3);
                    }
                });
            }
        });
        for (k, n) in loads.iter().enumerate() {
            assert_eq!(n.load(Ordering::SeqCst), 1, "key {k} loaded more than once");
        }
    });
}

#[test]
fn loader_may_use_the_same_cache_for_another_key() {
    watchdog(|| {
        let cache = cache();
        cache.insert("existing".to_string(), 10);
        let v = cache.get_or_insert_with("outer".to_string(), || {
            cache.insert("side".to_string(), 5);
            let inner = cache.get_or_insert_with("inner".to_string(), || 2);
            let existing = cache.get("existing").unwrap();
            assert!(cache.contains_key("side"));
            assert!(cache.len() >= 3);
            let _ = cache.stats();
            inner + existing + cache.get("side").unwrap()
        });
        assert_eq!(v, 17);
        assert_eq!(cache.get("outer"), Some(17));
        assert_eq!(cache.get("inner"), Some(2));
        assert_eq!(cache.get("side"), Some(5));
    });
}

#[test]
fn no_lock_is_held_while_loader_runs() {
    // While one thread's loader is running, other threads must be able to use the cache for
    // other keys (many keys, so some share whatever shard/lock the loading key lives in).
    watchdog(|| {
        let cache = cache();
        let (done_tx, done_rx) = mpsc::channel::<()>();
        thread::scope(|s| {
            let loader_cache = &cache;
            let loader = s.spawn(move || {
                loader_cache.get_or_insert_with("slow".to_string(), || {
                    // Wait for the other thread to finish its work on the cache.
                    done_rx
                        .recv_timeout(Duration::from_secs(10))
                        .expect("other thread could not use the cache while a loader was running");
                    1
                })
            });
            let other_cache = &cache;
            s.spawn(move || {
                // Give the loader a moment to start (not needed for correctness).
                spin_for(Duration::from_millis(20));
                for i in 0..256u64 {
                    other_cache.insert(format!("other{i}"), i);
                    assert_eq!(other_cache.get(format!("other{i}").as_str()), Some(i));
                    assert_eq!(other_cache.get_or_insert_with(format!("lazy{i}"), || i), i);
                }
                let _ = other_cache.len();
                let _ = other_cache.stats();
                done_tx.send(()).unwrap();
            });
            assert_eq!(loader.join().unwrap(), 1);
        });
    });
}

#[test]
fn panicking_loader_caches_nothing_and_a_later_call_loads_again() {
    quiet_intentional_panics();
    watchdog(|| {
        let cache = cache();
        let r = catch_unwind(AssertUnwindSafe(|| {
            cache.get_or_insert_with("k".to_string(), || -> u64 {
                panic!("{INTENTIONAL}: loader boom")
            })
        }));
        let payload = r.expect_err("the loader's panic must propagate to its caller");
        assert!(panic_message(&*payload).contains("loader boom"));
        assert_eq!(
            cache.get("k"),
            None,
            "nothing may be cached after a panicking loader"
        );
        assert!(!cache.contains_key("k"));
        let v = cache.get_or_insert_with("k".to_string(), || 7);
        assert_eq!(v, 7, "a later call must run its own loader");
        assert_eq!(cache.get("k"), Some(7));
    });
}

#[test]
fn waiters_take_over_when_the_loading_thread_panics() {
    quiet_intentional_panics();
    watchdog(|| {
        let cache = cache();
        let good_loads = AtomicUsize::new(0);
        let (started_tx, started_rx) = mpsc::channel::<()>();
        thread::scope(|s| {
            let c = &cache;
            let panicker = s.spawn(move || {
                catch_unwind(AssertUnwindSafe(|| {
                    c.get_or_insert_with("k".to_string(), || -> u64 {
                        started_tx.send(()).unwrap();
                        // Keep the flight open so the other threads queue up behind it.
                        spin_for(Duration::from_millis(200));
                        panic!("{INTENTIONAL}: first loader fails")
                    })
                }))
            });
            started_rx
                .recv_timeout(Duration::from_secs(10))
                .expect("first loader started");
            let waiters: Vec<_> = (0..THREADS as u64 - 1)
                .map(|i| {
                    let (c, good_loads) = (&cache, &good_loads);
                    s.spawn(move || {
                        c.get_or_insert_with("k".to_string(), || {
                            good_loads.fetch_add(1, Ordering::SeqCst);
                            spin_for(Duration::from_millis(50));
                            500 + i
                        })
                    })
                })
                .collect();
            let panicked = panicker.join().unwrap();
            assert!(
                panicked.is_err(),
                "the panicking loader's caller must see the panic"
            );
            let results: Vec<u64> = waiters.into_iter().map(|h| h.join().unwrap()).collect();
            assert!(
                results.iter().all(|&v| v == results[0]),
                "waiters must all get the value of the one loader that took over: {results:?}"
            );
            assert_eq!(
                good_loads.load(Ordering::SeqCst),
                1,
                "exactly one waiter must take over and run its loader"
            );
            assert_eq!(cache.get("k"), Some(results[0]));
        });
    });
}

#[test]
fn try_loader_error_reaches_caller_and_caches_nothing() {
    watchdog(|| {
        let cache = cache();
        let r = cache.try_get_or_insert_with("k".to_string(), || Err(LoadError("db down")));
        assert_eq!(r, Err(LoadError("db down")));
        assert_eq!(cache.get("k"), None);
        assert!(!cache.contains_key("k"));
        let r = cache.try_get_or_insert_with("k".to_string(), || Ok::<u64, LoadError>(9));
        assert_eq!(r, Ok(9), "a later call must be able to succeed");
        assert_eq!(cache.get("k"), Some(9));
    });
}

#[test]
fn waiters_take_over_when_the_loading_thread_returns_err() {
    watchdog(|| {
        let cache = cache();
        let good_loads = AtomicUsize::new(0);
        let (started_tx, started_rx) = mpsc::channel::<()>();
        thread::scope(|s| {
            let c = &cache;
            let failing = s.spawn(move || {
                c.try_get_or_insert_with("k".to_string(), || {
                    started_tx.send(()).unwrap();
                    spin_for(Duration::from_millis(200));
                    Err(LoadError("first loader fails"))
                })
            });
            started_rx
                .recv_timeout(Duration::from_secs(10))
                .expect("first loader started");
            let waiters: Vec<_> = (0..THREADS as u64 - 1)
                .map(|i| {
                    let (c, good_loads) = (&cache, &good_loads);
                    s.spawn(move || {
                        c.try_get_or_insert_with("k".to_string(), || {
                            good_loads.fetch_add(1, Ordering::SeqCst);
                            spin_for(Duration::from_millis(50));
                            Ok::<u64, LoadError>(500 + i)
                        })
                    })
                })
                .collect();
            assert_eq!(
                failing.join().unwrap(),
                Err(LoadError("first loader fails")),
                "the Err must reach the caller whose loader failed"
            );
            let results: Vec<Result<u64, LoadError>> =
                waiters.into_iter().map(|h| h.join().unwrap()).collect();
            let first = results[0].as_ref().copied().expect("waiters must succeed");
            for r in &results {
                assert_eq!(r, &Ok(first), "waiters must not see another caller's Err");
            }
            assert_eq!(good_loads.load(Ordering::SeqCst), 1);
            assert_eq!(cache.get("k"), Some(first));
        });
    });
}

#[test]
fn recursive_load_of_the_same_key_panics_instead_of_deadlocking() {
    watchdog(|| {
        let cache = cache();
        let r = catch_unwind(AssertUnwindSafe(|| {
            cache.get_or_insert_with("k".to_string(), || {
                cache.get_or_insert_with("k".to_string(), || 1) + 1
            })
        }));
        let payload = r.expect_err("a recursive load of the same key must panic");
        let msg = panic_message(&*payload);
        assert!(
            msg.to_lowercase().contains("recursive"),
            "panic message should mention \"recursive\", got: {msg:?}"
        );
    });
}

#[test]
fn key_is_usable_again_after_recursive_load_panic() {
    watchdog(|| {
        let cache = cache();
        let _ = catch_unwind(AssertUnwindSafe(|| {
            cache.get_or_insert_with("k".to_string(), || {
                cache.get_or_insert_with("k".to_string(), || 1) + 1
            })
        }));
        assert_eq!(cache.get("k"), None);
        assert_eq!(cache.get_or_insert_with("k".to_string(), || 5), 5);
        assert_eq!(cache.get("k"), Some(5));
    });
}

#[test]
fn recursive_try_load_of_the_same_key_panics_instead_of_deadlocking() {
    watchdog(|| {
        let cache = cache();
        let r = catch_unwind(AssertUnwindSafe(|| {
            cache.try_get_or_insert_with("k".to_string(), || {
                cache.try_get_or_insert_with("k".to_string(), || Ok::<u64, LoadError>(1))
            })
        }));
        let payload = r.expect_err("a recursive load of the same key must panic");
        let msg = panic_message(&*payload);
        assert!(msg.to_lowercase().contains("recursive"), "got: {msg:?}");
    });
}

#[test]
fn shared_through_arc_across_spawned_threads() {
    watchdog(|| {
        let cache = Arc::new(cache());
        let handles: Vec<_> = (0..THREADS as u64)
            .map(|t| {
                let cache = Arc::clone(&cache);
                thread::spawn(move || {
                    for i in 0..100u64 {
                        cache.insert(format!("t{t}-{i}"), t * 1000 + i);
                    }
                    cache.get_or_insert_with("common".to_string(), || 42)
                })
            })
            .collect();
        for h in handles {
            assert_eq!(h.join().unwrap(), 42);
        }
        assert_eq!(cache.len(), THREADS * 100 + 1);
        for t in 0..THREADS as u64 {
            assert_eq!(cache.get(format!("t{t}-99").as_str()), Some(t * 1000 + 99));
        }
    });
}
