//! An in-test HTTP/SSE server on a real socket (axum), recording every request.
#![allow(dead_code)]

use std::convert::Infallible;
use std::net::SocketAddr;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::body::Body;
use axum::extract::{Request, State};
use axum::http::{HeaderMap, HeaderName, HeaderValue, StatusCode};
use axum::response::Response;
use axum::serve::ListenerExt;
use axum::Router;
use bytes::Bytes;
use everruns_core::client::Everruns;
use serde_json::{json, Value};
use tokio::sync::mpsc;

pub const TOKEN: &str = "evr_pat_test_secret";
pub const ORG: &str = "org_0190f3c2a7b87e1c9d2a5b6c7d8e9f01";
pub const SID: &str = "session_0190f3c2a7b87e1c9d2a5b6c7d8e9f01";
pub const SID2: &str = "session_0190f3c2a7b87e1c9d2a5b6c7d8e9f02";
pub const AID: &str = "agent_0190f3c2a7b87e1c9d2a5b6c7d8e9f01";
pub const HID: &str = "harness_0190f3c2a7b87e1c9d2a5b6c7d8e9f01";
pub const MID: &str = "model_0190f3c2a7b87e1c9d2a5b6c7d8e9f01";
pub const WSP: &str = "wsp_0190f3c2a7b87e1c9d2a5b6c7d8e9f01";

/// One request as the server saw it.
#[derive(Debug, Clone)]
pub struct Recorded {
    pub method: String,
    pub path: String,
    pub query: Option<String>,
    pub headers: HeaderMap,
    pub body: Bytes,
}

impl Recorded {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|v| v.to_str().ok())
    }

    pub fn json(&self) -> Value {
        serde_json::from_slice(&self.body).unwrap_or(Value::Null)
    }

    /// Decoded query pairs in order (repeated keys kept).
    pub fn query_pairs(&self) -> Vec<(String, String)> {
        url::form_urlencoded::parse(self.query.as_deref().unwrap_or("").as_bytes())
            .into_owned()
            .collect()
    }

    pub fn query_values(&self, key: &str) -> Vec<String> {
        self.query_pairs()
            .into_iter()
            .filter(|(k, _)| k == key)
            .map(|(_, v)| v)
            .collect()
    }

    pub fn is(&self, method: &str, path: &str) -> bool {
        self.method == method && self.path == path
    }
}

type Handler = Arc<dyn Fn(&Recorded, usize) -> Response + Send + Sync>;

#[derive(Clone)]
struct St {
    handler: Handler,
    requests: Arc<Mutex<Vec<Recorded>>>,
}

pub struct TestServer {
    pub addr: SocketAddr,
    pub base_url: String,
    requests: Arc<Mutex<Vec<Recorded>>>,
    connections: Arc<AtomicUsize>,
    task: tokio::task::JoinHandle<()>,
}

impl Drop for TestServer {
    fn drop(&mut self) {
        self.task.abort();
    }
}

async fn handle(State(st): State<St>, req: Request) -> Response {
    let (parts, body) = req.into_parts();
    let body = axum::body::to_bytes(body, usize::MAX)
        .await
        .unwrap_or_default();
    let rec = Recorded {
        method: parts.method.to_string(),
        path: parts.uri.path().to_string(),
        query: parts.uri.query().map(str::to_string),
        headers: parts.headers,
        body,
    };
    let n = {
        let mut v = st.requests.lock().unwrap();
        v.push(rec.clone());
        v.len() - 1
    };
    (st.handler)(&rec, n)
}

impl TestServer {
    /// Starts a server whose responses come from `handler(request, index of the request)`.
    pub async fn start(
        handler: impl Fn(&Recorded, usize) -> Response + Send + Sync + 'static,
    ) -> Self {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        Self::start_with(listener, handler)
    }

    /// Starts on an already bound listener.
    pub fn start_with(
        listener: tokio::net::TcpListener,
        handler: impl Fn(&Recorded, usize) -> Response + Send + Sync + 'static,
    ) -> Self {
        let requests = Arc::new(Mutex::new(Vec::new()));
        let connections = Arc::new(AtomicUsize::new(0));
        let st = St {
            handler: Arc::new(handler),
            requests: requests.clone(),
        };
        let app = Router::new().fallback(handle).with_state(st);
        let addr = listener.local_addr().unwrap();
        let counter = connections.clone();
        let listener = listener.tap_io(move |_| {
            counter.fetch_add(1, Ordering::SeqCst);
        });
        let task = tokio::spawn(async move {
            axum::serve(listener, app).await.unwrap();
        });
        TestServer {
            addr,
            base_url: format!("http://{addr}/api"),
            requests,
            connections,
            task,
        }
    }

    pub fn requests(&self) -> Vec<Recorded> {
        self.requests.lock().unwrap().clone()
    }

    pub fn request_count(&self) -> usize {
        self.requests.lock().unwrap().len()
    }

    pub fn last(&self) -> Recorded {
        self.requests
            .lock()
            .unwrap()
            .last()
            .cloned()
            .expect("no request")
    }

    /// TCP connections accepted so far.
    pub fn connections(&self) -> usize {
        self.connections.load(Ordering::SeqCst)
    }

    /// A client for this server with short retry delays.
    pub fn client(&self) -> Everruns {
        Everruns::builder()
            .api_key(TOKEN)
            .base_url(&self.base_url)
            .org_id(ORG)
            .retry_base_delay(Duration::from_millis(5))
            .retry_max_delay(Duration::from_millis(20))
            .timeout(Duration::from_secs(10))
            .build()
            .unwrap()
    }
}

// ---------- responses ----------

pub fn json_response(status: u16, body: Value) -> Response {
    raw_response(status, "application/json", body.to_string(), &[])
}

pub fn raw_response(
    status: u16,
    content_type: &str,
    body: impl Into<Body>,
    headers: &[(&str, &str)],
) -> Response {
    let mut r = Response::new(body.into());
    *r.status_mut() = StatusCode::from_u16(status).unwrap();
    r.headers_mut()
        .insert("content-type", HeaderValue::from_str(content_type).unwrap());
    for (k, v) in headers {
        r.headers_mut().append(
            HeaderName::from_bytes(k.as_bytes()).unwrap(),
            HeaderValue::from_str(v).unwrap(),
        );
    }
    r
}

pub fn empty(status: u16) -> Response {
    raw_response(status, "text/plain", "", &[])
}

/// The hybrid error body of our server.
pub fn error_response(status: u16, code: &str, message: &str) -> Response {
    json_response(
        status,
        json!({"error":{"code":code,"message":message},"type":format!("https://docs.everruns.com/errors/{code}"),
               "title":"Error","status":status,"detail":message,"code":code}),
    )
}

/// An SSE response whose body is fed through the returned channel (drop it to end the body
/// cleanly; send an `Err` to break the connection).
pub fn sse_channel() -> (
    mpsc::UnboundedSender<Result<Bytes, std::io::Error>>,
    Response,
) {
    let (tx, rx) = mpsc::unbounded_channel::<Result<Bytes, std::io::Error>>();
    let stream = futures::stream::unfold(rx, |mut rx| async move {
        rx.recv().await.map(|item| (item, rx))
    });
    let r = raw_response(
        200,
        "text/event-stream",
        Body::from_stream(stream),
        &[("cache-control", "no-cache")],
    );
    (tx, r)
}

/// A 200 JSON response whose body arrives only after `delay`.
pub fn slow_json(delay: Duration, body: Value) -> Response {
    let stream = futures::stream::once(async move {
        tokio::time::sleep(delay).await;
        Ok::<_, Infallible>(Bytes::from(body.to_string()))
    });
    raw_response(200, "application/json", Body::from_stream(stream), &[])
}

/// A 200 response whose body breaks after a few bytes.
pub fn broken_body() -> Response {
    let stream = futures::stream::iter(vec![
        Ok(Bytes::from_static(b"{\"data\":")),
        Err(std::io::Error::other("boom")),
    ]);
    raw_response(200, "application/json", Body::from_stream(stream), &[])
}

/// An SSE response with a fixed body.
pub fn sse_body(text: String) -> Response {
    let stream = futures::stream::iter(vec![Ok::<_, Infallible>(Bytes::from(text))]);
    raw_response(200, "text/event-stream", Body::from_stream(stream), &[])
}

// ---------- wire fixtures ----------

pub const TS: &str = "2026-01-01T00:00:00.000Z";

pub fn hex_id(prefix: &str, n: u64) -> String {
    format!("{prefix}_{n:032x}")
}

pub fn agent_json(id: &str, name: &str) -> Value {
    json!({"id":id,"name":name,"system_prompt":"p","harness_id":HID,"status":"active",
           "created_at":TS,"updated_at":TS,"tags":[],"capabilities":[]})
}

pub fn session_json(id: &str) -> Value {
    json!({"id":id,"organization_id":ORG,"harness_id":HID,"status":"idle","workspace_id":WSP,
           "created_at":TS,"updated_at":TS})
}

pub fn message_json(id: &str, role: &str, text: &str) -> Value {
    json!({"id":id,"role":role,"content":[{"type":"text","text":text}],"created_at":TS,"session_id":SID})
}

pub fn event_id(seq: u64) -> String {
    hex_id("event", seq)
}

pub fn event_json(session_id: &str, seq: u64, ty: &str, data: Value) -> Value {
    json!({"id":event_id(seq),"type":ty,"ts":TS,"session_id":session_id,"sequence":seq,"context":{},"data":data})
}

pub fn file_json(path: &str, is_dir: bool, content: Option<&str>) -> Value {
    let name = path.rsplit('/').next().unwrap_or("");
    json!({"id":"f1","session_id":SID,"path":path,"name":name,"is_directory":is_dir,"is_readonly":false,
           "size_bytes":content.map(|c| c.len()).unwrap_or(0),"content":content,"encoding":"text",
           "created_at":TS,"updated_at":TS})
}

pub fn harness_json(id: &str, name: &str) -> Value {
    json!({"id":id,"name":name,"status":"active","created_at":TS,"updated_at":TS,"is_built_in":true})
}

pub fn model_json(id: &str) -> Value {
    json!({"id":id,"model_id":"llmsim-model","display_name":"Sim","provider_id":"provider_1",
           "provider_name":"sim","provider_type":"llmsim","capabilities":["text"],"enabled":true,
           "healthy":true,"is_favorite":false,"source":"predefined","created_at":TS,"updated_at":TS})
}

pub fn capability_json(id: &str) -> Value {
    json!({"id":id,"name":id,"description":"d","status":"active"})
}

/// One SSE frame for a stored event.
pub fn sse_event(session_id: &str, seq: u64, ty: &str, data: Value) -> String {
    format!(
        "event: {ty}\nid: {}\ndata: {}\n\n",
        event_id(seq),
        event_json(session_id, seq, ty, data)
    )
}

pub const CONNECTED: &str = "event: connected\ndata: {\"status\":\"connected\"}\n\n";

pub fn disconnecting(retry_ms: u64) -> String {
    format!("event: disconnecting\ndata: {{\"reason\":\"connection_cycle\",\"retry_ms\":{retry_ms}}}\n\n")
}

// ---------- SSE helpers ----------

/// The sequence number encoded in a test event id (`event_<seq as 32 hex>`).
pub fn seq_of(id: &str) -> u64 {
    u64::from_str_radix(id.trim_start_matches("event_"), 16).unwrap()
}

/// The `since_id` of an SSE/events request, as a sequence number.
pub fn since_seq(r: &Recorded) -> Option<u64> {
    r.query_values("since_id").first().map(|s| seq_of(s))
}

/// Spawns a task that writes `frames` (each after `gap`) then ends or breaks the body.
pub fn sse_script(frames: Vec<String>, gap: Duration, ending: Ending) -> Response {
    let (tx, resp) = sse_channel();
    tokio::spawn(async move {
        for f in frames {
            if !gap.is_zero() {
                tokio::time::sleep(gap).await;
            }
            if tx.send(Ok(Bytes::from(f))).is_err() {
                return;
            }
        }
        match ending {
            Ending::Close => {}
            Ending::Break => {
                let _ = tx.send(Err(std::io::Error::other("forced disconnect")));
            }
            Ending::Hang => {
                // Keep the body open and silent until the client goes away.
                tx.closed().await;
            }
            Ending::Heartbeats(every) => loop {
                tokio::time::sleep(every).await;
                if tx.send(Ok(Bytes::from_static(b": heartbeat\n\n"))).is_err() {
                    return;
                }
            },
        }
    });
    resp
}

/// How a scripted SSE body ends.
#[derive(Debug, Clone, Copy)]
pub enum Ending {
    /// Clean end of the body.
    Close,
    /// The connection breaks.
    Break,
    /// Stays open without sending anything.
    Hang,
    /// Stays open sending heartbeat comments.
    Heartbeats(Duration),
}
