//! `benchmarkjs`: the lines benchmark.js prints for each cycle (`String(event.target)`).
//! Format: <https://benchmarkjs.com/docs#prototype_toString>
//! (`name x 1,234 ops/sec ±0.5% (90 runs sampled)`).
//!
//! Decisions: the value is ops/sec stored as `ops/s`, higher is better; the `±%` margin and
//! the run count are not samples and are not kept. The name is everything before the last
//! ` x <number> ops/sec`. A line such as `name: Error ...` that benchmark.js prints for a
//! failed benchmark is not a result and is reported as a warning.

use super::util::{custom_key, num, put_new, Suffixes};
use super::{Input, Provider};
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
        let text = input.text(NAME)?;
        let mut snap = Snapshot::new();
        let mut seen = Suffixes::default();
        super::util::reserve(&mut snap, text.bytes().filter(|b| *b == b'\n').count());
        for line in text.lines() {
            if let Some((name, ops)) = parse_line(line) {
                put_new(
                    &mut snap,
                    &mut seen,
                    custom_key(name),
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
                &input.path,
                "expected '<name> x <number> ops/sec ±<n>% (<n> runs sampled)' lines",
            ));
        }
        Ok(snap)
    }
}

/// `JSON.parse x 991,461 ops/sec ±4.17% (51 runs sampled)` → (`JSON.parse`, 991461).
///
/// Byte-level (issue 16: 89 MiB/s against a 100 MB/s goal): ` ops/sec` is found from its
/// `/` (rare in a line) and ` x ` from its `x` backwards, with the results of `find` and
/// `rsplit_once`, without a substring searcher set up per line.
fn parse_line(line: &str) -> Option<(&str, f64)> {
    let line = line.trim();
    let head = line.get(..find_ops(line)?)?;
    let (name, value) = rsplit_x(head)?;
    let name = name.trim();
    let value = num(value)?;
    (!name.is_empty()).then_some((name, value))
}

const OPS: &[u8] = b" ops/sec";
/// Where the `/` is in [`OPS`].
const SLASH: usize = 4;

/// `line.find(" ops/sec")`: each match holds one `/` at [`SLASH`], so trying the `/`s
/// from the left finds the first match.
fn find_ops(line: &str) -> Option<usize> {
    let b = line.as_bytes();
    let mut from = SLASH;
    while from < b.len() {
        let slash = from + b.get(from..)?.iter().position(|&c| c == b'/')?;
        let start = slash - SLASH;
        if b.get(start..start + OPS.len()) == Some(OPS) {
            return Some(start);
        }
        from = slash + 1;
    }
    None
}

/// `head.rsplit_once(" x ")`: the rightmost `x` with a space on both sides.
fn rsplit_x(head: &str) -> Option<(&str, &str)> {
    let b = head.as_bytes();
    let mut end = b.len().checked_sub(1)?;
    while let Some(x) = b
        .get(1..end)?
        .iter()
        .rposition(|&c| c == b'x')
        .map(|i| i + 1)
    {
        if b[x - 1] == b' ' && b[x + 1] == b' ' {
            return Some((head.get(..x - 1)?, head.get(x + 2..)?));
        }
        end = x;
    }
    None
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

    /// The byte-level searches give what `find` and `rsplit_once` give, on the edges:
    /// several marks, overlapping ` x x `, marks at either end, non-ASCII text.
    #[test]
    fn issue16_byte_level_searches_equal_the_str_methods() {
        for line in [
            "a x 1 ops/sec",
            " ops/sec",
            "ops/sec",
            "/ ops/sec ops/sec",
            "a/b x 1 ops/sec ±1%",
            "é/ x 2 ops/secé",
            "a x 1 ops/se",
            "",
            "/",
            "////",
        ] {
            assert_eq!(find_ops(line), line.find(" ops/sec"), "{line:?}");
        }
        for head in [
            "a x 1",
            "a x b x 1",
            " x x ",
            " x ",
            "x 1",
            "a x",
            "ax 1",
            "",
            "x",
            "  x  ",
            "é x é",
            "a xx 1",
            "x x x",
        ] {
            assert_eq!(rsplit_x(head), head.rsplit_once(" x "), "{head:?}");
        }
    }
}
