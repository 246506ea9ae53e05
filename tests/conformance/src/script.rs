//! One scripted listener: its own loopback port, answering from a script and recording every
//! request.
//!
//! A script is the JSON object a runner posts to the control plane:
//!
//! * `routes`: `[[method, raw path, [responses…]], …]`. Requests matching `(method, path)` get
//!   that route's responses in order (the last one repeats).
//! * `default`: the response to anything else (default `{"status":200,"body":{"data":[]}}`).
//! * `sse_connections` (optional): when present, `GET …/sse` connection k gets
//!   `sse_connections[k]` (the last repeats) and every other request gets `default`. A
//!   connection is either a plain response (it has `status`) or `{"chunks": [...], "then":
//!   "close" | "hold"}`: the chunks are written one by one (flushed separately, 2 ms apart),
//!   then the body ends, or with `hold` the socket stays open and silent until the client goes
//!   away or the script is stopped.
//!
//! A response is `{"status", "body", "headers"}` (see [`crate::wire::write_scripted`]).

use std::sync::{Arc, Mutex};
use std::time::Duration;

use serde_json::{json, Value};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::watch;

use crate::wire::{read_request, write_scripted, Request};

struct Route {
    method: String,
    path: String,
    responses: Vec<Value>,
    hits: usize,
}

/// Mutable state of a script: route hit counts, the SSE connection count, captured requests.
struct State {
    routes: Vec<Route>,
    default: Value,
    sse_connections: Option<Vec<Value>>,
    sse_count: usize,
    captured: Vec<Request>,
}

/// A running scripted listener; [`Scripted::stop`] closes it and every open connection.
pub struct Scripted {
    pub base_url: String,
    state: Arc<Mutex<State>>,
    stop: watch::Sender<bool>,
}

/// What to do with one request.
enum Answer {
    Plain(Value),
    Sse(Value),
}

impl Scripted {
    /// Parses `script`, binds a free loopback port and starts answering.
    pub async fn start(script: &Value) -> Result<Self, String> {
        let state = State {
            routes: parse_routes(&script["routes"])?,
            default: match &script["default"] {
                Value::Null => json!({"status": 200, "body": {"data": []}}),
                d => d.clone(),
            },
            sse_connections: match &script["sse_connections"] {
                Value::Null => None,
                Value::Array(c) if !c.is_empty() => Some(c.clone()),
                _ => return Err("sse_connections must be a non-empty array".into()),
            },
            sse_count: 0,
            captured: Vec::new(),
        };
        let listener = TcpListener::bind("127.0.0.1:0")
            .await
            .map_err(|e| format!("bind: {e}"))?;
        let addr = listener.local_addr().map_err(|e| e.to_string())?;
        let state = Arc::new(Mutex::new(state));
        let (stop, stopped) = watch::channel(false);
        tokio::spawn(accept_loop(listener, state.clone(), stopped));
        Ok(Scripted {
            base_url: format!("http://{addr}/api"),
            state,
            stop,
        })
    }

    /// The requests seen so far, in arrival order, as JSON.
    pub fn captured(&self) -> Value {
        let st = self.state.lock().unwrap();
        Value::Array(st.captured.iter().map(Request::to_json).collect())
    }

    /// Closes the listener and every connection still open (held SSE bodies included).
    pub fn stop(&self) {
        let _ = self.stop.send(true);
    }
}

fn parse_routes(v: &Value) -> Result<Vec<Route>, String> {
    let Some(routes) = v.as_array() else {
        return if v.is_null() {
            Ok(Vec::new())
        } else {
            Err("routes must be an array".into())
        };
    };
    routes
        .iter()
        .map(|r| match r.as_array().map(Vec::as_slice) {
            Some([Value::String(m), Value::String(p), Value::Array(rs)]) if !rs.is_empty() => {
                Ok(Route {
                    method: m.clone(),
                    path: p.clone(),
                    responses: rs.clone(),
                    hits: 0,
                })
            }
            _ => Err(format!("a route is [method, path, [response, …]], got {r}")),
        })
        .collect()
}

async fn accept_loop(
    listener: TcpListener,
    state: Arc<Mutex<State>>,
    mut stopped: watch::Receiver<bool>,
) {
    loop {
        let sock = tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok((sock, _)) => sock,
                Err(_) => continue,
            },
            _ = stopped.changed() => return,
        };
        let (state, mut stopped) = (state.clone(), stopped.clone());
        tokio::spawn(async move {
            tokio::select! {
                _ = serve_connection(sock, state) => {}
                _ = stopped.changed() => {}
            }
        });
    }
}

async fn serve_connection(mut sock: TcpStream, state: Arc<Mutex<State>>) -> std::io::Result<()> {
    let Some(req) = read_request(&mut sock).await? else {
        return Ok(());
    };
    let answer = {
        let mut st = state.lock().unwrap();
        st.captured.push(req.clone());
        choose(&mut st, &req)
    };
    match answer {
        Answer::Plain(r) => write_scripted(&mut sock, &r).await,
        Answer::Sse(conn) => write_sse(&mut sock, &conn).await,
    }
}

/// Picks the answer to `req` and advances the counters.
fn choose(st: &mut State, req: &Request) -> Answer {
    if let Some(conns) = &st.sse_connections {
        if !req.path.ends_with("/sse") {
            return Answer::Plain(st.default.clone());
        }
        let conn = conns[st.sse_count.min(conns.len() - 1)].clone();
        st.sse_count += 1;
        return if conn.get("status").is_some() {
            Answer::Plain(conn)
        } else {
            Answer::Sse(conn)
        };
    }
    for route in &mut st.routes {
        if route.method == req.method && route.path == req.path {
            let r = route.responses[route.hits.min(route.responses.len() - 1)].clone();
            route.hits += 1;
            return Answer::Plain(r);
        }
    }
    Answer::Plain(st.default.clone())
}

async fn write_sse(sock: &mut TcpStream, conn: &Value) -> std::io::Result<()> {
    sock.write_all(
        b"HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\nCache-Control: no-cache\r\nConnection: close\r\n\r\n",
    )
    .await?;
    for chunk in conn["chunks"].as_array().into_iter().flatten() {
        sock.write_all(chunk.as_str().unwrap_or_default().as_bytes())
            .await?;
        sock.flush().await?;
        tokio::time::sleep(Duration::from_millis(2)).await;
    }
    if conn["then"] == "hold" {
        // Silent until the client closes its side (or the script is stopped).
        let mut buf = [0u8; 1024];
        while sock.read(&mut buf).await? > 0 {}
    }
    sock.shutdown().await
}
