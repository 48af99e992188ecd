//! `manifest.json`: everything needed to tell what produced a run's numbers.

use crate::host::Host;
use crate::spec::dataset::DatasetProvenance;
use serde::{Deserialize, Serialize};

pub const SCHEMA: &str = "claimbench.run/1";

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Manifest {
    pub schema: String,
    pub run_id: String,
    pub status: Status,
    /// Why an incomplete run stopped.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
    pub claimbench: ToolVersion,
    pub suite: SuiteProvenance,
    pub dataset: DatasetProvenance,
    pub system: SystemProvenance,
    pub seed: u64,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub limit: Option<usize>,
    pub items: ItemCounts,
    /// Items the system failed on after its retries: recorded, left out of the metrics, and
    /// asked again by `run --resume`.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub failed_items: Vec<FailedItem>,
    pub host: Host,
    pub started_at: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub finished_at: Option<String>,
    /// sha256 of `samples.parquet`, which binds the samples to this manifest: a samples file
    /// swapped from another run, or cut short, is refused wherever the run is read.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub samples_sha256: Option<String>,
    /// How a Slurm run was spread over the cluster; absent for local runs.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub slurm: Option<SlurmSummary>,
    /// Runs made by another harness and imported: where they came from and what that harness
    /// recorded. Absent for runs claimbench made.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub imported: Option<Imported>,
}

/// What another harness recorded about a run, as `claimbench import` read it. Secrets among
/// the model's arguments are redacted.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Imported {
    /// `lm-eval` or `inspect`, with the version that wrote the files.
    pub harness: String,
    pub harness_version: String,
    /// The files read, each with its sha256.
    pub files: Vec<ImportedFile>,
    /// The harness's task name, and the filter (lm-eval) the run's answers went through or the
    /// scorer (Inspect) that judged them.
    pub task: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub filter: Option<String>,
    pub model: String,
    pub model_args: serde_json::Value,
    /// Fields that decide whether two imported runs may be paired: the task's hash over its
    /// documents, prompts and targets, the number of few-shot examples, the chat template and
    /// the system instruction (their hashes), as the harness recorded them.
    pub task_hash: Option<String>,
    pub num_fewshot: Option<u64>,
    pub chat_template_sha: Option<String>,
    pub system_instruction_sha: Option<String>,
    /// Everything else the harness recorded about the run (limit, seeds, date, git hash, the
    /// task's configuration).
    pub recorded: serde_json::Value,
    /// The harness's own aggregated figures for this task and filter.
    pub stated: std::collections::BTreeMap<String, f64>,
    /// Who decided each item's verdict: `claimbench text/2` when claimbench re-derived them from
    /// the raw outputs, else the harness (`lm-eval 0.4.13`), whose stored values were kept.
    pub scored_by: String,
    /// Whether claimbench's verdicts agree with the harness's stored ones, item by item.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub agreement: Option<Agreement>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ImportedFile {
    pub path: String,
    pub sha256: String,
}

/// Verdicts re-derived by claimbench against those the harness stored.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Agreement {
    /// Item-metric values compared, and how many were equal.
    pub compared: usize,
    pub agree: usize,
    /// The first disagreements (all of them up to [`Agreement::SHOWN`]).
    pub disagreements: Vec<Disagreement>,
}

impl Agreement {
    pub const SHOWN: usize = 50;
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Disagreement {
    pub item: String,
    pub metric: String,
    pub stored: f64,
    pub rederived: f64,
    pub why: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SlurmSummary {
    pub job_ids: Vec<String>,
    pub shards: usize,
    /// Last shard end minus first shard start: the run's wall time. Shard times are never added.
    pub wall_s: f64,
    /// Shard wall times multiplied by their GPUs, summed.
    pub gpu_seconds: f64,
    /// First submission to gathered result, minus the slowest shard's own time.
    pub fanout_overhead_s: f64,
    /// Node and speed fingerprint of each shard, in shard order.
    pub shard_hosts: Vec<ShardHost>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ShardHost {
    pub shard: usize,
    pub node: String,
    pub wall_s: f64,
    pub gpus: usize,
    pub fingerprint: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Status {
    Running,
    Complete,
    Incomplete,
}

impl Status {
    pub fn as_str(self) -> &'static str {
        match self {
            Status::Running => "running",
            Status::Complete => "complete",
            Status::Incomplete => "incomplete",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ToolVersion {
    pub version: String,
    pub git_commit: String,
}

impl ToolVersion {
    pub fn current() -> Self {
        ToolVersion { version: env!("CARGO_PKG_VERSION").to_string(), git_commit: env!("CLAIMBENCH_GIT_COMMIT").to_string() }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SuiteProvenance {
    pub id: String,
    pub version: String,
    pub task: String,
    pub path: String,
    pub sha256: String,
    pub scoring_version: String,
    pub extraction: String,
    pub fewshot_k: usize,
    pub fewshot_seed: u64,
    /// Items used as few-shot examples and therefore not scored.
    #[serde(default)]
    pub fewshot_ids: Vec<String>,
    /// Speech suites: how transcripts were scored and what audio systems were given.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub asr: Option<AsrProvenance>,
    /// Text suites: how systems were asked.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub generation: Option<GenerationProvenance>,
}

/// The generation parameters every request of a text suite carried.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct GenerationProvenance {
    /// `generate`, or `loglikelihood` for multiple choice scored by likelihood.
    pub request: String,
    pub max_tokens: u32,
    pub temperature: f64,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub top_p: Option<f64>,
    pub stop: Vec<String>,
    /// The run's seed, sent with every request.
    pub seed: u64,
    pub chat: bool,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AsrProvenance {
    /// Normaliser id and version, e.g. `basic/1`.
    pub normaliser: String,
    pub convention: String,
    /// Systems receive 16-bit mono PCM at this rate.
    pub sample_rate: u32,
    /// Utterances whose audio was resampled or mixed down to get there.
    pub converted: usize,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FailedItem {
    pub id: String,
    pub index: usize,
    pub error: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct ItemCounts {
    pub expected: usize,
    pub completed: usize,
}

/// What a run manifest records about the system; secrets are redacted before it is written.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SystemProvenance {
    pub name: String,
    pub kind: String,
    pub config: serde_json::Value,
    /// Hash of the redacted configuration, for telling system configs apart.
    pub config_sha256: String,
}
