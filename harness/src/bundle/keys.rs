//! ed25519 keys for signing bundles, as small text files: `claimbench-ed25519-secret HEX` and
//! `claimbench-ed25519-public HEX`.

use crate::error::{Error, IoContext, Result};
use ed25519_dalek::{Signature, Signer, SigningKey, VerifyingKey};
use std::path::{Path, PathBuf};

const SECRET_TAG: &str = "claimbench-ed25519-secret";
const PUBLIC_TAG: &str = "claimbench-ed25519-public";

use crate::fsutil::hex;

pub fn unhex<const N: usize>(text: &str) -> Option<[u8; N]> {
    let text = text.trim();
    if text.len() != 2 * N || !text.is_ascii() {
        return None;
    }
    let mut out = [0u8; N];
    for (i, byte) in out.iter_mut().enumerate() {
        *byte = u8::from_str_radix(&text[2 * i..2 * i + 2], 16).ok()?;
    }
    Some(out)
}

/// Short identifier of a public key: the first 16 hex digits of its sha256.
pub fn fingerprint(key: &VerifyingKey) -> String {
    crate::fsutil::sha256_hex(key.as_bytes())[..16].to_string()
}

/// Writes `PREFIX.key` (secret, mode 0600) and `PREFIX.pub`; refuses to overwrite either.
pub fn keygen(prefix: &Path) -> Result<(PathBuf, PathBuf)> {
    let secret_path = prefix.with_extension("key");
    let public_path = prefix.with_extension("pub");
    for path in [&secret_path, &public_path] {
        if path.exists() {
            return Err(Error::in_file(path, "already exists; not overwriting a key"));
        }
    }
    let mut seed = [0u8; 32];
    std::fs::File::open("/dev/urandom")
        .and_then(|mut f| std::io::Read::read_exact(&mut f, &mut seed))
        .with_path(Path::new("/dev/urandom"))?;
    let key = SigningKey::from_bytes(&seed);
    write_private(&secret_path, &format!("{SECRET_TAG} {}\n", hex(&seed)))?;
    std::fs::write(&public_path, format!("{PUBLIC_TAG} {}\n", hex(key.verifying_key().as_bytes()))).with_path(&public_path)?;
    Ok((secret_path, public_path))
}

fn write_private(path: &Path, text: &str) -> Result<()> {
    use std::io::Write;
    use std::os::unix::fs::OpenOptionsExt;
    let mut file = std::fs::OpenOptions::new().write(true).create_new(true).mode(0o600).open(path).with_path(path)?;
    file.write_all(text.as_bytes()).with_path(path)
}

fn read_tagged<const N: usize>(path: &Path, tag: &str, what: &str) -> Result<[u8; N]> {
    let text = crate::fsutil::read_to_string(path)?;
    let body = text.trim().strip_prefix(tag).ok_or_else(|| {
        Error::in_file(path, format!("not a claimbench {what} key file (it should start with '{tag}'; `claimbench keygen` writes them)"))
    })?;
    unhex::<N>(body).ok_or_else(|| Error::in_file(path, format!("damaged {what} key: expected {} hex digits after '{tag}'", 2 * N)))
}

pub fn read_secret(path: &Path) -> Result<SigningKey> {
    Ok(SigningKey::from_bytes(&read_tagged::<32>(path, SECRET_TAG, "secret")?))
}

pub fn read_public(path: &Path) -> Result<VerifyingKey> {
    let bytes = read_tagged::<32>(path, PUBLIC_TAG, "public")?;
    VerifyingKey::from_bytes(&bytes).map_err(|_| Error::in_file(path, "damaged public key: not a valid ed25519 point"))
}

pub fn sign(key: &SigningKey, message: &[u8]) -> String {
    hex(&key.sign(message).to_bytes())
}

/// Whether `signature_hex` is `key`'s signature of `message`.
pub fn verify(key: &VerifyingKey, message: &[u8], signature_hex: &str) -> bool {
    unhex::<64>(signature_hex).is_some_and(|bytes| key.verify_strict(message, &Signature::from_bytes(&bytes)).is_ok())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_sign_and_verify_and_refuse_damage() {
        let dir = tempfile::tempdir().unwrap();
        let (secret, public) = keygen(&dir.path().join("me")).unwrap();
        use std::os::unix::fs::PermissionsExt;
        assert_eq!(std::fs::metadata(&secret).unwrap().permissions().mode() & 0o777, 0o600);
        let (key, pubkey) = (read_secret(&secret).unwrap(), read_public(&public).unwrap());
        let signature = sign(&key, b"digest");
        assert!(verify(&pubkey, b"digest", &signature));
        assert!(!verify(&pubkey, b"digest2", &signature));
        assert!(!verify(&pubkey, b"digest", "zz"));
        assert!(keygen(&dir.path().join("me")).unwrap_err().message().contains("already exists"));
        std::fs::write(&public, "claimbench-ed25519-public 12ab\n").unwrap();
        assert!(read_public(&public).unwrap_err().message().contains("expected 64 hex digits"));
        assert!(read_public(&secret).unwrap_err().message().contains("not a claimbench public key file"));
    }
}
