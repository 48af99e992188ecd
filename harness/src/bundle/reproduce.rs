//! `claimbench reproduce`: re-runs a random subset of a bundle's items against a system and
//! checks that outputs and scores agree with the bundle within the suite's tolerance. The subset
//! comes from a seed the reviewer picks after the bundle is fixed, so it cannot have been
//! prepared for (MLPerf's TEST01 idea).

use super::{archive, open, verify::file_problems};
use crate::error::{Error, Result};
use crate::report::findings::{Finding, Findings, Outcome};
use crate::spec::dataset::Dataset;
use crate::spec::suite::Suite;
use crate::stats::rng::Rng;
use crate::store::StoredRun;
use crate::systems::SystemSpec;
use crate::tasks::{self, TaskItem};
use std::path::Path;

pub struct ReproduceRequest<'a> {
    pub bundle: &'a Path,
    pub system: &'a str,
    /// Items to re-run.
    pub sample: usize,
    pub seed: u64,
    /// Which run of the bundle, when it holds several.
    pub run: Option<&'a str>,
    pub limits: archive::Limits,
}

pub fn reproduce(request: &ReproduceRequest<'_>, progress: crate::run::Progress<'_>) -> Result<Findings> {
    let opened = open(request.bundle, request.limits)?;
    let (unpacked, index) = (&opened.unpacked, &opened.index);
    if let Some((path, problem)) = file_problems(&opened.files, index).first() {
        return Err(Error::in_file(request.bundle, format!("{path}: {problem}; run `claimbench verify` first")));
    }
    let bundled = match (request.run, &index.runs[..]) {
        (Some(id), runs) => runs.iter().find(|r| r.run_id == id).ok_or_else(|| {
            Error::new(format!(
                "the bundle has no run '{id}' (it has: {})",
                runs.iter().map(|r| r.run_id.as_str()).collect::<Vec<_>>().join(", ")
            ))
        })?,
        (None, [only]) => only,
        (None, runs) => {
            return Err(Error::new(format!(
                "the bundle holds {} runs; pick one with --run ({})",
                runs.len(),
                runs.iter().map(|r| r.run_id.as_str()).collect::<Vec<_>>().join(", ")
            )))
        }
    };
    if !bundled.dataset_content {
        return Err(Error::new(format!(
            "run {}: the bundle holds only the dataset's hashes, and re-running items needs its content",
            bundled.run_id
        )));
    }
    let in_bundle = |e: Error| Error::new(unpacked.as_in_bundle(e.message(), request.bundle));
    let run = StoredRun::load(&unpacked.path(&bundled.dir)).map_err(in_bundle)?;
    let suite = Suite::load(&unpacked.path(&bundled.suite)).map_err(in_bundle)?;
    let dataset = Dataset::load(&unpacked.path(&bundled.dataset)).map_err(in_bundle)?;
    let task = tasks::prepare(&suite, &dataset).map_err(in_bundle)?;
    if request.sample == 0 {
        return Err(Error::new("--sample must be at least 1"));
    }
    let mut order: Vec<usize> = (0..run.samples.len()).collect();
    Rng::new(request.seed).shuffle(&mut order);
    order.truncate(request.sample);
    order.sort_unstable();
    let chosen: Vec<&crate::store::samples::Sample> = order.iter().map(|&i| &run.samples[i]).collect();
    let items: Vec<TaskItem> = chosen
        .iter()
        .map(|s| {
            task.items.iter().find(|i| i.id == s.id).cloned().ok_or_else(|| Error::new(format!("item {}: not in the bundled suite", s.id)))
        })
        .collect::<Result<_>>()?;
    let spec = SystemSpec::parse(request.system)?;
    // What is about to execute: the reviewer's own system, on the bundle's data (which is
    // screened, never executed; LAMMPS inputs that would run host code are refused).
    let provenance = spec.provenance();
    eprintln!(
        "reproduce: re-running {} items of run {} through your {} system '{}': {}",
        items.len(),
        bundled.run_id,
        provenance.kind,
        provenance.name,
        provenance.config
    );
    let mut system = spec.build(&task, &items)?;
    let journal = unpacked.root().join("reproduce.jsonl");
    let (again, failure) = crate::run::execute(&suite, &items, system.as_mut(), &spec, run.manifest.seed, &journal, progress);
    if let Some(e) = failure {
        return Err(e.context(format!("re-running {} of {} items", again.len(), items.len())));
    }
    let mut rows = Vec::new();
    let mut agreeing = 0;
    for (stored, new) in chosen.iter().zip(&again) {
        let (agrees, detail) = tasks::reproduction_agrees(&suite, stored, new);
        agreeing += usize::from(agrees);
        let outcome = if agrees { Outcome::Pass } else { Outcome::Fail };
        let result = if agrees { "agrees" } else { "DIFFERS" };
        rows.push(Finding { name: stored.id.clone(), outcome, cells: vec![stored.id.clone(), result.to_string(), detail.clone()], detail });
    }
    Ok(Findings {
        title: format!(
            "reproduce {} items of run {} (seed {}) with {}: {agreeing} of {} agree",
            items.len(),
            bundled.run_id,
            request.seed,
            spec.name,
            items.len()
        ),
        warnings: Vec::new(),
        columns: ["item", "result", "detail"].map(String::from).to_vec(),
        data: serde_json::json!({
            "run": bundled.run_id,
            "seed": request.seed,
            "items": rows.iter().map(|r| serde_json::json!({"id": r.name, "outcome": r.outcome, "detail": r.detail})).collect::<Vec<_>>(),
        }),
        rows,
    })
}
