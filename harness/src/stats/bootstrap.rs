//! Bootstrap intervals over items.
//!
//! Every statistic here is a function of column sums over items: a mean (Σx / n), a ratio of
//! sums (WER = Σerrors / Σwords, never a mean of per-item rates), or a paired difference of
//! either. Resampling then only has to accumulate sums, and the jackknife that BCa needs is
//! "total minus one item". Resample `r` draws from its own stream `Rng::stream(seed, r)`, so a
//! seed gives the same interval on any number of threads.

use super::rng::Rng;
use super::special::{normal_cdf, normal_quantile};
use super::{check_level, quantile_sorted, Interval, StatsError};
use rayon::prelude::*;
use serde::{Deserialize, Serialize};

pub const DEFAULT_RESAMPLES: usize = 10_000;
/// The fewest resamples a user may ask for: with fewer, a 95% interval's ends rest on a handful
/// of resamples and move with the seed.
pub const MIN_RESAMPLES: usize = 1_000;
/// The most resamples a user may ask for: beyond it an interval's ends move by less than the
/// printed digits, while the time grows without bound (a typo of a few zeros would hang a check).
pub const MAX_RESAMPLES: usize = 1_000_000;

/// Refuses a user's resample count outside `MIN_RESAMPLES..=MAX_RESAMPLES`, saying why.
pub fn check_resamples(resamples: usize) -> Result<(), String> {
    if resamples < MIN_RESAMPLES {
        return Err(format!("at least {MIN_RESAMPLES} resamples are needed for a confidence interval"));
    }
    if resamples > MAX_RESAMPLES {
        return Err(format!("at most {MAX_RESAMPLES} resamples: more change no printed digit and only take longer"));
    }
    Ok(())
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Method {
    Percentile,
    Bca,
}

impl Method {
    pub fn name(self) -> &'static str {
        match self {
            Method::Percentile => "percentile-bootstrap",
            Method::Bca => "bca-bootstrap",
        }
    }
}

/// A statistic's bootstrap distribution: enough to give intervals at any level and p-values.
#[derive(Debug, Clone, PartialEq)]
pub struct Distribution {
    /// The statistic on the observed items.
    pub value: f64,
    /// The statistic on each resample, sorted ascending.
    pub resamples: Vec<f64>,
    /// Leave-one-out values, for BCa's acceleration.
    pub jackknife: Vec<f64>,
    pub seed: u64,
}

/// Runs `f` once per resample, in parallel, each with its own deterministic stream.
pub fn resample_parallel<T: Send>(resamples: usize, seed: u64, f: impl Fn(&mut Rng) -> T + Sync) -> Vec<T> {
    (0..resamples).into_par_iter().map(|r| f(&mut Rng::stream(seed, r as u64))).collect()
}

/// Column sums of `resamples` bootstrap resamples of `items`.
pub fn resample_sums<const K: usize>(items: &[[f64; K]], resamples: usize, seed: u64) -> Vec<[f64; K]> {
    let n = items.len() as u64;
    // Counts (errors, words, right/wrong) are small non-negative integers: summing them as
    // integers from a compact copy is exact, so it gives the same sums, only faster.
    let counts: Option<Vec<[u32; K]>> = items
        .iter()
        .map(|item| {
            let mut packed = [0u32; K];
            for k in 0..K {
                let v = item[k];
                if !(v >= 0.0 && v <= f64::from(u32::MAX) && v.fract() == 0.0) {
                    return None;
                }
                packed[k] = v as u32;
            }
            Some(packed)
        })
        .collect();
    match counts {
        Some(counts) => resample_parallel(resamples, seed, |rng| {
            let mut sums = [0u64; K];
            rng.for_each_index(n, n, |i| {
                for k in 0..K {
                    sums[k] += u64::from(counts[i][k]);
                }
            });
            sums.map(|s| s as f64)
        }),
        None => resample_parallel(resamples, seed, |rng| {
            let mut sums = [0.0; K];
            rng.for_each_index(n, n, |i| {
                for k in 0..K {
                    sums[k] += items[i][k];
                }
            });
            sums
        }),
    }
}

/// Bootstrap distribution of `statistic(column sums, item count)` over `items`.
pub fn sum_statistic<const K: usize>(
    items: &[[f64; K]],
    statistic: impl Fn(&[f64; K], f64) -> f64 + Sync,
    resamples: usize,
    seed: u64,
) -> Result<Distribution, StatsError> {
    if items.is_empty() {
        return Err(StatsError::Empty);
    }
    if items.iter().flatten().any(|v| !v.is_finite()) {
        return Err(StatsError::NonFinite);
    }
    let n = items.len() as f64;
    let mut total = [0.0; K];
    for item in items {
        for k in 0..K {
            total[k] += item[k];
        }
    }
    let value = statistic(&total, n);
    if !value.is_finite() {
        return Err(StatsError::Undefined);
    }
    let mut values: Vec<f64> = resample_sums(items, resamples.max(1), seed).iter().map(|sums| statistic(sums, n)).collect();
    if values.iter().any(|v| !v.is_finite()) {
        // e.g. a resample whose denominator is zero: the interval would be meaningless.
        return Err(StatsError::Undefined);
    }
    values.sort_by(f64::total_cmp);
    let jackknife = items
        .iter()
        .map(|item| {
            let mut rest = total;
            for k in 0..K {
                rest[k] -= item[k];
            }
            statistic(&rest, n - 1.0)
        })
        .collect();
    Ok(Distribution { value, resamples: values, jackknife, seed })
}

impl Distribution {
    pub fn interval(&self, level: f64, method: Method) -> Result<Interval, StatsError> {
        check_level(level)?;
        let alpha = 1.0 - level;
        let (low_p, high_p) = match method {
            Method::Percentile => (alpha / 2.0, 1.0 - alpha / 2.0),
            Method::Bca => bca_levels(self.value, &self.resamples, &self.jackknife, alpha),
        };
        Ok(Interval {
            low: quantile_sorted(&self.resamples, low_p),
            high: quantile_sorted(&self.resamples, high_p),
            level,
            method: method.name().to_string(),
            resamples: Some(self.resamples.len()),
            seed: Some(self.seed),
        })
    }

    /// One-sided bootstrap p-value for "the true value is at most `threshold`":
    /// (#{θ* ≤ threshold} + 1) / (B + 1). Small when the resamples sit above the threshold.
    pub fn p_at_most(&self, threshold: f64) -> f64 {
        let at_most = self.resamples.partition_point(|&v| v <= threshold);
        (at_most as f64 + 1.0) / (self.resamples.len() as f64 + 1.0)
    }
}

/// BCa's adjusted percentile levels (Efron 1987), computed as scipy.stats.bootstrap does.
pub fn bca_levels(value: f64, sorted: &[f64], jackknife: &[f64], alpha: f64) -> (f64, f64) {
    let b = sorted.len() as f64;
    let below = sorted.partition_point(|&v| v < value) as f64;
    let at_or_below = sorted.partition_point(|&v| v <= value) as f64;
    // A distribution entirely on one side would give an infinite bias correction; keep it finite.
    let proportion = ((below + at_or_below) / (2.0 * b)).clamp(0.5 / b, 1.0 - 0.5 / b);
    let z0 = normal_quantile(proportion);
    let finite: Vec<f64> = jackknife.iter().copied().filter(|v| v.is_finite()).collect();
    let acceleration = if finite.len() < 2 {
        0.0
    } else {
        let mean = finite.iter().sum::<f64>() / finite.len() as f64;
        let num: f64 = finite.iter().map(|v| (mean - v).powi(3)).sum();
        let den: f64 = finite.iter().map(|v| (mean - v).powi(2)).sum::<f64>().powf(1.5) * 6.0;
        if den > 0.0 {
            num / den
        } else {
            0.0
        }
    };
    let adjust = |z_alpha: f64| normal_cdf(z0 + (z0 + z_alpha) / (1.0 - acceleration * (z0 + z_alpha)));
    (adjust(normal_quantile(alpha / 2.0)), adjust(normal_quantile(1.0 - alpha / 2.0)))
}

/// Interval and estimate of the mean of per-item values.
pub fn mean_ci(values: &[f64], level: f64, resamples: usize, seed: u64) -> Result<Interval, StatsError> {
    let items: Vec<[f64; 1]> = values.iter().map(|&v| [v]).collect();
    sum_statistic(&items, |s, n| s[0] / n, resamples, seed)?.interval(level, Method::Percentile)
}

/// Interval of a ratio of sums Σnumerator / Σdenominator (e.g. corpus WER), resampling items.
pub fn ratio_of_sums(numerator: &[f64], denominator: &[f64], resamples: usize, seed: u64) -> Result<Distribution, StatsError> {
    if numerator.len() != denominator.len() {
        return Err(StatsError::LengthMismatch);
    }
    let items: Vec<[f64; 2]> = numerator.iter().zip(denominator).map(|(&a, &b)| [a, b]).collect();
    sum_statistic(&items, |s, _| s[0] / s[1], resamples, seed)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn resample_counts_are_bounded_on_both_sides() {
        assert!(check_resamples(MIN_RESAMPLES - 1).is_err());
        assert!(check_resamples(MIN_RESAMPLES).is_ok());
        assert!(check_resamples(MAX_RESAMPLES).is_ok());
        assert!(check_resamples(MAX_RESAMPLES + 1).unwrap_err().contains("at most"));
    }

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
    fn same_seed_same_interval_on_any_thread_count() {
        let values: Vec<f64> = (0..500).map(|i| ((i * 37) % 11) as f64).collect();
        let one = rayon::ThreadPoolBuilder::new().num_threads(1).build().unwrap().install(|| mean_ci(&values, 0.9, 3000, 5).unwrap());
        let four = rayon::ThreadPoolBuilder::new().num_threads(4).build().unwrap().install(|| mean_ci(&values, 0.9, 3000, 5).unwrap());
        assert_eq!(one, four);
    }

    #[test]
    fn integer_and_float_paths_draw_the_same_resamples() {
        let counts: Vec<[f64; 2]> = (0..300).map(|i| [(i % 4) as f64, (i % 9) as f64]).collect();
        let shifted: Vec<[f64; 2]> = counts.iter().map(|c| [c[0] + 0.5, c[1] + 0.25]).collect();
        let fast = resample_sums(&counts, 50, 3);
        let slow = resample_sums(&shifted, 50, 3);
        for (f, s) in fast.iter().zip(&slow) {
            assert!((f[0] + 150.0 - s[0]).abs() < 1e-9 && (f[1] + 75.0 - s[1]).abs() < 1e-9);
        }
    }

    #[test]
    fn constant_samples_give_a_point_interval() {
        let ci = mean_ci(&[1.0; 10], 0.95, 100, 1).unwrap();
        assert_eq!((ci.low, ci.high), (1.0, 1.0));
        let items = [[2.0]; 10];
        let bca = sum_statistic(&items, |s, n| s[0] / n, 100, 1).unwrap().interval(0.95, Method::Bca).unwrap();
        assert_eq!((bca.low, bca.high), (2.0, 2.0));
    }

    #[test]
    fn ratio_of_sums_is_not_a_mean_of_ratios() {
        // Two utterances: 1 error in 1 word, 0 errors in 9 words: WER 0.1, not 0.5.
        let d = ratio_of_sums(&[1.0, 0.0], &[1.0, 9.0], 100, 1).unwrap();
        assert!((d.value - 0.1).abs() < 1e-15);
    }

    #[test]
    fn bad_input_is_an_error_not_nan() {
        assert_eq!(mean_ci(&[], 0.95, 10, 1), Err(StatsError::Empty));
        assert_eq!(mean_ci(&[f64::INFINITY], 0.95, 10, 1), Err(StatsError::NonFinite));
        assert_eq!(mean_ci(&[1.0], 1.5, 10, 1), Err(StatsError::BadLevel));
        assert_eq!(ratio_of_sums(&[1.0], &[0.0], 10, 1).unwrap_err(), StatsError::Undefined);
        assert_eq!(ratio_of_sums(&[1.0], &[1.0, 2.0], 10, 1).unwrap_err(), StatsError::LengthMismatch);
    }
}
