//! Summaries of repeated timings (speed suites) and of per-item latencies: the median with its
//! exact order-statistic interval, the mean with a bootstrap interval, spread, Tukey-fence
//! outliers (as criterion.rs classifies them), throughput with its interval, and latency
//! percentiles.

use super::bootstrap::{sum_statistic, Method};
use super::special::binom_pmf;
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
    /// None for a single value, which has no spread to resample.
    pub mean_ci: Option<Interval>,
    /// None for a single value (see [`median_order_ci`]).
    pub median_ci: Option<Interval>,
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

/// Name of the median's interval method.
pub const ORDER_STATISTIC: &str = "order-statistic";

/// The exact, distribution-free interval for the median of `values` (Conover, *Practical
/// Nonparametric Statistics*, 3.2): from the j-th smallest to the j-th largest value, which
/// covers the median with probability P(j ≤ B ≤ n − j) for B ~ Binomial(n, ½), j as large as
/// still reaches `level`. Too few values for `level` give the smallest and largest with the
/// confidence they do reach, stated as the interval's level (three values: 75%); one value gives
/// none. See [`quantile_order_ci`].
pub fn median_order_ci(values: &[f64], level: f64) -> Result<Interval, StatsError> {
    quantile_order_ci(values, 0.5, level)
}

/// The exact, distribution-free interval for the `q`-quantile of `values`: the narrowest pair
/// of order statistics x(j) ≤ x(k) whose coverage P(j ≤ B < k), B ~ Binomial(n, q), reaches
/// `level` (of equally narrow pairs, the one that covers most). With too few values, the
/// smallest and largest with the confidence they reach, stated as the interval's level.
pub fn quantile_order_ci(values: &[f64], q: f64, level: f64) -> Result<Interval, StatsError> {
    check_samples(values)?;
    check_level(level)?;
    if !(q > 0.0 && q < 1.0) {
        return Err(StatsError::BadArgument("the quantile must be strictly between 0 and 1"));
    }
    let n = values.len();
    if n < 2 {
        return Err(StatsError::BadArgument("one value has no interval"));
    }
    // below[i] = P(B < i), i = 0..=n+1.
    let mut below = vec![0.0; n + 2];
    for i in 0..=n {
        below[i + 1] = below[i] + binom_pmf(i as u64, n as u64, q);
    }
    let coverage = |j: usize, k: usize| (below[k] - below[j]).min(1.0);
    // (coverage, j, k) of the best pair so far; 1-based ranks, j < k.
    let mut best = (coverage(1, n), 1, n);
    // For each j the smallest k that reaches the level; a larger j never needs a smaller k, so
    // one pass does (latency lists run to 100,000 values).
    let mut k = 2;
    for j in 1..n {
        k = k.max(j + 1);
        while k <= n && coverage(j, k) < level {
            k += 1;
        }
        if k > n {
            break;
        }
        let (c, bj, bk) = best;
        if c < level || k - j < bk - bj || (k - j == bk - bj && coverage(j, k) > c) {
            best = (coverage(j, k), j, k);
        }
    }
    let s = sorted(values);
    Ok(Interval {
        low: s[best.1 - 1],
        high: s[best.2 - 1],
        level: best.0,
        method: ORDER_STATISTIC.to_string(),
        resamples: None,
        seed: None,
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
        mean_ci: if n > 1 {
            Some(sum_statistic(&items, |sum, n| sum[0] / n, resamples, seed)?.interval(level, Method::Percentile)?)
        } else {
            None
        },
        median_ci: median_order_ci(values, level).ok(),
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
        let ci = s.median_ci.unwrap();
        assert_eq!((ci.low, ci.high), (2.0, 2.0));
        let one = summarise(&[2.0], 0.95, 200, 1).unwrap();
        assert!(one.median_ci.is_none() && one.mean_ci.is_none(), "one run has no interval");
    }

    /// Conover's table: the pair and the confidence it reaches, for a 95% request.
    #[test]
    fn median_intervals_are_order_statistics_with_their_exact_confidence() {
        use crate::stats::special::binom_cdf;
        let values = |n: usize| (1..=n).map(|i| i as f64).collect::<Vec<f64>>();
        for (n, low, high, level) in [
            (2, 1.0, 2.0, 0.5),
            (3, 1.0, 3.0, 0.75),
            (5, 1.0, 5.0, 0.9375),
            (6, 1.0, 6.0, 0.96875),
            (10, 2.0, 9.0, 1.0 - 2.0 * 11.0 / 1024.0),
            (20, 6.0, 15.0, 1.0 - 2.0 * binom_cdf(5, 20, 0.5)),
        ] {
            let ci = median_order_ci(&values(n), 0.95).unwrap();
            assert_eq!((ci.low, ci.high, ci.method.as_str(), ci.seed), (low, high, ORDER_STATISTIC, None), "n = {n}");
            assert!((ci.level - level).abs() < 1e-12, "n = {n}: {} vs {level}", ci.level);
        }
        // n = 20 at j = 6 reaches 95.86%; j = 7 would reach only 88.5%.
        assert!((1.0 - 2.0 * binom_cdf(5, 20, 0.5) - 0.958_610_5).abs() < 1e-6);
        assert!(median_order_ci(&[1.0], 0.95).is_err());
        // Order, not position: the same values shuffled give the same interval.
        assert_eq!(median_order_ci(&[5.0, 1.0, 4.0, 2.0, 3.0], 0.9).unwrap(), median_order_ci(&values(5), 0.9).unwrap());
    }

    /// The 90th percentile of 100 values: the narrowest pair around rank 90 whose binomial
    /// coverage (p = 0.9) reaches 95%, checked against the coverage summed here directly.
    #[test]
    fn a_high_percentile_gets_an_asymmetric_order_statistic_interval() {
        use crate::stats::special::binom_pmf;
        let values: Vec<f64> = (1..=100).map(f64::from).collect();
        let ci = quantile_order_ci(&values, 0.9, 0.95).unwrap();
        let (j, k) = (ci.low as u64, ci.high as u64);
        let cover = |j: u64, k: u64| (j..k).map(|i| binom_pmf(i, 100, 0.9)).sum::<f64>();
        assert!((cover(j, k) - ci.level).abs() < 1e-12 && ci.level >= 0.95, "{ci:?}");
        assert!(j < 90 && 90 < k && k <= 100, "{ci:?}");
        // No narrower pair reaches 95%.
        for a in 1..100u64 {
            let b = a + (k - j) - 1;
            assert!(b > 100 || cover(a, b) < 0.95, "({a}, {b}) is narrower and covers {}", cover(a, b));
        }
        assert!(quantile_order_ci(&values, 1.0, 0.95).is_err());
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
