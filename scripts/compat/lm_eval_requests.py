#!/usr/bin/env python3
"""The requests the real lm-evaluation-harness builds for claimbench's text suites.

For each suite below, the same declaration (the suite's [text] table, whose keys are lm-eval's)
is handed to lm-eval 0.4.13 as a task config over the same local data file, and lm-eval builds
its requests: context and continuation of every choice, or context and `until`, and the target
each document resolves to. Writes harness/tests/fixtures/lm_eval/requests.json, which
`tasks::text` tests compare item for item. `just compat-lm-eval` runs it (installing lm-eval with
pip into .tools/python the first time); nothing here needs a network but that install.
"""

import json
import os
import sys
import tomllib

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
import pydeps  # noqa: E402

pydeps.require("lm_eval")
os.environ.setdefault("HF_DATASETS_OFFLINE", "1")
os.environ.setdefault("HF_HUB_OFFLINE", "1")

import lm_eval  # noqa: E402
from lm_eval.api.task import ConfigurableTask  # noqa: E402

ROOT = pydeps.ROOT
FIXTURES = os.path.join(ROOT, "harness", "tests", "fixtures", "lm_eval")
# Suite file, and how many documents to take (lm-eval's --limit).
SUITES = {
    "gsm8k-text": ("suites/gsm8k-text.toml", 50),
    "gsm8k-mc-text": ("suites/gsm8k-mc-text.toml", 30),
    "gsm8k-5shot-text": ("suites/gsm8k-5shot-text.toml", 25),
    "gsm8k-perplexity-text": ("suites/gsm8k-perplexity-text.toml", 30),
    "gsm8k-lastword-text": ("suites/gsm8k-lastword-text.toml", 30),
    "arc": ("harness/tests/fixtures/lm_eval/arc.toml", None),
    "mmlu": ("harness/tests/fixtures/lm_eval/mmlu.toml", None),
    "yesno": ("harness/tests/fixtures/lm_eval/yesno.toml", None),
    # lm-eval task files, read by lm-eval's own loader (include: merged) and imported by
    # `claimbench suites import-lm-eval`.
    "arc-yaml": ("harness/tests/fixtures/lm_eval/yaml/arc-mini.yaml", None),
    "gsm8k-yaml": ("harness/tests/fixtures/lm_eval/yaml/gsm8k.yaml", 20),
    "gsm8k-5shot-yaml": ("harness/tests/fixtures/lm_eval/yaml/gsm8k-5shot.yaml", 10),
    "gsm8k-perplexity-yaml": ("harness/tests/fixtures/lm_eval/yaml/gsm8k-perplexity.yaml", 10),
}
# How lm-eval's `datasets` loader names each record format.
LOADERS = {"jsonl": "json", "json": "json", "csv": "csv", "parquet": "parquet"}


def task_config(name, suite_path):
    with open(os.path.join(ROOT, suite_path), "rb") as f:
        suite = tomllib.load(f)
    dataset_dir = os.path.normpath(os.path.join(ROOT, os.path.dirname(suite_path), suite["dataset"]["path"]))
    with open(os.path.join(dataset_dir, "dataset.toml"), "rb") as f:
        listed = tomllib.load(f)["files"]

    def paths(key):
        return [os.path.join(dataset_dir, f["path"]) for f in listed if f["key"] == key]

    files = [f for f in listed if f["key"] == suite["dataset"]["file"]]
    data_files = {"test": paths(suite["dataset"]["file"])}
    fewshot = suite.get("fewshot", {})
    text = dict(suite["text"])
    config = {
        "task": name,
        "dataset_path": LOADERS[files[0]["format"]],
        "dataset_kwargs": {"data_files": data_files},
        "test_split": "test",
        "output_type": text.pop("output_type"),
        "num_fewshot": fewshot.get("k", 0),
    }
    if fewshot.get("k", 0) > 0:
        # Examples from another key are lm-eval's fewshot split; without one, the test split.
        key = fewshot.get("file")
        if key and key != suite["dataset"]["file"]:
            data_files["fewshot"] = paths(key)
            config["fewshot_split"] = "fewshot"
        else:
            config["fewshot_split"] = "test"
    for key in ("filter", "exact_match"):
        text.pop(key, None)
    config.update(text)
    if config["output_type"] == "generate_until":
        generation = suite.get("generation", {})
        config["generation_kwargs"] = {
            "until": generation.get("stop", [config.get("fewshot_delimiter", "\n\n")]),
            "max_gen_toks": generation.get("max_tokens", 256),
            "do_sample": False,
            "temperature": 0.0,
        }
    return config


def yaml_config(path):
    from lm_eval.tasks._yaml_loader import load_yaml

    full = os.path.join(ROOT, path)
    config = load_yaml(full)
    # Data files are named from the task file's folder, as claimbench reads them.
    files = config["dataset_kwargs"]["data_files"]
    for split, names in files.items():
        names = names if isinstance(names, list) else [names]
        files[split] = [os.path.normpath(os.path.join(os.path.dirname(full), n)) for n in names]
    config.pop("filter_list", None)
    return config


def fewshot_seed(suite_path):
    if suite_path.endswith(".yaml"):
        return 1234
    with open(os.path.join(ROOT, suite_path), "rb") as f:
        return tomllib.load(f).get("fewshot", {}).get("seed", 1234)


def requests_of(name, suite_path, limit):
    config = yaml_config(suite_path) if suite_path.endswith(".yaml") else task_config(name, suite_path)
    task = ConfigurableTask(config=config)
    # What lm-eval's evaluator does before building requests (its --fewshot_random_seed).
    task.set_fewshot_seed(seed=fewshot_seed(suite_path))
    task.build_all_requests(limit=limit, rank=0, world_size=1)
    docs = list(task.test_docs())
    by_doc = {}
    for instance in sorted(task.instances, key=lambda i: (i.doc_id, i.idx)):
        entry = by_doc.setdefault(instance.doc_id, {"doc_id": instance.doc_id, "request_type": instance.request_type, "arguments": []})
        arguments = list(instance.arguments)
        if instance.request_type == "generate_until":
            # A task that sets no max_gen_toks gets the model's default, 256 for every lm-eval model.
            kwargs = arguments[1]
            arguments = [arguments[0], {"until": kwargs["until"], "max_gen_toks": kwargs.get("max_gen_toks", 256)}]
        entry["arguments"].append(arguments)
    out = []
    for doc_id, entry in sorted(by_doc.items()):
        target = task.doc_to_target(docs[doc_id])
        entry["target"] = target if isinstance(target, (int, str)) else str(target)
        out.append(entry)
    return out, task, docs


def scored(task, docs, requests):
    """lm-eval's metrics for made-up log-likelihoods of a loglikelihood(_rolling) task: each
    document's results through the task's process_results, then its aggregations."""
    per_metric = {}
    logliks, greedy = [], []
    for entry in requests:
        doc_id = entry["doc_id"]
        loglik = -1.5 * (doc_id % 7 + 1) - 0.25 * len(entry["arguments"][0][-1])
        is_greedy = doc_id % 3 == 0
        results = [loglik] if entry["request_type"] == "loglikelihood_rolling" else [(loglik, is_greedy)]
        logliks.append(loglik)
        greedy.append(is_greedy)
        for name, value in task.process_results(docs[doc_id], results).items():
            per_metric.setdefault(name, []).append(value)
    aggregations = task.aggregation()
    metrics = {name: float(aggregations[name](values)) for name, values in per_metric.items()}
    return {"logliks": logliks, "greedy": greedy, "metrics": metrics}


# Token counts, windows and prefix token for lm-eval's rolling windows (a context of one token).
WINDOW_CASES = [(10, 4), (10, 20), (9, 3), (1, 4), (4096, 1000)]


def rolling_windows():
    """lm-eval's rolling log-likelihood windows over tokens 0..n-1 with prefix token -1."""
    from lm_eval.utils import get_rolling_token_windows, make_disjoint_window

    cases = []
    for n, window in WINDOW_CASES:
        windows = get_rolling_token_windows(token_list=list(range(n)), prefix_token=-1, max_seq_len=window, context_len=1)
        cases.append({"tokens": n, "window": window, "windows": [list(map(list, make_disjoint_window(w))) for w in windows]})
    return cases


# Group files, and the folder lm-eval indexes for their tasks.
GROUPS = {"mini-group": "harness/tests/fixtures/lm_eval/yaml"}


def group_tasks(name, index):
    """The tasks a group holds, as lm-eval's task index resolves its names (tags, nested groups)."""
    entry = index[name]
    if entry.kind.name == "TASK":
        return [name]
    members = sorted(entry.tags) if entry.kind.name == "TAG" else entry.cfg["task"]
    return [task for member in members for task in group_tasks(member, index)]


def groups():
    from lm_eval.tasks import TaskManager

    resolved = {}
    for name, folder in GROUPS.items():
        manager = TaskManager(include_path=os.path.join(ROOT, folder), include_defaults=False)
        resolved[name] = {"group_file": os.path.relpath(str(manager.task_index[name].yaml_path), ROOT), "tasks": sorted(set(group_tasks(name, manager.task_index)))}
    return resolved


def main():
    fixture = {"lm_eval_version": lm_eval.__version__, "rolling_windows": rolling_windows(), "groups": groups(), "suites": {}}
    for name, (suite_path, limit) in SUITES.items():
        key = "task_file" if suite_path.endswith(".yaml") else "suite"
        requests, task, docs = requests_of(name, suite_path, limit)
        fixture["suites"][name] = {key: suite_path, "limit": limit, "requests": requests}
        if task.OUTPUT_TYPE in ("loglikelihood", "loglikelihood_rolling"):
            fixture["suites"][name]["scored"] = scored(task, docs, requests)
        print(f"{name}: {len(fixture['suites'][name]['requests'])} documents", file=sys.stderr)
    path = os.path.join(FIXTURES, "requests.json")
    with open(path, "w", encoding="utf-8") as f:
        json.dump(fixture, f, ensure_ascii=False, indent=1)
        f.write("\n")
    print(f"wrote {os.path.relpath(path, ROOT)} (lm-eval {lm_eval.__version__})", file=sys.stderr)


if __name__ == "__main__":
    main()
