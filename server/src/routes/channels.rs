//! The Agent Execution API (upstream 0.3 routes and shapes).
//!
//! Management (management API key, under `/api/v1`): api channels on an agent
//! (`…/agents/{agent_id}/channels…`, publish/unpublish) and their agent keys (create, list,
//! rotate, revoke; the secret is in the create/rotate response only and stored hashed).
//!
//! Execution (agent key, under `/api/v1/channels/{channel_id}`, see [`crate::channels`] for
//! the checks): the agent card, the caller's sessions, messages, cancel, events (polling and
//! SSE, filtered by the channel's visibility) and runtime tokens. Question answers and tool
//! approvals are not served here yet (they need the interaction service of the runtime).

use std::sync::Arc;

use axum::body::{to_bytes, Bytes};
use axum::extract::{OriginalUri, Path, State};
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use chrono::Duration as ChronoDuration;
use everruns_core::{
    AgentCard, AgentChannel, AgentKey, AgentKeyWithSecret, AgentSession, AgentSessionPage,
    CancelTurnResponse, CreateAgentChannelRequest, CreateAgentKeyRequest,
    CreateAgentSessionRequest, CreateMessageRequest, ErrorResponse, Message, RotateAgentKeyRequest,
    RuntimeToken, Session, UpdateAgentChannelRequest, AGENT_KEY_PREFIX, RUNTIME_TOKEN_PREFIX,
};
use rand::Rng;
use serde_json::json;

use crate::auth::hash_key;
use crate::channels::{self, visibility, Caller, Idempotent};
use crate::error::{ApiError, ApiResult};
use crate::store::{now, EventQuery};
use crate::util::{origin, ApiJson, Qs};
use crate::App;

/// How long a runtime token works.
pub const RUNTIME_TOKEN_TTL_SECS: u64 = 15 * 60;
/// Default and largest rotation overlap, in hours.
const DEFAULT_OVERLAP_HOURS: u32 = 24;
const MAX_OVERLAP_HOURS: u32 = 168;

/// Management routes (mounted with the management auth layer).
pub fn management_routes() -> Router<App> {
    Router::new()
        .route(
            "/agents/{agent}/channels",
            post(create_channel).get(list_channels),
        )
        .route(
            "/agents/{agent}/channels/{channel_id}",
            get(get_channel)
                .patch(update_channel)
                .delete(delete_channel),
        )
        .route(
            "/agents/{agent}/channels/{channel_id}/publish",
            post(publish_channel),
        )
        .route(
            "/agents/{agent}/channels/{channel_id}/unpublish",
            post(unpublish_channel),
        )
        .route(
            "/agents/{agent}/channels/{channel_id}/keys",
            post(create_key).get(list_keys),
        )
        .route(
            "/agents/{agent}/channels/{channel_id}/keys/{key_id}/rotate",
            post(rotate_key),
        )
        .route(
            "/agents/{agent}/channels/{channel_id}/keys/{key_id}/revoke",
            post(revoke_key),
        )
}

/// Execution routes (no management auth: each handler authorizes its caller).
pub fn execution_routes() -> Router<App> {
    Router::new()
        .route("/channels/{channel_id}", get(card))
        .route(
            "/channels/{channel_id}/sessions",
            post(create_session).get(list_sessions),
        )
        .route(
            "/channels/{channel_id}/sessions/{session_id}",
            get(get_session),
        )
        .route(
            "/channels/{channel_id}/sessions/{session_id}/messages",
            post(send_message),
        )
        .route(
            "/channels/{channel_id}/sessions/{session_id}/cancel",
            post(cancel),
        )
        .route(
            "/channels/{channel_id}/sessions/{session_id}/events",
            get(list_events),
        )
        .route(
            "/channels/{channel_id}/sessions/{session_id}/sse",
            get(stream_events),
        )
        .route("/channels/{channel_id}/runtime-auth", post(runtime_auth))
        .merge(super::channel_interaction::routes())
}

// ------------------------------------------------------------------------------ management

fn secret(prefix: &str) -> String {
    let mut rng = rand::rng();
    let bytes: String = (0..32)
        .map(|_| format!("{:02x}", rng.random::<u8>()))
        .collect();
    format!("{prefix}{bytes}")
}

fn display_prefix(secret: &str) -> String {
    format!(
        "{}...",
        &secret[..(AGENT_KEY_PREFIX.len() + 8).min(secret.len())]
    )
}

fn with_url(app: &App, headers: &HeaderMap, mut c: AgentChannel) -> AgentChannel {
    c.agent_url = Some(format!(
        "{}/api/v1/channels/{}",
        origin(&app.config, headers),
        c.id
    ));
    c
}

/// The agent (by id or name) and its channel `channel_id` (404 otherwise).
async fn load_channel(app: &App, agent: &str, channel_id: &str) -> ApiResult<AgentChannel> {
    let agent = app
        .store
        .get_agent(agent)
        .await?
        .ok_or_else(|| super::agents::not_found(agent))?;
    channels::check_channel_id(channel_id)?;
    app.store
        .get_channel(channel_id)
        .await?
        .filter(|c| c.agent_id == agent.id)
        .ok_or_else(|| {
            ApiError::not_found(
                "channel_not_found",
                format!("Channel {channel_id} not found."),
            )
        })
}

/// Create an api channel on an agent (status `draft` until published).
#[utoipa::path(post, path = "/api/v1/agents/{agent_id}/channels", tag = "agent-channels",
    params(("agent_id" = String, Path, description = "Agent id or name")),
    request_body = CreateAgentChannelRequest,
    responses((status = 201, body = AgentChannel), (status = 400, body = ErrorResponse),
              (status = 404, body = ErrorResponse)))]
pub async fn create_channel(
    State(app): State<App>,
    Path(agent): Path<String>,
    headers: HeaderMap,
    ApiJson(req): ApiJson<CreateAgentChannelRequest>,
) -> ApiResult<Response> {
    let agent = app
        .store
        .get_agent(&agent)
        .await?
        .ok_or_else(|| super::agents::not_found(&agent))?;
    if req.channel_type != "api" {
        return Err(ApiError::invalid(format!(
            "Unsupported channel_type {:?}: this server serves `api` channels only.",
            req.channel_type
        )));
    }
    let config = channels::validate_config(req.channel_config)?;
    let t = now();
    let channel = AgentChannel {
        id: format!("appchan_{}", uuid::Uuid::now_v7().simple()),
        agent_id: agent.id,
        channel_type: "api".into(),
        channel_config: config,
        status: "draft".into(),
        enabled: true,
        agent_url: None,
        created_at: t,
        updated_at: t,
    };
    app.store.create_channel(&channel).await?;
    Ok((StatusCode::CREATED, Json(with_url(&app, &headers, channel))).into_response())
}

/// An agent's channels.
#[utoipa::path(get, path = "/api/v1/agents/{agent_id}/channels", tag = "agent-channels",
    params(("agent_id" = String, Path, description = "Agent id or name")),
    responses((status = 200, body = Vec<AgentChannel>), (status = 404, body = ErrorResponse)))]
pub async fn list_channels(
    State(app): State<App>,
    Path(agent): Path<String>,
    headers: HeaderMap,
) -> ApiResult<Json<Vec<AgentChannel>>> {
    let a = app
        .store
        .get_agent(&agent)
        .await?
        .ok_or_else(|| super::agents::not_found(&agent))?;
    let list = app.store.list_channels(&a.id).await?;
    Ok(Json(
        list.into_iter()
            .map(|c| with_url(&app, &headers, c))
            .collect(),
    ))
}

/// One channel.
#[utoipa::path(get, path = "/api/v1/agents/{agent_id}/channels/{channel_id}", tag = "agent-channels",
    params(("agent_id" = String, Path, description = "Agent id or name"),
           ("channel_id" = String, Path, description = "`appchan_…` id")),
    responses((status = 200, body = AgentChannel), (status = 404, body = ErrorResponse)))]
pub async fn get_channel(
    State(app): State<App>,
    Path((agent, channel_id)): Path<(String, String)>,
    headers: HeaderMap,
) -> ApiResult<Json<AgentChannel>> {
    let c = load_channel(&app, &agent, &channel_id).await?;
    Ok(Json(with_url(&app, &headers, c)))
}

/// Replace a channel's settings.
#[utoipa::path(patch, path = "/api/v1/agents/{agent_id}/channels/{channel_id}", tag = "agent-channels",
    params(("agent_id" = String, Path, description = "Agent id or name"),
           ("channel_id" = String, Path, description = "`appchan_…` id")),
    request_body = UpdateAgentChannelRequest,
    responses((status = 200, body = AgentChannel), (status = 400, body = ErrorResponse),
              (status = 404, body = ErrorResponse)))]
pub async fn update_channel(
    State(app): State<App>,
    Path((agent, channel_id)): Path<(String, String)>,
    headers: HeaderMap,
    ApiJson(req): ApiJson<UpdateAgentChannelRequest>,
) -> ApiResult<Json<AgentChannel>> {
    let mut c = load_channel(&app, &agent, &channel_id).await?;
    if req.channel_config.is_some() {
        c.channel_config = channels::validate_config(req.channel_config)?;
    }
    c.updated_at = now();
    app.store.update_channel(&c).await?;
    Ok(Json(with_url(&app, &headers, c)))
}

/// Delete a channel and its keys.
#[utoipa::path(delete, path = "/api/v1/agents/{agent_id}/channels/{channel_id}", tag = "agent-channels",
    params(("agent_id" = String, Path, description = "Agent id or name"),
           ("channel_id" = String, Path, description = "`appchan_…` id")),
    responses((status = 204, description = "Deleted"), (status = 404, body = ErrorResponse)))]
pub async fn delete_channel(
    State(app): State<App>,
    Path((agent, channel_id)): Path<(String, String)>,
) -> ApiResult<StatusCode> {
    load_channel(&app, &agent, &channel_id).await?;
    app.store.delete_channel(&channel_id).await?;
    Ok(StatusCode::NO_CONTENT)
}

async fn set_status(
    app: &App,
    headers: &HeaderMap,
    agent: &str,
    channel_id: &str,
    status: &str,
) -> ApiResult<Json<AgentChannel>> {
    let mut c = load_channel(app, agent, channel_id).await?;
    c.status = status.into();
    c.enabled = status != "disabled";
    c.updated_at = now();
    app.store.update_channel(&c).await?;
    Ok(Json(with_url(app, headers, c)))
}

/// Publish a channel: it starts accepting agent-key traffic.
#[utoipa::path(post, path = "/api/v1/agents/{agent_id}/channels/{channel_id}/publish", tag = "agent-channels",
    params(("agent_id" = String, Path, description = "Agent id or name"),
           ("channel_id" = String, Path, description = "`appchan_…` id")),
    responses((status = 200, body = AgentChannel), (status = 404, body = ErrorResponse)))]
pub async fn publish_channel(
    State(app): State<App>,
    Path((agent, channel_id)): Path<(String, String)>,
    headers: HeaderMap,
) -> ApiResult<Json<AgentChannel>> {
    set_status(&app, &headers, &agent, &channel_id, "live").await
}

/// Unpublish a channel: its routes answer 403 until published again.
#[utoipa::path(post, path = "/api/v1/agents/{agent_id}/channels/{channel_id}/unpublish", tag = "agent-channels",
    params(("agent_id" = String, Path, description = "Agent id or name"),
           ("channel_id" = String, Path, description = "`appchan_…` id")),
    responses((status = 200, body = AgentChannel), (status = 404, body = ErrorResponse)))]
pub async fn unpublish_channel(
    State(app): State<App>,
    Path((agent, channel_id)): Path<(String, String)>,
    headers: HeaderMap,
) -> ApiResult<Json<AgentChannel>> {
    set_status(&app, &headers, &agent, &channel_id, "draft").await
}

/// Create an agent key. The secret is in this response only; the server keeps its hash.
#[utoipa::path(post, path = "/api/v1/agents/{agent_id}/channels/{channel_id}/keys", tag = "agent-channels",
    params(("agent_id" = String, Path, description = "Agent id or name"),
           ("channel_id" = String, Path, description = "`appchan_…` id")),
    request_body = CreateAgentKeyRequest,
    responses((status = 201, body = AgentKeyWithSecret), (status = 400, body = ErrorResponse),
              (status = 404, body = ErrorResponse)))]
pub async fn create_key(
    State(app): State<App>,
    Path((agent, channel_id)): Path<(String, String)>,
    ApiJson(req): ApiJson<CreateAgentKeyRequest>,
) -> ApiResult<Response> {
    let c = load_channel(&app, &agent, &channel_id).await?;
    let name = req.name.trim();
    if name.is_empty() {
        return Err(ApiError::invalid("An agent key needs a non-empty `name`."));
    }
    crate::util::check_len("name", name, 200)?;
    let mut permissions = req.permissions.unwrap_or_else(|| vec!["sessions".into()]);
    if let Some(bad) = permissions
        .iter()
        .find(|p| !["sessions", "end_user"].contains(&p.as_str()))
    {
        return Err(ApiError::invalid(format!(
            "Unknown permission {bad:?}: expected `sessions` or `end_user`."
        )));
    }
    if !permissions.iter().any(|p| p == "sessions") {
        permissions.insert(0, "sessions".into());
    }
    permissions.dedup();
    if req.expires_at.is_some_and(|e| e <= now()) {
        return Err(ApiError::invalid("`expires_at` must be in the future."));
    }
    let secret = secret(AGENT_KEY_PREFIX);
    let key = AgentKey {
        id: format!("agentkey_{}", uuid::Uuid::now_v7().simple()),
        channel_id: c.id,
        name: name.to_string(),
        prefix: display_prefix(&secret),
        permissions,
        expires_at: req.expires_at,
        previous_valid_until: None,
        last_used_at: None,
        revoked_at: None,
        created_at: now(),
    };
    app.store.create_agent_key(&key, &hash_key(&secret)).await?;
    Ok((
        StatusCode::CREATED,
        Json(AgentKeyWithSecret { key, secret }),
    )
        .into_response())
}

/// A channel's keys, newest first. Secrets are never returned.
#[utoipa::path(get, path = "/api/v1/agents/{agent_id}/channels/{channel_id}/keys", tag = "agent-channels",
    params(("agent_id" = String, Path, description = "Agent id or name"),
           ("channel_id" = String, Path, description = "`appchan_…` id")),
    responses((status = 200, body = Vec<AgentKey>), (status = 404, body = ErrorResponse)))]
pub async fn list_keys(
    State(app): State<App>,
    Path((agent, channel_id)): Path<(String, String)>,
) -> ApiResult<Json<Vec<AgentKey>>> {
    let c = load_channel(&app, &agent, &channel_id).await?;
    Ok(Json(app.store.list_agent_keys(&c.id).await?))
}

async fn load_key(app: &App, agent: &str, channel_id: &str, key_id: &str) -> ApiResult<AgentKey> {
    let c = load_channel(app, agent, channel_id).await?;
    app.store
        .get_agent_key(key_id)
        .await?
        .filter(|k| k.channel_id == c.id)
        .ok_or_else(|| {
            ApiError::not_found("key_not_found", format!("Agent key {key_id} not found."))
        })
}

/// Replace a key's secret (same id). The old secret keeps working for `overlap_hours`.
#[utoipa::path(post, path = "/api/v1/agents/{agent_id}/channels/{channel_id}/keys/{key_id}/rotate", tag = "agent-channels",
    params(("agent_id" = String, Path, description = "Agent id or name"),
           ("channel_id" = String, Path, description = "`appchan_…` id"),
           ("key_id" = String, Path, description = "`agentkey_…` id")),
    request_body = RotateAgentKeyRequest,
    responses((status = 200, body = AgentKeyWithSecret), (status = 400, body = ErrorResponse),
              (status = 404, body = ErrorResponse)))]
pub async fn rotate_key(
    State(app): State<App>,
    Path((agent, channel_id, key_id)): Path<(String, String, String)>,
    headers: HeaderMap,
    body: Bytes,
) -> ApiResult<Json<AgentKeyWithSecret>> {
    let req: RotateAgentKeyRequest = if body.iter().all(u8::is_ascii_whitespace) {
        RotateAgentKeyRequest::default()
    } else {
        super::json_body(&headers, &body)?
    };
    let hours = req.overlap_hours.unwrap_or(DEFAULT_OVERLAP_HOURS);
    if hours > MAX_OVERLAP_HOURS {
        return Err(ApiError::invalid(format!(
            "overlap_hours must be between 0 and {MAX_OVERLAP_HOURS}, got {hours}."
        )));
    }
    let key = load_key(&app, &agent, &channel_id, &key_id).await?;
    if key.revoked_at.is_some() {
        return Err(ApiError::not_found(
            "key_not_found",
            format!("Agent key {key_id} is revoked."),
        ));
    }
    let secret = secret(AGENT_KEY_PREFIX);
    let until = now() + ChronoDuration::hours(i64::from(hours));
    app.store
        .rotate_agent_key(&key.id, &hash_key(&secret), &display_prefix(&secret), until)
        .await?;
    let key = load_key(&app, &agent, &channel_id, &key_id).await?;
    Ok(Json(AgentKeyWithSecret { key, secret }))
}

/// Revoke a key: neither its secret nor a rotated-out one works again.
#[utoipa::path(post, path = "/api/v1/agents/{agent_id}/channels/{channel_id}/keys/{key_id}/revoke", tag = "agent-channels",
    params(("agent_id" = String, Path, description = "Agent id or name"),
           ("channel_id" = String, Path, description = "`appchan_…` id"),
           ("key_id" = String, Path, description = "`agentkey_…` id")),
    responses((status = 200, body = AgentKey), (status = 404, body = ErrorResponse)))]
pub async fn revoke_key(
    State(app): State<App>,
    Path((agent, channel_id, key_id)): Path<(String, String, String)>,
) -> ApiResult<Json<AgentKey>> {
    load_key(&app, &agent, &channel_id, &key_id).await?;
    app.store.revoke_agent_key(&key_id).await?;
    Ok(Json(load_key(&app, &agent, &channel_id, &key_id).await?))
}

// ------------------------------------------------------------------------------- execution

async fn view(app: &App, s: &Session) -> ApiResult<AgentSession> {
    Ok(AgentSession {
        id: s.id.clone(),
        title: s.title.clone(),
        status: s.status.as_str().to_string(),
        last_turn_status: app.store.last_turn_status(&s.id).await?,
        pending_questions: None,
        pending_approvals: None,
        created_at: s.created_at,
        updated_at: s.updated_at,
    })
}

/// The body of a response produced by another handler.
async fn body_json<T: serde::de::DeserializeOwned>(resp: Response) -> ApiResult<T> {
    let bytes = to_bytes(resp.into_body(), usize::MAX)
        .await
        .map_err(ApiError::internal)?;
    serde_json::from_slice(&bytes).map_err(ApiError::internal)
}

/// Runs `handle` under the request's `Idempotency-Key` (if any): a replay answers the first
/// response without running it again.
async fn idempotent<F, Fut>(
    app: &App,
    caller: &Caller,
    headers: &HeaderMap,
    route: &str,
    body: &[u8],
    handle: F,
) -> ApiResult<Response>
where
    F: FnOnce() -> Fut,
    Fut: std::future::Future<Output = ApiResult<(StatusCode, String)>>,
{
    let claim = channels::idempotency(app, caller, headers, route, body).await?;
    let outcome = match claim {
        Idempotent::Replay(status, body) => Ok((status, body)),
        Idempotent::None => handle().await,
        Idempotent::Claimed(scope) => {
            let outcome = handle().await;
            channels::finish(app, &scope, &outcome).await;
            outcome
        }
    };
    let (status, body) = outcome?;
    Ok((status, [(header::CONTENT_TYPE, "application/json")], body).into_response())
}

const CHANNEL_ID: &str = "`appchan_…` id of an api channel";

/// The agent card: the agent's name and how to talk to it.
#[utoipa::path(get, path = "/api/v1/channels/{channel_id}", tag = "agent-execution",
    params(("channel_id" = String, Path, description = CHANNEL_ID)),
    responses((status = 200, body = AgentCard), (status = 401, body = ErrorResponse),
              (status = 403, body = ErrorResponse), (status = 404, body = ErrorResponse)),
    security(("agent_key" = [])))]
pub async fn card(
    State(app): State<App>,
    Path(channel_id): Path<String>,
    headers: HeaderMap,
) -> ApiResult<Json<AgentCard>> {
    let caller = channels::authorize(&app, &channel_id, &headers).await?;
    let agent = app
        .store
        .get_agent(&caller.channel.agent_id)
        .await?
        .ok_or_else(|| ApiError::forbidden("agent_unavailable", "This agent is not available."))?;
    Ok(Json(AgentCard {
        name: agent.display_name.clone().unwrap_or(agent.name),
        description: agent.description,
        streaming: true,
        input: vec!["text".into()],
        auth: vec!["agent_key".into(), "runtime_token".into()],
        conversation_starters: Vec::new(),
        links: json!({"sessions": format!("/api/v1/channels/{}/sessions", caller.channel.id)}),
    }))
}

/// Start a session for the caller (`Idempotency-Key` replays the first response).
#[utoipa::path(post, path = "/api/v1/channels/{channel_id}/sessions", tag = "agent-execution",
    params(("channel_id" = String, Path, description = CHANNEL_ID),
           ("End-User" = Option<String>, Header, description = "Act for this end user (key needs `end_user`)"),
           ("Idempotency-Key" = Option<String>, Header, description = "Replays the first response")),
    request_body = CreateAgentSessionRequest,
    responses((status = 201, body = AgentSession), (status = 400, body = ErrorResponse),
              (status = 401, body = ErrorResponse), (status = 403, body = ErrorResponse),
              (status = 422, description = "Idempotency-Key reused with another body", body = ErrorResponse)),
    security(("agent_key" = [])))]
pub async fn create_session(
    State(app): State<App>,
    Path(channel_id): Path<String>,
    headers: HeaderMap,
    body: Bytes,
) -> ApiResult<Response> {
    let caller = channels::authorize(&app, &channel_id, &headers).await?;
    let req: CreateAgentSessionRequest = if body.iter().all(u8::is_ascii_whitespace) {
        CreateAgentSessionRequest::default()
    } else {
        super::json_body(&headers, &body)?
    };
    if req.title.as_ref().is_some_and(|t| t.chars().count() > 200) {
        return Err(ApiError::invalid("title must be at most 200 characters."));
    }
    idempotent(&app, &caller, &headers, "sessions", &body, || async {
        let create = everruns_core::CreateSessionRequest {
            agent_id: Some(caller.channel.agent_id.clone()),
            title: req.title.clone(),
            tags: vec![
                format!("api_channel:{}", caller.channel.id),
                format!("api_key:{}", caller.owner.key_id),
            ],
            ..Default::default()
        };
        let session =
            crate::service::sessions::create(&app, create, &super::change(&headers)?).await?;
        app.store
            .set_session_owner(&session.id, &caller.owner)
            .await?;
        let v = view(&app, &session).await?;
        Ok((
            StatusCode::CREATED,
            serde_json::to_string(&v).map_err(ApiError::internal)?,
        ))
    })
    .await
}

/// The caller's sessions, most recently active first.
#[utoipa::path(get, path = "/api/v1/channels/{channel_id}/sessions", tag = "agent-execution",
    params(("channel_id" = String, Path, description = CHANNEL_ID),
           ("limit" = Option<u32>, Query, description = "Page size, 1 to 200 (default 50)"),
           ("page_token" = Option<String>, Query, description = "`next_page_token` of the previous page")),
    responses((status = 200, body = AgentSessionPage), (status = 400, body = ErrorResponse),
              (status = 401, body = ErrorResponse)),
    security(("agent_key" = [])))]
pub async fn list_sessions(
    State(app): State<App>,
    Path(channel_id): Path<String>,
    OriginalUri(uri): OriginalUri,
    headers: HeaderMap,
) -> ApiResult<Json<AgentSessionPage>> {
    let caller = channels::authorize(&app, &channel_id, &headers).await?;
    let q = Qs::parse(uri.query());
    let limit = q.u64("limit")?.unwrap_or(50);
    if !(1..=200).contains(&limit) {
        return Err(ApiError::bad_request(
            "invalid_query",
            format!("limit must be between 1 and 200, got {limit}."),
        ));
    }
    let offset = match q.get("page_token") {
        None => 0,
        Some(t) => t
            .parse::<u64>()
            .ok()
            .filter(|o| *o <= crate::util::MAX_OFFSET)
            .ok_or_else(|| ApiError::bad_request("invalid_query", "Invalid page_token."))?,
    };
    let rows = app
        .store
        .list_owned_sessions(&caller.owner, offset, limit + 1)
        .await?;
    let more = rows.len() as u64 > limit;
    let mut data = Vec::new();
    for s in rows.iter().take(limit as usize) {
        data.push(view(&app, s).await?);
    }
    Ok(Json(AgentSessionPage {
        data,
        next_page_token: more.then(|| (offset + limit).to_string()),
    }))
}

/// One of the caller's sessions, with what it waits on.
#[utoipa::path(get, path = "/api/v1/channels/{channel_id}/sessions/{session_id}", tag = "agent-execution",
    params(("channel_id" = String, Path, description = CHANNEL_ID),
           ("session_id" = String, Path, description = "`session_…` id")),
    responses((status = 200, body = AgentSession), (status = 401, body = ErrorResponse),
              (status = 404, body = ErrorResponse)),
    security(("agent_key" = [])))]
pub async fn get_session(
    State(app): State<App>,
    Path((channel_id, session_id)): Path<(String, String)>,
    headers: HeaderMap,
) -> ApiResult<Json<AgentSession>> {
    let caller = channels::authorize(&app, &channel_id, &headers).await?;
    let s = channels::callers_session(&app, &caller, &session_id).await?;
    let mut v = view(&app, &s).await?;
    let pending = super::channel_interaction::pending(&app, &s.id).await?;
    v.pending_questions = Some(pending.questions);
    v.pending_approvals = Some(pending.approvals);
    Ok(Json(v))
}

/// Send a user message (text parts): starts a turn. `Idempotency-Key` never starts a second.
#[utoipa::path(post, path = "/api/v1/channels/{channel_id}/sessions/{session_id}/messages", tag = "agent-execution",
    params(("channel_id" = String, Path, description = CHANNEL_ID),
           ("session_id" = String, Path, description = "`session_…` id"),
           ("Idempotency-Key" = Option<String>, Header, description = "Replays the first response")),
    request_body = CreateMessageRequest,
    responses((status = 201, body = Message), (status = 400, body = ErrorResponse),
              (status = 401, body = ErrorResponse), (status = 404, body = ErrorResponse),
              (status = 422, description = "Idempotency-Key reused with another body", body = ErrorResponse)),
    security(("agent_key" = [])))]
pub async fn send_message(
    State(app): State<App>,
    Path((channel_id, session_id)): Path<(String, String)>,
    headers: HeaderMap,
    body: Bytes,
) -> ApiResult<Response> {
    let caller = channels::authorize(&app, &channel_id, &headers).await?;
    let req: CreateMessageRequest = super::json_body(&headers, &body)?;
    channels::callers_session(&app, &caller, &session_id).await?;
    if req.message.content.is_empty()
        || !req
            .message
            .content
            .iter()
            .all(|p| matches!(p, everruns_core::ContentPart::Text { .. }))
    {
        return Err(ApiError::invalid(
            "Message content must be one or more text parts.",
        ));
    }
    // model controls, tags and metadata are management's
    let req = CreateMessageRequest {
        message: req.message,
        controls: None,
        metadata: Some(
            json!({"source": "api_channel", "api_channel_id": caller.channel.id,
                              "api_key_id": caller.owner.key_id}),
        ),
        tags: Vec::new(),
    };
    let route = format!("messages\u{0}{session_id}");
    idempotent(&app, &caller, &headers, &route, &body, || async {
        let resp = super::sessions::create_message(
            State(app.clone()),
            Path(session_id.clone()),
            ApiJson(req),
        )
        .await?;
        let m: Message = body_json(resp).await?;
        Ok((
            StatusCode::CREATED,
            serde_json::to_string(&m).map_err(ApiError::internal)?,
        ))
    })
    .await
}

/// Cancel the running turn (400 `not_active` when none runs).
#[utoipa::path(post, path = "/api/v1/channels/{channel_id}/sessions/{session_id}/cancel", tag = "agent-execution",
    params(("channel_id" = String, Path, description = CHANNEL_ID),
           ("session_id" = String, Path, description = "`session_…` id")),
    responses((status = 200, body = CancelTurnResponse), (status = 400, body = ErrorResponse),
              (status = 401, body = ErrorResponse), (status = 404, body = ErrorResponse)),
    security(("agent_key" = [])))]
pub async fn cancel(
    State(app): State<App>,
    Path((channel_id, session_id)): Path<(String, String)>,
    headers: HeaderMap,
) -> ApiResult<Json<CancelTurnResponse>> {
    let caller = channels::authorize(&app, &channel_id, &headers).await?;
    channels::callers_session(&app, &caller, &session_id).await?;
    super::sessions::cancel(State(app), Path(session_id), Bytes::new()).await
}

/// The session's events as the channel shows them, oldest first.
#[utoipa::path(get, path = "/api/v1/channels/{channel_id}/sessions/{session_id}/events", tag = "agent-execution",
    params(("channel_id" = String, Path, description = CHANNEL_ID),
           ("session_id" = String, Path, description = "`session_…` id"),
           ("after_sequence" = Option<i64>, Query, description = "Only events after this sequence (exclusive)"),
           ("limit" = Option<u32>, Query, description = "Page size, 1 to 500 (default 100)")),
    responses((status = 200, description = "`{data: [Event]}`", body = everruns_core::ListResponse<everruns_core::Event>),
              (status = 400, body = ErrorResponse), (status = 401, body = ErrorResponse),
              (status = 404, body = ErrorResponse)),
    security(("agent_key" = [])))]
pub async fn list_events(
    State(app): State<App>,
    Path((channel_id, session_id)): Path<(String, String)>,
    OriginalUri(uri): OriginalUri,
    headers: HeaderMap,
) -> ApiResult<Json<serde_json::Value>> {
    let caller = channels::authorize(&app, &channel_id, &headers).await?;
    let q = Qs::parse(uri.query());
    let limit = q.u64("limit")?.unwrap_or(100);
    if !(1..=500).contains(&limit) {
        return Err(ApiError::bad_request(
            "invalid_query",
            format!("limit must be between 1 and 500, got {limit}."),
        ));
    }
    let after = q.i64("after_sequence")?;
    channels::callers_session(&app, &caller, &session_id).await?;
    let rows = app
        .store
        .query_event_rows(
            &session_id,
            &EventQuery {
                after_sequence: after,
                types: visibility::visible_types(&caller.config).unwrap_or_default(),
                first: Some(limit as u32),
                ..Default::default()
            },
        )
        .await?;
    let data: Vec<serde_json::Value> = rows
        .iter()
        .filter_map(|r| serde_json::from_str(&r.envelope).ok())
        .filter_map(|v| visibility::project(&v, &caller.config))
        .collect();
    Ok(Json(json!({ "data": data })))
}

/// Follow the session's events live (same framing as `/v1/sessions/{id}/sse`), filtered by
/// the channel's visibility. Resume with `since_id`; `after_sequence=0` replays everything.
#[utoipa::path(get, path = "/api/v1/channels/{channel_id}/sessions/{session_id}/sse", tag = "agent-execution",
    params(("channel_id" = String, Path, description = CHANNEL_ID),
           ("session_id" = String, Path, description = "`session_…` id"),
           ("since_id" = Option<String>, Query, description = "Resume after this event (exclusive)"),
           ("after_sequence" = Option<i64>, Query, description = "Start after this sequence (`0` replays all)")),
    responses((status = 200, description = "Event stream", content_type = "text/event-stream", body = String),
              (status = 400, body = ErrorResponse), (status = 401, body = ErrorResponse),
              (status = 404, body = ErrorResponse)),
    security(("agent_key" = [])))]
pub async fn stream_events(
    State(app): State<App>,
    Path((channel_id, session_id)): Path<(String, String)>,
    OriginalUri(uri): OriginalUri,
    headers: HeaderMap,
) -> ApiResult<Response> {
    let caller = channels::authorize(&app, &channel_id, &headers).await?;
    channels::callers_session(&app, &caller, &session_id).await?;
    let q = Qs::parse(uri.query());
    let since = q.get("since_id").map(str::to_string).or_else(|| {
        headers
            .get("last-event-id")
            .and_then(|v| v.to_str().ok())
            .map(|s| s.trim().to_string())
            .filter(|s| !s.is_empty())
    });
    let after = match (since, q.i64("after_sequence")?) {
        (Some(s), _) => super::sessions::cursor(&app, &session_id, &s).await?,
        (None, Some(a)) if a >= 0 => a,
        (None, Some(a)) => {
            return Err(ApiError::bad_request(
                "invalid_query",
                format!("after_sequence must be 0 or more, got {a}."),
            ))
        }
        (None, None) => 0,
    };
    let config = caller.config.clone();
    let project: crate::sse::Projector = Arc::new(move |v| visibility::project(v, &config));
    let query = EventQuery {
        after_sequence: Some(after),
        types: visibility::visible_types(&caller.config).unwrap_or_default(),
        first: Some(500),
        ..Default::default()
    };
    let key = Some(crate::sse::Credential::AgentKey(
        caller.owner.key_id.clone(),
    ));
    Ok(crate::sse::respond(
        &app,
        session_id,
        query,
        Some(project),
        key,
    ))
}

/// Mint a short-lived runtime token for one end user (send `End-User`), for a browser or
/// mobile app; it reaches this channel's routes as that end user only.
#[utoipa::path(post, path = "/api/v1/channels/{channel_id}/runtime-auth", tag = "agent-execution",
    params(("channel_id" = String, Path, description = CHANNEL_ID),
           ("End-User" = String, Header, description = "The end user the token acts for")),
    responses((status = 200, body = RuntimeToken), (status = 400, body = ErrorResponse),
              (status = 401, body = ErrorResponse), (status = 403, body = ErrorResponse)),
    security(("agent_key" = [])))]
pub async fn runtime_auth(
    State(app): State<App>,
    Path(channel_id): Path<String>,
    headers: HeaderMap,
) -> ApiResult<Json<RuntimeToken>> {
    let caller = channels::authorize(&app, &channel_id, &headers).await?;
    if caller.key_permissions.is_none() {
        return Err(ApiError::forbidden(
            "forbidden",
            "A runtime token cannot mint runtime tokens; use the agent key.",
        ));
    }
    if caller.owner.end_user.is_empty() {
        return Err(ApiError::invalid(
            "runtime-auth needs the End-User header: a runtime token acts for one end user.",
        ));
    }
    let token = secret(RUNTIME_TOKEN_PREFIX);
    let expires = now() + ChronoDuration::seconds(RUNTIME_TOKEN_TTL_SECS as i64);
    app.store
        .create_runtime_token(&hash_key(&token), &caller.owner, expires)
        .await?;
    Ok(Json(RuntimeToken {
        access_token: token,
        token_type: "Bearer".into(),
        expires_in: RUNTIME_TOKEN_TTL_SECS,
        virtual_user_id: caller.owner.end_user,
    }))
}

/// The OpenAPI description of these routes (merged into the server's document).
#[derive(utoipa::OpenApi)]
#[openapi(
    paths(
        create_channel, list_channels, get_channel, update_channel, delete_channel,
        publish_channel, unpublish_channel, create_key, list_keys, rotate_key, revoke_key,
        card, create_session, list_sessions, get_session, send_message, cancel, list_events,
        stream_events, runtime_auth,
    ),
    components(schemas(everruns_core::ApiChannelConfig)),
    tags(
        (name = "agent-channels", description = "API channels on an agent and their agent keys (management)"),
        (name = "agent-execution", description = "The Agent Execution API: an agent's base URL `/api/v1/channels/{channel_id}`, called with an agent key (`Authorization: Bearer evr_ak_…`)"),
    )
)]
pub struct ChannelsDoc;
