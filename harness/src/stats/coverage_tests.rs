//! Monte-Carlo checks: simulate 1,000 data sets with a known truth and count how often the
//! nominal 95% interval covers it. Accepted: 93–97% (binomial noise at 1,000 trials is ±1.4%).

use super::bootstrap::{mean_ci, Method};
use super::paired::{mean_improvement, ratio_improvement, Direction, Scale};
use super::proportion::{clopper_pearson, wilson};
use super::rng::Rng;

const DATASETS: u64 = 1000;
const RESAMPLES: usize = 500;

fn coverage(mut covers: impl FnMut(u64) -> bool) -> f64 {
    (0..DATASETS).filter(|&d| covers(d)).count() as f64 / DATASETS as f64
}

fn assert_nominal(what: &str, c: f64) {
    assert!((0.93..=0.97).contains(&c), "{what}: 95% interval covered the truth in {:.1}% of data sets", c * 100.0);
}

fn bernoulli(rng: &mut Rng, p: f64) -> bool {
    rng.next_f64() < p
}

#[test]
fn proportion_intervals_cover() {
    let (p, n) = (0.3, 200u64);
    let counts: Vec<u64> = (0..DATASETS)
        .map(|d| {
            let mut rng = Rng::new(1000 + d);
            (0..n).filter(|_| bernoulli(&mut rng, p)).count() as u64
        })
        .collect();
    let wilson_cov = coverage(|d| {
        let ci = wilson(counts[d as usize], n, 0.95).unwrap();
        ci.low <= p && p <= ci.high
    });
    assert_nominal("wilson", wilson_cov);
    // Clopper–Pearson is conservative by design: at least nominal.
    let cp_cov = coverage(|d| {
        let ci = clopper_pearson(counts[d as usize], n, 0.95).unwrap();
        ci.low <= p && p <= ci.high
    });
    assert!((0.94..=0.99).contains(&cp_cov), "clopper-pearson coverage {cp_cov}");
}

#[test]
fn bootstrap_mean_covers() {
    let (p, n) = (0.3, 200);
    let c = coverage(|d| {
        let mut rng = Rng::new(2000 + d);
        let values: Vec<f64> = (0..n).map(|_| if bernoulli(&mut rng, p) { 1.0 } else { 0.0 }).collect();
        let ci = mean_ci(&values, 0.95, RESAMPLES, d).unwrap();
        ci.low <= p && p <= ci.high
    });
    assert_nominal("percentile bootstrap of a mean", c);
}

#[test]
fn bca_covers_a_skewed_mean() {
    // Exponential data with mean 1: skewed, where BCa's corrections matter.
    let n = 100;
    let c = coverage(|d| {
        let mut rng = Rng::new(3000 + d);
        let items: Vec<[f64; 1]> = (0..n).map(|_| [-(1.0 - rng.next_f64()).ln()]).collect();
        let ci = super::bootstrap::sum_statistic(&items, |s, n| s[0] / n, RESAMPLES, d).unwrap().interval(0.95, Method::Bca).unwrap();
        ci.low <= 1.0 && 1.0 <= ci.high
    });
    assert_nominal("BCa bootstrap of a skewed mean", c);
}

#[test]
fn paired_accuracy_improvement_covers() {
    // Correlated outcomes: B is right whenever A is, and on 10% of A's misses. Truth: +0.06.
    let (n, truth) = (300, 0.6 * 0.1);
    let c = coverage(|d| {
        let mut rng = Rng::new(4000 + d);
        let (mut a, mut b) = (Vec::with_capacity(n), Vec::with_capacity(n));
        for _ in 0..n {
            let a_right = bernoulli(&mut rng, 0.4);
            let b_right = a_right || bernoulli(&mut rng, 0.1);
            a.push(if a_right { 1.0 } else { 0.0 });
            b.push(if b_right { 1.0 } else { 0.0 });
        }
        let ci =
            mean_improvement(&a, &b, Direction::Higher, Scale::Absolute, RESAMPLES, d).unwrap().interval(0.95, Method::Percentile).unwrap();
        ci.low <= truth && truth <= ci.high
    });
    assert_nominal("paired bootstrap of an accuracy improvement", c);
}

#[test]
fn relative_wer_reduction_covers() {
    // Utterances of 5–20 words; A errs on 20% of words, B on 15%: a 25% relative reduction.
    let (n, truth) = (300, 0.25);
    let c = coverage(|d| {
        let mut rng = Rng::new(5000 + d);
        let (mut ea, mut eb, mut words) = (Vec::new(), Vec::new(), Vec::new());
        for _ in 0..n {
            let w = 5 + rng.below(16);
            let (mut x, mut y) = (0.0, 0.0);
            for _ in 0..w {
                let u = rng.next_f64();
                // Shared difficulty: B errs only where A does (or nearly), as real systems do.
                if u < 0.20 {
                    x += 1.0;
                }
                if u < 0.15 {
                    y += 1.0;
                }
            }
            ea.push(x);
            eb.push(y);
            words.push(w as f64);
        }
        let ci = ratio_improvement(&ea, &eb, &words, Direction::Lower, Scale::Relative, RESAMPLES, d)
            .unwrap()
            .interval(0.95, Method::Percentile)
            .unwrap();
        ci.low <= truth && truth <= ci.high
    });
    assert_nominal("paired bootstrap of a relative WER reduction", c);
}

#[test]
fn order_statistic_median_interval_covers_at_least_its_stated_level() {
    // Exponential timings (median ln 2), nine runs: distribution-free, so at least the level
    // it states (96.1% for nine values), never below it by more than the simulation's noise.
    let n = 9;
    let mut stated = 0.0;
    let c = coverage(|d| {
        let mut rng = Rng::new(9000 + d);
        let values: Vec<f64> = (0..n).map(|_| -(1.0 - rng.next_f64()).ln()).collect();
        let ci = super::timing::median_order_ci(&values, 0.95).unwrap();
        stated = ci.level;
        ci.low <= std::f64::consts::LN_2 && std::f64::consts::LN_2 <= ci.high
    });
    assert!((stated - 0.9609375).abs() < 1e-12, "{stated}");
    assert!(c >= stated - 0.015 && c <= 0.99, "order-statistic interval covered the median in {:.1}% of data sets", c * 100.0);
}
