//! Evidence bundles: one signed, content-addressed archive holding everything needed to
//! re-derive a set of runs' numbers and claim verdicts — manifests, samples with raw outputs,
//! metrics, suite specs, dataset specs (and content when small), claims — so that a reviewer can
//! check them offline with `verify` (re-scoring everything) and `reproduce` (re-running a
//! subset chosen after the fact).

pub mod archive;
pub mod create;
pub mod keys;
pub mod reproduce;
pub mod verify;

use crate::error::{Error, Result};
use crate::store::manifest::ToolVersion;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

pub const INDEX: &str = "index.json";
pub const SIGNATURE: &str = "signature.json";
pub const SCHEMA: &str = "claimbench.bundle/1";

/// `index.json`: what the bundle holds. Its sha256 is what a signature signs, and it lists the
/// sha256 of every other file, so one signature covers everything.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Index {
    pub schema: String,
    pub claimbench: ToolVersion,
    pub created_at: String,
    pub runs: Vec<BundledRun>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub claims: Option<BundledClaims>,
    pub files: Vec<FileEntry>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct BundledRun {
    pub run_id: String,
    /// Directory of the run's manifest, samples and metrics.
    pub dir: String,
    /// The suite file, byte for byte as the run used it.
    pub suite: String,
    /// Directory holding the dataset's `dataset.toml` (and its files when `dataset_content`).
    pub dataset: String,
    pub dataset_content: bool,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct BundledClaims {
    /// The claims file, its run paths pointing into the bundle.
    pub file: String,
    /// The claim check as stated when the bundle was made.
    pub report: String,
    pub force: bool,
    pub allow_partial: bool,
    pub allow_cross_hardware: bool,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FileEntry {
    pub path: String,
    pub sha256: String,
    pub bytes: u64,
}

impl Index {
    /// Every path the index names is a plain relative path to files it lists: a bundle is read
    /// only from itself, never from the reviewer's disk. The error names the field and value.
    pub fn check_paths(&self) -> std::result::Result<(), String> {
        let listed: std::collections::BTreeSet<&str> = self.files.iter().map(|f| f.path.as_str()).collect();
        let check = |field: String, value: &str, needs: &[&str]| -> std::result::Result<(), String> {
            archive::check_name(value).map_err(|why| format!("{INDEX}: {field} = '{value}': {why}"))?;
            for need in needs {
                let file = if need.is_empty() { value.to_string() } else { format!("{value}/{need}") };
                if !listed.contains(file.as_str()) {
                    return Err(format!("{INDEX}: {field} = '{value}' refers to {file}, which the index does not list"));
                }
            }
            Ok(())
        };
        for (i, run) in self.runs.iter().enumerate() {
            check(format!("runs[{i}].dir"), &run.dir, &[crate::store::MANIFEST, crate::store::SAMPLES, crate::store::METRICS])?;
            check(format!("runs[{i}].suite"), &run.suite, &[""])?;
            check(format!("runs[{i}].dataset"), &run.dataset, &["dataset.toml"])?;
        }
        if let Some(claims) = &self.claims {
            check("claims.file".to_string(), &claims.file, &[""])?;
            check("claims.report".to_string(), &claims.report, &[""])?;
        }
        Ok(())
    }
}

/// `signature.json`: an ed25519 signature of the sha256 digest of `index.json`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SignatureFile {
    pub algorithm: String,
    pub public_key: String,
    pub index_sha256: String,
    pub signature: String,
}

/// A bundle's files written out for the loaders, in a private temporary directory that is
/// removed when this is dropped. Names were checked when the archive was read.
pub struct Unpacked {
    dir: crate::fsutil::ScratchDir,
}

impl Unpacked {
    pub fn new(files: &BTreeMap<String, Vec<u8>>) -> Result<Unpacked> {
        let unpacked = Unpacked { dir: crate::fsutil::ScratchDir::new("bundle")? };
        for (name, content) in files {
            archive::check_name(name).map_err(|why| Error::new(format!("bundle entry '{name}': {why}")))?;
            let path = unpacked.root().join(name);
            if let Some(parent) = path.parent() {
                std::fs::create_dir_all(parent).map_err(|e| Error::in_file(parent, e))?;
            }
            std::fs::write(&path, content).map_err(|e| Error::in_file(&path, e))?;
        }
        Ok(unpacked)
    }

    pub fn root(&self) -> &Path {
        self.dir.path()
    }

    pub fn path(&self, bundle_path: &str) -> PathBuf {
        self.root().join(bundle_path)
    }

    /// `text` with paths into this scratch directory written as `BUNDLE:inner/path`: the
    /// directory is gone by the time anyone reads the message.
    pub fn as_in_bundle(&self, text: &str, bundle: &Path) -> String {
        text.replace(&format!("{}/", self.root().display()), &format!("{}:", bundle.display()))
    }
}

/// A bundle unpacked to a scratch directory, with its index read and checked.
pub struct Opened {
    pub unpacked: Unpacked,
    /// Every file's sha256 and size, taken while it was unpacked.
    pub files: BTreeMap<String, archive::UnpackedFile>,
    pub index: Index,
    pub index_bytes: Vec<u8>,
    pub signature: Option<Vec<u8>>,
}

/// Unpacks a bundle (within `limits`, memory bounded by the index and signature caps) and
/// parses its index, whose paths must all lie inside the bundle.
pub fn open(path: &Path, limits: archive::Limits) -> Result<Opened> {
    let dir = crate::fsutil::ScratchDir::new("bundle")?;
    let archive::Contents { files, mut small } = archive::unpack(path, limits, dir.path())?;
    let index_bytes = small.remove(INDEX).ok_or_else(|| Error::in_file(path, format!("not a claimbench bundle: no {INDEX}")))?;
    let index: Index = serde_json::from_slice(&index_bytes).map_err(|e| Error::in_file(path, format!("{INDEX} is damaged: {e}")))?;
    if index.schema != SCHEMA {
        return Err(Error::in_file(path, format!("{INDEX} has schema '{}', this claimbench reads '{SCHEMA}'", index.schema)));
    }
    index.check_paths().map_err(|why| Error::in_file(path, format!("refused: {why}")))?;
    Ok(Opened { unpacked: Unpacked { dir }, files, index, index_bytes, signature: small.remove(SIGNATURE) })
}

/// Bundle records as `fsutil::json_bytes` writes them; they always serialise.
pub(crate) fn json_bytes<T: Serialize>(value: &T) -> Vec<u8> {
    crate::fsutil::json_bytes(value).expect("bundle records serialise")
}
