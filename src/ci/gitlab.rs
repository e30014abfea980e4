//! GitLab merge-request notes: FlameIQ's one note per MR and environment, found by its hidden
//! marker and updated in place, through the GitLab REST API (v4) with reqwest (rustls + ring,
//! no OpenSSL).
//!
//! The rules are the GitHub comment's (design §5):
//! - one note per MR and environment: the note whose body has the marker on a line of its own
//!   and which is not a system note (GitLab's own "added 1 commit" notes are skipped even if
//!   they quote the marker); a marker inside a quote (`> <!-- flameiq:… -->`) does not count,
//!   so a reviewer quoting the note is never overwritten;
//! - paginated look-up (`GET …/notes?per_page=100&page=N`, following `X-Next-Page`), then
//!   `PUT` the found note or `POST` a new one;
//! - the body stays under GitLab's 1,000,000-character limit (truncated with a note, the
//!   marker kept);
//! - every request has a timeout; 5xx, 429 (honouring `Retry-After`, capped) and transport
//!   errors are retried a bounded number of times with exponential backoff. A retried `POST`
//!   first looks the note up again, so a create that succeeded behind a failing proxy is not
//!   posted twice;
//! - 401/403/404 (and other 4xx) are [`NoteOutcome::Skipped`] with a warning saying how to
//!   fix it; they never change the exit code. An [`Err`] (retries exhausted, GitLab
//!   unreachable) is also meant to be printed as a warning by the caller;
//! - the token is sent only as the `PRIVATE-TOKEN` header (marked sensitive) and never appears
//!   in any output, error message or `Debug` output ([`Token`]); redirects are not followed,
//!   since reqwest would carry that custom header to the redirect's host (a 3xx is a warning
//!   naming `CI_API_V4_URL`).
//!
//! Async (tokio, current-thread) lives only inside this module: [`upsert_note`] is blocking and
//! builds its own runtime, so commands that post nothing build no runtime or HTTP client.

use crate::error::{Error, Result};
use std::fmt;
use std::time::Duration;

/// GitLab's limit on a note body, in characters.
pub const MAX_NOTE_CHARS: usize = 1_000_000;

/// Pages scanned at most (100 notes each) looking for the marker; a guard against a server
/// whose `X-Next-Page` never ends.
const MAX_PAGES: u32 = 500;

/// One merge request of one project on one GitLab instance.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GitLabTarget {
    /// API base, e.g. `https://gitlab.com/api/v4` (`CI_API_V4_URL`).
    pub api_url: String,
    /// Numeric project id (`CI_PROJECT_ID`) or the project's path (`group/proj`, URL-encoded here).
    pub project_id: String,
    /// The MR's iid (`CI_MERGE_REQUEST_IID`), as shown in `!12`.
    pub mr_iid: u64,
    /// The project's web URL (`CI_MERGE_REQUEST_PROJECT_URL`/`CI_PROJECT_URL`), to link the
    /// note; without it the outcome's URL is the note's API URL.
    pub project_web_url: Option<String>,
}

impl GitLabTarget {
    fn notes_url(&self) -> String {
        format!(
            "{}/projects/{}/merge_requests/{}/notes",
            self.api_url.trim_end_matches('/'),
            encode_project_id(&self.project_id),
            self.mr_iid
        )
    }

    fn note_web_url(&self, note_id: u64) -> String {
        match &self.project_web_url {
            Some(web) => format!(
                "{}/-/merge_requests/{}#note_{note_id}",
                web.trim_end_matches('/'),
                self.mr_iid
            ),
            None => format!("{}/{note_id}", self.notes_url()),
        }
    }

    fn describe(&self) -> String {
        format!("project {} MR !{}", self.project_id, self.mr_iid)
    }
}

/// Percent-encodes a project path (`group/sub/proj` → `group%2Fsub%2Fproj`); a numeric id is
/// unchanged.
fn encode_project_id(id: &str) -> String {
    let mut out = String::with_capacity(id.len());
    for b in id.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.' | b'~') {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// A GitLab token. Its `Debug` and `Display` never show the secret.
#[derive(Clone)]
pub struct Token(String);

impl Token {
    /// Wraps a token value.
    pub fn new(secret: impl Into<String>) -> Self {
        Token(secret.into())
    }
}

impl fmt::Debug for Token {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Token(***)")
    }
}

/// The token for MR notes: `FLAMEIQ_GITLAB_TOKEN`, else `GITLAB_TOKEN` (empty = unset).
/// `Err` is the warning to print when there is none; it says that `CI_JOB_TOKEN` cannot post
/// notes when that is the only token, and how to fix it.
pub fn token_from_env(env: &dyn Fn(&str) -> Option<String>) -> std::result::Result<Token, String> {
    for name in ["FLAMEIQ_GITLAB_TOKEN", "GITLAB_TOKEN"] {
        if let Some(t) = env(name).filter(|t| !t.trim().is_empty()) {
            return Ok(Token(t.trim().to_string()));
        }
    }
    let fix = "create a project access token with the 'api' scope (Settings > Access tokens, \
               role Reporter or higher) and add it as a masked CI/CD variable named \
               FLAMEIQ_GITLAB_TOKEN that is NOT protected (a protected variable \
               only reaches pipelines of protected branches and tags, never the merge-request \
               pipelines of feature branches: if you already added it as protected, this is \
               why it is missing)";
    Err(
        if env("CI_JOB_TOKEN").is_some_and(|t| !t.trim().is_empty()) {
            format!(
                "no merge-request note posted: only CI_JOB_TOKEN is available, and GitLab job \
                 tokens cannot post merge-request notes; {fix}"
            )
        } else {
            format!(
                "no merge-request note posted: neither FLAMEIQ_GITLAB_TOKEN nor GITLAB_TOKEN is set; {fix}"
            )
        },
    )
}

/// Timeouts and retries of the GitLab requests.
#[derive(Debug, Clone)]
pub struct RetryPolicy {
    /// Retries after the first attempt of a request (5xx, 429, transport errors).
    pub max_retries: u32,
    /// Delay before the first retry; doubled each retry.
    pub base_delay: Duration,
    /// Cap on one delay (also on a server's `Retry-After`).
    pub max_delay: Duration,
    /// Timeout of each request (connect + send + read).
    pub timeout: Duration,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        RetryPolicy {
            max_retries: 3,
            base_delay: Duration::from_secs(1),
            max_delay: Duration::from_secs(30),
            timeout: Duration::from_secs(30),
        }
    }
}

impl RetryPolicy {
    /// The defaults, tuned by the same knobs as the GitHub side: `FLAMEIQ_HTTP_TIMEOUT_MS`
    /// (per request) and `FLAMEIQ_HTTP_RETRY_BASE_MS` (first backoff). Unparsable values are
    /// ignored.
    pub fn from_env(env: &dyn Fn(&str) -> Option<String>) -> Self {
        let ms = |name: &str| {
            env(name)
                .and_then(|v| v.trim().parse::<u64>().ok())
                .map(Duration::from_millis)
        };
        let mut p = RetryPolicy::default();
        if let Some(t) = ms("FLAMEIQ_HTTP_TIMEOUT_MS") {
            p.timeout = t;
        }
        if let Some(b) = ms("FLAMEIQ_HTTP_RETRY_BASE_MS") {
            p.base_delay = b;
        }
        p
    }

    fn delay(&self, retry: u32, retry_after: Option<Duration>) -> Duration {
        let backoff = self
            .base_delay
            .saturating_mul(2u32.saturating_pow(retry.min(16)));
        retry_after.unwrap_or(backoff).min(self.max_delay)
    }
}

/// What happened to the note.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum NoteOutcome {
    /// A new note was posted.
    Created {
        /// Link to the note.
        url: String,
    },
    /// FlameIQ's existing note was updated in place.
    Updated {
        /// Link to the note.
        url: String,
    },
    /// Nothing posted; `reason` is a one-line warning with the fix, for the caller to print.
    /// The exit code stays the comparison's.
    Skipped {
        /// The warning.
        reason: String,
    },
}

/// Makes the body GitLab will accept: the marker on a line of its own (prepended when the
/// body lacks it) and at most [`MAX_NOTE_CHARS`] characters, cut at a line end with a note
/// saying so.
pub fn prepare_body(marker: &str, body: &str) -> String {
    let mut body = if has_marker_line(body, marker) {
        body.to_string()
    } else {
        format!("{marker}\n{body}")
    };
    if body.chars().count() <= MAX_NOTE_CHARS {
        return body;
    }
    let notice = format!(
        "\n\n_… truncated: the note exceeded GitLab's {MAX_NOTE_CHARS} characters; the full \
         report is in the job's artefacts._\n"
    );
    // Room for the notice and, if it gets cut, the marker.
    let keep = MAX_NOTE_CHARS - notice.chars().count() - marker.chars().count() - 2;
    let cut = body.char_indices().nth(keep).map_or(body.len(), |(i, _)| i);
    let cut = body[..cut]
        .rfind('\n')
        .filter(|&i| i > cut / 2)
        .unwrap_or(cut);
    body.truncate(cut);
    body.push_str(&notice);
    if !has_marker_line(&body, marker) {
        body.push_str(marker);
        body.push('\n');
    }
    body
}

fn has_marker_line(body: &str, marker: &str) -> bool {
    body.lines().any(|l| l.trim() == marker)
}

/// Posts or updates FlameIQ's note on the MR (blocking: builds a current-thread runtime).
/// `marker` is `render::markdown::marker(environment)`; `body` the rendered comment.
///
/// `Ok(Skipped)` for a token or permission problem (with the fix); `Err` when GitLab could not
/// be reached or kept failing after the retries. Neither should change the exit code.
pub fn upsert_note(
    target: &GitLabTarget,
    token: &Token,
    marker: &str,
    body: &str,
    policy: &RetryPolicy,
) -> Result<NoteOutcome> {
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|e| Error::Ci(format!("cannot start the HTTP runtime: {e}")))?;
    rt.block_on(upsert_note_async(target, token, marker, body, policy))
}

/// Everything `flameiq ci`/`flameiq comment` need in one call: the token from `env`
/// ([`token_from_env`]), the retry policy from `env` ([`RetryPolicy::from_env`]), then
/// [`upsert_note`]. Never fails: a missing token, a refusal and an unreachable GitLab all come
/// back as [`NoteOutcome::Skipped`] with the warning to print; the exit code stays the
/// comparison's.
pub fn post_note_from_env(
    target: &GitLabTarget,
    env: &dyn Fn(&str) -> Option<String>,
    marker: &str,
    body: &str,
) -> NoteOutcome {
    let token = match token_from_env(env) {
        Ok(t) => t,
        Err(reason) => return NoteOutcome::Skipped { reason },
    };
    match upsert_note(target, &token, marker, body, &RetryPolicy::from_env(env)) {
        Ok(outcome) => outcome,
        Err(e) => NoteOutcome::Skipped {
            reason: e.to_string(),
        },
    }
}

/// The async form of [`upsert_note`].
pub async fn upsert_note_async(
    target: &GitLabTarget,
    token: &Token,
    marker: &str,
    body: &str,
    policy: &RetryPolicy,
) -> Result<NoteOutcome> {
    let api = Api::new(target, token, policy)?;
    let body = prepare_body(marker, body);
    let mut retry = 0;
    loop {
        let found = match api.find_note(marker).await? {
            Ok(found) => found,
            Err(skip) => return Ok(skip),
        };
        let payload = serde_json::json!({ "body": body });
        let (method, url) = match found {
            Some(id) => (reqwest::Method::PUT, format!("{}/{id}", api.notes_url)),
            None => (reqwest::Method::POST, api.notes_url.clone()),
        };
        let sent = api
            .send(|c| c.request(method.clone(), &url).json(&payload))
            .await;
        let what = if found.is_some() { "update" } else { "post" };
        match sent {
            Ok(resp) if resp.status().is_success() => {
                let id = note_id(resp).await.or(found);
                let url = id.map_or_else(|| api.notes_url.clone(), |id| target.note_web_url(id));
                return Ok(if found.is_some() {
                    NoteOutcome::Updated { url }
                } else {
                    NoteOutcome::Created { url }
                });
            }
            // The note was deleted between the look-up and the update: look up again (and post).
            Ok(resp)
                if found.is_some()
                    && resp.status() == reqwest::StatusCode::NOT_FOUND
                    && retry < policy.max_retries =>
            {
                retry += 1;
            }
            Ok(resp) if !retryable(resp.status()) => {
                return Ok(api.skip(what, resp).await);
            }
            other if retry < policy.max_retries => {
                let after = other.as_ref().ok().and_then(retry_after);
                tracing::debug!("gitlab note {what} failed ({}); retrying", describe(&other));
                tokio::time::sleep(policy.delay(retry, after)).await;
                retry += 1;
            }
            other => {
                return Err(Error::Ci(format!(
                    "could not {what} the merge-request note on {}: {} after {} attempts",
                    target.describe(),
                    describe(&other),
                    retry + 1
                )))
            }
        }
    }
}

fn retryable(status: reqwest::StatusCode) -> bool {
    status.is_server_error() || status == reqwest::StatusCode::TOO_MANY_REQUESTS
}

fn retry_after(resp: &reqwest::Response) -> Option<Duration> {
    let v = resp.headers().get("retry-after")?.to_str().ok()?;
    v.trim().parse::<u64>().ok().map(Duration::from_secs)
}

/// One line for a failed attempt: the HTTP status, or the transport error without its URL
/// (URLs carry no secret, but keep messages short).
fn describe(r: &std::result::Result<reqwest::Response, reqwest::Error>) -> String {
    match r {
        Ok(resp) => format!("HTTP {}", resp.status()),
        Err(e) if e.is_timeout() => "request timed out".to_string(),
        Err(e) if e.is_connect() => format!("cannot connect ({})", root_cause(e)),
        Err(e) => root_cause(e),
    }
}

fn root_cause(e: &reqwest::Error) -> String {
    let mut err: &dyn std::error::Error = e;
    while let Some(src) = err.source() {
        err = src;
    }
    err.to_string()
}

async fn note_id(resp: reqwest::Response) -> Option<u64> {
    let v: serde_json::Value = resp.json().await.ok()?;
    v.get("id")?.as_u64()
}

/// The note fields FlameIQ reads (GitLab sends many more).
#[derive(Debug, serde::Deserialize)]
struct Note {
    id: u64,
    #[serde(default)]
    body: Option<String>,
    #[serde(default)]
    system: bool,
}

struct Api<'a> {
    client: reqwest::Client,
    target: &'a GitLabTarget,
    notes_url: String,
    policy: &'a RetryPolicy,
}

impl<'a> Api<'a> {
    fn new(target: &'a GitLabTarget, token: &Token, policy: &'a RetryPolicy) -> Result<Self> {
        // reqwest is built with `rustls-no-provider`: the ring provider is installed here (a
        // second install, e.g. by the GitHub side, is harmless and ignored).
        let _ = rustls::crypto::ring::default_provider().install_default();
        let mut secret = reqwest::header::HeaderValue::from_str(&token.0).map_err(|_| {
            Error::Ci("the GitLab token contains characters not allowed in an HTTP header".into())
        })?;
        secret.set_sensitive(true);
        let mut headers = reqwest::header::HeaderMap::new();
        headers.insert("PRIVATE-TOKEN", secret);
        let mut builder = reqwest::Client::builder()
            .default_headers(headers)
            // reqwest drops only standard credential headers on a cross-host redirect, not
            // PRIVATE-TOKEN: never follow one (a redirect is reported with the fix instead).
            .redirect(reqwest::redirect::Policy::none())
            .user_agent(concat!("flameiq/", env!("CARGO_PKG_VERSION")))
            .timeout(policy.timeout)
            .connect_timeout(policy.timeout);
        let notes_url = target.notes_url();
        let parsed = reqwest::Url::parse(&notes_url).map_err(|e| {
            Error::Ci(format!(
                "invalid GitLab API URL '{}': {e} (check CI_API_V4_URL)",
                target.api_url
            ))
        })?;
        if !matches!(parsed.scheme(), "http" | "https") {
            return Err(Error::Ci(format!(
                "invalid GitLab API URL '{}': not http(s) (check CI_API_V4_URL)",
                target.api_url
            )));
        }
        // A proxy never reaches the loopback interface.
        if matches!(parsed.host_str(), Some("127.0.0.1" | "localhost" | "[::1]")) {
            builder = builder.no_proxy();
        }
        let client = builder
            .build()
            .map_err(|e| Error::Ci(format!("cannot build the HTTP client: {}", root_cause(&e))))?;
        Ok(Api {
            client,
            target,
            notes_url,
            policy,
        })
    }

    /// Sends one request, once.
    async fn send(
        &self,
        make: impl Fn(&reqwest::Client) -> reqwest::RequestBuilder,
    ) -> std::result::Result<reqwest::Response, reqwest::Error> {
        make(&self.client).send().await
    }

    /// GETs `url`, retrying 5xx/429/transport errors; `Err` holds the last attempt and the
    /// number of attempts.
    async fn send_retrying(
        &self,
        url: &str,
    ) -> std::result::Result<
        reqwest::Response,
        (std::result::Result<reqwest::Response, reqwest::Error>, u32),
    > {
        let mut retry = 0;
        loop {
            let r = self.send(|c| c.get(url)).await;
            match r {
                Ok(resp) if !retryable(resp.status()) => return Ok(resp),
                other if retry < self.policy.max_retries => {
                    let after = other.as_ref().ok().and_then(retry_after);
                    tracing::debug!(
                        "gitlab notes look-up failed ({}); retrying",
                        describe(&other)
                    );
                    tokio::time::sleep(self.policy.delay(retry, after)).await;
                    retry += 1;
                }
                other => return Err((other, retry + 1)),
            }
        }
    }

    /// The id of FlameIQ's note, `Ok(None)` when there is none yet, `Err(Skipped)` for a
    /// permission problem; the outer `Err` when GitLab kept failing.
    async fn find_note(
        &self,
        marker: &str,
    ) -> Result<std::result::Result<Option<u64>, NoteOutcome>> {
        let mut page: u32 = 1;
        for _ in 0..MAX_PAGES {
            let url = format!("{}?per_page=100&page={page}", self.notes_url);
            let resp = match self.send_retrying(&url).await {
                Ok(resp) => resp,
                Err((last, attempts)) => {
                    return Err(Error::Ci(format!(
                    "could not list the merge-request notes of {}: {} after {attempts} attempts",
                    self.target.describe(),
                    describe(&last)
                )))
                }
            };
            if !resp.status().is_success() {
                return Ok(Err(self.skip("read the notes of", resp).await));
            }
            let next = resp
                .headers()
                .get("x-next-page")
                .and_then(|v| v.to_str().ok())
                .and_then(|v| v.trim().parse::<u32>().ok());
            let notes: Vec<Note> = resp.json().await.map_err(|e| {
                Error::Ci(format!(
                    "unexpected answer listing the merge-request notes of {}: {}",
                    self.target.describe(),
                    root_cause(&e)
                ))
            })?;
            if let Some(n) = notes.iter().find(|n| {
                !n.system
                    && n.body
                        .as_deref()
                        .is_some_and(|b| has_marker_line(b, marker))
            }) {
                return Ok(Ok(Some(n.id)));
            }
            match next {
                Some(n) if n > page => page = n,
                _ => return Ok(Ok(None)),
            }
        }
        Ok(Ok(None))
    }

    /// The warning for a non-retryable failure, with the fix.
    async fn skip(&self, what: &str, resp: reqwest::Response) -> NoteOutcome {
        let status = resp.status();
        let message = resp
            .json::<serde_json::Value>()
            .await
            .ok()
            .and_then(|v| {
                let m = v.get("message").or_else(|| v.get("error"))?;
                Some(match m {
                    serde_json::Value::String(s) => s.clone(),
                    other => other.to_string(),
                })
            })
            .map(|m| format!(" ({})", m.chars().take(200).collect::<String>()))
            .unwrap_or_default();
        let fix = match status.as_u16() {
            401 => {
                "the token is invalid, expired or revoked: create a project access token with \
                    the 'api' scope and store it as a masked, unprotected CI/CD variable FLAMEIQ_GITLAB_TOKEN"
            }
            403 => {
                "the token may not comment on this merge request: it needs the 'api' scope \
                    and the Reporter role or higher in the project (a project access token \
                    stored as a masked, unprotected CI/CD variable FLAMEIQ_GITLAB_TOKEN works)"
            }
            404 => {
                "the project or merge request was not found with this token: check \
                    CI_API_V4_URL, CI_PROJECT_ID and the MR iid, and that the token's user can \
                    see the project (private projects answer 404 to outsiders)"
            }
            300..=399 => {
                "the API URL redirects and the token is never sent to a redirect \
                          target: set CI_API_V4_URL (or the URL given) to the final https API URL"
            }
            _ => "GitLab refused the request",
        };
        NoteOutcome::Skipped {
            reason: format!(
                "could not {what} merge-request note on {}: HTTP {status}{message}; {fix}",
                self.target.describe()
            ),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const M: &str = "<!-- flameiq:default -->";

    #[test]
    fn project_paths_are_encoded() {
        assert_eq!(encode_project_id("278964"), "278964");
        assert_eq!(encode_project_id("grp/sub proj"), "grp%2Fsub%20proj");
    }

    #[test]
    fn token_debug_hides_the_secret() {
        let t = Token::new("glpat-SECRET");
        assert_eq!(format!("{t:?}"), "Token(***)");
    }

    #[test]
    fn a_token_that_is_no_header_value_is_not_echoed() {
        let t = GitLabTarget {
            api_url: "http://127.0.0.1:9/api/v4".into(),
            project_id: "1".into(),
            mr_iid: 1,
            project_web_url: None,
        };
        let err = upsert_note(
            &t,
            &Token::new("glpat-a\nb"),
            M,
            "x",
            &RetryPolicy::default(),
        )
        .unwrap_err()
        .to_string();
        assert!(
            err.contains("not allowed in an HTTP header") && !err.contains("glpat"),
            "{err}"
        );
    }

    #[test]
    fn job_token_alone_is_explained() {
        let env = |k: &str| (k == "CI_JOB_TOKEN").then(|| "job-secret".to_string());
        let w = token_from_env(&env).unwrap_err();
        assert!(
            w.contains("CI_JOB_TOKEN") && w.contains("FLAMEIQ_GITLAB_TOKEN"),
            "{w}"
        );
        assert!(!w.contains("job-secret"));
        let env = |k: &str| match k {
            "GITLAB_TOKEN" => Some("b".to_string()),
            "FLAMEIQ_GITLAB_TOKEN" => Some(" ".to_string()),
            _ => None,
        };
        assert_eq!(token_from_env(&env).unwrap().0, "b");
    }

    #[test]
    fn body_gets_the_marker_and_stays_under_the_limit() {
        assert_eq!(prepare_body(M, "hi"), format!("{M}\nhi"));
        let b = format!("{M}\n{}", "é| row |\n".repeat(200_000));
        let p = prepare_body(M, &b);
        assert!(p.chars().count() <= MAX_NOTE_CHARS);
        assert!(p.starts_with(M) && p.contains("truncated"));
        // Marker at the end (cut off by the truncation) is put back.
        let b = format!("{}{M}\n", "x\n".repeat(600_000));
        let p = prepare_body(M, &b);
        assert!(p.chars().count() <= MAX_NOTE_CHARS && has_marker_line(&p, M));
    }

    #[test]
    fn quoted_marker_does_not_count() {
        assert!(!has_marker_line(&format!("> {M}\nthanks"), M));
        assert!(has_marker_line(&format!("title\n{M}\n"), M));
    }

    #[test]
    fn backoff_doubles_and_is_capped() {
        let p = RetryPolicy {
            base_delay: Duration::from_millis(100),
            max_delay: Duration::from_millis(300),
            ..RetryPolicy::default()
        };
        assert_eq!(p.delay(0, None), Duration::from_millis(100));
        assert_eq!(p.delay(1, None), Duration::from_millis(200));
        assert_eq!(p.delay(2, None), Duration::from_millis(300));
        assert_eq!(
            p.delay(0, Some(Duration::from_secs(60))),
            Duration::from_millis(300)
        );
    }
}
