//! The human output: the answers' shapes, aligned tables and summary lines.

use std::collections::BTreeMap;
use std::fmt::Write as _;

use serde::Deserialize;

use crate::exit;

/// Width of the utilization bar, in characters: one per 10%.
const BAR_WIDTH: usize = 10;

// ---------------------------------------------------------------------------------------
// The answers, as far as the tables need them (the JSON has more; `--json` prints it all).

/// `GET /cache/stats`.
#[derive(Deserialize)]
pub struct Stats {
    caches: BTreeMap<String, CacheStats>,
    global: Global,
    #[serde(default)]
    expiring_sets: BTreeMap<String, u64>,
    #[serde(default)]
    memory: Memory,
}

#[derive(Deserialize)]
struct CacheStats {
    size: u64,
    max_size: u64,
    utilization_percent: f64,
    hits: u64,
    misses: u64,
    hit_rate: f64,
    evictions: u64,
    expired_entries: u64,
}

#[derive(Deserialize)]
struct Global {
    total_caches: u64,
    total_entries: u64,
    total_max_entries: u64,
    global_utilization_percent: f64,
    hits: u64,
    misses: u64,
    hit_rate: f64,
}

#[derive(Deserialize, Default)]
struct Memory {
    process_resident_bytes: Option<u64>,
    system_used_bytes: Option<u64>,
    system_total_bytes: Option<u64>,
}

/// `GET /cache/health`.
#[derive(Deserialize)]
pub struct Health {
    pub status: String,
    warnings: Vec<String>,
    stats: HealthStats,
}

#[derive(Deserialize)]
struct HealthStats {
    global: Global,
}

impl Health {
    /// `monitor`'s exit code for the status, or `None` for a status this build does not
    /// know (a newer server's): guessing "healthy" there would hide a problem.
    pub fn exit_code(&self) -> Option<u8> {
        match self.status.as_str() {
            "healthy" => Some(exit::OK),
            "warning" => Some(exit::WARNING),
            "critical" => Some(exit::CRITICAL),
            _ => None,
        }
    }
}

/// `POST /cache/cleanup`, `/cache/clear` and `/cache/tracker/cleanup`.
#[derive(Deserialize)]
pub struct Removed {
    dry_run: bool,
    removed: BTreeMap<String, u64>,
    total: u64,
}

/// `GET /cache/tracker`.
#[derive(Deserialize)]
pub struct Tracker {
    expiring_sets: BTreeMap<String, SetStats>,
    total_members: u64,
    total_stale: u64,
}

#[derive(Deserialize)]
struct SetStats {
    members: u64,
    stale: u64,
}

/// Which action a [`Removed`] answers.
#[derive(Clone, Copy)]
pub enum Action {
    Cleanup,
    Clear,
    Tracker,
}

// ---------------------------------------------------------------------------------------
// Rendering.

/// The caches' table, then the registry's totals, expiring sets and memory.
pub fn stats(stats: &Stats) -> String {
    let mut out = String::new();
    if stats.caches.is_empty() {
        out.push_str("no caches registered\n");
    } else {
        let mut table = Table::new(&[
            ("CACHE", Align::Left),
            ("ENTRIES/MAX", Align::Right),
            ("UTILIZATION", Align::Left),
            ("HIT RATE", Align::Right),
            ("EVICTIONS", Align::Right),
            ("EXPIRED", Align::Right),
        ]);
        for (name, cache) in &stats.caches {
            table.row(vec![
                one_line(name),
                format!("{}/{}", cache.size, cache.max_size),
                bar(cache.utilization_percent),
                hit_rate(cache.hits, cache.misses, cache.hit_rate),
                cache.evictions.to_string(),
                cache.expired_entries.to_string(),
            ]);
        }
        table.render(&mut out);
    }
    out.push('\n');
    let global = &stats.global;
    let _ = writeln!(
        out,
        "registry: {}, {} of {} entries ({:.1}%), hit rate {}",
        plural(global.total_caches, "cache", "caches"),
        global.total_entries,
        global.total_max_entries,
        global.global_utilization_percent,
        hit_rate(global.hits, global.misses, global.hit_rate),
    );
    if !stats.expiring_sets.is_empty() {
        let sets: Vec<String> = stats
            .expiring_sets
            .iter()
            .map(|(name, members)| {
                let members = plural(*members, "member", "members");
                format!("{} ({members})", one_line(name))
            })
            .collect();
        let _ = writeln!(out, "expiring sets: {}", sets.join(", "));
    }
    let memory = &stats.memory;
    let mut parts = Vec::new();
    if let Some(rss) = memory.process_resident_bytes {
        parts.push(format!("process {} resident", bytes(rss)));
    }
    if let (Some(used), Some(total)) = (memory.system_used_bytes, memory.system_total_bytes) {
        parts.push(format!("system {} of {} used", bytes(used), bytes(total)));
    }
    if !parts.is_empty() {
        let _ = writeln!(out, "memory: {}", parts.join(", "));
    }
    out
}

/// The status line of the report, then one line per finding (as the report's `Display`
/// in cache-core prints it).
pub fn health(report: &Health) -> String {
    let global = &report.stats.global;
    let mut out = format!(
        "{}: {}, {} of {} entries ({:.1}%), hit rate {}\n",
        one_line(&report.status),
        plural(global.total_caches, "cache", "caches"),
        global.total_entries,
        global.total_max_entries,
        global.global_utilization_percent,
        hit_rate(global.hits, global.misses, global.hit_rate),
    );
    for line in &report.warnings {
        let _ = writeln!(out, "- {}", one_line(line));
    }
    out
}

/// What a cleanup, clear or tracker cleanup removed (or would have): a summary line, then
/// the counts by name.
pub fn removed(action: Action, answer: &Removed) -> String {
    let (kind, noun) = match action {
        Action::Cleanup => (("cache", "caches"), ("expired entry", "expired entries")),
        Action::Clear => (("cache", "caches"), ("entry", "entries")),
        Action::Tracker => (
            ("expiring set", "expiring sets"),
            ("stale member", "stale members"),
        ),
    };
    let count = answer.removed.len() as u64;
    if count == 0 {
        return format!("no {} registered\n", kind.1);
    }
    let containers = plural(count, kind.0, kind.1);
    let removed = plural(answer.total, noun.0, noun.1);
    let mut out = match (action, answer.dry_run) {
        (Action::Clear, false) => format!("cleared {containers}, removing {removed}\n"),
        (Action::Clear, true) => {
            format!("dry run, nothing removed: clearing {containers} would remove {removed}\n")
        }
        (_, false) => format!("removed {removed} from {containers}\n"),
        (_, true) => {
            format!("dry run, nothing removed: {removed} would be removed from {containers}\n")
        }
    };
    out.push('\n');
    let header = match action {
        Action::Tracker => "SET",
        Action::Cleanup | Action::Clear => "CACHE",
    };
    let count_header = if answer.dry_run {
        "WOULD REMOVE"
    } else {
        "REMOVED"
    };
    let mut table = Table::new(&[(header, Align::Left), (count_header, Align::Right)]);
    for (name, n) in &answer.removed {
        table.row(vec![one_line(name), n.to_string()]);
    }
    table.render(&mut out);
    out
}

/// The expiring sets' members and stale members.
pub fn tracker(answer: &Tracker) -> String {
    if answer.expiring_sets.is_empty() {
        return "no expiring sets registered\n".to_owned();
    }
    let mut out = String::new();
    let mut table = Table::new(&[
        ("SET", Align::Left),
        ("MEMBERS", Align::Right),
        ("STALE", Align::Right),
    ]);
    for (name, set) in &answer.expiring_sets {
        table.row(vec![
            one_line(name),
            set.members.to_string(),
            set.stale.to_string(),
        ]);
    }
    table.render(&mut out);
    let _ = writeln!(
        out,
        "\n{}: {}, {} stale",
        plural(
            answer.expiring_sets.len() as u64,
            "expiring set",
            "expiring sets"
        ),
        plural(answer.total_members, "member", "members"),
        answer.total_stale,
    );
    out
}

/// `[#####.....]  52%`: one `#` per full 10%, so the bar is full only when the cache is;
/// the percentage is rounded down for the same reason (99.6% is not "100%").
fn bar(percent: f64) -> String {
    // `as` saturates, and NaN becomes 0.
    let filled = ((percent / 10.0).floor() as usize).min(BAR_WIDTH);
    format!(
        "[{}{}] {:>3}%",
        "#".repeat(filled),
        ".".repeat(BAR_WIDTH - filled),
        percent.floor() as u64
    )
}

/// `66.7%`, or `-` before the first lookup (the server's 0 would read as "all misses").
fn hit_rate(hits: u64, misses: u64, rate: f64) -> String {
    if hits == 0 && misses == 0 {
        "-".to_owned()
    } else {
        format!("{:.1}%", rate * 100.0)
    }
}

fn plural(n: u64, one: &str, many: &str) -> String {
    format!("{n} {}", if n == 1 { one } else { many })
}

/// `12.3 MiB`.
fn bytes(n: u64) -> String {
    const UNITS: [&str; 5] = ["B", "KiB", "MiB", "GiB", "TiB"];
    let mut value = n as f64;
    let mut unit = 0;
    while value >= 1024.0 && unit < UNITS.len() - 1 {
        value /= 1024.0;
        unit += 1;
    }
    if unit == 0 {
        format!("{n} B")
    } else {
        format!("{value:.1} {}", UNITS[unit])
    }
}

/// `text` with control characters escaped, so that a name or message with a newline or a
/// terminal escape in it stays on its row and cannot rewrite the screen.
pub fn one_line(text: &str) -> String {
    let mut line = String::with_capacity(text.len());
    for c in text.chars() {
        if c.is_control() {
            line.extend(c.escape_default());
        } else {
            line.push(c);
        }
    }
    line
}

#[derive(Clone, Copy)]
enum Align {
    Left,
    Right,
}

/// Columns padded to their widest cell, two spaces apart, no trailing spaces.
struct Table {
    headers: Vec<(&'static str, Align)>,
    rows: Vec<Vec<String>>,
}

impl Table {
    fn new(headers: &[(&'static str, Align)]) -> Self {
        Self {
            headers: headers.to_vec(),
            rows: Vec::new(),
        }
    }

    fn row(&mut self, cells: Vec<String>) {
        debug_assert_eq!(cells.len(), self.headers.len());
        self.rows.push(cells);
    }

    fn render(&self, out: &mut String) {
        // Characters, not bytes: names are often ASCII, and a name in another script
        // should not push its row out of line. (Wide CJK characters still do.)
        let width = |text: &str| text.chars().count();
        let widths: Vec<usize> = self
            .headers
            .iter()
            .enumerate()
            .map(|(i, (header, _))| {
                self.rows
                    .iter()
                    .map(|row| width(&row[i]))
                    .chain([width(header)])
                    .max()
                    .unwrap_or(0)
            })
            .collect();
        let headers: Vec<String> = self.headers.iter().map(|(h, _)| (*h).to_owned()).collect();
        for row in std::iter::once(&headers).chain(&self.rows) {
            let mut line = String::new();
            for (i, cell) in row.iter().enumerate() {
                if i > 0 {
                    line.push_str("  ");
                }
                let pad = " ".repeat(widths[i] - width(cell));
                match self.headers[i].1 {
                    Align::Left => {
                        line.push_str(cell);
                        line.push_str(&pad);
                    }
                    Align::Right => {
                        line.push_str(&pad);
                        line.push_str(cell);
                    }
                }
            }
            out.push_str(line.trim_end());
            out.push('\n');
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bars_fill_one_mark_per_ten_percent() {
        assert_eq!(bar(0.0), "[..........]   0%");
        assert_eq!(bar(52.0), "[#####.....]  52%");
        assert_eq!(bar(99.9), "[#########.]  99%");
        assert_eq!(bar(100.0), "[##########] 100%");
        assert_eq!(bar(250.0), "[##########] 250%");
        assert_eq!(bar(f64::NAN), "[..........]   0%");
    }

    #[test]
    fn tables_align_columns_without_trailing_spaces() {
        let mut table = Table::new(&[("NAME", Align::Left), ("N", Align::Right)]);
        table.row(vec!["a".into(), "1".into()]);
        table.row(vec!["longer-é".into(), "1000".into()]);
        let mut out = String::new();
        table.render(&mut out);
        assert_eq!(out, "NAME         N\na            1\nlonger-é  1000\n");
    }

    #[test]
    fn small_helpers() {
        assert_eq!(hit_rate(0, 0, 0.0), "-");
        assert_eq!(hit_rate(2, 1, 2.0 / 3.0), "66.7%");
        assert_eq!(plural(1, "cache", "caches"), "1 cache");
        assert_eq!(plural(0, "cache", "caches"), "0 caches");
        assert_eq!(bytes(512), "512 B");
        assert_eq!(bytes(3 * 1024 * 1024 / 2), "1.5 MiB");
        assert_eq!(one_line("a\nb\u{1b}[2J"), "a\\nb\\u{1b}[2J");
    }
}
