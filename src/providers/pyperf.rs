//! `pyperf`: the JSON written by pyperf (`python bench.py -o out.json`, `pyperf timeit -o`)
//! and by pyperformance (`pyperformance run -o out.json`), which uses the same format.
//! Format: <https://pyperf.readthedocs.io/en/latest/api.html#json-format> (`benchmarks[]`,
//! each with `metadata` and `runs[]`, each run with `warmups` `[[loops, value], ...]` and
//! `values`; metadata common to every benchmark, e.g. the only benchmark's `name` and
//! `unit`, is moved to the suite's top-level `metadata`).
//!
//! Decisions:
//! - Key `custom.<name>` (the benchmark's `name`, else the suite's); a benchmark without a
//!   name is an error naming its position. The same name twice gets `#2`.
//! - Value: the mean of every run's `values` (what pyperf prints, `Mean +- std dev`), with
//!   the values as samples. `warmups` are excluded, and so are runs without values (the
//!   calibration run pyperf starts with).
//! - Unit from `metadata.unit`: `second` (the default) is converted to ms; `byte` (from
//!   `--track-memory`) is `B`; `integer` is a count. All lower is better.
//! - gzip-compressed files (`.json.gz`) are not read: `gunzip` them first.

use super::util::{put_new, Suffixes};
use super::{Input, Provider};
use crate::error::{Error, Result};
use crate::schema::{Direction, Snapshot};
use serde::Deserialize;
use serde_json::{Map, Value};

/// pyperf / pyperformance JSON.
pub struct Pyperf;

const NAME: &str = "pyperf";

/// The parts of the file we read; other fields are skipped.
#[derive(Deserialize)]
struct Suite {
    benchmarks: Vec<Benchmark>,
    #[serde(default)]
    metadata: Map<String, Value>,
}

#[derive(Deserialize)]
struct Benchmark {
    #[serde(default)]
    metadata: Map<String, Value>,
    #[serde(default)]
    runs: Vec<Run>,
}

#[derive(Deserialize)]
struct Run {
    /// Absent on the calibration run.
    #[serde(default)]
    values: Vec<f64>,
}

impl Provider for Pyperf {
    fn name(&self) -> &'static str {
        NAME
    }

    fn detect(&self, input: &Input) -> bool {
        input.text.as_deref().is_some_and(|t| {
            super::util::starts_with_char(t, '{')
                && t.contains("\"benchmarks\"")
                && t.contains("\"runs\"")
                && (t.contains("\"perf_version\"") || t.contains("\"warmups\""))
        })
    }

    fn parse(&self, input: &Input) -> Result<Snapshot> {
        let bad = |reason: String| Error::parse(NAME, &input.path, reason);
        let suite: Suite = serde_json::from_str(input.text(NAME)?)
            .map_err(|e| bad(format!("not a pyperf JSON file: {e}")))?;
        let meta = |b: &Benchmark, field: &str| -> Option<String> {
            b.metadata
                .get(field)
                .or_else(|| suite.metadata.get(field))
                .and_then(Value::as_str)
                .map(str::to_string)
        };
        let mut snap = Snapshot::new();
        let mut seen = Suffixes::default();
        super::util::reserve(&mut snap, suite.benchmarks.len());
        for (i, b) in suite.benchmarks.iter().enumerate() {
            let name = meta(b, "name")
                .ok_or_else(|| bad(format!("benchmark {} has no metadata 'name'", i + 1)))?;
            let unit = meta(b, "unit").unwrap_or_else(|| "second".into());
            let (unit, scale) = match unit.as_str() {
                "second" => ("ms", 1e3),
                "byte" => ("B", 1.0),
                "integer" => ("count", 1.0),
                other => {
                    return Err(bad(format!(
                        "benchmark '{name}': unknown unit '{other}' (pyperf writes second, \
                         byte or integer)"
                    )))
                }
            };
            let samples: Vec<f64> = b
                .runs
                .iter()
                .flat_map(|r| r.values.iter().map(|v| v * scale))
                .collect();
            if samples.is_empty() {
                tracing::warn!("pyperf: benchmark '{name}' has no values (only warmups)");
                continue;
            }
            let mean = samples.iter().sum::<f64>() / samples.len() as f64;
            put_new(
                &mut snap,
                &mut seen,
                format!("custom.{name}"),
                mean,
                unit,
                Direction::LowerIsBetter,
                samples,
            );
        }
        if snap.metrics.is_empty() {
            return Err(bad(
                "expected 'benchmarks' with runs that have 'values' (pyperf -o output)".into(),
            ));
        }
        Ok(snap)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(text: &str) -> Result<Snapshot> {
        Pyperf.parse(&Input::from_text("p.json", text))
    }

    #[test]
    fn warmups_and_calibration_runs_are_excluded() {
        let s = parse(
            r#"{"version": "1.0", "metadata": {"unit": "second"}, "benchmarks": [
              {"metadata": {"name": "a"}, "runs": [
                {"warmups": [[1, 9.0], [2, 9.0]]},
                {"warmups": [[2, 9.0]], "values": [0.001, 0.003]},
                {"values": [0.002]}]}]}"#,
        )
        .unwrap();
        assert_eq!(s.get("custom.a"), Some(2.0));
        assert_eq!(
            s.metrics.info("custom.a").unwrap().samples,
            vec![1.0, 3.0, 2.0]
        );
        assert_eq!(
            s.metrics.info("custom.a").unwrap().unit.as_deref(),
            Some("ms")
        );
    }

    #[test]
    fn the_suite_metadata_names_a_lone_benchmark() {
        let s = parse(
            r#"{"metadata": {"name": "m", "unit": "byte"}, "benchmarks": [{"runs": [{"values": [10, 20]}]}]}"#,
        )
        .unwrap();
        assert_eq!(s.get("custom.m"), Some(15.0));
        assert_eq!(
            s.metrics.info("custom.m").unwrap().unit.as_deref(),
            Some("B")
        );
    }

    #[test]
    fn refusals_name_the_problem() {
        for (text, want) in [
            (r#"{"benchmarks": [{"runs": []}]}"#, "no metadata 'name'"),
            (
                r#"{"benchmarks": [{"metadata": {"name": "x", "unit": "parsec"}, "runs": []}]}"#,
                "unknown unit 'parsec'",
            ),
            (
                r#"{"benchmarks": [{"metadata": {"name": "x"}, "runs": [{"warmups": [[1, 1.0]]}]}]}"#,
                "runs that have 'values'",
            ),
            (r#"{"benchmarks": 3}"#, "not a pyperf JSON file"),
        ] {
            let e = parse(text).unwrap_err();
            assert_eq!(e.exit_code(), 3);
            assert!(e.to_string().contains(want), "{text}: {e}");
        }
    }
}
