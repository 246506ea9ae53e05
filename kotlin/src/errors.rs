//! The one error type of the bridge: every failure reaches Kotlin as `NativeException.Failure`
//! carrying the core's error kind (`NotFound`, `Validation`, `Server`, …, see
//! `everruns_core::client::Error::kind`) and details. The Kotlin facade (`Errors.kt`) maps the
//! kind to its sealed `EverrunsException` subclass in one table.

use everruns_core::client::Error as CoreError;

/// A failure of the core or of the bridge.
#[derive(Debug, Clone, PartialEq, thiserror::Error, uniffi::Error)]
pub enum NativeError {
    /// Every failure: the fields describe it.
    #[error("{display}")]
    Failure {
        /// Core variant name (`NotFound`, `RateLimited`, …) or a bridge kind (`Aborted`,
        /// `ClientClosed`).
        kind: String,
        /// HTTP status, when there was a response.
        status: Option<u16>,
        /// Stable error code.
        code: String,
        /// The server's `X-Request-Id`.
        request_id: Option<String>,
        /// Requested wait before retrying (429), in milliseconds.
        retry_after_ms: Option<u64>,
        /// The one-line description (the core's `Display`: message, status, code, request id).
        display: String,
    },
}

impl NativeError {
    /// A failure of a bridge-level kind (no HTTP status).
    pub fn bridge(kind: &str, code: &str, message: impl Into<String>) -> Self {
        NativeError::Failure {
            kind: kind.into(),
            display: message.into(),
            status: None,
            code: code.into(),
            request_id: None,
            retry_after_ms: None,
        }
    }

    /// The call was cancelled.
    pub fn aborted() -> Self {
        Self::bridge("Aborted", "aborted", "the operation was aborted")
    }

    /// The client was closed.
    pub fn client_closed() -> Self {
        Self::bridge("ClientClosed", "client_closed", "the client is closed")
    }

    /// A result that could not be encoded (never expected).
    pub fn encode(e: serde_json::Error) -> Self {
        Self::bridge(
            "Decode",
            "encode_failed",
            format!("cannot encode result: {e}"),
        )
    }
}

impl From<CoreError> for NativeError {
    fn from(e: CoreError) -> Self {
        NativeError::Failure {
            kind: e.kind().into(),
            status: e.status(),
            code: e.code().into(),
            request_id: e.request_id().map(str::to_string),
            retry_after_ms: e
                .retry_after()
                .map(|d| u64::try_from(d.as_millis()).unwrap_or(u64::MAX)),
            display: e.to_string(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn failure_from_core() {
        let e = CoreError::from_response(
            429,
            r#"{"error":{"code":"rate_limited","message":"slow down"}}"#,
            Some("req_9".into()),
            Some(std::time::Duration::from_millis(1500)),
        );
        let NativeError::Failure {
            kind,
            display,
            status,
            code,
            request_id,
            retry_after_ms,
            ..
        } = NativeError::from(e);
        assert_eq!(kind, "RateLimited");
        assert_eq!(status, Some(429));
        assert_eq!(code, "rate_limited");
        assert!(display.contains("slow down"), "{display}");
        assert_eq!(request_id.as_deref(), Some("req_9"));
        assert_eq!(retry_after_ms, Some(1500));
    }
}
