//! Arguments from a host language into the core's request types.
//!
//! Hosts hand the core one JSON object per call (Python: the keyword arguments given; Node: the
//! options object). Struct keys may be `snake_case` or `camelCase`; an unknown key is an error
//! naming the accepted ones in the host's spelling, so a typo never silently drops an option.
//! Free-form JSON (`metadata`, capability `config`, tool `arguments`) is taken as it is.

use std::cell::Cell;
use std::fmt;

use serde::de::{self, DeserializeOwned, IntoDeserializer, Visitor};
use serde_json::Value;

/// How a host spells parameter names (used in error messages).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Spelling {
    /// `system_prompt` (Python, Rust).
    #[default]
    Snake,
    /// `systemPrompt` (JavaScript).
    Camel,
}

impl Spelling {
    /// `name` (a snake_case identifier) in this spelling.
    pub fn spell(self, name: &str) -> String {
        match self {
            Spelling::Snake => name.to_string(),
            Spelling::Camel => camel_case(name),
        }
    }
}

thread_local! {
    static SPELLING: Cell<Spelling> = const { Cell::new(Spelling::Snake) };
}

/// `snake_case` → `camelCase` (`is_directory` → `isDirectory`; names without `_` unchanged).
pub fn camel_case(name: &str) -> String {
    let mut out = String::with_capacity(name.len());
    let mut upper = false;
    for (i, c) in name.chars().enumerate() {
        if c == '_' && i > 0 {
            upper = true;
        } else if upper {
            out.extend(c.to_uppercase());
            upper = false;
        } else {
            out.push(c);
        }
    }
    out
}

/// `camelCase` → `snake_case` (`isDirectory` → `is_directory`).
pub fn snake_case(name: &str) -> String {
    let mut out = String::with_capacity(name.len() + 4);
    for c in name.chars() {
        if c.is_ascii_uppercase() {
            out.push('_');
            out.push(c.to_ascii_lowercase());
        } else {
            out.push(c);
        }
    }
    out
}

/// Why an input value could not be converted.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InputError(pub String);

impl fmt::Display for InputError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for InputError {}

fn spell(name: &str) -> String {
    SPELLING.with(|s| s.get()).spell(name)
}

impl de::Error for InputError {
    fn custom<T: fmt::Display>(msg: T) -> Self {
        InputError(msg.to_string())
    }
    fn missing_field(field: &'static str) -> Self {
        InputError(format!("missing field `{}`", spell(field)))
    }
    fn unknown_field(field: &str, expected: &'static [&'static str]) -> Self {
        let names: Vec<String> = expected.iter().map(|f| spell(f)).collect();
        InputError(format!(
            "unknown field `{field}`, expected one of: {}",
            names.join(", ")
        ))
    }
}

/// Converts a host value into a core type (struct keys in either spelling; see the module
/// docs). Error messages name fields in `spelling`.
pub fn from_host<T: DeserializeOwned>(value: Value, spelling: Spelling) -> Result<T, InputError> {
    let before = SPELLING.with(|s| s.replace(spelling));
    let out = serde_path_to_error::deserialize(HostDe(value)).map_err(|e| {
        let path = e.path().to_string();
        let inner = e.into_inner();
        if path.is_empty() || path == "." || path == "?" {
            inner
        } else {
            let path: Vec<String> = path.split('.').map(|seg| spelling.spell(seg)).collect();
            InputError(format!("{}: {inner}", path.join(".")))
        }
    });
    SPELLING.with(|s| s.set(before));
    out
}

/// A deserializer over an owned [`Value`] that maps camelCase keys of structs to their serde
/// field names and leaves free-form JSON untouched.
struct HostDe(Value);

impl<'de> IntoDeserializer<'de, InputError> for HostDe {
    type Deserializer = HostDe;
    fn into_deserializer(self) -> HostDe {
        self
    }
}

/// "a string", "an object", … for error messages.
pub fn kind_of(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    }
}

impl<'de> de::Deserializer<'de> for HostDe {
    type Error = InputError;

    fn deserialize_any<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, InputError> {
        match self.0 {
            Value::Null => visitor.visit_unit(),
            Value::Bool(b) => visitor.visit_bool(b),
            Value::Number(n) => {
                if let Some(u) = n.as_u64() {
                    visitor.visit_u64(u)
                } else if let Some(i) = n.as_i64() {
                    visitor.visit_i64(i)
                } else {
                    visitor.visit_f64(n.as_f64().unwrap_or(f64::NAN))
                }
            }
            Value::String(s) => visitor.visit_string(s),
            Value::Array(a) => {
                visitor.visit_seq(de::value::SeqDeserializer::new(a.into_iter().map(HostDe)))
            }
            Value::Object(m) => visitor.visit_map(de::value::MapDeserializer::new(
                m.into_iter().map(|(k, v)| (k, HostDe(v))),
            )),
        }
    }

    fn deserialize_option<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, InputError> {
        match self.0 {
            Value::Null => visitor.visit_none(),
            other => visitor.visit_some(HostDe(other)),
        }
    }

    fn deserialize_newtype_struct<V: Visitor<'de>>(
        self,
        _name: &'static str,
        visitor: V,
    ) -> Result<V::Value, InputError> {
        visitor.visit_newtype_struct(self)
    }

    fn deserialize_struct<V: Visitor<'de>>(
        self,
        name: &'static str,
        fields: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value, InputError> {
        let Value::Object(map) = self.0 else {
            return Err(InputError(format!(
                "expected an object for {name}, got {}",
                kind_of(&self.0)
            )));
        };
        let mut renamed = Vec::with_capacity(map.len());
        for (k, v) in map {
            let key = if fields.contains(&k.as_str()) {
                k
            } else {
                let snake = snake_case(&k);
                if fields.contains(&snake.as_str()) {
                    snake
                } else {
                    return Err(de::Error::unknown_field(&k, fields));
                }
            };
            renamed.push((key, HostDe(v)));
        }
        visitor.visit_map(de::value::MapDeserializer::new(renamed.into_iter()))
    }

    fn deserialize_enum<V: Visitor<'de>>(
        self,
        name: &'static str,
        _variants: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value, InputError> {
        match self.0 {
            Value::String(s) => visitor.visit_enum(s.into_deserializer()),
            other => Err(InputError(format!(
                "expected a string for {name}, got {}",
                kind_of(&other)
            ))),
        }
    }

    fn deserialize_ignored_any<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, InputError> {
        visitor.visit_unit()
    }

    serde::forward_to_deserialize_any! {
        bool i8 i16 i32 i64 i128 u8 u16 u32 u64 u128 f32 f64 char str string
        bytes byte_buf unit unit_struct seq tuple tuple_struct map identifier
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::types::CreateAgentRequest;
    use serde_json::json;

    #[test]
    fn case_helpers() {
        assert_eq!(camel_case("system_prompt"), "systemPrompt");
        assert_eq!(camel_case("id"), "id");
        assert_eq!(camel_case("_private"), "_private");
        assert_eq!(snake_case("isDirectory"), "is_directory");
        assert_eq!(snake_case("ref"), "ref");
    }

    #[test]
    fn accepts_either_spelling_and_rejects_typos_in_the_hosts_words() {
        let r: CreateAgentRequest = from_host(
            json!({"name":"a","systemPrompt":"p","capabilities":["web_fetch",{"ref":"x","config":{"someKey":1}}],
                "initialFiles":[{"path":"/a","content":"c","isReadonly":true}]}),
            Spelling::Camel,
        )
        .unwrap();
        assert_eq!(r.system_prompt, "p");
        assert_eq!(r.initial_files[0].is_readonly, Some(true));
        assert_eq!(r.capabilities[1].config, Some(json!({"someKey": 1})));
        let e =
            from_host::<CreateAgentRequest>(json!({"name":"a","systemPromt":"p"}), Spelling::Camel)
                .unwrap_err();
        assert!(e.0.contains("unknown field `systemPromt`"), "{e}");
        assert!(e.0.contains("systemPrompt"), "{e}");
        let e = from_host::<CreateAgentRequest>(json!({"name":"a"}), Spelling::Camel).unwrap_err();
        assert_eq!(e.0, "missing field `systemPrompt`");
        let e = from_host::<CreateAgentRequest>(json!({"name":"a"}), Spelling::Snake).unwrap_err();
        assert_eq!(e.0, "missing field `system_prompt`");
        let e =
            from_host::<CreateAgentRequest>(json!({"name":1,"system_prompt":"p"}), Spelling::Snake)
                .unwrap_err();
        assert!(e.0.contains("invalid type"), "{e}");
        let e = from_host::<CreateAgentRequest>(
            json!({"name":"a","system_prompt":"p","initial_files":[{"path":1}]}),
            Spelling::Camel,
        )
        .unwrap_err();
        assert!(e.0.starts_with("initialFiles[0].path: "), "{e}");
    }
}
