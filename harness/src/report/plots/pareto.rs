//! Quality against throughput, one point per run of a suite, with the Pareto front: the runs no
//! other run beats on both at once.

use super::{drawing, file_stem, linear_range, log10_label, log10_range, series_color, suites, Figure, Section, FONT};
use crate::report::ReportInput;
use plotters::coord::Shift;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};

pub struct Point {
    pub label: String,
    /// Items per second: the inverse of the mean per-item latency.
    pub throughput: f64,
    pub value: f64,
    pub low: f64,
    pub high: f64,
    pub on_front: bool,
}

pub struct Pareto {
    pub suite: String,
    pub metric: String,
    pub higher_is_better: bool,
    pub points: Vec<Point>,
}

/// One figure per suite and quality metric that at least two runs with latencies share.
pub fn figures(input: &ReportInput) -> Vec<Pareto> {
    let mut figures = Vec::new();
    for suite in suites(input) {
        for metric in crate::tasks::charted_quality_metrics() {
            let mut higher_is_better = true;
            let mut points: Vec<Point> = Vec::new();
            for (run, label) in input.runs_of(&suite) {
                let (Some(m), Some(latency)) = (run.metrics.metrics.get(metric), run.metrics.metrics.get(crate::tasks::LATENCY_METRIC))
                else {
                    continue;
                };
                if latency.value <= 0.0 || !latency.value.is_finite() {
                    continue;
                }
                higher_is_better = m.higher_is_better;
                let (low, high) = m.ci.as_ref().map(|ci| (ci.low, ci.high)).unwrap_or((m.value, m.value));
                points.push(Point { label: label.clone(), throughput: 1.0 / latency.value, value: m.value, low, high, on_front: false });
            }
            if points.len() < 2 {
                continue;
            }
            mark_front(&mut points, higher_is_better);
            figures.push(Pareto { suite: suite.clone(), metric: metric.to_string(), higher_is_better, points });
        }
    }
    figures
}

/// A point is on the front when no other point is at least as good on both axes and better on one.
pub fn mark_front(points: &mut [Point], higher_is_better: bool) {
    let better = |a: f64, b: f64| if higher_is_better { a > b } else { a < b };
    let at_least = |a: f64, b: f64| a == b || better(a, b);
    let dominated: Vec<bool> = points
        .iter()
        .map(|p| {
            points.iter().any(|q| {
                q.throughput >= p.throughput && at_least(q.value, p.value) && (q.throughput > p.throughput || better(q.value, p.value))
            })
        })
        .collect();
    for (point, dominated) in points.iter_mut().zip(dominated) {
        point.on_front = !dominated;
    }
}

impl Figure for Pareto {
    fn stem(&self) -> String {
        format!("pareto_{}_{}", file_stem(&self.suite), file_stem(&self.metric))
    }

    fn section(&self) -> Section {
        Section::Suite(self.suite.clone())
    }

    fn caption(&self) -> String {
        format!(
            "{} {} against throughput (items/s, log scale), whiskers 95% CI; the line joins the Pareto front, the runs no other run beats on both.",
            self.suite, self.metric
        )
    }

    fn draw<DB: DrawingBackend>(&self, root: DrawingArea<DB, Shift>) -> Result<(), String> {
        root.fill(&WHITE).map_err(drawing)?;
        let x_range = log10_range(self.points.iter().map(|p| p.throughput));
        let x_axis = x_range.clone();
        let y_range = linear_range(self.points.iter().flat_map(|p| [p.low, p.high]));
        let direction = if self.higher_is_better { "higher is better" } else { "lower is better" };
        let mut chart = ChartBuilder::on(&root)
            .caption(format!("{}: {} vs throughput", self.suite, self.metric), (FONT, 22))
            .margin(16)
            .x_label_area_size(50)
            .y_label_area_size(70)
            .build_cartesian_2d(x_axis, y_range)
            .map_err(drawing)?;
        chart
            .configure_mesh()
            .light_line_style(RGBColor(235, 235, 235))
            .x_desc("throughput (items/s, log scale; faster to the right)")
            .x_label_formatter(&|x| log10_label(*x))
            .y_desc(format!("{} ({direction})", self.metric))
            .label_style((FONT, 15))
            .draw()
            .map_err(drawing)?;
        let mut front: Vec<(f64, f64)> = self.points.iter().filter(|p| p.on_front).map(|p| (p.throughput.log10(), p.value)).collect();
        front.sort_by(|a, b| a.0.total_cmp(&b.0));
        chart.draw_series(LineSeries::new(front, RGBColor(200, 60, 60).stroke_width(2))).map_err(drawing)?;
        chart
            .draw_series(
                self.points
                    .iter()
                    .map(|p| PathElement::new(vec![(p.throughput.log10(), p.low), (p.throughput.log10(), p.high)], BLACK.stroke_width(1))),
            )
            .map_err(drawing)?;
        // Labels of points in the right third go to their left, so they stay inside the plot.
        let right_third = x_range.start + (x_range.end - x_range.start) * 2.0 / 3.0;
        let left = TextStyle::from((FONT, 15).into_font()).color(&BLACK).pos(Pos::new(HPos::Left, VPos::Bottom));
        let right = left.clone().pos(Pos::new(HPos::Right, VPos::Bottom));
        chart
            .draw_series(self.points.iter().enumerate().map(|(i, p)| {
                let color = series_color(i);
                let marker = if p.on_front { color.filled() } else { color.stroke_width(2) };
                let x = p.throughput.log10();
                let (style, offset) = if x > right_third { (right.clone(), (-9, -9)) } else { (left.clone(), (9, -9)) };
                EmptyElement::at((x, p.value))
                    + Circle::new((0, 0), 7, marker)
                    + Text::new(format!("{}{}", p.label, if p.on_front { " (front)" } else { "" }), offset, style)
            }))
            .map_err(drawing)?;
        root.present().map_err(drawing)?;
        Ok(())
    }
}
