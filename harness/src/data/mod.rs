//! Dataset loading: records from the dataset's files, each with a stable id and its position.

pub mod add;
pub mod audio;
pub mod jsonl;
pub mod lammps_log;
pub mod tabular;
pub mod transcripts;

use crate::error::{Error, Result};
use crate::fsutil::sha256_hex;
use crate::spec::dataset::{Dataset, FileFormat};
use serde_json::{Map, Value};
use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;

/// One record of a dataset file.
#[derive(Debug, Clone)]
pub struct Record {
    /// Stable id from the record's content, so it survives reordering of the file and a change
    /// of format (the same records as JSONL, CSV or Parquet have the same ids).
    pub id: String,
    /// 0-based position among the key's records (across its shards, in order).
    pub index: usize,
    /// Its file, for error messages.
    pub path: Arc<Path>,
    pub place: Place,
    pub fields: Map<String, Value>,
}

/// Where a record is in its file: a line (JSONL, CSV, TSV) or a 1-based row (JSON arrays,
/// Parquet).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Place {
    Line(usize),
    Row(usize),
}

impl Record {
    /// A record standing in for an item read another way (audio, a simulation), so that
    /// submitted results can be keyed by id or index.
    pub fn stand_in(id: &str, index: usize, path: &Path) -> Record {
        Record { id: id.to_string(), index, path: Arc::from(path), place: Place::Row(index + 1), fields: Map::new() }
    }

    /// An error about this record: `FILE:LINE: message` or `FILE: row N: message`.
    pub fn error(&self, message: impl std::fmt::Display) -> Error {
        match self.place {
            Place::Line(line) => Error::at_line(&self.path, line, message),
            Place::Row(row) => Error::in_file(&self.path, format!("row {row}: {message}")),
        }
    }

    /// A required string field.
    pub fn string_field(&self, key: &str) -> Result<&str> {
        match self.fields.get(key) {
            Some(Value::String(s)) => Ok(s),
            Some(other) => Err(self.error(format!("field '{key}' must be a string, found {}", jsonl::json_kind(other)))),
            None => Err(self.error(format!("missing field '{key}'"))),
        }
    }
}

/// The records of one dataset key: one file, or its shards in the order dataset.toml lists them.
#[derive(Debug, Clone)]
pub struct RecordFile {
    /// The first file (a key's shards share a name up to the shard number).
    pub path: PathBuf,
    pub records: Vec<Record>,
}

pub fn load_records(dataset: &Dataset, key: &str) -> Result<RecordFile> {
    let files = dataset.files(key)?;
    let mut seen: HashMap<String, usize> = HashMap::new();
    let mut records = Vec::new();
    for (path, spec) in &files {
        let rows = read_rows(path, spec.format, key)?;
        let shared: Arc<Path> = Arc::from(path.as_path());
        for (place, fields) in rows {
            let id = record_id(&dataset.spec.name, &fields, &mut seen);
            records.push(Record { id, index: records.len(), path: Arc::clone(&shared), place, fields });
        }
    }
    Ok(RecordFile { path: files[0].0.clone(), records })
}

/// The records of one file in a record format.
pub fn read_rows(path: &Path, format: FileFormat, key: &str) -> Result<Vec<(Place, Map<String, Value>)>> {
    Ok(match format {
        FileFormat::Jsonl => jsonl::read_objects(path)?.into_iter().map(|(line, fields)| (Place::Line(line), fields)).collect(),
        FileFormat::Json => tabular::read_json(path)?,
        FileFormat::Csv => tabular::read_delimited(path, b',')?,
        FileFormat::Tsv => tabular::read_delimited(path, b'\t')?,
        FileFormat::Parquet => tabular::read_parquet(path)?,
        FileFormat::Text | FileFormat::Wav => return Err(Error::in_file(path, format!("file '{key}' is not a file of records"))),
    })
}

/// `NAME-<12 hex of sha256(canonical JSON)>`; identical records get `-2`, `-3`, … in file order.
fn record_id(dataset_name: &str, fields: &Map<String, Value>, seen: &mut HashMap<String, usize>) -> String {
    // serde_json's Map keeps keys sorted, so this serialisation is canonical.
    let canonical = serde_json::to_string(fields).expect("a JSON map always serialises");
    let base = format!("{dataset_name}-{}", &sha256_hex(canonical.as_bytes())[..12]);
    let count = seen.entry(base.clone()).or_insert(0);
    *count += 1;
    if *count == 1 {
        base
    } else {
        format!("{base}-{count}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn fields(v: Value) -> Map<String, Value> {
        v.as_object().unwrap().clone()
    }

    #[test]
    fn ids_depend_on_content_not_position_or_key_order() {
        let mut seen = HashMap::new();
        let a = record_id("d", &fields(json!({"q": "1", "a": "2"})), &mut seen);
        let mut seen = HashMap::new();
        let b = record_id("d", &fields(json!({"a": "2", "q": "1"})), &mut seen);
        assert_eq!(a, b);
        assert!(a.starts_with("d-") && a.len() == 2 + 12);
    }

    #[test]
    fn duplicate_records_get_distinct_ids() {
        let mut seen = HashMap::new();
        let r = fields(json!({"q": "same"}));
        let first = record_id("d", &r, &mut seen);
        let second = record_id("d", &r, &mut seen);
        assert_ne!(first, second);
        assert_eq!(second, format!("{first}-2"));
    }
}
