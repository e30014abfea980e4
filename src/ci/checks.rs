//! The check run: one per commit and environment, usable as a required status check.
//!
//! A PR comment cannot block a merge; a check run can (branch protection → "Require status
//! checks to pass" → `FlameIQ`). `flameiq ci` and `flameiq comment` write it through
//! octocrab's typed Checks API ([`octocrab::checks::ChecksHandler`]):
//!
//! - **Name**: `FlameIQ` for the default store, `FlameIQ (<environment>)` with `--env` /
//!   the `environment` input ([`check_name`]), so each matrix leg is its own required check.
//! - **One per commit and environment, and only ours.** Before creating, the check runs of
//!   the commit are listed (`GET /repos/{repo}/commits/{sha}/check-runs`, 100 per page, up
//!   to [`Policy::max_pages`](super::http::Policy::max_pages)); ours has our name *and* the environment's marker
//!   ([`crate::render::markdown::marker`]) as the first line of its summary. The name alone
//!   is not enough: the job's own check run carries the job's name, which may well be
//!   `FlameIQ`. A re-run of the same commit updates ours in place (`PATCH`), never adds a
//!   second one; with several, the newest (highest id) is updated.
//! - **Conclusion** ([`Conclusion::of`]): `success` (no regression, or regressions accepted
//!   by the accept label), `failure` (a regression), `neutral` (no baseline yet,
//!   insufficient data, or a regression with `fail-on-regression: false` — the step passes,
//!   so the check must not block the merge either).
//! - **Summary**: the job summary's Markdown, rendered by
//!   [`crate::render::markdown::render_limited`] to stay under the API's 65,535 characters
//!   ([`MAX_SUMMARY_CHARS`]) with the marker line in front; rows that do not fit are left
//!   out by that renderer and it says how many.
//! - **Annotations**: one per regression (`failure`, or `warning` when accepted) and per
//!   warning (`warning`), on line 1 of the metrics file (the result file for
//!   `flameiq comment`), at most [`MAX_ANNOTATIONS`] (regressions first). The API takes
//!   at most [`MAX_ANNOTATIONS_PER_REQUEST`] per request, so the first 50 go with the
//!   create (or update) and the rest in further `PATCH`es of 50. GitHub *appends* annotations on every update, so before sending, those the check
//!   run already has (`GET .../check-runs/{id}/annotations`) are left out: a re-run of the
//!   same commit does not double them. GitHub cannot delete annotations: one from an
//!   earlier run whose regression is gone stays, while the conclusion and summary are
//!   replaced.
//! - **Never fatal**, as for the comment: every failure is a [`CommentError`] the caller
//!   prints as a warning ([`warning_text`], with the fix: `permissions: checks: write`, or
//!   the two-workflow pattern for forks); the exit code stays the comparison's.
//! - **Bounded** by the comment's [`Policy`](super::http::Policy): one deadline for the step, a timeout per
//!   request, the same retry rule for 5xx, transport errors and rate limits (429, or 403
//!   with `retry-after` / `x-ratelimit-remaining: 0`). A `POST` that may have landed (5xx,
//!   timeout) is not repeated blindly: the check runs are listed again and ours updated.
//!   The typed API reads answers whole, so [`Policy::max_response_bytes`](super::http::Policy::max_response_bytes) does not apply
//!   here (the API host is the CI's own `GITHUB_API_URL`).
//! - **The token is never printed**: it lives in the [`Client`]; messages pass through
//!   [`http::redact`].
//!
//! Length (over 500 lines): one API (find ours, create or update, annotations in batches of 50 without doubling them, the typed-call retry loop) and the report it sends; about 45 lines are tests.

use super::github::{self, Client};
use super::http::{self, CommentError, Step, MAX_MESSAGE_CHARS};
use crate::compare::result::{ComparisonResult, MetricDiff, Status};
use octocrab::models::checks::CheckRun;
use octocrab::params::checks::{
    CheckRunConclusion, CheckRunOutput, CheckRunOutputAnnotation, CheckRunOutputAnnotationLevel,
    CheckRunStatus,
};
use octocrab::params::repos::Commitish;
use std::future::Future;
use std::time::Duration;

/// The Checks API's limit on `output.summary` (and `output.text`), in characters.
pub const MAX_SUMMARY_CHARS: usize = 65_535;

/// The Checks API's limit on annotations per create or update request.
pub const MAX_ANNOTATIONS_PER_REQUEST: usize = 50;

/// Annotations sent at most per check run (10 requests): GitHub rate-limits a job's token
/// to 1,000 requests an hour per repository, and the summary lists every metric anyway.
pub const MAX_ANNOTATIONS: usize = 500;

/// The check run's name for a store environment: `FlameIQ` or `FlameIQ (<environment>)`.
pub fn check_name(environment: Option<&str>) -> String {
    match environment.filter(|e| !e.is_empty()) {
        Some(e) => format!("FlameIQ ({e})"),
        None => "FlameIQ".to_string(),
    }
}

/// The check run's verdict.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Conclusion {
    /// Passed (or its regressions were accepted by the label).
    Success,
    /// A regression blocks the merge.
    Failure,
    /// Nothing to judge: no baseline yet, insufficient data, or `fail-on-regression: false`.
    Neutral,
}

impl Conclusion {
    /// The conclusion of a comparison (`None`: nothing was compared, no baseline yet).
    /// `accepted`: the accept label is on the PR; `fail`: `fail-on-regression`.
    pub fn of(result: Option<&ComparisonResult>, accepted: bool, fail: bool) -> Conclusion {
        match result.map(|r| r.status) {
            None | Some(Status::InsufficientData) => Conclusion::Neutral,
            Some(Status::Pass) => Conclusion::Success,
            Some(Status::Regression) if accepted => Conclusion::Success,
            Some(Status::Regression) if !fail => Conclusion::Neutral,
            Some(Status::Regression) => Conclusion::Failure,
        }
    }

    /// The API's value.
    pub fn as_str(self) -> &'static str {
        match self {
            Conclusion::Success => "success",
            Conclusion::Failure => "failure",
            Conclusion::Neutral => "neutral",
        }
    }

    fn param(self) -> CheckRunConclusion {
        match self {
            Conclusion::Success => CheckRunConclusion::Success,
            Conclusion::Failure => CheckRunConclusion::Failure,
            Conclusion::Neutral => CheckRunConclusion::Neutral,
        }
    }
}

/// How serious one annotation is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Level {
    /// A regression that fails the check.
    Failure,
    /// A warning, or a regression accepted by the label.
    Warning,
}

impl Level {
    fn as_str(self) -> &'static str {
        match self {
            Level::Failure => "failure",
            Level::Warning => "warning",
        }
    }
}

/// One annotation, on line 1 of `path`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Annotation {
    /// Repository-relative path the annotation is shown on.
    pub path: String,
    /// `failure` or `warning`.
    pub level: Level,
    /// Short title (`FlameIQ regression: latency.p95`).
    pub title: String,
    /// What changed, with baseline, current and threshold.
    pub message: String,
}

/// One annotation per regression and warning of `result` (regressions first, at most
/// [`MAX_ANNOTATIONS`]), on line 1 of `path`.
pub fn annotations(result: &ComparisonResult, accepted: bool, path: &str) -> Vec<Annotation> {
    let one = |level: Level, what: &str, d: &MetricDiff| Annotation {
        path: path.to_string(),
        level,
        // Plain text on GitHub, but a key from PR code may carry control characters.
        title: format!(
            "FlameIQ {what}: {}",
            crate::render::fmt::escape_terminal(&d.metric_key)
        ),
        message: super::outputs::describe(d),
    };
    let (level, what) = if accepted {
        (Level::Warning, "regression accepted by label")
    } else {
        (Level::Failure, "regression")
    };
    result
        .regressions()
        .map(|d| one(level, what, d))
        .chain(result.warnings().map(|d| one(Level::Warning, "warning", d)))
        .take(MAX_ANNOTATIONS)
        .collect()
}

/// The summary under the API's limit, starting with the `marker` line: `markdown` is
/// rendered by the caller with `render_limited(.., Limit::Chars(summary_room(marker)))`.
pub fn summary_room(marker: &str) -> usize {
    // The renderer stays strictly below the room (at most room - 1); the marker line and
    // its newline come on top.
    MAX_SUMMARY_CHARS - marker.encode_utf16().count()
}

/// Everything the check run shows.
#[derive(Debug, Clone)]
pub struct Report {
    /// `owner/name`.
    pub repo: String,
    /// The commit the check run is attached to (a PR's head, not its merge commit).
    pub head_sha: String,
    /// [`check_name`].
    pub name: String,
    /// The environment's marker, the summary's first line.
    pub marker: String,
    /// The verdict.
    pub conclusion: Conclusion,
    /// One line: what happened (`1 of 4 metrics regressed`).
    pub title: String,
    /// Markdown under [`summary_room`] (without the marker).
    pub summary: String,
    /// Every annotation; sent in batches.
    pub annotations: Vec<Annotation>,
    /// Link to the CI run.
    pub details_url: Option<String>,
}

/// What was written.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Written {
    /// Created (true) or updated in place (false).
    pub created: bool,
    /// The check run's page.
    pub url: String,
    /// Requests that carried annotations.
    pub annotation_requests: usize,
}

/// Creates or updates the check run of `report` with `client`, within the policy's deadline.
pub async fn upsert(client: &Client, report: &Report) -> Result<Written, CommentError> {
    let step = Step::start(client.policy().clone());
    let (owner, repo) = report.repo.split_once('/').ok_or_else(|| {
        CommentError::Failed(format!(
            "the repository '{}' is not owner/name",
            report.repo
        ))
    })?;
    let api = Api {
        client,
        owner,
        repo,
        step: &step,
    };
    let summary = format!("{}\n{}", report.marker, report.summary);
    let mut found = api.find(report).await?;
    let mut created = false;
    let mut requests = 0;
    let (id, url, mut pending) = loop {
        if let Some(run) = found {
            let have = if run.output.annotations_count > 0 {
                api.existing_annotations(run.id.0).await?
            } else {
                Vec::new()
            };
            let mut pending: Vec<&Annotation> = report
                .annotations
                .iter()
                .filter(|a| !have.contains(&key(a)))
                .collect();
            let first: Vec<&Annotation> = take_batch(&mut pending);
            requests += usize::from(!first.is_empty());
            let run = api.update(run.id.0, report, &summary, &first, true).await?;
            break (run.id.0, page_url(&run), pending);
        }
        let mut pending: Vec<&Annotation> = report.annotations.iter().collect();
        let first = take_batch(&mut pending);
        match api.create(report, &summary, &first).await {
            Ok(run) => {
                created = true;
                requests += usize::from(!first.is_empty());
                break (run.id.0, page_url(&run), pending);
            }
            Err(CommentError::Uncertain(why)) => {
                // The POST may have landed: look again; update it if it did.
                let wait = step.wait(0, None, &why).map_err(CommentError::Failed)?;
                tokio::time::sleep(wait).await;
                found = api.find(report).await?;
                if found.is_none() {
                    return Err(CommentError::Failed(format!(
                        "{why}; the check run was not created"
                    )));
                }
            }
            Err(e) => return Err(e),
        }
    };
    while !pending.is_empty() {
        let batch = take_batch(&mut pending);
        requests += 1;
        match api.update(id, report, &summary, &batch, false).await {
            Ok(_) => {}
            Err(CommentError::Uncertain(why)) => {
                // The batch may have been appended: send only what is still missing.
                let wait = step.wait(0, None, &why).map_err(CommentError::Failed)?;
                tokio::time::sleep(wait).await;
                let have = api.existing_annotations(id).await?;
                pending.extend(batch);
                pending.retain(|a| !have.contains(&key(a)));
            }
            Err(e) => return Err(e),
        }
    }
    Ok(Written {
        created,
        url,
        annotation_requests: requests,
    })
}

/// [`upsert`] from synchronous code (the CLI): the client is built and driven on the one
/// runtime of [`http::block_on`], so no caller outside `ci/` touches async or HTTP.
pub fn upsert_blocking(
    api_url: &str,
    token: http::Secret,
    policy: http::Policy,
    report: &Report,
) -> Result<Written, CommentError> {
    http::block_on(async {
        let client = Client::new(api_url, token, policy)?;
        upsert(&client, report).await
    })?
}

fn take_batch<'a>(pending: &mut Vec<&'a Annotation>) -> Vec<&'a Annotation> {
    let n = pending.len().min(MAX_ANNOTATIONS_PER_REQUEST);
    pending.drain(..n).collect()
}

/// What makes two annotations the same one.
type Key = (String, String, String, String);

fn key(a: &Annotation) -> Key {
    (
        a.path.clone(),
        a.level.as_str().to_string(),
        a.title.clone(),
        a.message.clone(),
    )
}

fn page_url(run: &CheckRun) -> String {
    run.html_url.clone().unwrap_or_else(|| run.url.clone())
}

struct Api<'a> {
    client: &'a Client,
    owner: &'a str,
    repo: &'a str,
    step: &'a Step,
}

impl Api<'_> {
    /// Our check run on the commit (our name and marker), newest first; a look-up cut short
    /// by the page cap creates nothing.
    async fn find(&self, report: &Report) -> Result<Option<CheckRun>, CommentError> {
        let crab = self.client.octocrab();
        let max_pages = self.client.policy().max_pages;
        let mut ours: Vec<CheckRun> = Vec::new();
        for page in 1..=max_pages {
            let list = self
                .call("listing check runs", true, || async move {
                    crab.checks(self.owner, self.repo)
                        .list_check_runs_for_git_ref(Commitish(report.head_sha.clone()))
                        .per_page(100u8)
                        .page(page as u32)
                        .send()
                        .await
                })
                .await?;
            let n = list.check_runs.len();
            ours.extend(list.check_runs.into_iter().filter(|r| {
                r.name == report.name
                    && r.output
                        .summary
                        .as_deref()
                        .and_then(|s| s.lines().next())
                        .is_some_and(|first| first.trim() == report.marker)
            }));
            if n < 100 || (page * 100) as u64 >= list.total_count {
                ours.sort_by_key(|r| std::cmp::Reverse(r.id.0));
                if ours.len() > 1 {
                    tracing::warn!(
                        "{} check runs named '{}' on {}; updating the newest",
                        ours.len(),
                        report.name,
                        report.head_sha
                    );
                }
                return Ok(ours.into_iter().next());
            }
        }
        ours.sort_by_key(|r| std::cmp::Reverse(r.id.0));
        match ours.into_iter().next() {
            Some(r) => Ok(Some(r)),
            None => Err(CommentError::Failed(format!(
                "stopped looking for the check run after {max_pages} pages without finding it; not creating one that may be a duplicate"
            ))),
        }
    }

    async fn existing_annotations(&self, id: u64) -> Result<Vec<Key>, CommentError> {
        let crab = self.client.octocrab();
        let mut out = Vec::new();
        for page in 1..=self.client.policy().max_pages {
            let items = self
                .call("listing the check run's annotations", true, || async move {
                    crab.checks(self.owner, self.repo)
                        .list_annotations(id.into())
                        .per_page(100u8)
                        .page(page as u32)
                        .send()
                        .await
                })
                .await?;
            let n = items.len();
            out.extend(items.into_iter().map(|a| {
                (
                    a.path,
                    a.annotation_level.unwrap_or_default(),
                    a.title.unwrap_or_default(),
                    a.message.unwrap_or_default(),
                )
            }));
            if n < 100 {
                break;
            }
        }
        Ok(out)
    }

    async fn create(
        &self,
        report: &Report,
        summary: &str,
        batch: &[&Annotation],
    ) -> Result<CheckRun, CommentError> {
        let crab = self.client.octocrab();
        self.call("creating the check run", false, || async move {
            let checks = crab.checks(self.owner, self.repo);
            let mut b = checks
                .create_check_run(report.name.clone(), report.head_sha.clone())
                .status(CheckRunStatus::Completed)
                .conclusion(report.conclusion.param())
                .output(output(report, summary, batch));
            if let Some(u) = &report.details_url {
                b = b.details_url(u.clone());
            }
            b.send().await
        })
        .await
    }

    /// `first`: the update that replaces conclusion and summary (repeatable when it carries
    /// no annotations); otherwise one more batch of annotations.
    async fn update(
        &self,
        id: u64,
        report: &Report,
        summary: &str,
        batch: &[&Annotation],
        first: bool,
    ) -> Result<CheckRun, CommentError> {
        let crab = self.client.octocrab();
        let during = if first {
            "updating the check run"
        } else {
            "adding annotations to the check run"
        };
        self.call(during, batch.is_empty(), || async move {
            let checks = crab.checks(self.owner, self.repo);
            let mut b = checks
                .update_check_run(id.into())
                .output(output(report, summary, batch));
            if first {
                b = b
                    .name(report.name.clone())
                    .status(CheckRunStatus::Completed)
                    .conclusion(report.conclusion.param());
                if let Some(u) = &report.details_url {
                    b = b.details_url(u.clone());
                }
            }
            b.send().await
        })
        .await
    }

    /// One typed request under the step's deadline and retry rule. A non-`repeatable`
    /// request is handed back as [`CommentError::Uncertain`] when it may have landed.
    async fn call<T, F, Fut>(
        &self,
        during: &'static str,
        repeatable: bool,
        f: F,
    ) -> Result<T, CommentError>
    where
        F: Fn() -> Fut,
        Fut: Future<Output = octocrab::Result<T>>,
    {
        let token = self.client.token();
        let mut attempt = 0u32;
        let uncertain = |attempt: u32, why: String| -> Result<Duration, CommentError> {
            if repeatable {
                self.step
                    .wait(attempt, None, &why)
                    .map_err(CommentError::Failed)
            } else {
                Err(CommentError::Uncertain(why))
            }
        };
        loop {
            let timeout = self
                .step
                .request_timeout()
                .map_err(|why| CommentError::Failed(format!("{why} while {during}")))?;
            let wait = match tokio::time::timeout(timeout, f()).await {
                Err(_) => uncertain(
                    attempt,
                    format!("timed out after {}s while {during}", timeout.as_secs_f64()),
                )?,
                Ok(Ok(v)) => return Ok(v),
                Ok(Err(octocrab::Error::GitHub { source, .. })) => {
                    let status = source.status_code.as_u16();
                    let headers = source.headers.clone().unwrap_or_default();
                    let limited = status == 429
                        || (status == 403
                            && (headers.contains_key("retry-after")
                                || headers
                                    .get("x-ratelimit-remaining")
                                    .is_some_and(|v| v == "0")));
                    if limited {
                        let why = format!("rate limited (HTTP {status}) while {during}");
                        self.step
                            .wait(attempt, github::rate_limit_wait(&headers), &why)
                            .map_err(CommentError::Failed)?
                    } else if status >= 500 {
                        uncertain(attempt, format!("HTTP {status} while {during}"))?
                    } else if matches!(status, 401 | 403 | 404) {
                        return Err(CommentError::Forbidden { status, during });
                    } else {
                        return Err(CommentError::Failed(format!(
                            "HTTP {status} while {during}: {}",
                            http::redact(token, &source.message, MAX_MESSAGE_CHARS)
                        )));
                    }
                }
                Ok(Err(e @ (octocrab::Error::Serde { .. } | octocrab::Error::Json { .. }))) => {
                    return Err(CommentError::Failed(http::redact(
                        token,
                        &format!(
                            "unexpected answer while {during}: {}",
                            http::error_chain(&e)
                        ),
                        2 * MAX_MESSAGE_CHARS,
                    )))
                }
                Ok(Err(e)) => uncertain(
                    attempt,
                    http::redact(
                        token,
                        &format!("request failed while {during}: {}", http::error_chain(&e)),
                        2 * MAX_MESSAGE_CHARS,
                    ),
                )?,
            };
            tracing::debug!("retrying in {}ms", wait.as_millis());
            tokio::time::sleep(wait).await;
            attempt += 1;
        }
    }
}

fn output(report: &Report, summary: &str, batch: &[&Annotation]) -> CheckRunOutput {
    CheckRunOutput {
        title: report.title.clone(),
        summary: summary.to_string(),
        text: None,
        annotations: batch
            .iter()
            .map(|a| CheckRunOutputAnnotation {
                path: a.path.clone(),
                start_line: 1,
                end_line: 1,
                start_column: None,
                end_column: None,
                annotation_level: match a.level {
                    Level::Failure => CheckRunOutputAnnotationLevel::Failure,
                    Level::Warning => CheckRunOutputAnnotationLevel::Warning,
                },
                message: a.message.clone(),
                title: Some(a.title.clone()),
                raw_details: None,
            })
            .collect(),
        images: Vec::new(),
    }
}

/// The one-line title of a check run.
pub fn title(result: Option<&ComparisonResult>, accepted_by: Option<&str>) -> String {
    let Some(r) = result else {
        return "no baseline yet: nothing compared".to_string();
    };
    let c = &r.counts;
    match r.status {
        Status::Regression => match accepted_by {
            Some(label) => format!(
                "{} of {} metrics regressed, accepted by the label {label}",
                c.regressions, c.total
            ),
            None => format!("{} of {} metrics regressed", c.regressions, c.total),
        },
        Status::InsufficientData => format!("insufficient data ({} metrics)", c.total),
        Status::Pass => format!("no regression in {} metrics", c.total),
    }
}

/// The warning printed when the check run could not be written; says how to fix it.
pub fn warning_text(e: &CommentError, name: &str, fork: bool) -> String {
    match e {
        CommentError::Forbidden { status, during } if fork => format!(
            "could not write the check run '{name}' (HTTP {status} while {during}): pull requests from forks get a read-only token. \
             Use the two-workflow pattern: upload the result JSON and the PR number as an artifact, then run `flameiq comment --result result.json --pr <number>` \
             in a `workflow_run` workflow with `permissions: checks: write` (it writes the check run on the PR's head commit). The result of the comparison stands."
        ),
        CommentError::Forbidden { status, during } => format!(
            "could not write the check run '{name}' (HTTP {status} while {during}): the token cannot write check runs. \
             Add `permissions: checks: write` to the job, or set the input `check: false`. The result of the comparison stands."
        ),
        CommentError::Failed(m) | CommentError::Uncertain(m) => format!(
            "could not write the check run '{name}': {m}. The result of the comparison stands."
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::render::markdown::marker;

    #[test]
    fn names_per_environment() {
        assert_eq!(check_name(None), "FlameIQ");
        assert_eq!(check_name(Some("")), "FlameIQ");
        assert_eq!(check_name(Some("linux-arm")), "FlameIQ (linux-arm)");
    }

    #[test]
    fn the_summary_room_leaves_space_for_the_marker_line() {
        let m = marker(Some("linux-arm"));
        // render_limited stays strictly below the room; marker + newline on top.
        let worst = summary_room(&m) - 1 + m.encode_utf16().count() + 1;
        assert_eq!(worst, MAX_SUMMARY_CHARS);
    }

    #[test]
    fn batches_of_fifty() {
        let a = Annotation {
            path: "p".into(),
            level: Level::Warning,
            title: "t".into(),
            message: "m".into(),
        };
        let all = vec![a; 120];
        let mut pending: Vec<&Annotation> = all.iter().collect();
        let sizes: Vec<usize> =
            std::iter::from_fn(|| (!pending.is_empty()).then(|| take_batch(&mut pending).len()))
                .collect();
        assert_eq!(sizes, vec![50, 50, 20]);
    }

    #[test]
    fn forbidden_says_how_to_fix() {
        let e = CommentError::Forbidden {
            status: 403,
            during: "creating the check run",
        };
        assert!(warning_text(&e, "FlameIQ", false).contains("permissions: checks: write"));
        assert!(warning_text(&e, "FlameIQ", true).contains("workflow_run"));
    }
}
