//! The `.eval_results/*.yaml` entries of a Hugging Face model repository: per run, one entry per
//! metric with the benchmark's dataset id, the task (the suite), the value, the date, the
//! source (the evidence's URL) and notes holding n, the interval, the run and the bundle.

use super::{described, published, ExportFile, Options};
use crate::error::{Error, Result};
use crate::store::StoredRun;

pub fn export(runs: &[StoredRun], options: &Options) -> Result<Vec<ExportFile>> {
    let Some(dataset_id) = &options.dataset_id else {
        return Err(Error::new("--format hf-eval-results needs --dataset-id, the benchmark's dataset id on the Hub (e.g. openai/gsm8k)"));
    };
    let mut files = Vec::new();
    for run in runs {
        let mut entries = Vec::new();
        for (metric, value) in published(run) {
            let mut entry = serde_json::json!({
                "dataset": {"id": dataset_id, "task_id": run.manifest.suite.id},
                "value": value.value,
                "date": run.manifest.started_at,
                "notes": format!("{metric} {}", described(run, value, options)),
            });
            if let Some(url) = &options.source_url {
                entry["source"] = serde_json::json!({"url": url, "name": "claimbench evidence"});
            }
            entries.push(entry);
        }
        let text = serde_norway::to_string(&entries).map_err(|e| Error::new(e.to_string()))?;
        let name = crate::run::sanitize(&run.manifest.run_id);
        files.push(ExportFile { path: format!(".eval_results/{name}.yaml"), contents: text.into_bytes() });
    }
    Ok(files)
}
