//! Upstream's link and count fields on resources (`docs/wire.md#resource-links`): `self_url`
//! (the API URL), `view_url` and its alias `ui_link` (the web console's page, served by this
//! server at its origin), and `session_count`/`app_count`. Route handlers call these on every
//! resource they answer with.

use axum::http::HeaderMap;
use everruns_core::{Agent, CapabilityInfo, Harness, Model, Session};

use crate::util::origin;
use crate::App;

fn urls(app: &App, headers: &HeaderMap, api: &str, ui: &str) -> (String, String) {
    let o = origin(&app.config, headers);
    (format!("{o}/api/v1/{api}"), format!("{o}/{ui}"))
}

/// Agent: API URL, console page, `app_count` 0 (no apps here).
pub fn agent(app: &App, headers: &HeaderMap, a: &mut Agent) {
    let (api, ui) = urls(
        app,
        headers,
        &format!("agents/{}", a.id),
        &format!("agents/{}", a.id),
    );
    a.self_url = Some(api);
    a.view_url = Some(ui.clone());
    a.ui_link = Some(ui);
    a.app_count = Some(0);
}

/// Session: API URL and console page.
pub fn session(app: &App, headers: &HeaderMap, s: &mut Session) {
    let (api, ui) = urls(
        app,
        headers,
        &format!("sessions/{}", s.id),
        &format!("sessions/{}", s.id),
    );
    s.self_url = Some(api);
    s.view_url = Some(ui.clone());
    s.ui_link = Some(ui);
}

/// Harness: API URL, console page (the agents page, where a harness is chosen: the console has
/// no page of its own for harnesses), its session count, `app_count` 0.
pub async fn harness(
    app: &App,
    headers: &HeaderMap,
    h: &mut Harness,
) -> Result<(), crate::store::StoreError> {
    let (api, ui) = urls(app, headers, &format!("harnesses/{}", h.id), "agents");
    h.self_url = Some(api);
    h.view_url = Some(ui.clone());
    h.ui_link = Some(ui);
    h.session_count = Some(app.store.harness_session_count(&h.id).await?);
    h.app_count = Some(0);
    Ok(())
}

/// Model: API URL and the console's models page.
pub fn model(app: &App, headers: &HeaderMap, m: &mut Model) {
    let (api, ui) = urls(app, headers, &format!("models/{}", m.id), "models");
    m.self_url = Some(api);
    m.view_url = Some(ui.clone());
    m.ui_link = Some(ui);
}

/// Capability: API URL and the console page where capabilities are chosen (the agents page).
pub fn capability(app: &App, headers: &HeaderMap, c: &mut CapabilityInfo) {
    let (api, ui) = urls(app, headers, &format!("capabilities/{}", c.id), "agents");
    c.self_url = Some(api);
    c.view_url = Some(ui.clone());
    c.ui_link = Some(ui);
}
