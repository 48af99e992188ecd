//! `claimbench verify`: checks a bundle's signature and every file hash, re-scores every sample
//! from its raw output, recomputes metrics and claim verdicts, and compares each with what the
//! bundle states. Every check is a row; any failed row makes the exit status 1.

use super::create::claims_report_bytes;
use super::{archive, keys, open, BundledRun, Index, SignatureFile, Unpacked, INDEX, SIGNATURE};
use crate::compare::claims::check_claims;
use crate::compare::CompareOptions;
use crate::error::{Error, Result};
use crate::fsutil::sha256_hex;
use crate::report::findings::{Finding, Findings, Outcome};
use crate::spec::dataset::Dataset;
use crate::spec::suite::Suite;
use crate::store::samples::Sample;
use crate::store::{StoredRun, METRICS};
use crate::tasks::{self, TaskItem};
use sha2::Digest;
use std::collections::{BTreeMap, HashMap};
use std::path::Path;

/// How many disagreeing samples a row names.
const SHOWN: usize = 3;

struct Checks<'a> {
    rows: Vec<Finding>,
    /// Where the bundle was unpacked and from where, for naming its files as in the bundle.
    unpacked: &'a Unpacked,
    bundle: &'a Path,
}

impl Checks<'_> {
    fn add(&mut self, check: impl Into<String>, outcome: Outcome, detail: impl Into<String>) {
        let check = check.into();
        let detail = self.unpacked.as_in_bundle(&detail.into(), self.bundle);
        let result = match outcome {
            Outcome::Pass => "ok",
            Outcome::Fail => "FAILED",
            Outcome::Inconclusive => "warning",
            Outcome::Info => "note",
        };
        self.rows.push(Finding { name: check.clone(), outcome, cells: vec![check, result.to_string(), detail.clone()], detail });
    }

    fn result<T>(&mut self, check: &str, value: Result<T>) -> Option<T> {
        match value {
            Ok(v) => Some(v),
            Err(e) => {
                self.add(check, Outcome::Fail, e.to_string());
                None
            }
        }
    }
}

pub fn verify(bundle: &Path, pubkey: Option<&Path>, limits: archive::Limits) -> Result<Findings> {
    let expected_key = pubkey.map(keys::read_public).transpose()?;
    let opened = open(bundle, limits)?;
    let (unpacked, index) = (&opened.unpacked, &opened.index);
    let mut checks = Checks { rows: Vec::new(), unpacked, bundle };
    check_signature(&opened.index_bytes, opened.signature.as_deref(), expected_key.as_ref(), &mut checks);
    let problems = file_problems(&opened.files, index);
    check_files(&problems, index.files.len(), &mut checks);
    for run in &index.runs {
        // Bytes that fail their hash are never parsed: a damaged Parquet file can make the
        // reader allocate without bound, and the file check has already failed the bundle.
        let run_prefix = format!("{}/", run.dir);
        let damaged: Vec<&str> = problems.iter().map(|(path, _)| path.as_str()).filter(|path| path.starts_with(&run_prefix)).collect();
        if damaged.is_empty() {
            check_run(unpacked, run, &mut checks);
        } else {
            checks.add(
                format!("run {}", run.run_id),
                Outcome::Fail,
                format!("not re-scored: {} do not match the index", damaged.join(", ")),
            );
        }
    }
    check_claims_file(unpacked, index, &mut checks);
    let data = serde_json::json!({
        "bundle": bundle.display().to_string(),
        "bundle_sha256": crate::fsutil::sha256_file(bundle)?,
        "checks": checks.rows.iter().map(|r| serde_json::json!({"check": r.name, "outcome": r.outcome, "detail": r.detail})).collect::<Vec<_>>(),
    });
    Ok(Findings {
        title: format!(
            "verify {} (claimbench {} made it; this is {})",
            bundle.display(),
            index.claimbench.version,
            env!("CARGO_PKG_VERSION")
        ),
        warnings: Vec::new(),
        columns: ["check", "result", "detail"].map(String::from).to_vec(),
        rows: checks.rows,
        data,
    })
}

fn check_signature(index: &[u8], signature: Option<&[u8]>, expected: Option<&ed25519_dalek::VerifyingKey>, checks: &mut Checks) {
    let index_digest = sha2::Sha256::digest(index);
    let Some(bytes) = signature else {
        match expected {
            Some(_) => checks.add("signature", Outcome::Fail, "the bundle is not signed, but --pubkey asks for a signature"),
            None => checks.add(
                "signature",
                Outcome::Info,
                "unsigned: anyone could have made this bundle (sign with `bundle create --sign KEY`)",
            ),
        }
        return;
    };
    let signature: SignatureFile = match serde_json::from_slice(bytes) {
        Ok(s) => s,
        Err(e) => return checks.add("signature", Outcome::Fail, format!("{SIGNATURE} is damaged: {e}")),
    };
    let Some(key) = keys::unhex::<32>(&signature.public_key).and_then(|b| ed25519_dalek::VerifyingKey::from_bytes(&b).ok()) else {
        return checks.add("signature", Outcome::Fail, format!("{SIGNATURE}: damaged public key"));
    };
    if signature.algorithm != "ed25519" {
        return checks.add("signature", Outcome::Fail, format!("unknown signature algorithm '{}'", signature.algorithm));
    }
    if signature.index_sha256 != crate::fsutil::hex(&index_digest) {
        return checks.add(
            "signature",
            Outcome::Fail,
            format!(
                "{INDEX} changed after signing (its sha256 is {}, the signature covers {})",
                crate::fsutil::hex(&index_digest),
                signature.index_sha256
            ),
        );
    }
    if !keys::verify(&key, &index_digest, &signature.signature) {
        return checks.add("signature", Outcome::Fail, format!("the signature does not match {INDEX} (key {})", keys::fingerprint(&key)));
    }
    match expected {
        Some(expected) if *expected != key => checks.add(
            "signature",
            Outcome::Fail,
            format!("signed by key {}, not by the expected key {}", keys::fingerprint(&key), keys::fingerprint(expected)),
        ),
        Some(_) => checks.add("signature", Outcome::Pass, format!("valid, by the expected key {}", keys::fingerprint(&key))),
        None => checks.add(
            "signature",
            Outcome::Inconclusive,
            format!("valid, by key {} — pass --pubkey to check whose key that is", keys::fingerprint(&key)),
        ),
    }
}

/// Files that are missing, changed or unlisted, each with what is wrong.
pub fn file_problems(files: &BTreeMap<String, archive::UnpackedFile>, index: &Index) -> Vec<(String, String)> {
    let mut problems = Vec::new();
    for entry in &index.files {
        match files.get(&entry.path) {
            None => problems.push((entry.path.clone(), "listed in the index but missing from the archive".to_string())),
            Some(found) if found.sha256 != entry.sha256 || found.bytes != entry.bytes => {
                problems.push((entry.path.clone(), format!("sha256 {} differs from the index's {}", found.sha256, entry.sha256)))
            }
            Some(_) => {}
        }
    }
    for name in files.keys().filter(|n| *n != INDEX && *n != SIGNATURE) {
        if !index.files.iter().any(|e| &e.path == name) {
            problems.push((name.clone(), "in the archive but not in the index".to_string()));
        }
    }
    problems
}

fn check_files(problems: &[(String, String)], listed: usize, checks: &mut Checks) {
    for (path, problem) in problems {
        checks.add(format!("file {path}"), Outcome::Fail, problem.clone());
    }
    if problems.is_empty() {
        checks.add("files", Outcome::Pass, format!("all {listed} files match the sha256 in the index"));
    }
}

fn check_run(unpacked: &Unpacked, bundled: &BundledRun, checks: &mut Checks) {
    let name = format!("run {}", bundled.run_id);
    let Some(run) = checks.result(&name, StoredRun::load(&unpacked.path(&bundled.dir))) else { return };
    let m = &run.manifest;
    let suite_path = unpacked.path(&bundled.suite);
    let suite_sha = std::fs::read(&suite_path).map(|b| sha256_hex(&b)).unwrap_or_default();
    if suite_sha != m.suite.sha256 {
        checks.add(
            format!("{name}: suite"),
            Outcome::Fail,
            format!("{} has sha256 {suite_sha}, the manifest records {}", bundled.suite, m.suite.sha256),
        );
        return;
    }
    let Some(suite) = checks.result(&format!("{name}: suite"), Suite::load(&suite_path)) else { return };
    checks.add(format!("{name}: suite"), Outcome::Pass, format!("{} {} matches the manifest's sha256", m.suite.id, m.suite.version));

    let dataset_dir = unpacked.path(&bundled.dataset);
    let dataset = if bundled.dataset_content {
        let Some(dataset) = checks.result(&format!("{name}: dataset"), Dataset::load(&dataset_dir)) else { return };
        if dataset.provenance() != m.dataset {
            checks.add(format!("{name}: dataset"), Outcome::Fail, "the bundled dataset's files or hashes differ from the manifest's");
            return;
        }
        checks.add(
            format!("{name}: dataset"),
            Outcome::Pass,
            format!("{} {}: every file matches its sha256 and the manifest", m.dataset.name, m.dataset.version),
        );
        Some(dataset)
    } else {
        match Dataset::read_spec(&dataset_dir) {
            Ok((spec, _)) if spec.provenance() == m.dataset => checks.add(
                format!("{name}: dataset"),
                Outcome::Info,
                format!("content not bundled; dataset.toml's hashes match the manifest (source: {})", spec.source),
            ),
            Ok(_) => return checks.add(format!("{name}: dataset"), Outcome::Fail, "the bundled dataset.toml differs from the manifest"),
            Err(e) => return checks.add(format!("{name}: dataset"), Outcome::Fail, e.to_string()),
        }
        None
    };

    let installed = tasks::scoring_version(suite.spec.task);
    if installed != m.suite.scoring_version {
        checks.add(
            format!("{name}: scoring version"),
            Outcome::Inconclusive,
            format!(
                "the run was scored with {}, this claimbench scores with {installed}: results below are re-scored with {installed}",
                m.suite.scoring_version
            ),
        );
    }
    let items: Option<HashMap<String, TaskItem>> = match &dataset {
        Some(dataset) => match tasks::prepare(&suite, dataset) {
            Ok(task) => Some(task.items.into_iter().map(|i| (i.id.clone(), i)).collect()),
            Err(e) => return checks.add(format!("{name}: items"), Outcome::Fail, e.to_string()),
        },
        None => None,
    };
    let rescored = rescore(&suite, &run.samples, items.as_ref());
    // An imported run claimbench could not score keeps the other harness's values: say so.
    let how = match m.imported.as_ref().filter(|i| !i.scored_by.starts_with("claimbench")) {
        Some(imported) => format!("re-read from the values {} stored (claimbench does not re-derive this scoring)", imported.scored_by),
        None => "re-scored from their raw outputs".to_string(),
    };
    match &rescored.problems[..] {
        [] => checks.add(
            format!("{name}: re-scoring"),
            Outcome::Pass,
            format!(
                "{} samples {how}{}: answers, scores and measures agree",
                run.samples.len(),
                if items.is_some() { ", prompts and references checked against the dataset" } else { "" }
            ),
        ),
        problems => checks.add(
            format!("{name}: re-scoring"),
            Outcome::Fail,
            format!(
                "{} of {} samples differ: {}",
                problems.len(),
                run.samples.len(),
                problems.iter().take(SHOWN).cloned().collect::<Vec<_>>().join("; ")
            ),
        ),
    }
    if run.samples.len() != m.items.completed {
        checks.add(
            format!("{name}: items"),
            Outcome::Fail,
            format!("{} samples, the manifest records {} completed", run.samples.len(), m.items.completed),
        );
    }
    let recomputed = tasks::summarise(&suite, &rescored.samples, m.items.expected, m.seed);
    let stored = std::fs::read(unpacked.path(&format!("{}/{METRICS}", bundled.dir))).unwrap_or_default();
    if super::json_bytes(&recomputed) == stored {
        checks.add(
            format!("{name}: metrics"),
            Outcome::Pass,
            format!("{} metrics and intervals recomputed bit for bit (seed {})", recomputed.metrics.len(), m.seed),
        );
    } else {
        let differing: Vec<String> = recomputed
            .metrics
            .iter()
            .filter(|(k, v)| run.metrics.metrics.get(*k) != Some(v))
            .map(|(k, v)| {
                format!(
                    "{k}: stated {}, recomputed {}",
                    run.metrics.metrics.get(k).map_or("absent".to_string(), |s| s.value.to_string()),
                    v.value
                )
            })
            .collect();
        let detail =
            if differing.is_empty() { "metrics.json differs from the recomputed metrics".to_string() } else { differing.join("; ") };
        checks.add(format!("{name}: metrics"), Outcome::Fail, detail);
    }
}

struct Rescored {
    samples: Vec<Sample>,
    problems: Vec<String>,
}

/// Every sample scored again from its output; with the dataset's items, prompts and references
/// are checked too.
fn rescore(suite: &Suite, samples: &[Sample], items: Option<&HashMap<String, TaskItem>>) -> Rescored {
    let mut problems = Vec::new();
    let mut rescored = Vec::with_capacity(samples.len());
    for sample in samples {
        let fallback = TaskItem {
            id: sample.id.clone(),
            index: sample.index,
            prompt: String::new(),
            reference: sample.reference.clone(),
            preview: String::new(),
            simulation: None,
            audio: None,
            choices: None,
        };
        let item = match items {
            Some(items) => match items.get(&sample.id) {
                Some(item) => {
                    if sha256_hex(item.prompt.as_bytes()) != sample.prompt_sha256 {
                        problems.push(format!("{}: prompt differs from the dataset's", sample.id));
                    }
                    if item.reference != sample.reference {
                        problems.push(format!(
                            "{}: reference '{}' differs from the dataset's '{}'",
                            sample.id, sample.reference, item.reference
                        ));
                    }
                    item
                }
                None => {
                    problems.push(format!("{}: no such item in the suite", sample.id));
                    &fallback
                }
            },
            None => &fallback,
        };
        let score = tasks::score(suite.spec.task, suite, item, &sample.output);
        let mut again = sample.clone();
        again.extracted = score.extracted;
        again.correct = score.correct;
        again.measures = score.measures;
        if again != *sample {
            problems.push(format!(
                "{}: stated {:?} (correct {}), re-scored {:?} (correct {})",
                sample.id, sample.extracted, sample.correct, again.extracted, again.correct
            ));
        }
        rescored.push(again);
    }
    Rescored { samples: rescored, problems }
}

/// The claims file's baseline and candidate paths must name runs of this bundle: relative to
/// the claims file, they would otherwise read run directories from the reviewer's disk.
fn claims_runs_inside(unpacked: &Unpacked, index: &Index) -> std::result::Result<(), String> {
    let Some(claims) = &index.claims else { return Ok(()) };
    let text = std::fs::read_to_string(unpacked.path(&claims.file)).map_err(|e| format!("{}: {e}", claims.file))?;
    let table: toml::Table = toml::from_str(&text).map_err(|e| format!("{}: {}", claims.file, e.message()))?;
    let base = Path::new(&claims.file).parent().unwrap_or(Path::new(""));
    let claim_tables = table.get("claim").and_then(|c| c.as_array()).map(Vec::as_slice).unwrap_or_default();
    for claim in claim_tables.iter().filter_map(|c| c.as_table()) {
        for role in ["baseline", "candidate"] {
            let Some(value) = claim.get(role).and_then(|v| v.as_str()) else { continue };
            let resolved = crate::fsutil::join_inside(base, value);
            if !index.runs.iter().any(|r| resolved.as_deref() == Some(Path::new(&r.dir))) {
                let id = claim.get("id").and_then(|v| v.as_str()).unwrap_or("?");
                return Err(format!("{}: claim '{id}': {role} = '{value}' is not a run of this bundle", claims.file));
            }
        }
    }
    Ok(())
}

fn check_claims_file(unpacked: &Unpacked, index: &Index, checks: &mut Checks) {
    let Some(claims) = &index.claims else { return };
    let options = CompareOptions {
        force: claims.force,
        allow_partial: claims.allow_partial,
        allow_cross_hardware: claims.allow_cross_hardware,
        ..CompareOptions::default()
    };
    if let Err(why) = claims_runs_inside(unpacked, index) {
        return checks.add("claims", Outcome::Fail, why);
    }
    let root = unpacked.root().display().to_string();
    let report = check_claims(&unpacked.path(&claims.file), &options).map_err(|e| Error::new(e.to_string().replace(&root, "<bundle>")));
    let Some(report) = checks.result("claims", report) else { return };
    let stated = std::fs::read(unpacked.path(&claims.report)).unwrap_or_default();
    if claims_report_bytes(&report, unpacked.root()) == stated {
        let verdicts: Vec<String> =
            report.claims.iter().map(|c| format!("{}: {}", c.id, format!("{:?}", c.outcome.verdict).to_uppercase())).collect();
        checks.add("claims", Outcome::Pass, format!("verdicts re-derived identically ({})", verdicts.join(", ")));
        return;
    }
    let stated: Option<crate::compare::claims::ClaimsReport> = serde_json::from_slice(&stated).ok();
    let differing: Vec<String> = report
        .claims
        .iter()
        .filter(|c| stated.as_ref().is_none_or(|s| !s.claims.iter().any(|d| d.id == c.id && d.outcome == c.outcome)))
        .map(|c| format!("claim '{}' re-derives to {:?} (estimate {})", c.id, c.outcome.verdict, c.outcome.estimate))
        .collect();
    let detail =
        if differing.is_empty() { "the stated claims report differs from the re-derived one".to_string() } else { differing.join("; ") };
    checks.add("claims", Outcome::Fail, detail);
}
