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

/// Middleware: checks the API key unless in dev mode.
pub async fn require_auth(State(app): State<App>, req: Request<Body>, next: Next) -> Response {
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
    match app.store.api_key_valid(&hash_key(token)).await {
        Ok(true) => next.run(req).await,
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
