//! Request execution: URL building, headers, the retry loop, error mapping and debug logs.

use std::time::{Duration, Instant};

use bytes::Bytes;
use reqwest::header::{HeaderMap, HeaderName, HeaderValue, ACCEPT, AUTHORIZATION, CONTENT_TYPE};
use reqwest::Method;
use serde::de::DeserializeOwned;
use serde::Serialize;
use url::Url;

use super::retry::{self, AttemptOutcome, RetryDecision, RetryPolicy};
use super::{redact_token, Error, Everruns, Result};

/// Header carrying the SDK identification (same value as `User-Agent`).
pub(crate) const X_SDK_VERSION: &str = "x-sdk-version";
/// Header carrying the organization.
pub(crate) const X_ORG_ID: &str = "x-org-id";
/// Response header with the server's request id.
pub(crate) const X_REQUEST_ID: &str = "x-request-id";

macro_rules! log_at {
    ($debug:expr, $($arg:tt)+) => {
        if $debug {
            tracing::info!(target: "everruns", $($arg)+);
        } else {
            tracing::debug!(target: "everruns", $($arg)+);
        }
    };
}
pub(crate) use log_at;

/// One logical request (retried as a whole).
pub(crate) struct Call {
    pub method: Method,
    pub url: Url,
    pub body: Option<(Bytes, &'static str)>,
    pub idempotent: bool,
    pub accept: &'static str,
}

impl Call {
    pub fn new(method: Method, url: Url) -> Self {
        Self {
            method,
            url,
            body: None,
            idempotent: false,
            accept: "application/json",
        }
    }

    pub fn json_body<B: Serialize + ?Sized>(mut self, body: &B) -> Result<Self> {
        let bytes = serde_json::to_vec(body)
            .map_err(|e| Error::validation(format!("cannot encode the request body: {e}")))?;
        self.body = Some((Bytes::from(bytes), "application/json"));
        Ok(self)
    }

    pub fn text_body(mut self, text: impl Into<String>) -> Self {
        self.body = Some((Bytes::from(text.into()), "text/plain; charset=utf-8"));
        self
    }

    pub fn idempotent(mut self, idempotent: bool) -> Self {
        self.idempotent = idempotent;
        self
    }

    pub fn accept(mut self, accept: &'static str) -> Self {
        self.accept = accept;
        self
    }
}

/// A successful response.
pub(crate) struct Reply {
    pub status: u16,
    pub body: Bytes,
    pub request_id: Option<String>,
}

impl Reply {
    pub fn json<T: DeserializeOwned>(&self) -> Result<T> {
        serde_json::from_slice(&self.body).map_err(|e| Error::Decode {
            status: Some(self.status),
            message: format!(
                "{e} in {}",
                String::from_utf8_lossy(&self.body[..self.body.len().min(300)])
            ),
            request_id: self.request_id.clone(),
        })
    }

    pub fn text(&self) -> Result<String> {
        String::from_utf8(self.body.to_vec()).map_err(|e| Error::Decode {
            status: Some(self.status),
            message: format!("response is not UTF-8: {e}"),
            request_id: self.request_id.clone(),
        })
    }
}

pub(crate) fn request_id_of(headers: &HeaderMap) -> Option<String> {
    headers
        .get(X_REQUEST_ID)
        .and_then(|v| v.to_str().ok())
        .map(str::to_string)
}

impl Everruns {
    /// `{base}v1/{segments…}`, each segment percent-encoded.
    pub(crate) fn url(&self, segments: &[&str]) -> Url {
        let mut url = self.inner.base.clone();
        {
            let mut p = url
                .path_segments_mut()
                .expect("normalised base URLs can be a base");
            p.pop_if_empty();
            p.push("v1");
            for s in segments {
                p.push(s);
            }
        }
        url
    }

    /// [`Everruns::url`] plus query pairs (repeated keys kept, values form-encoded).
    pub(crate) fn url_with_query<K: AsRef<str>, V: AsRef<str>>(
        &self,
        segments: &[&str],
        query: &[(K, V)],
    ) -> Url {
        let mut url = self.url(segments);
        if !query.is_empty() {
            let mut q = url.query_pairs_mut();
            for (k, v) in query {
                q.append_pair(k.as_ref(), v.as_ref());
            }
        }
        url
    }

    /// Headers sent on every request, SSE included.
    pub(crate) fn base_headers(&self) -> Result<HeaderMap> {
        let inner = &self.inner;
        let mut h = HeaderMap::new();
        if let Some(key) = &inner.api_key {
            let mut v = HeaderValue::from_str(key)
                .map_err(|_| Error::config("the API key is not a valid header value"))?;
            v.set_sensitive(true);
            h.insert(AUTHORIZATION, v);
        }
        if let Some(org) = &inner.org_id {
            h.insert(
                X_ORG_ID,
                HeaderValue::from_str(org).map_err(|_| Error::config("invalid organization id"))?,
            );
        }
        let ua = HeaderValue::from_str(&inner.user_agent)
            .map_err(|_| Error::config("invalid user agent"))?;
        h.insert(reqwest::header::USER_AGENT, ua.clone());
        h.insert(X_SDK_VERSION, ua);
        for (k, v) in &self.opts.headers {
            let name = HeaderName::from_bytes(k.as_bytes())
                .map_err(|_| Error::validation(format!("invalid header name {k:?}")))?;
            let value = HeaderValue::from_str(v)
                .map_err(|_| Error::validation(format!("invalid value for header {k:?}")))?;
            h.append(name, value);
        }
        if let Some(key) = &self.opts.idempotency_key {
            h.insert(
                "idempotency-key",
                HeaderValue::from_str(key)
                    .map_err(|_| Error::validation("invalid idempotency key"))?,
            );
        }
        Ok(h)
    }

    pub(crate) fn effective_retry(&self) -> RetryPolicy {
        let mut p = self.inner.retry;
        if let Some(n) = self.opts.max_retries {
            p.max_retries = n;
        }
        p
    }

    /// Runs `call` with retries; returns the successful response or the classified error.
    /// Fails with [`Error::Closed`] (dropping the request) once the client is closed.
    pub(crate) async fn call(&self, call: Call) -> Result<Reply> {
        let mut closed = self.inner.closed.subscribe();
        if *closed.borrow() {
            return Err(Error::Closed);
        }
        tokio::select! {
            biased;
            _ = closed.wait_for(|c| *c) => Err(Error::Closed),
            r = self.call_with_retries(call) => r,
        }
    }

    async fn call_with_retries(&self, call: Call) -> Result<Reply> {
        let policy = self.effective_retry();
        let timeout = self.opts.timeout.unwrap_or(self.inner.timeout);
        let idempotent = retry::is_idempotent(
            &call.method,
            call.idempotent,
            self.opts.idempotency_key.is_some(),
        );
        let mut headers = self.base_headers()?;
        headers.insert(ACCEPT, HeaderValue::from_static(call.accept));
        if let Some((_, ct)) = &call.body {
            headers.insert(CONTENT_TYPE, HeaderValue::from_static(ct));
        }
        let mut backoff = policy.backoff();
        let mut attempt: u32 = 0;
        loop {
            let mut h = headers.clone();
            if attempt > 0 {
                h.insert("x-retry-count", HeaderValue::from(attempt));
            }
            let mut rb = self
                .inner
                .http
                .request(call.method.clone(), call.url.clone())
                .headers(h)
                .timeout(timeout);
            if let Some((body, _)) = &call.body {
                rb = rb.body(body.clone());
            }
            let started = Instant::now();
            let (outcome, resp_headers, error) = match rb.send().await {
                Ok(resp) => {
                    let status = resp.status().as_u16();
                    let resp_headers = resp.headers().clone();
                    let request_id = request_id_of(&resp_headers);
                    match resp.bytes().await {
                        Ok(body) if (200..300).contains(&status) => {
                            self.log(
                                &call,
                                attempt,
                                Some(status),
                                started,
                                request_id.as_deref(),
                                None,
                            );
                            return Ok(Reply {
                                status,
                                body,
                                request_id,
                            });
                        }
                        Ok(body) => {
                            let text = String::from_utf8_lossy(&body);
                            let parsed = crate::types::error_body::parse_error_body(status, &text);
                            let wait = retry::retry_after(&resp_headers)
                                .or(parsed.retry_after_seconds.map(Duration::from_secs));
                            let err = Error::from_parts(
                                status,
                                parsed.code,
                                parsed.message,
                                request_id.clone(),
                                wait,
                            );
                            self.log(
                                &call,
                                attempt,
                                Some(status),
                                started,
                                request_id.as_deref(),
                                Some(&err),
                            );
                            (
                                AttemptOutcome::Status {
                                    status,
                                    body_retry_after_seconds: parsed.retry_after_seconds,
                                },
                                resp_headers,
                                err,
                            )
                        }
                        Err(e) => {
                            let err = Error::from_reqwest(&e, "reading the response body failed");
                            self.log(
                                &call,
                                attempt,
                                Some(status),
                                started,
                                request_id.as_deref(),
                                Some(&err),
                            );
                            let outcome = if matches!(err, Error::Timeout { .. }) {
                                AttemptOutcome::TimedOut
                            } else {
                                AttemptOutcome::NetworkFailed
                            };
                            (outcome, resp_headers, err)
                        }
                    }
                }
                Err(e) => {
                    let err = Error::from_reqwest(&e, "request failed");
                    self.log(&call, attempt, None, started, None, Some(&err));
                    let outcome = match &err {
                        Error::Network { connect: true, .. } => AttemptOutcome::ConnectFailed,
                        Error::Timeout { .. } => AttemptOutcome::TimedOut,
                        _ => AttemptOutcome::NetworkFailed,
                    };
                    (outcome, HeaderMap::new(), err)
                }
            };
            if attempt >= policy.max_retries {
                return Err(error);
            }
            let delay = match policy.should_retry(&call.method, idempotent, &outcome, &resp_headers)
            {
                RetryDecision::Stop(reason) => {
                    log_at!(
                        self.inner.debug,
                        method = %call.method,
                        url = %call.url,
                        ?reason,
                        "not retrying"
                    );
                    return Err(error);
                }
                RetryDecision::Retry { after } => {
                    let computed = backoff.next().unwrap_or(policy.max_delay);
                    after.unwrap_or(computed)
                }
            };
            attempt += 1;
            log_at!(
                self.inner.debug,
                method = %call.method,
                url = %call.url,
                attempt,
                delay_ms = delay.as_millis() as u64,
                "retrying"
            );
            tokio::time::sleep(delay).await;
        }
    }

    fn log(
        &self,
        call: &Call,
        attempt: u32,
        status: Option<u16>,
        started: Instant,
        request_id: Option<&str>,
        error: Option<&Error>,
    ) {
        let elapsed_ms = started.elapsed().as_secs_f64() * 1000.0;
        let auth = self
            .inner
            .api_key
            .as_deref()
            .map(redact_token)
            .unwrap_or_default();
        log_at!(
            self.inner.debug,
            method = %call.method,
            url = %call.url,
            status = status.unwrap_or(0),
            elapsed_ms,
            request_id = request_id.unwrap_or(""),
            attempt,
            authorization = %auth,
            error = error.map(|e| e.to_string()).unwrap_or_default(),
            "everruns request"
        );
    }

    /// GET and decode JSON.
    pub(crate) async fn get_json<T: DeserializeOwned>(&self, url: Url) -> Result<T> {
        self.call(Call::new(Method::GET, url)).await?.json()
    }

    /// Send a JSON body and decode the JSON reply.
    pub(crate) async fn send_json<B: Serialize + ?Sized, T: DeserializeOwned>(
        &self,
        method: Method,
        url: Url,
        body: &B,
        idempotent: bool,
    ) -> Result<T> {
        self.call(
            Call::new(method, url)
                .json_body(body)?
                .idempotent(idempotent),
        )
        .await?
        .json()
    }

    /// DELETE expecting no body (any 2xx).
    pub(crate) async fn delete_empty(&self, url: Url) -> Result<()> {
        self.call(Call::new(Method::DELETE, url)).await.map(|_| ())
    }
}
