//! Envelopes and small shared objects.

use serde::{Deserialize, Serialize};

/// Offset/limit paginated list (`GET /v1/agents`, `/v1/sessions`, `/v1/capabilities`).
///
/// Also decodes plain `{"data": [...]}` lists: the counters then default to zero.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(bound(deserialize = "T: Deserialize<'de>"))]
pub struct Page<T> {
    /// Items of this page.
    #[serde(default = "Vec::new", deserialize_with = "null_default")]
    pub data: Vec<T>,
    /// Number of matching items over all pages.
    #[serde(default)]
    pub total: u64,
    /// Offset used for this page.
    #[serde(default)]
    pub offset: u64,
    /// Page size used for this page.
    #[serde(default)]
    pub limit: u64,
    /// Absolute URL of the next page; absent on the last page.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub next_url: Option<String>,
    /// Absolute URL of the previous page; absent on the first page.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub prev_url: Option<String>,
}

impl<T> Page<T> {
    /// True when more items follow this page.
    pub fn has_more(&self) -> bool {
        self.next_url.is_some() || self.offset + (self.data.len() as u64) < self.total
    }
}

/// Plain list envelope `{"data": [...]}` (messages, events, harnesses, models, files, grep).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(bound(deserialize = "T: Deserialize<'de>"))]
pub struct ListResponse<T> {
    /// The items.
    #[serde(default = "Vec::new", deserialize_with = "null_default")]
    pub data: Vec<T>,
    /// More items follow (a bounded page, e.g. an events list without `limit`): ask again
    /// after the last one. Absent when the list is complete.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub has_more: Option<bool>,
}

impl<T> ListResponse<T> {
    /// A complete list.
    pub fn new(data: Vec<T>) -> Self {
        Self {
            data,
            has_more: None,
        }
    }
}

/// Token accounting of an LLM call, a turn or a session.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct TokenUsage {
    /// Prompt tokens (excluding cache buckets).
    #[serde(default)]
    pub input_tokens: u64,
    /// Completion tokens.
    #[serde(default)]
    pub output_tokens: u64,
    /// Tokens read from the provider's cache.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cache_read_tokens: Option<u64>,
    /// Tokens written to the provider's cache.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cache_creation_tokens: Option<u64>,
    /// Estimated cost in US dollars.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub estimated_cost_usd: Option<f64>,
}

impl TokenUsage {
    /// Adds `other` into `self`.
    pub fn add(&mut self, other: &TokenUsage) {
        self.input_tokens += other.input_tokens;
        self.output_tokens += other.output_tokens;
        if let Some(v) = other.cache_read_tokens {
            *self.cache_read_tokens.get_or_insert(0) += v;
        }
        if let Some(v) = other.cache_creation_tokens {
            *self.cache_creation_tokens.get_or_insert(0) += v;
        }
    }
}

/// A capability enabled on a harness, agent or session: `{ref, config?}`.
///
/// Also decodes a bare string (`"web_fetch"`), the form used in agent markdown files and by old
/// servers.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct CapabilityRef {
    /// Capability id, e.g. `session_file_system`.
    #[serde(rename = "ref")]
    pub r#ref: String,
    /// Per-capability configuration.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub config: Option<serde_json::Value>,
}

impl CapabilityRef {
    /// A capability reference without configuration.
    pub fn new(id: impl Into<String>) -> Self {
        Self {
            r#ref: id.into(),
            config: None,
        }
    }
}

impl From<&str> for CapabilityRef {
    fn from(id: &str) -> Self {
        Self::new(id)
    }
}

impl From<String> for CapabilityRef {
    fn from(id: String) -> Self {
        Self::new(id)
    }
}

impl<'de> Deserialize<'de> for CapabilityRef {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        #[derive(Deserialize)]
        #[serde(untagged)]
        enum Repr {
            Id(String),
            Obj {
                #[serde(rename = "ref", alias = "id")]
                r#ref: String,
                #[serde(default)]
                config: Option<serde_json::Value>,
            },
        }
        Ok(match Repr::deserialize(d)? {
            Repr::Id(id) => CapabilityRef::new(id),
            Repr::Obj { r#ref, config } => CapabilityRef { r#ref, config },
        })
    }
}

string_enum! {
    /// How file content is encoded on the wire.
    pub enum FileEncoding {
        /// UTF-8 text.
        Text = "text",
        /// Base64 of the raw bytes.
        Base64 = "base64",
    }
}

/// A file seeded into a session's workspace at creation (`/workspace` prefix accepted).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct InitialFile {
    /// Absolute path, e.g. `/workspace/README.md`.
    pub path: String,
    /// Content, as text or base64 per `encoding`.
    pub content: String,
    /// Content encoding (default text).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub encoding: Option<FileEncoding>,
    /// Whether the seeded file is read-only.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub is_readonly: Option<bool>,
}

/// A client-side tool the agent may call (the client posts its results).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ToolDefinition {
    /// Tool kind, normally `client_side`.
    #[serde(rename = "type", default = "default_tool_type")]
    pub kind: String,
    /// Tool name.
    pub name: String,
    /// What the tool does, for the model.
    #[serde(default)]
    pub description: String,
    /// JSON Schema of the arguments.
    #[serde(default = "empty_object")]
    pub parameters: serde_json::Value,
}

fn default_tool_type() -> String {
    "client_side".to_string()
}

/// Deserialises `null` as the type's default (arrays are never `null` for our users).
pub(crate) fn null_default<'de, D, T>(d: D) -> Result<T, D::Error>
where
    D: serde::Deserializer<'de>,
    T: Default + Deserialize<'de>,
{
    Ok(Option::<T>::deserialize(d)?.unwrap_or_default())
}

pub(crate) fn empty_object() -> serde_json::Value {
    serde_json::Value::Object(Default::default())
}

/// Network allow/block lists (host patterns).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct NetworkAccess {
    /// Hosts that may be reached (empty = no restriction from this layer).
    #[serde(default, deserialize_with = "null_default")]
    pub allowed: Vec<String>,
    /// Hosts that may not be reached.
    #[serde(default, deserialize_with = "null_default")]
    pub blocked: Vec<String>,
}

string_enum! {
    /// Lifecycle status of an agent or harness.
    pub enum ResourceStatus {
        /// In use.
        Active = "active",
        /// Soft-deleted; hidden from default listings.
        Archived = "archived",
        /// Deleted.
        Deleted = "deleted",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn capability_ref_forms() {
        let a: CapabilityRef = serde_json::from_str(r#""web_fetch""#).unwrap();
        let b: CapabilityRef = serde_json::from_str(r#"{"ref":"web_fetch"}"#).unwrap();
        assert_eq!(a, b);
        let c: CapabilityRef =
            serde_json::from_str(r#"{"ref":"x","config":{"k":1},"extra":true}"#).unwrap();
        assert_eq!(c.config, Some(serde_json::json!({"k":1})));
        assert_eq!(serde_json::to_string(&a).unwrap(), r#"{"ref":"web_fetch"}"#);
    }

    #[test]
    fn unknown_enum_values_survive() {
        let s: ResourceStatus = serde_json::from_str(r#""frozen""#).unwrap();
        assert_eq!(s, ResourceStatus::Other("frozen".into()));
        assert_eq!(serde_json::to_string(&s).unwrap(), r#""frozen""#);
        assert_eq!(ResourceStatus::from("active"), ResourceStatus::Active);
    }

    #[test]
    fn page_defaults() {
        let p: Page<u32> = serde_json::from_str(r#"{"data":[1,2]}"#).unwrap();
        assert_eq!((p.total, p.offset, p.limit), (0, 0, 0));
        let p: Page<u32> = serde_json::from_str(r#"{"data":null,"total":3}"#).unwrap();
        assert!(p.data.is_empty());
        assert!(p.has_more());
    }
}
