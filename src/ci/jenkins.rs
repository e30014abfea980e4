//! Jenkins: how it is detected (`JENKINS_URL`) and what its variables say about the build
//! (the decisions are in the table of [`super::context`]). Jenkins names no default branch
//! and no labels; a multibranch PR/MR build names its change by `CHANGE_URL`.

use super::context::{self, var, Context, Event, Platform, PrUrl};

/// Whether this is a Jenkins build (`JENKINS_URL` set and not blank).
pub fn detect(env: &dyn Fn(&str) -> Option<String>) -> bool {
    var(env, "JENKINS_URL").is_some()
}

/// Jenkins' context. `default_branch`: the user's, else [`context::DEFAULT_BRANCH`].
pub fn read(env: &dyn Fn(&str) -> Option<String>, default_branch: Option<&str>) -> Context {
    let v = |n: &str| var(env, n);
    let default_branch = context::user_or(default_branch, None);
    // Multibranch pipelines set BRANCH_NAME; plain pipelines/freestyle with the git plugin
    // set GIT_BRANCH as `origin/main` (or `refs/heads/main`).
    let branch = v("BRANCH_NAME").or_else(|| {
        v("GIT_BRANCH").map(|b| {
            let b = b.strip_prefix("refs/heads/").unwrap_or(&b);
            b.strip_prefix("origin/").unwrap_or(b).to_string()
        })
    });
    let mut ctx = Context {
        platform: Platform::Jenkins,
        default_branch: Some(default_branch.clone()),
        commit: v("GIT_COMMIT"),
        branch,
        run_url: v("BUILD_URL"),
        ..Context::default()
    };
    if let Some(number) = v("CHANGE_ID").and_then(|id| id.parse::<u64>().ok()) {
        // Multibranch PR/MR build: BRANCH_NAME is `PR-5`/`MR-5`; CHANGE_BRANCH is the source.
        ctx.event = Event::ChangeRequest {
            number,
            target_branch: v("CHANGE_TARGET"),
        };
        ctx.branch = v("CHANGE_BRANCH").or(ctx.branch);
        match v("CHANGE_URL").as_deref().and_then(context::parse_pr_url) {
            Some(PrUrl::GitHub(pr)) => ctx.github = Some(pr),
            Some(PrUrl::GitLab(t)) => ctx.gitlab = Some(t),
            None => {}
        }
    } else if let Some(tag) = v("TAG_NAME") {
        ctx.event = Event::Tag { name: tag };
    } else if ctx.branch.as_deref() == Some(default_branch.as_str()) {
        ctx.event = Event::DefaultBranchPush;
    }
    context::finish(ctx)
}
