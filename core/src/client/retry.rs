//! The REST retry policy (docs/decisions.md#8, docs/wire.md#17) as pure, unit-testable functions.
//!
//! Rules:
//!
//! * Retried outcomes: connection failures, timeouts and broken connections, and the statuses
//!   408, 409, 429 and 5xx.
//! * A request that is **not idempotent** (a `POST` that creates something — a message, an
//!   agent without an id, a session, an import, a copy) is retried only when it provably did not
//!   reach the server (the connection could not be established) or the server answered 429 or
//!   503 (it refused the work). A `POST` that carries an `Idempotency-Key`, or an upsert by id or
//!   name, counts as idempotent. `GET`, `HEAD`, `OPTIONS`, `PUT`, `DELETE` and `PATCH` are
//!   always retried by these rules.
//! * A server header `x-should-retry: true|false` overrides the status rules.
//! * The delay is what the server asked for (`retry-after-ms`, then `Retry-After` as seconds or
//!   an HTTP date, then the problem body's `retry_after_seconds`) when that is at most
//!   [`RetryPolicy::max_retry_after`]; a longer request gives up and surfaces the error.
//!   Otherwise the delay is a jittered exponential backoff (via `backon`) from
//!   [`RetryPolicy::base_delay`] doubling up to [`RetryPolicy::max_delay`].

use std::time::{Duration, SystemTime};

use backon::BackoffBuilder;
use reqwest::header::HeaderMap;
use reqwest::Method;

/// Default number of retries after the first attempt.
pub const DEFAULT_MAX_RETRIES: u32 = 3;
/// Default first backoff delay.
pub const DEFAULT_BASE_DELAY: Duration = Duration::from_millis(500);
/// Default backoff cap.
pub const DEFAULT_MAX_DELAY: Duration = Duration::from_secs(8);
/// Default longest server-requested delay the client is willing to wait.
pub const DEFAULT_MAX_RETRY_AFTER: Duration = Duration::from_secs(60);

/// What happened on one attempt, as far as the retry policy cares.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AttemptOutcome {
    /// The connection could not be established: the request never reached the server.
    ConnectFailed,
    /// The request timed out after it may have been sent.
    TimedOut,
    /// The connection broke after the request may have been sent.
    NetworkFailed,
    /// The server answered.
    Status {
        /// HTTP status.
        status: u16,
        /// `retry_after_seconds` from a problem body (fallback when no header asks).
        body_retry_after_seconds: Option<u64>,
    },
}

impl AttemptOutcome {
    /// A response with `status` and no body hint.
    pub fn status(status: u16) -> Self {
        AttemptOutcome::Status {
            status,
            body_retry_after_seconds: None,
        }
    }
}

/// Why a request is not retried.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StopReason {
    /// The response was not an error.
    NotAnError,
    /// The status is not in the retried set (e.g. 400, 401, 403, 404, 422).
    NotRetryableStatus,
    /// The request is not idempotent and may have reached the server.
    NotIdempotent,
    /// The server said `x-should-retry: false`.
    ServerDeclined,
    /// The server asked to wait longer than [`RetryPolicy::max_retry_after`].
    RetryAfterTooLong(Duration),
    /// The retry budget is used up.
    Exhausted,
}

/// The verdict for one failed attempt.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RetryDecision {
    /// Try again, after `after` when the server asked for a delay, else after the backoff.
    Retry {
        /// The server-requested delay, if any.
        after: Option<Duration>,
    },
    /// Give up and surface the error.
    Stop(StopReason),
}

impl RetryDecision {
    /// True for [`RetryDecision::Retry`].
    pub fn is_retry(&self) -> bool {
        matches!(self, RetryDecision::Retry { .. })
    }
}

/// Retry settings of a client (or of one call via `RequestOptions`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RetryPolicy {
    /// Retries after the first attempt (0 disables retrying).
    pub max_retries: u32,
    /// First backoff delay.
    pub base_delay: Duration,
    /// Backoff cap.
    pub max_delay: Duration,
    /// Longest server-requested delay honoured; longer requests give up.
    pub max_retry_after: Duration,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        Self {
            max_retries: DEFAULT_MAX_RETRIES,
            base_delay: DEFAULT_BASE_DELAY,
            max_delay: DEFAULT_MAX_DELAY,
            max_retry_after: DEFAULT_MAX_RETRY_AFTER,
        }
    }
}

/// True when the request may be repeated without duplicating work: any method but `POST`, or
/// a `POST` marked idempotent (upsert by id/name, read-only POSTs) or carrying an
/// `Idempotency-Key`.
pub fn is_idempotent(method: &Method, marked_idempotent: bool, has_idempotency_key: bool) -> bool {
    *method != Method::POST || marked_idempotent || has_idempotency_key
}

/// The retry verdict for one attempt under the default [`RetryPolicy`] (see the module docs).
///
/// `idempotent` says the request may be repeated (see [`is_idempotent`]; for methods other
/// than `POST` it is implied). `headers` are the response headers (empty when there was no
/// response).
pub fn should_retry(
    method: &Method,
    idempotent: bool,
    outcome: &AttemptOutcome,
    headers: &HeaderMap,
) -> RetryDecision {
    RetryPolicy::default().should_retry(method, idempotent, outcome, headers)
}

impl RetryPolicy {
    /// The retry verdict for one attempt, ignoring the attempt count (see the module docs).
    pub fn should_retry(
        &self,
        method: &Method,
        idempotent: bool,
        outcome: &AttemptOutcome,
        headers: &HeaderMap,
    ) -> RetryDecision {
        self.should_retry_at(method, idempotent, outcome, headers, SystemTime::now())
    }

    /// [`RetryPolicy::should_retry`] with an explicit clock for HTTP-date `Retry-After`.
    pub fn should_retry_at(
        &self,
        method: &Method,
        idempotent: bool,
        outcome: &AttemptOutcome,
        headers: &HeaderMap,
        now: SystemTime,
    ) -> RetryDecision {
        let idempotent = idempotent || *method != Method::POST;
        let (status, body_hint) = match *outcome {
            AttemptOutcome::ConnectFailed => return RetryDecision::Retry { after: None },
            AttemptOutcome::TimedOut | AttemptOutcome::NetworkFailed => {
                return if idempotent {
                    RetryDecision::Retry { after: None }
                } else {
                    RetryDecision::Stop(StopReason::NotIdempotent)
                };
            }
            AttemptOutcome::Status {
                status,
                body_retry_after_seconds,
            } => (status, body_retry_after_seconds),
        };
        if status < 400 {
            return RetryDecision::Stop(StopReason::NotAnError);
        }
        let server_says = headers
            .get("x-should-retry")
            .and_then(|v| v.to_str().ok())
            .map(|v| v.trim().to_ascii_lowercase());
        let retry = match server_says.as_deref() {
            Some("true") => true,
            Some("false") => return RetryDecision::Stop(StopReason::ServerDeclined),
            _ => {
                let retryable_status =
                    matches!(status, 408 | 409 | 429) || (500..=599).contains(&status);
                if !retryable_status {
                    return RetryDecision::Stop(StopReason::NotRetryableStatus);
                }
                if !idempotent && status != 429 && status != 503 {
                    return RetryDecision::Stop(StopReason::NotIdempotent);
                }
                true
            }
        };
        debug_assert!(retry);
        let requested = retry_after_at(headers, now).or_else(|| body_hint.map(Duration::from_secs));
        match requested {
            Some(d) if d > self.max_retry_after => {
                RetryDecision::Stop(StopReason::RetryAfterTooLong(d))
            }
            Some(d) => RetryDecision::Retry { after: Some(d) },
            None => RetryDecision::Retry { after: None },
        }
    }

    /// The jittered exponential backoff delays (`backon`), each capped at `max_delay`.
    pub fn backoff(&self) -> impl Iterator<Item = Duration> + Send {
        let cap = self.max_delay;
        backon::ExponentialBuilder::default()
            .with_min_delay(self.base_delay)
            .with_max_delay(self.max_delay)
            .with_factor(2.0)
            .with_jitter()
            .without_max_times()
            .build()
            .map(move |d| d.min(cap))
    }
}

/// The delay a response asks for: `retry-after-ms` (milliseconds), else `Retry-After` as
/// seconds or an HTTP date (relative to now).
pub fn retry_after(headers: &HeaderMap) -> Option<Duration> {
    retry_after_at(headers, SystemTime::now())
}

/// [`retry_after`] with an explicit clock.
pub fn retry_after_at(headers: &HeaderMap, now: SystemTime) -> Option<Duration> {
    if let Some(ms) = headers
        .get("retry-after-ms")
        .and_then(|v| v.to_str().ok())
        .and_then(|s| s.trim().parse::<f64>().ok())
        .filter(|v| v.is_finite() && *v >= 0.0)
    {
        return Some(Duration::from_secs_f64(ms / 1000.0));
    }
    let raw = headers.get("retry-after")?.to_str().ok()?.trim();
    if let Ok(secs) = raw.parse::<f64>() {
        return (secs.is_finite() && secs >= 0.0).then(|| Duration::from_secs_f64(secs));
    }
    let when = chrono::DateTime::parse_from_rfc2822(raw).ok()?;
    let when: SystemTime = when.with_timezone(&chrono::Utc).into();
    Some(when.duration_since(now).unwrap_or(Duration::ZERO))
}

#[cfg(test)]
mod tests {
    use super::*;
    use reqwest::header::HeaderValue;

    fn h(pairs: &[(&'static str, &str)]) -> HeaderMap {
        let mut m = HeaderMap::new();
        for (k, v) in pairs {
            m.insert(*k, HeaderValue::from_str(v).unwrap());
        }
        m
    }

    #[test]
    fn idempotent_requests() {
        let none = HeaderMap::new();
        for s in [408, 409, 429, 500, 502, 503, 504] {
            assert!(
                should_retry(&Method::GET, false, &AttemptOutcome::status(s), &none).is_retry(),
                "{s}"
            );
        }
        for s in [400, 401, 403, 404, 422] {
            assert_eq!(
                should_retry(&Method::DELETE, false, &AttemptOutcome::status(s), &none),
                RetryDecision::Stop(StopReason::NotRetryableStatus),
                "{s}"
            );
        }
        assert!(should_retry(&Method::PATCH, false, &AttemptOutcome::TimedOut, &none).is_retry());
        assert_eq!(
            should_retry(&Method::GET, true, &AttemptOutcome::status(200), &none),
            RetryDecision::Stop(StopReason::NotAnError)
        );
    }

    #[test]
    fn non_idempotent_post() {
        let none = HeaderMap::new();
        let post = Method::POST;
        assert!(should_retry(&post, false, &AttemptOutcome::ConnectFailed, &none).is_retry());
        assert!(should_retry(&post, false, &AttemptOutcome::status(429), &none).is_retry());
        assert!(should_retry(&post, false, &AttemptOutcome::status(503), &none).is_retry());
        for o in [
            AttemptOutcome::TimedOut,
            AttemptOutcome::NetworkFailed,
            AttemptOutcome::status(500),
            AttemptOutcome::status(502),
            AttemptOutcome::status(409),
            AttemptOutcome::status(408),
        ] {
            assert_eq!(
                should_retry(&post, false, &o, &none),
                RetryDecision::Stop(StopReason::NotIdempotent),
                "{o:?}"
            );
        }
        assert!(should_retry(&post, true, &AttemptOutcome::status(500), &none).is_retry());
        assert!(is_idempotent(&post, false, true));
        assert!(!is_idempotent(&post, false, false));
        assert!(is_idempotent(&Method::PUT, false, false));
    }

    #[test]
    fn server_overrides() {
        let yes = h(&[("x-should-retry", "true")]);
        let no = h(&[("x-should-retry", "false")]);
        assert!(should_retry(&Method::GET, false, &AttemptOutcome::status(400), &yes).is_retry());
        assert!(should_retry(&Method::POST, false, &AttemptOutcome::status(500), &yes).is_retry());
        assert_eq!(
            should_retry(&Method::GET, false, &AttemptOutcome::status(503), &no),
            RetryDecision::Stop(StopReason::ServerDeclined)
        );
    }

    #[test]
    fn retry_after_forms() {
        let now = SystemTime::UNIX_EPOCH + Duration::from_secs(1_700_000_000);
        assert_eq!(
            retry_after_at(&h(&[("retry-after", "3")]), now),
            Some(Duration::from_secs(3))
        );
        assert_eq!(
            retry_after_at(&h(&[("retry-after", "1.5")]), now),
            Some(Duration::from_millis(1500))
        );
        assert_eq!(
            retry_after_at(&h(&[("retry-after-ms", "250"), ("retry-after", "9")]), now),
            Some(Duration::from_millis(250))
        );
        // 1_700_000_000 = Tue, 14 Nov 2023 22:13:20 GMT
        assert_eq!(
            retry_after_at(&h(&[("retry-after", "Tue, 14 Nov 2023 22:13:25 GMT")]), now),
            Some(Duration::from_secs(5))
        );
        assert_eq!(
            retry_after_at(&h(&[("retry-after", "Tue, 14 Nov 2023 22:13:00 GMT")]), now),
            Some(Duration::ZERO)
        );
        assert_eq!(retry_after_at(&h(&[("retry-after", "soon")]), now), None);
        assert_eq!(retry_after_at(&h(&[("retry-after", "-1")]), now), None);

        let p = RetryPolicy::default();
        let long = h(&[("retry-after", "120")]);
        assert_eq!(
            p.should_retry_at(
                &Method::GET,
                false,
                &AttemptOutcome::status(429),
                &long,
                now
            ),
            RetryDecision::Stop(StopReason::RetryAfterTooLong(Duration::from_secs(120)))
        );
        let body = AttemptOutcome::Status {
            status: 503,
            body_retry_after_seconds: Some(2),
        };
        assert_eq!(
            p.should_retry_at(&Method::GET, false, &body, &HeaderMap::new(), now),
            RetryDecision::Retry {
                after: Some(Duration::from_secs(2))
            }
        );
    }

    #[test]
    fn backoff_is_jittered_and_capped() {
        let p = RetryPolicy {
            base_delay: Duration::from_millis(100),
            max_delay: Duration::from_millis(400),
            ..Default::default()
        };
        let d: Vec<Duration> = p.backoff().take(6).collect();
        assert!(d[0] >= Duration::from_millis(100) && d[0] <= Duration::from_millis(200));
        assert!(d.iter().all(|x| *x <= Duration::from_millis(400)));
        assert_eq!(d[3], Duration::from_millis(400));
    }
}
