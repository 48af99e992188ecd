//! Executors: take a suite and a system, produce a run directory. The local executor runs the
//! items in order in this process; the Slurm executor (`slurm`) fans shards out over a cluster
//! and gathers them.

pub mod progress;
pub mod slurm;

use crate::error::{Error, Result};
use crate::fsutil::write_json_atomic;
use crate::host::{utc_now, Host};
use crate::spec::dataset::Dataset;
use crate::spec::suite::Suite;
use crate::store::manifest::{FailedItem, ItemCounts, Manifest, Status, SuiteProvenance, ToolVersion, SCHEMA};
use crate::store::metrics::Metrics;
use crate::store::samples::{write_parquet, Journal, Sample};
use crate::store::{self, JOURNAL, MANIFEST, METRICS, SAMPLES};
use crate::systems::{ChoicesRequest, GenerateRequest, System, SystemConfig, SystemSpec, TextRequest};
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

/// What it takes to run (or resume) a run again: kept in the run directory as `recipe.json`.
#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
pub struct Recipe {
    pub suite_path: String,
    pub system: String,
    /// Directory the run was started in: relative paths in `system` are resolved from it.
    pub workdir: String,
    pub seed: u64,
    pub limit: Option<usize>,
}

pub const RECIPE: &str = "recipe.json";

impl Recipe {
    /// Where the run started: a resumed run or a Slurm shard takes the system from here (the
    /// suite's path is absolute), without changing the process's directory.
    pub(crate) fn workdir(&self) -> Result<&Path> {
        let workdir = Path::new(&self.workdir);
        if !workdir.is_dir() {
            return Err(Error::in_file(workdir, "the run's working directory is gone"));
        }
        Ok(workdir)
    }

    pub(crate) fn new(suite: &Suite, request: &RunRequest) -> Result<Recipe> {
        let absolute = |p: &Path| std::path::absolute(p).map_err(|e| Error::in_file(p, e));
        Ok(Recipe {
            suite_path: absolute(&suite.path)?.display().to_string(),
            system: request.system.clone(),
            workdir: absolute(Path::new("."))?.display().to_string(),
            seed: request.seed,
            limit: request.limit,
        })
    }
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

/// The scored items of a run: the first `limit` in dataset order, or all.
pub fn limited_items(task: &PreparedTask, limit: Option<usize>) -> Result<&[TaskItem]> {
    match limit {
        Some(0) => Err(Error::new("--limit must be at least 1")),
        Some(n) => Ok(&task.items[..n.min(task.items.len())]),
        None => Ok(&task.items),
    }
}

/// A new run directory under `out` with a manifest saying `running`.
/// What a manifest records of a suite: which file, and how it scores; no few-shot items, speech
/// or generation settings (the caller adds those it has).
pub(crate) fn suite_provenance(suite: &Suite) -> SuiteProvenance {
    SuiteProvenance {
        id: suite.id().to_string(),
        version: suite.spec.version.clone(),
        task: suite.spec.task.name().to_string(),
        path: suite.path.display().to_string(),
        sha256: suite.sha256.clone(),
        scoring_version: tasks::scoring_version(suite.spec.task).to_string(),
        extraction: format!("{:?}", suite.spec.scoring.extraction).to_lowercase(),
        fewshot_k: suite.spec.fewshot.k,
        fewshot_seed: suite.spec.fewshot.seed,
        fewshot_ids: Vec::new(),
        asr: None,
        generation: None,
    }
}

pub(crate) fn start_run(
    loaded: &LoadedSuite,
    system_spec: &SystemSpec,
    seed: u64,
    limit: Option<usize>,
    expected: usize,
    out: &Path,
) -> Result<(PathBuf, Manifest, store::lock::RunLock)> {
    let suite = &loaded.suite;
    let started_at = utc_now();
    // Run names keep whole seconds: `20261127T120000Z`.
    let stamp = format!("{}Z", started_at.split('.').next().unwrap_or_default().replace([':', '-'], ""));
    let run_name = format!("{}-{}-{stamp}", suite.id(), sanitize(&system_spec.name));
    let (run_id, dir) = store::create_run_dir(out, &run_name)?;
    let lock = store::lock::RunLock::acquire(&dir)?;
    let manifest = Manifest {
        schema: SCHEMA.to_string(),
        run_id,
        status: Status::Running,
        error: None,
        claimbench: ToolVersion::current(),
        suite: SuiteProvenance {
            fewshot_ids: loaded.task.fewshot_ids.clone(),
            asr: tasks::asr::spec(suite).ok().map(|asr| crate::store::manifest::AsrProvenance {
                normaliser: asr.normaliser.id().to_string(),
                convention: asr.convention.name().to_string(),
                sample_rate: asr.sample_rate,
                converted: loaded
                    .task
                    .items
                    .iter()
                    .filter_map(|i| i.audio.as_ref()?.info)
                    .filter(|info| !info.is_ready_for(asr.sample_rate))
                    .count(),
            }),
            generation: generation_provenance(loaded, seed),
            ..suite_provenance(suite)
        },
        dataset: loaded.dataset.provenance(),
        system: system_spec.provenance(),
        seed,
        limit,
        failed_items: Vec::new(),
        items: ItemCounts { expected, completed: 0 },
        host: Host::detect(),
        started_at,
        finished_at: None,
        slurm: None,
        samples_sha256: None,
        imported: None,
    };
    write_json_atomic(&dir.join(MANIFEST), &manifest)?;
    Ok((dir, manifest, lock))
}

/// What text suites send with every request; `None` for simulation and speech suites.
fn generation_provenance(loaded: &LoadedSuite, seed: u64) -> Option<crate::store::manifest::GenerationProvenance> {
    if !crate::tasks::task(loaded.suite.spec.task).sends_text() {
        return None;
    }
    let by_loglikelihood = loaded.task.items.first().and_then(|i| i.choices.as_ref()).is_some_and(|c| c.by_loglikelihood);
    let g = &loaded.suite.spec.generation;
    Some(crate::store::manifest::GenerationProvenance {
        request: if by_loglikelihood { "loglikelihood" } else { "generate" }.to_string(),
        max_tokens: g.max_tokens,
        temperature: g.temperature,
        top_p: g.top_p,
        stop: g.stop.clone(),
        seed,
        chat: g.chat,
    })
}

/// Asks `system` for each item in order, scoring each answer and appending it to the journal
/// before the next; stops at the first failure and returns what was finished with it.
/// Items the system failed on, one JSON line each, beside the journal; folded into the manifest.
pub const FAILURES: &str = "failures.jsonl";

/// The most of an item's error kept in `failures.jsonl` and the manifest.
const MAX_ERROR_CHARS: usize = 2000;

/// A run stops when this many items in a row fail: the system is down, not one item bad.
const FAILURES_IN_A_ROW: usize = 3;

fn failures_path(journal_path: &Path) -> PathBuf {
    journal_path.with_file_name(FAILURES)
}

/// The failed items recorded beside a run's journal; none when there is no such file.
pub fn read_failures(dir: &Path) -> Vec<FailedItem> {
    let Ok(text) = std::fs::read_to_string(dir.join(FAILURES)) else { return Vec::new() };
    // A line cut by a crash is dropped: that item is simply asked again.
    text.lines().filter_map(|line| serde_json::from_str(line).ok()).collect()
}

fn record_failure(journal_path: &Path, failed: &FailedItem) -> Result<()> {
    use std::io::Write;
    let path = failures_path(journal_path);
    let mut file = std::fs::OpenOptions::new().create(true).append(true).open(&path).map_err(|e| Error::in_file(&path, e))?;
    let line = serde_json::to_string(failed).map_err(|e| Error::in_file(&path, e))? + "\n";
    file.write_all(line.as_bytes()).map_err(|e| Error::in_file(&path, e))
}

/// Asks the system item by item (or a batch at a time), journals each sample as it is scored,
/// and records an item the system fails on (after its own retries) instead of stopping, unless
/// several fail in a row. Returns the samples and, if the run cannot be complete, why.
pub(crate) fn execute(
    suite: &Suite,
    items: &[TaskItem],
    system: &mut dyn System,
    spec: &SystemSpec,
    seed: u64,
    journal_path: &Path,
    progress: Progress<'_>,
) -> (Vec<Sample>, Option<Error>) {
    let mut samples: Vec<Sample> = Vec::with_capacity(items.len());
    let mut journal = match Journal::create(journal_path) {
        Ok(journal) => journal,
        Err(e) => return (samples, Some(e)),
    };
    // One clear refusal before any item, rather than every item failing alike.
    if items.iter().any(|i| i.choices.as_ref().is_some_and(|c| c.by_loglikelihood)) {
        if let Err(e) = system.preflight_loglikelihood() {
            return (samples, Some(e));
        }
    }
    let mut failure: Option<Error> = None;
    // Earlier failures are asked again now; only this attempt's count.
    let _ = std::fs::remove_file(failures_path(journal_path));
    let mut failed: Vec<(FailedItem, Error)> = Vec::new();
    let mut in_a_row = 0usize;
    let generation = &suite.spec.generation;
    // Submitted predictions took no time here, so they get no latency.
    let measures_latency = !matches!(spec.config, SystemConfig::Predictions(_));
    let text_only = items.iter().all(|i| i.simulation.is_none() && i.audio.is_none());
    let batch = if text_only { system.concurrency().max(1) } else { 1 };
    'chunks: for chunk in items.chunks(batch) {
        // (answer, unusable input, wall seconds when asked alone)
        let answers: Vec<(Result<crate::systems::Response>, bool, Option<f64>)> = if text_only {
            let started = Instant::now();
            let requests: Vec<TextRequest<'_>> = chunk
                .iter()
                .map(|item| match &item.choices {
                    Some(choices) if choices.by_loglikelihood => TextRequest::Choices(ChoicesRequest {
                        id: &item.id,
                        context: &item.prompt,
                        continuations: &choices.continuations,
                        rolling: choices.rolling,
                    }),
                    _ => TextRequest::Generate(GenerateRequest {
                        id: &item.id,
                        index: item.index,
                        prompt: &item.prompt,
                        max_tokens: generation.max_tokens,
                        stop: &generation.stop,
                        temperature: generation.temperature,
                        top_p: generation.top_p,
                        seed,
                        chat: generation.chat,
                    }),
                })
                .collect();
            let answers = system.answer_text(&requests);
            // Items answered side by side each carry the system's own time; one at a time, the wall time.
            let wall = (chunk.len() == 1).then(|| started.elapsed().as_secs_f64());
            answers.into_iter().map(|answer| (answer, false, wall)).collect()
        } else {
            let item = &chunk[0];
            // An utterance whose audio or transcript is unusable is recorded as failed, unasked.
            let unusable = item.audio.as_ref().is_some_and(|a| a.problem.is_some());
            let audio_request = match &item.audio {
                Some(audio) if !unusable => match audio_for_system(suite, &item.id, audio, journal_path) {
                    Ok(request) => Some(request),
                    Err(e) => {
                        failure = Some(e);
                        break;
                    }
                },
                _ => None,
            };
            let started = Instant::now();
            let answer = match (&item.simulation, &audio_request) {
                _ if unusable => Ok(crate::systems::Response::default()),
                (Some(simulation), _) => system.simulate(simulation),
                (None, Some(audio)) => system.transcribe(audio),
                (None, None) => Err(Error::new(format!("item {} has neither a prompt nor a workload nor audio", item.id))),
            };
            vec![(answer, unusable, Some(started.elapsed().as_secs_f64()))]
        };
        for (item, (answer, unusable, wall)) in chunk.iter().zip(answers) {
            let response = match answer {
                Ok(response) => {
                    in_a_row = 0;
                    response
                }
                Err(e) => {
                    // One line of bounded length, however much a system said, and no secret it echoed.
                    let error = crate::text::shorten(&crate::secrets::scrub(&e.to_string()), MAX_ERROR_CHARS);
                    let record = FailedItem { id: item.id.clone(), index: item.index, error };
                    if let Err(write_error) = record_failure(journal_path, &record) {
                        failure = Some(write_error);
                        break 'chunks;
                    }
                    failed.push((record, e));
                    in_a_row += 1;
                    continue;
                }
            };
            let latency = wall.or(response.system_latency_s);
            // A secret the system echoed is never scored, stored or shown.
            let output = crate::secrets::scrub(&response.output).into_owned();
            let mut score = tasks::score(suite.spec.task, suite, item, &output);
            score.measures.extend(response.measures);
            let sample = Sample {
                latency_s: if measures_latency && !unusable { latency } else { None },
                system_latency_s: response.system_latency_s,
                output_tokens: response.output_tokens,
                ..tasks::sample_of(item, output, score)
            };
            if let Err(e) = journal.append(&sample) {
                failure = Some(e);
                break 'chunks;
            }
            samples.push(sample);
            progress(samples.len() + failed.len(), items.len());
        }
        if failure.is_some() {
            break;
        }
        if in_a_row >= FAILURES_IN_A_ROW {
            let first = &failed[failed.len() - in_a_row].1;
            failure = Some(Error::new(format!("{first}; {in_a_row} items in a row failed, so the run stopped (is the system down?)")));
            break;
        }
    }
    if failure.is_none() && !failed.is_empty() {
        let first = &failed[0].1;
        let more = if failed.len() > 1 { format!(" and {} more items failed", failed.len() - 1) } else { String::new() };
        failure = Some(Error::new(format!("{first}{more}; failed items are listed in the manifest")));
    }
    if let Err(e) = system.close() {
        failure.get_or_insert(e);
    }
    (samples, failure)
}

/// Audio converted for systems during a run, removed when the run completes.
const CONVERTED: &str = "converted";

/// The utterance as systems take it: the dataset's file when it is already 16-bit mono PCM at
/// the suite's rate, else a converted copy beside the run's journal.
fn audio_for_system(suite: &Suite, id: &str, audio: &tasks::asr::AudioItem, journal_path: &Path) -> Result<crate::systems::AudioRequest> {
    let rate = tasks::asr::spec(suite)?.sample_rate;
    let info = audio.info.ok_or_else(|| Error::new(format!("item {id}: audio was not inspected")))?;
    let audio_path = if info.is_ready_for(rate) {
        audio.path.clone()
    } else {
        let dir = journal_path.parent().unwrap_or(Path::new(".")).join(CONVERTED);
        std::fs::create_dir_all(&dir).map_err(|e| Error::in_file(&dir, e))?;
        let target = dir.join(format!("{}.wav", sanitize(id)));
        tasks::asr::audio::convert(&audio.path, &target, rate).map_err(|e| Error::new(format!("item {id}: {e}")))?;
        target
    };
    Ok(crate::systems::AudioRequest { id: id.to_string(), audio_path, sample_rate: rate, duration_s: info.duration_s() })
}

/// Writes samples, metrics and finally the manifest (complete only without `failure`, listing
/// `failed_items`), and turns a failure into an error that says what was kept.
pub(crate) fn finish_run(
    dir: &Path,
    suite: &Suite,
    mut manifest: Manifest,
    samples: &[Sample],
    failed_items: Vec<FailedItem>,
    failure: Option<Error>,
) -> Result<RunSummary> {
    let expected = manifest.items.expected;
    let metrics = tasks::summarise(suite, samples, expected, manifest.seed);
    manifest.items.completed = samples.len();
    manifest.failed_items = failed_items;
    manifest.status = if failure.is_none() { Status::Complete } else { Status::Incomplete };
    manifest.error = failure.as_ref().map(|e| e.to_string());
    manifest.finished_at = Some(utc_now());
    let saved = write_parquet(&dir.join(SAMPLES), samples)
        .and_then(|()| {
            manifest.samples_sha256 = Some(crate::fsutil::sha256_file(&dir.join(SAMPLES))?);
            Ok(())
        })
        .and_then(|()| write_json_atomic(&dir.join(METRICS), &metrics))
        // The manifest goes last: only a run whose manifest says complete is complete.
        .and_then(|()| write_json_atomic(&dir.join(MANIFEST), &manifest));
    if let Err(save_error) = saved {
        // A full disk or a read-only directory: the journal still holds every finished item.
        let first = failure.map(|e| format!("{e}; then ")).unwrap_or_default();
        return Err(Error::new(format!(
            "{first}saving the run failed: {save_error} ({} of {expected} finished items are in the journal {}; fix the cause, then `claimbench run --resume {}`)",
            samples.len(),
            dir.join(JOURNAL).display(),
            dir.display()
        )));
    }
    if let Some(e) = failure {
        return Err(Error::new(format!("{e} (run incomplete: {} of {expected} samples kept in {})", samples.len(), dir.display())));
    }
    // Everything the journal held is now in samples.parquet, and converted audio is no longer
    // needed (a resumed run converts again).
    let _ = std::fs::remove_file(dir.join(JOURNAL));
    let _ = std::fs::remove_file(dir.join(FAILURES));
    let _ = std::fs::remove_dir_all(dir.join(CONVERTED));
    Ok(RunSummary { dir: dir.to_path_buf(), manifest, metrics })
}

pub fn run_local(request: &RunRequest, progress: Progress<'_>) -> Result<RunSummary> {
    let loaded = load_suite(&request.suite, &request.suites_dir)?;
    let items = limited_items(&loaded.task, request.limit)?;
    let system_spec = SystemSpec::parse(&request.system)?;
    let mut system = system_spec.build(&loaded.task, items)?;
    let (dir, manifest, _lock) = start_run(&loaded, &system_spec, request.seed, request.limit, items.len(), &request.out)?;
    write_json_atomic(&dir.join(RECIPE), &Recipe::new(&loaded.suite, request)?)?;
    let (samples, failure) = execute(&loaded.suite, items, system.as_mut(), &system_spec, request.seed, &dir.join(JOURNAL), progress);
    finish_run(&dir, &loaded.suite, manifest, &samples, read_failures(&dir), failure)
}

/// Completes an interrupted local run (stopped by an error, a crash or `kill -9`): the items in
/// its journal are kept, only the others are asked for, and the result is the same as an
/// uninterrupted run's.
pub fn resume_local(dir: &Path, progress: Progress<'_>) -> Result<RunSummary> {
    let dir = &std::path::absolute(dir).map_err(|e| Error::in_file(dir, e))?;
    if !dir.join(MANIFEST).is_file() {
        return Err(Error::in_file(dir, "not a run directory (no manifest.json)"));
    }
    // Two resumes at once would ask the system for the same items and race on the journal.
    let _lock = store::lock::RunLock::acquire(dir)?;
    let manifest: Manifest = crate::fsutil::read_json(&dir.join(MANIFEST))?;
    if manifest.status == Status::Complete {
        return Err(Error::in_file(dir, "run is already complete"));
    }
    let recipe: Recipe = crate::fsutil::read_json(&dir.join(RECIPE))?;
    let workdir = recipe.workdir()?;
    let loaded = load_suite(&recipe.suite_path, workdir)?;
    let items = limited_items(&loaded.task, recipe.limit)?;
    let journal = dir.join(JOURNAL);
    let mut done = store::samples::read_journal(&journal)?;
    let planned: std::collections::HashSet<&str> = items.iter().map(|i| i.id.as_str()).collect();
    if let Some(stray) = done.iter().find(|s| !planned.contains(s.id.as_str())) {
        return Err(Error::in_file(&journal, format!("holds item {} that the run does not score", stray.id)));
    }
    let finished: std::collections::HashSet<String> = done.iter().map(|s| s.id.clone()).collect();
    let remaining: Vec<TaskItem> = items.iter().filter(|i| !finished.contains(&i.id)).cloned().collect();
    let system_spec = SystemSpec::parse_in(&recipe.system, workdir)?;
    let mut system = system_spec.build(&loaded.task, &remaining)?;
    let (new, failure) = execute(&loaded.suite, &remaining, system.as_mut(), &system_spec, recipe.seed, &journal, progress);
    done.extend(new);
    done.sort_by_key(|s| s.index);
    finish_run(dir, &loaded.suite, manifest, &done, read_failures(dir), failure)
}

/// A system's name as it may appear in a run directory's name.
pub(crate) fn sanitize(name: &str) -> String {
    let cleaned: String = name.chars().take(80).map(|c| if c.is_ascii_alphanumeric() || c == '-' || c == '_' { c } else { '_' }).collect();
    if cleaned.is_empty() {
        "system".to_string()
    } else {
        cleaned
    }
}
