//! `benchmarkdotnet`: BenchmarkDotNet's full JSON export (`[JsonExporter.Full]` /
//! `--exporters json`, `*-report-full.json`; the brief export reads too).
//! Format: <https://benchmarkdotnet.org/articles/configs/exporters.html#json>.
//!
//! Decisions:
//! - Key `custom.<Namespace>.<Type>.<Method>` (namespace omitted when null), with
//!   `(<Parameters>)` appended when the benchmark is parameterised, so same-named methods in
//!   different classes or namespaces do not collide.
//! - Value: `Statistics.Mean` (nanoseconds) in ms, lower is better. Samples:
//!   `Statistics.OriginalValues` when present, else the `Workload`/`Result` measurements
//!   (`Nanoseconds / Operations`), in ms.
//! - Allocated bytes per operation (`Memory.BytesAllocatedPerOperation`, or the
//!   `Allocated Memory` metric) → `custom.<key>.allocated_bytes` in `B`, lower is better.
//! - A benchmark without statistics (it failed to build or run) is reported as a warning
//!   naming it.

use super::util::{put, unique_key, Suffixes};
use super::{Input, Provider};
use crate::error::{Error, Result};
use crate::schema::{Direction, Snapshot};
use serde_json::Value;

/// BenchmarkDotNet JSON export.
pub struct BenchmarkDotNet;

const NAME: &str = "benchmarkdotnet";

impl Provider for BenchmarkDotNet {
    fn name(&self) -> &'static str {
        NAME
    }

    fn detect(&self, input: &Input) -> bool {
        input.text.as_deref().is_some_and(|t| {
            super::util::starts_with_char(t, '{')
                && t.contains("\"Benchmarks\"")
                && (t.contains("\"HostEnvironmentInfo\"") || t.contains("\"Statistics\""))
        })
    }

    fn parse(&self, input: &Input) -> Result<Snapshot> {
        let doc = input.json(NAME)?;
        let bad = |reason: String| Error::parse(NAME, &input.path, reason);
        let benches = doc
            .get("Benchmarks")
            .and_then(Value::as_array)
            .filter(|b| !b.is_empty())
            .ok_or_else(|| {
                bad("expected a non-empty 'Benchmarks' list (BenchmarkDotNet JSON export)".into())
            })?;
        let mut snap = Snapshot::new();
        let mut seen = Suffixes::default();
        super::util::reserve(&mut snap, benches.len() * 2);
        for (i, b) in benches.iter().enumerate() {
            let s = |f: &str| b.get(f).and_then(Value::as_str).filter(|s| !s.is_empty());
            let method = s("Method")
                .or_else(|| s("MethodTitle"))
                .ok_or_else(|| bad(format!("Benchmarks[{i}] has no 'Method' string")))?;
            let mut name: Vec<&str> = Vec::new();
            name.extend(s("Namespace"));
            name.extend(s("Type"));
            name.push(method);
            let mut name = name.join(".");
            if let Some(p) = s("Parameters") {
                name = format!("{name}({p})");
            }
            let stats = b.get("Statistics").filter(|v| v.is_object());
            let Some(mean) = stats.and_then(|st| st.get("Mean")).and_then(Value::as_f64) else {
                tracing::warn!(
                    "benchmarkdotnet: benchmark '{name}' has no Statistics.Mean (it failed or did not run)"
                );
                continue;
            };
            let mut samples: Vec<f64> = stats
                .and_then(|st| st.get("OriginalValues"))
                .and_then(Value::as_array)
                .map(|a| {
                    a.iter()
                        .filter_map(Value::as_f64)
                        .map(|v| v / 1e6)
                        .collect()
                })
                .unwrap_or_default();
            if samples.is_empty() {
                samples = b
                    .get("Measurements")
                    .and_then(Value::as_array)
                    .map(|ms| {
                        ms.iter()
                            .filter(|m| {
                                m.get("IterationMode").and_then(Value::as_str) == Some("Workload")
                                    && m.get("IterationStage").and_then(Value::as_str)
                                        == Some("Result")
                            })
                            .filter_map(|m| {
                                let ns = m.get("Nanoseconds")?.as_f64()?;
                                let ops = m.get("Operations")?.as_f64().filter(|o| *o > 0.0)?;
                                Some(ns / ops / 1e6)
                            })
                            .collect()
                    })
                    .unwrap_or_default();
            }
            let key = unique_key(&snap, &mut seen, format!("custom.{name}"));
            put(
                &mut snap,
                key.clone(),
                mean / 1e6,
                "ms",
                Direction::LowerIsBetter,
                samples,
            );
            let allocated = b
                .get("Memory")
                .and_then(|m| m.get("BytesAllocatedPerOperation"))
                .and_then(Value::as_f64)
                .or_else(|| {
                    b.get("Metrics").and_then(Value::as_array).and_then(|ms| {
                        ms.iter()
                            .find(|m| {
                                m.get("Descriptor")
                                    .and_then(|d| d.get("Id"))
                                    .and_then(Value::as_str)
                                    == Some("Allocated Memory")
                            })
                            .and_then(|m| m.get("Value")?.as_f64())
                    })
                });
            if let Some(bytes) = allocated {
                put(
                    &mut snap,
                    format!("{key}.allocated_bytes"),
                    bytes,
                    "B",
                    Direction::LowerIsBetter,
                    Vec::new(),
                );
            }
        }
        if snap.metrics.is_empty() {
            return Err(bad(
                "no benchmark in 'Benchmarks' has Statistics.Mean".into()
            ));
        }
        Ok(snap)
    }
}
