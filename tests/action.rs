//! Issue 3: `flameiq ci` run exactly as the GitHub runner runs the Action's container —
//! `GITHUB_*` variables, `INPUT_*` variables with hyphenated names kept
//! (`INPUT_GITHUB-TOKEN`, `INPUT_FAIL-ON-REGRESSION`), real webhook payloads from
//! octokit/webhooks (`tests/fixtures/github-events/`, re-pointed at `acme/widgets` PR 7 by
//! programmatic edits that keep their full shapes), `GITHUB_STEP_SUMMARY` and
//! `GITHUB_OUTPUT` files — against a loopback HTTP server answering in GitHub's JSON shapes
//! (full issue-comment objects with user objects, `Link` pagination by 100).

use assert_cmd::Command;
use serde_json::{json, Value};
use std::collections::VecDeque;
use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

include!("common/fake_github.rs");

fn repoint_repo(repo: &mut Value, full: &str) {
    let (owner, name) = full.split_once('/').unwrap();
    repo["full_name"] = full.into();
    repo["name"] = name.into();
    repo["owner"]["login"] = owner.into();
    repo["html_url"] = format!("https://github.com/{full}").into();
    repo["default_branch"] = "main".into();
}

/// The push fixture, re-pointed at a push to `acme/widgets`'s default branch `main`.
fn push_payload() -> Value {
    let mut p = fixture("push.payload.json");
    p["ref"] = "refs/heads/main".into();
    p["after"] = "6113728f27ae82c7b1a177c8d03f9e96e0adf246".into();
    repoint_repo(&mut p["repository"], REPO);
    p
}

/// The pull_request.synchronize fixture as PR 7 of `acme/widgets`, from the same
/// repository or from a fork.
fn pr_payload(fork: bool) -> Value {
    let mut p = fixture("pull_request.synchronize.payload.json");
    p["number"] = PR.into();
    p["pull_request"]["number"] = PR.into();
    repoint_repo(&mut p["repository"], REPO);
    repoint_repo(&mut p["pull_request"]["base"]["repo"], REPO);
    p["pull_request"]["base"]["ref"] = "main".into();
    let head = if fork { "mallory/widgets" } else { REPO };
    repoint_repo(&mut p["pull_request"]["head"]["repo"], head);
    p["pull_request"]["head"]["repo"]["fork"] = fork.into();
    p
}

struct Ws {
    dir: tempfile::TempDir,
}

struct Run {
    code: i32,
    stdout: String,
    stderr: String,
    summary: String,
    outputs: String,
}

impl Run {
    fn output(&self, name: &str) -> Option<String> {
        parse_outputs(&self.outputs)
            .into_iter()
            .rev()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v)
    }

    fn assert_no_token(&self) {
        for (what, text) in [
            ("stdout", &self.stdout),
            ("stderr", &self.stderr),
            ("summary", &self.summary),
            ("outputs", &self.outputs),
        ] {
            assert!(!text.contains(TOKEN), "token leaked in {what}:\n{text}");
            assert!(
                !text.contains("TESTTOKEN"),
                "token part leaked in {what}:\n{text}"
            );
        }
    }
}

/// `$GITHUB_OUTPUT` lines, single-line and heredoc forms.
fn parse_outputs(text: &str) -> Vec<(String, String)> {
    let mut out = vec![];
    let mut lines = text.lines();
    while let Some(l) = lines.next() {
        if let Some((k, delim)) = l.split_once("<<") {
            let mut v = vec![];
            for l in lines.by_ref() {
                if l == delim {
                    break;
                }
                v.push(l);
            }
            out.push((k.to_string(), v.join("\n")));
        } else if let Some((k, v)) = l.split_once('=') {
            out.push((k.to_string(), v.to_string()));
        }
    }
    out
}

const BASE_METRICS: &str = r#"{"schema_version": 1,
 "metadata": {"commit": "6113728f27ae82c7b1a177c8d03f9e96e0adf246", "branch": "main", "environment": "ci", "timestamp": "2026-11-28T10:00:00", "run_id": "base", "tags": {}},
 "metrics": {"latency": {"mean": 100.0, "p95": 150.0}, "throughput": 1000.0, "custom": {"parse_ms": 10.0}}}"#;
/// p95 +40 % (regression), mean +9.5 % (warning with the default margin), the rest flat.
const PR_METRICS: &str = r#"{"schema_version": 1,
 "metadata": {"commit": "ec26c3e57ca3a959ca5aad62de7213c562f8c821", "branch": "changes", "environment": "ci", "timestamp": "2026-11-28T11:00:00", "run_id": "pr", "tags": {}},
 "metrics": {"latency": {"mean": 109.5, "p95": 210.0}, "throughput": 1000.0, "custom": {"parse_ms": 10.0}}}"#;

impl Ws {
    fn new() -> Ws {
        let w = Ws {
            dir: tempfile::tempdir().unwrap(),
        };
        std::fs::write(w.path().join("base.json"), BASE_METRICS).unwrap();
        std::fs::write(w.path().join("pr.json"), PR_METRICS).unwrap();
        std::fs::create_dir_all(w.path().join("_runner_file_commands")).unwrap();
        w
    }

    fn path(&self) -> &Path {
        self.dir.path()
    }

    /// Runs `flameiq <args>` (default: `ci`) as the runner runs the container: a clean
    /// environment with only the runner's variables.
    fn run(
        &self,
        event: &str,
        payload: &Value,
        api: &str,
        inputs: &[(&str, &str)],
        args: &[&str],
    ) -> Run {
        let files = self.path().join("_runner_file_commands");
        let n = std::fs::read_dir(&files).unwrap().count();
        let event_path = files.join(format!("event{n}.json"));
        let summary = files.join(format!("step_summary_{n}"));
        let output = files.join(format!("set_output_{n}"));
        std::fs::write(&event_path, serde_json::to_string_pretty(payload).unwrap()).unwrap();
        let git_ref = match event {
            "pull_request" => format!("refs/pull/{PR}/merge"),
            _ => payload["ref"]
                .as_str()
                .unwrap_or("refs/heads/main")
                .to_string(),
        };
        let mut cmd = Command::cargo_bin("flameiq").unwrap();
        cmd.current_dir(self.path()).env_clear();
        let mut vars: Vec<(String, String)> = vec![
            ("HOME".into(), "/github/home".into()),
            ("CI".into(), "true".into()),
            ("GITHUB_ACTIONS".into(), "true".into()),
            ("GITHUB_EVENT_NAME".into(), event.into()),
            ("GITHUB_EVENT_PATH".into(), event_path.display().to_string()),
            ("GITHUB_REF".into(), git_ref),
            ("GITHUB_REPOSITORY".into(), REPO.into()),
            ("GITHUB_REPOSITORY_OWNER".into(), "acme".into()),
            ("GITHUB_RUN_ID".into(), "4242".into()),
            ("GITHUB_SERVER_URL".into(), "https://github.com".into()),
            ("GITHUB_API_URL".into(), api.into()),
            (
                "GITHUB_SHA".into(),
                "0123456789abcdef0123456789abcdef01234567".into(),
            ),
            ("GITHUB_WORKSPACE".into(), self.path().display().to_string()),
            ("GITHUB_STEP_SUMMARY".into(), summary.display().to_string()),
            ("GITHUB_OUTPUT".into(), output.display().to_string()),
            ("RUNNER_OS".into(), "Linux".into()),
            ("FLAMEIQ_HTTP_RETRY_BASE_MS".into(), "5".into()),
            ("FLAMEIQ_HTTP_TIMEOUT_MS".into(), "10000".into()),
            // The runner passes every declared input, empty when unset.
            ("INPUT_PROVIDER".into(), String::new()),
            ("INPUT_MODE".into(), String::new()),
            ("INPUT_THRESHOLDS".into(), String::new()),
            ("INPUT_CONFIG".into(), String::new()),
            ("INPUT_ENVIRONMENT".into(), String::new()),
            ("INPUT_DIR".into(), ".flameiq".into()),
            ("INPUT_GITHUB-TOKEN".into(), TOKEN.into()),
            ("INPUT_FAIL-ON-REGRESSION".into(), "true".into()),
            ("INPUT_COMMENT".into(), "always".into()),
            ("INPUT_SUMMARY".into(), "true".into()),
            ("INPUT_REPORT".into(), ".flameiq/report.html".into()),
            ("INPUT_ANNOTATIONS".into(), "true".into()),
        ];
        if event == "pull_request" {
            vars.push(("GITHUB_HEAD_REF".into(), "changes".into()));
            vars.push(("GITHUB_BASE_REF".into(), "main".into()));
        } else {
            let name = payload["ref"]
                .as_str()
                .unwrap_or("")
                .rsplit('/')
                .next()
                .unwrap_or("");
            vars.push(("GITHUB_REF_NAME".into(), name.into()));
        }
        for (k, v) in inputs {
            let name = format!("INPUT_{}", k.to_ascii_uppercase());
            vars.retain(|(n, _)| *n != name);
            vars.push((name, v.to_string()));
        }
        cmd.envs(vars);
        if args.is_empty() {
            cmd.arg("ci");
        } else {
            cmd.args(args);
        }
        let out = cmd.output().unwrap();
        Run {
            code: out.status.code().unwrap_or(-1),
            stdout: String::from_utf8_lossy(&out.stdout).into(),
            stderr: String::from_utf8_lossy(&out.stderr).into(),
            summary: std::fs::read_to_string(&summary).unwrap_or_default(),
            outputs: std::fs::read_to_string(&output).unwrap_or_default(),
        }
    }

    fn push(&self, api: &str, inputs: &[(&str, &str)]) -> Run {
        let mut i = vec![("metrics", "base.json")];
        i.extend_from_slice(inputs);
        self.run("push", &push_payload(), api, &i, &[])
    }

    fn pr(&self, fork: bool, api: &str, inputs: &[(&str, &str)]) -> Run {
        let mut i = vec![("metrics", "pr.json")];
        i.extend_from_slice(inputs);
        self.run("pull_request", &pr_payload(fork), api, &i, &[])
    }

    fn file(&self, rel: &str) -> PathBuf {
        self.path().join(rel)
    }
}

fn posts(reqs: &[Req]) -> Vec<&Req> {
    reqs.iter().filter(|r| r.method == "POST").collect()
}

fn patches(reqs: &[Req]) -> Vec<&Req> {
    reqs.iter().filter(|r| r.method == "PATCH").collect()
}

fn ours(comments: &[Value], env: &str) -> Vec<Value> {
    let marker = format!("<!-- flameiq:{env} -->");
    comments
        .iter()
        .filter(|c| c["body"].as_str().unwrap().contains(&marker) && c["user"]["type"] == "Bot")
        .cloned()
        .collect()
}

// ---------------------------------------------------------------- the scenarios

#[test]
fn push_to_default_branch_sets_the_baseline_and_posts_nothing() {
    let gh = Fake::start();
    let ws = Ws::new();
    let r = ws.push(&gh.url(), &[]);
    assert_eq!(r.code, 0, "{}\n{}", r.stdout, r.stderr);
    assert!(ws.file(".flameiq/baselines/current.json").exists());
    assert!(r.summary.contains("baseline recorded"), "{}", r.summary);
    assert_eq!(r.output("status").as_deref(), Some("baseline"));
    assert_eq!(r.output("total").as_deref(), Some("4"));
    assert_eq!(r.output("report").as_deref(), Some(".flameiq/report.html"));
    assert_eq!(r.output("comment-url").as_deref(), Some(""));
    assert!(ws.file(".flameiq/report.html").exists());
    assert!(
        gh.requests().is_empty(),
        "no API call on a push: {:?}",
        gh.requests()
    );
    r.assert_no_token();
}

#[test]
fn regression_pr_fails_writes_everything_and_one_comment_updated_in_place_past_page_one() {
    let gh = Fake::start();
    // 150 human comments first, one quoting our marker: ours lands on page 2.
    gh.seed_human_comments(120);
    gh.push_comment(
        "Why does the bot write `<!-- flameiq:default -->` in its comments?",
        user("Codertocat", 21031067, "User"),
    );
    gh.seed_human_comments(29);
    let ws = Ws::new();
    assert_eq!(ws.push(&gh.url(), &[]).code, 0);

    let r = ws.pr(false, &gh.url(), &[]);
    assert_eq!(r.code, 1, "{}\n{}", r.stdout, r.stderr);
    // Summary.
    assert!(
        r.summary.contains("1 of 4 metrics regressed"),
        "{}",
        r.summary
    );
    assert!(r.summary.contains("latency.p95"), "{}", r.summary);
    // Outputs.
    assert_eq!(r.output("status").as_deref(), Some("regression"));
    assert_eq!(r.output("regressions").as_deref(), Some("1"));
    assert_eq!(r.output("warnings").as_deref(), Some("1"));
    assert_eq!(r.output("total").as_deref(), Some("4"));
    assert_eq!(r.output("result").as_deref(), Some(".flameiq/result.json"));
    let result: Value =
        serde_json::from_str(&std::fs::read_to_string(ws.file(".flameiq/result.json")).unwrap())
            .unwrap();
    assert_eq!(result["status"], "regression");
    assert!(std::fs::read_to_string(ws.file(".flameiq/report.html"))
        .unwrap()
        .contains("latency.p95"));
    // Annotations: one error, one warning, escaped properties.
    assert!(
        r.stdout.contains(
            "::error title=FlameIQ regression%3A latency.p95::latency.p95 changed +40.00%"
        ),
        "{}",
        r.stdout
    );
    assert!(
        r.stdout
            .contains("::warning title=FlameIQ warning%3A latency.mean::"),
        "{}",
        r.stdout
    );
    // Exactly one comment, created, with the marker and the run link; the URL is an output.
    let reqs = gh.requests();
    assert_eq!(posts(&reqs).len(), 1, "{reqs:?}");
    assert_eq!(
        posts(&reqs)[0].path,
        format!("/repos/{REPO}/issues/{PR}/comments")
    );
    let mine = ours(&gh.comments(), "default");
    assert_eq!(mine.len(), 1);
    let body = mine[0]["body"].as_str().unwrap();
    assert!(
        body.contains("https://github.com/acme/widgets/actions/runs/4242"),
        "{body}"
    );
    assert_eq!(
        r.output("comment-url"),
        mine[0]["html_url"].as_str().map(str::to_string)
    );
    // The look-up read both pages (the second through the Link header's URL).
    assert!(
        reqs.iter()
            .any(|q| q.method == "GET" && q.path.contains("page=2")),
        "{reqs:?}"
    );
    r.assert_no_token();

    // Re-run: the same comment is found on page 2 and updated in place.
    std::fs::write(
        ws.file("pr.json"),
        PR_METRICS.replace("\"p95\": 210.0", "\"p95\": 240.0"),
    )
    .unwrap();
    let again = ws.pr(false, &gh.url(), &[]);
    assert_eq!(again.code, 1);
    let reqs = gh.requests();
    assert_eq!(posts(&reqs).len(), 1, "no second comment: {reqs:?}");
    assert_eq!(patches(&reqs).len(), 1, "{reqs:?}");
    let id = mine[0]["id"].as_u64().unwrap();
    assert_eq!(
        patches(&reqs)[0].path,
        format!("/repos/{REPO}/issues/comments/{id}")
    );
    let mine = ours(&gh.comments(), "default");
    assert_eq!(mine.len(), 1);
    assert!(
        mine[0]["body"].as_str().unwrap().contains("+60.00%"),
        "{}",
        mine[0]["body"]
    );
    assert_eq!(gh.comments().len(), 151);
    // The human comment quoting the marker was never touched.
    assert!(!gh.comments()[120]["body"]
        .as_str()
        .unwrap()
        .contains("FlameIQ:"));
    again.assert_no_token();
    // Every request carried the token, and only as the Authorization header.
    assert!(reqs
        .iter()
        .all(|q| q.auth.as_deref() == Some(&format!("Bearer {TOKEN}"))));
    assert!(reqs.iter().all(|q| !q.body.contains(TOKEN)));
}

#[test]
fn another_environment_gets_its_own_comment() {
    let gh = Fake::start();
    let ws = Ws::new();
    assert_eq!(ws.push(&gh.url(), &[]).code, 0);
    assert_eq!(ws.push(&gh.url(), &[("environment", "linux-arm")]).code, 0);
    assert!(ws
        .file(".flameiq/linux-arm/baselines/current.json")
        .exists());
    assert_eq!(ws.pr(false, &gh.url(), &[]).code, 1);
    let r = ws.pr(false, &gh.url(), &[("environment", "linux-arm")]);
    assert_eq!(r.code, 1, "{}", r.stderr);
    assert_eq!(posts(&gh.requests()).len(), 2);
    assert_eq!(ours(&gh.comments(), "default").len(), 1);
    assert_eq!(ours(&gh.comments(), "linux-arm").len(), 1);
    assert!(r.summary.contains("linux-arm"), "{}", r.summary);
    // Re-running both updates each in place.
    assert_eq!(
        ws.pr(false, &gh.url(), &[("environment", "linux-arm")])
            .code,
        1
    );
    assert_eq!(ws.pr(false, &gh.url(), &[]).code, 1);
    assert_eq!(posts(&gh.requests()).len(), 2);
    assert_eq!(patches(&gh.requests()).len(), 2);
}

#[test]
fn fork_pr_with_403_is_a_warning_and_keeps_the_exit_code() {
    let gh = Fake::start();
    gh.state.lock().unwrap().forbid_writes = true;
    let ws = Ws::new();
    assert_eq!(ws.push(&gh.url(), &[]).code, 0);
    // -v: even debug logging must not show the token.
    let r = ws.run(
        "pull_request",
        &pr_payload(true),
        &gh.url(),
        &[("metrics", "pr.json")],
        &["-v", "ci"],
    );
    assert_eq!(
        r.code, 1,
        "the comparison's code, not the comment's: {}",
        r.stderr
    );
    assert!(
        r.stdout
            .contains("::warning title=FlameIQ comment::could not comment on PR #7 (HTTP 403"),
        "{}",
        r.stdout
    );
    assert!(
        r.stdout.contains("workflow_run"),
        "the fork fix is named: {}",
        r.stdout
    );
    assert_eq!(r.output("comment-url").as_deref(), Some(""));
    assert_eq!(r.output("status").as_deref(), Some("regression"));
    r.assert_no_token();

    // Same-repo PR with a read-only token: the permissions fix is named; with
    // fail-on-regression false the exit stays 0.
    let r = ws.pr(false, &gh.url(), &[("fail-on-regression", "false")]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert!(
        r.stdout.contains("permissions: pull-requests: write"),
        "{}",
        r.stdout
    );
    r.assert_no_token();
}

#[test]
fn server_errors_and_rate_limits_are_retried() {
    let gh = Fake::start();
    let ws = Ws::new();
    assert_eq!(ws.push(&gh.url(), &[]).code, 0);
    let bad_gateway = "<html><body><h1>502 Bad Gateway</h1></body></html>";
    gh.script(502, &[("content-type", "text/html")], bad_gateway);
    gh.script(502, &[("content-type", "text/html")], bad_gateway);
    let r = ws.pr(false, &gh.url(), &[]);
    assert_eq!(r.code, 1, "{}", r.stderr);
    assert_eq!(
        ours(&gh.comments(), "default").len(),
        1,
        "{}\n{}",
        r.stdout,
        r.stderr
    );
    let reqs = gh.requests();
    assert_eq!(
        reqs.iter().filter(|q| q.method == "GET").count(),
        3,
        "{reqs:?}"
    );

    // A secondary rate limit (403 + retry-after) and a primary one (429 + reset now).
    gh.script(
        403,
        &[("retry-after", "0")],
        r#"{"message":"You have exceeded a secondary rate limit."}"#,
    );
    gh.script(
        429,
        &[("x-ratelimit-remaining", "0"), ("x-ratelimit-reset", "1")],
        r#"{"message":"API rate limit exceeded"}"#,
    );
    let r = ws.pr(false, &gh.url(), &[]);
    assert_eq!(r.code, 1);
    assert_eq!(
        patches(&gh.requests()).len(),
        1,
        "updated after two rate limits: {}",
        r.stdout
    );

    // Bounded: four 502s in a row (1 + 3 retries) give up with a warning, same exit code.
    for _ in 0..4 {
        gh.script(502, &[], bad_gateway);
    }
    let before = gh.requests().len();
    let r = ws.pr(false, &gh.url(), &[]);
    assert_eq!(r.code, 1);
    assert_eq!(gh.requests().len() - before, 4);
    assert!(
        r.stdout.contains("gave up after 4 attempts"),
        "{}",
        r.stdout
    );
}

#[test]
fn a_post_that_landed_but_answered_502_is_not_posted_twice() {
    let gh = Fake::start();
    let ws = Ws::new();
    assert_eq!(ws.push(&gh.url(), &[]).code, 0);
    gh.state.lock().unwrap().lost_post_answers = 1;
    let r = ws.pr(false, &gh.url(), &[]);
    assert_eq!(r.code, 1, "{}", r.stderr);
    // POST (landed, 502) -> look again -> found -> PATCH; one comment, its URL an output.
    let reqs = gh.requests();
    assert_eq!(posts(&reqs).len(), 1, "{reqs:?}");
    assert_eq!(patches(&reqs).len(), 1, "{}\n{}", r.stdout, r.stderr);
    let mine = ours(&gh.comments(), "default");
    assert_eq!(mine.len(), 1);
    assert_eq!(
        r.output("comment-url"),
        mine[0]["html_url"].as_str().map(str::to_string)
    );
}

#[test]
fn comment_never_and_on_regression() {
    let gh = Fake::start();
    let ws = Ws::new();
    assert_eq!(ws.push(&gh.url(), &[]).code, 0);
    let r = ws.pr(false, &gh.url(), &[("comment", "never")]);
    assert_eq!(r.code, 1);
    assert!(gh.requests().is_empty(), "{:?}", gh.requests());
    // on-regression with a passing PR: looks (nothing to update), creates nothing.
    std::fs::write(ws.file("pr.json"), BASE_METRICS).unwrap();
    let r = ws.pr(false, &gh.url(), &[("comment", "on-regression")]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert_eq!(r.output("status").as_deref(), Some("pass"));
    assert!(posts(&gh.requests()).is_empty());
    assert!(gh.requests().iter().all(|q| q.method == "GET"));
}

#[test]
fn first_pr_before_any_baseline_is_a_notice_not_a_failure() {
    let gh = Fake::start();
    let ws = Ws::new();
    let r = ws.pr(false, &gh.url(), &[]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert!(r.summary.contains("no baseline yet"), "{}", r.summary);
    assert!(r.summary.contains("latency.p95"), "{}", r.summary);
    assert_eq!(r.output("status").as_deref(), Some("no-baseline"));
    assert!(
        r.stdout
            .contains("::warning title=FlameIQ%3A no baseline yet::"),
        "{}",
        r.stdout
    );
    assert!(gh.requests().is_empty());
    assert!(ws.file(".flameiq/report.html").exists());
}

/// The first-run report shows values in their recorded units, as `flameiq report` does:
/// both build the same view (`View::first_run`).
#[test]
fn first_run_report_shows_values_in_their_units() {
    let gh = Fake::start();
    let ws = Ws::new();
    std::fs::write(
        ws.file("pr.json"),
        r#"{"schema_version": 1, "metrics": {"custom": {"tiny": 0.00259}},
            "metric_info": {"custom.tiny": {"unit": "ms", "direction": "lower_is_better"}}}"#,
    )
    .unwrap();
    let r = ws.pr(false, &gh.url(), &[]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    let html = std::fs::read_to_string(ws.file(".flameiq/report.html")).unwrap();
    assert!(html.contains("2.59 µs"), "{html}");
}

#[test]
fn mode_forces_and_push_elsewhere_compares_without_comment() {
    let gh = Fake::start();
    let ws = Ws::new();
    // mode: baseline on a PR sets the baseline.
    let r = ws.run(
        "pull_request",
        &pr_payload(false),
        &gh.url(),
        &[("metrics", "base.json"), ("mode", "baseline")],
        &[],
    );
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert_eq!(r.output("status").as_deref(), Some("baseline"));
    // A push to another branch compares, no comment, no baseline change.
    let mut p = push_payload();
    p["ref"] = "refs/heads/feature".into();
    let r = ws.run("push", &p, &gh.url(), &[("metrics", "pr.json")], &[]);
    assert_eq!(r.code, 1);
    assert_eq!(r.output("status").as_deref(), Some("regression"));
    assert!(gh.requests().is_empty());
    // Bad input values are exit 2 naming the input.
    let r = ws.pr(false, &gh.url(), &[("fail-on-regression", "perhaps")]);
    assert_eq!(r.code, 2);
    assert!(r.stderr.contains("fail-on-regression"), "{}", r.stderr);
    // Flags work like inputs (the same image runs `flameiq ci --mode compare` elsewhere).
    let r = ws.run(
        "push",
        &push_payload(),
        &gh.url(),
        &[("metrics", "pr.json")],
        &["ci", "--mode", "compare", "--threshold", "latency.p95=50%"],
    );
    assert_eq!(r.code, 0, "{}", r.stdout);
}

#[test]
fn outputs_heredoc_parser_matches_the_runner_format() {
    let parsed = parse_outputs("a=1\nb<<FLAMEIQ_EOF\nx\ny\nFLAMEIQ_EOF\n");
    assert_eq!(
        parsed,
        vec![("a".into(), "1".into()), ("b".into(), "x\ny".into())]
    );
}

#[test]
fn huge_results_stay_under_githubs_limits() {
    // 20,000 metrics, all regressed: the summary is cut under 1 MiB, the comment under
    // 65,536 characters (each with a note), and at most 10 error annotations are printed.
    let metrics = |v: f64| {
        let custom: serde_json::Map<String, Value> = (0..20_000)
            .map(|i| (format!("bench_{i:05}_ms"), json!(v)))
            .collect();
        json!({"schema_version": 1,
               "metadata": {"commit": "abc", "branch": "main", "environment": "ci",
                            "timestamp": "2026-11-28T10:00:00", "run_id": "x", "tags": {}},
               "metrics": {"custom": custom}})
        .to_string()
    };
    let gh = Fake::start();
    let ws = Ws::new();
    std::fs::write(ws.file("base.json"), metrics(10.0)).unwrap();
    std::fs::write(ws.file("pr.json"), metrics(20.0)).unwrap();
    assert_eq!(ws.push(&gh.url(), &[]).code, 0);
    let r = ws.pr(false, &gh.url(), &[]);
    assert_eq!(r.code, 1, "{}", r.stderr);
    assert!(r.summary.len() <= 1024 * 1024, "{}", r.summary.len());
    assert!(
        r.summary.contains("left out to stay under"),
        "the cut is said: {}",
        &r.summary[r.summary.len() - 600..]
    );
    let mine = ours(&gh.comments(), "default");
    let body = mine[0]["body"].as_str().unwrap();
    assert!(body.chars().count() <= 65_536, "{}", body.chars().count());
    assert!(body.contains("left out to stay under"), "the cut is said");
    assert!(body.contains("https://github.com/acme/widgets/actions/runs/4242"));
    assert_eq!(r.stdout.matches("::error ").count(), 10);
    assert!(r.stdout.contains("19990 more regression(s) not annotated"));
    assert_eq!(r.output("regressions").as_deref(), Some("20000"));
}

#[test]
fn on_regression_still_updates_an_existing_comment_when_fixed() {
    // A regression comment must not stay up after the PR is fixed.
    let gh = Fake::start();
    let ws = Ws::new();
    assert_eq!(ws.push(&gh.url(), &[]).code, 0);
    let inputs = [("comment", "on-regression")];
    assert_eq!(ws.pr(false, &gh.url(), &inputs).code, 1);
    std::fs::write(ws.file("pr.json"), BASE_METRICS).unwrap();
    let r = ws.pr(false, &gh.url(), &inputs);
    assert_eq!(r.code, 0);
    assert_eq!(posts(&gh.requests()).len(), 1);
    assert_eq!(patches(&gh.requests()).len(), 1);
    let mine = ours(&gh.comments(), "default");
    assert!(
        mine[0]["body"].as_str().unwrap().contains("no regression"),
        "{}",
        mine[0]["body"]
    );
}

/// `flameiq ci` in GitLab CI (the same image, `sh -c 'flameiq ci'`): the other CIs' context
/// decides; flags instead of inputs.
fn gitlab_run(ws: &Ws, vars: &[(&str, &str)], args: &[&str]) -> (i32, String, String) {
    let mut cmd = Command::cargo_bin("flameiq").unwrap();
    cmd.current_dir(ws.path()).env_clear();
    cmd.envs([
        ("GITLAB_CI", "true"),
        ("CI", "true"),
        ("CI_DEFAULT_BRANCH", "main"),
        ("CI_PROJECT_ID", "42"),
        ("CI_PROJECT_PATH", "acme/widgets"),
        ("CI_API_V4_URL", "http://127.0.0.1:9/api/v4"),
        (
            "CI_PIPELINE_URL",
            "https://gitlab.example.com/acme/widgets/-/pipelines/7",
        ),
        ("CI_COMMIT_SHA", "6113728f27ae82c7b1a177c8d03f9e96e0adf246"),
        ("FLAMEIQ_HTTP_RETRY_BASE_MS", "5"),
        ("FLAMEIQ_HTTP_TIMEOUT_MS", "2000"),
    ]);
    cmd.envs(vars.iter().copied());
    cmd.arg("ci").args(args);
    let out = cmd.output().unwrap();
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into(),
        String::from_utf8_lossy(&out.stderr).into(),
    )
}

#[test]
fn gitlab_default_branch_sets_the_baseline_and_an_mr_compares() {
    let ws = Ws::new();
    // An MR pipeline before any baseline: a notice, exit 0 (as on GitHub).
    let mr = [
        ("CI_PIPELINE_SOURCE", "merge_request_event"),
        ("CI_MERGE_REQUEST_IID", "5"),
        ("CI_MERGE_REQUEST_SOURCE_BRANCH_NAME", "changes"),
        ("CI_MERGE_REQUEST_TARGET_BRANCH_NAME", "main"),
    ];
    let (code, _, err) = gitlab_run(&ws, &mr, &["--metrics", "pr.json", "--comment", "never"]);
    assert_eq!(code, 0, "{err}");
    assert!(err.contains("no baseline"), "{err}");
    assert!(!ws.file(".flameiq/baselines/current.json").exists());
    // The default branch pipeline sets it.
    let (code, out, err) = gitlab_run(
        &ws,
        &[("CI_PIPELINE_SOURCE", "push"), ("CI_COMMIT_BRANCH", "main")],
        &["--metrics", "base.json"],
    );
    assert_eq!(code, 0, "{err}");
    assert!(out.contains("Baseline set"), "{out}");
    assert!(ws.file(".flameiq/baselines/current.json").exists());
    // The MR compares: exit 1, no annotations (GitHub-only), result JSON written.
    let (code, out, err) = gitlab_run(&ws, &mr, &["--metrics", "pr.json", "--comment", "never"]);
    assert_eq!(code, 1, "{out}{err}");
    assert!(!out.contains("::error"), "{out}");
    assert!(ws.file(".flameiq/result.json").exists());
    // The note is attempted when allowed; GitLab unreachable is a warning, same exit code.
    let (code, _, err) = gitlab_run(
        &ws,
        &[
            mr.as_slice(),
            &[("FLAMEIQ_GITLAB_TOKEN", "glpat-SECRETTOKEN123")],
        ]
        .concat(),
        &["--metrics", "pr.json"],
    );
    assert_eq!(code, 1, "{err}");
    assert!(!err.contains("glpat-SECRETTOKEN123"));
}

#[test]
fn circleci_needs_the_default_branch_flag() {
    let ws = Ws::new();
    let run = |vars: &[(&str, &str)], args: &[&str]| {
        let mut cmd = Command::cargo_bin("flameiq").unwrap();
        cmd.current_dir(ws.path()).env_clear();
        cmd.envs([("CIRCLECI", "true"), ("CI", "true")]);
        cmd.envs(vars.iter().copied());
        cmd.arg("ci").args(args);
        cmd.output().unwrap()
    };
    // On `trunk` without the flag: not the default branch (main) -> compare, no baseline yet.
    let out = run(&[("CIRCLE_BRANCH", "trunk")], &["--metrics", "base.json"]);
    assert_eq!(out.status.code(), Some(0));
    assert!(!ws.file(".flameiq/baselines/current.json").exists());
    // With --default-branch trunk it is the default branch: baseline.
    let out = run(
        &[("CIRCLE_BRANCH", "trunk")],
        &["--metrics", "base.json", "--default-branch", "trunk"],
    );
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(ws.file(".flameiq/baselines/current.json").exists());
}
