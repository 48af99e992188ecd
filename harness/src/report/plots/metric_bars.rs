//! One metric across runs: a bar per run with its confidence interval as a whisker.

use super::FONT;
use crate::error::{Error, Result};
use crate::report::run_labels;
use crate::store::StoredRun;
use plotters::coord::Shift;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};
use std::path::{Path, PathBuf};

const SIZE: (u32, u32) = (900, 560);

struct Bar {
    label: String,
    value: f64,
    low: f64,
    high: f64,
    n: usize,
}

/// Writes `<metric>.png` and `<metric>.svg`; runs without the metric are left out.
pub fn write(runs: &[StoredRun], metric: &str, out: &Path) -> Result<Vec<PathBuf>> {
    let bars: Vec<Bar> = runs
        .iter()
        .zip(run_labels(runs))
        .filter_map(|(run, label)| {
            let m = run.metrics.metrics.get(metric)?;
            let (low, high) = m.ci.as_ref().map(|ci| (ci.low, ci.high)).unwrap_or((m.value, m.value));
            let label = if run.metrics.complete { label } else { format!("{label} (INCOMPLETE)") };
            let label = if m.invalid.is_some() { format!("{label} (INVALID)") } else { label };
            Some(Bar { label, value: m.value, low, high, n: m.n })
        })
        .collect();
    let png = out.join(format!("{}.png", super::file_stem(metric)));
    let svg = out.join(format!("{}.svg", super::file_stem(metric)));
    draw(BitMapBackend::new(&png, SIZE).into_drawing_area(), metric, &bars).map_err(|e| Error::in_file(&png, e))?;
    draw(SVGBackend::new(&svg, SIZE).into_drawing_area(), metric, &bars).map_err(|e| Error::in_file(&svg, e))?;
    Ok(vec![png, svg])
}

fn draw<DB: DrawingBackend>(root: DrawingArea<DB, Shift>, metric: &str, bars: &[Bar]) -> std::result::Result<(), String> {
    let err = |e: DrawingAreaErrorKind<DB::ErrorType>| e.to_string();
    root.fill(&WHITE).map_err(err)?;
    // Room above the tallest whisker for its label; small values still get readable bars.
    let top = bars.iter().map(|b| b.high).fold(0.0f64, f64::max);
    let y_max = (top * 1.25).max(0.05);
    let count = bars.len().max(1);
    let mut chart = ChartBuilder::on(&root)
        .caption(format!("{metric} (bars: estimate, whiskers: 95% CI)"), (FONT, 22))
        .margin(16)
        .x_label_area_size(60)
        .y_label_area_size(64)
        .build_cartesian_2d((0..count as i32 - 1).into_segmented(), 0.0..y_max)
        .map_err(err)?;
    chart
        .configure_mesh()
        .disable_x_mesh()
        .light_line_style(RGBColor(235, 235, 235))
        .y_desc(metric)
        .label_style((FONT, 15))
        .x_labels(count)
        .x_label_formatter(&|x| match x {
            SegmentValue::CenterOf(i) => bars.get(*i as usize).map(|b| format!("{} (n={})", b.label, b.n)).unwrap_or_default(),
            _ => String::new(),
        })
        .draw()
        .map_err(err)?;
    let fill = RGBColor(70, 120, 190);
    let at = |i: usize| SegmentValue::CenterOf(i as i32);
    chart
        .draw_series(bars.iter().enumerate().map(|(i, bar)| {
            let mut rect =
                Rectangle::new([(SegmentValue::Exact(i as i32), 0.0), (SegmentValue::Exact(i as i32 + 1), bar.value)], fill.filled());
            rect.set_margin(0, 0, 30, 30);
            rect
        }))
        .map_err(err)?;
    let whisker = BLACK.stroke_width(2);
    chart
        .draw_series(bars.iter().enumerate().map(|(i, bar)| PathElement::new(vec![(at(i), bar.low), (at(i), bar.high)], whisker)))
        .map_err(err)?;
    // Caps are a fixed number of pixels wide, whatever the bar width.
    chart
        .draw_series(bars.iter().enumerate().flat_map(|(i, bar)| {
            [bar.low, bar.high].map(|y| EmptyElement::at((at(i), y)) + PathElement::new(vec![(-10, 0), (10, 0)], whisker))
        }))
        .map_err(err)?;
    let label_style = TextStyle::from((FONT, 15).into_font()).color(&BLACK).pos(Pos::new(HPos::Center, VPos::Bottom));
    chart
        .draw_series(
            bars.iter()
                .enumerate()
                .map(|(i, bar)| EmptyElement::at((at(i), bar.high)) + Text::new(format!("{:.3}", bar.value), (0, -6), label_style.clone())),
        )
        .map_err(err)?;
    root.present().map_err(err)?;
    Ok(())
}
