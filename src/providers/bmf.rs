//! `bmf`: Bencher Metric Format, `{"<benchmark>": {"<measure>": {"value", "lower_value"?,
//! "upper_value"?}}}`.
//! Format: <https://bencher.dev/docs/reference/bencher-metric-format/>.
//!
//! Decisions: Bencher's built-in measures have known units: `latency` (ns) is the primary
//! measure `custom.<benchmark>` in ms, lower is better; `throughput` (operations/s) →
//! `custom.<benchmark>.throughput` in `ops/s`, higher is better; `file-size` (bytes) → `B`;
//! `build-time` (s) → ms. Any other measure is `custom.<benchmark>.<measure>` with unit
//! `count` and lower is better (BMF does not carry a direction; set one in `flameiq.yaml`
//! if needed). `lower_value`/`upper_value` are bounds, not samples, and are not kept.

use super::util::{put_measure, starts_with_char, Suffixes};
use super::{Input, Provider};
use crate::error::{Error, Result};
use crate::schema::{Direction, Snapshot};
use serde_json::Value;

/// Bencher Metric Format.
pub struct Bmf;

const NAME: &str = "bmf";

/// Is `v` a BMF document: a non-empty object of objects of `{"value": number}` objects?
fn is_bmf(v: &Value) -> bool {
    v.as_object().is_some_and(|benches| {
        !benches.is_empty()
            && benches.values().all(|measures| {
                measures.as_object().is_some_and(|m| {
                    !m.is_empty()
                        && m.values()
                            .all(|x| x.get("value").is_some_and(Value::is_number))
                })
            })
    })
}

impl Provider for Bmf {
    fn name(&self) -> &'static str {
        NAME
    }

    fn detect(&self, input: &Input) -> bool {
        input.text.as_deref().is_some_and(|t| {
            starts_with_char(t, '{')
                && t.contains("\"value\"")
                && serde_json::from_str::<Value>(t).is_ok_and(|v| is_bmf(&v))
        })
    }

    fn parse(&self, input: &Input) -> Result<Snapshot> {
        let doc = input.json(NAME)?;
        let bad = |reason: String| Error::parse(NAME, &input.path, reason);
        let benches = doc.as_object().filter(|b| !b.is_empty()).ok_or_else(|| {
            bad(
                "expected a JSON object of benchmarks, each an object of measures {\"value\": n}"
                    .into(),
            )
        })?;
        let mut snap = Snapshot::new();
        let mut seen = Suffixes::default();
        for (bench, measures) in benches {
            let measures = measures
                .as_object()
                .ok_or_else(|| bad(format!("benchmark '{bench}' is not an object of measures")))?;
            for (measure, m) in measures {
                let value = m.get("value").and_then(Value::as_f64).ok_or_else(|| {
                    bad(format!(
                        "benchmark '{bench}' measure '{measure}' has no numeric 'value'"
                    ))
                })?;
                let (key, unit, dir) = match measure.as_str() {
                    "latency" => (format!("custom.{bench}"), "ns", Direction::LowerIsBetter),
                    "throughput" => (
                        format!("custom.{bench}.throughput"),
                        "ops/s",
                        Direction::HigherIsBetter,
                    ),
                    "file-size" => (
                        format!("custom.{bench}.file-size"),
                        "B",
                        Direction::LowerIsBetter,
                    ),
                    "build-time" => (
                        format!("custom.{bench}.build-time"),
                        "s",
                        Direction::LowerIsBetter,
                    ),
                    other => (
                        format!("custom.{bench}.{other}"),
                        "count",
                        Direction::LowerIsBetter,
                    ),
                };
                put_measure(
                    &mut snap,
                    &mut seen,
                    key,
                    value,
                    unit,
                    Some(dir),
                    Vec::new(),
                );
            }
        }
        Ok(snap)
    }
}
