//! GitLab CI/CD: how it is detected (`GITLAB_CI`) and what its variables say about the run
//! (the decisions are in the table of [`super::context`]).
//!
//! The MR a note goes to is read here once ([`target`]): `flameiq ci` uses it for MR
//! pipelines and `flameiq comment --pr N` for any job of the project.

use super::context::{self, var, Context, Event, GitHubPr, GitLabTarget, Platform};

/// Whether this is a GitLab CI job (`GITLAB_CI` set, and not `false`/`0`).
pub fn detect(env: &dyn Fn(&str) -> Option<String>) -> bool {
    context::flag(env, "GITLAB_CI")
}

/// MR `iid` of the job's project, from GitLab CI's variables: `CI_API_V4_URL` (else
/// `CI_SERVER_URL` + `/api/v4`), `CI_MERGE_REQUEST_PROJECT_ID` (a fork's MR pipeline runs
/// in the fork; the MR, and so the note, lives in the target project) else `CI_PROJECT_ID`,
/// and the web URL from `CI_MERGE_REQUEST_PROJECT_URL` else `CI_PROJECT_URL`. None without
/// an API URL or a project.
pub fn target(env: &dyn Fn(&str) -> Option<String>, iid: u64) -> Option<GitLabTarget> {
    let v = |n: &str| var(env, n);
    let api_url = v("CI_API_V4_URL")
        .or_else(|| v("CI_SERVER_URL").map(|s| format!("{}/api/v4", s.trim_end_matches('/'))))?;
    Some(GitLabTarget {
        api_url,
        project_id: v("CI_MERGE_REQUEST_PROJECT_ID").or_else(|| v("CI_PROJECT_ID"))?,
        mr_iid: iid,
        project_web_url: v("CI_MERGE_REQUEST_PROJECT_URL").or_else(|| v("CI_PROJECT_URL")),
    })
}

/// GitLab CI's context. `default_branch`: the user's (wins), else `CI_DEFAULT_BRANCH`.
pub fn read(env: &dyn Fn(&str) -> Option<String>, default_branch: Option<&str>) -> Context {
    let v = |n: &str| var(env, n);
    let default_branch = context::user_or(default_branch, v("CI_DEFAULT_BRANCH"));
    let source = v("CI_PIPELINE_SOURCE").unwrap_or_default();
    let mut ctx = Context {
        platform: Platform::GitLab,
        default_branch: Some(default_branch.clone()),
        commit: v("CI_COMMIT_SHA"),
        branch: v("CI_COMMIT_BRANCH"),
        run_url: v("CI_JOB_URL").or_else(|| v("CI_PIPELINE_URL")),
        merge_base: super::merge_base::gitlab(env),
        ..Context::default()
    };
    if let Some(iid) = v("CI_MERGE_REQUEST_IID").and_then(|s| s.parse::<u64>().ok()) {
        // merge_request_event: detached, merged-result or merge-train pipeline.
        ctx.event = Event::ChangeRequest {
            number: iid,
            target_branch: v("CI_MERGE_REQUEST_TARGET_BRANCH_NAME"),
        };
        ctx.branch = v("CI_MERGE_REQUEST_SOURCE_BRANCH_NAME").or(ctx.branch);
        ctx.head_commit =
            v("CI_MERGE_REQUEST_SOURCE_BRANCH_SHA").filter(|h| Some(h) != ctx.commit.as_ref());
        ctx.gitlab = target(env, iid);
        ctx.labels = v("CI_MERGE_REQUEST_LABELS")
            .map(|l| {
                l.split(',')
                    .map(str::trim)
                    .filter(|l| !l.is_empty())
                    .map(str::to_string)
                    .collect()
            })
            .unwrap_or_default();
    } else if source == "external_pull_request_event" {
        // A GitHub PR of a repository mirrored into GitLab CI/CD.
        if let Some(n) = v("CI_EXTERNAL_PULL_REQUEST_IID").and_then(|s| s.parse().ok()) {
            ctx.event = Event::ChangeRequest {
                number: n,
                target_branch: v("CI_EXTERNAL_PULL_REQUEST_TARGET_BRANCH_NAME"),
            };
            ctx.branch = v("CI_EXTERNAL_PULL_REQUEST_SOURCE_BRANCH_NAME").or(ctx.branch);
            ctx.github = v("CI_EXTERNAL_PULL_REQUEST_TARGET_REPOSITORY").map(|repo| GitHubPr {
                api_url: context::GITHUB_API.to_string(),
                repo,
                number: n,
            });
        }
    } else if let Some(tag) = v("CI_COMMIT_TAG") {
        ctx.event = Event::Tag { name: tag };
    } else if ctx.branch.as_deref() == Some(default_branch.as_str()) {
        ctx.event = Event::DefaultBranchPush;
    } else if let Some(iid) = ctx
        .branch
        .as_ref()
        .and(v("CI_PROJECT_PATH"))
        .and_then(|path| open_mr_of(&v("CI_OPEN_MERGE_REQUESTS")?, &path))
    {
        // A branch pipeline of a branch with an open MR: the note goes to that MR.
        ctx.event = Event::ChangeRequest {
            number: iid,
            target_branch: None,
        };
        ctx.gitlab = target(env, iid);
    }
    context::finish(ctx)
}

/// The iid of the first MR of `project_path` in `CI_OPEN_MERGE_REQUESTS`
/// (`group/proj!12,other/proj!3`).
fn open_mr_of(list: &str, project_path: &str) -> Option<u64> {
    list.split(',').find_map(|item| {
        let (path, iid) = item.trim().rsplit_once('!')?;
        (path == project_path).then(|| iid.parse().ok()).flatten()
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn open_mrs_pick_this_project() {
        assert_eq!(open_mr_of("other/p!3,grp/proj!12", "grp/proj"), Some(12));
        assert_eq!(open_mr_of("other/p!3", "grp/proj"), None);
        assert_eq!(open_mr_of("", "grp/proj"), None);
    }
}
