//! `openai`: an OpenAI-compatible text server (vLLM, SGLang, TGI, llama.cpp, OpenAI).
//! Generation streams `/v1/completions` or, for chat suites, `/v1/chat/completions`, timing the
//! first token; log-likelihoods come from `/v1/completions` with `echo` and `logprobs`. Up to
//! `concurrency` requests are in flight at once; answers are cached by request (see `cache`).

use super::cache::ResponseCache;
use super::http::{excerpt, Failure, HttpClient};
use super::{ChoicesRequest, ContinuationScore, GenerateRequest, Response, System, TextRequest};
use crate::error::{Error, Result};
use serde::{Deserialize, Serialize};
use serde_json::{json, Value};
use std::collections::BTreeMap;
use std::io::BufRead;
use std::time::Instant;

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct OpenAiConfig {
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
    /// Requests in flight at once.
    #[serde(default = "one")]
    pub concurrency: usize,
    /// Seconds one request may take.
    #[serde(default = "super::http::default_timeout_s")]
    pub timeout_s: f64,
    /// Retries after the first attempt, for 429, 5xx, connection failures and cut-off bodies.
    #[serde(default = "super::http::default_retries")]
    pub max_retries: u32,
    /// Text put before every log-likelihood prompt and not scored: the model's BOS text where the
    /// server does not add it. llama-cpp-python needs it (e.g. `<|im_start|>` for SmolLM2), else
    /// its echoed log-probabilities are one token off.
    #[serde(default)]
    pub bos_text: Option<String>,
    /// Stream generations, which times the first token. Off for servers that cannot stream.
    #[serde(default = "yes")]
    pub stream: bool,
    /// Keep answers in the response cache.
    #[serde(default = "yes")]
    pub cache: bool,
    /// Fields added to every request body, for a server's own parameters (llama-cpp-python's
    /// server applies `repeat_penalty = 1.1` unless told otherwise, even at temperature 0).
    #[serde(default)]
    pub extra_body: serde_json::Map<String, Value>,
}

fn one() -> usize {
    1
}
fn yes() -> bool {
    true
}

pub struct OpenAiSystem {
    config: OpenAiConfig,
    client: HttpClient,
    base: String,
    cache: Option<ResponseCache>,
    /// Every token's log-probability right after `bos_text`, by its text: the first token of a
    /// whole text scored from its start, which some servers' echo leaves unscored.
    after_bos: std::sync::OnceLock<std::result::Result<std::collections::HashMap<String, f64>, String>>,
}

/// Asks for the log-probabilities of (at most) this many tokens: every token of any vocabulary.
const WHOLE_VOCABULARY: u32 = 1 << 20;

impl OpenAiSystem {
    /// Checks the server is there and serves `model` before any item is asked.
    pub fn start(config: &OpenAiConfig, config_sha256: &str) -> Result<OpenAiSystem> {
        if config.concurrency == 0 {
            return Err(Error::new("openai system: concurrency must be at least 1"));
        }
        let client = HttpClient::new("openai", &config.base_url, config.api_key_env.as_deref(), config.timeout_s, config.max_retries)?;
        let base = config.base_url.trim_end_matches('/').to_string();
        let models = client
            .get_json(&format!("{base}/models"))
            .map_err(|e| Error::new(format!("openai system: {e}; is the server running and is base_url right (it ends in /v1)?")))?;
        let served: Vec<&str> =
            models.get("data").and_then(Value::as_array).into_iter().flatten().filter_map(|m| m.get("id")?.as_str()).collect();
        if !served.is_empty() && !served.contains(&config.model.as_str()) {
            return Err(Error::new(format!(
                "openai system: {base} does not serve model '{}' (it serves: {}); set model to one of them",
                config.model,
                served.join(", ")
            )));
        }
        let cache = config.cache.then(|| ResponseCache::new(config_sha256));
        Ok(OpenAiSystem { config: config.clone(), client, base, cache, after_bos: std::sync::OnceLock::new() })
    }

    fn generate_body(&self, request: &GenerateRequest<'_>) -> (String, Value) {
        let mut body = json!({
            "model": self.config.model,
            "max_tokens": request.max_tokens,
            "temperature": request.temperature,
            "seed": request.seed,
        });
        if !request.stop.is_empty() {
            body["stop"] = json!(request.stop);
        }
        if let Some(p) = request.top_p {
            body["top_p"] = json!(p);
        }
        self.add_extra(&mut body);
        let endpoint = if request.chat {
            body["messages"] = json!([{"role": "user", "content": request.prompt}]);
            "chat/completions"
        } else {
            body["prompt"] = json!(request.prompt);
            "completions"
        };
        (endpoint.to_string(), body)
    }

    fn add_extra(&self, body: &mut Value) {
        for (key, value) in &self.config.extra_body {
            body[key] = value.clone();
        }
    }

    /// A completion that echoes `prompt` with each token's log-probability and generates one
    /// token (`max_tokens: 0` means "no limit" to some servers).
    fn echo_body(&self, prompt: &str) -> Value {
        let mut body =
            json!({"model": self.config.model, "prompt": prompt, "max_tokens": 1, "temperature": 0, "echo": true, "logprobs": 1});
        self.add_extra(&mut body);
        body
    }

    fn cached(&self, endpoint: &str, body: &Value) -> (Value, Option<Value>) {
        let key = json!({"endpoint": endpoint, "body": body});
        let hit = self.cache.as_ref().and_then(|c| c.get(&key));
        (key, hit)
    }

    fn remember(&self, key: &Value, answer: &Value) {
        if let Some(cache) = &self.cache {
            cache.put(key, answer);
        }
    }

    fn generate_one(&self, request: &GenerateRequest<'_>) -> Result<Response> {
        let item = |message: String| Error::new(format!("item {}: {message}", request.id));
        let (endpoint, mut body) = self.generate_body(request);
        let (key, hit) = self.cached(&endpoint, &body);
        let from_cache = hit.is_some();
        let answer = match hit {
            Some(answer) => answer,
            None => {
                let url = format!("{}/{endpoint}", self.base);
                let chat = request.chat;
                let answer = if self.config.stream {
                    body["stream"] = json!(true);
                    let bytes = serde_json::to_vec(&body).expect("JSON values serialise");
                    self.client.call(&url, Some(("application/json", &bytes)), |reader, started| read_stream(reader, started, chat))
                } else {
                    self.client.post_json(&url, &body).and_then(|value| {
                        let text = completion_text(&value, chat).map_err(|e| format!("{url} answered {e}"))?;
                        Ok(json!({"text": text, "tokens": value.pointer("/usage/completion_tokens")}))
                    })
                }
                .map_err(item)?;
                self.remember(&key, &answer);
                answer
            }
        };
        let mut measures = BTreeMap::new();
        if let Some(ttft) = answer.get("ttft_s").and_then(Value::as_f64) {
            measures.insert(crate::protocol::TTFT.to_string(), ttft);
        }
        if from_cache {
            measures.insert("cache_hit".to_string(), 1.0);
        }
        Ok(Response {
            output: answer.get("text").and_then(Value::as_str).unwrap_or_default().to_string(),
            system_latency_s: answer.get("latency_s").and_then(Value::as_f64),
            output_tokens: answer.get("tokens").and_then(Value::as_u64),
            measures,
        })
    }

    fn loglikelihood_one(&self, request: &ChoicesRequest<'_>) -> Result<Vec<ContinuationScore>> {
        let item = |message: String| Error::new(format!("item {}: {message}", request.id));
        let prefix = self.config.bos_text.as_deref().unwrap_or_default();
        if request.rolling && prefix.is_empty() {
            // Without it the server gives the text's first token no log-probability.
            return Err(item("scoring a whole text needs bos_text, the model's beginning-of-text token as text (e.g. \"<|im_start|>\"), to condition its first token on".to_string()));
        }
        let url = format!("{}/completions", self.base);
        let mut scores = Vec::with_capacity(request.continuations.len());
        for continuation in request.continuations {
            let prompt = format!("{prefix}{}{continuation}", request.context);
            let body = self.echo_body(&prompt);
            let (key, hit) = self.cached("completions", &body);
            let score = match hit.and_then(|v| serde_json::from_value::<ContinuationScore>(v).ok()) {
                Some(score) => score,
                None => {
                    let value = self
                        .client
                        .post_json(&url, &body)
                        .map_err(|e| if e.to_lowercase().contains("logprob") { format!("{e}; {NO_LOGPROBS}") } else { e })
                        .map_err(item)?;
                    let first_token = |token: &str| self.logprob_after_bos(token);
                    let score = continuation_score(&value, &prompt, continuation, request.rolling.then_some(&first_token))
                        .map_err(|e| item(format!("{url}: {e}")))?;
                    self.remember(&key, &serde_json::to_value(&score).expect("scores serialise"));
                    score
                }
            };
            scores.push(score);
        }
        Ok(scores)
    }

    /// The log-probability of `token` (by its text) as the first token after `bos_text`, from one
    /// request for the whole distribution there (cached like every answer).
    fn logprob_after_bos(&self, token: &str) -> std::result::Result<f64, String> {
        let distribution = self.after_bos.get_or_init(|| {
            let prefix = self.config.bos_text.clone().unwrap_or_default();
            let mut body =
                json!({"model": self.config.model, "prompt": prefix, "max_tokens": 1, "temperature": 0, "logprobs": WHOLE_VOCABULARY});
            self.add_extra(&mut body);
            let (key, hit) = self.cached("completions", &body);
            let value = match hit {
                Some(value) => value,
                None => {
                    let value = self.client.post_json(&format!("{}/completions", self.base), &body)?;
                    self.remember(&key, &value);
                    value
                }
            };
            let top = value
                .pointer("/choices/0/logprobs/top_logprobs/0")
                .and_then(Value::as_object)
                .ok_or("gave no top log-probabilities after bos_text")?;
            Ok(top.iter().filter_map(|(token, logprob)| Some((token.clone(), logprob.as_f64()?))).collect())
        });
        let distribution = distribution.as_ref().map_err(|e| format!("the first token's log-probability after bos_text: {e}"))?;
        distribution.get(token).copied().ok_or_else(|| {
            format!(
                "gave no log-probability for the text's first token {token:?}, in the echo or among the {} after bos_text",
                distribution.len()
            )
        })
    }

    fn answer(&self, request: &TextRequest<'_>) -> Result<Response> {
        match request {
            TextRequest::Generate(r) => self.generate_one(r),
            TextRequest::Choices(r) => super::timed_choices(|| self.loglikelihood_one(r)),
        }
    }
}

/// The generated text of a (non-streamed) completion or chat completion.
fn completion_text(value: &Value, chat: bool) -> std::result::Result<String, String> {
    let choice = value.pointer("/choices/0").ok_or_else(|| format!("without choices: {:?}", excerpt(&value.to_string())))?;
    let text = if chat { choice.pointer("/message/content") } else { choice.get("text") };
    text.and_then(Value::as_str).map(str::to_string).ok_or_else(|| format!("without generated text: {:?}", excerpt(&value.to_string())))
}

/// Reads a server-sent event stream to its `[DONE]`, timing the first text. A stream that ends
/// early is retried; a server that answers with plain JSON instead is accepted.
fn read_stream(reader: &mut dyn std::io::Read, started: Instant, chat: bool) -> std::result::Result<Value, Failure> {
    let mut lines = std::io::BufReader::new(reader);
    let mut text = String::new();
    let (mut ttft, mut chunks, mut done) = (None, 0u64, false);
    let mut line = String::new();
    let mut plain = String::new();
    loop {
        line.clear();
        let n = lines.read_line(&mut line).map_err(|e| Failure::Retry(format!("with a stream that broke off: {e}")))?;
        if n == 0 {
            break;
        }
        let trimmed = line.trim_end();
        let Some(data) = trimmed.strip_prefix("data:") else {
            if !trimmed.is_empty() && !trimmed.starts_with(':') && !trimmed.starts_with("event:") {
                plain.push_str(&line);
            }
            continue;
        };
        let data = data.trim();
        if data == "[DONE]" {
            done = true;
            break;
        }
        let event: Value =
            serde_json::from_str(data).map_err(|_| Failure::Retry(format!("an event that is not JSON: {:?}", excerpt(data))))?;
        if let Some(error) = event.get("error") {
            return Err(Failure::Fatal(format!("an error: {}", excerpt(&error.to_string()))));
        }
        let piece = if chat { event.pointer("/choices/0/delta/content") } else { event.pointer("/choices/0/text") };
        if let Some(piece) = piece.and_then(Value::as_str) {
            if !piece.is_empty() {
                ttft.get_or_insert_with(|| started.elapsed().as_secs_f64());
                chunks += 1;
                text.push_str(piece);
            }
        }
    }
    let latency = started.elapsed().as_secs_f64();
    if !done {
        if !plain.trim().is_empty() {
            // Not a stream after all: a whole JSON answer.
            let value: Value =
                serde_json::from_str(&plain).map_err(|_| Failure::Retry(format!("with a body that is not JSON: {:?}", excerpt(&plain))))?;
            let text = completion_text(&value, chat).map_err(Failure::Fatal)?;
            return Ok(json!({"text": text, "latency_s": latency, "tokens": value.pointer("/usage/completion_tokens")}));
        }
        return Err(Failure::Retry("with a stream that ended before [DONE]".to_string()));
    }
    Ok(json!({"text": text, "latency_s": latency, "ttft_s": ttft.unwrap_or(latency), "tokens": chunks}))
}

const NO_LOGPROBS: &str = "scoring choices needs the prompt's log-probabilities (echo with logprobs), which this server does not give (llama.cpp's llama-server never does; llama-cpp-python needs --logits_all true); use a multiple-choice suite with mode = \"letter\" instead";

/// Where the log-probability of a whole text's first token is looked up.
type FirstToken<'a> = &'a dyn Fn(&str) -> std::result::Result<f64, String>;

/// The log-likelihood of `continuation` at the end of an echoed prompt. Tokens are matched from
/// the end by their text, so it does not matter how a server counts text offsets: first the
/// generated token(s) are set aside, then the continuation's tokens are collected. For a whole
/// text (`first_token` given), a first token the echo leaves unscored (llama-cpp-python leaves
/// the BOS token out of it) is looked up there.
fn continuation_score(
    value: &Value,
    prompt: &str,
    continuation: &str,
    first_token: Option<FirstToken<'_>>,
) -> std::result::Result<ContinuationScore, String> {
    let choice = value.pointer("/choices/0").ok_or_else(|| format!("answered without choices: {:?}", excerpt(&value.to_string())))?;
    let logprobs =
        choice.get("logprobs").filter(|l| !l.is_null()).ok_or_else(|| format!("answered without log-probabilities; {NO_LOGPROBS}"))?;
    let tokens: Vec<&str> = logprobs.get("tokens").and_then(Value::as_array).into_iter().flatten().filter_map(Value::as_str).collect();
    let values: Vec<Option<f64>> =
        logprobs.get("token_logprobs").and_then(Value::as_array).into_iter().flatten().map(Value::as_f64).collect();
    let tops: Vec<Option<&serde_json::Map<String, Value>>> =
        logprobs.get("top_logprobs").and_then(Value::as_array).into_iter().flatten().map(Value::as_object).collect();
    if tokens.is_empty() || tokens.len() != values.len() {
        return Err("answered with log-probabilities that do not cover the echoed prompt (tokens and token_logprobs differ in length); does the server support echo?".to_string());
    }
    let text = choice.get("text").and_then(Value::as_str).unwrap_or_default();
    let generated = text.strip_prefix(prompt).ok_or("did not echo the prompt (it needs `echo: true` support)")?;
    let mut end = tokens.len();
    let mut tail = String::new();
    while tail.len() < generated.len() && end > 0 {
        end -= 1;
        tail.insert_str(0, tokens[end]);
    }
    if tail != generated {
        return Err(format!(
            "echoed tokens do not end with the generated text {generated:?}: the echo looks shifted by one token (llama-cpp-python does this unless the prompt starts with the model's BOS text; set bos_text, e.g. \"<|im_start|>\")"
        ));
    }
    let mut taken = String::new();
    let mut start = end;
    while taken.len() < continuation.len() && start > 0 {
        start -= 1;
        taken.insert_str(0, tokens[start]);
    }
    if taken != continuation {
        return Err(format!(
            "the continuation {continuation:?} does not start on a token boundary (the server's tokens end with {taken:?}); end the context with a space or newline"
        ));
    }
    let mut total = 0.0;
    let mut greedy = true;
    for i in start..end {
        total += match (values[i], first_token) {
            (Some(logprob), _) => logprob,
            (None, Some(lookup)) if i == start => lookup(tokens[i])?,
            (None, _) => return Err("gave no log-probability for a continuation token".to_string()),
        };
        let best = tops
            .get(i)
            .copied()
            .flatten()
            .and_then(|top| top.iter().max_by(|a, b| a.1.as_f64().partial_cmp(&b.1.as_f64()).unwrap_or(std::cmp::Ordering::Equal)));
        greedy &= best.is_some_and(|(token, _)| token == tokens[i]);
    }
    Ok(ContinuationScore { logprob: total, greedy, tokens: end - start })
}

impl System for OpenAiSystem {
    fn kind(&self) -> &'static str {
        "openai"
    }

    fn concurrency(&self) -> usize {
        self.config.concurrency
    }

    /// One known sentence scored as a continuation, uncached: the server must echo the prompt
    /// with a log-probability for every token, unshifted.
    fn preflight_loglikelihood(&mut self) -> Result<()> {
        let (context, continuation) = ("The capital of France is", " Paris.");
        let prompt = format!("{}{context}{continuation}", self.config.bos_text.as_deref().unwrap_or_default());
        let body = self.echo_body(&prompt);
        let url = format!("{}/completions", self.base);
        let refused = |why: String| Error::new(format!("log-likelihood preflight against {url}, before any item was asked: {why}"));
        let value = self
            .client
            .post_json(&url, &body)
            .map_err(|e| refused(if e.to_lowercase().contains("logprob") { format!("{e}; {NO_LOGPROBS}") } else { e }))?;
        let score = continuation_score(&value, &prompt, continuation, None).map_err(refused)?;
        if !(score.logprob.is_finite() && score.logprob < 0.0 && score.tokens > 0) {
            return Err(refused(format!(
                "the continuation {continuation:?} scored {} over {} tokens, not a log-probability",
                score.logprob, score.tokens
            )));
        }
        Ok(())
    }

    fn answer_text(&mut self, requests: &[TextRequest<'_>]) -> Vec<Result<Response>> {
        if requests.len() <= 1 || self.config.concurrency <= 1 {
            return requests.iter().map(|r| self.answer(r)).collect();
        }
        let next = std::sync::atomic::AtomicUsize::new(0);
        let answers: Vec<std::sync::Mutex<Option<Result<Response>>>> = requests.iter().map(|_| std::sync::Mutex::new(None)).collect();
        let this: &OpenAiSystem = self;
        std::thread::scope(|scope| {
            for _ in 0..this.config.concurrency.min(requests.len()) {
                scope.spawn(|| loop {
                    let i = next.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
                    let Some(request) = requests.get(i) else { break };
                    let answer = this.answer(request);
                    if let Ok(mut slot) = answers[i].lock() {
                        *slot = Some(answer);
                    }
                });
            }
        });
        answers
            .into_iter()
            .map(|slot| slot.into_inner().ok().flatten().unwrap_or_else(|| Err(Error::new("a request worker stopped without an answer"))))
            .collect()
    }

    fn generate(&mut self, request: &GenerateRequest<'_>) -> Result<Response> {
        self.generate_one(request)
    }

    fn loglikelihood(&mut self, request: &ChoicesRequest<'_>) -> Result<Vec<ContinuationScore>> {
        self.loglikelihood_one(request)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn echoed(tokens: &[&str], logprobs: &[Option<f64>], text: &str) -> Value {
        let tops: Vec<Value> = tokens.iter().zip(logprobs).map(|(t, l)| json!({ *t: l })).collect();
        json!({"choices": [{"text": text, "logprobs": {"tokens": tokens, "token_logprobs": logprobs, "top_logprobs": tops}}]})
    }

    #[test]
    fn continuation_tokens_are_found_from_the_end() {
        let v = echoed(
            &["Answer", ":", " ", "4", "2", "\n"],
            &[None, Some(-1.0), Some(-0.5), Some(-2.0), Some(-0.25), Some(-0.1)],
            "Answer: 42\n",
        );
        let s = continuation_score(&v, "Answer: 42", " 42", None).unwrap();
        assert_eq!((s.logprob, s.tokens, s.greedy), (-2.75, 3, true));
        let merged = echoed(&["Answer", ": 4", "2"], &[None, Some(-1.0), Some(-1.0)], "Answer: 42");
        assert!(continuation_score(&merged, "Answer: 42", " 42", None).unwrap_err().contains("token boundary"));
        let none = json!({"choices": [{"text": "x", "logprobs": null}]});
        assert!(continuation_score(&none, "x", "x", None).unwrap_err().contains("without log-probabilities"));

        // A whole text after the BOS text, echoed without the BOS token: the first token's
        // log-probability comes from the lookup.
        let whole = echoed(&["Jan", "et", "."], &[None, Some(-8.0), Some(-1.0)], "<|im_start|>Janet.");
        let lookup = |token: &str| if token == "Jan" { Ok(-12.5) } else { Err(format!("no {token}")) };
        let s = continuation_score(&whole, "<|im_start|>Janet", "Janet", Some(&lookup)).unwrap();
        assert_eq!((s.logprob, s.tokens), (-20.5, 2));
        assert!(continuation_score(&whole, "<|im_start|>Janet", "Janet", None).unwrap_err().contains("no log-probability"));
    }

    #[test]
    fn streams_need_their_done() {
        let stream = "data: {\"choices\":[{\"text\":\"4\"}]}\n\ndata: {\"choices\":[{\"text\":\"2\"}]}\n\ndata: [DONE]\n\n";
        let v = read_stream(&mut stream.as_bytes(), Instant::now(), false).ok().unwrap();
        assert_eq!((v["text"].as_str(), v["tokens"].as_u64()), (Some("42"), Some(2)));
        let cut = "data: {\"choices\":[{\"text\":\"4\"}]}\n\n";
        assert!(matches!(read_stream(&mut cut.as_bytes(), Instant::now(), false), Err(Failure::Retry(m)) if m.contains("[DONE]")));
        let plain = "{\"choices\":[{\"message\":{\"content\":\"hi\"}}]}";
        assert_eq!(read_stream(&mut plain.as_bytes(), Instant::now(), true).ok().unwrap()["text"], "hi");
    }
}
