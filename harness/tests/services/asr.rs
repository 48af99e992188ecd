//! Speech scoring against the reference scorers people already trust: PyPI jiwer and NIST
//! sclite (Debian `sctk`), run live on the same pairs.

use crate::common::*;
use claimbench::stats::rng::Rng;
use serde_json::Value;
use std::path::Path;

const VOCABULARY: &[&str] = &["the", "a", "cat", "sat", "on", "mat", "dog", "ran", "très", "naïve", "日本", "straße", "ok", "x"];

/// Random pairs of 0–12 words each, some of them empty, as JSONL.
fn random_pairs(n: usize, seed: u64) -> String {
    let mut rng = Rng::new(seed);
    let words = |rng: &mut Rng| -> String {
        let len = rng.below(13) as usize;
        (0..len).map(|_| VOCABULARY[rng.below(VOCABULARY.len() as u64) as usize]).collect::<Vec<_>>().join(" ")
    };
    (0..n)
        .map(|_| {
            let (reference, hypothesis) = (words(&mut rng), words(&mut rng));
            format!("{}\n", serde_json::json!({"reference": reference, "hypothesis": hypothesis}))
        })
        .collect()
}

fn reference_scorer(scorer: &str, pairs: &Path) -> Value {
    let out =
        std::process::Command::new("python3").arg(repo_root().join("scripts/asr_reference.py")).arg(scorer).arg(pairs).output().unwrap();
    assert!(out.status.success(), "{scorer}: {}", String::from_utf8_lossy(&out.stderr));
    serde_json::from_slice(&out.stdout).unwrap()
}

fn claimbench_wer(dir: &Path, pairs: &Path, convention: &str) -> Value {
    let out = claimbench(dir, &["wer", &pairs.display().to_string(), "--convention", convention]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    serde_json::from_str(&out.stdout).unwrap()
}

fn assert_same(ours: &Value, theirs: &Value, scorer: &str) {
    for key in ["hits", "substitutions", "deletions", "insertions"] {
        assert_eq!(ours["counts"][key], theirs[key], "{scorer}: {key}: ours {ours}, theirs {theirs}");
    }
    // To the last digit: the same f64.
    assert_eq!(ours["rates"]["wer"].as_f64(), theirs["wer"].as_f64(), "{scorer}: WER");
}

#[test]
fn ten_thousand_random_pairs_score_as_jiwer_and_sclite_score_them() {
    let dir = tempfile::tempdir().unwrap();
    let pairs = dir.path().join("pairs.jsonl");
    std::fs::write(&pairs, random_pairs(10_000, 20261127)).unwrap();
    assert_same(&claimbench_wer(dir.path(), &pairs, "levenshtein"), &reference_scorer("jiwer", &pairs), "jiwer");
    assert_same(&claimbench_wer(dir.path(), &pairs, "sclite"), &reference_scorer("sclite", &pairs), "sclite");
}

#[test]
fn broken_pair_files_name_the_line() {
    let dir = tempfile::tempdir().unwrap();
    let pairs = dir.path().join("pairs.jsonl");
    std::fs::write(&pairs, "{\"reference\": \"a\", \"hypothesis\": \"a\"}\n{\"reference\": \"a\"}\n").unwrap();
    let out = claimbench(dir.path(), &["wer", &pairs.display().to_string()]);
    assert_eq!(out.code, 2);
    assert!(out.stderr.contains("pairs.jsonl:2:") && out.stderr.contains("hypothesis"), "{}", out.stderr);
}

fn require_speech_tools() {
    for tool in ["pocketsphinx_batch", "sctk", "sox"] {
        let found = std::process::Command::new("sh")
            .args(["-c", &format!("command -v {tool}")])
            .output()
            .map(|o| o.status.success())
            .unwrap_or(false);
        assert!(found, "these tests need {tool}; `just test` installs pocketsphinx, pocketsphinx-en-us, sctk and sox");
    }
}

fn run_suite(dir: &Path, suite: &Path, system: &str) -> (std::path::PathBuf, Outcome) {
    let out = claimbench(dir, &["run", &suite.display().to_string(), "--system", system, "--out", "runs"]);
    assert_eq!(out.code, 0, "{}{}", out.stdout, out.stderr);
    (dir.join(run_dir(&out)), out)
}

/// The normalised reference/hypothesis pairs a run scored, as JSONL for the reference scorers.
fn scored_pairs(run: &Path, out: &Path) -> usize {
    let samples = claimbench::store::samples::read_parquet(&run.join("samples.parquet")).unwrap();
    let lines: String = samples
        .iter()
        .map(|s| format!("{}\n", serde_json::json!({"reference": s.annotations["reference_normalised"], "hypothesis": s.annotations["hypothesis_normalised"]})))
        .collect();
    std::fs::write(out, lines).unwrap();
    samples.len()
}

#[test]
fn pocketsphinx_on_real_speech_scores_as_sclite_and_jiwer_do() {
    require_speech_tools();
    let dir = tempfile::tempdir().unwrap();
    for suite in ["suites/librivox-5.toml", "suites/fsdd-digits.toml", "suites/flite-synthetic.toml"] {
        let (run, out) = run_suite(dir.path(), &repo_root().join(suite), "pocketsphinx");
        assert!(out.stdout.contains("rtfx: ") && out.stdout.contains("speed measured on:"), "{}", out.stdout);
        let metrics: Value = read(&run.join("metrics.json"));
        let pairs = dir.path().join("pairs.jsonl");
        let n = scored_pairs(&run, &pairs);
        assert_eq!(metrics["metrics"]["wer"]["n"].as_u64(), Some(n as u64));
        let wer = metrics["metrics"]["wer"]["value"].as_f64();
        let jiwer = reference_scorer("jiwer", &pairs);
        let sclite = reference_scorer("sclite", &pairs);
        assert_eq!(wer, jiwer["wer"].as_f64(), "{suite}: claimbench vs jiwer");
        assert_eq!(wer, sclite["wer"].as_f64(), "{suite}: claimbench vs sclite");
        assert_same(&claimbench_wer(dir.path(), &pairs, "levenshtein"), &jiwer, "jiwer");
        assert_same(&claimbench_wer(dir.path(), &pairs, "sclite"), &sclite, "sclite");
        // The run's own per-utterance counts add up to the same totals.
        let samples = claimbench::store::samples::read_parquet(&run.join("samples.parquet")).unwrap();
        let total = |k: &str| samples.iter().map(|s| s.measures[k]).sum::<f64>();
        assert_eq!(total("substitutions") as u64, jiwer["substitutions"].as_u64().unwrap(), "{suite}");
        assert_eq!(total("deletions") as u64, jiwer["deletions"].as_u64().unwrap(), "{suite}");
        let manifest: Value = read(&run.join("manifest.json"));
        assert_eq!(manifest["suite"]["asr"]["normaliser"], "basic/1");
        let converted = if suite.contains("fsdd") { 300 } else { 0 };
        assert_eq!(manifest["suite"]["asr"]["converted"], converted, "8 kHz clips are resampled for the 16 kHz engine");
    }
}

/// A copy of the LibriVox set with white noise mixed in by sox, same transcripts and ids.
fn noisy_librivox(dir: &Path) -> std::path::PathBuf {
    let source = repo_root().join("datasets/librivox-5");
    let data = dir.join("noisy");
    std::fs::create_dir_all(&data).unwrap();
    let mut toml = String::from(
        "name = \"librivox-5-noisy\"\nversion = \"1\"\nlicense = \"BSD-2-Clause\"\nsource = \"librivox-5 with white noise (sox)\"\n",
    );
    for entry in std::fs::read_dir(&source).unwrap() {
        let path = entry.unwrap().path();
        let name = path.file_name().unwrap().to_string_lossy().into_owned();
        let target = data.join(&name);
        let format = if name.ends_with(".wav") {
            let status = std::process::Command::new("sox")
                .args([path.to_str().unwrap(), "-p", "synth", "whitenoise", "vol", "0.05"])
                .stdout(std::process::Stdio::piped())
                .spawn()
                .and_then(|noise| {
                    std::process::Command::new("sox")
                        .args(["-m", path.to_str().unwrap(), "-", target.to_str().unwrap()])
                        .stdin(noise.stdout.unwrap())
                        .status()
                })
                .unwrap();
            assert!(status.success());
            "wav"
        } else if name == "transcription" {
            std::fs::copy(&path, &target).unwrap();
            "text"
        } else {
            continue;
        };
        let sha = claimbench::fsutil::sha256_hex(&std::fs::read(&target).unwrap());
        toml.push_str(&format!("\n[[files]]\nkey = \"{name}\"\npath = \"{name}\"\nformat = \"{format}\"\nsha256 = \"{sha}\"\n"));
    }
    std::fs::write(data.join("dataset.toml"), toml).unwrap();
    let suite = std::fs::read_to_string(repo_root().join("suites/librivox-5.toml")).unwrap().replace("../datasets/librivox-5", "noisy");
    let path = dir.join("librivox-5-noisy.toml");
    std::fs::write(&path, suite).unwrap();
    path
}

#[test]
fn a_degraded_copy_is_compared_with_a_paired_wer_difference() {
    require_speech_tools();
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let (clean, _) = run_suite(d, &repo_root().join("suites/librivox-5.toml"), "pocketsphinx");
    let (noisy, _) = run_suite(d, &noisy_librivox(d), "pocketsphinx");
    let out = claimbench(d, &["compare", &clean.display().to_string(), &noisy.display().to_string(), "--force", "--format", "json"]);
    assert_eq!(out.code, 0, "{}{}", out.stdout, out.stderr);
    let report: Value = serde_json::from_str(&out.stdout).unwrap();
    let wer = report["data"]["metrics"].as_array().unwrap().iter().find(|m| m["metric"] == "wer").unwrap().clone();
    assert_eq!(wer["n_paired"], 5);
    let relative = &wer["relative"];
    assert!(relative["low"].as_f64().unwrap() <= relative["estimate"].as_f64().unwrap(), "{wer}");
    // The relative WER change is the ratio of summed errors, not a mean of per-utterance rates.
    let sum = |run: &Path, k: &str| {
        claimbench::store::samples::read_parquet(&run.join("samples.parquet")).unwrap().iter().map(|s| s.measures[k]).sum::<f64>()
    };
    let errors = |run: &Path| sum(run, "substitutions") + sum(run, "deletions") + sum(run, "insertions");
    let expected = (errors(&clean) - errors(&noisy)) / errors(&clean);
    assert!((relative["estimate"].as_f64().unwrap() - expected).abs() < 1e-12, "{wer} vs {expected}");
    assert!(out.stdout.contains("FORCED"), "different audio is said to be a forced comparison");
    let out = claimbench(
        d,
        &["compare", &clean.display().to_string(), &noisy.display().to_string(), "--force", "--format", "markdown", "-o", "compare.md"],
    );
    assert_eq!(out.code, 0);
    let markdown = std::fs::read_to_string(d.join("compare.md")).unwrap();
    assert!(markdown.contains("| wer |"), "{markdown}");
}

fn wav(path: &Path, rate: u32, channels: u16, samples: &[i16]) {
    let spec = hound::WavSpec { channels, sample_rate: rate, bits_per_sample: 16, sample_format: hound::SampleFormat::Int };
    let mut w = hound::WavWriter::create(path, spec).unwrap();
    for s in samples {
        w.write_sample(*s).unwrap();
    }
    w.finalize().unwrap();
}

#[test]
fn broken_audio_marks_its_item_and_the_run_goes_on() {
    require_speech_tools();
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    std::fs::create_dir_all(&data).unwrap();
    let good = repo_root().join("datasets/librivox-5/sense_and_sensibility_01_austen_64kb-0880.wav");
    std::fs::copy(&good, data.join("good.wav")).unwrap();
    // The same speech at 8 kHz in stereo: converted for the engine, then scored.
    let mut reader = hound::WavReader::open(&good).unwrap();
    let mono: Vec<i16> = reader.samples::<i16>().map(|s| s.unwrap()).step_by(2).collect();
    let stereo: Vec<i16> = mono.iter().flat_map(|&s| [s, s]).collect();
    wav(&data.join("stereo8k.wav"), 8000, 2, &stereo);
    wav(&data.join("empty.wav"), 16000, 1, &[]);
    let bytes = std::fs::read(&good).unwrap();
    std::fs::write(data.join("truncated.wav"), &bytes[..bytes.len() / 3 * 2 + 1]).unwrap();
    std::fs::copy(&good, data.join("noreference.wav")).unwrap();
    std::fs::copy(&good, data.join("latin1.wav")).unwrap();
    // Good audio that dataset.toml does not list: never hashed, so never used.
    std::fs::copy(&good, data.join("unlisted.wav")).unwrap();
    let line = |audio: &str, text: &str| format!("{}\n", serde_json::json!({"audio_filepath": audio, "duration": 2.0, "text": text}));
    let mut manifest = Vec::new();
    for (audio, text) in [
        ("good.wav", "he was not an ill disposed young man"),
        ("stereo8k.wav", "he was not an ill disposed young man"),
        ("missing.wav", "never recorded"),
        ("empty.wav", "silence"),
        ("truncated.wav", "he was not an ill disposed young man"),
        ("noreference.wav", ""),
        ("unlisted.wav", "he was not an ill disposed young man"),
    ] {
        manifest.extend_from_slice(line(audio, text).as_bytes());
    }
    manifest.extend_from_slice(b"{\"audio_filepath\": \"latin1.wav\", \"duration\": 2.0, \"text\": \"caf\xe9\"}\n");
    std::fs::write(data.join("manifest.json"), &manifest).unwrap();
    let mut toml = String::from("name = \"broken\"\nversion = \"1\"\nlicense = \"BSD-2-Clause\"\nsource = \"test\"\n");
    for name in ["manifest.json", "good.wav", "stereo8k.wav", "empty.wav", "truncated.wav", "noreference.wav", "latin1.wav"] {
        let sha = claimbench::fsutil::sha256_hex(&std::fs::read(data.join(name)).unwrap());
        let format = if name.ends_with(".wav") { "wav" } else { "jsonl" };
        toml.push_str(&format!("\n[[files]]\nkey = \"{name}\"\npath = \"{name}\"\nformat = \"{format}\"\nsha256 = \"{sha}\"\n"));
    }
    std::fs::write(data.join("dataset.toml"), toml).unwrap();
    let suite = dir.path().join("broken.toml");
    std::fs::write(
        &suite,
        "id = \"broken\"\nversion = \"1\"\ntask = \"asr.wer\"\nmetrics = [\"wer\"]\n\n[dataset]\npath = \"data\"\nfile = \"manifest.json\"\n\n[asr]\nformat = \"nemo\"\nnormaliser = \"basic\"\n",
    )
    .unwrap();
    let (run, out) = run_suite(dir.path(), &suite, "pocketsphinx");
    assert!(out.stdout.contains("5 of 8 items could not be scored"), "{}", out.stdout);
    let samples = claimbench::store::samples::read_parquet(&run.join("samples.parquet")).unwrap();
    let by_id = |id: &str| samples.iter().find(|s| s.id == id).unwrap();
    for (id, reason) in [
        ("missing", "missing.wav not found"),
        ("empty", "holds no audio"),
        ("truncated", "truncated or damaged"),
        ("latin1", "manifest.json:8: the transcript is not valid UTF-8"),
        ("unlisted", "audio file unlisted.wav is not listed in dataset.toml"),
    ] {
        let s = by_id(id);
        assert_eq!(s.measures["failed"], 1.0, "{id}");
        assert!(s.annotations["error"].contains(reason), "{id}: {:?}", s.annotations);
    }
    assert_eq!(by_id("stereo8k").measures["failed"], 0.0);
    // An empty reference is scored: whatever is heard counts as insertions.
    let empty_reference = by_id("noreference");
    assert_eq!(empty_reference.measures["reference_words"], 0.0);
    assert!(empty_reference.measures["insertions"] > 0.0);
    let metrics: Value = read(&run.join("metrics.json"));
    assert_eq!(
        (metrics["failed"].as_u64(), metrics["metrics"]["wer"]["n"].as_u64(), metrics["complete"].as_bool()),
        (Some(5), Some(3), Some(true))
    );
    let manifest: Value = read(&run.join("manifest.json"));
    assert_eq!(manifest["suite"]["asr"]["converted"], 1);
    assert!(!run.join("converted").exists(), "converted audio is removed once the run is complete");
}

/// The PocketSphinx-backed transcription server, on a free port; killed when dropped.
fn transcription_server(args: &[&str], env: &[(&str, &str)]) -> Listener {
    Listener::start(&repo_root().join("examples/systems/transcription_server.py"), args, env)
}

fn openai_audio_system(dir: &Path, port: u16, key_env: Option<&str>) -> String {
    let key = key_env.map(|k| format!("api_key_env = \"{k}\"\n")).unwrap_or_default();
    let path = dir.join(format!("server-{port}.toml"));
    std::fs::write(&path, format!("kind = \"openai-audio\"\nname = \"sphinx-server\"\nbase_url = \"http://127.0.0.1:{port}/v1\"\nmodel = \"pocketsphinx\"\nmax_retries = 3\n{key}")).unwrap();
    path.display().to_string()
}

#[test]
fn an_openai_compatible_transcription_server_is_scored_through_retries() {
    require_speech_tools();
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let secret = "sk-claimbench-test-0123456789";
    // The first two requests get 503 with Retry-After: claimbench retries and loses nothing.
    let server = transcription_server(&["--fail-first", "2", "--api-key-env", "TRANSCRIBE_KEY"], &[("TRANSCRIBE_KEY", secret)]);
    let system = openai_audio_system(d, server.port, Some("TRANSCRIBE_KEY"));
    let suite = repo_root().join("suites/librivox-5.toml").display().to_string();
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_claimbench"))
        .args(["run", &suite, "--system", &system, "--out", "runs"])
        .current_dir(d)
        .env("TRANSCRIBE_KEY", secret)
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let run = d.join(String::from_utf8_lossy(&out.stdout).lines().find_map(|l| l.strip_prefix("run: ")).unwrap());
    let samples = claimbench::store::samples::read_parquet(&run.join("samples.parquet")).unwrap();
    assert_eq!(samples.len(), 5);
    assert!(samples.iter().all(|s| s.measures["failed"] == 0.0 && !s.output.is_empty()));
    // The key was sent, and is written nowhere.
    for entry in walkdir::WalkDir::new(&run).into_iter().filter_map(|e| e.ok()).filter(|e| e.file_type().is_file()) {
        let bytes = std::fs::read(entry.path()).unwrap();
        assert!(!bytes.windows(secret.len()).any(|w| w == secret.as_bytes()), "{} holds the API key", entry.path().display());
    }
    drop(server);

    // A wrong key is not retried; an unreachable server is, then named.
    let server = transcription_server(&["--api-key-env", "TRANSCRIBE_KEY"], &[("TRANSCRIBE_KEY", secret)]);
    let system = openai_audio_system(d, server.port, Some("WRONG_KEY"));
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_claimbench"))
        .args(["run", &suite, "--system", &system, "--out", "runs"])
        .current_dir(d)
        .env("WRONG_KEY", "nope")
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(stderr.contains("answered HTTP 401") && !stderr.contains("after"), "{stderr}");
    let port = server.port;
    drop(server);
    let out = claimbench(d, &["run", &suite, "--system", &openai_audio_system(d, port, None), "--out", "runs"]);
    assert_eq!(out.code, 2);
    assert!(out.stderr.contains("cannot reach") && out.stderr.contains("(after 4 attempts)"), "{}", out.stderr);
    let out = claimbench(d, &["run", &suite, "--system", &openai_audio_system(d, port, Some("UNSET_CLAIMBENCH_KEY")), "--out", "runs"]);
    assert!(out.stderr.contains("environment variable UNSET_CLAIMBENCH_KEY (api_key_env) is not set"), "{}", out.stderr);
}

#[test]
fn the_command_protocol_carries_audio_requests() {
    require_speech_tools();
    let dir = tempfile::tempdir().unwrap();
    let adapter = repo_root().join("examples/systems/pocketsphinx_command.py").display().to_string();
    let (run, _) = run_suite(dir.path(), &repo_root().join("suites/flite-synthetic.toml"), &format!("command:python3 {adapter}"));
    let samples = claimbench::store::samples::read_parquet(&run.join("samples.parquet")).unwrap();
    assert_eq!(samples.len(), 10);
    assert!(samples.iter().all(|s| !s.output.is_empty() && s.system_latency_s.is_some()), "{samples:?}");
    let metrics: Value = read(&run.join("metrics.json"));
    assert!(metrics["metrics"]["wer"]["value"].as_f64().unwrap() < 0.5, "{metrics}");
}
