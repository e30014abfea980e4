//! The HTTP policy shared by the GitHub comment ([`super::github`]) and the GitLab note
//! ([`super::gitlab`]): one set of limits, one retry rule, one redaction, one ownership rule.
//!
//! - **One deadline for the whole comment step** ([`Policy::deadline`], default 60 s,
//!   `FLAMEIQ_COMMENT_DEADLINE_MS`): every request's timeout is the smaller of
//!   [`Policy::timeout`] and what is left of it, and no retry is started that cannot finish
//!   in time. A server answering each page just under the per-request timeout cannot keep
//!   the job waiting past it.
//! - **Bounded answers**: at most [`Policy::max_response_bytes`] (10 MiB) per response,
//!   counted while reading (a `Content-Length` above it is refused before reading), and at
//!   most [`Policy::max_pages`] pages of comments or notes.
//! - **The same retry rule on both** ([`Step::wait`]): 5xx, 429, rate-limit 403s and
//!   transport errors are retried at most [`Policy::max_retries`] times with exponential
//!   backoff from [`Policy::base_delay`] capped at [`Policy::max_delay`]. A server's
//!   `Retry-After` (or GitHub's `x-ratelimit-reset`) is honoured only when it fits both in
//!   [`Policy::max_delay`] and in the time left; otherwise the step gives up at once with a
//!   warning (GitHub's `Retry-After: 3600` is not slept through, nor capped and retried).
//! - **A cut-short search posts nothing** ([`Search::complete`]): when the page cap or the
//!   deadline stopped the look-up before the last page, FlameIQ cannot know its comment is
//!   not on a later page, so it warns instead of posting a duplicate.
//! - **Only our own comment is ever edited** ([`Search::newest_ours`]): a comment or note
//!   counts only when it was written by the identity of the token in use *and* carries the
//!   marker on a line of its own ([`has_marker_line`]); with several, the newest (highest
//!   id) is updated and a warning says how many there are.
//! - **No token in clear text** ([`check_api_url`]): a plain `http://` API URL is refused
//!   unless it points at the loopback interface or `FLAMEIQ_ALLOW_INSECURE_API=1` is set.
//! - **No token in messages** ([`redact`]): every text that may echo a request is redacted
//!   *before* it is cut to length, so a cut cannot leave a prefix of the token behind.
//!
//! Length (just over 500 lines): the one HTTP policy every client shares (limits, retry rule, deadline, look-up bookkeeping, redaction, the URL check, the runtime); about 90 lines are tests. Splitting it would spread one rule over files.

use std::fmt;
use std::time::Duration;
use tokio::time::Instant;

/// A value that must never be printed (the GitHub token).
#[derive(Clone, PartialEq, Eq)]
pub struct Secret(String);

impl Secret {
    /// Wraps a token.
    pub fn new(s: impl Into<String>) -> Secret {
        Secret(s.into())
    }

    /// The token itself, only for building the `Authorization` header.
    pub fn expose(&self) -> &str {
        &self.0
    }

    /// Replaces every occurrence of the token in `text` by `***` (for error messages that
    /// might echo a request).
    pub fn redact(&self, text: &str) -> String {
        if self.0.is_empty() {
            text.to_string()
        } else {
            text.replace(&self.0, "***")
        }
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Secret(***)")
    }
}

impl fmt::Display for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("***")
    }
}

/// What happened to the comment or note.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    /// A new one was posted.
    Created {
        /// Link to it.
        url: String,
    },
    /// Our existing one was updated in place.
    Updated {
        /// Link to it.
        url: String,
    },
    /// None exists and the policy did not ask for one.
    NotCreated,
}

impl Outcome {
    /// The link, when there is one.
    pub fn url(&self) -> Option<&str> {
        match self {
            Outcome::Created { url } | Outcome::Updated { url } => Some(url),
            Outcome::NotCreated => None,
        }
    }
}

/// Why no comment or note was written. Never fatal: the caller prints it as a warning and
/// the exit code stays the comparison's.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CommentError {
    /// 401, 403 (not a rate limit) or 404 from GitHub: the token may not write comments
    /// here (the warning says how to fix it, see [`super::github::warning_text`]).
    Forbidden {
        /// HTTP status.
        status: u16,
        /// What was being done (`listing comments`, ...).
        during: &'static str,
    },
    /// Anything else, as a complete one-line reason (with the fix where there is one).
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

/// The longest server message quoted in a warning, in characters.
pub const MAX_MESSAGE_CHARS: usize = 200;

/// Limits of the comment step.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Policy {
    /// Retries after the first attempt of a request.
    pub max_retries: u32,
    /// First backoff delay; doubles each retry.
    pub base_delay: Duration,
    /// The longest single wait: backoff is capped to it, and a server asking for a longer
    /// one is not waited for (the step gives up).
    pub max_delay: Duration,
    /// Timeout of one request, reading its answer included.
    pub timeout: Duration,
    /// The whole comment step (look-up, retries, write) ends by then.
    pub deadline: Duration,
    /// Largest answer read, in bytes.
    pub max_response_bytes: usize,
    /// Pages of comments or notes read at most (100 per page).
    pub max_pages: usize,
    /// Send the token over plain `http://` to a host that is not loopback
    /// (`FLAMEIQ_ALLOW_INSECURE_API=1`).
    pub allow_insecure: bool,
}

impl Default for Policy {
    fn default() -> Self {
        Policy {
            max_retries: 3,
            base_delay: Duration::from_secs(1),
            max_delay: Duration::from_secs(30),
            timeout: Duration::from_secs(30),
            deadline: Duration::from_secs(60),
            max_response_bytes: 10 * 1024 * 1024,
            max_pages: 100,
            allow_insecure: false,
        }
    }
}

impl Policy {
    /// The defaults, tuned by `FLAMEIQ_HTTP_TIMEOUT_MS` (per request),
    /// `FLAMEIQ_HTTP_RETRY_BASE_MS` (first backoff), `FLAMEIQ_COMMENT_DEADLINE_MS` (the
    /// whole step) and `FLAMEIQ_ALLOW_INSECURE_API`. Unparsable values are ignored.
    pub fn from_env(env: &dyn Fn(&str) -> Option<String>) -> Policy {
        let ms = |name: &str| {
            env(name)
                .and_then(|v| v.trim().parse::<u64>().ok())
                .map(Duration::from_millis)
        };
        let mut p = Policy::default();
        if let Some(t) = ms("FLAMEIQ_HTTP_TIMEOUT_MS") {
            p.timeout = t;
        }
        if let Some(b) = ms("FLAMEIQ_HTTP_RETRY_BASE_MS") {
            p.base_delay = b;
        }
        if let Some(d) = ms("FLAMEIQ_COMMENT_DEADLINE_MS") {
            p.deadline = d;
        }
        p.allow_insecure = env("FLAMEIQ_ALLOW_INSECURE_API").is_some_and(|v| v.trim() == "1");
        p
    }
}

/// One comment step under a [`Policy`]: the clock of its deadline.
#[derive(Debug, Clone)]
pub struct Step {
    policy: Policy,
    end: Instant,
}

impl Step {
    /// Starts the step's clock now (inside a tokio runtime).
    pub fn start(policy: Policy) -> Step {
        let end = Instant::now() + policy.deadline;
        Step { policy, end }
    }

    /// The limits.
    pub fn policy(&self) -> &Policy {
        &self.policy
    }

    /// Time left before the deadline.
    pub fn remaining(&self) -> Duration {
        self.end.saturating_duration_since(Instant::now())
    }

    /// The timeout for the next request, or the give-up message when the deadline passed.
    pub fn request_timeout(&self) -> Result<Duration, String> {
        let left = self.remaining();
        if left.is_zero() {
            Err(self.out_of_time())
        } else {
            Ok(self.policy.timeout.min(left))
        }
    }

    /// "the comment step ran out of its N s deadline".
    pub fn out_of_time(&self) -> String {
        format!(
            "the comment step ran out of its {}s deadline (FLAMEIQ_COMMENT_DEADLINE_MS)",
            self.policy.deadline.as_secs_f64()
        )
    }

    /// The wait before retry number `attempt + 1` after a failure described by `why`, or
    /// the reason to give up: retries used up, the server asks for a wait longer than
    /// [`Policy::max_delay`] or than the time left, or the backoff would pass the deadline.
    pub fn wait(
        &self,
        attempt: u32,
        server_wait: Option<Duration>,
        why: &str,
    ) -> Result<Duration, String> {
        if attempt >= self.policy.max_retries {
            return Err(format!("{why} (gave up after {} attempts)", attempt + 1));
        }
        let left = self.remaining();
        let wait = match server_wait {
            Some(w) if w > self.policy.max_delay || w >= left => {
                return Err(format!(
                    "{why}; the server asks to wait {}s, longer than this step waits (at most {}s)",
                    w.as_secs(),
                    left.min(self.policy.max_delay).as_secs()
                ))
            }
            Some(w) => w,
            None => self
                .policy
                .base_delay
                .saturating_mul(1u32 << attempt.min(16))
                .min(self.policy.max_delay),
        };
        if wait >= left {
            return Err(format!("{why}; {}", self.out_of_time()));
        }
        Ok(wait)
    }
}

/// Which pages a look-up read and which comments or notes in them are ours.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct Search {
    /// Ids of our comments (written by the token's identity, with the marker line).
    pub ours: Vec<u64>,
    /// Whether the look-up reached the last page. When false, a missing comment may be on
    /// a page that was not read, so none may be created.
    pub complete: bool,
    /// Why the look-up stopped early, for the warning.
    pub stopped: Option<String>,
}

impl Search {
    /// The newest of ours (ids grow with time on GitHub and GitLab), logging a warning when
    /// there are several.
    pub fn newest_ours(&self, what: &str) -> Option<u64> {
        let newest = self.ours.iter().copied().max()?;
        if self.ours.len() > 1 {
            tracing::warn!(
                "found {} FlameIQ {what}s with this marker; updating the newest ({newest}) and leaving the others",
                self.ours.len()
            );
        }
        Some(newest)
    }

    /// Records that the look-up read [`Policy::max_pages`] pages without reaching the last,
    /// and returns it. With one of ours found, the newest found is updated (it may not be
    /// the newest there is), so that is logged; without, the caller refuses to post and
    /// says why ([`Search::incomplete_warning`]).
    pub fn page_cap_reached(mut self, max_pages: usize, what: &str) -> Search {
        self.stopped = Some(format!("{max_pages} pages read"));
        if !self.ours.is_empty() {
            tracing::warn!(
                "stopped looking for the {what} after {max_pages} pages; updating the newest one found"
            );
        }
        self
    }

    /// The warning when nothing of ours was found but the look-up was cut short.
    pub fn incomplete_warning(&self, what: &str) -> String {
        format!(
            "stopped looking for FlameIQ's existing {what} before the last page ({}); \
             not posting a new one, which could duplicate it",
            self.stopped.as_deref().unwrap_or("cut short")
        )
    }
}

pub use crate::render::markdown::has_marker_line;

/// `text` with every occurrence of the token replaced by `***`, control characters and
/// runs of whitespace folded to one space, then cut to `max_chars` characters (on a char
/// boundary). Redacting first means the cut cannot leave a prefix of the token behind.
pub fn redact(secret: &Secret, text: &str, max_chars: usize) -> String {
    let clean = secret.redact(text);
    let folded: String = clean
        .chars()
        .map(|c| if c.is_control() { ' ' } else { c })
        .collect::<String>()
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ");
    if folded.chars().count() <= max_chars {
        folded
    } else {
        let mut cut: String = folded.chars().take(max_chars).collect();
        cut.push('…');
        cut
    }
}

pub use crate::error::{chain as error_chain, root_cause};

/// A transport error (timeout, refused connection, TLS, ...) in one line: its root cause,
/// without the layers that repeat the URL, redacted ([`redact`]) and cut to twice
/// [`MAX_MESSAGE_CHARS`]. The one wording for the GitLab note and the `github` store.
pub fn describe_transport(secret: &Secret, e: &reqwest::Error) -> String {
    let root = root_cause(e);
    let text = if e.is_timeout() {
        "request timed out".to_string()
    } else if e.is_connect() {
        format!("cannot connect ({root})")
    } else {
        root
    };
    redact(secret, &text, 2 * MAX_MESSAGE_CHARS)
}

/// Refuses an API URL that would send the token in clear: `http://` to anything but the
/// loopback interface, unless `allow_insecure` ([`Policy::allow_insecure`]). `var` names
/// the variable the URL came from, for the fix.
pub fn check_api_url(url: &str, var: &str, allow_insecure: bool) -> Result<(), String> {
    let Ok(uri) = url.parse::<http::Uri>() else {
        return Err(format!("invalid API URL '{url}' (check {var})"));
    };
    match uri.scheme_str().map(str::to_ascii_lowercase).as_deref() {
        Some("https") => Ok(()),
        Some("http") => {
            let host = uri.host().unwrap_or("").trim_matches(['[', ']']);
            let loopback = host.eq_ignore_ascii_case("localhost")
                || host
                    .parse::<std::net::IpAddr>()
                    .is_ok_and(|ip| ip.is_loopback());
            if loopback || allow_insecure {
                Ok(())
            } else {
                Err(format!(
                    "refusing to send the token in clear text to '{url}' ({var} is plain http:// to a host that is not loopback): \
                     use its https:// URL, or set FLAMEIQ_ALLOW_INSECURE_API=1 if the network is trusted"
                ))
            }
        }
        _ => Err(format!(
            "invalid API URL '{url}': not http(s) (check {var})"
        )),
    }
}

/// "an answer larger than 10 MiB (refused)", for the callers to place in context.
pub fn too_large(max: usize) -> String {
    format!(
        "an answer larger than {} MiB (refused unread)",
        max as f64 / (1024.0 * 1024.0)
    )
}

/// Runs `fut` to completion on a current-thread runtime: the one place FlameIQ builds a
/// tokio runtime, called only when a comment or note is to be written.
pub fn block_on<F: std::future::Future>(fut: F) -> Result<F::Output, CommentError> {
    let rt = runtime().map_err(CommentError::Failed)?;
    Ok(rt.block_on(fut))
}

/// The one way a runtime is built (current-thread, timers and I/O on): [`block_on`] for one
/// call, and kept by a client that makes many (the `github` store).
pub fn runtime() -> Result<tokio::runtime::Runtime, String> {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|e| format!("cannot start the HTTP runtime: {e}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn issue19_item3_redact_then_cut_leaves_no_token_prefix() {
        let token = "ghs_0123456789abcdefSECRET";
        let s = Secret::new(token);
        // The token straddles the 200-character cut.
        let text = format!("{}{token} tail", "x".repeat(190));
        let r = redact(&s, &text, MAX_MESSAGE_CHARS);
        assert!(!r.contains("ghs_0123"), "{r}");
        assert!(r.chars().count() <= MAX_MESSAGE_CHARS + 1);
        assert!(r.contains("***"), "{r}");
        // Control characters never reach a warning line.
        assert_eq!(redact(&s, "a\n::error::x\u{1b}[2K", 50), "a ::error::x [2K");
    }

    #[test]
    fn issue19_item4_plain_http_only_to_loopback_unless_allowed() {
        let none = false;
        assert!(check_api_url("https://api.github.com", "GITHUB_API_URL", none).is_ok());
        for ok in [
            "http://127.0.0.1:8080",
            "http://localhost/api/v4",
            "http://[::1]:9/",
        ] {
            assert!(check_api_url(ok, "X", none).is_ok(), "{ok}");
        }
        let e = check_api_url("http://gitlab.corp/api/v4", "CI_API_V4_URL", none).unwrap_err();
        assert!(
            e.contains("http://gitlab.corp/api/v4")
                && e.contains("CI_API_V4_URL")
                && e.contains("FLAMEIQ_ALLOW_INSECURE_API=1"),
            "{e}"
        );
        assert!(check_api_url("http://gitlab.corp/api/v4", "X", true).is_ok());
        assert!(check_api_url("ftp://x", "X", none).is_err());
        let env = |k: &str| (k == "FLAMEIQ_ALLOW_INSECURE_API").then(|| "1".to_string());
        assert!(Policy::from_env(&env).allow_insecure);
        assert!(!Policy::from_env(&|_: &str| None).allow_insecure);
    }

    #[test]
    fn issue19_item11_waits_fit_the_cap_and_the_deadline() {
        let policy = Policy {
            base_delay: Duration::from_millis(100),
            max_delay: Duration::from_secs(30),
            deadline: Duration::from_secs(60),
            ..Policy::default()
        };
        let left = |secs: u64| Step {
            policy: policy.clone(),
            end: Instant::now() + Duration::from_secs(secs),
        };
        let step = left(3600);
        assert_eq!(step.wait(0, None, "x"), Ok(Duration::from_millis(100)));
        assert_eq!(step.wait(2, None, "x"), Ok(Duration::from_millis(400)));
        assert!(step.wait(3, None, "x").unwrap_err().contains("4 attempts"));
        assert_eq!(
            step.wait(0, Some(Duration::from_secs(5)), "x"),
            Ok(Duration::from_secs(5))
        );
        // Retry-After: 3600 is neither slept nor capped: give up now.
        let e = step
            .wait(0, Some(Duration::from_secs(3600)), "rate limited")
            .unwrap_err();
        assert!(e.contains("3600"), "{e}");
        // A wait that fits the cap but not the time left gives up too.
        let step = left(10);
        assert!(step.wait(0, Some(Duration::from_secs(20)), "x").is_err());
        assert!(step.request_timeout().unwrap() <= Duration::from_secs(10));
        let step = left(0);
        assert!(step.request_timeout().unwrap_err().contains("deadline"));
        assert!(step.wait(0, None, "x").unwrap_err().contains("deadline"));
    }

    #[test]
    fn newest_of_ours_wins() {
        let s = Search {
            ours: vec![5, 9, 7],
            complete: true,
            stopped: None,
        };
        assert_eq!(s.newest_ours("comment"), Some(9));
        assert_eq!(Search::default().newest_ours("comment"), None);
    }
}
