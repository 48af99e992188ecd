//! Claims maths: does the evidence support "B improves on A by at least X"?
//!
//! SUPPORTED when the interval's lower bound is at least X, REFUTED when its upper bound is
//! below X, INCONCLUSIVE otherwise. Non-inferiority ("B is no worse than A by more than m") is
//! the same question with X = −m.

use super::bootstrap::{Distribution, Method};
use super::{Interval, StatsError};
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "UPPERCASE")]
pub enum Verdict {
    Supported,
    Refuted,
    Inconclusive,
}

#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "kebab-case")]
pub enum ClaimKind {
    /// The improvement is at least `threshold`.
    AtLeast { threshold: f64 },
    /// B is worse than A by no more than `margin`.
    NonInferior { margin: f64 },
}

impl ClaimKind {
    pub fn threshold(self) -> f64 {
        match self {
            ClaimKind::AtLeast { threshold } => threshold,
            ClaimKind::NonInferior { margin } => -margin.abs(),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ClaimOutcome {
    pub verdict: Verdict,
    pub estimate: f64,
    pub interval: Interval,
    pub threshold: f64,
    /// One-sided bootstrap p-value for "the improvement is at most the threshold".
    pub p_value: f64,
}

pub fn verdict(interval: &Interval, threshold: f64) -> Verdict {
    if interval.low >= threshold {
        Verdict::Supported
    } else if interval.high < threshold {
        Verdict::Refuted
    } else {
        Verdict::Inconclusive
    }
}

/// Checks a claim against the bootstrap distribution of the improvement (see `paired`).
pub fn check(improvement: &Distribution, kind: ClaimKind, level: f64, method: Method) -> Result<ClaimOutcome, StatsError> {
    let interval = improvement.interval(level, method)?;
    let threshold = kind.threshold();
    Ok(ClaimOutcome {
        verdict: verdict(&interval, threshold),
        estimate: improvement.value,
        p_value: improvement.p_at_most(threshold),
        interval,
        threshold,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::stats::paired::{mean_improvement, Direction, Scale};

    fn outcomes(base: f64, gain: f64, n: usize) -> (Vec<f64>, Vec<f64>) {
        // Deterministic correct/incorrect patterns with the given accuracies.
        let a = (0..n).map(|i| if (i as f64 + 0.5) / (n as f64) < base { 1.0 } else { 0.0 }).collect();
        let b = (0..n).map(|i| if (i as f64 + 0.5) / (n as f64) < base + gain { 1.0 } else { 0.0 }).collect();
        (a, b)
    }

    #[test]
    fn verdicts_follow_the_interval() {
        let (a, b) = outcomes(0.40, 0.15, 2000);
        let d = mean_improvement(&a, &b, Direction::Higher, Scale::Relative, 2000, 1).unwrap();
        assert!((d.value - 0.375).abs() < 1e-9);
        let supported = check(&d, ClaimKind::AtLeast { threshold: 0.28 }, 0.95, Method::Percentile).unwrap();
        assert_eq!(supported.verdict, Verdict::Supported, "{supported:?}");
        assert!(supported.p_value < 0.025);
        let refuted = check(&d, ClaimKind::AtLeast { threshold: 0.50 }, 0.95, Method::Percentile).unwrap();
        assert_eq!(refuted.verdict, Verdict::Refuted, "{refuted:?}");
        assert!(refuted.p_value > 0.975);
        let inconclusive = check(&d, ClaimKind::AtLeast { threshold: 0.375 }, 0.95, Method::Percentile).unwrap();
        assert_eq!(inconclusive.verdict, Verdict::Inconclusive);
    }

    #[test]
    fn non_inferiority_uses_the_negative_margin() {
        let (a, b) = outcomes(0.60, -0.01, 4000);
        let d = mean_improvement(&a, &b, Direction::Higher, Scale::Absolute, 2000, 2).unwrap();
        let ok = check(&d, ClaimKind::NonInferior { margin: 0.05 }, 0.95, Method::Percentile).unwrap();
        assert_eq!((ok.verdict, ok.threshold), (Verdict::Supported, -0.05));
        let tight = check(&d, ClaimKind::NonInferior { margin: 0.001 }, 0.95, Method::Percentile).unwrap();
        assert_ne!(tight.verdict, Verdict::Supported);
    }
}
