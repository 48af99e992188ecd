//! `claimbench agree`: how closely two runs of the same items agree, output by output.

use super::Verdict;
use std::path::PathBuf;

#[derive(clap::Args)]
pub struct AgreeArgs {
    a: PathBuf,
    b: PathBuf,
    /// A GGUF model whose tokenizer splits outputs into tokens.
    #[arg(long)]
    tokenizer: Option<PathBuf>,
    /// A GGUF model to replay A's generations through: how often its greedy choice is A's
    /// next token, given A's tokens so far (teacher-forced agreement).
    #[arg(long)]
    model: Option<PathBuf>,
    /// With --model: requantize its Q4_1 tensors to Q8_0.
    #[arg(long)]
    requantize_q4_1: bool,
}

pub fn execute(args: AgreeArgs) -> claimbench::Result<Verdict> {
    let (a, b) = (claimbench::store::StoredRun::load(&args.a)?, claimbench::store::StoredRun::load(&args.b)?);
    #[cfg(feature = "gguf")]
    if let Some(model) = &args.model {
        let config = claimbench::systems::gguf::GgufConfig {
            model: model.display().to_string(),
            requantize_q4_1: args.requantize_q4_1,
            ..Default::default()
        };
        let loaded = claimbench::run::load_suite(&a.manifest.suite.path, std::path::Path::new("."))?;
        let prompts = loaded.task.items.iter().map(|i| (i.id.as_str(), i.prompt.as_str())).collect();
        let forced = claimbench::systems::gguf::teacher_forced_run(&config, &a, &prompts, loaded.suite.spec.generation.chat)?;
        println!("{}", serde_json::to_string_pretty(&forced).expect("agreement serialises"));
    }
    #[cfg(not(feature = "gguf"))]
    if args.model.is_some() || args.requantize_q4_1 {
        return Err(claimbench::Error::new("--model needs a build with the gguf feature"));
    }
    let agreement = match args.tokenizer {
        #[cfg(feature = "gguf")]
        Some(model) => {
            let tokenizer = claimbench::systems::gguf::load_tokenizer(&model)?;
            claimbench::compare::agreement::agreement(&a, &b, Some(&|text: &str| tokenizer.encode(text)))?
        }
        #[cfg(not(feature = "gguf"))]
        Some(_) => return Err(claimbench::Error::new("--tokenizer needs a build with the gguf feature")),
        None => claimbench::compare::agreement::agreement(&a, &b, None)?,
    };
    println!("{}", serde_json::to_string_pretty(&agreement).expect("agreement serialises"));
    Ok(Verdict::Fine)
}
