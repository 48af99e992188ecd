#!/usr/bin/env python3
"""Output folders written by the real lm-evaluation-harness, for `claimbench import lm-eval`.

    lm_eval_outputs.py OUT_DIR [BASE_URL [--server-only]]

Runs lm-eval 0.4.13's own command line (`python -m lm_eval … --log_samples --output_path`) on
the two task files in harness/tests/fixtures/import/lm-eval/tasks, over the shipped data: `gsm8k-mc-lm-eval` (multiple choice, acc and acc_norm) and
`gsm8k-lm-eval` (generation with lm-eval's gsm8k filters `strict-match` and `flexible-extract`,
and its exact_match options). Each run leaves lm-eval's `results_<date>.json` and
`samples_<task>_<date>.jsonl` in OUT_DIR/<name>/<model>/:

- dummy-a, dummy-b: lm-eval's `dummy` model with seeds 1 and 2 (random log-likelihoods, the
  answer "lol"), both tasks; its model_args carry a made-up token, which import must redact.
- server (with BASE_URL; --server-only leaves out the dummy runs, an OpenAI-compatible server such as the tests' llama-cpp-python one):
  `local-completions` on the first 8 GSM8K questions, real generated answers.

`just compat-import` writes the committed fixtures (harness/tests/fixtures/import/lm-eval/runs); the
LLM tests run the server case live. Nothing here needs a network but the first install.
"""

import os
import subprocess
import sys

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
import pydeps  # noqa: E402

pydeps.require("lm_eval", "tenacity", "tiktoken")
ROOT = pydeps.ROOT

# The task files (lm-eval's gsm8k.yaml, zero-shot with a shorter generation, and a
# multiple-choice task over the GSM8K choices), their data files named from the repository's
# root, where lm-eval runs.
TASKS = os.path.join("harness", "tests", "fixtures", "import", "lm-eval", "tasks")


def lm_eval(out, model, model_args, tasks, limit, seed):
    env = dict(os.environ, PYTHONPATH=pydeps.DEPS, HF_DATASETS_OFFLINE="1", HF_HUB_OFFLINE="1", TOKENIZERS_PARALLELISM="false")
    command = [sys.executable, "-m", "lm_eval", "--model", model, "--model_args", model_args, "--tasks", ",".join(tasks)]
    command += ["--include_path", TASKS, "--limit", str(limit), "--seed", str(seed), "--output_path", out, "--log_samples"]
    subprocess.run(command, check=True, env=env, cwd=ROOT, stdout=subprocess.DEVNULL)


def main():
    out, base_url = os.path.abspath(sys.argv[1]), (sys.argv[2] if len(sys.argv) > 2 else None)
    both = ["gsm8k-mc-lm-eval", "gsm8k-lm-eval"]
    dummies = [] if "--server-only" in sys.argv else [("dummy-a", 1), ("dummy-b", 2)]
    for name, seed in dummies:
        # A made-up token among the model's arguments, as users pass them.
        lm_eval(os.path.join(out, name), "dummy", f"pretrained=dummy-{name},token=hf_madeUpToken1234567", both, 40, seed)
    if base_url:
        model_args = f"base_url={base_url.rstrip('/')}/completions,model=smollm2-135m-instruct,tokenizer_backend=none,tokenized_requests=False,num_concurrent=1,max_retries=3"
        lm_eval(os.path.join(out, "server"), "local-completions", model_args, ["gsm8k-lm-eval"], 8, 1)
    print(f"lm-eval output folders in {out}", file=sys.stderr)


if __name__ == "__main__":
    main()
