//! `claimbench import inspect` on eval logs the real Inspect (inspect-ai 0.3.285) wrote
//! (`scripts/compat/inspect_logs.py`, `just compat-import`): its `mockllm` model answering from
//! two fixed lists, the same log in every layout, a log of two epochs, and the `openai-api`
//! provider against the project's LLM server.

use crate::common::*;
use serde_json::Value;
use std::path::{Path, PathBuf};

fn logs(folder: &str) -> PathBuf {
    repo_root().join("harness/tests/fixtures/import/inspect/logs").join(folder)
}

/// The one log of `folder` whose name holds `task`.
fn log(folder: &str, task: &str) -> PathBuf {
    let found: Vec<PathBuf> =
        std::fs::read_dir(logs(folder)).unwrap().map(|e| e.unwrap().path()).filter(|p| p.to_string_lossy().contains(task)).collect();
    assert_eq!(found.len(), 1, "{found:?}");
    found[0].clone()
}

/// Imports `path` (with `extra` options) into `runs`; stdout, and the runs by suite id.
fn import(dir: &Path, path: &Path, extra: &[&str]) -> (String, Vec<(String, PathBuf)>) {
    let path = path.display().to_string();
    imported_runs(dir, &[&["import", "inspect", path.as_str(), "--out", "runs"], extra].concat())
}

fn json(path: &Path) -> Value {
    serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap()
}

fn metrics(run: &Path) -> Value {
    json(&run.join("metrics.json"))
}

#[test]
fn match_includes_and_choice_verdicts_are_rederived_and_agree_with_inspects() {
    let dir = tempfile::tempdir().unwrap();
    for folder in ["mock-a", "mock-b", "server"] {
        let (stdout, runs) = import(dir.path(), &logs(folder), &[]);
        assert_eq!(runs.len(), if folder == "server" { 1 } else { 3 }, "{stdout}");
        for (suite, run) in &runs {
            let manifest = json(&run.join("manifest.json"));
            let imported = &manifest["imported"];
            assert_eq!(imported["harness"], "inspect");
            assert_eq!(imported["harness_version"], "0.3.285");
            assert_eq!(imported["scored_by"], "claimbench text/2", "{suite}");
            let agreement = &imported["agreement"];
            assert!(agreement["compared"].as_u64().unwrap() >= 8, "{suite}: {agreement}");
            assert_eq!(agreement["agree"], agreement["compared"], "{suite} ({folder}): {agreement}");
            // claimbench's accuracy is Inspect's, from the same verdicts.
            let ours = metrics(run)["metrics"]["accuracy"]["value"].as_f64().unwrap();
            assert!((ours - imported["stated"]["accuracy"].as_f64().unwrap()).abs() < 1e-12, "{suite}");
            assert_eq!(manifest["status"], "complete");
            let samples = run.join("samples.parquet");
            assert!(samples.is_file());
        }
        println!("{stdout}");
    }
}

#[test]
fn every_layout_and_version_of_one_log_imports_to_the_same_verdicts() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let reference = import(d, &log("mock-a", "gsm8k-match"), &[]).1;
    let values = |run: &Path| {
        let m = metrics(run);
        (m["metrics"]["accuracy"]["value"].clone(), m["metrics"]["accuracy"]["n"].clone())
    };
    let expected = values(&reference[0].1);
    for layout in ["match.json", "match-deflated.eval", "match-stored.eval", "match-v1.json"] {
        let (stdout, runs) = import(d, &logs("formats").join(layout), &[]);
        assert_eq!(runs.len(), 1, "{layout}: {stdout}");
        assert_eq!(values(&runs[0].1), expected, "{layout}");
        assert!(stdout.contains("20 / 20 item values agree"), "{layout}: {stdout}");
        // Paired item by item with the Zstandard zip's run: the same samples and prompts.
        let compared = claimbench(d, &["compare", &reference[0].1.display().to_string(), &runs[0].1.display().to_string()]);
        assert_eq!(compared.code, 0, "{layout}: {}", compared.stderr);
        assert!(compared.stdout.contains("(n=20)"), "{layout}: {}", compared.stdout);
    }
}

#[test]
fn a_log_still_being_written_imports_as_an_incomplete_run() {
    let dir = tempfile::tempdir().unwrap();
    let result = claimbench(dir.path(), &["import", "inspect", &logs("formats").join("match-running.eval").display().to_string()]);
    assert_ne!(result.code, 0, "{}", result.stdout);
    assert!(result.stderr.contains("no header.json: Inspect had not finished the run (10 samples written)"), "{}", result.stderr);
    let run = std::fs::read_dir(dir.path().join("runs")).unwrap().next().unwrap().unwrap().path();
    let manifest = json(&run.join("manifest.json"));
    assert_ne!(manifest["status"], "complete");
    assert_eq!(manifest["items"]["completed"], 10);
}

#[test]
fn epochs_import_one_at_a_time_and_say_which() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let path = logs("epochs").display().to_string();
    let refused = claimbench(d, &["import", "inspect", &path]);
    assert_eq!(refused.code, 2);
    assert!(refused.stderr.contains("holds 2 epochs of each sample") && refused.stderr.contains("--epoch N"), "{}", refused.stderr);
    let absent = claimbench(d, &["import", "inspect", &path, "--epoch", "3"]);
    assert!(absent.code == 2 && absent.stderr.contains("there is no epoch 3"), "{}", absent.stderr);
    for epoch in ["1", "2"] {
        let (_, runs) = import(d, &logs("epochs"), &["--epoch", epoch]);
        assert_eq!(runs[0].0, format!("gsm8k_match-epoch{epoch}"));
        let imported = &json(&runs[0].1.join("manifest.json"))["imported"];
        assert_eq!(imported["recorded"]["epoch"], serde_json::json!({"imported": epoch.parse::<u64>().unwrap(), "of": 2}));
        assert_eq!(imported["agreement"]["agree"], 20);
    }
}

/// Two imported mock runs of one task: compared item by item, a claim checked, bundled, signed,
/// and every verdict re-derived by `verify` from the bundled completions and Inspect's scorer.
#[test]
fn imported_inspect_runs_compare_claim_bundle_and_verify() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let a = import(d, &log("mock-a", "gsm8k-choice"), &[]).1;
    let b = import(d, &log("mock-b", "gsm8k-choice"), &[]).1;
    let (base, cand) = (a[0].1.display().to_string(), b[0].1.display().to_string());
    let compared = claimbench(d, &["compare", &base, &cand]);
    assert_eq!(compared.code, 0, "{}", compared.stderr);
    assert!(compared.stdout.contains("exact McNemar") && compared.stdout.contains("(n=20)"), "{}", compared.stdout);
    std::fs::write(
        d.join("claims.toml"),
        format!("[[claim]]\nid = \"no-loss\"\nsuite = \"gsm8k_choice\"\nmetric = \"accuracy\"\nbaseline = {base:?}\ncandidate = {cand:?}\nkind = \"absolute-improvement\"\nthreshold = -0.5\n"),
    )
    .unwrap();
    let claims = claimbench(d, &["claim", "check", "claims.toml"]);
    assert_eq!(claims.code, 0, "{}{}", claims.stdout, claims.stderr);
    assert!(claims.stdout.contains("20 paired items"), "{}", claims.stdout);
    assert_eq!(claimbench(d, &["keygen", "team"]).code, 0);
    let created = claimbench(d, &["bundle", "create", &base, &cand, "--claims", "claims.toml", "--sign", "team.key", "-o", "ev.cbundle"]);
    assert_eq!(created.code, 0, "{}", created.stderr);
    let verified = claimbench(d, &["verify", "ev.cbundle", "--pubkey", "team.pub"]);
    assert_eq!(verified.code, 0, "{}{}", verified.stdout, verified.stderr);
    assert_eq!(verified.stdout.matches("20 samples re-scored from their raw outputs").count(), 2, "{}", verified.stdout);
    assert!(verified.stdout.contains("verdicts re-derived identically (no-loss:"), "{}", verified.stdout);
    // `plan` reads the suite inside an imported run, and the pair as its pilot.
    let suite = a[0].1.join("suite.toml").display().to_string();
    let planned = claimbench(d, &["plan", &suite, "--effect", "0.1", "--pilot", &base, &cand]);
    assert_eq!(planned.code, 0, "{}", planned.stderr);
    assert!(
        planned.stdout.contains("suite gsm8k_choice: 20 items") && planned.stdout.contains("systems disagree on"),
        "{}",
        planned.stdout
    );
    // Another task's run is not paired with these.
    let other = import(d, &log("mock-b", "gsm8k-match"), &[]).1;
    let refused = claimbench(d, &["compare", &base, &other[0].1.display().to_string()]);
    assert!(refused.code != 0 && refused.stderr.contains("task: gsm8k_choice vs gsm8k_match"), "{}", refused.stderr);
}
