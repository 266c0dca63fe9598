//! Redis servers for the tests: each test starts its own `redis-server` on a free port
//! (killed when the handle drops), or uses `CACHEKIT_TEST_REDIS_URL`.
//!
//! Without a `redis-server` binary (and without the URL), tests print
//! `skipped: redis-server not installed` and pass, unless `CACHEKIT_REQUIRE_REDIS` is set
//! (CI sets it), in which case they fail.
#![allow(dead_code)] // each test binary uses a part

use std::io::{Read, Write};
use std::net::{Shutdown, TcpListener, TcpStream};
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use cache_redis::{RedisBackend, RedisConfig};

/// A Redis server to use: the URL's, or our own `redis-server`.
pub const ENV_URL: &str = "CACHEKIT_TEST_REDIS_URL";
/// Set (to anything but `0` or empty): a missing server fails the tests instead of
/// skipping them.
pub const ENV_REQUIRE: &str = "CACHEKIT_REQUIRE_REDIS";
/// The `redis-server` binary (default: the one on `PATH`).
pub const ENV_BINARY: &str = "CACHEKIT_REDIS_SERVER";

pub struct RedisServer {
    pub url: String,
    port: Option<u16>,
    child: Option<Child>,
}

fn required() -> bool {
    std::env::var(ENV_REQUIRE).is_ok_and(|v| !v.is_empty() && v != "0")
}

fn binary() -> String {
    std::env::var(ENV_BINARY).unwrap_or_else(|_| "redis-server".to_owned())
}

fn binary_available() -> bool {
    Command::new(binary())
        .arg("--version")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|status| status.success())
}

fn skip(test: &str, why: &str) -> Option<RedisServer> {
    if required() {
        panic!("{test}: {why}, and {ENV_REQUIRE} is set");
    }
    // Straight to stderr: libtest captures `eprintln!`, and a skip should be seen.
    let _ = writeln!(std::io::stderr(), "{test}: skipped: {why}");
    None
}

/// A server for `test`: `CACHEKIT_TEST_REDIS_URL` if set, else our own.
pub fn server(test: &str) -> Option<RedisServer> {
    match std::env::var(ENV_URL) {
        Ok(url) if !url.is_empty() => Some(RedisServer {
            url,
            port: None,
            child: None,
        }),
        _ => own_server(test),
    }
}

/// A server of our own, which the test may kill and restart.
pub fn own_server(test: &str) -> Option<RedisServer> {
    if !binary_available() {
        return skip(test, "redis-server not installed");
    }
    for _ in 0..5 {
        let port = free_port();
        if let Some(child) = spawn(port) {
            return Some(RedisServer {
                url: format!("redis://127.0.0.1:{port}"),
                port: Some(port),
                child: Some(child),
            });
        }
    }
    panic!("{test}: redis-server did not start on any of 5 ports");
}

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .and_then(|listener| listener.local_addr())
        .map(|addr| addr.port())
        .expect("no free port")
}

/// Starts `redis-server` on `port` and waits for its `PONG`; `None` if it exited (the port
/// was taken meanwhile) or never answered.
fn spawn(port: u16) -> Option<Child> {
    let mut child = Command::new(binary())
        .args(["--port", &port.to_string()])
        .args(["--bind", "127.0.0.1"])
        .args(["--save", ""])
        .args(["--appendonly", "no"])
        .args(["--daemonize", "no"])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("cannot run redis-server");
    let deadline = Instant::now() + Duration::from_secs(10);
    while Instant::now() < deadline {
        if ping(port) {
            return Some(child);
        }
        if let Ok(Some(_)) = child.try_wait() {
            return None;
        }
        std::thread::sleep(Duration::from_millis(10));
    }
    let _ = child.kill();
    let _ = child.wait();
    None
}

/// `PING` over a bare socket: whether a Redis answers on `port`.
fn ping(port: u16) -> bool {
    let Ok(mut stream) = TcpStream::connect(("127.0.0.1", port)) else {
        return false;
    };
    let _ = stream.set_read_timeout(Some(Duration::from_millis(500)));
    if stream.write_all(b"PING\r\n").is_err() {
        return false;
    }
    let mut reply = [0_u8; 7];
    let ok = stream.read_exact(&mut reply).is_ok() && &reply == b"+PONG\r\n";
    let _ = stream.shutdown(Shutdown::Both);
    ok
}

impl RedisServer {
    /// Whether the test can kill and restart this server (not one of `CACHEKIT_TEST_REDIS_URL`).
    pub fn is_own(&self) -> bool {
        self.port.is_some()
    }

    /// Kills the server (SIGKILL: no goodbye to the clients) and waits for it to exit.
    pub fn kill(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }

    /// Starts the server again on the same port (empty: it saved nothing).
    pub fn restart(&mut self) {
        self.kill();
        let port = self.port.expect("only our own server can restart");
        let deadline = Instant::now() + Duration::from_secs(10);
        loop {
            if let Some(child) = spawn(port) {
                self.child = Some(child);
                return;
            }
            assert!(
                Instant::now() < deadline,
                "redis-server did not restart on {port}"
            );
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    /// A plain client, for looking at and tampering with what the tier wrote.
    pub fn client(&self) -> redis::Connection {
        redis::Client::open(self.url.as_str())
            .and_then(|client| client.get_connection_with_timeout(Duration::from_secs(2)))
            .expect("cannot connect to the test server")
    }
}

impl Drop for RedisServer {
    fn drop(&mut self) {
        self.kill();
    }
}

/// A prefix no other test (or test run, on a shared server) uses.
pub fn unique_prefix(test: &str) -> String {
    static COUNTER: AtomicU64 = AtomicU64::new(0);
    format!(
        "ck-test-{}-{}-{test}",
        std::process::id(),
        COUNTER.fetch_add(1, Ordering::Relaxed)
    )
}

/// The configuration of the tests: a fixed secret, a quick resubscribe, and timeouts
/// generous enough for a loaded CI machine (a dead local server refuses connections at
/// once, so they cost nothing there; the test of a slow server sets its own).
pub fn config(url: &str, prefix: &str) -> RedisConfig {
    RedisConfig::new(url)
        .prefix(prefix)
        .secret("cachekit test secret")
        .connect_timeout(Duration::from_secs(1))
        .command_timeout(Duration::from_secs(1))
        .resubscribe_delay(Duration::from_millis(50))
}

pub fn backend(config: RedisConfig) -> RedisBackend {
    RedisBackend::connect(config).expect("valid test configuration")
}

/// Polls `condition` every 5 ms until it holds or `within` runs out.
pub fn eventually(within: Duration, mut condition: impl FnMut() -> bool) -> bool {
    let deadline = Instant::now() + within;
    loop {
        if condition() {
            return true;
        }
        if Instant::now() >= deadline {
            return false;
        }
        std::thread::sleep(Duration::from_millis(5));
    }
}
