//! `gungraun` (also `--provider iai-callgrind`, its name before 0.17): what the benchmark
//! runner prints for `cargo bench` (issue 16), and its JSON summary.
//! Format: the runner's terminal output (`gungraun-runner` / `iai-callgrind-runner`,
//! `src/runner/format.rs`):
//!
//! ```text
//! my_bench::my_group::bench_fib short:10
//!   ======= CALLGRIND ====================================
//!   Instructions:                1734|1650            (+5.09%) [+1.05x]
//!   L1 Hits:                     2359|N/A             (*********)
//! ```
//!
//! and the JSON summary (`--save-summary` writes `summary.json` beside each benchmark's
//! output; `--output-format=json`/`pretty-json` prints the same objects to the terminal):
//! `module_path`, `id`, `details`, `profiles[].summaries.total.summary.Callgrind.<event>
//! .metrics` as `{"Left": new}`, `{"Both": [new, old]}` or `{"Right": old}`, each value
//! `{"Int": n}` or `{"Float": x}` (the summary's schema `"version": "6"`; another version
//! is read as far as it has that layout, with a warning).
//!
//! Decisions:
//! - Key `custom.<benchmark>`: the terminal's header line, which is `<module_path> <id>`
//!   and `:<details>` when there are details; the JSON's fields give the same key, so the
//!   terminal and the summary files are interchangeable. A header printed on several lines
//!   (details with newlines) is joined, every run of whitespace one space.
//! - The new value (left of `|`, or `Left`/the first of `Both`) is read; the old one and
//!   the runner's own change (`(+5.09%)`, `[+1.05x]`, `*********`) are ignored: FlameIQ
//!   compares against its own baseline. `N/A` (no new value) is skipped.
//! - `Instructions` (`Ir`) is the value of `custom.<benchmark>`, unit `instructions`; every
//!   other metric is `custom.<benchmark>.<event>` by the runner's event name (`Dr`, `D1mr`,
//!   `L1hits`, `LLhits`, `RamHits`, `TotalRW`, `EstimatedCycles`, ...), the names the
//!   valgrind provider uses for Valgrind's own events. Counts are stored exactly (unit
//!   `events`, `cycles` for the estimate); rates (`... Miss Rate`, `... Hit Rate`) are `%`,
//!   hit rates higher is better, everything else lower is better.
//! - Only the callgrind and cachegrind sections are read (the instruction counts); the
//!   other tools a benchmark may run (DHAT, Memcheck, ...) are skipped. A metric printed
//!   twice for one benchmark (per-thread parts, then `## Total`) keeps the last value.
//! - A benchmark's block is its header and the indented lines up to a blank line; other
//!   lines (cargo's, libtest's, the runner's closing summary and `Regressions:` list) are
//!   ignored. ANSI colours (`--color always`) are stripped.

use super::util::{put, Suffixes};
use super::{Input, Provider};
use crate::error::{Error, Result};
use crate::schema::{Direction, Snapshot};
use serde_json::Value;
use std::path::Path;

/// gungraun / iai-callgrind benchmark runner output.
pub struct Gungraun;

const NAME: &str = "gungraun";

impl Provider for Gungraun {
    fn name(&self) -> &'static str {
        NAME
    }

    fn detect(&self, input: &Input) -> bool {
        input
            .text
            .as_deref()
            .is_some_and(|t| instruction_lines(t) > 0 || json_objects(t) > 0)
    }

    /// A line format: one `Instructions:` line (or one JSON summary) per benchmark.
    fn result_lines(&self, input: &Input) -> Option<usize> {
        let t = input.text.as_deref()?;
        Some(instruction_lines(t) + json_objects(t))
    }

    fn parse(&self, input: &Input) -> Result<Snapshot> {
        let text = input.text(NAME)?;
        let mut snap = Snapshot::new();
        let mut seen = Suffixes::default();
        parse_terminal(text, &mut snap, &mut seen);
        parse_json(text, &input.path, &mut snap, &mut seen)?;
        if snap.metrics.is_empty() {
            return Err(Error::parse(
                NAME,
                &input.path,
                "expected the gungraun/iai-callgrind runner's output ('  Instructions:  \
                 <new>|<old>' lines under each benchmark) or its JSON summary",
            ));
        }
        Ok(snap)
    }
}

/// A metric line `  <Name>:  <new>|<old> ...` → (name, new value as printed).
fn metric_line(line: &str) -> Option<(&str, &str)> {
    if !line.starts_with(' ') {
        return None;
    }
    let (name, rest) = line.trim_start().split_once(':')?;
    let new = rest.trim_start().split('|').next()?.trim();
    (!name.is_empty() && rest.contains('|') && !new.is_empty() && !new.contains(' '))
        .then_some((name, new))
}

fn instruction_lines(text: &str) -> usize {
    text.lines()
        .filter(|l| l.contains("Instructions:"))
        .filter(|l| {
            metric_line(&super::criterion::clean(l))
                .is_some_and(|(n, v)| n == "Instructions" && value(v).is_some())
        })
        .count()
}

/// The line offsets where a JSON summary object starts (a `{` in column 0 followed by the
/// summary's fields), counted cheaply for detection.
fn json_objects(text: &str) -> usize {
    if !(text.contains("\"module_path\"") && text.contains("\"profiles\"")) {
        return 0;
    }
    json_values(text).len()
}

/// Every JSON summary object in the text (compact lines or pretty-printed blocks).
fn json_values(text: &str) -> Vec<Value> {
    let mut out = Vec::new();
    let mut at = 0;
    while at < text.len() {
        let rest = &text[at..];
        let line_len = rest.find('\n').map_or(rest.len(), |i| i + 1);
        if rest.starts_with('{') {
            let mut stream = serde_json::Deserializer::from_str(rest).into_iter::<Value>();
            if let Some(Ok(v)) = stream.next() {
                let used = stream.byte_offset();
                if v.get("module_path").is_some() && v.get("profiles").is_some() {
                    out.push(v);
                }
                at += used.max(1);
                continue;
            }
        }
        at += line_len;
    }
    out
}

/// A printed value: an integer (exact) or a decimal; `None` for `N/A` and the like.
fn value(s: &str) -> Option<f64> {
    if let Ok(n) = s.parse::<u64>() {
        return Some(n as f64);
    }
    let v: f64 = s.trim_end_matches('%').parse().ok()?;
    v.is_finite().then_some(v)
}

/// The runner's display name of a metric → its event name (`EventKind`'s variant), as
/// `Display for EventKind` in the runner's `api.rs` prints them; other names are already
/// the event name (`Dr`, `Bc`, `SysCount`, ...).
fn event_name(display: &str) -> String {
    match display {
        "Instructions" => "Ir",
        "L1 Hits" => "L1hits",
        "L2 Hits" => "L2hits",
        "LL Hits" => "LLhits",
        "RAM Hits" => "RamHits",
        "Total read+write" => "TotalRW",
        "Estimated Cycles" => "EstimatedCycles",
        "I1 Miss Rate" => "I1MissRate",
        "D1 Miss Rate" => "D1MissRate",
        "LLi Miss Rate" => "LLiMissRate",
        "LLd Miss Rate" => "LLdMissRate",
        "LL Miss Rate" => "LLMissRate",
        "L1 Hit Rate" => "L1HitRate",
        "LL Hit Rate" => "LLHitRate",
        "RAM Hit Rate" => "RamHitRate",
        other => return other.split_whitespace().collect(),
    }
    .to_string()
}

/// Stores one metric of `bench` under the key and unit its event name gives.
fn store(snap: &mut Snapshot, bench: &str, event: &str, v: f64) {
    let (key, unit, direction) = if event == "Ir" {
        (bench.to_string(), "instructions", Direction::LowerIsBetter)
    } else if event.ends_with("HitRate") {
        (format!("{bench}.{event}"), "%", Direction::HigherIsBetter)
    } else if event.ends_with("MissRate") {
        (format!("{bench}.{event}"), "%", Direction::LowerIsBetter)
    } else if event == "EstimatedCycles" {
        (
            format!("{bench}.{event}"),
            "cycles",
            Direction::LowerIsBetter,
        )
    } else {
        (
            format!("{bench}.{event}"),
            "events",
            Direction::LowerIsBetter,
        )
    };
    put(snap, key, v, unit, direction, vec![]);
}

/// One benchmark's name as a key: whitespace runs (the newlines of a name printed on
/// several lines, too) collapsed to one space.
fn bench_key(snap: &Snapshot, seen: &mut Suffixes, name: &str) -> String {
    let name = name.split_whitespace().collect::<Vec<_>>().join(" ");
    super::util::unique_key(snap, seen, format!("custom.{name}"))
}

fn parse_terminal(text: &str, snap: &mut Snapshot, seen: &mut Suffixes) {
    // Header lines seen since the last blank or indented line.
    let mut pending: Vec<String> = Vec::new();
    // The benchmark being read, and whether its current tool section counts.
    let mut current: Option<String> = None;
    let mut counted_tool = true;
    for raw in text.lines() {
        let cleaned = super::criterion::clean(raw);
        let line = cleaned.trim_end();
        if line.is_empty() {
            // A blank line ends a benchmark's block (the runner's closing `Regressions:`
            // list, indented too, comes after one).
            pending.clear();
            current = None;
            continue;
        }
        if !line.starts_with(' ') {
            pending.push(line.to_string());
            continue;
        }
        if !pending.is_empty() {
            // The first indented line after a header starts that benchmark.
            current = Some(bench_key(snap, seen, &pending.join(" ")));
            counted_tool = true;
            pending.clear();
        }
        let Some(bench) = current.as_deref() else {
            continue;
        };
        let t = line.trim_start();
        if let Some(tool) = t.strip_prefix("=======") {
            let tool = tool.trim_matches(|c: char| c == '=' || c.is_whitespace());
            counted_tool = matches!(tool, "CALLGRIND" | "CACHEGRIND");
            continue;
        }
        if !counted_tool {
            continue;
        }
        if let Some((name, new)) = metric_line(line) {
            if let Some(v) = value(new) {
                let bench = bench.to_string();
                store(snap, &bench, &event_name(name), v);
            }
        }
    }
}

fn parse_json(text: &str, path: &Path, snap: &mut Snapshot, seen: &mut Suffixes) -> Result<()> {
    if !(text.contains("\"module_path\"") && text.contains("\"profiles\"")) {
        return Ok(());
    }
    for v in json_values(text) {
        let module = v.get("module_path").and_then(Value::as_str).unwrap_or("");
        if module.is_empty() {
            return Err(Error::parse(
                NAME,
                path,
                "a JSON summary without 'module_path'",
            ));
        }
        let mut name = module.to_string();
        if let Some(id) = v.get("id").and_then(Value::as_str) {
            name.push(' ');
            name.push_str(id);
            if let Some(d) = v.get("details").and_then(Value::as_str) {
                name.push(':');
                name.push_str(d);
            }
        }
        // Schema 6 is the one read here; an older runner's summary is laid out otherwise.
        if let Some(version) = v.get("version").and_then(Value::as_str) {
            if version != "6" {
                tracing::warn!(
                    "gungraun: '{name}' is a summary of schema version {version}; only version 6 \
                     is read (its metrics may be missing)"
                );
            }
        }
        let key = bench_key(snap, seen, &name);
        let profiles = v.get("profiles").and_then(Value::as_array);
        for p in profiles.into_iter().flatten() {
            let tool = p.get("tool").and_then(Value::as_str).unwrap_or("");
            if !matches!(tool, "Callgrind" | "Cachegrind") {
                continue;
            }
            let total = p
                .get("summaries")
                .and_then(|s| s.get("total"))
                .and_then(|t| t.get("summary"))
                .and_then(|s| s.get(tool))
                .and_then(Value::as_object);
            for (event, m) in total.into_iter().flatten() {
                let metrics = m.get("metrics");
                let new = metrics
                    .and_then(|m| m.get("Left"))
                    .or_else(|| metrics.and_then(|m| m.get("Both")).and_then(|b| b.get(0)));
                let Some(new) = new else { continue };
                let n = new
                    .get("Int")
                    .and_then(Value::as_u64)
                    .map(|n| n as f64)
                    .or_else(|| new.get("Float").and_then(Value::as_f64))
                    .or_else(|| new.get("Int").and_then(Value::as_f64));
                if let Some(n) = n {
                    store(snap, &key, event, n);
                }
            }
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(text: &str) -> Result<Snapshot> {
        Gungraun.parse(&Input::from_text("out.txt", text))
    }

    #[test]
    fn terminal_blocks_new_values_exact() {
        let s = parse(
            "\nrunning 0 tests\n\nb::g::fib short:10\n  ======= CALLGRIND ====\n  \
             Instructions:     9007199254740991|1650   (+5.09%) [+1.05x]\n  \
             L1 Hit Rate:         99.5000|N/A   (*********)\n  \
             Dr:                   N/A|12   (*********)\n  ======= DHAT ====\n  \
             Total bytes:      29499|N/A   (*********)\n\nGungraun result: Ok. 1 benchmark\n",
        )
        .unwrap();
        assert_eq!(
            s.metrics["custom.b::g::fib short:10"].to_string(),
            "9007199254740991.0"
        );
        assert_eq!(s.get("custom.b::g::fib short:10.L1HitRate"), Some(99.5));
        assert_eq!(
            s.metrics
                .info("custom.b::g::fib short:10.L1HitRate")
                .unwrap()
                .direction,
            Some(Direction::HigherIsBetter)
        );
        // N/A and other tools' metrics are not read.
        assert_eq!(s.metrics.len(), 2, "{:?}", s.metrics);
    }

    #[test]
    fn json_summary_gives_the_terminal_key() {
        let s = parse(
            r#"{"module_path": "b::g::fib", "id": "short", "details": "10", "profiles": [
              {"tool": "Callgrind", "summaries": {"total": {"summary": {"Callgrind": {
                "Ir": {"metrics": {"Both": [{"Int": 1734}, {"Int": 1650}]}},
                "Dr": {"metrics": {"Right": {"Int": 3}}},
                "D1MissRate": {"metrics": {"Left": {"Float": 0.25}}}}}}}},
              {"tool": "DHAT", "summaries": {"total": {"summary": {"DHAT": {
                "TotalBytes": {"metrics": {"Left": {"Int": 9}}}}}}}}]}"#,
        )
        .unwrap();
        assert_eq!(s.get("custom.b::g::fib short:10"), Some(1734.0));
        assert_eq!(s.get("custom.b::g::fib short:10.D1MissRate"), Some(0.25));
        assert_eq!(s.metrics.len(), 2, "{:?}", s.metrics);
    }
}
