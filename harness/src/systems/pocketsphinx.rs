//! `pocketsphinx`: CMU PocketSphinx in batch mode (`pocketsphinx_batch`, Debian's
//! `pocketsphinx` + `pocketsphinx-en-us`). One process serves the whole run, so the acoustic
//! and language models load once: utterances are fed through a named pipe as its control file,
//! and each hypothesis is read from its output as soon as it is decoded.

use super::child::{self, Line};
use super::{AudioRequest, Response, System};
use crate::error::{Error, Result};
use serde::{Deserialize, Serialize};
use std::io::Write;
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::sync::mpsc::{self, Receiver, RecvTimeoutError};
use std::time::{Duration, Instant};

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PocketsphinxConfig {
    #[serde(default, skip_serializing)]
    pub kind: Option<String>,
    #[serde(default, skip_serializing)]
    pub name: Option<String>,
    #[serde(default = "default_binary")]
    pub binary: String,
    /// Directory of the English model: `en-us/`, `en-us.lm.bin`, `cmudict-en-us.dict`.
    #[serde(default = "default_model_dir")]
    pub model_dir: String,
    /// Further `pocketsphinx_batch` arguments (e.g. `["-beam", "1e-60"]`).
    #[serde(default)]
    pub args: Vec<String>,
    /// Seconds one utterance may take.
    #[serde(default = "default_timeout_s")]
    pub timeout_s: f64,
}

impl Default for PocketsphinxConfig {
    fn default() -> Self {
        PocketsphinxConfig {
            kind: None,
            name: None,
            binary: default_binary(),
            model_dir: default_model_dir(),
            args: Vec::new(),
            timeout_s: default_timeout_s(),
        }
    }
}

fn default_binary() -> String {
    "pocketsphinx_batch".to_string()
}
fn default_model_dir() -> String {
    "/usr/share/pocketsphinx/model/en-us".to_string()
}
fn default_timeout_s() -> f64 {
    120.0
}

pub struct PocketsphinxSystem {
    child: Child,
    control: Option<std::fs::File>,
    lines: Receiver<std::io::Result<Line>>,
    timeout: Duration,
    /// Holds the control pipe; removed when the system is dropped.
    _workdir: crate::fsutil::ScratchDir,
}

impl PocketsphinxSystem {
    pub fn start(config: &PocketsphinxConfig, base_dir: &Path) -> Result<PocketsphinxSystem> {
        let binary = super::find_program(&config.binary, base_dir).ok_or_else(|| {
            Error::new(format!(
                "pocketsphinx system: program '{}' not found (install Debian's pocketsphinx and pocketsphinx-en-us)",
                config.binary
            ))
        })?;
        let model = base_dir.join(&config.model_dir);
        let files = [model.join("en-us"), model.join("en-us.lm.bin"), model.join("cmudict-en-us.dict")];
        if let Some(missing) = files.iter().find(|f| !f.exists()) {
            return Err(Error::new(format!(
                "pocketsphinx system: model file {} not found (install pocketsphinx-en-us, or set model_dir)",
                missing.display()
            )));
        }
        let workdir = crate::fsutil::ScratchDir::new("pocketsphinx")?;
        let fifo = workdir.path().join("control");
        let made = Command::new("mkfifo").arg(&fifo).status().map_err(|e| Error::new(format!("pocketsphinx system: mkfifo: {e}")))?;
        if !made.success() {
            return Err(Error::new(format!("pocketsphinx system: cannot create the control pipe {}", fifo.display())));
        }
        let mut command = Command::new(&binary);
        command
            .args(["-adcin", "yes", "-adchdr", "44", "-cepdir", "/", "-cepext", ".wav", "-hyp", "/dev/stdout", "-logfn", "/dev/null"])
            .arg("-ctl")
            .arg(&fifo)
            .arg("-hmm")
            .arg(&files[0])
            .arg("-lm")
            .arg(&files[1])
            .arg("-dict")
            .arg(&files[2])
            .args(&config.args)
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::null());
        let mut child = child::own_group(&mut command)
            .spawn()
            .map_err(|e| Error::new(format!("pocketsphinx system: cannot start '{}': {e}", binary.display())))?;
        let lines = child::read_lines(child.stdout.take().expect("stdout is piped"), child::DEFAULT_MAX_LINE_BYTES);
        // Opening the pipe waits for pocketsphinx to open it, which it does once its models load.
        let (opened_tx, opened) = mpsc::channel();
        let path = fifo.clone();
        std::thread::spawn(move || {
            let _ = opened_tx.send(std::fs::OpenOptions::new().write(true).open(&path));
        });
        let started = Instant::now();
        let control = loop {
            match opened.recv_timeout(Duration::from_millis(100)) {
                Ok(file) => break file.map_err(|e| Error::in_file(&fifo, e))?,
                Err(_) if started.elapsed() > Duration::from_secs(120) => {
                    child::kill_group(&mut child);
                    return Err(Error::new("pocketsphinx system: pocketsphinx_batch did not start reading within 120 s"));
                }
                Err(_) => {
                    if let Ok(Some(status)) = child.try_wait() {
                        // Unblock the opener thread before giving up.
                        let _ = std::fs::OpenOptions::new().read(true).open(&fifo);
                        return Err(Error::new(format!(
                            "pocketsphinx system: pocketsphinx_batch exited ({status}) while loading its models"
                        )));
                    }
                }
            }
        };
        Ok(PocketsphinxSystem {
            child,
            control: Some(control),
            lines,
            timeout: Duration::from_secs_f64(config.timeout_s.max(1.0)),
            _workdir: workdir,
        })
    }
}

/// `words (UTTERANCE-ID SCORE)` into the words, for the expected utterance.
fn parse_hypothesis(line: &str, expected: &str) -> std::result::Result<String, String> {
    let open = line.rfind('(').ok_or_else(|| format!("unexpected output line '{line}'"))?;
    let inner = line[open + 1..].trim_end().trim_end_matches(')');
    let utterance = inner.split_whitespace().next().unwrap_or_default();
    if utterance != expected {
        return Err(format!("answered utterance '{utterance}' instead"));
    }
    Ok(line[..open].trim().to_string())
}

impl System for PocketsphinxSystem {
    fn kind(&self) -> &'static str {
        "pocketsphinx"
    }

    fn transcribe(&mut self, request: &AudioRequest) -> Result<Response> {
        let item = |message: String| Error::new(format!("item {}: pocketsphinx: {message}", request.id));
        // The control file names audio relative to `-cepdir /`, without the extension; a file
        // pocketsphinx cannot open is skipped silently, so it is checked here.
        let absolute = std::path::absolute(&request.audio_path).map_err(|e| item(format!("{}: {e}", request.audio_path.display())))?;
        if !absolute.is_file() {
            return Err(item(format!("audio file {} not found", absolute.display())));
        }
        let path = absolute.to_string_lossy();
        let Some(stem) = path.strip_suffix(".wav").map(|p| p.trim_start_matches('/')) else {
            return Err(item(format!("{path} must end in .wav")));
        };
        // Utterance ids in the control file may not hold spaces; the line names the utterance.
        let utterance: String = request.id.chars().map(|c| if c.is_whitespace() { '_' } else { c }).collect();
        let control = self.control.as_mut().ok_or_else(|| item("already closed".into()))?;
        writeln!(control, "{stem} 0 -1 {utterance}")
            .and_then(|_| control.flush())
            .map_err(|e| item(format!("pocketsphinx_batch stopped reading: {e}")))?;
        match self.lines.recv_timeout(self.timeout) {
            Ok(Ok(Line::TooLong(length))) => Err(item(format!("sent an output line of {length} bytes"))),
            Ok(Ok(Line::Text(line))) => Ok(Response {
                output: parse_hypothesis(&line, &utterance).map_err(item)?,
                system_latency_s: None,
                output_tokens: None,
                measures: Default::default(),
            }),
            Ok(Err(e)) => Err(item(format!("reading its output: {e}"))),
            Err(RecvTimeoutError::Timeout) => {
                child::kill_group(&mut self.child);
                Err(item(format!("no hypothesis within {} s", self.timeout.as_secs_f64())))
            }
            Err(RecvTimeoutError::Disconnected) => {
                let status = self.child.wait().map(|s| s.to_string()).unwrap_or_default();
                Err(item(format!("pocketsphinx_batch exited ({status}) before answering")))
            }
        }
    }

    fn close(&mut self) -> Result<()> {
        // End of the control file: pocketsphinx finishes and exits.
        drop(self.control.take());
        for _ in 0..250 {
            if let Ok(Some(_)) = self.child.try_wait() {
                break;
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        child::kill_group(&mut self.child);
        Ok(())
    }
}

impl Drop for PocketsphinxSystem {
    fn drop(&mut self) {
        let _ = self.close();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hypothesis_lines_are_read_for_their_utterance() {
        assert_eq!(parse_hypothesis("he was not an ill (utt-1 -11405)", "utt-1").unwrap(), "he was not an ill");
        assert_eq!(parse_hypothesis(" (utt-2 -200)", "utt-2").unwrap(), "");
        assert!(parse_hypothesis("x (utt-3 -1)", "utt-2").unwrap_err().contains("'utt-3' instead"));
    }
}
