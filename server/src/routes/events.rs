//! E1: `GET /v1/sessions/{session_id}/events`, the session's stored events with upstream's
//! filters (`docs/wire.md#events-list-filters`). A query parameter the route does not know is a
//! 400 naming it, never silently ignored.

use axum::extract::{OriginalUri, Path, State};
use axum::http::HeaderValue;
use axum::response::{IntoResponse, Response};
use axum::Json;
use chrono::{DateTime, Utc};
use everruns_core::ids::IdKind;
use everruns_core::{ErrorResponse, Event, ListResponse};

use super::sessions::{cursor, filters, load};
use crate::error::{ApiError, ApiResult};
use crate::store::{ts, EventListQuery, EventQuery};
use crate::util::{check_id, Qs};
use crate::App;

/// Every query parameter of the events list.
pub const PARAMS: &[&str] = &[
    "since_id",
    "types",
    "exclude",
    "limit",
    "before_sequence",
    "after_sequence",
    "turn_id",
    "around",
    "window",
    "from_ts",
    "to_ts",
    "exec_id",
    "trace_id",
    "tags",
    "tool_name",
    "q",
    "order_desc",
];

/// Events on each side of `around` without `window`.
pub const DEFAULT_WINDOW: u64 = 50;
/// The largest `window`.
pub const MAX_WINDOW: u64 = 500;
/// At most this many `tags` values.
pub const MAX_TAGS: usize = 20;
/// `q` at most this many bytes…
pub const MAX_Q_BYTES: usize = 4096;
/// …and this many words.
pub const MAX_Q_WORDS: usize = 64;
/// `exec_id`, `trace_id`, `tool_name` and each tag at most this many bytes.
const MAX_VALUE_BYTES: usize = 256;

fn bad(code: &str, msg: String) -> ApiError {
    ApiError::bad_request(code, msg)
}

/// 400 for the first parameter the route does not know.
fn reject_unknown(q: &Qs) -> ApiResult<()> {
    if let Some((k, _)) = q.0.iter().find(|(k, _)| !PARAMS.contains(&k.as_str())) {
        return Err(bad(
            "unknown_query_parameter",
            format!(
                "Unknown query parameter `{k}` for the events list; accepted: {}.",
                PARAMS.join(", ")
            ),
        ));
    }
    Ok(())
}

/// A short free-text filter value (`exec_id`, `trace_id`, `tool_name`).
fn text(q: &Qs, key: &str) -> ApiResult<Option<String>> {
    match q.get(key) {
        None => Ok(None),
        Some(v) if v.is_empty() || v.len() > MAX_VALUE_BYTES => Err(bad(
            "invalid_query",
            format!("Query parameter `{key}` must be 1 to {MAX_VALUE_BYTES} bytes long."),
        )),
        Some(v) => Ok(Some(v.to_string())),
    }
}

/// An RFC 3339 time, as stored.
fn time(q: &Qs, key: &str) -> ApiResult<Option<DateTime<Utc>>> {
    match q.get(key) {
        None => Ok(None),
        Some(v) => DateTime::parse_from_rfc3339(v.trim())
            .map(|t| Some(t.with_timezone(&Utc)))
            .map_err(|_| {
                bad(
                    "invalid_query",
                    format!(
                        "Query parameter `{key}` must be an RFC 3339 time such as \
                         2026-01-31T12:00:00Z, got {v:?}."
                    ),
                )
            }),
    }
}

/// The words of `q`, lower-case.
fn words(q: &Qs) -> ApiResult<Vec<String>> {
    let Some(v) = q.get("q") else {
        return Ok(Vec::new());
    };
    if v.len() > MAX_Q_BYTES {
        return Err(bad(
            "invalid_query",
            format!(
                "Query parameter `q` is too long: {} bytes, at most {MAX_Q_BYTES}.",
                v.len()
            ),
        ));
    }
    let w: Vec<String> = v.split_whitespace().map(str::to_lowercase).collect();
    if w.is_empty() {
        return Err(bad(
            "invalid_query",
            "Query parameter `q` must not be empty.".into(),
        ));
    }
    if w.len() > MAX_Q_WORDS {
        return Err(bad(
            "invalid_query",
            format!(
                "Query parameter `q` has {} words, at most {MAX_Q_WORDS}.",
                w.len()
            ),
        ));
    }
    Ok(w)
}

fn tags(q: &Qs) -> ApiResult<Vec<String>> {
    let t = q.all("tags");
    if t.len() > MAX_TAGS {
        return Err(bad(
            "too_many_filters",
            format!(
                "Too many `tags` values: {} given, at most {MAX_TAGS} allowed.",
                t.len()
            ),
        ));
    }
    if t.iter().any(|v| v.is_empty() || v.len() > MAX_VALUE_BYTES) {
        return Err(bad(
            "invalid_query",
            format!("Each `tags` value must be 1 to {MAX_VALUE_BYTES} bytes long."),
        ));
    }
    Ok(t)
}

/// E1: the session's events (polling). Without `limit` an answer holds at most
/// `--events-page-size` events and says `has_more` when more follow; a client asks again
/// after the last one (`after_sequence`, or `before_sequence` with `order_desc`).
#[utoipa::path(get, path = "/api/v1/sessions/{session_id}/events", tag = "events",
    params(("session_id" = String, Path, description = "`session_…` id"),
           ("since_id" = Option<String>, Query, description = "Only events after this one (exclusive)"),
           ("types" = Option<Vec<String>>, Query, description = "Only these types (repeated key, ≤25)", explode = true),
           ("exclude" = Option<Vec<String>>, Query, description = "Not these types (repeated key, ≤25)", explode = true),
           ("limit" = Option<u32>, Query, description = "The last N matching events (1..=1000), oldest first (newest first with `order_desc`); adds X-Total-Count. Without it: one page of at most `--events-page-size` (default 1000) from the cursor, with `has_more: true` when more follow (ask again with `after_sequence` = the last one's sequence, or `before_sequence` with `order_desc`)"),
           ("before_sequence" = Option<i64>, Query, description = "Only sequence < value"),
           ("after_sequence" = Option<i64>, Query, description = "Only sequence > value"),
           ("turn_id" = Option<String>, Query, description = "Only events of this turn (`context.turn_id`)"),
           ("around" = Option<String>, Query, description = "Anchor event id: the events whose sequence is within `window` of the anchor's (the anchor included). Not with `since_id`, `after_sequence`, `before_sequence` or `limit`; an event of another session is a 400"),
           ("window" = Option<u32>, Query, description = "Events on each side of `around` (1..=500, default 50); only with `around`"),
           ("from_ts" = Option<String>, Query, description = "Only events at or after this RFC 3339 time"),
           ("to_ts" = Option<String>, Query, description = "Only events at or before this RFC 3339 time (not before `from_ts`)"),
           ("exec_id" = Option<String>, Query, description = "Only events whose `context.exec_id` is this"),
           ("trace_id" = Option<String>, Query, description = "Only events whose `context.trace_id` is this"),
           ("tags" = Option<Vec<String>>, Query, description = "Only events carrying any of these tags (repeated key, ≤20)", explode = true),
           ("tool_name" = Option<String>, Query, description = "Only events whose `data.tool_name` is this (`tool.*` events)"),
           ("q" = Option<String>, Query, description = "Text search: only events whose payload's text contains every word (case-insensitive substring; ≤4096 bytes, ≤64 words)"),
           ("order_desc" = Option<bool>, Query, description = "Newest first (default oldest first)")),
    responses((status = 200, body = ListResponse<Event>,
               headers(("X-Total-Count" = i64, description = "Non-delta events of the session (only with `limit`)"))),
              (status = 400, body = ErrorResponse, description = "An unknown query parameter (named in the message), a bad value or a forbidden combination"),
              (status = 404, body = ErrorResponse)))]
pub async fn list_events(
    State(app): State<App>,
    Path(id): Path<String>,
    OriginalUri(uri): OriginalUri,
) -> ApiResult<Response> {
    let q = Qs::parse(uri.query());
    reject_unknown(&q)?;
    load(&app, &id).await?;
    let (types, exclude) = filters(&q)?;
    let mut base = EventQuery {
        types,
        exclude,
        before_sequence: q.i64("before_sequence")?,
        after_sequence: q.i64("after_sequence")?,
        ..Default::default()
    };
    if let Some(t) = q.get("turn_id") {
        check_id(IdKind::Turn, t)?;
        base.turn_id = Some(t.to_string());
    }
    let limit = q.u64("limit")?;
    if let Some(l) = limit {
        if !(1..=1000).contains(&l) {
            return Err(bad(
                "invalid_query",
                format!("Query parameter `limit` must be between 1 and 1000, got {l}."),
            ));
        }
    }
    let window = q.u64("window")?;
    let around = q.get("around");
    if window.is_some() && around.is_none() {
        return Err(bad(
            "invalid_query",
            "Query parameter `window` needs `around`.".into(),
        ));
    }
    if let Some(w) = window {
        if !(1..=MAX_WINDOW).contains(&w) {
            return Err(bad(
                "invalid_query",
                format!("Query parameter `window` must be between 1 and {MAX_WINDOW}, got {w}."),
            ));
        }
    }
    let (from, to) = (time(&q, "from_ts")?, time(&q, "to_ts")?);
    if let (Some(f), Some(t)) = (from, to) {
        if f > t {
            return Err(bad(
                "invalid_query",
                "Query parameter `from_ts` must not be after `to_ts`.".into(),
            ));
        }
    }
    let order_desc = q.bool("order_desc")?.unwrap_or(false);
    let mut lq = EventListQuery {
        from_ts: from.map(ts),
        to_ts: to.map(ts),
        exec_id: text(&q, "exec_id")?,
        trace_id: text(&q, "trace_id")?,
        tags: tags(&q)?,
        tool_name: text(&q, "tool_name")?,
        words: words(&q)?,
        order_desc,
        ..Default::default()
    };
    if let Some(anchor) = around {
        let others = ["since_id", "after_sequence", "before_sequence", "limit"];
        if let Some(k) = others.iter().find(|k| q.get(k).is_some()) {
            return Err(bad(
                "invalid_query",
                format!("Query parameter `around` cannot be combined with `{k}`."),
            ));
        }
        check_id(IdKind::Event, anchor)?;
        let seq = app.store.event_sequence(&id, anchor).await?.ok_or_else(|| {
            bad(
                "unknown_cursor",
                format!("Event {anchor} is not part of session {id}; it cannot be used as `around`."),
            )
        })?;
        let w = window.unwrap_or(DEFAULT_WINDOW) as i64;
        base.after_sequence = Some(seq - w - 1);
        base.before_sequence = Some(seq + w + 1);
        lq.base = base;
        let rows = app.store.list_event_rows(&id, &lq).await?;
        return respond(rows, false, None);
    }
    if let Some(since) = q.get("since_id") {
        let seq = cursor(&app, &id, since).await?;
        base.after_sequence = Some(base.after_sequence.map_or(seq, |a| a.max(seq)));
    }
    lq.base = base;
    let page = app.config.events_page_size as usize;
    match limit {
        Some(l) => {
            lq.cap = Some(l as usize);
            lq.newest = true;
            let rows = app.store.list_event_rows(&id, &lq).await?;
            let total = app.store.count_non_delta_events(&id).await?;
            respond(rows, false, Some(total))
        }
        None => {
            // One bounded page from the cursor (one more row to know whether more follow).
            lq.cap = Some(page.saturating_add(1));
            lq.newest = order_desc;
            let mut rows = app.store.list_event_rows(&id, &lq).await?;
            let more = rows.len() > page;
            rows.truncate(page);
            respond(rows, more, None)
        }
    }
}

fn respond(
    rows: Vec<crate::store::EventRow>,
    has_more: bool,
    total: Option<u64>,
) -> ApiResult<Response> {
    let data = rows
        .into_iter()
        .map(|r| serde_json::from_str::<Event>(&r.envelope))
        .collect::<Result<Vec<_>, _>>()
        .map_err(|e| ApiError::internal(format!("stored event does not decode: {e}")))?;
    let mut resp = Json(ListResponse {
        data,
        has_more: Some(has_more).filter(|m| *m),
    })
    .into_response();
    if let Some(total) = total {
        if let Ok(v) = HeaderValue::from_str(&total.to_string()) {
            resp.headers_mut().insert("x-total-count", v);
        }
    }
    Ok(resp)
}
