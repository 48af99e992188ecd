//! Systems answer requests. Every backend implements one trait over a few request types, so
//! any backend runs every suite of the kinds it supports. One file per backend.

pub mod builtin_md;
pub mod cache;
pub mod child;
pub mod command;
#[cfg(feature = "gguf")]
pub mod gguf;
pub mod http;
pub mod lammps;
pub mod openai;
pub mod openai_audio;
pub mod pocketsphinx;
pub mod predictions;

use crate::error::{Error, Result};
use crate::fsutil::{read_to_string, sha256_hex};
pub use crate::protocol::{
    AudioRequest, ChoicesRequest, ContinuationScore, GenerateRequest, PreparedTask, Response, SimulationRequest, TextRequest,
};
use crate::spec::parse_toml;
use serde::{Deserialize, Serialize};
use std::path::{Path, PathBuf};

/// Answers a log-likelihood request with `score`, timed; the stored output is the scores as
/// JSON, so that a bundle can be re-scored from the output alone.
pub fn timed_choices(score: impl FnOnce() -> Result<Vec<ContinuationScore>>) -> Result<Response> {
    let started = std::time::Instant::now();
    let scores = score()?;
    let seconds = started.elapsed().as_secs_f64();
    let output = serde_json::to_string(&serde_json::json!({
        "logprobs": scores.iter().map(|s| s.logprob).collect::<Vec<_>>(),
        "greedy": scores.iter().map(|s| s.greedy).collect::<Vec<_>>(),
        "tokens": scores.iter().map(|s| s.tokens).collect::<Vec<_>>(),
    }))
    .expect("scores serialise");
    Ok(Response { output, system_latency_s: Some(seconds), output_tokens: None, measures: Default::default() })
}

pub trait System {
    /// Kind name for messages.
    fn kind(&self) -> &'static str;

    fn generate(&mut self, _request: &GenerateRequest<'_>) -> Result<Response> {
        Err(Error::new(format!("a {} system cannot generate text; use it with a suite of another kind", self.kind())))
    }

    /// Log-likelihood of each continuation after the context.
    fn loglikelihood(&mut self, _request: &ChoicesRequest<'_>) -> Result<Vec<ContinuationScore>> {
        Err(Error::new(format!(
            "a {} system cannot score continuations by log-likelihood; use the gguf, openai or command system, or a multiple-choice suite with mode = \"letter\"",
            self.kind()
        )))
    }

    /// Checks, before a run's first log-likelihood request, that the system gives usable
    /// log-likelihoods (a server may silently return none, or shifted ones); why not, when not.
    fn preflight_loglikelihood(&mut self) -> Result<()> {
        Ok(())
    }

    /// How many text requests the system answers at once.
    fn concurrency(&self) -> usize {
        1
    }

    /// Answers text requests, in order; systems that can work on several at once override this.
    fn answer_text(&mut self, requests: &[TextRequest<'_>]) -> Vec<Result<Response>> {
        requests
            .iter()
            .map(|request| match request {
                TextRequest::Generate(r) => self.generate(r),
                TextRequest::Choices(r) => timed_choices(|| self.loglikelihood(r)),
            })
            .collect()
    }

    /// Transcribes one utterance; the response's output is the hypothesis text.
    fn transcribe(&mut self, _request: &AudioRequest) -> Result<Response> {
        Err(Error::new(format!(
            "a {} system cannot transcribe audio; use a speech system (pocketsphinx, command, predictions)",
            self.kind()
        )))
    }

    /// Runs a simulation workload; the response's output is the run's log (LAMMPS layout).
    fn simulate(&mut self, _request: &SimulationRequest) -> Result<Response> {
        Err(Error::new(format!("a {} system cannot run simulations; use the lammps or builtin-md system", self.kind())))
    }

    /// Called once after the last request; lets a backend shut down cleanly.
    fn close(&mut self) -> Result<()> {
        Ok(())
    }
}

/// A system as the user named it: from a TOML file or a `KIND:ARG` shorthand.
#[derive(Debug, Clone)]
pub struct SystemSpec {
    pub name: String,
    pub config: SystemConfig,
    /// Directory that relative paths in the config are resolved against.
    pub base_dir: PathBuf,
    /// Where the run was started: relative paths on the command line are taken from here, and
    /// programs start here unless their config names a directory.
    pub workdir: PathBuf,
}

#[derive(Debug, Clone, Serialize)]
#[serde(tag = "kind", rename_all = "lowercase")]
pub enum SystemConfig {
    Predictions(predictions::PredictionsConfig),
    Command(command::CommandConfig),
    Lammps(lammps::LammpsConfig),
    #[serde(rename = "builtin-md")]
    BuiltinMd(builtin_md::BuiltinMdConfig),
    Pocketsphinx(pocketsphinx::PocketsphinxConfig),
    #[serde(rename = "openai-audio")]
    OpenAiAudio(openai_audio::OpenAiAudioConfig),
    #[serde(rename = "openai")]
    OpenAi(openai::OpenAiConfig),
    #[cfg(feature = "gguf")]
    Gguf(gguf::GgufConfig),
}

impl SystemConfig {
    pub fn kind(&self) -> &'static str {
        match self {
            SystemConfig::Predictions(_) => "predictions",
            SystemConfig::Command(_) => "command",
            SystemConfig::Lammps(_) => "lammps",
            SystemConfig::BuiltinMd(_) => "builtin-md",
            SystemConfig::Pocketsphinx(_) => "pocketsphinx",
            SystemConfig::OpenAiAudio(_) => "openai-audio",
            SystemConfig::OpenAi(_) => "openai",
            #[cfg(feature = "gguf")]
            SystemConfig::Gguf(_) => "gguf",
        }
    }
}

const KINDS: &str = "predictions, command, openai, gguf, lammps, builtin-md, pocketsphinx, openai-audio";

#[derive(Deserialize)]
struct KindOnly {
    kind: toml::Spanned<String>,
}

impl SystemSpec {
    /// Parses `--system`: a TOML file, or `predictions:FILE`, `command:PROGRAM [ARG…]`,
    /// `lammps:BINARY` or `builtin-md`.
    pub fn parse(arg: &str) -> Result<SystemSpec> {
        SystemSpec::parse_in(arg, Path::new("."))
    }

    /// Parses `--system` as given in `workdir` (a resumed run's or a Slurm shard's), without
    /// changing the process's directory.
    pub fn parse_in(arg: &str, workdir: &Path) -> Result<SystemSpec> {
        let mut spec = SystemSpec::parse_unregistered(arg, workdir)?;
        spec.workdir = workdir.to_path_buf();
        // Redacting registers the secrets it finds, so that they are scrubbed from output
        // before the system is even started.
        spec.provenance();
        Ok(spec)
    }

    fn parse_unregistered(arg: &str, workdir: &Path) -> Result<SystemSpec> {
        let cwd = workdir.to_path_buf();
        if arg == "pocketsphinx" {
            return Ok(SystemSpec {
                name: arg.to_string(),
                config: SystemConfig::Pocketsphinx(Default::default()),
                base_dir: cwd.clone(),
                workdir: cwd,
            });
        }
        if arg == "builtin-md" {
            return Ok(SystemSpec {
                name: arg.to_string(),
                config: SystemConfig::BuiltinMd(Default::default()),
                base_dir: cwd.clone(),
                workdir: cwd,
            });
        }
        if let Some(binary) = arg.strip_prefix("lammps:") {
            let config = lammps::LammpsConfig { binary: binary.to_string(), ..Default::default() };
            return Ok(SystemSpec {
                name: "lammps".to_string(),
                config: SystemConfig::Lammps(config),
                base_dir: cwd.clone(),
                workdir: cwd,
            });
        }
        #[cfg(feature = "gguf")]
        if let Some(model) = arg.strip_prefix("gguf:") {
            let config = gguf::GgufConfig { model: model.to_string(), ..Default::default() };
            return Ok(SystemSpec { name: file_stem(model), config: SystemConfig::Gguf(config), base_dir: cwd.clone(), workdir: cwd });
        }
        if let Some(path) = arg.strip_prefix("predictions:") {
            let config = predictions::PredictionsConfig { path: path.to_string(), ..Default::default() };
            return Ok(SystemSpec {
                name: file_stem(path),
                config: SystemConfig::Predictions(config),
                base_dir: cwd.clone(),
                workdir: cwd,
            });
        }
        if let Some(command_line) = arg.strip_prefix("command:") {
            let mut words = command_line.split_whitespace().map(str::to_string);
            let program = words.next().ok_or_else(|| Error::new("--system command: names no program"))?;
            let config = command::CommandConfig { program: program.clone(), args: words.collect(), ..Default::default() };
            return Ok(SystemSpec {
                name: file_stem(&program),
                config: SystemConfig::Command(config),
                base_dir: cwd.clone(),
                workdir: cwd,
            });
        }
        let path = workdir.join(arg);
        if path.is_file() {
            return SystemSpec::load(&path);
        }
        if let Some((kind, _)) = arg.split_once(':') {
            return Err(Error::new(format!("--system: unknown system kind '{kind}' (known: {KINDS})")));
        }
        Err(Error::new(format!("--system: '{arg}' is neither a system TOML file nor KIND:ARG (kinds: {KINDS})")))
    }

    pub fn load(path: &Path) -> Result<SystemSpec> {
        let text = read_to_string(path)?;
        let kind: KindOnly = parse_toml(path, &text)?;
        let config = match kind.kind.get_ref().as_str() {
            "predictions" => SystemConfig::Predictions(parse_toml(path, &text)?),
            "command" => SystemConfig::Command(parse_toml(path, &text)?),
            "lammps" => SystemConfig::Lammps(parse_toml(path, &text)?),
            "builtin-md" => SystemConfig::BuiltinMd(parse_toml(path, &text)?),
            "pocketsphinx" => SystemConfig::Pocketsphinx(parse_toml(path, &text)?),
            "openai-audio" => SystemConfig::OpenAiAudio(parse_toml(path, &text)?),
            "openai" => SystemConfig::OpenAi(parse_toml(path, &text)?),
            #[cfg(feature = "gguf")]
            "gguf" => SystemConfig::Gguf(parse_toml(path, &text)?),
            other => {
                return Err(crate::spec::error_at_span(
                    path,
                    &text,
                    kind.kind.span(),
                    format!("unknown system kind '{other}' (known: {KINDS})"),
                ))
            }
        };
        let name = match &config {
            SystemConfig::Predictions(c) => c.name.clone(),
            SystemConfig::Command(c) => c.name.clone(),
            SystemConfig::Lammps(c) => c.name.clone(),
            SystemConfig::BuiltinMd(c) => c.name.clone(),
            SystemConfig::Pocketsphinx(c) => c.name.clone(),
            SystemConfig::OpenAiAudio(c) => c.name.clone(),
            SystemConfig::OpenAi(c) => c.name.clone(),
            #[cfg(feature = "gguf")]
            SystemConfig::Gguf(c) => c.name.clone(),
        }
        .unwrap_or_else(|| file_stem(&path.to_string_lossy()));
        let base_dir = path.parent().filter(|p| !p.as_os_str().is_empty()).unwrap_or(Path::new(".")).to_path_buf();
        Ok(SystemSpec { name, config, base_dir, workdir: PathBuf::from(".") })
    }

    pub fn provenance(&self) -> SystemProvenance {
        let mut config = serde_json::to_value(&self.config).expect("system configs serialise");
        redact(&mut config);
        let canonical = serde_json::to_string(&config).expect("JSON values serialise");
        SystemProvenance {
            name: self.name.clone(),
            kind: self.config.kind().to_string(),
            config,
            config_sha256: sha256_hex(canonical.as_bytes()),
        }
    }

    /// Starts the system for `task`. Input problems (a predictions file that does not match the
    /// items, a program that does not start) are found here, before any run directory exists.
    pub fn build(&self, task: &PreparedTask, scored: &[crate::protocol::TaskItem]) -> Result<Box<dyn System>> {
        match &self.config {
            SystemConfig::Predictions(config) => {
                Ok(Box::new(predictions::PredictionsSystem::load(&self.base_dir.join(&config.path), task, scored)?))
            }
            SystemConfig::Command(config) => Ok(Box::new(command::CommandSystem::start(config, &self.base_dir, &self.workdir)?)),
            SystemConfig::Lammps(config) => Ok(Box::new(lammps::LammpsSystem::start(config, &self.base_dir)?)),
            SystemConfig::BuiltinMd(config) => Ok(Box::new(builtin_md::BuiltinMdSystem::start(config)?)),
            SystemConfig::Pocketsphinx(config) => Ok(Box::new(pocketsphinx::PocketsphinxSystem::start(config, &self.base_dir)?)),
            SystemConfig::OpenAiAudio(config) => Ok(Box::new(openai_audio::OpenAiAudioSystem::start(config)?)),
            SystemConfig::OpenAi(config) => Ok(Box::new(openai::OpenAiSystem::start(config, &self.provenance().config_sha256)?)),
            #[cfg(feature = "gguf")]
            SystemConfig::Gguf(config) => Ok(Box::new(gguf::GgufSystem::start(config, &self.base_dir)?)),
        }
    }
}

/// `name` as given when it holds a slash (relative to `base_dir`), else the first match on PATH.
pub fn find_program(name: &str, base_dir: &Path) -> Option<PathBuf> {
    if name.contains('/') {
        let path = base_dir.join(name);
        return path.is_file().then_some(path);
    }
    std::env::split_paths(&std::env::var_os("PATH")?).map(|dir| dir.join(name)).find(|p| p.is_file())
}

fn file_stem(path: &str) -> String {
    Path::new(path).file_stem().map(|s| s.to_string_lossy().into_owned()).unwrap_or_else(|| path.to_string())
}

pub use crate::secrets::redact;
pub use crate::store::manifest::SystemProvenance;

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn secrets_are_redacted_at_any_depth() {
        let mut v = json!({"program": "x", "env": {"API_KEY": "s3cret", "MODE": "fast"}, "list": [{"token": "t"}]});
        redact(&mut v);
        assert_eq!(v, json!({"program": "x", "env": {"API_KEY": "<redacted>", "MODE": "fast"}, "list": [{"token": "<redacted>"}]}));
    }

    #[test]
    fn shorthands_parse() {
        let s = SystemSpec::parse("command:python3 solver.py --fast").unwrap();
        assert_eq!(s.name, "python3");
        match s.config {
            SystemConfig::Command(c) => assert_eq!(c.args, vec!["solver.py", "--fast"]),
            _ => panic!("expected a command system"),
        }
        assert!(SystemSpec::parse("predictions:out/preds.jsonl").unwrap().name == "preds");
        let err = SystemSpec::parse("nosuch:thing").unwrap_err();
        assert!(err.message().contains("unknown system kind 'nosuch'"), "{err}");
    }
}
