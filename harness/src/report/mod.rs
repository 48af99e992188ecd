//! Reports: render stored runs, claim checks and a history for people and for other tools.
//! The data is gathered once into a `Report`; each output format is one exporter in its own file
//! behind `Exporter`; plots live in `plots/`, one file per plot kind. `findings/` renders the
//! gating results (comparisons, claims, history) that the `compare`, `claim` and `history`
//! commands print.

pub mod csv;
pub mod escape;
pub mod findings;
pub mod html;
pub mod json;
pub mod junit;
pub mod markdown;
pub mod plots;

use crate::compare::claims::{check_claims, ClaimsReport};
use crate::compare::history::{history, HistoryOptions, HistoryReport};
use crate::compare::CompareOptions;
use crate::error::{Error, IoContext, Result};
use crate::fsutil::write_atomic;
use crate::store::manifest::Status;
use crate::store::metrics::Statistic;
use crate::store::samples::Sample;
use crate::store::StoredRun;
use std::path::{Component, Path, PathBuf};

/// What a report is made of: runs, and optionally claim checks and a history.
pub struct ReportInput {
    pub runs: Vec<StoredRun>,
    /// The name each run is shown under, in run order.
    pub labels: Vec<String>,
    pub claims: Vec<ClaimsReport>,
    pub history: Option<HistoryReport>,
}

impl ReportInput {
    pub fn new(runs: Vec<StoredRun>, claims: Vec<ClaimsReport>, history: Option<HistoryReport>) -> ReportInput {
        let labels = run_labels(&runs);
        ReportInput { runs, labels, claims, history }
    }

    /// Suites in the order their first run appears, each with its runs' indices.
    pub fn suites(&self) -> Vec<(String, Vec<usize>)> {
        let mut suites: Vec<(String, Vec<usize>)> = Vec::new();
        for (i, run) in self.runs.iter().enumerate() {
            let id = &run.manifest.suite.id;
            match suites.iter_mut().find(|(s, _)| s == id) {
                Some((_, runs)) => runs.push(i),
                None => suites.push((id.clone(), vec![i])),
            }
        }
        suites
    }

    /// The runs of one suite with their labels.
    pub fn runs_of<'a>(&'a self, suite: &'a str) -> impl Iterator<Item = (&'a StoredRun, &'a String)> + 'a {
        self.runs.iter().zip(&self.labels).filter(move |(run, _)| run.manifest.suite.id == suite)
    }
}

/// A report ready to export: its inputs, its plots, and the directory it is written to.
pub struct Report {
    pub input: ReportInput,
    pub plots: Vec<plots::Plot>,
    pub out: PathBuf,
}

/// Turns `T` (a [`Report`], or [`findings::Findings`]) into the bytes of one output in one
/// format. One type per format, implementing this for each input it can render.
pub trait Exporter<T: ?Sized> {
    fn render(&self, input: &T) -> Result<Vec<u8>>;
}

/// Every output format.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    Text,
    /// For pull-request comments or $GITHUB_STEP_SUMMARY.
    #[value(alias = "md")]
    Markdown,
    Json,
    Junit,
    Html,
    Csv,
}

impl Format {
    /// The formats a report is written in, each to its own file.
    pub const REPORT: [Format; 5] = [Format::Html, Format::Markdown, Format::Json, Format::Junit, Format::Csv];

    /// The name `--format` takes.
    pub fn name(self) -> String {
        clap::ValueEnum::to_possible_value(&self).map(|v| v.get_name().to_string()).unwrap_or_default()
    }

    /// The file of a report in this format, and its exporter; `None` for text.
    pub fn report_exporter(self) -> Option<(&'static str, Box<dyn Exporter<Report>>)> {
        match self {
            Format::Html => Some(("index.html", Box::new(html::Html))),
            Format::Markdown => Some(("summary.md", Box::new(markdown::Markdown))),
            Format::Json => Some(("report.json", Box::new(json::Json))),
            Format::Junit => Some(("junit.xml", Box::new(junit::Junit))),
            Format::Csv => Some(("metrics.csv", Box::new(csv::Csv))),
            Format::Text => None,
        }
    }

    /// The exporter of findings (`compare`, `claim check`, `history`) in this format.
    pub fn findings_exporter(self) -> Result<Box<dyn Exporter<findings::Findings>>> {
        match self {
            Format::Text => Ok(Box::new(findings::text::Text)),
            Format::Markdown => Ok(Box::new(markdown::Markdown)),
            Format::Json => Ok(Box::new(json::Json)),
            Format::Junit => Ok(Box::new(junit::Junit)),
            Format::Html | Format::Csv => Err(Error::new(format!(
                "--format {}: findings are written as text, markdown, json or junit; `claimbench report` writes html and csv",
                self.name()
            ))),
        }
    }
}

#[derive(Debug, Clone, Default)]
pub struct ReportRequest {
    pub runs: Vec<PathBuf>,
    /// Claims files to check and show.
    pub claims: Vec<PathBuf>,
    /// A results directory whose run history to plot.
    pub history: Option<PathBuf>,
}

/// Writes every report file into `out` (plots under `out/plots`) and returns their paths.
pub fn write_report(request: &ReportRequest, out: &Path) -> Result<Vec<PathBuf>> {
    // Claims and history first: a typo there should not wait for every run to load.
    let claims = request.claims.iter().map(|file| check_claims(file, &CompareOptions::default())).collect::<Result<Vec<_>>>()?;
    let history = request.history.as_deref().map(|dir| history(dir, &HistoryOptions::default())).transpose()?;
    // A run still being written is left out (and said so), not shown half-written.
    let mut runs = Vec::new();
    for dir in &request.runs {
        match crate::store::lock::writer(dir) {
            Some(holder) => eprintln!("warning: report leaves out {} ({holder})", dir.display()),
            None => runs.push(StoredRun::load(dir)?),
        }
    }
    let plot_dir = out.join("plots");
    std::fs::create_dir_all(&plot_dir).with_path(&plot_dir)?;
    let input = ReportInput::new(runs, claims, history);
    let plots = plots::write_all(&input, &plot_dir)?;
    let mut written: Vec<PathBuf> = plots.iter().flat_map(|p| [p.png_path.clone(), p.svg_path.clone()]).collect();
    let report = Report { input, plots, out: out.to_path_buf() };
    for (file_name, exporter) in Format::REPORT.iter().filter_map(|f| f.report_exporter()) {
        let path = out.join(file_name);
        write_atomic(&path, &exporter.render(&report)?)?;
        written.push(path);
    }
    Ok(written)
}

/// The label a run is shown under: its system name, made unique by the run id when the same
/// system ran the same suite more than once.
pub fn run_labels(runs: &[StoredRun]) -> Vec<String> {
    runs.iter()
        .map(|run| {
            let (name, suite) = (&run.manifest.system.name, &run.manifest.suite.id);
            let shared = runs.iter().filter(|r| &r.manifest.system.name == name && &r.manifest.suite.id == suite).count() > 1;
            if shared {
                run.manifest.run_id.clone()
            } else {
                name.clone()
            }
        })
        .collect()
}

/// One metric of one run, as every tabular format shows it.
pub struct MetricRow<'a> {
    pub label: &'a str,
    pub run: &'a StoredRun,
    pub metric: &'a str,
    pub value: f64,
    pub n: usize,
    pub ci: Option<&'a crate::stats::Interval>,
    pub median: bool,
    pub invalid: Option<&'a str>,
}

impl Report {
    pub fn metric_rows(&self) -> Vec<MetricRow<'_>> {
        let input = &self.input;
        input
            .runs
            .iter()
            .zip(&input.labels)
            .flat_map(|(run, label)| {
                run.metrics.metrics.iter().map(move |(name, m)| MetricRow {
                    label,
                    run,
                    metric: name,
                    value: m.value,
                    n: m.n,
                    ci: m.ci.as_ref(),
                    median: m.statistic == Statistic::Median,
                    invalid: m.invalid.as_deref(),
                })
            })
            .collect()
    }

    /// Where a run's per-sample Parquet file is, relative to the report.
    pub fn samples_link(&self, run: &StoredRun) -> String {
        relative_path(&self.out, &run.dir.join(crate::store::SAMPLES)).to_string_lossy().into_owned()
    }
}

pub fn is_complete(run: &StoredRun) -> bool {
    run.manifest.status == Status::Complete
}

/// "complete", or the status in capitals with how many items it has.
pub fn status_text(run: &StoredRun) -> String {
    let m = &run.manifest;
    match m.status {
        Status::Complete => "complete".to_string(),
        other => format!("{} ({} of {} items)", other.as_str().to_uppercase(), m.items.completed, m.items.expected),
    }
}

/// Items shown per run in "worst items" sections.
pub const WORST_SHOWN: usize = 10;

/// Word errors of an aligned utterance.
/// How much of an item's id and of an alignment a report shows.
pub const ITEM_ID_CHARS: usize = 120;
pub const ALIGNMENT_CHARS: usize = 4000;

/// At most `max` characters of an item's text, whitespace folded to single spaces, with how
/// much was left out: a report shows items, `samples.parquet` keeps them whole.
pub fn clipped(text: &str, max: usize) -> String {
    let mut chars = crate::text::folded(text);
    let shown: String = chars.by_ref().take(max).collect();
    left_out(shown, chars.count())
}

/// Like `clipped`, keeping line breaks (alignments, logs).
pub fn clipped_block(text: &str, max: usize) -> String {
    let mut chars = text.chars();
    let shown: String = chars.by_ref().take(max).collect();
    left_out(shown, chars.count())
}

fn left_out(shown: String, more: usize) -> String {
    if more == 0 {
        shown
    } else {
        format!("{shown}… [{more} more characters in samples.parquet]")
    }
}

pub fn word_errors(sample: &Sample) -> f64 {
    ["substitutions", "deletions", "insertions"].iter().map(|k| sample.measures.get(*k).copied().unwrap_or(0.0)).sum()
}

/// A run's worst items: for speech the utterances with most word errors (with their alignment);
/// otherwise the items scored wrong (or whose gate failed), in dataset order.
pub fn worst_items(run: &StoredRun) -> Vec<&Sample> {
    let mut aligned: Vec<&Sample> = run.samples.iter().filter(|s| s.annotations.contains_key("alignment")).collect();
    if !aligned.is_empty() {
        aligned.sort_by(|a, b| word_errors(b).total_cmp(&word_errors(a)).then(a.index.cmp(&b.index)));
        return aligned.into_iter().filter(|s| word_errors(s) > 0.0).take(WORST_SHOWN).collect();
    }
    let mut wrong: Vec<&Sample> = run.samples.iter().filter(|s| !s.correct).collect();
    wrong.sort_by_key(|s| s.index);
    wrong.into_iter().take(WORST_SHOWN).collect()
}

/// `to` relative to the directory `from` (both made absolute first), for links in reports.
pub fn relative_path(from: &Path, to: &Path) -> PathBuf {
    let absolute = |p: &Path| {
        let p = if p.is_absolute() { p.to_path_buf() } else { std::env::current_dir().unwrap_or_default().join(p) };
        let mut clean = PathBuf::new();
        for part in p.components() {
            match part {
                Component::ParentDir => {
                    clean.pop();
                }
                Component::CurDir => {}
                other => clean.push(other),
            }
        }
        clean
    };
    let (from, to) = (absolute(from), absolute(to));
    let common = from.components().zip(to.components()).take_while(|(a, b)| a == b).count();
    let mut path = PathBuf::new();
    for _ in from.components().skip(common) {
        path.push("..");
    }
    for part in to.components().skip(common) {
        path.push(part);
    }
    path
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_format_enum_serves_reports_and_findings() {
        let files: Vec<&str> = Format::REPORT.iter().filter_map(|f| f.report_exporter()).map(|(file, _)| file).collect();
        assert_eq!(files, ["index.html", "summary.md", "report.json", "junit.xml", "metrics.csv"]);
        for format in [Format::Text, Format::Markdown, Format::Json, Format::Junit] {
            assert!(format.findings_exporter().is_ok(), "{format:?}");
        }
        let err = Format::Html.findings_exporter().err().unwrap().to_string();
        assert!(err.starts_with("--format html:") && err.contains("claimbench report"), "{err}");
        let findings = findings::Findings {
            title: "t".into(),
            warnings: vec!["w <b>".into()],
            columns: vec!["c".into()],
            rows: Vec::new(),
            data: serde_json::Value::Null,
        };
        let junit = String::from_utf8(Format::Junit.findings_exporter().unwrap().render(&findings).unwrap()).unwrap();
        assert!(junit.contains("<system-err>w &lt;b&gt;</system-err>"), "{junit}");
    }

    #[test]
    fn long_item_text_is_clipped_saying_how_much_is_left_out() {
        assert_eq!(clipped("  a \n b  ", 10), "a b");
        assert_eq!(clipped("abcdef ghij", 4), "abcd… [7 more characters in samples.parquet]");
        assert_eq!(clipped_block("ab\ncd", 3), "ab\n… [2 more characters in samples.parquet]");
        assert_eq!(clipped_block("ab\ncd", 5), "ab\ncd");
    }

    #[test]
    fn relative_paths_climb_out_of_the_report_directory() {
        assert_eq!(
            relative_path(Path::new("/a/reports/demo"), Path::new("/a/runs/x/samples.parquet")),
            Path::new("../../runs/x/samples.parquet")
        );
        assert_eq!(relative_path(Path::new("/a/b/"), Path::new("/a/b/c")), Path::new("c"));
        assert_eq!(relative_path(Path::new("/a/./b/../c"), Path::new("/a/c/d")), Path::new("d"));
    }
}
