//! The `claimbench` command line: parses arguments and calls the library.

use clap::{Parser, Subcommand};
use claimbench::run::{run_local, RunRequest};
use std::io::{IsTerminal, Write};
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::{Duration, Instant};

/// Reproducible benchmarks whose numbers a reviewer can check.
#[derive(Parser)]
#[command(name = "claimbench", version, about, long_about = None)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// List, validate and inspect suite specs.
    Suites {
        #[command(subcommand)]
        command: SuitesCommand,
    },
    /// Run a suite against a system and store the results in a new run directory.
    ///
    /// Example: claimbench run gsm8k --system predictions:preds.jsonl
    Run {
        /// Suite id (looked up in --suites-dir) or path to a suite TOML file.
        suite: String,
        /// A system TOML file, or KIND:ARG: predictions:FILE.jsonl, command:PROGRAM [ARG…].
        #[arg(long)]
        system: String,
        /// Score only the first N items (in dataset order).
        #[arg(long)]
        limit: Option<usize>,
        /// Seed for the bootstrap intervals and for systems that sample.
        #[arg(long, default_value_t = 0)]
        seed: u64,
        /// Directory that receives the run directory.
        #[arg(long, default_value = "runs")]
        out: PathBuf,
        #[arg(long, default_value = "suites")]
        suites_dir: PathBuf,
    },
    /// Write a Markdown summary and plots (PNG and SVG) for one or more runs.
    ///
    /// Example: claimbench report runs/gsm8k-* -o reports/gsm8k
    Report {
        /// Run directories.
        #[arg(required = true)]
        runs: Vec<PathBuf>,
        /// Output directory.
        #[arg(short, long)]
        out: PathBuf,
    },
}

#[derive(Subcommand)]
enum SuitesCommand {
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

fn main() -> ExitCode {
    let cli = Cli::parse();
    match dispatch(cli.command) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::from(2)
        }
    }
}

fn dispatch(command: Command) -> claimbench::Result<()> {
    match command {
        Command::Suites { command: SuitesCommand::List { dir } } => {
            for listing in claimbench::list_suites(&dir)? {
                match listing.outcome {
                    Ok((id, version, task, dataset)) => println!("{id}\t{version}\t{task}\t{dataset}\t{}", listing.path.display()),
                    Err(e) => println!("INVALID\t{e}"),
                }
            }
            Ok(())
        }
        Command::Suites { command: SuitesCommand::Validate { file } } => {
            println!("{}", claimbench::validate_suite(&file)?);
            Ok(())
        }
        Command::Suites { command: SuitesCommand::Items { suite, suites_dir } } => {
            let mut stdout = std::io::stdout().lock();
            for line in claimbench::suite_items(&suite, &suites_dir)? {
                if writeln!(stdout, "{line}").is_err() {
                    break; // the reader went away (e.g. `| head`)
                }
            }
            Ok(())
        }
        Command::Run { suite, system, limit, seed, out, suites_dir } => {
            let request = RunRequest { suite, suites_dir, system, limit, seed, out };
            let mut progress = progress_printer();
            let summary = run_local(&request, &mut progress)?;
            println!("run: {}", summary.dir.display());
            for (name, metric) in &summary.metrics.metrics {
                match &metric.ci {
                    Some(ci) => println!("{name}: {:.4} [{:.4}, {:.4}] (n={}, {:.0}% {} CI, seed {})", metric.value, ci.low, ci.high, metric.n, ci.level * 100.0, ci.method, request.seed),
                    None => println!("{name}: {:.4} (n={})", metric.value, metric.n),
                }
            }
            Ok(())
        }
        Command::Report { runs, out } => {
            for path in claimbench::report::write_report(&runs, &out)? {
                println!("wrote {}", path.display());
            }
            Ok(())
        }
    }
}

/// Progress on stderr: a rewritten line on a terminal, a plain line every few seconds in logs.
fn progress_printer() -> impl FnMut(usize, usize) {
    let terminal = std::io::stderr().is_terminal();
    let started = Instant::now();
    let mut last = Instant::now();
    move |done, total| {
        let finished = done == total;
        let every = if terminal { Duration::from_millis(200) } else { Duration::from_secs(10) };
        if !finished && last.elapsed() < every {
            return;
        }
        last = Instant::now();
        let rate = done as f64 / started.elapsed().as_secs_f64().max(1e-9);
        let eta = (total - done) as f64 / rate.max(1e-9);
        let line = format!("{done}/{total} items, {rate:.1} items/s, ETA {eta:.0} s");
        if terminal {
            eprint!("\r{line}{}", if finished { "\n" } else { "" });
        } else {
            eprintln!("{line}");
        }
    }
}
