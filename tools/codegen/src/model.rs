//! The operation table with schema fields expanded into parameters: what every generator reads.

use serde_json::{json, Value};

use crate::schemas;

/// A parameter's type.
#[derive(Debug, Clone, PartialEq)]
pub enum Ty {
    Str,
    Int,
    Float,
    Bool,
    /// Seconds in Python, `…Ms` milliseconds in TypeScript.
    Seconds,
    StrList,
    /// Any JSON value.
    Json,
    /// A list of JSON objects.
    ObjList,
    /// An object of a named wire schema.
    Object(String),
    /// A list of JSON values.
    List,
}

/// One parameter of one operation.
#[derive(Debug, Clone)]
pub struct Param {
    pub name: String,
    pub ty: Ty,
    /// `address`, `primary` or `option`.
    pub role: String,
    pub required: bool,
    pub default: Option<Value>,
    pub doc: String,
}

impl Param {
    pub fn is_address(&self) -> bool {
        self.role == "address"
    }
    pub fn is_primary(&self) -> bool {
        self.role == "primary"
    }
}

/// One operation.
#[derive(Debug, Clone)]
pub struct Op {
    pub group: String,
    pub name: String,
    pub doc: String,
    /// `unary`, `paged`, `stream` or `local`.
    pub kind: String,
    pub params: Vec<Param>,
    /// The schema whose fields were expanded (TypeScript names it in option types).
    pub fields_schema: Option<String>,
    pub fields_skip: Vec<String>,
    /// Every property of that schema.
    pub fields_props: Vec<String>,
    pub ret: Value,
    pub idempotent: bool,
}

impl Op {
    pub fn id(&self) -> String {
        format!("{}.{}", self.group, self.name)
    }
}

/// The expanded table.
pub struct Table {
    pub groups: Vec<String>,
    pub ops: Vec<Op>,
    pub client_settings: Vec<Param>,
    pub call_settings: Vec<Param>,
}

fn ty_of(v: &Value) -> Ty {
    match v {
        Value::String(s) => match s.as_str() {
            "str" => Ty::Str,
            "int" => Ty::Int,
            "float" => Ty::Float,
            "bool" => Ty::Bool,
            "seconds" => Ty::Seconds,
            "str_list" => Ty::StrList,
            "object_list" => Ty::ObjList,
            _ => Ty::Json,
        },
        Value::Object(o) => Ty::Object(o["object"].as_str().unwrap_or_default().to_string()),
        _ => Ty::Json,
    }
}

fn param_of(v: &Value) -> Param {
    Param {
        name: v["name"].as_str().unwrap_or_default().to_string(),
        ty: ty_of(&v["type"]),
        role: v["role"].as_str().unwrap_or("option").to_string(),
        required: v["required"].as_bool().unwrap_or(false),
        default: v.get("default").filter(|d| !d.is_null()).cloned(),
        doc: v["doc"].as_str().unwrap_or_default().to_string(),
    }
}

/// The type of a schema property.
fn schema_ty(p: &Value) -> Ty {
    let types: Vec<&str> = match &p["type"] {
        Value::String(s) => vec![s.as_str()],
        Value::Array(a) => a.iter().filter_map(Value::as_str).collect(),
        _ => Vec::new(),
    };
    let t = types.into_iter().find(|t| *t != "null");
    match t {
        Some("string") => Ty::Str,
        Some("integer") => Ty::Int,
        Some("number") => Ty::Float,
        Some("boolean") => Ty::Bool,
        Some("array") => match p["items"]["type"].as_str() {
            Some("string") => Ty::StrList,
            _ => Ty::List,
        },
        _ => Ty::Json,
    }
}

fn first_line(s: &str) -> String {
    s.lines().next().unwrap_or_default().trim().to_string()
}

impl Table {
    /// Reads the core's table and expands schema fields.
    pub fn load() -> Table {
        let d = everruns_core::ops::describe();
        let schemas = schemas::all();
        let mut ops = Vec::new();
        for o in d["operations"].as_array().expect("operations") {
            let mut params: Vec<Param> = o["params"]
                .as_array()
                .expect("params")
                .iter()
                .map(param_of)
                .collect();
            let mut fields_schema = None;
            let mut fields_skip = Vec::new();
            let mut fields_props = Vec::new();
            if let Some(f) = o["fields"].as_object() {
                let name = f["schema"].as_str().expect("schema name");
                let skip: Vec<String> = f["skip"]
                    .as_array()
                    .map(|a| {
                        a.iter()
                            .filter_map(|s| s.as_str().map(String::from))
                            .collect()
                    })
                    .unwrap_or_default();
                let schema = schemas
                    .get(name)
                    .unwrap_or_else(|| panic!("no schema {name} (add it to schemas.rs)"));
                let empty = serde_json::Map::new();
                let props = schema["properties"].as_object().unwrap_or(&empty);
                fields_props = props.keys().cloned().collect();
                for (field, p) in props {
                    if skip.contains(field) || params.iter().any(|x| &x.name == field) {
                        continue;
                    }
                    params.push(Param {
                        name: field.clone(),
                        ty: schema_ty(p),
                        role: "option".into(),
                        required: false,
                        default: None,
                        doc: first_line(p["description"].as_str().unwrap_or_default()),
                    });
                }
                fields_schema = Some(name.to_string());
                fields_skip = skip;
            }
            ops.push(Op {
                group: o["group"].as_str().unwrap_or_default().to_string(),
                name: o["name"].as_str().unwrap_or_default().to_string(),
                doc: o["doc"].as_str().unwrap_or_default().to_string(),
                kind: o["kind"].as_str().unwrap_or_default().to_string(),
                params,
                fields_schema,
                fields_skip,
                fields_props,
                ret: o["ret"].clone(),
                idempotent: o["idempotent"].as_bool().unwrap_or(false),
            });
        }
        let settings = |k: &str| -> Vec<Param> {
            d[k].as_array()
                .expect("settings")
                .iter()
                .map(param_of)
                .collect()
        };
        Table {
            groups: d["groups"]
                .as_array()
                .expect("groups")
                .iter()
                .filter_map(|g| g.as_str().map(String::from))
                .collect(),
            ops,
            client_settings: settings("client_settings"),
            call_settings: settings("call_settings"),
        }
    }

    /// The operations of `group`.
    pub fn group<'a>(&'a self, group: &'a str) -> impl Iterator<Item = &'a Op> + 'a {
        self.ops.iter().filter(move |o| o.group == group)
    }

    /// `core/generated/operations.json`.
    pub fn json(&self) -> String {
        let p = |p: &Param| {
            json!({
                "name": p.name,
                "type": format!("{:?}", p.ty),
                "role": p.role,
                "required": p.required,
                "default": p.default,
            })
        };
        let ops: Vec<Value> = self
            .ops
            .iter()
            .map(|o| {
                json!({
                    "group": o.group,
                    "name": o.name,
                    "kind": o.kind,
                    "params": o.params.iter().map(p).collect::<Vec<_>>(),
                    "ret": o.ret,
                    "idempotent": o.idempotent,
                })
            })
            .collect();
        let doc = json!({
            "@generated": crate::GENERATED,
            "groups": self.groups,
            "operations": ops,
            "client_settings": self.client_settings.iter().map(p).collect::<Vec<_>>(),
            "call_settings": self.call_settings.iter().map(p).collect::<Vec<_>>(),
        });
        let mut s = serde_json::to_string_pretty(&doc).expect("JSON");
        s.push('\n');
        s
    }
}

/// `snake_case` → `PascalCase`.
pub fn pascal(s: &str) -> String {
    s.split('_')
        .map(|w| {
            let mut c = w.chars();
            match c.next() {
                Some(f) => f.to_uppercase().collect::<String>() + c.as_str(),
                None => String::new(),
            }
        })
        .collect()
}

/// The first sentence-ish line of a doc, and the rest wrapped at `width`.
pub fn wrap(text: &str, width: usize) -> Vec<String> {
    let mut lines = Vec::new();
    let mut line = String::new();
    for w in text.split_whitespace() {
        if !line.is_empty() && line.len() + 1 + w.len() > width {
            lines.push(std::mem::take(&mut line));
        }
        if !line.is_empty() {
            line.push(' ');
        }
        line.push_str(w);
    }
    if !line.is_empty() {
        lines.push(line);
    }
    lines
}
