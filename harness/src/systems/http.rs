//! The HTTP client the OpenAI-compatible systems share: a per-request timeout, the API key from
//! an environment variable (sent, never written), and retries with exponential backoff and
//! jitter on what a retry can fix (HTTP 429 and 5xx, connection errors, a cut-off body),
//! honouring `Retry-After`.

use crate::error::{Error, Result};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// Seconds one request may take, unless a system config says otherwise.
pub fn default_timeout_s() -> f64 {
    120.0
}

/// Retries after the first attempt, unless a system config says otherwise.
pub fn default_retries() -> u32 {
    5
}

pub struct HttpClient {
    agent: ureq::Agent,
    api_key: Option<String>,
    max_retries: u32,
    jitter: Mutex<crate::stats::rng::Rng>,
    /// Requests the server answered; a server that answered and then cannot be reached went away.
    answered: AtomicU64,
}

/// Why an answered request did not give a result.
pub enum Failure {
    /// Worth another attempt (a cut-off or garbled body).
    Retry(String),
    /// Another attempt would get the same answer.
    Fatal(String),
}

impl HttpClient {
    /// `system` names the system kind in messages; `api_key_env` the variable holding the key.
    pub fn new(system: &str, base_url: &str, api_key_env: Option<&str>, timeout_s: f64, max_retries: u32) -> Result<HttpClient> {
        if !(base_url.starts_with("http://") || base_url.starts_with("https://")) {
            return Err(Error::new(format!("{system} system: base_url '{base_url}' must start with http:// or https://")));
        }
        if !(timeout_s > 0.0 && timeout_s.is_finite()) {
            return Err(Error::new(format!("{system} system: timeout_s must be a positive number")));
        }
        let api_key = match api_key_env {
            Some(var) => Some(
                std::env::var(var)
                    .inspect(|key| crate::secrets::register(key))
                    .map_err(|_| Error::new(format!("{system} system: environment variable {var} (api_key_env) is not set")))?,
            ),
            None => None,
        };
        let agent: ureq::Agent = ureq::Agent::config_builder()
            .timeout_global(Some(Duration::from_secs_f64(timeout_s)))
            .http_status_as_error(false)
            .build()
            .into();
        Ok(HttpClient { agent, api_key, max_retries, jitter: Mutex::new(crate::stats::rng::Rng::new(0x5eed)), answered: AtomicU64::new(0) })
    }

    /// Seconds to wait before retry `attempt` (1-based): `Retry-After` when given, else
    /// exponential backoff with full jitter, capped at 30 s.
    pub fn backoff(&self, attempt: u32, retry_after: Option<f64>) -> Duration {
        if let Some(seconds) = retry_after {
            return Duration::from_secs_f64(seconds.clamp(0.0, 60.0));
        }
        let ceiling = (0.25 * 2f64.powi(attempt as i32 - 1)).min(30.0);
        let draw = self.jitter.lock().map(|mut rng| rng.next_f64()).unwrap_or(0.5);
        Duration::from_secs_f64(ceiling * (0.5 + 0.5 * draw))
    }

    pub fn next_u64(&self) -> u64 {
        self.jitter.lock().map(|mut rng| rng.next_u64()).unwrap_or(0)
    }

    /// Sends `body` (a POST; a GET when `None`) until `read` accepts a successful answer or the
    /// retries run out. `read` gets the body and the time the request was sent.
    pub fn call<T>(
        &self,
        url: &str,
        body: Option<(&str, &[u8])>,
        mut read: impl FnMut(&mut dyn std::io::Read, Instant) -> std::result::Result<T, Failure>,
    ) -> std::result::Result<T, String> {
        let mut attempt = 0;
        loop {
            let started = Instant::now();
            let sent = match body {
                Some((content_type, bytes)) => {
                    let mut call = self.agent.post(url).header("Content-Type", content_type);
                    if let Some(key) = &self.api_key {
                        call = call.header("Authorization", &format!("Bearer {key}"));
                    }
                    call.send(bytes)
                }
                None => {
                    let mut call = self.agent.get(url);
                    if let Some(key) = &self.api_key {
                        call = call.header("Authorization", &format!("Bearer {key}"));
                    }
                    call.call()
                }
            };
            let (retryable, problem, retry_after) = match sent {
                Ok(mut response) => {
                    self.answered.fetch_add(1, Ordering::Relaxed);
                    let status = response.status().as_u16();
                    let retry_after =
                        response.headers().get("retry-after").and_then(|v| v.to_str().ok()).and_then(|v| v.trim().parse::<f64>().ok());
                    if (200..300).contains(&status) {
                        let mut reader = response.body_mut().with_config().limit(256 << 20).reader();
                        match read(&mut reader, started) {
                            Ok(value) => return Ok(value),
                            Err(Failure::Retry(why)) => (true, format!("{url} answered HTTP {status} {why}"), None),
                            Err(Failure::Fatal(why)) => (false, format!("{url} answered HTTP {status} {why}"), None),
                        }
                    } else {
                        let text = response.body_mut().read_to_string().unwrap_or_default();
                        let retryable = status == 429 || status >= 500;
                        (retryable, format!("{url} answered HTTP {status}: {:?}", excerpt(&text)), retry_after)
                    }
                }
                Err(e) => (true, self.unreachable(url, &e), None),
            };
            if !retryable || attempt >= self.max_retries {
                let tries = if retryable { format!(" (after {} attempts)", attempt + 1) } else { String::new() };
                return Err(format!("{problem}{tries}"));
            }
            attempt += 1;
            std::thread::sleep(self.backoff(attempt, retry_after));
        }
    }

    fn unreachable(&self, url: &str, error: &ureq::Error) -> String {
        match self.answered.load(Ordering::Relaxed) {
            0 => format!("cannot reach {url}: {error}"),
            n => format!("cannot reach {url}: {error}; the server went away (it had answered {n} requests: stopped or crashed?)"),
        }
    }

    /// A JSON request and its JSON answer.
    pub fn post_json(&self, url: &str, body: &serde_json::Value) -> std::result::Result<serde_json::Value, String> {
        let bytes = serde_json::to_vec(body).expect("JSON values serialise");
        self.call(url, Some(("application/json", &bytes)), |reader, _| read_json(reader))
    }

    pub fn get_json(&self, url: &str) -> std::result::Result<serde_json::Value, String> {
        self.call(url, None, |reader, _| read_json(reader))
    }
}

/// A whole JSON body; a body that is cut off or not JSON may be a passing fault, so it is retried.
pub fn read_json(reader: &mut dyn std::io::Read) -> std::result::Result<serde_json::Value, Failure> {
    let mut text = String::new();
    reader.read_to_string(&mut text).map_err(|e| Failure::Retry(format!("with a body that broke off: {e}")))?;
    serde_json::from_str(&text).map_err(|_| Failure::Retry(format!("with a body that is not JSON: {:?}", excerpt(&text))))
}

pub fn excerpt(body: &str) -> String {
    body.chars().take(200).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bodies_that_are_not_json_are_retried() {
        assert!(matches!(read_json(&mut "<html>".as_bytes()), Err(Failure::Retry(m)) if m.contains("not JSON")));
        assert_eq!(read_json(&mut "{\"a\": 1}".as_bytes()).ok().unwrap()["a"], 1);
    }

    #[test]
    fn backoff_grows_and_honours_retry_after() {
        let client = HttpClient::new("test", "http://127.0.0.1:9/v1", None, 1.0, 3).unwrap();
        assert_eq!(client.backoff(1, Some(2.0)), Duration::from_secs(2));
        let (first, fourth) = (client.backoff(1, None), client.backoff(4, None));
        assert!(first <= Duration::from_millis(250) && fourth >= Duration::from_secs(1), "{first:?} {fourth:?}");
        assert!(HttpClient::new("test", "ftp://x", None, 1.0, 3).is_err());
        assert!(HttpClient::new("test", "http://x", None, 0.0, 3).is_err());
    }

    #[test]
    fn a_server_that_answered_and_then_cannot_be_reached_went_away() {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let url = format!("http://{}/v1/models", listener.local_addr().unwrap());
        let server = std::thread::spawn(move || {
            use std::io::{Read, Write};
            let (mut stream, _) = listener.accept().unwrap();
            let mut request = [0u8; 1024];
            let _ = stream.read(&mut request).unwrap();
            stream.write_all(b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\nConnection: close\r\n\r\n{}").unwrap();
        });
        let client = HttpClient::new("test", &url, None, 5.0, 0).unwrap();
        let never_answered = client.get_json(&url.replace(&url[7..url.find("/v1").unwrap()], "127.0.0.1:9")).unwrap_err();
        assert!(never_answered.contains("cannot reach") && !never_answered.contains("went away"), "{never_answered}");
        client.get_json(&url).unwrap();
        server.join().unwrap();
        // The listener is gone now: the same address refuses.
        let gone = client.get_json(&url).unwrap_err();
        assert!(gone.contains("cannot reach") && gone.contains("went away") && gone.contains("answered 1 requests"), "{gone}");
    }
}
