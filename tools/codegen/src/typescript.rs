//! `typescript/ts/generated/client.ts`: one class per sub-client, one method per operation,
//! and the option types. JavaScript's rule: ids and paths are positional; every other parameter
//! is a key of one trailing options object (camelCase; durations as `…Ms` milliseconds); an
//! operation whose only primary parameter is a string also takes that string in place of the
//! options object.

use std::fmt::Write as _;

use everruns_core::ops::input::camel_case;

use crate::model::{pascal, wrap, Op, Param, Table, Ty};

fn key(p: &Param) -> String {
    let k = camel_case(&p.name);
    if p.ty == Ty::Seconds {
        format!("{k}Ms")
    } else {
        k
    }
}

fn ts_ty(p: &Param) -> String {
    match &p.ty {
        Ty::Str => "string".into(),
        Ty::Int | Ty::Float | Ty::Seconds => "number".into(),
        Ty::Bool => "boolean".into(),
        Ty::StrList => "string[]".into(),
        Ty::ObjList => "Array<{ [key: string]: unknown }>".into(),
        Ty::Object(name) => format!("W.{name}"),
        Ty::List => "unknown[]".into(),
        Ty::Json => "unknown".into(),
    }
}

fn member(p: &Param) -> String {
    let unit = if p.ty == Ty::Seconds {
        " In milliseconds."
    } else {
        ""
    };
    let doc = format!("{}{unit}", p.doc);
    let opt = if p.required { "" } else { "?" };
    format!("  /** {doc} */\n  {}{opt}: {};\n", key(p), ts_ty(p))
}

fn model(name: &str) -> String {
    match name {
        "FileListing" => "FileListing".into(),
        other => format!("W.{other}"),
    }
}

fn ret_ty(op: &Op) -> (String, String) {
    // (the method's return type, the type the call resolves to)
    if let Some(s) = op.ret.as_str() {
        let t = match s {
            "unit" => "void",
            "bool" => "boolean",
            "text" => "string",
            "opt_text" => "string | undefined",
            "events" => "W.Event[]",
            "event_stream" => "EventStream",
            "file_or_listing" => "W.SessionFile | FileListing",
            _ => "unknown",
        }
        .to_string();
        return (t.clone(), t);
    }
    let (k, v) = op
        .ret
        .as_object()
        .and_then(|o| o.iter().next())
        .expect("ret");
    let m = model(v.as_str().unwrap_or_default());
    match k.as_str() {
        "model" => (m.clone(), m),
        "list" => (format!("{m}[]"), format!("{m}[]")),
        "page" => (format!("Page<{m}>"), m),
        "items" => (format!("PulledStream<{m}>"), m),
        _ => ("unknown".into(), "unknown".into()),
    }
}

/// The name of an operation's options type.
fn options_name(op: &Op) -> String {
    format!("{}{}Options", pascal(&op.group), pascal(&op.name))
}

/// The option type (explicit non-address parameters not in the schema, & the schema).
fn options_type(op: &Op) -> Option<String> {
    let explicit: Vec<&Param> = op
        .params
        .iter()
        .filter(|p| !p.is_address())
        .filter(|p| op.fields_schema.is_none() || !op.fields_props.contains(&p.name))
        .filter(|p| op.fields_schema.is_none() || !is_field(op, p))
        .collect();
    if explicit.is_empty() && op.fields_schema.is_none() {
        return None;
    }
    let mut s = String::new();
    let _ = writeln!(
        s,
        "/** Options of `{}.{}`. */",
        op.group,
        camel_case(&op.name)
    );
    let mut parts = Vec::new();
    if !explicit.is_empty() {
        let mut body = String::from("{\n");
        for p in &explicit {
            body.push_str(&member(p));
        }
        body.push('}');
        parts.push(body);
    }
    if let Some(schema) = &op.fields_schema {
        if op.fields_skip.is_empty() {
            parts.push(format!("W.{schema}"));
        } else {
            let skip: Vec<String> = op
                .fields_skip
                .iter()
                .map(|f| format!("{:?}", camel_case(f)))
                .collect();
            parts.push(format!("Omit<W.{schema}, {}>", skip.join(" | ")));
        }
    }
    let _ = writeln!(
        s,
        "export type {} = {};",
        options_name(op),
        parts.join(" & ")
    );
    Some(s)
}

/// Parameters that came from the schema's fields (not declared explicitly).
fn is_field(op: &Op, p: &Param) -> bool {
    op.fields_props.contains(&p.name)
}

fn doc(op: &Op) -> String {
    let mut s = String::from("  /**\n");
    for l in wrap(&op.doc, 92) {
        let _ = writeln!(s, "   * {l}");
    }
    s.push_str("   */\n");
    s
}

fn method(op: &Op, has_list_all: bool) -> String {
    let name = camel_case(&op.name);
    let id = op.id();
    let addresses: Vec<&Param> = op.params.iter().filter(|p| p.is_address()).collect();
    let rest: Vec<&Param> = op.params.iter().filter(|p| !p.is_address()).collect();
    let primaries: Vec<&Param> = rest.iter().copied().filter(|p| p.is_primary()).collect();
    let shorthand = (primaries.len() == 1 && primaries[0].ty == Ty::Str)
        .then(|| camel_case(&primaries[0].name));
    let required_rest = rest.iter().any(|p| p.required);
    let mut sig: Vec<String> = addresses
        .iter()
        .map(|p| {
            let k = camel_case(&p.name);
            match &p.default {
                Some(d) => format!("{k} = {d}"),
                None if p.required => format!("{k}: {}", ts_ty(p)),
                None => format!("{k}?: {}", ts_ty(p)),
            }
        })
        .collect();
    let extra = match op.kind.as_str() {
        "paged" | "stream" => "PullOptions",
        "local" => "",
        _ => "CallOptions",
    };
    let opt_ty = options_type(op).map(|_| options_name(op));
    let opts = match (&opt_ty, extra) {
        (Some(t), "") => Some(t.clone()),
        (Some(t), e) => Some(format!("{t} & {e}")),
        (None, "") => None,
        (None, e) => Some(e.to_string()),
    };
    if let Some(o) = &opts {
        let o = match &shorthand {
            Some(_) => format!("string | ({o})"),
            None => o.clone(),
        };
        let q = if required_rest { "" } else { "?" };
        sig.push(format!("options{q}: {o}"));
    }
    let positional = if addresses.is_empty() {
        "{}".to_string()
    } else {
        let keys: Vec<String> = addresses.iter().map(|p| camel_case(&p.name)).collect();
        format!("{{ {} }}", keys.join(", "))
    };
    let ms: Vec<String> = rest
        .iter()
        .filter(|p| p.ty == Ty::Seconds)
        .map(|p| format!("{:?}", camel_case(&p.name)))
        .collect();
    let mut spec = Vec::new();
    if let Some(s) = &shorthand {
        spec.push(format!("shorthand: {s:?}"));
    }
    if !ms.is_empty() {
        spec.push(format!("ms: [{}]", ms.join(", ")));
    }
    if op.ret.as_str() == Some("file_or_listing") {
        spec.push("unwrap: \"entry\"".into());
    }
    let spec = if spec.is_empty() {
        String::new()
    } else {
        format!(", {{ {} }}", spec.join(", "))
    };
    let options_arg = if opts.is_some() {
        "options"
    } else {
        "undefined"
    };
    let (ret, inner) = ret_ty(op);
    let (ret, body) = match op.kind.as_str() {
        "unary" if op.ret.get("page").is_some() && has_list_all => {
            let all = format!("{}.list_all", op.group);
            (
                format!("PageRequest<{inner}>"),
                format!(
                    "return pages<{inner}>(this, {id:?}, {all:?}, {positional}, {options_arg});"
                ),
            )
        }
        "unary" => (
            format!("Promise<{ret}>"),
            format!("return call<{inner}>(this, {id:?}, {positional}, {options_arg}{spec});"),
        ),
        "paged" => (
            ret,
            format!("return paged<{inner}>(this, {id:?}, {positional}, {options_arg});"),
        ),
        "stream" => (
            ret,
            format!("return stream(this, {id:?}, {positional}, {options_arg}{spec});"),
        ),
        _ => (
            ret.clone(),
            format!("return local<{inner}>(this, {id:?}, {positional});"),
        ),
    };
    format!(
        "{}  {name}({}): {ret} {{\n    {body}\n  }}\n",
        doc(op),
        sig.join(", ")
    )
}

fn settings_interface(name: &str, what: &str, params: &[Param]) -> String {
    let mut s = format!("/** {what} */\nexport interface {name} {{\n");
    for p in params {
        s.push_str(&member(p));
    }
    s.push_str("}\n");
    let ms: Vec<String> = params
        .iter()
        .filter(|p| p.ty == Ty::Seconds)
        .map(|p| format!("{:?}", camel_case(&p.name)))
        .collect();
    let _ = writeln!(
        s,
        "\n/** @internal The duration keys of {{@link {name}}} (given in ms, sent in seconds). */\nexport const {}_MS_KEYS: readonly string[] = [{}];",
        name.to_uppercase(),
        ms.join(", ")
    );
    s
}

/// The generated module.
pub fn generate(t: &Table) -> String {
    let mut s = String::new();
    let _ = writeln!(s, "// {}", crate::GENERATED);
    let bare_page = t
        .ops
        .iter()
        .any(|o| o.ret.get("page").is_some() && !t.group(&o.group).any(|x| x.name == "list_all"));
    let header = r#"//
// The sub-clients of `Everruns`, one method per operation of the core's table. JavaScript's rule
// for every method: ids and paths are positional; every other parameter is a key of one trailing
// options object (durations in milliseconds, `…Ms`); when an operation's only main input is a
// string, that string may stand in place of the options object.
import { call, local, pages, paged, stream, SubClient, type EventStream, type PageRequest } from "../base";
import type { CallOptions } from "../call";
import type { PulledStream, PullOptions } from "../stream";
import type { FileListing{page} } from "../types";
import type * as W from "./wire";
import type { NativeClient } from "../native";

"#;
    s.push_str(&header.replace("{page}", if bare_page { ", Page" } else { "" }));
    s.push_str(&settings_interface(
        "ClientOptions",
        "Settings of an `Everruns` client; unset values come from the environment.",
        &t.client_settings,
    ));
    s.push('\n');
    s.push_str(&settings_interface(
        "RequestOptions",
        "Per-call settings of `Everruns.withOptions`.",
        &t.call_settings,
    ));
    for op in &t.ops {
        if let Some(o) = options_type(op) {
            s.push('\n');
            s.push_str(&o);
        }
    }
    for g in &t.groups {
        let has_list_all = t.group(g).any(|o| o.name == "list_all");
        let _ = writeln!(
            s,
            "\n/** `client.{g}`. */\nexport class {}Client extends SubClient {{",
            pascal(g)
        );
        let methods: Vec<String> = t.group(g).map(|o| method(o, has_list_all)).collect();
        s.push_str(&methods.join("\n"));
        s.push_str("}\n");
    }
    s.push_str(
        "\n/** The sub-clients, one property each. */\nexport abstract class SubClients {\n",
    );
    for g in &t.groups {
        let _ = writeln!(
            s,
            "  /** `client.{}`. */\n  readonly {}: {}Client;",
            camel_case(g),
            camel_case(g),
            pascal(g)
        );
    }
    s.push_str("\n  /** @internal */\n  constructor(n: NativeClient) {\n");
    for g in &t.groups {
        let _ = writeln!(
            s,
            "    this.{} = new {}Client(n);",
            camel_case(g),
            pascal(g)
        );
    }
    s.push_str("  }\n}\n");
    s
}
