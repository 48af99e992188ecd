//! `metrics.csv`: one row per run and metric, with its interval and sample count, for
//! spreadsheets and dataframes.

use super::{Exporter, Report};
use crate::error::Result;

pub struct Csv;

const HEADER: [&str; 14] = [
    "run_id",
    "label",
    "suite",
    "suite_version",
    "system",
    "complete",
    "metric",
    "statistic",
    "value",
    "n",
    "ci_low",
    "ci_high",
    "ci_method",
    "invalid",
];

impl Exporter<Report> for Csv {
    fn render(&self, report: &Report) -> Result<Vec<u8>> {
        let mut out = String::new();
        push_row(&mut out, HEADER.iter().map(|h| h.to_string()));
        for row in report.metric_rows() {
            let m = &row.run.manifest;
            let number = |v: Option<f64>| v.map(|v| format!("{v}")).unwrap_or_default();
            push_row(
                &mut out,
                [
                    m.run_id.clone(),
                    row.label.to_string(),
                    m.suite.id.clone(),
                    m.suite.version.clone(),
                    m.system.name.clone(),
                    row.run.metrics.complete.to_string(),
                    row.metric.to_string(),
                    if row.median { "median" } else { "mean" }.to_string(),
                    format!("{}", row.value),
                    row.n.to_string(),
                    number(row.ci.map(|c| c.low)),
                    number(row.ci.map(|c| c.high)),
                    row.ci.map(|c| c.method.to_string()).unwrap_or_default(),
                    row.invalid.unwrap_or_default().to_string(),
                ],
            );
        }
        Ok(out.into_bytes())
    }
}

/// RFC 4180: fields with commas, quotes or line breaks are quoted, quotes doubled.
fn push_row(out: &mut String, fields: impl IntoIterator<Item = String>) {
    let fields: Vec<String> = fields
        .into_iter()
        .map(|f| if f.contains([',', '"', '\n', '\r']) { format!("\"{}\"", f.replace('"', "\"\"")) } else { f })
        .collect();
    out.push_str(&fields.join(","));
    out.push_str("\r\n");
}

#[cfg(test)]
mod tests {
    #[test]
    fn fields_that_need_it_are_quoted() {
        let mut out = String::new();
        super::push_row(&mut out, ["a".to_string(), "b,c".to_string(), "say \"hi\"".to_string()]);
        assert_eq!(out, "a,\"b,c\",\"say \"\"hi\"\"\"\r\n");
    }
}
