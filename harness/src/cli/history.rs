//! `claimbench history`: every run under a directory, ordered, with regressions found.

use super::{emit, OutputArgs, Verdict};
use claimbench::compare::history::{history, Gate, HistoryOptions, Order};
use claimbench::report::findings;
use std::path::PathBuf;

#[derive(clap::Args)]
pub struct HistoryArgs {
    results: PathBuf,
    /// Order runs by start time or by claimbench's git commit (git rev-list order).
    #[arg(long, value_enum, default_value_t = Order::Time)]
    order: Order,
    /// Runs before each point that form its baseline.
    #[arg(long, default_value_t = 5)]
    window: usize,
    /// False discovery rate across all tests (Benjamini–Hochberg).
    #[arg(long, default_value_t = 0.05)]
    fdr: f64,
    /// Fail on a regression at the newest run of a series (latest) or anywhere (any).
    #[arg(long, value_enum, default_value_t = Gate::Latest)]
    gate: Gate,
    #[command(flatten)]
    output: OutputArgs,
}

pub fn execute(args: HistoryArgs) -> claimbench::Result<Verdict> {
    let options = HistoryOptions { order: args.order, window: args.window, fdr: args.fdr, gate: args.gate };
    let report = history(&args.results, &options)?;
    emit(&findings::from_history(&report, options.gate), &args.output)
}
