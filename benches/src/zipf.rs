//! Zipf-distributed ranks by inverse-CDF table lookup, and the top-C oracle.
//!
//! Rank `i` (0-based) has probability proportional to `1 / (i + 1)^s`. The table holds
//! the cumulative probabilities; a uniform draw is mapped to a rank by binary search.

use crate::prng::SplitMix64;

pub struct Zipf {
    /// `cdf[i]` = P(rank <= i); non-decreasing, last element exactly 1.0.
    cdf: Vec<f64>,
}

impl Zipf {
    /// A Zipf distribution over `n >= 1` ranks with exponent `s >= 0`.
    pub fn new(n: usize, s: f64) -> Self {
        assert!(n >= 1, "Zipf needs at least one rank");
        let mut cdf = Vec::with_capacity(n);
        let mut sum = 0.0f64;
        for i in 0..n {
            sum += 1.0 / ((i + 1) as f64).powf(s);
            cdf.push(sum);
        }
        for p in &mut cdf {
            *p /= sum;
        }
        cdf[n - 1] = 1.0;
        Self { cdf }
    }

    #[cfg(test)]
    pub fn len(&self) -> usize {
        self.cdf.len()
    }

    /// Probability of one rank.
    #[cfg(test)]
    pub fn probability(&self, rank: usize) -> f64 {
        match rank {
            0 => self.cdf[0],
            r => self.cdf[r] - self.cdf[r - 1],
        }
    }

    /// The top-C oracle: the summed probability of the `c` most popular ranks, i.e. the
    /// steady-state hit ratio of a cache that always holds exactly those keys (the
    /// ceiling for any policy, ignoring compulsory first-access misses).
    pub fn top_c_mass(&self, c: usize) -> f64 {
        match c.min(self.cdf.len()) {
            0 => 0.0,
            c => self.cdf[c - 1],
        }
    }

    /// Draws one rank in `0..len()`.
    pub fn sample(&self, rng: &mut SplitMix64) -> usize {
        let u = rng.next_f64();
        // First rank whose cumulative probability exceeds u; u < 1.0 == cdf[last].
        self.cdf
            .partition_point(|&p| p <= u)
            .min(self.cdf.len() - 1)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn oracle_sums_to_one_and_is_monotone_in_c() {
        for s in [0.0, 0.8, 0.99, 1.2] {
            let z = Zipf::new(10_000, s);
            assert!((z.top_c_mass(z.len()) - 1.0).abs() < 1e-12);
            let total: f64 = (0..z.len()).map(|r| z.probability(r)).sum();
            assert!(
                (total - 1.0).abs() < 1e-9,
                "s={s}: sum of probabilities {total}"
            );
            let mut prev = 0.0;
            for c in 0..=z.len() {
                let m = z.top_c_mass(c);
                assert!(m >= prev, "s={s}: top-{c} mass {m} < {prev}");
                prev = m;
            }
            assert_eq!(z.top_c_mass(z.len() + 5), 1.0);
        }
    }

    #[test]
    fn probabilities_decrease_with_rank() {
        let z = Zipf::new(1000, 0.99);
        for r in 1..z.len() {
            assert!(z.probability(r) <= z.probability(r - 1));
        }
    }

    #[test]
    fn sampler_top1_frequency_matches_probability() {
        let z = Zipf::new(1000, 0.99);
        let mut rng = SplitMix64::new(42);
        let draws = 200_000;
        let mut top = 0usize;
        for _ in 0..draws {
            let r = z.sample(&mut rng);
            assert!(r < z.len());
            if r == 0 {
                top += 1;
            }
        }
        let p = z.probability(0);
        let freq = top as f64 / draws as f64;
        // p is about 0.13; the standard error of the estimate is below 0.001.
        assert!(
            (freq - p).abs() < 0.005,
            "top-1 frequency {freq} vs probability {p}"
        );
    }
}
