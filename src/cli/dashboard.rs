//! `flameiq dashboard`: the static site of the whole history ([`flameiq::dashboard`]).

use super::Ctx;
use clap::Args;
use flameiq::dashboard::{self, Options, Source};
use flameiq::error::Result;
use std::path::PathBuf;

#[derive(Debug, Args)]
#[command(
    after_help = "Store: --store / FLAMEIQ_STORE / the config's store: (file, github, postgres), as for the other commands.\n\
Environments: every one in the store (the root shows as 'default'), or only those given with --env (repeatable).\n\
Commit links: --commit-url, else $GITHUB_SERVER_URL/$GITHUB_REPOSITORY or $CI_PROJECT_URL.\n\
Open OUTPUT/index.html from disk or publish the folder to GitHub/GitLab Pages (docs/ci/dashboard.md)."
)]
pub struct DashboardArgs {
    /// Folder to write the site to (replaced only when empty or an earlier dashboard).
    #[arg(long, short, value_name = "DIR", default_value = "flameiq-dashboard")]
    output: PathBuf,
    /// Only metrics whose flat key matches this glob (repeatable; default: all).
    #[arg(long = "metric", value_name = "GLOB")]
    metrics: Vec<String>,
    /// Commit link template, e.g. https://github.com/OWNER/REPO/commit/{commit}.
    #[arg(long, value_name = "URL")]
    commit_url: Option<String>,
}

pub fn run(ctx: &Ctx, a: DashboardArgs) -> Result<i32> {
    let cfg = ctx.config()?;
    // One handle on the store, its environments reached from it (one connection, one
    // read of a remote store's tree).
    let root = ctx.store_env(None)?;
    let sources = if ctx.global.environments.is_empty() {
        dashboard::discover(root.as_ref())?
    } else {
        let mut sources = Vec::new();
        for n in &ctx.global.environments {
            sources.push(Source {
                store: root.for_env(n)?,
                name: if n.is_empty() {
                    "default".into()
                } else {
                    n.clone()
                },
            });
        }
        sources
    };
    let commit_url = a.commit_url.or_else(ci_commit_url);
    let opts = Options {
        patterns: a.metrics,
        commit_url,
    };
    let s = dashboard::write(&a.output, &sources, &cfg, &opts)?;
    ctx.say(format!(
        "dashboard: {} metric(s) over {} run(s) in {} environment(s), {} files ({} KB) in {}",
        s.metrics,
        s.runs,
        s.environments,
        s.files,
        s.bytes.div_ceil(1024),
        super::esc(&a.output.display().to_string())
    ));
    Ok(0)
}

/// The commit link of the CI this runs in: GitHub's server and repository, or GitLab's
/// project URL.
fn ci_commit_url() -> Option<String> {
    let var = |k: &str| flameiq::ci::context::var(&flameiq::ci::context::process_env, k);
    if let (Some(server), Some(repo)) = (var("GITHUB_SERVER_URL"), var("GITHUB_REPOSITORY")) {
        return Some(format!(
            "{}/{repo}/commit/{{commit}}",
            server.trim_end_matches('/')
        ));
    }
    var("CI_PROJECT_URL").map(|u| format!("{}/-/commit/{{commit}}", u.trim_end_matches('/')))
}
