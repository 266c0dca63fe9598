//! The `cachekit` binary against a registry served in-process on 127.0.0.1: its output,
//! its exit codes, and its effect on the registry.

use std::io::{Read, Write};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::process::Command;
use std::sync::Arc;
use std::time::Duration;

use cachekit::admin::{self, AdminConfig, AdminServer};
use cachekit::{ExpiringSet, MockClock, Registry, TtlCache};
use serde_json::Value;

const TOKEN: &str = "cli-test-token-0123456789";
const MINUTE: Duration = Duration::from_secs(60);

/// A registry no other test sees, served with `TOKEN` until dropped.
struct Served {
    registry: &'static Registry,
    server: AdminServer,
}

impl Served {
    fn new() -> Self {
        Self::with_config(AdminConfig::new().token(TOKEN))
    }

    fn with_config(config: AdminConfig) -> Self {
        let registry: &'static Registry = Box::leak(Box::new(Registry::new()));
        let server = admin::serve_registry(registry, "127.0.0.1:0", config).unwrap();
        Self { registry, server }
    }

    fn url(&self) -> String {
        format!("http://{}", self.server.local_addr())
    }

    /// `cachekit --url <this server> args..`, without a token.
    fn cli(&self, args: &[&str]) -> Command {
        cli_at(&self.url(), args)
    }

    /// The same, with `--token TOKEN`.
    fn cli_with_token(&self, args: &[&str]) -> Command {
        let mut command = self.cli(args);
        command.args(["--token", TOKEN]);
        command
    }

    fn cache(&self, name: &str, max_size: usize) -> Arc<TtlCache<u64, u64>> {
        self.registry
            .get_or_create::<u64, u64>(name, max_size, MINUTE)
            .unwrap()
    }

    fn sizes(&self) -> Vec<(String, usize)> {
        let stats = self.registry.stats();
        stats.caches.into_iter().map(|(n, s)| (n, s.size)).collect()
    }
}

/// `cachekit --url <url> args..`, with no token from the environment of whoever runs the
/// tests.
fn cli_at(url: &str, args: &[&str]) -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_cachekit"));
    command
        .args(["--url", url])
        .args(args)
        .env_remove(admin::ENV_ADMIN_TOKEN);
    command
}

struct Run {
    code: i32,
    stdout: String,
    stderr: String,
}

impl Run {
    fn json(&self) -> Value {
        serde_json::from_str(&self.stdout).unwrap_or_else(|err| panic!("{err}: {}", self.stdout))
    }

    /// The stdout line starting with `prefix` followed by a space, split at whitespace.
    fn row(&self, prefix: &str) -> Vec<&str> {
        let line = self
            .stdout
            .lines()
            .find(|line| line.starts_with(&format!("{prefix} ")))
            .unwrap_or_else(|| panic!("no row {prefix:?} in:\n{}", self.stdout));
        line.split_whitespace().collect()
    }

    /// Asserts a failure: `code`, nothing on stdout, and exactly `line` on stderr.
    fn fails(&self, code: i32, line: &str) {
        assert_eq!(self.code, code, "stderr: {}", self.stderr);
        assert_eq!(self.stdout, "");
        assert_eq!(self.stderr, format!("{line}\n"));
    }
}

fn exec(command: &mut Command) -> Run {
    let output = command.output().expect("the cachekit binary runs");
    Run {
        code: output.status.code().expect("exited, not killed"),
        stdout: String::from_utf8(output.stdout).unwrap(),
        stderr: String::from_utf8(output.stderr).unwrap(),
    }
}

/// `run`, asserting success (exit 0, nothing on stderr).
fn ok(command: &mut Command) -> Run {
    let run = exec(command);
    assert_eq!((run.code, run.stderr.as_str()), (0, ""), "{}", run.stdout);
    run
}

/// `GET path` over a bare socket: the endpoint's status and body, to set the CLI's
/// `--json` against.
fn http_get(addr: SocketAddr, path: &str) -> (u16, Value) {
    let mut stream = TcpStream::connect(addr).unwrap();
    write!(
        stream,
        "GET {path} HTTP/1.1\r\nHost: test\r\nConnection: close\r\n\r\n"
    )
    .unwrap();
    let mut response = String::new();
    stream.read_to_string(&mut response).unwrap();
    let (head, body) = response.split_once("\r\n\r\n").unwrap();
    let status = head[9..12].parse().unwrap();
    (status, serde_json::from_str(body).unwrap())
}

/// `users`: 52 of 100 entries, 2 hits and a miss; `sessions`: 10 entries, 13 inserted;
/// `empty`: no entries, no lookups.
fn three_caches() -> Served {
    let served = Served::new();
    let users = served.cache("users", 100);
    users.insert_many((0..52).map(|i| (i, i)));
    users.get(&0);
    users.get(&1);
    users.get(&999);
    served
        .cache("sessions", 10)
        .insert_many((0..13).map(|i| (i, i)));
    served.cache("empty", 50);
    served
}

#[test]
fn stats_prints_an_aligned_row_per_cache() {
    let served = three_caches();
    let stats = served.registry.stats();
    let sessions = &stats.caches["sessions"];
    assert!(sessions.evictions > 0);

    let run = ok(&mut served.cli(&["stats"]));
    let lines: Vec<&str> = run.stdout.lines().collect();
    assert_eq!(
        lines[0].split_whitespace().collect::<Vec<_>>(),
        [
            "CACHE",
            "ENTRIES/MAX",
            "UTILIZATION",
            "HIT",
            "RATE",
            "EVICTIONS",
            "EXPIRED"
        ]
    );
    assert_eq!(
        run.row("users"),
        ["users", "52/100", "[#####.....]", "52%", "66.7%", "0", "0"]
    );
    let sessions_row = run.row("sessions");
    assert_eq!(sessions_row[1], format!("{}/10", sessions.size));
    assert_eq!(sessions_row[4], "-"); // no lookups: no hit rate rather than 0%
    assert_eq!(sessions_row[5], sessions.evictions.to_string());
    assert_eq!(
        run.row("empty"),
        ["empty", "0/50", "[..........]", "0%", "-", "0", "0"]
    );
    // Aligned: every column starts (left-aligned) or ends (right-aligned) where its
    // header does.
    let header = lines[0];
    let bar_at = header.find("UTILIZATION").unwrap();
    let entries_end = header.find("ENTRIES/MAX").unwrap() + "ENTRIES/MAX".len();
    let expired_end = header.len();
    for line in &lines[1..4] {
        assert_eq!(line.find('['), Some(bar_at), "{line}");
        assert_eq!(&line[entries_end..entries_end + 2], "  ", "{line}");
        assert!(line.as_bytes()[entries_end - 1].is_ascii_digit(), "{line}");
        assert!(!line.ends_with(' '));
        assert_eq!(line.len(), expired_end, "{line}");
    }
    let total = 52 + sessions.size;
    assert!(
        run.stdout.contains(&format!(
            "\nregistry: 3 caches, {total} of 160 entries ({:.1}%), hit rate 66.7%\n",
            total as f64 * 100.0 / 160.0
        )),
        "{}",
        run.stdout
    );
}

#[test]
fn stats_json_is_the_endpoints_json() {
    let served = three_caches();
    let run = ok(&mut served.cli(&["stats", "--json"]));
    let mut printed = run.json();
    assert_eq!(run.stdout.lines().count(), 1);
    let (status, mut endpoint) = http_get(served.server.local_addr(), "/cache/stats");
    assert_eq!(status, 200);
    // Memory figures move between two requests; their shape does not.
    for body in [&mut printed, &mut endpoint] {
        let memory = body.as_object_mut().unwrap().remove("memory").unwrap();
        assert!(memory.get("process_resident_bytes").is_some(), "{memory}");
    }
    assert_eq!(printed, endpoint);
    let registry = serde_json::to_value(served.registry.stats()).unwrap();
    assert_eq!(printed, registry);
    assert_eq!(printed["caches"]["users"]["size"], 52);
}

#[test]
fn stats_of_one_cache() {
    let served = three_caches();
    let odd = "a b&c=d+é";
    served.cache(odd, 4).insert(1, 1);

    let run = ok(&mut served.cli(&["stats", "--cache-name", "users"]));
    let rows: Vec<&str> = run.stdout.lines().take_while(|l| !l.is_empty()).collect();
    assert_eq!(rows.len(), 2, "{}", run.stdout);
    assert!(rows[1].starts_with("users "));
    // The registry's totals stay, to set the cache against.
    assert!(run.stdout.contains("registry: 4 caches"));

    // The name travels percent-encoded, so `&`, `=` and `+` stay in it.
    let run = ok(&mut served.cli(&["stats", "--cache-name", odd]));
    assert_eq!(
        run.row("a b&c=d+é"),
        ["a", "b&c=d+é", "1/4", "[##........]", "25%", "-", "0", "0"]
    );
    let json = ok(&mut served.cli(&["stats", "--cache-name", odd, "--json"])).json();
    let names: Vec<&String> = json["caches"].as_object().unwrap().keys().collect();
    assert_eq!(names, [odd]);
}

#[test]
fn unknown_names_and_paths_are_a_404() {
    let served = three_caches();
    let before = served.sizes();
    exec(&mut served.cli(&["stats", "--cache-name", "nope"]))
        .fails(5, r#"cachekit: no cache named "nope""#);
    exec(&mut served.cli_with_token(&["clear", "--cache-name", "nope"]))
        .fails(5, r#"cachekit: no cache named "nope""#);
    exec(&mut served.cli_with_token(&["cleanup", "--cache-name", "nope", "--dry-run"]))
        .fails(5, r#"cachekit: no cache named "nope""#);
    assert_eq!(served.sizes(), before);
    // A --url with a wrong prefix reaches the server but no endpoint.
    exec(&mut cli_at(&format!("{}/admin", served.url()), &["stats"]))
        .fails(5, "cachekit: no admin endpoint at /admin/cache/stats");
}

#[test]
fn clear_dry_run_changes_nothing() {
    let served = three_caches();
    let before = served.sizes();
    let sessions = before.iter().find(|(n, _)| n == "sessions").unwrap().1;

    let run = ok(&mut served.cli_with_token(&["clear", "--dry-run"]));
    let lines: Vec<&str> = run.stdout.lines().collect();
    assert_eq!(
        lines[0],
        format!(
            "dry run, nothing removed: clearing 3 caches would remove {} entries",
            52 + sessions
        )
    );
    assert_eq!(
        lines[2].split_whitespace().collect::<Vec<_>>(),
        ["CACHE", "WOULD", "REMOVE"]
    );
    assert_eq!(run.row("users"), ["users", "52"]);
    assert_eq!(run.row("empty"), ["empty", "0"]);
    assert_eq!(served.sizes(), before);

    let json = ok(&mut served.cli_with_token(&["clear", "--dry-run", "--json"])).json();
    assert_eq!(json["dry_run"], true);
    assert_eq!(json["removed"]["users"], 52);
    assert_eq!(json["total"], 52 + sessions);
    assert_eq!(served.sizes(), before);
}

#[test]
fn clear_removes_entries() {
    let served = three_caches();
    let sessions = served.registry.stats().caches["sessions"].size;

    let run = ok(&mut served.cli_with_token(&["clear", "--cache-name", "users"]));
    assert!(run
        .stdout
        .starts_with("cleared 1 cache, removing 52 entries\n\nCACHE  REMOVED\n"));
    assert_eq!(run.row("users"), ["users", "52"]);
    let stats = served.registry.stats();
    assert_eq!(stats.caches["users"].size, 0);
    assert_eq!(stats.caches["sessions"].size, sessions);

    let run = ok(&mut served.cli_with_token(&["clear"]));
    assert!(run
        .stdout
        .starts_with(&format!("cleared 3 caches, removing {sessions} entries\n")));
    assert_eq!(run.row("users"), ["users", "0"]);
    assert!(served.sizes().iter().all(|(_, size)| *size == 0));
}

#[test]
fn cleanup_counts_and_removes_expired_entries() {
    let served = Served::new();
    let clock = MockClock::new();
    let tokens = served
        .registry
        .get_or_create_with("tokens", || {
            TtlCache::<u64, u64>::builder()
                .max_size(100)
                .ttl(Duration::from_secs(30))
                .clock(clock.clone())
                .build()
        })
        .unwrap();
    tokens.insert_many((0..5).map(|i| (i, i)));
    clock.advance(Duration::from_secs(31));
    tokens.insert_many((10..12).map(|i| (i, i)));
    served.cache("users", 10).insert(1, 1);

    let stats = ok(&mut served.cli(&["stats"]));
    assert_eq!(stats.row("tokens")[1], "7/100");
    assert_eq!(stats.row("tokens")[6], "5"); // EXPIRED

    let run = ok(&mut served.cli_with_token(&["cleanup", "--dry-run"]));
    assert!(run.stdout.starts_with(
        "dry run, nothing removed: 5 expired entries would be removed from 2 caches\n"
    ));
    assert_eq!(run.row("tokens"), ["tokens", "5"]);
    assert_eq!(run.row("users"), ["users", "0"]);
    assert_eq!(served.registry.expired_count("tokens").unwrap(), 5);
    assert_eq!(tokens.len(), 7);

    let run = ok(&mut served.cli_with_token(&["cleanup", "--cache-name", "tokens"]));
    assert_eq!(
        run.stdout,
        "removed 5 expired entries from 1 cache\n\nCACHE   REMOVED\ntokens        5\n"
    );
    assert_eq!(served.registry.expired_count("tokens").unwrap(), 0);
    assert_eq!(tokens.len(), 2);

    let json = ok(&mut served.cli_with_token(&["cleanup", "--json"])).json();
    assert_eq!(
        json,
        serde_json::json!({"dry_run": false, "removed": {"tokens": 0, "users": 0}, "total": 0})
    );
}

#[test]
fn monitor_exits_with_the_health_status() {
    // Healthy: 10% full.
    let healthy = Served::new();
    healthy
        .cache("users", 100)
        .insert_many((0..10).map(|i| (i, i)));
    let run = ok(&mut healthy.cli(&["monitor"]));
    assert_eq!(
        run.stdout,
        "healthy: 1 cache, 10 of 100 entries (10.0%), hit rate -\n"
    );

    // Warning: one cache above 80%, the whole below 95%.
    let warning = Served::new();
    warning
        .cache("sessions", 10)
        .insert_many((0..9).map(|i| (i, i)));
    warning.cache("users", 100);
    let run = exec(&mut warning.cli(&["monitor"]));
    assert_eq!((run.code, run.stderr.as_str()), (1, ""));
    assert_eq!(
        run.stdout,
        "warning: 2 caches, 9 of 110 entries (8.2%), hit rate -\n\
         - cache \"sessions\" is 90.0% full (9 of 10 entries; threshold 80%)\n"
    );

    // Critical: all caches together above 95% (the endpoint answers 503).
    let critical = Served::new();
    let full = critical.cache("full", 10);
    full.insert_many((0..10).map(|i| (i, i)));
    assert_eq!(full.len(), 10);
    let run = exec(&mut critical.cli(&["monitor"]));
    assert_eq!((run.code, run.stderr.as_str()), (2, ""));
    let lines: Vec<&str> = run.stdout.lines().collect();
    assert_eq!(
        lines,
        [
            "critical: 1 cache, 10 of 10 entries (100.0%), hit rate -",
            "- cache \"full\" is 100.0% full (10 of 10 entries; threshold 80%)",
            "- all caches together are 100.0% full (critical threshold 95%)",
        ]
    );

    // --json: the report as served, and the same exit codes.
    let (status, endpoint) = http_get(critical.server.local_addr(), "/cache/health");
    assert_eq!(status, 503);
    let run = exec(&mut critical.cli(&["monitor", "--json"]));
    assert_eq!(run.code, 2);
    assert_eq!(run.json(), endpoint);
    let run = exec(&mut warning.cli(&["monitor", "--json"]));
    assert_eq!(
        (run.code, &run.json()["status"]),
        (1, &Value::from("warning"))
    );
}

#[test]
fn tracker_shows_and_removes_stale_members() {
    let served = Served::new();
    let clock = MockClock::new();
    let jobs = served
        .registry
        .get_or_create_expiring_set_with("jobs", || {
            ExpiringSet::<u64>::builder()
                .stale_after(Duration::from_secs(10))
                .clock(clock.clone())
                .build()
        })
        .unwrap();
    jobs.add(1);
    jobs.add(2);
    jobs.add(3);
    clock.advance(Duration::from_secs(11));
    jobs.add(4);
    jobs.add(5);
    let deleting = served
        .registry
        .get_or_create_expiring_set::<u64>("deleting", Duration::from_secs(3600))
        .unwrap();
    deleting.add(7);

    // --stats reads: no token needed.
    let run = ok(&mut served.cli(&["tracker", "--stats"]));
    assert_eq!(
        run.stdout,
        "SET       MEMBERS  STALE\n\
         deleting        1      0\n\
         jobs            5      3\n\
         \n\
         2 expiring sets: 6 members, 3 stale\n"
    );
    let json = ok(&mut served.cli(&["tracker", "--stats", "--json"])).json();
    assert_eq!(
        json["expiring_sets"]["jobs"],
        serde_json::json!({"members": 5, "stale": 3})
    );
    assert_eq!(json["total_stale"], 3);

    let run = ok(&mut served.cli_with_token(&["tracker", "--dry-run"]));
    assert!(run.stdout.starts_with(
        "dry run, nothing removed: 3 stale members would be removed from 2 expiring sets\n"
    ));
    assert_eq!(run.row("jobs"), ["jobs", "3"]);
    assert_eq!((jobs.len(), served.registry.stale_counts()["jobs"]), (5, 3));

    let run = ok(&mut served.cli_with_token(&["tracker"]));
    assert!(run
        .stdout
        .starts_with("removed 3 stale members from 2 expiring sets\n\nSET       REMOVED\n"));
    assert_eq!((jobs.len(), deleting.len()), (2, 1));
    assert!(!jobs.contains(&1) && jobs.contains(&4));

    // Showing and cleaning at once is a usage error, not a guess.
    let run = exec(&mut served.cli_with_token(&["tracker", "--stats", "--dry-run"]));
    assert_eq!((run.code, run.stdout.as_str()), (64, ""));
    assert!(run.stderr.contains("cannot be used with"), "{}", run.stderr);
}

#[test]
fn actions_need_the_right_token() {
    let served = three_caches();
    let before = served.sizes();
    for action in [
        &["clear"][..],
        &["cleanup"],
        &["tracker"],
        &["clear", "--dry-run"],
    ] {
        exec(&mut served.cli(action)).fails(
            4,
            "cachekit: unauthorized: pass --token or set CACHEKIT_ADMIN_TOKEN",
        );
    }
    let mut wrong = served.cli(&["clear", "--token", "not-the-token"]);
    exec(&mut wrong).fails(
        4,
        "cachekit: unauthorized: the server refused the token; pass the right --token or set \
         CACHEKIT_ADMIN_TOKEN",
    );
    assert_eq!(served.sizes(), before);

    // The environment variable serves as --token.
    let mut from_env = served.cli(&["clear", "--cache-name", "users"]);
    from_env.env(admin::ENV_ADMIN_TOKEN, TOKEN);
    ok(&mut from_env);
    assert_eq!(served.registry.stats().caches["users"].size, 0);

    // A server with no token configured refuses every action: no token would help.
    let locked = Served::with_config(AdminConfig::new());
    locked.cache("users", 10).insert(1, 1);
    exec(&mut locked.cli_with_token(&["clear"])).fails(
        4,
        "cachekit: forbidden: admin actions are disabled: no token is configured \
         (AdminConfig::token)",
    );
    assert_eq!(locked.sizes(), [("users".to_owned(), 1)]);
    // Reads need none.
    ok(&mut locked.cli(&["stats"]));
}

#[test]
fn a_server_that_is_down_is_one_line_and_exit_3() {
    // A port that was free a moment ago and that nothing listens on now.
    let addr = TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap();
    let url = format!("http://{addr}");
    let line = format!("cachekit: cannot reach {url}: connection refused");
    exec(&mut cli_at(&url, &["stats"])).fails(3, &line);
    // Not 0, 1 or 2: a probe must not read "down" as a health status.
    exec(&mut cli_at(&url, &["monitor"])).fails(3, &line);
    exec(&mut cli_at(&url, &["clear", "--token", TOKEN])).fails(3, &line);
    // A trailing slash is the same URL.
    exec(&mut cli_at(&format!("{url}/"), &["stats"])).fails(3, &line);
}

#[test]
fn a_server_that_never_answers_times_out() {
    // Bound but never accepting: the kernel completes the connection, nothing answers.
    let silent = TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}", silent.local_addr().unwrap());
    exec(&mut cli_at(&url, &["monitor", "--timeout", "0.5"])).fails(
        3,
        &format!("cachekit: cannot reach {url}: timed out after 0.5s"),
    );
}

#[test]
fn a_server_that_is_not_the_admin_endpoints() {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap();
    let server = std::thread::spawn(move || {
        for answer in [
            "HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nhello",
            "HTTP/1.1 502 Bad Gateway\r\nContent-Length: 0\r\n\r\n",
            "HTTP/1.1 500 Internal Server Error\r\nContent-Length: 17\r\n\r\n{\"error\":\"boom\"}\n",
        ] {
            let (mut stream, _) = listener.accept().unwrap();
            let mut request = Vec::new();
            let mut byte = [0];
            while !request.ends_with(b"\r\n\r\n") && stream.read(&mut byte).unwrap() == 1 {
                request.push(byte[0]);
            }
            stream.write_all(answer.as_bytes()).unwrap();
        }
    });
    let url = format!("http://{addr}");
    let run1 = exec(&mut cli_at(&url, &["stats"]));
    assert_eq!((run1.code, run1.stdout.as_str()), (6, ""));
    assert!(
        run1.stderr.starts_with(&format!(
            "cachekit: unexpected answer from {url}/cache/stats: "
        )),
        "{}",
        run1.stderr
    );
    assert_eq!(run1.stderr.lines().count(), 1);
    exec(&mut cli_at(&url, &["monitor"])).fails(
        6,
        &format!("cachekit: {url}/cache/health answered HTTP 502"),
    );
    exec(&mut cli_at(&url, &["stats", "--json"])).fails(
        6,
        &format!("cachekit: {url}/cache/stats answered HTTP 500: boom"),
    );
    server.join().unwrap();
}

#[test]
fn usage_errors_help_and_defaults() {
    let help = ok(&mut cli_at("http://127.0.0.1:1", &["--help"]));
    assert!(
        help.stdout.contains("Exit codes:\n  0   success"),
        "{}",
        help.stdout
    );
    // The defaults are the admin server's.
    let default_url = format!("[default: http://{}]", admin::DEFAULT_ADDR);
    assert!(help.stdout.contains(&default_url), "{}", help.stdout);
    assert!(help
        .stdout
        .contains(&format!("[env: {}]", admin::ENV_ADMIN_TOKEN)));

    // The token's value never shows in the help.
    let mut with_env = cli_at("http://127.0.0.1:1", &["--help"]);
    with_env.env(admin::ENV_ADMIN_TOKEN, "s3cret-value");
    assert!(!ok(&mut with_env).stdout.contains("s3cret-value"));

    for args in [
        &["stats", "--bogus"][..],
        &["frobnicate"],
        &[],
        &["monitor", "--timeout", "0"],
    ] {
        let run = exec(&mut cli_at("http://127.0.0.1:1", args));
        assert_eq!(
            (run.code, run.stdout.as_str()),
            (64, ""),
            "{args:?}: {}",
            run.stderr
        );
    }
    let run = exec(&mut cli_at("https://127.0.0.1:1", &["stats"]));
    assert_eq!(run.code, 64);
    assert!(
        run.stderr.contains("https is not supported"),
        "{}",
        run.stderr
    );
}
