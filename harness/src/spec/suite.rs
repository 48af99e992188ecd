//! Suite specs: a suite is declarative TOML (task kind, dataset, prompt, few-shot, extraction,
//! metrics), never code, so that a reviewer can read exactly what was measured.

use super::{error_at_span, parse_toml};
use crate::error::{Error, Result};
use crate::fsutil::{read_to_string, sha256_hex};
use serde::{Deserialize, Serialize};
use std::path::{Path, PathBuf};
use toml::Spanned;

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SuiteSpec {
    pub id: Spanned<String>,
    pub version: String,
    #[serde(default)]
    pub description: String,
    pub task: TaskKind,
    pub dataset: DatasetRef,
    #[serde(default)]
    pub prompt: PromptSpec,
    #[serde(default)]
    pub fewshot: FewshotSpec,
    #[serde(default)]
    pub generation: GenerationSpec,
    #[serde(default)]
    pub scoring: ScoringSpec,
    pub metrics: Spanned<Vec<Metric>>,
    /// Workloads of a `materials.md` suite.
    #[serde(default)]
    pub materials: Option<Spanned<MaterialsSpec>>,
    /// Transcript format and scoring settings of an `asr.wer` suite.
    #[serde(default)]
    pub asr: Option<Spanned<AsrSpec>>,
    /// How a `reasoning.multiple_choice` suite asks for the answer.
    #[serde(default)]
    pub multiple_choice: Option<Spanned<MultipleChoiceSpec>>,
    /// How a `text` suite makes its requests and scores the answers.
    #[serde(default)]
    pub text: Option<Spanned<TextSpec>>,
}

/// A `text` suite, in lm-evaluation-harness's terms: a prompt, a target and (for multiple choice)
/// the choices, each a record field's name or a Jinja template over the record; filters that
/// pick the answer out of a generation; exact-match options.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct TextSpec {
    pub output_type: OutputType,
    /// Put before every prompt (a template over the record).
    #[serde(default)]
    pub description: String,
    pub doc_to_text: Spanned<String>,
    pub doc_to_target: Spanned<TargetSource>,
    /// The choices: a field, a template giving a list, or a list of texts.
    #[serde(default)]
    pub doc_to_choice: Option<Spanned<ChoiceSource>>,
    /// Between the prompt and the target (or each choice).
    #[serde(default = "default_target_delimiter")]
    pub target_delimiter: String,
    #[serde(default = "default_fewshot_delimiter")]
    pub fewshot_delimiter: String,
    /// Applied in order to a generation; what is left is the answer.
    #[serde(default)]
    pub filter: Vec<Spanned<FilterSpec>>,
    #[serde(default)]
    pub exact_match: ExactMatchSpec,
    /// Runs imported from another harness whose scoring claimbench does not re-derive (a filter
    /// or metric of its own): who scored them, e.g. `lm-eval 0.4.13`. Each output then holds
    /// that harness's per-item values, which are kept as they are.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub scored_by: Option<String>,
    /// Runs imported from Inspect logs: the Inspect scorer that decides each generation, in
    /// place of filters and exact match (`tasks::text::inspect`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub inspect: Option<InspectScorer>,
    /// The regexes above, compiled once when the suite is checked.
    #[serde(skip)]
    compiled: std::sync::OnceLock<TextRegexes>,
}

/// A text suite's compiled regexes: each filter's (for `regex` filters) and those exact match
/// ignores.
#[derive(Debug, Clone, Default)]
pub struct TextRegexes {
    pub filters: Vec<Option<regex::Regex>>,
    pub regexes_to_ignore: Vec<regex::Regex>,
}

impl TextSpec {
    /// The compiled regexes: compiled once when the suite is checked. A spec that was never
    /// checked compiles them on first use, and one with a pattern that does not compile (which
    /// a checked suite does not have) gets none.
    pub fn regexes(&self) -> &TextRegexes {
        self.compiled.get_or_init(|| self.compile().unwrap_or_default())
    }

    /// Every regex of the suite compiled, or the first that does not compile: the span of its
    /// filter (none for `exact_match.regexes_to_ignore`) and why.
    fn compile(&self) -> std::result::Result<TextRegexes, (Option<std::ops::Range<usize>>, String)> {
        let mut filters = Vec::with_capacity(self.filter.len());
        for filter in &self.filter {
            filters.push(match filter.get_ref() {
                FilterSpec::Regex { regex_pattern, .. } => Some(
                    regex::Regex::new(regex_pattern)
                        .map_err(|e| (Some(filter.span()), format!("regex_pattern does not compile: {}", one_line_regex_error(&e))))?,
                ),
                _ => None,
            });
        }
        let regexes_to_ignore = self
            .exact_match
            .regexes_to_ignore
            .iter()
            .map(|pattern| {
                regex::Regex::new(pattern).map_err(|e| {
                    (None, format!("exact_match.regexes_to_ignore: '{pattern}' does not compile: {}", one_line_regex_error(&e)))
                })
            })
            .collect::<std::result::Result<_, _>>()?;
        Ok(TextRegexes { filters, regexes_to_ignore })
    }
}

/// One of Inspect's scorers, with the options that change its verdicts.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize, Serialize)]
#[serde(tag = "scorer", rename_all = "snake_case", deny_unknown_fields)]
pub enum InspectScorer {
    Match {
        #[serde(default = "match_end")]
        location: MatchLocation,
        #[serde(default = "yes")]
        ignore_case: bool,
        #[serde(default)]
        numeric: bool,
    },
    Includes {
        #[serde(default = "yes")]
        ignore_case: bool,
    },
    Choice,
}

/// Where Inspect's `match` looks for the target.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum MatchLocation {
    Begin,
    End,
    Any,
    Exact,
}

fn match_end() -> MatchLocation {
    MatchLocation::End
}

fn yes() -> bool {
    true
}

fn default_target_delimiter() -> String {
    " ".to_string()
}

fn default_fewshot_delimiter() -> String {
    "\n\n".to_string()
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum OutputType {
    /// Generate until a stop string; the filtered answer is compared with the target.
    GenerateUntil,
    /// Score each choice's log-likelihood after the prompt; the likeliest is the answer.
    MultipleChoice,
    /// Score the target's log-likelihood after the prompt (perplexity, and whether greedy
    /// decoding would produce it).
    Loglikelihood,
    /// Score the target as a whole text from its start (perplexity per word and per byte).
    LoglikelihoodRolling,
}

impl OutputType {
    /// The metrics a text suite of this output type can report.
    pub fn metrics(self) -> &'static [Metric] {
        match self {
            OutputType::GenerateUntil => &[Metric::ExactMatch, Metric::F1],
            OutputType::MultipleChoice => &[Metric::Accuracy, Metric::AccNorm],
            OutputType::Loglikelihood => &[Metric::Accuracy, Metric::Perplexity],
            OutputType::LoglikelihoodRolling => &[Metric::WordPerplexity, Metric::BytePerplexity, Metric::BitsPerByte],
        }
    }

    pub fn name(self) -> &'static str {
        match self {
            OutputType::GenerateUntil => "generate_until",
            OutputType::MultipleChoice => "multiple_choice",
            OutputType::Loglikelihood => "loglikelihood",
            OutputType::LoglikelihoodRolling => "loglikelihood_rolling",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Deserialize, Serialize)]
#[serde(untagged)]
pub enum TargetSource {
    /// A choice's index.
    Index(u32),
    /// A field or a template.
    Text(String),
}

#[derive(Debug, Clone, PartialEq, Deserialize, Serialize)]
#[serde(untagged)]
pub enum ChoiceSource {
    List(Vec<String>),
    Text(String),
}

/// lm-evaluation-harness's filters, by its names.
#[derive(Debug, Clone, PartialEq, Deserialize, Serialize)]
#[serde(tag = "function", rename_all = "snake_case", deny_unknown_fields)]
pub enum FilterSpec {
    /// The `group_select`-th match (negative from the end) of `regex_pattern`, or `fallback`.
    Regex {
        #[serde(default = "default_filter_regex")]
        regex_pattern: String,
        #[serde(default)]
        group_select: i64,
        #[serde(default = "default_filter_fallback")]
        fallback: String,
    },
    /// The first of the responses (each item has one).
    TakeFirst,
    /// Leading and trailing whitespace removed.
    RemoveWhitespace,
    Lowercase,
    Uppercase,
}

fn default_filter_regex() -> String {
    r"#### (\-?[0-9\.\,]+)".to_string()
}

fn default_filter_fallback() -> String {
    "[invalid]".to_string()
}

/// How answers and targets are normalised before `exact_match` compares them.
#[derive(Debug, Clone, Default, PartialEq, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct ExactMatchSpec {
    #[serde(default)]
    pub ignore_case: bool,
    /// ASCII punctuation (Python's `string.punctuation`) removed.
    #[serde(default)]
    pub ignore_punctuation: bool,
    #[serde(default)]
    pub ignore_numbers: bool,
    /// Every match removed, in order, before the rest.
    #[serde(default)]
    pub regexes_to_ignore: Vec<String>,
}

/// A `reasoning.multiple_choice` suite: score each choice by log-likelihood (`acc`, and
/// `acc_norm` normalised by the choice's length in bytes, as lm-evaluation-harness does), or
/// list the choices with letters and read the letter the model generates.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct MultipleChoiceSpec {
    pub mode: ChoiceMode,
    /// Put before each choice's text when scoring by log-likelihood.
    #[serde(default = "default_choice_prefix")]
    pub choice_prefix: String,
}

fn default_choice_prefix() -> String {
    " ".to_string()
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum ChoiceMode {
    Loglikelihood,
    Letter,
}

/// An `asr.wer` suite: where transcripts and audio are, and how hypotheses are scored.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct AsrSpec {
    pub format: TranscriptFormat,
    /// `trn`: directory (relative to the dataset) holding `UTTERANCE-ID.wav`.
    #[serde(default)]
    pub audio_dir: Option<String>,
    /// `kaldi`: dataset file key of `wav.scp`.
    #[serde(default)]
    pub wav_scp: Option<String>,
    #[serde(default)]
    pub normaliser: crate::text::normalise::Normaliser,
    #[serde(default)]
    pub convention: crate::text::align::Convention,
    /// What systems receive: audio at another rate is resampled, stereo is mixed down.
    #[serde(default = "default_sample_rate")]
    pub sample_rate: u32,
}

fn default_sample_rate() -> u32 {
    16_000
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum TranscriptFormat {
    /// NeMo manifest: JSON lines with `audio_filepath`, `duration`, `text`.
    Nemo,
    /// Kaldi: `text` (`UTT-ID words…`) with `wav.scp` (`UTT-ID path`).
    Kaldi,
    /// sclite/Sphinx transcripts: `words (UTT-ID)`, `<s>`/`</s>` markers dropped.
    Trn,
    /// Every dataset `.wav` file with a `.txt` file of the same name beside it.
    WavFolder,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize)]
pub enum TaskKind {
    #[serde(rename = "reasoning.gsm8k")]
    ReasoningGsm8k,
    #[serde(rename = "reasoning.multiple_choice")]
    ReasoningMultipleChoice,
    #[serde(rename = "materials.md")]
    MaterialsMd,
    #[serde(rename = "asr.wer")]
    AsrWer,
    /// Any text benchmark, declared as lm-evaluation-harness declares it.
    #[serde(rename = "text")]
    Text,
}

impl TaskKind {
    pub const fn name(self) -> &'static str {
        match self {
            TaskKind::ReasoningGsm8k => "reasoning.gsm8k",
            TaskKind::ReasoningMultipleChoice => "reasoning.multiple_choice",
            TaskKind::MaterialsMd => "materials.md",
            TaskKind::AsrWer => "asr.wer",
            TaskKind::Text => "text",
        }
    }
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DatasetRef {
    /// Dataset directory, relative to the suite file.
    pub path: String,
    /// Key of the scored file in the dataset's `dataset.toml`.
    pub file: String,
}

#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct PromptSpec {
    /// Rendered for the scored item; `{question}` is replaced by the item's question, and `{{`
    /// and `}}` stand for literal braces.
    #[serde(default = "default_template")]
    pub template: Spanned<String>,
    /// Rendered for each few-shot example; `{question}` and `{answer}` are replaced.
    #[serde(default = "default_example_template")]
    pub example_template: Spanned<String>,
    /// Placed between few-shot examples and before the scored item.
    #[serde(default = "default_separator")]
    pub separator: String,
}

impl Default for PromptSpec {
    fn default() -> Self {
        PromptSpec { template: default_template(), example_template: default_example_template(), separator: default_separator() }
    }
}

fn default_template() -> Spanned<String> {
    Spanned::new(0..0, "Question: {question}\nAnswer:".to_string())
}
fn default_example_template() -> Spanned<String> {
    Spanned::new(0..0, "Question: {question}\nAnswer: {answer}".to_string())
}
fn default_separator() -> String {
    "\n\n".to_string()
}

#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct FewshotSpec {
    #[serde(default)]
    pub k: usize,
    #[serde(default = "default_fewshot_seed")]
    pub seed: u64,
    /// Dataset file key to draw examples from. Without it, examples are drawn from the scored
    /// file and excluded from scoring, so no item is ever its own example.
    #[serde(default)]
    pub file: Option<String>,
}

impl Default for FewshotSpec {
    fn default() -> Self {
        FewshotSpec { k: 0, seed: default_fewshot_seed(), file: None }
    }
}

fn default_fewshot_seed() -> u64 {
    1234
}

#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct GenerationSpec {
    #[serde(default = "default_max_tokens")]
    pub max_tokens: u32,
    #[serde(default)]
    pub stop: Vec<String>,
    #[serde(default)]
    pub temperature: f64,
    #[serde(default)]
    pub top_p: Option<f64>,
    /// Send each prompt as a user message in the model's chat format.
    #[serde(default)]
    pub chat: bool,
}

impl Default for GenerationSpec {
    fn default() -> Self {
        GenerationSpec { max_tokens: default_max_tokens(), stop: Vec::new(), temperature: 0.0, top_p: None, chat: false }
    }
}

fn default_max_tokens() -> u32 {
    256
}

#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct ScoringSpec {
    #[serde(default)]
    pub extraction: Extraction,
}

/// How the final answer is taken from a model's output.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Extraction {
    /// The number right after the first `####` (lm-evaluation-harness's strict-match).
    #[default]
    Strict,
    /// The last number anywhere in the output (lm-evaluation-harness's flexible-extract).
    Flexible,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Metric {
    Accuracy,
    AccNorm,
    TimestepsPerS,
    MatomStepsPerS,
    TauPerDay,
    NsPerDay,
    LoopTimeS,
    Wer,
    Cer,
    Mer,
    Wil,
    Rtfx,
    ExactMatch,
    F1,
    Perplexity,
    WordPerplexity,
    BytePerplexity,
    BitsPerByte,
}

impl Metric {
    pub const ALL: [Metric; 18] = [
        Metric::Accuracy,
        Metric::AccNorm,
        Metric::TimestepsPerS,
        Metric::MatomStepsPerS,
        Metric::TauPerDay,
        Metric::NsPerDay,
        Metric::LoopTimeS,
        Metric::Wer,
        Metric::Cer,
        Metric::Mer,
        Metric::Wil,
        Metric::Rtfx,
        Metric::ExactMatch,
        Metric::F1,
        Metric::Perplexity,
        Metric::WordPerplexity,
        Metric::BytePerplexity,
        Metric::BitsPerByte,
    ];

    /// The metric a suite's `metrics` list calls `name`.
    pub fn named(name: &str) -> Option<Metric> {
        Metric::ALL.into_iter().find(|m| m.name() == name)
    }

    pub fn name(self) -> &'static str {
        match self {
            Metric::Accuracy => "accuracy",
            Metric::AccNorm => "acc_norm",
            Metric::TimestepsPerS => "timesteps_per_s",
            Metric::MatomStepsPerS => "matom_steps_per_s",
            Metric::TauPerDay => "tau_per_day",
            Metric::NsPerDay => "ns_per_day",
            Metric::LoopTimeS => "loop_time_s",
            Metric::Wer => "wer",
            Metric::Cer => "cer",
            Metric::Mer => "mer",
            Metric::Wil => "wil",
            Metric::Rtfx => "rtfx",
            Metric::ExactMatch => "exact_match",
            Metric::F1 => "f1",
            Metric::Perplexity => "perplexity",
            Metric::WordPerplexity => "word_perplexity",
            Metric::BytePerplexity => "byte_perplexity",
            Metric::BitsPerByte => "bits_per_byte",
        }
    }

    /// Whether the metric can be computed from the outputs of a task kind.
    pub fn applies_to(self, task: TaskKind) -> bool {
        match self {
            Metric::Accuracy => matches!(task, TaskKind::ReasoningGsm8k | TaskKind::ReasoningMultipleChoice | TaskKind::Text),
            Metric::AccNorm => matches!(task, TaskKind::ReasoningMultipleChoice | TaskKind::Text),
            Metric::ExactMatch
            | Metric::F1
            | Metric::Perplexity
            | Metric::WordPerplexity
            | Metric::BytePerplexity
            | Metric::BitsPerByte => task == TaskKind::Text,
            Metric::TimestepsPerS | Metric::MatomStepsPerS | Metric::TauPerDay | Metric::NsPerDay | Metric::LoopTimeS => {
                task == TaskKind::MaterialsMd
            }
            Metric::Wer | Metric::Cer | Metric::Mer | Metric::Wil | Metric::Rtfx => task == TaskKind::AsrWer,
        }
    }

    /// Whether the metric is a speed figure, only comparable on the same hardware.
    pub fn is_speed(self) -> bool {
        !matches!(
            self,
            Metric::Accuracy
                | Metric::AccNorm
                | Metric::Wer
                | Metric::Cer
                | Metric::Mer
                | Metric::Wil
                | Metric::ExactMatch
                | Metric::F1
                | Metric::Perplexity
                | Metric::WordPerplexity
                | Metric::BytePerplexity
                | Metric::BitsPerByte
        )
    }

    pub fn higher_is_better(self) -> bool {
        !matches!(
            self,
            Metric::LoopTimeS
                | Metric::Wer
                | Metric::Cer
                | Metric::Mer
                | Metric::Wil
                | Metric::Perplexity
                | Metric::WordPerplexity
                | Metric::BytePerplexity
                | Metric::BitsPerByte
        )
    }
}

/// A `materials.md` suite: simulation workloads, each run `warmup` times unrecorded in the
/// statistics and then `repetitions` times, and each held to its accuracy gate.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct MaterialsSpec {
    /// LAMMPS unit style of the inputs; decides whether thermo energies are per atom.
    pub units: String,
    #[serde(default = "default_warmup")]
    pub warmup: u32,
    #[serde(default = "default_repetitions")]
    pub repetitions: u32,
    pub workloads: Vec<WorkloadSpec>,
}

fn default_warmup() -> u32 {
    1
}
fn default_repetitions() -> u32 {
    3
}

#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct WorkloadSpec {
    pub id: String,
    /// Dataset file key of the input script; the suite's `dataset.file` when absent.
    #[serde(default)]
    pub input: Option<String>,
    /// Dataset file keys the input reads (potentials), placed beside it.
    #[serde(default)]
    pub files: Vec<String>,
    /// `-var NAME VALUE` pairs, e.g. to scale the box.
    #[serde(default)]
    pub vars: std::collections::BTreeMap<String, String>,
    /// Atoms the workload must create; a log with another count fails the gate.
    pub atoms: u64,
    /// Overrides `[materials] warmup` and `repetitions` for this workload.
    #[serde(default)]
    pub warmup: Option<u32>,
    #[serde(default)]
    pub repetitions: Option<u32>,
    pub gate: GateSpec,
}

/// What makes a run's physics right: step-0 energy and pressure as the reference engine
/// computed them, and a bound on total-energy drift over the run.
#[derive(Debug, Clone, Deserialize, Serialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct GateSpec {
    pub e_pair: f64,
    pub press: f64,
    /// Largest relative difference allowed for step-0 E_pair and Press.
    pub rel_tol: f64,
    /// Largest |TotEng(last) − TotEng(0)| per atom, in the input's energy units.
    pub max_drift_per_atom: f64,
    /// Where the reference values come from.
    #[serde(default)]
    pub reference: String,
}
/// A parsed suite file and what provenance needs of it.
#[derive(Debug, Clone)]
pub struct Suite {
    pub path: PathBuf,
    pub spec: SuiteSpec,
    pub sha256: String,
}

impl Suite {
    pub fn load(path: &Path) -> Result<Suite> {
        let text = read_to_string(path)?;
        let spec: SuiteSpec = parse_toml(path, &text)?;
        validate(path, &text, &spec)?;
        Ok(Suite { path: path.to_path_buf(), sha256: sha256_hex(text.as_bytes()), spec })
    }

    pub fn id(&self) -> &str {
        self.spec.id.get_ref()
    }

    pub fn dataset_dir(&self) -> PathBuf {
        let base = self.path.parent().unwrap_or(Path::new("."));
        base.join(&self.spec.dataset.path)
    }

    /// Finds a suite by file path or by id among the `*.toml` files of `suites_dir`.
    pub fn resolve(name: &str, suites_dir: &Path) -> Result<Suite> {
        let as_path = Path::new(name);
        if as_path.is_file() && (name.ends_with(".yaml") || name.ends_with(".yml")) {
            return Err(Error::in_file(
                as_path,
                "an lm-evaluation-harness task file: import it as a suite first, `claimbench suites import-lm-eval FILE -o suites/`",
            ));
        }
        if as_path.is_file() {
            return Suite::load(as_path);
        }
        if name.ends_with(".toml") || name.contains('/') {
            return Err(Error::in_file(as_path, "suite file not found"));
        }
        let mut known = Vec::new();
        for path in suite_files(suites_dir)? {
            match Suite::load(&path) {
                Ok(suite) if suite.id() == name => return Ok(suite),
                Ok(suite) => known.push(suite.id().to_string()),
                Err(_) => {}
            }
        }
        known.sort();
        Err(Error::new(format!(
            "no suite '{name}' in {} (known: {})",
            suites_dir.display(),
            if known.is_empty() { "none".to_string() } else { known.join(", ") }
        )))
    }
}

/// The `*.toml` files directly inside a suites directory, sorted by name.
pub fn suite_files(suites_dir: &Path) -> Result<Vec<PathBuf>> {
    if !suites_dir.is_dir() {
        return Err(Error::in_file(suites_dir, "suites directory not found"));
    }
    let mut files: Vec<PathBuf> = walkdir::WalkDir::new(suites_dir)
        .max_depth(1)
        .sort_by_file_name()
        .into_iter()
        .filter_map(|entry| entry.ok())
        .map(|entry| entry.into_path())
        .filter(|path| path.is_file() && path.extension().is_some_and(|ext| ext == "toml"))
        .collect();
    files.sort();
    Ok(files)
}

fn validate(path: &Path, text: &str, spec: &SuiteSpec) -> Result<()> {
    let id = spec.id.get_ref();
    if id.is_empty() || !id.chars().all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.')) {
        return Err(error_at_span(path, text, spec.id.span(), "suite id must be non-empty and use only letters, digits, '-', '_' or '.'"));
    }
    if spec.metrics.get_ref().is_empty() {
        return Err(error_at_span(path, text, spec.metrics.span(), "metrics must name at least one metric"));
    }
    if let Some(wrong) = spec.metrics.get_ref().iter().find(|m| !m.applies_to(spec.task)) {
        return Err(error_at_span(
            path,
            text,
            spec.metrics.span(),
            format!("metric '{}' does not apply to task {}", wrong.name(), spec.task.name()),
        ));
    }
    if let Some(m) = spec.materials.as_ref().filter(|_| spec.task != TaskKind::MaterialsMd) {
        return Err(error_at_span(path, text, m.span(), "[materials] applies only to task materials.md"));
    }
    if let Some(a) = spec.asr.as_ref().filter(|_| spec.task != TaskKind::AsrWer) {
        return Err(error_at_span(path, text, a.span(), "[asr] applies only to task asr.wer"));
    }
    if let Some(m) = spec.multiple_choice.as_ref().filter(|_| spec.task != TaskKind::ReasoningMultipleChoice) {
        return Err(error_at_span(path, text, m.span(), "[multiple_choice] applies only to task reasoning.multiple_choice"));
    }
    if let Some(t) = spec.text.as_ref().filter(|_| spec.task != TaskKind::Text) {
        return Err(error_at_span(path, text, t.span(), "[text] applies only to task text"));
    }
    if let Some(p) = spec.generation.top_p.filter(|p| !(*p > 0.0 && *p <= 1.0)) {
        return Err(Error::in_file(path, format!("generation.top_p = {p} must be in (0, 1]")));
    }
    match spec.task {
        TaskKind::MaterialsMd => match &spec.materials {
            Some(m) => validate_materials(path, text, m)?,
            None => return Err(Error::in_file(path, "a materials.md suite needs a [materials] table with workloads")),
        },
        TaskKind::AsrWer => match &spec.asr {
            Some(a) => validate_asr(path, text, a)?,
            None => return Err(Error::in_file(path, "an asr.wer suite needs an [asr] table (format, normaliser)")),
        },
        TaskKind::Text => match &spec.text {
            Some(t) => validate_text(path, text, spec, t)?,
            None => return Err(Error::in_file(path, "a text suite needs a [text] table (output_type, doc_to_text, doc_to_target)")),
        },
        TaskKind::ReasoningMultipleChoice if spec.multiple_choice.is_none() => {
            return Err(Error::in_file(
                path,
                "a reasoning.multiple_choice suite needs a [multiple_choice] table (mode = \"loglikelihood\" or \"letter\")",
            ))
        }
        TaskKind::ReasoningGsm8k | TaskKind::ReasoningMultipleChoice => {
            let template = &spec.prompt.template;
            let placeholders = super::template::placeholders(template.get_ref());
            if !placeholders.as_ref().is_ok_and(|names| names.contains(&"question")) {
                return Err(error_at_span(path, text, template.span(), "prompt template must contain {question}"));
            }
            let at = |t: &Spanned<String>, why: String| error_at_span(path, text, t.span(), format!("prompt template: {why}"));
            super::template::check(template.get_ref(), &["question"]).map_err(|why| at(template, why))?;
            let example = &spec.prompt.example_template;
            super::template::check(example.get_ref(), &["question", "answer"]).map_err(|why| at(example, why))?;
        }
    }
    Ok(())
}

/// Templates and regexes compile, the metrics suit the output type, choices exist where needed.
fn validate_text(path: &Path, text: &str, spec: &SuiteSpec, t: &Spanned<TextSpec>) -> Result<()> {
    let at = |span: std::ops::Range<usize>, why: String| error_at_span(path, text, span, why);
    let body = t.get_ref();
    super::jinja::check(body.doc_to_text.get_ref()).map_err(|why| at(body.doc_to_text.span(), format!("doc_to_text: {why}")))?;
    if let TargetSource::Text(target) = body.doc_to_target.get_ref() {
        super::jinja::check(target).map_err(|why| at(body.doc_to_target.span(), format!("doc_to_target: {why}")))?;
    }
    super::jinja::check(&body.description).map_err(|why| at(t.span(), format!("description: {why}")))?;
    match &body.doc_to_choice {
        // A list is the choices as written, not templates.
        Some(c) => match c.get_ref() {
            ChoiceSource::List(list) if list.len() < 2 => {
                return Err(at(c.span(), "doc_to_choice: a list needs two choices or more".into()))
            }
            ChoiceSource::List(_) => {}
            ChoiceSource::Text(template) => super::jinja::check(template).map_err(|why| at(c.span(), format!("doc_to_choice: {why}")))?,
        },
        None if body.output_type == OutputType::MultipleChoice => {
            return Err(at(t.span(), "a multiple_choice text suite needs doc_to_choice".to_string()))
        }
        None => {}
    }
    // Compiled once here, and kept for scoring.
    let compiled = body.compile().map_err(|(span, why)| at(span.unwrap_or_else(|| t.span()), why))?;
    let _ = body.compiled.set(compiled);
    let suits: &[Metric] = match (&body.inspect, body.output_type) {
        (None, output_type) => output_type.metrics(),
        (Some(_), OutputType::GenerateUntil) if body.filter.is_empty() => &[Metric::Accuracy],
        (Some(_), _) => return Err(at(t.span(), "an Inspect scorer applies to generate_until text suites without filters".into())),
    };
    if let Some(wrong) = spec.metrics.get_ref().iter().find(|m| !suits.contains(m)) {
        let names: Vec<&str> = suits.iter().map(|m| m.name()).collect();
        return Err(at(
            spec.metrics.span(),
            format!("metric '{}' does not apply to {} text suites ({} do)", wrong.name(), body.output_type.name(), names.join(", ")),
        ));
    }
    let scores_a_target = matches!(body.output_type, OutputType::Loglikelihood | OutputType::LoglikelihoodRolling);
    if let (true, Some(c)) = (scores_a_target, &body.doc_to_choice) {
        return Err(at(
            c.span(),
            format!("doc_to_choice does not apply to {} text suites, which score the target", body.output_type.name()),
        ));
    }
    if body.output_type == OutputType::LoglikelihoodRolling {
        // lm-eval scores the target alone: a prompt or examples would be silently left out.
        if spec.fewshot.k > 0 {
            return Err(at(
                t.span(),
                "loglikelihood_rolling text suites score the target alone; few-shot examples do not apply".to_string(),
            ));
        }
        if !body.description.is_empty() || !body.doc_to_text.get_ref().is_empty() {
            return Err(at(
                body.doc_to_text.span(),
                "loglikelihood_rolling text suites score the target alone: leave doc_to_text and description empty".to_string(),
            ));
        }
    }
    Ok(())
}

/// The last line of a regex compile error (the crate's errors draw the pattern over lines).
fn one_line_regex_error(e: &regex::Error) -> String {
    let last = e.to_string().lines().rev().find(|l| !l.trim().is_empty()).unwrap_or_default().trim().to_string();
    last.strip_prefix("error: ").map(str::to_string).unwrap_or(last)
}

fn validate_asr(path: &Path, text: &str, asr: &Spanned<AsrSpec>) -> Result<()> {
    let at = |message: &str| Err(error_at_span(path, text, asr.span(), message));
    let a = asr.get_ref();
    match a.format {
        TranscriptFormat::Trn if a.audio_dir.is_none() => at("format \"trn\" needs audio_dir (the directory of UTTERANCE-ID.wav files)"),
        TranscriptFormat::Kaldi if a.wav_scp.is_none() => at("format \"kaldi\" needs wav_scp (the dataset file key of wav.scp)"),
        TranscriptFormat::Trn if crate::fsutil::join_inside(Path::new(""), a.audio_dir.as_deref().unwrap_or(".")).is_none() => at(
            &format!("audio_dir = '{}' must be a relative path inside the dataset directory", a.audio_dir.as_deref().unwrap_or_default()),
        ),
        _ if !(1000..=384_000).contains(&a.sample_rate) => at("sample_rate must be between 1000 and 384000"),
        _ => Ok(()),
    }
}

fn validate_materials(path: &Path, text: &str, materials: &Spanned<MaterialsSpec>) -> Result<()> {
    let at = |message: String| error_at_span(path, text, materials.span(), message);
    let m = materials.get_ref();
    if m.workloads.is_empty() {
        return Err(at("[materials] lists no workloads".into()));
    }
    let mut seen = std::collections::HashSet::new();
    for w in &m.workloads {
        if w.id.is_empty() || !w.id.chars().all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.')) {
            return Err(at(format!("workload id '{}' must be non-empty and use only letters, digits, '-', '_' or '.'", w.id)));
        }
        if !seen.insert(&w.id) {
            return Err(at(format!("workload '{}' is listed twice", w.id)));
        }
        if w.repetitions.unwrap_or(m.repetitions) == 0 {
            return Err(at(format!("workload '{}' has no repetitions", w.id)));
        }
        let g = &w.gate;
        if !(g.rel_tol > 0.0 && g.max_drift_per_atom > 0.0 && g.e_pair.is_finite() && g.press.is_finite()) {
            return Err(at(format!("workload '{}': gate needs finite e_pair and press and positive rel_tol and max_drift_per_atom", w.id)));
        }
    }
    Ok(())
}
