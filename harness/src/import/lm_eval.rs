//! lm-evaluation-harness output folders (`--output_path … --log_samples`): each
//! `results_<date>.json` with its `samples_<task>_<date>.jsonl` files becomes one run per task
//! and filter. The prompts, continuations and targets are lm-eval's own, read from each sample's
//! arguments; every line is checked against the hashes lm-eval wrote beside it, and each task's
//! lines against the results file's `task_hashes`.
//!
//! Scoring: generations through lm-eval's filters (`regex`, `take_first`, …) and `exact_match`
//! with its options, multiple choice (`acc`, `acc_norm`) and log-likelihoods from the stored
//! log-probabilities are re-derived by claimbench's `text` task; anything else (a custom
//! `process_results`, a filter or metric of lm-eval's own) keeps lm-eval's per-item values.

use super::{ImportedItem, ImportedTask};
use crate::error::{Error, IoContext, Result};
use crate::fsutil::sha256_hex;
use crate::spec::lm_eval::{EXACT_MATCH_OPTIONS, FILTERS};
use crate::store::manifest::{Imported, ImportedFile};
use serde_json::{Map, Value};
use std::collections::BTreeMap;
use std::io::{BufRead, Read};
use std::path::{Path, PathBuf};

pub const HARNESS: &str = "lm-eval";
/// A results file larger than this is refused; samples files are read line by line.
const MAX_RESULTS_BYTES: u64 = 64 << 20;
const MAX_LINE_BYTES: usize = 64 << 20;

/// The results files under `path` (a folder, or one results file), in path order.
pub fn results_files(path: &Path) -> Result<Vec<PathBuf>> {
    super::files_under(
        path,
        |name| name.starts_with("results_") && name.ends_with(".json"),
        "holds no lm-eval results_*.json file (lm-eval writes them with --output_path)",
    )
}

/// The runs of one results file: one per task and filter, in task order.
pub fn read(results_path: &Path) -> Result<Vec<ImportedTask>> {
    let results = read_results(results_path)?;
    let date = results_path
        .file_stem()
        .and_then(|s| s.to_str())
        .and_then(|s| s.strip_prefix("results_"))
        .ok_or_else(|| Error::in_file(results_path, "is not named results_<date>.json as lm-eval names it"))?;
    let folder = results_path.parent().unwrap_or(Path::new("."));
    let configs =
        results.get("configs").and_then(Value::as_object).ok_or_else(|| Error::in_file(results_path, "has no 'configs' table"))?;
    let mut tasks = Vec::new();
    for (task, config) in configs {
        let samples_path = folder.join(format!("samples_{task}_{date}.jsonl"));
        if !samples_path.is_file() {
            return Err(Error::in_file(
                results_path,
                format!("task '{task}' has no samples file {} (lm-eval writes them with --log_samples)", samples_path.display()),
            ));
        }
        let lines = read_samples(&samples_path)?;
        check_task_hash(&results, task, &lines, &samples_path, results_path)?;
        let files = [results_path, samples_path.as_path()]
            .iter()
            .map(|p| Ok(ImportedFile { path: p.display().to_string(), sha256: crate::fsutil::sha256_file(p)? }))
            .collect::<Result<Vec<_>>>()?;
        let mut by_filter: BTreeMap<&str, Vec<&SampleLine>> = BTreeMap::new();
        for line in &lines {
            by_filter.entry(line.filter.as_str()).or_default().push(line);
        }
        for (filter, lines) in by_filter {
            // The results file says how to read the lines (its output_type): name both.
            let output_type = config.get("output_type").and_then(Value::as_str).unwrap_or("generate_until");
            let read = task_run(&results, task, config, filter, &lines, &files, &samples_path);
            tasks.push(read.map_err(|e| e.context(format!("{}: task '{task}' ({output_type})", results_path.display())))?);
        }
    }
    Ok(tasks)
}

fn read_results(path: &Path) -> Result<Value> {
    let size = std::fs::metadata(path).with_path(path)?.len();
    if size > MAX_RESULTS_BYTES {
        return Err(Error::in_file(path, format!("is {size} bytes; a results file is at most {MAX_RESULTS_BYTES}")));
    }
    let text = crate::fsutil::read_to_string(path)?;
    let mut results: Value =
        serde_json::from_str(&text).map_err(|e| Error::at(path, e.line(), e.column(), format!("not lm-eval results JSON: {e}")))?;
    if !results.is_object() {
        return Err(Error::in_file(path, "is not a JSON object of lm-eval results"));
    }
    // Older lm-eval versions write model_args as `a=1,b=2`.
    if let Some(args) = results.pointer_mut("/config/model_args") {
        if let Some(text) = args.as_str() {
            let pairs: Map<String, Value> = text
                .split(',')
                .filter(|p| !p.trim().is_empty())
                .map(|p| p.split_once('=').map_or((p.trim().to_string(), Value::Null), |(k, v)| (k.trim().to_string(), v.into())))
                .collect();
            *args = Value::Object(pairs);
        }
    }
    // Tokens among the model's arguments (also copied into each task's metadata) never reach
    // a manifest, and are scrubbed from everything else written.
    crate::secrets::redact(&mut results);
    Ok(results)
}

/// One line of a samples file: a document under one filter.
#[derive(Debug)]
struct SampleLine {
    line: usize,
    doc_id: u64,
    target: String,
    /// Each request's arguments: (context, continuation or generation settings).
    arguments: Vec<Vec<Value>>,
    resps: Vec<Value>,
    filtered_resps: Vec<Value>,
    filter: String,
    doc_hash: String,
    prompt_hash: String,
    target_hash: String,
    metrics: BTreeMap<String, Value>,
}

/// Lines parsed at a time, in parallel.
const BATCH_LINES: usize = 4096;

fn read_samples(path: &Path) -> Result<Vec<SampleLine>> {
    use rayon::prelude::*;
    let file = std::fs::File::open(path).with_path(path)?;
    let mut reader = std::io::BufReader::new(file);
    let mut lines: Vec<SampleLine> = Vec::new();
    let mut seen = std::collections::HashSet::new();
    let mut number = 0;
    loop {
        // A batch of raw lines, each with its number; memory stays bounded by the batch.
        let mut batch: Vec<(usize, Vec<u8>)> = Vec::with_capacity(BATCH_LINES);
        while batch.len() < BATCH_LINES {
            let mut buffer = Vec::new();
            let read = Read::by_ref(&mut reader).take(MAX_LINE_BYTES as u64 + 1).read_until(b'\n', &mut buffer).with_path(path)?;
            if read == 0 {
                break;
            }
            number += 1;
            if buffer.len() > MAX_LINE_BYTES {
                return Err(Error::at_line(path, number, format!("line longer than {MAX_LINE_BYTES} bytes")));
            }
            if !buffer.iter().all(u8::is_ascii_whitespace) {
                batch.push((number, buffer));
            }
        }
        if batch.is_empty() {
            break;
        }
        let parsed: Vec<SampleLine> = batch
            .into_par_iter()
            .map(|(number, bytes)| {
                let value: Value = serde_json::from_slice(&bytes).map_err(|e| {
                    let why = if e.is_eof() { "cut short (the file is truncated)".to_string() } else { e.to_string() };
                    Error::at(path, number, e.column(), format!("not an lm-eval sample: {why}"))
                })?;
                sample_line(value, number).map_err(|why| Error::at_line(path, number, why))
            })
            .collect::<Result<_>>()?;
        for line in parsed {
            if !seen.insert((line.doc_id, line.filter.clone())) {
                return Err(Error::at_line(
                    path,
                    line.line,
                    format!("document {} appears twice under filter '{}'", line.doc_id, line.filter),
                ));
            }
            lines.push(line);
        }
    }
    if lines.is_empty() {
        return Err(Error::in_file(path, "holds no samples"));
    }
    Ok(lines)
}

fn sample_line(value: Value, line: usize) -> std::result::Result<SampleLine, String> {
    let Value::Object(mut object) = value else { return Err("not a JSON object".into()) };
    let text = |object: &mut Map<String, Value>, key: &str| match object.remove(key) {
        Some(Value::String(s)) => Ok(s),
        _ => Err(format!("no '{key}' text")),
    };
    let list = |object: &mut Map<String, Value>, key: &str| match object.remove(key) {
        Some(Value::Array(items)) => Ok(items),
        _ => Err(format!("no '{key}' list")),
    };
    let arguments: Vec<Vec<Value>> = match object.remove("arguments") {
        // lm-eval 0.4.3 and later: {"gen_args_0": {"arg_0": …, "arg_1": …}, …}.
        Some(Value::Object(requests)) => {
            let mut numbered: Vec<(usize, Vec<Value>)> = Vec::with_capacity(requests.len());
            for (key, args) in requests {
                let i = key.strip_prefix("gen_args_").and_then(|i| i.parse().ok()).ok_or(format!("unexpected argument key '{key}'"))?;
                let Value::Object(args) = args else { return Err(format!("arguments '{key}' are not an object")) };
                let mut ordered: Vec<(usize, Value)> = Vec::with_capacity(args.len());
                for (name, arg) in args {
                    let j = name.strip_prefix("arg_").and_then(|j| j.parse().ok()).ok_or(format!("unexpected argument '{name}'"))?;
                    ordered.push((j, arg));
                }
                ordered.sort_by_key(|(j, _)| *j);
                numbered.push((i, ordered.into_iter().map(|(_, a)| a).collect()));
            }
            numbered.sort_by_key(|(i, _)| *i);
            numbered.into_iter().map(|(_, a)| a).collect()
        }
        // Earlier versions: a list of argument lists.
        Some(Value::Array(requests)) => requests
            .into_iter()
            .map(|r| match r {
                Value::Array(args) => Ok(args),
                _ => Err("an argument entry is not a list".to_string()),
            })
            .collect::<std::result::Result<_, _>>()?,
        _ => return Err("no 'arguments'".into()),
    };
    if arguments.is_empty() || arguments.iter().any(|a| !a.first().is_some_and(Value::is_string)) {
        return Err("every request needs its context text as its first argument".into());
    }
    let target = match object.remove("target") {
        Some(Value::String(s)) => s,
        Some(Value::Number(n)) => n.to_string(),
        Some(other) => other.to_string(),
        None => return Err("no 'target'".into()),
    };
    let names = list(&mut object, "metrics")?;
    let sample = SampleLine {
        line,
        doc_id: object.get("doc_id").and_then(Value::as_u64).ok_or("no 'doc_id' number")?,
        target,
        arguments,
        resps: list(&mut object, "resps")?,
        filtered_resps: list(&mut object, "filtered_resps")?,
        filter: text(&mut object, "filter").unwrap_or_else(|_| "none".to_string()),
        doc_hash: text(&mut object, "doc_hash")?,
        prompt_hash: text(&mut object, "prompt_hash")?,
        target_hash: text(&mut object, "target_hash")?,
        // Each metric lm-eval lists is a key of the line.
        metrics: names.iter().filter_map(|n| n.as_str()).filter_map(|n| Some((n.to_string(), object.remove(n)?))).collect(),
    };
    if sample.resps.len() != sample.arguments.len() {
        return Err(format!("{} requests but {} responses", sample.arguments.len(), sample.resps.len()));
    }
    let context = sample.arguments[0][0].as_str().unwrap_or_default();
    if sha256_hex(context.as_bytes()) != sample.prompt_hash {
        return Err("prompt_hash does not match the first request's context (the line was changed)".into());
    }
    if sha256_hex(sample.target.as_bytes()) != sample.target_hash {
        return Err("target_hash does not match the target (the line was changed)".into());
    }
    Ok(sample)
}

/// lm-eval's task hash: sha256 over every line's doc, prompt and target hashes, in file order.
fn check_task_hash(results: &Value, task: &str, lines: &[SampleLine], samples: &Path, results_path: &Path) -> Result<()> {
    let Some(stated) = results.pointer(&format!("/task_hashes/{}", pointer_key(task))).and_then(Value::as_str) else { return Ok(()) };
    let mut joined = String::with_capacity(lines.len() * 192);
    for line in lines {
        joined.push_str(&line.doc_hash);
        joined.push_str(&line.prompt_hash);
        joined.push_str(&line.target_hash);
    }
    let actual = sha256_hex(joined.as_bytes());
    if actual != stated {
        return Err(Error::in_file(
            samples,
            format!(
                "its lines hash to task hash {actual}, but {} records {stated} for task '{task}': the samples are not those the results describe",
                results_path.display()
            ),
        ));
    }
    Ok(())
}

fn pointer_key(key: &str) -> String {
    key.replace('~', "~0").replace('/', "~1")
}

/// A float or bool as lm-eval writes it in `resps`: a number, or its text (`"-0.83"`, `"False"`).
fn loose_f64(value: &Value) -> Option<f64> {
    match value {
        Value::Number(n) => n.as_f64(),
        Value::String(s) => s.trim().parse().ok(),
        _ => None,
    }
}

fn loose_bool(value: &Value) -> Option<bool> {
    match value {
        Value::Bool(b) => Some(*b),
        Value::String(s) if s == "True" || s == "true" => Some(true),
        Value::String(s) if s == "False" || s == "false" => Some(false),
        Value::Number(n) => Some(n.as_f64() != Some(0.0)),
        _ => None,
    }
}

/// lm-eval's metric names, as claimbench names the same per-item values.
fn claimbench_metric(name: &str) -> Option<&'static str> {
    match name {
        "acc" => Some("accuracy"),
        "acc_norm" => Some("acc_norm"),
        "exact_match" => Some("exact_match"),
        _ => None,
    }
}

/// How the task's answers can be scored: by claimbench (the `[text]` keys that say how), or
/// only by lm-eval (why not).
enum Scoring {
    Claimbench { text: toml::Table, metrics: Vec<&'static str> },
    Stored { why: String },
}

fn scoring_of(config: &Value, output_type: &str, filter: &str) -> Scoring {
    let stored = |why: String| Scoring::Stored { why };
    if config.get("process_results").is_some_and(|p| !p.is_null()) {
        return stored("the task scores with its own process_results".into());
    }
    if config.get("repeats").and_then(Value::as_u64).unwrap_or(1) > 1 {
        return stored("the task repeats each request".into());
    }
    let mut text = toml::Table::new();
    text.insert("output_type".into(), output_type.into());
    let mut metrics = Vec::new();
    let listed = config.get("metric_list").and_then(Value::as_array).cloned().unwrap_or_default();
    for entry in &listed {
        let name = entry.get("metric").and_then(Value::as_str).unwrap_or_default();
        let Some(ours) = claimbench_metric(name) else { continue };
        let fits = match output_type {
            "multiple_choice" => ours != "exact_match",
            "generate_until" => ours == "exact_match",
            "loglikelihood" => ours == "accuracy",
            _ => false,
        };
        if !fits {
            continue;
        }
        if entry.get("aggregation").is_some_and(|a| a != "mean") || entry.get("higher_is_better").is_some_and(|h| h != true) {
            return stored(format!("metric '{name}' is aggregated in lm-eval's own way"));
        }
        if ours == "exact_match" {
            let mut options = toml::Table::new();
            for (key, value) in entry.as_object().into_iter().flatten() {
                if ["metric", "aggregation", "higher_is_better"].contains(&key.as_str()) {
                    continue;
                }
                if !EXACT_MATCH_OPTIONS.contains(&key.as_str()) {
                    return stored(format!("exact_match option '{key}' is lm-eval's own"));
                }
                match toml_value(value) {
                    Some(v) => drop(options.insert(key.clone(), v)),
                    None => return stored(format!("exact_match option '{key}' has an unexpected value")),
                }
            }
            text.insert("exact_match".into(), toml::Value::Table(options));
        }
        metrics.push(ours);
    }
    match output_type {
        "multiple_choice" | "generate_until" | "loglikelihood" if metrics.is_empty() => {
            return stored("none of the task's metrics is one claimbench computes".into());
        }
        "loglikelihood" => metrics.insert(0, "perplexity"),
        "loglikelihood_rolling" => metrics.extend(["word_perplexity", "byte_perplexity", "bits_per_byte"]),
        "multiple_choice" | "generate_until" => {}
        other => return stored(format!("output_type '{other}'")),
    }
    if output_type == "generate_until" && filter != "none" {
        let chains = config.get("filter_list").and_then(Value::as_array).cloned().unwrap_or_default();
        let Some(chain) = chains.iter().find(|c| c.get("name").and_then(Value::as_str) == Some(filter)) else {
            return stored(format!("filter '{filter}' is not in the task's filter_list"));
        };
        let mut steps = Vec::new();
        for step in chain.get("filter").and_then(Value::as_array).into_iter().flatten() {
            let function = step.get("function").and_then(Value::as_str).unwrap_or_default();
            let Some((_, options)) = FILTERS.iter().find(|(f, _)| *f == function) else {
                return stored(format!("filter function '{function}' is lm-eval's own"));
            };
            let mut table = toml::Table::new();
            for (key, value) in step.as_object().into_iter().flatten() {
                if key != "function" && !options.contains(&key.as_str()) {
                    return stored(format!("filter '{function}' option '{key}' is lm-eval's own"));
                }
                match toml_value(value) {
                    Some(v) => drop(table.insert(key.clone(), v)),
                    None => return stored(format!("filter '{function}' option '{key}' has an unexpected value")),
                }
            }
            steps.push(toml::Value::Table(table));
        }
        text.insert("filter".into(), toml::Value::Array(steps));
    }
    Scoring::Claimbench { text, metrics }
}

/// A JSON value as TOML (no nulls).
fn toml_value(value: &Value) -> Option<toml::Value> {
    Some(match value {
        Value::Bool(b) => toml::Value::Boolean(*b),
        Value::Number(n) => n.as_i64().map(toml::Value::Integer).or_else(|| n.as_f64().map(toml::Value::Float))?,
        Value::String(s) => toml::Value::String(s.clone()),
        Value::Array(items) => toml::Value::Array(items.iter().map(toml_value).collect::<Option<_>>()?),
        Value::Object(_) | Value::Null => return None,
    })
}

fn task_run(
    results: &Value,
    task: &str,
    config: &Value,
    filter: &str,
    lines: &[&SampleLine],
    files: &[ImportedFile],
    samples_path: &Path,
) -> Result<ImportedTask> {
    let version = results
        .pointer(&format!("/versions/{}", pointer_key(task)))
        .map(|v| v.as_str().map_or_else(|| v.to_string(), str::to_string))
        .unwrap_or_else(|| "1".into());
    let harness_version = results.get("lm_eval_version").and_then(Value::as_str).unwrap_or("unknown").to_string();
    let output_type = config.get("output_type").and_then(Value::as_str).unwrap_or("generate_until");
    let delimiter = config.get("target_delimiter").and_then(Value::as_str).unwrap_or(" ").to_string();
    let scoring = scoring_of(config, output_type, filter);
    use rayon::prelude::*;
    let per_line = |line: &&SampleLine| -> Result<(Map<String, Value>, ImportedItem)> {
        let at = |why: String| Error::at_line(samples_path, line.line, why);
        let context = line.arguments[0][0].as_str().unwrap_or_default().to_string();
        let mut record = Map::new();
        record.insert("doc_hash".into(), line.doc_hash.clone().into());
        let response_pair = |i: usize| -> std::result::Result<(f64, Option<bool>), String> {
            let response = line.resps.get(i).and_then(|r| r.get(0)).ok_or(format!("request {i} has no response"))?;
            match response {
                Value::Array(pair) => {
                    let ll = pair.first().and_then(loose_f64).ok_or(format!("response {i} has no log-likelihood"))?;
                    Ok((ll, pair.get(1).and_then(loose_bool)))
                }
                other => Ok((loose_f64(other).ok_or(format!("response {i} is not a log-likelihood"))?, None)),
            }
        };
        let continuation = |i: usize| line.arguments[i].get(1).and_then(Value::as_str).map(str::to_string);
        let output = match output_type {
            "multiple_choice" => {
                let mut choices = Vec::with_capacity(line.arguments.len());
                for i in 0..line.arguments.len() {
                    let c = continuation(i).ok_or_else(|| at(format!("request {i} has no continuation")))?;
                    if line.arguments[i][0].as_str() != Some(context.as_str()) {
                        return Err(at(format!("request {i} has another context than request 0")));
                    }
                    let Some(choice) = c.strip_prefix(delimiter.as_str()) else {
                        return Err(at(format!("a continuation does not start with the task's target_delimiter {delimiter:?}")));
                    };
                    choices.push(choice.to_string());
                }
                record.insert("choices".into(), choices.into());
                let pairs = (0..line.arguments.len()).map(response_pair).collect::<std::result::Result<Vec<_>, _>>().map_err(at)?;
                serde_json::json!({"logprobs": pairs.iter().map(|p| p.0).collect::<Vec<_>>(), "greedy": pairs.iter().map(|p| p.1.unwrap_or(false)).collect::<Vec<_>>()})
                    .to_string()
            }
            "loglikelihood" => {
                let (ll, greedy) = response_pair(0).map_err(at)?;
                serde_json::json!({"logprobs": [ll], "greedy": [greedy.unwrap_or(false)]}).to_string()
            }
            "loglikelihood_rolling" => serde_json::json!({"logprobs": [response_pair(0).map_err(at)?.0]}).to_string(),
            _ => match line.resps.first().and_then(|r| r.get(0)) {
                Some(Value::String(text)) => text.clone(),
                _ => return Err(at("the generation's response is not text".into())),
            },
        };
        let (prompt, target) = match output_type {
            // The whole text is the target; lm-eval's context is that text.
            "loglikelihood_rolling" => (String::new(), context.clone()),
            "loglikelihood" => {
                let c = continuation(0).ok_or_else(|| at("the request has no continuation".into()))?;
                (context.clone(), c.strip_prefix(delimiter.as_str()).unwrap_or(&c).to_string())
            }
            _ => (context.clone(), line.target.clone()),
        };
        record.insert("prompt".into(), prompt.into());
        record.insert("target".into(), target.into());
        let numeric: BTreeMap<String, f64> =
            line.metrics.iter().filter_map(|(k, v)| Some((k.clone(), loose_f64(v).or_else(|| loose_bool(v).map(f64::from))?))).collect();
        let answer = match line.filtered_resps.first() {
            Some(Value::String(s)) => Some(s.clone()),
            _ => None,
        };
        let annotation = serde_json::json!({
            "doc_id": line.doc_id, "doc_hash": line.doc_hash, "prompt_hash": line.prompt_hash, "target_hash": line.target_hash,
            "filter": line.filter, "filtered_resps": line.filtered_resps, "metrics": line.metrics,
        })
        .to_string();
        let (output, stored) = match &scoring {
            Scoring::Claimbench { .. } => {
                let stored = numeric.iter().filter_map(|(k, v)| Some((claimbench_metric(k)?.to_string(), *v))).collect();
                (output, stored)
            }
            Scoring::Stored { .. } => (serde_json::json!({"answer": answer, "metrics": numeric}).to_string(), BTreeMap::new()),
        };
        Ok((record, ImportedItem { output, annotation, stored, stored_answer: answer }))
    };
    let (records, items): (Vec<_>, Vec<_>) = lines.par_iter().map(per_line).collect::<Result<Vec<_>>>()?.into_iter().unzip();

    let suite_id = crate::run::sanitize(&if filter == "none" { task.to_string() } else { format!("{task}-{filter}") });
    let scored_by = match &scoring {
        Scoring::Claimbench { .. } => format!("claimbench {}", crate::tasks::text::SCORING_VERSION),
        Scoring::Stored { .. } => format!("{HARNESS} {harness_version}"),
    };
    let (mut text, metrics) = match scoring {
        Scoring::Claimbench { text, metrics } => (text, metrics),
        Scoring::Stored { why } => {
            let mut text = toml::Table::new();
            text.insert("output_type".into(), output_type.into());
            text.insert("scored_by".into(), format!("{HARNESS} {harness_version} ({why})").into());
            let metrics = match output_type {
                "multiple_choice" => vec!["accuracy", "acc_norm"],
                _ => vec!["exact_match"],
            };
            (text, metrics)
        }
    };
    text.insert("doc_to_text".into(), "prompt".into());
    text.insert("doc_to_target".into(), "target".into());
    text.insert("target_delimiter".into(), delimiter.into());
    if output_type == "multiple_choice" {
        text.insert("doc_to_choice".into(), "choices".into());
    }
    let mut suite = toml::Table::new();
    suite.insert("id".into(), suite_id.into());
    suite.insert("version".into(), version.clone().into());
    suite.insert(
        "description".into(),
        format!(
            "lm-eval task '{task}'{}: lm-eval's own prompts, targets and answers.",
            if filter == "none" { String::new() } else { format!(", filter '{filter}'") }
        )
        .into(),
    );
    suite.insert("task".into(), "text".into());
    suite.insert("metrics".into(), toml::Value::Array(metrics.iter().map(|m| toml::Value::from(*m)).collect()));
    suite.insert("text".into(), toml::Value::Table(text));

    let config_of = |key: &str| results.pointer(&format!("/config/{key}")).cloned().unwrap_or(Value::Null);
    let text_of = |key: &str| results.get(key).and_then(Value::as_str).map(str::to_string);
    let model = config_of("model").as_str().unwrap_or("unknown").to_string();
    let system_name = text_of("model_name").filter(|n| !n.is_empty()).unwrap_or_else(|| model.clone());
    let started_at = results
        .get("date")
        .and_then(Value::as_f64)
        .map(|d| crate::host::format_utc(d.max(0.0) as u64))
        .unwrap_or_else(crate::host::utc_now);
    let suffix = format!(",{filter}");
    let stated = results
        .pointer(&format!("/results/{}", pointer_key(task)))
        .and_then(Value::as_object)
        .into_iter()
        .flatten()
        .filter_map(|(k, v)| Some((k.strip_suffix(&suffix)?.to_string(), v.as_f64()?)))
        .collect();
    let mut recorded = Map::new();
    for key in ["limit", "random_seed", "numpy_seed", "torch_seed", "fewshot_seed", "batch_size", "gen_kwargs", "bootstrap_iters"] {
        recorded.insert(key.into(), config_of(key));
    }
    for key in
        ["git_hash", "upper_git_hash", "model_source", "transformers_version", "total_evaluation_time_seconds", "fewshot_as_multiturn"]
    {
        recorded.insert(key.into(), results.get(key).cloned().unwrap_or(Value::Null));
    }
    recorded.insert("date".into(), started_at.clone().into());
    recorded.insert("n-samples".into(), results.pointer(&format!("/n-samples/{}", pointer_key(task))).cloned().unwrap_or(Value::Null));
    recorded.insert("task_config".into(), config.clone());
    let provenance = Imported {
        harness: HARNESS.to_string(),
        harness_version,
        files: files.to_vec(),
        task: task.to_string(),
        filter: (filter != "none").then(|| filter.to_string()),
        model,
        model_args: config_of("model_args"),
        task_hash: results.pointer(&format!("/task_hashes/{}", pointer_key(task))).and_then(Value::as_str).map(str::to_string),
        num_fewshot: results.pointer(&format!("/n-shot/{}", pointer_key(task))).and_then(Value::as_u64),
        chat_template_sha: text_of("chat_template_sha"),
        system_instruction_sha: text_of("system_instruction_sha"),
        recorded: Value::Object(recorded),
        stated,
        scored_by,
        agreement: None,
    };
    let dataset_path = config.get("dataset_path").and_then(Value::as_str).unwrap_or("?");
    Ok(ImportedTask {
        suite,
        dataset_name: format!("lm-eval-{}", crate::run::sanitize(task)),
        dataset_version: version,
        dataset_source: format!(
            "lm-eval task '{task}' (dataset_path {dataset_path}): prompts, targets and document hashes as its samples files record them"
        ),
        records,
        items,
        system_name,
        started_at,
        seed: config_of("random_seed").as_u64().unwrap_or(0),
        provenance,
        incomplete: None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn why_stored(config: Value, output_type: &str, filter: &str) -> Option<String> {
        match scoring_of(&config, output_type, filter) {
            Scoring::Claimbench { .. } => None,
            Scoring::Stored { why } => Some(why),
        }
    }

    #[test]
    fn claimbench_rescores_only_the_scoring_it_implements_as_lm_eval_does() {
        let gsm8k = json!({
            "metric_list": [{"metric": "exact_match", "aggregation": "mean", "higher_is_better": true, "ignore_case": true}],
            "filter_list": [{"name": "strict", "filter": [{"function": "regex", "regex_pattern": "#### (\\d+)"}, {"function": "take_first"}]}],
        });
        let Scoring::Claimbench { text, metrics } = scoring_of(&gsm8k, "generate_until", "strict") else { panic!("stored") };
        assert_eq!(metrics, ["exact_match"]);
        assert_eq!(text["exact_match"]["ignore_case"].as_bool(), Some(true));
        assert_eq!(text["filter"].as_array().map(Vec::len), Some(2));
        let mc = json!({"metric_list": [{"metric": "acc"}, {"metric": "acc_norm"}, {"metric": "brier_score"}]});
        assert!(
            matches!(scoring_of(&mc, "multiple_choice", "none"), Scoring::Claimbench { metrics, .. } if metrics == ["accuracy", "acc_norm"])
        );
        assert!(
            matches!(scoring_of(&json!({}), "loglikelihood_rolling", "none"), Scoring::Claimbench { metrics, .. } if metrics.len() == 3)
        );

        let mut custom = gsm8k.clone();
        custom["filter_list"][0]["filter"][1]["function"] = "majority_vote".into();
        assert_eq!(why_stored(custom, "generate_until", "strict").as_deref(), Some("filter function 'majority_vote' is lm-eval's own"));
        let mut own_results = mc.clone();
        own_results["process_results"] = "def process_results(doc, results): ...".into();
        assert_eq!(why_stored(own_results, "multiple_choice", "none").as_deref(), Some("the task scores with its own process_results"));
        let mut option = gsm8k.clone();
        option["metric_list"][0]["ignore_whitespace"] = true.into();
        assert_eq!(
            why_stored(option, "generate_until", "strict").as_deref(),
            Some("exact_match option 'ignore_whitespace' is lm-eval's own")
        );
        assert_eq!(
            why_stored(gsm8k.clone(), "generate_until", "other").as_deref(),
            Some("filter 'other' is not in the task's filter_list")
        );
        assert!(why_stored(json!({"metric_list": [{"metric": "bleu"}]}), "generate_until", "none").is_some());
        assert!(why_stored(mc, "multiple_choice_grammar", "none").is_some());
    }

    #[test]
    fn responses_are_read_as_lm_eval_writes_them() {
        assert_eq!(loose_f64(&json!("-0.830035693274327")), Some(-0.830035693274327));
        assert_eq!(loose_f64(&json!(-1.5)), Some(-1.5));
        assert_eq!(loose_f64(&json!("lol")), None);
        assert_eq!((loose_bool(&json!("False")), loose_bool(&json!(true)), loose_bool(&json!("maybe"))), (Some(false), Some(true), None));
        assert_eq!(pointer_key("a/b~c"), "a~1b~0c");
    }
}
