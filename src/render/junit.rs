//! JUnit XML (`compare --junit F`) for the test-report views of Jenkins, GitLab and CircleCI.
//!
//! One `<testsuites>` holding one `<testsuite name="flameiq">`; one
//! `<testcase name="<metric key>" classname="flameiq">` per compared metric, in the result's
//! (key) order; a `<failure type="regression">` per regression, whose message carries the
//! change, the threshold and both values. Warnings and insufficient-data verdicts pass, with
//! a `<system-out>` line saying so. Metrics that were not compared (new, missing, zero
//! baseline) are not test cases. Times are `0`: the gate measures nothing itself.
//! Validated against the Jenkins xunit plugin's `junit-10.xsd` shape
//! (`tests/fixtures/junit/junit-10.xsd`).
//!
//! Written by hand rather than through tera: it is small, and this keeps `compare --junit`
//! free of the template engine. Characters XML 1.0 forbids (most C0 controls) become U+FFFD.

use super::fmt;
use super::{Render, View};
use crate::compare::result::{ComparisonResult, DiffStatus};
use crate::error::Result;
use std::fmt::Write as _;

/// The JUnit XML view.
pub struct Junit;

/// Escapes text for an XML attribute value or element content (quotes included, and
/// line breaks as character references so attribute values keep them).
pub fn escape_xml(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 8);
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            '\n' => out.push_str("&#10;"),
            '\r' => out.push_str("&#13;"),
            '\t' => out.push_str("&#9;"),
            // Not allowed anywhere in XML 1.0, not even as a character reference.
            '\u{0}'..='\u{8}'
            | '\u{B}'
            | '\u{C}'
            | '\u{E}'..='\u{1F}'
            | '\u{FFFE}'
            | '\u{FFFF}' => out.push('\u{FFFD}'),
            c => out.push(c),
        }
    }
    out
}

/// The JUnit document of a result.
pub fn render_result(r: &ComparisonResult) -> String {
    let tests = r.diffs.len();
    let failures = r.counts.regressions;
    let mut out = String::with_capacity(200 + tests * 160);
    out.push_str("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
    let _ = writeln!(
        out,
        "<testsuites name=\"flameiq\" tests=\"{tests}\" failures=\"{failures}\" errors=\"0\" time=\"0\">"
    );
    let _ = write!(
        out,
        "  <testsuite name=\"flameiq\" tests=\"{tests}\" failures=\"{failures}\" errors=\"0\" skipped=\"0\" time=\"0\""
    );
    if let Some(ts) = r.current.timestamp.as_deref() {
        let _ = write!(out, " timestamp=\"{}\"", escape_xml(ts));
    }
    out.push_str(">\n");
    out.push_str("    <properties>\n");
    let mut prop = |name: &str, value: Option<&str>| {
        if let Some(v) = value {
            let _ = writeln!(
                out,
                "      <property name=\"{name}\" value=\"{}\"/>",
                escape_xml(v)
            );
        }
    };
    prop("status", Some(r.status.as_str()));
    prop("strategy", Some(&r.strategy));
    prop("baseline.commit", r.baseline.commit.as_deref());
    prop("baseline.branch", r.baseline.branch.as_deref());
    prop("current.commit", r.current.commit.as_deref());
    prop("current.branch", r.current.branch.as_deref());
    out.push_str("    </properties>\n");
    for d in &r.diffs {
        let key = escape_xml(&d.metric_key);
        let _ = write!(
            out,
            "    <testcase name=\"{key}\" classname=\"flameiq\" time=\"0\""
        );
        let values = format!(
            "{} → {}",
            fmt::human(d.baseline_value, &d.metric_key, d.unit.as_deref()),
            fmt::human(d.current_value, &d.metric_key, d.unit.as_deref())
        );
        let mut stats = String::new();
        if let Some(p) = d.p_value {
            let _ = write!(stats, ", p={}", fmt::p_value(p));
        }
        if let Some(e) = d.effect_size {
            let _ = write!(stats, ", d={e:.2}");
        }
        match d.status {
            DiffStatus::Regression => {
                let msg = format!(
                    "{} regressed {} (threshold {}, {}): {values}{stats}",
                    d.metric_key,
                    fmt::change(d),
                    fmt::threshold(d),
                    fmt::direction(d.direction),
                );
                let _ = writeln!(
                    out,
                    ">\n      <failure type=\"regression\" message=\"{m}\">{m}</failure>\n    </testcase>",
                    m = escape_xml(&msg)
                );
            }
            DiffStatus::Warning | DiffStatus::InsufficientData => {
                let word = if d.is_improvement() {
                    "IMPROVED: better by at least the warning level"
                } else if d.status == DiffStatus::Warning {
                    "WARNING: close to the threshold"
                } else {
                    "INSUFFICIENT_DATA: too few samples to decide"
                };
                let msg = format!(
                    "{word}; change {} (threshold {}): {values}{stats}",
                    fmt::change(d),
                    fmt::threshold(d)
                );
                let _ = writeln!(
                    out,
                    ">\n      <system-out>{}</system-out>\n    </testcase>",
                    escape_xml(&msg)
                );
            }
            DiffStatus::Pass => out.push_str("/>\n"),
        }
    }
    out.push_str("  </testsuite>\n</testsuites>\n");
    out
}

impl Render for Junit {
    /// With no result (no baseline) the suite is empty.
    fn render(&self, view: &View) -> Result<String> {
        Ok(match view.result {
            Some(r) => render_result(r),
            None => "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<testsuites name=\"flameiq\" tests=\"0\" failures=\"0\" errors=\"0\" time=\"0\">\n  <testsuite name=\"flameiq\" tests=\"0\" failures=\"0\" errors=\"0\" skipped=\"0\" time=\"0\"/>\n</testsuites>\n".into(),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_markup_quotes_and_forbidden_controls() {
        assert_eq!(
            escape_xml("<a href=\"x\">&'\u{1}\n"),
            "&lt;a href=&quot;x&quot;&gt;&amp;&apos;\u{FFFD}&#10;"
        );
    }
}
