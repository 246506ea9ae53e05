//! Request helpers: JSON extractor with hybrid errors, query parsing, id checks, URLs.

use axum::extract::{FromRequest, Request};
use axum::http::HeaderMap;
use axum::Json;
use everruns_core::ids::{self, IdKind};
use serde::de::DeserializeOwned;

use crate::error::{ApiError, ApiResult};

/// `Json<T>` whose rejections become hybrid error bodies.
pub struct ApiJson<T>(pub T);

impl<S, T> FromRequest<S> for ApiJson<T>
where
    T: DeserializeOwned,
    S: Send + Sync,
{
    type Rejection = ApiError;

    async fn from_request(req: Request, state: &S) -> Result<Self, Self::Rejection> {
        let Json(v) = Json::<T>::from_request(req, state).await?;
        Ok(ApiJson(v))
    }
}

/// The largest accepted `offset` (SQL's signed 64-bit range); `offset + limit` never overflows.
pub const MAX_OFFSET: u64 = i64::MAX as u64;

/// Parsed query string with repeated keys kept.
#[derive(Debug, Clone, Default)]
pub struct Qs(pub Vec<(String, String)>);

impl Qs {
    /// Parses a raw query string.
    pub fn parse(raw: Option<&str>) -> Self {
        Qs(raw
            .map(|q| {
                form_urlencoded::parse(q.as_bytes())
                    .map(|(k, v)| (k.into_owned(), v.into_owned()))
                    .collect()
            })
            .unwrap_or_default())
    }

    /// The last value of `key`.
    pub fn get(&self, key: &str) -> Option<&str> {
        self.0
            .iter()
            .rev()
            .find(|(k, _)| k == key)
            .map(|(_, v)| v.as_str())
    }

    /// Every value of `key` (repeated keys).
    pub fn all(&self, key: &str) -> Vec<String> {
        self.0
            .iter()
            .filter(|(k, _)| k == key)
            .map(|(_, v)| v.clone())
            .collect()
    }

    /// A non-negative integer parameter.
    pub fn u64(&self, key: &str) -> ApiResult<Option<u64>> {
        match self.get(key) {
            None => Ok(None),
            Some(v) => v.trim().parse::<u64>().map(Some).map_err(|_| {
                ApiError::bad_request(
                    "invalid_query",
                    format!("Query parameter `{key}` must be a non-negative integer, got {v:?}."),
                )
            }),
        }
    }

    /// An integer parameter.
    pub fn i64(&self, key: &str) -> ApiResult<Option<i64>> {
        match self.get(key) {
            None => Ok(None),
            Some(v) => v.trim().parse::<i64>().map(Some).map_err(|_| {
                ApiError::bad_request(
                    "invalid_query",
                    format!("Query parameter `{key}` must be an integer, got {v:?}."),
                )
            }),
        }
    }

    /// A boolean parameter (`true`/`false`/`1`/`0`).
    pub fn bool(&self, key: &str) -> ApiResult<Option<bool>> {
        match self.get(key) {
            None => Ok(None),
            Some("true") | Some("1") => Ok(Some(true)),
            Some("false") | Some("0") => Ok(Some(false)),
            Some(v) => Err(ApiError::bad_request(
                "invalid_query",
                format!("Query parameter `{key}` must be true or false, got {v:?}."),
            )),
        }
    }

    /// `offset` (default 0, at most [`MAX_OFFSET`]) and `limit` (default 20, 1..=100).
    pub fn page(&self) -> ApiResult<(u64, u64)> {
        let offset = self.u64("offset")?.unwrap_or(0);
        if offset > MAX_OFFSET {
            return Err(ApiError::bad_request(
                "invalid_query",
                format!(
                    "Query parameter `offset` must be between 0 and {MAX_OFFSET}, got {offset}."
                ),
            ));
        }
        let limit = self.u64("limit")?.unwrap_or(20);
        if !(1..=100).contains(&limit) {
            return Err(ApiError::bad_request(
                "invalid_query",
                format!("Query parameter `limit` must be between 1 and 100, got {limit}."),
            ));
        }
        Ok((offset, limit))
    }

    /// The query with `offset`/`limit` replaced.
    pub fn with_page(&self, offset: u64, limit: u64) -> String {
        let mut ser = form_urlencoded::Serializer::new(String::new());
        for (k, v) in &self.0 {
            if k != "offset" && k != "limit" {
                ser.append_pair(k, v);
            }
        }
        ser.append_pair("offset", &offset.to_string());
        ser.append_pair("limit", &limit.to_string());
        ser.finish()
    }
}

/// Checks an id of `kind`: 400 `invalid_id` with a clear message.
pub fn check_id(kind: IdKind, value: &str) -> ApiResult<()> {
    ids::validate(kind, value)
        .map_err(|e| ApiError::bad_request("invalid_id", capitalize(&e.to_string())))
}

fn capitalize(s: &str) -> String {
    let mut c = s.chars();
    match c.next() {
        Some(f) => f.to_uppercase().collect::<String>() + c.as_str(),
        None => String::new(),
    }
}

/// The public origin (`http://host:port`) for absolute URLs: `--public-url` when set;
/// otherwise the `Host` header, or `X-Forwarded-Host`/`X-Forwarded-Proto` only when the
/// server runs with `--trust-forwarded-headers` (behind a proxy that sets them), since any
/// client can send them.
pub fn origin(config: &crate::config::ServeArgs, headers: &HeaderMap) -> String {
    if let Some(p) = config.public_url.as_deref() {
        return p.trim_end_matches('/').to_string();
    }
    let header = |name: &str| {
        headers
            .get(name)
            .and_then(|v| v.to_str().ok())
            .map(str::trim)
            .filter(|v| !v.is_empty())
    };
    let forwarded = |name: &str| {
        if config.trust_forwarded_headers {
            // a proxy chain appends: the first value is the client-facing one
            header(name)
                .and_then(|v| v.split(',').next())
                .map(str::trim)
        } else {
            None
        }
    };
    let host = forwarded("x-forwarded-host")
        .or_else(|| header(axum::http::header::HOST.as_str()))
        .unwrap_or("localhost");
    let proto = match forwarded("x-forwarded-proto") {
        Some(p) if p.eq_ignore_ascii_case("https") => "https",
        _ => "http",
    };
    format!("{proto}://{host}")
}

/// `(next_url, prev_url)` of a page.
pub fn page_urls(
    base: &str,
    q: &Qs,
    offset: u64,
    limit: u64,
    total: u64,
) -> (Option<String>, Option<String>) {
    let next = offset
        .checked_add(limit)
        .filter(|end| *end < total)
        .map(|end| format!("{base}?{}", q.with_page(end, limit)));
    let prev = (offset > 0).then(|| {
        format!(
            "{base}?{}",
            q.with_page(offset.saturating_sub(limit), limit)
        )
    });
    (next, prev)
}

/// Checks a string field's size (bytes): 400 `limit_exceeded`.
pub fn check_len(field: &str, value: &str, max: usize) -> ApiResult<()> {
    if value.len() > max {
        return Err(ApiError::bad_request(
            "limit_exceeded",
            format!(
                "Input exceeds allowed limits: `{field}` is {} bytes, the maximum is {max}.",
                value.len()
            ),
        ));
    }
    Ok(())
}
