//! `claimbench history`: every run under a results directory, gathered with polars, ordered by
//! time or commit, and searched for regressions and improvements per metric.

use crate::error::{Error, Result};
use crate::fsutil::read_json;
use crate::stats::changes::{detect, window_tests};
use crate::store::manifest::{Manifest, Status};
use crate::store::metrics::MetricValue;
use crate::store::samples::Sample;
use crate::store::SAMPLES;
use crate::tasks::item_value;
use crate::tasks::ratio_of;
use polars::prelude::*;
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, HashMap};
use std::path::{Path, PathBuf};

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Order {
    Time,
    Commit,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Gate {
    /// Fail only when the newest run of a series is part of a regression.
    Latest,
    /// Fail on any regression in the history.
    Any,
}

#[derive(Debug, Clone)]
pub struct HistoryOptions {
    pub order: Order,
    pub window: usize,
    pub fdr: f64,
    pub gate: Gate,
}

impl Default for HistoryOptions {
    fn default() -> Self {
        HistoryOptions { order: Order::Time, window: 5, fdr: 0.05, gate: Gate::Latest }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ChangeReport {
    pub metric: String,
    /// "regression" or "improvement".
    pub kind: String,
    /// The run where the change starts, and its position in the series.
    pub run_id: String,
    pub index: usize,
    pub last_index: usize,
    /// Change of the metric at the first run against the mean of the window before it (in the
    /// metric's units: a mean change per item, or for WER a change in the corpus rate).
    pub change: f64,
    pub adjusted_p: f64,
    /// The change reaches the newest run of the series.
    pub at_latest: bool,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SeriesReport {
    /// suite@version / system
    pub key: String,
    pub run_ids: Vec<String>,
    /// Items scored by every run of the series (the ones compared).
    pub common_items: usize,
    /// Metric value per run, in series order.
    pub values: BTreeMap<String, Vec<f64>>,
    pub changes: Vec<ChangeReport>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct HistoryReport {
    pub runs: usize,
    pub skipped: Vec<String>,
    pub fdr: f64,
    pub window: usize,
    pub series: Vec<SeriesReport>,
}

impl HistoryReport {
    /// Whether the history fails the gate: a regression at the newest run (or anywhere).
    pub fn fails(&self, gate: Gate) -> bool {
        self.series.iter().flat_map(|s| &s.changes).any(|c| c.kind == "regression" && (gate == Gate::Any || c.at_latest))
    }
}

struct RunEntry {
    dir: PathBuf,
    manifest: Manifest,
    metrics: BTreeMap<String, MetricValue>,
}

/// Per-item columns of one run, from the gathered frame: what every metric's per-item value is
/// computed from (the texts are left out).
#[derive(Default)]
struct RunItems {
    ids: Vec<String>,
    correct: Vec<bool>,
    latency: Vec<Option<f64>>,
    measures: BTreeMap<String, Vec<Option<f64>>>,
}

impl RunItems {
    /// Item `i` as a sample, for the task's own per-item metric definitions.
    fn sample(&self, i: usize) -> Sample {
        Sample {
            id: self.ids[i].clone(),
            index: i,
            prompt_sha256: String::new(),
            output: String::new(),
            extracted: None,
            reference: String::new(),
            correct: self.correct[i],
            latency_s: self.latency[i],
            system_latency_s: None,
            output_tokens: None,
            measures: self.measures.iter().filter_map(|(name, column)| Some((name.clone(), column[i]?))).collect(),
            annotations: BTreeMap::new(),
        }
    }
}

/// Per-item values of `metric` for each run of a series, over the common items (at
/// `positions[run][item]` in each run) that every run has a value for; `None` when fewer than two
/// have. For a ratio of sums over shared denominators (WER: errors over reference words), each
/// item's share of the ratio, so that the values' mean is the metric itself and a change in it is
/// a change in the metric.
fn item_values(metric: &str, runs: &[&RunItems], positions: &[Vec<usize>]) -> Option<Vec<Vec<f64>>> {
    let items = positions.first().map_or(0, Vec::len);
    // One item's samples at a time: the whole history as samples would not fit in memory.
    let item = |j: usize| -> Vec<Sample> { runs.iter().zip(positions).map(|(run, at)| run.sample(at[j])).collect() };
    let (mut ratio_items, mut shared_denominators) = (Vec::new(), true);
    let mut per_item: Vec<Vec<f64>> = Vec::new();
    let value_of = item_value(metric);
    let parts_of = ratio_of(metric).map(|(parts, _)| parts);
    for j in 0..items {
        let samples = item(j);
        // An utterance one run could not score has no parts there and is left out of all.
        if let Some(parts) = parts_of.and_then(|parts| samples.iter().map(parts).collect::<Option<Vec<(f64, f64)>>>()) {
            shared_denominators &= parts.iter().all(|p| p.1 == parts[0].1);
            ratio_items.push((parts.iter().map(|p| p.0).collect::<Vec<f64>>(), parts[0].1));
        }
        if let Some(values) = samples.iter().map(&value_of).collect::<Option<Vec<f64>>>() {
            per_item.push(values);
        }
    }
    // Not for MER, whose denominators (errors + hits) differ between runs: there the per-item rates.
    if shared_denominators && !ratio_items.is_empty() {
        let total: f64 = ratio_items.iter().map(|(_, denominator)| denominator).sum();
        if total <= 0.0 {
            return None;
        }
        let scale = ratio_items.len() as f64 / total;
        per_item = ratio_items.into_iter().map(|(numerators, _)| numerators.into_iter().map(|x| x * scale).collect()).collect();
    }
    if per_item.len() < 2 {
        return None;
    }
    // Item-major to run-major: one vector of item values per run.
    Some((0..runs.len()).map(|r| per_item.iter().map(|item| item[r]).collect()).collect())
}

pub fn history(results: &Path, options: &HistoryOptions) -> Result<HistoryReport> {
    if !results.is_dir() {
        return Err(Error::in_file(results, "results directory not found"));
    }
    let mut skipped = Vec::new();
    let mut runs = Vec::new();
    for (dir, manifest) in crate::store::runs_under(results) {
        // One damaged run is skipped with its reason; it does not stop the whole history.
        let manifest = match manifest {
            Ok(manifest) => manifest,
            Err(e) => {
                skipped.push(format!("{} (damaged: {e})", dir.display()));
                continue;
            }
        };
        if let Some(holder) = crate::store::lock::writer(&dir) {
            skipped.push(format!("{} ({holder})", dir.display()));
            continue;
        }
        if manifest.status != Status::Complete || !dir.join(SAMPLES).is_file() {
            skipped.push(format!("{} ({})", dir.display(), manifest.status.as_str()));
            continue;
        }
        let checked = crate::store::check_samples(&dir, &manifest);
        let metrics = checked.and_then(|()| read_json::<crate::store::metrics::Metrics>(&dir.join(crate::store::METRICS)));
        match metrics {
            Ok(metrics) => runs.push(RunEntry { dir, manifest, metrics: metrics.metrics }),
            Err(e) => skipped.push(format!("{} (damaged: {e})", dir.display())),
        }
    }
    if runs.is_empty() {
        return Err(Error::in_file(results, "holds no complete run"));
    }
    let items = gather_items(&runs)?;
    let positions = match options.order {
        Order::Time => HashMap::new(),
        Order::Commit => commit_positions()?,
    };

    // One series per suite, scoring and system: only such runs are comparable.
    let mut series: BTreeMap<String, Vec<usize>> = BTreeMap::new();
    for (i, run) in runs.iter().enumerate() {
        let m = &run.manifest;
        // One short digest for the dataset, however many files it has.
        let hashes: Vec<&str> = m.dataset.files.iter().map(|f| f.sha256.as_str()).collect();
        let data = crate::fsutil::sha256_hex(hashes.join(",").as_bytes());
        let key = format!("{}@{} [{}; data {}] / {}", m.suite.id, m.suite.version, m.suite.scoring_version, &data[..12], m.system.name);
        series.entry(key).or_default().push(i);
    }
    let mut reports = Vec::new();
    let mut all_tests = Vec::new();
    let mut test_owner = Vec::new();
    for (key, mut members) in series {
        members.sort_by(|&a, &b| {
            let (ma, mb) = (&runs[a].manifest, &runs[b].manifest);
            let pos = |m: &Manifest| positions.get(&m.claimbench.git_commit).copied().unwrap_or(usize::MAX);
            pos(ma).cmp(&pos(mb)).then(ma.started_at.cmp(&mb.started_at)).then(ma.run_id.cmp(&mb.run_id))
        });
        let member_items: Vec<&RunItems> = members.iter().map(|&i| &items[&runs[i].dir.join(SAMPLES).display().to_string()]).collect();
        // Where each item lies in each run; the items every run has are the ones compared.
        let indices: Vec<HashMap<&str, usize>> =
            member_items.iter().map(|r| r.ids.iter().enumerate().map(|(i, id)| (id.as_str(), i)).collect()).collect();
        let common: Vec<&str> =
            member_items[0].ids.iter().map(String::as_str).filter(|id| indices.iter().all(|index| index.contains_key(id))).collect();
        let positions: Vec<Vec<usize>> = indices.iter().map(|index| common.iter().map(|id| index[id]).collect()).collect();
        let mut values = BTreeMap::new();
        // Every metric all runs of the series report; tested where it has per-item values.
        let metrics: Vec<&String> =
            runs[members[0]].metrics.keys().filter(|m| members.iter().all(|&i| runs[i].metrics.contains_key(*m))).collect();
        for metric in metrics {
            let per_run: Vec<f64> = members.iter().map(|&i| runs[i].metrics[metric].value).collect();
            if let Some(series_values) = item_values(metric, &member_items, &positions) {
                all_tests.push(window_tests(&series_values, options.window));
                test_owner.push((reports.len(), metric.clone(), runs[members[0]].metrics[metric].higher_is_better));
            }
            values.insert(metric.clone(), per_run);
        }
        reports.push(SeriesReport {
            key,
            run_ids: members.iter().map(|&i| runs[i].manifest.run_id.clone()).collect(),
            common_items: common.len(),
            values,
            changes: Vec::new(),
        });
    }
    for ((series_index, metric, higher_is_better), changes) in test_owner.into_iter().zip(detect(&all_tests, options.fdr, options.window)) {
        let report = &mut reports[series_index];
        for change in changes {
            let better = (change.change > 0.0) == higher_is_better;
            report.changes.push(ChangeReport {
                metric: metric.clone(),
                kind: if better { "improvement" } else { "regression" }.to_string(),
                run_id: report.run_ids[change.start].clone(),
                index: change.start,
                last_index: change.end,
                change: change.change,
                adjusted_p: change.adjusted_p,
                at_latest: change.end + 1 == report.run_ids.len(),
            });
        }
    }
    Ok(HistoryReport { runs: runs.len(), skipped, fdr: options.fdr, window: options.window, series: reports })
}

/// Reads the per-item columns of every run in one lazy polars scan.
fn gather_items(runs: &[RunEntry]) -> Result<HashMap<String, RunItems>> {
    // One scan per file, narrowed to the id, the verdict and the numbers (latency and the
    // measures), then concatenated diagonally: runs of different suite kinds carry different
    // measure columns, and a missing one reads as null.
    let wanted = || (cols(["run_path", "id", "correct"]) | dtype_col(&DataType::Float64).as_selector()).exclude_cols(["system_latency_s"]);
    let scans = runs
        .iter()
        .map(|r| {
            let path = r.dir.join(SAMPLES).display().to_string();
            let args = ScanArgsParquet { include_file_paths: Some("run_path".into()), ..Default::default() };
            LazyFrame::scan_parquet(PlRefPath::from(path.as_str()), args).map(|lf| lf.select([wanted().as_expr()]))
        })
        .collect::<PolarsResult<Vec<LazyFrame>>>();
    let first = runs.first().map(|r| r.dir.join(SAMPLES)).unwrap_or_default();
    let frame = crate::error::contain_panics(&first.with_file_name(format!("{SAMPLES} (one of {} runs)", runs.len())), || {
        scans
            .and_then(|scans| concat(scans, UnionArgs { diagonal: true, ..Default::default() }))
            .and_then(|lf| lf.collect())
            .map_err(|e| Error::new(format!("reading samples.parquet files: {e}")))
    })?;
    let column = |name: &str| frame.column(name).map_err(|e| Error::new(format!("samples.parquet: {e}")));
    let bad = |e: PolarsError| Error::new(format!("samples.parquet: unexpected column type: {e}"));
    let (path, id, correct, latency) = (
        column("run_path")?.str().map_err(bad)?,
        column("id")?.str().map_err(bad)?,
        column("correct")?.bool().map_err(bad)?,
        column("latency_s")?.f64().map_err(bad)?,
    );
    let mut measures: Vec<(&str, &Float64Chunked)> = Vec::new();
    for c in frame.columns() {
        if c.dtype() == &DataType::Float64 && c.name() != "latency_s" {
            measures.push((c.name().as_str(), c.f64().map_err(bad)?));
        }
    }
    let mut out: HashMap<String, RunItems> = HashMap::new();
    // Each file's rows are contiguous in the concatenation.
    let mut start = 0;
    while start < frame.height() {
        let file = path.get(start).unwrap_or_default();
        let end = (start + 1..frame.height()).find(|&row| path.get(row) != Some(file)).unwrap_or(frame.height());
        let rows = start..end;
        let run = out.entry(file.to_string()).or_default();
        run.ids.extend(rows.clone().map(|row| id.get(row).unwrap_or_default().to_string()));
        run.correct.extend(rows.clone().map(|row| correct.get(row).unwrap_or(false)));
        run.latency.extend(rows.clone().map(|row| latency.get(row)));
        for (name, values) in &measures {
            let column: Vec<Option<f64>> = rows.clone().map(|row| values.get(row)).collect();
            // Null throughout: a measure of another suite kind, not of this run.
            if column.iter().any(Option::is_some) {
                run.measures.entry(name.to_string()).or_default().extend(column);
            }
        }
        start = end;
    }
    Ok(out)
}

/// Position of each commit in `git rev-list --reverse --topo-order HEAD`.
fn commit_positions() -> Result<HashMap<String, usize>> {
    let out = std::process::Command::new("git")
        .args(["rev-list", "--reverse", "--topo-order", "HEAD"])
        .output()
        .map_err(|e| Error::new(format!("--order commit needs git: {e}")))?;
    if !out.status.success() {
        return Err(Error::new("--order commit needs a git repository here"));
    }
    Ok(String::from_utf8_lossy(&out.stdout).lines().enumerate().map(|(i, c)| (c.to_string(), i)).collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A speech run: per utterance (substitutions, insertions, reference words), or `None` where
    /// the utterance could not be scored.
    fn speech_run(utterances: &[Option<(f64, f64, f64)>]) -> RunItems {
        let mut run = RunItems::default();
        let column = |f: &dyn Fn(f64, f64, f64) -> f64| utterances.iter().map(|u| u.map(|(s, i, w)| f(s, i, w))).collect::<Vec<_>>();
        for (i, _) in utterances.iter().enumerate() {
            run.ids.push(format!("u{i}"));
            run.correct.push(false);
            run.latency.push(None);
        }
        let failed = utterances.iter().map(|u| Some(if u.is_some() { 0.0 } else { 1.0 })).collect();
        run.measures.insert(crate::tasks::asr::FAILED.to_string(), failed);
        run.measures.insert("substitutions".into(), column(&|s, _, _| s));
        run.measures.insert("deletions".into(), column(&|_, _, _| 0.0));
        run.measures.insert("insertions".into(), column(&|_, i, _| i));
        run.measures.insert("hits".into(), column(&|s, _, w| w - s));
        run.measures.insert("reference_words".into(), column(&|_, _, w| w));
        run
    }

    #[test]
    fn word_error_rate_is_tested_as_each_utterances_share_of_the_corpus_rate() {
        let a = speech_run(&[Some((1.0, 0.0, 10.0)), Some((0.0, 0.0, 2.0)), Some((2.0, 0.0, 8.0)), None]);
        let b = speech_run(&[Some((2.0, 1.0, 10.0)), Some((1.0, 0.0, 2.0)), Some((2.0, 0.0, 8.0)), Some((0.0, 0.0, 4.0))]);
        let positions = vec![vec![0, 1, 2, 3], vec![0, 1, 2, 3]];
        let wer = item_values("wer", &[&a, &b], &positions).unwrap();
        // The unscored utterance is left out of both; each mean is the run's corpus WER.
        assert_eq!(wer[0].len(), 3);
        let mean = |v: &[f64]| v.iter().sum::<f64>() / v.len() as f64;
        assert!((mean(&wer[0]) - 3.0 / 20.0).abs() < 1e-12 && (mean(&wer[1]) - 6.0 / 20.0).abs() < 1e-12, "{wer:?}");
        // MER's denominators (errors + hits) differ between the runs (an insertion in the first
        // utterance): per-utterance rates instead.
        let mer = item_values("mer", &[&a, &b], &positions).unwrap();
        assert_eq!(mer[1], vec![3.0 / 11.0, 0.5, 0.25]);
    }
}
