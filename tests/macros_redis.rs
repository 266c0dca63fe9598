//! `#[ttl_cached(shared = "redis")]` end to end, against a real `redis-server` started for
//! this test (see `cache-redis/tests/support`): results shared with another process,
//! `_invalidate` reaching Redis, `Err` and `None` never shared, the async forms, and the
//! key layout.
//!
//! The connection is process-wide (`cachekit::redis::connect`, once), so the steps run in
//! one test function, in order, against one server that is stopped when it ends.
#![cfg(feature = "redis")]

#[path = "../cache-redis/tests/support/mod.rs"]
mod support;

use std::process::Command;
use std::sync::atomic::{AtomicUsize, Ordering};

use cachekit::ttl_cached;
use serde::{Deserialize, Serialize};

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
struct Profile {
    id: u64,
    name: String,
}

static PROFILE_RUNS: AtomicUsize = AtomicUsize::new(0);
static LOOKUP_RUNS: AtomicUsize = AtomicUsize::new(0);
static FIND_RUNS: AtomicUsize = AtomicUsize::new(0);
static ASYNC_RUNS: AtomicUsize = AtomicUsize::new(0);

#[ttl_cached(
    ttl = "10m",
    local_ttl = "30s",
    shared = "redis",
    name = "macros_redis.profile"
)]
fn render_profile(user_id: u64, greeting: &str) -> Profile {
    PROFILE_RUNS.fetch_add(1, Ordering::SeqCst);
    Profile {
        id: user_id,
        name: format!("{greeting} {user_id}"),
    }
}

#[ttl_cached(ttl = "10m", shared = "redis", name = "macros_redis.lookup")]
fn lookup(user_id: u64) -> Result<u64, String> {
    LOOKUP_RUNS.fetch_add(1, Ordering::SeqCst);
    if user_id == 0 {
        Err("no user 0".to_string())
    } else {
        Ok(user_id * 10)
    }
}

#[ttl_cached(
    ttl = "10m",
    shared = "redis",
    shared_lock = true,
    name = "macros_redis.find"
)]
fn find(user_id: u64) -> Option<String> {
    FIND_RUNS.fetch_add(1, Ordering::SeqCst);
    (user_id % 2 == 1).then(|| format!("odd {user_id}"))
}

#[ttl_cached(ttl = "10m", shared = "redis", name = "macros_redis.async")]
async fn load_async(user_id: u64) -> Result<Vec<u64>, String> {
    ASYNC_RUNS.fetch_add(1, Ordering::SeqCst);
    Ok(vec![user_id; 3])
}

/// Set in the child process: the URL of the parent's server.
const ENV_CHILD_URL: &str = "CACHEKIT_TEST_MACROS_REDIS_CHILD_URL";

/// The other process: finds the parent's result in Redis without running the body.
#[test]
fn child_process_reads_what_the_parent_computed() {
    let Ok(url) = std::env::var(ENV_CHILD_URL) else {
        return; // only meaningful as the parent's child
    };
    cachekit::redis::connect(&url).expect("child connects");
    let profile = render_profile(7, "hello");
    assert_eq!(
        profile,
        Profile {
            id: 7,
            name: "hello 7".to_string()
        }
    );
    assert_eq!(
        PROFILE_RUNS.load(Ordering::SeqCst),
        0,
        "the child ran the body"
    );
    assert_eq!(render_profile_cache().stats().redis_hits, 1);
    // A call the parent never made runs here, and lands in Redis for the parent.
    assert_eq!(lookup(5), Ok(50));
    assert_eq!(LOOKUP_RUNS.load(Ordering::SeqCst), 1);
}

fn run_child(url: &str) {
    let status = Command::new(std::env::current_exe().expect("test binary"))
        .args([
            "--exact",
            "child_process_reads_what_the_parent_computed",
            "--nocapture",
        ])
        .env(ENV_CHILD_URL, url)
        .status()
        .expect("spawn the child process");
    assert!(status.success(), "the child process failed: {status}");
}

#[test]
fn shared_functions_share_results_between_processes() {
    if std::env::var(ENV_CHILD_URL).is_ok() {
        return; // the child runs only its own test
    }
    let Some(server) = support::server("shared_functions_share_results_between_processes") else {
        return;
    };
    cachekit::redis::connect(&server.url).expect("connect");
    let mut redis = server.client();
    // The server may be shared (CACHEKIT_TEST_REDIS_URL): clear only this test's namespaces.
    let stale: Vec<String> = redis::cmd("KEYS")
        .arg("cachekit:macros_redis.*")
        .query(&mut redis)
        .expect("keys");
    if !stale.is_empty() {
        let _: () = redis::cmd("DEL")
            .arg(&stale)
            .query(&mut redis)
            .expect("del");
    }

    // Computed once here, then found in the local tier.
    assert_eq!(render_profile(7, "hello").name, "hello 7");
    assert_eq!(render_profile(7, "hello").name, "hello 7");
    assert_eq!(PROFILE_RUNS.load(Ordering::SeqCst), 1);
    let tier = render_profile_cache();
    assert_eq!(tier.local_ttl(), std::time::Duration::from_secs(30));
    assert_eq!(tier.ttl(), std::time::Duration::from_secs(600));

    // The key is `cachekit:<name>:<32 hex>`, and Redis holds the value there.
    let keys: Vec<String> = redis::cmd("KEYS")
        .arg("cachekit:macros_redis.profile:*")
        .query(&mut redis)
        .expect("keys");
    assert_eq!(keys.len(), 1, "{keys:?}");
    let hex = keys[0].rsplit(':').next().expect("hex");
    assert_eq!(hex.len(), 32);
    assert!(hex.bytes().all(|b| b.is_ascii_hexdigit()));

    // Another process, its own local tier: served from Redis.
    run_child(&server.url);
    // ... and what it computed is served here from Redis.
    assert_eq!(lookup(5), Ok(50));
    assert_eq!(
        LOOKUP_RUNS.load(Ordering::SeqCst),
        0,
        "computed by the child"
    );

    // Err is returned, never cached in either tier.
    assert_eq!(lookup(0), Err("no user 0".to_string()));
    assert_eq!(lookup(0), Err("no user 0".to_string()));
    assert_eq!(LOOKUP_RUNS.load(Ordering::SeqCst), 2);

    // None likewise; Some is cached (with the cross-process lock on).
    assert_eq!(find(2), None);
    assert_eq!(find(2), None);
    assert_eq!(find(3), Some("odd 3".to_string()));
    assert_eq!(find(3), Some("odd 3".to_string()));
    assert_eq!(FIND_RUNS.load(Ordering::SeqCst), 3);

    // `_invalidate` drops the local copy and the Redis key: the next call recomputes.
    assert!(render_profile_invalidate(7, "hello"));
    assert!(!render_profile_invalidate(7, "hello"));
    let left: Vec<String> = redis::cmd("KEYS")
        .arg("cachekit:macros_redis.profile:*")
        .query(&mut redis)
        .expect("keys");
    assert!(left.is_empty(), "{left:?}");
    assert_eq!(render_profile(7, "hello").name, "hello 7");
    assert_eq!(PROFILE_RUNS.load(Ordering::SeqCst), 2);
    // Other arguments are other keys.
    assert_eq!(render_profile(7, "hi").name, "hi 7");
    assert_eq!(PROFILE_RUNS.load(Ordering::SeqCst), 3);

    // The async forms, on a Tokio runtime.
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("runtime");
    runtime.block_on(async {
        assert_eq!(load_async(4).await, Ok(vec![4, 4, 4]));
        assert_eq!(load_async(4).await, Ok(vec![4, 4, 4]));
        assert_eq!(ASYNC_RUNS.load(Ordering::SeqCst), 1);
        // Drop the local copy only: the value comes back from Redis, not the body.
        load_async_cache().local_cache().clear();
        assert_eq!(load_async(4).await, Ok(vec![4, 4, 4]));
        assert_eq!(ASYNC_RUNS.load(Ordering::SeqCst), 1);
        assert!(load_async_invalidate(4).await);
        assert_eq!(load_async(4).await, Ok(vec![4, 4, 4]));
        assert_eq!(ASYNC_RUNS.load(Ordering::SeqCst), 2);
    });

    // The registry knows the local tiers by name, and clearing one clears its namespace.
    assert!(cachekit::registry()
        .names()
        .contains(&"macros_redis.profile".to_string()));
    cachekit::registry()
        .clear("macros_redis.profile")
        .expect("clear");
    let left: Vec<String> = redis::cmd("KEYS")
        .arg("cachekit:macros_redis.profile:*")
        .query(&mut redis)
        .expect("keys");
    assert!(left.is_empty(), "{left:?}");
    drop(server);
}
