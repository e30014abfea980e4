//! GitLab MR notes (issue 7) against a loopback GitLab: a minimal HTTP/1.1 server on
//! 127.0.0.1 that answers the notes API in GitLab's real JSON shape (author object, `system`,
//! `noteable_*` fields, `commands_changes`) with GitLab's pagination headers (`X-Page`,
//! `X-Per-Page`, `X-Next-Page`, `X-Prev-Page`, `X-Total`, `X-Total-Pages`, `Link`), enforces
//! the `PRIVATE-TOKEN` header, refuses to edit another user's note (403, as GitLab does) and
//! can be told to fail the next requests (502 from the proxy, 429, 403 for everything).

use flameiq::ci::context_other::{self, map_env, CommentTarget, Mode};
use flameiq::ci::gitlab::{self, GitLabTarget, NoteOutcome, RetryPolicy, Token};
use serde_json::{json, Value};
use std::collections::{HashMap, VecDeque};
use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::sync::{Arc, Mutex};
use std::time::Duration;

const TOKEN: &str = "glpat-Sup3rSecretT0ken-xyz";
const PROJECT: u64 = 278964;
const IID: u64 = 12;
const BOT_ID: u64 = 9_100_001;
const MARKER: &str = "<!-- flameiq:default -->";

#[derive(Debug, Clone)]
struct Req {
    method: String,
    target: String,
    token_ok: bool,
    body: String,
}

#[derive(Default)]
struct State {
    /// Oldest first; listed newest first (GitLab's default `sort=desc` on `created_at`).
    notes: Vec<Value>,
    next_id: u64,
    /// Statuses to answer the next requests with, one each.
    fail_next: VecDeque<u16>,
    /// Answer every request with this status.
    always: Option<u16>,
    /// Statuses to answer the next POSTs with, one each.
    fail_posts: VecDeque<u16>,
    /// Delete the note before answering the next PUT (someone deleted it meanwhile).
    delete_before_put: bool,
    /// Answer every request with a 301 to this URL (an http → https move, a renamed host).
    redirect: Option<String>,
    requests: Vec<Req>,
}

struct FakeGitLab {
    addr: String,
    state: Arc<Mutex<State>>,
}

fn author(id: u64, username: &str, name: &str) -> Value {
    json!({
        "id": id,
        "username": username,
        "name": name,
        "state": "active",
        "locked": false,
        "avatar_url": format!("https://secure.gravatar.com/avatar/{id:032x}?s=80&d=identicon"),
        "web_url": format!("https://gitlab.example.com/{username}"),
    })
}

fn timestamp(n: u64) -> String {
    format!(
        "2026-11-{:02}T{:02}:{:02}:{:02}.{:03}Z",
        20 + n / 86_400,
        (n / 3600) % 24,
        (n / 60) % 60,
        n % 60,
        n % 1000
    )
}

fn note(id: u64, seq: u64, body: &str, system: bool, author_v: Value) -> Value {
    json!({
        "id": id,
        "type": null,
        "body": body,
        "attachment": null,
        "author": author_v,
        "created_at": timestamp(seq * 61),
        "updated_at": timestamp(seq * 61),
        "system": system,
        "noteable_id": 345_678_901u64,
        "noteable_type": "MergeRequest",
        "project_id": PROJECT,
        "resolvable": false,
        "confidential": false,
        "internal": false,
        "imported": false,
        "imported_from": "none",
        "noteable_iid": IID,
        "commands_changes": {},
    })
}

impl FakeGitLab {
    fn start() -> FakeGitLab {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let addr = format!("http://{}", listener.local_addr().unwrap());
        let state = Arc::new(Mutex::new(State {
            next_id: 2_000_000_000,
            ..State::default()
        }));
        let st = state.clone();
        std::thread::spawn(move || {
            for stream in listener.incoming().flatten() {
                let st = st.clone();
                std::thread::spawn(move || {
                    let _ = handle(stream, &st);
                });
            }
        });
        FakeGitLab { addr, state }
    }

    fn target(&self) -> GitLabTarget {
        GitLabTarget {
            api_url: format!("{}/api/v4", self.addr),
            project_id: PROJECT.to_string(),
            mr_iid: IID,
            project_web_url: Some("https://gitlab.example.com/acme/app".into()),
        }
    }

    fn add(&self, body: &str, system: bool, author_v: Value) -> u64 {
        let mut s = self.state.lock().unwrap();
        s.next_id += 1;
        let id = s.next_id;
        let seq = s.notes.len() as u64;
        s.notes.push(note(id, seq, body, system, author_v));
        id
    }

    fn notes(&self) -> Vec<Value> {
        self.state.lock().unwrap().notes.clone()
    }

    fn requests(&self) -> Vec<Req> {
        self.state.lock().unwrap().requests.clone()
    }

    fn fail_next(&self, statuses: &[u16]) {
        self.state.lock().unwrap().fail_next.extend(statuses);
    }
}

fn respond(
    stream: &mut TcpStream,
    status: u16,
    headers: &[(String, String)],
    body: &str,
) -> std::io::Result<()> {
    let reason = match status {
        200 => "OK",
        301 => "Moved Permanently",
        201 => "Created",
        401 => "Unauthorized",
        403 => "Forbidden",
        404 => "Not Found",
        429 => "Too Many Requests",
        502 => "Bad Gateway",
        503 => "Service Unavailable",
        _ => "Status",
    };
    let mut head = format!(
        "HTTP/1.1 {status} {reason}\r\nContent-Length: {}\r\nConnection: close\r\n",
        body.len()
    );
    for (k, v) in headers {
        head.push_str(&format!("{k}: {v}\r\n"));
    }
    head.push_str("\r\n");
    stream.write_all(head.as_bytes())?;
    stream.write_all(body.as_bytes())?;
    stream.flush()
}

fn json_headers() -> Vec<(String, String)> {
    vec![("Content-Type".to_string(), "application/json".to_string())]
}

fn message(status: u16) -> String {
    let m = match status {
        401 => "401 Unauthorized",
        403 => "403 Forbidden",
        404 => "404 Not found",
        429 => "Retry later",
        _ => "error",
    };
    json!({ "message": m }).to_string()
}

fn handle(mut stream: TcpStream, st: &Mutex<State>) -> std::io::Result<()> {
    let mut reader = BufReader::new(stream.try_clone()?);
    let mut line = String::new();
    reader.read_line(&mut line)?;
    let mut parts = line.split_whitespace();
    let method = parts.next().unwrap_or_default().to_string();
    let target = parts.next().unwrap_or_default().to_string();
    let mut headers = HashMap::new();
    loop {
        let mut h = String::new();
        reader.read_line(&mut h)?;
        let h = h.trim_end();
        if h.is_empty() {
            break;
        }
        if let Some((k, v)) = h.split_once(':') {
            headers.insert(k.trim().to_ascii_lowercase(), v.trim().to_string());
        }
    }
    let len: usize = headers
        .get("content-length")
        .and_then(|v| v.parse().ok())
        .unwrap_or(0);
    let mut body = vec![0; len];
    reader.read_exact(&mut body)?;
    let body = String::from_utf8_lossy(&body).to_string();
    let token_ok = headers.get("private-token").map(String::as_str) == Some(TOKEN);

    let mut s = st.lock().unwrap();
    s.requests.push(Req {
        method: method.clone(),
        target: target.clone(),
        token_ok,
        body: body.clone(),
    });
    if !token_ok {
        return respond(&mut stream, 401, &json_headers(), &message(401));
    }
    if let Some(to) = s.redirect.clone() {
        let h = vec![("Location".to_string(), format!("{to}{target}"))];
        return respond(&mut stream, 301, &h, "");
    }
    if let Some(code) = s.always {
        return respond(&mut stream, code, &json_headers(), &message(code));
    }
    let injected = if method == "POST" {
        s.fail_posts.pop_front()
    } else {
        None
    };
    if let Some(code) = injected.or_else(|| s.fail_next.pop_front()) {
        if code == 502 {
            // What a reverse proxy in front of GitLab answers.
            let html = "<html>\r\n<head><title>502 Bad Gateway</title></head>\r\n<body>\r\n<center><h1>502 Bad Gateway</h1></center>\r\n</body>\r\n</html>\r\n";
            return respond(
                &mut stream,
                502,
                &[("Content-Type".into(), "text/html".into())],
                html,
            );
        }
        let mut h = json_headers();
        if code == 429 {
            h.push(("Retry-After".into(), "0".into()));
        }
        return respond(&mut stream, code, &h, &message(code));
    }

    let (path, query) = target.split_once('?').unwrap_or((&target, ""));
    let base = format!("/api/v4/projects/{PROJECT}/merge_requests/{IID}/notes");
    let q: HashMap<&str, &str> = query.split('&').filter_map(|p| p.split_once('=')).collect();
    if path == base && method == "GET" {
        let per_page: usize = q.get("per_page").and_then(|v| v.parse().ok()).unwrap_or(20);
        let page: usize = q.get("page").and_then(|v| v.parse().ok()).unwrap_or(1);
        let newest_first: Vec<Value> = s.notes.iter().rev().cloned().collect();
        let total = newest_first.len();
        let pages = total.div_ceil(per_page).max(1);
        let items: Vec<Value> = newest_first
            .into_iter()
            .skip((page - 1) * per_page)
            .take(per_page)
            .collect();
        let next = if page < pages {
            (page + 1).to_string()
        } else {
            String::new()
        };
        let prev = if page > 1 {
            (page - 1).to_string()
        } else {
            String::new()
        };
        let link = |p: usize, rel: &str| {
            format!("<https://gitlab.example.com{base}?id={PROJECT}&noteable_id={IID}&page={p}&per_page={per_page}>; rel=\"{rel}\"")
        };
        let mut links = vec![link(1, "first"), link(pages, "last")];
        if page < pages {
            links.insert(0, link(page + 1, "next"));
        }
        let mut h = json_headers();
        h.extend([
            ("Link".to_string(), links.join(", ")),
            ("X-Next-Page".to_string(), next),
            ("X-Page".to_string(), page.to_string()),
            ("X-Per-Page".to_string(), per_page.to_string()),
            ("X-Prev-Page".to_string(), prev),
            ("X-Total".to_string(), total.to_string()),
            ("X-Total-Pages".to_string(), pages.to_string()),
        ]);
        return respond(&mut stream, 200, &h, &Value::Array(items).to_string());
    }
    if path == base && method == "POST" {
        let Some(text) = serde_json::from_str::<Value>(&body)
            .ok()
            .and_then(|v| v["body"].as_str().map(str::to_string))
        else {
            return respond(
                &mut stream,
                400,
                &json_headers(),
                r#"{"message":"400 Bad request - body is missing"}"#,
            );
        };
        s.next_id += 1;
        let id = s.next_id;
        let seq = s.notes.len() as u64;
        let n = note(
            id,
            seq,
            &text,
            false,
            author(BOT_ID, "project_278964_bot_3f2a", "flameiq"),
        );
        s.notes.push(n.clone());
        return respond(&mut stream, 201, &json_headers(), &n.to_string());
    }
    if let Some(id) = path
        .strip_prefix(&format!("{base}/"))
        .and_then(|i| i.parse::<u64>().ok())
    {
        if method == "PUT" {
            if std::mem::take(&mut s.delete_before_put) {
                s.notes.retain(|n| n["id"] != id);
            }
            let text = serde_json::from_str::<Value>(&body)
                .ok()
                .and_then(|v| v["body"].as_str().map(str::to_string));
            let Some(n) = s.notes.iter_mut().find(|n| n["id"] == id) else {
                return respond(&mut stream, 404, &json_headers(), &message(404));
            };
            if n["author"]["id"] != BOT_ID {
                return respond(&mut stream, 403, &json_headers(), &message(403));
            }
            n["body"] = json!(text.unwrap_or_default());
            n["updated_at"] = json!("2026-11-28T12:00:00.000Z");
            let n = n.clone();
            return respond(&mut stream, 200, &json_headers(), &n.to_string());
        }
    }
    respond(
        &mut stream,
        404,
        &json_headers(),
        r#"{"error":"404 Not Found"}"#,
    )
}

fn fast() -> RetryPolicy {
    RetryPolicy {
        max_retries: 3,
        base_delay: Duration::from_millis(5),
        max_delay: Duration::from_millis(50),
        timeout: Duration::from_secs(10),
    }
}

fn token() -> Token {
    Token::new(TOKEN)
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
        NoteOutcome::Created {
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
            format!(
                "GET /api/v4/projects/{PROJECT}/merge_requests/{IID}/notes?per_page=100&page=1"
            ),
            format!("POST /api/v4/projects/{PROJECT}/merge_requests/{IID}/notes"),
        ]
    );

    let out = gitlab::upsert_note(&gl.target(), &token(), MARKER, &body("run 2"), &fast()).unwrap();
    assert!(
        matches!(out, NoteOutcome::Updated { ref url } if url.ends_with(&format!("#note_{id}"))),
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
        NoteOutcome::Updated {
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
    let out = gitlab::upsert_note(&gl.target(), &token(), MARKER, &body("x"), &fast()).unwrap();
    let NoteOutcome::Skipped { reason } = &out else {
        panic!("{out:?}")
    };
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
        &Token::new("glpat-wrong"),
        MARKER,
        &body("x"),
        &fast(),
    )
    .unwrap();
    assert!(
        matches!(&out, NoteOutcome::Skipped { reason } if reason.contains("401") && reason.contains("expired")),
        "{out:?}"
    );
    let mut t = gl.target();
    t.mr_iid = 999;
    let out = gitlab::upsert_note(&t, &token(), MARKER, &body("x"), &fast()).unwrap();
    assert!(
        matches!(&out, NoteOutcome::Skipped { reason } if reason.contains("404") && reason.contains("CI_PROJECT_ID")),
        "{out:?}"
    );
    assert!(gl.notes().is_empty());
}

#[test]
fn editing_someone_elses_note_is_a_warning() {
    // A user pasted the marker on its own line in their note: GitLab refuses the PUT.
    let gl = FakeGitLab::start();
    gl.add(&body("pasted by hand"), false, author(18, "bob", "Bob"));
    let out = gitlab::upsert_note(&gl.target(), &token(), MARKER, &body("x"), &fast()).unwrap();
    assert!(
        matches!(&out, NoteOutcome::Skipped { reason } if reason.contains("403")),
        "{out:?}"
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
    assert!(matches!(out, NoteOutcome::Created { .. }), "{out:?}");
    assert_eq!(gl.notes().len(), 1);
    assert_eq!(gl.requests().len(), 4, "GET 502, GET 502, GET, POST");
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
    assert!(matches!(out, NoteOutcome::Created { .. }), "{out:?}");
    assert_eq!(gl.notes().len(), 1, "exactly one note after retries");
    let methods: Vec<String> = gl.requests().iter().map(|r| r.method.clone()).collect();
    assert_eq!(methods, ["GET", "POST", "GET", "POST", "GET", "POST"]);
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
    let policy = RetryPolicy {
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
    assert_eq!(err.exit_code(), 2);
    assert_no_token(&err);
}

#[test]
fn a_huge_body_is_truncated_below_gitlabs_limit() {
    let gl = FakeGitLab::start();
    let big =
        body(&"| `custom.bench` | 1.0 | 2.0 | +100.00% | 10.0% | regression |\n".repeat(20_000));
    assert!(big.chars().count() > 1_000_000);
    let out = gitlab::upsert_note(&gl.target(), &token(), MARKER, &big, &fast()).unwrap();
    assert!(matches!(out, NoteOutcome::Created { .. }));
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
    let ctx = context_other::read(&map_env(&env), None).unwrap();
    assert_eq!(context_other::mode(&ctx), Mode::Baseline);
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
    let ctx = context_other::read(&lookup, None).unwrap();
    let Mode::Compare {
        comment_target: Some(CommentTarget::GitLab(target)),
    } = context_other::mode(&ctx)
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
            (0, NoteOutcome::Created { .. }) | (1, NoteOutcome::Updated { .. }) => {}
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

#[test]
fn post_note_from_env_reads_token_and_knobs_and_never_fails() {
    let gl = FakeGitLab::start();
    let mut env = gitlab_env(&gl, &[("FLAMEIQ_HTTP_RETRY_BASE_MS", "1")]);
    let out = gitlab::post_note_from_env(&gl.target(), &map_env(&env), MARKER, &body("a"));
    assert!(matches!(out, NoteOutcome::Created { .. }), "{out:?}");

    // GitLab down: a warning, not an error.
    gl.state.lock().unwrap().always = Some(503);
    let out = gitlab::post_note_from_env(&gl.target(), &map_env(&env), MARKER, &body("b"));
    assert!(
        matches!(&out, NoteOutcome::Skipped { reason } if reason.contains("503")),
        "{out:?}"
    );
    assert_no_token(&out);

    // Only the job token: the explanation, and no request at all.
    env.remove("FLAMEIQ_GITLAB_TOKEN");
    let before = gl.requests().len();
    let out = gitlab::post_note_from_env(&gl.target(), &map_env(&env), MARKER, &body("c"));
    assert!(
        matches!(&out, NoteOutcome::Skipped { reason } if reason.contains("CI_JOB_TOKEN")),
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
    let out = gitlab::upsert_note(&old.target(), &token(), MARKER, &body("x"), &fast()).unwrap();
    assert!(
        matches!(&out, NoteOutcome::Skipped { reason } if reason.contains("301") && reason.contains("CI_API_V4_URL")),
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
    assert!(matches!(out, NoteOutcome::Created { .. }), "{out:?}");
    let notes = gl.notes();
    assert_eq!(notes.len(), 1);
    assert_eq!(notes[0]["body"], body("new"));
    let methods: Vec<String> = gl.requests().iter().map(|r| r.method.clone()).collect();
    assert_eq!(methods, ["GET", "PUT", "GET", "POST"]);
}
