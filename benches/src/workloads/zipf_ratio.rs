//! Workload 3: hit ratios on synthetic Zipf request streams, next to the top-C oracle.

use crate::adapters::Kind;
use crate::config::Sizes;
use crate::prng::SplitMix64;
use crate::zipf::Zipf;

pub struct ZipfResult {
    pub keys: usize,
    pub requests: usize,
    pub kinds: Vec<Kind>,
    pub sections: Vec<ZipfSection>,
    pub notes: Vec<String>,
}

pub struct ZipfSection {
    pub exponent: f64,
    pub rows: Vec<ZipfRow>,
}

pub struct ZipfRow {
    pub capacity: usize,
    /// Summed probability of the `capacity` most popular keys (the ceiling).
    pub oracle: f64,
    /// Hit ratio (0..=1) per competitor, in `kinds` order.
    pub ratios: Vec<f64>,
}

pub fn run(sizes: &Sizes, kinds: &[Kind], mut progress: impl FnMut(&str)) -> ZipfResult {
    let mut notes = Vec::new();
    let mut mismatches = Vec::new();
    let mut sections = Vec::new();
    for (si, &s) in sizes.zipf_exponents.iter().enumerate() {
        let zipf = Zipf::new(sizes.zipf_keys, s);
        let mut rng = SplitMix64::new(3000 + si as u64);
        let stream: Vec<u64> = (0..sizes.zipf_requests)
            .map(|_| super::key(zipf.sample(&mut rng), 3))
            .collect();
        let mut rows = Vec::new();
        for &capacity in sizes.zipf_capacities {
            progress(&format!("zipf s={s} capacity {capacity}"));
            let ratios = kinds
                .iter()
                .map(|&kind| {
                    super::median_ratio(kind, capacity, &stream, sizes.max_replays, &mut mismatches)
                })
                .collect();
            rows.push(ZipfRow {
                capacity,
                oracle: zipf.top_c_mass(capacity),
                ratios,
            });
        }
        sections.push(ZipfSection { exponent: s, rows });
    }
    notes.extend(super::summarize(&mismatches));
    ZipfResult {
        keys: sizes.zipf_keys,
        requests: sizes.zipf_requests,
        kinds: kinds.to_vec(),
        sections,
        notes,
    }
}
