//! Comparisons of runs: two runs paired item by item, claims checked against the evidence,
//! and the history of many runs searched for regressions.

pub mod agreement;
pub mod claims;
pub mod history;
pub mod plan;

use crate::error::{Error, Result};
use crate::stats::bootstrap::{sum_statistic, Distribution, Method};
use crate::stats::paired::linked_ratio_improvement;
use crate::stats::paired::{mcnemar, mean_improvement, pair_by_id, permutation, Direction, Scale};
use crate::stats::StatsError;
use crate::store::manifest::{Manifest, Status};
use crate::store::StoredRun;
use crate::tasks::item_value;
use crate::tasks::ratio_of;
use serde::{Deserialize, Serialize};
use std::path::Path;

#[derive(Debug, Clone)]
pub struct CompareOptions {
    /// Compare runs whose suites, datasets or scoring differ (every output then says so).
    pub force: bool,
    /// Compare speed metrics of runs on different hardware (every output then says so).
    pub allow_cross_hardware: bool,
    /// Compare incomplete runs, or runs that scored different items, on the items both have.
    pub allow_partial: bool,
    pub level: f64,
    pub resamples: usize,
    pub seed: u64,
}

impl Default for CompareOptions {
    fn default() -> Self {
        CompareOptions { force: false, allow_cross_hardware: false, allow_partial: false, level: 0.95, resamples: 10_000, seed: 0 }
    }
}

/// Finds a run: a run directory, or with `results` a selector such as `system=sum` or
/// `suite=gsm8k,system=sum`, which picks the newest complete run under `results` matching every
/// `key=value` (keys: suite, system, run, commit).
pub fn resolve_run(results: Option<&Path>, selector: &str) -> Result<std::path::PathBuf> {
    let Some(results) = results.filter(|_| selector.contains('=')) else {
        return Ok(Path::new(selector).to_path_buf());
    };
    let mut wanted = Vec::new();
    for pair in selector.split(',') {
        let (key, value) =
            pair.split_once('=').ok_or_else(|| Error::new(format!("selector '{selector}': expected KEY=VALUE, got '{pair}'")))?;
        if !["suite", "system", "run", "commit"].contains(&key) {
            return Err(Error::new(format!("selector '{selector}': unknown key '{key}' (known: suite, system, run, commit)")));
        }
        wanted.push((key, value));
    }
    let mut best: Option<(String, std::path::PathBuf)> = None;
    let mut systems = std::collections::BTreeSet::new();
    for (dir, manifest) in crate::store::runs_under(results) {
        let Ok(manifest) = manifest else { continue };
        systems.insert(format!("{}/{}", manifest.suite.id, manifest.system.name));
        let field = |key: &str| match key {
            "suite" => manifest.suite.id.as_str(),
            "system" => manifest.system.name.as_str(),
            "run" => manifest.run_id.as_str(),
            _ => manifest.claimbench.git_commit.as_str(),
        };
        let matches = wanted.iter().all(|(k, v)| if *k == "commit" { field(k).starts_with(v) } else { field(k) == *v });
        if matches && manifest.status == Status::Complete && best.as_ref().is_none_or(|(t, _)| manifest.started_at > *t) {
            best = Some((manifest.started_at.clone(), dir));
        }
    }
    best.map(|(_, dir)| dir).ok_or_else(|| {
        Error::new(format!(
            "no complete run under {} matches '{selector}' (suite/system pairs there: {})",
            results.display(),
            if systems.is_empty() { "none".to_string() } else { systems.into_iter().collect::<Vec<_>>().join(", ") }
        ))
    })
}

/// Everything that makes two runs' numbers incomparable, as "what: A vs B".
pub fn incompatibilities(a: &Manifest, b: &Manifest) -> Vec<String> {
    let mut out = Vec::new();
    let mut check = |what: &str, x: &str, y: &str| {
        if x != y {
            out.push(format!("{what}: {x} vs {y}"));
        }
    };
    check("suite", &a.suite.id, &b.suite.id);
    check("suite version", &a.suite.version, &b.suite.version);
    check("suite file sha256", &a.suite.sha256, &b.suite.sha256);
    check("scoring version", &a.suite.scoring_version, &b.suite.scoring_version);
    check("dataset", &format!("{} {}", a.dataset.name, a.dataset.version), &format!("{} {}", b.dataset.name, b.dataset.version));
    let hashes = |m: &Manifest| m.dataset.files.iter().map(|f| format!("{}={}", f.path, f.sha256)).collect::<Vec<_>>().join(",");
    check("dataset file hashes", &hashes(a), &hashes(b));
    match (&a.imported, &b.imported) {
        (Some(x), Some(y)) => {
            let text = |v: &Option<String>| v.clone().unwrap_or_else(|| "none".to_string());
            check("imported from", &x.harness, &y.harness);
            check("task", &x.task, &y.task);
            check("task hash", &text(&x.task_hash), &text(&y.task_hash));
            check("few-shot examples", &format!("{:?}", x.num_fewshot), &format!("{:?}", y.num_fewshot));
            check("chat template sha", &text(&x.chat_template_sha), &text(&y.chat_template_sha));
            check("system instruction sha", &text(&x.system_instruction_sha), &text(&y.system_instruction_sha));
        }
        (Some(x), None) | (None, Some(x)) => out.push(format!("imported from: {} vs claimbench (only one run was imported)", x.harness)),
        (None, None) => {}
    }
    out
}

/// For two imported runs, the first document (by the harness's document hash) asked with
/// different prompts, as "prompt hash of document D: A vs B".
fn imported_prompt_difference(baseline: &StoredRun, candidate: &StoredRun) -> Option<String> {
    let harness = baseline.manifest.imported.as_ref()?.harness.replace('-', "_");
    candidate.manifest.imported.as_ref()?;
    let hashes = |run: &StoredRun| -> std::collections::HashMap<String, String> {
        run.samples
            .iter()
            .filter_map(|s| {
                let record: serde_json::Value = serde_json::from_str(s.annotations.get(&harness)?).ok()?;
                Some((record.get("doc_hash")?.as_str()?.to_string(), record.get("prompt_hash")?.as_str()?.to_string()))
            })
            .collect()
    };
    let theirs = hashes(candidate);
    let short = |h: &str| h.chars().take(12).collect::<String>();
    let mut ours: Vec<(String, String)> = hashes(baseline).into_iter().collect();
    ours.sort();
    ours.into_iter().find_map(|(doc, prompt)| {
        let other = theirs.get(&doc)?;
        (*other != prompt).then(|| format!("prompt hash of document {}: {} vs {}", short(&doc), short(&prompt), short(other)))
    })
}

/// Two runs ready to compare: compatible (or forced), with their samples lined up by item id.
pub struct Paired {
    pub baseline: StoredRun,
    pub candidate: StoredRun,
    pub warnings: Vec<String>,
    /// Indices into the baseline's and the candidate's samples, item by item.
    pub pairs: Vec<(usize, usize)>,
}

impl Paired {
    pub fn load(baseline: &Path, candidate: &Path, options: &CompareOptions) -> Result<Paired> {
        let baseline = StoredRun::load(baseline)?;
        let candidate = StoredRun::load(candidate)?;
        let mut warnings = Vec::new();
        let mut differences = incompatibilities(&baseline.manifest, &candidate.manifest);
        differences.extend(imported_prompt_difference(&baseline, &candidate));
        if !differences.is_empty() {
            if !options.force {
                return Err(Error::new(format!(
                    "runs {} and {} are not comparable ({}); --force compares them anyway",
                    baseline.dir.display(),
                    candidate.dir.display(),
                    differences.join("; ")
                )));
            }
            warnings.push(format!("FORCED comparison of incomparable runs: {}", differences.join("; ")));
        }
        for run in [&baseline, &candidate] {
            if run.manifest.status != Status::Complete {
                let note = format!(
                    "run {} is {} ({} of {} items)",
                    run.dir.display(),
                    run.manifest.status.as_str(),
                    run.manifest.items.completed,
                    run.manifest.items.expected
                );
                if !options.allow_partial {
                    return Err(Error::new(format!("{note}; --allow-partial compares the items both runs have")));
                }
                warnings.push(format!("PARTIAL: {note}"));
            }
        }
        fn ids(run: &StoredRun) -> Vec<(&str, usize)> {
            run.samples.iter().enumerate().map(|(i, s)| (s.id.as_str(), i)).collect()
        }
        let (a_ids, b_ids) = (ids(&baseline), ids(&candidate));
        let pairs = match pair_by_id(&a_ids, &b_ids) {
            Ok(pairs) => pairs,
            Err(StatsError::Unpaired { only_in_a, only_in_b }) if options.allow_partial => {
                let b_index: std::collections::HashMap<&str, usize> = b_ids.iter().copied().collect();
                let pairs: Vec<(usize, usize)> = a_ids.iter().filter_map(|(id, i)| b_index.get(id).map(|j| (*i, *j))).collect();
                warnings.push(format!(
                    "PARTIAL: {} items paired; {} only in the baseline, {} only in the candidate",
                    pairs.len(),
                    only_in_a.len(),
                    only_in_b.len()
                ));
                pairs
            }
            Err(e) => return Err(Error::new(format!("runs {} and {}: {e}", baseline.dir.display(), candidate.dir.display()))),
        };
        if pairs.is_empty() {
            return Err(Error::new(format!("runs {} and {} have no item ids in common", baseline.dir.display(), candidate.dir.display())));
        }
        Ok(Paired { baseline, candidate, warnings, pairs })
    }

    /// The paired per-item values of a metric, or an error naming the metrics that exist.
    /// Items where only one side has a value (e.g. one run's log failed to parse) are left out.
    pub fn values(&self, metric: &str) -> Result<(Vec<f64>, Vec<f64>)> {
        let value_of = item_value(metric);
        let (a, b): (Vec<f64>, Vec<f64>) = self
            .pairs
            .iter()
            .filter_map(|&(i, j)| Some((value_of(&self.baseline.samples[i])?, value_of(&self.candidate.samples[j])?)))
            .unzip();
        if a.is_empty() {
            let known: Vec<&str> = self.baseline.metrics.metrics.keys().map(String::as_str).collect();
            return Err(Error::new(format!("no paired per-item values for metric '{metric}' (the runs have: {})", known.join(", "))));
        }
        Ok((a, b))
    }

    /// Per-item numerators of both runs and the shared denominators of a ratio-of-sums metric
    /// (WER: errors over reference words), when the metric is one and every pair has them.
    pub fn ratio_values(&self, metric: &str) -> Option<(Vec<f64>, Vec<f64>, Vec<f64>)> {
        let (parts_of, _) = ratio_of(metric)?;
        let mut parts = (Vec::new(), Vec::new(), Vec::new());
        for &(i, j) in &self.pairs {
            let (a, b) = (parts_of(&self.baseline.samples[i]), parts_of(&self.candidate.samples[j]));
            match (a, b) {
                (Some((na, da)), Some((nb, db))) if da == db => {
                    parts.0.push(na);
                    parts.1.push(nb);
                    parts.2.push(da);
                }
                // An utterance one run could not score is left out of both.
                (None, _) | (_, None) => {}
                _ => return None,
            }
        }
        (!parts.2.is_empty()).then_some(parts)
    }

    /// Bootstrap distribution of the candidate's improvement in `metric`: a ratio of sums over
    /// the paired items for rates such as WER, else the mean of per-item values.
    pub fn improvement(
        &self,
        metric: &str,
        direction: Direction,
        scale: Scale,
        resamples: usize,
        seed: u64,
    ) -> Result<std::result::Result<Distribution, StatsError>> {
        if let Some((a, b, words)) = self.ratio_values(metric) {
            let link = ratio_of(metric).map_or(crate::tasks::Link::Identity, |(_, link)| link).function();
            return Ok(linked_ratio_improvement(&a, &b, &words, link, direction, scale, resamples, seed));
        }
        let (a, b) = self.values(metric)?;
        Ok(mean_improvement(&a, &b, direction, scale, resamples, seed))
    }

    /// Hardware differences that matter for speed, empty when the hosts match.
    pub fn hardware_differences(&self) -> Vec<String> {
        self.baseline.manifest.host.speed_differences(&self.candidate.manifest.host)
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Side {
    pub run_id: String,
    pub system: String,
    pub value: f64,
    pub low: Option<f64>,
    pub high: Option<f64>,
    pub n: usize,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Effect {
    pub estimate: f64,
    pub low: f64,
    pub high: f64,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MetricComparison {
    pub metric: String,
    pub higher_is_better: bool,
    pub speed: bool,
    pub baseline: Side,
    pub candidate: Side,
    pub n_paired: usize,
    /// Improvement of the candidate (positive = better), absolute and relative to the baseline.
    pub absolute: Option<Effect>,
    pub relative: Option<Effect>,
    pub test: String,
    pub p_value: Option<f64>,
    /// For speed metrics: whether the two hosts' fingerprints match.
    pub same_hardware: Option<bool>,
    /// Why the metric was not compared.
    pub refused: Option<String>,
    /// Why the figures do not count: an accuracy gate failed in the run that produced them.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub invalid: Option<String>,
}

/// The gate failures behind a metric of either run, or `None` when both figures are valid.
pub fn invalid_reason(baseline: &crate::store::metrics::MetricValue, candidate: &crate::store::metrics::MetricValue) -> Option<String> {
    let sides: Vec<String> = [("baseline", baseline), ("candidate", candidate)]
        .iter()
        .filter_map(|(role, m)| m.invalid.as_ref().map(|reason| format!("{role} invalid ({reason})")))
        .collect();
    (!sides.is_empty()).then(|| sides.join("; "))
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Comparison {
    pub warnings: Vec<String>,
    pub level: f64,
    pub metrics: Vec<MetricComparison>,
}

fn effect(d: std::result::Result<Distribution, StatsError>, level: f64) -> Option<Effect> {
    let d = d.ok()?;
    let ci = d.interval(level, Method::Percentile).ok()?;
    Some(Effect { estimate: d.value, low: ci.low, high: ci.high })
}

/// Bootstrap distribution of the speed-up B over A: time(A)/time(B) for times (lower is
/// better), rate(B)/rate(A) for rates; both as ratios of sums over the paired items.
pub fn speedup(a: &[f64], b: &[f64], higher_is_better: bool, resamples: usize, seed: u64) -> std::result::Result<Distribution, StatsError> {
    if a.len() != b.len() {
        return Err(StatsError::LengthMismatch);
    }
    let items: Vec<[f64; 2]> = a.iter().zip(b).map(|(&x, &y)| [x, y]).collect();
    sum_statistic(&items, move |s, _| if higher_is_better { s[1] / s[0] } else { s[0] / s[1] }, resamples, seed)
}

pub fn compare(baseline: &Path, candidate: &Path, options: &CompareOptions) -> Result<Comparison> {
    let paired = Paired::load(baseline, candidate, options)?;
    let hardware = paired.hardware_differences();
    let mut warnings = paired.warnings.clone();
    let mut metrics = Vec::new();
    for (name, base_metric) in &paired.baseline.metrics.metrics {
        let Some(cand_metric) = paired.candidate.metrics.metrics.get(name) else { continue };
        let side = |run: &StoredRun, m: &crate::store::metrics::MetricValue| Side {
            run_id: run.manifest.run_id.clone(),
            system: run.manifest.system.name.clone(),
            value: m.value,
            low: m.ci.as_ref().map(|c| c.low),
            high: m.ci.as_ref().map(|c| c.high),
            n: m.n,
        };
        let mut row = MetricComparison {
            metric: name.clone(),
            higher_is_better: base_metric.higher_is_better,
            speed: base_metric.speed,
            baseline: side(&paired.baseline, base_metric),
            candidate: side(&paired.candidate, cand_metric),
            n_paired: paired.pairs.len(),
            absolute: None,
            relative: None,
            test: String::new(),
            p_value: None,
            same_hardware: base_metric.speed.then_some(hardware.is_empty()),
            refused: None,
            invalid: invalid_reason(base_metric, cand_metric),
        };
        if let Some(reason) = &row.invalid {
            warnings.push(format!("INVALID {name}: {reason}"));
        }
        if base_metric.speed && !hardware.is_empty() {
            if !options.allow_cross_hardware {
                row.refused = Some(format!("different hardware ({}); --allow-cross-hardware compares anyway", hardware.join("; ")));
                metrics.push(row);
                continue;
            }
            warnings.push(format!("CROSS-HARDWARE speed comparison of {name}: {}", hardware.join("; ")));
        }
        // Summaries without per-item values (percentiles, ratios of totals such as RTFx) are
        // shown side by side but not tested item by item.
        let Ok((a, b)) = paired.values(name) else {
            row.refused = Some("a summary over items without per-item values; shown, not tested".to_string());
            metrics.push(row);
            continue;
        };
        let direction = if base_metric.higher_is_better { Direction::Higher } else { Direction::Lower };
        row.absolute = effect(paired.improvement(name, direction, Scale::Absolute, options.resamples, options.seed)?, options.level);
        row.relative = effect(paired.improvement(name, direction, Scale::Relative, options.resamples, options.seed)?, options.level);
        let binary = a.iter().chain(&b).all(|v| *v == 0.0 || *v == 1.0);
        if binary {
            let test = mcnemar(&a.iter().map(|v| *v == 1.0).collect::<Vec<_>>(), &b.iter().map(|v| *v == 1.0).collect::<Vec<_>>());
            row.test = "exact McNemar".to_string();
            row.p_value = test.ok().map(|t| t.p_exact);
        } else {
            let test = permutation(&a, &b, options.resamples, options.seed);
            row.test = match &test {
                Ok(t) if t.exhaustive => "paired permutation (exhaustive)".to_string(),
                _ => format!("paired permutation ({} resamples)", options.resamples),
            };
            row.p_value = test.ok().map(|t| t.p_value);
        }
        metrics.push(row);
    }
    if metrics.is_empty() {
        return Err(Error::new("the runs share no metric"));
    }
    Ok(Comparison { warnings, level: options.level, metrics })
}
