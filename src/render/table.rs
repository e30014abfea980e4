//! The human-readable terminal table of `flameiq compare`, in flameiq-core's layout and
//! words (`PASS`, `WARNING`, `REGRESSION`, plus `IMPROVED` where flameiq-core says
//! `WARNING` for a change to the better side), values in human units (`100 ns`, not
//! `0.0001`), coloured only when asked. Metric names come from the pull request's code:
//! each one is printed through [`fmt::escape_terminal`], so none can start a line of its own.

use super::{fmt, Render, View};
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

    /// Renders a result. Every key, unit and reason passes through
    /// [`fmt::escape_terminal`]; values are in the renderers' human units.
    pub fn render_result(&self, r: &ComparisonResult) -> String {
        let esc = |s: &str| fmt::escape_terminal(s).into_owned();
        let rows: Vec<(String, String, String)> = r
            .diffs
            .iter()
            .map(|d| {
                (
                    esc(&d.metric_key),
                    esc(&fmt::human(
                        d.baseline_value,
                        &d.metric_key,
                        d.unit.as_deref(),
                    )),
                    esc(&fmt::human(
                        d.current_value,
                        &d.metric_key,
                        d.unit.as_deref(),
                    )),
                )
            })
            .collect();
        let width = rows
            .iter()
            .map(|(k, _, _)| k.chars().count())
            .max()
            .unwrap_or(0)
            .max(22);
        let mut out = String::from("\n");
        out.push_str(&format!(
            "  {:<width$} {:>12} {:>12} {:>10} {:>10}  Status\n",
            "Metric", "Baseline", "Current", "Change", "Threshold"
        ));
        out.push_str(&format!("  {}\n", "─".repeat(width + 56)));
        for (d, (key, base, cur)) in r.diffs.iter().zip(&rows) {
            let chg = esc(&fmt::change(d));
            let thr = fmt::threshold(d);
            let style = if d.is_improvement() {
                GREEN
            } else {
                match d.status {
                    DiffStatus::Regression => BOLD_RED,
                    DiffStatus::Warning | DiffStatus::InsufficientData => YELLOW,
                    DiffStatus::Pass => GREEN,
                }
            };
            let mut status = self.paint(style, d.label());
            if let Some(p) = d.p_value {
                status.push_str(&self.paint(DIM, &format!("  p={p:.4}")));
            }
            out.push_str(&format!(
                "  {key:<width$} {base:>12} {cur:>12} {} {thr:>10}  {status}\n",
                self.paint(style, &format!("{chg:>10}")),
            ));
        }
        let list = |keys: &[String]| keys.iter().map(|k| esc(k)).collect::<Vec<_>>().join(", ");
        if !r.new.is_empty() {
            out.push_str(&format!("\n  New (not compared): {}\n", list(&r.new)));
        }
        if !r.missing.is_empty() {
            out.push_str(&format!(
                "  Missing from current run: {}\n",
                list(&r.missing)
            ));
        }
        for s in &r.skipped {
            out.push_str(&format!(
                "  Skipped {}: {}\n",
                esc(&s.metric_key),
                esc(&s.reason)
            ));
        }
        if let Some(p) = &r.provider {
            out.push_str(&format!("  Provider: {}\n", esc(p)));
        }
        out.push('\n');
        let warnings = r.warnings().count();
        let improved = r.improvements().count();
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
        if improved > 0 {
            out.push_str(&self.paint(GREEN, &format!(" {improved} improved.")));
        }
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
