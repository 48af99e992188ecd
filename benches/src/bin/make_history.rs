//! Writes a synthetic history for benchmarking `claimbench history`: RUNS copies of a template
//! run, each with ITEMS samples whose correctness and latency vary from run to run.
//!
//! usage: make_history TEMPLATE_RUN OUT_DIR RUNS ITEMS

use claimbench::fsutil::{read_json, write_json_atomic};
use claimbench::stats::rng::Rng;
use claimbench::store::metrics::{MetricValue, Metrics};
use claimbench::store::samples::{read_parquet, write_parquet};
use std::path::PathBuf;

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let [template, out, runs, items] = args.as_slice() else {
        eprintln!("usage: make_history TEMPLATE_RUN OUT_DIR RUNS ITEMS");
        std::process::exit(2);
    };
    let (template, out) = (PathBuf::from(template), PathBuf::from(out));
    let (runs, items): (usize, usize) = (runs.parse().expect("RUNS"), items.parse().expect("ITEMS"));
    let manifest: serde_json::Value = read_json(&template.join("manifest.json")).expect("template manifest");
    let metrics: Metrics = read_json(&template.join("metrics.json")).expect("template metrics");
    let mut samples = read_parquet(&template.join("samples.parquet")).expect("template samples");
    assert!(samples.len() >= items, "the template has only {} samples", samples.len());
    samples.truncate(items);
    let mut rng = Rng::new(1);
    let difficulty: Vec<f64> = (0..items).map(|_| 0.2 + 0.7 * rng.next_f64()).collect();
    for r in 0..runs {
        let dir = out.join(format!("run-{r:05}"));
        std::fs::create_dir_all(&dir).unwrap();
        for (i, s) in samples.iter_mut().enumerate() {
            s.correct = rng.next_f64() < difficulty[i];
            s.latency_s = Some(0.01 * (1.0 + difficulty[i]) * (0.9 + 0.2 * rng.next_f64()));
        }
        let accuracy = samples.iter().filter(|s| s.correct).count() as f64 / items as f64;
        let latency = samples.iter().filter_map(|s| s.latency_s).sum::<f64>() / items as f64;
        let mut m = metrics.clone();
        m.n_expected = items;
        m.metrics.clear();
        m.metrics.insert(
            "accuracy".into(),
            MetricValue { value: accuracy, n: items, higher_is_better: true, speed: false, ci: None, ..Default::default() },
        );
        m.metrics.insert(
            "latency_mean_s".into(),
            MetricValue { value: latency, n: items, higher_is_better: false, speed: true, ci: None, ..Default::default() },
        );
        let mut manifest = manifest.clone();
        manifest["run_id"] = format!("history-{r:05}").into();
        manifest["started_at"] = format!("2026-01-01T00:{:02}:{:02}.000Z", r / 60 % 60, r % 60).into();
        manifest["items"]["expected"] = items.into();
        manifest["items"]["completed"] = items.into();
        write_parquet(&dir.join("samples.parquet"), &samples).unwrap();
        write_json_atomic(&dir.join("metrics.json"), &m).unwrap();
        write_json_atomic(&dir.join("manifest.json"), &manifest).unwrap();
    }
    println!("wrote {runs} runs of {items} items under {}", out.display());
}
