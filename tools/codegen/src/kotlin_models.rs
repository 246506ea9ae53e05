//! `kotlin/src/main/kotlin/com/everruns/sdk/generated/Models.kt`: the Kotlin result classes,
//! one `data class` per wire schema of the core (utoipa), each with a decoder from parsed JSON.
//! Fields of scalar, list and nested-class types are typed; free-form values stay `Any?` /
//! `Map<String, Any?>`. Optional fields the server left out read as `null`.

use std::collections::BTreeMap;
use std::fmt::Write as _;

use everruns_core::types as t;
use everruns_core::types::schemas::collect;
use serde_json::Value;

use crate::kotlin::{camel, doc_safe, kdoc};

/// The result schemas that become classes, in output order.
pub const CLASSES: &[&str] = &[
    "Agent",
    "Session",
    "Message",
    "Event",
    "FileInfo",
    "SessionFile",
    "FileStat",
    "GrepMatch",
    "GrepResult",
    "Workspace",
    "Memory",
    "MemoryFile",
    "MemoryFileInfo",
    "MemoryGrepResult",
    "CancelTurnResponse",
    "CapabilityInfo",
    "Harness",
    "Model",
    "AgentVersion",
    "AgentVersionDiffResponse",
    "ResourceStats",
    "ToolCall",
    "SubmitToolResultsResponse",
    "SubmitToolApprovalsResponse",
    "QuestionAnswersResponse",
    "Budget",
    "BudgetCheckResult",
    "LedgerEntry",
    "Connection",
    "ResumeSessionResponse",
    "BatchSetSecretsResponse",
];

fn schemas() -> BTreeMap<String, Value> {
    let mut m = BTreeMap::new();
    collect::<t::Agent>(&mut m);
    collect::<t::Session>(&mut m);
    collect::<t::Message>(&mut m);
    collect::<t::Event>(&mut m);
    collect::<t::FileInfo>(&mut m);
    collect::<t::SessionFile>(&mut m);
    collect::<t::FileStat>(&mut m);
    collect::<t::GrepMatch>(&mut m);
    collect::<t::GrepResult>(&mut m);
    collect::<t::Workspace>(&mut m);
    collect::<t::Memory>(&mut m);
    collect::<t::MemoryFile>(&mut m);
    collect::<t::MemoryFileInfo>(&mut m);
    collect::<t::MemoryGrepResult>(&mut m);
    collect::<t::CancelTurnResponse>(&mut m);
    collect::<t::CapabilityInfo>(&mut m);
    collect::<t::Harness>(&mut m);
    collect::<t::Model>(&mut m);
    collect::<t::AgentVersion>(&mut m);
    collect::<t::AgentVersionDiffResponse>(&mut m);
    collect::<t::ResourceStats>(&mut m);
    collect::<t::ToolCall>(&mut m);
    collect::<t::SubmitToolResultsResponse>(&mut m);
    collect::<t::SubmitToolApprovalsResponse>(&mut m);
    collect::<t::QuestionAnswersResponse>(&mut m);
    collect::<t::Budget>(&mut m);
    collect::<t::BudgetCheckResult>(&mut m);
    collect::<t::LedgerEntry>(&mut m);
    collect::<t::Connection>(&mut m);
    collect::<t::ResumeSessionResponse>(&mut m);
    collect::<t::BatchSetSecretsResponse>(&mut m);
    m
}

fn ref_name(v: &Value) -> Option<&str> {
    v.get("$ref")?.as_str()?.rsplit('/').next()
}

/// A property's Kotlin shape.
enum Shape {
    Str,
    Long,
    Double,
    Bool,
    Class(String),
    List(Box<Shape>),
    Object,
    Any,
}

fn shape(p: &Value, all: &BTreeMap<String, Value>) -> Shape {
    if let Some(name) = ref_name(p) {
        if CLASSES.contains(&name) {
            return Shape::Class(name.to_string());
        }
        return match all.get(name) {
            Some(s) if s.get("enum").is_some() || s["type"] == "string" => Shape::Str,
            Some(s) if s["type"] == "object" => Shape::Object,
            _ => Shape::Any,
        };
    }
    for key in ["oneOf", "anyOf", "allOf"] {
        if let Some(alts) = p.get(key).and_then(Value::as_array) {
            let real: Vec<&Value> = alts.iter().filter(|a| a["type"] != "null").collect();
            if real.len() == 1 {
                return shape(real[0], all);
            }
            return Shape::Any;
        }
    }
    let types: Vec<&str> = match &p["type"] {
        Value::String(s) => vec![s.as_str()],
        Value::Array(a) => a.iter().filter_map(Value::as_str).collect(),
        _ => Vec::new(),
    };
    match types.into_iter().find(|t| *t != "null") {
        Some("string") => Shape::Str,
        Some("integer") => Shape::Long,
        Some("number") => Shape::Double,
        Some("boolean") => Shape::Bool,
        Some("array") => Shape::List(Box::new(shape(&p["items"], all))),
        Some("object") => Shape::Object,
        _ => Shape::Any,
    }
}

fn nullable(p: &Value) -> bool {
    match &p["type"] {
        Value::Array(a) => a.iter().any(|t| t == "null"),
        _ => p
            .get("oneOf")
            .and_then(Value::as_array)
            .is_some_and(|a| a.iter().any(|t| t["type"] == "null")),
    }
}

fn ktype(s: &Shape) -> String {
    match s {
        Shape::Str => "String".into(),
        Shape::Long => "Long".into(),
        Shape::Double => "Double".into(),
        Shape::Bool => "Boolean".into(),
        Shape::Class(c) => c.clone(),
        Shape::List(i) => format!("List<{}>", ktype(i)),
        Shape::Object => "Map<String, Any?>".into(),
        Shape::Any => "Any?".into(),
    }
}

/// A decoder of one list item (`(Any?) -> T`).
fn item_decoder(s: &Shape) -> String {
    match s {
        Shape::Str => "::asString".into(),
        Shape::Class(c) => format!("{c}::fromJson"),
        Shape::Object => "{ x -> Fields.asObject(x) }".into(),
        Shape::List(i) => format!("{{ x -> (x as List<*>).map({}) }}", item_decoder(i)),
        Shape::Long => "{ x -> (x as Number).toLong() }".into(),
        Shape::Double => "{ x -> (x as Number).toDouble() }".into(),
        Shape::Bool => "{ x -> x as Boolean }".into(),
        Shape::Any => "{ x -> x }".into(),
    }
}

/// The type and the decoding expression of one field.
fn field(name: &str, s: &Shape, optional: bool) -> (String, String) {
    let q = if optional { "?" } else { "" };
    let opt = |base: &str| {
        if optional {
            format!("opt{base}")
        } else {
            base.to_lowercase()
        }
    };
    match s {
        Shape::Str => (
            format!("String{q}"),
            format!("f.{}(\"{name}\")", opt("Str")),
        ),
        Shape::Long => (format!("Long{q}"), format!("f.{}(\"{name}\")", opt("Long"))),
        Shape::Double => (
            format!("Double{q}"),
            format!("f.{}(\"{name}\")", opt("Double")),
        ),
        Shape::Bool => (
            format!("Boolean{q}"),
            format!("f.{}(\"{name}\")", opt("Bool")),
        ),
        Shape::Object => (
            format!("Map<String, Any?>{q}"),
            format!("f.{}(\"{name}\")", opt("Obj")),
        ),
        Shape::Any => ("Any?".into(), format!("f.any(\"{name}\")")),
        Shape::Class(c) if optional => (
            format!("{c}?"),
            format!("f.optNested(\"{name}\", {c}::fromJson)"),
        ),
        Shape::Class(c) => (c.clone(), format!("f.nested(\"{name}\", {c}::fromJson)")),
        // A list the server left out reads as empty.
        Shape::List(i) => (ktype(s), format!("f.list(\"{name}\", {})", item_decoder(i))),
    }
}

/// The generated file.
pub fn generate() -> String {
    let all = schemas();
    let mut s = String::new();
    let _ = writeln!(s, "// {}", crate::GENERATED);
    s.push_str(
        "@file:Suppress(\"ktlint\")\n\npackage com.everruns.sdk\n\n\
         // The result classes, one per wire type of everruns-core (its utoipa schemas).\n",
    );
    for name in CLASSES {
        let schema = &all[*name];
        let doc = schema["description"].as_str().unwrap_or(name);
        let required: Vec<&str> = schema["required"]
            .as_array()
            .map(|a| a.iter().filter_map(Value::as_str).collect())
            .unwrap_or_default();
        let _ = writeln!(s);
        s.push_str(&kdoc(doc, ""));
        let _ = writeln!(s, "public data class {name}(");
        let mut decoders = Vec::new();
        if let Some(props) = schema["properties"].as_object() {
            for (fname, p) in props {
                let sh = shape(p, &all);
                let optional = !required.contains(&fname.as_str()) || nullable(p);
                let (ty, dec) = if (*name, fname.as_str()) == ("Event", "data") {
                    // Every event's payload is an object (`event.data["delta"]`).
                    (
                        "Map<String, Any?>".to_string(),
                        "f.optObj(\"data\") ?: emptyMap()".to_string(),
                    )
                } else {
                    field(fname, &sh, optional)
                };
                if let Some(d) = p["description"].as_str() {
                    let first = d.lines().next().unwrap_or_default();
                    let _ = writeln!(s, "    /** {} */", doc_safe(first));
                }
                let _ = writeln!(s, "    val {}: {ty},", camel(fname));
                decoders.push(format!("            {} = {dec},", camel(fname)));
            }
        }
        let _ = writeln!(s, ") {{");
        let _ = writeln!(s, "    public companion object {{");
        let _ = writeln!(
            s,
            "        /** Decodes parsed wire JSON (snake_case keys). */"
        );
        let _ = writeln!(s, "        public fun fromJson(v: Any?): {name} {{");
        let _ = writeln!(s, "            val f = Fields.of(\"{name}\", v)");
        let _ = writeln!(s, "            return {name}(");
        for d in decoders {
            let _ = writeln!(s, "    {d}");
        }
        let _ = writeln!(s, "            )\n        }}\n    }}\n}}");
    }
    s
}
