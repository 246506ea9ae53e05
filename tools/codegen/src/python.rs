//! `python/python/everruns_sdk/_operations.py`: one class per sub-client, one method per
//! operation. Python's rule: address and primary parameters are positional, in declaration
//! order; every other parameter is keyword-only. `None` means "not given".

use std::fmt::Write as _;

use serde_json::Value;

use crate::model::{pascal, wrap, Op, Param, Table, Ty};

fn py_ty(p: &Param) -> String {
    match &p.ty {
        Ty::Str => "str".into(),
        Ty::Int => "int".into(),
        Ty::Float | Ty::Seconds => "float".into(),
        Ty::Bool => "bool".into(),
        Ty::StrList => "Sequence[str]".into(),
        Ty::ObjList => "Sequence[Mapping[str, Any]]".into(),
        Ty::Object(_) => "Mapping[str, Any]".into(),
        Ty::List => "Sequence[Any]".into(),
        Ty::Json => "Any".into(),
    }
}

fn py_literal(v: &Value) -> String {
    match v {
        Value::Null => "None".into(),
        Value::Bool(true) => "True".into(),
        Value::Bool(false) => "False".into(),
        Value::Number(n) => n.to_string(),
        Value::String(s) => format!("{s:?}"),
        other => other.to_string(),
    }
}

/// `name: type = default` as it stands in the signature.
fn py_param(p: &Param) -> String {
    let t = py_ty(p);
    if p.required {
        return format!("{}: {t}", p.name);
    }
    match &p.default {
        Some(d) => format!("{}: {t} = {}", p.name, py_literal(d)),
        None if t == "Any" => format!("{}: Any = None", p.name),
        None => format!("{}: Optional[{t}] = None", p.name),
    }
}

/// The Python class of a model schema name.
fn model(name: &str) -> &str {
    name
}

pub(crate) fn ret_ann(op: &Op, sync: bool) -> String {
    let r = &op.ret;
    if let Some(s) = r.as_str() {
        return match s {
            "unit" => "None",
            "bool" => "bool",
            "text" => "str",
            "opt_text" => "Optional[str]",
            "events" => "builtins.list[Event]",
            "event_stream" if sync => "SyncEventStream",
            "event_stream" => "EventStream",
            "file_or_listing" => "Union[SessionFile, FileListing]",
            _ => "Any",
        }
        .into();
    }
    let (k, v) = r.as_object().and_then(|o| o.iter().next()).expect("ret");
    let m = model(v.as_str().unwrap_or_default());
    match k.as_str() {
        "model" => m.into(),
        "list" => format!("builtins.list[{m}]"),
        "page" => format!("Page[{m}]"),
        "items" if sync => format!("SyncPageIterator[{m}]"),
        "items" => format!("PageIterator[{m}]"),
        _ => "Any".into(),
    }
}

fn wrap_result(op: &Op, call: &str, sync: bool) -> String {
    let r = &op.ret;
    if let Some(s) = r.as_str() {
        return match s {
            "unit" => format!("{call}\n        return None"),
            "bool" | "text" => format!("result: {} = {call}\n        return result", ret_ann(op, sync)),
            "opt_text" => format!("result: Optional[str] = {call}\n        return result"),
            "events" => format!("events: builtins.list[Event] = {call}\n        return events"),
            "file_or_listing" => format!(
                "raw = {call}\n        if \"file\" in raw:\n            return SessionFile(raw[\"file\"])\n        return FileListing(raw[\"directory\"])"
            ),
            _ => format!("return {call}"),
        };
    }
    let (k, v) = r.as_object().and_then(|o| o.iter().next()).expect("ret");
    let m = model(v.as_str().unwrap_or_default());
    match k.as_str() {
        "model" => format!("return {m}({call})"),
        "list" => format!("return [{m}(x) for x in {call}]"),
        "page" => format!("return Page.of({m}, {call})"),
        "items" if sync => format!("return SyncPageIterator({call}, {m})"),
        "items" => format!("return PageIterator({call}, {m})"),
        _ => format!("return {call}"),
    }
}

pub(crate) fn doc_block(op: &Op) -> String {
    let mut s = String::new();
    let lines = wrap(&op.doc, 88);
    s.push_str("        \"\"\"");
    for (i, l) in lines.iter().enumerate() {
        if i > 0 {
            s.push_str("\n        ");
        }
        s.push_str(&l.replace('`', "``").replace("````", "``"));
    }
    let documented: Vec<&Param> = op.params.iter().filter(|p| !p.doc.is_empty()).collect();
    if !documented.is_empty() {
        s.push_str("\n\n        Args:");
        for p in documented {
            let unit = if p.ty == Ty::Seconds {
                " In seconds."
            } else {
                ""
            };
            let text = format!("{}: {}{unit}", p.name, p.doc.replace('`', "``"));
            for (i, l) in wrap(&text, 80).iter().enumerate() {
                let indent = if i == 0 {
                    "            "
                } else {
                    "                "
                };
                let _ = write!(s, "\n{indent}{l}");
            }
        }
    }
    s.push_str("\n        \"\"\"\n");
    s
}

/// One method of a sub-client: `async def` over `call` (asyncio) or `def` over `call_sync`
/// (the synchronous client).
pub(crate) fn method(op: &Op, sync: bool) -> String {
    let mut sig = vec!["self".to_string()];
    let positional: Vec<&Param> = op
        .params
        .iter()
        .filter(|p| p.is_address() || p.is_primary())
        .collect();
    let keyword: Vec<&Param> = op
        .params
        .iter()
        .filter(|p| !(p.is_address() || p.is_primary()))
        .collect();
    sig.extend(positional.iter().map(|p| py_param(p)));
    let stream = op.kind == "stream";
    if !keyword.is_empty() || stream {
        sig.push("*".into());
    }
    sig.extend(keyword.iter().map(|p| py_param(p)));
    if stream {
        sig.push("batch_size: int = 256".into());
    }
    let args: Vec<String> = op
        .params
        .iter()
        .map(|p| format!("{0}={0}", p.name))
        .collect();
    let inline = format!("args = _args({})", args.join(", "));
    let pre = if args.is_empty() {
        String::new()
    } else if inline.len() + 8 <= 100 {
        format!("{inline}\n        ")
    } else {
        let mut p = String::from("args = _args(\n");
        for a in &args {
            let _ = writeln!(p, "            {a},");
        }
        p.push_str("        )\n        ");
        p
    };
    let argdict = if args.is_empty() { "None" } else { "args" };
    let id = op.id();
    let (prefix, call) = match op.kind.as_str() {
        "unary" if sync => ("def", format!("self._n.call_sync({id:?}, {argdict})")),
        "unary" => (
            "async def",
            format!("await self._n.call({id:?}, {argdict})"),
        ),
        "paged" => ("def", format!("self._n.paged({id:?}, {argdict})")),
        "local" => ("def", format!("self._n.local({id:?}, {argdict})")),
        _ => ("def", String::new()),
    };
    let body = if stream {
        let class = if sync {
            "SyncEventStream"
        } else {
            "EventStream"
        };
        format!("return {class}(self._n.stream({id:?}, {argdict}), batch_size)")
    } else {
        wrap_result(op, &call, sync)
    };
    let head = format!(
        "    {prefix} {}({}) -> {}:\n",
        op.name,
        sig.join(", "),
        ret_ann(op, sync)
    );
    let head = if head.len() > 100 {
        let mut h = format!("    {prefix} {}(\n", op.name);
        for a in &sig {
            let _ = writeln!(h, "        {a},");
        }
        let _ = writeln!(h, "    ) -> {}:", ret_ann(op, sync));
        h
    } else {
        head
    };
    format!("{head}{}        {pre}{body}\n", doc_block(op))
}

/// The generated module.
pub fn generate(t: &Table) -> String {
    let mut s = String::new();
    let _ = writeln!(s, "# {}", crate::GENERATED);
    s.push_str(
        r#""""The sub-clients of :class:`everruns_sdk.Everruns`, one method per operation of the core's table.

Python's rule for every method: ids, paths and the call's main input are positional; every
other parameter is keyword-only; ``None`` means "not given". Durations are seconds.
"""

from __future__ import annotations

import builtins
from typing import Any, Mapping, Optional, Protocol, Sequence, Union

from . import _native
"#,
    );
    s.push_str(&models_import());
    s.push_str(
        r#"from ._streams import EventStream, PageIterator

"#,
    );
    let classes: Vec<String> = t
        .groups
        .iter()
        .map(|g| format!("{}Client", pascal(g)))
        .collect();
    let _ = writeln!(s, "__all__ = [");
    for c in &classes {
        let _ = writeln!(s, "    {c:?},");
    }
    let _ = writeln!(s, "]\n");
    s.push_str(
        r#"

def _args(**given: Any) -> dict[str, Any]:
    """The arguments that were given (``None`` means "not given"); sequences as lists."""
    return {
        k: list(v) if isinstance(v, (tuple, set, frozenset)) else v
        for k, v in given.items()
        if v is not None
    }


class _Owner(Protocol):
    """What a sub-client needs of the client that owns it."""

    @property
    def _native(self) -> _native.Client: ...


class _Sub:
    __slots__ = ("_owner",)

    def __init__(self, owner: _Owner) -> None:
        self._owner = owner

    @property
    def _n(self) -> _native.Client:
        return self._owner._native

"#,
    );
    for g in &t.groups {
        let _ = writeln!(s, "\nclass {}Client(_Sub):", pascal(g));
        let _ = writeln!(s, "    \"\"\"``client.{g}``.\"\"\"\n\n    __slots__ = ()\n");
        let methods: Vec<String> = t.group(g).map(|op| method(op, false)).collect();
        s.push_str(&methods.join("\n"));
    }
    s.push_str("\n\nclass _SubClients(_Owner):\n    \"\"\"The sub-clients, one attribute each.\"\"\"\n\n    def __init__(self) -> None:\n");
    for g in &t.groups {
        let _ = writeln!(s, "        self.{g} = {}Client(self)", pascal(g));
    }
    s
}

/// The result classes the generated sub-clients name (async and sync modules alike).
const RESULT_CLASSES: &[&str] = &[
    "Agent",
    "AgentVersion",
    "AgentVersionDiffResponse",
    "BatchSetSecretsResponse",
    "Budget",
    "BudgetCheckResult",
    "CancelTurnResponse",
    "CapabilityInfo",
    "Connection",
    "Event",
    "FileInfo",
    "FileListing",
    "FileStat",
    "GrepResult",
    "Harness",
    "LedgerEntry",
    "Memory",
    "MemoryFile",
    "MemoryFileInfo",
    "MemoryGrepResult",
    "Message",
    "Model",
    "Page",
    "QuestionAnswersResponse",
    "ResourceStats",
    "ResumeSessionResponse",
    "Session",
    "SessionFile",
    "SubmitToolApprovalsResponse",
    "SubmitToolResultsResponse",
    "ToolCall",
    "Workspace",
];

/// `from ._models import (…)` of [`RESULT_CLASSES`].
pub(crate) fn models_import() -> String {
    let mut s = String::from("from ._models import (\n");
    for n in RESULT_CLASSES {
        s.push_str("    ");
        s.push_str(n);
        s.push_str(",\n");
    }
    s.push_str(")\n");
    s
}
