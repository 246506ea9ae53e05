//! Row → type conversions.

use everruns_core::{LlmProviderType, Model, ModelSource, Session, SessionStatus};
use sqlx::any::AnyRow;
use sqlx::Row;

use super::{parse_ts, StoreResult};

pub(crate) const MODEL_SELECT: &str = "SELECT m.id, m.model_id, m.display_name, m.provider_id, \
     p.name, p.provider_type, m.capabilities, m.enabled, m.is_favorite, m.source, m.is_default, \
     m.created_at, m.updated_at FROM models m JOIN providers p ON p.id = m.provider_id";

pub(crate) fn model_from_row(r: &AnyRow) -> StoreResult<Model> {
    Ok(Model {
        id: r.get(0),
        model_id: r.get(1),
        display_name: r.get(2),
        provider_id: r.get(3),
        provider_name: r.get(4),
        provider_type: LlmProviderType::from(r.get::<String, _>(5)),
        capabilities: serde_json::from_str(&r.get::<String, _>(6))?,
        enabled: r.get::<i64, _>(7) != 0,
        healthy: true,
        is_favorite: r.get::<i64, _>(8) != 0,
        source: ModelSource::from(r.get::<String, _>(9)),
        is_default: r.get::<i64, _>(10) != 0,
        created_at: parse_ts(&r.get::<String, _>(11)),
        updated_at: parse_ts(&r.get::<String, _>(12)),
        self_url: None,
        view_url: None,
        ui_link: None,
    })
}

pub(crate) fn session_from_row(r: &AnyRow) -> StoreResult<Session> {
    let mut s: Session = serde_json::from_str(&r.get::<String, _>(0))?;
    s.status = SessionStatus::from(r.get::<String, _>(1));
    s.updated_at = parse_ts(&r.get::<String, _>(2));
    Ok(s)
}

/// A row of the turn queue.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TurnRow {
    /// `turn_…`.
    pub id: String,
    /// The session.
    pub session_id: String,
    /// The `input.message` that started it.
    pub input_message_id: String,
    /// Sequence of that message (queue order within a session).
    pub input_sequence: i64,
    /// `queued`, `running`, `completed`, `failed`, `cancelled`.
    pub status: String,
    /// Times it was claimed.
    pub attempts: i64,
    /// Not before this time (after a store failure).
    pub retry_at: Option<String>,
    /// The activity that runs next (`input`, `reason`, `act`, `finish`; `None` before the
    /// first).
    pub phase: Option<String>,
    /// A cancel was requested (by any process).
    pub cancel_requested: bool,
    /// The worker holding the lease, if any.
    pub lease_owner: Option<String>,
}

pub(crate) fn turn_from_row(r: &AnyRow) -> TurnRow {
    TurnRow {
        id: r.get(0),
        session_id: r.get(1),
        input_message_id: r.get(2),
        input_sequence: r.get(3),
        status: r.get(4),
        attempts: r.get(5),
        retry_at: r.get(6),
        phase: r.get(7),
        cancel_requested: r.get::<i64, _>(8) != 0,
        lease_owner: r.get(9),
    }
}
