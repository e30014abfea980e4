//! The self-contained HTML report (`templates/report.html.tera`): inline CSS and SVG,
//! nothing loaded from elsewhere, every user string escaped by tera's HTML autoescape.
//!
//! Safety: the template is registered as `report.html`, so tera escapes every `{{ }}`;
//! nothing in it uses `| safe`. SVG geometry is computed here as numbers (formatted to one
//! decimal, so output is byte-stable) and only numbers and fixed class names reach SVG
//! attributes. Links (`run_url`, `report_url`) must be http(s). A Content-Security-Policy
//! meta tag (`default-src 'none'; style-src 'unsafe-inline'; img-src data:`) makes the
//! browser refuse any request the page might still try.
//!
//! Charts: each metric row carries (1) a bar of its change on a scale shared by all rows,
//! with its threshold as a dashed line and the breaching side shaded, and (2) a trend line
//! of its last [`TREND_POINTS`] stored values plus the current one, the baseline value
//! marked as a hollow dot (at the last stored run; for a file baseline with no history, as
//! the first point) and the current value as a filled dot in the verdict's colour.
//! Rows are in [`fmt::ordered`] order: regressions first, worst first.
//!
//! Size: about 1.1 KB per metric with a 20-run history, so 1,000 metrics stay well under
//! 2 MB (asserted in `tests/render.rs`).
//!
//! Length (over 500 lines): one view of the report, built in one place so every value is escaped once before the template sees it; `context` is split into its steps (no result, verdict, ticks, counts, rows).

use super::fmt;
use super::{Render, View};
use crate::compare::result::{ComparisonResult, DiffStatus, MetricDiff, Status};
use crate::error::{Error, Result};
use crate::schema::Direction;
use serde::Serialize;

const TEMPLATE: &str = include_str!("../../templates/report.html.tera");

/// Stored values shown per trend line (the current value is added to these).
pub const TREND_POINTS: usize = 20;

/// Width of a change bar's SVG viewBox.
const BAR_W: f64 = 200.0;
/// Trend viewBox size and padding.
const TREND_W: f64 = 120.0;
const TREND_H: f64 = 28.0;
const TREND_PAD: f64 = 3.5;

/// The HTML report.
pub struct Html;

#[derive(Serialize)]
struct Side {
    label: &'static str,
    commit: Option<String>,
    branch: Option<String>,
    environment: Option<String>,
    time: Option<String>,
    run_id: Option<String>,
}

#[derive(Serialize)]
struct Count {
    n: usize,
    label: &'static str,
    cls: &'static str,
}

#[derive(Serialize)]
struct Span {
    x: String,
    w: String,
}

#[derive(Serialize)]
struct Bar {
    zones: Vec<Span>,
    lines: Vec<String>,
    x: String,
    w: String,
    clipped: bool,
}

/// One side's samples drawn as a box plot over a strip of its values (the lane `y`).
#[derive(Serialize)]
struct Lane {
    y: String,
    /// Box top, and the median's ends.
    by: String,
    t: String,
    b: String,
    cls: &'static str,
    lo: String,
    hi: String,
    q1: String,
    w: String,
    med: String,
    dots: Vec<String>,
}

/// The samples' spread of a row (baseline lane above, current below), where the runs
/// have samples.
#[derive(Serialize)]
struct Spread {
    lanes: Vec<Lane>,
    label: String,
}

#[derive(Serialize)]
struct Trend {
    points: String,
    base_y: String,
    bx: String,
    cx: String,
    cy: String,
    runs: usize,
    /// Change points on the line: x and the tooltip naming the commit.
    marks: Vec<Mark>,
}

#[derive(Serialize)]
struct Mark {
    x: String,
    label: String,
}

#[derive(Serialize)]
struct Row {
    key: String,
    /// The key split after `.`, `_`, `/`, `-` and `:`, so it can wrap there (`<wbr>`).
    segs: Vec<String>,
    status: &'static str,
    cls: &'static str,
    baseline: String,
    current: String,
    change: String,
    threshold: String,
    direction: &'static str,
    arrow: &'static str,
    p: Option<String>,
    d: Option<String>,
    test: Option<String>,
    bar: Bar,
    trend: Trend,
    spread: Option<Spread>,
}

#[derive(Serialize)]
struct Tick {
    x: String,
    label: String,
    anchor: &'static str,
}

#[derive(Serialize)]
struct CurrentRow {
    key: String,
    value: String,
}

#[derive(Serialize)]
struct Skip {
    key: String,
    reason: String,
}

#[derive(Serialize)]
struct Ctx {
    version: &'static str,
    environment: Option<String>,
    has_result: bool,
    status: &'static str,
    icon: &'static str,
    headline: &'static str,
    verdict: String,
    strategy: Option<String>,
    provider: Option<String>,
    statistical_mode: bool,
    /// Some row has samples: the report gets a Samples column.
    has_samples: bool,
    sides: Vec<Side>,
    counts: Vec<Count>,
    ticks: Vec<Tick>,
    zero_x: String,
    rows: Vec<Row>,
    new: Vec<String>,
    missing: Vec<String>,
    skipped: Vec<Skip>,
    current: Vec<CurrentRow>,
    run_url: Option<String>,
    report_url: Option<String>,
}

fn n1(v: f64) -> String {
    let s = format!("{v:.1}");
    let s = s.strip_suffix(".0").unwrap_or(&s).to_string();
    if s == "-0" {
        "0".into()
    } else {
        s
    }
}

/// A "nice" scale bound at least `v`: 1, 2, 2.5, 5 × 10ⁿ.
fn nice(v: f64) -> f64 {
    let v = v.max(1.0);
    let mag = 10f64.powf(v.log10().floor());
    for m in [1.0, 2.0, 2.5, 5.0, 10.0] {
        if m * mag >= v - 1e-9 {
            return m * mag;
        }
    }
    10.0 * mag
}

/// The half-width (in percent) of the shared change scale: wide enough for every
/// threshold with room to spare, for most changes, but not stretched by one outlier
/// (bars beyond it are clipped and flagged).
fn domain(r: &ComparisonResult) -> f64 {
    let t = r
        .diffs
        .iter()
        .map(|d| d.threshold_percent.abs())
        .fold(0.0, f64::max);
    let m = r
        .diffs
        .iter()
        .filter_map(|d| d.change_percent)
        .map(f64::abs)
        .filter(|c| c.is_finite())
        .fold(0.0, f64::max);
    let lo = (t * 1.5).max(5.0);
    let hi = (t * 4.0).max(50.0);
    nice((m * 1.1).clamp(lo, hi))
}

fn bar(d: &MetricDiff, dom: f64) -> Bar {
    let half = BAR_W / 2.0;
    let x = |c: f64| (half + c / dom * half).clamp(0.0, BAR_W);
    let t = d.threshold_percent.abs();
    let mut zones = Vec::new();
    let mut lines = Vec::new();
    if matches!(d.direction, Direction::LowerIsBetter | Direction::Both) {
        let a = x(t);
        zones.push(Span {
            x: n1(a),
            w: n1(BAR_W - a),
        });
        lines.push(n1(a));
    }
    if matches!(d.direction, Direction::HigherIsBetter | Direction::Both) {
        let a = x(-t);
        zones.push(Span {
            x: "0".into(),
            w: n1(a),
        });
        lines.push(n1(a));
    }
    // A change from a zero baseline has no percentage: a full, clipped bar on its side.
    let pct = d
        .change_percent
        .unwrap_or(f64::INFINITY * (d.current_value - d.baseline_value).signum());
    let pct = if pct.is_nan() { 0.0 } else { pct };
    let c = x(pct);
    let (x0, x1) = if c < half { (c, half) } else { (half, c) };
    Bar {
        zones,
        lines,
        x: n1(x0),
        // A zero change still shows as a hairline.
        w: n1((x1 - x0).max(0.8)),
        clipped: pct.abs() > dom,
    }
}

fn trend(view: &View, d: &MetricDiff) -> Trend {
    let h = view
        .history
        .get(&d.metric_key)
        .map(Vec::as_slice)
        .unwrap_or(&[]);
    let h = &h[h.len().saturating_sub(TREND_POINTS)..];
    let mut vals: Vec<f64> = if h.is_empty() {
        vec![d.baseline_value]
    } else {
        h.to_vec()
    };
    vals.push(d.current_value);
    let base_i = vals.len() - 2;
    let lo = vals
        .iter()
        .copied()
        .chain([d.baseline_value])
        .filter(|v| v.is_finite())
        .fold(f64::INFINITY, f64::min);
    let hi = vals
        .iter()
        .copied()
        .chain([d.baseline_value])
        .filter(|v| v.is_finite())
        .fold(f64::NEG_INFINITY, f64::max);
    let span = hi - lo;
    let y = |v: f64| {
        if span.is_nan() || span <= 0.0 || !v.is_finite() {
            TREND_H / 2.0
        } else {
            TREND_H - TREND_PAD - (v - lo) / span * (TREND_H - 2.0 * TREND_PAD)
        }
    };
    let step = (TREND_W - 2.0 * TREND_PAD) / (vals.len() - 1) as f64;
    let xi = |i: usize| TREND_PAD + i as f64 * step;
    let points = vals
        .iter()
        .enumerate()
        .map(|(i, v)| format!("{},{}", n1(xi(i)), n1(y(*v))))
        .collect::<Vec<_>>()
        .join(" ");
    // The shown values are the last `h.len()` of the history: shift the marks' indices.
    let all = view.history.get(&d.metric_key).map_or(0, Vec::len);
    let offset = all - h.len();
    let marks = view
        .change_marks
        .get(&d.metric_key)
        .map(|ms| {
            ms.iter()
                .filter(|m| m.index >= offset && m.index < all && !h.is_empty())
                .map(|m| Mark {
                    // Halfway between the last run before and the first run after.
                    x: n1(xi(m.index - offset) - step / 2.0),
                    label: m.label(),
                })
                .collect()
        })
        .unwrap_or_default();
    Trend {
        marks,
        points,
        base_y: n1(y(d.baseline_value)),
        bx: n1(xi(base_i)),
        cx: n1(xi(vals.len() - 1)),
        cy: n1(y(d.current_value)),
        runs: h.len(),
    }
}

fn row(view: &View, d: &MetricDiff, dom: f64) -> Row {
    let unit = d.unit.as_deref();
    let (status, cls) = match d.status {
        _ if d.is_improvement() => ("improved", "p"),
        DiffStatus::Regression => ("regression", "r"),
        DiffStatus::Warning => ("warning", "w"),
        DiffStatus::InsufficientData => ("insufficient data", "i"),
        DiffStatus::Pass => ("pass", "p"),
    };
    Row {
        key: d.metric_key.clone(),
        segs: segments(&d.metric_key),
        status,
        cls,
        baseline: fmt::human(d.baseline_value, &d.metric_key, unit),
        current: fmt::human(d.current_value, &d.metric_key, unit),
        change: fmt::change(d),
        threshold: fmt::threshold(d),
        direction: fmt::direction(d.direction),
        arrow: match d.direction {
            Direction::LowerIsBetter => "↓",
            Direction::HigherIsBetter => "↑",
            Direction::Both => "↕",
        },
        p: d.p_value.map(fmt::p_value),
        d: d.effect_size.map(|e| format!("{e:.2}")),
        test: d.test.clone(),
        bar: bar(d, dom),
        trend: trend(view, d),
        spread: spread(view, d),
    }
}

/// Linear-interpolated quantile of sorted values.
fn quantile(sorted: &[f64], q: f64) -> f64 {
    let r = (sorted.len() - 1) as f64 * q;
    let (a, b) = (r.floor() as usize, r.ceil() as usize);
    sorted[a] + (sorted[b] - sorted[a]) * (r - a as f64)
}

/// Baseline and current samples on one scale: whiskers min–max, a q1–q3 box, the median
/// and, up to 60 samples, every sample as a dot.
fn spread(view: &View, d: &MetricDiff) -> Option<Spread> {
    let (b, c) = view.samples.get(&d.metric_key)?;
    let sides: Vec<(&str, &'static str, f64, Vec<f64>)> =
        [("baseline", "bs", 8.0, b), ("current", "cs", 20.0, c)]
            .into_iter()
            .filter_map(|(name, cls, y, v)| {
                let mut v: Vec<f64> = v.iter().copied().filter(|x| x.is_finite()).collect();
                v.sort_by(f64::total_cmp);
                (v.len() >= 2).then_some((name, cls, y, v))
            })
            .collect();
    if sides.is_empty() {
        return None;
    }
    let lo = sides.iter().map(|s| s.3[0]).fold(f64::INFINITY, f64::min);
    let hi = sides
        .iter()
        .map(|s| s.3[s.3.len() - 1])
        .fold(f64::NEG_INFINITY, f64::max);
    let x = |v: f64| {
        if hi > lo {
            TREND_PAD + (v - lo) / (hi - lo) * (TREND_W - 2.0 * TREND_PAD)
        } else {
            TREND_W / 2.0
        }
    };
    let unit = d.unit.as_deref();
    let human = |v: f64| fmt::human(v, &d.metric_key, unit);
    let mut label = Vec::new();
    let lanes = sides
        .iter()
        .map(|(name, cls, y, v)| {
            let (q1, med, q3) = (quantile(v, 0.25), quantile(v, 0.5), quantile(v, 0.75));
            label.push(format!(
                "{name}: {} samples, median {}, {} to {}",
                v.len(),
                human(med),
                human(v[0]),
                human(v[v.len() - 1])
            ));
            Lane {
                y: n1(*y),
                by: n1(y - 3.0),
                t: n1(y - 4.5),
                b: n1(y + 4.5),
                cls,
                lo: n1(x(v[0])),
                hi: n1(x(v[v.len() - 1])),
                q1: n1(x(q1)),
                w: n1((x(q3) - x(q1)).max(0.8)),
                med: n1(x(med)),
                dots: if v.len() <= 60 {
                    v.iter().map(|&s| n1(x(s))).collect()
                } else {
                    Vec::new()
                },
            }
        })
        .collect();
    Some(Spread {
        lanes,
        label: label.join("; "),
    })
}

fn segments(key: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut cur = String::new();
    for c in key.chars() {
        cur.push(c);
        if matches!(c, '.' | '_' | '/' | '-' | ':') && cur.chars().count() > 3 {
            out.push(std::mem::take(&mut cur));
        }
    }
    if !cur.is_empty() || out.is_empty() {
        out.push(cur);
    }
    out
}

fn side(label: &'static str, s: &crate::compare::result::SideInfo) -> Side {
    let f = |o: &Option<String>| o.clone().filter(|v| !v.is_empty());
    Side {
        label,
        commit: f(&s.commit),
        branch: f(&s.branch),
        environment: f(&s.environment),
        time: f(&s.timestamp),
        run_id: f(&s.run_id),
    }
}

/// The view's template context: the no-baseline page ([`no_result`]), filled in with the
/// verdict, the scale, the counts and the rows when there is a comparison.
fn context(view: &View) -> Ctx {
    let mut ctx = no_result(view);
    let Some(r) = view.result else {
        return ctx;
    };
    // flameiq-core's `counts.warnings` includes improvements; people are told apart.
    let warnings = r.warnings().count();
    let improved = r.improvements().count();
    let (status, icon, headline, verdict) = verdict(r, warnings, improved);
    let dom = domain(r);
    ctx.has_result = true;
    ctx.status = status;
    ctx.icon = icon;
    ctx.headline = headline;
    ctx.verdict = verdict;
    ctx.strategy = Some(r.strategy.clone());
    ctx.statistical_mode = r.statistical_mode;
    ctx.sides = vec![side("Baseline", &r.baseline), side("Current", &r.current)];
    ctx.counts = counts(r, warnings, improved);
    ctx.ticks = ticks(dom);
    ctx.rows = fmt::ordered(r)
        .into_iter()
        .map(|d| row(view, d, dom))
        .collect();
    ctx.has_samples = ctx.rows.iter().any(|r| r.spread.is_some());
    ctx.new = r.new.clone();
    ctx.missing = r.missing.clone();
    ctx.skipped = r
        .skipped
        .iter()
        .map(|s| Skip {
            key: s.metric_key.clone(),
            reason: s.reason.clone(),
        })
        .collect();
    ctx
}

/// The page without a comparison: the current values only.
fn no_result(view: &View) -> Ctx {
    Ctx {
        version: env!("CARGO_PKG_VERSION"),
        environment: view.environment.clone().filter(|e| !e.is_empty()),
        has_result: false,
        status: "none",
        icon: "ℹ",
        headline: "No baseline yet",
        verdict: format!(
            "These are the {} current values; set a baseline (flameiq baseline set) to compare future runs.",
            view.current_only.len()
        ),
        strategy: None,
        provider: view.provider_name().map(str::to_string),
        statistical_mode: false,
        has_samples: false,
        sides: vec![],
        counts: vec![],
        ticks: vec![],
        zero_x: n1(BAR_W / 2.0),
        rows: vec![],
        new: vec![],
        missing: vec![],
        skipped: vec![],
        current: view
            .current_only
            .iter()
            .map(|(k, v)| CurrentRow {
                key: k.clone(),
                value: fmt::human(*v, k, view.units.get(k).map(String::as_str)),
            })
            .collect(),
        run_url: view.run_url.as_deref().and_then(fmt::safe_url),
        report_url: view.report_url.as_deref().and_then(fmt::safe_url),
    }
}

/// Status class, icon, headline and the verdict sentence.
fn verdict(
    r: &ComparisonResult,
    warnings: usize,
    improved: usize,
) -> (&'static str, &'static str, &'static str, String) {
    let c = r.counts;
    let improved_note = if improved > 0 {
        format!(
            " {improved} {} improved.",
            if improved == 1 { "metric" } else { "metrics" }
        )
    } else {
        String::new()
    };
    let insufficient = r
        .diffs
        .iter()
        .filter(|d| d.status == DiffStatus::InsufficientData)
        .count();
    let s = |n: usize, one: &str, many: &str| format!("{n} {}", if n == 1 { one } else { many });
    match r.status {
        Status::Regression => (
            "regression",
            "✗",
            "Regression",
            format!(
                "{} of {} regressed{}.{improved_note}",
                c.regressions,
                s(c.total, "metric", "metrics"),
                if warnings > 0 {
                    format!(", {}", s(warnings, "warning", "warnings"))
                } else {
                    String::new()
                }
            ),
        ),
        Status::InsufficientData => (
            "insufficient",
            "?",
            "Insufficient data",
            format!(
                "No regression, but too few samples to decide for {}.",
                s(insufficient, "metric", "metrics")
            ),
        ),
        Status::Pass if warnings > 0 => (
            "warning",
            "!",
            "Pass with warnings",
            format!(
                "No regression; {} close to the threshold.{improved_note}",
                s(warnings, "metric is", "metrics are")
            ),
        ),
        Status::Pass => (
            "pass",
            "✓",
            "Pass",
            format!(
                "All {} within threshold.{improved_note}",
                s(c.total, "metric", "metrics")
            ),
        ),
    }
}

/// The five ticks of the change axis, over `±dom` percent.
fn ticks(dom: f64) -> Vec<Tick> {
    let half = BAR_W / 2.0;
    [-1.0, -0.5, 0.0, 0.5, 1.0]
        .iter()
        .map(|f| Tick {
            x: n1(half + f * half),
            label: if *f == 0.0 {
                "0".into()
            } else {
                format!(
                    "{}{}%",
                    if *f > 0.0 { "+" } else { "" },
                    fmt::sig(f * dom, 3)
                )
            },
            anchor: if *f < -0.9 {
                "start"
            } else if *f > 0.9 {
                "end"
            } else {
                "middle"
            },
        })
        .collect()
}

/// The counts row: regressed, warnings, improved, passed, compared, new, not compared.
fn counts(r: &ComparisonResult, warnings: usize, improved: usize) -> Vec<Count> {
    let c = r.counts;
    vec![
        Count {
            n: c.regressions,
            label: "regressed",
            cls: "r",
        },
        Count {
            n: warnings,
            label: "warnings",
            cls: "w",
        },
        Count {
            n: improved,
            label: "improved",
            cls: "p",
        },
        Count {
            n: c.total - c.regressions - warnings - improved,
            label: "passed",
            cls: "p",
        },
        Count {
            n: c.total,
            label: "compared",
            cls: "x",
        },
        Count {
            n: r.new.len(),
            label: "new",
            cls: "x",
        },
        Count {
            n: r.missing.len() + r.skipped.len(),
            label: "not compared",
            cls: "x",
        },
    ]
}

impl Render for Html {
    fn render(&self, view: &View) -> Result<String> {
        let mut tera = tera::Tera::default();
        // The `.html` name turns on tera's autoescaping for every `{{ }}`.
        tera.add_raw_template("report.html", TEMPLATE)
            .map_err(|e| render_error(&e))?;
        let ctx = tera::Context::from_serialize(context(view)).map_err(|e| render_error(&e))?;
        tera.render("report.html", &ctx)
            .map_err(|e| render_error(&e))
    }
}

fn render_error(e: &tera::Error) -> Error {
    Error::Render {
        name: "report.html".into(),
        reason: crate::error::chain(e),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nice_bounds() {
        assert_eq!(nice(7.0), 10.0);
        assert_eq!(nice(15.0), 20.0);
        assert_eq!(nice(22.0), 25.0);
        assert_eq!(nice(50.0), 50.0);
        assert_eq!(nice(0.1), 1.0);
    }

    #[test]
    fn one_decimal_numbers() {
        assert_eq!(n1(100.0), "100");
        assert_eq!(n1(3.26), "3.3");
        assert_eq!(n1(-0.01), "0");
    }
}
