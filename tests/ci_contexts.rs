//! Issue 7: GitLab CI, CircleCI and Jenkins contexts read from env fixtures (the variables
//! each CI really sets in that situation, empty ones included) and the baseline-or-compare
//! decision of `flameiq ci`.

use flameiq::ci::context::map_env;
use flameiq::ci::{
    circleci, gitlab_ci, jenkins, CommentTarget, Context, Event, GitHubPr, GitLabTarget, Plan,
    Platform,
};
use std::collections::HashMap;

fn env(pairs: &[(&str, &str)]) -> HashMap<String, String> {
    pairs
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect()
}

fn read(pairs: &[(&str, &str)], default_branch: Option<&str>) -> Context {
    let e = env(pairs);
    let ctx = Context::from_env(&map_env(&e), default_branch).unwrap();
    assert_ne!(ctx.platform, Platform::Unknown, "a CI is detected");
    ctx
}

const GITLAB_COMMON: &[(&str, &str)] = &[
    ("CI", "true"),
    ("GITLAB_CI", "true"),
    ("CI_SERVER_URL", "https://gitlab.example.com"),
    ("CI_API_V4_URL", "https://gitlab.example.com/api/v4"),
    ("CI_PROJECT_ID", "278964"),
    ("CI_PROJECT_PATH", "acme/app"),
    ("CI_PROJECT_URL", "https://gitlab.example.com/acme/app"),
    ("CI_DEFAULT_BRANCH", "main"),
    ("CI_COMMIT_SHA", "1f2e3d4c5b6a79881726354453627180a9b8c7d6"),
    (
        "CI_JOB_URL",
        "https://gitlab.example.com/acme/app/-/jobs/8812",
    ),
    ("CI_JOB_TOKEN", "[MASKED]"),
];

fn gitlab(extra: &[(&str, &str)]) -> Context {
    let mut all: Vec<(&str, &str)> = GITLAB_COMMON.to_vec();
    all.extend_from_slice(extra);
    read(&all, None)
}

#[test]
fn gitlab_default_branch_pipeline_is_baseline() {
    let ctx = gitlab(&[
        ("CI_PIPELINE_SOURCE", "push"),
        ("CI_COMMIT_BRANCH", "main"),
        ("CI_COMMIT_REF_NAME", "main"),
        ("CI_COMMIT_TAG", ""),
        ("CI_OPEN_MERGE_REQUESTS", ""),
    ]);
    assert_eq!(ctx.platform, Platform::GitLab);
    assert_eq!(ctx.event, Event::DefaultBranchPush);
    assert_eq!(ctx.default_branch.as_deref(), Some("main"));
    assert_eq!(
        ctx.commit.as_deref(),
        Some("1f2e3d4c5b6a79881726354453627180a9b8c7d6")
    );
    assert_eq!(
        ctx.run_url.as_deref(),
        Some("https://gitlab.example.com/acme/app/-/jobs/8812")
    );
    assert_eq!(ctx.auto_plan(), Plan::Baseline);
}

#[test]
fn gitlab_scheduled_pipeline_on_a_non_main_default_branch_is_baseline() {
    let ctx = gitlab(&[
        ("CI_DEFAULT_BRANCH", "develop"),
        ("CI_PIPELINE_SOURCE", "schedule"),
        ("CI_COMMIT_BRANCH", "develop"),
    ]);
    assert_eq!(ctx.default_branch.as_deref(), Some("develop"));
    assert_eq!(ctx.auto_plan(), Plan::Baseline);
}

#[test]
fn gitlab_merge_request_pipeline_is_compare_with_an_mr_note() {
    // Detached MR pipeline: CI_COMMIT_BRANCH is not set in MR pipelines.
    let ctx = gitlab(&[
        ("CI_PIPELINE_SOURCE", "merge_request_event"),
        ("CI_COMMIT_REF_NAME", "feature/faster-parser"),
        ("CI_MERGE_REQUEST_IID", "12"),
        ("CI_MERGE_REQUEST_EVENT_TYPE", "detached"),
        (
            "CI_MERGE_REQUEST_SOURCE_BRANCH_NAME",
            "feature/faster-parser",
        ),
        ("CI_MERGE_REQUEST_TARGET_BRANCH_NAME", "main"),
        (
            "CI_MERGE_REQUEST_PROJECT_URL",
            "https://gitlab.example.com/acme/app",
        ),
        ("CI_MERGE_REQUEST_SOURCE_BRANCH_SHA", ""),
    ]);
    assert_eq!(
        ctx.event,
        Event::ChangeRequest {
            number: 12,
            target_branch: Some("main".into())
        }
    );
    assert_eq!(ctx.branch.as_deref(), Some("feature/faster-parser"));
    assert_eq!(ctx.head_commit, None);
    let target = GitLabTarget {
        api_url: "https://gitlab.example.com/api/v4".into(),
        project_id: "278964".into(),
        mr_iid: 12,
        project_web_url: Some("https://gitlab.example.com/acme/app".into()),
    };
    assert_eq!(ctx.gitlab.as_ref(), Some(&target));
    assert_eq!(
        ctx.auto_plan(),
        Plan::Compare {
            comment: Some(CommentTarget::GitLab(target))
        }
    );
}

#[test]
fn gitlab_merged_result_pipeline_compares_the_merge_commit() {
    let ctx = gitlab(&[
        ("CI_PIPELINE_SOURCE", "merge_request_event"),
        ("CI_MERGE_REQUEST_IID", "31"),
        ("CI_MERGE_REQUEST_EVENT_TYPE", "merged_result"),
        ("CI_MERGE_REQUEST_SOURCE_BRANCH_NAME", "perf/cache"),
        ("CI_MERGE_REQUEST_TARGET_BRANCH_NAME", "main"),
        (
            "CI_MERGE_REQUEST_SOURCE_BRANCH_SHA",
            "aa11bb22cc33dd44ee55ff6677889900aabbccdd",
        ),
    ]);
    assert!(matches!(ctx.event, Event::ChangeRequest { number: 31, .. }));
    assert_eq!(
        ctx.commit.as_deref(),
        Some("1f2e3d4c5b6a79881726354453627180a9b8c7d6"),
        "the merged result is what ran"
    );
    assert_eq!(
        ctx.head_commit.as_deref(),
        Some("aa11bb22cc33dd44ee55ff6677889900aabbccdd")
    );
    assert!(matches!(
        ctx.auto_plan(),
        Plan::Compare {
            comment: Some(CommentTarget::GitLab(GitLabTarget { mr_iid: 31, .. }))
        }
    ));
}

#[test]
fn gitlab_tag_pipeline_compares_and_posts_nothing() {
    // Tag pipelines have CI_COMMIT_TAG and no CI_COMMIT_BRANCH.
    let ctx = gitlab(&[
        ("CI_PIPELINE_SOURCE", "push"),
        ("CI_COMMIT_TAG", "v1.4.0"),
        ("CI_COMMIT_REF_NAME", "v1.4.0"),
    ]);
    assert_eq!(
        ctx.event,
        Event::Tag {
            name: "v1.4.0".into()
        }
    );
    assert_eq!(ctx.auto_plan(), Plan::Compare { comment: None });
}

#[test]
fn gitlab_feature_branch_pipeline_notes_its_open_mr_or_nothing() {
    let ctx = gitlab(&[
        ("CI_PIPELINE_SOURCE", "push"),
        ("CI_COMMIT_BRANCH", "feature/x"),
        ("CI_OPEN_MERGE_REQUESTS", "acme/fork-of-app!4,acme/app!15"),
    ]);
    assert_eq!(
        ctx.event,
        Event::ChangeRequest {
            number: 15,
            target_branch: None
        }
    );
    assert!(matches!(
        ctx.auto_plan(),
        Plan::Compare {
            comment: Some(CommentTarget::GitLab(GitLabTarget { mr_iid: 15, .. }))
        }
    ));

    let ctx = gitlab(&[
        ("CI_PIPELINE_SOURCE", "push"),
        ("CI_COMMIT_BRANCH", "feature/x"),
    ]);
    assert_eq!(ctx.event, Event::OtherBranch);
    assert_eq!(ctx.auto_plan(), Plan::Compare { comment: None });
}

#[test]
fn gitlab_external_github_pull_request_comments_on_github() {
    let ctx = gitlab(&[
        ("CI_PIPELINE_SOURCE", "external_pull_request_event"),
        ("CI_COMMIT_BRANCH", "feature/y"),
        ("CI_EXTERNAL_PULL_REQUEST_IID", "77"),
        ("CI_EXTERNAL_PULL_REQUEST_SOURCE_BRANCH_NAME", "feature/y"),
        ("CI_EXTERNAL_PULL_REQUEST_TARGET_BRANCH_NAME", "main"),
        ("CI_EXTERNAL_PULL_REQUEST_TARGET_REPOSITORY", "acme/app"),
    ]);
    assert_eq!(ctx.repository.as_deref(), Some("acme/app"));
    assert!(matches!(
        ctx.auto_plan(),
        Plan::Compare {
            comment: Some(CommentTarget::GitHub(GitHubPr { number: 77, .. }))
        }
    ));
}

#[test]
fn gitlab_user_default_branch_overrides_the_ci() {
    let ctx = read(
        &[
            ("GITLAB_CI", "true"),
            ("CI_DEFAULT_BRANCH", "main"),
            ("CI_COMMIT_BRANCH", "release"),
        ],
        Some("release"),
    );
    assert_eq!(ctx.auto_plan(), Plan::Baseline);
}

const CIRCLE_COMMON: &[(&str, &str)] = &[
    ("CI", "true"),
    ("CIRCLECI", "true"),
    ("CIRCLE_PROJECT_USERNAME", "acme"),
    ("CIRCLE_PROJECT_REPONAME", "app"),
    ("CIRCLE_REPOSITORY_URL", "git@github.com:acme/app.git"),
    ("CIRCLE_BUILD_URL", "https://circleci.com/gh/acme/app/1234"),
    ("CIRCLE_SHA1", "0a1b2c3d4e5f60718293a4b5c6d7e8f901234567"),
    ("CIRCLE_BUILD_NUM", "1234"),
    ("CIRCLE_JOB", "bench"),
];

fn circle(extra: &[(&str, &str)], default_branch: Option<&str>) -> Context {
    let mut all: Vec<(&str, &str)> = CIRCLE_COMMON.to_vec();
    all.extend_from_slice(extra);
    read(&all, default_branch)
}

#[test]
fn circleci_main_build_is_baseline() {
    let ctx = circle(&[("CIRCLE_BRANCH", "main")], None);
    assert_eq!(ctx.platform, Platform::CircleCi);
    assert_eq!(ctx.event, Event::DefaultBranchPush);
    assert_eq!(
        ctx.run_url.as_deref(),
        Some("https://circleci.com/gh/acme/app/1234")
    );
    assert_eq!(
        ctx.commit.as_deref(),
        Some("0a1b2c3d4e5f60718293a4b5c6d7e8f901234567")
    );
    assert_eq!(ctx.auto_plan(), Plan::Baseline);
}

#[test]
fn circleci_default_branch_is_a_parameter() {
    // CircleCI does not say which branch is the default: `master` needs the parameter.
    let ctx = circle(&[("CIRCLE_BRANCH", "master")], None);
    assert_eq!(ctx.event, Event::OtherBranch);
    let ctx = circle(&[("CIRCLE_BRANCH", "master")], Some("master"));
    assert_eq!(ctx.auto_plan(), Plan::Baseline);
}

#[test]
fn circleci_pull_request_is_compare_with_a_github_comment() {
    let ctx = circle(
        &[
            ("CIRCLE_BRANCH", "feature/faster-parser"),
            ("CIRCLE_PULL_REQUEST", "https://github.com/acme/app/pull/42"),
            (
                "CIRCLE_PULL_REQUESTS",
                "https://github.com/acme/app/pull/42",
            ),
        ],
        None,
    );
    assert_eq!(
        ctx.event,
        Event::ChangeRequest {
            number: 42,
            target_branch: None
        }
    );
    assert_eq!(ctx.repository.as_deref(), Some("acme/app"));
    assert_eq!(
        ctx.auto_plan(),
        Plan::Compare {
            comment: Some(CommentTarget::GitHub(GitHubPr {
                api_url: "https://api.github.com".into(),
                repo: "acme/app".into(),
                number: 42
            }))
        }
    );
}

#[test]
fn circleci_fork_pull_request_uses_the_upstream_repo() {
    // Fork PRs: the branch is `pull/N`, CIRCLE_PR_NUMBER/REPONAME/USERNAME describe the fork.
    let ctx = circle(
        &[
            ("CIRCLE_BRANCH", "pull/43"),
            ("CIRCLE_PULL_REQUEST", "https://github.com/acme/app/pull/43"),
            ("CIRCLE_PR_NUMBER", "43"),
            ("CIRCLE_PR_USERNAME", "contributor"),
            ("CIRCLE_PR_REPONAME", "app"),
        ],
        None,
    );
    assert_eq!(ctx.repository.as_deref(), Some("acme/app"));
    assert!(matches!(ctx.event, Event::ChangeRequest { number: 43, .. }));
}

#[test]
fn circleci_branch_and_tag_builds_compare_without_comment() {
    let ctx = circle(&[("CIRCLE_BRANCH", "feature/no-pr-yet")], None);
    assert_eq!(ctx.event, Event::OtherBranch);
    assert_eq!(ctx.auto_plan(), Plan::Compare { comment: None });
    let ctx = circle(&[("CIRCLE_TAG", "v2.0.0")], None);
    assert_eq!(
        ctx.event,
        Event::Tag {
            name: "v2.0.0".into()
        }
    );
}

#[test]
fn circleci_bitbucket_pull_request_compares_without_a_github_comment() {
    let ctx = read(
        &[
            ("CIRCLECI", "true"),
            ("CIRCLE_BRANCH", "feature/z"),
            (
                "CIRCLE_PULL_REQUEST",
                "https://bitbucket.org/acme/app/pull-requests/9",
            ),
            ("CIRCLE_REPOSITORY_URL", "git@bitbucket.org:acme/app.git"),
            ("CIRCLE_PROJECT_USERNAME", "acme"),
            ("CIRCLE_PROJECT_REPONAME", "app"),
        ],
        None,
    );
    assert_eq!(ctx.auto_plan(), Plan::Compare { comment: None });
}

const JENKINS_COMMON: &[(&str, &str)] = &[
    ("JENKINS_URL", "https://jenkins.example.com/"),
    ("JENKINS_HOME", "/var/jenkins_home"),
    ("BUILD_NUMBER", "57"),
    ("GIT_URL", "https://github.com/acme/app.git"),
    ("GIT_COMMIT", "9f8e7d6c5b4a39281706f5e4d3c2b1a098765432"),
];

fn jenkins(extra: &[(&str, &str)], default_branch: Option<&str>) -> Context {
    let mut all: Vec<(&str, &str)> = JENKINS_COMMON.to_vec();
    all.extend_from_slice(extra);
    read(&all, default_branch)
}

#[test]
fn jenkins_multibranch_pr_build_is_compare_with_a_github_comment() {
    let ctx = jenkins(
        &[
            ("BRANCH_NAME", "PR-5"),
            ("CHANGE_ID", "5"),
            ("CHANGE_TARGET", "main"),
            ("CHANGE_BRANCH", "feature/faster-parser"),
            ("CHANGE_URL", "https://github.com/acme/app/pull/5"),
            ("CHANGE_AUTHOR", "alice"),
            (
                "BUILD_URL",
                "https://jenkins.example.com/job/app/job/PR-5/57/",
            ),
        ],
        None,
    );
    assert_eq!(ctx.platform, Platform::Jenkins);
    assert_eq!(
        ctx.event,
        Event::ChangeRequest {
            number: 5,
            target_branch: Some("main".into())
        }
    );
    assert_eq!(ctx.branch.as_deref(), Some("feature/faster-parser"));
    assert_eq!(
        ctx.run_url.as_deref(),
        Some("https://jenkins.example.com/job/app/job/PR-5/57/")
    );
    assert_eq!(
        ctx.commit.as_deref(),
        Some("9f8e7d6c5b4a39281706f5e4d3c2b1a098765432")
    );
    assert_eq!(
        ctx.auto_plan(),
        Plan::Compare {
            comment: Some(CommentTarget::GitHub(GitHubPr {
                api_url: "https://api.github.com".into(),
                repo: "acme/app".into(),
                number: 5
            }))
        }
    );
}

#[test]
fn jenkins_branch_build_on_the_default_branch_is_baseline() {
    let ctx = jenkins(
        &[
            ("BRANCH_NAME", "main"),
            (
                "BUILD_URL",
                "https://jenkins.example.com/job/app/job/main/57/",
            ),
        ],
        None,
    );
    assert_eq!(ctx.event, Event::DefaultBranchPush);
    assert_eq!(ctx.auto_plan(), Plan::Baseline);
}

#[test]
fn jenkins_other_branch_build_compares_without_comment() {
    let ctx = jenkins(&[("BRANCH_NAME", "feature/x")], None);
    assert_eq!(ctx.auto_plan(), Plan::Compare { comment: None });
}

#[test]
fn jenkins_plain_pipeline_reads_git_branch_and_the_default_branch_parameter() {
    // Not multibranch: no BRANCH_NAME; the git plugin sets GIT_BRANCH=origin/master.
    let ctx = jenkins(&[("GIT_BRANCH", "origin/master")], Some("master"));
    assert_eq!(ctx.branch.as_deref(), Some("master"));
    assert_eq!(ctx.auto_plan(), Plan::Baseline);
    let ctx = jenkins(&[("GIT_BRANCH", "origin/master")], None);
    assert_eq!(ctx.event, Event::OtherBranch, "default is `main`");
}

#[test]
fn jenkins_tag_build_compares_without_comment() {
    let ctx = jenkins(&[("BRANCH_NAME", "v1.2.0"), ("TAG_NAME", "v1.2.0")], None);
    assert_eq!(
        ctx.event,
        Event::Tag {
            name: "v1.2.0".into()
        }
    );
}

#[test]
fn jenkins_gitlab_merge_request_gets_an_mr_note() {
    // GitLab Branch Source plugin: MR builds are `MR-7-head`, CHANGE_URL is the MR.
    let ctx = jenkins(
        &[
            ("BRANCH_NAME", "MR-7-head"),
            ("CHANGE_ID", "7"),
            ("CHANGE_TARGET", "main"),
            (
                "CHANGE_URL",
                "https://gitlab.example.com/acme/sub/app/-/merge_requests/7",
            ),
        ],
        None,
    );
    assert_eq!(
        ctx.auto_plan(),
        Plan::Compare {
            comment: Some(CommentTarget::GitLab(GitLabTarget {
                api_url: "https://gitlab.example.com/api/v4".into(),
                project_id: "acme/sub/app".into(),
                mr_iid: 7,
                project_web_url: Some("https://gitlab.example.com/acme/sub/app".into()),
            }))
        }
    );
}

#[test]
fn github_enterprise_pr_urls_use_the_enterprise_api() {
    let ctx = jenkins(
        &[
            ("CHANGE_ID", "8"),
            ("CHANGE_URL", "https://ghe.corp.example/acme/app/pull/8"),
        ],
        None,
    );
    assert_eq!(
        ctx.github.map(|g| g.api_url),
        Some("https://ghe.corp.example/api/v3".into())
    );
}

#[test]
fn nothing_is_detected_outside_these_cis() {
    let e = env(&[("GITHUB_ACTIONS", "true"), ("CI", "true")]);
    for detect in [gitlab_ci::detect, circleci::detect, jenkins::detect] {
        assert!(!detect(&map_env(&e)));
    }
    assert_eq!(Platform::detect(&map_env(&e)), Platform::GitHub);
}

#[test]
fn gitlab_fork_mr_pipeline_in_the_fork_notes_the_target_project() {
    // A fork's MR pipeline running in the fork: CI_PROJECT_ID is the fork, the MR lives in
    // CI_MERGE_REQUEST_PROJECT_ID.
    let ctx = gitlab(&[
        ("CI_PROJECT_ID", "991122"),
        ("CI_PIPELINE_SOURCE", "merge_request_event"),
        ("CI_MERGE_REQUEST_IID", "88"),
        ("CI_MERGE_REQUEST_PROJECT_ID", "278964"),
        ("CI_MERGE_REQUEST_SOURCE_PROJECT_ID", "991122"),
        ("CI_MERGE_REQUEST_TARGET_BRANCH_NAME", "main"),
    ]);
    assert_eq!(ctx.gitlab.map(|t| t.project_id), Some("278964".into()));
}

#[test]
fn contexts_describe_themselves_in_one_line() {
    let ctx = gitlab(&[
        ("CI_PIPELINE_SOURCE", "merge_request_event"),
        ("CI_MERGE_REQUEST_IID", "12"),
        ("CI_MERGE_REQUEST_SOURCE_BRANCH_NAME", "feature/x"),
        ("CI_MERGE_REQUEST_TARGET_BRANCH_NAME", "main"),
    ]);
    assert_eq!(
        ctx.describe(),
        "GitLab CI: merge request !12 (feature/x → main)"
    );
    let ctx = circle(&[("CIRCLE_BRANCH", "main")], None);
    assert_eq!(ctx.describe(), "CircleCI: default branch 'main'");
    let ctx = jenkins(&[("BRANCH_NAME", "v1"), ("TAG_NAME", "v1")], None);
    assert_eq!(ctx.describe(), "Jenkins: tag 'v1'");
}

#[test]
fn issue11_defect10_the_gitlab_token_warning_says_unprotected() {
    for vars in [&[("CI_JOB_TOKEN", "[MASKED]")][..], &[][..]] {
        let e = env(vars);
        let w = flameiq::ci::gitlab::token_from_env(&map_env(&e)).unwrap_err();
        assert!(
            w.contains("masked CI/CD variable named FLAMEIQ_GITLAB_TOKEN that is NOT protected"),
            "{w}"
        );
        assert!(w.contains("merge-request pipelines"), "{w}");
    }
}

#[test]
fn issue11_defect10_every_masked_token_in_the_gitlab_docs_is_also_unprotected() {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
    for doc in [
        "docs/ci/gitlab-ci.md",
        "examples/ci/gitlab-ci.yml",
        "docs/ci/jenkins.md",
    ] {
        let text = std::fs::read_to_string(root.join(doc)).unwrap();
        for (at, _) in text.match_indices("masked") {
            let mut lo = at.saturating_sub(200);
            while !text.is_char_boundary(lo) {
                lo -= 1;
            }
            let mut hi = (at + 200).min(text.len());
            while !text.is_char_boundary(hi) {
                hi += 1;
            }
            let near = &text[lo..hi];
            assert!(
                near.contains("protected"),
                "{doc}: 'masked' without saying protected or not: …{near}…"
            );
        }
    }
}

#[test]
fn issue11_item8_gitlab_mr_labels_are_read() {
    let ctx = gitlab(&[
        ("CI_PIPELINE_SOURCE", "merge_request_event"),
        ("CI_MERGE_REQUEST_IID", "12"),
        ("CI_MERGE_REQUEST_LABELS", "bug, flameiq:accept ,,perf"),
    ]);
    assert_eq!(ctx.labels, vec!["bug", "flameiq:accept", "perf"]);
    let c = ctx.clone();
    assert!(c.has_label("flameiq:accept"));
    assert!(!c.has_label("flameiq"));
    assert!(!c.has_label(" "));
    // A branch pipeline has no MR labels.
    let ctx = gitlab(&[
        ("CI_PIPELINE_SOURCE", "push"),
        ("CI_COMMIT_BRANCH", "feature"),
        ("CI_MERGE_REQUEST_LABELS", "flameiq:accept"),
    ]);
    assert!(ctx.labels.is_empty());
}
