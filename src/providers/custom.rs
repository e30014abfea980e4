//! `custom-smaller-is-better` and `custom-bigger-is-better`: github-action-benchmark's
//! custom JSON, a list of `{"name", "unit", "value", "range"?, "extra"?}`.
//! Format: <https://github.com/benchmark-action/github-action-benchmark#examples>
//! (`customSmallerIsBetter` / `customBiggerIsBetter` tools).
//!
//! Decisions: key `custom.<name>`; the direction is the provider's (the file does not say);
//! a time unit (`ns`, `us`, `ms`, `s`) is converted to ms like every other provider, any
//! other unit is kept as written. `range` and `extra` are free text and are not kept. A
//! repeated name gets `#2`. For `auto`, which cannot tell the two apart by shape, a file is
//! `custom-bigger-is-better` when an entry's unit is a rate (`.../s`, `ops...`), else
//! `custom-smaller-is-better`; name the provider explicitly to be sure.

use super::util::{direction_of_unit, put_measure, starts_with_char, Suffixes};
use super::{Input, Provider};
use crate::error::{Error, Result};
use crate::schema::{Direction, Snapshot};
use serde_json::Value;

/// One of the two custom formats.
pub struct Custom {
    name: &'static str,
    direction: Direction,
}

/// `custom-bigger-is-better`.
pub const BIGGER: Custom = Custom {
    name: "custom-bigger-is-better",
    direction: Direction::HigherIsBetter,
};

/// `custom-smaller-is-better`.
pub const SMALLER: Custom = Custom {
    name: "custom-smaller-is-better",
    direction: Direction::LowerIsBetter,
};

/// The entries, if `text` is a custom-format list.
fn entries(text: &str) -> Option<Vec<Value>> {
    if !starts_with_char(text, '[') || !text.contains("\"value\"") || !text.contains("\"name\"") {
        return None;
    }
    let v: Value = serde_json::from_str(text).ok()?;
    let list = v.as_array()?;
    let ok = !list.is_empty()
        && list
            .iter()
            .all(|e| e.get("name").is_some_and(Value::is_string) && e.get("value").is_some());
    ok.then(|| list.clone())
}

impl Provider for Custom {
    fn name(&self) -> &'static str {
        self.name
    }

    fn detect(&self, input: &Input) -> bool {
        let Some(list) = input.text.as_deref().and_then(entries) else {
            return false;
        };
        let rate = list.iter().any(|e| {
            e.get("unit")
                .and_then(Value::as_str)
                .is_some_and(|u| direction_of_unit(u) == Direction::HigherIsBetter)
        });
        rate == (self.direction == Direction::HigherIsBetter)
    }

    fn parse(&self, input: &Input) -> Result<Snapshot> {
        let doc = input.json(self.name)?;
        let bad = |reason: String| Error::parse(self.name, &input.path, reason);
        let list = doc.as_array().filter(|l| !l.is_empty()).ok_or_else(|| {
            bad("expected a non-empty JSON list of {\"name\", \"unit\", \"value\"} objects".into())
        })?;
        let mut snap = Snapshot::new();
        let mut seen = Suffixes::default();
        super::util::reserve(&mut snap, list.len());
        for (i, e) in list.iter().enumerate() {
            let name = e
                .get("name")
                .and_then(Value::as_str)
                .ok_or_else(|| bad(format!("entry [{i}] has no 'name' string")))?;
            let value = e
                .get("value")
                .and_then(Value::as_f64)
                .ok_or_else(|| bad(format!("entry [{i}] ('{name}') has no numeric 'value'")))?;
            let unit = e.get("unit").and_then(Value::as_str).unwrap_or("");
            put_measure(
                &mut snap,
                &mut seen,
                format!("custom.{name}"),
                value,
                unit,
                Some(self.direction),
                Vec::new(),
            );
        }
        Ok(snap)
    }
}
