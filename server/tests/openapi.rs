//! The committed `openapi/openapi.json` must equal what the code generates
//! (regenerate with `make openapi` or `everruns-server openapi`).

#[test]
fn committed_spec_is_fresh() {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../openapi/openapi.json");
    let generated = everruns_server::openapi::spec_json();
    if std::env::var("EVERRUNS_UPDATE_OPENAPI").as_deref() == Ok("1") {
        std::fs::write(&path, generated).expect("write spec");
    }
    let committed = std::fs::read_to_string(&path).unwrap_or_default();
    assert!(
        committed == generated,
        "openapi/openapi.json is stale: run `make openapi` (or `everruns-server openapi`) and commit it"
    );
}

#[test]
fn spec_documents_every_route() {
    let spec: serde_json::Value =
        serde_json::from_str(everruns_server::openapi::spec_json()).unwrap();
    let paths = spec["paths"].as_object().unwrap();
    for p in [
        "/api/v1/agents",
        "/api/v1/agents/import",
        "/api/v1/agents/{agent_id_or_name}",
        "/api/v1/agents/{agent_id}/export",
        "/api/v1/harnesses",
        "/api/v1/models/{model_id}",
        "/api/v1/capabilities/{capability_id}",
        "/api/v1/sessions/{session_id}/cancel",
        "/api/v1/sessions/{session_id}/messages",
        "/api/v1/sessions/{session_id}/events",
        "/api/v1/sessions/{session_id}/sse",
        "/api/v1/sessions/{session_id}/llmsim",
        "/api/v1/sessions/{session_id}/fs/{path}",
        "/api/v1/sessions/{session_id}/fs/_/grep",
        "/api/v1/workspaces/{workspace_id}/fs/{path}",
        "/api/v1/workspaces/{workspace_id}/fs/_/download/{path}",
    ] {
        assert!(paths.contains_key(p), "missing {p}");
    }
    assert!(spec["components"]["schemas"]["ErrorResponse"].is_object());
    assert!(spec["components"]["schemas"]["LlmSimScript"].is_object());
}
