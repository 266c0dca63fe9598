//! `#[ttl_cached]` and `#[cached_method]` on `async fn`, driven by the tiny `block_on` of
//! `common` (no runtime needed): caching, the `Result` / `Option` rules, single flight
//! across threads, cancellation, and `Send` futures.

mod common;

use cachekit::{cached_method, ttl_cached};
use common::{block_on, poll_once, spin_for, watchdog, FlagWaker, YieldOnce};
use std::pin::pin;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Barrier};
use std::task::{Poll, Waker};
use std::thread;
use std::time::Duration;

#[derive(Clone, Debug, PartialEq)]
struct User {
    id: u64,
    name: String,
}

#[derive(Clone, Debug, PartialEq)]
struct DbError(String);

static LOADS: AtomicUsize = AtomicUsize::new(0);

#[ttl_cached(ttl = "10m", name = "macros-async-users")]
async fn load_user(id: u64) -> Result<User, DbError> {
    LOADS.fetch_add(1, Ordering::SeqCst);
    YieldOnce::new().await;
    if id == 0 {
        return Err(DbError("no user 0".into()));
    }
    Ok(User {
        id,
        name: format!("user-{id}"),
    })
}

#[test]
fn async_results_are_cached_and_errors_are_not() {
    watchdog(|| {
        let before = LOADS.load(Ordering::SeqCst);
        assert_eq!(block_on(load_user(0)), Err(DbError("no user 0".into())));
        assert_eq!(block_on(load_user(0)), Err(DbError("no user 0".into())));
        assert_eq!(LOADS.load(Ordering::SeqCst) - before, 2);
        let user = block_on(load_user(7)).unwrap();
        assert_eq!(user.name, "user-7");
        assert_eq!(block_on(load_user(7)).unwrap(), user);
        assert_eq!(LOADS.load(Ordering::SeqCst) - before, 3);
        assert_eq!(load_user_cache().ttl(), Duration::from_secs(600));
        assert!(load_user_invalidate(7));
        assert_eq!(block_on(load_user_uncached(7)).unwrap(), user);
        assert!(cachekit::registry()
            .names()
            .contains(&"macros-async-users".to_string()));
    });
}

static FIND_CALLS: AtomicUsize = AtomicUsize::new(0);

#[ttl_cached]
async fn find(name: &str) -> Option<usize> {
    FIND_CALLS.fetch_add(1, Ordering::SeqCst);
    (!name.is_empty()).then_some(name.len())
}

#[ttl_cached]
async fn plain(x: u32) -> u32 {
    // An async body that awaits another memoized async function.
    find("abc").await.unwrap_or(0) as u32 + x
}

#[test]
fn async_options_and_nested_calls() {
    watchdog(|| {
        assert_eq!(block_on(find("")), None);
        assert_eq!(block_on(find("")), None);
        assert_eq!(FIND_CALLS.load(Ordering::SeqCst), 2);
        assert_eq!(block_on(find("ab")), Some(2));
        assert_eq!(block_on(find("ab")), Some(2));
        assert_eq!(FIND_CALLS.load(Ordering::SeqCst), 3);
        assert_eq!(block_on(plain(1)), 4);
        assert_eq!(block_on(plain(1)), 4);
    });
}

static SLOW_LOADS: AtomicUsize = AtomicUsize::new(0);

#[ttl_cached]
async fn slow_load(key: u64) -> u64 {
    SLOW_LOADS.fetch_add(1, Ordering::SeqCst);
    YieldOnce::new().await;
    spin_for(Duration::from_millis(50));
    key * 2
}

#[test]
fn concurrent_async_callers_run_the_body_once() {
    watchdog(|| {
        let barrier = Arc::new(Barrier::new(6));
        let handles: Vec<_> = (0..6)
            .map(|_| {
                let barrier = Arc::clone(&barrier);
                thread::spawn(move || {
                    barrier.wait();
                    block_on(slow_load(21))
                })
            })
            .collect();
        for handle in handles {
            assert_eq!(handle.join().unwrap(), 42);
        }
        assert_eq!(SLOW_LOADS.load(Ordering::SeqCst), 1);
    });
}

static CANCELLED_LOADS: AtomicUsize = AtomicUsize::new(0);

#[ttl_cached]
async fn cancellable(key: u64) -> u64 {
    CANCELLED_LOADS.fetch_add(1, Ordering::SeqCst);
    YieldOnce::new().await;
    key + 1
}

#[test]
fn a_cancelled_call_caches_nothing_and_blocks_no_one() {
    watchdog(|| {
        let waker = Waker::from(FlagWaker::new());
        {
            let mut first = pin!(cancellable(1));
            assert!(matches!(poll_once(first.as_mut(), &waker), Poll::Pending));
            // Dropped mid-load.
        }
        assert_eq!(cancellable_cache().len(), 0);
        assert_eq!(block_on(cancellable(1)), 2);
        assert_eq!(CANCELLED_LOADS.load(Ordering::SeqCst), 2);
    });
}

fn assert_send<T: Send>(value: T) -> T {
    value
}

#[derive(Hash)]
struct Repo {
    tenant: u64,
}

static REPO_LOADS: AtomicUsize = AtomicUsize::new(0);

impl Repo {
    #[cached_method(max_size = 10)]
    async fn rows(&self, limit: usize) -> Vec<String> {
        REPO_LOADS.fetch_add(1, Ordering::SeqCst);
        YieldOnce::new().await;
        (0..limit).map(|i| format!("{}-{i}", self.tenant)).collect()
    }

    #[cached_method(self_key = self.tenant)]
    async fn count(&self) -> Result<usize, String> {
        Ok(self.rows(3).await.len())
    }
}

#[test]
fn async_methods() {
    watchdog(|| {
        let repo = Repo { tenant: 4 };
        let rows = block_on(assert_send(repo.rows(2)));
        assert_eq!(rows, vec!["4-0".to_string(), "4-1".to_string()]);
        assert_eq!(block_on(repo.rows(2)), rows);
        assert_eq!(REPO_LOADS.load(Ordering::SeqCst), 1);
        assert_eq!(block_on(repo.count()), Ok(3));
        assert_eq!(block_on(repo.count()), Ok(3));
        assert!(repo.rows_invalidate(2));
        assert_eq!(block_on(repo.rows_uncached(1)), vec!["4-0".to_string()]);
        assert_eq!(Repo::rows_cache().max_size(), 10);
        assert!(Repo::count_cache().len() == 1);
    });
}
