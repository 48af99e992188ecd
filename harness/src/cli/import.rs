//! `claimbench import`: runs made by other harnesses, turned into run directories.

use super::Verdict;
use clap::Subcommand;
use std::path::PathBuf;

#[derive(Subcommand)]
pub enum ImportCommand {
    /// Import an lm-evaluation-harness output folder (`--output_path DIR --log_samples`): one run
    /// per results file, task and filter. Each line is checked against lm-eval's hashes; every
    /// verdict claimbench can re-derive (generation filters and exact_match, multiple choice,
    /// log-likelihoods) is scored again from the raw responses and compared with lm-eval's.
    ///
    /// Example: claimbench import lm-eval lm-eval-out/ --out runs
    LmEval {
        /// The output folder, or one results_<date>.json in it.
        path: PathBuf,
        /// Directory that receives the run directories.
        #[arg(long, default_value = "runs")]
        out: PathBuf,
    },
    /// Import Inspect eval logs (`.eval`, or `.json` from --log-format json): one run per log
    /// and scorer. The `match`, `includes` and `choice` scorers are re-derived from each
    /// completion and compared with Inspect's values; other scorers keep Inspect's. A log still
    /// being written imports as an incomplete run.
    ///
    /// Example: claimbench import inspect logs/ --out runs
    Inspect {
        /// A log, or a folder of logs.
        path: PathBuf,
        /// Directory that receives the run directories.
        #[arg(long, default_value = "runs")]
        out: PathBuf,
        /// The epoch to import from logs of several (`--epochs`); each item keeps one answer.
        #[arg(long)]
        epoch: Option<u64>,
    },
}

pub fn execute(command: ImportCommand) -> claimbench::Result<Verdict> {
    // Every file is read and checked before any run is written: a bad file imports nothing.
    let mut tasks = Vec::new();
    let out = match command {
        ImportCommand::LmEval { path, out } => {
            for results in claimbench::import::lm_eval::results_files(&path)? {
                tasks.extend(claimbench::import::lm_eval::read(&results)?);
            }
            out
        }
        ImportCommand::Inspect { path, out, epoch } => {
            for log in claimbench::import::inspect::log_files(&path)? {
                tasks.extend(claimbench::import::inspect::read(&log, epoch)?);
            }
            out
        }
    };
    // Every run written is named, also when another could not be.
    let mut first_error = None;
    for run in claimbench::import::write_runs(tasks, &out) {
        match run {
            Ok(run) => println!("{}", claimbench::import::describe(&run)),
            Err(e) => {
                first_error.get_or_insert(e);
            }
        }
    }
    first_error.map_or(Ok(Verdict::Fine), Err)
}
