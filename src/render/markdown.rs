//! GitHub-flavoured Markdown views: the job summary (`templates/summary.md.tera`) and the
//! PR/MR comment (`templates/comment.md.tera`).
//!
//! tera autoescapes only `.html` templates, so every user string passes through
//! [`escape_md`] (pipes, backticks, HTML, `@mentions`) before it reaches a template.

use super::{Render, View};
use crate::error::{Error, Result};
use serde_json::{json, Value};

const SUMMARY: &str = include_str!("../../templates/summary.md.tera");
const COMMENT: &str = include_str!("../../templates/comment.md.tera");

/// Escapes a user string for a GFM table cell or paragraph: HTML-significant characters
/// become entities, Markdown punctuation is backslash-escaped, and `@` is followed by a
/// zero-width joiner so an `@mention` pings nobody (`&#64;` and `\@` still ping).
pub fn escape_md(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 8);
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '|' => out.push_str("\\|"),
            '`' | '*' | '_' | '[' | ']' | '\\' | '~' | '#' | '!' => {
                out.push('\\');
                out.push(c);
            }
            '@' => out.push_str("@\u{200D}"),
            '\n' | '\r' => out.push(' '),
            _ => out.push(c),
        }
    }
    out
}

/// The hidden marker that identifies FlameIQ's comment for one environment.
pub fn marker(environment: Option<&str>) -> String {
    format!(
        "<!-- flameiq:{} -->",
        environment.filter(|e| !e.is_empty()).unwrap_or("default")
    )
}

/// Which Markdown view.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// `$GITHUB_STEP_SUMMARY` / `--markdown`.
    Summary,
    /// PR / MR comment (carries the marker).
    Comment,
}

/// A Markdown renderer.
pub struct Markdown {
    /// Summary or comment.
    pub kind: Kind,
}

fn fmt_num(v: f64) -> String {
    if v == v.trunc() && v.abs() < 1e15 {
        format!("{v:.0}")
    } else {
        let s = format!("{v:.4}");
        s.trim_end_matches('0').trim_end_matches('.').to_string()
    }
}

fn context(view: &View) -> Value {
    let diffs: Vec<Value> = view
        .result
        .map(|r| {
            let mut ds: Vec<_> = r.diffs.iter().collect();
            // Regressions first, then warnings, then the rest; by key within each.
            ds.sort_by(|a, b| {
                a.status
                    .cmp(&b.status)
                    .then(a.metric_key.cmp(&b.metric_key))
            });
            ds.into_iter()
                .map(|d| {
                    json!({
                        "key": escape_md(&d.metric_key),
                        "baseline": fmt_num(d.baseline_value),
                        "current": fmt_num(d.current_value),
                        "change": format!("{:+.2}%", d.change_percent),
                        "threshold": format!("{:.1}%", d.threshold_percent.abs()),
                        "status": d.status.as_str(),
                        "unit": d.unit.as_deref().map(escape_md),
                    })
                })
                .collect()
        })
        .unwrap_or_default();
    json!({
        "result": view.result.map(|r| json!({
            "status": r.status.as_str(),
            "summary": escape_md(&r.summary),
            "counts": r.counts,
            "baseline_commit": r.baseline_commit.as_deref().map(escape_md),
            "current_commit": r.current_commit.as_deref().map(escape_md),
        })),
        "diffs": diffs,
        "marker": marker(view.environment.as_deref()),
        "environment": view.environment.as_deref().map(escape_md),
        "run_url": view.run_url,
        "report_url": view.report_url,
    })
}

impl Render for Markdown {
    fn render(&self, view: &View) -> Result<String> {
        let (name, src) = match self.kind {
            Kind::Summary => ("summary.md", SUMMARY),
            Kind::Comment => ("comment.md", COMMENT),
        };
        let mut tera = tera::Tera::default();
        tera.add_raw_template(name, src)
            .map_err(|e| Error::Render {
                name: name.into(),
                reason: e.to_string(),
            })?;
        let ctx = tera::Context::from_value(context(view)).map_err(|e| Error::Render {
            name: name.into(),
            reason: e.to_string(),
        })?;
        tera.render(name, &ctx).map_err(|e| Error::Render {
            name: name.into(),
            reason: e.to_string(),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_markdown_and_mentions() {
        assert_eq!(escape_md("a|b"), "a\\|b");
        assert_eq!(escape_md("<script>"), "&lt;script&gt;");
        assert_eq!(escape_md("`x`"), "\\`x\\`");
        assert_eq!(escape_md("@someone"), "@\u{200D}someone");
        assert_eq!(marker(None), "<!-- flameiq:default -->");
        assert_eq!(marker(Some("linux")), "<!-- flameiq:linux -->");
    }
}
