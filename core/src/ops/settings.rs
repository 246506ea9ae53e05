//! Client, call and stream settings from a host, parsed and validated once for every language.
//!
//! Durations are seconds (JavaScript's facade converts its `…Ms` options). For the stream's
//! liveness and stall timers `0` means off, in every language.

use std::collections::BTreeMap;

use serde_json::Value;

use super::args::Args;
use super::input::Spelling;
use super::spec::{optional, Param, Ty};
use crate::client::{Error, Everruns, EverrunsBuilder, RequestOptions, Result, StreamOptions};

/// The settings a host's client constructor accepts (see [`client_builder`]).
pub const CLIENT_SETTINGS: &[Param] = &[
    optional("api_key", Ty::Str, None, "API token (default: `EVERRUNS_API_KEY`)."),
    optional(
        "base_url",
        Ty::Str,
        None,
        "Base URL including `/api` (default: `EVERRUNS_API_URL`, then `http://localhost:9300/api`).",
    ),
    optional("org_id", Ty::Str, None, "Sent as `X-Org-Id` (default: `EVERRUNS_ORG_ID`)."),
    optional("timeout", Ty::Seconds, Some("30"), "Whole-request timeout of REST calls."),
    optional("connect_timeout", Ty::Seconds, Some("10"), "TCP/TLS connect timeout."),
    optional("max_retries", Ty::Int, Some("3"), "Retries of a failed REST call (0 disables)."),
    optional("retry_base_delay", Ty::Seconds, Some("0.5"), "First retry backoff delay (doubles, jittered)."),
    optional("retry_max_delay", Ty::Seconds, Some("8"), "Retry backoff cap."),
    optional(
        "max_retry_after",
        Ty::Seconds,
        Some("60"),
        "Longest server-requested `Retry-After` honoured; a longer one surfaces the error.",
    ),
    optional("debug", Ty::Bool, None, "Log every request, token redacted (default: `EVERRUNS_DEBUG`)."),
    optional(
        "proxy",
        Ty::Str,
        None,
        "Proxy URL for every request, e.g. `http://user:pass@proxy:3128`; `none` turns proxies off (default: `HTTPS_PROXY`/`HTTP_PROXY`/`ALL_PROXY`, minus `NO_PROXY`).",
    ),
    optional(
        "ca_cert",
        Ty::Str,
        None,
        "PEM file of extra trusted CA certificates (default: `SSL_CERT_FILE`).",
    ),
    optional(
        "client_cert",
        Ty::Str,
        None,
        "PEM file with the client certificate chain for mutual TLS (and its key, unless given separately).",
    ),
    optional("client_key", Ty::Str, None, "PEM file with the client certificate's private key."),
    optional("read_env", Ty::Bool, Some("true"), "Read unset values from the environment."),
];

/// A builder from a host's client settings (keys of [`CLIENT_SETTINGS`]); `user_agent` is the
/// host package's product string.
pub fn client_builder(
    settings: Value,
    spelling: Spelling,
    user_agent: &str,
) -> Result<EverrunsBuilder> {
    let mut a = Args::new(settings, spelling).map_err(as_config)?;
    a.check(CLIENT_SETTINGS).map_err(as_config)?;
    let built = (|| -> Result<EverrunsBuilder> {
        let mut b = Everruns::builder().user_agent(user_agent);
        if a.flag("read_env", true)? {
            b = b.with_env();
        }
        if let Some(v) = a.opt::<String>("api_key")? {
            b = b.api_key(v);
        }
        if let Some(v) = a.opt::<String>("base_url")? {
            b = b.base_url(v);
        }
        if let Some(v) = a.opt::<String>("org_id")? {
            b = b.org_id(v);
        }
        if let Some(v) = a.seconds("timeout")? {
            b = b.timeout(v);
        }
        if let Some(v) = a.seconds("connect_timeout")? {
            b = b.connect_timeout(v);
        }
        if let Some(v) = a.opt::<u32>("max_retries")? {
            b = b.max_retries(v);
        }
        if let Some(v) = a.seconds("retry_base_delay")? {
            b = b.retry_base_delay(v);
        }
        if let Some(v) = a.seconds("retry_max_delay")? {
            b = b.retry_max_delay(v);
        }
        if let Some(v) = a.seconds("max_retry_after")? {
            b = b.max_retry_after(v);
        }
        if let Some(v) = a.opt::<bool>("debug")? {
            b = b.debug(v);
        }
        if let Some(v) = a.opt::<String>("proxy")? {
            b = b.proxy(v);
        }
        if let Some(v) = a.opt::<String>("ca_cert")? {
            b = b.ca_cert(v);
        }
        let key = a.opt::<String>("client_key")?.map(std::path::PathBuf::from);
        match a.opt::<String>("client_cert")? {
            Some(cert) => b = b.client_cert(cert, key),
            None if key.is_some() => {
                return Err(Error::config("client_key was set without client_cert"));
            }
            None => {}
        }
        a.clone().done()?;
        Ok(b)
    })();
    built.map_err(as_config)
}

/// Settings errors are configuration errors (the client cannot be built).
fn as_config(e: Error) -> Error {
    match e {
        Error::Validation { message, .. } => Error::config(message),
        other => other,
    }
}

/// The per-call options hosts accept in `with_options` (keys of [`CALL_SETTINGS`]).
pub const CALL_SETTINGS: &[Param] = &[
    optional("timeout", Ty::Seconds, None, "Whole-request timeout (overrides the client's)."),
    optional("max_retries", Ty::Int, None, "Retries after the first attempt (overrides the client's)."),
    optional(
        "idempotency_key",
        Ty::Str,
        None,
        "Sent as `Idempotency-Key`: makes a POST safe to retry. Use a fresh key per logical operation.",
    ),
    optional("headers", Ty::Json, None, "Extra request headers (name → value)."),
    optional(
        "reason",
        Ty::Str,
        None,
        "Change reason recorded with what the call changes (sent as `Everruns-Change-Reason`).",
    ),
];

/// Per-call options from a host's `with_options` arguments.
pub fn request_options(settings: Value, spelling: Spelling) -> Result<RequestOptions> {
    let mut a = Args::new(settings, spelling)?;
    a.check(CALL_SETTINGS)?;
    let mut o = RequestOptions::new();
    if let Some(t) = a.seconds("timeout")? {
        o = o.timeout(t);
    }
    if let Some(n) = a.opt::<u32>("max_retries")? {
        o = o.max_retries(n);
    }
    if let Some(k) = a.opt::<String>("idempotency_key")? {
        o = o.idempotency_key(k);
    }
    if let Some(h) = a.opt::<BTreeMap<String, String>>("headers")? {
        for (k, v) in h {
            o = o.header(k, v);
        }
    }
    if let Some(r) = a.opt::<String>("reason")? {
        o = o.reason(&r)?;
    }
    a.done()?;
    Ok(o)
}

/// The parameters of `events.stream` after `session_id`.
pub const STREAM_SETTINGS: &[Param] = &[
    optional(
        "since_id",
        Ty::Str,
        None,
        "Start strictly after this event (overrides the default cursor).",
    ),
    optional(
        "from_beginning",
        Ty::Bool,
        Some("false"),
        "Replay the whole history.",
    ),
    optional(
        "types",
        Ty::StrList,
        None,
        "Only these event types (framing events always come).",
    ),
    optional("exclude", Ty::StrList, None, "Not these event types."),
    optional(
        "max_retries",
        Ty::Int,
        None,
        "Unexpected disconnects tolerated in a row (default unlimited).",
    ),
    optional(
        "liveness_timeout",
        Ty::Seconds,
        Some("45"),
        "Reconnect when no bytes arrive for this long (0: off).",
    ),
    optional(
        "stall_timeout",
        Ty::Seconds,
        Some("0"),
        "Reconnect when no event arrives for this long (0: off).",
    ),
    optional(
        "connect_timeout",
        Ty::Seconds,
        Some("30"),
        "Time allowed for one connection's response headers.",
    ),
    optional(
        "max_event_bytes",
        Ty::Int,
        Some("16777216"),
        "Largest accepted event, in bytes.",
    ),
    optional(
        "initial_backoff",
        Ty::Seconds,
        Some("1"),
        "First reconnect delay (doubles, jittered).",
    ),
    optional(
        "max_backoff",
        Ty::Seconds,
        Some("30"),
        "Reconnect delay cap.",
    ),
];

/// Stream options from the remaining arguments of `events.stream`.
pub fn stream_options(mut a: Args) -> Result<StreamOptions> {
    let mut o = StreamOptions {
        since_id: a.opt("since_id")?,
        from_beginning: a.flag("from_beginning", false)?,
        types: a.opt("types")?.unwrap_or_default(),
        exclude: a.opt("exclude")?.unwrap_or_default(),
        max_retries: a.opt("max_retries")?,
        ..StreamOptions::default()
    };
    if let Some(t) = a.seconds("liveness_timeout")? {
        o.liveness_timeout = (!t.is_zero()).then_some(t);
    }
    if let Some(t) = a.seconds("stall_timeout")? {
        o.stall_timeout = (!t.is_zero()).then_some(t);
    }
    if let Some(t) = a.seconds("connect_timeout")? {
        o.connect_timeout = t;
    }
    if let Some(n) = a.opt::<usize>("max_event_bytes")? {
        o.max_event_bytes = n;
    }
    if let Some(t) = a.seconds("initial_backoff")? {
        o.initial_backoff = t;
    }
    if let Some(t) = a.seconds("max_backoff")? {
        o.max_backoff = t;
    }
    a.done()?;
    Ok(o)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;
    use std::time::Duration;

    #[test]
    fn zero_turns_stream_timers_off_in_every_spelling() {
        let a = Args::new(
            json!({"livenessTimeout": 0, "stall_timeout": 2.5}),
            Spelling::Camel,
        )
        .unwrap();
        let o = stream_options(a).unwrap();
        assert_eq!(o.liveness_timeout, None);
        assert_eq!(o.stall_timeout, Some(Duration::from_millis(2500)));
        let defaults = stream_options(Args::new(json!({}), Spelling::Snake).unwrap()).unwrap();
        assert_eq!(
            defaults.liveness_timeout,
            StreamOptions::default().liveness_timeout
        );
        let e = stream_options(Args::new(json!({"livenes_timeout": 1}), Spelling::Snake).unwrap())
            .unwrap_err();
        assert!(e.to_string().contains("livenes_timeout"), "{e}");
    }

    #[test]
    fn client_settings_are_validated_as_configuration() {
        let e = client_builder(json!({"timeout": -1}), Spelling::Snake, "x/1")
            .err()
            .unwrap();
        assert!(matches!(e, Error::Config { .. }), "{e:?}");
        let e = client_builder(json!({"base_url": "ftp://x"}), Spelling::Snake, "x/1")
            .unwrap()
            .build()
            .unwrap_err();
        assert!(matches!(e, Error::Config { .. }), "{e:?}");
        let c = client_builder(
            json!({"baseUrl": "http://h.test/api", "timeout": 2, "readEnv": false}),
            Spelling::Camel,
            "x/1",
        )
        .unwrap()
        .build()
        .unwrap();
        assert_eq!(c.timeout(), Duration::from_secs(2));
        assert_eq!(c.user_agent(), "x/1");
        let e = client_builder(json!({"apiKy": "k"}), Spelling::Camel, "x/1")
            .err()
            .unwrap();
        assert!(e.to_string().contains("apiKy"), "{e}");
    }

    #[test]
    fn call_options() {
        let o = request_options(
            json!({"timeout": 1.5, "idempotency_key": "k", "headers": {"x-a": "1"}}),
            Spelling::Snake,
        )
        .unwrap();
        assert_eq!(o.timeout, Some(Duration::from_millis(1500)));
        assert_eq!(o.headers, vec![("x-a".to_string(), "1".to_string())]);
    }
}
