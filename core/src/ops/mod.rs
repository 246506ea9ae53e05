//! The operation table: every public operation of the SDK, declared once.
//!
//! Each [`Op`] names its sub-client and method, its parameters (with their role in each
//! language's signature, types and defaults), its result, whether it is idempotent, and how it
//! runs: a function over the client and the call's [`Args`]. From this table:
//!
//! * the Python and Node bridges expose four generic entry points (`call`, `paged`, `stream`,
//!   `local`) that look an operation up by id (`"agents.create"`) and run it — no per-operation
//!   code in a bridge;
//! * `everruns-codegen` writes the Python and TypeScript facades (typed methods with each
//!   language's argument rules, docs and result wrappers) and `operations.json`, which the
//!   parity tests of each language compare with what the facades expose;
//! * the Rust SDK is the sub-clients these functions call, so a declaration that names a
//!   missing Rust method does not compile.
//!
//! Adding an operation is one [`Op`] in `table/` (plus the core function it calls) and
//! `make generate`.

mod args;
pub mod batch;
pub mod input;
pub mod settings;
mod spec;
mod table;

use futures::future::BoxFuture;
use futures::stream::BoxStream;
use serde_json::{json, Value};

pub use args::Args;
pub use input::Spelling;
pub use spec::{
    address, optional, output, primary, Fields, Item, LocalFn, Op, Output, PagedFn, Param, Ret,
    Role, Run, StreamFn, Ty, UnaryFn,
};

use crate::client::{Error, EventStream, Everruns, Result};

/// Every operation, grouped by sub-client in a fixed order.
pub fn operations() -> impl Iterator<Item = &'static Op> {
    table::GROUPS.iter().flat_map(|g| g.iter())
}

/// The sub-clients, in order.
pub fn groups() -> Vec<&'static str> {
    let mut out: Vec<&'static str> = Vec::new();
    for op in operations() {
        if !out.contains(&op.group) {
            out.push(op.group);
        }
    }
    out
}

/// The operation `id` (`"agents.create"`).
pub fn find(id: &str) -> Result<&'static Op> {
    let (group, name) = id.split_once('.').unwrap_or((id, ""));
    operations()
        .find(|op| op.group == group && op.name == name)
        .ok_or_else(|| Error::validation(format!("unknown operation {id:?}")))
}

/// Operations without a schema check their argument names up front (with a schema, the
/// schema's deserializer names unknown fields).
fn checked(op: &'static Op, args: &Args) -> Result<&'static Op> {
    if op.fields.is_none() {
        args.check(op.params)?;
    }
    Ok(op)
}

fn wrong_kind(op: &Op, wanted: &str) -> Error {
    Error::validation(format!(
        "{} is a {} operation, not {wanted}",
        op.id(),
        op.run.kind()
    ))
}

/// Starts unary operation `id`.
pub fn unary(
    client: &Everruns,
    id: &str,
    args: Args,
) -> Result<BoxFuture<'static, Result<Output>>> {
    let op = checked(find(id)?, &args)?;
    match op.run {
        Run::Unary(f) => Ok(f(client.clone(), args)),
        _ => Err(wrong_kind(op, "unary")),
    }
}

/// Starts paged operation `id`: every item of every page.
pub fn paged(client: &Everruns, id: &str, args: Args) -> Result<BoxStream<'static, Result<Item>>> {
    let op = checked(find(id)?, &args)?;
    match op.run {
        Run::Paged(f) => f(client.clone(), args),
        _ => Err(wrong_kind(op, "paged")),
    }
}

/// Opens stream operation `id` (nothing is sent until it is first polled).
pub fn stream(client: &Everruns, id: &str, args: Args) -> Result<EventStream> {
    let op = checked(find(id)?, &args)?;
    match op.run {
        Run::Stream(f) => f(client.clone(), args),
        _ => Err(wrong_kind(op, "stream")),
    }
}

/// Runs local operation `id`.
pub fn local(client: &Everruns, id: &str, args: Args) -> Result<Output> {
    let op = checked(find(id)?, &args)?;
    match op.run {
        Run::Local(f) => f(client, args),
        _ => Err(wrong_kind(op, "local")),
    }
}

/// The whole table as JSON: operations, and the client and call settings.
pub fn describe() -> Value {
    let ops: Vec<Value> = operations().map(Op::describe).collect();
    let params = |ps: &[Param]| -> Vec<Value> { ps.iter().map(Param::describe).collect() };
    json!({
        "groups": groups(),
        "operations": ops,
        "client_settings": params(settings::CLIENT_SETTINGS),
        "call_settings": params(settings::CALL_SETTINGS),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_are_unique_and_declarations_consistent() {
        let mut seen = std::collections::HashSet::new();
        for op in operations() {
            assert!(seen.insert(op.id()), "duplicate {}", op.id());
            let mut names = std::collections::HashSet::new();
            let mut optional_seen = false;
            for p in op.params {
                assert!(
                    names.insert(p.name),
                    "{}: duplicate param {}",
                    op.id(),
                    p.name
                );
                if p.role == Role::Address && p.required {
                    assert!(
                        !optional_seen,
                        "{}: required address after optional",
                        op.id()
                    );
                }
                if !p.required && p.role != Role::Option {
                    optional_seen = true;
                }
                if let Some(d) = p.default {
                    serde_json::from_str::<Value>(d).expect("default is JSON");
                }
            }
            let _ = op.describe();
        }
        assert!(seen.len() >= 40, "{}", seen.len());
        assert!(find("agents.create").is_ok());
        assert!(find("agents.nope").is_err());
    }

    #[tokio::test]
    async fn kinds_are_checked_and_arguments_validated_before_sending() {
        let c = Everruns::new("k", "http://127.0.0.1:9/api").unwrap();
        let e = unary(
            &c,
            "events.stream",
            Args::new(Value::Null, Spelling::Snake).unwrap(),
        )
        .err()
        .unwrap();
        assert!(e.to_string().contains("stream operation"), "{e}");
        let e = unary(
            &c,
            "agents.create",
            Args::new(
                json!({"name": "a", "system_prompt": "p", "colour": 1}),
                Spelling::Snake,
            )
            .unwrap(),
        )
        .unwrap()
        .await
        .err()
        .unwrap();
        assert!(e.to_string().contains("unknown field `colour`"), "{e}");
        let e = unary(
            &c,
            "messages.create",
            Args::new(
                json!({"session_id": "session_0190f3c2a7b87e1c9d2a5b6c7d8e9f01"}),
                Spelling::Snake,
            )
            .unwrap(),
        )
        .unwrap()
        .await
        .err()
        .unwrap();
        assert!(e.to_string().contains("text or content"), "{e}");
        let out = local(
            &c,
            "agents.generate_id",
            Args::new(Value::Null, Spelling::Snake).unwrap(),
        )
        .unwrap();
        let Output::Value(v) = out else {
            panic!("a value")
        };
        let id = serde_json::to_value(&*v).unwrap();
        assert!(id.as_str().unwrap().starts_with("agent_"));
    }
}
