//! The OpenAPI document, generated from the handlers' annotations and the core wire types.

use std::sync::OnceLock;

use utoipa::OpenApi;

mod event_data;
mod rules;
use rules::SharedAnswers;

use crate::routes::{agents, catalog, events, fs, interaction, sessions};

/// The API description.
#[derive(OpenApi)]
#[openapi(
    info(
        title = "Everruns API (reference server)",
        description = "The Everruns v1 HTTP API as served by `everruns-server`: agents, \
                       harnesses, models, capabilities, sessions, messages, events (polling and \
                       SSE) and session files. Every error is the hybrid body `ErrorResponse` \
                       (`error.code`/`error.message` plus RFC 9457 fields). Authenticate with \
                       `Authorization: <api key>` (also `Bearer <key>` / `ApiKey <key>`); in \
                       dev mode any token is accepted.",
        license(name = "MIT")
    ),
    servers((url = "http://localhost:9300", description = "Local server (SDK base URL http://localhost:9300/api)")),
    paths(
        agents::create_agent, agents::list_agents, agents::get_agent, agents::put_agent,
        agents::update_agent, agents::delete_agent, agents::import_agent, agents::export_agent,
        catalog::list_harnesses, catalog::get_harness, catalog::create_harness,
        catalog::update_harness, catalog::delete_harness, catalog::list_models, catalog::get_model,
        catalog::list_capabilities, catalog::get_capability,
        sessions::create_session, sessions::list_sessions, sessions::get_session,
        sessions::update_session, sessions::delete_session, sessions::cancel,
        sessions::create_message, sessions::list_messages, events::list_events,
        sessions::put_llmsim, crate::sse::stream,
        interaction::submit_tool_results, interaction::submit_tool_approvals,
        interaction::answer_questions,
        fs::list_root, fs::get_path, fs::create_path, fs::update_path, fs::delete_path,
        fs::move_file, fs::copy_file, fs::grep_files, fs::stat_file, fs::download_path,
        fs::ws_list_root, fs::ws_get_path, fs::ws_create_path, fs::ws_update_path,
        fs::ws_delete_path, fs::ws_move_file, fs::ws_copy_file, fs::ws_grep_files,
        fs::ws_stat_file, fs::ws_download_path,
    ),
    components(schemas(
        everruns_core::ErrorResponse, everruns_core::Event, everruns_core::EventContext,
        everruns_core::Message, everruns_core::FileInfo,
        everruns_core::InputMessageData, everruns_core::TurnStartedData,
        everruns_core::OutputMessageDeltaData, everruns_core::OutputMessageCompletedData,
        everruns_core::ToolStartedData, everruns_core::ToolCompletedData,
        everruns_core::TurnCompletedData, everruns_core::TurnFailedData,
        everruns_core::TurnCancelledData, everruns_core::SessionIdledData,
        everruns_core::ConnectedData, everruns_core::DisconnectingData,
        everruns_core::ToolCallRequestedData,
    )),
    modifiers(&Security),
    security(("api_key" = [])),
    tags(
        (name = "agents", description = "Agent configuration (A1–A8)"),
        (name = "harnesses", description = "Harnesses (H1–H2)"),
        (name = "models", description = "Models (M1–M2)"),
        (name = "capabilities", description = "Capabilities (C1–C2)"),
        (name = "sessions", description = "Sessions (S1–S6)"),
        (name = "messages", description = "Messages (MS1–MS2)"),
        (name = "events", description = "Events: polling (E1) and SSE (E2)"),
        (name = "files", description = "Session filesystem (F1–F10)"),
        (name = "workspaces", description = "The same filesystem addressed by workspace id"),
        (name = "dev", description = "Development-mode only routes"),
    )
)]
pub struct ApiDoc;

struct Security;

impl utoipa::Modify for Security {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        use utoipa::openapi::security::{ApiKey, ApiKeyValue, SecurityScheme};
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "api_key",
            SecurityScheme::ApiKey(ApiKey::Header(ApiKeyValue::with_description(
                "Authorization",
                "The API key itself, or `Bearer <key>` / `ApiKey <key>`",
            ))),
        );
        components.add_security_scheme(
            "agent_key",
            SecurityScheme::Http(utoipa::openapi::security::Http::new(
                utoipa::openapi::security::HttpAuthScheme::Bearer,
            )),
        );
    }
}

/// The document as pretty JSON (with a trailing newline), built once.
pub fn spec_json() -> &'static str {
    static SPEC: OnceLock<String> = OnceLock::new();
    SPEC.get_or_init(|| {
        let mut doc = ApiDoc::openapi();
        doc.merge(crate::routes::channels::ChannelsDoc::openapi());
        doc.merge(crate::routes::channel_interaction::ChannelInteractionDoc::openapi());
        doc.merge(crate::routes::connections::ConnectionsDoc::openapi());
        doc.merge(crate::routes::budgets::BudgetsDoc::openapi());
        doc.merge(crate::routes::workspaces::WorkspacesDoc::openapi());
        doc.merge(crate::routes::memories::MemoriesDoc::openapi());
        doc.merge(crate::routes::versions::VersionsDoc::openapi());
        doc.merge(crate::routes::session_ops::SessionOpsDoc::openapi());
        // after the merges, so the channel routes get the shared answers too
        utoipa::Modify::modify(&SharedAnswers, &mut doc);
        utoipa::Modify::modify(&event_data::EventData, &mut doc);
        let mut s = doc
            .to_pretty_json()
            .expect("the OpenAPI document serialises");
        s.push('\n');
        s
    })
}
