//! Posting the sticky PR/MR comment, shared by `flameiq ci` (right after comparing) and
//! `flameiq comment` (from a saved result document).
//!
//! One function, [`post_comment`], renders the comment from a [`View`], has
//! [`flameiq::ci::post::upsert`] write or update it on the [`CommentTarget`] (a GitHub PR or
//! a GitLab MR note) and returns its URL. It never fails: a missing token, a refusal
//! (403/404, a fork's read-only token) or an unreachable server is a warning saying how to
//! fix it, and the caller's exit code stays what it was. The HTTP knobs are listed in
//! [`flameiq::ci::post`].

use super::Ctx;
use flameiq::ci::context::{self, CommentTarget, GitHubPr};
use flameiq::ci::github;
use flameiq::ci::http::{Outcome, Secret};
use flameiq::ci::inputs::CommentPolicy;
use flameiq::ci::{outputs, Platform};
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
    context::process_env(k)
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
        CommentTarget::GitLab(_) => {
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
            let outcome = flameiq::ci::post::upsert(target, None, &marker, &body, true, &env);
            match outcome {
                Ok(o) => announce(ctx, &o, "Note"),
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
    let target = CommentTarget::GitHub(pr.clone());
    let outcome = flameiq::ci::post::upsert(&target, Some(token), marker, &body, create, &env);
    match outcome {
        Ok(o) => announce(ctx, &o, "Comment"),
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

/// Says what happened to the `what` ("Comment", "Note") and returns its URL.
fn announce(ctx: &Ctx, outcome: &Outcome, what: &str) -> Option<String> {
    match outcome {
        Outcome::Created { url } => ctx.say(format!("{what} created: {}", super::esc(url))),
        Outcome::Updated { url } => ctx.say(format!("{what} updated: {}", super::esc(url))),
        // Only GitHub leaves a comment uncreated (GitLab notes are always upserted).
        Outcome::NotCreated => {
            ctx.say("No regression: no comment created (comment: on-regression)")
        }
    }
    outcome.url().map(str::to_string)
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
    if let Some(p) = context::var(&env, "GITHUB_OUTPUT") {
        outputs::write_outputs(Path::new(&p), values)?;
    }
    Ok(())
}
