//! Issue 7: `flameiq comment --result result.json` — posting the sticky comment from a saved
//! result document, as the `workflow_run` half of the two-workflow pattern for fork PRs and
//! as a separate step elsewhere. `flameiq compare --output` writes the result for real; the
//! comment goes to a loopback HTTP server answering in GitHub's JSON shapes (the same fake
//! GitHub as `tests/action.rs`: full issue-comment objects, `Link` pagination, 403s), and
//! the `workflow_run` payloads are octokit/webhooks' examples re-pointed at `acme/widgets`.

use assert_cmd::Command;
use serde_json::{json, Value};

mod common;
use common::fake_github::*;
use common::workspace::{Run, Ws, BASE_METRICS};

use common::fake_gitlab;

/// Points a repository object of a payload at `full` (`owner/name`).
fn repoint(repo: &mut Value, full: &str) {
    let (owner, name) = full.split_once('/').unwrap();
    for (k, v) in repo.as_object_mut().unwrap().iter_mut() {
        if let Some(s) = v.as_str() {
            let s = s
                .replace("octo-org/octo-repo", full)
                .replace("Codertocat/Hello-World", full);
            *v = s.into();
        }
        if k == "owner" {
            v["login"] = owner.into();
        }
    }
    repo["full_name"] = full.into();
    repo["name"] = name.into();
}

/// octokit/webhooks' `workflow_run.completed` example that lists a pull request, re-pointed
/// at run 4242 of `acme/widgets` and PR `pr`.
fn workflow_run_payload(pr: u64) -> Value {
    let mut p = fixture("workflow_run.completed.pull_request.payload.json");
    repoint(&mut p["repository"], REPO);
    let w = &mut p["workflow_run"];
    repoint(&mut w["repository"], REPO);
    repoint(&mut w["head_repository"], REPO);
    w["event"] = "pull_request".into();
    w["html_url"] = format!("https://github.com/{REPO}/actions/runs/4242").into();
    let prs = w["pull_requests"].as_array_mut().unwrap();
    assert_eq!(prs.len(), 1, "the fixture lists one pull request");
    prs[0]["number"] = pr.into();
    prs[0]["url"] = format!("https://api.github.com/repos/{REPO}/pulls/{pr}").into();
    p
}

/// The same event for a PR from a fork: GitHub leaves `pull_requests` empty (octokit's
/// example without pull requests, its head repository a fork).
fn workflow_run_fork_payload() -> Value {
    let mut p = fixture("workflow_run.completed.payload.json");
    repoint(&mut p["repository"], REPO);
    let w = &mut p["workflow_run"];
    repoint(&mut w["repository"], REPO);
    repoint(&mut w["head_repository"], "mallory/widgets");
    w["head_repository"]["fork"] = true.into();
    w["event"] = "pull_request".into();
    w["html_url"] = format!("https://github.com/{REPO}/actions/runs/4242").into();
    assert_eq!(w["pull_requests"], json!([]));
    p
}

impl Ws {
    /// A workspace where `flameiq compare --output result.json` has run (a regression).
    fn new() -> Ws {
        let w = Ws::with_metrics();
        let flameiq = |args: &[&str]| {
            Command::cargo_bin("flameiq")
                .unwrap()
                .current_dir(w.path())
                .env_clear()
                .args(args)
                .output()
                .unwrap()
        };
        let out = flameiq(&["baseline", "set", "--metrics", "base.json"]);
        assert_eq!(out.status.code(), Some(0), "{out:?}");
        let out = flameiq(&["compare", "--metrics", "pr.json", "--output", "result.json"]);
        assert_eq!(out.status.code(), Some(1), "{out:?}");
        assert!(w.path().join("result.json").exists());
        w
    }

    /// `flameiq <args>` in a clean environment with only `vars` (plus fast HTTP knobs and a
    /// fresh `GITHUB_OUTPUT` file).
    fn run(&self, vars: &[(&str, String)], args: &[&str]) -> Run {
        let n = std::fs::read_dir(self.path()).unwrap().count();
        let output = self.path().join(format!("set_output_{n}"));
        std::fs::write(&output, "").unwrap();
        let out = Command::cargo_bin("flameiq")
            .unwrap()
            .current_dir(self.path())
            .env_clear()
            .env("HOME", self.path())
            .env("FLAMEIQ_HTTP_RETRY_BASE_MS", "5")
            .env("FLAMEIQ_HTTP_TIMEOUT_MS", "10000")
            .env("GITHUB_OUTPUT", &output)
            .envs(vars.iter().map(|(k, v)| (*k, v.as_str())))
            .args(args)
            .output()
            .unwrap();
        Run::read(&out, None, &output)
    }

    /// Outside any CI: only the API and the token.
    fn plain(&self, gh: &Fake, args: &[&str]) -> Run {
        self.run(
            &[("GITHUB_API_URL", gh.url()), ("GITHUB_TOKEN", TOKEN.into())],
            args,
        )
    }

    /// In a GitHub Actions job of `acme/widgets` for `event` with `payload`.
    fn actions(&self, gh: &Fake, event: &str, payload: &Value, args: &[&str]) -> Run {
        let n = std::fs::read_dir(self.path()).unwrap().count();
        let event_path = self.path().join(format!("event{n}.json"));
        std::fs::write(&event_path, serde_json::to_string_pretty(payload).unwrap()).unwrap();
        self.run(
            &[
                ("CI", "true".into()),
                ("GITHUB_ACTIONS", "true".into()),
                ("GITHUB_EVENT_NAME", event.into()),
                ("GITHUB_EVENT_PATH", event_path.display().to_string()),
                ("GITHUB_REF", "refs/heads/main".into()),
                ("GITHUB_REPOSITORY", REPO.into()),
                ("GITHUB_RUN_ID", "5151".into()),
                ("GITHUB_SERVER_URL", "https://github.com".into()),
                ("GITHUB_API_URL", gh.url()),
                ("GITHUB_TOKEN", TOKEN.into()),
            ],
            args,
        )
    }
}

fn count(reqs: &[Req], method: &str) -> usize {
    reqs.iter().filter(|r| r.method == method).count()
}

fn ours(comments: &[Value], env: &str) -> Vec<Value> {
    let marker = format!("<!-- flameiq:{env} -->");
    comments
        .iter()
        .filter(|c| c["body"].as_str().unwrap().starts_with(&marker) && c["user"]["type"] == "Bot")
        .cloned()
        .collect()
}

// ---------------------------------------------------------------- the scenarios

#[test]
fn posts_one_comment_from_a_saved_result_then_updates_it() {
    let gh = Fake::start();
    gh.seed_human_comments(2);
    // A person quoting the marker: never edited.
    gh.push_comment(
        "Why does the bot write `<!-- flameiq:default -->`?",
        user("Codertocat", 21031067, "User"),
    );
    let ws = Ws::new();
    let args = [
        "comment",
        "--result",
        "result.json",
        "--pr",
        "7",
        "--repo",
        REPO,
    ];
    let r = ws.plain(&gh, &args);
    assert_eq!(r.code, 0, "{}", r.all());
    r.assert_no_token();
    let mine = ours(&gh.comments(), "default");
    assert_eq!(mine.len(), 1, "{:#?}", gh.comments());
    let body = mine[0]["body"].as_str().unwrap();
    assert!(body.contains("latency.p95"), "{body}");
    assert!(body.contains("regress"), "{body}");
    let url = mine[0]["html_url"].as_str().unwrap();
    assert!(r.stdout.contains(url), "the URL is printed: {}", r.stdout);
    assert_eq!(r.comment_url().as_deref(), Some(url));
    assert_eq!(count(&gh.requests(), "POST"), 1);
    // Every request carried the token as GitHub expects it.
    assert!(gh
        .requests()
        .iter()
        .all(|q| q.auth.as_deref() == Some(&format!("Bearer {TOKEN}"))));

    // A second run updates the same comment instead of posting another.
    let r = ws.plain(&gh, &args);
    assert_eq!(r.code, 0, "{}", r.all());
    r.assert_no_token();
    assert_eq!(count(&gh.requests(), "POST"), 1);
    assert_eq!(count(&gh.requests(), "PATCH"), 1);
    let patch = gh
        .requests()
        .into_iter()
        .find(|q| q.method == "PATCH")
        .unwrap();
    assert!(patch
        .path
        .ends_with(&format!("/issues/comments/{}", mine[0]["id"])));
    let sent: Value = serde_json::from_str(&patch.body).unwrap();
    assert!(sent["body"]
        .as_str()
        .unwrap()
        .starts_with("<!-- flameiq:default -->"));
    assert_eq!(ours(&gh.comments(), "default").len(), 1);
    assert!(r.stdout.contains("Comment updated"), "{}", r.stdout);
    println!("{}", r.stdout);
    assert_eq!(r.comment_url().as_deref(), Some(url));
    assert_eq!(gh.comments().len(), 4);
}

#[test]
fn another_environment_gets_its_own_comment() {
    let gh = Fake::start();
    let ws = Ws::new();
    let r = ws.plain(
        &gh,
        &[
            "comment",
            "--result",
            "result.json",
            "--pr",
            "7",
            "--repo",
            REPO,
        ],
    );
    assert_eq!(r.code, 0, "{}", r.all());
    let r = ws.plain(
        &gh,
        &[
            "--env",
            "linux",
            "comment",
            "--result",
            "result.json",
            "--pr",
            "7",
            "--repo",
            REPO,
        ],
    );
    assert_eq!(r.code, 0, "{}", r.all());
    assert_eq!(count(&gh.requests(), "POST"), 2);
    assert_eq!(ours(&gh.comments(), "default").len(), 1);
    assert_eq!(ours(&gh.comments(), "linux").len(), 1);
}

#[test]
fn workflow_run_comments_on_the_pr_the_payload_names() {
    let gh = Fake::start();
    let ws = Ws::new();
    let r = ws.actions(
        &gh,
        "workflow_run",
        &workflow_run_payload(PR),
        &["comment", "--result", "result.json"],
    );
    assert_eq!(r.code, 0, "{}", r.all());
    r.assert_no_token();
    let mine = ours(&gh.comments(), "default");
    assert_eq!(mine.len(), 1, "{}", r.all());
    assert!(gh
        .requests()
        .iter()
        .any(|q| q.method == "POST" && q.path == format!("/repos/{REPO}/issues/{PR}/comments")));
    // The comment links the run that compared, not the run that posts.
    let body = mine[0]["body"].as_str().unwrap();
    assert!(
        body.contains(&format!("https://github.com/{REPO}/actions/runs/4242")),
        "{body}"
    );
    assert!(!body.contains("/actions/runs/5151"), "{body}");
}

#[test]
fn workflow_run_of_a_fork_needs_pr_and_posts_nothing_without_it() {
    let gh = Fake::start();
    let ws = Ws::new();
    let payload = workflow_run_fork_payload();
    let r = ws.actions(
        &gh,
        "workflow_run",
        &payload,
        &["comment", "--result", "result.json"],
    );
    assert_eq!(r.code, 0, "{}", r.all());
    r.assert_no_token();
    assert!(gh.requests().is_empty(), "{:?}", gh.requests());
    assert!(
        r.stdout.contains("::warning title=FlameIQ comment::"),
        "{}",
        r.stdout
    );
    assert!(r.stdout.contains("--pr"), "{}", r.stdout);
    assert!(r.stdout.contains("fork"), "{}", r.stdout);
    assert_eq!(r.comment_url().as_deref(), Some(""));

    // With the number from the first workflow's artifact it posts (FLAMEIQ_PR works too).
    let n = std::fs::read_dir(ws.path()).unwrap().count();
    let event_path = ws.path().join(format!("event-fork-{n}.json"));
    std::fs::write(&event_path, payload.to_string()).unwrap();
    let r = ws.run(
        &[
            ("GITHUB_ACTIONS", "true".into()),
            ("GITHUB_EVENT_NAME", "workflow_run".into()),
            ("GITHUB_EVENT_PATH", event_path.display().to_string()),
            ("GITHUB_REPOSITORY", REPO.into()),
            ("GITHUB_API_URL", gh.url()),
            ("GITHUB_TOKEN", TOKEN.into()),
            ("FLAMEIQ_PR", PR.to_string()),
        ],
        &["comment", "--result", "result.json"],
    );
    assert_eq!(r.code, 0, "{}", r.all());
    assert_eq!(ours(&gh.comments(), "default").len(), 1, "{}", r.all());
    assert!(r.comment_url().is_some_and(|u| u.contains("issuecomment-")));
}

#[test]
fn pull_request_event_uses_the_detected_pr() {
    let gh = Fake::start();
    let ws = Ws::new();
    let mut p = fixture("pull_request.synchronize.payload.json");
    p["number"] = PR.into();
    p["pull_request"]["number"] = PR.into();
    repoint(&mut p["repository"], REPO);
    repoint(&mut p["pull_request"]["base"]["repo"], REPO);
    repoint(&mut p["pull_request"]["head"]["repo"], REPO);
    let r = ws.actions(
        &gh,
        "pull_request",
        &p,
        &["comment", "--result", "result.json"],
    );
    assert_eq!(r.code, 0, "{}", r.all());
    assert_eq!(ours(&gh.comments(), "default").len(), 1, "{}", r.all());
}

#[test]
fn a_403_is_a_warning_naming_the_permission_and_exit_0() {
    let gh = Fake::start();
    gh.state.lock().unwrap().forbid_writes = true;
    let ws = Ws::new();
    let r = ws.actions(
        &gh,
        "workflow_run",
        &workflow_run_payload(PR),
        &["comment", "--result", "result.json"],
    );
    assert_eq!(r.code, 0, "{}", r.all());
    r.assert_no_token();
    assert!(r.stdout.contains("::warning"), "{}", r.stdout);
    assert!(r.stdout.contains("pull-requests: write"), "{}", r.stdout);
    assert!(gh.comments().is_empty());
    assert_eq!(r.comment_url().as_deref(), Some(""));
    // Outside Actions the same warning goes to stderr.
    let r = ws.plain(
        &gh,
        &[
            "comment",
            "--result",
            "result.json",
            "--pr",
            "7",
            "--repo",
            REPO,
        ],
    );
    assert_eq!(r.code, 0, "{}", r.all());
    assert!(r.stderr.contains("pull-requests: write"), "{}", r.stderr);
    r.assert_no_token();
}

#[test]
fn server_errors_are_retried() {
    let gh = Fake::start();
    gh.script(502, &[], "<html><body>502 Bad Gateway</body></html>");
    gh.script(
        429,
        &[("retry-after", "0")],
        r#"{"message": "API rate limit exceeded"}"#,
    );
    let ws = Ws::new();
    let r = ws.plain(
        &gh,
        &[
            "comment",
            "--result",
            "result.json",
            "--pr",
            "7",
            "--repo",
            REPO,
        ],
    );
    assert_eq!(r.code, 0, "{}", r.all());
    assert_eq!(ours(&gh.comments(), "default").len(), 1, "{}", r.all());
    assert_eq!(count(&gh.requests(), "GET"), 3);
    r.assert_no_token();
}

#[test]
fn a_bad_result_file_is_exit_3_naming_it() {
    let gh = Fake::start();
    let ws = Ws::new();
    let args = |f: &'static str| ["comment", "--result", f, "--pr", "7", "--repo", REPO];
    let r = ws.plain(&gh, &args("missing.json"));
    assert_eq!(r.code, 3, "{}", r.all());
    assert!(r.stderr.contains("missing.json"), "{}", r.stderr);
    assert_eq!(r.stderr.trim().lines().count(), 1, "{}", r.stderr);

    // A metrics file is not a result document; neither is truncated JSON.
    for (name, text) in [
        ("metrics.json", BASE_METRICS.to_string()),
        (
            "cut.json",
            std::fs::read_to_string(ws.path().join("result.json")).unwrap()[..200].to_string(),
        ),
    ] {
        std::fs::write(ws.path().join(name), text).unwrap();
        let r = ws.plain(
            &gh,
            &args(if name == "cut.json" {
                "cut.json"
            } else {
                "metrics.json"
            }),
        );
        assert_eq!(r.code, 3, "{}", r.all());
        assert!(r.stderr.contains(name), "{}", r.stderr);
        assert_eq!(r.stderr.trim().lines().count(), 1, "{}", r.stderr);
    }
    assert!(gh.requests().is_empty(), "nothing posted for a bad file");
}

#[test]
fn no_target_and_no_token_are_warnings_not_failures() {
    let gh = Fake::start();
    let ws = Ws::new();
    // Outside any CI, without --pr: nowhere to post.
    let r = ws.plain(&gh, &["comment", "--result", "result.json"]);
    assert_eq!(r.code, 0, "{}", r.all());
    assert!(r.stderr.contains("--pr"), "{}", r.stderr);
    // --pr without any repository cannot work: a usage error.
    let r = ws.plain(&gh, &["comment", "--result", "result.json", "--pr", "7"]);
    assert_eq!(r.code, 2, "{}", r.all());
    assert!(r.stderr.contains("--repo"), "{}", r.stderr);
    // No token: a warning saying where to put one.
    let r = ws.run(
        &[("GITHUB_API_URL", gh.url())],
        &[
            "comment",
            "--result",
            "result.json",
            "--pr",
            "7",
            "--repo",
            REPO,
        ],
    );
    assert_eq!(r.code, 0, "{}", r.all());
    assert!(r.stderr.contains("GITHUB_TOKEN"), "{}", r.stderr);
    assert!(gh.requests().is_empty());
}

#[test]
fn on_regression_and_never() {
    let gh = Fake::start();
    let ws = Ws::new();
    // A passing result: compare the baseline with itself.
    let out = Command::cargo_bin("flameiq")
        .unwrap()
        .current_dir(ws.path())
        .env_clear()
        .args(["compare", "--metrics", "base.json", "--output", "pass.json"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0));
    let run = |file: &str, policy: &str| {
        ws.plain(
            &gh,
            &[
                "comment",
                "--result",
                file,
                "--pr",
                "7",
                "--repo",
                REPO,
                "--comment",
                policy,
            ],
        )
    };
    let r = run("result.json", "never");
    assert_eq!(r.code, 0, "{}", r.all());
    assert!(gh.requests().is_empty());
    // on-regression with a pass: nothing created.
    let r = run("pass.json", "on-regression");
    assert_eq!(r.code, 0, "{}", r.all());
    assert_eq!(count(&gh.requests(), "POST"), 0);
    // on-regression with a regression: created; then the fix updates it.
    assert_eq!(run("result.json", "on-regression").code, 0);
    assert_eq!(count(&gh.requests(), "POST"), 1);
    assert_eq!(run("pass.json", "on-regression").code, 0);
    assert_eq!(count(&gh.requests(), "PATCH"), 1);
    let mine = ours(&gh.comments(), "default");
    assert_eq!(mine.len(), 1);
    assert!(!mine[0]["body"].as_str().unwrap().contains("regressed"));
}

// ---------------------------------------------------------------- GitLab

// The one fake GitLab of the suite (tests/common/fake_gitlab.rs).
use fake_gitlab::FakeGitLab;
const GL_TOKEN: &str = fake_gitlab::TOKEN;
const GL_PROJECT: u64 = fake_gitlab::PROJECT;

fn gitlab_vars(gl: &FakeGitLab, extra: &[(&'static str, &str)]) -> Vec<(&'static str, String)> {
    let mut v: Vec<(&'static str, String)> = vec![
        ("GITLAB_CI", "true".into()),
        ("CI", "true".into()),
        ("CI_DEFAULT_BRANCH", "main".into()),
        ("CI_PROJECT_ID", GL_PROJECT.to_string()),
        ("CI_PROJECT_PATH", "acme/app".into()),
        (
            "CI_PROJECT_URL",
            "https://gitlab.example.com/acme/app".into(),
        ),
        ("CI_API_V4_URL", gl.api()),
        (
            "CI_JOB_URL",
            "https://gitlab.example.com/acme/app/-/jobs/8812".into(),
        ),
        ("CI_JOB_TOKEN", "job-token-not-for-notes".into()),
        ("FLAMEIQ_GITLAB_TOKEN", GL_TOKEN.into()),
    ];
    v.extend(extra.iter().map(|(k, x)| (*k, x.to_string())));
    v
}

#[test]
fn gitlab_mr_pipeline_posts_then_updates_one_note() {
    let gl = FakeGitLab::start();
    let ws = Ws::new();
    let vars = gitlab_vars(
        &gl,
        &[
            ("CI_PIPELINE_SOURCE", "merge_request_event"),
            ("CI_MERGE_REQUEST_IID", "12"),
            ("CI_MERGE_REQUEST_SOURCE_BRANCH_NAME", "changes"),
            ("CI_MERGE_REQUEST_TARGET_BRANCH_NAME", "main"),
        ],
    );
    for (round, word) in [(0, "Note created"), (1, "Note updated")] {
        let r = ws.run(&vars, &["comment", "--result", "result.json"]);
        assert_eq!(r.code, 0, "round {round}: {}", r.all());
        assert!(r.stdout.contains(word), "{}", r.stdout);
        assert!(
            r.stdout
                .contains("https://gitlab.example.com/acme/app/-/merge_requests/12#note_"),
            "{}",
            r.stdout
        );
        assert!(!r.all().contains("Sup3rSecret"), "{}", r.all());
    }
    let notes = gl.notes();
    assert_eq!(notes.len(), 1, "{notes:#?}");
    assert_eq!(notes[0]["noteable_iid"], 12);
    let body = notes[0]["body"].as_str().unwrap();
    assert!(body.starts_with("<!-- flameiq:default -->"), "{body}");
    assert!(body.contains("latency.p95"), "{body}");
    assert!(gl
        .requests()
        .iter()
        .all(|q| q.auth.as_deref() == Some(GL_TOKEN)));
}

#[test]
fn gitlab_branch_pipeline_posts_to_the_mr_given_with_pr() {
    let gl = FakeGitLab::start();
    let ws = Ws::new();
    let vars = gitlab_vars(
        &gl,
        &[
            ("CI_PIPELINE_SOURCE", "push"),
            ("CI_COMMIT_BRANCH", "changes"),
        ],
    );
    // No MR in the context: a warning, nothing posted.
    let r = ws.run(&vars, &["comment", "--result", "result.json"]);
    assert_eq!(r.code, 0, "{}", r.all());
    assert!(r.stderr.contains("--pr"), "{}", r.stderr);
    assert!(gl.requests().is_empty());
    // --pr 5 names MR !5 of the project.
    let r = ws.run(&vars, &["comment", "--result", "result.json", "--pr", "5"]);
    assert_eq!(r.code, 0, "{}", r.all());
    let notes = gl.notes();
    assert_eq!(notes.len(), 1, "{}", r.all());
    assert_eq!(notes[0]["noteable_iid"], 5);
}

// ---------------------------------------------------------------- issue 19: hostile servers and comments

const ARGS: [&str; 7] = [
    "comment",
    "--result",
    "result.json",
    "--pr",
    "7",
    "--repo",
    REPO,
];

#[test]
fn issue19_item2_a_users_comment_starting_with_the_marker_is_never_patched() {
    // No bot comment yet; a person's comment that starts with the marker (pasted or planted
    // to capture the report): it is left alone and FlameIQ posts its own.
    let gh = Fake::start();
    let planted = "<!-- flameiq:default -->\n### FlameIQ\n\n✅ all good (written by hand)";
    gh.push_comment(planted, user("mallory", 666, "User"));
    let ws = Ws::new();
    let r = ws.plain(&gh, &ARGS);
    assert_eq!(r.code, 0, "{}", r.all());
    assert_eq!(count(&gh.requests(), "PATCH"), 0, "{}", r.all());
    assert_eq!(count(&gh.requests(), "POST"), 1);
    let comments = gh.comments();
    assert_eq!(comments[0]["body"], planted);
    assert_eq!(ours(&comments, "default").len(), 1);
    // The job token is an installation token: no GET /user (it would be refused).
    assert!(gh.requests().iter().all(|q| q.path != "/user"));
    // The next run updates ours, not mallory's.
    let r = ws.plain(&gh, &ARGS);
    assert_eq!(r.code, 0, "{}", r.all());
    let patch = gh
        .requests()
        .into_iter()
        .find(|q| q.method == "PATCH")
        .unwrap();
    let mine = ours(&gh.comments(), "default");
    assert!(patch.path.ends_with(&format!("/{}", mine[0]["id"])));
    assert_eq!(gh.comments()[0]["body"], planted);
}

#[test]
fn issue19_item2_a_personal_token_updates_only_its_users_comments() {
    // With a personal token the comments are the token's user's (GET /user), not the bot's:
    // neither the Actions bot's comment nor another person's, both with the marker, is edited.
    let gh = Fake::start();
    let bots = "<!-- flameiq:default -->\n### FlameIQ\n\nfrom the workflow";
    gh.push_comment(bots, user("github-actions[bot]", 41898282, "Bot"));
    gh.push_comment(
        "<!-- flameiq:default -->\nby someone else",
        user("Codertocat", 21031067, "User"),
    );
    let ws = Ws::new();
    let vars = [
        ("GITHUB_API_URL", gh.url()),
        ("GITHUB_TOKEN", PAT_TOKEN.to_string()),
    ];
    let r = ws.run(&vars, &ARGS);
    assert_eq!(r.code, 0, "{}", r.all());
    assert!(!r.all().contains("TESTTOKENpersonal"), "{}", r.all());
    assert_eq!(count(&gh.requests(), "PATCH"), 0, "{}", r.all());
    assert_eq!(count(&gh.requests(), "POST"), 1);
    assert!(gh.requests().iter().any(|q| q.path == "/user"));
    let r = ws.run(&vars, &ARGS);
    assert_eq!(r.code, 0, "{}", r.all());
    let comments = gh.comments();
    assert_eq!(comments.len(), 3);
    assert_eq!(comments[0]["body"], bots);
    assert_eq!(
        comments[1]["body"],
        "<!-- flameiq:default -->\nby someone else"
    );
    assert_eq!(comments[2]["user"]["login"], PAT_USER);
    let patch = gh
        .requests()
        .into_iter()
        .find(|q| q.method == "PATCH")
        .unwrap();
    assert!(patch.path.ends_with(&format!("/{}", comments[2]["id"])));
}

#[test]
fn issue19_item2_two_of_ours_the_newest_is_updated_and_said() {
    let gh = Fake::start();
    let bot = || user("github-actions[bot]", 41898282, "Bot");
    gh.push_comment("<!-- flameiq:default -->\nolder", bot());
    gh.seed_human_comments(3);
    gh.push_comment("<!-- flameiq:default -->\nnewer", bot());
    let ws = Ws::new();
    let r = ws.plain(&gh, &ARGS);
    assert_eq!(r.code, 0, "{}", r.all());
    let comments = gh.comments();
    let newer = comments.last().unwrap();
    assert!(newer["body"].as_str().unwrap().contains("latency.p95"));
    assert_eq!(comments[0]["body"], "<!-- flameiq:default -->\nolder");
    assert_eq!(count(&gh.requests(), "POST"), 0);
    assert!(
        r.stderr.contains("found 2 FlameIQ comments")
            && r.stderr.contains(&newer["id"].to_string()),
        "{}",
        r.stderr
    );
}

#[test]
fn issue19_item3_a_token_echoed_in_a_long_error_is_redacted_before_the_cut() {
    // The token straddles the 200th character of the message: cut-then-redact left
    // `ghs_TESTTOKENa1b2` in the warning.
    let gh = Fake::start();
    let msg = format!("{}{TOKEN} rejected {}", "x".repeat(190), "y".repeat(300));
    gh.script(422, &[], &json!({ "message": msg }).to_string());
    let ws = Ws::new();
    let r = ws.plain(&gh, &ARGS);
    assert_eq!(r.code, 0, "{}", r.all());
    assert!(r.stderr.contains("HTTP 422"), "{}", r.stderr);
    assert!(
        !r.all().contains("ghs_"),
        "a token prefix survived: {}",
        r.all()
    );
    r.assert_no_token();
}

#[test]
fn issue19_item4_plain_http_to_a_remote_api_is_refused_with_the_fix() {
    let ws = Ws::new();
    let r = ws.run(
        &[
            ("GITHUB_API_URL", "http://github.example.com/api/v3".into()),
            ("GITHUB_TOKEN", TOKEN.into()),
        ],
        &ARGS,
    );
    assert_eq!(r.code, 0, "{}", r.all());
    assert!(
        r.stderr.contains("http://github.example.com/api/v3")
            && r.stderr.contains("FLAMEIQ_ALLOW_INSECURE_API=1"),
        "{}",
        r.stderr
    );
    r.assert_no_token();
}

#[test]
fn issue19_item11_endless_next_links_stop_at_the_page_cap_without_a_duplicate() {
    let gh = Fake::start();
    gh.state.lock().unwrap().endless = true;
    let ws = Ws::new();
    let r = ws.plain(&gh, &ARGS);
    assert_eq!(r.code, 0, "{}", r.all());
    assert_eq!(count(&gh.requests(), "GET"), 100);
    assert_eq!(count(&gh.requests(), "POST"), 0, "a duplicate was posted");
    assert!(r.stderr.contains("not posting a new one"), "{}", r.stderr);
}

#[test]
fn issue19_item11_the_deadline_ends_the_search_without_a_duplicate() {
    let gh = Fake::start();
    {
        let mut s = gh.state.lock().unwrap();
        s.endless = true;
        s.page_delay = Some(std::time::Duration::from_millis(100));
    }
    let ws = Ws::new();
    let r = ws.run(
        &[
            ("GITHUB_API_URL", gh.url()),
            ("GITHUB_TOKEN", TOKEN.into()),
            ("FLAMEIQ_COMMENT_DEADLINE_MS", "700".into()),
        ],
        &ARGS,
    );
    assert_eq!(r.code, 0, "{}", r.all());
    assert!(r.stderr.contains("deadline"), "{}", r.stderr);
    assert!(count(&gh.requests(), "GET") < 20);
    assert_eq!(count(&gh.requests(), "POST"), 0, "a duplicate was posted");
}

#[test]
fn issue19_item11_a_huge_answer_is_refused_with_a_warning() {
    let gh = Fake::start();
    gh.state.lock().unwrap().huge_pages = Some(11 * 1024 * 1024);
    let ws = Ws::new();
    let r = ws.plain(&gh, &ARGS);
    assert_eq!(r.code, 0, "{}", r.all());
    assert!(r.stderr.contains("larger than 10 MiB"), "{}", r.stderr);
    assert_eq!(count(&gh.requests(), "POST"), 0);
}

#[test]
fn retry_after_3600_gives_up_at_once_on_github_as_on_gitlab() {
    let gh = Fake::start();
    gh.script(
        429,
        &[("retry-after", "3600")],
        r#"{"message": "API rate limit exceeded"}"#,
    );
    let ws = Ws::new();
    let r = ws.plain(&gh, &ARGS);
    assert_eq!(r.code, 0, "{}", r.all());
    assert!(r.stderr.contains("3600"), "{}", r.stderr);
    assert_eq!(gh.requests().len(), 1, "no retry");
    assert!(gh.comments().is_empty());
}

#[test]
fn issue19_item11_gitlab_retry_after_3600_gives_up_at_once_through_the_binary() {
    let gl = FakeGitLab::start();
    {
        let mut s = gl.state.lock().unwrap();
        s.retry_after = Some("3600".into());
        s.fail_next.extend([429]);
    }
    let ws = Ws::new();
    let vars = gitlab_vars(
        &gl,
        &[
            ("CI_PIPELINE_SOURCE", "merge_request_event"),
            ("CI_MERGE_REQUEST_IID", "12"),
        ],
    );
    let r = ws.run(&vars, &["comment", "--result", "result.json"]);
    assert_eq!(r.code, 0, "{}", r.all());
    assert!(r.stderr.contains("3600"), "{}", r.stderr);
    assert_eq!(gl.requests().len(), 1, "no retry");
    assert!(gl.notes().is_empty());
}

#[test]
fn issue19_item12_env_default_and_no_env_get_their_own_comments() {
    // `--env default` is the store `<dir>/default/`, not the default store `<dir>/`: its
    // comment must not overwrite the default store's.
    let gh = Fake::start();
    let ws = Ws::new();
    let r = ws.plain(&gh, &ARGS);
    assert_eq!(r.code, 0, "{}", r.all());
    let mut with_env = vec!["--env", "default"];
    with_env.extend(ARGS);
    let r = ws.plain(&gh, &with_env);
    assert_eq!(r.code, 0, "{}", r.all());
    assert_eq!(count(&gh.requests(), "POST"), 2, "{}", r.all());
    assert_eq!(count(&gh.requests(), "PATCH"), 0);
    assert_eq!(ours(&gh.comments(), "default").len(), 1);
    assert_eq!(ours(&gh.comments(), "%64efault").len(), 1);
    // Each is found again by its own marker.
    let r = ws.plain(&gh, &with_env);
    assert_eq!(r.code, 0, "{}", r.all());
    assert_eq!(count(&gh.requests(), "POST"), 2);
    assert_eq!(count(&gh.requests(), "PATCH"), 1);
}

// ---------------------------------------------------------------- issue 18: check runs

#[test]
fn issue18_comment_in_workflow_run_writes_the_check_run_on_the_pr_head() {
    // The fork half of the two-workflow pattern: no PR in the payload, --pr from the
    // artifact; the check run goes on workflow_run.head_sha (GITHUB_SHA there is main's).
    let gh = Fake::start();
    let ws = Ws::new();
    let payload = workflow_run_fork_payload();
    let head = payload["workflow_run"]["head_sha"]
        .as_str()
        .unwrap()
        .to_string();
    let run = |extra: &[&str]| {
        let mut args = vec!["comment", "--result", "result.json"];
        args.extend_from_slice(extra);
        let n = std::fs::read_dir(ws.path()).unwrap().count();
        let event_path = ws.path().join(format!("event-check-{n}.json"));
        std::fs::write(&event_path, payload.to_string()).unwrap();
        ws.run(
            &[
                ("GITHUB_ACTIONS", "true".into()),
                ("GITHUB_EVENT_NAME", "workflow_run".into()),
                ("GITHUB_EVENT_PATH", event_path.display().to_string()),
                ("GITHUB_REPOSITORY", REPO.into()),
                (
                    "GITHUB_SHA",
                    "6113728f27ae82c7b1a177c8d03f9e96e0adf246".into(),
                ),
                ("GITHUB_API_URL", gh.url()),
                ("GITHUB_TOKEN", TOKEN.into()),
                ("FLAMEIQ_PR", PR.to_string()),
            ],
            &args,
        )
    };
    let r = run(&[]);
    assert_eq!(r.code, 0, "{}", r.all());
    r.assert_no_token();
    let runs = gh.state.lock().unwrap().checks.named(&head, "FlameIQ");
    assert_eq!(runs.len(), 1, "{}", r.all());
    assert_eq!(runs[0]["conclusion"], "failure");
    assert_eq!(
        runs[0]["details_url"],
        format!("https://github.com/{REPO}/actions/runs/4242"),
        "links the run that compared"
    );
    let notes =
        gh.state.lock().unwrap().checks.annotations[&runs[0]["id"].as_u64().unwrap()].clone();
    assert_eq!(notes.len(), 2);
    assert_eq!(notes[0]["path"], "result.json");
    // Again: updated in place.
    assert_eq!(run(&[]).code, 0);
    let again = gh.state.lock().unwrap().checks.named(&head, "FlameIQ");
    assert_eq!(again.len(), 1);
    assert_eq!(again[0]["id"], runs[0]["id"]);
    // --check false: none written.
    let before = gh.state.lock().unwrap().checks.requests.len();
    assert_eq!(run(&["--check", "false"]).code, 0);
    assert_eq!(gh.state.lock().unwrap().checks.requests.len(), before);
    // A token without checks: write: a warning naming it, exit 0.
    gh.state.lock().unwrap().checks.forbid = true;
    let r = run(&["--sha", &head]);
    assert_eq!(r.code, 0, "{}", r.all());
    assert!(
        r.stdout.contains("::warning title=FlameIQ check::"),
        "{}",
        r.stdout
    );
    assert!(r.stdout.contains("checks: write"), "{}", r.stdout);
    r.assert_no_token();
}
