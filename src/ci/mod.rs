//! `flameiq ci` and `flameiq comment`: where a run happens, what the CI says about it, and
//! the PR/MR comment.
//!
//! This is the only part of FlameIQ with network or async code. The one tokio runtime is
//! built by [`http::block_on`], called by the sync entry point [`post::upsert`] (and the
//! blocking [`gitlab::upsert_note`]), only when a comment is to be written: commands that
//! post nothing build no runtime or HTTP client.
//!
//! | module | owns |
//! |---|---|
//! | [`context`] | the one [`Platform`], [`Context`], [`CommentTarget`] and [`Plan`]; env helpers |
//! | [`github_actions`] | GitHub Actions: detection, `GITHUB_*` variables, the event payload |
//! | [`gitlab_ci`] | GitLab CI: detection, `CI_*` variables, the MR a note goes to |
//! | [`circleci`] | CircleCI: detection, `CIRCLE_*` variables |
//! | [`jenkins`] | Jenkins: detection, `BRANCH_NAME`/`CHANGE_*` variables |
//! | [`inputs`] | the Action's `INPUT_<NAME>` variables (the only reader of them) |
//! | [`checks`] | the check run per commit and environment (a required status check) |
//! | [`merge_base`] | the commit a PR/MR branches from (merge-base baselines) |
//! | [`outputs`] | `$GITHUB_OUTPUT`, `$GITHUB_STEP_SUMMARY`, workflow-command annotations |
//! | [`post`] | the sync entry point: post or update the comment on a [`CommentTarget`] |
//! | [`github`] | the GitHub REST client: the PR comment (marker look-up, upsert) |
//! | [`gitlab`] | the GitLab REST client: the MR note |
//! | [`http`] | what both clients share: [`http::Policy`] (deadline, retries, size caps), [`http::Secret`], redaction, whose comment is ours, the runtime |
//!
//! Decisions where the design is silent:
//!
//! - **What `mode: auto` does.** `push`, `schedule` and `workflow_dispatch` on the default
//!   branch (the payload's `repository.default_branch`) set the baseline; `pull_request`
//!   and `pull_request_target` compare and comment; anything else (a push to another
//!   branch, `merge_group`, a tag push, ...) compares without a comment. On GitLab CI,
//!   CircleCI and Jenkins, the table in [`context`] decides (and names the comment target:
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
//!   CI, CircleCI, Jenkins: see [`context`]. This holds for `flameiq ci` and for plain
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

pub mod checks;
pub mod circleci;
pub mod context;
pub mod github;
pub mod github_actions;
pub mod gitlab;
pub mod gitlab_ci;
pub mod http;
pub mod inputs;
pub mod jenkins;
pub mod merge_base;
pub mod outputs;
pub mod post;

pub use context::{
    apply_facts, detect_facts, CommentTarget, Context, Event, GitHubPr, GitLabTarget, Plan,
    Platform,
};
