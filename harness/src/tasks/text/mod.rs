//! `text` suites: any text benchmark, declared as lm-evaluation-harness declares one. The prompt,
//! the target and the choices are each a record field's name or a Jinja template over the
//! record (`spec::jinja`); the context is the description followed by the prompt; a
//! `multiple_choice` suite asks for each choice's log-likelihood after it (with the target
//! delimiter in front), a `generate_until` suite for a generation whose answer the filters pick
//! out, a `loglikelihood` suite for the target's log-likelihood after the context, and a
//! `loglikelihood_rolling` suite for the whole target's from its start. Metrics: `accuracy` and
//! `acc_norm` (per character, as lm-eval's `acc_norm`) for multiple choice; `exact_match`
//! (lm-eval's options) and `f1` (SQuAD's token F1) for generation; `perplexity` and `accuracy`
//! (the target is the greedy continuation) for log-likelihood; `word_perplexity`,
//! `byte_perplexity` and `bits_per_byte` for whole texts, each a ratio of sums over items as
//! lm-eval aggregates them. Runs imported from Inspect score a generation with Inspect's scorer
//! instead (`inspect`: `accuracy`).

pub mod filters;
pub mod inspect;
pub mod metrics;

use crate::data::{load_records, Record};
use crate::error::{Error, Result};
use crate::spec::dataset::Dataset;
use crate::spec::jinja;
use crate::spec::suite::{ChoiceSource, OutputType, Suite, TargetSource, TaskKind, TextSpec};
use crate::tasks::reasoning::multiple_choice::{best, logprobs_of, ACC_NORM, CORRECT_NORM};
use crate::tasks::reasoning::{TextTask, ACCURACY, TIMINGS};
use crate::tasks::{Choices, ItemValues, Link, MetricDef, PreparedTask, Role, Score, TaskItem};
use minijinja::value::{Value, ValueKind};
use minijinja::Environment;

/// Bump when prompts, filters or metrics change.
pub const SCORING_VERSION: &str = "text/2";

/// A target's summed log-likelihood, and the words and UTF-8 bytes of a whole text.
pub const LOGLIKELIHOOD: &str = "loglikelihood";
pub const WORDS: &str = "words";
pub const BYTES: &str = "bytes";

pub const EXACT_MATCH: MetricDef = MetricDef {
    name: "exact_match",
    higher_is_better: true,
    speed: false,
    role: Role::Headline,
    items: ItemValues::Mean(|s| s.measures.get("exact_match").copied()),
};

/// SQuAD's token F1 between the filtered answer and the target.
pub const F1: MetricDef = MetricDef {
    name: "f1",
    higher_is_better: true,
    speed: false,
    role: Role::Quality,
    items: ItemValues::Mean(|s| s.measures.get("f1").copied()),
};

/// A sample's negative log-likelihood (in nats) over its `per` measure.
fn nats_per(sample: &crate::store::samples::Sample, per: &str) -> Option<(f64, f64)> {
    let m = |k: &str| sample.measures.get(k).copied();
    Some((-m(LOGLIKELIHOOD)?, if per.is_empty() { 1.0 } else { m(per)? }))
}

/// A perplexity-family metric, lower is better: a ratio of sums over items through `link`.
const fn perplexity(name: &'static str, role: Role, parts: crate::tasks::RatioParts, link: Link) -> MetricDef {
    MetricDef { name, higher_is_better: false, speed: false, role, items: ItemValues::Ratio { parts, link } }
}

/// lm-eval's `perplexity` (`exp` of the mean negative log-likelihood per target) and, for whole
/// texts, `word_perplexity`, `byte_perplexity` (per whitespace-separated word and per UTF-8
/// byte) and `bits_per_byte`.
pub const PERPLEXITIES: [MetricDef; 4] = [
    perplexity("perplexity", Role::Headline, |s| nats_per(s, ""), Link::Exp),
    perplexity("word_perplexity", Role::Headline, |s| nats_per(s, WORDS), Link::Exp),
    perplexity("byte_perplexity", Role::Detail, |s| nats_per(s, BYTES), Link::Exp),
    perplexity(
        "bits_per_byte",
        Role::Quality,
        |s| nats_per(s, BYTES).map(|(nats, bytes)| (nats / std::f64::consts::LN_2, bytes)),
        Link::Identity,
    ),
];

const METRICS: [MetricDef; 13] = {
    let [a, b, c, d, e] = TIMINGS;
    let [p, w, y, z] = PERPLEXITIES;
    [EXACT_MATCH, ACCURACY, F1, ACC_NORM, p, w, y, z, a, b, c, d, e]
};

/// `text`.
pub static TASK: TextTask = TextTask { kind: TaskKind::Text, scoring_version: SCORING_VERSION, metrics: &METRICS, prepare, score };

fn spec_of(suite: &Suite) -> Result<&TextSpec> {
    suite.spec.text.as_ref().map(|t| t.get_ref()).ok_or_else(|| Error::in_file(&suite.path, "a text suite needs a [text] table"))
}

pub fn prepare(suite: &Suite, dataset: &Dataset) -> Result<PreparedTask> {
    let spec = spec_of(suite)?;
    let env = jinja::environment();
    let source = load_records(dataset, &suite.spec.dataset.file)?;
    let mut shots = Shots::new(suite, dataset, &source)?;
    let mut items = Vec::with_capacity(source.records.len());
    for record in &source.records {
        let doc = Doc::new(record);
        let mut description =
            if spec.description.is_empty() { String::new() } else { render(&env, &spec.description, &doc, "description")? };
        description.push_str(&shots.examples_for(&env, spec, record)?);
        let text = text_of(&env, spec.doc_to_text.get_ref(), &doc)?;
        let choices = spec.doc_to_choice.as_ref().map(|c| choices_of(&env, c.get_ref(), &doc)).transpose()?;
        let target = target_of(&env, spec.doc_to_target.get_ref(), &doc, choices.is_some())?;
        let reference = match (&choices, target) {
            (Some(choices), Target::Index(i)) if i < choices.len() => match spec.output_type {
                OutputType::MultipleChoice => i.to_string(),
                _ => choices[i].clone(),
            },
            (Some(choices), Target::Index(i)) => {
                return Err(record.error(format!("doc_to_target: index {i} is past the {} choices", choices.len())))
            }
            (Some(choices), Target::Text(t)) => match choices.iter().position(|c| *c == t) {
                Some(i) if spec.output_type == OutputType::MultipleChoice => i.to_string(),
                Some(_) => t,
                None => return Err(record.error(format!("doc_to_target: {t:?} is not one of the choices"))),
            },
            (None, Target::Index(i)) => i.to_string(),
            (None, Target::Text(t)) => t,
        };
        let prompt = format!("{description}{text}");
        let scored = |continuations: Vec<String>, rolling: bool| Some(Choices { continuations, by_loglikelihood: true, rolling });
        let choices = match spec.output_type {
            OutputType::MultipleChoice => {
                scored(choices.unwrap_or_default().iter().map(|c| format!("{}{c}", spec.target_delimiter)).collect(), false)
            }
            OutputType::Loglikelihood => scored(vec![format!("{}{reference}", spec.target_delimiter)], false),
            // The whole target from its start: there is no prompt (the suite's check sees to it).
            OutputType::LoglikelihoodRolling => scored(vec![reference.clone()], true),
            OutputType::GenerateUntil => None,
        };
        items.push(TaskItem {
            id: record.id.clone(),
            index: record.index,
            preview: crate::text::shorten(&text, 80),
            prompt,
            reference,
            choices,
            ..TaskItem::default()
        });
    }
    Ok(PreparedTask { kind: TaskKind::Text, items, source, fewshot_ids: Vec::new() })
}

/// Few-shot examples as lm-eval draws them: one `random.Random(seed)` for the whole suite,
/// `sample(pool, k)` per item in dataset order, and when the examples come from the scored split,
/// `k + 1` drawn and the item itself left out.
struct Shots<'a> {
    k: usize,
    pool: std::borrow::Cow<'a, [Record]>,
    same_split: bool,
    random: crate::stats::python_random::PythonRandom,
    /// Each pool record's example text, rendered once.
    rendered: Vec<Option<String>>,
}

impl<'a> Shots<'a> {
    fn new(suite: &Suite, dataset: &Dataset, source: &'a crate::data::RecordFile) -> Result<Shots<'a>> {
        let fewshot = &suite.spec.fewshot;
        let same_split = fewshot.file.as_ref().is_none_or(|f| *f == suite.spec.dataset.file);
        let pool = match (&fewshot.file, fewshot.k) {
            (_, 0) => std::borrow::Cow::Borrowed(&[][..]),
            (Some(key), _) if !same_split => std::borrow::Cow::Owned(load_records(dataset, key)?.records),
            _ => std::borrow::Cow::Borrowed(&source.records[..]),
        };
        let needed = fewshot.k + usize::from(same_split);
        if fewshot.k > 0 && pool.len() < needed {
            return Err(Error::in_file(
                &suite.path,
                format!("fewshot.k = {} needs {needed} records to draw from; there are {}", fewshot.k, pool.len()),
            ));
        }
        let rendered = vec![None; pool.len()];
        Ok(Shots { k: fewshot.k, pool, same_split, random: crate::stats::python_random::PythonRandom::new(fewshot.seed), rendered })
    }

    fn examples_for(&mut self, env: &Environment<'_>, spec: &TextSpec, record: &Record) -> Result<String> {
        if self.k == 0 {
            return Ok(String::new());
        }
        let n = self.pool.len();
        let chosen = if self.same_split {
            let drawn = self.random.sample(n, self.k + 1).unwrap_or_default();
            let mut kept: Vec<usize> = drawn.into_iter().filter(|&i| self.pool[i].fields != record.fields).take(self.k).collect();
            if kept.len() < self.k {
                // Copies of the item itself were drawn: draw again from the pool without them.
                let others: Vec<usize> = (0..n).filter(|&i| self.pool[i].fields != record.fields).collect();
                let again = self
                    .random
                    .sample(others.len(), self.k)
                    .ok_or_else(|| record.error(format!("fewer than {} other records to draw examples from", self.k)))?;
                kept = again.into_iter().map(|i| others[i]).collect();
            }
            kept
        } else {
            self.random.sample(n, self.k).unwrap_or_default()
        };
        let mut text = String::new();
        for i in chosen {
            if self.rendered[i].is_none() {
                self.rendered[i] = Some(example(env, spec, &self.pool[i])?);
            }
            text.push_str(self.rendered[i].as_deref().unwrap_or_default());
        }
        Ok(text)
    }
}

/// One example as lm-eval writes it: the prompt, the target delimiter, the answer (the right
/// choice's text where there are choices) and the few-shot delimiter.
fn example(env: &Environment<'_>, spec: &TextSpec, record: &Record) -> Result<String> {
    let doc = Doc::new(record);
    let question = text_of(env, spec.doc_to_text.get_ref(), &doc)?;
    let choices = spec.doc_to_choice.as_ref().map(|c| choices_of(env, c.get_ref(), &doc)).transpose()?;
    let answer = match (target_of(env, spec.doc_to_target.get_ref(), &doc, choices.is_some())?, &choices) {
        (Target::Index(i), Some(choices)) => choices
            .get(i)
            .cloned()
            .ok_or_else(|| record.error(format!("doc_to_target: index {i} is past the {} choices", choices.len())))?,
        (Target::Index(i), None) => i.to_string(),
        (Target::Text(t), _) => t,
    };
    // lm-eval leaves out the delimiters of an example without an answer.
    if answer.is_empty() {
        return Ok(question);
    }
    Ok(format!("{question}{}{answer}{}", spec.target_delimiter, spec.fewshot_delimiter))
}

enum Target {
    Index(usize),
    Text(String),
}

/// A record, and its template context made the first time a template needs it (a suite that
/// names only fields never does).
struct Doc<'a> {
    record: &'a Record,
    context: std::cell::OnceCell<Value>,
}

impl<'a> Doc<'a> {
    fn new(record: &'a Record) -> Doc<'a> {
        Doc { record, context: std::cell::OnceCell::new() }
    }

    fn context(&self) -> &Value {
        self.context.get_or_init(|| Value::from_serialize(&self.record.fields))
    }
}

fn render(env: &Environment<'_>, template: &str, doc: &Doc<'_>, role: &str) -> Result<String> {
    env.render_str(template, doc.context()).map_err(|e| template_error(doc.record, role, &e))
}

/// A template's error on a record; for a name the record lacks, the names it has.
fn template_error(record: &Record, role: &str, e: &minijinja::Error) -> Error {
    let mut message = format!("{role}: {}", jinja::one_line(e));
    if e.kind() == minijinja::ErrorKind::UndefinedError {
        let names: Vec<&str> = record.fields.keys().map(String::as_str).collect();
        message.push_str(&format!("; the record has {}", names.join(", ")));
    }
    record.error(message)
}

/// A field's value or a template's result: the value itself for a lone `{{ expression }}`.
fn value_of(env: &Environment<'_>, source: &str, doc: &Doc<'_>, role: &str) -> Result<Value> {
    let record = doc.record;
    if let Some(field) = record.fields.get(source) {
        return Ok(Value::from_serialize(field));
    }
    if let Some(expression) = jinja::sole_expression(source) {
        let compiled = env.compile_expression(expression).map_err(|e| template_error(record, role, &e))?;
        let value = compiled.eval(doc.context()).map_err(|e| template_error(record, role, &e))?;
        if value.is_undefined() {
            return Err(record.error(format!("{role}: undefined value in '{source}'")));
        }
        return Ok(value);
    }
    render(env, source, doc, role).map(Value::from)
}

fn text_of(env: &Environment<'_>, source: &str, doc: &Doc<'_>) -> Result<String> {
    let value = value_of(env, source, doc, "doc_to_text")?;
    match value.as_str() {
        Some(text) => Ok(text.to_string()),
        None => Ok(python_str(&value)),
    }
}

/// lm-eval's rules: an integer (or a template rendering digits, when there are choices) is a
/// choice's index; anything else is the target's text.
fn target_of(env: &Environment<'_>, source: &TargetSource, doc: &Doc<'_>, has_choices: bool) -> Result<Target> {
    let record = doc.record;
    let source = match source {
        TargetSource::Index(i) => return Ok(Target::Index(*i as usize)),
        TargetSource::Text(source) => source,
    };
    let value = value_of(env, source, doc, "doc_to_target")?;
    let integer = value.as_i64().filter(|i| *i >= 0 && value.kind() == ValueKind::Number && !value.to_string().contains('.'));
    if let Some(i) = integer.filter(|_| has_choices || record.fields.contains_key(source)) {
        return Ok(Target::Index(i as usize));
    }
    if matches!(value.kind(), ValueKind::Seq) {
        return Err(record.error("doc_to_target: gives a list (several targets), which text suites do not support yet"));
    }
    let text = value.as_str().map(str::to_string).unwrap_or_else(|| python_str(&value));
    if has_choices && !text.is_empty() && text.bytes().all(|b| b.is_ascii_digit()) {
        return Ok(Target::Index(text.parse().map_err(|_| record.error(format!("doc_to_target: index {text} is too large")))?));
    }
    Ok(Target::Text(text))
}

fn choices_of(env: &Environment<'_>, source: &ChoiceSource, doc: &Doc<'_>) -> Result<Vec<String>> {
    let record = doc.record;
    let template = match source {
        ChoiceSource::List(list) => return Ok(list.clone()),
        ChoiceSource::Text(template) => template,
    };
    let value = value_of(env, template, doc, "doc_to_choice")?;
    let listed = match value.as_str() {
        // A template rendered to text holds a Python list literal.
        Some(text) => python_list(text).ok_or_else(|| record.error(format!("doc_to_choice: {text:?} is not a list of strings")))?,
        None => {
            let items = value.try_iter().map_err(|_| record.error(format!("doc_to_choice: {value} is not a list")))?;
            items
                .map(|c| c.as_str().map(str::to_string).ok_or_else(|| record.error(format!("doc_to_choice: choice {c} is not text"))))
                .collect::<Result<Vec<_>>>()?
        }
    };
    if listed.len() < 2 {
        return Err(record.error(format!("doc_to_choice: {} choices; a question needs two or more", listed.len())));
    }
    Ok(listed)
}

/// A value as Python's `str()` writes it (what lm-eval's templates and targets produce).
fn python_str(value: &Value) -> String {
    match value.kind() {
        ValueKind::Undefined | ValueKind::None => "None".to_string(),
        ValueKind::Bool => if value.is_true() { "True" } else { "False" }.to_string(),
        ValueKind::Number => match (value.as_i64(), f64::try_from(value.clone())) {
            (Some(i), _) if !value.to_string().contains('.') => i.to_string(),
            (_, Ok(f)) if f.is_finite() && f.fract() == 0.0 && f.abs() < 1e16 => format!("{f:.1}"),
            (_, Ok(f)) => f.to_string(),
            _ => value.to_string(),
        },
        ValueKind::String => value.as_str().unwrap_or_default().to_string(),
        ValueKind::Seq => {
            let parts: Vec<String> = value.try_iter().map(|items| items.map(|v| python_repr(&v)).collect()).unwrap_or_default();
            format!("[{}]", parts.join(", "))
        }
        _ => value.to_string(),
    }
}

fn python_repr(value: &Value) -> String {
    match value.as_str() {
        Some(s) if !s.contains('\'') => format!("'{}'", s.replace('\\', "\\\\").replace('\n', "\\n")),
        Some(s) => format!("\"{}\"", s.replace('\\', "\\\\").replace('"', "\\\"").replace('\n', "\\n")),
        None => python_str(value),
    }
}

/// The strings of a Python list literal (`['a', "b"]`), as `ast.literal_eval` reads them.
fn python_list(text: &str) -> Option<Vec<String>> {
    let inner = text.trim().strip_prefix('[')?.strip_suffix(']')?;
    let mut items = Vec::new();
    let mut chars = inner.chars().peekable();
    loop {
        while chars.peek().is_some_and(|c| c.is_whitespace()) {
            chars.next();
        }
        let Some(quote) = chars.next() else { break };
        if quote != '\'' && quote != '"' {
            return None;
        }
        let mut item = String::new();
        loop {
            match chars.next()? {
                c if c == quote => break,
                '\\' => item.push(match chars.next()? {
                    'n' => '\n',
                    't' => '\t',
                    'r' => '\r',
                    other => other,
                }),
                c => item.push(c),
            }
        }
        items.push(item);
        while chars.peek().is_some_and(|c| c.is_whitespace()) {
            chars.next();
        }
        match chars.next() {
            Some(',') => continue,
            None => break,
            Some(_) => return None,
        }
    }
    Some(items)
}

pub fn score(suite: &Suite, item: &TaskItem, output: &str) -> Score {
    let mut score = Score { extracted: None, correct: false, measures: Default::default(), annotations: Default::default() };
    let Ok(spec) = spec_of(suite) else { return score };
    if spec.scored_by.is_some() {
        return stored_score(output, score);
    }
    match spec.output_type {
        OutputType::MultipleChoice => {
            let Some(choices) = &item.choices else { return score };
            let Some(logprobs) = logprobs_of(output, choices.continuations.len()) else { return score };
            // lm-eval's acc_norm divides by the choice's length in characters, delimiter excluded.
            let delimiter = spec.target_delimiter.chars().count();
            let lengths = choices.continuations.iter().map(|c| c.chars().count().saturating_sub(delimiter).max(1) as f64);
            let per_char: Vec<f64> = logprobs.iter().zip(lengths).map(|(l, n)| l / n).collect();
            score.extracted = best(&logprobs).map(|i| i.to_string());
            score.correct = score.extracted.as_deref() == Some(item.reference.as_str());
            let norm = best(&per_char).map(|i| i.to_string());
            score.measures.insert(CORRECT_NORM.to_string(), f64::from(u8::from(norm.as_deref() == Some(item.reference.as_str()))));
        }
        OutputType::Loglikelihood | OutputType::LoglikelihoodRolling => {
            let Some(&[loglikelihood]) = logprobs_of(output, 1).as_deref() else { return score };
            score.measures.insert(LOGLIKELIHOOD.to_string(), loglikelihood);
            if spec.output_type == OutputType::LoglikelihoodRolling {
                score.measures.insert(WORDS.to_string(), python_word_count(&item.reference) as f64);
                score.measures.insert(BYTES.to_string(), item.reference.len() as f64);
                score.extracted = Some(format!("{loglikelihood}"));
            } else {
                // lm-eval's `acc` here: whether greedy decoding would produce the target.
                let greedy = serde_json::from_str::<serde_json::Value>(output).ok().and_then(|v| v.pointer("/greedy/0")?.as_bool());
                score.correct = greedy == Some(true);
                score.extracted = greedy.map(|g| if g { "greedy" } else { "not greedy" }.to_string());
            }
        }
        OutputType::GenerateUntil => {
            if let Some(scorer) = &spec.inspect {
                if let Some((answer, correct)) = inspect::score(scorer, output, &item.reference) {
                    score.correct = correct;
                    score.extracted = Some(answer);
                }
                return score;
            }
            let answer = filters::apply(spec, output);
            let exact = metrics::exact_match(&answer, &item.reference, spec);
            score.correct = exact;
            score.measures.insert("exact_match".to_string(), f64::from(u8::from(exact)));
            score.measures.insert("f1".to_string(), metrics::token_f1(&answer, &item.reference));
            score.extracted = Some(answer);
        }
    }
    score
}

/// The verdict another harness stored, for imported runs whose scoring claimbench does not
/// re-derive: the output is `{"answer": …, "metrics": {NAME: value}}` with lm-eval's names.
fn stored_score(output: &str, mut score: Score) -> Score {
    let Ok(stored) = serde_json::from_str::<serde_json::Value>(output) else { return score };
    let metric = |name: &str| stored.pointer(&format!("/metrics/{name}")).and_then(serde_json::Value::as_f64);
    score.extracted = stored.get("answer").and_then(|a| a.as_str()).map(str::to_string);
    score.correct = metric("acc").or_else(|| metric("exact_match")) == Some(1.0);
    for (theirs, ours) in [("exact_match", "exact_match"), ("acc_norm", CORRECT_NORM)] {
        if let Some(value) = metric(theirs) {
            score.measures.insert(ours.to_string(), value);
        }
    }
    score
}

/// `len(re.split(r"\s+", text))`, lm-eval's word count: whitespace runs plus one, so leading
/// or trailing whitespace counts an empty word.
fn python_word_count(text: &str) -> usize {
    // Python's `\s` also takes the four ASCII separators U+001C..U+001F.
    let space = |c: char| c.is_whitespace() || ('\u{1c}'..='\u{1f}').contains(&c);
    let mut runs = 0;
    let mut in_run = false;
    for c in text.chars() {
        if space(c) && !in_run {
            runs += 1;
        }
        in_run = space(c);
    }
    runs + 1
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::path::Path;

    struct Shipped {
        suite: Suite,
        task: PreparedTask,
    }

    fn shipped(name: &str) -> Shipped {
        let suite = Suite::resolve(name, &Path::new(env!("CARGO_MANIFEST_DIR")).join("../suites")).unwrap();
        let dataset = Dataset::load(&suite.dataset_dir()).unwrap();
        let task = crate::tasks::prepare(&suite, &dataset).unwrap();
        Shipped { suite, task }
    }

    #[test]
    fn the_multiple_choice_set_as_an_lm_eval_task_asks_what_gsm8k_mc_asks() {
        let (text, mc) = (shipped("gsm8k-mc-text"), shipped("gsm8k-mc"));
        assert_eq!(text.task.items.len(), 100);
        for (a, b) in text.task.items.iter().zip(&mc.task.items) {
            assert_eq!((&a.id, &a.prompt, &a.choices), (&b.id, &b.prompt, &b.choices));
            // The index of the right choice where gsm8k-mc has its letter.
            assert_eq!(crate::tasks::reasoning::multiple_choice::letter(a.reference.parse().unwrap()), b.reference);
        }
        // The likeliest choice, and the likeliest per character without the delimiter: choice 0
        // ("16") against choice 3 ("180") at -4 and -5.5 nats.
        let item = &text.task.items[0];
        assert_eq!(item.choices.as_ref().unwrap().continuations, [" 16", " 18", " 9", " 180"]);
        let scored = score(&text.suite, item, r#"{"logprobs": [-4.0, -9.0, -9.0, -5.5]}"#);
        assert_eq!((scored.extracted.as_deref(), scored.measures[CORRECT_NORM]), (Some("0"), 0.0));
        let by_char = score(&text.suite, item, r#"{"logprobs": [-4.0, -9.0, -9.0, -5.9]}"#);
        assert_eq!((by_char.extracted.as_deref(), by_char.correct), (Some("0"), false));
        let reference: usize = item.reference.parse().unwrap();
        let right = score(
            &text.suite,
            item,
            &format!("{{\"logprobs\": {:?}}}", (0..4).map(|i| if i == reference { -1.0 } else { -3.0 }).collect::<Vec<f64>>()),
        );
        assert!(right.correct && right.measures[CORRECT_NORM] == 1.0);
        assert!(!score(&text.suite, item, "not json").correct);
    }

    #[test]
    fn gsm8k_as_lm_eval_declares_it_renders_and_scores_each_item() {
        let text = shipped("gsm8k-text");
        let plain = shipped("gsm8k");
        assert_eq!(text.task.items.len(), 1319);
        let (a, b) = (&text.task.items[0], &plain.task.items[0]);
        assert_eq!(a.id, b.id);
        assert!(a.prompt.starts_with("Question: Janet") && a.prompt.ends_with("market?\nAnswer:"), "{:?}", a.prompt);
        assert!(a.reference.ends_with("#### 18"), "{}", a.reference);
        let right = score(&text.suite, a, " She sells 16 - 3 - 4 = 9 eggs for $2 each, so $18.");
        assert_eq!((right.extracted.as_deref(), right.correct, right.measures["exact_match"]), (Some("$18."), true, 1.0));
        let wrong = score(&text.suite, a, " 9 eggs");
        assert_eq!((wrong.extracted.as_deref(), wrong.correct), (Some("9"), false));
        // Token F1 is against the whole worked answer, which mentions 9 once among its tokens.
        assert!(wrong.measures["f1"] > 0.0 && wrong.measures["f1"] < 0.2, "{:?}", wrong.measures);
    }

    /// lm-eval 0.4.13's own requests for the same declarations over the same files
    /// (`scripts/compat/lm_eval_requests.py`, `just compat-lm-eval`): the context, every choice's
    /// continuation or the stop strings, and the target, document for document.
    #[test]
    fn requests_equal_those_lm_eval_builds_item_for_item() {
        let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
        let text = std::fs::read_to_string(root.join("harness/tests/fixtures/lm_eval/requests.json")).unwrap();
        let fixture: serde_json::Value = serde_json::from_str(&text).unwrap();
        assert_eq!(fixture["lm_eval_version"], "0.4.13");
        let suites = fixture["suites"].as_object().unwrap();
        assert!(suites.len() >= 7);
        let imported = tempfile::tempdir().unwrap();
        for (name, expected) in suites {
            // A suite file, or an lm-eval task file imported as lm-eval reads it (`include:`).
            let suite_path = match (expected.get("suite"), expected.get("task_file")) {
                (Some(suite), _) => root.join(suite.as_str().unwrap()),
                (None, Some(task_file)) => {
                    let made = crate::spec::lm_eval::import(&root.join(task_file.as_str().unwrap()), None, imported.path()).unwrap();
                    let path = imported.path().join(&made[0].file_name);
                    std::fs::write(&path, &made[0].toml).unwrap();
                    path
                }
                _ => panic!("{name}: neither a suite nor a task file"),
            };
            let suite = Suite::load(&suite_path).unwrap();
            let dataset = Dataset::load(&suite.dataset_dir()).unwrap();
            let items = crate::tasks::prepare(&suite, &dataset).unwrap().items;
            let requests = expected["requests"].as_array().unwrap();
            assert!(!requests.is_empty(), "{name}");
            for request in requests {
                let doc = request["doc_id"].as_u64().unwrap() as usize;
                let item = &items[doc];
                let arguments = request["arguments"].as_array().unwrap();
                let context = arguments[0][0].as_str().unwrap();
                let request_type = request["request_type"].as_str().unwrap();
                if request_type != "loglikelihood_rolling" {
                    assert_eq!(item.prompt, context, "{name} document {doc}: context");
                }
                match request_type {
                    "loglikelihood_rolling" => {
                        let choices = item.choices.as_ref().unwrap();
                        assert!(choices.rolling && item.prompt.is_empty(), "{name} document {doc}: a whole text");
                        assert_eq!(choices.continuations, [context], "{name} document {doc}: text");
                        assert_eq!(item.reference, request["target"].as_str().unwrap(), "{name} document {doc}: target");
                    }
                    "loglikelihood" if request["target"].is_string() => {
                        assert_eq!(
                            item.choices.as_ref().unwrap().continuations,
                            [arguments[0][1].as_str().unwrap()],
                            "{name} document {doc}"
                        );
                        let delimiter = &spec_of(&suite).unwrap().target_delimiter;
                        assert_eq!(
                            format!("{delimiter}{}", item.reference),
                            arguments[0][1].as_str().unwrap(),
                            "{name} document {doc}: target"
                        );
                    }
                    "loglikelihood" => {
                        let continuations: Vec<&str> = arguments.iter().map(|a| a[1].as_str().unwrap()).collect();
                        assert!(arguments.iter().all(|a| a[0] == context), "{name} document {doc}: one context");
                        assert_eq!(item.choices.as_ref().unwrap().continuations, continuations, "{name} document {doc}: choices");
                        assert_eq!(item.reference, request["target"].as_u64().unwrap().to_string(), "{name} document {doc}: target");
                    }
                    "generate_until" => {
                        let generation = &suite.spec.generation;
                        assert_eq!(arguments[0][1]["until"], serde_json::json!(generation.stop), "{name}: until");
                        assert_eq!(arguments[0][1]["max_gen_toks"], generation.max_tokens, "{name}: max_gen_toks");
                        assert_eq!(item.reference, request["target"].as_str().unwrap(), "{name} document {doc}: target");
                    }
                    other => panic!("{name}: request type {other} is not built yet"),
                }
            }
            if let Some(scored) = expected.get("scored") {
                same_metrics_as_lm_eval(name, &suite, &items, requests, scored);
            }
        }
    }

    /// lm-eval's aggregated metrics for made-up log-likelihoods of the fixture's documents
    /// (through its `process_results` and aggregations) equal claimbench's from the same values.
    fn same_metrics_as_lm_eval(name: &str, suite: &Suite, items: &[TaskItem], requests: &[serde_json::Value], scored: &serde_json::Value) {
        let logliks = scored["logliks"].as_array().unwrap();
        let greedy = scored["greedy"].as_array().unwrap();
        let samples: Vec<crate::store::samples::Sample> = requests
            .iter()
            .zip(logliks.iter().zip(greedy))
            .map(|(request, (loglik, greedy))| {
                let item = &items[request["doc_id"].as_u64().unwrap() as usize];
                let output = serde_json::json!({"logprobs": [loglik], "greedy": [greedy]}).to_string();
                let score = score(suite, item, &output);
                crate::store::samples::Sample {
                    id: item.id.clone(),
                    output,
                    correct: score.correct,
                    extracted: score.extracted,
                    measures: score.measures,
                    ..Default::default()
                }
            })
            .collect();
        let metrics = crate::tasks::summarise(suite, &samples, samples.len(), 7).metrics;
        let expected = scored["metrics"].as_object().unwrap();
        assert!(!expected.is_empty());
        for (lm_eval_name, value) in expected {
            let ours = if lm_eval_name == "acc" { "accuracy" } else { lm_eval_name.as_str() };
            let (got, want) = (metrics[ours].value, value.as_f64().unwrap());
            assert!((got - want).abs() <= 1e-9 * want.abs(), "{name}: {ours} {got} vs lm-eval's {want}");
            let ci = metrics[ours].ci.as_ref().unwrap_or_else(|| panic!("{name}: {ours} has no interval"));
            assert!(ci.low <= got && got <= ci.high && ci.low < ci.high, "{name}: {ours} {got} outside {ci:?}");
            assert_eq!(metrics[ours].n, samples.len());
        }
    }

    #[test]
    fn python_literals_and_strings() {
        assert_eq!(python_list("['a', \"b's\", 'c\\'d']"), Some(vec!["a".to_string(), "b's".to_string(), "c'd".to_string()]));
        assert_eq!(python_list("[]"), Some(vec![]));
        assert_eq!(python_list("['a' 'b']"), None);
        assert_eq!(python_list("a, b"), None);
        assert_eq!(python_str(&Value::from(4)), "4");
        assert_eq!(python_str(&Value::from(4.0)), "4.0");
        assert_eq!(python_str(&Value::from(true)), "True");
        assert_eq!(python_str(&Value::from(vec!["a", "b"])), "['a', 'b']");
    }
}
