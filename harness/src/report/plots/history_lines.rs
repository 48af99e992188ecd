//! A metric over a series of runs (oldest left), one line per suite and system, with detected
//! regressions and improvements marked where they start.

use super::{draw_legend, drawing, file_stem, linear_range, series_color, Figure, Section, FONT};
use crate::report::ReportInput;
use plotters::coord::Shift;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};

pub struct Change {
    pub index: usize,
    pub regression: bool,
}

pub struct Series {
    pub key: String,
    pub values: Vec<f64>,
    pub changes: Vec<Change>,
}

pub struct HistoryLines {
    pub metric: String,
    pub series: Vec<Series>,
}

/// One figure per metric that the history tracked.
pub fn figures(input: &ReportInput) -> Vec<HistoryLines> {
    let Some(history) = &input.history else { return Vec::new() };
    let mut figures: Vec<HistoryLines> = Vec::new();
    for series in &history.series {
        for (metric, values) in &series.values {
            let changes = series
                .changes
                .iter()
                .filter(|c| &c.metric == metric)
                .map(|c| Change { index: c.index, regression: c.kind == "regression" })
                .collect();
            let line = Series { key: short_key(&series.key), values: values.clone(), changes };
            match figures.iter_mut().find(|f| &f.metric == metric) {
                Some(figure) => figure.series.push(line),
                None => figures.push(HistoryLines { metric: metric.clone(), series: vec![line] }),
            }
        }
    }
    figures
}

/// `gsm8k@1.0.0 [scoring; data …] / system` without the bracketed detail.
fn short_key(key: &str) -> String {
    match (key.find(" ["), key.rfind("] / ")) {
        (Some(open), Some(close)) if open < close => format!("{}{}", &key[..open], &key[close + 1..]),
        _ => key.to_string(),
    }
}

impl Figure for HistoryLines {
    fn stem(&self) -> String {
        format!("history_{}", file_stem(&self.metric))
    }

    fn section(&self) -> Section {
        Section::History
    }

    fn caption(&self) -> String {
        format!(
            "{} over the run history (oldest left), one line per suite and system; red crosses mark where a detected regression starts, green triangles an improvement.",
            self.metric
        )
    }

    fn draw<DB: DrawingBackend>(&self, root: DrawingArea<DB, Shift>) -> Result<(), String> {
        root.fill(&WHITE).map_err(drawing)?;
        let longest = self.series.iter().map(|s| s.values.len()).max().unwrap_or(1).max(2);
        let y_range = linear_range(self.series.iter().flat_map(|s| s.values.iter().copied()));
        let mut chart = ChartBuilder::on(&root)
            .caption(format!("{} history", self.metric), (FONT, 22))
            .margin(16)
            .x_label_area_size(50)
            .y_label_area_size(70)
            .build_cartesian_2d(-0.5..(longest as f64 - 0.5), y_range)
            .map_err(drawing)?;
        chart
            .configure_mesh()
            .light_line_style(RGBColor(235, 235, 235))
            .x_desc("run (in history order)")
            .y_desc(self.metric.as_str())
            .x_label_formatter(&|x| if x.fract() == 0.0 { format!("{x:.0}") } else { String::new() })
            .label_style((FONT, 15))
            .draw()
            .map_err(drawing)?;
        for (i, series) in self.series.iter().enumerate() {
            let color = series_color(i);
            let points: Vec<(f64, f64)> = series.values.iter().enumerate().map(|(x, y)| (x as f64, *y)).collect();
            chart
                .draw_series(LineSeries::new(points.clone(), color.stroke_width(2)))
                .map_err(drawing)?
                .label(series.key.clone())
                .legend(move |(x, y)| PathElement::new(vec![(x, y), (x + 20, y)], color.stroke_width(2)));
            chart.draw_series(points.iter().map(|p| Circle::new(*p, 4, color.filled()))).map_err(drawing)?;
            let style = TextStyle::from((FONT, 14).into_font()).color(&BLACK).pos(Pos::new(HPos::Center, VPos::Bottom));
            let at = |regression: bool| {
                series.changes.iter().filter(move |c| c.regression == regression).filter_map(|c| points.get(c.index).copied())
            };
            let (red, green) = (RGBColor(220, 0, 0), RGBColor(0, 150, 60));
            chart
                .draw_series(at(true).map(|p| {
                    EmptyElement::at(p) + Cross::new((0, 0), 9, red.stroke_width(3)) + Text::new("regression", (0, -12), style.clone())
                }))
                .map_err(drawing)?;
            chart
                .draw_series(at(false).map(|p| {
                    EmptyElement::at(p) + TriangleMarker::new((0, 0), 9, green.filled()) + Text::new("improvement", (0, -12), style.clone())
                }))
                .map_err(drawing)?;
        }
        draw_legend(&mut chart, SeriesLabelPosition::LowerLeft)?;
        root.present().map_err(drawing)?;
        Ok(())
    }
}
