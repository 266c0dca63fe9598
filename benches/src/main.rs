//! Side-by-side benchmark harness: cachekit's `TtlCache` against moka, quick_cache,
//! mini-moka, `Mutex<lru::LruCache>` and `DashMap`, and its `#[ttl_cached]` against the
//! `cached` crate's `#[cached]`. Prints markdown tables and writes them to `BENCHMARKS.md`
//! at the repository root. See `--help`.
#![deny(unsafe_code)] // `alloc_count` alone opts out, to implement `GlobalAlloc`.

mod adapters;
mod alloc_count;
mod charts;
mod config;
mod machine;
mod memo_fns;
mod prng;
mod report;
mod stats;
mod table;
mod traces;
mod workloads;
mod zipf;

use std::path::{Path, PathBuf};
use std::time::Instant;

use adapters::Kind;
use config::{Options, Workload};

fn repo_root() -> PathBuf {
    let manifest = Path::new(env!("CARGO_MANIFEST_DIR"));
    manifest.parent().unwrap_or(manifest).to_path_buf()
}

fn progress(msg: &str) {
    eprintln!("[cachekit-bench] {msg}");
}

fn main() {
    let root = repo_root();
    let default_traces = root.join("..").join("shared").join("traces");
    let opts = match Options::parse(std::env::args().skip(1).collect(), default_traces) {
        Ok(o) => o,
        Err(msg) => {
            if msg.is_empty() {
                println!("{}", config::USAGE);
                return;
            }
            eprintln!("error: {msg}\n\n{}", config::USAGE);
            std::process::exit(2);
        }
    };
    let sizes = opts.sizes();
    let load_before = machine::load_average();
    let started = Instant::now();
    let mut results = report::Results {
        traces_dir: std::fs::canonicalize(&opts.traces_dir)
            .unwrap_or_else(|_| opts.traces_dir.clone())
            .display()
            .to_string(),
        ..Default::default()
    };

    for &w in &opts.workloads {
        let t = Instant::now();
        match w {
            Workload::Hit => {
                progress("1/7 hit latency");
                results.hit = Some(workloads::hit::run(&sizes, &Kind::ALL));
            }
            Workload::Insert => {
                progress("2/7 evicting insert");
                results.insert = Some(workloads::insert::run(&sizes, &Kind::EVICTING));
            }
            Workload::Zipf => {
                progress("3/7 Zipf hit ratio");
                results.zipf = Some(workloads::zipf_ratio::run(
                    &sizes,
                    &Kind::EVICTING,
                    progress,
                ));
            }
            Workload::Memory => {
                progress("4/7 memory");
                results.memory = Some(workloads::memory::run(sizes.memory_entries, &Kind::ALL));
            }
            Workload::Traces => {
                progress(&format!(
                    "5/7 trace hit ratio (traces from {})",
                    opts.traces_dir.display()
                ));
                let (loaded, notes) = traces::load_all(&opts.traces_dir, sizes.trace_limit);
                for n in &notes {
                    progress(n);
                }
                results.trace_notes = notes;
                results.traces = Some(workloads::trace_ratio::run(
                    &loaded,
                    &Kind::EVICTING,
                    sizes.max_replays,
                    progress,
                ));
            }
            Workload::Memo => {
                progress("6/7 memoized call");
                results.memo = Some(workloads::memo::run(&sizes, memo_fns::Memo::ALL));
            }
            Workload::Redis => {
                progress("7/7 shared Redis tier");
                results.redis = Some(workloads::redis::run(&sizes));
            }
        }
        progress(&format!("  done in {:.1} s", t.elapsed().as_secs_f64()));
    }

    let mut command = String::from("cargo run --release -p cachekit-bench");
    if !opts.args.is_empty() {
        command += " --";
        for a in &opts.args {
            command.push(' ');
            command += a;
        }
    }
    let header = report::Header {
        machine: machine::Machine::describe(),
        command,
        quick: opts.quick,
        optimized: !cfg!(debug_assertions),
        elapsed: started.elapsed(),
        load_before,
        load_after: machine::load_average(),
    };
    // Charts only go with a written report: the printed one would link to files that
    // are stale or absent.
    let report_path = opts.report_path(root.join("BENCHMARKS.md"));
    if let Some(path) = &report_path {
        let dir = path.parent().unwrap_or(Path::new(""));
        let (charts, errors) = charts::write_all(&results, dir);
        for c in &charts {
            progress(&format!("wrote {}", dir.join(&c.link).display()));
        }
        for e in errors {
            eprintln!("warning: chart not written: {e}");
        }
        results.charts = charts;
    }
    let text = report::render(&header, &results);
    print!("{text}");

    if let Some(path) = report_path {
        match std::fs::write(&path, &text) {
            Ok(()) => progress(&format!("wrote {}", path.display())),
            Err(e) => {
                eprintln!("error: cannot write {}: {e}", path.display());
                std::process::exit(1);
            }
        }
    } else {
        progress("not writing BENCHMARKS.md (--quick or --no-write)");
    }
}
