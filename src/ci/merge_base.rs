//! The commit a pull/merge request branches from, for merge-base baselines (issue 13):
//! `pull_request.base.sha` of the GitHub event payload (`pull_request` and
//! `pull_request_target` events), `CI_MERGE_REQUEST_DIFF_BASE_SHA` on GitLab merge-request
//! pipelines. Other CIs do not say it. `flameiq ci` then compares against the stored run
//! of that commit when the history has one ([`crate::compare::baseline::select_for_change`]).
//!
//! It is read once, with the rest of the run's context, into
//! [`super::context::Context::merge_base`]: the payload is not opened a second time.

use super::context::var;
use crate::compare::baseline::MergeBase;
use serde_json::Value;

/// A SHA as the CIs write it (7 to 64 hex digits); anything else is not used.
fn sha(s: &str) -> Option<String> {
    (s.len() >= 7 && s.len() <= 64 && s.chars().all(|c| c.is_ascii_hexdigit()))
        .then(|| s.to_string())
}

/// GitHub: `pull_request.base.sha` of the event payload already read by
/// [`super::github_actions::read`] (for `pull_request*` events only).
pub(super) fn github(event_name: &str, payload: &Value) -> Option<MergeBase> {
    if !event_name.starts_with("pull_request") {
        return None;
    }
    Some(MergeBase {
        commit: sha(payload["pull_request"]["base"]["sha"].as_str()?)?,
        source: "pull_request.base.sha",
    })
}

/// GitLab: `CI_MERGE_REQUEST_DIFF_BASE_SHA` of a merge-request pipeline.
pub(super) fn gitlab(get: &dyn Fn(&str) -> Option<String>) -> Option<MergeBase> {
    var(get, "CI_MERGE_REQUEST_IID")?;
    Some(MergeBase {
        commit: sha(&var(get, "CI_MERGE_REQUEST_DIFF_BASE_SHA")?)?,
        source: "CI_MERGE_REQUEST_DIFF_BASE_SHA",
    })
}

#[cfg(test)]
mod tests {
    use super::super::context::{Context, Platform};
    use super::*;
    use std::path::Path;

    fn base_commit(platform: Platform, get: &dyn Fn(&str) -> Option<String>) -> Option<MergeBase> {
        Context::detect(platform, get, None).unwrap().merge_base
    }

    #[test]
    fn issue13_merge_base_from_github_payload_and_gitlab_variable() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("event.json");
        let fixture = Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("tests/fixtures/github-events/pull_request.synchronize.payload.json");
        std::fs::copy(fixture, &p).unwrap();
        let path = p.display().to_string();
        let gh = |event: &'static str| {
            let path = path.clone();
            move |k: &str| match k {
                "GITHUB_EVENT_NAME" => Some(event.to_string()),
                "GITHUB_EVENT_PATH" => Some(path.clone()),
                _ => None,
            }
        };
        let mb = base_commit(Platform::GitHub, &gh("pull_request")).unwrap();
        assert_eq!(mb.commit, "f95f852bd8fca8fcc58a9a2d6c842781e32a215e");
        assert_eq!(mb.source, "pull_request.base.sha");
        assert!(base_commit(Platform::GitHub, &gh("pull_request_target")).is_some());
        assert_eq!(base_commit(Platform::GitHub, &gh("push")), None);
        let gl = |k: &str| match k {
            "CI_MERGE_REQUEST_IID" => Some("12".to_string()),
            "CI_MERGE_REQUEST_DIFF_BASE_SHA" => {
                Some("1ecfd275763eff1d6b4844ea3168962458c9f27a".to_string())
            }
            _ => None,
        };
        assert_eq!(
            base_commit(Platform::GitLab, &gl).unwrap().commit,
            "1ecfd275763eff1d6b4844ea3168962458c9f27a"
        );
        // A branch pipeline has the variable of no MR; a hostile value is not a SHA.
        let branch =
            |k: &str| (k == "CI_MERGE_REQUEST_DIFF_BASE_SHA").then(|| "1ecfd27".to_string());
        assert_eq!(base_commit(Platform::GitLab, &branch), None);
        let hostile = |k: &str| match k {
            "CI_MERGE_REQUEST_IID" => Some("12".to_string()),
            _ => Some("`rm -rf`".to_string()),
        };
        assert_eq!(base_commit(Platform::GitLab, &hostile), None);
        assert_eq!(base_commit(Platform::Jenkins, &gl), None);
    }
}
