//! Per-item results: appended to a JSONL journal while a run goes, written to Parquet (through
//! polars) when it ends.

use crate::error::{Error, IoContext, Result};
use crate::fsutil::write_atomic_with;
use polars::prelude::*;
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, BTreeSet};
use std::io::Write;
use std::path::Path;

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Sample {
    pub id: String,
    pub index: usize,
    pub prompt_sha256: String,
    pub output: String,
    pub extracted: Option<String>,
    pub reference: String,
    pub correct: bool,
    /// Wall-clock seconds claimbench waited for the answer; absent for submitted predictions.
    pub latency_s: Option<f64>,
    /// Seconds the system reported spending, when it did.
    pub system_latency_s: Option<f64>,
    pub output_tokens: Option<u64>,
    /// Numbers scoring derived from the output (simulation speed and gate quantities); each
    /// becomes a column of its own in Parquet.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub measures: BTreeMap<String, f64>,
    /// Texts scoring derived from the output (normalised forms, an alignment, why an item
    /// failed); each becomes a string column of its own.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub annotations: BTreeMap<String, String>,
}

/// The append-only journal of a run in progress: one JSON sample per line, flushed per item so
/// that a crash loses at most the item in flight.
pub struct Journal {
    file: std::fs::File,
    path: std::path::PathBuf,
}

impl Journal {
    pub fn create(path: &Path) -> Result<Journal> {
        let file = std::fs::OpenOptions::new().create(true).append(true).open(path).with_path(path)?;
        Ok(Journal { file, path: path.to_path_buf() })
    }

    pub fn append(&mut self, sample: &Sample) -> Result<()> {
        let mut line = serde_json::to_string(sample).map_err(|e| Error::in_file(&self.path, e))?;
        line.push('\n');
        self.file.write_all(line.as_bytes()).with_path(&self.path)?;
        self.file.flush().with_path(&self.path)
    }
}

/// Reads a journal back. A last line cut short by a crash is dropped (and cut off the file, so
/// that appending goes on cleanly); a damaged line before it, or an item recorded twice, is an
/// error naming the line.
pub fn read_journal(path: &Path) -> Result<Vec<Sample>> {
    if !path.is_file() {
        return Ok(Vec::new());
    }
    let bytes = std::fs::read(path).with_path(path)?;
    let complete = bytes.iter().rposition(|&b| b == b'\n').map_or(0, |i| i + 1);
    if complete < bytes.len() {
        let file = std::fs::OpenOptions::new().write(true).open(path).with_path(path)?;
        file.set_len(complete as u64).with_path(path)?;
    }
    let text = String::from_utf8_lossy(&bytes[..complete]);
    let mut seen = std::collections::HashSet::new();
    let mut samples = Vec::new();
    for (i, line) in text.lines().enumerate() {
        let sample: Sample = serde_json::from_str(line).map_err(|e| Error::at_line(path, i + 1, format!("damaged journal line: {e}")))?;
        if !seen.insert(sample.id.clone()) {
            return Err(Error::at_line(path, i + 1, format!("item {} is recorded twice", sample.id)));
        }
        samples.push(sample);
    }
    Ok(samples)
}

/// Columns every samples file has; any other Float64 column is a measure.
const BASE_COLUMNS: [&str; 10] =
    ["id", "index", "prompt_sha256", "output", "extracted", "reference", "correct", "latency_s", "system_latency_s", "output_tokens"];

fn to_frame(samples: &[Sample]) -> PolarsResult<DataFrame> {
    let strings = |f: fn(&Sample) -> &str| samples.iter().map(f).collect::<Vec<&str>>();
    let mut columns = vec![
        Column::new("id".into(), strings(|s| &s.id)),
        Column::new("index".into(), samples.iter().map(|s| s.index as i64).collect::<Vec<i64>>()),
        Column::new("prompt_sha256".into(), strings(|s| &s.prompt_sha256)),
        Column::new("output".into(), strings(|s| &s.output)),
        Column::new("extracted".into(), samples.iter().map(|s| s.extracted.as_deref()).collect::<Vec<Option<&str>>>()),
        Column::new("reference".into(), strings(|s| &s.reference)),
        Column::new("correct".into(), samples.iter().map(|s| s.correct).collect::<Vec<bool>>()),
        Column::new("latency_s".into(), samples.iter().map(|s| s.latency_s).collect::<Vec<Option<f64>>>()),
        Column::new("system_latency_s".into(), samples.iter().map(|s| s.system_latency_s).collect::<Vec<Option<f64>>>()),
        Column::new("output_tokens".into(), samples.iter().map(|s| s.output_tokens.map(|t| t as i64)).collect::<Vec<Option<i64>>>()),
    ];
    let measure_names: BTreeSet<&str> = samples.iter().flat_map(|s| s.measures.keys().map(String::as_str)).collect();
    let annotation_names: BTreeSet<&str> = samples.iter().flat_map(|s| s.annotations.keys().map(String::as_str)).collect();
    for name in measure_names.iter().chain(&annotation_names) {
        if BASE_COLUMNS.contains(name) || (measure_names.contains(name) && annotation_names.contains(name)) {
            return Err(PolarsError::Duplicate(format!("column '{name}' is named twice").into()));
        }
    }
    for name in measure_names {
        columns.push(Column::new(name.into(), samples.iter().map(|s| s.measures.get(name).copied()).collect::<Vec<Option<f64>>>()));
    }
    for name in annotation_names {
        columns.push(Column::new(
            name.into(),
            samples.iter().map(|s| s.annotations.get(name).map(String::as_str)).collect::<Vec<Option<&str>>>(),
        ));
    }
    DataFrame::new(samples.len(), columns)
}

pub fn write_parquet(path: &Path, samples: &[Sample]) -> Result<()> {
    let mut frame = to_frame(samples).map_err(|e| Error::in_file(path, e))?;
    write_atomic_with(path, |file| ParquetWriter::new(file).finish(&mut frame).map(|_| ()).map_err(|e| Error::in_file(path, e)))
}

pub fn read_parquet(path: &Path) -> Result<Vec<Sample>> {
    let file = std::fs::File::open(path).with_path(path)?;
    let frame = crate::error::contain_panics(path, || {
        ParquetReader::new(file).finish().map_err(|e| Error::in_file(path, format!("cannot read Parquet: {e}")))
    })?;
    from_frame(&frame).map_err(|e| Error::in_file(path, format!("unexpected samples layout: {e}")))
}

fn from_frame(frame: &DataFrame) -> PolarsResult<Vec<Sample>> {
    let id = frame.column("id")?.str()?;
    let index = frame.column("index")?.i64()?;
    let prompt = frame.column("prompt_sha256")?.str()?;
    let output = frame.column("output")?.str()?;
    let extracted = frame.column("extracted")?.str()?;
    let reference = frame.column("reference")?.str()?;
    let correct = frame.column("correct")?.bool()?;
    let latency = frame.column("latency_s")?.f64()?;
    let system_latency = frame.column("system_latency_s")?.f64()?;
    let tokens = frame.column("output_tokens")?.i64()?;
    let text = |c: &StringChunked, i: usize| c.get(i).unwrap_or_default().to_string();
    let mut measures: Vec<(String, &Float64Chunked)> = Vec::new();
    let mut annotations: Vec<(String, &StringChunked)> = Vec::new();
    for column in frame.columns() {
        if BASE_COLUMNS.contains(&column.name().as_str()) {
            continue;
        }
        match column.dtype() {
            DataType::String => annotations.push((column.name().to_string(), column.str()?)),
            _ => measures.push((column.name().to_string(), column.f64()?)),
        }
    }
    Ok((0..frame.height())
        .map(|i| Sample {
            id: text(id, i),
            index: index.get(i).unwrap_or_default().max(0) as usize,
            prompt_sha256: text(prompt, i),
            output: text(output, i),
            extracted: extracted.get(i).map(str::to_string),
            reference: text(reference, i),
            correct: correct.get(i).unwrap_or(false),
            latency_s: latency.get(i),
            system_latency_s: system_latency.get(i),
            output_tokens: tokens.get(i).map(|t| t.max(0) as u64),
            measures: measures.iter().filter_map(|(name, c)| c.get(i).map(|v| (name.clone(), v))).collect(),
            annotations: annotations.iter().filter_map(|(name, c)| c.get(i).map(|v| (name.clone(), v.to_string()))).collect(),
        })
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample(i: usize) -> Sample {
        Sample {
            id: format!("d-{i}"),
            index: i,
            prompt_sha256: "ab".into(),
            output: format!("#### {i}"),
            extracted: if i.is_multiple_of(2) { Some(i.to_string()) } else { None },
            reference: i.to_string(),
            correct: i.is_multiple_of(2),
            latency_s: if i == 1 { None } else { Some(0.25) },
            system_latency_s: None,
            output_tokens: Some(3),
            measures: if i.is_multiple_of(2) { BTreeMap::from([("timesteps_per_s".to_string(), i as f64 * 1.5)]) } else { BTreeMap::new() },
            annotations: if i.is_multiple_of(3) {
                BTreeMap::from([("alignment".to_string(), format!("REF: {i}"))])
            } else {
                BTreeMap::new()
            },
        }
    }

    #[test]
    fn parquet_round_trip_keeps_every_field() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("samples.parquet");
        let samples: Vec<Sample> = (0..5).map(sample).collect();
        write_parquet(&path, &samples).unwrap();
        assert_eq!(read_parquet(&path).unwrap(), samples);
    }

    #[test]
    fn a_journal_cut_mid_line_loses_only_that_line() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("samples.jsonl");
        let mut journal = Journal::create(&path).unwrap();
        journal.append(&sample(0)).unwrap();
        journal.append(&sample(1)).unwrap();
        drop(journal);
        let mut text = std::fs::read_to_string(&path).unwrap();
        text.push_str("{\"id\": \"d-2\", \"ind");
        std::fs::write(&path, &text).unwrap();
        assert_eq!(read_journal(&path).unwrap(), vec![sample(0), sample(1)]);
        // The cut line is gone from the file, so the next append starts on a fresh line.
        Journal::create(&path).unwrap().append(&sample(2)).unwrap();
        assert_eq!(read_journal(&path).unwrap(), vec![sample(0), sample(1), sample(2)]);
        std::fs::write(&path, "garbage\n{}\n").unwrap();
        assert!(read_journal(&path).unwrap_err().message().contains("samples.jsonl:1: damaged journal line"));
    }

    #[test]
    fn empty_runs_still_write_a_readable_file() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("samples.parquet");
        write_parquet(&path, &[]).unwrap();
        assert!(read_parquet(&path).unwrap().is_empty());
    }
}
