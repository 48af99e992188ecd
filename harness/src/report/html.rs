//! `index.html`: the whole report in one self-contained page. Styles and plots (as SVG) are
//! inline and nothing is fetched, so the file can be mailed, archived or opened offline.

use super::plots::{Plot, Section};
use super::{is_complete, status_text, word_errors, worst_items, Exporter, Report, ALIGNMENT_CHARS, ITEM_ID_CHARS};
use crate::error::Result;
use crate::store::StoredRun;
use std::fmt::Write;

pub struct Html;

const STYLE: &str = "
body{font-family:system-ui,'DejaVu Sans',sans-serif;margin:0 auto;max-width:1100px;padding:0 1.2em 3em;color:#1d1d1f;line-height:1.45}
h1{margin-top:1em}h2{border-bottom:2px solid #ddd;padding-bottom:.2em;margin-top:2em}
nav a{margin-right:1em}table{border-collapse:collapse;margin:.8em 0;font-size:.92em}
th,td{border:1px solid #d0d0d0;padding:.3em .55em;text-align:left;vertical-align:top}
th{background:#f3f3f3}td.num{text-align:right;font-variant-numeric:tabular-nums}
.verdict{font-weight:bold;padding:.1em .45em;border-radius:4px;color:#fff}
.SUPPORTED{background:#288c3c}.REFUTED{background:#c82828}.INCONCLUSIVE{background:#787878}
.bad{color:#b00020;font-weight:bold}figure{margin:1.2em 0}figure svg{max-width:100%;height:auto;border:1px solid #eee}
figcaption{font-size:.9em;color:#444;margin-top:.3em}pre{background:#f6f6f6;padding:.6em;overflow-x:auto;font-size:.85em}
code{font-size:.9em}dl{display:grid;grid-template-columns:max-content auto;gap:.15em 1em}dt{font-weight:bold}dd{margin:0;word-break:break-all}
";

use super::escape::xml as esc;

/// An id usable in a URL fragment.
fn anchor(text: &str) -> String {
    text.chars().map(|c| if c.is_ascii_alphanumeric() || c == '-' { c } else { '_' }).collect()
}

fn status_cell(run: &StoredRun) -> String {
    if is_complete(run) {
        status_text(run)
    } else {
        format!("<span class=\"bad\">{}</span>", esc(&status_text(run)))
    }
}

fn figure(out: &mut String, plot: &Plot) {
    let svg = plot.svg.trim_start_matches(|c| c != '<');
    let svg = svg.strip_prefix("<?xml").map(|rest| &rest[rest.find("?>").map_or(0, |i| i + 2)..]).unwrap_or(svg);
    let _ = writeln!(
        out,
        "<figure id=\"plot-{}\" role=\"img\" aria-label=\"{}\">\n{}\n<figcaption>{} <a href=\"plots/{}.png\">PNG</a> · <a href=\"plots/{}.svg\">SVG</a></figcaption></figure>",
        anchor(&plot.stem),
        esc(&plot.caption),
        svg.trim(),
        esc(&plot.caption),
        plot.stem,
        plot.stem
    );
}

impl Exporter<Report> for Html {
    fn render(&self, report: &Report) -> Result<Vec<u8>> {
        let input = &report.input;
        let suites = input.suites();
        let claims: Vec<_> = input.claims.iter().flat_map(|r| &r.claims).collect();
        let mut h = String::new();
        let _ = writeln!(h, "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">");
        let _ = writeln!(h, "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">");
        let _ = writeln!(h, "<title>claimbench report</title><style>{STYLE}</style></head><body>");
        let _ = writeln!(
            h,
            "<h1>claimbench report</h1><p>{} runs of {} suites{}; made by claimbench {}.</p>",
            input.runs.len(),
            suites.len(),
            if claims.is_empty() { String::new() } else { format!(", {} claims checked", claims.len()) },
            env!("CARGO_PKG_VERSION")
        );
        let _ = write!(h, "<nav><a href=\"#overview\">Overview</a>");
        if !claims.is_empty() {
            let _ = write!(h, "<a href=\"#claims\">Claims</a>");
        }
        for (suite, _) in &suites {
            let _ = write!(h, "<a href=\"#suite-{}\">{}</a>", anchor(suite), esc(suite));
        }
        if input.history.is_some() {
            let _ = write!(h, "<a href=\"#history\">History</a>");
        }
        let _ = writeln!(h, "<a href=\"#provenance\">Provenance</a><a href=\"#files\">Files</a></nav>");

        overview(&mut h, report);
        if !claims.is_empty() {
            let _ = writeln!(h, "<h2 id=\"claims\">Claims</h2>");
            let _ = writeln!(h, "<p>A claim is SUPPORTED when its whole confidence interval clears the threshold, REFUTED when the whole interval falls short, and INCONCLUSIVE otherwise.</p>");
            let _ = writeln!(h, "<table><tr><th>claim</th><th>kind</th><th>metric</th><th>baseline → candidate</th><th>estimate</th><th>interval</th><th>threshold</th><th>n paired</th><th>verdict</th></tr>");
            for c in &claims {
                let o = &c.outcome;
                let verdict = format!("{:?}", o.verdict).to_uppercase();
                let notes = if c.notes.is_empty() { String::new() } else { format!("<br><small>{}</small>", esc(&c.notes.join("; "))) };
                let _ = writeln!(
                    h,
                    "<tr><td><b>{}</b><br><small>{}</small>{notes}</td><td>{}</td><td>{}</td><td><small>{} → {}</small></td><td class=\"num\">{:.4}</td><td class=\"num\">[{:.4}, {:.4}]</td><td class=\"num\">{:.4}</td><td class=\"num\">{}</td><td><span class=\"verdict {verdict}\">{verdict}</span></td></tr>",
                    esc(&c.id),
                    esc(&c.description),
                    c.kind.name(),
                    esc(&c.metric),
                    esc(&c.baseline),
                    esc(&c.candidate),
                    o.estimate,
                    o.interval.low,
                    o.interval.high,
                    o.threshold,
                    c.n_paired
                );
            }
            let _ = writeln!(h, "</table>");
            for plot in report.plots.iter().filter(|p| p.section == Section::Claims) {
                figure(&mut h, plot);
            }
        }
        for (suite, runs) in &suites {
            suite_section(&mut h, report, suite, runs);
        }
        if let Some(history) = &input.history {
            let _ = writeln!(
                h,
                "<h2 id=\"history\">History</h2><p>{} runs in {} series (window {}, false discovery rate {}).</p>",
                history.runs,
                history.series.len(),
                history.window,
                history.fdr
            );
            for plot in report.plots.iter().filter(|p| p.section == Section::History) {
                figure(&mut h, plot);
            }
            let changes: Vec<_> = history.series.iter().flat_map(|s| s.changes.iter().map(move |c| (s, c))).collect();
            if !changes.is_empty() {
                let _ = writeln!(
                    h,
                    "<table><tr><th>series</th><th>metric</th><th>change</th><th>starts at run</th><th>size</th><th>adjusted p</th></tr>"
                );
                for (series, c) in changes {
                    let _ = writeln!(
                        h,
                        "<tr><td>{}</td><td>{}</td><td class=\"{}\">{}</td><td><code>{}</code> (#{})</td><td class=\"num\">{:+.4}</td><td class=\"num\">{:.4}</td></tr>",
                        esc(&series.key),
                        esc(&c.metric),
                        if c.kind == "regression" { "bad" } else { "" },
                        esc(&c.kind),
                        esc(&c.run_id),
                        c.index,
                        c.change,
                        c.adjusted_p
                    );
                }
                let _ = writeln!(h, "</table>");
            }
        }
        provenance(&mut h, report);
        let _ = writeln!(h, "<h2 id=\"files\">Files</h2><ul>");
        for (file, what) in [
            ("summary.md", "this report as Markdown"),
            ("metrics.csv", "every metric with its interval, one row per run and metric"),
            ("report.json", "everything above as JSON"),
            ("junit.xml", "runs, claims and regressions as JUnit test cases for CI"),
        ] {
            let _ = writeln!(h, "<li><a href=\"{file}\">{file}</a>: {what}</li>");
        }
        let _ = writeln!(h, "</ul></body></html>");
        Ok(h.into_bytes())
    }
}

fn overview(h: &mut String, report: &Report) {
    let input = &report.input;
    let _ = writeln!(h, "<h2 id=\"overview\">Overview</h2>");
    let _ = writeln!(
        h,
        "<table><tr><th>suite</th><th>system</th><th>status</th><th>items</th><th>headline</th><th>95% CI</th><th>host</th></tr>"
    );
    for (run, label) in input.runs.iter().zip(&input.labels) {
        let m = &run.manifest;
        let headline = crate::tasks::headline(&run.metrics.metrics);
        let (value, ci) = match headline {
            Some((name, v)) => (
                format!("{name} {:.4}{}", v.value, if v.invalid.is_some() { " <span class=\"bad\">INVALID</span>" } else { "" }),
                v.ci.as_ref().map(|ci| format!("[{:.4}, {:.4}]", ci.low, ci.high)).unwrap_or_else(|| "—".to_string()),
            ),
            None => ("—".to_string(), "—".to_string()),
        };
        let _ = writeln!(
            h,
            "<tr><td><a href=\"#suite-{}\">{}</a></td><td>{}</td><td>{}</td><td class=\"num\">{} of {}</td><td>{value}</td><td class=\"num\">{ci}</td><td><small>{}, {} cores</small></td></tr>",
            anchor(&m.suite.id),
            esc(&m.suite.id),
            esc(label),
            status_cell(run),
            m.items.completed,
            m.items.expected,
            esc(&m.host.cpu_model),
            m.host.cores
        );
    }
    let _ = writeln!(h, "</table>");
}

fn suite_section(h: &mut String, report: &Report, suite: &str, runs: &[usize]) {
    let input = &report.input;
    let first = &input.runs[runs[0]].manifest.suite;
    let _ =
        writeln!(h, "<h2 id=\"suite-{}\">{} <small>{} ({})</small></h2>", anchor(suite), esc(suite), esc(&first.version), esc(&first.task));
    let _ = writeln!(h, "<table><tr><th>system</th><th>metric</th><th>value</th><th>95% CI</th><th>n</th><th>status</th></tr>");
    for row in report.metric_rows().iter().filter(|r| r.run.manifest.suite.id == suite) {
        let ci = row
            .ci
            .map(|ci| format!("[{:.4}, {:.4}] <small>{} {}</small>", ci.low, ci.high, ci.level_percent(), esc(&ci.method)))
            .unwrap_or_else(|| "—".into());
        let invalid = row.invalid.map(|r| format!(" <span class=\"bad\" title=\"{}\">INVALID</span>", esc(r))).unwrap_or_default();
        let _ = writeln!(
            h,
            "<tr><td>{}</td><td>{}{}</td><td class=\"num\">{:.4}{invalid}</td><td class=\"num\">{ci}</td><td class=\"num\">{}</td><td>{}</td></tr>",
            esc(row.label),
            esc(row.metric),
            if row.median { " (median)" } else { "" },
            row.value,
            row.n,
            status_cell(row.run)
        );
    }
    let _ = writeln!(h, "</table>");
    for plot in report.plots.iter().filter(|p| p.section == Section::Suite(suite.to_string())) {
        figure(h, plot);
    }
    for &i in runs {
        let (run, label) = (&input.runs[i], &input.labels[i]);
        let worst = worst_items(run);
        let wrong = run.samples.iter().filter(|s| !s.correct).count();
        let _ = writeln!(h, "<h3>Worst items: {} <small>({wrong} of {} wrong)</small></h3>", esc(label), run.samples.len());
        if worst.is_empty() {
            let _ = writeln!(h, "<p>None.</p>");
            continue;
        }
        if worst[0].annotations.contains_key("alignment") {
            for sample in worst {
                let words = sample.measures.get("reference_words").copied().unwrap_or(0.0);
                let _ = writeln!(
                    h,
                    "<p><code>{}</code>: {} errors in {} reference words</p><pre>{}</pre>",
                    esc(&super::clipped(&sample.id, ITEM_ID_CHARS)),
                    word_errors(sample),
                    words,
                    esc(&super::clipped_block(&sample.annotations["alignment"], ALIGNMENT_CHARS))
                );
            }
            continue;
        }
        let _ = writeln!(h, "<table><tr><th>item</th><th>reference</th><th>extracted</th><th>output</th></tr>");
        for sample in worst {
            let _ = writeln!(
                h,
                "<tr><td><code>{}</code></td><td>{}</td><td>{}</td><td><small>{}</small></td></tr>",
                esc(&super::clipped(&sample.id, ITEM_ID_CHARS)),
                esc(&super::clipped(&sample.reference, 80)),
                esc(&super::clipped(sample.extracted.as_deref().unwrap_or("(none)"), 80)),
                esc(&super::clipped(&sample.output, 300))
            );
        }
        let _ = writeln!(h, "</table>");
    }
}

fn provenance(h: &mut String, report: &Report) {
    let input = &report.input;
    let _ = writeln!(h, "<h2 id=\"provenance\">Provenance</h2>");
    let _ = writeln!(h, "<p>What ran, where and on which inputs: each hash identifies the exact file a result depends on.</p>");
    for (run, label) in input.runs.iter().zip(&input.labels) {
        let m = &run.manifest;
        let _ = writeln!(
            h,
            "<details open><summary><b>{}</b> on {} <code>{}</code></summary><dl>",
            esc(label),
            esc(&m.suite.id),
            esc(&m.run_id)
        );
        let mut item = |name: &str, value: String| {
            let _ = writeln!(h, "<dt>{name}</dt><dd>{value}</dd>");
        };
        item("status", status_cell(run));
        item("time", format!("{} → {}", esc(&m.started_at), esc(m.finished_at.as_deref().unwrap_or("—"))));
        item("claimbench", format!("{} (commit <code>{}</code>)", esc(&m.claimbench.version), esc(&m.claimbench.git_commit)));
        item(
            "suite",
            format!(
                "{} {} ({}), sha256 <code>{}</code>, scoring {}, {}-shot (seed {})",
                esc(&m.suite.id),
                esc(&m.suite.version),
                esc(&m.suite.task),
                esc(&m.suite.sha256),
                esc(&m.suite.scoring_version),
                m.suite.fewshot_k,
                m.suite.fewshot_seed
            ),
        );
        for file in &m.dataset.files {
            item(
                "dataset",
                format!(
                    "{} {} ({}): {} sha256 <code>{}</code>",
                    esc(&m.dataset.name),
                    esc(&m.dataset.version),
                    esc(&m.dataset.license),
                    esc(&file.path),
                    esc(&file.sha256)
                ),
            );
        }
        item(
            "system",
            format!("{} ({}), config sha256 <code>{}</code>", esc(&m.system.name), esc(&m.system.kind), esc(&m.system.config_sha256)),
        );
        let gpus = if m.host.gpus.is_empty() {
            "no GPU".to_string()
        } else {
            m.host
                .gpus
                .iter()
                .map(|g| format!("{} ({} MiB, driver {})", esc(&g.name), esc(&g.memory_mib), esc(&g.driver)))
                .collect::<Vec<_>>()
                .join(", ")
        };
        item(
            "host",
            format!(
                "{}: {}, {} cores, {:.1} GiB, {gpus}; {} {}",
                esc(&m.host.hostname),
                esc(&m.host.cpu_model),
                m.host.cores,
                m.host.memory_bytes as f64 / (1u64 << 30) as f64,
                esc(&m.host.os),
                esc(&m.host.kernel)
            ),
        );
        if let Some(slurm) = &m.slurm {
            item("slurm", format!("jobs {}, {} shards, {:.1} s wall", esc(&slurm.job_ids.join(", ")), slurm.shards, slurm.wall_s));
        }
        item("seed", m.seed.to_string());
        if let Some(error) = &m.error {
            item("stopped early", format!("<span class=\"bad\">{}</span>", esc(error)));
        }
        if !m.failed_items.is_empty() {
            let shown: Vec<String> =
                m.failed_items.iter().take(super::WORST_SHOWN).map(|f| format!("<code>{}</code>: {}", esc(&f.id), esc(&f.error))).collect();
            let more = m.failed_items.len().saturating_sub(shown.len());
            let more = if more > 0 { format!("<br>and {more} more") } else { String::new() };
            item(
                "failed items",
                format!(
                    "<span class=\"bad\">{} items failed</span> (asked again by <code>run --resume</code>):<br>{}{more}",
                    m.failed_items.len(),
                    shown.join("<br>")
                ),
            );
        }
        item("samples", format!("<a href=\"{0}\">{0}</a>", esc(&report.samples_link(run))));
        let _ = writeln!(h, "</dl></details>");
    }
}
