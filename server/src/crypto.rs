//! The server's secret key and the sealing of stored secrets (provider connections, session
//! secrets): AES-256-GCM from the RustCrypto `aes-gcm` crate, a random 96-bit nonce per value,
//! and the owner and name bound as associated data so a sealed value cannot be moved to
//! another row.
//!
//! The key comes from `--secret-key` / `EVERRUNS_SECRET_KEY` (64 hex characters). In `--dev`
//! mode without one, [`DEV_SECRET_KEY_HEX`] is used: it is public, so it is **insecure** and
//! only meant for local development. Outside dev mode without a key, the routes that store
//! secrets answer 503 `secret_key_missing`.

use everruns_runtime::capabilities::storage::{decrypt_secret, encrypt_secret};

use crate::config::ApiKey;
use crate::error::ApiError;

/// The insecure key of dev mode (public: never use it for real secrets).
pub const DEV_SECRET_KEY_HEX: &str =
    "6576657272756e732d6465762d696e7365637572652d6b65792d303030303030";

/// Associated-data scope of provider connections.
pub const CONNECTION_SCOPE: &str = "connection";

/// Holds the server's secret key (never printed by `Debug`).
#[derive(Clone, Default)]
pub struct Sealer {
    key: Option<[u8; 32]>,
    insecure_default: bool,
}

impl std::fmt::Debug for Sealer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Sealer")
            .field("configured", &self.key.is_some())
            .field("insecure_default", &self.insecure_default)
            .finish()
    }
}

fn parse_hex_key(hex_key: &str) -> Result<[u8; 32], String> {
    let bytes = hex::decode(hex_key.trim())
        .map_err(|e| format!("--secret-key / EVERRUNS_SECRET_KEY is not hex: {e}"))?;
    bytes.try_into().map_err(|_| {
        "--secret-key / EVERRUNS_SECRET_KEY must be 32 bytes (64 hex characters)".to_string()
    })
}

impl Sealer {
    /// The configured key, else the insecure dev default in dev mode, else none.
    pub fn from_config(key: Option<&ApiKey>, dev: bool) -> Result<Self, String> {
        match key.map(|k| k.expose().trim()).filter(|k| !k.is_empty()) {
            Some(hex_key) => Ok(Self {
                key: Some(parse_hex_key(hex_key)?),
                insecure_default: false,
            }),
            None if dev => Ok(Self {
                key: Some(parse_hex_key(DEV_SECRET_KEY_HEX)?),
                insecure_default: true,
            }),
            None => Ok(Self::default()),
        }
    }

    /// True when the public dev key is in use.
    pub fn is_insecure_default(&self) -> bool {
        self.insecure_default
    }

    /// The raw key (for the runtime's `secret_store` tool), if any.
    pub fn raw_key(&self) -> Option<[u8; 32]> {
        self.key
    }

    fn key(&self) -> Result<&[u8; 32], ApiError> {
        self.key.as_ref().ok_or_else(|| {
            ApiError::new(
                axum::http::StatusCode::SERVICE_UNAVAILABLE,
                "secret_key_missing",
                "This server has no secret key to encrypt secrets with: start it with \
                 --secret-key or EVERRUNS_SECRET_KEY (64 hex characters).",
            )
        })
    }

    /// Seals `value` for `(scope, name)`: base64 of nonce ‖ ciphertext.
    pub fn seal(&self, scope: &str, name: &str, value: &str) -> Result<String, ApiError> {
        Ok(encrypt_secret(self.key()?, scope, name, value))
    }

    /// Opens what [`Sealer::seal`] produced for the same `(scope, name)`.
    pub fn open(&self, scope: &str, name: &str, sealed: &str) -> Result<String, String> {
        let key = self
            .key
            .as_ref()
            .ok_or_else(|| "no secret key is configured".to_string())?;
        decrypt_secret(key, scope, name, sealed).map_err(|e| e.to_string())
    }
}

/// `…abcd`: the last four characters of a key (nothing for keys shorter than 12).
pub fn key_hint(key: &str) -> String {
    let chars: Vec<char> = key.chars().collect();
    if chars.len() < 12 {
        return "…".to_string();
    }
    let tail: String = chars[chars.len() - 4..].iter().collect();
    format!("…{tail}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn seal_open_and_binding() {
        let s = Sealer::from_config(None, true).unwrap();
        assert!(s.is_insecure_default());
        let sealed = s.seal(CONNECTION_SCOPE, "openai", "sk-test-123").unwrap();
        assert!(!sealed.contains("sk-test"));
        assert_eq!(
            s.open(CONNECTION_SCOPE, "openai", &sealed).unwrap(),
            "sk-test-123"
        );
        // bound to the name: another row cannot open it
        assert!(s.open(CONNECTION_SCOPE, "anthropic", &sealed).is_err());
        let other = Sealer::from_config(Some(&ApiKey::new("11".repeat(32))), false).unwrap();
        assert!(other.open(CONNECTION_SCOPE, "openai", &sealed).is_err());
        assert!(Sealer::from_config(None, false)
            .unwrap()
            .seal("a", "b", "c")
            .is_err());
        assert!(Sealer::from_config(Some(&ApiKey::new("zz")), false).is_err());
        assert_eq!(key_hint("sk-abcdefghijkl"), "…ijkl");
        assert_eq!(key_hint("short"), "…");
    }
}
