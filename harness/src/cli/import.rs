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
}

pub fn execute(command: ImportCommand) -> claimbench::Result<Verdict> {
    let ImportCommand::LmEval { path, out } = command;
    // Every file is read and checked before any run is written: a bad file imports nothing.
    let mut tasks = Vec::new();
    for results in claimbench::import::lm_eval::results_files(&path)? {
        tasks.extend(claimbench::import::lm_eval::read(&results)?);
    }
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
