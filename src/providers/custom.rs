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

use super::util::{put_measure, starts_with_char, Suffixes};
use super::{Input, Provider};
use crate::error::{Error, Result};
use crate::schema::{Direction, Snapshot};
use crate::units::Unit;
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

/// One entry as `auto` sniffs it: typed and borrowed, so detecting a 500 MB file builds
/// no `serde_json::Value` tree (issue 19 item 9: detection parsed the file into a tree and
/// cloned it).
#[derive(serde::Deserialize)]
struct Probe<'a> {
    #[serde(borrow)]
    #[allow(dead_code)]
    name: std::borrow::Cow<'a, str>,
    #[allow(dead_code)]
    value: serde::de::IgnoredAny,
    #[serde(default)]
    unit: Option<Value>,
}

/// One entry as parsed: every field optional so a bad entry gets a message naming it.
#[derive(serde::Deserialize)]
struct Entry {
    #[serde(default)]
    name: Option<Value>,
    #[serde(default)]
    value: Option<Value>,
    #[serde(default)]
    unit: Option<Value>,
}

/// Whether `text` is a non-empty custom-format list, and whether an entry's unit is a rate.
fn sniff(text: &str) -> Option<bool> {
    if !starts_with_char(text, '[') || !text.contains("\"value\"") || !text.contains("\"name\"") {
        return None;
    }
    let list: Vec<Probe> = serde_json::from_str(text).ok()?;
    (!list.is_empty()).then(|| {
        list.iter().any(|e| {
            e.unit
                .as_ref()
                .and_then(Value::as_str)
                .is_some_and(|u| Unit::new(u).direction() == Direction::HigherIsBetter)
        })
    })
}

impl Provider for Custom {
    fn name(&self) -> &'static str {
        self.name
    }

    fn detect(&self, input: &Input) -> bool {
        input
            .text
            .as_deref()
            .and_then(sniff)
            .is_some_and(|rate| rate == (self.direction == Direction::HigherIsBetter))
    }

    fn parse(&self, input: &Input) -> Result<Snapshot> {
        let bad = |reason: String| Error::parse(self.name, &input.path, reason);
        let list: Vec<Entry> = serde_json::from_str(input.text(self.name)?).map_err(|e| {
            bad(format!(
                "expected a JSON list of {{\"name\", \"unit\", \"value\"}} objects: {e}"
            ))
        })?;
        if list.is_empty() {
            return Err(bad(
                "expected a non-empty JSON list of {\"name\", \"unit\", \"value\"} objects".into(),
            ));
        }
        let mut snap = Snapshot::new();
        let mut seen = Suffixes::default();
        super::util::reserve(&mut snap, list.len());
        for (i, e) in list.iter().enumerate() {
            let name = e
                .name
                .as_ref()
                .and_then(Value::as_str)
                .ok_or_else(|| bad(format!("entry [{i}] has no 'name' string")))?;
            let value = e
                .value
                .as_ref()
                .and_then(Value::as_f64)
                .ok_or_else(|| bad(format!("entry [{i}] ('{name}') has no numeric 'value'")))?;
            let unit = e.unit.as_ref().and_then(Value::as_str).unwrap_or("");
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
