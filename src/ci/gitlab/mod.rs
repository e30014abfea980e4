//! GitLab merge-request notes: FlameIQ's one note per MR and environment, found by its hidden
//! marker and updated in place, through the GitLab REST API (v4) with reqwest (rustls + ring,
//! no OpenSSL).
//!
//! The rules are the GitHub comment's (design §5), with the limits, retries, deadline,
//! redaction and ownership rule of the shared [`super::http`] policy:
//! - one note per MR and environment, and only ours: a note counts when its author is the
//!   token's own user (`GET /user`), it is not a system note, and the marker is on a line of
//!   its own (a quote, `> <!-- flameiq:… -->`, does not count). Someone else's note carrying
//!   the marker is never edited; with several of ours the newest is updated, with a warning;
//! - paginated look-up (`GET …/notes?per_page=100&page=N`, following `X-Next-Page`, at most
//!   [`Policy::max_pages`] pages), then `PUT` the found note or `POST` a new one — never a
//!   `POST` when the look-up was cut short by the page cap or the deadline;
//! - the body stays under GitLab's 1,000,000-character limit ([`GITLAB_NOTE_LIMIT`],
//!   truncated with a note, the marker kept);
//! - one deadline for the whole step, a timeout per request, at most 10 MiB per answer;
//!   5xx, 429 (honouring `Retry-After` only when it fits) and transport errors are retried a
//!   bounded number of times with exponential backoff. A retried `POST` first looks the note
//!   up again, so a create that succeeded behind a failing proxy is not posted twice;
//! - 401/403/404 (and other 4xx) are a [`CommentError`] with a warning saying how to fix it;
//!   like every other failure they never change the exit code;
//! - the token is sent only as the `PRIVATE-TOKEN` header (marked sensitive), never over
//!   plain `http://` to a host that is not loopback ([`super::http::check_api_url`]), and
//!   never appears in any output, error message or `Debug` output ([`Secret`]); server
//!   messages are redacted before they are cut. Redirects are not followed, since reqwest
//!   would carry that custom header to the redirect's host (a 3xx is a warning naming
//!   `CI_API_V4_URL`).
//!
//! Async (tokio, current-thread) lives only inside `ci/`: [`upsert_note`] is blocking and
//! runs on the one runtime of [`super::http::block_on`]; `flameiq ci`/`flameiq comment` go
//! through [`super::post::upsert`].
//!
//! Length (over 500 lines): one client (identity, paginated look-up, upsert, the retry loop, bounded reads, the refusal messages with their fixes); about 70 lines are tests.

use super::context::var;
pub use super::context::GitLabTarget;
use super::http::{self, has_marker_line, Policy, Search, Step, MAX_MESSAGE_CHARS};
pub use super::http::{CommentError, Outcome, Secret};
use serde_json::Value;
use std::time::Duration;

pub use crate::render::limits::GITLAB_NOTE_LIMIT;

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

/// The token for MR notes: `FLAMEIQ_GITLAB_TOKEN`, else `GITLAB_TOKEN` (empty = unset).
/// `Err` is the warning to print when there is none; it says that `CI_JOB_TOKEN` cannot post
/// notes when that is the only token, and how to fix it.
pub fn token_from_env(env: &dyn Fn(&str) -> Option<String>) -> Result<Secret, String> {
    for name in ["FLAMEIQ_GITLAB_TOKEN", "GITLAB_TOKEN"] {
        if let Some(t) = var(env, name) {
            return Ok(Secret::new(t));
        }
    }
    let fix = "create a project access token with the 'api' scope (Settings > Access tokens, \
               role Reporter or higher) and add it as a masked CI/CD variable named \
               FLAMEIQ_GITLAB_TOKEN that is NOT protected (a protected variable \
               only reaches pipelines of protected branches and tags, never the merge-request \
               pipelines of feature branches: if you already added it as protected, this is \
               why it is missing)";
    Err(if var(env, "CI_JOB_TOKEN").is_some() {
        format!(
            "no merge-request note posted: only CI_JOB_TOKEN is available, and GitLab job \
                 tokens cannot post merge-request notes; {fix}"
        )
    } else {
        format!(
                "no merge-request note posted: neither FLAMEIQ_GITLAB_TOKEN nor GITLAB_TOKEN is set; {fix}"
            )
    })
}

/// Makes the body GitLab will accept: the marker on a line of its own (prepended when the
/// body lacks it) and under [`GITLAB_NOTE_LIMIT`], cut at a line end with a note saying so
/// ([`crate::render::limits::truncate`]).
pub fn prepare_body(marker: &str, body: &str) -> String {
    let body = if has_marker_line(body, marker) {
        body.to_string()
    } else {
        format!("{marker}\n{body}")
    };
    let notice = format!(
        "_… truncated: the note exceeded GitLab's {} limit; the full report is in the job's \
         artefacts._",
        GITLAB_NOTE_LIMIT.describe()
    );
    crate::render::limits::truncate(&body, GITLAB_NOTE_LIMIT, &notice, Some(marker))
}

/// Posts or updates FlameIQ's note on the MR (blocking: runs [`upsert_note_async`] on the
/// one runtime of [`http::block_on`]).
/// `marker` is `render::markdown::marker(environment)`; `body` the rendered comment.
///
/// Every `Err` is a one-line warning with the fix (a token or permission problem, GitLab
/// unreachable or failing after the retries, the look-up cut short); none should change the
/// exit code.
pub fn upsert_note(
    target: &GitLabTarget,
    token: &Secret,
    marker: &str,
    body: &str,
    policy: &Policy,
) -> Result<Outcome, CommentError> {
    http::block_on(upsert_note_async(target, token, marker, body, policy))?
}

/// The async form of [`upsert_note`]; the whole call ends within [`Policy::deadline`].
pub async fn upsert_note_async(
    target: &GitLabTarget,
    token: &Secret,
    marker: &str,
    body: &str,
    policy: &Policy,
) -> Result<Outcome, CommentError> {
    let api = Api::new(target, token, policy)?;
    let step = Step::start(policy.clone());
    let body = prepare_body(marker, body);
    let payload = serde_json::json!({ "body": body });
    let me = api.identity(&step).await?;
    let mut retry = 0;
    loop {
        let search = api.find_notes(&step, me, marker).await?;
        let found = search.newest_ours("note");
        if found.is_none() && !search.complete {
            return Err(CommentError::Failed(search.incomplete_warning("note")));
        }
        let (method, url, what) = match found {
            Some(id) => (
                reqwest::Method::PUT,
                format!("{}/{id}", api.notes_url),
                "update",
            ),
            None => (reqwest::Method::POST, api.notes_url.clone(), "post"),
        };
        let during = if found.is_some() {
            "update the merge-request note on"
        } else {
            "post the merge-request note on"
        };
        let sent = api.once(&step, method, &url, Some(&payload), during).await;
        let (why, after) = match sent {
            Ok(r) if r.status.is_success() => {
                let id = serde_json::from_slice::<Value>(&r.body)
                    .ok()
                    .and_then(|v| v.get("id")?.as_u64())
                    .or(found);
                let url = id.map_or_else(|| api.notes_url.clone(), |id| target.note_web_url(id));
                return Ok(if found.is_some() {
                    Outcome::Updated { url }
                } else {
                    Outcome::Created { url }
                });
            }
            // The note was deleted between the look-up and the update: look up again (and post).
            Ok(r) if found.is_some() && r.status == reqwest::StatusCode::NOT_FOUND => {
                (format!("HTTP {}", r.status), None)
            }
            Ok(r) if !retryable(r.status) => return Err(api.refused(what, &r)),
            Ok(r) => (format!("HTTP {}", r.status), retry_after(&r.headers)),
            Err(Attempt::Final(e)) => return Err(e),
            Err(Attempt::Transport(why)) => (why, None),
        };
        let why = format!(
            "could not {what} the merge-request note on {}: {why}",
            target.describe()
        );
        let wait = step
            .wait(retry, after, &why)
            .map_err(CommentError::Failed)?;
        tracing::debug!(
            "gitlab note {what} failed; retrying in {}ms",
            wait.as_millis()
        );
        tokio::time::sleep(wait).await;
        retry += 1;
    }
}

fn retryable(status: reqwest::StatusCode) -> bool {
    status.is_server_error() || status == reqwest::StatusCode::TOO_MANY_REQUESTS
}

fn retry_after(headers: &reqwest::header::HeaderMap) -> Option<Duration> {
    let v = headers.get("retry-after")?.to_str().ok()?;
    v.trim().parse::<u64>().ok().map(Duration::from_secs)
}

/// One answer, read in full (at most [`Policy::max_response_bytes`]).
struct Resp {
    status: reqwest::StatusCode,
    headers: reqwest::header::HeaderMap,
    body: Vec<u8>,
}

/// Why one attempt gave no answer.
enum Attempt {
    /// Worth retrying (a timeout, a broken connection): the one-line reason.
    Transport(String),
    /// Not worth retrying (the deadline passed, an oversized answer).
    Final(CommentError),
}

/// The note fields FlameIQ reads (GitLab sends many more).
#[derive(Debug, serde::Deserialize)]
struct Note {
    id: u64,
    #[serde(default)]
    body: Option<String>,
    #[serde(default)]
    system: bool,
    #[serde(default)]
    author: Option<Author>,
}

#[derive(Debug, serde::Deserialize)]
struct Author {
    id: u64,
}

struct Api<'a> {
    client: reqwest::Client,
    target: &'a GitLabTarget,
    notes_url: String,
    token: Secret,
    policy: &'a Policy,
}

impl<'a> Api<'a> {
    fn new(
        target: &'a GitLabTarget,
        token: &Secret,
        policy: &'a Policy,
    ) -> Result<Self, CommentError> {
        // reqwest is built with `rustls-no-provider`: the ring provider is installed here (a
        // second install, e.g. by the GitHub side, is harmless and ignored).
        let _ = rustls::crypto::ring::default_provider().install_default();
        let mut secret = reqwest::header::HeaderValue::from_str(token.expose()).map_err(|_| {
            CommentError::Failed(
                "the GitLab token contains characters not allowed in an HTTP header".into(),
            )
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
            .connect_timeout(policy.timeout);
        let notes_url = target.notes_url();
        let parsed = reqwest::Url::parse(&notes_url).map_err(|e| {
            CommentError::Failed(format!(
                "invalid GitLab API URL '{}': {e} (check CI_API_V4_URL)",
                target.api_url
            ))
        })?;
        http::check_api_url(&target.api_url, "CI_API_V4_URL", policy.allow_insecure)
            .map_err(CommentError::Failed)?;
        // A proxy never reaches the loopback interface.
        if matches!(parsed.host_str(), Some("127.0.0.1" | "localhost" | "[::1]")) {
            builder = builder.no_proxy();
        }
        let client = builder.build().map_err(|e| {
            CommentError::Failed(format!(
                "cannot build the HTTP client: {}",
                http::error_chain(&e)
            ))
        })?;
        Ok(Api {
            client,
            target,
            notes_url,
            token: token.clone(),
            policy,
        })
    }

    /// Sends one request, once, and reads its answer within the step's limits.
    async fn once(
        &self,
        step: &Step,
        method: reqwest::Method,
        url: &str,
        payload: Option<&Value>,
        during: &str,
    ) -> Result<Resp, Attempt> {
        let final_error = |why: String| {
            Attempt::Final(CommentError::Failed(format!(
                "could not {during} {}: {why}",
                self.target.describe()
            )))
        };
        let timeout = step.request_timeout().map_err(final_error)?;
        let mut req = self.client.request(method, url).timeout(timeout);
        if let Some(p) = payload {
            req = req.json(p);
        }
        let max = self.policy.max_response_bytes;
        let read = async {
            let mut resp = req.send().await?;
            let status = resp.status();
            let headers = resp.headers().clone();
            if resp.content_length().is_some_and(|n| n > max as u64) {
                return Ok(Err(()));
            }
            let mut body = Vec::new();
            while let Some(chunk) = resp.chunk().await? {
                if body.len() + chunk.len() > max {
                    return Ok(Err(()));
                }
                body.extend_from_slice(&chunk);
            }
            Ok(Ok(Resp {
                status,
                headers,
                body,
            }))
        };
        // The reqwest timeout covers the answer's body too; this guards the step's deadline.
        match tokio::time::timeout(timeout, read).await {
            Err(_) => Err(Attempt::Transport("request timed out".into())),
            Ok(Err(e)) => Err(Attempt::Transport(http::describe_transport(
                &self.token,
                &e,
            ))),
            Ok(Ok(Err(()))) => Err(final_error(http::too_large(max))),
            Ok(Ok(Ok(r))) => Ok(r),
        }
    }

    /// GETs `url`, retrying 5xx/429/transport errors within the step's rules.
    async fn get_retrying(
        &self,
        step: &Step,
        url: &str,
        during: &str,
    ) -> Result<Resp, CommentError> {
        let mut retry = 0;
        loop {
            let (why, after) = match self
                .once(step, reqwest::Method::GET, url, None, during)
                .await
            {
                Ok(r) if !retryable(r.status) => return Ok(r),
                Ok(r) => (format!("HTTP {}", r.status), retry_after(&r.headers)),
                Err(Attempt::Final(e)) => return Err(e),
                Err(Attempt::Transport(why)) => (why, None),
            };
            let why = format!("could not {during} {}: {why}", self.target.describe());
            let wait = step
                .wait(retry, after, &why)
                .map_err(CommentError::Failed)?;
            tracing::debug!("gitlab: {why}; retrying in {}ms", wait.as_millis());
            tokio::time::sleep(wait).await;
            retry += 1;
        }
    }

    /// The numeric id of the token's user (`GET /user`): only notes by this author are ours.
    async fn identity(&self, step: &Step) -> Result<u64, CommentError> {
        let url = format!("{}/user", self.target.api_url.trim_end_matches('/'));
        let r = self
            .get_retrying(step, &url, "identify the token's user for")
            .await?;
        if !r.status.is_success() {
            return Err(self.refused("identify the token's user for the", &r));
        }
        serde_json::from_slice::<Value>(&r.body)
            .ok()
            .and_then(|v| v.get("id")?.as_u64())
            .ok_or_else(|| {
                CommentError::Failed(format!(
                    "unexpected answer from GET /user on {}: no user id",
                    self.target.api_url
                ))
            })
    }

    /// FlameIQ's notes (by `me`, not system, marker line), reading the pages until the last
    /// one, the page cap or the deadline.
    async fn find_notes(&self, step: &Step, me: u64, marker: &str) -> Result<Search, CommentError> {
        let mut search = Search::default();
        let mut page: u64 = 1;
        for _ in 0..self.policy.max_pages {
            let url = format!("{}?per_page=100&page={page}", self.notes_url);
            let r = self
                .get_retrying(step, &url, "list the merge-request notes of")
                .await?;
            if !r.status.is_success() {
                return Err(self.refused("read the notes of", &r));
            }
            let next = r
                .headers
                .get("x-next-page")
                .and_then(|v| v.to_str().ok())
                .map(str::trim)
                .filter(|v| !v.is_empty())
                .map(|v| v.parse::<u64>().ok());
            let notes: Vec<Note> = serde_json::from_slice(&r.body).map_err(|e| {
                CommentError::Failed(format!(
                    "unexpected answer listing the merge-request notes of {}: {e}",
                    self.target.describe()
                ))
            })?;
            search.ours.extend(
                notes
                    .iter()
                    .filter(|n| {
                        !n.system
                            && n.author.as_ref().is_some_and(|a| a.id == me)
                            && n.body
                                .as_deref()
                                .is_some_and(|b| has_marker_line(b, marker))
                    })
                    .map(|n| n.id),
            );
            match next {
                None => {
                    search.complete = true;
                    return Ok(search);
                }
                Some(Some(n)) if n > page => page = n,
                Some(_) => {
                    search.stopped =
                        Some(format!("X-Next-Page after page {page} is not a later page"));
                    return Ok(search);
                }
            }
        }
        Ok(search.page_cap_reached(self.policy.max_pages, "note"))
    }

    /// The warning for a non-retryable answer, with the fix.
    fn refused(&self, what: &str, r: &Resp) -> CommentError {
        let status = r.status;
        let message = serde_json::from_slice::<Value>(&r.body)
            .ok()
            .and_then(|v| {
                let m = v.get("message").or_else(|| v.get("error"))?;
                Some(match m {
                    Value::String(s) => s.clone(),
                    other => other.to_string(),
                })
            })
            .map(|m| format!(" ({})", http::redact(&self.token, &m, MAX_MESSAGE_CHARS)))
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
        CommentError::Failed(format!(
            "could not {what} merge-request note on {}: HTTP {status}{message}; {fix}",
            self.target.describe()
        ))
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
        let t = Secret::new("glpat-SECRET");
        assert_eq!(format!("{t:?}"), "Secret(***)");
    }

    #[test]
    fn a_token_that_is_no_header_value_is_not_echoed() {
        let t = GitLabTarget {
            api_url: "http://127.0.0.1:9/api/v4".into(),
            project_id: "1".into(),
            mr_iid: 1,
            project_web_url: None,
        };
        let err = upsert_note(&t, &Secret::new("glpat-a\nb"), M, "x", &Policy::default())
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
        assert_eq!(token_from_env(&env).unwrap().expose(), "b");
    }

    #[test]
    fn body_gets_the_marker_and_stays_under_the_limit() {
        assert_eq!(prepare_body(M, "hi"), format!("{M}\nhi"));
        let b = format!("{M}\n{}", "é| row |\n".repeat(200_000));
        let p = prepare_body(M, &b);
        assert!(GITLAB_NOTE_LIMIT.fits(&p));
        assert!(p.starts_with(M) && p.contains("truncated"));
        // Marker at the end (cut off by the truncation) is put back.
        let b = format!("{}{M}\n", "x\n".repeat(600_000));
        let p = prepare_body(M, &b);
        assert!(GITLAB_NOTE_LIMIT.fits(&p) && has_marker_line(&p, M));
    }

    #[test]
    fn quoted_marker_does_not_count() {
        assert!(!has_marker_line(&format!("> {M}\nthanks"), M));
        assert!(has_marker_line(&format!("title\n{M}\n"), M));
    }
}
