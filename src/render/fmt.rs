//! Presentation helpers shared by the views: values in human scale, signed thresholds, the
//! order rows are shown in, sparklines, safe links, and [`escape_terminal`] for every
//! untrusted string printed on a terminal or CI log.
//!
//! Units: what a unit means and how a value in it reads (`0.00259` with unit `ms` or `ns`
//! reads `2.59 µs`) is [`crate::units`]; [`human`] applies it to a row, with the unit
//! flameiq-core's well-known keys imply when none is recorded; any other unitless value is
//! a plain number. Everything shows four significant digits with trailing zeros dropped.

use crate::compare::result::{ComparisonResult, DiffStatus, MetricDiff};
use crate::schema::Direction;

pub use crate::units::sig;
use crate::units::Unit;

/// `value` (as stored) in human scale for `unit`, or the unit `key` implies
/// ([`Unit::for_key`]): `2.59 µs`, `1.2 s`, `1.2 GB`, `12.5k ops/s`; a plain number when
/// nothing gives a unit.
pub fn human(value: f64, key: &str, unit: Option<&str>) -> String {
    if !value.is_finite() {
        return value.to_string();
    }
    match Unit::for_key(key, unit) {
        Some(u) => u.human(value),
        None => sig(value, 4),
    }
}

/// The change with its sign and two decimals: `+12.34%`; from a zero baseline (no
/// percentage), the absolute change in human units: `+12 allocs/op`.
pub fn change(d: &MetricDiff) -> String {
    match d.change_percent {
        Some(p) => format!("{p:+.2}%"),
        None => {
            let delta = d.current_value - d.baseline_value;
            let sign = if delta > 0.0 { "+" } else { "" };
            format!(
                "{sign}{} from 0",
                human(delta, &d.metric_key, d.unit.as_deref())
            )
        }
    }
}

/// A character no untrusted string may carry raw into a human output: controls (C0, DEL,
/// C1), line and paragraph separators, bidi marks, embeddings, overrides and isolates, and
/// the BOM.
pub fn unsafe_char(c: char) -> bool {
    c.is_control()
        || matches!(
            c,
            '\u{2028}' | '\u{2029}' | '\u{200E}' | '\u{200F}' | '\u{061C}'
                | '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}' | '\u{FEFF}'
        )
}

/// A string from a metrics file, a config or an API, made safe to print on a terminal or
/// a CI log: every control character (C0, DEL, C1), line and paragraph separator and bidi
/// control is written as visible text (`\n`, `\r`, `\t`, `\e` for ESC, else `\u{202e}`),
/// so no printed line can start a workflow command (`::error::`), repaint a line (`\r`,
/// ANSI sequences) or reorder text (U+202E). Everything else, backslashes included, is kept
/// as it is, so ordinary names read unchanged. Every human output on stdout and stderr goes
/// through this one function.
pub fn escape_terminal(s: &str) -> std::borrow::Cow<'_, str> {
    if !s.chars().any(unsafe_char) {
        return std::borrow::Cow::Borrowed(s);
    }
    let mut out = String::with_capacity(s.len() + 8);
    for c in s.chars() {
        match c {
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            '\u{1b}' => out.push_str("\\e"),
            c if unsafe_char(c) => out.push_str(&format!("\\u{{{:x}}}", c as u32)),
            c => out.push(c),
        }
    }
    std::borrow::Cow::Owned(out)
}

/// The threshold signed by the side it guards: `+10.0%` (lower is better), `-5.0%`
/// (higher is better), `±10.0%` (either way), with ` auto` for history-derived bands.
pub fn threshold(d: &MetricDiff) -> String {
    let t = d.threshold_percent.abs();
    let s = match d.direction {
        Direction::LowerIsBetter => format!("+{t:.1}%"),
        Direction::HigherIsBetter => format!("-{t:.1}%"),
        Direction::Both => format!("±{t:.1}%"),
    };
    if d.threshold_kind == "auto" {
        s + " auto"
    } else {
        s
    }
}

/// A short word for the direction.
pub fn direction(d: Direction) -> &'static str {
    match d {
        Direction::LowerIsBetter => "lower is better",
        Direction::HigherIsBetter => "higher is better",
        Direction::Both => "either way",
    }
}

/// How far the change went towards the bad side, in units of the threshold (> 1 breaches;
/// a change from a zero baseline is infinitely far).
pub fn badness(d: &MetricDiff) -> f64 {
    let change = d
        .change_percent
        .unwrap_or(f64::INFINITY * (d.current_value - d.baseline_value).signum());
    let bad = match d.direction {
        Direction::LowerIsBetter => change,
        Direction::HigherIsBetter => -change,
        Direction::Both => change.abs(),
    };
    bad / d.threshold_percent.abs().max(1e-9)
}

fn rank(d: &MetricDiff) -> u8 {
    if d.is_improvement() {
        return 2;
    }
    match d.status {
        DiffStatus::Regression => 0,
        DiffStatus::Warning => 1,
        DiffStatus::InsufficientData => 3,
        DiffStatus::Pass => 4,
    }
}

/// The diffs in display order: regressions, warnings, improvements, insufficient data,
/// passes; the worst first within each group, then by key (so the order is total and
/// deterministic).
pub fn ordered(r: &ComparisonResult) -> Vec<&MetricDiff> {
    let mut ds: Vec<&MetricDiff> = r.diffs.iter().collect();
    ds.sort_by(|a, b| {
        rank(a)
            .cmp(&rank(b))
            .then(badness(b).total_cmp(&badness(a)))
            .then(a.metric_key.cmp(&b.metric_key))
    });
    ds
}

/// `p` as `0.0123`, or `<0.0001`.
pub fn p_value(p: f64) -> String {
    if p < 0.0001 {
        "<0.0001".into()
    } else {
        format!("{p:.4}")
    }
}

/// A Unicode sparkline (`▁▂▃▄▅▆▇█`) of the values, scaled from their minimum to maximum;
/// a flat series sits in the middle.
pub fn sparkline(values: &[f64]) -> String {
    const BARS: [char; 8] = ['▁', '▂', '▃', '▄', '▅', '▆', '▇', '█'];
    let finite: Vec<f64> = values.iter().copied().filter(|v| v.is_finite()).collect();
    let lo = finite.iter().copied().fold(f64::INFINITY, f64::min);
    let hi = finite.iter().copied().fold(f64::NEG_INFINITY, f64::max);
    finite
        .iter()
        .map(|v| {
            if hi - lo <= f64::EPSILON * hi.abs().max(1.0) {
                BARS[3]
            } else {
                let i = ((v - lo) / (hi - lo) * 7.0).round() as usize;
                BARS[i.min(7)]
            }
        })
        .collect()
}

/// `url` when it is an absolute `http(s)` URL, with the characters that could end a Markdown
/// link or an attribute percent-encoded; `None` for anything else (`javascript:` etc.).
pub fn safe_url(url: &str) -> Option<String> {
    let u = url.trim();
    let lower = u.to_ascii_lowercase();
    if !(lower.starts_with("https://") || lower.starts_with("http://")) {
        return None;
    }
    let mut out = String::with_capacity(u.len());
    for c in u.chars() {
        match c {
            ' ' => out.push_str("%20"),
            '"' => out.push_str("%22"),
            '\'' => out.push_str("%27"),
            '(' => out.push_str("%28"),
            ')' => out.push_str("%29"),
            '<' => out.push_str("%3C"),
            '>' => out.push_str("%3E"),
            '`' => out.push_str("%60"),
            '|' => out.push_str("%7C"),
            '\\' => out.push_str("%5C"),
            c if c.is_control() => {}
            c => out.push(c),
        }
    }
    Some(out)
}

/// The last `n` history values of `key` plus the current value (oldest first).
pub fn series(
    history: &indexmap::IndexMap<String, Vec<f64>>,
    key: &str,
    n: usize,
    current: f64,
) -> Vec<f64> {
    let h = history.get(key).map(Vec::as_slice).unwrap_or(&[]);
    let mut v: Vec<f64> = h[h.len().saturating_sub(n)..].to_vec();
    v.push(current);
    v
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn human_scale() {
        assert_eq!(human(0.00259, "k", Some("ms")), "2.59 µs");
        assert_eq!(human(0.00259, "k", Some("ns")), "2.59 µs");
        assert_eq!(human(1200.0, "k", Some("ms")), "1.2 s");
        assert_eq!(human(12.5, "k", Some("ms")), "12.5 ms");
        assert_eq!(human(0.0000005, "k", Some("ms")), "0.5 ns");
        assert_eq!(human(1.2e9, "k", Some("B")), "1.2 GB");
        assert_eq!(human(512.0, "k", Some("B/op")), "512 B/op");
        assert_eq!(human(2048.0, "memory_mb", None), "2.048 GB");
        assert_eq!(human(12_345.0, "k", Some("ops/s")), "12.35k ops/s");
        assert_eq!(human(12_345.0, "throughput", None), "12.35k ops/s");
        assert_eq!(human(42.0, "cpu_percent", None), "42%");
        assert_eq!(human(8.9, "custom.parse_ms", None), "8.9 ms");
        assert_eq!(human(3.0, "k", Some("allocs/op")), "3 allocs/op");
        assert_eq!(human(0.1 + 0.2, "k", None), "0.3");
        assert_eq!(human(999.99, "k", Some("ms")), "1 s");
        assert_eq!(human(-3.5, "k", Some("ms")), "-3.5 ms");
    }

    #[test]
    fn issue19_item1_escape_terminal_makes_controls_visible() {
        assert_eq!(escape_terminal("latency.p95"), "latency.p95");
        assert_eq!(escape_terminal("a\\b"), "a\\b");
        assert_eq!(
            escape_terminal("x\n::error title=S::ok\r\u{1b}[2K\t\u{202e}\u{85}\u{7f}"),
            "x\\n::error title=S::ok\\r\\e[2K\\t\\u{202e}\\u{85}\\u{7f}"
        );
    }

    #[test]
    fn sig_digits() {
        assert_eq!(sig(123456.7, 4), "123457");
        assert_eq!(sig(0.012345, 4), "0.01235");
        assert_eq!(sig(-0.0, 4), "0");
    }

    #[test]
    fn sparkline_scales() {
        assert_eq!(
            sparkline(&[1.0, 2.0, 3.0, 4.0, 5.0, 6.0, 7.0, 8.0]),
            "▁▂▃▄▅▆▇█"
        );
        assert_eq!(sparkline(&[5.0, 5.0]), "▄▄");
        assert_eq!(sparkline(&[]), "");
    }

    #[test]
    fn urls_are_checked() {
        assert_eq!(safe_url("javascript:alert(1)"), None);
        assert_eq!(
            safe_url("https://x/a b)(\"").as_deref(),
            Some("https://x/a%20b%29%28%22")
        );
    }
}
