//! `criterion`: Criterion.rs results, either the `target/criterion` folder that `cargo bench`
//! leaves behind, or the JSON lines of `cargo criterion --message-format=json`.
//! Format: <https://bheisler.github.io/criterion.rs/book/user_guide/csv_output.html> (the
//! folder layout, `<bench>/new/{benchmark,estimates,sample}.json`) and
//! <https://bheisler.github.io/criterion.rs/book/cargo_criterion/external_tools.html>
//! (cargo-criterion's `benchmark-complete` messages).
//!
//! Folder: every directory below the given path (`target`, `target/criterion`, or one
//! benchmark's folder) that holds `new/estimates.json` is a benchmark; directories are
//! walked in sorted order, symlinks are not followed. Only `new/` (the latest run) is read;
//! `base/` and `change/` are criterion's own comparison.
//!
//! Decisions:
//! - Key `custom.<full_id>` from `new/benchmark.json` (the id criterion prints, e.g.
//!   `checksum/adler/256`), else the folder path relative to the walked root.
//! - Value: the mean's `point_estimate` (criterion measures wall time in ns) in ms, lower
//!   is better. Samples: `sample.json`'s `times[i] / iters[i]`, in ms.
//! - A declared throughput adds `custom.<id>.mb_per_s` (`Bytes`/`BytesDecimal`, 10^6 bytes
//!   per MB) or `custom.<id>.elements_per_s`, computed from the mean, higher is better.
//! - cargo-criterion lines: `mean.estimate` in `mean.unit`, samples
//!   `measured_values[i] / iteration_count[i]`; other messages are ignored.
//! - A benchmark folder whose `new/estimates.json` cannot be read is an error naming it.
//!   Criterion's human console output is not read (use the folder or `--output-format
//!   bencher` with the `cargo-bench` provider).

use super::util::{put, put_measure, unique_key, Suffixes};
use super::{Input, Provider};
use crate::error::{Error, Result};
use crate::schema::{Direction, Snapshot};
use serde_json::Value;
use std::path::{Path, PathBuf};

/// Criterion.rs folder or cargo-criterion JSON lines.
pub struct Criterion;

const NAME: &str = "criterion";
/// How deep below the given folder benchmark folders are looked for.
const MAX_DEPTH: usize = 8;
/// How many directories are visited at most (a guard against pointing at `/`).
const MAX_DIRS: usize = 100_000;

impl Provider for Criterion {
    fn name(&self) -> &'static str {
        NAME
    }

    fn detect(&self, input: &Input) -> bool {
        match input.text.as_deref() {
            None => !bench_dirs(&input.path).is_empty(),
            Some(t) => t.lines().any(is_complete_line),
        }
    }

    /// A folder is structural; cargo-criterion's JSON output is one message per line.
    fn result_lines(&self, input: &Input) -> Option<usize> {
        let text = input.text.as_deref()?;
        Some(text.lines().filter(|l| is_complete_line(l)).count())
    }

    fn parse(&self, input: &Input) -> Result<Snapshot> {
        match input.text.as_deref() {
            None => parse_folder(&input.path),
            Some(t) => parse_lines(t, &input.path),
        }
    }
}

/// Benchmark folders below `root`, sorted.
fn bench_dirs(root: &Path) -> Vec<PathBuf> {
    let mut found = Vec::new();
    let mut visited = 0;
    walk(root, 0, &mut visited, &mut found);
    found
}

fn walk(dir: &Path, depth: usize, visited: &mut usize, found: &mut Vec<PathBuf>) {
    *visited += 1;
    if depth > MAX_DEPTH || *visited > MAX_DIRS {
        return;
    }
    if dir.join("new").join("estimates.json").is_file() {
        found.push(dir.to_path_buf());
    }
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    let mut subdirs: Vec<PathBuf> = entries
        .filter_map(|e| e.ok())
        .filter(|e| e.file_type().is_ok_and(|t| t.is_dir()))
        .filter(|e| {
            !matches!(
                e.file_name().to_str(),
                Some("new" | "base" | "change" | "report")
            )
        })
        .map(|e| e.path())
        .collect();
    subdirs.sort();
    for d in subdirs {
        walk(&d, depth + 1, visited, found);
    }
}

fn read_json(path: &Path) -> std::result::Result<Value, String> {
    let text = std::fs::read_to_string(path)
        .map_err(|e| format!("cannot read '{}': {e}", path.display()))?;
    serde_json::from_str(&text).map_err(|e| format!("'{}' is not valid JSON: {e}", path.display()))
}

fn parse_folder(root: &Path) -> Result<Snapshot> {
    let bad = |reason: String| Error::parse(NAME, root, reason);
    let dirs = bench_dirs(root);
    if dirs.is_empty() {
        return Err(bad(
            "expected a target/criterion folder with <benchmark>/new/estimates.json files \
             (run cargo bench first)"
                .into(),
        ));
    }
    let mut snap = Snapshot::new();
    let mut seen = Suffixes::default();
    for dir in dirs {
        let new = dir.join("new");
        let estimates = read_json(&new.join("estimates.json")).map_err(&bad)?;
        let mean_ns = estimates
            .get("mean")
            .and_then(|m| m.get("point_estimate"))
            .and_then(Value::as_f64)
            .ok_or_else(|| {
                bad(format!(
                    "'{}' has no numeric mean.point_estimate",
                    new.join("estimates.json").display()
                ))
            })?;
        // benchmark.json is optional: older criterion versions did not write it.
        let meta = read_json(&new.join("benchmark.json")).ok();
        let id = meta
            .as_ref()
            .and_then(|m| m.get("full_id").or_else(|| m.get("title")))
            .and_then(Value::as_str)
            .map(str::to_string)
            .unwrap_or_else(|| {
                let rel = dir.strip_prefix(root).unwrap_or(&dir);
                let s = rel.to_string_lossy().replace('\\', "/");
                if s.is_empty() {
                    dir.file_name()
                        .map(|f| f.to_string_lossy().into_owned())
                        .unwrap_or_default()
                } else {
                    s
                }
            });
        // Samples stay in ns here: put_measure converts them with the mean.
        let samples: Vec<f64> = read_json(&new.join("sample.json"))
            .ok()
            .map(|s| {
                let list = |f: &str| -> Vec<f64> {
                    s.get(f)
                        .and_then(Value::as_array)
                        .map(|a| a.iter().filter_map(Value::as_f64).collect())
                        .unwrap_or_default()
                };
                list("times")
                    .into_iter()
                    .zip(list("iters"))
                    .filter(|(_, n)| *n > 0.0)
                    .map(|(t, n)| t / n)
                    .collect()
            })
            .unwrap_or_default();
        let key = unique_key(&snap, &mut seen, format!("custom.{id}"));
        put_measure(
            &mut snap,
            &mut seen,
            key.clone(),
            mean_ns,
            "ns",
            None,
            samples,
        );
        let throughput = meta
            .as_ref()
            .and_then(|m| m.get("throughput"))
            .and_then(Value::as_object);
        if let (Some(t), true) = (throughput, mean_ns > 0.0) {
            for (kind, n) in t {
                let Some(n) = n.as_f64() else { continue };
                let (suffix, unit, per_s) = match kind.as_str() {
                    "Bytes" | "BytesDecimal" => ("mb_per_s", "MB/s", n / mean_ns * 1e3),
                    "Elements" => ("elements_per_s", "elements/s", n / mean_ns * 1e9),
                    _ => continue,
                };
                put(
                    &mut snap,
                    format!("{key}.{suffix}"),
                    per_s,
                    unit,
                    Direction::HigherIsBetter,
                    vec![],
                );
            }
        }
    }
    Ok(snap)
}

/// A cargo-criterion `benchmark-complete` message line.
fn is_complete_line(l: &str) -> bool {
    l.starts_with('{') && l.contains("\"benchmark-complete\"")
}

fn parse_lines(text: &str, path: &Path) -> Result<Snapshot> {
    let bad = |reason: String| Error::parse(NAME, path, reason);
    let mut snap = Snapshot::new();
    let mut seen = Suffixes::default();
    for (n, line) in text.lines().enumerate() {
        let line = line.trim();
        if !line.starts_with('{') {
            continue;
        }
        let v: Value = serde_json::from_str(line)
            .map_err(|e| bad(format!("line {}: not valid JSON: {e}", n + 1)))?;
        if v.get("reason").and_then(Value::as_str) != Some("benchmark-complete") {
            continue;
        }
        let id = v.get("id").and_then(Value::as_str).ok_or_else(|| {
            bad(format!(
                "line {}: benchmark-complete without an 'id'",
                n + 1
            ))
        })?;
        let mean = v.get("mean");
        let (Some(value), Some(unit)) = (
            mean.and_then(|m| m.get("estimate")).and_then(Value::as_f64),
            mean.and_then(|m| m.get("unit")).and_then(Value::as_str),
        ) else {
            return Err(bad(format!(
                "line {}: '{id}' has no mean.estimate and mean.unit",
                n + 1
            )));
        };
        let list = |f: &str| -> Vec<f64> {
            v.get(f)
                .and_then(Value::as_array)
                .map(|a| a.iter().filter_map(Value::as_f64).collect())
                .unwrap_or_default()
        };
        let samples: Vec<f64> = list("measured_values")
            .into_iter()
            .zip(list("iteration_count"))
            .filter(|(_, n)| *n > 0.0)
            .map(|(t, n)| t / n)
            .collect();
        let key = unique_key(&snap, &mut seen, format!("custom.{id}"));
        put_measure(&mut snap, &mut seen, key, value, unit, None, samples);
    }
    if snap.metrics.is_empty() {
        return Err(bad(
            "expected cargo-criterion '{\"reason\":\"benchmark-complete\",...}' JSON lines, \
             or a target/criterion folder"
                .into(),
        ));
    }
    Ok(snap)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cargo_criterion_lines() {
        let text = r#"{"reason":"group-complete","group_name":"g","benchmarks":["g/a"]}
{"reason":"benchmark-complete","id":"g/a","unit":"ns","iteration_count":[1,2],"measured_values":[1000.0,4000.0],"mean":{"estimate":1500.0,"lower_bound":1.0,"upper_bound":2.0,"unit":"ns"}}"#;
        let s = parse_lines(text, Path::new("c.json")).unwrap();
        assert_eq!(s.get("custom.g/a"), Some(0.0015));
        assert_eq!(s.metric_info["custom.g/a"].samples, vec![0.001, 0.002]);
    }
}
