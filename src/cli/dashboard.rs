//! `flameiq dashboard`: the static site of the whole history ([`flameiq::dashboard`]).

use super::Ctx;
use clap::Args;
use flameiq::dashboard::{self, Options, Source};
use flameiq::error::Result;
use flameiq::store::FileStore as Store;
use std::path::PathBuf;

#[derive(Debug, Args)]
#[command(
    after_help = "Environments: every one under --dir (the root store shows as 'default'), or only those given with --env (repeatable).\n\
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
    let dir = &ctx.global.dir;
    let names = if ctx.global.environments.is_empty() {
        dashboard::discover(dir)?
    } else {
        ctx.global.environments.clone()
    };
    let mut sources = Vec::new();
    for n in names {
        let store = Store::for_env(dir, Some(&n))?;
        let name = if n.is_empty() { "default".into() } else { n };
        sources.push(Source { name, store });
    }
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
