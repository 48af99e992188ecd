//! Results that gate CI — a comparison, claim checks, a history — as one table model that
//! every output format renders: one file per format, each implementing `report::Exporter` for
//! findings on the same type that renders reports in that format.

pub mod json;
pub mod junit;
pub mod markdown;
pub mod text;

use crate::compare::claims::ClaimsReport;
use crate::compare::history::{Gate, HistoryReport};
use crate::compare::Comparison;
use crate::stats::claims::Verdict;
use serde::Serialize;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Outcome {
    Pass,
    Fail,
    Inconclusive,
    Info,
}

#[derive(Debug, Clone, Serialize)]
pub struct Finding {
    pub name: String,
    pub outcome: Outcome,
    pub cells: Vec<String>,
    pub detail: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct Findings {
    pub title: String,
    pub warnings: Vec<String>,
    pub columns: Vec<String>,
    pub rows: Vec<Finding>,
    /// The full structured result, for JSON.
    pub data: serde_json::Value,
}

impl Findings {
    pub fn failed(&self) -> bool {
        self.rows.iter().any(|r| r.outcome == Outcome::Fail)
    }
}

fn num(x: f64) -> String {
    if x.abs() >= 1000.0 || (x != 0.0 && x.abs() < 1e-3) {
        format!("{x:.3e}")
    } else {
        format!("{x:.4}")
    }
}

fn with_interval(value: f64, low: Option<f64>, high: Option<f64>) -> String {
    match (low, high) {
        (Some(l), Some(h)) => format!("{} [{}, {}]", num(value), num(l), num(h)),
        _ => num(value),
    }
}

fn p_value(p: Option<f64>) -> String {
    p.map(|p| if p < 1e-4 { format!("{p:.1e}") } else { format!("{p:.4}") }).unwrap_or_else(|| "—".into())
}

pub fn from_comparison(c: &Comparison, baseline: &str, candidate: &str) -> Findings {
    let rows = c
        .metrics
        .iter()
        .map(|m| {
            let effect = |e: &Option<crate::compare::Effect>| {
                e.as_ref().map(|e| with_interval(e.estimate, Some(e.low), Some(e.high))).unwrap_or_else(|| "—".into())
            };
            let hardware = match m.same_hardware {
                Some(true) => "same",
                Some(false) => "DIFFERENT",
                None => "—",
            };
            Finding {
                name: m.metric.clone(),
                outcome: if m.refused.is_some() || m.invalid.is_some() { Outcome::Inconclusive } else { Outcome::Info },
                cells: vec![
                    m.metric.clone(),
                    format!("{} (n={})", with_interval(m.baseline.value, m.baseline.low, m.baseline.high), m.baseline.n),
                    format!("{} (n={})", with_interval(m.candidate.value, m.candidate.low, m.candidate.high), m.candidate.n),
                    effect(&m.absolute),
                    effect(&m.relative),
                    if m.test.is_empty() { "—".into() } else { m.test.clone() },
                    p_value(m.p_value),
                    hardware.into(),
                ],
                detail: match (&m.refused, &m.invalid) {
                    (Some(refused), _) => refused.clone(),
                    (None, Some(invalid)) => format!("INVALID: {invalid}"),
                    (None, None) => format!("{} paired items; improvement is positive when the candidate is better", m.n_paired),
                },
            }
        })
        .collect();
    Findings {
        title: format!("compare {baseline} (baseline) vs {candidate} (candidate), {:.0}% intervals", c.level * 100.0),
        warnings: c.warnings.clone(),
        columns: ["metric", "baseline", "candidate", "improvement", "relative improvement", "test", "p", "hardware"]
            .map(String::from)
            .to_vec(),
        rows,
        data: serde_json::to_value(c).unwrap_or_default(),
    }
}

pub fn from_claims(report: &ClaimsReport) -> Findings {
    let rows = report
        .claims
        .iter()
        .map(|c| {
            let o = &c.outcome;
            let outcome = match o.verdict {
                Verdict::Supported => Outcome::Pass,
                Verdict::Refuted => Outcome::Fail,
                Verdict::Inconclusive => Outcome::Inconclusive,
            };
            let more = c.more_items_needed.map(|n| format!("{n} more items")).unwrap_or_else(|| "—".into());
            let mut detail = format!("{} vs {}; {} paired items", c.baseline, c.candidate, c.n_paired);
            for note in &c.notes {
                detail.push_str("; ");
                detail.push_str(note);
            }
            Finding {
                name: c.id.clone(),
                outcome,
                cells: vec![
                    c.id.clone(),
                    c.metric.clone(),
                    format!("{} ≥ {}", c.kind.name(), num(o.threshold)),
                    with_interval(o.estimate, Some(o.interval.low), Some(o.interval.high)),
                    p_value(Some(o.p_value)),
                    format!("{:?}", o.verdict).to_uppercase(),
                    if o.verdict == Verdict::Inconclusive { more } else { "—".into() },
                ],
                detail,
            }
        })
        .collect();
    Findings {
        title: format!("claims in {}", report.file),
        warnings: report.warnings.clone(),
        columns: ["claim", "metric", "claim (improvement)", "estimate [interval]", "p (≤ threshold)", "verdict", "to settle"]
            .map(String::from)
            .to_vec(),
        rows,
        data: serde_json::to_value(report).unwrap_or_default(),
    }
}

pub fn from_history(report: &HistoryReport, gate: Gate) -> Findings {
    let mut rows = Vec::new();
    for series in &report.series {
        for (metric, values) in &series.values {
            let changes: Vec<_> = series.changes.iter().filter(|c| &c.metric == metric).collect();
            let fails = changes.iter().any(|c| c.kind == "regression" && (gate == Gate::Any || c.at_latest));
            let described = if changes.is_empty() {
                "none".to_string()
            } else {
                changes
                    .iter()
                    .map(|c| {
                        format!(
                            "{} at run {} ({}; {metric} {:+.4} against the mean of the {} runs before, adjusted p {})",
                            c.kind,
                            c.index + 1,
                            c.run_id,
                            c.change,
                            report.window,
                            p_value(Some(c.adjusted_p))
                        )
                    })
                    .collect::<Vec<_>>()
                    .join("; ")
            };
            rows.push(Finding {
                name: format!("{} {metric}", series.key),
                outcome: if fails { Outcome::Fail } else { Outcome::Pass },
                cells: vec![
                    series.key.clone(),
                    metric.clone(),
                    values.len().to_string(),
                    values.last().map(|v| num(*v)).unwrap_or_default(),
                    described.clone(),
                ],
                detail: described,
            });
        }
    }
    let mut warnings: Vec<String> = report.skipped.iter().map(|s| format!("skipped {s}")).collect();
    if report.series.iter().any(|s| s.run_ids.len() <= report.window) {
        warnings.push(format!("series with at most {} runs have too little history for reliable detection", report.window));
    }
    Findings {
        title: format!("history of {} runs (window {}, false discovery rate {})", report.runs, report.window, report.fdr),
        warnings,
        columns: ["series", "metric", "runs", "latest", "changes"].map(String::from).to_vec(),
        rows,
        data: serde_json::to_value(report).unwrap_or_default(),
    }
}
