//! The event log grows with the conversation, not with its square (issue 21 item 4): each
//! `llm.generation` stores only what its call added, and an events list without `limit` is
//! one bounded page that the SDK follows to the end.

mod common;

use common::{Opts, Server};
use everruns_sdk::Everruns;
use serde_json::{json, Value};

fn size(e: &Value) -> usize {
    e.to_string().len()
}

#[tokio::test]
async fn generations_store_what_each_call_added() {
    let s = Server::start(Opts::dev());
    let sid = s.session().await;
    let big = |c: char| c.to_string().repeat(1024 * 1024);
    for (i, c) in ['a', 'b', 'c'].into_iter().enumerate() {
        s.say(&sid, &big(c)).await;
        s.wait_terminals(&sid, i + 1).await;
    }
    let ev = s.events(&sid).await;
    let gens: Vec<&Value> = ev
        .iter()
        .filter(|e| e["type"] == "llm.generation")
        .collect();
    assert_eq!(gens.len(), 3);
    // before: the third call stored all three messages (3 MB); now each stores ~1 MB
    for (i, g) in gens.iter().enumerate() {
        assert!(
            size(g) < 1024 * 1024 + 64 * 1024,
            "generation {i}: {} bytes",
            size(g)
        );
        assert_eq!(g["data"]["messages_total"], json!(2 + 2 * i as u64), "{i}");
    }
    assert_eq!(
        gens[0]["data"]["messages_omitted"],
        Value::Null,
        "the first is whole"
    );
    assert_eq!(gens[2]["data"]["messages_omitted"], 4);
    // what the model was sent is all there: the third call's new messages are the second
    // reply and the third question
    let third = gens[2]["data"]["messages"].as_array().unwrap();
    assert_eq!(third.len(), 2);
    assert!(third[1].to_string().contains(&"c".repeat(1000)));
    // before: 1 + 2 + 3 MB of generations
    let generations: usize = gens.iter().map(|g| size(g)).sum();
    assert!(
        generations < 3 * 1024 * 1024 + 192 * 1024,
        "{generations} bytes"
    );
}

#[tokio::test]
async fn an_events_list_without_limit_is_one_bounded_page_the_sdk_follows() {
    let s = Server::start(Opts {
        args: vec!["--events-page-size".into(), "40".into()],
        ..Opts::dev()
    });
    let (st, a) = s
        .post(
            "/agents",
            json!({"name": format!("clock-{}", common::rand_suffix()), "system_prompt": "p",
                   "capabilities": ["current_time"]}),
        )
        .await;
    assert_eq!(st, 201, "{a}");
    let (_, sess) = s.post("/sessions", json!({"agent_id": a["id"]})).await;
    let sid = sess["id"].as_str().unwrap().to_string();
    let calls: Value = (0..30)
        .map(|i| json!({"id": format!("c{i}"), "name": "get_current_time", "arguments": {}}))
        .collect();
    s.script(
        &sid,
        json!({"steps": [{"tool_calls": calls}, {"text": "done"}]}),
    )
    .await;
    s.say(&sid, "what time is it?").await;
    s.wait_terminals(&sid, 1).await;

    let (st, page) = s.get(&format!("/sessions/{sid}/events")).await;
    assert_eq!(st, 200);
    assert_eq!(page["has_more"], true, "{}", page["has_more"]);
    let first = page["data"].as_array().unwrap().clone();
    assert_eq!(first.len(), 40, "one bounded page");
    assert_eq!(first[0]["sequence"], 1);
    let mut seen = first.len();
    let mut last = first[39]["sequence"].as_i64().unwrap();
    loop {
        let (_, p) = s
            .get(&format!("/sessions/{sid}/events?after_sequence={last}"))
            .await;
        let data = p["data"].as_array().unwrap();
        assert!(data.len() <= 40);
        seen += data.len();
        if p.get("has_more").is_none() {
            break;
        }
        last = data.last().unwrap()["sequence"].as_i64().unwrap();
    }
    assert!(seen > 60, "{seen} events");

    // the SDK's list follows the pages: every event once, in order
    let client = Everruns::new("dev", format!("{}/api", s.origin)).unwrap();
    let all = client
        .events()
        .list(&sid, Default::default())
        .await
        .unwrap();
    assert_eq!(all.len(), seen);
    for (i, e) in all.iter().enumerate() {
        assert_eq!(e.sequence, Some(i as i64 + 1));
    }
}
