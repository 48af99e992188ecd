//! `gguf`: the built-in language model (the `claimbench-gguf` crate) as a system, with no
//! server: generation for open answers, log-likelihoods for multiple choice.

use super::{ChoicesRequest, ContinuationScore, GenerateRequest, Response, System};
use crate::error::{Error, Result};
pub use claimbench_gguf::{tokenizer, Engine, LanguageModel};
use serde::{Deserialize, Serialize};
use std::path::Path;
use std::time::Instant;

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct GgufConfig {
    #[serde(default, skip_serializing)]
    pub kind: Option<String>,
    #[serde(default, skip_serializing)]
    pub name: Option<String>,
    /// The GGUF file (relative to the config's directory).
    pub model: String,
    /// Compute threads; 0 means every core. The candle engine takes one value per process.
    #[serde(default)]
    pub threads: usize,
    /// Requantize Q4_1 tensors to Q8_0 at load (either engine). It is for the candle engine,
    /// whose Q4_1 CPU kernel is scalar and Q8_0 one vectorised; the weights change by Q8_0's
    /// rounding.
    #[serde(default)]
    pub requantize_q4_1: bool,
    /// `cpu` or `cuda` (needs a build with `--features cuda`).
    #[serde(default = "default_device")]
    pub device: String,
    /// Which forward pass runs the model: `native` (CPU only; Q4_1 and Q8_0 weights as stored,
    /// vectorised kernels, other kinds through candle's), `candle` (candle-transformers' quantized
    /// llama, CPU or CUDA), or `auto`: native on the CPU, candle on CUDA.
    #[serde(default)]
    pub engine: Engine,
    /// Condition log-likelihoods on the model's BOS token, as lm-evaluation-harness does.
    #[serde(default = "yes")]
    pub loglikelihood_bos: bool,
}

fn default_device() -> String {
    "cpu".to_string()
}
fn yes() -> bool {
    true
}

impl Default for GgufConfig {
    fn default() -> Self {
        GgufConfig {
            kind: None,
            name: None,
            model: String::new(),
            threads: 0,
            requantize_q4_1: false,
            device: default_device(),
            engine: Engine::Auto,
            loglikelihood_bos: true,
        }
    }
}

fn engine_error(e: claimbench_gguf::Error) -> Error {
    Error::new(e.to_string())
}

pub struct GgufSystem {
    pub model: LanguageModel,
    loglikelihood_bos: bool,
}

impl GgufSystem {
    pub fn start(config: &GgufConfig, base_dir: &Path) -> Result<GgufSystem> {
        let cuda = match config.device.as_str() {
            "cpu" => false,
            "cuda" => true,
            other => return Err(Error::new(format!("gguf system: unknown device '{other}' (cpu, cuda)"))),
        };
        let options =
            claimbench_gguf::Options { threads: config.threads, requantize_q4_1: config.requantize_q4_1, cuda, engine: config.engine };
        let model = LanguageModel::load(&base_dir.join(&config.model), &options).map_err(engine_error)?;
        Ok(GgufSystem { model, loglikelihood_bos: config.loglikelihood_bos })
    }

    /// One prompt's tokens, and unless `tokenize_only` its greedy generation with timings, as
    /// a JSON line (`claimbench gguf`).
    pub fn describe(&mut self, prompt: &str, max_tokens: usize, chat: bool, tokenize_only: bool) -> Result<String> {
        let formatted = self.model.format_prompt(prompt, chat).map_err(engine_error)?;
        let prompt_tokens = self.model.tokenizer.encode(&formatted);
        let mut line = serde_json::json!({
            "prompt": prompt,
            "prompt_tokens": prompt_tokens,
            "build_instruction_sets": crate::host::build_instruction_sets(),
        });
        if !tokenize_only {
            let (tokens, text, t) = self.model.generate_tokens(&formatted, max_tokens, &[], 0.0, None, 0).map_err(engine_error)?;
            line["tokens"] = serde_json::json!(tokens);
            line["text"] = serde_json::json!(text);
            line["prompt_s"] = serde_json::json!(t.prompt_s);
            line["decode_s"] = serde_json::json!(t.decode_s);
            line["prompt_tokens_per_s"] = serde_json::json!(t.prompt_tokens as f64 / t.prompt_s.max(1e-9));
            // The first generated token comes from the prompt pass; the rest are decode steps.
            line["decode_tokens_per_s"] = serde_json::json!(t.generated_tokens.saturating_sub(1) as f64 / t.decode_s.max(1e-9));
        }
        Ok(line.to_string())
    }
}

/// The tokenizer of a GGUF file, without loading its weights.
pub fn load_tokenizer(path: &Path) -> Result<tokenizer::Tokenizer> {
    claimbench_gguf::load_tokenizer(path).map_err(engine_error)
}

/// Teacher-forced agreement of a gguf model with every generation of a stored run, whose
/// suite gave `prompts` (item id → prompt), sent as chats when `chat`.
pub fn teacher_forced_run(
    config: &GgufConfig,
    run: &crate::store::StoredRun,
    prompts: &std::collections::HashMap<&str, &str>,
    chat: bool,
) -> Result<serde_json::Value> {
    let mut system = GgufSystem::start(config, Path::new("."))?;
    let (mut agreeing, mut positions) = (0, 0);
    for sample in &run.samples {
        let prompt = prompts
            .get(sample.id.as_str())
            .ok_or_else(|| Error::new(format!("item {} is not in suite {}", sample.id, run.manifest.suite.id)))?;
        let item = |e: claimbench_gguf::Error| Error::new(format!("item {}: {e}", sample.id));
        let formatted = system.model.format_prompt(prompt, chat).map_err(item)?;
        let (a, n) = system.model.teacher_forced(&formatted, &sample.output).map_err(item)?;
        agreeing += a;
        positions += n;
    }
    Ok(serde_json::json!({
        "teacher_forced": {
            "items": run.samples.len(),
            "positions": positions,
            "agreeing": agreeing,
            "agreement_rate": if positions == 0 { 1.0 } else { agreeing as f64 / positions as f64 },
        }
    }))
}

/// Prompts from a JSON-lines file of `{"prompt": …}` objects.
pub fn read_prompts(path: &Path) -> Result<Vec<String>> {
    let mut prompts = Vec::new();
    for (i, line) in crate::fsutil::read_to_string(path)?.lines().enumerate() {
        if line.trim().is_empty() {
            continue;
        }
        let value: serde_json::Value = serde_json::from_str(line).map_err(|e| Error::at_line(path, i + 1, format!("not JSON: {e}")))?;
        let prompt = value.get("prompt").and_then(|p| p.as_str()).ok_or_else(|| Error::at_line(path, i + 1, "needs a string 'prompt'"))?;
        prompts.push(prompt.to_string());
    }
    Ok(prompts)
}

impl System for GgufSystem {
    fn kind(&self) -> &'static str {
        "gguf"
    }

    fn generate(&mut self, request: &GenerateRequest<'_>) -> Result<Response> {
        let item = |e: claimbench_gguf::Error| Error::new(format!("item {}: {e}", request.id));
        let prompt = self.model.format_prompt(request.prompt, request.chat).map_err(item)?;
        let started = Instant::now();
        let (tokens, text, timings) = self
            .model
            .generate_tokens(&prompt, request.max_tokens as usize, request.stop, request.temperature, request.top_p, request.seed)
            .map_err(item)?;
        let mut measures = std::collections::BTreeMap::new();
        measures.insert("prompt_tokens".to_string(), timings.prompt_tokens as f64);
        // The time to first token is shorter by what the previous prompt shared with this one.
        measures.insert("cached_prompt_tokens".to_string(), timings.cached_prompt_tokens as f64);
        measures.insert(crate::protocol::TTFT.to_string(), timings.prompt_s);
        Ok(Response {
            output: text,
            system_latency_s: Some(started.elapsed().as_secs_f64()),
            output_tokens: Some(tokens.len() as u64),
            measures,
        })
    }

    fn loglikelihood(&mut self, request: &ChoicesRequest<'_>) -> Result<Vec<ContinuationScore>> {
        let item = |e: claimbench_gguf::Error| Error::new(format!("item {}: {e}", request.id));
        let scores = match (request.rolling, request.continuations) {
            (true, [text]) => vec![self.model.loglikelihood_rolling(text, None).map_err(item)?],
            _ => self.model.loglikelihood(request.context, request.continuations, self.loglikelihood_bos).map_err(item)?,
        };
        Ok(scores.into_iter().map(|s| ContinuationScore { logprob: s.logprob, greedy: s.greedy, tokens: s.tokens }).collect())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_model_path_is_taken_from_the_configs_directory_and_named_when_wrong() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("model.gguf"), "this is not a model").unwrap();
        let config = GgufConfig { model: "model.gguf".into(), ..Default::default() };
        let err = GgufSystem::start(&config, dir.path()).err().unwrap().to_string();
        assert!(err.starts_with(&dir.path().join("model.gguf").display().to_string()) && err.contains("not a GGUF file"), "{err}");
        let err = GgufSystem::start(&GgufConfig { device: "tpu".into(), ..config }, dir.path()).err().unwrap();
        assert!(err.to_string().contains("unknown device 'tpu'"), "{err}");
    }
}
