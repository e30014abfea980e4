//! The one fake GitLab of the test suite (used by tests/gitlab.rs, tests/comment.rs and
//! tests/hostile_names.rs through `mod common;`): a minimal HTTP/1.1 server on
//! 127.0.0.1 that answers the notes API and `GET /user` in GitLab's real JSON shapes (note
//! objects with their `author` object, `system`, `noteable_*` fields, `commands_changes`;
//! the user object of `GET /user`) with GitLab's pagination headers (`X-Page`, `X-Per-Page`,
//! `X-Next-Page`, `X-Prev-Page`, `X-Total`, `X-Total-Pages`, `Link`). It enforces the
//! `PRIVATE-TOKEN` header, refuses to edit another user's note (403, as GitLab does), and can
//! be told to misbehave: fail the next requests (502 from the proxy, 429 with any
//! `Retry-After`, 403 for everything), redirect, paginate for ever, answer slowly, answer
//! huge pages, or echo the token in a long error message.
#![allow(dead_code)]

use serde_json::{json, Value};
use std::collections::{HashMap, VecDeque};
use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::sync::{Arc, Mutex};
use std::time::Duration;

pub const TOKEN: &str = "glpat-Sup3rSecretT0ken-xyz";
pub const PROJECT: u64 = 278964;
pub const IID: u64 = 12;
/// The user behind [`TOKEN`] (a project access token's bot user).
pub const BOT_ID: u64 = 9_100_001;
pub const BOT_USERNAME: &str = "project_278964_bot_3f2a";
pub const MARKER: &str = "<!-- flameiq:default -->";

#[derive(Debug, Clone)]
pub struct Req {
    pub method: String,
    pub target: String,
    pub token_ok: bool,
    pub auth: Option<String>,
    pub body: String,
}

#[derive(Default)]
pub struct State {
    /// Oldest first; listed newest first (GitLab's default `sort=desc` on `created_at`).
    /// Notes of every MR live here, keyed by `noteable_iid`.
    pub notes: Vec<Value>,
    pub next_id: u64,
    /// Statuses to answer the next requests with, one each.
    pub fail_next: VecDeque<u16>,
    /// Answer every request with this status.
    pub always: Option<u16>,
    /// Statuses to answer the next POSTs with, one each.
    pub fail_posts: VecDeque<u16>,
    /// `Retry-After` sent with injected 429s (default `0`).
    pub retry_after: Option<String>,
    /// The body of injected and `always` error answers (default: GitLab's message).
    pub error_body: Option<String>,
    /// Delete the note before answering the next PUT (someone deleted it meanwhile).
    pub delete_before_put: bool,
    /// Answer every request with a 301 to this URL (an http → https move, a renamed host).
    pub redirect: Option<String>,
    /// Every notes page says there is a next one.
    pub endless: bool,
    /// Sleep this long before answering a notes page.
    pub page_delay: Option<Duration>,
    /// Pad every notes page with this many bytes of other users' notes.
    pub huge_pages: Option<usize>,
    pub requests: Vec<Req>,
}

pub struct FakeGitLab {
    pub addr: String,
    pub state: Arc<Mutex<State>>,
}

pub fn author(id: u64, username: &str, name: &str) -> Value {
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

/// FlameIQ's author: the user of [`TOKEN`].
pub fn bot() -> Value {
    author(BOT_ID, BOT_USERNAME, "flameiq")
}

/// The `GET /user` answer for [`TOKEN`] (a project bot user, as GitLab returns it).
fn user_object() -> Value {
    let mut u = bot();
    let extra = json!({
        "bot": true,
        "created_at": "2026-01-05T09:14:03.512Z",
        "bio": "",
        "location": "",
        "public_email": null,
        "skype": "",
        "linkedin": "",
        "twitter": "",
        "discord": "",
        "website_url": "",
        "organization": "",
        "job_title": "",
        "pronouns": null,
        "work_information": null,
        "followers": 0,
        "following": 0,
        "is_followed": false,
        "local_time": null,
        "last_sign_in_at": null,
        "confirmed_at": "2026-01-05T09:14:03.480Z",
        "last_activity_on": "2026-11-28",
        "email": "project278964_bot_3f2a@noreply.gitlab.example.com",
        "theme_id": 1,
        "color_scheme_id": 1,
        "projects_limit": 0,
        "current_sign_in_at": null,
        "identities": [],
        "can_create_group": false,
        "can_create_project": false,
        "two_factor_enabled": false,
        "external": false,
        "private_profile": false,
        "commit_email": "project278964_bot_3f2a@noreply.gitlab.example.com",
    });
    for (k, v) in extra.as_object().unwrap() {
        u[k] = v.clone();
    }
    u
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

pub fn note(id: u64, seq: u64, iid: u64, body: &str, system: bool, author_v: Value) -> Value {
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
        "noteable_iid": iid,
        "commands_changes": {},
    })
}

impl FakeGitLab {
    pub fn start() -> FakeGitLab {
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

    /// `CI_API_V4_URL`.
    pub fn api(&self) -> String {
        format!("{}/api/v4", self.addr)
    }

    /// Adds a note on MR [`IID`]; returns its id.
    pub fn add(&self, body: &str, system: bool, author_v: Value) -> u64 {
        let mut s = self.state.lock().unwrap();
        s.next_id += 1;
        let id = s.next_id;
        let seq = s.notes.len() as u64;
        s.notes.push(note(id, seq, IID, body, system, author_v));
        id
    }

    pub fn notes(&self) -> Vec<Value> {
        self.state.lock().unwrap().notes.clone()
    }

    pub fn requests(&self) -> Vec<Req> {
        self.state.lock().unwrap().requests.clone()
    }

    pub fn fail_next(&self, statuses: &[u16]) {
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
        400 => "Bad Request",
        401 => "Unauthorized",
        403 => "Forbidden",
        404 => "Not Found",
        422 => "Unprocessable Entity",
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
    let auth = headers.get("private-token").cloned();
    let token_ok = auth.as_deref() == Some(TOKEN);

    let mut s = st.lock().unwrap();
    s.requests.push(Req {
        method: method.clone(),
        target: target.clone(),
        token_ok,
        auth,
        body: body.clone(),
    });
    if !token_ok {
        return respond(&mut stream, 401, &json_headers(), &message(401));
    }
    if let Some(to) = s.redirect.clone() {
        let h = vec![("Location".to_string(), format!("{to}{target}"))];
        return respond(&mut stream, 301, &h, "");
    }
    let error_body = |s: &State, code: u16| s.error_body.clone().unwrap_or_else(|| message(code));
    if let Some(code) = s.always {
        let b = error_body(&s, code);
        return respond(&mut stream, code, &json_headers(), &b);
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
            let after = s.retry_after.clone().unwrap_or_else(|| "0".into());
            h.push(("Retry-After".into(), after));
        }
        let b = error_body(&s, code);
        return respond(&mut stream, code, &h, &b);
    }

    let (path, query) = target.split_once('?').unwrap_or((&target, ""));
    if path == "/api/v4/user" && method == "GET" {
        return respond(
            &mut stream,
            200,
            &json_headers(),
            &user_object().to_string(),
        );
    }
    let prefix = format!("/api/v4/projects/{PROJECT}/merge_requests/");
    let Some(rest) = path.strip_prefix(&prefix) else {
        return respond(
            &mut stream,
            404,
            &json_headers(),
            r#"{"error":"404 Not Found"}"#,
        );
    };
    let mut seg = rest.split('/');
    let iid: u64 = seg.next().and_then(|v| v.parse().ok()).unwrap_or(0);
    let kind = seg.next();
    let id = seg.next().map(|v| v.parse::<u64>().ok());
    // MRs that exist in this project.
    if !(1..=100).contains(&iid) || kind != Some("notes") {
        return respond(&mut stream, 404, &json_headers(), &message(404));
    }
    let base = format!("{prefix}{iid}/notes");
    let q: HashMap<&str, &str> = query.split('&').filter_map(|p| p.split_once('=')).collect();
    if id.is_none() && method == "GET" {
        let per_page: usize = q.get("per_page").and_then(|v| v.parse().ok()).unwrap_or(20);
        let page: usize = q.get("page").and_then(|v| v.parse().ok()).unwrap_or(1);
        let newest_first: Vec<Value> = s
            .notes
            .iter()
            .rev()
            .filter(|n| n["noteable_iid"] == iid)
            .cloned()
            .collect();
        let total = newest_first.len();
        let pages = total.div_ceil(per_page).max(1);
        let mut items: Vec<Value> = newest_first
            .into_iter()
            .skip((page - 1) * per_page)
            .take(per_page)
            .collect();
        if let Some(n) = s.huge_pages {
            let filler = "lorem ipsum ".repeat(n / 12 + 1);
            items.push(note(1, 0, iid, &filler, false, author(18, "bob", "Bob")));
        }
        let more = s.endless || page < pages;
        let next = if more {
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
            format!("<https://gitlab.example.com{base}?id={PROJECT}&noteable_id={iid}&page={p}&per_page={per_page}>; rel=\"{rel}\"")
        };
        let mut links = vec![link(1, "first"), link(pages, "last")];
        if more {
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
        let delay = s.page_delay;
        drop(s);
        if let Some(d) = delay {
            std::thread::sleep(d);
        }
        return respond(&mut stream, 200, &h, &Value::Array(items).to_string());
    }
    if id.is_none() && method == "POST" {
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
        let n = note(id, seq, iid, &text, false, bot());
        s.notes.push(n.clone());
        return respond(&mut stream, 201, &json_headers(), &n.to_string());
    }
    if let (Some(Some(id)), "PUT") = (id, method.as_str()) {
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
    respond(
        &mut stream,
        404,
        &json_headers(),
        r#"{"error":"404 Not Found"}"#,
    )
}
