//! A built-in language model, with no server. A llama-family GGUF file runs in process: on the
//! CPU through the native engine (`llama`, with `quant`'s kernels on `pool`'s threads), or
//! through candle-transformers' quantized llama, which also runs on a CUDA GPU with the `cuda`
//! feature. The tokenizer and chat template come from the file's own metadata. Greedy decoding
//! at temperature 0, seeded sampling otherwise; log-likelihoods of continuations for multiple
//! choice.

pub mod chat;
mod error;
mod llama;
mod pool;
mod quant;
pub mod tokenizer;

use candle_core::quantized::{gguf_file, GgmlDType, QTensor};
use candle_core::{Device, Tensor};
use candle_transformers::generation::{LogitsProcessor, Sampling};
use candle_transformers::models::quantized_llama::ModelWeights;
pub use error::{Error, Result};
use serde::{Deserialize, Serialize};
use std::path::Path;
use std::time::Instant;

/// How to load a model.
#[derive(Debug, Clone, Default)]
pub struct Options {
    /// Compute threads; 0 means every core.
    pub threads: usize,
    /// Requantize Q4_1 tensors to Q8_0 at load (candle's Q4_1 CPU kernel is scalar, its Q8_0
    /// one vectorised; the weights change by Q8_0's rounding).
    pub requantize_q4_1: bool,
    /// Run on the first CUDA device (needs the `cuda` feature) rather than the CPU.
    pub cuda: bool,
    pub engine: Engine,
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Engine {
    /// Native on the CPU, candle on CUDA.
    #[default]
    Auto,
    /// CPU only; Q4_1 and Q8_0 weights as stored, vectorised kernels, other kinds through candle's.
    Native,
    /// candle-transformers' quantized llama, CPU or CUDA.
    Candle,
}

impl Engine {
    pub const NAMES: [&str; 3] = ["auto", "native", "candle"];
}

impl std::str::FromStr for Engine {
    type Err = String;
    fn from_str(name: &str) -> std::result::Result<Engine, String> {
        match name {
            "auto" => Ok(Engine::Auto),
            "native" => Ok(Engine::Native),
            "candle" => Ok(Engine::Candle),
            other => Err(format!("unknown engine '{other}' (known: {})", Engine::NAMES.join(", "))),
        }
    }
}

/// The loaded model with its KV cache; clones share the weights.
#[derive(Clone)]
enum Model {
    Candle(Box<ModelWeights>),
    Native(llama::Llama),
}

impl Model {
    fn clear_kv_cache(&mut self) {
        match self {
            Model::Candle(m) => m.clear_kv_cache(),
            Model::Native(m) => m.clear_kv_cache(),
        }
    }

    /// Logits after the last of `tokens`, run from `position` on.
    fn forward(&mut self, tokens: &[u32], position: usize, device: &Device) -> candle_core::Result<Tensor> {
        match self {
            Model::Candle(m) => m.forward(&Tensor::new(tokens, device)?.unsqueeze(0)?, position)?.squeeze(0),
            Model::Native(m) => {
                let logits = m.forward(tokens, position)?;
                let vocabulary = logits.len();
                Tensor::from_vec(logits, vocabulary, &Device::Cpu)
            }
        }
    }
}

pub struct LanguageModel {
    model: Model,
    pub tokenizer: tokenizer::Tokenizer,
    chat: Option<Result<chat::ChatTemplate>>,
    device: Device,
    context_length: usize,
    end_of_generation: Vec<u32>,
}

/// One continuation's log-likelihood after a context.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ContinuationLogprob {
    pub logprob: f64,
    /// Whether every token of it is the greedy choice.
    pub greedy: bool,
    pub tokens: usize,
}

/// Token timings of one generation, for benchmarks.
#[derive(Debug, Clone, Copy, Default)]
pub struct Timings {
    pub prompt_tokens: usize,
    /// Leading prompt tokens whose keys and values were reused from the previous request.
    pub cached_prompt_tokens: usize,
    pub prompt_s: f64,
    pub generated_tokens: usize,
    pub decode_s: f64,
}

fn model_error(path: &Path, e: impl std::fmt::Display) -> Error {
    Error::in_file(path, format!("cannot load the GGUF model: {e}"))
}

/// Reads and checks a GGUF file's header and tensor table, naming what is wrong: not GGUF at
/// all, or cut short (the tensor data must reach the end of the last tensor).
fn read_content(path: &Path) -> Result<(std::fs::File, gguf_file::Content)> {
    let mut file = std::fs::File::open(path).map_err(|e| Error::in_file(path, e))?;
    let size = file.metadata().map_err(|e| Error::in_file(path, e))?.len();
    let mut magic = [0u8; 4];
    use std::io::Read;
    if file.read_exact(&mut magic).is_err() || &magic != b"GGUF" {
        return Err(Error::in_file(path, "not a GGUF file (it does not start with 'GGUF'); give the path of a .gguf model"));
    }
    use std::io::Seek;
    file.rewind().map_err(|e| Error::in_file(path, e))?;
    let content = gguf_file::Content::read(&mut file)
        .map_err(|e| Error::in_file(path, format!("the GGUF header cannot be read ({e}); the file may be truncated or damaged")))?;
    let needed = content
        .tensor_infos
        .values()
        .map(|t| t.offset + (t.shape.elem_count() / t.ggml_dtype.block_size() * t.ggml_dtype.type_size()) as u64)
        .max()
        .unwrap_or(0)
        + content.tensor_data_offset;
    if needed > size {
        return Err(Error::in_file(
            path,
            format!("truncated GGUF: its tensors need {needed} bytes but the file has {size}; download it again"),
        ));
    }
    Ok((file, content))
}

fn metadata_string(content: &gguf_file::Content, key: &str) -> Option<String> {
    content.metadata.get(key).and_then(|v| v.to_string().ok()).cloned()
}

fn metadata_u32(content: &gguf_file::Content, key: &str) -> Option<u32> {
    content.metadata.get(key).and_then(|v| v.to_u32().ok())
}

fn build_tokenizer(path: &Path, content: &gguf_file::Content) -> Result<tokenizer::Tokenizer> {
    let list = |key: &str| -> Result<Vec<gguf_file::Value>> {
        Ok(content.metadata.get(key).and_then(|v| v.to_vec().ok()).cloned().unwrap_or_default())
    };
    let tokens: Vec<String> = list("tokenizer.ggml.tokens")?.iter().filter_map(|v| v.to_string().ok().cloned()).collect();
    if tokens.is_empty() {
        return Err(model_error(path, "no tokenizer.ggml.tokens in its metadata"));
    }
    let types: Vec<i32> = list("tokenizer.ggml.token_type")?.iter().map(|v| v.to_i32().unwrap_or(1)).collect();
    let merges: Vec<String> = list("tokenizer.ggml.merges")?.iter().filter_map(|v| v.to_string().ok().cloned()).collect();
    tokenizer::Tokenizer::new(
        &metadata_string(content, "tokenizer.ggml.model").unwrap_or_default(),
        &metadata_string(content, "tokenizer.ggml.pre").unwrap_or_default(),
        tokens,
        &types,
        &merges,
        metadata_u32(content, "tokenizer.ggml.bos_token_id"),
        metadata_u32(content, "tokenizer.ggml.eos_token_id"),
    )
    .map_err(|e| model_error(path, e))
}

/// The tokenizer of a GGUF file, without loading its weights.
pub fn load_tokenizer(path: &Path) -> Result<tokenizer::Tokenizer> {
    let (_, content) = read_content(path)?;
    build_tokenizer(path, &content)
}

fn load_model<R: std::io::Read + std::io::Seek>(
    native: bool,
    threads: usize,
    content: gguf_file::Content,
    reader: &mut R,
    device: &Device,
) -> candle_core::Result<Model> {
    if native {
        Ok(Model::Native(llama::Llama::from_gguf(&content, reader, threads)?))
    } else {
        Ok(Model::Candle(Box::new(ModelWeights::from_gguf(content, reader, device)?)))
    }
}

/// An in-memory copy of the file with every Q4_1 tensor requantized to Q8_0.
fn requantized(path: &Path, file: &mut std::fs::File, content: &gguf_file::Content) -> Result<std::io::Cursor<Vec<u8>>> {
    let mut names: Vec<&String> = content.tensor_infos.keys().collect();
    names.sort();
    let mut tensors = Vec::with_capacity(names.len());
    for name in &names {
        let tensor = content.tensor(file, name, &Device::Cpu).map_err(|e| model_error(path, e))?;
        let tensor = if tensor.dtype() == GgmlDType::Q4_1 {
            let values = tensor.dequantize(&Device::Cpu).map_err(|e| model_error(path, e))?;
            QTensor::quantize(&values, GgmlDType::Q8_0).map_err(|e| model_error(path, e))?
        } else {
            tensor
        };
        tensors.push((name.as_str(), tensor));
    }
    let metadata: Vec<(&str, &gguf_file::Value)> = content.metadata.iter().map(|(k, v)| (k.as_str(), v)).collect();
    let tensor_refs: Vec<(&str, &QTensor)> = tensors.iter().map(|(n, t)| (*n, t)).collect();
    let mut out = std::io::Cursor::new(Vec::new());
    gguf_file::write(&mut out, &metadata, &tensor_refs).map_err(|e| model_error(path, e))?;
    out.set_position(0);
    Ok(out)
}

impl LanguageModel {
    pub fn load(path: &Path, options: &Options) -> Result<LanguageModel> {
        if options.threads > 0 {
            // candle sizes its worker pool from these once per process.
            std::env::set_var("CANDLE_NUM_THREADS", options.threads.to_string());
            std::env::set_var("RAYON_NUM_THREADS", options.threads.to_string());
        }
        let device = if options.cuda {
            Device::new_cuda(0).map_err(|e| {
                Error::new(format!("gguf system: device 'cuda' is unavailable ({e}); build with `cargo build --features cuda` on a machine with the CUDA toolkit"))
            })?
        } else {
            Device::Cpu
        };
        let (mut file, content) = read_content(path)?;
        let architecture = metadata_string(&content, "general.architecture").unwrap_or_default();
        if architecture != "llama" {
            return Err(model_error(path, format!("architecture '{architecture}' is not supported (llama-family GGUF models only)")));
        }
        let tokenizer = build_tokenizer(path, &content)?;
        let chat = metadata_string(&content, "tokenizer.chat_template")
            .map(|t| chat::ChatTemplate::from_jinja(&t).map_err(|e| model_error(path, e)));
        let context_length = metadata_u32(&content, "llama.context_length").unwrap_or(2048) as usize;
        let has_q4_1 = content.tensor_infos.values().any(|t| t.ggml_dtype == GgmlDType::Q4_1);
        let native = match (options.engine, &device) {
            (Engine::Auto, Device::Cpu) | (Engine::Native, Device::Cpu) => true,
            (Engine::Native, _) => {
                return Err(Error::new("gguf system: engine 'native' runs on the CPU only; use engine 'candle' on cuda"))
            }
            _ => false,
        };
        let model = if options.requantize_q4_1 && has_q4_1 {
            let mut copy = requantized(path, &mut file, &content)?;
            let content = gguf_file::Content::read(&mut copy).map_err(|e| model_error(path, e))?;
            load_model(native, options.threads, content, &mut copy, &device)
        } else {
            load_model(native, options.threads, content, &mut file, &device)
        }
        .map_err(|e| model_error(path, e))?;
        let mut end_of_generation: Vec<u32> = tokenizer.eos.into_iter().collect();
        for name in ["<|im_end|>", "<|endoftext|>", "<|eot_id|>", "</s>", "<end_of_turn>"] {
            end_of_generation.extend(tokenizer.id_of(name));
        }
        Ok(LanguageModel { model, tokenizer, chat, device, context_length, end_of_generation })
    }

    fn forward(&mut self, tokens: &[u32], position: usize) -> Result<Tensor> {
        self.model.forward(tokens, position, &self.device).map_err(candle_error)
    }

    /// The logits after the whole of `tokens`, run from the start, and how many leading tokens
    /// were reused: the native engine keeps the keys and values of the longest prefix they share
    /// with what it ran last (a few-shot prompt's examples, a chat template's preamble). It
    /// computes each token on its own, so the logits are the same bit for bit as without reuse.
    /// Candle's cache cannot rewind, so it starts again.
    fn prefill(&mut self, tokens: &[u32]) -> Result<(Tensor, usize)> {
        let reused = match &self.model {
            Model::Native(model) => model.reusable_prefix(tokens),
            Model::Candle(_) => 0,
        };
        if reused == 0 {
            self.model.clear_kv_cache();
        }
        Ok((self.forward(&tokens[reused..], reused)?, reused))
    }

    /// The logits after the last of `tokens`, run from `position` on (the cache holds what came
    /// before).
    pub fn logits(&mut self, tokens: &[u32], position: usize) -> Result<Vec<f32>> {
        logit_values(&self.forward(tokens, position)?)
    }

    /// The forward pass that runs the model: `Native` or `Candle`.
    pub fn engine(&self) -> Engine {
        match self.model {
            Model::Native(_) => Engine::Native,
            Model::Candle(_) => Engine::Candle,
        }
    }

    /// Generates to `max_tokens` whatever the model says (speed measurements).
    pub fn ignore_end_of_generation(&mut self) {
        self.end_of_generation.clear();
    }

    /// The prompt as the model sees it: chat-formatted when asked.
    pub fn format_prompt(&self, prompt: &str, chat: bool) -> Result<String> {
        if !chat {
            return Ok(prompt.to_string());
        }
        match &self.chat {
            Some(Ok(template)) => Ok(template.render_user(prompt)),
            Some(Err(e)) => Err(Error::new(e.to_string())),
            None => Err(Error::new("gguf system: the suite asks for chat formatting but the model has no chat template")),
        }
    }

    /// Generates up to `max_tokens` after `prompt`; returns the tokens, the text (cut before the
    /// first stop string) and timings.
    pub fn generate_tokens(
        &mut self,
        prompt: &str,
        max_tokens: usize,
        stop: &[String],
        temperature: f64,
        top_p: Option<f64>,
        seed: u64,
    ) -> Result<(Vec<u32>, String, Timings)> {
        let prompt_tokens = self.tokenizer.encode(prompt);
        if prompt_tokens.is_empty() {
            return Err(Error::new("the prompt is empty"));
        }
        if prompt_tokens.len() + max_tokens > self.context_length {
            return Err(Error::new(format!(
                "prompt of {} tokens plus max_tokens {max_tokens} exceeds the model's context of {}",
                prompt_tokens.len(),
                self.context_length
            )));
        }
        let mut sampler = (temperature > 0.0).then(|| {
            let sampling = match top_p {
                Some(p) if p < 1.0 => Sampling::TopP { p, temperature },
                _ => Sampling::All { temperature },
            };
            LogitsProcessor::from_sampling(seed, sampling)
        });
        let started = Instant::now();
        let (mut logits, cached_prompt_tokens) = self.prefill(&prompt_tokens)?;
        let prompt_s = started.elapsed().as_secs_f64();
        let mut generated: Vec<u32> = Vec::new();
        let mut text = String::new();
        let decode_started = Instant::now();
        while generated.len() < max_tokens {
            let next = match sampler.as_mut() {
                Some(s) => s.sample(&logits).map_err(candle_error)?,
                None => argmax(&logits)?,
            };
            if self.end_of_generation.contains(&next) {
                break;
            }
            generated.push(next);
            text = self.tokenizer.decode(&generated);
            if let Some(at) = stop.iter().filter(|s| !s.is_empty()).filter_map(|s| text.find(s.as_str())).min() {
                text.truncate(at);
                break;
            }
            if generated.len() == max_tokens {
                break;
            }
            logits = self.forward(&[next], prompt_tokens.len() + generated.len() - 1)?;
        }
        let timings = Timings {
            prompt_tokens: prompt_tokens.len(),
            cached_prompt_tokens,
            prompt_s,
            generated_tokens: generated.len(),
            decode_s: decode_started.elapsed().as_secs_f64(),
        };
        Ok((generated, text, timings))
    }
}

impl LanguageModel {
    /// Walks `tokens` that follow a context of `position` tokens whose last logits are
    /// `logits`, calling `visit` with the logits that predict each token and the token.
    fn follow(&mut self, logits: Tensor, position: usize, tokens: &[u32], mut visit: impl FnMut(&[f32], u32) -> Result<()>) -> Result<()> {
        let Some((&first, rest)) = tokens.split_first() else { return Ok(()) };
        let first_logits = logit_values(&logits)?;
        visit(&first_logits, first)?;
        if rest.is_empty() {
            return Ok(());
        }
        let before = &tokens[..tokens.len() - 1];
        match &mut self.model {
            // The native engine returns every position's logits, so one pass covers the rest.
            Model::Native(model) => {
                let every = model.forward_every(before, position).map_err(candle_error)?;
                for (values, &token) in every.chunks_exact(first_logits.len()).zip(rest) {
                    visit(values, token)?;
                }
            }
            Model::Candle(_) => {
                for (i, &token) in rest.iter().enumerate() {
                    let logits = self.forward(&[before[i]], position + i)?;
                    visit(&logit_values(&logits)?, token)?;
                }
            }
        }
        Ok(())
    }

    /// Teacher-forced agreement with another system's generation: with `prompt` and the other
    /// system's tokens so far as context, how often this model's greedy choice is the other's
    /// next token. Returns (agreeing positions, positions).
    pub fn teacher_forced(&mut self, prompt: &str, generated: &str) -> Result<(usize, usize)> {
        let context = self.tokenizer.encode(prompt);
        let joint = self.tokenizer.encode(&format!("{prompt}{generated}"));
        let tokens = joint.get(context.len()..).unwrap_or_default().to_vec();
        if tokens.is_empty() {
            return Ok((0, 0));
        }
        let (logits, _) = self.prefill(&context)?;
        let mut agreeing = 0;
        self.follow(logits, context.len(), &tokens, |values, token| {
            agreeing += usize::from(argmax_of(values) == token);
            Ok(())
        })?;
        Ok((agreeing, tokens.len()))
    }
}

fn candle_error(e: candle_core::Error) -> Error {
    Error::new(format!("gguf model: {e}"))
}

fn logit_values(logits: &Tensor) -> Result<Vec<f32>> {
    logits.to_dtype(candle_core::DType::F32).and_then(|l| l.to_vec1()).map_err(candle_error)
}

/// The greedy choice: the first index of the largest logit (ties go to the lower id, as in
/// llama.cpp).
pub fn argmax_of(values: &[f32]) -> u32 {
    let mut best = 0;
    for (i, &v) in values.iter().enumerate() {
        if v > values[best] {
            best = i;
        }
    }
    best as u32
}

fn argmax(logits: &Tensor) -> Result<u32> {
    Ok(argmax_of(&logit_values(logits)?))
}

/// `token`'s log-probability under `logits` (log-softmax in f64, reported at f32 precision) and
/// whether it is the greedy choice.
fn log_prob_at(values: &[f32], token: u32) -> Result<(f64, bool)> {
    let logit = *values.get(token as usize).ok_or_else(|| Error::new(format!("token {token} is outside the vocabulary")))?;
    let max = values.iter().fold(f64::NEG_INFINITY, |m, &v| m.max(v as f64));
    let log_sum = values.iter().map(|&v| (v as f64 - max).exp()).sum::<f64>().ln();
    Ok(((logit as f64 - max - log_sum) as f32 as f64, argmax_of(values) == token))
}

impl LanguageModel {
    /// Each continuation's log-likelihood after `context`, conditioned on the BOS token when
    /// `bos` (as lm-evaluation-harness does).
    pub fn loglikelihood(&mut self, context: &str, continuations: &[String], bos: bool) -> Result<Vec<ContinuationLogprob>> {
        let bos: Vec<u32> = if bos { self.tokenizer.bos.into_iter().collect() } else { Vec::new() };
        let context_text = context;
        let context: Vec<u32> = bos.iter().copied().chain(self.tokenizer.encode(context_text)).collect();
        if context.is_empty() {
            return Err(Error::new("empty context and no BOS token to condition on"));
        }
        let (after_context, _) = self.prefill(&context)?;
        // Candle's cache cannot rewind, so each continuation starts from a copy; the native
        // engine rewinds to the context's end by itself.
        let snapshot = matches!(self.model, Model::Candle(_)).then(|| self.model.clone());
        let mut scores = Vec::with_capacity(continuations.len());
        for continuation in continuations {
            // Joint tokenization decides the continuation's tokens, as servers see the text.
            let joint: Vec<u32> = bos.iter().copied().chain(self.tokenizer.encode(&format!("{context_text}{continuation}"))).collect();
            let tokens = joint.get(context.len()..).unwrap_or_default().to_vec();
            if tokens.is_empty() || joint[..context.len()] != context[..] {
                return Err(Error::new(format!(
                    "continuation {continuation:?} merges with the end of the context into one token; end the context with a space or newline"
                )));
            }
            if let Some(snapshot) = &snapshot {
                self.model = snapshot.clone();
            }
            let (mut total, mut greedy) = (0.0, true);
            self.follow(after_context.clone(), context.len(), &tokens, |values, token| {
                let (logprob, is_greedy) = log_prob_at(values, token)?;
                total += logprob;
                greedy &= is_greedy;
                Ok(())
            })?;
            scores.push(ContinuationLogprob { logprob: total, greedy, tokens: tokens.len() });
        }
        Ok(scores)
    }

    /// The log-likelihood of the whole of `text` (lm-evaluation-harness's
    /// `loglikelihood_rolling`): the first token conditioned on the BOS token, and a text longer
    /// than `window` tokens (the model's context when `None`) in disjoint windows, each
    /// conditioned on as many of the tokens before it as fit.
    pub fn loglikelihood_rolling(&mut self, text: &str, window: Option<usize>) -> Result<ContinuationLogprob> {
        let prefix = self.tokenizer.bos.ok_or_else(|| Error::new("no BOS token to condition a text's first token on"))?;
        let tokens = self.tokenizer.encode(text);
        let window = window.unwrap_or(self.context_length).clamp(1, self.context_length);
        let (mut total, mut greedy) = (0.0, true);
        for (context, predicted) in rolling_windows(&tokens, prefix, window) {
            let (logits, _) = self.prefill(&context)?;
            self.follow(logits, context.len(), predicted, |values, token| {
                let (logprob, is_greedy) = log_prob_at(values, token)?;
                total += logprob;
                greedy &= is_greedy;
                Ok(())
            })?;
        }
        Ok(ContinuationLogprob { logprob: total, greedy, tokens: tokens.len() })
    }
}

/// lm-evaluation-harness's rolling windows over `tokens` for a model that sees `window` tokens
/// (`get_rolling_token_windows` with a context of one, then `make_disjoint_window`): each
/// window's context and the tokens it predicts, which together cover every token once.
pub fn rolling_windows(tokens: &[u32], prefix: u32, window: usize) -> Vec<(Vec<u32>, &[u32])> {
    let mut windows = Vec::new();
    if tokens.is_empty() {
        return windows;
    }
    let first = window.min(tokens.len());
    windows.push((vec![prefix], &tokens[..first]));
    let mut predicted = first;
    while predicted < tokens.len() {
        let length = (tokens.len() - predicted).min(window);
        let end = predicted + length;
        windows.push((tokens[end - window - 1..end - length].to_vec(), &tokens[end - length..end]));
        predicted = end;
    }
    windows
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The windows lm-eval 0.4.13 makes for ten tokens, a window of four and prefix 99
    /// (`get_rolling_token_windows(list(range(10)), 99, 4, 1)` through `make_disjoint_window`).
    #[test]
    fn rolling_windows_as_lm_eval_makes_them() {
        let tokens: Vec<u32> = (0..10).collect();
        let windows = rolling_windows(&tokens, 99, 4);
        let expected: [(&[u32], &[u32]); 3] = [(&[99], &[0, 1, 2, 3]), (&[3], &[4, 5, 6, 7]), (&[5, 6, 7], &[8, 9])];
        assert_eq!(windows.len(), expected.len());
        for ((context, predicted), (c, p)) in windows.iter().zip(expected) {
            assert_eq!((context.as_slice(), *predicted), (c, p));
        }
        assert_eq!(rolling_windows(&tokens, 99, 20), vec![(vec![99], &tokens[..])]);
        assert!(rolling_windows(&[], 99, 4).is_empty());
    }

    /// The windows lm-eval itself made (`scripts/compat/lm_eval_requests.py`), prefix -1.
    #[test]
    fn rolling_windows_equal_lm_evals_own() {
        let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../../harness/tests/fixtures/lm_eval/requests.json");
        let fixture: serde_json::Value = serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
        let cases = fixture["rolling_windows"].as_array().unwrap();
        assert!(cases.len() >= 4);
        let ids = |v: &serde_json::Value| -> Vec<u32> { v.as_array().unwrap().iter().map(|t| t.as_i64().unwrap() as u32).collect() };
        for case in cases {
            let tokens: Vec<u32> = (0..case["tokens"].as_u64().unwrap() as u32).collect();
            let ours = rolling_windows(&tokens, u32::MAX, case["window"].as_u64().unwrap() as usize);
            let theirs = case["windows"].as_array().unwrap();
            assert_eq!(ours.len(), theirs.len(), "{case}");
            for ((context, predicted), window) in ours.iter().zip(theirs) {
                assert_eq!((context.clone(), predicted.to_vec()), (ids(&window[0]), ids(&window[1])), "{case}");
            }
        }
    }

    #[test]
    fn non_gguf_and_truncated_files_are_named() {
        let dir = tempfile::tempdir().unwrap();
        let text = dir.path().join("model.gguf");
        std::fs::write(&text, "this is not a model").unwrap();
        let err = LanguageModel::load(&text, &Options::default()).err().unwrap();
        assert!(err.to_string().contains("not a GGUF file"), "{err}");
        std::fs::write(&text, b"GGUF\x03\x00\x00\x00").unwrap();
        let err = LanguageModel::load(&text, &Options::default()).err().unwrap();
        assert!(err.to_string().contains("may be truncated"), "{err}");
    }
}
