//! Agent versions: every change to an agent's configuration stores an immutable snapshot
//! (authored and resolved configuration, content hash, parent). The agent's
//! `default_version_id` is the version new sessions record and run: setting it (or rolling
//! back) applies that version's configuration to the agent.

use std::sync::OnceLock;

use everruns_core::ids::{self, IdKind};
use everruns_core::{
    Agent, AgentVersion, AgentVersionChangeKind, AgentVersionDiffResponse, ConfigFieldChange,
    Harness,
};
use everruns_runtime::{merge_layers, CapabilityRegistry, SessionBuilder};
use serde_json::{Map, Value};
use sha2::{Digest, Sha256};

use super::Change;
use crate::error::{ApiError, ApiResult};
use crate::store::now;
use crate::util::check_id;
use crate::App;

/// The agent fields a version snapshots (what its author writes).
pub const AUTHORED_FIELDS: &[&str] = &[
    "name",
    "display_name",
    "description",
    "system_prompt",
    "harness_id",
    "default_model_id",
    "tags",
    "capabilities",
    "tools",
    "initial_files",
    "max_iterations",
    "parallel_tool_calls",
    "network_access",
    "memory_ids",
];

/// Deepest harness chain followed when resolving a configuration.
const MAX_HARNESS_DEPTH: usize = 16;

/// The 404 of a version that is unknown or belongs to another agent.
pub fn version_not_found(version_id: &str, agent_id: &str) -> ApiError {
    ApiError::not_found(
        "agent_version_not_found",
        format!("Agent {agent_id} has no version {version_id}."),
    )
}

/// The authored configuration of an agent: its [`AUTHORED_FIELDS`] that are set.
pub fn authored_config(agent: &Agent) -> Value {
    let full = serde_json::to_value(agent).unwrap_or(Value::Null);
    let mut out = Map::new();
    for k in AUTHORED_FIELDS {
        if let Some(v) = full.get(*k).filter(|v| !v.is_null()) {
            out.insert((*k).to_string(), v.clone());
        }
    }
    Value::Object(out)
}

/// SHA-256 (hex) of a configuration's canonical JSON (object keys sorted).
pub fn config_hash(config: &Value) -> String {
    let text = serde_json::to_string(config).unwrap_or_default();
    let digest = Sha256::digest(text.as_bytes());
    digest.iter().map(|b| format!("{b:02x}")).collect()
}

fn registry() -> &'static CapabilityRegistry {
    static R: OnceLock<CapabilityRegistry> = OnceLock::new();
    R.get_or_init(CapabilityRegistry::with_builtins)
}

/// The configuration a session of this agent runs: the agent folded over its harness chain
/// (root first), as the runtime folds it.
pub async fn resolved_config(app: &App, agent: &Agent) -> ApiResult<Value> {
    let mut chain: Vec<Harness> = Vec::new();
    let mut next = Some(agent.harness_id.clone()).filter(|h| !h.is_empty());
    while let Some(h) = next.take() {
        if chain.len() >= MAX_HARNESS_DEPTH || chain.iter().any(|c| c.id == h) {
            break;
        }
        if let Some(harness) = app.store.get_harness(&h).await? {
            next = harness.parent_harness_id.clone();
            chain.push(harness);
        }
    }
    chain.reverse();
    let refs: Vec<&Harness> = chain.iter().collect();
    let session = SessionBuilder::new(agent.harness_id.clone()).build();
    let m = merge_layers(&refs, Some(agent), &session, registry());
    Ok(serde_json::json!({
        "harness_chain": chain.iter().map(|h| h.id.clone()).collect::<Vec<_>>(),
        "system_prompt": m.system_prompt,
        "model_id": m.model_id,
        "capabilities": m.capabilities,
        "initial_files": m.initial_files.iter().map(|f| f.path.clone()).collect::<Vec<_>>(),
        "tools": m.tools,
        "max_iterations": m.max_iterations,
        "parallel_tool_calls": m.parallel_tool_calls,
        "network_access": agent.network_access,
    }))
}

/// What a new version records besides the agent's configuration.
#[derive(Debug, Clone)]
pub struct VersionNote<'a> {
    /// Why it is made.
    pub kind: AgentVersionChangeKind,
    /// A note (`create_version`, `rollback_version`).
    pub summary: Option<String>,
    /// The version it restores or forks.
    pub source_version_id: Option<String>,
    /// The request's change reason.
    pub change: &'a Change,
    /// Store a version even when the configuration equals the latest one.
    pub force: bool,
}

impl<'a> VersionNote<'a> {
    /// A version made by a change of kind `kind` (only when the configuration changed).
    pub fn auto(kind: AgentVersionChangeKind, change: &'a Change) -> Self {
        Self {
            kind,
            summary: None,
            source_version_id: None,
            change,
            force: false,
        }
    }
}

/// Records a version of `agent` when its configuration differs from its latest version (or
/// `note.force`), makes it the default and stores the agent. Call with the agent write lock
/// held. Returns the new version, if one was made.
pub async fn record(
    app: &App,
    agent: &mut Agent,
    note: VersionNote<'_>,
) -> ApiResult<Option<AgentVersion>> {
    let authored = authored_config(agent);
    let hash = config_hash(&authored);
    let latest = app.store.latest_agent_version(&agent.id).await?;
    if let Some(l) = &latest {
        if l.config_hash == hash && !note.force {
            if agent.default_version_id.is_none() {
                agent.default_version_id = Some(l.id.clone());
                app.store.put_agent(agent).await?;
            }
            return Ok(None);
        }
    }
    let (major, minor, patch) = match &latest {
        None => (1, 0, 0),
        Some(l) => match note.kind {
            AgentVersionChangeKind::Major => (l.semver_major + 1, 0, 0),
            AgentVersionChangeKind::Minor => (l.semver_major, l.semver_minor + 1, 0),
            _ => (l.semver_major, l.semver_minor, l.semver_patch + 1),
        },
    };
    let v = AgentVersion {
        id: ids::new_id(IdKind::AgentVersion),
        agent_id: agent.id.clone(),
        version_number: latest.as_ref().map_or(1, |l| l.version_number + 1),
        version: format!("{major}.{minor}.{patch}"),
        semver_major: major,
        semver_minor: minor,
        semver_patch: patch,
        change_kind: note.kind,
        config_hash: hash,
        resolved_config: resolved_config(app, agent).await?,
        authored_config: authored,
        parent_version_id: latest.map(|l| l.id),
        source_version_id: note.source_version_id,
        summary: note.summary,
        change_reason: note.change.reason.clone(),
        is_published: Some(true),
        created_at: now(),
    };
    app.store.insert_agent_version(&v).await?;
    agent.default_version_id = Some(v.id.clone());
    app.store.put_agent(agent).await?;
    Ok(Some(v))
}

/// The agent's default version, recording one first for an agent that has none (agents
/// stored before versions existed).
pub async fn default_version(app: &App, agent: &mut Agent) -> ApiResult<String> {
    if let Some(v) = &agent.default_version_id {
        return Ok(v.clone());
    }
    let _guard = app.store.lock_agent_writes().await;
    let change = Change::none();
    record(
        app,
        agent,
        VersionNote::auto(AgentVersionChangeKind::Auto, &change),
    )
    .await?;
    agent
        .default_version_id
        .clone()
        .ok_or_else(|| ApiError::internal("the agent has no version after recording one"))
}

/// Loads a version of `agent_id` (404 when unknown or another agent's).
pub async fn load(app: &App, agent_id: &str, version_id: &str) -> ApiResult<AgentVersion> {
    check_id(IdKind::AgentVersion, version_id)?;
    app.store
        .get_agent_version(version_id)
        .await?
        .filter(|v| v.agent_id == agent_id)
        .ok_or_else(|| version_not_found(version_id, agent_id))
}

/// Marks which of `versions` is the agent's default.
pub fn mark_default(agent: &Agent, versions: &mut [AgentVersion]) {
    for v in versions {
        v.is_published = Some(agent.default_version_id.as_deref() == Some(v.id.as_str()));
    }
}

/// Overwrites the agent's configuration with a version's authored configuration.
pub fn apply(agent: &Agent, version: &AgentVersion) -> ApiResult<Agent> {
    let mut doc = serde_json::to_value(agent).map_err(ApiError::internal)?;
    let obj = doc
        .as_object_mut()
        .ok_or_else(|| ApiError::internal("agent is not an object"))?;
    for k in AUTHORED_FIELDS {
        if *k == "name" {
            continue;
        }
        match version.authored_config.get(*k) {
            Some(v) => obj.insert((*k).to_string(), v.clone()),
            None => obj.remove(*k),
        };
    }
    let mut out: Agent = serde_json::from_value(doc).map_err(ApiError::internal)?;
    out.updated_at = now();
    Ok(out)
}

/// Field-by-field differences of two configuration objects (sorted by field name).
pub fn diff_objects(from: &Value, to: &Value) -> Vec<ConfigFieldChange> {
    let empty = Map::new();
    let a = from.as_object().unwrap_or(&empty);
    let b = to.as_object().unwrap_or(&empty);
    let mut keys: Vec<&String> = a.keys().chain(b.keys()).collect();
    keys.sort();
    keys.dedup();
    keys.into_iter()
        .filter(|k| a.get(*k) != b.get(*k))
        .map(|k| ConfigFieldChange {
            field: k.clone(),
            from: a.get(k).cloned(),
            to: b.get(k).cloned(),
        })
        .collect()
}

/// The differences between two versions of one agent.
pub fn diff(from: &AgentVersion, to: &AgentVersion) -> AgentVersionDiffResponse {
    AgentVersionDiffResponse {
        from_version_id: from.id.clone(),
        to_version_id: to.id.clone(),
        authored_diff: diff_objects(&from.authored_config, &to.authored_config),
        resolved_diff: diff_objects(&from.resolved_config, &to.resolved_config),
    }
}
