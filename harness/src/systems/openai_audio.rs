//! `openai-audio`: an OpenAI-compatible `/v1/audio/transcriptions` endpoint (vLLM, whisper
//! servers, OpenAI). Each utterance is uploaded as multipart form data; failures that a retry
//! can fix (HTTP 429 and 5xx, connection errors) are retried with exponential backoff and jitter,
//! honouring `Retry-After`. The API key is read from the environment variable the config names
//! and is never written anywhere.

use super::http::{excerpt, read_json, Failure, HttpClient};
use super::{AudioRequest, Response, System};
use crate::error::{Error, Result};
use serde::{Deserialize, Serialize};

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
    #[serde(default = "super::http::default_timeout_s")]
    pub timeout_s: f64,
    /// Retries after the first attempt, for 429, 5xx and connection failures.
    #[serde(default = "super::http::default_retries")]
    pub max_retries: u32,
}

pub struct OpenAiAudioSystem {
    config: OpenAiAudioConfig,
    client: HttpClient,
    url: String,
}

impl OpenAiAudioSystem {
    pub fn start(config: &OpenAiAudioConfig) -> Result<OpenAiAudioSystem> {
        let client =
            HttpClient::new("openai-audio", &config.base_url, config.api_key_env.as_deref(), config.timeout_s, config.max_retries)?;
        let url = format!("{}/audio/transcriptions", config.base_url.trim_end_matches('/'));
        Ok(OpenAiAudioSystem { config: config.clone(), client, url })
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
}

/// The text of a transcription response: `{"text": …}`.
fn parse(body: &serde_json::Value) -> std::result::Result<String, Failure> {
    body.get("text")
        .and_then(|t| t.as_str())
        .map(str::to_string)
        .ok_or_else(|| Failure::Fatal(format!("without a string 'text': {:?}", excerpt(&body.to_string()))))
}

impl System for OpenAiAudioSystem {
    fn kind(&self) -> &'static str {
        "openai-audio"
    }

    fn transcribe(&mut self, request: &AudioRequest) -> Result<Response> {
        let item = |message: String| Error::new(format!("item {}: {message}", request.id));
        let audio = std::fs::read(&request.audio_path).map_err(|e| item(format!("{}: {e}", request.audio_path.display())))?;
        let boundary = format!("claimbench-{:016x}", self.client.next_u64());
        let body = self.body(request, &audio, &boundary);
        let content_type = format!("multipart/form-data; boundary={boundary}");
        let (output, seconds) = self
            .client
            .call(&self.url, Some((&content_type, &body)), |reader, started| {
                let value = read_json(reader)?;
                Ok((parse(&value)?, started.elapsed().as_secs_f64()))
            })
            .map_err(item)?;
        Ok(Response { output, system_latency_s: Some(seconds), output_tokens: None, measures: Default::default() })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn responses_need_a_text() {
        assert_eq!(parse(&serde_json::json!({"text": "hello"})).ok().unwrap(), "hello");
        assert!(matches!(parse(&serde_json::json!({"words": []})), Err(Failure::Fatal(m)) if m.contains("without a string 'text'")));
    }
}
