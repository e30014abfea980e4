//! `hyperfine`: the JSON written by `hyperfine --export-json FILE`.
//! Format: <https://github.com/sharkdp/hyperfine#exporting-results> (`results[]` with
//! `command`, `mean`, `stddev`, `median`, `min`, `max`, `times`, `exit_codes`, in seconds).
//!
//! Decisions: one key per command, `custom.<command>` (the command line as given, or its
//! `--command-name`), value the mean converted to ms, lower is better, with every run of
//! `times` as samples. A command with a non-zero exit code (run with `--ignore-failure`) is
//! kept and reported as a warning naming it. The same command twice gets `#2`.

use super::util::{put, unique_key};
use super::{Input, Provider};
use crate::error::{Error, Result};
use crate::schema::{Direction, Snapshot};
use serde_json::Value;

/// hyperfine `--export-json`.
pub struct Hyperfine;

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
        let doc = input.json(NAME)?;
        let bad = |reason: String| Error::parse(NAME, &input.path, reason);
        let results = doc
            .get("results")
            .and_then(Value::as_array)
            .filter(|r| !r.is_empty())
            .ok_or_else(|| {
                bad("expected a non-empty 'results' list (hyperfine --export-json output)".into())
            })?;
        let mut snap = Snapshot::new();
        for (i, r) in results.iter().enumerate() {
            let command = r
                .get("command")
                .and_then(Value::as_str)
                .ok_or_else(|| bad(format!("results[{i}] has no 'command' string")))?;
            let mean = r
                .get("mean")
                .and_then(Value::as_f64)
                .ok_or_else(|| bad(format!("results[{i}] ('{command}') has no numeric 'mean'")))?;
            let samples: Vec<f64> = r
                .get("times")
                .and_then(Value::as_array)
                .map(|a| {
                    a.iter()
                        .filter_map(Value::as_f64)
                        .map(|s| s * 1e3)
                        .collect()
                })
                .unwrap_or_default();
            let failed = r
                .get("exit_codes")
                .and_then(Value::as_array)
                .is_some_and(|c| c.iter().any(|c| c.as_i64() != Some(0)));
            if failed {
                tracing::warn!("hyperfine: command '{command}' exited non-zero in some runs");
            }
            let key = unique_key(&snap, format!("custom.{command}"));
            put(
                &mut snap,
                key,
                mean * 1e3,
                "ms",
                Direction::LowerIsBetter,
                samples,
            );
        }
        Ok(snap)
    }
}
