//! Executors: take a suite and a system, produce a run directory. The local executor runs the
//! items in order in this process.

use crate::error::{Error, Result};
use crate::fsutil::{sha256_hex, write_json_atomic};
use crate::host::{utc_now, Host};
use crate::spec::dataset::Dataset;
use crate::spec::suite::Suite;
use crate::store::manifest::{ItemCounts, Manifest, Status, SuiteProvenance, ToolVersion, SCHEMA};
use crate::store::metrics::Metrics;
use crate::store::samples::{write_parquet, Journal, Sample};
use crate::store::{self, JOURNAL, MANIFEST, METRICS, SAMPLES};
use crate::systems::{GenerateRequest, SystemSpec};
use crate::tasks::{self, PreparedTask, TaskItem};
use std::path::{Path, PathBuf};
use std::time::Instant;

pub struct RunRequest {
    pub suite: String,
    pub suites_dir: PathBuf,
    pub system: String,
    pub limit: Option<usize>,
    pub seed: u64,
    pub out: PathBuf,
}

pub struct RunSummary {
    pub dir: PathBuf,
    pub manifest: Manifest,
    pub metrics: Metrics,
}

/// Reports progress as (items done, items in the run).
pub type Progress<'a> = &'a mut dyn FnMut(usize, usize);

/// A suite with its verified dataset and prepared items.
pub struct LoadedSuite {
    pub suite: Suite,
    pub dataset: Dataset,
    pub task: PreparedTask,
}

pub fn load_suite(name: &str, suites_dir: &Path) -> Result<LoadedSuite> {
    let suite = Suite::resolve(name, suites_dir)?;
    let dataset = Dataset::load(&suite.dataset_dir())?;
    let task = tasks::prepare(&suite, &dataset)?;
    Ok(LoadedSuite { suite, dataset, task })
}

pub fn run_local(request: &RunRequest, progress: Progress<'_>) -> Result<RunSummary> {
    let loaded = load_suite(&request.suite, &request.suites_dir)?;
    let items: &[TaskItem] = match request.limit {
        Some(0) => return Err(Error::new("--limit must be at least 1")),
        Some(n) => &loaded.task.items[..n.min(loaded.task.items.len())],
        None => &loaded.task.items,
    };
    let system_spec = SystemSpec::parse(&request.system)?;
    let mut system = system_spec.build(&loaded.task, items)?;

    let suite = &loaded.suite;
    let started_at = utc_now();
    // Run names keep whole seconds: `20261127T120000Z`.
    let stamp = format!("{}Z", started_at.split('.').next().unwrap_or_default().replace([':', '-'], ""));
    let run_name = format!("{}-{}-{stamp}", suite.id(), sanitize(&system_spec.name));
    let (run_id, dir) = store::create_run_dir(&request.out, &run_name)?;
    let mut manifest = Manifest {
        schema: SCHEMA.to_string(),
        run_id,
        status: Status::Running,
        error: None,
        claimbench: ToolVersion::current(),
        suite: SuiteProvenance {
            id: suite.id().to_string(),
            version: suite.spec.version.clone(),
            task: suite.spec.task.name().to_string(),
            path: suite.path.display().to_string(),
            sha256: suite.sha256.clone(),
            scoring_version: tasks::scoring_version(suite.spec.task).to_string(),
            extraction: format!("{:?}", suite.spec.scoring.extraction).to_lowercase(),
            fewshot_k: suite.spec.fewshot.k,
            fewshot_seed: suite.spec.fewshot.seed,
            fewshot_ids: loaded.task.fewshot_ids.clone(),
        },
        dataset: loaded.dataset.provenance(),
        system: system_spec.provenance(),
        seed: request.seed,
        limit: request.limit,
        items: ItemCounts { expected: items.len(), completed: 0 },
        host: Host::detect(),
        started_at,
        finished_at: None,
    };
    write_json_atomic(&dir.join(MANIFEST), &manifest)?;

    let mut journal = Journal::create(&dir.join(JOURNAL))?;
    let mut samples: Vec<Sample> = Vec::with_capacity(items.len());
    let mut failure: Option<Error> = None;
    let generation = &suite.spec.generation;
    for item in items {
        let request_for_item = GenerateRequest {
            id: &item.id,
            index: item.index,
            prompt: &item.prompt,
            max_tokens: generation.max_tokens,
            stop: &generation.stop,
            temperature: generation.temperature,
            seed: request.seed,
        };
        let started = Instant::now();
        let response = match system.generate(&request_for_item) {
            Ok(response) => response,
            Err(e) => {
                failure = Some(e);
                break;
            }
        };
        let latency = started.elapsed().as_secs_f64();
        let score = tasks::score(suite.spec.task, suite, item, &response.output);
        let is_predictions = matches!(system_spec.config, crate::systems::SystemConfig::Predictions(_));
        let sample = Sample {
            id: item.id.clone(),
            index: item.index,
            prompt_sha256: sha256_hex(item.prompt.as_bytes()),
            output: response.output,
            extracted: score.extracted,
            reference: item.reference.clone(),
            correct: score.correct,
            latency_s: (!is_predictions).then_some(latency),
            system_latency_s: response.system_latency_s,
            output_tokens: response.output_tokens,
        };
        if let Err(e) = journal.append(&sample) {
            failure = Some(e);
            break;
        }
        samples.push(sample);
        progress(samples.len(), items.len());
    }
    if let Err(e) = system.close() {
        failure.get_or_insert(e);
    }

    let metrics = tasks::summarise(suite, &samples, items.len(), request.seed);
    manifest.items.completed = samples.len();
    manifest.status = if failure.is_none() { Status::Complete } else { Status::Incomplete };
    manifest.error = failure.as_ref().map(|e| e.to_string());
    manifest.finished_at = Some(utc_now());
    write_parquet(&dir.join(SAMPLES), &samples)?;
    write_json_atomic(&dir.join(METRICS), &metrics)?;
    // The manifest goes last: only a run whose manifest says complete is complete.
    write_json_atomic(&dir.join(MANIFEST), &manifest)?;
    if failure.is_none() {
        // Everything the journal held is now in samples.parquet.
        let _ = std::fs::remove_file(dir.join(JOURNAL));
    }
    if let Some(e) = failure {
        return Err(Error::new(format!(
            "{e} (run incomplete: {} of {} samples kept in {})",
            samples.len(),
            items.len(),
            dir.display()
        )));
    }
    Ok(RunSummary { dir, manifest, metrics })
}

fn sanitize(name: &str) -> String {
    let cleaned: String = name.chars().map(|c| if c.is_ascii_alphanumeric() || c == '-' || c == '_' { c } else { '_' }).collect();
    if cleaned.is_empty() {
        "system".to_string()
    } else {
        cleaned
    }
}
