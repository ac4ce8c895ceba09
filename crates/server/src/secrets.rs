//! Credentials encrypted at rest with the master key.
//!
//! A sealed value is `v1:` followed by the hex of a random 24-byte nonce and the
//! XChaCha20-Poly1305 ciphertext. **Invariant:** plaintext credentials are never stored, logged or
//! returned by the API; a sealed value opened with another key fails instead of yielding garbage.
//!
//! The key comes from configuration (`--master-key` / `WAFLOW_MASTER_KEY`, 64 hex characters) or,
//! when none is given, from `master.key` in the data directory, created on first run with mode
//! 0600. Losing the key means reconnecting the numbers, nothing else.

use chacha20poly1305::aead::{Aead, AeadCore, KeyInit, OsRng};
use chacha20poly1305::{XChaCha20Poly1305, XNonce};
use std::path::Path;

/// The key that seals credentials.
#[derive(Clone)]
pub struct MasterKey {
    cipher: XChaCha20Poly1305,
    /// The key itself, for deriving per-purpose secrets.
    raw: [u8; 32],
}

/// Why a key or a sealed value was refused.
#[derive(Debug, thiserror::Error)]
pub enum SecretError {
    #[error("the master key must be 64 hexadecimal characters (32 bytes)")]
    BadKey,
    #[error("cannot read or create the master key file {path}: {reason}")]
    KeyFile { path: String, reason: String },
    #[error("a stored credential cannot be decrypted with this master key")]
    Undecryptable,
}

const PREFIX: &str = "v1:";
const NONCE_LEN: usize = 24;

impl MasterKey {
    /// A key from 64 hex characters.
    pub fn from_hex(hex_key: &str) -> Result<Self, SecretError> {
        let bytes = hex::decode(hex_key.trim()).map_err(|_| SecretError::BadKey)?;
        if bytes.len() != 32 {
            return Err(SecretError::BadKey);
        }
        let cipher = XChaCha20Poly1305::new_from_slice(&bytes).map_err(|_| SecretError::BadKey)?;
        let mut raw = [0u8; 32];
        raw.copy_from_slice(&bytes);
        Ok(Self { cipher, raw })
    }

    /// The key in `data_dir/master.key`, created (random, mode 0600) if missing.
    pub fn load_or_create(data_dir: &Path) -> Result<Self, SecretError> {
        let path = data_dir.join("master.key");
        let file_error = |e: std::io::Error| SecretError::KeyFile {
            path: path.display().to_string(),
            reason: e.to_string(),
        };
        match std::fs::read_to_string(&path) {
            Ok(text) => Self::from_hex(&text),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                let key = XChaCha20Poly1305::generate_key(&mut OsRng);
                write_private(&path, &hex::encode(key)).map_err(file_error)?;
                Self::from_hex(&hex::encode(key))
            }
            Err(e) => Err(file_error(e)),
        }
    }

    /// A secret for `purpose` (e.g. a workflow's integration URL), derived from the master key:
    /// stable across restarts, different for every purpose, useless without the key.
    pub fn derive(&self, purpose: &str) -> String {
        waflow_outbound_http::hmac_hex(&self.raw, purpose.as_bytes())
    }

    /// The key that seals linked-device session files: derived from the master key for that
    /// purpose only.
    pub fn session_key(&self) -> [u8; 32] {
        // `derive` is the hex of an HMAC-SHA256: always 32 bytes.
        hex::decode(self.derive("linked-device-sessions"))
            .ok()
            .and_then(|bytes| <[u8; 32]>::try_from(bytes).ok())
            .unwrap_or_default()
    }

    /// Encrypts `plaintext` with a fresh nonce.
    pub fn seal(&self, plaintext: &str) -> String {
        let nonce = XChaCha20Poly1305::generate_nonce(&mut OsRng);
        // Encryption into a Vec cannot fail for inputs under the cipher's ~256 GiB limit.
        let ciphertext = self
            .cipher
            .encrypt(&nonce, plaintext.as_bytes())
            .unwrap_or_default();
        let mut out = nonce.to_vec();
        out.extend_from_slice(&ciphertext);
        format!("{PREFIX}{}", hex::encode(out))
    }

    /// Decrypts a value made by [`MasterKey::seal`] with the same key.
    pub fn open(&self, sealed: &str) -> Result<String, SecretError> {
        let bytes = sealed
            .strip_prefix(PREFIX)
            .and_then(|h| hex::decode(h).ok())
            .filter(|b| b.len() > NONCE_LEN)
            .ok_or(SecretError::Undecryptable)?;
        let (nonce, ciphertext) = bytes.split_at(NONCE_LEN);
        let plain = self
            .cipher
            .decrypt(XNonce::from_slice(nonce), ciphertext)
            .map_err(|_| SecretError::Undecryptable)?;
        String::from_utf8(plain).map_err(|_| SecretError::Undecryptable)
    }
}

/// Compares two secrets in time independent of where they differ.
pub(crate) fn same(a: &str, b: &str) -> bool {
    a.len() == b.len()
        && a.bytes()
            .zip(b.bytes())
            .fold(0u8, |acc, (x, y)| acc | (x ^ y))
            == 0
}

fn write_private(path: &Path, contents: &str) -> std::io::Result<()> {
    use std::io::Write;
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    let mut file = options.open(path)?;
    file.write_all(contents.as_bytes())?;
    file.sync_all()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sealed_values_open_with_the_same_key_only() {
        let dir = tempfile::tempdir().unwrap();
        let key = MasterKey::load_or_create(dir.path()).unwrap();
        let sealed = key.seal("EAAG-secret-token");
        assert!(!sealed.contains("secret"));
        assert_ne!(sealed, key.seal("EAAG-secret-token"), "nonces differ");
        assert_eq!(key.open(&sealed).unwrap(), "EAAG-secret-token");
        // The same file gives the same key.
        let again = MasterKey::load_or_create(dir.path()).unwrap();
        assert_eq!(again.open(&sealed).unwrap(), "EAAG-secret-token");
        let other = MasterKey::from_hex(&"ab".repeat(32)).unwrap();
        assert!(matches!(
            other.open(&sealed),
            Err(SecretError::Undecryptable)
        ));
        assert!(matches!(key.open("v1:zz"), Err(SecretError::Undecryptable)));
        assert!(matches!(
            MasterKey::from_hex("abc"),
            Err(SecretError::BadKey)
        ));
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(dir.path().join("master.key"))
                .unwrap()
                .permissions()
                .mode();
            assert_eq!(mode & 0o777, 0o600);
        }
    }
}
