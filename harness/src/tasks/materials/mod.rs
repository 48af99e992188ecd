//! Materials-simulation throughput: each workload (an input script at one size) is run a few
//! times; every run's log is parsed for speed and held to the workload's accuracy gate. A speed
//! figure counts only when the same run passed the gate.

pub mod gate;
pub use crate::data::lammps_log as log;

use crate::data::RecordFile;
use crate::error::{Error, Result};
use crate::protocol::SimulationRequest;
use crate::spec::dataset::Dataset;
use crate::spec::suite::{MaterialsSpec, Suite, TaskKind, WorkloadSpec};
use crate::stats::bootstrap::DEFAULT_RESAMPLES;
use crate::store::metrics::{MetricValue, Statistic};
use crate::store::samples::Sample;
use crate::tasks::{ItemValues, MetricDef, PreparedTask, Role, Score, TaskItem};
use std::collections::BTreeMap;
use std::path::Path;

/// Bump when log parsing, the gate or the derived measures change.
pub const SCORING_VERSION: &str = "materials.md/1";

/// Measure set on warm-up runs: they are gated but left out of the statistics.
pub const WARMUP: &str = "warmup";

pub fn spec(suite: &Suite) -> Result<&MaterialsSpec> {
    suite.spec.materials.as_ref().map(|m| m.get_ref()).ok_or_else(|| Error::in_file(&suite.path, "no [materials] table"))
}

fn workload<'a>(suite: &'a Suite, id: &str) -> Option<&'a WorkloadSpec> {
    suite.spec.materials.as_ref()?.get_ref().workloads.iter().find(|w| w.id == id)
}

/// Items in workload order: each workload's warm-up runs, then its repetitions.
pub fn prepare(suite: &Suite, dataset: &Dataset) -> Result<PreparedTask> {
    let materials = spec(suite)?;
    let mut items = Vec::new();
    for w in &materials.workloads {
        let (input, _) = dataset.file(w.input.as_deref().unwrap_or(&suite.spec.dataset.file))?;
        let files = w.files.iter().map(|key| dataset.file(key).map(|(path, _)| path)).collect::<Result<Vec<_>>>()?;
        let input = std::path::absolute(&input).map_err(|e| Error::in_file(&input, e))?;
        let files = files.iter().map(|f| std::path::absolute(f).map_err(|e| Error::in_file(f, e))).collect::<Result<Vec<_>>>()?;
        let runs = (1..=w.warmup.unwrap_or(materials.warmup))
            .map(|k| (true, k))
            .chain((1..=w.repetitions.unwrap_or(materials.repetitions)).map(|k| (false, k)));
        for (warmup, repetition) in runs {
            let id = format!("{}/{}-{repetition}", w.id, if warmup { "warmup" } else { "rep" });
            let request = SimulationRequest {
                id: id.clone(),
                workload: w.id.clone(),
                input: input.clone(),
                files: files.clone(),
                vars: w.vars.clone(),
                warmup,
                repetition,
            };
            let vars: Vec<String> = w.vars.iter().map(|(k, v)| format!("-var {k} {v}")).collect();
            // What the prompt hash covers: the input's name and contents hash travel in the
            // dataset provenance; the request fixes variables and repetition.
            let prompt =
                serde_json::json!({"workload": w.id, "input": file_name(&request.input), "vars": w.vars, "atoms": w.atoms}).to_string();
            items.push(TaskItem {
                id,
                index: items.len(),
                prompt,
                reference: gate::describe(&w.gate),
                preview: format!("{} {} ({} atoms)", file_name(&request.input), vars.join(" "), w.atoms),
                simulation: Some(request),
                audio: None,
                choices: None,
            });
        }
    }
    // Items stand in for records, so that submitted results can be keyed by id or index.
    let (path, _) = dataset.file(&suite.spec.dataset.file)?;
    let records = items.iter().map(|i| crate::data::Record::stand_in(&i.id, i.index, &path)).collect();
    Ok(PreparedTask { kind: TaskKind::MaterialsMd, items, source: RecordFile { path, records }, fewshot_ids: Vec::new() })
}

fn file_name(path: &Path) -> String {
    path.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default()
}

/// `materials.md`.
pub struct Materials;
pub static TASK: Materials = Materials;

/// A speed figure of one workload, stored as `WORKLOAD/NAME`.
const fn per_workload(name: &'static str, higher_is_better: bool, role: Role) -> MetricDef {
    MetricDef { name, higher_is_better, speed: true, role, items: ItemValues::PerWorkload }
}

const METRICS: [MetricDef; 5] = [
    per_workload("timesteps_per_s", true, Role::Headline),
    per_workload("matom_steps_per_s", true, Role::Detail),
    per_workload("tau_per_day", true, Role::Detail),
    per_workload("ns_per_day", true, Role::Detail),
    per_workload("loop_time_s", false, Role::Detail),
];

impl crate::tasks::Task for Materials {
    fn name(&self) -> &'static str {
        TaskKind::MaterialsMd.name()
    }
    fn scoring_version(&self) -> &'static str {
        SCORING_VERSION
    }
    fn metrics(&self) -> &'static [MetricDef] {
        &METRICS
    }
    fn prepare(&self, suite: &Suite, dataset: &Dataset) -> Result<PreparedTask> {
        prepare(suite, dataset)
    }
    fn score(&self, suite: &Suite, item: &TaskItem, output: &str) -> Score {
        score(suite, item, output)
    }
    fn summarise(&self, suite: &Suite, samples: &[Sample], seed: u64, metrics: &mut BTreeMap<String, MetricValue>) -> usize {
        summarise(suite, samples, seed, metrics);
        0
    }
    fn reproduction_agrees(&self, suite: &Suite, stored: &Sample, new: &Sample) -> (bool, String) {
        reproduction_agrees(suite, stored, new)
    }
}

/// Parses a run's log, derives its measures and applies the workload's gate.
pub fn score(suite: &Suite, item: &TaskItem, output: &str) -> Score {
    let workload_id = item.id.split('/').next().unwrap_or_default();
    let warmup = item.simulation.as_ref().is_some_and(|s| s.warmup) || item.id.contains("/warmup-");
    let Some(w) = workload(suite, workload_id) else {
        return Score {
            extracted: Some(format!("gate failed: no workload '{workload_id}' in the suite")),
            correct: false,
            measures: BTreeMap::new(),
            annotations: BTreeMap::new(),
        };
    };
    let normalised = suite.spec.materials.as_ref().is_some_and(|m| m.get_ref().units == "lj");
    let outcome = gate::evaluate(&item.id, output, w, normalised);
    let mut measures = outcome.measures;
    measures.insert(WARMUP.to_string(), if warmup { 1.0 } else { 0.0 });
    Score { extracted: Some(outcome.verdict), correct: outcome.passed, measures, annotations: BTreeMap::new() }
}

/// Per workload and metric: the median over repetitions with its exact order-statistic interval
/// (none for a single repetition), the
/// outliers among repetitions, and whether any run of the workload failed its gate.
pub fn summarise(suite: &Suite, samples: &[Sample], seed: u64, metrics: &mut BTreeMap<String, MetricValue>) {
    let Ok(materials) = spec(suite) else { return };
    for w in &materials.workloads {
        let prefix = format!("{}/", w.id);
        let runs: Vec<&Sample> = samples.iter().filter(|s| s.id.starts_with(&prefix)).collect();
        let failures: Vec<String> =
            runs.iter().filter(|s| !s.correct).map(|s| format!("{}: {}", s.id, s.extracted.as_deref().unwrap_or("no verdict"))).collect();
        let invalid = (!failures.is_empty()).then(|| failures.join("; "));
        for metric in suite.spec.metrics.get_ref() {
            let name = format!("{}/{}", w.id, metric.name());
            let Some(values) = super::metric_values(&name, samples) else { continue };
            let Ok(summary) = crate::stats::timing::summarise(&values, 0.95, DEFAULT_RESAMPLES, seed) else { continue };
            metrics.insert(
                name,
                MetricValue {
                    value: summary.median,
                    n: summary.n,
                    higher_is_better: metric.higher_is_better(),
                    speed: true,
                    ci: summary.median_ci,
                    statistic: Statistic::Median,
                    outliers: Some(summary.outliers),
                    invalid: invalid.clone(),
                },
            );
        }
    }
}

/// Same gate verdict, and step-0 E_pair and Press within the workload's gate tolerance.
pub fn reproduction_agrees(suite: &Suite, stored: &Sample, new: &Sample) -> (bool, String) {
    let workload_id = stored.id.split('/').next().unwrap_or_default();
    let Some(w) = workload(suite, workload_id) else { return (false, format!("no workload '{workload_id}' in the suite")) };
    let mut agrees = stored.correct == new.correct;
    let mut notes = vec![format!("gate {} vs {}", verdict(stored.correct), verdict(new.correct))];
    for measure in ["e_pair_0", "press_0"] {
        match (stored.measures.get(measure), new.measures.get(measure)) {
            (Some(a), Some(b)) => {
                let relative = ((a - b) / a).abs();
                agrees &= relative <= w.gate.rel_tol;
                notes.push(format!("{measure} {a} vs {b} ({relative:.1e} relative, allowed {:e})", w.gate.rel_tol));
            }
            _ => {
                agrees = false;
                notes.push(format!("{measure} missing"));
            }
        }
    }
    if let (Some(a), Some(b)) = (stored.measures.get("timesteps_per_s"), new.measures.get("timesteps_per_s")) {
        notes.push(format!("speed {:.2}x the bundle's (hardware-dependent, not compared)", b / a));
    }
    (agrees, notes.join("; "))
}

fn verdict(passed: bool) -> &'static str {
    if passed {
        "passed"
    } else {
        "failed"
    }
}
