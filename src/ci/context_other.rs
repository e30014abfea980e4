//! Where `flameiq ci` runs when it is not GitHub Actions: detection and context of GitLab CI,
//! CircleCI and Jenkins, and the baseline-or-compare decision.
//!
//! Everything here is a pure function of the environment it is handed (a `&dyn Fn(&str) ->
//! Option<String>`, e.g. `&process_env` or a fixture map through [`map_env`]), so tests pass
//! env fixtures and nothing reads the process environment behind the caller's back. A variable
//! that is set but empty (GitLab sets several to `""`) counts as unset.
//!
//! # Decisions (the design says "on the default branch set the baseline; on a pull/merge
//! request compare"; the rest is written down here)
//!
//! | situation | [`Event`] | [`Mode`] |
//! |---|---|---|
//! | GitLab `merge_request_event` pipeline (`CI_MERGE_REQUEST_IID` set): detached, merged-result and merge-train pipelines alike | `ChangeRequest` | compare, MR note |
//! | GitLab branch pipeline, `CI_COMMIT_BRANCH == CI_DEFAULT_BRANCH` (push, web, schedule, api, trigger) | `DefaultBranchPush` | baseline |
//! | GitLab branch pipeline on another branch with an open MR of this project (`CI_OPEN_MERGE_REQUESTS` has `<CI_PROJECT_PATH>!<iid>`) | `ChangeRequest` | compare, note on that MR |
//! | GitLab branch pipeline on another branch, no open MR | `OtherBranch` | compare, no comment |
//! | GitLab `external_pull_request_event` (GitHub PR mirrored into GitLab CI) | `ChangeRequest` | compare, GitHub comment |
//! | tag pipeline / build (`CI_COMMIT_TAG`, `CIRCLE_TAG`, Jenkins `TAG_NAME`) | `Tag` | compare, no comment |
//! | CircleCI on the default branch | `DefaultBranchPush` | baseline |
//! | CircleCI with `CIRCLE_PULL_REQUEST` (or `CIRCLE_PR_NUMBER`, fork PRs) | `ChangeRequest` | compare, GitHub comment when the URL is a GitHub PR |
//! | Jenkins multibranch PR build (`CHANGE_ID`, `BRANCH_NAME=PR-5`) | `ChangeRequest` | compare, GitHub or GitLab comment from `CHANGE_URL` |
//! | Jenkins branch build (`BRANCH_NAME`, else `GIT_BRANCH` without `origin/`) on the default branch | `DefaultBranchPush` | baseline |
//!
//! Why compare (and never set the baseline) off the default branch: a baseline must only ever
//! come from code that is merged; a feature branch or a tag still benefits from the check, but
//! posts nothing (there is no review to post to). Compare needs a baseline: `flameiq ci` on
//! the first build before the default branch ever ran is not a failure (exit 0, the summary
//! says no baseline exists yet, nothing is posted), while a plain `flameiq compare` keeps
//! flameiq-core's "no baseline" exit 2.
//!
//! The commit recorded for a GitLab MR pipeline (issue 11, defect 2): the MR's head,
//! `CI_MERGE_REQUEST_SOURCE_BRANCH_SHA`, when GitLab sets it (merged-result and merge-train
//! pipelines), else `CI_COMMIT_SHA` (detached MR pipelines, where it is the head). In a
//! merged-result pipeline `CI_COMMIT_SHA` is the temporary merge of the source into the
//! target: it exists in no branch, so a link to it leads nowhere and a reader of "on
//! feature/x at <commit>" expects the MR's own commit. [`CiContext::commit`] keeps
//! `CI_COMMIT_SHA` (what ran) and [`CiContext::head_commit`] the MR head, which
//! `flameiq ci` records ([`crate::ci::Context::sha`]). The branch is `CI_COMMIT_BRANCH`, or
//! `CI_MERGE_REQUEST_SOURCE_BRANCH_NAME` in MR pipelines (where `CI_COMMIT_BRANCH` is unset);
//! never the checkout's `(detached head)`.
//!
//! MR labels: `CI_MERGE_REQUEST_LABELS` (comma-separated), for the accept label.
//!
//! The default branch: GitLab says it (`CI_DEFAULT_BRANCH`); CircleCI and Jenkins do not, so
//! the caller passes one (`--default-branch` or `FLAMEIQ_DEFAULT_BRANCH`, default
//! [`DEFAULT_BRANCH`]). An explicit value given by the user wins over the CI's.
//!
//! Jenkins and CircleCI building GitHub PRs: the PR URL (`CIRCLE_PULL_REQUEST`, Jenkins
//! `CHANGE_URL`) gives the repository, the number and the API (`github.com` →
//! `https://api.github.com`, any other host → GitHub Enterprise Server's `https://<host>/api/v3`).
//! A Jenkins GitLab-branch-source MR (`CHANGE_URL` ending in `/-/merge_requests/<iid>`) gives a
//! GitLab target (`https://<host>/api/v4`, the URL-encoded project path as the id).

use crate::ci::gitlab::GitLabTarget;
use std::collections::HashMap;

/// The default branch assumed where the CI does not say it and the user gave none.
pub const DEFAULT_BRANCH: &str = "main";

/// A non-GitHub CI this module understands.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CiKind {
    /// GitLab CI/CD (`GITLAB_CI`).
    GitLab,
    /// CircleCI (`CIRCLECI`).
    CircleCi,
    /// Jenkins (`JENKINS_URL`).
    Jenkins,
}

impl CiKind {
    /// Human name, for messages.
    pub fn name(self) -> &'static str {
        match self {
            CiKind::GitLab => "GitLab CI",
            CiKind::CircleCi => "CircleCI",
            CiKind::Jenkins => "Jenkins",
        }
    }
}

/// What triggered the build.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Event {
    /// A build of the default branch (push, schedule, manual run).
    DefaultBranchPush,
    /// A merge/pull-request build.
    ChangeRequest {
        /// MR iid (GitLab) or PR number (GitHub).
        number: u64,
        /// The branch it merges into, when the CI says it.
        target_branch: Option<String>,
    },
    /// A build of a tag.
    Tag {
        /// The tag name.
        name: String,
    },
    /// A build of any other branch (or of an unknown ref).
    OtherBranch,
}

/// Where a GitHub PR comment goes (CircleCI/Jenkins/GitLab building a GitHub PR).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GitHubPr {
    /// REST API base: `https://api.github.com` or `https://<ghes-host>/api/v3`.
    pub api_url: String,
    /// `owner/name`.
    pub repo: String,
    /// The PR number.
    pub number: u64,
}

/// The context of one build, read from the CI's variables.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CiContext {
    /// Which CI.
    pub ci: CiKind,
    /// What triggered the build.
    pub event: Event,
    /// The default branch (the CI's, the user's, or [`DEFAULT_BRANCH`]).
    pub default_branch: String,
    /// The commit that was built (`CI_COMMIT_SHA`, `CIRCLE_SHA1`, `GIT_COMMIT`).
    pub commit: Option<String>,
    /// GitLab merged-result/merge-train pipelines: the MR's head commit
    /// (`CI_MERGE_REQUEST_SOURCE_BRANCH_SHA`), which differs from [`CiContext::commit`].
    pub head_commit: Option<String>,
    /// The branch built (for a change request: its source branch).
    pub branch: Option<String>,
    /// Link to this job/build (`CI_JOB_URL`, `CIRCLE_BUILD_URL`, `BUILD_URL`).
    pub run_url: Option<String>,
    /// GitLab MR note target, when the build is for a GitLab MR.
    pub gitlab: Option<GitLabTarget>,
    /// GitHub PR comment target, when the build is for a GitHub PR.
    pub github: Option<GitHubPr>,
    /// The MR's labels (GitLab `CI_MERGE_REQUEST_LABELS`); empty elsewhere.
    pub labels: Vec<String>,
}

impl CiContext {
    /// `owner/name` of the GitHub repository, when the build is for a GitHub PR.
    pub fn github_repo(&self) -> Option<&str> {
        self.github.as_ref().map(|g| g.repo.as_str())
    }

    /// One line for the log, e.g. `GitLab CI: merge request !12 (feature/x → main)`.
    pub fn describe(&self) -> String {
        let what = match &self.event {
            Event::DefaultBranchPush => format!("default branch '{}'", self.default_branch),
            Event::ChangeRequest {
                number,
                target_branch,
            } => {
                let (kind, sigil) = if self.gitlab.is_some() {
                    ("merge request", "!")
                } else {
                    ("pull request", "#")
                };
                let arrow = match (&self.branch, target_branch) {
                    (Some(b), Some(t)) => format!(" ({b} → {t})"),
                    (Some(b), None) => format!(" ({b})"),
                    _ => String::new(),
                };
                format!("{kind} {sigil}{number}{arrow}")
            }
            Event::Tag { name } => format!("tag '{name}'"),
            Event::OtherBranch => match &self.branch {
                Some(b) => format!("branch '{b}'"),
                None => "an unknown ref".to_string(),
            },
        };
        format!("{}: {what}", self.ci.name())
    }
}

/// Where the comment of a comparison goes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CommentTarget {
    /// A GitLab MR note ([`crate::ci::gitlab::upsert_note`]).
    GitLab(GitLabTarget),
    /// A GitHub PR comment (the GitHub side's octocrab code).
    GitHub(GitHubPr),
}

/// What `flameiq ci` does in this build.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Mode {
    /// Store the run as the baseline (default branch).
    Baseline,
    /// Compare against the baseline; post the comment to `comment_target` when there is one.
    Compare {
        /// `None`: compare, write the report, post nothing.
        comment_target: Option<CommentTarget>,
    },
}

/// The process environment, for callers (`&process_env`); tests use [`map_env`].
pub fn process_env(name: &str) -> Option<String> {
    std::env::var(name).ok()
}

/// An environment lookup over a fixture map.
pub fn map_env(map: &HashMap<String, String>) -> impl Fn(&str) -> Option<String> + '_ {
    move |k| map.get(k).cloned()
}

/// Reads a variable, treating an empty or blank value as unset.
fn var(env: &dyn Fn(&str) -> Option<String>, name: &str) -> Option<String> {
    env(name)
        .map(|v| v.trim().to_string())
        .filter(|v| !v.is_empty())
}

/// A CI flag variable (`GITLAB_CI=true`, `CIRCLECI=true`): set, non-empty and not `false`/`0`.
fn flag(env: &dyn Fn(&str) -> Option<String>, name: &str) -> bool {
    var(env, name).is_some_and(|v| !matches!(v.to_ascii_lowercase().as_str(), "false" | "0"))
}

/// Which of GitLab CI, CircleCI or Jenkins this is (checked in that order), if any.
/// GitHub Actions (`GITHUB_ACTIONS`) is the GitHub side's and is not detected here: callers
/// check it first.
pub fn detect(env: &dyn Fn(&str) -> Option<String>) -> Option<CiKind> {
    if flag(env, "GITLAB_CI") {
        Some(CiKind::GitLab)
    } else if flag(env, "CIRCLECI") {
        Some(CiKind::CircleCi)
    } else if var(env, "JENKINS_URL").is_some() {
        Some(CiKind::Jenkins)
    } else {
        None
    }
}

/// Detects the CI and reads its context; `None` outside GitLab CI, CircleCI and Jenkins.
/// `default_branch`: the user's explicit choice (wins over the CI's), else the CI's, else `main`.
pub fn read(
    env: &dyn Fn(&str) -> Option<String>,
    default_branch: Option<&str>,
) -> Option<CiContext> {
    Some(match detect(env)? {
        CiKind::GitLab => read_gitlab(env, default_branch),
        CiKind::CircleCi => read_circleci(env, default_branch),
        CiKind::Jenkins => read_jenkins(env, default_branch),
    })
}

fn user_or(default_branch: Option<&str>, ci_says: Option<String>) -> String {
    default_branch
        .map(str::trim)
        .filter(|b| !b.is_empty())
        .map(str::to_string)
        .or(ci_says)
        .unwrap_or_else(|| DEFAULT_BRANCH.to_string())
}

/// GitLab CI's context (see the module table for the decisions).
pub fn read_gitlab(
    env: &dyn Fn(&str) -> Option<String>,
    default_branch: Option<&str>,
) -> CiContext {
    let v = |n: &str| var(env, n);
    let default_branch = user_or(default_branch, v("CI_DEFAULT_BRANCH"));
    let source = v("CI_PIPELINE_SOURCE").unwrap_or_default();
    let api_url = v("CI_API_V4_URL")
        .or_else(|| v("CI_SERVER_URL").map(|s| format!("{}/api/v4", s.trim_end_matches('/'))));
    // A fork's MR pipeline can run in the fork's project: the MR (and so the note) lives in
    // CI_MERGE_REQUEST_PROJECT_ID, the target project.
    let project_id = v("CI_MERGE_REQUEST_PROJECT_ID").or_else(|| v("CI_PROJECT_ID"));
    let web_url = v("CI_MERGE_REQUEST_PROJECT_URL").or_else(|| v("CI_PROJECT_URL"));
    let target = |iid: u64| -> Option<GitLabTarget> {
        Some(GitLabTarget {
            api_url: api_url.clone()?,
            project_id: project_id.clone()?,
            mr_iid: iid,
            project_web_url: web_url.clone(),
        })
    };
    let mut ctx = CiContext {
        ci: CiKind::GitLab,
        event: Event::OtherBranch,
        default_branch,
        commit: v("CI_COMMIT_SHA"),
        head_commit: None,
        branch: v("CI_COMMIT_BRANCH"),
        run_url: v("CI_JOB_URL").or_else(|| v("CI_PIPELINE_URL")),
        gitlab: None,
        github: None,
        labels: Vec::new(),
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
        ctx.gitlab = target(iid);
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
                api_url: "https://api.github.com".to_string(),
                repo,
                number: n,
            });
        }
    } else if let Some(tag) = v("CI_COMMIT_TAG") {
        ctx.event = Event::Tag { name: tag };
    } else if ctx.branch.as_deref() == Some(ctx.default_branch.as_str()) {
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
        ctx.gitlab = target(iid);
    }
    ctx
}

/// The iid of the first MR of `project_path` in `CI_OPEN_MERGE_REQUESTS`
/// (`group/proj!12,other/proj!3`).
fn open_mr_of(list: &str, project_path: &str) -> Option<u64> {
    list.split(',').find_map(|item| {
        let (path, iid) = item.trim().rsplit_once('!')?;
        (path == project_path).then(|| iid.parse().ok()).flatten()
    })
}

/// CircleCI's context (see the module table for the decisions).
pub fn read_circleci(
    env: &dyn Fn(&str) -> Option<String>,
    default_branch: Option<&str>,
) -> CiContext {
    let v = |n: &str| var(env, n);
    let default_branch = user_or(default_branch, None);
    let branch = v("CIRCLE_BRANCH");
    let mut ctx = CiContext {
        ci: CiKind::CircleCi,
        event: Event::OtherBranch,
        default_branch,
        commit: v("CIRCLE_SHA1"),
        head_commit: None,
        branch,
        run_url: v("CIRCLE_BUILD_URL"),
        gitlab: None,
        github: None,
        labels: Vec::new(),
    };
    // CIRCLE_PULL_REQUEST is the PR's URL; CIRCLE_PULL_REQUESTS lists several (first wins);
    // CIRCLE_PR_NUMBER is set for fork PRs only.
    let pr_url = v("CIRCLE_PULL_REQUEST").or_else(|| {
        v("CIRCLE_PULL_REQUESTS").and_then(|l| l.split(',').next().map(|s| s.trim().to_string()))
    });
    let parsed = pr_url.as_deref().and_then(parse_pr_url);
    let number = parsed
        .as_ref()
        .map(|p| match p {
            PrUrl::GitHub(g) => g.number,
            PrUrl::GitLab(t) => t.mr_iid,
        })
        .or_else(|| v("CIRCLE_PR_NUMBER").and_then(|n| n.parse().ok()));
    if let Some(tag) = v("CIRCLE_TAG") {
        ctx.event = Event::Tag { name: tag };
    } else if ctx.branch.as_deref() == Some(ctx.default_branch.as_str()) {
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
                        api_url: "https://api.github.com".to_string(),
                        repo: format!("{u}/{r}"),
                        number,
                    })
                }
                _ => None,
            },
        };
    }
    ctx
}

/// Jenkins' context (see the module table for the decisions).
pub fn read_jenkins(
    env: &dyn Fn(&str) -> Option<String>,
    default_branch: Option<&str>,
) -> CiContext {
    let v = |n: &str| var(env, n);
    let default_branch = user_or(default_branch, None);
    // Multibranch pipelines set BRANCH_NAME; plain pipelines/freestyle with the git plugin
    // set GIT_BRANCH as `origin/main` (or `refs/heads/main`).
    let branch = v("BRANCH_NAME").or_else(|| {
        v("GIT_BRANCH").map(|b| {
            let b = b.strip_prefix("refs/heads/").unwrap_or(&b);
            b.strip_prefix("origin/").unwrap_or(b).to_string()
        })
    });
    let mut ctx = CiContext {
        ci: CiKind::Jenkins,
        event: Event::OtherBranch,
        default_branch,
        commit: v("GIT_COMMIT"),
        head_commit: None,
        branch,
        run_url: v("BUILD_URL"),
        gitlab: None,
        github: None,
        labels: Vec::new(),
    };
    if let Some(number) = v("CHANGE_ID").and_then(|id| id.parse::<u64>().ok()) {
        // Multibranch PR/MR build: BRANCH_NAME is `PR-5`/`MR-5`; CHANGE_BRANCH is the source.
        ctx.event = Event::ChangeRequest {
            number,
            target_branch: v("CHANGE_TARGET"),
        };
        ctx.branch = v("CHANGE_BRANCH").or(ctx.branch);
        match v("CHANGE_URL").as_deref().and_then(parse_pr_url) {
            Some(PrUrl::GitHub(pr)) => ctx.github = Some(pr),
            Some(PrUrl::GitLab(t)) => ctx.gitlab = Some(t),
            None => {}
        }
    } else if let Some(tag) = v("TAG_NAME") {
        ctx.event = Event::Tag { name: tag };
    } else if ctx.branch.as_deref() == Some(ctx.default_branch.as_str()) {
        ctx.event = Event::DefaultBranchPush;
    }
    ctx
}

/// A PR/MR web URL, understood.
#[derive(Debug, Clone, PartialEq, Eq)]
enum PrUrl {
    GitHub(GitHubPr),
    GitLab(GitLabTarget),
}

/// `https://github.com/o/r/pull/5` → GitHub; `https://gl.example/g/p/-/merge_requests/5` →
/// GitLab; anything else (Bitbucket's `/pull-requests/5`, junk) → `None`.
fn parse_pr_url(url: &str) -> Option<PrUrl> {
    let rest = url
        .strip_prefix("https://")
        .or_else(|| url.strip_prefix("http://"))?;
    let scheme = &url[..url.len() - rest.len()];
    let (host, path) = rest.split_once('/')?;
    let path = path.split(['?', '#']).next()?.trim_end_matches('/');
    if host.is_empty() {
        return None;
    }
    if let Some((project, iid)) = path.rsplit_once("/-/merge_requests/") {
        let mr_iid = iid.parse().ok()?;
        if project.is_empty() {
            return None;
        }
        return Some(PrUrl::GitLab(GitLabTarget {
            api_url: format!("{scheme}{host}/api/v4"),
            project_id: project.to_string(),
            mr_iid,
            project_web_url: Some(format!("{scheme}{host}/{project}")),
        }));
    }
    let parts: Vec<&str> = path.split('/').collect();
    if let [owner, repo, "pull", n] = parts.as_slice() {
        let number = n.parse().ok()?;
        if owner.is_empty() || repo.is_empty() {
            return None;
        }
        let api_url = if host.eq_ignore_ascii_case("github.com") {
            "https://api.github.com".to_string()
        } else {
            format!("{scheme}{host}/api/v3")
        };
        return Some(PrUrl::GitHub(GitHubPr {
            api_url,
            repo: format!("{owner}/{repo}"),
            number,
        }));
    }
    None
}

/// Baseline on the default branch; compare everywhere else, with the comment target of a
/// change request (GitLab MR note first, else GitHub PR comment), none otherwise.
pub fn mode(ctx: &CiContext) -> Mode {
    match &ctx.event {
        Event::DefaultBranchPush => Mode::Baseline,
        Event::ChangeRequest { .. } => Mode::Compare {
            comment_target: ctx
                .gitlab
                .clone()
                .map(CommentTarget::GitLab)
                .or_else(|| ctx.github.clone().map(CommentTarget::GitHub)),
        },
        Event::Tag { .. } | Event::OtherBranch => Mode::Compare {
            comment_target: None,
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn env(pairs: &[(&str, &str)]) -> HashMap<String, String> {
        pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }

    #[test]
    fn pr_urls() {
        assert_eq!(
            parse_pr_url("https://github.com/acme/app/pull/42"),
            Some(PrUrl::GitHub(GitHubPr {
                api_url: "https://api.github.com".into(),
                repo: "acme/app".into(),
                number: 42
            }))
        );
        match parse_pr_url("https://ghe.corp/acme/app/pull/7/") {
            Some(PrUrl::GitHub(g)) => assert_eq!(g.api_url, "https://ghe.corp/api/v3"),
            other => panic!("{other:?}"),
        }
        match parse_pr_url("https://gitlab.example.com/grp/sub/proj/-/merge_requests/9") {
            Some(PrUrl::GitLab(t)) => {
                assert_eq!(t.api_url, "https://gitlab.example.com/api/v4");
                assert_eq!(t.project_id, "grp/sub/proj");
                assert_eq!(t.mr_iid, 9);
            }
            other => panic!("{other:?}"),
        }
        assert_eq!(
            parse_pr_url("https://bitbucket.org/acme/app/pull-requests/3"),
            None
        );
        assert_eq!(parse_pr_url("not a url"), None);
        assert_eq!(parse_pr_url("https://github.com/acme/app/pull/x"), None);
        assert_eq!(parse_pr_url("https:///a/b/pull/1"), None);
    }

    #[test]
    fn open_mrs_pick_this_project() {
        assert_eq!(open_mr_of("other/p!3,grp/proj!12", "grp/proj"), Some(12));
        assert_eq!(open_mr_of("other/p!3", "grp/proj"), None);
        assert_eq!(open_mr_of("", "grp/proj"), None);
    }

    #[test]
    fn empty_values_are_unset_and_flags_need_a_true_value() {
        let e = env(&[
            ("GITLAB_CI", "false"),
            ("CIRCLECI", ""),
            ("JENKINS_URL", " "),
        ]);
        assert_eq!(detect(&map_env(&e)), None);
        let e = env(&[("CIRCLECI", "true")]);
        assert_eq!(detect(&map_env(&e)), Some(CiKind::CircleCi));
    }

    #[test]
    fn user_default_branch_wins_then_ci_then_main() {
        assert_eq!(user_or(Some("trunk"), Some("main".into())), "trunk");
        assert_eq!(user_or(Some(" "), Some("develop".into())), "develop");
        assert_eq!(user_or(None, None), "main");
    }
}
