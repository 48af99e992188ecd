//! Scoring throughput: answer extraction over real GSM8K solutions, and the bootstrap interval
//! that every accuracy figure carries.

use claimbench::spec::suite::Extraction;
use claimbench::stats::bootstrap::mean_ci;
use claimbench::tasks::reasoning::extract::extract;
use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion, Throughput};
use std::hint::black_box;

fn solutions() -> Vec<String> {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../datasets/gsm8k/test.jsonl");
    std::fs::read_to_string(path)
        .expect("the shipped GSM8K test set")
        .lines()
        .map(|line| serde_json::from_str::<serde_json::Value>(line).unwrap()["answer"].as_str().unwrap().to_string())
        .collect()
}

fn extraction(c: &mut Criterion) {
    let outputs = solutions();
    let mut group = c.benchmark_group("extract");
    group.throughput(Throughput::Elements(outputs.len() as u64));
    for mode in [Extraction::Strict, Extraction::Flexible] {
        group.bench_with_input(BenchmarkId::from_parameter(format!("{mode:?}")), &outputs, |b, outputs| {
            b.iter(|| outputs.iter().filter_map(|o| extract(mode, black_box(o))).count())
        });
    }
    group.finish();
}

fn bootstrap(c: &mut Criterion) {
    let mut group = c.benchmark_group("bootstrap_mean_ci");
    group.sample_size(10);
    for n in [1_319usize, 10_000] {
        let values: Vec<f64> = (0..n).map(|i| if i % 3 == 0 { 1.0 } else { 0.0 }).collect();
        group.bench_with_input(BenchmarkId::from_parameter(n), &values, |b, values| {
            b.iter(|| mean_ci(black_box(values), 0.95, 10_000, 1).unwrap())
        });
    }
    group.finish();
}

criterion_group!(benches, extraction, bootstrap);
criterion_main!(benches);
