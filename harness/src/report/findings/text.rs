//! Plain aligned text for terminals and CI logs.

use super::{Findings, Outcome};
use crate::error::Result;
use crate::report::Exporter;

pub struct Text;

impl Exporter<Findings> for Text {
    fn render(&self, f: &Findings) -> Result<Vec<u8>> {
        let mut out = format!("{}\n", f.title);
        for w in &f.warnings {
            out.push_str(&format!("WARNING: {w}\n"));
        }
        let widths: Vec<usize> = (0..f.columns.len())
            .map(|i| {
                f.rows
                    .iter()
                    .map(|r| r.cells.get(i).map_or(0, |c| c.chars().count()))
                    .chain([f.columns[i].chars().count()])
                    .max()
                    .unwrap_or(0)
            })
            .collect();
        let line = |cells: &[String]| {
            cells.iter().zip(&widths).map(|(c, w)| format!("{c:<w$}")).collect::<Vec<_>>().join("  ").trim_end().to_string()
        };
        out.push_str(&line(&f.columns));
        out.push('\n');
        for row in &f.rows {
            out.push_str(&line(&row.cells));
            out.push('\n');
            if matches!(row.outcome, Outcome::Fail | Outcome::Inconclusive) {
                out.push_str(&format!("  {}: {}\n", row.name, row.detail));
            }
        }
        Ok(out.into_bytes())
    }
}
