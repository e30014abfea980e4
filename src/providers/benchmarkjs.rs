//! `benchmarkjs`: the lines benchmark.js prints for each cycle (`String(event.target)`).
//! Format: <https://benchmarkjs.com/docs#prototype_toString>
//! (`name x 1,234 ops/sec ±0.5% (90 runs sampled)`).
//!
//! Decisions: the value is ops/sec stored as `ops/s`, higher is better; the `±%` margin and
//! the run count are not samples and are not kept. The name is everything before the last
//! ` x <number> ops/sec`. A line such as `name: Error ...` that benchmark.js prints for a
//! failed benchmark is not a result and is reported as a warning.

use super::util::{num, put_new, Suffixes};
use super::{Input, Lines, Provider};
use crate::error::{Error, Result};
use crate::schema::{Direction, Snapshot};

/// benchmark.js console lines.
pub struct BenchmarkJs;

const NAME: &str = "benchmarkjs";

impl Provider for BenchmarkJs {
    fn name(&self) -> &'static str {
        NAME
    }

    fn detect(&self, input: &Input) -> bool {
        input
            .text
            .as_deref()
            .is_some_and(|t| t.lines().any(|l| parse_line(l).is_some()))
    }

    fn result_lines(&self, input: &Input) -> Option<usize> {
        let text = input.text.as_deref()?;
        Some(text.lines().filter(|l| parse_line(l).is_some()).count())
    }

    fn parse(&self, input: &Input) -> Result<Snapshot> {
        parse_lines(&mut Lines::of(input, NAME)?)
    }

    fn parse_streamed(&self, lines: &mut Lines<'_>) -> Option<Result<Snapshot>> {
        Some(parse_lines(lines))
    }
}

/// The results, line by line (streamed from the file when named with `--provider`, issue
/// 19 item 9).
fn parse_lines(lines: &mut Lines<'_>) -> Result<Snapshot> {
    let mut snap = Snapshot::new();
    let mut seen = Suffixes::default();
    super::util::reserve(&mut snap, lines.count_hint());
    while let Some(line) = lines.next_line()? {
        if let Some((name, ops)) = parse_line(line) {
            put_new(
                &mut snap,
                &mut seen,
                format!("custom.{name}"),
                ops,
                "ops/s",
                Direction::HigherIsBetter,
                vec![],
            );
        } else if let Some((name, _)) = line.split_once(": Error") {
            tracing::warn!("benchmarkjs: benchmark '{}' failed", name.trim());
        }
    }
    if snap.metrics.is_empty() {
        return Err(Error::parse(
            NAME,
            lines.path(),
            "expected '<name> x <number> ops/sec ±<n>% (<n> runs sampled)' lines",
        ));
    }
    Ok(snap)
}

/// `JSON.parse x 991,461 ops/sec ±4.17% (51 runs sampled)` → (`JSON.parse`, 991461).
fn parse_line(line: &str) -> Option<(&str, f64)> {
    let line = line.trim();
    let head = line.get(..line.find(" ops/sec")?)?;
    let (name, value) = head.rsplit_once(" x ")?;
    let name = name.trim();
    let value = num(value)?;
    (!name.is_empty()).then_some((name, value))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_name_and_ops() {
        assert_eq!(
            parse_line("a x b x 1,234.5 ops/sec ±0.5% (90 runs sampled)"),
            Some(("a x b", 1234.5))
        );
        assert_eq!(parse_line("x 1 ops/sec"), None);
    }
}
