//! GitHub-flavoured Markdown views: the job summary (`templates/summary.md.tera`, also
//! `compare --markdown F`) and the PR/MR comment (`templates/comment.md.tera`, the summary
//! plus the hidden marker that lets the CI code find and edit its own comment).
//!
//! Both open with a one-line verdict, then a table of regressions and warnings (worst
//! first, with a Unicode sparkline of each one's recent history and current value), then
//! every compared metric in a collapsed `<details>`, then links to the run and the report.
//!
//! tera autoescapes only `.html` templates, so every user string passes through
//! [`escape_md`] (pipes, backticks, HTML, `@mentions`, ...) before it reaches a template,
//! and links pass through [`fmt::safe_url`] (http(s) only).
//!
//! Size limits: hosts reject oversized bodies, so [`render_limited`] keeps the output under
//! a [`Limit`] by leaving out rows — the full table's first, then the regressions table's
//! last (least bad) rows — and says how many were left out. A metric key longer than
//! [`MAX_KEY_CHARS`] is shortened with `…` (the HTML report shows it whole).
//!
//! Length (over 500 lines): one renderer (escaping, marker, rows, verdict, fitting, the baseline view) and its tests.

use super::fmt;
use super::{Render, View};
use crate::compare::result::{DiffStatus, MetricDiff, Status};
use crate::error::{Error, Result};
use serde::Serialize;

const SUMMARY: &str = include_str!("../../templates/summary.md.tera");
const COMMENT: &str = include_str!("../../templates/comment.md.tera");
const BASELINE: &str = include_str!("../../templates/baseline.md.tera");

/// Longest metric key shown in Markdown, in characters.
pub const MAX_KEY_CHARS: usize = 200;
/// How many stored values (plus the current one) a sparkline shows.
pub const SPARK_POINTS: usize = 12;

/// Escapes a user string for a GFM table cell or paragraph: HTML-significant characters
/// become entities, Markdown punctuation is backslash-escaped, and `@` is followed by a
/// zero-width joiner so an `@mention` pings nobody (`&#64;` and `\@` still ping).
///
/// Also: `$` is escaped (GitHub renders `$…$` as math); a leading `-`, `+`, `=` or
/// `1.`/`1)` is escaped so the string cannot start a list or a setext heading when it
/// begins a line; line breaks, other control characters and bidi controls become spaces;
/// `#` is followed by a word joiner (U+2060) so `#123` links no issue.
pub fn escape_md(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 8);
    // A leading list item, thematic break or setext underline: `- x`, `+ x`, `1. x`,
    // `1) x`, `---`, `===`. Only these shapes start a block, so `-4.41%` or `12.35k` stay as
    // they are.
    let first = s.chars().next();
    let second = s.chars().nth(1);
    let block =
        |c: char| second.is_none_or(char::is_whitespace) || s.chars().all(|x| x == c || x == ' ');
    let lead = matches!(first, Some(c @ ('-' | '+' | '=')) if block(c));
    let digits = s.chars().take_while(char::is_ascii_digit).count();
    let ordered = digits > 0
        && matches!(s[digits..].chars().next(), Some('.' | ')'))
        && s[digits + 1..]
            .chars()
            .next()
            .is_none_or(char::is_whitespace);
    for (i, c) in s.chars().enumerate() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '|' => out.push_str("\\|"),
            // `\#` stops a heading; the word joiner after it stops `#123` (and
            // `owner/repo#123`) from autolinking an issue, which escapes and entities don't.
            '#' => out.push_str("\\#\u{2060}"),
            '`' | '*' | '_' | '[' | ']' | '\\' | '~' | '!' | '$' => {
                out.push('\\');
                out.push(c);
            }
            '-' | '+' | '=' if i == 0 && lead => {
                out.push('\\');
                out.push(c);
            }
            '.' | ')' if ordered && i == digits => {
                out.push('\\');
                out.push(c);
            }
            '@' => out.push_str("@\u{200D}"),
            c if fmt::unsafe_char(c) => out.push(' '),
            _ => out.push(c),
        }
    }
    out
}

/// The hidden marker that identifies FlameIQ's comment for one environment, one-to-one:
/// two store environments never share a comment.
///
/// - No environment (the default store `<dir>/`): `<!-- flameiq:default -->`.
/// - A name of ASCII letters, digits and `._-/:+` only: the name as is
///   (`<!-- flameiq:linux_x64 -->`), so comments of earlier versions are still found.
/// - Any other name is percent-encoded byte by byte (`linux x64` → `linux%20x64`, `a-->`
///   → `a--%3E`), so it cannot close the HTML comment, and `%` (never kept as is) makes
///   the encoding reversible. The environment named `default` (store `<dir>/default/`, not
///   the default store) becomes `%64efault`.
pub fn marker(environment: Option<&str>) -> String {
    let Some(env) = environment.filter(|e| !e.is_empty()) else {
        return "<!-- flameiq:default -->".to_string();
    };
    let mut out = String::with_capacity(env.len() + 8);
    for (i, b) in env.bytes().enumerate() {
        let keep =
            (b.is_ascii_alphanumeric() || b"._-/:+_".contains(&b)) && !(i == 0 && env == "default");
        if keep {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    format!("<!-- flameiq:{out} -->")
}

/// Which Markdown view.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// `$GITHUB_STEP_SUMMARY` / `--markdown`.
    Summary,
    /// PR / MR comment (carries the marker).
    Comment,
}

impl Kind {
    /// The limit [`Markdown::render`] applies: the job summary's for a summary, a GitHub
    /// comment's for a comment (ask [`render_limited`] with [`GITLAB_NOTE_LIMIT`] for GitLab).
    pub fn default_limit(self) -> Limit {
        match self {
            Kind::Summary => SUMMARY_LIMIT,
            Kind::Comment => COMMENT_LIMIT,
        }
    }
}

use super::limits::{thousands, truncate};
pub use super::limits::{Limit, COMMENT_LIMIT, GITLAB_NOTE_LIMIT, SUMMARY_LIMIT};

/// A Markdown renderer.
pub struct Markdown {
    /// Summary or comment.
    pub kind: Kind,
}

impl Render for Markdown {
    /// Renders under [`Kind::default_limit`].
    fn render(&self, view: &View) -> Result<String> {
        render_limited(view, self.kind, self.kind.default_limit())
    }
}

fn short_key(key: &str) -> String {
    if key.chars().count() > MAX_KEY_CHARS {
        let cut: String = key.chars().take(MAX_KEY_CHARS - 1).collect();
        escape_md(&cut) + "…"
    } else {
        escape_md(key)
    }
}

#[derive(Serialize)]
struct Row {
    icon: &'static str,
    status: &'static str,
    key: String,
    baseline: String,
    current: String,
    change: String,
    threshold: String,
    trend: String,
    /// The p-value when statistics ran for this metric, else `—`.
    p: String,
}

#[derive(Serialize)]
struct CurrentRow {
    key: String,
    value: String,
}

/// What stays the same while rows are left out.
#[derive(Serialize)]
struct Fixed {
    marker: String,
    has_result: bool,
    /// Whether the p-value column is shown.
    statistical_mode: bool,
    icon: &'static str,
    verdict: String,
    detail: String,
    environment: Option<String>,
    total: usize,
    /// `total` with thousands separators, for text.
    total_s: String,
    limit: String,
    extras: Vec<String>,
    run_url: Option<String>,
    report_url: Option<String>,
    /// The accepting label, escaped (None: nothing accepted).
    accepted_by_label: Option<String>,
}

/// One attempt: the fixed part plus the rows kept and how many were left out.
#[derive(Serialize)]
struct Page<'a> {
    #[serde(flatten)]
    fixed: &'a Fixed,
    top: &'a [Row],
    all: &'a [Row],
    current: &'a [CurrentRow],
    omitted_top: usize,
    omitted_all: usize,
    omitted_top_s: String,
    omitted_all_s: String,
}

fn icon(d: &MetricDiff) -> &'static str {
    if d.is_improvement() {
        return "🚀";
    }
    match d.status {
        DiffStatus::Regression => "🔴",
        DiffStatus::Warning => "🟡",
        DiffStatus::InsufficientData => "⚪",
        DiffStatus::Pass => "🟢",
    }
}

fn plural(n: usize, one: &str, many: &str) -> String {
    format!("{} {}", thousands(n), if n == 1 { one } else { many })
}

fn side(commit: Option<&str>, branch: Option<&str>) -> String {
    let mut s = match commit.filter(|c| !c.is_empty()) {
        Some(c) => format!("**{}**", escape_md(c)),
        None => "(no commit)".into(),
    };
    if let Some(b) = branch.filter(|b| !b.is_empty()) {
        s.push_str(&format!(" on {}", escape_md(b)));
    }
    s
}

/// ` · provider go` (escaped), or nothing when the provider is not known.
fn provider_note(view: &View) -> String {
    view.provider_name()
        .map(|p| format!(" · provider {}", escape_md(p)))
        .unwrap_or_default()
}

/// Whether `body` carries `marker` on a line of its own (a quoted marker, `> <!-- … -->`,
/// or one inside a sentence does not count): the rule for "this comment is FlameIQ's".
pub fn has_marker_line(body: &str, marker: &str) -> bool {
    body.lines().any(|l| l.trim() == marker)
}

/// Why that baseline run was used (merge-base baselines, issue 13), for the detail line.
fn baseline_reason_note(r: &crate::compare::result::ComparisonResult) -> String {
    r.baseline_reason
        .as_deref()
        .map(|why| format!(" · baseline: {}", escape_md(why)))
        .unwrap_or_default()
}

/// The note on calibrated `auto` diffs whose best samples left their band while their
/// values stayed in theirs (`auto_baseline.value_check`, issue 14): shown, not failed,
/// and the reader is told why they are not red.
pub fn unconfirmed_line(r: &crate::compare::result::ComparisonResult) -> Option<String> {
    let n = r
        .diffs
        .iter()
        .filter(|d| {
            let beyond = d
                .change_percent
                .is_some_and(|c| crate::compare::is_breach(d.direction, c, d.threshold_percent));
            beyond
                && d.auto_baseline
                    .as_ref()
                    .and_then(|a| a.value_check.as_ref())
                    .is_some_and(|v| !v.breached)
        })
        .count();
    (n > 0).then(|| {
        format!(
            "{} beyond {} best-sample band but not {} value band: not failed, \
             as load can slow a run's samples and not its code (`value_check` in the JSON)",
            plural(n, "metric", "metrics"),
            if n == 1 { "its" } else { "their" },
            if n == 1 { "its" } else { "their" },
        )
    })
}

/// A commit as inline code, shortened; a commit is hex, and anything else in it is dropped
/// rather than escaped.
fn commit_code(c: &str) -> String {
    let c: String = crate::compare::recent::short_commit(c)
        .chars()
        .filter(char::is_ascii_alphanumeric)
        .collect();
    format!("`{c}`")
}

/// The line on calibrated `auto` diffs that had no band yet (`auto_fallback`, issue 14):
/// how many runs their segment had, since which change point, and what judged them
/// instead, e.g. "no `auto` band yet for 2 metrics (1 run since `abc1234`, a change point;
/// a band needs 5): judged against the baseline run by the fixed threshold or the band of
/// all runs, whichever is wider". Right after a change point the baseline run is one of
/// the new level's few runs, so a slowdown measured from it can read smaller than from the
/// level before; the reader is told rather than left to wonder why an `auto` metric shows
/// 10 %.
pub fn fallback_line(r: &crate::compare::result::ComparisonResult) -> Option<String> {
    // (runs, since commit, since a change point, needed) per metric.
    let keys = r
        .diffs
        .iter()
        .filter_map(|d| d.auto_fallback.as_ref())
        .map(|f| {
            (
                f.runs,
                f.since_commit.as_deref(),
                f.since_change_point,
                f.needed,
            )
        });
    let (text, more) = named_segments(keys, |(runs, commit, cp, needed), n| {
        let runs = match (commit, cp) {
            (Some(c), true) => format!(
                "{} since {}, a change point",
                plural(*runs, "run", "runs"),
                commit_code(c)
            ),
            (None, true) => format!("{} since a change point", plural(*runs, "run", "runs")),
            (_, false) => format!("{} of history", plural(*runs, "run", "runs")),
        };
        format!(
            "{} ({runs}; a band needs {needed})",
            plural(n, "metric", "metrics")
        )
    })?;
    let tail = if more > 0 {
        format!("; and {} more", plural(more, "segment", "segments"))
    } else {
        String::new()
    };
    Some(format!(
        "no `auto` band yet for {text}{tail}: judged against the baseline run by the fixed \
         threshold or the band of all runs, whichever is wider"
    ))
}

/// Segments named by [`auto_baseline_line`] and [`fallback_line`] before "and N more".
const AUTO_SEGMENTS_NAMED: usize = 3;

/// Counts equal `keys` (one per metric), largest groups first (ties by key, so the order
/// is a function of the input), and names the first [`AUTO_SEGMENTS_NAMED`] with `name`
/// (key, metrics), joined by "; ". Returns that text and how many groups were left
/// unnamed; `None` for no keys.
fn named_segments<K: Ord>(
    keys: impl Iterator<Item = K>,
    name: impl Fn(&K, usize) -> String,
) -> Option<(String, usize)> {
    let mut groups: Vec<(K, usize)> = Vec::new();
    for k in keys {
        match groups.iter_mut().find(|(g, _)| *g == k) {
            Some((_, n)) => *n += 1,
            None => groups.push((k, 1)),
        }
    }
    if groups.is_empty() {
        return None;
    }
    groups.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
    let text: Vec<String> = groups
        .iter()
        .take(AUTO_SEGMENTS_NAMED)
        .map(|(k, n)| name(k, *n))
        .collect();
    Some((
        text.join("; "),
        groups.len().saturating_sub(AUTO_SEGMENTS_NAMED),
    ))
}

/// The `baseline: …` line of calibrated `auto` diffs (issue 14 item 5): what their
/// baseline is the centre of, e.g. "baseline: segment centre of 15 runs since `abc1234`
/// (a change point), for 3 `auto` metrics"; ", of best samples" when the runs are located
/// by their best sample, so the table's numbers are not mistaken for the tool's values.
/// Metrics sharing a segment are counted together, the largest groups first.
pub fn auto_baseline_line(r: &crate::compare::result::ComparisonResult) -> Option<String> {
    // (runs, since commit, starts at a change point, best samples) per metric.
    let keys = r
        .diffs
        .iter()
        .filter_map(|d| d.auto_baseline.as_ref())
        .map(|a| {
            (
                a.runs,
                a.since_commit.as_deref(),
                a.since_change_point,
                a.location != "value",
            )
        });
    let (text, more) = named_segments(keys, |(runs, commit, cp, best), n| {
        let since = commit.map_or(String::new(), |c| format!(" since {}", commit_code(c)));
        format!(
            "{}{}{}{}, for {} `auto` {}",
            plural(*runs, "run", "runs"),
            since,
            if *cp { " (a change point)" } else { "" },
            if *best { ", of best samples" } else { "" },
            thousands(n),
            if n == 1 { "metric" } else { "metrics" }
        )
    })?;
    let tail = if more > 0 {
        format!("; and {} more segments", thousands(more))
    } else {
        String::new()
    };
    Some(format!("baseline: segment centre of {text}{tail}"))
}

/// Renders the summary or comment so that it stays strictly under `limit`, leaving out
/// table rows (and saying how many) when the whole would not fit: the rows, the verdict,
/// then the largest page that fits.
pub fn render_limited(view: &View, kind: Kind, limit: Limit) -> Result<String> {
    let name = match kind {
        Kind::Summary => "summary.md",
        Kind::Comment => "comment.md",
    };
    let err = |e: tera::Error| Error::Render {
        name: name.into(),
        reason: crate::error::chain(&e),
    };
    let mut tera = tera::Tera::default();
    // The comment includes the summary, so both are always registered.
    tera.add_raw_templates(vec![("summary.md", SUMMARY), ("comment.md", COMMENT)])
        .map_err(err)?;
    let Rows { top, all, current } = rows(view);
    let Verdict {
        icon,
        verdict,
        detail,
        extras,
    } = verdict(view);
    let n_all = if view.result.is_some() {
        all.len()
    } else {
        current.len()
    };
    let fixed = Fixed {
        marker: marker(view.environment.as_deref()),
        has_result: view.result.is_some(),
        statistical_mode: view.result.is_some_and(|r| r.statistical_mode),
        icon,
        verdict,
        detail,
        environment: view.environment.as_deref().map(escape_md),
        total: n_all,
        total_s: thousands(n_all),
        limit: limit.describe(),
        extras,
        run_url: view.run_url.as_deref().and_then(fmt::safe_url),
        report_url: view.report_url.as_deref().and_then(fmt::safe_url),
        accepted_by_label: view.accepted_by_label.as_deref().map(escape_md),
    };
    let render = |k_top: usize, k_all: usize| -> Result<String> {
        let page = Page {
            fixed: &fixed,
            top: &top[..k_top],
            all: &all[..k_all.min(all.len())],
            current: &current[..k_all.min(current.len())],
            omitted_top: top.len() - k_top,
            omitted_all: n_all - k_all,
            omitted_top_s: thousands(top.len() - k_top),
            omitted_all_s: thousands(n_all - k_all),
        };
        let ctx = tera::Context::from_serialize(&page).map_err(err)?;
        tera.render(name, &ctx).map_err(err)
    };
    fit(limit, top.len(), n_all, &render)
}

/// The table rows of a view: the notable ones (regressed or warned, with a trend), all
/// compared ones, or the current values when there is no baseline yet.
struct Rows {
    top: Vec<Row>,
    all: Vec<Row>,
    current: Vec<CurrentRow>,
}

fn rows(view: &View) -> Rows {
    let mut top = Vec::new();
    let mut all = Vec::new();
    let mut current = Vec::new();
    match view.result {
        Some(r) => {
            for d in fmt::ordered(r) {
                let notable = d.is_regression || d.is_human_warning();
                let row = |trend: String| Row {
                    icon: icon(d),
                    status: d.label(),
                    key: short_key(&d.metric_key),
                    baseline: escape_md(&fmt::human(
                        d.baseline_value,
                        &d.metric_key,
                        d.unit.as_deref(),
                    )),
                    current: escape_md(&fmt::human(
                        d.current_value,
                        &d.metric_key,
                        d.unit.as_deref(),
                    )),
                    change: fmt::change(d),
                    threshold: fmt::threshold(d),
                    trend,
                    p: d.p_value
                        .map_or_else(|| "—".to_string(), |p| format!("{p:.4}")),
                };
                if notable {
                    let s =
                        fmt::series(&view.history, &d.metric_key, SPARK_POINTS, d.current_value);
                    top.push(row(if s.len() > 1 {
                        fmt::sparkline(&s)
                    } else {
                        String::new()
                    }));
                }
                all.push(row(String::new()));
            }
        }
        None => {
            for (k, v) in &view.current_only {
                current.push(CurrentRow {
                    key: short_key(k),
                    value: escape_md(&fmt::human(*v, k, view.units.get(k).map(String::as_str))),
                });
            }
        }
    }
    Rows { top, all, current }
}

/// The headline of a view: its icon, the verdict, the detail line and the notes about
/// metrics that were not compared.
struct Verdict {
    icon: &'static str,
    verdict: String,
    detail: String,
    extras: Vec<String>,
}

fn verdict(view: &View) -> Verdict {
    let mut extras = Vec::new();
    let Some(r) = view.result else {
        let detail = format!(
            "{} recorded{}; set a baseline (`flameiq baseline set`) to compare future runs.",
            plural(view.current_only.len(), "metric", "metrics"),
            provider_note(view)
        );
        let (icon, verdict) = ("ℹ️", "no baseline yet".to_string());
        return Verdict {
            icon,
            verdict,
            detail,
            extras,
        };
    };
    let c = r.counts;
    // flameiq-core's `counts.warnings` includes improvements; people are told apart.
    let warnings = r.warnings().count();
    let improved = r.improvements().count();
    let (i, v) = match r.status {
        Status::Regression => (
            "❌",
            format!(
                "{} of {} regressed",
                thousands(c.regressions),
                plural(c.total, "metric", "metrics")
            ),
        ),
        Status::InsufficientData => (
            "❔",
            "no regression, but too few samples to decide for some metrics".into(),
        ),
        Status::Pass if warnings > 0 => (
            "⚠️",
            format!(
                "no regression, {} close to the threshold",
                plural(warnings, "warning", "warnings")
            ),
        ),
        Status::Pass => (
            "✅",
            format!("no regression in {}", plural(c.total, "metric", "metrics")),
        ),
    };
    let v = if r.status == Status::Regression && warnings > 0 {
        format!("{v}, {}", plural(warnings, "warning", "warnings"))
    } else {
        v
    };
    let v = if improved > 0 {
        format!("{v}, {} improved", thousands(improved))
    } else {
        v
    };
    let detail = format!(
        "Baseline {} → current {} · strategy {}{}",
        side(r.baseline.commit.as_deref(), r.baseline.branch.as_deref()),
        side(r.current.commit.as_deref(), r.current.branch.as_deref()),
        escape_md(&r.strategy),
        if r.statistical_mode {
            " · statistics on"
        } else {
            ""
        }
    ) + &provider_note(view)
        + &baseline_reason_note(r);
    extras.extend(auto_baseline_line(r));
    extras.extend(fallback_line(r));
    extras.extend(unconfirmed_line(r));
    if !r.new.is_empty() {
        extras.push(format!(
            "{} only in the current run (not compared)",
            plural(r.new.len(), "metric", "metrics")
        ));
    }
    if !r.missing.is_empty() {
        extras.push(format!(
            "{} missing from the current run",
            plural(r.missing.len(), "metric", "metrics")
        ));
    }
    if !r.skipped.is_empty() {
        extras.push(format!(
            "{} skipped (zero baseline)",
            plural(r.skipped.len(), "metric", "metrics")
        ));
    }
    Verdict {
        icon: i,
        verdict: v,
        detail,
        extras,
    }
}

/// The page with the most rows that stays under `limit`: all rows; else all notable rows and
/// as many of the full table as fit; else as many notable rows as fit; else (absurd inputs,
/// a header over the limit) the header cut to fit ([`truncate`]). `render(k_top, k_all)`
/// renders the page with the first `k_top` notable and `k_all` full-table rows.
fn fit(
    limit: Limit,
    n_top: usize,
    n_all: usize,
    render: &dyn Fn(usize, usize) -> Result<String>,
) -> Result<String> {
    // Largest k in 0..=hi with fits(k); None when even 0 does not fit.
    let largest = |hi: usize, f: &dyn Fn(usize) -> Result<bool>| -> Result<Option<usize>> {
        if f(hi)? {
            return Ok(Some(hi));
        }
        if !f(0)? {
            return Ok(None);
        }
        let (mut lo, mut hi) = (0, hi); // f(lo) true, f(hi) false
        while hi - lo > 1 {
            let mid = lo + (hi - lo) / 2;
            if f(mid)? {
                lo = mid;
            } else {
                hi = mid;
            }
        }
        Ok(Some(lo))
    };
    let full = render(n_top, n_all)?;
    if limit.fits(&full) {
        return Ok(full);
    }
    let k_all = largest(n_all, &|k| Ok(limit.fits(&render(n_top, k)?)))?;
    if let Some(k) = k_all {
        return render(n_top, k);
    }
    if let Some(k) = largest(n_top, &|k| Ok(limit.fits(&render(k, 0)?)))? {
        return render(k, 0);
    }
    // Even the header alone is too big (only with absurd inputs): cut the text itself.
    let note = format!("_Output cut to stay under the {} limit._", limit.describe());
    Ok(truncate(&render(0, 0)?, limit, &note, None))
}

/// The job summary of a baseline run (`templates/baseline.md.tera`): how many metrics were
/// stored, from which commit and branch, and the link to the run. Every value is escaped
/// here; the template adds none of its own.
pub fn render_baseline(
    snap: &crate::schema::Snapshot,
    environment: Option<&str>,
    run_url: Option<&str>,
    stored_in: Option<&str>,
    notices: &[String],
) -> Result<String> {
    let err = |e: tera::Error| Error::Render {
        name: "baseline.md".into(),
        reason: crate::error::chain(&e),
    };
    let mut ctx = tera::Context::new();
    ctx.insert("environment", &environment.map(escape_md));
    ctx.insert("count", &snap.metrics.len());
    ctx.insert(
        "commit",
        &snap.metadata.commit.as_deref().map(|c| c.replace('`', "")),
    );
    ctx.insert("branch", &snap.metadata.branch.as_deref().map(escape_md));
    ctx.insert("run_url", &run_url.and_then(fmt::safe_url));
    ctx.insert("stored_in", &stored_in.map(|s| s.replace('`', "")));
    let notices: Vec<String> = notices.iter().map(|n| escape_md(n)).collect();
    ctx.insert("notices", &notices);
    tera::Tera::one_off(BASELINE, &ctx, false).map_err(err)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn named_segments_counts_orders_and_names_the_largest_groups() {
        // Five distinct keys: counts 1, 3, 2, 1, 2; ties by key.
        let keys = ["e", "b", "b", "c", "b", "a", "c", "d", "d"].into_iter();
        let (text, more) = named_segments(keys, |k, n| format!("{k}={n}")).unwrap();
        assert_eq!(text, "b=3; c=2; d=2");
        assert_eq!(more, 2);
        assert!(named_segments(std::iter::empty::<&str>(), |_, _| String::new()).is_none());
    }

    #[test]
    fn escapes_markdown_and_mentions() {
        assert_eq!(escape_md("a|b"), "a\\|b");
        assert_eq!(escape_md("<script>"), "&lt;script&gt;");
        assert_eq!(escape_md("`x`"), "\\`x\\`");
        assert_eq!(escape_md("@someone"), "@\u{200D}someone");
        assert_eq!(marker(None), "<!-- flameiq:default -->");
        assert_eq!(marker(Some("linux")), "<!-- flameiq:linux -->");
        assert_eq!(
            marker(Some("a --> <b>")),
            "<!-- flameiq:a%20--%3E%20%3Cb%3E -->"
        );
    }

    #[test]
    fn issue19_item12_the_marker_is_one_to_one() {
        // Names that were already safe keep their marker (existing comments are found).
        assert_eq!(marker(Some("linux_x64")), "<!-- flameiq:linux_x64 -->");
        assert_eq!(marker(Some("")), marker(None));
        let names = [
            None,
            Some("default"),
            Some("%64efault"),
            Some("linux x64"),
            Some("linux_x64"),
            Some("linux%20x64"),
            Some("a-->"),
            Some("é"),
            Some("_"),
        ];
        let markers: std::collections::BTreeSet<String> =
            names.iter().map(|n| marker(*n)).collect();
        assert_eq!(markers.len(), names.len(), "{markers:?}");
        for m in &markers {
            let inner = &m["<!-- ".len()..m.len() - " -->".len()];
            assert!(!inner.contains('>') && !inner.contains(' '), "{m}");
        }
    }

    #[test]
    fn escapes_line_starts_math_and_controls() {
        assert_eq!(escape_md("- item"), "\\- item");
        assert_eq!(escape_md("+ x"), "\\+ x");
        assert_eq!(escape_md("==="), "\\===");
        assert_eq!(escape_md("12. x"), "12\\. x");
        assert_eq!(escape_md("1) x"), "1\\) x");
        assert_eq!(escape_md("a-b 1. c"), "a-b 1. c");
        assert_eq!(escape_md("-4.41%"), "-4.41%");
        assert_eq!(escape_md("12.35k"), "12.35k");
        assert_eq!(escape_md("---"), "\\---");
        assert_eq!(escape_md("1."), "1\\.");
        assert_eq!(escape_md("$x$"), "\\$x\\$");
        assert_eq!(escape_md("a\nb\u{7}c"), "a b c");
    }
}
