//! Dataset loading: records from the dataset's files, each with a stable id and its position.

pub mod audio;
pub mod jsonl;
pub mod lammps_log;
pub mod transcripts;

use crate::error::Result;
use crate::fsutil::sha256_hex;
use crate::spec::dataset::{Dataset, FileFormat};
use serde_json::{Map, Value};
use std::collections::HashMap;
use std::path::PathBuf;

/// One record of a dataset file.
#[derive(Debug, Clone)]
pub struct Record {
    /// Stable id from the record's content, so it survives reordering of the file.
    pub id: String,
    /// 0-based position in the file.
    pub index: usize,
    /// 1-based line in the file, for error messages.
    pub line: usize,
    pub fields: Map<String, Value>,
}

/// The records of one dataset file.
#[derive(Debug, Clone)]
pub struct RecordFile {
    pub path: PathBuf,
    pub records: Vec<Record>,
}

pub fn load_records(dataset: &Dataset, key: &str) -> Result<RecordFile> {
    let (path, spec) = dataset.file(key)?;
    let rows = match spec.format {
        FileFormat::Jsonl => jsonl::read_objects(&path)?,
        FileFormat::Text | FileFormat::Wav => {
            return Err(crate::Error::in_file(&path, format!("file '{key}' is not a file of JSON records")))
        }
    };
    let mut seen: HashMap<String, usize> = HashMap::new();
    let records = rows
        .into_iter()
        .enumerate()
        .map(|(index, (line, fields))| {
            let id = record_id(&dataset.spec.name, &fields, &mut seen);
            Record { id, index, line, fields }
        })
        .collect();
    Ok(RecordFile { path, records })
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
