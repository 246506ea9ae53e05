//! Hostile or careless input (issue 21): every case answers a clear 4xx (or succeeds) and
//! never a 5xx or a dropped connection.

mod common;

use common::{assert_error, Opts, Server};
use serde_json::json;

#[tokio::test]
async fn huge_paging_values_answer_400_on_every_paged_route() {
    let s = Server::start(Opts::dev());
    s.session().await;
    for route in ["/agents", "/sessions", "/capabilities"] {
        for q in [
            "offset=18446744073709551615",
            "offset=9223372036854775808",
            "offset=18446744073709551616",
            "offset=-1",
            "limit=18446744073709551615",
        ] {
            let (st, b) = s.get(&format!("{route}?{q}")).await;
            assert_error(st, &b, 400, "invalid_query");
        }
        // the largest accepted offset pages past the end without overflow
        let (st, b) = s
            .get(&format!("{route}?offset=9223372036854775807&limit=100"))
            .await;
        assert_eq!(st, 200, "{route}: {b}");
        assert_eq!(b["data"].as_array().map(Vec::len), Some(0), "{b}");
        assert!(b["next_url"].is_null(), "{b}");
        assert!(b["prev_url"].is_string(), "{b}");
    }
}

#[tokio::test]
async fn concurrent_creates_and_puts_of_one_name_never_answer_500() {
    let s = std::sync::Arc::new(Server::start(Opts::dev()));
    for (round, put) in (0..12).map(|r| (r, r % 2 == 1)) {
        let name = format!("race-{round}-{}", common::rand_suffix());
        let mut tasks = Vec::new();
        for i in 0..50 {
            let (s, name) = (s.clone(), name.clone());
            tasks.push(tokio::spawn(async move {
                let body = json!({"name": name, "system_prompt": format!("p{i}")});
                if put {
                    s.put(&format!("/agents/{name}"), body).await
                } else {
                    s.post("/agents", body).await
                }
            }));
        }
        let mut statuses = Vec::new();
        let mut ids = std::collections::HashSet::new();
        for t in tasks {
            let (st, b) = t.await.unwrap();
            assert!(st == 200 || st == 201, "put={put}: {st} {b}");
            ids.insert(b["id"].as_str().unwrap().to_string());
            statuses.push(st);
        }
        assert_eq!(
            statuses.iter().filter(|s| **s == 201).count(),
            1,
            "{statuses:?}"
        );
        assert_eq!(ids.len(), 1, "one agent: {ids:?}");
    }
}

#[tokio::test]
async fn control_characters_in_names_are_refused_and_downloads_encode_names() {
    let s = Server::start(Opts::dev());
    let sid = s.session().await;
    for enc in ["a%0Ab.txt", "a%01b.txt", "a%7Fb.txt", "dir%0D/x.txt"] {
        let (st, b) = s
            .post(
                &format!("/sessions/{sid}/fs/{enc}"),
                json!({"content": "x"}),
            )
            .await;
        assert_error(st, &b, 400, "invalid_path");
        let (st, b) = s
            .post(
                &format!("/sessions/{sid}/fs/_/copy"),
                json!({"src_path": "/nope.txt", "dst_path": format!("/{}", enc.replace("%0A", "\n").replace("%01", "\u{1}").replace("%7F", "\u{7f}").replace("%0D", "\r"))}),
            )
            .await;
        assert_error(st, &b, 400, "invalid_path");
    }
    let (st, b) = s.get(&format!("/sessions/{sid}/fs?recursive=true")).await;
    assert_eq!(st, 200, "{b}");
    assert_eq!(
        b["data"].as_array().unwrap().len(),
        0,
        "nothing was created: {b}"
    );

    // a non-ASCII name with quotes and a percent sign downloads with RFC 6266/5987 names
    let (st, b) = s
        .post(
            &format!("/sessions/{sid}/fs/r%C3%A9sum%C3%A9%20%22q%22%25.txt"),
            json!({"content": "hello"}),
        )
        .await;
    assert_eq!(st, 201, "{b}");
    let r = s
        .raw(
            reqwest::Method::GET,
            &format!("/sessions/{sid}/fs/_/download/r%C3%A9sum%C3%A9%20%22q%22%25.txt"),
        )
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    let cd = r.headers()["content-disposition"]
        .to_str()
        .unwrap()
        .to_string();
    assert_eq!(
        cd,
        "attachment; filename=\"r_sum_ _q__.txt\"; filename*=UTF-8''r%C3%A9sum%C3%A9%20%22q%22%25.txt"
    );
    assert_eq!(r.text().await.unwrap(), "hello");
}

#[tokio::test]
async fn deep_yaml_imports_answer_400_at_once_and_do_not_stall_the_server() {
    let s = std::sync::Arc::new(Server::start(Opts::dev()));
    let deep = |n: usize| format!("{}{}", "[".repeat(n), "]".repeat(n));
    let mut tasks = Vec::new();
    for body in [
        format!("---\nname: deep\ntags: {}\n---\nYou help.", deep(100_000)),
        format!("name: deep\nsystem_prompt: p\ntags: {}\n", deep(40_000)),
    ] {
        let s = s.clone();
        tasks.push(tokio::spawn(async move {
            let t = std::time::Instant::now();
            let (st, b) = common::send(
                s.raw(reqwest::Method::POST, "/agents/import")
                    .header("content-type", "text/markdown")
                    .body(body),
            )
            .await;
            (st, b, t.elapsed())
        }));
    }
    // the server keeps answering while the imports are handled
    let t = std::time::Instant::now();
    let r = s
        .http
        .get(format!("{}/health", s.origin))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    let health = t.elapsed();
    for t in tasks {
        let (st, b, took) = t.await.unwrap();
        assert_error(st, &b, 400, "invalid_agent_file");
        assert!(
            b["error"]["message"]
                .as_str()
                .unwrap()
                .contains("levels deep"),
            "{b}"
        );
        assert!(
            took < std::time::Duration::from_secs(3),
            "import took {took:?}"
        );
    }
    assert!(
        health < std::time::Duration::from_secs(2),
        "/health took {health:?}"
    );
}

#[tokio::test]
async fn long_or_deep_paths_answer_400_and_the_quota_counts_entries_and_paths() {
    use everruns_runtime::FileEntryBackend;
    let mut s = Server::start(Opts::dev());
    let sid = s.session().await;
    s.post(
        &format!("/sessions/{sid}/fs/src.txt"),
        json!({"content": "x"}),
    )
    .await;
    // the issue's reproducer: a 30 KB destination with 10,000 segments
    let deep: String = (0..10_000)
        .map(|i| format!("/{}", i % 10))
        .collect::<String>()
        + "/f.txt";
    let long = format!("/{}.txt", "n".repeat(1100));
    let depth33: String = (0..33).map(|_| "/d").collect::<String>() + "/f.txt";
    for dst in [&deep, &long, &depth33] {
        let (st, b) = s
            .post(
                &format!("/sessions/{sid}/fs/_/copy"),
                json!({"src_path": "/src.txt", "dst_path": dst}),
            )
            .await;
        assert_error(st, &b, 400, "invalid_path");
        let (st, b) = s
            .post(&format!("/sessions/{sid}/fs{dst}"), json!({"content": "x"}))
            .await;
        assert_error(st, &b, 400, "invalid_path");
    }
    let ok32: String = (0..31).map(|_| "/d").collect::<String>() + "/f.txt";
    let (st, b) = s
        .post(
            &format!("/sessions/{sid}/fs{ok32}"),
            json!({"content": "x"}),
        )
        .await;
    assert_eq!(st, 201, "{b}");
    let (st, b) = s
        .delete(&format!("/sessions/{sid}/fs/d?recursive=true"))
        .await;
    assert_eq!(st, 200, "{b}");

    s.post(
        &format!("/sessions/{sid}/fs/a/b/c/d.txt"),
        json!({"content": "hello"}),
    )
    .await;
    s.kill9();
    let store = everruns_server::store::Store::open(&common::db_url(&s.dir))
        .await
        .unwrap();
    let overhead = everruns_server::store::ENTRY_OVERHEAD_BYTES;
    // /src.txt (1 byte) + /a, /a/b, /a/b/c, /a/b/c/d.txt (5 bytes)
    let paths = "/src.txt/a/a/b/a/b/c/a/b/c/d.txt".len() as u64;
    assert_eq!(
        store.total_bytes(&sid).await.unwrap(),
        1 + 5 + paths + 5 * overhead
    );
}

#[tokio::test]
async fn forwarded_headers_are_trusted_only_when_configured() {
    async fn self_url(s: &Server) -> (String, String) {
        let (st, b) = s
            .post("/agents", json!({"name": "fwd", "system_prompt": "p"}))
            .await;
        assert!(st == 201 || st == 200, "{b}");
        s.post("/agents", json!({"name": "fwd-two", "system_prompt": "p"}))
            .await;
        let r = s
            .raw(reqwest::Method::GET, "/agents?limit=1")
            .header("x-forwarded-host", "evil.example")
            .header("x-forwarded-proto", "https")
            .send()
            .await
            .unwrap();
        let b: serde_json::Value = r.json().await.unwrap();
        (
            b["data"][0]["self_url"].as_str().unwrap().to_string(),
            b["next_url"].as_str().unwrap().to_string(),
        )
    }
    let s = Server::start(Opts::dev());
    let (url, next) = self_url(&s).await;
    assert!(
        url.starts_with(&format!("{}/api/v1/agents/agent_", s.origin)),
        "{url}"
    );
    assert!(
        next.starts_with(&format!("{}/api/v1/agents?", s.origin)),
        "{next}"
    );
    drop(s);

    let mut opts = Opts::dev();
    opts.args = vec!["--trust-forwarded-headers".into()];
    let s = Server::start(opts);
    let (url, next) = self_url(&s).await;
    assert!(
        url.starts_with("https://evil.example/api/v1/agents/agent_"),
        "{url}"
    );
    assert!(
        next.starts_with("https://evil.example/api/v1/agents?"),
        "{next}"
    );
    drop(s);

    let mut opts = Opts::dev();
    opts.args = vec![
        "--trust-forwarded-headers".into(),
        "--public-url".into(),
        "https://api.example.com/".into(),
    ];
    let s = Server::start(opts);
    let (url, _) = self_url(&s).await;
    assert!(
        url.starts_with("https://api.example.com/api/v1/agents/agent_"),
        "{url}"
    );
}

/// Found by `make test-fuzz`: a PUT by name whose body carries another agent's id used to
/// rename the path's agent onto that agent's name (a UNIQUE violation, 500).
#[tokio::test]
async fn put_by_name_with_another_agents_id_or_name_answers_4xx() {
    let s = Server::start(Opts::dev());
    let sfx = common::rand_suffix();
    let (a, b) = (format!("fa-{sfx}"), format!("fb-{sfx}"));
    let (_, ra) = s
        .post("/agents", json!({"name": a, "system_prompt": "p"}))
        .await;
    let (_, rb) = s
        .post("/agents", json!({"name": b, "system_prompt": "p"}))
        .await;
    let b_id = rb["id"].as_str().unwrap();
    let (st, body) = s
        .put(
            &format!("/agents/{a}"),
            json!({"id": b_id, "name": b, "system_prompt": "p"}),
        )
        .await;
    assert_error(st, &body, 400, "invalid_input");
    assert!(
        body["error"]["message"].as_str().unwrap().contains(b_id),
        "{body}"
    );
    let (st, body) = s
        .put(
            &format!("/agents/{a}"),
            json!({"name": b, "system_prompt": "p"}),
        )
        .await;
    assert_error(st, &body, 409, "name_conflict");
    // nothing changed
    let (_, got) = s.get(&format!("/agents/{a}")).await;
    assert_eq!(got["id"], ra["id"]);
    let (_, got) = s.get(&format!("/agents/{b}")).await;
    assert_eq!(got["id"], rb["id"]);
}

#[tokio::test]
async fn unknown_llmsim_values_answer_400_naming_the_known_ones() {
    let s = Server::start(Opts::dev());
    let sid = s.session().await;
    let (st, body) = s
        .put(
            &format!("/sessions/{sid}/llmsim"),
            json!({"steps": [{"error": "AAA"}]}),
        )
        .await;
    assert_error(st, &body, 400, "invalid_input");
    let msg = body["error"]["message"].as_str().unwrap();
    assert!(
        msg.contains("\"AAA\"") && msg.contains("rate_limit"),
        "{msg}"
    );
}

/// A client that opens a stream of large events and then reads nothing loses its connection
/// after the write-stall limit (before: held open, with its buffers, for the whole cycle).
#[tokio::test]
async fn an_sse_client_that_stops_reading_is_disconnected() {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let s = Server::start(Opts {
        args: vec!["--write-stall-secs".into(), "1".into()],
        ..Opts::dev()
    });
    let sid = s.session().await;
    let big = "x".repeat(6 * 1024 * 1024);
    let (st, b) = s
        .post(
            &format!("/sessions/{sid}/messages"),
            json!({"message": {"role": "user", "content": [{"type": "text", "text": big}]}}),
        )
        .await;
    assert_eq!(st, 201, "{b}");
    let addr = s.origin.trim_start_matches("http://").parse().unwrap();
    let socket = tokio::net::TcpSocket::new_v4().unwrap();
    socket.set_recv_buffer_size(4096).unwrap();
    let mut tcp = socket.connect(addr).await.unwrap();
    let req = format!(
        "GET /api/v1/sessions/{sid}/sse HTTP/1.1\r\nHost: {addr}\r\nAuthorization: dev\r\nAccept: text/event-stream\r\n\r\n"
    );
    tcp.write_all(req.as_bytes()).await.unwrap();
    // read nothing while the server fills its buffers and stalls
    tokio::time::sleep(std::time::Duration::from_secs(4)).await;
    // now drain: the server must have closed the connection (EOF or reset)
    let mut buf = vec![0u8; 256 * 1024];
    let mut total = 0usize;
    let closed = tokio::time::timeout(std::time::Duration::from_secs(20), async {
        loop {
            match tcp.read(&mut buf).await {
                Ok(0) | Err(_) => return,
                Ok(n) => total += n,
            }
        }
    })
    .await;
    assert!(closed.is_ok(), "connection still open after {total} bytes");
    // it gave up on this peer before the 6 MB event was through
    assert!(total < 6 * 1024 * 1024, "{total}");
    // and it still serves others
    let (st, _) = s.get(&format!("/sessions/{sid}")).await;
    assert_eq!(st, 200);
}
