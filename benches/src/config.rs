//! Command-line options and the workload sizes they select.

use std::path::PathBuf;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Workload {
    Hit,
    Insert,
    Zipf,
    Memory,
    Traces,
    Memo,
    Redis,
}

impl Workload {
    pub const ALL: [Workload; 7] = [
        Workload::Hit,
        Workload::Insert,
        Workload::Zipf,
        Workload::Memory,
        Workload::Traces,
        Workload::Memo,
        Workload::Redis,
    ];

    fn parse(s: &str) -> Option<Self> {
        Some(match s {
            "hit" => Workload::Hit,
            "insert" => Workload::Insert,
            "zipf" => Workload::Zipf,
            "memory" => Workload::Memory,
            "traces" => Workload::Traces,
            "memo" => Workload::Memo,
            "redis" => Workload::Redis,
            _ => return None,
        })
    }
}

pub const USAGE: &str = "\
usage: cargo run --release -p cachekit-bench -- [options]

  --only hit|insert|zipf|memory|traces|memo|redis
                                              run only these workloads (repeatable, or comma-separated);
                                              redis starts its own redis-server (or uses
                                              CACHEKIT_BENCH_REDIS_URL) and is skipped without one
  --quick                                     small sizes: a smoke run; does not write BENCHMARKS.md
  --traces DIR                                directory of the trace files (default: ../shared/traces
                                              relative to the repository root)
  --rounds N                                  timing rounds per measurement (default 7, quick 3)
  --no-write                                  print the tables but do not write BENCHMARKS.md
  --out PATH                                  write the report to PATH instead of BENCHMARKS.md, even
                                              with --quick; its charts go to benches/charts/ next to it
  --help                                      this text";

#[derive(Debug, Clone)]
pub struct Options {
    /// Workloads to run, in canonical order.
    pub workloads: Vec<Workload>,
    pub quick: bool,
    pub traces_dir: PathBuf,
    pub rounds: Option<usize>,
    pub no_write: bool,
    /// Where to write the report, if not the repository's `BENCHMARKS.md`.
    pub out: Option<PathBuf>,
    /// The arguments as given, for the report's command line.
    pub args: Vec<String>,
}

impl Options {
    /// Parses the arguments after the program name. `Err` carries a message for the user.
    pub fn parse(args: Vec<String>, default_traces: PathBuf) -> Result<Self, String> {
        let mut only = Vec::new();
        let mut opts = Options {
            workloads: Vec::new(),
            quick: false,
            traces_dir: default_traces,
            rounds: None,
            no_write: false,
            out: None,
            args: args.clone(),
        };
        let mut it = args.into_iter();
        while let Some(arg) = it.next() {
            let (flag, inline) = match arg.split_once('=') {
                Some((f, v)) if f.starts_with("--") => (f.to_string(), Some(v.to_string())),
                _ => (arg.clone(), None),
            };
            let mut value = |name: &str| {
                inline
                    .clone()
                    .or_else(|| it.next())
                    .ok_or_else(|| format!("{name} needs a value"))
            };
            match flag.as_str() {
                "--only" => {
                    for w in value("--only")?.split(',') {
                        only.push(Workload::parse(w.trim()).ok_or_else(|| {
                            format!(
                                "unknown workload {w:?} (hit|insert|zipf|memory|traces|memo|redis)"
                            )
                        })?);
                    }
                }
                "--quick" => opts.quick = true,
                "--no-write" => opts.no_write = true,
                "--out" => opts.out = Some(PathBuf::from(value("--out")?)),
                "--traces" => opts.traces_dir = PathBuf::from(value("--traces")?),
                "--rounds" => {
                    let v = value("--rounds")?;
                    match v.parse::<usize>() {
                        Ok(n) if n > 0 => opts.rounds = Some(n),
                        _ => return Err(format!("--rounds needs a positive integer, got {v:?}")),
                    }
                }
                "--help" | "-h" => return Err(String::new()),
                _ => return Err(format!("unknown argument {arg:?}")),
            }
        }
        opts.workloads = Workload::ALL
            .into_iter()
            .filter(|w| only.is_empty() || only.contains(w))
            .collect();
        Ok(opts)
    }

    /// Where the report (and its charts) will be written: `None` with `--no-write`, and
    /// with `--quick` unless `--out` asks for it (a smoke run must not overwrite the
    /// committed report, but may be pointed elsewhere to check the output).
    pub fn report_path(&self, default: PathBuf) -> Option<PathBuf> {
        if self.no_write {
            None
        } else if let Some(p) = &self.out {
            Some(p.clone())
        } else if self.quick {
            None
        } else {
            Some(default)
        }
    }

    pub fn sizes(&self) -> Sizes {
        let mut s = if self.quick {
            Sizes::QUICK
        } else {
            Sizes::FULL
        };
        if let Some(r) = self.rounds {
            s.rounds = r;
        }
        s
    }
}

/// Workload sizes.
#[derive(Debug, Clone, Copy)]
pub struct Sizes {
    pub rounds: usize,
    pub hit_resident: usize,
    pub hit_capacity: usize,
    /// Lookups per thread per round.
    pub hit_lookups: usize,
    pub hit_threads: &'static [usize],
    pub insert_keys: usize,
    pub insert_capacity: usize,
    pub zipf_keys: usize,
    pub zipf_requests: usize,
    pub zipf_exponents: &'static [f64],
    pub zipf_capacities: &'static [usize],
    pub memory_entries: usize,
    /// Requests read from each trace (`None`: all).
    pub trace_limit: Option<usize>,
    /// The most replays a hit-ratio point takes the median of (see
    /// [`median_ratio`](crate::workloads::median_ratio)): a smoke run needs one.
    pub max_replays: usize,
    /// Distinct hot argument pairs of the memoized function.
    pub memo_pairs: usize,
    /// Memoized calls per thread per round.
    pub memo_calls: usize,
    pub memo_threads: &'static [usize],
    /// Shared-tier operations per row per round.
    pub redis_ops: usize,
}

impl Sizes {
    pub const FULL: Sizes = Sizes {
        rounds: 7,
        hit_resident: 100_000,
        hit_capacity: 200_000,
        hit_lookups: 1_000_000,
        hit_threads: &[1, 2],
        insert_keys: 1_000_000,
        insert_capacity: 10_000,
        zipf_keys: 1_000_000,
        zipf_requests: 2_000_000,
        zipf_exponents: &[0.99, 0.8],
        zipf_capacities: &[1_000, 10_000, 100_000],
        memory_entries: 1_000_000,
        trace_limit: None,
        max_replays: crate::workloads::REPLAYS,
        memo_pairs: 1_000,
        memo_calls: 1_000_000,
        memo_threads: &[1, 2],
        redis_ops: 5_000,
    };

    pub const QUICK: Sizes = Sizes {
        rounds: 3,
        hit_resident: 10_000,
        hit_capacity: 20_000,
        hit_lookups: 100_000,
        hit_threads: &[1, 2],
        insert_keys: 100_000,
        insert_capacity: 1_000,
        zipf_keys: 100_000,
        zipf_requests: 200_000,
        zipf_exponents: &[0.99, 0.8],
        zipf_capacities: &[1_000, 10_000],
        memory_entries: 100_000,
        trace_limit: Some(100_000),
        max_replays: 1,
        memo_pairs: 1_000,
        memo_calls: 100_000,
        memo_threads: &[1, 2],
        redis_ops: 300,
    };
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(args: &[&str]) -> Result<Options, String> {
        Options::parse(
            args.iter().map(|s| s.to_string()).collect(),
            PathBuf::from("t"),
        )
    }

    #[test]
    fn parses_flags() {
        let o = parse(&[]).unwrap();
        assert_eq!(o.workloads, Workload::ALL);
        let o = parse(&[
            "--only",
            "traces",
            "--only=hit,zipf",
            "--only=memo",
            "--quick",
            "--traces",
            "/x",
        ])
        .unwrap();
        assert_eq!(
            o.workloads,
            [
                Workload::Hit,
                Workload::Zipf,
                Workload::Traces,
                Workload::Memo
            ]
        );
        assert!(o.quick && !o.no_write);
        assert_eq!(o.traces_dir, PathBuf::from("/x"));
        assert!(parse(&["--only", "nope"]).is_err());
        assert!(parse(&["--traces"]).is_err());
        assert!(parse(&["--bogus"]).is_err());
    }

    #[test]
    fn report_path() {
        let d = || PathBuf::from("B.md");
        let at = |args: &[&str]| parse(args).unwrap().report_path(d());
        assert_eq!(at(&[]), Some(d()));
        assert_eq!(at(&["--quick"]), None);
        assert_eq!(at(&["--no-write"]), None);
        assert_eq!(
            at(&["--quick", "--out", "/t/x.md"]),
            Some(PathBuf::from("/t/x.md"))
        );
        assert_eq!(at(&["--out=/t/x.md", "--no-write"]), None);
        assert!(parse(&["--out"]).is_err());
    }
}
