//! Tokens at rest: every bot and refresh token an installation stores is
//! sealed with `CLARITY_TOKEN_KEY` (32 random bytes, base64) by
//! XChaCha20-Poly1305 (RustCrypto's `chacha20poly1305`), with a random
//! 24-byte nonce per token and the row it belongs to as associated data,
//! so a sealed token copied into another row does not open. The key and
//! the tokens are never shown: `Debug` redacts, errors name no value.

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use chacha20poly1305::aead::{Aead, KeyInit, Payload};
use chacha20poly1305::{XChaCha20Poly1305, XNonce};
use secrecy::{ExposeSecret, SecretString};
use std::sync::Arc;

/// What a stored token starts with: the format, should it ever change.
const PREFIX: &str = "v1:";
const NONCE_BYTES: usize = 24;

/// The key tokens are sealed with. Cheap to clone; `Debug` shows nothing.
#[derive(Clone)]
pub struct TokenKey(Arc<XChaCha20Poly1305>);

impl std::fmt::Debug for TokenKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("TokenKey([redacted])")
    }
}

/// Why `CLARITY_TOKEN_KEY` is not a key (the value itself is never kept).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum KeyProblem {
    #[error("not base64")]
    NotBase64,
    #[error("{0} bytes long once decoded")]
    WrongLength(usize),
}

/// A sealed token that does not open with this key (another key, or a
/// value changed or moved in the database).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("a stored token does not open with CLARITY_TOKEN_KEY (another key, or a changed row)")]
pub struct Unreadable;

/// The operating system gave no random bytes.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("no random bytes from the operating system: {0}")]
pub struct NoRandomness(String);

impl TokenKey {
    /// The key `text` holds: 32 bytes in standard base64 (what `openssl
    /// rand -base64 32` prints); surrounding whitespace is ignored.
    pub fn from_base64(text: &str) -> Result<Self, KeyProblem> {
        let bytes = STANDARD
            .decode(text.trim())
            .map_err(|_| KeyProblem::NotBase64)?;
        let cipher = XChaCha20Poly1305::new_from_slice(&bytes)
            .map_err(|_| KeyProblem::WrongLength(bytes.len()))?;
        Ok(Self(Arc::new(cipher)))
    }

    /// `token` sealed for the row `context` names: `v1:` and the base64 of
    /// the nonce and the ciphertext.
    pub fn seal(&self, token: &SecretString, context: &str) -> Result<String, NoRandomness> {
        let mut nonce = [0u8; NONCE_BYTES];
        getrandom::fill(&mut nonce).map_err(|err| NoRandomness(err.to_string()))?;
        let payload = Payload {
            msg: token.expose_secret().as_bytes(),
            aad: context.as_bytes(),
        };
        // Encrypting into memory fails only past the cipher's length limit
        // (256 GiB); a token is a few dozen bytes.
        let sealed = self
            .0
            .encrypt(XNonce::from_slice(&nonce), payload)
            .map_err(|_| NoRandomness("the token is too long to seal".into()))?;
        let mut bytes = nonce.to_vec();
        bytes.extend_from_slice(&sealed);
        Ok(format!("{PREFIX}{}", STANDARD.encode(bytes)))
    }

    /// The token `sealed` holds, if it was sealed with this key for `context`.
    pub fn open(&self, sealed: &str, context: &str) -> Result<SecretString, Unreadable> {
        let bytes = sealed
            .strip_prefix(PREFIX)
            .and_then(|rest| STANDARD.decode(rest).ok())
            .filter(|bytes| bytes.len() > NONCE_BYTES)
            .ok_or(Unreadable)?;
        let (nonce, ciphertext) = bytes.split_at(NONCE_BYTES);
        let payload = Payload {
            msg: ciphertext,
            aad: context.as_bytes(),
        };
        let plain = self
            .0
            .decrypt(XNonce::from_slice(nonce), payload)
            .map_err(|_| Unreadable)?;
        String::from_utf8(plain)
            .map(SecretString::from)
            .map_err(|_| Unreadable)
    }
}

/// 32 random bytes in URL-safe base64: the install link's `state`.
pub fn random_nonce() -> Result<String, NoRandomness> {
    let mut bytes = [0u8; 32];
    getrandom::fill(&mut bytes).map_err(|err| NoRandomness(err.to_string()))?;
    Ok(base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes))
}

#[cfg(test)]
mod tests {
    use super::*;

    const KEY: &str = "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=";

    #[test]
    fn a_sealed_token_opens_only_with_its_key_and_row() {
        let key = TokenKey::from_base64(KEY).expect("32 bytes");
        let token = SecretString::from("xoxb-1-secret");
        let sealed = key.seal(&token, "E1:T1:bot").expect("sealed");
        assert!(sealed.starts_with("v1:"), "{sealed}");
        assert!(!sealed.contains("xoxb"), "{sealed}");
        assert_eq!(
            key.open(&sealed, "E1:T1:bot")
                .expect("opens")
                .expose_secret(),
            "xoxb-1-secret"
        );
        assert_eq!(key.open(&sealed, "E1:T2:bot").err(), Some(Unreadable));
        let other = TokenKey::from_base64(&STANDARD.encode([7u8; 32])).expect("32 bytes");
        assert_eq!(other.open(&sealed, "E1:T1:bot").err(), Some(Unreadable));
        assert_eq!(
            key.open("xoxb-1-secret", "E1:T1:bot").err(),
            Some(Unreadable)
        );
        // Two seals of one token differ (a fresh nonce each).
        assert_ne!(sealed, key.seal(&token, "E1:T1:bot").expect("sealed"));
    }

    #[test]
    fn a_key_must_be_32_bytes_of_base64_and_is_never_shown() {
        assert_eq!(
            TokenKey::from_base64("not base64!").map(|_| ()),
            Err(KeyProblem::NotBase64)
        );
        assert_eq!(
            TokenKey::from_base64(&STANDARD.encode([1u8; 16])).map(|_| ()),
            Err(KeyProblem::WrongLength(16))
        );
        let key = TokenKey::from_base64(&format!("{KEY}\n")).expect("whitespace ignored");
        assert_eq!(format!("{key:?}"), "TokenKey([redacted])");
    }

    #[test]
    fn nonces_are_long_and_url_safe() {
        let nonce = random_nonce().expect("random");
        assert_eq!(nonce.len(), 43);
        assert!(
            nonce
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
        );
        assert_ne!(nonce, random_nonce().expect("random"));
    }
}
