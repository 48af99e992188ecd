//! Speech scoring against the reference scorers people already trust: PyPI jiwer and NIST
//! sclite (Debian `sctk`), run live on the same pairs.

use crate::common::*;
use claimbench::stats::rng::Rng;
use serde_json::Value;
use std::path::Path;

const VOCABULARY: &[&str] = &["the", "a", "cat", "sat", "on", "mat", "dog", "ran", "très", "naïve", "日本", "straße", "ok", "x"];

/// Random pairs of 0–12 words each, some of them empty, as JSONL.
fn random_pairs(n: usize, seed: u64) -> String {
    let mut rng = Rng::new(seed);
    let words = |rng: &mut Rng| -> String {
        let len = rng.below(13) as usize;
        (0..len).map(|_| VOCABULARY[rng.below(VOCABULARY.len() as u64) as usize]).collect::<Vec<_>>().join(" ")
    };
    (0..n)
        .map(|_| {
            let (reference, hypothesis) = (words(&mut rng), words(&mut rng));
            format!("{}\n", serde_json::json!({"reference": reference, "hypothesis": hypothesis}))
        })
        .collect()
}

fn reference_scorer(scorer: &str, pairs: &Path) -> Value {
    let out =
        std::process::Command::new("python3").arg(repo_root().join("scripts/asr_reference.py")).arg(scorer).arg(pairs).output().unwrap();
    assert!(out.status.success(), "{scorer}: {}", String::from_utf8_lossy(&out.stderr));
    serde_json::from_slice(&out.stdout).unwrap()
}

fn claimbench_wer(dir: &Path, pairs: &Path, convention: &str) -> Value {
    let out = claimbench(dir, &["wer", &pairs.display().to_string(), "--convention", convention]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    serde_json::from_str(&out.stdout).unwrap()
}

fn assert_same(ours: &Value, theirs: &Value, scorer: &str) {
    for key in ["hits", "substitutions", "deletions", "insertions"] {
        assert_eq!(ours["counts"][key], theirs[key], "{scorer}: {key}: ours {ours}, theirs {theirs}");
    }
    // To the last digit: the same f64.
    assert_eq!(ours["rates"]["wer"].as_f64(), theirs["wer"].as_f64(), "{scorer}: WER");
}

#[test]
fn ten_thousand_random_pairs_score_as_jiwer_and_sclite_score_them() {
    let dir = tempfile::tempdir().unwrap();
    let pairs = dir.path().join("pairs.jsonl");
    std::fs::write(&pairs, random_pairs(10_000, 20261127)).unwrap();
    assert_same(&claimbench_wer(dir.path(), &pairs, "levenshtein"), &reference_scorer("jiwer", &pairs), "jiwer");
    assert_same(&claimbench_wer(dir.path(), &pairs, "sclite"), &reference_scorer("sclite", &pairs), "sclite");
}

#[test]
fn broken_pair_files_name_the_line() {
    let dir = tempfile::tempdir().unwrap();
    let pairs = dir.path().join("pairs.jsonl");
    std::fs::write(&pairs, "{\"reference\": \"a\", \"hypothesis\": \"a\"}\n{\"reference\": \"a\"}\n").unwrap();
    let out = claimbench(dir.path(), &["wer", &pairs.display().to_string()]);
    assert_eq!(out.code, 2);
    assert!(out.stderr.contains("pairs.jsonl:2:") && out.stderr.contains("hypothesis"), "{}", out.stderr);
}
