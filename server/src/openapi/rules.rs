//! Answers and constraints every operation shares, added to the generated document in one
//! place instead of on each handler's annotation (docs/wire.md#3.4):
//!
//! - `401` on every operation: outside dev mode each route needs an API key.
//! - `413` and `415` on every operation with a JSON body: the body must say
//!   `Content-Type: application/json` and stay under `--max-body-bytes`.
//! - `400` on every operation with parameters or a body; `404` on every operation with a path
//!   parameter (an unknown id).
//! - The id patterns the server enforces on path parameters (`session_id`, `agent_id`, …).
//! - The SSE response described frame by frame (`event`, `id`, `retry`, JSON `data`), the form
//!   SSE-aware validators read.

use everruns_core::ids::IdKind;
use utoipa::openapi::path::{Operation, ParameterIn};
use utoipa::openapi::schema::{ObjectBuilder, Type};
use utoipa::openapi::{ContentBuilder, Ref, RefOr, ResponseBuilder};

/// Path parameters that hold one kind of id, and that kind.
const ID_PARAMS: [(&str, IdKind); 4] = [
    ("agent_id", IdKind::Agent),
    ("session_id", IdKind::Session),
    ("workspace_id", IdKind::Workspace),
    ("model_id", IdKind::Model),
];

const SSE: &str = "text/event-stream";

/// The modifier registered on the document.
pub struct SharedAnswers;

impl utoipa::Modify for SharedAnswers {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        for (path, item) in openapi.paths.paths.iter_mut() {
            let has_path_params = path.contains('{');
            for op in [
                &mut item.get,
                &mut item.post,
                &mut item.put,
                &mut item.patch,
                &mut item.delete,
            ]
            .into_iter()
            .flatten()
            {
                complete(op, has_path_params);
            }
        }
    }
}

fn complete(op: &mut Operation, has_path_params: bool) {
    let has_params = op.parameters.as_ref().is_some_and(|p| !p.is_empty());
    let json_body = op
        .request_body
        .as_ref()
        .is_some_and(|b| b.content.contains_key("application/json"));
    for p in op.parameters.iter_mut().flatten() {
        if p.parameter_in != ParameterIn::Path {
            continue;
        }
        if let Some((_, kind)) = ID_PARAMS.iter().find(|(n, _)| *n == p.name) {
            let pattern = format!("^{}_[0-9a-f]{{32}}$", kind.prefix());
            p.schema = Some(
                ObjectBuilder::new()
                    .schema_type(Type::String)
                    .pattern(Some(pattern))
                    .into(),
            );
        }
    }
    let answers = &mut op.responses.responses;
    if let Some(RefOr::T(ok)) = answers.get_mut("200") {
        if let Some(content) = ok.content.get_mut(SSE) {
            content.schema = Some(sse_frame().into());
        }
    }
    let mut add = |status: &str, description: &str| {
        answers.entry(status.to_string()).or_insert_with(|| {
            ResponseBuilder::new()
                .description(description)
                .content(
                    "application/json",
                    ContentBuilder::new()
                        .schema(Some(Ref::from_schema_name("ErrorResponse")))
                        .build(),
                )
                .build()
                .into()
        });
    };
    add("401", "Missing, malformed, unknown or revoked API key");
    if has_params || op.request_body.is_some() {
        add("400", "Invalid parameter or body");
    }
    if has_path_params {
        add("404", "No such resource");
    }
    if json_body {
        add("413", "Body larger than the server's limit");
        add("415", "Body without `Content-Type: application/json`");
    }
}

/// One SSE frame: `event`, `id` (absent on `connected`/`disconnecting`), `retry` and `data`,
/// the JSON text of an `Event` envelope or of the `connected`/`disconnecting` payloads.
fn sse_frame() -> utoipa::openapi::Schema {
    let text = || ObjectBuilder::new().schema_type(Type::String);
    ObjectBuilder::new()
        .schema_type(Type::Object)
        .description(Some("One Server-Sent Events frame"))
        .property("event", text())
        .property("id", text())
        .property(
            "retry",
            ObjectBuilder::new()
                .schema_type(Type::Integer)
                .minimum(Some(0)),
        )
        .property(
            "data",
            text()
                .content_media_type("application/json")
                .description(Some(
                    "JSON: an `Event`, `ConnectedData` or `DisconnectingData`",
                )),
        )
        .required("event")
        .required("data")
        .into()
}
