//! One metric across runs: a bar per run with its confidence interval as a whisker.

use super::{category_label, category_ticks, drawing, file_stem, suites, Figure, Section, FONT};
use crate::report::ReportInput;
use plotters::coord::Shift;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};

pub struct Bar {
    pub label: String,
    pub value: f64,
    pub low: f64,
    pub high: f64,
    pub n: usize,
}

pub struct MetricBars {
    pub suite: String,
    pub metric: String,
    pub bars: Vec<Bar>,
}

/// The metrics of a suite drawn as bar charts: its headline and quality metrics (e.g. accuracy,
/// WER, each simulation workload's timesteps/s).
pub fn plotted_metrics(input: &ReportInput, suite: &str) -> Vec<String> {
    let mut names: Vec<String> = input
        .runs_of(suite)
        .flat_map(|(run, _)| run.metrics.metrics.keys())
        .filter(|name| crate::tasks::metric_def(name).is_some_and(|d| d.role != crate::tasks::Role::Detail))
        .cloned()
        .collect();
    names.sort();
    names.dedup();
    names
}

pub fn figures(input: &ReportInput) -> Vec<MetricBars> {
    suites(input).iter().flat_map(|suite| plotted_metrics(input, suite).into_iter().map(|metric| figure(input, suite, &metric))).collect()
}

/// Runs without the metric are left out; incomplete runs and invalid figures say so in their label.
pub fn figure(input: &ReportInput, suite: &str, metric: &str) -> MetricBars {
    let bars = input
        .runs_of(suite)
        .filter_map(|(run, label)| {
            let m = run.metrics.metrics.get(metric)?;
            let (low, high) = m.ci.as_ref().map(|ci| (ci.low, ci.high)).unwrap_or((m.value, m.value));
            let label = if run.metrics.complete { label.clone() } else { format!("{label} (INCOMPLETE)") };
            let label = if m.invalid.is_some() { format!("{label} (INVALID)") } else { label };
            Some(Bar { label, value: m.value, low, high, n: m.n })
        })
        .collect();
    MetricBars { suite: suite.to_string(), metric: metric.to_string(), bars }
}

impl Figure for MetricBars {
    fn stem(&self) -> String {
        format!("{}_{}", file_stem(&self.suite), file_stem(&self.metric))
    }

    fn section(&self) -> Section {
        Section::Suite(self.suite.clone())
    }

    fn caption(&self) -> String {
        format!(
            "{} {} per run: the bar is the estimate, the whisker its 95% confidence interval, n the items scored.",
            self.suite, self.metric
        )
    }

    fn draw<DB: DrawingBackend>(&self, root: DrawingArea<DB, Shift>) -> Result<(), String> {
        let bars = &self.bars;
        root.fill(&WHITE).map_err(drawing)?;
        // Room above the tallest whisker for its label; small values still get readable bars.
        let top = bars.iter().map(|b| b.high).fold(0.0f64, f64::max);
        let y_max = (top * 1.25).max(0.05);
        let count = bars.len().max(1);
        let labels: Vec<String> = bars.iter().map(|b| format!("{} (n={})", b.label, b.n)).collect();
        let mut chart = ChartBuilder::on(&root)
            .caption(format!("{}: {} (bars: estimate, whiskers: 95% CI)", self.suite, self.metric), (FONT, 22))
            .margin(16)
            .x_label_area_size(60)
            .y_label_area_size(64)
            .build_cartesian_2d(-0.5..(count as f64 - 0.5), 0.0..y_max)
            .map_err(drawing)?;
        chart
            .configure_mesh()
            .disable_x_mesh()
            .light_line_style(RGBColor(235, 235, 235))
            .y_desc(self.metric.as_str())
            .label_style((FONT, 15))
            .x_labels(category_ticks(count))
            .x_label_formatter(&|x| category_label(&labels, *x))
            .draw()
            .map_err(drawing)?;
        let fill = RGBColor(70, 120, 190);
        let at = |i: usize| i as f64;
        chart
            .draw_series(
                bars.iter().enumerate().map(|(i, bar)| Rectangle::new([(at(i) - 0.3, 0.0), (at(i) + 0.3, bar.value)], fill.filled())),
            )
            .map_err(drawing)?;
        let whisker = BLACK.stroke_width(2);
        chart
            .draw_series(bars.iter().enumerate().map(|(i, bar)| PathElement::new(vec![(at(i), bar.low), (at(i), bar.high)], whisker)))
            .map_err(drawing)?;
        // Caps are a fixed number of pixels wide, whatever the bar width.
        chart
            .draw_series(bars.iter().enumerate().flat_map(|(i, bar)| {
                [bar.low, bar.high].map(|y| EmptyElement::at((at(i), y)) + PathElement::new(vec![(-10, 0), (10, 0)], whisker))
            }))
            .map_err(drawing)?;
        let label_style = TextStyle::from((FONT, 15).into_font()).color(&BLACK).pos(Pos::new(HPos::Center, VPos::Bottom));
        chart
            .draw_series(
                bars.iter().enumerate().map(|(i, bar)| {
                    EmptyElement::at((at(i), bar.high)) + Text::new(format!("{:.3}", bar.value), (0, -6), label_style.clone())
                }),
            )
            .map_err(drawing)?;
        root.present().map_err(drawing)?;
        Ok(())
    }
}
