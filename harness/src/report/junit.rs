//! `junit.xml`: a test case per run and metric (failed when the run is incomplete or the figure
//! invalid), per claim (failed when refuted, skipped when inconclusive) and per history series.

use super::findings::{self, Finding, Findings, Outcome};
use super::{status_text, Exporter, Report};
use crate::compare::history::Gate;
use crate::error::Result;

pub struct Junit;

impl Exporter<Report> for Junit {
    fn render(&self, report: &Report) -> Result<Vec<u8>> {
        let rows = report
            .metric_rows()
            .into_iter()
            .map(|row| {
                let status = status_text(row.run);
                let ci = row.ci.map(|ci| format!("[{:.4}, {:.4}]", ci.low, ci.high)).unwrap_or_else(|| "—".to_string());
                let (outcome, detail) = match (row.run.metrics.complete, row.invalid) {
                    (_, Some(reason)) => (Outcome::Fail, format!("invalid: {reason}")),
                    (false, None) => (Outcome::Fail, format!("run {status}")),
                    (true, None) => (Outcome::Pass, String::new()),
                };
                Finding {
                    name: format!("{} / {} / {}", row.run.manifest.suite.id, row.label, row.metric),
                    outcome,
                    cells: vec![format!("{:.4}", row.value), ci, row.n.to_string(), status],
                    detail,
                }
            })
            .collect();
        let mut suites = vec![Findings {
            title: "runs".to_string(),
            warnings: Vec::new(),
            columns: ["value", "95% CI", "n", "status"].map(String::from).to_vec(),
            rows,
            data: serde_json::Value::Null,
        }];
        suites.extend(report.input.claims.iter().map(findings::from_claims));
        suites.extend(report.input.history.iter().map(|h| findings::from_history(h, Gate::Latest)));
        Ok(findings::junit::document(&suites).into_bytes())
    }
}
