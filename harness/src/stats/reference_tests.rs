//! Checks against values computed by scipy, statsmodels and numpy
//! (`scripts/stats_reference.py` writes the fixture). Tolerances are stated per quantity.

use super::bootstrap::bca_levels;
use super::multiple::{benjamini_hochberg, holm};
use super::paired::{mcnemar, permutation};
use super::proportion::{clopper_pearson, wilson};
use super::quantile_sorted;
use super::special::{beta_quantile, ln_gamma, normal_quantile};
use super::timing::{median_abs_deviation, percentiles};
use serde_json::Value;

fn fixture() -> Value {
    serde_json::from_str(include_str!("../../tests/fixtures/stats_reference.json")).expect("fixture is JSON")
}

fn f(v: &Value) -> f64 {
    v.as_f64().expect("a number")
}

fn floats(v: &Value) -> Vec<f64> {
    v.as_array().expect("an array").iter().map(f).collect()
}

fn close(got: f64, want: f64, tolerance: f64, what: &str) {
    assert!((got - want).abs() <= tolerance, "{what}: got {got}, reference {want} (tolerance {tolerance})");
}

#[test]
fn proportion_intervals_match_statsmodels() {
    // Closed forms and a bisected beta quantile: 1e-9 absolute.
    for case in fixture()["proportions"].as_array().unwrap() {
        let (k, n, level) = (case["k"].as_u64().unwrap(), case["n"].as_u64().unwrap(), f(&case["level"]));
        let w = wilson(k, n, level).unwrap();
        let cp = clopper_pearson(k, n, level).unwrap();
        let what = format!("{k}/{n} at {level}");
        close(w.low, f(&case["wilson"][0]), 1e-9, &format!("wilson low {what}"));
        close(w.high, f(&case["wilson"][1]), 1e-9, &format!("wilson high {what}"));
        close(cp.low, f(&case["clopper_pearson"][0]), 1e-9, &format!("clopper-pearson low {what}"));
        close(cp.high, f(&case["clopper_pearson"][1]), 1e-9, &format!("clopper-pearson high {what}"));
    }
}

#[test]
fn mcnemar_matches_statsmodels_exact_and_scipy_mid_p() {
    // Binomial tails summed in f64: 1e-12 absolute.
    for case in fixture()["mcnemar"].as_array().unwrap() {
        let (only_a, only_b) = (case["only_a"].as_u64().unwrap() as usize, case["only_b"].as_u64().unwrap() as usize);
        let a: Vec<bool> = (0..only_a).map(|_| true).chain((0..only_b).map(|_| false)).chain([true, false]).collect();
        let b: Vec<bool> = (0..only_a).map(|_| false).chain((0..only_b).map(|_| true)).chain([true, false]).collect();
        let m = mcnemar(&a, &b).unwrap();
        close(m.p_exact, f(&case["p_exact"]), 1e-12, &format!("exact p {only_a}/{only_b}"));
        close(m.p_mid, f(&case["p_mid"]), 1e-12, &format!("mid-p {only_a}/{only_b}"));
    }
}

#[test]
fn exhaustive_permutation_matches_scipy() {
    // Exhaustive enumeration: the same count of sign patterns, so 1e-12 absolute.
    for case in fixture()["permutation"].as_array().unwrap() {
        let t = permutation(&floats(&case["a"]), &floats(&case["b"]), 0, 0).unwrap();
        assert!(t.exhaustive);
        close(t.statistic, f(&case["statistic"]), 1e-12, "permutation statistic");
        close(t.p_value, f(&case["p_value"]), 1e-12, "permutation p");
    }
}

#[test]
fn bca_and_percentile_on_a_fixed_resample_set_match_the_reference() {
    // Same resamples (the fixture's indices), so only arithmetic differs: 1e-10 absolute.
    let fx = fixture();
    let boot = &fx["bootstrap"];
    let (x, errors, words) = (floats(&boot["x"]), floats(&boot["errors"]), floats(&boot["words"]));
    let indices: Vec<Vec<usize>> = boot["indices"]
        .as_array()
        .unwrap()
        .iter()
        .map(|row| row.as_array().unwrap().iter().map(|i| i.as_u64().unwrap() as usize).collect())
        .collect();
    let n = x.len();
    let drop = |v: &[f64], i: usize| v.iter().enumerate().filter(|(j, _)| *j != i).map(|(_, x)| x).sum::<f64>();
    for case in boot["cases"].as_array().unwrap() {
        let (mut theta_b, theta_hat, jackknife): (Vec<f64>, f64, Vec<f64>) = match case["statistic"].as_str().unwrap() {
            "mean" => (
                indices.iter().map(|row| row.iter().map(|&i| x[i]).sum::<f64>() / n as f64).collect(),
                x.iter().sum::<f64>() / n as f64,
                (0..n).map(|i| drop(&x, i) / (n - 1) as f64).collect(),
            ),
            _ => (
                indices
                    .iter()
                    .map(|row| row.iter().map(|&i| errors[i]).sum::<f64>() / row.iter().map(|&i| words[i]).sum::<f64>())
                    .collect(),
                errors.iter().sum::<f64>() / words.iter().sum::<f64>(),
                (0..n).map(|i| drop(&errors, i) / drop(&words, i)).collect(),
            ),
        };
        theta_b.sort_by(f64::total_cmp);
        let alpha = 1.0 - f(&case["level"]);
        close(quantile_sorted(&theta_b, alpha / 2.0), f(&case["percentile"][0]), 1e-10, "percentile low");
        close(quantile_sorted(&theta_b, 1.0 - alpha / 2.0), f(&case["percentile"][1]), 1e-10, "percentile high");
        let (lo, hi) = bca_levels(theta_hat, &theta_b, &jackknife, alpha);
        close(lo, f(&case["bca_levels"][0]), 1e-10, "BCa low level");
        close(hi, f(&case["bca_levels"][1]), 1e-10, "BCa high level");
        close(quantile_sorted(&theta_b, lo), f(&case["bca"][0]), 1e-10, "BCa low");
        close(quantile_sorted(&theta_b, hi), f(&case["bca"][1]), 1e-10, "BCa high");
    }
}

#[test]
fn multiple_testing_matches_statsmodels() {
    // Products and running extrema: 1e-12 absolute.
    for case in fixture()["multiple_testing"].as_array().unwrap() {
        let p = floats(&case["p"]);
        for (got, want) in holm(&p).unwrap().iter().zip(floats(&case["holm"])) {
            close(*got, want, 1e-12, "holm");
        }
        for (got, want) in benjamini_hochberg(&p).unwrap().iter().zip(floats(&case["bh"])) {
            close(*got, want, 1e-12, "benjamini-hochberg");
        }
    }
}

#[test]
fn spread_and_percentiles_match_scipy_and_numpy() {
    // Order statistics with one multiplication: 1e-12 absolute.
    for case in fixture()["spread"].as_array().unwrap() {
        let values = floats(&case["values"]);
        close(median_abs_deviation(&values).unwrap(), f(&case["mad_normal"]), 1e-12, "MAD");
        let p = percentiles(&values).unwrap();
        let want = floats(&case["percentiles"]);
        close(p.p50, want[0], 1e-12, "p50");
        close(p.p90, want[1], 1e-12, "p90");
        close(p.p99, want[2], 1e-12, "p99");
    }
}

#[test]
fn special_functions_match_scipy() {
    let fx = fixture();
    // Relative 1e-10: the tails of the normal quantile are the hard part.
    for pair in fx["special"]["normal_quantile"].as_array().unwrap() {
        let (p, want) = (f(&pair[0]), f(&pair[1]));
        close(normal_quantile(p), want, 1e-10 * want.abs().max(1.0), &format!("normal quantile {p}"));
    }
    // Relative 1e-12 (Lanczos).
    for pair in fx["special"]["ln_gamma"].as_array().unwrap() {
        let (x, want) = (f(&pair[0]), f(&pair[1]));
        close(ln_gamma(x), want, 1e-12 * want.abs().max(1.0), &format!("ln gamma {x}"));
    }
    // Absolute 1e-10 (bisection to 1e-16 on a continued fraction).
    for row in fx["special"]["beta_quantile"].as_array().unwrap() {
        let (p, a, b, want) = (f(&row[0]), f(&row[1]), f(&row[2]), f(&row[3]));
        close(beta_quantile(p, a, b), want, 1e-10, &format!("beta quantile {p} {a} {b}"));
    }
}
