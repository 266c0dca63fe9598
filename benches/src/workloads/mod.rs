//! The seven measurements. Each returns plain result data; `report` turns it into tables.

pub mod hit;
pub mod insert;
pub mod memo;
pub mod memory;
pub mod redis;
pub mod trace_ratio;
pub mod zipf_ratio;

use crate::adapters::Cache;

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
