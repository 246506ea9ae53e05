//! `current_time`: `get_current_time{timezone?, format?}`.

use std::sync::Arc;

use async_trait::async_trait;
use chrono::{DateTime, FixedOffset, Offset, TimeZone, Utc};
use serde_json::{json, Value};

use super::{opt_str, Capability, Tool, ToolContext, ToolError};

/// The `current_time` capability.
#[derive(Debug, Clone, Copy, Default)]
pub struct CurrentTimeCapability;

struct GetCurrentTime;

fn parse_offset(tz: &str) -> Option<FixedOffset> {
    let t = tz.trim();
    let t = t
        .strip_prefix("UTC")
        .or_else(|| t.strip_prefix("GMT"))
        .unwrap_or(t);
    let (sign, rest) = match t.as_bytes().first()? {
        b'+' => (1, &t[1..]),
        b'-' => (-1, &t[1..]),
        _ => return None,
    };
    let (h, m) = match rest.split_once(':') {
        Some((h, m)) => (h.parse::<i32>().ok()?, m.parse::<i32>().ok()?),
        None if rest.len() == 4 => (rest[..2].parse().ok()?, rest[2..].parse().ok()?),
        None => (rest.parse().ok()?, 0),
    };
    if h > 14 || m > 59 {
        return None;
    }
    FixedOffset::east_opt(sign * (h * 3600 + m * 60))
}

#[async_trait]
impl Tool for GetCurrentTime {
    fn name(&self) -> &str {
        "get_current_time"
    }
    fn description(&self) -> &str {
        "The current date and time. timezone: an IANA name (Europe/Paris), UTC, or an offset \
         (+02:00); format: iso8601 (default), unix or human."
    }
    fn parameters(&self) -> Value {
        json!({
            "type": "object",
            "properties": {
                "timezone": {"type": "string", "default": "UTC"},
                "format": {"type": "string", "enum": ["iso8601", "unix", "human"], "default": "iso8601"}
            },
            "additionalProperties": false
        })
    }
    async fn execute(&self, args: Value, _ctx: &ToolContext) -> Result<Value, ToolError> {
        let now = Utc::now();
        let tz = opt_str(&args, "timezone")
            .unwrap_or("UTC")
            .trim()
            .to_string();
        let local: DateTime<FixedOffset> = if tz.is_empty() || tz.eq_ignore_ascii_case("utc") {
            now.fixed_offset()
        } else if let Some(off) = parse_offset(&tz) {
            now.with_timezone(&off)
        } else if let Ok(zone) = tz.parse::<chrono_tz::Tz>() {
            let off = zone.offset_from_utc_datetime(&now.naive_utc()).fix();
            now.with_timezone(&off)
        } else {
            return Err(ToolError::new(format!(
                "unknown timezone {tz:?}: use an IANA name such as Europe/Paris, UTC, or an offset like +02:00"
            )));
        };
        let format = opt_str(&args, "format").unwrap_or("iso8601");
        let formatted = match format {
            "iso8601" => local.to_rfc3339_opts(chrono::SecondsFormat::Secs, false),
            "unix" => now.timestamp().to_string(),
            "human" => local.format("%A, %B %-d, %Y %H:%M:%S (UTC%:z)").to_string(),
            other => {
                return Err(ToolError::new(format!(
                    "unknown format {other:?} (expected iso8601, unix or human)"
                )))
            }
        };
        Ok(json!({
            "timezone": if tz.is_empty() { "UTC".to_string() } else { tz },
            "format": format,
            "current_time": formatted,
            "unix": now.timestamp(),
            "utc_offset": local.offset().to_string(),
        }))
    }
}

impl Capability for CurrentTimeCapability {
    fn id(&self) -> &str {
        "current_time"
    }
    fn name(&self) -> &str {
        "Current Time"
    }
    fn description(&self) -> &str {
        "Tells the current date and time in any timezone (get_current_time)."
    }
    fn category(&self) -> Option<&str> {
        Some("utilities")
    }
    fn tools(&self) -> Vec<Arc<dyn Tool>> {
        vec![Arc::new(GetCurrentTime)]
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn offsets() {
        assert_eq!(parse_offset("+02:00").unwrap().local_minus_utc(), 7200);
        assert_eq!(parse_offset("UTC-0530").unwrap().local_minus_utc(), -19800);
        assert_eq!(parse_offset("+5").unwrap().local_minus_utc(), 18000);
        assert!(parse_offset("Europe/Paris").is_none());
        assert!(parse_offset("+25:00").is_none());
    }
}
