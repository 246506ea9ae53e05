//! Agent versions, `copy` and `stats`; session pins and export; harness writes.

use futures::FutureExt;

use crate::ops::spec::*;
use crate::types::{
    CreateAgentVersionRequest, CreateHarnessRequest, ForkAgentVersionRequest,
    RollbackAgentVersionRequest, UpdateHarnessRequest,
};

const AGENT_ID: Param = address("agent_id", "The agent's id (`agent_…`) or name.");
const VERSION_ID: Param = address("version_id", "The version's id (`agentver_…`).");
const SESSION_ID: Param = address("session_id", "The session's id (`session_…`).");
const HARNESS_ID: Param = address("harness_id", "The harness's id (`harness_…`) or name.");

pub(crate) const AGENTS: &[Op] = &[
    Op {
        group: "agents",
        name: "list_versions",
        doc: "The agent's versions, newest first (every change to an agent makes one).",
        params: &[AGENT_ID],
        fields: None,
        ret: Ret::List("AgentVersion"),
        idempotent: true,
        run: Run::Unary(|c, mut a| {
            async move {
                let id = a.string("agent_id")?;
                a.done()?;
                c.agents().list_versions(&id).await.map(output)
            }
            .boxed()
        }),
    },
    Op {
        group: "agents",
        name: "get_version",
        doc: "One version of the agent.",
        params: &[AGENT_ID, VERSION_ID],
        fields: None,
        ret: Ret::Model("AgentVersion"),
        idempotent: true,
        run: Run::Unary(|c, mut a| {
            async move {
                let id = a.string("agent_id")?;
                let v = a.string("version_id")?;
                a.done()?;
                c.agents().get_version(&id, &v).await.map(output)
            }
            .boxed()
        }),
    },
    Op {
        group: "agents",
        name: "create_version",
        doc: "Saves the agent's current configuration as a version (`change_kind`: manual, \
              patch, minor or major).",
        params: &[AGENT_ID],
        fields: Some(Fields {
            schema: "CreateAgentVersionRequest",
            skip: &[],
        }),
        ret: Ret::Model("AgentVersion"),
        idempotent: false,
        run: Run::Unary(|c, mut a| {
            async move {
                let id = a.string("agent_id")?;
                let req: CreateAgentVersionRequest = a.rest()?;
                c.agents().create_version(&id, req).await.map(output)
            }
            .boxed()
        }),
    },
    Op {
        group: "agents",
        name: "set_default_version",
        doc: "Makes a version the agent's default: its configuration becomes the agent's and \
              new sessions record it.",
        params: &[AGENT_ID, VERSION_ID],
        fields: None,
        ret: Ret::Model("Agent"),
        idempotent: true,
        run: Run::Unary(|c, mut a| {
            async move {
                let id = a.string("agent_id")?;
                let v = a.string("version_id")?;
                a.done()?;
                c.agents().set_default_version(&id, &v).await.map(output)
            }
            .boxed()
        }),
    },
    Op {
        group: "agents",
        name: "diff_versions",
        doc: "The fields that differ between two versions of the agent (authored and resolved).",
        params: &[
            AGENT_ID,
            address("from_version_id", "The first version (`agentver_…`)."),
            address("to_version_id", "The second version (`agentver_…`)."),
        ],
        fields: None,
        ret: Ret::Model("AgentVersionDiffResponse"),
        idempotent: true,
        run: Run::Unary(|c, mut a| {
            async move {
                let id = a.string("agent_id")?;
                let f = a.string("from_version_id")?;
                let t = a.string("to_version_id")?;
                a.done()?;
                c.agents().diff_versions(&id, &f, &t).await.map(output)
            }
            .boxed()
        }),
    },
    Op {
        group: "agents",
        name: "fork_version",
        doc: "A new agent from a version, under a new `name`.",
        params: &[AGENT_ID, VERSION_ID],
        fields: Some(Fields {
            schema: "ForkAgentVersionRequest",
            skip: &[],
        }),
        ret: Ret::Model("Agent"),
        idempotent: false,
        run: Run::Unary(|c, mut a| {
            async move {
                let id = a.string("agent_id")?;
                let v = a.string("version_id")?;
                let req: ForkAgentVersionRequest = a.rest()?;
                c.agents().fork_version(&id, &v, req).await.map(output)
            }
            .boxed()
        }),
    },
    Op {
        group: "agents",
        name: "rollback_version",
        doc: "Restores the agent from a version (saved as a new `rollback` version unless \
              `save_version` is false).",
        params: &[AGENT_ID, VERSION_ID],
        fields: Some(Fields {
            schema: "RollbackAgentVersionRequest",
            skip: &[],
        }),
        ret: Ret::Model("Agent"),
        idempotent: false,
        run: Run::Unary(|c, mut a| {
            async move {
                let id = a.string("agent_id")?;
                let v = a.string("version_id")?;
                let req: RollbackAgentVersionRequest = a.rest()?;
                c.agents().rollback_version(&id, &v, req).await.map(output)
            }
            .boxed()
        }),
    },
    Op {
        group: "agents",
        name: "copy",
        doc: "A copy of the agent named `NAME-copy` (`NAME-copy-2`, … when taken).",
        params: &[AGENT_ID],
        fields: None,
        ret: Ret::Model("Agent"),
        idempotent: false,
        run: Run::Unary(|c, mut a| {
            async move {
                let id = a.string("agent_id")?;
                a.done()?;
                c.agents().copy(&id).await.map(output)
            }
            .boxed()
        }),
    },
    Op {
        group: "agents",
        name: "stats",
        doc: "Aggregates over the agent's sessions and turns.",
        params: &[AGENT_ID],
        fields: None,
        ret: Ret::Model("ResourceStats"),
        idempotent: true,
        run: Run::Unary(|c, mut a| {
            async move {
                let id = a.string("agent_id")?;
                a.done()?;
                c.agents().stats(&id).await.map(output)
            }
            .boxed()
        }),
    },
];

pub(crate) const SESSIONS: &[Op] = &[
    Op {
        group: "sessions",
        name: "pin",
        doc: "Pins the session (shown as `is_pinned`).",
        params: &[SESSION_ID],
        fields: None,
        ret: Ret::Unit,
        idempotent: true,
        run: Run::Unary(|c, mut a| {
            async move {
                let id = a.string("session_id")?;
                a.done()?;
                c.sessions().pin(&id).await.map(|()| Output::Unit)
            }
            .boxed()
        }),
    },
    Op {
        group: "sessions",
        name: "unpin",
        doc: "Unpins the session.",
        params: &[SESSION_ID],
        fields: None,
        ret: Ret::Unit,
        idempotent: true,
        run: Run::Unary(|c, mut a| {
            async move {
                let id = a.string("session_id")?;
                a.done()?;
                c.sessions().unpin(&id).await.map(|()| Output::Unit)
            }
            .boxed()
        }),
    },
    Op {
        group: "sessions",
        name: "export",
        doc: "Every event of the session as JSON Lines (one envelope per line, in order).",
        params: &[SESSION_ID],
        fields: None,
        ret: Ret::Text,
        idempotent: true,
        run: Run::Unary(|c, mut a| {
            async move {
                let id = a.string("session_id")?;
                a.done()?;
                c.sessions().export(&id).await.map(output)
            }
            .boxed()
        }),
    },
];

pub(crate) const HARNESSES: &[Op] = &[
    Op {
        group: "harnesses",
        name: "search",
        doc: "Harnesses whose name, label or description contains `query` (case-insensitive).",
        params: &[primary("query", Ty::Str, "The text to look for.")],
        fields: None,
        ret: Ret::List("Harness"),
        idempotent: true,
        run: Run::Unary(|c, mut a| {
            async move {
                let q = a.string("query")?;
                a.done()?;
                c.harnesses().search(&q).await.map(output)
            }
            .boxed()
        }),
    },
    Op {
        group: "harnesses",
        name: "create",
        doc: "Creates a harness (`name`: a unique slug).",
        params: &[
            primary("name", Ty::Str, "The harness's name (a slug)."),
            primary("system_prompt", Ty::Str, "The base system prompt."),
        ],
        fields: Some(Fields {
            schema: "CreateHarnessRequest",
            skip: &[],
        }),
        ret: Ret::Model("Harness"),
        idempotent: false,
        run: Run::Unary(|c, a| {
            async move {
                let req: CreateHarnessRequest = a.rest()?;
                c.harnesses().create(req).await.map(output)
            }
            .boxed()
        }),
    },
    Op {
        group: "harnesses",
        name: "update",
        doc: "Changes only the fields given (built-in harnesses are read-only).",
        params: &[HARNESS_ID],
        fields: Some(Fields {
            schema: "UpdateHarnessRequest",
            skip: &[],
        }),
        ret: Ret::Model("Harness"),
        idempotent: true,
        run: Run::Unary(|c, mut a| {
            async move {
                let id = a.string("harness_id")?;
                let req: UpdateHarnessRequest = a.rest()?;
                c.harnesses().update(&id, req).await.map(output)
            }
            .boxed()
        }),
    },
    Op {
        group: "harnesses",
        name: "delete",
        doc: "Archives a harness.",
        params: &[HARNESS_ID],
        fields: None,
        ret: Ret::Unit,
        idempotent: true,
        run: Run::Unary(|c, mut a| {
            async move {
                let id = a.string("harness_id")?;
                a.done()?;
                c.harnesses().delete(&id).await.map(|()| Output::Unit)
            }
            .boxed()
        }),
    },
];
