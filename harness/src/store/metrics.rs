//! `metrics.json`: every metric with its sample count and interval. It holds no timestamps, so
//! scoring the same outputs with the same seed gives the same bytes.

use crate::stats::Interval;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Metrics {
    pub suite: String,
    pub complete: bool,
    /// Items the run was meant to score.
    pub n_expected: usize,
    pub metrics: BTreeMap<String, MetricValue>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MetricValue {
    pub value: f64,
    pub n: usize,
    pub higher_is_better: bool,
    /// A speed figure: only comparable between runs on the same hardware.
    #[serde(default)]
    pub speed: bool,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ci: Option<Interval>,
}
