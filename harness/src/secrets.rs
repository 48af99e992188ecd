//! Secrets: which names hold them, how a system's configuration is redacted for the manifest,
//! and the secret values this process knows of, scrubbed from everything claimbench writes or
//! prints (manifests, journals, failures, samples, caches, reports, errors, progress).

use serde_json::Value;
use std::borrow::Cow;
use std::sync::{Mutex, OnceLock};

pub const REDACTED: &str = "<redacted>";

/// Name parts that mark a secret: `DB_PASS`, `HF_AUTH`, `CREDENTIALS`, `x-api-key`, `--token`.
const SECRET_WORDS: &[&str] = &[
    "key",
    "apikey",
    "token",
    "secret",
    "secrets",
    "password",
    "passwd",
    "pass",
    "pwd",
    "passphrase",
    "auth",
    "authorization",
    "credential",
    "credentials",
    "cookie",
    "bearer",
    "session",
    "signature",
    "privatekey",
];

/// Shorter values are not scrubbed from text: they would match too much that is not secret.
const MIN_SCRUBBED: usize = 6;

fn known() -> &'static Mutex<Vec<String>> {
    static KNOWN: OnceLock<Mutex<Vec<String>>> = OnceLock::new();
    KNOWN.get_or_init(|| Mutex::new(Vec::new()))
}

/// Whether a field, flag, header or environment variable named `name` holds a secret. Names
/// ending in `_env` hold the *name* of a variable, which is not secret.
pub fn is_secret_name(name: &str) -> bool {
    let lower = name.trim_start_matches('-').to_ascii_lowercase();
    if lower.ends_with("_env") {
        return false;
    }
    // Split at punctuation and at camelCase humps: `apiKey` → api, key.
    let mut words = Vec::new();
    let mut word = String::new();
    let mut previous_lower = false;
    for c in name.trim_start_matches('-').chars() {
        if !c.is_ascii_alphanumeric() || (c.is_ascii_uppercase() && previous_lower) {
            words.push(std::mem::take(&mut word));
        }
        if c.is_ascii_alphanumeric() {
            word.push(c.to_ascii_lowercase());
        }
        previous_lower = c.is_ascii_lowercase() || c.is_ascii_digit();
    }
    words.push(word);
    words.iter().any(|w| SECRET_WORDS.contains(&w.as_str()))
        || ["password", "passwd", "secret", "credential", "apikey", "api_key", "accesskey", "access_key", "token"]
            .iter()
            .any(|s| lower.contains(s) && !lower.ends_with("tokens"))
}

/// Adds a value to those scrubbed from output.
pub fn register(value: &str) {
    let value = value.trim();
    if value.len() < MIN_SCRUBBED || value == REDACTED {
        return;
    }
    let mut known = known().lock().unwrap_or_else(|e| e.into_inner());
    // Its JSON-escaped form too, for secrets holding quotes or backslashes.
    let escaped = serde_json::to_string(value).unwrap_or_default();
    for form in [value.to_string(), escaped[1..escaped.len().saturating_sub(1)].to_string()] {
        if !form.is_empty() && !known.contains(&form) {
            known.push(form);
        }
    }
    // Longest first, so that a secret containing another is replaced whole.
    known.sort_by_key(|s| std::cmp::Reverse(s.len()));
}

/// Registers the values of this process's environment variables whose names mark secrets
/// (`OPENAI_API_KEY`, `HF_TOKEN`, …): a system may echo them.
pub fn register_environment() {
    let vars: Vec<(String, String)> =
        std::env::vars_os().filter_map(|(name, value)| Some((name.into_string().ok()?, value.into_string().ok()?))).collect();
    environment_secrets(&vars).into_iter().for_each(register);
}

/// The values of secret-named variables among `vars`. Not the working directory, nor variables
/// that point at files or sockets (SSH_AUTH_SOCK, …_CREDENTIALS_FILE): their values are paths,
/// and scrubbing them would garble every path printed.
fn environment_secrets(vars: &[(String, String)]) -> Vec<&str> {
    vars.iter()
        .filter(|(name, value)| {
            let a_path = ["PWD", "OLDPWD"].contains(&name.as_str())
                || ["_FILE", "_PATH", "_DIR", "_SOCK"].iter().any(|end| name.ends_with(end))
                || std::path::Path::new(value).exists();
            is_secret_name(name) && !a_path
        })
        .map(|(_, value)| value.as_str())
        .collect()
}

/// `text` with every known secret value replaced by `<redacted>`.
pub fn scrub(text: &str) -> Cow<'_, str> {
    let known = known().lock().unwrap_or_else(|e| e.into_inner());
    if !known.iter().any(|s| text.contains(s.as_str())) {
        return Cow::Borrowed(text);
    }
    let mut out = text.to_string();
    for secret in known.iter() {
        out = out.replace(secret.as_str(), REDACTED);
    }
    Cow::Owned(out)
}

/// `scrub` for bytes that may not be UTF-8 (invalid sequences are kept as they are).
pub fn scrub_bytes(bytes: &[u8]) -> Cow<'_, [u8]> {
    match std::str::from_utf8(bytes) {
        Ok(text) => match scrub(text) {
            Cow::Borrowed(_) => Cow::Borrowed(bytes),
            Cow::Owned(text) => Cow::Owned(text.into_bytes()),
        },
        Err(_) => Cow::Borrowed(bytes),
    }
}

/// Redacts a system configuration in place, registering every secret value it held: fields
/// with secret names (at any depth), secret flags in argument lists (`--api-key VALUE`,
/// `--token=VALUE`), and passwords and secret query parameters in URLs.
pub fn redact(value: &mut Value) {
    match value {
        Value::Object(map) => {
            for (key, inner) in map.iter_mut() {
                if is_secret_name(key) {
                    register_leaves(inner);
                    *inner = Value::String(REDACTED.to_string());
                } else {
                    redact(inner);
                }
            }
        }
        Value::Array(items) => {
            redact_args(items);
            items.iter_mut().for_each(redact);
        }
        Value::String(text) => {
            if let Some(redacted) = redact_url(text) {
                *text = redacted;
            }
        }
        _ => {}
    }
}

fn register_leaves(value: &Value) {
    match value {
        Value::String(s) => register(s),
        Value::Number(n) => register(&n.to_string()),
        Value::Array(items) => items.iter().for_each(register_leaves),
        Value::Object(map) => map.values().for_each(register_leaves),
        _ => {}
    }
}

/// `--api-key VALUE` and `--token=VALUE` in an argument list.
fn redact_args(items: &mut [Value]) {
    let mut secret_next = false;
    for item in items.iter_mut() {
        let Value::String(arg) = item else {
            secret_next = false;
            continue;
        };
        if std::mem::take(&mut secret_next) && !arg.starts_with("--") {
            register(arg);
            *arg = REDACTED.to_string();
            continue;
        }
        if !arg.starts_with('-') {
            continue;
        }
        match arg.split_once('=') {
            Some((flag, secret)) if is_secret_name(flag) => {
                register(secret);
                *arg = format!("{flag}={REDACTED}");
            }
            Some(_) => {}
            None => secret_next = is_secret_name(arg),
        }
    }
}

/// A URL with its password (or whole user-info) and secret query parameters redacted; `None`
/// when there was nothing to redact or it is not a URL.
pub fn redact_url(text: &str) -> Option<String> {
    let (scheme, rest) = text.split_once("://")?;
    if scheme.is_empty() || !scheme.chars().all(|c| c.is_ascii_alphanumeric() || "+-.".contains(c)) {
        return None;
    }
    let authority_end = rest.find(['/', '?', '#']).unwrap_or(rest.len());
    let (authority, tail) = rest.split_at(authority_end);
    let mut changed = false;
    let authority = match authority.rsplit_once('@') {
        Some((userinfo, host)) => {
            changed = true;
            match userinfo.split_once(':') {
                Some((user, password)) => {
                    register(password);
                    format!("{user}:{REDACTED}@{host}")
                }
                None => {
                    register(userinfo);
                    format!("{REDACTED}@{host}")
                }
            }
        }
        None => authority.to_string(),
    };
    let tail = match tail.split_once('?') {
        Some((path, query)) => {
            let parameters: Vec<String> = query
                .split('&')
                .map(|pair| match pair.split_once('=') {
                    Some((name, value)) if is_secret_name(name) => {
                        register(value);
                        changed = true;
                        format!("{name}={REDACTED}")
                    }
                    _ => pair.to_string(),
                })
                .collect();
            format!("{path}?{}", parameters.join("&"))
        }
        None => tail.to_string(),
    };
    changed.then(|| format!("{scheme}://{authority}{tail}"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn secret_names_are_recognised_broadly_and_only_so() {
        for name in [
            "API_KEY",
            "DB_PASS",
            "HF_AUTH",
            "CREDENTIALS",
            "passwd",
            "auth",
            "x-api-key",
            "--token",
            "apiKey",
            "Authorization",
            "GITHUB_TOKEN",
        ] {
            assert!(is_secret_name(name), "{name}");
        }
        for name in ["max_tokens", "api_key_env", "model", "author", "passage", "keyboard_layout", "MODE", "base_url"] {
            assert!(!is_secret_name(name), "{name}");
        }
    }

    #[test]
    fn secret_environment_variables_are_found_but_not_paths() {
        let vars: Vec<(String, String)> = [
            ("PWD", "/work/main"),
            ("OLDPWD", "/somewhere"),
            ("SSH_AUTH_SOCK", "/tmp/ssh-x/agent.1"),
            ("GOOGLE_CREDENTIALS_FILE", "creds.json"),
            ("DB_PASS", "hunter22"),
            ("HF_TOKEN", "hf_abcdef"),
            ("TOKEN_DIR_HINT", "/"),
            ("HOME", "/root"),
        ]
        .iter()
        .map(|(n, v)| (n.to_string(), v.to_string()))
        .collect();
        assert_eq!(environment_secrets(&vars), vec!["hunter22", "hf_abcdef"]);
    }

    #[test]
    fn configurations_are_redacted_everywhere_secrets_hide() {
        let mut v = json!({
            "program": "x",
            "args": ["serve.py", "--api-key", "sk-canary-pair", "--token=canary-equals", "--verbose", "--port", "8080"],
            "env": {"API_KEY": "s3cret-env", "DB_PASS": "canary-db", "MODE": "fast"},
            "base_url": "http://user:canary-url@host:8000/v1?api_key=canary-query&x=1",
            "extra_body": {"passwd": "canary-passwd", "auth": {"user": "u", "key": "canary-nested"}, "top_k": 5},
            "list": [{"token": "t"}],
        });
        redact(&mut v);
        assert_eq!(
            v,
            json!({
                "program": "x",
                "args": ["serve.py", "--api-key", REDACTED, "--token=<redacted>", "--verbose", "--port", "8080"],
                "env": {"API_KEY": REDACTED, "DB_PASS": REDACTED, "MODE": "fast"},
                "base_url": "http://user:<redacted>@host:8000/v1?api_key=<redacted>&x=1",
                "extra_body": {"passwd": REDACTED, "auth": REDACTED, "top_k": 5},
                "list": [{"token": REDACTED}],
            })
        );
        let said = "got sk-canary-pair, canary-equals, s3cret-env, canary-db, canary-url, canary-query, canary-passwd and canary-nested";
        assert_eq!(scrub(said), "got <redacted>, <redacted>, <redacted>, <redacted>, <redacted>, <redacted>, <redacted> and <redacted>");
        assert_eq!(scrub("nothing here"), Cow::Borrowed("nothing here"));
        assert_eq!(redact_url("http://127.0.0.1:8000/v1"), None);
    }
}
