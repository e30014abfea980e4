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
//! - `cpu_time` (converted like `real_time`) is the further measure
//!   `custom.<run_name>.cpu_time`, lower is better, with the repetitions as samples: the
//!   process's CPU time, which a runner shared with other jobs barely moves while it can
//!   double the wall-clock `real_time` (measured in `docs/verdict-quality.md`, run H), so
//!   a team on shared runners can gate it and keep `real_time` loose. A row without a
//!   numeric `cpu_time` simply has none.
//! - Counters (any other numeric field, e.g. `bytes_per_second`, `items_per_second`, user
//!   counters) become `custom.<run_name>.<counter>` (median across repetitions);
//!   `bytes_per_second` is `B/s` and `items_per_second` is `items/s` (higher is better); a
//!   user counter has no unit in the JSON and is stored with unit `count`, higher is better
//!   only when its name ends in `_per_second` or `rate`.
//! - A run with `error_occurred` (or `skipped`) is reported as a warning naming it, with its
//!   message, and has no value.

use super::util::{put, put_measure, put_new, Suffixes};
use super::{Input, Provider};
use crate::error::{Error, Result};
use crate::quantile::median;
use crate::schema::{Direction, Snapshot};
use indexmap::IndexMap;
use serde::de::{Deserializer, IgnoredAny, MapAccess, Visitor};
use serde::Deserialize;
use serde_json::Value;
use std::borrow::Cow;
use std::marker::PhantomData;

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
    /// `cpu_time` of each repetition that has one, in ms.
    cpu_times: Vec<f64>,
    /// Counter name → value of each repetition.
    counters: IndexMap<String, Vec<f64>>,
}

/// The parts of the file we read (`context` is skipped).
#[derive(Deserialize)]
struct Doc<'a> {
    #[serde(borrow)]
    benchmarks: Vec<Row<'a>>,
}

/// One entry of `benchmarks`, read field by field so unknown numeric fields become
/// counters. Strings are borrowed from the input when they have no escapes.
#[derive(Default)]
struct Row<'a> {
    name: Option<Key<'a>>,
    run_name: Option<Key<'a>>,
    run_type: Option<Key<'a>>,
    real_time: Option<f64>,
    cpu_time: Option<f64>,
    time_unit: Option<Key<'a>>,
    /// `error_occurred` or `skipped`.
    failed: bool,
    message: Option<Key<'a>>,
    counters: Vec<(Key<'a>, f64)>,
}

impl<'de: 'a, 'a> Deserialize<'de> for Row<'a> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> std::result::Result<Row<'a>, D::Error> {
        struct V<'a>(PhantomData<&'a ()>);
        impl<'de: 'a, 'a> Visitor<'de> for V<'a> {
            type Value = Row<'a>;
            fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                f.write_str("a benchmark object")
            }
            fn visit_map<A: MapAccess<'de>>(
                self,
                mut map: A,
            ) -> std::result::Result<Row<'a>, A::Error> {
                let mut row = Row::default();
                while let Some(key) = map.next_key::<Key<'a>>()? {
                    match &*key.0 {
                        "name" => row.name = map.next_value()?,
                        "run_name" => row.run_name = map.next_value()?,
                        "run_type" => row.run_type = map.next_value()?,
                        "time_unit" => row.time_unit = map.next_value()?,
                        "real_time" => row.real_time = map.next_value()?,
                        "cpu_time" => row.cpu_time = map.next_value()?,
                        "error_occurred" | "skipped" => {
                            let v: Value = map.next_value()?;
                            // `skipped` is a bool, or an enum number in newer versions.
                            row.failed |=
                                v.as_bool().unwrap_or(false) || v.as_i64().is_some_and(|n| n != 0);
                        }
                        "error_message" | "skip_message" => {
                            let m: Option<Key<'a>> = map.next_value()?;
                            row.message = row.message.take().or(m);
                        }
                        k if NOT_COUNTERS.contains(&k) => {
                            map.next_value::<IgnoredAny>()?;
                        }
                        _ => {
                            if let Some(v) = map.next_value::<Value>()?.as_f64() {
                                row.counters.push((key, v));
                            }
                        }
                    }
                }
                Ok(row)
            }
        }
        d.deserialize_map(V(PhantomData))
    }
}

/// A map key, borrowed from the input when it has no escapes.
#[derive(Default)]
struct Key<'a>(Cow<'a, str>);

impl<'de: 'a, 'a> Deserialize<'de> for Key<'a> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> std::result::Result<Key<'a>, D::Error> {
        struct V<'a>(PhantomData<&'a ()>);
        impl<'de: 'a, 'a> Visitor<'de> for V<'a> {
            type Value = Key<'a>;
            fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                f.write_str("a string key")
            }
            fn visit_borrowed_str<E>(self, v: &'de str) -> std::result::Result<Key<'a>, E> {
                Ok(Key(Cow::Borrowed(v)))
            }
            fn visit_str<E>(self, v: &str) -> std::result::Result<Key<'a>, E> {
                Ok(Key(Cow::Owned(v.to_string())))
            }
        }
        d.deserialize_str(V(PhantomData))
    }
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
        let bad = |reason: String| Error::parse(NAME, &input.path, reason);
        // Typed rows, not a serde_json::Value tree: several times faster on large files.
        let doc: Doc = serde_json::from_str(input.text(NAME)?).map_err(|e| {
            bad(format!(
                "expected Google Benchmark JSON with a 'benchmarks' list: {e}"
            ))
        })?;
        let mut runs: IndexMap<String, Run> = IndexMap::new();
        for (i, b) in doc.benchmarks.into_iter().enumerate() {
            let Some(Key(name)) = b.run_name.or(b.name) else {
                return Err(bad(format!("benchmarks[{i}] has no 'name' string")));
            };
            if b.run_type.as_ref().map(|k| &*k.0) == Some("aggregate") {
                continue;
            }
            if b.failed {
                let msg = b.message.unwrap_or_default().0;
                tracing::warn!("google-benchmark: benchmark '{name}' failed: {msg}");
                continue;
            }
            let unit = b.time_unit.as_ref().map_or("ns", |k| &*k.0);
            let real = b.real_time.ok_or_else(|| {
                bad(format!(
                    "benchmarks[{i}] ('{name}') has no numeric 'real_time'"
                ))
            })?;
            let time_unit = crate::units::TimeUnit::parse(unit).ok_or_else(|| {
                bad(format!(
                    "benchmarks[{i}] ('{name}'): unknown time_unit '{unit}'"
                ))
            })?;
            let real = time_unit.to_ms(real);
            let run = match runs.get_index_of(&*name) {
                Some(i) => runs.get_index_mut(i).map(|(_, r)| r),
                None => Some(runs.entry(name.into_owned()).or_default()),
            };
            let Some(run) = run else { continue };
            run.times.push(real);
            if let Some(cpu) = b.cpu_time {
                run.cpu_times.push(time_unit.to_ms(cpu));
            }
            for (Key(k), v) in b.counters {
                match run.counters.get_mut(&*k) {
                    Some(vs) => vs.push(v),
                    None => {
                        run.counters.insert(k.into_owned(), vec![v]);
                    }
                }
            }
        }
        let mut snap = Snapshot::new();
        let mut seen = Suffixes::default();
        super::util::reserve(
            &mut snap,
            runs.values()
                .map(|r| 1 + usize::from(!r.cpu_times.is_empty()) + r.counters.len())
                .sum::<usize>(),
        );
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
            if let Some(m) = median(&run.cpu_times) {
                put_new(
                    &mut snap,
                    &mut seen,
                    format!("custom.{name}.cpu_time"),
                    m,
                    crate::units::Unit::MS,
                    Direction::LowerIsBetter,
                    samples(&run.cpu_times),
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
                    &mut seen,
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
