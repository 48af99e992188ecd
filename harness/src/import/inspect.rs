//! Inspect eval logs (`inspect eval … --log-dir`): the zip layout (`.eval`: `header.json`, or
//! `_journal/start.json` while the run is going, and one `samples/<id>_epoch_<n>.json` per
//! sample; entries stored, deflated or Zstandard-compressed) and the single-JSON layout
//! (`.json`), log versions 1 (one `score` per sample) and 2 (a `scores` table). Each scorer of a
//! log becomes one run; a log of several epochs imports one epoch at a time.
//!
//! Scoring: Inspect's `match`, `includes` and `choice` (after the `multiple_choice` solver, one
//! answer per item) are re-derived by claimbench from each sample's completion; any other
//! scorer keeps Inspect's per-item values, read as Inspect's `value_to_float` reads them.

use super::{ImportedItem, ImportedTask};
use crate::error::{Error, IoContext, Result};
use crate::fsutil::sha256_hex;
use crate::spec::suite::{InspectScorer, MatchLocation};
use crate::store::manifest::{Imported, ImportedFile};
use serde_json::{Map, Value};
use std::collections::{BTreeMap, HashSet};
use std::io::Read;
use std::path::{Path, PathBuf};

pub const HARNESS: &str = "inspect";
/// A single-JSON log larger than this is refused; a zip entry that inflates past it too.
const MAX_JSON_BYTES: u64 = 256 << 20;
const MAX_ENTRY_BYTES: u64 = 64 << 20;
const MAX_ENTRIES: usize = 1 << 20;
/// The log versions read: 1 (a sample's single `score`) and 2.
const VERSIONS: [u64; 2] = [1, 2];

/// The logs under `path` (a folder, or one log), in path order.
pub fn log_files(path: &Path) -> Result<Vec<PathBuf>> {
    super::files_under(path, |name| name.ends_with(".eval") || name.ends_with(".json"), "holds no Inspect log (*.eval or *.json)")
}

/// A log as read: its header (`eval`, `plan`, `results`, `status`, …; only `eval` and `plan`
/// while it runs) and its samples, each with where it was read from.
struct Log {
    header: Value,
    samples: Vec<(String, RawSample)>,
    /// The zip had no `header.json`: Inspect had not finished writing it.
    running: bool,
}

/// The runs of one log: one per scorer. `epoch` picks the epoch of a log of several.
pub fn read(path: &Path, epoch: Option<u64>) -> Result<Vec<ImportedTask>> {
    let mut magic = [0u8; 4];
    let mut file = std::fs::File::open(path).with_path(path)?;
    let is_zip = file.read(&mut magic).with_path(path)? == 4 && magic[..2] == *b"PK";
    let log = if is_zip { read_zip(path)? } else { read_json(path)? };
    let version = log.header.get("version").and_then(Value::as_u64).unwrap_or(0);
    if !VERSIONS.contains(&version) {
        return Err(Error::in_file(path, format!("is an Inspect log of version {version}; claimbench reads versions 1 and 2")));
    }
    let eval = log.header.get("eval").filter(|e| e.is_object()).ok_or_else(|| Error::in_file(path, "has no 'eval' table"))?;
    let epochs = eval.pointer("/config/epochs").and_then(Value::as_u64).unwrap_or(1).max(1);
    let chosen = match epoch {
        Some(e) if e == 0 || e > epochs => {
            return Err(Error::in_file(path, format!("has epochs 1 to {epochs}; there is no epoch {e}")));
        }
        Some(e) => e,
        None if epochs > 1 => {
            return Err(Error::in_file(
                path,
                format!("holds {epochs} epochs of each sample; claimbench keeps one answer per item: import one epoch with --epoch N"),
            ));
        }
        None => 1,
    };
    let mut samples = Vec::new();
    let mut seen = HashSet::new();
    for (place, raw) in log.samples {
        let sample = sample_of(raw, version).map_err(|why| Error::in_file(path, format!("{place}: {why}")))?;
        if !seen.insert((sample.id.clone(), sample.epoch)) {
            return Err(Error::in_file(path, format!("{place}: sample '{}' epoch {} appears twice", sample.id, sample.epoch)));
        }
        if sample.epoch == chosen {
            samples.push((place, sample));
        }
    }
    // Inspect writes samples as they finish; the dataset's order is the one to keep.
    let order: BTreeMap<String, usize> = eval
        .pointer("/dataset/sample_ids")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .enumerate()
        .map(|(i, id)| (id_text(id), i))
        .collect();
    samples.sort_by_key(|(_, s)| (order.get(&s.id).copied().unwrap_or(usize::MAX), s.id.clone()));
    let failed: Vec<&Sample> = samples.iter().map(|(_, s)| s).filter(|s| s.error.is_some()).collect();
    let mut incomplete = Vec::new();
    if log.running {
        incomplete.push(format!("the log has no header.json: Inspect had not finished the run ({} samples written)", samples.len()));
    } else if let Some(status) = log.header.get("status").and_then(Value::as_str).filter(|s| *s != "success") {
        let error = log.header.pointer("/error/message").and_then(Value::as_str).map(|m| format!(": {m}")).unwrap_or_default();
        incomplete.push(format!("Inspect's status is '{status}'{error}"));
    }
    if let Some(first) = failed.first() {
        incomplete.push(format!(
            "{} samples ended in an error and are left out (first: '{}': {})",
            failed.len(),
            first.id,
            first.error.as_deref().unwrap_or_default()
        ));
    }
    let samples: Vec<(String, Sample)> = samples.into_iter().filter(|(_, s)| s.error.is_none()).collect();
    if samples.is_empty() {
        return Err(Error::in_file(path, format!("holds no scored sample of epoch {chosen}")));
    }
    let scorers = scorers_of(&log.header, &samples);
    if scorers.is_empty() {
        return Err(Error::in_file(path, "names no scorer, and its samples hold no scores"));
    }
    let file = ImportedFile { path: path.display().to_string(), sha256: crate::fsutil::sha256_file(path)? };
    let several = scorers.len() > 1;
    scorers
        .iter()
        .map(|scorer| {
            let context = Context { path, header: &log.header, eval, file: &file, epoch: (chosen, epochs), several };
            task_run(&context, scorer, &samples, incomplete.clone())
        })
        .collect()
}

fn read_json(path: &Path) -> Result<Log> {
    let size = std::fs::metadata(path).with_path(path)?.len();
    if size > MAX_JSON_BYTES {
        return Err(Error::in_file(path, format!("is {size} bytes; a JSON log is at most {MAX_JSON_BYTES}")));
    }
    let text = crate::fsutil::read_to_string(path)?;
    let log: JsonLog = serde_json::from_str(&text).map_err(|e| {
        let why = if e.is_eof() { "cut short (the file is truncated)".to_string() } else { e.to_string() };
        Error::at(path, e.line(), e.column(), format!("not an Inspect log: {why}"))
    })?;
    let mut header = serde_json::json!({
        "version": log.version, "status": log.status, "eval": log.eval, "plan": log.plan, "results": log.results, "error": log.error,
    });
    crate::secrets::redact(&mut header);
    let samples = log.samples.unwrap_or_default().into_iter().enumerate().map(|(i, s)| (format!("samples[{i}]"), s)).collect();
    Ok(Log { header, samples, running: false })
}

/// The parts of a single-JSON log the import reads; the rest (reductions, stats, each sample's
/// events) is skipped without being kept.
#[derive(serde::Deserialize)]
struct JsonLog {
    #[serde(default)]
    version: Value,
    #[serde(default)]
    status: Value,
    #[serde(default)]
    eval: Value,
    #[serde(default)]
    plan: Value,
    #[serde(default)]
    results: Value,
    #[serde(default)]
    error: Value,
    #[serde(default)]
    samples: Option<Vec<RawSample>>,
}

/// The parts of a sample the import reads.
#[derive(serde::Deserialize)]
struct RawSample {
    id: Value,
    #[serde(default)]
    epoch: Option<u64>,
    #[serde(default)]
    input: Value,
    #[serde(default)]
    target: Value,
    #[serde(default)]
    choices: Value,
    #[serde(default)]
    messages: Option<Vec<RawMessage>>,
    #[serde(default)]
    output: Option<RawOutput>,
    #[serde(default)]
    scores: Value,
    /// Version 1: the sample's one score.
    #[serde(default)]
    score: Value,
    #[serde(default)]
    error: Value,
}

#[derive(serde::Deserialize)]
struct RawMessage {
    #[serde(default)]
    role: Option<String>,
    #[serde(default)]
    content: Value,
}

#[derive(serde::Deserialize)]
struct RawOutput {
    #[serde(default)]
    completion: Option<String>,
}

fn read_zip(path: &Path) -> Result<Log> {
    let file = std::fs::File::open(path).with_path(path)?;
    let mut archive = zip::ZipArchive::new(std::io::BufReader::new(file))
        .map_err(|e| Error::in_file(path, format!("not a readable zip (an .eval log): {e}")))?;
    if archive.len() > MAX_ENTRIES {
        return Err(Error::in_file(path, format!("has {} entries; a log has at most {MAX_ENTRIES}", archive.len())));
    }
    let names: Vec<String> = (0..archive.len()).filter_map(|i| Some(archive.name_for_index(i)?.ok()?.into_owned())).collect();
    let mut json = |name: &str| -> Result<Option<Vec<u8>>> {
        let Some(index) = archive.index_for_name(name) else { return Ok(None) };
        entry_bytes(&mut archive, index).map(Some).map_err(|why| Error::in_file(path, format!("entry '{name}': {why}")))
    };
    let parse = |name: &str, bytes: Vec<u8>| -> Result<Value> {
        serde_json::from_slice(&bytes).map_err(|e| Error::in_file(path, format!("entry '{name}': not JSON: {e}")))
    };
    let (mut header, running) = match json("header.json")? {
        Some(header) => (parse("header.json", header)?, false),
        None => {
            let start = "_journal/start.json";
            let bytes =
                json(start)?.ok_or_else(|| Error::in_file(path, "has neither header.json nor _journal/start.json: not an Inspect log"))?;
            (parse(start, bytes)?, true)
        }
    };
    let mut samples = Vec::new();
    for name in names.iter().filter(|n| n.starts_with("samples/") && n.ends_with(".json")) {
        let bytes = json(name)?.unwrap_or_default();
        let sample =
            serde_json::from_slice(&bytes).map_err(|e| Error::in_file(path, format!("entry '{name}': not an Inspect sample: {e}")))?;
        samples.push((format!("entry '{name}'"), sample));
    }
    crate::secrets::redact(&mut header);
    Ok(Log { header, samples, running })
}

/// An entry's bytes: stored and deflated entries through the zip reader (which checks their
/// CRC), Zstandard ones decoded here (every frame) and checked against their CRC.
fn entry_bytes<R: Read + std::io::Seek>(archive: &mut zip::ZipArchive<R>, index: usize) -> std::result::Result<Vec<u8>, String> {
    let bounded = |reader: &mut dyn Read| -> std::result::Result<Vec<u8>, String> {
        let mut bytes = Vec::new();
        reader.take(MAX_ENTRY_BYTES + 1).read_to_end(&mut bytes).map_err(|e| e.to_string())?;
        if bytes.len() as u64 > MAX_ENTRY_BYTES {
            return Err(format!("inflates past {MAX_ENTRY_BYTES} bytes"));
        }
        Ok(bytes)
    };
    let (method, crc) = {
        let raw = archive.by_index_raw(index).map_err(|e| e.to_string())?;
        (raw.compression(), raw.crc32())
    };
    match method {
        zip::CompressionMethod::Stored | zip::CompressionMethod::Deflated => {
            let mut entry = archive.by_index(index).map_err(|e| e.to_string())?;
            bounded(&mut entry)
        }
        // Zstandard (method 93), which Inspect writes by default.
        method if method == zip::CompressionMethod::ZSTD => {
            let mut raw = archive.by_index_raw(index).map_err(|e| e.to_string())?;
            let compressed = bounded(&mut raw)?;
            let mut rest = compressed.as_slice();
            let mut bytes = Vec::new();
            while !rest.is_empty() {
                let mut frame = ruzstd::decoding::StreamingDecoder::new(&mut rest).map_err(|e| format!("not Zstandard: {e}"))?;
                let room = MAX_ENTRY_BYTES + 1 - bytes.len() as u64;
                (&mut frame).take(room).read_to_end(&mut bytes).map_err(|e| format!("not Zstandard: {e}"))?;
                if bytes.len() as u64 > MAX_ENTRY_BYTES {
                    return Err(format!("inflates past {MAX_ENTRY_BYTES} bytes"));
                }
            }
            if crc32fast::hash(&bytes) != crc {
                return Err("its CRC does not match its contents (the file is damaged)".into());
            }
            Ok(bytes)
        }
        other => {
            use zip::CompressionMethod as M;
            let known = [
                (M::DEFLATE64, "Deflate64"),
                (M::BZIP2, "bzip2"),
                (M::LZMA, "LZMA"),
                (M::XZ, "xz"),
                (M::PPMD, "PPMd"),
                (M::AES, "AES encryption"),
            ];
            let name = known.iter().find(|(m, _)| *m == other).map_or_else(|| format!("{other:?}"), |(_, n)| n.to_string());
            Err(format!("compressed with {name}, which claimbench does not read (Inspect writes stored, deflated and Zstandard entries)"))
        }
    }
}

/// A sample id as Inspect writes it: text, or a number.
fn id_text(id: &Value) -> String {
    id.as_str().map_or_else(|| id.to_string(), str::to_string)
}

/// One sample of one epoch, as the import reads it.
struct Sample {
    id: String,
    epoch: u64,
    /// What the model was sent: the first user message (after the solvers), else the input.
    prompt: String,
    targets: Vec<String>,
    choices: Option<Vec<String>>,
    completion: String,
    /// Each scorer's value and the answer it recorded.
    scores: BTreeMap<String, (Value, Option<String>)>,
    error: Option<String>,
}

/// The legacy `score` of a version-1 sample, before its scorer is known.
const LEGACY_SCORER: &str = "";

fn message_text(content: &Value) -> Option<String> {
    match content {
        Value::String(text) => Some(text.clone()),
        Value::Array(parts) => Some(
            parts
                .iter()
                .filter(|p| p.get("type").and_then(Value::as_str) == Some("text"))
                .filter_map(|p| p.get("text")?.as_str())
                .collect(),
        ),
        _ => None,
    }
}

fn sample_of(raw: RawSample, version: u64) -> std::result::Result<Sample, String> {
    let id = Some(&raw.id).filter(|i| i.is_string() || i.is_number()).map(id_text).ok_or("no 'id' text or number")?;
    let epoch = raw.epoch.unwrap_or(1);
    let input = match &raw.input {
        Value::Array(messages) => messages
            .iter()
            .rev()
            .find(|m| m.get("role").and_then(Value::as_str) == Some("user"))
            .and_then(|m| message_text(m.get("content")?)),
        other => message_text(other),
    };
    let sent = raw.messages.iter().flatten().find(|m| m.role.as_deref() == Some("user")).and_then(|m| message_text(&m.content));
    let prompt = sent.or(input).ok_or("no 'input' text")?;
    let texts = |value: &Value, what: &str| -> std::result::Result<Vec<String>, String> {
        match value {
            Value::String(t) => Ok(vec![t.clone()]),
            Value::Array(items) => items.iter().map(|t| t.as_str().map(str::to_string).ok_or(format!("a {what} is not text"))).collect(),
            _ => Err(format!("no '{what}'")),
        }
    };
    let targets = texts(&raw.target, "target")?;
    let choices = if raw.choices.is_array() { Some(texts(&raw.choices, "choice")?) } else { None };
    let completion = raw.output.and_then(|o| o.completion).unwrap_or_default();
    let score = |s: &Value| (s.get("value").cloned().unwrap_or(Value::Null), s.get("answer").and_then(Value::as_str).map(str::to_string));
    let mut scores = BTreeMap::new();
    match (&raw.scores, &raw.score) {
        (Value::Object(table), _) => scores.extend(table.iter().map(|(name, s)| (name.clone(), score(s)))),
        (Value::Null, s) if version == 1 && s.is_object() => drop(scores.insert(LEGACY_SCORER.to_string(), score(s))),
        (Value::Null, _) => {}
        _ => return Err("'scores' is not a table".into()),
    }
    let error = Some(&raw.error)
        .filter(|e| !e.is_null())
        .map(|e| e.get("message").and_then(Value::as_str).map_or_else(|| e.to_string(), str::to_string));
    Ok(Sample { id, epoch, prompt, targets, choices, completion, scores, error })
}

/// A scorer of the log: its name (a key of each sample's scores), the scorer it is, its
/// parameters.
struct Scorer {
    name: String,
    kind: String,
    params: Map<String, Value>,
}

fn scorers_of(header: &Value, samples: &[(String, Sample)]) -> Vec<Scorer> {
    let mut scorers: Vec<Scorer> = Vec::new();
    let from_results = header.pointer("/results/scores").and_then(Value::as_array).into_iter().flatten().filter_map(|s| {
        let name = s.get("name")?.as_str()?.to_string();
        let kind = s.get("scorer").and_then(Value::as_str).unwrap_or(&name).to_string();
        Some(Scorer { name, kind, params: s.get("params").and_then(Value::as_object).cloned().unwrap_or_default() })
    });
    let from_eval = header.pointer("/eval/scorers").and_then(Value::as_array).into_iter().flatten().filter_map(|s| {
        let name = s.get("name")?.as_str()?.to_string();
        Some(Scorer { kind: name.clone(), name, params: s.get("options").and_then(Value::as_object).cloned().unwrap_or_default() })
    });
    for scorer in from_results.chain(from_eval) {
        if !scorers.iter().any(|s| s.name == scorer.name) {
            scorers.push(scorer);
        }
    }
    // Scores no header names (a running log, a version-1 sample's single score).
    for (_, sample) in samples {
        for name in sample.scores.keys() {
            let legacy = name == LEGACY_SCORER && !scorers.is_empty();
            if !legacy && !scorers.iter().any(|s| s.name == *name) {
                let label = if name.is_empty() { "score".to_string() } else { name.clone() };
                scorers.push(Scorer { name: label.clone(), kind: label, params: Map::new() });
            }
        }
    }
    scorers
}

/// Inspect's `value_to_float` for the default values: `C` 1, `P` 0.5, `I` and `N` 0, booleans
/// and numbers as they are, `yes`/`true` 1, `no`/`false` 0, numeric text; none for anything else.
fn value_to_float(value: &Value) -> Option<f64> {
    match value {
        Value::String(s) => match s.as_str() {
            "C" => Some(1.0),
            "P" => Some(0.5),
            "I" | "N" => Some(0.0),
            other => match other.to_lowercase().as_str() {
                "yes" | "true" => Some(1.0),
                "no" | "false" => Some(0.0),
                text => text.trim().parse::<f64>().ok().filter(|f| f.is_finite()),
            },
        },
        Value::Bool(b) => Some(f64::from(u8::from(*b))),
        Value::Number(n) => n.as_f64(),
        _ => None,
    }
}

/// How a scorer's verdicts can be re-derived, or why they cannot.
fn scoring_of(scorer: &Scorer, plan: &Value) -> std::result::Result<InspectScorer, String> {
    let kind = scorer.kind.rsplit('/').next().unwrap_or_default();
    let flag = |key: &str| -> std::result::Result<Option<bool>, String> {
        match scorer.params.get(key) {
            None | Some(Value::Null) => Ok(None),
            Some(Value::Bool(b)) => Ok(Some(*b)),
            Some(other) => Err(format!("scorer '{kind}' option {key} = {other}")),
        }
    };
    let known = |keys: &[&str]| match scorer.params.keys().find(|k| !keys.contains(&k.as_str())) {
        Some(key) => Err(format!("scorer '{kind}' option '{key}' is one claimbench does not apply")),
        None => Ok(()),
    };
    match kind {
        "match" => {
            known(&["location", "ignore_case", "numeric"])?;
            let location = match scorer.params.get("location").and_then(Value::as_str).unwrap_or("end") {
                "begin" => MatchLocation::Begin,
                "end" => MatchLocation::End,
                "any" => MatchLocation::Any,
                "exact" => MatchLocation::Exact,
                other => return Err(format!("match location '{other}'")),
            };
            Ok(InspectScorer::Match {
                location,
                ignore_case: flag("ignore_case")?.unwrap_or(true),
                numeric: flag("numeric")?.unwrap_or(false),
            })
        }
        "includes" => {
            known(&["ignore_case"])?;
            Ok(InspectScorer::Includes { ignore_case: flag("ignore_case")?.unwrap_or(true) })
        }
        "choice" => {
            known(&[])?;
            let steps = plan.get("steps").and_then(Value::as_array).cloned().unwrap_or_default();
            let solver = steps.iter().find(|s| s.get("solver").and_then(Value::as_str).is_some_and(|n| n.ends_with("multiple_choice")));
            let Some(solver) = solver else { return Err("the choice scorer without the multiple_choice solver".into()) };
            let param = |key: &str| solver.pointer(&format!("/params/{key}")).filter(|v| !v.is_null() && **v != Value::Bool(false));
            if param("multiple_correct").is_some() {
                return Err("multiple_choice with several correct answers".into());
            }
            if param("shuffle").is_some() {
                return Err("multiple_choice with shuffled choices".into());
            }
            Ok(InspectScorer::Choice)
        }
        other => Err(format!("scorer '{other}' is Inspect's own or the task's")),
    }
}

/// What every run of one log shares.
struct Context<'a> {
    path: &'a Path,
    header: &'a Value,
    eval: &'a Value,
    file: &'a ImportedFile,
    /// The epoch imported, of how many.
    epoch: (u64, u64),
    /// The log has several scorers: each run is named after its own.
    several: bool,
}

fn task_run(context: &Context<'_>, scorer: &Scorer, samples: &[(String, Sample)], incomplete: Vec<String>) -> Result<ImportedTask> {
    let eval = context.eval;
    let text_of = |pointer: &str| eval.pointer(pointer).and_then(Value::as_str).map(str::to_string);
    let task = text_of("/task").unwrap_or_else(|| "inspect-task".into());
    let harness_version = text_of("/packages/inspect_ai").unwrap_or_else(|| "unknown".into());
    let plan = context.header.get("plan").cloned().unwrap_or(Value::Null);
    let scoring = scoring_of(scorer, &plan);
    let key = |s: &Sample| if s.scores.contains_key(&scorer.name) { scorer.name.clone() } else { LEGACY_SCORER.to_string() };
    let mut records = Vec::with_capacity(samples.len());
    let mut items = Vec::with_capacity(samples.len());
    for (place, sample) in samples {
        let Some((value, answer)) = sample.scores.get(&key(sample)) else {
            return Err(Error::in_file(context.path, format!("{place}: sample '{}' has no score from '{}'", sample.id, scorer.name)));
        };
        let mut reference = serde_json::json!({"target": sample.targets});
        if let Some(choices) = &sample.choices {
            reference["choices"] = choices.len().into();
        }
        let mut record = Map::new();
        record.insert("sample_id".into(), sample.id.clone().into());
        record.insert("prompt".into(), sample.prompt.clone().into());
        record.insert("target".into(), reference.to_string().into());
        if let Some(choices) = &sample.choices {
            record.insert("choices".into(), choices.clone().into());
        }
        records.push(record);
        let stored_value = value_to_float(value);
        let annotation = serde_json::json!({
            "sample_id": sample.id, "epoch": sample.epoch, "prompt_hash": sha256_hex(sample.prompt.as_bytes()),
            "scorer": scorer.name, "value": value, "answer": answer,
        })
        .to_string();
        let (output, stored) = match &scoring {
            Ok(_) => (sample.completion.clone(), stored_value.map(|v| ("accuracy".to_string(), v)).into_iter().collect()),
            Err(_) => (serde_json::json!({"answer": answer, "metrics": {"acc": stored_value}}).to_string(), BTreeMap::new()),
        };
        items.push(ImportedItem { output, annotation, stored, stored_answer: answer.clone() });
    }

    let mut text = toml::Table::new();
    text.insert("output_type".into(), "generate_until".into());
    text.insert("doc_to_text".into(), "prompt".into());
    text.insert("doc_to_target".into(), "target".into());
    let scored_by = match &scoring {
        Ok(inspect) => {
            let table = toml::Table::try_from(inspect).map_err(|e| Error::new(e.to_string()))?;
            text.insert("inspect".into(), toml::Value::Table(table));
            format!("claimbench {}", crate::tasks::text::SCORING_VERSION)
        }
        Err(why) => {
            text.insert("scored_by".into(), format!("{HARNESS} {harness_version} ({why})").into());
            format!("{HARNESS} {harness_version}")
        }
    };
    let version = eval.get("task_version").map(|v| v.as_str().map_or_else(|| v.to_string(), str::to_string)).unwrap_or_else(|| "0".into());
    let (chosen, epochs) = context.epoch;
    let mut suite_id = task.clone();
    if context.several {
        suite_id = format!("{suite_id}-{}", scorer.name);
    }
    if epochs > 1 {
        suite_id = format!("{suite_id}-epoch{chosen}");
    }
    let mut suite = toml::Table::new();
    suite.insert("id".into(), crate::run::sanitize(&suite_id).into());
    suite.insert("version".into(), version.clone().into());
    suite.insert(
        "description".into(),
        format!("Inspect task '{task}', scorer '{}': Inspect's own prompts, targets and answers.", scorer.name).into(),
    );
    suite.insert("task".into(), "text".into());
    suite.insert("metrics".into(), toml::Value::Array(vec!["accuracy".into()]));
    suite.insert("text".into(), toml::Value::Table(text));

    let model = text_of("/model").unwrap_or_else(|| "unknown".into());
    let started_at = text_of("/created").and_then(|c| utc_of(&c)).unwrap_or_else(crate::host::utc_now);
    let stated = context
        .header
        .pointer("/results/scores")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .filter(|s| s.get("name").and_then(Value::as_str) == Some(scorer.name.as_str()))
        .filter_map(|s| s.get("metrics")?.as_object())
        .flatten()
        .filter_map(|(name, metric)| Some((name.clone(), metric.get("value")?.as_f64()?)))
        .collect();
    let mut recorded = Map::new();
    for key in [
        "task_version",
        "task_id",
        "eval_id",
        "run_id",
        "created",
        "task_args",
        "dataset",
        "config",
        "revision",
        "packages",
        "model_generate_config",
        "model_base_url",
    ] {
        recorded.insert(key.into(), eval.get(key).cloned().unwrap_or(Value::Null));
    }
    recorded.insert("scorer".into(), serde_json::json!({"name": scorer.name, "scorer": scorer.kind, "params": scorer.params}));
    recorded.insert("epoch".into(), serde_json::json!({"imported": chosen, "of": epochs}));
    recorded.insert("plan".into(), plan);
    recorded.insert("status".into(), context.header.get("status").cloned().unwrap_or(Value::Null));
    let provenance = Imported {
        harness: HARNESS.to_string(),
        harness_version,
        files: vec![context.file.clone()],
        task: task.clone(),
        filter: Some(scorer.name.clone()),
        model: model.clone(),
        model_args: eval.get("model_args").cloned().unwrap_or(Value::Null),
        task_hash: None,
        num_fewshot: None,
        chat_template_sha: None,
        system_instruction_sha: None,
        recorded: Value::Object(recorded),
        stated,
        scored_by,
        agreement: None,
    };
    let dataset = text_of("/dataset/name").unwrap_or_else(|| "?".into());
    Ok(ImportedTask {
        suite,
        dataset_name: format!("inspect-{}", crate::run::sanitize(&task)),
        dataset_version: version,
        dataset_source: format!("Inspect task '{task}' (dataset {dataset}): prompts, targets and sample ids as its log records them"),
        records,
        items,
        system_name: model,
        started_at,
        seed: eval.pointer("/model_generate_config/seed").and_then(Value::as_u64).unwrap_or(0),
        provenance,
        incomplete: (!incomplete.is_empty()).then(|| incomplete.join("; ")),
    })
}

/// An ISO 8601 time with an offset (`2026-12-04T21:32:17+00:00`) in UTC, as run ids take it.
fn utc_of(created: &str) -> Option<String> {
    let (date, time) = created.split_once('T')?;
    let mut parts = date.splitn(3, '-').map(|p| p.parse::<i64>().ok());
    let (year, month, day) = (parts.next()??, parts.next()??, parts.next()??);
    let clock = time.get(..8)?;
    let mut hms = clock.split(':').map(|p| p.parse::<i64>().ok());
    let (h, m, s) = (hms.next()??, hms.next()??, hms.next()??);
    let rest = time[8..].trim_start_matches(|c: char| c == '.' || c.is_ascii_digit());
    let offset = match rest {
        "" | "Z" => 0,
        sign_and_time => {
            let sign = if sign_and_time.starts_with('-') { -1 } else { 1 };
            let (oh, om) = sign_and_time.get(1..)?.split_once(':')?;
            sign * (oh.parse::<i64>().ok()? * 3600 + om.parse::<i64>().ok()? * 60)
        }
    };
    // Days from the civil date (Howard Hinnant's algorithm).
    let y = if month <= 2 { year - 1 } else { year };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let doy = (153 * (month + if month > 2 { -3 } else { 9 }) + 2) / 5 + day - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    let days = era * 146_097 + doe - 719_468;
    let seconds = days * 86_400 + h * 3600 + m * 60 + s - offset;
    Some(crate::host::format_utc(u64::try_from(seconds).ok()?))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn scores_are_read_as_inspects_value_to_float_reads_them() {
        let read: Vec<Option<f64>> = [
            json!("C"),
            json!("I"),
            json!("P"),
            json!("N"),
            json!(true),
            json!(0.25),
            json!("Yes"),
            json!("0.5"),
            json!("maybe"),
            json!([1]),
        ]
        .iter()
        .map(value_to_float)
        .collect();
        assert_eq!(read, [Some(1.0), Some(0.0), Some(0.5), Some(0.0), Some(1.0), Some(0.25), Some(1.0), Some(0.5), None, None]);
        assert_eq!(utc_of("2026-12-04T21:32:17+00:00").as_deref(), Some(crate::host::format_utc(1_796_419_937).as_str()));
        assert_eq!(utc_of("2026-12-04T23:32:17.123+02:00"), utc_of("2026-12-04T21:32:17Z"));
    }

    #[test]
    fn only_the_scorers_claimbench_reproduces_are_re_derived() {
        let scorer = |kind: &str, params: Value| Scorer {
            name: kind.into(),
            kind: kind.into(),
            params: params.as_object().cloned().unwrap_or_default(),
        };
        let plan = json!({"steps": [{"solver": "multiple_choice", "params": {"multiple_correct": false, "cot": false}}]});
        assert_eq!(
            scoring_of(&scorer("match", json!({"numeric": true})), &plan),
            Ok(InspectScorer::Match { location: MatchLocation::End, ignore_case: true, numeric: true })
        );
        assert_eq!(scoring_of(&scorer("inspect_ai/choice", json!({})), &plan), Ok(InspectScorer::Choice));
        assert!(scoring_of(
            &scorer("choice", json!({})),
            &json!({"steps": [{"solver": "multiple_choice", "params": {"multiple_correct": true}}]})
        )
        .is_err());
        assert!(scoring_of(&scorer("choice", json!({})), &json!({"steps": [{"solver": "generate"}]})).is_err());
        assert!(scoring_of(&scorer("match", json!({"location": "middle"})), &plan).is_err());
        assert!(scoring_of(&scorer("model_graded_qa", json!({})), &plan).is_err());
    }
}
