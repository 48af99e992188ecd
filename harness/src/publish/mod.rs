//! Publication exports: a run's figures in the formats other people's tools read — Bencher's
//! metric format, Every Eval Ever records, and the `.eval_results` entries of a Hugging Face
//! model repository. One file per format. Every figure keeps its n and interval, and, when the
//! runs were bundled, the bundle's content address (its sha256), so that a published number
//! points at evidence `claimbench verify` can check.

pub mod bencher;
pub mod every_eval_ever;
pub mod hf_eval_results;

use crate::error::{Error, Result};
use crate::store::metrics::MetricValue;
use crate::store::StoredRun;

/// The formats `export` writes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    Bencher,
    EveryEvalEver,
    HfEvalResults,
}

/// What an export names besides the runs.
#[derive(Debug, Clone, Default)]
pub struct Options {
    /// sha256 of the bundle that holds the runs.
    pub bundle_sha256: Option<String>,
    /// The benchmark's dataset id on the Hugging Face Hub (`.eval_results` entries need one).
    pub dataset_id: Option<String>,
    /// Where the evidence can be fetched (a bundle's URL, say).
    pub source_url: Option<String>,
    /// Who publishes the figures (Every Eval Ever's `source_organization_name`).
    pub organization: Option<String>,
    /// When the record is made, in seconds since the epoch.
    pub now: u64,
}

/// One file an export writes: its path under the output directory and its contents.
pub struct ExportFile {
    pub path: String,
    pub contents: Vec<u8>,
}

/// The runs' figures in `format`.
pub fn export(runs: &[StoredRun], format: Format, options: &Options) -> Result<Vec<ExportFile>> {
    if runs.is_empty() {
        return Err(Error::new("no run to export"));
    }
    match format {
        Format::Bencher => bencher::export(runs, options),
        Format::EveryEvalEver => every_eval_ever::export(runs, options),
        Format::HfEvalResults => hf_eval_results::export(runs, options),
    }
}

/// The figures a run publishes: every metric that counts (not marked invalid), in name order.
fn published(run: &StoredRun) -> impl Iterator<Item = (&String, &MetricValue)> {
    run.metrics.metrics.iter().filter(|(_, m)| m.invalid.is_none())
}

/// A run's figure in words: `0.7000 (n=20, 95% interval 0.5000–0.9000, bootstrap)`, with the
/// run, its completeness and the bundle.
fn described(run: &StoredRun, metric: &MetricValue, options: &Options) -> String {
    let interval = metric
        .ci
        .as_ref()
        .map(|ci| format!(", {:.0}% interval {:.4}–{:.4} ({})", ci.level * 100.0, ci.low, ci.high, ci.method))
        .unwrap_or_default();
    let incomplete = if run.metrics.complete { "" } else { "; the run is INCOMPLETE" };
    let bundle = options.bundle_sha256.as_ref().map(|b| format!("; evidence: claimbench bundle sha256:{b}")).unwrap_or_default();
    format!("{:.4} (n={}{interval}); claimbench run {}{incomplete}{bundle}", metric.value, metric.n, run.manifest.run_id)
}

/// `suite@version`, the name a run's figures are published under.
fn series(run: &StoredRun) -> String {
    format!("{}@{}", run.manifest.suite.id, run.manifest.suite.version)
}
