#!/usr/bin/env python3
"""Verdicts of Inspect's own scorers on many answer shapes, for claimbench's re-derivation
(`tasks::text::inspect`) to be checked against.

    inspect_scorers.py OUT.jsonl

Each line: {"scorer": {...}, "output": TEXT, "target": [TEXT, ...], "choices": N?, "answer": TEXT,
"correct": BOOL}, where answer and correct come from running inspect-ai 0.3.285's `match`
(every location, numeric or not, case-sensitive or not), `includes` and `choice` (after the
`multiple_choice` solver's answer parsing) on a task state holding OUTPUT. The shapes are
generated: numbers with currency signs, separators, decimals, signs, exponents and surrounding
punctuation; words in mixed case; `ANSWER:` lines in the forms models write. `just
compat-import` rewrites harness/tests/fixtures/import/inspect/scorers.jsonl.
"""

import asyncio
import itertools
import json
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
import pydeps  # noqa: E402

pydeps.require_inspect()

from inspect_ai.model import ModelName, ModelOutput  # noqa: E402
from inspect_ai.scorer import Target, choice, includes, match  # noqa: E402
from inspect_ai.solver import TaskState  # noqa: E402
from inspect_ai.solver._multiple_choice import parse_answers, set_choices_based_on_generated_response  # noqa: E402

NUMBERS = ["18", "1,800", "$1,800", "1800.00", "-3", "3.50", "0.5", ".5", "1e3", "1000", "(42)", "42!", "7%", "€12", "\\$20", "**18**", "18."]
TARGETS = ["18", "1800", "-3", "3.5", "0.5", "1000", "42", "7", "12", "20", "Paris", "paris.", "B", "$1,800"]
FRAMES = ["{}", "The answer is {}", "{} is what we get, not 36.", "So the total is {}.", "Answer: {}\n", "We get 5 then {} overall", "  {}  "]
WORDS = ["Paris", "PARIS!", "The capital is paris.", "paris, France", "Lyon", "It is Paris, not Lyon", ""]
CHOICE_OUTPUTS = [
    "ANSWER: B", "ANSWER: b", "answer: C.", "The answer is (B).\nANSWER: B", "ANSWER: (D)", "ANSWER: **A**", "ANSWER: $C$",
    "ANSWER: E", "ANSWER: A, B", "ANSWER: AB", "I think the ANSWER: D is right", "Reasoning...\nANSWER: A\nANSWER: C", "", "no idea",
    "ANSWER:B", "ANSWER: C,", "Final ANSWER: d.",
]


def state(output, choices=None):
    s = TaskState(ModelName("mockllm/model"), "x", 1, "question", [], choices=choices)
    s.output = ModelOutput.from_content("mockllm/model", output)
    return s


async def verdict(scorer, output, target, choices=None):
    s = state(output, choices)
    if choices is not None:
        set_choices_based_on_generated_response(s, parse_answers(s, False))
    score = await scorer(s, Target(target))
    return score.answer or "", score.value == "C"


async def main():
    cases = []
    for location, numeric, ignore_case in itertools.product(["begin", "end", "any", "exact"], [True, False], [True, False]):
        if numeric and not ignore_case:
            continue
        options = {"scorer": "match", "location": location, "ignore_case": ignore_case, "numeric": numeric}
        scorer = match(location=location, ignore_case=ignore_case, numeric=numeric)
        texts = [f.format(n) for f in FRAMES for n in NUMBERS] + WORDS
        # Each text against four targets, a different four for each, and a number text against
        # its own number written plainly.
        for i, text in enumerate(texts):
            for target in (TARGETS * 2)[i % len(TARGETS) :][:4]:
                cases.append((options, scorer, text, [target], None))
        for f, n in itertools.product(FRAMES, NUMBERS):
            plain = n.strip("$€\\*!()%.").replace(",", "")
            cases.append((options, scorer, f.format(n), [plain], None))
    for ignore_case in [True, False]:
        scorer = includes(ignore_case=ignore_case)
        for text, target in itertools.product(WORDS + [f.format(n) for f in FRAMES[:3] for n in NUMBERS], ["paris", "Paris", "18", "1,800"]):
            cases.append(({"scorer": "includes", "ignore_case": ignore_case}, scorer, text, [target], None))
    for text, target in itertools.product(CHOICE_OUTPUTS, ["B", "A", "C", "D", ["A", "C"]]):
        targets = target if isinstance(target, list) else [target]
        cases.append(({"scorer": "choice"}, choice(), text, targets, ["w", "x", "y", "z"]))
    with open(sys.argv[1], "w", encoding="utf-8") as out:
        for options, scorer, text, targets, choices in cases:
            answer, correct = await verdict(scorer, text, targets, choices)
            line = {"scorer": options, "output": text, "target": targets, "answer": answer, "correct": correct}
            if choices is not None:
                line["choices"] = len(choices)
            out.write(json.dumps(line, ensure_ascii=False, separators=(",", ":")) + "\n")
    print(f"{len(cases)} verdicts of Inspect's scorers in {sys.argv[1]}", file=sys.stderr)


if __name__ == "__main__":
    asyncio.run(main())
