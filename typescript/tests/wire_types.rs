//! The TypeScript declarations of the wire types (`ts/generated/wire.ts`) are generated from
//! the core's own schemas (utoipa, the same ones the server's OpenAPI document uses). This test
//! regenerates them and fails when the committed file differs, so a field added to, removed
//! from or renamed in `everruns-core` cannot silently drift from the Node package.
//!
//! Regenerate with `make node-wire` (runs this test with `EVERRUNS_UPDATE_WIRE=1`).

use std::collections::BTreeMap;
use std::fmt::Write as _;

use everruns_core::types as t;
use everruns_node::convert::camel_case;
use serde_json::Value;

use everruns_core::types::schemas::collect;

/// Every wire type the Node package exposes (results, options and their parts).
fn schemas() -> BTreeMap<String, Value> {
    let mut m = BTreeMap::new();
    collect::<t::Agent>(&mut m);
    collect::<t::CreateAgentRequest>(&mut m);
    collect::<t::UpdateAgentRequest>(&mut m);
    collect::<t::ListAgentsParams>(&mut m);
    collect::<t::Session>(&mut m);
    collect::<t::CreateSessionRequest>(&mut m);
    collect::<t::UpdateSessionRequest>(&mut m);
    collect::<t::ListSessionsParams>(&mut m);
    collect::<t::CancelTurnResponse>(&mut m);
    collect::<t::Message>(&mut m);
    collect::<t::InputMessage>(&mut m);
    collect::<t::Controls>(&mut m);
    collect::<t::Event>(&mut m);
    collect::<t::ListEventsParams>(&mut m);
    collect::<t::FileInfo>(&mut m);
    collect::<t::SessionFile>(&mut m);
    collect::<t::FileStat>(&mut m);
    collect::<t::CreateFileRequest>(&mut m);
    collect::<t::UpdateFileRequest>(&mut m);
    collect::<t::GrepRequest>(&mut m);
    collect::<t::GrepResult>(&mut m);
    collect::<t::Workspace>(&mut m);
    collect::<t::Memory>(&mut m);
    collect::<t::MemoryFile>(&mut m);
    collect::<t::MemoryFileInfo>(&mut m);
    collect::<t::MemoryGrepResult>(&mut m);
    collect::<t::CapabilityInfo>(&mut m);
    collect::<t::ListCapabilitiesParams>(&mut m);
    collect::<t::Harness>(&mut m);
    collect::<t::ListHarnessesParams>(&mut m);
    collect::<t::Model>(&mut m);
    collect::<t::ListModelsParams>(&mut m);
    collect::<t::LlmSimScript>(&mut m);
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
    collect::<t::CreateBudgetRequest>(&mut m);
    collect::<t::UpdateBudgetRequest>(&mut m);
    collect::<t::AgentVersion>(&mut m);
    collect::<t::AgentVersionDiffResponse>(&mut m);
    collect::<t::ResourceStats>(&mut m);
    collect::<t::CreateAgentVersionRequest>(&mut m);
    collect::<t::ForkAgentVersionRequest>(&mut m);
    collect::<t::RollbackAgentVersionRequest>(&mut m);
    collect::<t::CreateHarnessRequest>(&mut m);
    collect::<t::UpdateHarnessRequest>(&mut m);
    // Hand-written below: free-form JSON on the wire.
    m.remove("ContentPart");
    m
}

const HEADER: &str = "\
// @generated from the everruns-core wire types (utoipa schemas) by
// typescript/tests/wire_types.rs — do not edit; run `make node-wire`.
//
// Struct fields are camelCase (the addon renames them mechanically); free-form JSON (event
// `data`, `metadata`, capability `config`, tool `arguments`, content parts) keeps its wire keys.
// String enums list the known values and accept any other string (servers may add values).

/** Any JSON value. */
export type JsonValue = null | boolean | number | string | JsonValue[] | { [key: string]: JsonValue };

/**
 * One part of a message's content, as on the wire (snake_case keys), discriminated by `type`.
 * Parts of kinds this version does not know are passed through untouched.
 */
export type ContentPart =
  | { type: \"text\"; text: string }
  | { type: \"image\"; base64?: string; url?: string; media_type?: string }
  | { type: \"image_file\"; image_id: string; filename?: string }
  | { type: \"tool_call\"; id: string; name: string; arguments: { [key: string]: JsonValue } }
  | { type: \"tool_result\"; tool_call_id: string; result?: JsonValue; error?: string }
  | { type: string; [key: string]: JsonValue };
";

/// Result types: a field is present unless it is an `Option` (nullable in the schema) or a
/// defaulted array, because the addon writes every other field. Every other type is an input (or a part shared by
/// inputs): a field may be omitted unless the schema requires it.
const OUTPUT: &[&str] = &[
    "Agent",
    "CancelTurnResponse",
    "CapabilityInfo",
    "CapabilityToolInfo",
    "Event",
    "EventContext",
    "FileInfo",
    "FileStat",
    "GrepMatch",
    "GrepResult",
    "Workspace",
    "Memory",
    "MemoryFile",
    "MemoryFileInfo",
    "MemoryGrepResult",
    "Harness",
    "Message",
    "Model",
    "Session",
    "SessionFile",
    "TokenUsage",
];

fn nullable(s: &Value) -> bool {
    match s.get("type") {
        Some(Value::String(t)) if t == "null" => return true,
        Some(Value::Array(xs)) if xs.iter().any(|x| x == "null") => return true,
        _ => {}
    }
    ["oneOf", "anyOf"].iter().any(|k| {
        s.get(*k)
            .and_then(Value::as_array)
            .is_some_and(|alts| alts.iter().any(nullable))
    })
}

fn doc(out: &mut String, indent: &str, schema: &Value) {
    if let Some(d) = schema.get("description").and_then(Value::as_str) {
        let d = d.trim().replace("*/", "*\\/");
        if d.contains('\n') {
            let _ = writeln!(out, "{indent}/**");
            for line in d.lines() {
                let _ = writeln!(out, "{indent} * {}", line.trim_end());
            }
            let _ = writeln!(out, "{indent} */");
        } else {
            let _ = writeln!(out, "{indent}/** {d} */");
        }
    }
}

/// How a group of types is rendered: the SDK's camelCase result/option types, or event payloads
/// (free-form `data` on the wire: keys as sent, and references to camelCased object types point
/// at their `Wire…` twins).
struct Ctx {
    wire: bool,
    twins: Vec<String>,
}

impl Ctx {
    const CAMEL: Ctx = Ctx {
        wire: false,
        twins: Vec::new(),
    };

    fn key(&self, name: &str) -> String {
        if self.wire {
            name.to_string()
        } else {
            camel_case(name)
        }
    }

    fn type_name(&self, name: &str) -> String {
        if self.twins.iter().any(|t| t == name) {
            format!("Wire{name}")
        } else {
            name.to_string()
        }
    }
}

/// The TypeScript type of a schema (`owner.prop` picks overrides for free-form members).
fn ts_type(s: &Value, owner: &str, prop: &str, ctx: &Ctx) -> String {
    if let Some(r) = s.get("$ref").and_then(Value::as_str) {
        let name = r.rsplit('/').next().unwrap();
        if ctx.wire {
            return ctx.type_name(name);
        }
        // Inputs accept a capability as a bare id, as the core does.
        if name == "CapabilityRef" && !OUTPUT.contains(&owner) {
            return "CapabilityRef | string".to_string();
        }
        return name.to_string();
    }
    for key in ["oneOf", "anyOf"] {
        if let Some(alts) = s.get(key).and_then(Value::as_array) {
            let mut parts: Vec<String> =
                alts.iter().map(|a| ts_type(a, owner, prop, ctx)).collect();
            parts.dedup();
            return parts.join(" | ");
        }
    }
    if let Some(all) = s.get("allOf").and_then(Value::as_array) {
        let parts: Vec<String> = all.iter().map(|a| ts_type(a, owner, prop, ctx)).collect();
        return parts.join(" & ");
    }
    let types: Vec<String> = match s.get("type") {
        Some(Value::String(x)) => vec![x.clone()],
        Some(Value::Array(xs)) => xs
            .iter()
            .filter_map(|x| x.as_str().map(str::to_string))
            .collect(),
        _ => Vec::new(),
    };
    if types.is_empty() {
        // serde_json::Value: free-form JSON.
        return match (owner, prop) {
            ("Event", "data") => "{ [key: string]: JsonValue }".to_string(),
            _ => "JsonValue".to_string(),
        };
    }
    let mut out: Vec<String> = Vec::new();
    for ty in &types {
        let one = match ty.as_str() {
            "null" => "null".to_string(),
            "boolean" => "boolean".to_string(),
            "integer" | "number" => "number".to_string(),
            "string" => match s.get("enum").and_then(Value::as_array) {
                Some(vals) => {
                    let mut v: Vec<String> = vals
                        .iter()
                        .filter_map(Value::as_str)
                        .map(|x| format!("{x:?}"))
                        .collect();
                    v.push("(string & {})".to_string());
                    v.join(" | ")
                }
                None => "string".to_string(),
            },
            "array" => {
                let item = s
                    .get("items")
                    .map(|i| ts_type(i, owner, prop, ctx))
                    .unwrap_or_else(|| "JsonValue".into());
                if item.contains(' ') {
                    format!("Array<{item}>")
                } else {
                    format!("{item}[]")
                }
            }
            "object" => {
                if s.get("properties").is_some() {
                    inline_object(s, owner, ctx)
                } else {
                    match s.get("additionalProperties") {
                        Some(ap) if ap.is_object() && !ap.as_object().unwrap().is_empty() => {
                            format!("{{ [key: string]: {} }}", ts_type(ap, owner, prop, ctx))
                        }
                        _ => "{ [key: string]: JsonValue }".to_string(),
                    }
                }
            }
            other => panic!("unhandled schema type {other} in {owner}.{prop}"),
        };
        out.push(one);
    }
    out.join(" | ")
}

fn inline_object(s: &Value, owner: &str, ctx: &Ctx) -> String {
    let mut o = String::from("{ ");
    for (name, prop, optional) in props(s) {
        let _ = write!(
            o,
            "{}{}: {}; ",
            ctx.key(&name),
            if optional { "?" } else { "" },
            ts_type(&prop, owner, &name, ctx)
        );
    }
    o.push('}');
    o
}

fn props(s: &Value) -> Vec<(String, Value, bool)> {
    let required: Vec<&str> = s
        .get("required")
        .and_then(Value::as_array)
        .map(|r| r.iter().filter_map(Value::as_str).collect())
        .unwrap_or_default();
    s.get("properties")
        .and_then(Value::as_object)
        .map(|p| {
            p.iter()
                .map(|(k, v)| (k.clone(), v.clone(), !required.contains(&k.as_str())))
                .collect()
        })
        .unwrap_or_default()
}

fn render_type(out: &mut String, name: &str, s: &Value, output: bool, ctx: &Ctx) {
    let ts_name = ctx.type_name(name);
    out.push('\n');
    doc(out, "", s);
    let is_object = s.get("properties").is_some();
    if is_object {
        let _ = writeln!(out, "export interface {ts_name} {{");
        for (prop, ps, not_required) in props(s) {
            // Arrays may be skipped when empty (`skip_serializing_if = "Vec::is_empty"`).
            let is_array = ps.get("type").is_some_and(|t| t == "array");
            let optional = if output {
                nullable(&ps) || (not_required && is_array)
            } else {
                not_required
            };
            doc(out, "  ", &ps);
            let ty = ts_type(&ps, name, &prop, ctx);
            let _ = writeln!(
                out,
                "  {}{}: {};",
                ctx.key(&prop),
                if optional { "?" } else { "" },
                ty
            );
        }
        out.push_str("}\n");
    } else {
        let _ = writeln!(
            out,
            "export type {ts_name} = {};",
            ts_type(s, name, "", ctx)
        );
    }
}

/// Event payload types by event type (`data` of each known event), from the core's
/// `EventPayload` variants.
fn payloads() -> (Vec<(&'static str, String)>, BTreeMap<String, Value>) {
    let (by_type, mut m) = everruns_core::types::schemas::event_payloads();
    m.remove("ContentPart");
    (by_type, m)
}

fn render() -> String {
    let mut out = String::from(HEADER);
    let camel = schemas();
    for (name, s) in &camel {
        render_type(
            &mut out,
            name,
            s,
            OUTPUT.contains(&name.as_str()),
            &Ctx::CAMEL,
        );
    }
    // Event payloads: their own object types, plus `Wire…` twins of the camelCased object types
    // they contain (the same shapes with the keys as sent).
    let (by_type, payload_schemas) = payloads();
    let twins: Vec<String> = payload_schemas
        .iter()
        .filter(|(n, s)| camel.contains_key(*n) && s.get("properties").is_some())
        .map(|(n, _)| n.clone())
        .collect();
    let ctx = Ctx { wire: true, twins };
    out.push_str(
        "\n// ----- Event payloads (`Event.data` by event type; keys exactly as on the wire) -----\n",
    );
    for (name, s) in &payload_schemas {
        if camel.contains_key(name) && !ctx.twins.contains(name) {
            continue; // a shared non-object type (string enum), already declared
        }
        render_type(&mut out, name, s, false, &ctx);
    }
    out.push_str(
        "\n/** The `data` type of each known event type. */\nexport interface EventDataMap {\n",
    );
    for (event_type, ty) in &by_type {
        let _ = writeln!(out, "  {event_type:?}: {ty};");
    }
    out.push_str("}\n");
    out
}

#[test]
fn payload_map_names_known_event_types() {
    let (by_type, _) = payloads();
    let mut seen = std::collections::BTreeSet::new();
    for (n, _) in &by_type {
        let et =
            everruns_core::event_types::is_known(n) || everruns_core::event_types::is_framing(n);
        assert!(et, "{n} is not a known event type");
        assert!(seen.insert(*n), "{n} mapped twice");
    }
}

#[test]
fn wire_types_are_current() {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/ts/generated/wire.ts");
    let fresh = render();
    if std::env::var_os("EVERRUNS_UPDATE_WIRE").is_some() {
        std::fs::write(path, &fresh).unwrap();
        return;
    }
    let committed = std::fs::read_to_string(path).unwrap_or_default();
    assert!(
        committed == fresh,
        "{path} is stale: the core's wire types changed. Run `make node-wire` and commit the result."
    );
}
