//! Bad input: extreme and malformed values reach a clear error or a documented behaviour,
//! never a panic or a wrong value.
//!
//! Already covered elsewhere, and not repeated here: `max_size` 0, zero TTL and a
//! `usize::MAX` bound at construction (`capacity_edge_cases.rs`); `Duration::MAX` and zero
//! TTLs on a moving clock (`ttl_cache_expiry.rs`); registry type mismatches of key, value
//! and hasher types (`registry_basics.rs`); unparsable overrides and the child process that
//! reads real variables (`registry_config.rs`); literal `ttl = 0`, `max_size = 0`, negative
//! and unparsable options (`tests/ui/`).

mod common;
mod registry_support;

use cachekit::{
    cached_method, registry, ExpiringSet, MockClock, Registry, RegistryDefaults, RegistryError,
    TtlCache, DEFAULT_CLEANUP_INTERVAL, DEFAULT_MAX_SIZE, DEFAULT_TTL, ENV_CLEANUP_INTERVAL,
    ENV_DEFAULT_MAX_SIZE, ENV_DEFAULT_TTL,
};
use common::watchdog;
use std::process::Command;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

/// 584 years: where a `MockClock` saturates (`u64::MAX` nanoseconds).
const MOCK_CLOCK_LIMIT: Duration = Duration::from_nanos(u64::MAX);

// ---------------------------------------------------------------------------------------
// The clock going past the far future.
// ---------------------------------------------------------------------------------------

#[test]
fn a_mock_clock_saturates_on_repeated_duration_max() {
    let clock = MockClock::new();
    for _ in 0..4 {
        clock.advance(Duration::MAX);
    }
    assert_eq!(clock.elapsed(), MOCK_CLOCK_LIMIT);
    clock.advance(Duration::from_secs(1));
    assert_eq!(clock.elapsed(), MOCK_CLOCK_LIMIT);
}

#[test]
fn entries_expire_or_survive_correctly_when_the_clock_saturates() {
    let clock = MockClock::new();
    let cache = TtlCache::<&str, u32>::builder()
        .ttl(Duration::from_secs(60))
        .clock(clock.clone())
        .build();
    cache.insert("minute", 1);
    cache.insert_with_ttl("forever", 2, Duration::MAX);
    // A century is finite: it is past once the clock saturates at 584 years.
    cache.insert_with_ttl("century", 3, Duration::from_secs(100 * 365 * 86_400));
    // A millennium is finite too, but beyond where a mock clock stops.
    cache.insert_with_ttl("millennium", 7, Duration::from_secs(1000 * 365 * 86_400));
    for _ in 0..3 {
        clock.advance(Duration::MAX);
    }
    assert_eq!(cache.get("minute"), None);
    assert_eq!(cache.get("century"), None);
    assert_eq!(cache.get("forever"), Some(2));
    assert_eq!(cache.get("millennium"), Some(7));
    assert_eq!(cache.expired_len(), 0);
    assert_eq!(cache.cleanup_expired(), 0);
    assert_eq!(cache.len(), 2);

    // Time stands still at the limit: what is inserted now stays until its TTL would pass,
    // which it never does. Documented saturation, not an overflow.
    cache.insert("late", 4);
    cache.insert_with_ttl("late-forever", 5, Duration::MAX);
    clock.advance(Duration::MAX);
    assert_eq!(cache.get("late"), Some(4));
    assert_eq!(cache.get("late-forever"), Some(5));
    // A zero TTL still stores nothing at the limit.
    cache.insert_with_ttl("zero", 6, Duration::ZERO);
    assert_eq!(cache.get("zero"), None);
    let stats = cache.stats();
    assert_eq!((stats.size, stats.expired_entries), (4, 0));
}

#[test]
fn a_cache_built_on_a_saturated_clock_works() {
    let clock = MockClock::new();
    clock.advance(Duration::MAX);
    let cache = TtlCache::<u32, u32>::builder()
        .ttl(Duration::MAX)
        .cleanup_interval(Duration::MAX)
        .clock(clock.clone())
        .build();
    cache.insert(1, 1);
    assert_eq!(cache.get_or_insert_with(2, || 2), 2);
    clock.advance(Duration::MAX);
    assert_eq!(cache.get_many(&[1, 2, 3]), vec![Some(1), Some(2), None]);
    assert_eq!(cache.cleanup_expired(), 0);
}

#[test]
fn an_expiring_set_survives_the_far_future() {
    let clock = MockClock::new();
    let forever = ExpiringSet::<u32>::builder()
        .stale_after(Duration::MAX)
        .cleanup_interval(Duration::MAX)
        .clock(clock.clone())
        .build();
    let instant = ExpiringSet::<u32>::builder()
        .stale_after(Duration::ZERO)
        .clock(clock.clone())
        .build();
    let hour = ExpiringSet::<u32>::builder()
        .stale_after(Duration::from_secs(3600))
        .clock(clock.clone())
        .build();
    forever.add(1);
    assert!(instant.add(1));
    assert!(!instant.contains(&1), "stale_after zero: stale at once");
    hour.add(1);
    clock.advance(Duration::MAX);
    clock.advance(Duration::MAX);
    assert!(forever.contains(&1));
    assert!(!hour.contains(&1));
    assert_eq!(hour.force_cleanup(), 1);
    assert_eq!(forever.force_cleanup(), 0);
    assert!(forever.add(2));
    assert!(forever.contains(&2));
}

// ---------------------------------------------------------------------------------------
// TTLs at the extremes after construction.
// ---------------------------------------------------------------------------------------

#[test]
fn set_ttl_to_the_extremes() {
    let clock = MockClock::new();
    let cache = TtlCache::<u32, u32>::builder()
        .ttl(Duration::from_secs(60))
        .clock(clock.clone())
        .build();
    cache.insert(1, 1);
    cache.set_ttl(Duration::MAX);
    assert_eq!(cache.ttl(), Duration::MAX);
    cache.insert(2, 2);
    cache.set_ttl(Duration::ZERO);
    assert_eq!(cache.ttl(), Duration::ZERO);
    // A zero TTL stores nothing, and what the key held before is stale from then on.
    cache.insert(1, 10);
    assert_eq!(cache.get(&1), None);
    cache.insert(3, 3);
    assert_eq!(cache.get(&3), None);
    clock.advance(Duration::MAX);
    assert_eq!(
        cache.get(&2),
        Some(2),
        "Duration::MAX from set_ttl never expires"
    );
    // A TTL under the clock's microsecond resolution rounds up, never down to "nothing".
    cache.set_ttl(Duration::from_nanos(1));
    assert_eq!(cache.ttl(), Duration::from_micros(1));
}

#[test]
fn the_largest_finite_ttls_saturate_to_never() {
    let clock = MockClock::new();
    let cache = TtlCache::<u32, u32>::builder().clock(clock.clone()).build();
    let huge = [
        Duration::MAX,
        Duration::new(u64::MAX, 0),
        Duration::from_secs(1 << 62),
        Duration::from_secs(5_000 * 365 * 86_400),
    ];
    for (key, ttl) in (0..).zip(huge) {
        cache.insert_with_ttl(key, key, ttl);
    }
    for _ in 0..2 {
        clock.advance(Duration::MAX);
    }
    for key in 0..4 {
        assert_eq!(cache.get(&key), Some(key));
    }
    cache.set_ttl(Duration::new(u64::MAX, 0));
    assert_eq!(cache.ttl(), Duration::MAX, "a saturated TTL reads as never");
}

// ---------------------------------------------------------------------------------------
// Bounds: max_size and weights at the extremes.
// ---------------------------------------------------------------------------------------

#[test]
fn set_max_size_to_usize_max_and_back() {
    let cache = TtlCache::<u32, u32>::new(10, Duration::from_secs(60));
    cache.set_max_size(usize::MAX);
    for n in 0..100 {
        cache.insert(n, n);
    }
    assert_eq!(
        cache.len(),
        100,
        "a cache built small may grow when its bound grows"
    );
    assert_eq!(cache.stats().max_size, usize::MAX);
    assert!(cache.stats().utilization_percent.is_finite());
    cache.set_max_size(5);
    cache.insert(1000, 1000);
    assert!(cache.len() <= 5, "{}", cache.len());
}

#[test]
fn set_max_size_zero_empties_the_cache_on_the_next_insert() {
    let cache = TtlCache::<u32, u32>::new(100, Duration::from_secs(60));
    for n in 0..50 {
        cache.insert(n, n);
    }
    cache.set_max_size(0);
    cache.insert(1000, 1000);
    assert_eq!(cache.get(&1000), None);
    assert!(cache.len() <= cache.max_size(), "{} entries", cache.len());
    assert_eq!(cache.get(&1), None);
}

#[test]
fn shrinking_below_the_segment_count_keeps_the_bound() {
    let cache = TtlCache::<u64, u64>::new(8192, Duration::from_secs(60));
    for n in 0..8192 {
        cache.insert(n, n);
    }
    cache.set_max_size(4);
    for n in 10_000..20_000 {
        cache.insert(n, n);
    }
    assert!(cache.len() <= 4, "{} entries", cache.len());
}

#[test]
fn configure_to_zero_stops_serving_a_named_cache() {
    let registry = Registry::new();
    let cache = registry
        .get_or_create::<u32, u32>("to-zero", 10, Duration::from_secs(60))
        .unwrap();
    for n in 0..5 {
        cache.insert(n, n);
    }
    registry.configure("to-zero", 0, Duration::ZERO);
    cache.insert(99, 99);
    assert!(cache.len() <= cache.max_size(), "{} entries", cache.len());
}

#[test]
fn max_weight_zero_stores_nothing() {
    let unweighted = TtlCache::<u32, u32>::builder()
        .max_size(10)
        .max_weight(0)
        .build();
    let weighted = TtlCache::<u32, u32>::builder()
        .weigher(|_, _| 1)
        .max_weight(0)
        .build();
    for cache in [&unweighted, &weighted] {
        for n in 0..20 {
            cache.insert(n, n);
        }
        assert_eq!(cache.get_or_insert_with(50, || 50), 50);
        assert!(cache.is_empty());
        assert_eq!(cache.get(&1), None);
    }
    assert_eq!(weighted.stats().total_weight, 0);
}

#[test]
fn max_weight_u64_max_without_a_weigher_is_bounded_by_max_size() {
    let cache = TtlCache::<u32, u32>::builder()
        .max_size(8)
        .max_weight(u64::MAX)
        .build();
    for n in 0..100 {
        cache.insert(n, n);
    }
    assert!(cache.len() <= 8);
}

#[test]
fn a_weigher_returning_u64_max_stores_nothing_under_a_smaller_bound() {
    let cache = TtlCache::<u32, u32>::builder()
        .weigher(|_, _| u64::MAX)
        .max_weight(1 << 40)
        .build();
    cache.insert(1, 1);
    assert_eq!(cache.get_or_insert_with(2, || 2), 2);
    assert!(cache.is_empty());
    assert_eq!(cache.stats().total_weight, 0);
}

#[test]
fn weights_summing_past_u64_max_do_not_overflow() {
    let cache = TtlCache::<u32, u64>::builder()
        .weigher(|_, weight| *weight)
        .max_weight(u64::MAX)
        .build();
    cache.insert(1, u64::MAX);
    cache.insert(2, 10);
    // Together they weigh more than the bound: one goes, and the sum is the survivor's.
    let stats = cache.stats();
    assert_eq!(stats.size, 1, "{stats:?}");
    assert!(matches!(stats.total_weight, 10 | u64::MAX), "{stats:?}");
    // Replacing an entry by a heavier one takes the same path.
    cache.insert(3, u64::MAX - 5);
    cache.insert(3, u64::MAX);
    cache.insert(4, 1);
    assert!(cache.len() <= 2, "{:?}", cache.stats());
}

#[test]
fn a_weigher_returning_zero_still_bounds_the_cache() {
    // An entry weighs at least 1 whatever the weigher says, so "free" entries cannot grow
    // the cache without bound: `max_weight` bounds the count too.
    let cache = TtlCache::<u32, u32>::builder()
        .max_size(10)
        .weigher(|_, _| 0)
        .max_weight(10)
        .build();
    for n in 0..200 {
        cache.insert(n, n * 2);
        assert!(cache.len() <= 10, "{:?}", cache.stats());
    }
    for n in 0..200 {
        if let Some(value) = cache.get(&n) {
            assert_eq!(value, n * 2);
        }
    }
    let stats = cache.stats();
    assert_eq!(stats.total_weight, stats.size as u64);
    assert!(stats.utilization_percent <= 100.0, "{stats:?}");
    cache.insert(3, 6);
    assert_eq!(cache.remove(&3), Some(6));
    cache.clear();
    assert!(cache.is_empty());
}

// ---------------------------------------------------------------------------------------
// Registry: defaults that bypass the environment's checks, janitor intervals, and type
// mismatches against the memoization macros' caches.
// ---------------------------------------------------------------------------------------

#[test]
fn registry_defaults_at_the_extremes() {
    watchdog(|| {
        let nothing = Registry::with_defaults(RegistryDefaults {
            max_size: 0,
            ttl: Duration::ZERO,
            cleanup_interval: Duration::ZERO,
        });
        let defaults = nothing.defaults();
        let cache = nothing
            .get_or_create::<u32, u32>("nothing", defaults.max_size, defaults.ttl)
            .unwrap();
        cache.insert(1, 1);
        assert_eq!(cache.get(&1), None);
        assert!(nothing.health().warnings.is_empty());

        let everything = Registry::with_defaults(RegistryDefaults {
            max_size: usize::MAX,
            ttl: Duration::MAX,
            cleanup_interval: Duration::MAX,
        });
        let defaults = everything.defaults();
        let cache = everything
            .get_or_create::<u32, u32>("everything", defaults.max_size, defaults.ttl)
            .unwrap();
        cache.insert(1, 1);
        assert_eq!(cache.get(&1), Some(1));
        assert_eq!(everything.stats().global.total_max_entries, usize::MAX);
        assert_eq!(everything.cleanup_all()["everything"], 0);
    });
}

#[test]
fn janitors_with_zero_and_max_intervals_start_and_stop() {
    watchdog(|| {
        let registry = Registry::new();
        // Zero is raised to the 1 ms floor instead of spinning.
        registry.start_janitor(Duration::ZERO).unwrap().stop();
        // `Duration::MAX` has no deadline: stopping must still wake the janitor.
        let janitor = registry.start_janitor(Duration::MAX).unwrap();
        assert!(janitor.is_running());
        janitor.stop();
        assert!(registry.start_janitor(Duration::MAX).is_ok());
    });
}

static TAKEN_CALLS: AtomicUsize = AtomicUsize::new(0);

#[cachekit::ttl_cached(name = "bad-input::taken", ttl = 3600)]
fn name_taken_by_a_user_cache(n: u64) -> u64 {
    TAKEN_CALLS.fetch_add(1, Ordering::SeqCst);
    n + 1
}

#[test]
fn a_memoized_function_and_a_user_cache_under_one_name_do_not_mix() {
    let name = "bad-input::taken";
    let users = registry()
        .get_or_create::<u64, String>(name, 10, Duration::from_secs(60))
        .unwrap();
    users.insert(1, "ann".to_string());
    // The name is taken with other types: the function still works, under `name#2`.
    assert_eq!(name_taken_by_a_user_cache(1), 2);
    assert_eq!(name_taken_by_a_user_cache(1), 2);
    assert_eq!(TAKEN_CALLS.load(Ordering::SeqCst), 1);
    assert!(registry().names().contains(&format!("{name}#2")));
    assert_eq!(users.get(&1).as_deref(), Some("ann"));
    assert_eq!(users.len(), 1);
    // Asking for the function's cache with the user's types is an error, not a panic.
    let err = registry()
        .get_or_create::<u64, String>(&format!("{name}#2"), 10, Duration::from_secs(60))
        .unwrap_err();
    assert!(matches!(err, RegistryError::TypeMismatch { .. }), "{err:?}");
    assert!(err.to_string().contains("Fingerprint"), "{err}");
}

// ---------------------------------------------------------------------------------------
// The macros' options at the extremes (literal 0 is a compile error: `tests/ui/`).
// ---------------------------------------------------------------------------------------

const NO_ENTRIES: usize = 0;

static ZERO_TTL_CALLS: AtomicUsize = AtomicUsize::new(0);

#[cachekit::ttl_cached(ttl = Duration::ZERO)]
fn zero_ttl(n: u32) -> u32 {
    ZERO_TTL_CALLS.fetch_add(1, Ordering::SeqCst);
    n * 2
}

static ZERO_SIZE_CALLS: AtomicUsize = AtomicUsize::new(0);

#[cachekit::ttl_cached(ttl = 60, max_size = NO_ENTRIES)]
fn zero_size(n: u32) -> u32 {
    ZERO_SIZE_CALLS.fetch_add(1, Ordering::SeqCst);
    n * 3
}

#[cachekit::ttl_cached(ttl = Duration::MAX, max_size = usize::MAX)]
fn unbounded(n: u32) -> u32 {
    n * 4
}

#[cachekit::ttl_cached(ttl = 18446744073709551615, max_size = 18446744073709551615)]
fn largest_literals(n: u32) -> u32 {
    n * 5
}

#[cachekit::ttl_cached(ttl = "213503982334601d")]
fn largest_day_count(n: u32) -> u32 {
    n * 6
}

#[test]
fn a_zero_ttl_or_size_from_an_expression_caches_nothing() {
    for _ in 0..3 {
        assert_eq!(zero_ttl(7), 14);
        assert_eq!(zero_size(7), 21);
    }
    assert_eq!(ZERO_TTL_CALLS.load(Ordering::SeqCst), 3);
    assert_eq!(ZERO_SIZE_CALLS.load(Ordering::SeqCst), 3);
    assert!(zero_ttl_cache().is_empty() && zero_size_cache().is_empty());
    assert_eq!(zero_ttl_cache().ttl(), Duration::ZERO);
    assert_eq!(zero_size_cache().max_size(), 0);
    assert!(!zero_ttl_invalidate(7));
}

#[test]
fn the_largest_ttls_and_sizes_mean_never_and_unbounded() {
    for _ in 0..2 {
        assert_eq!(unbounded(1), 4);
        assert_eq!(largest_literals(1), 5);
        assert_eq!(largest_day_count(1), 6);
    }
    // Each saturates to "never expires", which `ttl()` reports as `Duration::MAX`.
    assert_eq!(unbounded_cache().ttl(), Duration::MAX);
    assert_eq!(largest_literals_cache().ttl(), Duration::MAX);
    assert_eq!(largest_day_count_cache().ttl(), Duration::MAX);
    assert_eq!(unbounded_cache().max_size(), usize::MAX);
    assert_eq!(largest_literals_cache().max_size(), usize::MAX);
    for stats in [
        unbounded_cache().stats(),
        largest_literals_cache().stats(),
        largest_day_count_cache().stats(),
    ] {
        assert_eq!((stats.size, stats.hits, stats.misses), (1, 1, 1));
        assert!(stats.utilization_percent.is_finite());
    }
}

#[derive(Hash)]
struct Shelf {
    id: u32,
}

static SHELF_CALLS: AtomicUsize = AtomicUsize::new(0);

impl Shelf {
    #[cached_method(ttl = Duration::ZERO, max_size = usize::MAX)]
    fn never_cached(&self, n: u32) -> u32 {
        SHELF_CALLS.fetch_add(1, Ordering::SeqCst);
        self.id + n
    }
}

#[test]
fn a_method_with_a_zero_ttl_caches_nothing() {
    let shelf = Shelf { id: 10 };
    assert_eq!(shelf.never_cached(1), 11);
    assert_eq!(shelf.never_cached(1), 11);
    assert_eq!(SHELF_CALLS.load(Ordering::SeqCst), 2);
    assert!(Shelf::never_cached_cache().is_empty());
}

// ---------------------------------------------------------------------------------------
// Malformed environment overrides.
// ---------------------------------------------------------------------------------------

/// What one variable set to one text must give: a value, or the default and a warning.
#[derive(Clone, Copy, Debug)]
enum Outcome<T> {
    Value(T),
    Rejected,
}

use Outcome::{Rejected, Value};

const HUGE: &str = "99999999999999999999";
const U64_MAX: &str = "18446744073709551615";

/// Reads `defaults` with only `name` set to `text`, and counts the warnings it logged.
fn read_one(name: &str, text: &str) -> (RegistryDefaults, usize) {
    let needle = format!("{name}={text:?}");
    let before = registry_support::containing(&needle).len();
    let defaults =
        RegistryDefaults::from_env_with(|asked| (asked == name).then(|| text.to_string()));
    (
        defaults,
        registry_support::containing(&needle).len() - before,
    )
}

fn check<T: PartialEq + std::fmt::Debug>(
    name: &str,
    cases: &[(&str, Outcome<T>)],
    builtin: T,
    field: impl Fn(&RegistryDefaults) -> T,
) {
    for (text, outcome) in cases {
        let (defaults, warnings) = read_one(name, text);
        match outcome {
            Value(expected) => {
                assert_eq!(&field(&defaults), expected, "{name}={text:?}");
                assert_eq!(warnings, 0, "{name}={text:?} was accepted, yet warned");
            }
            Rejected => {
                assert_eq!(field(&defaults), builtin, "{name}={text:?}");
                assert_eq!(warnings, 1, "{name}={text:?} must warn once");
            }
        }
        // The other two settings are untouched by a bad value in this one.
        let untouched = RegistryDefaults {
            max_size: DEFAULT_MAX_SIZE,
            ttl: DEFAULT_TTL,
            cleanup_interval: DEFAULT_CLEANUP_INTERVAL,
        };
        let mut expected = defaults;
        match name {
            ENV_DEFAULT_TTL => expected.ttl = untouched.ttl,
            ENV_DEFAULT_MAX_SIZE => expected.max_size = untouched.max_size,
            _ => expected.cleanup_interval = untouched.cleanup_interval,
        }
        assert_eq!(
            expected, untouched,
            "{name}={text:?} leaked into another field"
        );
    }
}

#[test]
fn malformed_ttl_overrides() {
    registry_support::install();
    let secs = Duration::from_secs;
    check(
        ENV_DEFAULT_TTL,
        &[
            ("", Rejected),
            ("   ", Rejected),
            ("-1", Rejected),
            ("NaN", Rejected),
            ("inf", Rejected),
            ("-inf", Rejected),
            ("1e400", Rejected),
            (HUGE, Rejected),
            ("5s", Rejected),
            ("0x10", Rejected),
            ("1_000", Rejected),
            ("\u{0}5", Rejected),
            ("\u{661}", Rejected), // ARABIC-INDIC DIGIT ONE
            (" 5 ", Value(secs(5))),
            ("\t5\n", Value(secs(5))),
            ("+5", Value(secs(5))),
            ("0.25", Value(Duration::from_millis(250))),
            ("1e3", Value(secs(1000))),
            ("0", Value(Duration::ZERO)),
            ("-0", Value(Duration::ZERO)),
            // Positive, if under a nanosecond: still a time to live, not "cache nothing".
            ("1e-12", Value(Duration::from_nanos(1))),
            (U64_MAX, Value(secs(u64::MAX))),
        ],
        DEFAULT_TTL,
        |d| d.ttl,
    );
}

#[test]
fn malformed_max_size_overrides() {
    registry_support::install();
    check(
        ENV_DEFAULT_MAX_SIZE,
        &[
            ("", Rejected),
            ("-1", Rejected),
            ("-0", Rejected),
            ("NaN", Rejected),
            ("inf", Rejected),
            ("1e400", Rejected),
            ("1e3", Rejected),
            ("5.0", Rejected),
            (HUGE, Rejected),
            ("0x10", Rejected),
            (" 5 ", Value(5)),
            ("+5", Value(5)),
            ("0", Value(0)),
            (U64_MAX, Value(usize::MAX)),
        ],
        DEFAULT_MAX_SIZE,
        |d| d.max_size,
    );
}

#[test]
fn malformed_cleanup_interval_overrides() {
    registry_support::install();
    let secs = Duration::from_secs;
    check(
        ENV_CLEANUP_INTERVAL,
        &[
            ("", Rejected),
            ("-1", Rejected),
            ("NaN", Rejected),
            ("inf", Rejected),
            ("1e400", Rejected),
            (HUGE, Rejected),
            // Documented: the interval must be positive.
            ("0", Rejected),
            ("-0", Rejected),
            (" 5 ", Value(secs(5))),
            ("1e-12", Value(Duration::from_nanos(1))),
            (U64_MAX, Value(secs(u64::MAX))),
        ],
        DEFAULT_CLEANUP_INTERVAL,
        |d| d.cleanup_interval,
    );
}

/// Set in the child process of `a_non_utf8_override_is_reported_not_ignored`.
const NON_UTF8_CHILD: &str = "CACHEKIT_TEST_NON_UTF8_CHILD";

#[test]
fn a_non_utf8_override_is_reported_not_ignored() {
    if std::env::var_os(NON_UTF8_CHILD).is_some() {
        registry_support::install();
        let defaults = RegistryDefaults::from_env();
        assert_eq!(defaults.ttl, DEFAULT_TTL);
        assert_eq!(
            defaults.max_size, 64,
            "the valid variable beside it still applies"
        );
        let warned = registry_support::containing(ENV_DEFAULT_TTL).len();
        println!("non-utf8 warnings: {warned}");
        return;
    }
    #[cfg(unix)]
    {
        use std::ffi::OsStr;
        use std::os::unix::ffi::OsStrExt;
        let output = Command::new(std::env::current_exe().unwrap())
            .args([
                "a_non_utf8_override_is_reported_not_ignored",
                "--exact",
                "--nocapture",
                "--test-threads=1",
            ])
            .env(NON_UTF8_CHILD, "1")
            .env(ENV_DEFAULT_TTL, OsStr::from_bytes(b"6\xff0"))
            .env(ENV_DEFAULT_MAX_SIZE, "64")
            .env_remove(ENV_CLEANUP_INTERVAL)
            .output()
            .unwrap();
        let stdout = String::from_utf8_lossy(&output.stdout);
        assert!(
            output.status.success(),
            "child failed:\n{stdout}\n{}",
            String::from_utf8_lossy(&output.stderr)
        );
        assert!(stdout.contains("non-utf8 warnings: 1"), "{stdout}");
    }
}
