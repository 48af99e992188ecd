//! Tasks turn dataset records into requests for a system and score the system's answers.
//! One folder per suite kind.

pub mod asr;
pub mod materials;
pub mod reasoning;

use crate::error::Result;
pub use crate::protocol::{Choices, PreparedTask, TaskItem};
use crate::spec::suite::{Suite, TaskKind};

/// The outcome of scoring one output.
#[derive(Debug, Clone, PartialEq)]
pub struct Score {
    pub extracted: Option<String>,
    pub correct: bool,
    /// Numbers derived from the output (speed figures, gate quantities), by name.
    pub measures: std::collections::BTreeMap<String, f64>,
    /// Texts derived from the output (normalised forms, an alignment), by name.
    pub annotations: std::collections::BTreeMap<String, String>,
}

/// Version of the scoring code per task kind; recorded in every manifest so that comparisons
/// and re-scoring can refuse to mix results scored differently.
pub fn scoring_version(kind: TaskKind) -> &'static str {
    match kind {
        TaskKind::ReasoningGsm8k => reasoning::gsm8k::SCORING_VERSION,
        TaskKind::ReasoningMultipleChoice => reasoning::multiple_choice::SCORING_VERSION,
        TaskKind::MaterialsMd => materials::SCORING_VERSION,
        TaskKind::AsrWer => asr::SCORING_VERSION,
    }
}

pub fn prepare(suite: &Suite, dataset: &crate::spec::dataset::Dataset) -> Result<PreparedTask> {
    match suite.spec.task {
        TaskKind::ReasoningGsm8k => reasoning::gsm8k::prepare(suite, dataset),
        TaskKind::ReasoningMultipleChoice => reasoning::multiple_choice::prepare(suite, dataset),
        TaskKind::MaterialsMd => materials::prepare(suite, dataset),
        TaskKind::AsrWer => asr::prepare(suite, dataset),
    }
}

pub fn score(kind: TaskKind, suite: &Suite, item: &TaskItem, output: &str) -> Score {
    match kind {
        TaskKind::ReasoningGsm8k => reasoning::gsm8k::score(suite.spec.scoring.extraction, item, output),
        TaskKind::ReasoningMultipleChoice => reasoning::multiple_choice::score(item, output),
        TaskKind::MaterialsMd => materials::score(suite, item, output),
        TaskKind::AsrWer => asr::score(suite, item, output),
    }
}

/// Metrics of a task kind over its samples, each with its count and a seeded bootstrap interval.
pub fn summarise(suite: &Suite, samples: &[crate::store::samples::Sample], n_expected: usize, seed: u64) -> crate::store::metrics::Metrics {
    use crate::spec::suite::Metric;
    use crate::stats::bootstrap::{mean_ci, DEFAULT_RESAMPLES};
    use crate::store::metrics::{MetricValue, Metrics};
    let mut metrics = std::collections::BTreeMap::new();
    let mean_metric = |values: &[f64], higher_is_better: bool, speed: bool| {
        // With no samples there is no value to report, rather than a NaN.
        let value = crate::stats::mean(values).ok()?;
        let ci = mean_ci(values, 0.95, DEFAULT_RESAMPLES, seed).ok();
        Some(MetricValue { value, n: values.len(), higher_is_better, speed, ci, ..MetricValue::default() })
    };
    for metric in [Metric::Accuracy, Metric::AccNorm] {
        if suite.spec.metrics.get_ref().contains(&metric) {
            if let Some(value) = metric_values(metric.name(), samples).and_then(|v| mean_metric(&v, true, false)) {
                metrics.insert(metric.name().to_string(), value);
            }
        }
    }
    let mut failed = 0;
    match suite.spec.task {
        TaskKind::MaterialsMd => materials::summarise(suite, samples, seed, &mut metrics),
        TaskKind::AsrWer => failed = asr::summarise(suite, samples, seed, &mut metrics),
        TaskKind::ReasoningGsm8k | TaskKind::ReasoningMultipleChoice => {
            let latencies: Vec<f64> = samples.iter().filter_map(|s| s.latency_s).collect();
            percentile_metrics("latency", &latencies, &mut metrics);
            let first_tokens: Vec<f64> = samples.iter().filter_map(|s| s.measures.get(TTFT).copied()).collect();
            percentile_metrics("ttft", &first_tokens, &mut metrics);
        }
    }
    if suite.spec.task != TaskKind::MaterialsMd {
        // Systems that answered live have a latency per item; submitted predictions do not.
        if let Some(value) = metric_values(LATENCY_METRIC, samples).and_then(|v| mean_metric(&v, false, true)) {
            metrics.insert(LATENCY_METRIC.to_string(), value);
        }
    }
    Metrics { suite: suite.id().to_string(), complete: samples.len() == n_expected, n_expected, failed, metrics }
}

pub const LATENCY_METRIC: &str = "latency_mean_s";

/// The measure holding a generation's time to first token, in seconds.
pub const TTFT: &str = "ttft_s";

/// `NAME_p50_s` and `NAME_p90_s` of per-item times, when there are any.
pub fn percentile_metrics(
    name: &str,
    seconds: &[f64],
    metrics: &mut std::collections::BTreeMap<String, crate::store::metrics::MetricValue>,
) {
    use crate::store::metrics::MetricValue;
    if let Ok(p) = crate::stats::timing::percentiles(seconds) {
        for (suffix, value) in [("p50", p.p50), ("p90", p.p90)] {
            metrics.insert(
                format!("{name}_{suffix}_s"),
                MetricValue { value, n: seconds.len(), higher_is_better: false, speed: true, ..MetricValue::default() },
            );
        }
    }
}

/// One sample's value for a metric that is a mean (or median) over items: `accuracy`, the
/// latency, or `WORKLOAD/MEASURE` of a simulation suite. `None` when the sample has no part in
/// the metric (another workload, a warm-up run, no latency measured).
pub fn sample_value(metric: &str, sample: &crate::store::samples::Sample) -> Option<f64> {
    match metric {
        "accuracy" => Some(if sample.correct { 1.0 } else { 0.0 }),
        "acc_norm" => sample.measures.get(reasoning::multiple_choice::CORRECT_NORM).copied(),
        LATENCY_METRIC => sample.latency_s,
        "wer" | "cer" | "mer" => asr::ratio_parts(metric, sample).map(|(errors, words)| if words > 0.0 { errors / words } else { errors }),
        _ => {
            let (workload, measure) = metric.split_once('/')?;
            let in_workload = sample.id.strip_prefix(workload).is_some_and(|rest| rest.starts_with('/'));
            let recorded = sample.measures.get(materials::WARMUP) != Some(&1.0);
            (in_workload && recorded).then(|| sample.measures.get(measure).copied()).flatten()
        }
    }
}

/// Per-item values behind a metric, in sample order, from the samples that have a part in it;
/// `None` when none has.
pub fn metric_values(metric: &str, samples: &[crate::store::samples::Sample]) -> Option<Vec<f64>> {
    let values: Vec<f64> = samples.iter().filter_map(|s| sample_value(metric, s)).collect();
    (!values.is_empty()).then_some(values)
}

/// Whether a re-run of an item agrees with the stored sample within the suite's tolerance, and
/// why: the same extracted answer and verdict for reasoning; for simulations the same gate
/// verdict with step-0 energy and pressure within the gate's tolerance (speed is the hardware's).
pub fn reproduction_agrees(suite: &Suite, stored: &crate::store::samples::Sample, new: &crate::store::samples::Sample) -> (bool, String) {
    match suite.spec.task {
        TaskKind::ReasoningGsm8k | TaskKind::ReasoningMultipleChoice => {
            let same = stored.extracted == new.extracted && stored.correct == new.correct;
            let output = if stored.output == new.output { "identical output" } else { "different output text" };
            (same, format!("answer {:?} vs {:?}, correct {} vs {}; {output}", stored.extracted, new.extracted, stored.correct, new.correct))
        }
        TaskKind::MaterialsMd => materials::reproduction_agrees(suite, stored, new),
        TaskKind::AsrWer => {
            let same = stored.extracted == new.extracted && stored.measures.get(asr::FAILED) == new.measures.get(asr::FAILED);
            (same, format!("normalised hypothesis {:?} vs {:?}", stored.extracted, new.extracted))
        }
    }
}
