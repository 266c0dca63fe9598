//! The shared tier against a real Redis: sharing between tiers and processes,
//! invalidation, failures, the breaker, corrupted values, the cross-process lock, the
//! namespace clear, and the async forms.
//!
//! Each test starts its own `redis-server` (see `support`); "two processes" are two tiers
//! with one name, each with its own backend (connection, subscriber) and its own registry
//! (local tier), except in `a_second_process_shares_results`, which re-runs this binary.

mod support;

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Barrier};
use std::time::{Duration, Instant};

use cache_core::{HealthStatus, Registry};
use cache_redis::{BreakerState, RedisBackend, SharedTier, StableKey};
use redis::Commands;
use serde::{Deserialize, Serialize};

use support::{config, eventually, unique_prefix};

/// Another "process": its own connection, subscriber and local tier.
struct Process {
    registry: &'static Registry,
    backend: RedisBackend,
}

impl Process {
    fn new(backend: RedisBackend) -> Self {
        Self {
            registry: Box::leak(Box::new(Registry::new())),
            backend,
        }
    }

    fn tier<V>(&self, name: &str, shared_lock: bool) -> SharedTier<V>
    where
        V: Clone + Send + Sync + Serialize + for<'de> Deserialize<'de> + 'static,
    {
        SharedTier::builder(name)
            .ttl(Duration::from_secs(600))
            .local_ttl(Duration::from_secs(60))
            .max_size(1000)
            .shared_lock(shared_lock)
            .backend(self.backend.clone())
            .registry(self.registry)
            .build()
    }
}

fn processes(url: &str, prefix: &str, n: usize) -> Vec<Process> {
    (0..n)
        .map(|_| Process::new(support::backend(config(url, prefix))))
        .collect()
}

/// A body that counts its runs.
#[derive(Clone, Default)]
struct Runs(Arc<AtomicUsize>);

impl Runs {
    fn run<T>(&self, value: T) -> T {
        self.0.fetch_add(1, Ordering::SeqCst);
        value
    }

    fn count(&self) -> usize {
        self.0.load(Ordering::SeqCst)
    }
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
struct User {
    id: u64,
    name: String,
    tags: Vec<String>,
}

fn user(id: u64) -> User {
    User {
        id,
        name: format!("user-{id}"),
        tags: vec!["a".into(), "b".into()],
    }
}

#[test]
fn two_tiers_share_results() {
    let Some(server) = support::server("two_tiers_share_results") else {
        return;
    };
    let prefix = unique_prefix("share");
    let [a, b] = <[Process; 2]>::try_from(processes(&server.url, &prefix, 2))
        .ok()
        .unwrap();
    let (ta, tb) = (
        a.tier::<User>("users", false),
        b.tier::<User>("users", false),
    );
    let runs = Runs::default();

    let key = ta.key(&(7_u64, "eu"));
    assert_eq!(key, tb.key(&(7_u64, "eu")), "one key in every process");
    assert_eq!(ta.get_or_compute(key, || runs.run(user(7))), user(7));
    assert_eq!(tb.get_or_compute(key, || runs.run(user(0))), user(7));
    assert_eq!(tb.get_or_compute(key, || runs.run(user(0))), user(7));
    assert_eq!(runs.count(), 1, "the body ran once across both tiers");

    let (sa, sb) = (ta.stats(), tb.stats());
    assert_eq!((sa.redis_misses, sa.redis_hits, sa.local.misses), (1, 0, 1));
    assert_eq!((sb.redis_hits, sb.local.hits, sb.local.misses), (1, 1, 1));
    assert_eq!(sa.redis_errors + sb.redis_errors, 0);
    assert!(sa.connected && sa.breaker == BreakerState::Closed);

    // What Redis holds: JSON under `<prefix>:<name>:<hex>`, with the tier's TTL.
    let redis_key = ta.redis_key(key).unwrap();
    assert_eq!(redis_key, format!("{prefix}:users:{key}"));
    let mut raw = server.client();
    let stored: String = raw.get(&redis_key).unwrap();
    assert_eq!(serde_json::from_str::<User>(&stored).unwrap(), user(7));
    let ttl: i64 = raw.pttl(&redis_key).unwrap();
    assert!(ttl > 590_000 && ttl <= 600_000, "PTTL {ttl}");

    // `try_` caches only `Ok`, in neither tier.
    let key = ta.key(&(8_u64, "eu"));
    assert_eq!(
        ta.try_get_or_compute(key, || Err::<User, _>("down")),
        Err("down")
    );
    assert!(!raw.exists::<_, bool>(ta.redis_key(key).unwrap()).unwrap());
    assert_eq!(
        tb.try_get_or_compute(key, || Ok::<_, &str>(user(8))),
        Ok(user(8))
    );
    assert_eq!(
        ta.try_get_or_compute(key, || Err::<User, _>("x")),
        Ok(user(8))
    );
}

#[test]
fn different_secrets_or_prefixes_do_not_share() {
    let Some(server) = support::server("different_secrets_or_prefixes_do_not_share") else {
        return;
    };
    let prefix = unique_prefix("secrets");
    let a = Process::new(support::backend(config(&server.url, &prefix)));
    let b = Process::new(support::backend(
        config(&server.url, &prefix).secret("another secret"),
    ));
    let (ta, tb) = (a.tier::<u64>("f", false), b.tier::<u64>("f", false));
    assert_ne!(ta.key(&(1,)), tb.key(&(1,)));
    let runs = Runs::default();
    ta.get_or_compute(ta.key(&(1,)), || runs.run(1));
    tb.get_or_compute(tb.key(&(1,)), || runs.run(1));
    assert_eq!(runs.count(), 2);
}

const CHILD_URL: &str = "CACHEKIT_TEST_CHILD_REDIS_URL";
const CHILD_PREFIX: &str = "CACHEKIT_TEST_CHILD_PREFIX";

/// The child's side of `a_second_process_shares_results`: read what the parent computed,
/// compute something the parent will read.
fn child_process(url: &str, prefix: &str) {
    let me = Process::new(support::backend(config(url, prefix)));
    let tier = me.tier::<User>("cross-process", false);
    let runs = Runs::default();
    let got = tier.get_or_compute(tier.key(&(1_u64,)), || runs.run(user(0)));
    assert_eq!(got, user(1), "the parent's value");
    assert_eq!(runs.count(), 0, "the child's body must not run");
    assert_eq!(tier.stats().redis_hits, 1);
    assert_eq!(
        tier.get_or_compute(tier.key(&(2_u64,)), || runs.run(user(2))),
        user(2)
    );
    println!("child: shared with the parent");
}

#[test]
fn a_second_process_shares_results() {
    if let (Ok(url), Ok(prefix)) = (std::env::var(CHILD_URL), std::env::var(CHILD_PREFIX)) {
        child_process(&url, &prefix);
        return;
    }
    let Some(server) = support::server("a_second_process_shares_results") else {
        return;
    };
    let prefix = unique_prefix("process");
    let me = Process::new(support::backend(config(&server.url, &prefix)));
    let tier = me.tier::<User>("cross-process", false);
    let runs = Runs::default();
    assert_eq!(
        tier.get_or_compute(tier.key(&(1_u64,)), || runs.run(user(1))),
        user(1)
    );

    let output = std::process::Command::new(std::env::current_exe().unwrap())
        .args(["--exact", "a_second_process_shares_results", "--nocapture"])
        .args(["--test-threads", "1"])
        .env(CHILD_URL, &server.url)
        .env(CHILD_PREFIX, &prefix)
        .output()
        .expect("cannot re-run the test binary");
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(
        output.status.success() && stdout.contains("child: shared with the parent"),
        "child failed:\n{stdout}\n{}",
        String::from_utf8_lossy(&output.stderr)
    );
    assert_eq!(
        tier.get_or_compute(tier.key(&(2_u64,)), || runs.run(user(0))),
        user(2)
    );
    assert_eq!(
        runs.count(),
        1,
        "each value computed once, in one of the two processes"
    );
}

#[test]
fn invalidation_reaches_the_other_local_tier() {
    let Some(server) = support::server("invalidation_reaches_the_other_local_tier") else {
        return;
    };
    let prefix = unique_prefix("invalidate");
    let [a, b] = <[Process; 2]>::try_from(processes(&server.url, &prefix, 2))
        .ok()
        .unwrap();
    assert!(a.backend.is_subscribed() && b.backend.is_subscribed());
    let (ta, tb) = (
        a.tier::<u64>("prices", false),
        b.tier::<u64>("prices", false),
    );
    let (key, other) = (ta.key(&("sku-1",)), ta.key(&("sku-2",)));
    for tier in [&ta, &tb] {
        tier.get_or_compute(key, || 1);
        tier.get_or_compute(other, || 10);
    }
    assert!(tb.local_cache().contains_key(&key));

    let started = Instant::now();
    ta.invalidate(key);
    assert!(!ta.local_cache().contains_key(&key));
    assert!(
        eventually(Duration::from_secs(5), || !tb
            .local_cache()
            .contains_key(&key)),
        "the invalidation did not reach the other local tier"
    );
    eprintln!(
        "invalidation reached the other process in {:?}",
        started.elapsed()
    );
    assert!(
        tb.local_cache().contains_key(&other),
        "only that key is dropped"
    );
    assert!(!server
        .client()
        .exists::<_, bool>(ta.redis_key(key).unwrap())
        .unwrap());
    assert_eq!(
        tb.get_or_compute(key, || 2),
        2,
        "recomputed after the invalidation"
    );
    assert_eq!(ta.get_or_compute(key, || 3), 2, "and shared again");
}

#[test]
fn namespace_clear_through_the_registry() {
    let Some(server) = support::server("namespace_clear_through_the_registry") else {
        return;
    };
    let prefix = unique_prefix("clear");
    let [a, b] = <[Process; 2]>::try_from(processes(&server.url, &prefix, 2))
        .ok()
        .unwrap();
    let (ta, tb) = (
        a.tier::<u64>("orders", false),
        b.tier::<u64>("orders", false),
    );
    // A name that extends the cleared one: its keys match `orders:*` but are not its own.
    let longer = a.tier::<u64>("orders:archive", false);
    for i in 0..1200_u64 {
        ta.get_or_compute(ta.key(&(i,)), || i);
    }
    longer.get_or_compute(longer.key(&(1,)), || 1);
    tb.get_or_compute(tb.key(&(1_u64,)), || 0);
    assert_eq!(tb.local_cache().len(), 1);

    a.registry.clear("orders").unwrap();
    assert!(ta.local_cache().is_empty());
    let mut raw = server.client();
    let left: Vec<String> = raw.keys(format!("{prefix}:orders:*")).unwrap();
    assert_eq!(
        left,
        [longer.redis_key(longer.key(&(1,))).unwrap()],
        "only the longer name's key is left"
    );
    assert!(
        eventually(Duration::from_secs(5), || tb.local_cache().is_empty()),
        "the other process's local tier was not cleared"
    );
    assert_eq!(longer.local_cache().len(), 1);

    // `SharedTier::clear` reports what it deleted.
    ta.get_or_compute(ta.key(&(1_u64,)), || 1);
    assert_eq!(ta.clear(), 1);
}

#[test]
fn calls_succeed_when_redis_is_killed_mid_run() {
    let Some(mut server) = support::own_server("calls_succeed_when_redis_is_killed_mid_run") else {
        return;
    };
    let prefix = unique_prefix("killed");
    let me = Process::new(support::backend(config(&server.url, &prefix)));
    let tier = me.tier::<u64>("square", false);
    let square = |i: u64| tier.get_or_compute(tier.key(&(i,)), || i * i);
    for i in 0..50 {
        assert_eq!(square(i), i * i);
    }
    server.kill();
    let started = Instant::now();
    for i in 0..200 {
        assert_eq!(square(i), i * i, "old and new keys alike");
    }
    let elapsed = started.elapsed();
    let stats = tier.stats();
    assert!(stats.redis_errors > 0, "{stats:?}");
    assert_eq!(stats.breaker, BreakerState::Open);
    assert!(
        stats.redis_skipped > 0,
        "the breaker stopped the attempts: {stats:?}"
    );
    assert!(
        elapsed < Duration::from_secs(3),
        "a dead Redis cost {elapsed:?}"
    );
    // The async path too.
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let value = runtime.block_on(tier.get_or_compute_async(tier.key(&(1000,)), async { 7 }));
    assert_eq!(value, 7);
}

#[test]
fn slow_redis_times_out_and_the_call_runs_locally() {
    let Some(server) = support::own_server("slow_redis_times_out_and_the_call_runs_locally") else {
        return;
    };
    let prefix = unique_prefix("slow");
    let config = config(&server.url, &prefix).command_timeout(Duration::from_millis(100));
    let me = Process::new(support::backend(config));
    let tier = me.tier::<u64>("slow", false);
    tier.get_or_compute(tier.key(&(0,)), || 0); // a connection in the pool
                                                // Every client but this one waits 2 s for an answer.
    let _: () = redis::cmd("CLIENT")
        .arg("PAUSE")
        .arg(2000)
        .arg("ALL")
        .query(&mut server.client())
        .unwrap();
    let started = Instant::now();
    assert_eq!(tier.get_or_compute(tier.key(&(1,)), || 1), 1);
    let elapsed = started.elapsed();
    assert!(elapsed < Duration::from_millis(1000), "took {elapsed:?}");
    assert!(tier.stats().redis_errors >= 1);
}

#[test]
fn the_breaker_opens_then_half_opens_and_closes() {
    let Some(mut server) = support::own_server("the_breaker_opens_then_half_opens_and_closes")
    else {
        return;
    };
    let prefix = unique_prefix("breaker");
    let reset = Duration::from_millis(300);
    let config = config(&server.url, &prefix)
        .breaker_failures(3)
        .breaker_reset(reset);
    let me = Process::new(support::backend(config));
    let tier = me.tier::<u64>("breaker", false);
    let mut next = 0_u64;
    let mut call = || {
        next += 1;
        tier.get_or_compute(tier.key(&(next,)), || next)
    };
    call();
    assert_eq!(me.registry.health().status, HealthStatus::Healthy);

    server.kill();
    // Each miss is a GET and a SET: the third failure (the second call's GET) opens it.
    call();
    assert_eq!(tier.stats().breaker, BreakerState::Closed);
    call();
    let stats = tier.stats();
    assert_eq!((stats.breaker, stats.redis_errors), (BreakerState::Open, 3));
    let health = me.registry.health();
    assert_eq!(health.status, HealthStatus::Warning);
    assert!(
        health
            .warnings
            .iter()
            .any(|w| w.contains("\"breaker\"") && w.contains("circuit breaker is open")),
        "{health}"
    );
    // While open, calls do not touch Redis.
    for _ in 0..10 {
        call();
    }
    let stats = tier.stats();
    assert_eq!(stats.redis_errors, 3);
    assert!(stats.redis_skipped >= 10);

    // Still down when the reset timeout passes: the probe fails and it opens again.
    assert!(eventually(Duration::from_secs(5), || tier.stats().breaker
        == BreakerState::HalfOpen));
    call();
    assert_eq!(tier.stats().breaker, BreakerState::Open);
    assert_eq!(tier.stats().redis_errors, 4);

    server.restart();
    assert!(eventually(Duration::from_secs(5), || tier.stats().breaker
        == BreakerState::HalfOpen));
    let before = tier.stats();
    call(); // the probe: its GET succeeds, the breaker closes, its SET goes through
    let after = tier.stats();
    assert_eq!(after.breaker, BreakerState::Closed);
    assert_eq!(after.redis_errors, before.redis_errors);
    assert_eq!(after.redis_misses, before.redis_misses + 1);
    assert_eq!(me.registry.health().status, HealthStatus::Healthy);
    // And the value reached Redis.
    let key = tier.key(&(next,));
    assert!(server
        .client()
        .exists::<_, bool>(tier.redis_key(key).unwrap())
        .unwrap());
}

#[test]
fn a_corrupted_value_is_a_miss_and_is_overwritten() {
    let Some(server) = support::server("a_corrupted_value_is_a_miss_and_is_overwritten") else {
        return;
    };
    let prefix = unique_prefix("corrupt");
    let [a, b] = <[Process; 2]>::try_from(processes(&server.url, &prefix, 2))
        .ok()
        .unwrap();
    let (ta, tb) = (
        a.tier::<User>("users", false),
        b.tier::<User>("users", false),
    );
    let key = ta.key(&(5_u64,));
    let redis_key = ta.redis_key(key).unwrap();
    let mut raw = server.client();

    for garbage in [
        &b"{\"id\": 5, \"na"[..],
        b"\xff\xfe not json",
        b"{\"id\":\"five\"}",
        b"",
    ] {
        let _: () = raw.set(&redis_key, garbage).unwrap();
        tb.local_cache().clear();
        let runs = Runs::default();
        assert_eq!(tb.get_or_compute(key, || runs.run(user(5))), user(5));
        assert_eq!(runs.count(), 1, "garbage is a miss");
        let stored: Vec<u8> = raw.get(&redis_key).unwrap();
        assert_eq!(
            serde_json::from_slice::<User>(&stored).unwrap(),
            user(5),
            "and is overwritten"
        );
    }
    assert_eq!(tb.stats().deserialize_errors, 4);
    assert_eq!(ta.get_or_compute(key, || user(0)), user(5));

    // A key of another type (WRONGTYPE on GET): a miss as well, overwritten by SET.
    let _: () = raw.del(&redis_key).unwrap();
    let _: () = raw.rpush(&redis_key, "x").unwrap();
    tb.local_cache().clear();
    assert_eq!(tb.get_or_compute(key, || user(6)), user(6));
    let stored: String = raw.get(&redis_key).unwrap();
    assert_eq!(serde_json::from_str::<User>(&stored).unwrap(), user(6));
    assert_eq!(
        tb.stats().breaker,
        BreakerState::Closed,
        "an answered error is no outage"
    );
}

#[test]
fn shared_lock_runs_the_body_once_across_processes() {
    let Some(server) = support::server("shared_lock_runs_the_body_once_across_processes") else {
        return;
    };
    let prefix = unique_prefix("lock");
    let procs = processes(&server.url, &prefix, 3);
    let tiers: Vec<SharedTier<u64>> = procs.iter().map(|p| p.tier("slow-report", true)).collect();
    let runs = Runs::default();
    for round in 0..3_u64 {
        let barrier = Barrier::new(tiers.len());
        let values: Vec<u64> = std::thread::scope(|s| {
            let handles: Vec<_> = tiers
                .iter()
                .map(|tier| {
                    let (barrier, runs) = (&barrier, &runs);
                    s.spawn(move || {
                        let key = tier.key(&(round,));
                        barrier.wait();
                        tier.get_or_compute(key, || {
                            std::thread::sleep(Duration::from_millis(200));
                            runs.run(round * 100)
                        })
                    })
                })
                .collect();
            handles.into_iter().map(|h| h.join().unwrap()).collect()
        });
        assert!(values.iter().all(|&v| v == round * 100), "{values:?}");
        assert_eq!(
            runs.count(),
            round as usize + 1,
            "round {round}: the body ran more than once"
        );
    }
    let acquired: u64 = tiers.iter().map(|t| t.stats().lock_acquired).sum();
    let hits: u64 = tiers.iter().map(|t| t.stats().redis_hits).sum();
    let waits: u64 = tiers.iter().map(|t| t.stats().lock_waits).sum();
    assert_eq!(acquired, 3, "one lock per round");
    assert_eq!(hits, 6, "the others read the holder's value");
    assert!(
        waits >= 1 && waits <= hits,
        "{waits} of {hits} hits came while waiting"
    );
    // Released: no lock keys left behind.
    let locks: Vec<String> = server.client().keys(format!("{prefix}:*:lock")).unwrap();
    assert!(locks.is_empty(), "{locks:?}");
}

#[test]
fn shared_lock_waiters_fall_back_when_the_holder_is_slow() {
    let Some(server) = support::server("shared_lock_waiters_fall_back_when_the_holder_is_slow")
    else {
        return;
    };
    let prefix = unique_prefix("lockwait");
    let config = config(&server.url, &prefix)
        .lock_wait(Duration::from_millis(200))
        .lock_poll(Duration::from_millis(10));
    let a = Process::new(support::backend(config.clone()));
    let b = Process::new(support::backend(config));
    let (ta, tb) = (
        a.tier::<String>("report", true),
        b.tier::<String>("report", true),
    );
    let key = ta.key(&("q3",));
    let lock_key = format!("{}:lock", ta.redis_key(key).unwrap());
    let mut raw = server.client();
    std::thread::scope(|s| {
        let holder = s.spawn(|| {
            ta.get_or_compute(key, || {
                std::thread::sleep(Duration::from_millis(1500));
                "holder".to_string()
            })
        });
        assert!(eventually(Duration::from_secs(5), || raw
            .exists::<_, bool>(&lock_key)
            .unwrap()));
        let started = Instant::now();
        assert_eq!(tb.get_or_compute(key, || "waiter".to_string()), "waiter");
        let waited = started.elapsed();
        assert!(
            waited >= Duration::from_millis(200) && waited < Duration::from_millis(1200),
            "{waited:?}"
        );
        assert_eq!(tb.stats().lock_timeouts, 1);
        assert_eq!(holder.join().unwrap(), "holder");
    });
    // The holder released its own lock, and nobody else's.
    assert!(!raw.exists::<_, bool>(&lock_key).unwrap());
}

#[test]
fn a_lock_is_released_when_the_body_panics_or_fails() {
    let Some(server) = support::server("a_lock_is_released_when_the_body_panics_or_fails") else {
        return;
    };
    let prefix = unique_prefix("lockpanic");
    let me = Process::new(support::backend(config(&server.url, &prefix)));
    let tier = me.tier::<u64>("fragile", true);
    let key = tier.key(&(1,));
    let lock_key = format!("{}:lock", tier.redis_key(key).unwrap());
    let mut raw = server.client();
    let panicked = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        tier.get_or_compute(key, || panic!("body failed"))
    }));
    assert!(panicked.is_err());
    assert!(!raw.exists::<_, bool>(&lock_key).unwrap());
    assert_eq!(tier.try_get_or_compute(key, || Err::<u64, _>(())), Err(()));
    assert!(!raw.exists::<_, bool>(&lock_key).unwrap());
    assert_eq!(tier.get_or_compute(key, || 2), 2);
}

#[test]
fn uncacheable_arguments_run_the_body_every_time() {
    let Some(server) = support::server("uncacheable_arguments_run_the_body_every_time") else {
        return;
    };
    let prefix = unique_prefix("uncacheable");
    let me = Process::new(support::backend(config(&server.url, &prefix)));
    let tier = me.tier::<u64>("odd", false);
    let args = std::collections::BTreeMap::from([((1, 2), 3)]);
    let key = tier.key(&(args,));
    assert_eq!(key, StableKey::UNCACHEABLE);
    let runs = Runs::default();
    tier.get_or_compute(key, || runs.run(1));
    tier.get_or_compute(key, || runs.run(1));
    assert_eq!(runs.count(), 2);
    assert_eq!(tier.stats().uncacheable, 2);
    assert!(tier.local_cache().is_empty());
}

#[tokio::test]
async fn async_forms_share_invalidate_and_lock() {
    let Some(server) = support::server("async_forms_share_invalidate_and_lock") else {
        return;
    };
    let prefix = unique_prefix("async");
    let [a, b] = <[Process; 2]>::try_from(processes(&server.url, &prefix, 2))
        .ok()
        .unwrap();
    let (ta, tb) = (a.tier::<User>("users", true), b.tier::<User>("users", true));
    let runs = Runs::default();
    let key = ta.key(&(9_u64,));

    // Racing on one missing key from two "processes": the lock lets one body run.
    let slow = |id| {
        let runs = runs.clone();
        async move {
            tokio::time::sleep(Duration::from_millis(100)).await;
            runs.run(user(id))
        }
    };
    let (va, vb) = tokio::join!(
        ta.get_or_compute_async(key, slow(9)),
        tb.get_or_compute_async(key, slow(9)),
    );
    assert_eq!((va, vb), (user(9), user(9)));
    assert_eq!(runs.count(), 1);
    assert_eq!(ta.stats().lock_acquired + tb.stats().lock_acquired, 1);

    // `try_`: an `Err` is not cached.
    let other = ta.key(&(10_u64,));
    let failed = ta
        .try_get_or_compute_async(other, async { Err::<User, _>("db down") })
        .await;
    assert_eq!(failed, Err("db down"));
    let loaded = tb
        .try_get_or_compute_async(other, async { Ok::<_, &str>(user(10)) })
        .await;
    assert_eq!(loaded, Ok(user(10)));
    assert_eq!(
        ta.try_get_or_compute_async(other, async { Err("x") }).await,
        Ok(user(10))
    );

    // Invalidation reaches the other local tier.
    assert!(tb.local_cache().contains_key(&key));
    ta.invalidate_async(key).await;
    let deadline = Instant::now() + Duration::from_secs(5);
    while tb.local_cache().contains_key(&key) {
        assert!(Instant::now() < deadline, "the invalidation did not arrive");
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    assert_eq!(
        tb.get_or_compute_async(key, async { user(11) }).await,
        user(11)
    );
    assert_eq!(ta.stats().redis_errors + tb.stats().redis_errors, 0);
}

#[test]
fn async_futures_are_send() {
    fn assert_send<T: Send>(_: &T) {}
    let tier = SharedTier::builder("send-check").build::<u64>();
    let key = tier.key(&(1,));
    assert_send(&tier.get_or_compute_async(key, async { 1 }));
    assert_send(&tier.try_get_or_compute_async(key, async { Ok::<u64, ()>(1) }));
    assert_send(&tier.invalidate_async(key));
}

#[test]
fn the_subscriber_comes_back_after_a_restart() {
    let Some(mut server) = support::own_server("the_subscriber_comes_back_after_a_restart") else {
        return;
    };
    let prefix = unique_prefix("resubscribe");
    let [a, b] = <[Process; 2]>::try_from(processes(&server.url, &prefix, 2))
        .ok()
        .unwrap();
    let (ta, tb) = (a.tier::<u64>("f", false), b.tier::<u64>("f", false));
    let key = ta.key(&(1,));
    ta.get_or_compute(key, || 1);
    tb.get_or_compute(key, || 1);
    assert_eq!(b.backend.subscriptions(), 1);

    server.restart();
    assert!(
        eventually(Duration::from_secs(5), || b.backend.subscriptions() == 2
            && b.backend.is_subscribed()),
        "the subscriber did not come back"
    );
    // Whatever was published meanwhile is lost, so the local tier started afresh.
    assert!(!tb.local_cache().contains_key(&key));

    // Invalidations flow again (the breaker may need its probe first).
    tb.get_or_compute(key, || 2);
    assert!(eventually(Duration::from_secs(5), || {
        ta.invalidate(key);
        !tb.local_cache().contains_key(&key)
    }));
}

#[test]
fn a_name_taken_by_another_type_is_not_fatal() {
    let registry = Registry::new();
    registry
        .get_or_create::<u8, u8>("taken", 10, Duration::from_secs(60))
        .unwrap();
    let tier = SharedTier::builder("taken")
        .registry(&registry)
        .build::<u64>();
    assert_eq!(tier.get_or_compute(tier.key(&(1,)), || 5), 5);
    assert_eq!(
        tier.get_or_compute(tier.key(&(1,)), || 6),
        5,
        "its own local tier works"
    );
    assert_eq!(registry.names(), ["taken"]);
}
