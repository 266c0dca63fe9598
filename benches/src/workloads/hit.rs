//! Workload 1: `get` hits on a fully resident key set, at 1 and 2 threads.

use crate::adapters::{Cache, Kind};
use crate::config::Sizes;
use crate::prng::SplitMix64;
use crate::stats::Summary;

pub struct HitResult {
    pub resident: usize,
    pub capacity: usize,
    pub lookups_per_thread: usize,
    pub rounds: usize,
    pub threads: Vec<usize>,
    /// Per competitor: one summary (per-thread ns/op) per thread count.
    pub rows: Vec<(Kind, Vec<Summary>)>,
    pub notes: Vec<String>,
}

pub fn run(sizes: &Sizes, kinds: &[Kind]) -> HitResult {
    let keys: Vec<u64> = (0..sizes.hit_resident).map(|i| super::key(i, 1)).collect();
    let max_threads = sizes.hit_threads.iter().copied().max().unwrap_or(1);
    let lookups: Vec<Vec<u64>> = (0..max_threads)
        .map(|t| {
            let mut rng = SplitMix64::new(1000 + t as u64);
            (0..sizes.hit_lookups)
                .map(|_| keys[rng.below(keys.len() as u64) as usize])
                .collect()
        })
        .collect();

    let mut notes = Vec::new();
    let caches: Vec<Box<dyn Cache>> = kinds
        .iter()
        .map(|&kind| {
            let c = kind.build(sizes.hit_capacity);
            c.insert_loop(&keys);
            c.settle();
            let warm_hits = c.get_loop(&keys);
            c.settle();
            if c.len() != keys.len() || warm_hits != keys.len() as u64 {
                notes.push(format!(
                    "{}: after inserting {} keys into capacity {} it holds {} and {} of them hit",
                    kind.name(),
                    keys.len(),
                    sizes.hit_capacity,
                    c.len(),
                    warm_hits
                ));
            }
            c
        })
        .collect();

    let mut samples = vec![vec![Vec::new(); sizes.hit_threads.len()]; kinds.len()];
    let mut short = vec![false; kinds.len()];
    for round in 0..sizes.rounds {
        for (ti, &threads) in sizes.hit_threads.iter().enumerate() {
            // Per cache: the sum over slices of (per-thread ns/op x slice length).
            let mut weighted_ns = vec![0.0; kinds.len()];
            let mut hits = vec![0u64; kinds.len()];
            super::take_turns(kinds.len(), sizes.hit_lookups, round, |idx, slice| {
                let inputs: Vec<&[u64]> = lookups[..threads]
                    .iter()
                    .map(|l| &l[slice.clone()])
                    .collect();
                let (ns, slice_hits) = time_gets(&*caches[idx], &inputs);
                weighted_ns[idx] += ns * slice.len() as f64;
                hits[idx] += slice_hits;
            });
            for idx in 0..kinds.len() {
                samples[idx][ti].push(weighted_ns[idx] / sizes.hit_lookups as f64);
                if hits[idx] != (threads * sizes.hit_lookups) as u64 && !short[idx] {
                    short[idx] = true;
                    notes.push(format!(
                        "{}: {} of {} timed lookups hit at {} thread(s) (all should)",
                        kinds[idx].name(),
                        hits[idx],
                        threads * sizes.hit_lookups,
                        threads
                    ));
                }
            }
        }
    }
    HitResult {
        resident: sizes.hit_resident,
        capacity: sizes.hit_capacity,
        lookups_per_thread: sizes.hit_lookups,
        rounds: sizes.rounds,
        threads: sizes.hit_threads.to_vec(),
        rows: kinds
            .iter()
            .zip(&samples)
            .map(|(&k, per)| (k, per.iter().map(|s| Summary::of(s)).collect()))
            .collect(),
        notes,
    }
}

/// Runs one `get_loop` per lookup slice, each on its own thread, all released together.
/// Returns per-thread ns/op (wall time * threads / total ops) and the total hits.
fn time_gets(cache: &dyn Cache, lookups: &[&[u64]]) -> (f64, u64) {
    let (ns, hits) = super::time_threads(lookups, |l| l.len(), |l| cache.get_loop(l));
    (ns, hits.into_iter().sum())
}
