//! `claimbench import lm-eval` on output folders the real lm-eval 0.4.13 wrote
//! (`scripts/compat/lm_eval_outputs.py`, `just compat-import`): its `dummy` model with two seeds,
//! and `local-completions` against the project's LLM server.

use crate::common::*;
use serde_json::Value;
use std::path::{Path, PathBuf};

fn fixture(name: &str) -> PathBuf {
    let root = repo_root().join("harness/tests/fixtures/import/lm-eval/runs").join(name);
    let model = std::fs::read_dir(&root).unwrap().next().unwrap().unwrap().path();
    assert!(model.is_dir(), "{}", model.display());
    model
}

/// A copy of a fixture folder with `edit(file name, text)` applied to every file.
fn edited_copy(name: &str, to: &Path, edit: impl Fn(&str, String) -> String) -> PathBuf {
    std::fs::create_dir_all(to).unwrap();
    for entry in std::fs::read_dir(fixture(name)).unwrap() {
        let path = entry.unwrap().path();
        let file = path.file_name().unwrap().to_string_lossy().into_owned();
        std::fs::write(to.join(&file), edit(&file, std::fs::read_to_string(&path).unwrap())).unwrap();
    }
    to.to_path_buf()
}

/// Imports `folder` into `out`; returns stdout and the new run directories by suite id.
fn import(dir: &Path, folder: &Path, out: &str) -> (String, Vec<(String, PathBuf)>) {
    imported_runs(dir, &["import", "lm-eval", &folder.display().to_string(), "--out", out])
}

fn run_of<'a>(runs: &'a [(String, PathBuf)], suite: &str) -> &'a Path {
    &runs.iter().find(|(s, _)| s == suite).unwrap_or_else(|| panic!("no {suite} run among {runs:?}")).1
}

fn json(path: &Path) -> Value {
    serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap()
}

#[test]
fn every_verdict_is_rederived_from_lm_evals_raw_responses_and_agrees() {
    let dir = tempfile::tempdir().unwrap();
    for (name, runs_expected) in [("dummy-a", 3), ("dummy-b", 3), ("server", 2)] {
        let (stdout, runs) = import(dir.path(), &fixture(name), "runs");
        assert_eq!(runs.len(), runs_expected, "{stdout}");
        for (suite, run) in &runs {
            let manifest = json(&run.join("manifest.json"));
            let imported = &manifest["imported"];
            assert_eq!((imported["harness"].as_str(), imported["harness_version"].as_str()), (Some("lm-eval"), Some("0.4.13")));
            assert_eq!(imported["scored_by"], "claimbench text/2", "{suite}");
            let agreement = &imported["agreement"];
            let compared = agreement["compared"].as_u64().unwrap();
            assert!(compared >= 8, "{suite}: {agreement}");
            assert_eq!(agreement["agree"].as_u64(), Some(compared), "{name} {suite}: {agreement}");
            assert!(stdout.contains(&format!("{compared} / {compared} item values agree with lm-eval's")), "{stdout}");
            // claimbench's figure is lm-eval's, and it comes with n and an interval.
            let metrics = json(&run.join("metrics.json"));
            for (ours, value) in metrics["metrics"].as_object().unwrap() {
                let theirs = if ours == "accuracy" { "acc" } else { ours.as_str() };
                let stated = imported["stated"][theirs].as_f64().unwrap();
                assert!((value["value"].as_f64().unwrap() - stated).abs() < 1e-12, "{suite} {ours}: {value} vs lm-eval's {stated}");
                assert!(value["n"].as_u64().unwrap() >= 8 && value["ci"].is_object(), "{suite} {ours}: {value}");
            }
            // Provenance as lm-eval recorded it, secrets redacted.
            assert_eq!(imported["task_hash"].as_str().map(str::len), Some(64));
            assert_eq!(imported["num_fewshot"], 0);
            assert!(imported["recorded"]["task_config"]["output_type"].is_string() && imported["recorded"]["limit"].is_number());
            assert_eq!(manifest["host"]["hostname"], "unknown", "the importing machine is not the one that ran");
        }
    }
    // The made-up token of the dummy runs' model_args is nowhere in what was written.
    let a = import(dir.path(), &fixture("dummy-a"), "again").1;
    let manifest = json(&run_of(&a, "gsm8k-mc-lm-eval").join("manifest.json"));
    assert_eq!(manifest["imported"]["model_args"]["token"], "<redacted>");
    for entry in walk(&dir.path().join("again")) {
        let bytes = std::fs::read(&entry).unwrap();
        assert!(!String::from_utf8_lossy(&bytes).contains("hf_madeUpToken"), "{} holds the token", entry.display());
    }
    // Each sample keeps lm-eval's record of it: the raw response as its output, the target as
    // its reference, the rest beside them.
    let samples = claimbench::store::samples::read_parquet(&run_of(&a, "gsm8k-lm-eval-strict-match").join("samples.parquet")).unwrap();
    let samples_file = std::fs::read_dir(fixture("dummy-a"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .find(|p| p.to_string_lossy().contains("samples_gsm8k-lm-eval_"))
        .unwrap();
    let lines: Vec<Value> = std::fs::read_to_string(samples_file).unwrap().lines().map(|l| serde_json::from_str(l).unwrap()).collect();
    for sample in &samples {
        let record: Value = serde_json::from_str(&sample.annotations["lm_eval"]).unwrap();
        for key in ["doc_id", "doc_hash", "prompt_hash", "target_hash", "filtered_resps", "metrics"] {
            assert!(!record[key].is_null(), "{key} missing from {record}");
        }
        assert_eq!(record["filter"], "strict-match");
        let line = lines.iter().find(|l| l["doc_id"] == record["doc_id"] && l["filter"] == "strict-match").unwrap();
        assert_eq!(
            (line["resps"][0][0].as_str(), line["target"].as_str()),
            (Some(sample.output.as_str()), Some(sample.reference.as_str()))
        );
        assert_eq!(line["filtered_resps"], record["filtered_resps"]);
    }
}

fn walk(dir: &Path) -> Vec<PathBuf> {
    let mut files = Vec::new();
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            files.extend(walk(&path));
        } else {
            files.push(path);
        }
    }
    files
}

/// Two imported runs of different models on one task: compared item by item (McNemar), a claim
/// checked, bundled, signed, and every verdict re-derived by `verify`.
#[test]
fn imported_runs_compare_claim_bundle_and_verify() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let a = import(d, &fixture("dummy-a"), "runs").1;
    let b = import(d, &fixture("dummy-b"), "runs").1;
    let (base, cand) = (run_of(&a, "gsm8k-mc-lm-eval"), run_of(&b, "gsm8k-mc-lm-eval"));
    let compared = claimbench(d, &["compare", &base.display().to_string(), &cand.display().to_string()]);
    assert_eq!(compared.code, 0, "{}", compared.stderr);
    assert!(compared.stdout.contains("exact McNemar") && compared.stdout.contains("(n=40)"), "{}", compared.stdout);
    std::fs::write(
        d.join("claims.toml"),
        format!(
            "[[claim]]\nid = \"norm-gain\"\nsuite = \"gsm8k-mc-lm-eval\"\nmetric = \"acc_norm\"\nbaseline = {:?}\ncandidate = {:?}\nkind = \"absolute-improvement\"\nthreshold = 0.0\n",
            base.display().to_string(),
            cand.display().to_string()
        ),
    )
    .unwrap();
    let claims = claimbench(d, &["claim", "check", "claims.toml"]);
    assert_eq!(claims.code, 0, "{}{}", claims.stdout, claims.stderr);
    assert!(claims.stdout.contains("40 paired items"), "{}", claims.stdout);
    assert_eq!(claimbench(d, &["keygen", "team"]).code, 0);
    let created = claimbench(
        d,
        &[
            "bundle",
            "create",
            &base.display().to_string(),
            &cand.display().to_string(),
            "--claims",
            "claims.toml",
            "--sign",
            "team.key",
            "-o",
            "ev.cbundle",
        ],
    );
    assert_eq!(created.code, 0, "{}", created.stderr);
    let verified = claimbench(d, &["verify", "ev.cbundle", "--pubkey", "team.pub"]);
    assert_eq!(verified.code, 0, "{}{}", verified.stdout, verified.stderr);
    assert_eq!(verified.stdout.matches("40 samples re-scored from their raw outputs").count(), 2, "{}", verified.stdout);
    assert!(verified.stdout.contains("verdicts re-derived identically (norm-gain:"), "{}", verified.stdout);
    // A report and the history read imported runs like any other.
    assert_eq!(claimbench(d, &["report", &base.display().to_string(), &cand.display().to_string(), "-o", "report"]).code, 0);
    let history = claimbench(d, &["history", "runs"]);
    assert_eq!(history.code, 0, "{}", history.stderr);
    assert!(history.stdout.contains("gsm8k-mc-lm-eval@1.0") && history.stdout.contains("dummy-dummy-b"), "{}", history.stdout);
}

/// lm-eval's hashes of a changed line, and its task's hash over the lines.
fn rehash(results: &str, samples: &str, task: &str, edit_line: impl Fn(&mut Value)) -> (String, String) {
    let sha = |s: &str| sha256_hex(s.as_bytes());
    let mut lines = Vec::new();
    let mut joined = String::new();
    for (i, line) in samples.lines().enumerate() {
        let mut value: Value = serde_json::from_str(line).unwrap();
        if i == 0 {
            edit_line(&mut value);
            value["prompt_hash"] = sha(value["arguments"]["gen_args_0"]["arg_0"].as_str().unwrap()).into();
        }
        joined.push_str(&format!(
            "{}{}{}",
            value["doc_hash"].as_str().unwrap(),
            value["prompt_hash"].as_str().unwrap(),
            value["target_hash"].as_str().unwrap()
        ));
        lines.push(value.to_string());
    }
    let mut results: Value = serde_json::from_str(results).unwrap();
    results["task_hashes"][task] = sha(&joined).into();
    (results.to_string(), lines.join("\n") + "\n")
}

#[test]
fn imported_runs_that_differ_in_prompts_or_few_shot_settings_are_not_paired() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let a = import(d, &fixture("dummy-a"), "runs").1;
    let base = run_of(&a, "gsm8k-mc-lm-eval").display().to_string();
    // The same answers, but lm-eval records five few-shot examples.
    let fewshot = edited_copy("dummy-b", &d.join("fewshot"), |file, text| {
        if file.starts_with("results_") {
            text.replace("\"gsm8k-mc-lm-eval\": 0", "\"gsm8k-mc-lm-eval\": 5")
        } else {
            text
        }
    });
    let b = import(d, &fewshot, "fewshot-runs").1;
    let out = claimbench(d, &["compare", &base, &run_of(&b, "gsm8k-mc-lm-eval").display().to_string()]);
    assert_eq!(out.code, 2, "{}", out.stdout);
    assert!(out.stderr.contains("few-shot examples: Some(0) vs Some(5)") && out.stderr.contains("--force"), "{}", out.stderr);
    let forced = claimbench(d, &["compare", &base, &run_of(&b, "gsm8k-mc-lm-eval").display().to_string(), "--force"]);
    assert_eq!(forced.code, 0, "{}", forced.stderr);
    assert!(forced.stdout.contains("FORCED") || forced.stderr.contains("FORCED"), "{}", forced.stdout);
    // The first document asked with another prompt (its hashes made consistent, as lm-eval
    // would have written them).
    let results_name = std::fs::read_dir(fixture("dummy-b"))
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .find(|n| n.starts_with("results_"))
        .unwrap();
    let samples_name = results_name.replace("results_", "samples_gsm8k-mc-lm-eval_").replace(".json", ".jsonl");
    let (results, samples) = rehash(
        &std::fs::read_to_string(fixture("dummy-b").join(&results_name)).unwrap(),
        &std::fs::read_to_string(fixture("dummy-b").join(&samples_name)).unwrap(),
        "gsm8k-mc-lm-eval",
        |line| {
            for request in line["arguments"].as_object_mut().unwrap().values_mut() {
                request["arg_0"] = format!("Answer briefly.\n{}", request["arg_0"].as_str().unwrap()).into();
            }
        },
    );
    let prompted = d.join("prompted");
    std::fs::create_dir_all(&prompted).unwrap();
    std::fs::write(prompted.join(&results_name), results).unwrap();
    std::fs::write(prompted.join(&samples_name), samples).unwrap();
    std::fs::write(
        prompted.join(results_name.replace("results_", "samples_gsm8k-lm-eval_").replace(".json", ".jsonl")),
        std::fs::read_to_string(
            fixture("dummy-b").join(results_name.replace("results_", "samples_gsm8k-lm-eval_").replace(".json", ".jsonl")),
        )
        .unwrap(),
    )
    .unwrap();
    let c = import(d, &prompted, "prompted-runs").1;
    let out = claimbench(d, &["compare", &base, &run_of(&c, "gsm8k-mc-lm-eval").display().to_string()]);
    assert_eq!(out.code, 2, "{}", out.stdout);
    assert!(out.stderr.contains("prompt hash of document") && out.stderr.contains("task hash"), "{}", out.stderr);
}

#[test]
fn older_argument_layouts_import_to_the_same_run() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    // lm-eval before 0.4.3 wrote each sample's arguments as a list of argument lists.
    let older = edited_copy("dummy-a", &d.join("older"), |file, text| {
        if !file.starts_with("samples_") {
            return text;
        }
        text.lines()
            .map(|line| {
                let mut value: Value = serde_json::from_str(line).unwrap();
                let requests: Vec<Value> = value["arguments"]
                    .as_object()
                    .unwrap()
                    .values()
                    .map(|args| Value::Array(args.as_object().unwrap().values().cloned().collect()))
                    .collect();
                value["arguments"] = Value::Array(requests);
                value.to_string() + "\n"
            })
            .collect()
    });
    let now = import(d, &fixture("dummy-a"), "now").1;
    let then = import(d, &older, "older-runs").1;
    for suite in ["gsm8k-mc-lm-eval", "gsm8k-lm-eval-strict-match", "gsm8k-lm-eval-flexible-extract"] {
        let (x, y) = (run_of(&now, suite), run_of(&then, suite));
        assert_eq!(std::fs::read(x.join("metrics.json")).unwrap(), std::fs::read(y.join("metrics.json")).unwrap(), "{suite}");
        assert_eq!(std::fs::read(x.join("samples.parquet")).unwrap(), std::fs::read(y.join("samples.parquet")).unwrap(), "{suite}");
    }
}

/// A filter claimbench does not implement: lm-eval's stored per-item values are kept, and the
/// manifest, the import's output and `verify` say who scored them.
#[test]
fn scoring_claimbench_cannot_rederive_keeps_lm_evals_values_and_says_so() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let custom = edited_copy("server", &d.join("custom"), |file, text| {
        if file.starts_with("results_") {
            text.replace("\"function\": \"take_first\"", "\"function\": \"majority_vote\"")
        } else {
            text
        }
    });
    let (stdout, runs) = import(d, &custom, "runs");
    assert!(stdout.contains("scored by lm-eval 0.4.13: its stored values are kept"), "{stdout}");
    let run = run_of(&runs, "gsm8k-lm-eval-flexible-extract");
    let manifest = json(&run.join("manifest.json"));
    assert_eq!(manifest["imported"]["scored_by"], "lm-eval 0.4.13");
    assert!(std::fs::read_to_string(run.join("suite.toml")).unwrap().contains("filter function 'majority_vote' is lm-eval's own"));
    let metrics = json(&run.join("metrics.json"));
    assert_eq!(metrics["metrics"]["exact_match"]["value"].as_f64(), manifest["imported"]["stated"]["exact_match"].as_f64());
    assert_eq!(claimbench(d, &["bundle", "create", &run.display().to_string(), "-o", "ev.cbundle"]).code, 0);
    let verified = claimbench(d, &["verify", "ev.cbundle"]);
    assert_eq!(verified.code, 0, "{}", verified.stdout);
    assert!(verified.stdout.contains("8 samples re-read from the values lm-eval 0.4.13 stored"), "{}", verified.stdout);
}
