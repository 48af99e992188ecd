#!/usr/bin/env python3
"""Reference word-error counts of a JSONL file of {"reference", "hypothesis"} pairs, from PyPI
jiwer or from NIST sclite (Debian `sctk`), printed as one JSON object:
{"hits", "substitutions", "deletions", "insertions", "wer"}. The texts are used as given
(already normalised); sclite runs case-sensitive on UTF-8.

Usage: scripts/asr_reference.py jiwer|sclite PAIRS.jsonl
"""
import json
import os
import re
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))


def load(path):
    with open(path, encoding="utf-8") as f:
        return [json.loads(line) for line in f if line.strip()]


def with_jiwer(pairs):
    import pydeps

    pydeps.require("jiwer")
    import jiwer

    out = jiwer.process_words([p["reference"] for p in pairs], [p["hypothesis"] for p in pairs])
    return {"hits": out.hits, "substitutions": out.substitutions, "deletions": out.deletions, "insertions": out.insertions, "wer": out.wer}


def with_sclite(pairs):
    with tempfile.TemporaryDirectory() as work:
        for name, key in (("ref.trn", "reference"), ("hyp.trn", "hypothesis")):
            with open(os.path.join(work, name), "w", encoding="utf-8") as f:
                for k, p in enumerate(pairs):
                    f.write(f"{p[key]} (u{k:07d})\n")
        done = subprocess.run(
            ["sctk", "sclite", "-r", os.path.join(work, "ref.trn"), "trn", "-h", os.path.join(work, "hyp.trn"), "trn", "-i", "rm", "-s", "-e", "utf-8", "-o", "pra", "stdout"],
            capture_output=True,
            text=True,
        )
        if done.returncode != 0:
            sys.exit(f"sclite failed: {done.stderr}")
    totals = [0, 0, 0, 0]
    scored = 0
    for line in done.stdout.splitlines():
        m = re.match(r"Scores: \(#C #S #D #I\) (\d+) (\d+) (\d+) (\d+)", line)
        if m:
            scored += 1
            totals = [t + int(v) for t, v in zip(totals, m.groups())]
    if scored != len(pairs):
        sys.exit(f"sclite scored {scored} of {len(pairs)} utterances")
    hits, subs, dels, ins = totals
    words = hits + subs + dels
    return {"hits": hits, "substitutions": subs, "deletions": dels, "insertions": ins, "wer": (subs + dels + ins) / words if words else 0.0}


def main():
    if len(sys.argv) != 3 or sys.argv[1] not in ("jiwer", "sclite"):
        sys.exit(__doc__)
    pairs = load(sys.argv[2])
    print(json.dumps(with_jiwer(pairs) if sys.argv[1] == "jiwer" else with_sclite(pairs)))


if __name__ == "__main__":
    main()
