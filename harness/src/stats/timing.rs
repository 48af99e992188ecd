//! Summaries of repeated timings (speed suites) and of per-item latencies: location with
//! bootstrap intervals, spread, Tukey-fence outliers (as criterion.rs classifies them),
//! throughput with its interval, and latency percentiles.

use super::bootstrap::{resample_parallel, sum_statistic, Method};
use super::{check_level, check_samples, quantile_sorted, Interval, StatsError};
use serde::{Deserialize, Serialize};

/// Scales the median absolute deviation to estimate σ for normal data (1 / Φ⁻¹(3/4)).
pub const MAD_NORMAL_SCALE: f64 = 1.482_602_218_505_602;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Outliers {
    pub low_severe: usize,
    pub low_mild: usize,
    pub high_mild: usize,
    pub high_severe: usize,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TimingSummary {
    pub n: usize,
    pub mean: f64,
    pub median: f64,
    /// Median absolute deviation, scaled by `MAD_NORMAL_SCALE`.
    pub mad: f64,
    pub std_dev: f64,
    pub min: f64,
    pub max: f64,
    pub mean_ci: Interval,
    pub median_ci: Interval,
    pub outliers: Outliers,
}

fn sorted(values: &[f64]) -> Vec<f64> {
    let mut v = values.to_vec();
    v.sort_by(f64::total_cmp);
    v
}

pub fn median_abs_deviation(values: &[f64]) -> Result<f64, StatsError> {
    check_samples(values)?;
    let median = quantile_sorted(&sorted(values), 0.5);
    let deviations: Vec<f64> = values.iter().map(|v| (v - median).abs()).collect();
    Ok(quantile_sorted(&sorted(&deviations), 0.5) * MAD_NORMAL_SCALE)
}

/// Tukey's fences: beyond 1.5 IQR from the quartiles is mild, beyond 3 IQR severe.
pub fn tukey_outliers(values: &[f64]) -> Result<Outliers, StatsError> {
    check_samples(values)?;
    let s = sorted(values);
    let (q1, q3) = (quantile_sorted(&s, 0.25), quantile_sorted(&s, 0.75));
    let iqr = q3 - q1;
    let mut out = Outliers { low_severe: 0, low_mild: 0, high_mild: 0, high_severe: 0 };
    for &v in values {
        if v < q1 - 3.0 * iqr {
            out.low_severe += 1;
        } else if v < q1 - 1.5 * iqr {
            out.low_mild += 1;
        } else if v > q3 + 3.0 * iqr {
            out.high_severe += 1;
        } else if v > q3 + 1.5 * iqr {
            out.high_mild += 1;
        }
    }
    Ok(out)
}

/// Percentile-bootstrap interval of a quantile (e.g. the median) of `values`.
pub fn quantile_ci(values: &[f64], q: f64, level: f64, resamples: usize, seed: u64) -> Result<Interval, StatsError> {
    check_samples(values)?;
    check_level(level)?;
    let n = values.len() as u64;
    let mut estimates = resample_parallel(resamples.max(1), seed, |rng| {
        let mut sample: Vec<f64> = (0..n).map(|_| values[rng.below(n) as usize]).collect();
        sample.sort_by(f64::total_cmp);
        quantile_sorted(&sample, q)
    });
    estimates.sort_by(f64::total_cmp);
    let alpha = 1.0 - level;
    Ok(Interval {
        low: quantile_sorted(&estimates, alpha / 2.0),
        high: quantile_sorted(&estimates, 1.0 - alpha / 2.0),
        level,
        method: Method::Percentile.name().to_string(),
        resamples: Some(estimates.len()),
        seed: Some(seed),
    })
}

/// Summary of repeated measurements of one quantity (seconds per repetition, say).
pub fn summarise(values: &[f64], level: f64, resamples: usize, seed: u64) -> Result<TimingSummary, StatsError> {
    check_samples(values)?;
    let s = sorted(values);
    let n = values.len();
    let mean = values.iter().sum::<f64>() / n as f64;
    let variance = if n > 1 { values.iter().map(|v| (v - mean).powi(2)).sum::<f64>() / (n - 1) as f64 } else { 0.0 };
    let items: Vec<[f64; 1]> = values.iter().map(|&v| [v]).collect();
    Ok(TimingSummary {
        n,
        mean,
        median: quantile_sorted(&s, 0.5),
        mad: median_abs_deviation(values)?,
        std_dev: variance.sqrt(),
        min: s[0],
        max: s[n - 1],
        mean_ci: sum_statistic(&items, |sum, n| sum[0] / n, resamples, seed)?.interval(level, Method::Percentile)?,
        median_ci: quantile_ci(values, 0.5, level, resamples, seed)?,
        outliers: tukey_outliers(values)?,
    })
}

/// Throughput Σwork / Σseconds over repetitions (a ratio of sums, not a mean of rates), with
/// a percentile-bootstrap interval over repetitions.
pub fn throughput(work: &[f64], seconds: &[f64], level: f64, resamples: usize, seed: u64) -> Result<(f64, Interval), StatsError> {
    if work.len() != seconds.len() {
        return Err(StatsError::LengthMismatch);
    }
    if seconds.iter().any(|&s| s <= 0.0) {
        return Err(StatsError::BadArgument("every repetition must take a positive time"));
    }
    let items: Vec<[f64; 2]> = work.iter().zip(seconds).map(|(&w, &s)| [w, s]).collect();
    let d = sum_statistic(&items, |sum, _| sum[0] / sum[1], resamples, seed)?;
    Ok((d.value, d.interval(level, Method::Percentile)?))
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Percentiles {
    pub p50: f64,
    pub p90: f64,
    pub p99: f64,
}

pub fn percentiles(values: &[f64]) -> Result<Percentiles, StatsError> {
    check_samples(values)?;
    let s = sorted(values);
    Ok(Percentiles { p50: quantile_sorted(&s, 0.5), p90: quantile_sorted(&s, 0.9), p99: quantile_sorted(&s, 0.99) })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn outliers_are_classified_like_criterion() {
        let mut v: Vec<f64> = (0..20).map(|i| 10.0 + (i % 5) as f64 * 0.1).collect();
        v.push(10.9); // mild: IQR is 0.2, fence at q3 + 0.3
        v.push(50.0); // severe
        v.push(1.0); // severe, low
        let o = tukey_outliers(&v).unwrap();
        assert_eq!((o.low_severe, o.low_mild, o.high_mild, o.high_severe), (1, 0, 1, 1));
    }

    #[test]
    fn summary_of_constant_timings_is_exact() {
        let s = summarise(&[2.0; 8], 0.95, 200, 1).unwrap();
        assert_eq!((s.mean, s.median, s.mad, s.std_dev), (2.0, 2.0, 0.0, 0.0));
        assert_eq!((s.median_ci.low, s.median_ci.high), (2.0, 2.0));
    }

    #[test]
    fn throughput_is_a_ratio_of_sums() {
        let (value, ci) = throughput(&[100.0, 100.0], &[1.0, 3.0], 0.95, 500, 1).unwrap();
        assert!((value - 50.0).abs() < 1e-12);
        assert!(ci.low <= value && value <= ci.high);
        assert!(throughput(&[1.0], &[0.0], 0.95, 10, 1).is_err());
    }

    #[test]
    fn percentiles_interpolate() {
        let v: Vec<f64> = (1..=100).map(f64::from).collect();
        let p = percentiles(&v).unwrap();
        assert!((p.p50 - 50.5).abs() < 1e-12 && (p.p90 - 90.1).abs() < 1e-12 && (p.p99 - 99.01).abs() < 1e-9);
        assert_eq!(percentiles(&[]), Err(StatsError::Empty));
    }
}
