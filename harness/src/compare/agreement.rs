//! How closely two runs of the same items agree, output by output: identical outputs, the same
//! extracted answer, token-level agreement of generations (with a tokenizer), and for
//! log-likelihood runs the same choice and how far the log-likelihoods differ. For checking that
//! two ways of running one model (a server and the built-in engine) give the same answers.

use crate::error::{Error, Result};
use crate::store::StoredRun;
use serde::Serialize;
use std::collections::HashMap;

#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct Agreement {
    /// Items both runs have.
    pub items: usize,
    pub identical_outputs: usize,
    pub same_answer: usize,
    pub same_answer_rate: f64,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub tokens: Option<TokenAgreement>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub loglikelihood: Option<LoglikelihoodAgreement>,
}

#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct TokenAgreement {
    /// Items whose generations are the same token sequence.
    pub identical_items: usize,
    pub identical_rate: f64,
    /// Tokens before the first difference, summed, over the longer generation's tokens, summed.
    pub agreement_rate: f64,
    pub tokens_compared: usize,
}

#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct LoglikelihoodAgreement {
    /// Continuations compared.
    pub values: usize,
    pub max_abs_diff: f64,
    pub mean_abs_diff: f64,
    /// The largest difference divided by the continuation's tokens.
    pub max_abs_diff_per_token: f64,
}

fn scores(output: &str) -> Option<(Vec<f64>, Vec<usize>)> {
    let value: serde_json::Value = serde_json::from_str(output).ok()?;
    let logprobs = value.get("logprobs")?.as_array()?.iter().map(|v| v.as_f64()).collect::<Option<Vec<_>>>()?;
    let tokens = value.get("tokens")?.as_array()?.iter().map(|v| v.as_u64().map(|t| t as usize)).collect::<Option<Vec<_>>>()?;
    Some((logprobs, tokens))
}

/// Turns an output into token ids.
pub type Tokenize<'a> = &'a dyn Fn(&str) -> Vec<u32>;

/// Agreement of `b` with `a` over the items both have; `tokenize` turns outputs into tokens.
pub fn agreement(a: &StoredRun, b: &StoredRun, tokenize: Option<Tokenize<'_>>) -> Result<Agreement> {
    if a.manifest.suite.id != b.manifest.suite.id {
        return Err(Error::new(format!("runs are of different suites ({} and {})", a.manifest.suite.id, b.manifest.suite.id)));
    }
    let by_id: HashMap<&str, &crate::store::samples::Sample> = b.samples.iter().map(|s| (s.id.as_str(), s)).collect();
    let pairs: Vec<_> = a.samples.iter().filter_map(|s| by_id.get(s.id.as_str()).map(|t| (s, *t))).collect();
    if pairs.is_empty() {
        return Err(Error::new("the runs have no items in common"));
    }
    let identical_outputs = pairs.iter().filter(|(x, y)| x.output == y.output).count();
    let same_answer = pairs.iter().filter(|(x, y)| x.extracted == y.extracted).count();
    let mut diffs: Vec<(f64, usize)> = Vec::new();
    for (x, y) in &pairs {
        if let (Some((lx, tx)), Some((ly, _))) = (scores(&x.output), scores(&y.output)) {
            diffs.extend(lx.iter().zip(&ly).zip(&tx).map(|((p, q), t)| ((p - q).abs(), *t)));
        }
    }
    let loglikelihood = (!diffs.is_empty()).then(|| LoglikelihoodAgreement {
        values: diffs.len(),
        max_abs_diff: diffs.iter().map(|d| d.0).fold(0.0, f64::max),
        mean_abs_diff: diffs.iter().map(|d| d.0).sum::<f64>() / diffs.len() as f64,
        max_abs_diff_per_token: diffs.iter().map(|(d, t)| d / (*t).max(1) as f64).fold(0.0, f64::max),
    });
    let tokens = match tokenize {
        Some(tokenize) if loglikelihood.is_none() => {
            let (mut identical, mut agreeing, mut compared) = (0, 0, 0);
            for (x, y) in &pairs {
                let (tx, ty) = (tokenize(&x.output), tokenize(&y.output));
                let prefix = tx.iter().zip(&ty).take_while(|(p, q)| p == q).count();
                identical += usize::from(tx == ty);
                agreeing += prefix;
                compared += tx.len().max(ty.len());
            }
            Some(TokenAgreement {
                identical_items: identical,
                identical_rate: identical as f64 / pairs.len() as f64,
                agreement_rate: if compared == 0 { 1.0 } else { agreeing as f64 / compared as f64 },
                tokens_compared: compared,
            })
        }
        _ => None,
    };
    Ok(Agreement {
        items: pairs.len(),
        identical_outputs,
        same_answer,
        same_answer_rate: same_answer as f64 / pairs.len() as f64,
        tokens,
        loglikelihood,
    })
}
