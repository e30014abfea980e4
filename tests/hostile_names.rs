//! Issue 19 item 1: benchmark names come from the pull request's code, so whoever opens a PR
//! controls them. A corpus of hostile names (newlines followed by workflow commands, `\r`,
//! ANSI sequences, bidi overrides, HTML, mentions, issue references) runs through every
//! command that prints them — `compare`, `run`, `baseline set/list/show`, `validate`,
//! `report`, and `ci` under the fake GitHub — and no line FlameIQ prints on stdout or
//! stderr may start a workflow command it did not mean, or carry a raw ESC or `\r`.
//! FlameIQ's own annotations (`::error title=FlameIQ …::`) are allowed, and their payload
//! must be escaped by GitHub's rules (no `:` or `,` left in the title property).

// The shared fake GitHub is included whole; this file uses only part of it.
#![allow(dead_code)]

use assert_cmd::Command;
use serde_json::{json, Map, Value};
use std::path::Path;

mod common;
use common::fake_github::*;

use common::fake_gitlab;

/// The names, as they would appear under `metrics.custom`.
const HOSTILE: &[&str] = &[
    "x\n::stop-commands::pwn\n::error title=Spoofed::all good\n",
    "::warning::starts with a command",
    "cr\r  latency.p95   PASS",
    "esc\u{1b}[2K\u{1b}[1G  PASS\u{1b}[0m",
    "bidi\u{202e}SSAP",
    "</script><script>alert(1)</script>",
    "@mention",
    "\\#123",
    "nel\u{85}::error::c1 line break",
    "ls\u{2028}::error::line separator",
];

fn doc(metrics: Value, info: Value, branch: &str) -> String {
    json!({
        "schema_version": 1,
        "metadata": {"commit": "0123456789abcdef0123456789abcdef01234567", "branch": branch,
                     "environment": "ci", "timestamp": "2026-11-28T10:00:00+00:00",
                     "run_id": "r", "tags": {"note": "t\n::error::tag"}},
        "metrics": metrics,
        "metric_info": info,
    })
    .to_string()
}

/// Baseline and current documents: every hostile name regresses (+50 %, lower is better),
/// one is only in the baseline, one only in the current run, one has a zero baseline and no
/// direction (skipped), and the current run carries an unknown top-level key (a schema
/// warning on stderr).
fn write_files(dir: &Path) {
    let mut base = Map::new();
    let mut cur = Map::new();
    let mut info = Map::new();
    for (i, n) in HOSTILE.iter().enumerate() {
        base.insert(n.to_string(), json!(100.0 + i as f64));
        cur.insert(n.to_string(), json!((100.0 + i as f64) * 1.5));
        info.insert(
            format!("custom.{n}"),
            json!({"unit": "ms\u{1b}[31m", "direction": "lower_is_better"}),
        );
    }
    base.insert("gone\n::error::missing".into(), json!(1.0));
    cur.insert("new\n::error::new".into(), json!(1.0));
    base.insert("zero\n::error::skipped".into(), json!(0.0));
    cur.insert("zero\n::error::skipped".into(), json!(3.0));
    // A baseline key both sides share with no hostile content keeps the overlap honest.
    base.insert("plain".into(), json!(1.0));
    cur.insert("plain".into(), json!(1.0));
    let branch = "main\n::error::branch";
    std::fs::write(
        dir.join("b.json"),
        doc(json!({"custom": base}), Value::Object(info.clone()), branch),
    )
    .unwrap();
    std::fs::write(
        dir.join("c.json"),
        doc(
            json!({"custom": cur, "bogus\n::error::unknown key": 1}),
            Value::Object(info),
            branch,
        ),
    )
    .unwrap();
}

fn flameiq(dir: &Path) -> Command {
    let mut cmd = Command::cargo_bin("flameiq").unwrap();
    cmd.current_dir(dir)
        .env_remove("FLAMEIQ_CONFIG")
        .env_remove("FLAMEIQ_DIR")
        .env_remove("FLAMEIQ_ENV")
        .env_remove("GITHUB_ACTIONS")
        .env("NO_COLOR", "1");
    cmd
}

/// Asserts that no printed line starts a workflow command FlameIQ did not mean, and that
/// no raw ESC or `\r` (or other line breaks the log viewer honours) is printed.
fn assert_clean(what: &str, stream: &str, text: &str) {
    // The `--json` document is JSON (which escapes C0 controls itself and may carry other
    // characters raw); human output escapes everything `escape_terminal` covers.
    let json = what.contains("--json");
    let raw: &[char] = if json {
        &['\u{1b}', '\r']
    } else {
        &['\u{1b}', '\r', '\u{85}', '\u{2028}', '\u{202e}']
    };
    for &bad in raw {
        assert!(
            !text.contains(bad),
            "{what}: raw {bad:?} on {stream}:\n{text:?}"
        );
    }
    for line in text.lines() {
        if !line.trim_start().starts_with("::") {
            continue;
        }
        // Only FlameIQ's own annotations, whose title property is escaped.
        let ok = [
            "::error title=FlameIQ ",
            "::warning title=FlameIQ ",
            "::notice title=FlameIQ ",
        ]
        .iter()
        .any(|p| line.starts_with(p));
        assert!(
            ok,
            "{what}: unexpected workflow command on {stream}: {line:?}"
        );
        let rest = line.split_once(" title=").unwrap().1;
        let (title, message) = rest
            .split_once("::")
            .unwrap_or_else(|| panic!("{what}: annotation without a message: {line:?}"));
        assert!(
            !title.contains(':') && !title.contains(','),
            "{what}: title property not escaped: {line:?}"
        );
        assert!(!message.is_empty(), "{line:?}");
    }
}

fn run(dir: &Path, args: &[&str]) -> (i32, String, String) {
    let out = flameiq(dir).args(args).output().unwrap();
    let stdout = String::from_utf8(out.stdout).unwrap();
    let stderr = String::from_utf8(out.stderr).unwrap();
    let what = args.join(" ");
    assert_clean(&what, "stdout", &stdout);
    assert_clean(&what, "stderr", &stderr);
    (out.status.code().unwrap_or(-1), stdout, stderr)
}

#[test]
fn issue19_item1_hostile_names_cannot_start_workflow_commands() {
    let d = tempfile::tempdir().unwrap();
    write_files(d.path());
    let dir = d.path();
    assert_eq!(run(dir, &["validate", "c.json"]).0, 0);
    assert_eq!(run(dir, &["validate", "c.json", "--provider", "auto"]).0, 0);
    let (code, out, _) = run(dir, &["run", "-m", "c.json"]);
    assert_eq!(code, 0);
    assert!(out.contains("custom.x\\n::stop-commands::pwn"), "{out}");
    assert_eq!(run(dir, &["baseline", "set", "-m", "b.json"]).0, 0);
    assert_eq!(run(dir, &["baseline", "list"]).0, 0);
    assert_eq!(run(dir, &["baseline", "show"]).0, 0);
    let (code, out, err) = run(dir, &["compare", "-m", "c.json"]);
    assert_eq!(code, 1, "{out}{err}");
    // Every row and list is there, escaped, and still says what it is.
    assert!(out.contains("REGRESSION"), "{out}");
    assert!(
        out.contains("New (not compared): custom.new\\n::error::new"),
        "{out}"
    );
    assert!(
        out.contains("Missing from current run: custom.gone\\n::error::missing"),
        "{out}"
    );
    assert!(
        out.contains("Skipped custom.zero\\n::error::skipped"),
        "{out}"
    );
    assert!(out.contains("custom.esc\\e[2K\\e[1G  PASS\\e[0m"), "{out}");
    // Schema warnings on stderr are escaped too.
    assert!(err.contains("bogus\\n::error::unknown key"), "{err}");
    run(dir, &["-v", "compare", "-m", "c.json", "--statistics"]);
    run(dir, &["compare", "-m", "c.json", "--json"]);
    assert_eq!(run(dir, &["report", "-m", "c.json", "-o", "r.html"]).0, 0);
    // A baseline error that names the keys (nothing in common) is escaped as well.
    std::fs::write(
        dir.join("other.json"),
        doc(
            json!({"custom": {"only\n::error::here": 1.0}}),
            json!({}),
            "x",
        ),
    )
    .unwrap();
    assert_eq!(run(dir, &["compare", "-m", "other.json"]).0, 2);
}

// ------------------------------------------------------------ `flameiq ci` under GitHub

fn pr_payload() -> Value {
    let mut p = fixture("pull_request.synchronize.payload.json");
    p["number"] = PR.into();
    p["pull_request"]["number"] = PR.into();
    for path in [
        &["repository"][..],
        &["pull_request", "base", "repo"],
        &["pull_request", "head", "repo"],
    ] {
        let repo = path.iter().fold(&mut p, |v, k| &mut v[*k]);
        let (owner, name) = REPO.split_once('/').unwrap();
        repo["full_name"] = REPO.into();
        repo["name"] = name.into();
        repo["owner"]["login"] = owner.into();
        repo["default_branch"] = "main".into();
        repo["fork"] = false.into();
    }
    p["pull_request"]["base"]["ref"] = "main".into();
    p
}

/// Runs `flameiq <args>` in `dir` as the GitHub runner would for a pull request, against
/// the fake GitHub `gh`, with metrics from `c.json`.
fn github_pr(dir: &Path, gh: &Fake, args: &[&str]) -> std::process::Output {
    let files = dir.join("_runner");
    std::fs::create_dir_all(&files).unwrap();
    let event = files.join("event.json");
    std::fs::write(&event, pr_payload().to_string()).unwrap();
    let summary = files.join("summary.md");
    let outputs = files.join("outputs");
    let mut cmd = Command::cargo_bin("flameiq").unwrap();
    cmd.current_dir(dir).env_clear().envs([
        ("HOME", dir.display().to_string()),
        ("CI", "true".into()),
        ("GITHUB_ACTIONS", "true".into()),
        ("GITHUB_EVENT_NAME", "pull_request".into()),
        ("GITHUB_EVENT_PATH", event.display().to_string()),
        ("GITHUB_REF", format!("refs/pull/{PR}/merge")),
        ("GITHUB_HEAD_REF", "changes".into()),
        ("GITHUB_BASE_REF", "main".into()),
        ("GITHUB_REPOSITORY", REPO.into()),
        ("GITHUB_RUN_ID", "4242".into()),
        ("GITHUB_SERVER_URL", "https://github.com".into()),
        ("GITHUB_API_URL", gh.url()),
        (
            "GITHUB_SHA",
            "0123456789abcdef0123456789abcdef01234567".into(),
        ),
        ("GITHUB_WORKSPACE", dir.display().to_string()),
        ("GITHUB_STEP_SUMMARY", summary.display().to_string()),
        ("GITHUB_OUTPUT", outputs.display().to_string()),
        ("FLAMEIQ_HTTP_RETRY_BASE_MS", "5".into()),
        ("INPUT_METRICS", "c.json".into()),
        ("INPUT_GITHUB-TOKEN", TOKEN.into()),
        ("INPUT_COMMENT", "always".into()),
        ("INPUT_SUMMARY", "true".into()),
        ("INPUT_ANNOTATIONS", "true".into()),
    ]);
    cmd.args(args).output().unwrap()
}

#[test]
fn issue19_item1_hostile_names_through_flameiq_ci_on_github() {
    let gh = Fake::start();
    let d = tempfile::tempdir().unwrap();
    write_files(d.path());
    // The baseline, as the default branch's run would have stored it.
    assert_eq!(run(d.path(), &["baseline", "set", "-m", "b.json"]).0, 0);
    let out = github_pr(d.path(), &gh, &["ci"]);
    let summary = std::fs::read_to_string(d.path().join("_runner/summary.md")).unwrap();
    let stdout = String::from_utf8(out.stdout).unwrap();
    let stderr = String::from_utf8(out.stderr).unwrap();
    assert_eq!(out.status.code(), Some(1), "{stdout}\n{stderr}");
    assert_clean("ci", "stdout", &stdout);
    assert_clean("ci", "stderr", &stderr);
    // FlameIQ's own annotations are there, one per regressed hostile name.
    let annotations = stdout
        .lines()
        .filter(|l| l.starts_with("::error title=FlameIQ regression"))
        .count();
    assert_eq!(annotations, HOSTILE.len(), "{stdout}");
    // The comment and the summary carry no raw control characters and no live mention or
    // issue reference either.
    let comment = gh
        .comments()
        .iter()
        .map(|c| c["body"].as_str().unwrap().to_string())
        .collect::<String>();
    for md in [&comment, &summary] {
        assert!(!md.is_empty());
        assert!(!md.contains('\u{1b}') && !md.contains('\r'), "{md:?}");
        assert!(!md.contains("@mention"), "{md}");
        assert!(!md.contains("#123"), "{md}");
        assert!(!md.contains("<script>"), "{md}");
        assert!(!md.lines().any(|l| l.starts_with("::")), "{md}");
    }
}

#[test]
fn issue19_item14_verbose_log_has_no_ansi_when_stderr_is_not_a_terminal() {
    // Plain names: only the log formatter could put ESC on stderr here (the HTTP client's
    // debug events carry fields such as `service.ready=true`, which tracing-subscriber
    // styles with ANSI when it thinks it may).
    let gh = Fake::start();
    let d = tempfile::tempdir().unwrap();
    let metrics = |v: f64| doc(json!({"custom": {"plain": v}}), json!({}), "main");
    std::fs::write(d.path().join("b.json"), metrics(1.0)).unwrap();
    std::fs::write(d.path().join("c.json"), metrics(1.0)).unwrap();
    assert_eq!(run(d.path(), &["baseline", "set", "-m", "b.json"]).0, 0);
    let out = github_pr(d.path(), &gh, &["-v", "ci"]);
    let stderr = String::from_utf8(out.stderr).unwrap();
    assert_eq!(out.status.code(), Some(0), "{stderr}");
    assert!(stderr.contains("debug:"), "{stderr}");
    assert!(!stderr.contains('\u{1b}'), "{stderr:?}");
}

/// The same hostile names through `flameiq ci` in a GitLab merge-request pipeline, against
/// the fake GitLab: nothing FlameIQ prints starts a line it did not mean, and the MR note
/// carries no raw control character, live mention or issue reference.
#[test]
fn issue19_item1_hostile_names_through_flameiq_ci_on_gitlab() {
    let gl = fake_gitlab::FakeGitLab::start();
    let d = tempfile::tempdir().unwrap();
    write_files(d.path());
    assert_eq!(run(d.path(), &["baseline", "set", "-m", "b.json"]).0, 0);
    let mut cmd = Command::cargo_bin("flameiq").unwrap();
    cmd.current_dir(d.path()).env_clear().envs([
        ("HOME", d.path().display().to_string()),
        ("CI", "true".into()),
        ("GITLAB_CI", "true".into()),
        ("CI_DEFAULT_BRANCH", "main".into()),
        ("CI_PROJECT_ID", fake_gitlab::PROJECT.to_string()),
        ("CI_PROJECT_PATH", "acme/app".into()),
        (
            "CI_PROJECT_URL",
            "https://gitlab.example.com/acme/app".into(),
        ),
        (
            "CI_JOB_URL",
            "https://gitlab.example.com/acme/app/-/jobs/8812".into(),
        ),
        (
            "CI_COMMIT_SHA",
            "e4f5a6b7c8d9e0f1a2b3c4d5e6f7a8b9c0d1e2f3".into(),
        ),
        ("CI_PIPELINE_SOURCE", "merge_request_event".into()),
        ("CI_MERGE_REQUEST_IID", fake_gitlab::IID.to_string()),
        ("CI_MERGE_REQUEST_SOURCE_BRANCH_NAME", "feature/x".into()),
        ("CI_MERGE_REQUEST_TARGET_BRANCH_NAME", "main".into()),
        ("CI_API_V4_URL", format!("{}/api/v4", gl.addr)),
        ("FLAMEIQ_GITLAB_TOKEN", fake_gitlab::TOKEN.into()),
        ("FLAMEIQ_HTTP_RETRY_BASE_MS", "5".into()),
    ]);
    let out = cmd
        .args(["ci", "--metrics", "c.json", "--comment", "always"])
        .output()
        .unwrap();
    let stdout = String::from_utf8(out.stdout).unwrap();
    let stderr = String::from_utf8(out.stderr).unwrap();
    assert_eq!(out.status.code(), Some(1), "{stdout}\n{stderr}");
    assert_clean("ci (gitlab)", "stdout", &stdout);
    assert_clean("ci (gitlab)", "stderr", &stderr);
    // No GitHub workflow command at all on GitLab.
    assert!(!stdout.lines().any(|l| l.starts_with("::")), "{stdout}");
    let notes = gl.notes();
    assert_eq!(notes.len(), 1, "{stdout}\n{stderr}");
    let md = notes[0]["body"].as_str().unwrap();
    assert!(!md.contains('\u{1b}') && !md.contains('\r'), "{md:?}");
    assert!(!md.contains("@mention"), "{md}");
    assert!(!md.contains("#123"), "{md}");
    assert!(!md.contains("<script>"), "{md}");
    assert!(!md.lines().any(|l| l.starts_with("::")), "{md}");
}
