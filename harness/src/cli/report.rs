//! `claimbench report`: the HTML, Markdown, CSV, JSON and JUnit report of runs.

use super::Verdict;
use std::path::PathBuf;

#[derive(clap::Args)]
pub struct ReportArgs {
    /// Run directories.
    #[arg(required = true)]
    runs: Vec<PathBuf>,
    /// Output directory.
    #[arg(short, long)]
    out: PathBuf,
    /// A claims file to check and show (repeatable).
    #[arg(long)]
    claims: Vec<PathBuf>,
    /// A results directory whose run history to plot, with regressions marked.
    #[arg(long)]
    history: Option<PathBuf>,
}

pub fn execute(args: ReportArgs) -> claimbench::Result<Verdict> {
    let request = claimbench::report::ReportRequest { runs: args.runs, claims: args.claims, history: args.history };
    let written = claimbench::report::write_report(&request, &args.out)?;
    println!("report: {} ({} files in {})", args.out.join("index.html").display(), written.len(), args.out.display());
    Ok(Verdict::Fine)
}
