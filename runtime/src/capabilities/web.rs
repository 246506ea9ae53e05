//! `web_fetch`: real HTTP(S) GET/HEAD with HTML → markdown, timeouts, a size cap and SSRF
//! protection.
//!
//! Every hop (including redirects) is checked: the host must pass the session's network
//! lists, and every address it resolves to must be public unless the host is in
//! [`crate::runtime_config::WebFetchConfig::allow_private_hosts`]. The connection is pinned to
//! the checked addresses (no second DNS lookup), proxies are ignored.

use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::sync::Arc;
use std::time::Duration;

use async_trait::async_trait;
use serde_json::{json, Value};

use super::{arg_str, opt_str, Capability, Tool, ToolContext, ToolError};

/// The `web_fetch` capability.
#[derive(Debug, Clone, Copy, Default)]
pub struct WebFetchCapability;

struct WebFetch;

/// True for addresses that are not on the public internet (loopback, private, link-local,
/// CGNAT, unspecified, multicast, documentation, …). IPv6 forms that carry an IPv4 address
/// are classified by that address: IPv4-mapped `::ffff:a.b.c.d`, IPv4-translated
/// `::ffff:0:a.b.c.d`, IPv4-compatible `::a.b.c.d`, NAT64 `64:ff9b::a.b.c.d`, 6to4
/// `2002:aabb:ccdd::`, and Teredo `2001:0::` (server and client address).
pub fn is_non_public(ip: IpAddr) -> bool {
    match ip {
        IpAddr::V4(v4) => is_non_public_v4(v4),
        IpAddr::V6(v6) => {
            if v6.is_loopback() || v6.is_unspecified() {
                return true;
            }
            let embedded = embedded_v4(v6);
            if !embedded.is_empty() {
                return embedded.into_iter().any(is_non_public_v4);
            }
            let seg = v6.segments();
            v6.is_multicast()
                || (seg[0] & 0xfe00) == 0xfc00 // unique local fc00::/7
                || (seg[0] & 0xffc0) == 0xfe80 // link-local fe80::/10
                || (seg[0] & 0xffc0) == 0xfec0 // site-local fec0::/10 (deprecated)
                || (seg[0] == 0x2001 && seg[1] == 0x0db8) // documentation 2001:db8::/32
                || (seg[0] == 0x3fff && seg[1] < 0x1000) // documentation 3fff::/20
                || (seg[0] == 0x0064 && seg[1] == 0xff9b && seg[2] == 0x0001) // local NAT64 64:ff9b:1::/48
                || seg[..4] == [0x0100, 0, 0, 0] // discard-only 100::/64
        }
    }
}

/// The IPv4 addresses an IPv6 address carries (empty for a plain IPv6 address).
fn embedded_v4(v6: std::net::Ipv6Addr) -> Vec<Ipv4Addr> {
    let seg = v6.segments();
    let o = v6.octets();
    let last32 = Ipv4Addr::new(o[12], o[13], o[14], o[15]);
    match seg {
        // IPv4-mapped ::ffff:a.b.c.d
        [0, 0, 0, 0, 0, 0xffff, _, _] => vec![last32],
        // IPv4-translated ::ffff:0:a.b.c.d (RFC 2765)
        [0, 0, 0, 0, 0xffff, 0, _, _] => vec![last32],
        // IPv4-compatible ::a.b.c.d (deprecated; :: and ::1 are handled before)
        [0, 0, 0, 0, 0, 0, _, _] => vec![last32],
        // NAT64 well-known prefix 64:ff9b::/96
        [0x0064, 0xff9b, 0, 0, 0, 0, _, _] => vec![last32],
        // 6to4 2002:aabb:ccdd::/48
        [0x2002, ..] => vec![Ipv4Addr::new(o[2], o[3], o[4], o[5])],
        // Teredo 2001:0::/32: server address, then the client address (bits inverted)
        [0x2001, 0, ..] => vec![
            Ipv4Addr::new(o[4], o[5], o[6], o[7]),
            Ipv4Addr::new(!o[12], !o[13], !o[14], !o[15]),
        ],
        _ => Vec::new(),
    }
}

fn is_non_public_v4(ip: Ipv4Addr) -> bool {
    let o = ip.octets();
    ip.is_loopback()
        || ip.is_private()
        || ip.is_link_local()
        || ip.is_unspecified()
        || ip.is_broadcast()
        || ip.is_multicast()
        || ip.is_documentation()
        || o[0] == 0
        || (o[0] == 100 && (o[1] & 0xc0) == 64) // CGNAT 100.64/10
        || (o[0] == 192 && o[1] == 0 && o[2] == 0) // IETF protocol assignments
        || (o[0] == 198 && (o[1] & 0xfe) == 18) // benchmarking 198.18/15
        || o[0] >= 240 // reserved
}

/// True when an allow-list entry names this host and port. An entry is `HOST:PORT`
/// (`[V6]:PORT` for IPv6 literals); a bare `HOST` only covers the web ports 80 and 443, so
/// allowing `localhost` does not open every local service (such as the server's own API).
fn allowed_private(allow: &[String], host: &str, port: u16) -> bool {
    let host = host
        .trim_start_matches('[')
        .trim_end_matches(']')
        .to_ascii_lowercase();
    allow.iter().any(|entry| {
        let (h, p) = split_host_port(&entry.trim().to_ascii_lowercase());
        h == host
            && match p {
                Some(p) => p == port,
                None => port == 80 || port == 443,
            }
    })
}

/// `host:port`, `[v6]:port`, `[v6]`, `host` or a bare IPv6 literal → (host, port).
fn split_host_port(entry: &str) -> (String, Option<u16>) {
    if let Some(rest) = entry.strip_prefix('[') {
        if let Some((h, tail)) = rest.split_once(']') {
            let port = tail.strip_prefix(':').and_then(|p| p.parse().ok());
            return (h.to_string(), port);
        }
    }
    match entry.rsplit_once(':') {
        Some((h, p)) if !h.contains(':') => match p.parse() {
            Ok(port) => (h.to_string(), Some(port)),
            Err(_) => (entry.to_string(), None),
        },
        _ => (entry.to_string(), None),
    }
}

async fn check_and_resolve(
    url: &url::Url,
    ctx: &ToolContext,
) -> Result<(String, Vec<SocketAddr>), ToolError> {
    match url.scheme() {
        "http" | "https" => {}
        s => {
            return Err(ToolError::new(format!(
                "only http and https URLs can be fetched (got {s}:)"
            )))
        }
    }
    let host = url
        .host_str()
        .ok_or_else(|| ToolError::new("the URL has no host"))?
        .to_string();
    let port = url
        .port_or_known_default()
        .ok_or_else(|| ToolError::new("the URL has no port"))?;
    let bare = host
        .trim_start_matches('[')
        .trim_end_matches(']')
        .to_string();
    if !ctx.network.permits(&bare) {
        return Err(ToolError::new(format!(
            "access to {bare} is blocked by this session's network policy"
        )));
    }
    let addrs: Vec<SocketAddr> = match bare.parse::<IpAddr>() {
        Ok(ip) => vec![SocketAddr::new(ip, port)],
        Err(_) => tokio::net::lookup_host((bare.as_str(), port))
            .await
            .map_err(|e| ToolError::new(format!("cannot resolve {bare}: {e}")))?
            .collect(),
    };
    if addrs.is_empty() {
        return Err(ToolError::new(format!("{bare} resolved to no address")));
    }
    let allow = &ctx.config.web_fetch.allow_private_hosts;
    if let Some(bad) = addrs.iter().find(|a| is_non_public(a.ip())) {
        if !allowed_private(allow, &bare, port) {
            return Err(ToolError::new(format!(
                "refusing to fetch {bare}: it resolves to the non-public address {} \
                 (loopback/private/link-local addresses are blocked unless allow-listed)",
                bad.ip()
            )));
        }
    }
    Ok((bare, addrs))
}

/// Plain text of an HTML document (scripts/styles dropped, tags removed, entities decoded).
fn html_to_text(html: &str) -> String {
    let md = html_to_markdown(html);
    let re_links = regex::Regex::new(r"!?\[([^\]]*)\]\([^)]*\)").expect("static regex");
    let t = re_links.replace_all(&md, "$1");
    let re_marks =
        regex::Regex::new(r"(?m)^\s{0,3}(#{1,6}\s+|[-*+]\s+|>\s?)").expect("static regex");
    let t = re_marks.replace_all(&t, "");
    t.replace("**", "").replace('`', "")
}

fn html_to_markdown(html: &str) -> String {
    let conv = htmd::HtmlToMarkdown::builder()
        .skip_tags(vec!["script", "style", "noscript", "head", "template"])
        .build();
    conv.convert(html).unwrap_or_else(|_| html.to_string())
}

fn is_textual(ct: &str) -> bool {
    let ct = ct.to_ascii_lowercase();
    ct.starts_with("text/")
        || ct.contains("json")
        || ct.contains("xml")
        || ct.contains("javascript")
        || ct.contains("yaml")
        || ct.is_empty()
}

#[async_trait]
impl Tool for WebFetch {
    fn name(&self) -> &str {
        "web_fetch"
    }
    fn description(&self) -> &str {
        "Fetch a URL over HTTP(S). HTML is converted to markdown by default (as_text for plain \
         text); other text is returned as is; binary content returns metadata only."
    }
    fn parameters(&self) -> Value {
        json!({
            "type": "object",
            "properties": {
                "url": {"type": "string", "description": "http:// or https:// URL"},
                "method": {"type": "string", "enum": ["GET", "HEAD"], "default": "GET"},
                "as_markdown": {"type": "boolean", "default": true},
                "as_text": {"type": "boolean", "default": false}
            },
            "required": ["url"],
            "additionalProperties": false
        })
    }
    fn timeout(&self) -> Option<Duration> {
        Some(Duration::from_secs(90))
    }
    async fn execute(&self, args: Value, ctx: &ToolContext) -> Result<Value, ToolError> {
        let cfg = &ctx.config.web_fetch;
        let method = match opt_str(&args, "method")
            .unwrap_or("GET")
            .to_ascii_uppercase()
            .as_str()
        {
            "GET" => reqwest::Method::GET,
            "HEAD" => reqwest::Method::HEAD,
            m => {
                return Err(ToolError::new(format!(
                    "method {m} is not supported (GET or HEAD)"
                )))
            }
        };
        let as_text = args
            .get("as_text")
            .and_then(Value::as_bool)
            .unwrap_or(false);
        let as_markdown = args
            .get("as_markdown")
            .and_then(Value::as_bool)
            .unwrap_or(true);
        let original = arg_str(&args, "url")?;
        let mut url = url::Url::parse(original)
            .map_err(|e| ToolError::new(format!("invalid URL {original:?}: {e}")))?;
        let mut redirects = 0;
        let resp = loop {
            let (host, addrs) = check_and_resolve(&url, ctx).await?;
            let mut b = reqwest::Client::builder()
                .redirect(reqwest::redirect::Policy::none())
                .no_proxy()
                .connect_timeout(cfg.connect_timeout)
                .user_agent(concat!(
                    "everruns-runtime/",
                    env!("CARGO_PKG_VERSION"),
                    " web_fetch"
                ));
            if host.parse::<IpAddr>().is_err() {
                b = b.resolve_to_addrs(&host, &addrs);
            }
            let client = b
                .build()
                .map_err(|e| ToolError::new(format!("cannot build HTTP client: {e}")))?;
            let send = client.request(method.clone(), url.clone()).send();
            let resp = tokio::time::timeout(cfg.connect_timeout, send)
                .await
                .map_err(|_| {
                    ToolError::new(format!(
                        "{url}: no response within {} ms",
                        cfg.connect_timeout.as_millis()
                    ))
                })?
                .map_err(|e| ToolError::new(format!("{url}: request failed: {e}")))?;
            if resp.status().is_redirection() {
                if let Some(loc) = resp
                    .headers()
                    .get(reqwest::header::LOCATION)
                    .and_then(|v| v.to_str().ok())
                {
                    redirects += 1;
                    if redirects > cfg.max_redirects {
                        return Err(ToolError::new(format!(
                            "too many redirects (more than {})",
                            cfg.max_redirects
                        )));
                    }
                    url = url.join(loc).map_err(|e| {
                        ToolError::new(format!("bad redirect location {loc:?}: {e}"))
                    })?;
                    continue;
                }
            }
            break resp;
        };

        let status = resp.status().as_u16();
        let header = |name: reqwest::header::HeaderName| {
            resp.headers()
                .get(name)
                .and_then(|v| v.to_str().ok())
                .map(str::to_string)
        };
        let content_type = header(reqwest::header::CONTENT_TYPE).unwrap_or_default();
        let last_modified = header(reqwest::header::LAST_MODIFIED);
        let filename = header(reqwest::header::CONTENT_DISPOSITION).and_then(|d| {
            d.split(';')
                .find_map(|p| p.trim().strip_prefix("filename="))
                .map(|f| f.trim_matches('"').to_string())
        });
        let final_url = url.to_string();
        let mut out = json!({
            "url": original,
            "final_url": final_url,
            "status_code": status,
            "content_type": content_type,
            "last_modified": last_modified,
            "filename": filename,
        });
        if method == reqwest::Method::HEAD {
            out["size"] = json!(resp.content_length());
            out["format"] = json!("raw");
            out["truncated"] = json!(false);
            return Ok(out);
        }

        let mut body: Vec<u8> = Vec::new();
        let mut truncated = false;
        let mut timed_out = false;
        let mut resp = resp;
        let deadline = tokio::time::Instant::now() + cfg.body_timeout;
        loop {
            match tokio::time::timeout_at(deadline, resp.chunk()).await {
                Err(_) => {
                    timed_out = true;
                    break;
                }
                Ok(Err(e)) => {
                    return Err(ToolError::new(format!(
                        "{final_url}: reading the body failed: {e}"
                    )))
                }
                Ok(Ok(None)) => break,
                Ok(Ok(Some(chunk))) => {
                    let room = cfg.max_body_bytes.saturating_sub(body.len());
                    if chunk.len() > room {
                        body.extend_from_slice(&chunk[..room]);
                        truncated = true;
                        break;
                    }
                    body.extend_from_slice(&chunk);
                }
            }
        }
        out["size"] = json!(body.len());
        if !is_textual(&content_type) {
            out["format"] = json!("raw");
            out["truncated"] = json!(truncated || timed_out);
            out["note"] = json!(format!(
                "binary content ({content_type}); {} bytes received, not shown",
                body.len()
            ));
            return Ok(out);
        }
        let text = String::from_utf8_lossy(&body).to_string();
        let is_html = content_type.to_ascii_lowercase().contains("html");
        let (format, mut content) = if is_html && as_text {
            ("text", html_to_text(&text))
        } else if is_html && as_markdown {
            ("markdown", html_to_markdown(&text))
        } else {
            ("raw", text)
        };
        if timed_out {
            content.push_str(&format!(
                "\n\n[body read timed out after {} ms; content is partial]",
                cfg.body_timeout.as_millis()
            ));
        } else if truncated {
            content.push_str(&format!(
                "\n\n[content truncated at {} bytes]",
                cfg.max_body_bytes
            ));
        }
        out["format"] = json!(format);
        out["truncated"] = json!(truncated || timed_out);
        out["content"] = json!(content);
        Ok(out)
    }
}

impl Capability for WebFetchCapability {
    fn id(&self) -> &str {
        "web_fetch"
    }
    fn name(&self) -> &str {
        "Web Fetch"
    }
    fn description(&self) -> &str {
        "Fetch web pages and files over HTTP(S), converting HTML to markdown."
    }
    fn category(&self) -> Option<&str> {
        Some("network")
    }
    fn requires_network(&self) -> bool {
        true
    }
    fn tools(&self) -> Vec<Arc<dyn Tool>> {
        vec![Arc::new(WebFetch)]
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn address_classes() {
        for a in [
            "127.0.0.1",
            "10.1.2.3",
            "172.16.0.1",
            "192.168.1.1",
            "169.254.169.254",
            "100.64.0.1",
            "0.0.0.0",
            "::1",
            "fd00::1",
            "fe80::1",
            "::ffff:127.0.0.1",
            "fec0::1",
            "2001:db8::1",
            "100::1",
            "64:ff9b:1::808:808",
        ] {
            assert!(is_non_public(a.parse().unwrap()), "{a}");
        }
        for a in ["93.184.216.34", "1.1.1.1", "2606:4700:4700::1111"] {
            assert!(!is_non_public(a.parse().unwrap()), "{a}");
        }
    }

    /// Every IPv6 form that embeds an IPv4 address is classified by the embedded address.
    #[test]
    fn ipv6_forms_embedding_ipv4_follow_the_embedded_address() {
        let cases = [
            ("IPv4-mapped", "::ffff:7f00:1", "::ffff:808:808"),
            ("IPv4-mapped (dotted)", "::ffff:10.0.0.1", "::ffff:1.1.1.1"),
            ("IPv4-translated", "::ffff:0:7f00:1", "::ffff:0:808:808"),
            (
                "IPv4-translated (private)",
                "::ffff:0:c0a8:101",
                "::ffff:0:101:101",
            ),
            ("IPv4-compatible", "::7f00:1", "::808:808"),
            ("IPv4-compatible (metadata)", "::a9fe:a9fe", "::5db8:d822"),
            ("NAT64", "64:ff9b::7f00:1", "64:ff9b::808:808"),
            ("NAT64 (private)", "64:ff9b::a00:1", "64:ff9b::101:101"),
            ("6to4", "2002:7f00:1::", "2002:808:808::1"),
            ("6to4 (private)", "2002:c0a8:101::1", "2002:101:101::1"),
            // Teredo: server 127.0.0.1, or client 10.0.0.1 (stored inverted: f5ff:fffe)
            (
                "Teredo (server)",
                "2001:0:7f00:1::",
                "2001:0:808:808:0:0:f7f7:f7f7",
            ),
            (
                "Teredo (client)",
                "2001:0:808:808::f5ff:fffe",
                "2001:0:101:101::fefe:fefe",
            ),
        ];
        for (form, private, public) in cases {
            assert!(is_non_public(private.parse().unwrap()), "{form}: {private}");
            assert!(!is_non_public(public.parse().unwrap()), "{form}: {public}");
        }
    }

    #[test]
    fn allow_list_entries_name_host_and_port() {
        let allow = vec![
            "localhost".to_string(),
            "127.0.0.1:8080".into(),
            "[::1]:9000".into(),
        ];
        assert!(allowed_private(&allow, "localhost", 80));
        assert!(allowed_private(&allow, "LOCALHOST", 443));
        assert!(
            !allowed_private(&allow, "localhost", 9300),
            "a bare host is not every port"
        );
        assert!(allowed_private(&allow, "127.0.0.1", 8080));
        assert!(!allowed_private(&allow, "127.0.0.1", 8081));
        assert!(!allowed_private(&allow, "127.0.0.1", 80));
        assert!(allowed_private(&allow, "[::1]", 9000));
        assert!(!allowed_private(&allow, "::1", 9001));
        assert_eq!(split_host_port("::1"), ("::1".into(), None));
        assert_eq!(split_host_port("[::1]"), ("::1".into(), None));
        assert_eq!(split_host_port("h:x"), ("h:x".into(), None));
    }

    #[test]
    fn html_conversion_drops_scripts() {
        let md = html_to_markdown(
            "<html><head><title>x</title><script>evil()</script></head><body><h1>Title</h1><p>Hello <b>world</b></p></body></html>",
        );
        assert!(md.contains("# Title"), "{md}");
        assert!(md.contains("Hello **world**"), "{md}");
        assert!(!md.contains("evil"), "{md}");
        let t = html_to_text("<h1>Title</h1><p><a href=\"/x\">link</a></p>");
        assert!(
            t.contains("Title") && t.contains("link") && !t.contains('#'),
            "{t}"
        );
    }
}
