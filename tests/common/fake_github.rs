//! The fake GitHub shared by the suites that talk to GitHub (`action`, `comment`,
//! `hostile_names`): a loopback HTTP server answering in GitHub's JSON shapes (full
//! issue-comment and user objects, Link pagination, scripted failures), the token and
//! repository under test, and the event fixtures loader.

use serde_json::{json, Value};
use std::collections::VecDeque;
use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::Path;
use std::sync::{Arc, Mutex};

pub const TOKEN: &str = "ghs_TESTTOKENa1b2c3d4e5f6SECRET";
/// A personal access token of [`PAT_USER`]: `GET /user` answers for it (not for [`TOKEN`],
/// an installation token, as on GitHub).
pub const PAT_TOKEN: &str = "ghp_TESTTOKENpersonal9z8y7x6w5v";
pub const PAT_USER: &str = "octo-dev";
pub const REPO: &str = "acme/widgets";
pub const PR: u64 = 7;

// ---------------------------------------------------------------- fake GitHub

include!("fake_checks.rs");

#[derive(Debug, Clone)]
pub struct Req {
    pub method: String,
    pub path: String,
    pub auth: Option<String>,
    pub body: String,
}

#[derive(Default)]
pub struct State {
    pub comments: Vec<Value>,
    pub requests: Vec<Req>,
    /// Answers given before normal handling, one per request (status, headers, body).
    pub script: VecDeque<Answer>,
    /// Answer writes (POST/PATCH) with 403, as for a fork PR's read-only token.
    pub forbid_writes: bool,
    /// Create the comment on the next POSTs but answer 502 (the write landed; the answer
    /// was lost).
    pub lost_post_answers: usize,
    pub next_id: u64,
    /// Every comments page says there is a next one.
    pub endless: bool,
    /// Sleep this long before answering a comments page.
    pub page_delay: Option<std::time::Duration>,
    /// Pad every comments page with one comment of about this many bytes.
    pub huge_pages: Option<usize>,
    /// Blobs, trees, commits and refs (the `github` store, fake_git_data.rs).
    pub git: GitData,
    /// The Checks API (tests/common/fake_checks.rs).
    pub checks: Checks,
}

pub struct Fake {
    pub port: u16,
    pub state: Arc<Mutex<State>>,
}

pub fn user(login: &str, id: u64, kind: &str) -> Value {
    // The fixture's full user object, renamed.
    let mut u = fixture("pull_request.synchronize.payload.json")["sender"].clone();
    u["login"] = login.into();
    u["id"] = id.into();
    u["type"] = kind.into();
    for k in ["url", "html_url", "followers_url", "repos_url"] {
        let v = u[k].as_str().unwrap().replace("Codertocat", login);
        u[k] = v.into();
    }
    u
}

impl Fake {
    pub fn start() -> Fake {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let port = listener.local_addr().unwrap().port();
        let state = Arc::new(Mutex::new(State {
            next_id: 1_000_000,
            ..State::default()
        }));
        let st = state.clone();
        std::thread::spawn(move || {
            for conn in listener.incoming() {
                let Ok(conn) = conn else { continue };
                let st = st.clone();
                std::thread::spawn(move || serve(conn, port, &st));
            }
        });
        Fake { port, state }
    }

    pub fn url(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }

    /// Seeds `n` comments by people (not ours) on the PR.
    pub fn seed_human_comments(&self, n: usize) {
        let mut s = self.state.lock().unwrap();
        for i in 0..n {
            let c = comment_object(
                &mut s.next_id,
                self.port,
                &format!("Looks good to me, round {i}."),
                user("Codertocat", 21031067, "User"),
            );
            s.comments.push(c);
        }
    }

    pub fn push_comment(&self, body: &str, who: Value) {
        let mut s = self.state.lock().unwrap();
        let c = comment_object(&mut s.next_id, self.port, body, who);
        s.comments.push(c);
    }

    pub fn requests(&self) -> Vec<Req> {
        self.state.lock().unwrap().requests.clone()
    }

    pub fn comments(&self) -> Vec<Value> {
        self.state.lock().unwrap().comments.clone()
    }

    pub fn script(&self, status: u16, headers: &[(&str, &str)], body: &str) {
        self.state.lock().unwrap().script.push_back((
            status,
            headers
                .iter()
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect(),
            body.to_string(),
        ));
    }
}

pub fn comment_object(next_id: &mut u64, port: u16, body: &str, who: Value) -> Value {
    *next_id += 1;
    let id = *next_id;
    json!({
        "url": format!("http://127.0.0.1:{port}/repos/{REPO}/issues/comments/{id}"),
        "html_url": format!("https://github.com/{REPO}/pull/{PR}#issuecomment-{id}"),
        "issue_url": format!("http://127.0.0.1:{port}/repos/{REPO}/issues/{PR}"),
        "id": id,
        "node_id": format!("IC_kwDOBKSv{id}"),
        "user": who,
        "created_at": "2026-11-28T12:00:00Z",
        "updated_at": "2026-11-28T12:00:00Z",
        "author_association": "CONTRIBUTOR",
        "body": body,
        "reactions": {
            "url": format!("http://127.0.0.1:{port}/repos/{REPO}/issues/comments/{id}/reactions"),
            "total_count": 0, "+1": 0, "-1": 0, "laugh": 0, "hooray": 0,
            "confused": 0, "heart": 0, "rocket": 0, "eyes": 0
        },
        "performed_via_github_app": null
    })
}

pub fn serve(conn: TcpStream, port: u16, st: &Mutex<State>) {
    let mut reader = BufReader::new(conn.try_clone().unwrap());
    let mut line = String::new();
    if reader.read_line(&mut line).unwrap_or(0) == 0 {
        return;
    }
    let mut parts = line.split_whitespace();
    let method = parts.next().unwrap_or("").to_string();
    let path = parts.next().unwrap_or("").to_string();
    let mut len = 0usize;
    let mut auth = None;
    loop {
        let mut h = String::new();
        if reader.read_line(&mut h).unwrap_or(0) == 0 || h == "\r\n" {
            break;
        }
        let (k, v) = h.split_once(':').unwrap_or((&h, ""));
        let v = v.trim().to_string();
        match k.to_ascii_lowercase().as_str() {
            "content-length" => len = v.parse().unwrap_or(0),
            "authorization" => auth = Some(v),
            _ => {}
        }
    }
    let mut body = vec![0u8; len];
    reader.read_exact(&mut body).unwrap();
    let body = String::from_utf8_lossy(&body).to_string();

    let (status, headers, out) = {
        let mut s = st.lock().unwrap();
        let req = Req {
            method: method.clone(),
            path: path.clone(),
            auth: auth.clone(),
            body: body.clone(),
        };
        // The check run's requests are kept apart: the comment tests count theirs.
        if path.contains("/check-runs") {
            s.checks.requests.push(req);
        } else {
            s.requests.push(req);
        }
        match s.script.pop_front() {
            Some(scripted) => scripted,
            None => route(&mut s, port, &method, &path, &body, auth.as_deref()),
        }
    };
    let reason = match status {
        200 => "OK",
        201 => "Created",
        403 => "Forbidden",
        404 => "Not Found",
        429 => "Too Many Requests",
        502 => "Bad Gateway",
        _ => "Status",
    };
    let mut resp = format!(
        "HTTP/1.1 {status} {reason}\r\ncontent-type: application/json; charset=utf-8\r\ncontent-length: {}\r\nconnection: close\r\nx-github-media-type: github.v3; format=json\r\n",
        out.len()
    );
    for (k, v) in headers {
        resp.push_str(&format!("{k}: {v}\r\n"));
    }
    resp.push_str("\r\n");
    resp.push_str(&out);
    let mut w = conn;
    let _ = w.write_all(resp.as_bytes());
    let _ = w.flush();
}

pub type Answer = (u16, Vec<(String, String)>, String);

pub fn route(
    s: &mut State,
    port: u16,
    method: &str,
    path: &str,
    body: &str,
    auth: Option<&str>,
) -> Answer {
    let forbidden = || {
        (
            403,
            vec![],
            json!({"message": "Resource not accessible by integration",
                   "documentation_url": "https://docs.github.com/rest/issues/comments#create-an-issue-comment",
                   "status": "403"})
            .to_string(),
        )
    };
    let pat = auth == Some(&format!("Bearer {PAT_TOKEN}"));
    if auth != Some(&format!("Bearer {TOKEN}")) && !pat {
        return (
            401,
            vec![],
            json!({"message": "Bad credentials", "documentation_url": "https://docs.github.com/rest", "status": "401"}).to_string(),
        );
    }
    let (route, query) = path.split_once('?').unwrap_or((path, ""));
    if let Some(a) = git_data_route(&mut s.git, s.forbid_writes, port, method, route, body) {
        return a;
    }
    let list = format!("/repos/{REPO}/issues/{PR}/comments");
    // GitHub's Link URLs use the numeric repository path.
    let list_by_id = format!("/repositories/1296269/issues/{PR}/comments");
    let patch_prefix = format!("/repos/{REPO}/issues/comments/");
    if let Some(answer) = checks_route(&mut s.checks, port, method, route, query, body) {
        return answer;
    }
    match method {
        // An installation token cannot read `GET /user`; a personal token can.
        "GET" if route == "/user" && !pat => (
            403,
            vec![],
            json!({"message": "Resource not accessible by integration",
                   "documentation_url": "https://docs.github.com/rest/users/users#get-the-authenticated-user",
                   "status": "403"})
            .to_string(),
        ),
        "GET" if route == "/user" => {
            let mut u = user(PAT_USER, 583231, "User");
            for (k, v) in [
                ("name", json!("Octo Dev")),
                ("company", json!(null)),
                ("blog", json!("")),
                ("location", json!(null)),
                ("email", json!(null)),
                ("hireable", json!(null)),
                ("bio", json!(null)),
                ("twitter_username", json!(null)),
                ("public_repos", json!(8)),
                ("public_gists", json!(0)),
                ("followers", json!(3)),
                ("following", json!(0)),
                ("created_at", json!("2019-03-02T10:11:12Z")),
                ("updated_at", json!("2026-11-01T08:00:00Z")),
            ] {
                u[k] = v;
            }
            (200, vec![], u.to_string())
        }
        "GET" if route == list || route == list_by_id => {
            let q = |k: &str| {
                query
                    .split('&')
                    .find_map(|kv| kv.strip_prefix(&format!("{k}=")))
                    .and_then(|v| v.parse::<usize>().ok())
            };
            let per = q("per_page").unwrap_or(30).min(100);
            let page = q("page").unwrap_or(1);
            let all = &s.comments;
            let mut items: Vec<Value> = all
                .iter()
                .skip((page - 1) * per)
                .take(per)
                .cloned()
                .collect();
            let pages = if s.endless {
                usize::MAX
            } else {
                all.len().div_ceil(per).max(1)
            };
            if let Some(n) = s.huge_pages {
                let mut id = 1;
                items.push(comment_object(
                    &mut id,
                    port,
                    &"lorem ipsum ".repeat(n / 12 + 1),
                    user("Codertocat", 21031067, "User"),
                ));
            }
            if let Some(d) = s.page_delay {
                std::thread::sleep(d);
            }
            let link = |p: usize, rel: &str| {
                format!(
                    "<http://127.0.0.1:{port}{list_by_id}?per_page={per}&page={p}>; rel=\"{rel}\""
                )
            };
            let mut rels = vec![];
            if page > 1 {
                rels.push(link(page - 1, "prev"));
            }
            if page < pages {
                rels.push(link(page + 1, "next"));
                if !s.endless {
                    rels.push(link(pages, "last"));
                }
            }
            if page > 1 {
                rels.push(link(1, "first"));
            }
            let headers = if rels.is_empty() {
                vec![]
            } else {
                vec![("link".to_string(), rels.join(", "))]
            };
            (200, headers, Value::Array(items).to_string())
        }
        "POST" if route == list => {
            if s.forbid_writes {
                return forbidden();
            }
            let b: Value = serde_json::from_str(body).unwrap();
            let who = if pat {
                user(PAT_USER, 583231, "User")
            } else {
                user("github-actions[bot]", 41898282, "Bot")
            };
            let c = comment_object(&mut s.next_id, port, b["body"].as_str().unwrap(), who);
            s.comments.push(c.clone());
            if s.lost_post_answers > 0 {
                s.lost_post_answers -= 1;
                return (
                    502,
                    vec![],
                    "<html><body>502 Bad Gateway</body></html>".into(),
                );
            }
            (
                201,
                vec![("location".into(), c["url"].as_str().unwrap().into())],
                c.to_string(),
            )
        }
        "PATCH" if route.starts_with(&patch_prefix) => {
            if s.forbid_writes {
                return forbidden();
            }
            let id: u64 = route[patch_prefix.len()..].parse().unwrap();
            let b: Value = serde_json::from_str(body).unwrap();
            match s.comments.iter_mut().find(|c| c["id"] == id) {
                Some(c) => {
                    c["body"] = b["body"].clone();
                    c["updated_at"] = "2026-11-28T13:00:00Z".into();
                    (200, vec![], c.to_string())
                }
                None => (
                    404,
                    vec![],
                    json!({"message": "Not Found", "status": "404"}).to_string(),
                ),
            }
        }
        _ => (
            404,
            vec![],
            json!({"message": "Not Found", "status": "404"}).to_string(),
        ),
    }
}

include!("fake_git_data.rs");

// ---------------------------------------------------------------- the runner

pub fn fixture(name: &str) -> Value {
    let p = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/github-events")
        .join(name);
    serde_json::from_str(&std::fs::read_to_string(p).unwrap()).unwrap()
}
