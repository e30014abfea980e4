//! `valgrind` (also `--provider cachegrind` / `callgrind`): the output files Valgrind's
//! cachegrind and callgrind tools write (`cachegrind.out.<pid>`, `callgrind.out.<pid>`).
//! Format: <https://valgrind.org/docs/manual/cg-manual.html#cg-manual.impl-details.file-format>
//! and <https://valgrind.org/docs/manual/cl-format.html>: a header (`desc:`, `cmd:`,
//! `events: Ir Dr ...`), cost lines, and `summary:` (and, from callgrind, `totals:`) with
//! one total per event.
//!
//! Decisions:
//! - One file is one program run: its key is `custom.<cmd>`, the `cmd:` line by the rule
//!   hyperfine's commands follow (whitespace runs collapsed, leading `./` dropped), so
//!   `cmd: ./work 100000` is `custom.work 100000`. A file without `cmd:` is keyed by its
//!   file name. Several files are given as several `--metrics` (two files of one command
//!   are refused as a duplicate key by `load_many`).
//! - `flameiq run --name NAME` ([`super::load_named`]) keys the run `custom.NAME` (events
//!   `custom.NAME.<event>`) instead, for a command line that changes from job to job (a
//!   path with a build hash) or is too long to read. It names one file, so it takes exactly
//!   one `--metrics`, and only a Valgrind file: every other format names its benchmarks
//!   itself, and one name for all of them would collide. Both mistakes are exit 2 before
//!   anything is written. The name is kept as given (no `./` or whitespace rule: it is not
//!   a command); an empty name or one with control characters is exit 2.
//! - Instructions (`Ir`) are the value of `custom.<cmd>`, unit `instructions`; every other
//!   event (`Dr`, `D1mr`, `Bcm`, ...) is `custom.<cmd>.<event>`, unit `events`. All are
//!   lower is better and are counts: stored exactly (integers up to 2^53, far above any
//!   real run; a larger count is stored rounded, with a warning).
//! - The total is the `summary:` line; `totals:` (callgrind's sum of the cost lines, which
//!   can differ from the summary by a few events) only when there is no summary. Several
//!   summaries (a callgrind file holding several dumps, `part:` 1, 2, ...) are added up.
//!   Missing trailing numbers are zero, as in the format; more numbers than events, or
//!   anything but a non-negative integer, is an error naming the line.
//! - Only the header and the summary are read: cost lines are skipped without parsing, so
//!   file and function names that are not UTF-8 do not matter.

use super::util::put;
use super::{Input, Provider};
use crate::error::{Error, Result};
use crate::schema::{Direction, Snapshot};

/// Valgrind cachegrind / callgrind output files.
pub struct Valgrind;

const NAME: &str = "valgrind";
/// How many lines from the top the header is looked for in, by `detect`.
const HEADER_LINES: usize = 64;
/// The largest integer an f64 (a JSON number in the snapshot) holds exactly.
const EXACT: u64 = 1 << 53;

impl Provider for Valgrind {
    fn name(&self) -> &'static str {
        NAME
    }

    fn detect(&self, input: &Input) -> bool {
        let Some(t) = input.text.as_deref() else {
            return false;
        };
        let mut events = false;
        let mut tool = false;
        for l in t.lines().take(HEADER_LINES) {
            events |= l.starts_with("events:");
            tool |= l.starts_with("cmd:")
                || l.starts_with("desc:")
                || l.starts_with("# callgrind format")
                || l.starts_with("creator: callgrind");
        }
        events && tool && (t.contains("\nsummary:") || t.contains("\ntotals:"))
    }

    fn parse(&self, input: &Input) -> Result<Snapshot> {
        parse_run(input, None)
    }
}

/// Checks a `--name` for [`parse_run`]: exit 2 for a name that cannot be a key.
pub(super) fn check_name(name: &str) -> Result<()> {
    if name.trim().is_empty() {
        return Err(Error::Usage(
            "--name is empty; give the benchmark's name, e.g. --name parse".into(),
        ));
    }
    if name.chars().any(char::is_control) {
        return Err(Error::Usage(format!(
            "--name {:?} contains a control character; use a name of printable characters",
            name
        )));
    }
    Ok(())
}

/// Reads one Valgrind file; with `name`, the run is keyed `custom.<name>` rather than by
/// its `cmd:` line (the caller has checked it with [`check_name`]).
pub(super) fn parse_run(input: &Input, name: Option<&str>) -> Result<Snapshot> {
    let text = input.text(NAME)?;
    let bad = |reason: String| Error::parse(NAME, &input.path, reason);
    let mut cmd: Option<&str> = None;
    let mut events: Option<Vec<&str>> = None;
    let mut summary: Option<Vec<u64>> = None;
    let mut totals: Option<Vec<u64>> = None;
    for (n, line) in text.lines().enumerate() {
        // Cost lines (the bulk of the file) start with a digit, `fl=`, `fn=`, ...: only
        // `word:` lines are looked at.
        let Some(first) = line.bytes().next() else {
            continue;
        };
        if !first.is_ascii_lowercase() {
            continue;
        }
        if let Some(rest) = line.strip_prefix("cmd:") {
            cmd.get_or_insert(rest);
        } else if let Some(rest) = line.strip_prefix("events:") {
            if events.is_some() {
                // callgrind repeats the header per part; the events must not change.
                if events.as_deref() != Some(&rest.split_whitespace().collect::<Vec<_>>()) {
                    return Err(bad(format!(
                        "line {}: a second 'events:' line names other events",
                        n + 1
                    )));
                }
            } else {
                events = Some(rest.split_whitespace().collect());
            }
        } else if let Some(rest) = line.strip_prefix("summary:") {
            add(&mut summary, rest, n, &bad)?;
        } else if let Some(rest) = line.strip_prefix("totals:") {
            add(&mut totals, rest, n, &bad)?;
        }
    }
    let events = events.filter(|e| !e.is_empty()).ok_or_else(|| {
        bad("expected a cachegrind/callgrind output file: no 'events:' line".into())
    })?;
    let counts = summary.or(totals).ok_or_else(|| {
        bad("no 'summary:' or 'totals:' line (was the valgrind run cut short?)".into())
    })?;
    if counts.len() > events.len() {
        return Err(bad(format!(
            "the summary has {} numbers for {} events ({})",
            counts.len(),
            events.len(),
            events.join(" ")
        )));
    }
    let name = match name
        .map(str::to_string)
        .or(cmd.map(super::hyperfine::command_key))
    {
        Some(c) if !c.is_empty() => c,
        _ => input
            .path
            .file_name()
            .map(|f| f.to_string_lossy().into_owned())
            .unwrap_or_else(|| "valgrind".into()),
    };
    let base = format!("custom.{name}");
    let mut snap = Snapshot::new();
    for (i, event) in events.iter().enumerate() {
        let count = counts.get(i).copied().unwrap_or(0);
        if count > EXACT {
            tracing::warn!(
                "valgrind: '{base}' {event} = {count} is above 2^53 and is stored rounded"
            );
        }
        let (key, unit) = if *event == "Ir" {
            (base.clone(), "instructions")
        } else {
            (format!("{base}.{event}"), "events")
        };
        if snap.metrics.contains_key(&key) {
            return Err(bad(format!("event '{event}' is named twice on 'events:'")));
        }
        put(
            &mut snap,
            key,
            count as f64,
            unit,
            Direction::LowerIsBetter,
            vec![],
        );
    }
    Ok(snap)
}

/// Adds one `summary:`/`totals:` line's counts to `into` (parts of one file add up).
fn add(
    into: &mut Option<Vec<u64>>,
    rest: &str,
    n: usize,
    bad: &dyn Fn(String) -> Error,
) -> Result<()> {
    let acc = into.get_or_insert_with(Vec::new);
    for (i, word) in rest.split_whitespace().enumerate() {
        let v: u64 = word.parse().map_err(|_| {
            bad(format!(
                "line {}: '{word}' is not a count (a non-negative integer)",
                n + 1
            ))
        })?;
        match acc.get_mut(i) {
            Some(slot) => {
                *slot = slot
                    .checked_add(v)
                    .ok_or_else(|| bad(format!("line {}: the counts overflow 64 bits", n + 1)))?
            }
            None => acc.push(v),
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(text: &str) -> Result<Snapshot> {
        Valgrind.parse(&Input::from_text("cachegrind.out.1", text))
    }

    #[test]
    fn instructions_exact_and_other_events_as_measures() {
        let s = parse(
            "desc: I1 cache: 32768 B\ncmd: ./work  100000\nevents: Ir Dr Dw\nfl=a.c\n\
             fn=main\n1 2 3 4\nsummary: 9007199254740991 129153 7\n",
        )
        .unwrap();
        // 2^53 - 1: the largest count an f64 holds exactly, kept to the last digit.
        assert_eq!(
            s.metrics["custom.work 100000"].to_string(),
            "9007199254740991.0"
        );
        assert_eq!(s.get("custom.work 100000.Dr"), Some(129153.0));
        let info = &s.metrics.info("custom.work 100000").unwrap();
        assert_eq!(info.unit.as_deref(), Some("instructions"));
        assert_eq!(info.direction, Some(Direction::LowerIsBetter));
        assert_eq!(
            s.metrics
                .info("custom.work 100000.Dw")
                .unwrap()
                .unit
                .as_deref(),
            Some("events")
        );
    }

    #[test]
    fn summary_wins_over_totals_and_parts_add_up() {
        let s = parse(
            "# callgrind format\ncmd: x\nevents: Ir Bc\npart: 1\nsummary: 10 1\ntotals: 12 1\n\
             part: 2\nsummary: 5\ntotals: 5\n",
        )
        .unwrap();
        assert_eq!(s.get("custom.x"), Some(15.0));
        assert_eq!(s.get("custom.x.Bc"), Some(1.0));
        let s = parse("cmd: x\nevents: Ir\ntotals: 7\n").unwrap();
        assert_eq!(s.get("custom.x"), Some(7.0));
    }

    #[test]
    fn bad_counts_are_errors_naming_the_line() {
        for (text, want) in [
            ("cmd: x\nevents: Ir\nsummary: 1.5\n", "line 3: '1.5'"),
            ("cmd: x\nevents: Ir\nsummary: -1\n", "'-1' is not a count"),
            (
                "cmd: x\nevents: Ir\nsummary: 1 2\n",
                "2 numbers for 1 events",
            ),
            ("cmd: x\nevents: Ir\n", "no 'summary:'"),
            ("cmd: x\nsummary: 1\n", "no 'events:'"),
            ("cmd: x\nevents: Ir Ir\nsummary: 1 1\n", "named twice"),
            (
                "cmd: x\nevents: Ir\nsummary: 18446744073709551615\nsummary: 1\n",
                "overflow",
            ),
        ] {
            let e = parse(text).unwrap_err();
            assert_eq!(e.exit_code(), 3);
            assert!(e.to_string().contains(want), "{text:?}: {e}");
        }
    }

    #[test]
    fn no_cmd_is_keyed_by_the_file_name() {
        let s = parse("events: Ir\nsummary: 3\n").unwrap();
        assert_eq!(s.get("custom.cachegrind.out.1"), Some(3.0));
    }
}
