//! File helpers shared by every stage: hashing and atomic writes.

use crate::error::{Error, IoContext, Result};
use sha2::{Digest, Sha256};
use std::io::Write;
use std::path::Path;

pub fn sha256_hex(bytes: &[u8]) -> String {
    hex(&Sha256::digest(bytes))
}

/// Lowercase hexadecimal of `bytes`.
pub fn hex(bytes: &[u8]) -> String {
    const DIGITS: &[u8; 16] = b"0123456789abcdef";
    let mut text = String::with_capacity(bytes.len() * 2);
    for b in bytes {
        text.push(char::from(DIGITS[usize::from(b >> 4)]));
        text.push(char::from(DIGITS[usize::from(b & 15)]));
    }
    text
}

pub fn sha256_file(path: &Path) -> Result<String> {
    let bytes = std::fs::read(path).with_path(path)?;
    Ok(sha256_hex(&bytes))
}

pub fn read_to_string(path: &Path) -> Result<String> {
    let bytes = std::fs::read(path).with_path(path)?;
    String::from_utf8(bytes).map_err(|e| Error::in_file(path, format!("not valid UTF-8: {e}")))
}

/// Writes through a temporary file in the same directory and renames it into place, so a crash
/// never leaves a half-written file under the final name; every known secret is scrubbed from
/// text first.
pub fn write_atomic(path: &Path, bytes: &[u8]) -> Result<()> {
    let bytes = crate::secrets::scrub_bytes(bytes);
    write_atomic_with(path, |file| file.write_all(&bytes).map_err(|e| Error::in_file(path, e)))
}

pub fn write_atomic_with(path: &Path, write: impl FnOnce(&mut std::fs::File) -> Result<()>) -> Result<()> {
    let file_name = path.file_name().ok_or_else(|| Error::in_file(path, "not a file path"))?;
    let tmp = path.with_file_name(format!(".{}.tmp-{}", file_name.to_string_lossy(), std::process::id()));
    let result = (|| {
        let mut file = std::fs::File::create(&tmp).with_path(&tmp)?;
        write(&mut file)?;
        file.sync_all().with_path(&tmp)?;
        std::fs::rename(&tmp, path).with_path(path)
    })();
    if result.is_err() {
        let _ = std::fs::remove_file(&tmp);
    }
    result
}

pub fn write_json_atomic<T: serde::Serialize>(path: &Path, value: &T) -> Result<()> {
    write_atomic(path, &json_bytes(value).map_err(|e| Error::in_file(path, e))?)
}

/// Pretty JSON with a final newline: how every JSON file of a run and a bundle is written.
pub fn json_bytes<T: serde::Serialize>(value: &T) -> serde_json::Result<Vec<u8>> {
    let mut text = serde_json::to_string_pretty(value)?;
    text.push('\n');
    Ok(text.into_bytes())
}

pub fn read_json<T: serde::de::DeserializeOwned>(path: &Path) -> Result<T> {
    let text = read_to_string(path)?;
    serde_json::from_str(&text).map_err(|e| Error::at(path, e.line(), e.column(), e))
}

/// A private directory under the system's temporary directory, removed with everything in
/// it when dropped (a LAMMPS run's inputs, a decoder's control pipe, an unpacked bundle).
pub struct ScratchDir {
    path: std::path::PathBuf,
}

impl ScratchDir {
    pub fn new(purpose: &str) -> Result<ScratchDir> {
        static COUNT: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);
        let nanos = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map_or(0, |d| d.as_nanos());
        let count = COUNT.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        let path = std::env::temp_dir().join(format!("claimbench-{purpose}-{}-{nanos}-{count}", std::process::id()));
        std::fs::create_dir_all(&path).with_path(&path)?;
        Ok(ScratchDir { path })
    }

    pub fn path(&self) -> &Path {
        &self.path
    }
}

impl Drop for ScratchDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.path);
    }
}

/// `relative` taken from `base` (a directory relative to some root), with `.` and `..`
/// resolved by name: the path relative to the root, or `None` when `relative` is absolute or
/// climbs out of the root. Nothing on disk is consulted, so the answer is the same in a live
/// dataset and in an unpacked bundle.
pub fn join_inside(base: &Path, relative: &str) -> Option<std::path::PathBuf> {
    use std::path::Component;
    let relative = Path::new(relative);
    if relative.has_root() || relative.as_os_str().is_empty() {
        return None;
    }
    let mut parts: Vec<&std::ffi::OsStr> = Vec::new();
    for component in base.components().chain(relative.components()) {
        match component {
            Component::Normal(part) => parts.push(part),
            Component::CurDir => {}
            Component::ParentDir => {
                parts.pop()?;
            }
            Component::RootDir | Component::Prefix(_) => return None,
        }
    }
    Some(parts.iter().collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn joined_paths_stay_inside_their_root() {
        let inside = |base: &str, rel: &str| join_inside(Path::new(base), rel).map(|p| p.display().to_string());
        assert_eq!(inside("claims", "../runs/r1").as_deref(), Some("runs/r1"));
        assert_eq!(inside("a/b", "./c/../d.wav").as_deref(), Some("a/b/d.wav"));
        assert_eq!(inside("", "x.wav").as_deref(), Some("x.wav"));
        for (base, rel) in [("claims", "../../etc"), ("", "../x.wav"), ("a", "/etc/passwd"), ("a", ""), ("a/b", "../../../x")] {
            assert_eq!(inside(base, rel), None, "{base} + {rel}");
        }
    }

    #[test]
    fn sha256_matches_known_vector() {
        assert_eq!(sha256_hex(b"abc"), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
    }

    #[test]
    fn atomic_write_replaces_content_and_leaves_no_temp() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("x.json");
        write_atomic(&path, b"one").unwrap();
        write_atomic(&path, b"two").unwrap();
        assert_eq!(std::fs::read(&path).unwrap(), b"two");
        assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 1);
    }
}
