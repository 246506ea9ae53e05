//! API keys: `evr_…` tokens stored as SHA-256 hashes, never logged.
//!
//! Accepted `Authorization` forms: `<key>`, `ApiKey <key>`, `Bearer <key>`. In `--dev` mode any
//! token (or none) is accepted.

use axum::body::Body;
use axum::extract::State;
use axum::http::{header, Request};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use rand::Rng;
use sha2::{Digest, Sha256};

use crate::error::ApiError;
use crate::store::{Store, StoreResult};
use crate::App;

/// SHA-256 hex of a key.
pub fn hash_key(key: &str) -> String {
    let d = Sha256::digest(key.as_bytes());
    d.iter().map(|b| format!("{b:02x}")).collect()
}

/// The token of an `Authorization` header value (strips `Bearer `/`ApiKey `).
pub fn token_of(value: &str) -> &str {
    let v = value.trim();
    for p in ["Bearer ", "bearer ", "ApiKey ", "apikey ", "Apikey "] {
        if let Some(rest) = v.strip_prefix(p) {
            return rest.trim();
        }
    }
    v
}

/// Creates a key; returns `(id, key)`. The key is shown once and only its hash is stored.
pub async fn create_key(store: &Store, name: &str) -> StoreResult<(String, String)> {
    const ALPHABET: &[u8] = b"abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";
    let mut rng = rand::rng();
    let secret: String = (0..40)
        .map(|_| ALPHABET[rng.random_range(0..ALPHABET.len())] as char)
        .collect();
    let key = format!("evr_{secret}");
    let id = format!("key_{}", uuid::Uuid::now_v7().simple());
    store
        .create_api_key(&id, name, &key[..12], &hash_key(&key))
        .await?;
    Ok((id, key))
}

/// The hash of the API key a request was authenticated with (a request extension; absent in
/// `--dev` mode). Long-lived responses (SSE) re-check it and end when the key is revoked.
#[derive(Debug, Clone)]
pub struct AuthKey(pub String);

/// How often `last_used_at` of one key is written at most.
const TOUCH_INTERVAL: std::time::Duration = std::time::Duration::from_secs(60);

/// Records that a key was used: sets `last_used_at`, at most once per [`TOUCH_INTERVAL`] per
/// key and off the request path.
fn touch(store: &Store, hash: &str) {
    static LAST: std::sync::OnceLock<
        std::sync::Mutex<std::collections::HashMap<String, std::time::Instant>>,
    > = std::sync::OnceLock::new();
    let now = std::time::Instant::now();
    {
        let mut last = LAST
            .get_or_init(Default::default)
            .lock()
            .expect("touch lock");
        if last
            .get(hash)
            .is_some_and(|t| now.duration_since(*t) < TOUCH_INTERVAL)
        {
            return;
        }
        last.insert(hash.to_string(), now);
    }
    let (store, hash) = (store.clone(), hash.to_string());
    tokio::spawn(async move {
        if let Err(e) = store.touch_api_key(&hash).await {
            tracing::warn!(error = %e, "cannot record the key's last use");
        }
    });
}

/// True for the credentials of the Agent Execution API (agent keys, runtime tokens), which
/// reach only their channel's routes.
pub fn is_agent_credential(token: &str) -> bool {
    token.starts_with(everruns_core::AGENT_KEY_PREFIX)
        || token.starts_with(everruns_core::RUNTIME_TOKEN_PREFIX)
}

/// Middleware: checks the API key unless in dev mode. An agent key or runtime token is refused
/// even in dev mode: it never reaches a management route.
pub async fn require_auth(State(app): State<App>, req: Request<Body>, next: Next) -> Response {
    let agent_credential = req
        .headers()
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| is_agent_credential(token_of(v)));
    if agent_credential {
        return ApiError::forbidden(
            "agent_key_not_allowed",
            "Agent keys reach only their channel's routes (/api/v1/channels/{channel_id}/…), not the management API.",
        )
        .into_response();
    }
    if app.config.dev {
        return next.run(req).await;
    }
    let Some(value) = req
        .headers()
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
    else {
        return ApiError::unauthorized(
            "unauthorized",
            "Missing API key: send `Authorization: <key>` (create one with `everruns-server keys create`).",
        )
        .into_response();
    };
    let token = token_of(value);
    if token.is_empty() {
        return ApiError::unauthorized("unauthorized", "Empty API key.").into_response();
    }
    let hash = hash_key(token);
    match app.store.api_key_valid(&hash).await {
        Ok(true) => {
            touch(&app.store, &hash);
            let mut req = req;
            req.extensions_mut().insert(AuthKey(hash));
            next.run(req).await
        }
        Ok(false) => {
            ApiError::unauthorized("invalid_api_key", "Invalid or revoked API key.").into_response()
        }
        Err(e) => ApiError::internal(e).into_response(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn token_forms() {
        assert_eq!(token_of("evr_x"), "evr_x");
        assert_eq!(token_of("Bearer evr_x"), "evr_x");
        assert_eq!(token_of("ApiKey  evr_x "), "evr_x");
        assert_eq!(hash_key("a").len(), 64);
    }
}
