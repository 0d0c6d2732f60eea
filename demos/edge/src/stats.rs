//! Latency percentiles.

use std::time::Duration;

/// Summary of a set of latencies, in milliseconds.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Percentiles {
    pub n: usize,
    pub min: f64,
    pub p50: f64,
    pub p90: f64,
    pub p99: f64,
    pub max: f64,
    pub mean: f64,
}

/// Nearest-rank percentile `p` (0-100] of sorted values.
fn rank(sorted: &[f64], p: f64) -> f64 {
    if sorted.is_empty() {
        return f64::NAN;
    }
    let k = ((p / 100.0) * sorted.len() as f64).ceil() as usize;
    sorted[k.clamp(1, sorted.len()) - 1]
}

/// Percentiles of `samples` (nearest rank); `None` when empty.
pub fn percentiles(samples: &[Duration]) -> Option<Percentiles> {
    if samples.is_empty() {
        return None;
    }
    let mut ms: Vec<f64> = samples.iter().map(|d| d.as_secs_f64() * 1e3).collect();
    ms.sort_by(f64::total_cmp);
    Some(Percentiles {
        n: ms.len(),
        min: ms[0],
        p50: rank(&ms, 50.0),
        p90: rank(&ms, 90.0),
        p99: rank(&ms, 99.0),
        max: ms[ms.len() - 1],
        mean: ms.iter().sum::<f64>() / ms.len() as f64,
    })
}

impl Percentiles {
    pub fn to_json(self) -> serde_json::Value {
        serde_json::json!({
            "n": self.n, "min_ms": self.min, "p50_ms": self.p50, "p90_ms": self.p90,
            "p99_ms": self.p99, "max_ms": self.max, "mean_ms": self.mean,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nearest_rank() {
        let d: Vec<Duration> = (1..=100).rev().map(Duration::from_millis).collect();
        let p = percentiles(&d).unwrap();
        assert_eq!((p.min, p.p50, p.p90, p.p99, p.max), (1.0, 50.0, 90.0, 99.0, 100.0));
        assert!((p.mean - 50.5).abs() < 1e-9);
        let one = percentiles(&[Duration::from_millis(3)]).unwrap();
        assert_eq!((one.p50, one.p99), (3.0, 3.0));
        assert!(percentiles(&[]).is_none());
    }
}
