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

use super::util::{num, put_measure, Suffixes};
use super::{Input, Lines, Provider};
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
        if let Some((name, value, unit)) = parse_line(line) {
            let base = match unit {
                "ns/iter" => "ns",
                u => u,
            };
            put_measure(
                &mut snap,
                &mut seen,
                format!("custom.{name}"),
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
            lines.path(),
            "expected 'test <name> ... bench: <value> ns/iter (+/- <dev>)' lines",
        ));
    }
    Ok(snap)
}

/// `test a b ... bench:   1,234 ns/iter (+/- 5)` → (`a b`, 1234, `ns/iter`).
fn parse_line(line: &str) -> Option<(&str, f64, &str)> {
    let rest = line.trim().strip_prefix("test ")?;
    let at = rest.rfind(MARK)?;
    let name = rest.get(..at)?.trim();
    let mut it = rest.get(at + MARK.len()..)?.split_whitespace();
    let value = num(it.next()?)?;
    let unit = it.next()?;
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
}
