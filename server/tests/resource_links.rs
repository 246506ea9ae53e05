//! Upstream's link and count fields (`self_url`, `view_url`, `ui_link`, `session_count`,
//! `app_count`) on agents, sessions, harnesses, models and capabilities, on the real server.

mod common;

use common::{Opts, Server};
use serde_json::Value;

fn links(v: &Value, api: &str, ui: &str, s: &Server) {
    assert_eq!(v["self_url"], format!("{}/api/v1/{api}", s.origin), "{v}");
    assert_eq!(v["view_url"], format!("{}/{ui}", s.origin), "{v}");
    assert_eq!(v["ui_link"], v["view_url"], "{v}");
}

#[tokio::test]
async fn every_resource_carries_its_links_and_counts() {
    let s = Server::start(Opts::dev());
    let sid = s.session().await;
    let (_, sess) = s.get(&format!("/sessions/{sid}")).await;
    links(
        &sess,
        &format!("sessions/{sid}"),
        &format!("sessions/{sid}"),
        &s,
    );
    let aid = sess["agent_id"].as_str().unwrap().to_string();
    let (_, agent) = s.get(&format!("/agents/{aid}")).await;
    links(
        &agent,
        &format!("agents/{aid}"),
        &format!("agents/{aid}"),
        &s,
    );
    assert_eq!(agent["session_count"], 1);
    assert_eq!(agent["app_count"], 0);
    let (_, page) = s.get("/agents").await;
    let listed = page["data"]
        .as_array()
        .unwrap()
        .iter()
        .find(|a| a["id"] == aid.as_str())
        .unwrap();
    links(
        listed,
        &format!("agents/{aid}"),
        &format!("agents/{aid}"),
        &s,
    );

    let hid = sess["harness_id"].as_str().unwrap().to_string();
    let (st, h) = s.get(&format!("/harnesses/{hid}")).await;
    assert_eq!(st, 200, "{h}");
    links(&h, &format!("harnesses/{hid}"), "agents", &s);
    assert!(h["session_count"].as_u64().unwrap() >= 1, "{h}");
    assert_eq!(h["app_count"], 0);
    let (_, hs) = s.get("/harnesses").await;
    for h in hs["data"].as_array().unwrap() {
        links(
            h,
            &format!("harnesses/{}", h["id"].as_str().unwrap()),
            "agents",
            &s,
        );
        assert!(h["session_count"].is_u64() && h["app_count"] == 0, "{h}");
    }

    let (_, ms) = s.get("/models").await;
    let models = ms["data"].as_array().unwrap();
    assert!(!models.is_empty());
    for m in models {
        let id = m["id"].as_str().unwrap();
        links(m, &format!("models/{id}"), "models", &s);
        let (_, one) = s.get(&format!("/models/{id}")).await;
        links(&one, &format!("models/{id}"), "models", &s);
    }

    let (_, cs) = s.get("/capabilities?limit=100").await;
    for c in cs["data"].as_array().unwrap() {
        links(
            c,
            &format!("capabilities/{}", c["id"].as_str().unwrap()),
            "agents",
            &s,
        );
    }
    let (_, c) = s.get("/capabilities/current_time").await;
    links(&c, "capabilities/current_time", "agents", &s);
}

#[tokio::test]
async fn the_schema_marks_the_links_required() {
    let s = Server::start(Opts::dev());
    let r = s
        .http
        .get(format!("{}/api/openapi.json", s.origin))
        .send()
        .await
        .unwrap();
    let doc: Value = r.json().await.unwrap();
    let schemas = &doc["components"]["schemas"];
    for (name, fields) in [
        (
            "Agent",
            &[
                "self_url",
                "view_url",
                "ui_link",
                "session_count",
                "app_count",
            ][..],
        ),
        ("Session", &["self_url", "view_url", "ui_link"][..]),
        (
            "Harness",
            &[
                "self_url",
                "view_url",
                "ui_link",
                "session_count",
                "app_count",
            ][..],
        ),
        ("Model", &["self_url", "view_url", "ui_link"][..]),
        ("CapabilityInfo", &["self_url", "view_url", "ui_link"][..]),
    ] {
        let required: Vec<&str> = schemas[name]["required"]
            .as_array()
            .unwrap_or_else(|| panic!("{name} has required fields"))
            .iter()
            .filter_map(Value::as_str)
            .collect();
        for f in fields {
            assert!(
                required.contains(f),
                "{name}.{f} is not required: {required:?}"
            );
        }
    }
}
