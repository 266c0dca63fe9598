//! Adapts the admission window's share of the cache to the workload (hill climbing, as
//! Caffeine does).
//!
//! No fixed window is best everywhere: a large one favours recency (database and
//! workstation traces), a small one favours frequency (loops, scans, Zipf-like popularity).
//! Every sample of requests, the climber compares the hit rate with the previous sample's:
//! if it rose, the window keeps moving the same way; if it fell, the window moves back.
//! Steps shrink as the hit rate settles, and jump back to full size when it shifts sharply
//! (the workload changed).

use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::Mutex;

/// Window shares are in parts per million of the queued keys.
const MILLION: i64 = 1_000_000;
const INITIAL_WINDOW: i64 = MILLION / 100;
const MAX_WINDOW: i64 = MILLION * 8 / 10;
/// The first (and every restarted) step: 6.25% of the cache.
const STEP: f64 = MILLION as f64 * 0.0625;
/// Growing steps are this fraction of shrinking ones. Sample-to-sample noise (a loop whose
/// period does not divide the sample, say) otherwise walks the window up at random, which
/// costs frequency-friendly workloads dearly (measured: up to 6 points on the LIRS `loop`
/// trace); a real gain from a larger window still shows sample after sample.
const GROWTH_RATE: f64 = 0.5;
/// Requests per sample: at least this many, so that small caches get a steady signal.
const MIN_SAMPLE: u64 = 20_000;
const STEP_DECAY: f64 = 0.98;
/// A hit-rate change this large means the workload changed: restart with a full step.
const RESTART_THRESHOLD: f64 = 0.05;

pub(crate) struct WindowClimber {
    window: AtomicU32,
    sample_size: u64,
    state: Mutex<Sample>,
}

struct Sample {
    hits_before: u64,
    misses_before: u64,
    previous_hit_rate: f64,
    step: f64,
}

impl WindowClimber {
    /// A climber for a cache bounded at `capacity`: it samples 20 × capacity requests (and
    /// at least [`MIN_SAMPLE`]).
    pub(crate) fn new(capacity: u64) -> Self {
        Self {
            window: AtomicU32::new(INITIAL_WINDOW as u32),
            sample_size: capacity.saturating_mul(20).max(MIN_SAMPLE),
            state: Mutex::new(Sample {
                hits_before: 0,
                misses_before: 0,
                previous_hit_rate: 0.0,
                step: -STEP,
            }),
        }
    }

    /// The window's current share of each segment's queued keys, in parts per million.
    #[inline]
    pub(crate) fn window_ppm(&self) -> u64 {
        u64::from(self.window.load(Ordering::Relaxed))
    }

    /// Takes the cache's running totals of hits and misses; once a sample's worth of
    /// requests has passed since the last step, moves the window. Cheap to call often.
    pub(crate) fn observe(&self, hits: u64, misses: u64) {
        let Ok(mut sample) = self.state.try_lock() else {
            return; // another thread is stepping
        };
        let sample_hits = hits.saturating_sub(sample.hits_before);
        let requests = sample_hits + misses.saturating_sub(sample.misses_before);
        if requests < self.sample_size {
            return;
        }
        let hit_rate = sample_hits as f64 / requests as f64;
        let change = hit_rate - sample.previous_hit_rate;
        let amount = if change >= 0.0 {
            sample.step
        } else {
            -sample.step
        };
        sample.step = if change.abs() >= RESTART_THRESHOLD {
            STEP.copysign(amount)
        } else {
            amount * STEP_DECAY
        };
        sample.previous_hit_rate = hit_rate;
        sample.hits_before = hits;
        sample.misses_before = misses;
        let moved = if amount > 0.0 {
            amount * GROWTH_RATE
        } else {
            amount
        };
        let window = i64::from(self.window.load(Ordering::Relaxed)) + moved as i64;
        self.window
            .store(window.clamp(0, MAX_WINDOW) as u32, Ordering::Relaxed);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn window_grows_while_the_hit_rate_rises_and_turns_back_when_it_falls() {
        let climber = WindowClimber::new(100); // samples MIN_SAMPLE requests
        let n = MIN_SAMPLE;
        climber.observe(n / 10, n - n / 10); // 10%: better than the initial 0, keep shrinking
        assert_eq!(climber.window_ppm(), 0);
        climber.observe(n / 10 + n / 20, 2 * n - n / 10 - n / 20); // 5%: worse, turn to grow
        let grown = climber.window_ppm();
        assert!(grown > 0);
        climber.observe(n / 10 + n / 20 + n / 5, 3 * n - n / 10 - n / 20 - n / 5); // 20%: grow on
        let grown_more = climber.window_ppm();
        assert!(grown_more > grown);
        climber.observe(n / 10 + n / 20 + n / 5, 4 * n - n / 10 - n / 20 - n / 5); // 0%: back
        assert!(climber.window_ppm() < grown_more);
    }

    #[test]
    fn small_samples_do_not_move_the_window() {
        let climber = WindowClimber::new(1000); // samples 20_000 requests
        climber.observe(5000, 5000);
        assert_eq!(climber.window_ppm(), INITIAL_WINDOW as u64);
    }

    #[test]
    fn window_stays_within_bounds() {
        let climber = WindowClimber::new(100);
        let (mut hits, mut misses) = (0, 0);
        for round in 0..500u64 {
            hits += MIN_SAMPLE / 2 + round % 7 * 100;
            misses += MIN_SAMPLE / 2;
            climber.observe(hits, misses);
            assert!(climber.window_ppm() <= MAX_WINDOW as u64);
        }
    }
}
