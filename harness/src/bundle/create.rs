//! `claimbench bundle create`: gathers runs, their suite and dataset specs, and claims into one
//! archive with an index of every file's sha256, optionally signed.

use super::{archive, json_bytes, keys, BundledClaims, BundledRun, FileEntry, Index, SignatureFile, Unpacked, INDEX, SCHEMA, SIGNATURE};
use crate::compare::claims::check_claims;
use crate::compare::CompareOptions;
use crate::error::{Error, IoContext, Result};
use crate::fsutil::sha256_hex;
use crate::spec::dataset::Dataset;
use crate::spec::suite::Suite;
use crate::store::manifest::{Status, ToolVersion};
use crate::store::{StoredRun, MANIFEST, METRICS, SAMPLES};
use sha2::Digest;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

pub struct CreateRequest<'a> {
    pub runs: &'a [PathBuf],
    pub claims: Option<&'a Path>,
    pub options: CompareOptions,
    pub out: &'a Path,
    pub sign: Option<&'a Path>,
    /// Datasets up to this size travel whole; larger ones travel as `dataset.toml` (hashes and
    /// source) only.
    pub max_dataset_bytes: u64,
}

pub struct Created {
    pub path: PathBuf,
    /// sha256 of the bundle file: its content address.
    pub sha256: String,
    pub index_sha256: String,
    pub files: usize,
    pub runs: usize,
    pub signed_by: Option<String>,
    pub datasets_without_content: Vec<String>,
}

pub fn create(request: &CreateRequest<'_>) -> Result<Created> {
    // Read the key first: a bad key should not cost a bundle's worth of work.
    let key = request.sign.map(keys::read_secret).transpose()?;
    let mut files: BTreeMap<String, Vec<u8>> = BTreeMap::new();
    let mut runs: Vec<BundledRun> = Vec::new();
    let mut without_content = Vec::new();
    for dir in request.runs {
        let run = StoredRun::load(dir)?;
        let m = &run.manifest;
        if m.status == Status::Running {
            return Err(Error::in_file(dir, "the run is still running; bundle it when it has finished"));
        }
        if runs.iter().any(|r| r.run_id == m.run_id) {
            return Err(Error::in_file(dir, format!("run {} is named twice", m.run_id)));
        }
        let run_dir = format!("runs/{}", m.run_id);
        for name in [MANIFEST, SAMPLES, METRICS] {
            files.insert(format!("{run_dir}/{name}"), std::fs::read(dir.join(name)).with_path(&dir.join(name))?);
        }
        let suite_path = suite_file(dir, &m.suite.path)?;
        let suite_bytes = std::fs::read(&suite_path).with_path(&suite_path)?;
        if sha256_hex(&suite_bytes) != m.suite.sha256 {
            return Err(Error::in_file(
                &suite_path,
                format!(
                    "changed since run {} was made (its manifest records sha256 {}); a bundle needs the exact suite file",
                    m.run_id, m.suite.sha256
                ),
            ));
        }
        let suite = Suite::load(&suite_path)?;
        let suite_name = suite_path.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_else(|| "suite.toml".into());
        let suite_entry = format!("suites/{}/{suite_name}", &m.suite.sha256[..12]);
        files.insert(suite_entry.clone(), suite_bytes);

        let dataset_dir = suite.dataset_dir();
        let (spec, toml_text) = Dataset::read_spec(&dataset_dir)?;
        if spec.provenance() != m.dataset {
            return Err(Error::in_file(
                &dataset_dir,
                format!("the dataset changed since run {} was made (its files or hashes differ from the manifest)", m.run_id),
            ));
        }
        let dataset_entry = format!("datasets/{}-{}", spec.name, &sha256_hex(toml_text.as_bytes())[..12]);
        let mut members: Vec<String> = spec.files.iter().map(|f| f.path.get_ref().clone()).collect();
        members.extend(spec.license_file.clone());
        let size: u64 = members.iter().map(|f| std::fs::metadata(dataset_dir.join(f)).map_or(0, |m| m.len())).sum();
        let dataset_content = size <= request.max_dataset_bytes;
        files.insert(format!("{dataset_entry}/dataset.toml"), toml_text.into_bytes());
        if dataset_content {
            Dataset::load(&dataset_dir)?;
            for member in &members {
                archive::check_name(member)
                    .map_err(|why| Error::in_file(&dataset_dir.join("dataset.toml"), format!("file '{member}': {why}")))?;
                let path = dataset_dir.join(member);
                files.insert(format!("{dataset_entry}/{member}"), std::fs::read(&path).with_path(&path)?);
            }
        } else {
            without_content.push(format!("{} ({size} bytes; hashes and source only)", spec.name));
        }
        runs.push(BundledRun { run_id: m.run_id.clone(), dir: run_dir, suite: suite_entry, dataset: dataset_entry, dataset_content });
    }
    if runs.is_empty() {
        return Err(Error::new("bundle create: name at least one run directory"));
    }
    let claims = match request.claims {
        Some(path) => Some(bundle_claims(path, &runs, &request.options, &mut files)?),
        None => None,
    };
    let index = Index {
        schema: SCHEMA.to_string(),
        claimbench: ToolVersion::current(),
        created_at: crate::host::utc_now(),
        runs,
        claims,
        files: files
            .iter()
            .map(|(path, content)| FileEntry { path: path.clone(), sha256: sha256_hex(content), bytes: content.len() as u64 })
            .collect(),
    };
    let index_bytes = json_bytes(&index);
    let digest = sha2::Sha256::digest(&index_bytes);
    let index_sha256 = crate::fsutil::hex(&digest);
    files.insert(INDEX.to_string(), index_bytes);
    let signed_by = key.map(|key| {
        let public = key.verifying_key();
        let signature = SignatureFile {
            algorithm: "ed25519".to_string(),
            public_key: crate::fsutil::hex(public.as_bytes()),
            index_sha256: index_sha256.clone(),
            signature: keys::sign(&key, &digest),
        };
        files.insert(SIGNATURE.to_string(), json_bytes(&signature));
        keys::fingerprint(&public)
    });
    archive::write(request.out, &files)?;
    Ok(Created {
        path: request.out.to_path_buf(),
        sha256: crate::fsutil::sha256_file(request.out)?,
        index_sha256,
        files: files.len(),
        runs: index.runs.len(),
        signed_by,
        datasets_without_content: without_content,
    })
}

/// The suite file a run used: the absolute path its recipe kept, else the manifest's path.
fn suite_file(run_dir: &Path, manifest_path: &str) -> Result<PathBuf> {
    let recipe: Option<crate::run::Recipe> = crate::fsutil::read_json(&run_dir.join(crate::run::RECIPE)).ok();
    // An imported run carries its suite inside its directory, which may have moved since.
    let carried = run_dir.join(crate::import::SUITE_FILE);
    let path = recipe
        .map(|r| PathBuf::from(r.suite_path))
        .filter(|p| p.is_file())
        .or_else(|| Some(PathBuf::from(manifest_path)).filter(|p| p.is_file()))
        .or_else(|| carried.is_file().then_some(carried))
        .unwrap_or_else(|| PathBuf::from(manifest_path));
    if !path.is_file() {
        return Err(Error::in_file(
            run_dir,
            format!("its suite file {} is not found (run `bundle create` where the run was started)", path.display()),
        ));
    }
    Ok(path)
}

/// Copies the claims file with its run paths pointing into the bundle, and states the claim
/// check's result as of now.
fn bundle_claims(
    path: &Path,
    runs: &[BundledRun],
    options: &CompareOptions,
    files: &mut BTreeMap<String, Vec<u8>>,
) -> Result<BundledClaims> {
    let text = crate::fsutil::read_to_string(path)?;
    let mut table: toml::Table = toml::from_str(&text).map_err(|e| Error::in_file(path, e))?;
    let base = path.parent().unwrap_or(Path::new("."));
    if let Some(toml::Value::Array(claims)) = table.get_mut("claim") {
        for claim in claims.iter_mut() {
            let Some(claim) = claim.as_table_mut() else { continue };
            let id = claim.get("id").and_then(|v| v.as_str()).unwrap_or("?").to_string();
            for role in ["baseline", "candidate"] {
                let Some(run_path) = claim.get(role).and_then(|v| v.as_str()) else { continue };
                let manifest: crate::store::manifest::Manifest = crate::fsutil::read_json(&base.join(run_path).join(MANIFEST))?;
                if !runs.iter().any(|r| r.run_id == manifest.run_id) {
                    return Err(Error::in_file(
                        path,
                        format!("claim '{id}': its {role} run {} is not among the bundled runs", manifest.run_id),
                    ));
                }
                claim.insert(role.to_string(), toml::Value::String(format!("../runs/{}", manifest.run_id)));
            }
        }
    }
    let rewritten = toml::to_string(&table).map_err(|e| Error::in_file(path, e))?;
    files.insert("claims/claims.toml".to_string(), rewritten.into_bytes());
    let staged = Unpacked::new(files)?;
    let report = check_claims(&staged.path("claims/claims.toml"), options)?;
    files.insert("claims/report.json".to_string(), claims_report_bytes(&report, staged.root()));
    Ok(BundledClaims {
        file: "claims/claims.toml".to_string(),
        report: "claims/report.json".to_string(),
        force: options.force,
        allow_partial: options.allow_partial,
        allow_cross_hardware: options.allow_cross_hardware,
    })
}

/// A claims report with the unpacked bundle's location replaced by `<bundle>`, so that the
/// report made at creation and the one made at verification compare byte for byte.
pub(crate) fn claims_report_bytes(report: &crate::compare::claims::ClaimsReport, root: &Path) -> Vec<u8> {
    let text = String::from_utf8(json_bytes(report)).expect("JSON is UTF-8");
    text.replace(&root.display().to_string(), "<bundle>").into_bytes()
}
