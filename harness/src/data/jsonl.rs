//! JSON Lines reading with line numbers in every error.

use crate::error::{Error, Result};
use crate::fsutil::read_to_string;
use serde_json::{Map, Value};
use std::path::Path;

/// Reads a JSONL file of objects; blank lines are skipped. Returns (1-based line, object) pairs.
pub fn read_objects(path: &Path) -> Result<Vec<(usize, Map<String, Value>)>> {
    let text = read_to_string(path)?;
    parse_objects(path, &text)
}

pub fn parse_objects(path: &Path, text: &str) -> Result<Vec<(usize, Map<String, Value>)>> {
    let mut out = Vec::new();
    for (i, line) in text.lines().enumerate() {
        let line_no = i + 1;
        if line.trim().is_empty() {
            continue;
        }
        match serde_json::from_str::<Value>(line) {
            Ok(Value::Object(map)) => out.push((line_no, map)),
            Ok(other) => return Err(Error::at_line(path, line_no, format!("expected a JSON object, found {}", json_kind(&other)))),
            Err(e) => return Err(Error::at(path, line_no, e.column(), format!("invalid JSON: {e}"))),
        }
    }
    Ok(out)
}

pub fn json_kind(value: &Value) -> &'static str {
    match value {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn broken_line_is_reported_with_its_number() {
        let err = parse_objects(Path::new("x.jsonl"), "{\"a\":1}\n\n{\"a\":\n").unwrap_err();
        assert!(err.message().starts_with("x.jsonl:3:"), "{err}");
    }

    #[test]
    fn non_objects_are_rejected() {
        let err = parse_objects(Path::new("x.jsonl"), "[1,2]\n").unwrap_err();
        assert!(err.message().contains("x.jsonl:1: expected a JSON object, found an array"), "{err}");
    }
}
