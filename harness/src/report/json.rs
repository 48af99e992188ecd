//! `report.json`: everything the report shows, for other tools.

use super::{status_text, Exporter, Report};
use crate::error::Result;
use serde_json::{json, Value};

pub struct Json;

impl Exporter<Report> for Json {
    fn render(&self, report: &Report) -> Result<Vec<u8>> {
        let input = &report.input;
        let runs: Vec<Value> = input
            .runs
            .iter()
            .zip(&input.labels)
            .map(|(run, label)| {
                json!({
                    "label": label,
                    "dir": run.dir.display().to_string(),
                    "samples": report.samples_link(run),
                    "status": status_text(run),
                    "complete": run.metrics.complete,
                    "manifest": run.manifest,
                    "metrics": run.metrics,
                })
            })
            .collect();
        let plots: Vec<Value> = report
            .plots
            .iter()
            .map(|p| json!({"stem": p.stem, "caption": p.caption, "png": format!("plots/{}.png", p.stem), "svg": format!("plots/{}.svg", p.stem)}))
            .collect();
        let value = json!({
            "schema": "claimbench.report/1",
            "runs": runs,
            "claims": input.claims,
            "history": input.history,
            "plots": plots,
        });
        let mut bytes = serde_json::to_vec_pretty(&value).expect("a report serialises");
        bytes.push(b'\n');
        Ok(bytes)
    }
}
