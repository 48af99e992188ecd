//! Datasets as users have them: the same records as JSONL, JSON, CSV and Hugging Face Parquet
//! shards are the same items with the same scores; `datasets add` describes a folder; files
//! that will not load are named by file and line or row.

use crate::common::*;
use polars::prelude::*;
use std::path::Path;

/// The first `n` GSM8K records as (question, answer) pairs.
fn gsm8k_pairs(n: usize) -> Vec<(String, String)> {
    gsm8k_lines(n)
        .lines()
        .map(|l| {
            let v: serde_json::Value = serde_json::from_str(l).unwrap();
            (v["question"].as_str().unwrap().to_string(), v["answer"].as_str().unwrap().to_string())
        })
        .collect()
}

fn write_parquet(path: &Path, pairs: &[(String, String)]) {
    let column = |name: &str, i: usize| {
        Column::new(name.into(), pairs.iter().map(|p| if i == 0 { p.0.as_str() } else { p.1.as_str() }).collect::<Vec<_>>())
    };
    let mut frame = DataFrame::new_infer_height(vec![column("question", 0), column("answer", 1)]).unwrap();
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    ParquetWriter::new(std::fs::File::create(path).unwrap()).finish(&mut frame).unwrap();
}

fn write_csv(path: &Path, pairs: &[(String, String)], delimiter: u8) {
    let mut writer = csv::WriterBuilder::new().delimiter(delimiter).from_path(path).unwrap();
    writer.write_record(["question", "answer"]).unwrap();
    for (q, a) in pairs {
        writer.write_record([q, a]).unwrap();
    }
    writer.flush().unwrap();
}

fn suite_over(dir: &Path, data: &str) -> String {
    let suite = dir.join(format!("{data}.toml"));
    std::fs::write(
        &suite,
        format!("id = \"{data}\"\nversion = \"1\"\ntask = \"reasoning.gsm8k\"\nmetrics = [\"accuracy\"]\n\n[dataset]\npath = \"{data}\"\nfile = \"test\"\n"),
    )
    .unwrap();
    suite.display().to_string()
}

fn add(dir: &Path, args: &[&str]) -> Outcome {
    let mut all = vec!["datasets", "add"];
    all.extend_from_slice(args);
    claimbench(dir, &all)
}

#[test]
fn the_same_records_in_any_format_are_the_same_items_with_the_same_scores() {
    let dir = tempfile::tempdir().unwrap();
    let pairs = gsm8k_pairs(30);
    // JSONL as shipped; Parquet in Hugging Face's layout, two shards and a train split beside;
    // a JSON array; CSV (answers hold commas, quotes and newlines).
    std::fs::create_dir_all(dir.path().join("jsonl")).unwrap();
    std::fs::write(dir.path().join("jsonl/test.jsonl"), gsm8k_lines(30)).unwrap();
    write_parquet(&dir.path().join("parquet/data/test-00000-of-00002.parquet"), &pairs[..18]);
    write_parquet(&dir.path().join("parquet/data/test-00001-of-00002.parquet"), &pairs[18..]);
    write_parquet(&dir.path().join("parquet/data/train-00000-of-00001.parquet"), &pairs[..2]);
    std::fs::write(dir.path().join("parquet/README.md"), "---\nlicense: mit\n---\n# GSM8K\n").unwrap();
    std::fs::create_dir_all(dir.path().join("json")).unwrap();
    let records: Vec<serde_json::Value> = pairs.iter().map(|(q, a)| serde_json::json!({"question": q, "answer": a})).collect();
    std::fs::write(dir.path().join("json/test.json"), serde_json::to_string_pretty(&records).unwrap()).unwrap();
    std::fs::create_dir_all(dir.path().join("csv")).unwrap();
    write_csv(&dir.path().join("csv/test.csv"), &pairs, b',');

    let parquet = add(dir.path(), &["parquet", "--name", "gsm8k", "--split", "test", "--hf-repo", "openai/gsm8k", "--revision", "e53f048"]);
    assert_eq!(parquet.code, 0, "{}", parquet.stderr);
    assert!(parquet.stdout.starts_with("test\t2 files\t30 records\n"), "{}", parquet.stdout);
    let toml = std::fs::read_to_string(dir.path().join("parquet/dataset.toml")).unwrap();
    assert!(toml.contains("license = \"mit\"") && toml.contains("openai/gsm8k at revision e53f048") && !toml.contains("train"), "{toml}");
    for folder in ["jsonl", "json", "csv"] {
        let out = add(dir.path(), &[folder, "--name", "gsm8k", "--license", "MIT", "--source", "GSM8K test split"]);
        assert_eq!(out.code, 0, "{folder}: {}", out.stderr);
        assert!(out.stdout.starts_with("test\t1 file\t30 records\n"), "{folder}: {}", out.stdout);
    }

    let system = repo_root().join("examples/systems/last-number.toml").display().to_string();
    let mut results = Vec::new();
    for folder in ["jsonl", "parquet", "json", "csv"] {
        let suite = suite_over(dir.path(), folder);
        let items = claimbench(dir.path(), &["suites", "items", &suite]);
        assert_eq!(items.code, 0, "{folder}: {}", items.stderr);
        let ids: Vec<String> = items
            .stdout
            .lines()
            .map(|l| serde_json::from_str::<serde_json::Value>(l).unwrap()["id"].as_str().unwrap().to_string())
            .collect();
        let run = claimbench(dir.path(), &["run", &suite, "--system", &system, "--out", "runs"]);
        assert_eq!(run.code, 0, "{folder}: {}", run.stderr);
        let accuracy = run.stdout.lines().find(|l| l.starts_with("accuracy:")).unwrap().to_string();
        results.push((folder, ids, accuracy));
    }
    for (folder, ids, accuracy) in &results[1..] {
        assert_eq!(ids, &results[0].1, "{folder}'s item ids differ from JSONL's");
        assert_eq!(accuracy, &results[0].2, "{folder}");
    }
    assert!(results[0].2.contains("(n=30,"), "{}", results[0].2);

    let verified = claimbench(dir.path(), &["datasets", "verify", "parquet"]);
    assert_eq!(
        (verified.code, verified.stdout.as_str()),
        (0, "test\t2 files\t30 records\nok: every file matches its sha256\n"),
        "{}",
        verified.stderr
    );
}

#[test]
fn files_that_will_not_load_are_named_by_line_or_row() {
    let dir = tempfile::tempdir().unwrap();
    let pairs = gsm8k_pairs(3);
    let bad = dir.path().join("bad");
    std::fs::create_dir_all(&bad).unwrap();
    let source = ["--license", "MIT", "--source", "hand-made"];

    // A CSV with a ragged row: `datasets add` names its line and writes nothing.
    std::fs::write(bad.join("test.csv"), "question,answer\n\"a, b\",1\nc\n").unwrap();
    let mut args = vec!["bad", "--name", "x"];
    args.extend_from_slice(&source);
    let ragged = add(dir.path(), &args);
    assert_eq!(ragged.code, 2);
    assert_eq!(
        ragged.stderr.trim_end(),
        format!(
            "error: {}:3: this row has 1 fields, the header has 2 (a ragged row: a missing or extra delimiter?)",
            Path::new("bad/test.csv").display()
        )
    );
    assert!(!bad.join("dataset.toml").exists());

    // A Parquet file without the column the task reads: the run names the file and the row.
    std::fs::remove_file(bad.join("test.csv")).unwrap();
    let mut frame =
        DataFrame::new_infer_height(vec![Column::new("question".into(), pairs.iter().map(|p| p.0.as_str()).collect::<Vec<_>>())]).unwrap();
    ParquetWriter::new(std::fs::File::create(bad.join("test.parquet")).unwrap()).finish(&mut frame).unwrap();
    assert_eq!(add(dir.path(), &args).code, 0);
    let suite = suite_over(dir.path(), "bad");
    let system = repo_root().join("examples/systems/sum.toml").display().to_string();
    let missing = claimbench(dir.path(), &["run", &suite, "--system", &system, "--out", "runs"]);
    assert_eq!(missing.code, 2);
    assert_eq!(missing.stderr.lines().count(), 1, "{}", missing.stderr);
    assert!(missing.stderr.ends_with("bad/test.parquet: row 1: missing field 'answer'\n"), "{}", missing.stderr);

    // A folder that is not there.
    let escape = claimbench(dir.path(), &["datasets", "add", "/nonexistent/folder", "--name", "x", "--license", "MIT", "--source", "s"]);
    assert_eq!((escape.code, escape.stderr.trim_end()), (2, "error: /nonexistent/folder: not found"));
}
