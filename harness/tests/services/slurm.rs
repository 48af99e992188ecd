//! The Slurm executor against a real one-node Slurm cluster (started by `just test`).

use crate::common::*;
use claimbench::store::manifest::{Manifest, Status};
use claimbench::store::samples::read_parquet;
use serde_json::Value;
use std::path::Path;
use std::time::{Duration, Instant};

fn require_slurm() {
    let conf = std::env::var("SLURM_CONF").unwrap_or_default();
    let state = std::process::Command::new("sinfo")
        .args(["-h", "-o", "%T"])
        .output()
        .map(|o| String::from_utf8_lossy(&o.stdout).trim().to_string());
    assert!(
        !conf.is_empty() && state.as_ref().is_ok_and(|s| !s.is_empty()),
        "these tests need the local Slurm cluster that `just test` starts (scripts/slurm/start.sh); SLURM_CONF={conf:?}, sinfo: {state:?}"
    );
}

#[test]
fn a_slurm_run_equals_the_local_run() {
    require_slurm();
    let dir = tempfile::tempdir().unwrap();
    let root = repo_root();
    let out = dir.path().join("runs");
    let system = example_command_system(dir.path(), "sum", &["--strategy", "sum"], None).display().to_string();
    let local = claimbench(&root, &["run", "gsm8k", "--system", &system, "--limit", "120", "--out", out.to_str().unwrap()]);
    assert_eq!(local.code, 0, "{}", local.stderr);
    let sharded = claimbench(
        &root,
        &[
            "run",
            "gsm8k",
            "--system",
            &system,
            "--limit",
            "120",
            "--out",
            out.to_str().unwrap(),
            "--executor",
            "slurm",
            "--shards",
            "8",
            "--gpus-per-task",
            "1",
        ],
    );
    assert_eq!(sharded.code, 0, "{}", sharded.stderr);
    eprintln!("{}", sharded.stdout.lines().find(|l| l.starts_with("slurm:")).unwrap());
    let (local, sharded) = (run_dir(&local), run_dir(&sharded));
    let (a, b) = (read_parquet(&local.join("samples.parquet")).unwrap(), read_parquet(&sharded.join("samples.parquet")).unwrap());
    assert_eq!(scored(&a), scored(&b));
    let (ma, mb): (Value, Value) = (read(&local.join("metrics.json")), read(&sharded.join("metrics.json")));
    assert_eq!(ma["metrics"]["accuracy"], mb["metrics"]["accuracy"], "same samples, same seed: same interval");
    let manifest: Manifest = read(&sharded.join("manifest.json"));
    assert_eq!(manifest.status, Status::Complete);
    let slurm = manifest.slurm.expect("a Slurm summary");
    assert_eq!((slurm.shards, slurm.shard_hosts.len()), (8, 8));
    assert!(slurm.wall_s > 0.0 && slurm.gpu_seconds > 0.0 && slurm.fanout_overhead_s >= 0.0);
    // Shard times are never summed into the wall time; GPU-seconds are.
    let summed: f64 = slurm.shard_hosts.iter().map(|h| h.wall_s).sum();
    assert!((slurm.gpu_seconds - summed).abs() < 1e-9 && slurm.wall_s <= summed + 1e-9);
    // Each task got one (fake) GPU of its own.
    let mut devices: Vec<String> = (0..8)
        .map(|i| {
            let shard: Value = read(&sharded.join(format!("shards/shard-{i:04}/manifest.json")));
            assert!(shard["host"]["slurm"]["SLURM_ARRAY_TASK_ID"].is_string(), "{shard}");
            shard["host"]["speed_env"]["CUDA_VISIBLE_DEVICES"].as_str().unwrap_or("none").to_string()
        })
        .collect();
    devices.sort();
    devices.dedup();
    assert!(devices.iter().all(|d| d.parse::<u32>().is_ok()), "{devices:?}");

    // Shards mixed up on disk: gathering again names the duplicated items instead of counting them twice.
    let shard = |i: usize| sharded.join(format!("shards/shard-{i:04}/samples.parquet"));
    std::fs::copy(shard(0), shard(1)).unwrap();
    let first_id = read_parquet(&shard(0)).unwrap()[0].id.clone();
    let mixed = claimbench(&root, &["gather", sharded.to_str().unwrap()]);
    assert_eq!(mixed.code, 2, "{}", mixed.stderr);
    assert!(mixed.stderr.contains("duplicated items") && mixed.stderr.contains(&first_id), "{}", mixed.stderr);
}

/// Waits until no shard is pending or running, then gathers.
fn gather_when_done(dir: &Path, run: &Path) -> Outcome {
    let started = Instant::now();
    loop {
        let out = claimbench(dir, &["gather", run.to_str().unwrap()]);
        if !out.stderr.contains("have not finished yet") || started.elapsed() > Duration::from_secs(120) {
            return out;
        }
        std::thread::sleep(Duration::from_millis(300));
    }
}

#[test]
fn a_cancelled_shard_is_reported_and_resumed_alone() {
    require_slurm();
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("runs");
    let suite = tiny_suite(dir.path(), &gsm8k_lines(40), "");
    let slow = example_command_system(dir.path(), "slow", &["--delay", "0.15"], None).display().to_string();
    let detached = claimbench(
        dir.path(),
        &[
            "run",
            suite.to_str().unwrap(),
            "--system",
            &slow,
            "--out",
            out.to_str().unwrap(),
            "--executor",
            "slurm",
            "--shards",
            "4",
            "--detach",
        ],
    );
    assert_eq!(detached.code, 0, "{}", detached.stderr);
    let run = run_dir(&detached);
    let job = read::<Value>(&run.join("slurm.json"))["jobs"][0]["job_id"].as_str().unwrap().to_string();
    let cancel = std::process::Command::new("scancel").arg(format!("{job}_2")).status().unwrap();
    assert!(cancel.success());

    let gathered = gather_when_done(dir.path(), &run);
    assert_eq!(gathered.code, 2, "{}", gathered.stderr);
    assert!(gathered.stderr.contains("shard 2: CANCELLED") && gathered.stderr.contains("--resume"), "{}", gathered.stderr);
    let manifest: Manifest = read(&run.join("manifest.json"));
    assert_eq!(manifest.status, Status::Incomplete);
    let status = claimbench(dir.path(), &["status", run.to_str().unwrap()]);
    assert!(
        status.stdout.contains("3 done, 0 running, 0 pending, 1 failed (of 4)") && status.stdout.contains("shard 2: failed: CANCELLED"),
        "{}",
        status.stdout
    );

    let resumed = claimbench(dir.path(), &["run", "--resume", run.to_str().unwrap()]);
    assert_eq!(resumed.code, 0, "{}", resumed.stderr);
    let jobs = read::<Value>(&run.join("slurm.json"))["jobs"].clone();
    assert_eq!(jobs[1]["shards"], serde_json::json!([2]), "only the cancelled shard is rerun");
    let local = claimbench(dir.path(), &["run", suite.to_str().unwrap(), "--system", &slow, "--out", out.to_str().unwrap()]);
    assert_eq!(local.code, 0, "{}", local.stderr);
    let a = read_parquet(&run_dir(&local).join("samples.parquet")).unwrap();
    let b = read_parquet(&run.join("samples.parquet")).unwrap();
    assert_eq!(scored(&a), scored(&b));
    assert_eq!(read::<Manifest>(&run.join("manifest.json")).status, Status::Complete);
}

#[test]
fn slurm_bad_inputs_are_clear() {
    require_slurm();
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("runs");
    let suite = tiny_suite(dir.path(), &gsm8k_lines(12), "");
    let exe = env!("CARGO_BIN_EXE_claimbench");
    let args = |extra: &[&str]| -> Vec<String> {
        let mut a: Vec<String> = [
            "run",
            suite.to_str().unwrap(),
            "--system",
            &format!("command:python3 {}", example_system()),
            "--out",
            out.to_str().unwrap(),
            "--executor",
            "slurm",
            "--shards",
            "2",
        ]
        .iter()
        .map(|s| s.to_string())
        .collect();
        a.extend(extra.iter().map(|s| s.to_string()));
        a
    };

    let no_sbatch = std::process::Command::new(exe).args(args(&[])).env("PATH", "/nonexistent").output().unwrap();
    assert_eq!(no_sbatch.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&no_sbatch.stderr).contains("sbatch not found on PATH"));

    let bad_partition = claimbench(dir.path(), &args(&["--partition", "nosuch"]).iter().map(String::as_str).collect::<Vec<_>>());
    assert_eq!(bad_partition.code, 2);
    assert!(
        bad_partition.stderr.contains("sbatch refused the job") && bad_partition.stderr.contains("invalid partition specified: nosuch"),
        "{}",
        bad_partition.stderr
    );

    // A task whose system crashes fails with its exit code and the tail of its log.
    let crash = example_command_system(dir.path(), "crash", &["--crash-after", "1"], None).display().to_string();
    let failed = claimbench(
        dir.path(),
        &["run", suite.to_str().unwrap(), "--system", &crash, "--out", out.to_str().unwrap(), "--executor", "slurm", "--shards", "2"],
    );
    assert_eq!(failed.code, 2, "{}", failed.stderr);
    assert!(
        failed.stderr.contains("FAILED (exit code 2:0)")
            && failed.stderr.contains("crashing on purpose")
            && failed.stderr.contains("--resume"),
        "{}",
        failed.stderr
    );

    // A run directory the node cannot see (a private tmpfs of the submitting process).
    let hidden = dir.path().join("hidden");
    std::fs::create_dir_all(&hidden).unwrap();
    let script = format!(
        "mount -t tmpfs none {h} && exec {exe} run {suite} --system 'command:python3 {sys}' --out {h}/runs --executor slurm --shards 2",
        h = hidden.display(),
        suite = suite.display(),
        sys = example_system()
    );
    let unseen = std::process::Command::new("unshare")
        .args(["--mount", "--propagation", "private", "sh", "-c", &script])
        .current_dir(dir.path())
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&unseen.stderr);
    assert_eq!(unseen.status.code(), Some(2), "{stderr}");
    assert!(stderr.contains("tmpfs filesystem, which other nodes cannot see") && stderr.contains("shard 0: FAILED"), "{stderr}");
}

#[test]
fn a_task_over_its_time_limit_is_reported() {
    require_slurm();
    let dir = tempfile::tempdir().unwrap();
    let suite = tiny_suite(dir.path(), &gsm8k_lines(2), "");
    let stuck = example_command_system(dir.path(), "stuck", &["--delay", "600"], None).display().to_string();
    let out = claimbench(
        dir.path(),
        &[
            "run",
            suite.to_str().unwrap(),
            "--system",
            &stuck,
            "--out",
            dir.path().join("runs").to_str().unwrap(),
            "--executor",
            "slurm",
            "--shards",
            "1",
            "--time",
            "1",
        ],
    );
    assert_eq!(out.code, 2, "{}", out.stderr);
    assert!(out.stderr.contains("shard 0: TIMEOUT"), "{}", out.stderr);
}

#[test]
fn a_materials_suite_runs_as_a_job_array() {
    require_slurm();
    let dir = tempfile::tempdir().unwrap();
    let root = repo_root();
    let out = dir.path().join("runs");
    let system = root.join("examples/systems/lammps-opt.toml").display().to_string();
    let args = [
        "run",
        "materials-lj",
        "--system",
        &system,
        "--limit",
        "4",
        "--out",
        out.to_str().unwrap(),
        "--executor",
        "slurm",
        "--shards",
        "2",
    ];
    let sharded = claimbench(&root, &args);
    assert_eq!(sharded.code, 0, "{}{}", sharded.stdout, sharded.stderr);
    let run = run_dir(&sharded);
    let metrics: Value = read(&run.join("metrics.json"));
    let rate = &metrics["metrics"]["lj-32k/timesteps_per_s"];
    assert_eq!((rate["n"].as_u64(), rate["statistic"].as_str()), (Some(3), Some("median")), "{rate}");
    assert!(rate.get("invalid").is_none(), "{rate}");
    let samples = read_parquet(&run.join("samples.parquet")).unwrap();
    assert_eq!(samples.len(), 4);
    assert!(samples.iter().all(|s| s.correct && s.output.starts_with("LAMMPS (")));
    let manifest: Manifest = read(&run.join("manifest.json"));
    assert_eq!(manifest.slurm.expect("a Slurm summary").shard_hosts.len(), 2);
}

#[test]
fn items_a_shard_failed_on_are_listed_in_the_gathered_manifest() {
    require_slurm();
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("runs");
    let suite = tiny_suite(dir.path(), &gsm8k_lines(24), "");
    let failing = dir.path().join("failing");
    std::fs::write(&failing, "").unwrap();
    let args = ["--fail-every", "5", "--fail-while", failing.to_str().unwrap()];
    let flaky = example_command_system(dir.path(), "flaky", &args, None).display().to_string();
    let run_args =
        ["run", suite.to_str().unwrap(), "--system", &flaky, "--out", out.to_str().unwrap(), "--executor", "slurm", "--shards", "2"];
    let first = claimbench(dir.path(), &run_args);
    assert_eq!(first.code, 2, "{}", first.stderr);
    let run = run_dir(&first);
    let manifest: Manifest = read(&run.join("manifest.json"));
    assert_eq!(manifest.status, Status::Incomplete);
    let kept: Vec<String> = read_parquet(&run.join("samples.parquet")).unwrap().into_iter().map(|s| s.id).collect();
    // Every item without a result is listed with the system's reason, none twice.
    let mut failed: Vec<&str> = manifest.failed_items.iter().map(|f| f.id.as_str()).collect();
    failed.dedup();
    assert!(!failed.is_empty() && failed.len() + kept.len() == 24, "{} failed, {} kept", failed.len(), kept.len());
    assert!(failed.iter().all(|id| !kept.iter().any(|k| k == id)));
    assert!(manifest.failed_items.iter().all(|f| f.error.contains("failing on purpose")), "{:?}", manifest.failed_items);

    std::fs::remove_file(&failing).unwrap();
    let resumed = claimbench(dir.path(), &["run", "--resume", run.to_str().unwrap()]);
    assert_eq!(resumed.code, 0, "{}", resumed.stderr);
    let manifest: Manifest = read(&run.join("manifest.json"));
    assert_eq!((manifest.status, manifest.failed_items.len(), manifest.items.completed), (Status::Complete, 0, 24));
}
