//! Bencher Metric Format (`bencher run --adapter json`): `{BENCHMARK: {MEASURE: {value,
//! lower_value, upper_value}}}`, one benchmark per suite and system, one measure per metric
//! (the interval's bounds as lower and upper values) and an `items` measure holding n.

use super::{published, series, ExportFile, Options};
use crate::error::{Error, Result};
use crate::store::StoredRun;
use serde_json::{json, Map, Value};

pub fn export(runs: &[StoredRun], options: &Options) -> Result<Vec<ExportFile>> {
    let mut benchmarks = Map::new();
    for run in runs {
        let mut name = format!("{}/{}", series(run), run.manifest.system.name);
        if let Some(bundle) = &options.bundle_sha256 {
            // Bencher keeps no free text: the bundle is named with the benchmark it holds.
            name.push_str(&format!(" [bundle sha256:{}]", &bundle[..bundle.len().min(12)]));
        }
        let mut measures = Map::new();
        let mut n = 0;
        for (metric, value) in published(run) {
            let mut measure = json!({"value": value.value});
            if let Some(ci) = &value.ci {
                measure["lower_value"] = ci.low.into();
                measure["upper_value"] = ci.high.into();
            }
            measures.insert(metric.replace('_', "-"), measure);
            n = n.max(value.n);
        }
        measures.insert("items".into(), json!({"value": n}));
        if benchmarks.insert(name.clone(), Value::Object(measures)).is_some() {
            return Err(Error::new(format!("two runs of {name}: export one run per suite and system")));
        }
    }
    let contents = serde_json::to_vec_pretty(&Value::Object(benchmarks)).map_err(|e| Error::new(e.to_string()))?;
    Ok(vec![ExportFile { path: "bencher.json".into(), contents }])
}
