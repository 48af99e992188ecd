//! Word error rate split into substitutions, deletions and insertions, one stacked bar per speech
//! run: two systems with the same WER can fail in very different ways.

use super::{category_label, category_ticks, draw_legend, drawing, file_stem, suites, Figure, Section, FONT};
use crate::report::ReportInput;
use plotters::coord::Shift;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};

pub struct Breakdown {
    pub label: String,
    pub reference_words: f64,
    /// Substitutions, deletions and insertions, each per reference word.
    pub rates: [f64; 3],
    pub utterances: usize,
}

pub struct WerBreakdown {
    pub suite: String,
    pub runs: Vec<Breakdown>,
}

const PARTS: [&str; 3] = ["substitutions", "deletions", "insertions"];
const COLORS: [RGBColor; 3] = [RGBColor(31, 119, 180), RGBColor(255, 127, 14), RGBColor(44, 160, 44)];

/// One figure per suite whose runs' samples carry alignment counts.
pub fn figures(input: &ReportInput) -> Vec<WerBreakdown> {
    suites(input).into_iter().filter_map(|suite| figure(input, suite)).collect()
}

fn figure(input: &ReportInput, suite: String) -> Option<WerBreakdown> {
    let runs: Vec<Breakdown> = input
        .runs_of(&suite)
        .filter_map(|(run, label)| {
            let aligned: Vec<_> = run.samples.iter().filter(|s| s.measures.contains_key("reference_words")).collect();
            let reference_words: f64 = aligned.iter().map(|s| s.measures["reference_words"]).sum();
            if aligned.is_empty() || reference_words <= 0.0 {
                return None;
            }
            let rates =
                PARTS.map(|part| aligned.iter().map(|s| s.measures.get(part).copied().unwrap_or(0.0)).sum::<f64>() / reference_words);
            Some(Breakdown { label: label.clone(), reference_words, rates, utterances: aligned.len() })
        })
        .collect();
    (!runs.is_empty()).then_some(WerBreakdown { suite, runs })
}

impl Figure for WerBreakdown {
    fn stem(&self) -> String {
        format!("wer_breakdown_{}", file_stem(&self.suite))
    }

    fn section(&self) -> Section {
        Section::Suite(self.suite.clone())
    }

    fn caption(&self) -> String {
        format!(
            "{}: word error rate of each run split into substitutions, deletions and insertions (each per reference word; they add up to the WER).",
            self.suite
        )
    }

    fn draw<DB: DrawingBackend>(&self, root: DrawingArea<DB, Shift>) -> Result<(), String> {
        root.fill(&WHITE).map_err(drawing)?;
        let top = self.runs.iter().map(|r| r.rates.iter().sum::<f64>()).fold(0.0f64, f64::max);
        let count = self.runs.len();
        let runs = &self.runs;
        let labels: Vec<String> =
            runs.iter().map(|r| format!("{} ({} utt., {} words)", r.label, r.utterances, r.reference_words)).collect();
        let mut chart = ChartBuilder::on(&root)
            .caption(format!("{}: WER as substitutions, deletions, insertions", self.suite), (FONT, 22))
            .margin(16)
            .x_label_area_size(60)
            .y_label_area_size(64)
            .build_cartesian_2d(-0.5..(count as f64 - 0.5), 0.0..(top * 1.3).max(0.05))
            .map_err(drawing)?;
        chart
            .configure_mesh()
            .disable_x_mesh()
            .light_line_style(RGBColor(235, 235, 235))
            .y_desc("errors per reference word")
            .label_style((FONT, 15))
            .x_labels(category_ticks(count))
            .x_label_formatter(&|x| category_label(&labels, *x))
            .draw()
            .map_err(drawing)?;
        for (part, (name, color)) in PARTS.iter().zip(COLORS).enumerate() {
            chart
                .draw_series(runs.iter().enumerate().map(|(i, run)| {
                    let below: f64 = run.rates[..part].iter().sum();
                    Rectangle::new([(i as f64 - 0.25, below), (i as f64 + 0.25, below + run.rates[part])], color.filled())
                }))
                .map_err(drawing)?
                .label(*name)
                .legend(move |(x, y)| Rectangle::new([(x, y - 6), (x + 14, y + 6)], color.filled()));
        }
        let label_style = TextStyle::from((FONT, 15).into_font()).color(&BLACK).pos(Pos::new(HPos::Center, VPos::Bottom));
        chart
            .draw_series(runs.iter().enumerate().map(|(i, run)| {
                let wer: f64 = run.rates.iter().sum();
                EmptyElement::at((i as f64, wer)) + Text::new(format!("WER {wer:.3}"), (0, -6), label_style.clone())
            }))
            .map_err(drawing)?;
        draw_legend(&mut chart, SeriesLabelPosition::UpperRight)?;
        root.present().map_err(drawing)?;
        Ok(())
    }
}
