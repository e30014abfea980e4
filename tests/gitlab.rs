//! GitLab MR notes (issue 7) against a loopback GitLab: a minimal HTTP/1.1 server on
//! 127.0.0.1 that answers the notes API in GitLab's real JSON shape (author object, `system`,
//! `noteable_*` fields, `commands_changes`) with GitLab's pagination headers (`X-Page`,
//! `X-Per-Page`, `X-Next-Page`, `X-Prev-Page`, `X-Total`, `X-Total-Pages`, `Link`), enforces
//! the `PRIVATE-TOKEN` header, refuses to edit another user's note (403, as GitLab does) and
//! can be told to fail the next requests (502 from the proxy, 429, 403 for everything).

mod common;
use common::fake_gitlab;

use fake_gitlab::{author, bot, FakeGitLab, BOT_ID, IID, MARKER, PROJECT, TOKEN};
use flameiq::ci::context::map_env;
use flameiq::ci::gitlab::{self, GitLabTarget};
use flameiq::ci::http::{CommentError, Outcome, Policy, Secret};
use flameiq::ci::{CommentTarget, Context, Plan};
use std::collections::HashMap;
use std::io::Write;
use std::net::TcpListener;
use std::sync::{Arc, Mutex};
use std::time::Duration;

trait Target {
    fn target(&self) -> GitLabTarget;
}

impl Target for FakeGitLab {
    fn target(&self) -> GitLabTarget {
        GitLabTarget {
            api_url: self.api(),
            project_id: PROJECT.to_string(),
            mr_iid: IID,
            project_web_url: Some("https://gitlab.example.com/acme/app".into()),
        }
    }
}

fn fast() -> Policy {
    Policy {
        max_retries: 3,
        base_delay: Duration::from_millis(5),
        max_delay: Duration::from_millis(50),
        timeout: Duration::from_secs(10),
        ..Policy::default()
    }
}

fn token() -> Secret {
    Secret::new(TOKEN)
}

/// The warning of a note that was not written.
fn skipped(out: &Result<Outcome, CommentError>) -> String {
    match out {
        Err(CommentError::Failed(reason)) => reason.clone(),
        other => panic!("expected a warning, got {other:?}"),
    }
}

fn assert_no_token(what: &impl std::fmt::Debug) {
    let s = format!("{what:?}");
    assert!(!s.contains(TOKEN), "token leaked: {s}");
    assert!(!s.contains("Sup3rSecret"), "token leaked: {s}");
}

fn body(text: &str) -> String {
    format!("{MARKER}\n### FlameIQ\n\n{text}\n")
}

#[test]
fn first_run_creates_one_note_then_rerun_updates_it() {
    let gl = FakeGitLab::start();
    gl.add("Looks good to me", false, author(17, "alice", "Alice"));

    let out = gitlab::upsert_note(&gl.target(), &token(), MARKER, &body("run 1"), &fast()).unwrap();
    let notes = gl.notes();
    assert_eq!(notes.len(), 2);
    let id = notes[1]["id"].as_u64().unwrap();
    assert_eq!(
        out,
        Outcome::Created {
            url: format!("https://gitlab.example.com/acme/app/-/merge_requests/12#note_{id}")
        }
    );
    assert_eq!(notes[1]["body"], body("run 1"));
    let reqs = gl.requests();
    assert!(reqs.iter().all(|r| r.token_ok));
    assert_eq!(
        reqs.iter()
            .map(|r| format!("{} {}", r.method, r.target))
            .collect::<Vec<_>>(),
        vec![
            // Who the token is: only that user's notes are FlameIQ's.
            "GET /api/v4/user".to_string(),
            format!(
                "GET /api/v4/projects/{PROJECT}/merge_requests/{IID}/notes?per_page=100&page=1"
            ),
            format!("POST /api/v4/projects/{PROJECT}/merge_requests/{IID}/notes"),
        ]
    );

    let out = gitlab::upsert_note(&gl.target(), &token(), MARKER, &body("run 2"), &fast()).unwrap();
    assert!(
        matches!(out, Outcome::Updated { ref url } if url.ends_with(&format!("#note_{id}"))),
        "{out:?}"
    );
    let notes = gl.notes();
    assert_eq!(notes.len(), 2, "re-run must not add a note");
    assert_eq!(notes[1]["body"], body("run 2"));
}

#[test]
fn rerun_finds_its_note_on_page_two_past_system_notes_and_quotes() {
    let gl = FakeGitLab::start();
    // Oldest: FlameIQ's note from the first pipeline.
    let ours = gl.add(
        &body("old"),
        false,
        author(BOT_ID, "project_278964_bot_3f2a", "flameiq"),
    );
    // 150 newer notes: system notes that carry the marker text, other users' notes, a
    // reviewer quoting our note. Newest first, ours lands on page 2.
    for i in 0..150 {
        match i % 3 {
            0 => gl.add(
                &format!(
                    "added 1 commit\n\n<ul><li>4f1c2d{i:02} - bench: tweak</li></ul>\n{MARKER}"
                ),
                true,
                author(17, "alice", "Alice"),
            ),
            1 => gl.add(
                &format!("> {MARKER}\n> ### FlameIQ\n\nwhy is p95 up? ({i})"),
                false,
                author(18, "bob", "Bob"),
            ),
            _ => gl.add(
                &format!("review comment {i} mentioning flameiq:default"),
                false,
                author(19, "carol", "Carol"),
            ),
        };
    }
    // The newest note is a system note with the marker on its own line.
    gl.add(
        &format!("changed the description\n{MARKER}"),
        true,
        author(17, "alice", "Alice"),
    );

    let out = gitlab::upsert_note(&gl.target(), &token(), MARKER, &body("new"), &fast()).unwrap();
    assert_eq!(
        out,
        Outcome::Updated {
            url: format!("https://gitlab.example.com/acme/app/-/merge_requests/12#note_{ours}")
        }
    );
    let notes = gl.notes();
    assert_eq!(notes.len(), 152);
    assert_eq!(notes[0]["body"], body("new"));
    let reqs: Vec<String> = gl
        .requests()
        .iter()
        .map(|r| format!("{} {}", r.method, r.target))
        .collect();
    let notes_path = format!("/api/v4/projects/{PROJECT}/merge_requests/{IID}/notes");
    assert_eq!(
        reqs,
        vec![
            "GET /api/v4/user".to_string(),
            format!("GET {notes_path}?per_page=100&page=1"),
            format!("GET {notes_path}?per_page=100&page=2"),
            format!("PUT {notes_path}/{ours}"),
        ]
    );
    // Nobody else's note was touched.
    assert!(notes[1..]
        .iter()
        .all(|n| n["updated_at"] == n["created_at"]));
}

#[test]
fn forbidden_is_a_warning_with_the_fix_and_posts_nothing() {
    let gl = FakeGitLab::start();
    gl.state.lock().unwrap().always = Some(403);
    let out = gitlab::upsert_note(&gl.target(), &token(), MARKER, &body("x"), &fast());
    let reason = &skipped(&out);
    assert!(
        reason.contains("403") && reason.contains("'api' scope"),
        "{reason}"
    );
    assert!(reason.contains("FLAMEIQ_GITLAB_TOKEN"), "{reason}");
    assert!(gl.notes().is_empty());
    assert_eq!(gl.requests().len(), 1, "a 403 is not retried");
    assert_no_token(&out);
}

#[test]
fn wrong_token_and_missing_mr_are_warnings() {
    let gl = FakeGitLab::start();
    let out = gitlab::upsert_note(
        &gl.target(),
        &Secret::new("glpat-wrong"),
        MARKER,
        &body("x"),
        &fast(),
    );
    assert!(
        {
            let reason = skipped(&out);
            reason.contains("401") && reason.contains("expired")
        },
        "{out:?}"
    );
    let mut t = gl.target();
    t.mr_iid = 999;
    let out = gitlab::upsert_note(&t, &token(), MARKER, &body("x"), &fast());
    assert!(
        {
            let reason = skipped(&out);
            reason.contains("404") && reason.contains("CI_PROJECT_ID")
        },
        "{out:?}"
    );
    assert!(gl.notes().is_empty());
}

#[test]
fn issue19_item2_someone_elses_note_with_the_marker_is_never_edited() {
    // A reviewer's note carrying the marker on a line of its own (invisible once rendered),
    // newer than anything of ours: it must not capture the report. A new note is posted.
    let gl = FakeGitLab::start();
    let theirs = gl.add(
        &format!("nice work\n{MARKER}"),
        false,
        author(18, "bob", "Bob"),
    );
    let out = gitlab::upsert_note(&gl.target(), &token(), MARKER, &body("x"), &fast()).unwrap();
    assert!(matches!(out, Outcome::Created { .. }), "{out:?}");
    let notes = gl.notes();
    assert_eq!(notes.len(), 2);
    let bobs = notes.iter().find(|n| n["id"] == theirs).unwrap();
    assert_eq!(bobs["body"], format!("nice work\n{MARKER}"));
    assert_eq!(bobs["updated_at"], bobs["created_at"]);
    assert!(gl.requests().iter().all(|r| r.method != "PUT"));
    assert_eq!(notes[1]["author"]["id"], BOT_ID);
    // The next run updates our note, still not Bob's.
    let out = gitlab::upsert_note(&gl.target(), &token(), MARKER, &body("y"), &fast()).unwrap();
    assert!(matches!(out, Outcome::Updated { .. }), "{out:?}");
    let notes = gl.notes();
    assert_eq!(notes.len(), 2);
    assert_eq!(notes[1]["body"], body("y"));
    assert_eq!(notes[0]["body"], format!("nice work\n{MARKER}"));
}

#[test]
fn issue19_item2_two_of_ours_the_newest_is_updated_and_said() {
    let gl = FakeGitLab::start();
    let older = gl.add(&body("older"), false, bot());
    gl.add("unrelated", false, author(18, "bob", "Bob"));
    let newer = gl.add(&body("newer"), false, bot());
    logs();
    let out = gitlab::upsert_note(&gl.target(), &token(), MARKER, &body("new"), &fast()).unwrap();
    assert!(
        matches!(&out, Outcome::Updated { url } if url.ends_with(&format!("#note_{newer}"))),
        "{out:?}"
    );
    let notes = gl.notes();
    assert_eq!(notes.len(), 3);
    let by_id = |id: u64| notes.iter().find(|n| n["id"] == id).unwrap()["body"].clone();
    assert_eq!(by_id(newer), body("new"));
    assert_eq!(by_id(older), body("older"));
    let logs = logs();
    assert!(
        logs.contains("found 2 FlameIQ notes") && logs.contains(&newer.to_string()),
        "{logs}"
    );
}

/// Everything `tracing` logs (at trace level) in this test binary from the first call on. A
/// global subscriber, not a scoped one: tracing caches per-callsite interest across threads,
/// so a thread-local subscriber misses events while other tests run in parallel.
fn logs() -> String {
    static BUF: std::sync::OnceLock<Arc<Mutex<Vec<u8>>>> = std::sync::OnceLock::new();
    #[derive(Clone)]
    struct Buf(Arc<Mutex<Vec<u8>>>);
    impl Write for Buf {
        fn write(&mut self, b: &[u8]) -> std::io::Result<usize> {
            self.0.lock().unwrap().extend_from_slice(b);
            Ok(b.len())
        }
        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }
    let buf = BUF.get_or_init(|| {
        let buf = Arc::new(Mutex::new(Vec::new()));
        let writer = Buf(buf.clone());
        let sub = tracing_subscriber::fmt()
            .with_max_level(tracing::Level::TRACE)
            .with_ansi(false)
            .with_writer(move || writer.clone())
            .finish();
        tracing::subscriber::set_global_default(sub).unwrap();
        buf
    });
    let text = String::from_utf8_lossy(&buf.lock().unwrap()).to_string();
    text
}

#[test]
fn two_502s_then_success_posts_once() {
    let gl = FakeGitLab::start();
    // The look-up GET fails twice behind the proxy, then everything works.
    gl.fail_next(&[502, 502]);
    logs();
    let out = gitlab::upsert_note(&gl.target(), &token(), MARKER, &body("x"), &fast()).unwrap();
    let logs = logs();
    assert!(matches!(out, Outcome::Created { .. }), "{out:?}");
    assert_eq!(gl.notes().len(), 1);
    assert_eq!(
        gl.requests().len(),
        5,
        "GET /user 502, GET /user 502, GET /user, GET notes, POST"
    );
    assert!(logs.contains("retrying"), "{logs}");
    assert!(!logs.contains(TOKEN), "{logs}");
}

#[test]
fn a_failed_post_is_retried_without_posting_twice() {
    let gl = FakeGitLab::start();
    // The POST fails twice (a 502 from the proxy, then a rate limit with Retry-After: 0);
    // before each new POST the note is looked up again.
    gl.state.lock().unwrap().fail_posts.extend([502, 429]);
    let out = gitlab::upsert_note(&gl.target(), &token(), MARKER, &body("x"), &fast()).unwrap();
    assert!(matches!(out, Outcome::Created { .. }), "{out:?}");
    assert_eq!(gl.notes().len(), 1, "exactly one note after retries");
    let methods: Vec<String> = gl.requests().iter().map(|r| r.method.clone()).collect();
    // GET /user once, then the look-up before every POST.
    assert_eq!(
        methods,
        ["GET", "GET", "POST", "GET", "POST", "GET", "POST"]
    );
}

#[test]
fn retries_are_bounded_and_the_error_names_no_token() {
    let gl = FakeGitLab::start();
    gl.state.lock().unwrap().always = Some(503);
    let err = gitlab::upsert_note(&gl.target(), &token(), MARKER, &body("x"), &fast()).unwrap_err();
    assert_eq!(gl.requests().len(), 4, "1 attempt + 3 retries");
    let msg = err.to_string();
    assert!(msg.contains("503") && msg.contains("4 attempts"), "{msg}");
    assert_no_token(&err);
    assert!(!msg.contains(TOKEN));
}

#[test]
fn every_request_has_a_timeout() {
    // A server that accepts and never answers.
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap();
    std::thread::spawn(move || {
        let mut held = Vec::new();
        for s in listener.incoming().flatten() {
            held.push(s);
        }
    });
    let target = GitLabTarget {
        api_url: format!("http://{addr}/api/v4"),
        project_id: "acme/app".into(),
        mr_iid: 1,
        project_web_url: None,
    };
    let policy = Policy {
        max_retries: 1,
        timeout: Duration::from_millis(300),
        ..fast()
    };
    let err = gitlab::upsert_note(&target, &token(), MARKER, "x", &policy).unwrap_err();
    let msg = err.to_string();
    assert!(
        msg.contains("timed out") && msg.contains("2 attempts"),
        "{msg}"
    );
    assert_no_token(&err);
}

#[test]
fn unreachable_gitlab_is_an_error_without_the_token() {
    let port = TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let target = GitLabTarget {
        api_url: format!("http://127.0.0.1:{port}/api/v4"),
        project_id: PROJECT.to_string(),
        mr_iid: IID,
        project_web_url: None,
    };
    let err = gitlab::upsert_note(&target, &token(), MARKER, "x", &fast()).unwrap_err();
    assert!(err.to_string().contains("cannot connect"), "{err}");
    assert_no_token(&err);
}

#[test]
fn a_huge_body_is_truncated_below_gitlabs_limit() {
    let gl = FakeGitLab::start();
    let big =
        body(&"| `custom.bench` | 1.0 | 2.0 | +100.00% | 10.0% | regression |\n".repeat(20_000));
    assert!(big.chars().count() > 1_000_000);
    let out = gitlab::upsert_note(&gl.target(), &token(), MARKER, &big, &fast()).unwrap();
    assert!(matches!(out, Outcome::Created { .. }));
    let posted = gl.notes()[0]["body"].as_str().unwrap().to_string();
    assert!(posted.chars().count() < 1_000_000);
    assert!(posted.starts_with(MARKER) && posted.contains("truncated"));
}

fn gitlab_env(gl: &FakeGitLab, pairs: &[(&str, &str)]) -> HashMap<String, String> {
    let mut m: HashMap<String, String> = [
        ("GITLAB_CI", "true"),
        ("CI", "true"),
        ("CI_DEFAULT_BRANCH", "main"),
        ("CI_PROJECT_ID", "278964"),
        ("CI_PROJECT_PATH", "acme/app"),
        ("CI_PROJECT_URL", "https://gitlab.example.com/acme/app"),
        (
            "CI_JOB_URL",
            "https://gitlab.example.com/acme/app/-/jobs/8812",
        ),
        ("CI_COMMIT_SHA", "e4f5a6b7c8d9e0f1a2b3c4d5e6f7a8b9c0d1e2f3"),
        ("CI_JOB_TOKEN", "job-token-should-not-be-used"),
        ("FLAMEIQ_GITLAB_TOKEN", TOKEN),
    ]
    .iter()
    .map(|(k, v)| (k.to_string(), v.to_string()))
    .collect();
    m.insert("CI_API_V4_URL".into(), format!("{}/api/v4", gl.addr));
    for (k, v) in pairs {
        m.insert(k.to_string(), v.to_string());
    }
    m
}

#[test]
fn main_pipeline_sets_the_baseline_and_posts_nothing() {
    let gl = FakeGitLab::start();
    let env = gitlab_env(
        &gl,
        &[("CI_PIPELINE_SOURCE", "push"), ("CI_COMMIT_BRANCH", "main")],
    );
    let ctx = Context::from_env(&map_env(&env), None).unwrap();
    assert_eq!(ctx.auto_plan(), Plan::Baseline);
    // What `flameiq ci` does in baseline mode: `baseline set`.
    let dir = tempfile::tempdir().unwrap();
    assert_cmd::Command::cargo_bin("flameiq")
        .unwrap()
        .current_dir(dir.path())
        .args(["baseline", "set", "--metrics"])
        .arg(std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("examples/baseline.json"))
        .assert()
        .success()
        .stdout(predicates::str::contains("Baseline set"));
    assert!(dir.path().join(".flameiq/baselines").exists());
    assert!(
        gl.requests().is_empty(),
        "nothing posted on the default branch"
    );
}

#[test]
fn mr_pipeline_with_a_regression_exits_1_and_keeps_one_note() {
    let gl = FakeGitLab::start();
    let env = gitlab_env(
        &gl,
        &[
            ("CI_PIPELINE_SOURCE", "merge_request_event"),
            ("CI_MERGE_REQUEST_IID", "12"),
            (
                "CI_MERGE_REQUEST_SOURCE_BRANCH_NAME",
                "feature/faster-parser",
            ),
            ("CI_MERGE_REQUEST_TARGET_BRANCH_NAME", "main"),
            (
                "CI_MERGE_REQUEST_PROJECT_URL",
                "https://gitlab.example.com/acme/app",
            ),
        ],
    );
    let lookup = map_env(&env);
    let ctx = Context::from_env(&lookup, None).unwrap();
    let Plan::Compare {
        comment: Some(CommentTarget::GitLab(target)),
    } = ctx.auto_plan()
    else {
        panic!("{ctx:?}")
    };
    assert_eq!(target.mr_iid, 12);
    let tok = gitlab::token_from_env(&lookup).unwrap();
    assert_no_token(&tok);

    let examples = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("examples");
    // The comparison: p95 latency 180 → 201 ms (+11.7 %) breaches the default 10 % (exit 1).
    assert_cmd::Command::cargo_bin("flameiq")
        .unwrap()
        .args(["compare", "--metrics"])
        .arg(examples.join("current.json"))
        .arg("--baseline")
        .arg(examples.join("baseline.json"))
        .assert()
        .code(1);
    let read = |f: &str| {
        let p = examples.join(f);
        flameiq::schema::Snapshot::from_json_str(&std::fs::read_to_string(&p).unwrap(), &p).unwrap()
    };
    let result = flameiq::compare::compare(
        &flameiq::compare::baseline::Baseline::from_file(read("baseline.json")),
        &read("current.json"),
        &flameiq::compare::Settings::default(),
    )
    .unwrap();
    assert!(result.counts.regressions > 0);
    use flameiq::render::Render;
    let view = flameiq::render::View {
        result: Some(&result),
        run_url: ctx.run_url.clone(),
        ..Default::default()
    };
    let comment = flameiq::render::markdown::Markdown {
        kind: flameiq::render::markdown::Kind::Comment,
    }
    .render(&view)
    .unwrap();
    let marker = flameiq::render::markdown::marker(None);

    for run in 0..2 {
        let out = gitlab::upsert_note(&target, &tok, &marker, &comment, &fast()).unwrap();
        match (run, &out) {
            (0, Outcome::Created { .. }) | (1, Outcome::Updated { .. }) => {}
            _ => panic!("run {run}: {out:?}"),
        }
    }
    let notes = gl.notes();
    assert_eq!(notes.len(), 1, "one note per MR and environment");
    let posted = notes[0]["body"].as_str().unwrap();
    assert!(posted.starts_with(&marker));
    assert!(posted.contains("latency.p95"), "{posted}");
    // The job token was never sent: only the project access token.
    assert!(gl
        .requests()
        .iter()
        .all(|r| r.token_ok && !r.body.contains("job-token")));
}

#[test]
fn only_a_job_token_is_explained() {
    let env: HashMap<String, String> = [("GITLAB_CI", "true"), ("CI_JOB_TOKEN", "job-secret-123")]
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
    let warning = gitlab::token_from_env(&map_env(&env)).unwrap_err();
    assert!(
        warning.contains("job tokens cannot post merge-request notes"),
        "{warning}"
    );
    assert!(
        warning.contains("masked CI/CD variable named FLAMEIQ_GITLAB_TOKEN"),
        "{warning}"
    );
    assert!(!warning.contains("job-secret-123"));
}

/// `flameiq::ci::post::upsert` on the fake's MR, with `env` as the environment.
fn post(
    gl: &FakeGitLab,
    env: &HashMap<String, String>,
    body: &str,
) -> Result<Outcome, CommentError> {
    let target = CommentTarget::GitLab(gl.target());
    flameiq::ci::post::upsert(&target, None, MARKER, body, true, &map_env(env))
}

#[test]
fn post_upsert_reads_token_and_knobs_and_never_fails() {
    let gl = FakeGitLab::start();
    let mut env = gitlab_env(&gl, &[("FLAMEIQ_HTTP_RETRY_BASE_MS", "1")]);
    let out = post(&gl, &env, &body("a"));
    assert!(matches!(out, Ok(Outcome::Created { .. })), "{out:?}");

    // GitLab down: a warning, not an error.
    gl.state.lock().unwrap().always = Some(503);
    let out = post(&gl, &env, &body("b"));
    assert!(
        {
            let reason = skipped(&out);
            reason.contains("503")
        },
        "{out:?}"
    );
    assert_no_token(&out);

    // Only the job token: the explanation, and no request at all.
    env.remove("FLAMEIQ_GITLAB_TOKEN");
    let before = gl.requests().len();
    let out = post(&gl, &env, &body("c"));
    assert!(
        {
            let reason = skipped(&out);
            reason.contains("CI_JOB_TOKEN")
        },
        "{out:?}"
    );
    assert_eq!(gl.requests().len(), before);
}

#[test]
fn a_redirect_is_never_followed_with_the_token() {
    // GitLab moved: the old address answers 301 to another host, which must see no token.
    let old = FakeGitLab::start();
    let new = FakeGitLab::start();
    old.state.lock().unwrap().redirect = Some(new.addr.clone());
    let out = gitlab::upsert_note(&old.target(), &token(), MARKER, &body("x"), &fast());
    assert!(
        {
            let reason = skipped(&out);
            reason.contains("301") && reason.contains("CI_API_V4_URL")
        },
        "{out:?}"
    );
    assert!(
        new.requests().is_empty(),
        "the redirect target was contacted"
    );
}

#[test]
fn a_note_deleted_meanwhile_is_posted_again() {
    let gl = FakeGitLab::start();
    gl.add(
        &body("old"),
        false,
        author(BOT_ID, "project_278964_bot_3f2a", "flameiq"),
    );
    gl.state.lock().unwrap().delete_before_put = true;
    let out = gitlab::upsert_note(&gl.target(), &token(), MARKER, &body("new"), &fast()).unwrap();
    assert!(matches!(out, Outcome::Created { .. }), "{out:?}");
    let notes = gl.notes();
    assert_eq!(notes.len(), 1);
    assert_eq!(notes[0]["body"], body("new"));
    let methods: Vec<String> = gl.requests().iter().map(|r| r.method.clone()).collect();
    assert_eq!(methods, ["GET", "GET", "PUT", "GET", "POST"]);
}

#[test]
fn issue19_item3_a_token_echoed_in_a_long_error_is_redacted_before_the_cut() {
    // GitLab (or a proxy) echoes the token in an error message longer than 200 characters,
    // the token straddling the 200th: no prefix of it may reach the warning.
    let gl = FakeGitLab::start();
    let msg = format!(
        "{}{TOKEN} is not allowed here {}",
        "x".repeat(190),
        "y".repeat(300)
    );
    gl.state.lock().unwrap().error_body = Some(serde_json::json!({ "message": msg }).to_string());
    gl.fail_next(&[422]);
    let out = gitlab::upsert_note(&gl.target(), &token(), MARKER, &body("x"), &fast());
    let reason = skipped(&out);
    assert!(
        reason.contains("HTTP 422") && reason.contains("***"),
        "{reason}"
    );
    assert!(
        !reason.contains("glpat-"),
        "a token prefix survived: {reason}"
    );
    assert_no_token(&out);
}

#[test]
fn issue19_item4_plain_http_to_a_remote_host_is_refused_before_any_request() {
    let target = GitLabTarget {
        api_url: "http://gitlab.example.com/api/v4".into(),
        project_id: PROJECT.to_string(),
        mr_iid: IID,
        project_web_url: None,
    };
    let out = gitlab::upsert_note(&target, &token(), MARKER, "x", &fast());
    let reason = skipped(&out);
    assert!(
        reason.contains("http://gitlab.example.com/api/v4")
            && reason.contains("CI_API_V4_URL")
            && reason.contains("FLAMEIQ_ALLOW_INSECURE_API=1"),
        "{reason}"
    );
    assert_no_token(&out);
}

#[test]
fn issue19_item11_endless_next_pages_stop_at_the_page_cap_and_post_nothing() {
    let gl = FakeGitLab::start();
    gl.state.lock().unwrap().endless = true;
    let out = gitlab::upsert_note(&gl.target(), &token(), MARKER, &body("x"), &fast());
    let reason = skipped(&out);
    assert!(
        reason.contains("100 pages") && reason.contains("not posting"),
        "{reason}"
    );
    let reqs = gl.requests();
    assert_eq!(reqs.len(), 1 + 100, "GET /user, then 100 pages");
    assert!(reqs.iter().all(|r| r.method == "GET"), "nothing was posted");
    assert!(gl.notes().is_empty());
}

#[test]
fn issue19_item11_one_deadline_for_the_whole_step_and_no_duplicate() {
    // Each page answers well within the per-request timeout, for ever: the step's deadline
    // ends it, and no note is posted since ours may be on a later page.
    let gl = FakeGitLab::start();
    {
        let mut s = gl.state.lock().unwrap();
        s.endless = true;
        s.page_delay = Some(Duration::from_millis(100));
    }
    let policy = Policy {
        deadline: Duration::from_millis(700),
        ..fast()
    };
    let out = gitlab::upsert_note(&gl.target(), &token(), MARKER, &body("x"), &policy);
    let reason = skipped(&out);
    assert!(reason.contains("deadline"), "{reason}");
    let reqs = gl.requests();
    assert!(reqs.len() < 20, "{} requests", reqs.len());
    assert!(reqs.iter().all(|r| r.method == "GET"));
    assert!(gl.notes().is_empty());
}

#[test]
fn issue19_item11_a_huge_answer_is_refused_and_nothing_is_posted() {
    let gl = FakeGitLab::start();
    gl.state.lock().unwrap().huge_pages = Some(11 * 1024 * 1024);
    let out = gitlab::upsert_note(
        &gl.target(),
        &token(),
        MARKER,
        &body("x"),
        &Policy::default(),
    );
    let reason = skipped(&out);
    assert!(
        reason.contains("larger than 10 MiB") && reason.contains("!12"),
        "{reason}"
    );
    assert!(gl.requests().iter().all(|r| r.method == "GET"));
    assert!(gl.notes().is_empty());
}

#[test]
fn issue19_item11_retry_after_3600_gives_up_at_once() {
    // The defaults (30 s longest wait, 60 s deadline): GitLab asking for an hour is not
    // slept through, nor capped to 30 s and retried three times.
    let gl = FakeGitLab::start();
    {
        let mut s = gl.state.lock().unwrap();
        s.retry_after = Some("3600".into());
        s.fail_next.extend([429]);
    }
    let started = std::time::Instant::now();
    let out = gitlab::upsert_note(
        &gl.target(),
        &token(),
        MARKER,
        &body("x"),
        &Policy::default(),
    );
    let reason = skipped(&out);
    assert!(
        reason.contains("429") && reason.contains("3600"),
        "{reason}"
    );
    assert_eq!(gl.requests().len(), 1, "no retry");
    assert!(started.elapsed() < Duration::from_secs(25), "it waited");
    assert!(gl.notes().is_empty());
}
