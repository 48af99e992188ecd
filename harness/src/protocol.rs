//! What passes between a task and a system: the items a task prepares, the requests a system
//! is asked (text generation, continuation scoring, a simulation, a transcription) and its
//! responses. Plain data, below both tasks and systems, so neither needs the other.

use crate::data::RecordFile;
use crate::spec::suite::TaskKind;
use serde::{Deserialize, Serialize};
use std::path::PathBuf;

/// One scored item: what the system is asked and what counts as right.
#[derive(Debug, Clone, Default)]
pub struct TaskItem {
    pub id: String,
    pub index: usize,
    pub prompt: String,
    pub reference: String,
    /// A short human-readable view of the item, for listings.
    pub preview: String,
    /// For simulation suites: the workload run to ask for instead of a text prompt.
    pub simulation: Option<SimulationRequest>,
    /// For speech suites: the utterance's audio, transcribed instead of a text prompt.
    pub audio: Option<AudioItem>,
    /// For multiple-choice suites: the choices.
    pub choices: Option<Choices>,
}

/// The choices of a multiple-choice item, as continuations of the prompt.
#[derive(Debug, Clone, PartialEq)]
pub struct Choices {
    pub continuations: Vec<String>,
    /// Scored by log-likelihood; otherwise the prompt lists them and a letter is generated.
    pub by_loglikelihood: bool,
    /// One continuation that is a whole text, scored from its start (lm-evaluation-harness's
    /// `loglikelihood_rolling`, for perplexity): no context, the first token conditioned on the
    /// model's beginning-of-text token, a text longer than the model's window in windows.
    pub rolling: bool,
}

/// A prepared task: the scored items in dataset order, the ids of every record of the scored
/// file (to recognise keys that name no item), and the few-shot examples used.
#[derive(Debug, Clone)]
pub struct PreparedTask {
    pub kind: TaskKind,
    pub items: Vec<TaskItem>,
    pub source: RecordFile,
    pub fewshot_ids: Vec<String>,
}

/// The audio of one utterance as the dataset has it.
#[derive(Debug, Clone, PartialEq)]
pub struct AudioItem {
    pub path: PathBuf,
    /// Header facts, when the file could be read.
    pub info: Option<crate::data::audio::WavInfo>,
    /// Why the utterance cannot be scored.
    pub problem: Option<String>,
}

/// A text-generation request (lm-evaluation-harness's `generate_until`).
#[derive(Debug, Clone, Serialize)]
pub struct GenerateRequest<'a> {
    pub id: &'a str,
    pub index: usize,
    pub prompt: &'a str,
    pub max_tokens: u32,
    pub stop: &'a [String],
    pub temperature: f64,
    pub top_p: Option<f64>,
    pub seed: u64,
    /// Send the prompt as one user message of a chat, in the model's chat format.
    pub chat: bool,
}

/// A log-likelihood request (lm-evaluation-harness's `loglikelihood`): how likely each
/// continuation is right after the context.
#[derive(Debug, Clone, Serialize)]
pub struct ChoicesRequest<'a> {
    pub id: &'a str,
    pub context: &'a str,
    pub continuations: &'a [String],
    /// A whole text (the one continuation) scored from its start; see [`Choices::rolling`].
    pub rolling: bool,
}

/// One continuation's summed log-probability, whether greedy decoding would produce it, and
/// its length in tokens.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ContinuationScore {
    pub logprob: f64,
    pub greedy: bool,
    pub tokens: usize,
}

/// A request answered with text: a generation or a set of continuations to score.
pub enum TextRequest<'a> {
    Generate(GenerateRequest<'a>),
    Choices(ChoicesRequest<'a>),
}

/// A simulation request: run a workload's input script with its variables and return the log.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SimulationRequest {
    /// The item id: `WORKLOAD/rep-N` or `WORKLOAD/warmup-N`.
    pub id: String,
    pub workload: String,
    /// The input script.
    pub input: PathBuf,
    /// Files the input reads by name (potentials), to be placed beside it.
    pub files: Vec<PathBuf>,
    /// `-var NAME VALUE` pairs.
    pub vars: std::collections::BTreeMap<String, String>,
    pub warmup: bool,
    pub repetition: u32,
}

/// A transcription request: one utterance as a 16-bit mono PCM WAV file at `sample_rate`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AudioRequest {
    pub id: String,
    pub audio_path: PathBuf,
    pub sample_rate: u32,
    pub duration_s: f64,
}

#[derive(Debug, Clone, PartialEq, Default)]
pub struct Response {
    pub output: String,
    /// Seconds the system itself reports spending, when it says.
    pub system_latency_s: Option<f64>,
    pub output_tokens: Option<u64>,
    /// Further figures the system measured (time to first token, prompt tokens), by name; they
    /// are stored with the sample's measures.
    pub measures: std::collections::BTreeMap<String, f64>,
}

/// The measure holding a generation's time to first token, in seconds.
pub const TTFT: &str = "ttft_s";
