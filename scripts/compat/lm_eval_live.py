#!/usr/bin/env python3
"""The real lm-evaluation-harness against a running OpenAI-compatible server, on a text suite.

    lm_eval_live.py BASE_URL SUITE.toml LIMIT OUT.json [BOS_TEXT]

lm-eval 0.4.13 runs the suite's declaration over its first LIMIT documents with its own requests,
filters and metrics, and OUT.json gets, per document, what it asked and concluded:

- generate_until: `local-completions` (no tokenizer: the prompt is sent as text); the raw
  response, the filtered answer and exact_match.
- multiple_choice: its `gguf` model, written for llama-cpp-python's server (the prompt and each
  choice sent as text with `echo`, the choice's log-probabilities found by text offset); each
  choice's log-likelihood and whether greedy decoding gives it, acc and acc_norm. BOS_TEXT is put
  before every context (lm-eval's `description`), as claimbench's `bos_text` puts it before every
  prompt: llama-cpp-python shifts echoed log-probabilities by one token without it.

The LLM tests run claimbench's `openai` system on the same suite against the same server and
compare item by item.
"""

import json
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
import pydeps  # noqa: E402

pydeps.require("lm_eval", "tenacity", "tiktoken")
os.environ.setdefault("HF_DATASETS_OFFLINE", "1")
os.environ.setdefault("HF_HUB_OFFLINE", "1")

import lm_eval  # noqa: E402
import lm_eval_requests  # noqa: E402
from lm_eval.api.task import ConfigurableTask  # noqa: E402


def main():
    base_url, suite_path, limit, out = sys.argv[1], sys.argv[2], int(sys.argv[3]), sys.argv[4]
    bos_text = sys.argv[5] if len(sys.argv) > 5 else ""
    suite_path = os.path.relpath(os.path.abspath(suite_path), lm_eval_requests.ROOT)
    config = lm_eval_requests.task_config("live", suite_path)
    with open(os.path.join(lm_eval_requests.ROOT, suite_path), "rb") as f:
        text = lm_eval_requests.tomllib.load(f)["text"]
    if config["output_type"] == "multiple_choice":
        documents = multiple_choice(base_url, config, limit, bos_text)
        summary = f"acc {sum(d['acc'] for d in documents) / len(documents):.4f}"
    else:
        documents = generation(base_url, config, text, limit)
        summary = f"exact_match {sum(d['exact_match'] for d in documents) / len(documents):.4f}"
    with open(out, "w", encoding="utf-8") as f:
        json.dump({"lm_eval_version": lm_eval.__version__, "documents": documents}, f, ensure_ascii=False, indent=1)
    print(f"lm-eval {lm_eval.__version__}: {len(documents)} documents, {summary}", file=sys.stderr)


def samples_of(model, model_args, config, limit, **kwargs):
    results = lm_eval.simple_evaluate(
        model=model, model_args=model_args, tasks=[ConfigurableTask(config=config)], limit=limit, log_samples=True, fewshot_random_seed=1234, **kwargs
    )
    return sorted(results["samples"]["live"], key=lambda s: s["doc_id"])


def generation(base_url, config, text, limit):
    # The suite's filter chain and exact-match options, as lm-eval task keys.
    config["filter_list"] = [{"name": "suite", "filter": text.get("filter", [{"function": "take_first"}])}]
    config["metric_list"] = [{"metric": "exact_match", "aggregation": "mean", "higher_is_better": True, **text.get("exact_match", {})}]
    model_args = {
        "base_url": base_url.rstrip("/") + "/completions",
        "model": "smollm2-135m-instruct",
        "tokenizer_backend": "none",
        "tokenized_requests": False,
        "num_concurrent": 1,
        "max_retries": 3,
    }
    # The same sampling settings claimbench's test system sends (no repetition penalty).
    samples = samples_of("local-completions", model_args, config, limit, gen_kwargs={"repeat_penalty": 1.0})
    return [
        {"doc_id": s["doc_id"], "response": s["resps"][0][0], "filtered": s["filtered_resps"][0], "exact_match": s["exact_match"]}
        for s in samples
    ]


def multiple_choice(base_url, config, limit, bos_text):
    config["description"] = bos_text + config.get("description", "")
    config["metric_list"] = [{"metric": "acc"}, {"metric": "acc_norm"}]
    root = base_url.rstrip("/").removesuffix("/v1")
    samples = samples_of("gguf", {"base_url": root}, config, limit)
    return [
        {
            "doc_id": s["doc_id"],
            "logliks": [r[0][0] for r in s["resps"]],
            "greedy": [bool(r[0][1]) for r in s["resps"]],
            "acc": s["acc"],
            "acc_norm": s["acc_norm"],
        }
        for s in samples
    ]


if __name__ == "__main__":
    main()
