//! `catch2`: Catch2 v2/v3 benchmark output, console (the default reporter) or XML (`-r xml`).
//! Format: <https://github.com/catchorg/Catch2/blob/devel/docs/benchmarks.md> and
//! <https://github.com/catchorg/Catch2/blob/devel/docs/reporters.md>.
//!
//! Console: after the `benchmark name  samples  iterations  estimated` header and its dashed
//! rule, each benchmark is a row `name samples iterations <estimate> <unit>`, then
//! `mean low-mean high-mean` (each `<value> <unit>`), then the standard deviations. A long
//! name wrapped over several lines is joined with spaces. XML: each `<BenchmarkResults
//! name=...>` element's `<mean value=...>` (nanoseconds).
//!
//! Decisions: the value is the mean, converted to ms, lower is better; Catch2 prints no raw
//! samples, so none are kept. A benchmark Catch2 reports as failed (`Benchmark failed (...)`
//! row, or a `BenchmarkResults` without a mean) and a failed test case are reported as
//! warnings naming them. A benchmark row whose numbers cannot be read is an error naming
//! the line.

use super::util::{num, put_measure, Suffixes};
use super::{Input, Provider};
use crate::error::{Error, Result};
use crate::schema::Snapshot;

/// Catch2 console or XML output.
pub struct Catch2;

const NAME: &str = "catch2";

impl Provider for Catch2 {
    fn name(&self) -> &'static str {
        NAME
    }

    fn detect(&self, input: &Input) -> bool {
        input.text.as_deref().is_some_and(|t| {
            is_xml(t)
                || t.lines().any(|l| {
                    let l = l.trim_start();
                    l.starts_with("benchmark name") && l.contains("samples")
                })
        })
    }

    /// The XML report is structural; in the console table, the benchmark rows count.
    fn result_lines(&self, input: &Input) -> Option<usize> {
        let text = input.text.as_deref()?;
        (!is_xml(text)).then(|| text.lines().filter(|l| name_row(l).is_some()).count())
    }

    fn parse(&self, input: &Input) -> Result<Snapshot> {
        let text = input.text(NAME)?;
        let mut snap = Snapshot::new();
        if is_xml(text) {
            parse_xml(text, &mut snap);
        } else {
            parse_console(text, &mut snap)
                .map_err(|reason| Error::parse(NAME, &input.path, reason))?;
        }
        if snap.metrics.is_empty() {
            return Err(Error::parse(
                NAME,
                &input.path,
                "expected Catch2 benchmark results: a 'benchmark name  samples  iterations' \
                 table (console reporter) or <BenchmarkResults> elements (-r xml)",
            ));
        }
        Ok(snap)
    }
}

fn is_xml(t: &str) -> bool {
    let head = t.trim_start_matches(['\u{feff}', ' ', '\t', '\r', '\n']);
    (head.starts_with("<?xml") || head.starts_with("<Catch")) && t.contains("<BenchmarkResults")
}

fn is_rule(l: &str, c: char) -> bool {
    let l = l.trim();
    l.len() >= 10 && l.chars().all(|x| x == c)
}

/// Splits off the last whitespace-separated token: `"a b  c"` → (`"a b"`, `"c"`).
fn split_last(s: &str) -> Option<(&str, &str)> {
    let s = s.trim_end();
    match s.rfind(char::is_whitespace) {
        Some(i) => Some((s.get(..i)?.trim_end(), s.get(i..)?.trim_start())),
        None => Some(("", s)),
    }
}

/// A row `name samples iterations estimate unit` → the name part, if the numbers parse.
fn name_row(l: &str) -> Option<&str> {
    let (rest, unit) = split_last(l)?;
    let (rest, est) = split_last(rest)?;
    let (rest, iters) = split_last(rest)?;
    let (name, samples) = split_last(rest)?;
    crate::units::is_time(unit).then_some(())?;
    num(est)?;
    num(iters)?;
    num(samples)?;
    Some(name.trim())
}

fn parse_console(text: &str, snap: &mut Snapshot) -> std::result::Result<(), String> {
    let seen = &mut Suffixes::default();
    let lines: Vec<&str> = text.lines().collect();
    // Four lines per benchmark.
    super::util::reserve(snap, lines.len() / 4);
    let mut test_case = String::new();
    let mut in_table = false;
    let mut name_parts: Vec<&str> = Vec::new();
    let mut i = 0;
    while let Some(&l) = lines.get(i) {
        i += 1;
        if l.trim_start().starts_with("benchmark name") {
            // Skip the header's continuation lines up to its dashed rule.
            while let Some(&h) = lines.get(i) {
                i += 1;
                if is_rule(h, '-') {
                    break;
                }
            }
            in_table = true;
            name_parts.clear();
            continue;
        }
        if is_rule(l, '-') || is_rule(l, '=') {
            in_table = false;
            if is_rule(l, '-') {
                if let Some(next) = lines.get(i).filter(|n| !is_rule(n, '-') && !n.is_empty()) {
                    test_case = next.trim().to_string();
                }
            }
            continue;
        }
        if l.contains("FAILED") {
            tracing::warn!("catch2: test case '{test_case}' failed");
        }
        if !in_table || l.trim().is_empty() {
            continue;
        }
        let Some(name) = name_row(l) else {
            // Part of a long, wrapped benchmark name.
            name_parts.push(l.trim());
            continue;
        };
        name_parts.push(name);
        let full = name_parts.join(" ");
        name_parts.clear();
        let mean_line = lines.get(i).copied().unwrap_or("");
        if mean_line.contains("Benchmark failed") || mean_line.contains("benchmark failed") {
            tracing::warn!(
                "catch2: benchmark '{full}' failed: {}",
                mean_line.trim().trim_end_matches(':')
            );
            i += 1;
            continue;
        }
        let mut tok = mean_line.split_whitespace();
        let (Some(v), Some(u)) = (tok.next().and_then(num), tok.next()) else {
            return Err(format!(
                "line {}: expected the mean '<value> <unit>' of benchmark '{full}'",
                i + 1
            ));
        };
        if !crate::units::is_time(u) {
            return Err(format!("line {}: unknown time unit '{u}'", i + 1));
        }
        // The mean row, then the standard-deviation row.
        i += 2;
        put_measure(snap, seen, format!("custom.{full}"), v, u, None, Vec::new());
    }
    Ok(())
}

/// The attributes of the tag starting right after its name, up to `>`.
fn attrs(tag: &str) -> Vec<(&str, String)> {
    let mut out = Vec::new();
    let mut rest = tag;
    while let Some(eq) = rest.find('=') {
        let key = rest.get(..eq).unwrap_or("").trim();
        let after = rest.get(eq + 1..).unwrap_or("").trim_start();
        let Some(q) = after.chars().next().filter(|c| *c == '"' || *c == '\'') else {
            break;
        };
        let body = after.get(1..).unwrap_or("");
        let Some(end) = body.find(q) else {
            break;
        };
        out.push((key, unescape(body.get(..end).unwrap_or(""))));
        rest = body.get(end + 1..).unwrap_or("");
    }
    out
}

fn attr(tag: &str, name: &str) -> Option<String> {
    attrs(tag)
        .into_iter()
        .find(|(k, _)| *k == name)
        .map(|p| p.1)
}

fn unescape(s: &str) -> String {
    if !s.contains('&') {
        return s.to_string();
    }
    s.replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&quot;", "\"")
        .replace("&apos;", "'")
        .replace("&amp;", "&")
}

/// Walks the tags of the XML report in order.
fn parse_xml(text: &str, snap: &mut Snapshot) {
    let seen = &mut Suffixes::default();
    let mut test_case = String::new();
    // The open benchmark: (name, mean in ns, failure message).
    let mut bench: Option<(String, Option<f64>, Option<String>)> = None;
    let mut rest = text;
    while let Some(lt) = rest.find('<') {
        let after = rest.get(lt + 1..).unwrap_or("");
        let end = after.find('>').unwrap_or(after.len());
        let tag = after.get(..end).unwrap_or("");
        rest = after.get(end..).unwrap_or("");
        let (tname, body) = tag.split_once(char::is_whitespace).unwrap_or((tag, ""));
        match tname.trim_end_matches('/') {
            "TestCase" => test_case = attr(body, "name").unwrap_or_default(),
            "OverallResult" if attr(body, "success").as_deref() == Some("false") => {
                tracing::warn!("catch2: test case '{test_case}' failed");
            }
            "BenchmarkResults" => {
                bench = Some((attr(body, "name").unwrap_or_default(), None, None));
            }
            "mean" => {
                if let Some(b) = bench.as_mut() {
                    b.1 = attr(body, "value").and_then(|v| num(&v));
                }
            }
            "failed" => {
                if let Some(b) = bench.as_mut() {
                    b.2 = Some(attr(body, "message").unwrap_or_default());
                }
            }
            "/BenchmarkResults" => match bench.take() {
                Some((name, Some(mean), None)) => {
                    put_measure(
                        snap,
                        seen,
                        format!("custom.{name}"),
                        mean,
                        "ns",
                        None,
                        Vec::new(),
                    );
                }
                Some((name, _, msg)) => tracing::warn!(
                    "catch2: benchmark '{name}' failed{}",
                    msg.map(|m| format!(": {m}")).unwrap_or_default()
                ),
                None => {}
            },
            _ => {}
        }
    }
    if let Some((name, _, _)) = bench {
        tracing::warn!("catch2: benchmark '{name}' has no closing </BenchmarkResults>; skipped");
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn name_rows() {
        assert_eq!(
            name_row("to_string 12345                 15          3759    620.235 us "),
            Some("to_string 12345")
        );
        assert_eq!(name_row("   6.55 ns    6.53 ns    6.64 ns "), None);
    }

    #[test]
    fn xml_attributes_are_unescaped() {
        assert_eq!(
            attr(r#"name="a &lt;b&gt; &amp; c" x='1'"#, "name").as_deref(),
            Some("a <b> & c")
        );
        assert_eq!(attr(r#"x='1'"#, "x").as_deref(), Some("1"));
        assert_eq!(attr(r#"x="1"#, "x"), None);
    }
}
