//! `predictions`: scores a JSONL file of outputs that someone else produced (the reviewer's
//! path). Each line is `{"id": …, "output": …}` or `{"index": …, "output": …}`.

use super::{GenerateRequest, Response, System};
use crate::data::jsonl::{json_kind, read_objects};
use crate::error::{Error, Result};
use crate::protocol::{PreparedTask, TaskItem};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use std::collections::{HashMap, HashSet};
use std::path::Path;

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PredictionsConfig {
    /// Set in a system file; parsed here so that unknown keys can still be rejected.
    #[serde(default, skip_serializing)]
    pub kind: Option<String>,
    #[serde(default, skip_serializing)]
    pub name: Option<String>,
    /// JSONL file, relative to the system file's directory.
    pub path: String,
}

pub struct PredictionsSystem {
    outputs: HashMap<String, String>,
}

/// How many ids an error message lists before it says "and N more".
const LIST_LIMIT: usize = 5;

impl PredictionsSystem {
    pub fn load(path: &Path, task: &PreparedTask, scored: &[TaskItem]) -> Result<Self> {
        let by_index: Vec<&str> = task.source.records.iter().map(|r| r.id.as_str()).collect();
        let known: HashSet<&str> = by_index.iter().copied().collect();
        let mut outputs: HashMap<String, String> = HashMap::new();
        let mut first_line: HashMap<String, usize> = HashMap::new();
        let mut unknown: Vec<String> = Vec::new();
        for (line, mut row) in rows(path)? {
            // NeMo-style transcripts: `pred_text`, keyed by the audio file's name.
            if let (None, Some(text)) = (row.get("output"), row.get("pred_text").cloned()) {
                row.insert("output".to_string(), text);
                if let (None, None, Some(Value::String(audio))) = (row.get("id"), row.get("index"), row.get("audio_filepath")) {
                    let stem = Path::new(audio).file_stem().map(|s| s.to_string_lossy().into_owned()).unwrap_or_default();
                    row.insert("id".to_string(), Value::String(stem));
                }
            }
            let output = match row.get("output") {
                Some(Value::String(s)) => s.clone(),
                Some(other) => {
                    return Err(Error::at_line(path, line, format!("field 'output' must be a string, found {}", json_kind(other))))
                }
                None => return Err(Error::at_line(path, line, "missing field 'output'")),
            };
            let id = match (row.get("id"), row.get("index")) {
                (Some(Value::String(id)), None) => id.clone(),
                (None, Some(index)) => {
                    let i = index.as_u64().ok_or_else(|| {
                        Error::at_line(path, line, format!("field 'index' must be a non-negative integer, found {index}"))
                    })?;
                    match by_index.get(i as usize) {
                        Some(id) => id.to_string(),
                        None => {
                            return Err(Error::at_line(
                                path,
                                line,
                                format!("index {i} is past the end of the dataset file ({} items)", by_index.len()),
                            ))
                        }
                    }
                }
                (Some(Value::String(id)), Some(index)) => {
                    // Both keys are allowed when they agree; disagreement means a mis-keyed file.
                    let expected = index.as_u64().and_then(|i| by_index.get(i as usize)).copied();
                    if expected != Some(id.as_str()) {
                        return Err(Error::at_line(path, line, format!("id '{id}' and index {index} name different items")));
                    }
                    id.clone()
                }
                (Some(other), _) => {
                    return Err(Error::at_line(path, line, format!("field 'id' must be a string, found {}", json_kind(other))))
                }
                (None, None) => return Err(Error::at_line(path, line, "needs an 'id' or an 'index'")),
            };
            if let Some(previous) = first_line.get(&id) {
                return Err(Error::at_line(path, line, format!("duplicate prediction for '{id}' (first on line {previous})")));
            }
            if !known.contains(id.as_str()) {
                unknown.push(format!("{id} (line {line})"));
            }
            first_line.insert(id.clone(), line);
            outputs.insert(id, output);
        }
        if !unknown.is_empty() {
            return Err(Error::in_file(path, format!("{} predictions name no item of the dataset: {}", unknown.len(), list(&unknown))));
        }
        let missing: Vec<String> = scored.iter().filter(|item| !outputs.contains_key(&item.id)).map(|item| item.id.clone()).collect();
        if !missing.is_empty() {
            return Err(Error::in_file(
                path,
                format!(
                    "no prediction for {} of {} scored items: {} (`claimbench suites items SUITE` lists the ids)",
                    missing.len(),
                    scored.len(),
                    list(&missing)
                ),
            ));
        }
        Ok(PredictionsSystem { outputs })
    }
}

/// The rows of a predictions file: JSON lines, or for `.trn` files sclite transcripts
/// (`words (UTTERANCE-ID)`) as `{"id", "output"}` rows.
fn rows(path: &Path) -> Result<Vec<(usize, serde_json::Map<String, Value>)>> {
    if path.extension().is_none_or(|e| e != "trn") {
        return read_objects(path);
    }
    let text = crate::fsutil::read_to_string(path)?;
    let mut out = Vec::new();
    for (i, line) in text.lines().enumerate().filter(|(_, l)| !l.trim().is_empty()) {
        let (id, words) = crate::data::transcripts::parse_trn_line(line).map_err(|why| Error::at_line(path, i + 1, why))?;
        let mut row = serde_json::Map::new();
        row.insert("id".to_string(), Value::String(id));
        row.insert("output".to_string(), Value::String(words));
        out.push((i + 1, row));
    }
    Ok(out)
}

fn list(ids: &[String]) -> String {
    let mut text = ids.iter().take(LIST_LIMIT).cloned().collect::<Vec<_>>().join(", ");
    if ids.len() > LIST_LIMIT {
        text.push_str(&format!(" and {} more", ids.len() - LIST_LIMIT));
    }
    text
}

impl PredictionsSystem {
    fn answer(&self, id: &str) -> Result<Response> {
        let output = self.outputs.get(id).ok_or_else(|| Error::new(format!("item {id}: no prediction")))?;
        Ok(Response { output: output.clone(), system_latency_s: None, output_tokens: None, measures: Default::default() })
    }
}

impl System for PredictionsSystem {
    fn kind(&self) -> &'static str {
        "predictions"
    }

    fn generate(&mut self, request: &GenerateRequest<'_>) -> Result<Response> {
        self.answer(request.id)
    }

    /// A submitted transcript, keyed by utterance id.
    fn transcribe(&mut self, request: &crate::systems::AudioRequest) -> Result<Response> {
        self.answer(&request.id)
    }

    /// A submitted simulation result is the run's log, keyed by item id.
    fn simulate(&mut self, request: &crate::systems::SimulationRequest) -> Result<Response> {
        self.answer(&request.id)
    }
}
