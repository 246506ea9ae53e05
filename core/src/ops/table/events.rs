//! `messages` and `events`.

use futures::FutureExt;

use crate::ops::settings::{stream_options, STREAM_SETTINGS};
use crate::ops::spec::*;
use crate::types::{Controls, CreateMessageRequest, ListEventsParams};

const SESSION_ID: Param = address("session_id", "The session's id (`session_…`).");

/// `events.stream`'s parameters: the session, then [`STREAM_SETTINGS`].
const STREAM_PARAMS: &[Param] = {
    const N: usize = STREAM_SETTINGS.len() + 1;
    let mut out = [SESSION_ID; N];
    let mut i = 0;
    while i < STREAM_SETTINGS.len() {
        out[i + 1] = STREAM_SETTINGS[i];
        i += 1;
    }
    &{ out }
};

pub(crate) const MESSAGES: &[Op] = &[
    Op {
        group: "messages",
        name: "create",
        doc: "Sends a user message, which starts a turn, and returns once it is stored: plain \
              `text`, or `content` parts (text, image). Follow the turn with `events.stream`. \
              Not retried once it may have reached the server unless an idempotency key is set.",
        params: &[
            SESSION_ID,
            Param {
                required: false,
                ..primary("text", Ty::Str, "The message text (or give `content`).")
            },
            optional(
                "content",
                Ty::ObjList,
                None,
                "Content parts instead of `text`.",
            ),
            optional(
                "controls",
                Ty::Object("Controls"),
                None,
                "Per-turn overrides (e.g. `model_id`).",
            ),
            optional("metadata", Ty::Json, None, "Stored with the message."),
            optional("tags", Ty::StrList, None, "Tags."),
        ],
        fields: None,
        ret: Ret::Model("Message"),
        idempotent: false,
        run: Run::Unary(|c, mut a| {
            async move {
                let id = a.string("session_id")?;
                let text: Option<String> = a.opt("text")?;
                let content = a.opt("content")?;
                let controls: Option<Controls> = a.opt("controls")?;
                let metadata = a.opt("metadata")?;
                let tags: Option<Vec<String>> = a.opt("tags")?;
                a.done()?;
                let mut req = CreateMessageRequest::compose(text, content)
                    .map_err(crate::client::Error::validation)?;
                req.controls = controls;
                req.metadata = metadata;
                req.tags = tags.unwrap_or_default();
                c.messages().create_with_options(&id, req).await.map(output)
            }
            .boxed()
        }),
    },
    Op {
        group: "messages",
        name: "list",
        doc: "Every message of the session, oldest first.",
        params: &[SESSION_ID],
        fields: None,
        ret: Ret::List("Message"),
        idempotent: true,
        run: Run::Unary(|c, mut a| {
            async move {
                let id = a.string("session_id")?;
                a.done()?;
                c.messages().list(&id).await.map(output)
            }
            .boxed()
        }),
    },
];

pub(crate) const EVENTS: &[Op] = &[
    Op {
        group: "events",
        name: "list",
        doc: "Stored events, oldest first (newest first with `order_desc`), filtered by type, \
              sequence, turn, time range, context ids, tags, tool name, text (`q`) or a window \
              `around` one event; every page is followed.",
        params: &[SESSION_ID],
        fields: Some(Fields {
            schema: "ListEventsParams",
            skip: &[],
        }),
        ret: Ret::Events,
        idempotent: true,
        run: Run::Unary(|c, mut a| {
            async move {
                let id = a.string("session_id")?;
                let p: ListEventsParams = a.rest()?;
                c.events().list(&id, p).await.map(Output::Events)
            }
            .boxed()
        }),
    },
    Op {
        group: "events",
        name: "stream",
        doc: "The session's live events. Without `since_id` it yields the events of the turn \
              the caller started last (or continues after the last event this client \
              delivered); `since_id` starts strictly after that event; `from_beginning` replays \
              the whole history. It reconnects by itself, resuming from its cursor, and yields \
              each event once, in order. Nothing is sent until the first event is awaited.",
        params: STREAM_PARAMS,
        fields: None,
        ret: Ret::EventStream,
        idempotent: true,
        run: Run::Stream(|c, mut a| {
            let id = a.string("session_id")?;
            let opts = stream_options(a)?;
            Ok(c.events().stream(&id, opts))
        }),
    },
    Op {
        group: "events",
        name: "default_cursor",
        doc: "The event id the next default stream of the session starts after (none: from \
              the beginning).",
        params: &[SESSION_ID],
        fields: None,
        ret: Ret::OptText,
        idempotent: true,
        run: Run::Local(|c, mut a| {
            let id = a.string("session_id")?;
            a.done()?;
            Ok(match c.default_cursor(&id) {
                Some(cursor) => output(cursor),
                None => Output::Unit,
            })
        }),
    },
    Op {
        group: "events",
        name: "reset_default_cursor",
        doc: "Forgets where the default stream of the session continues.",
        params: &[SESSION_ID],
        fields: None,
        ret: Ret::Unit,
        idempotent: true,
        run: Run::Local(|c, mut a| {
            let id = a.string("session_id")?;
            a.done()?;
            c.reset_default_cursor(&id);
            Ok(Output::Unit)
        }),
    },
];
