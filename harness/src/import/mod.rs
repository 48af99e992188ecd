//! `claimbench import`: runs made by another harness turned into claimbench runs. A reader
//! (one file per harness) turns the harness's files into [`ImportedTask`]s; [`write_run`] makes
//! each one a run directory like any other: the items become a dataset and a `text` suite kept
//! inside the run (`suite.toml`, `dataset/`), every raw output is scored again by claimbench
//! where it knows the scoring, and the verdicts are compared with those the harness stored.

pub mod inspect;
pub mod lm_eval;

use crate::error::{Error, Result};
use crate::fsutil::{sha256_hex, write_atomic};
use crate::host::Host;
use crate::spec::dataset::Dataset;
use crate::spec::suite::Suite;
use crate::store::manifest::{Agreement, Disagreement, Imported, ItemCounts, Manifest, Status, ToolVersion, SCHEMA};
use crate::store::metrics::Metrics;
use crate::store::samples::Sample;
use serde_json::{Map, Value};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

/// The suite and dataset an imported run carries, inside its directory.
pub const SUITE_FILE: &str = "suite.toml";
pub const DATASET_DIR: &str = "dataset";
const RECORDS_FILE: &str = "samples.jsonl";

/// One run to write: what the harness asked and answered, item by item.
pub struct ImportedTask {
    /// The `text` suite that scores these items (without its `[dataset]` table).
    pub suite: toml::Table,
    pub dataset_name: String,
    pub dataset_version: String,
    pub dataset_source: String,
    /// One record per item, in the harness's order: `prompt`, `target`, `choices` as the suite
    /// reads them, and whatever identifies the item.
    pub records: Vec<Map<String, Value>>,
    pub items: Vec<ImportedItem>,
    pub system_name: String,
    pub started_at: String,
    pub seed: u64,
    pub provenance: Imported,
    /// Why the run is incomplete, when the harness had not finished it.
    pub incomplete: Option<String>,
}

/// One item's answer as the harness recorded it.
pub struct ImportedItem {
    /// What claimbench's scoring reads: a generation's raw text, or `{"logprobs": …}`; for
    /// runs scored by the harness, `{"answer": …, "metrics": {…}}`.
    pub output: String,
    /// The harness's own record of the item (its hashes, filtered responses and metric values),
    /// kept beside the sample.
    pub annotation: String,
    /// The harness's per-item values, by claimbench metric name, to check agreement against.
    pub stored: BTreeMap<String, f64>,
    /// The harness's own answer (its filtered response), shown beside claimbench's where their
    /// verdicts disagree.
    pub stored_answer: Option<String>,
}

/// A run written by [`write_run`].
pub struct WrittenRun {
    pub dir: PathBuf,
    pub manifest: Manifest,
    pub metrics: Metrics,
}

/// How deep below a given folder the harnesses' files are looked for (lm-eval writes them one
/// folder down, named after the model).
const MAX_DEPTH: usize = 4;

/// `path` itself when it is a file, else the files below it whose names `wanted` accepts, in
/// path order; an error saying what the folder `lacks` when there are none.
fn files_under(path: &Path, wanted: impl Fn(&str) -> bool, lacks: &str) -> Result<Vec<PathBuf>> {
    if path.is_file() {
        return Ok(vec![path.to_path_buf()]);
    }
    if !path.is_dir() {
        return Err(Error::in_file(path, "not found"));
    }
    let found: Vec<PathBuf> = walkdir::WalkDir::new(path)
        .max_depth(MAX_DEPTH)
        .sort_by_file_name()
        .into_iter()
        .filter_map(|e| e.ok())
        .filter(|e| e.file_type().is_file() && e.file_name().to_str().is_some_and(&wanted))
        .map(|e| e.into_path())
        .collect();
    if found.is_empty() {
        return Err(Error::in_file(path, lacks));
    }
    Ok(found)
}

/// Writes each task as a run directory under `out`, several at a time; the results in order.
pub fn write_runs(tasks: Vec<ImportedTask>, out: &Path) -> Vec<Result<WrittenRun>> {
    use rayon::prelude::*;
    tasks.into_par_iter().map(|task| write_run(task, out)).collect()
}

/// Writes `task` as a run directory under `out`.
pub fn write_run(task: ImportedTask, out: &Path) -> Result<WrittenRun> {
    let suite_id = task.suite.get("id").and_then(|v| v.as_str()).unwrap_or("imported").to_string();
    let stamp = format!("{}Z", task.started_at.split('.').next().unwrap_or_default().replace([':', '-'], "").trim_end_matches('Z'));
    let (run_id, dir) = crate::store::create_run_dir(out, &format!("{suite_id}-{}-{stamp}", crate::run::sanitize(&task.system_name)))?;
    // A run directory left without a manifest is removed, so that nothing half-written is read
    // as a run; an incomplete run (the harness had not finished) keeps its manifest and stays.
    let written = write_in(&dir, run_id, task);
    if written.is_err() && !dir.join(crate::store::MANIFEST).is_file() {
        let _ = std::fs::remove_dir_all(&dir);
    }
    written
}

fn write_in(dir: &Path, run_id: String, task: ImportedTask) -> Result<WrittenRun> {
    let dataset_dir = dir.join(DATASET_DIR);
    std::fs::create_dir_all(&dataset_dir).map_err(|e| Error::in_file(&dataset_dir, e))?;
    let mut records = String::new();
    for record in &task.records {
        // A secret the harness's files held never reaches the dataset either.
        records.push_str(&crate::secrets::scrub(&serde_json::to_string(record).map_err(|e| Error::new(e.to_string()))?));
        records.push('\n');
    }
    write_atomic(&dataset_dir.join(RECORDS_FILE), records.as_bytes())?;
    let dataset_toml = toml::to_string(&toml::toml! {
        name = (task.dataset_name.clone())
        version = (task.dataset_version.clone())
        license = "unknown: the harness's files do not record the benchmark's license"
        source = (task.dataset_source.clone())
        [[files]]
        key = "samples"
        path = RECORDS_FILE
        format = "jsonl"
        sha256 = (sha256_hex(records.as_bytes()))
    })
    .map_err(|e| Error::new(e.to_string()))?;
    write_atomic(&dataset_dir.join("dataset.toml"), format!("# Written by `claimbench import`.\n{dataset_toml}").as_bytes())?;

    let mut suite = task.suite;
    suite.insert("dataset".into(), toml::Value::Table(toml::toml! { path = DATASET_DIR file = "samples" }));
    let suite_text = toml::to_string(&suite).map_err(|e| Error::new(e.to_string()))?;
    let suite_path = dir.join(SUITE_FILE);
    write_atomic(&suite_path, format!("# Written by `claimbench import`: {}\n{suite_text}", task.dataset_source).as_bytes())?;

    let suite = Suite::load(&suite_path)?;
    let dataset = Dataset::load(&dataset_dir)?;
    let prepared = crate::tasks::prepare(&suite, &dataset)?;
    if prepared.items.len() != task.items.len() {
        return Err(Error::in_file(&dataset_dir, format!("{} items prepared from {} records", prepared.items.len(), task.items.len())));
    }
    use rayon::prelude::*;
    let harness_key = task.provenance.harness.replace('-', "_");
    let scored: Vec<(Sample, BTreeMap<String, f64>, Option<String>)> = prepared
        .items
        .par_iter()
        .zip(task.items.into_par_iter())
        .map(|(item, ImportedItem { output, annotation, stored, stored_answer })| {
            // A secret the harness's files held (a token among the model's arguments) is never
            // scored, stored or shown.
            let output = crate::secrets::scrub(&output).into_owned();
            let score = crate::tasks::score(suite.spec.task, &suite, item, &output);
            let mut sample = crate::tasks::sample_of(item, output, score);
            sample.annotations.insert(harness_key.clone(), crate::secrets::scrub(&annotation).into_owned());
            (sample, stored, stored_answer)
        })
        .collect();
    let mut samples = Vec::with_capacity(scored.len());
    let mut agreement = Agreement { compared: 0, agree: 0, disagreements: Vec::new() };
    for (sample, stored_values, stored_answer) in scored {
        for (metric, stored) in &stored_values {
            let Some(rederived) = crate::tasks::sample_value(metric, &sample) else { continue };
            agreement.compared += 1;
            if rederived == *stored {
                agreement.agree += 1;
            } else if agreement.disagreements.len() < Agreement::SHOWN {
                let why = match (&sample.extracted, &stored_answer) {
                    (Some(ours), Some(theirs)) if ours != theirs => format!("claimbench's answer {ours:?}, the harness's {theirs:?}"),
                    (ours, _) => format!("same answer {:?}; reference {:?}", ours.as_deref().unwrap_or(""), sample.reference),
                };
                agreement.disagreements.push(Disagreement {
                    item: sample.id.clone(),
                    metric: metric.clone(),
                    stored: *stored,
                    rederived,
                    why,
                });
            }
        }
        samples.push(sample);
    }
    let mut provenance = task.provenance;
    provenance.agreement = (agreement.compared > 0).then_some(agreement);
    let expected = samples.len();
    let system_config = serde_json::json!({"model": provenance.model, "model_args": provenance.model_args});
    let manifest = Manifest {
        schema: SCHEMA.to_string(),
        run_id,
        status: Status::Running,
        error: None,
        claimbench: ToolVersion::current(),
        suite: crate::run::suite_provenance(&suite),
        dataset: dataset.provenance(),
        system: crate::store::manifest::SystemProvenance {
            name: task.system_name.clone(),
            kind: provenance.harness.clone(),
            config_sha256: sha256_hex(system_config.to_string().as_bytes()),
            config: system_config,
        },
        seed: task.seed,
        limit: None,
        items: ItemCounts { expected, completed: 0 },
        failed_items: Vec::new(),
        host: Host::elsewhere(&provenance.harness),
        started_at: task.started_at,
        finished_at: None,
        samples_sha256: None,
        slurm: None,
        imported: Some(provenance),
    };
    let failure = task.incomplete.map(Error::new);
    let summary = crate::run::finish_run(dir, &suite, manifest, &samples, Vec::new(), failure)?;
    Ok(WrittenRun { dir: summary.dir, manifest: summary.manifest, metrics: summary.metrics })
}

/// What an imported run holds, in lines for the terminal: its directory, its items and metrics
/// beside the harness's own figures, and how far the verdicts agree.
pub fn describe(run: &WrittenRun) -> String {
    let m = &run.manifest;
    let mut lines = vec![format!("imported {}", run.dir.display())];
    let Some(imported) = &m.imported else { return lines.join("\n") };
    let what = if imported.harness == inspect::HARNESS { "scorer" } else { "filter" };
    let filter = imported.filter.as_ref().map(|f| format!(", {what} {f}")).unwrap_or_default();
    lines.push(format!("  {} task {}{filter}, model {}: {} items", imported.harness, imported.task, m.system.name, m.items.completed));
    for (name, value) in &run.metrics.metrics {
        let ci = value.ci.as_ref().map(|ci| format!(" [{:.4}, {:.4}]", ci.low, ci.high)).unwrap_or_default();
        let stated = imported
            .stated
            .get(name)
            .or_else(|| imported.stated.get(if name == "accuracy" { "acc" } else { name }))
            .map(|s| format!("; {} states {s:.4}", imported.harness))
            .unwrap_or_default();
        lines.push(format!("  {name} {:.4}{ci} n={}{stated}", value.value, value.n));
    }
    match &imported.agreement {
        Some(a) => {
            lines.push(format!(
                "  scored by {}: {} / {} item values agree with {}'s",
                imported.scored_by, a.agree, a.compared, imported.harness
            ));
            for d in &a.disagreements {
                lines.push(format!(
                    "  differs: {} {}: {} stored {}, claimbench {} ({})",
                    d.item, d.metric, imported.harness, d.stored, d.rederived, d.why
                ));
            }
        }
        None => lines.push(format!("  scored by {}: its stored values are kept", imported.scored_by)),
    }
    lines.join("\n")
}
