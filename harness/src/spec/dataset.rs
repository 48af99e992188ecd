//! `dataset.toml`: what a dataset directory holds, under which license, from where, and the
//! sha256 of every file. Loading verifies every hash: a changed file is never scored silently.

use super::{error_at_span, parse_toml};
use crate::error::{Error, Result};
use crate::fsutil::{read_to_string, sha256_file};
use serde::{Deserialize, Serialize};
use std::path::{Component, Path, PathBuf};
use toml::Spanned;

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DatasetSpec {
    pub name: String,
    pub version: String,
    pub license: String,
    #[serde(default)]
    pub license_file: Option<String>,
    pub source: String,
    #[serde(default)]
    pub description: String,
    pub files: Vec<DatasetFileSpec>,
}

impl DatasetSpec {
    pub fn provenance(&self) -> DatasetProvenance {
        DatasetProvenance {
            name: self.name.clone(),
            version: self.version.clone(),
            license: self.license.clone(),
            source: self.source.clone(),
            files: self
                .files
                .iter()
                .map(|f| FileHash { key: f.key.clone(), path: f.path.get_ref().clone(), sha256: f.sha256.get_ref().to_ascii_lowercase() })
                .collect(),
        }
    }
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DatasetFileSpec {
    pub key: String,
    pub path: Spanned<String>,
    pub format: FileFormat,
    pub sha256: Spanned<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum FileFormat {
    /// Records, one JSON object per line.
    Jsonl,
    /// Records as a JSON array of objects.
    Json,
    /// Records under a header row.
    Csv,
    Tsv,
    /// Records as rows, nested lists and structs included (Hugging Face's format).
    Parquet,
    /// Used as a file (a simulation input, a potential, a transcript), not read as records.
    Text,
    /// Audio, read by the speech tasks.
    Wav,
}

impl FileFormat {
    /// Whether the file is read as records (not used as a whole file).
    pub fn holds_records(self) -> bool {
        !matches!(self, FileFormat::Text | FileFormat::Wav)
    }
}

/// A dataset whose files have been checked against their recorded hashes.
#[derive(Debug, Clone)]
pub struct Dataset {
    pub dir: PathBuf,
    pub spec: DatasetSpec,
}

/// What a run manifest records about a dataset.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DatasetProvenance {
    pub name: String,
    pub version: String,
    pub license: String,
    pub source: String,
    pub files: Vec<FileHash>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FileHash {
    pub key: String,
    pub path: String,
    pub sha256: String,
}

impl Dataset {
    /// Parses `dataset.toml` only, without reading or hashing the files it lists.
    pub fn read_spec(dir: &Path) -> Result<(DatasetSpec, String)> {
        let toml_path = dir.join("dataset.toml");
        if !dir.is_dir() {
            return Err(Error::in_file(dir, "dataset directory not found"));
        }
        let text = read_to_string(&toml_path)?;
        let spec: DatasetSpec = parse_toml(&toml_path, &text)?;
        if spec.files.is_empty() {
            return Err(Error::in_file(&toml_path, "lists no files"));
        }
        for (i, file) in spec.files.iter().enumerate() {
            if spec.files[..i].iter().any(|earlier| earlier.path.get_ref() == file.path.get_ref()) {
                return Err(error_at_span(&toml_path, &text, file.path.span(), format!("file '{}' is listed twice", file.path.get_ref())));
            }
            // A dataset is its directory: what it hashes, ships and bundles lies inside it.
            let inside = Path::new(file.path.get_ref()).components().all(|c| matches!(c, Component::Normal(_) | Component::CurDir));
            if !inside || file.path.get_ref().is_empty() {
                return Err(error_at_span(
                    &toml_path,
                    &text,
                    file.path.span(),
                    format!("path '{}' must be relative and inside the dataset directory (no '..')", file.path.get_ref()),
                ));
            }
        }
        Ok((spec, text))
    }

    pub fn load(dir: &Path) -> Result<Dataset> {
        let toml_path = dir.join("dataset.toml");
        let (spec, text) = Dataset::read_spec(dir)?;
        for file in &spec.files {
            let expected = file.sha256.get_ref().to_ascii_lowercase();
            if expected.len() != 64 || !expected.bytes().all(|b| b.is_ascii_hexdigit()) {
                return Err(error_at_span(&toml_path, &text, file.sha256.span(), "sha256 must be 64 hex digits"));
            }
            let path = dir.join(file.path.get_ref());
            if !path.is_file() {
                return Err(error_at_span(&toml_path, &text, file.path.span(), format!("file {} not found", path.display())));
            }
            let actual = sha256_file(&path)?;
            if actual != expected {
                return Err(Error::in_file(
                    &path,
                    format!("sha256 mismatch: {} records {expected}, the file has {actual}", toml_path.display()),
                ));
            }
        }
        Ok(Dataset { dir: dir.to_path_buf(), spec })
    }

    /// The one file under `key`.
    pub fn file(&self, key: &str) -> Result<(PathBuf, &DatasetFileSpec)> {
        let mut files = self.files(key)?;
        if files.len() > 1 {
            return Err(Error::in_file(
                &self.dir.join("dataset.toml"),
                format!(
                    "key '{key}' names {} files; only record files (JSONL, JSON, CSV, TSV, Parquet) may be split into shards",
                    files.len()
                ),
            ));
        }
        Ok(files.remove(0))
    }

    /// Every file under `key`, in the order dataset.toml lists them: a split's shards.
    pub fn files(&self, key: &str) -> Result<Vec<(PathBuf, &DatasetFileSpec)>> {
        let files: Vec<_> = self.spec.files.iter().filter(|f| f.key == key).map(|f| (self.dir.join(f.path.get_ref()), f)).collect();
        if files.is_empty() {
            let mut keys: Vec<&str> = self.spec.files.iter().map(|f| f.key.as_str()).collect();
            keys.dedup();
            return Err(Error::in_file(&self.dir.join("dataset.toml"), format!("no file with key '{key}' (it has: {})", keys.join(", "))));
        }
        Ok(files)
    }

    pub fn provenance(&self) -> DatasetProvenance {
        self.spec.provenance()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shards_share_a_key_but_a_file_listed_twice_is_refused_at_its_line() {
        let dir = tempfile::tempdir().unwrap();
        let entry = |path: &str| {
            format!(
                "\n[[files]]\nkey = \"test\"\npath = \"{path}\"\nformat = \"jsonl\"\nsha256 = \"{}\"\n",
                crate::fsutil::sha256_hex(b"{}\n")
            )
        };
        for name in ["a.jsonl", "b.jsonl"] {
            std::fs::write(dir.path().join(name), "{}\n").unwrap();
        }
        let head = "name = \"d\"\nversion = \"1\"\nlicense = \"MIT\"\nsource = \"s\"\n";
        std::fs::write(dir.path().join("dataset.toml"), format!("{head}{}{}", entry("a.jsonl"), entry("b.jsonl"))).unwrap();
        let dataset = Dataset::load(dir.path()).unwrap();
        assert_eq!(dataset.files("test").unwrap().len(), 2);
        assert!(dataset.file("test").unwrap_err().to_string().contains("key 'test' names 2 files"));
        std::fs::write(dir.path().join("dataset.toml"), format!("{head}{}{}", entry("a.jsonl"), entry("a.jsonl"))).unwrap();
        let err = Dataset::load(dir.path()).unwrap_err().to_string();
        assert!(err.contains("dataset.toml:14:") && err.ends_with("file 'a.jsonl' is listed twice"), "{err}");
    }
}
