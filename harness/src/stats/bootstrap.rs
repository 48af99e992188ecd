//! Bootstrap confidence intervals over items.

use super::rng::Rng;
use super::{check_level, check_samples, quantile_sorted, Interval, StatsError};

pub const DEFAULT_RESAMPLES: usize = 10_000;

/// Percentile bootstrap interval for the mean of per-item values.
pub fn mean_ci(values: &[f64], level: f64, resamples: usize, seed: u64) -> Result<Interval, StatsError> {
    check_samples(values)?;
    check_level(level)?;
    let n = values.len();
    let mut rng = Rng::new(seed);
    let mut means: Vec<f64> = (0..resamples.max(1))
        .map(|_| {
            let sum: f64 = (0..n).map(|_| values[rng.below(n as u64) as usize]).sum();
            sum / n as f64
        })
        .collect();
    means.sort_by(f64::total_cmp);
    let alpha = 1.0 - level;
    Ok(Interval {
        low: quantile_sorted(&means, alpha / 2.0),
        high: quantile_sorted(&means, 1.0 - alpha / 2.0),
        level,
        method: "percentile-bootstrap".to_string(),
        resamples: Some(resamples.max(1)),
        seed: Some(seed),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn interval_is_reproducible_and_brackets_the_mean() {
        let values: Vec<f64> = (0..200).map(|i| if i % 3 == 0 { 1.0 } else { 0.0 }).collect();
        let a = mean_ci(&values, 0.95, 2000, 9).unwrap();
        let b = mean_ci(&values, 0.95, 2000, 9).unwrap();
        assert_eq!(a, b);
        let m = super::super::mean(&values).unwrap();
        assert!(a.low < m && m < a.high, "{a:?}");
        // Normal approximation: half width about 1.96 * sqrt(p(1-p)/n) = 0.065.
        assert!(((a.high - a.low) / 2.0 - 0.065).abs() < 0.01, "{a:?}");
    }

    #[test]
    fn constant_samples_give_a_point_interval() {
        let ci = mean_ci(&[1.0; 10], 0.95, 100, 1).unwrap();
        assert_eq!((ci.low, ci.high), (1.0, 1.0));
    }

    #[test]
    fn bad_input_is_an_error_not_nan() {
        assert_eq!(mean_ci(&[], 0.95, 10, 1), Err(StatsError::Empty));
        assert_eq!(mean_ci(&[f64::INFINITY], 0.95, 10, 1), Err(StatsError::NonFinite));
        assert_eq!(mean_ci(&[1.0], 1.5, 10, 1), Err(StatsError::BadLevel));
    }
}
