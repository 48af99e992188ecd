//! `claimbench compare`: two runs item by item.

use super::{emit, ComparisonArgs, OutputArgs, Verdict};
use claimbench::compare::{compare, resolve_run};
use claimbench::report::findings;
use std::path::PathBuf;

#[derive(clap::Args)]
pub struct CompareArgs {
    /// Run directory, or with --results a selector: system=NAME[,suite=ID][,run=ID][,commit=SHA].
    baseline: String,
    candidate: String,
    /// Pick runs under this directory by selector; the newest complete match wins.
    #[arg(long)]
    results: Option<PathBuf>,
    #[command(flatten)]
    comparison: ComparisonArgs,
    #[command(flatten)]
    output: OutputArgs,
}

pub fn execute(args: CompareArgs) -> claimbench::Result<Verdict> {
    let baseline = resolve_run(args.results.as_deref(), &args.baseline)?;
    let candidate = resolve_run(args.results.as_deref(), &args.candidate)?;
    let result = compare(&baseline, &candidate, &args.comparison.options())?;
    emit(&findings::from_comparison(&result, &baseline.display().to_string(), &candidate.display().to_string()), &args.output)
}
