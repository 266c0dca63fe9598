//! Workload 7: the shared Redis tier (`cachekit::redis::SharedTier`): the latency of a
//! local hit, a Redis hit, a miss (with and without `shared_lock`), a Redis hit through the
//! async path, and a miss with the breaker open after Redis was killed.
//!
//! It starts its own `redis-server` on a free port (or uses `CACHEKIT_BENCH_REDIS_URL`);
//! without either it is skipped with a note, so the harness runs anywhere.

use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use cachekit::redis::{BreakerState, RedisBackend, RedisConfig, SharedTier};
use cachekit::Registry;

use crate::config::Sizes;
use crate::stats::Summary;

pub const ENV_URL: &str = "CACHEKIT_BENCH_REDIS_URL";

pub struct Row {
    pub name: &'static str,
    /// Mean µs per operation, one sample per round.
    pub mean_us: Summary,
    /// Percentiles of single operations over all rounds (each op timed alone, which adds
    /// the ~25 ns of two `Instant::now`).
    pub p50_us: f64,
    pub p99_us: f64,
}

pub struct RedisResult {
    /// Where the server came from, for the report; `None` if the workload was skipped.
    pub server: Option<String>,
    pub ops: usize,
    pub rounds: usize,
    pub rows: Vec<Row>,
    pub notes: Vec<String>,
}

/// Our own `redis-server`, killed on drop.
struct Server {
    child: Option<Child>,
    url: String,
}

impl Drop for Server {
    fn drop(&mut self) {
        self.kill();
    }
}

impl Server {
    fn kill(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }
}

fn ping(port: u16) -> bool {
    let Ok(mut stream) = TcpStream::connect(("127.0.0.1", port)) else {
        return false;
    };
    let _ = stream.set_read_timeout(Some(Duration::from_millis(500)));
    let mut reply = [0_u8; 7];
    stream.write_all(b"PING\r\n").is_ok()
        && stream.read_exact(&mut reply).is_ok()
        && &reply == b"+PONG\r\n"
}

/// Starts `redis-server` on a free port; `Err` says why not.
fn start_server() -> Result<Server, String> {
    for _ in 0..5 {
        let port = TcpListener::bind("127.0.0.1:0")
            .and_then(|l| l.local_addr())
            .map_err(|e| format!("no free port: {e}"))?
            .port();
        let mut child = Command::new("redis-server")
            .args(["--port", &port.to_string(), "--bind", "127.0.0.1"])
            .args(["--save", "", "--appendonly", "no", "--daemonize", "no"])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .map_err(|e| format!("redis-server not installed ({e})"))?;
        let deadline = Instant::now() + Duration::from_secs(10);
        while Instant::now() < deadline {
            if ping(port) {
                return Ok(Server {
                    child: Some(child),
                    url: format!("redis://127.0.0.1:{port}"),
                });
            }
            if let Ok(Some(_)) = child.try_wait() {
                break;
            }
            std::thread::sleep(Duration::from_millis(10));
        }
        let _ = child.kill();
        let _ = child.wait();
    }
    Err("redis-server did not start".to_string())
}

fn skipped(why: String) -> RedisResult {
    RedisResult {
        server: None,
        ops: 0,
        rounds: 0,
        rows: Vec::new(),
        notes: vec![format!(
            "Shared Redis tier: skipped: {why}. Install redis-server (or set {ENV_URL}) to measure it."
        )],
    }
}

/// Times `ops` calls of `op(i)`, each alone; the mean per op and every op's time, in µs.
fn time_ops(ops: usize, mut op: impl FnMut(usize) -> u64, all: &mut Vec<f64>) -> (f64, u64) {
    let mut sum = 0_u64;
    let started = Instant::now();
    for i in 0..ops {
        let t = Instant::now();
        sum = sum.wrapping_add(op(i));
        all.push(t.elapsed().as_secs_f64() * 1e6);
    }
    (started.elapsed().as_secs_f64() * 1e6 / ops as f64, sum)
}

fn percentile(sorted: &[f64], p: f64) -> f64 {
    if sorted.is_empty() {
        return 0.0;
    }
    let rank = ((sorted.len() - 1) as f64 * p).round() as usize;
    sorted[rank.min(sorted.len() - 1)]
}

/// The value a call computes: cheap, so that a miss measures the tier, not the body.
fn body(a: u64, b: &str) -> u64 {
    a.wrapping_mul(31).wrapping_add(b.len() as u64)
}

pub fn run(sizes: &Sizes) -> RedisResult {
    let (mut own, url, server) = match std::env::var(ENV_URL) {
        Ok(url) if !url.is_empty() => (None, url.clone(), format!("`{ENV_URL}` ({url})")),
        _ => match start_server() {
            Ok(s) => {
                let url = s.url.clone();
                let version = Command::new("redis-server")
                    .arg("--version")
                    .output()
                    .ok()
                    .and_then(|o| String::from_utf8(o.stdout).ok())
                    .and_then(|v| {
                        v.split_whitespace()
                            .nth(2)
                            .map(|v| v.trim_start_matches("v=").to_string())
                    })
                    .unwrap_or_default();
                (
                    Some(s),
                    url.clone(),
                    format!("its own `redis-server` ({version}) on {url}"),
                )
            }
            Err(why) => return skipped(why),
        },
    };
    let prefix = format!("cachekit-bench-{}", std::process::id());
    let config = RedisConfig::new(url.as_str())
        .prefix(prefix.as_str())
        .secret("cachekit-bench")
        .breaker_reset(Duration::from_secs(3600));
    let backend = match RedisBackend::connect(config) {
        Ok(b) => b,
        Err(e) => return skipped(format!("cannot connect: {e}")),
    };
    if let Err(e) = backend.ping() {
        return skipped(format!("Redis at {url} does not answer: {e}"));
    }

    let ops = sizes.redis_ops;
    let hot = 1000.min(ops);
    let names: Vec<String> = (0..hot).map(|i| format!("sku-{i:06}")).collect();
    let ttl = Duration::from_secs(600);
    // A registry per tier: three local tiers of one name, as three processes would have.
    let tier = |lock: bool, local_max: usize| {
        SharedTier::builder("bench")
            .ttl(ttl)
            .local_ttl(ttl)
            .max_size(local_max)
            .shared_lock(lock)
            .backend(backend.clone())
            .registry(Box::leak(Box::new(Registry::new())))
            .build::<u64>()
    };
    // The writer fills Redis and its local tier; the reader's local tier stores nothing
    // (max_size 0), so each of its lookups goes to Redis.
    let writer = tier(false, 10 * hot);
    let reader = tier(false, 0);
    let locked = tier(true, 0);
    for (i, name) in names.iter().enumerate() {
        let a = i as u64;
        writer.get_or_compute(writer.key(&(a, name.as_str())), || body(a, name));
    }
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("a Tokio runtime");

    type Op<'a> = Box<dyn FnMut(usize, usize) -> u64 + 'a>;
    let pick = |i: usize| (i % hot) as u64;
    let mut rows: Vec<(&'static str, Op)> = vec![
        (
            "key only: JSON + SipHash-128 of `(u64, &str)`",
            Box::new(|_, i| {
                let a = pick(i);
                writer.key(&(a, names[a as usize].as_str())).0 as u64
            }),
        ),
        (
            "local hit (key + lookup)",
            Box::new(|_, i| {
                let a = pick(i);
                let name = names[a as usize].as_str();
                writer.get_or_compute(writer.key(&(a, name)), || body(a, name))
            }),
        ),
        (
            "Redis hit (local miss, GET, decode)",
            Box::new(|_, i| {
                let a = pick(i);
                let name = names[a as usize].as_str();
                reader.get_or_compute(reader.key(&(a, name)), || body(a, name))
            }),
        ),
        (
            "Redis hit, async (ConnectionManager, current-thread runtime)",
            Box::new(|_, i| {
                let a = pick(i);
                let name = names[a as usize].as_str();
                let call =
                    reader.get_or_compute_async(reader.key(&(a, name)), async { body(a, name) });
                runtime.block_on(call)
            }),
        ),
        (
            "miss (GET nil, body, SET PX)",
            Box::new(|round, i| {
                let a = 1_000_000 * (round as u64 + 1) + i as u64;
                writer.get_or_compute(writer.key(&(a, "miss")), || body(a, "miss"))
            }),
        ),
        (
            "miss with shared_lock (+ SET NX PX, GET, unlock script)",
            Box::new(|round, i| {
                let a = 1_000_000_000 * (round as u64 + 1) + i as u64;
                locked.get_or_compute(locked.key(&(a, "locked")), || body(a, "locked"))
            }),
        ),
    ];

    let mut samples: Vec<Vec<f64>> = vec![Vec::new(); rows.len()];
    let mut singles: Vec<Vec<f64>> = vec![Vec::with_capacity(ops * sizes.rounds); rows.len()];
    for round in 0..sizes.rounds {
        // Rotate the order every round so slow drift on a noisy machine is spread evenly.
        for k in 0..rows.len() {
            let idx = (k + round) % rows.len();
            let (mean, _) = time_ops(ops, |i| (rows[idx].1)(round, i), &mut singles[idx]);
            samples[idx].push(mean);
        }
    }
    let mut notes = Vec::new();
    let mut result_rows = Vec::new();
    for ((name, _), (s, mut all)) in rows.drain(..).zip(samples.into_iter().zip(singles)) {
        all.sort_by(f64::total_cmp);
        result_rows.push(Row {
            name,
            mean_us: Summary::of(&s),
            p50_us: percentile(&all, 0.5),
            p99_us: percentile(&all, 0.99),
        });
    }
    let stats = writer.stats();
    let reader_stats = reader.stats();
    if stats.redis_errors + reader_stats.redis_errors + locked.stats().redis_errors > 0 {
        notes.push(format!(
            "Shared Redis tier: Redis errors during the timed calls (writer {}, reader {}, locked {})",
            stats.redis_errors,
            reader_stats.redis_errors,
            locked.stats().redis_errors
        ));
    }

    // A dead Redis: kill it, let the breaker open, and time misses that now run locally.
    if let Some(server) = own.as_mut() {
        server.kill();
        let mut a = u64::MAX / 2;
        while writer.stats().breaker != BreakerState::Open && a < u64::MAX / 2 + 100 {
            a += 1;
            writer.get_or_compute(writer.key(&(a, "dead")), || body(a, "dead"));
        }
        if writer.stats().breaker == BreakerState::Open {
            let mut means = Vec::new();
            let mut all = Vec::new();
            for round in 0..sizes.rounds {
                let base = u64::MAX / 4 + (round as u64) * 10_000_000;
                let (mean, _) = time_ops(
                    ops,
                    |i| {
                        let a = base + i as u64;
                        writer.get_or_compute(writer.key(&(a, "dead")), || body(a, "dead"))
                    },
                    &mut all,
                );
                means.push(mean);
            }
            all.sort_by(f64::total_cmp);
            result_rows.push(Row {
                name: "miss, Redis killed (breaker open: local only)",
                mean_us: Summary::of(&means),
                p50_us: percentile(&all, 0.5),
                p99_us: percentile(&all, 0.99),
            });
        } else {
            notes.push(
                "Shared Redis tier: the breaker did not open after Redis was killed".to_string(),
            );
        }
    } else {
        // Someone else's server: clean up after ourselves.
        writer.clear();
    }

    RedisResult {
        server: Some(server),
        ops,
        rounds: sizes.rounds,
        rows: result_rows,
        notes,
    }
}
