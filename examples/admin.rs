//! The admin endpoints over a few busy caches.
//!
//! ```sh
//! cargo run --example admin --features admin
//! CACHEKIT_ADMIN_TOKEN=s3cret cargo run --example admin --features admin
//! CACHEKIT_EXAMPLE_SECONDS=2 cargo run --example admin --features admin   # exits after 2 s
//! ```
//!
//! It serves `cachekit::registry()` on 127.0.0.1:9187 (or `CACHEKIT_ADMIN_ADDR`), prints
//! curl commands to try, and keeps three threads busy on the caches meanwhile. With
//! `CACHEKIT_EXAMPLE_SECONDS` it also queries its own endpoints once and exits.

use std::collections::hash_map::RandomState;
use std::hash::BuildHasher;
use std::io::{Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::thread;
use std::time::{Duration, Instant};

use cachekit::admin::{self, AdminConfig, ENV_ADMIN_TOKEN};
use cachekit::{registry, ttl_cached};

#[ttl_cached(ttl = "30s", max_size = 200, name = "example-prices")]
fn price(sku: u64) -> u64 {
    sku * 3 + 1
}

fn main() {
    let token = std::env::var(ENV_ADMIN_TOKEN)
        .ok()
        .filter(|t| !t.is_empty())
        .unwrap_or_else(|| {
            // A fresh token per run rather than a fixed default that could leak into a
            // real deployment by copy and paste.
            let token = format!("{:016x}", RandomState::new().hash_one("cachekit-admin"));
            println!("{ENV_ADMIN_TOKEN} is not set; this run's token is {token}");
            token
        });
    let addr = std::env::var("CACHEKIT_ADMIN_ADDR").unwrap_or_else(|_| admin::DEFAULT_ADDR.into());
    let seconds: Option<u64> = std::env::var("CACHEKIT_EXAMPLE_SECONDS")
        .ok()
        .and_then(|s| s.parse().ok());

    let server = match admin::serve(addr.as_str(), AdminConfig::new().token(token.clone())) {
        Ok(server) => server,
        Err(err) => {
            eprintln!("{err}\n(set CACHEKIT_ADMIN_ADDR to another address, e.g. 127.0.0.1:0)");
            std::process::exit(1);
        }
    };
    let base = format!("http://{}", server.local_addr());
    println!("dashboard: open {base}/cache/ in a browser (its Clear buttons ask for the token)");
    println!("command line, from another terminal:");
    println!("  CACHEKIT_ADMIN_TOKEN={token} cargo run -p cachekit-cli -- stats --url {base}");
    println!("  CACHEKIT_ADMIN_TOKEN={token} cargo run -p cachekit-cli -- cleanup --dry-run --url {base}");
    println!("cachekit admin endpoints on {base}; try:");
    println!("  curl -s {base}/cache/stats");
    println!("  curl -s '{base}/cache/stats?name=example-users'");
    println!("  curl -si {base}/cache/health");
    println!("  curl -s {base}/metrics");
    println!("  curl -s {base}/cache/tracker");
    println!(
        "  curl -s -X POST -H 'Authorization: Bearer {token}' '{base}/cache/cleanup?dry_run=true'"
    );
    println!("  curl -s -X POST -H 'Authorization: Bearer {token}' '{base}/cache/clear?name=example-users'");
    println!("  curl -s -X POST -H 'Authorization: Bearer {token}' {base}/cache/tracker/cleanup");

    let stop = Arc::new(AtomicBool::new(false));
    let workers = spawn_workers(&stop);

    match seconds {
        Some(seconds) => {
            thread::sleep(Duration::from_secs(seconds));
            // Check that the endpoints answer, so that a CI run of the example means something.
            let addr = server.local_addr();
            for (method, path, auth) in [
                ("GET", "/cache/stats", None),
                ("GET", "/cache/health", None),
                ("GET", "/cache/tracker", None),
                ("POST", "/cache/cleanup?dry_run=true", Some(token.as_str())),
            ] {
                match fetch(addr, method, path, auth) {
                    Ok((status, body)) => {
                        println!("{method} {path} -> {status}: {}", excerpt(&body))
                    }
                    Err(err) => {
                        eprintln!("{method} {path} failed: {err}");
                        std::process::exit(1);
                    }
                }
            }
        }
        None => {
            println!("serving until interrupted (set CACHEKIT_EXAMPLE_SECONDS to stop on a timer)");
            loop {
                thread::sleep(Duration::from_secs(3600));
            }
        }
    }

    stop.store(true, Ordering::Relaxed);
    for worker in workers {
        let _ = worker.join();
    }
    server.stop();
    println!("{}", registry().health());
}

/// Three threads that use the caches and the expiring set at a modest pace (they pause
/// every few hundred operations, so the example does not take a whole core).
fn spawn_workers(stop: &Arc<AtomicBool>) -> Vec<thread::JoinHandle<()>> {
    let users = registry()
        .get_or_create::<u64, String>("example-users", 1000, Duration::from_secs(5))
        .expect("a fresh name");
    let sessions = registry()
        .get_or_create::<String, u64>("example-sessions", 200, Duration::from_secs(2))
        .expect("a fresh name");
    // Written once and never read: they expire after a second and stay until a cleanup,
    // for `POST /cache/cleanup` to find.
    let tokens = registry()
        .get_or_create::<u64, u64>("example-tokens", 100, Duration::from_secs(1))
        .expect("a fresh name");
    tokens.insert_many((0..30).map(|i| (i, i)));
    let deleting = registry()
        .get_or_create_expiring_set::<u64>("example-deleting", Duration::from_secs(1))
        .expect("a fresh name");

    let mut handles = Vec::new();
    let stop_users = Arc::clone(stop);
    handles.push(thread::spawn(move || {
        let started = Instant::now();
        let mut i: u64 = 0;
        while !stop_users.load(Ordering::Relaxed) {
            let id = (i * 7919) % 600;
            if users.get(&id).is_none() {
                users.insert(id, format!("user-{id}"));
            }
            price(i % 150);
            i += 1;
            if i % 200 == 0 {
                thread::sleep(Duration::from_millis(5));
            }
        }
        println!("users worker: {i} lookups in {:.1?}", started.elapsed());
    }));
    let stop_sessions = Arc::clone(stop);
    handles.push(thread::spawn(move || {
        let mut i: u64 = 0;
        while !stop_sessions.load(Ordering::Relaxed) {
            sessions.insert(format!("session-{}", i % 150), i);
            sessions.get(format!("session-{}", (i * 31) % 150).as_str());
            i += 1;
            if i % 100 == 0 {
                thread::sleep(Duration::from_millis(5));
            }
        }
    }));
    let stop_deleting = Arc::clone(stop);
    handles.push(thread::spawn(move || {
        let mut id: u64 = 0;
        while !stop_deleting.load(Ordering::Relaxed) {
            {
                let _in_flight = deleting.guard(id);
                thread::sleep(Duration::from_millis(20));
            }
            // Every fifth id is "forgotten": it turns stale after a second, for
            // `/cache/tracker` to report and `/cache/tracker/cleanup` to sweep.
            if id % 5 == 0 {
                deleting.add(1_000_000 + id);
            }
            id += 1;
        }
    }));
    handles
}

/// A GET or POST over a plain `TcpStream`: the status code and the body.
fn fetch(
    addr: SocketAddr,
    method: &str,
    path: &str,
    token: Option<&str>,
) -> std::io::Result<(u16, String)> {
    let mut stream = TcpStream::connect(addr)?;
    stream.set_read_timeout(Some(Duration::from_secs(10)))?;
    let auth = token
        .map(|t| format!("Authorization: Bearer {t}\r\n"))
        .unwrap_or_default();
    write!(
        stream,
        "{method} {path} HTTP/1.1\r\nHost: {addr}\r\n{auth}Content-Length: 0\r\nConnection: close\r\n\r\n"
    )?;
    let mut reply = String::new();
    stream.read_to_string(&mut reply)?;
    let (head, body) = reply.split_once("\r\n\r\n").unwrap_or((&reply, ""));
    let status = head
        .split(' ')
        .nth(1)
        .and_then(|s| s.parse().ok())
        .unwrap_or(0);
    Ok((status, body.to_owned()))
}

fn excerpt(body: &str) -> String {
    let mut short: String = body.chars().take(160).collect();
    if short.len() < body.len() {
        short.push('…');
    }
    short
}
