//! `client.events()`.

use super::{Error, Everruns, Result};
use crate::ids::{self, IdKind};
use crate::sse::stream::{EventStream, StreamOptions};
use crate::types::event_types::MAX_FILTER_VALUES;
use crate::types::{Event, ListEventsParams, ListResponse};

/// Events of a session: the polling endpoint and the resilient SSE stream (docs/wire.md#12–16).
#[derive(Debug, Clone)]
pub struct EventsClient {
    client: Everruns,
}

pub(crate) fn check_filters(types: &[String], exclude: &[String]) -> Result<()> {
    for (name, list) in [("types", types), ("exclude", exclude)] {
        if list.len() > MAX_FILTER_VALUES {
            return Err(Error::validation(format!(
                "at most {MAX_FILTER_VALUES} `{name}` values are allowed, got {}",
                list.len()
            )));
        }
        if let Some(bad) = list.iter().find(|t| t.trim().is_empty()) {
            return Err(Error::validation(format!(
                "empty event type in `{name}`: {bad:?}"
            )));
        }
    }
    Ok(())
}

/// The list options the core can check without the server: ids, `window` needing `around`,
/// `around` alone with the other cursors, non-empty text filters.
fn check_list_options(p: &ListEventsParams) -> Result<()> {
    if let Some(a) = &p.around {
        ids::validate(IdKind::Event, a)?;
        let others = [
            ("since_id", p.since_id.is_some()),
            ("after_sequence", p.after_sequence.is_some()),
            ("before_sequence", p.before_sequence.is_some()),
            ("limit", p.limit.is_some()),
        ];
        if let Some((k, _)) = others.iter().find(|(_, set)| *set) {
            return Err(Error::validation(format!(
                "`around` cannot be combined with `{k}`"
            )));
        }
    } else if p.window.is_some() {
        return Err(Error::validation("`window` needs `around`"));
    }
    if let Some(t) = &p.turn_id {
        ids::validate(IdKind::Turn, t)?;
    }
    let texts = [
        ("exec_id", &p.exec_id),
        ("trace_id", &p.trace_id),
        ("tool_name", &p.tool_name),
        ("q", &p.q),
        ("from_ts", &p.from_ts),
        ("to_ts", &p.to_ts),
    ];
    for (k, v) in texts {
        if v.as_deref().is_some_and(|v| v.trim().is_empty()) {
            return Err(Error::validation(format!("`{k}` must not be empty")));
        }
    }
    if p.tags.iter().any(|t| t.is_empty()) {
        return Err(Error::validation("empty value in `tags`"));
    }
    Ok(())
}

impl EventsClient {
    pub(crate) fn new(client: Everruns) -> Self {
        Self { client }
    }

    /// `GET /v1/sessions/{id}/events` with filters (`types`/`exclude` as repeated keys).
    pub async fn list(&self, session_id: &str, params: ListEventsParams) -> Result<Vec<Event>> {
        ids::validate(IdKind::Session, session_id)?;
        if let Some(s) = &params.since_id {
            ids::validate(IdKind::Event, s)?;
        }
        check_filters(&params.types, &params.exclude)?;
        check_list_options(&params)?;
        // Without `limit` the server answers one bounded page from the cursor (`has_more`
        // when more follow): follow the pages, so the caller gets every matching event
        // (newest first with `order_desc`: the next page is before the last one).
        let desc = params.order_desc == Some(true);
        let mut params = params;
        let mut all = Vec::new();
        loop {
            let q = params.to_pairs();
            let list: ListResponse<Event> = self
                .client
                .get_json(
                    self.client
                        .url_with_query(&["sessions", session_id, "events"], &q),
                )
                .await?;
            let more = list.has_more == Some(true);
            let last = list.data.last().and_then(|e| e.sequence);
            all.extend(list.data);
            match last {
                Some(seq) if more && desc => params.before_sequence = Some(seq),
                Some(seq) if more => params.after_sequence = Some(seq),
                _ => return Ok(all),
            }
        }
    }

    /// The session's live event stream: resumes from its cursor after every disconnect,
    /// detects silent connections, de-duplicates, and yields each event once, in order.
    ///
    /// With default options it starts at the session's default cursor (docs/decisions.md#4: after
    /// the last event this client delivered, or after the last event preceding the most
    /// recent `messages().create`); `since_id` overrides it and `from_beginning` replays the
    /// whole history. Nothing is sent until the stream is first polled; invalid arguments
    /// surface as the stream's first item.
    pub fn stream(&self, session_id: &str, options: StreamOptions) -> EventStream {
        EventStream::new(self.client.clone(), session_id.to_string(), options)
    }
}
