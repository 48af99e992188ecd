//! claimbench: run accuracy and speed suites against systems, keep every per-sample result with
//! its provenance, and report numbers with their uncertainty.
//!
//! Data flows one way, and so do the modules: each imports only from the layers below it
//! (`tests/layers.rs` checks every `crate::` path against this order).
//!
//! 1. `error`, `secrets`, `host`, `stats`, `text` — foundations, no I/O but reading the host
//! 2. `fsutil` — atomic writes, scratch directories, paths kept inside a root
//! 3. `spec` — suite, dataset, claims and system TOML
//! 4. `data` — dataset formats: JSON lines, JSON, CSV, Parquet, transcripts, WAV, LAMMPS logs
//! 5. `protocol` — items and requests between tasks and systems
//! 6. `store` — run directories: manifest, samples, metrics, the writer lock
//! 7. `tasks`, `systems` — preparing and scoring items; asking systems (neither sees the other)
//! 8. `run` — executors: local and Slurm
//! 9. `import` — runs made by other harnesses (lm-evaluation-harness, Inspect), read into run directories
//! 10. `compare` — comparisons, claims, plans, history
//! 11. `report`, `publish` — exporters and plots; publication exports (Bencher, Every Eval Ever,
//!     Hugging Face `.eval_results`)
//! 12. `bundle` — evidence bundles
//!
//! The `claimbench` binary (`main.rs`, `cli/`) sits on top of all of them. The engines, and all
//! of the workspace's `unsafe` code, live in their own crates below the harness:
//! `claimbench-md` (molecular dynamics), `claimbench-gguf` (the built-in language model) and
//! `claimbench-rng` (the seeded generator behind every resample).

#![forbid(unsafe_code)]

pub mod bundle;
pub mod compare;
pub mod data;
pub mod error;
pub mod fsutil;
pub mod host;
pub mod import;
pub mod protocol;
pub mod publish;
pub mod report;
pub mod run;
pub mod secrets;
pub mod spec;
pub mod stats;
pub mod store;
pub mod systems;
pub mod tasks;
pub mod text;

pub use error::{Error, Result};

/// Summary of one suite file for `claimbench suites list`.
#[derive(Debug, Clone)]
pub struct SuiteListing {
    pub path: std::path::PathBuf,
    pub outcome: Result<(String, String, String, String)>,
}

/// Every suite file in `dir` with its id, version, task kind and dataset, or why it is invalid.
pub fn list_suites(dir: &std::path::Path) -> Result<Vec<SuiteListing>> {
    Ok(spec::suite::suite_files(dir)?
        .into_iter()
        .map(|path| {
            let outcome = spec::suite::Suite::load(&path)
                .map(|s| (s.id().to_string(), s.spec.version.clone(), s.spec.task.name().to_string(), s.spec.dataset.path.clone()));
            SuiteListing { path, outcome }
        })
        .collect())
}

/// Loads a suite, verifies its dataset and prepares its items; returns a one-line summary.
pub fn validate_suite(path: &std::path::Path) -> Result<String> {
    let loaded = run::load_suite(&path.to_string_lossy(), std::path::Path::new("."))?;
    Ok(format!(
        "ok: {}: suite {} {} ({}), dataset {} {} verified, {} scored items, {} few-shot examples",
        path.display(),
        loaded.suite.id(),
        loaded.suite.spec.version,
        loaded.suite.spec.task.name(),
        loaded.dataset.spec.name,
        loaded.dataset.spec.version,
        loaded.task.items.len(),
        loaded.suite.spec.fewshot.k
    ))
}

/// One JSON line per scored item: id, index and a preview, for keying predictions files.
pub fn suite_items(name: &str, suites_dir: &std::path::Path) -> Result<Vec<String>> {
    let loaded = run::load_suite(name, suites_dir)?;
    Ok(loaded
        .task
        .items
        .iter()
        .map(|item| serde_json::json!({"id": item.id, "index": item.index, "preview": item.preview}).to_string())
        .collect())
}
