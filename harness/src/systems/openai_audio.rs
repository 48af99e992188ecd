//! `openai-audio`: an OpenAI-compatible `/v1/audio/transcriptions` endpoint (vLLM, whisper
//! servers, OpenAI). Each utterance is uploaded as multipart form data; failures that a retry
//! can fix (HTTP 429 and 5xx, connection errors) are retried with exponential backoff and jitter,
//! honouring `Retry-After`. The API key is read from the environment variable the config names
//! and is never written anywhere.

use super::{AudioRequest, Response, System};
use crate::error::{Error, Result};
use serde::{Deserialize, Serialize};
use std::time::{Duration, Instant};

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct OpenAiAudioConfig {
    #[serde(default, skip_serializing)]
    pub kind: Option<String>,
    #[serde(default, skip_serializing)]
    pub name: Option<String>,
    /// Up to and including `/v1`, e.g. `http://127.0.0.1:8000/v1`.
    pub base_url: String,
    pub model: String,
    /// Name of the environment variable holding the API key; none is sent without it.
    #[serde(default)]
    pub api_key_env: Option<String>,
    #[serde(default)]
    pub language: Option<String>,
    #[serde(default)]
    pub temperature: Option<f64>,
    /// Seconds one request may take.
    #[serde(default = "default_timeout_s")]
    pub timeout_s: f64,
    /// Retries after the first attempt, for 429, 5xx and connection failures.
    #[serde(default = "default_retries")]
    pub max_retries: u32,
}

fn default_timeout_s() -> f64 {
    120.0
}
fn default_retries() -> u32 {
    5
}

pub struct OpenAiAudioSystem {
    config: OpenAiAudioConfig,
    agent: ureq::Agent,
    api_key: Option<String>,
    url: String,
    jitter: crate::stats::rng::Rng,
}

impl OpenAiAudioSystem {
    pub fn start(config: &OpenAiAudioConfig) -> Result<OpenAiAudioSystem> {
        if !(config.base_url.starts_with("http://") || config.base_url.starts_with("https://")) {
            return Err(Error::new(format!("openai-audio system: base_url '{}' must start with http:// or https://", config.base_url)));
        }
        if !(config.timeout_s > 0.0 && config.timeout_s.is_finite()) {
            return Err(Error::new("openai-audio system: timeout_s must be a positive number"));
        }
        let api_key = match &config.api_key_env {
            Some(var) => Some(
                std::env::var(var)
                    .map_err(|_| Error::new(format!("openai-audio system: environment variable {var} (api_key_env) is not set")))?,
            ),
            None => None,
        };
        let agent: ureq::Agent = ureq::Agent::config_builder()
            .timeout_global(Some(Duration::from_secs_f64(config.timeout_s)))
            .http_status_as_error(false)
            .build()
            .into();
        let url = format!("{}/audio/transcriptions", config.base_url.trim_end_matches('/'));
        Ok(OpenAiAudioSystem { config: config.clone(), agent, api_key, url, jitter: crate::stats::rng::Rng::new(0x5eed) })
    }

    fn body(&self, request: &AudioRequest, audio: &[u8], boundary: &str) -> Vec<u8> {
        let mut body = Vec::with_capacity(audio.len() + 1024);
        let mut field = |name: &str, value: &str| {
            body.extend_from_slice(
                format!("--{boundary}\r\nContent-Disposition: form-data; name=\"{name}\"\r\n\r\n{value}\r\n").as_bytes(),
            );
        };
        field("model", &self.config.model);
        field("response_format", "json");
        if let Some(language) = &self.config.language {
            field("language", language);
        }
        if let Some(t) = self.config.temperature {
            field("temperature", &t.to_string());
        }
        let name = format!("{}.wav", request.id.replace(['"', '\r', '\n', '/'], "_"));
        body.extend_from_slice(
            format!(
                "--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"{name}\"\r\nContent-Type: audio/wav\r\n\r\n"
            )
            .as_bytes(),
        );
        body.extend_from_slice(audio);
        body.extend_from_slice(format!("\r\n--{boundary}--\r\n").as_bytes());
        body
    }

    /// Seconds to wait before retry `attempt` (1-based): `Retry-After` when given, else
    /// exponential backoff with full jitter, capped at 30 s.
    fn backoff(&mut self, attempt: u32, retry_after: Option<f64>) -> Duration {
        if let Some(seconds) = retry_after {
            return Duration::from_secs_f64(seconds.clamp(0.0, 60.0));
        }
        let ceiling = (0.25 * 2f64.powi(attempt as i32 - 1)).min(30.0);
        Duration::from_secs_f64(ceiling * (0.5 + 0.5 * self.jitter.next_f64()))
    }
}

/// The text of a transcription response: `{"text": …}`.
fn parse(status: u16, body: &str) -> std::result::Result<String, String> {
    let value: serde_json::Value =
        serde_json::from_str(body).map_err(|_| format!("HTTP {status} with a body that is not JSON: {:?}", excerpt(body)))?;
    value
        .get("text")
        .and_then(|t| t.as_str())
        .map(str::to_string)
        .ok_or_else(|| format!("HTTP {status} without a string 'text': {:?}", excerpt(body)))
}

fn excerpt(body: &str) -> String {
    body.chars().take(200).collect()
}

impl System for OpenAiAudioSystem {
    fn kind(&self) -> &'static str {
        "openai-audio"
    }

    fn transcribe(&mut self, request: &AudioRequest) -> Result<Response> {
        let item = |message: String| Error::new(format!("item {}: {message}", request.id));
        let audio = std::fs::read(&request.audio_path).map_err(|e| item(format!("{}: {e}", request.audio_path.display())))?;
        let boundary = format!("claimbench-{:016x}", self.jitter.next_u64());
        let body = self.body(request, &audio, &boundary);
        let mut attempt = 0;
        loop {
            let started = Instant::now();
            let mut call = self.agent.post(&self.url).header("Content-Type", &format!("multipart/form-data; boundary={boundary}"));
            if let Some(key) = &self.api_key {
                call = call.header("Authorization", &format!("Bearer {key}"));
            }
            let (retryable, problem, retry_after) = match call.send(&body[..]) {
                Ok(mut response) => {
                    let status = response.status().as_u16();
                    let retry_after =
                        response.headers().get("retry-after").and_then(|v| v.to_str().ok()).and_then(|v| v.trim().parse::<f64>().ok());
                    let text = response.body_mut().read_to_string().unwrap_or_default();
                    if (200..300).contains(&status) {
                        let output = parse(status, &text).map_err(|e| item(format!("{} answered {e}", self.url)))?;
                        return Ok(Response { output, system_latency_s: Some(started.elapsed().as_secs_f64()), output_tokens: None });
                    }
                    let retryable = status == 429 || status >= 500;
                    (retryable, format!("{} answered HTTP {status}: {:?}", self.url, excerpt(&text)), retry_after)
                }
                Err(e) => (true, format!("cannot reach {}: {e}", self.url), None),
            };
            if !retryable || attempt >= self.config.max_retries {
                let tries = if retryable { format!(" (after {} attempts)", attempt + 1) } else { String::new() };
                return Err(item(format!("{problem}{tries}")));
            }
            attempt += 1;
            let wait = self.backoff(attempt, retry_after);
            std::thread::sleep(wait);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn responses_need_a_text() {
        assert_eq!(parse(200, r#"{"text": "hello"}"#).unwrap(), "hello");
        assert!(parse(200, "<html>").unwrap_err().contains("not JSON"));
        assert!(parse(200, r#"{"words": []}"#).unwrap_err().contains("without a string 'text'"));
    }

    #[test]
    fn backoff_grows_and_honours_retry_after() {
        let mut s = OpenAiAudioSystem::start(&OpenAiAudioConfig {
            kind: None,
            name: None,
            base_url: "http://127.0.0.1:9/v1".into(),
            model: "m".into(),
            api_key_env: None,
            language: None,
            temperature: None,
            timeout_s: 1.0,
            max_retries: 3,
        })
        .unwrap();
        assert_eq!(s.backoff(1, Some(2.0)), Duration::from_secs(2));
        let (first, fourth) = (s.backoff(1, None), s.backoff(4, None));
        assert!(first <= Duration::from_millis(250) && fourth >= Duration::from_secs(1), "{first:?} {fourth:?}");
    }
}
