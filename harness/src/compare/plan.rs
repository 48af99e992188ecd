//! `claimbench plan`: how many items a claim needs, and what the current test set can resolve.

use super::{CompareOptions, Paired};
use crate::error::{Error, Result};
use crate::stats::power::{mcnemar_mde, mcnemar_sample_size};
use serde::{Deserialize, Serialize};
use std::path::Path;

#[derive(Debug, Clone)]
pub struct PlanRequest<'a> {
    /// Items the suite scores.
    pub suite_items: usize,
    /// Improvement in accuracy to detect, absolute or relative to the baseline.
    pub effect: f64,
    pub relative: bool,
    pub baseline_accuracy: Option<f64>,
    /// Baseline and candidate runs whose disagreement rate stands in for the new comparison's.
    pub pilot: Option<(&'a Path, &'a Path)>,
    pub level: f64,
    pub power: f64,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Plan {
    pub suite_items: usize,
    pub baseline_accuracy: f64,
    pub absolute_effect: f64,
    /// Share of items on which the two systems disagree.
    pub discordance: f64,
    pub discordance_from: String,
    pub items_needed: u64,
    pub suite_is_large_enough: bool,
    /// Smallest absolute accuracy gain the suite's items detect with the requested power.
    pub minimum_detectable_effect: f64,
    pub level: f64,
    pub power: f64,
}

pub fn plan(request: &PlanRequest<'_>) -> Result<Plan> {
    let alpha = 1.0 - request.level;
    let (baseline_accuracy, discordance, discordance_from) = match request.pilot {
        Some((a, b)) => {
            let paired = Paired::load(a, b, &CompareOptions::default())?;
            let (x, y) = paired.values("accuracy")?;
            let n = x.len() as f64;
            let disagree = x.iter().zip(&y).filter(|(p, q)| p != q).count() as f64 / n;
            (x.iter().sum::<f64>() / n, disagree, format!("pilot runs {} and {}", a.display(), b.display()))
        }
        None => {
            let p = request.baseline_accuracy.ok_or_else(|| Error::new("plan needs --baseline-accuracy or --pilot BASELINE CANDIDATE"))?;
            if !(0.0..=1.0).contains(&p) {
                return Err(Error::new(format!("--baseline-accuracy must lie in [0, 1], got {p}")));
            }
            let q = effect_of(request, p);
            // Without a pilot, assume the systems err independently: a conservative guess.
            (p, p * (1.0 - (p + q)) + (p + q) * (1.0 - p), "independent errors (no pilot given)".to_string())
        }
    };
    let effect = effect_of(request, baseline_accuracy);
    if effect.is_nan() || effect <= 0.0 || discordance < effect {
        return Err(Error::new(format!(
            "an accuracy gain of {effect:.4} is not reachable with the systems disagreeing on {:.1}% of items",
            discordance * 100.0
        )));
    }
    let items_needed = mcnemar_sample_size((discordance - effect) / 2.0, (discordance + effect) / 2.0, alpha, request.power)
        .map_err(|e| Error::new(format!("plan: {e}")))?;
    let mde = mcnemar_mde(request.suite_items as u64, discordance, alpha, request.power).map_err(|e| Error::new(format!("plan: {e}")))?;
    Ok(Plan {
        suite_items: request.suite_items,
        baseline_accuracy,
        absolute_effect: effect,
        discordance,
        discordance_from,
        items_needed,
        suite_is_large_enough: items_needed <= request.suite_items as u64,
        minimum_detectable_effect: mde,
        level: request.level,
        power: request.power,
    })
}

fn effect_of(request: &PlanRequest<'_>, baseline_accuracy: f64) -> f64 {
    if request.relative {
        request.effect * baseline_accuracy
    } else {
        request.effect
    }
}
