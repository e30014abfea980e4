//! Issue 14 item 5: where change points and calibrated baselines show — the notice and job
//! summary of a default-branch `flameiq ci` run, the trend marks of the HTML report, and
//! the `baseline: …` line of the PR comment and summary.

use assert_cmd::Command;
use serde_json::{json, Value};
use std::path::Path;

/// A history line: `custom.parse_ms` steps from 100 to 112.4 at run 24, `custom.flat` stays.
fn run_doc(i: usize) -> Value {
    let jitter = (i * 7 % 5) as f64 * 0.1;
    let level = if i < 24 { 100.0 } else { 112.4 };
    json!({
        "schema_version": 1,
        "metadata": {"commit": format!("{i:02}abcdef0123456789"), "branch": "main",
                     "environment": "ci", "timestamp": "2026-01-01T00:00:00+00:00",
                     "run_id": format!("r{i}"), "tags": {}},
        "metrics": {"custom": {"parse_ms": level + jitter, "flat": 50.0 + jitter}},
        "metric_info": {"custom.parse_ms": {"direction": "lower_is_better"},
                        "custom.flat": {"direction": "lower_is_better"}}
    })
}

/// A store holding runs `0..n` (oldest first).
fn store(dir: &Path, n: usize) {
    let base = dir.join(".flameiq/baselines");
    std::fs::create_dir_all(&base).unwrap();
    let lines: String = (0..n).map(|i| run_doc(i).to_string() + "\n").collect();
    std::fs::write(base.join("history.jsonl"), lines).unwrap();
    std::fs::write(base.join("current.json"), run_doc(n - 1).to_string()).unwrap();
}

fn flameiq(dir: &Path) -> Command {
    let mut c = Command::cargo_bin("flameiq").unwrap();
    c.current_dir(dir).env_clear().env("HOME", dir);
    c
}

/// `flameiq ci` as GitHub runs it on a push to `main`, storing run `i`.
fn push(dir: &Path, i: usize) -> (String, String) {
    std::fs::write(dir.join("m.json"), run_doc(i).to_string()).unwrap();
    let event = dir.join("event.json");
    std::fs::write(
        &event,
        json!({"ref": "refs/heads/main",
               "repository": {"full_name": "acme/widgets", "default_branch": "main"}})
        .to_string(),
    )
    .unwrap();
    let summary = dir.join(format!("summary{i}.md"));
    let out = flameiq(dir)
        .args(["ci", "--metrics", "m.json", "--report", "r.html"])
        .envs([
            ("GITHUB_ACTIONS", "true"),
            ("GITHUB_EVENT_NAME", "push"),
            ("GITHUB_REF", "refs/heads/main"),
            ("GITHUB_REF_NAME", "main"),
            ("GITHUB_REPOSITORY", "acme/widgets"),
        ])
        .env("GITHUB_EVENT_PATH", &event)
        .env("GITHUB_SHA", format!("{i:02}abcdef0123456789"))
        .env("GITHUB_STEP_SUMMARY", &summary)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0), "{out:?}");
    (
        String::from_utf8(out.stdout).unwrap(),
        std::fs::read_to_string(summary).unwrap_or_default(),
    )
}

#[test]
fn issue14_item5_default_branch_run_reports_the_change_point_it_confirms() {
    let d = tempfile::tempdir().unwrap();
    store(d.path(), 24);
    // Push runs 24, 25, ... until one confirms the step; exactly one must, once.
    let mut reported = Vec::new();
    for i in 24..30 {
        let (stdout, summary) = push(d.path(), i);
        let notices: Vec<&str> = stdout
            .lines()
            .filter(|l| l.starts_with("::notice"))
            .collect();
        if !notices.is_empty() {
            reported.push((i, notices.join("\n"), summary));
        } else {
            assert!(!summary.contains("Change points"), "{summary}");
        }
    }
    assert_eq!(reported.len(), 1, "{reported:?}");
    let (_, notices, summary) = &reported[0];
    let tail = &summary[summary.find("**Change points").expect("summary section")..];
    insta::assert_snapshot!("issue14_item5_notice", notices);
    insta::assert_snapshot!("issue14_item5_summary", tail);
}

/// A store of 30 runs (a step at run 24), a current run, `custom.*: auto`.
fn compared(dir: &Path, current: f64) -> (Value, String, String) {
    store(dir, 30);
    std::fs::write(dir.join("flameiq.yaml"), "thresholds:\n  custom.*: auto\n").unwrap();
    let mut c = run_doc(30);
    c["metrics"]["custom"]["parse_ms"] = current.into();
    std::fs::write(dir.join("c.json"), c.to_string()).unwrap();
    let out = flameiq(dir)
        .args([
            "compare",
            "-m",
            "c.json",
            "--json",
            "--no-fail-on-regression",
            "--report",
            "r.html",
            "--markdown",
            "s.md",
        ])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0), "{out:?}");
    (
        serde_json::from_slice(&out.stdout).unwrap(),
        std::fs::read_to_string(dir.join("r.html")).unwrap(),
        std::fs::read_to_string(dir.join("s.md")).unwrap(),
    )
}

#[test]
fn issue14_item5_report_marks_change_points_and_names_the_commit() {
    let d = tempfile::tempdir().unwrap();
    let (_, html, _) = compared(d.path(), 112.5);
    // The 20 runs shown are runs 10..30; the step at run 24 is marked once, on parse_ms.
    assert_eq!(html.matches("<title>change point:").count(), 1);
    let mark = &html[html.find("<line class=\"cpm\" x1=\"79").expect("a mark")..];
    let mark = &mark[..mark.find("</line>").unwrap()];
    insta::assert_snapshot!("issue14_item5_trend_mark", mark);
    assert!(
        html.contains("change point: +12.4 % since 24abcde"),
        "aria-label names it"
    );
}

#[test]
fn issue14_item5_summary_names_the_baseline_of_auto_metrics() {
    let d = tempfile::tempdir().unwrap();
    let (doc, _, md) = compared(d.path(), 112.5);
    let line = md
        .lines()
        .find(|l| l.starts_with("- baseline: "))
        .unwrap_or_else(|| panic!("{md}"));
    insta::assert_snapshot!("issue14_item5_baseline_line", line);
    let parse = doc["diffs"]
        .as_array()
        .unwrap()
        .iter()
        .find(|d| d["metric_key"] == "custom.parse_ms")
        .unwrap();
    assert_eq!(parse["auto_baseline"]["since_commit"], "24abcdef0123456789");
}
