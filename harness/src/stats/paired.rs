//! Comparisons of two systems on the same items: improvement estimates with paired-bootstrap
//! intervals, exact McNemar for right/wrong outcomes, and a paired permutation test.
//!
//! Sign convention: an improvement is positive when B (the candidate) is better than A (the
//! baseline). Absolute: B − A when higher is better, A − B when lower is better. Relative: the
//! same difference divided by A, so "20% lower WER" is a relative improvement of 0.20 and
//! "28% higher accuracy" one of 0.28.

use super::bootstrap::{resample_parallel, sum_statistic, Distribution};
use super::special::{binom_cdf, binom_pmf};
use super::StatsError;
use serde::{Deserialize, Serialize};
use std::collections::HashMap;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Direction {
    Higher,
    Lower,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Scale {
    Absolute,
    Relative,
}

/// Improvement of `b` over `a` under the module's sign convention.
pub fn improvement(a: f64, b: f64, direction: Direction, scale: Scale) -> f64 {
    let diff = match direction {
        Direction::Higher => b - a,
        Direction::Lower => a - b,
    };
    match scale {
        Scale::Absolute => diff,
        Scale::Relative => diff / a,
    }
}

/// Lines up two runs' per-item values by id, in A's order. Items missing from either side or
/// listed twice are an error: dropping them silently would bias the comparison.
pub fn pair_by_id<T: Copy>(a: &[(&str, T)], b: &[(&str, T)]) -> Result<Vec<(T, T)>, StatsError> {
    let mut b_by_id: HashMap<&str, T> = HashMap::with_capacity(b.len());
    for &(id, value) in b {
        if b_by_id.insert(id, value).is_some() {
            return Err(StatsError::DuplicateId(id.to_string()));
        }
    }
    let mut seen: HashMap<&str, ()> = HashMap::with_capacity(a.len());
    let mut pairs = Vec::with_capacity(a.len());
    let mut only_in_a = Vec::new();
    for &(id, value) in a {
        if seen.insert(id, ()).is_some() {
            return Err(StatsError::DuplicateId(id.to_string()));
        }
        match b_by_id.get(id) {
            Some(&other) => pairs.push((value, other)),
            None => only_in_a.push(id.to_string()),
        }
    }
    let only_in_b: Vec<String> = b.iter().filter(|(id, _)| !seen.contains_key(id)).map(|(id, _)| id.to_string()).collect();
    if !only_in_a.is_empty() || !only_in_b.is_empty() {
        return Err(StatsError::Unpaired { only_in_a, only_in_b });
    }
    Ok(pairs)
}

/// Paired-bootstrap distribution of the improvement in the mean of per-item scores.
pub fn mean_improvement(
    a: &[f64],
    b: &[f64],
    direction: Direction,
    scale: Scale,
    resamples: usize,
    seed: u64,
) -> Result<Distribution, StatsError> {
    if a.len() != b.len() {
        return Err(StatsError::LengthMismatch);
    }
    let items: Vec<[f64; 2]> = a.iter().zip(b).map(|(&x, &y)| [x, y]).collect();
    sum_statistic(&items, move |s, n| improvement(s[0] / n, s[1] / n, direction, scale), resamples, seed)
}

/// Paired-bootstrap distribution of the improvement in a ratio of sums over shared
/// denominators, e.g. WER with per-utterance errors of A and B over reference words. Resampling
/// whole utterances keeps the pairing (the matched-pairs design of sclite's MAPSSWE).
pub fn ratio_improvement(
    numerator_a: &[f64],
    numerator_b: &[f64],
    denominator: &[f64],
    direction: Direction,
    scale: Scale,
    resamples: usize,
    seed: u64,
) -> Result<Distribution, StatsError> {
    linked_ratio_improvement(numerator_a, numerator_b, denominator, |x| x, direction, scale, resamples, seed)
}

/// [`ratio_improvement`] of a figure that is an increasing function `link` of the ratio, e.g. a
/// perplexity, `exp` of the negative log-likelihood per word.
#[allow(clippy::too_many_arguments)]
pub fn linked_ratio_improvement(
    numerator_a: &[f64],
    numerator_b: &[f64],
    denominator: &[f64],
    link: fn(f64) -> f64,
    direction: Direction,
    scale: Scale,
    resamples: usize,
    seed: u64,
) -> Result<Distribution, StatsError> {
    if numerator_a.len() != numerator_b.len() || numerator_a.len() != denominator.len() {
        return Err(StatsError::LengthMismatch);
    }
    let items: Vec<[f64; 3]> = (0..denominator.len()).map(|i| [numerator_a[i], numerator_b[i], denominator[i]]).collect();
    sum_statistic(&items, move |s, _| improvement(link(s[0] / s[2]), link(s[1] / s[2]), direction, scale), resamples, seed)
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct McNemar {
    /// Items only A got right.
    pub only_a_correct: u64,
    /// Items only B got right.
    pub only_b_correct: u64,
    /// Exact two-sided binomial p-value on the discordant pairs.
    pub p_exact: f64,
    /// Mid-p version (Fagerland et al. 2013): less conservative, close to nominal size.
    pub p_mid: f64,
}

pub fn mcnemar(a_correct: &[bool], b_correct: &[bool]) -> Result<McNemar, StatsError> {
    if a_correct.len() != b_correct.len() {
        return Err(StatsError::LengthMismatch);
    }
    if a_correct.is_empty() {
        return Err(StatsError::Empty);
    }
    let only_a = a_correct.iter().zip(b_correct).filter(|(&a, &b)| a && !b).count() as u64;
    let only_b = a_correct.iter().zip(b_correct).filter(|(&a, &b)| !a && b).count() as u64;
    let n = only_a + only_b;
    let k = only_a.min(only_b);
    let (p_exact, p_mid) = if n == 0 {
        (1.0, 1.0)
    } else {
        let tail = binom_cdf(k, n, 0.5);
        ((2.0 * tail).min(1.0), (2.0 * tail - binom_pmf(k, n, 0.5)).min(1.0))
    };
    Ok(McNemar { only_a_correct: only_a, only_b_correct: only_b, p_exact, p_mid })
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PermutationTest {
    /// Mean of B − A over items.
    pub statistic: f64,
    /// Two-sided p-value.
    pub p_value: f64,
    /// All 2^n sign patterns were enumerated (n ≤ 20); otherwise `resamples` random ones.
    pub exhaustive: bool,
    pub resamples: usize,
}

/// Largest n for which all 2^n sign flips are enumerated.
const EXHAUSTIVE_MAX_ITEMS: usize = 20;

/// Paired permutation test of "A and B score the same on each item": under the null each item's
/// difference is equally likely to have either sign. p-values follow scipy.stats.permutation_test
/// (two-sided = twice the smaller tail, +1 correction when sampled).
pub fn permutation(a: &[f64], b: &[f64], resamples: usize, seed: u64) -> Result<PermutationTest, StatsError> {
    if a.len() != b.len() {
        return Err(StatsError::LengthMismatch);
    }
    if a.is_empty() {
        return Err(StatsError::Empty);
    }
    let diffs: Vec<f64> = b.iter().zip(a).map(|(y, x)| y - x).collect();
    if diffs.iter().any(|d| !d.is_finite()) {
        return Err(StatsError::NonFinite);
    }
    let n = diffs.len();
    let mean_of =
        |signs: &dyn Fn(usize) -> bool| diffs.iter().enumerate().map(|(i, d)| if signs(i) { -d } else { *d }).sum::<f64>() / n as f64;
    let observed = mean_of(&|_| false);
    // Relative tolerance for ties, as scipy uses, so that rounding cannot split equal values.
    let gamma = (observed * 1e-14).abs();
    let (null, exhaustive): (Vec<f64>, bool) = if n <= EXHAUSTIVE_MAX_ITEMS {
        ((0u64..1 << n).map(|mask| mean_of(&|i| mask >> i & 1 == 1)).collect(), true)
    } else {
        let flipped = resample_parallel(resamples.max(1), seed, |rng| {
            let mut sum = 0.0;
            for d in &diffs {
                sum += if rng.next_u64() >> 63 == 1 { -d } else { *d };
            }
            sum / n as f64
        });
        (flipped, false)
    };
    let adjustment = if exhaustive { 0.0 } else { 1.0 };
    let count = null.len() as f64 + adjustment;
    let greater = (null.iter().filter(|&&t| t >= observed - gamma).count() as f64 + adjustment) / count;
    let less = (null.iter().filter(|&&t| t <= observed + gamma).count() as f64 + adjustment) / count;
    Ok(PermutationTest { statistic: observed, p_value: (2.0 * greater.min(less)).min(1.0), exhaustive, resamples: null.len() })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sign_conventions() {
        assert!((improvement(0.5, 0.64, Direction::Higher, Scale::Relative) - 0.28).abs() < 1e-12);
        assert!((improvement(0.10, 0.08, Direction::Lower, Scale::Relative) - 0.20).abs() < 1e-12);
        assert!((improvement(0.10, 0.08, Direction::Lower, Scale::Absolute) - 0.02).abs() < 1e-12);
        assert!(improvement(0.5, 0.4, Direction::Higher, Scale::Absolute) < 0.0);
    }

    #[test]
    fn pairing_refuses_unmatched_items() {
        let a = [("x", 1.0), ("y", 2.0)];
        let b = [("y", 3.0), ("x", 4.0)];
        assert_eq!(pair_by_id(&a, &b).unwrap(), vec![(1.0, 4.0), (2.0, 3.0)]);
        let err = pair_by_id(&a, &[("x", 1.0), ("z", 1.0)]).unwrap_err();
        assert_eq!(err, StatsError::Unpaired { only_in_a: vec!["y".into()], only_in_b: vec!["z".into()] });
        assert!(err.to_string().contains("1 only in A (y)"));
        assert_eq!(pair_by_id(&[("x", 1.0), ("x", 2.0)], &b).unwrap_err(), StatsError::DuplicateId("x".into()));
    }

    #[test]
    fn mcnemar_small_table() {
        // 1 item only A right, 6 only B right: p = 2 * P(X <= 1 | n=7) = 2 * 8/128.
        let a = [true, false, false, false, false, false, false, true];
        let b = [false, true, true, true, true, true, true, true];
        let m = mcnemar(&a, &b).unwrap();
        assert_eq!((m.only_a_correct, m.only_b_correct), (1, 6));
        assert!((m.p_exact - 0.125).abs() < 1e-12);
        assert!((m.p_mid - (0.125 - 7.0 / 128.0)).abs() < 1e-12);
        assert_eq!(mcnemar(&[true], &[true]).unwrap().p_exact, 1.0);
    }

    #[test]
    fn permutation_is_exhaustive_for_small_n_and_seeded_for_large() {
        let a = [0.0; 4];
        let b = [1.0; 4];
        // Only the all-plus pattern reaches a mean of 1: p = 2 × 1/16.
        let t = permutation(&a, &b, 0, 0).unwrap();
        assert!(t.exhaustive && (t.p_value - 0.125).abs() < 1e-12, "{t:?}");
        let a: Vec<f64> = (0..100).map(|i| (i % 7) as f64).collect();
        let b: Vec<f64> = a.iter().map(|x| x + 0.01).collect();
        let one = permutation(&a, &b, 999, 3).unwrap();
        assert_eq!(one, permutation(&a, &b, 999, 3).unwrap());
        assert!(!one.exhaustive && one.p_value > 0.0 && one.p_value <= 1.0);
    }
}
