//! `claimbench datasets add`: a `dataset.toml` for files as users have them — a folder of JSONL,
//! JSON, CSV, TSV or Parquet files, Hugging Face layouts included (`data/test-00000-of-00002.parquet`,
//! one folder per config, `CONFIG/SPLIT/0000.parquet`) — with every file's sha256, its license
//! and its source. Every record file is read once, so a file that will not load is named now.

use super::read_rows;
use crate::error::{Error, Result};
use crate::fsutil::{read_to_string, sha256_file, write_atomic};
use crate::spec::dataset::FileFormat;
use std::collections::BTreeMap;
use std::path::{Component, Path, PathBuf};

#[derive(Debug, Clone, Default)]
pub struct AddOptions {
    pub name: String,
    /// Only this split (the last part of a key: `test`, `validation`, …).
    pub split: Option<String>,
    pub hf_repo: Option<String>,
    pub revision: Option<String>,
    pub license: Option<String>,
    pub source: Option<String>,
    pub version: Option<String>,
    pub description: Option<String>,
    /// Replace an existing dataset.toml.
    pub force: bool,
}

/// One key of the new dataset: its files (shards in order) and how many records they hold.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AddedKey {
    pub key: String,
    pub files: Vec<String>,
    pub records: usize,
}

#[derive(Debug, Clone)]
pub struct Added {
    pub toml_path: PathBuf,
    pub keys: Vec<AddedKey>,
    /// Files left out: not a record format, hidden, or links.
    pub skipped: Vec<String>,
}

/// Writes `dir/dataset.toml` for the record files under `dir` (or for one file, in its folder).
pub fn add_dataset(path: &Path, options: &AddOptions) -> Result<Added> {
    let (dir, only) = if path.is_file() {
        (path.parent().map(Path::to_path_buf).unwrap_or_else(|| PathBuf::from(".")), Some(path.to_path_buf()))
    } else if path.is_dir() {
        (path.to_path_buf(), None)
    } else {
        return Err(Error::in_file(path, "not found"));
    };
    let toml_path = dir.join("dataset.toml");
    if toml_path.exists() && !options.force {
        return Err(Error::in_file(&toml_path, "already exists; pass --force to replace it"));
    }
    if options.name.is_empty() || !options.name.chars().all(|c| c.is_ascii_alphanumeric() || "-_.".contains(c)) {
        return Err(Error::new(format!("dataset name '{}' must be letters, digits, '-', '_' or '.'", options.name)));
    }
    let source = source_of(options)?;
    let license = match &options.license {
        Some(license) => license.clone(),
        None => {
            readme_license(&dir)?.ok_or_else(|| Error::in_file(&dir, "no license: pass --license (no README.md front matter names one)"))?
        }
    };

    let mut by_key: BTreeMap<String, Vec<(String, FileFormat)>> = BTreeMap::new();
    let mut skipped = Vec::new();
    let mut license_file = None;
    for relative in files_under(&dir, only.as_deref(), &mut skipped)? {
        let Some(format) = format_of(&relative) else {
            let name = relative.rsplit('/').next().unwrap_or_default();
            if relative == name && (name.starts_with("LICENSE") || name.starts_with("LICENCE")) {
                license_file = Some(relative);
            } else if relative != "dataset.toml" && relative != "README.md" {
                skipped.push(relative);
            }
            continue;
        };
        let key = key_of(&relative);
        if options.split.as_ref().is_some_and(|split| key != *split && !key.ends_with(&format!("/{split}"))) {
            continue;
        }
        by_key.entry(key).or_default().push((relative, format));
    }
    if by_key.is_empty() {
        let wanted = options.split.as_ref().map(|s| format!(" of split '{s}'")).unwrap_or_default();
        return Err(Error::in_file(&dir, format!("no record files{wanted} (.jsonl, .json, .csv, .tsv, .parquet)")));
    }

    let mut text = format!(
        "# Written by `claimbench datasets add`; loading checks every file against its sha256.\nname = {}\nversion = {}\nlicense = {}\n",
        quoted(&options.name),
        quoted(options.version.as_deref().or(options.revision.as_deref()).unwrap_or("1")),
        quoted(&license),
    );
    if let Some(file) = &license_file {
        text.push_str(&format!("license_file = {}\n", quoted(file)));
    }
    text.push_str(&format!("source = {}\n", quoted(&source)));
    if let Some(description) = &options.description {
        text.push_str(&format!("description = {}\n", quoted(description)));
    }
    let mut keys = Vec::new();
    for (key, mut files) in by_key {
        files.sort_by(|a, b| a.0.cmp(&b.0));
        let mut records = 0;
        for (relative, format) in &files {
            let full = dir.join(relative);
            records += read_rows(&full, *format, &key)?.len();
            text.push_str(&format!(
                "\n[[files]]\nkey = {}\npath = {}\nformat = {}\nsha256 = \"{}\"\n",
                quoted(&key),
                quoted(relative),
                quoted(&format_name(*format)),
                sha256_file(&full)?
            ));
        }
        keys.push(AddedKey { key, files: files.into_iter().map(|(f, _)| f).collect(), records });
    }
    write_atomic(&toml_path, text.as_bytes())?;
    Ok(Added { toml_path, keys, skipped })
}

/// Loads `dir`'s dataset (checking every hash) and reads every record file: (key, files,
/// records) for each key of records, in dataset.toml's order.
pub fn verify_dataset(dir: &Path) -> Result<Vec<(String, usize, usize)>> {
    let dataset = crate::spec::dataset::Dataset::load(dir)?;
    let mut keys: Vec<&str> = Vec::new();
    for file in &dataset.spec.files {
        if file.format.holds_records() && !keys.contains(&file.key.as_str()) {
            keys.push(&file.key);
        }
    }
    keys.iter()
        .map(|key| {
            let files = dataset.files(key)?.len();
            Ok((key.to_string(), files, super::load_records(&dataset, key)?.records.len()))
        })
        .collect()
}

fn source_of(options: &AddOptions) -> Result<String> {
    match (&options.hf_repo, &options.revision, &options.source) {
        (Some(repo), revision, source) => {
            let at = revision.as_ref().map(|r| format!(" at revision {r}")).unwrap_or_else(|| " (revision not recorded)".to_string());
            let page = format!("https://huggingface.co/datasets/{repo}/tree/{}", revision.as_deref().unwrap_or("main"));
            let extra = source.as_ref().map(|s| format!("; {s}")).unwrap_or_default();
            Ok(format!("Hugging Face dataset {repo}{at} ({page}){extra}"))
        }
        (None, Some(_), _) => Err(Error::new("--revision needs --hf-repo")),
        (None, None, Some(source)) => Ok(source.clone()),
        (None, None, None) => Err(Error::new("say where the files come from: --hf-repo ID --revision SHA, or --source TEXT")),
    }
}

/// The `license:` of a Hugging Face dataset card's front matter (the first, when a list).
fn readme_license(dir: &Path) -> Result<Option<String>> {
    let readme = dir.join("README.md");
    if !readme.is_file() {
        return Ok(None);
    }
    let text = read_to_string(&readme)?;
    let Some(front) = text.strip_prefix("---\n").and_then(|rest| rest.split("\n---").next()) else { return Ok(None) };
    let mut lines = front.lines();
    while let Some(line) = lines.next() {
        let Some(value) = line.strip_prefix("license:") else { continue };
        let value = value.trim().trim_matches(['"', '\'']);
        if !value.is_empty() {
            return Ok(Some(value.to_string()));
        }
        // A YAML list on the following lines.
        return Ok(lines.next().and_then(|l| l.trim().strip_prefix("- ")).map(|l| l.trim().trim_matches(['"', '\'']).to_string()));
    }
    Ok(None)
}

/// Every regular file under `dir` as a '/'-separated relative path, sorted; hidden files and
/// folders (`.git`, `.cache`) and links are left out (links are noted in `skipped`).
fn files_under(dir: &Path, only: Option<&Path>, skipped: &mut Vec<String>) -> Result<Vec<String>> {
    let mut files = Vec::new();
    let walker = walkdir::WalkDir::new(dir).follow_links(false).sort_by_file_name().into_iter();
    for entry in walker.filter_entry(|e| e.depth() == 0 || !e.file_name().to_string_lossy().starts_with('.')) {
        let entry = entry.map_err(|e| Error::in_file(dir, e))?;
        let relative = entry.path().strip_prefix(dir).unwrap_or(entry.path());
        let parts: Option<Vec<&str>> =
            relative.components().map(|c| if let Component::Normal(p) = c { p.to_str() } else { None }).collect();
        let Some(parts) = parts else { continue };
        if parts.is_empty() || only.is_some_and(|o| o.file_name().map(Path::new) != Some(relative)) {
            continue;
        }
        if entry.path_is_symlink() {
            skipped.push(format!("{} (a link)", parts.join("/")));
        } else if entry.file_type().is_file() {
            files.push(parts.join("/"));
        }
    }
    Ok(files)
}

fn format_of(relative: &str) -> Option<FileFormat> {
    let extension = relative.rsplit_once('.')?.1.to_ascii_lowercase();
    Some(match extension.as_str() {
        "jsonl" | "ndjson" => FileFormat::Jsonl,
        "json" => FileFormat::Json,
        "csv" => FileFormat::Csv,
        "tsv" => FileFormat::Tsv,
        "parquet" => FileFormat::Parquet,
        _ => return None,
    })
}

/// The format's name in dataset.toml: its serde name, written once on the enum.
fn format_name(format: FileFormat) -> String {
    serde_json::to_value(format).ok().and_then(|v| v.as_str().map(str::to_string)).unwrap_or_default()
}

/// The key a file's records go under, as Hugging Face names splits: the path without its
/// extension, a leading `data/`, a shard suffix (`-00000-of-00002`) or a shard file name
/// (`CONFIG/SPLIT/0000.parquet`). `data/test-00001-of-00002.parquet` → `test`,
/// `abstract_algebra/dev-00000-of-00001.parquet` → `abstract_algebra/dev`.
pub fn key_of(relative: &str) -> String {
    let stem = relative.rsplit_once('.').map_or(relative, |(stem, _)| stem);
    let mut parts: Vec<&str> = stem.split('/').collect();
    if parts.len() > 1 && parts[0] == "data" {
        parts.remove(0);
    }
    let last = parts.pop().unwrap_or_default();
    let last = match last.rsplit_once("-of-") {
        Some((before, count)) if is_digits(count) => match before.rsplit_once('-') {
            Some((name, shard)) if is_digits(shard) => name,
            _ => last,
        },
        _ => last,
    };
    // A bare shard number names no split: the folder above it does.
    if !is_digits(last) || parts.is_empty() {
        parts.push(last);
    }
    parts.join("/")
}

fn is_digits(s: &str) -> bool {
    !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit())
}

fn quoted(s: &str) -> String {
    toml::Value::String(s.to_string()).to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_follow_hugging_face_split_names() {
        for (path, key) in [
            ("data/test-00000-of-00002.parquet", "test"),
            ("data/test-00001-of-00002.parquet", "test"),
            ("test.jsonl", "test"),
            ("data/validation.csv", "validation"),
            ("abstract_algebra/dev-00000-of-00001.parquet", "abstract_algebra/dev"),
            ("ARC-Challenge/test/0000.parquet", "ARC-Challenge/test"),
            ("2024.json", "2024"),
            ("my-set-v2.tsv", "my-set-v2"),
        ] {
            assert_eq!(key_of(path), key, "{path}");
        }
    }

    #[test]
    fn a_card_names_the_license() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("README.md"), "---\nlanguage:\n- en\nlicense: cc-by-sa-4.0\n---\n# Card\n").unwrap();
        assert_eq!(readme_license(dir.path()).unwrap().as_deref(), Some("cc-by-sa-4.0"));
        std::fs::write(dir.path().join("README.md"), "---\nlicense:\n  - mit\n---\n").unwrap();
        assert_eq!(readme_license(dir.path()).unwrap().as_deref(), Some("mit"));
        std::fs::write(dir.path().join("README.md"), "# No front matter\nlicense: mit\n").unwrap();
        assert_eq!(readme_license(dir.path()).unwrap(), None);
    }

    #[test]
    fn shards_are_listed_in_order_and_loading_checks_them() {
        let dir = tempfile::tempdir().unwrap();
        let data = dir.path().join("data");
        std::fs::create_dir_all(&data).unwrap();
        std::fs::write(data.join("test-00001-of-00002.jsonl"), "{\"q\": \"third\"}\n").unwrap();
        std::fs::write(data.join("test-00000-of-00002.jsonl"), "{\"q\": \"first\"}\n{\"q\": \"second\"}\n").unwrap();
        std::fs::write(data.join("train.csv"), "q\nx\n").unwrap();
        std::fs::write(dir.path().join("notes.txt"), "not data").unwrap();
        std::fs::create_dir_all(dir.path().join(".cache")).unwrap();
        std::fs::write(dir.path().join(".cache/x.jsonl"), "{}").unwrap();
        // A link, here to a file outside the folder, is never followed into the dataset.
        let outside = tempfile::NamedTempFile::new().unwrap();
        std::fs::write(outside.path(), "{\"q\": \"from outside\"}\n").unwrap();
        std::os::unix::fs::symlink(outside.path(), data.join("validation.jsonl")).unwrap();
        let options = |split: Option<&str>| AddOptions {
            name: "mine".into(),
            split: split.map(str::to_string),
            hf_repo: Some("org/mine".into()),
            revision: Some("0123abcd".into()),
            license: Some("mit".into()),
            ..Default::default()
        };
        let added = add_dataset(dir.path(), &options(Some("test"))).unwrap();
        let expected = AddedKey {
            key: "test".into(),
            files: vec!["data/test-00000-of-00002.jsonl".into(), "data/test-00001-of-00002.jsonl".into()],
            records: 3,
        };
        assert_eq!(added.keys, vec![expected]);
        assert_eq!(added.skipped, vec!["data/validation.jsonl (a link)".to_string(), "notes.txt".to_string()]);
        let dataset = crate::spec::dataset::Dataset::load(dir.path()).unwrap();
        assert!(dataset.spec.source.contains("org/mine at revision 0123abcd"), "{}", dataset.spec.source);
        let records = super::super::load_records(&dataset, "test").unwrap().records;
        let questions: Vec<&str> = records.iter().map(|r| r.fields["q"].as_str().unwrap()).collect();
        assert_eq!(questions, ["first", "second", "third"]);
        assert_eq!((records[2].index, records[2].error("x").to_string().contains("test-00001-of-00002.jsonl:1: x")), (2, true));

        // An existing dataset.toml is kept unless --force; a changed shard is caught on load.
        assert!(add_dataset(dir.path(), &options(None)).unwrap_err().to_string().contains("already exists; pass --force"));
        let all = add_dataset(dir.path(), &AddOptions { force: true, ..options(None) }).unwrap();
        assert_eq!(all.keys.iter().map(|k| k.key.as_str()).collect::<Vec<_>>(), ["test", "train"], "the link is no split");
        std::fs::write(data.join("test-00001-of-00002.jsonl"), "{\"q\": \"changed\"}\n").unwrap();
        let err = crate::spec::dataset::Dataset::load(dir.path()).unwrap_err().to_string();
        assert!(err.contains("test-00001-of-00002.jsonl: sha256 mismatch"), "{err}");
    }

    #[test]
    fn it_asks_for_a_source_and_a_license() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("test.jsonl"), "{\"q\": 1}\n").unwrap();
        let options = AddOptions { name: "x".into(), ..Default::default() };
        assert!(add_dataset(dir.path(), &options).unwrap_err().to_string().contains("--hf-repo ID --revision SHA, or --source TEXT"));
        let options = AddOptions { source: Some("made by hand".into()), ..options };
        assert!(add_dataset(dir.path(), &options).unwrap_err().to_string().contains("no license: pass --license"));
        std::fs::write(dir.path().join("test.jsonl"), "{\"q\": 1}\nnot json\n").unwrap();
        let options = AddOptions { license: Some("mit".into()), ..options };
        assert!(add_dataset(dir.path(), &options).unwrap_err().to_string().contains("test.jsonl:2:"));
        assert!(!dir.path().join("dataset.toml").exists());
    }
}
