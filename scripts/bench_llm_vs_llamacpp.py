"""Prompt and decode speed of claimbench's built-in gguf system against llama.cpp (through
llama-cpp-python, the same build the tests' server uses) on the same GGUF file and thread count,
in one run, alternating. Prints tokens/s for each and the ratios.

    python3 scripts/bench_llm_vs_llamacpp.py target/release/claimbench [--threads 2] [--reps 3]

The gguf system is measured three ways: its default native engine on the file's own Q4_1 weights,
and candle-transformers' engine on Q4_1 and with requantize_q4_1 (Q8_0). Both builds' instruction
sets are printed first, so that a ratio is read as engines compared on the same instructions (the
server is built for x86-64-v3, as claimbench is), not as one build using AVX-512 and the other not.
Then the native engine and llama.cpp are measured again beside a competing busy process, as on a
machine whose cores are shared: decode speed should drop by about that process's share, not
collapse."""

import argparse
import json
import os
import statistics
import subprocess
import sys
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
SERVER = os.path.join(ROOT, "scripts", "llm", "server.sh")
DECODE = 128


def prompt_text():
    with open(os.path.join(ROOT, "datasets", "gsm8k", "test.jsonl"), encoding="utf-8") as f:
        questions = [json.loads(line)["question"] for _, line in zip(range(4), f)]
    return "\n\n".join(f"Question: {q}\nAnswer:" for q in questions)


# Name in the table, then the extra arguments of `claimbench gguf`.
CONFIGURATIONS = [
    ("gguf native (Q4_1)", ["--engine", "native"]),
    ("gguf candle (Q4_1)", ["--engine", "candle"]),
    ("gguf candle (Q8_0)", ["--engine", "candle", "--requantize-q4-1"]),
]


def ours(binary, model, prompt, threads, extra):
    args = [binary, "gguf", model, "--prompt", prompt, "--max-tokens", str(DECODE), "--threads", str(threads), "--ignore-eos", *extra]
    line = json.loads(subprocess.run(args, check=True, capture_output=True, text=True).stdout.strip().splitlines()[-1])
    return line["prompt_tokens_per_s"], line["decode_tokens_per_s"], len(line["prompt_tokens"])


def llama_cpp_runner(model, threads):
    # Runs inside the server's virtual environment, where llama_cpp is installed.
    code = r'''
import json, sys, time, llama_cpp
model, threads, prompt, decode = sys.argv[1], int(sys.argv[2]), sys.argv[3], int(sys.argv[4])
llm = llama_cpp.Llama(model_path=model, n_threads=threads, n_threads_batch=threads, n_ctx=2048, n_batch=512, verbose=False)
tokens = llm.tokenize(prompt.encode(), add_bos=False, special=True)
llm.reset()
started = time.perf_counter(); llm.eval(tokens); prompt_s = time.perf_counter() - started
import numpy as np
next_token = int(np.argmax(llm.scores[llm.n_tokens - 1]))
started = time.perf_counter()
for _ in range(decode - 1):
    llm.eval([next_token])
    next_token = int(np.argmax(llm.scores[llm.n_tokens - 1]))
decode_s = time.perf_counter() - started
print(json.dumps({"prompt_tokens_per_s": len(tokens) / prompt_s, "decode_tokens_per_s": (decode - 1) / decode_s, "prompt_tokens": len(tokens)}))
'''
    python = subprocess.run([SERVER, "python"], capture_output=True, text=True, check=True).stdout.strip()
    return lambda prompt: json.loads(subprocess.run([python, "-c", code, model, str(threads), prompt, str(DECODE)], check=True, capture_output=True, text=True).stdout)


def instruction_sets(binary, model):
    llama = subprocess.run([SERVER, "system-info"], capture_output=True, text=True, check=True).stdout.strip()
    line = subprocess.run([binary, "gguf", model, "--prompt", "x", "--tokenize-only"], capture_output=True, text=True, check=True).stdout
    return ", ".join(json.loads(line)["build_instruction_sets"]), llama


def table(median, base):
    base_prompt, base_decode = median[base]
    print(f"{'engine':<26}{'prompt tok/s':>14}{'decode tok/s':>14}{'prompt ratio':>14}{'decode ratio':>14}")
    for name, (p, d) in median.items():
        print(f"{name:<26}{p:>14.1f}{d:>14.1f}{p / base_prompt:>14.2f}{d / base_decode:>14.2f}")


def measure(binary, model, prompt, threads, reps, llama, configurations):
    results = {"llama.cpp": [], **{name: [] for name, _ in configurations}}
    for rep in range(reps):
        r = llama(prompt)
        results["llama.cpp"].append((r["prompt_tokens_per_s"], r["decode_tokens_per_s"]))
        for name, extra in configurations:
            p, d, n = ours(binary, model, prompt, threads, extra)
            results[name].append((p, d))
        print(f"rep {rep + 1}/{reps} done ({n} prompt tokens, {DECODE} generated)", file=sys.stderr)
    return {name: (statistics.median(v[0] for v in runs), statistics.median(v[1] for v in runs)) for name, runs in results.items()}


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("binary")
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--reps", type=int, default=3)
    args = parser.parse_args()
    model = subprocess.run([SERVER, "model"], check=True, capture_output=True, text=True).stdout.strip()
    prompt = prompt_text()
    llama = llama_cpp_runner(model, args.threads)
    ours_isa, llama_isa = instruction_sets(args.binary, model)
    print(f"claimbench build: {ours_isa}")
    print(f"llama.cpp build:  {llama_isa}")
    table(measure(args.binary, model, prompt, args.threads, args.reps, llama, CONFIGURATIONS), "llama.cpp")
    print(f"threads={args.threads}, medians of {args.reps} alternating runs, model {os.path.basename(model)}")
    print()
    busy = subprocess.Popen([sys.executable, "-c", "while True: pass"])
    try:
        contended = measure(args.binary, model, prompt, args.threads, args.reps, llama, CONFIGURATIONS[:1])
    finally:
        busy.kill()
        busy.wait()
    print("beside one busy process (a Python loop) on the same cores:")
    table(contended, "llama.cpp")
    print(f"threads={args.threads} on {os.cpu_count()} cores, medians of {args.reps} alternating runs")

if __name__ == "__main__":
    main()
