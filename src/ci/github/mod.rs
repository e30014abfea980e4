//! The sticky PR comment through the GitHub REST API (octocrab over rustls/ring).
//!
//! - **One comment per PR and environment, and only ours.** It is found by its hidden
//!   marker ([`crate::render::markdown::marker`]) on a line of its own, across all pages of
//!   the PR's comments (`per_page=100`, following the `Link: <…>; rel="next"` header), and
//!   only among comments written by the token's own identity: [`ACTIONS_BOT`] for an
//!   installation token (`ghs_…`, the job's `GITHUB_TOKEN`; `GET /user` does not work with
//!   it), the `GET /user` login for a personal or OAuth token. Someone else's comment
//!   carrying the marker is never edited: a new one is created beside it. With several of
//!   ours, the newest is updated and a warning says so. Bodies are sent starting with the
//!   marker ([`with_marker_first`]).
//! - **Bounded** by the shared [`super::http`] policy: one deadline for the whole step,
//!   a per-request timeout, at most 10 MiB per answer and [`Policy::max_pages`] pages,
//!   bounded retries of 5xx, transport errors and rate limits (429, or 403 with
//!   `retry-after` or `x-ratelimit-remaining: 0`) whose server-given waits are honoured
//!   only when they fit. A look-up cut short creates nothing. A `Link` to another host is
//!   never followed (the token would go with it).
//! - **Never fatal.** Every failure is a [`CommentError`] the caller prints as a warning;
//!   401/403/404 are [`CommentError::Forbidden`] so the warning can say how to fix it.
//! - **The token is never printed.** It only lives in octocrab's auth state and a
//!   [`Secret`]; error texts pass through [`super::http::redact`] (redact, then cut).
//! - Bodies over [`COMMENT_LIMIT`] are cut with a note linking the run ([`fit_body`]).
//!
//! octocrab's own retry layer is switched off ([`RetryConfig::None`]) in favour of the
//! shared rule, whose delays tests can shrink.
//!
//! **Why the comment uses octocrab's raw `_get`/`_post`/`_patch` and not its typed
//! `issues().list_comments / create_comment / update_comment`** (reviewed for issue 12, on
//! octocrab 0.54; the check runs of [`super::checks`] do use the typed Checks API). The
//! typed handlers read every answer whole (`body.collect()` in `FromResponse` and in
//! `map_github_error`) before FlameIQ sees it, so the 10 MiB cap per answer of issue 19
//! item 11 ([`Policy::max_response_bytes`], counted while reading, a `Content-Length` above
//! it refused unread) cannot be kept: an 11 MiB page of comments would be read, parsed and
//! acted on (`tests/comment.rs`, `issue19_item11_a_huge_answer_is_refused_with_a_warning`,
//! asserts it is refused and nothing is posted). The comment list is the one answer a PR's
//! authors can make large, which is why the cap matters here and not for check runs, whose
//! answers FlameIQ's own earlier writes shape. The other guarantees would survive the typed
//! API (octocrab 0.54's `GitHubError` carries the headers, so rate limits are still told
//! from permission 403s; `Page::next` can be checked for a foreign host; the deadline is a
//! `tokio::time::timeout` around each call; texts are redacted either way), so once
//! octocrab can bound a body (or a body-limiting layer is added to the client) the switch
//! is local to `Client::send` and `Client::find`.
//!
//! Length (over 500 lines): one client (identity, paginated look-up, upsert, the retry loop, bounded reads) and its header helpers; about 70 lines are tests. A second API (check runs) goes in its own file beside it.

use super::http::{self, Policy, Search, Step, MAX_MESSAGE_CHARS};
pub use super::http::{CommentError, Outcome, Secret};
use ::http::HeaderMap;
use http_body_util::{BodyExt, Limited};
use octocrab::service::middleware::retry::RetryConfig;
use octocrab::Octocrab;
use serde_json::{json, Value};
use std::fmt;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

pub use crate::render::limits::COMMENT_LIMIT;

/// The author of comments written with a GitHub Actions job's `GITHUB_TOKEN`.
pub const ACTIONS_BOT: &str = "github-actions[bot]";

/// A GitHub REST client for the comment.
pub struct Client {
    crab: Octocrab,
    api: String,
    token: Secret,
    policy: Policy,
    app_login: String,
}

impl fmt::Debug for Client {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Client")
            .field("api", &self.api)
            .field("token", &self.token)
            .field("policy", &self.policy)
            .field("app_login", &self.app_login)
            .finish()
    }
}

struct Resp {
    status: u16,
    headers: HeaderMap,
    body: Vec<u8>,
}

#[derive(Clone, Copy)]
enum Method {
    Get,
    Post,
    Patch,
}

/// Why one attempt failed before a status was read.
enum Fail {
    Transport(String),
    TooLarge,
}

impl Client {
    /// Builds a client for `api` (e.g. `GITHUB_API_URL`). Must be called inside a tokio
    /// runtime. Fails (as a warning for the caller) when the URL is invalid, is plain
    /// `http://` to a host that is not loopback (unless [`Policy::allow_insecure`]), or no
    /// CA certificates can be loaded.
    pub fn new(api: &str, token: Secret, policy: Policy) -> Result<Client, CommentError> {
        let api = api.trim_end_matches('/').to_string();
        http::check_api_url(&api, "GITHUB_API_URL", policy.allow_insecure)
            .map_err(CommentError::Failed)?;
        let crab = Octocrab::builder()
            .base_uri(api.as_str())
            .map_err(|e| CommentError::Failed(format!("invalid GITHUB_API_URL '{api}': {e}")))?
            .personal_token(token.expose().to_string())
            .add_retry_config(RetryConfig::None)
            .set_connect_timeout(Some(policy.timeout))
            .set_read_timeout(Some(policy.timeout))
            .set_write_timeout(Some(policy.timeout))
            .add_header(
                ::http::header::ACCEPT,
                "application/vnd.github+json".to_string(),
            )
            .add_header(
                ::http::HeaderName::from_static("x-github-api-version"),
                "2022-11-28".to_string(),
            )
            .build()
            .map_err(|e| {
                CommentError::Failed(http::redact(
                    &token,
                    &format!("cannot build the HTTP client: {}", http::error_chain(&e)),
                    2 * MAX_MESSAGE_CHARS,
                ))
            })?;
        Ok(Client {
            crab,
            api,
            token,
            policy,
            app_login: ACTIONS_BOT.to_string(),
        })
    }

    /// The login that comments written with an installation token carry: `my-app[bot]`
    /// for a GitHub App of your own (default [`ACTIONS_BOT`]).
    pub fn with_app_login(mut self, login: &str) -> Client {
        self.app_login = login.to_string();
        self
    }

    /// Finds our comment carrying `marker` on PR `pr` of `repo` and updates it with `body`,
    /// or creates one when none exists and `create` is true. The whole call ends within
    /// [`Policy::deadline`].
    pub async fn upsert(
        &self,
        repo: &str,
        pr: u64,
        marker: &str,
        body: &str,
        create: bool,
    ) -> Result<Outcome, CommentError> {
        let step = Step::start(self.policy.clone());
        let me = self.identity(&step).await?;
        let found = self.find(&step, &me, repo, pr, marker).await?;
        let payload = json!({ "body": body });
        match found.newest_ours("comment") {
            Some(id) => {
                let r = self.patch(&step, repo, id, &payload).await?;
                Ok(Outcome::Updated { url: html_url(&r)? })
            }
            None if !found.complete => {
                Err(CommentError::Failed(found.incomplete_warning("comment")))
            }
            None if create => self.create(&step, &me, repo, pr, marker, &payload).await,
            None => Ok(Outcome::NotCreated),
        }
    }

    /// The login our comments carry. An installation token (`ghs_…`: the job's
    /// `GITHUB_TOKEN`, or a GitHub App's) cannot read `GET /user`, and its comments are
    /// written by the app's bot: [`ACTIONS_BOT`] unless [`Client::with_app_login`] said
    /// otherwise. Any other token (personal, OAuth, user-to-server) is asked `GET /user`;
    /// a 403 there (an installation token of an older format) also means the app's bot.
    async fn identity(&self, step: &Step) -> Result<String, CommentError> {
        if self.token.expose().starts_with("ghs_") {
            return Ok(self.app_login.clone());
        }
        let url = format!("{}/user", self.api);
        match self
            .send(
                step,
                Method::Get,
                &url,
                None,
                "identifying the token's user",
                true,
            )
            .await
        {
            Ok(r) => {
                let v: Value = serde_json::from_slice(&r.body).unwrap_or(Value::Null);
                v["login"].as_str().map(str::to_string).ok_or_else(|| {
                    CommentError::Failed("unexpected answer from GET /user: no login".into())
                })
            }
            Err(CommentError::Forbidden { status: 403, .. }) => Ok(self.app_login.clone()),
            Err(e) => Err(e),
        }
    }

    async fn patch(
        &self,
        step: &Step,
        repo: &str,
        id: u64,
        payload: &Value,
    ) -> Result<Resp, CommentError> {
        let url = format!("{}/repos/{repo}/issues/comments/{id}", self.api);
        self.send(
            step,
            Method::Patch,
            &url,
            Some(payload),
            "updating the comment",
            true,
        )
        .await
    }

    /// `POST`s the comment. A POST is not idempotent: after an answer that leaves it unknown
    /// whether the comment was created (5xx, timeout), look for it again and update it
    /// rather than post a duplicate.
    async fn create(
        &self,
        step: &Step,
        me: &str,
        repo: &str,
        pr: u64,
        marker: &str,
        payload: &Value,
    ) -> Result<Outcome, CommentError> {
        let url = format!("{}/repos/{repo}/issues/{pr}/comments", self.api);
        let mut attempt = 0u32;
        loop {
            match self
                .send(
                    step,
                    Method::Post,
                    &url,
                    Some(payload),
                    "creating the comment",
                    false,
                )
                .await
            {
                Ok(r) => return Ok(Outcome::Created { url: html_url(&r)? }),
                Err(CommentError::Uncertain(why)) => {
                    let wait = step
                        .wait(attempt, None, &why)
                        .map_err(CommentError::Failed)?;
                    tokio::time::sleep(wait).await;
                    attempt += 1;
                    let found = self.find(step, me, repo, pr, marker).await?;
                    if let Some(id) = found.newest_ours("comment") {
                        let r = self.patch(step, repo, id, payload).await?;
                        return Ok(Outcome::Created { url: html_url(&r)? });
                    }
                    if !found.complete {
                        return Err(CommentError::Failed(found.incomplete_warning("comment")));
                    }
                }
                Err(e) => return Err(e),
            }
        }
    }

    /// Our comments with `marker` (written by `me`, the marker on a line of its own),
    /// reading every page up to [`Policy::max_pages`] and the deadline.
    async fn find(
        &self,
        step: &Step,
        me: &str,
        repo: &str,
        pr: u64,
        marker: &str,
    ) -> Result<Search, CommentError> {
        let mut url = format!(
            "{}/repos/{repo}/issues/{pr}/comments?per_page=100",
            self.api
        );
        let mut search = Search::default();
        for _ in 0..self.policy.max_pages {
            let r = self
                .send(step, Method::Get, &url, None, "listing comments", true)
                .await?;
            let page: Value = serde_json::from_slice(&r.body).map_err(|e| {
                CommentError::Failed(format!("unexpected answer listing comments: {e}"))
            })?;
            let items = page.as_array().ok_or_else(|| {
                CommentError::Failed("unexpected answer listing comments: not a list".into())
            })?;
            for c in items {
                let Some(id) = c["id"].as_u64() else { continue };
                let body = c["body"].as_str().unwrap_or("");
                // Only the token's own comments: someone else's comment carrying the
                // marker (pasted, quoted, or planted to capture the report) is never edited.
                if c["user"]["login"].as_str() == Some(me) && http::has_marker_line(body, marker) {
                    search.ours.push(id);
                }
            }
            match next_link(&r.headers) {
                Some(next) if same_origin(&next, &self.api) => url = next,
                Some(next) => {
                    return Err(CommentError::Failed(format!(
                        "refusing to follow a pagination link to another host: {next}"
                    )))
                }
                None => {
                    search.complete = true;
                    return Ok(search);
                }
            }
        }
        Ok(search.page_cap_reached(self.policy.max_pages, "comment"))
    }

    async fn send(
        &self,
        step: &Step,
        method: Method,
        url: &str,
        body: Option<&Value>,
        during: &'static str,
        repeatable: bool,
    ) -> Result<Resp, CommentError> {
        let mut attempt = 0u32;
        // A non-repeatable request is handed back on an uncertain failure (see `create`).
        let uncertain = |attempt: u32, why: String| -> Result<Duration, CommentError> {
            if repeatable {
                step.wait(attempt, None, &why).map_err(CommentError::Failed)
            } else {
                Err(CommentError::Uncertain(why))
            }
        };
        loop {
            let timeout = step
                .request_timeout()
                .map_err(|why| CommentError::Failed(format!("{why} while {during}")))?;
            let outcome = tokio::time::timeout(timeout, self.once(method, url, body)).await;
            let wait = match outcome {
                Err(_) => {
                    let why = format!("timed out after {}s while {during}", timeout.as_secs_f64());
                    uncertain(attempt, why)?
                }
                Ok(Err(Fail::TooLarge)) => {
                    return Err(CommentError::Failed(format!(
                        "{} while {during}",
                        http::too_large(self.policy.max_response_bytes)
                    )))
                }
                Ok(Err(Fail::Transport(e))) => {
                    let why = http::redact(
                        &self.token,
                        &format!("request failed while {during}: {e}"),
                        2 * MAX_MESSAGE_CHARS,
                    );
                    uncertain(attempt, why)?
                }
                Ok(Ok(r)) if (200..300).contains(&r.status) => return Ok(r),
                Ok(Ok(r)) => {
                    let limited = r.status == 429
                        || (r.status == 403
                            && (r.headers.contains_key("retry-after")
                                || header(&r.headers, "x-ratelimit-remaining") == Some("0")));
                    if limited {
                        let why = format!("rate limited (HTTP {}) while {during}", r.status);
                        step.wait(attempt, rate_limit_wait(&r.headers), &why)
                            .map_err(CommentError::Failed)?
                    } else if r.status >= 500 {
                        let why = format!("HTTP {} while {during}", r.status);
                        uncertain(attempt, why)?
                    } else if matches!(r.status, 401 | 403 | 404) {
                        return Err(CommentError::Forbidden {
                            status: r.status,
                            during,
                        });
                    } else {
                        return Err(CommentError::Failed(format!(
                            "HTTP {} while {during}: {}",
                            r.status,
                            api_message(&self.token, &r.body)
                        )));
                    }
                }
            };
            tracing::debug!("retrying in {}ms", wait.as_millis());
            tokio::time::sleep(wait).await;
            attempt += 1;
        }
    }

    /// One request; its answer is read up to [`Policy::max_response_bytes`].
    async fn once(&self, method: Method, url: &str, body: Option<&Value>) -> Result<Resp, Fail> {
        let transport = |e: octocrab::Error| Fail::Transport(http::error_chain(&e));
        let resp = match method {
            Method::Get => self.crab._get(url).await.map_err(transport)?,
            Method::Post => self.crab._post(url, body).await.map_err(transport)?,
            Method::Patch => self.crab._patch(url, body).await.map_err(transport)?,
        };
        let status = resp.status().as_u16();
        let headers = resp.headers().clone();
        let max = self.policy.max_response_bytes;
        let declared = header(&headers, "content-length").and_then(|v| v.parse::<u64>().ok());
        if declared.is_some_and(|n| n > max as u64) {
            return Err(Fail::TooLarge);
        }
        let body = match Limited::new(resp.into_body(), max).collect().await {
            Ok(b) => b.to_bytes().to_vec(),
            Err(e) if e.is::<http_body_util::LengthLimitError>() => return Err(Fail::TooLarge),
            Err(e) => return Err(Fail::Transport(http::error_chain(&*e))),
        };
        Ok(Resp {
            status,
            headers,
            body,
        })
    }
}

/// What [`super::checks`] shares with the comment: one client, one policy, one token.
impl Client {
    pub(crate) fn octocrab(&self) -> &Octocrab {
        &self.crab
    }

    pub(crate) fn policy(&self) -> &Policy {
        &self.policy
    }

    pub(crate) fn token(&self) -> &Secret {
        &self.token
    }
}

fn header<'a>(h: &'a HeaderMap, name: &str) -> Option<&'a str> {
    h.get(name).and_then(|v| v.to_str().ok())
}

/// `retry-after` (seconds), else `x-ratelimit-reset` (epoch seconds) minus now.
pub(crate) fn rate_limit_wait(h: &HeaderMap) -> Option<Duration> {
    if let Some(s) = header(h, "retry-after").and_then(|v| v.trim().parse::<u64>().ok()) {
        return Some(Duration::from_secs(s));
    }
    let reset = header(h, "x-ratelimit-reset")?.trim().parse::<u64>().ok()?;
    let now = SystemTime::now().duration_since(UNIX_EPOCH).ok()?.as_secs();
    Some(Duration::from_secs(reset.saturating_sub(now)))
}

/// GitHub's `{"message": ...}` of an error answer: redacted, then cut to one bounded line.
fn api_message(token: &Secret, body: &[u8]) -> String {
    let v: Value = serde_json::from_slice(body).unwrap_or(Value::Null);
    let m = v["message"].as_str().unwrap_or("no message");
    http::redact(token, m, MAX_MESSAGE_CHARS)
}

fn html_url(r: &Resp) -> Result<String, CommentError> {
    let v: Value = serde_json::from_slice(&r.body)
        .map_err(|e| CommentError::Failed(format!("unexpected answer for the comment: {e}")))?;
    v["html_url"]
        .as_str()
        .map(str::to_string)
        .ok_or_else(|| CommentError::Failed("the comment answer has no html_url".into()))
}

/// The `rel="next"` URL of a `Link` header.
pub fn next_link(h: &HeaderMap) -> Option<String> {
    h.get_all(::http::header::LINK)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split('<').skip(1))
        .find_map(|part| {
            let (url, params) = part.split_once('>')?;
            params
                .split(';')
                .map(|p| p.trim().trim_end_matches(',').trim())
                .any(|p| {
                    p.eq_ignore_ascii_case("rel=\"next\"") || p.eq_ignore_ascii_case("rel=next")
                })
                .then(|| url.trim().to_string())
        })
}

/// Whether `url` has the scheme and host of `api`.
fn same_origin(url: &str, api: &str) -> bool {
    fn origin(u: &str) -> Option<(String, String)> {
        let uri: ::http::Uri = u.parse().ok()?;
        Some((
            uri.scheme_str()?.to_ascii_lowercase(),
            uri.authority()?.as_str().to_ascii_lowercase(),
        ))
    }
    matches!((origin(url), origin(api)), (Some(a), Some(b)) if a == b)
}

/// The body with the marker as its first line (the renderer usually puts it there).
pub fn with_marker_first(body: &str, marker: &str) -> String {
    if body.trim_start().starts_with(marker) {
        body.to_string()
    } else {
        format!("{marker}\n{body}")
    }
}

/// Cuts a comment body to fit GitHub's limit ([`COMMENT_LIMIT`]), keeping the marker and
/// linking the run ([`crate::render::limits::truncate`]).
pub fn fit_body(body: &str, marker: &str, run_url: Option<&str>) -> String {
    let limit = COMMENT_LIMIT.describe();
    let note = match run_url {
        Some(u) => format!("> ✂️ Comment truncated to GitHub's {limit} limit; see the job summary and report of [the run]({u})."),
        None => format!("> ✂️ Comment truncated to GitHub's {limit} limit; see the job summary and report."),
    };
    crate::render::limits::truncate(body, COMMENT_LIMIT, &note, Some(marker))
}

/// The warning printed when the comment could not be written; says how to fix it.
pub fn warning_text(e: &CommentError, pr: u64, fork: bool) -> String {
    match e {
        CommentError::Forbidden { status, during } if fork => format!(
            "could not comment on PR #{pr} (HTTP {status} while {during}): pull requests from forks get a read-only token. \
             Use the two-workflow pattern: run flameiq on `pull_request` with `comment: never` and upload the result JSON and the PR number as an artifact, \
             then run `flameiq comment --result result.json --pr <number>` in a `workflow_run` workflow that has `permissions: pull-requests: write`. The result of the comparison stands."
        ),
        CommentError::Forbidden { status, during } => format!(
            "could not comment on PR #{pr} (HTTP {status} while {during}): the token cannot write pull-request comments. \
             Add `permissions: pull-requests: write` to the job (or pass a token with that scope as `github-token`). \
             The result of the comparison stands."
        ),
        CommentError::Failed(m) | CommentError::Uncertain(m) => format!(
            "could not comment on PR #{pr}: {m}. The result of the comparison stands."
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn headers(pairs: &[(&'static str, &str)]) -> HeaderMap {
        let mut h = HeaderMap::new();
        for (k, v) in pairs {
            h.append(*k, v.parse().unwrap());
        }
        h
    }

    #[test]
    fn parses_githubs_link_header() {
        let h = headers(&[(
            "link",
            "<https://api.github.com/repositories/1/issues/7/comments?per_page=100&page=2>; rel=\"next\", <https://api.github.com/repositories/1/issues/7/comments?per_page=100&page=3>; rel=\"last\"",
        )]);
        assert_eq!(
            next_link(&h).as_deref(),
            Some("https://api.github.com/repositories/1/issues/7/comments?per_page=100&page=2")
        );
        let last = headers(&[(
            "link",
            "<https://api.github.com/x?page=1>; rel=\"prev\", <https://api.github.com/x?page=1>; rel=\"first\"",
        )]);
        assert_eq!(next_link(&last), None);
        assert!(same_origin(
            "https://api.github.com/x?page=2",
            "https://api.github.com"
        ));
        assert!(!same_origin(
            "https://evil.example/x",
            "https://api.github.com"
        ));
    }

    #[test]
    fn rate_limit_waits() {
        assert_eq!(
            rate_limit_wait(&headers(&[("retry-after", "7")])),
            Some(Duration::from_secs(7))
        );
        assert_eq!(
            rate_limit_wait(&headers(&[("x-ratelimit-reset", "1")])),
            Some(Duration::ZERO)
        );
        assert_eq!(rate_limit_wait(&HeaderMap::new()), None);
    }

    #[test]
    fn long_bodies_are_cut_with_marker_and_link() {
        let marker = "<!-- flameiq:default -->";
        let body = format!("{marker}\n{}", "| a | b |\n".repeat(10_000));
        let fit = fit_body(&body, marker, Some("https://github.com/o/r/actions/runs/1"));
        assert!(COMMENT_LIMIT.fits(&fit));
        assert!(fit.starts_with(marker));
        assert!(fit.contains("actions/runs/1"));
        assert_eq!(fit_body("short", marker, None), "short");
    }

    #[test]
    fn warnings_say_how_to_fix() {
        let e = CommentError::Forbidden {
            status: 403,
            during: "creating the comment",
        };
        assert!(warning_text(&e, 7, false).contains("permissions: pull-requests: write"));
        assert!(warning_text(&e, 7, true).contains("workflow_run"));
        assert!(warning_text(&e, 7, true).contains("flameiq comment --result"));
    }
}
