#!/usr/bin/env python3
"""Crash safety, measured: runs a suite once without interruption, then N times killed with
SIGKILL at a random moment and finished with `claimbench run --resume`, and prints for each
trial whether any sample was lost or duplicated and whether the final quality metrics equal the
uninterrupted run's, item by item (a paired comparison with no discordant item). Latency metrics differ between any two runs and are not compared.

usage: kill_resume.py CLAIMBENCH [--system FILE] [--suite gsm8k] [--limit 200] [--kills 20] [--seed 1]
Exit status 0 when every trial matched.
"""
import argparse
import glob
import json
import os
import random
import signal
import subprocess
import sys
import tempfile
import time

QUALITY = {"accuracy", "acc_norm", "wer", "cer", "mer", "wil"}


def run_dir(out):
    dirs = glob.glob(os.path.join(out, "*"))
    return dirs[0] if len(dirs) == 1 else None


def quality(run):
    with open(os.path.join(run, "metrics.json")) as f:
        metrics = json.load(f)
    return metrics["complete"], {k: (v["value"], v["n"], v.get("ci")) for k, v in metrics["metrics"].items() if k in QUALITY}


def main():
    p = argparse.ArgumentParser()
    p.add_argument("claimbench")
    p.add_argument("--system", default="examples/systems/sum.toml")
    p.add_argument("--suite", default="gsm8k")
    p.add_argument("--limit", type=int, default=200)
    p.add_argument("--kills", type=int, default=20)
    p.add_argument("--seed", type=int, default=1)
    a = p.parse_args()
    rng = random.Random(a.seed)
    claimbench = os.path.abspath(a.claimbench)
    base = [claimbench, "run", a.suite, "--system", a.system, "--limit", str(a.limit)]
    env = {**os.environ, "CLAIMBENCH_PROGRESS_INTERVAL_S": "3600"}
    work = tempfile.mkdtemp(prefix="claimbench-kill-")

    started = time.time()
    # Each run gets its own response cache, so every run really asks the system.
    subprocess.run(base + ["--out", f"{work}/reference"], check=True, env={**env, "CLAIMBENCH_CACHE": f"{work}/cache-reference"}, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    duration = time.time() - started
    reference = run_dir(f"{work}/reference")
    ref_complete, ref_quality = quality(reference)
    assert ref_complete and ref_quality, "the reference run is complete and has quality metrics"
    print(f"reference: {a.suite} × {a.system}, {a.limit} items in {duration:.1f} s: {ref_quality}")

    failures = 0
    for trial in range(1, a.kills + 1):
        out = f"{work}/trial-{trial}"
        env["CLAIMBENCH_CACHE"] = f"{work}/cache-{trial}"
        delay = rng.uniform(0.02, duration * 0.95)
        proc = subprocess.Popen(base + ["--out", out], env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        time.sleep(delay)
        killed = proc.poll() is None
        if killed:
            proc.send_signal(signal.SIGKILL)
        proc.wait()
        run = run_dir(out)
        journal = 0
        if run and os.path.exists(os.path.join(run, "samples.jsonl")):
            with open(os.path.join(run, "samples.jsonl"), "rb") as f:
                journal = f.read().count(b"\n")
        if run is None or not os.path.exists(os.path.join(run, "manifest.json")):
            # Killed before the run directory existed: nothing was computed, start again.
            subprocess.run(base + ["--out", out + "-again"], check=True, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            run = run_dir(out + "-again")
            how = "restarted (killed before the run existed)"
        elif os.path.exists(os.path.join(run, "metrics.json")) and quality(run)[0]:
            how = "already complete"
        else:
            resumed = subprocess.run([claimbench, "run", "--resume", run], env=env, capture_output=True, text=True)
            if resumed.returncode != 0:
                print(f"trial {trial}: resume failed: {resumed.stderr.strip()}")
                failures += 1
                continue
            how = f"resumed after {journal} journalled items"
        complete, q = quality(run)
        # Paired with the reference item by item: the same items, each scored the same.
        paired = json.loads(subprocess.run([claimbench, "compare", reference, run, "--format", "json"], capture_output=True, text=True).stdout)
        per_item_same = all(
            m["n_paired"] == a.limit and m["absolute"]["low"] == m["absolute"]["high"] == 0.0
            for m in paired["data"]["metrics"] if m["metric"] in QUALITY
        )
        n = {k: v[1] for k, v in q.items()}
        lost = sum(max(0, a.limit - v) for v in n.values())
        duplicated = sum(max(0, v - a.limit) for v in n.values())
        same = complete and q == ref_quality and per_item_same
        failures += not same
        print(f"trial {trial:2}: killed at {delay:5.2f} s{'' if killed else ' (had finished)'}, {how}: "
              f"lost {lost}, duplicated {duplicated}, per-item scores and metrics {'identical' if same else 'DIFFERENT: ' + str(q)}")
    print(f"{a.kills - failures} of {a.kills} trials identical to the uninterrupted run")
    sys.exit(1 if failures else 0)


if __name__ == "__main__":
    main()
