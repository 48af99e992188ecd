//! `claimbench wer`: word error rate of a file of reference and hypothesis pairs.

use super::Verdict;
use claimbench::text::{align::Convention, normalise::Normaliser};
use std::path::PathBuf;

#[derive(clap::Args)]
pub struct WerArgs {
    pairs: PathBuf,
    /// levenshtein (minimal errors, jiwer's S/D/I) or sclite (NIST sclite's weighted alignment).
    #[arg(long, value_enum, default_value_t = Convention::Levenshtein)]
    convention: Convention,
    #[arg(long, value_enum, default_value_t = Normaliser::None)]
    normaliser: Normaliser,
}

pub fn execute(args: WerArgs) -> claimbench::Result<Verdict> {
    let score = claimbench::tasks::asr::score_pairs_file(&args.pairs, args.convention, args.normaliser)?;
    println!("{}", serde_json::to_string_pretty(&score).expect("scores serialise"));
    Ok(Verdict::Fine)
}
