#!/usr/bin/env python3
"""Writes the reference outputs of Whisper's English text normaliser (PyPI whisper-normalizer,
the package the Open ASR Leaderboard's normaliser comes from) for a few hundred varied
sentences: numbers, currencies, ordinals, decimals, hyphens, contractions, titles, British
spellings, fillers, brackets and diacritics. claimbench's port must agree on at least 99% of
them, and every disagreement must be listed in KNOWN-DIFFERENCES.md next to the fixture.

Usage: scripts/whisper_normaliser_reference.py [OUT.jsonl]
"""
import itertools
import json
import os
import random
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import pydeps  # noqa: E402

pydeps.require("whisper_normalizer")
from whisper_normalizer.english import EnglishTextNormalizer  # noqa: E402

HANDWRITTEN = [
    "Mr. Smith won't pay $20 million, it's 3.5%!",
    "Twenty-five colours [laughter] um (inaudible) café",
    "one oh one and a half",
    "the nineteen sixties, the twenty first century",
    "I've got two hundred and fifty-six apples and three and a half pears.",
    "She'd been to St. Louis on the 3rd of May, 2021.",
    "Dr. Jones can't come; he's at the hospital till nine o'clock.",
    "It costs five dollars and seventy five cents, or $5.75 in total.",
    "The temperature dropped to minus twelve degrees.",
    "We sold 1,234,567 units at £3.50 each.",
    "Call me at double five triple two one oh nine.",
    "The 1990s were better than the twenty tens.",
    "He finished in first place, she came second, they were third.",
    "A hundred thousand people, ten million euros, one billion stars.",
    "Uh, hmm, I mean, you know, it's kinda hard to say.",
    "The colour of the theatre's centre aisle was grey.",
    "Let's go! Y'all gonna wanna see this.",
    "Prof. Brown and Capt. Hook met Gen. Lee and Sen. Warren.",
    "Naïve coöperation at the café in Zürich; ﬁne résumé.",
    "Point five percent of the vote, zero point seven five per cent.",
    "Room 101, flight BA2490, version 3.2.1 of the software.",
    "Their 50th anniversary was on the 31st, a twelfth of the way through.",
    "Seventeen hundred and seventy six was a year of revolution.",
    "It's 6:30 pm and the score is 3-2.",
    "He said <unk> and then [noise] laughed.",
    "Ninety nine bottles; ninety-nine problems; 99 luftballons.",
    "The cheque was for one thousand two hundred and thirty four pounds.",
    "I'm gonna organise the programme and analyse the catalogue.",
    "Twenty twenty was a strange year; so was two thousand and one.",
    "Ones and twos, sixes and sevens, the nineties and the hundreds.",
]

ONES = ["one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten", "eleven", "twelve", "thirteen", "fifteen", "nineteen"]
TENS = ["twenty", "thirty", "forty", "fifty", "sixty", "seventy", "eighty", "ninety"]
MULTIPLIERS = ["hundred", "thousand", "million", "billion"]
ORDINALS = ["first", "second", "third", "fourth", "fifth", "eighth", "ninth", "twelfth", "twentieth", "thirtieth", "hundredth", "millionth"]
UNITS = ["dollars", "euros", "pounds", "cents", "percent", "per cent", "people", "apples", "years"]
CONTRACTIONS = ["won't", "can't", "shouldn't", "they're", "we've", "I'll", "she'd", "it's", "that's been", "he's gone", "ma'am", "dunno", "gotta", "let's"]
BRITISH = ["colour", "favourite", "realise", "analyse", "centre", "theatre", "travelling", "defence", "licence", "grey", "catalogue", "programme", "organisation"]


def generated(rng):
    out = []
    for _ in range(110):
        words = [rng.choice(TENS), rng.choice(ONES[:9])] if rng.random() < 0.5 else [rng.choice(ONES)]
        if rng.random() < 0.6:
            words += [rng.choice(MULTIPLIERS)] + ([rng.choice(["and", ""]), rng.choice(ONES)] if rng.random() < 0.5 else [])
        number = " ".join(w for w in words if w)
        if rng.random() < 0.3:
            number = number.replace(" ", "-", 1)
        out.append(f"about {number} {rng.choice(UNITS)} were counted")
    for _ in range(50):
        out.append(f"the {rng.choice(ORDINALS)} of {rng.choice(['june', 'march', 'the month'])} was {rng.choice(['fine', 'rainy'])}")
    for _ in range(60):
        a, b = rng.sample(CONTRACTIONS, 2)
        out.append(f"{a.capitalize()} say it, {b} do it")
    for _ in range(40):
        out.append(f"The {rng.choice(BRITISH)} and the {rng.choice(BRITISH)}.")
    for _ in range(40):
        amount = rng.choice(["$", "£", "€"]) + str(rng.randint(0, 9999)) + rng.choice(["", ".5", ".05", ".99", " million"])
        out.append(f"it cost {amount} or {rng.randint(1, 100)}% more, {rng.randint(1000, 99999):,} in all")
    for digits in itertools.islice(itertools.product(["oh", "zero", "one", "double two", "triple nine", "point"], repeat=3), 30):
        out.append("dial " + " ".join(digits))
    return out


def main():
    out = sys.argv[1] if len(sys.argv) > 1 else os.path.join(pydeps.ROOT, "harness", "tests", "fixtures", "whisper-normaliser", "cases.jsonl")
    normalise = EnglishTextNormalizer()
    sentences = HANDWRITTEN + generated(random.Random(20261127))
    os.makedirs(os.path.dirname(out), exist_ok=True)
    with open(out, "w", encoding="utf-8") as f:
        for s in sentences:
            f.write(json.dumps({"input": s, "expected": normalise(s)}, ensure_ascii=False) + "\n")
    print(f"wrote {len(sentences)} cases to {out}")


if __name__ == "__main__":
    main()
