//! `criterion`: Criterion.rs results: the `target/criterion` folder that `cargo bench`
//! leaves behind, the JSON lines of `cargo criterion --message-format=json`, or the
//! console output of `cargo bench` (below).
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
//!
//! Console output (issue 16): what `cargo bench` prints with criterion, saved with
//! `cargo bench | tee bench.txt`. Read when the text has no cargo-criterion JSON line.
//! Code: `report.rs`'s `measurement_complete` in criterion 0.5-0.8.
//! - `<id>  time:   [<low> <estimate> <high>]`, the id on its own line just before when it
//!   is longer than 23 characters. Key `custom.<id>` (the same id the folder's
//!   `benchmark.json` holds, so switching between the folder and the console keeps the
//!   keys); value the middle number, criterion's point estimate (of the slope, else the
//!   mean), in ms; `ps` is read too. The bounds are a confidence interval, not samples:
//!   console keys have none. Numbers are as printed (4-5 significant digits).
//! - `thrpt:  [...]` after it: bytes (`B/s`, `KiB/s`, ..., `KB/s`, `MB/s`, ...) become
//!   `custom.<id>.mb_per_s` in MB/s (10^6 bytes), elements (`elem/s`, `Kelem/s`, ...)
//!   `custom.<id>.elements_per_s`, bits (`b/s`, `Kb/s`, ...) `custom.<id>.mbit_per_s`; higher
//!   is better, as the folder's.
//! - `change:` lines and the `time:`/`thrpt:` lines of a change block (percentages) are
//!   criterion's own comparison with its last run and are ignored, as are outlier notes
//!   and `Benchmarking ...` progress lines. ANSI colours and the carriage returns of a
//!   terminal capture are stripped. A value in a unit criterion does not print for time
//!   (a custom measurement) is kept in that unit, lower is better.
//! - `auto` tells it from `--output-format bencher` (`test <id> ... bench:` lines, the
//!   `cargo-bench` provider): each counts only its own result lines.

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
            Some(t) => t.lines().any(is_complete_line) || console_results(t) > 0,
        }
    }

    /// A folder is structural; cargo-criterion's JSON output is one message per line, and
    /// the console prints one `time:` line per benchmark.
    fn result_lines(&self, input: &Input) -> Option<usize> {
        let text = input.text.as_deref()?;
        Some(text.lines().filter(|l| is_complete_line(l)).count() + console_results(text))
    }

    fn parse(&self, input: &Input) -> Result<Snapshot> {
        match input.text.as_deref() {
            None => parse_folder(&input.path),
            Some(t) if t.lines().any(is_complete_line) => parse_lines(t, &input.path),
            Some(t) => parse_console(t, &input.path),
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

/// One console line with ANSI colour codes removed and only what follows the last
/// carriage return (a terminal capture overwrites progress lines that way). Also used by
/// the gungraun provider, whose runner colours its output the same way.
pub(super) fn clean(line: &str) -> std::borrow::Cow<'_, str> {
    let line = line
        .rsplit('\r')
        .find(|s| !s.trim().is_empty())
        .unwrap_or("");
    if !line.contains('\x1b') {
        return line.into();
    }
    let mut out = String::with_capacity(line.len());
    let mut chars = line.chars();
    while let Some(c) = chars.next() {
        if c == '\x1b' {
            // CSI: ESC [ parameters... final byte in @..~
            if chars.next() == Some('[') {
                for c in chars.by_ref() {
                    if ('@'..='~').contains(&c) {
                        break;
                    }
                }
            }
        } else {
            out.push(c);
        }
    }
    out.into()
}

/// `label:   [a ua b ub c uc]` → (text before the label, [(a, ua), (b, ub), (c, uc)]).
/// `None` when the label is absent or the bracket is a change block's percentages.
fn bracket<'a>(line: &'a str, label: &str) -> Option<(&'a str, [(f64, &'a str); 3])> {
    let at = line.rfind(label)?;
    let rest = line.get(at + label.len()..)?.trim_start();
    let inner = rest.strip_prefix('[')?;
    let inner = inner.get(..inner.find(']')?)?;
    if inner.contains('%') {
        return None;
    }
    let mut it = inner.split_whitespace();
    let mut pair =
        || -> Option<(f64, &'a str)> { Some((super::util::num(it.next()?)?, it.next()?)) };
    let three = [pair()?, pair()?, pair()?];
    if it.next().is_some() {
        return None;
    }
    Some((line.get(..at)?, three))
}

/// How many benchmark results (`time:` lines) criterion's console output holds.
fn console_results(text: &str) -> usize {
    text.lines()
        .filter(|l| l.contains("time:") && bracket(&clean(l), "time:").is_some())
        .count()
}

/// A throughput as printed: (key suffix, unit, value in that unit).
fn console_throughput(value: f64, unit: &str) -> Option<(&'static str, &'static str, f64)> {
    const KI: f64 = 1024.0;
    let (suffix, unit_out, factor) = match unit {
        "B/s" => ("mb_per_s", "MB/s", 1e-6),
        "KiB/s" => ("mb_per_s", "MB/s", KI / 1e6),
        "MiB/s" => ("mb_per_s", "MB/s", KI * KI / 1e6),
        "GiB/s" => ("mb_per_s", "MB/s", KI * KI * KI / 1e6),
        "KB/s" => ("mb_per_s", "MB/s", 1e-3),
        "MB/s" => ("mb_per_s", "MB/s", 1.0),
        "GB/s" => ("mb_per_s", "MB/s", 1e3),
        "elem/s" => ("elements_per_s", "elements/s", 1.0),
        "Kelem/s" => ("elements_per_s", "elements/s", 1e3),
        "Melem/s" => ("elements_per_s", "elements/s", 1e6),
        "Gelem/s" => ("elements_per_s", "elements/s", 1e9),
        "b/s" => ("mbit_per_s", "Mbit/s", 1e-6),
        "Kb/s" => ("mbit_per_s", "Mbit/s", 1e-3),
        "Mb/s" => ("mbit_per_s", "Mbit/s", 1.0),
        "Gb/s" => ("mbit_per_s", "Mbit/s", 1e3),
        _ => return None,
    };
    Some((suffix, unit_out, value * factor))
}

fn parse_console(text: &str, path: &Path) -> Result<Snapshot> {
    let mut snap = Snapshot::new();
    let mut seen = Suffixes::default();
    // The last line that was not a result: the id of a long name printed on its own.
    let mut previous = String::new();
    // The key of the result just read, for the `thrpt:` lines that follow it.
    let mut current: Option<String> = None;
    for raw in text.lines() {
        let line = clean(raw);
        let trimmed = line.trim();
        if trimmed.is_empty() {
            continue;
        }
        if let Some((before, [_, (est, unit), _])) = bracket(&line, "time:") {
            let id = match before.trim() {
                "" => previous.as_str(),
                id => id,
            };
            if id.is_empty() {
                current = None;
                continue;
            }
            let key = unique_key(&snap, &mut seen, format!("custom.{id}"));
            // put_measure converts the printed unit (ns, µs, ms, s) in one division; only
            // picoseconds, which it does not know, are brought to ns first.
            let (value, unit) = match unit {
                "ps" => (est / 1e3, "ns"),
                u => (est, u),
            };
            put_measure(&mut snap, &mut seen, key.clone(), value, unit, None, vec![]);
            current = Some(key);
            previous.clear();
            continue;
        }
        if let (Some(key), Some((_, [_, (est, unit), _]))) =
            (current.as_ref(), bracket(&line, "thrpt:"))
        {
            if let Some((suffix, unit, value)) = console_throughput(est, unit) {
                let k = unique_key(&snap, &mut seen, format!("{key}.{suffix}"));
                put(&mut snap, k, value, unit, Direction::HigherIsBetter, vec![]);
            }
            continue;
        }
        // A change block's `time:`/`thrpt:` percentages keep the result's context; any
        // other line ends it.
        if !(trimmed.starts_with("change:")
            || trimmed.starts_with("time:")
            || trimmed.starts_with("thrpt:"))
        {
            current = None;
            previous.clear();
            previous.push_str(trimmed);
        }
    }
    if snap.metrics.is_empty() {
        return Err(Error::parse(
            NAME,
            path,
            "expected criterion's console output ('<id>  time:   [<low> <estimate> <high>]' \
             lines), cargo-criterion '{\"reason\":\"benchmark-complete\",...}' JSON lines, \
             or a target/criterion folder",
        ));
    }
    Ok(snap)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn console_units_colours_and_carriage_returns() {
        let text = "Benchmarking tiny: Analyzing\r\x1b[2K\x1b[32mtiny\x1b[0m                    \
                    time:   [\x1b[2m512.30 ps\x1b[0m \x1b[1m523.45 ps\x1b[0m 530.00 ps]\n\
                    cycles                  time:   [10.5 cycles 11.25 cycles 12.0 cycles]\n\
                    \x20                       thrpt:  [1.0 Kb/s 2.5 Kb/s 3.0 Kb/s]\n\
                    slow                    time:   [1.0000 s 1.2500 s 1.5000 s]\n\
                    \x20                       change: [+1.0% +2.0% +3.0%] (p = 0.01 < 0.05)\n";
        let s = parse_console(text, Path::new("c.txt")).unwrap();
        assert_eq!(s.get("custom.tiny"), Some(523.45 / 1e3 / 1e6));
        // A custom measurement's unit is kept, lower is better.
        assert_eq!(s.get("custom.cycles"), Some(11.25));
        assert_eq!(
            s.metrics.info("custom.cycles").unwrap().unit.as_deref(),
            Some("cycles")
        );
        assert_eq!(s.get("custom.cycles.mbit_per_s"), Some(2.5 * 1e-3));
        assert_eq!(s.get("custom.slow"), Some(1250.0));
        assert_eq!(s.metrics.len(), 4, "{:?}", s.metrics);
        assert_eq!(console_results(text), 3);
    }

    #[test]
    fn cargo_criterion_lines() {
        let text = r#"{"reason":"group-complete","group_name":"g","benchmarks":["g/a"]}
{"reason":"benchmark-complete","id":"g/a","unit":"ns","iteration_count":[1,2],"measured_values":[1000.0,4000.0],"mean":{"estimate":1500.0,"lower_bound":1.0,"upper_bound":2.0,"unit":"ns"}}"#;
        let s = parse_lines(text, Path::new("c.json")).unwrap();
        assert_eq!(s.get("custom.g/a"), Some(0.0015));
        assert_eq!(
            s.metrics.info("custom.g/a").unwrap().samples,
            vec![0.001, 0.002]
        );
    }
}
