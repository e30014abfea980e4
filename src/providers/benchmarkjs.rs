//! `benchmarkjs`: the lines benchmark.js prints for each cycle (`String(event.target)`).
//! Format: <https://benchmarkjs.com/docs#prototype_toString>
//! (`name x 1,234 ops/sec ±0.5% (90 runs sampled)`).
//!
//! Decisions: the value is ops/sec stored as `ops/s`, higher is better; the `±%` margin and
//! the run count are not samples and are not kept. The name is everything before the last
//! ` x <number> ops/sec`. A line such as `name: Error ...` that benchmark.js prints for a
//! failed benchmark is not a result and is reported as a warning.

use super::lines::{custom_key, find_by, rfind_by, trim, LineFormat};
use super::util::{num, put_new, Suffixes};
use crate::schema::{Direction, Snapshot};
use crate::units::Unit;

/// benchmark.js console lines.
pub struct BenchmarkJs;

impl LineFormat for BenchmarkJs {
    const NAME: &'static str = "benchmarkjs";
    const EXPECTED: &'static str =
        "expected '<name> x <number> ops/sec ±<n>% (<n> runs sampled)' lines";

    fn is_result(line: &str) -> bool {
        parse_line(line).is_some()
    }

    fn read(line: &str, snap: &mut Snapshot, seen: &mut Suffixes) {
        if let Some((name, ops)) = parse_line(line) {
            put_new(
                snap,
                seen,
                custom_key(name),
                ops,
                // Not looked up among the interned units for every line (issue 16).
                Unit::from_static("ops/s"),
                Direction::HigherIsBetter,
                vec![],
            );
        } else if let Some((name, _)) = line.split_once(": Error") {
            tracing::warn!("benchmarkjs: benchmark '{}' failed", name.trim());
        }
    }
}

/// `JSON.parse x 991,461 ops/sec ±4.17% (51 runs sampled)` → (`JSON.parse`, 991461).
fn parse_line(line: &str) -> Option<(&str, f64)> {
    let line = trim(line);
    // Anchored at the `/` of ` ops/sec` and the `x` of ` x `.
    let head = line.get(..find_by(line, " ops/sec", 4)?)?;
    let at = rfind_by(head, " x ", 1)?;
    let (name, value) = (&head[..at], &head[at + " x ".len()..]);
    let name = trim(name);
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

    /// The line as the `str` methods read it (the code before issue 16's byte-level pass).
    fn parse_line_str(line: &str) -> Option<(&str, f64)> {
        let line = line.trim();
        let head = line.get(..line.find(" ops/sec")?)?;
        let (name, value) = head.rsplit_once(" x ")?;
        let name = name.trim();
        let value = num(value)?;
        (!name.is_empty()).then_some((name, value))
    }

    proptest::proptest! {
        /// Lines in the format's shape, each part picked among variants (Unicode whitespace
        /// and other non-ASCII text among them, or the part missing), read the same by the
        /// byte-level pass and by the `str` methods.
        #[test]
        fn issue16_byte_level_line_is_the_str_methods_line(
            parts in (
                proptest::sample::select(vec!["", " ", "\t", "\u{a0}", "\u{3000}", "é"]),
                proptest::collection::vec(
                    proptest::sample::select(vec!["JSON.parse", " ", " x ", "x", "é", "\u{a0}", "/", " ops/sec"]),
                    0..4,
                ),
                proptest::sample::select(vec![" x ", " x", "x ", " x  ", " x\u{a0}"]),
                proptest::sample::select(vec!["991,461", "1,234.5", "7", "", "x", "1é", "1 "]),
                proptest::sample::select(vec![" ops/sec", "ops/sec", " ops/se", " ops/sec/"]),
                proptest::sample::select(vec!["", " ±4.17% (51 runs sampled)", " ", "\r", "\u{3000}"]),
            )
        ) {
            let (lead, name, x, value, ops, tail) = parts;
            let line = format!("{lead}{}{x}{value}{ops}{tail}", name.concat());
            let got = parse_line(&line).map(|(n, v)| (n, v.to_bits()));
            let want = parse_line_str(&line).map(|(n, v)| (n, v.to_bits()));
            proptest::prop_assert_eq!(got, want, "{:?}", line);
        }
    }
}
