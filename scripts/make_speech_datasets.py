#!/usr/bin/env python3
"""Builds the shipped speech datasets from their sources, with every file's sha256 in
dataset.toml:

- datasets/librivox-5: five LibriVox utterances (16 kHz) with their trn transcription, as in
  CMU PocketSphinx's test data (BSD-2-Clause; the recordings are public domain).
- datasets/fsdd-digits: the Free Spoken Digit Dataset's test split (300 clips, 8 kHz, CC BY-SA
  4.0), with a NeMo manifest whose text is the spoken digit as a word.
- datasets/flite-synthetic: sentences written for claimbench, spoken by flite's kal16 voice
  (16 kHz), as a folder of WAV files with same-named .txt transcripts.

Needs Debian's flite for the synthetic set.

Usage: scripts/make_speech_datasets.py SOURCE_DATASETS_DIR
(SOURCE_DATASETS_DIR holds librivox-5/ and fsdd-test/ as distributed.)
"""
import hashlib
import json
import os
import shutil
import subprocess
import sys
import wave

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
DIGITS = ["zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine"]


def sha256(path):
    with open(path, "rb") as f:
        return hashlib.sha256(f.read()).hexdigest()


def write_toml(target, header, files):
    lines = [header.strip(), ""]
    for key, path, fmt in files:
        lines += ["[[files]]", f'key = "{key}"', f'path = "{path}"', f'format = "{fmt}"', f'sha256 = "{sha256(os.path.join(target, path))}"', ""]
    with open(os.path.join(target, "dataset.toml"), "w") as f:
        f.write("\n".join(lines))


def librivox(source, target):
    os.makedirs(target, exist_ok=True)
    files = [("transcription", "transcription", "text")]
    shutil.copy(os.path.join(source, "transcription"), target)
    shutil.copy(os.path.join(source, "LICENSE.pocketsphinx"), os.path.join(target, "LICENSE"))
    with open(os.path.join(source, "fileids")) as f:
        ids = [line.strip() for line in f if line.strip()]
    for utterance in ids:
        shutil.copy(os.path.join(source, f"{utterance}.wav"), target)
        files.append((utterance, f"{utterance}.wav", "wav"))
    write_toml(
        target,
        """
name = "librivox-5"
version = "pocketsphinx-test-1"
license = "BSD-2-Clause (transcription and packaging); recordings public domain (LibriVox)"
license_file = "LICENSE"
source = "CMU PocketSphinx test/data/librivox: five utterances of Jane Austen's 'Sense and Sensibility' read for LibriVox"
description = "Five read utterances, 16 kHz mono 16-bit WAV, with a Sphinx/sclite trn transcription."
""",
        files,
    )


def fsdd(source, target):
    os.makedirs(target, exist_ok=True)
    names = sorted(n for n in os.listdir(source) if n.endswith(".wav"))
    files = [("manifest", "manifest.json", "jsonl")]
    with open(os.path.join(target, "manifest.json"), "w") as manifest:
        for name in names:
            shutil.copy(os.path.join(source, name), os.path.join(target, name))
            with wave.open(os.path.join(target, name)) as w:
                duration = w.getnframes() / w.getframerate()
            manifest.write(json.dumps({"audio_filepath": name, "duration": round(duration, 6), "text": DIGITS[int(name.split("_")[0])]}) + "\n")
            files.append((name[:-4], name, "wav"))
    with open(os.path.join(target, "LICENSE"), "w") as f:
        f.write("Free Spoken Digit Dataset (https://github.com/Jakobovski/free-spoken-digit-dataset)\n"
                "Licensed under the Creative Commons Attribution-ShareAlike 4.0 International License:\n"
                "https://creativecommons.org/licenses/by-sa/4.0/\n")
    write_toml(
        target,
        """
name = "fsdd-digits"
version = "test-split-1"
license = "CC-BY-SA-4.0"
license_file = "LICENSE"
source = "Free Spoken Digit Dataset (Jakobovski/free-spoken-digit-dataset), official test split: recordings 0-4 of each digit and speaker"
description = "300 spoken digits (6 speakers), 8 kHz mono 16-bit WAV, with a NeMo manifest whose text is the digit as a word."
""",
        files,
    )


SENTENCES = [
    "the quick brown fox jumps over the lazy dog",
    "please call stella and ask her to bring these things with her from the store",
    "the results of the experiment were checked by three independent reviewers",
    "a faster simulation is only useful when the energy is conserved",
    "speech recognition errors are counted word by word",
    "the committee will meet again on the first monday of next month",
    "every number in the report carries its sample count and confidence interval",
    "she sells sea shells by the sea shore",
    "the benchmark ran on two cores for about ten minutes",
    "open the window and let the fresh air into the room",
]


def synthetic(target):
    os.makedirs(target, exist_ok=True)
    files = []
    for k, sentence in enumerate(SENTENCES):
        name = f"sentence-{k:02d}"
        subprocess.run(["flite", "-voice", "kal16", "-t", sentence, "-o", os.path.join(target, f"{name}.wav")], check=True)
        with open(os.path.join(target, f"{name}.txt"), "w") as f:
            f.write(sentence + "\n")
        files += [(name, f"{name}.wav", "wav"), (f"{name}.txt", f"{name}.txt", "text")]
    with open(os.path.join(target, "LICENSE"), "w") as f:
        f.write("The sentences are claimbench's own (Apache-2.0); the audio was synthesised from them with flite's kal16 voice.\n")
    write_toml(
        target,
        """
name = "flite-synthetic"
version = "1"
license = "Apache-2.0"
license_file = "LICENSE"
source = "claimbench: sentences in scripts/make_speech_datasets.py spoken by flite 2.2 (Debian), voice kal16"
description = "Ten synthetic English sentences, 16 kHz mono WAV, each with a same-named .txt transcript."
""",
        files,
    )


def main():
    if len(sys.argv) != 2:
        sys.exit(__doc__)
    source = sys.argv[1]
    librivox(os.path.join(source, "librivox-5"), os.path.join(ROOT, "datasets", "librivox-5"))
    fsdd(os.path.join(source, "fsdd-test"), os.path.join(ROOT, "datasets", "fsdd-digits"))
    synthetic(os.path.join(ROOT, "datasets", "flite-synthetic"))


if __name__ == "__main__":
    main()
