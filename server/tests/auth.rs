//! Authentication on (API keys) and off (`--dev`).

mod common;

use common::{assert_error, bin, db_url, Opts, Server};
use serde_json::json;

fn keys(dir: &std::path::Path, args: &[&str]) -> std::process::Output {
    let url = db_url(dir);
    let mut all = vec!["--database-url", url.as_str(), "keys"];
    all.extend_from_slice(args);
    std::process::Command::new(bin())
        .args(all)
        .output()
        .expect("run keys")
}

#[tokio::test]
async fn api_keys_required_without_dev() {
    let mut s = Server::start(Opts::default());
    let out = keys(&s.dir, &["create", "--name", "ci"]);
    assert!(out.status.success(), "{out:?}");
    let key = String::from_utf8(out.stdout).unwrap().trim().to_string();
    assert!(key.starts_with("evr_") && key.len() > 20, "{key}");
    // the key is stored hashed only
    let hay = common::stored_bytes(&s.dir);
    assert!(
        !hay.windows(key.len()).any(|w| w == key.as_bytes()),
        "raw key must not be stored"
    );

    // no token / bad token → 401 hybrid
    s.token = None;
    let (st, b) = s.get("/agents").await;
    assert_error(st, &b, 401, "unauthorized");
    s.token = Some("evr_wrong".into());
    let (st, b) = s.get("/agents").await;
    assert_error(st, &b, 401, "invalid_api_key");
    // health and docs need no key
    let r = s
        .http
        .get(format!("{}/health", s.origin))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    // three accepted forms
    for form in [
        key.clone(),
        format!("Bearer {key}"),
        format!("ApiKey {key}"),
    ] {
        s.token = Some(form.clone());
        let (st, b) = s.get("/agents").await;
        assert_eq!(st, 200, "{form}: {b}");
    }
    s.token = Some(key.clone());
    let (st, _) = s
        .post("/agents", json!({"name": "a", "system_prompt": "p"}))
        .await;
    assert_eq!(st, 201);
    // revoke → 401
    let list = String::from_utf8(keys(&s.dir, &["list"]).stdout).unwrap();
    let id = list.split('\t').next().unwrap().to_string();
    assert!(keys(&s.dir, &["revoke", &id]).status.success());
    let (st, b) = s.get("/agents").await;
    assert_error(st, &b, 401, "invalid_api_key");
    // without --dev llmsim is not the default model
    s.token = None;
}

#[tokio::test]
async fn dev_mode_accepts_any_token() {
    let mut s = Server::start(Opts::dev());
    for t in [
        None,
        Some("dev".to_string()),
        Some("Bearer anything".to_string()),
    ] {
        s.token = t.clone();
        let (st, _) = s.get("/agents").await;
        assert_eq!(st, 200, "{t:?}");
    }
}

#[tokio::test]
async fn revoking_a_key_closes_its_streams_and_use_is_recorded() {
    let mut s = Server::start(Opts::default());
    let out = keys(&s.dir, &["create", "--name", "stream"]);
    assert!(out.status.success(), "{out:?}");
    let key = String::from_utf8(out.stdout).unwrap().trim().to_string();
    let listed = String::from_utf8(keys(&s.dir, &["list"]).stdout).unwrap();
    let id = listed.split('\t').next().unwrap().trim().to_string();
    s.token = Some(key);
    let sid = s.session().await;
    let mut c = s.sse(&sid, "").await;
    assert_eq!(c.next().await.unwrap().event.as_deref(), Some("connected"));

    let store = everruns_server::store::Store::open(&db_url(&s.dir))
        .await
        .unwrap();
    let used = store.api_key_last_used(&id).await.unwrap();
    assert!(used.is_some(), "last_used_at is set on use");

    let out = keys(&s.dir, &["revoke", &id]);
    assert!(out.status.success(), "{out:?}");
    let revoked_at = std::time::Instant::now();
    let closed = tokio::time::timeout(std::time::Duration::from_secs(10), async {
        let mut last = None;
        while let Some(f) = c.next().await {
            last = Some(f);
        }
        last
    })
    .await
    .expect("the stream of a revoked key closes within seconds");
    let took = revoked_at.elapsed();
    let last = closed.expect("a disconnecting frame");
    assert_eq!(last.event.as_deref(), Some("disconnecting"));
    assert!(last.data.contains("key_revoked"), "{}", last.data);
    assert!(
        took < std::time::Duration::from_secs(5),
        "closed after {took:?}"
    );
    eprintln!("stream of the revoked key closed after {took:?}");
    let (st, b) = s.get("/agents").await;
    assert_error(st, &b, 401, "invalid_api_key");
}
