//! `#[ttl_cached]` on free functions, by running the generated code: how often bodies run,
//! recursion, concurrency, panics, the `Result` / `Option` rules, the companions, the
//! registry, options and generics. Every test that uses threads runs under a watchdog.

mod common;

use cachekit::{registry, ttl_cached};
use common::{quiet_intentional_panics, spin_for, watchdog, INTENTIONAL};
use std::collections::HashMap;
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Barrier};
use std::thread;
use std::time::Duration;

static PRICE_CALLS: AtomicUsize = AtomicUsize::new(0);

/// A doc comment, kept on the memoized function.
#[ttl_cached(ttl = 60, max_size = 1000)]
fn price(sku: &str, qty: u32) -> u64 {
    PRICE_CALLS.fetch_add(1, Ordering::SeqCst);
    sku.len() as u64 * 100 + u64::from(qty)
}

#[test]
fn the_body_runs_once_per_distinct_arguments() {
    let before = PRICE_CALLS.load(Ordering::SeqCst);
    assert_eq!(price("abc", 2), 302);
    assert_eq!(price("abc", 2), 302);
    assert_eq!(
        price(&String::from("abc"), 2),
        302,
        "a borrowed String is the same key"
    );
    assert_eq!(PRICE_CALLS.load(Ordering::SeqCst) - before, 1);
    assert_eq!(price("abc", 3), 303);
    assert_eq!(price("abcd", 2), 402);
    assert_eq!(PRICE_CALLS.load(Ordering::SeqCst) - before, 3);
}

#[test]
fn options_reach_the_cache_and_the_registry() {
    price("options", 1);
    let cache = price_cache();
    assert_eq!(cache.max_size(), 1000);
    assert_eq!(cache.ttl(), Duration::from_secs(60));
    assert!(registry()
        .names()
        .contains(&"macros_free_functions::price".to_string()));
    assert!(registry().stats().caches["macros_free_functions::price"].size >= 1);
}

static SLOW_FIB_CALLS: AtomicUsize = AtomicUsize::new(0);

#[ttl_cached]
fn fib(n: u64) -> u128 {
    SLOW_FIB_CALLS.fetch_add(1, Ordering::SeqCst);
    if n < 2 {
        u128::from(n)
    } else {
        fib(n - 1) + fib(n - 2)
    }
}

#[test]
fn recursion_through_the_cache_is_instant() {
    watchdog(|| {
        assert_eq!(fib(90), 2_880_067_194_370_816_120);
        // Each n in 0..=90 ran its body once.
        assert_eq!(SLOW_FIB_CALLS.load(Ordering::SeqCst), 91);
        assert_eq!(fib(90), 2_880_067_194_370_816_120);
        assert_eq!(SLOW_FIB_CALLS.load(Ordering::SeqCst), 91);
    });
}

#[test]
fn defaults_come_from_the_registry() {
    fib(1);
    let defaults = registry().defaults();
    assert_eq!(fib_cache().max_size(), defaults.max_size);
    assert_eq!(fib_cache().ttl(), defaults.ttl);
}

static SLOW_CALLS: AtomicUsize = AtomicUsize::new(0);

#[ttl_cached]
fn slow_square(x: u64) -> u64 {
    SLOW_CALLS.fetch_add(1, Ordering::SeqCst);
    spin_for(Duration::from_millis(50));
    x * x
}

#[test]
fn concurrent_callers_with_one_key_run_the_body_once() {
    watchdog(|| {
        let threads = 8;
        let barrier = Arc::new(Barrier::new(threads));
        let handles: Vec<_> = (0..threads)
            .map(|_| {
                let barrier = Arc::clone(&barrier);
                thread::spawn(move || {
                    barrier.wait();
                    slow_square(12)
                })
            })
            .collect();
        for handle in handles {
            assert_eq!(handle.join().unwrap(), 144);
        }
        assert_eq!(SLOW_CALLS.load(Ordering::SeqCst), 1);
    });
}

static PANICS: AtomicUsize = AtomicUsize::new(0);

#[ttl_cached]
fn panics_first(x: u32) -> u32 {
    spin_for(Duration::from_millis(20));
    if PANICS.fetch_add(1, Ordering::SeqCst) == 0 {
        panic!("{INTENTIONAL}: first call fails");
    }
    x + 1
}

#[test]
fn a_panicking_body_leaves_no_caller_stuck() {
    quiet_intentional_panics();
    watchdog(|| {
        let threads = 4;
        let barrier = Arc::new(Barrier::new(threads));
        let handles: Vec<_> = (0..threads)
            .map(|_| {
                let barrier = Arc::clone(&barrier);
                thread::spawn(move || {
                    barrier.wait();
                    catch_unwind(|| panics_first(1)).ok()
                })
            })
            .collect();
        let results: Vec<_> = handles.into_iter().map(|h| h.join().unwrap()).collect();
        assert_eq!(results.iter().filter(|r| r.is_none()).count(), 1);
        assert!(results.iter().flatten().all(|&value| value == 2));
        assert_eq!(panics_first(1), 2);
    });
}

static RESULT_CALLS: AtomicUsize = AtomicUsize::new(0);

#[derive(Clone, Debug, PartialEq)]
struct LoadError(&'static str);

#[ttl_cached]
fn load(id: u32, fail: bool) -> Result<String, LoadError> {
    RESULT_CALLS.fetch_add(1, Ordering::SeqCst);
    if fail {
        Err(LoadError("down"))
    } else {
        Ok(format!("user-{id}"))
    }
}

#[test]
fn only_ok_is_cached_by_default() {
    assert_eq!(load(1, true), Err(LoadError("down")));
    assert_eq!(load(1, true), Err(LoadError("down")));
    assert_eq!(
        RESULT_CALLS.load(Ordering::SeqCst),
        2,
        "an Err is not cached"
    );
    assert_eq!(load(1, false), Ok("user-1".to_string()));
    assert_eq!(load(1, false), Ok("user-1".to_string()));
    assert_eq!(RESULT_CALLS.load(Ordering::SeqCst), 3, "an Ok is");
}

static CACHE_ERR_CALLS: AtomicUsize = AtomicUsize::new(0);

#[ttl_cached(cache_err = true)]
fn load_caching_errors(id: u32) -> Result<u32, String> {
    CACHE_ERR_CALLS.fetch_add(1, Ordering::SeqCst);
    Err(format!("no {id}"))
}

#[test]
fn cache_err_caches_errors_too() {
    assert_eq!(load_caching_errors(4), Err("no 4".to_string()));
    assert_eq!(load_caching_errors(4), Err("no 4".to_string()));
    assert_eq!(CACHE_ERR_CALLS.load(Ordering::SeqCst), 1);
}

static IO_CALLS: AtomicUsize = AtomicUsize::new(0);

/// A `Result` alias with one parameter, and one with none.
#[ttl_cached]
fn read_setting(name: &str) -> std::io::Result<usize> {
    IO_CALLS.fetch_add(1, Ordering::SeqCst);
    Ok(name.len())
}

#[ttl_cached]
fn format_nothing(x: u8) -> std::fmt::Result {
    let _ = x;
    Ok(())
}

#[test]
fn result_aliases_work() {
    assert_eq!(read_setting("abc").unwrap(), 3);
    assert_eq!(read_setting("abc").unwrap(), 3);
    assert_eq!(IO_CALLS.load(Ordering::SeqCst), 1);
    assert_eq!(format_nothing(1), Ok(()));
}

static OPTION_CALLS: AtomicUsize = AtomicUsize::new(0);

#[ttl_cached]
fn find(id: u32) -> Option<String> {
    OPTION_CALLS.fetch_add(1, Ordering::SeqCst);
    (id % 2 == 0).then(|| format!("even-{id}"))
}

#[test]
fn only_some_is_cached_by_default() {
    assert_eq!(find(1), None);
    assert_eq!(find(1), None);
    assert_eq!(
        OPTION_CALLS.load(Ordering::SeqCst),
        2,
        "a None is not cached"
    );
    assert_eq!(find(2), Some("even-2".to_string()));
    assert_eq!(find(2), Some("even-2".to_string()));
    assert_eq!(OPTION_CALLS.load(Ordering::SeqCst), 3, "a Some is");
}

static CACHE_NONE_CALLS: AtomicUsize = AtomicUsize::new(0);

#[ttl_cached(cache_none)]
fn find_caching_none(id: u32) -> Option<u32> {
    CACHE_NONE_CALLS.fetch_add(1, Ordering::SeqCst);
    id.checked_sub(10)
}

#[test]
fn cache_none_caches_none_too() {
    assert_eq!(find_caching_none(3), None);
    assert_eq!(find_caching_none(3), None);
    assert_eq!(CACHE_NONE_CALLS.load(Ordering::SeqCst), 1);
}

static COMPANION_CALLS: AtomicUsize = AtomicUsize::new(0);

#[ttl_cached(name = "macros-test-companions")]
fn companions(a: u64, b: &str) -> u64 {
    COMPANION_CALLS.fetch_add(1, Ordering::SeqCst);
    a + b.len() as u64
}

#[test]
fn companions_bypass_invalidate_and_expose_the_cache() {
    assert_eq!(companions(1, "xy"), 3);
    assert_eq!(COMPANION_CALLS.load(Ordering::SeqCst), 1);
    assert_eq!(companions_uncached(1, "xy"), 3);
    assert_eq!(
        COMPANION_CALLS.load(Ordering::SeqCst),
        2,
        "_uncached runs the body"
    );
    assert_eq!(companions_cache().len(), 1, "_uncached stores nothing");

    assert!(companions_invalidate(1, "xy"));
    assert!(!companions_invalidate(1, "xy"), "the entry is gone");
    assert!(!companions_invalidate(2, "xy"), "never cached");
    assert_eq!(companions(1, "xy"), 3);
    assert_eq!(
        COMPANION_CALLS.load(Ordering::SeqCst),
        3,
        "recomputed after invalidate"
    );

    let stats = companions_cache().stats();
    assert_eq!(stats.size, 1);
    assert!(stats.misses >= 2);
    companions_cache().clear();
    assert_eq!(companions_cache().len(), 0);
    assert!(registry()
        .names()
        .contains(&"macros-test-companions".to_string()));
    assert!(registry().clear("macros-test-companions").is_ok());
}

static KEYED_CALLS: AtomicUsize = AtomicUsize::new(0);

#[derive(Clone, Debug)]
struct Request {
    user: u64,
    trace_id: u64,
}

#[ttl_cached(key = request.user)]
fn profile(request: &Request, _audit: &str) -> String {
    KEYED_CALLS.fetch_add(1, Ordering::SeqCst);
    format!(
        "profile of {} (first asked by trace {})",
        request.user, request.trace_id
    )
}

#[test]
fn key_hashes_the_expression_instead_of_the_arguments() {
    let first = profile(
        &Request {
            user: 7,
            trace_id: 1,
        },
        "a",
    );
    let second = profile(
        &Request {
            user: 7,
            trace_id: 2,
        },
        "b",
    );
    assert_eq!(first, second, "same user, same entry");
    assert_eq!(KEYED_CALLS.load(Ordering::SeqCst), 1);
    profile(
        &Request {
            user: 8,
            trace_id: 3,
        },
        "a",
    );
    assert_eq!(KEYED_CALLS.load(Ordering::SeqCst), 2);
    assert!(profile_invalidate(
        &Request {
            user: 7,
            trace_id: 9
        },
        "z"
    ));
}

#[ttl_cached(ttl = "50ms")]
fn short_lived(x: u32) -> usize {
    static CALLS: AtomicUsize = AtomicUsize::new(0);
    let _ = x;
    CALLS.fetch_add(1, Ordering::SeqCst) + 1
}

#[test]
fn entries_expire_after_the_ttl() {
    assert_eq!(short_lived_cache().ttl(), Duration::from_millis(50));
    assert_eq!(short_lived(1), 1);
    assert_eq!(short_lived(1), 1);
    thread::sleep(Duration::from_millis(120));
    assert_eq!(short_lived(1), 2, "recomputed once the entry expired");
}

const TEN_MINUTES: Duration = Duration::from_secs(600);
const SMALL: usize = 3;

#[ttl_cached(ttl = TEN_MINUTES, max_size = SMALL)]
fn with_const_options(x: u32) -> u32 {
    x
}

#[ttl_cached(ttl = "1h30m")]
fn with_string_ttl(x: u32) -> u32 {
    x
}

#[ttl_cached(ttl = Duration::from_millis(1500))]
fn with_duration_expression(x: u32) -> u32 {
    x
}

#[test]
fn ttl_and_max_size_accept_expressions_and_strings() {
    assert_eq!(with_const_options_cache().ttl(), TEN_MINUTES);
    assert_eq!(with_const_options_cache().max_size(), SMALL);
    for x in 0..10 {
        with_const_options(x);
    }
    assert!(with_const_options_cache().len() <= SMALL);
    assert_eq!(with_string_ttl_cache().ttl(), Duration::from_secs(5400));
    assert_eq!(
        with_duration_expression_cache().ttl(),
        Duration::from_millis(1500)
    );
}

static GENERIC_CALLS: AtomicUsize = AtomicUsize::new(0);

#[ttl_cached]
fn describe<T: std::fmt::Debug + std::hash::Hash>(value: T) -> String {
    GENERIC_CALLS.fetch_add(1, Ordering::SeqCst);
    format!("{value:?}")
}

#[test]
fn generic_functions_get_one_cache_per_instantiation() {
    assert_eq!(describe(1_u8), "1");
    assert_eq!(describe(1_u16), "1");
    assert_eq!(describe(1_u8), "1");
    assert_eq!(GENERIC_CALLS.load(Ordering::SeqCst), 2);
    assert!(!std::ptr::eq(
        describe_cache::<u8>(),
        describe_cache::<u16>()
    ));
    assert_eq!(describe_cache::<u8>().len(), 1);
    let names = registry().names();
    assert!(names.contains(&"macros_free_functions::describe<u8>".to_string()));
    assert!(names.contains(&"macros_free_functions::describe<u16>".to_string()));
    assert!(describe_invalidate(1_u8));
}

#[ttl_cached]
fn generic_value<T: Default + Clone + Send + Sync + 'static>(n: usize) -> Vec<T> {
    vec![T::default(); n]
}

#[ttl_cached]
fn const_generic<const N: usize>(x: u8) -> [u8; N] {
    [x; N]
}

#[test]
fn generic_return_types_and_const_parameters() {
    assert_eq!(generic_value::<u8>(2), vec![0, 0]);
    assert_eq!(generic_value::<String>(1), vec![String::new()]);
    assert_eq!(const_generic::<2>(7), [7, 7]);
    assert_eq!(const_generic::<3>(7), [7, 7, 7]);
}

/// Two functions given one registry name share the cache but never each other's entries.
#[ttl_cached(name = "macros-test-shared-name")]
fn shared_name_double(x: u64) -> u64 {
    x * 2
}

#[ttl_cached(name = "macros-test-shared-name")]
fn shared_name_triple(x: u64) -> u64 {
    x * 3
}

#[test]
fn functions_sharing_a_name_never_share_entries() {
    assert_eq!(shared_name_double(5), 10);
    assert_eq!(shared_name_triple(5), 15);
    assert_eq!(shared_name_double(5), 10);
    assert!(std::ptr::eq(
        shared_name_double_cache(),
        shared_name_triple_cache()
    ));
    assert_eq!(shared_name_double_cache().len(), 2);
}

#[ttl_cached(name = "macros-test-name-clash")]
fn name_clash_number(x: u8) -> u64 {
    u64::from(x)
}

#[ttl_cached(name = "macros-test-name-clash")]
fn name_clash_text(x: u8) -> String {
    x.to_string()
}

#[test]
fn a_name_taken_with_another_value_type_is_suffixed_not_a_panic() {
    assert_eq!(name_clash_number(1), 1);
    assert_eq!(name_clash_text(1), "1");
    let names = registry().names();
    assert!(names.contains(&"macros-test-name-clash".to_string()));
    assert!(names.contains(&"macros-test-name-clash#2".to_string()));
}

#[ttl_cached]
fn patterns((a, b): (u32, u32), _: u8, mut c: u32) -> u32 {
    c += 1;
    a + b + c
}

#[ttl_cached]
fn no_arguments() -> HashMap<String, u32> {
    HashMap::from([("a".to_string(), 1)])
}

#[ttl_cached]
fn slices_and_references(items: &[u32], factor: &u32) -> u32 {
    items.iter().sum::<u32>() * factor
}

#[test]
fn patterns_borrowed_arguments_and_no_arguments() {
    assert_eq!(patterns((1, 2), 0, 3), 7);
    assert_eq!(patterns((1, 2), 1, 3), 7);
    assert_eq!(
        patterns_cache().len(),
        2,
        "the `_` argument is part of the key"
    );
    assert_eq!(no_arguments()["a"], 1);
    assert_eq!(no_arguments_cache().len(), 1);
    assert_eq!(slices_and_references(&[1, 2, 3], &2), 12);
    assert_eq!(slices_and_references(&Vec::from([1, 2, 3]), &2), 12);
    assert_eq!(slices_and_references_cache().len(), 1);
}

mod nested {
    use cachekit::ttl_cached;

    #[ttl_cached]
    pub fn visible(x: u32) -> u32 {
        x
    }

    #[ttl_cached]
    pub(crate) fn crate_visible(x: u32) -> u32 {
        x
    }
}

#[test]
fn companions_follow_the_visibility_and_module_of_the_function() {
    assert_eq!(nested::visible(1), 1);
    assert!(nested::visible_invalidate(1));
    assert_eq!(nested::visible_uncached(2), 2);
    assert_eq!(nested::crate_visible(3), 3);
    assert_eq!(nested::crate_visible_cache().len(), 1);
    assert!(registry()
        .names()
        .contains(&"macros_free_functions::nested::visible".to_string()));
}

#[test]
fn panic_inside_the_body_propagates_to_the_caller() {
    quiet_intentional_panics();
    #[ttl_cached]
    fn always_panics(x: u8) -> u8 {
        panic!("{INTENTIONAL}: {x}");
    }
    let result = catch_unwind(AssertUnwindSafe(|| always_panics(1)));
    assert!(result.is_err());
    assert_eq!(always_panics_cache().len(), 0);
}
