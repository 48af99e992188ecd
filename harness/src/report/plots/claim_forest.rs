//! Claims as a forest plot: one row per claim with its estimate, confidence interval and the
//! threshold it must clear. A claim is supported when its whole interval lies right of its mark.

use super::{category_label, category_ticks, drawing, linear_range, Figure, Section, FONT};
use crate::report::ReportInput;
use crate::stats::claims::Verdict;
use plotters::coord::Shift;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};

pub struct Row {
    pub id: String,
    pub kind: String,
    pub estimate: f64,
    pub low: f64,
    pub high: f64,
    pub threshold: f64,
    pub verdict: Verdict,
}

pub struct ClaimForest {
    pub rows: Vec<Row>,
}

pub fn figure(input: &ReportInput) -> Option<ClaimForest> {
    let rows: Vec<Row> = input
        .claims
        .iter()
        .flat_map(|report| &report.claims)
        .map(|c| Row {
            id: c.id.clone(),
            kind: c.kind.name().to_string(),
            estimate: c.outcome.estimate,
            low: c.outcome.interval.low,
            high: c.outcome.interval.high,
            threshold: c.outcome.threshold,
            verdict: c.outcome.verdict,
        })
        .collect();
    (!rows.is_empty()).then_some(ClaimForest { rows })
}

pub fn verdict_color(verdict: Verdict) -> RGBColor {
    match verdict {
        Verdict::Supported => RGBColor(40, 140, 60),
        Verdict::Refuted => RGBColor(200, 40, 40),
        Verdict::Inconclusive => RGBColor(120, 120, 120),
    }
}

impl Figure for ClaimForest {
    fn stem(&self) -> String {
        "claims_forest".to_string()
    }

    fn section(&self) -> Section {
        Section::Claims
    }

    fn caption(&self) -> String {
        "Each claim's estimated improvement (dot) with its confidence interval (line) against the threshold it claims (red mark), in the claim's own units.".to_string()
    }

    fn size(&self) -> (u32, u32) {
        (900, 160 + 60 * self.rows.len() as u32)
    }

    fn draw<DB: DrawingBackend>(&self, root: DrawingArea<DB, Shift>) -> Result<(), String> {
        root.fill(&WHITE).map_err(drawing)?;
        let count = self.rows.len();
        let x_range = linear_range(self.rows.iter().flat_map(|r| [r.low, r.high, r.threshold, r.estimate]));
        let mut chart = ChartBuilder::on(&root)
            .caption("Claims: estimate and interval against the threshold", (FONT, 22))
            .margin(16)
            .x_label_area_size(50)
            .y_label_area_size(230)
            .build_cartesian_2d(x_range, -0.6..(count as f64 - 0.4))
            .map_err(drawing)?;
        let rows = &self.rows;
        let labels: Vec<String> = rows.iter().map(|r| r.id.clone()).collect();
        chart
            .configure_mesh()
            .disable_y_mesh()
            .light_line_style(RGBColor(235, 235, 235))
            .x_desc("improvement of candidate over baseline")
            .label_style((FONT, 15))
            .y_labels(category_ticks(rows.len()))
            .y_label_formatter(&|y| category_label(&labels, *y))
            .draw()
            .map_err(drawing)?;
        let at = |i: usize| i as f64;
        chart
            .draw_series(
                rows.iter()
                    .enumerate()
                    .map(|(i, r)| PathElement::new(vec![(r.low, at(i)), (r.high, at(i))], verdict_color(r.verdict).stroke_width(3))),
            )
            .map_err(drawing)?;
        chart
            .draw_series(rows.iter().enumerate().map(|(i, r)| {
                EmptyElement::at((r.threshold, at(i))) + PathElement::new(vec![(0, -16), (0, 16)], RGBColor(220, 0, 0).stroke_width(3))
            }))
            .map_err(drawing)?;
        let label_style = TextStyle::from((FONT, 14).into_font()).color(&BLACK).pos(Pos::new(HPos::Center, VPos::Top));
        chart
            .draw_series(rows.iter().enumerate().map(|(i, r)| {
                let color = verdict_color(r.verdict);
                EmptyElement::at((r.estimate, at(i)))
                    + Circle::new((0, 0), 7, color.filled())
                    + Text::new(
                        format!(
                            "{}: {} {:.4} [{:.4}, {:.4}], threshold {:.4}",
                            format!("{:?}", r.verdict).to_uppercase(),
                            r.kind,
                            r.estimate,
                            r.low,
                            r.high,
                            r.threshold
                        ),
                        (0, 12),
                        label_style.clone(),
                    )
            }))
            .map_err(drawing)?;
        root.present().map_err(drawing)?;
        Ok(())
    }
}
