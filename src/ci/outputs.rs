//! What a GitHub Actions step hands back besides its exit code: step outputs
//! (`$GITHUB_OUTPUT`), the job summary (`$GITHUB_STEP_SUMMARY`) and annotations
//! (workflow commands on stdout).
//!
//! - Outputs: `name=value` lines; a value with a line break uses the heredoc form
//!   `name<<DELIM` … `DELIM`, with a deterministic delimiter (`FLAMEIQ_EOF`, extended with
//!   `_` until no line of the value equals it), so the same inputs give the same bytes.
//! - Summary: appended (other steps' summaries stay), ours under [`SUMMARY_LIMIT`]; a
//!   longer one is cut at a line and ends with a note saying so ([`limits::truncate`], a
//!   backstop: the renderer already fits its output by leaving out rows).
//! - Annotations: `::error` per regression and `::warning` per warning, at most
//!   [`MAX_ANNOTATIONS`] of each (GitHub shows only 10 per step anyway); data escapes `%`,
//!   `\r`, `\n`; properties also escape `:` and `,`.

use crate::compare::result::{ComparisonResult, MetricDiff};
use crate::error::{Error, Result};
use std::io::Write;
use std::path::Path;

use crate::render::limits;
pub use crate::render::limits::SUMMARY_LIMIT;
/// At most this many annotations of each kind.
pub const MAX_ANNOTATIONS: usize = 10;

/// The step outputs of `flameiq ci` (`$GITHUB_OUTPUT`; see `action.yml`), written in this
/// order by [`StepOutputs::pairs`]: one list for the baseline, no-baseline and compare runs.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct StepOutputs {
    /// `pass`, `regression`, `insufficient_data`, `baseline` or `no-baseline`.
    pub status: String,
    /// Regressed metrics.
    pub regressions: usize,
    /// Warned metrics (flameiq-core's count).
    pub warnings: usize,
    /// Metrics compared (stored, for a baseline).
    pub total: usize,
    /// The HTML report's path.
    pub report: String,
    /// The result JSON's path; empty when nothing was compared.
    pub result: String,
    /// The comment's URL; empty when none was posted.
    pub comment_url: String,
    /// The label that accepted the regressions (empty when none did); None where nothing
    /// was compared, and then not written.
    pub accepted_by_label: Option<String>,
}

impl StepOutputs {
    /// A run that compared nothing (`baseline`, `no-baseline`): zero counts, no result, no
    /// comment.
    pub fn nothing_compared(status: &str, total: usize, report: &Path) -> StepOutputs {
        StepOutputs {
            status: status.into(),
            total,
            report: report.display().to_string(),
            ..StepOutputs::default()
        }
    }

    /// `(name, value)` in the order written.
    pub fn pairs(&self) -> Vec<(&'static str, String)> {
        let mut v = vec![
            ("status", self.status.clone()),
            ("regressions", self.regressions.to_string()),
            ("warnings", self.warnings.to_string()),
            ("total", self.total.to_string()),
            ("report", self.report.clone()),
            ("result", self.result.clone()),
            ("comment-url", self.comment_url.clone()),
        ];
        if let Some(l) = &self.accepted_by_label {
            v.push(("accepted-by-label", l.clone()));
        }
        v
    }
}

/// Formats one output for `$GITHUB_OUTPUT`.
pub fn output_line(name: &str, value: &str) -> String {
    if !value.contains('\n') && !value.contains('\r') {
        return format!("{name}={value}\n");
    }
    let mut delim = String::from("FLAMEIQ_EOF");
    while value.lines().any(|l| l.trim_end_matches('\r') == delim) {
        delim.push('_');
    }
    format!("{name}<<{delim}\n{value}\n{delim}\n")
}

/// Appends text to a file named by an environment variable (`$GITHUB_OUTPUT`,
/// `$GITHUB_STEP_SUMMARY`), creating it if needed.
pub fn append(path: &Path, text: &str) -> Result<()> {
    let mut f = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(path)
        .map_err(|e| Error::Output {
            path: path.into(),
            source: e,
        })?;
    f.write_all(text.as_bytes()).map_err(|e| Error::Output {
        path: path.into(),
        source: e,
    })
}

/// Writes all outputs, in the given order.
pub fn write_outputs(path: &Path, outputs: &[(&str, String)]) -> Result<()> {
    let text: String = outputs.iter().map(|(k, v)| output_line(k, v)).collect();
    append(path, &text)
}

/// The job summary, kept under [`SUMMARY_LIMIT`].
pub fn summary_text(markdown: &str, run_url: Option<&str>) -> String {
    let note = match run_url {
        Some(u) => format!("> ✂️ Summary truncated to stay under GitHub's 1 MiB limit; the full result is in the result JSON and the HTML report of [this run]({u})."),
        None => "> ✂️ Summary truncated to stay under GitHub's 1 MiB limit; the full result is in the result JSON and the HTML report.".to_string(),
    };
    limits::truncate(markdown, SUMMARY_LIMIT, &note, None)
}

/// Escapes a workflow command's message.
pub fn escape_data(s: &str) -> String {
    s.replace('%', "%25")
        .replace('\r', "%0D")
        .replace('\n', "%0A")
}

/// Escapes a workflow command's property value (`title=...`).
pub fn escape_property(s: &str) -> String {
    escape_data(s).replace(':', "%3A").replace(',', "%2C")
}

pub(crate) fn describe(d: &MetricDiff) -> String {
    let unit = d
        .unit
        .as_deref()
        .map(|u| format!(" {}", crate::render::fmt::escape_terminal(u)))
        .unwrap_or_default();
    format!(
        "{} changed {} (baseline {}{unit}, current {}{unit}, threshold {:.1}%, {})",
        crate::render::fmt::escape_terminal(&d.metric_key),
        crate::render::fmt::change(d),
        d.baseline_value,
        d.current_value,
        d.threshold_percent.abs(),
        d.direction.as_str()
    )
}

/// The annotation lines for a result (each ends with a newline), plus a plain line when
/// more were left out. Regressions accepted by a PR/MR label (`accepted_by_label`) are
/// warnings, not errors: the gate passes, and an `::error` would say it failed.
pub fn annotations(result: &ComparisonResult, accepted_by_label: Option<&str>) -> String {
    let mut out = String::new();
    let mut emit = |cmd: &str, what: &str, diffs: Vec<&MetricDiff>| {
        for d in diffs.iter().take(MAX_ANNOTATIONS) {
            out.push_str(&format!(
                "::{cmd} title={}::{}\n",
                escape_property(&format!(
                    "FlameIQ {what}: {}",
                    crate::render::fmt::escape_terminal(&d.metric_key)
                )),
                escape_data(&describe(d))
            ));
        }
        if diffs.len() > MAX_ANNOTATIONS {
            out.push_str(&format!(
                "FlameIQ: {} more {what}(s) not annotated; see the job summary\n",
                diffs.len() - MAX_ANNOTATIONS
            ));
        }
    };
    match accepted_by_label {
        None => emit("error", "regression", result.regressions().collect()),
        Some(label) => emit(
            "warning",
            &format!(
                "regression accepted by label {}",
                crate::render::fmt::escape_terminal(label)
            ),
            result.regressions().collect(),
        ),
    }
    emit("warning", "warning", result.warnings().collect());
    emit("notice", "improvement", result.improvements().collect());
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn single_and_multi_line_outputs() {
        assert_eq!(output_line("status", "pass"), "status=pass\n");
        assert_eq!(
            output_line("x", "a\nb"),
            "x<<FLAMEIQ_EOF\na\nb\nFLAMEIQ_EOF\n"
        );
        // A value containing the delimiter gets a longer one, deterministically.
        let v = "a\nFLAMEIQ_EOF\nFLAMEIQ_EOF_";
        assert_eq!(
            output_line("x", v),
            format!("x<<FLAMEIQ_EOF__\n{v}\nFLAMEIQ_EOF__\n")
        );
    }

    #[test]
    fn workflow_command_escaping() {
        assert_eq!(escape_data("50%\r\nx"), "50%25%0D%0Ax");
        assert_eq!(escape_property("a:b,c%"), "a%3Ab%2Cc%25");
    }

    #[test]
    fn truncation_keeps_the_limit_and_says_so() {
        let big = "é".repeat(SUMMARY_LIMIT.max());
        let s = summary_text(&big, Some("https://x/run"));
        assert!(s.len() < SUMMARY_LIMIT.max());
        assert!(s.contains("https://x/run"));
    }
}
