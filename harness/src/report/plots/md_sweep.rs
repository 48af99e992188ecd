//! Simulation cost against system size (log–log), one line per materials run: a slope of one is
//! linear scaling, and where lines cross shows which engine wins at which size.

use super::{draw_legend, drawing, file_stem, log10_label, log10_range, series_color, suites, Figure, Section, FONT};
use crate::report::ReportInput;
use plotters::coord::Shift;
use plotters::prelude::*;

pub struct SizePoint {
    pub workload: String,
    pub atoms: f64,
    /// Wall seconds per timestep, with the interval from timesteps/s.
    pub seconds_per_step: f64,
    pub low: f64,
    pub high: f64,
}

pub struct Line {
    pub label: String,
    pub points: Vec<SizePoint>,
}

pub struct MdSweep {
    pub suite: String,
    pub lines: Vec<Line>,
}

/// One figure per suite with runs that have timesteps/s at two or more sizes.
pub fn figures(input: &ReportInput) -> Vec<MdSweep> {
    suites(input).into_iter().filter_map(|suite| figure(input, suite)).collect()
}

fn figure(input: &ReportInput, suite: String) -> Option<MdSweep> {
    let lines: Vec<Line> = input
        .runs_of(&suite)
        .filter_map(|(run, label)| {
            let mut points: Vec<SizePoint> = run
                .metrics
                .metrics
                .iter()
                .filter_map(|(name, m)| {
                    let workload = name.strip_suffix("/timesteps_per_s")?;
                    let prefix = format!("{workload}/");
                    let atoms = run.samples.iter().find(|s| s.id.starts_with(&prefix))?.measures.get("atoms").copied()?;
                    if m.value <= 0.0 || atoms <= 0.0 {
                        return None;
                    }
                    let (low, high) = m.ci.as_ref().map(|ci| (1.0 / ci.high, 1.0 / ci.low)).unwrap_or((1.0 / m.value, 1.0 / m.value));
                    Some(SizePoint { workload: workload.to_string(), atoms, seconds_per_step: 1.0 / m.value, low, high })
                })
                .collect();
            points.sort_by(|a, b| a.atoms.total_cmp(&b.atoms));
            (points.len() >= 2).then(|| Line { label: label.clone(), points })
        })
        .collect();
    (!lines.is_empty()).then_some(MdSweep { suite, lines })
}

impl Figure for MdSweep {
    fn stem(&self) -> String {
        format!("md_size_sweep_{}", file_stem(&self.suite))
    }

    fn section(&self) -> Section {
        Section::Suite(self.suite.clone())
    }

    fn caption(&self) -> String {
        format!(
            "{}: wall time per MD timestep against the number of atoms (log–log; median over repetitions, whiskers 95% CI).",
            self.suite
        )
    }

    fn draw<DB: DrawingBackend>(&self, root: DrawingArea<DB, Shift>) -> Result<(), String> {
        root.fill(&WHITE).map_err(drawing)?;
        let points = || self.lines.iter().flat_map(|l| &l.points);
        let x_range = log10_range(points().map(|p| p.atoms));
        let y_range = log10_range(points().flat_map(|p| [p.low, p.high, p.seconds_per_step]));
        let mut chart = ChartBuilder::on(&root)
            .caption(format!("{}: time per step vs atoms", self.suite), (FONT, 22))
            .margin(16)
            .x_label_area_size(50)
            .y_label_area_size(80)
            .build_cartesian_2d(x_range, y_range)
            .map_err(drawing)?;
        chart
            .configure_mesh()
            .light_line_style(RGBColor(235, 235, 235))
            .x_desc("atoms (log scale)")
            .y_desc("seconds per timestep (log scale)")
            .label_style((FONT, 15))
            .x_label_formatter(&|x| log10_label(*x))
            .y_label_formatter(&|y| log10_label(*y))
            .draw()
            .map_err(drawing)?;
        for (i, line) in self.lines.iter().enumerate() {
            let color = series_color(i);
            chart
                .draw_series(LineSeries::new(
                    line.points.iter().map(|p| (p.atoms.log10(), p.seconds_per_step.log10())),
                    color.stroke_width(2),
                ))
                .map_err(drawing)?
                .label(line.label.clone())
                .legend(move |(x, y)| PathElement::new(vec![(x, y), (x + 20, y)], color.stroke_width(2)));
            chart
                .draw_series(line.points.iter().map(|p| Circle::new((p.atoms.log10(), p.seconds_per_step.log10()), 5, color.filled())))
                .map_err(drawing)?;
            chart
                .draw_series(line.points.iter().map(|p| {
                    PathElement::new(vec![(p.atoms.log10(), p.low.log10()), (p.atoms.log10(), p.high.log10())], color.stroke_width(1))
                }))
                .map_err(drawing)?;
        }
        draw_legend(&mut chart, SeriesLabelPosition::UpperLeft)?;
        root.present().map_err(drawing)?;
        Ok(())
    }
}
