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
