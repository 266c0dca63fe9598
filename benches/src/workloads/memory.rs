//! Workload 4: heap bytes per entry, measured with the counting global allocator.

use crate::adapters::Kind;
use crate::alloc_count;

pub struct MemoryResult {
    pub entries: usize,
    /// Per competitor: net heap bytes per inserted entry, and entries held at the end.
    pub rows: Vec<(Kind, f64, usize)>,
}

pub fn run(entries: usize, kinds: &[Kind]) -> MemoryResult {
    let rows = kinds
        .iter()
        .map(|&kind| {
            // No other thread runs here, so everything counted belongs to this cache.
            alloc_count::start();
            let cache = kind.build(entries);
            for i in 0..entries {
                cache.insert(super::key(i, 4), i as u64);
            }
            cache.settle();
            let bytes = alloc_count::net_bytes();
            alloc_count::stop();
            let held = cache.len();
            drop(cache);
            (kind, bytes as f64 / entries as f64, held)
        })
        .collect();
    MemoryResult { entries, rows }
}
