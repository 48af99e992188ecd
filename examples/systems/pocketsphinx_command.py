#!/usr/bin/env python3
"""A speech system speaking claimbench's command protocol: reads one JSON request per line,
{"type": "transcribe", "id", "audio_path", "sample_rate", "duration_s"}, decodes the audio with
Debian's `pocketsphinx_continuous`, and answers {"id", "text", "latency_s"} on one line.
"""
import json
import subprocess
import sys
import time

MODEL = "/usr/share/pocketsphinx/model/en-us"

for line in sys.stdin:
    request = json.loads(line)
    if request.get("type") != "transcribe":
        print(json.dumps({"id": request.get("id"), "output": ""}), flush=True)
        continue
    started = time.perf_counter()
    done = subprocess.run(
        ["pocketsphinx_continuous", "-infile", request["audio_path"], "-hmm", f"{MODEL}/en-us", "-lm", f"{MODEL}/en-us.lm.bin",
         "-dict", f"{MODEL}/cmudict-en-us.dict", "-logfn", "/dev/null"],
        capture_output=True, text=True, check=True,
    )
    text = " ".join(done.stdout.split())
    print(json.dumps({"id": request["id"], "text": text, "latency_s": time.perf_counter() - started}), flush=True)
