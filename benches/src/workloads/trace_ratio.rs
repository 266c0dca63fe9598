//! Workload 5: hit ratios on the real traces.

use crate::adapters::Kind;
use crate::traces::Trace;

pub struct TraceResult {
    pub kinds: Vec<Kind>,
    pub rows: Vec<TraceRow>,
    pub notes: Vec<String>,
}

pub struct TraceRow {
    pub trace: String,
    pub requests: usize,
    pub distinct: usize,
    pub capacity: usize,
    /// Hit ratio (0..=1) per competitor, in `kinds` order.
    pub ratios: Vec<f64>,
}

pub fn run(
    traces: &[Trace],
    kinds: &[Kind],
    max_replays: usize,
    mut progress: impl FnMut(&str),
) -> TraceResult {
    let mut rows = Vec::new();
    let mut notes = Vec::new();
    let mut mismatches = Vec::new();
    for t in traces {
        for &cap in &t.skipped_capacities {
            notes.push(format!(
                "{}: capacity {cap} skipped (not below its {} distinct keys)",
                t.name, t.distinct
            ));
        }
        for &capacity in &t.capacities {
            progress(&format!("trace {} capacity {capacity}", t.name));
            let ratios = kinds
                .iter()
                .map(|&kind| {
                    super::median_ratio(kind, capacity, &t.requests, max_replays, &mut mismatches)
                })
                .collect();
            rows.push(TraceRow {
                trace: t.name.clone(),
                requests: t.requests.len(),
                distinct: t.distinct,
                capacity,
                ratios,
            });
        }
    }
    notes.extend(super::summarize(&mismatches));
    TraceResult {
        kinds: kinds.to_vec(),
        rows,
        notes,
    }
}
