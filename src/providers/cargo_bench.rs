//! `cargo-bench`: libtest's `cargo bench` lines and criterion's `--output-format bencher`.
//! Format: <https://doc.rust-lang.org/cargo/commands/cargo-bench.html> (libtest's
//! `test name ... bench: 1,234 ns/iter (+/- 56)`) and
//! <https://bheisler.github.io/criterion.rs/book/user_guide/command_line_options.html>
//! (`--output-format bencher` prints the same line).
//!
//! Decisions: the name is everything between `test ` and ` ... bench:` (criterion ids keep
//! their `/` and spaces); `ns/iter` is converted to ms (lower is better); another unit
//! (`cycles/iter`, `MS/s`, ...) is kept as printed, higher is better only for rates
//! (`.../s`). The `(+/- dev)` is not a sample and is not kept. `test name ... FAILED` is
//! reported as a warning naming the benchmark.

use super::lines::{custom_key, next_word, rfind_by, trim, word_ends, LineFormat};
use super::util::{num, put_measure, put_new, Suffixes};
use crate::schema::{Direction, Snapshot};
use crate::units::{TimeUnit, Unit};

/// libtest / bencher lines.
pub struct CargoBench;

const MARK: &str = " ... bench:";

impl LineFormat for CargoBench {
    const NAME: &'static str = "cargo-bench";
    const EXPECTED: &'static str =
        "expected 'test <name> ... bench: <value> ns/iter (+/- <dev>)' lines";

    fn is_result(line: &str) -> bool {
        parse_line(line).is_some()
    }

    fn read(line: &str, snap: &mut Snapshot, seen: &mut Suffixes) {
        if let Some((name, value, unit)) = parse_line(line) {
            let key = custom_key(name);
            match unit {
                // Nearly every line's unit: stored as `put_measure` stores `ns`, without
                // reading the unit again (issue 16).
                "ns/iter" => put_new(
                    snap,
                    seen,
                    key,
                    TimeUnit::Ns.to_ms(value),
                    Unit::MS,
                    Direction::LowerIsBetter,
                    Vec::new(),
                ),
                u => put_measure(snap, seen, key, value, u, None, Vec::new()),
            }
        } else if let Some(rest) = line.trim().strip_prefix("test ") {
            if let Some(name) = rest.strip_suffix(" ... FAILED") {
                tracing::warn!("cargo-bench: benchmark '{name}' failed");
            }
        }
    }
}

/// `test a b ... bench:   1,234 ns/iter (+/- 5)` → (`a b`, 1234, `ns/iter`).
/// (`trim`, `next_word` and `rfind_by` are `str::trim`, `split_whitespace` and `rfind` at
/// the byte level: see the test `issue16_byte_level_line_is_the_str_methods_line`.)
fn parse_line(line: &str) -> Option<(&str, f64, &str)> {
    let rest = trim(line).strip_prefix("test ")?;
    // Anchored at the mark's `:`.
    let at = rfind_by(rest, MARK, MARK.len() - 1)?;
    let name = trim(rest.get(..at)?);
    let (value, after) = next_word(rest.get(at + MARK.len()..)?)?;
    let value = num(value)?;
    // Nearly every line's unit, checked without cutting the word (issue 16).
    let unit = match after.strip_prefix(" ns/iter") {
        Some(rest) if word_ends(rest) => "ns/iter",
        _ => next_word(after)?.0,
    };
    (!name.is_empty()).then_some((name, value, unit))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn commas_and_units() {
        assert_eq!(
            parse_line("test fib ... bench:      18,149 ns/iter (+/- 755)"),
            Some(("fib", 18149.0, "ns/iter"))
        );
        assert_eq!(parse_line("test x ... bench: ns/iter"), None);
        assert_eq!(parse_line("test  ... bench: 1 ns/iter"), None);
    }

    #[test]
    fn issue16_ns_iter_is_stored_as_put_measure_stores_ns() {
        let text: String = [
            "0",
            "1",
            "460",
            "18,149",
            "1.5",
            "3e-7",
            "123456789012345678901",
        ]
        .iter()
        .map(|v| format!("test a ... bench: {v} ns/iter (+/- 1)\ntest a ... bench: {v} ns/iter\n"))
        .collect();
        let (mut got, mut seen) = (Snapshot::new(), Suffixes::default());
        let (mut want, mut seen2) = (Snapshot::new(), Suffixes::default());
        for line in text.lines() {
            CargoBench::read(line, &mut got, &mut seen);
            let (name, value, _) = parse_line(line).unwrap();
            put_measure(
                &mut want,
                &mut seen2,
                custom_key(name),
                value,
                "ns",
                None,
                Vec::new(),
            );
        }
        assert_eq!(got.metrics.len(), 14);
        assert_eq!(format!("{:?}", got.metrics), format!("{:?}", want.metrics));
        let doc = |s: &Snapshot| {
            let mut v = s.to_value();
            v["metadata"] = serde_json::Value::Null;
            crate::pyjson::to_pretty(&v)
        };
        assert_eq!(doc(&got), doc(&want));
    }

    /// The line as the `str` methods read it (the code before issue 16's byte-level pass).
    fn parse_line_str(line: &str) -> Option<(&str, f64, &str)> {
        let rest = line.trim().strip_prefix("test ")?;
        let at = rest.rfind(MARK)?;
        let name = rest.get(..at)?.trim();
        let mut it = rest.get(at + MARK.len()..)?.split_whitespace();
        let value = num(it.next()?)?;
        let unit = it.next()?;
        (!name.is_empty()).then_some((name, value, unit))
    }

    proptest::proptest! {
        /// Lines in the format's shape, each part picked among variants (Unicode whitespace
        /// and other non-ASCII text among them, or the part missing), read the same by the
        /// byte-level pass and by the `str` methods.
        #[test]
        fn issue16_byte_level_line_is_the_str_methods_line(
            parts in (
                proptest::sample::select(vec!["", " ", "\t", "\u{a0}", "\u{3000}", "é"]),
                proptest::sample::select(vec!["test ", "test", "tést ", ""]),
                proptest::collection::vec(
                    proptest::sample::select(vec!["a::b", " ", "é", "\u{a0}", "\u{85}", ":", " ... bench:", "x"]),
                    0..4,
                ),
                proptest::sample::select(vec![" ... bench:", " ... bench", "... bench:", ""]),
                proptest::sample::select(vec!["", " ", "      ", "\t", "\u{a0}", "\u{3000} "]),
                proptest::sample::select(vec!["1,234", "18149", "1.5e3", "-2", "x", "", "1é"]),
                proptest::sample::select(vec!["", " ", "  ", "\u{b}", "\u{a0}", "é "]),
                proptest::sample::select(vec!["ns/iter", "µs/iter", "MB/s", "", "ns\u{a0}"]),
                proptest::sample::select(vec!["", " (+/- 5)", " ", "\r", "\u{3000}", "x", "é", "\u{a0}"]),
            )
        ) {
            let (lead, test, name, mark, ws1, value, ws2, unit, tail) = parts;
            let line = format!("{lead}{test}{}{mark}{ws1}{value}{ws2}{unit}{tail}", name.concat());
            let got = parse_line(&line).map(|(n, v, u)| (n, v.to_bits(), u));
            let want = parse_line_str(&line).map(|(n, v, u)| (n, v.to_bits(), u));
            proptest::prop_assert_eq!(got, want, "{:?}", line);
        }
    }
}
