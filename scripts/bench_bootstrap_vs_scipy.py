#!/usr/bin/env python3
"""Paired bootstrap of a relative WER reduction: 10,000 resamples over 100,000 utterances,
in claimbench and in scipy.stats.bootstrap (vectorised, same resample count), on the same data
in one run. Prints both times and the ratio.

Target: claimbench at most 1 s on a 2-core machine and at least 20x faster than scipy.
"""

import json
import os
import platform
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import pydeps  # noqa: E402

pydeps.require("numpy", "scipy", "statsmodels")

import numpy as np  # noqa: E402
import scipy  # noqa: E402
from scipy import stats  # noqa: E402

ITEMS = 100_000
RESAMPLES = 10_000


def cpu_model():
    try:
        with open("/proc/cpuinfo") as f:
            return next(line.split(":", 1)[1].strip() for line in f if line.startswith("model name"))
    except (OSError, StopIteration):
        return platform.processor() or "unknown"


def main():
    rng = np.random.default_rng(0)
    words = rng.integers(5, 30, size=ITEMS)
    errors_a = rng.binomial(words, 0.20)
    errors_b = np.minimum(errors_a, rng.binomial(words, 0.16))
    data = np.stack([errors_a, errors_b, words], axis=1).astype("<f8")

    subprocess.check_call(["cargo", "build", "--quiet", "--release", "--locked", "-p", "claimbench-benches", "--bin", "paired_bootstrap"], cwd=pydeps.ROOT)
    with tempfile.NamedTemporaryFile(suffix=".f64") as f:
        data.tofile(f.name)
        out = subprocess.check_output([os.path.join(pydeps.ROOT, "target", "release", "paired_bootstrap"), f.name, str(RESAMPLES)])
    ours = json.loads(out)

    def relative_reduction(ea, eb, w, axis=-1):
        a = ea.sum(axis=axis)
        return (a - eb.sum(axis=axis)) / a

    started = time.perf_counter()
    # batch bounds scipy's memory: all 10,000 resamples at once would need tens of GB.
    res = stats.bootstrap((errors_a.astype(float), errors_b.astype(float), words.astype(float)), relative_reduction,
                          paired=True, vectorized=True, n_resamples=RESAMPLES, batch=250,
                          method="percentile", confidence_level=0.95, random_state=0)
    scipy_seconds = time.perf_counter() - started

    print(f"machine: {cpu_model()}, {os.cpu_count()} cores; numpy {np.__version__}, scipy {scipy.__version__}")
    print(f"paired bootstrap, relative WER reduction, {ITEMS:,} utterances, {RESAMPLES:,} resamples, 95% percentile interval")
    print(f"claimbench: {ours['seconds']:.3f} s ({ours['threads']} threads)  interval [{ours['low']:.5f}, {ours['high']:.5f}]  estimate {ours['estimate']:.5f}")
    print(f"scipy:      {scipy_seconds:.3f} s  interval [{res.confidence_interval.low:.5f}, {res.confidence_interval.high:.5f}]")
    print(f"ratio:      claimbench is {scipy_seconds / ours['seconds']:.1f}x faster (targets: <= 1 s and >= 20x)")


if __name__ == "__main__":
    main()
