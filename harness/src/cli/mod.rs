//! The command line: one file per subcommand (its arguments and what it does), the option
//! groups they share, and how a result becomes an exit status.

mod agree;
mod bundle;
mod claim;
mod compare;
mod datasets;
mod export;
mod gguf;
mod history;
mod import;
mod md;
mod plan;
mod report;
mod run;
mod suites;
mod wer;

use claimbench::compare::CompareOptions;
use claimbench::report::findings::Findings;
use claimbench::report::Format;
use clap::{Parser, Subcommand};
use std::path::PathBuf;

/// Reproducible benchmarks whose numbers a reviewer can check.
#[derive(Parser)]
#[command(
    name = "claimbench",
    version,
    about,
    long_about = None,
    after_help = "Exit status: 0 success; 1 a claim is refuted or a regression was found; 2 a usage or input error (bad file, failing system, incomplete run)."
)]
pub struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// List, validate and inspect suite specs.
    Suites {
        #[command(subcommand)]
        command: suites::SuitesCommand,
    },
    /// Describe a folder of data files as a dataset (dataset.toml with hashes, license and
    /// source), and check one.
    Datasets {
        #[command(subcommand)]
        command: datasets::DatasetsCommand,
    },
    /// Turn the output of another harness into claimbench runs, checking it on the way.
    Import {
        #[command(subcommand)]
        command: import::ImportCommand,
    },
    /// Run a suite against a system and store the results in a new run directory.
    ///
    /// Example: claimbench run gsm8k --system predictions:preds.jsonl
    ///
    /// Example: claimbench run gsm8k --system sys.toml --executor slurm --shards 8 --gpus-per-task 1
    Run(run::RunArgs),
    /// Run one shard of a Slurm run (what each array task executes).
    Worker(run::WorkerArgs),
    /// Where each shard of a Slurm run stands.
    Status(run::RunDirArgs),
    /// Gather the finished shards of a Slurm run into its samples, metrics and manifest.
    Gather(run::RunDirArgs),
    /// How closely two runs of the same items agree, output by output, as JSON: identical
    /// outputs, same answers, token-level agreement of generations (with --tokenizer), and for
    /// log-likelihood runs how far the log-likelihoods differ
    Agree(agree::AgreeArgs),
    /// Compare two runs item by item: both values, the improvement with paired intervals, the
    /// test and its p-value per metric.
    ///
    /// Example: claimbench compare runs/base runs/new --format markdown
    ///
    /// Example: claimbench compare --results runs/ system=sum system=last-number
    Compare(compare::CompareArgs),
    /// Check claims stated in a claims TOML file.
    Claim {
        #[command(subcommand)]
        command: claim::ClaimCommand,
    },
    /// Items needed to detect an accuracy gain, and the smallest gain a suite can detect.
    ///
    /// Example: claimbench plan gsm8k --effect 0.28 --relative --baseline-accuracy 0.3
    Plan(plan::PlanArgs),
    /// Gather every run under a directory, order them, and find regressions and improvements.
    ///
    /// Example: claimbench history runs/ --format junit -o history.xml
    History(history::HistoryArgs),
    /// Write a report of one or more runs: a self-contained index.html, summary.md, metrics.csv,
    /// report.json, junit.xml and plots (PNG and SVG) under plots/.
    ///
    /// Example: claimbench report runs/gsm8k-* --claims claims.toml -o reports/gsm8k
    Report(report::ReportArgs),
    /// Write runs' figures, each with n, its interval and the bundle that holds the evidence,
    /// in the formats other tools read: Bencher, Every Eval Ever, Hugging Face .eval_results.
    ///
    /// Example: claimbench export runs/gsm8k-* --format every-eval-ever --bundle ev.cbundle -o export
    Export(export::ExportArgs),
    /// Write an ed25519 key pair for signing bundles: PREFIX.key (secret, mode 0600) and PREFIX.pub.
    Keygen(bundle::KeygenArgs),
    /// Make and inspect evidence bundles.
    Bundle {
        #[command(subcommand)]
        command: bundle::BundleCommand,
    },
    /// Check a bundle: signature, every file hash, every sample re-scored from its raw output,
    /// metrics and claim verdicts recomputed and compared bit for bit. Exit 1 if any check fails.
    ///
    /// Example: claimbench verify evidence.cbundle --pubkey team.pub
    Verify(bundle::VerifyArgs),
    /// Re-run a random subset of a bundle's items (picked by --seed, after the bundle is fixed)
    /// against a system and check outputs and scores agree within the suite's tolerance.
    ///
    /// Example: claimbench reproduce evidence.cbundle --system examples/systems/sum.toml --sample 20 --seed 4711
    Reproduce(bundle::ReproduceArgs),
    /// Word error rate of a JSONL file of {"reference": …, "hypothesis": …} pairs: S/D/I totals,
    /// corpus WER, MER and WIL, as JSON.
    ///
    /// Example: claimbench wer pairs.jsonl --normaliser basic --convention sclite
    Wer(wer::WerArgs),
    /// Run the built-in MD engine on a LAMMPS input (the in.lj subset) and print its log, as
    /// `lmp -in INPUT -var NAME VALUE` would.
    ///
    /// Example: claimbench md datasets/lammps-bench/in.lj --var x 2 --var y 2 --var z 2 --threads 0
    Md(md::MdArgs),
    /// Runs the built-in GGUF model directly: one JSON line per prompt with its tokens, the
    /// generated text and tokens, and prompt and decode speed.
    #[cfg(feature = "gguf")]
    Gguf(gguf::GgufArgs),
}

/// How a successful command ended: fine, or a check that failed (exit 1).
pub enum Verdict {
    Fine,
    Failed,
}

impl Cli {
    pub fn execute(self) -> claimbench::Result<Verdict> {
        match self.command {
            Command::Suites { command } => suites::execute(command),
            Command::Datasets { command } => datasets::execute(command),
            Command::Import { command } => import::execute(command),
            Command::Run(args) => run::execute(args),
            Command::Worker(args) => run::worker(args),
            Command::Status(args) => run::status(args),
            Command::Gather(args) => run::gather(args),
            Command::Agree(args) => agree::execute(args),
            Command::Compare(args) => compare::execute(args),
            Command::Claim { command } => claim::execute(command),
            Command::Plan(args) => plan::execute(args),
            Command::Export(args) => export::execute(args),
            Command::History(args) => history::execute(args),
            Command::Report(args) => report::execute(args),
            Command::Keygen(args) => bundle::keygen(args),
            Command::Bundle { command } => bundle::execute(command),
            Command::Verify(args) => bundle::verify(args),
            Command::Reproduce(args) => bundle::reproduce(args),
            Command::Wer(args) => wer::execute(args),
            Command::Md(args) => md::execute(args),
            #[cfg(feature = "gguf")]
            Command::Gguf(args) => gguf::execute(args),
        }
    }
}

/// How two runs are compared: shared by compare, claim check and bundle create.
#[derive(clap::Args)]
#[command(next_help_heading = "Comparison")]
struct ComparisonArgs {
    /// Compare runs whose suite, dataset or scoring differ; every output says so.
    #[arg(long)]
    force: bool,
    /// Compare speed metrics across different hardware; every output says so.
    #[arg(long)]
    allow_cross_hardware: bool,
    /// Compare incomplete runs, or runs with different items, on the items both have.
    #[arg(long)]
    allow_partial: bool,
    #[arg(long, default_value_t = 0.95)]
    level: f64,
    #[arg(long, default_value_t = claimbench::stats::bootstrap::DEFAULT_RESAMPLES, value_parser = resamples_arg)]
    resamples: usize,
    #[arg(long, default_value_t = 0)]
    seed: u64,
}

fn resamples_arg(text: &str) -> Result<usize, String> {
    let n: usize = text.parse().map_err(|e| format!("{e}"))?;
    claimbench::stats::bootstrap::check_resamples(n)?;
    Ok(n)
}

impl ComparisonArgs {
    fn options(&self) -> CompareOptions {
        CompareOptions {
            force: self.force,
            allow_cross_hardware: self.allow_cross_hardware,
            allow_partial: self.allow_partial,
            level: self.level,
            resamples: self.resamples,
            seed: self.seed,
        }
    }
}

/// Where and how findings are written.
#[derive(clap::Args)]
#[command(next_help_heading = "Output")]
struct OutputArgs {
    #[arg(long, value_enum, default_value_t = Format::Text)]
    format: Format,
    /// Write to this file instead of standard output.
    #[arg(short, long)]
    output: Option<PathBuf>,
}

/// Writes findings in the chosen format; failed findings make the exit status 1.
fn emit(findings: &Findings, output: &OutputArgs) -> claimbench::Result<Verdict> {
    let bytes = output.format.findings_exporter()?.render(findings)?;
    match &output.output {
        Some(path) => claimbench::fsutil::write_atomic(path, &bytes)?,
        None => {
            use std::io::Write;
            let mut stdout = std::io::stdout().lock();
            stdout.write_all(&bytes).and_then(|()| stdout.flush()).map_err(|e| claimbench::Error::new(format!("standard output: {e}")))?;
        }
    }
    Ok(if findings.failed() { Verdict::Failed } else { Verdict::Fine })
}

/// Progress on stderr: a bar on a terminal, a plain line every few seconds in logs.
fn progress_printer() -> impl FnMut(usize, usize) {
    let mut reporter = claimbench::run::progress::Reporter::stderr();
    move |done, total| reporter.update(done, total)
}
