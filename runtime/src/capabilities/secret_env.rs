//! Session secrets as the environment of the session's `bash` tool: every secret set with
//! `PUT /v1/sessions/{id}/storage/secrets` (or the `secret_store` tool) whose name is a valid
//! shell variable name is exported to the script, and its value is masked (`[REDACTED]`) in
//! what the tool returns, so the secret reaches the tool without reaching events.

use super::storage::{decrypt_secret, RESERVED_SECRET_PREFIX};
use super::ToolContext;
use crate::store::StorageNamespace;

/// What replaces a secret value in tool output.
pub const REDACTED: &str = "[REDACTED]";

fn is_var_name(n: &str) -> bool {
    let mut chars = n.chars();
    chars
        .next()
        .is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_')
}

/// The session's secrets `(name, value)` that can be exported (none without a secret key).
pub async fn session_secret_env(ctx: &ToolContext) -> Vec<(String, String)> {
    let Some(key) = ctx.config.secret_key.as_ref() else {
        return Vec::new();
    };
    let sid = &ctx.session_id;
    let Ok(names) = ctx.storage.list(sid, StorageNamespace::Secret).await else {
        return Vec::new();
    };
    let mut out = Vec::new();
    for name in names {
        if name.starts_with(RESERVED_SECRET_PREFIX) || !is_var_name(&name) {
            continue;
        }
        if let Ok(Some(sealed)) = ctx.storage.get(sid, StorageNamespace::Secret, &name).await {
            if let Ok(v) = decrypt_secret(key, sid, &name, &sealed) {
                out.push((name, v));
            }
        }
    }
    out
}

/// `text` with every non-empty secret value replaced by [`REDACTED`].
pub fn redact(text: &str, secrets: &[(String, String)]) -> String {
    let mut t = text.to_string();
    for (_, v) in secrets {
        if !v.is_empty() {
            t = t.replace(v.as_str(), REDACTED);
        }
    }
    t
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_and_redaction() {
        assert!(is_var_name("GITHUB_TOKEN"));
        assert!(is_var_name("_x1"));
        assert!(!is_var_name("1x"));
        assert!(!is_var_name("a-b"));
        assert!(!is_var_name(""));
        let s = vec![("T".to_string(), "ghp_abc".to_string())];
        assert_eq!(redact("tok=ghp_abc!", &s), "tok=[REDACTED]!");
    }
}
