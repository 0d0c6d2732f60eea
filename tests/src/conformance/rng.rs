//! A small seeded generator (SplitMix64) for test data, and helpers that draw values kept away
//! from the points where an op is not differentiable or where a tie would make the result
//! ambiguous. Everything is deterministic: the same seed gives the same inputs on every machine.

use ferroflow::rng::SplitMix64;

/// Core's SplitMix64 with the helpers test data needs.
#[derive(Debug, Clone)]
pub struct Rng(SplitMix64);

impl Rng {
    pub fn new(seed: u64) -> Rng {
        Rng(SplitMix64::new(seed ^ 0x853c_49e6_748f_ea9b))
    }

    /// A generator seeded from a string (an op name), so each case has its own stream.
    pub fn from_name(name: &str) -> Rng {
        // FNV-1a.
        let h = name.bytes().fold(0xcbf2_9ce4_8422_2325u64, |h, b| {
            (h ^ b as u64).wrapping_mul(0x100_0000_01b3)
        });
        Rng::new(h)
    }

    pub fn next_u64(&mut self) -> u64 {
        self.0.next_u64()
    }

    /// Uniform in `[0, 1)`.
    pub fn unit(&mut self) -> f64 {
        (self.next_u64() >> 11) as f64 * (1.0 / (1u64 << 53) as f64)
    }

    /// Uniform in `[lo, hi)`.
    pub fn range(&mut self, lo: f64, hi: f64) -> f64 {
        lo + (hi - lo) * self.unit()
    }

    /// Uniform integer in `[lo, hi]`.
    pub fn int(&mut self, lo: i64, hi: i64) -> i64 {
        let span = (hi - lo + 1).max(1) as u64;
        lo + (self.next_u64() % span) as i64
    }

    /// `n` uniform values in `[lo, hi)`.
    pub fn uniform(&mut self, n: usize, lo: f64, hi: f64) -> Vec<f64> {
        (0..n).map(|_| self.range(lo, hi)).collect()
    }

    /// `n` uniform values in `[lo, hi)` at least `margin` away from every point in `avoid`
    /// (kinks such as 0 for abs/relu, or the clip bounds).
    pub fn away_from(&mut self, n: usize, lo: f64, hi: f64, avoid: &[f64], margin: f64) -> Vec<f64> {
        (0..n)
            .map(|_| {
                let mut v = self.range(lo, hi);
                for _ in 0..1000 {
                    if avoid.iter().all(|a| (v - a).abs() >= margin) {
                        break;
                    }
                    v = self.range(lo, hi);
                }
                v
            })
            .collect()
    }

    /// `n` values in `[lo, hi)`, pairwise at least `(hi - lo) / (2n)` apart, in random order:
    /// no ties for max/min/argmax/pooling, and finite-difference steps never reorder them.
    pub fn distinct(&mut self, n: usize, lo: f64, hi: f64) -> Vec<f64> {
        let cell = (hi - lo) / n.max(1) as f64;
        let mut v: Vec<f64> = (0..n)
            .map(|i| lo + cell * (i as f64 + 0.25 + 0.5 * self.unit()))
            .collect();
        self.shuffle(&mut v);
        v
    }

    /// `n` integers in `[lo, hi]` (as f64 for [`super::reference::Arr`]).
    pub fn ints(&mut self, n: usize, lo: i64, hi: i64) -> Vec<f64> {
        (0..n).map(|_| self.int(lo, hi) as f64).collect()
    }

    /// `n` non-zero integers in `[lo, hi]` (divisors).
    pub fn nonzero_ints(&mut self, n: usize, lo: i64, hi: i64) -> Vec<f64> {
        (0..n)
            .map(|_| {
                let mut v = self.int(lo, hi);
                while v == 0 {
                    v = self.int(lo, hi);
                }
                v as f64
            })
            .collect()
    }

    /// `n` fair coin flips.
    pub fn bools(&mut self, n: usize) -> Vec<bool> {
        (0..n).map(|_| self.next_u64() >> 63 == 1).collect()
    }

    /// Fisher-Yates shuffle (core's).
    pub fn shuffle<T>(&mut self, v: &mut [T]) {
        self.0.shuffle(v);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn distinct_values_are_spread_and_in_range() {
        let mut r = Rng::new(7);
        let mut v = r.distinct(20, -1.0, 1.0);
        v.sort_by(|a, b| a.total_cmp(b));
        assert!(v.windows(2).all(|w| w[1] - w[0] >= 0.049));
        assert!(v.iter().all(|&x| (-1.0..1.0).contains(&x)));
    }

    #[test]
    fn away_from_respects_margin() {
        let mut r = Rng::new(3);
        assert!(r
            .away_from(200, -1.0, 1.0, &[0.0, 0.5], 0.1)
            .iter()
            .all(|&x| x.abs() >= 0.1 && (x - 0.5).abs() >= 0.1));
    }
}
