//! One-page Markdown summary: results with intervals, claims, plots, provenance, worst items.

use super::escape::markdown_cell as escape;
use super::{is_complete, status_text, word_errors, worst_items, Exporter, Report, ALIGNMENT_CHARS, ITEM_ID_CHARS};
use crate::error::Result;
use std::fmt::Write;

pub struct Markdown;

impl Exporter<Report> for Markdown {
    fn render(&self, report: &Report) -> Result<Vec<u8>> {
        let input = &report.input;
        let mut md = String::new();
        let _ = writeln!(md, "# claimbench report\n");
        let _ = writeln!(md, "| system | suite | status | n | metric | value | 95% CI |");
        let _ = writeln!(md, "|---|---|---|---:|---|---:|---|");
        for (run, label) in input.runs.iter().zip(&input.labels) {
            if run.metrics.metrics.is_empty() {
                let m = &run.manifest;
                let _ = writeln!(md, "| {label} | {} {} | {} | 0 | — | — | — |", m.suite.id, m.suite.version, bold_if_not_complete(run));
            }
        }
        for row in report.metric_rows() {
            let m = &row.run.manifest;
            let ci = row
                .ci
                .map(|ci| format!("[{:.4}, {:.4}] ({} {})", ci.low, ci.high, ci.level_percent(), ci.method))
                .unwrap_or_else(|| "—".to_string());
            let median = if row.median { " (median)" } else { "" };
            let invalid = if row.invalid.is_some() { " **INVALID**" } else { "" };
            let _ = writeln!(
                md,
                "| {} | {} {} | {} | {} | {}{median} | {:.4}{invalid} | {ci} |",
                row.label,
                m.suite.id,
                m.suite.version,
                bold_if_not_complete(row.run),
                row.n,
                row.metric,
                row.value
            );
        }
        let mut invalid: Vec<String> = Vec::new();
        for row in report.metric_rows() {
            if let Some(reason) = row.invalid {
                let line = format!("- **INVALID** {}: {}", row.label, escape(reason));
                if !invalid.contains(&line) {
                    invalid.push(line);
                }
            }
        }
        if !invalid.is_empty() {
            let _ =
                writeln!(md, "\nSpeed figures marked INVALID come from runs that failed their accuracy gate:\n\n{}", invalid.join("\n"));
        }
        let _ = writeln!(md);

        let claims: Vec<_> = input.claims.iter().flat_map(|r| &r.claims).collect();
        if !claims.is_empty() {
            let _ = writeln!(md, "## Claims\n");
            let _ = writeln!(md, "| claim | kind | metric | estimate | interval | threshold | n paired | verdict |");
            let _ = writeln!(md, "|---|---|---|---:|---|---:|---:|---|");
            for c in claims {
                let o = &c.outcome;
                let _ = writeln!(
                    md,
                    "| {} | {} | {} | {:.4} | [{:.4}, {:.4}] | {:.4} | {} | **{:?}** |",
                    escape(&c.id),
                    c.kind.name(),
                    c.metric,
                    o.estimate,
                    o.interval.low,
                    o.interval.high,
                    o.threshold,
                    c.n_paired,
                    o.verdict
                );
            }
            let _ = writeln!(md);
        }

        for plot in &report.plots {
            let _ = writeln!(md, "![{}](plots/{}.png)\n", escape(&plot.caption), plot.stem);
        }

        let _ = writeln!(md, "## Provenance\n");
        for (run, label) in input.runs.iter().zip(&input.labels) {
            let m = &run.manifest;
            let _ = writeln!(md, "### {label}\n");
            let _ = writeln!(
                md,
                "- run: `{}` ({}), started {}, finished {}; samples: [{}]({})",
                m.run_id,
                run.dir.display(),
                m.started_at,
                m.finished_at.as_deref().unwrap_or("—"),
                crate::store::SAMPLES,
                report.samples_link(run)
            );
            let _ = writeln!(md, "- claimbench {} (commit {})", m.claimbench.version, m.claimbench.git_commit);
            let _ = writeln!(
                md,
                "- suite `{}` {} ({}), sha256 `{}`, scoring {}, extraction {}, {}-shot (seed {})",
                m.suite.id,
                m.suite.version,
                m.suite.task,
                m.suite.sha256,
                m.suite.scoring_version,
                m.suite.extraction,
                m.suite.fewshot_k,
                m.suite.fewshot_seed
            );
            for file in &m.dataset.files {
                let _ = writeln!(
                    md,
                    "- dataset {} {} ({}), {} sha256 `{}`",
                    m.dataset.name, m.dataset.version, m.dataset.license, file.path, file.sha256
                );
            }
            let _ = writeln!(md, "- system `{}` ({}), config sha256 `{}`", m.system.name, m.system.kind, m.system.config_sha256);
            let _ = writeln!(
                md,
                "- host {}: {}, {} cores, {:.1} GiB, {} {}",
                m.host.hostname,
                m.host.cpu_model,
                m.host.cores,
                m.host.memory_bytes as f64 / (1u64 << 30) as f64,
                m.host.os,
                m.host.kernel
            );
            let _ = writeln!(md, "- seed {}", m.seed);
            if let Some(error) = &m.error {
                let _ = writeln!(md, "- stopped early: {}", escape(error));
            }
            if !m.failed_items.is_empty() {
                let ids: Vec<&str> = m.failed_items.iter().map(|f| f.id.as_str()).collect();
                let _ = writeln!(md, "- **{} failed items** (asked again by `run --resume`): {}", ids.len(), ids.join(", "));
            }
            let _ = writeln!(md);
        }

        let _ = writeln!(md, "## Worst items\n");
        for (run, label) in input.runs.iter().zip(&input.labels) {
            let worst = worst_items(run);
            let wrong = run.samples.iter().filter(|s| !s.correct).count();
            let _ = writeln!(md, "### {label} on {}: {wrong} of {} wrong\n", run.manifest.suite.id, run.samples.len());
            if worst.is_empty() {
                continue;
            }
            if worst[0].annotations.contains_key("alignment") {
                for sample in worst {
                    let words = sample.measures.get("reference_words").copied().unwrap_or(0.0);
                    let id = super::clipped(&sample.id, ITEM_ID_CHARS);
                    let _ = writeln!(md, "`{id}`: {} errors in {} reference words\n", word_errors(sample), words);
                    let _ = writeln!(md, "```\n{}\n```\n", super::clipped_block(&sample.annotations["alignment"], ALIGNMENT_CHARS));
                }
                continue;
            }
            let _ = writeln!(md, "| item | index | reference | extracted | output |");
            let _ = writeln!(md, "|---|---:|---:|---:|---|");
            for sample in worst {
                let _ = writeln!(
                    md,
                    "| `{}` | {} | {} | {} | {} |",
                    super::clipped(&sample.id, ITEM_ID_CHARS),
                    sample.index,
                    escape(&super::clipped(&sample.reference, 80)),
                    escape(&super::clipped(sample.extracted.as_deref().unwrap_or("(none)"), 80)),
                    escape(&super::clipped(&sample.output, 100))
                );
            }
            let _ = writeln!(md);
        }
        Ok(md.into_bytes())
    }
}

fn bold_if_not_complete(run: &crate::store::StoredRun) -> String {
    if is_complete(run) {
        status_text(run)
    } else {
        format!("**{}**", status_text(run))
    }
}
