//! `metrics.json`: every metric with its sample count and interval. It holds no timestamps, so
//! scoring the same outputs with the same seed gives the same bytes.

use crate::stats::timing::Outliers;
use crate::stats::Interval;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Metrics {
    pub suite: String,
    pub complete: bool,
    /// Items the run was meant to score.
    pub n_expected: usize,
    /// Items that could not be scored (broken audio, an unusable reference): kept and marked in
    /// the samples, left out of the metrics.
    #[serde(default, skip_serializing_if = "is_zero")]
    pub failed: usize,
    pub metrics: BTreeMap<String, MetricValue>,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct MetricValue {
    pub value: f64,
    pub n: usize,
    pub higher_is_better: bool,
    /// A speed figure: only comparable between runs on the same hardware.
    #[serde(default)]
    pub speed: bool,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ci: Option<Interval>,
    /// What `value` is over the items: their mean (accuracy, latency) or their median
    /// (repeated timings).
    #[serde(default, skip_serializing_if = "Statistic::is_mean")]
    pub statistic: Statistic,
    /// Tukey-fence outliers among repeated timings.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub outliers: Option<Outliers>,
    /// Why the figure does not count (an accuracy gate the same run failed); it is kept, never
    /// dropped, so that the failure stays visible.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub invalid: Option<String>,
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Statistic {
    #[default]
    Mean,
    Median,
}

impl Statistic {
    pub fn is_mean(&self) -> bool {
        *self == Statistic::Mean
    }
}

fn is_zero(n: &usize) -> bool {
    *n == 0
}
