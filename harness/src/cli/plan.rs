//! `claimbench plan`: items needed to detect a gain, and the smallest gain a suite detects.

use super::Verdict;
use claimbench::compare::plan::{plan, PlanRequest};
use std::path::PathBuf;

#[derive(clap::Args)]
pub struct PlanArgs {
    /// Suite id or path to a suite TOML file.
    suite: String,
    /// Accuracy gain to detect (absolute, or relative with --relative).
    #[arg(long)]
    effect: f64,
    #[arg(long)]
    relative: bool,
    /// Expected baseline accuracy (without --pilot).
    #[arg(long)]
    baseline_accuracy: Option<f64>,
    /// Baseline and candidate runs of a pilot, for the rate at which the systems disagree.
    #[arg(long, num_args = 2, value_names = ["BASELINE", "CANDIDATE"])]
    pilot: Option<Vec<PathBuf>>,
    #[arg(long, default_value_t = 0.8)]
    power: f64,
    #[arg(long, default_value_t = 0.95)]
    level: f64,
    #[arg(long, default_value = "suites")]
    suites_dir: PathBuf,
    #[arg(long, value_enum, default_value_t = PlanFormat::Text)]
    format: PlanFormat,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
enum PlanFormat {
    Text,
    Json,
}

pub fn execute(args: PlanArgs) -> claimbench::Result<Verdict> {
    let loaded = claimbench::run::load_suite(&args.suite, &args.suites_dir)?;
    let pilot = args.pilot.as_ref().map(|p| (p[0].as_path(), p[1].as_path()));
    let request = PlanRequest {
        suite_items: loaded.task.items.len(),
        effect: args.effect,
        relative: args.relative,
        baseline_accuracy: args.baseline_accuracy,
        pilot,
        level: args.level,
        power: args.power,
    };
    let result = plan(&request)?;
    if args.format == PlanFormat::Json {
        println!("{}", serde_json::to_string_pretty(&result).expect("plans serialise"));
        return Ok(Verdict::Fine);
    }
    println!(
        "suite {}: {} items; baseline accuracy {:.4}; systems disagree on {:.1}% of items ({})",
        loaded.suite.id(),
        result.suite_items,
        result.baseline_accuracy,
        result.discordance * 100.0,
        result.discordance_from
    );
    println!(
        "to detect an accuracy gain of {:.4} with {:.0}% power at {:.0}% confidence: {} items ({})",
        result.absolute_effect,
        result.power * 100.0,
        result.level * 100.0,
        result.items_needed,
        if result.suite_is_large_enough { "the suite is large enough" } else { "MORE than the suite has" }
    );
    println!("smallest gain the suite's {} items detect: {:.4}", result.suite_items, result.minimum_detectable_effect);
    Ok(Verdict::Fine)
}
