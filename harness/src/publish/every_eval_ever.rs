//! Every Eval Ever records (schema 0.3.0): one JSON file per run with the model, the library
//! that ran the evaluation (claimbench, or the harness an imported run came from), and one
//! result per metric with its n and confidence interval. The run's samples file checksum
//! (covering every instance) and the bundle's sha256 go into the details.

use super::{described, published, series, ExportFile, Options};
use crate::error::{Error, Result};
use crate::store::StoredRun;
use serde_json::{json, Map, Value};

pub const SCHEMA_VERSION: &str = "0.3.0";

/// Details are text only in this schema.
fn details(pairs: &[(&str, Option<String>)]) -> Value {
    Value::Object(pairs.iter().filter_map(|(k, v)| Some((k.to_string(), Value::String(v.clone()?)))).collect::<Map<_, _>>())
}

pub fn export(runs: &[StoredRun], options: &Options) -> Result<Vec<ExportFile>> {
    runs.iter().map(|run| record(run, options)).collect()
}

fn record(run: &StoredRun, options: &Options) -> Result<ExportFile> {
    let m = &run.manifest;
    let model = m.imported.as_ref().map_or_else(|| m.system.name.clone(), |i| i.model.clone());
    // The schema's suggested eval/model/time, with the run's id for the time: two runs of one
    // model exported together stay apart.
    let evaluation_id = format!("{}/{}/{}", m.suite.id, model, m.run_id);
    let (library, version) = match &m.imported {
        Some(imported) => (imported.harness.clone(), imported.harness_version.clone()),
        None => ("claimbench".to_string(), m.claimbench.version.clone()),
    };
    let bundle = options.bundle_sha256.clone();
    let mut results = Vec::new();
    for (metric, value) in published(run) {
        let mut uncertainty = json!({"num_samples": value.n});
        if let Some(ci) = &value.ci {
            uncertainty["confidence_interval"] =
                json!({"lower": ci.low, "upper": ci.high, "confidence_level": ci.level, "method": ci.method});
            if let Some(resamples) = ci.resamples {
                uncertainty["num_bootstrap_samples"] = resamples.into();
            }
        }
        results.push(json!({
            "evaluation_result_id": format!("{}.{metric}", m.suite.id),
            "evaluation_name": m.suite.id,
            "source_data": {
                "dataset_name": m.dataset.name,
                "source_type": "other",
                "additional_details": details(&[
                    ("version", Some(m.dataset.version.clone())),
                    ("files_sha256", Some(m.dataset.files.iter().map(|f| format!("{}={}", f.path, f.sha256)).collect::<Vec<_>>().join(","))),
                ]),
            },
            "evaluation_timestamp": m.started_at,
            "metric_config": {
                "metric_id": metric,
                "metric_name": metric,
                "lower_is_better": !value.higher_is_better,
                "score_type": "continuous",
                "min_score": Value::Null,
                "max_score": Value::Null,
            },
            "score_details": {
                "score": value.value,
                "details": details(&[
                    ("n", Some(value.n.to_string())),
                    ("complete", Some(run.metrics.complete.to_string())),
                    ("speed_hardware", value.speed.then(|| m.host.speed_fingerprint().iter().map(|(k, v)| format!("{k}={v}")).collect::<Vec<_>>().join("; "))),
                    ("summary", Some(described(run, value, options))),
                ]),
                "uncertainty": uncertainty,
            },
        }));
    }
    if results.is_empty() {
        return Err(Error::in_file(&run.dir, "has no metric that counts: nothing to publish"));
    }
    let record = json!({
        "schema_version": SCHEMA_VERSION,
        "evaluation_id": evaluation_id,
        "evaluation_timestamp": m.started_at,
        "retrieved_timestamp": options.now.to_string(),
        "source_metadata": {
            "source_name": "claimbench",
            "source_type": "evaluation_run",
            "source_organization_name": options.organization.clone().unwrap_or_else(|| "unknown".into()),
            "evaluator_relationship": "other",
            "additional_details": details(&[
                ("claimbench_version", Some(m.claimbench.version.clone())),
                ("run_id", Some(m.run_id.clone())),
                ("series", Some(series(run))),
                ("scoring_version", Some(m.suite.scoring_version.clone())),
                ("samples_sha256", m.samples_sha256.clone()),
                ("bundle_sha256", bundle),
                ("evidence_url", options.source_url.clone()),
            ]),
        },
        "eval_library": {"name": library, "version": version},
        "model_info": {
            "name": m.system.name,
            "id": model,
            "additional_details": details(&[
                ("deployment_type", Some("unknown".into())),
                ("model_availability", Some("unknown".into())),
                ("system_kind", Some(m.system.kind.clone())),
                ("system_config_sha256", Some(m.system.config_sha256.clone())),
            ]),
        },
        "evaluation_results": results,
    });
    let contents = serde_json::to_vec_pretty(&record).map_err(|e| Error::new(e.to_string()))?;
    Ok(ExportFile { path: format!("{}.json", crate::run::sanitize(&m.run_id)), contents })
}
