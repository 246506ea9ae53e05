//! The one error type of the client.

use std::time::Duration;

use crate::types::error_body::parse_error_body;

/// Result alias used by every client call.
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// Everything a client call can fail with.
///
/// HTTP failures are classified by status (400/422 → [`Error::Validation`], 401 →
/// [`Error::Authentication`], 403 → [`Error::Permission`], 404 → [`Error::NotFound`], 409 →
/// [`Error::Conflict`], 429 → [`Error::RateLimited`], anything else → [`Error::Api`]). Every
/// variant answers [`Error::status`], [`Error::code`], [`Error::message`] and
/// [`Error::request_id`] (the server's `X-Request-Id`).
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// An HTTP error without a more specific variant (e.g. 408, 5xx, other 4xx).
    #[error("{message} (HTTP {status}, code {code}{})", rid_suffix(request_id))]
    Api {
        /// HTTP status.
        status: u16,
        /// Stable snake_case code from the error body (`unknown` when absent).
        code: String,
        /// Human-readable message.
        message: String,
        /// `X-Request-Id` of the response.
        request_id: Option<String>,
    },
    /// 404: the resource does not exist.
    #[error("not found: {message} (code {code}{})", rid_suffix(request_id))]
    NotFound {
        /// HTTP status (404).
        status: u16,
        /// Stable code, e.g. `session_not_found`.
        code: String,
        /// Human-readable message.
        message: String,
        /// `X-Request-Id` of the response.
        request_id: Option<String>,
    },
    /// 429: too many requests.
    #[error(
        "rate limited: {message}{}{}",
        retry_suffix(retry_after),
        rid_suffix(request_id)
    )]
    RateLimited {
        /// HTTP status (429).
        status: u16,
        /// Stable code.
        code: String,
        /// Human-readable message.
        message: String,
        /// `X-Request-Id` of the response.
        request_id: Option<String>,
        /// How long the server asked the client to wait (`Retry-After`, `retry-after-ms` or
        /// the body's `retry_after_seconds`).
        retry_after: Option<Duration>,
    },
    /// 400/422 from the server, or input the client rejected before sending (`status` is
    /// `None` then and nothing was sent).
    #[error("invalid request: {message}{}{}", status.map(|s| format!(" (HTTP {s}, code {code})")).unwrap_or_default(), rid_suffix(request_id))]
    Validation {
        /// HTTP status, `None` for client-side validation.
        status: Option<u16>,
        /// Stable code (`invalid_input` for client-side checks).
        code: String,
        /// Human-readable message.
        message: String,
        /// `X-Request-Id` of the response.
        request_id: Option<String>,
    },
    /// 401: missing or invalid token.
    #[error(
        "authentication failed: {message} (code {code}{})",
        rid_suffix(request_id)
    )]
    Authentication {
        /// HTTP status (401).
        status: u16,
        /// Stable code.
        code: String,
        /// Human-readable message.
        message: String,
        /// `X-Request-Id` of the response.
        request_id: Option<String>,
    },
    /// 403: the token may not do this (e.g. writing a read-only file).
    #[error("permission denied: {message} (code {code}{})", rid_suffix(request_id))]
    Permission {
        /// HTTP status (403).
        status: u16,
        /// Stable code, e.g. `readonly`.
        code: String,
        /// Human-readable message.
        message: String,
        /// `X-Request-Id` of the response.
        request_id: Option<String>,
    },
    /// 409: conflicts with the current state (e.g. the file already exists).
    #[error("conflict: {message} (code {code}{})", rid_suffix(request_id))]
    Conflict {
        /// HTTP status (409).
        status: u16,
        /// Stable code.
        code: String,
        /// Human-readable message.
        message: String,
        /// `X-Request-Id` of the response.
        request_id: Option<String>,
    },
    /// The connection failed or broke.
    #[error("network error: {message}")]
    Network {
        /// What happened.
        message: String,
        /// True when the connection could not be established, i.e. the request provably did
        /// not reach the server.
        connect: bool,
    },
    /// A TLS handshake failed because of a certificate: untrusted issuer, expired, wrong host
    /// name, or a client certificate missing or rejected. Not retried.
    #[error("TLS error ({}): {message}", reason.code())]
    Tls {
        /// Why, as a stable reason (its [`crate::client::TlsReason::code`] is the error's code).
        reason: crate::client::TlsReason,
        /// What happened, with a hint and the underlying error.
        message: String,
    },
    /// A request, connect, liveness or stall timeout fired.
    #[error("timed out: {message}")]
    Timeout {
        /// What timed out.
        message: String,
    },
    /// A successful response whose body could not be decoded.
    #[error("could not decode the response: {message}{}", rid_suffix(request_id))]
    Decode {
        /// HTTP status of the response.
        status: Option<u16>,
        /// What failed to decode.
        message: String,
        /// `X-Request-Id` of the response.
        request_id: Option<String>,
    },
    /// The event stream failed in a way that is not an HTTP or network error (e.g. an event
    /// larger than the configured limit, or a connection that closed without `disconnecting`
    /// once retries are exhausted).
    #[error("event stream error: {message}")]
    Stream {
        /// What happened.
        message: String,
    },
    /// The client was closed ([`crate::client::Everruns::close`]): calls in flight and calls
    /// made afterwards fail with this; open streams end.
    #[error("the client is closed")]
    Closed,
    /// The client was configured with unusable values (base URL, token, organization id).
    #[error("invalid client configuration: {message}")]
    Config {
        /// What is wrong.
        message: String,
    },
    /// The turn a one-call `run` followed ended with `turn.failed` (or `turn.cancelled`, code
    /// `turn_cancelled`): `code` is the event's `error_code`.
    #[error("turn failed: {message} (code {code})")]
    TurnFailed {
        /// The event's `error_code` (`unknown` when absent).
        code: String,
        /// The event's `error`.
        message: String,
        /// The turn.
        turn_id: Option<String>,
    },
}

fn rid_suffix(rid: &Option<String>) -> String {
    match rid {
        Some(r) => format!(", request id {r}"),
        None => String::new(),
    }
}

fn retry_suffix(d: &Option<Duration>) -> String {
    match d {
        Some(d) => format!(" (retry after {:.3}s)", d.as_secs_f64()),
        None => String::new(),
    }
}

impl Error {
    /// An HTTP error classified by status, from a response body of any generation.
    pub fn from_response(
        status: u16,
        body: &str,
        request_id: Option<String>,
        retry_after: Option<Duration>,
    ) -> Self {
        let parsed = parse_error_body(status, body);
        let retry_after = retry_after.or(parsed.retry_after_seconds.map(Duration::from_secs));
        Self::from_parts(status, parsed.code, parsed.message, request_id, retry_after)
    }

    /// An HTTP error classified by status from its already-parsed parts.
    pub fn from_parts(
        status: u16,
        code: String,
        message: String,
        request_id: Option<String>,
        retry_after: Option<Duration>,
    ) -> Self {
        match status {
            400 | 422 => Error::Validation {
                status: Some(status),
                code,
                message,
                request_id,
            },
            401 => Error::Authentication {
                status,
                code,
                message,
                request_id,
            },
            403 => Error::Permission {
                status,
                code,
                message,
                request_id,
            },
            404 => Error::NotFound {
                status,
                code,
                message,
                request_id,
            },
            409 => Error::Conflict {
                status,
                code,
                message,
                request_id,
            },
            429 => Error::RateLimited {
                status,
                code,
                message,
                request_id,
                retry_after,
            },
            _ => Error::Api {
                status,
                code,
                message,
                request_id,
            },
        }
    }

    /// A client-side validation error: nothing was sent.
    pub fn validation(message: impl Into<String>) -> Self {
        Error::Validation {
            status: None,
            code: "invalid_input".into(),
            message: message.into(),
            request_id: None,
        }
    }

    pub(crate) fn config(message: impl Into<String>) -> Self {
        Error::Config {
            message: message.into(),
        }
    }

    /// The HTTP status, when the error came from a response.
    pub fn status(&self) -> Option<u16> {
        match self {
            Error::Api { status, .. }
            | Error::NotFound { status, .. }
            | Error::RateLimited { status, .. }
            | Error::Authentication { status, .. }
            | Error::Permission { status, .. }
            | Error::Conflict { status, .. } => Some(*status),
            Error::Validation { status, .. } | Error::Decode { status, .. } => *status,
            _ => None,
        }
    }

    /// A stable snake_case code: the server's code for HTTP errors, otherwise one of
    /// `invalid_input`, `network_error`, `connect_error`, `timeout`, `decode_error`,
    /// `stream_error`, `invalid_config`, `client_closed` or a `tls_…` code of
    /// [`crate::client::TlsReason`].
    pub fn code(&self) -> &str {
        match self {
            Error::Api { code, .. }
            | Error::NotFound { code, .. }
            | Error::RateLimited { code, .. }
            | Error::Validation { code, .. }
            | Error::Authentication { code, .. }
            | Error::Permission { code, .. }
            | Error::Conflict { code, .. } => code,
            Error::Network { connect: true, .. } => "connect_error",
            Error::Network { .. } => "network_error",
            Error::Tls { reason, .. } => reason.code(),
            Error::Timeout { .. } => "timeout",
            Error::Decode { .. } => "decode_error",
            Error::Stream { .. } => "stream_error",
            Error::Config { .. } => "invalid_config",
            Error::TurnFailed { code, .. } => code,
            Error::Closed => "client_closed",
        }
    }

    /// The human-readable message (without the status/code decoration of `Display`).
    pub fn message(&self) -> &str {
        match self {
            Error::Api { message, .. }
            | Error::NotFound { message, .. }
            | Error::RateLimited { message, .. }
            | Error::Validation { message, .. }
            | Error::Authentication { message, .. }
            | Error::Permission { message, .. }
            | Error::Conflict { message, .. }
            | Error::Network { message, .. }
            | Error::Tls { message, .. }
            | Error::Timeout { message }
            | Error::Decode { message, .. }
            | Error::Stream { message }
            | Error::Config { message }
            | Error::TurnFailed { message, .. } => message,
            Error::Closed => "the client is closed",
        }
    }

    /// The server's `X-Request-Id`, when the error came from a response that had one.
    pub fn request_id(&self) -> Option<&str> {
        match self {
            Error::Api { request_id, .. }
            | Error::NotFound { request_id, .. }
            | Error::RateLimited { request_id, .. }
            | Error::Validation { request_id, .. }
            | Error::Authentication { request_id, .. }
            | Error::Permission { request_id, .. }
            | Error::Conflict { request_id, .. }
            | Error::Decode { request_id, .. } => request_id.as_deref(),
            _ => None,
        }
    }

    /// How long the server asked to wait, for rate-limit errors.
    pub fn retry_after(&self) -> Option<Duration> {
        match self {
            Error::RateLimited { retry_after, .. } => *retry_after,
            _ => None,
        }
    }

    /// True for failures that may succeed when tried again: network errors, timeouts, 408,
    /// 409, 429 and 5xx.
    pub fn is_retryable(&self) -> bool {
        match self {
            Error::Network { .. } | Error::Timeout { .. } => true,
            Error::RateLimited { .. } | Error::Conflict { .. } => true,
            Error::Api { status, .. } => *status == 408 || *status >= 500,
            _ => false,
        }
    }

    /// A short name of the variant, e.g. `NotFound` (handy for language bindings mapping to
    /// exception classes).
    pub fn kind(&self) -> &'static str {
        match self {
            Error::Api { status, .. } if *status >= 500 => "Server",
            Error::Api { .. } => "Api",
            Error::NotFound { .. } => "NotFound",
            Error::RateLimited { .. } => "RateLimited",
            Error::Validation { .. } => "Validation",
            Error::Authentication { .. } => "Authentication",
            Error::Permission { .. } => "Permission",
            Error::Conflict { .. } => "Conflict",
            Error::Network { .. } => "Network",
            Error::Tls { .. } => "Tls",
            Error::Timeout { .. } => "Timeout",
            Error::Decode { .. } => "Decode",
            Error::Stream { .. } => "Stream",
            Error::Config { .. } => "Config",
            Error::TurnFailed { .. } => "TurnFailed",
            Error::Closed => "Closed",
        }
    }

    pub(crate) fn from_reqwest(e: &reqwest::Error, what: &str) -> Self {
        if let Some(reason) = super::net::tls_reason(e) {
            let mut detail = String::new();
            let mut src = std::error::Error::source(e);
            while let Some(s) = src {
                if !detail.is_empty() {
                    detail.push_str(": ");
                }
                detail.push_str(&s.to_string());
                src = s.source();
            }
            return Error::tls(reason, &detail);
        }
        let connect = e.is_connect();
        let mut message = format!("{what}: {e}");
        let mut src = std::error::Error::source(e);
        while let Some(s) = src {
            message.push_str(": ");
            message.push_str(&s.to_string());
            src = s.source();
        }
        if e.is_timeout() && !connect {
            Error::Timeout { message }
        } else {
            Error::Network { message, connect }
        }
    }
}

impl From<crate::ids::InvalidId> for Error {
    fn from(e: crate::ids::InvalidId) -> Self {
        Error::validation(e.to_string())
    }
}

impl From<crate::types::files::PathError> for Error {
    fn from(e: crate::types::files::PathError) -> Self {
        Error::validation(e.to_string())
    }
}

impl From<crate::slug::NameError> for Error {
    fn from(e: crate::slug::NameError) -> Self {
        Error::validation(e.to_string())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn classification_and_accessors() {
        let e = Error::from_response(
            404,
            r#"{"error":{"code":"agent_not_found","message":"nope"}}"#,
            Some("req_1".into()),
            None,
        );
        assert!(matches!(e, Error::NotFound { .. }));
        assert_eq!(e.status(), Some(404));
        assert_eq!(e.code(), "agent_not_found");
        assert_eq!(e.message(), "nope");
        assert_eq!(e.request_id(), Some("req_1"));
        assert!(!e.is_retryable());
        assert!(e.to_string().contains("req_1"), "{e}");

        let e = Error::from_response(
            429,
            r#"{"title":"Too Many","retry_after_seconds":3}"#,
            None,
            None,
        );
        assert_eq!(e.retry_after(), Some(Duration::from_secs(3)));
        assert!(e.is_retryable());
        let e = Error::from_response(502, "<html>bad gateway</html>", None, None);
        assert_eq!(e.message(), "HTTP 502");
        assert!(e.is_retryable());
        let e = Error::validation("bad");
        assert_eq!((e.status(), e.code()), (None, "invalid_input"));
    }
}
