//! Error bodies (docs/wire.md#3.4, docs/decisions.md#5).
//!
//! The server sends one hybrid body every generation of client can read; clients parse all three
//! generations (and HTML pages) with [`parse_error_body`].

use serde::{Deserialize, Serialize};

/// The `error` member of a G1 body: `{"code","message"}`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ErrorDetail {
    /// Stable snake_case code, e.g. `agent_not_found`.
    pub code: String,
    /// Human-readable message.
    pub message: String,
}

/// The hybrid error body: G1 `error` object plus RFC 9457 problem fields (G3).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ErrorResponse {
    /// G1 object.
    pub error: ErrorDetail,
    /// Problem type URI.
    #[serde(rename = "type")]
    pub problem_type: String,
    /// Short summary, e.g. `Not Found`.
    pub title: String,
    /// HTTP status.
    pub status: u16,
    /// Occurrence-specific explanation (same as `error.message`).
    pub detail: String,
    /// Stable code (same as `error.code`).
    pub code: String,
    /// Seconds to wait, for 429 and transient 503.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub retry_after_seconds: Option<u64>,
}

impl ErrorResponse {
    /// Builds the hybrid body for `status` with a stable `code` and a message.
    pub fn new(status: u16, code: impl Into<String>, message: impl Into<String>) -> Self {
        let code = code.into();
        let message = message.into();
        Self {
            problem_type: format!("https://docs.everruns.com/errors/{code}"),
            title: status_title(status).to_string(),
            status,
            detail: message.clone(),
            error: ErrorDetail {
                code: code.clone(),
                message,
            },
            code,
            retry_after_seconds: None,
        }
    }
}

/// The canonical reason phrase of an HTTP status.
pub fn status_title(status: u16) -> &'static str {
    match status {
        400 => "Bad Request",
        401 => "Unauthorized",
        403 => "Forbidden",
        404 => "Not Found",
        405 => "Method Not Allowed",
        408 => "Request Timeout",
        409 => "Conflict",
        413 => "Payload Too Large",
        415 => "Unsupported Media Type",
        422 => "Unprocessable Entity",
        429 => "Too Many Requests",
        500 => "Internal Server Error",
        502 => "Bad Gateway",
        503 => "Service Unavailable",
        504 => "Gateway Timeout",
        _ => "Error",
    }
}

/// What a client learns from an error body of any generation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ParsedError {
    /// Stable code (`unknown` when the body has none).
    pub code: String,
    /// Message for humans; `HTTP <status>` for HTML pages and empty bodies.
    pub message: String,
    /// `retry_after_seconds` from a problem body.
    pub retry_after_seconds: Option<u64>,
}

/// True when a body (after leading whitespace, case-insensitively) starts with `<!doctype` or
/// `<html`.
pub fn is_html(body: &str) -> bool {
    let head: String = body
        .trim_start()
        .chars()
        .take(9)
        .collect::<String>()
        .to_ascii_lowercase();
    head.starts_with("<!doctype") || head.starts_with("<html")
}

/// Parses an error body in order G1 (`error` object) → G3 (`code`, `detail`/`title`) → G2
/// (`error` string) → raw text. HTML and empty bodies give `HTTP <status>`.
pub fn parse_error_body(status: u16, body: &str) -> ParsedError {
    let fallback = |message: String| ParsedError {
        code: "unknown".into(),
        message,
        retry_after_seconds: None,
    };
    if body.trim().is_empty() || is_html(body) {
        return fallback(format!("HTTP {status}"));
    }
    let Ok(v) = serde_json::from_str::<serde_json::Value>(body) else {
        return fallback(truncate(body.trim(), 2000));
    };
    let str_of = |v: &serde_json::Value, k: &str| {
        v.get(k)
            .and_then(|x| x.as_str())
            .filter(|s| !s.is_empty())
            .map(str::to_string)
    };
    let retry_after_seconds = v.get("retry_after_seconds").and_then(|x| x.as_u64());
    if let Some(err) = v.get("error") {
        if err.is_object() {
            return ParsedError {
                code: str_of(err, "code")
                    .or_else(|| str_of(&v, "code"))
                    .unwrap_or_else(|| "unknown".into()),
                message: str_of(err, "message")
                    .or_else(|| str_of(&v, "detail"))
                    .unwrap_or_else(|| format!("HTTP {status}")),
                retry_after_seconds,
            };
        }
    }
    if v.get("title").is_some() || v.get("detail").is_some() {
        return ParsedError {
            code: str_of(&v, "code").unwrap_or_else(|| "unknown".into()),
            message: str_of(&v, "detail")
                .or_else(|| str_of(&v, "title"))
                .unwrap_or_else(|| format!("HTTP {status}")),
            retry_after_seconds,
        };
    }
    if let Some(s) = v.get("error").and_then(|e| e.as_str()) {
        return ParsedError {
            code: str_of(&v, "code").unwrap_or_else(|| "unknown".into()),
            message: s.to_string(),
            retry_after_seconds,
        };
    }
    if let Some(m) = str_of(&v, "message") {
        return ParsedError {
            code: str_of(&v, "code").unwrap_or_else(|| "unknown".into()),
            message: m,
            retry_after_seconds,
        };
    }
    fallback(truncate(body.trim(), 2000))
}

fn truncate(s: &str, max: usize) -> String {
    if s.len() <= max {
        s.to_string()
    } else {
        let mut end = max;
        while !s.is_char_boundary(end) {
            end -= 1;
        }
        format!("{}…", &s[..end])
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn generations() {
        let g1 = r#"{"error":{"code":"agent_not_found","message":"Agent x not found"}}"#;
        assert_eq!(parse_error_body(404, g1).code, "agent_not_found");
        assert_eq!(parse_error_body(404, g1).message, "Agent x not found");
        let g2 = r#"{"error":"bad thing","status":400}"#;
        assert_eq!(parse_error_body(400, g2).message, "bad thing");
        assert_eq!(parse_error_body(400, g2).code, "unknown");
        let g3 = r#"{"title":"Too Many Requests","status":429,"code":"rate_limited","retry_after_seconds":7}"#;
        let p = parse_error_body(429, g3);
        assert_eq!(
            (p.code.as_str(), p.message.as_str()),
            ("rate_limited", "Too Many Requests")
        );
        assert_eq!(p.retry_after_seconds, Some(7));
        let hybrid =
            serde_json::to_string(&ErrorResponse::new(404, "session_not_found", "gone")).unwrap();
        let p = parse_error_body(404, &hybrid);
        assert_eq!(
            (p.code.as_str(), p.message.as_str()),
            ("session_not_found", "gone")
        );
    }

    #[test]
    fn html_and_text() {
        assert_eq!(
            parse_error_body(502, "  <!DOCTYPE html><p>x</p>").message,
            "HTTP 502"
        );
        assert_eq!(parse_error_body(502, "<HTML><body>").message, "HTTP 502");
        assert_eq!(parse_error_body(500, "").message, "HTTP 500");
        assert_eq!(
            parse_error_body(500, "plain failure").message,
            "plain failure"
        );
    }
}
