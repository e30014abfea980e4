//! `flameiq ci`: where it runs, what the event asks for, and the GitHub integration.
//!
//! This is the only part of FlameIQ with network or async code; nothing here is built into
//! a run unless `flameiq ci` needs it (the tokio runtime is created inside the ci command,
//! and only when a comment is to be written).
//!
//! | module | owns |
//! |---|---|
//! | [`inputs`] | the Action's `INPUT_<NAME>` variables (the only reader of them) |
//! | [`github`] | the PR comment: marker look-up over all pages, upsert, retries, timeouts |
//! | [`outputs`] | `$GITHUB_OUTPUT`, `$GITHUB_STEP_SUMMARY`, workflow-command annotations |
//! | [`context_other`] | GitLab CI, CircleCI and Jenkins: detection, context, baseline-or-compare |
//! | [`gitlab`] | the GitLab MR note |
//! | [`http`] | what both share: deadline, retries, size caps, redaction, whose comment is ours |
//!
//! Decisions where the design is silent:
//!
//! - **What `mode: auto` does.** `push`, `schedule` and `workflow_dispatch` on the default
//!   branch (the payload's `repository.default_branch`) set the baseline; `pull_request`
//!   and `pull_request_target` compare and comment; anything else (a push to another
//!   branch, `merge_group`, a tag push, ...) compares without a comment. On GitLab CI,
//!   CircleCI and Jenkins, [`context_other::mode`] decides (and names the comment target:
//!   a GitLab MR note or a GitHub PR comment); an unknown CI compares, because a gate must
//!   never overwrite a baseline it is not sure about.
//! - **No baseline yet on a pull request** (the first PR before any default-branch run is
//!   common): not a failure. The summary says so, the report shows the current values,
//!   `status` is `no-baseline`, no comment is written, and the exit code is 0 — on every CI.
//!   `flameiq compare` keeps flameiq-core's exit 2 for this case.
//! - **Under a CI, the CI's facts win** (issue 11, defect 2): the commit and branch stored
//!   with a run are what the CI says ([`Context::sha`], [`Context::branch`]), not what the
//!   metrics file says (pytest-benchmark's `commit_info` reads `(detached head)` on GitLab
//!   and Jenkins checkouts, and a GitHub PR checkout is the temporary merge commit). GitHub:
//!   the PR head's SHA from the payload (`pull_request.head.sha`), else `GITHUB_SHA`; the
//!   branch `GITHUB_HEAD_REF`, else the payload's head ref, else `GITHUB_REF_NAME`. GitLab
//!   CI, CircleCI, Jenkins: see [`context_other`]. This holds for `flameiq ci` and for plain
//!   `flameiq baseline set` / `flameiq compare` run inside a CI ([`apply_facts`]); outside
//!   any CI the file's own values are kept. What the CI does not say, the file still fills.
//! - **The default branch** the user names (`--default-branch`, `FLAMEIQ_DEFAULT_BRANCH`)
//!   wins over the CI's (GitHub's payload, GitLab's `CI_DEFAULT_BRANCH`) on every CI, so one
//!   setting means the same everywhere; CircleCI and Jenkins say none, so there it is the
//!   only source (default `main`).
//! - **Accepting a known regression** (`accept-label`, default `flameiq:accept`): when the
//!   PR/MR carries that label, regressions are accepted: the exit code is 0 and the summary
//!   and comment say the regressions were accepted by the label. Labels come from the
//!   payload's `pull_request.labels[].name` on GitHub (the workflow must also run on the
//!   `labeled`/`unlabeled` activity types to react to the label) and from
//!   `CI_MERGE_REQUEST_LABELS` (comma-separated) on GitLab MR pipelines; CircleCI and Jenkins
//!   do not pass labels, so the label has no effect there.

pub mod context_other;
pub mod github;
pub mod gitlab;
pub mod http;
pub mod inputs;
pub mod merge_base;
pub mod outputs;

use crate::error::{Error, Result};
use serde_json::Value;
use std::path::{Path, PathBuf};

/// The CI system `flameiq ci` runs in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Platform {
    /// `GITHUB_ACTIONS=true`.
    GitHub,
    /// `GITLAB_CI`.
    GitLab,
    /// `CIRCLECI`.
    CircleCi,
    /// `JENKINS_URL`.
    Jenkins,
    /// None of the above (a laptop, or an unknown CI).
    Unknown,
}

impl Platform {
    /// Detects the platform from the environment.
    pub fn detect(get: &dyn Fn(&str) -> Option<String>) -> Platform {
        if get("GITHUB_ACTIONS").as_deref() == Some("true") {
            return Platform::GitHub;
        }
        match context_other::detect(get) {
            Some(context_other::CiKind::GitLab) => Platform::GitLab,
            Some(context_other::CiKind::CircleCi) => Platform::CircleCi,
            Some(context_other::CiKind::Jenkins) => Platform::Jenkins,
            None => Platform::Unknown,
        }
    }
}

/// What the run is about: the event and the repository, as far as the platform tells.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Context {
    /// `GITHUB_EVENT_NAME` (`push`, `pull_request`, ...); empty when unknown.
    pub event_name: String,
    /// `GITHUB_REF` (`refs/heads/main`, `refs/pull/7/merge`, ...).
    pub git_ref: Option<String>,
    /// The branch the run is on (the PR's head branch for pull requests).
    pub branch: Option<String>,
    /// The repository's default branch, from the payload.
    pub default_branch: Option<String>,
    /// `owner/name` of the repository the workflow runs in.
    pub repository: Option<String>,
    /// The PR number, for pull-request events.
    pub pr_number: Option<u64>,
    /// `owner/name` of the PR's head repository (None when it was deleted).
    pub head_repo: Option<String>,
    /// `owner/name` of the PR's base repository.
    pub base_repo: Option<String>,
    /// The commit measured: the PR head's SHA (not the merge commit), else `GITHUB_SHA`.
    pub sha: Option<String>,
    /// Link to this workflow run.
    pub run_url: Option<String>,
    /// The REST API base (`GITHUB_API_URL`, default `https://api.github.com`).
    pub api_url: String,
    /// The context of GitLab CI, CircleCI or Jenkins ([`context_other`]), which then decides
    /// the plan and the comment target.
    pub other: Option<context_other::CiContext>,
    /// The labels of the PR/MR (GitHub payload, GitLab `CI_MERGE_REQUEST_LABELS`).
    pub labels: Vec<String>,
}

/// What `flameiq ci` will do.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Plan {
    /// Store the metrics as the new baseline.
    Baseline,
    /// Compare; `comment` says whether a PR comment may be written.
    Compare {
        /// Whether the event has a PR to comment on.
        comment: bool,
    },
}

impl Context {
    /// Whether the event is a pull request.
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

    /// Whether the run is on the default branch (needs both the branch and the default).
    pub fn on_default_branch(&self) -> bool {
        matches!((&self.branch, &self.default_branch), (Some(b), Some(d)) if b == d)
            && self
                .git_ref
                .as_deref()
                .is_none_or(|r| r.starts_with("refs/heads/"))
    }

    /// Where a comparison's comment goes: the GitHub PR of a `pull_request` event, or what
    /// [`context_other::mode`] says for the other CIs (a GitLab MR note, a GitHub PR built by
    /// CircleCI or Jenkins). None when there is no review to comment on.
    pub fn comment_target(&self) -> Option<context_other::CommentTarget> {
        if let Some(o) = &self.other {
            return match context_other::mode(o) {
                context_other::Mode::Compare { comment_target } => comment_target,
                context_other::Mode::Baseline => None,
            };
        }
        match (&self.repository, self.pr_number) {
            (Some(repo), Some(number)) if self.is_pull_request() => Some(
                context_other::CommentTarget::GitHub(context_other::GitHubPr {
                    api_url: self.api_url.clone(),
                    repo: repo.clone(),
                    number,
                }),
            ),
            _ => None,
        }
    }

    /// Decides what to do for `mode: auto` (see the module doc).
    pub fn auto_plan(&self) -> Plan {
        if let Some(o) = &self.other {
            return match context_other::mode(o) {
                context_other::Mode::Baseline => Plan::Baseline,
                context_other::Mode::Compare { comment_target } => Plan::Compare {
                    comment: comment_target.is_some(),
                },
            };
        }
        match self.event_name.as_str() {
            "push" | "schedule" | "workflow_dispatch" if self.on_default_branch() => Plan::Baseline,
            // A `schedule` payload has no repository: scheduled runs are always on the
            // default branch's latest commit.
            "schedule"
                if self.default_branch.is_none()
                    && self
                        .git_ref
                        .as_deref()
                        .is_some_and(|r| r.starts_with("refs/heads/")) =>
            {
                Plan::Baseline
            }
            "pull_request" | "pull_request_target" => Plan::Compare {
                comment: self.pr_number.is_some(),
            },
            _ => Plan::Compare { comment: false },
        }
    }

    /// The plan for a forced or automatic mode.
    pub fn plan(&self, mode: inputs::Mode) -> Plan {
        match mode {
            inputs::Mode::Baseline => Plan::Baseline,
            inputs::Mode::Compare => Plan::Compare {
                comment: self.comment_target().is_some(),
            },
            inputs::Mode::Auto => self.auto_plan(),
        }
    }

    /// Reads the GitHub Actions context: `GITHUB_*` variables and the event payload at
    /// `GITHUB_EVENT_PATH`. A missing payload is tolerated (`act`, re-runs of odd events);
    /// an unreadable or invalid one is an error naming the file.
    pub fn github(get: &dyn Fn(&str) -> Option<String>) -> Result<Context> {
        let var = |k: &str| get(k).filter(|v| !v.is_empty());
        let payload = match var("GITHUB_EVENT_PATH") {
            Some(p) => read_payload(Path::new(&p))?,
            None => Value::Null,
        };
        let s = |v: &Value| v.as_str().map(str::to_string);
        let pr = &payload["pull_request"];
        let event_name = var("GITHUB_EVENT_NAME").unwrap_or_default();
        let git_ref = var("GITHUB_REF").or_else(|| s(&payload["ref"]));
        let branch = var("GITHUB_HEAD_REF")
            .or_else(|| s(&pr["head"]["ref"]))
            .or_else(|| {
                if event_name.starts_with("pull_request") {
                    None
                } else {
                    var("GITHUB_REF_NAME").or_else(|| {
                        git_ref
                            .as_deref()
                            .and_then(|r| r.strip_prefix("refs/heads/"))
                            .map(str::to_string)
                    })
                }
            });
        let repository =
            var("GITHUB_REPOSITORY").or_else(|| s(&payload["repository"]["full_name"]));
        let pr_number = pr["number"]
            .as_u64()
            .or_else(|| payload["number"].as_u64())
            .filter(|_| !pr.is_null());
        let labels = pr["labels"]
            .as_array()
            .map(|ls| ls.iter().filter_map(|l| s(&l["name"])).collect())
            .unwrap_or_default();
        let server = var("GITHUB_SERVER_URL").unwrap_or_else(|| "https://github.com".into());
        let run_url = match (&repository, var("GITHUB_RUN_ID")) {
            (Some(repo), Some(id)) => Some(format!(
                "{}/{repo}/actions/runs/{id}",
                server.trim_end_matches('/')
            )),
            _ => None,
        };
        Ok(Context {
            event_name,
            git_ref,
            branch,
            default_branch: s(&payload["repository"]["default_branch"]),
            repository,
            pr_number,
            head_repo: s(&pr["head"]["repo"]["full_name"]),
            base_repo: s(&pr["base"]["repo"]["full_name"]),
            sha: s(&pr["head"]["sha"]).or_else(|| var("GITHUB_SHA")),
            run_url,
            api_url: var("GITHUB_API_URL")
                .unwrap_or_else(|| "https://api.github.com".into())
                .trim_end_matches('/')
                .to_string(),
            other: None,
            labels,
        })
    }

    /// The context of GitLab CI, CircleCI or Jenkins, from [`context_other`].
    pub fn from_other(o: &context_other::CiContext) -> Context {
        use context_other::Event;
        let (event_name, pr_number) = match &o.event {
            Event::DefaultBranchPush => ("push", None),
            Event::ChangeRequest { number, .. } => ("change_request", Some(*number)),
            Event::Tag { .. } => ("tag", None),
            Event::OtherBranch => ("push", None),
        };
        Context {
            event_name: event_name.into(),
            git_ref: None,
            branch: o.branch.clone(),
            default_branch: Some(o.default_branch.clone()),
            repository: o.github_repo().map(str::to_string),
            pr_number,
            head_repo: None,
            base_repo: None,
            sha: o.head_commit.clone().or_else(|| o.commit.clone()),
            run_url: o.run_url.clone(),
            api_url: o
                .github
                .as_ref()
                .map(|g| g.api_url.clone())
                .unwrap_or_default(),
            other: Some(o.clone()),
            labels: o.labels.clone(),
        }
    }

    /// The context for `platform` (unknown platforms get an empty one: compare, no comment).
    /// `default_branch` is the user's, for CIs that do not say it (see [`context_other`]).
    pub fn detect(
        platform: Platform,
        get: &dyn Fn(&str) -> Option<String>,
        default_branch: Option<&str>,
    ) -> Result<Context> {
        match platform {
            Platform::GitHub => {
                let mut c = Context::github(get)?;
                if let Some(b) = default_branch.map(str::trim).filter(|b| !b.is_empty()) {
                    c.default_branch = Some(b.to_string());
                }
                Ok(c)
            }
            _ => Ok(context_other::read(get, default_branch)
                .map(|o| Context::from_other(&o))
                .unwrap_or_default()),
        }
    }

    /// Whether the PR/MR carries `label` (exact match; an empty label never matches).
    pub fn has_label(&self, label: &str) -> bool {
        let label = label.trim();
        !label.is_empty() && self.labels.iter().any(|l| l.trim() == label)
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
            Context::github(&without_payload).ok()
        }
    }
}

/// Records the CI's commit and branch in `snap` (they win over the file's own; see the
/// module doc). What the CI does not say is left as the file has it.
pub fn apply_facts(snap: &mut crate::schema::Snapshot, ci: &Context) {
    if let Some(sha) = &ci.sha {
        snap.metadata.commit = Some(sha.clone());
    }
    if let Some(branch) = &ci.branch {
        snap.metadata.branch = Some(branch.clone());
    }
}

fn read_payload(path: &Path) -> Result<Value> {
    let text = match std::fs::read_to_string(path) {
        Ok(t) => t,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            tracing::warn!(
                "event payload '{}' not found; continuing without it",
                path.display()
            );
            return Ok(Value::Null);
        }
        Err(e) => {
            return Err(Error::Ci(format!(
                "cannot read event payload '{}': {e}",
                path.display()
            )))
        }
    };
    serde_json::from_str(&text).map_err(|e| {
        Error::Ci(format!(
            "invalid event payload '{}': {e}",
            PathBuf::from(path).display()
        ))
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    fn ctx_with(payload: &Value, vars: &[(&str, &str)]) -> Context {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("event.json");
        std::fs::write(&p, payload.to_string()).unwrap();
        let mut env: HashMap<String, String> = vars
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        env.insert("GITHUB_EVENT_PATH".into(), p.display().to_string());
        Context::github(&|k| env.get(k).cloned()).unwrap()
    }

    fn fixture(name: &str) -> Value {
        let p = Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("tests/fixtures/github-events")
            .join(name);
        serde_json::from_str(&std::fs::read_to_string(p).unwrap()).unwrap()
    }

    #[test]
    fn push_to_the_default_branch_sets_the_baseline() {
        let mut p = fixture("push.payload.json");
        p["ref"] = "refs/heads/master".into();
        let c = ctx_with(
            &p,
            &[
                ("GITHUB_EVENT_NAME", "push"),
                ("GITHUB_REF", "refs/heads/master"),
                ("GITHUB_REPOSITORY", "Codertocat/Hello-World"),
                ("GITHUB_RUN_ID", "42"),
                ("GITHUB_SERVER_URL", "https://github.com"),
            ],
        );
        assert_eq!(c.default_branch.as_deref(), Some("master"));
        assert_eq!(c.auto_plan(), Plan::Baseline);
        assert_eq!(
            c.run_url.as_deref(),
            Some("https://github.com/Codertocat/Hello-World/actions/runs/42")
        );
        // The fixture's own ref is a tag: never a baseline in auto mode.
        let tag = ctx_with(
            &fixture("push.payload.json"),
            &[("GITHUB_EVENT_NAME", "push")],
        );
        assert_eq!(tag.auto_plan(), Plan::Compare { comment: false });
    }

    #[test]
    fn pull_request_compares_and_detects_forks() {
        let p = fixture("pull_request.synchronize.payload.json");
        let c = ctx_with(&p, &[("GITHUB_EVENT_NAME", "pull_request")]);
        assert_eq!(c.pr_number, Some(2));
        assert!(!c.is_fork());
        assert_eq!(c.branch.as_deref(), Some("changes"));
        assert_eq!(
            c.sha.as_deref(),
            Some("ec26c3e57ca3a959ca5aad62de7213c562f8c821")
        );
        assert_eq!(c.auto_plan(), Plan::Compare { comment: true });

        let mut fork = p.clone();
        fork["pull_request"]["head"]["repo"]["full_name"] = "mallory/Hello-World".into();
        let c = ctx_with(&fork, &[("GITHUB_EVENT_NAME", "pull_request")]);
        assert!(c.is_fork());
        let mut gone = p;
        gone["pull_request"]["head"]["repo"] = Value::Null;
        assert!(ctx_with(&gone, &[("GITHUB_EVENT_NAME", "pull_request")]).is_fork());
    }

    #[test]
    fn detection_and_forced_modes() {
        let env: HashMap<&str, &str> = [("GITHUB_ACTIONS", "true")].into();
        assert_eq!(
            Platform::detect(&|k| env.get(k).map(|v| v.to_string())),
            Platform::GitHub
        );
        assert_eq!(Platform::detect(&|_| None), Platform::Unknown);
        let c = Context::default();
        assert_eq!(c.plan(inputs::Mode::Baseline), Plan::Baseline);
        let cron = Context {
            event_name: "schedule".into(),
            git_ref: Some("refs/heads/main".into()),
            ..Context::default()
        };
        assert_eq!(cron.auto_plan(), Plan::Baseline);
        assert_eq!(c.plan(inputs::Mode::Auto), Plan::Compare { comment: false });
    }
}
