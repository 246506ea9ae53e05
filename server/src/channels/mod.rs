//! The Agent Execution API's rules: who is calling a channel (agent key, runtime token,
//! `End-User`), what of a session's events they may see (channel visibility and error
//! disclosure), per-caller rate limits and `Idempotency-Key` replay.
//!
//! Order of checks on every channel route: the channel exists and is an `api` channel (404),
//! it is published (403), then the credential (401; a key of another channel or a management
//! key is the same generic 401), then `End-User` (403 without the `end_user` permission), then
//! the rate limit (429), then the session (404 unless this caller started it).

pub mod visibility;

use std::collections::HashMap;
use std::sync::{Mutex, OnceLock};
use std::time::{Duration, Instant};

use axum::http::{HeaderMap, StatusCode};
use everruns_core::{
    AgentChannel, ApiChannelConfig, END_USER_HEADER, IDEMPOTENCY_KEY_HEADER, MAX_END_USER_CHARS,
};
use sha2::{Digest, Sha256};

use crate::auth::{hash_key, token_of};
use crate::error::{ApiError, ApiResult};
use crate::store::{IdempotencyState, SessionOwner};
use crate::App;

pub use everruns_core::{AGENT_KEY_PREFIX, RUNTIME_TOKEN_PREFIX};

/// The caller behind one channel request.
#[derive(Debug, Clone)]
pub struct Caller {
    /// The channel.
    pub channel: AgentChannel,
    /// Its settings.
    pub config: ApiChannelConfig,
    /// The key (and end user) sessions are scoped to.
    pub owner: SessionOwner,
    /// `None` for a runtime token (it cannot mint further tokens).
    pub key_permissions: Option<Vec<String>>,
}

/// Validates `channel_id`'s shape (`appchan_<32 hex>`).
pub fn check_channel_id(id: &str) -> ApiResult<()> {
    let ok = id.strip_prefix("appchan_").is_some_and(|h| {
        h.len() == 32 && h.bytes().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f'))
    });
    if ok {
        Ok(())
    } else {
        Err(ApiError::bad_request(
            "invalid_id",
            format!("Invalid channel id {id:?}: expected `appchan_` followed by 32 lowercase hex digits."),
        ))
    }
}

/// The stored settings of an api channel, with the defaults filled in.
pub fn config_of(channel: &AgentChannel) -> ApiResult<ApiChannelConfig> {
    serde_json::from_value(channel.channel_config.clone()).map_err(|e| {
        ApiError::forbidden(
            "channel_misconfigured",
            format!("This agent is misconfigured: {e}"),
        )
    })
}

/// Checks an api channel's settings: known values only, a clear 400 otherwise.
pub fn validate_config(value: Option<serde_json::Value>) -> ApiResult<serde_json::Value> {
    let config: ApiChannelConfig = match value {
        None | Some(serde_json::Value::Null) => ApiChannelConfig::default(),
        Some(v) => serde_json::from_value(v)
            .map_err(|e| ApiError::invalid(format!("Invalid channel_config: {e}")))?,
    };
    let one_of = |field: &str, value: &str, allowed: &[&str]| {
        if allowed.contains(&value) {
            Ok(())
        } else {
            Err(ApiError::invalid(format!(
                "channel_config.{field} must be one of {}, got {value:?}.",
                allowed.join(", ")
            )))
        }
    };
    one_of(
        "visibility",
        &config.visibility,
        &["messages", "activity", "full"],
    )?;
    one_of("errors", &config.errors, &["public", "detailed"])?;
    one_of(
        "tool_approvals",
        &config.tool_approvals,
        &["operator", "caller"],
    )?;
    if let Some(t) = &config.tool_activity_text {
        crate::util::check_len("channel_config.tool_activity_text", t, 200)?;
    }
    Ok(serde_json::to_value(config).expect("config serialises"))
}

fn end_user_of(headers: &HeaderMap) -> ApiResult<Option<String>> {
    let Some(v) = headers.get(END_USER_HEADER) else {
        return Ok(None);
    };
    let v = v
        .to_str()
        .map_err(|_| ApiError::invalid("The End-User header must be visible ASCII text."))?
        .trim();
    if v.is_empty() || v.chars().count() > MAX_END_USER_CHARS {
        return Err(ApiError::invalid(format!(
            "The End-User header must be 1 to {MAX_END_USER_CHARS} characters."
        )));
    }
    Ok(Some(v.to_string()))
}

fn unauthorized() -> ApiError {
    ApiError::unauthorized(
        "unauthorized",
        "Invalid or missing credentials: send `Authorization: Bearer evr_ak_…` with an agent key of this channel.",
    )
}

/// Resolves the caller of a request to `channel_id` (see the module docs for the order).
pub async fn authorize(app: &App, channel_id: &str, headers: &HeaderMap) -> ApiResult<Caller> {
    check_channel_id(channel_id)?;
    let channel = app
        .store
        .get_channel(channel_id)
        .await?
        .filter(|c| c.channel_type == "api")
        .ok_or_else(|| ApiError::not_found("not_found", "Channel or session not found."))?;
    if channel.status != "live" || app.store.get_agent(&channel.agent_id).await?.is_none() {
        return Err(ApiError::forbidden(
            "agent_unavailable",
            "This agent is not available.",
        ));
    }
    let config = config_of(&channel)?;
    let token = headers
        .get(axum::http::header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .map(token_of)
        .unwrap_or_default();
    let end_user = end_user_of(headers)?;
    let (owner, key_permissions) = if token.starts_with(AGENT_KEY_PREFIX) {
        let key = app
            .store
            .find_agent_key(&hash_key(token))
            .await?
            .filter(|k| k.channel_id == channel.id && k.permissions.iter().any(|p| p == "sessions"))
            .ok_or_else(unauthorized)?;
        if end_user.is_some() && !key.permissions.iter().any(|p| p == "end_user") {
            return Err(ApiError::forbidden(
                "end_user_not_allowed",
                "This credential may not act for an end user: the key needs the `end_user` permission.",
            ));
        }
        touch(app, &key.id);
        (
            SessionOwner {
                channel_id: channel.id.clone(),
                key_id: key.id,
                end_user: end_user.unwrap_or_default(),
            },
            Some(key.permissions),
        )
    } else if token.starts_with(RUNTIME_TOKEN_PREFIX) {
        let owner = app
            .store
            .find_runtime_token(&hash_key(token))
            .await?
            .filter(|o| o.channel_id == channel.id)
            .ok_or_else(unauthorized)?;
        if end_user.as_ref().is_some_and(|u| *u != owner.end_user) {
            return Err(ApiError::forbidden(
                "end_user_not_allowed",
                "A runtime token acts for its own end user only.",
            ));
        }
        (owner, None)
    } else {
        return Err(unauthorized());
    };
    rate_limit(&channel.id, &owner, config.rate_limit_per_minute)?;
    Ok(Caller {
        channel,
        config,
        owner,
        key_permissions,
    })
}

/// Records a key's use at most once a minute, off the request path.
fn touch(app: &App, key_id: &str) {
    static LAST: OnceLock<Mutex<HashMap<String, Instant>>> = OnceLock::new();
    let now = Instant::now();
    {
        let mut last = LAST
            .get_or_init(Default::default)
            .lock()
            .expect("touch lock");
        if last
            .get(key_id)
            .is_some_and(|t| now.duration_since(*t) < Duration::from_secs(60))
        {
            return;
        }
        last.insert(key_id.to_string(), now);
    }
    let (store, id) = (app.store.clone(), key_id.to_string());
    tokio::spawn(async move {
        if let Err(e) = store.touch_agent_key(&id).await {
            tracing::warn!(error = %e, "cannot record the agent key's last use");
        }
    });
}

/// A fixed one-minute window per channel, key and end user.
fn rate_limit(channel_id: &str, owner: &SessionOwner, limit: Option<u32>) -> ApiResult<()> {
    let Some(limit) = limit.filter(|l| *l > 0) else {
        return Ok(());
    };
    static WINDOWS: OnceLock<Mutex<HashMap<String, (Instant, u32)>>> = OnceLock::new();
    let scope = format!("{channel_id}\u{0}{}\u{0}{}", owner.key_id, owner.end_user);
    let now = Instant::now();
    let mut w = WINDOWS
        .get_or_init(Default::default)
        .lock()
        .expect("rate lock");
    let entry = w.entry(scope).or_insert((now, 0));
    if now.duration_since(entry.0) >= Duration::from_secs(60) {
        *entry = (now, 0);
    }
    if entry.1 >= limit {
        return Err(ApiError::new(
            StatusCode::TOO_MANY_REQUESTS,
            "rate_limited",
            format!("Rate limit exceeded: at most {limit} requests per minute on this channel."),
        ));
    }
    entry.1 += 1;
    Ok(())
}

/// A session the caller may reach (404 for any other, like one that does not exist).
pub async fn callers_session(
    app: &App,
    caller: &Caller,
    session_id: &str,
) -> ApiResult<everruns_core::Session> {
    let not_found = || ApiError::not_found("not_found", "Channel or session not found.");
    if everruns_core::ids::validate(everruns_core::ids::IdKind::Session, session_id).is_err() {
        return Err(not_found());
    }
    match app.store.session_owner(session_id).await? {
        Some(o) if o == caller.owner => {}
        _ => return Err(not_found()),
    }
    app.store
        .get_session(session_id)
        .await?
        .ok_or_else(not_found)
}

/// An `Idempotency-Key` claim: replay the first response, or handle the request and record it.
pub enum Idempotent {
    /// No header: handle the request normally.
    None,
    /// Handle it, then [`finish`] with this scope.
    Claimed(String),
    /// Answer with the first request's response.
    Replay(StatusCode, String),
}

/// Longest accepted `Idempotency-Key`.
const MAX_IDEMPOTENCY_KEY: usize = 255;

/// Claims the request's `Idempotency-Key` (if any) for `route` and this caller. A key reused
/// with a different body is refused (422); one whose first request is still running waits
/// briefly for it, then answers 409.
pub async fn idempotency(
    app: &App,
    caller: &Caller,
    headers: &HeaderMap,
    route: &str,
    body: &[u8],
) -> ApiResult<Idempotent> {
    let Some(v) = headers.get(IDEMPOTENCY_KEY_HEADER) else {
        return Ok(Idempotent::None);
    };
    let key = v
        .to_str()
        .ok()
        .map(str::trim)
        .filter(|k| !k.is_empty() && k.len() <= MAX_IDEMPOTENCY_KEY)
        .ok_or_else(|| {
            ApiError::invalid(format!(
                "The Idempotency-Key header must be 1 to {MAX_IDEMPOTENCY_KEY} visible ASCII characters."
            ))
        })?;
    // Stored as a digest of the NUL-separated parts: unambiguous, and text PostgreSQL accepts
    // (it refuses NUL in text).
    let scope: String = Sha256::digest(format!(
        "{}\u{0}{}\u{0}{}\u{0}{route}\u{0}{key}",
        caller.owner.channel_id, caller.owner.key_id, caller.owner.end_user
    ))
    .iter()
    .map(|b| format!("{b:02x}"))
    .collect();
    let fingerprint: String = Sha256::digest(body)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect();
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        match app.store.idempotency_begin(&scope, &fingerprint).await? {
            IdempotencyState::New => return Ok(Idempotent::Claimed(scope)),
            IdempotencyState::Done(status, body) => {
                let status = StatusCode::from_u16(status).unwrap_or(StatusCode::OK);
                return Ok(Idempotent::Replay(status, body));
            }
            IdempotencyState::Mismatch => {
                return Err(ApiError::new(
                    StatusCode::UNPROCESSABLE_ENTITY,
                    "idempotency_key_reused",
                    "This Idempotency-Key was already used with a different request.",
                ))
            }
            IdempotencyState::InFlight if Instant::now() < deadline => {
                tokio::time::sleep(Duration::from_millis(50)).await;
            }
            IdempotencyState::InFlight => {
                return Err(ApiError::conflict(
                    "idempotency_in_progress",
                    "A request with this Idempotency-Key is still being handled; retry shortly.",
                ))
            }
        }
    }
}

/// Records the claimed request's outcome: a success is replayed to later requests with the
/// same key; a failure releases the key.
pub async fn finish(app: &App, scope: &str, outcome: &ApiResult<(StatusCode, String)>) {
    let r = match outcome {
        Ok((status, body)) => {
            app.store
                .idempotency_finish(scope, status.as_u16(), body)
                .await
        }
        Err(_) => app.store.idempotency_abort(scope).await,
    };
    if let Err(e) = r {
        tracing::warn!(error = %e, "cannot record the idempotency outcome");
    }
}
