//! Record files other than JSON Lines, as users have them: a JSON array of records, CSV and TSV
//! with a header row, and Parquet (Hugging Face's own format). Each record becomes a JSON object
//! with where it came from: a line for CSV and TSV, a row for JSON arrays and Parquet.

use super::Place;
use crate::error::{Error, Result};
use crate::fsutil::{read_to_string, sha256_hex};
use polars::prelude::*;
use serde_json::{Map, Number, Value};
use std::path::Path;

/// The records of a JSON file: a top-level array of objects, or an object whose `data` field is
/// one (as some exports write).
pub fn read_json(path: &Path) -> Result<Vec<(Place, Map<String, Value>)>> {
    let text = read_to_string(path)?;
    let value: Value = serde_json::from_str(&text).map_err(|e| Error::at(path, e.line(), e.column(), format!("invalid JSON: {e}")))?;
    let rows = match value {
        Value::Array(rows) => rows,
        Value::Object(mut map) => match map.remove("data") {
            Some(Value::Array(rows)) => rows,
            _ => return Err(Error::in_file(path, "expected an array of records, or an object whose 'data' field is one")),
        },
        other => return Err(Error::in_file(path, format!("expected an array of records, found {}", super::jsonl::json_kind(&other)))),
    };
    rows.into_iter()
        .enumerate()
        .map(|(i, row)| match row {
            Value::Object(map) => Ok((Place::Row(i + 1), map)),
            other => {
                Err(Error::in_file(path, format!("record {}: expected a JSON object, found {}", i + 1, super::jsonl::json_kind(&other))))
            }
        })
        .collect()
}

/// The rows of a CSV (`delimiter` b',') or TSV (b'\t') file under its header. Cell types are
/// inferred per column as pandas infers them (and so Hugging Face `datasets` and
/// lm-evaluation-harness): a column of integers holds numbers, of `True`/`False` booleans, an
/// empty cell is null, anything else is text.
pub fn read_delimited(path: &Path, delimiter: u8) -> Result<Vec<(Place, Map<String, Value>)>> {
    let bytes = std::fs::read(path).map_err(|e| Error::in_file(path, e))?;
    let mut reader = csv::ReaderBuilder::new().delimiter(delimiter).quoting(delimiter == b',').from_reader(bytes.as_slice());
    let csv_error = |e: csv::Error| match e.position() {
        Some(p) => Error::at_line(path, p.line() as usize, csv_message(&e)),
        None => Error::in_file(path, csv_message(&e)),
    };
    let header: Vec<String> = reader.headers().map_err(csv_error)?.iter().map(str::to_string).collect();
    if header.iter().all(String::is_empty) {
        return Err(Error::in_file(path, "has no header row naming its columns"));
    }
    if let Some(name) = header.iter().enumerate().find_map(|(i, n)| header[..i].contains(n).then_some(n)) {
        return Err(Error::at_line(path, 1, format!("column '{name}' is named twice in the header")));
    }
    let mut rows: Vec<(usize, Vec<String>)> = Vec::new();
    for record in reader.records() {
        let record = record.map_err(csv_error)?;
        let line = record.position().map_or(0, |p| p.line() as usize);
        rows.push((line, record.iter().map(str::to_string).collect()));
    }
    let kinds: Vec<CellKind> = (0..header.len()).map(|c| CellKind::of_column(rows.iter().map(|(_, cells)| cells[c].as_str()))).collect();
    Ok(rows
        .into_iter()
        .map(|(line, cells)| {
            let fields = header.iter().zip(&kinds).zip(cells).map(|((name, kind), cell)| (name.clone(), kind.value(cell))).collect();
            (Place::Line(line), fields)
        })
        .collect())
}

fn csv_message(e: &csv::Error) -> String {
    match e.kind() {
        csv::ErrorKind::UnequalLengths { expected_len, len, .. } => {
            format!("this row has {len} fields, the header has {expected_len} (a ragged row: a missing or extra delimiter?)")
        }
        csv::ErrorKind::Utf8 { .. } => "not UTF-8 text".to_string(),
        _ => e.to_string(),
    }
}

#[derive(Clone, Copy)]
enum CellKind {
    Integer,
    Float,
    Boolean,
    Text,
}

impl CellKind {
    fn of_column<'a>(cells: impl Iterator<Item = &'a str>) -> CellKind {
        let (mut integer, mut float, mut boolean, mut any) = (true, true, true, false);
        for cell in cells.filter(|c| !c.is_empty()) {
            any = true;
            integer &= cell.parse::<i64>().is_ok();
            float &= cell.parse::<f64>().is_ok_and(f64::is_finite);
            boolean &= matches!(cell, "True" | "False" | "true" | "false");
        }
        match (any, integer, float, boolean) {
            (false, ..) => CellKind::Text,
            (_, true, ..) => CellKind::Integer,
            (_, _, true, _) => CellKind::Float,
            (_, _, _, true) => CellKind::Boolean,
            _ => CellKind::Text,
        }
    }

    fn value(self, cell: String) -> Value {
        if cell.is_empty() {
            return Value::Null;
        }
        match self {
            CellKind::Integer => cell.parse::<i64>().map(Value::from).unwrap_or(Value::String(cell)),
            CellKind::Float => cell.parse::<f64>().ok().and_then(Number::from_f64).map(Value::Number).unwrap_or(Value::String(cell)),
            CellKind::Boolean => Value::Bool(cell.eq_ignore_ascii_case("true")),
            CellKind::Text => Value::String(cell),
        }
    }
}

/// The rows of a Parquet file, nested lists and structs included (Hugging Face's ARC keeps its
/// choices as `{text: [...], label: [...]}`). Binary cells (audio, images) become
/// `{"bytes": LENGTH, "sha256": HEX}`: text tasks cannot use them, and record ids still cover them.
pub fn read_parquet(path: &Path) -> Result<Vec<(Place, Map<String, Value>)>> {
    let file = std::fs::File::open(path).map_err(|e| Error::in_file(path, e))?;
    let frame = crate::error::contain_panics(path, || {
        ParquetReader::new(file).finish().map_err(|e| Error::in_file(path, format!("cannot read Parquet: {e}")))
    })?;
    let columns = frame.columns();
    let mut rows = Vec::with_capacity(frame.height());
    for i in 0..frame.height() {
        let mut fields = Map::new();
        for column in columns {
            let cell = column.get(i).map_err(|e| Error::in_file(path, format!("row {}: {e}", i + 1)))?;
            let value = json_of(cell).map_err(|e| Error::in_file(path, format!("row {}, column '{}': {e}", i + 1, column.name())))?;
            fields.insert(column.name().to_string(), value);
        }
        rows.push((Place::Row(i + 1), fields));
    }
    Ok(rows)
}

fn json_of(cell: AnyValue<'_>) -> std::result::Result<Value, String> {
    let float = |v: f64| Number::from_f64(v).map_or(Value::Null, Value::Number);
    Ok(match cell {
        AnyValue::Null => Value::Null,
        AnyValue::Boolean(b) => Value::Bool(b),
        AnyValue::String(s) => Value::String(s.to_string()),
        AnyValue::StringOwned(s) => Value::String(s.to_string()),
        AnyValue::UInt8(v) => v.into(),
        AnyValue::UInt16(v) => v.into(),
        AnyValue::UInt32(v) => v.into(),
        AnyValue::UInt64(v) => v.into(),
        AnyValue::Int8(v) => v.into(),
        AnyValue::Int16(v) => v.into(),
        AnyValue::Int32(v) => v.into(),
        AnyValue::Int64(v) => v.into(),
        AnyValue::Float32(v) => float(v as f64),
        AnyValue::Float64(v) => float(v),
        AnyValue::Binary(bytes) => binary(bytes),
        AnyValue::BinaryOwned(bytes) => binary(&bytes),
        AnyValue::List(series) => {
            let mut list = Vec::with_capacity(series.len());
            for i in 0..series.len() {
                list.push(json_of(series.get(i).map_err(|e| e.to_string())?)?);
            }
            Value::Array(list)
        }
        AnyValue::Struct(_, _, fields) => {
            let mut map = Map::new();
            for (field, value) in fields.iter().zip(cell._iter_struct_av()) {
                map.insert(field.name().to_string(), json_of(value)?);
            }
            Value::Object(map)
        }
        AnyValue::StructOwned(parts) => {
            let (values, fields) = *parts;
            let mut map = Map::new();
            for (field, value) in fields.iter().zip(values) {
                map.insert(field.name().to_string(), json_of(value)?);
            }
            Value::Object(map)
        }
        // Dates, times and other logical types as polars prints them.
        other if other.dtype().is_temporal() => Value::String(other.to_string()),
        other => return Err(format!("values of type {} are not supported", other.dtype())),
    })
}

fn binary(bytes: &[u8]) -> Value {
    serde_json::json!({ "bytes": bytes.len(), "sha256": sha256_hex(bytes) })
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn write(dir: &Path, name: &str, text: &str) -> std::path::PathBuf {
        let path = dir.join(name);
        std::fs::write(&path, text).unwrap();
        path
    }

    #[test]
    fn csv_cells_are_typed_per_column_as_pandas_reads_them() {
        let dir = tempfile::tempdir().unwrap();
        let path = write(dir.path(), "t.csv", "q,answer,score,flag\n\"a, quoted\nline\",3,0.5,True\nb,4,,False\n");
        let rows = read_delimited(&path, b',').unwrap();
        assert_eq!(rows[0].0, Place::Line(2));
        assert_eq!(rows[1].0, Place::Line(4));
        assert_eq!(Value::Object(rows[0].1.clone()), json!({"q": "a, quoted\nline", "answer": 3, "score": 0.5, "flag": true}));
        assert_eq!(Value::Object(rows[1].1.clone()), json!({"q": "b", "answer": 4, "score": null, "flag": false}));
        // TSV: quotes are text.
        let path = write(dir.path(), "t.tsv", "q\tanswer\n\"x\tseven\n");
        assert_eq!(Value::Object(read_delimited(&path, b'\t').unwrap()[0].1.clone()), json!({"q": "\"x", "answer": "seven"}));
    }

    #[test]
    fn a_ragged_row_names_its_line() {
        let dir = tempfile::tempdir().unwrap();
        let path = write(dir.path(), "t.csv", "q,answer\na,1\nb\n");
        let err = read_delimited(&path, b',').unwrap_err().to_string();
        assert!(err.ends_with("t.csv:3: this row has 1 fields, the header has 2 (a ragged row: a missing or extra delimiter?)"), "{err}");
        let path = write(dir.path(), "d.csv", "q,q\na,1\n");
        assert!(read_delimited(&path, b',').unwrap_err().to_string().ends_with("d.csv:1: column 'q' is named twice in the header"));
    }

    #[test]
    fn json_records_and_their_errors() {
        let dir = tempfile::tempdir().unwrap();
        let path = write(dir.path(), "a.json", r#"[{"q": "x"}, {"q": "y"}]"#);
        let rows = read_json(&path).unwrap();
        assert_eq!((rows[1].0, rows[1].1["q"].as_str()), (Place::Row(2), Some("y")));
        let path = write(dir.path(), "b.json", r#"{"data": [{"q": "x"}], "version": 1}"#);
        assert_eq!(read_json(&path).unwrap().len(), 1);
        let path = write(dir.path(), "c.json", r#"[{"q": "x"}, 3]"#);
        assert!(read_json(&path).unwrap_err().to_string().ends_with("c.json: record 2: expected a JSON object, found a number"));
        let path = write(dir.path(), "d.json", "[{\"q\":\n");
        assert!(read_json(&path).unwrap_err().to_string().contains("d.json:2:"));
    }

    #[test]
    fn parquet_rows_keep_lists_structs_and_binary_cells() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("t.parquet");
        let labels = Series::new("label".into(), [Series::new("".into(), ["A", "B"]), Series::new("".into(), ["C", "D"])]);
        let text = Series::new("text".into(), [Series::new("".into(), ["one", "two"]), Series::new("".into(), ["three", "four"])]);
        let choices = StructChunked::from_series("choices".into(), 2, [text, labels].iter()).unwrap().into_series();
        let mut frame = DataFrame::new_infer_height(vec![
            Column::new("question".into(), ["q1", "q2"]),
            Column::new("answer".into(), [Some(1i64), None]),
            choices.into(),
            Column::new("audio".into(), [b"RIFF".as_slice(), b"".as_slice()]),
        ])
        .unwrap();
        ParquetWriter::new(std::fs::File::create(&path).unwrap()).finish(&mut frame).unwrap();
        let rows = read_parquet(&path).unwrap();
        assert_eq!(rows[1].0, Place::Row(2));
        assert_eq!(
            Value::Object(rows[0].1.clone()),
            json!({"question": "q1", "answer": 1, "choices": {"text": ["one", "two"], "label": ["A", "B"]},
                   "audio": {"bytes": 4, "sha256": sha256_hex(b"RIFF")}})
        );
        assert_eq!(rows[1].1["answer"], Value::Null);
        std::fs::write(&path, b"PAR1 not really").unwrap();
        assert!(read_parquet(&path).unwrap_err().to_string().contains("t.parquet: cannot read Parquet"));
    }
}
