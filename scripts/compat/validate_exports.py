#!/usr/bin/env python3
"""Checks the files `claimbench export` wrote against the formats' own definitions.

    validate_exports.py DIR

- Every Eval Ever records (DIR/*.json but bencher.json): validated with jsonschema against the
  project's copy of its schema 0.3.0 (harness/tests/fixtures/every-eval-ever, see SOURCE.md).
- Hugging Face entries (DIR/.eval_results/*.yaml): read by huggingface_hub's own
  `parse_eval_result_entries`, which the Hub's tools use.
- Bencher Metric Format (DIR/bencher.json): every measure a number `value` with optional
  `lower_value` ≤ value ≤ `upper_value`, as Bencher's JSON adapter requires.

Prints one line per file and exits 1 on the first that does not conform.
"""

import glob
import json
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
import pydeps  # noqa: E402

pydeps.require("jsonschema", "yaml", "huggingface_hub")
import jsonschema  # noqa: E402
import yaml  # noqa: E402
from huggingface_hub import parse_eval_result_entries  # noqa: E402

SCHEMA = os.path.join(pydeps.ROOT, "harness", "tests", "fixtures", "every-eval-ever", "eval.schema.json")


def fail(path, why):
    print(f"{path}: {why}")
    sys.exit(1)


def main():
    out = sys.argv[1]
    checked = 0
    for path in sorted(glob.glob(os.path.join(out, "*.json"))):
        record = json.load(open(path))
        if os.path.basename(path) == "bencher.json":
            for benchmark, measures in record.items():
                for name, measure in measures.items():
                    value = measure.get("value")
                    if not isinstance(value, (int, float)) or set(measure) - {"value", "lower_value", "upper_value"}:
                        fail(path, f"{benchmark} {name}: not a Bencher metric: {measure}")
                    if not measure.get("lower_value", value) <= value <= measure.get("upper_value", value):
                        fail(path, f"{benchmark} {name}: value outside its bounds")
            print(f"{path}: Bencher Metric Format, {len(record)} benchmarks")
        else:
            schema = json.load(open(SCHEMA))
            try:
                jsonschema.validators.validator_for(schema)(schema).validate(record)
            except jsonschema.ValidationError as e:
                fail(path, f"not an Every Eval Ever record: {e.message} at {list(e.absolute_path)}")
            print(f"{path}: Every Eval Ever {record['schema_version']}, {len(record['evaluation_results'])} results")
        checked += 1
    for path in sorted(glob.glob(os.path.join(out, ".eval_results", "*.yaml"))):
        entries = parse_eval_result_entries(yaml.safe_load(open(path)))
        if not entries or any(not isinstance(e.value, (int, float)) for e in entries):
            fail(path, "no .eval_results entry with a numeric value")
        print(f"{path}: .eval_results, {len(entries)} entries")
        checked += 1
    if not checked:
        fail(out, "holds no export")


if __name__ == "__main__":
    main()
