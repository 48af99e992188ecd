//! Reports: render stored runs for people. Each text format is one exporter in its own file;
//! plots live in `plots/`, one file per plot kind.

pub mod findings;
pub mod markdown;
pub mod plots;

use crate::error::{IoContext, Result};
use crate::fsutil::write_atomic;
use crate::store::StoredRun;
use std::path::{Path, PathBuf};

/// Turns stored runs into the bytes of one report file.
pub trait Exporter {
    fn file_name(&self) -> &'static str;
    fn render(&self, runs: &[StoredRun]) -> Result<Vec<u8>>;
}

fn exporters() -> Vec<Box<dyn Exporter>> {
    vec![Box::new(markdown::Markdown)]
}

/// Writes every report file for `run_dirs` into `out` and returns their paths.
pub fn write_report(run_dirs: &[PathBuf], out: &Path) -> Result<Vec<PathBuf>> {
    let runs = run_dirs.iter().map(|dir| StoredRun::load(dir)).collect::<Result<Vec<_>>>()?;
    std::fs::create_dir_all(out).with_path(out)?;
    let mut written = plots::write_all(&runs, out)?;
    for exporter in exporters() {
        let path = out.join(exporter.file_name());
        write_atomic(&path, &exporter.render(&runs)?)?;
        written.push(path);
    }
    Ok(written)
}

/// The label a run is shown under: its system name, made unique by the run id when needed.
pub fn run_labels(runs: &[StoredRun]) -> Vec<String> {
    runs.iter()
        .map(|run| {
            let name = &run.manifest.system.name;
            let shared = runs.iter().filter(|r| &r.manifest.system.name == name).count() > 1;
            if shared {
                run.manifest.run_id.clone()
            } else {
                name.clone()
            }
        })
        .collect()
}
