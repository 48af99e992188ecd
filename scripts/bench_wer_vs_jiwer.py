#!/usr/bin/env python3
"""claimbench's word error rate against PyPI jiwer on the same 100,000 utterance pairs.

Pairs have 5-40 reference words from a 2,000-word vocabulary, with about 15% of the words
substituted, deleted or inserted. Prints both times (claimbench's includes starting the
process and reading the file), the ratio (target >= 10x) and whether the totals are identical.

Usage: scripts/bench_wer_vs_jiwer.py [CLAIMBENCH] [--pairs N]
"""
import json
import os
import random
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import pydeps  # noqa: E402

pydeps.require("jiwer")
import jiwer  # noqa: E402


def pairs(n, seed=7):
    rng = random.Random(seed)
    vocabulary = [f"w{k}" for k in range(2000)]
    out = []
    for _ in range(n):
        reference = [rng.choice(vocabulary) for _ in range(rng.randint(5, 40))]
        hypothesis = []
        for word in reference:
            roll = rng.random()
            if roll < 0.08:
                hypothesis.append(rng.choice(vocabulary))
            elif roll < 0.12:
                continue
            else:
                hypothesis.append(word)
            if rng.random() < 0.03:
                hypothesis.append(rng.choice(vocabulary))
        out.append((" ".join(reference), " ".join(hypothesis)))
    return out


def main():
    args = sys.argv[1:]
    n = 100_000
    if "--pairs" in args:
        i = args.index("--pairs")
        n = int(args[i + 1])
        del args[i : i + 2]
    claimbench = os.path.abspath(args[0]) if args else os.path.join(pydeps.ROOT, "target", "release", "claimbench")
    data = pairs(n)
    with tempfile.NamedTemporaryFile("w", suffix=".jsonl", delete=False) as f:
        for reference, hypothesis in data:
            f.write(json.dumps({"reference": reference, "hypothesis": hypothesis}) + "\n")
        path = f.name
    try:
        started = time.perf_counter()
        theirs = jiwer.process_words([r for r, _ in data], [h for _, h in data])
        jiwer_s = time.perf_counter() - started
        started = time.perf_counter()
        out = subprocess.run([claimbench, "wer", path], capture_output=True, text=True, check=True).stdout
        ours_s = time.perf_counter() - started
    finally:
        os.unlink(path)
    ours = json.loads(out)
    same = (ours["counts"]["substitutions"], ours["counts"]["deletions"], ours["counts"]["insertions"], ours["rates"]["wer"]) == (
        theirs.substitutions,
        theirs.deletions,
        theirs.insertions,
        theirs.wer,
    )
    print(f"{n} pairs: jiwer {jiwer_s:.2f} s, claimbench {ours_s:.2f} s (whole process), ratio {jiwer_s / ours_s:.1f}x (target >= 10x)")
    print(f"WER {ours['rates']['wer']:.6f}; S/D/I and WER identical to jiwer: {same}")
    if not same:
        sys.exit(1)


if __name__ == "__main__":
    main()
