#!/usr/bin/env python3
"""The built-in MD engine against LAMMPS (`lmp -sf opt`) on in.lj, one thread each.

Runs the two engines alternately on the same input (32,000 atoms, 100 steps), several
repetitions, and prints each engine's median atom-steps/s and the ratio (target: >= 1.0).
Then a size sweep from 4,000 to 256,000 atoms, one run per size and engine, printing time per
step and time per atom-step, which stays flat when cost grows linearly with the atom count.

Usage: scripts/bench_md_vs_lammps.py [CLAIMBENCH] [--repetitions N]
"""
import os
import platform
import re
import statistics
import subprocess
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
INPUT_DIR = os.path.join(ROOT, "datasets", "lammps-bench")
LOOP = re.compile(r"Loop time of ([0-9.eE+-]+) on \d+ procs for (\d+) steps with (\d+) atoms")


def loop_time(output):
    match = LOOP.search(output)
    if not match:
        sys.exit(f"no 'Loop time' line in:\n{output[-2000:]}")
    seconds, steps, atoms = float(match[1]), int(match[2]), int(match[3])
    return seconds, steps, atoms


def run(command):
    env = dict(os.environ, OMP_NUM_THREADS="1")
    done = subprocess.run(command, cwd=INPUT_DIR, env=env, capture_output=True, text=True)
    if done.returncode != 0:
        sys.exit(f"{' '.join(command)} failed ({done.returncode}):\n{done.stdout[-2000:]}{done.stderr[-2000:]}")
    return loop_time(done.stdout)


def engines(claimbench, scale):
    variables = [arg for axis in "xyz" for arg in ("-var", axis, scale)]
    builtin_vars = [arg for axis in "xyz" for arg in ("--var", axis, scale)]
    return {
        "built-in": [claimbench, "md", "in.lj", "--threads", "1", *builtin_vars],
        "lammps -sf opt": ["lmp", "-in", "in.lj", "-sf", "opt", "-log", "none", "-nocite", *variables],
    }


def cpu_model():
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"


def main():
    args = sys.argv[1:]
    repetitions = 5
    if "--repetitions" in args:
        i = args.index("--repetitions")
        repetitions = int(args[i + 1])
        del args[i : i + 2]
    claimbench = os.path.abspath(args[0]) if args else os.path.join(ROOT, "target", "release", "claimbench")
    version = subprocess.run(["lmp", "-h"], capture_output=True, text=True).stdout.splitlines()
    print(f"host: {cpu_model()}, {os.cpu_count()} cores; {next((l.strip() for l in version if l.startswith('Large')), 'LAMMPS')}")
    print(f"in.lj, 32,000 atoms, 100 steps, one thread each, {repetitions} alternating repetitions (after one warm-up each)")
    rates = {name: [] for name in engines(claimbench, "1")}
    for name, command in engines(claimbench, "1").items():
        run(command)
    for rep in range(repetitions):
        order = list(engines(claimbench, "1").items())
        if rep % 2:
            order.reverse()
        for name, command in order:
            seconds, steps, atoms = run(command)
            rates[name].append(atoms * steps / seconds)
    medians = {name: statistics.median(values) for name, values in rates.items()}
    for name, values in rates.items():
        print(f"  {name:15s} median {medians[name] / 1e6:.3f} Matom-step/s  (runs: {', '.join(f'{v / 1e6:.3f}' for v in values)})")
    ratio = medians["built-in"] / medians["lammps -sf opt"]
    print(f"ratio built-in / lammps: {ratio:.2f}x (target >= 1.0)")

    print("\nsize sweep (one run per size and engine):")
    print(f"  {'atoms':>8s}  {'built-in ms/step':>17s}  {'lammps ms/step':>15s}  {'built-in ns/atom-step':>22s}  {'lammps ns/atom-step':>20s}")
    for scale in ["0.5", "1", "1.5", "2"]:
        row = {}
        for name, command in engines(claimbench, scale).items():
            row[name] = run(command)
        seconds, steps, atoms = row["built-in"]
        lseconds, lsteps, _ = row["lammps -sf opt"]
        print(
            f"  {atoms:8d}  {seconds / steps * 1e3:17.2f}  {lseconds / lsteps * 1e3:15.2f}"
            f"  {seconds / steps / atoms * 1e9:22.1f}  {lseconds / lsteps / atoms * 1e9:20.1f}"
        )


if __name__ == "__main__":
    main()
