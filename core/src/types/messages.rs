//! Messages and content parts (docs/wire.md#11).

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use super::common::{empty_object, null_default};

string_enum! {
    /// Who wrote a message. The server emits `agent`; `assistant` is accepted as its alias.
    pub enum MessageRole {
        /// System instructions.
        System = "system",
        /// The user.
        User = "user",
        /// The agent (model).
        Agent = "agent",
        /// A tool's result.
        ToolResult = "tool_result",
    }
    aliases { "assistant" => Agent }
}

/// One part of a message's content, discriminated by `type`. Unknown kinds are kept as raw
/// JSON in [`ContentPart::Other`].
#[derive(Debug, Clone, PartialEq)]
pub enum ContentPart {
    /// `{"type":"text","text":…}`
    Text {
        /// The text.
        text: String,
    },
    /// `{"type":"image", base64?, url?, media_type?}`
    Image {
        /// Base64 image bytes.
        base64: Option<String>,
        /// Image URL.
        url: Option<String>,
        /// MIME type.
        media_type: Option<String>,
    },
    /// `{"type":"image_file", image_id, filename?}`
    ImageFile {
        /// Uploaded image id.
        image_id: String,
        /// Original file name.
        filename: Option<String>,
    },
    /// `{"type":"tool_call", id, name, arguments}`
    ToolCall {
        /// Call id, linked by `tool_result.tool_call_id` and `tool.completed.tool_call_id`.
        id: String,
        /// Tool name.
        name: String,
        /// Arguments object.
        arguments: serde_json::Value,
    },
    /// `{"type":"tool_result", tool_call_id, result?, error?}`
    ToolResult {
        /// The call this answers.
        tool_call_id: String,
        /// Result value on success.
        result: Option<serde_json::Value>,
        /// Error text on failure.
        error: Option<String>,
    },
    /// A part of a kind this version does not know, as sent.
    Other(serde_json::Value),
}

impl ContentPart {
    /// A `tool_result` part answering a client-side tool call with `result` (upstream's
    /// `ContentPart.make_tool_result`).
    pub fn make_tool_result(tool_call_id: impl Into<String>, result: serde_json::Value) -> Self {
        ContentPart::ToolResult {
            tool_call_id: tool_call_id.into(),
            result: Some(result),
            error: None,
        }
    }

    /// A `tool_result` part reporting that a client-side tool call failed (upstream's
    /// `ContentPart.make_tool_error`).
    pub fn make_tool_error(tool_call_id: impl Into<String>, error: impl Into<String>) -> Self {
        ContentPart::ToolResult {
            tool_call_id: tool_call_id.into(),
            result: None,
            error: Some(error.into()),
        }
    }

    /// A text part.
    pub fn text(text: impl Into<String>) -> Self {
        ContentPart::Text { text: text.into() }
    }

    /// The text of a text part.
    pub fn as_text(&self) -> Option<&str> {
        match self {
            ContentPart::Text { text } => Some(text),
            _ => None,
        }
    }

    /// The part as JSON.
    pub fn to_value(&self) -> serde_json::Value {
        use serde_json::json;
        fn put(m: &mut serde_json::Map<String, serde_json::Value>, k: &str, v: &Option<String>) {
            if let Some(v) = v {
                m.insert(k.into(), json!(v));
            }
        }
        match self {
            ContentPart::Text { text } => json!({"type": "text", "text": text}),
            ContentPart::Image {
                base64,
                url,
                media_type,
            } => {
                let mut m = serde_json::Map::new();
                m.insert("type".into(), json!("image"));
                put(&mut m, "base64", base64);
                put(&mut m, "url", url);
                put(&mut m, "media_type", media_type);
                serde_json::Value::Object(m)
            }
            ContentPart::ImageFile { image_id, filename } => {
                let mut m = serde_json::Map::new();
                m.insert("type".into(), json!("image_file"));
                m.insert("image_id".into(), json!(image_id));
                put(&mut m, "filename", filename);
                serde_json::Value::Object(m)
            }
            ContentPart::ToolCall {
                id,
                name,
                arguments,
            } => json!({"type": "tool_call", "id": id, "name": name, "arguments": arguments}),
            ContentPart::ToolResult {
                tool_call_id,
                result,
                error,
            } => {
                let mut m = serde_json::Map::new();
                m.insert("type".into(), json!("tool_result"));
                m.insert("tool_call_id".into(), json!(tool_call_id));
                if let Some(r) = result {
                    m.insert("result".into(), r.clone());
                }
                put(&mut m, "error", error);
                serde_json::Value::Object(m)
            }
            ContentPart::Other(v) => v.clone(),
        }
    }

    /// Reads a part from JSON; kinds that are unknown or malformed become [`ContentPart::Other`].
    pub fn from_value(v: serde_json::Value) -> Self {
        fn s(v: &serde_json::Value, k: &str) -> Option<String> {
            v.get(k).and_then(|x| x.as_str()).map(str::to_string)
        }
        let kind = v.get("type").and_then(|t| t.as_str()).unwrap_or("");
        let parsed = match kind {
            "text" => s(&v, "text").map(|text| ContentPart::Text { text }),
            "image" => Some(ContentPart::Image {
                base64: s(&v, "base64"),
                url: s(&v, "url"),
                media_type: s(&v, "media_type"),
            }),
            "image_file" => s(&v, "image_id").map(|image_id| ContentPart::ImageFile {
                image_id,
                filename: s(&v, "filename"),
            }),
            "tool_call" => match (s(&v, "id"), s(&v, "name")) {
                (Some(id), Some(name)) => Some(ContentPart::ToolCall {
                    id,
                    name,
                    arguments: v.get("arguments").cloned().unwrap_or_else(empty_object),
                }),
                _ => None,
            },
            "tool_result" => s(&v, "tool_call_id").map(|tool_call_id| ContentPart::ToolResult {
                tool_call_id,
                result: v.get("result").filter(|r| !r.is_null()).cloned(),
                error: s(&v, "error"),
            }),
            _ => None,
        };
        parsed.unwrap_or(ContentPart::Other(v))
    }
}

impl Serialize for ContentPart {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        self.to_value().serialize(s)
    }
}

impl<'de> Deserialize<'de> for ContentPart {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        Ok(ContentPart::from_value(serde_json::Value::deserialize(d)?))
    }
}

#[cfg(feature = "openapi")]
impl utoipa::PartialSchema for ContentPart {
    fn schema() -> utoipa::openapi::RefOr<utoipa::openapi::schema::Schema> {
        use utoipa::openapi::schema::{ObjectBuilder, Type};
        ObjectBuilder::new()
            .schema_type(Type::Object)
            .description(Some(
                "Content part discriminated by `type`: text {text}, image {base64?, url?, media_type?}, \
                 image_file {image_id, filename?}, tool_call {id, name, arguments}, \
                 tool_result {tool_call_id, result?, error?}, thinking {thinking, signature?} \
                 (in agent messages of models that think).",
            ))
            .property(
                "type",
                ObjectBuilder::new().schema_type(Type::String).enum_values(Some([
                    "text",
                    "image",
                    "image_file",
                    "tool_call",
                    "tool_result",
                    "thinking",
                ])),
            )
            .required("type")
            .additional_properties(Some(utoipa::openapi::schema::AdditionalProperties::FreeForm(true)))
            .into()
    }
}

#[cfg(feature = "openapi")]
impl utoipa::ToSchema for ContentPart {}

/// Per-turn overrides sent with a message.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Controls {
    /// Model for this turn (`model_…`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub model_id: Option<String>,
    /// Reasoning settings, e.g. `{"effort":"high"}`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reasoning: Option<serde_json::Value>,
    /// Locale for this turn.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub locale: Option<String>,
}

/// A stored message (derived from events).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Message {
    /// `message_<32hex>`.
    pub id: String,
    /// Author.
    pub role: MessageRole,
    /// Content parts.
    #[serde(default, deserialize_with = "null_default")]
    pub content: Vec<ContentPart>,
    /// Creation time.
    pub created_at: DateTime<Utc>,
    /// The session.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub session_id: Option<String>,
    /// Sequence of the event that carries this message.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sequence: Option<i64>,
    /// Per-turn overrides (user messages).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub controls: Option<Controls>,
    /// Arbitrary metadata.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub metadata: Option<serde_json::Value>,
    /// Tags.
    #[serde(
        default,
        deserialize_with = "null_default",
        skip_serializing_if = "Vec::is_empty"
    )]
    pub tags: Vec<String>,
}

impl Message {
    /// The concatenated text of all text parts.
    pub fn text(&self) -> String {
        let mut out = String::new();
        for t in self.content.iter().filter_map(ContentPart::as_text) {
            if !out.is_empty() {
                out.push('\n');
            }
            out.push_str(t);
        }
        out
    }
}

/// The message part of a create-message request.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct InputMessage {
    /// Always `user` for API-created messages.
    #[serde(default = "user_role")]
    pub role: MessageRole,
    /// Text, image or image_file parts.
    pub content: Vec<ContentPart>,
}

fn user_role() -> MessageRole {
    MessageRole::User
}

impl InputMessage {
    /// A user message with one text part.
    pub fn user(text: impl Into<String>) -> Self {
        Self {
            role: MessageRole::User,
            content: vec![ContentPart::text(text)],
        }
    }
}

/// Body of `POST /v1/sessions/{id}/messages`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct CreateMessageRequest {
    /// The user message.
    pub message: InputMessage,
    /// Per-turn overrides.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub controls: Option<Controls>,
    /// Stored with the message.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub metadata: Option<serde_json::Value>,
    /// Tags.
    #[serde(
        default,
        deserialize_with = "null_default",
        skip_serializing_if = "Vec::is_empty"
    )]
    pub tags: Vec<String>,
}

impl CreateMessageRequest {
    /// The text shorthand: `{"message":{"role":"user","content":[{"type":"text","text":…}]}}`.
    pub fn text(text: impl Into<String>) -> Self {
        Self {
            message: InputMessage::user(text),
            controls: None,
            metadata: None,
            tags: Vec::new(),
        }
    }

    /// A user message from exactly one of `text` (one text part) and `content` (parts);
    /// `Err` says what is wrong.
    pub fn compose(
        text: Option<String>,
        content: Option<Vec<ContentPart>>,
    ) -> Result<Self, String> {
        match (text, content) {
            (Some(t), None) => Ok(Self::text(t)),
            (None, Some(parts)) if !parts.is_empty() => Ok(Self {
                message: InputMessage {
                    role: MessageRole::User,
                    content: parts,
                },
                controls: None,
                metadata: None,
                tags: Vec::new(),
            }),
            (None, Some(_)) => Err("content needs at least one part".into()),
            _ => Err("give exactly one of text or content".into()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn content_parts_round_trip() {
        let parts = json!([
            {"type":"text","text":"hi"},
            {"type":"tool_call","id":"c1","name":"add","arguments":{"a":1}},
            {"type":"tool_result","tool_call_id":"c1","result":{"result":2}},
            {"type":"image","url":"http://x/y.png"},
            {"type":"audio","data":"zzz"},
            {"type":"text"}
        ]);
        let decoded: Vec<ContentPart> = serde_json::from_value(parts.clone()).unwrap();
        assert!(matches!(decoded[0], ContentPart::Text { .. }));
        assert!(matches!(decoded[1], ContentPart::ToolCall { .. }));
        assert!(matches!(decoded[4], ContentPart::Other(_)));
        assert!(
            matches!(decoded[5], ContentPart::Other(_)),
            "malformed text part kept raw"
        );
        assert_eq!(serde_json::to_value(&decoded).unwrap(), parts);
    }

    #[test]
    fn role_alias() {
        let r: MessageRole = serde_json::from_str(r#""assistant""#).unwrap();
        assert_eq!(r, MessageRole::Agent);
        assert_eq!(serde_json::to_string(&r).unwrap(), r#""agent""#);
    }

    #[test]
    fn text_shorthand() {
        let v = serde_json::to_value(CreateMessageRequest::text("hello")).unwrap();
        assert_eq!(
            v,
            json!({"message":{"role":"user","content":[{"type":"text","text":"hello"}]}})
        );
    }
}
