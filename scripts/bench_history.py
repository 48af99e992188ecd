#!/usr/bin/env python3
"""`claimbench history` over 1,000 runs of 1,000 samples each (generated), timed as a whole
command, with its peak memory. Targets: under 5 s and under 1 GiB on a 2-core machine."""

import os
import resource
import shutil
import subprocess
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
RUNS, ITEMS = 1000, 1000


def main():
    subprocess.check_call(["cargo", "build", "--quiet", "--release", "--locked", "-p", "claimbench", "-p", "claimbench-benches"], cwd=ROOT)
    claimbench = os.path.join(ROOT, "target", "release", "claimbench")
    work = tempfile.mkdtemp(prefix="claimbench-history-")
    try:
        template = subprocess.check_output([claimbench, "run", "gsm8k", "--system", "examples/systems/sum.toml", "--limit", str(ITEMS),
                                            "--out", os.path.join(work, "template")], cwd=ROOT, stderr=subprocess.DEVNULL).decode()
        template_dir = next(line[5:] for line in template.splitlines() if line.startswith("run: "))
        history = os.path.join(work, "history")
        subprocess.check_call([os.path.join(ROOT, "target", "release", "make_history"), template_dir, history, str(RUNS), str(ITEMS)])
        started = time.perf_counter()
        proc = subprocess.Popen([claimbench, "history", history, "--format", "json", "-o", os.path.join(work, "history.json")])
        _, status, usage = os.wait4(proc.pid, 0)
        seconds = time.perf_counter() - started
        code = os.waitstatus_to_exitcode(status)
        if code not in (0, 1):
            sys.exit(f"claimbench history failed with exit code {code}")
        peak_mib = usage.ru_maxrss / 1024
        with open("/proc/cpuinfo") as f:
            cpu = next((l.split(":", 1)[1].strip() for l in f if l.startswith("model name")), "unknown")
        print(f"machine: {cpu}, {os.cpu_count()} cores")
        print(f"claimbench history over {RUNS:,} runs x {ITEMS:,} samples: {seconds:.2f} s, peak RSS {peak_mib:.0f} MiB (targets: < 5 s, < 1024 MiB)")
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
