//! Adapts the admission window's share of the cache to the workload.
//!
//! No fixed window is best everywhere: a large one favours recency (database and
//! workstation traces), a small one favours frequency (loops, scans, Zipf-like popularity).
//! Each segment's [`Ghosts`](crate::policy::Ghosts) count the misses that a slightly larger
//! window would have turned into hits (keys the window exit turned away shortly before), and
//! those that a slightly larger main queue would have (keys the main queue evicted shortly
//! before). Every sample of requests the window moves one step towards the side with more
//! such misses, if the difference is clearly more than noise.
//!
//! This replaces hill climbing on the hit rate (Caffeine's method), which compares
//! consecutive samples: on traces whose phases change the hit rate by 10-30 points from one
//! sample to the next, that compared the phases, not the window sizes, and the window
//! walked at random (`sprite` C=1000 ended anywhere between 0% and 20%).

use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::Mutex;

/// Window shares are in parts per million of the queued keys.
const MILLION: i64 = 1_000_000;
const INITIAL_WINDOW: i64 = MILLION / 100;
const MAX_WINDOW: i64 = MILLION * 8 / 10;
/// One step: 10% of the cache. Measured (BENCHMARKS.md workloads, 3 hash seeds): 6.25%
/// steps leave `sprite`, whose 134k requests make only a few samples, 2-3 points short of
/// the larger window it needs; 12.5% steps cost `zigzag` and `sprite` C=100 more than they
/// gain.
const STEP: i64 = MILLION / 10;
/// Requests per sample: at least this many, so that small caches get a steady signal.
const MIN_SAMPLE: u64 = 20_000;
/// The window moves only if one side's ghost misses exceed the other's by this many
/// standard deviations (of a difference of Poisson counts, sqrt of their sum): loops, which
/// need no window, otherwise drift up on noise.
const SIGNIFICANCE: f64 = 2.0;

pub(crate) struct WindowClimber {
    window: AtomicU32,
    sample_size: u64,
    state: Mutex<Sample>,
}

struct Sample {
    requests_before: u64,
    /// Ghost misses reported since the last step: (larger window, larger main queue).
    window_misses: u64,
    main_misses: u64,
}

impl WindowClimber {
    /// A climber for a cache bounded at `capacity`: it samples 20 × capacity requests (and
    /// at least [`MIN_SAMPLE`]).
    pub(crate) fn new(capacity: u64) -> Self {
        Self {
            window: AtomicU32::new(INITIAL_WINDOW as u32),
            sample_size: capacity.saturating_mul(20).max(MIN_SAMPLE),
            state: Mutex::new(Sample {
                requests_before: 0,
                window_misses: 0,
                main_misses: 0,
            }),
        }
    }

    /// The window's current share of each segment's queued keys, in parts per million.
    #[inline]
    pub(crate) fn window_ppm(&self) -> u64 {
        u64::from(self.window.load(Ordering::Relaxed))
    }

    /// Takes the cache's running total of requests and a segment's ghost misses since its
    /// last report (see [`Ghosts::take_misses`](crate::policy::Ghosts::take_misses)); once
    /// a sample's worth of requests has passed since the last step, moves the window. Cheap
    /// to call often.
    pub(crate) fn observe(&self, requests: u64, (window_misses, main_misses): (u64, u64)) {
        let mut sample = match self.state.try_lock() {
            Ok(sample) => sample,
            // Another thread is stepping: this report is lost, which only thins the sample.
            Err(_) => return,
        };
        sample.window_misses += window_misses;
        sample.main_misses += main_misses;
        if requests.saturating_sub(sample.requests_before) < self.sample_size {
            return;
        }
        let (larger_window, larger_main) = (sample.window_misses, sample.main_misses);
        sample.requests_before = requests;
        sample.window_misses = 0;
        sample.main_misses = 0;
        drop(sample);
        let margin = SIGNIFICANCE * ((larger_window + larger_main) as f64).sqrt();
        let step = if larger_window as f64 > larger_main as f64 + margin {
            STEP
        } else if larger_main as f64 > larger_window as f64 + margin {
            -STEP
        } else {
            return;
        };
        let window = i64::from(self.window.load(Ordering::Relaxed)) + step;
        self.window
            .store(window.clamp(0, MAX_WINDOW) as u32, Ordering::Relaxed);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn window_moves_towards_the_side_with_more_ghost_misses() {
        let climber = WindowClimber::new(100); // samples MIN_SAMPLE requests
        let n = MIN_SAMPLE;
        climber.observe(n, (400, 100));
        assert_eq!(climber.window_ppm(), (INITIAL_WINDOW + STEP) as u64);
        climber.observe(2 * n, (400, 100));
        assert_eq!(climber.window_ppm(), (INITIAL_WINDOW + 2 * STEP) as u64);
        climber.observe(3 * n, (100, 400));
        assert_eq!(climber.window_ppm(), (INITIAL_WINDOW + STEP) as u64);
    }

    #[test]
    fn noise_and_small_samples_do_not_move_the_window() {
        let climber = WindowClimber::new(1000); // samples 20_000 requests
        climber.observe(5000, (1000, 0)); // not a whole sample yet
        assert_eq!(climber.window_ppm(), INITIAL_WINDOW as u64);
        climber.observe(20_000, (0, 110)); // 1110 vs 110: counts from both reports
        assert_eq!(climber.window_ppm(), (INITIAL_WINDOW + STEP) as u64);
        climber.observe(40_000, (100, 110)); // within noise
        assert_eq!(climber.window_ppm(), (INITIAL_WINDOW + STEP) as u64);
    }

    #[test]
    fn window_stays_within_bounds() {
        let climber = WindowClimber::new(100);
        for round in 1..=20 {
            climber.observe(round * MIN_SAMPLE, (1000, 0));
            assert!(climber.window_ppm() <= MAX_WINDOW as u64);
        }
        assert_eq!(climber.window_ppm(), MAX_WINDOW as u64);
        for round in 21..=40 {
            climber.observe(round * MIN_SAMPLE, (0, 1000));
        }
        assert_eq!(climber.window_ppm(), 0);
    }
}
