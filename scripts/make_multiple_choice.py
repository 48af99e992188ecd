"""Builds datasets/gsm8k-mc: numeric multiple-choice questions from the first GSM8K test
problems, with distractors made by fixed rules (deterministic; rerun to regenerate):

1. stopped early: the result of the worked solution's second-to-last calculation
   (`<<expr=value>>`), the answer of a solver who skips the last step;
2. copied operand: the largest number in the question that is not the answer;
3. place-value slip: the answer times ten;
4. then, until there are three: the answer plus one, minus one, doubled, halved (whole only).

Distractors are positive, distinct from the answer and from each other. The four choices are
shuffled with a seed per item. Usage: python3 scripts/make_multiple_choice.py [COUNT]"""

import hashlib
import json
import os
import random
import re
import shutil
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
SOURCE = os.path.join(ROOT, "datasets", "gsm8k", "test.jsonl")
OUT = os.path.join(ROOT, "datasets", "gsm8k-mc")
NUMBER = re.compile(r"-?\d[\d,]*(?:\.\d+)?")


def parse(text):
    value = float(text.replace(",", ""))
    return int(value) if value == int(value) else value


def show(value):
    return str(int(value)) if value == int(value) else f"{value:g}"


def distractors(question, solution, answer):
    found = []

    def offer(value):
        if value is None or value <= 0 or value == answer or value in found:
            return
        found.append(value)

    steps = re.findall(r"<<[^=>]*=([^>]*)>>", solution)
    if len(steps) >= 2:
        try:
            offer(parse(steps[-2]))
        except ValueError:
            pass
    numbers = [parse(n) for n in NUMBER.findall(question)]
    others = [n for n in numbers if n != answer]
    if others:
        offer(max(others))
    offer(answer * 10)
    for value in (answer + 1, answer - 1, answer * 2, answer / 2 if answer % 2 == 0 else None):
        offer(value)
    return found[:3]


def main():
    count = int(sys.argv[1]) if len(sys.argv) > 1 else 100
    os.makedirs(OUT, exist_ok=True)
    rows = []
    with open(SOURCE, encoding="utf-8") as source:
        for index, line in enumerate(source):
            if len(rows) == count:
                break
            record = json.loads(line)
            answer = parse(record["answer"].split("####")[-1].strip())
            wrong = distractors(record["question"], record["answer"], answer)
            if len(wrong) < 3:
                continue
            choices = [answer] + wrong
            random.Random(index).shuffle(choices)
            rows.append(
                {
                    "id": f"gsm8k-test-{index}",
                    "question": record["question"],
                    "choices": [show(c) for c in choices],
                    "answer": choices.index(answer),
                }
            )
    path = os.path.join(OUT, "test.jsonl")
    with open(path, "w", encoding="utf-8") as out:
        for row in rows:
            out.write(json.dumps(row, ensure_ascii=False) + "\n")
    digest = hashlib.sha256(open(path, "rb").read()).hexdigest()
    with open(os.path.join(OUT, "dataset.toml"), "w", encoding="utf-8") as toml:
        toml.write(
            f'''name = "gsm8k-mc"
version = "1"
license = "MIT"
license_file = "LICENSE"
source = "Built by scripts/make_multiple_choice.py from the first GSM8K test problems (Cobbe et al., 2021); distractors by the rules in that script"
description = "{len(rows)} four-way numeric multiple-choice questions: the GSM8K answer and three rule-made distractors."

[[files]]
key = "test"
path = "test.jsonl"
format = "jsonl"
sha256 = "{digest}"
'''
        )
    shutil.copyfile(os.path.join(ROOT, "datasets", "gsm8k", "LICENSE"), os.path.join(OUT, "LICENSE"))
    print(f"wrote {len(rows)} questions to {path}")


if __name__ == "__main__":
    main()
