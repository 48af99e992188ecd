//! Plots drawn with plotters, each written as PNG and SVG. Text is drawn with DejaVu Sans
//! compiled into the binary, so plots look the same on any machine, fonts installed or not.

pub mod metric_bars;

use crate::error::Result;
use crate::store::StoredRun;
use std::path::{Path, PathBuf};
use std::sync::Once;

pub const FONT: &str = "sans-serif";
static FONT_BYTES: &[u8] = include_bytes!("../../../assets/fonts/DejaVuSans.ttf");

pub(crate) fn register_fonts() {
    static REGISTER: Once = Once::new();
    REGISTER.call_once(|| {
        for style in [plotters::style::FontStyle::Normal, plotters::style::FontStyle::Bold] {
            plotters::style::register_font(FONT, style, FONT_BYTES).unwrap_or_else(|_| panic!("the bundled font is valid"));
        }
    });
}

/// The metrics drawn as bar charts: accuracy, WER, and each simulation workload's timesteps/s.
pub fn plotted_metrics(runs: &[StoredRun]) -> Vec<String> {
    let mut names: Vec<String> = runs
        .iter()
        .flat_map(|run| run.metrics.metrics.keys())
        .filter(|name| *name == "accuracy" || *name == "wer" || name.ends_with("/timesteps_per_s"))
        .cloned()
        .collect();
    names.sort();
    names.dedup();
    names
}

/// File stem of a metric's plot: `lj-32k/timesteps_per_s` becomes `lj-32k_timesteps_per_s`.
pub fn file_stem(metric: &str) -> String {
    metric.replace('/', "_")
}

pub fn write_all(runs: &[StoredRun], out: &Path) -> Result<Vec<PathBuf>> {
    register_fonts();
    let mut written = Vec::new();
    for metric in plotted_metrics(runs) {
        written.extend(metric_bars::write(runs, &metric, out)?);
    }
    Ok(written)
}
