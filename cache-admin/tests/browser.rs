//! The dashboard in a real browser: headless Chromium, driven through chromedriver's W3C
//! WebDriver API, against a served registry of known contents.
//!
//! WebDriver rather than the DevTools protocol: it is plain HTTP and JSON (a small client
//! on `TcpStream` is enough, no WebSocket crate), every command is one request and one
//! answer (no event stream to follow), and it has commands for what the test needs: clicks
//! as a user makes them, the page's `prompt` and `confirm` dialogs, and screenshots.
//! Debian builds `chromium-driver` from the same source as `chromium`, so their versions
//! match.
//!
//! Without `chromium` and `chromedriver` on `PATH` the test passes with "skipped: chromium
//! not installed", unless `CACHEKIT_REQUIRE_BROWSER=1` (as CI sets), which makes it fail.

#![forbid(unsafe_code)]

use std::fs;
use std::io::{BufRead, BufReader, Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::{mpsc, Arc};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use cachekit::admin::{paths, serve_registry, AdminConfig};
use cachekit::{MockClock, Registry, TtlCache};
use serde_json::{json, Value};

/// The bound on every wait: for the driver, the browser, and the page to show something.
const DEADLINE: Duration = Duration::from_secs(20);
const TOKEN: &str = "t";
/// A cache name that is markup: the page must show it as text and run nothing.
const HOSTILE: &str = "<img src=x onerror=\"alert('xss')\"> & \"quoted\"";

#[test]
fn the_dashboard_shows_every_cache_and_clears_one() {
    let Some(tools) = Tools::find() else {
        let required = std::env::var_os("CACHEKIT_REQUIRE_BROWSER").is_some_and(|v| v == "1");
        assert!(
            !required,
            "CACHEKIT_REQUIRE_BROWSER=1 but chromium or chromedriver is not on PATH \
             (Debian: apt-get install chromium chromium-driver)"
        );
        println!("skipped: chromium not installed");
        return;
    };
    let started = Instant::now();
    let (registry, caches) = populated();
    let server = serve_registry(registry, "127.0.0.1:0", AdminConfig::default().token(TOKEN))
        .expect("the admin server starts");
    let target = target_dir();
    // Declared after the server, so dropped (browser and driver killed) before it.
    let browser = Browser::start(&tools, &target).expect("chromedriver and chromium start");

    browser.navigate(&format!(
        "http://{}{}",
        server.local_addr(),
        paths::DASHBOARD
    ));
    let page = wait_for("the six rows and the health report", || {
        let page = browser.page();
        let loaded = page["order"].as_array().is_some_and(|rows| rows.len() == 6)
            && page["health"] != "unknown";
        loaded.then_some(page)
    });

    // Sorted by name, as the server's map is ('<' sorts first).
    assert_eq!(
        page["order"],
        json!([HOSTILE, "blobs", "hot", "prices", "sessions", "users"])
    );
    let fields = [
        "entries",
        "max",
        "utilization",
        "hit-rate",
        "hits",
        "misses",
        "evictions",
        "expired",
        "expirations",
        "ttl",
    ];
    let expected = [
        (
            "users",
            ["3", "100", "3.0%", "75.0%", "3", "1", "0", "1", "0", "60 s"],
        ),
        (
            "prices",
            ["2", "50", "4.0%", "50.0%", "1", "1", "0", "0", "0", "5 min"],
        ),
        (
            "sessions",
            ["4", "4", "100.0%", "–", "0", "0", "2", "0", "0", "30 min"],
        ),
        (
            "hot",
            [
                "1", "10", "10.0%", "> 99.9%", "2,000", "1", "0", "0", "0", "45.5 s",
            ],
        ),
        (
            "blobs",
            ["2", "100", "25.0%", "–", "0", "0", "0", "0", "0", "2 h"],
        ),
        (
            HOSTILE,
            ["1", "10", "10.0%", "–", "0", "0", "0", "0", "0", "90 s"],
        ),
    ];
    for (name, values) in expected {
        let row = &page["rows"][name];
        let shown = |field: &str| {
            row[field]
                .as_str()
                .unwrap_or_else(|| panic!("{name}: no {field} in {row}"))
        };
        assert_eq!(shown("name"), name, "the name is shown as text");
        for (field, value) in fields.into_iter().zip(values) {
            assert_eq!(shown(field), value, "{name}: {field} in {row}");
        }
        let utilization = values[2];
        let percent = |text: &str| text.trim_end_matches('%').parse::<f64>().ok();
        let width = percent(shown("bar")).expect("the bar's width in %");
        assert!(
            (width - percent(utilization).unwrap()).abs() < 0.05,
            "{name}: the bar is {width}% wide"
        );
    }
    assert_eq!(page["rows"]["blobs"]["weight"], "weight 250 / 1,000");
    assert_eq!(page["rows"]["users"]["weight"], "");
    assert_eq!(page["rows"]["sessions"]["level"], "bad");
    assert_eq!(page["rows"]["users"]["level"], "ok");
    assert_eq!(
        page["summary"],
        json!({"total-caches": "6", "total-entries": "13", "total-max": "274", "global-hit-rate": "99.9%"})
    );
    assert_eq!(page["health"], "warning");
    assert_eq!(
        page["healthShown"], "WARNING",
        "upper case by the style sheet"
    );
    assert_eq!(
        page["healthLines"],
        json!(["cache \"sessions\" is 100.0% full (4 of 4 entries; threshold 80%)"])
    );
    assert_eq!(page["markup"], 0, "a cache name became markup");
    browser.screenshot(&target.join("dashboard.png"));
    let errors = browser.console_errors();
    assert!(
        errors.is_empty(),
        "the page logged errors (a CSP violation, say): {errors:#?}"
    );

    // A wrong token: refused, shown, nothing cleared, and not remembered.
    browser.click_clear("prices");
    let prompt = browser.dialog();
    assert!(
        prompt.contains("token") && prompt.contains("\"prices\""),
        "{prompt}"
    );
    browser.answer_dialog(Some("wrong"));
    let page = wait_for("the 401 in the page", || {
        let page = browser.page();
        (page["messageKind"] == "error").then_some(page)
    });
    let message = page["message"].as_str().unwrap();
    assert!(
        message.contains("401") && message.contains("prices"),
        "{message}"
    );
    assert_eq!(caches.prices.len(), 2);

    // The right token: asked again, since the wrong one was forgotten.
    browser.click_clear("prices");
    assert!(browser.dialog().contains("token"));
    browser.answer_dialog(Some(TOKEN));
    let page = wait_for("the prices row at 0 entries", || {
        let page = browser.page();
        (page["rows"]["prices"]["entries"] == "0").then_some(page)
    });
    assert_eq!(caches.prices.len(), 0, "the registry's cache is empty");
    assert_eq!(page["rows"]["prices"]["utilization"], "0.0%");
    assert_eq!(page["messageKind"], "info");
    assert!(page["message"]
        .as_str()
        .unwrap()
        .contains("2 entries removed"));
    assert_eq!(
        page["rows"]["users"]["entries"], "3",
        "only prices is cleared"
    );
    assert_eq!(caches.users.len(), 3);

    // The accepted token is remembered for the tab: a confirmation instead of the prompt.
    browser.click_clear("sessions");
    let confirm = browser.dialog();
    assert!(
        confirm.starts_with("Clear every entry of cache \"sessions\""),
        "{confirm}"
    );
    browser.answer_dialog(None);
    wait_for("the sessions row at 0 and health back to healthy", || {
        let page = browser.page();
        (page["rows"]["sessions"]["entries"] == "0"
            && page["health"] == "healthy"
            && page["healthLines"] == json!([]))
        .then_some(())
    });
    assert_eq!(caches.sessions.len(), 0);

    // The page refreshes by itself.
    caches.users.insert(10, "new".into());
    wait_for("the users row to show the new entry", || {
        (browser.page()["rows"]["users"]["entries"] == "4").then_some(())
    });
    browser.screenshot(&target.join("dashboard-cleared.png"));

    // Since the last look: only the refused clear.
    let errors = browser.console_errors();
    assert!(
        errors.len() == 1 && errors[0].contains("status of 401"),
        "{errors:#?}"
    );
    drop(browser);
    drop(server);
    println!(
        "browser test: {:.1} s; screenshots in {}",
        started.elapsed().as_secs_f64(),
        target.display()
    );
}

// ---------------------------------------------------------------------------------------
// The registry.

struct Caches {
    users: Arc<TtlCache<u64, String>>,
    prices: Arc<TtlCache<String, u64>>,
    sessions: Arc<TtlCache<u64, u64>>,
}

/// Caches whose figures the page must show exactly, on a mock clock so that "expired" is
/// not a matter of timing.
fn populated() -> (&'static Registry, Caches) {
    let registry: &'static Registry = Box::leak(Box::new(Registry::new()));
    let clock = MockClock::new();
    let users = registry
        .get_or_create_with("users", || {
            TtlCache::<u64, String>::builder()
                .max_size(100)
                .ttl(Duration::from_secs(60))
                .clock(clock.clone())
                .build()
        })
        .unwrap();
    users.insert_with_ttl(1, "short-lived".into(), Duration::from_secs(1));
    users.insert(2, "ann".into());
    users.insert(3, "bob".into());
    for key in [2, 3, 2, 99] {
        users.get(&key); // 3 hits, 1 miss
    }
    let prices = registry
        .get_or_create_with("prices", || {
            TtlCache::<String, u64>::builder()
                .max_size(50)
                .ttl(Duration::from_secs(300))
                .clock(clock.clone())
                .build()
        })
        .unwrap();
    prices.insert("a".into(), 1);
    prices.insert("b".into(), 2);
    prices.get("a");
    prices.get("zzz");
    // Full, so that health warns about it.
    let sessions = registry
        .get_or_create_with("sessions", || {
            TtlCache::<u64, u64>::builder()
                .max_size(4)
                .ttl(Duration::from_secs(1800))
                .clock(clock.clone())
                .build()
        })
        .unwrap();
    for key in 0..6 {
        sessions.insert(key, key); // 2 evictions
    }
    let blobs = registry
        .get_or_create_with("blobs", || {
            TtlCache::<u64, Vec<u8>>::builder()
                .max_size(100)
                .ttl(Duration::from_secs(7200))
                .weigher(|_, blob: &Vec<u8>| blob.len() as u64)
                .max_weight(1000)
                .clock(clock.clone())
                .build()
        })
        .unwrap();
    blobs.insert(1, vec![0; 100]);
    // 99.95% must not be shown rounded to 100%, as if there had been no miss.
    let hot = registry
        .get_or_create_with("hot", || {
            TtlCache::<u8, u8>::builder()
                .max_size(10)
                .ttl(Duration::from_millis(45_500))
                .clock(clock.clone())
                .build()
        })
        .unwrap();
    hot.insert(1, 1);
    for _ in 0..2000 {
        hot.get(&1);
    }
    hot.get(&2);
    blobs.insert(2, vec![0; 150]);
    registry
        .get_or_create::<u8, u8>(HOSTILE, 10, Duration::from_secs(90))
        .unwrap()
        .insert(1, 1);
    clock.advance(Duration::from_secs(5)); // users' key 1 has expired
    let caches = Caches {
        users,
        prices,
        sessions,
    };
    (registry, caches)
}

// ---------------------------------------------------------------------------------------
// The browser.

struct Tools {
    chromium: PathBuf,
    chromedriver: PathBuf,
}

impl Tools {
    fn find() -> Option<Self> {
        Some(Self {
            chromium: ["chromium", "chromium-browser"]
                .into_iter()
                .find_map(on_path)?,
            chromedriver: on_path("chromedriver")?,
        })
    }
}

fn on_path(program: &str) -> Option<PathBuf> {
    std::env::split_paths(&std::env::var_os("PATH")?)
        .map(|dir| dir.join(program))
        .find(|path| path.is_file())
}

/// The workspace's `target/` (or `CARGO_TARGET_DIR`): Cargo gives integration tests
/// `target/tmp`.
fn target_dir() -> PathBuf {
    let tmp = Path::new(env!("CARGO_TARGET_TMPDIR"));
    tmp.parent().unwrap_or(tmp).to_path_buf()
}

/// chromedriver, the Chromium it started, and the WebDriver session between them.
struct Browser {
    driver: Child,
    port: u16,
    session: String,
    profile: PathBuf,
    failure_screenshot: PathBuf,
}

impl Browser {
    fn start(tools: &Tools, target: &Path) -> Result<Self, String> {
        let stamp = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map_or(0, |d| d.as_nanos());
        let tmp = target.join("tmp");
        let profile = tmp.join(format!("chromium-profile-{}-{stamp}", std::process::id()));
        fs::create_dir_all(&profile).map_err(|e| format!("{}: {e}", profile.display()))?;
        let log = tmp.join("chromedriver.log");
        // Port 0: chromedriver picks a free port and prints it, so no port can clash.
        let mut driver = Command::new(&tools.chromedriver)
            .arg("--port=0")
            .arg(format!("--log-path={}", log.display()))
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .map_err(|e| format!("{}: {e}", tools.chromedriver.display()))?;
        let stdout = driver.stdout.take().expect("piped");
        let (port_tx, port_rx) = mpsc::channel();
        // Reads to the end, so that chromedriver never blocks on a full pipe.
        std::thread::spawn(move || {
            for line in BufReader::new(stdout).lines().map_while(Result::ok) {
                if let Some(port) = line
                    .strip_prefix("ChromeDriver was started successfully on port ")
                    .and_then(|rest| rest.trim_end_matches('.').parse::<u16>().ok())
                {
                    let _ = port_tx.send(port);
                }
            }
        });
        let port = match port_rx.recv_timeout(DEADLINE) {
            Ok(port) => port,
            Err(_) => {
                let _ = driver.kill();
                let _ = driver.wait();
                return Err(format!(
                    "chromedriver did not start within {DEADLINE:?}; see {}",
                    log.display()
                ));
            }
        };
        let mut browser = Self {
            driver,
            port,
            session: String::new(),
            profile,
            failure_screenshot: target.join("dashboard-failure.png"),
        };
        let capabilities = json!({"capabilities": {"alwaysMatch": {
            "browserName": "chrome",
            // Dialogs stay open until the test answers them; one it does not expect (an
            // injected `alert`) fails the next command.
            "unhandledPromptBehavior": "ignore",
            "goog:loggingPrefs": {"browser": "ALL"},
            "goog:chromeOptions": {
                "binary": tools.chromium,
                "args": [
                    "--headless",
                    "--no-sandbox",
                    "--disable-gpu",
                    "--disable-quic",
                    "--no-first-run",
                    "--disable-background-networking",
                    "--disable-component-update",
                    "--disable-sync",
                    // Containers often have a 64 MB /dev/shm.
                    "--disable-dev-shm-usage",
                    "--window-size=1280,800",
                    format!("--user-data-dir={}", browser.profile.display()),
                ],
            },
        }}});
        let session = browser
            .command("POST", "/session", Some(&capabilities))
            .map_err(|e| format!("{e}; see {}", log.display()))?;
        browser.session = session["sessionId"]
            .as_str()
            .ok_or_else(|| format!("no session id in {session}"))?
            .to_owned();
        Ok(browser)
    }

    /// One WebDriver command: its `value`, or the error WebDriver answered.
    fn command(&self, method: &str, path: &str, body: Option<&Value>) -> Result<Value, String> {
        let (status, body) =
            http(self.port, method, path, body).map_err(|e| format!("{method} {path}: {e}"))?;
        let json: Value = serde_json::from_slice(&body).map_err(|e| {
            format!(
                "{method} {path}: {e} in {:?}",
                String::from_utf8_lossy(&body)
            )
        })?;
        let value = json["value"].clone();
        if status == 200 {
            Ok(value)
        } else {
            Err(format!(
                "{method} {path}: HTTP {status}, {}: {}",
                value["error"], value["message"]
            ))
        }
    }

    /// A command of the session, which must succeed.
    fn session_command(&self, method: &str, path: &str, body: Option<&Value>) -> Value {
        let path = format!("/session/{}{path}", self.session);
        self.command(method, &path, body)
            .unwrap_or_else(|e| panic!("{e}"))
    }

    fn navigate(&self, url: &str) {
        self.session_command("POST", "/url", Some(&json!({ "url": url })));
    }

    /// What the page shows, as the user sees it (`innerText`), with a row per cache.
    fn page(&self) -> Value {
        const SCRIPT: &str = r##"
            const text = (node) => (node ? node.innerText : null);
            const rows = {};
            const order = [];
            for (const tr of document.querySelectorAll("#caches tr[data-cache]")) {
              const fields = {};
              for (const cell of tr.querySelectorAll("[data-field]")) fields[cell.dataset.field] = text(cell);
              const fill = tr.querySelector(".fill");
              fields.bar = fill.style.width;
              fields.level = fill.dataset.level;
              rows[tr.dataset.cache] = fields;
              order.push(tr.dataset.cache);
            }
            const summary = {};
            for (const node of document.querySelectorAll("#summary [data-field]")) {
              if (node.dataset.field !== "memory") summary[node.dataset.field] = text(node);
            }
            const message = document.getElementById("message");
            return {
              rows, order, summary,
              health: document.getElementById("health").dataset.status,
              healthShown: text(document.getElementById("health-status")),
              healthLines: Array.from(document.querySelectorAll("#health-lines li"), text),
              message: text(message),
              messageKind: message.dataset.kind || "",
              markup: document.querySelectorAll("#caches img, #caches script").length,
            };
        "##;
        self.session_command(
            "POST",
            "/execute/sync",
            Some(&json!({"script": SCRIPT, "args": []})),
        )
    }

    /// Clicks the clear button of `cache`'s row, as a user does (WebDriver's click moves
    /// the pointer there and presses it).
    fn click_clear(&self, cache: &str) {
        let selector = format!("tr[data-cache=\"{cache}\"] button[data-action=\"clear\"]");
        let found = self.session_command(
            "POST",
            "/element",
            Some(&json!({"using": "css selector", "value": selector})),
        );
        let element = found
            .as_object()
            .and_then(|reference| reference.values().next())
            .and_then(Value::as_str)
            .unwrap_or_else(|| panic!("no element reference in {found}"))
            .to_owned();
        self.session_command(
            "POST",
            &format!("/element/{element}/click"),
            Some(&json!({})),
        );
    }

    /// The text of the dialog the page opened, once it is open.
    fn dialog(&self) -> String {
        let path = format!("/session/{}/alert/text", self.session);
        wait_for("a dialog", || {
            self.command("GET", &path, None)
                .ok()
                .and_then(|text| text.as_str().map(str::to_owned))
        })
    }

    /// Accepts the open dialog, typing `text` into it first if it is a prompt.
    fn answer_dialog(&self, text: Option<&str>) {
        if let Some(text) = text {
            self.session_command("POST", "/alert/text", Some(&json!({ "text": text })));
        }
        self.session_command("POST", "/alert/accept", Some(&json!({})));
    }

    fn screenshot(&self, path: &Path) {
        self.try_screenshot(path).unwrap_or_else(|e| panic!("{e}"));
    }

    fn try_screenshot(&self, path: &Path) -> Result<(), String> {
        let command = format!("/session/{}/screenshot", self.session);
        let png = self.command("GET", &command, None)?;
        let png = decode_base64(png.as_str().ok_or("the screenshot is not text")?);
        if !png.starts_with(b"\x89PNG\r\n\x1a\n") {
            return Err("the screenshot is not a PNG".to_owned());
        }
        fs::write(path, png).map_err(|e| format!("{}: {e}", path.display()))
    }

    /// The console's errors (CSP violations, failed requests, exceptions) logged since the
    /// last call, through chromedriver's log endpoint.
    fn console_errors(&self) -> Vec<String> {
        self.console()
            .unwrap_or_else(|e| panic!("{e}"))
            .iter()
            .filter(|entry| entry["level"] == "SEVERE")
            .map(|entry| entry["message"].as_str().unwrap_or_default().to_owned())
            .collect()
    }

    fn console(&self) -> Result<Vec<Value>, String> {
        let command = format!("/session/{}/se/log", self.session);
        let entries = self.command("POST", &command, Some(&json!({"type": "browser"})))?;
        Ok(entries.as_array().cloned().unwrap_or_default())
    }
}

impl Drop for Browser {
    fn drop(&mut self) {
        if std::thread::panicking() && !self.session.is_empty() {
            // What the page showed and logged when the test failed, for CI's log.
            match self.try_screenshot(&self.failure_screenshot) {
                Ok(()) => eprintln!(
                    "the page at the failure: {}",
                    self.failure_screenshot.display()
                ),
                Err(e) => eprintln!("no screenshot of the failure: {e}"),
            }
            for entry in self.console().unwrap_or_default() {
                eprintln!("console: {} {}", entry["level"], entry["message"]);
            }
        }
        // Ending the session is what makes chromedriver close Chromium; killing the driver
        // alone would leave the browser running.
        if !self.session.is_empty() {
            let path = format!("/session/{}", self.session);
            if self.command("DELETE", &path, None).is_err() {
                kill_browser_of(&self.profile);
            }
        }
        let _ = self.driver.kill();
        let _ = self.driver.wait();
        let _ = fs::remove_dir_all(&self.profile);
    }
}

/// The last resort when chromedriver could not close Chromium: the browser processes are
/// the ones started with this test's own profile directory.
fn kill_browser_of(profile: &Path) {
    let flag = format!("--user-data-dir={}", profile.display());
    let Ok(processes) = fs::read_dir("/proc") else {
        return;
    };
    for process in processes.flatten() {
        let Ok(pid) = process.file_name().to_string_lossy().parse::<u32>() else {
            continue;
        };
        let Ok(cmdline) = fs::read(process.path().join("cmdline")) else {
            continue;
        };
        if cmdline.split(|&b| b == 0).any(|arg| arg == flag.as_bytes()) {
            let _ = Command::new("kill")
                .args(["-KILL", &pid.to_string()])
                .status();
        }
    }
}

/// Polls `probe` every 100 ms until it gives something, for at most [`DEADLINE`].
fn wait_for<T>(what: &str, mut probe: impl FnMut() -> Option<T>) -> T {
    let start = Instant::now();
    loop {
        if let Some(found) = probe() {
            return found;
        }
        assert!(start.elapsed() < DEADLINE, "waited {DEADLINE:?} for {what}");
        std::thread::sleep(Duration::from_millis(100));
    }
}

// ---------------------------------------------------------------------------------------
// HTTP/1.1 to chromedriver, one connection per command.

fn http(
    port: u16,
    method: &str,
    path: &str,
    body: Option<&Value>,
) -> std::io::Result<(u16, Vec<u8>)> {
    // Longer than any one wait of the test: starting the browser and loading the page are
    // single commands.
    let timeout = DEADLINE * 2;
    let mut stream =
        TcpStream::connect_timeout(&SocketAddr::from(([127, 0, 0, 1], port)), timeout)?;
    stream.set_read_timeout(Some(timeout))?;
    stream.set_write_timeout(Some(timeout))?;
    let body = body.map(Value::to_string).unwrap_or_default();
    write!(
        stream,
        "{method} {path} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\n\
         Content-Type: application/json; charset=utf-8\r\nContent-Length: {}\r\n\
         Connection: close\r\n\r\n{body}",
        body.len()
    )?;
    let mut reader = BufReader::new(stream);
    let mut line = String::new();
    reader.read_line(&mut line)?;
    let status = line
        .split(' ')
        .nth(1)
        .and_then(|code| code.parse().ok())
        .ok_or_else(|| std::io::Error::other(format!("bad status line {line:?}")))?;
    let mut length = None;
    let mut chunked = false;
    loop {
        line.clear();
        reader.read_line(&mut line)?;
        let header = line.trim_end();
        if header.is_empty() {
            break;
        }
        if let Some((name, value)) = header.split_once(':') {
            let value = value.trim();
            if name.eq_ignore_ascii_case("content-length") {
                length = value.parse::<usize>().ok();
            } else if name.eq_ignore_ascii_case("transfer-encoding") {
                chunked = value.eq_ignore_ascii_case("chunked");
            }
        }
    }
    let mut body = Vec::new();
    if chunked {
        loop {
            line.clear();
            reader.read_line(&mut line)?;
            let size = usize::from_str_radix(line.trim().split(';').next().unwrap_or(""), 16)
                .map_err(|_| std::io::Error::other(format!("bad chunk size {line:?}")))?;
            let mut chunk = vec![0; size + 2]; // and its CRLF
            reader.read_exact(&mut chunk)?;
            if size == 0 {
                break;
            }
            body.extend_from_slice(&chunk[..size]);
        }
    } else if let Some(length) = length {
        body.resize(length, 0);
        reader.read_exact(&mut body)?;
    } else {
        reader.read_to_end(&mut body)?;
    }
    Ok((status, body))
}

fn decode_base64(text: &str) -> Vec<u8> {
    let mut bytes = Vec::with_capacity(text.len() / 4 * 3);
    let (mut group, mut bits) = (0u32, 0);
    for c in text.bytes() {
        let sextet = match c {
            b'A'..=b'Z' => c - b'A',
            b'a'..=b'z' => c - b'a' + 26,
            b'0'..=b'9' => c - b'0' + 52,
            b'+' => 62,
            b'/' => 63,
            b'=' | b'\r' | b'\n' => continue,
            _ => panic!("{c:#x} is not base64"),
        };
        group = (group << 6 | u32::from(sextet)) & 0xff_ffff;
        bits += 6;
        if bits >= 8 {
            bits -= 8;
            bytes.push((group >> bits) as u8);
        }
    }
    bytes
}
