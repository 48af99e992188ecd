//! Per-item latency as an empirical CDF, one line per run of a suite: where the medians and the
//! tails lie, which a mean hides.

use super::{draw_legend, drawing, file_stem, log10_label, log10_range, series_color, suites, Figure, Section, FONT};
use crate::report::ReportInput;
use plotters::coord::Shift;
use plotters::prelude::*;

pub struct Curve {
    pub label: String,
    /// Sorted latencies in seconds.
    pub latencies: Vec<f64>,
}

pub struct LatencyCdf {
    pub suite: String,
    pub curves: Vec<Curve>,
}

/// One figure per suite whose runs recorded per-item latencies.
pub fn figures(input: &ReportInput) -> Vec<LatencyCdf> {
    suites(input)
        .into_iter()
        .filter_map(|suite| {
            let curves: Vec<Curve> = input
                .runs_of(&suite)
                .filter_map(|(run, label)| {
                    let mut latencies: Vec<f64> =
                        run.samples.iter().filter_map(|s| s.latency_s).filter(|l| l.is_finite() && *l > 0.0).collect();
                    latencies.sort_by(f64::total_cmp);
                    (!latencies.is_empty()).then(|| Curve { label: label.clone(), latencies })
                })
                .collect();
            (!curves.is_empty()).then_some(LatencyCdf { suite, curves })
        })
        .collect()
}

impl Figure for LatencyCdf {
    fn stem(&self) -> String {
        format!("latency_cdf_{}", file_stem(&self.suite))
    }

    fn section(&self) -> Section {
        Section::Suite(self.suite.clone())
    }

    fn caption(&self) -> String {
        format!("{}: share of items answered within a given time (empirical CDF of per-item latency, log scale).", self.suite)
    }

    fn draw<DB: DrawingBackend>(&self, root: DrawingArea<DB, Shift>) -> Result<(), String> {
        root.fill(&WHITE).map_err(drawing)?;
        let x_range = log10_range(self.curves.iter().flat_map(|c| c.latencies.iter().copied()));
        let mut chart = ChartBuilder::on(&root)
            .caption(format!("{}: per-item latency CDF", self.suite), (FONT, 22))
            .margin(16)
            .x_label_area_size(50)
            .y_label_area_size(64)
            .build_cartesian_2d(x_range, 0.0..1.0)
            .map_err(drawing)?;
        chart
            .configure_mesh()
            .light_line_style(RGBColor(235, 235, 235))
            .x_desc("latency per item (s, log scale)")
            .x_label_formatter(&|x| log10_label(*x))
            .y_desc("share of items")
            .label_style((FONT, 15))
            .draw()
            .map_err(drawing)?;
        for (i, curve) in self.curves.iter().enumerate() {
            let n = curve.latencies.len() as f64;
            // A step function: the share jumps at each observed latency.
            let mut points = Vec::with_capacity(curve.latencies.len() * 2);
            for (k, &latency) in curve.latencies.iter().enumerate() {
                points.push((latency.log10(), k as f64 / n));
                points.push((latency.log10(), (k + 1) as f64 / n));
            }
            let color = series_color(i);
            chart
                .draw_series(LineSeries::new(points, color.stroke_width(2)))
                .map_err(drawing)?
                .label(format!("{} (n={})", curve.label, curve.latencies.len()))
                .legend(move |(x, y)| PathElement::new(vec![(x, y), (x + 20, y)], color.stroke_width(2)));
        }
        draw_legend(&mut chart, SeriesLabelPosition::LowerRight)?;
        root.present().map_err(drawing)?;
        Ok(())
    }
}
