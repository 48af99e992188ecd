//! GSM8K: grade-school maths word problems; the reference answer is the number after `####`.

use super::extract::{extract, extract_strict};
use crate::data::{load_records, Record};
use crate::error::{Error, Result};
use crate::spec::dataset::Dataset;
use crate::spec::suite::{Extraction, Suite, TaskKind};
use crate::spec::template;
use crate::stats::rng::Rng;
use crate::tasks::{PreparedTask, Score, TaskItem};
use std::path::Path;

/// Bump when extraction or normalisation changes what counts as correct.
pub const SCORING_VERSION: &str = "reasoning.gsm8k/1";

struct Problem<'a> {
    record: &'a Record,
    question: &'a str,
    solution: &'a str,
    reference: String,
}

fn problem(record: &Record) -> Result<Problem<'_>> {
    let question = record.string_field("question")?;
    let solution = record.string_field("answer")?;
    let reference = extract_strict(solution).ok_or_else(|| record.error("field 'answer' has no final '#### NUMBER'"))?;
    Ok(Problem { record, question, solution, reference })
}

pub fn prepare(suite: &Suite, dataset: &Dataset) -> Result<PreparedTask> {
    let spec = &suite.spec;
    let source = load_records(dataset, &spec.dataset.file)?;
    let problems = source.records.iter().map(problem).collect::<Result<Vec<_>>>()?;

    let fewshot = &spec.fewshot;
    let mut excluded = vec![false; problems.len()];
    let examples: Vec<(String, String)> = if fewshot.k == 0 {
        Vec::new()
    } else if let Some(key) = &fewshot.file {
        let pool_file = load_records(dataset, key)?;
        let pool = pool_file.records.iter().map(problem).collect::<Result<Vec<_>>>()?;
        choose(fewshot.k, pool.len(), fewshot.seed, &suite.path)?
            .into_iter()
            .map(|i| (pool[i].question.to_string(), pool[i].solution.to_string()))
            .collect()
    } else {
        // Examples come from the scored file; they are then left out of scoring.
        let chosen = choose(fewshot.k, problems.len().saturating_sub(1), fewshot.seed, &suite.path)?;
        chosen
            .into_iter()
            .map(|i| {
                excluded[i] = true;
                (problems[i].question.to_string(), problems[i].solution.to_string())
            })
            .collect()
    };
    let mut prefix = String::new();
    for (question, answer) in &examples {
        prefix.push_str(&template::render(spec.prompt.example_template.get_ref(), &[("question", question), ("answer", answer)]));
        prefix.push_str(&spec.prompt.separator);
    }

    let fewshot_ids = problems.iter().zip(&excluded).filter(|(_, &ex)| ex).map(|(p, _)| p.record.id.clone()).collect();
    let items = problems
        .iter()
        .zip(&excluded)
        .filter(|(_, &ex)| !ex)
        .map(|(p, _)| TaskItem {
            id: p.record.id.clone(),
            index: p.record.index,
            prompt: format!("{prefix}{}", template::render(spec.prompt.template.get_ref(), &[("question", p.question)])),
            reference: p.reference.clone(),
            preview: preview(p.question),
            simulation: None,
            audio: None,
            choices: None,
        })
        .collect();
    Ok(PreparedTask { kind: TaskKind::ReasoningGsm8k, items, source, fewshot_ids })
}

/// `k` distinct indices below `n`, from the seed alone.
fn choose(k: usize, n: usize, seed: u64, suite_path: &Path) -> Result<Vec<usize>> {
    if k > n {
        return Err(Error::in_file(suite_path, format!("fewshot.k = {k} but only {n} examples are available")));
    }
    let mut indices: Vec<usize> = (0..n).collect();
    Rng::new(seed).shuffle(&mut indices);
    indices.truncate(k);
    Ok(indices)
}

fn preview(text: &str) -> String {
    crate::text::shorten(text, 80)
}

/// `reasoning.gsm8k`.
pub static TASK: super::TextTask = super::TextTask {
    kind: TaskKind::ReasoningGsm8k,
    scoring_version: SCORING_VERSION,
    metrics: &METRICS,
    prepare,
    score: |suite, item, output| score(suite.spec.scoring.extraction, item, output),
};

const METRICS: [crate::tasks::MetricDef; 6] = {
    let [a, b, c, d, e] = super::TIMINGS;
    [super::ACCURACY, a, b, c, d, e]
};

pub fn score(mode: Extraction, item: &TaskItem, output: &str) -> Score {
    let extracted = extract(mode, output);
    let correct = extracted.as_deref() == Some(item.reference.as_str());
    Score { extracted, correct, measures: Default::default(), annotations: Default::default() }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn previews_are_short_and_flat() {
        assert_eq!(preview("a\n b"), "a b");
        let long = "x".repeat(200);
        assert_eq!(preview(&long).chars().count(), 80);
    }

    #[test]
    fn choose_is_deterministic_and_distinct() {
        let a = choose(5, 100, 3, Path::new("s.toml")).unwrap();
        assert_eq!(a, choose(5, 100, 3, Path::new("s.toml")).unwrap());
        let mut sorted = a.clone();
        sorted.sort();
        sorted.dedup();
        assert_eq!(sorted.len(), 5);
        assert!(choose(5, 4, 3, Path::new("s.toml")).is_err());
    }
}
