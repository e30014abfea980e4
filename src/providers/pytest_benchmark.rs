//! `pytest-benchmark`: the JSON written by `pytest --benchmark-json=FILE` (or saved under
//! `.benchmarks/` by `--benchmark-save`/`--benchmark-autosave`: the same format).
//! Format: <https://pytest-benchmark.readthedocs.io/en/latest/usage.html#commandline-options>
//!
//! Keys and values are exactly flameiq-core's provider's, so baselines stay comparable:
//! `latency.mean` and `latency.p50` are the first benchmark's `stats.mean` and
//! `stats.median` (s → ms), `throughput` is the sum of every benchmark's `stats.ops`, and
//! each benchmark's mean is `custom.<name>` with `.` and spaces in the name replaced by `_`
//! (a later benchmark of the same name replaces an earlier one, as in flameiq-core).
//! Commit and branch come from `commit_info`. We add `metric_info`: units, directions and,
//! when the file has them (`--benchmark-json` always writes them; `--benchmark-save` and
//! `--benchmark-autosave` only with `--benchmark-save-data`), each benchmark's raw `stats.data`;
//! without them, its `stats.min` and `stats.max` (ms) as `metric_info.<key>.min`/`.max`,
//! so calibrated `auto` can still locate each run by its best round (issue 14: a run
//! slowed in part moves its mean, not its fastest round).

use super::util::put;
use super::{Input, Provider};
use crate::error::{Error, Result};
use crate::schema::{Direction, Snapshot};
use serde_json::Value;

/// pytest-benchmark JSON.
pub struct PytestBenchmark;

const NAME: &str = "pytest-benchmark";

impl Provider for PytestBenchmark {
    fn name(&self) -> &'static str {
        NAME
    }

    fn detect(&self, input: &Input) -> bool {
        input.text.as_deref().is_some_and(|t| {
            t.trim_start().starts_with('{')
                && t.contains("\"benchmarks\"")
                && t.contains("\"stats\"")
                && (t.contains("\"machine_info\"") || t.contains("\"fullname\""))
        })
    }

    fn parse(&self, input: &Input) -> Result<Snapshot> {
        let doc = input.json(NAME)?;
        let bad = |reason: String| Error::parse(NAME, &input.path, reason);
        let benches = doc
            .get("benchmarks")
            .and_then(Value::as_array)
            .filter(|b| !b.is_empty())
            .ok_or_else(|| {
                bad(
                    "expected a non-empty 'benchmarks' list (pytest --benchmark-json output)"
                        .into(),
                )
            })?;

        let stat = |b: &Value, i: usize, field: &str| -> Result<Option<f64>> {
            match b.get("stats").and_then(|s| s.get(field)) {
                None | Some(Value::Null) => Ok(None),
                Some(v) => v
                    .as_f64()
                    .filter(|f| f.is_finite())
                    .map(Some)
                    .ok_or_else(|| {
                        bad(format!(
                            "benchmarks[{i}].stats.{field} is not a number: {v}"
                        ))
                    }),
            }
        };
        let samples = |b: &Value| -> Vec<f64> {
            b.get("stats")
                .and_then(|s| s.get("data"))
                .and_then(Value::as_array)
                .map(|a| {
                    a.iter()
                        .filter_map(Value::as_f64)
                        .map(|s| s * 1e3)
                        .collect()
                })
                .unwrap_or_default()
        };

        // A benchmark's reported fastest and slowest round, for a key without samples.
        let range = |snap: &mut Snapshot, key: &str, b: &Value, i: usize| -> Result<()> {
            let has_samples = snap
                .metrics
                .info(key)
                .is_some_and(|m| !m.samples.is_empty());
            if let (false, Some(lo), Some(hi)) =
                (has_samples, stat(b, i, "min")?, stat(b, i, "max")?)
            {
                if snap.get(key).is_some() {
                    let info = snap.metrics.info_or_default(key);
                    info.min = Some(lo * 1e3);
                    info.max = Some(hi * 1e3);
                }
            }
            Ok(())
        };

        let mut snap = Snapshot::new();
        let first = &benches[0];
        let first_samples = samples(first);
        let mean = stat(first, 0, "mean")?.map(|v| v * 1e3);
        let median = stat(first, 0, "median")?.map(|v| v * 1e3);
        // flameiq-core keeps the latency block only when mean or median is non-zero.
        if mean.unwrap_or(0.0) != 0.0 || median.unwrap_or(0.0) != 0.0 {
            if let Some(m) = mean {
                put(
                    &mut snap,
                    "latency.mean".into(),
                    m,
                    "ms",
                    Direction::LowerIsBetter,
                    first_samples.clone(),
                );
                range(&mut snap, "latency.mean", first, 0)?;
            }
            if let Some(m) = median {
                put(
                    &mut snap,
                    "latency.p50".into(),
                    m,
                    "ms",
                    Direction::LowerIsBetter,
                    first_samples,
                );
                range(&mut snap, "latency.p50", first, 0)?;
            }
        }
        let mut total_ops = 0.0;
        for (i, b) in benches.iter().enumerate() {
            total_ops += stat(b, i, "ops")?.unwrap_or(0.0);
        }
        if total_ops > 0.0 {
            put(
                &mut snap,
                "throughput".into(),
                total_ops,
                "ops/s",
                Direction::HigherIsBetter,
                vec![],
            );
        }
        for (i, b) in benches.iter().enumerate() {
            let name = match b.get("name") {
                Some(Value::String(s)) => s.clone(),
                _ => "unknown".into(),
            };
            if let Some(m) = stat(b, i, "mean")? {
                let key = format!("custom.{}", name.replace(['.', ' '], "_"));
                // Same key again: flameiq-core's dict keeps the last one, in the first's place.
                put(
                    &mut snap,
                    key.clone(),
                    m * 1e3,
                    "ms",
                    Direction::LowerIsBetter,
                    samples(b),
                );
                range(&mut snap, &key, b, i)?;
            }
        }
        if snap.metrics.is_empty() {
            return Err(bad(
                "no benchmark has a 'stats.mean' or 'stats.ops' value".into()
            ));
        }
        let info = doc.get("commit_info");
        let text = |f: &str| {
            info.and_then(|c| c.get(f))
                .and_then(Value::as_str)
                .map(str::to_string)
        };
        snap.metadata.commit = text("id");
        snap.metadata.branch = text("branch");
        Ok(snap)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(text: &str) -> Result<Snapshot> {
        PytestBenchmark.parse(&Input::from_text("bench.json", text))
    }

    #[test]
    fn keys_and_values_as_flameiq_core() {
        let s = parse(r#"{"commit_info": {"id": "abc", "branch": "main"}, "benchmarks": [
            {"name": "test_a.b c", "stats": {"mean": 0.002, "median": 0.001, "ops": 500.0, "data": [0.001, 0.003]}},
            {"name": "test_z", "stats": {"mean": 0.004, "ops": 250.0}}]}"#).unwrap();
        assert_eq!(s.get("latency.mean"), Some(2.0));
        assert_eq!(s.get("latency.p50"), Some(1.0));
        assert_eq!(s.get("throughput"), Some(750.0));
        assert_eq!(s.get("custom.test_a_b_c"), Some(2.0));
        assert_eq!(s.get("custom.test_z"), Some(4.0));
        assert_eq!(
            s.metrics.info("custom.test_a_b_c").unwrap().samples,
            vec![1.0, 3.0]
        );
        assert_eq!(s.metadata.commit.as_deref(), Some("abc"));
    }

    /// Issue 14: an autosaved file without `--benchmark-save-data` still tells each run's fastest
    /// and slowest round; they are kept (ms) where there are no samples, and only there.
    #[test]
    fn issue14_min_and_max_without_samples() {
        let s = parse(r#"{"benchmarks": [
            {"name": "test_a", "stats": {"mean": 0.002, "median": 0.0019, "min": 0.0015, "max": 0.004, "ops": 500.0}},
            {"name": "test_b", "stats": {"mean": 0.004, "min": 0.003, "max": 0.005, "data": [0.003, 0.005]}},
            {"name": "test_c", "stats": {"mean": 0.004, "min": 0.003}}]}"#).unwrap();
        for key in ["latency.mean", "latency.p50", "custom.test_a"] {
            let info = s.metrics.info(key).unwrap();
            assert_eq!((info.min, info.max), (Some(1.5), Some(4.0)), "{key}");
            assert!(info.samples.is_empty());
        }
        let b = s.metrics.info("custom.test_b").unwrap();
        assert_eq!((b.min, b.max, b.samples.len()), (None, None, 2));
        // Only a min: no range (a location needs both ends).
        let c = s.metrics.info("custom.test_c").unwrap();
        assert_eq!((c.min, c.max), (None, None));
        // And it survives the schema v1 document.
        let back = Snapshot::from_value(&s.to_value(), std::path::Path::new("m.json")).unwrap();
        assert_eq!(back.metrics.info("custom.test_a").unwrap().min, Some(1.5));
        let text = serde_json::to_string(&s.to_value()).unwrap();
        let fast = crate::snapshot_de::parse(&text).expect("the fast reader takes it");
        assert_eq!(fast.metrics.info("custom.test_a").unwrap().max, Some(4.0));
    }

    #[test]
    fn refuses_what_it_cannot_read() {
        for (text, needle) in [
            ("{}", "'benchmarks'"),
            (r#"{"benchmarks": []}"#, "'benchmarks'"),
            (
                r#"{"benchmarks": [{"name": "a", "stats": {"mean": "x"}}]}"#,
                "not a number",
            ),
            (r#"{"benchmarks": [{"name": "a"}]}"#, "no benchmark"),
            ("not json", "not valid JSON"),
        ] {
            let e = parse(text).unwrap_err();
            assert_eq!(e.exit_code(), 3);
            assert!(e.to_string().contains(needle), "{text}: {e}");
        }
    }
}
