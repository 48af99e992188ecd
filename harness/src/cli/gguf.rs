//! `claimbench gguf`: the built-in GGUF model on prompts, with its speed.
#![cfg(feature = "gguf")]

use super::Verdict;
use claimbench::systems::gguf;
use clap::builder::TypedValueParser as _;
use std::path::PathBuf;

#[derive(clap::Args)]
pub struct GgufArgs {
    model: PathBuf,
    /// A prompt (repeatable).
    #[arg(long)]
    prompt: Vec<String>,
    /// A JSON-lines file of {"prompt": …} objects.
    #[arg(long)]
    prompts: Option<PathBuf>,
    #[arg(long, default_value_t = 64)]
    max_tokens: usize,
    /// Compute threads; 0 uses every core.
    #[arg(long, default_value_t = 0)]
    threads: usize,
    /// Requantize Q4_1 tensors to Q8_0 at load.
    #[arg(long)]
    requantize_q4_1: bool,
    /// Format each prompt as a user message with the model's chat template.
    #[arg(long)]
    chat: bool,
    /// Only print each prompt's tokens.
    #[arg(long)]
    tokenize_only: bool,
    /// Keep generating past end-of-generation tokens (for speed measurements).
    #[arg(long)]
    ignore_eos: bool,
    /// cpu, or cuda (needs a build with --features cuda).
    #[arg(long, default_value = "cpu")]
    device: String,
    /// Forward pass: native (CPU), candle (candle-transformers, CPU or CUDA), auto: native on the CPU.
    #[arg(long, default_value = "auto", value_parser = clap::builder::PossibleValuesParser::new(gguf::Engine::NAMES).try_map(|name| name.parse::<gguf::Engine>()))]
    engine: gguf::Engine,
}

pub fn execute(args: GgufArgs) -> claimbench::Result<Verdict> {
    let mut all = args.prompt;
    if let Some(file) = &args.prompts {
        all.extend(gguf::read_prompts(file)?);
    }
    let config = gguf::GgufConfig {
        model: args.model.display().to_string(),
        threads: args.threads,
        requantize_q4_1: args.requantize_q4_1,
        device: args.device,
        engine: args.engine,
        ..Default::default()
    };
    let mut system = gguf::GgufSystem::start(&config, std::path::Path::new("."))?;
    if args.ignore_eos {
        system.model.ignore_end_of_generation();
    }
    for text in &all {
        println!("{}", system.describe(text, args.max_tokens, args.chat, args.tokenize_only)?);
    }
    Ok(Verdict::Fine)
}
