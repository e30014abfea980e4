//! Posting the sticky PR/MR comment, shared by `flameiq ci` (right after comparing) and
//! `flameiq comment` (from a saved result document).
//!
//! One function, [`post_comment`], renders the comment from a [`View`], writes or updates
//! it on the [`CommentTarget`] (a GitHub PR through [`flameiq::ci::github`], a GitLab MR
//! note through [`flameiq::ci::gitlab`]) and returns its URL. It never fails: a missing
//! token, a refusal (403/404, a fork's read-only token) or an unreachable server is a
//! warning saying how to fix it, and the caller's exit code stays what it was.
//!
//! Both clients run under one [`Policy`] read from the environment
//! ([`Policy::from_env`]): `FLAMEIQ_COMMENT_DEADLINE_MS` (the whole step, default 60 s),
//! `FLAMEIQ_HTTP_TIMEOUT_MS` (per request, default 30 s), `FLAMEIQ_HTTP_RETRY_BASE_MS`
//! (first backoff, default 1 s) and `FLAMEIQ_ALLOW_INSECURE_API=1` (allow a plain `http://`
//! API URL to a host that is not loopback). `FLAMEIQ_GITHUB_APP_LOGIN` names the bot
//! (`my-app[bot]`) whose comments are ours when the GitHub token is an installation token
//! of your own GitHub App (default `github-actions[bot]`, the job's `GITHUB_TOKEN`).

use super::Ctx;
use flameiq::ci::context_other::{CommentTarget, GitHubPr};
use flameiq::ci::github::{self, Client};
use flameiq::ci::http::{self, CommentError, Outcome, Policy};
use flameiq::ci::inputs::{CommentPolicy, Secret};
use flameiq::ci::{gitlab, outputs, Platform};
use flameiq::compare::result::{ComparisonResult, Status};
use flameiq::error::Result;
use flameiq::render::markdown::{self, Kind, Markdown, GITLAB_NOTE_LIMIT};
use flameiq::render::{Render, View};
use std::path::Path;

/// How to post, besides the target and the content.
pub struct Post<'a> {
    /// Where the run is (decides how warnings are printed).
    pub platform: Platform,
    /// `always`, `on-regression` or `never`.
    pub policy: CommentPolicy,
    /// The GitHub token (GitLab tokens come from the environment).
    pub token: Option<Secret>,
    /// Whether the PR comes from a fork (its token is read-only; the warning says so).
    pub fork: bool,
    /// Link to the CI run, for the truncation note.
    pub run_url: Option<&'a str>,
    /// Where the token can be given, for the "no token" notice.
    pub token_hint: &'a str,
}

/// Reads a process variable.
pub fn env(k: &str) -> Option<String> {
    std::env::var(k).ok()
}

/// Writes or updates the comment of `view` (its `result`) on `target`, with the marker of
/// the store environment (`--env`). Every failure is a warning and returns None; success
/// prints and returns the comment's URL.
pub fn post_comment(
    ctx: &Ctx,
    target: &CommentTarget,
    post: &Post,
    result: &ComparisonResult,
    view: &View,
) -> Option<String> {
    if post.policy == CommentPolicy::Never {
        return None;
    }
    let regressed = result.status == Status::Regression;
    let marker = markdown::marker(ctx.global.environment.as_deref());
    match target {
        CommentTarget::GitHub(pr) => {
            let create = post.policy == CommentPolicy::Always || regressed;
            github_comment(ctx, post, pr, &marker, create, view)
        }
        CommentTarget::GitLab(target) => {
            // The note API upserts: with `on-regression` and nothing regressed, leave it.
            if post.policy == CommentPolicy::OnRegression && !regressed {
                return None;
            }
            let body = match markdown::render_limited(view, Kind::Comment, GITLAB_NOTE_LIMIT) {
                Ok(b) => b,
                Err(e) => {
                    warn(&format!("could not render the merge-request note: {e}"));
                    return None;
                }
            };
            match gitlab::post_note_from_env(target, &env, &marker, &body) {
                Ok(o) => {
                    match &o {
                        Outcome::Created { url } => {
                            ctx.say(format!("Note created: {}", super::esc(url)))
                        }
                        Outcome::Updated { url } => {
                            ctx.say(format!("Note updated: {}", super::esc(url)))
                        }
                        Outcome::NotCreated => {}
                    }
                    o.url().map(str::to_string)
                }
                Err(e) => {
                    notice(post.platform, "FlameIQ note", &e.to_string());
                    None
                }
            }
        }
    }
}

/// Writes or updates the GitHub PR comment; every failure is a warning and returns None.
fn github_comment(
    ctx: &Ctx,
    post: &Post,
    pr: &GitHubPr,
    marker: &str,
    create: bool,
    view: &View,
) -> Option<String> {
    let Some(token) = post.token.clone() else {
        notice(
            post.platform,
            "FlameIQ comment",
            &format!("no token for the PR comment: {}", post.token_hint),
        );
        return None;
    };
    let rendered = Markdown {
        kind: Kind::Comment,
    }
    .render(view);
    let body = match rendered {
        Ok(b) => github::fit_body(&github::with_marker_first(&b, marker), marker, post.run_url),
        Err(e) => {
            warn(&format!("could not render the comment: {e}"));
            return None;
        }
    };
    let policy = Policy::from_env(&env);
    let rt = match http::runtime() {
        Ok(rt) => rt,
        Err(e) => {
            warn(&e);
            return None;
        }
    };
    let outcome: std::result::Result<Outcome, CommentError> = rt.block_on(async {
        let mut client = Client::new(&pr.api_url, token, policy)?;
        if let Some(login) = env("FLAMEIQ_GITHUB_APP_LOGIN").filter(|l| !l.trim().is_empty()) {
            client = client.with_app_login(login.trim());
        }
        client
            .upsert(&pr.repo, pr.number, marker, &body, create)
            .await
    });
    match outcome {
        Ok(o) => {
            match &o {
                Outcome::Created { url } => {
                    ctx.say(format!("Comment created: {}", super::esc(url)))
                }
                Outcome::Updated { url } => {
                    ctx.say(format!("Comment updated: {}", super::esc(url)))
                }
                Outcome::NotCreated => {
                    ctx.say("No regression: no comment created (comment: on-regression)")
                }
            }
            o.url().map(str::to_string)
        }
        Err(e) => {
            notice(
                post.platform,
                "FlameIQ comment",
                &github::warning_text(&e, pr.number, post.fork),
            );
            None
        }
    }
}

/// A warning on stderr.
pub fn warn(msg: &str) {
    tracing::warn!("{msg}");
}

/// A warning that shows in the GitHub UI (a `::warning` command) and on stderr elsewhere.
pub fn notice(platform: Platform, title: &str, msg: &str) {
    if platform == Platform::GitHub {
        println!(
            "::warning title={}::{}",
            outputs::escape_property(title),
            outputs::escape_data(msg)
        );
    } else {
        warn(msg);
    }
}

/// Appends step outputs to `$GITHUB_OUTPUT` when it is set.
pub fn write_outputs(values: &[(&str, String)]) -> Result<()> {
    if let Some(p) = env("GITHUB_OUTPUT").filter(|p| !p.is_empty()) {
        outputs::write_outputs(Path::new(&p), values)?;
    }
    Ok(())
}
