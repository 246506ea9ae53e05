//! Public identifiers: `<prefix>_<32 lowercase hex>` (docs/wire.md#2, docs/decisions.md#13).
//!
//! The server mints UUIDv7 so ids sort by creation time; any 32-hex value is accepted.

use std::fmt;

/// The entity kinds that have prefixed ids.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum IdKind {
    /// `agent_…`
    Agent,
    /// `session_…`
    Session,
    /// `event_…`
    Event,
    /// `message_…`
    Message,
    /// `harness_…`
    Harness,
    /// `turn_…`
    Turn,
    /// `exec_…`
    Exec,
    /// `model_…`
    Model,
    /// `provider_…`
    Provider,
    /// `org_…`
    Org,
    /// `wsp_…` (a session's workspace)
    Workspace,
    /// `file_…`
    File,
    /// `mem_…` (a memory: files mounted read-only into agents' sessions)
    Memory,
    /// `agentver_…` (an agent version)
    AgentVersion,
}

impl IdKind {
    /// The prefix without its trailing underscore, e.g. `"agent"`.
    pub const fn prefix(self) -> &'static str {
        match self {
            IdKind::Agent => "agent",
            IdKind::Session => "session",
            IdKind::Event => "event",
            IdKind::Message => "message",
            IdKind::Harness => "harness",
            IdKind::Turn => "turn",
            IdKind::Exec => "exec",
            IdKind::Model => "model",
            IdKind::Provider => "provider",
            IdKind::Org => "org",
            IdKind::Workspace => "wsp",
            IdKind::File => "file",
            IdKind::Memory => "mem",
            IdKind::AgentVersion => "agentver",
        }
    }

    /// A human name used in error messages, e.g. `"agent id"`.
    pub const fn label(self) -> &'static str {
        match self {
            IdKind::Agent => "agent id",
            IdKind::Session => "session id",
            IdKind::Event => "event id",
            IdKind::Message => "message id",
            IdKind::Harness => "harness id",
            IdKind::Turn => "turn id",
            IdKind::Exec => "exec id",
            IdKind::Model => "model id",
            IdKind::Provider => "provider id",
            IdKind::Org => "organization id",
            IdKind::Workspace => "workspace id",
            IdKind::File => "file id",
            IdKind::Memory => "memory id",
            IdKind::AgentVersion => "agent version id",
        }
    }
}

/// Why a string is not a valid id of the expected kind.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("invalid {}: {value:?} (expected `{}_` followed by 32 lowercase hex digits)", kind.label(), kind.prefix())]
pub struct InvalidId {
    /// The kind that was expected.
    pub kind: IdKind,
    /// The rejected input (truncated to 80 characters).
    pub value: String,
}

/// Mints a new id of `kind` from a UUIDv7 (time-ordered).
pub fn new_id(kind: IdKind) -> String {
    from_uuid(kind, uuid::Uuid::now_v7())
}

/// Formats `uuid` as an id of `kind`.
pub fn from_uuid(kind: IdKind, uuid: uuid::Uuid) -> String {
    let mut s = String::with_capacity(kind.prefix().len() + 33);
    s.push_str(kind.prefix());
    s.push('_');
    s.push_str(uuid.simple().encode_lower(&mut uuid::Uuid::encode_buffer()));
    s
}

/// True when `value` is `<prefix>_` + exactly 32 lowercase hex digits.
pub fn is_valid(kind: IdKind, value: &str) -> bool {
    let prefix = kind.prefix();
    value.len() == prefix.len() + 33
        && value.starts_with(prefix)
        && value.as_bytes()[prefix.len()] == b'_'
        && value[prefix.len() + 1..]
            .bytes()
            .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
}

/// Checks `value` with [`is_valid`], returning a descriptive error.
pub fn validate(kind: IdKind, value: &str) -> Result<(), InvalidId> {
    if is_valid(kind, value) {
        Ok(())
    } else {
        Err(InvalidId {
            kind,
            value: value.chars().take(80).collect(),
        })
    }
}

/// The 32-hex part of a valid id, parsed as a UUID.
pub fn to_uuid(kind: IdKind, value: &str) -> Result<uuid::Uuid, InvalidId> {
    validate(kind, value)?;
    uuid::Uuid::parse_str(&value[kind.prefix().len() + 1..]).map_err(|_| InvalidId {
        kind,
        value: value.to_string(),
    })
}

/// Re-labels the hex of one id with another prefix (e.g. a session's workspace `wsp_<same hex>`).
pub fn rekind(value: &str, from: IdKind, to: IdKind) -> Result<String, InvalidId> {
    Ok(from_uuid(to, to_uuid(from, value)?))
}

/// `agent_` + a new UUIDv7 — the client-side id helper of the upstream SDKs.
pub fn generate_agent_id() -> String {
    new_id(IdKind::Agent)
}

/// `harness_` + a new UUIDv7.
pub fn generate_harness_id() -> String {
    new_id(IdKind::Harness)
}

impl fmt::Display for IdKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.prefix())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn minted_ids_are_valid_and_ordered() {
        let a = new_id(IdKind::Event);
        let b = new_id(IdKind::Event);
        assert!(is_valid(IdKind::Event, &a), "{a}");
        assert_eq!(a.len(), "event_".len() + 32);
        assert!(a < b || a[..18] == b[..18]);
    }

    #[test]
    fn validation_rules() {
        let hex = "0190f3c2a7b87e1c9d2a5b6c7d8e9f01";
        assert!(is_valid(IdKind::Agent, &format!("agent_{hex}")));
        assert!(
            !is_valid(IdKind::Agent, &format!("agent_{}", &hex[1..])),
            "31 hex"
        );
        assert!(!is_valid(
            IdKind::Agent,
            &format!("agent_{}", hex.to_uppercase())
        ));
        assert!(!is_valid(IdKind::Agent, &format!("session_{hex}")));
        assert!(!is_valid(IdKind::Agent, &format!("agent-{hex}")));
        assert!(!is_valid(IdKind::Agent, ""));
        assert!(!is_valid(
            IdKind::Agent,
            "agent_é0f3c2a7b87e1c9d2a5b6c7d8e9f01"
        ));
        let err = validate(IdKind::Session, "nope").unwrap_err();
        assert!(err.to_string().contains("invalid session id"), "{err}");
    }

    #[test]
    fn rekind_keeps_hex() {
        let s = new_id(IdKind::Session);
        let w = rekind(&s, IdKind::Session, IdKind::Workspace).unwrap();
        assert_eq!(&w[4..], &s[8..]);
    }
}
