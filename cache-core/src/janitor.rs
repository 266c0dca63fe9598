//! The janitor: a thread that sweeps a registry's caches every interval until its handle
//! goes.

use std::fmt;
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc::{self, RecvTimeoutError, Sender};
use std::sync::{Arc, Weak};
use std::thread::{self, JoinHandle};
use std::time::Duration;

use crate::registry::Inner;
use crate::{MemoryPressurePolicy, PressureAction, Registry, RegistryError};

/// The shortest interval a janitor runs at: a zero interval would spin.
const MIN_INTERVAL: Duration = Duration::from_millis(1);

/// Owns a running janitor (see [`Registry::start_janitor`]). Dropping it, or calling
/// [`stop`](Self::stop), stops the janitor at once: a janitor waiting for its next tick
/// wakes up and exits; one in the middle of a tick finishes that tick first, and `stop`
/// (or `drop`) waits for it. After that, the registry accepts a new janitor.
///
/// # Examples
///
/// ```
/// use cachekit::Registry;
/// use std::time::Duration;
///
/// let registry = Registry::new();
/// let janitor = registry.start_janitor(Duration::from_secs(60))?;
/// assert!(janitor.is_running());
/// janitor.stop(); // returns at once, not after a minute
/// let again = registry.start_janitor(Duration::from_secs(60))?;
/// # Ok::<(), cachekit::RegistryError>(())
/// ```
#[must_use = "the janitor stops as soon as its handle is dropped"]
pub struct JanitorHandle {
    /// Dropping the sender wakes the thread (its `recv_timeout` sees a disconnection).
    stop: Option<Sender<()>>,
    thread: Option<JoinHandle<()>>,
    /// The registry's "a janitor runs" flag, cleared once the thread has exited.
    running: Arc<AtomicBool>,
}

impl fmt::Debug for JanitorHandle {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("JanitorHandle")
            .field("running", &self.is_running())
            .finish()
    }
}

impl JanitorHandle {
    /// Whether the janitor's thread is still running. It runs until the handle is stopped
    /// or dropped, unless its registry was dropped first.
    ///
    /// ```
    /// let registry = cachekit::Registry::new();
    /// let janitor = registry.start_janitor(std::time::Duration::from_secs(1))?;
    /// assert!(janitor.is_running());
    /// # Ok::<(), cachekit::RegistryError>(())
    /// ```
    pub fn is_running(&self) -> bool {
        self.thread
            .as_ref()
            .is_some_and(|thread| !thread.is_finished())
    }

    /// Stops the janitor and waits for its thread to exit (at most the rest of a tick in
    /// progress). The same as dropping the handle, said out loud.
    ///
    /// ```
    /// let registry = cachekit::Registry::new();
    /// let janitor = registry.start_janitor(std::time::Duration::from_secs(3600))?;
    /// janitor.stop();
    /// assert!(registry.start_janitor(std::time::Duration::from_secs(3600)).is_ok());
    /// # Ok::<(), cachekit::RegistryError>(())
    /// ```
    pub fn stop(mut self) {
        self.shut_down();
    }

    fn shut_down(&mut self) {
        drop(self.stop.take());
        if let Some(thread) = self.thread.take() {
            // A handle dropped by the janitor's own thread (from a value its sweep dropped)
            // cannot wait for itself; the disconnected channel still ends its loop.
            if thread.thread().id() != thread::current().id() {
                // The loop catches panics of a tick, so the thread itself does not panic.
                let _ = thread.join();
            }
        }
        self.running.store(false, Ordering::Release);
    }
}

impl Drop for JanitorHandle {
    fn drop(&mut self) {
        self.shut_down();
    }
}

/// Starts the janitor thread of the registry behind `registry`, whose `running` flag the
/// caller has just set.
pub(crate) fn spawn(
    registry: Weak<Inner>,
    running: Arc<AtomicBool>,
    interval: Duration,
    pressure: Option<MemoryPressurePolicy>,
) -> Result<JanitorHandle, RegistryError> {
    let interval = interval.max(MIN_INTERVAL);
    let (stop, stopped) = mpsc::channel::<()>();
    let spawned = thread::Builder::new()
        .name("cachekit-janitor".into())
        .spawn(move || loop {
            match stopped.recv_timeout(interval) {
                Err(RecvTimeoutError::Timeout) => {}
                Ok(()) | Err(RecvTimeoutError::Disconnected) => return,
            }
            let Some(inner) = registry.upgrade() else {
                return;
            };
            let registry = Registry::from_inner(inner);
            // A panic in a tick (a value's `Drop`, say) must not end the janitor silently.
            if catch_unwind(AssertUnwindSafe(|| tick(&registry, pressure.as_ref()))).is_err() {
                log::error!("cachekit: a janitor tick panicked; the janitor keeps running");
            }
        });
    match spawned {
        Ok(thread) => Ok(JanitorHandle {
            stop: Some(stop),
            thread: Some(thread),
            running,
        }),
        Err(err) => {
            running.store(false, Ordering::Release);
            Err(RegistryError::JanitorSpawnFailed {
                reason: err.to_string(),
            })
        }
    }
}

/// One round: the pressure policy first (it may clean or clear everything), then a sweep of
/// the caches unless the policy just did one, then the expiring sets.
fn tick(registry: &Registry, pressure: Option<&MemoryPressurePolicy>) {
    let action = pressure.map(|policy| policy.check(registry));
    if !matches!(
        action,
        Some(PressureAction::CleanedUp { .. } | PressureAction::Cleared)
    ) {
        let removed: usize = registry.cleanup_all().values().sum();
        if removed > 0 {
            log::debug!("cachekit: janitor removed {removed} expired entries");
        }
    }
    registry.cleanup_expiring_sets();
}
