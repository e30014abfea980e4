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

use super::util::{custom_key, num, put_measure, Suffixes};
use super::{Input, Provider};
use crate::error::{Error, Result};
use crate::schema::Snapshot;

/// libtest / bencher lines.
pub struct CargoBench;

const NAME: &str = "cargo-bench";
const MARK: &str = " ... bench:";

impl Provider for CargoBench {
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
            if let Some((name, value, unit)) = parse_line(line) {
                let base = match unit {
                    "ns/iter" => "ns",
                    u => u,
                };
                put_measure(
                    &mut snap,
                    &mut seen,
                    custom_key(name),
                    value,
                    base,
                    None,
                    Vec::new(),
                );
            } else if let Some(rest) = line.trim().strip_prefix("test ") {
                if let Some(name) = rest.strip_suffix(" ... FAILED") {
                    tracing::warn!("cargo-bench: benchmark '{name}' failed");
                }
            }
        }
        if snap.metrics.is_empty() {
            return Err(Error::parse(
                NAME,
                &input.path,
                "expected 'test <name> ... bench: <value> ns/iter (+/- <dev>)' lines",
            ));
        }
        Ok(snap)
    }
}

/// `test a b ... bench:   1,234 ns/iter (+/- 5)` → (`a b`, 1234, `ns/iter`).
///
/// Byte-level (issue 16: 89 MiB/s against a 100 MB/s goal): the last ` ... bench:` is
/// found from its `:` backwards instead of a substring search set up per line, and the
/// two words after it are cut by [`two_words`]; the result is that of `rfind` and
/// `split_whitespace`.
fn parse_line(line: &str) -> Option<(&str, f64, &str)> {
    let rest = line.trim().strip_prefix("test ")?;
    let at = rfind_mark(rest)?;
    let name = rest.get(..at)?.trim();
    let (value, unit) = two_words(rest.get(at + MARK.len()..)?)?;
    let value = num(value)?;
    (!name.is_empty()).then_some((name, value, unit))
}

/// `rest.rfind(MARK)`: every match of [`MARK`] ends at a `:`, so the last match is the
/// rightmost `:` preceded by the rest of the mark.
fn rfind_mark(rest: &str) -> Option<usize> {
    let b = rest.as_bytes();
    let head = &MARK.as_bytes()[..MARK.len() - 1];
    let mut end = b.len();
    while let Some(colon) = b[..end].iter().rposition(|&c| c == b':') {
        if b[..colon].ends_with(head) {
            return Some(colon + 1 - MARK.len());
        }
        end = colon;
    }
    None
}

/// The first two words of `s` as `split_whitespace` cuts them; ASCII is cut by bytes, and
/// a non-ASCII byte before the second word ends hands the line to `split_whitespace`
/// (Unicode whitespace such as U+00A0 separates words there too).
fn two_words(s: &str) -> Option<(&str, &str)> {
    let b = s.as_bytes();
    // char::is_whitespace on ASCII: \t \n \x0B \x0C \r and space.
    let ws = |c: u8| c == b' ' || (b'\t'..=b'\r').contains(&c);
    let mut i = 0;
    let mut words = [(0, 0); 2];
    for w in &mut words {
        while i < b.len() && ws(b[i]) {
            i += 1;
        }
        let start = i;
        while i < b.len() && !ws(b[i]) && b[i].is_ascii() {
            i += 1;
        }
        if i < b.len() && !b[i].is_ascii() {
            let mut it = s.split_whitespace();
            return Some((it.next()?, it.next()?));
        }
        if start == i {
            return None;
        }
        *w = (start, i);
    }
    Some((
        s.get(words[0].0..words[0].1)?,
        s.get(words[1].0..words[1].1)?,
    ))
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

    /// The byte-level cuts give what `rfind` and `split_whitespace` give, on the edges:
    /// the mark in the name, Unicode whitespace, one word, none.
    #[test]
    fn issue16_byte_level_cuts_equal_the_str_methods() {
        for rest in [
            "a ... bench: 1 ns/iter",
            "a ... bench: b ... bench: 2 ns/iter",
            "a ... bench:: 3 ns/iter",
            "... bench:",
            "a ... bench",
            "a: b: c",
            "",
            "é ... bench:\u{a0}4\u{a0}ns/iter",
        ] {
            assert_eq!(rfind_mark(rest), rest.rfind(MARK), "{rest:?}");
        }
        for s in [
            "   1,234 ns/iter (+/- 5)",
            "1\x0bns",
            "1\x0cns\r",
            " 5 ",
            "",
            "  \t ",
            "1\u{a0}ns/iter",
            "1 \u{2003}ns",
            "é ns",
            "1 né",
            "1 ns\u{a0}x",
        ] {
            let mut it = s.split_whitespace();
            let want = it.next().zip(it.next());
            assert_eq!(two_words(s), want, "{s:?}");
        }
    }
}
