//! `test_weather`: deterministic fake weather derived from a hash of the location.

use std::sync::Arc;

use async_trait::async_trait;
use serde_json::{json, Value};

use super::{arg_str, opt_str, Capability, Tool, ToolContext, ToolError};

/// The `test_weather` capability (get_weather, get_forecast; same location → same answer).
#[derive(Debug, Clone, Copy, Default)]
pub struct TestWeatherCapability;

const CONDITIONS: &[&str] = &[
    "sunny",
    "partly cloudy",
    "cloudy",
    "light rain",
    "rain",
    "thunderstorms",
    "fog",
    "snow",
];

fn seed(location: &str) -> u64 {
    // FNV-1a over the lower-cased location: stable across runs and platforms.
    let mut h: u64 = 0xcbf29ce484222325;
    for b in location.trim().to_lowercase().bytes() {
        h ^= b as u64;
        h = h.wrapping_mul(0x100000001b3);
    }
    h
}

fn units(args: &Value) -> Result<&'static str, ToolError> {
    match opt_str(args, "units").unwrap_or("celsius") {
        "celsius" => Ok("celsius"),
        "fahrenheit" => Ok("fahrenheit"),
        other => Err(ToolError::new(format!(
            "unknown units {other:?} (expected celsius or fahrenheit)"
        ))),
    }
}

fn day(location: &str, offset: u64, units: &str) -> Value {
    let s = seed(location).wrapping_add(offset.wrapping_mul(0x9e3779b97f4a7c15));
    let celsius = 5 + (s % 36) as i64; // 5..=40
    let temp = if units == "fahrenheit" {
        celsius * 9 / 5 + 32
    } else {
        celsius
    };
    json!({
        "temperature": temp,
        "units": units,
        "conditions": CONDITIONS[((s >> 8) % CONDITIONS.len() as u64) as usize],
        "humidity": 20 + ((s >> 16) % 71),
        "wind_kph": (s >> 24) % 51,
    })
}

struct GetWeather;
struct GetForecast;

fn location(args: &Value) -> Result<&str, ToolError> {
    let l = arg_str(args, "location")?;
    if l.trim().is_empty() {
        return Err(ToolError::new("`location` must not be empty"));
    }
    Ok(l)
}

#[async_trait]
impl Tool for GetWeather {
    fn name(&self) -> &str {
        "get_weather"
    }
    fn description(&self) -> &str {
        "Current (simulated) weather for a location."
    }
    fn parameters(&self) -> Value {
        json!({
            "type": "object",
            "properties": {
                "location": {"type": "string", "description": "City or place"},
                "units": {"type": "string", "enum": ["celsius", "fahrenheit"], "default": "celsius"}
            },
            "required": ["location"],
            "additionalProperties": false
        })
    }
    async fn execute(&self, args: Value, _ctx: &ToolContext) -> Result<Value, ToolError> {
        let loc = location(&args)?;
        let mut v = day(loc, 0, units(&args)?);
        v["location"] = json!(loc);
        Ok(v)
    }
}

#[async_trait]
impl Tool for GetForecast {
    fn name(&self) -> &str {
        "get_forecast"
    }
    fn description(&self) -> &str {
        "A (simulated) daily forecast of 1-7 days for a location."
    }
    fn parameters(&self) -> Value {
        json!({
            "type": "object",
            "properties": {
                "location": {"type": "string"},
                "days": {"type": "integer", "minimum": 1, "maximum": 7, "default": 3},
                "units": {"type": "string", "enum": ["celsius", "fahrenheit"], "default": "celsius"}
            },
            "required": ["location"],
            "additionalProperties": false
        })
    }
    async fn execute(&self, args: Value, _ctx: &ToolContext) -> Result<Value, ToolError> {
        let loc = location(&args)?;
        let days = match args.get("days") {
            None | Some(Value::Null) => 3,
            Some(v) => v
                .as_u64()
                .filter(|d| (1..=7).contains(d))
                .ok_or_else(|| ToolError::new("`days` must be an integer from 1 to 7"))?,
        };
        let u = units(&args)?;
        let forecast: Vec<Value> = (1..=days)
            .map(|d| {
                let mut v = day(loc, d, u);
                v["day"] = json!(d);
                v
            })
            .collect();
        Ok(json!({"location": loc, "days": days, "forecast": forecast}))
    }
}

impl Capability for TestWeatherCapability {
    fn id(&self) -> &str {
        "test_weather"
    }
    fn name(&self) -> &str {
        "Test Weather"
    }
    fn description(&self) -> &str {
        "Simulated weather tools (get_weather, get_forecast) with deterministic answers."
    }
    fn category(&self) -> Option<&str> {
        Some("testing")
    }
    fn system_prompt(&self) -> Option<String> {
        Some("Use get_weather and get_forecast to answer weather questions.".into())
    }
    fn tools(&self) -> Vec<Arc<dyn Tool>> {
        vec![Arc::new(GetWeather), Arc::new(GetForecast)]
    }
}
