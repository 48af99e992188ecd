//! The run store: one directory per run holding `manifest.json` (provenance),
//! `samples.parquet` (one row per item), `metrics.json` (summaries with intervals), and while
//! a run is in progress `samples.jsonl`, an append-only journal of finished items.

pub mod lock;
pub mod manifest;
pub mod metrics;
pub mod samples;

use crate::error::{Error, IoContext, Result};
use crate::fsutil::read_json;
use manifest::Manifest;
use metrics::Metrics;
use samples::Sample;
use std::path::{Path, PathBuf};

pub const MANIFEST: &str = "manifest.json";
pub const SAMPLES: &str = "samples.parquet";
pub const METRICS: &str = "metrics.json";
pub const JOURNAL: &str = "samples.jsonl";

/// Creates `out/<run_id>`, adding `-2`, `-3`, … if the name is taken.
pub fn create_run_dir(out: &Path, run_id: &str) -> Result<(String, PathBuf)> {
    std::fs::create_dir_all(out).with_path(out)?;
    for attempt in 1..1000 {
        let id = if attempt == 1 { run_id.to_string() } else { format!("{run_id}-{attempt}") };
        let dir = out.join(&id);
        match std::fs::create_dir(&dir) {
            Ok(()) => return Ok((id, dir)),
            Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => continue,
            Err(e) => return Err(Error::in_file(&dir, e)),
        }
    }
    Err(Error::in_file(out, format!("too many runs named {run_id}")))
}

/// Every run directory under `results`, at any depth and in path order, with its manifest (or
/// why the manifest could not be read).
pub fn runs_under(results: &Path) -> impl Iterator<Item = (PathBuf, Result<Manifest>)> + '_ {
    walkdir::WalkDir::new(results)
        .sort_by_file_name()
        .into_iter()
        .filter_map(|e| e.ok())
        .filter(|e| e.file_name() == MANIFEST)
        .map(move |e| (e.path().parent().unwrap_or(results).to_path_buf(), read_json::<Manifest>(e.path())))
}

/// A finished (complete or incomplete) run read back from disk.
#[derive(Debug, Clone)]
pub struct StoredRun {
    pub dir: PathBuf,
    pub manifest: Manifest,
    pub metrics: Metrics,
    pub samples: Vec<Sample>,
}

impl StoredRun {
    pub fn load(dir: &Path) -> Result<StoredRun> {
        let manifest_path = dir.join(MANIFEST);
        if !manifest_path.is_file() {
            return Err(Error::in_file(dir, "not a run directory (no manifest.json)"));
        }
        if let Some(holder) = lock::writer(dir) {
            return Err(Error::in_file(dir, format!("{holder}; it is read once that has finished")));
        }
        let manifest: Manifest = read_json(&manifest_path)?;
        let metrics_path = dir.join(METRICS);
        if !metrics_path.is_file() {
            return Err(Error::in_file(dir, format!("run is {} and has no metrics.json", manifest.status.as_str())));
        }
        let metrics: Metrics = read_json(&metrics_path)?;
        check_samples(dir, &manifest)?;
        let samples = samples::read_parquet(&dir.join(SAMPLES))?;
        Ok(StoredRun { dir: dir.to_path_buf(), manifest, metrics, samples })
    }
}

/// Checks `samples.parquet` against the sha256 its manifest records (runs written before the
/// manifest recorded it are taken as they are). Hashed before it is parsed, so that a hostile
/// file is never read as Parquet.
pub fn check_samples(dir: &Path, manifest: &Manifest) -> Result<()> {
    let Some(recorded) = &manifest.samples_sha256 else { return Ok(()) };
    let path = dir.join(SAMPLES);
    let actual = crate::fsutil::sha256_file(&path)?;
    if &actual != recorded {
        return Err(Error::in_file(
            &path,
            format!("does not match the sha256 its manifest records ({recorded}); the samples were changed, swapped from another run or cut short"),
        ));
    }
    Ok(())
}
