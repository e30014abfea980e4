//! `jmh`: the JSON written by JMH with `-rf json` (`-rff FILE`).
//! Format: <https://github.com/openjdk/jmh> (`ResultFormatType.JSON`; a list of runs, each
//! with `benchmark`, `mode`, `params`, `primaryMetric{score, scoreUnit, rawData}` and
//! `secondaryMetrics{name: {score, scoreUnit, rawData}}`).
//!
//! Decisions:
//! - Key `custom.<benchmark>` (the fully qualified method), with its `params` appended as
//!   `(a=1,b=x)` in the file's order; when the same benchmark and params were run in
//!   several modes, ` [mode]` is appended to each.
//! - Units are normalised: a time per op (`ns/op`, `us/op`, `ms/op`, `s/op`, `min/op`) is
//!   stored in ms, lower is better; operations per time (`ops/ns` ... `ops/min`) in
//!   `ops/s`, higher is better. This matches the modes (`thrpt` is higher is better,
//!   `avgt`/`sample`/`ss` lower is better); when the unit is neither, the mode decides.
//! - `rawData` (one list per fork) is flattened into the samples, in the stored unit.
//! - Secondary metrics become `custom.<benchmark>.<metric>` with JMH's `·` prefix dropped
//!   (e.g. `.gc.alloc.rate` in `MB/s`, `.gc.alloc.rate.norm` in `B/op`), lower is better
//!   unless they are operations per time.

use super::util::{put, unique_key, Suffixes};
use super::{Input, Provider};
use crate::error::{Error, Result};
use crate::schema::{Direction, Snapshot};
use crate::units::TimeUnit;
use indexmap::IndexMap;
use serde_json::Value;

/// JMH JSON.
pub struct Jmh;

const NAME: &str = "jmh";

impl Provider for Jmh {
    fn name(&self) -> &'static str {
        NAME
    }

    fn detect(&self, input: &Input) -> bool {
        input.text.as_deref().is_some_and(|t| {
            super::util::starts_with_char(t, '[')
                && t.contains("\"primaryMetric\"")
                && t.contains("\"benchmark\"")
        })
    }

    fn parse(&self, input: &Input) -> Result<Snapshot> {
        let doc = input.json(NAME)?;
        let bad = |reason: String| Error::parse(NAME, &input.path, reason);
        let runs = doc.as_array().filter(|r| !r.is_empty()).ok_or_else(|| {
            bad("expected a non-empty JSON list of runs (jmh -rf json output)".into())
        })?;
        // Names first, to know which benchmark+params ran in several modes.
        let mut names = Vec::with_capacity(runs.len());
        let mut modes: IndexMap<String, usize> = IndexMap::new();
        for (i, r) in runs.iter().enumerate() {
            let bench = r
                .get("benchmark")
                .and_then(Value::as_str)
                .ok_or_else(|| bad(format!("run [{i}] has no 'benchmark' string")))?;
            let mut name = bench.to_string();
            if let Some(params) = r
                .get("params")
                .and_then(Value::as_object)
                .filter(|p| !p.is_empty())
            {
                let list: Vec<String> = params
                    .iter()
                    .map(|(k, v)| match v {
                        Value::String(s) => format!("{k}={s}"),
                        other => format!("{k}={other}"),
                    })
                    .collect();
                name = format!("{name}({})", list.join(","));
            }
            *modes.entry(name.clone()).or_default() += 1;
            names.push(name);
        }
        let mut snap = Snapshot::new();
        let mut seen = Suffixes::default();
        super::util::reserve(&mut snap, runs.len());
        for (i, (r, name)) in runs.iter().zip(names).enumerate() {
            let mode = r.get("mode").and_then(Value::as_str).unwrap_or("");
            let name = if modes.get(&name).copied().unwrap_or(0) > 1 && !mode.is_empty() {
                format!("{name} [{mode}]")
            } else {
                name
            };
            let primary = r
                .get("primaryMetric")
                .ok_or_else(|| bad(format!("run [{i}] ('{name}') has no 'primaryMetric'")))?;
            let mode_dir = match mode {
                "thrpt" => Direction::HigherIsBetter,
                _ => Direction::LowerIsBetter,
            };
            let key = unique_key(&snap, &mut seen, format!("custom.{name}"));
            metric(&mut snap, key, primary, mode_dir)
                .map_err(|e| bad(format!("run [{i}] ('{name}'): {e}")))?;
            if let Some(sec) = r.get("secondaryMetrics").and_then(Value::as_object) {
                for (label, m) in sec {
                    let label = label.trim_start_matches('\u{b7}');
                    let key = unique_key(&snap, &mut seen, format!("custom.{name}.{label}"));
                    metric(&mut snap, key, m, Direction::LowerIsBetter).map_err(|e| {
                        bad(format!("run [{i}] ('{name}') secondary '{label}': {e}"))
                    })?;
                }
            }
        }
        Ok(snap)
    }
}

/// Stores one `{score, scoreUnit, rawData}` metric, converting the unit.
fn metric(
    snap: &mut Snapshot,
    key: String,
    m: &Value,
    default_dir: Direction,
) -> std::result::Result<(), String> {
    let score = m
        .get("score")
        .and_then(Value::as_f64)
        .ok_or("no numeric 'score'")?;
    let unit = m.get("scoreUnit").and_then(Value::as_str).unwrap_or("");
    let raw: Vec<f64> = m
        .get("rawData")
        .and_then(Value::as_array)
        .map(|forks| {
            forks
                .iter()
                .filter_map(Value::as_array)
                .flatten()
                .filter_map(Value::as_f64)
                .collect()
        })
        .unwrap_or_default();
    let (score, stored_unit, dir) = convert(score, unit, default_dir);
    let samples = raw
        .into_iter()
        .map(|s| convert(s, unit, default_dir).0)
        .collect();
    put(snap, key, score, stored_unit.as_str(), dir, samples);
    Ok(())
}

/// The time unit of a JMH unit such as `us/op` or `ops/us`.
fn ops_per_s(value: f64, time: &str) -> Option<f64> {
    match time {
        "ns" => Some(value * 1e9),
        "us" | "µs" => Some(value * 1e6),
        "ms" => Some(value * 1e3),
        "s" => Some(value),
        "min" => Some(value / 60.0),
        _ => None,
    }
}

/// A JMH value and unit → (stored value, stored unit, direction).
fn convert(value: f64, unit: &str, default_dir: Direction) -> (f64, String, Direction) {
    let unit_norm = unit.replace("/sec", "/s");
    if let Some(ms) = unit_norm
        .strip_suffix("/op")
        .and_then(TimeUnit::parse)
        .map(|t| t.to_ms(value))
    {
        return (ms, "ms".into(), Direction::LowerIsBetter);
    }
    if let Some(v) = unit_norm
        .strip_prefix("ops/")
        .and_then(|time| ops_per_s(value, time))
    {
        return (v, "ops/s".into(), Direction::HigherIsBetter);
    }
    let dir = if unit_norm.starts_with("ops") {
        Direction::HigherIsBetter
    } else {
        default_dir
    };
    (value, unit_norm, dir)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn units() {
        let lower = Direction::LowerIsBetter;
        assert_eq!(convert(5.0, "us/op", lower), (0.005, "ms".into(), lower));
        assert_eq!(
            convert(2.0, "ops/ms", lower),
            (2000.0, "ops/s".into(), Direction::HigherIsBetter)
        );
        assert_eq!(convert(3.0, "MB/sec", lower), (3.0, "MB/s".into(), lower));
        assert_eq!(convert(4.0, "B/op", lower), (4.0, "B/op".into(), lower));
        assert_eq!(convert(1.0, "min/op", lower).0, 60_000.0);
        assert_eq!(convert(120.0, "ops/min", lower).0, 2.0);
    }
}
