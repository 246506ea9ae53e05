//! `kotlin/src/main/kotlin/com/everruns/sdk/generated/Operations.kt`: the Kotlin client.
//!
//! `Everruns` (an `AutoCloseable` whose constructor takes the table's client settings) and one
//! sub-client class per group. Unary operations are `suspend` functions returning typed results,
//! paged and stream operations return a cold `Flow`, local operations are plain functions. Every
//! parameter is a Kotlin parameter: `address` and `primary` ones first (positional), options
//! after with `null` defaults (pass them by name). Durations are `kotlin.time.Duration`.

use std::fmt::Write as _;

use crate::model::{pascal, wrap, Op, Param, Table, Ty};

/// `snake_case` → `camelCase`.
pub fn camel(s: &str) -> String {
    let p = pascal(s);
    let mut c = p.chars();
    match c.next() {
        Some(f) => f.to_lowercase().collect::<String>() + c.as_str(),
        None => String::new(),
    }
}

/// `text` without comment delimiters (Kotlin comments nest).
pub fn doc_safe(text: &str) -> String {
    text.replace("*/", "*&#47;").replace("/*", "&#47;*")
}

/// A KDoc block of `text`, indented by `indent`.
pub fn kdoc(text: &str, indent: &str) -> String {
    let text = doc_safe(text);
    let lines = wrap(&text, 92);
    let mut s = String::new();
    match lines.len() {
        0 => {}
        1 => {
            let _ = writeln!(s, "{indent}/** {} */", lines[0]);
        }
        _ => {
            let _ = writeln!(s, "{indent}/**");
            for l in lines {
                let _ = writeln!(s, "{indent} * {l}");
            }
            let _ = writeln!(s, "{indent} */");
        }
    }
    s
}

fn ktype(p: &Param) -> &'static str {
    match (&p.ty, p.name.as_str()) {
        (Ty::Json, "headers") => "Map<String, String>",
        (Ty::Str, _) => "String",
        (Ty::Int, _) => "Int",
        (Ty::Float, _) => "Double",
        (Ty::Bool, _) => "Boolean",
        (Ty::Seconds, _) => "Duration",
        (Ty::StrList, _) => "List<String>",
        (Ty::ObjList, _) => "List<Map<String, Any?>>",
        (Ty::Object(_), _) => "Map<String, Any?>",
        (Ty::List, _) => "List<Any?>",
        (Ty::Json, _) => "Any",
    }
}

/// `name: Type` or `name: Type? = null`.
fn decl(p: &Param) -> String {
    let n = camel(&p.name);
    let t = ktype(p);
    if p.required {
        format!("{n}: {t}")
    } else {
        format!("{n}: {t}? = null")
    }
}

/// The argument pair: wire name to value (durations as seconds).
fn pair(p: &Param) -> String {
    let n = camel(&p.name);
    match (&p.ty, p.required) {
        (Ty::Seconds, true) => format!("\"{}\" to {n}.seconds()", p.name),
        (Ty::Seconds, false) => format!("\"{}\" to {n}?.seconds()", p.name),
        _ => format!("\"{}\" to {n}", p.name),
    }
}

fn ordered(op: &Op) -> Vec<&Param> {
    let mut v: Vec<&Param> = op.params.iter().filter(|p| p.is_address()).collect();
    v.extend(op.params.iter().filter(|p| p.is_primary()));
    v.extend(
        op.params
            .iter()
            .filter(|p| !p.is_address() && !p.is_primary()),
    );
    v
}

/// The Kotlin return type and the expression decoding `raw` into it.
fn ret(op: &Op) -> (String, String) {
    let r = &op.ret;
    if let Some(s) = r.as_str() {
        let (t, e) = match s {
            "unit" => ("Unit", "Unit"),
            "bool" => ("Boolean", "raw as Boolean"),
            "text" => ("String", "asString(raw)"),
            "opt_text" => ("String?", "raw as String?"),
            "events" => ("List<Event>", "(raw as List<*>).map(Event::fromJson)"),
            "event_stream" => ("Flow<Event>", "Event::fromJson"),
            "file_or_listing" => ("PathResult", "PathResult.fromJson(raw)"),
            _ => ("Any?", "raw"),
        };
        return (t.into(), e.into());
    }
    let (k, v) = r.as_object().and_then(|o| o.iter().next()).expect("ret");
    let m = v.as_str().unwrap_or_default();
    match k.as_str() {
        "model" => (m.into(), format!("{m}.fromJson(raw)")),
        "list" => (
            format!("List<{m}>"),
            format!("(raw as List<*>).map({m}::fromJson)"),
        ),
        "page" => (format!("Page<{m}>"), format!("Page.of(raw, {m}::fromJson)")),
        "items" => (format!("Flow<{m}>"), format!("{m}::fromJson")),
        _ => ("Any?".into(), "raw".into()),
    }
}

fn method(s: &mut String, op: &Op) {
    let params = ordered(op);
    let mut doc = op.doc.clone();
    for p in &params {
        if !p.doc.is_empty() {
            doc.push_str(&format!("\n@param {} {}", camel(&p.name), p.doc));
        }
    }
    // Keep `@param` tags on their own lines.
    let mut block = String::from("    /**\n");
    for (i, part) in doc.split("\n@param ").enumerate() {
        let text = if i == 0 {
            part.to_string()
        } else {
            format!("@param {part}")
        };
        for l in wrap(&doc_safe(&text), 92) {
            let _ = writeln!(block, "     * {l}");
        }
    }
    block.push_str("     */\n");
    s.push_str(&block);
    let decls: Vec<String> = params.iter().map(|p| decl(p)).collect();
    let pairs: Vec<String> = params.iter().map(|p| pair(p)).collect();
    let args = format!("args({})", pairs.join(", "));
    let id = op.id();
    let name = camel(&op.name);
    let (rt, dec) = ret(op);
    let sig = decls.join(", ");
    match op.kind.as_str() {
        "unary" if rt == "Unit" => {
            let _ = writeln!(s, "    public suspend fun {name}({sig}) {{");
            let _ = writeln!(s, "        native.call(\"{id}\", {args})\n    }}\n");
        }
        "unary" => {
            let _ = writeln!(s, "    public suspend fun {name}({sig}): {rt} {{");
            let _ = writeln!(s, "        val raw = native.call(\"{id}\", {args})");
            let _ = writeln!(s, "        return {dec}\n    }}\n");
        }
        "paged" => {
            let _ = writeln!(s, "    public fun {name}({sig}): {rt} =");
            let _ = writeln!(s, "        native.items(\"{id}\", {args}, {dec})\n");
        }
        "stream" => {
            let _ = writeln!(s, "    public fun {name}({sig}): {rt} =");
            let _ = writeln!(s, "        native.events(\"{id}\", {args}, {dec})\n");
        }
        "local" if rt == "Unit" => {
            let _ = writeln!(s, "    public fun {name}({sig}) {{");
            let _ = writeln!(s, "        native.local(\"{id}\", {args})\n    }}\n");
        }
        _ => {
            let _ = writeln!(s, "    public fun {name}({sig}): {rt} {{");
            let _ = writeln!(s, "        val raw = native.local(\"{id}\", {args})");
            let _ = writeln!(s, "        return {dec}\n    }}\n");
        }
    }
}

fn settings_params(ps: &[Param]) -> (String, String) {
    let decls: Vec<String> = ps
        .iter()
        .map(|p| {
            format!(
                "        {},",
                decl(&Param {
                    required: false,
                    ..p.clone()
                })
            )
        })
        .collect();
    let pairs: Vec<String> = ps
        .iter()
        .map(|p| {
            format!(
                "        {},",
                pair(&Param {
                    required: false,
                    ..p.clone()
                })
            )
        })
        .collect();
    (decls.join("\n"), pairs.join("\n"))
}

/// The generated file.
pub fn generate(table: &Table) -> String {
    let mut s = String::new();
    let _ = writeln!(s, "// {}", crate::GENERATED);
    s.push_str(
        "@file:Suppress(\"ktlint\", \"RedundantVisibilityModifier\")\n\n\
         package com.everruns.sdk\n\n\
         import kotlinx.coroutines.flow.Flow\n\
         import kotlin.time.Duration\n\n",
    );
    let (cdecls, cpairs) = settings_params(&table.client_settings);
    s.push_str(&kdoc(
        "The Everruns client. Settings left `null` come from the environment \
         (`EVERRUNS_API_KEY`, `EVERRUNS_API_URL`, `EVERRUNS_ORG_ID`, `EVERRUNS_DEBUG`) or the \
         core's defaults. Close it (or use `use {}`) to release its connections: in-flight \
         calls then fail with `ClientClosedException`.",
        "",
    ));
    s.push_str(
        "public class Everruns private constructor(private val native: Native) : AutoCloseable {\n",
    );
    s.push_str("    /** A client from settings (durations as `Duration`). */\n");
    let _ = writeln!(
        s,
        "    public constructor(\n{}\n    ) : this(Native.create(args(\n{}\n    )))\n",
        cdecls, cpairs
    );
    for g in &table.groups {
        let _ = writeln!(s, "    /** The `{g}` operations. */");
        let _ = writeln!(
            s,
            "    public val {}: {}Client = {}Client(native)\n",
            camel(g),
            pascal(g),
            pascal(g)
        );
    }
    let (odecls, opairs) = settings_params(&table.call_settings);
    s.push_str(&kdoc(
        "A client sharing this one's connections and closed state whose calls use these settings.",
        "    ",
    ));
    let _ = writeln!(
        s,
        "    public fun withOptions(\n{}\n    ): Everruns = Everruns(Native(Native.mapped {{ native.client.withOptions(Json.write(args(\n{}\n    ))) }}))\n",
        odecls, opairs
    );
    s.push_str(
        "    /** The normalised base URL (ends with `/`). */\n\
         \x20   public val baseUrl: String get() = Native.mapped { native.client.baseUrl() }\n\n\
         \x20   /** The `User-Agent` product string. */\n\
         \x20   public val userAgent: String get() = Native.mapped { native.client.userAgent() }\n\n\
         \x20   /** Whether request logging is on. */\n\
         \x20   public val debug: Boolean get() = Native.mapped { native.client.debug() }\n\n\
         \x20   /** True after [close]. */\n\
         \x20   public val isClosed: Boolean get() = native.client.isClosed()\n\n\
         \x20   /** Closes the client; idempotent. */\n\
         \x20   override fun close() { native.close() }\n}\n",
    );
    for g in &table.groups {
        let _ = writeln!(s);
        let _ = writeln!(s, "/** The `{g}` operations of [Everruns]. */");
        let _ = writeln!(
            s,
            "public class {}Client internal constructor(private val native: Native) {{",
            pascal(g)
        );
        for op in table.group(g) {
            method(&mut s, op);
        }
        while s.ends_with("\n\n") {
            s.pop();
        }
        s.push_str("}\n");
    }
    s
}
