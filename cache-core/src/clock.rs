//! Time as the cache sees it: a coarse monotonic clock in production, a manual one in tests.
//!
//! Deadlines are kept in *ticks* of one microsecond since the clock's epoch, so that a
//! deadline fits in the 56 bits an entry reserves for it (2 000+ years), comparing it with
//! "now" is one integer comparison, and whole-microsecond TTLs are exact under a mock clock.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::Duration;

/// A point in time in microseconds since the clock's epoch.
pub(crate) type Tick = u64;

/// Ticks per second: deadlines are stored with this resolution.
pub(crate) const TICKS_PER_SECOND: u64 = 1_000_000;

/// The largest tick an entry can store; it also means "never expires".
pub(crate) const NEVER: Tick = (1 << 56) - 1;

/// Converts a duration to ticks, rounding up so that a non-zero TTL never becomes zero, and
/// saturating at [`NEVER`] so that `Duration::MAX` means "never expires".
pub(crate) fn duration_to_ticks(duration: Duration) -> Tick {
    let ticks = (duration.as_nanos() * u128::from(TICKS_PER_SECOND)).div_ceil(1_000_000_000);
    u64::try_from(ticks).map_or(NEVER, |t| t.min(NEVER))
}

/// The time source of a cache.
///
/// [`Clock::system`] (the default) is built for the hit path, where reading
/// [`std::time::Instant::now`] (~27 ns measured here) would cost about as much as the rest
/// of a hit. It reads a process-wide *recent time* (under 1 ns), which a background thread
/// (`cachekit-clock`, started on first use) refreshes every millisecond from the operating
/// system's coarse monotonic clock (`CLOCK_MONOTONIC_COARSE` on Linux, whose resolution is
/// one kernel tick, 1–4 ms). As a backstop, each thread reads the coarse clock itself on
/// every 64th reading, so a descheduled ticker cannot stretch time for a busy thread.
///
/// Precision, then: an entry lives for its TTL to within a few milliseconds (the kernel
/// tick plus the refresh period); in the worst case, a thread that reads the clock rarely
/// while the ticker thread cannot run sees time as of the ticker's last run. A
/// [`MockClock`] replaces all of this in tests.
///
/// # Examples
///
/// ```
/// use cachekit::{Clock, MockClock, TtlCache};
/// use std::time::Duration;
///
/// let mock = MockClock::new();
/// let cache = TtlCache::<u32, u32>::builder()
///     .ttl(Duration::from_secs(10))
///     .clock(Clock::from(mock.clone()))
///     .build();
/// cache.insert(1, 1);
/// mock.advance(Duration::from_secs(10));
/// assert_eq!(cache.get(&1), None);
/// ```
#[derive(Clone, Debug, Default)]
pub struct Clock {
    source: Source,
}

#[derive(Clone, Debug, Default)]
enum Source {
    #[default]
    Coarse,
    Mock(MockClock),
}

impl Clock {
    /// The operating system's coarse monotonic clock; see the type's documentation for its
    /// resolution.
    ///
    /// ```
    /// let clock = cachekit::Clock::system();
    /// let cache = cachekit::TtlCache::<u8, u8>::builder().clock(clock).build();
    /// cache.insert(1, 2);
    /// assert_eq!(cache.get(&1), Some(2));
    /// ```
    pub fn system() -> Self {
        Self::default()
    }

    #[inline]
    pub(crate) fn now(&self) -> Tick {
        match &self.source {
            Source::Coarse => recent_now(),
            Source::Mock(mock) => mock.now_ticks(),
        }
    }
}

impl From<MockClock> for Clock {
    fn from(mock: MockClock) -> Self {
        Self {
            source: Source::Mock(mock),
        }
    }
}

static COARSE_EPOCH: once_cell::sync::Lazy<u64> =
    once_cell::sync::Lazy::new(|| coarsetime::Instant::now_without_cache_update().as_ticks());

/// The recent time, 0 until the ticker or a reader first sets it.
static RECENT: AtomicU64 = AtomicU64::new(0);
/// Readings a thread takes from [`RECENT`] between its own reads of the coarse clock.
const READS_BETWEEN_CHECKS: u32 = 64;
const TICKER_PERIOD: Duration = Duration::from_millis(1);

thread_local! {
    /// Readings this thread may still take from [`RECENT`] before it reads the coarse clock
    /// itself. Destructor-free, so reading it costs one load.
    static READS_LEFT: std::cell::Cell<u32> = const { std::cell::Cell::new(0) };
}

#[inline]
fn recent_now() -> Tick {
    let recent = RECENT.load(Ordering::Relaxed);
    let left = READS_LEFT.get();
    if left == 0 || recent == 0 {
        return refresh_recent();
    }
    READS_LEFT.set(left - 1);
    recent
}

#[cold]
fn refresh_recent() -> Tick {
    static TICKER: std::sync::Once = std::sync::Once::new();
    TICKER.call_once(|| {
        // Without the ticker (no threads on this platform, say) every 64th reading still
        // refreshes the time, and the others are at most that many readings old.
        let _ = std::thread::Builder::new()
            .name("cachekit-clock".into())
            .spawn(|| loop {
                RECENT.fetch_max(coarse_now(), Ordering::Relaxed);
                std::thread::sleep(TICKER_PERIOD);
            });
    });
    READS_LEFT.set(READS_BETWEEN_CHECKS);
    let now = coarse_now();
    RECENT.fetch_max(now, Ordering::Relaxed).max(now)
}

#[inline]
fn coarse_now() -> Tick {
    // `now_without_cache_update`: `now()` would also store into a process-wide atomic, a
    // cache line that every core would then fight over on every hit.
    let now = coarsetime::Instant::now_without_cache_update().as_ticks();
    // coarsetime ticks are 2⁻³² s; ours are µs. The +1 keeps "now" strictly after the
    // epoch so that a deadline of 0 is always in the past.
    let since_epoch = u128::from(now.saturating_sub(*COARSE_EPOCH));
    ((since_epoch * u128::from(TICKS_PER_SECOND)) >> 32) as u64 + 1
}

/// A clock that only moves when told to, for deterministic, instant TTL tests.
///
/// Clones share one time: advance any clone and every cache built with any of them sees it.
///
/// # Examples
///
/// ```
/// use cachekit::{MockClock, TtlCache};
/// use std::time::Duration;
///
/// let clock = MockClock::new();
/// let cache = TtlCache::<u64, u64>::builder()
///     .ttl(Duration::from_secs(60))
///     .clock(clock.clone())
///     .build();
/// cache.insert(1, 1);
/// clock.advance(Duration::from_secs(59));
/// assert_eq!(cache.get(&1), Some(1));
/// clock.advance(Duration::from_secs(1));
/// assert_eq!(cache.get(&1), None);
/// ```
#[derive(Clone, Debug)]
pub struct MockClock {
    nanos: Arc<AtomicU64>,
}

impl Default for MockClock {
    fn default() -> Self {
        Self::new()
    }
}

impl MockClock {
    /// A clock standing at its epoch.
    ///
    /// ```
    /// let clock = cachekit::MockClock::new();
    /// assert_eq!(clock.elapsed(), std::time::Duration::ZERO);
    /// ```
    pub fn new() -> Self {
        Self {
            nanos: Arc::new(AtomicU64::new(0)),
        }
    }

    /// Moves the time forward by `by`, saturating at `u64::MAX` nanoseconds (about 584
    /// years) after the epoch: there time stops, so a deadline further out (a TTL of
    /// centuries, or one set once the clock has stopped) never passes.
    ///
    /// ```
    /// use std::time::Duration;
    /// let clock = cachekit::MockClock::new();
    /// clock.advance(Duration::from_millis(1500));
    /// assert_eq!(clock.elapsed(), Duration::from_millis(1500));
    /// ```
    pub fn advance(&self, by: Duration) {
        let by = u64::try_from(by.as_nanos()).unwrap_or(u64::MAX);
        // fetch_update cannot fail with a closure that always returns Some.
        let _ = self
            .nanos
            .fetch_update(Ordering::AcqRel, Ordering::Acquire, |n| {
                Some(n.saturating_add(by))
            });
    }

    /// How far the clock has been advanced since it was created.
    ///
    /// ```
    /// let clock = cachekit::MockClock::new();
    /// clock.advance(std::time::Duration::from_secs(3));
    /// assert_eq!(clock.elapsed().as_secs(), 3);
    /// ```
    pub fn elapsed(&self) -> Duration {
        Duration::from_nanos(self.nanos.load(Ordering::Acquire))
    }

    fn now_ticks(&self) -> Tick {
        let nanos = self.nanos.load(Ordering::Acquire);
        // Round down so that an entry is live until its deadline exactly; +1 as for the
        // coarse clock, so a zero deadline is in the past.
        let ticks = u128::from(nanos) * u128::from(TICKS_PER_SECOND) / 1_000_000_000;
        (ticks as u64).min(NEVER - 1) + 1
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn duration_conversions_round_up_and_saturate() {
        assert_eq!(duration_to_ticks(Duration::ZERO), 0);
        assert_eq!(duration_to_ticks(Duration::from_nanos(1)), 1);
        assert_eq!(duration_to_ticks(Duration::from_secs(1)), TICKS_PER_SECOND);
        assert_eq!(duration_to_ticks(Duration::MAX), NEVER);
    }

    #[test]
    fn system_clock_is_monotonic_and_past_zero() {
        let mut last = 0;
        for _ in 0..1000 {
            let now = Clock::system().now();
            assert!(now >= 1 && now >= last);
            last = now;
        }
    }

    #[test]
    fn system_clock_keeps_up_with_real_time() {
        let clock = Clock::system();
        let start = clock.now();
        let real = std::time::Instant::now();
        // A bounded wait on an observable effect: the clock moves 20 ms forward.
        while clock.now() < start + 20_000 {
            assert!(
                real.elapsed() < Duration::from_secs(5),
                "clock stuck at {start}"
            );
            std::thread::yield_now();
        }
        // ...and not much faster than real time (one coarse tick of slack).
        let advanced = Duration::from_micros(clock.now() - start);
        assert!(advanced <= real.elapsed() + Duration::from_millis(15));
    }

    #[test]
    fn mock_clock_far_future_stays_below_never() {
        let clock = MockClock::new();
        clock.advance(Duration::MAX);
        clock.advance(Duration::MAX);
        assert!(Clock::from(clock).now() < NEVER);
    }
}
