//! Workload 2: inserting distinct keys into a small cache, so nearly every insert evicts.

use std::time::Instant;

use crate::adapters::Kind;
use crate::config::Sizes;
use crate::stats::Summary;

pub struct InsertResult {
    pub keys: usize,
    pub capacity: usize,
    pub rounds: usize,
    pub rows: Vec<(Kind, Summary)>,
    pub notes: Vec<String>,
}

pub fn run(sizes: &Sizes, kinds: &[Kind]) -> InsertResult {
    let keys: Vec<u64> = (0..sizes.insert_keys).map(|i| super::key(i, 2)).collect();
    let mut samples = vec![Vec::new(); kinds.len()];
    let mut notes = Vec::new();
    let mut flagged = vec![false; kinds.len()];
    for round in 0..sizes.rounds {
        let caches: Vec<_> = kinds
            .iter()
            .map(|kind| kind.build(sizes.insert_capacity))
            .collect();
        let mut elapsed_ns = vec![0.0; kinds.len()];
        // Each cache goes on from where its previous slice left it.
        super::take_turns(kinds.len(), keys.len(), round, |idx, slice| {
            let start = Instant::now();
            caches[idx].insert_loop(&keys[slice]);
            elapsed_ns[idx] += start.elapsed().as_nanos() as f64;
        });
        for (idx, cache) in caches.into_iter().enumerate() {
            samples[idx].push(elapsed_ns[idx] / keys.len() as f64);
            let len_now = cache.len();
            cache.settle();
            let len = cache.len();
            if (len_now > sizes.insert_capacity || len > sizes.insert_capacity) && !flagged[idx] {
                flagged[idx] = true;
                notes.push(format!(
                    "{}: holds {len_now} entries right after the inserts ({len} after settling), above its capacity {}",
                    kinds[idx].name(),
                    sizes.insert_capacity
                ));
            }
        }
    }
    InsertResult {
        keys: sizes.insert_keys,
        capacity: sizes.insert_capacity,
        rounds: sizes.rounds,
        rows: kinds
            .iter()
            .zip(&samples)
            .map(|(&k, s)| (k, Summary::of(s)))
            .collect(),
        notes,
    }
}
