//! Tasks turn dataset records into requests for a system and score the system's answers.
//! One folder per suite kind.

pub mod reasoning;

use crate::data::RecordFile;
use crate::error::Result;
use crate::spec::suite::{Suite, TaskKind};

/// One scored item: what the system is asked and what counts as right.
#[derive(Debug, Clone)]
pub struct TaskItem {
    pub id: String,
    pub index: usize,
    pub prompt: String,
    pub reference: String,
    /// A short human-readable view of the item, for listings.
    pub preview: String,
}

/// The outcome of scoring one output.
#[derive(Debug, Clone, PartialEq)]
pub struct Score {
    pub extracted: Option<String>,
    pub correct: bool,
}

/// A prepared task: the scored items in dataset order, the ids of every record of the scored
/// file (to recognise keys that name no item), and the few-shot examples used.
#[derive(Debug, Clone)]
pub struct PreparedTask {
    pub kind: TaskKind,
    pub items: Vec<TaskItem>,
    pub source: RecordFile,
    pub fewshot_ids: Vec<String>,
}

/// Version of the scoring code per task kind; recorded in every manifest so that comparisons
/// and re-scoring can refuse to mix results scored differently.
pub fn scoring_version(kind: TaskKind) -> &'static str {
    match kind {
        TaskKind::ReasoningGsm8k => reasoning::gsm8k::SCORING_VERSION,
    }
}

pub fn prepare(suite: &Suite, dataset: &crate::spec::dataset::Dataset) -> Result<PreparedTask> {
    match suite.spec.task {
        TaskKind::ReasoningGsm8k => reasoning::gsm8k::prepare(suite, dataset),
    }
}

pub fn score(kind: TaskKind, suite: &Suite, item: &TaskItem, output: &str) -> Score {
    match kind {
        TaskKind::ReasoningGsm8k => reasoning::gsm8k::score(suite.spec.scoring.extraction, item, output),
    }
}

/// Metrics of a task kind over its samples, each with its count and a seeded bootstrap interval.
pub fn summarise(suite: &Suite, samples: &[crate::store::samples::Sample], n_expected: usize, seed: u64) -> crate::store::metrics::Metrics {
    use crate::spec::suite::Metric;
    use crate::stats::bootstrap::{mean_ci, DEFAULT_RESAMPLES};
    use crate::store::metrics::{MetricValue, Metrics};
    let mut metrics = std::collections::BTreeMap::new();
    for metric in suite.spec.metrics.get_ref() {
        match metric {
            Metric::Accuracy => {
                let values: Vec<f64> = samples.iter().map(|s| if s.correct { 1.0 } else { 0.0 }).collect();
                // With no samples there is no accuracy to report, rather than a NaN.
                if let Ok(value) = crate::stats::mean(&values) {
                    let ci = mean_ci(&values, 0.95, DEFAULT_RESAMPLES, seed).ok();
                    metrics
                        .insert("accuracy".to_string(), MetricValue { value, n: values.len(), higher_is_better: true, speed: false, ci });
                }
            }
        }
    }
    // Systems that answered live have a latency per item; submitted predictions do not.
    if let Some(values) = metric_values(LATENCY_METRIC, samples) {
        if let Ok(value) = crate::stats::mean(&values) {
            let ci = mean_ci(&values, 0.95, DEFAULT_RESAMPLES, seed).ok();
            metrics.insert(LATENCY_METRIC.to_string(), MetricValue { value, n: values.len(), higher_is_better: false, speed: true, ci });
        }
    }
    Metrics { suite: suite.id().to_string(), complete: samples.len() == n_expected, n_expected, metrics }
}

pub const LATENCY_METRIC: &str = "latency_mean_s";

/// Per-item values behind a metric (its mean over items), in sample order; `None` when the
/// samples do not carry it.
pub fn metric_values(metric: &str, samples: &[crate::store::samples::Sample]) -> Option<Vec<f64>> {
    match metric {
        "accuracy" => Some(samples.iter().map(|s| if s.correct { 1.0 } else { 0.0 }).collect()),
        LATENCY_METRIC => samples.iter().map(|s| s.latency_s).collect::<Option<Vec<f64>>>().filter(|v| !v.is_empty()),
        _ => None,
    }
}
