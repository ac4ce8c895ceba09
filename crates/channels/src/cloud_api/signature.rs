//! The `X-Hub-Signature-256` check of a Cloud API webhook delivery.
//!
//! Meta signs every webhook body with HMAC-SHA256 keyed by the app secret and sends the result as
//! `X-Hub-Signature-256: sha256=<64 lowercase hex digits>`.
//!
//! **Guarantees:** [`verify`] accepts a body only if the header carries exactly that MAC of the
//! exact bytes received (verify before parsing: any re-serialisation changes the bytes); the
//! comparison is constant time (`hmac`'s `verify_slice`); and a refusal says whether the header
//! was missing, malformed, or did not match, without echoing the header or the secret.

use hmac::digest::KeyInit;
use hmac::{Hmac, Mac};
use sha2::{Digest, Sha256};

type HmacSha256 = Hmac<Sha256>;

/// The name of the header Meta puts the signature in.
pub const HEADER: &str = "X-Hub-Signature-256";

const PREFIX: &str = "sha256=";
/// SHA-256's block size: HMAC pads (or first hashes) the key to this length.
const BLOCK_LEN: usize = 64;
/// Hex digits in a SHA-256 MAC.
const HEX_LEN: usize = 64;

/// Why a webhook body's signature was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SignatureError {
    /// No `X-Hub-Signature-256` header (or an empty one).
    #[error("the X-Hub-Signature-256 header is missing")]
    Missing,
    /// The header is not `sha256=` followed by 64 hex digits.
    #[error("the X-Hub-Signature-256 header is malformed: {reason} (expected \"sha256=\" followed by 64 hex digits)")]
    Malformed {
        /// What is wrong with it.
        reason: &'static str,
    },
    /// Well formed, but not the MAC of this body under this app secret.
    #[error("the X-Hub-Signature-256 signature does not match the body (wrong app secret, or the body was altered)")]
    Mismatch,
}

/// Checks `header` (the `X-Hub-Signature-256` value, if any) against HMAC-SHA256(`app_secret`,
/// `raw_body`), in constant time. Surrounding whitespace in the header is ignored; hex digits may
/// be either case.
pub fn verify(
    app_secret: &[u8],
    raw_body: &[u8],
    header: Option<&str>,
) -> Result<(), SignatureError> {
    let value = header.map(str::trim).unwrap_or_default();
    if value.is_empty() {
        return Err(SignatureError::Missing);
    }
    let digits = value
        .strip_prefix(PREFIX)
        .ok_or(SignatureError::Malformed {
            reason: "it does not start with \"sha256=\"",
        })?;
    if digits.len() != HEX_LEN {
        return Err(SignatureError::Malformed {
            reason: "the digest is not 64 characters long",
        });
    }
    let expected = hex::decode(digits).map_err(|_| SignatureError::Malformed {
        reason: "the digest is not hexadecimal",
    })?;
    let mut mac = keyed(app_secret);
    mac.update(raw_body);
    mac.verify_slice(&expected)
        .map_err(|_| SignatureError::Mismatch)
}

/// The `X-Hub-Signature-256` header value Meta would send for `raw_body`: `sha256=` and the
/// lowercase hex HMAC-SHA256 of the body keyed by `app_secret`.
pub fn sign(app_secret: &[u8], raw_body: &[u8]) -> String {
    let mut mac = keyed(app_secret);
    mac.update(raw_body);
    format!("{PREFIX}{}", hex::encode(mac.finalize().into_bytes()))
}

/// An HMAC-SHA256 keyed by `key`, built without a fallible constructor: the key is turned into
/// its block-sized form exactly as RFC 2104 does (hashed if longer than a block, then
/// zero-padded), which `Hmac` accepts as is.
fn keyed(key: &[u8]) -> HmacSha256 {
    let mut block = [0u8; BLOCK_LEN];
    if key.len() > BLOCK_LEN {
        let digest = Sha256::digest(key);
        block[..digest.len()].copy_from_slice(&digest);
    } else {
        block[..key.len()].copy_from_slice(key);
    }
    <HmacSha256 as KeyInit>::new(&block.into())
}

#[cfg(test)]
mod tests {
    use super::*;

    const SECRET: &[u8] = b"app-secret-0123456789abcdef";
    const BODY: &[u8] = br#"{"object":"whatsapp_business_account","entry":[]}"#;

    #[test]
    fn a_good_signature_is_accepted() {
        let header = sign(SECRET, BODY);
        assert!(header.starts_with("sha256="));
        assert_eq!(header.len(), "sha256=".len() + 64);
        assert_eq!(verify(SECRET, BODY, Some(&header)), Ok(()));
        // Uppercase hex and surrounding whitespace are tolerated.
        let upper = format!("  sha256={}\t", header["sha256=".len()..].to_uppercase());
        assert_eq!(verify(SECRET, BODY, Some(&upper)), Ok(()));
    }

    #[test]
    fn matches_a_known_vector() {
        // RFC 4231 test case 2: key "Jefe", data "what do ya want for nothing?".
        assert_eq!(
            sign(b"Jefe", b"what do ya want for nothing?"),
            "sha256=5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843"
        );
    }

    #[test]
    fn keys_of_any_length_match_the_hmac_crate() {
        for len in [0usize, 1, 32, 63, 64, 65, 131, 500] {
            let key: Vec<u8> = (0..len).map(|i| (i * 7 + 3) as u8).collect();
            let mut reference =
                <HmacSha256 as Mac>::new_from_slice(&key).expect("hmac accepts any key");
            reference.update(BODY);
            let expected = format!("sha256={}", hex::encode(reference.finalize().into_bytes()));
            assert_eq!(sign(&key, BODY), expected, "key length {len}");
        }
    }

    #[test]
    fn a_missing_header_is_refused() {
        assert_eq!(verify(SECRET, BODY, None), Err(SignatureError::Missing));
        assert_eq!(
            verify(SECRET, BODY, Some("  ")),
            Err(SignatureError::Missing)
        );
        assert!(SignatureError::Missing.to_string().contains("missing"));
    }

    #[test]
    fn a_malformed_header_is_refused() {
        let good = sign(SECRET, BODY);
        let digits = &good["sha256=".len()..];
        let cases = [
            digits.to_string(),                    // no prefix
            format!("sha1={digits}"),              // wrong algorithm
            format!("SHA256={digits}"),            // prefix is case sensitive
            format!("sha256={}", &digits[..63]),   // too short
            format!("sha256={digits}00"),          // too long
            format!("sha256={}zz", &digits[..62]), // not hex
            "sha256=".to_string(),
        ];
        for case in cases {
            let err = verify(SECRET, BODY, Some(&case));
            assert!(
                matches!(err, Err(SignatureError::Malformed { .. })),
                "{case:?} gave {err:?}"
            );
        }
        let message = verify(SECRET, BODY, Some("sha256=xyz"))
            .err()
            .map(|e| e.to_string())
            .unwrap_or_default();
        assert!(message.contains("malformed"), "{message}");
        assert!(message.contains("64 hex digits"), "{message}");
    }

    #[test]
    fn a_wrong_secret_is_refused() {
        let header = sign(b"another-app-secret", BODY);
        assert_eq!(
            verify(SECRET, BODY, Some(&header)),
            Err(SignatureError::Mismatch)
        );
    }

    #[test]
    fn a_body_changed_by_one_byte_is_refused() {
        let header = sign(SECRET, BODY);
        let mut altered = BODY.to_vec();
        let last = altered.len() - 2;
        altered[last] ^= 0x01;
        assert_eq!(
            verify(SECRET, &altered, Some(&header)),
            Err(SignatureError::Mismatch)
        );
        // Appending one byte is refused as well.
        let mut longer = BODY.to_vec();
        longer.push(b' ');
        assert_eq!(
            verify(SECRET, &longer, Some(&header)),
            Err(SignatureError::Mismatch)
        );
    }
}
