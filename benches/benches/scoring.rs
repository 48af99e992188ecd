//! Scoring throughput: answer extraction over real GSM8K solutions, the bootstrap interval that
//! every accuracy figure carries, and the paired bootstrap behind every comparison.

use claimbench::spec::suite::Extraction;
use claimbench::stats::bootstrap::mean_ci;
use claimbench::stats::paired::{mean_improvement, ratio_improvement, Direction, Scale};
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

fn paired_bootstrap(c: &mut Criterion) {
    let mut group = c.benchmark_group("paired_bootstrap");
    group.sample_size(10);
    for n in [1_319usize, 100_000] {
        // Per-utterance errors of A and B over reference words, as a WER comparison has them.
        let words: Vec<f64> = (0..n).map(|i| (5 + i % 25) as f64).collect();
        let errors_a: Vec<f64> = words.iter().enumerate().map(|(i, w)| ((i * 7) % (*w as usize / 3 + 1)) as f64).collect();
        let errors_b: Vec<f64> = errors_a.iter().enumerate().map(|(i, e)| if i % 4 == 0 { (e - 1.0).max(0.0) } else { *e }).collect();
        group.bench_with_input(BenchmarkId::new("relative_wer_reduction_1000_resamples", n), &n, |b, _| {
            b.iter(|| ratio_improvement(black_box(&errors_a), &errors_b, &words, Direction::Lower, Scale::Relative, 1_000, 1).unwrap())
        });
        let a: Vec<f64> = (0..n).map(|i| if i % 3 == 0 { 1.0 } else { 0.0 }).collect();
        let b: Vec<f64> = (0..n).map(|i| if i % 3 == 0 || i % 7 == 0 { 1.0 } else { 0.0 }).collect();
        group.bench_with_input(BenchmarkId::new("accuracy_gain_1000_resamples", n), &n, |bench, _| {
            bench.iter(|| mean_improvement(black_box(&a), &b, Direction::Higher, Scale::Absolute, 1_000, 1).unwrap())
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

criterion_group!(benches, extraction, bootstrap, paired_bootstrap);
criterion_main!(benches);
