//! The one error mapper of the bridge.
//!
//! Every failure reaches JavaScript as an `Error` whose message is [`ERROR_MARKER`] followed
//! by a JSON payload (`kind`, `message`, `status`, `code`, `requestId`, `retryAfterMs`,
//! `connect`, `display`). The TypeScript layer (`ts/errors.ts`, `mapNativeError`) is the only
//! reader: it turns the payload into the matching `EverrunsError` subclass. Classification
//! itself (status → kind) is the core's ([`everruns_core::client::Error`]).

use everruns_core::client::Error as CoreError;
use serde::Serialize;

/// Prefix of the message of every error the addon raises.
pub const ERROR_MARKER: &str = "\u{1}everruns-error:";

/// The structured error the TypeScript layer turns into an `EverrunsError` subclass.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ErrorPayload {
    /// Core variant name (`NotFound`, `RateLimited`, …) or a bridge kind (`Aborted`,
    /// `ClientClosed`).
    pub kind: String,
    /// Human-readable message (without status/code decoration).
    pub message: String,
    /// HTTP status, when there was a response.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub status: Option<u16>,
    /// Stable error code.
    pub code: String,
    /// The server's `X-Request-Id`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub request_id: Option<String>,
    /// Requested wait before retrying (429), in milliseconds.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub retry_after_ms: Option<u64>,
    /// Network errors: true when the connection could not be established.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub connect: Option<bool>,
    /// The full one-line description (the core's `Display`).
    pub display: String,
}

impl ErrorPayload {
    /// A payload of a bridge-level kind (no HTTP status).
    pub fn bridge(kind: &str, code: &str, message: impl Into<String>) -> Self {
        let message = message.into();
        Self {
            kind: kind.to_string(),
            display: message.clone(),
            message,
            status: None,
            code: code.to_string(),
            request_id: None,
            retry_after_ms: None,
            connect: None,
        }
    }

    /// Encodes the payload as a napi error.
    pub fn into_napi(self) -> napi::Error {
        let json = serde_json::to_string(&self).unwrap_or_else(|_| {
            format!(
                r#"{{"kind":"Api","message":{:?},"code":"unknown","display":{:?}}}"#,
                self.message, self.message
            )
        });
        napi::Error::from_reason(format!("{ERROR_MARKER}{json}"))
    }
}

impl From<&CoreError> for ErrorPayload {
    fn from(e: &CoreError) -> Self {
        Self {
            kind: e.kind().to_string(),
            message: e.message().to_string(),
            status: e.status(),
            code: e.code().to_string(),
            request_id: e.request_id().map(str::to_string),
            retry_after_ms: e
                .retry_after()
                .map(|d| u64::try_from(d.as_millis()).unwrap_or(u64::MAX)),
            connect: match e {
                CoreError::Network { connect, .. } => Some(*connect),
                _ => None,
            },
            display: e.to_string(),
        }
    }
}

/// A core error as a napi error.
pub fn core_error(e: CoreError) -> napi::Error {
    ErrorPayload::from(&e).into_napi()
}

/// The call was aborted through its `AbortSignal`.
pub fn aborted() -> napi::Error {
    ErrorPayload::bridge("Aborted", "aborted", "the operation was aborted").into_napi()
}

/// The client was closed.
pub fn client_closed() -> napi::Error {
    ErrorPayload::bridge("ClientClosed", "client_closed", "the client is closed").into_napi()
}

/// A result that could not be encoded for JavaScript (never expected).
pub fn encode_error(e: serde_json::Error) -> napi::Error {
    ErrorPayload::bridge(
        "Decode",
        "encode_failed",
        format!("cannot encode result: {e}"),
    )
    .into_napi()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn payload_from_core() {
        let e = CoreError::from_response(
            429,
            r#"{"error":{"code":"rate_limited","message":"slow down"}}"#,
            Some("req_9".into()),
            Some(std::time::Duration::from_millis(1500)),
        );
        let p = ErrorPayload::from(&e);
        assert_eq!(p.kind, "RateLimited");
        assert_eq!(p.status, Some(429));
        assert_eq!(p.code, "rate_limited");
        assert_eq!(p.message, "slow down");
        assert_eq!(p.request_id.as_deref(), Some("req_9"));
        assert_eq!(p.retry_after_ms, Some(1500));
        let err = p.into_napi();
        let json = err.reason.strip_prefix(ERROR_MARKER).unwrap();
        let v: serde_json::Value = serde_json::from_str(json).unwrap();
        assert_eq!(v["requestId"], "req_9");
        assert_eq!(v["retryAfterMs"], 1500);
    }
}
