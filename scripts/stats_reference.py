#!/usr/bin/env python3
"""Reference values for claimbench's statistics, computed with scipy, statsmodels and numpy.

Writes harness/tests/fixtures/stats_reference.json; the Rust tests compare against it. Run it
again (it installs what it needs with pip) whenever a case is added.
"""

import json
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import pydeps  # noqa: E402

pydeps.require("numpy", "scipy", "statsmodels")

ROOT = pydeps.ROOT
import numpy as np  # noqa: E402
import scipy  # noqa: E402
import statsmodels  # noqa: E402
from scipy import special, stats  # noqa: E402
from statsmodels.stats.contingency_tables import mcnemar  # noqa: E402
from statsmodels.stats.multitest import multipletests  # noqa: E402
from statsmodels.stats.proportion import proportion_confint  # noqa: E402


def proportions():
    out = []
    for k, n in [(0, 10), (1, 10), (5, 10), (10, 10), (81, 263), (3, 1000), (999, 1000), (500, 1319), (7, 25)]:
        for level in (0.9, 0.95, 0.99):
            wilson = proportion_confint(k, n, alpha=1 - level, method="wilson")
            cp = proportion_confint(k, n, alpha=1 - level, method="beta")
            out.append({"k": k, "n": n, "level": level, "wilson": list(wilson), "clopper_pearson": list(cp)})
    return out


def mcnemar_cases():
    out = []
    for only_a, only_b in [(0, 0), (1, 6), (5, 5), (10, 20), (3, 0), (40, 60), (120, 80), (700, 760), (0, 25)]:
        n = only_a + only_b
        exact = mcnemar([[0, only_a], [only_b, 0]], exact=True).pvalue
        k = min(only_a, only_b)
        mid = 1.0 if n == 0 else min(1.0, 2 * stats.binom.cdf(k, n, 0.5) - stats.binom.pmf(k, n, 0.5))
        out.append({"only_a": only_a, "only_b": only_b, "p_exact": float(exact), "p_mid": float(mid)})
    return out


def permutation_cases():
    rng = np.random.default_rng(1)
    out = []
    for n in (5, 8, 12):
        a = rng.normal(size=n).round(3)
        b = (a + rng.normal(0.4, 1.0, size=n)).round(3)
        res = stats.permutation_test((a, b), lambda x, y, axis: np.mean(y - x, axis=axis), vectorized=True,
                                     permutation_type="samples", n_resamples=np.inf, alternative="two-sided")
        out.append({"a": a.tolist(), "b": b.tolist(), "statistic": float(res.statistic), "p_value": float(res.pvalue)})
    return out


def bca(theta_hat, theta_b, jackknife, alpha):
    """BCa percentile levels as scipy.stats.bootstrap computes them (scipy/stats/_resampling.py)."""
    percentile = ((theta_b < theta_hat).sum() + (theta_b <= theta_hat).sum()) / (2 * len(theta_b))
    z0 = special.ndtri(percentile)
    diff = jackknife.mean() - jackknife
    a_hat = (diff ** 3).sum() / (6 * ((diff ** 2).sum()) ** 1.5)
    z_alpha = special.ndtri(alpha)
    z_1alpha = -z_alpha
    a1 = special.ndtr(z0 + (z0 + z_alpha) / (1 - a_hat * (z0 + z_alpha)))
    a2 = special.ndtr(z0 + (z0 + z_1alpha) / (1 - a_hat * (z0 + z_1alpha)))
    return a1, a2


def bootstrap_cases():
    rng = np.random.default_rng(7)
    out = []
    n, resamples = 30, 400
    # A mean of skewed data, and a ratio of sums (WER-like errors over words).
    x = rng.exponential(2.0, size=n).round(4)
    errors = rng.integers(0, 6, size=n).astype(float)
    words = rng.integers(5, 20, size=n).astype(float)
    indices = rng.integers(0, n, size=(resamples, n))
    for name, stat_b, theta_hat, jack in [
        ("mean", x[indices].mean(axis=1), x.mean(), np.array([np.delete(x, i).mean() for i in range(n)])),
        ("ratio", errors[indices].sum(axis=1) / words[indices].sum(axis=1), errors.sum() / words.sum(),
         np.array([np.delete(errors, i).sum() / np.delete(words, i).sum() for i in range(n)])),
    ]:
        for level in (0.9, 0.95):
            alpha = (1 - level) / 2
            a1, a2 = bca(theta_hat, stat_b, jack, alpha)
            out.append({
                "statistic": name, "level": level,
                "percentile": [float(np.percentile(stat_b, 100 * alpha)), float(np.percentile(stat_b, 100 * (1 - alpha)))],
                "bca_levels": [float(a1), float(a2)],
                "bca": [float(np.percentile(stat_b, 100 * a1)), float(np.percentile(stat_b, 100 * a2))],
            })
    return {"x": x.tolist(), "errors": errors.tolist(), "words": words.tolist(), "indices": indices.tolist(), "cases": out}


def multiple_testing():
    rng = np.random.default_rng(3)
    out = []
    for p in ([0.01, 0.04, 0.03, 0.005], rng.uniform(0, 0.2, size=12).round(5).tolist(), [0.5, 0.5, 0.001, 1.0, 0.02]):
        out.append({
            "p": p,
            "holm": multipletests(p, method="holm")[1].tolist(),
            "bh": multipletests(p, method="fdr_bh")[1].tolist(),
        })
    return out


def spread():
    rng = np.random.default_rng(5)
    out = []
    for values in (rng.lognormal(0, 0.5, size=101).round(5), rng.normal(10, 2, size=40).round(4), np.arange(1.0, 11.0)):
        out.append({
            "values": values.tolist(),
            "mad_normal": float(stats.median_abs_deviation(values, scale="normal")),
            "percentiles": np.percentile(values, [50, 90, 99]).tolist(),
        })
    return out


def special_functions():
    ps = [1e-10, 0.001, 0.025, 0.3, 0.5, 0.9, 0.975, 0.999999]
    betas = [(0.025, 3.0, 8.0), (0.975, 82.0, 182.0), (0.5, 0.5, 0.5), (0.005, 1.0, 999.0), (0.995, 500.0, 820.0)]
    return {
        "normal_quantile": [[p, float(special.ndtri(p))] for p in ps],
        "ln_gamma": [[x, float(special.gammaln(x))] for x in (0.1, 0.5, 1.5, 7.0, 123.4, 5000.5)],
        "beta_quantile": [[p, a, b, float(stats.beta.ppf(p, a, b))] for p, a, b in betas],
    }


def main():
    fixture = {
        "generated_by": f"scripts/stats_reference.py with numpy {np.__version__}, scipy {scipy.__version__}, statsmodels {statsmodels.__version__}",
        "proportions": proportions(),
        "mcnemar": mcnemar_cases(),
        "permutation": permutation_cases(),
        "bootstrap": bootstrap_cases(),
        "multiple_testing": multiple_testing(),
        "spread": spread(),
        "special": special_functions(),
    }
    path = os.path.join(ROOT, "harness", "tests", "fixtures", "stats_reference.json")
    with open(path, "w") as f:
        json.dump(fixture, f, indent=1)
        f.write("\n")
    print(f"wrote {path}")


if __name__ == "__main__":
    main()
