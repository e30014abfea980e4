//! `google-benchmark`: Google Benchmark's JSON (`--benchmark_format=json` or
//! `--benchmark_out=FILE --benchmark_out_format=json`).
//! Format: <https://github.com/google/benchmark/blob/main/docs/user_guide.md#output-formats>.
//!
//! Decisions:
//! - One key per run (`run_name`, else `name`): `custom.<run_name>`, the `real_time`
//!   converted from `time_unit` (default `ns`) to ms, lower is better.
//! - Repetitions (`--benchmark_repetitions=N`): the value is the median of the
//!   `run_type: iteration` rows and they are the samples; the aggregate rows
//!   (`_mean`, `_median`, `_stddev`, `_cv`, ...) are not separate metrics.
//! - Counters (any other numeric field, e.g. `bytes_per_second`, `items_per_second`, user
//!   counters) become `custom.<run_name>.<counter>` (median across repetitions);
//!   `bytes_per_second` is `B/s` and `items_per_second` is `items/s` (higher is better); a
//!   user counter has no unit in the JSON and is stored with unit `count`, higher is better
//!   only when its name ends in `_per_second` or `rate`.
//! - A run with `error_occurred` (or `skipped`) is reported as a warning naming it, with its
//!   message, and has no value.

use super::util::{median, put, put_measure};
use super::{Input, Provider};
use crate::error::{Error, Result};
use crate::schema::{Direction, Snapshot};
use indexmap::IndexMap;
use serde_json::Value;

/// Google Benchmark JSON.
pub struct GoogleBenchmark;

const NAME: &str = "google-benchmark";

/// Fields of a run that are not counters.
const NOT_COUNTERS: &[&str] = &[
    "name",
    "family_index",
    "per_family_instance_index",
    "run_name",
    "run_type",
    "repetitions",
    "repetition_index",
    "threads",
    "iterations",
    "real_time",
    "cpu_time",
    "time_unit",
    "aggregate_name",
    "aggregate_unit",
    "label",
    "error_occurred",
    "error_message",
    "skipped",
    "skip_message",
    "big_o",
    "rms",
];

#[derive(Default)]
struct Run {
    /// `real_time` of each repetition, in ms.
    times: Vec<f64>,
    /// Counter name → value of each repetition.
    counters: IndexMap<String, Vec<f64>>,
}

impl Provider for GoogleBenchmark {
    fn name(&self) -> &'static str {
        NAME
    }

    fn detect(&self, input: &Input) -> bool {
        input.text.as_deref().is_some_and(|t| {
            super::util::starts_with_char(t, '{')
                && t.contains("\"benchmarks\"")
                && t.contains("\"real_time\"")
                && (t.contains("\"time_unit\"") || t.contains("\"run_type\""))
        })
    }

    fn parse(&self, input: &Input) -> Result<Snapshot> {
        let doc = input.json(NAME)?;
        let bad = |reason: String| Error::parse(NAME, &input.path, reason);
        let benches = doc
            .get("benchmarks")
            .and_then(Value::as_array)
            .ok_or_else(|| {
                bad("expected a 'benchmarks' list (Google Benchmark JSON output)".into())
            })?;
        let mut runs: IndexMap<String, Run> = IndexMap::new();
        for (i, b) in benches.iter().enumerate() {
            let name = b
                .get("run_name")
                .or_else(|| b.get("name"))
                .and_then(Value::as_str)
                .ok_or_else(|| bad(format!("benchmarks[{i}] has no 'name' string")))?;
            if b.get("run_type").and_then(Value::as_str) == Some("aggregate") {
                continue;
            }
            let flag = |f: &str| b.get(f).and_then(Value::as_bool) == Some(true);
            if flag("error_occurred") || flag("skipped") {
                let msg = b
                    .get("error_message")
                    .or_else(|| b.get("skip_message"))
                    .and_then(Value::as_str)
                    .unwrap_or("");
                tracing::warn!("google-benchmark: benchmark '{name}' failed: {msg}");
                continue;
            }
            let unit = b.get("time_unit").and_then(Value::as_str).unwrap_or("ns");
            let real = b.get("real_time").and_then(Value::as_f64).ok_or_else(|| {
                bad(format!(
                    "benchmarks[{i}] ('{name}') has no numeric 'real_time'"
                ))
            })?;
            let real = super::util::to_ms(real, unit).ok_or_else(|| {
                bad(format!(
                    "benchmarks[{i}] ('{name}'): unknown time_unit '{unit}'"
                ))
            })?;
            let run = runs.entry(name.to_string()).or_default();
            run.times.push(real);
            if let Some(obj) = b.as_object() {
                for (k, v) in obj {
                    if let (false, Some(v)) = (NOT_COUNTERS.contains(&k.as_str()), v.as_f64()) {
                        run.counters.entry(k.clone()).or_default().push(v);
                    }
                }
            }
        }
        let mut snap = Snapshot::new();
        for (name, run) in &runs {
            let samples = |v: &Vec<f64>| if v.len() > 1 { v.clone() } else { Vec::new() };
            if let Some(m) = median(&run.times) {
                put(
                    &mut snap,
                    format!("custom.{name}"),
                    m,
                    "ms",
                    Direction::LowerIsBetter,
                    samples(&run.times),
                );
            }
            for (counter, values) in &run.counters {
                let Some(m) = median(values) else { continue };
                let (unit, dir) = match counter.as_str() {
                    "bytes_per_second" => ("B/s", Direction::HigherIsBetter),
                    "items_per_second" => ("items/s", Direction::HigherIsBetter),
                    c if c.ends_with("_per_second") || c.ends_with("rate") => {
                        ("count/s", Direction::HigherIsBetter)
                    }
                    _ => ("count", Direction::LowerIsBetter),
                };
                put_measure(
                    &mut snap,
                    format!("custom.{name}.{counter}"),
                    m,
                    unit,
                    Some(dir),
                    samples(values),
                );
            }
        }
        if snap.metrics.is_empty() {
            return Err(bad(
                "no benchmark with a 'real_time' in 'benchmarks' (all failed, or the list is empty)"
                    .into(),
            ));
        }
        Ok(snap)
    }
}
