//! Value conversion between the core's serde types and JavaScript.
//!
//! Values cross the boundary as JSON text: `JSON.parse` in V8 builds objects far faster than
//! one N-API call per property, and `JSON.stringify` on the way in drops `undefined` exactly
//! as JavaScript users expect.
//!
//! The naming rule is mechanical and needs no per-type code:
//!
//! * **Out** ([`to_js_json`]): every *struct field* of a core type is written in camelCase
//!   (`system_prompt` → `systemPrompt`); *map keys* are written as they are. Free-form JSON
//!   (`serde_json::Value`: event `data`, `metadata`, capability `config`, tool `arguments`, …)
//!   serialises through maps, so it reaches JavaScript exactly as the server sent it. Content
//!   parts (`ContentPart`) are free-form JSON on the wire too and keep their wire keys.
//! * **In** ([`from_js_json`]): object keys of a *struct* are matched against the struct's
//!   serde field names, camelCase or snake_case; an unknown key is an error naming the
//!   accepted keys (a typo never silently drops an option). Free-form JSON is taken as is.

use std::collections::HashMap;
use std::fmt;
use std::sync::{Mutex, OnceLock};

use serde::de::{self, DeserializeOwned, IntoDeserializer, Visitor};
use serde::ser::{self, Serialize, Serializer};
use serde_json::Value;

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

/// The camelCase form of a static field name, interned (field names are a small fixed set).
fn camel_static(name: &'static str) -> &'static str {
    if !name.contains('_') {
        return name;
    }
    static CACHE: OnceLock<Mutex<HashMap<&'static str, &'static str>>> = OnceLock::new();
    let mut map = CACHE
        .get_or_init(Default::default)
        .lock()
        .unwrap_or_else(|p| p.into_inner());
    map.entry(name)
        .or_insert_with(|| Box::leak(camel_case(name).into_boxed_str()))
}

/// Serialises `value` to JSON text with struct fields in camelCase (see the module docs).
pub fn to_js_json<T: Serialize + ?Sized>(value: &T) -> serde_json::Result<String> {
    let mut out = Vec::with_capacity(256);
    value.serialize(Camel(&mut serde_json::Serializer::new(&mut out)))?;
    // serde_json only writes valid UTF-8.
    Ok(String::from_utf8(out).expect("serde_json writes UTF-8"))
}

/// Serialises `value` to a [`Value`] with struct fields in camelCase.
pub fn to_js_value<T: Serialize + ?Sized>(value: &T) -> serde_json::Result<Value> {
    value.serialize(Camel(serde_json::value::Serializer))
}

/// A serializer adapter that renames struct fields to camelCase, all the way down.
struct Camel<S>(S);

/// A value that serialises itself through [`Camel`].
struct W<'a, T: ?Sized>(&'a T);

impl<T: Serialize + ?Sized> Serialize for W<'_, T> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        self.0.serialize(Camel(s))
    }
}

macro_rules! forward_scalars {
    ($($m:ident($t:ty)),* $(,)?) => {
        $(fn $m(self, v: $t) -> Result<Self::Ok, Self::Error> { self.0.$m(v) })*
    };
}

impl<S: Serializer> Serializer for Camel<S> {
    type Ok = S::Ok;
    type Error = S::Error;
    type SerializeSeq = Camel<S::SerializeSeq>;
    type SerializeTuple = Camel<S::SerializeTuple>;
    type SerializeTupleStruct = Camel<S::SerializeTupleStruct>;
    type SerializeTupleVariant = Camel<S::SerializeTupleVariant>;
    type SerializeMap = Camel<S::SerializeMap>;
    type SerializeStruct = Camel<S::SerializeStruct>;
    type SerializeStructVariant = Camel<S::SerializeStructVariant>;

    forward_scalars!(
        serialize_bool(bool),
        serialize_i8(i8),
        serialize_i16(i16),
        serialize_i32(i32),
        serialize_i64(i64),
        serialize_i128(i128),
        serialize_u8(u8),
        serialize_u16(u16),
        serialize_u32(u32),
        serialize_u64(u64),
        serialize_u128(u128),
        serialize_f32(f32),
        serialize_f64(f64),
        serialize_char(char),
        serialize_str(&str),
        serialize_bytes(&[u8]),
    );

    fn serialize_none(self) -> Result<S::Ok, S::Error> {
        self.0.serialize_none()
    }
    fn serialize_some<T: Serialize + ?Sized>(self, v: &T) -> Result<S::Ok, S::Error> {
        self.0.serialize_some(&W(v))
    }
    fn serialize_unit(self) -> Result<S::Ok, S::Error> {
        self.0.serialize_unit()
    }
    fn serialize_unit_struct(self, name: &'static str) -> Result<S::Ok, S::Error> {
        self.0.serialize_unit_struct(name)
    }
    fn serialize_unit_variant(
        self,
        name: &'static str,
        index: u32,
        variant: &'static str,
    ) -> Result<S::Ok, S::Error> {
        self.0.serialize_unit_variant(name, index, variant)
    }
    fn serialize_newtype_struct<T: Serialize + ?Sized>(
        self,
        name: &'static str,
        v: &T,
    ) -> Result<S::Ok, S::Error> {
        self.0.serialize_newtype_struct(name, &W(v))
    }
    fn serialize_newtype_variant<T: Serialize + ?Sized>(
        self,
        name: &'static str,
        index: u32,
        variant: &'static str,
        v: &T,
    ) -> Result<S::Ok, S::Error> {
        self.0
            .serialize_newtype_variant(name, index, variant, &W(v))
    }
    fn serialize_seq(self, len: Option<usize>) -> Result<Self::SerializeSeq, S::Error> {
        self.0.serialize_seq(len).map(Camel)
    }
    fn serialize_tuple(self, len: usize) -> Result<Self::SerializeTuple, S::Error> {
        self.0.serialize_tuple(len).map(Camel)
    }
    fn serialize_tuple_struct(
        self,
        name: &'static str,
        len: usize,
    ) -> Result<Self::SerializeTupleStruct, S::Error> {
        self.0.serialize_tuple_struct(name, len).map(Camel)
    }
    fn serialize_tuple_variant(
        self,
        name: &'static str,
        index: u32,
        variant: &'static str,
        len: usize,
    ) -> Result<Self::SerializeTupleVariant, S::Error> {
        self.0
            .serialize_tuple_variant(name, index, variant, len)
            .map(Camel)
    }
    fn serialize_map(self, len: Option<usize>) -> Result<Self::SerializeMap, S::Error> {
        self.0.serialize_map(len).map(Camel)
    }
    fn serialize_struct(
        self,
        name: &'static str,
        len: usize,
    ) -> Result<Self::SerializeStruct, S::Error> {
        self.0.serialize_struct(name, len).map(Camel)
    }
    fn serialize_struct_variant(
        self,
        name: &'static str,
        index: u32,
        variant: &'static str,
        len: usize,
    ) -> Result<Self::SerializeStructVariant, S::Error> {
        self.0
            .serialize_struct_variant(name, index, variant, len)
            .map(Camel)
    }
    fn is_human_readable(&self) -> bool {
        self.0.is_human_readable()
    }
}

impl<S: ser::SerializeSeq> ser::SerializeSeq for Camel<S> {
    type Ok = S::Ok;
    type Error = S::Error;
    fn serialize_element<T: Serialize + ?Sized>(&mut self, v: &T) -> Result<(), S::Error> {
        self.0.serialize_element(&W(v))
    }
    fn end(self) -> Result<S::Ok, S::Error> {
        self.0.end()
    }
}

impl<S: ser::SerializeTuple> ser::SerializeTuple for Camel<S> {
    type Ok = S::Ok;
    type Error = S::Error;
    fn serialize_element<T: Serialize + ?Sized>(&mut self, v: &T) -> Result<(), S::Error> {
        self.0.serialize_element(&W(v))
    }
    fn end(self) -> Result<S::Ok, S::Error> {
        self.0.end()
    }
}

impl<S: ser::SerializeTupleStruct> ser::SerializeTupleStruct for Camel<S> {
    type Ok = S::Ok;
    type Error = S::Error;
    fn serialize_field<T: Serialize + ?Sized>(&mut self, v: &T) -> Result<(), S::Error> {
        self.0.serialize_field(&W(v))
    }
    fn end(self) -> Result<S::Ok, S::Error> {
        self.0.end()
    }
}

impl<S: ser::SerializeTupleVariant> ser::SerializeTupleVariant for Camel<S> {
    type Ok = S::Ok;
    type Error = S::Error;
    fn serialize_field<T: Serialize + ?Sized>(&mut self, v: &T) -> Result<(), S::Error> {
        self.0.serialize_field(&W(v))
    }
    fn end(self) -> Result<S::Ok, S::Error> {
        self.0.end()
    }
}

impl<S: ser::SerializeMap> ser::SerializeMap for Camel<S> {
    type Ok = S::Ok;
    type Error = S::Error;
    fn serialize_key<T: Serialize + ?Sized>(&mut self, k: &T) -> Result<(), S::Error> {
        // Map keys are data, never renamed.
        self.0.serialize_key(k)
    }
    fn serialize_value<T: Serialize + ?Sized>(&mut self, v: &T) -> Result<(), S::Error> {
        self.0.serialize_value(&W(v))
    }
    fn end(self) -> Result<S::Ok, S::Error> {
        self.0.end()
    }
}

impl<S: ser::SerializeStruct> ser::SerializeStruct for Camel<S> {
    type Ok = S::Ok;
    type Error = S::Error;
    fn serialize_field<T: Serialize + ?Sized>(
        &mut self,
        key: &'static str,
        v: &T,
    ) -> Result<(), S::Error> {
        self.0.serialize_field(camel_static(key), &W(v))
    }
    fn skip_field(&mut self, key: &'static str) -> Result<(), S::Error> {
        self.0.skip_field(camel_static(key))
    }
    fn end(self) -> Result<S::Ok, S::Error> {
        self.0.end()
    }
}

impl<S: ser::SerializeStructVariant> ser::SerializeStructVariant for Camel<S> {
    type Ok = S::Ok;
    type Error = S::Error;
    fn serialize_field<T: Serialize + ?Sized>(
        &mut self,
        key: &'static str,
        v: &T,
    ) -> Result<(), S::Error> {
        self.0.serialize_field(camel_static(key), &W(v))
    }
    fn skip_field(&mut self, key: &'static str) -> Result<(), S::Error> {
        self.0.skip_field(camel_static(key))
    }
    fn end(self) -> Result<S::Ok, S::Error> {
        self.0.end()
    }
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

impl de::Error for InputError {
    fn custom<T: fmt::Display>(msg: T) -> Self {
        InputError(msg.to_string())
    }
    fn missing_field(field: &'static str) -> Self {
        InputError(format!("missing field `{}`", camel_case(field)))
    }
    fn unknown_field(field: &str, expected: &'static [&'static str]) -> Self {
        let names: Vec<String> = expected.iter().map(|f| camel_case(f)).collect();
        InputError(format!(
            "unknown field `{field}`, expected one of: {}",
            names.join(", ")
        ))
    }
}

/// Parses JSON text from JavaScript into a core type (camelCase or snake_case struct keys).
pub fn from_js_json<T: DeserializeOwned>(json: &str) -> Result<T, InputError> {
    let value: Value =
        serde_json::from_str(json).map_err(|e| InputError(format!("invalid JSON: {e}")))?;
    from_js_value(value)
}

/// Converts a [`Value`] from JavaScript into a core type (see [`from_js_json`]).
pub fn from_js_value<T: DeserializeOwned>(value: Value) -> Result<T, InputError> {
    T::deserialize(CamelDe(value))
}

/// A deserializer over an owned [`Value`] that maps camelCase keys of structs to their serde
/// field names and leaves free-form JSON untouched.
struct CamelDe(Value);

impl<'de> IntoDeserializer<'de, InputError> for CamelDe {
    type Deserializer = CamelDe;
    fn into_deserializer(self) -> CamelDe {
        self
    }
}

fn kind_of(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    }
}

impl<'de> de::Deserializer<'de> for CamelDe {
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
                visitor.visit_seq(de::value::SeqDeserializer::new(a.into_iter().map(CamelDe)))
            }
            Value::Object(m) => visitor.visit_map(de::value::MapDeserializer::new(
                m.into_iter().map(|(k, v)| (k, CamelDe(v))),
            )),
        }
    }

    fn deserialize_option<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, InputError> {
        match self.0 {
            Value::Null => visitor.visit_none(),
            other => visitor.visit_some(CamelDe(other)),
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
            renamed.push((key, CamelDe(v)));
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

/// The serde field names of a struct type `T` (what `deserialize_struct` is told), used to check
/// that hand-written TypeScript option interfaces list exactly the options the bridge accepts.
pub fn struct_fields<T: DeserializeOwned>() -> &'static [&'static str] {
    struct Probe;
    #[derive(Debug)]
    struct Found(&'static [&'static str]);
    impl fmt::Display for Found {
        fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            write!(f, "{:?}", self.0)
        }
    }
    impl std::error::Error for Found {}
    impl de::Error for Found {
        fn custom<M: fmt::Display>(_: M) -> Self {
            Found(&[])
        }
    }
    impl<'de> de::Deserializer<'de> for Probe {
        type Error = Found;
        fn deserialize_any<V: Visitor<'de>>(self, _: V) -> Result<V::Value, Found> {
            Err(Found(&[]))
        }
        fn deserialize_struct<V: Visitor<'de>>(
            self,
            _: &'static str,
            fields: &'static [&'static str],
            _: V,
        ) -> Result<V::Value, Found> {
            Err(Found(fields))
        }
        serde::forward_to_deserialize_any! {
            bool i8 i16 i32 i64 i128 u8 u16 u32 u64 u128 f32 f64 char str string bytes
            byte_buf option unit unit_struct newtype_struct seq tuple tuple_struct map enum
            identifier ignored_any
        }
    }
    match T::deserialize(Probe) {
        Err(Found(fields)) => fields,
        Ok(_) => &[],
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use everruns_core::types::{CreateAgentRequest, Event};
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
    fn out_renames_fields_not_data() {
        let e: Event = serde_json::from_value(json!({
            "id": "event_0190f3c2a7b87e1c9d2a5b6c7d8e9f01", "type": "tool.started",
            "ts": "2026-01-01T00:00:00Z", "session_id": "session_0190f3c2a7b87e1c9d2a5b6c7d8e9f01",
            "context": {"turn_id": "turn_1"},
            "data": {"tool_call": {"name": "write_file", "arguments": {"file_path": "/a"}}}
        }))
        .unwrap();
        let v: Value = serde_json::from_str(&to_js_json(&e).unwrap()).unwrap();
        assert_eq!(v["sessionId"], "session_0190f3c2a7b87e1c9d2a5b6c7d8e9f01");
        assert_eq!(v["context"]["turnId"], "turn_1");
        assert_eq!(v["type"], "tool.started");
        assert_eq!(
            v["data"]["tool_call"]["arguments"]["file_path"], "/a",
            "free-form data keeps wire keys"
        );
        assert_eq!(to_js_value(&e).unwrap(), v);
    }

    #[test]
    fn in_accepts_camel_and_snake_and_rejects_typos() {
        let r: CreateAgentRequest = from_js_json(
            r#"{"name":"a","systemPrompt":"p","capabilities":["web_fetch",{"ref":"x","config":{"someKey":1}}],
                "initialFiles":[{"path":"/a","content":"c","isReadonly":true}]}"#,
        )
        .unwrap();
        assert_eq!(r.system_prompt, "p");
        assert_eq!(r.initial_files[0].is_readonly, Some(true));
        assert_eq!(r.capabilities[1].config, Some(json!({"someKey": 1})));
        let r: CreateAgentRequest = from_js_json(r#"{"name":"a","system_prompt":"p"}"#).unwrap();
        assert_eq!(r.system_prompt, "p");
        let e =
            from_js_json::<CreateAgentRequest>(r#"{"name":"a","systemPromt":"p"}"#).unwrap_err();
        assert!(e.0.contains("unknown field `systemPromt`"), "{e}");
        assert!(e.0.contains("systemPrompt"), "{e}");
        let e = from_js_json::<CreateAgentRequest>(r#"{"name":"a"}"#).unwrap_err();
        assert_eq!(e.0, "missing field `systemPrompt`");
        let e = from_js_json::<CreateAgentRequest>(r#"{"name":1,"systemPrompt":"p"}"#).unwrap_err();
        assert!(e.0.contains("invalid type"), "{e}");
    }

    #[test]
    fn probes_struct_fields() {
        let f = struct_fields::<CreateAgentRequest>();
        assert!(f.contains(&"system_prompt") && f.contains(&"name"), "{f:?}");
    }
}
