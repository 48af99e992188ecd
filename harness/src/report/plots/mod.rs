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

pub fn write_all(runs: &[StoredRun], out: &Path) -> Result<Vec<PathBuf>> {
    register_fonts();
    metric_bars::write(runs, "accuracy", out)
}
