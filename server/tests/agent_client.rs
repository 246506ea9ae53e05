//! The core's `AgentClient` (what the Rust, Python and Node SDKs run) against the real server
//! over a real socket: every method, `run` following the turn it started exactly once, typed
//! `TurnFailed`, `for_end_user`, and the management client's `sessions().run`.

mod common;

use common::{Opts, Server};
use everruns_sdk::{AgentClient, Error, Everruns, StreamOptions};
use futures::StreamExt;
use serde_json::{json, Value};

/// An agent with a published api channel and a key with `end_user`: (agent URL, secret).
async fn setup(s: &Server) -> (String, String) {
    let (_, a) = s
        .post(
            "/agents",
            json!({"name": format!("shop-{}", common::rand_suffix()), "display_name": "Shop",
                   "system_prompt": "You help."}),
        )
        .await;
    let aid = a["id"].as_str().unwrap();
    let (_, c) = s
        .post(
            &format!("/agents/{aid}/channels"),
            json!({"channel_type": "api"}),
        )
        .await;
    let cid = c["id"].as_str().unwrap();
    s.post(&format!("/agents/{aid}/channels/{cid}/publish"), json!({}))
        .await;
    let (st, k) = s
        .post(
            &format!("/agents/{aid}/channels/{cid}/keys"),
            json!({"name": "app", "permissions": ["sessions", "end_user"]}),
        )
        .await;
    assert_eq!(st, 201, "{k}");
    (
        c["agent_url"].as_str().unwrap().to_string(),
        k["secret"].as_str().unwrap().to_string(),
    )
}

async fn script(s: &Server, sid: &str, steps: Value) {
    s.script(sid, json!({"steps": steps})).await;
}

#[tokio::test]
async fn every_method_against_the_server() {
    let s = Server::start(Opts::dev());
    let (url, key) = setup(&s).await;
    let agent = AgentClient::new(&url, &key).unwrap();
    assert_eq!(agent.agent_url(), url);

    let card = agent.card().await.unwrap();
    assert_eq!(card.name, "Shop");

    let session = agent
        .create_session(Some("orders"), Some("idem-1"))
        .await
        .unwrap();
    let again = agent
        .create_session(Some("orders"), Some("idem-1"))
        .await
        .unwrap();
    assert_eq!(session.id, again.id);
    assert_eq!(session.title.as_deref(), Some("orders"));
    let page = agent.list_sessions(Some(10), None).await.unwrap();
    assert_eq!(page.data.len(), 1);
    assert_eq!(agent.get_session(&session.id).await.unwrap().id, session.id);

    script(&s, &session.id, json!([{"text": "Hello there."}])).await;
    let m = agent
        .send_message(&session.id, "hi", Some("m-1"))
        .await
        .unwrap();
    let m2 = agent
        .send_message(&session.id, "hi", Some("m-1"))
        .await
        .unwrap();
    assert_eq!(m.id, m2.id);
    let mut stream = agent.stream_events(&session.id, StreamOptions::new().after_sequence(0));
    let mut types = Vec::new();
    while let Some(e) = stream.next().await {
        let e = e.unwrap();
        types.push(e.event_type.clone());
        if e.event_type == "turn.completed" {
            break;
        }
    }
    assert_eq!(
        types.first().map(String::as_str),
        Some("input.message"),
        "{types:?}"
    );
    let events = agent
        .list_events(&session.id, None, Some(500))
        .await
        .unwrap();
    assert!(events
        .iter()
        .any(|e| e.event_type == "output.message.completed"));
    let last = events.last().unwrap().sequence.unwrap();
    assert!(agent
        .list_events(&session.id, Some(last), None)
        .await
        .unwrap()
        .is_empty());

    // cancel a running turn
    script(
        &s,
        &session.id,
        json!([{"text": "slow", "delay_ms": 20000}]),
    )
    .await;
    agent
        .send_message(&session.id, "long one", None)
        .await
        .unwrap();
    let mut cancelled = false;
    for _ in 0..100 {
        match agent.cancel(&session.id).await {
            Ok(r) => {
                assert_eq!(r.status.as_str(), "cancelled");
                cancelled = true;
                break;
            }
            Err(e) if e.code() == "not_active" => {
                tokio::time::sleep(std::time::Duration::from_millis(50)).await
            }
            Err(e) => panic!("{e}"),
        }
    }
    assert!(cancelled);

    // end users and runtime tokens
    let err = agent.runtime_token().await.unwrap_err();
    assert!(
        matches!(err, Error::Validation { status: None, .. }),
        "{err}"
    );
    let alice = agent.for_end_user("alice").unwrap();
    assert!(alice
        .list_sessions(None, None)
        .await
        .unwrap()
        .data
        .is_empty());
    let token = alice.runtime_token().await.unwrap();
    assert_eq!(token.virtual_user_id, "alice");
    let browser = AgentClient::new(&url, &token.access_token).unwrap();
    let bs = browser.create_session(None, None).await.unwrap();
    assert_eq!(
        alice.list_sessions(None, None).await.unwrap().data[0].id,
        bs.id
    );
    assert!(agent.for_end_user("").is_err());

    // a wrong key is a typed authentication error; a bad URL a configuration error
    let bad = AgentClient::new(&url, "evr_ak_nope").unwrap();
    assert!(matches!(
        bad.card().await.unwrap_err(),
        Error::Authentication { .. }
    ));
    let err = AgentClient::new("http://localhost:9300/api/v1/sessions", &key).unwrap_err();
    assert!(matches!(err, Error::Config { .. }), "{err}");
    let err = AgentClient::builder().agent_url(&url).build().unwrap_err();
    assert!(err.to_string().contains("EVERRUNS_AGENT_KEY"), "{err}");
}

#[tokio::test]
async fn run_follows_the_right_turn_once() {
    let s = Server::start(Opts::dev());
    let (url, key) = setup(&s).await;
    let agent = AgentClient::new(&url, &key).unwrap();
    let session = agent.create_session(None, None).await.unwrap();
    script(
        &s,
        &session.id,
        json!([{"text": "first answer"}, {"text": "second answer"}, {"text": "third answer", "delay_ms": 400}]),
    )
    .await;
    assert_eq!(
        agent.run("one", Some(&session.id)).await.unwrap(),
        "first answer"
    );
    // a second run on the same session answers the second message, not the first
    assert_eq!(
        agent.run("two", Some(&session.id)).await.unwrap(),
        "second answer"
    );
    // a run sent while another turn still runs waits for its own turn
    script(
        &s,
        &session.id,
        json!([{"text": "slow earlier answer", "delay_ms": 800}, {"text": "my own answer"}]),
    )
    .await;
    agent
        .send_message(&session.id, "earlier", None)
        .await
        .unwrap();
    assert_eq!(
        agent.run("mine", Some(&session.id)).await.unwrap(),
        "my own answer"
    );

    // run without a session starts one (the server's default llmsim reply)
    let text = agent.run("hello", None).await.unwrap();
    assert!(!text.is_empty());
    assert_eq!(agent.list_sessions(None, None).await.unwrap().data.len(), 2);

    // a failed turn is a typed error with the event's (public) code
    let failing = agent.create_session(None, None).await.unwrap();
    s.script(
        &failing.id,
        json!({"steps": [{"error": "server_error"}], "on_exhausted": "error"}),
    )
    .await;
    let err = agent.run("boom", Some(&failing.id)).await.unwrap_err();
    match &err {
        Error::TurnFailed { code, turn_id, .. } => {
            assert_eq!(code, "internal_error");
            assert!(turn_id.is_some());
        }
        other => panic!("expected TurnFailed, got {other:?}"),
    }
    assert_eq!(err.kind(), "TurnFailed");
}

#[tokio::test]
async fn management_client_runs_a_session_in_one_call() {
    let s = Server::start(Opts::dev());
    let sid = s.session().await;
    s.script(
        &sid,
        json!({"steps": [{"text": "alpha"}, {"text": "beta"}]}),
    )
    .await;
    let client = Everruns::new("dev", format!("{}/api", s.origin)).unwrap();
    assert_eq!(client.sessions().run(&sid, "a").await.unwrap(), "alpha");
    assert_eq!(client.sessions().run(&sid, "b").await.unwrap(), "beta");
    s.script(
        &sid,
        json!({"steps": [{"error": "server_error"}], "on_exhausted": "error"}),
    )
    .await;
    let err = client.sessions().run(&sid, "c").await.unwrap_err();
    assert_eq!(err.kind(), "TurnFailed", "{err}");
}
