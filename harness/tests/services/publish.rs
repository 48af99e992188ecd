//! `claimbench export`: two imported runs of different models, bundled, exported in each
//! publication format and checked by the formats' own definitions
//! (`scripts/compat/validate_exports.py`: the Every Eval Ever schema with jsonschema,
//! huggingface_hub's reader of `.eval_results`, Bencher's metric format).

use crate::common::*;
use serde_json::Value;
use std::path::Path;

fn validate(dir: &Path) -> String {
    let script = repo_root().join("scripts/compat/validate_exports.py");
    let out = std::process::Command::new("python3").arg(script).arg(dir).output().unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
    assert!(out.status.success(), "{stdout}{}", String::from_utf8_lossy(&out.stderr));
    stdout
}

#[test]
fn exports_carry_n_the_interval_and_the_bundle_and_conform_to_their_formats() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let mut runs = Vec::new();
    for model in ["dummy-a", "dummy-b"] {
        let folder = repo_root().join("harness/tests/fixtures/import/lm-eval/runs").join(model);
        let out = claimbench(d, &["import", "lm-eval", &folder.display().to_string()]);
        assert_eq!(out.code, 0, "{}", out.stderr);
        let run = out.stdout.lines().filter_map(|l| l.strip_prefix("imported ")).find(|r| r.contains("gsm8k-mc-lm-eval")).unwrap();
        runs.push(run.to_string());
    }
    let created = claimbench(d, &["bundle", "create", &runs[0], &runs[1], "-o", "ev.cbundle"]);
    assert_eq!(created.code, 0, "{}", created.stderr);
    let bundle_sha = claimbench::fsutil::sha256_file(&d.join("ev.cbundle")).unwrap();
    let export = |format: &str, out: &str, extra: &[&str]| {
        let args = [&["export", &runs[0], &runs[1], "--format", format, "--bundle", "ev.cbundle", "-o", out], extra].concat();
        let result = claimbench(d, &args);
        assert_eq!(result.code, 0, "{format}: {}", result.stderr);
        validate(&d.join(out))
    };

    let checked = export("every-eval-ever", "eee", &["--organization", "Example Lab"]);
    assert_eq!(checked.matches("Every Eval Ever 0.3.0, 2 results").count(), 2, "{checked}");
    let record: Value =
        serde_json::from_str(&std::fs::read_to_string(std::fs::read_dir(d.join("eee")).unwrap().next().unwrap().unwrap().path()).unwrap())
            .unwrap();
    assert_eq!(record["source_metadata"]["additional_details"]["bundle_sha256"], bundle_sha.as_str());
    assert_eq!(record["eval_library"]["name"], "lm-eval");
    let accuracy = record["evaluation_results"].as_array().unwrap().iter().find(|r| r["metric_config"]["metric_id"] == "accuracy").unwrap();
    assert_eq!(accuracy["score_details"]["uncertainty"]["num_samples"], 40);
    let ci = &accuracy["score_details"]["uncertainty"]["confidence_interval"];
    let score = accuracy["score_details"]["score"].as_f64().unwrap();
    assert!(ci["lower"].as_f64().unwrap() <= score && score <= ci["upper"].as_f64().unwrap(), "{ci}");

    let checked = export("hf-eval-results", "hf", &["--dataset-id", "openai/gsm8k", "--source-url", "https://example.org/ev.cbundle"]);
    assert_eq!(checked.matches(".eval_results, 2 entries").count(), 2, "{checked}");
    let yaml = std::fs::read_dir(d.join("hf/.eval_results"))
        .unwrap()
        .map(|e| std::fs::read_to_string(e.unwrap().path()).unwrap())
        .collect::<String>();
    assert!(yaml.contains("n=40") && yaml.contains("95% interval") && yaml.contains(&bundle_sha), "{yaml}");

    let checked = export("bencher", "bencher", &[]);
    assert!(checked.contains("Bencher Metric Format, 2 benchmarks"), "{checked}");
    let bencher: Value = serde_json::from_str(&std::fs::read_to_string(d.join("bencher/bencher.json")).unwrap()).unwrap();
    for (benchmark, measures) in bencher.as_object().unwrap() {
        assert!(benchmark.starts_with("gsm8k-mc-lm-eval@") && benchmark.contains(&bundle_sha[..12]), "{benchmark}");
        assert_eq!(measures["items"]["value"], 40);
        assert!(measures["accuracy"]["lower_value"].is_number() && measures["accuracy"]["upper_value"].is_number());
    }

    // The Hub's entries need the benchmark's dataset id: refused in one line, exit 2.
    let refused = claimbench(d, &["export", &runs[0], "--format", "hf-eval-results"]);
    assert_eq!(refused.code, 2);
    assert!(refused.stderr.trim().lines().count() == 1 && refused.stderr.contains("--dataset-id"), "{}", refused.stderr);
}
