//! `claimbench suites`: list, validate and inspect suite specs.

use super::Verdict;
use clap::Subcommand;
use std::io::Write;
use std::path::PathBuf;

#[derive(Subcommand)]
pub enum SuitesCommand {
    /// List the suite files of a directory.
    List {
        #[arg(long, default_value = "suites")]
        dir: PathBuf,
    },
    /// Check a suite file, its dataset's hashes and its items.
    Validate { file: PathBuf },
    /// Write text suites for an lm-evaluation-harness task file (YAML, `include:` merged): one per
    /// filter chain of `filter_list`. `!function` hooks and keys that cannot be carried over
    /// exactly are refused by name and line.
    ///
    /// Example: claimbench suites import-lm-eval tasks/arc_easy.yaml --data ~/data/arc -o suites/
    ImportLmEval {
        file: PathBuf,
        /// The dataset folder (with its dataset.toml), when the task names a Hugging Face hub
        /// dataset or to use another copy.
        #[arg(long)]
        data: Option<PathBuf>,
        #[arg(short, long)]
        out: PathBuf,
        /// Replace suite files that exist.
        #[arg(long)]
        force: bool,
    },
    /// Print every scored item as a JSON line: id, index and a preview.
    Items {
        suite: String,
        #[arg(long, default_value = "suites")]
        suites_dir: PathBuf,
    },
}

pub fn execute(command: SuitesCommand) -> claimbench::Result<Verdict> {
    match command {
        SuitesCommand::List { dir } => {
            for listing in claimbench::list_suites(&dir)? {
                match listing.outcome {
                    Ok((id, version, task, dataset)) => println!("{id}\t{version}\t{task}\t{dataset}\t{}", listing.path.display()),
                    Err(e) => println!("INVALID\t{e}"),
                }
            }
        }
        SuitesCommand::Validate { file } => println!("{}", claimbench::validate_suite(&file)?),
        SuitesCommand::ImportLmEval { file, data, out, force } => {
            std::fs::create_dir_all(&out).map_err(|e| claimbench::Error::in_file(&out, e))?;
            let suites = claimbench::spec::lm_eval::import(&file, data.as_deref(), &out)?;
            for suite in &suites {
                let path = out.join(&suite.file_name);
                if path.exists() && !force {
                    return Err(claimbench::Error::in_file(&path, "exists; pass --force to replace it"));
                }
            }
            for suite in suites {
                let path = out.join(&suite.file_name);
                claimbench::fsutil::write_atomic(&path, suite.toml.as_bytes())?;
                // What was written must load as a suite, its dataset and items included.
                println!("{}", claimbench::validate_suite(&path)?);
            }
        }
        SuitesCommand::Items { suite, suites_dir } => {
            let mut stdout = std::io::stdout().lock();
            for line in claimbench::suite_items(&suite, &suites_dir)? {
                if writeln!(stdout, "{line}").is_err() {
                    break; // the reader went away (e.g. `| head`)
                }
            }
        }
    }
    Ok(Verdict::Fine)
}
