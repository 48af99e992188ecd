//! Preparing a task from a large Parquet dataset: the file hashed against dataset.toml, 100,000
//! rows read and turned into records with content ids, prompts rendered. Target: under 2 s in
//! release (`./just bench`); the time per run is printed.

use claimbench::data::add::{add_dataset, AddOptions};
use claimbench::run::load_suite;
use criterion::{criterion_group, criterion_main, Criterion};
use polars::prelude::*;
use std::path::Path;

const ROWS: usize = 100_000;

/// GSM8K's records, cycled to `ROWS` with each question made unique, as one Parquet file in a
/// Hugging Face layout; then `datasets add` and a suite over it.
fn write_task(dir: &Path) -> std::path::PathBuf {
    let shipped =
        std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/../datasets/gsm8k/test.jsonl")).expect("the shipped GSM8K test set");
    let records: Vec<serde_json::Value> = shipped.lines().map(|l| serde_json::from_str(l).unwrap()).collect();
    let (questions, answers): (Vec<String>, Vec<String>) = (0..ROWS)
        .map(|i| {
            let r = &records[i % records.len()];
            (format!("{} (copy {i})", r["question"].as_str().unwrap()), r["answer"].as_str().unwrap().to_string())
        })
        .unzip();
    let mut frame =
        DataFrame::new_infer_height(vec![Column::new("question".into(), questions), Column::new("answer".into(), answers)]).unwrap();
    let data = dir.join("big/data");
    std::fs::create_dir_all(&data).unwrap();
    ParquetWriter::new(std::fs::File::create(data.join("test-00000-of-00001.parquet")).unwrap()).finish(&mut frame).unwrap();
    let options =
        AddOptions { name: "big".into(), license: Some("MIT".into()), source: Some("GSM8K, cycled".into()), ..Default::default() };
    add_dataset(&dir.join("big"), &options).unwrap();
    let suite = dir.join("big.toml");
    std::fs::write(
        &suite,
        "id = \"big\"\nversion = \"1\"\ntask = \"reasoning.gsm8k\"\nmetrics = [\"accuracy\"]\n\n[dataset]\npath = \"big\"\nfile = \"test\"\n\n[prompt]\ntemplate = \"Question: {question}\\nAnswer:\"\n",
    )
    .unwrap();
    suite
}

fn prepare_parquet_task(c: &mut Criterion) {
    let dir = tempfile::tempdir().unwrap();
    let suite = write_task(dir.path());
    let mut group = c.benchmark_group("prepare_task");
    group.sample_size(10);
    group.bench_function("parquet_100k_items", |b| {
        b.iter(|| {
            let loaded = load_suite(suite.to_str().unwrap(), dir.path()).unwrap();
            assert_eq!(loaded.task.items.len(), ROWS);
        })
    });
    group.finish();
}

criterion_group!(benches, prepare_parquet_task);
criterion_main!(benches);
