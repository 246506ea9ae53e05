//! `python/python/everruns_sdk/_wire.py`: the Python result classes, one per wire schema of the
//! core (utoipa), so a field added to a core type reaches Python by `make generate`. Each class
//! is a `WireObject` (a `dict` with attribute access for its declared fields).

use std::collections::BTreeMap;
use std::fmt::Write as _;

use everruns_core::types as t;
use everruns_core::types::schemas::{collect, event_payloads};
use serde_json::Value;

use crate::model::wrap;

/// The result schemas that become classes, in output order.
const CLASSES: &[&str] = &[
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
    "SubmitToolResultsResponse",
    "SubmitToolApprovalsResponse",
    "QuestionAnswersResponse",
    "ToolCall",
    "Budget",
    "BudgetCheckResult",
    "LedgerEntry",
    "Connection",
    "ResumeSessionResponse",
    "BatchSetSecretsResponse",
];

/// Hand-written members a few classes carry beyond their fields.
const EXTRAS: &[(&str, &str)] = &[(
    "Message",
    r#"
    @property
    def text(self) -> str:
        """The text parts joined with newlines."""
        return "\n".join(
            p["text"] for p in self.get("content") or [] if p.get("type") == "text" and "text" in p
        )
"#,
)];

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
    collect::<t::SubmitToolResultsResponse>(&mut m);
    collect::<t::SubmitToolApprovalsResponse>(&mut m);
    collect::<t::QuestionAnswersResponse>(&mut m);
    collect::<t::ToolCall>(&mut m);
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

/// The Python type of a property, and the nested class it holds (`(class, is_list)`).
fn py_type(p: &Value, all: &BTreeMap<String, Value>) -> (String, Option<(String, bool)>) {
    if let Some(name) = ref_name(p) {
        if CLASSES.contains(&name) {
            return (name.to_string(), Some((name.to_string(), false)));
        }
        return match all.get(name) {
            Some(s) if s.get("enum").is_some() || s["type"] == "string" => ("str".into(), None),
            Some(s) if s.get("oneOf").is_some() => ("Any".into(), None),
            _ => ("dict[str, Any]".into(), None),
        };
    }
    for key in ["oneOf", "anyOf", "allOf"] {
        if let Some(alts) = p.get(key).and_then(Value::as_array) {
            let real: Vec<&Value> = alts.iter().filter(|a| a["type"] != "null").collect();
            if real.len() == 1 {
                return py_type(real[0], all);
            }
            return ("Any".into(), None);
        }
    }
    let types: Vec<&str> = match &p["type"] {
        Value::String(s) => vec![s.as_str()],
        Value::Array(a) => a.iter().filter_map(Value::as_str).collect(),
        _ => Vec::new(),
    };
    match types.into_iter().find(|t| *t != "null") {
        Some("string") => ("str".into(), None),
        Some("integer") => ("int".into(), None),
        Some("number") => ("float".into(), None),
        Some("boolean") => ("bool".into(), None),
        Some("array") => {
            let (inner, nested) = py_type(&p["items"], all);
            let nested = nested.map(|(c, _)| (c, true));
            let inner = if inner == "Any" {
                "Any".to_string()
            } else {
                inner
            };
            (format!("list[{inner}]"), nested)
        }
        Some("object") => ("dict[str, Any]".into(), None),
        _ => ("Any".into(), None),
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

/// The generated module.
pub fn generate() -> String {
    let all = schemas();
    let mut s = String::new();
    let _ = writeln!(s, "# {}", crate::GENERATED);
    s.push_str(
        r#""""The result classes, one per wire type of ``everruns-core`` (its utoipa schemas).

Every class is a :class:`~everruns_sdk.WireObject`: a ``dict`` of the wire JSON with attribute
access for its declared fields; optional fields the server left out read as ``None``.
"""

from __future__ import annotations

from typing import Any, Optional

from ._wire_object import WireObject

"#,
    );
    let _ = writeln!(s, "__all__ = [");
    for c in CLASSES {
        let _ = writeln!(s, "    {c:?},");
    }
    s.push_str("]\n");
    let mut nested_lines = Vec::new();
    for name in CLASSES {
        let schema = &all[*name];
        let doc = schema["description"].as_str().unwrap_or(name);
        let _ = writeln!(s, "\n\nclass {name}(WireObject):");
        let lines = wrap(doc, 88);
        if lines.len() <= 1 {
            let _ = writeln!(
                s,
                "    \"\"\"{}\"\"\"\n",
                lines.first().cloned().unwrap_or_default()
            );
        } else {
            let _ = writeln!(s, "    \"\"\"{}", lines[0]);
            for l in &lines[1..] {
                let _ = writeln!(s, "    {l}");
            }
            let _ = writeln!(s, "    \"\"\"\n");
        }
        s.push_str("    __slots__ = ()\n");
        let required: Vec<&str> = schema["required"]
            .as_array()
            .map(|a| a.iter().filter_map(Value::as_str).collect())
            .unwrap_or_default();
        let mut nested = Vec::new();
        if let Some(props) = schema["properties"].as_object() {
            for (field, p) in props {
                let (ty, inner) = py_type(p, &all);
                let optional = !required.contains(&field.as_str()) || nullable(p);
                let ty = if optional && ty != "Any" && !ty.starts_with("list[") {
                    format!("Optional[{ty}]")
                } else {
                    ty
                };
                if let Some(d) = p["description"].as_str() {
                    let first = d.lines().next().unwrap_or_default().replace('`', "``");
                    let _ = writeln!(s, "    #: {first}");
                }
                let _ = writeln!(s, "    {field}: {ty}");
                if let Some((cls, is_list)) = inner {
                    let py_bool = if is_list { "True" } else { "False" };
                    nested.push(format!("{field:?}: ({cls}, {py_bool})"));
                }
            }
        }
        if let Some((_, extra)) = EXTRAS.iter().find(|(n, _)| n == name) {
            s.push_str(extra);
        }
        if !nested.is_empty() {
            nested_lines.push(format!("{name}._nested = {{{}}}", nested.join(", ")));
        }
    }
    if !nested_lines.is_empty() {
        s.push_str("\n\n");
        for l in nested_lines {
            let _ = writeln!(s, "{l}");
        }
    }
    s
}

/// `TypedDict`s of the event payloads (`event.data` stays a plain dict; these type it:
/// `data = cast(OutputMessageDeltaData, event.data)`), and the map from event type to payload.
pub fn payloads() -> String {
    let (by_type, schemas) = event_payloads();
    let mut s = String::new();
    let _ = writeln!(s, "# {}", crate::GENERATED);
    s.push_str(
        r#""""The shape of ``Event.data`` for each known event type, as ``TypedDict`` classes.

``event.data`` is a plain ``dict``; these types describe it for type checkers::

    from typing import cast
    from everruns_sdk.event_data import OutputMessageDeltaData

    if event.type == "output.message.delta":
        data = cast(OutputMessageDeltaData, event.data)
        print(data["delta"], end="")

Generated from the core's payload schemas (``everruns_core::types``).
"""

from __future__ import annotations

from typing import Any, TypedDict
"#,
    );
    let mut written = std::collections::BTreeSet::new();
    // Several event types may share one payload schema (the `budget.*` events): one class.
    for (_, name) in by_type.iter().filter(|(_, n)| written.insert(n.clone())) {
        let schema = &schemas[name];
        let doc = schema["description"].as_str().unwrap_or(name);
        let _ = writeln!(s, "\n\nclass {name}(TypedDict, total=False):");
        let doc = wrap(&doc.replace('`', "``"), 88).join("\n    ");
        let _ = writeln!(s, "    \"\"\"{doc}\"\"\"\n");
        let props = schema["properties"].as_object();
        match props {
            Some(props) if !props.is_empty() => {
                for (field, p) in props {
                    // Nested values of `event.data` are plain dicts, not result classes.
                    let (ty, nested) = py_type(p, &schemas);
                    let ty = match nested {
                        Some((_, true)) => "list[dict[str, Any]]".to_string(),
                        Some((_, false)) => "dict[str, Any]".to_string(),
                        None => ty,
                    };
                    let _ = writeln!(s, "    {field}: {ty}");
                }
            }
            _ => s.push_str("    pass\n"),
        }
    }
    s.push_str(
        "\n\n#: The payload type of each known event type.\nEVENT_DATA: dict[str, type] = {\n",
    );
    for (event_type, name) in &by_type {
        let _ = writeln!(s, "    {event_type:?}: {name},");
    }
    s.push_str("}\n");
    s
}
