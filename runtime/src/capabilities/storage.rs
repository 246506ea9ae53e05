//! `session_storage`: `kv_store` and `secret_store` (secrets AES-256-GCM encrypted at rest).

use std::sync::Arc;

use aes_gcm::aead::{Aead, KeyInit, Payload};
use aes_gcm::{Aes256Gcm, Key, Nonce};
use async_trait::async_trait;
use base64::Engine as _;
use serde_json::{json, Value};

use super::{opt_str, Capability, Tool, ToolContext, ToolError, CLASS_SESSION_STORAGE};
use crate::store::StorageNamespace;

/// Longest key or secret name.
pub const MAX_KEY_LEN: usize = 255;
/// Secret names with this prefix are reserved for the runtime.
pub const RESERVED_SECRET_PREFIX: &str = "__everruns";

/// The `session_storage` capability.
#[derive(Debug, Clone, Copy, Default)]
pub struct SessionStorageCapability;

struct KvStore;
struct SecretStore;

fn key_arg<'a>(args: &'a Value, field: &str) -> Result<&'a str, ToolError> {
    let k = opt_str(args, field)
        .ok_or_else(|| ToolError::new(format!("`{field}` is required for this operation")))?;
    if k.is_empty() {
        return Err(ToolError::new(format!("`{field}` must not be empty")));
    }
    if k.len() > MAX_KEY_LEN {
        return Err(ToolError::new(format!(
            "`{field}` is {} bytes; the limit is {MAX_KEY_LEN}",
            k.len()
        )));
    }
    Ok(k)
}

fn value_arg(args: &Value) -> Result<String, ToolError> {
    match args.get("value") {
        Some(Value::String(s)) => Ok(s.clone()),
        Some(Value::Null) | None => Err(ToolError::new("`value` is required for set")),
        Some(other) => Ok(other.to_string()),
    }
}

fn op(args: &Value) -> Result<&str, ToolError> {
    opt_str(args, "operation")
        .ok_or_else(|| ToolError::new("`operation` is required (set, get, delete or list)"))
}

fn params(key_field: &str) -> Value {
    json!({
        "type": "object",
        "properties": {
            "operation": {"type": "string", "enum": ["set", "get", "delete", "list"]},
            key_field: {"type": "string", "maxLength": MAX_KEY_LEN},
            "value": {"type": "string"}
        },
        "required": ["operation"],
        "additionalProperties": false
    })
}

#[async_trait]
impl Tool for KvStore {
    fn name(&self) -> &str {
        "kv_store"
    }
    fn description(&self) -> &str {
        "Session key/value store: set, get, delete or list keys. Setting a key overwrites it."
    }
    fn parameters(&self) -> Value {
        params("key")
    }
    fn concurrency_class(&self) -> Option<&str> {
        Some(CLASS_SESSION_STORAGE)
    }
    async fn execute(&self, args: Value, ctx: &ToolContext) -> Result<Value, ToolError> {
        let sid = &ctx.session_id;
        let ns = StorageNamespace::Kv;
        match op(&args)? {
            "set" => {
                let key = key_arg(&args, "key")?;
                let value = value_arg(&args)?;
                ctx.storage.set(sid, ns, key, value).await?;
                Ok(json!({"operation": "set", "key": key, "success": true}))
            }
            "get" => {
                let key = key_arg(&args, "key")?;
                let v = ctx.storage.get(sid, ns, key).await?;
                Ok(json!({"operation": "get", "key": key, "found": v.is_some(), "value": v}))
            }
            "delete" => {
                let key = key_arg(&args, "key")?;
                let d = ctx.storage.delete(sid, ns, key).await?;
                Ok(json!({"operation": "delete", "key": key, "deleted": d}))
            }
            "list" => {
                let keys = ctx.storage.list(sid, ns).await?;
                Ok(json!({"operation": "list", "count": keys.len(), "keys": keys}))
            }
            other => Err(ToolError::new(format!(
                "unknown operation {other:?} (expected set, get, delete or list)"
            ))),
        }
    }
}

/// Encrypts a secret: base64(nonce ‖ AES-256-GCM ciphertext), bound to the session and name.
pub fn encrypt_secret(key: &[u8; 32], session_id: &str, name: &str, value: &str) -> String {
    let cipher = Aes256Gcm::new(Key::<Aes256Gcm>::from_slice(key));
    let nonce_bytes: [u8; 12] = rand::random();
    let aad = format!("{session_id}\n{name}");
    let ct = cipher
        .encrypt(
            Nonce::from_slice(&nonce_bytes),
            Payload {
                msg: value.as_bytes(),
                aad: aad.as_bytes(),
            },
        )
        .expect("AES-GCM encryption of an in-memory buffer cannot fail");
    let mut out = nonce_bytes.to_vec();
    out.extend(ct);
    base64::engine::general_purpose::STANDARD.encode(out)
}

/// Decrypts what [`encrypt_secret`] produced.
pub fn decrypt_secret(
    key: &[u8; 32],
    session_id: &str,
    name: &str,
    stored: &str,
) -> Result<String, ToolError> {
    let bad = || {
        ToolError::new(format!(
            "secret {name:?} cannot be decrypted with the configured key"
        ))
    };
    let raw = base64::engine::general_purpose::STANDARD
        .decode(stored)
        .map_err(|_| bad())?;
    if raw.len() < 12 + 16 {
        return Err(bad());
    }
    let cipher = Aes256Gcm::new(Key::<Aes256Gcm>::from_slice(key));
    let aad = format!("{session_id}\n{name}");
    let pt = cipher
        .decrypt(
            Nonce::from_slice(&raw[..12]),
            Payload {
                msg: &raw[12..],
                aad: aad.as_bytes(),
            },
        )
        .map_err(|_| bad())?;
    String::from_utf8(pt).map_err(|_| bad())
}

#[async_trait]
impl Tool for SecretStore {
    fn name(&self) -> &str {
        "secret_store"
    }
    fn description(&self) -> &str {
        "Session secret store for credentials (encrypted at rest): set, get, delete or list names."
    }
    fn parameters(&self) -> Value {
        params("name")
    }
    fn concurrency_class(&self) -> Option<&str> {
        Some(CLASS_SESSION_STORAGE)
    }
    async fn execute(&self, args: Value, ctx: &ToolContext) -> Result<Value, ToolError> {
        let operation = op(&args)?;
        let Some(key) = ctx.config.secret_key.as_ref() else {
            return Err(ToolError::new(
                "secret storage is not available: no encryption key is configured on this runtime \
                 (set RuntimeConfig::secret_key)",
            ));
        };
        let sid = &ctx.session_id;
        let ns = StorageNamespace::Secret;
        let name_checked = |args: &Value| -> Result<String, ToolError> {
            let n = key_arg(args, "name")?;
            if n.starts_with(RESERVED_SECRET_PREFIX) {
                return Err(ToolError::new(format!(
                    "secret names starting with {RESERVED_SECRET_PREFIX:?} are reserved"
                )));
            }
            Ok(n.to_string())
        };
        match operation {
            "set" => {
                let name = name_checked(&args)?;
                let value = value_arg(&args)?;
                let sealed = encrypt_secret(key, sid, &name, &value);
                ctx.storage.set(sid, ns, &name, sealed).await?;
                Ok(json!({"operation": "set", "name": name, "success": true}))
            }
            "get" => {
                let name = name_checked(&args)?;
                match ctx.storage.get(sid, ns, &name).await? {
                    Some(sealed) => {
                        let v = decrypt_secret(key, sid, &name, &sealed)?;
                        Ok(json!({"operation": "get", "name": name, "found": true, "value": v}))
                    }
                    None => Ok(json!({"operation": "get", "name": name, "found": false})),
                }
            }
            "delete" => {
                let name = name_checked(&args)?;
                let d = ctx.storage.delete(sid, ns, &name).await?;
                Ok(json!({"operation": "delete", "name": name, "deleted": d}))
            }
            "list" => {
                let names: Vec<String> = ctx
                    .storage
                    .list(sid, ns)
                    .await?
                    .into_iter()
                    .filter(|n| !n.starts_with(RESERVED_SECRET_PREFIX))
                    .collect();
                Ok(json!({"operation": "list", "count": names.len(), "names": names}))
            }
            other => Err(ToolError::new(format!(
                "unknown operation {other:?} (expected set, get, delete or list)"
            ))),
        }
    }
}

impl Capability for SessionStorageCapability {
    fn id(&self) -> &str {
        "session_storage"
    }
    fn name(&self) -> &str {
        "Storage"
    }
    fn description(&self) -> &str {
        "Session key/value storage (kv_store) and encrypted secret storage (secret_store)."
    }
    fn category(&self) -> Option<&str> {
        Some("storage")
    }
    fn system_prompt(&self) -> Option<String> {
        Some(
            "Use kv_store for general data you want to keep during this session and \
             secret_store for credentials such as API keys. Setting an existing key overwrites it."
                .into(),
        )
    }
    fn tools(&self) -> Vec<Arc<dyn Tool>> {
        vec![Arc::new(KvStore), Arc::new(SecretStore)]
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn secret_round_trip_and_binding() {
        let key = [7u8; 32];
        let s = encrypt_secret(&key, "s1", "api", "hunter2");
        assert!(!s.contains("hunter2"));
        assert_eq!(decrypt_secret(&key, "s1", "api", &s).unwrap(), "hunter2");
        assert!(
            decrypt_secret(&key, "s2", "api", &s).is_err(),
            "bound to session"
        );
        assert!(
            decrypt_secret(&[8u8; 32], "s1", "api", &s).is_err(),
            "wrong key"
        );
    }
}
