//! What every CI says about a run, in one shape: the [`Platform`], the [`Context`] (event,
//! commit, branch, default branch, labels, where a comment goes), the [`CommentTarget`] and
//! the [`Plan`] (set the baseline, or compare and maybe comment).
//!
//! Each CI's own reading lives beside this module: [`super::github_actions`],
//! [`super::gitlab_ci`], [`super::circleci`] and [`super::jenkins`] each say how that CI is
//! detected and turn its variables into a [`Context`]; everything after that (the plan, the
//! comment target, the facts recorded with a run) is decided here once, for all of them.
//!
//! Everything here is a pure function of the environment it is handed (a `&dyn Fn(&str) ->
//! Option<String>`, e.g. `&process_env` or a fixture map through [`map_env`]), so tests pass
//! env fixtures and nothing reads the process environment behind the caller's back. A
//! variable that is set but empty or blank (GitLab sets several to `""`, the runner passes
//! `GITHUB_HEAD_REF=` on pushes) counts as unset ([`var`], the one reader of that rule).
//!
//! # Decisions (the design says "on the default branch set the baseline; on a pull/merge
//! request compare"; the rest is written down here)
//!
//! | situation | [`Event`] | [`Plan`] in `mode: auto` |
//! |---|---|---|
//! | GitHub `push`, `schedule` or `workflow_dispatch` on the default branch (a `schedule` payload names no default branch: any `refs/heads/` ref) | `DefaultBranchPush` | baseline |
//! | GitHub `pull_request` / `pull_request_target` with a PR number | `ChangeRequest` | compare, PR comment |
//! | GitHub: anything else (another branch, `merge_group`, a tag push, ...) | `OtherBranch` / `Tag` | compare, no comment |
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
//! | no CI detected | `OtherBranch` | compare, no comment |
//!
//! Why compare (and never set the baseline) off the default branch: a baseline must only ever
//! come from code that is merged; a feature branch or a tag still benefits from the check, but
//! posts nothing (there is no review to post to). An unknown CI compares, because a gate must
//! never overwrite a baseline it is not sure about. Compare needs a baseline: `flameiq ci` on
//! the first build before the default branch ever ran is not a failure (exit 0, the summary
//! says no baseline exists yet, nothing is posted), while a plain `flameiq compare` keeps
//! flameiq-core's "no baseline" exit 2.
//!
//! The commit recorded (issue 11, defect 2) is [`Context::sha`]: the change's head
//! ([`Context::head_commit`]) when the CI names one that differs from what it built
//! ([`Context::commit`]), else what it built. GitHub: the PR head's SHA from the payload
//! (a PR checkout is the temporary merge commit), else `GITHUB_SHA`. GitLab:
//! `CI_MERGE_REQUEST_SOURCE_BRANCH_SHA` in merged-result and merge-train pipelines (where
//! `CI_COMMIT_SHA` is a merge that exists in no branch), else `CI_COMMIT_SHA`. The branch is
//! the change's source branch, never the checkout's `(detached head)`.
//!
//! The default branch: GitHub's payload (`repository.default_branch`) and GitLab
//! (`CI_DEFAULT_BRANCH`) say it; CircleCI and Jenkins do not, so the caller passes one
//! (`--default-branch` or `FLAMEIQ_DEFAULT_BRANCH`, default [`DEFAULT_BRANCH`]). An explicit
//! value given by the user wins over the CI's on every CI, so one setting means the same
//! everywhere.
//!
//! Labels (for the accept label): the payload's `pull_request.labels[].name` on GitHub,
//! `CI_MERGE_REQUEST_LABELS` (comma-separated) on GitLab MR pipelines; CircleCI and Jenkins
//! pass none.
//!
//! Length (over 500 lines): the decision table in these docs, the one `Context` every CI fills and the PR-URL parser CircleCI and Jenkins share; each CI's own reading is already its own file.

use crate::compare::baseline::MergeBase;
use crate::error::Result;
use std::collections::HashMap;

/// The default branch assumed where the CI does not say it and the user gave none.
pub const DEFAULT_BRANCH: &str = "main";

/// GitHub.com's REST API, for PRs found on github.com.
pub const GITHUB_API: &str = "https://api.github.com";

/// The CI system `flameiq` runs in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Platform {
    /// GitHub Actions (`GITHUB_ACTIONS=true`).
    GitHub,
    /// GitLab CI/CD (`GITLAB_CI`).
    GitLab,
    /// CircleCI (`CIRCLECI`).
    CircleCi,
    /// Jenkins (`JENKINS_URL`).
    Jenkins,
    /// None of the above (a laptop, or an unknown CI).
    #[default]
    Unknown,
}

impl Platform {
    /// Detects the platform from the environment: GitHub Actions, GitLab CI, CircleCI,
    /// Jenkins, checked in that order.
    pub fn detect(get: &dyn Fn(&str) -> Option<String>) -> Platform {
        if super::github_actions::detect(get) {
            Platform::GitHub
        } else if super::gitlab_ci::detect(get) {
            Platform::GitLab
        } else if super::circleci::detect(get) {
            Platform::CircleCi
        } else if super::jenkins::detect(get) {
            Platform::Jenkins
        } else {
            Platform::Unknown
        }
    }

    /// Human name, for messages.
    pub fn name(self) -> &'static str {
        match self {
            Platform::GitHub => "GitHub Actions",
            Platform::GitLab => "GitLab CI",
            Platform::CircleCi => "CircleCI",
            Platform::Jenkins => "Jenkins",
            Platform::Unknown => "no known CI",
        }
    }
}

/// What triggered the build.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
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
    #[default]
    OtherBranch,
}

/// A GitHub pull request to comment on.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GitHubPr {
    /// REST API base: `https://api.github.com` or `https://<ghes-host>/api/v3`.
    pub api_url: String,
    /// `owner/name`.
    pub repo: String,
    /// The PR number.
    pub number: u64,
}

/// One merge request of one project on one GitLab instance.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GitLabTarget {
    /// API base, e.g. `https://gitlab.com/api/v4` (`CI_API_V4_URL`).
    pub api_url: String,
    /// Numeric project id (`CI_PROJECT_ID`) or the project's path (`group/proj`, URL-encoded
    /// when a request is built).
    pub project_id: String,
    /// The MR's iid (`CI_MERGE_REQUEST_IID`), as shown in `!12`.
    pub mr_iid: u64,
    /// The project's web URL (`CI_MERGE_REQUEST_PROJECT_URL`/`CI_PROJECT_URL`), to link the
    /// note; without it the outcome's URL is the note's API URL.
    pub project_web_url: Option<String>,
}

/// Where the comment of a comparison goes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CommentTarget {
    /// A GitLab MR note ([`crate::ci::gitlab::upsert_note`]).
    GitLab(GitLabTarget),
    /// A GitHub PR comment ([`crate::ci::github::Client`]).
    GitHub(GitHubPr),
}

/// What `flameiq ci` will do in this build. (What the user *asked* for, `mode: auto |
/// compare | baseline`, is [`super::inputs::Mode`]; [`Context::plan`] turns it into this.)
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Plan {
    /// Store the metrics as the new baseline.
    Baseline,
    /// Compare against the baseline; post the comment to `comment` when there is one.
    Compare {
        /// `None`: compare, write the report, post nothing.
        comment: Option<CommentTarget>,
    },
}

/// What the run is about, as far as the CI tells: one shape for every CI.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Context {
    /// Which CI said it.
    pub platform: Platform,
    /// What triggered the build.
    pub event: Event,
    /// GitHub's `GITHUB_EVENT_NAME` (`push`, `pull_request`, ...); on the other CIs `push`,
    /// `change_request` or `tag`; empty when unknown.
    pub event_name: String,
    /// `GITHUB_REF` (`refs/heads/main`, `refs/pull/7/merge`, ...); None on the other CIs.
    pub git_ref: Option<String>,
    /// The branch the run is on (the change's source branch for a PR/MR).
    pub branch: Option<String>,
    /// The repository's default branch (the user's, else the CI's; see the module doc).
    pub default_branch: Option<String>,
    /// `owner/name` of the GitHub repository (the workflow's, or the PR's a CircleCI or
    /// Jenkins build is for).
    pub repository: Option<String>,
    /// The PR/MR number of a change request.
    pub pr_number: Option<u64>,
    /// GitHub: `owner/name` of the PR's head repository (None when it was deleted).
    pub head_repo: Option<String>,
    /// GitHub: `owner/name` of the PR's base repository.
    pub base_repo: Option<String>,
    /// The commit the CI built (`GITHUB_SHA`, `CI_COMMIT_SHA`, `CIRCLE_SHA1`, `GIT_COMMIT`).
    pub commit: Option<String>,
    /// The change's head commit when the CI names it (GitHub's `pull_request.head.sha`,
    /// GitLab's `CI_MERGE_REQUEST_SOURCE_BRANCH_SHA` when it differs from `commit`).
    pub head_commit: Option<String>,
    /// Link to this workflow run / job / build.
    pub run_url: Option<String>,
    /// GitHub's REST API base (`GITHUB_API_URL`, or the API of the PR a build is for);
    /// empty when no GitHub is involved.
    pub api_url: String,
    /// The GitLab MR note target, for a GitLab MR build.
    pub gitlab: Option<GitLabTarget>,
    /// The GitHub PR comment target, for a GitHub PR build.
    pub github: Option<GitHubPr>,
    /// The labels of the PR/MR.
    pub labels: Vec<String>,
    /// The commit the change request branches from, when the CI says it
    /// ([`super::merge_base`]).
    pub merge_base: Option<MergeBase>,
}

impl Context {
    /// Detects the CI and reads its context. `default_branch` is the user's, which wins over
    /// the CI's (see the module doc). Outside any known CI: an empty context (compare, no
    /// comment). Only GitHub's event payload can make this fail (unreadable or invalid).
    pub fn from_env(
        get: &dyn Fn(&str) -> Option<String>,
        default_branch: Option<&str>,
    ) -> Result<Context> {
        Context::detect(Platform::detect(get), get, default_branch)
    }

    /// The context for `platform` (unknown platforms get an empty one: compare, no comment).
    pub fn detect(
        platform: Platform,
        get: &dyn Fn(&str) -> Option<String>,
        default_branch: Option<&str>,
    ) -> Result<Context> {
        Ok(match platform {
            Platform::GitHub => super::github_actions::read(get, default_branch)?,
            Platform::GitLab => super::gitlab_ci::read(get, default_branch),
            Platform::CircleCi => super::circleci::read(get, default_branch),
            Platform::Jenkins => super::jenkins::read(get, default_branch),
            Platform::Unknown => Context::default(),
        })
    }

    /// The commit recorded with the run: the change's head, else what was built.
    pub fn sha(&self) -> Option<&str> {
        self.head_commit.as_deref().or(self.commit.as_deref())
    }

    /// Whether the event is a GitHub pull request.
    pub fn is_pull_request(&self) -> bool {
        matches!(
            self.event_name.as_str(),
            "pull_request" | "pull_request_target"
        )
    }

    /// A PR from another repository (or from a deleted one): its token is read-only.
    pub fn is_fork(&self) -> bool {
        self.is_pull_request()
            && match (&self.head_repo, &self.base_repo) {
                (Some(h), Some(b)) => !h.eq_ignore_ascii_case(b),
                _ => true,
            }
    }

    /// Where a comparison's comment goes: the GitLab MR note or GitHub PR of a change
    /// request (a GitLab note first). None when there is no review to comment on.
    pub fn comment_target(&self) -> Option<CommentTarget> {
        match self.event {
            Event::ChangeRequest { .. } => self
                .gitlab
                .clone()
                .map(CommentTarget::GitLab)
                .or_else(|| self.github.clone().map(CommentTarget::GitHub)),
            _ => None,
        }
    }

    /// Decides what to do for `mode: auto` (see the module doc): baseline on the default
    /// branch, compare everywhere else, with the comment target of a change request.
    pub fn auto_plan(&self) -> Plan {
        match self.event {
            Event::DefaultBranchPush => Plan::Baseline,
            _ => Plan::Compare {
                comment: self.comment_target(),
            },
        }
    }

    /// The plan for a forced or automatic mode.
    pub fn plan(&self, mode: super::inputs::Mode) -> Plan {
        use super::inputs::Mode;
        match mode {
            Mode::Baseline => Plan::Baseline,
            Mode::Compare => Plan::Compare {
                comment: self.comment_target(),
            },
            Mode::Auto => self.auto_plan(),
        }
    }

    /// Whether the PR/MR carries `label` (exact match; an empty label never matches).
    pub fn has_label(&self, label: &str) -> bool {
        let label = label.trim();
        !label.is_empty() && self.labels.iter().any(|l| l.trim() == label)
    }

    /// One line for the log, e.g. `GitLab CI: merge request !12 (feature/x → main)`.
    pub fn describe(&self) -> String {
        let what = match &self.event {
            Event::DefaultBranchPush => format!(
                "default branch '{}'",
                self.default_branch.as_deref().unwrap_or(DEFAULT_BRANCH)
            ),
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
        format!("{}: {what}", self.platform.name())
    }
}

impl Plan {
    /// Where the comment goes, for a comparison that has one.
    pub fn comment_target(&self) -> Option<&CommentTarget> {
        match self {
            Plan::Compare { comment } => comment.as_ref(),
            Plan::Baseline => None,
        }
    }
}

/// The CI's commit and branch for a run inside a CI, for `flameiq baseline set` and
/// `flameiq compare` (which have no `--default-branch`: only commit and branch are used).
/// `None` outside any CI. A GitHub payload that cannot be read is a warning here, not an
/// error: these commands do not need it, and the variables still say the commit and ref.
pub fn detect_facts(get: &dyn Fn(&str) -> Option<String>) -> Option<Context> {
    let platform = Platform::detect(get);
    if platform == Platform::Unknown {
        return None;
    }
    match Context::detect(platform, get, None) {
        Ok(c) => Some(c),
        Err(e) => {
            tracing::warn!("{e}; using the GITHUB_* variables only");
            let without_payload = |k: &str| {
                if k == "GITHUB_EVENT_PATH" {
                    None
                } else {
                    get(k)
                }
            };
            super::github_actions::read(&without_payload, None).ok()
        }
    }
}

/// Records the CI's commit and branch in `snap` (they win over the file's own; see the
/// module doc). What the CI does not say is left as the file has it.
pub fn apply_facts(snap: &mut crate::schema::Snapshot, ci: &Context) {
    if let Some(sha) = ci.sha() {
        snap.metadata.commit = Some(sha.to_string());
    }
    if let Some(branch) = &ci.branch {
        snap.metadata.branch = Some(branch.clone());
    }
}

/// The process environment, for callers (`&process_env`); tests use [`map_env`].
pub fn process_env(name: &str) -> Option<String> {
    std::env::var(name).ok()
}

/// An environment lookup over a fixture map.
pub fn map_env(map: &HashMap<String, String>) -> impl Fn(&str) -> Option<String> + '_ {
    move |k| map.get(k).cloned()
}

/// Reads a variable, trimmed, treating an empty or blank value as unset: the one reader of
/// "empty means unset" for CI variables, tokens and output paths.
pub fn var(env: &dyn Fn(&str) -> Option<String>, name: &str) -> Option<String> {
    env(name)
        .map(|v| v.trim().to_string())
        .filter(|v| !v.is_empty())
}

/// A CI flag variable (`GITLAB_CI=true`, `CIRCLECI=true`): set, non-empty and not `false`/`0`.
pub(super) fn flag(env: &dyn Fn(&str) -> Option<String>, name: &str) -> bool {
    var(env, name).is_some_and(|v| !matches!(v.to_ascii_lowercase().as_str(), "false" | "0"))
}

/// The user's default branch when given (non-blank), else the CI's, else [`DEFAULT_BRANCH`].
pub(super) fn user_or(default_branch: Option<&str>, ci_says: Option<String>) -> String {
    default_branch
        .map(str::trim)
        .filter(|b| !b.is_empty())
        .map(str::to_string)
        .or(ci_says)
        .unwrap_or_else(|| DEFAULT_BRANCH.to_string())
}

/// A PR/MR web URL, understood.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) enum PrUrl {
    GitHub(GitHubPr),
    GitLab(GitLabTarget),
}

/// `https://github.com/o/r/pull/5` → GitHub; `https://gl.example/g/p/-/merge_requests/5` →
/// GitLab; anything else (Bitbucket's `/pull-requests/5`, junk) → `None`. CircleCI and
/// Jenkins name the PR they build by such a URL: github.com → `https://api.github.com`, any
/// other host → GitHub Enterprise Server's `https://<host>/api/v3`; a GitLab MR gives
/// `https://<host>/api/v4` with the project path as the id.
pub(super) fn parse_pr_url(url: &str) -> Option<PrUrl> {
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
            GITHUB_API.to_string()
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

/// Fills what GitLab CI, CircleCI and Jenkins leave to their [`Event`] and GitHub PR:
/// `event_name` (`push`, `change_request`, `tag`), `pr_number`, and the GitHub repository
/// and API of the PR a build is for.
pub(super) fn finish(mut c: Context) -> Context {
    let (event_name, pr_number) = match &c.event {
        Event::DefaultBranchPush | Event::OtherBranch => ("push", None),
        Event::ChangeRequest { number, .. } => ("change_request", Some(*number)),
        Event::Tag { .. } => ("tag", None),
    };
    c.event_name = event_name.into();
    c.pr_number = pr_number;
    c.repository = c.github.as_ref().map(|g| g.repo.clone());
    c.api_url = c
        .github
        .as_ref()
        .map(|g| g.api_url.clone())
        .unwrap_or_default();
    c
}

/// An environment fixture for the unit tests of `ci/` (see [`map_env`]).
#[cfg(test)]
pub(crate) fn env_of(pairs: &[(&str, &str)]) -> HashMap<String, String> {
    pairs
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn env(pairs: &[(&str, &str)]) -> HashMap<String, String> {
        env_of(pairs)
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
    fn empty_values_are_unset_and_flags_need_a_true_value() {
        let e = env(&[
            ("GITLAB_CI", "false"),
            ("CIRCLECI", ""),
            ("JENKINS_URL", " "),
        ]);
        assert_eq!(Platform::detect(&map_env(&e)), Platform::Unknown);
        let e = env(&[("CIRCLECI", "true")]);
        assert_eq!(Platform::detect(&map_env(&e)), Platform::CircleCi);
    }

    #[test]
    fn user_default_branch_wins_then_ci_then_main() {
        assert_eq!(user_or(Some("trunk"), Some("main".into())), "trunk");
        assert_eq!(user_or(Some(" "), Some("develop".into())), "develop");
        assert_eq!(user_or(None, None), "main");
    }

    #[test]
    fn detection_and_forced_modes() {
        use crate::ci::inputs::Mode;
        let env: HashMap<&str, &str> = [("GITHUB_ACTIONS", "true")].into();
        assert_eq!(
            Platform::detect(&|k| env.get(k).map(|v| v.to_string())),
            Platform::GitHub
        );
        assert_eq!(Platform::detect(&|_| None), Platform::Unknown);
        let c = Context::default();
        assert_eq!(c.plan(Mode::Baseline), Plan::Baseline);
        assert_eq!(c.plan(Mode::Auto), Plan::Compare { comment: None });
    }
}
