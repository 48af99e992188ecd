//! `claimbench claim check`: verdicts for the claims of a claims file.

use super::{emit, ComparisonArgs, OutputArgs, Verdict};
use claimbench::compare::claims::check_claims;
use claimbench::report::findings;
use clap::Subcommand;
use std::path::PathBuf;

#[derive(Subcommand)]
pub enum ClaimCommand {
    /// SUPPORTED, REFUTED or INCONCLUSIVE for each claim, with estimate, interval and p-value.
    ///
    /// Example: claimbench claim check claims.toml --format junit -o claims.xml
    Check {
        claims: PathBuf,
        #[command(flatten)]
        comparison: ComparisonArgs,
        #[command(flatten)]
        output: OutputArgs,
    },
}

pub fn execute(command: ClaimCommand) -> claimbench::Result<Verdict> {
    match command {
        ClaimCommand::Check { claims, comparison, output } => {
            emit(&findings::from_claims(&check_claims(&claims, &comparison.options())?), &output)
        }
    }
}
