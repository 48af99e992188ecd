//! The Slurm executor: split a run's items into shards by item id, submit one job array, let
//! each array task run `claimbench worker RUN_DIR --shard i`, watch Slurm until every shard has
//! ended, and gather the shards into the run. Slurm does the scheduling; claimbench only plans,
//! watches and gathers.
//!
//! Run directory: `plan.json` (what each shard scores), `job.sh`, `slurm.json` (submitted job
//! ids), `logs/slurm-JOB_TASK.out`, `shards/shard-NNNN/{samples.parquet,manifest.json}`.

use super::{execute, finish_run, limited_items, load_suite, read_failures, start_run, Recipe, RunSummary};
use crate::error::{Error, IoContext, Result};
use crate::fsutil::{read_json, sha256_hex, write_atomic, write_json_atomic};
use crate::host::Host;
use crate::store::manifest::{Manifest, ShardHost, SlurmSummary, Status};
use crate::store::samples::{read_parquet, write_parquet, Sample};
use crate::store::MANIFEST;
use crate::systems::{SystemConfig, SystemSpec};
use serde::{Deserialize, Serialize};
use std::collections::{HashMap, HashSet};
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Duration;

#[derive(Debug, Clone, Default)]
pub struct SlurmOptions {
    pub shards: usize,
    pub partition: Option<String>,
    pub gpus_per_task: Option<u32>,
    pub cpus_per_task: Option<u32>,
    pub time: Option<String>,
    pub account: Option<String>,
    pub sbatch_args: Vec<String>,
    /// Submit and return; `claimbench status` and `claimbench gather` finish later.
    pub detach: bool,
}

/// What every array task needs to run its shard.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Plan {
    #[serde(flatten)]
    pub recipe: Recipe,
    pub shards: usize,
    pub gpus_per_task: usize,
    /// Item ids of each shard, in dataset order.
    pub assignment: Vec<Vec<String>>,
    /// sbatch options used for every submission, including resubmissions.
    pub sbatch: Vec<String>,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
struct Submissions {
    jobs: Vec<Submission>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
struct Submission {
    job_id: String,
    shards: Vec<usize>,
    submitted_unix: f64,
}

/// Written by a worker when its shard ends, complete or not.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct ShardManifest {
    pub shard: usize,
    pub status: Status,
    pub error: Option<String>,
    pub expected: usize,
    pub completed: usize,
    pub host: Host,
    pub started_unix: f64,
    pub finished_unix: f64,
    pub gpus: usize,
}

const PLAN: &str = "plan.json";
const SUBMISSIONS: &str = "slurm.json";
const JOB_SCRIPT: &str = "job.sh";

/// Shard of an item: from its id alone (and the shard count), never from its position.
pub fn shard_of(id: &str, shards: usize) -> usize {
    let digest = sha256_hex(id.as_bytes());
    (u64::from_str_radix(&digest[..16], 16).unwrap_or(0) % shards.max(1) as u64) as usize
}

fn shard_dir(run: &Path, shard: usize) -> PathBuf {
    run.join("shards").join(format!("shard-{shard:04}"))
}

fn unix_now() -> f64 {
    std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map(|d| d.as_secs_f64()).unwrap_or(0.0)
}

/// Single-quotes a word for the job script.
fn quote(word: &str) -> String {
    format!("'{}'", word.replace('\'', "'\\''"))
}

fn absolute(path: &Path) -> Result<PathBuf> {
    std::path::absolute(path).with_path(path)
}

/// Plans, submits and (unless detached) waits for and gathers a Slurm run.
pub fn run_slurm(request: &super::RunRequest, options: &SlurmOptions, progress: &mut dyn FnMut(&str)) -> Result<Option<RunSummary>> {
    if options.shards == 0 {
        return Err(Error::new("--shards must be at least 1"));
    }
    check_sbatch()?;
    let loaded = load_suite(&request.suite, &request.suites_dir)?;
    let items = limited_items(&loaded.task, request.limit)?;
    let system_spec = SystemSpec::parse(&request.system)?;
    if matches!(system_spec.config, SystemConfig::Predictions(_)) {
        // Find a mismatched predictions file now, not in every array task.
        system_spec.build(&loaded.task, items)?;
    }
    let out = absolute(&request.out)?;
    let (dir, _, lock) = start_run(&loaded, &system_spec, request.seed, request.limit, items.len(), &out)?;
    if let Some(fs) = node_local_filesystem(&dir) {
        progress(&format!(
            "warning: {} is on a {fs} filesystem, which other nodes cannot see; use --out on a shared filesystem for multi-node clusters",
            dir.display()
        ));
    }
    let mut assignment = vec![Vec::new(); options.shards];
    for item in items {
        assignment[shard_of(&item.id, options.shards)].push(item.id.clone());
    }
    let mut sbatch = vec!["--ntasks=1".to_string()];
    let mut push = |flag: &str, value: &Option<String>| {
        if let Some(v) = value {
            sbatch.push(format!("--{flag}={v}"));
        }
    };
    push("partition", &options.partition);
    push("gpus-per-task", &options.gpus_per_task.map(|g| g.to_string()));
    push("cpus-per-task", &options.cpus_per_task.map(|c| c.to_string()));
    push("time", &options.time);
    push("account", &options.account);
    sbatch.extend(options.sbatch_args.iter().cloned());
    let plan = Plan {
        recipe: Recipe::new(&loaded.suite, request)?,
        shards: options.shards,
        gpus_per_task: options.gpus_per_task.unwrap_or(0) as usize,
        assignment,
        sbatch,
    };
    write_json_atomic(&dir.join(PLAN), &plan)?;
    std::fs::create_dir_all(dir.join("logs")).with_path(&dir.join("logs"))?;
    let exe = std::env::current_exe().map_err(|e| Error::new(format!("cannot find the claimbench binary: {e}")))?;
    let script = format!(
        "#!/bin/bash\n# Written by claimbench: one array task runs one shard of this run.\nexec {} worker {} --shard \"$SLURM_ARRAY_TASK_ID\"\n",
        quote(&exe.display().to_string()),
        quote(&dir.display().to_string())
    );
    write_atomic(&dir.join(JOB_SCRIPT), script.as_bytes())?;
    let all: Vec<usize> = (0..options.shards).collect();
    let job = submit(&dir, &plan, &all).inspect_err(|e| {
        // Nothing ran: say so in the run's manifest rather than leave it "running".
        if let Ok(mut manifest) = read_json::<Manifest>(&dir.join(MANIFEST)) {
            manifest.status = Status::Incomplete;
            manifest.error = Some(e.to_string());
            let _ = write_json_atomic(&dir.join(MANIFEST), &manifest);
        }
    })?;
    progress(&format!("submitted Slurm job {job}: {} shards of {} items, run {}", options.shards, items.len(), dir.display()));
    // The shards write their own directories; the run's files are written again by the gather.
    drop(lock);
    if options.detach {
        return Ok(None);
    }
    wait_and_gather(&dir, progress).map(Some)
}

fn check_sbatch() -> Result<()> {
    match Command::new("sbatch").arg("--version").output() {
        Ok(_) => Ok(()),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Err(Error::new(
            "sbatch not found on PATH: --executor slurm needs the Slurm client commands (e.g. apt-get install slurm-client)",
        )),
        Err(e) => Err(Error::new(format!("cannot run sbatch: {e}"))),
    }
}

/// The type of a node-local filesystem holding `path` (tmpfs and the like), if it is one.
fn node_local_filesystem(path: &Path) -> Option<String> {
    let mounts = std::fs::read_to_string("/proc/mounts").ok()?;
    let path = path.canonicalize().ok()?;
    // The longest mount point containing the path is the filesystem it lives on.
    let (_, fs) = mounts
        .lines()
        .filter_map(|l| {
            let mut f = l.split_whitespace();
            let (_, mount, fs) = (f.next()?, f.next()?, f.next()?);
            path.starts_with(mount).then(|| (mount.len(), fs.to_string()))
        })
        .max_by_key(|(len, _)| *len)?;
    ["tmpfs", "ramfs"].contains(&fs.as_str()).then_some(fs)
}

/// Submits the array tasks for `shards` and records the job id.
fn submit(dir: &Path, plan: &Plan, shards: &[usize]) -> Result<String> {
    let array = shards.iter().map(usize::to_string).collect::<Vec<_>>().join(",");
    let run_id = dir.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
    let output = Command::new("sbatch")
        .arg("--parsable")
        .arg(format!("--array={array}"))
        .arg(format!("--job-name=claimbench-{run_id}"))
        .arg(format!("--output={}/logs/slurm-%A_%a.out", dir.display()))
        .arg(format!("--chdir={}", plan.recipe.workdir))
        .args(&plan.sbatch)
        .arg(dir.join(JOB_SCRIPT))
        .output()
        .map_err(|e| Error::new(format!("cannot run sbatch: {e}")))?;
    let stderr = String::from_utf8_lossy(&output.stderr);
    if !output.status.success() {
        let said: Vec<&str> = stderr.lines().map(str::trim).filter(|l| !l.is_empty()).collect();
        return Err(Error::new(format!("sbatch refused the job: {}", said.join(" | "))));
    }
    let stdout = String::from_utf8_lossy(&output.stdout);
    let job = stdout.trim().split(';').next().unwrap_or_default().to_string();
    if job.is_empty() {
        return Err(Error::new(format!("sbatch printed no job id (stderr: {})", stderr.trim())));
    }
    let path = dir.join(SUBMISSIONS);
    let mut submissions: Submissions = if path.is_file() { read_json(&path)? } else { Submissions::default() };
    submissions.jobs.push(Submission { job_id: job.clone(), shards: shards.to_vec(), submitted_unix: unix_now() });
    write_json_atomic(&path, &submissions)?;
    Ok(job)
}

/// Runs one shard inside an array task.
pub fn worker(dir: &Path, shard: usize) -> Result<()> {
    let host = Host::detect();
    if !dir.is_dir() {
        return Err(Error::new(format!(
            "run directory {} not found on node {}: --out must be on a filesystem every node shares",
            dir.display(),
            host.hostname
        )));
    }
    let plan: Plan = read_json(&dir.join(PLAN))?;
    let ids = plan.assignment.get(shard).ok_or_else(|| Error::new(format!("shard {shard} is not in the plan ({} shards)", plan.shards)))?;
    let workdir = plan.recipe.workdir()?;
    let loaded = load_suite(&plan.recipe.suite_path, workdir)?;
    let wanted: HashSet<&str> = ids.iter().map(String::as_str).collect();
    let items: Vec<_> =
        limited_items(&loaded.task, plan.recipe.limit)?.iter().filter(|i| wanted.contains(i.id.as_str())).cloned().collect();
    if items.len() != ids.len() {
        return Err(Error::new(format!("shard {shard}: the suite no longer has {} of its items", ids.len() - items.len())));
    }
    let spec = SystemSpec::parse_in(&plan.recipe.system, workdir)?;
    let out = shard_dir(dir, shard);
    std::fs::create_dir_all(&out).with_path(&out)?;
    let started_unix = unix_now();
    let (samples, failure) = match spec.build(&loaded.task, &items) {
        Ok(mut system) => {
            execute(&loaded.suite, &items, system.as_mut(), &spec, plan.recipe.seed, &out.join("samples.jsonl"), &mut |_, _| {})
        }
        Err(e) => (Vec::new(), Some(e)),
    };
    write_parquet(&out.join("samples.parquet"), &samples)?;
    let manifest = ShardManifest {
        shard,
        status: if failure.is_none() { Status::Complete } else { Status::Incomplete },
        error: failure.as_ref().map(|e| e.to_string()),
        expected: items.len(),
        completed: samples.len(),
        host,
        started_unix,
        finished_unix: unix_now(),
        gpus: plan.gpus_per_task,
    };
    write_json_atomic(&out.join(MANIFEST), &manifest)?;
    match failure {
        Some(e) => Err(Error::new(format!("shard {shard}: {e}"))),
        None => Ok(()),
    }
}

/// Where a shard stands.
#[derive(Debug, Clone, PartialEq)]
pub enum ShardState {
    Done,
    Pending,
    Running,
    Failed(String),
}

impl ShardState {
    /// Still queued or running: neither gathered nor resubmitted yet.
    pub fn is_active(&self) -> bool {
        matches!(self, ShardState::Pending | ShardState::Running)
    }
}

/// The shards whose state passes `keep`.
fn shards_where(states: &[ShardState], keep: impl Fn(&ShardState) -> bool) -> Vec<usize> {
    states.iter().enumerate().filter(|(_, s)| keep(s)).map(|(i, _)| i).collect()
}

/// One look at Slurm and at the shard files.
pub fn shard_states(dir: &Path) -> Result<Vec<ShardState>> {
    let plan: Plan = read_json(&dir.join(PLAN)).map_err(|e| e.context("not a Slurm run directory"))?;
    let submissions: Submissions = read_json(&dir.join(SUBMISSIONS))?;
    let mut slurm: HashMap<usize, (String, String, String)> = HashMap::new();
    // Shards whose latest job Slurm still knows: a task missing from a known array job was
    // cancelled before it started (Slurm keeps no record of those).
    let mut known: HashSet<usize> = HashSet::new();
    // Later submissions (resumes) override earlier ones for the shards they cover.
    for submission in &submissions.jobs {
        let tasks = array_task_states(&submission.job_id)?;
        for shard in &submission.shards {
            if tasks.is_empty() {
                known.remove(shard);
            } else {
                known.insert(*shard);
            }
            slurm.remove(shard);
        }
        for (task, state, exit) in tasks {
            if submission.shards.contains(&task) {
                slurm.insert(task, (submission.job_id.clone(), state, exit));
            }
        }
    }
    Ok((0..plan.shards)
        .map(|shard| {
            let manifest: Option<ShardManifest> = read_json(&shard_dir(dir, shard).join(MANIFEST)).ok();
            let slurm_state = slurm.get(&shard);
            let active = slurm_state.is_some_and(|(_, s, _)| {
                ["PENDING", "CONFIGURING", "RUNNING", "COMPLETING", "SUSPENDED", "REQUEUED", "RESIZING"].contains(&s.as_str())
            });
            match (&manifest, slurm_state) {
                (_, Some((_, state, _))) if active => {
                    if state == "PENDING" {
                        ShardState::Pending
                    } else {
                        ShardState::Running
                    }
                }
                (Some(m), _) if m.status == Status::Complete => ShardState::Done,
                (Some(m), Some((job, state, exit))) => ShardState::Failed(format!(
                    "{state} (exit code {exit}): {}{}",
                    m.error.as_deref().unwrap_or("no error recorded"),
                    log_tail(dir, job, shard)
                )),
                (None, Some((job, state, exit))) => ShardState::Failed(format!("{state} (exit code {exit}){}", log_tail(dir, job, shard))),
                (Some(m), None) => ShardState::Failed(m.error.clone().unwrap_or_else(|| "incomplete".into())),
                (None, None) if known.contains(&shard) => {
                    ShardState::Failed("CANCELLED before it started (Slurm keeps no record of it)".to_string())
                }
                (None, None) => ShardState::Failed("unknown to Slurm (its job was purged) and left no results".to_string()),
            }
        })
        .collect())
}

/// `; log: …` with the last lines of an array task's output, when there is any.
fn log_tail(dir: &Path, job: &str, shard: usize) -> String {
    let path = dir.join("logs").join(format!("slurm-{job}_{shard}.out"));
    let text = std::fs::read_to_string(&path).unwrap_or_default();
    let lines: Vec<&str> = text.lines().map(str::trim).filter(|l| !l.is_empty()).collect();
    if lines.is_empty() {
        return String::new();
    }
    format!("; log {}: {}", path.display(), lines[lines.len().saturating_sub(3)..].join(" | "))
}

/// (array task id, state, exit code) for every task of a job array, from `scontrol`.
fn array_task_states(job: &str) -> Result<Vec<(usize, String, String)>> {
    let output =
        Command::new("scontrol").args(["-o", "show", "job", job]).output().map_err(|e| Error::new(format!("cannot run scontrol: {e}")))?;
    if !output.status.success() {
        // A job purged after MinJobAge is simply unknown now.
        return Ok(Vec::new());
    }
    let mut out = Vec::new();
    for line in String::from_utf8_lossy(&output.stdout).lines() {
        let field = |key: &str| line.split_whitespace().find_map(|w| w.strip_prefix(key)).unwrap_or_default().to_string();
        let (tasks, state, exit) = (field("ArrayTaskId="), field("JobState="), field("ExitCode="));
        for task in expand_task_ids(&tasks) {
            out.push((task, state.clone(), exit.clone()));
        }
    }
    Ok(out)
}

/// Expands Slurm's task lists: `3`, `0-7`, `1,4-6`, `2-7%4`.
fn expand_task_ids(text: &str) -> Vec<usize> {
    let text = text.split('%').next().unwrap_or_default();
    text.split(',')
        .flat_map(|part| match part.split_once('-') {
            Some((a, b)) => match (a.parse::<usize>(), b.parse::<usize>()) {
                (Ok(a), Ok(b)) => (a..=b).collect(),
                _ => Vec::new(),
            },
            None => part.parse().into_iter().collect(),
        })
        .collect()
}

/// Watches until no shard is pending or running, then gathers.
pub fn wait_and_gather(dir: &Path, progress: &mut dyn FnMut(&str)) -> Result<RunSummary> {
    let mut last: Vec<ShardState> = Vec::new();
    loop {
        let states = shard_states(dir)?;
        if states != last {
            // One line per shard that changed, then the tally.
            for (shard, state) in states.iter().enumerate() {
                if last.get(shard) != Some(state) {
                    progress(&format!("shard {shard}: {}", describe(state)));
                }
            }
            progress(&format!("shards: {}", summarise_states(&states)));
            last = states.clone();
        }
        if !states.iter().any(ShardState::is_active) {
            return gather(dir);
        }
        std::thread::sleep(Duration::from_millis(250));
    }
}

pub fn describe(state: &ShardState) -> String {
    match state {
        ShardState::Done => "done".to_string(),
        ShardState::Pending => "pending".to_string(),
        ShardState::Running => "running".to_string(),
        ShardState::Failed(why) => format!("failed: {why}"),
    }
}

pub fn summarise_states(states: &[ShardState]) -> String {
    let count = |f: fn(&ShardState) -> bool| states.iter().filter(|s| f(s)).count();
    format!(
        "{} done, {} running, {} pending, {} failed (of {})",
        count(|s| *s == ShardState::Done),
        count(|s| *s == ShardState::Running),
        count(|s| *s == ShardState::Pending),
        count(|s| matches!(s, ShardState::Failed(_))),
        states.len()
    )
}

/// Gathers finished shards into the run: samples in dataset order, metrics, manifest. Missing
/// or failed shards leave the run incomplete (their results kept) and say how to resume.
pub fn gather(dir: &Path) -> Result<RunSummary> {
    let _lock = crate::store::lock::RunLock::acquire(dir)?;
    let states = shard_states(dir)?;
    let unfinished = shards_where(&states, ShardState::is_active);
    if !unfinished.is_empty() {
        return Err(Error::new(format!(
            "{} shards have not finished yet ({}); see `claimbench status {}`",
            unfinished.len(),
            list(&unfinished),
            dir.display()
        )));
    }
    let plan: Plan = read_json(&dir.join(PLAN))?;
    let submissions: Submissions = read_json(&dir.join(SUBMISSIONS))?;
    let manifest: Manifest = read_json(&dir.join(MANIFEST))?;
    let loaded = load_suite(&plan.recipe.suite_path, Path::new("."))?;
    let mut samples: Vec<Sample> = Vec::new();
    let mut shard_manifests = Vec::new();
    let mut failures = Vec::new();
    let mut failed_items = Vec::new();
    for (shard, state) in states.iter().enumerate() {
        if let ShardState::Failed(why) = state {
            failures.push(format!("shard {shard}: {why}"));
        }
        failed_items.extend(read_failures(&shard_dir(dir, shard)));
        let path = shard_dir(dir, shard).join("samples.parquet");
        if path.is_file() {
            samples.extend(read_parquet(&path)?);
        }
        if *state == ShardState::Done {
            shard_manifests.push(read_json::<ShardManifest>(&shard_dir(dir, shard).join(MANIFEST))?);
        }
    }
    // Every planned item exactly once: a duplicate or a stray item means shards were mixed up.
    let planned: HashSet<&str> = plan.assignment.iter().flatten().map(String::as_str).collect();
    let mut seen: HashSet<&str> = HashSet::new();
    let duplicated: Vec<String> = samples.iter().filter(|s| !seen.insert(s.id.as_str())).map(|s| s.id.clone()).collect();
    let stray: Vec<String> = samples.iter().filter(|s| !planned.contains(s.id.as_str())).map(|s| s.id.clone()).collect();
    if !duplicated.is_empty() || !stray.is_empty() {
        return Err(Error::new(format!(
            "{}: shards hold duplicated items ({}) or items outside the plan ({})",
            dir.display(),
            list(&duplicated),
            list(&stray)
        )));
    }
    samples.sort_by_key(|s| s.index);
    let gathered_unix = unix_now();
    let mut manifest = manifest;
    let first_submit = submissions.jobs.first().map(|j| j.submitted_unix).unwrap_or(gathered_unix);
    let start = shard_manifests.iter().map(|m| m.started_unix).fold(f64::INFINITY, f64::min);
    let end = shard_manifests.iter().map(|m| m.finished_unix).fold(f64::NEG_INFINITY, f64::max);
    let slowest = shard_manifests.iter().map(|m| m.finished_unix - m.started_unix).fold(0.0, f64::max);
    let fingerprint = |h: &Host| h.speed_fingerprint().iter().map(|(k, v)| format!("{k}={v}")).collect::<Vec<_>>().join("; ");
    manifest.slurm = Some(SlurmSummary {
        job_ids: submissions.jobs.iter().map(|j| j.job_id.clone()).collect(),
        shards: plan.shards,
        wall_s: if end > start { end - start } else { 0.0 },
        gpu_seconds: shard_manifests.iter().map(|m| (m.finished_unix - m.started_unix) * m.gpus as f64).sum(),
        fanout_overhead_s: (gathered_unix - first_submit - slowest).max(0.0),
        shard_hosts: shard_manifests
            .iter()
            .map(|m| ShardHost {
                shard: m.shard,
                node: m.host.hostname.clone(),
                wall_s: m.finished_unix - m.started_unix,
                gpus: m.gpus,
                fingerprint: fingerprint(&m.host),
            })
            .collect(),
    });
    // Speed figures belong to the nodes that produced them.
    if let Some(first) = shard_manifests.first() {
        manifest.host = first.host.clone();
    }
    let mut failure = (!failures.is_empty())
        .then(|| Error::new(format!("{}; `claimbench run --resume {}` reruns them", failures.join("; "), dir.display())));
    let gathered: HashSet<&str> = samples.iter().map(|s| s.id.as_str()).collect();
    let missing: Vec<&str> = plan.assignment.iter().flatten().map(String::as_str).filter(|id| !gathered.contains(id)).collect();
    if failure.is_none() && !missing.is_empty() {
        failure = Some(Error::new(format!("{} planned items have no result: {}", missing.len(), list(&missing))));
    }
    failed_items.sort_by_key(|f| f.index);
    finish_run(dir, &loaded.suite, manifest, &samples, failed_items, failure)
}

/// Resubmits the shards that failed or never ran, then (unless detached) waits and gathers.
pub fn resume(dir: &Path, detach: bool, progress: &mut dyn FnMut(&str)) -> Result<Option<RunSummary>> {
    check_sbatch()?;
    let lock = crate::store::lock::RunLock::acquire(dir)?;
    let states = shard_states(dir)?;
    let active = shards_where(&states, ShardState::is_active);
    if !active.is_empty() {
        return Err(Error::new(format!(
            "shards {} are still pending or running; wait for them (`claimbench status {}`)",
            list(&active),
            dir.display()
        )));
    }
    let redo = shards_where(&states, |s| matches!(s, ShardState::Failed(_)));
    if redo.is_empty() {
        progress("every shard is done; gathering");
    } else {
        let plan: Plan = read_json(&dir.join(PLAN))?;
        for &shard in &redo {
            // A fresh start: what a failed attempt left is replaced, never mixed in.
            let _ = std::fs::remove_dir_all(shard_dir(dir, shard));
        }
        let job = submit(dir, &plan, &redo)?;
        progress(&format!("resubmitted shards {} as Slurm job {job}", list(&redo)));
        drop(lock);
        if detach {
            return Ok(None);
        }
    }
    wait_and_gather(dir, progress).map(Some)
}

fn list<T: std::fmt::Display>(items: &[T]) -> String {
    let mut text = items.iter().take(8).map(|i| i.to_string()).collect::<Vec<_>>().join(", ");
    if items.len() > 8 {
        text.push_str(&format!(" and {} more", items.len() - 8));
    }
    text
}

/// Whether a run directory was made by the Slurm executor.
pub fn is_slurm_run(dir: &Path) -> bool {
    dir.join(PLAN).is_file()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shards_depend_on_the_id_only() {
        let ids: Vec<String> = (0..1000).map(|i| format!("gsm8k-{i:012x}")).collect();
        let counts = ids.iter().fold(vec![0; 8], |mut c, id| {
            c[shard_of(id, 8)] += 1;
            c
        });
        assert!(counts.iter().all(|&c| (90..160).contains(&c)), "{counts:?}");
        assert_eq!(shard_of("gsm8k-abc", 8), shard_of("gsm8k-abc", 8));
        assert!(ids.iter().all(|id| shard_of(id, 1) == 0));
    }

    #[test]
    fn slurm_task_lists_expand() {
        assert_eq!(expand_task_ids("3"), vec![3]);
        assert_eq!(expand_task_ids("0-3"), vec![0, 1, 2, 3]);
        assert_eq!(expand_task_ids("1,4-5%2"), vec![1, 4, 5]);
        assert!(expand_task_ids("N/A").is_empty());
    }

    #[test]
    fn job_script_words_are_quoted() {
        assert_eq!(quote("/a b/it's"), "'/a b/it'\\''s'");
    }
}
