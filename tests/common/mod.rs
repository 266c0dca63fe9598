//! Shared helpers for the cachekit integration tests.
//!
//! * `run_with_timeout`: runs a test body on its own thread and fails the test if it does not
//!   finish in time (so a deadlock shows up as a failure instead of a hung `cargo test`).
//! * `block_on`: a minimal single-future executor (std::task::Wake + thread park), so the async
//!   APIs can be tested without tokio/futures.
//! * `YieldOnce`: a future that is Pending exactly once (and wakes itself), to hold an async loader
//!   "in flight".
//! * `FlagWaker`: a waker that records whether it was woken.
//! * `panic_message`, `quiet_intentional_panics`: helpers for tests that panic on purpose.
#![allow(dead_code)]

use std::any::Any;
use std::future::Future;
use std::pin::{pin, Pin};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc::{self, RecvTimeoutError};
use std::sync::{Arc, Once};
use std::task::{Context, Poll, Wake, Waker};
use std::thread::{self, Thread};
use std::time::{Duration, Instant};

/// Default watchdog for tests that use threads, loaders or futures.
pub const WATCHDOG: Duration = Duration::from_secs(20);

/// Marker put in the message of every panic a test raises on purpose.
pub const INTENTIONAL: &str = "intentional test panic";

/// Runs `body` on a fresh thread and waits at most `limit` for it. A panic in `body` is
/// re-raised in the calling (test) thread; a timeout fails the test with a clear message.
pub fn run_with_timeout<F>(limit: Duration, body: F)
where
    F: FnOnce() + Send + 'static,
{
    let (tx, rx) = mpsc::channel::<()>();
    let handle = thread::Builder::new()
        .name("test-body".into())
        .spawn(move || {
            body();
            let _ = tx.send(());
        })
        .expect("spawn test body thread");
    match rx.recv_timeout(limit) {
        Ok(()) => {
            if let Err(payload) = handle.join() {
                std::panic::resume_unwind(payload);
            }
        }
        // The sender was dropped without sending: the body panicked.
        Err(RecvTimeoutError::Disconnected) => match handle.join() {
            Err(payload) => std::panic::resume_unwind(payload),
            Ok(()) => panic!("test body ended without reporting completion"),
        },
        Err(RecvTimeoutError::Timeout) => panic!(
            "test did not finish within {:?}: probable deadlock or lost wake-up",
            limit
        ),
    }
}

/// `run_with_timeout` with the default 20 s watchdog.
pub fn watchdog<F>(body: F)
where
    F: FnOnce() + Send + 'static,
{
    run_with_timeout(WATCHDOG, body)
}

struct ThreadWaker(Thread);

impl Wake for ThreadWaker {
    fn wake(self: Arc<Self>) {
        self.0.unpark();
    }
    fn wake_by_ref(self: &Arc<Self>) {
        self.0.unpark();
    }
}

/// Polls `fut` to completion on the current thread, parking between polls until woken.
/// A future that never wakes its waker hangs here (use it under `watchdog`).
pub fn block_on<F: Future>(fut: F) -> F::Output {
    let mut fut = pin!(fut);
    let waker = Waker::from(Arc::new(ThreadWaker(thread::current())));
    let mut cx = Context::from_waker(&waker);
    loop {
        match fut.as_mut().poll(&mut cx) {
            Poll::Ready(v) => return v,
            Poll::Pending => thread::park(),
        }
    }
}

/// Polls a pinned future once with the given waker.
pub fn poll_once<F: Future + ?Sized>(fut: Pin<&mut F>, waker: &Waker) -> Poll<F::Output> {
    let mut cx = Context::from_waker(waker);
    fut.poll(&mut cx)
}

/// A future that returns Pending the first time it is polled (waking its waker so an executor
/// polls again) and Ready(()) afterwards.
#[derive(Default)]
pub struct YieldOnce {
    yielded: bool,
}

impl YieldOnce {
    pub fn new() -> Self {
        Self { yielded: false }
    }
}

impl Future for YieldOnce {
    type Output = ();
    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        if self.yielded {
            Poll::Ready(())
        } else {
            self.yielded = true;
            cx.waker().wake_by_ref();
            Poll::Pending
        }
    }
}

/// A waker that only records that it was woken.
#[derive(Default)]
pub struct FlagWaker {
    woken: AtomicBool,
}

impl FlagWaker {
    pub fn new() -> Arc<Self> {
        Arc::new(Self::default())
    }
    pub fn was_woken(&self) -> bool {
        self.woken.load(Ordering::SeqCst)
    }
    pub fn reset(&self) {
        self.woken.store(false, Ordering::SeqCst);
    }
}

impl Wake for FlagWaker {
    fn wake(self: Arc<Self>) {
        self.woken.store(true, Ordering::SeqCst);
    }
    fn wake_by_ref(self: &Arc<Self>) {
        self.woken.store(true, Ordering::SeqCst);
    }
}

/// Busy-waits (yielding) for `d`: keeps a loader "in flight" long enough for other threads to
/// pile up behind it. Not used to wait for expiry (tests use MockClock for that).
pub fn spin_for(d: Duration) {
    let start = Instant::now();
    while start.elapsed() < d {
        thread::yield_now();
    }
}

/// The message of a panic payload (`&str` or `String`), or a placeholder.
pub fn panic_message(payload: &(dyn Any + Send)) -> String {
    if let Some(s) = payload.downcast_ref::<&str>() {
        (*s).to_string()
    } else if let Some(s) = payload.downcast_ref::<String>() {
        s.clone()
    } else {
        "<non-string panic payload>".to_string()
    }
}

/// Installs (once per test binary) a panic hook that stays silent for panics whose message
/// contains [`INTENTIONAL`] and delegates every other panic to the default hook.
pub fn quiet_intentional_panics() {
    static ONCE: Once = Once::new();
    ONCE.call_once(|| {
        let default_hook = std::panic::take_hook();
        std::panic::set_hook(Box::new(move |info| {
            if panic_message(info.payload()).contains(INTENTIONAL) {
                return;
            }
            default_hook(info);
        }));
    });
}

/// Resident set size of this process in KiB (Linux), if available.
pub fn rss_kib() -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmRSS:"))?;
    line.split_whitespace().nth(1)?.parse().ok()
}
