#!/usr/bin/env python3
"""The real lm-evaluation-harness against a running OpenAI-compatible server, on a text suite.

    lm_eval_live.py BASE_URL SUITE.toml LIMIT OUT.json

lm-eval 0.4.13 (`local-completions`, no tokenizer: the prompt is sent as text) runs the suite's
declaration over its first LIMIT documents with its own requests and filters, and OUT.json gets
per document: the raw response, the filtered answer and lm-eval's exact_match. The LLM tests run
claimbench's `openai` system on the same suite against the same server and compare item by item.
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
    suite_path = os.path.relpath(os.path.abspath(suite_path), lm_eval_requests.ROOT)
    config = lm_eval_requests.task_config("live", suite_path)
    with open(os.path.join(lm_eval_requests.ROOT, suite_path), "rb") as f:
        text = lm_eval_requests.tomllib.load(f)["text"]
    # The suite's filter chain and exact-match options, as lm-eval task keys.
    config["filter_list"] = [{"name": "suite", "filter": text.get("filter", [{"function": "take_first"}])}]
    config["metric_list"] = [{"metric": "exact_match", "aggregation": "mean", "higher_is_better": True, **text.get("exact_match", {})}]
    task = ConfigurableTask(config=config)
    results = lm_eval.simple_evaluate(
        model="local-completions",
        model_args={
            "base_url": base_url.rstrip("/") + "/completions",
            "model": "smollm2-135m-instruct",
            "tokenizer_backend": "none",
            "tokenized_requests": False,
            "num_concurrent": 1,
            "max_retries": 3,
        },
        tasks=[task],
        limit=limit,
        log_samples=True,
        # The same sampling settings claimbench's test system sends (no repetition penalty).
        gen_kwargs={"repeat_penalty": 1.0},
        fewshot_random_seed=1234,
    )
    samples = results["samples"]["live"]
    documents = [
        {
            "doc_id": s["doc_id"],
            "response": s["resps"][0][0],
            "filtered": s["filtered_resps"][0],
            "exact_match": s["exact_match"],
        }
        for s in sorted(samples, key=lambda s: s["doc_id"])
    ]
    with open(out, "w", encoding="utf-8") as f:
        json.dump({"lm_eval_version": lm_eval.__version__, "documents": documents}, f, ensure_ascii=False, indent=1)
    print(f"lm-eval {lm_eval.__version__}: {len(documents)} documents, exact_match {sum(d['exact_match'] for d in documents) / len(documents):.4f}", file=sys.stderr)


if __name__ == "__main__":
    main()
