//! Evidence bundles: round trip, tampering, hostile archives, keys, and reproduction.

use crate::common::*;
use claimbench::bundle::archive::{self, Limits};
use claimbench::store::samples::{read_parquet, write_parquet};
use serde_json::Value;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

struct Evidence {
    dir: tempfile::TempDir,
    bundle: PathBuf,
    public: PathBuf,
}

fn s(path: &Path) -> String {
    path.display().to_string()
}

/// Two GSM8K runs of real example systems, a built-in engine run of the materials suite, a
/// claims file about the GSM8K runs, and a signed bundle of all of it.
fn evidence() -> Evidence {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let mut runs = Vec::new();
    for strategy in ["sum", "last-number"] {
        let system = example_command_system(d, strategy, &["--strategy", strategy], None);
        let out =
            claimbench(d, &["run", &s(&repo_root().join("suites/gsm8k.toml")), "--system", &s(&system), "--limit", "60", "--out", "runs"]);
        assert_eq!(out.code, 0, "{}", out.stderr);
        runs.push(d.join(run_dir(&out)));
    }
    let suite = tiny_materials_suite(
        d,
        &in_lj(),
        "x = \"0.5\", y = \"0.5\", z = \"0.5\"",
        4000,
        Some("{ e_pair = -6.77336805325925, press = -5.01997318208561, rel_tol = 1e-6, max_drift_per_atom = 0.0176 }"),
    );
    let out = claimbench(d, &["run", &s(&suite), "--system", "builtin-md", "--out", "runs"]);
    assert_eq!(out.code, 0, "{}{}", out.stdout, out.stderr);
    runs.push(d.join(run_dir(&out)));
    // Speech: PocketSphinx on the synthetic sentences, re-aligned from its transcripts on verify.
    let out = claimbench(d, &["run", &s(&repo_root().join("suites/flite-synthetic.toml")), "--system", "pocketsphinx", "--out", "runs"]);
    assert_eq!(out.code, 0, "{}{}", out.stdout, out.stderr);
    runs.push(d.join(run_dir(&out)));
    std::fs::write(
        d.join("claims.toml"),
        format!(
            "[[claim]]\nid = \"gain\"\nsuite = \"gsm8k\"\nmetric = \"accuracy\"\nkind = \"absolute-improvement\"\nthreshold = 0.0\nbaseline = \"{}\"\ncandidate = \"{}\"\n",
            s(&runs[0]),
            s(&runs[1])
        ),
    )
    .unwrap();
    let keygen = claimbench(d, &["keygen", "team"]);
    assert_eq!(keygen.code, 0, "{}", keygen.stderr);
    let bundle = d.join("evidence.cbundle");
    let mut args = vec!["bundle".to_string(), "create".into()];
    args.extend(runs.iter().map(|r| s(r)));
    args.extend(["--claims", "claims.toml", "--sign", "team.key", "-o", "evidence.cbundle"].map(String::from));
    let out = claimbench(d, &args.iter().map(String::as_str).collect::<Vec<_>>());
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert!(out.stdout.contains("4 runs") && out.stdout.contains("signed by key"), "{}", out.stdout);
    Evidence { bundle, public: d.join("team.pub"), dir }
}

fn verify(e: &Evidence, bundle: &Path, pubkey: Option<&Path>) -> Outcome {
    let mut args = vec!["verify".to_string(), s(bundle), "--format".into(), "json".into()];
    if let Some(key) = pubkey {
        args.extend(["--pubkey".to_string(), s(key)]);
    }
    claimbench(e.dir.path(), &args.iter().map(String::as_str).collect::<Vec<_>>())
}

/// The failed checks of a JSON verify report, as "check: detail".
fn failures(out: &Outcome) -> Vec<String> {
    let report: Value = serde_json::from_str(&out.stdout).unwrap_or_else(|_| panic!("{}{}", out.stdout, out.stderr));
    report["data"]["checks"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|c| c["outcome"] == "fail")
        .map(|c| format!("{}: {}", c["check"].as_str().unwrap(), c["detail"].as_str().unwrap()))
        .collect()
}

/// Rewrites a bundle's files and, when `consistent`, its index too (a forger's edit, which only
/// re-scoring can catch), dropping the signature the edit breaks.
fn rewrite(bundle: &Path, out: &Path, consistent: bool, edit: impl FnOnce(&mut BTreeMap<String, Vec<u8>>)) {
    let mut files = archive::read(bundle, Limits::default()).unwrap();
    edit(&mut files);
    if consistent {
        files.remove("signature.json");
        let mut index: Value = serde_json::from_slice(&files["index.json"]).unwrap();
        for entry in index["files"].as_array_mut().unwrap() {
            let content = &files[entry["path"].as_str().unwrap()];
            entry["sha256"] = Value::String(claimbench::fsutil::sha256_hex(content));
            entry["bytes"] = Value::from(content.len());
        }
        files.insert("index.json".into(), serde_json::to_vec_pretty(&index).unwrap());
    }
    archive::write(out, &files).unwrap();
}

#[test]
fn bundles_verify_tamper_and_reproduce() {
    let e = evidence();
    // Runs of different suite kinds side by side: history reads them all.
    let history = claimbench(e.dir.path(), &["history", "runs"]);
    assert_eq!(history.code, 0, "{}{}", history.stdout, history.stderr);
    assert!(history.stdout.contains("history of 4 runs") && history.stdout.contains("gsm8k@1.0.0"), "{}", history.stdout);
    let out = verify(&e, &e.bundle, Some(&e.public));
    assert_eq!(out.code, 0, "{}{}", out.stdout, out.stderr);
    let report: Value = serde_json::from_str(&out.stdout).unwrap();
    let checks = report["data"]["checks"].as_array().unwrap();
    assert!(checks.iter().all(|c| c["outcome"] == "pass"), "{checks:?}");
    for expected in ["signature", "files", "re-scoring", "metrics", "claims"] {
        assert!(checks.iter().any(|c| c["check"].as_str().unwrap().ends_with(expected)), "no {expected} check: {checks:?}");
    }

    // One flipped byte in any file, the index and the signature included, is caught and named.
    let names: Vec<String> = archive::read(&e.bundle, Limits::default()).unwrap().keys().cloned().collect();
    assert!(names.len() > 15, "{names:?}");
    let tampered = e.dir.path().join("tampered.cbundle");
    for name in &names {
        rewrite(&e.bundle, &tampered, false, |files| {
            let content = files.get_mut(name).unwrap();
            let middle = content.len() / 2;
            content[middle] ^= 0x01;
        });
        let out = verify(&e, &tampered, Some(&e.public));
        assert_ne!(out.code, 0, "flipping a byte of {name} went unnoticed: {}", out.stdout);
        let named = if name == "index.json" || name == "signature.json" {
            out.stderr.contains(name.as_str()) || failures(&out).iter().any(|f| f.starts_with("signature:"))
        } else {
            failures(&out).iter().any(|f| f.contains(name.as_str()))
        };
        assert!(named, "{name}: {}{}", out.stdout, out.stderr);
    }

    // Consistent forgeries, with the index rewritten: re-scoring and recomputation catch them.
    let run_of = |files: &BTreeMap<String, Vec<u8>>, suffix: &str| {
        files.keys().find(|k| k.starts_with("runs/gsm8k-sum") && k.ends_with(suffix)).unwrap().clone()
    };
    let forged = e.dir.path().join("forged.cbundle");
    rewrite(&e.bundle, &forged, true, |files| {
        let name = run_of(files, "metrics.json");
        let mut metrics: Value = serde_json::from_slice(&files[&name]).unwrap();
        let accuracy = metrics["metrics"]["accuracy"]["value"].as_f64().unwrap();
        metrics["metrics"]["accuracy"]["value"] = Value::from(accuracy + 0.28);
        files.insert(name, serde_json::to_vec_pretty(&metrics).unwrap());
    });
    let out = verify(&e, &forged, None);
    assert_eq!(out.code, 1);
    assert!(failures(&out).iter().any(|f| f.contains(": metrics: accuracy: stated")), "{:?}", failures(&out));
    // Without the signature the same forgery also fails a pinned key.
    assert!(failures(&verify(&e, &forged, Some(&e.public))).iter().any(|f| f.starts_with("signature: the bundle is not signed")));

    // A claims file whose runs lie on the reviewer's disk, not in the bundle (here: the very
    // runs the bundle was made from, which would otherwise re-derive to the stated verdicts).
    let outside = e.dir.path().join("runs").canonicalize().unwrap();
    rewrite(&e.bundle, &forged, true, |files| {
        let claims = String::from_utf8(files["claims/claims.toml"].clone()).unwrap();
        let run = claims.split("../runs/").nth(1).unwrap().split('"').next().unwrap().to_string();
        let moved = claims.replacen(&format!("../runs/{run}"), &format!("{}/{run}", outside.display()), 1);
        files.insert("claims/claims.toml".into(), moved.into_bytes());
    });
    let fails = failures(&verify(&e, &forged, None));
    assert!(
        fails.iter().any(|f| f.starts_with("claims: claims/claims.toml: claim 'gain'") && f.contains("is not a run of this bundle")),
        "{fails:?}"
    );

    // Rewrites the sum run's samples, and unless `bound_to_old` the sha256 its manifest records,
    // as a careful forger would.
    let edit_samples = |bound_to_old: bool, edit: &dyn Fn(&mut Vec<claimbench::store::samples::Sample>)| {
        rewrite(&e.bundle, &forged, true, |files| {
            let name = run_of(files, "samples.parquet");
            let scratch = tempfile::tempdir().unwrap();
            let path = scratch.path().join("s.parquet");
            std::fs::write(&path, &files[&name]).unwrap();
            let mut samples = read_parquet(&path).unwrap();
            edit(&mut samples);
            write_parquet(&path, &samples).unwrap();
            let bytes = std::fs::read(&path).unwrap();
            if !bound_to_old {
                let manifest_name = run_of(files, "manifest.json");
                let mut manifest: Value = serde_json::from_slice(&files[&manifest_name]).unwrap();
                manifest["samples_sha256"] = Value::from(claimbench::fsutil::sha256_hex(&bytes));
                files.insert(manifest_name, serde_json::to_vec_pretty(&manifest).unwrap());
            }
            files.insert(name, bytes);
        })
    };
    // Samples changed under a manifest that still records the old ones.
    edit_samples(true, &|samples| {
        samples.remove(3);
    });
    let fails = failures(&verify(&e, &forged, None));
    assert!(fails.iter().any(|f| f.contains("samples.parquet: does not match the sha256 its manifest records")), "{fails:?}");
    edit_samples(false, &|samples| {
        samples.remove(3);
    });
    let fails = failures(&verify(&e, &forged, None));
    assert!(fails.iter().any(|f| f.contains(": items: 59 samples, the manifest records 60 completed")), "{fails:?}");
    assert!(fails.iter().any(|f| f.contains(": metrics:")), "{fails:?}");

    // A wrong answer declared correct.
    edit_samples(false, &|samples| samples.iter_mut().find(|s| !s.correct).unwrap().correct = true);
    assert!(failures(&verify(&e, &forged, None)).iter().any(|f| f.contains(": re-scoring: 1 of 60 samples differ")));

    rewrite(&e.bundle, &forged, true, |files| {
        let name = files.keys().find(|k| k.starts_with("datasets/gsm8k") && k.ends_with("test.jsonl")).unwrap().clone();
        let swapped = String::from_utf8(files[&name].clone()).unwrap().replacen("#### 18", "#### 19", 1);
        files.insert(name, swapped.into_bytes());
    });
    let fails = failures(&verify(&e, &forged, None));
    // The file is named as it lies in the bundle, not where verify unpacked it.
    let in_bundle = format!("{}:datasets/gsm8k", s(&forged));
    assert!(fails.iter().any(|f| f.contains(": dataset:") && f.contains("sha256 mismatch") && f.contains(&in_bundle)), "{fails:?}");
    assert!(fails.iter().all(|f| !f.contains("claimbench-bundle-")), "{fails:?}");
    let same = example_command_system(e.dir.path(), "sum-check", &["--strategy", "sum"], None);
    let run = archive::read(&forged, Limits::default()).unwrap().keys().find(|k| k.starts_with("runs/gsm8k-sum")).unwrap().clone();
    let run_id = run.split('/').nth(1).unwrap();
    let out = claimbench(e.dir.path(), &["reproduce", &s(&forged), "--system", &s(&same), "--sample", "1", "--seed", "1", "--run", run_id]);
    assert_eq!(out.code, 2, "{}{}", out.stdout, out.stderr);
    assert!(out.stderr.contains(&in_bundle) && !out.stderr.contains("claimbench-bundle-"), "{}", out.stderr);

    // A bundle scored by another scoring version: said so, both shown, results still checked.
    rewrite(&e.bundle, &forged, true, |files| {
        let manifests: Vec<String> =
            files.keys().filter(|k| k.starts_with("runs/gsm8k") && k.ends_with("manifest.json")).cloned().collect();
        for name in manifests {
            let text = String::from_utf8(files[&name].clone()).unwrap().replace("reasoning.gsm8k/1", "reasoning.gsm8k/0");
            files.insert(name, text.into_bytes());
        }
    });
    let out = verify(&e, &forged, None);
    assert_eq!(out.code, 0, "{}", out.stdout);
    assert!(
        out.stdout.contains("the run was scored with reasoning.gsm8k/0, this claimbench scores with reasoning.gsm8k/1"),
        "{}",
        out.stdout
    );

    // Re-signed by someone else: valid signature, wrong key.
    let other = claimbench(e.dir.path(), &["keygen", "other"]);
    assert_eq!(other.code, 0);
    let mut args: Vec<String> = vec!["bundle".into(), "create".into()];
    let runs: Vec<String> =
        std::fs::read_dir(e.dir.path().join("runs")).unwrap().map(|r| s(&r.unwrap().path())).filter(|p| p.contains("gsm8k")).collect();
    args.extend(runs);
    args.extend(["--sign", "other.key", "-o", "resigned.cbundle"].map(String::from));
    assert_eq!(claimbench(e.dir.path(), &args.iter().map(String::as_str).collect::<Vec<_>>()).code, 0);
    let fails = failures(&verify(&e, &e.dir.path().join("resigned.cbundle"), Some(&e.public)));
    assert!(fails.iter().any(|f| f.starts_with("signature: signed by key") && f.contains("not by the expected key")), "{fails:?}");

    // Reproduction: the same system agrees on a seeded subset, another one does not.
    let bundle = s(&e.bundle);
    let run = archive::read(&e.bundle, Limits::default())
        .unwrap()
        .keys()
        .find(|k| k.starts_with("runs/gsm8k-sum"))
        .unwrap()
        .split('/')
        .nth(1)
        .unwrap()
        .to_string();
    let same = example_command_system(e.dir.path(), "sum-again", &["--strategy", "sum"], None);
    let out = claimbench(e.dir.path(), &["reproduce", &bundle, "--system", &s(&same), "--sample", "8", "--seed", "4711", "--run", &run]);
    assert_eq!(out.code, 0, "{}{}", out.stdout, out.stderr);
    assert!(out.stdout.contains("8 of 8 agree"), "{}", out.stdout);
    let other = example_command_system(e.dir.path(), "product", &["--strategy", "product-of-two-largest"], None);
    let out = claimbench(e.dir.path(), &["reproduce", &bundle, "--system", &s(&other), "--sample", "8", "--seed", "4711", "--run", &run]);
    assert_eq!(out.code, 1, "{}{}", out.stdout, out.stderr);
    assert!(out.stdout.contains("DIFFERS"), "{}", out.stdout);
    let md_run = archive::read(&e.bundle, Limits::default())
        .unwrap()
        .keys()
        .find(|k| k.starts_with("runs/md-"))
        .unwrap()
        .split('/')
        .nth(1)
        .unwrap()
        .to_string();
    let out = claimbench(e.dir.path(), &["reproduce", &bundle, "--system", "builtin-md", "--sample", "1", "--seed", "3", "--run", &md_run]);
    assert_eq!(out.code, 0, "{}{}", out.stdout, out.stderr);
    assert!(out.stdout.contains("gate passed vs passed"), "{}", out.stdout);
    let speech_run = archive::read(&e.bundle, Limits::default())
        .unwrap()
        .keys()
        .find(|k| k.starts_with("runs/flite-"))
        .unwrap()
        .split('/')
        .nth(1)
        .unwrap()
        .to_string();
    let out = claimbench(
        e.dir.path(),
        &["reproduce", &bundle, "--system", "pocketsphinx", "--sample", "2", "--seed", "11", "--run", &speech_run],
    );
    assert_eq!(out.code, 0, "{}{}", out.stdout, out.stderr);
    assert!(out.stdout.contains("2 of 2 agree"), "{}", out.stdout);
}

/// A tar archive, zstd-compressed, holding one entry whose header is written by hand.
fn hostile_bundle(path: &Path, name: &[u8], kind: tar::EntryType, link: Option<&str>) {
    let mut header = tar::Header::new_old();
    header.as_old_mut().name[..name.len()].copy_from_slice(name);
    header.set_entry_type(kind);
    header.set_size(if link.is_some() { 0 } else { 4 });
    header.set_mode(0o644);
    if let Some(target) = link {
        header.as_old_mut().linkname[..target.len()].copy_from_slice(target.as_bytes());
    }
    header.set_cksum();
    let mut builder = tar::Builder::new(Vec::new());
    builder.append(&header, if link.is_some() { &b""[..] } else { &b"evil"[..] }).unwrap();
    let tar = builder.into_inner().unwrap();
    std::fs::write(path, ruzstd::encoding::compress_to_vec(tar.as_slice(), ruzstd::encoding::CompressionLevel::Fastest)).unwrap();
}

/// A zstd frame of RLE blocks (128 KiB of zeros each); `declared` puts a content size in the
/// frame header.
fn zstd_bomb(path: &Path, blocks: usize, declared: Option<u64>) {
    let mut bytes = vec![0x28, 0xB5, 0x2F, 0xFD];
    match declared {
        Some(size) => {
            bytes.push(0b1110_0000);
            bytes.extend_from_slice(&size.to_le_bytes());
        }
        None => {
            bytes.push(0b0000_0000);
            bytes.push(0x58); // window descriptor: 128 MiB
        }
    }
    for i in 0..blocks {
        let last = u32::from(i + 1 == blocks);
        let header = last | (1 << 1) | ((128 * 1024) << 3);
        bytes.extend_from_slice(&header.to_le_bytes()[..3]);
        bytes.push(0);
    }
    std::fs::write(path, bytes).unwrap();
}

#[test]
fn hostile_archives_are_refused_and_nothing_is_written() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let outside = std::env::temp_dir().join("claimbench-evil-outside");
    let _ = std::fs::remove_file(&outside);
    type Make = Box<dyn Fn(&Path)>;
    let cases: Vec<(&str, Make, &str)> = vec![
        (
            "traversal",
            Box::new(|p| hostile_bundle(p, b"../../../../tmp/claimbench-evil-outside", tar::EntryType::Regular, None)),
            "path leaves the bundle",
        ),
        ("absolute", Box::new(|p| hostile_bundle(p, b"/tmp/claimbench-evil-outside", tar::EntryType::Regular, None)), "absolute path"),
        ("symlink", Box::new(|p| hostile_bundle(p, b"index.json", tar::EntryType::Symlink, Some("/etc/passwd"))), "not a plain file"),
        ("device", Box::new(|p| hostile_bundle(p, b"dev", tar::EntryType::Char, None)), "not a plain file"),
        ("declared bomb", Box::new(|p| zstd_bomb(p, 4, Some(10 << 30))), "declares 10737418240 bytes uncompressed"),
        ("undeclared bomb", Box::new(|p| zstd_bomb(p, 64, None)), "unpacks to more than the limit of 1048576 bytes"),
    ];
    for (name, make, expected) in cases {
        let path = d.join(format!("{name}.cbundle"));
        make(&path);
        let out = claimbench(d, &["verify", &s(&path), "--max-bytes", "1048576"]);
        assert_eq!(out.code, 2, "{name}: {}{}", out.stdout, out.stderr);
        assert!(out.stderr.contains("refused") && out.stderr.contains(expected), "{name}: {}", out.stderr);
        assert!(!outside.exists(), "{name} wrote outside");
    }
    // The directory holds only the hostile files themselves.
    assert_eq!(std::fs::read_dir(d).unwrap().count(), 6);
}

/// A zstd frame of a tar archive holding one file `name` of `size` spaces, written as RLE
/// blocks: a few KB that unpack to hundreds of MB.
fn rle_tar_bomb(path: &Path, entries: &[(&str, u64)]) {
    let block = |bytes: &mut Vec<u8>, kind: u32, size: u32, last: bool| {
        bytes.extend_from_slice(&(u32::from(last) | (kind << 1) | (size << 3)).to_le_bytes()[..3]);
    };
    let mut bytes = vec![0x28, 0xB5, 0x2F, 0xFD, 0b0000_0000, 0x58];
    for (name, size) in entries {
        let mut header = tar::Header::new_ustar();
        header.set_path(name).unwrap();
        header.set_size(*size);
        header.set_mode(0o644);
        header.set_entry_type(tar::EntryType::Regular);
        header.set_cksum();
        block(&mut bytes, 0, 512, false);
        bytes.extend_from_slice(header.as_bytes());
        let mut left = size.div_ceil(512) * 512;
        while left > 0 {
            let chunk = left.min(128 * 1024);
            block(&mut bytes, 1, chunk as u32, false);
            bytes.push(b' ');
            left -= chunk;
        }
    }
    block(&mut bytes, 0, 1024, true);
    bytes.extend_from_slice(&[0u8; 1024]);
    std::fs::write(path, bytes).unwrap();
}

#[test]
fn a_small_hostile_bundle_is_refused_in_bounded_memory() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    for (name, entries, expected) in [
        ("index", vec![("index.json", 300_000_000)], "archive entry 'index.json': refused: larger than the limit of 33554432 bytes"),
        (
            "signature",
            vec![("signature.json", 300_000_000)],
            "archive entry 'signature.json': refused: larger than the limit of 65536 bytes",
        ),
        // A large data file goes to the scratch directory, never into memory.
        ("data", vec![("runs/r/samples.parquet", 300_000_000), ("index.json", 2)], "index.json is damaged"),
    ] {
        let bundle = d.join(format!("{name}.cbundle"));
        rle_tar_bomb(&bundle, &entries);
        let size = std::fs::metadata(&bundle).unwrap().len();
        assert!(size < 12_000, "{name}: {size} bytes");
        let (code, stderr, peak_kib) = claimbench_peak_rss(d, &["verify", &s(&bundle)]);
        assert_eq!(code, 2, "{name}: {stderr}");
        assert!(stderr.contains(expected), "{name}: {stderr}");
        assert_eq!(stderr.trim().lines().count(), 1, "{name}: {stderr}");
        eprintln!("verify of a {size}-byte bundle unpacking to 300 MB ({name}): peak RSS {} MiB", peak_kib / 1024);
        assert!(peak_kib < 256 * 1024, "{name}: peak RSS {peak_kib} KiB");
    }
}

/// A bundle of nothing but an index whose paths point at the reviewer's own disk.
#[test]
fn a_hollow_bundle_pointing_outside_itself_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let run = |dir: &str, suite: &str, dataset: &str| serde_json::json!({"run_id": "r", "dir": dir, "suite": suite, "dataset": dataset, "dataset_content": true});
    let listed =
        |paths: &[&str]| paths.iter().map(|p| serde_json::json!({"path": p, "sha256": sha256_hex(b"x"), "bytes": 1})).collect::<Vec<_>>();
    for (name, bundled_run, files, expected) in [
        ("absolute", run("/tmp/runs/r", "s.toml", "data"), listed(&[]), "runs[0].dir = '/tmp/runs/r': absolute path"),
        (
            "escaping",
            run("runs/r", "../../suites/gsm8k.toml", "data"),
            listed(&["runs/r/manifest.json", "runs/r/samples.parquet", "runs/r/metrics.json"]),
            "runs[0].suite = '../../suites/gsm8k.toml': path leaves the bundle",
        ),
        (
            "unlisted",
            run("runs/r", "s.toml", "data"),
            listed(&["runs/r/manifest.json", "runs/r/samples.parquet", "runs/r/metrics.json", "s.toml"]),
            "runs[0].dataset = 'data' refers to data/dataset.toml, which the index does not list",
        ),
    ] {
        let index = serde_json::json!({
            "schema": "claimbench.bundle/1",
            "claimbench": claimbench::store::manifest::ToolVersion::current(),
            "created_at": "2026-01-01T00:00:00Z",
            "runs": [bundled_run],
            "files": files,
        });
        let bundle = d.join(format!("{name}.cbundle"));
        archive::write(&bundle, &BTreeMap::from([("index.json".to_string(), serde_json::to_vec(&index).unwrap())])).unwrap();
        for command in
            [vec!["verify", &s(&bundle)], vec!["reproduce", &s(&bundle), "--system", "builtin-md", "--sample", "1", "--seed", "1"]]
        {
            let out = claimbench(d, &command.iter().map(|a| a.as_ref()).collect::<Vec<&str>>());
            assert_eq!(out.code, 2, "{name}: {}{}", out.stdout, out.stderr);
            assert!(out.stderr.contains(&format!("refused: index.json: {expected}")), "{name}: {}", out.stderr);
            assert!(!out.stdout.contains("ok"), "{name}: {}", out.stdout);
        }
    }
}

#[test]
fn key_problems_are_clear() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    assert_eq!(claimbench(d, &["keygen", "k"]).code, 0);
    let again = claimbench(d, &["keygen", "k"]);
    assert_eq!(again.code, 2);
    assert!(again.stderr.contains("k.key: already exists"), "{}", again.stderr);
    std::fs::write(d.join("bad.pub"), "claimbench-ed25519-public zz\n").unwrap();
    std::fs::write(d.join("bad.key"), "-----BEGIN PRIVATE KEY-----\n").unwrap();
    let preds = d.join("preds.jsonl");
    let suite = tiny_suite(d, &gsm8k_lines(3), "");
    let items = claimbench(d, &["suites", "items", &s(&suite)]);
    let lines: String = items
        .stdout
        .lines()
        .map(|l| {
            let v: Value = serde_json::from_str(l).unwrap();
            format!("{{\"id\": \"{}\", \"output\": \"#### 1\"}}\n", v["id"].as_str().unwrap())
        })
        .collect();
    std::fs::write(&preds, lines).unwrap();
    let out = claimbench(d, &["run", &s(&suite), "--system", &format!("predictions:{}", s(&preds)), "--out", "runs"]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    let run = s(&d.join(run_dir(&out)));
    let out = claimbench(d, &["bundle", "create", &run, "--sign", "bad.key", "-o", "b.cbundle"]);
    assert_eq!(out.code, 2);
    assert!(out.stderr.contains("bad.key: not a claimbench secret key file"), "{}", out.stderr);
    assert_eq!(claimbench(d, &["bundle", "create", &run, "-o", "b.cbundle"]).code, 0);
    let out = claimbench(d, &["verify", "b.cbundle", "--pubkey", "bad.pub"]);
    assert_eq!(out.code, 2);
    assert!(out.stderr.contains("bad.pub: damaged public key: expected 64 hex digits"), "{}", out.stderr);
    let out = claimbench(d, &["verify", "b.cbundle", "--pubkey", "k.pub"]);
    assert_eq!(out.code, 1, "{}", out.stdout);
    assert!(out.stdout.contains("the bundle is not signed"), "{}", out.stdout);
    let out = claimbench(d, &["verify", "b.cbundle"]);
    assert_eq!(out.code, 0, "{}", out.stdout);
    assert!(out.stdout.contains("unsigned: anyone could have made this bundle"), "{}", out.stdout);
}
