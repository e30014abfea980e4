//! CircleCI: how it is detected (`CIRCLECI`) and what its variables say about the build
//! (the decisions are in the table of [`super::context`]). CircleCI names no default branch
//! and no labels; the PR comes as its URL (`CIRCLE_PULL_REQUEST`).

use super::context::{self, var, Context, Event, GitHubPr, Platform, PrUrl};

/// Whether this is a CircleCI job (`CIRCLECI` set, and not `false`/`0`).
pub fn detect(env: &dyn Fn(&str) -> Option<String>) -> bool {
    context::flag(env, "CIRCLECI")
}

/// CircleCI's context. `default_branch`: the user's, else [`context::DEFAULT_BRANCH`].
pub fn read(env: &dyn Fn(&str) -> Option<String>, default_branch: Option<&str>) -> Context {
    let v = |n: &str| var(env, n);
    let default_branch = context::user_or(default_branch, None);
    let mut ctx = Context {
        platform: Platform::CircleCi,
        default_branch: Some(default_branch.clone()),
        commit: v("CIRCLE_SHA1"),
        branch: v("CIRCLE_BRANCH"),
        run_url: v("CIRCLE_BUILD_URL"),
        ..Context::default()
    };
    // CIRCLE_PULL_REQUEST is the PR's URL; CIRCLE_PULL_REQUESTS lists several (first wins);
    // CIRCLE_PR_NUMBER is set for fork PRs only.
    let pr_url = v("CIRCLE_PULL_REQUEST").or_else(|| {
        v("CIRCLE_PULL_REQUESTS").and_then(|l| l.split(',').next().map(|s| s.trim().to_string()))
    });
    let parsed = pr_url.as_deref().and_then(context::parse_pr_url);
    let number = parsed
        .as_ref()
        .map(|p| match p {
            PrUrl::GitHub(g) => g.number,
            PrUrl::GitLab(t) => t.mr_iid,
        })
        .or_else(|| v("CIRCLE_PR_NUMBER").and_then(|n| n.parse().ok()));
    if let Some(tag) = v("CIRCLE_TAG") {
        ctx.event = Event::Tag { name: tag };
    } else if ctx.branch.as_deref() == Some(default_branch.as_str()) {
        // The default branch first: main being the head of some PR is still main's code.
        ctx.event = Event::DefaultBranchPush;
    } else if let Some(number) = number {
        ctx.event = Event::ChangeRequest {
            number,
            target_branch: None,
        };
        ctx.github = match parsed {
            Some(PrUrl::GitHub(pr)) => Some(pr),
            Some(PrUrl::GitLab(_)) => None,
            // No URL (fork PR with only CIRCLE_PR_NUMBER): the project is the upstream repo.
            None => match (v("CIRCLE_PROJECT_USERNAME"), v("CIRCLE_PROJECT_REPONAME")) {
                (Some(u), Some(r))
                    if v("CIRCLE_REPOSITORY_URL").is_none_or(|u| u.contains("github")) =>
                {
                    Some(GitHubPr {
                        api_url: context::GITHUB_API.to_string(),
                        repo: format!("{u}/{r}"),
                        number,
                    })
                }
                _ => None,
            },
        };
    }
    context::finish(ctx)
}
