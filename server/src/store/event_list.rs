//! The events list query (`GET /v1/sessions/{id}/events`): the filters of [`EventQuery`]
//! plus time range, context ids, tags, tool name, text search and direction.
//!
//! Sequence, type, turn and time filters run in SQL on both backends. The filters that read
//! the event's JSON (`exec_id`, `trace_id`, `tags`, `tool_name`, `q`) are applied to the stored
//! envelope while the rows stream from the database, and the scan stops as soon as the page
//! is full, so memory stays bounded by the page size whatever the session's length.

use futures::TryStreamExt;
use serde_json::Value;
use sqlx::Row;

use super::db::Sql;
use super::{EventQuery, EventRow, Store, StoreResult};

/// An events list query.
#[derive(Debug, Clone, Default)]
pub struct EventListQuery {
    /// Sequence bounds, types, excluded types, turn (its `last`/`first` are ignored: see
    /// [`EventListQuery::cap`]).
    pub base: EventQuery,
    /// Only events at or after this time (stored time text, see `store::ts`).
    pub from_ts: Option<String>,
    /// Only events at or before this time (stored time text).
    pub to_ts: Option<String>,
    /// Only events whose `context.exec_id` is this.
    pub exec_id: Option<String>,
    /// Only events whose `context.trace_id` is this.
    pub trace_id: Option<String>,
    /// Only events carrying at least one of these tags (empty = any).
    pub tags: Vec<String>,
    /// Only events whose `data.tool_name` is this.
    pub tool_name: Option<String>,
    /// Only events whose `data` text contains every one of these lower-case words
    /// (case-insensitive substring match over the payload's string values).
    pub words: Vec<String>,
    /// At most this many events.
    pub cap: Option<usize>,
    /// Take the newest matching events (scan from the end) rather than the oldest.
    pub newest: bool,
    /// Answer newest first (otherwise oldest first).
    pub order_desc: bool,
}

impl EventListQuery {
    fn filters_json(&self) -> bool {
        self.exec_id.is_some()
            || self.trace_id.is_some()
            || !self.tags.is_empty()
            || self.tool_name.is_some()
            || !self.words.is_empty()
    }

    /// Whether a stored envelope passes the JSON filters.
    fn matches(&self, envelope: &str) -> bool {
        let Ok(ev) = serde_json::from_str::<Value>(envelope) else {
            return false;
        };
        let ctx = |k: &str| ev.pointer(&format!("/context/{k}")).and_then(Value::as_str);
        if self.exec_id.is_some() && ctx("exec_id") != self.exec_id.as_deref() {
            return false;
        }
        if self.trace_id.is_some() && ctx("trace_id") != self.trace_id.as_deref() {
            return false;
        }
        if !self.tags.is_empty() {
            let has = ev.get("tags").and_then(Value::as_array).is_some_and(|t| {
                t.iter()
                    .any(|v| v.as_str().is_some_and(|s| self.tags.iter().any(|w| w == s)))
            });
            if !has {
                return false;
            }
        }
        let data = ev.get("data").unwrap_or(&Value::Null);
        if let Some(name) = &self.tool_name {
            if data.get("tool_name").and_then(Value::as_str) != Some(name.as_str()) {
                return false;
            }
        }
        if !self.words.is_empty() {
            let mut text = String::new();
            collect_text(data, &mut text);
            let text = text.to_lowercase();
            if !self.words.iter().all(|w| text.contains(w.as_str())) {
                return false;
            }
        }
        true
    }
}

/// Appends every string (values and object keys' values, not keys) of `v` to `out`, one per
/// line, so a word never spans two values.
fn collect_text(v: &Value, out: &mut String) {
    match v {
        Value::String(s) => {
            out.push_str(s);
            out.push('\n');
        }
        Value::Array(items) => items.iter().for_each(|i| collect_text(i, out)),
        Value::Object(map) => map.values().for_each(|i| collect_text(i, out)),
        Value::Number(n) => {
            out.push_str(&n.to_string());
            out.push('\n');
        }
        Value::Bool(_) | Value::Null => {}
    }
}

impl Store {
    /// The events of a session matching `q`, in the order it asks for.
    pub async fn list_event_rows(
        &self,
        session_id: &str,
        q: &EventListQuery,
    ) -> StoreResult<Vec<EventRow>> {
        let b = &q.base;
        let mut qb =
            Sql::new("SELECT sequence, id, event_type, envelope FROM events WHERE session_id = ");
        qb.bind_text(session_id);
        if let Some(a) = b.after_sequence {
            qb.push(" AND sequence > ").bind_int(a);
        }
        if let Some(s) = b.before_sequence {
            qb.push(" AND sequence < ").bind_int(s);
        }
        if let Some(t) = &b.turn_id {
            qb.push(" AND turn_id = ").bind_text(t.clone());
        }
        if !b.types.is_empty() {
            qb.push(" AND event_type IN ").bind_list(&b.types);
        }
        if !b.exclude.is_empty() {
            qb.push(" AND event_type NOT IN ").bind_list(&b.exclude);
        }
        if let Some(t) = &q.from_ts {
            qb.push(" AND ts >= ").bind_text(t.clone());
        }
        if let Some(t) = &q.to_ts {
            qb.push(" AND ts <= ").bind_text(t.clone());
        }
        let desc = q.newest;
        qb.push(if desc {
            " ORDER BY sequence DESC"
        } else {
            " ORDER BY sequence ASC"
        });
        let json = q.filters_json();
        if let (Some(n), false) = (q.cap, json) {
            qb.push(" LIMIT ").bind_int(n as i64);
        }
        let cap = q.cap.unwrap_or(usize::MAX);
        let mut out = Vec::new();
        {
            let mut rows = qb.query().fetch(&self.read);
            while out.len() < cap {
                let Some(r) = rows.try_next().await? else {
                    break;
                };
                let envelope: String = r.get(3);
                if json && !q.matches(&envelope) {
                    continue;
                }
                out.push(EventRow {
                    sequence: r.get(0),
                    id: r.get(1),
                    event_type: r.get(2),
                    envelope,
                });
            }
        }
        if desc != q.order_desc {
            out.reverse();
        }
        Ok(out)
    }
}
