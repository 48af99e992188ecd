//! Closed-form intervals for a proportion.

use super::special::{beta_quantile, normal_quantile};
use super::{check_level, Interval, StatsError};

/// Wilson score interval for `successes` out of `n`.
pub fn wilson(successes: u64, n: u64, level: f64) -> Result<Interval, StatsError> {
    check_level(level)?;
    if n == 0 {
        return Err(StatsError::Empty);
    }
    let z = normal_quantile(1.0 - (1.0 - level) / 2.0);
    let n_f = n as f64;
    let p = successes as f64 / n_f;
    let z2 = z * z;
    let centre = (p + z2 / (2.0 * n_f)) / (1.0 + z2 / n_f);
    let half = z / (1.0 + z2 / n_f) * (p * (1.0 - p) / n_f + z2 / (4.0 * n_f * n_f)).sqrt();
    Ok(Interval {
        low: (centre - half).max(0.0),
        high: (centre + half).min(1.0),
        level,
        method: "wilson".to_string(),
        resamples: None,
        seed: None,
    })
}

/// Clopper–Pearson ("exact") interval for `successes` out of `n`: never below nominal coverage.
pub fn clopper_pearson(successes: u64, n: u64, level: f64) -> Result<Interval, StatsError> {
    check_level(level)?;
    if n == 0 {
        return Err(StatsError::Empty);
    }
    let k = successes.min(n) as f64;
    let n_f = n as f64;
    let alpha = 1.0 - level;
    let low = if successes == 0 { 0.0 } else { beta_quantile(alpha / 2.0, k, n_f - k + 1.0) };
    let high = if successes >= n { 1.0 } else { beta_quantile(1.0 - alpha / 2.0, k + 1.0, n_f - k) };
    Ok(Interval { low, high, level, method: "clopper-pearson".to_string(), resamples: None, seed: None })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wilson_matches_textbook_example() {
        // 81 of 263 at 95%: statsmodels proportion_confint(method="wilson") gives (0.2553, 0.3662).
        let ci = wilson(81, 263, 0.95).unwrap();
        assert!((ci.low - 0.25527).abs() < 1e-4 && (ci.high - 0.36622).abs() < 1e-4, "{ci:?}");
    }

    #[test]
    fn wilson_stays_in_unit_interval() {
        let all = wilson(10, 10, 0.95).unwrap();
        assert!(all.high <= 1.0 && all.low > 0.6);
        let none = wilson(0, 10, 0.95).unwrap();
        assert!(none.low >= 0.0 && none.high < 0.4);
        assert_eq!(wilson(0, 0, 0.95), Err(StatsError::Empty));
    }
}
