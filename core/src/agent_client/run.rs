//! The one-call `run`: follow a session's stream to the end of the turn a message started
//! and return the agent's final text. Shared by [`super::AgentClient::run`] and the management
//! client's `sessions().run`.

use futures::StreamExt;

use crate::client::{Error, EventStream, Result};
use crate::types::event_types::{
    OUTPUT_MESSAGE_COMPLETED, TURN_CANCELLED, TURN_COMPLETED, TURN_FAILED,
};
use crate::types::Event;

/// The text parts of an `output.message.completed` event's agent message (`""` otherwise).
pub fn agent_text(event: &Event) -> String {
    let message = &event.data["message"];
    if !matches!(message["role"].as_str(), None | Some("agent" | "assistant")) {
        return String::new();
    }
    message["content"]
        .as_array()
        .map(|parts| {
            parts
                .iter()
                .filter(|p| p["type"] == "text")
                .filter_map(|p| p["text"].as_str())
                .collect::<String>()
        })
        .unwrap_or_default()
}

/// Reads `stream` until the turn started by message `input_message_id` ends: returns the last
/// agent text of that turn on `turn.completed`, [`Error::TurnFailed`] on `turn.failed` or
/// `turn.cancelled`. Events of other turns (an earlier turn still running when the message
/// was sent) are skipped, so the answer is always the one to this message. The stream is
/// stopped before returning.
pub async fn follow_turn(mut stream: EventStream, input_message_id: &str) -> Result<String> {
    let mut reply = String::new();
    let outcome = loop {
        let Some(item) = stream.next().await else {
            break Err(Error::Stream {
                message: "the event stream ended before the turn ended".into(),
            });
        };
        let event = match item {
            Ok(e) => e,
            Err(e) => break Err(e),
        };
        if event.context.input_message_id.as_deref() != Some(input_message_id) {
            continue;
        }
        match event.event_type.as_str() {
            OUTPUT_MESSAGE_COMPLETED => {
                let text = agent_text(&event);
                if !text.is_empty() {
                    reply = text;
                }
            }
            TURN_COMPLETED => break Ok(std::mem::take(&mut reply)),
            TURN_FAILED => {
                break Err(Error::TurnFailed {
                    code: event.data["error_code"]
                        .as_str()
                        .unwrap_or("unknown")
                        .to_string(),
                    message: event.data["error"]
                        .as_str()
                        .unwrap_or("the turn failed")
                        .to_string(),
                    turn_id: event.context.turn_id.clone(),
                })
            }
            TURN_CANCELLED => {
                break Err(Error::TurnFailed {
                    code: "turn_cancelled".into(),
                    message: "the turn was cancelled".into(),
                    turn_id: event.context.turn_id.clone(),
                })
            }
            _ => {}
        }
    };
    stream.stop();
    outcome
}
