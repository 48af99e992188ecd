#!/usr/bin/env python3
"""Time `claimbench verify` on a bundle of a 10,000-item run (target: under 10 s).

Builds a 10,000-item dataset from the shipped GSM8K test set (each problem repeated with a
numbered variant of its question), scores a predictions file against it, bundles the run with
its dataset, and times verification: signature, hashes, re-scoring of every sample, metrics.

Usage: scripts/bench_bundle_verify.py [CLAIMBENCH] [--items N]
"""
import hashlib
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def main():
    args = sys.argv[1:]
    items = 10_000
    if "--items" in args:
        i = args.index("--items")
        items = int(args[i + 1])
        del args[i : i + 2]
    claimbench = os.path.abspath(args[0]) if args else os.path.join(ROOT, "target", "release", "claimbench")
    with open(os.path.join(ROOT, "datasets", "gsm8k", "test.jsonl")) as f:
        problems = [json.loads(line) for line in f]
    with tempfile.TemporaryDirectory() as work:
        data = os.path.join(work, "data")
        os.makedirs(data)
        lines = []
        for k in range(items):
            p = problems[k % len(problems)]
            lines.append(json.dumps({"question": f"{p['question']} (variant {k // len(problems)})", "answer": p["answer"]}))
        body = ("\n".join(lines) + "\n").encode()
        with open(os.path.join(data, "test.jsonl"), "wb") as f:
            f.write(body)
        with open(os.path.join(data, "dataset.toml"), "w") as f:
            f.write(
                'name = "gsm8k-10k"\nversion = "1"\nlicense = "MIT"\nsource = "GSM8K test set, repeated"\n\n'
                f'[[files]]\nkey = "test"\npath = "test.jsonl"\nformat = "jsonl"\nsha256 = "{hashlib.sha256(body).hexdigest()}"\n'
            )
        with open(os.path.join(work, "suite.toml"), "w") as f:
            f.write('id = "gsm8k-10k"\nversion = "1"\ntask = "reasoning.gsm8k"\nmetrics = ["accuracy"]\n\n[dataset]\npath = "data"\nfile = "test"\n')
        with open(os.path.join(work, "preds.jsonl"), "w") as f:
            for index, line in enumerate(lines):
                answer = json.loads(line)["answer"].split("####")[-1].strip()
                output = f"The answer is\n#### {answer if index % 3 else '0'}"
                f.write(json.dumps({"index": index, "output": output}) + "\n")

        def run(*command):
            done = subprocess.run([claimbench, *command], cwd=work, capture_output=True, text=True)
            if done.returncode != 0:
                sys.exit(f"claimbench {' '.join(command)} failed:\n{done.stdout}{done.stderr}")
            return done.stdout

        out = run("run", "suite.toml", "--system", "predictions:preds.jsonl", "--out", "runs")
        run_dir = next(l[5:] for l in out.splitlines() if l.startswith("run: "))
        run("keygen", "bench")
        run("bundle", "create", run_dir, "--sign", "bench.key", "-o", "bench.cbundle")
        size = os.path.getsize(os.path.join(work, "bench.cbundle"))
        times = []
        for _ in range(3):
            started = time.perf_counter()
            run("verify", "bench.cbundle", "--pubkey", "bench.pub")
            times.append(time.perf_counter() - started)
        print(f"bundle of {items} items: {size / 1e6:.1f} MB")
        print(f"verify: median {statistics.median(times):.2f} s (runs: {', '.join(f'{t:.2f}' for t in times)}); target < 10 s")


if __name__ == "__main__":
    main()
