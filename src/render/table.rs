//! The human-readable terminal table of `flameiq compare`, in flameiq-core's layout and
//! words (`PASS`, `WARNING`, `REGRESSION`), coloured only when asked.

use super::{Render, View};
use crate::compare::result::{ComparisonResult, DiffStatus, Status};
use crate::error::Result;

/// The terminal table.
pub struct Table {
    /// Emit ANSI colours.
    pub color: bool,
}

const BOLD_RED: &str = "\x1b[1;31m";
const YELLOW: &str = "\x1b[33m";
const GREEN: &str = "\x1b[32m";
const BOLD_GREEN: &str = "\x1b[1;32m";
const DIM: &str = "\x1b[2m";
const RESET: &str = "\x1b[0m";

impl Table {
    fn paint(&self, style: &str, text: &str) -> String {
        if self.color {
            format!("{style}{text}{RESET}")
        } else {
            text.to_string()
        }
    }

    /// Renders a result.
    pub fn render_result(&self, r: &ComparisonResult) -> String {
        let width = r
            .diffs
            .iter()
            .map(|d| d.metric_key.chars().count())
            .max()
            .unwrap_or(0)
            .max(22);
        let mut out = String::from("\n");
        out.push_str(&format!(
            "  {:<width$} {:>12} {:>12} {:>10} {:>10}  Status\n",
            "Metric", "Baseline", "Current", "Change", "Threshold"
        ));
        out.push_str(&format!("  {}\n", "─".repeat(width + 56)));
        for d in &r.diffs {
            let chg = format!("{:+.2}%", d.change_percent);
            let thr = match d.direction {
                crate::schema::Direction::LowerIsBetter => {
                    format!("+{:.1}%", d.threshold_percent.abs())
                }
                crate::schema::Direction::HigherIsBetter => {
                    format!("-{:.1}%", d.threshold_percent.abs())
                }
                crate::schema::Direction::Both => format!("±{:.1}%", d.threshold_percent.abs()),
            };
            let (style, word) = match d.status {
                DiffStatus::Regression => (BOLD_RED, "REGRESSION"),
                DiffStatus::Warning => (YELLOW, "WARNING"),
                DiffStatus::InsufficientData => (YELLOW, "INSUFFICIENT_DATA"),
                DiffStatus::Pass => (GREEN, "PASS"),
            };
            let mut status = self.paint(style, word);
            if let Some(p) = d.p_value {
                status.push_str(&self.paint(DIM, &format!("  p={p:.4}")));
            }
            out.push_str(&format!(
                "  {:<width$} {:>12.4} {:>12.4} {} {:>10}  {}\n",
                d.metric_key,
                d.baseline_value,
                d.current_value,
                self.paint(style, &format!("{chg:>10}")),
                thr,
                status
            ));
        }
        if !r.new.is_empty() {
            out.push_str(&format!("\n  New (not compared): {}\n", r.new.join(", ")));
        }
        if !r.missing.is_empty() {
            out.push_str(&format!(
                "  Missing from current run: {}\n",
                r.missing.join(", ")
            ));
        }
        for s in &r.skipped {
            out.push_str(&format!("  Skipped {}: {}\n", s.metric_key, s.reason));
        }
        out.push('\n');
        let warnings = r.counts.warnings;
        let line = match r.status {
            Status::Regression => self.paint(
                BOLD_RED,
                &format!("  ✗ REGRESSION — {} metric(s) exceeded threshold.", r.counts.regressions),
            ),
            Status::InsufficientData => self.paint(
                YELLOW,
                "  ? INSUFFICIENT_DATA — too few samples to decide for some metrics; no regression found.",
            ),
            Status::Pass if warnings > 0 => self.paint(
                YELLOW,
                &format!("  ⚠ WARNING — {warnings} metric(s) approaching threshold."),
            ),
            Status::Pass => self.paint(
                BOLD_GREEN,
                &format!("  ✓ PASS — all {} metric(s) within threshold.", r.diffs.len()),
            ),
        };
        out.push_str(&line);
        out.push_str("\n\n");
        out
    }
}

impl Render for Table {
    fn render(&self, view: &View) -> Result<String> {
        Ok(view
            .result
            .map(|r| self.render_result(r))
            .unwrap_or_default())
    }
}
