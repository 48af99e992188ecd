//! Helpers shared by the integration tests: run the real binary, build small datasets.

#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::process::Command;

pub fn repo_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).parent().unwrap().to_path_buf()
}

pub struct Outcome {
    pub code: i32,
    pub stdout: String,
    pub stderr: String,
}

/// Runs `claimbench` with `args` in `cwd`.
pub fn claimbench(cwd: &Path, args: &[&str]) -> Outcome {
    let out = Command::new(env!("CARGO_BIN_EXE_claimbench")).args(args).current_dir(cwd).output().expect("claimbench starts");
    Outcome {
        code: out.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    }
}

pub fn sha256_hex(bytes: &[u8]) -> String {
    claimbench::fsutil::sha256_hex(bytes)
}

/// The first `n` GSM8K test records as JSONL.
pub fn gsm8k_lines(n: usize) -> String {
    let text = std::fs::read_to_string(repo_root().join("datasets/gsm8k/test.jsonl")).unwrap();
    text.lines().take(n).map(|l| format!("{l}\n")).collect()
}

/// Writes a dataset directory holding `jsonl` (hash recorded correctly) and a suite using it;
/// returns the suite path.
pub fn tiny_suite(dir: &Path, jsonl: &str, extra_suite_toml: &str) -> PathBuf {
    let data = dir.join("data");
    std::fs::create_dir_all(&data).unwrap();
    std::fs::write(data.join("test.jsonl"), jsonl).unwrap();
    std::fs::write(
        data.join("dataset.toml"),
        format!(
            "name = \"tiny\"\nversion = \"1\"\nlicense = \"MIT\"\nsource = \"test\"\n\n[[files]]\nkey = \"test\"\npath = \"test.jsonl\"\nformat = \"jsonl\"\nsha256 = \"{}\"\n",
            sha256_hex(jsonl.as_bytes())
        ),
    )
    .unwrap();
    let suite = dir.join("tiny.toml");
    std::fs::write(
        &suite,
        format!("id = \"tiny\"\nversion = \"1\"\ntask = \"reasoning.gsm8k\"\nmetrics = [\"accuracy\"]\n{extra_suite_toml}\n[dataset]\npath = \"data\"\nfile = \"test\"\n"),
    )
    .unwrap();
    suite
}

pub fn example_system() -> String {
    repo_root().join("examples/systems/number_heuristic.py").display().to_string()
}
