//! GitHub-flavoured Markdown, ready for a pull-request comment or `$GITHUB_STEP_SUMMARY`.

use super::{Findings, Outcome};
use crate::error::Result;
use crate::report::escape::markdown_cell as cell;
use crate::report::{markdown::Markdown, Exporter};

impl Exporter<Findings> for Markdown {
    fn render(&self, f: &Findings) -> Result<Vec<u8>> {
        let mut out = format!("### {}\n\n", cell(&f.title));
        for w in &f.warnings {
            out.push_str(&format!("> **Warning:** {}\n>\n", cell(w)));
        }
        if !f.warnings.is_empty() {
            out.push('\n');
        }
        out.push_str(&format!("| | {} |\n", f.columns.iter().map(|c| cell(c)).collect::<Vec<_>>().join(" | ")));
        out.push_str(&format!("|---|{}\n", "---|".repeat(f.columns.len())));
        for row in &f.rows {
            let mark = match row.outcome {
                Outcome::Pass => "✅",
                Outcome::Fail => "❌",
                Outcome::Inconclusive => "⚠️",
                Outcome::Info => "",
            };
            out.push_str(&format!("| {mark} | {} |\n", row.cells.iter().map(|c| cell(c)).collect::<Vec<_>>().join(" | ")));
        }
        let notes: Vec<String> = f
            .rows
            .iter()
            .filter(|r| matches!(r.outcome, Outcome::Fail | Outcome::Inconclusive))
            .map(|r| format!("- **{}**: {}", cell(&r.name), cell(&r.detail)))
            .collect();
        if !notes.is_empty() {
            out.push('\n');
            out.push_str(&notes.join("\n"));
            out.push('\n');
        }
        Ok(out.into_bytes())
    }
}
