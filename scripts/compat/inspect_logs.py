#!/usr/bin/env python3
"""Eval logs written by the real Inspect (inspect-ai 0.3.285), for `claimbench import inspect`.

    inspect_logs.py OUT_DIR [BASE_URL [--server-only]]

Runs Inspect's own `eval()` on the tasks in harness/tests/fixtures/import/inspect/tasks over the
shipped GSM8K data: `gsm8k_match` (`match(numeric=True)`), `gsm8k_includes` (`includes()`) and
`gsm8k_choice` (the `multiple_choice` solver and `choice()` scorer). What it leaves in OUT_DIR:

- mock-a/, mock-b/: Inspect's `mockllm` answering from two fixed lists of outputs (some right,
  some wrong, some unparseable), all three tasks, as `.eval` files (Inspect's default zip,
  Zstandard-compressed entries).
- formats/: mock-a's match log as Inspect writes it with `log_format="json"` (the single-JSON
  layout); the same zip with its entries re-packed deflated and stored (the layouts older Inspect
  versions wrote and other zip tools write); a version-1 JSON log (each sample's legacy `score`);
  a log still running (the zip without `header.json`, as Inspect leaves it mid-run); a zip whose
  entries use a compression method no reader knows; a log of an unknown version.
- epochs/: `gsm8k_match` with epochs=2.
- server/ (with BASE_URL, an OpenAI-compatible server such as the tests' llama-cpp-python one):
  `gsm8k_match` on 8 questions through Inspect's `openai-api` provider, real generated answers.

`just compat-import` writes the committed fixtures (harness/tests/fixtures/import/inspect/logs);
the LLM tests run the server case live.
"""

import glob
import json
import os
import shutil
import sys
import zipfile

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
import pydeps  # noqa: E402

pydeps.require_inspect()
TASKS = os.path.join(pydeps.ROOT, "harness", "tests", "fixtures", "import", "inspect", "tasks")
sys.path.insert(0, TASKS)

from inspect_ai import eval as inspect_eval  # noqa: E402
from inspect_ai.model import ModelOutput, ModelUsage, get_model  # noqa: E402
import gsm8k_inspect  # noqa: E402

LIMIT = 20


def outputs(variant, kind, n):
    """Fixed answers: the right one for some items, a wrong or unparseable one for others. The
    mock model answers in call order, so items are asked one at a time."""
    answers = [json.loads(line) for line in open(os.path.join(pydeps.ROOT, "datasets", "gsm8k", "test.jsonl"))][:n]
    choices = [json.loads(line) for line in open(os.path.join(pydeps.ROOT, "datasets", "gsm8k-mc", "test.jsonl"))][:n]
    texts = []
    for i in range(n):
        right = (i * 7 + variant) % 3 != 0
        if kind == "choice":
            letter = "ABCD"[choices[i]["answer"] if right else (choices[i]["answer"] + 1) % 4]
            texts.append([f"ANSWER: {letter}", f"The answer is ({letter}).\nANSWER: {letter.lower()}", "I am not sure."][i % 3])
        else:
            number = answers[i]["answer"].split("####")[-1].strip().replace(",", "")
            value = number if right else str(int(number) + 1 + variant)
            texts.append([f"So the total is ${value}.", f"The answer is {value}", f"{value} is what we get, not {int(value) * 2}."][i % 3])
    result = []
    for text in texts:
        output = ModelOutput.from_content("mockllm/model", text)
        # Set usage, so that the mock model does not fetch a tokenizer to count tokens.
        output.usage = ModelUsage(input_tokens=len(text) // 4, output_tokens=len(text) // 4, total_tokens=len(text) // 2)
        result.append(output)
    return result


def run(task, model, out, **options):
    logs = inspect_eval(task, model=model, log_dir=out, display="none", max_samples=1, max_connections=1, **options)
    if logs[0].status != "success":
        raise SystemExit(f"inspect eval of {task.name} ended {logs[0].status}")
    return logs[0].location


def mock(variant, kind, epochs=1):
    return get_model("mockllm/model", custom_outputs=outputs(variant, kind, LIMIT) * epochs, memoize=False)


def repack(source, target, compression):
    with zipfile.ZipFile(source) as src, zipfile.ZipFile(target, "w", compression=compression) as dst:
        for info in src.infolist():
            dst.writestr(info.filename, src.read(info.filename))


def main():
    out, base_url = os.path.abspath(sys.argv[1]), (sys.argv[2] if len(sys.argv) > 2 else None)
    os.environ.setdefault("INSPECT_LOG_LEVEL", "warning")
    if "--server-only" not in sys.argv:
        tasks = {"match": gsm8k_inspect.gsm8k_match, "includes": gsm8k_inspect.gsm8k_includes, "choice": gsm8k_inspect.gsm8k_choice}
        for name, variant in [("mock-a", 1), ("mock-b", 2)]:
            for kind, task in tasks.items():
                run(task(limit=LIMIT), mock(variant, kind), os.path.join(out, name))
        formats = os.path.join(out, "formats")
        os.makedirs(formats)
        source = glob.glob(os.path.join(out, "mock-a", "*gsm8k-match*.eval"))[0]
        json_log = run(gsm8k_inspect.gsm8k_match(limit=LIMIT), mock(1, "match"), formats, log_format="json")
        os.rename(json_log, os.path.join(formats, "match.json"))
        repack(source, os.path.join(formats, "match-deflated.eval"), zipfile.ZIP_DEFLATED)
        repack(source, os.path.join(formats, "match-stored.eval"), zipfile.ZIP_STORED)
        # Version 1: one `score` per sample instead of the `scores` table.
        legacy = json.load(open(os.path.join(formats, "match.json")))
        legacy["version"] = 1
        for sample in legacy["samples"]:
            sample["score"] = next(iter(sample.pop("scores").values()))
        json.dump(legacy, open(os.path.join(formats, "match-v1.json"), "w"), indent=2)
        with zipfile.ZipFile(source) as src, zipfile.ZipFile(os.path.join(formats, "match-running.eval"), "w", zipfile.ZIP_DEFLATED) as dst:
            # The journal and the first half of the samples; no header, summaries or reductions.
            for info in src.infolist():
                number = info.filename.removeprefix("samples/gsm8k-test-").split("_")[0]
                if info.filename.startswith("_journal/") or (info.filename.startswith("samples/") and int(number) < LIMIT // 2):
                    dst.writestr(info.filename, src.read(info.filename))
        # A compression method (bzip2) Inspect never writes: refused by name.
        repack(source, os.path.join(formats, "match-bzip2.eval"), zipfile.ZIP_BZIP2)
        unknown = json.load(open(os.path.join(formats, "match.json")))
        unknown["version"] = 7
        json.dump(unknown, open(os.path.join(formats, "match-v7.json"), "w"))
        run(gsm8k_inspect.gsm8k_match(limit=LIMIT), mock(1, "match", epochs=2), os.path.join(out, "epochs"), epochs=2)
    if base_url:
        model = get_model("openai-api/llama/smollm2-135m-instruct", base_url=base_url, api_key="not-needed")
        run(gsm8k_inspect.gsm8k_match(limit=8), model, os.path.join(out, "server"), temperature=0.0, max_tokens=96, seed=1)
    print(f"Inspect logs in {out}", file=sys.stderr)


if __name__ == "__main__":
    main()
