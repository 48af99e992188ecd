//! Plots drawn with plotters, each written as PNG and SVG. Text is drawn with DejaVu Sans
//! compiled into the binary, so plots look the same on any machine, fonts installed or not.
//! Every plot kind is one file with a `Figure`: its data, prepared from runs, and how it draws.

pub mod claim_forest;
pub mod history_lines;
pub mod latency_cdf;
pub mod md_sweep;
pub mod metric_bars;
pub mod pareto;
pub mod wer_breakdown;

use super::ReportInput;
use crate::error::{Error, Result};
use crate::fsutil::write_atomic;
use plotters::coord::Shift;
use plotters::prelude::*;
use std::path::{Path, PathBuf};
use std::sync::Once;

pub const FONT: &str = "sans-serif";
static FONT_BYTES: &[u8] = include_bytes!("../../../assets/fonts/DejaVuSans.ttf");
pub const SIZE: (u32, u32) = (900, 560);

pub(crate) fn register_fonts() {
    static REGISTER: Once = Once::new();
    REGISTER.call_once(|| {
        for style in [plotters::style::FontStyle::Normal, plotters::style::FontStyle::Bold] {
            plotters::style::register_font(FONT, style, FONT_BYTES).unwrap_or_else(|_| panic!("the bundled font is valid"));
        }
    });
}

/// One plot kind's prepared data and drawing.
pub trait Figure {
    /// File stem, unique within a report.
    fn stem(&self) -> String;
    /// One sentence saying what the plot shows, used as its caption.
    fn caption(&self) -> String;
    /// Where the plot belongs in a report.
    fn section(&self) -> Section;
    fn size(&self) -> (u32, u32) {
        SIZE
    }
    fn draw<DB: DrawingBackend>(&self, root: DrawingArea<DB, Shift>) -> std::result::Result<(), String>;
}

/// The part of a report a plot belongs to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Section {
    Suite(String),
    Claims,
    History,
}

/// A plot written to disk, with its SVG text kept for inlining into HTML.
#[derive(Debug, Clone)]
pub struct Plot {
    pub stem: String,
    pub section: Section,
    pub caption: String,
    pub svg: String,
    pub png_path: PathBuf,
    pub svg_path: PathBuf,
}

/// Turns a plotters drawing error into the message a figure returns.
pub fn drawing<E: std::error::Error + Send + Sync>(e: DrawingAreaErrorKind<E>) -> String {
    e.to_string()
}

/// The figure's SVG as text.
pub fn svg_text<F: Figure>(figure: &F) -> std::result::Result<String, String> {
    register_fonts();
    let mut svg = String::new();
    figure.draw(SVGBackend::with_string(&mut svg, figure.size()).into_drawing_area())?;
    Ok(svg)
}

/// The figure as RGB pixels, encoded as PNG.
pub fn png_bytes<F: Figure>(figure: &F) -> std::result::Result<Vec<u8>, String> {
    register_fonts();
    let (width, height) = figure.size();
    let mut pixels = vec![0u8; width as usize * height as usize * 3];
    figure.draw(BitMapBackend::with_buffer(&mut pixels, (width, height)).into_drawing_area())?;
    let mut png = Vec::new();
    image::codecs::png::PngEncoder::new(&mut png).write_image(&pixels, width, height, image::ColorType::Rgb8).map_err(|e| e.to_string())?;
    Ok(png)
}

use image::ImageEncoder;

/// Writes `<stem>.png` and `<stem>.svg` into `out`.
pub fn save<F: Figure>(figure: &F, out: &Path) -> Result<Plot> {
    let stem = figure.stem();
    let png_path = out.join(format!("{stem}.png"));
    let svg_path = out.join(format!("{stem}.svg"));
    let png = png_bytes(figure).map_err(|e| Error::in_file(&png_path, e))?;
    write_atomic(&png_path, &png)?;
    let svg = svg_text(figure).map_err(|e| Error::in_file(&svg_path, e))?;
    write_atomic(&svg_path, svg.as_bytes())?;
    Ok(Plot { stem, section: figure.section(), caption: figure.caption(), svg, png_path, svg_path })
}

/// File stem of a metric's plot: `lj-32k/timesteps_per_s` becomes `lj-32k_timesteps_per_s`.
pub fn file_stem(metric: &str) -> String {
    metric.chars().map(|c| if c.is_ascii_alphanumeric() || c == '-' || c == '_' { c } else { '_' }).collect()
}

/// A colour per series, distinguishable and printable in grey.
pub fn series_color(index: usize) -> RGBColor {
    const PALETTE: [RGBColor; 8] = [
        RGBColor(31, 119, 180),
        RGBColor(255, 127, 14),
        RGBColor(44, 160, 44),
        RGBColor(214, 39, 40),
        RGBColor(148, 103, 189),
        RGBColor(140, 86, 75),
        RGBColor(227, 119, 194),
        RGBColor(127, 127, 127),
    ];
    PALETTE[index % PALETTE.len()]
}

/// Categories (bars, claims) sit at integer positions of a plain axis; this many labels makes
/// the axis put a tick on every integer.
pub fn category_ticks(count: usize) -> usize {
    count * 3 + 3
}

/// The label of the category at `x`, or nothing between categories.
pub fn category_label(labels: &[String], x: f64) -> String {
    let index = x.round();
    if (x - index).abs() > 1e-6 || index < 0.0 {
        return String::new();
    }
    labels.get(index as usize).cloned().unwrap_or_default()
}

/// A log axis, drawn as a linear axis over log10 of the values (plotters' own log axis leaves
/// ranges narrower than a decade without labels): the range covering `values`, with some room.
pub fn log10_range(values: impl IntoIterator<Item = f64>) -> std::ops::Range<f64> {
    let logs: Vec<f64> = values.into_iter().filter(|v| v.is_finite() && *v > 0.0).map(f64::log10).collect();
    if logs.is_empty() {
        return -1.0..1.0;
    }
    let range = linear_range(logs);
    let pad = (0.3 - (range.end - range.start)).max(0.0) / 2.0;
    (range.start - pad)..(range.end + pad)
}

/// The tick label at `x` on a log10 axis: the value itself, to two significant digits.
pub fn log10_label(x: f64) -> String {
    let value = 10f64.powf(x);
    if !(1e-3..1e6).contains(&value) {
        return format!("{value:.1e}");
    }
    let magnitude = value.log10().floor() as i32;
    let step = 10f64.powi(magnitude - 1);
    let rounded = (value / step).round() * step;
    let decimals = (1 - magnitude).max(0) as usize;
    format!("{rounded:.decimals$}")
}

#[cfg(test)]
#[test]
fn log_ticks_read_as_round_numbers() {
    assert_eq!(log10_label(3981.0f64.log10()), "4000");
    assert_eq!(log10_label(0.00631f64.log10()), "0.0063");
    assert_eq!(log10_label(1.0f64.log10()), "1.0");
    assert_eq!(log10_label(2.51e-4f64.log10()), "2.5e-4");
}

/// A linear axis range covering `values` with 8% room on both sides.
pub fn linear_range(values: impl IntoIterator<Item = f64>) -> std::ops::Range<f64> {
    let (low, high) =
        values.into_iter().filter(|v| v.is_finite()).fold((f64::INFINITY, f64::NEG_INFINITY), |(lo, hi), v| (lo.min(v), hi.max(v)));
    if !low.is_finite() {
        return 0.0..1.0;
    }
    let pad = ((high - low) * 0.08).max(high.abs().max(low.abs()) * 0.02).max(1e-9);
    (low - pad)..(high + pad)
}

/// Suite ids in the order their first run appears.
pub fn suites(input: &ReportInput) -> Vec<String> {
    input.suites().into_iter().map(|(suite, _)| suite).collect()
}

/// The legend box every multi-series plot draws, at `position`.
pub fn draw_legend<'a, DB: DrawingBackend + 'a, CT: plotters::coord::CoordTranslate>(
    chart: &mut ChartContext<'a, DB, CT>,
    position: SeriesLabelPosition,
) -> std::result::Result<(), String> {
    chart
        .configure_series_labels()
        .position(position)
        .background_style(WHITE.mix(0.9))
        .border_style(BLACK)
        .label_font((FONT, 15))
        .draw()
        .map_err(drawing)
}

/// Every plot the report's inputs allow, written into `out`.
pub fn write_all(input: &ReportInput, out: &Path) -> Result<Vec<Plot>> {
    let mut plots = Vec::new();
    for figure in metric_bars::figures(input) {
        plots.push(save(&figure, out)?);
    }
    for figure in pareto::figures(input) {
        plots.push(save(&figure, out)?);
    }
    for figure in latency_cdf::figures(input) {
        plots.push(save(&figure, out)?);
    }
    for figure in wer_breakdown::figures(input) {
        plots.push(save(&figure, out)?);
    }
    for figure in md_sweep::figures(input) {
        plots.push(save(&figure, out)?);
    }
    if let Some(figure) = claim_forest::figure(input) {
        plots.push(save(&figure, out)?);
    }
    for figure in history_lines::figures(input) {
        plots.push(save(&figure, out)?);
    }
    Ok(plots)
}

#[cfg(test)]
pub(crate) mod golden;
