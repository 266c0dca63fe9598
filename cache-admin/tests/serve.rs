//! `serve`: a real socket and a minimal HTTP/1.1 client over `std::net::TcpStream`.

mod common;

use cachekit::admin::{self, paths, serve_registry, AdminConfig, ServeError};
use common::{populated, registry, TOKEN};
use std::io::{Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::time::{Duration, Instant};

struct Reply {
    status: u16,
    head: String,
    body: String,
}

impl Reply {
    fn json(&self) -> serde_json::Value {
        assert!(
            self.head
                .to_ascii_lowercase()
                .contains("content-type: application/json"),
            "{}",
            self.head
        );
        serde_json::from_str(&self.body).expect("a JSON body")
    }
}

/// Sends `request` (everything up to the blank line is added) and reads until the server
/// closes the connection.
fn raw(addr: SocketAddr, request: &[u8]) -> Reply {
    let mut stream = TcpStream::connect(addr).unwrap();
    stream
        .set_read_timeout(Some(Duration::from_secs(10)))
        .unwrap();
    stream.write_all(request).unwrap();
    let mut bytes = Vec::new();
    stream.read_to_end(&mut bytes).unwrap();
    let text = String::from_utf8_lossy(&bytes).into_owned();
    let (head, body) = text.split_once("\r\n\r\n").unwrap_or((&text, ""));
    let status = head
        .split(' ')
        .nth(1)
        .and_then(|code| code.parse().ok())
        .unwrap_or_else(|| panic!("no status line in {text:?}"));
    Reply {
        status,
        head: head.to_owned(),
        body: body.to_owned(),
    }
}

fn request(addr: SocketAddr, method: &str, target: &str, token: Option<&str>) -> Reply {
    let auth = token
        .map(|t| format!("Authorization: Bearer {t}\r\n"))
        .unwrap_or_default();
    let request = format!(
        "{method} {target} HTTP/1.1\r\nHost: {addr}\r\n{auth}Content-Length: 0\r\nConnection: close\r\n\r\n"
    );
    raw(addr, request.as_bytes())
}

#[test]
fn every_endpoint_over_a_real_socket() {
    let (registry, _clock) = populated();
    let server = serve_registry(registry, "127.0.0.1:0", common::config()).unwrap();
    let addr = server.local_addr();
    assert!(addr.ip().is_loopback());

    let stats = request(addr, "GET", paths::STATS, None);
    assert_eq!(stats.status, 200);
    assert_eq!(stats.json()["global"]["total_entries"], 5);
    assert_eq!(
        request(addr, "GET", paths::HEALTH, None).json()["status"],
        "healthy"
    );
    let metrics = request(addr, "GET", paths::METRICS, None);
    assert!(metrics.body.contains("cachekit_entries{cache=\"users\"} 3"));
    assert_eq!(
        request(addr, "GET", paths::TRACKER, None).json()["total_stale"],
        1
    );

    assert_eq!(request(addr, "POST", paths::CLEAR, None).status, 401);
    assert_eq!(
        request(addr, "POST", paths::CLEAR, Some("nope")).status,
        401
    );
    let dry = request(addr, "POST", "/cache/clear?dry_run=true", Some(TOKEN));
    assert_eq!(dry.json()["total"], 5);
    assert_eq!(registry.stats().global.total_entries, 5);
    let cleanup = request(addr, "POST", paths::CLEANUP, Some(TOKEN));
    assert_eq!(cleanup.json()["total"], 1);
    let clear = request(addr, "POST", "/cache/clear?name=users", Some(TOKEN));
    assert_eq!(clear.json()["removed"]["users"], 2);
    let tracker = request(addr, "POST", paths::TRACKER_CLEANUP, Some(TOKEN));
    assert_eq!(tracker.json()["total"], 1);

    // `serve` answers unknown paths with a JSON 404 of its own.
    let unknown = request(addr, "GET", "/cache/nope?x=1", None);
    assert_eq!(unknown.status, 404);
    assert!(unknown.json()["error"]
        .as_str()
        .unwrap()
        .contains("/cache/nope"));
    assert_eq!(
        request(addr, "GET", "/cache/stats?name=zz", None).status,
        404
    );
    server.stop();
}

#[test]
fn a_taken_port_is_an_error_not_a_panic() {
    let registry = registry();
    let first = serve_registry(registry, "127.0.0.1:0", AdminConfig::new()).unwrap();
    let err = serve_registry(registry, first.local_addr(), AdminConfig::new()).unwrap_err();
    let ServeError::Bind { addr, source } = &err else {
        panic!("{err:?}")
    };
    assert_eq!(addr, &first.local_addr().to_string());
    assert_eq!(source.kind(), std::io::ErrorKind::AddrInUse);
    assert!(std::error::Error::source(&err).is_some());
    // The first server is unharmed.
    assert_eq!(
        request(first.local_addr(), "GET", paths::HEALTH, None).status,
        200
    );
}

#[test]
fn a_bad_address_is_an_error() {
    let err = serve_registry(registry(), "127.0.0.1:notaport", AdminConfig::new()).unwrap_err();
    assert!(matches!(err, ServeError::Bind { .. }), "{err:?}");
    let err = serve_registry(registry(), &[][..] as &[SocketAddr], AdminConfig::new()).unwrap_err();
    assert!(matches!(err, ServeError::Bind { .. }), "{err:?}");
}

#[test]
fn dropping_the_handle_stops_the_server() {
    let server = serve_registry(registry(), "127.0.0.1:0", AdminConfig::new()).unwrap();
    let addr = server.local_addr();
    assert_eq!(request(addr, "GET", paths::HEALTH, None).status, 200);
    drop(server);
    assert!(TcpStream::connect(addr).is_err());
    // The port is free again.
    let again = serve_registry(registry(), addr, AdminConfig::new()).unwrap();
    assert_eq!(
        request(again.local_addr(), "GET", paths::HEALTH, None).status,
        200
    );
}

#[test]
fn stop_does_not_wait_for_idle_or_stalled_connections() {
    let server = serve_registry(registry(), "127.0.0.1:0", AdminConfig::new()).unwrap();
    let addr = server.local_addr();
    // A keep-alive connection left open after its response, and one that never finishes
    // its request head.
    let mut idle = TcpStream::connect(addr).unwrap();
    idle.write_all(b"GET /cache/health HTTP/1.1\r\nHost: x\r\n\r\n")
        .unwrap();
    let mut buf = [0; 512];
    assert!(idle.read(&mut buf).unwrap() > 0);
    let mut stalled = TcpStream::connect(addr).unwrap();
    stalled
        .write_all(b"GET /cache/stats HTTP/1.1\r\nHo")
        .unwrap();
    std::thread::sleep(Duration::from_millis(50));
    let started = Instant::now();
    server.stop();
    assert!(
        started.elapsed() < Duration::from_secs(8),
        "{:?}",
        started.elapsed()
    );
}

#[test]
fn malformed_requests_do_not_take_the_server_down() {
    let (registry, _clock) = populated();
    let server = serve_registry(registry, "127.0.0.1:0", common::config()).unwrap();
    let addr = server.local_addr();
    for garbage in [
        &b"GET /cache/stats?name=\xff\xfe HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"[..],
        b"GET /cache/stats?name=a b HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n",
        b"POST /cache/clear?%%%%%% HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n",
        b"\x00\x01\x02\r\n\r\n",
        b"GET /cache/health HTTP/9.9\r\n\r\n",
        b"POST /cache/clear HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer \xff\r\nConnection: close\r\n\r\n",
    ] {
        let mut stream = TcpStream::connect(addr).unwrap();
        stream
            .set_read_timeout(Some(Duration::from_secs(10)))
            .unwrap();
        stream.write_all(garbage).unwrap();
        let mut reply = Vec::new();
        let _ = stream.read_to_end(&mut reply);
        let reply = String::from_utf8_lossy(&reply);
        assert!(
            !reply.starts_with("HTTP/1.1 5"),
            "{:?} -> {reply}",
            String::from_utf8_lossy(garbage)
        );
    }
    assert_eq!(registry.stats().global.total_entries, 5);
    assert_eq!(request(addr, "GET", paths::HEALTH, None).status, 200);
}

#[test]
fn concurrent_clients_while_caches_are_busy() {
    let (registry, _clock) = populated();
    let server = serve_registry(registry, "127.0.0.1:0", common::config()).unwrap();
    let addr = server.local_addr();
    let cache = registry
        .get_or_create::<u64, u64>("busy", 1000, Duration::from_secs(60))
        .unwrap();
    let stop = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
    std::thread::scope(|scope| {
        let worker_stop = stop.clone();
        scope.spawn(move || {
            let mut i = 0u64;
            while !worker_stop.load(std::sync::atomic::Ordering::Relaxed) {
                cache.insert(i % 2000, i);
                cache.get(&(i % 1500));
                i += 1;
            }
        });
        let clients: Vec<_> = (0..4)
            .map(|client| {
                scope.spawn(move || {
                    for round in 0..10 {
                        let (method, target, token) = match (client + round) % 4 {
                            0 => ("GET", paths::STATS, None),
                            1 => ("GET", paths::METRICS, None),
                            2 => ("POST", "/cache/cleanup?name=busy", Some(TOKEN)),
                            _ => ("GET", paths::HEALTH, None),
                        };
                        let reply = request(addr, method, target, token);
                        assert!(reply.status == 200 || reply.status == 503, "{target}");
                    }
                })
            })
            .collect();
        for client in clients {
            client.join().unwrap();
        }
        stop.store(true, std::sync::atomic::Ordering::Relaxed);
    });
    server.stop();
}

#[test]
fn serve_uses_the_process_wide_registry() {
    let name = "cache-admin-serve-test";
    cachekit::registry()
        .get_or_create::<u8, u8>(name, 10, Duration::from_secs(60))
        .unwrap()
        .insert(1, 1);
    let server = admin::serve("127.0.0.1:0", AdminConfig::new()).unwrap();
    let reply = request(
        server.local_addr(),
        "GET",
        &format!("/cache/stats?name={name}"),
        None,
    );
    assert_eq!(reply.json()["caches"][name]["size"], 1);
}
