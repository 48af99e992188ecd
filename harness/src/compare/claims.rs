//! Claims as code: `claims.toml` states what a grantee claims, `claimbench claim check` says
//! whether the runs support it.
//!
//! ```toml
//! level = 0.95
//! [[claim]]
//! id = "reasoning-gain"
//! suite = "gsm8k"
//! metric = "accuracy"
//! baseline = "runs/gsm8k-base-…"      # run directories, relative to this file
//! candidate = "runs/gsm8k-new-…"
//! kind = "relative-improvement"        # absolute-improvement | relative-improvement | speed-up | non-inferiority
//! threshold = 0.28                     # improvement kinds and speed-up
//! # margin = 0.01                      # non-inferiority
//! ```

use super::{speedup, CompareOptions, Paired};
use crate::error::{Error, Result};
use crate::fsutil::read_to_string;
use crate::spec::{error_at_span, parse_toml};
use crate::stats::bootstrap::Method;
use crate::stats::claims::{check, ClaimKind, ClaimOutcome, Verdict};
use crate::stats::paired::{Direction, Scale};
use crate::stats::power::items_to_resolve;
use serde::{Deserialize, Serialize};
use std::path::Path;
use toml::Spanned;

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct ClaimsFile {
    #[serde(default = "default_level")]
    level: f64,
    #[serde(default)]
    seed: u64,
    #[serde(default = "default_resamples")]
    resamples: usize,
    claim: Vec<ClaimSpec>,
}

fn default_level() -> f64 {
    0.95
}
fn default_resamples() -> usize {
    crate::stats::bootstrap::DEFAULT_RESAMPLES
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct ClaimSpec {
    id: Spanned<String>,
    #[serde(default)]
    description: String,
    suite: Spanned<String>,
    metric: Spanned<String>,
    baseline: Spanned<String>,
    candidate: Spanned<String>,
    kind: Spanned<Kind>,
    #[serde(default)]
    threshold: Option<Spanned<f64>>,
    #[serde(default)]
    margin: Option<Spanned<f64>>,
    /// Which way is better; by default the metric's own direction.
    #[serde(default)]
    direction: Option<Direction>,
    #[serde(default)]
    level: Option<f64>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Kind {
    AbsoluteImprovement,
    RelativeImprovement,
    SpeedUp,
    NonInferiority,
}

impl Kind {
    pub fn name(self) -> &'static str {
        match self {
            Kind::AbsoluteImprovement => "absolute-improvement",
            Kind::RelativeImprovement => "relative-improvement",
            Kind::SpeedUp => "speed-up",
            Kind::NonInferiority => "non-inferiority",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ClaimResult {
    pub id: String,
    pub description: String,
    pub metric: String,
    pub kind: Kind,
    pub baseline: String,
    pub candidate: String,
    pub outcome: ClaimOutcome,
    pub n_paired: usize,
    /// For an inconclusive claim: how many more paired items would settle it, at the current
    /// estimate and spread; `None` when no number would (the estimate sits on the threshold).
    pub more_items_needed: Option<usize>,
    /// Why a verdict was held back (e.g. a speed claim across different hardware).
    pub notes: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ClaimsReport {
    pub file: String,
    pub warnings: Vec<String>,
    pub claims: Vec<ClaimResult>,
}

pub fn check_claims(path: &Path, options: &CompareOptions) -> Result<ClaimsReport> {
    let text = read_to_string(path)?;
    let file: ClaimsFile = parse_toml(path, &text)?;
    crate::stats::bootstrap::check_resamples(file.resamples)
        .map_err(|why| Error::in_file(path, format!("resamples = {}: {why}", file.resamples)))?;
    let base = path.parent().unwrap_or(Path::new("."));
    let at = |span: std::ops::Range<usize>, message: String| error_at_span(path, &text, span, message);
    let mut report = ClaimsReport { file: path.display().to_string(), warnings: Vec::new(), claims: Vec::new() };
    for spec in &file.claim {
        let id = spec.id.get_ref();
        let run_dir = |run: &Spanned<String>, role: &str| {
            let dir = base.join(run.get_ref());
            if dir.join(crate::store::MANIFEST).is_file() {
                Ok(dir)
            } else {
                Err(at(run.span(), format!("claim '{id}': {role} run {} not found", dir.display())))
            }
        };
        let (baseline, candidate) = (run_dir(&spec.baseline, "baseline")?, run_dir(&spec.candidate, "candidate")?);
        let level = spec.level.unwrap_or(file.level);
        // Errors from the comparison itself name the claim's place in the file.
        let in_claim = |e: Error| at(spec.id.span(), format!("claim '{id}': {e}"));
        let paired = Paired::load(&baseline, &candidate, &CompareOptions { level, ..options.clone() }).map_err(in_claim)?;
        if paired.baseline.manifest.suite.id != *spec.suite.get_ref() {
            return Err(at(
                spec.suite.span(),
                format!("claim '{id}': the runs are of suite '{}', not '{}'", paired.baseline.manifest.suite.id, spec.suite.get_ref()),
            ));
        }
        let metric = spec.metric.get_ref();
        let Some(metric_value) = paired.baseline.metrics.metrics.get(metric) else {
            let known: Vec<&str> = paired.baseline.metrics.metrics.keys().map(String::as_str).collect();
            return Err(at(
                spec.metric.span(),
                format!("claim '{id}': no metric '{metric}' in the runs (they have: {})", known.join(", ")),
            ));
        };
        let (a, b) = paired.values(metric).map_err(in_claim)?;
        let kind = *spec.kind.get_ref();
        let direction = spec.direction.unwrap_or(if metric_value.higher_is_better { Direction::Higher } else { Direction::Lower });
        if kind == Kind::SpeedUp && !metric_value.speed {
            return Err(at(
                spec.kind.span(),
                format!(
                    "claim '{id}': kind speed-up needs a speed metric, and '{metric}' is not one (use absolute-improvement or relative-improvement)"
                ),
            ));
        }
        // NaN would make every verdict inconclusive, and an infinite bound every claim trivial.
        let needs = |value: &Option<Spanned<f64>>, what: &str| match value {
            None => Err(at(spec.kind.span(), format!("claim '{id}': kind {} needs `{what}`", kind.name()))),
            Some(v) if !v.get_ref().is_finite() => {
                Err(at(v.span(), format!("claim '{id}': {what} must be a finite number, not {}", v.get_ref())))
            }
            Some(v) => Ok(*v.get_ref()),
        };
        let (distribution, claim_kind) = match kind {
            Kind::AbsoluteImprovement => (
                paired.improvement(metric, direction, Scale::Absolute, file.resamples, file.seed).map_err(in_claim)?,
                ClaimKind::AtLeast { threshold: needs(&spec.threshold, "threshold")? },
            ),
            Kind::RelativeImprovement => (
                paired.improvement(metric, direction, Scale::Relative, file.resamples, file.seed).map_err(in_claim)?,
                ClaimKind::AtLeast { threshold: needs(&spec.threshold, "threshold")? },
            ),
            Kind::NonInferiority => (
                paired.improvement(metric, direction, Scale::Absolute, file.resamples, file.seed).map_err(in_claim)?,
                ClaimKind::NonInferior { margin: needs(&spec.margin, "margin")? },
            ),
            Kind::SpeedUp => (
                speedup(&a, &b, direction == Direction::Higher, file.resamples, file.seed),
                ClaimKind::AtLeast { threshold: needs(&spec.threshold, "threshold")? },
            ),
        };
        let distribution = distribution.map_err(|e| in_claim(Error::new(e.to_string())))?;
        let mut outcome = check(&distribution, claim_kind, level, Method::Percentile).map_err(|e| in_claim(Error::new(e.to_string())))?;
        let mut notes = paired.warnings.clone();
        if kind == Kind::SpeedUp || metric_value.speed {
            let hardware = paired.hardware_differences();
            if !hardware.is_empty() {
                if options.allow_cross_hardware {
                    notes.push(format!("CROSS-HARDWARE: {}", hardware.join("; ")));
                } else {
                    // A speed-up measured on different machines is no evidence for the claim.
                    outcome.verdict = Verdict::Inconclusive;
                    notes.push(format!(
                        "speed claim not counted: different hardware ({}); --allow-cross-hardware counts it",
                        hardware.join("; ")
                    ));
                }
            }
        }
        let candidate_metric = paired.candidate.metrics.metrics.get(metric).unwrap_or(metric_value);
        let invalid = crate::compare::invalid_reason(metric_value, candidate_metric);
        if let Some(reason) = &invalid {
            // A figure from a run that failed its accuracy gate is no evidence either way.
            outcome.verdict = Verdict::Inconclusive;
            notes.push(format!("not counted: {reason}"));
        }
        let more_items_needed = (outcome.verdict == Verdict::Inconclusive && invalid.is_none())
            .then(|| items_to_resolve(a.len(), outcome.estimate, outcome.interval.low, outcome.interval.high, outcome.threshold))
            .flatten()
            .map(|needed| needed.saturating_sub(a.len()));
        report.warnings.extend(paired.warnings.iter().map(|w| format!("claim '{id}': {w}")));
        report.claims.push(ClaimResult {
            id: id.clone(),
            description: spec.description.clone(),
            metric: metric.clone(),
            kind,
            baseline: paired.baseline.manifest.run_id.clone(),
            candidate: paired.candidate.manifest.run_id.clone(),
            outcome,
            n_paired: a.len(),
            more_items_needed,
            notes,
        });
    }
    if report.claims.is_empty() {
        return Err(Error::in_file(path, "lists no [[claim]]"));
    }
    Ok(report)
}
