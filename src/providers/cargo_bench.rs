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

use super::lines::{custom_key, rfind_by, LineFormat};
use super::util::{num, put_measure, Suffixes};
use crate::schema::Snapshot;

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
            let base = match unit {
                "ns/iter" => "ns",
                u => u,
            };
            put_measure(snap, seen, custom_key(name), value, base, None, Vec::new());
        } else if let Some(rest) = line.trim().strip_prefix("test ") {
            if let Some(name) = rest.strip_suffix(" ... FAILED") {
                tracing::warn!("cargo-bench: benchmark '{name}' failed");
            }
        }
    }
}

/// `test a b ... bench:   1,234 ns/iter (+/- 5)` → (`a b`, 1234, `ns/iter`).
fn parse_line(line: &str) -> Option<(&str, f64, &str)> {
    let rest = line.trim().strip_prefix("test ")?;
    // Anchored at the mark's `:`.
    let at = rfind_by(rest, MARK, MARK.len() - 1)?;
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
