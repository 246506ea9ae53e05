//! `web_fetch` against a real local HTTP server: allow-listed fetches and refused addresses.

mod common;

use std::sync::Arc;
use std::time::Duration;

use common::http::{serve, Response, Server};
use common::*;
use everruns_core::{InputMessage, NetworkAccess, ToolCompletedData};
use everruns_runtime::runtime_config::WebFetchConfig;
use everruns_runtime::*;
use serde_json::{json, Value};

async fn site() -> Server {
    serve(|req, _| match req.path.as_str() {
        "/page.html" => Response::new(
            200,
            "text/html; charset=utf-8",
            "<html><head><title>T</title><script>steal()</script><style>p{}</style></head>\
             <body><h1>Welcome</h1><p>Hello <b>world</b>.</p><ul><li>one</li><li>two</li></ul></body></html>",
        )
        .header("Last-Modified", "Wed, 01 Jan 2025 00:00:00 GMT"),
        "/data.json" => Response::new(200, "application/json", r#"{"k": [1, 2]}"#),
        "/image.png" => Response::new(200, "image/png", vec![0x89, b'P', b'N', b'G', 0, 0, 1])
            .header("Content-Disposition", "attachment; filename=\"pic.png\""),
        "/redirect" => Response::new(302, "text/plain", "").header("Location", "/page.html"),
        "/big" => Response::new(200, "text/plain", "x".repeat(5000)),
        "/slow" => Response {
            status: 200,
            headers: vec![("Content-Type".into(), "text/plain".into())],
            chunks: vec![b"partial body".to_vec()],
            stall: true,
        },
        _ => Response::new(404, "text/plain", "not here"),
    })
    .await
}

async fn fetch_turn(
    config: RuntimeConfig,
    network: Option<NetworkAccess>,
    calls_list: Vec<(&str, Value)>,
) -> Vec<ToolCompletedData> {
    let rt = InProcessRuntimeBuilder::new()
        .runtime_config(config)
        .llm_sim(everruns_runtime::llmsim_driver::LlmSimConfig::fixed("x"))
        .build()
        .await
        .unwrap();
    let mut h = HarnessBuilder::new("h", "p").capability("web_fetch");
    if let Some(n) = network {
        h = h.network_access(n);
    }
    let h = h.build();
    let s = SessionBuilder::new(&h.id).build();
    let sid = rt.create_session(h, None, s).await.unwrap();
    let ids: Vec<String> = (0..calls_list.len()).map(|i| format!("f{i}")).collect();
    let batch: Vec<(&str, &str, Value)> = calls_list
        .iter()
        .zip(&ids)
        .map(|((_, args), id)| (id.as_str(), "web_fetch", args.clone()))
        .collect();
    rt.set_llmsim_script(&sid, script(vec![calls(&batch), text("done")]))
        .await
        .unwrap();
    let r = rt
        .run_turn(&sid, InputMessage::user("fetch"))
        .await
        .unwrap();
    assert!(r.success);
    let mut done = tool_completions(&rt.session_events(&sid).await.unwrap());
    done.sort_by(|a, b| a.tool_call_id.cmp(&b.tool_call_id));
    done
}

/// Allows `127.0.0.1` on these ports (allow-list entries name host and port).
fn allow_loopback(ports: &[u16]) -> RuntimeConfig {
    RuntimeConfig {
        web_fetch: WebFetchConfig {
            allow_private_hosts: ports.iter().map(|p| format!("127.0.0.1:{p}")).collect(),
            max_body_bytes: 1000,
            body_timeout: Duration::from_millis(800),
            ..Default::default()
        },
        ..Default::default()
    }
}

#[tokio::test]
async fn fetches_from_an_allow_listed_local_server() {
    let s = site().await;
    let done = fetch_turn(
        allow_loopback(&[s.addr.port()]),
        None,
        vec![
            ("page", json!({"url": s.url("/page.html")})),
            ("json", json!({"url": s.url("/data.json")})),
            ("bin", json!({"url": s.url("/image.png")})),
            (
                "redirect",
                json!({"url": s.url("/redirect"), "as_text": true}),
            ),
            ("big", json!({"url": s.url("/big")})),
            (
                "head",
                json!({"url": s.url("/page.html"), "method": "HEAD"}),
            ),
            ("slow", json!({"url": s.url("/slow")})),
            ("missing", json!({"url": s.url("/nope")})),
            ("scheme", json!({"url": "file:///etc/passwd"})),
        ],
    )
    .await;
    let get = |i: usize| -> Value {
        assert!(done[i].success, "f{i}: {:?}", done[i].error);
        result_json(&done[i])
    };
    let page = get(0);
    assert_eq!(page["status_code"], 200);
    assert_eq!(page["format"], "markdown");
    let md = page["content"].as_str().unwrap();
    assert!(md.contains("# Welcome"), "{md}");
    assert!(md.contains("Hello **world**."), "{md}");
    assert!(!md.contains("steal"), "{md}");
    assert_eq!(page["last_modified"], "Wed, 01 Jan 2025 00:00:00 GMT");
    let j = get(1);
    assert_eq!(j["format"], "raw");
    assert_eq!(j["content"], r#"{"k": [1, 2]}"#);
    let bin = get(2);
    assert!(bin.get("content").is_none());
    assert_eq!(bin["filename"], "pic.png");
    assert_eq!(bin["size"], 7);
    let redirect = get(3);
    assert_eq!(redirect["final_url"], s.url("/page.html"));
    assert_eq!(redirect["format"], "text");
    assert!(!redirect["content"].as_str().unwrap().contains('#'));
    let big = get(4);
    assert_eq!(big["truncated"], true);
    assert!(big["content"]
        .as_str()
        .unwrap()
        .starts_with(&"x".repeat(1000)));
    let head = get(5);
    assert!(head.get("content").is_none());
    let slow = get(6);
    assert_eq!(slow["truncated"], true);
    let c = slow["content"].as_str().unwrap();
    assert!(
        c.starts_with("partial body") && c.contains("timed out"),
        "{c}"
    );
    assert_eq!(get(7)["status_code"], 404);
    assert!(done[8]
        .error
        .as_deref()
        .unwrap()
        .contains("only http and https"));
    assert!(s.requests().iter().any(|r| r.method == "HEAD"));
}

#[tokio::test]
async fn refuses_unlisted_loopback_and_private_addresses() {
    let s = site().await;
    let port = s.addr.port();
    let done = fetch_turn(
        RuntimeConfig::default(),
        None,
        vec![
            ("ip", json!({"url": s.url("/page.html")})),
            (
                "name",
                json!({"url": format!("http://localhost:{port}/page.html")}),
            ),
            ("v6", json!({"url": format!("http://[::1]:{port}/")})),
            (
                "meta",
                json!({"url": "http://169.254.169.254/latest/meta-data/"}),
            ),
            ("lan", json!({"url": "http://10.0.0.1/"})),
            (
                "mapped",
                json!({"url": format!("http://[::ffff:127.0.0.1]:{port}/")}),
            ),
            (
                "translated",
                json!({"url": format!("http://[::ffff:0:7f00:1]:{port}/")}),
            ),
            (
                "sixtofour",
                json!({"url": format!("http://[2002:7f00:1::]:{port}/")}),
            ),
            (
                "nat64",
                json!({"url": format!("http://[64:ff9b::7f00:1]:{port}/")}),
            ),
            (
                "compatible",
                json!({"url": format!("http://[::7f00:1]:{port}/")}),
            ),
            (
                "teredo",
                json!({"url": format!("http://[2001:0:7f00:1::]:{port}/")}),
            ),
        ],
    )
    .await;
    assert_eq!(done.len(), 11);
    for d in &done {
        assert!(!d.success, "{}: must be refused", d.tool_call_id);
        let e = d.error.as_deref().unwrap();
        assert!(e.contains("non-public address"), "{e}");
    }
    assert!(s.requests().is_empty(), "no request reached the server");

    // an allow-list entry names host and port: another port of the same host stays refused
    let done = fetch_turn(
        allow_loopback(&[port.wrapping_add(1)]),
        None,
        vec![("otherport", json!({"url": s.url("/page.html")}))],
    )
    .await;
    assert!(
        done[0]
            .error
            .as_deref()
            .unwrap()
            .contains("non-public address"),
        "{:?}",
        done[0].error
    );
    assert!(s.requests().is_empty());
}

#[tokio::test]
async fn every_redirect_hop_is_checked_and_network_policy_applies() {
    let s = site().await;
    let port = s.addr.port();
    // only 127.0.0.1 is allow-listed; a redirect to `localhost` (same address, other name) is
    // refused because the name is not on the list
    let evil = serve(move |_, _| {
        Response::new(302, "text/plain", "")
            .header("Location", &format!("http://localhost:{port}/page.html"))
    })
    .await;
    let done = fetch_turn(
        allow_loopback(&[evil.addr.port(), port]),
        None,
        vec![("hop", json!({"url": evil.url("/")}))],
    )
    .await;
    assert!(
        done[0].error.as_deref().unwrap().contains("localhost"),
        "{:?}",
        done[0].error
    );
    assert!(s.requests().is_empty());

    // the session's block list wins over the allow list of the runtime
    let done = fetch_turn(
        allow_loopback(&[port]),
        Some(NetworkAccess {
            allowed: vec![],
            blocked: vec!["127.0.0.1".into()],
        }),
        vec![("blocked", json!({"url": s.url("/page.html")}))],
    )
    .await;
    assert!(done[0].error.as_deref().unwrap().contains("network policy"));
    // an allow list that does not name the host refuses it too
    let done = fetch_turn(
        allow_loopback(&[port]),
        Some(NetworkAccess {
            allowed: vec!["*.example.com".into()],
            blocked: vec![],
        }),
        vec![("notallowed", json!({"url": s.url("/page.html")}))],
    )
    .await;
    assert!(done[0].error.as_deref().unwrap().contains("network policy"));
    let _ = Arc::new(());
}
