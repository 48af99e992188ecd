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
    claimbench_env(cwd, args, &[])
}

pub fn sha256_hex(bytes: &[u8]) -> String {
    claimbench::fsutil::sha256_hex(bytes)
}

/// The first `n` GSM8K test records as JSONL.
pub fn gsm8k_lines(n: usize) -> String {
    let text = std::fs::read_to_string(repo_root().join("datasets/gsm8k/test.jsonl")).unwrap();
    text.lines().take(n).map(|l| format!("{l}\n")).collect()
}

/// Writes a dataset directory holding one file with its hash recorded correctly.
pub fn one_file_dataset(data: &Path, name: &str, key: &str, file: &str, format: &str, content: &str) {
    std::fs::create_dir_all(data).unwrap();
    std::fs::write(data.join(file), content).unwrap();
    let sha = sha256_hex(content.as_bytes());
    let toml = format!(
        "name = \"{name}\"\nversion = \"1\"\nlicense = \"MIT\"\nsource = \"test\"\n\n[[files]]\nkey = \"{key}\"\npath = \"{file}\"\nformat = \"{format}\"\nsha256 = \"{sha}\"\n"
    );
    std::fs::write(data.join("dataset.toml"), toml).unwrap();
}

/// Writes a dataset directory holding `jsonl` (hash recorded correctly) and a suite using it;
/// returns the suite path.
pub fn tiny_suite(dir: &Path, jsonl: &str, extra_suite_toml: &str) -> PathBuf {
    one_file_dataset(&dir.join("data"), "tiny", "test", "test.jsonl", "jsonl", jsonl);
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

pub fn read<T: serde::de::DeserializeOwned>(path: &Path) -> T {
    serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap()
}

/// The run directory `claimbench run` printed (`run: DIR`), or that a detached Slurm
/// submission named on stderr (`…, run DIR`).
pub fn run_dir(out: &Outcome) -> PathBuf {
    let line = out.stdout.lines().find_map(|l| l.strip_prefix("run: ")).map(str::to_string);
    let line = line.or_else(|| out.stderr.lines().find_map(|l| l.split_once(", run ").map(|(_, d)| d.to_string())));
    PathBuf::from(line.unwrap_or_else(|| panic!("no run directory in: {} {}", out.stdout, out.stderr)))
}

/// The one run directory under `out`.
pub fn only_run(out: &Path) -> PathBuf {
    std::fs::read_dir(out).unwrap().next().expect("a run directory").unwrap().path()
}

/// What must agree between two runs of a deterministic system: everything but timings.
pub fn scored(samples: &[claimbench::store::samples::Sample]) -> Vec<(String, usize, String, Option<String>, bool)> {
    samples.iter().map(|s| (s.id.clone(), s.index, s.output.clone(), s.extracted.clone(), s.correct)).collect()
}

/// A system file running the example command system with `args`, named `name`.
pub fn example_command_system(dir: &Path, name: &str, args: &[&str], timeout_s: Option<f64>) -> PathBuf {
    let path = dir.join(format!("{name}.toml"));
    let mut words = vec![format!("{:?}", example_system())];
    words.extend(args.iter().map(|a| format!("{a:?}")));
    let timeout = timeout_s.map(|t| format!("timeout_s = {t}\n")).unwrap_or_default();
    std::fs::write(
        &path,
        format!("kind = \"command\"\nname = \"{name}\"\nprogram = \"python3\"\nargs = [{}]\n{timeout}", words.join(", ")),
    )
    .unwrap();
    path
}

/// Writes a dataset holding one LAMMPS input (`input`) and a `materials.md` suite with one
/// workload of `atoms` atoms and the gate of in.lj at 32,000 atoms unless `gate` replaces it;
/// returns the suite path.
pub fn tiny_materials_suite(dir: &Path, input: &str, vars: &str, atoms: u64, gate: Option<&str>) -> PathBuf {
    one_file_dataset(&dir.join("md-data"), "md", "in.test", "in.test", "text", input);
    let gate = gate.unwrap_or("{ e_pair = -6.77336805323422, press = -5.01970725908556, rel_tol = 1e-6, max_drift_per_atom = 0.0179 }");
    let suite = dir.join("md.toml");
    std::fs::write(
        &suite,
        format!(
            "id = \"md\"\nversion = \"1\"\ntask = \"materials.md\"\nmetrics = [\"timesteps_per_s\", \"loop_time_s\"]\n\n[dataset]\npath = \"md-data\"\nfile = \"in.test\"\n\n\
             [materials]\nunits = \"lj\"\nwarmup = 0\nrepetitions = 2\n\n[[materials.workloads]]\nid = \"w\"\natoms = {atoms}\nvars = {{ {vars} }}\ngate = {gate}\n"
        ),
    )
    .unwrap();
    suite
}

/// The classic in.lj input.
pub fn in_lj() -> String {
    std::fs::read_to_string(repo_root().join("datasets/lammps-bench/in.lj")).unwrap()
}

/// A Python helper that prints `listening on PORT` once ready (a test server or proxy); killed
/// when dropped.
pub struct Listener {
    pub child: std::process::Child,
    pub port: u16,
}

impl Listener {
    pub fn start(script: &Path, args: &[&str], env: &[(&str, &str)]) -> Listener {
        use std::io::BufRead;
        let mut child =
            Command::new("python3").arg(script).args(args).envs(env.iter().copied()).stdout(std::process::Stdio::piped()).spawn().unwrap();
        let mut line = String::new();
        std::io::BufReader::new(child.stdout.take().unwrap()).read_line(&mut line).unwrap();
        let port =
            line.trim().strip_prefix("listening on ").unwrap_or_else(|| panic!("{} said {line:?}", script.display())).parse().unwrap();
        Listener { child, port }
    }
}

impl Drop for Listener {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Runs `claimbench` with `args` in `cwd` and extra environment variables.
pub fn claimbench_env(cwd: &Path, args: &[&str], env: &[(&str, &str)]) -> Outcome {
    let out = Command::new(env!("CARGO_BIN_EXE_claimbench"))
        .args(args)
        .envs(env.iter().copied())
        .current_dir(cwd)
        .output()
        .expect("claimbench starts");
    Outcome {
        code: out.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    }
}

/// Runs `claimbench` with `args` in `cwd` and returns its exit code, its stderr and its peak
/// resident memory in KiB, as the kernel accounted it.
// wait4 reaps the child (std's wait would not give its peak memory).
#[allow(clippy::zombie_processes)]
pub fn claimbench_peak_rss(cwd: &Path, args: &[&str]) -> (i32, String, u64) {
    use std::io::Read;
    let mut child = Command::new(env!("CARGO_BIN_EXE_claimbench"))
        .args(args)
        .current_dir(cwd)
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("claimbench starts");
    let mut stderr = String::new();
    child.stderr.take().unwrap().read_to_string(&mut stderr).unwrap();
    let mut status = 0;
    // SAFETY: rusage is plain data; wait4 reaps our own child, which std never waits for here.
    let mut usage: libc::rusage = unsafe { std::mem::zeroed() };
    let pid = unsafe { libc::wait4(child.id() as libc::pid_t, &mut status, 0, &mut usage) };
    assert_eq!(pid, child.id() as libc::pid_t, "wait4");
    let code = if libc::WIFEXITED(status) { libc::WEXITSTATUS(status) } else { -1 };
    (code, stderr, usage.ru_maxrss as u64)
}

/// Runs `claimbench import …` (which must succeed); its stdout, and the run directories it
/// names, each with its suite id.
pub fn imported_runs(dir: &Path, args: &[&str]) -> (String, Vec<(String, PathBuf)>) {
    let result = claimbench(dir, args);
    assert_eq!(result.code, 0, "{}{}", result.stdout, result.stderr);
    let runs = result
        .stdout
        .lines()
        .filter_map(|l| l.strip_prefix("imported "))
        .map(|run| {
            let run = dir.join(run);
            let manifest: serde_json::Value = serde_json::from_str(&std::fs::read_to_string(run.join("manifest.json")).unwrap()).unwrap();
            (manifest["suite"]["id"].as_str().unwrap().to_string(), run)
        })
        .collect();
    (result.stdout, runs)
}
