//! `claimbench run` (locally or on Slurm, or `--resume`), and the Slurm run's `worker`,
//! `status` and `gather`.

use super::{progress_printer, Verdict};
use claimbench::run::slurm::{self, SlurmOptions};
use claimbench::run::{run_local, RunRequest};
use std::path::PathBuf;

#[derive(clap::Args)]
pub struct RunArgs {
    /// Suite id (looked up in --suites-dir) or path to a suite TOML file.
    #[arg(required_unless_present = "resume")]
    suite: Option<String>,
    /// A system TOML file, or KIND:ARG: predictions:FILE.jsonl, command:PROGRAM [ARG…].
    #[arg(long, required_unless_present = "resume")]
    system: Option<String>,
    /// Score only the first N items (in dataset order).
    #[arg(long)]
    limit: Option<usize>,
    /// Seed for the bootstrap intervals and for systems that sample.
    #[arg(long, default_value_t = 0)]
    seed: u64,
    /// Directory that receives the run directory (for Slurm: on a filesystem the nodes share).
    #[arg(long, default_value = "runs")]
    out: PathBuf,
    #[arg(long, default_value = "suites")]
    suites_dir: PathBuf,
    /// Where items run: here (local) or as a Slurm job array (slurm).
    #[arg(long, value_enum, default_value_t = Executor::Local)]
    executor: Executor,
    /// Complete an interrupted run: rerun only its unfinished items (local) or the shards
    /// that failed or never ran (Slurm).
    #[arg(long, value_name = "RUN_DIR", conflicts_with_all = ["suite", "system"])]
    resume: Option<PathBuf>,
    #[command(flatten)]
    slurm: SlurmArgs,
}

/// Where a run's items run.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
enum Executor {
    /// Here, one item after another (or a batch at a time).
    Local,
    /// As a Slurm job array.
    Slurm,
}

/// The options of `--executor slurm`.
#[derive(clap::Args)]
#[command(next_help_heading = "Slurm")]
struct SlurmArgs {
    /// Number of shards (array tasks).
    #[arg(long, default_value_t = 1)]
    shards: usize,
    #[arg(long)]
    partition: Option<String>,
    #[arg(long)]
    gpus_per_task: Option<u32>,
    #[arg(long)]
    cpus_per_task: Option<u32>,
    /// Time limit per task, e.g. 2:00:00.
    #[arg(long)]
    time: Option<String>,
    #[arg(long)]
    account: Option<String>,
    /// Extra sbatch option, repeatable: --sbatch-arg=--qos=high
    #[arg(long = "sbatch-arg", allow_hyphen_values = true)]
    sbatch_args: Vec<String>,
    /// Submit and return; finish with `claimbench status` and `claimbench gather`.
    #[arg(long)]
    detach: bool,
}

#[derive(clap::Args)]
pub struct WorkerArgs {
    run_dir: PathBuf,
    #[arg(long)]
    shard: usize,
}

#[derive(clap::Args)]
pub struct RunDirArgs {
    run_dir: PathBuf,
}

pub fn execute(args: RunArgs) -> claimbench::Result<Verdict> {
    let mut say = |line: &str| eprintln!("{}", claimbench::secrets::scrub(line));
    let s = args.slurm;
    if let Some(dir) = args.resume {
        let summary = if slurm::is_slurm_run(&dir) {
            slurm::resume(&dir, s.detach, &mut say)?
        } else {
            Some(claimbench::run::resume_local(&dir, &mut progress_printer())?)
        };
        return Ok(summary.map_or(Verdict::Fine, |summary| print_summary(&summary, summary.manifest.seed)));
    }
    let (seed, suites_dir, out) = (args.seed, args.suites_dir, args.out);
    let request = RunRequest {
        suite: args.suite.unwrap_or_default(),
        suites_dir,
        system: args.system.unwrap_or_default(),
        limit: args.limit,
        seed,
        out,
    };
    if args.executor == Executor::Slurm {
        let options = SlurmOptions {
            shards: s.shards,
            partition: s.partition,
            gpus_per_task: s.gpus_per_task,
            cpus_per_task: s.cpus_per_task,
            time: s.time,
            account: s.account,
            sbatch_args: s.sbatch_args,
            detach: s.detach,
        };
        return Ok(slurm::run_slurm(&request, &options, &mut say)?.map_or(Verdict::Fine, |summary| print_summary(&summary, seed)));
    }
    let summary = run_local(&request, &mut progress_printer())?;
    Ok(print_summary(&summary, seed))
}

pub fn worker(args: WorkerArgs) -> claimbench::Result<Verdict> {
    slurm::worker(&args.run_dir, args.shard)?;
    Ok(Verdict::Fine)
}

pub fn status(args: RunDirArgs) -> claimbench::Result<Verdict> {
    let states = slurm::shard_states(&args.run_dir)?;
    for (shard, state) in states.iter().enumerate() {
        println!("shard {shard}: {}", slurm::describe(state));
    }
    println!("{}", slurm::summarise_states(&states));
    Ok(Verdict::Fine)
}

pub fn gather(args: RunDirArgs) -> claimbench::Result<Verdict> {
    let summary = slurm::gather(&args.run_dir)?;
    Ok(print_summary(&summary, summary.manifest.seed))
}

/// Prints the run's metrics; a run whose speed figures failed their accuracy gate ends with
/// exit status 1, its results kept and marked invalid.
fn print_summary(summary: &claimbench::run::RunSummary, seed: u64) -> Verdict {
    use claimbench::store::metrics::Statistic;
    println!("run: {}", summary.dir.display());
    let mut invalid = Vec::new();
    for (name, metric) in &summary.metrics.metrics {
        let statistic = if metric.statistic == Statistic::Median { "median, " } else { "" };
        let outliers = metric.outliers.as_ref().map_or(0, |o| o.low_mild + o.low_severe + o.high_mild + o.high_severe);
        let outliers = if outliers > 0 { format!(", {outliers} outliers") } else { String::new() };
        let flag = if metric.invalid.is_some() { "INVALID " } else { "" };
        match &metric.ci {
            Some(ci) => {
                // An exact interval states the confidence it reaches, which may be below the 95% asked.
                let seeded = if ci.seed.is_some() { format!(", seed {seed}") } else { String::new() };
                println!(
                    "{flag}{name}: {:.4} [{:.4}, {:.4}] ({statistic}n={}, {} {} CI{seeded}{outliers})",
                    metric.value,
                    ci.low,
                    ci.high,
                    metric.n,
                    ci.level_percent(),
                    ci.method
                )
            }
            None if metric.n == 1 => println!("{flag}{name}: {:.4} ({statistic}n=1, no interval: one value){outliers}", metric.value),
            None => println!("{flag}{name}: {:.4} (n={})", metric.value, metric.n),
        }
        if let Some(reason) = &metric.invalid {
            if !invalid.contains(reason) {
                invalid.push(reason.clone());
            }
        }
    }
    if summary.metrics.metrics.values().any(|m| m.speed) {
        let host = &summary.manifest.host;
        let fingerprint: Vec<String> = host.speed_fingerprint().into_iter().map(|(k, v)| format!("{k}={v}")).collect();
        println!("speed measured on: {}", fingerprint.join(", "));
    }
    if let Some(slurm) = &summary.manifest.slurm {
        println!(
            "slurm: {} shards, wall {:.2} s (last end - first start), {:.1} GPU-seconds, fan-out overhead {:.2} s (submit to gathered, minus the slowest shard)",
            slurm.shards, slurm.wall_s, slurm.gpu_seconds, slurm.fanout_overhead_s
        );
    }
    if summary.metrics.failed > 0 {
        println!(
            "{} of {} items could not be scored and are left out of the metrics (marked `failed`, with the reason in the samples' `error` column)",
            summary.metrics.failed, summary.metrics.n_expected
        );
    }
    for reason in &invalid {
        println!("INVALID: {reason}");
    }
    if invalid.is_empty() {
        Verdict::Fine
    } else {
        Verdict::Failed
    }
}
