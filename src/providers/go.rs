//! `go`: the text printed by `go test -bench . [-benchmem] [-count N] ./...`.
//! Format: <https://go.googlesource.com/proposal/+/master/design/14313-benchmark-format.md>
//! (the Go benchmark data format) and <https://pkg.go.dev/testing#hdr-Benchmarks>.
//!
//! A result line is `BenchmarkName-P <iterations> <value> <unit> [<value> <unit>]...`.
//! Decisions:
//! - The `-P` GOMAXPROCS suffix is stripped, so keys survive a runner with another core count.
//! - `ns/op` is the primary measure `custom.<name>` (in ms, lower is better); `B/op` →
//!   `.bytes_per_op` (B), `allocs/op` → `.allocs_per_op` (allocs), `MB/s` → `.mb_per_s`
//!   (higher is better); any other unit from `b.ReportMetric` becomes `.<unit>` with `/`
//!   replaced by `_per_`, higher is better only for rates (`.../s`).
//! - `-count N` repeats a line: the value is the median of the repeats and the repeats are
//!   the samples, per measure.
//! - When the output covers several packages (`pkg:` lines) and one benchmark name occurs
//!   in more than one of them, those benchmarks are keyed by Go's qualified name
//!   `custom.<import path>.<name>`; names unique across packages keep the plain key.
//! - `--- FAIL: BenchmarkX` is reported as a warning naming the benchmark; a result line
//!   for it, if any, is still read.
//! - A benchmark that logs prints its name on one line and its numbers on a later line; the
//!   numbers are attached to the last name seen.

use super::util::{num, put_measure, Suffixes};
use super::{Input, Provider};
use crate::error::{Error, Result};
use crate::quantile::median;
use crate::schema::{Direction, Snapshot};
use indexmap::IndexMap;

/// `go test -bench` output.
pub struct Go;

const NAME: &str = "go";

/// Each measure's unit and repeated values, in first-seen order. Units and names borrow
/// from the input: copying them per line made a Go log cost many times its size in memory
/// (issue 19 item 9).
type Measures<'a> = Vec<(&'a str, Vec<f64>)>;

impl Provider for Go {
    fn name(&self) -> &'static str {
        NAME
    }

    fn detect(&self, input: &Input) -> bool {
        input
            .text
            .as_deref()
            .is_some_and(|t| t.lines().any(is_result_line))
    }

    fn result_lines(&self, input: &Input) -> Option<usize> {
        let text = input.text.as_deref()?;
        Some(text.lines().filter(|l| is_result_line(l)).count())
    }

    fn parse(&self, input: &Input) -> Result<Snapshot> {
        let text = input.text(NAME)?;
        // (package, name) → measures, in first-seen order.
        let mut benches: IndexMap<(&str, &str), Measures, crate::schema::FastHash> =
            IndexMap::default();
        let mut pkg = "";
        // The first package named, and whether another one follows: with one package no
        // name can be ambiguous, and the per-name package lists below are not needed.
        let mut first_pkg: Option<&str> = None;
        let mut several_pkgs = false;
        let mut pending: Option<&str> = None;
        for line in text.lines() {
            let line = line.trim_end();
            if let Some(p) = line.strip_prefix("pkg:") {
                pkg = p.trim();
                several_pkgs |= *first_pkg.get_or_insert(pkg) != pkg;
                continue;
            }
            if let Some(rest) = line.trim_start().strip_prefix("--- FAIL:") {
                let name = rest.split_whitespace().next().unwrap_or("?");
                tracing::warn!("go: benchmark '{}' failed", strip_procs(name));
                continue;
            }
            let (name, rest) = if line.starts_with("Benchmark") {
                match line.split_once(char::is_whitespace) {
                    Some((n, r)) => (n, r),
                    None => {
                        // A benchmark that logs: its numbers come on a later line.
                        pending = Some(line);
                        continue;
                    }
                }
            } else if let Some(n) =
                pending.filter(|_| line.trim_start().starts_with(|c: char| c.is_ascii_digit()))
            {
                (n, line)
            } else {
                continue;
            };
            let Some(values) = parse_result(rest) else {
                if line.starts_with("Benchmark") {
                    pending = Some(name);
                }
                continue;
            };
            pending = None;
            let short = strip_procs(name);
            let entry = benches.entry((pkg, short)).or_default();
            for (v, unit) in values {
                match entry.iter_mut().find(|(u, _)| *u == unit) {
                    Some((_, vs)) => vs.push(v),
                    None => entry.push((unit, vec![v])),
                }
            }
        }
        if benches.is_empty() {
            return Err(Error::parse(
                NAME,
                &input.path,
                "expected 'BenchmarkName-N  <iterations>  <value> ns/op' lines (go test -bench output)",
            ));
        }
        // Which names occur in more than one package.
        let mut packages_of: IndexMap<&str, Vec<&str>, crate::schema::FastHash> =
            IndexMap::default();
        for &(p, n) in benches.keys().filter(|_| several_pkgs) {
            let v = packages_of.entry(n).or_default();
            if !v.contains(&p) {
                v.push(p);
            }
        }
        let mut snap = Snapshot::new();
        let mut seen = Suffixes::default();
        super::util::reserve(&mut snap, benches.values().map(Vec::len).sum::<usize>());
        for ((p, n), measures) in benches {
            let ambiguous = packages_of.get(n).is_some_and(|v| v.len() > 1);
            let base = if ambiguous && !p.is_empty() {
                format!("custom.{p}.{n}")
            } else {
                format!("custom.{n}")
            };
            for (unit, values) in measures {
                let Some(value) = median(&values) else {
                    continue;
                };
                // Moved, not copied: the repeats are this measure's samples.
                let samples = if values.len() > 1 { values } else { Vec::new() };
                let (key, unit, dir) = match unit {
                    "ns/op" => (base.clone(), "ns", None),
                    "B/op" => (format!("{base}.bytes_per_op"), "B", None),
                    "allocs/op" => (format!("{base}.allocs_per_op"), "allocs", None),
                    "MB/s" => (
                        format!("{base}.mb_per_s"),
                        "MB/s",
                        Some(Direction::HigherIsBetter),
                    ),
                    other => (
                        format!("{base}.{}", other.replace('/', "_per_")),
                        other,
                        None,
                    ),
                };
                put_measure(&mut snap, &mut seen, key, value, unit, dir, samples);
            }
        }
        Ok(snap)
    }
}

/// A complete `BenchmarkName-P <iterations> <value> <unit>...` line.
fn is_result_line(l: &str) -> bool {
    l.starts_with("Benchmark")
        && parse_result(l.split_once(char::is_whitespace).map_or("", |p| p.1)).is_some()
}

/// `Name-8` → `Name` (the GOMAXPROCS suffix); other names unchanged.
fn strip_procs(name: &str) -> &str {
    match name.rsplit_once('-') {
        Some((base, procs))
            if !base.is_empty()
                && !procs.is_empty()
                && procs.bytes().all(|b| b.is_ascii_digit()) =>
        {
            base
        }
        _ => name,
    }
}

/// `<iterations> <value> <unit> [<value> <unit>]...` → the (value, unit) pairs; `None` if
/// the text is not a result.
fn parse_result(rest: &str) -> Option<Vec<(f64, &str)>> {
    let mut it = rest.split_whitespace();
    let iterations = it.next()?;
    if !iterations.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let mut out = Vec::new();
    while let Some(v) = it.next() {
        let unit = it.next()?;
        out.push((num(v)?, unit));
    }
    (!out.is_empty()).then_some(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn strips_gomaxprocs_only() {
        assert_eq!(strip_procs("BenchmarkA-8"), "BenchmarkA");
        assert_eq!(strip_procs("BenchmarkA/size-x"), "BenchmarkA/size-x");
        assert_eq!(strip_procs("BenchmarkA"), "BenchmarkA");
        assert_eq!(strip_procs("-8"), "-8");
    }

    #[test]
    fn logged_benchmark_numbers_on_a_later_line() {
        let s = Go
            .parse(&Input::from_text(
                "go.txt",
                "BenchmarkLog-2\n    log line\n  100\t 2000 ns/op\n",
            ))
            .unwrap();
        assert_eq!(s.get("custom.BenchmarkLog"), Some(0.002));
    }
}
