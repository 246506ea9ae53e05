//! What an `llm.generation` event stores of the messages a provider call sent: only what the
//! call added since the session's previous `llm.generation`, when the new list starts with the
//! previous one (checked by digest), so the log grows with the conversation instead of with
//! its square. [`generation_messages`] gives a reader the whole list back.

use everruns_core::{Event, EventPayload};
use serde_json::Value;
use sha2::{Digest, Sha256};

/// The list a session's last `llm.generation` sent: its length and digest.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct SentList {
    total: u64,
    digest: String,
}

impl SentList {
    /// Reads the marks of an `llm.generation` event (`None` for events without them).
    pub(crate) fn of(e: &Event) -> Option<Self> {
        Some(Self {
            total: e.data.get("messages_total")?.as_u64()?,
            digest: e.data.get("messages_digest")?.as_str()?.to_string(),
        })
    }
}

/// A call's list as stored: the messages after `omitted`, the total and the digest.
pub(crate) struct Stored {
    pub messages: Vec<Value>,
    pub omitted: u64,
    pub total: u64,
    pub digest: String,
}

/// Splits `sent` against the previous list: the prefix the previous generation recorded is
/// omitted when it matches exactly.
pub(crate) fn store(mut sent: Vec<Value>, previous: Option<&SentList>) -> Stored {
    let mut hasher = Sha256::new();
    let mut omitted = 0u64;
    for (i, m) in sent.iter().enumerate() {
        if let Some(p) = previous {
            if i as u64 == p.total && hex(hasher.clone().finalize().as_slice()) == p.digest {
                omitted = p.total;
            }
        }
        hasher.update(serde_json::to_vec(m).unwrap_or_default());
        hasher.update(b"\n");
    }
    let total = sent.len() as u64;
    let digest = hex(hasher.finalize().as_slice());
    if previous.is_some_and(|p| p.total == total && p.digest == digest) {
        omitted = total;
    }
    Stored {
        messages: sent.split_off(omitted as usize),
        omitted,
        total,
        digest,
    }
}

/// The system message as an `llm.generation` records it: like every other message item it has
/// an `id` and a `created_at` (upstream's message shape). Both are stable for a session and a
/// prompt, so consecutive calls still share their prefix: the id is `message_` and the first
/// 32 hex digits of SHA-256 over the session id and the prompt, the time the session's creation.
pub(crate) fn system_message(session: &everruns_core::Session, prompt: &str) -> Value {
    let mut h = Sha256::new();
    h.update(b"system\n");
    h.update(session.id.as_bytes());
    h.update(b"\n");
    h.update(prompt.as_bytes());
    let digest = hex(h.finalize().as_slice());
    serde_json::json!({
        "id": format!("message_{}", &digest[..32]),
        "role": "system",
        "content": [{"type": "text", "text": prompt}],
        "created_at": session.created_at,
    })
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// The whole message list the `llm.generation` at `events[index]` sent, rebuilt from it and
/// the session's earlier generations (`events` in log order). `None` when `index` is not an
/// `llm.generation` or an omitted prefix cannot be found.
pub fn generation_messages(events: &[Event], index: usize) -> Option<Vec<Value>> {
    let EventPayload::LlmGeneration(g) = events.get(index)?.payload() else {
        return None;
    };
    if g.messages_omitted == 0 {
        return Some(g.messages);
    }
    let previous = events[..index]
        .iter()
        .rposition(|e| e.event_type == everruns_core::event_types::LLM_GENERATION)?;
    let mut list = generation_messages(events, previous)?;
    list.truncate(g.messages_omitted as usize);
    if list.len() as u64 != g.messages_omitted {
        return None;
    }
    list.extend(g.messages);
    Some(list)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn marks(s: &Stored) -> SentList {
        SentList {
            total: s.total,
            digest: s.digest.clone(),
        }
    }

    #[test]
    fn an_extended_list_stores_only_what_it_added() {
        let first = store(vec![json!("sys"), json!("u1")], None);
        assert_eq!((first.omitted, first.messages.len()), (0, 2));
        let second = store(
            vec![json!("sys"), json!("u1"), json!("a1"), json!("u2")],
            Some(&marks(&first)),
        );
        assert_eq!(second.omitted, 2);
        assert_eq!(second.messages, vec![json!("a1"), json!("u2")]);
        assert_eq!(second.total, 4);
        // a list that does not extend the previous one is stored whole
        let other = store(
            vec![json!("sys2"), json!("u1"), json!("a1")],
            Some(&marks(&second)),
        );
        assert_eq!((other.omitted, other.messages.len()), (0, 3));
        // the same list again stores nothing new
        let same = store(
            vec![json!("sys2"), json!("u1"), json!("a1")],
            Some(&marks(&other)),
        );
        assert_eq!((same.omitted, same.messages.len()), (3, 0));
    }
}
