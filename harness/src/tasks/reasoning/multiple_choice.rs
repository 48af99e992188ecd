//! Multiple choice: each record has a question, its choices and the index of the right one.
//! In `loglikelihood` mode the system scores every choice as a continuation of the prompt; the
//! most likely choice is the answer (`accuracy`), and the most likely per byte (`acc_norm`, as
//! lm-evaluation-harness normalises). In `letter` mode the choices are listed as A, B, C… and
//! the first such letter the model writes is its answer.

use crate::data::load_records;
use crate::error::{Error, Result};
use crate::spec::dataset::Dataset;
use crate::spec::suite::{ChoiceMode, Suite, TaskKind};
use crate::tasks::{PreparedTask, Score, TaskItem};
use serde_json::Value;

/// Bump when choosing or extracting answers changes.
pub const SCORING_VERSION: &str = "reasoning.multiple_choice/1";

/// The measure holding 1 when the length-normalised choice is right.
pub const CORRECT_NORM: &str = "correct_norm";

const LETTERS: &[u8] = b"ABCDEFGHIJ";

pub fn letter(index: usize) -> String {
    (LETTERS[index] as char).to_string()
}

pub fn prepare(suite: &Suite, dataset: &Dataset) -> Result<PreparedTask> {
    let spec = &suite.spec;
    let mode = spec.multiple_choice.as_ref().map(|m| m.get_ref().mode).unwrap_or(ChoiceMode::Loglikelihood);
    let prefix = spec.multiple_choice.as_ref().map(|m| m.get_ref().choice_prefix.clone()).unwrap_or_default();
    if spec.fewshot.k > 0 {
        return Err(Error::in_file(&suite.path, "few-shot examples are not supported for multiple-choice suites; set fewshot.k = 0"));
    }
    let source = load_records(dataset, &spec.dataset.file)?;
    let mut items = Vec::with_capacity(source.records.len());
    for record in &source.records {
        let at = |message: String| record.error(message);
        let question = record.string_field("question")?;
        let choices: Vec<String> = match record.fields.get("choices") {
            Some(Value::Array(list)) => list
                .iter()
                .map(|c| c.as_str().map(str::to_string).ok_or_else(|| at("every choice must be a string".into())))
                .collect::<Result<_>>()?,
            _ => return Err(at("field 'choices' must be a list of strings".into())),
        };
        if !(2..=LETTERS.len()).contains(&choices.len()) {
            return Err(at(format!("{} choices; a question needs 2 to {}", choices.len(), LETTERS.len())));
        }
        let answer = record
            .fields
            .get("answer")
            .and_then(Value::as_u64)
            .map(|a| a as usize)
            .filter(|&a| a < choices.len())
            .ok_or_else(|| at(format!("field 'answer' must be the index (0 to {}) of the right choice", choices.len() - 1)))?;
        let body = match mode {
            ChoiceMode::Loglikelihood => question.to_string(),
            ChoiceMode::Letter => {
                let listed: Vec<String> = choices.iter().enumerate().map(|(i, c)| format!("{}. {c}", letter(i))).collect();
                format!("{question}\n{}", listed.join("\n"))
            }
        };
        let prompt = crate::spec::template::render(spec.prompt.template.get_ref(), &[("question", &body)]);
        items.push(TaskItem {
            id: record.id.clone(),
            index: record.index,
            prompt,
            reference: letter(answer),
            preview: crate::text::shorten(question, 80),
            simulation: None,
            audio: None,
            choices: Some(crate::tasks::Choices {
                continuations: choices.iter().map(|c| format!("{prefix}{c}")).collect(),
                by_loglikelihood: mode == ChoiceMode::Loglikelihood,
                rolling: false,
            }),
        });
    }
    Ok(PreparedTask { kind: TaskKind::ReasoningMultipleChoice, items, source, fewshot_ids: Vec::new() })
}

/// The log-likelihoods of `n` choices a system answered with (`{"logprobs": [...]}`).
pub fn logprobs_of(output: &str, n: usize) -> Option<Vec<f64>> {
    serde_json::from_str::<Value>(output)
        .ok()
        .and_then(|v| v.get("logprobs")?.as_array()?.iter().map(Value::as_f64).collect::<Option<Vec<f64>>>())
        .filter(|l| l.len() == n)
}

/// The index of the largest value; ties go to the first (as numpy's argmax).
pub fn best(values: &[f64]) -> Option<usize> {
    let mut best: Option<usize> = None;
    for (i, v) in values.iter().enumerate() {
        if v.is_finite() && best.is_none_or(|b| *v > values[b]) {
            best = Some(i);
        }
    }
    best
}

/// `reasoning.multiple_choice`.
pub static TASK: super::TextTask = super::TextTask {
    kind: TaskKind::ReasoningMultipleChoice,
    scoring_version: SCORING_VERSION,
    metrics: &METRICS,
    prepare,
    score: |_, item, output| score(item, output),
};

/// The share of items whose most likely choice per byte is right (lm-evaluation-harness's).
pub const ACC_NORM: crate::tasks::MetricDef = crate::tasks::MetricDef {
    name: "acc_norm",
    higher_is_better: true,
    speed: false,
    role: crate::tasks::Role::Quality,
    items: crate::tasks::ItemValues::Mean(|s| s.measures.get(CORRECT_NORM).copied()),
};

const METRICS: [crate::tasks::MetricDef; 7] = {
    let [a, b, c, d, e] = super::TIMINGS;
    [super::ACCURACY, ACC_NORM, a, b, c, d, e]
};

pub fn score(item: &TaskItem, output: &str) -> Score {
    let mut score = Score { extracted: None, correct: false, measures: Default::default(), annotations: Default::default() };
    let Some(item_choices) = &item.choices else { return score };
    let choices = &item_choices.continuations;
    match item_choices.by_loglikelihood {
        true => {
            let Some(logprobs) = logprobs_of(output, choices.len()) else { return score };
            let per_byte: Vec<f64> = logprobs.iter().zip(choices).map(|(l, c)| l / c.len().max(1) as f64).collect();
            score.extracted = best(&logprobs).map(letter);
            score.correct = score.extracted.as_deref() == Some(item.reference.as_str());
            let norm = best(&per_byte).map(letter);
            score.measures.insert(CORRECT_NORM.to_string(), f64::from(u8::from(norm.as_deref() == Some(item.reference.as_str()))));
        }
        false => {
            score.extracted = extract_letter(output, choices.len());
            score.correct = score.extracted.as_deref() == Some(item.reference.as_str());
        }
    }
    score
}

/// The first standalone capital letter that names one of `n` choices (`B`, `B.`, `(B)`,
/// `Answer: B`).
pub fn extract_letter(output: &str, n: usize) -> Option<String> {
    let bytes = output.as_bytes();
    let valid = &LETTERS[..n.min(LETTERS.len())];
    for (i, &b) in bytes.iter().enumerate() {
        if !valid.contains(&b) {
            continue;
        }
        let before_ok = i == 0 || !bytes[i - 1].is_ascii_alphanumeric();
        let after_ok = i + 1 == bytes.len() || !bytes[i + 1].is_ascii_alphanumeric();
        if before_ok && after_ok {
            return Some((b as char).to_string());
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    fn item(choices: Vec<&str>, by_loglikelihood: bool) -> TaskItem {
        TaskItem {
            id: "q".into(),
            index: 0,
            prompt: String::new(),
            reference: "B".into(),
            preview: String::new(),
            simulation: None,
            audio: None,
            choices: Some(crate::tasks::Choices {
                continuations: choices.into_iter().map(str::to_string).collect(),
                by_loglikelihood,
                rolling: false,
            }),
        }
    }

    #[test]
    fn loglikelihood_picks_the_likeliest_and_normalises_by_bytes() {
        let it = item(vec![" 7", " 1000"], true);
        // Raw: choice A is likelier; per byte (2 vs 5 bytes): B is.
        let s = score(&it, r#"{"logprobs": [-3.0, -4.0]}"#);
        assert_eq!((s.extracted.as_deref(), s.correct, s.measures[CORRECT_NORM]), (Some("A"), false, 1.0));
        let broken = score(&it, "not json");
        assert_eq!((broken.extracted, broken.correct), (None, false));
        assert_eq!(score(&it, r#"{"logprobs": [-1.0]}"#).extracted, None);
    }

    #[test]
    fn letters_are_read_when_standalone() {
        assert_eq!(extract_letter("The answer is B.", 4), Some("B".into()));
        assert_eq!(extract_letter("(C) because", 4), Some("C".into()));
        assert_eq!(extract_letter("Because of D", 4), Some("D".into()));
        assert_eq!(extract_letter("Apples cost", 4), None);
        assert_eq!(extract_letter("I think E, no: A", 4), Some("A".into()));
        let s = score(&item(vec!["1", "2"], false), "B");
        assert!(s.correct);
    }
}
