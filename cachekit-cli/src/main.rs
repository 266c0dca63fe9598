//! `cachekit`: the command line of a cachekit registry's admin endpoints (the `admin`
//! feature of the `cachekit` crate, `cachekit::admin::serve`).
//!
//! ```text
//! cachekit stats [--cache-name N] [--json]
//! cachekit cleanup [--cache-name N] [--dry-run] [--json]
//! cachekit clear [--cache-name N] [--dry-run] [--json]
//! cachekit monitor [--json]            exit 0 healthy, 1 warning, 2 critical
//! cachekit tracker [--stats | --dry-run] [--json]
//! ```
//!
//! Every command takes `--url` (default `http://127.0.0.1:9187`), `--token` (or
//! `CACHEKIT_ADMIN_TOKEN`) and `--timeout`; `--help` lists the exit codes.
#![forbid(unsafe_code)]

mod client;
mod render;

use std::io::{self, Write};
use std::process::ExitCode;
use std::time::Duration;

use clap::{Parser, Subcommand};

use client::{BaseUrl, Client, Failure};

/// The admin server's default address, as `cachekit::admin::DEFAULT_ADDR` (not imported:
/// that crate brings axum and Tokio, which a client has no use for; a test checks they
/// agree).
const DEFAULT_URL: &str = "http://127.0.0.1:9187";

/// As `cachekit::admin::ENV_ADMIN_TOKEN`.
const ENV_TOKEN: &str = "CACHEKIT_ADMIN_TOKEN";

/// The endpoints' paths, as `cachekit::admin::paths`.
mod paths {
    pub const STATS: &str = "/cache/stats";
    pub const HEALTH: &str = "/cache/health";
    pub const CLEANUP: &str = "/cache/cleanup";
    pub const CLEAR: &str = "/cache/clear";
    pub const TRACKER: &str = "/cache/tracker";
    pub const TRACKER_CLEANUP: &str = "/cache/tracker/cleanup";
}

/// The exit codes. 0-3 follow the Nagios plugin convention (OK, WARNING, CRITICAL,
/// UNKNOWN), so `monitor` plugs into probes and cron as is; usage errors get sysexits'
/// `EX_USAGE` rather than clap's 2, which would read as "critical".
mod exit {
    pub const OK: u8 = 0;
    pub const WARNING: u8 = 1;
    pub const CRITICAL: u8 = 2;
    pub const UNREACHABLE: u8 = 3;
    pub const UNAUTHORIZED: u8 = 4;
    pub const NOT_FOUND: u8 = 5;
    pub const FAILED: u8 = 6;
    pub const USAGE: u8 = 64;
}

const AFTER_HELP: &str = "\
Exit codes:
  0   success; for `monitor`, healthy
  1   `monitor`: warning
  2   `monitor`: critical
  3   the server cannot be reached (refused, timed out, unknown host)
  4   unauthorized (401: no or wrong token) or forbidden (403: the server has no token)
  5   not found (404: no such cache, or no admin endpoint at --url)
  6   any other error answer, or an answer that is not the admin endpoints' JSON
  64  invalid arguments

Errors are one line on stderr, starting with `cachekit: `.";

/// Statistics, health and upkeep of a cachekit registry, through its admin endpoints.
#[derive(Parser, Debug)]
#[command(name = "cachekit", version, after_help = AFTER_HELP)]
struct Cli {
    /// The admin endpoints' base URL (http only; a path prefix such as /admin is kept).
    #[arg(long, global = true, value_name = "URL", default_value = DEFAULT_URL,
          value_parser = BaseUrl::parse, help_heading = "Connection")]
    url: BaseUrl,

    /// The admin token `cleanup`, `clear` and `tracker` need. Prefer the environment
    /// variable: arguments are visible to other users in `ps`.
    #[arg(long, global = true, value_name = "TOKEN", env = ENV_TOKEN, hide_env_values = true,
          help_heading = "Connection")]
    token: Option<String>,

    /// Seconds to wait for the server, connecting and answering.
    #[arg(long, global = true, value_name = "SECONDS", default_value = "5",
          value_parser = parse_timeout, help_heading = "Connection")]
    timeout: Duration,

    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand, Debug)]
enum Command {
    /// Shows each cache: entries, utilization, hit rate, evictions and expired entries.
    Stats {
        /// Only this cache.
        #[arg(long, value_name = "NAME")]
        cache_name: Option<String>,
        /// Prints the endpoint's JSON instead of a table.
        #[arg(long)]
        json: bool,
    },
    /// Removes expired entries (of every cache, or of one). Needs the token.
    Cleanup {
        /// Only this cache.
        #[arg(long, value_name = "NAME")]
        cache_name: Option<String>,
        /// Counts what would be removed and removes nothing.
        #[arg(long)]
        dry_run: bool,
        /// Prints the endpoint's JSON instead of a table.
        #[arg(long)]
        json: bool,
    },
    /// Removes every entry (of every cache, or of one). Needs the token.
    Clear {
        /// Only this cache.
        #[arg(long, value_name = "NAME")]
        cache_name: Option<String>,
        /// Counts what would be removed and removes nothing.
        #[arg(long)]
        dry_run: bool,
        /// Prints the endpoint's JSON instead of a table.
        #[arg(long)]
        json: bool,
    },
    /// Checks health: exits 0 when healthy, 1 on a warning, 2 when critical.
    Monitor {
        /// Prints the endpoint's JSON (the exit code is the same).
        #[arg(long)]
        json: bool,
    },
    /// Removes the expiring sets' stale members (needs the token); with --stats, shows
    /// each set's members instead.
    Tracker {
        /// Shows each set's members and stale members; removes nothing.
        #[arg(long, conflicts_with = "dry_run")]
        stats: bool,
        /// Counts the stale members that would be removed and removes nothing.
        #[arg(long)]
        dry_run: bool,
        /// Prints the endpoint's JSON instead of a table.
        #[arg(long)]
        json: bool,
    },
}

fn parse_timeout(text: &str) -> Result<Duration, String> {
    let seconds: f64 = text
        .trim()
        .parse()
        .map_err(|_| format!("expected a number of seconds, found {text:?}"))?;
    if !(seconds > 0.0 && seconds <= 3600.0) {
        return Err("expected more than 0 and at most 3600 seconds".to_owned());
    }
    Ok(Duration::from_secs_f64(seconds))
}

fn main() -> ExitCode {
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(err) => {
            let _ = err.print();
            // `--help` and `--version` come this way too, on stdout.
            return ExitCode::from(if err.use_stderr() {
                exit::USAGE
            } else {
                exit::OK
            });
        }
    };
    let code = match run(cli) {
        Ok((output, code)) => match io::stdout().lock().write_all(output.as_bytes()) {
            Ok(()) => code,
            // `cachekit stats | head -1`: the reader has what it wanted.
            Err(err) if err.kind() == io::ErrorKind::BrokenPipe => code,
            Err(err) => {
                eprintln!("cachekit: cannot write the output: {err}");
                exit::FAILED
            }
        },
        Err(failure) => {
            eprintln!("cachekit: {failure}");
            failure.exit_code()
        }
    };
    ExitCode::from(code)
}

/// Runs the command: its whole output (written at once, so that a failure halfway prints
/// nothing but the error) and its exit code.
fn run(cli: Cli) -> Result<(String, u8), Failure> {
    let client = Client::new(cli.url, cli.token, cli.timeout)?;
    match cli.command {
        Command::Stats { cache_name, json } => {
            let query = Query::new().name(cache_name.as_deref());
            let body = client.get(paths::STATS, &query)?;
            let output = if json {
                json_line(&body.text)
            } else {
                render::stats(&body.parse()?)
            };
            Ok((output, exit::OK))
        }
        Command::Cleanup {
            cache_name,
            dry_run,
            json,
        } => removal(
            &client,
            paths::CLEANUP,
            render::Action::Cleanup,
            cache_name.as_deref(),
            dry_run,
            json,
        ),
        Command::Clear {
            cache_name,
            dry_run,
            json,
        } => removal(
            &client,
            paths::CLEAR,
            render::Action::Clear,
            cache_name.as_deref(),
            dry_run,
            json,
        ),
        Command::Monitor { json } => {
            let body = client.health(paths::HEALTH)?;
            let report: render::Health = body.parse()?;
            let code = report.exit_code().ok_or_else(|| {
                Failure::bad_answer(&body.url, format!("unknown status {:?}", report.status))
            })?;
            let output = if json {
                json_line(&body.text)
            } else {
                render::health(&report)
            };
            Ok((output, code))
        }
        Command::Tracker {
            stats: true, json, ..
        } => {
            let body = client.get(paths::TRACKER, &Query::new())?;
            let output = if json {
                json_line(&body.text)
            } else {
                render::tracker(&body.parse()?)
            };
            Ok((output, exit::OK))
        }
        Command::Tracker { dry_run, json, .. } => {
            let body = client.post(paths::TRACKER_CLEANUP, &Query::new().dry_run(dry_run))?;
            let output = if json {
                json_line(&body.text)
            } else {
                render::removed(render::Action::Tracker, &body.parse()?)
            };
            Ok((output, exit::OK))
        }
    }
}

/// The body as the server sent it, on a line of its own.
/// `cleanup` and `clear`: the same request to their own endpoint, the same report.
fn removal(
    client: &Client,
    path: &str,
    action: render::Action,
    cache_name: Option<&str>,
    dry_run: bool,
    json: bool,
) -> Result<(String, u8), Failure> {
    let query = Query::new().name(cache_name).dry_run(dry_run);
    let body = client.post(path, &query)?;
    let output = if json {
        json_line(&body.text)
    } else {
        render::removed(action, &body.parse()?)
    };
    Ok((output, exit::OK))
}

fn json_line(text: &str) -> String {
    let mut line = text.trim_end().to_owned();
    line.push('\n');
    line
}

/// A query string: `name` percent-encoded, `dry_run=true` only when asked (the server
/// reads a missing `dry_run` as false).
#[derive(Default)]
struct Query(Vec<String>);

impl Query {
    fn new() -> Self {
        Self::default()
    }

    fn name(mut self, name: Option<&str>) -> Self {
        if let Some(name) = name {
            self.0.push(format!("name={}", percent_encode(name)));
        }
        self
    }

    fn dry_run(mut self, dry_run: bool) -> Self {
        if dry_run {
            self.0.push("dry_run=true".to_owned());
        }
        self
    }

    /// `?a=b&c=d`, or nothing.
    fn to_suffix(&self) -> String {
        if self.0.is_empty() {
            String::new()
        } else {
            format!("?{}", self.0.join("&"))
        }
    }
}

/// Every byte but RFC 3986's unreserved characters as `%XX`: cache names may hold `&`,
/// `=`, `+`, `#` or spaces, which would otherwise split or end the parameter.
fn percent_encode(text: &str) -> String {
    let mut encoded = String::with_capacity(text.len());
    for byte in text.bytes() {
        if byte.is_ascii_alphanumeric() || matches!(byte, b'-' | b'.' | b'_' | b'~') {
            encoded.push(char::from(byte));
        } else {
            encoded.push_str(&format!("%{byte:02X}"));
        }
    }
    encoded
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::CommandFactory;

    #[test]
    fn the_command_line_definition_is_consistent() {
        Cli::command().debug_assert();
    }

    #[test]
    fn names_are_percent_encoded() {
        assert_eq!(percent_encode("users"), "users");
        assert_eq!(
            percent_encode("a b&c=d+e#f/é"),
            "a%20b%26c%3Dd%2Be%23f%2F%C3%A9"
        );
        let query = Query::new().name(Some("x y")).dry_run(true);
        assert_eq!(query.to_suffix(), "?name=x%20y&dry_run=true");
        assert_eq!(Query::new().dry_run(false).to_suffix(), "");
    }

    #[test]
    fn timeouts_are_positive_seconds() {
        assert_eq!(parse_timeout("5"), Ok(Duration::from_secs(5)));
        assert_eq!(parse_timeout("0.25"), Ok(Duration::from_millis(250)));
        for bad in ["0", "-1", "NaN", "inf", "soon", "86400"] {
            assert!(parse_timeout(bad).is_err(), "{bad}");
        }
    }
}
