//! Just enough HTTP/1.1 for a scripted server: read one request, write one response.
//!
//! Both the control plane and the scripted listeners speak one request per connection
//! (`Connection: close`), so there is no keep-alive or chunked request body to handle.

use std::collections::BTreeMap;

use serde_json::{json, Value};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

/// One request as it arrived on the socket.
#[derive(Debug, Clone)]
pub struct Request {
    pub method: String,
    /// The raw (still percent-encoded) path, without the query.
    pub path: String,
    /// Decoded query pairs in order, repeated keys kept.
    pub query: Vec<(String, String)>,
    /// Header names lower-cased (the last of repeated headers wins).
    pub headers: BTreeMap<String, String>,
    pub body: Vec<u8>,
}

impl Request {
    /// The JSON form the control plane reports (body as UTF-8 text, lossy).
    pub fn to_json(&self) -> Value {
        json!({
            "method": self.method,
            "path": self.path,
            "query": self.query.iter().map(|(k, v)| json!([k, v])).collect::<Vec<_>>(),
            "headers": self.headers,
            "body": String::from_utf8_lossy(&self.body),
        })
    }
}

/// Reads one request (head and `Content-Length` body); `None` if the peer closed first.
pub async fn read_request(sock: &mut TcpStream) -> std::io::Result<Option<Request>> {
    let mut buf = Vec::new();
    let mut tmp = [0u8; 4096];
    let head_end = loop {
        if let Some(i) = buf.windows(4).position(|w| w == b"\r\n\r\n") {
            break i;
        }
        let n = sock.read(&mut tmp).await?;
        if n == 0 {
            return Ok(None);
        }
        buf.extend_from_slice(&tmp[..n]);
    };
    let head = String::from_utf8_lossy(&buf[..head_end]).to_string();
    let mut lines = head.split("\r\n");
    let mut first = lines.next().unwrap_or("").split(' ');
    let method = first.next().unwrap_or("").to_string();
    let target = first.next().unwrap_or("").to_string();
    let headers: BTreeMap<String, String> = lines
        .filter_map(|l| l.split_once(':'))
        .map(|(k, v)| (k.trim().to_ascii_lowercase(), v.trim().to_string()))
        .collect();
    let len: usize = headers
        .get("content-length")
        .and_then(|v| v.parse().ok())
        .unwrap_or(0);
    let mut body = buf[head_end + 4..].to_vec();
    while body.len() < len {
        let n = sock.read(&mut tmp).await?;
        if n == 0 {
            break;
        }
        body.extend_from_slice(&tmp[..n]);
    }
    let (path, query) = target.split_once('?').unwrap_or((&target, ""));
    let query = url::form_urlencoded::parse(query.as_bytes())
        .into_owned()
        .collect();
    Ok(Some(Request {
        method,
        path: path.to_string(),
        query,
        headers,
        body,
    }))
}

/// The status line, `Content-Type`, `Content-Length` and `Connection: close`, plus `extra`.
fn head(status: u16, content_type: &str, len: usize, extra: Option<&Value>) -> String {
    let reason = http::StatusCode::from_u16(status)
        .ok()
        .and_then(|s| s.canonical_reason())
        .unwrap_or("Unknown");
    let mut head = format!(
        "HTTP/1.1 {status} {reason}\r\nContent-Type: {content_type}\r\nContent-Length: {len}\r\nConnection: close\r\n"
    );
    if let Some(h) = extra.and_then(Value::as_object) {
        for (k, v) in h {
            let v = v.as_str().map_or_else(|| v.to_string(), str::to_string);
            head.push_str(&format!("{k}: {v}\r\n"));
        }
    }
    head.push_str("\r\n");
    head
}

/// Writes a scripted response `{status, body, headers}` and closes the socket. A string body
/// goes out verbatim, any other JSON value serialised; `text/html` when it starts with `<`.
pub async fn write_scripted(sock: &mut TcpStream, r: &Value) -> std::io::Result<()> {
    let status = r["status"].as_u64().unwrap_or(200) as u16;
    let body = match &r["body"] {
        Value::Null => String::new(),
        Value::String(s) => s.clone(),
        other => other.to_string(),
    };
    let content_type = if body.trim_start().starts_with('<') {
        "text/html"
    } else {
        "application/json"
    };
    let head = head(status, content_type, body.len(), r.get("headers"));
    sock.write_all(head.as_bytes()).await?;
    sock.write_all(body.as_bytes()).await?;
    sock.shutdown().await
}

/// Writes a JSON response of the control plane and closes the socket.
pub async fn write_json(sock: &mut TcpStream, status: u16, body: &Value) -> std::io::Result<()> {
    let body = if body.is_null() {
        String::new()
    } else {
        body.to_string()
    };
    let head = head(status, "application/json", body.len(), None);
    sock.write_all(head.as_bytes()).await?;
    sock.write_all(body.as_bytes()).await?;
    sock.shutdown().await
}
