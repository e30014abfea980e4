//! `hyperfine`: the JSON written by `hyperfine --export-json FILE`.
//! Format: <https://github.com/sharkdp/hyperfine#exporting-results> (`results[]` with
//! `command`, `mean`, `stddev`, `median`, `min`, `max`, `times`, `exit_codes`, in seconds).
//!
//! Decisions: one key per command, `custom.<command>`, value the mean converted to ms,
//! lower is better, with every run of `times` as samples. The command (the command line as
//! given, or its `--command-name`) becomes the key by one fixed rule (issue 11 defect 9:
//! `./work.sh` read `custom../work.sh`): surrounding whitespace is trimmed, every run of
//! whitespace (spaces, tabs, newlines) becomes one space, and leading `./` is dropped, so
//! `./work.sh  --fast` is `custom.work.sh --fast`. Nothing else changes: `../x.sh`,
//! `/usr/bin/x` and quotes are kept as written. Two commands that end up with the same key
//! (`./x` and `x`) are told apart by the `#2` rule. A command with a non-zero exit code (run with `--ignore-failure`) is
//! kept and reported as a warning naming it. The same command twice gets `#2`.

use super::util::{put_new, Suffixes};
use super::{Input, Provider};
use crate::error::{Error, Result};
use crate::schema::{Direction, Snapshot};
use serde::Deserialize;

/// hyperfine `--export-json`.
pub struct Hyperfine;

/// The parts of the export we read; other fields are skipped.
#[derive(Deserialize)]
struct Export {
    results: Vec<Run>,
}

#[derive(Deserialize)]
struct Run {
    command: String,
    mean: f64,
    #[serde(default)]
    times: Option<Vec<f64>>,
    /// `null` for a run killed by a signal.
    #[serde(default)]
    exit_codes: Option<Vec<Option<i64>>>,
}

const NAME: &str = "hyperfine";

impl Provider for Hyperfine {
    fn name(&self) -> &'static str {
        NAME
    }

    fn detect(&self, input: &Input) -> bool {
        input.text.as_deref().is_some_and(|t| {
            super::util::starts_with_char(t, '{')
                && t.contains("\"results\"")
                && t.contains("\"command\"")
                && t.contains("\"mean\"")
        })
    }

    fn parse(&self, input: &Input) -> Result<Snapshot> {
        let bad = |reason: String| Error::parse(NAME, &input.path, reason);
        // Typed, not a serde_json::Value tree: several times faster on large exports.
        let doc: Export = serde_json::from_str(input.text(NAME)?)
            .map_err(|e| bad(format!("not a hyperfine --export-json file: {e}")))?;
        if doc.results.is_empty() {
            return Err(bad(
                "expected a non-empty 'results' list (hyperfine --export-json output)".into(),
            ));
        }
        let mut snap = Snapshot::new();
        let mut seen = Suffixes::default();
        super::util::reserve(&mut snap, doc.results.len());
        for r in doc.results {
            let command = r.command;
            let mean = r.mean;
            let samples: Vec<f64> = r
                .times
                .unwrap_or_default()
                .iter()
                .map(|s| s * 1e3)
                .collect();
            let failed = r
                .exit_codes
                .is_some_and(|c| c.iter().any(|c| *c != Some(0)));
            if failed {
                tracing::warn!("hyperfine: command '{command}' exited non-zero in some runs");
            }
            put_new(
                &mut snap,
                &mut seen,
                format!("custom.{}", command_key(&command)),
                mean * 1e3,
                "ms",
                Direction::LowerIsBetter,
                samples,
            );
        }
        Ok(snap)
    }
}

/// A command line as a key: whitespace runs collapsed to one space, then leading `./`
/// dropped (see the module docs). Valgrind's `cmd:` lines use the same rule, so one
/// command timed by hyperfine and counted by cachegrind has one name.
pub(super) fn command_key(command: &str) -> String {
    let collapsed = command.split_whitespace().collect::<Vec<_>>().join(" ");
    let mut key = collapsed.as_str();
    while let Some(rest) = key.strip_prefix("./") {
        key = rest;
    }
    if key.is_empty() {
        // `./` alone: keep it rather than make an empty name.
        collapsed
    } else {
        key.to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::command_key;

    #[test]
    fn command_keys_are_readable() {
        assert_eq!(command_key("./work.sh"), "work.sh");
        assert_eq!(command_key("  ./work.sh \t --fast\n"), "work.sh --fast");
        assert_eq!(command_key("././x"), "x");
        assert_eq!(command_key("../up.sh"), "../up.sh");
        assert_eq!(command_key("sleep 0.1"), "sleep 0.1");
        assert_eq!(command_key("./"), "./");
    }
}
