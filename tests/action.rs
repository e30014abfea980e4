//! Issue 3: `flameiq ci` run exactly as the GitHub runner runs the Action's container —
//! `GITHUB_*` variables, `INPUT_*` variables with hyphenated names kept
//! (`INPUT_GITHUB-TOKEN`, `INPUT_FAIL-ON-REGRESSION`), real webhook payloads from
//! octokit/webhooks (`tests/fixtures/github-events/`, re-pointed at `acme/widgets` PR 7 by
//! programmatic edits that keep their full shapes), `GITHUB_STEP_SUMMARY` and
//! `GITHUB_OUTPUT` files — against a loopback HTTP server answering in GitHub's JSON shapes
//! (full issue-comment objects with user objects, `Link` pagination by 100).

use assert_cmd::Command;
use serde_json::{json, Value};
use std::path::{Path, PathBuf};

mod common;
use common::fake_github::*;
use common::workspace::{parse_outputs, Run, Ws, BASE_METRICS, PR_METRICS};

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

impl Ws {
    /// The metrics files and the runner's `_runner_file_commands` folder.
    fn new() -> Ws {
        let w = Ws::with_metrics();
        std::fs::create_dir_all(w.path().join("_runner_file_commands")).unwrap();
        w
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
        self.run_with(event, payload, api, inputs, args, &[])
    }

    /// [`Ws::run`] with extra variables (`FLAMEIQ_*`, a changed `GITHUB_*`) set last.
    fn run_with(
        &self,
        event: &str,
        payload: &Value,
        api: &str,
        inputs: &[(&str, &str)],
        args: &[&str],
        extra: &[(&str, &str)],
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
        // The binary under test: this build's, or another (issue 18: the arm64 one).
        let mut cmd = BIN
            .with(|b| b.borrow().clone())
            .map(Command::new)
            .unwrap_or_else(|| Command::cargo_bin("flameiq").unwrap());
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
        ];
        // The runner passes every input action.yml declares: its default, or empty.
        vars.extend(action_input_defaults());
        // These scenarios test the comment and the `store: file` recipe (the cache
        // steps restore `.flameiq/`); the github store's scenarios (issue13_*) pass
        // `store` themselves, and issue13_the_actions_default_store_is_github runs the real
        // default.
        if !inputs.iter().any(|(k, _)| *k == "store") {
            vars.retain(|(n, _)| n != "INPUT_STORE");
            vars.push(("INPUT_STORE".into(), "file".into()));
        }
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
        for (k, v) in extra {
            vars.retain(|(n, _)| n != k);
            vars.push((k.to_string(), v.to_string()));
        }
        cmd.envs(vars);
        if args.is_empty() {
            cmd.arg("ci");
        } else {
            cmd.args(args);
        }
        let out = cmd.output().unwrap();
        Run::read(&out, Some(&summary), &output)
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

/// `INPUT_<NAME>` = the default of every input in action.yml, as the runner sets them
/// (`${{ github.token }}` is the test token; `metrics` has none).
fn action_input_defaults() -> Vec<(String, String)> {
    let text =
        std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("action.yml")).unwrap();
    let doc: Value = serde_saphyr::from_str(&text).unwrap();
    doc["inputs"]
        .as_object()
        .unwrap()
        .iter()
        .map(|(name, spec)| {
            let v = match spec["default"].as_str() {
                Some("${{ github.token }}") => TOKEN.to_string(),
                Some(d) => d.to_string(),
                None => String::new(),
            };
            (format!("INPUT_{}", name.to_ascii_uppercase()), v)
        })
        .collect()
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
    assert_eq!(r.output("report").as_deref(), Some("flameiq-report.html"));
    assert_eq!(r.output("comment-url").as_deref(), Some(""));
    assert!(ws.file("flameiq-report.html").exists());
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
    assert!(std::fs::read_to_string(ws.file("flameiq-report.html"))
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
    assert!(ws.file("flameiq-report.html").exists());
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
    let html = std::fs::read_to_string(ws.file("flameiq-report.html")).unwrap();
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

// ---------------------------------------------------------------- issue 11

/// The real pytest-benchmark output: its `commit_info` says commit `b8e9e2af…` on `master`,
/// which is what a checkout on a developer's machine said, not what the CI built.
const PYTEST: &str = include_str!("fixtures/pytest-benchmark/several_units.json");
const PYTEST_COMMIT: &str = "b8e9e2af2493a1ee2f3fa758a9572cd9972e6db7";

/// `flameiq <args>` in `ws` with only `vars` in the environment (a CI job's variables).
fn run_env(ws: &Ws, vars: &[(&str, &str)], args: &[&str]) -> (i32, String, String) {
    let mut cmd = Command::cargo_bin("flameiq").unwrap();
    cmd.current_dir(ws.path()).env_clear();
    cmd.envs([
        ("FLAMEIQ_HTTP_RETRY_BASE_MS", "5"),
        ("FLAMEIQ_HTTP_TIMEOUT_MS", "2000"),
    ]);
    cmd.envs(vars.iter().copied());
    cmd.args(args);
    let out = cmd.output().unwrap();
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into(),
        String::from_utf8_lossy(&out.stderr).into(),
    )
}

/// (commit, branch) of every stored baseline, newest first, from `flameiq baseline list
/// --json` run outside any CI.
fn stored(ws: &Ws) -> Vec<(String, String)> {
    let (code, out, err) = run_env(ws, &[], &["baseline", "list", "--json"]);
    assert_eq!(code, 0, "{err}");
    let rows: Vec<Value> = serde_json::from_str(&out).unwrap();
    rows.iter()
        .map(|r| {
            (
                r["commit"].as_str().unwrap_or("").to_string(),
                r["branch"].as_str().unwrap_or("").to_string(),
            )
        })
        .collect()
}

/// The current side's (commit, branch) of `<ws>/<rel>` (a result document).
fn current_side(ws: &Ws, rel: &str) -> (String, String) {
    let doc: Value = serde_json::from_str(&std::fs::read_to_string(ws.file(rel)).unwrap()).unwrap();
    (
        doc["current"]["commit"].as_str().unwrap_or("").to_string(),
        doc["current"]["branch"].as_str().unwrap_or("").to_string(),
    )
}

const JENKINS_MASTER: &[(&str, &str)] = &[
    ("JENKINS_URL", "https://ci.example.com/"),
    ("JENKINS_HOME", "/var/jenkins_home"),
    (
        "BUILD_URL",
        "https://ci.example.com/job/widgets/job/master/12/",
    ),
    ("JOB_NAME", "widgets/master"),
    ("BRANCH_NAME", "master"),
    ("GIT_BRANCH", "master"),
    ("GIT_COMMIT", "5c1a2b3c4d5e6f708192a3b4c5d6e7f801234567"),
    ("FLAMEIQ_DEFAULT_BRANCH", "master"),
];
const JENKINS_PR: &[(&str, &str)] = &[
    ("JENKINS_URL", "https://ci.example.com/"),
    (
        "BUILD_URL",
        "https://ci.example.com/job/widgets/job/PR-7/3/",
    ),
    ("JOB_NAME", "widgets/PR-7"),
    ("BRANCH_NAME", "PR-7"),
    ("GIT_BRANCH", "PR-7"),
    ("CHANGE_ID", "7"),
    ("CHANGE_BRANCH", "feature/faster"),
    ("CHANGE_TARGET", "master"),
    ("CHANGE_URL", "https://github.com/acme/widgets/pull/7"),
    ("GIT_COMMIT", "ec26c3e57ca3a959ca5aad62de7213c562f8c821"),
    ("FLAMEIQ_DEFAULT_BRANCH", "master"),
];
const CIRCLE_MASTER: &[(&str, &str)] = &[
    ("CI", "true"),
    ("CIRCLECI", "true"),
    ("CIRCLE_BRANCH", "master"),
    ("CIRCLE_SHA1", "7d0c5b4a3f2e1d0c9b8a7f6e5d4c3b2a19081726"),
    (
        "CIRCLE_BUILD_URL",
        "https://circleci.com/gh/acme/widgets/88",
    ),
    ("CIRCLE_PROJECT_USERNAME", "acme"),
    ("CIRCLE_PROJECT_REPONAME", "widgets"),
    ("CIRCLE_REPOSITORY_URL", "git@github.com:acme/widgets.git"),
    ("FLAMEIQ_DEFAULT_BRANCH", "master"),
];
const CIRCLE_PR: &[(&str, &str)] = &[
    ("CI", "true"),
    ("CIRCLECI", "true"),
    ("CIRCLE_BRANCH", "feature/faster"),
    ("CIRCLE_SHA1", "ec26c3e57ca3a959ca5aad62de7213c562f8c821"),
    (
        "CIRCLE_PULL_REQUEST",
        "https://github.com/acme/widgets/pull/7",
    ),
    ("CIRCLE_PROJECT_USERNAME", "acme"),
    ("CIRCLE_PROJECT_REPONAME", "widgets"),
    ("FLAMEIQ_DEFAULT_BRANCH", "master"),
];
const GITLAB_MASTER: &[(&str, &str)] = &[
    ("CI_DEFAULT_BRANCH", "master"),
    ("CI_PIPELINE_SOURCE", "push"),
    ("CI_COMMIT_BRANCH", "master"),
    ("CI_COMMIT_REF_NAME", "master"),
    ("CI_COMMIT_SHA", "1f2e3d4c5b6a79881726354453627180a9b8c7d6"),
    ("FLAMEIQ_DEFAULT_BRANCH", "master"),
];
/// A merged-results MR pipeline: CI_COMMIT_SHA is the temporary merge commit.
const GITLAB_MR: &[(&str, &str)] = &[
    ("CI_DEFAULT_BRANCH", "master"),
    ("CI_PIPELINE_SOURCE", "merge_request_event"),
    ("CI_COMMIT_REF_NAME", "feature/faster"),
    ("CI_COMMIT_SHA", "9999999999999999999999999999999999999999"),
    ("CI_MERGE_REQUEST_IID", "5"),
    ("CI_MERGE_REQUEST_EVENT_TYPE", "merged_result"),
    ("CI_MERGE_REQUEST_SOURCE_BRANCH_NAME", "feature/faster"),
    (
        "CI_MERGE_REQUEST_SOURCE_BRANCH_SHA",
        "aa11bb22cc33dd44ee55ff6677889900aabbccdd",
    ),
    ("CI_MERGE_REQUEST_TARGET_BRANCH_NAME", "master"),
    ("CI_MERGE_REQUEST_LABELS", "performance,backend"),
    ("FLAMEIQ_DEFAULT_BRANCH", "master"),
];

fn gitlab_env(extra: &[(&'static str, &'static str)]) -> Vec<(&'static str, &'static str)> {
    let mut v = vec![
        ("GITLAB_CI", "true"),
        ("CI", "true"),
        ("CI_PROJECT_ID", "42"),
        ("CI_PROJECT_PATH", "acme/widgets"),
        ("CI_API_V4_URL", "http://127.0.0.1:9/api/v4"),
        (
            "CI_JOB_URL",
            "https://gitlab.example.com/acme/widgets/-/jobs/7",
        ),
    ];
    for &(k, val) in extra {
        v.retain(|&(n, _)| n != k);
        v.push((k, val));
    }
    v
}

#[test]
fn issue11_defect1_jenkins_master_default_branch_sets_the_baseline() {
    let ws = Ws::new();
    let (code, out, err) = run_env(&ws, JENKINS_MASTER, &["ci", "--metrics", "base.json"]);
    assert_eq!(code, 0, "{out}{err}");
    assert!(out.contains("Baseline set"), "{out}{err}");
    assert!(ws.file(".flameiq/baselines/current.json").exists());
    // The PR build then compares against it and fails on the regression.
    let (code, out, err) = run_env(
        &ws,
        JENKINS_PR,
        &["ci", "--metrics", "pr.json", "--comment", "never"],
    );
    assert_eq!(code, 1, "{out}{err}");
}

/// One process's run of `custom.parse` for the repetitions test: value and samples.
fn process_run(value: f64, samples: &[f64]) -> String {
    json!({"schema_version": 1,
           "metadata": {"commit": "abc", "branch": "master", "environment": "ci",
                        "timestamp": "2026-11-28T10:00:00", "run_id": "r", "tags": {}},
           "metrics": {"custom": {"parse": value}},
           "metric_info": {"custom.parse": {"unit": "ms", "samples": samples}}})
    .to_string()
}

/// Issue 14: `flameiq ci` pools repetitions from the `--repetitions` flag and from the
/// Action's `repetitions` input, and refuses a bad value with exit 2 naming it.
#[test]
fn issue14_ci_pools_repetitions_from_the_flag_and_from_the_input() {
    let ws = Ws::new();
    std::fs::write(ws.file("r1.json"), process_run(10.0, &[10.0, 10.1])).unwrap();
    std::fs::write(ws.file("r2.json"), process_run(12.0, &[11.9, 12.1])).unwrap();
    let both = ["ci", "-m", "r1.json", "-m", "r2.json", "--comment", "never"];
    let (code, out, err) = run_env(
        &ws,
        JENKINS_MASTER,
        &[&both[..], &["--repetitions", "true"]].concat(),
    );
    assert_eq!(code, 0, "{out}{err}");
    let stored: Value = serde_json::from_str(
        &std::fs::read_to_string(ws.file(".flameiq/baselines/current.json")).unwrap(),
    )
    .unwrap();
    assert_eq!(stored["metrics"]["custom"]["parse"], 11.0, "{stored}");
    assert_eq!(
        stored["metric_info"]["custom.parse"]["samples"],
        json!([10.0, 10.1, 11.9, 12.1])
    );
    // The PR build with the input instead of the flag compares the pooled run: no change.
    let pr: Vec<(&str, &str)> = [JENKINS_PR, &[("INPUT_REPETITIONS", "true")]].concat();
    let (code, out, err) = run_env(&ws, &pr, &both);
    assert_eq!(code, 0, "{out}{err}");
    assert!(out.contains("custom.parse"), "{out}");
    // Without either, a key in two files is refused as before.
    let (code, _, err) = run_env(&ws, JENKINS_PR, &both);
    assert_eq!(code, 3, "{err}");
    assert!(err.contains("also produced by"), "{err}");
    let (code, _, err) = run_env(
        &ws,
        JENKINS_PR,
        &[&both[..], &["--repetitions", "twice"]].concat(),
    );
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("invalid repetitions 'twice'"), "{err}");
}

/// Issue 14, docs/statistics.md "Re-run only when the gate fails": the default branch stores
/// one process per run; a PR run whose one process was slowed whole fails (exit 1) and
/// leaves the store as it was; the same PR judged again with a second process pooled in
/// (`--repetitions true`) passes, and a real slowdown, slowing both processes, still fails.
#[test]
fn issue14_rerun_on_failure_pools_the_second_process_against_a_single_process_history() {
    let ws = Ws::new();
    // A timing, as the tools' providers mark one: the pooled value is the best process's.
    let process_run = |value: f64, samples: &[f64]| {
        let mut run: Value = serde_json::from_str(&process_run(value, samples)).unwrap();
        run["metric_info"]["custom.parse"]["direction"] = json!("lower_is_better");
        run.to_string()
    };
    std::fs::write(ws.file("main.json"), process_run(10.0, &[10.0, 10.1])).unwrap();
    let (code, out, err) = run_env(&ws, JENKINS_MASTER, &["ci", "-m", "main.json"]);
    assert_eq!(code, 0, "{out}{err}");
    let store = || {
        ["current.json", "history.jsonl"]
            .map(|f| std::fs::read(ws.file(&format!(".flameiq/baselines/{f}"))).unwrap())
    };
    let before = store();
    // The slowed process: +20 % in every sample.
    std::fs::write(ws.file("pr-1.json"), process_run(12.0, &[11.9, 12.1])).unwrap();
    let first = ["ci", "-m", "pr-1.json", "--comment", "never"];
    let (code, out, err) = run_env(&ws, JENKINS_PR, &first);
    assert_eq!(code, 1, "{out}{err}");
    assert!(store() == before, "a PR run never writes the store");
    // The re-run's process was not slowed: the pooled run is located by it.
    std::fs::write(ws.file("pr-2.json"), process_run(10.05, &[10.0, 10.1])).unwrap();
    let pooled = [&first[..], &["-m", "pr-2.json", "--repetitions", "true"]].concat();
    let (code, out, err) = run_env(&ws, JENKINS_PR, &pooled);
    assert_eq!(code, 0, "{out}{err}");
    // A slowdown of the code slows the second process too: still a regression.
    std::fs::write(ws.file("pr-2.json"), process_run(11.9, &[11.8, 12.0])).unwrap();
    let (code, out, err) = run_env(&ws, JENKINS_PR, &pooled);
    assert_eq!(code, 1, "{out}{err}");
    assert!(out.contains("custom.parse"), "{out}");
}

#[test]
fn issue11_defect1_circleci_master_default_branch_sets_the_baseline() {
    let ws = Ws::new();
    let (code, out, err) = run_env(&ws, CIRCLE_MASTER, &["ci", "--metrics", "base.json"]);
    assert_eq!(code, 0, "{out}{err}");
    assert!(out.contains("Baseline set"), "{out}{err}");
    let (code, out, err) = run_env(
        &ws,
        CIRCLE_PR,
        &["ci", "--metrics", "pr.json", "--comment", "never"],
    );
    assert_eq!(code, 1, "{out}{err}");
}

#[test]
fn issue11_defect1_gitlab_master_default_branch_sets_the_baseline_with_the_ci_commit() {
    let ws = Ws::new();
    std::fs::write(ws.file("bench.json"), PYTEST).unwrap();
    let (code, out, err) = run_env(
        &ws,
        &gitlab_env(GITLAB_MASTER),
        &["ci", "--metrics", "bench.json"],
    );
    assert_eq!(code, 0, "{out}{err}");
    assert!(out.contains("Baseline set"), "{out}{err}");
    assert_eq!(
        stored(&ws),
        vec![(
            "1f2e3d4c5b6a79881726354453627180a9b8c7d6".to_string(),
            "master".to_string()
        )]
    );
}

#[test]
fn issue11_defect1_github_master_without_a_payload_default_branch_reads_the_variable() {
    // A payload without `repository.default_branch` (act, a hand-made event): the variable
    // names the default branch.
    let gh = Fake::start();
    let ws = Ws::new();
    let mut p = push_payload();
    p["ref"] = "refs/heads/master".into();
    p["repository"]
        .as_object_mut()
        .unwrap()
        .remove("default_branch");
    let r = ws.run_with(
        "push",
        &p,
        &gh.url(),
        &[("metrics", "base.json")],
        &[],
        &[
            ("FLAMEIQ_DEFAULT_BRANCH", "master"),
            ("GITHUB_REF_NAME", "master"),
        ],
    );
    assert_eq!(r.code, 0, "{}{}", r.stdout, r.stderr);
    assert_eq!(
        r.output("status").as_deref(),
        Some("baseline"),
        "{}",
        r.stdout
    );
    // And a master push whose payload says master sets it without any variable.
    let mut p = push_payload();
    p["ref"] = "refs/heads/master".into();
    p["repository"]["default_branch"] = "master".into();
    std::fs::remove_dir_all(ws.file(".flameiq")).unwrap();
    let r = ws.run("push", &p, &gh.url(), &[("metrics", "base.json")], &[]);
    assert_eq!(
        r.output("status").as_deref(),
        Some("baseline"),
        "{}",
        r.stdout
    );
}

#[test]
fn issue11_defect1_comment_reads_the_default_branch_variable() {
    let out = Command::cargo_bin("flameiq")
        .unwrap()
        .args(["comment", "--help"])
        .output()
        .unwrap();
    let help = String::from_utf8_lossy(&out.stdout);
    assert!(help.contains("FLAMEIQ_DEFAULT_BRANCH"), "{help}");
}

#[test]
fn issue11_defect2_github_records_the_pr_head_and_the_head_ref() {
    let gh = Fake::start();
    let ws = Ws::new();
    std::fs::write(ws.file("bench.json"), PYTEST).unwrap();
    // Push to main: GITHUB_SHA (the pushed commit) and the ref name, not the file's.
    let r = ws.push(&gh.url(), &[("metrics", "bench.json")]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert_eq!(
        stored(&ws),
        vec![(
            "0123456789abcdef0123456789abcdef01234567".to_string(),
            "main".to_string()
        )]
    );
    // The PR: the head's SHA from the payload (GITHUB_SHA is the merge commit) and
    // GITHUB_HEAD_REF.
    let r = ws.pr(
        false,
        &gh.url(),
        &[("metrics", "bench.json"), ("comment", "never")],
    );
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert_eq!(
        current_side(&ws, ".flameiq/result.json"),
        (
            "ec26c3e57ca3a959ca5aad62de7213c562f8c821".to_string(),
            "changes".to_string()
        )
    );
    assert!(!std::fs::read_to_string(ws.file(".flameiq/result.json"))
        .unwrap()
        .contains(PYTEST_COMMIT));
}

#[test]
fn issue11_defect2_gitlab_records_the_mr_branch_and_head_not_detached_head() {
    let ws = Ws::new();
    // pytest-benchmark on GitLab's detached checkout writes "(detached head)".
    let detached = PYTEST.replace("\"branch\": \"master\"", "\"branch\": \"(detached head)\"");
    assert_ne!(detached, PYTEST);
    std::fs::write(ws.file("bench.json"), &detached).unwrap();
    let (code, out, err) = run_env(
        &ws,
        &gitlab_env(GITLAB_MASTER),
        &["ci", "--metrics", "bench.json"],
    );
    assert_eq!(code, 0, "{out}{err}");
    let (code, out, err) = run_env(
        &ws,
        &gitlab_env(GITLAB_MR),
        &["ci", "--metrics", "bench.json", "--comment", "never"],
    );
    assert_eq!(code, 0, "{out}{err}");
    // Merged results: the MR head (CI_MERGE_REQUEST_SOURCE_BRANCH_SHA), its source branch.
    assert_eq!(
        current_side(&ws, ".flameiq/result.json"),
        (
            "aa11bb22cc33dd44ee55ff6677889900aabbccdd".to_string(),
            "feature/faster".to_string()
        )
    );
    let doc = std::fs::read_to_string(ws.file(".flameiq/result.json")).unwrap();
    assert!(!doc.contains("detached"), "{doc}");
    // Plain `compare` and `baseline set` inside the MR pipeline say the same.
    let (code, _, err) = run_env(
        &ws,
        &gitlab_env(GITLAB_MR),
        &[
            "compare",
            "--metrics",
            "bench.json",
            "--provider",
            "pytest-benchmark",
            "--output",
            "plain.json",
        ],
    );
    assert_eq!(code, 0, "{err}");
    assert_eq!(
        current_side(&ws, "plain.json"),
        (
            "aa11bb22cc33dd44ee55ff6677889900aabbccdd".to_string(),
            "feature/faster".to_string()
        )
    );
    let (code, _, err) = run_env(
        &ws,
        &gitlab_env(GITLAB_MASTER),
        &[
            "baseline",
            "set",
            "--metrics",
            "bench.json",
            "--provider",
            "pytest-benchmark",
        ],
    );
    assert_eq!(code, 0, "{err}");
    let branches: Vec<String> = stored(&ws).into_iter().map(|(_, b)| b).collect();
    assert_eq!(branches, vec!["master", "master"]);
}

#[test]
fn issue11_defect2_jenkins_records_git_commit_and_change_branch() {
    let ws = Ws::new();
    std::fs::write(ws.file("bench.json"), PYTEST).unwrap();
    let (code, _, err) = run_env(
        &ws,
        JENKINS_MASTER,
        &[
            "baseline",
            "set",
            "--metrics",
            "bench.json",
            "--provider",
            "pytest-benchmark",
        ],
    );
    assert_eq!(code, 0, "{err}");
    assert_eq!(
        stored(&ws),
        vec![(
            "5c1a2b3c4d5e6f708192a3b4c5d6e7f801234567".to_string(),
            "master".to_string()
        )]
    );
    // `baseline list` (the table) shows the real branch.
    let (_, table, _) = run_env(&ws, &[], &["baseline", "list"]);
    assert!(table.contains("5c1a2b3c4d5e"), "{table}");
    assert!(!table.contains("b8e9e2af2493"), "{table}");
    let (code, out, err) = run_env(
        &ws,
        JENKINS_PR,
        &["ci", "--metrics", "bench.json", "--comment", "never"],
    );
    assert_eq!(code, 0, "{out}{err}");
    assert_eq!(
        current_side(&ws, ".flameiq/result.json"),
        (
            "ec26c3e57ca3a959ca5aad62de7213c562f8c821".to_string(),
            "feature/faster".to_string()
        )
    );
}

#[test]
fn issue11_defect2_circleci_records_circle_sha1_and_branch() {
    let ws = Ws::new();
    std::fs::write(ws.file("bench.json"), PYTEST).unwrap();
    let (code, _, err) = run_env(&ws, CIRCLE_MASTER, &["ci", "--metrics", "bench.json"]);
    assert_eq!(code, 0, "{err}");
    assert_eq!(
        stored(&ws),
        vec![(
            "7d0c5b4a3f2e1d0c9b8a7f6e5d4c3b2a19081726".to_string(),
            "master".to_string()
        )]
    );
    let (code, _, err) = run_env(
        &ws,
        CIRCLE_PR,
        &[
            "compare",
            "--metrics",
            "bench.json",
            "--provider",
            "pytest-benchmark",
            "--output",
            "r.json",
        ],
    );
    assert_eq!(code, 0, "{err}");
    assert_eq!(
        current_side(&ws, "r.json"),
        (
            "ec26c3e57ca3a959ca5aad62de7213c562f8c821".to_string(),
            "feature/faster".to_string()
        )
    );
}

#[test]
fn outside_a_ci_the_files_own_commit_is_kept() {
    let ws = Ws::new();
    std::fs::write(ws.file("bench.json"), PYTEST).unwrap();
    let (code, _, err) = run_env(
        &ws,
        &[],
        &[
            "baseline",
            "set",
            "--metrics",
            "bench.json",
            "--provider",
            "pytest-benchmark",
        ],
    );
    assert_eq!(code, 0, "{err}");
    assert_eq!(
        stored(&ws),
        vec![(PYTEST_COMMIT.to_string(), "master".to_string())]
    );
}

#[test]
fn issue11_defect3_the_report_lands_where_upload_artifact_finds_it_and_dir_moves_the_result() {
    let gh = Fake::start();
    let ws = Ws::new();
    // action.yml's default report path has no hidden component.
    let defaults = action_input_defaults();
    let report = &defaults
        .iter()
        .find(|(k, _)| k == "INPUT_REPORT")
        .unwrap()
        .1;
    assert!(
        Path::new(report)
            .components()
            .all(|c| !c.as_os_str().to_string_lossy().starts_with('.')),
        "hidden report default {report}"
    );
    let store = [("dir", "perf-store")];
    assert_eq!(ws.push(&gh.url(), &store).code, 0);
    assert!(ws.file("perf-store/baselines/current.json").exists());
    let r = ws.pr(
        false,
        &gh.url(),
        &[("dir", "perf-store"), ("comment", "never")],
    );
    assert_eq!(r.code, 1, "{}", r.stderr);
    assert_eq!(r.output("report").as_deref(), Some("flameiq-report.html"));
    assert!(ws.file("flameiq-report.html").exists());
    assert_eq!(
        r.output("result").as_deref(),
        Some("perf-store/result.json")
    );
    assert!(ws.file("perf-store/result.json").exists());
    assert!(!ws.file(".flameiq").exists());
    // The flag's help says the same.
    let out = Command::cargo_bin("flameiq")
        .unwrap()
        .args(["ci", "--help"])
        .env("COLUMNS", "200")
        .output()
        .unwrap();
    let help = String::from_utf8_lossy(&out.stdout);
    assert!(help.contains("default flameiq-report.html"), "{help}");
    assert!(help.contains("default <dir>/result.json"), "{help}");
}

#[test]
fn issue11_defect5_no_baseline_says_what_is_missing_per_ci() {
    let gh = Fake::start();
    let ws = Ws::new();
    // GitHub: a ::warning annotation naming the store, the cache step and the doc section.
    let r = ws.pr(false, &gh.url(), &[]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    let line = r
        .stdout
        .lines()
        .find(|l| l.starts_with("::warning title=FlameIQ%3A no baseline yet::"))
        .unwrap_or_else(|| panic!("{}", r.stdout));
    assert!(
        line.contains(
            "no baseline in .flameiq: the default-branch run has not saved one, or the cache \
             step that restores .flameiq is missing — see docs/action.md#a-complete-workflow-with-a-baseline-that-really-refreshes"
        ),
        "{line}"
    );
    assert!(!line.contains("flameiq baseline set"), "{line}");
    assert!(r.summary.contains("cache step"), "{}", r.summary);
    // The other CIs: a warning on stderr naming their own mechanism.
    for (vars, needle) in [
        (
            gitlab_env(GITLAB_MR),
            "docs/ci/gitlab-ci.md#the-baseline-cache-and-why-it-really-refreshes",
        ),
        (
            JENKINS_PR.to_vec(),
            "docs/ci/jenkins.md#the-baseline-store-and-why-it-really-refreshes",
        ),
        (
            CIRCLE_PR.to_vec(),
            "docs/ci/circleci.md#the-baseline-cache-and-why-it-really-refreshes",
        ),
    ] {
        let (code, out, err) = run_env(
            &ws,
            &vars,
            &["ci", "--metrics", "pr.json", "--comment", "never"],
        );
        assert_eq!(code, 0, "{out}{err}");
        assert!(err.contains("no baseline in .flameiq"), "{err}");
        assert!(err.contains(needle), "{err}");
        assert!(!err.contains("flameiq baseline set"), "{err}");
    }
    // Every section named exists (GitHub's heading anchors).
    let anchor = |h: &str| {
        h.trim_start_matches('#')
            .trim()
            .to_lowercase()
            .chars()
            .filter(|c| c.is_alphanumeric() || *c == ' ' || *c == '-')
            .map(|c| if c == ' ' { '-' } else { c })
            .collect::<String>()
    };
    for (doc, id) in [
        (
            "docs/action.md",
            "a-complete-workflow-with-a-baseline-that-really-refreshes",
        ),
        (
            "docs/ci/gitlab-ci.md",
            "the-baseline-cache-and-why-it-really-refreshes",
        ),
        (
            "docs/ci/jenkins.md",
            "the-baseline-store-and-why-it-really-refreshes",
        ),
        (
            "docs/ci/circleci.md",
            "the-baseline-cache-and-why-it-really-refreshes",
        ),
    ] {
        let text =
            std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join(doc)).unwrap();
        assert!(
            text.lines()
                .filter(|l| l.starts_with('#'))
                .any(|l| anchor(l) == id),
            "{doc} has no section #{id}"
        );
    }
}

/// The PR payload with one more label.
fn labelled(mut p: Value, name: &str) -> Value {
    let mut l = p["pull_request"]["labels"][0].clone();
    l["name"] = name.into();
    p["pull_request"]["labels"].as_array_mut().unwrap().push(l);
    p
}

#[test]
fn issue11_item8_the_accept_label_turns_a_regression_into_an_accepted_one() {
    let gh = Fake::start();
    let ws = Ws::new();
    assert_eq!(ws.push(&gh.url(), &[]).code, 0);
    let payload = labelled(pr_payload(false), "flameiq:accept");
    let r = ws.run(
        "pull_request",
        &payload,
        &gh.url(),
        &[("metrics", "pr.json")],
        &[],
    );
    assert_eq!(r.code, 0, "{}{}", r.stdout, r.stderr);
    assert_eq!(r.output("status").as_deref(), Some("regression"));
    assert_eq!(
        r.output("accepted-by-label").as_deref(),
        Some("flameiq:accept")
    );
    assert!(r.summary.contains("Accepted by label"), "{}", r.summary);
    // The accepted regression is annotated as a warning that names the label, never as an
    // `::error` (the gate passed).
    assert!(
        !r.stdout.lines().any(|l| l.starts_with("::error")),
        "{}",
        r.stdout
    );
    assert!(
        r.stdout.lines().any(|l| l.starts_with(
            "::warning title=FlameIQ regression accepted by label flameiq%3Aaccept%3A "
        )),
        "{}",
        r.stdout
    );
    let mine = ours(&gh.comments(), "default");
    assert_eq!(mine.len(), 1);
    assert!(
        mine[0]["body"]
            .as_str()
            .unwrap()
            .contains("Accepted by label"),
        "{}",
        mine[0]["body"]
    );
    // Another label accepts nothing; a custom accept-label does.
    let other = labelled(pr_payload(false), "perf-ok");
    let r = ws.run(
        "pull_request",
        &other,
        &gh.url(),
        &[("metrics", "pr.json")],
        &[],
    );
    assert_eq!(r.code, 1);
    assert_eq!(r.output("accepted-by-label").as_deref(), Some(""));
    let r = ws.run(
        "pull_request",
        &other,
        &gh.url(),
        &[("metrics", "pr.json"), ("accept-label", "perf-ok")],
        &[],
    );
    assert_eq!(r.code, 0, "{}", r.stderr);
    // GitLab: CI_MERGE_REQUEST_LABELS.
    let ws = Ws::new();
    let gl_master = gitlab_env(GITLAB_MASTER);
    assert_eq!(
        run_env(&ws, &gl_master, &["ci", "--metrics", "base.json"]).0,
        0
    );
    let args = ["ci", "--metrics", "pr.json", "--comment", "never"];
    assert_eq!(run_env(&ws, &gitlab_env(GITLAB_MR), &args).0, 1);
    let accepted = gitlab_env(
        &[
            GITLAB_MR,
            &[("CI_MERGE_REQUEST_LABELS", "performance,flameiq:accept")],
        ]
        .concat(),
    );
    let (code, out, err) = run_env(&ws, &accepted, &args);
    assert_eq!(code, 0, "{out}{err}");
    assert!(
        out.contains("accepted by the label 'flameiq:accept'"),
        "{out}"
    );
}

#[test]
fn issue11_item9_ci_writes_junit() {
    let ws = Ws::new();
    assert_eq!(
        run_env(
            &ws,
            &gitlab_env(GITLAB_MASTER),
            &["ci", "--metrics", "base.json", "--junit", "j.xml"]
        )
        .0,
        0
    );
    assert!(!ws.file("j.xml").exists(), "nothing compared, no JUnit");
    let (code, out, err) = run_env(
        &ws,
        &gitlab_env(GITLAB_MR),
        &[
            "ci",
            "--metrics",
            "pr.json",
            "--comment",
            "never",
            "--junit",
            "flameiq-junit.xml",
        ],
    );
    assert_eq!(code, 1, "{out}{err}");
    let xml = std::fs::read_to_string(ws.file("flameiq-junit.xml")).unwrap();
    assert!(xml.contains("<testsuite"), "{xml}");
    assert!(xml.contains("latency.p95"), "{xml}");
    assert!(xml.contains("<failure"), "{xml}");
}

/// Runs entrypoint.sh with a stand-in `flameiq` first on PATH that prints its arguments.
fn entrypoint(args: &[&str], stdin: &str) -> String {
    let dir = tempfile::tempdir().unwrap();
    let fake = dir.path().join("flameiq");
    std::fs::write(&fake, "#!/bin/sh\necho \"flameiq[$*]\"\n").unwrap();
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&fake, std::fs::Permissions::from_mode(0o755)).unwrap();
    }
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("entrypoint.sh");
    let out = Command::new("bash")
        .arg(script)
        .args(args)
        .env("PATH", format!("{}:/usr/bin:/bin", dir.path().display()))
        .write_stdin(stdin.to_string())
        .output()
        .unwrap();
    assert!(out.status.success(), "{args:?}: {out:?}");
    String::from_utf8_lossy(&out.stdout).into_owned()
}

#[test]
fn issue11_item7_the_entrypoint_runs_flameiq_or_what_the_ci_asks() {
    // The GitHub Action: no argument.
    assert_eq!(entrypoint(&[], ""), "flameiq[ci]\n");
    // flameiq subcommands and options.
    assert_eq!(
        entrypoint(&["compare", "--metrics", "b.json"], ""),
        "flameiq[compare --metrics b.json]\n"
    );
    assert_eq!(entrypoint(&["--version"], ""), "flameiq[--version]\n");
    assert_eq!(
        entrypoint(&["ci", "--junit", "j.xml"], ""),
        "flameiq[ci --junit j.xml]\n"
    );
    // GitLab's docker executor: the job's shell.
    assert_eq!(entrypoint(&["sh", "-c", "echo from-sh"], ""), "from-sh\n");
    // Jenkins' docker.image().inside: `cat` keeps the container alive on its stdin.
    assert_eq!(entrypoint(&["cat"], "kept alive\n"), "kept alive\n");
    // A shell by absolute path (CircleCI, `docker run -it <image> /bin/bash`).
    assert_eq!(
        entrypoint(&["/bin/bash", "-c", "echo from-bash"], ""),
        "from-bash\n"
    );
}

#[test]
fn the_entrypoint_knows_every_subcommand() {
    let out = Command::cargo_bin("flameiq")
        .unwrap()
        .arg("--help")
        .env("COLUMNS", "100")
        .output()
        .unwrap();
    let help = String::from_utf8_lossy(&out.stdout);
    let commands: Vec<&str> = help
        .split("Commands:")
        .nth(1)
        .unwrap()
        .split("\n\n")
        .next()
        .unwrap()
        .lines()
        .filter_map(|l| l.split_whitespace().next())
        .collect();
    assert!(
        commands.contains(&"ci") && commands.contains(&"help"),
        "{commands:?}"
    );
    for c in commands {
        assert_eq!(
            entrypoint(&[c, "x"], ""),
            format!("flameiq[{c} x]\n"),
            "entrypoint.sh does not pass '{c}' to flameiq"
        );
    }
}

/// Runs scripts/lint-ci-examples.sh on `folder` (no FLAMEIQ_BIN: the flag check is not
/// what these tests are about); (exit code, stdout + stderr).
fn lint_recipes(folder: &Path) -> (i32, String) {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let out = Command::new("bash")
        .arg(root.join("scripts/lint-ci-examples.sh"))
        .arg(folder)
        .env_remove("FLAMEIQ_BIN")
        .env("FLAMEIQ_LINT_QUICK", "1")
        .output()
        .unwrap();
    (
        out.status.code().unwrap_or(-1),
        format!(
            "{}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        ),
    )
}

/// The documented matrix workflow (docs/action.md), as a file.
fn documented_matrix_workflow() -> String {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let doc = std::fs::read_to_string(root.join("docs/action.md")).unwrap();
    let section = doc
        .split("### Matrix jobs")
        .nth(1)
        .expect("a matrix section");
    let block = section.split("```yaml\n").nth(1).unwrap();
    block.split("```").next().unwrap().to_string()
}

#[test]
fn issue11_defect4_the_lint_fails_a_matrix_cache_key_without_the_matrix_variable() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let dir = tempfile::tempdir().unwrap();
    for f in ["gitlab-ci.yml", "circleci-config.yml", "Jenkinsfile"] {
        std::fs::copy(root.join("examples/ci").join(f), dir.path().join(f)).unwrap();
    }
    let good = documented_matrix_workflow();
    assert!(good.contains("matrix:"), "{good}");
    std::fs::write(dir.path().join("github-actions.yml"), &good).unwrap();
    let (code, out) = lint_recipes(dir.path());
    assert!(
        out.contains("matrix/upload/entrypoint check: 4 file(s), 0 problem(s)"),
        "{out}"
    );
    assert_eq!(code, 0, "{out}");
    // The key every leg shares (the old documented one): the lint fails, naming it.
    let shared = good.replace("${{ matrix.python }}-", "");
    assert_ne!(shared, good);
    std::fs::write(dir.path().join("github-actions.yml"), &shared).unwrap();
    let (code, out) = lint_recipes(dir.path());
    assert_eq!(code, 1, "{out}");
    assert!(out.contains("lacks matrix.python"), "{out}");
    // A leg without its own store environment also fails.
    let no_env = good.replace(
        "          environment: ${{ matrix.os }}-py${{ matrix.python }}\n",
        "",
    );
    assert_ne!(no_env, good);
    std::fs::write(dir.path().join("github-actions.yml"), &no_env).unwrap();
    let (code, out) = lint_recipes(dir.path());
    assert_eq!(code, 1, "{out}");
    assert!(out.contains("store environment per leg"), "{out}");
    // A GitLab parallel:matrix job with one cache for all legs fails too.
    std::fs::write(dir.path().join("github-actions.yml"), &good).unwrap();
    let gitlab = std::fs::read_to_string(root.join("examples/ci/gitlab-ci.yml")).unwrap()
        + "\nflameiq-matrix:\n  extends: .flameiq\n  parallel:\n    matrix:\n      - PYTHON: [\"3.11\", \"3.12\"]\n  cache:\n    key: flameiq-baseline-$CI_DEFAULT_BRANCH\n    paths:\n      - .flameiq/\n";
    std::fs::write(dir.path().join("gitlab-ci.yml"), gitlab).unwrap();
    let (code, out) = lint_recipes(dir.path());
    assert_eq!(code, 1, "{out}");
    assert!(out.contains("lacks $PYTHON"), "{out}");
}

#[test]
fn issue11_defect3_the_lint_fails_an_upload_of_a_hidden_path_and_entrypoint_overrides() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let dir = tempfile::tempdir().unwrap();
    for f in [
        "gitlab-ci.yml",
        "circleci-config.yml",
        "Jenkinsfile",
        "github-actions.yml",
    ] {
        std::fs::copy(root.join("examples/ci").join(f), dir.path().join(f)).unwrap();
    }
    let gh = std::fs::read_to_string(root.join("examples/ci/github-actions.yml")).unwrap();
    let hidden = gh.replace(
        "            flameiq-report.html\n",
        "            .flameiq/report.html\n",
    );
    assert_ne!(hidden, gh);
    std::fs::write(dir.path().join("github-actions.yml"), hidden).unwrap();
    let gl = std::fs::read_to_string(root.join("examples/ci/gitlab-ci.yml")).unwrap();
    let overridden = gl.replace(
        "  image: ghcr.io/flameiq/flameiq:v1\n",
        "  image:\n    name: ghcr.io/flameiq/flameiq:v1\n    entrypoint: [\"\"]\n",
    );
    assert_ne!(overridden, gl);
    std::fs::write(dir.path().join("gitlab-ci.yml"), overridden).unwrap();
    let (code, out) = lint_recipes(dir.path());
    assert_eq!(code, 1, "{out}");
    assert!(
        out.contains("uploads the hidden path '.flameiq/report.html'"),
        "{out}"
    );
    assert!(
        out.contains("gitlab-ci.yml: overrides the image's entrypoint"),
        "{out}"
    );
}

#[test]
fn issue11_the_shipped_recipes_and_docs_pass_the_lint() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let (code, out) = lint_recipes(&root.join("examples/ci"));
    assert_eq!(code, 0, "{out}");
    // The docs are among the files checked (docs/**/*.md and README.md).
    let n: usize = out
        .split("matrix/upload/entrypoint check: ")
        .nth(1)
        .and_then(|r| r.split(' ').next())
        .and_then(|n| n.parse().ok())
        .unwrap_or_else(|| panic!("{out}"));
    assert!(n >= 4 + 6, "{out}");
}

// ---------------------------------------------------------------- issue 18: check runs

/// The PR head commit of [`pr_payload`]: the check run goes there, not on the merge commit.
fn pr_head_sha() -> String {
    pr_payload(false)["pull_request"]["head"]["sha"]
        .as_str()
        .unwrap()
        .to_string()
}

fn check_requests(gh: &Fake) -> Vec<Req> {
    gh.state.lock().unwrap().checks.requests.clone()
}

fn check_runs(gh: &Fake, name: &str) -> Vec<Value> {
    gh.state.lock().unwrap().checks.named(&pr_head_sha(), name)
}

fn check_annotations(gh: &Fake, run: &Value) -> Vec<Value> {
    let id = run["id"].as_u64().unwrap();
    gh.state
        .lock()
        .unwrap()
        .checks
        .annotations
        .get(&id)
        .cloned()
        .unwrap_or_default()
}

/// Check-run writes (POST/PATCH) and how many annotations each carried.
fn check_writes(reqs: &[Req]) -> Vec<(String, usize)> {
    reqs.iter()
        .filter(|r| r.path.contains("/check-runs") && r.method != "GET")
        .map(|r| {
            let b: Value = serde_json::from_str(&r.body).unwrap();
            let n = b["output"]["annotations"].as_array().map_or(0, Vec::len);
            (r.method.clone(), n)
        })
        .collect()
}

#[test]
fn issue18_check_run_created_on_the_first_run_and_updated_not_duplicated_on_a_rerun() {
    let gh = Fake::start();
    // The job's own check run can carry the same name: it is not ours (no marker).
    {
        let mut s = gh.state.lock().unwrap();
        let port = gh.port;
        let body = json!({"name": "FlameIQ", "head_sha": pr_head_sha(), "status": "in_progress",
                          "output": {"title": null, "summary": null}});
        s.checks.runs.push(check_run_object(1, port, &body));
    }
    let ws = Ws::new();
    assert_eq!(ws.push(&gh.url(), &[]).code, 0);
    assert!(
        check_requests(&gh).is_empty(),
        "a baseline run writes no check run"
    );

    let r = ws.pr(false, &gh.url(), &[]);
    assert_eq!(r.code, 1, "{}\n{}", r.stdout, r.stderr);
    let runs = check_runs(&gh, "FlameIQ");
    assert_eq!(runs.len(), 2, "the job's and ours: {runs:#?}");
    let mine = &runs[1];
    assert_eq!(mine["conclusion"], "failure");
    assert_eq!(mine["status"], "completed");
    assert_eq!(
        mine["details_url"],
        "https://github.com/acme/widgets/actions/runs/4242"
    );
    let summary = mine["output"]["summary"].as_str().unwrap();
    assert!(
        summary.starts_with("<!-- flameiq:default -->\n"),
        "{summary}"
    );
    assert!(summary.contains("1 of 4 metrics regressed"), "{summary}");
    assert_eq!(mine["output"]["title"], "1 of 4 metrics regressed");
    let notes = check_annotations(&gh, mine);
    assert_eq!(notes.len(), 2, "one per regression and warning: {notes:#?}");
    assert_eq!(notes[0]["annotation_level"], "failure");
    assert_eq!(notes[0]["title"], "FlameIQ regression: latency.p95");
    assert_eq!(notes[0]["path"], "pr.json");
    assert_eq!(notes[1]["annotation_level"], "warning");
    assert!(
        r.stdout.contains("Check run 'FlameIQ' created (failure)"),
        "{}",
        r.stdout
    );
    assert_eq!(
        runs[0]["status"], "in_progress",
        "the job's check run is left alone"
    );
    r.assert_no_token();

    // Re-run of the same commit, now passing: the same check run, updated in place, and
    // its annotations are not sent twice.
    std::fs::write(ws.file("pr.json"), BASE_METRICS).unwrap();
    let before = check_requests(&gh).len();
    let r = ws.pr(false, &gh.url(), &[]);
    assert_eq!(r.code, 0, "{}\n{}", r.stdout, r.stderr);
    let runs = check_runs(&gh, "FlameIQ");
    assert_eq!(runs.len(), 2, "updated, not duplicated: {runs:#?}");
    assert_eq!(runs[1]["id"], mine["id"]);
    assert_eq!(runs[1]["conclusion"], "success");
    assert_eq!(runs[1]["output"]["title"], "no regression in 4 metrics");
    let writes = check_writes(&check_requests(&gh)[before..]);
    assert_eq!(writes, vec![("PATCH".to_string(), 0)], "{writes:?}");
    assert!(
        r.stdout.contains("Check run 'FlameIQ' updated (success)"),
        "{}",
        r.stdout
    );

    // Another environment: its own check run, named after it.
    std::fs::write(ws.file("pr.json"), PR_METRICS).unwrap();
    assert_eq!(ws.push(&gh.url(), &[("environment", "linux-arm")]).code, 0);
    let r = ws.pr(false, &gh.url(), &[("environment", "linux-arm")]);
    assert_eq!(r.code, 1, "{}", r.stderr);
    let arm = check_runs(&gh, "FlameIQ (linux-arm)");
    assert_eq!(arm.len(), 1);
    assert_eq!(arm[0]["conclusion"], "failure");
    assert!(arm[0]["output"]["summary"]
        .as_str()
        .unwrap()
        .starts_with("<!-- flameiq:linux-arm -->\n"));
    assert_eq!(check_runs(&gh, "FlameIQ").len(), 2);
}

#[test]
fn issue18_120_annotations_arrive_in_three_requests_of_at_most_50() {
    let metrics = |v: f64| {
        let custom: serde_json::Map<String, Value> = (0..120)
            .map(|i| (format!("bench_{i:03}_ms"), json!(v)))
            .collect();
        json!({"schema_version": 1, "metrics": {"custom": custom}}).to_string()
    };
    let gh = Fake::start();
    let ws = Ws::new();
    std::fs::write(ws.file("base.json"), metrics(10.0)).unwrap();
    std::fs::write(ws.file("pr.json"), metrics(20.0)).unwrap();
    assert_eq!(ws.push(&gh.url(), &[]).code, 0);
    let r = ws.pr(false, &gh.url(), &[("comment", "never")]);
    assert_eq!(r.code, 1, "{}\n{}", r.stdout, r.stderr);
    let writes = check_writes(&check_requests(&gh));
    assert_eq!(
        writes,
        vec![
            ("POST".to_string(), 50),
            ("PATCH".to_string(), 50),
            ("PATCH".to_string(), 20)
        ]
    );
    let runs = check_runs(&gh, "FlameIQ");
    assert_eq!(runs.len(), 1);
    assert_eq!(runs[0]["output"]["annotations_count"], 120);
    let notes = check_annotations(&gh, &runs[0]);
    let mut titles: Vec<&str> = notes.iter().map(|a| a["title"].as_str().unwrap()).collect();
    titles.sort();
    titles.dedup();
    assert_eq!(titles.len(), 120, "each regression once");

    // A re-run of the same commit sends none of them again.
    let before = check_requests(&gh).len();
    assert_eq!(ws.pr(false, &gh.url(), &[("comment", "never")]).code, 1);
    assert_eq!(
        check_writes(&check_requests(&gh)[before..]),
        vec![("PATCH".to_string(), 0)]
    );
    assert_eq!(check_annotations(&gh, &runs[0]).len(), 120);
}

#[test]
fn issue18_the_conclusion_for_each_outcome() {
    let conclusion = |gh: &Fake| check_runs(gh, "FlameIQ").last().unwrap()["conclusion"].clone();
    // No baseline yet: neutral, and the step passes.
    let gh = Fake::start();
    let ws = Ws::new();
    let r = ws.pr(false, &gh.url(), &[]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert_eq!(conclusion(&gh), "neutral");
    assert_eq!(
        check_runs(&gh, "FlameIQ")[0]["output"]["title"],
        "no baseline yet: nothing compared"
    );
    // A regression: failure.
    assert_eq!(ws.push(&gh.url(), &[]).code, 0);
    assert_eq!(ws.pr(false, &gh.url(), &[]).code, 1);
    assert_eq!(conclusion(&gh), "failure");
    // fail-on-regression: false: the step passes, so the check does not block: neutral.
    assert_eq!(
        ws.pr(false, &gh.url(), &[("fail-on-regression", "false")])
            .code,
        0
    );
    assert_eq!(conclusion(&gh), "neutral");
    // Accepted by the label: success, the regression annotated as a warning.
    let payload = labelled(pr_payload(false), "flameiq:accept");
    let before = check_requests(&gh).len();
    let r = ws.run(
        "pull_request",
        &payload,
        &gh.url(),
        &[("metrics", "pr.json")],
        &[],
    );
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert_eq!(conclusion(&gh), "success");
    let patch = check_requests(&gh)[before..]
        .iter()
        .find(|q| q.method == "PATCH" && q.path.contains("/check-runs/"))
        .cloned()
        .unwrap();
    assert!(
        patch.body.contains("accepted by the label flameiq:accept"),
        "{}",
        patch.body
    );
    // No regression: success.
    std::fs::write(ws.file("pr.json"), BASE_METRICS).unwrap();
    assert_eq!(ws.pr(false, &gh.url(), &[]).code, 0);
    assert_eq!(conclusion(&gh), "success");
    assert_eq!(
        check_runs(&gh, "FlameIQ").len(),
        1,
        "one check run throughout"
    );
    // check: false writes none.
    let before = check_requests(&gh).len();
    assert_eq!(ws.pr(false, &gh.url(), &[("check", "false")]).code, 0);
    assert!(check_writes(&check_requests(&gh)[before..]).is_empty());
    assert!(!check_requests(&gh)[before..]
        .iter()
        .any(|q| q.path.contains("/check-runs")));
}

#[test]
fn issue18_a_403_is_a_warning_with_the_fix_and_keeps_the_exit_code() {
    let gh = Fake::start();
    gh.state.lock().unwrap().checks.forbid = true;
    let ws = Ws::new();
    assert_eq!(ws.push(&gh.url(), &[]).code, 0);
    // -v: even debug logging must not show the token.
    let r = ws.run(
        "pull_request",
        &pr_payload(false),
        &gh.url(),
        &[("metrics", "pr.json")],
        &["-v", "ci"],
    );
    assert_eq!(r.code, 1, "the comparison's code: {}", r.stderr);
    assert!(
        r.stdout.contains(
            "::warning title=FlameIQ check::could not write the check run 'FlameIQ' (HTTP 403 while creating the check run)"
        ),
        "{}",
        r.stdout
    );
    assert!(
        r.stdout.contains("permissions: checks: write"),
        "{}",
        r.stdout
    );
    assert!(
        r.output("comment-url").is_some_and(|u| !u.is_empty()),
        "the comment still posts"
    );
    r.assert_no_token();
    // Passing with the 403: still 0. From a fork: the two-workflow pattern is named.
    let r = ws.run(
        "pull_request",
        &pr_payload(true),
        &gh.url(),
        &[("metrics", "pr.json"), ("fail-on-regression", "false")],
        &["-v", "ci"],
    );
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert!(r.stdout.contains("workflow_run"), "{}", r.stdout);
    assert!(
        r.stdout.contains("flameiq comment --result"),
        "{}",
        r.stdout
    );
    r.assert_no_token();
    assert!(check_runs(&gh, "FlameIQ").is_empty());
}

#[test]
fn issue18_the_check_run_summary_stays_under_the_checks_api_limit() {
    // 20,000 metrics: the summary is cut under 65,535 characters (saying so), and at most
    // 500 annotations are sent, 50 per request.
    let metrics = |v: f64| {
        let custom: serde_json::Map<String, Value> = (0..20_000)
            .map(|i| (format!("bench_{i:05}_ms"), json!(v)))
            .collect();
        json!({"schema_version": 1, "metrics": {"custom": custom}}).to_string()
    };
    let gh = Fake::start();
    let ws = Ws::new();
    std::fs::write(ws.file("base.json"), metrics(10.0)).unwrap();
    std::fs::write(ws.file("pr.json"), metrics(20.0)).unwrap();
    assert_eq!(ws.push(&gh.url(), &[]).code, 0);
    let r = ws.pr(false, &gh.url(), &[("comment", "never")]);
    assert_eq!(r.code, 1, "{}", r.stderr);
    let runs = check_runs(&gh, "FlameIQ");
    let summary = runs[0]["output"]["summary"].as_str().unwrap();
    assert!(
        summary.encode_utf16().count() <= 65_535,
        "{}",
        summary.len()
    );
    assert!(
        summary.contains("left out to stay under"),
        "the cut is said"
    );
    let writes = check_writes(&check_requests(&gh));
    assert_eq!(writes.len(), 10);
    assert!(writes.iter().all(|(_, n)| *n == 50), "{writes:?}");
}

// ---------------------------------------------------------------- issue 13: the github store, merge-base baselines

/// The fixture's `pull_request.base.sha`.
const PR_BASE_SHA: &str = "f95f852bd8fca8fcc58a9a2d6c842781e32a215e";

fn result_doc(ws: &Ws) -> Value {
    serde_json::from_str(&std::fs::read_to_string(ws.file(".flameiq/result.json")).unwrap())
        .unwrap()
}

/// Two default-branch runs through `store`: `base.json` at the PR's base commit, then
/// `pr.json`'s numbers at a later commit of main.
fn two_main_runs(ws: &Ws, api: &str, store: &str) {
    for (metrics, sha) in [
        ("base.json", PR_BASE_SHA),
        ("pr.json", "9999999999999999999999999999999999999999"),
    ] {
        let r = ws.run_with(
            "push",
            &push_payload(),
            api,
            &[("metrics", metrics), ("store", store)],
            &[],
            &[("GITHUB_SHA", sha)],
        );
        assert_eq!(r.code, 0, "{}{}", r.stdout, r.stderr);
        r.assert_no_token();
    }
}

#[test]
fn issue13_merge_base_github_pr_compares_against_its_base_commits_run() {
    let fake = Fake::start();
    let ws = Ws::new();
    two_main_runs(&ws, &fake.url(), "github");
    // The PR's base commit has a stored run: it is the baseline, so the regression shows
    // although main's newest run already has the same numbers.
    let inputs = [("store", "github"), ("comment", "never")];
    let r = ws.pr(false, &fake.url(), &inputs);
    assert_eq!(r.code, 1, "{}{}", r.stdout, r.stderr);
    let doc = result_doc(&ws);
    assert_eq!(doc["strategy"], "merge_base");
    assert_eq!(doc["baseline_commit"], PR_BASE_SHA);
    let why = doc["baseline_reason"].as_str().unwrap();
    assert!(
        why.contains("f95f852bd8fc") && why.contains("pull_request.base.sha"),
        "{why}"
    );
    assert!(
        r.summary.contains(
            r"baseline: the stored run of the base commit f95f852bd8fc (pull\_request.base.sha)"
        ),
        "{}",
        r.summary
    );
    // A base commit with no stored run: the configured strategy, and it says so.
    let mut p = pr_payload(false);
    p["pull_request"]["base"]["sha"] = "abcdef0123456789abcdef0123456789abcdef01".into();
    let mut i = vec![("metrics", "pr.json")];
    i.extend_from_slice(&inputs);
    let r = ws.run("pull_request", &p, &fake.url(), &i, &[]);
    assert_eq!(r.code, 0, "{}{}", r.stdout, r.stderr);
    let doc = result_doc(&ws);
    assert_eq!(doc["strategy"], "last_successful");
    assert_eq!(
        doc["baseline_reason"],
        "no stored run of the base commit abcdef012345 (pull_request.base.sha): strategy last_successful"
    );
    assert!(
        r.summary.contains("no stored run of the base commit"),
        "{}",
        r.summary
    );
}

#[test]
fn issue13_merge_base_gitlab_mr_uses_ci_merge_request_diff_base_sha() {
    let ws = Ws::new();
    let base = "1ecfd275763eff1d6b4844ea3168962458c9f27a";
    for (metrics, sha) in [
        ("base.json", base),
        ("pr.json", "2222222222222222222222222222222222222222"),
    ] {
        let (code, out, err) = gitlab_run(
            &ws,
            &[
                ("CI_PIPELINE_SOURCE", "push"),
                ("CI_COMMIT_BRANCH", "main"),
                ("CI_COMMIT_SHA", sha),
            ],
            &["--metrics", metrics],
        );
        assert_eq!(code, 0, "{out}{err}");
    }
    let mr = [
        ("CI_PIPELINE_SOURCE", "merge_request_event"),
        ("CI_MERGE_REQUEST_IID", "5"),
        ("CI_MERGE_REQUEST_SOURCE_BRANCH_NAME", "changes"),
        ("CI_MERGE_REQUEST_TARGET_BRANCH_NAME", "main"),
        ("CI_COMMIT_SHA", "3333333333333333333333333333333333333333"),
    ];
    let with_base = [mr.as_slice(), &[("CI_MERGE_REQUEST_DIFF_BASE_SHA", base)]].concat();
    let (code, out, err) = gitlab_run(
        &ws,
        &with_base,
        &["--metrics", "pr.json", "--comment", "never"],
    );
    assert_eq!(code, 1, "{out}{err}");
    let doc = result_doc(&ws);
    assert_eq!(doc["strategy"], "merge_base");
    assert_eq!(doc["baseline_commit"], base);
    assert!(doc["baseline_reason"]
        .as_str()
        .unwrap()
        .contains("CI_MERGE_REQUEST_DIFF_BASE_SHA"));
    // Without the variable: the configured strategy, no reason to give.
    let (code, out, err) = gitlab_run(&ws, &mr, &["--metrics", "pr.json", "--comment", "never"]);
    assert_eq!(code, 0, "{out}{err}");
    let doc = result_doc(&ws);
    assert_eq!(doc["strategy"], "last_successful");
    assert!(doc.get("baseline_reason").is_none(), "{doc}");
}

#[test]
fn issue13_fork_pr_reads_the_github_store_with_a_read_only_token() {
    let fake = Fake::start();
    let ws = Ws::new();
    let r = ws.push(&fake.url(), &[("store", "github")]);
    assert_eq!(r.code, 0, "{}{}", r.stdout, r.stderr);
    assert!(
        !ws.file(".flameiq/baselines/current.json").exists(),
        "stored on the branch, not locally"
    );
    // A fork's token: every write is refused. The PR only reads, and compares.
    fake.state.lock().unwrap().forbid_writes = true;
    let before = fake.requests().len();
    let r = ws.pr(true, &fake.url(), &[("store", "github")]);
    assert_eq!(r.code, 1, "{}{}", r.stdout, r.stderr);
    assert_eq!(r.output("status").as_deref(), Some("regression"));
    r.assert_no_token();
    let git_writes = fake.requests()[before..]
        .iter()
        .filter(|q| q.method == "POST" && (q.path.contains("/git/") || q.path == "/graphql"))
        .count();
    assert_eq!(git_writes, 0, "a PR run never writes the store");
}

#[test]
fn issue13_default_branch_run_refused_by_the_store_is_exit_2_with_the_fix() {
    let fake = Fake::start();
    let ws = Ws::new();
    fake.state.lock().unwrap().forbid_writes = true;
    let r = ws.push(&fake.url(), &[("store", "github")]);
    assert_eq!(r.code, 2, "{}{}", r.stdout, r.stderr);
    assert!(
        r.stderr.contains("permissions: contents: write"),
        "{}",
        r.stderr
    );
    assert!(!r.stdout.contains("Baseline set"), "{}", r.stdout);
    r.assert_no_token();
}

#[test]
fn issue13_the_actions_default_store_is_github() {
    let default = action_input_defaults()
        .into_iter()
        .find(|(k, _)| k == "INPUT_STORE")
        .map(|(_, v)| v);
    assert_eq!(default.as_deref(), Some("github"));
    let fake = Fake::start();
    let ws = Ws::new();
    let r = ws.push(&fake.url(), &[("store", default.as_deref().unwrap())]);
    assert_eq!(r.code, 0, "{}{}", r.stdout, r.stderr);
    let files = fake.state.lock().unwrap().git.branch_files("flameiq-data");
    assert!(files.contains_key("baselines/current.json"), "{files:?}");
    assert!(r.summary.contains("flameiq-data"), "{}", r.summary);
}

thread_local! {
    /// The binary [`Ws::run`] starts in this test's thread (None: this build's `flameiq`).
    static BIN: std::cell::RefCell<Option<PathBuf>> = const { std::cell::RefCell::new(None) };
}

/// Everything one `flameiq ci` scenario leaves: per run the exit code, stdout, stderr,
/// summary and outputs, the files it wrote, and every request the fake GitHub received.
fn ci_scenario(bin: Option<&Path>) -> Vec<String> {
    BIN.with(|b| *b.borrow_mut() = bin.map(Path::to_path_buf));
    let gh = Fake::start();
    let ws = Ws::new();
    let mut seen = vec![];
    let mut keep = |r: Run| {
        seen.extend([r.code.to_string(), r.stdout, r.stderr, r.summary, r.outputs]);
    };
    keep(ws.pr(false, &gh.url(), &[]));
    keep(ws.push(&gh.url(), &[]));
    keep(ws.pr(false, &gh.url(), &[]));
    keep(ws.pr(false, &gh.url(), &[("environment", "linux-arm")]));
    for f in [
        ".flameiq/result.json",
        "flameiq-report.html",
        ".flameiq/baselines/current.json",
    ] {
        seen.push(std::fs::read_to_string(ws.file(f)).unwrap_or_else(|e| format!("{f}: {e}")));
    }
    let port = gh.port.to_string();
    let reqs = gh.requests().into_iter().chain(check_requests(&gh));
    seen.extend(reqs.map(|q| format!("{} {}\n{}", q.method, q.path, q.body)));
    let dir = ws.path().display().to_string();
    BIN.with(|b| *b.borrow_mut() = None);
    // The fake's port and the temporary folder differ between two scenarios by design.
    seen.into_iter()
        .map(|s| s.replace(&port, "PORT").replace(&dir, "WS"))
        .collect()
}

/// Same inputs, same outputs, byte for byte: two runs of this build's binary, and, when
/// `FLAMEIQ_OTHER_BINS` names more (colon-separated: the x86_64 and the arm64 musl release
/// binaries, the latter through qemu, from scripts/multiarch-test.sh), each of those
/// against the first. `FLAMEIQ_REQUIRE_OTHER_BINS=1` fails when none are named.
#[test]
fn issue18_ci_gives_byte_identical_results_on_every_binary() {
    let others: Vec<PathBuf> = std::env::var("FLAMEIQ_OTHER_BINS")
        .unwrap_or_default()
        .split(':')
        .filter(|p| !p.is_empty())
        .map(PathBuf::from)
        .collect();
    if std::env::var("FLAMEIQ_REQUIRE_OTHER_BINS").as_deref() == Ok("1") {
        assert!(!others.is_empty(), "FLAMEIQ_OTHER_BINS names no binary");
    }
    let first = ci_scenario(None);
    assert!(first
        .iter()
        .any(|s| s.starts_with("POST /repos/acme/widgets/check-runs")));
    assert_eq!(
        first,
        ci_scenario(None),
        "two runs of the same binary differ"
    );
    for bin in &others {
        let other = ci_scenario(Some(bin));
        // Every differing entry, not just a count: what differs says why.
        let diffs: Vec<String> = first
            .iter()
            .zip(&other)
            .enumerate()
            .filter(|(_, (a, b))| a != b)
            .map(|(i, (a, b))| {
                format!(
                    "entry {i}:\n  this build: {a:?}\n  {}: {b:?}",
                    bin.display()
                )
            })
            .collect();
        assert!(diffs.is_empty(), "{}", diffs.join("\n"));
        assert_eq!(first.len(), other.len(), "{}", bin.display());
    }
}
