#!/usr/bin/env python3
"""Preparing a 100,000-item text task from Parquet: claimbench against lm-evaluation-harness.

The same declaration (GSM8K as lm-eval's gsm8k task writes it: a Jinja prompt and target) over
the same Hugging Face-style Parquet file of 100,000 records (GSM8K cycled, each question made
unique). claimbench: `claimbench suites validate`, a whole process that hashes the file against
its dataset.toml, reads it, gives every record its content id and renders every prompt.
lm-eval 0.4.13: `ConfigurableTask` loading the file through `datasets` (a fresh cache each
time, as claimbench keeps none) and `build_all_requests`. Prints the median of three runs of
each and the ratio (target: claimbench under 2 s).

Usage: scripts/bench_prepare_vs_lm_eval.py [CLAIMBENCH] [--rows N]
"""
import json
import os
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

import pyarrow  # noqa: E402
import pyarrow.parquet  # noqa: E402

RUNS = 3
SUITE = """id = "big"
version = "1"
task = "text"
metrics = ["exact_match"]

[dataset]
path = "big"
file = "test"

[text]
output_type = "generate_until"
doc_to_text = "Question: {{question}}\\nAnswer:"
doc_to_target = "{{answer}}"
"""


def write_data(dir, rows):
    with open(os.path.join(pydeps.ROOT, "datasets", "gsm8k", "test.jsonl"), encoding="utf-8") as f:
        records = [json.loads(line) for line in f]
    questions = [f"{records[i % len(records)]['question']} (copy {i})" for i in range(rows)]
    answers = [records[i % len(records)]["answer"] for i in range(rows)]
    data = os.path.join(dir, "big", "data")
    os.makedirs(data)
    path = os.path.join(data, "test-00000-of-00001.parquet")
    pyarrow.parquet.write_table(pyarrow.table({"question": questions, "answer": answers}), path)
    return path


def timed(run):
    times = []
    for _ in range(RUNS):
        started = time.perf_counter()
        run()
        times.append(time.perf_counter() - started)
    return statistics.median(times)


def main():
    args = sys.argv[1:]
    rows = 100_000
    if "--rows" in args:
        i = args.index("--rows")
        rows = int(args[i + 1])
        del args[i : i + 2]
    claimbench = os.path.abspath(args[0] if args else os.path.join(pydeps.ROOT, "target", "release", "claimbench"))
    with tempfile.TemporaryDirectory() as dir:
        parquet = write_data(dir, rows)
        subprocess.run([claimbench, "datasets", "add", os.path.join(dir, "big"), "--name", "big", "--license", "MIT", "--source", "GSM8K, cycled"], check=True, stdout=subprocess.DEVNULL)
        suite = os.path.join(dir, "big.toml")
        with open(suite, "w") as f:
            f.write(SUITE)

        def claimbench_prepare():
            out = subprocess.run([claimbench, "suites", "validate", suite], check=True, capture_output=True, text=True).stdout
            assert f"{rows} scored items" in out, out

        from lm_eval.api.task import ConfigurableTask

        def lm_eval_prepare():
            os.environ["HF_DATASETS_CACHE"] = tempfile.mkdtemp(dir=dir)
            config = {
                "task": "big",
                "dataset_path": "parquet",
                "dataset_kwargs": {"data_files": {"test": [parquet]}},
                "test_split": "test",
                "output_type": "generate_until",
                "doc_to_text": "Question: {{question}}\nAnswer:",
                "doc_to_target": "{{answer}}",
                "generation_kwargs": {"until": ["Question:"]},
            }
            task = ConfigurableTask(config=config)
            task.build_all_requests(limit=None, rank=0, world_size=1)
            assert len(task.instances) == rows

        ours = timed(claimbench_prepare)
        theirs = timed(lm_eval_prepare)
    print(f"preparing {rows:,} Parquet items (median of {RUNS}): claimbench {ours:.2f} s, lm-eval 0.4.13 {theirs:.2f} s, ratio {theirs / ours:.1f}x (target: claimbench under 2 s)")


if __name__ == "__main__":
    main()
