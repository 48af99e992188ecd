//! Power and minimum detectable effect: how many items a claim needs, and what a test set can
//! resolve.

use super::bootstrap::resample_parallel;
use super::special::normal_quantile;
use super::StatsError;
use serde::{Deserialize, Serialize};

fn check_alpha_power(alpha: f64, power: f64) -> Result<(), StatsError> {
    if !(alpha > 0.0 && alpha < 1.0 && power > 0.0 && power < 1.0) {
        return Err(StatsError::BadArgument("alpha and power must lie strictly between 0 and 1"));
    }
    Ok(())
}

/// Pairs needed for a two-sided McNemar test at level `alpha` to detect, with probability
/// `power`, that B is right more often than A, given the probabilities that only A is right
/// and that only B is right (Connor 1987, normal approximation).
pub fn mcnemar_sample_size(p_only_a: f64, p_only_b: f64, alpha: f64, power: f64) -> Result<u64, StatsError> {
    check_alpha_power(alpha, power)?;
    let discordant = p_only_a + p_only_b;
    let effect = p_only_b - p_only_a;
    if !(p_only_a >= 0.0 && p_only_b >= 0.0 && discordant <= 1.0) || effect <= 0.0 {
        return Err(StatsError::BadArgument("needs 0 <= p_only_a < p_only_b with p_only_a + p_only_b <= 1"));
    }
    let z_a = normal_quantile(1.0 - alpha / 2.0);
    let z_b = normal_quantile(power);
    let n = (z_a * discordant.sqrt() + z_b * (discordant - effect * effect).sqrt()).powi(2) / (effect * effect);
    Ok(n.ceil() as u64)
}

/// Smallest improvement in accuracy (p_only_b − p_only_a) that `n` pairs detect with the given
/// power, for a discordance rate (share of items the systems disagree on).
pub fn mcnemar_mde(n: u64, discordance: f64, alpha: f64, power: f64) -> Result<f64, StatsError> {
    check_alpha_power(alpha, power)?;
    if n == 0 || !(discordance > 0.0 && discordance <= 1.0) {
        return Err(StatsError::BadArgument("needs n > 0 and a discordance rate in (0, 1]"));
    }
    let needed = |effect: f64| mcnemar_sample_size((discordance - effect) / 2.0, (discordance + effect) / 2.0, alpha, power);
    // Needed pairs fall as the effect grows; bisect on the effect.
    let (mut lo, mut hi) = (0.0f64, discordance);
    if needed(hi * (1.0 - 1e-12))? > n {
        return Ok(f64::INFINITY);
    }
    for _ in 0..100 {
        let mid = 0.5 * (lo + hi);
        if needed(mid)? > n {
            lo = mid;
        } else {
            hi = mid;
        }
    }
    Ok(hi)
}

/// Per-item data of a pilot comparison of a ratio-of-sums metric such as WER:
/// `[errors of A, errors of B, reference words]` per utterance.
pub type RatioPilot = [f64; 3];

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Mde {
    /// In the metric's units (e.g. WER points as a fraction).
    pub absolute: f64,
    /// As a share of A's value.
    pub relative: f64,
}

/// Improvement (A − B) / Σwords and its delta-method standard error for a set of utterances.
fn ratio_estimate(items: &[RatioPilot]) -> Option<(f64, f64, f64)> {
    let words: f64 = items.iter().map(|i| i[2]).sum();
    if words <= 0.0 {
        return None;
    }
    let a: f64 = items.iter().map(|i| i[0]).sum();
    let d = items.iter().map(|i| i[0] - i[1]).sum::<f64>() / words;
    let residual: f64 = items.iter().map(|i| (i[0] - i[1] - d * i[2]).powi(2)).sum();
    Some((d, residual.sqrt() / words, a / words))
}

/// Minimum detectable WER improvement for a test set of `n_items` utterances like the pilot's.
pub fn ratio_mde(pilot: &[RatioPilot], n_items: usize, alpha: f64, power: f64) -> Result<Mde, StatsError> {
    check_alpha_power(alpha, power)?;
    if pilot.len() < 2 || n_items == 0 {
        return Err(StatsError::Empty);
    }
    let (_, se, base) = ratio_estimate(pilot).ok_or(StatsError::Undefined)?;
    let se_n = se * (pilot.len() as f64 / n_items as f64).sqrt();
    let absolute = (normal_quantile(1.0 - alpha / 2.0) + normal_quantile(power)) * se_n;
    Ok(Mde { absolute, relative: if base > 0.0 { absolute / base } else { f64::INFINITY } })
}

/// Probability that a test set of `n_items` utterances drawn like the pilot shows an absolute
/// improvement above `threshold` at two-sided level `alpha`, by simulation: draw the set from
/// the pilot, estimate, and test with the delta-method interval.
pub fn ratio_power(
    pilot: &[RatioPilot],
    n_items: usize,
    threshold: f64,
    alpha: f64,
    simulations: usize,
    seed: u64,
) -> Result<f64, StatsError> {
    if pilot.is_empty() || n_items == 0 {
        return Err(StatsError::Empty);
    }
    if !(alpha > 0.0 && alpha < 1.0) {
        return Err(StatsError::BadLevel);
    }
    let z = normal_quantile(1.0 - alpha / 2.0);
    let n = pilot.len() as u64;
    let hits = resample_parallel(simulations.max(1), seed, |rng| {
        let sample: Vec<RatioPilot> = (0..n_items).map(|_| pilot[rng.below(n) as usize]).collect();
        ratio_estimate(&sample).is_some_and(|(d, se, _)| d - z * se > threshold)
    });
    Ok(hits.iter().filter(|&&h| h).count() as f64 / hits.len() as f64)
}

/// Smallest number of utterances whose simulated power reaches `power`, or `None` if even
/// `max_items` do not.
pub fn ratio_sample_size(
    pilot: &[RatioPilot],
    threshold: f64,
    alpha: f64,
    power: f64,
    simulations: usize,
    seed: u64,
    max_items: usize,
) -> Result<Option<usize>, StatsError> {
    check_alpha_power(alpha, power)?;
    let reaches = |n: usize| ratio_power(pilot, n, threshold, alpha, simulations, seed).map(|p| p >= power);
    if !reaches(max_items)? {
        return Ok(None);
    }
    let (mut lo, mut hi) = (0usize, max_items);
    while hi - lo > 1 {
        let mid = lo + (hi - lo) / 2;
        if reaches(mid)? {
            hi = mid;
        } else {
            lo = mid;
        }
    }
    Ok(Some(hi))
}

/// Items needed for an interval like `[low, high]` from `n` items, narrowing as 1/√n, to clear
/// `threshold` on one side at the current estimate: the answer to "how many more items would
/// settle this inconclusive claim?". `None` when the estimate sits on the threshold.
pub fn items_to_resolve(n: usize, estimate: f64, low: f64, high: f64, threshold: f64) -> Option<usize> {
    let half_width = (high - low) / 2.0;
    let distance = (estimate - threshold).abs();
    if n == 0 || !(half_width.is_finite() && distance.is_finite()) || distance == 0.0 {
        return None;
    }
    // The tolerance keeps an exact 400.0000001 from becoming 401.
    Some(((n as f64) * (half_width / distance).powi(2) - 1e-9).ceil() as usize)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn items_to_resolve_scales_with_the_square_of_the_gap() {
        // Half width 0.1 at n = 100, 0.05 above the threshold: 400 items narrow it to 0.05.
        assert_eq!(items_to_resolve(100, 0.30, 0.20, 0.40, 0.25), Some(400));
        assert_eq!(items_to_resolve(100, 0.30, 0.20, 0.40, 0.30), None);
    }

    #[test]
    fn mcnemar_sample_size_grows_as_the_effect_shrinks() {
        let big = mcnemar_sample_size(0.05, 0.15, 0.05, 0.8).unwrap();
        let small = mcnemar_sample_size(0.08, 0.12, 0.05, 0.8).unwrap();
        assert!(small > big * 4, "{small} vs {big}");
        // Hand computation: ψ = 0.2, δ = 0.1 → (1.95996·0.44721 + 0.84162·0.43589)² / 0.01 = 154.3.
        assert_eq!(big, 155);
        let mde = mcnemar_mde(big, 0.2, 0.05, 0.8).unwrap();
        assert!((mde - 0.1).abs() < 1e-3, "{mde}");
        assert!(mcnemar_sample_size(0.2, 0.1, 0.05, 0.8).is_err());
    }

    #[test]
    fn ratio_power_rises_with_items_and_sample_size_is_consistent() {
        // A: 2 errors in 10 words; B: 1 or 2 errors, so B is better on average.
        let pilot: Vec<RatioPilot> = (0..50).map(|i| [2.0, if i % 2 == 0 { 1.0 } else { 2.0 }, 10.0]).collect();
        let few = ratio_power(&pilot, 10, 0.0, 0.05, 400, 1).unwrap();
        let many = ratio_power(&pilot, 200, 0.0, 0.05, 400, 1).unwrap();
        assert!(few < many && many > 0.95, "{few} {many}");
        let n = ratio_sample_size(&pilot, 0.0, 0.05, 0.8, 400, 1, 1000).unwrap().unwrap();
        assert!(ratio_power(&pilot, n, 0.0, 0.05, 400, 1).unwrap() >= 0.8);
        let mde = ratio_mde(&pilot, 200, 0.05, 0.8).unwrap();
        assert!(mde.absolute > 0.0 && mde.absolute < 0.05 && (mde.relative - mde.absolute / 0.2).abs() < 1e-12);
    }
}
