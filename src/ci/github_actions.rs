//! GitHub Actions: how it is detected (`GITHUB_ACTIONS=true`) and what it says about the
//! run: the `GITHUB_*` variables and the event payload at `GITHUB_EVENT_PATH` (the decisions
//! are in the table of [`super::context`]).
//!
//! A missing payload is tolerated (`act`, re-runs of odd events); an unreadable or invalid
//! one is an error naming the file.

use super::context::{self, var, Context, Event, GitHubPr, Platform};
use crate::error::{Error, Result};
use serde_json::Value;
use std::path::Path;

/// Whether this is a GitHub Actions job.
pub fn detect(get: &dyn Fn(&str) -> Option<String>) -> bool {
    get("GITHUB_ACTIONS").as_deref() == Some("true")
}

/// Reads the GitHub Actions context. `default_branch` is the user's, which wins over the
/// payload's `repository.default_branch`.
pub fn read(get: &dyn Fn(&str) -> Option<String>, default_branch: Option<&str>) -> Result<Context> {
    let v = |k: &str| var(get, k);
    let payload = match v("GITHUB_EVENT_PATH") {
        Some(p) => read_payload(Path::new(&p))?,
        None => Value::Null,
    };
    let s = |v: &Value| v.as_str().map(str::to_string);
    let pr = &payload["pull_request"];
    let event_name = v("GITHUB_EVENT_NAME").unwrap_or_default();
    let git_ref = v("GITHUB_REF").or_else(|| s(&payload["ref"]));
    let branch = v("GITHUB_HEAD_REF")
        .or_else(|| s(&pr["head"]["ref"]))
        .or_else(|| {
            if event_name.starts_with("pull_request") {
                None
            } else {
                v("GITHUB_REF_NAME").or_else(|| {
                    git_ref
                        .as_deref()
                        .and_then(|r| r.strip_prefix("refs/heads/"))
                        .map(str::to_string)
                })
            }
        });
    let repository = v("GITHUB_REPOSITORY").or_else(|| s(&payload["repository"]["full_name"]));
    let pr_number = pr["number"]
        .as_u64()
        .or_else(|| payload["number"].as_u64())
        .filter(|_| !pr.is_null());
    let labels = pr["labels"]
        .as_array()
        .map(|ls| ls.iter().filter_map(|l| s(&l["name"])).collect())
        .unwrap_or_default();
    let server = v("GITHUB_SERVER_URL").unwrap_or_else(|| "https://github.com".into());
    let run_url = match (&repository, v("GITHUB_RUN_ID")) {
        (Some(repo), Some(id)) => Some(format!(
            "{}/{repo}/actions/runs/{id}",
            server.trim_end_matches('/')
        )),
        _ => None,
    };
    let default_branch = default_branch
        .map(str::trim)
        .filter(|b| !b.is_empty())
        .map(str::to_string)
        .or_else(|| s(&payload["repository"]["default_branch"]));
    let api_url = v("GITHUB_API_URL")
        .unwrap_or_else(|| context::GITHUB_API.into())
        .trim_end_matches('/')
        .to_string();
    let merge_base = super::merge_base::github(&event_name, &payload);
    let mut ctx = Context {
        platform: Platform::GitHub,
        event: Event::OtherBranch,
        event_name,
        git_ref,
        branch,
        default_branch,
        repository,
        pr_number,
        head_repo: s(&pr["head"]["repo"]["full_name"]),
        base_repo: s(&pr["base"]["repo"]["full_name"]),
        commit: v("GITHUB_SHA"),
        head_commit: s(&pr["head"]["sha"]),
        run_url,
        api_url,
        gitlab: None,
        github: None,
        labels,
        merge_base,
    };
    ctx.event = event(&ctx, s(&pr["base"]["ref"]));
    if let (Event::ChangeRequest { number, .. }, Some(repo)) = (&ctx.event, &ctx.repository) {
        ctx.github = Some(GitHubPr {
            api_url: ctx.api_url.clone(),
            repo: repo.clone(),
            number: *number,
        });
    }
    Ok(ctx)
}

/// What the event is, in the terms every CI shares (see the table of [`super::context`]).
fn event(ctx: &Context, base_ref: Option<String>) -> Event {
    let on_default_branch = matches!((&ctx.branch, &ctx.default_branch), (Some(b), Some(d)) if b == d)
        && ctx
            .git_ref
            .as_deref()
            .is_none_or(|r| r.starts_with("refs/heads/"));
    let head_ref = ctx
        .git_ref
        .as_deref()
        .is_some_and(|r| r.starts_with("refs/heads/"));
    match ctx.event_name.as_str() {
        "push" | "schedule" | "workflow_dispatch" if on_default_branch => Event::DefaultBranchPush,
        // A `schedule` payload has no repository: scheduled runs are always on the default
        // branch's latest commit.
        "schedule" if ctx.default_branch.is_none() && head_ref => Event::DefaultBranchPush,
        "pull_request" | "pull_request_target" => match ctx.pr_number {
            Some(number) => Event::ChangeRequest {
                number,
                target_branch: base_ref,
            },
            None => Event::OtherBranch,
        },
        _ => match ctx
            .git_ref
            .as_deref()
            .and_then(|r| r.strip_prefix("refs/tags/"))
        {
            Some(tag) => Event::Tag { name: tag.into() },
            None => Event::OtherBranch,
        },
    }
}

/// The `workflow_run` object of the event payload, for `flameiq comment` in a
/// `workflow_run` workflow. The payload was already read and validated by [`read`]; a
/// missing one gives None.
pub fn workflow_run(get: &dyn Fn(&str) -> Option<String>) -> Option<Value> {
    let path = var(get, "GITHUB_EVENT_PATH")?;
    let text = std::fs::read_to_string(path).ok()?;
    let mut payload: Value = serde_json::from_str(&text).ok()?;
    Some(payload["workflow_run"].take()).filter(|w| w.is_object())
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
    serde_json::from_str(&text)
        .map_err(|e| Error::Ci(format!("invalid event payload '{}': {e}", path.display())))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ci::Plan;
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
        read(&|k| env.get(k).cloned(), None).unwrap()
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
        assert_eq!(tag.auto_plan(), Plan::Compare { comment: None });
    }

    #[test]
    fn pull_request_compares_and_detects_forks() {
        let p = fixture("pull_request.synchronize.payload.json");
        let c = ctx_with(&p, &[("GITHUB_EVENT_NAME", "pull_request")]);
        assert_eq!(c.pr_number, Some(2));
        assert!(!c.is_fork());
        assert_eq!(c.branch.as_deref(), Some("changes"));
        assert_eq!(c.sha(), Some("ec26c3e57ca3a959ca5aad62de7213c562f8c821"));
        assert_eq!(
            c.auto_plan(),
            Plan::Compare {
                comment: Some(crate::ci::CommentTarget::GitHub(GitHubPr {
                    api_url: "https://api.github.com".into(),
                    repo: "Codertocat/Hello-World".into(),
                    number: 2,
                }))
            }
        );

        let mut fork = p.clone();
        fork["pull_request"]["head"]["repo"]["full_name"] = "mallory/Hello-World".into();
        let c = ctx_with(&fork, &[("GITHUB_EVENT_NAME", "pull_request")]);
        assert!(c.is_fork());
        let mut gone = p;
        gone["pull_request"]["head"]["repo"] = Value::Null;
        assert!(ctx_with(&gone, &[("GITHUB_EVENT_NAME", "pull_request")]).is_fork());
    }

    #[test]
    fn a_schedule_on_a_branch_ref_sets_the_baseline() {
        let env: HashMap<&str, &str> = [
            ("GITHUB_EVENT_NAME", "schedule"),
            ("GITHUB_REF", "refs/heads/main"),
        ]
        .into();
        let cron = read(&|k| env.get(k).map(|v| v.to_string()), None).unwrap();
        assert_eq!(cron.auto_plan(), Plan::Baseline);
    }
}
