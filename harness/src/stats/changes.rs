//! Change detection over a history of runs: every point is tested against a window of the
//! points before it, item by item, and Benjamini–Hochberg controls false alarms across all
//! tests of all series and metrics. Consecutive flagged points form one change, located at
//! its first point, so every step in a series is found, not only the last one.

use super::multiple::benjamini_hochberg;
use super::special::normal_cdf;
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PointTest {
    /// Position in the series.
    pub index: usize,
    /// Mean over items of (this point − the window's mean for the item).
    pub change: f64,
    /// Two-sided p-value of a paired z-test on the per-item differences.
    pub p_value: f64,
}

/// Tests each point of `series` (per-item values, aligned by item across points) against the
/// per-item mean of the `window` points before it. The pairing removes item difficulty from
/// the noise; the window averages out one run's luck. The first `window` points only serve as
/// baseline: a shorter baseline would be too noisy to test against.
pub fn window_tests(series: &[Vec<f64>], window: usize) -> Vec<PointTest> {
    let window = window.max(1);
    (window..series.len())
        .filter_map(|i| {
            let previous = &series[i - window..i];
            let items = series[i].len();
            if items < 2 || previous.iter().any(|p| p.len() != items) {
                return None;
            }
            let diffs: Vec<f64> =
                (0..items).map(|j| series[i][j] - previous.iter().map(|p| p[j]).sum::<f64>() / previous.len() as f64).collect();
            let n = diffs.len() as f64;
            let mean = diffs.iter().sum::<f64>() / n;
            let variance = diffs.iter().map(|d| (d - mean).powi(2)).sum::<f64>() / (n - 1.0);
            let p_value = if variance > 0.0 {
                let z = mean / (variance / n).sqrt();
                (2.0 * normal_cdf(-z.abs())).min(1.0)
            } else if mean == 0.0 {
                1.0
            } else {
                0.0
            };
            Some(PointTest { index: i, change: mean, p_value })
        })
        .collect()
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Change {
    /// First and last flagged point of the change.
    pub start: usize,
    pub end: usize,
    /// The change at its first point (positive = the value went up).
    pub change: f64,
    /// Smallest BH-adjusted p-value among its points.
    pub adjusted_p: f64,
}

/// Flags points whose BH-adjusted p-value is at most `fdr`, across every series given, and
/// merges flagged points of the same sign less than `window` apart into one change.
pub fn detect(tests: &[Vec<PointTest>], fdr: f64, window: usize) -> Vec<Vec<Change>> {
    let all: Vec<f64> = tests.iter().flatten().map(|t| t.p_value).collect();
    let adjusted = benjamini_hochberg(&all).unwrap_or_else(|_| vec![1.0; all.len()]);
    let mut offset = 0;
    tests
        .iter()
        .map(|series| {
            let mut changes: Vec<Change> = Vec::new();
            for (k, test) in series.iter().enumerate() {
                let p = adjusted[offset + k];
                if p > fdr {
                    continue;
                }
                match changes.last_mut() {
                    Some(last) if test.index - last.end < window.max(1) && last.change.signum() == test.change.signum() => {
                        last.end = test.index;
                        last.adjusted_p = last.adjusted_p.min(p);
                    }
                    _ => changes.push(Change { start: test.index, end: test.index, change: test.change, adjusted_p: p }),
                }
            }
            offset += series.len();
            changes
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::stats::rng::Rng;

    /// Per-item accuracy with item difficulty, and a per-item latency, for `runs` runs;
    /// `accuracy_step` and `latency_step` say where the level changes (if at all).
    fn history(
        seed: u64,
        runs: usize,
        items: usize,
        accuracy_step: Option<usize>,
        latency_step: Option<usize>,
    ) -> (Vec<Vec<f64>>, Vec<Vec<f64>>) {
        let mut rng = Rng::new(seed);
        let difficulty: Vec<f64> = (0..items).map(|_| 0.2 + 0.7 * rng.next_f64()).collect();
        let base_latency: Vec<f64> = (0..items).map(|_| 0.5 + 1.5 * rng.next_f64()).collect();
        let mut accuracy = Vec::new();
        let mut latency = Vec::new();
        for r in 0..runs {
            let drop = if accuracy_step.is_some_and(|s| r >= s) { 0.15 } else { 0.0 };
            let slower = if latency_step.is_some_and(|s| r >= s) { 1.3 } else { 1.0 };
            accuracy.push(difficulty.iter().map(|p| if rng.next_f64() < p - drop { 1.0 } else { 0.0 }).collect());
            // Multiplicative noise of about 10% per item and run.
            latency.push(base_latency.iter().map(|l| l * slower * (1.0 + 0.1 * (rng.next_f64() - 0.5) * 3.46)).collect());
        }
        (accuracy, latency)
    }

    #[test]
    fn both_injected_steps_are_found_at_the_right_runs() {
        let (accuracy, latency) = history(1, 60, 300, Some(20), Some(40));
        let tests = vec![window_tests(&accuracy, 5), window_tests(&latency, 5)];
        let found = detect(&tests, 0.05, 5);
        assert_eq!(found[0].len(), 1, "accuracy: {:?}", found[0]);
        assert_eq!((found[0][0].start, found[0][0].change < 0.0), (20, true));
        assert_eq!(found[1].len(), 1, "latency: {:?}", found[1]);
        assert_eq!((found[1][0].start, found[1][0].change > 0.0), (40, true));
    }

    #[test]
    fn two_steps_in_one_series_are_both_found() {
        let (mut accuracy, _) = history(2, 60, 300, Some(15), None);
        // A recovery at run 45: the second step of the same series.
        let (recovered, _) = history(2, 60, 300, None, None);
        accuracy[45..].clone_from_slice(&recovered[45..]);
        let found = detect(&[window_tests(&accuracy, 5)], 0.05, 5);
        let starts: Vec<(usize, bool)> = found[0].iter().map(|c| (c.start, c.change > 0.0)).collect();
        assert_eq!(starts, vec![(15, false), (45, true)]);
    }

    #[test]
    fn false_alarms_stay_within_the_fdr_on_noise() {
        let fdr = 0.05;
        let histories = 100;
        let alarms = (0..histories)
            .filter(|&h| {
                let (accuracy, latency) = history(1000 + h, 60, 300, None, None);
                let found = detect(&[window_tests(&accuracy, 5), window_tests(&latency, 5)], fdr, 5);
                found.iter().any(|changes| !changes.is_empty())
            })
            .count();
        assert!(alarms as f64 / histories as f64 <= fdr, "{alarms} of {histories} noise-only histories raised an alarm");
    }
}
