//! The circuit breaker that keeps a dead or drowning Redis from slowing every call down.

use std::fmt;
use std::sync::{Mutex, MutexGuard, PoisonError};
use std::time::{Duration, Instant};

/// The state of a backend's circuit breaker, as [`SharedTierStats::breaker`](crate::SharedTierStats::breaker)
/// reports it.
///
/// * `Closed`: Redis is used.
/// * `Open`: `breaker_failures` consecutive commands failed (connection refused or lost,
///   timeouts); calls skip Redis and run locally until `breaker_reset` has passed.
/// * `HalfOpen`: `breaker_reset` has passed (or a probe is under way): the next command
///   is a probe. If it succeeds the breaker closes; if it fails it opens again for another
///   `breaker_reset`. Other calls keep skipping Redis while the probe is in flight.
///
/// It serializes (serde) as `"closed"`, `"open"` or `"half_open"`, as its `Display`
/// writes it.
///
/// # Examples
///
/// ```
/// use cachekit::redis::BreakerState;
/// assert_eq!(BreakerState::HalfOpen.to_string(), "half_open");
/// assert_eq!(BreakerState::default(), BreakerState::Closed);
/// ```
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum BreakerState {
    /// Redis is used.
    #[default]
    Closed,
    /// Redis is skipped until the reset timeout has passed.
    Open,
    /// The next command probes Redis.
    HalfOpen,
}

impl fmt::Display for BreakerState {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::Closed => "closed",
            Self::Open => "open",
            Self::HalfOpen => "half_open",
        })
    }
}

#[derive(Debug)]
struct State {
    consecutive_failures: u32,
    /// When the breaker last opened; `None` while closed.
    opened_at: Option<Instant>,
    /// A half-open probe is under way: others skip Redis meanwhile.
    probing: bool,
    last_error: Option<String>,
    times_opened: u64,
}

/// Counts consecutive failures and decides whether a command may go to Redis.
#[derive(Debug)]
pub(crate) struct Breaker {
    failures_to_open: u32,
    reset: Duration,
    state: Mutex<State>,
}

/// Leave to send one command; say how it went with [`Breaker::succeeded`] or
/// [`Breaker::failed`]. Dropped without either (a panic, a cancelled future), a probe
/// lets the next caller probe instead.
pub(crate) struct Permit<'a> {
    breaker: &'a Breaker,
    probe: bool,
    settled: bool,
}

impl Drop for Permit<'_> {
    fn drop(&mut self) {
        if self.probe && !self.settled {
            self.breaker.lock().probing = false;
        }
    }
}

impl Breaker {
    pub(crate) fn new(failures_to_open: u32, reset: Duration) -> Self {
        Self {
            failures_to_open: failures_to_open.max(1),
            reset,
            state: Mutex::new(State {
                consecutive_failures: 0,
                opened_at: None,
                probing: false,
                last_error: None,
                times_opened: 0,
            }),
        }
    }

    fn lock(&self) -> MutexGuard<'_, State> {
        // The state is a few plain fields updated in one step each: a panic elsewhere
        // cannot leave it half-written, so a poisoned lock is still good.
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Leave to send a command now, or `None` while the breaker is open (or half-open
    /// with a probe under way).
    pub(crate) fn permit(&self) -> Option<Permit<'_>> {
        let mut state = self.lock();
        let probe = match state.opened_at {
            None => false,
            Some(opened) if !state.probing && opened.elapsed() >= self.reset => {
                state.probing = true;
                true
            }
            Some(_) => return None,
        };
        Some(Permit {
            breaker: self,
            probe,
            settled: false,
        })
    }

    /// Redis answered: the breaker closes (if it was half-open) and the count restarts.
    pub(crate) fn succeeded(&self, mut permit: Permit<'_>) {
        permit.settled = true;
        let mut state = self.lock();
        state.consecutive_failures = 0;
        if permit.probe || state.opened_at.is_none() {
            state.opened_at = None;
            state.probing = false;
        }
    }

    /// Redis did not answer (in time): one more consecutive failure, which may open the
    /// breaker; a failed probe opens it again for another reset period.
    pub(crate) fn failed(&self, mut permit: Permit<'_>, error: &dyn fmt::Display) {
        permit.settled = true;
        let mut state = self.lock();
        state.last_error = Some(error.to_string());
        if permit.probe {
            state.probing = false;
            state.opened_at = Some(Instant::now());
            state.times_opened += 1;
            return;
        }
        if state.opened_at.is_some() {
            // A command sent before the breaker opened: it is open already.
            return;
        }
        state.consecutive_failures = state.consecutive_failures.saturating_add(1);
        if state.consecutive_failures >= self.failures_to_open {
            state.opened_at = Some(Instant::now());
            state.times_opened += 1;
            log::warn!(
                "cachekit: Redis circuit breaker opened after {} consecutive failures (last: {error}); calls run locally for {:?}",
                state.consecutive_failures,
                self.reset
            );
        }
    }

    pub(crate) fn state(&self) -> BreakerState {
        let state = self.lock();
        match state.opened_at {
            None => BreakerState::Closed,
            Some(_) if state.probing => BreakerState::HalfOpen,
            Some(opened) if opened.elapsed() >= self.reset => BreakerState::HalfOpen,
            Some(_) => BreakerState::Open,
        }
    }

    /// The last failure's message, and how many times the breaker has opened.
    pub(crate) fn last_error(&self) -> (Option<String>, u64) {
        let state = self.lock();
        (state.last_error.clone(), state.times_opened)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn opens_after_n_failures_then_probes_and_closes() {
        let breaker = Breaker::new(3, Duration::from_millis(30));
        for _ in 0..2 {
            let permit = breaker.permit().unwrap();
            breaker.failed(permit, &"refused");
        }
        assert_eq!(breaker.state(), BreakerState::Closed);
        // A success in between restarts the count.
        breaker.succeeded(breaker.permit().unwrap());
        for _ in 0..3 {
            let permit = breaker.permit().unwrap();
            breaker.failed(permit, &"refused");
        }
        assert_eq!(breaker.state(), BreakerState::Open);
        assert!(breaker.permit().is_none());
        std::thread::sleep(Duration::from_millis(40));
        assert_eq!(breaker.state(), BreakerState::HalfOpen);
        let probe = breaker.permit().unwrap();
        assert!(breaker.permit().is_none(), "one probe at a time");
        breaker.failed(probe, &"still refused");
        assert_eq!(breaker.state(), BreakerState::Open);
        std::thread::sleep(Duration::from_millis(40));
        let probe = breaker.permit().unwrap();
        breaker.succeeded(probe);
        assert_eq!(breaker.state(), BreakerState::Closed);
        assert_eq!(breaker.last_error(), (Some("still refused".into()), 2));
    }

    #[test]
    fn an_abandoned_probe_lets_another_caller_probe() {
        let breaker = Breaker::new(1, Duration::ZERO);
        breaker.failed(breaker.permit().unwrap(), &"x");
        let probe = breaker.permit().unwrap();
        drop(probe);
        assert!(breaker.permit().is_some());
    }
}
