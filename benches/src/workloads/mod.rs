//! The seven measurements. Each returns plain result data; `report` turns it into tables.

pub mod hit;
pub mod insert;
pub mod memo;
pub mod memory;
pub mod redis;
pub mod trace_ratio;
pub mod zipf_ratio;

use std::sync::Barrier;
use std::time::Instant;

use crate::adapters::Cache;

/// Runs `work` once per input, each on its own thread, all released together. Returns the
/// per-thread ns per operation (wall time x threads / total operations, `ops` counting each
/// input's operations) and each thread's result.
///
/// Each thread clocks itself from its release to its finish, and the wall time runs from
/// the first release to the last finish: on 2 cores a timer on the spawning thread can start
/// after the workers have finished.
pub(crate) fn time_threads<I: Sync, R: Send>(
    inputs: &[I],
    ops: impl Fn(&I) -> usize,
    work: impl Fn(&I) -> R + Sync,
) -> (f64, Vec<R>) {
    let barrier = Barrier::new(inputs.len());
    let spans: Vec<(Instant, Instant, R)> = std::thread::scope(|s| {
        let handles: Vec<_> = inputs
            .iter()
            .map(|input| {
                let (barrier, work) = (&barrier, &work);
                s.spawn(move || {
                    barrier.wait();
                    let start = Instant::now();
                    let result = work(input);
                    (start, Instant::now(), result)
                })
            })
            .collect();
        handles
            .into_iter()
            .map(|h| h.join().expect("benchmark thread panicked"))
            .collect()
    });
    let first = spans
        .iter()
        .map(|s| s.0)
        .min()
        .expect("at least one thread");
    let last = spans
        .iter()
        .map(|s| s.1)
        .max()
        .expect("at least one thread");
    let total: usize = inputs.iter().map(ops).sum();
    let ns = (last - first).as_nanos() as f64 * inputs.len() as f64 / total as f64;
    (ns, spans.into_iter().map(|s| s.2).collect())
}

/// Offset into the `mix` key space so the workloads use unrelated keys.
pub(crate) fn key(i: usize, workload_seed: u64) -> u64 {
    crate::prng::mix((workload_seed << 40) ^ i as u64)
}

/// Replays `stream` on `cache` and returns the hit ratio, plus a note if the cache's own
/// hit/miss counters disagree with what the harness saw.
pub(crate) fn replay_ratio(cache: &dyn Cache, name: &str, stream: &[u64]) -> (f64, Option<String>) {
    let hits = cache.replay(stream);
    let total = stream.len() as u64;
    let note = match cache.own_hit_counts() {
        Some((h, m)) if h != hits || h + m != total => Some(format!(
            "{name}: stats() reports {h} hits + {m} misses, the harness saw {hits} hits in {total} lookups"
        )),
        _ => None,
    };
    (hits as f64 / total.max(1) as f64, note)
}

/// Replays per hit-ratio point; the median is reported.
pub(crate) const REPLAYS: usize = 3;

/// The median hit ratio of [`REPLAYS`] replays of `stream`, each on a new cache of `kind`
/// (so with a new hash seed, for the caches that draw one per instance): on the short
/// traces one replay's seed moves a point by a point or two (LIRS `gli` at 100, cachekit:
/// 4.0% and 6.0% in two runs), which is more than the margins the targets leave.
pub(crate) fn median_ratio(
    kind: crate::adapters::Kind,
    capacity: usize,
    stream: &[u64],
    mismatches: &mut Vec<String>,
) -> f64 {
    let mut ratios: Vec<f64> = (0..REPLAYS)
        .map(|_| {
            let cache = kind.build(capacity);
            let (ratio, note) = replay_ratio(&*cache, kind.name(), stream);
            mismatches.extend(note);
            ratio
        })
        .collect();
    ratios.sort_by(f64::total_cmp);
    ratios[REPLAYS / 2]
}

/// Condenses per-replay counter mismatches into one note (there can be dozens).
pub(crate) fn summarize(mismatches: &[String]) -> Option<String> {
    let first = mismatches.first()?;
    Some(if mismatches.len() == 1 {
        first.clone()
    } else {
        format!(
            "{first} (and {} more replays like it)",
            mismatches.len() - 1
        )
    })
}
