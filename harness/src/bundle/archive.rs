//! The bundle file: a tar archive compressed with zstd, written deterministically (sorted
//! paths, zero times, fixed modes) so that the same evidence gives the same bytes, and read
//! defensively: someone else's bundle is untrusted input.

use crate::error::{Error, IoContext, Result};
use sha2::Digest;
use std::collections::BTreeMap;
use std::io::Read;
use std::path::{Component, Path};

/// Limits on what opening a bundle may unpack.
#[derive(Debug, Clone, Copy)]
pub struct Limits {
    pub max_bytes: u64,
    pub max_files: usize,
}

impl Default for Limits {
    fn default() -> Self {
        Limits { max_bytes: 4 << 30, max_files: 100_000 }
    }
}

/// Writes `files` (bundle path → content) as a zstd-compressed tar.
pub fn write(path: &Path, files: &BTreeMap<String, Vec<u8>>) -> Result<()> {
    let mut builder = tar::Builder::new(Vec::new());
    for (name, content) in files {
        let mut header = tar::Header::new_ustar();
        header.set_size(content.len() as u64);
        header.set_mode(0o644);
        header.set_mtime(0);
        header.set_entry_type(tar::EntryType::Regular);
        builder.append_data(&mut header, name, content.as_slice()).map_err(|e| Error::in_file(path, format!("cannot add {name}: {e}")))?;
    }
    let tar = builder.into_inner().map_err(|e| Error::in_file(path, e))?;
    let compressed = ruzstd::encoding::compress_to_vec(tar.as_slice(), ruzstd::encoding::CompressionLevel::Fastest);
    crate::fsutil::write_atomic(path, &compressed)
}

/// The most `index.json` and `signature.json` may hold: both are read into memory and parsed,
/// so a hostile bundle must not make them large (an honest index lists ~150 bytes per file).
pub const MAX_INDEX_BYTES: u64 = 32 << 20;
pub const MAX_SIGNATURE_BYTES: u64 = 64 << 10;

/// Reads every file of a bundle into memory (for small bundles and tests; `unpack` is the
/// bounded reader). Nothing is written to disk.
pub fn read(path: &Path, limits: Limits) -> Result<BTreeMap<String, Vec<u8>>> {
    let mut files = BTreeMap::new();
    entries(path, limits, |name, content| {
        let mut bytes = Vec::new();
        content.read_to_end(&mut bytes)?;
        files.insert(name.to_string(), bytes);
        Ok(())
    })?;
    Ok(files)
}

/// A file unpacked to disk: its content hash and size.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UnpackedFile {
    pub sha256: String,
    pub bytes: u64,
}

/// What `unpack` found: every file's hash and size, and the bytes of the index and signature.
pub struct Contents {
    pub files: BTreeMap<String, UnpackedFile>,
    pub small: BTreeMap<String, Vec<u8>>,
}

/// Unpacks a bundle's files under `dest`, hashing them on the way; only `index.json` and
/// `signature.json` are kept in memory, each within its cap, so memory stays bounded whatever
/// the bundle holds. Returns every file's hash and size, and the two small files' bytes.
pub fn unpack(path: &Path, limits: Limits, dest: &Path) -> Result<Contents> {
    let mut unpacked = BTreeMap::new();
    let mut small = BTreeMap::new();
    entries(path, limits, |name, content| {
        let target = dest.join(name);
        if let Some(parent) = target.parent() {
            std::fs::create_dir_all(parent)?;
        }
        let mut file = std::fs::File::create(&target)?;
        let mut hashing = HashingWriter { inner: &mut file, hasher: sha2::Sha256::new(), bytes: 0 };
        let cap = match name {
            super::INDEX => Some(MAX_INDEX_BYTES),
            super::SIGNATURE => Some(MAX_SIGNATURE_BYTES),
            _ => None,
        };
        match cap {
            Some(cap) => {
                let mut bytes = Vec::new();
                content.take(cap + 1).read_to_end(&mut bytes)?;
                if bytes.len() as u64 > cap {
                    return Err(std::io::Error::other(format!("refused: larger than the limit of {cap} bytes")));
                }
                std::io::Write::write_all(&mut hashing, &bytes)?;
                small.insert(name.to_string(), bytes);
            }
            None => {
                std::io::copy(content, &mut hashing)?;
            }
        }
        let (sha256, bytes) = (crate::fsutil::hex(&hashing.hasher.finalize()), hashing.bytes);
        unpacked.insert(name.to_string(), UnpackedFile { sha256, bytes });
        Ok(())
    })?;
    Ok(Contents { files: unpacked, small })
}

struct HashingWriter<'a> {
    inner: &'a mut std::fs::File,
    hasher: sha2::Sha256,
    bytes: u64,
}

impl std::io::Write for HashingWriter<'_> {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        let n = self.inner.write(buf)?;
        self.hasher.update(&buf[..n]);
        self.bytes += n as u64;
        Ok(n)
    }
    fn flush(&mut self) -> std::io::Result<()> {
        self.inner.flush()
    }
}

/// Counts what the decoder hands out, so that running into the size limit reads as that and
/// not as a damaged archive.
struct Counted<R> {
    inner: R,
    count: std::rc::Rc<std::cell::Cell<u64>>,
}

impl<R: Read> Read for Counted<R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.count.set(self.count.get() + n as u64);
        Ok(n)
    }
}

/// Streams every entry of a bundle to `visit`, refusing anything that is not a plain file with
/// a plain relative path, and stopping at the size and count limits.
fn entries(path: &Path, limits: Limits, mut visit: impl FnMut(&str, &mut dyn Read) -> std::io::Result<()>) -> Result<()> {
    let refuse = |message: String| Error::in_file(path, format!("refused: {message}"));
    let mut file = std::fs::File::open(path).with_path(path)?;
    let mut head = [0u8; 18];
    let got = file.read(&mut head).with_path(path)?;
    if let Some(declared) = declared_content_size(&head[..got]) {
        if declared > limits.max_bytes {
            return Err(refuse(format!("the archive declares {declared} bytes uncompressed, over the limit of {}", limits.max_bytes)));
        }
    }
    let file = std::fs::File::open(path).with_path(path)?;
    let decoder =
        ruzstd::decoding::StreamingDecoder::new(file).map_err(|e| Error::in_file(path, format!("not a zstd-compressed bundle: {e}")))?;
    let count = std::rc::Rc::new(std::cell::Cell::new(0));
    // One byte over the limit tells "too large" from "exactly at the limit".
    let capped = Counted { inner: decoder, count: count.clone() }.take(limits.max_bytes + 1);
    let over_limit = || count.get() > limits.max_bytes;
    let too_large = || refuse(format!("the archive unpacks to more than the limit of {} bytes", limits.max_bytes));
    let damaged = |what: String, e: std::io::Error| if over_limit() { too_large() } else { Error::in_file(path, format!("{what}: {e}")) };
    let mut archive = tar::Archive::new(capped);
    let mut seen = std::collections::BTreeSet::new();
    for entry in archive.entries().map_err(|e| damaged("damaged archive".to_string(), e))? {
        let mut entry = entry.map_err(|e| damaged("damaged archive".to_string(), e))?;
        let name = String::from_utf8_lossy(&entry.path_bytes()).into_owned();
        let kind = entry.header().entry_type();
        if kind.is_dir() {
            continue;
        }
        if !kind.is_file() {
            return Err(refuse(format!("entry '{name}' is a {kind:?}, not a plain file (links and devices are never unpacked)")));
        }
        check_name(&name).map_err(|why| refuse(format!("entry '{name}': {why}")))?;
        if seen.len() >= limits.max_files {
            return Err(refuse(format!("more than {} files", limits.max_files)));
        }
        if !seen.insert(name.clone()) {
            return Err(refuse(format!("entry '{name}' appears twice")));
        }
        visit(&name, &mut entry).map_err(|e| damaged(format!("archive entry '{name}'"), e))?;
    }
    // Whatever follows the end-of-archive marker is read too (and bounded): a bundle is
    // refused for its size, not accepted because its tar ended early.
    let rest = std::io::copy(&mut archive.into_inner(), &mut std::io::sink());
    if over_limit() {
        return Err(too_large());
    }
    rest.map_err(|e| Error::in_file(path, format!("damaged compressed data: {e}")))?;
    Ok(())
}

/// A bundle path must be relative, made of plain components, and free of odd characters.
pub fn check_name(name: &str) -> std::result::Result<(), &'static str> {
    let path = Path::new(name);
    if name.is_empty() || path.is_absolute() || name.starts_with('/') {
        return Err("absolute path");
    }
    if !path.components().all(|c| matches!(c, Component::Normal(_))) {
        return Err("path leaves the bundle ('..' or '.')");
    }
    if name.chars().any(|c| c.is_control() || c == '\\') {
        return Err("control character or backslash in the path");
    }
    Ok(())
}

/// The content size a zstd frame header declares, when it does.
fn declared_content_size(head: &[u8]) -> Option<u64> {
    if head.len() < 6 || head[..4] != [0x28, 0xB5, 0x2F, 0xFD] {
        return None;
    }
    let descriptor = head[4];
    let size_flag = descriptor >> 6;
    let single_segment = descriptor & 0x20 != 0;
    let dictionary_bytes = [0usize, 1, 2, 4][(descriptor & 0x03) as usize];
    let at = 5 + usize::from(!single_segment) + dictionary_bytes;
    let width = match (size_flag, single_segment) {
        (0, true) => 1,
        (0, false) => return None,
        (1, _) => 2,
        (2, _) => 4,
        _ => 8,
    };
    let bytes = head.get(at..at + width)?;
    let mut value = 0u64;
    for (i, b) in bytes.iter().enumerate() {
        value |= u64::from(*b) << (8 * i);
    }
    Some(if width == 2 { value + 256 } else { value })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_that_leave_the_bundle_are_refused() {
        assert!(check_name("runs/a/manifest.json").is_ok());
        for bad in ["/etc/passwd", "../x", "runs/../../x", "./x", "", "a\\b", "a\nb"] {
            assert!(check_name(bad).is_err(), "{bad:?}");
        }
    }

    #[test]
    fn round_trip_is_byte_identical() {
        let dir = tempfile::tempdir().unwrap();
        let files = BTreeMap::from([("a.json".to_string(), b"{}".to_vec()), ("runs/r/x.bin".to_string(), vec![0u8, 1, 2])]);
        let (p1, p2) = (dir.path().join("1.cbundle"), dir.path().join("2.cbundle"));
        write(&p1, &files).unwrap();
        write(&p2, &files).unwrap();
        assert_eq!(std::fs::read(&p1).unwrap(), std::fs::read(&p2).unwrap());
        assert_eq!(read(&p1, Limits::default()).unwrap(), files);
        let small = Limits { max_bytes: 100, max_files: 10 };
        assert!(read(&p1, small).unwrap_err().message().contains("unpacks to more than the limit of 100 bytes"));
        let few = Limits { max_bytes: 1 << 20, max_files: 1 };
        assert!(read(&p1, few).unwrap_err().message().contains("more than 1 files"));
    }

    #[test]
    fn declared_sizes_are_read_from_the_frame_header() {
        // Single segment, 8-byte content size of 10 GiB.
        let mut head = vec![0x28, 0xB5, 0x2F, 0xFD, 0b1110_0000];
        head.extend_from_slice(&(10u64 << 30).to_le_bytes());
        assert_eq!(declared_content_size(&head), Some(10 << 30));
        assert_eq!(declared_content_size(b"not zstd"), None);
    }
}
