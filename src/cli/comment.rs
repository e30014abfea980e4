//! `flameiq comment --result result.json`: posts or updates the PR/MR comment from a saved
//! result document (written by `flameiq compare --output FILE` or `flameiq ci`).
//!
//! It exists for the two-workflow pattern of fork PRs on GitHub: the `pull_request`
//! workflow compares with a read-only token and uploads the result (and the PR number) as
//! an artifact; a `workflow_run` workflow with `permissions: pull-requests: write`
//! downloads it and runs this command, which never runs the fork's code. It also posts
//! from a later job on GitLab CI, CircleCI or Jenkins. The comment is the same as
//! `flameiq ci`'s ([`super::post`]): same marker (`--env`), same limits, same upsert.
//!
//! Where the comment goes, first match wins:
//!
//! 1. `--pr N` (or `FLAMEIQ_PR`): on GitLab CI (or a Jenkins GitLab MR) without `--repo`,
//!    merge request `!N` of the project; everywhere else GitHub PR `#N` of `--repo`, else
//!    `GITHUB_REPOSITORY`, else the repository the CI context names. With no repository at
//!    all that is a usage error (exit 2): the command line cannot work.
//! 2. In a GitHub `workflow_run` event, `workflow_run.pull_requests[0].number` of the
//!    payload. GitHub leaves that list empty for PRs from forks (and for runs that were no
//!    PR): then nothing is posted and the warning says to pass `--pr`.
//! 3. The detected context's comment target: a `pull_request` event, a GitLab MR pipeline,
//!    a CircleCI or Jenkins PR build.
//! 4. None of these: a warning, exit 0.
//!
//! Exit codes: 3 when the result file is missing, unreadable, not a result document, or
//! contradicts itself (a `status` that disagrees with its diffs' regressions, a diff whose
//! `is_regression` disagrees with its `status`, `exit_code` or `counts` that do not match
//! the rows: one line naming the file and the contradiction); 2 for a bad flag; otherwise 0 — posting failures (a
//! fork's read-only token, 403/404, network) are warnings with the fix, as in `flameiq ci`.
//! The comparison's own exit code is not repeated here: the workflow that compared has
//! already failed or passed on it. With `GITHUB_OUTPUT` set, `comment-url` is written
//! (empty when nothing was posted). In a `workflow_run` event the comment links the run
//! that compared (`workflow_run.html_url`), not the run that posts.
//!
//! The result document may come from an untrusted fork's artifact: it is parsed strictly
//! into [`ComparisonResult`], and everything from it is escaped by the Markdown renderer.
//!
//! Length (over 500 lines): about 180 of them are the unit tests beside the code.

use super::post::{self, env, notice, write_outputs, Post};
use super::Ctx;
use clap::builder::PossibleValuesParser;
use clap::Args;
use flameiq::ci::context::{self, GITHUB_API};
use flameiq::ci::http::Secret;
use flameiq::ci::inputs::CommentPolicy;
use flameiq::ci::{
    github_actions, gitlab_ci, CommentTarget, Context, GitHubPr, GitLabTarget, Platform,
};
use flameiq::compare::result::{ComparisonResult, DiffStatus, Status};
use flameiq::error::{Error, Result};
use flameiq::render::View;
use serde_json::Value;
use std::path::{Path, PathBuf};

#[derive(Debug, Args)]
pub struct CommentArgs {
    /// The result document written by `flameiq compare --output FILE` or `flameiq ci`.
    #[arg(long, value_name = "FILE")]
    result: PathBuf,
    /// The PR (GitHub) or MR (GitLab) number; overrides the detected one. Needed in a
    /// `workflow_run` workflow for PRs from forks.
    #[arg(long, value_name = "N", env = "FLAMEIQ_PR")]
    pr: Option<u64>,
    /// The GitHub repository (default: GITHUB_REPOSITORY).
    #[arg(long, value_name = "OWNER/NAME")]
    repo: Option<String>,
    /// When to write the comment (on-regression still updates an existing one).
    #[arg(long, default_value = "always", value_parser = PossibleValuesParser::new(["always", "on-regression", "never"]))]
    comment: String,
    /// Token for the GitHub comment (never printed). Prefer the variable: a flag is visible
    /// to other processes. GitLab reads FLAMEIQ_GITLAB_TOKEN or GITLAB_TOKEN.
    #[arg(long, value_name = "TOKEN", env = "GITHUB_TOKEN", hide_env_values = true, value_parser = super::ci::parse_secret)]
    github_token: Option<Secret>,
    /// The default branch, for CIs that do not tell it (CircleCI, Jenkins; default main).
    #[arg(long, value_name = "BRANCH", env = "FLAMEIQ_DEFAULT_BRANCH")]
    default_branch: Option<String>,
    /// Also create or update the check run `FlameIQ` / `FlameIQ (<env>)` on the PR's head
    /// commit (GitHub; needs `permissions: checks: write`).
    #[arg(long, value_name = "BOOL", default_value = "true", action = clap::ArgAction::Set, value_parser = clap::builder::BoolishValueParser::new())]
    check: bool,
    /// The commit of the check run (default: `workflow_run.head_sha` of the event, else the
    /// CI's commit, else the result's current commit).
    #[arg(long, value_name = "SHA")]
    sha: Option<String>,
}

pub fn run(ctx: &Ctx, a: CommentArgs) -> Result<i32> {
    let policy = CommentPolicy::parse(&a.comment)?;
    let result = read_result(&a.result)?;
    let platform = Platform::detect(&env);
    let ci = Context::detect(platform, &env, a.default_branch.as_deref())?;
    let workflow_run = (platform == Platform::GitHub && ci.event_name == "workflow_run")
        .then(|| github_actions::workflow_run(&env))
        .flatten();
    let run_url = workflow_run
        .as_ref()
        .and_then(|w| w["html_url"].as_str().map(str::to_string))
        .or_else(|| ci.run_url.clone());
    if policy == CommentPolicy::Never {
        ctx.say("Nothing posted (--comment never)");
        write_outputs(&[("comment-url", String::new())])?;
        return Ok(0);
    }
    let target = match resolve_target(
        a.pr,
        a.repo.as_deref(),
        platform,
        &ci,
        workflow_run.as_ref(),
        &env,
    )? {
        Ok(t) => t,
        Err(why) => {
            notice(platform, "FlameIQ comment", &why);
            write_outputs(&[("comment-url", String::new())])?;
            return Ok(0);
        }
    };
    tracing::debug!("comment target {target:?}");
    let view = View {
        result: Some(&result),
        run_url: run_url.clone(),
        environment: ctx.global.environment.clone(),
        ..View::default()
    };
    let post = Post {
        platform,
        policy,
        token: a.github_token.filter(|t| !t.expose().trim().is_empty()),
        fork: ci.is_fork(),
        run_url: run_url.as_deref(),
        token_hint: "pass --github-token or set GITHUB_TOKEN (in a workflow: `env: GITHUB_TOKEN: ${{ github.token }}` with `permissions: pull-requests: write`)",
    };
    let url = post::post_comment(ctx, &target, &post, &result, &view);
    if let (true, CommentTarget::GitHub(pr)) = (a.check, &target) {
        let sha = check_sha(a.sha, workflow_run.as_ref(), &ci, &result);
        let c = super::check::Check {
            platform,
            token: post.token.clone(),
            api_url: &pr.api_url,
            repo: Some(&pr.repo),
            sha: sha.as_deref(),
            fork: ci.is_fork(),
            accepted_by: None,
            fail: true,
            path: a.result.display().to_string(),
        };
        super::check::post_check(ctx, &c, Some(&result), &view);
    }
    write_outputs(&[("comment-url", url.unwrap_or_default())])?;
    Ok(0)
}

/// The check run's commit: `--sha`, else the PR head a `workflow_run` ran on (its
/// `GITHUB_SHA` is the default branch's), else the CI's, else the result's current commit.
fn check_sha(
    flag: Option<String>,
    workflow_run: Option<&Value>,
    ci: &Context,
    result: &ComparisonResult,
) -> Option<String> {
    flag.or_else(|| workflow_run.and_then(|w| w["head_sha"].as_str().map(str::to_string)))
        .or_else(|| {
            workflow_run
                .is_none()
                .then(|| ci.sha().map(str::to_string))
                .flatten()
        })
        .or_else(|| result.current_commit.clone())
}

/// Reads and parses the result document; every problem is exit 3 naming the file.
fn read_result(path: &Path) -> Result<ComparisonResult> {
    let err = |reason: String| Error::ResultFile {
        path: path.into(),
        reason,
    };
    let text = match std::fs::read_to_string(path) {
        Ok(t) => t,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            return Err(err(
                "no such file; write it with 'flameiq compare --output <file>' or 'flameiq ci'"
                    .into(),
            ))
        }
        Err(e) => return Err(err(e.to_string())),
    };
    let result = ComparisonResult::from_json(&text).map_err(|e| {
        err(format!(
            "not a flameiq result document ({e}); expected the JSON written by 'flameiq compare --output <file>'"
        ))
    })?;
    contradiction(&result).map_or(Ok(result), |why| {
        Err(err(format!(
            "{why}; the document was edited or is damaged: write it again with 'flameiq compare --output <file>'"
        )))
    })
}

/// Why a result document cannot be trusted: its verdict disagrees with its own rows. The
/// document may come from a fork's artifact, and the comment shows `status` as the verdict,
/// so a `"status": "pass"` over regressed rows must not become a green comment.
fn contradiction(r: &ComparisonResult) -> Option<String> {
    let regressed = r.diffs.iter().filter(|d| d.is_regression).count();
    let warned = r
        .diffs
        .iter()
        .filter(|d| d.is_warning && !d.is_regression)
        .count();
    if (r.status == Status::Regression) != (regressed > 0) {
        return Some(format!(
            "'status' is '{}' but {regressed} of its {} diffs regressed",
            r.status.as_str(),
            r.diffs.len()
        ));
    }
    let undecided = r
        .diffs
        .iter()
        .any(|d| d.status == DiffStatus::InsufficientData);
    if regressed == 0 && (r.status == Status::InsufficientData) != undecided {
        return Some(format!(
            "'status' is '{}' but {} of its diffs has insufficient data",
            r.status.as_str(),
            if undecided { "one" } else { "none" }
        ));
    }
    if let Some(d) = r
        .diffs
        .iter()
        .find(|d| d.is_regression != (d.status == DiffStatus::Regression))
    {
        return Some(format!(
            "diff '{}' has 'is_regression' {} but 'status' '{}'",
            escape_control(&d.metric_key),
            d.is_regression,
            d.status.as_str()
        ));
    }
    if r.exit_code != i32::from(regressed > 0) {
        return Some(format!(
            "'exit_code' is {} but {regressed} diffs regressed",
            r.exit_code
        ));
    }
    let c = &r.counts;
    if (c.regressions, c.warnings, c.total) != (regressed, warned, r.diffs.len()) {
        return Some(format!(
            "'counts' say {} regressions, {} warnings and {} metrics but the diffs hold {regressed}, {warned} and {}",
            c.regressions,
            c.warnings,
            c.total,
            r.diffs.len()
        ));
    }
    None
}

/// A metric name from an untrusted document, with control characters escaped, for a
/// one-line error.
fn escape_control(s: &str) -> String {
    s.chars().flat_map(char::escape_debug).collect()
}

/// Where the comment goes (see the module doc). `Ok(Err(warning))`: nowhere, say why.
/// In order: `--pr` ([`Sources::for_pr`]), a `workflow_run` payload
/// ([`Sources::of_workflow_run`]), the CI's own change request ([`Sources::of_ci`]).
fn resolve_target(
    pr: Option<u64>,
    repo: Option<&str>,
    platform: Platform,
    ci: &Context,
    workflow_run: Option<&Value>,
    get: &dyn Fn(&str) -> Option<String>,
) -> Result<std::result::Result<CommentTarget, String>> {
    if let Some(repo) = repo {
        check_repo(repo)?;
    }
    let sources = Sources {
        repo,
        platform,
        ci,
        get,
    };
    if let Some(n) = pr {
        return sources.for_pr(n).map(Ok);
    }
    if let Some(w) = workflow_run {
        return Ok(sources.of_workflow_run(w));
    }
    Ok(sources.of_ci())
}

/// What [`resolve_target`] reads a target from: `--repo`, the CI and its variables.
struct Sources<'a> {
    repo: Option<&'a str>,
    platform: Platform,
    ci: &'a Context,
    get: &'a dyn Fn(&str) -> Option<String>,
}

impl Sources<'_> {
    fn var(&self, k: &str) -> Option<String> {
        context::var(self.get, k)
    }

    /// The GitHub API: the Actions job's, else `GITHUB_API_URL`, else the API of the PR
    /// the CI builds, else github.com's.
    fn api_url(&self) -> String {
        if self.platform == Platform::GitHub && !self.ci.api_url.is_empty() {
            return self.ci.api_url.clone();
        }
        self.var("GITHUB_API_URL")
            .or_else(|| self.ci.github.as_ref().map(|g| g.api_url.clone()))
            .unwrap_or_else(|| GITHUB_API.into())
            .trim_end_matches('/')
            .to_string()
    }

    /// `--repo`, else `GITHUB_REPOSITORY`, else the CI's repository.
    fn github_repo(&self) -> Option<String> {
        self.repo
            .map(str::to_string)
            .or_else(|| self.var("GITHUB_REPOSITORY"))
            .or_else(|| self.ci.repository.clone())
    }

    fn github(&self, number: u64, repo: String) -> CommentTarget {
        CommentTarget::GitHub(GitHubPr {
            api_url: self.api_url(),
            repo,
            number,
        })
    }

    /// `--pr N`: the GitLab MR `N` on GitLab (without `--repo`), else GitHub PR `N` of the
    /// repository; without one, a usage error.
    fn for_pr(&self, n: u64) -> Result<CommentTarget> {
        if self.repo.is_none() && self.platform != Platform::GitHub {
            if let Some(t) = self.ci.gitlab.clone() {
                return Ok(CommentTarget::GitLab(GitLabTarget { mr_iid: n, ..t }));
            }
            if self.platform == Platform::GitLab {
                return gitlab_from_env(n, self.get).map(CommentTarget::GitLab);
            }
        }
        match self.github_repo() {
            Some(r) => {
                check_repo(&r)?;
                Ok(self.github(n, r))
            }
            None => Err(Error::Usage(
                "--pr needs the repository to comment on: pass --repo OWNER/NAME (or set GITHUB_REPOSITORY)"
                    .into(),
            )),
        }
    }

    /// The PR a `workflow_run` event names (none for a PR from a fork: say so).
    fn of_workflow_run(&self, w: &Value) -> std::result::Result<CommentTarget, String> {
        let number = w["pull_requests"]
            .as_array()
            .and_then(|prs| prs.first())
            .and_then(|p| p["number"].as_u64());
        match (number, self.github_repo()) {
            (Some(n), Some(r)) => Ok(self.github(n, r)),
            (Some(n), None) => Err(format!(
                "the workflow_run event names PR #{n} but not the repository: pass --repo OWNER/NAME; nothing was posted"
            )),
            (None, _) => Err(
                "the workflow_run event names no pull request (GitHub leaves `workflow_run.pull_requests` empty for pull requests from forks): \
                 pass the PR number with --pr, e.g. `--pr \"$(cat pr.txt)\"` from an artifact the `pull_request` workflow uploaded; nothing was posted"
                    .into(),
            ),
        }
    }

    /// The change request the CI builds (`--repo` re-points a GitHub one).
    fn of_ci(&self) -> std::result::Result<CommentTarget, String> {
        match self.ci.comment_target() {
            Some(CommentTarget::GitHub(pr)) => match self.repo {
                Some(r) => Ok(self.github(pr.number, r.to_string())),
                None => Ok(CommentTarget::GitHub(pr)),
            },
            Some(t) => Ok(t),
            None => Err(format!(
                "no pull or merge request to comment on{}: pass the number with --pr N (and --repo OWNER/NAME outside GitHub Actions); nothing was posted",
                if self.ci.event_name.is_empty() {
                    String::new()
                } else {
                    format!(" (event '{}')", self.ci.event_name)
                }
            )),
        }
    }
}

/// A GitLab MR target from the job's variables, for `--pr` outside an MR pipeline.
fn gitlab_from_env(iid: u64, get: &dyn Fn(&str) -> Option<String>) -> Result<GitLabTarget> {
    gitlab_ci::target(get, iid).ok_or_else(|| {
        Error::Usage(
            "--pr on GitLab CI needs CI_API_V4_URL and CI_PROJECT_ID (set by GitLab in every job)"
                .into(),
        )
    })
}

/// `OWNER/NAME`: two non-empty parts without spaces (it becomes part of an API path).
fn check_repo(repo: &str) -> Result<()> {
    let ok = repo.split_once('/').is_some_and(|(o, n)| {
        let part = |s: &str| {
            !s.is_empty()
                && s.chars()
                    .all(|c| c.is_ascii_alphanumeric() || "-_.".contains(c))
        };
        part(o) && part(n)
    });
    if ok {
        Ok(())
    } else {
        Err(Error::Usage(format!(
            "invalid repository '{repo}': expected OWNER/NAME, e.g. --repo acme/widgets"
        )))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    fn get(pairs: &[(&str, &str)]) -> impl Fn(&str) -> Option<String> {
        let m: HashMap<String, String> = pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        move |k| m.get(k).cloned()
    }

    fn gh(api: &str, repo: &str, number: u64) -> CommentTarget {
        CommentTarget::GitHub(GitHubPr {
            api_url: api.into(),
            repo: repo.into(),
            number,
        })
    }

    #[test]
    fn explicit_pr_with_repo_outside_any_ci() {
        let env = get(&[("GITHUB_API_URL", "http://127.0.0.1:9/")]);
        let t = resolve_target(
            Some(7),
            Some("o/r"),
            Platform::Unknown,
            &Context::default(),
            None,
            &env,
        )
        .unwrap();
        assert_eq!(t, Ok(gh("http://127.0.0.1:9", "o/r", 7)));
        // No repository anywhere: a usage error, not a silent no-op.
        let e = resolve_target(
            Some(7),
            None,
            Platform::Unknown,
            &Context::default(),
            None,
            &get(&[]),
        )
        .unwrap_err();
        assert_eq!(e.exit_code(), 2);
        assert!(e.to_string().contains("--repo"), "{e}");
    }

    #[test]
    fn workflow_run_uses_the_payloads_pr_unless_pr_is_given() {
        let ci = Context {
            event_name: "workflow_run".into(),
            repository: Some("acme/widgets".into()),
            api_url: "https://api.github.com".into(),
            ..Context::default()
        };
        let w = serde_json::json!({"pull_requests": [{"number": 12}]});
        let env = get(&[]);
        let t = resolve_target(None, None, Platform::GitHub, &ci, Some(&w), &env).unwrap();
        assert_eq!(t, Ok(gh("https://api.github.com", "acme/widgets", 12)));
        let t = resolve_target(Some(3), None, Platform::GitHub, &ci, Some(&w), &env).unwrap();
        assert_eq!(t, Ok(gh("https://api.github.com", "acme/widgets", 3)));
        let fork = serde_json::json!({"pull_requests": []});
        let why = resolve_target(None, None, Platform::GitHub, &ci, Some(&fork), &env)
            .unwrap()
            .unwrap_err();
        assert!(why.contains("--pr") && why.contains("fork"), "{why}");
    }

    #[test]
    fn gitlab_pr_is_a_merge_request_of_the_project() {
        let env = get(&[
            ("GITLAB_CI", "true"),
            ("CI_API_V4_URL", "https://gitlab.example.com/api/v4"),
            ("CI_PROJECT_ID", "42"),
            ("CI_PROJECT_URL", "https://gitlab.example.com/g/p"),
            ("CI_COMMIT_BRANCH", "feature"),
        ]);
        let ci = Context::detect(Platform::GitLab, &env, None).unwrap();
        let t = resolve_target(Some(5), None, Platform::GitLab, &ci, None, &env).unwrap();
        match t {
            Ok(CommentTarget::GitLab(g)) => {
                assert_eq!((g.project_id.as_str(), g.mr_iid), ("42", 5));
            }
            other => panic!("{other:?}"),
        }
        // Without --pr, a branch pipeline with no MR has nothing to comment on.
        let none = resolve_target(None, None, Platform::GitLab, &ci, None, &env).unwrap();
        assert!(none.unwrap_err().contains("--pr"));
    }

    #[test]
    fn repo_names_are_checked() {
        assert!(check_repo("acme/widgets").is_ok());
        assert!(check_repo("acme/wid.gets-2_x").is_ok());
        for bad in ["acme", "acme/", "/w", "a/b/c", "a b/c", "a/../../x?y"] {
            assert!(check_repo(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn issue19_item14_a_result_contradicting_its_rows_is_exit_3() {
        let dir = tempfile::tempdir().unwrap();
        let examples = Path::new(env!("CARGO_MANIFEST_DIR")).join("examples");
        let read = |f: &str| {
            let p = examples.join(f);
            flameiq::schema::Snapshot::from_json_str(&std::fs::read_to_string(&p).unwrap(), &p)
                .unwrap()
        };
        let result = flameiq::compare::compare(
            &flameiq::compare::baseline::Baseline::from_file(read("baseline.json")),
            &read("current.json"),
            &flameiq::compare::Settings::default(),
        )
        .unwrap();
        assert_eq!(result.status, Status::Regression);
        let good = dir.path().join("good.json");
        std::fs::write(&good, result.to_json()).unwrap();
        assert!(read_result(&good).is_ok());
        let doc: Value = serde_json::from_str(&result.to_json()).unwrap();
        type Edit = Box<dyn Fn(&mut Value)>;
        let cases: Vec<(&str, Edit)> = vec![
            (
                "'status' is 'pass'",
                Box::new(|d| d["status"] = "pass".into()),
            ),
            (
                "has 'is_regression' false",
                // The row alone contradicts itself: status, counts and exit code are made
                // to agree with the flipped flag, so only the row check can catch it.
                Box::new(|d| {
                    let diffs = d["diffs"].as_array_mut().unwrap();
                    let r = diffs
                        .iter_mut()
                        .find(|x| x["is_regression"] == true)
                        .unwrap();
                    r["is_regression"] = false.into();
                    let left = diffs.iter().filter(|x| x["is_regression"] == true).count();
                    d["counts"]["regressions"] = left.into();
                    if left == 0 {
                        d["status"] = "pass".into();
                        d["exit_code"] = 0.into();
                    }
                }),
            ),
            ("'exit_code' is 0", Box::new(|d| d["exit_code"] = 0.into())),
            (
                "'counts' say 0 regressions",
                Box::new(|d| d["counts"]["regressions"] = 0.into()),
            ),
        ];
        for (want, edit) in cases {
            let mut d = doc.clone();
            edit(&mut d);
            let p = dir.path().join("edited.json");
            std::fs::write(&p, d.to_string()).unwrap();
            let e = read_result(&p).unwrap_err();
            assert_eq!(e.exit_code(), 3);
            let msg = e.to_string();
            assert!(
                msg.contains("edited.json") && msg.contains(want),
                "{want}: {msg}"
            );
            assert!(!msg.contains('\n'), "{msg}");
        }
    }

    #[test]
    fn result_file_errors_are_exit_3_naming_the_file() {
        let dir = tempfile::tempdir().unwrap();
        let missing = dir.path().join("nope.json");
        let e = read_result(&missing).unwrap_err();
        assert_eq!(e.exit_code(), 3);
        assert!(e.to_string().contains("nope.json"), "{e}");
        let bad = dir.path().join("bad.json");
        std::fs::write(&bad, r#"{"schema_version": 1, "metrics": {}}"#).unwrap();
        let e = read_result(&bad).unwrap_err();
        assert_eq!(e.exit_code(), 3);
        assert!(!e.to_string().contains('\n'));
        assert!(e.to_string().contains("bad.json"), "{e}");
    }
}
