//! REST retry rules and error mapping against a real local server.

mod support;

use std::time::{Duration, Instant};

use everruns_core::client::{Error, Everruns, RequestOptions};
use everruns_core::types::*;
use serde_json::json;
use support::*;

fn ok_models() -> axum::response::Response {
    json_response(200, json!({"data":[model_json(MID)]}))
}

/// Fails the first `n` requests with `fail`, then answers `ok`.
fn fail_first(
    n: usize,
    fail: impl Fn() -> axum::response::Response + Send + Sync + 'static,
    ok: impl Fn(&Recorded) -> axum::response::Response + Send + Sync + 'static,
) -> impl Fn(&Recorded, usize) -> axum::response::Response + Send + Sync + 'static {
    move |r, i| if i < n { fail() } else { ok(r) }
}

#[tokio::test]
async fn idempotent_get_retries_5xx_and_sends_retry_count() {
    let server = TestServer::start(fail_first(
        2,
        || error_response(503, "unavailable", "busy"),
        |_| ok_models(),
    ))
    .await;
    let models = server.client().models().list().await.unwrap();
    assert_eq!(models.len(), 1);
    let reqs = server.requests();
    assert_eq!(reqs.len(), 3);
    assert_eq!(reqs[0].header("x-retry-count"), None);
    assert_eq!(reqs[1].header("x-retry-count"), Some("1"));
    assert_eq!(reqs[2].header("x-retry-count"), Some("2"));
    assert!(reqs
        .iter()
        .all(|r| r.header("authorization") == Some(TOKEN)));
}

#[tokio::test]
async fn retryable_statuses_for_every_idempotent_method() {
    for status in [408u16, 409, 429, 500, 502, 504] {
        let server = TestServer::start(fail_first(
            1,
            move || error_response(status, "x", "y"),
            |r| {
                if r.method == "DELETE" {
                    empty(204)
                } else {
                    json_response(200, session_json(SID))
                }
            },
        ))
        .await;
        let c = server.client();
        c.sessions().get(SID).await.unwrap();
        assert_eq!(server.request_count(), 2, "GET {status}");
    }
    let server = TestServer::start(move |r, i| {
        if i % 2 == 0 {
            error_response(500, "x", "y")
        } else if r.method == "DELETE" {
            empty(204)
        } else {
            json_response(200, session_json(SID))
        }
    })
    .await;
    let c = server.client();
    c.sessions().update(SID, Default::default()).await.unwrap();
    c.sessions().delete(SID).await.unwrap();
    c.sessions()
        .set_llmsim_script(SID, &LlmSimScript::default())
        .await
        .unwrap();
    let methods: Vec<String> = server.requests().iter().map(|r| r.method.clone()).collect();
    assert_eq!(
        methods,
        vec!["PATCH", "PATCH", "DELETE", "DELETE", "PUT", "PUT"]
    );
}

#[tokio::test]
async fn non_retryable_statuses_are_not_retried() {
    for status in [400u16, 401, 403, 404, 422] {
        let server = TestServer::start(move |_, _| error_response(status, "x", "y")).await;
        let e = server.client().models().list().await.unwrap_err();
        assert_eq!(e.status(), Some(status));
        assert_eq!(server.request_count(), 1, "{status}");
    }
}

#[tokio::test]
async fn retries_are_bounded_and_surface_the_last_error() {
    let server = TestServer::start(|_, i| {
        raw_response(
            500,
            "application/json",
            json!({"error":{"code":"boom","message":format!("attempt {i}")}}).to_string(),
            &[("x-request-id", &format!("req_{i}"))],
        )
    })
    .await;
    let c = Everruns::builder()
        .base_url(&server.base_url)
        .max_retries(2)
        .retry_base_delay(Duration::from_millis(1))
        .retry_max_delay(Duration::from_millis(5))
        .build()
        .unwrap();
    let e = c.models().list().await.unwrap_err();
    assert_eq!(server.request_count(), 3);
    assert!(matches!(e, Error::Api { status: 500, .. }), "{e:?}");
    assert_eq!(e.message(), "attempt 2");
    assert_eq!(e.request_id(), Some("req_2"));
    assert!(e.is_retryable());

    // Per-call override: no retries.
    let before = server.request_count();
    let e = c
        .with_options(RequestOptions::new().max_retries(0))
        .models()
        .list()
        .await
        .unwrap_err();
    assert_eq!(e.status(), Some(500));
    assert_eq!(server.request_count(), before + 1);
}

#[tokio::test]
async fn retry_after_seconds_ms_date_and_body() {
    // retry-after-ms wins over Retry-After.
    let server = TestServer::start(fail_first(
        1,
        || {
            raw_response(
                429,
                "application/json",
                "{}",
                &[("retry-after-ms", "300"), ("retry-after", "30")],
            )
        },
        |_| ok_models(),
    ))
    .await;
    let t = Instant::now();
    server.client().models().list().await.unwrap();
    assert!(
        t.elapsed() >= Duration::from_millis(290),
        "{:?}",
        t.elapsed()
    );
    assert!(
        t.elapsed() < Duration::from_secs(25),
        "Retry-After seconds ignored when ms given"
    );

    // Retry-After in seconds.
    let server = TestServer::start(fail_first(
        1,
        || raw_response(503, "text/plain", "busy", &[("retry-after", "1")]),
        |_| ok_models(),
    ))
    .await;
    let t = Instant::now();
    server.client().models().list().await.unwrap();
    assert!(
        t.elapsed() >= Duration::from_millis(950),
        "{:?}",
        t.elapsed()
    );

    // Retry-After as an HTTP date.
    let server = TestServer::start(fail_first(
        1,
        || {
            let when = chrono::Utc::now() + chrono::Duration::seconds(2);
            let date = when.format("%a, %d %b %Y %H:%M:%S GMT").to_string();
            raw_response(429, "text/plain", "slow down", &[("retry-after", &date)])
        },
        |_| ok_models(),
    ))
    .await;
    let t = Instant::now();
    server.client().models().list().await.unwrap();
    assert!(
        t.elapsed() >= Duration::from_millis(900),
        "{:?}",
        t.elapsed()
    );
    assert_eq!(server.request_count(), 2);

    // Problem body `retry_after_seconds` when no header.
    let server = TestServer::start(fail_first(
        1,
        || {
            json_response(
                503,
                json!({"title":"Unavailable","status":503,"retry_after_seconds":1}),
            )
        },
        |_| ok_models(),
    ))
    .await;
    let t = Instant::now();
    server.client().models().list().await.unwrap();
    assert!(
        t.elapsed() >= Duration::from_millis(950),
        "{:?}",
        t.elapsed()
    );
}

#[tokio::test]
async fn retry_after_beyond_the_cap_gives_up() {
    let server = TestServer::start(|_, _| {
        raw_response(
            429,
            "application/json",
            r#"{"error":{"code":"rate_limited","message":"later"}}"#,
            &[("retry-after", "120"), ("x-request-id", "req_rl")],
        )
    })
    .await;
    let t = Instant::now();
    let e = server.client().models().list().await.unwrap_err();
    assert!(t.elapsed() < Duration::from_secs(30));
    assert_eq!(server.request_count(), 1);
    match &e {
        Error::RateLimited {
            retry_after,
            request_id,
            code,
            ..
        } => {
            assert_eq!(*retry_after, Some(Duration::from_secs(120)));
            assert_eq!(request_id.as_deref(), Some("req_rl"));
            assert_eq!(code, "rate_limited");
        }
        other => panic!("{other:?}"),
    }
    assert_eq!(e.retry_after(), Some(Duration::from_secs(120)));

    // A configurable cap.
    let server =
        TestServer::start(|_, _| raw_response(503, "text/plain", "x", &[("retry-after", "2")]))
            .await;
    let c = Everruns::builder()
        .base_url(&server.base_url)
        .max_retry_after(Duration::from_secs(1))
        .build()
        .unwrap();
    assert!(c.models().list().await.is_err());
    assert_eq!(server.request_count(), 1);

    // x-should-retry: false wins over a retryable status.
    let server = TestServer::start(|_, _| {
        raw_response(503, "text/plain", "x", &[("x-should-retry", "false")])
    })
    .await;
    assert!(server.client().models().list().await.is_err());
    assert_eq!(server.request_count(), 1);
}

#[tokio::test]
async fn non_idempotent_posts() {
    // 500/502/409/408 are not retried for create-message, create-session, create-agent
    // without id, import and copy.
    for status in [500u16, 502, 409, 408] {
        let server = TestServer::start(move |_, _| error_response(status, "x", "y")).await;
        let c = server.client();
        let _ = c.sessions().create(Default::default()).await.unwrap_err();
        let _ = c.agents().create("a", "p").await.unwrap_err();
        let _ = c.agents().import_agent("You help.").await.unwrap_err();
        let _ = c.filesystem().copy(SID, "/a", "/b").await.unwrap_err();
        let before = server.request_count();
        let _ = c.messages().create(SID, "hi").await.unwrap_err();
        // create-message = 1 cursor lookup (GET, itself retried) + 1 POST.
        let posts = server.requests()[before..]
            .iter()
            .filter(|r| r.method == "POST")
            .count();
        assert_eq!(posts, 1, "message POST retried on {status}");
        let all_posts = server
            .requests()
            .iter()
            .filter(|r| r.method == "POST")
            .count();
        assert_eq!(all_posts, 5, "{status}");
    }
    // 429 and 503 are retried: the server refused the work.
    for status in [429u16, 503] {
        let server = TestServer::start(fail_first(
            1,
            move || error_response(status, "x", "y"),
            |_| json_response(201, session_json(SID)),
        ))
        .await;
        server
            .client()
            .sessions()
            .create(Default::default())
            .await
            .unwrap();
        assert_eq!(server.request_count(), 2, "{status}");
    }
    // An idempotency key makes a POST retryable on any retryable outcome; the key is reused.
    let server = TestServer::start(fail_first(
        2,
        || error_response(500, "x", "y"),
        |_| json_response(201, session_json(SID)),
    ))
    .await;
    server
        .client()
        .with_options(RequestOptions::new().idempotency_key("idem-42"))
        .sessions()
        .create(Default::default())
        .await
        .unwrap();
    let reqs = server.requests();
    assert_eq!(reqs.len(), 3);
    assert!(reqs
        .iter()
        .all(|r| r.header("idempotency-key") == Some("idem-42")));
    // Upserts by id/name, cancel, grep and stat are idempotent POSTs.
    let server = TestServer::start(|r, i| {
        if i % 2 == 0 {
            return error_response(500, "x", "y");
        }
        let p = r.path.as_str();
        if p.ends_with("/cancel") {
            json_response(200, json!({"status":"no_op","message":""}))
        } else if p.ends_with("/_/grep") {
            json_response(200, json!({"data":[]}))
        } else if p.ends_with("/_/stat") {
            json_response(200, json!({"path":"/a","name":"a","is_directory":false,"created_at":TS,"updated_at":TS}))
        } else {
            json_response(201, agent_json(AID, "a"))
        }
    })
    .await;
    let c = server.client();
    let mut req = CreateAgentRequest::new("a", "p");
    req.id = Some(AID.into());
    c.agents().apply(req).await.unwrap();
    c.agents()
        .apply_by_name(CreateAgentRequest::new("a", "p"))
        .await
        .unwrap();
    c.sessions().cancel(SID).await.unwrap();
    c.filesystem()
        .grep(
            SID,
            GrepRequest {
                pattern: "x".into(),
                path_pattern: None,
            },
        )
        .await
        .unwrap();
    c.filesystem().stat(SID, "/a").await.unwrap();
    assert_eq!(server.request_count(), 10);
}

#[tokio::test]
async fn connect_errors_are_retried_even_for_posts() {
    // Reserve a port, free it, and bring the server up only after the client started trying.
    let probe = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = probe.local_addr().unwrap();
    drop(probe);
    let client = Everruns::builder()
        .base_url(format!("http://{addr}/api"))
        .max_retries(8)
        .retry_base_delay(Duration::from_millis(100))
        .retry_max_delay(Duration::from_millis(200))
        .build()
        .unwrap();
    let starter = tokio::spawn(async move {
        tokio::time::sleep(Duration::from_millis(250)).await;
        let listener = tokio::net::TcpListener::bind(addr).await.unwrap();
        TestServer::start_with(listener, |_, _| json_response(201, session_json(SID)))
    });
    let s = client.sessions().create(Default::default()).await.unwrap();
    assert_eq!(s.id, SID);
    let server = starter.await.unwrap();
    assert_eq!(
        server.request_count(),
        1,
        "the POST reached the server exactly once"
    );

    // Nothing listening at all: a Network error with connect = true after the retries.
    let probe = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = probe.local_addr().unwrap();
    drop(probe);
    let c = Everruns::builder()
        .base_url(format!("http://{addr}/api"))
        .max_retries(1)
        .retry_base_delay(Duration::from_millis(1))
        .build()
        .unwrap();
    let e = c.models().list().await.unwrap_err();
    assert!(matches!(e, Error::Network { connect: true, .. }), "{e:?}");
    assert_eq!(e.code(), "connect_error");
    assert!(e.is_retryable());
}

#[tokio::test]
async fn timeouts_and_broken_bodies() {
    // GET: timed out twice, then fast → succeeds after retries.
    let server = TestServer::start(|_, i| {
        if i < 2 {
            slow_json(Duration::from_secs(5), json!({"data":[]}))
        } else {
            ok_models()
        }
    })
    .await;
    let c = server
        .client()
        .with_options(RequestOptions::new().timeout(Duration::from_millis(200)));
    assert_eq!(c.models().list().await.unwrap().len(), 1);
    assert_eq!(server.request_count(), 3);

    // POST that timed out may have reached the server: not retried.
    let server =
        TestServer::start(|_, _| slow_json(Duration::from_secs(5), session_json(SID))).await;
    let c = server
        .client()
        .with_options(RequestOptions::new().timeout(Duration::from_millis(200)));
    let e = c.sessions().create(Default::default()).await.unwrap_err();
    assert!(matches!(e, Error::Timeout { .. }), "{e:?}");
    assert_eq!(e.code(), "timeout");
    assert_eq!(server.request_count(), 1);

    // A body that breaks mid-way: GET retried, POST not.
    let server = TestServer::start(|_, i| if i == 0 { broken_body() } else { ok_models() }).await;
    assert_eq!(server.client().models().list().await.unwrap().len(), 1);
    assert_eq!(server.request_count(), 2);
    let server = TestServer::start(|_, _| broken_body()).await;
    let e = server
        .client()
        .sessions()
        .create(Default::default())
        .await
        .unwrap_err();
    assert!(matches!(e, Error::Network { connect: false, .. }), "{e:?}");
    assert_eq!(server.request_count(), 1);
}

#[tokio::test]
async fn error_mapping() {
    let cases: Vec<(u16, &str, &str, &str)> = vec![
        (
            400,
            r#"{"error":{"code":"invalid_input","message":"bad field"}}"#,
            "invalid_input",
            "bad field",
        ),
        (
            401,
            r#"{"error":"token expired","status":401}"#,
            "unknown",
            "token expired",
        ),
        (
            403,
            r#"{"title":"Forbidden","status":403,"code":"readonly","detail":"file is read-only"}"#,
            "readonly",
            "file is read-only",
        ),
        (
            404,
            r#"{"error":{"code":"session_not_found","message":"Session x not found"},"title":"Not Found","status":404,"detail":"Session x not found","code":"session_not_found"}"#,
            "session_not_found",
            "Session x not found",
        ),
        (
            409,
            r#"{"error":{"code":"exists","message":"file exists"}}"#,
            "exists",
            "file exists",
        ),
        (
            422,
            r#"{"title":"Unprocessable Entity","status":422}"#,
            "unknown",
            "Unprocessable Entity",
        ),
        (
            429,
            r#"{"title":"Too Many Requests","status":429,"code":"rate_limited","retry_after_seconds":7}"#,
            "rate_limited",
            "Too Many Requests",
        ),
        (
            500,
            "<!DOCTYPE html><html><body>oops</body></html>",
            "unknown",
            "HTTP 500",
        ),
        (
            503,
            "  <HTML><body>maintenance</body></HTML>",
            "unknown",
            "HTTP 503",
        ),
        (502, "upstream died", "unknown", "upstream died"),
        (500, "", "unknown", "HTTP 500"),
    ];
    for (status, body, code, message) in cases {
        let body_owned = body.to_string();
        let server = TestServer::start(move |_, _| {
            raw_response(
                status,
                "application/json",
                body_owned.clone(),
                &[("x-request-id", "req_abc")],
            )
        })
        .await;
        let c = server
            .client()
            .with_options(RequestOptions::new().max_retries(0));
        let e = c.sessions().get(SID).await.unwrap_err();
        assert_eq!(e.status(), Some(status), "{status}");
        assert_eq!(e.code(), code, "{status} {body}");
        assert_eq!(e.message(), message, "{status} {body}");
        assert_eq!(e.request_id(), Some("req_abc"));
        assert!(e.to_string().contains("req_abc"), "{e}");
        let ok_kind = match status {
            400 | 422 => matches!(
                e,
                Error::Validation {
                    status: Some(_),
                    ..
                }
            ),
            401 => matches!(e, Error::Authentication { .. }),
            403 => matches!(e, Error::Permission { .. }),
            404 => matches!(e, Error::NotFound { .. }),
            409 => matches!(e, Error::Conflict { .. }),
            429 => {
                matches!(e, Error::RateLimited { retry_after: Some(d), .. } if d == Duration::from_secs(7))
            }
            _ => matches!(e, Error::Api { .. }),
        };
        assert!(ok_kind, "{status}: {e:?}");
        assert_eq!(
            e.is_retryable(),
            matches!(status, 409 | 429 | 500..=599),
            "{status}"
        );
    }

    // A 2xx body that is not what was expected: Decode with the request id.
    let server = TestServer::start(|_, _| {
        raw_response(
            200,
            "application/json",
            "{\"nope\":1}",
            &[("x-request-id", "req_dec")],
        )
    })
    .await;
    let e = server.client().sessions().get(SID).await.unwrap_err();
    assert!(matches!(e, Error::Decode { .. }), "{e:?}");
    assert_eq!(e.request_id(), Some("req_dec"));
    assert_eq!(e.code(), "decode_error");
}

#[tokio::test]
async fn invalid_configuration_is_rejected() {
    for bad in ["ftp://x.test/api", "x.test/api", "http://", "::"] {
        let e = Everruns::builder().base_url(bad).build().unwrap_err();
        assert!(matches!(e, Error::Config { .. }), "{bad}: {e:?}");
    }
    for bad in ["", "org\r\nx", "org\0", "org\nx"] {
        let e = Everruns::builder().org_id(bad).build().unwrap_err();
        assert!(matches!(e, Error::Config { .. }), "{bad:?}: {e:?}");
    }
    assert!(Everruns::builder().api_key("bad\nkey").build().is_err());
    assert!(Everruns::builder().api_key("").build().is_err());
}
