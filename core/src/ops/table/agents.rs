//! `agents` and `sessions`.

use futures::{FutureExt, StreamExt};

use crate::ops::spec::*;
use crate::types::{
    CreateAgentRequest, CreateSessionRequest, ListAgentsParams, ListSessionsParams, LlmSimScript,
    UpdateAgentRequest, UpdateSessionRequest,
};

const AGENT_ID: Param = address("agent_id", "The agent's id (`agent_…`).");
const SESSION_ID: Param = address("session_id", "The session's id (`session_…`).");

pub(crate) const AGENTS: &[Op] = &[
    Op {
        group: "agents",
        name: "create",
        doc: "Creates an agent (or updates the one with the same name). `name` may be a human \
              name (\"Research Assistant\"): its slug is sent as the name and the input as \
              `display_name`.",
        params: &[
            primary("name", Ty::Str, "Name or human name."),
            primary("system_prompt", Ty::Str, "The agent's instructions."),
        ],
        fields: Some(Fields {
            schema: "CreateAgentRequest",
            skip: &[],
        }),
        ret: Ret::Model("Agent"),
        idempotent: false,
        run: Run::Unary(|c, a| {
            async move {
                let req: CreateAgentRequest = a.rest()?;
                c.agents().create_with_options(req).await.map(output)
            }
            .boxed()
        }),
    },
    Op {
        group: "agents",
        name: "apply",
        doc: "Creates or updates the agent with the client-chosen `id` (idempotent; see \
              `generate_id`).",
        params: &[
            primary("id", Ty::Str, "The agent's id (`agent_<32 hex>`)."),
            primary("name", Ty::Str, "Name or human name."),
            primary("system_prompt", Ty::Str, "The agent's instructions."),
        ],
        fields: Some(Fields {
            schema: "CreateAgentRequest",
            skip: &[],
        }),
        ret: Ret::Model("Agent"),
        idempotent: true,
        run: Run::Unary(|c, a| {
            async move {
                let req: CreateAgentRequest = a.rest()?;
                c.agents().apply(req).await.map(output)
            }
            .boxed()
        }),
    },
    Op {
        group: "agents",
        name: "apply_by_name",
        doc: "Creates the agent or updates the one with this name (idempotent).",
        params: &[
            primary("name", Ty::Str, "Name or human name."),
            primary("system_prompt", Ty::Str, "The agent's instructions."),
        ],
        fields: Some(Fields {
            schema: "CreateAgentRequest",
            skip: &["id"],
        }),
        ret: Ret::Model("Agent"),
        idempotent: true,
        run: Run::Unary(|c, a| {
            async move {
                let req: CreateAgentRequest = a.rest()?;
                c.agents().apply_by_name(req).await.map(output)
            }
            .boxed()
        }),
    },
    Op {
        group: "agents",
        name: "generate_id",
        doc: "A fresh client-side agent id (`agent_` + UUIDv7 hex) for `apply`.",
        params: &[],
        fields: None,
        ret: Ret::Text,
        idempotent: true,
        run: Run::Local(|c, a| {
            a.done()?;
            Ok(output(c.agents().generate_agent_id()))
        }),
    },
    Op {
        group: "agents",
        name: "list",
        doc: "One page of agents.",
        params: &[],
        fields: Some(Fields {
            schema: "ListAgentsParams",
            skip: &[],
        }),
        ret: Ret::Page("Agent"),
        idempotent: true,
        run: Run::Unary(|c, a| {
            async move {
                let p: ListAgentsParams = a.rest()?;
                c.agents().list(p).await.map(output)
            }
            .boxed()
        }),
    },
    Op {
        group: "agents",
        name: "list_all",
        doc: "Every matching agent, pages fetched on demand from `offset` (`limit`: page size).",
        params: &[],
        fields: Some(Fields {
            schema: "ListAgentsParams",
            skip: &[],
        }),
        ret: Ret::Items("Agent"),
        idempotent: true,
        run: Run::Paged(|c, a| {
            let p: ListAgentsParams = a.rest()?;
            Ok(c.agents().list_all(p).map(items).boxed())
        }),
    },
    Op {
        group: "agents",
        name: "get",
        doc: "An agent by id (`agent_…`) or name (human names are slugged).",
        params: &[address("agent_id", "The agent's id or name.")],
        fields: None,
        ret: Ret::Model("Agent"),
        idempotent: true,
        run: Run::Unary(|c, mut a| {
            async move {
                let id = a.string("agent_id")?;
                a.done()?;
                c.agents().get(&id).await.map(output)
            }
            .boxed()
        }),
    },
    Op {
        group: "agents",
        name: "update",
        doc: "Changes only the fields given.",
        params: &[AGENT_ID],
        fields: Some(Fields {
            schema: "UpdateAgentRequest",
            skip: &[],
        }),
        ret: Ret::Model("Agent"),
        idempotent: true,
        run: Run::Unary(|c, mut a| {
            async move {
                let id = a.string("agent_id")?;
                let req: UpdateAgentRequest = a.rest()?;
                c.agents().update(&id, req).await.map(output)
            }
            .boxed()
        }),
    },
    Op {
        group: "agents",
        name: "delete",
        doc: "Archives an agent.",
        params: &[AGENT_ID],
        fields: None,
        ret: Ret::Unit,
        idempotent: true,
        run: Run::Unary(|c, mut a| {
            async move {
                let id = a.string("agent_id")?;
                a.done()?;
                c.agents().delete(&id).await.map(|()| Output::Unit)
            }
            .boxed()
        }),
    },
    Op {
        group: "agents",
        name: "import_agent",
        doc: "Creates (or, when the file carries a known `id`, updates) an agent from Markdown \
              with YAML front matter, YAML, JSON or plain text.",
        params: &[primary("markdown", Ty::Str, "The agent file's text.")],
        fields: None,
        ret: Ret::Model("Agent"),
        idempotent: false,
        run: Run::Unary(|c, mut a| {
            async move {
                let md = a.string("markdown")?;
                a.done()?;
                c.agents().import_agent(&md).await.map(output)
            }
            .boxed()
        }),
    },
    Op {
        group: "agents",
        name: "export",
        doc: "The agent as Markdown with YAML front matter.",
        params: &[AGENT_ID],
        fields: None,
        ret: Ret::Text,
        idempotent: true,
        run: Run::Unary(|c, mut a| {
            async move {
                let id = a.string("agent_id")?;
                a.done()?;
                c.agents().export(&id).await.map(output)
            }
            .boxed()
        }),
    },
];

pub(crate) const SESSIONS: &[Op] = &[
    Op {
        group: "sessions",
        name: "create",
        doc: "Creates a session of an agent (`agent_id` or `agent_name`), a harness, or the \
              default harness.",
        params: &[],
        fields: Some(Fields {
            schema: "CreateSessionRequest",
            skip: &[],
        }),
        ret: Ret::Model("Session"),
        idempotent: false,
        run: Run::Unary(|c, a| {
            async move {
                let req: CreateSessionRequest = a.rest()?;
                c.sessions().create(req).await.map(output)
            }
            .boxed()
        }),
    },
    Op {
        group: "sessions",
        name: "list",
        doc: "One page of sessions.",
        params: &[],
        fields: Some(Fields {
            schema: "ListSessionsParams",
            skip: &[],
        }),
        ret: Ret::Page("Session"),
        idempotent: true,
        run: Run::Unary(|c, a| {
            async move {
                let p: ListSessionsParams = a.rest()?;
                c.sessions().list(p).await.map(output)
            }
            .boxed()
        }),
    },
    Op {
        group: "sessions",
        name: "list_all",
        doc: "Every matching session, pages fetched on demand (`limit`: page size).",
        params: &[],
        fields: Some(Fields {
            schema: "ListSessionsParams",
            skip: &[],
        }),
        ret: Ret::Items("Session"),
        idempotent: true,
        run: Run::Paged(|c, a| {
            let p: ListSessionsParams = a.rest()?;
            Ok(c.sessions().list_all(p).map(items).boxed())
        }),
    },
    Op {
        group: "sessions",
        name: "get",
        doc: "A session by id.",
        params: &[SESSION_ID],
        fields: None,
        ret: Ret::Model("Session"),
        idempotent: true,
        run: Run::Unary(|c, mut a| {
            async move {
                let id = a.string("session_id")?;
                a.done()?;
                c.sessions().get(&id).await.map(output)
            }
            .boxed()
        }),
    },
    Op {
        group: "sessions",
        name: "update",
        doc: "Changes the title, locale or tags.",
        params: &[SESSION_ID],
        fields: Some(Fields {
            schema: "UpdateSessionRequest",
            skip: &[],
        }),
        ret: Ret::Model("Session"),
        idempotent: true,
        run: Run::Unary(|c, mut a| {
            async move {
                let id = a.string("session_id")?;
                let req: UpdateSessionRequest = a.rest()?;
                c.sessions().update(&id, req).await.map(output)
            }
            .boxed()
        }),
    },
    Op {
        group: "sessions",
        name: "delete",
        doc: "Deletes a session and its files.",
        params: &[SESSION_ID],
        fields: None,
        ret: Ret::Unit,
        idempotent: true,
        run: Run::Unary(|c, mut a| {
            async move {
                let id = a.string("session_id")?;
                a.done()?;
                c.sessions().delete(&id).await.map(|()| Output::Unit)
            }
            .boxed()
        }),
    },
    Op {
        group: "sessions",
        name: "cancel",
        doc: "Cancels the running turn (`turn.cancelled` follows); 400 `not_active` when idle.",
        params: &[SESSION_ID],
        fields: None,
        ret: Ret::Model("CancelTurnResponse"),
        idempotent: false,
        run: Run::Unary(|c, mut a| {
            async move {
                let id = a.string("session_id")?;
                a.done()?;
                c.sessions().cancel(&id).await.map(output)
            }
            .boxed()
        }),
    },
    Op {
        group: "sessions",
        name: "set_llmsim_script",
        doc: "Dev servers only: scripts the LLM simulator of this session. Each step is \
              `{text, tool_calls: [{name, arguments}], error, delay_ms}`; one step per LLM call.",
        params: &[
            SESSION_ID,
            primary(
                "steps",
                Ty::ObjList,
                "The replies, one per LLM call, in order.",
            ),
        ],
        fields: Some(Fields {
            schema: "LlmSimScript",
            skip: &[],
        }),
        ret: Ret::Unit,
        idempotent: true,
        run: Run::Unary(|c, mut a| {
            async move {
                let id = a.string("session_id")?;
                let script: LlmSimScript = a.rest()?;
                c.sessions()
                    .set_llmsim_script(&id, &script)
                    .await
                    .map(|()| Output::Unit)
            }
            .boxed()
        }),
    },
    Op {
        group: "sessions",
        name: "run",
        doc: "Sends `text` to the session, follows the turn it starts once (from the session's \
              default cursor), and returns the agent's final text; a failed or cancelled turn \
              raises `TurnFailedError`.",
        params: &[SESSION_ID, primary("text", Ty::Str, "The message text.")],
        fields: None,
        ret: Ret::Text,
        idempotent: false,
        run: Run::Unary(|c, mut a| {
            async move {
                let id = a.string("session_id")?;
                let text = a.string("text")?;
                a.done()?;
                c.sessions().run(&id, &text).await.map(output)
            }
            .boxed()
        }),
    },
];

/// Boxes each listed item for the host.
pub(crate) fn items<T: serde::Serialize + Send + Sync + 'static>(
    r: crate::client::Result<T>,
) -> crate::client::Result<Item> {
    r.map(|v| Box::new(v) as Item)
}
