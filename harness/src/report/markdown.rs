//! One-page Markdown summary: results with intervals, provenance, and wrong answers.

use super::{run_labels, Exporter};
use crate::error::Result;
use crate::store::manifest::Status;
use crate::store::metrics::Statistic;
use crate::store::StoredRun;
use std::fmt::Write;

pub struct Markdown;

/// Wrong answers listed per run.
const WRONG_ANSWERS_SHOWN: usize = 10;

impl Exporter for Markdown {
    fn file_name(&self) -> &'static str {
        "summary.md"
    }

    fn render(&self, runs: &[StoredRun]) -> Result<Vec<u8>> {
        let labels = run_labels(runs);
        let mut md = String::new();
        let _ = writeln!(md, "# claimbench report\n");
        let _ = writeln!(md, "| system | suite | status | n | metric | value | 95% CI |");
        let _ = writeln!(md, "|---|---|---|---:|---|---:|---|");
        for (run, label) in runs.iter().zip(&labels) {
            let m = &run.manifest;
            let status = match m.status {
                Status::Complete => "complete".to_string(),
                other => format!("**{}** ({} of {} items)", other.as_str().to_uppercase(), m.items.completed, m.items.expected),
            };
            if run.metrics.metrics.is_empty() {
                let _ = writeln!(md, "| {label} | {} {} | {status} | 0 | — | — | — |", m.suite.id, m.suite.version);
            }
            for (name, metric) in &run.metrics.metrics {
                let ci = metric
                    .ci
                    .as_ref()
                    .map(|ci| format!("[{:.4}, {:.4}] ({})", ci.low, ci.high, ci.method))
                    .unwrap_or_else(|| "—".to_string());
                let median = if metric.statistic == Statistic::Median { " (median)" } else { "" };
                let invalid = if metric.invalid.is_some() { " **INVALID**" } else { "" };
                let _ = writeln!(
                    md,
                    "| {label} | {} {} | {status} | {} | {name}{median} | {:.4}{invalid} | {ci} |",
                    m.suite.id, m.suite.version, metric.n, metric.value
                );
            }
        }
        let mut invalid: Vec<String> = Vec::new();
        for (run, label) in runs.iter().zip(&labels) {
            for reason in run.metrics.metrics.values().filter_map(|m| m.invalid.as_ref()) {
                let line = format!("- **INVALID** {label}: {}", escape(reason));
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
        for metric in super::plots::plotted_metrics(runs) {
            let _ = writeln!(md, "![{metric} with 95% intervals]({}.png)\n", super::plots::file_stem(&metric));
        }

        let _ = writeln!(md, "## Provenance\n");
        for (run, label) in runs.iter().zip(&labels) {
            let m = &run.manifest;
            let _ = writeln!(md, "### {label}\n");
            let _ = writeln!(
                md,
                "- run: `{}` ({}), started {}, finished {}",
                m.run_id,
                run.dir.display(),
                m.started_at,
                m.finished_at.as_deref().unwrap_or("—")
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
            let _ = writeln!(md);
        }

        for (run, label) in runs.iter().zip(&labels) {
            let mut aligned: Vec<_> = run.samples.iter().filter(|s| s.annotations.contains_key("alignment")).collect();
            if aligned.is_empty() {
                continue;
            }
            let errors = |s: &crate::store::samples::Sample| {
                ["substitutions", "deletions", "insertions"].iter().map(|k| s.measures.get(*k).copied().unwrap_or(0.0)).sum::<f64>()
            };
            aligned.sort_by(|a, b| errors(b).total_cmp(&errors(a)).then(a.index.cmp(&b.index)));
            let _ = writeln!(md, "## Worst utterances: {label}\n");
            for sample in aligned.iter().take(WRONG_ANSWERS_SHOWN).filter(|s| errors(s) > 0.0) {
                let words = sample.measures.get("reference_words").copied().unwrap_or(0.0);
                let _ = writeln!(md, "`{}`: {} errors in {} reference words\n", sample.id, errors(sample), words);
                let _ = writeln!(md, "```\n{}\n```\n", sample.annotations["alignment"]);
            }
        }

        let _ = writeln!(md, "## Wrong answers and failed gates\n");
        for (run, label) in runs.iter().zip(&labels) {
            let wrong: Vec<_> = run.samples.iter().filter(|s| !s.correct).collect();
            let _ = writeln!(md, "### {label}: {} of {} wrong\n", wrong.len(), run.samples.len());
            if wrong.is_empty() {
                continue;
            }
            let _ = writeln!(md, "| item | index | reference | extracted | output |");
            let _ = writeln!(md, "|---|---:|---:|---:|---|");
            for sample in wrong.iter().take(WRONG_ANSWERS_SHOWN) {
                let _ = writeln!(
                    md,
                    "| `{}` | {} | {} | {} | {} |",
                    sample.id,
                    sample.index,
                    sample.reference,
                    sample.extracted.as_deref().unwrap_or("(none)"),
                    escape(&crate::tasks::shorten(&sample.output, 100))
                );
            }
            let _ = writeln!(md);
        }
        Ok(md.into_bytes())
    }
}

/// Keeps table cells intact.
fn escape(text: &str) -> String {
    text.replace('|', "\\|")
}
