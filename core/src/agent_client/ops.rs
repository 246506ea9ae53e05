//! The [`AgentClient`]'s operation table: every method declared once (name, parameters with
//! their role in each language's signature, docs) with the function that runs it. The Python
//! and Node bridges expose it through two generic entry points (`call`, `stream`) and their
//! facades and parity tests read [`describe`]; no bridge holds per-operation code.

use futures::future::BoxFuture;
use futures::FutureExt;
use serde_json::{json, Value};

use super::{AgentClient, AgentClientBuilder};
use crate::client::{Error, EventStream, Result};
use crate::ops::settings::{stream_options, STREAM_SETTINGS};
use crate::ops::{address, optional, output, primary, Args, Output, Param, Spelling, Ty};

/// How an agent operation runs.
#[derive(Clone, Copy)]
pub enum AgentRun {
    /// An awaitable.
    Unary(fn(AgentClient, Args) -> BoxFuture<'static, Result<Output>>),
    /// A resilient event stream.
    Stream(fn(AgentClient, Args) -> Result<EventStream>),
}

/// One declared operation of [`AgentClient`].
pub struct AgentOp {
    /// Method name (`send_message`).
    pub name: &'static str,
    /// One line of documentation.
    pub doc: &'static str,
    /// Parameters.
    pub params: &'static [Param],
    /// How it runs.
    pub run: AgentRun,
}

const SESSION_ID: Param = address("session_id", "The session's id (`session_…`).");
const IDEMPOTENCY_KEY: Param = optional(
    "idempotency_key",
    Ty::Str,
    None,
    "Replays the first response for a retry with the same key (never a second session or turn).",
);

/// `stream_events`' parameters: the session, `after_sequence`, then the stream settings.
const STREAM_PARAMS: &[Param] = {
    const N: usize = STREAM_SETTINGS.len() + 2;
    let mut out = [SESSION_ID; N];
    out[1] = optional(
        "after_sequence",
        Ty::Int,
        None,
        "Start after this sequence (`0` replays everything) unless `since_id` is given.",
    );
    let mut i = 0;
    while i < STREAM_SETTINGS.len() {
        out[i + 2] = STREAM_SETTINGS[i];
        i += 1;
    }
    &{ out }
};

/// Every operation of [`AgentClient`], in the order hosts list them.
pub const AGENT_OPERATIONS: &[AgentOp] = &[
    AgentOp {
        name: "card",
        doc: "The agent card: name, description, accepted input and credentials.",
        params: &[],
        run: AgentRun::Unary(|c, a| async move {
            a.done()?;
            c.card().await.map(output)
        }.boxed()),
    },
    AgentOp {
        name: "create_session",
        doc: "Starts a session for this caller (and end user).",
        params: &[optional("title", Ty::Str, None, "Title (at most 200 characters)."), IDEMPOTENCY_KEY],
        run: AgentRun::Unary(|c, mut a| async move {
            let title: Option<String> = a.opt("title")?;
            let key: Option<String> = a.opt("idempotency_key")?;
            a.done()?;
            c.create_session(title.as_deref(), key.as_deref()).await.map(output)
        }.boxed()),
    },
    AgentOp {
        name: "list_sessions",
        doc: "This caller's sessions, most recently active first: `{data, next_page_token}`.",
        params: &[
            optional("limit", Ty::Int, None, "Page size, 1 to 200 (default 50)."),
            optional("page_token", Ty::Str, None, "`next_page_token` of the previous page."),
        ],
        run: AgentRun::Unary(|c, mut a| async move {
            let limit: Option<u32> = a.opt("limit")?;
            let token: Option<String> = a.opt("page_token")?;
            a.done()?;
            c.list_sessions(limit, token.as_deref()).await.map(output)
        }.boxed()),
    },
    AgentOp {
        name: "get_session",
        doc: "One of this caller's sessions, with pending questions and approvals.",
        params: &[SESSION_ID],
        run: AgentRun::Unary(|c, mut a| async move {
            let id = a.string("session_id")?;
            a.done()?;
            c.get_session(&id).await.map(output)
        }.boxed()),
    },
    AgentOp {
        name: "send_message",
        doc: "Sends a user text message, which starts a turn; returns the stored message.",
        params: &[SESSION_ID, primary("text", Ty::Str, "The message text."), IDEMPOTENCY_KEY],
        run: AgentRun::Unary(|c, mut a| async move {
            let id = a.string("session_id")?;
            let text = a.string("text")?;
            let key: Option<String> = a.opt("idempotency_key")?;
            a.done()?;
            c.send_message(&id, &text, key.as_deref()).await.map(output)
        }.boxed()),
    },
    AgentOp {
        name: "cancel",
        doc: "Cancels the session's running turn.",
        params: &[SESSION_ID],
        run: AgentRun::Unary(|c, mut a| async move {
            let id = a.string("session_id")?;
            a.done()?;
            c.cancel(&id).await.map(output)
        }.boxed()),
    },
    AgentOp {
        name: "list_events",
        doc: "The session's events as the channel shows them, oldest first.",
        params: &[
            SESSION_ID,
            optional("after_sequence", Ty::Int, None, "Only events after this sequence (exclusive)."),
            optional("limit", Ty::Int, None, "Page size, 1 to 500 (default 100)."),
        ],
        run: AgentRun::Unary(|c, mut a| async move {
            let id = a.string("session_id")?;
            let after: Option<i64> = a.opt("after_sequence")?;
            let limit: Option<u32> = a.opt("limit")?;
            a.done()?;
            c.list_events(&id, after, limit).await.map(Output::Events)
        }.boxed()),
    },
    AgentOp {
        name: "stream_events",
        doc: "Follows the session's events live, resuming after every disconnect; start with \
              `since_id` or `after_sequence` (`0` replays everything).",
        params: STREAM_PARAMS,
        run: AgentRun::Stream(|c, mut a| {
            let id = a.string("session_id")?;
            let after: Option<i64> = a.opt("after_sequence")?;
            let mut o = stream_options(a)?;
            o.after_sequence = after;
            Ok(c.stream_events(&id, o))
        }),
    },
    AgentOp {
        name: "answer_questions",
        doc: "Answers the agent's `ask_user` question set (the JSON body is passed through).",
        params: &[SESSION_ID, primary("answers", Ty::Json, "The answers body.")],
        run: AgentRun::Unary(|c, mut a| async move {
            let id = a.string("session_id")?;
            let body: Value = a.req("answers")?;
            a.done()?;
            c.answer_questions(&id, &body).await.map(output)
        }.boxed()),
    },
    AgentOp {
        name: "submit_tool_approvals",
        doc: "Allows or rejects held-back tool calls (the JSON body is passed through).",
        params: &[SESSION_ID, primary("decisions", Ty::Json, "The decisions body.")],
        run: AgentRun::Unary(|c, mut a| async move {
            let id = a.string("session_id")?;
            let body: Value = a.req("decisions")?;
            a.done()?;
            c.submit_tool_approvals(&id, &body).await.map(output)
        }.boxed()),
    },
    AgentOp {
        name: "runtime_token",
        doc: "A short-lived token for this client's end user (call on `for_end_user`), for a browser or mobile app.",
        params: &[],
        run: AgentRun::Unary(|c, a| async move {
            a.done()?;
            c.runtime_token().await.map(output)
        }.boxed()),
    },
    AgentOp {
        name: "run",
        doc: "Sends `text` (in a new session unless `session_id` is given), follows the turn it \
              starts once, and returns the agent's final text; a failed turn raises `TurnFailedError`.",
        params: &[
            primary("text", Ty::Str, "The message text."),
            optional("session_id", Ty::Str, None, "Continue this session instead of starting one."),
        ],
        run: AgentRun::Unary(|c, mut a| async move {
            let text = a.string("text")?;
            let sid: Option<String> = a.opt("session_id")?;
            a.done()?;
            c.run(&text, sid.as_deref()).await.map(output)
        }.boxed()),
    },
];

/// The settings an [`AgentClient`] is built from (hosts respell them).
pub const AGENT_CLIENT_SETTINGS: &[Param] = &[
    optional(
        "agent_url",
        Ty::Str,
        None,
        "`{api}/v1/channels/{channel_id}`; defaults to EVERRUNS_AGENT_URL.",
    ),
    optional(
        "agent_key",
        Ty::Str,
        None,
        "Agent key `evr_ak_…` (or a runtime token); defaults to EVERRUNS_AGENT_KEY.",
    ),
    optional(
        "end_user",
        Ty::Str,
        None,
        "Act for this end user (`End-User`).",
    ),
    optional(
        "timeout",
        Ty::Seconds,
        Some("30"),
        "Whole-request timeout of REST calls.",
    ),
    optional(
        "max_retries",
        Ty::Int,
        Some("3"),
        "Retries of a failed REST call.",
    ),
    optional(
        "debug",
        Ty::Bool,
        None,
        "Log every request (token redacted).",
    ),
    optional(
        "read_env",
        Ty::Bool,
        Some("true"),
        "Read unset values from the environment.",
    ),
];

/// Builds an [`AgentClient`] from host settings (bad settings are configuration errors).
pub fn build(settings: Value, spelling: Spelling, user_agent: &str) -> Result<AgentClient> {
    let mut a = Args::new(settings, spelling).map_err(config)?;
    a.check(AGENT_CLIENT_SETTINGS).map_err(config)?;
    let b = (|| -> Result<AgentClientBuilder> {
        let mut b = AgentClient::builder().user_agent(user_agent);
        if a.flag("read_env", true)? {
            b = b.with_env();
        }
        if let Some(v) = a.opt::<String>("agent_url")? {
            b = b.agent_url(v);
        }
        if let Some(v) = a.opt::<String>("agent_key")? {
            b = b.agent_key(v);
        }
        if let Some(v) = a.opt::<String>("end_user")? {
            b = b.end_user(v);
        }
        if let Some(v) = a.seconds("timeout")? {
            b = b.timeout(v);
        }
        if let Some(v) = a.opt::<u32>("max_retries")? {
            b = b.max_retries(v);
        }
        if let Some(v) = a.opt::<bool>("debug")? {
            b = b.debug(v);
        }
        Ok(b)
    })()
    .map_err(config)?;
    b.build()
}

fn config(e: Error) -> Error {
    match e {
        Error::Validation { message, .. } => Error::Config { message },
        other => other,
    }
}

fn find(name: &str) -> Result<&'static AgentOp> {
    AGENT_OPERATIONS
        .iter()
        .find(|o| o.name == name)
        .ok_or_else(|| Error::validation(format!("unknown AgentClient operation {name:?}")))
}

/// Starts unary operation `name`.
pub fn unary(
    client: &AgentClient,
    name: &str,
    args: Args,
) -> Result<BoxFuture<'static, Result<Output>>> {
    let op = find(name)?;
    args.check(op.params)?;
    match op.run {
        AgentRun::Unary(f) => Ok(f(client.clone(), args)),
        AgentRun::Stream(_) => Err(Error::validation(format!("{name} is a stream operation"))),
    }
}

/// Opens stream operation `name` (nothing is sent until it is first polled).
pub fn stream(client: &AgentClient, name: &str, args: Args) -> Result<EventStream> {
    let op = find(name)?;
    args.check(op.params)?;
    match op.run {
        AgentRun::Stream(f) => f(client.clone(), args),
        AgentRun::Unary(_) => Err(Error::validation(format!(
            "{name} is not a stream operation"
        ))),
    }
}

/// The table as JSON: `{operations: [{name, doc, kind, params}], settings: [...]}`.
pub fn describe() -> Value {
    let ops: Vec<Value> = AGENT_OPERATIONS
        .iter()
        .map(|o| {
            json!({
                "name": o.name,
                "doc": o.doc,
                "kind": match o.run { AgentRun::Unary(_) => "unary", AgentRun::Stream(_) => "stream" },
                "params": o.params.iter().map(Param::describe).collect::<Vec<_>>(),
            })
        })
        .collect();
    json!({
        "operations": ops,
        "settings": AGENT_CLIENT_SETTINGS.iter().map(Param::describe).collect::<Vec<_>>(),
    })
}
