//! The sync entry point for the sticky PR/MR comment: [`upsert`] posts or updates FlameIQ's
//! comment on a [`CommentTarget`] (a GitHub PR through [`super::github::Client`], a GitLab
//! MR note through [`super::gitlab`]) on the one runtime of [`super::http::block_on`].
//! Callers (`flameiq ci`, `flameiq comment`) render the body and print the outcome; they
//! build no runtime and drive no client.
//!
//! Both clients run under one [`Policy`] read from the environment
//! ([`Policy::from_env`]): `FLAMEIQ_COMMENT_DEADLINE_MS` (the whole step, default 60 s),
//! `FLAMEIQ_HTTP_TIMEOUT_MS` (per request, default 30 s), `FLAMEIQ_HTTP_RETRY_BASE_MS`
//! (first backoff, default 1 s) and `FLAMEIQ_ALLOW_INSECURE_API=1` (allow a plain `http://`
//! API URL to a host that is not loopback). `FLAMEIQ_GITHUB_APP_LOGIN` names the bot
//! (`my-app[bot]`) whose comments are ours when the GitHub token is an installation token
//! of your own GitHub App (default [`super::github::ACTIONS_BOT`], the job's `GITHUB_TOKEN`).
//! The GitLab token comes from `FLAMEIQ_GITLAB_TOKEN`, else `GITLAB_TOKEN`
//! ([`super::gitlab::token_from_env`]).

use super::context::{var, CommentTarget};
use super::github::Client;
use super::gitlab;
use super::http::{self, CommentError, Outcome, Policy, Secret};

/// Posts `body` (carrying `marker`) on `target`, or updates our existing comment there.
/// On GitHub a new comment is created only when `create` is true (an existing one is always
/// updated); a GitLab note is always upserted. Every `Err` is a one-line warning for the
/// caller; none should change the exit code.
pub fn upsert(
    target: &CommentTarget,
    github_token: Option<Secret>,
    marker: &str,
    body: &str,
    create: bool,
    env: &dyn Fn(&str) -> Option<String>,
) -> Result<Outcome, CommentError> {
    let policy = Policy::from_env(env);
    match target {
        CommentTarget::GitHub(pr) => {
            let token = github_token
                .ok_or_else(|| CommentError::Failed("no token for the PR comment".into()))?;
            let app_login = var(env, "FLAMEIQ_GITHUB_APP_LOGIN");
            http::block_on(async {
                let mut client = Client::new(&pr.api_url, token, policy)?;
                if let Some(login) = app_login {
                    client = client.with_app_login(&login);
                }
                client
                    .upsert(&pr.repo, pr.number, marker, body, create)
                    .await
            })?
        }
        CommentTarget::GitLab(t) => {
            let token = gitlab::token_from_env(env).map_err(CommentError::Failed)?;
            http::block_on(gitlab::upsert_note_async(t, &token, marker, body, &policy))?
        }
    }
}
