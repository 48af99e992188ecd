#!/usr/bin/env python3
"""A tiny system that speaks claimbench's command protocol.

It reads one JSON request per line on stdin and writes one JSON response per line on stdout:

    request:  {"type": "generate", "id": "...", "prompt": "...", "max_tokens": 256, ...}
    response: {"id": "...", "output": "...", "latency_s": 0.0001}
    request:  {"type": "loglikelihood", "id": "...", "context": "...", "continuations": [" 18", ...]}
    response: {"id": "...", "logprobs": [-0.1, -2.3, ...]}
    request:  {"type": "loglikelihood_rolling", "id": "...", "text": "..."}
    response: {"id": "...", "logprob": -42.0}

It does not understand the question; it guesses from the numbers in it, so its accuracy is low
but real. The --*-after options make it misbehave on purpose, for testing how claimbench copes.
"""

import argparse
import json
import os
import re
import sys
import time

NUMBER = re.compile(r"-?\d+(?:,\d{3})*(?:\.\d+)?")


def numbers_in(question):
    return [float(n.replace(",", "")) for n in NUMBER.findall(question)]


def guess(strategy, prompt):
    # Few-shot prompts hold several questions; the one to answer comes last.
    question = prompt.rsplit("Question:", 1)[-1]
    values = numbers_in(question)
    if not values:
        return "I cannot tell. #### 0"
    if strategy == "last-number":
        answer = values[-1]
    elif strategy == "sum":
        answer = sum(values)
    elif strategy == "product-of-two-largest":
        top = sorted(values)[-2:]
        answer = top[0] * top[-1] if len(top) == 2 else top[0]
    else:
        raise SystemExit(f"unknown strategy {strategy}")
    text = f"{answer:.2f}".rstrip("0").rstrip(".")
    return f"The numbers are {', '.join(f'{v:g}' for v in values)}. #### {text}"


def loglikelihoods(strategy, context, continuations):
    """The guessed number's continuation is likely, the others not."""
    wanted = guess(strategy, context).rsplit("#### ", 1)[-1]
    return [-0.1 if c.strip() == wanted else -2.3 for c in continuations]


def text_loglikelihood(text):
    """A character model that finds digits less likely than letters, and knows nothing else."""
    return -sum(3.0 if c.isdigit() else 1.5 for c in text)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--strategy", default="sum", choices=["last-number", "sum", "product-of-two-largest"])
    parser.add_argument("--delay", type=float, default=0.0, help="seconds to spend on each request (a slow system)")
    parser.add_argument("--crash-after", type=int, help="exit with status 1 after answering N requests")
    parser.add_argument("--hang-after", type=int, help="stop answering (but stay alive) after N requests")
    parser.add_argument("--garbage-after", type=int, help="print a non-JSON line after N requests")
    parser.add_argument("--fail-every", type=int, help="report an error for every Nth request instead of answering it")
    parser.add_argument("--fail-while", help="with --fail-every: only while this file exists")
    args = parser.parse_args()

    answered = 0
    received = 0
    for line in sys.stdin:
        if not line.strip():
            continue
        received += 1
        failing = args.fail_every and received % args.fail_every == 0
        if failing and (args.fail_while is None or os.path.exists(args.fail_while)):
            request = json.loads(line)
            print(json.dumps({"id": request["id"], "error": "no answer for this item (failing on purpose)"}), flush=True)
            continue
        if args.crash_after is not None and answered >= args.crash_after:
            print("number_heuristic: crashing on purpose", file=sys.stderr)
            sys.exit(1)
        if args.hang_after is not None and answered >= args.hang_after:
            time.sleep(3600)
        if args.garbage_after is not None and answered >= args.garbage_after:
            print("this is not json", flush=True)
            continue
        started = time.perf_counter()
        time.sleep(args.delay)
        request = json.loads(line)
        if request.get("type") == "loglikelihood_rolling":
            logprob = text_loglikelihood(request["text"])
            response = {"id": request["id"], "logprob": logprob, "latency_s": time.perf_counter() - started}
        elif request.get("type") == "loglikelihood":
            logprobs = loglikelihoods(args.strategy, request["context"], request["continuations"])
            response = {"id": request["id"], "logprobs": logprobs, "latency_s": time.perf_counter() - started}
        else:
            output = guess(args.strategy, request["prompt"])
            response = {"id": request["id"], "output": output, "latency_s": time.perf_counter() - started}
        print(json.dumps(response), flush=True)
        answered += 1


if __name__ == "__main__":
    main()
