//! The event envelope and the polling query (docs/wire.md#12).

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use super::common::{empty_object, null_default};
use super::event_data::EventPayload;
use super::event_types;

/// Correlation ids of an event; every member is optional.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct EventContext {
    /// The turn (`turn_…`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub turn_id: Option<String>,
    /// The user message that started the turn.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub input_message_id: Option<String>,
    /// The reason/act step (`exec_…`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub exec_id: Option<String>,
    /// Trace id (usually the turn id).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub trace_id: Option<String>,
}

/// One immutable, append-only event of a session.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Event {
    /// `event_<32hex>`; also the SSE `id:` and the `since_id` cursor.
    pub id: String,
    /// Dotted type, e.g. `output.message.delta`.
    #[serde(rename = "type")]
    pub event_type: String,
    /// Creation time (millisecond precision).
    pub ts: DateTime<Utc>,
    /// `session_<32hex>`.
    pub session_id: String,
    /// Position in the session's log, starting at 1 (the sort key).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sequence: Option<i64>,
    /// Correlation ids.
    #[serde(default, deserialize_with = "null_default")]
    pub context: EventContext,
    /// Type-specific payload; always an object. See [`Event::payload`].
    #[serde(default = "empty_object")]
    pub data: serde_json::Value,
    /// Arbitrary metadata.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub metadata: Option<serde_json::Value>,
    /// Tags.
    #[serde(
        default,
        deserialize_with = "null_default",
        skip_serializing_if = "Vec::is_empty"
    )]
    pub tags: Vec<String>,
}

impl Event {
    /// The payload decoded into its typed form; unknown or malformed payloads come back as
    /// [`EventPayload::Unknown`] with the raw JSON.
    pub fn payload(&self) -> EventPayload {
        EventPayload::from_wire(&self.event_type, &self.data)
    }

    /// True when this event ends a turn (`turn.completed`, `.failed`, `.cancelled`, `.sealed`).
    pub fn is_terminal(&self) -> bool {
        event_types::is_terminal(&self.event_type)
    }

    /// The turn this event belongs to (`context.turn_id`, else `data.turn_id`).
    pub fn turn_id(&self) -> Option<&str> {
        self.context
            .turn_id
            .as_deref()
            .or_else(|| self.data.get("turn_id").and_then(|v| v.as_str()))
    }
}

/// Query of `GET /v1/sessions/{id}/events` (filters are repeated keys on the wire).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ListEventsParams {
    /// Only events after this one (exclusive).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub since_id: Option<String>,
    /// Only these types (empty = all).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub types: Vec<String>,
    /// Not these types (applied after `types`).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub exclude: Vec<String>,
    /// Only the last N matching events (1..=1000), oldest first.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub limit: Option<u32>,
    /// Only events with a lower sequence.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub before_sequence: Option<i64>,
    /// Only events with a higher sequence.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub after_sequence: Option<i64>,
    /// Only events of this turn.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub turn_id: Option<String>,
    /// Anchor event id: the events within `window` sequences of it (no other cursor, no limit).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub around: Option<String>,
    /// Events on each side of `around` (1..=500, default 50).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub window: Option<u32>,
    /// Only events at or after this RFC 3339 time.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub from_ts: Option<String>,
    /// Only events at or before this RFC 3339 time.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub to_ts: Option<String>,
    /// Only events whose `context.exec_id` is this.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub exec_id: Option<String>,
    /// Only events whose `context.trace_id` is this.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub trace_id: Option<String>,
    /// Only events carrying any of these tags.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub tags: Vec<String>,
    /// Only events whose `data.tool_name` is this (`tool.*` events).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tool_name: Option<String>,
    /// Text search: every word must occur in the payload's text (case-insensitive).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub q: Option<String>,
    /// Newest first (default oldest first).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub order_desc: Option<bool>,
}

impl ListEventsParams {
    /// The query as `(key, value)` pairs, filters as repeated keys.
    pub fn to_pairs(&self) -> Vec<(&'static str, String)> {
        let mut q = Vec::new();
        if let Some(v) = &self.since_id {
            q.push(("since_id", v.clone()));
        }
        q.extend(self.types.iter().map(|t| ("types", t.clone())));
        q.extend(self.exclude.iter().map(|t| ("exclude", t.clone())));
        if let Some(v) = self.limit {
            q.push(("limit", v.to_string()));
        }
        if let Some(v) = self.before_sequence {
            q.push(("before_sequence", v.to_string()));
        }
        if let Some(v) = self.after_sequence {
            q.push(("after_sequence", v.to_string()));
        }
        if let Some(v) = &self.turn_id {
            q.push(("turn_id", v.clone()));
        }
        if let Some(v) = &self.around {
            q.push(("around", v.clone()));
        }
        if let Some(v) = self.window {
            q.push(("window", v.to_string()));
        }
        for (k, v) in [
            ("from_ts", &self.from_ts),
            ("to_ts", &self.to_ts),
            ("exec_id", &self.exec_id),
            ("trace_id", &self.trace_id),
        ] {
            if let Some(v) = v {
                q.push((k, v.clone()));
            }
        }
        q.extend(self.tags.iter().map(|t| ("tags", t.clone())));
        if let Some(v) = &self.tool_name {
            q.push(("tool_name", v.clone()));
        }
        if let Some(v) = &self.q {
            q.push(("q", v.clone()));
        }
        if let Some(v) = self.order_desc {
            q.push(("order_desc", v.to_string()));
        }
        q
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn envelope_minimal_and_unknown_type() {
        let e: Event = serde_json::from_str(
            r#"{"id":"event_0190f3c2a7b87e1c9d2a5b6c7d8e9f01","type":"budget.warning","ts":"2026-01-01T00:00:00.000Z",
                "session_id":"session_0190f3c2a7b87e1c9d2a5b6c7d8e9f01","data":{"balance":3},"future_field":1}"#,
        )
        .unwrap();
        assert_eq!(e.context, EventContext::default());
        assert!(matches!(e.payload(), EventPayload::Unknown { .. }));
        let back = serde_json::to_value(&e).unwrap();
        assert_eq!(back["type"], "budget.warning");
        assert_eq!(back["data"]["balance"], 3);
    }
}
