//! One entry point per parser of user input, shared by the fuzz targets and the corpus replay.
//!
//! Each writes the fuzzer's bytes where a user's file would be and calls the same function
//! `claimbench` calls. An `Err` is the expected answer to bad input; a panic, a hang, unbounded
//! memory, or an error that does not name the file is a bug.

use claimbench::bundle::{self, archive};
use claimbench::spec::dataset::Dataset;
use claimbench::spec::suite::{AsrSpec, Suite};
use claimbench::tasks::asr::{audio, normalise::Normaliser, transcripts};
use claimbench::tasks::materials::log as lammps;
use claimbench::tasks::PreparedTask;
use claimbench::Error;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::OnceLock;

/// Bundles opened here may unpack to at most this much; the limit is what stops zstd bombs.
const BUNDLE_LIMITS: archive::Limits = archive::Limits { max_bytes: 8 << 20, max_files: 1_000 };

/// A directory private to this process (in memory where the system has /dev/shm).
fn scratch() -> &'static Path {
    static DIR: OnceLock<PathBuf> = OnceLock::new();
    DIR.get_or_init(|| {
        let shm = Path::new("/dev/shm");
        let base = if shm.is_dir() { shm.to_path_buf() } else { std::env::temp_dir() };
        let dir = base.join(format!("claimbench-fuzz-{}", std::process::id()));
        std::fs::create_dir_all(&dir).expect("scratch directory");
        dir
    })
}

fn write(name: &str, data: &[u8]) -> PathBuf {
    let path = scratch().join(name);
    std::fs::write(&path, data).expect("scratch file");
    path
}

/// The contract every parser keeps: an error is one line that names the file it is about.
fn check_error<T>(result: Result<T, Error>, file: &Path) -> Option<T> {
    match result {
        Ok(value) => Some(value),
        Err(e) => {
            let message = e.to_string();
            assert!(!message.contains('\n'), "error spans lines: {message:?}");
            assert!(message.contains(&file.display().to_string()), "error does not name {}: {message}", file.display());
            None
        }
    }
}

pub fn suite_toml(data: &[u8]) {
    let path = write("suite.toml", data);
    check_error(Suite::load(&path), &path);
}

/// Included files and data files resolve beside the task file, in the scratch folder.
pub fn lm_eval_task(data: &[u8]) {
    let dir = scratch().join("lm-eval");
    std::fs::create_dir_all(&dir).expect("scratch directory");
    let path = dir.join("task.yaml");
    std::fs::write(&path, data).expect("scratch file");
    check_error(claimbench::spec::lm_eval::import(&path, None, &dir), &path);
}

pub fn system_toml(data: &[u8]) {
    let path = write("system.toml", data);
    check_error(claimbench::systems::SystemSpec::load(&path), &path);
}

/// Claims are checked against two real runs (fuzz/fixtures/runs), copied beside the file.
pub fn claims_toml(data: &[u8]) {
    static RUNS: OnceLock<()> = OnceLock::new();
    RUNS.get_or_init(|| {
        let fixtures = Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/runs");
        for run in ["baseline", "candidate"] {
            let target = scratch().join("runs").join(run);
            std::fs::create_dir_all(&target).expect("scratch directory");
            for entry in std::fs::read_dir(fixtures.join(run)).expect("fixture run") {
                let entry = entry.expect("fixture file");
                std::fs::copy(entry.path(), target.join(entry.file_name())).expect("copying a fixture");
            }
        }
    });
    let path = write("claims.toml", data);
    if asks_for_long_but_bounded_resampling(data) {
        return;
    }
    check_error(claimbench::compare::claims::check_claims(&path, &Default::default()), &path);
}

/// A claims file whose resample count is allowed but large: each claim then takes seconds in this
/// unoptimised build, and a few of them would pass the fuzzer's hang limit without any hang.
/// Counts above the allowed maximum still go through, since they must be refused.
fn asks_for_long_but_bounded_resampling(data: &[u8]) -> bool {
    let Some(table) = std::str::from_utf8(data).ok().and_then(|text| text.parse::<toml::Table>().ok()) else { return false };
    let resamples = table.get("resamples").and_then(toml::Value::as_integer).unwrap_or(0);
    let allowed = claimbench::stats::bootstrap::MAX_RESAMPLES as i64;
    resamples > 20_000 && resamples <= allowed
}

pub fn dataset_toml(data: &[u8]) {
    let dir = scratch().join("dataset");
    std::fs::create_dir_all(&dir).expect("scratch directory");
    let path = dir.join("dataset.toml");
    std::fs::write(&path, data).expect("scratch file");
    // Only the spec: hashing would follow fuzzed paths anywhere on the machine.
    check_error(Dataset::read_spec(&dir), &path);
}

/// A real prepared task, so that predictions are matched against real item ids.
fn reasoning_task() -> &'static PreparedTask {
    static TASK: OnceLock<PreparedTask> = OnceLock::new();
    TASK.get_or_init(|| {
        let suites = Path::new(env!("CARGO_MANIFEST_DIR")).join("../suites");
        claimbench::run::load_suite("gsm8k-mc", &suites).expect("the shipped gsm8k-mc suite loads").task
    })
}

pub fn jsonl(data: &[u8]) {
    let path = write("predictions.jsonl", data);
    let task = reasoning_task();
    if let Ok(text) = std::str::from_utf8(data) {
        check_error(claimbench::data::jsonl::parse_objects(&path, text), &path);
    }
    check_error(claimbench::systems::predictions::PredictionsSystem::load(&path, task, &task.items), &path);
    // The same bytes as the other text record formats: a JSON array, CSV and TSV.
    check_error(claimbench::data::tabular::read_json(&path), &path);
    check_error(claimbench::data::tabular::read_delimited(&path, b','), &path);
    check_error(claimbench::data::tabular::read_delimited(&path, b'\t'), &path);
}

/// The first byte picks the format; for Kaldi, a NUL byte splits `text` from `wav.scp`.
pub fn transcripts(data: &[u8]) {
    let Some((&selector, rest)) = data.split_first() else { return };
    let format = ["nemo", "trn", "kaldi"][usize::from(selector) % 3];
    let dir = scratch().join(format!("asr-{format}"));
    std::fs::create_dir_all(&dir).expect("scratch directory");
    let (text, scp) = match rest.iter().position(|&b| b == 0) {
        Some(split) if format == "kaldi" => (&rest[..split], &rest[split + 1..]),
        _ => (rest, &b""[..]),
    };
    std::fs::write(dir.join("transcripts"), text).expect("scratch file");
    std::fs::write(dir.join("wav.scp"), scp).expect("scratch file");
    let listing = "name = \"fuzz\"\nversion = \"1\"\nlicense = \"CC0-1.0\"\nsource = \"fuzz\"\n\
        [[files]]\nkey = \"transcripts\"\npath = \"transcripts\"\nformat = \"text\"\nsha256 = \"\"\n\
        [[files]]\nkey = \"wav.scp\"\npath = \"wav.scp\"\nformat = \"text\"\nsha256 = \"\"\n";
    std::fs::write(dir.join("dataset.toml"), listing).expect("scratch file");
    let (spec, _) = Dataset::read_spec(&dir).expect("the fuzz dataset.toml parses");
    let dataset = Dataset { dir: dir.clone(), spec };
    let asr: AsrSpec = toml::from_str(&format!("format = \"{format}\"")).expect("asr spec");
    let mut files = vec![dir.join("transcripts")];
    if format == "kaldi" {
        files.push(dir.join("wav.scp"));
    }
    match transcripts::load(&dataset, "transcripts", &asr) {
        Ok(utterances) => {
            for text in utterances.iter().filter_map(|u| u.text.as_ref().ok()) {
                for normaliser in [Normaliser::None, Normaliser::Basic, Normaliser::WhisperEnglish] {
                    normaliser.apply(text);
                }
            }
        }
        Err(e) => {
            let message = e.to_string();
            assert!(files.iter().any(|f| message.contains(&f.display().to_string())), "error names no transcript file: {message}");
        }
    }
}

pub fn wav(data: &[u8]) {
    let path = write("audio.wav", data);
    if let Err(message) = audio::inspect(&path) {
        assert!(message.contains(&path.display().to_string()), "error does not name {}: {message}", path.display());
        return;
    }
    // Conversion is where sample counts and rates meet arithmetic; bound it to keep runs fast.
    if data.len() <= 64 << 10 {
        let target = scratch().join("converted.wav");
        let _ = audio::convert(&path, &target, 16_000);
    }
}

pub fn lammps_log(data: &[u8]) {
    let path = write("log.lammps", data);
    let text = String::from_utf8_lossy(data);
    if let Some(runs) = check_error(lammps::parse(&path, &text), &path) {
        for run in &runs {
            let _ = (run.timesteps_per_s(), run.matom_steps_per_s(), run.thermo.first_last("Temp"));
        }
    }
}

/// A LAMMPS input screened for host code and escaping paths; after a NUL byte, a second file
/// it may include as `in.inner`.
pub fn lammps_screen(data: &[u8]) {
    let (input, inner) = match data.iter().position(|&b| b == 0) {
        Some(split) => (&data[..split], &data[split + 1..]),
        None => (data, &b""[..]),
    };
    let dir = scratch().join("lammps-screen");
    std::fs::create_dir_all(&dir).expect("scratch directory");
    std::fs::write(dir.join("in.inner"), inner).expect("scratch file");
    let path = dir.join("in.lammps");
    std::fs::write(&path, input).expect("scratch file");
    let result = claimbench::systems::lammps::screen::screen(&path, &dir, &[]);
    // A refused include names the included file, so the error names one of the two.
    if let Err(e) = &result {
        let message = e.to_string();
        assert!(!message.contains('\n'), "error spans lines: {message:?}");
        assert!(message.contains(&dir.display().to_string()), "error names no file: {message}");
    }
}

pub fn bundle_archive(data: &[u8]) {
    let path = write("bundle.tar.zst", data);
    check_error(bundle::verify::verify(&path, None, BUNDLE_LIMITS), &path);
}

/// A well-formed archive around fuzzed `index.json` (and `signature.json` after a NUL byte),
/// so that the fuzzer reaches the index reader without first having to learn zstd.
pub fn bundle_index(data: &[u8]) {
    let (index, signature) = match data.iter().position(|&b| b == 0) {
        Some(split) => (&data[..split], Some(&data[split + 1..])),
        None => (data, None),
    };
    let mut files = BTreeMap::new();
    files.insert(bundle::INDEX.to_string(), index.to_vec());
    if let Some(signature) = signature {
        files.insert(bundle::SIGNATURE.to_string(), signature.to_vec());
    }
    let path = scratch().join("index-bundle.tar.zst");
    archive::write(&path, &files).expect("writing a bundle");
    check_error(bundle::verify::verify(&path, None, BUNDLE_LIMITS), &path);
}

/// An lm-eval output folder in the scratch directory: the fuzzer's bytes as `which` (the
/// results file or the multiple-choice task's samples file), the real other file beside them
/// (fuzz/fixtures/lm-eval). What reads cleanly is imported into a run, as `claimbench import`
/// would.
fn lm_eval_folder(which: &str, data: &[u8]) {
    let dir = scratch().join("lm-eval-output");
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("scratch directory");
    let fixtures = Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/lm-eval");
    let results = dir.join("results_fuzz.json");
    let samples = dir.join("samples_gsm8k-mc-lm-eval_fuzz.jsonl");
    for (path, fixture) in [(&results, "results.json"), (&samples, "samples.jsonl")] {
        let bytes = if fixture.starts_with(which) { data.to_vec() } else { std::fs::read(fixtures.join(fixture)).expect("fixture") };
        std::fs::write(path, bytes).expect("scratch file");
    }
    let named = if which == "results" { &results } else { &samples };
    let Some(tasks) = check_error(claimbench::import::lm_eval::read(&results), named) else { return };
    for task in tasks {
        if let Err(e) = claimbench::import::write_run(task, &dir.join("runs")) {
            assert!(!e.to_string().contains('\n'), "error spans lines: {e}");
        }
    }
}

pub fn lm_eval_results(data: &[u8]) {
    lm_eval_folder("results", data);
}

pub fn lm_eval_samples(data: &[u8]) {
    lm_eval_folder("samples", data);
}

/// An Inspect log (a zip or a single JSON file, told apart by its first bytes, as the reader
/// does); what reads cleanly is imported into runs, as `claimbench import inspect` would.
pub fn inspect_log(data: &[u8]) {
    let dir = scratch().join("inspect-log");
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("scratch directory");
    let path = dir.join("log.eval");
    std::fs::write(&path, data).expect("scratch file");
    let Some(tasks) = check_error(claimbench::import::inspect::read(&path, None), &path) else { return };
    for task in tasks {
        if let Err(e) = claimbench::import::write_run(task, &dir.join("runs")) {
            assert!(!e.to_string().contains('\n'), "error spans lines: {e}");
        }
    }
}
