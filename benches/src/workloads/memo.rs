//! Workload 6: hits of a memoized function on a small hot set of arguments, at 1 and 2 threads.

use crate::config::Sizes;
use crate::memo_fns::Memo;
use crate::prng::{mix, SplitMix64};
use crate::stats::Summary;

pub struct MemoResult {
    pub pairs: usize,
    pub calls_per_thread: usize,
    pub rounds: usize,
    pub threads: Vec<usize>,
    /// Per row: one summary (per-thread ns per call) per thread count.
    pub rows: Vec<(Memo, Vec<Summary>)>,
    pub notes: Vec<String>,
}

/// The hot arguments: distinct `(u64, String)` pairs, the strings 8 to 20 bytes long.
fn hot_pairs(n: usize) -> Vec<(u64, String)> {
    (0..n)
        .map(|i| {
            let a = super::key(i, 6);
            (a, format!("sku-{:0w$x}", mix(a) >> 32, w = 4 + i % 13))
        })
        .collect()
}

pub fn run(sizes: &Sizes, rows: &[Memo]) -> MemoResult {
    let pairs = hot_pairs(sizes.memo_pairs);
    let max_threads = sizes.memo_threads.iter().copied().max().unwrap_or(1);
    let calls: Vec<Vec<u32>> = (0..max_threads)
        .map(|t| {
            let mut rng = SplitMix64::new(6000 + t as u64);
            (0..sizes.memo_calls)
                .map(|_| rng.below(pairs.len() as u64) as u32)
                .collect()
        })
        .collect();
    let every: Vec<u32> = (0..pairs.len() as u32).collect();

    // Warm: the first pass misses and fills, the second must hit throughout.
    let mut notes = Vec::new();
    let expected = Memo::Plain.call_loop(&pairs, &every);
    let mut runs_after_warm = Vec::new();
    for &row in rows {
        let before = row.body_runs();
        let first = row.call_loop(&pairs, &every);
        let second = row.call_loop(&pairs, &every);
        let after = row.body_runs();
        if first != expected || second != expected {
            notes.push(format!(
                "{}: returned a different result from the plain call while warming",
                row.name()
            ));
        }
        if let (Some(b), Some(a)) = (before, after) {
            if a - b != pairs.len() as u64 {
                notes.push(format!(
                    "{}: the body ran {} times over two passes of {} distinct argument pairs (should be {})",
                    row.name(),
                    a - b,
                    pairs.len(),
                    pairs.len()
                ));
            }
        }
        runs_after_warm.push(after);
    }

    let sums: Vec<u64> = calls
        .iter()
        .map(|c| Memo::Plain.call_loop(&pairs, c))
        .collect();
    let mut samples = vec![vec![Vec::new(); sizes.memo_threads.len()]; rows.len()];
    let mut wrong = vec![false; rows.len()];
    for round in 0..sizes.rounds {
        for (ti, &threads) in sizes.memo_threads.iter().enumerate() {
            // Per row: the sum over slices of (per-thread ns/call x slice length), and each
            // thread's sum of results.
            let mut weighted_ns = vec![0.0; rows.len()];
            let mut got = vec![vec![0u64; threads]; rows.len()];
            super::take_turns(rows.len(), sizes.memo_calls, round, |idx, slice| {
                let inputs: Vec<&[u32]> =
                    calls[..threads].iter().map(|c| &c[slice.clone()]).collect();
                let (ns, slice_sums) = time_calls(rows[idx], &pairs, &inputs);
                weighted_ns[idx] += ns * slice.len() as f64;
                for (total, part) in got[idx].iter_mut().zip(slice_sums) {
                    *total = total.wrapping_add(part);
                }
            });
            for idx in 0..rows.len() {
                samples[idx][ti].push(weighted_ns[idx] / sizes.memo_calls as f64);
                if got[idx] != sums[..threads] && !wrong[idx] {
                    wrong[idx] = true;
                    notes.push(format!(
                        "{}: returned a different result from the plain call at {} thread(s)",
                        rows[idx].name(),
                        threads
                    ));
                }
            }
        }
    }
    let timed: usize = sizes.memo_threads.iter().sum::<usize>() * sizes.memo_calls;
    let total = (2 * pairs.len() + sizes.rounds * timed) as u64;
    for (&row, warm) in rows.iter().zip(&runs_after_warm) {
        if let (Some(w), Some(now)) = (*warm, row.body_runs()) {
            if now != w {
                notes.push(format!(
                    "{}: the body ran {} times during the timed calls (every call should hit)",
                    row.name(),
                    now - w
                ));
            }
        }
        match row.own_hit_counts() {
            Some((h, m)) if h + m != total || m != pairs.len() as u64 => notes.push(format!(
                "{}: stats() reports {h} hits + {m} misses, the harness made {total} calls over {} distinct argument pairs",
                row.name(),
                pairs.len()
            )),
            _ => {}
        }
    }

    MemoResult {
        pairs: pairs.len(),
        calls_per_thread: sizes.memo_calls,
        rounds: sizes.rounds,
        threads: sizes.memo_threads.to_vec(),
        rows: rows
            .iter()
            .zip(&samples)
            .map(|(&r, per)| (r, per.iter().map(|s| Summary::of(s)).collect()))
            .collect(),
        notes,
    }
}

/// Runs one `call_loop` per index array, each on its own thread, all released together
/// (see [`super::time_threads`]). Returns per-thread ns per call and each thread's sum.
fn time_calls(row: Memo, pairs: &[(u64, String)], calls: &[&[u32]]) -> (f64, Vec<u64>) {
    super::time_threads(calls, |c| c.len(), |c| row.call_loop(pairs, c))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hot_pairs_are_distinct() {
        let pairs = hot_pairs(1000);
        let set: std::collections::HashSet<_> = pairs.iter().collect();
        assert_eq!(set.len(), 1000);
        assert!(pairs.iter().all(|(_, b)| (8..=20).contains(&b.len())));
    }
}
