//! Model checks of the single-flight protocol with [shuttle](https://docs.rs/shuttle): each
//! scenario runs under thousands of schedules, random and PCT (which bounds the preemptions and
//! so reaches the few-preemption bugs with high probability), and shuttle fails the test when
//! every task is blocked, printing a seed or schedule that replays the failure. Only under
//! `--cfg shuttle`, in a target directory of its own:
//!
//! ```sh
//! CARGO_TARGET_DIR=target/shuttle RUSTFLAGS="--cfg shuttle" \
//!     cargo test -p cache-core --lib flight::shuttle_tests
//! ```
//!
//! Most callers repeat the loop of `TtlCache::try_get_or_insert_with` (and of its async form)
//! over a flights map and a store of their own, so that the map can be checked empty at the end
//! and the store is a shuttle mutex (a scheduling point); the last test goes through `TtlCache`.

use std::future::Future;
use std::panic::{self, AssertUnwindSafe};
use std::sync::{Arc, PoisonError};
use std::time::Duration;

use dashmap::DashMap;
use shuttle::sync::{Mutex, MutexGuard};
use shuttle::{future, thread};

use super::{join, Flight, Join};
use crate::TtlCache;

/// Executions per scenario and scheduler: 54,000 in all, about 20 s of CPU (debug build). Every
/// bug injected so far was found within the first 100.
const RANDOM_RUNS: usize = 3_000;
const PCT_RUNS: usize = 3_000;
/// Preemptions PCT places per execution.
const PCT_DEPTH: usize = 3;

const KEY: u32 = 7;

/// How a caller's loader ends, should it run.
#[derive(Clone, Copy, Debug, PartialEq)]
enum Ends {
    /// `Ok(value_of(caller))`.
    Value,
    Error,
    /// Unwinds with [`LoaderPanic`].
    Panic,
    /// Never (async only): the caller is cancelled.
    Never,
}

fn value_of(caller: usize) -> u64 {
    100 + caller as u64
}

#[derive(Debug)]
struct LoadError;

/// Thrown with `resume_unwind`, which skips the panic hook: shuttle's hook prints a schedule
/// for every panic, caught or not.
struct LoaderPanic;

/// What a caller got.
#[derive(Debug, PartialEq)]
enum Outcome {
    Value(u64),
    Error,
    Panicked,
    Cancelled,
}

#[derive(Default)]
struct Model {
    flights: DashMap<u32, Arc<Flight<u64>>>,
    /// The cache's entry for `KEY`.
    stored: Mutex<Option<u64>>,
    /// Callers whose loader ran, in order.
    runs: Mutex<Vec<usize>>,
}

impl Model {
    fn get(&self) -> Option<u64> {
        *lock(&self.stored)
    }

    /// `TtlCache::try_get_or_insert_with`'s loop.
    fn load(&self, loader: impl FnOnce() -> Result<u64, LoadError>) -> Result<u64, LoadError> {
        if let Some(value) = self.get() {
            return Ok(value);
        }
        loop {
            match join(&self.flights, &KEY) {
                Join::Follower(flight) => {
                    if let Some(value) = flight.wait() {
                        return Ok(value);
                    }
                }
                Join::Leader(leadership) => {
                    if let Some(value) = self.get() {
                        leadership.finish(value);
                        return Ok(value);
                    }
                    let value = leadership.run(loader)?;
                    *lock(&self.stored) = Some(value);
                    leadership.finish(value);
                    return Ok(value);
                }
            }
        }
    }

    /// `TtlCache::try_get_or_insert_with_async`'s loop.
    async fn load_async(
        &self,
        loader: impl Future<Output = Result<u64, LoadError>>,
    ) -> Result<u64, LoadError> {
        if let Some(value) = self.get() {
            return Ok(value);
        }
        let mut loader = std::pin::pin!(loader);
        loop {
            match join(&self.flights, &KEY) {
                Join::Follower(flight) => {
                    if let Some(value) = flight.wait_async().await {
                        return Ok(value);
                    }
                }
                Join::Leader(leadership) => {
                    if let Some(value) = self.get() {
                        leadership.finish(value);
                        return Ok(value);
                    }
                    let value = leadership.run_async(loader.as_mut()).await?;
                    *lock(&self.stored) = Some(value);
                    leadership.finish(value);
                    return Ok(value);
                }
            }
        }
    }

    fn loader(
        self: &Arc<Self>,
        caller: usize,
        ends: Ends,
    ) -> impl FnOnce() -> Result<u64, LoadError> {
        let model = Arc::clone(self);
        move || {
            lock(&model.runs).push(caller);
            // The load takes a while: others may arrive meanwhile.
            thread::yield_now();
            finish_load(caller, ends)
        }
    }

    fn loader_async(
        self: &Arc<Self>,
        caller: usize,
        ends: Ends,
    ) -> impl Future<Output = Result<u64, LoadError>> {
        let model = Arc::clone(self);
        async move {
            lock(&model.runs).push(caller);
            future::yield_now().await;
            if ends == Ends::Never {
                std::future::pending::<()>().await;
            }
            finish_load(caller, ends)
        }
    }
}

/// Ignores poisoning, which shuttle makes spurious: its tasks share one OS thread and so one
/// panic count, and a guard dropped while another task unwinds looks dropped in a panic.
fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(PoisonError::into_inner)
}

fn finish_load(caller: usize, ends: Ends) -> Result<u64, LoadError> {
    match ends {
        Ends::Value => Ok(value_of(caller)),
        Ends::Error => Err(LoadError),
        Ends::Panic => panic::resume_unwind(Box::new(LoaderPanic)),
        Ends::Never => unreachable!("a loader that never ends is async"),
    }
}

fn sync_outcome(load: impl FnOnce() -> Result<u64, LoadError>) -> Outcome {
    match panic::catch_unwind(AssertUnwindSafe(load)) {
        Ok(Ok(value)) => Outcome::Value(value),
        Ok(Err(LoadError)) => Outcome::Error,
        Err(payload) if payload.is::<LoaderPanic>() => Outcome::Panicked,
        Err(payload) => panic::resume_unwind(payload),
    }
}

/// One execution: `sync` callers on threads of their own and `tasks` async callers on the
/// main thread's executor, all loading `KEY` at once; callers whose loader never ends are
/// cancelled (their task aborted, which drops the load future) at a point shuttle picks.
/// Callers are numbered sync first.
fn scenario(sync: &'static [Ends], tasks: &'static [Ends]) {
    let model = Arc::new(Model::default());
    let threads: Vec<_> = sync
        .iter()
        .enumerate()
        .map(|(caller, &ends)| {
            let model = Arc::clone(&model);
            thread::spawn(move || sync_outcome(|| model.load(model.loader(caller, ends))))
        })
        .collect();
    let handles: Vec<_> = tasks
        .iter()
        .enumerate()
        .map(|(i, &ends)| {
            let caller = sync.len() + i;
            let model = Arc::clone(&model);
            future::spawn(async move {
                match model.load_async(model.loader_async(caller, ends)).await {
                    Ok(value) => Outcome::Value(value),
                    Err(LoadError) => Outcome::Error,
                }
            })
        })
        .collect();
    for (handle, &ends) in handles.iter().zip(tasks) {
        if ends == Ends::Never {
            handle.abort();
        }
    }
    let mut outcomes: Vec<Outcome> = threads.into_iter().map(|t| t.join().unwrap()).collect();
    outcomes.extend(
        handles
            .into_iter()
            .map(|h| future::block_on(h).unwrap_or(Outcome::Cancelled)),
    );

    let scripts: Vec<Ends> = sync.iter().chain(tasks).copied().collect();
    let runs = lock(&model.runs).clone();
    check(&scripts, &outcomes, &runs);
    let value = value_of(runs[runs.len() - 1]);
    assert_eq!(model.get(), Some(value), "the cache holds the loaded value");
    assert!(model.flights.is_empty(), "a flight outlived its load");
}

/// The properties every execution must have, whatever the schedule: exactly one loader run
/// succeeds; it is the last run; every caller that did not fail gets its value (following,
/// taking over after a failure, or from the cache); a caller fails only by its own loader.
fn check(scripts: &[Ends], outcomes: &[Outcome], runs: &[usize]) {
    let ok_runs: Vec<usize> = runs
        .iter()
        .copied()
        .filter(|&caller| scripts[caller] == Ends::Value)
        .collect();
    assert_eq!(
        ok_runs.len(),
        1,
        "successful loads: {runs:?} of {scripts:?}"
    );
    assert_eq!(
        runs.last(),
        ok_runs.first(),
        "a load ran after it succeeded: {runs:?}"
    );
    let mut seen = runs.to_vec();
    seen.sort_unstable();
    seen.dedup();
    assert_eq!(
        seen.len(),
        runs.len(),
        "a caller ran its loader twice: {runs:?}"
    );
    let value = value_of(ok_runs[0]);
    for (caller, (outcome, ends)) in outcomes.iter().zip(scripts).enumerate() {
        let ran = runs.contains(&caller);
        let expected = match ends {
            Ends::Error if ran => Outcome::Error,
            Ends::Panic if ran => Outcome::Panicked,
            // Cancelled before it finished, or it got the value first.
            Ends::Never if *outcome == Outcome::Cancelled => Outcome::Cancelled,
            _ => Outcome::Value(value),
        };
        assert_eq!(
            *outcome, expected,
            "caller {caller} ({ends:?}); runs {runs:?}; outcomes {outcomes:?}"
        );
    }
}

/// Runs `test` under the random scheduler, then under PCT: `RANDOM_RUNS + PCT_RUNS` executions.
fn explore(test: fn()) {
    shuttle::check_random(test, RANDOM_RUNS);
    shuttle::check_pct(test, PCT_RUNS, PCT_DEPTH);
}

#[test]
fn sync_followers_get_the_leaders_value() {
    explore(|| scenario(&[Ends::Value; 3], &[]));
}

#[test]
fn sync_leader_panic_hands_over_to_a_follower() {
    explore(|| scenario(&[Ends::Panic, Ends::Value, Ends::Value], &[]));
}

#[test]
fn sync_leader_error_hands_over_to_a_follower() {
    explore(|| scenario(&[Ends::Error, Ends::Value, Ends::Value], &[]));
}

#[test]
fn async_followers_get_the_leaders_value() {
    explore(|| scenario(&[], &[Ends::Value; 3]));
}

#[test]
fn async_cancelled_leader_hands_over_to_a_follower() {
    explore(|| scenario(&[], &[Ends::Never, Ends::Value, Ends::Value]));
}

#[test]
fn async_leader_error_hands_over_to_a_follower() {
    explore(|| scenario(&[], &[Ends::Error, Ends::Value, Ends::Value]));
}

/// Sync followers of async leaders (woken by the condvar) and async followers of sync leaders
/// (woken by their wakers), with every way a leader can fail.
#[test]
fn mixed_sync_and_async_callers() {
    explore(|| {
        scenario(
            &[Ends::Panic, Ends::Value],
            &[Ends::Never, Ends::Error, Ends::Value],
        )
    });
}

/// The recursion check tells shuttle's tasks apart: a loader asking for its own key panics,
/// and only that loader.
#[test]
fn recursive_load_panics_only_in_the_loader() {
    explore(|| {
        let model = Arc::new(Model::default());
        let other = {
            let model = Arc::clone(&model);
            thread::spawn(move || model.load(model.loader(1, Ends::Value)).unwrap())
        };
        let inner = Arc::clone(&model);
        let recursive = panic::catch_unwind(AssertUnwindSafe(|| {
            model.load(|| inner.load(|| Ok(value_of(0))))
        }));
        let value = other.join().unwrap();
        match recursive {
            Ok(got) => assert_eq!(got.unwrap(), value, "it followed the other caller"),
            Err(payload) => {
                let message = (payload.downcast_ref::<String>().map(String::as_str))
                    .or_else(|| payload.downcast_ref::<&str>().copied())
                    .unwrap_or_default();
                assert!(message.contains("recursive load"), "{message}");
                assert_eq!(value, value_of(1));
            }
        }
        assert!(model.flights.is_empty());
    });
}

/// Through `TtlCache` itself: its own loops, its entry map instead of the model's store.
#[test]
fn ttl_cache_single_flight() {
    explore(|| {
        let cache = Arc::new(TtlCache::<u32, u64>::new(10, Duration::from_secs(60)));
        let runs = Arc::new(Mutex::new(Vec::new()));
        let failing = {
            let (cache, runs) = (Arc::clone(&cache), Arc::clone(&runs));
            thread::spawn(move || {
                cache.try_get_or_insert_with(KEY, || {
                    lock(&runs).push(0);
                    thread::yield_now();
                    Err::<u64, _>(LoadError)
                })
            })
        };
        let succeeding = {
            let (cache, runs) = (Arc::clone(&cache), Arc::clone(&runs));
            thread::spawn(move || {
                cache.get_or_insert_with(KEY, || {
                    lock(&runs).push(1);
                    thread::yield_now();
                    value_of(1)
                })
            })
        };
        let task = |caller: usize, ends: Ends| {
            let (cache, runs) = (Arc::clone(&cache), Arc::clone(&runs));
            future::spawn(async move {
                let loaded = cache.get_or_insert_with_async(KEY, async {
                    lock(&runs).push(caller);
                    future::yield_now().await;
                    if ends == Ends::Never {
                        std::future::pending::<()>().await;
                    }
                    value_of(caller)
                });
                Outcome::Value(loaded.await)
            })
        };
        let cancelled = task(2, Ends::Never);
        let awaited = task(3, Ends::Value);
        cancelled.abort();
        let outcomes = vec![
            match failing.join().unwrap() {
                Ok(value) => Outcome::Value(value),
                Err(LoadError) => Outcome::Error,
            },
            Outcome::Value(succeeding.join().unwrap()),
            future::block_on(cancelled).unwrap_or(Outcome::Cancelled),
            future::block_on(awaited).unwrap(),
        ];
        let runs = lock(&runs).clone();
        let scripts = [Ends::Error, Ends::Value, Ends::Never, Ends::Value];
        check(&scripts, &outcomes, &runs);
        assert_eq!(cache.get(&KEY), Some(value_of(runs[runs.len() - 1])));
    });
}
