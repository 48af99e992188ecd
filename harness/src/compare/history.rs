//! `claimbench history`: every run under a results directory, gathered with polars, ordered by
//! time or commit, and searched for regressions and improvements per metric.

use crate::error::{Error, Result};
use crate::fsutil::read_json;
use crate::stats::changes::{detect, window_tests};
use crate::store::manifest::{Manifest, Status};
use crate::store::SAMPLES;
use crate::tasks::LATENCY_METRIC;
use polars::prelude::*;
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, HashMap, HashSet};
use std::path::{Path, PathBuf};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Order {
    Time,
    Commit,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
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
    /// Mean change per item at the first run (in the metric's units).
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
    values: BTreeMap<String, f64>,
}

/// Per-item columns of one run, from the gathered frame.
#[derive(Default)]
struct RunItems {
    ids: Vec<String>,
    correct: Vec<f64>,
    latency: Vec<Option<f64>>,
}

pub fn history(results: &Path, options: &HistoryOptions) -> Result<HistoryReport> {
    if !results.is_dir() {
        return Err(Error::in_file(results, "results directory not found"));
    }
    let mut skipped = Vec::new();
    let mut runs = Vec::new();
    for (dir, manifest) in crate::store::runs_under(results) {
        let manifest = manifest?;
        if manifest.status != Status::Complete || !dir.join(SAMPLES).is_file() {
            skipped.push(format!("{} ({})", dir.display(), manifest.status.as_str()));
            continue;
        }
        let metrics: crate::store::metrics::Metrics = read_json(&dir.join(crate::store::METRICS))?;
        let values = metrics.metrics.iter().map(|(k, v)| (k.clone(), v.value)).collect();
        runs.push(RunEntry { dir, manifest, values });
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
        let common: Vec<&str> = {
            let mut sets = member_items.iter().map(|r| r.ids.iter().map(String::as_str).collect::<HashSet<&str>>());
            let first = sets.next().unwrap_or_default();
            let rest: Vec<HashSet<&str>> = sets.collect();
            member_items[0].ids.iter().map(String::as_str).filter(|id| first.contains(id) && rest.iter().all(|s| s.contains(id))).collect()
        };
        let aligned = |column: &dyn Fn(&RunItems, usize) -> Option<f64>| -> Option<Vec<Vec<f64>>> {
            member_items
                .iter()
                .map(|r| {
                    let index: HashMap<&str, usize> = r.ids.iter().enumerate().map(|(i, id)| (id.as_str(), i)).collect();
                    common.iter().map(|id| column(r, index[id])).collect::<Option<Vec<f64>>>()
                })
                .collect()
        };
        let mut values = BTreeMap::new();
        for metric in ["accuracy", LATENCY_METRIC] {
            let per_run: Option<Vec<f64>> = members.iter().map(|&i| runs[i].values.get(metric).copied()).collect();
            let Some(per_run) = per_run else { continue };
            let column: &dyn Fn(&RunItems, usize) -> Option<f64> =
                if metric == "accuracy" { &|r, i| Some(r.correct[i]) } else { &|r, i| r.latency[i] };
            if let Some(series_values) = aligned(column) {
                all_tests.push(window_tests(&series_values, options.window));
                test_owner.push((reports.len(), metric));
            }
            values.insert(metric.to_string(), per_run);
        }
        reports.push(SeriesReport {
            key,
            run_ids: members.iter().map(|&i| runs[i].manifest.run_id.clone()).collect(),
            common_items: common.len(),
            values,
            changes: Vec::new(),
        });
    }
    for ((series_index, metric), changes) in test_owner.into_iter().zip(detect(&all_tests, options.fdr, options.window)) {
        let report = &mut reports[series_index];
        let higher_is_better = metric == "accuracy";
        for change in changes {
            let better = (change.change > 0.0) == higher_is_better;
            report.changes.push(ChangeReport {
                metric: metric.to_string(),
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
    // One scan per file, narrowed to the shared columns before they are concatenated: runs of
    // different suite kinds carry different measure columns.
    let scans = runs
        .iter()
        .map(|r| {
            let path = r.dir.join(SAMPLES).display().to_string();
            let args = ScanArgsParquet { include_file_paths: Some("run_path".into()), ..Default::default() };
            LazyFrame::scan_parquet(PlRefPath::from(path.as_str()), args)
                .map(|lf| lf.select([col("run_path"), col("id"), col("correct"), col("latency_s")]))
        })
        .collect::<PolarsResult<Vec<LazyFrame>>>();
    let first = runs.first().map(|r| r.dir.join(SAMPLES)).unwrap_or_default();
    let frame = crate::error::contain_panics(&first.with_file_name(format!("{SAMPLES} (one of {} runs)", runs.len())), || {
        scans
            .and_then(|scans| concat(scans, UnionArgs::default()))
            .and_then(|lf| lf.collect())
            .map_err(|e| Error::new(format!("reading samples.parquet files: {e}")))
    })?;
    let column = |name: &str| frame.column(name).map_err(|e| Error::new(format!("samples.parquet: {e}")));
    let (path, id, correct, latency) = (column("run_path")?, column("id")?, column("correct")?, column("latency_s")?);
    let bad = |e: PolarsError| Error::new(format!("samples.parquet: unexpected column type: {e}"));
    let (path, id, correct, latency) =
        (path.str().map_err(bad)?, id.str().map_err(bad)?, correct.bool().map_err(bad)?, latency.f64().map_err(bad)?);
    let mut out: HashMap<String, RunItems> = HashMap::new();
    for row in 0..frame.height() {
        let run = out.entry(path.get(row).unwrap_or_default().to_string()).or_default();
        run.ids.push(id.get(row).unwrap_or_default().to_string());
        run.correct.push(if correct.get(row).unwrap_or(false) { 1.0 } else { 0.0 });
        run.latency.push(latency.get(row));
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
