//! The arguments of one call, as a host gave them, with the core's checks.

use std::time::Duration;

use serde::de::DeserializeOwned;
use serde_json::{Map, Value};

use super::input::{camel_case, from_host, kind_of, Spelling};
use super::spec::{Param, Ty};
use crate::client::{Error, Result};

/// Named arguments of one call: a JSON object whose keys are parameter names in either
/// spelling. `null` means "not given".
#[derive(Debug, Clone)]
pub struct Args {
    map: Map<String, Value>,
    spelling: Spelling,
}

impl Args {
    /// The arguments of a call; `value` must be an object (or `null`: none).
    pub fn new(value: Value, spelling: Spelling) -> Result<Args> {
        let map = match value {
            Value::Null => Map::new(),
            Value::Object(m) => m,
            other => {
                return Err(Error::validation(format!(
                    "the arguments must be an object, got {}",
                    kind_of(&other)
                )))
            }
        };
        let map = map.into_iter().filter(|(_, v)| !v.is_null()).collect();
        Ok(Args { map, spelling })
    }

    /// Parses JSON text of the arguments.
    pub fn from_json(json: &str, spelling: Spelling) -> Result<Args> {
        if json.trim().is_empty() {
            return Args::new(Value::Null, spelling);
        }
        let v: Value = serde_json::from_str(json)
            .map_err(|e| Error::validation(format!("the arguments are not valid JSON: {e}")))?;
        Args::new(v, spelling)
    }

    /// The host's spelling of parameter `name`.
    pub fn spell(&self, name: &str) -> String {
        self.spelling.spell(name)
    }

    fn remove(&mut self, name: &str) -> Option<Value> {
        self.map
            .remove(name)
            .or_else(|| self.map.remove(&camel_case(name)))
    }

    /// An optional argument.
    pub fn opt<T: DeserializeOwned>(&mut self, name: &str) -> Result<Option<T>> {
        match self.remove(name) {
            None => Ok(None),
            Some(v) => from_host(v, self.spelling)
                .map(Some)
                .map_err(|e| Error::validation(format!("{}: {e}", self.spell(name)))),
        }
    }

    /// A required argument.
    pub fn req<T: DeserializeOwned>(&mut self, name: &str) -> Result<T> {
        match self.opt(name)? {
            Some(v) => Ok(v),
            None => Err(Error::validation(format!(
                "missing argument `{}`",
                self.spell(name)
            ))),
        }
    }

    /// A required string argument.
    pub fn string(&mut self, name: &str) -> Result<String> {
        self.req(name)
    }

    /// An optional boolean with a default.
    pub fn flag(&mut self, name: &str, default: bool) -> Result<bool> {
        Ok(self.opt(name)?.unwrap_or(default))
    }

    /// An optional duration given in seconds: finite and not negative.
    pub fn seconds(&mut self, name: &str) -> Result<Option<Duration>> {
        match self.opt::<f64>(name)? {
            None => Ok(None),
            Some(s) => match Duration::try_from_secs_f64(s) {
                Ok(d) => Ok(Some(d)),
                Err(_) => Err(Error::validation(format!(
                    "{} must be a non-negative number of seconds that fits a duration, got {s}",
                    self.spell(name)
                ))),
            },
        }
    }

    /// The remaining arguments as the fields of `T`; an unknown one is an error naming the
    /// accepted ones.
    pub fn rest<T: DeserializeOwned>(self) -> Result<T> {
        let spelling = self.spelling;
        from_host(Value::Object(self.map), spelling).map_err(|e| Error::validation(e.0))
    }

    /// The host's spelling of a declared parameter (JavaScript gives durations as `…Ms`).
    pub fn spell_param(&self, p: &Param) -> String {
        match (self.spelling, p.ty) {
            (Spelling::Camel, Ty::Seconds) => format!("{}Ms", camel_case(p.name)),
            _ => self.spell(p.name),
        }
    }

    /// Checks that every argument is one of `params`; an unknown one is an error naming the
    /// accepted ones in the host's spelling.
    pub fn check(&self, params: &[Param]) -> Result<()> {
        for k in self.map.keys() {
            let known = params
                .iter()
                .any(|p| p.name == k || camel_case(p.name) == *k);
            if !known {
                let names: Vec<String> = params.iter().map(|p| self.spell_param(p)).collect();
                return Err(Error::validation(format!(
                    "unknown field `{k}`, expected one of: {}",
                    names.join(", ")
                )));
            }
        }
        Ok(())
    }

    /// Checks that no argument is left over.
    pub fn done(self) -> Result<()> {
        match self.map.keys().next() {
            None => Ok(()),
            Some(k) => Err(Error::validation(format!("unknown argument `{k}`"))),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn takes_either_spelling_and_rejects_leftovers() {
        let mut a = Args::new(
            json!({"sessionId": "s", "recursive": true, "extra": 1, "gone": null}),
            Spelling::Camel,
        )
        .unwrap();
        assert_eq!(a.string("session_id").unwrap(), "s");
        assert!(a.flag("recursive", false).unwrap());
        let e = a.clone().done().unwrap_err();
        assert!(e.to_string().contains("unknown argument `extra`"), "{e}");
        assert!(a.opt::<i64>("gone").unwrap().is_none());
        let mut a = Args::new(json!({}), Spelling::Camel).unwrap();
        let e = a.string("session_id").unwrap_err();
        assert!(
            e.to_string().contains("missing argument `sessionId`"),
            "{e}"
        );
        let mut a = Args::new(json!({"timeout": -1}), Spelling::Snake).unwrap();
        assert!(a.seconds("timeout").is_err());
        assert!(Args::new(json!([1]), Spelling::Snake).is_err());
        assert!(Args::from_json("{", Spelling::Snake).is_err());
    }
}
