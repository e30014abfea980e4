//! Snapshot and property tests of the report views (issue 6): the HTML report, the job
//! summary, the PR comment and JUnit XML, on a small fixed result with hostile metric names,
//! plus size limits on a 5,000-metric result and byte-for-byte determinism.

use flameiq::compare::result::{
    ComparisonResult, Counts, DiffStatus, MetricDiff, SideInfo, Skipped, Status,
};
use flameiq::render::html::Html;
use flameiq::render::junit::{self, Junit};
use flameiq::render::markdown::{self, Kind, Limit, Markdown};
use flameiq::render::{Render, View};
use flameiq::schema::Direction;
use indexmap::IndexMap;

const HOSTILE: [&str; 5] = [
    "<script>alert(1)</script>",
    "\"><img src=x onerror=alert(1)>",
    "a|b",
    "`rm -rf`",
    "@someone",
];

#[allow(clippy::too_many_arguments)]
fn diff(
    key: &str,
    b: f64,
    c: f64,
    thr: f64,
    dir: Direction,
    status: DiffStatus,
    unit: Option<&str>,
) -> MetricDiff {
    MetricDiff {
        metric_key: key.into(),
        baseline_value: b,
        current_value: c,
        change_percent: Some(((c - b) / b * 100.0 * 10_000.0).round() / 10_000.0),
        threshold_percent: thr,
        is_regression: status == DiffStatus::Regression,
        is_warning: status == DiffStatus::Warning,
        status,
        p_value: None,
        effect_size: None,
        direction: dir,
        unit: unit.map(str::to_string),
        test: None,
        threshold_kind: "percent".into(),
        improved: status == DiffStatus::Warning && flameiq::compare::is_better(dir, c - b),
        change_absolute: None,
        auto_baseline: None,
        auto_fallback: None,
    }
}

fn counts(diffs: &[MetricDiff]) -> Counts {
    let regressions = diffs.iter().filter(|d| d.is_regression).count();
    let warnings = diffs.iter().filter(|d| d.is_warning).count();
    Counts {
        regressions,
        warnings,
        passed: diffs.len() - regressions - warnings,
        total: diffs.len(),
    }
}

fn result(diffs: Vec<MetricDiff>) -> ComparisonResult {
    let c = counts(&diffs);
    ComparisonResult {
        status: if c.regressions > 0 {
            Status::Regression
        } else {
            Status::Pass
        },
        exit_code: i32::from(c.regressions > 0),
        baseline_commit: Some("1a2b3c4d".into()),
        current_commit: Some("<b>9f8e7d6c</b>".into()),
        statistical_mode: false,
        summary: String::new(),
        counts: c,
        diffs,
        strategy: "rolling_median".into(),
        baseline_reason: None,
        baseline: SideInfo {
            commit: Some("1a2b3c4d".into()),
            branch: Some("main".into()),
            timestamp: Some("2026-11-27T10:00:00+00:00".into()),
            environment: Some("ci".into()),
            run_id: Some("run-base".into()),
        },
        current: SideInfo {
            commit: Some("<b>9f8e7d6c</b>".into()),
            branch: Some("feature/@someone|x".into()),
            timestamp: Some("2026-11-28T10:00:00+00:00".into()),
            environment: Some("ci".into()),
            run_id: Some("run-cur".into()),
        },
        missing: vec!["gone.metric".into()],
        new: vec!["<i>new</i>".into()],
        skipped: vec![Skipped {
            metric_key: "zero.base".into(),
            reason: "baseline value is zero".into(),
        }],
        provider: Some("json".into()),
    }
}

/// The small fixed result: realistic metrics plus every hostile name.
fn small() -> ComparisonResult {
    use DiffStatus::*;
    use Direction::*;
    let mut diffs = vec![
        diff(
            "latency.p95",
            120.0,
            141.0,
            10.0,
            LowerIsBetter,
            Regression,
            Some("ms"),
        ),
        diff(
            "latency.mean",
            0.00259,
            0.00261,
            10.0,
            LowerIsBetter,
            Pass,
            Some("ms"),
        ),
        diff(
            "throughput",
            12_345.0,
            11_800.0,
            -5.0,
            HigherIsBetter,
            Warning,
            Some("ops/s"),
        ),
        diff(
            "memory.rss",
            1.2e9,
            1.19e9,
            8.0,
            LowerIsBetter,
            Pass,
            Some("B"),
        ),
        diff(
            "custom.parse",
            1200.0,
            1500.0,
            10.0,
            LowerIsBetter,
            Regression,
            Some("ms"),
        ),
    ];
    diffs[0].p_value = Some(0.00042);
    diffs[0].effect_size = Some(1.8734);
    diffs[0].test = Some("mann-whitney-u (exact)".into());
    // Hostile names, regressing (+40%, +20%, +8%) or passing (+2%, +1%) at a ±5% threshold.
    let changes = [0.4, 0.02, 0.2, 0.01, 0.08];
    for (h, c) in HOSTILE.iter().zip(changes) {
        let status = if c > 0.05 { Regression } else { Pass };
        diffs.push(diff(h, 10.0, 10.0 * (1.0 + c), 5.0, Both, status, None));
    }
    diffs.sort_by(|a, b| a.metric_key.cmp(&b.metric_key));
    let mut r = result(diffs);
    r.statistical_mode = true;
    r
}

fn history(r: &ComparisonResult, n: usize) -> IndexMap<String, Vec<f64>> {
    r.diffs
        .iter()
        .map(|d| {
            let vals = (0..n)
                .map(|i| d.baseline_value * (1.0 + 0.02 * ((i * 7 % 5) as f64 - 2.0)))
                .collect();
            (d.metric_key.clone(), vals)
        })
        .collect()
}

fn view<'a>(r: &'a ComparisonResult, h: IndexMap<String, Vec<f64>>) -> View<'a> {
    View {
        result: Some(r),
        history: h,
        run_url: Some("https://ci.example/run/42?a=1&b=2".into()),
        report_url: Some("https://ci.example/run/42/artifacts/report.html".into()),
        environment: Some("linux-<x86>".into()),
        ..View::default()
    }
}

/// No hostile string reaches the HTML unescaped, in text or in attributes.
fn assert_html_escaped(html: &str) {
    assert!(!html.contains("<script"), "raw <script> in the report");
    assert!(!html.contains("<img"), "raw <img> in the report");
    assert!(!html.contains("<b>9f8e"), "raw commit markup in the report");
    assert!(!html.contains("<i>new"), "raw new-key markup in the report");
    assert!(
        !html.contains("onerror=alert(1)>"),
        "unescaped attribute breakout"
    );
    assert!(html.contains("&lt;script&gt;alert(1)&lt;&#x2F;script&gt;"));
}

/// Nothing in the HTML can make the browser fetch anything. Every `<` in user text is
/// escaped, so each raw `<` opens a real tag: no tag may carry `src=`, a CSS `url(`, or an
/// `http` URL except `<a href>`; the inline stylesheet has no `url(` or `@import`; and the
/// CSP meta tag forbids every fetch anyway.
fn assert_self_contained(html: &str) {
    let mut rest = html;
    while let Some(i) = rest.find('<') {
        let end = rest[i..].find('>').map_or(rest.len(), |e| i + e + 1);
        let tag = rest[i..end].to_ascii_lowercase();
        // Split into the element name + attribute names, and the quoted values (a `"` in a
        // value is always escaped as &quot;, so quotes pair up).
        let parts: Vec<&str> = tag.split('"').collect();
        let names: String = parts.iter().step_by(2).copied().collect();
        for bad in [
            " src=",
            " srcset=",
            " style=",
            "xlink:href",
            " on",
            "<script",
            "<link",
            "<iframe",
            "<object",
            "<embed",
            "<img",
            "<image",
            "<use",
        ] {
            assert!(!names.contains(bad), "tag with {bad}: {tag}");
        }
        for (k, value) in parts.iter().enumerate().skip(1).step_by(2) {
            if value.contains("http") || value.contains("//") {
                let attr = parts[k - 1];
                let ok = (tag.starts_with("<a ") && attr.ends_with(" href="))
                    || (tag.starts_with("<meta ") && value.starts_with("http-equiv"))
                    || attr.ends_with(" data-key=")
                    || attr.ends_with(" aria-label=");
                assert!(ok, "URL-like attribute value outside <a href>: {tag}");
            }
        }
        rest = &rest[end..];
    }
    let style = &html[html.find("<style>").unwrap()..html.find("</style>").unwrap()];
    assert!(!style.contains("url(") && !style.contains("@import"));
    assert!(
        html.contains("content=\"default-src 'none'; style-src 'unsafe-inline'; img-src data:\"")
    );
}

#[test]
fn html_report_small() {
    let r = small();
    let html = Html.render(&view(&r, history(&r, 8))).unwrap();
    assert_html_escaped(&html);
    assert_self_contained(&html);
    // Regressions first, worst first: custom.parse (+25%) before latency.p95 (+17.5%).
    let p = html.find("data-key=\"custom.parse\"").unwrap();
    let l = html.find("data-key=\"latency.p95\"").unwrap();
    let t = html.find("data-key=\"throughput\"").unwrap();
    assert!(p < l && l < t);
    assert!(html.contains("2.59 µs") && html.contains("1.2 s") && html.contains("1.2 GB"));
    // tera escapes `/` as `&#x2F;`.
    assert!(html.contains("12.35k ops&#x2F;s"));
    assert!(html.contains("&lt;0.0001") || html.contains("0.0004"));
    assert_eq!(html.matches("<tr class=").count(), r.diffs.len());
    insta::assert_snapshot!("report_html", html);
}

#[test]
fn html_report_without_history_or_baseline() {
    let r = small();
    // A file baseline: no history, trends have the two points.
    let html = Html.render(&view(&r, IndexMap::new())).unwrap();
    assert_html_escaped(&html);
    assert!(html.contains("0 stored runs"));

    let v = View {
        current_only: vec![
            ("latency.p95".into(), 141.0),
            ("<script>x</script>".into(), 1.0),
        ],
        units: [("latency.p95".to_string(), "ms".to_string())]
            .into_iter()
            .collect(),
        ..View::default()
    };
    let html = Html.render(&v).unwrap();
    assert!(html.contains("No baseline yet"));
    assert!(html.contains("141 ms"));
    assert!(!html.contains("<script>x"));
    assert_self_contained(&html);
    insta::assert_snapshot!("report_html_no_baseline", html);
}

#[test]
fn markdown_summary_and_comment_small() {
    let r = small();
    let v = view(&r, history(&r, 8));
    let summary = Markdown {
        kind: Kind::Summary,
    }
    .render(&v)
    .unwrap();
    let comment = Markdown {
        kind: Kind::Comment,
    }
    .render(&v)
    .unwrap();
    for md in [&summary, &comment] {
        // Escaped for GFM: no raw HTML, pipes escaped, nobody pinged.
        assert!(!md.contains("<script"));
        assert!(!md.contains("<img"));
        assert!(!md.contains("<b>"));
        assert!(md.contains("a\\|b"));
        assert!(md.contains("\\`rm \\-rf\\`") || md.contains("\\`rm -rf\\`"));
        assert!(!md.contains("@someone"));
        assert!(md.contains("@\u{200D}someone"));
        assert!(md.contains("<details>") && md.contains("</details>"));
        assert!(md.contains("[CI run](https://ci.example/run/42?a=1&b=2)"));
        assert!(md.contains("[HTML report](https://ci.example/run/42/artifacts/report.html)"));
        // A sparkline for a regressed metric.
        assert!(md.chars().any(|c| ('▁'..='█').contains(&c)));
    }
    assert!(comment.starts_with("<!-- flameiq:linux-%3Cx86%3E -->\n### ❌ FlameIQ: "));
    assert!(!summary.contains("<!-- flameiq:"));
    insta::assert_snapshot!("summary_md", summary);
    insta::assert_snapshot!("comment_md", comment);
}

#[test]
fn markdown_no_baseline() {
    let v = View {
        current_only: vec![("latency.p95".into(), 141.0), ("a|b".into(), 2.0)],
        environment: None,
        ..View::default()
    };
    let md = Markdown {
        kind: Kind::Comment,
    }
    .render(&v)
    .unwrap();
    assert!(md.contains("no baseline yet"));
    assert!(md.contains("a\\|b"));
    insta::assert_snapshot!("comment_md_no_baseline", md);
}

#[test]
fn markdown_rejects_unsafe_links() {
    let r = small();
    let mut v = view(&r, IndexMap::new());
    v.run_url = Some("javascript:alert(1)".into());
    v.report_url = Some("https://x/a) [pwn](https://evil".into());
    let md = Markdown {
        kind: Kind::Summary,
    }
    .render(&v)
    .unwrap();
    assert!(!md.contains("javascript:"));
    assert!(md.contains("[HTML report](https://x/a%29%20[pwn]%28https://evil)"));
}

#[test]
fn junit_small() {
    let r = small();
    let xml = Junit.render(&view(&r, IndexMap::new())).unwrap();
    assert_eq!(xml, junit::render_result(&r));
    assert!(xml.starts_with("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<testsuites"));
    assert_eq!(xml.matches("<testcase ").count(), r.diffs.len());
    assert_eq!(xml.matches("<failure ").count(), r.counts.regressions);
    assert!(xml.contains(&format!(
        "<testsuite name=\"flameiq\" tests=\"{}\" failures=\"{}\"",
        r.diffs.len(),
        r.counts.regressions
    )));
    assert!(xml.contains("message=\"custom.parse regressed +25.00% (threshold +10.0%"));
    assert!(!xml.contains("<script") && !xml.contains("<img"));
    insta::assert_snapshot!("junit_xml", xml);
}

fn big(n: usize) -> ComparisonResult {
    let diffs = (0..n)
        .map(|i| {
            let (status, c) = match i % 10 {
                0 | 1 => (DiffStatus::Regression, 130.0),
                2 => (DiffStatus::Warning, 108.0),
                _ => (DiffStatus::Pass, 100.0 + (i % 7) as f64),
            };
            diff(
                &format!(
                    "suite_{:02}.group_{:03}.benchmark_with_a_longish_name_{i:05}",
                    i % 13,
                    i % 101
                ),
                100.0,
                c,
                10.0,
                Direction::LowerIsBetter,
                status,
                Some("ms"),
            )
        })
        .collect();
    result(diffs)
}

#[test]
fn size_limits_on_5000_metrics() {
    let r = big(5000);
    let v = view(&r, history(&r, 20));
    let summary = Markdown {
        kind: Kind::Summary,
    }
    .render(&v)
    .unwrap();
    assert!(
        summary.len() < 1_048_576,
        "summary is {} bytes",
        summary.len()
    );
    let comment = Markdown {
        kind: Kind::Comment,
    }
    .render(&v)
    .unwrap();
    let chars = comment.chars().count();
    assert!(chars < 65_536, "comment is {chars} characters");
    assert!(comment.starts_with("<!-- flameiq:"));
    // The truncation note says how many rows were left out, and the count is right.
    let shown = comment.matches("\n| 🔴 |").count()
        + comment.matches("\n| 🟡 |").count()
        + comment.matches("\n| 🟢 |").count();
    let left_out: usize = comment
        .lines()
        .filter(|l| l.contains("left out to stay under the 65,536-character limit"))
        .map(|l| {
            l.trim_start_matches("_✂️ ")
                .split(' ')
                .next()
                .unwrap()
                .replace(',', "")
                .parse::<usize>()
                .unwrap()
        })
        .sum();
    assert!(left_out > 0, "no truncation note");
    // 1,500 regressions + warnings in the first table, 5,000 rows in the full one.
    assert_eq!(shown + left_out, 1500 + 5000);
    // How the cut looks: the last rows, the notes, the closed <details>, the links.
    let lines: Vec<&str> = comment.lines().collect();
    insta::assert_snapshot!(
        "comment_md_truncated_tail",
        lines[lines.len() - 14..].join("\n")
    );
    let gitlab = markdown::render_limited(&v, Kind::Comment, markdown::GITLAB_NOTE_LIMIT).unwrap();
    assert!(gitlab.chars().count() < 1_000_000);
    assert!(gitlab.chars().count() > chars);
    // A tiny limit still holds.
    let tiny = markdown::render_limited(&v, Kind::Summary, Limit::Bytes(600)).unwrap();
    assert!(tiny.len() < 600, "{tiny}");
    eprintln!(
        "5,000 metrics: summary {} bytes, comment {chars} chars, GitLab note {} chars",
        summary.len(),
        gitlab.chars().count()
    );
}

#[test]
fn html_for_1000_metrics_is_under_2_mb() {
    let r = big(1000);
    let html = Html.render(&view(&r, history(&r, 20))).unwrap();
    eprintln!(
        "1,000 metrics with 20-run history: HTML {} bytes",
        html.len()
    );
    assert!(html.len() < 2_000_000, "{} bytes", html.len());
    assert_eq!(html.matches("<tr class=").count(), 1000);
    assert_self_contained(&html);
}

#[test]
fn same_input_same_bytes() {
    let r = small();
    let a = view(&r, history(&r, 8));
    let b = view(&r, history(&r, 8));
    assert_eq!(Html.render(&a).unwrap(), Html.render(&b).unwrap());
    for kind in [Kind::Summary, Kind::Comment] {
        assert_eq!(
            Markdown { kind }.render(&a).unwrap(),
            Markdown { kind }.render(&b).unwrap()
        );
    }
    assert_eq!(Junit.render(&a).unwrap(), Junit.render(&b).unwrap());
    let big = big(3000);
    let v = view(&big, IndexMap::new());
    assert_eq!(
        Markdown {
            kind: Kind::Comment
        }
        .render(&v)
        .unwrap(),
        Markdown {
            kind: Kind::Comment
        }
        .render(&v)
        .unwrap()
    );
}

/// `compare --junit F --markdown F --report F` writes all three, from the real binary.
#[test]
fn compare_writes_junit_markdown_and_report() {
    let dir = tempfile::tempdir().unwrap();
    let root = env!("CARGO_MANIFEST_DIR");
    let out = |f: &str| dir.path().join(f);
    let assert = assert_cmd::Command::cargo_bin("flameiq")
        .unwrap()
        .current_dir(dir.path())
        .args(["--config", "none.yaml", "compare", "--baseline"])
        .arg(format!("{root}/examples/baseline.json"))
        .arg("--metrics")
        .arg(format!("{root}/examples/current.json"))
        .arg("--junit")
        .arg(out("j.xml"))
        .arg("--markdown")
        .arg(out("s.md"))
        .arg("--report")
        .arg(out("r.html"))
        .assert();
    let code = assert.get_output().status.code();
    assert_eq!(code, Some(1), "examples/current.json regresses latency.p95");
    let xml = std::fs::read_to_string(out("j.xml")).unwrap();
    assert!(xml.contains("<testcase name=\"latency.p95\" classname=\"flameiq\" time=\"0\">\n      <failure type=\"regression\" message=\"latency.p95 regressed +11.67%"));
    let md = std::fs::read_to_string(out("s.md")).unwrap();
    assert!(
        md.starts_with("### ❌ FlameIQ: 1 of 9 metrics regressed, 1 improved"),
        "{md}"
    );
    let html = std::fs::read_to_string(out("r.html")).unwrap();
    assert!(html.contains("data-key=\"latency.p95\""));
    assert_self_contained(&html);
}

/// The JUnit file validates against the Jenkins junit-10 shape (when xmllint is installed;
/// `.ci/run` installs it, and `scripts/browser-test.sh` requires it).
#[test]
fn junit_validates_against_schema() {
    let Ok(xmllint) = which("xmllint") else {
        eprintln!("xmllint not installed; schema validation runs in scripts/browser-test.sh");
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("junit.xml");
    std::fs::write(&file, junit::render_result(&small())).unwrap();
    let xsd = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/fixtures/junit/junit-10.xsd"
    );
    let out = std::process::Command::new(xmllint)
        .args(["--noout", "--schema", xsd])
        .arg(&file)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    // A wrong document fails, so the check can fail.
    std::fs::write(&file, "<testsuites><testsuite name=\"x\"/></testsuites>").unwrap();
    let out = std::process::Command::new("xmllint")
        .args(["--noout", "--schema", xsd])
        .arg(&file)
        .output()
        .unwrap();
    assert!(!out.status.success());
}

fn which(name: &str) -> Result<std::path::PathBuf, ()> {
    std::env::var_os("PATH")
        .and_then(|p| {
            std::env::split_paths(&p)
                .map(|d| d.join(name))
                .find(|f| f.is_file())
        })
        .ok_or(())
}

/// Even a header bigger than the limit (a 100,000-character branch name) is cut to fit,
/// with a note; the key column is capped at 200 characters.
#[test]
fn absurd_strings_still_fit() {
    let mut r = small();
    r.current.branch = Some("b".repeat(100_000));
    r.diffs[0].metric_key = "k".repeat(10_000);
    let v = view(&r, IndexMap::new());
    let comment = Markdown {
        kind: Kind::Comment,
    }
    .render(&v)
    .unwrap();
    assert!(comment.encode_utf16().count() < 65_536);
    assert!(comment.ends_with("_Output cut to stay under the 65,536-character limit._\n"));
    let gitlab = markdown::render_limited(&v, Kind::Comment, markdown::GITLAB_NOTE_LIMIT).unwrap();
    assert!(gitlab.contains(&format!("{}…", "k".repeat(199))));
    assert!(!gitlab.contains(&"k".repeat(201)));
}

/// A result with one regression, one warning (a slowdown near the threshold) and one
/// speed-up big enough that flameiq-core calls it a `WARNING`.
fn with_improvement() -> ComparisonResult {
    use DiffStatus::*;
    use Direction::*;
    result(vec![
        diff(
            "custom.parse",
            3000.0,
            1000.0,
            10.0,
            LowerIsBetter,
            Warning,
            Some("ms"),
        ),
        diff(
            "latency.p95",
            100.0,
            120.0,
            10.0,
            LowerIsBetter,
            Regression,
            Some("ms"),
        ),
        diff(
            "latency.mean",
            100.0,
            107.0,
            10.0,
            LowerIsBetter,
            Warning,
            Some("ms"),
        ),
    ])
}

#[test]
fn issue11_defect6_every_view_calls_an_improvement_an_improvement() {
    let r = with_improvement();
    let parse = r
        .diffs
        .iter()
        .find(|d| d.metric_key == "custom.parse")
        .unwrap();
    assert!(parse.is_improvement() && parse.label() == "IMPROVED");
    assert_eq!(r.warnings().count(), 1, "the speed-up is not a warning");
    assert_eq!(r.improvements().count(), 1);

    let table = flameiq::render::table::Table { color: false }.render_result(&r);
    let row = table.lines().find(|l| l.contains("custom.parse")).unwrap();
    assert!(row.ends_with("IMPROVED"), "{row}");
    assert!(table.contains("1 improved"), "{table}");

    let v = view(&r, IndexMap::new());
    for kind in [Kind::Summary, Kind::Comment] {
        let md = Markdown { kind }.render(&v).unwrap();
        let row = md
            .lines()
            .find(|l| l.contains("custom.parse") && l.contains("IMPROVED"));
        assert!(row.is_some(), "{md}");
        assert!(
            !md.lines()
                .any(|l| l.contains("custom.parse") && l.contains("WARNING")),
            "{md}"
        );
        // One warning (latency.mean), not two.
        assert!(
            md.contains("1 warning,") || md.contains("1 warning "),
            "{md}"
        );
        assert!(md.contains("1 improved"), "{md}");
    }

    let html = Html.render(&v).unwrap();
    let row = html
        .lines()
        .find(|l| l.contains("data-key=\"custom.parse\""))
        .unwrap();
    assert!(row.contains(">improved<"), "{row}");
    assert!(html.contains("<b>1</b>improved"), "{html}");

    let xml = junit::render_result(&r);
    assert!(xml.contains("IMPROVED"), "{xml}");
    assert_eq!(xml.matches("WARNING").count(), 1, "{xml}");

    let ann = flameiq::ci::outputs::annotations(&r, None);
    let lines: Vec<&str> = ann.lines().collect();
    assert!(
        lines
            .iter()
            .any(|l| l.starts_with("::notice title=FlameIQ improvement%3A custom.parse::")),
        "{ann}"
    );
    assert!(
        !lines
            .iter()
            .any(|l| l.starts_with("::warning") && l.contains("custom.parse")),
        "{ann}"
    );
    assert!(
        lines
            .iter()
            .any(|l| l.starts_with("::warning") && l.contains("latency.mean")),
        "{ann}"
    );
}

#[test]
fn issue19_item14_issue_references_in_names_do_not_autolink() {
    use DiffStatus::*;
    let r = result(vec![
        diff(
            "\\#123",
            100.0,
            150.0,
            10.0,
            Direction::LowerIsBetter,
            Regression,
            None,
        ),
        diff(
            "acme/widgets#7",
            100.0,
            150.0,
            10.0,
            Direction::LowerIsBetter,
            Regression,
            None,
        ),
    ]);
    let v = view(&r, IndexMap::new());
    for kind in [Kind::Summary, Kind::Comment] {
        let md = Markdown { kind }.render(&v).unwrap();
        assert!(!md.contains("#123"), "{md}");
        assert!(!md.contains("#7"), "{md}");
        // The names are still there, readable: `#` then an invisible word joiner.
        assert!(md.contains("\\#\u{2060}123"), "{md}");
    }
}

#[test]
fn issue19_item5_summary_comment_and_report_name_the_provider() {
    let mut r = with_improvement();
    r.provider = Some("go".into());
    let v = view(&r, IndexMap::new());
    for kind in [Kind::Summary, Kind::Comment] {
        let md = Markdown { kind }.render(&v).unwrap();
        assert!(md.contains("· provider go"), "{md}");
    }
    assert!(Html
        .render(&v)
        .unwrap()
        .contains("<code>go</code> provider"));
    // A first run (no result) says it too.
    let first = View {
        current_only: vec![("latency.p95".into(), 1.0)],
        provider: Some("hyperfine".into()),
        ..View::default()
    };
    let md = Markdown {
        kind: Kind::Summary,
    }
    .render(&first)
    .unwrap();
    assert!(md.contains("provider hyperfine"), "{md}");
    assert!(Html
        .render(&first)
        .unwrap()
        .contains("<code>hyperfine</code> provider"));
}

#[test]
fn issue19_item6_zero_baseline_change_renders_as_an_absolute_change() {
    let mut d = diff(
        "custom.allocs",
        0.0,
        12.0,
        10.0,
        Direction::LowerIsBetter,
        DiffStatus::Regression,
        Some("allocs/op"),
    );
    d.change_percent = None;
    d.change_absolute = Some(12.0);
    let r = result(vec![d]);
    let v = view(&r, IndexMap::new());
    let md = Markdown {
        kind: Kind::Summary,
    }
    .render(&v)
    .unwrap();
    assert!(md.contains("+12 allocs/op from 0"), "{md}");
    let html = Html.render(&v).unwrap();
    assert!(html.contains("+12 allocs&#x2F;op from 0"));
    for bad in ["NaN", "=\"inf", "=\"-inf"] {
        assert!(!html.contains(bad), "no non-finite geometry: {bad}");
    }
    let table = flameiq::render::table::Table { color: false }.render_result(&r);
    assert!(table.contains("+12 allocs/op from 0"), "{table}");
}
