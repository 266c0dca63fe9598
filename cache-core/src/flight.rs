//! Single-flight: concurrent loads of one absent key run one loader, and everyone gets its
//! value.
//!
//! Each load in progress has a [`Flight`] in a map keyed like the cache. The first caller
//! becomes the *leader* and runs the loader with no lock held; later callers *follow*: they
//! block (sync) or register a waker (async) until the leader finishes. A leader that panics,
//! returns an error or is dropped mid-await *abandons* the flight, and each follower goes back
//! to the start, where one of them becomes the new leader. The flight is removed from the map
//! as soon as it ends, so the map only ever holds loads in progress.

use std::future::Future;
use std::hash::{BuildHasher, Hash};
use std::pin::Pin;
use std::sync::{Arc, PoisonError};
use std::task::{Context, Poll, Waker};

// Under `--cfg shuttle` the flight's own primitives are shuttle's, whose scheduler then controls
// and explores their interleavings (`shuttle_tests`). The flights map and the cache keep their
// real locks: no shuttle operation happens while one is held, so shuttle never switches tasks
// inside them and each of their operations is one atomic step.
#[cfg(shuttle)]
use shuttle::sync::{
    atomic::{AtomicUsize, Ordering},
    Condvar, Mutex, MutexGuard,
};
#[cfg(not(shuttle))]
use std::sync::{
    atomic::{AtomicUsize, Ordering},
    Condvar, Mutex, MutexGuard,
};

use dashmap::mapref::entry::Entry as MapEntry;
use dashmap::DashMap;

pub(crate) struct Flight<V> {
    state: Mutex<State<V>>,
    finished: Condvar,
    /// The thread currently running (sync) or polling (async) the loader, plus one; 0 when
    /// none. A follower on that very thread is the loader asking for its own key.
    loader_thread: AtomicUsize,
}

enum State<V> {
    Running(Vec<Waker>),
    Finished(V),
    Abandoned,
}

impl<V: Clone> Flight<V> {
    fn new() -> Self {
        Self {
            state: Mutex::new(State::Running(Vec::new())),
            finished: Condvar::new(),
            loader_thread: AtomicUsize::new(0),
        }
    }

    fn lock(&self) -> MutexGuard<'_, State<V>> {
        // No user code runs under this lock, so a poisoned lock still holds a valid state.
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }

    fn end(&self, outcome: State<V>) {
        let previous = std::mem::replace(&mut *self.lock(), outcome);
        self.finished.notify_all();
        if let State::Running(wakers) = previous {
            wakers.into_iter().for_each(Waker::wake);
        }
    }

    fn panic_if_recursive(&self) {
        if self.loader_thread.load(Ordering::Acquire) == current_thread() {
            panic!(
                "cachekit: recursive load: the loader of a key asked the same cache for that \
                 same key on the same thread; this would wait for itself forever"
            );
        }
    }

    /// Blocks until the flight ends: `Some(value)` if it finished, `None` if abandoned.
    pub(crate) fn wait(&self) -> Option<V> {
        self.panic_if_recursive();
        let mut state = self.lock();
        loop {
            match &*state {
                State::Running(_) => {
                    state = self
                        .finished
                        .wait(state)
                        .unwrap_or_else(PoisonError::into_inner);
                }
                State::Finished(value) => return Some(value.clone()),
                State::Abandoned => return None,
            }
        }
    }

    /// Waits without blocking the thread; resolves like [`Flight::wait`].
    pub(crate) fn wait_async(self: Arc<Self>) -> WaitFlight<V> {
        WaitFlight { flight: self }
    }
}

/// The future returned by [`Flight::wait_async`].
pub(crate) struct WaitFlight<V> {
    flight: Arc<Flight<V>>,
}

impl<V: Clone> Future for WaitFlight<V> {
    type Output = Option<V>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<V>> {
        self.flight.panic_if_recursive();
        let mut state = self.flight.lock();
        match &mut *state {
            State::Running(wakers) => {
                if !wakers.iter().any(|w| w.will_wake(cx.waker())) {
                    wakers.push(cx.waker().clone());
                }
                Poll::Pending
            }
            State::Finished(value) => Poll::Ready(Some(value.clone())),
            State::Abandoned => Poll::Ready(None),
        }
    }
}

pub(crate) enum Join<'a, K: Hash + Eq, V: Clone, S: BuildHasher + Clone> {
    Leader(Leadership<'a, K, V, S>),
    Follower(Arc<Flight<V>>),
}

/// Joins the flight for `key`, starting it if there is none.
pub(crate) fn join<'a, K, V, S>(
    flights: &'a DashMap<K, Arc<Flight<V>>, S>,
    key: &K,
) -> Join<'a, K, V, S>
where
    K: Hash + Eq + Clone,
    V: Clone,
    S: BuildHasher + Clone,
{
    map_step();
    match flights.entry(key.clone()) {
        MapEntry::Occupied(occupied) => Join::Follower(Arc::clone(occupied.get())),
        MapEntry::Vacant(vacant) => {
            let flight = Arc::new(Flight::new());
            vacant.insert(Arc::clone(&flight));
            Join::Leader(Leadership {
                flights,
                key: key.clone(),
                flight,
                ended: false,
            })
        }
    }
}

/// The leader's side of a flight: finishing it hands the value to the followers; dropping it
/// unfinished (panic, error, cancellation) abandons it so that a follower takes over.
pub(crate) struct Leadership<'a, K: Hash + Eq, V: Clone, S: BuildHasher + Clone> {
    flights: &'a DashMap<K, Arc<Flight<V>>, S>,
    key: K,
    flight: Arc<Flight<V>>,
    ended: bool,
}

impl<K: Hash + Eq, V: Clone, S: BuildHasher + Clone> Leadership<'_, K, V, S> {
    pub(crate) fn finish(mut self, value: V) {
        self.end(State::Finished(value));
    }

    /// Runs the loader on this thread, marked as the flight's loader thread.
    pub(crate) fn run<R>(&self, loader: impl FnOnce() -> R) -> R {
        let _marker = LoaderThread::mark(&self.flight.loader_thread);
        loader()
    }

    /// Wraps the loader future so that each poll marks its thread as the loader thread.
    /// The loader comes pinned (`std::pin::pin!` at the caller), which keeps this `Unpin`
    /// and free of `unsafe` pin projection.
    pub(crate) fn run_async<F: Future + Unpin>(&self, loader: F) -> LoaderFuture<'_, F> {
        LoaderFuture {
            loader,
            loader_thread: &self.flight.loader_thread,
        }
    }

    fn end(&mut self, outcome: State<V>) {
        self.ended = true;
        // Remove first: a caller arriving after this sees no flight and finds the value in
        // the cache (the leader inserted it before finishing) or starts a new load. Ending
        // first would leave an abandoned flight in the map for followers to re-join and spin
        // on until it is removed.
        map_step();
        self.flights
            .remove_if(&self.key, |_, flight| Arc::ptr_eq(flight, &self.flight));
        self.flight.end(outcome);
    }
}

impl<K: Hash + Eq, V: Clone, S: BuildHasher + Clone> Drop for Leadership<'_, K, V, S> {
    fn drop(&mut self) {
        if !self.ended {
            self.end(State::Abandoned);
        }
    }
}

struct LoaderThread<'a>(&'a AtomicUsize);

impl<'a> LoaderThread<'a> {
    fn mark(slot: &'a AtomicUsize) -> Self {
        slot.store(current_thread(), Ordering::Release);
        Self(slot)
    }
}

impl Drop for LoaderThread<'_> {
    fn drop(&mut self) {
        self.0.store(0, Ordering::Release);
    }
}

/// The leader's loader future; see [`Leadership::run_async`].
pub(crate) struct LoaderFuture<'a, F> {
    loader: F,
    loader_thread: &'a AtomicUsize,
}

impl<F: Future + Unpin> Future for LoaderFuture<'_, F> {
    type Output = F::Output;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<F::Output> {
        let this = self.get_mut();
        let _marker = LoaderThread::mark(this.loader_thread);
        Pin::new(&mut this.loader).poll(cx)
    }
}

#[cfg(not(shuttle))]
fn current_thread() -> usize {
    // Slots are unique among live threads, and only a live thread marks itself a loader.
    crate::thread_slot::current().wrapping_add(1)
}

// Shuttle runs all its threads and tasks as coroutines on one OS thread, which would give them
// one thread slot and make every follower look like the loader; its task ids tell them apart.
#[cfg(shuttle)]
fn current_thread() -> usize {
    usize::from(shuttle::thread::current().id()).wrapping_add(1)
}

/// A scheduling point for shuttle just before each operation on the flights map; nothing
/// otherwise. Shuttle cannot see the map's shard locks, so without it a map operation would be
/// glued to its caller's previous step (a cache miss, say), and orders such as "miss, the leader
/// stores and ends, join" would never be explored. Being before the operation, it is never
/// taken with a shard lock held, which shuttle's coroutines (one OS thread) could not survive.
#[cfg(shuttle)]
fn map_step() {
    // Shuttle does not model time: a sleep is a plain scheduling point.
    shuttle::thread::sleep(std::time::Duration::ZERO);
}

#[cfg(not(shuttle))]
#[inline(always)]
fn map_step() {}

#[cfg(all(test, shuttle))]
mod shuttle_tests;
