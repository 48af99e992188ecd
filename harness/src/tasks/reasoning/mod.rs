//! Reasoning suites: maths word problems with a numeric final answer (GSM8K) and multiple
//! choice.

pub mod extract;
pub mod gsm8k;
pub mod multiple_choice;

use crate::error::Result;
use crate::spec::dataset::Dataset;
use crate::spec::suite::{Suite, TaskKind};
use crate::store::metrics::MetricValue;
use crate::store::samples::Sample;
use crate::tasks::{percentile, ItemValues, MetricDef, PreparedTask, Role, Score, Task, TaskItem, LATENCY_MEAN, TTFT};
use std::collections::BTreeMap;

/// A task whose items are text prompts and whose answers are scored as text: everything but how
/// items are made and answers scored is shared.
pub struct TextTask {
    pub kind: TaskKind,
    pub scoring_version: &'static str,
    pub metrics: &'static [MetricDef],
    pub prepare: fn(&Suite, &Dataset) -> Result<PreparedTask>,
    pub score: fn(&Suite, &TaskItem, &str) -> Score,
}

impl Task for TextTask {
    fn name(&self) -> &'static str {
        self.kind.name()
    }
    fn scoring_version(&self) -> &'static str {
        self.scoring_version
    }
    fn metrics(&self) -> &'static [MetricDef] {
        self.metrics
    }
    fn sends_text(&self) -> bool {
        true
    }
    fn prepare(&self, suite: &Suite, dataset: &Dataset) -> Result<PreparedTask> {
        (self.prepare)(suite, dataset)
    }
    fn score(&self, suite: &Suite, item: &TaskItem, output: &str) -> Score {
        (self.score)(suite, item, output)
    }
    fn summarise(&self, _suite: &Suite, samples: &[Sample], _seed: u64, metrics: &mut BTreeMap<String, MetricValue>) -> usize {
        summarise_timings(samples, metrics);
        0
    }
}

/// The share of items answered right.
pub const ACCURACY: MetricDef = MetricDef {
    name: "accuracy",
    higher_is_better: true,
    speed: false,
    role: Role::Headline,
    items: ItemValues::Mean(|s| Some(if s.correct { 1.0 } else { 0.0 })),
};

/// Per-item latency and time to first token: the mean and percentiles.
pub const TIMINGS: [MetricDef; 5] =
    [LATENCY_MEAN, percentile("latency_p50_s"), percentile("latency_p90_s"), percentile("ttft_p50_s"), percentile("ttft_p90_s")];

/// Percentiles of the per-item latency and time to first token.
pub fn summarise_timings(samples: &[Sample], metrics: &mut BTreeMap<String, MetricValue>) {
    let latencies: Vec<f64> = samples.iter().filter_map(|s| s.latency_s).collect();
    crate::tasks::percentile_metrics("latency", &latencies, metrics);
    let first_tokens: Vec<f64> = samples.iter().filter_map(|s| s.measures.get(TTFT).copied()).collect();
    crate::tasks::percentile_metrics("ttft", &first_tokens, metrics);
}
