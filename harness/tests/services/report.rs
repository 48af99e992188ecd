//! The report as a reader meets it: every file written, and index.html opened in real headless
//! Chromium with every plot rendered, no console errors and no request leaving the page.

use crate::common::*;
use serde_json::Value;
use std::path::Path;

fn run(cwd: &Path, args: &[&str]) -> String {
    let out = claimbench(cwd, args);
    assert_eq!(out.code, 0, "{args:?}: {}{}", out.stdout, out.stderr);
    run_dir(&out).display().to_string()
}

/// A materials suite with two sizes of in.lj, so the report draws a size sweep.
fn two_size_suite(dir: &Path) -> String {
    one_file_dataset(&dir.join("md-data"), "md", "in.lj", "in.lj", "text", &in_lj());
    // One gate for both sizes, loose enough for the larger (step-0 pressure differs by 3e-5).
    let gate = "{ e_pair = -6.77336805325925, press = -5.01997318208561, rel_tol = 1e-4, max_drift_per_atom = 0.02 }";
    let workload = |id: &str, atoms: u64, scale: &str| {
        format!("[[materials.workloads]]\nid = \"{id}\"\natoms = {atoms}\nvars = {{ x = \"{scale}\", y = \"{scale}\", z = \"{scale}\" }}\ngate = {gate}\n\n")
    };
    let suite = dir.join("md-sweep.toml");
    std::fs::write(
        &suite,
        format!(
            "id = \"md-sweep\"\nversion = \"1\"\ntask = \"materials.md\"\nmetrics = [\"timesteps_per_s\"]\n\n[dataset]\npath = \"md-data\"\nfile = \"in.lj\"\n\n\
             [materials]\nunits = \"lj\"\nwarmup = 0\nrepetitions = 2\n\n{}{}",
            workload("lj-4k", 4000, "0.5"),
            workload("lj-7k", 6912, "0.6")
        ),
    )
    .unwrap();
    suite.display().to_string()
}

#[test]
fn the_html_report_renders_in_chromium_with_nothing_fetched() {
    let root = repo_root();
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let results = d.join("results");
    let results_s = results.display().to_string();
    let system = |name: &str| root.join(format!("examples/systems/{name}.toml")).display().to_string();

    // Two systems twice each on GSM8K (a history), a speech run and a two-size MD run.
    let mut gsm8k = Vec::new();
    for _ in 0..2 {
        for name in ["sum", "last-number"] {
            gsm8k.push(run(&root, &["run", "gsm8k", "--system", &system(name), "--limit", "120", "--out", &results_s]));
        }
    }
    let speech = run(&root, &["run", "librivox-5", "--system", &system("pocketsphinx"), "--out", &d.join("other").display().to_string()]);
    let md = run(d, &["run", &two_size_suite(d), "--system", &system("builtin-md"), "--out", "other"]);
    let md = d.join(md).display().to_string();
    std::fs::write(
        d.join("claims.toml"),
        format!(
            "[[claim]]\nid = \"gain\"\ndescription = \"last-number beats sum\"\nsuite = \"gsm8k\"\nmetric = \"accuracy\"\nbaseline = \"{}\"\ncandidate = \"{}\"\nkind = \"absolute-improvement\"\nthreshold = 0.0\n",
            gsm8k[2], gsm8k[3]
        ),
    )
    .unwrap();

    let out = d.join("report");
    let report =
        claimbench(d, &["report", &gsm8k[2], &gsm8k[3], &speech, &md, "--claims", "claims.toml", "--history", &results_s, "-o", "report"]);
    assert_eq!(report.code, 0, "{}{}", report.stdout, report.stderr);
    assert!(report.stdout.contains("index.html"), "{}", report.stdout);

    // Every plot kind the inputs allow, each as PNG and SVG.
    for stem in [
        "gsm8k_accuracy",
        "pareto_gsm8k_accuracy",
        "latency_cdf_gsm8k",
        "librivox-5_wer",
        "wer_breakdown_librivox-5",
        "md_size_sweep_md-sweep",
        "claims_forest",
        "history_accuracy",
    ] {
        for ext in ["png", "svg"] {
            let path = out.join(format!("plots/{stem}.{ext}"));
            assert!(path.metadata().map(|m| m.len() > 1000).unwrap_or(false), "{} missing or tiny", path.display());
        }
    }
    let plots = std::fs::read_dir(out.join("plots")).unwrap().filter(|e| e.as_ref().unwrap().path().extension().unwrap() == "svg").count();

    // The exporters agree on what the report holds.
    let csv = std::fs::read_to_string(out.join("metrics.csv")).unwrap();
    let json: Value = serde_json::from_str(&std::fs::read_to_string(out.join("report.json")).unwrap()).unwrap();
    let metric_count: usize = json["runs"].as_array().unwrap().iter().map(|r| r["metrics"]["metrics"].as_object().unwrap().len()).sum();
    assert_eq!(csv.lines().count(), 1 + metric_count, "{csv}");
    assert_eq!(json["claims"][0]["claims"][0]["id"], "gain");
    assert_eq!(json["plots"].as_array().unwrap().len(), plots);
    let junit = std::fs::read_to_string(out.join("junit.xml")).unwrap();
    assert!(junit.contains(&format!("<testsuite name=\"runs\" tests=\"{metric_count}\" failures=\"0\"")), "{junit}");
    assert!(
        junit.contains("<testsuite name=\"claims in claims.toml\" tests=\"1\"") && junit.contains("<testsuite name=\"history of 4 runs"),
        "{junit}"
    );
    let md_text = std::fs::read_to_string(out.join("summary.md")).unwrap();
    assert!(md_text.contains("## Claims") && md_text.contains("(plots/claims_forest.png)"), "{md_text}");

    // The page: self-contained, links to each run's Parquet file, and sections for every suite.
    let html = std::fs::read_to_string(out.join("index.html")).unwrap();
    for needle in
        ["id=\"claims\"", "id=\"suite-gsm8k\"", "id=\"suite-librivox-5\"", "id=\"suite-md-sweep\"", "id=\"history\"", "id=\"provenance\""]
    {
        assert!(html.contains(needle), "no {needle} in index.html");
    }
    assert!(!html.contains("http://") && !html.contains("https://") || !html.contains("src=\"http"), "external resources");
    let parquet_links = html.matches("/samples.parquet\"").count();
    assert_eq!(parquet_links, 4, "one Parquet link per run");
    let link = html.split("href=\"").find(|s| s.starts_with("../results/")).expect("a relative link into the results");
    assert!(out.join(&link[..link.find('"').unwrap()]).exists(), "the Parquet link resolves: {link}");

    let screenshot = d.join("report.png");
    let check = std::process::Command::new("python3")
        .arg(root.join("scripts/browser/check_page.py"))
        .arg(out.join("index.html"))
        .arg(&screenshot)
        .output()
        .expect("python3 runs");
    assert!(
        check.status.success(),
        "the browser check failed (is Debian's chromium installed?): {}",
        String::from_utf8_lossy(&check.stderr)
    );
    let page: Value = serde_json::from_slice(&check.stdout).unwrap();
    assert_eq!(page["console_errors"], serde_json::json!([]), "{page}");
    assert_eq!(page["external_requests"], serde_json::json!([]), "{page}");
    assert_eq!(page["requests"].as_array().unwrap().len(), 1, "only the page itself is loaded: {page}");
    for image in page["images"].as_array().unwrap() {
        assert!(image["naturalWidth"].as_f64().unwrap() > 0.0, "an image did not render: {image}");
    }
    let svgs = page["svgs"].as_array().unwrap();
    assert_eq!(svgs.len(), plots, "every plot is inline: {page}");
    for svg in svgs {
        assert!(svg["width"].as_f64().unwrap() > 100.0 && svg["height"].as_f64().unwrap() > 100.0, "a plot has no size: {svg}");
        assert!(svg["elements"].as_u64().unwrap() > 20, "a plot is empty: {svg}");
    }
    let shot = std::fs::read(&screenshot).unwrap();
    assert_eq!(&shot[..8], b"\x89PNG\r\n\x1a\n");
    assert_eq!(u32::from_be_bytes(shot[16..20].try_into().unwrap()), 1280, "screenshot width");
    assert!(u32::from_be_bytes(shot[20..24].try_into().unwrap()) > 2000, "the whole page is captured");
}

/// A 50 MB answer is shown clipped, saying how much was left out; the samples keep all of it.
#[test]
fn a_huge_output_is_clipped_in_reports_and_kept_in_the_samples() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let suite = tiny_suite(d, &gsm8k_lines(3), "");
    let huge = "many words ".repeat(50 << 20 >> 4);
    let preds: String =
        (0..3).map(|i| format!("{}\n", serde_json::json!({"index": i, "output": if i == 0 { huge.as_str() } else { "#### 1" }}))).collect();
    std::fs::write(d.join("preds.jsonl"), preds).unwrap();
    let run_path = run(d, &["run", suite.to_str().unwrap(), "--system", "predictions:preds.jsonl", "--out", "runs"]);
    let out = claimbench(d, &["report", &run_path, "-o", "report"]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    let left_out = format!("… [{} more characters in samples.parquet]", huge.trim_end().len() - 300);
    for (file, most) in [("index.html", 2 << 20), ("summary.md", 256 << 10)] {
        let text = std::fs::read_to_string(d.join("report").join(file)).unwrap();
        assert!(text.len() < most, "{file}: {} bytes", text.len());
        assert!(text.contains(&left_out) || text.contains("more characters in samples.parquet]"), "{file}");
    }
    let html = std::fs::read_to_string(d.join("report/index.html")).unwrap();
    assert!(html.contains(&left_out), "the HTML says exactly how much it left out");
    let samples = claimbench::store::samples::read_parquet(&d.join(&run_path).join("samples.parquet")).unwrap();
    assert_eq!(samples[0].output, huge);
}
