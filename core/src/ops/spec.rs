//! The shape of one operation declaration (see the [module docs](super)).

use futures::future::BoxFuture;
use futures::stream::BoxStream;
use serde::Serialize;
use serde_json::{json, Value};

use super::args::Args;
use crate::client::{EventStream, Everruns, Result};
use crate::types::Event;

/// A result value kept typed until the host serialises it (Node renames struct fields to
/// camelCase but leaves free-form JSON alone, which needs the types, not a `Value`).
pub type Item = Box<dyn erased_serde::Serialize + Send + Sync>;

/// What a unary or local operation produced.
pub enum Output {
    /// Nothing (`None` / `undefined`).
    Unit,
    /// A typed value.
    Value(Item),
    /// Events (hosts may convert these on a fast path).
    Events(Vec<Event>),
}

/// Boxes a typed value as an [`Output`].
pub fn output<T: Serialize + Send + Sync + 'static>(v: T) -> Output {
    Output::Value(Box::new(v))
}

/// A call that sends one request (or a fixed few) and resolves once.
pub type UnaryFn = fn(Everruns, Args) -> BoxFuture<'static, Result<Output>>;
/// A listing whose items are fetched page by page on demand.
pub type PagedFn = fn(Everruns, Args) -> Result<BoxStream<'static, Result<Item>>>;
/// A resilient event stream.
pub type StreamFn = fn(Everruns, Args) -> Result<EventStream>;
/// A call answered from the client's own state, without I/O.
pub type LocalFn = fn(&Everruns, Args) -> Result<Output>;

/// How an operation runs, and so how hosts expose it.
#[derive(Clone, Copy)]
pub enum Run {
    /// An awaitable (`async def` / `Promise`).
    Unary(UnaryFn),
    /// An async iterator over every item of every page.
    Paged(PagedFn),
    /// An async iterator over a session's events.
    Stream(StreamFn),
    /// A plain synchronous method.
    Local(LocalFn),
}

impl Run {
    /// `unary`, `paged`, `stream` or `local`.
    pub fn kind(&self) -> &'static str {
        match self {
            Run::Unary(_) => "unary",
            Run::Paged(_) => "paged",
            Run::Stream(_) => "stream",
            Run::Local(_) => "local",
        }
    }
}

/// The type of a parameter, as hosts spell it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Ty {
    /// A string.
    Str,
    /// An integer.
    Int,
    /// A number (amounts, limits).
    Float,
    /// A boolean.
    Bool,
    /// A duration: seconds (float) in Python and Rust, milliseconds (`…Ms`) in JavaScript.
    Seconds,
    /// A list of strings.
    StrList,
    /// Any JSON value.
    Json,
    /// A list of JSON objects.
    ObjList,
    /// A JSON object of the named wire schema.
    Object(&'static str),
}

/// Where a parameter goes in each language's signature (the one rule per language):
///
/// * Python: `Address` and `Primary` parameters are positional (in declaration order), every
///   other parameter is keyword-only.
/// * JavaScript: `Address` parameters are positional; every other parameter is a key of one
///   trailing options object. When an operation has exactly one `Primary` parameter and it is a
///   string, a string may stand in place of the options object (`messages.create(id, "hi")`
///   is `messages.create(id, { text: "hi" })`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Role {
    /// What the call acts on: ids and file paths.
    Address,
    /// The main input of the call (message text, file content, an agent's name and prompt).
    Primary,
    /// Everything else.
    Option,
}

/// One declared parameter.
#[derive(Debug, Clone, Copy)]
pub struct Param {
    /// `snake_case` name (hosts respell it).
    pub name: &'static str,
    /// Its type.
    pub ty: Ty,
    /// Its place in signatures.
    pub role: Role,
    /// Whether a call must give it.
    pub required: bool,
    /// The default as a JSON literal (`"\"/\""`, `"false"`), shown in signatures; `None`: not
    /// sent unless given.
    pub default: Option<&'static str>,
    /// One line of documentation.
    pub doc: &'static str,
}

/// A required address parameter (an id or a path).
pub const fn address(name: &'static str, doc: &'static str) -> Param {
    Param {
        name,
        ty: Ty::Str,
        role: Role::Address,
        required: true,
        default: None,
        doc,
    }
}

/// A required primary parameter.
pub const fn primary(name: &'static str, ty: Ty, doc: &'static str) -> Param {
    Param {
        name,
        ty,
        role: Role::Primary,
        required: true,
        default: None,
        doc,
    }
}

/// An optional parameter (`default`: the JSON literal the core assumes when it is not given).
pub const fn optional(
    name: &'static str,
    ty: Ty,
    default: Option<&'static str>,
    doc: &'static str,
) -> Param {
    Param {
        name,
        ty,
        role: Role::Option,
        required: false,
        default,
        doc,
    }
}

impl Param {
    /// The same parameter with another role.
    pub const fn with_role(mut self, role: Role) -> Param {
        self.role = role;
        self
    }
}

/// Parameters taken from the fields of a wire schema: each field not declared explicitly
/// becomes an optional parameter (so a field added to the core type appears in every
/// language).
#[derive(Debug, Clone, Copy)]
pub struct Fields {
    /// The schema (a type of [`crate::types`]).
    pub schema: &'static str,
    /// Fields not offered.
    pub skip: &'static [&'static str],
}

/// What an operation returns, for the hosts' typed wrappers.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Ret {
    /// Nothing.
    Unit,
    /// A boolean.
    Bool,
    /// A string.
    Text,
    /// A string or nothing.
    OptText,
    /// One object of the named schema.
    Model(&'static str),
    /// A list of objects of the named schema.
    List(&'static str),
    /// One page of objects of the named schema.
    Page(&'static str),
    /// Items of the named schema, page after page (paged operations).
    Items(&'static str),
    /// A list of events.
    Events,
    /// A live event stream.
    EventStream,
    /// A file (`{"file": …}`) or a directory listing (`{"directory": …}`).
    FileOrListing,
}

/// One public operation of the SDK.
#[derive(Clone, Copy)]
pub struct Op {
    /// The sub-client (`agents`, `sessions`, …).
    pub group: &'static str,
    /// The method name (`snake_case`; hosts respell it).
    pub name: &'static str,
    /// What it does (first line: a summary).
    pub doc: &'static str,
    /// Explicit parameters, in signature order.
    pub params: &'static [Param],
    /// Further optional parameters from a schema's fields.
    pub fields: Option<Fields>,
    /// The result.
    pub ret: Ret,
    /// Safe to retry (the core's retry policy decides; informational for hosts).
    pub idempotent: bool,
    /// How it runs.
    pub run: Run,
}

impl Op {
    /// `group.name`.
    pub fn id(&self) -> String {
        format!("{}.{}", self.group, self.name)
    }

    /// The declaration as JSON (what hosts and generators read).
    pub fn describe(&self) -> Value {
        let params: Vec<Value> = self.params.iter().map(Param::describe).collect();
        json!({
            "group": self.group,
            "name": self.name,
            "doc": self.doc,
            "kind": self.run.kind(),
            "params": params,
            "fields": self.fields.map(|f| json!({"schema": f.schema, "skip": f.skip})),
            "ret": ret_json(self.ret),
            "idempotent": self.idempotent,
        })
    }
}

impl Param {
    /// The parameter as JSON.
    pub fn describe(&self) -> Value {
        json!({
            "name": self.name,
            "type": ty_json(self.ty),
            "role": match self.role {
                Role::Address => "address",
                Role::Primary => "primary",
                Role::Option => "option",
            },
            "required": self.required,
            "default": self.default.map(|d| serde_json::from_str::<Value>(d).expect("default is JSON")),
            "doc": self.doc,
        })
    }
}

fn ty_json(t: Ty) -> Value {
    match t {
        Ty::Str => json!("str"),
        Ty::Int => json!("int"),
        Ty::Float => json!("float"),
        Ty::Bool => json!("bool"),
        Ty::Seconds => json!("seconds"),
        Ty::StrList => json!("str_list"),
        Ty::Json => json!("json"),
        Ty::ObjList => json!("object_list"),
        Ty::Object(s) => json!({ "object": s }),
    }
}

fn ret_json(r: Ret) -> Value {
    match r {
        Ret::Unit => json!("unit"),
        Ret::Bool => json!("bool"),
        Ret::Text => json!("text"),
        Ret::OptText => json!("opt_text"),
        Ret::Model(s) => json!({ "model": s }),
        Ret::List(s) => json!({ "list": s }),
        Ret::Page(s) => json!({ "page": s }),
        Ret::Items(s) => json!({ "items": s }),
        Ret::Events => json!("events"),
        Ret::EventStream => json!("event_stream"),
        Ret::FileOrListing => json!("file_or_listing"),
    }
}
