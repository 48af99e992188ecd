//! `command`: any program that speaks the JSONL protocol. claimbench writes one request per
//! line to its stdin and reads one response per line from its stdout:
//!
//! request:  `{"type": "generate", "id", "index", "prompt", "max_tokens", "stop", "temperature", "seed"}`
//!           `{"type": "transcribe", "id", "audio_path", "sample_rate", "duration_s"}`
//!           `{"type": "loglikelihood", "id", "context", "continuations"}`
//!           `{"type": "loglikelihood_rolling", "id", "text"}`
//! response: `{"id", "output"}` (or `"text"` for `output`) plus optional `"latency_s"` and
//!           `"output_tokens"`; to a log-likelihood request `{"id", "logprobs"}`, one summed
//!           log-probability per continuation, plus optional `"greedy"` and `"tokens"` lists;
//!           to a rolling one `{"id", "logprob"}`, the whole text's log-probability from its
//!           start, plus optional `"tokens"`.
//!
//! The program is started directly (no shell) with its arguments as a list.

use super::child::{self, Line, StderrTail};
use super::{GenerateRequest, Response, System};
use crate::error::{Error, Result};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use std::collections::BTreeMap;
use std::io::Write;
use std::path::Path;
use std::process::{Child, ChildStdin, Command, Stdio};
use std::sync::mpsc::{Receiver, RecvTimeoutError};
use std::time::Duration;

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CommandConfig {
    /// Set in a system file; parsed here so that unknown keys can still be rejected.
    #[serde(default, skip_serializing)]
    pub kind: Option<String>,
    #[serde(default, skip_serializing)]
    pub name: Option<String>,
    pub program: String,
    #[serde(default)]
    pub args: Vec<String>,
    /// Seconds to wait for each response before the item is declared failed.
    #[serde(default = "default_timeout_s")]
    pub timeout_s: f64,
    #[serde(default)]
    pub env: BTreeMap<String, String>,
    /// Working directory; the current directory when absent.
    #[serde(default)]
    pub cwd: Option<String>,
    /// The longest response line accepted, in bytes; a longer one fails its item.
    #[serde(default = "default_max_line_bytes")]
    pub max_line_bytes: usize,
}

impl Default for CommandConfig {
    fn default() -> Self {
        CommandConfig {
            kind: None,
            name: None,
            program: String::new(),
            args: Vec::new(),
            timeout_s: default_timeout_s(),
            env: BTreeMap::new(),
            cwd: None,
            max_line_bytes: default_max_line_bytes(),
        }
    }
}

fn default_timeout_s() -> f64 {
    120.0
}

fn default_max_line_bytes() -> usize {
    child::DEFAULT_MAX_LINE_BYTES
}

pub struct CommandSystem {
    label: String,
    child: Child,
    stdin: Option<ChildStdin>,
    lines: Receiver<std::io::Result<Line>>,
    stderr_tail: StderrTail,
    timeout: Duration,
    max_line_bytes: usize,
}

#[derive(Serialize)]
struct WireRequest<'a, T> {
    #[serde(rename = "type")]
    kind: &'static str,
    #[serde(flatten)]
    request: &'a T,
}

impl CommandSystem {
    /// Starts the program in `config.cwd`, else in `workdir` (where the run was started).
    pub fn start(config: &CommandConfig, base_dir: &Path, workdir: &Path) -> Result<Self> {
        if !(config.timeout_s > 0.0 && config.timeout_s.is_finite()) {
            return Err(Error::new(format!("command system: timeout_s must be a positive number, got {}", config.timeout_s)));
        }
        // `{system_dir}` lets a system file refer to scripts next to it.
        let dir = base_dir.to_string_lossy();
        let expand = |s: &str| s.replace("{system_dir}", &dir);
        let label = config.program.clone();
        let mut command = Command::new(expand(&config.program));
        command
            .args(config.args.iter().map(|a| expand(a)))
            .envs(&config.env)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped());
        if let Some(cwd) = &config.cwd {
            command.current_dir(expand(cwd));
        } else if workdir != Path::new(".") {
            command.current_dir(workdir);
        }
        if config.max_line_bytes == 0 {
            return Err(Error::new("command system: max_line_bytes must be at least 1"));
        }
        let mut child =
            child::own_group(&mut command).spawn().map_err(|e| Error::new(format!("command system: cannot start '{label}': {e}")))?;
        let lines = child::read_lines(child.stdout.take().expect("stdout is piped"), config.max_line_bytes);
        let stderr_tail = StderrTail::follow(child.stderr.take().expect("stderr is piped"));
        Ok(CommandSystem {
            label,
            stdin: child.stdin.take(),
            child,
            lines,
            stderr_tail,
            timeout: Duration::from_secs_f64(config.timeout_s),
            max_line_bytes: config.max_line_bytes,
        })
    }

    /// Explains why the program stopped talking: its exit status and last stderr lines.
    fn exit_report(&mut self) -> String {
        // Give the stderr reader a moment to collect the last lines of a dying program.
        let mut status = None;
        for _ in 0..50 {
            if let Ok(Some(s)) = self.child.try_wait() {
                status = Some(s);
                break;
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        if status.is_some() {
            child::kill_group_of(self.child.id());
            self.stderr_tail.finish(Duration::from_millis(500));
        }
        let stderr = self.stderr_tail.describe();
        match status {
            Some(s) => format!("command '{}' exited ({s}) before answering{stderr}", self.label),
            None => format!("command '{}' closed its output before answering{stderr}", self.label),
        }
    }

    /// Sends one request line and waits for its response.
    fn exchange<T: Serialize>(&mut self, kind: &'static str, request: &T, id: &str) -> Result<Response> {
        let reply = self.exchange_line(kind, request, id)?;
        parse_response(&reply, id).map_err(|message| {
            self.kill();
            Error::new(format!("item {id}: command '{}' sent a bad response: {message}", self.label))
        })
    }

    /// Sends one request line and waits for its response line, which names the item.
    fn exchange_line<T: Serialize>(&mut self, kind: &'static str, request: &T, id: &str) -> Result<String> {
        let item = |message: String| Error::new(format!("item {id}: {message}"));
        let mut line = serde_json::to_string(&WireRequest { kind, request }).expect("requests serialise");
        line.push('\n');
        let stdin = self.stdin.as_mut().ok_or_else(|| item(format!("command '{}' is closed", self.label)))?;
        if stdin.write_all(line.as_bytes()).and_then(|_| stdin.flush()).is_err() {
            let report = self.exit_report();
            return Err(item(report));
        }
        let reply = match self.lines.recv_timeout(self.timeout) {
            Ok(Ok(Line::Text(reply))) => reply,
            Ok(Ok(Line::TooLong(length))) => {
                return Err(item(format!(
                    "command '{}' sent a response line of {length} bytes, more than max_line_bytes = {}",
                    self.label, self.max_line_bytes
                )))
            }
            Ok(Err(e)) => return Err(item(format!("reading from command '{}': {e}", self.label))),
            Err(RecvTimeoutError::Timeout) => {
                self.kill();
                return Err(item(format!("command '{}' gave no response within {} s", self.label, self.timeout.as_secs_f64())));
            }
            Err(RecvTimeoutError::Disconnected) => {
                let report = self.exit_report();
                return Err(item(report));
            }
        };
        // The program's own report that it cannot answer this item: the item fails, the program
        // stays up for the next one.
        if let Some(message) = reported_error(&reply, id) {
            return Err(item(format!("command '{}' reported an error: {message}", self.label)));
        }
        Ok(reply)
    }

    /// Stops the program and everything it started.
    fn kill(&mut self) {
        child::kill_group(&mut self.child);
    }
}

impl System for CommandSystem {
    fn kind(&self) -> &'static str {
        "command"
    }

    fn generate(&mut self, request: &GenerateRequest<'_>) -> Result<Response> {
        self.exchange("generate", request, request.id)
    }

    fn transcribe(&mut self, request: &super::AudioRequest) -> Result<Response> {
        self.exchange("transcribe", request, &request.id)
    }

    fn loglikelihood(&mut self, request: &crate::protocol::ChoicesRequest<'_>) -> Result<Vec<crate::protocol::ContinuationScore>> {
        #[derive(Serialize)]
        struct Wire<'a> {
            id: &'a str,
            context: &'a str,
            continuations: &'a [String],
        }
        #[derive(Serialize)]
        struct Rolling<'a> {
            id: &'a str,
            text: &'a str,
        }
        let reply = match (request.rolling, request.continuations) {
            (true, [text]) => self.exchange_line("loglikelihood_rolling", &Rolling { id: request.id, text }, request.id)?,
            _ => {
                let wire = Wire { id: request.id, context: request.context, continuations: request.continuations };
                self.exchange_line("loglikelihood", &wire, request.id)?
            }
        };
        let scores =
            if request.rolling { rolling_score_of(&reply).map(|s| vec![s]) } else { scores_of(&reply, request.continuations.len()) };
        scores.map_err(|message| {
            self.kill();
            Error::new(format!("item {}: command '{}' sent a bad response: {message}", request.id, self.label))
        })
    }

    fn close(&mut self) -> Result<()> {
        drop(self.stdin.take());
        for _ in 0..100 {
            if let Ok(Some(_)) = self.child.try_wait() {
                child::kill_group_of(self.child.id());
                return Ok(());
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        // Every answer is in; a program that lingers after end of input is simply stopped.
        self.kill();
        Ok(())
    }
}

impl Drop for CommandSystem {
    fn drop(&mut self) {
        // Whatever the program left running in its group goes with it.
        self.kill();
    }
}

/// `{"id": ID, "error": "…"}` for the expected item: the message.
fn reported_error(line: &str, expected_id: &str) -> Option<String> {
    let value: Value = serde_json::from_str(line).ok()?;
    let object = value.as_object()?;
    if object.get("id").and_then(Value::as_str) != Some(expected_id) {
        return None;
    }
    let message = object.get("error")?;
    Some(message.as_str().map(|m| crate::text::shorten(m, 200)).unwrap_or_else(|| message.to_string()))
}

/// A log-likelihood reply: one finite, non-positive log-probability per continuation, and
/// optionally whether each is the greedy continuation and its length in tokens.
fn scores_of(line: &str, continuations: usize) -> std::result::Result<Vec<crate::protocol::ContinuationScore>, String> {
    let value: Value = serde_json::from_str(line).map_err(|e| format!("not JSON ({e})"))?;
    let list = |key: &str| value.get(key).and_then(Value::as_array).filter(|l| l.len() == continuations);
    let logprobs = list("logprobs").ok_or_else(|| format!("'logprobs' must be a list of {continuations} numbers"))?;
    let mut scores = Vec::with_capacity(continuations);
    for (i, logprob) in logprobs.iter().enumerate() {
        let logprob = log_probability(logprob).ok_or_else(|| format!("logprobs[{i}] = {logprob} is not a log-probability"))?;
        let greedy = list("greedy").and_then(|g| g[i].as_bool()).unwrap_or(false);
        let tokens = list("tokens").and_then(|t| t[i].as_u64()).unwrap_or(0) as usize;
        scores.push(crate::protocol::ContinuationScore { logprob, greedy, tokens });
    }
    Ok(scores)
}

/// A finite number no greater than 0.
fn log_probability(value: &Value) -> Option<f64> {
    value.as_f64().filter(|l| l.is_finite() && *l <= 0.0)
}

/// A rolling log-likelihood reply: the text's finite, non-positive log-probability and
/// optionally its length in tokens.
fn rolling_score_of(line: &str) -> std::result::Result<crate::protocol::ContinuationScore, String> {
    let value: Value = serde_json::from_str(line).map_err(|e| format!("not JSON ({e})"))?;
    let logprob = value.get("logprob").ok_or("'logprob' must be the text's log-probability")?;
    let logprob = log_probability(logprob).ok_or_else(|| format!("logprob = {logprob} is not a log-probability"))?;
    let tokens = value.get("tokens").and_then(Value::as_u64).unwrap_or(0) as usize;
    Ok(crate::protocol::ContinuationScore { logprob, greedy: false, tokens })
}

fn parse_response(line: &str, expected_id: &str) -> std::result::Result<Response, String> {
    let shown = || {
        let short: String = line.chars().take(80).collect();
        if short.len() < line.len() {
            format!("{short}…")
        } else {
            short
        }
    };
    let value: Value = serde_json::from_str(line).map_err(|e| format!("not JSON ({e}): {:?}", shown()))?;
    let object = value.as_object().ok_or_else(|| format!("not a JSON object: {:?}", shown()))?;
    match object.get("id").and_then(Value::as_str) {
        Some(id) if id == expected_id => {}
        Some(id) => return Err(format!("answered '{id}' instead")),
        None => return Err(format!("no string 'id': {:?}", shown())),
    }
    // Transcription replies may call their output `text`.
    let output = object
        .get("output")
        .or_else(|| object.get("text"))
        .and_then(Value::as_str)
        .ok_or_else(|| format!("no string 'output' (or 'text'): {:?}", shown()))?;
    let number = |key: &str| -> std::result::Result<Option<f64>, String> {
        match object.get(key) {
            None | Some(Value::Null) => Ok(None),
            Some(v) => {
                v.as_f64().filter(|x| x.is_finite() && *x >= 0.0).map(Some).ok_or_else(|| format!("'{key}' must be a non-negative number"))
            }
        }
    };
    Ok(Response {
        output: output.to_string(),
        system_latency_s: number("latency_s")?,
        output_tokens: number("output_tokens")?.map(|x| x as u64),
        measures: Default::default(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn log_likelihood_replies_are_checked() {
        let scores = scores_of(r#"{"id": "a", "logprobs": [-0.5, -2], "greedy": [true, false], "tokens": [1, 3]}"#, 2).unwrap();
        assert_eq!((scores[0].logprob, scores[0].greedy, scores[1].tokens), (-0.5, true, 3));
        assert_eq!(scores_of(r#"{"id": "a", "logprobs": [-1, -2]}"#, 2).unwrap()[1].tokens, 0);
        assert!(scores_of(r#"{"id": "a", "logprobs": [-1]}"#, 2).unwrap_err().contains("a list of 2 numbers"));
        assert!(scores_of(r#"{"id": "a", "logprobs": [-1, 0.5]}"#, 2).unwrap_err().contains("logprobs[1] = 0.5 is not a log-probability"));
        assert!(scores_of(r#"{"id": "a", "output": "B"}"#, 2).is_err());
        let rolling = rolling_score_of(r#"{"id": "a", "logprob": -42.5, "tokens": 17}"#).unwrap();
        assert_eq!((rolling.logprob, rolling.tokens), (-42.5, 17));
        assert!(rolling_score_of(r#"{"id": "a", "logprobs": [-1]}"#).unwrap_err().contains("'logprob' must be"));
        assert!(rolling_score_of(r#"{"id": "a", "logprob": 3}"#).unwrap_err().contains("is not a log-probability"));
    }

    #[test]
    fn responses_are_checked() {
        let ok = parse_response(r#####"{"id":"a","output":"#### 4","latency_s":0.5}"#####, "a").unwrap();
        assert_eq!(ok.output, "#### 4");
        assert_eq!(ok.system_latency_s, Some(0.5));
        assert!(parse_response("garbage", "a").unwrap_err().starts_with("not JSON"));
        assert!(parse_response(r#"{"id":"b","output":""}"#, "a").unwrap_err().contains("answered 'b'"));
        assert!(parse_response(r#"{"id":"a"}"#, "a").unwrap_err().contains("no string 'output'"));
        assert!(parse_response(r#"{"id":"a","output":"","latency_s":-1}"#, "a").is_err());
    }

    #[test]
    fn an_item_error_is_the_programs_own_report() {
        assert_eq!(reported_error(r#"{"id":"a","error":"out of memory"}"#, "a").as_deref(), Some("out of memory"));
        assert_eq!(reported_error(r#"{"id":"a","error":{"code":7}}"#, "a").as_deref(), Some(r#"{"code":7}"#));
        assert_eq!(reported_error(r#"{"id":"b","error":"x"}"#, "a"), None, "another item's error is a bad response");
        assert_eq!(reported_error(r#"{"id":"a","output":"4"}"#, "a"), None);
        assert_eq!(reported_error("garbage", "a"), None);
    }
}
