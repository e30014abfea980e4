//! Writing the check run ([`flameiq::ci::checks`]) from `flameiq ci` and `flameiq comment`.
//!
//! [`post_check`] renders the summary, runs the upsert under the comment's [`Policy`]
//! (`FLAMEIQ_HTTP_TIMEOUT_MS`, ... see [`super::post`]) and never fails: a missing token is
//! a debug line (the comment step already names the token), a 403 or any other failure a
//! warning with the fix, and the caller's exit code stays what it was.

use super::post::{env, notice, warn};
use super::Ctx;
use flameiq::ci::checks::{self, Conclusion, Report};
use flameiq::ci::http::Policy;
use flameiq::ci::http::Secret;
use flameiq::ci::Platform;
use flameiq::compare::result::ComparisonResult;
use flameiq::render::markdown::{self, Kind, Limit};
use flameiq::render::View;

/// Where the check run goes and what decides its verdict.
pub struct Check<'a> {
    /// Where warnings are printed.
    pub platform: Platform,
    /// The GitHub token.
    pub token: Option<Secret>,
    /// REST API base.
    pub api_url: &'a str,
    /// `owner/name`.
    pub repo: Option<&'a str>,
    /// The commit (a PR's head).
    pub sha: Option<&'a str>,
    /// A fork PR: the warning names the two-workflow pattern.
    pub fork: bool,
    /// The accept label, when it accepted the regressions.
    pub accepted_by: Option<&'a str>,
    /// `fail-on-regression`.
    pub fail: bool,
    /// The file the annotations are shown on.
    pub path: String,
}

/// Creates or updates the check run of `result` (None: no baseline yet). Returns its URL;
/// every failure is a warning and returns None.
pub fn post_check(
    ctx: &Ctx,
    c: &Check,
    result: Option<&ComparisonResult>,
    view: &View,
) -> Option<String> {
    let name = checks::check_name(ctx.global.environment.as_deref());
    let (Some(repo), Some(sha)) = (c.repo, c.sha.filter(|s| !s.is_empty())) else {
        notice(
            c.platform,
            "FlameIQ check",
            &format!("no check run '{name}': the repository or the commit is unknown"),
        );
        return None;
    };
    let Some(token) = c.token.clone() else {
        tracing::debug!("no token: no check run");
        return None;
    };
    let marker = markdown::marker(ctx.global.environment.as_deref());
    let room = Limit::Chars(checks::summary_room(&marker));
    let summary = match markdown::render_limited(view, Kind::Summary, room) {
        Ok(s) => s,
        Err(e) => {
            warn(&format!("could not render the check run's summary: {e}"));
            return None;
        }
    };
    let report = Report {
        repo: repo.to_string(),
        head_sha: sha.to_string(),
        name: name.clone(),
        marker,
        conclusion: Conclusion::of(result, c.accepted_by.is_some(), c.fail),
        title: checks::title(result, c.accepted_by),
        summary,
        annotations: result
            .map(|r| checks::annotations(r, c.accepted_by.is_some(), &c.path))
            .unwrap_or_default(),
        details_url: view.run_url.clone(),
    };
    let policy = Policy::from_env(&env);
    let written = checks::upsert_blocking(c.api_url, token, policy, &report);
    match written {
        Ok(w) => {
            ctx.say(format!(
                "Check run '{}' {} ({}): {}",
                super::esc(&name),
                if w.created { "created" } else { "updated" },
                report.conclusion.as_str(),
                super::esc(&w.url)
            ));
            Some(w.url)
        }
        Err(e) => {
            notice(
                c.platform,
                "FlameIQ check",
                &checks::warning_text(&e, &name, c.fork),
            );
            None
        }
    }
}

/// The annotations' file: the first metrics file as given (without a `PROVIDER:` prefix).
pub fn metrics_path(metrics: &[String]) -> String {
    metrics
        .first()
        .map(|m| {
            flameiq::providers::MetricsSpec::parse(m)
                .path
                .display()
                .to_string()
        })
        .unwrap_or_default()
}

/// The check run of a `flameiq ci` run on GitHub Actions (None elsewhere or with `check:
/// false`).
pub fn for_ci<'a>(
    enabled: bool,
    platform: Platform,
    ci: &'a flameiq::ci::Context,
    token: Option<Secret>,
    accepted_by: Option<&'a str>,
    fail: bool,
    metrics: &[String],
) -> Option<Check<'a>> {
    (enabled && platform == Platform::GitHub).then(|| Check {
        platform,
        token,
        api_url: &ci.api_url,
        repo: ci.repository.as_deref(),
        sha: ci.sha(),
        fork: ci.is_fork(),
        accepted_by,
        fail,
        path: metrics_path(metrics),
    })
}
