//! A response cache for systems that answer over the network: one JSON file per answer, keyed
//! by the hash of the system's (redacted) configuration and the exact request, so a rerun or a
//! resume sends nothing already answered. It lives in `$CLAIMBENCH_CACHE/responses` (default
//! `~/.cache/claimbench/responses`); deleting the folder is always safe.

use crate::fsutil::sha256_hex;
use std::path::{Path, PathBuf};

pub struct ResponseCache {
    dir: PathBuf,
    scope: String,
}

/// The folder claimbench caches in: `$CLAIMBENCH_CACHE`, else `$XDG_CACHE_HOME/claimbench`, else
/// `~/.cache/claimbench`.
pub fn cache_root() -> PathBuf {
    if let Some(dir) = std::env::var_os("CLAIMBENCH_CACHE").filter(|v| !v.is_empty()) {
        return PathBuf::from(dir);
    }
    if let Some(dir) = std::env::var_os("XDG_CACHE_HOME").filter(|v| !v.is_empty()) {
        return Path::new(&dir).join("claimbench");
    }
    let home = std::env::var_os("HOME").map(PathBuf::from).unwrap_or_else(std::env::temp_dir);
    home.join(".cache").join("claimbench")
}

impl ResponseCache {
    /// A cache for one system configuration (`scope` is its hash).
    pub fn new(scope: &str) -> ResponseCache {
        ResponseCache { dir: cache_root().join("responses"), scope: scope.to_string() }
    }

    fn path(&self, request: &serde_json::Value) -> PathBuf {
        let key = sha256_hex(format!("{}\n{}", self.scope, request).as_bytes());
        self.dir.join(&key[..2]).join(format!("{key}.json"))
    }

    pub fn get(&self, request: &serde_json::Value) -> Option<serde_json::Value> {
        let bytes = std::fs::read(self.path(request)).ok()?;
        // A damaged entry is a miss, not an error: the request is simply sent again.
        serde_json::from_slice(&bytes).ok()
    }

    /// Stores an answer; a cache that cannot be written only costs a repeated request later.
    pub fn put(&self, request: &serde_json::Value, answer: &serde_json::Value) {
        let path = self.path(request);
        if let Some(parent) = path.parent() {
            let _ = std::fs::create_dir_all(parent);
        }
        let _ = crate::fsutil::write_json_atomic(&path, answer);
    }
}
