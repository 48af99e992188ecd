//! compare, claim check, plan and history on real runs of the shipped suite.

use crate::common::*;
use claimbench::stats::bootstrap::Method;
use claimbench::stats::claims::{check, ClaimKind, Verdict};
use claimbench::stats::paired::{mcnemar, mean_improvement, Direction, Scale};
use claimbench::store::samples::read_parquet;
use serde_json::Value;
use std::path::{Path, PathBuf};

fn run(cwd: &Path, args: &[&str]) -> PathBuf {
    let out = claimbench(cwd, args);
    assert_eq!(out.code, 0, "{}", out.stderr);
    run_dir(&out)
}

/// Two complete runs of GSM8K by the example systems: sum (baseline) and last-number.
fn two_runs(out: &Path) -> (PathBuf, PathBuf) {
    let root = repo_root();
    let o = out.to_str().unwrap();
    let a = run(&root, &["run", "gsm8k", "--system", "examples/systems/sum.toml", "--out", o]);
    let b = run(&root, &["run", "gsm8k", "--system", "examples/systems/last-number.toml", "--out", o]);
    (a, b)
}

fn correct(dir: &Path) -> Vec<f64> {
    read_parquet(&dir.join("samples.parquet")).unwrap().iter().map(|s| if s.correct { 1.0 } else { 0.0 }).collect()
}

fn claims_file(dir: &Path, a: &Path, b: &Path, kind: &str, threshold: f64) -> PathBuf {
    let path = dir.join(format!("claims-{kind}-{threshold}.toml"));
    std::fs::write(
        &path,
        format!(
            "level = 0.95\nseed = 3\nresamples = 4000\n\n[[claim]]\nid = \"gain\"\nsuite = \"gsm8k\"\nmetric = \"accuracy\"\nbaseline = \"{}\"\ncandidate = \"{}\"\nkind = \"{kind}\"\nthreshold = {threshold}\n",
            a.display(),
            b.display()
        ),
    )
    .unwrap();
    path
}

#[test]
fn compare_and_claims_agree_with_the_statistics_engine() {
    let dir = tempfile::tempdir().unwrap();
    let (a, b) = two_runs(dir.path());
    let (x, y) = (correct(&a), correct(&b));

    let out = claimbench(
        dir.path(),
        &["compare", a.to_str().unwrap(), b.to_str().unwrap(), "--format", "json", "--seed", "3", "--resamples", "4000"],
    );
    assert_eq!(out.code, 0, "{}", out.stderr);
    let json: Value = serde_json::from_str(&out.stdout).unwrap();
    let accuracy = json["data"]["metrics"].as_array().unwrap().iter().find(|m| m["metric"] == "accuracy").unwrap();
    let expected = mean_improvement(&x, &y, Direction::Higher, Scale::Absolute, 4000, 3).unwrap();
    let ci = expected.interval(0.95, Method::Percentile).unwrap();
    assert_eq!(accuracy["absolute"]["estimate"].as_f64().unwrap(), expected.value);
    assert_eq!((accuracy["absolute"]["low"].as_f64().unwrap(), accuracy["absolute"]["high"].as_f64().unwrap()), (ci.low, ci.high));
    let test = mcnemar(&x.iter().map(|v| *v == 1.0).collect::<Vec<_>>(), &y.iter().map(|v| *v == 1.0).collect::<Vec<_>>()).unwrap();
    assert_eq!(accuracy["p_value"].as_f64().unwrap(), test.p_exact);
    assert_eq!(accuracy["test"], "exact McNemar");
    let latency = json["data"]["metrics"].as_array().unwrap().iter().find(|m| m["metric"] == "latency_mean_s").unwrap();
    assert_eq!(latency["same_hardware"], true);

    // Selectors pick the same runs out of the results folder.
    let by_selector = claimbench(
        dir.path(),
        &[
            "compare",
            "--results",
            dir.path().to_str().unwrap(),
            "system=sum",
            "suite=gsm8k,system=last-number",
            "--format",
            "json",
            "--seed",
            "3",
            "--resamples",
            "4000",
        ],
    );
    assert_eq!(by_selector.code, 0, "{}", by_selector.stderr);
    let selected: Value = serde_json::from_str(&by_selector.stdout).unwrap();
    assert_eq!(selected["data"], json["data"]);
    let none = claimbench(dir.path(), &["compare", "--results", dir.path().to_str().unwrap(), "system=nobody", "system=sum"]);
    assert_eq!(none.code, 2);
    assert!(none.stderr.contains("no complete run") && none.stderr.contains("gsm8k/last-number, gsm8k/sum"), "{}", none.stderr);

    // Supported below the interval, inconclusive inside it, refuted above it: the verdict
    // flips with the threshold alone, and each matches the engine's own verdict.
    let mut verdicts = Vec::new();
    for threshold in [ci.low - 0.002, ci.low + 0.25 * (ci.high - ci.low), ci.high + 0.002] {
        let file = claims_file(dir.path(), &a, &b, "absolute-improvement", threshold);
        let out = claimbench(dir.path(), &["claim", "check", file.to_str().unwrap(), "--format", "json"]);
        let json: Value = serde_json::from_str(&out.stdout).unwrap_or_else(|e| panic!("{e}: {} {}", out.stdout, out.stderr));
        let claim = &json["data"]["claims"][0];
        let engine = check(&expected, ClaimKind::AtLeast { threshold }, 0.95, Method::Percentile).unwrap();
        assert_eq!(claim["outcome"]["verdict"], serde_json::to_value(engine.verdict).unwrap());
        assert_eq!(claim["outcome"]["p_value"].as_f64().unwrap(), engine.p_value);
        assert_eq!(out.code, if engine.verdict == Verdict::Refuted { 1 } else { 0 }, "{}", out.stderr);
        if engine.verdict == Verdict::Inconclusive {
            assert!(claim["more_items_needed"].as_u64().unwrap() > 0);
        }
        verdicts.push(engine.verdict);
    }
    assert_eq!(verdicts, [Verdict::Supported, Verdict::Inconclusive, Verdict::Refuted]);

    // The same refuted claim in each CI format.
    let refuted = claims_file(dir.path(), &a, &b, "absolute-improvement", ci.high + 0.002);
    let junit = claimbench(dir.path(), &["claim", "check", refuted.to_str().unwrap(), "--format", "junit"]);
    assert_eq!(junit.code, 1);
    assert!(
        junit.stdout.contains("<testcase classname=\"claimbench\" name=\"gain\">") && junit.stdout.contains("<failure"),
        "{}",
        junit.stdout
    );
    let md = claimbench(dir.path(), &["claim", "check", refuted.to_str().unwrap(), "--format", "markdown"]);
    assert!(md.stdout.contains("| ❌ | gain | accuracy |") && md.stdout.contains("REFUTED"), "{}", md.stdout);

    // A relative claim: "28% higher accuracy".
    let relative = claims_file(dir.path(), &a, &b, "relative-improvement", 0.28);
    let out = claimbench(dir.path(), &["claim", "check", relative.to_str().unwrap(), "--format", "json"]);
    let json: Value = serde_json::from_str(&out.stdout).unwrap();
    let engine = check(
        &mean_improvement(&x, &y, Direction::Higher, Scale::Relative, 4000, 3).unwrap(),
        ClaimKind::AtLeast { threshold: 0.28 },
        0.95,
        Method::Percentile,
    )
    .unwrap();
    assert_eq!(json["data"]["claims"][0]["outcome"]["verdict"], serde_json::to_value(engine.verdict).unwrap());

    let plan = claimbench(
        &repo_root(),
        &["plan", "gsm8k", "--effect", "0.28", "--relative", "--pilot", a.to_str().unwrap(), b.to_str().unwrap(), "--format", "json"],
    );
    assert_eq!(plan.code, 0, "{}", plan.stderr);
    let plan: Value = serde_json::from_str(&plan.stdout).unwrap();
    assert_eq!(plan["suite_items"], 1319);
    assert!(plan["items_needed"].as_u64().unwrap() > 0 && plan["minimum_detectable_effect"].as_f64().unwrap() > 0.0);
}

#[test]
fn incomparable_inputs_are_refused_with_exit_2() {
    let dir = tempfile::tempdir().unwrap();
    let root = repo_root();
    let o = dir.path().join("runs");
    let o = o.to_str().unwrap();
    let zero = run(&root, &["run", "gsm8k", "--system", "examples/systems/sum.toml", "--limit", "30", "--out", o]);
    let five = run(&root, &["run", "gsm8k-5shot", "--system", "examples/systems/sum.toml", "--limit", "25", "--out", o]);
    let (zero_s, five_s) = (zero.to_str().unwrap(), five.to_str().unwrap());

    let refused = claimbench(dir.path(), &["compare", zero_s, five_s]);
    assert_eq!(refused.code, 2);
    assert!(
        refused.stderr.contains("not comparable")
            && refused.stderr.contains("suite: gsm8k vs gsm8k-5shot")
            && refused.stderr.contains("--force"),
        "{}",
        refused.stderr
    );

    // Forced, the comparison goes on (on the items both have) and every format says so.
    for format in ["text", "markdown", "json", "junit"] {
        let forced = claimbench(dir.path(), &["compare", zero_s, five_s, "--force", "--allow-partial", "--format", format]);
        assert_eq!(forced.code, 0, "{format}: {}", forced.stderr);
        assert!(forced.stdout.contains("FORCED comparison of incomparable runs"), "{format}: {}", forced.stdout);
    }
    // Different items without --allow-partial: the unmatched ids are named.
    let unpaired = claimbench(dir.path(), &["compare", zero_s, five_s, "--force"]);
    assert_eq!(unpaired.code, 2);
    assert!(unpaired.stderr.contains("items not in both runs"), "{}", unpaired.stderr);

    // Runs with no item in common have nothing to compare, even when forced.
    let first = tiny_suite(&dir.path().join("first"), &gsm8k_lines(3), "");
    let later: String = gsm8k_lines(6).lines().skip(3).map(|l| format!("{l}\n")).collect();
    let second = tiny_suite(&dir.path().join("second"), &later, "");
    let sum = format!("command:python3 {}", example_system());
    let r1 = run(dir.path(), &["run", first.to_str().unwrap(), "--system", &sum, "--out", o]);
    let r2 = run(dir.path(), &["run", second.to_str().unwrap(), "--system", &sum, "--out", o]);
    let disjoint = claimbench(dir.path(), &["compare", r1.to_str().unwrap(), r2.to_str().unwrap(), "--force", "--allow-partial"]);
    assert_eq!(disjoint.code, 2);
    assert!(disjoint.stderr.contains("no item ids in common"), "{}", disjoint.stderr);

    // An incomplete run is refused unless --allow-partial, which reports the coverage.
    let tiny = tiny_suite(dir.path(), &gsm8k_lines(12), "");
    let system = example_command_system(dir.path(), "crash", &["--crash-after", "7"], None);
    let whole = run(dir.path(), &["run", tiny.to_str().unwrap(), "--system", &format!("command:python3 {}", example_system()), "--out", o]);
    let cut = claimbench(dir.path(), &["run", tiny.to_str().unwrap(), "--system", system.to_str().unwrap(), "--out", &format!("{o}/cut")]);
    assert_eq!(cut.code, 2);
    let cut = only_run(Path::new(&format!("{o}/cut")));
    let partial = claimbench(dir.path(), &["compare", whole.to_str().unwrap(), cut.to_str().unwrap()]);
    assert_eq!(partial.code, 2);
    assert!(partial.stderr.contains("incomplete (7 of 12 items)") && partial.stderr.contains("--allow-partial"), "{}", partial.stderr);
    let allowed = claimbench(dir.path(), &["compare", whole.to_str().unwrap(), cut.to_str().unwrap(), "--allow-partial"]);
    assert_eq!(allowed.code, 0, "{}", allowed.stderr);
    assert!(allowed.stdout.contains("PARTIAL: 7 items paired; 5 only in the baseline, 0 only in the candidate"), "{}", allowed.stdout);

    // Claims naming a missing run or metric point at the line.
    let missing_run = dir.path().join("missing-run.toml");
    std::fs::write(&missing_run, format!("[[claim]]\nid = \"x\"\nsuite = \"gsm8k\"\nmetric = \"accuracy\"\nbaseline = \"{zero_s}\"\ncandidate = \"nowhere\"\nkind = \"absolute-improvement\"\nthreshold = 0.1\n")).unwrap();
    let out = claimbench(dir.path(), &["claim", "check", missing_run.to_str().unwrap()]);
    assert_eq!(out.code, 2);
    assert!(
        out.stderr.contains("missing-run.toml:6:") && out.stderr.contains("candidate run") && out.stderr.contains("not found"),
        "{}",
        out.stderr
    );
    let missing_metric = dir.path().join("missing-metric.toml");
    std::fs::write(&missing_metric, format!("[[claim]]\nid = \"x\"\nsuite = \"gsm8k\"\nmetric = \"wer\"\nbaseline = \"{zero_s}\"\ncandidate = \"{zero_s}\"\nkind = \"absolute-improvement\"\nthreshold = 0.1\n")).unwrap();
    let out = claimbench(dir.path(), &["claim", "check", missing_metric.to_str().unwrap()]);
    assert_eq!(out.code, 2);
    assert!(
        out.stderr.contains("missing-metric.toml:4:") && out.stderr.contains("no metric 'wer'") && out.stderr.contains("accuracy"),
        "{}",
        out.stderr
    );
}

/// The items of `suite`, as `suites items` prints them.
fn suite_items(dir: &Path, suite: &Path) -> Vec<Value> {
    claimbench(dir, &["suites", "items", suite.to_str().unwrap()]).stdout.lines().map(|l| serde_json::from_str(l).unwrap()).collect()
}

/// Scores the `r`th nightly predictions file of the system `name` into `results`.
fn run_predictions(dir: &Path, suite: &Path, name: &str, r: usize, preds: &str, results: &Path) {
    let path = dir.join(format!("preds-{r:02}.jsonl"));
    std::fs::write(&path, preds).unwrap();
    let system = dir.join(format!("{name}.toml"));
    std::fs::write(&system, format!("kind = \"predictions\"\nname = \"{name}\"\npath = \"{}\"\n", path.display())).unwrap();
    run(dir, &["run", suite.to_str().unwrap(), "--system", system.to_str().unwrap(), "--out", results.to_str().unwrap()]);
}

#[test]
fn history_finds_a_step_and_gates_on_it() {
    let dir = tempfile::tempdir().unwrap();
    let suite = tiny_suite(dir.path(), &gsm8k_lines(150), "");
    let items = suite_items(dir.path(), &suite);
    let references: Vec<String> = gsm8k_lines(150)
        .lines()
        .map(|l| {
            let v: Value = serde_json::from_str(l).unwrap();
            claimbench::tasks::reasoning::extract::extract_strict(v["answer"].as_str().unwrap()).unwrap()
        })
        .collect();
    let mut rng = claimbench::stats::rng::Rng::new(11);
    let difficulty: Vec<f64> = (0..items.len()).map(|_| 0.3 + 0.6 * rng.next_f64()).collect();
    let results = dir.path().join("results");
    // 24 runs of one system; from run 12 on it gets 25 points worse.
    for r in 0..24 {
        let drop = if r >= 12 { 0.25 } else { 0.0 };
        let preds: String = items
            .iter()
            .enumerate()
            .map(|(i, item)| {
                let right = rng.next_f64() < difficulty[i] - drop;
                let output = if right { format!("#### {}", references[i]) } else { "#### -123456".to_string() };
                format!("{}\n", serde_json::json!({"id": item["id"], "output": output}))
            })
            .collect();
        run_predictions(dir.path(), &suite, "nightly", r, &preds, &results);
    }
    let out = claimbench(dir.path(), &["history", results.to_str().unwrap(), "--format", "json"]);
    // The step is in the past: the newest run is not a fresh regression.
    assert_eq!(out.code, 0, "{}", out.stderr);
    let json: Value = serde_json::from_str(&out.stdout).unwrap();
    let series = &json["data"]["series"][0];
    assert_eq!(series["run_ids"].as_array().unwrap().len(), 24);
    let changes = series["changes"].as_array().unwrap();
    assert_eq!(changes.len(), 1, "{changes:?}");
    assert_eq!((changes[0]["index"].as_u64(), changes[0]["kind"].as_str()), (Some(12), Some("regression")));
    let any = claimbench(dir.path(), &["history", results.to_str().unwrap(), "--gate", "any", "--format", "junit"]);
    assert_eq!(any.code, 1, "{}", any.stderr);
    assert!(any.stdout.contains("<failure") && any.stdout.contains("regression at run 13"), "{}", any.stdout);

    // Ordered by commit instead: record the degraded runs as built from an older commit, so they
    // come first and the same step reads as an improvement.
    let git = |args: &[&str]| {
        let out = std::process::Command::new("git").args(args).current_dir(repo_root()).output().unwrap();
        String::from_utf8(out.stdout).unwrap().trim().to_string()
    };
    let (newer, older) = (git(&["rev-parse", "HEAD"]), git(&["rev-parse", "HEAD~1"]));
    for (i, run_id) in series["run_ids"].as_array().unwrap().iter().enumerate() {
        let path = results.join(run_id.as_str().unwrap()).join("manifest.json");
        let mut manifest: Value = read(&path);
        manifest["claimbench"]["git_commit"] = if i < 12 { newer.clone() } else { older.clone() }.into();
        std::fs::write(&path, serde_json::to_string_pretty(&manifest).unwrap()).unwrap();
    }
    let by_commit =
        claimbench(&repo_root(), &["history", results.to_str().unwrap(), "--order", "commit", "--gate", "any", "--format", "json"]);
    assert_eq!(by_commit.code, 0, "{}", by_commit.stderr);
    let json: Value = serde_json::from_str(&by_commit.stdout).unwrap();
    let changes = json["data"]["series"][0]["changes"].as_array().unwrap();
    assert_eq!(changes.len(), 1, "{changes:?}");
    assert_eq!((changes[0]["index"].as_u64(), changes[0]["kind"].as_str()), (Some(12), Some("improvement")));
}

#[test]
fn history_finds_a_rise_in_word_error_rate() {
    let dir = tempfile::tempdir().unwrap();
    let suite = repo_root().join("suites/fsdd-digits.toml");
    let items = suite_items(dir.path(), &suite);
    let mut rng = claimbench::stats::rng::Rng::new(5);
    let results = dir.path().join("results");
    // 14 runs of one recogniser on the spoken digits; from run 7 on it misrecognises a clip
    // 15% of the time instead of 3%.
    for r in 0..14 {
        let error_rate = if r >= 7 { 0.15 } else { 0.03 };
        let preds: String = items
            .iter()
            .map(|item| {
                let heard = if rng.next_f64() < error_rate { "oh" } else { item["preview"].as_str().unwrap() };
                format!("{}\n", serde_json::json!({"id": item["id"], "output": heard}))
            })
            .collect();
        run_predictions(dir.path(), &suite, "recogniser", r, &preds, &results);
    }
    let out = claimbench(dir.path(), &["history", results.to_str().unwrap(), "--gate", "any", "--format", "json"]);
    assert_eq!(out.code, 1, "a regression in the history fails --gate any: {}", out.stderr);
    let json: Value = serde_json::from_str(&out.stdout).unwrap();
    let series = &json["data"]["series"][0];
    let wer = series["values"]["wer"].as_array().unwrap();
    assert_eq!(wer.len(), 14);
    let changes = series["changes"].as_array().unwrap();
    let wer_changes: Vec<&Value> = changes.iter().filter(|c| c["metric"] == "wer").collect();
    assert_eq!(wer_changes.len(), 1, "{changes:?}");
    assert_eq!((wer_changes[0]["index"].as_u64(), wer_changes[0]["kind"].as_str()), (Some(7), Some("regression")));
    // The change is in WER's own units: about 12 points.
    let change = wer_changes[0]["change"].as_f64().unwrap();
    assert!((0.06..0.2).contains(&change), "{change}");
    assert!(changes.iter().all(|c| c["kind"] == "regression"), "no improvement was made: {changes:?}");
}

#[test]
fn speed_is_only_compared_on_the_same_hardware() {
    let dir = tempfile::tempdir().unwrap();
    let (a, b) = two_runs(dir.path());
    // The candidate claims to have run on another CPU.
    let manifest_path = b.join("manifest.json");
    let mut manifest: Value = serde_json::from_str(&std::fs::read_to_string(&manifest_path).unwrap()).unwrap();
    manifest["host"]["cpu_model"] = "Some Other CPU".into();
    std::fs::write(&manifest_path, serde_json::to_string_pretty(&manifest).unwrap()).unwrap();
    let (a_s, b_s) = (a.to_str().unwrap(), b.to_str().unwrap());

    let out = claimbench(dir.path(), &["compare", a_s, b_s, "--format", "json"]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    let json: Value = serde_json::from_str(&out.stdout).unwrap();
    let latency = json["data"]["metrics"].as_array().unwrap().iter().find(|m| m["metric"] == "latency_mean_s").unwrap();
    assert_eq!(latency["same_hardware"], false);
    assert!(latency["refused"].as_str().unwrap().contains("cpu_model"), "{latency}");
    assert!(latency["absolute"].is_null(), "no speed figure across hardware");
    let accuracy = json["data"]["metrics"].as_array().unwrap().iter().find(|m| m["metric"] == "accuracy").unwrap();
    assert!(accuracy["refused"].is_null(), "accuracy does not depend on hardware");

    let allowed = claimbench(dir.path(), &["compare", a_s, b_s, "--allow-cross-hardware"]);
    assert_eq!(allowed.code, 0);
    assert!(allowed.stdout.contains("CROSS-HARDWARE speed comparison of latency_mean_s: cpu_model:"), "{}", allowed.stdout);

    // A speed-up claim across hardware is not counted.
    let claims = dir.path().join("speed.toml");
    std::fs::write(&claims, format!("[[claim]]\nid = \"faster\"\nsuite = \"gsm8k\"\nmetric = \"latency_mean_s\"\nbaseline = \"{a_s}\"\ncandidate = \"{b_s}\"\nkind = \"speed-up\"\nthreshold = 0.01\n")).unwrap();
    let out = claimbench(dir.path(), &["claim", "check", claims.to_str().unwrap(), "--format", "json"]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    let json: Value = serde_json::from_str(&out.stdout).unwrap();
    let claim = &json["data"]["claims"][0];
    assert_eq!(claim["outcome"]["verdict"], "INCONCLUSIVE");
    assert!(claim["notes"][0].as_str().unwrap().contains("different hardware"), "{claim}");
    // Counted when allowed: the two toy systems run at about the same speed, far above 0.01×.
    let out = claimbench(dir.path(), &["claim", "check", claims.to_str().unwrap(), "--allow-cross-hardware", "--format", "json"]);
    let json: Value = serde_json::from_str(&out.stdout).unwrap();
    assert_eq!(json["data"]["claims"][0]["outcome"]["verdict"], "SUPPORTED", "{}", out.stdout);
}

#[test]
fn a_swapped_or_cut_samples_file_is_refused_everywhere_and_skipped_by_history() {
    let tmp = tempfile::tempdir().unwrap();
    let d = tmp.path();
    let suite = tiny_suite(d, &gsm8k_lines(6), "");
    let suite = suite.to_str().unwrap();
    let mut runs = Vec::new();
    for output in ["#### 1", "#### 2", "#### 3"] {
        let preds: String = (0..6).map(|i| format!("{{\"index\": {i}, \"output\": \"{output}\"}}\n")).collect();
        std::fs::write(d.join("preds.jsonl"), preds).unwrap();
        let out = claimbench(d, &["run", suite, "--system", "predictions:preds.jsonl", "--out", "runs"]);
        assert_eq!(out.code, 0, "{}", out.stderr);
        runs.push(d.join(run_dir(&out)));
    }
    let manifest: serde_json::Value = read(&runs[0].join("manifest.json"));
    assert_eq!(manifest["samples_sha256"].as_str().unwrap(), sha256_hex(&std::fs::read(runs[0].join("samples.parquet")).unwrap()));
    // runs[1] gets runs[2]'s samples; runs[2]'s are cut in half.
    std::fs::copy(runs[2].join("samples.parquet"), runs[1].join("samples.parquet")).unwrap();
    let bytes = std::fs::read(runs[2].join("samples.parquet")).unwrap();
    std::fs::write(runs[2].join("samples.parquet"), &bytes[..bytes.len() / 2]).unwrap();
    let s = |p: &std::path::Path| p.display().to_string();
    for damaged in &runs[1..] {
        let named = format!("{}: does not match the sha256 its manifest records", s(&damaged.join("samples.parquet")));
        let claims = d.join("claims.toml");
        std::fs::write(
            &claims,
            format!(
                "[[claim]]\nid = \"c\"\nsuite = \"tiny\"\nmetric = \"accuracy\"\nbaseline = {:?}\ncandidate = {:?}\nkind = \"absolute-improvement\"\nthreshold = 0.1\n",
                s(&runs[0]),
                s(damaged)
            ),
        )
        .unwrap();
        for args in [
            vec!["compare".to_string(), s(&runs[0]), s(damaged)],
            vec!["report".to_string(), s(damaged), "-o".to_string(), s(&d.join("report"))],
            vec!["claim".to_string(), "check".to_string(), s(&claims)],
            vec!["bundle".to_string(), "create".to_string(), s(damaged), "-o".to_string(), s(&d.join("b.cbundle"))],
        ] {
            let args: Vec<&str> = args.iter().map(String::as_str).collect();
            let out = claimbench(d, &args);
            assert_eq!(out.code, 2, "{args:?}: {}", out.stderr);
            assert!(out.stderr.contains(&named), "{args:?}: {}", out.stderr);
        }
    }
    let out = claimbench(d, &["history", "runs"]);
    assert_eq!(out.code, 0, "{}{}", out.stdout, out.stderr);
    let said = format!("{}{}", out.stdout, out.stderr);
    for damaged in &runs[1..] {
        let name = damaged.file_name().unwrap().to_str().unwrap();
        assert!(said.lines().any(|l| l.contains("skipped") && l.contains(name) && l.contains("damaged")), "{said}");
    }
}
