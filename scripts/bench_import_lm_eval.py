#!/usr/bin/env python3
"""Importing a 100,000-line lm-eval samples file: claimbench against Hugging Face `datasets`.

The output folder: lm-eval's results file and its gsm8k samples file (two filters per
document) from the committed fixture (harness/tests/fixtures/import/lm-eval/runs/server), its
lines repeated with each document made unique (its hashes and the task's hash rewritten as
lm-eval computes them) up to 100,000 lines: 50,000 documents under two filters.

claimbench: `claimbench import lm-eval` (release), a whole process that checks every line's
hashes and the task hash, re-scores every answer through lm-eval's filters, compares each
verdict with lm-eval's, and writes two runs (Parquet samples, metrics with intervals, the
dataset and suite). The peer: `datasets.load_dataset("json", …)` on the same samples file with
a fresh cache, how lm-eval's own documentation loads logged samples; it parses the lines into
Arrow and checks nothing. Prints the median of three runs of each and the ratio (target:
claimbench under 2 s).

Usage: scripts/bench_import_lm_eval.py [CLAIMBENCH] [--lines N]
"""
import glob
import hashlib
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import pydeps  # noqa: E402

pydeps.require("lm_eval")
os.environ.setdefault("HF_DATASETS_OFFLINE", "1")
os.environ.setdefault("HF_HUB_OFFLINE", "1")

RUNS = 3
FIXTURE = os.path.join(pydeps.ROOT, "harness", "tests", "fixtures", "import", "lm-eval", "runs", "server")


def sha(text):
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def write_folder(folder, lines_wanted):
    results_path = glob.glob(os.path.join(FIXTURE, "*", "results_*.json"))[0]
    samples_path = glob.glob(os.path.join(FIXTURE, "*", "samples_*.jsonl"))[0]
    with open(samples_path, encoding="utf-8") as f:
        lines = [json.loads(line) for line in f]
    filters = sorted({line["filter"] for line in lines})
    documents = lines_wanted // len(filters)
    by_doc = {}
    for line in lines:
        by_doc.setdefault(line["doc_id"], {})[line["filter"]] = line
    originals = [by_doc[d] for d in sorted(by_doc)]
    out, joined = [], []
    for doc_id in range(documents):
        for name in filters:
            line = dict(originals[doc_id % len(originals)][name])
            line["doc_id"] = doc_id
            line["doc"] = dict(line["doc"], id=f"copy-{doc_id}")
            line["doc_hash"] = sha(json.dumps(line["doc"], indent=2, ensure_ascii=False))
            joined.append(line["doc_hash"] + line["prompt_hash"] + line["target_hash"])
            out.append(json.dumps(line, ensure_ascii=False))
    with open(results_path, encoding="utf-8") as f:
        results = json.load(f)
    task = next(iter(results["configs"]))
    results["task_hashes"][task] = sha("".join(joined))
    os.makedirs(folder)
    shutil.copy(results_path, folder)
    with open(os.path.join(folder, os.path.basename(results_path)), "w", encoding="utf-8") as f:
        json.dump(results, f, indent=2, ensure_ascii=False)
    samples = os.path.join(folder, os.path.basename(samples_path))
    with open(samples, "w", encoding="utf-8") as f:
        f.write("\n".join(out) + "\n")
    return samples, len(out)


def timed(run):
    start = time.perf_counter()
    run()
    return time.perf_counter() - start


def main():
    args = sys.argv[1:]
    lines = 100_000
    if "--lines" in args:
        i = args.index("--lines")
        lines = int(args[i + 1])
        del args[i : i + 2]
    claimbench = args[0] if args else os.path.join(pydeps.ROOT, "target", "release", "claimbench")
    with tempfile.TemporaryDirectory() as tmp:
        folder = os.path.join(tmp, "lm-eval-out")
        samples, written = write_folder(folder, lines)
        size = os.path.getsize(samples)
        ours, theirs = [], []
        for i in range(RUNS):
            out = os.path.join(tmp, f"runs-{i}")
            command = [claimbench, "import", "lm-eval", folder, "--out", out]
            ours.append(timed(lambda: subprocess.run(command, check=True, stdout=subprocess.DEVNULL)))
            cache = os.path.join(tmp, f"cache-{i}")
            code = f"import datasets; datasets.load_dataset('json', data_files={samples!r}, cache_dir={cache!r}, split='train')"
            env = dict(os.environ, PYTHONPATH=pydeps.DEPS)
            theirs.append(timed(lambda: subprocess.run([sys.executable, "-c", code], check=True, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)))
        ours_s, theirs_s = statistics.median(ours), statistics.median(theirs)
        print(f"lm-eval samples file: {written} lines, {size / 1e6:.1f} MB")
        print(f"claimbench import lm-eval (checks, re-scoring, two runs written): {ours_s:.2f} s (median of {RUNS})")
        print(f"datasets.load_dataset('json') (parse only, fresh cache):          {theirs_s:.2f} s (median of {RUNS})")
        print(f"ratio (datasets / claimbench): {theirs_s / ours_s:.2f}x; target claimbench < 2 s: {'met' if ours_s < 2 else 'MISSED'}")


if __name__ == "__main__":
    main()
