//! Filesystem route selection: session routes first, workspace routes when a server lacks them
//! (docs/decisions.md#2, docs/wire.md#18.6).

mod support;

use everruns_core::client::Error;
use serde_json::json;
use support::*;

/// A server like upstream HEAD: files only under /v1/workspaces/{wsp}/fs.
fn workspace_only(
    status_for_session_fs: u16,
    with_workspace: bool,
) -> impl Fn(&Recorded, usize) -> axum::response::Response + Send + Sync + 'static {
    move |r, _| {
        let p = r.path.as_str();
        if p == format!("/api/v1/sessions/{SID}") {
            let mut s = session_json(SID);
            if !with_workspace {
                s.as_object_mut().unwrap().remove("workspace_id");
            }
            return json_response(200, s);
        }
        if p.starts_with(&format!("/api/v1/sessions/{SID}/fs")) {
            return error_response(status_for_session_fs, "route_not_found", "no such route");
        }
        let wbase = format!("/api/v1/workspaces/{WSP}/fs");
        if p == wbase {
            return json_response(200, json!({"data":[file_json("/notes.md", false, None)]}));
        }
        if let Some(rest) = p.strip_prefix(&format!("{wbase}/")) {
            return match r.method.as_str() {
                "GET" if rest == "workspace/missing.md" => {
                    error_response(404, "file_not_found", "missing")
                }
                "GET" => json_response(
                    200,
                    file_json(&format!("/{rest}"), false, Some("from workspace")),
                ),
                "POST" => json_response(201, file_json(&format!("/{rest}"), false, Some("x"))),
                _ => error_response(400, "bad", "bad"),
            };
        }
        error_response(404, "not_found", "nope")
    }
}

#[tokio::test]
async fn falls_back_to_workspace_routes_once_per_session() {
    for status in [404u16, 405] {
        let server = TestServer::start(workspace_only(status, true)).await;
        let fs = server.client().filesystem();
        let f = fs.read(SID, "/workspace/comparison.md").await.unwrap();
        assert_eq!(f.content.as_deref(), Some("from workspace"));
        let paths: Vec<String> = server
            .requests()
            .iter()
            .map(|r| format!("{} {}", r.method, r.path))
            .collect();
        assert_eq!(
            paths,
            vec![
                format!("GET /api/v1/sessions/{SID}/fs/workspace/comparison.md"),
                format!("GET /api/v1/sessions/{SID}/fs"),
                format!("GET /api/v1/sessions/{SID}"),
                format!("GET /api/v1/workspaces/{WSP}/fs/workspace/comparison.md"),
            ],
            "{status}"
        );
        // Decision cached: later calls go straight to the workspace routes.
        let before = server.request_count();
        fs.list(SID, "/").await.unwrap();
        fs.create(SID, "/workspace/input.csv", "a,b").await.unwrap();
        let e = fs.read(SID, "/workspace/missing.md").await.unwrap_err();
        assert!(matches!(e, Error::NotFound { .. }), "{e:?}");
        let later: Vec<String> = server.requests()[before..]
            .iter()
            .map(|r| r.path.clone())
            .collect();
        assert!(
            later
                .iter()
                .all(|p| p.starts_with(&format!("/api/v1/workspaces/{WSP}/fs"))),
            "{later:?}"
        );
        // Shared by clones of the client.
        let before = server.request_count();
        let again = server.client();
        again.filesystem().list(SID, "/").await.unwrap();
        assert!(
            server.requests()[before]
                .path
                .starts_with("/api/v1/sessions/"),
            "a new client decides again"
        );
    }
}

#[tokio::test]
async fn root_listing_probe_skips_the_second_probe() {
    let server = TestServer::start(workspace_only(404, true)).await;
    let listing = server
        .client()
        .filesystem()
        .list(SID, "/workspace")
        .await
        .unwrap();
    assert_eq!(listing.entries.len(), 1);
    assert_eq!(server.request_count(), 4);
    let server = TestServer::start(workspace_only(404, true)).await;
    server.client().filesystem().list(SID, "").await.unwrap();
    let paths: Vec<String> = server.requests().iter().map(|r| r.path.clone()).collect();
    assert_eq!(
        paths,
        vec![
            format!("/api/v1/sessions/{SID}/fs"),
            format!("/api/v1/sessions/{SID}"),
            format!("/api/v1/workspaces/{WSP}/fs"),
        ]
    );
}

#[tokio::test]
async fn missing_file_on_session_routes_is_not_a_fallback() {
    // Session routes exist (root listing answers 200); a missing file stays a 404.
    let server = TestServer::start(|r, _| {
        if r.path == format!("/api/v1/sessions/{SID}/fs") {
            json_response(200, json!({"data":[]}))
        } else {
            error_response(404, "file_not_found", "no such file")
        }
    })
    .await;
    let fs = server.client().filesystem();
    let e = fs.read(SID, "/nope.md").await.unwrap_err();
    assert!(matches!(e, Error::NotFound { .. }));
    assert_eq!(e.code(), "file_not_found");
    assert_eq!(
        server.request_count(),
        2,
        "original + root probe, no session lookup"
    );
    fs.read(SID, "/nope2.md").await.unwrap_err();
    assert_eq!(server.request_count(), 3, "decision cached");
}

#[tokio::test]
async fn no_workspace_id_keeps_the_original_error() {
    let server = TestServer::start(workspace_only(404, false)).await;
    let e = server
        .client()
        .filesystem()
        .read(SID, "/a.md")
        .await
        .unwrap_err();
    assert!(matches!(e, Error::NotFound { .. }));
    assert_eq!(e.code(), "route_not_found");
    // Unknown session: the session lookup fails too; the original error is returned.
    let server =
        TestServer::start(|_, _| error_response(404, "session_not_found", "no session")).await;
    let e = server
        .client()
        .filesystem()
        .list(SID, "/")
        .await
        .unwrap_err();
    assert_eq!(e.code(), "session_not_found");
}
