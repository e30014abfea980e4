//! The sticky PR comment through the GitHub REST API (octocrab over rustls/ring).
//!
//! - **One comment per PR and environment.** It is found by its hidden marker
//!   ([`crate::render::markdown::marker`]) across *all* pages of the PR's comments
//!   (`per_page=100`, following the `Link: <…>; rel="next"` header), then updated in place
//!   (`PATCH`); one is created (`POST`) only when none exists and the policy allows it.
//!   A match is a bot's comment containing the marker, or (for comments posted with a
//!   personal token) one that *starts* with it; a person quoting the marker in a comment
//!   is never edited. Bodies are sent starting with the marker ([`with_marker_first`]).
//! - **Bounded.** Every request (including reading its body) has a timeout; 5xx
//!   responses, transport errors and rate limits (429, or 403 with `retry-after` or
//!   `x-ratelimit-remaining: 0`) are retried at most [`Retry::max_retries`] times, waiting
//!   `retry-after` / until `x-ratelimit-reset` when given, else exponential backoff from
//!   [`Retry::base_delay`]. A wait longer than [`Retry::max_delay`] is not slept: the
//!   comment is given up with a warning. Pagination stops after [`MAX_PAGES`] pages and
//!   never follows a `Link` to another host (the token would go with it).
//! - **Never fatal.** Every failure is a [`CommentError`] the caller prints as a warning;
//!   401/403/404 are [`CommentError::Forbidden`] so the warning can say how to fix it.
//! - **The token is never printed.** It only lives in octocrab's auth state and a
//!   [`Secret`]; error texts pass through [`Secret::redact`].
//! - Bodies longer than [`MAX_BODY_CHARS`] are cut with a note linking the run.
//!
//! octocrab's own retry layer is switched off ([`RetryConfig::None`]) in favour of the loop
//! here, whose delays tests can shrink; its raw `_get`/`_post`/`_patch` methods are used
//! because the typed ones hide the `Link` and rate-limit headers.

use super::inputs::Secret;
use http::HeaderMap;
use http_body_util::BodyExt;
use octocrab::service::middleware::retry::RetryConfig;
use octocrab::Octocrab;
use serde_json::{json, Value};
use std::fmt;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

/// GitHub rejects comment bodies longer than this many characters.
pub const MAX_BODY_CHARS: usize = 65_536;
/// At most this many pages of 100 comments are read (10,000 comments).
pub const MAX_PAGES: usize = 100;

/// Retry policy for one request.
#[derive(Debug, Clone, Copy)]
pub struct Retry {
    /// Retries after the first attempt.
    pub max_retries: u32,
    /// First backoff delay; doubles each retry.
    pub base_delay: Duration,
    /// The longest wait accepted (backoff is capped to it; a longer rate-limit wait gives up).
    pub max_delay: Duration,
}

impl Default for Retry {
    fn default() -> Self {
        Retry {
            max_retries: 3,
            base_delay: Duration::from_secs(1),
            max_delay: Duration::from_secs(60),
        }
    }
}

/// Why no comment was written.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CommentError {
    /// 401, 403 (not a rate limit) or 404: the token may not write comments here.
    Forbidden {
        /// HTTP status.
        status: u16,
        /// What was being done (`listing comments`, ...).
        during: &'static str,
    },
    /// Anything else (network, timeouts, 5xx after retries, a malformed answer).
    Failed(String),
    /// A write that may or may not have been applied (a 5xx, timeout or broken connection
    /// on `POST`): the caller looks for the comment again before posting a second time.
    Uncertain(String),
}

impl fmt::Display for CommentError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            CommentError::Forbidden { status, during } => {
                write!(f, "HTTP {status} while {during}")
            }
            CommentError::Failed(m) | CommentError::Uncertain(m) => f.write_str(m),
        }
    }
}

/// What happened to the comment.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    /// A new comment was posted.
    Created {
        /// Its `html_url`.
        url: String,
    },
    /// The existing comment was updated.
    Updated {
        /// Its `html_url`.
        url: String,
    },
    /// No comment exists and the policy did not ask for one.
    NotCreated,
}

impl Outcome {
    /// The comment's URL, when there is one.
    pub fn url(&self) -> Option<&str> {
        match self {
            Outcome::Created { url } | Outcome::Updated { url } => Some(url),
            Outcome::NotCreated => None,
        }
    }
}

/// A GitHub REST client for the comment.
pub struct Client {
    crab: Octocrab,
    api: String,
    token: Secret,
    retry: Retry,
    timeout: Duration,
}

impl fmt::Debug for Client {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Client")
            .field("api", &self.api)
            .field("token", &self.token)
            .field("retry", &self.retry)
            .field("timeout", &self.timeout)
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

impl Client {
    /// Builds a client for `api` (e.g. `GITHUB_API_URL`). Must be called inside a tokio
    /// runtime. Fails (as a warning for the caller) when the URL is invalid or no CA
    /// certificates can be loaded.
    pub fn new(
        api: &str,
        token: Secret,
        retry: Retry,
        timeout: Duration,
    ) -> Result<Client, CommentError> {
        let api = api.trim_end_matches('/').to_string();
        let crab = Octocrab::builder()
            .base_uri(api.as_str())
            .map_err(|e| CommentError::Failed(format!("invalid GITHUB_API_URL '{api}': {e}")))?
            .personal_token(token.expose().to_string())
            .add_retry_config(RetryConfig::None)
            .set_connect_timeout(Some(timeout))
            .set_read_timeout(Some(timeout))
            .set_write_timeout(Some(timeout))
            .add_header(
                http::header::ACCEPT,
                "application/vnd.github+json".to_string(),
            )
            .add_header(
                http::HeaderName::from_static("x-github-api-version"),
                "2022-11-28".to_string(),
            )
            .build()
            .map_err(|e| {
                CommentError::Failed(token.redact(&format!(
                    "cannot build the HTTP client: {}",
                    error_chain(&e)
                )))
            })?;
        Ok(Client {
            crab,
            api,
            token,
            retry,
            timeout,
        })
    }

    /// Finds the comment carrying `marker` on PR `pr` of `repo` and updates it with `body`,
    /// or creates one when none exists and `create` is true.
    pub async fn upsert(
        &self,
        repo: &str,
        pr: u64,
        marker: &str,
        body: &str,
        create: bool,
    ) -> Result<Outcome, CommentError> {
        let existing = self.find(repo, pr, marker).await?;
        let payload = json!({ "body": body });
        match existing {
            Some(id) => {
                let url = format!("{}/repos/{repo}/issues/comments/{id}", self.api);
                let r = self
                    .send(
                        Method::Patch,
                        &url,
                        Some(&payload),
                        "updating the comment",
                        true,
                    )
                    .await?;
                Ok(Outcome::Updated { url: html_url(&r)? })
            }
            None if create => self.create(repo, pr, marker, &payload).await,
            None => Ok(Outcome::NotCreated),
        }
    }

    /// `POST`s the comment. A POST is not idempotent: after an answer that leaves it unknown
    /// whether the comment was created (5xx, timeout), look for it again and update it
    /// rather than post a duplicate.
    async fn create(
        &self,
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
                    let wait = self.retry_or(attempt, None, why)?;
                    tokio::time::sleep(wait).await;
                    attempt += 1;
                    if let Some(id) = self.find(repo, pr, marker).await? {
                        let url = format!("{}/repos/{repo}/issues/comments/{id}", self.api);
                        let r = self
                            .send(
                                Method::Patch,
                                &url,
                                Some(payload),
                                "updating the comment",
                                true,
                            )
                            .await?;
                        return Ok(Outcome::Created { url: html_url(&r)? });
                    }
                }
                Err(e) => return Err(e),
            }
        }
    }

    /// The id of the comment with `marker`, reading every page.
    pub async fn find(
        &self,
        repo: &str,
        pr: u64,
        marker: &str,
    ) -> Result<Option<u64>, CommentError> {
        let mut url = format!(
            "{}/repos/{repo}/issues/{pr}/comments?per_page=100",
            self.api
        );
        let mut fallback = None;
        for _ in 0..MAX_PAGES {
            let r = self
                .send(Method::Get, &url, None, "listing comments", true)
                .await?;
            let page: Value = serde_json::from_slice(&r.body).map_err(|e| {
                CommentError::Failed(format!("unexpected answer listing comments: {e}"))
            })?;
            let items = page.as_array().ok_or_else(|| {
                CommentError::Failed("unexpected answer listing comments: not a list".into())
            })?;
            for c in items {
                let body = c["body"].as_str().unwrap_or("");
                let Some(id) = c["id"].as_u64() else { continue };
                if !body.contains(marker) {
                    continue;
                }
                if c["user"]["type"].as_str() == Some("Bot") {
                    return Ok(Some(id));
                }
                // Posted with a personal token: ours start with the marker; a person
                // quoting it further down is not ours and is never edited.
                if body.trim_start().starts_with(marker) {
                    fallback.get_or_insert(id);
                }
            }
            match next_link(&r.headers) {
                Some(next) if same_origin(&next, &self.api) => url = next,
                Some(next) => {
                    return Err(CommentError::Failed(format!(
                        "refusing to follow a pagination link to another host: {next}"
                    )))
                }
                None => return Ok(fallback),
            }
        }
        tracing::warn!("stopped looking for the comment after {MAX_PAGES} pages");
        Ok(fallback)
    }

    async fn send(
        &self,
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
                self.retry_or(attempt, None, why)
            } else {
                Err(CommentError::Uncertain(why))
            }
        };
        loop {
            let outcome = tokio::time::timeout(self.timeout, self.once(method, url, body)).await;
            let wait = match outcome {
                Err(_) => {
                    let why = format!(
                        "timed out after {}s while {during}",
                        self.timeout.as_secs_f64()
                    );
                    uncertain(attempt, why)?
                }
                Ok(Err(e)) => {
                    let why = self.token.redact(&format!(
                        "request failed while {during}: {}",
                        error_chain(&e)
                    ));
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
                        self.retry_or(attempt, rate_limit_wait(&r.headers), why)?
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
                            self.token.redact(&api_message(&r.body))
                        )));
                    }
                }
            };
            tracing::debug!("retrying in {}ms", wait.as_millis());
            tokio::time::sleep(wait).await;
            attempt += 1;
        }
    }

    /// The wait before the next attempt, or the error when retries are used up or the
    /// server asks for a longer wait than [`Retry::max_delay`].
    fn retry_or(
        &self,
        attempt: u32,
        server_wait: Option<Duration>,
        why: String,
    ) -> Result<Duration, CommentError> {
        if attempt >= self.retry.max_retries {
            return Err(CommentError::Failed(format!(
                "{why} (gave up after {} attempts)",
                attempt + 1
            )));
        }
        match server_wait {
            Some(w) if w > self.retry.max_delay => Err(CommentError::Failed(format!(
                "{why}; the limit resets in {}s, longer than the {}s this step waits",
                w.as_secs(),
                self.retry.max_delay.as_secs()
            ))),
            Some(w) => Ok(w),
            None => Ok(self
                .retry
                .base_delay
                .saturating_mul(1u32 << attempt.min(16))
                .min(self.retry.max_delay)),
        }
    }

    async fn once(
        &self,
        method: Method,
        url: &str,
        body: Option<&Value>,
    ) -> Result<Resp, octocrab::Error> {
        let resp = match method {
            Method::Get => self.crab._get(url).await?,
            Method::Post => self.crab._post(url, body).await?,
            Method::Patch => self.crab._patch(url, body).await?,
        };
        let status = resp.status().as_u16();
        let headers = resp.headers().clone();
        let body = resp.into_body().collect().await?.to_bytes().to_vec();
        Ok(Resp {
            status,
            headers,
            body,
        })
    }
}

fn error_chain(e: &dyn std::error::Error) -> String {
    let mut s = e.to_string();
    let mut src = e.source();
    while let Some(x) = src {
        s.push_str(": ");
        s.push_str(&x.to_string());
        src = x.source();
    }
    s
}

fn header<'a>(h: &'a HeaderMap, name: &str) -> Option<&'a str> {
    h.get(name).and_then(|v| v.to_str().ok())
}

/// `retry-after` (seconds), else `x-ratelimit-reset` (epoch seconds) minus now.
fn rate_limit_wait(h: &HeaderMap) -> Option<Duration> {
    if let Some(s) = header(h, "retry-after").and_then(|v| v.trim().parse::<u64>().ok()) {
        return Some(Duration::from_secs(s));
    }
    let reset = header(h, "x-ratelimit-reset")?.trim().parse::<u64>().ok()?;
    let now = SystemTime::now().duration_since(UNIX_EPOCH).ok()?.as_secs();
    Some(Duration::from_secs(reset.saturating_sub(now)))
}

/// GitHub's `{"message": ...}` of an error answer, one line, bounded.
fn api_message(body: &[u8]) -> String {
    let v: Value = serde_json::from_slice(body).unwrap_or(Value::Null);
    let m = v["message"].as_str().unwrap_or("no message");
    m.split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
        .chars()
        .take(200)
        .collect()
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
    h.get_all(http::header::LINK)
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
        let uri: http::Uri = u.parse().ok()?;
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

/// Cuts a comment body to fit GitHub's limit, keeping the marker and linking the run.
pub fn fit_body(body: &str, marker: &str, run_url: Option<&str>) -> String {
    if body.chars().count() <= MAX_BODY_CHARS {
        return body.to_string();
    }
    let note = match run_url {
        Some(u) => format!("\n\n> ✂️ Comment truncated to GitHub's {MAX_BODY_CHARS}-character limit; see the job summary and report of [the run]({u}).\n"),
        None => format!("\n\n> ✂️ Comment truncated to GitHub's {MAX_BODY_CHARS}-character limit; see the job summary and report.\n"),
    };
    let keep_marker = !body.starts_with(marker);
    let room = MAX_BODY_CHARS
        - note.chars().count()
        - if keep_marker {
            marker.chars().count() + 1
        } else {
            0
        };
    let head: String = body.chars().take(room).collect();
    let head = match head.rfind('\n') {
        Some(i) => head[..i].to_string(),
        None => head,
    };
    let mut out = String::new();
    if keep_marker && !head.contains(marker) {
        out.push_str(marker);
        out.push('\n');
    }
    out.push_str(&head);
    out.push_str(&note);
    out
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
        assert!(fit.chars().count() <= MAX_BODY_CHARS);
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
