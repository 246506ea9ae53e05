//! The `Everruns-Change-Reason` request header: UTF-8, percent-encoded by clients, recorded
//! with the change it explains (see [`crate::service::Change`]).

use axum::http::HeaderMap;

use crate::error::{ApiError, ApiResult};
use crate::service::Change;

/// The header's name.
pub const CHANGE_REASON_HEADER: &str = "everruns-change-reason";

/// Longest reason accepted, in characters (after decoding and trimming).
pub const MAX_CHANGE_REASON_CHARS: usize = 1000;

fn invalid(msg: impl Into<String>) -> ApiError {
    ApiError::bad_request("invalid_change_reason", msg)
}

fn hex(b: u8) -> Option<u8> {
    match b {
        b'0'..=b'9' => Some(b - b'0'),
        b'a'..=b'f' => Some(b - b'a' + 10),
        b'A'..=b'F' => Some(b - b'A' + 10),
        _ => None,
    }
}

/// Decodes `%XX` escapes (a `+` stays a `+`).
fn percent_decode(raw: &[u8]) -> ApiResult<String> {
    let mut out = Vec::with_capacity(raw.len());
    let mut i = 0;
    while i < raw.len() {
        if raw[i] == b'%' {
            let pair = raw
                .get(i + 1)
                .copied()
                .and_then(hex)
                .zip(raw.get(i + 2).copied().and_then(hex));
            let (h, l) = pair.ok_or_else(|| invalid("The change reason has a bad `%` escape."))?;
            out.push(h * 16 + l);
            i += 3;
        } else {
            out.push(raw[i]);
            i += 1;
        }
    }
    String::from_utf8(out).map_err(|_| invalid("The change reason is not UTF-8 once decoded."))
}

/// Whether the text looks like it carries a credential (an Everruns key or a provider key).
fn looks_secret(text: &str) -> bool {
    let lower = text.to_ascii_lowercase();
    ["evr_", "sk-", "bearer ", "api_key=", "apikey=", "password="]
        .iter()
        .any(|p| lower.contains(p))
}

/// Reads and checks the change reason of a request (absent or blank: no reason).
pub fn change(headers: &HeaderMap) -> ApiResult<Change> {
    let Some(v) = headers.get(CHANGE_REASON_HEADER) else {
        return Ok(Change::none());
    };
    let text = percent_decode(v.as_bytes())?;
    let text = text.trim();
    if text.is_empty() {
        return Ok(Change::none());
    }
    let n = text.chars().count();
    if n > MAX_CHANGE_REASON_CHARS {
        return Err(invalid(format!(
            "The change reason is {n} characters; at most {MAX_CHANGE_REASON_CHARS} are accepted."
        )));
    }
    if text
        .chars()
        .any(|c| c.is_control() && c != '\n' && c != '\t')
    {
        return Err(invalid(
            "The change reason contains control characters (only newline and tab are allowed).",
        ));
    }
    if looks_secret(text) {
        return Err(invalid(
            "The change reason looks like it contains a credential; it is stored in the history, so it is refused.",
        ));
    }
    Ok(Change {
        reason: Some(text.to_string()),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn h(v: &str) -> HeaderMap {
        let mut m = HeaderMap::new();
        m.insert(CHANGE_REASON_HEADER, v.parse().unwrap());
        m
    }

    #[test]
    fn decodes_and_checks() {
        assert_eq!(
            change(&h("fix%20the%20prompt%20%E2%9C%93"))
                .unwrap()
                .reason
                .as_deref(),
            Some("fix the prompt ✓")
        );
        assert_eq!(change(&h("a+b")).unwrap().reason.as_deref(), Some("a+b"));
        assert_eq!(change(&h("%20%20")).unwrap().reason, None);
        assert_eq!(change(&HeaderMap::new()).unwrap().reason, None);
        assert_eq!(
            change(&h("bad%2")).unwrap_err().code,
            "invalid_change_reason"
        );
        assert_eq!(
            change(&h("a%00b")).unwrap_err().code,
            "invalid_change_reason"
        );
        assert_eq!(
            change(&h("key%20evr_abc")).unwrap_err().code,
            "invalid_change_reason"
        );
        assert_eq!(
            change(&h(&"x".repeat(1001))).unwrap_err().code,
            "invalid_change_reason"
        );
        assert!(change(&h("line%0Anext")).is_ok());
    }
}
