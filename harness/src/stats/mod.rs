//! Statistics: pure functions over plain slices. No I/O and no dataframe types, so that the
//! numbers can be checked against reference implementations in isolation.

pub mod bootstrap;
pub mod changes;
pub mod claims;
pub mod multiple;
pub mod paired;
pub mod power;
pub mod proportion;
pub mod python_random;
pub use claimbench_rng as rng;
pub mod special;
pub mod timing;

use serde::{Deserialize, Serialize};

/// A two-sided interval with how it was computed, so that a reader can recompute it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Interval {
    pub low: f64,
    pub high: f64,
    pub level: f64,
    pub method: String,
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub resamples: Option<usize>,
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub seed: Option<u64>,
}

impl Interval {
    /// The confidence level as a percentage: "95%", or "96.1%" for an exact interval's own.
    pub fn level_percent(&self) -> String {
        let percent = self.level * 100.0;
        if (percent - percent.round()).abs() < 1e-9 {
            format!("{percent:.0}%")
        } else {
            format!("{percent:.1}%")
        }
    }
}

/// Why a statistic could not be computed; callers report it instead of printing NaN.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum StatsError {
    Empty,
    NonFinite,
    BadLevel,
    /// The statistic has no value, e.g. a ratio whose denominator is zero.
    Undefined,
    LengthMismatch,
    /// Paired comparisons need the same items on both sides.
    Unpaired {
        only_in_a: Vec<String>,
        only_in_b: Vec<String>,
    },
    DuplicateId(String),
    BadArgument(&'static str),
}

impl std::fmt::Display for StatsError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            StatsError::Empty => f.write_str("no samples"),
            StatsError::NonFinite => f.write_str("a sample is NaN or infinite"),
            StatsError::BadLevel => f.write_str("confidence level must be strictly between 0 and 1"),
            StatsError::Undefined => f.write_str("the statistic is undefined (zero denominator)"),
            StatsError::LengthMismatch => f.write_str("paired samples differ in length"),
            StatsError::Unpaired { only_in_a, only_in_b } => {
                let show = |ids: &[String]| {
                    let mut s = ids.iter().take(5).cloned().collect::<Vec<_>>().join(", ");
                    if ids.len() > 5 {
                        s.push_str(&format!(" and {} more", ids.len() - 5));
                    }
                    s
                };
                write!(
                    f,
                    "items not in both runs: {} only in A ({}), {} only in B ({})",
                    only_in_a.len(),
                    show(only_in_a),
                    only_in_b.len(),
                    show(only_in_b)
                )
            }
            StatsError::DuplicateId(id) => write!(f, "item '{id}' appears twice"),
            StatsError::BadArgument(what) => f.write_str(what),
        }
    }
}

impl std::error::Error for StatsError {}

pub fn mean(values: &[f64]) -> Result<f64, StatsError> {
    check_samples(values)?;
    Ok(values.iter().sum::<f64>() / values.len() as f64)
}

pub(crate) fn check_samples(values: &[f64]) -> Result<(), StatsError> {
    if values.is_empty() {
        return Err(StatsError::Empty);
    }
    if values.iter().any(|v| !v.is_finite()) {
        return Err(StatsError::NonFinite);
    }
    Ok(())
}

pub(crate) fn check_level(level: f64) -> Result<(), StatsError> {
    if level > 0.0 && level < 1.0 {
        Ok(())
    } else {
        Err(StatsError::BadLevel)
    }
}

/// Quantile of sorted data with linear interpolation between closest ranks (numpy's default).
pub fn quantile_sorted(sorted: &[f64], p: f64) -> f64 {
    debug_assert!(!sorted.is_empty());
    let h = (sorted.len() - 1) as f64 * p.clamp(0.0, 1.0);
    let lo = h.floor() as usize;
    let hi = (lo + 1).min(sorted.len() - 1);
    sorted[lo] + (h - lo as f64) * (sorted[hi] - sorted[lo])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quantiles_interpolate_like_numpy() {
        let x = [1.0, 2.0, 3.0, 4.0];
        assert_eq!(quantile_sorted(&x, 0.0), 1.0);
        assert_eq!(quantile_sorted(&x, 1.0), 4.0);
        assert!((quantile_sorted(&x, 0.5) - 2.5).abs() < 1e-12);
        assert!((quantile_sorted(&x, 0.9) - 3.7).abs() < 1e-12);
    }

    #[test]
    fn bad_samples_are_typed_errors() {
        assert_eq!(mean(&[]), Err(StatsError::Empty));
        assert_eq!(mean(&[1.0, f64::NAN]), Err(StatsError::NonFinite));
    }

    /// Every entry point, fed empty, constant, non-finite, mismatched or zero-denominator data,
    /// returns a typed error or a finite value; none panics and none returns NaN.
    #[test]
    fn degenerate_inputs_never_panic_or_return_nan() {
        use super::paired::{mcnemar, mean_improvement, permutation, ratio_improvement, Direction, Scale};
        use super::timing::{percentiles, summarise, throughput};
        let finite = |r: Result<f64, StatsError>| assert!(r.map(f64::is_finite).unwrap_or(true));
        let (empty, constant, nan, inf) = (vec![], vec![3.0; 5], vec![1.0, f64::NAN], vec![f64::INFINITY, 1.0]);
        for data in [&empty, &constant, &nan, &inf] {
            finite(bootstrap::mean_ci(data, 0.95, 50, 1).map(|ci| ci.high - ci.low));
            finite(summarise(data, 0.95, 50, 1).map(|s| s.median_ci.map_or(s.median, |ci| ci.high) + s.mad));
            finite(percentiles(data).map(|p| p.p99));
            finite(mean_improvement(data, data, Direction::Higher, Scale::Relative, 50, 1).map(|d| d.value));
            finite(permutation(data, data, 50, 1).map(|t| t.p_value));
        }
        assert_eq!(
            mean_improvement(&[1.0], &[1.0, 2.0], Direction::Higher, Scale::Absolute, 10, 1).unwrap_err(),
            StatsError::LengthMismatch
        );
        // WER with no reference words at all is undefined, not NaN.
        assert_eq!(
            ratio_improvement(&[0.0, 0.0], &[0.0, 0.0], &[0.0, 0.0], Direction::Lower, Scale::Absolute, 10, 1).unwrap_err(),
            StatsError::Undefined
        );
        // A relative improvement over a baseline of zero is undefined too.
        assert_eq!(mean_improvement(&[0.0; 3], &[1.0; 3], Direction::Higher, Scale::Relative, 10, 1).unwrap_err(), StatsError::Undefined);
        assert_eq!(mcnemar(&[], &[]).unwrap_err(), StatsError::Empty);
        assert_eq!(
            throughput(&[1.0], &[0.0], 0.95, 10, 1).unwrap_err(),
            StatsError::BadArgument("every repetition must take a positive time")
        );
        assert_eq!(proportion::wilson(3, 0, 0.95).unwrap_err(), StatsError::Empty);
        assert_eq!(multiple::holm(&[f64::NAN]).unwrap_err(), StatsError::BadArgument("p-values must lie in [0, 1]"));
        assert_eq!(
            power::mcnemar_sample_size(0.1, 0.1, 0.05, 0.8).unwrap_err(),
            StatsError::BadArgument("needs 0 <= p_only_a < p_only_b with p_only_a + p_only_b <= 1")
        );
        // All-equal paired scores: no difference, p = 1, a point interval at zero.
        let same = mean_improvement(&constant, &constant, Direction::Higher, Scale::Absolute, 50, 1).unwrap();
        assert_eq!(same.interval(0.95, bootstrap::Method::Bca).unwrap().low, 0.0);
        assert_eq!(permutation(&constant, &constant, 50, 1).unwrap().p_value, 1.0);
    }
}

#[cfg(test)]
mod coverage_tests;
#[cfg(test)]
mod reference_tests;
