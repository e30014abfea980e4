//! `flameiq ci`: flameiq-core's documented CI pattern in one step (design §5).
//!
//! On the default branch it sets the baseline; on a pull request it compares, writes the
//! result JSON, the HTML report, the job summary, the step outputs, the annotations and
//! the sticky comment, then exits with the comparison's code. See [`flameiq::ci`] for the
//! decisions (what `mode: auto` does, the first PR before any baseline exits 0).
//!
//! Every Action input is also a flag. Precedence: a flag given on the command line, then
//! the `INPUT_*` variable, then the default. The store options are the global `--config`,
//! `--dir` and `--env`; the `config`, `dir` and `environment` inputs apply when those are
//! still at their defaults.
//!
//! Outputs (`$GITHUB_OUTPUT`): `status` (`pass`, `regression`, `insufficient_data`,
//! `baseline` when a baseline was set, `no-baseline` when there was none to compare
//! against), `regressions`, `warnings`, `total`, `report`, `result`, `comment-url`,
//! `accepted-by-label` (the label that accepted the regressions, else empty).
//!
//! Decisions (issue 11):
//! - The report defaults to `flameiq-report.html` in the working directory, not inside the
//!   store: `actions/upload-artifact` 4.4 and later skips hidden files, and `.flameiq/` is
//!   hidden. The result JSON stays in the store (`<dir>/result.json`), so `dir` moves it.
//! - `--junit F` writes the JUnit XML of the comparison (nothing on a baseline or
//!   no-baseline run), so a CI's test view needs no second `flameiq compare`.
//! - An accepted regression (the accept label on the PR/MR) keeps `status: regression` in
//!   the outputs and the result document (flameiq-core's values), exits 0, and says so.
//!
//! The comment itself is posted by [`super::post`], which `flameiq comment` shares (its
//! module doc names the HTTP knobs).
//!
//! Length (over 500 lines): the whole `flameiq ci` step from inputs to outputs (baseline run, compare run, the no-baseline path, summary, annotations, comment and check run), kept in one place so its order reads top to bottom; the pieces it calls live in `flameiq::ci`, and it is tested end to end in tests/action.rs.

use super::post::{self, env, notice, write_outputs, Post};
use super::{Ctx, Global};
use clap::Args;
use flameiq::ci::context::var;
use flameiq::ci::http::Secret;
use flameiq::ci::inputs::{self, CommentPolicy, Inputs, Mode};
use flameiq::ci::outputs::{self, StepOutputs};
use flameiq::ci::{CommentTarget, Context, Plan, Platform};
use flameiq::compare::result::{ComparisonResult, Status};
use flameiq::compare::{self, baseline, Settings};
use flameiq::error::{Error, Result};
use flameiq::render::markdown::{self, escape_md, Kind, Markdown};
use flameiq::render::{self, html::Html, Render, View};
use flameiq::schema::Snapshot;
use std::path::{Path, PathBuf};

#[derive(Debug, Args)]
pub struct CiArgs {
    /// The metrics file (input `metrics`, one per line); repeatable, each optionally
    /// `PROVIDER:FILE`, merged into one run.
    #[arg(short, long, value_name = "[PROVIDER:]FILE")]
    metrics: Vec<String>,
    /// true or false: the metrics files are repetitions of the same benchmarks, each from
    /// its own process, pooled key by key (input `repetitions`; default false; see `flameiq
    /// compare --help`).
    #[arg(long, value_name = "BOOL")]
    repetitions: Option<String>,
    /// Provider (input `provider`; default: the config's, else auto).
    #[arg(short, long)]
    provider: Option<String>,
    /// auto, compare or baseline (input `mode`; default auto).
    #[arg(long)]
    mode: Option<String>,
    /// true or false (input `fail-on-regression`; default true).
    #[arg(long, value_name = "BOOL")]
    fail_on_regression: Option<String>,
    /// Override a threshold, e.g. `--threshold latency.p95=5%` (repeatable; input
    /// `thresholds`, one KEY=VALUE per line).
    #[arg(short, long = "threshold", value_name = "KEY=VALUE")]
    thresholds: Vec<String>,
    /// Token for the PR comment (input `github-token`, else `GITHUB_TOKEN`). Prefer the
    /// variables: a flag is visible to other processes.
    #[arg(long, value_name = "TOKEN", value_parser = parse_secret)]
    github_token: Option<Secret>,
    /// always, on-regression or never (input `comment`; default always).
    #[arg(long)]
    comment: Option<String>,
    /// true or false: write the job summary (input `summary`; default true).
    #[arg(long, value_name = "BOOL")]
    summary: Option<String>,
    /// Where to write the HTML report (input `report`; default flameiq-report.html in the
    /// working directory: visible, so actions/upload-artifact uploads it).
    #[arg(long, value_name = "FILE")]
    report: Option<PathBuf>,
    /// true or false: print annotations (input `annotations`; default true).
    #[arg(long, value_name = "BOOL")]
    annotations: Option<String>,
    /// true or false: create or update the check run `FlameIQ` / `FlameIQ (<env>)` on the
    /// commit (input `check`; default true; needs `permissions: checks: write`).
    #[arg(long, value_name = "BOOL")]
    check: Option<String>,
    /// Where to write the result JSON (default <dir>/result.json, so --dir and the `dir`
    /// input move it).
    #[arg(short, long, value_name = "FILE")]
    output: Option<PathBuf>,
    /// Also write JUnit XML of the comparison to this file (for GitLab, Jenkins and
    /// CircleCI test views; nothing is written when nothing was compared).
    #[arg(long, value_name = "FILE")]
    junit: Option<PathBuf>,
    /// The PR/MR label that accepts regressions: exit 0, and the summary and comment say
    /// so (input `accept-label`; default flameiq:accept).
    #[arg(long, value_name = "LABEL")]
    accept_label: Option<String>,
    /// The default branch (wins over the CI's). Needed where the CI does not tell it
    /// (CircleCI, Jenkins; default main); GitHub Actions reads it from the event payload,
    /// GitLab from CI_DEFAULT_BRANCH.
    #[arg(long, value_name = "BRANCH", env = "FLAMEIQ_DEFAULT_BRANCH")]
    default_branch: Option<String>,
}

/// The accept label when neither the flag nor the input names one.
pub const DEFAULT_ACCEPT_LABEL: &str = "flameiq:accept";

/// The report when neither the flag nor the input names one (see the module doc).
pub const DEFAULT_REPORT: &str = "flameiq-report.html";

pub(super) fn parse_secret(s: &str) -> std::result::Result<Secret, String> {
    Ok(Secret::new(s))
}

/// Everything resolved from flags, inputs and defaults.
struct Resolved {
    metrics: Vec<String>,
    repetitions: bool,
    provider: Option<String>,
    mode: Mode,
    fail: bool,
    thresholds: flameiq::config::Rules<flameiq::config::Threshold>,
    token: Option<Secret>,
    comment: CommentPolicy,
    summary: bool,
    annotations: bool,
    check: bool,
    report: PathBuf,
    result: PathBuf,
    junit: Option<PathBuf>,
    accept_label: String,
}

pub fn run(ctx: &Ctx, args: CiArgs) -> Result<i32> {
    let inp = Inputs::from_env(&env);
    let ctx = &store_ctx(ctx, &inp);
    let default_branch = args.default_branch.clone();
    let r = resolve(ctx, args, inp)?;
    let platform = Platform::detect(&env);
    let ci = Context::detect(platform, &env, default_branch.as_deref())?;
    let plan = ci.plan(r.mode);
    tracing::debug!(
        "platform {platform:?}, event '{}', plan {plan:?}",
        ci.event_name
    );
    match plan {
        Plan::Baseline => set_baseline(ctx, &r, &ci),
        Plan::Compare { comment } => compare_run(ctx, &r, &ci, platform, comment.as_ref()),
    }
}

/// The store options: a global flag away from its default wins, else the input.
fn store_ctx(ctx: &Ctx, inp: &Inputs) -> Ctx {
    let g = &ctx.global;
    let pick = |flag: &Path, default: &str, input: &Option<String>| -> PathBuf {
        match input {
            Some(i) if flag == Path::new(default) => PathBuf::from(i),
            _ => flag.to_path_buf(),
        }
    };
    Ctx {
        global: Global {
            config: pick(&g.config, "flameiq.yaml", &inp.config),
            dir: pick(&g.dir, ".flameiq", &inp.dir),
            environments: g.environments.clone(),
            environment: g.environment.clone().or_else(|| inp.environment.clone()),
            store: g.store.clone(),
            store_input: inp.store.clone(),
            verbose: g.verbose,
            quiet: g.quiet,
            color: g.color,
        },
        color: ctx.color,
    }
}

fn resolve(ctx: &Ctx, a: CiArgs, inp: Inputs) -> Result<Resolved> {
    let metrics = if a.metrics.is_empty() {
        inp.metrics_list()
    } else {
        a.metrics
    };
    if metrics.is_empty() {
        return Err(Error::Usage(
            "no metrics file: set the action's `metrics` input or pass --metrics <file>".into(),
        ));
    }
    let flag_or_input = |f: Option<String>, i: Option<String>| f.or(i);
    let mode = flag_or_input(a.mode, inp.mode)
        .map(|m| Mode::parse(&m))
        .transpose()?
        .unwrap_or(Mode::Auto);
    let boolean = |name: &str, f: Option<String>, i: Option<String>| -> Result<bool> {
        flag_or_input(f, i)
            .map(|v| inputs::parse_bool(name, &v))
            .transpose()
            .map(|b| b.unwrap_or(true))
    };
    let fail = boolean(
        "fail-on-regression",
        a.fail_on_regression,
        inp.fail_on_regression,
    )?;
    let summary = boolean("summary", a.summary, inp.summary)?;
    let repetitions = flag_or_input(a.repetitions, inp.repetitions)
        .map(|v| inputs::parse_bool("repetitions", &v))
        .transpose()?
        .unwrap_or(false);
    let annotations = boolean("annotations", a.annotations, inp.annotations)?;
    let check = boolean("check", a.check, inp.check)?;
    let comment = flag_or_input(a.comment, inp.comment)
        .map(|c| CommentPolicy::parse(&c))
        .transpose()?
        .unwrap_or(CommentPolicy::Always);
    // Input lines first, flags after: a flag for the same key replaces the input's.
    let mut thresholds = match &inp.thresholds {
        Some(t) => inputs::parse_thresholds(t)?,
        None => Default::default(),
    };
    for f in &a.thresholds {
        let (k, t) = flameiq::config::parse_threshold_flag(f)?;
        thresholds.insert(k, t);
    }
    let token = a
        .github_token
        .or(inp.github_token)
        .or_else(|| var(&env, "GITHUB_TOKEN").map(Secret::new));
    let dir = &ctx.global.dir;
    Ok(Resolved {
        metrics,
        repetitions,
        provider: flag_or_input(a.provider, inp.provider),
        mode,
        fail,
        thresholds,
        token,
        comment,
        summary,
        annotations,
        check,
        report: a
            .report
            .or_else(|| inp.report.map(PathBuf::from))
            .unwrap_or_else(|| PathBuf::from(DEFAULT_REPORT)),
        result: a.output.unwrap_or_else(|| dir.join("result.json")),
        junit: a.junit,
        accept_label: a
            .accept_label
            .map(|l| l.trim().to_string())
            .or(inp.accept_label)
            .unwrap_or_else(|| DEFAULT_ACCEPT_LABEL.into()),
    })
}

/// Loads the metrics with the resolved provider (flag/input, config, else auto); the CI's
/// commit and branch win over the file's ([`flameiq::ci::apply_facts`]).
fn load(ctx: &Ctx, r: &Resolved, ci: &Context) -> Result<(flameiq::config::Config, Snapshot)> {
    let cfg = ctx.config()?;
    let provider = r
        .provider
        .clone()
        .or_else(|| cfg.provider.clone())
        .unwrap_or_else(|| "auto".into());
    if provider != "auto" {
        flameiq::providers::check_name(&provider)?;
    }
    let same_key = super::same_key(r.repetitions, &cfg);
    let (mut snap, _) = super::load_metrics_all(&r.metrics, &provider, same_key)?;
    flameiq::ci::apply_facts(&mut snap, ci);
    Ok((cfg, snap))
}

fn set_baseline(ctx: &Ctx, r: &Resolved, ci: &Context) -> Result<i32> {
    let (cfg, snap) = load(ctx, r, ci)?;
    let store = ctx.store()?;
    store.save_baseline(&snap, cfg.baseline.max_history)?;
    let notices = store.take_notices();
    for n in &notices {
        ctx.say(format!("ℹ {}", super::esc(n)));
    }
    let changes = new_changes(ctx, &*store, &cfg);
    ctx.say(format!(
        "{} from {} ({} metric(s), commit {}, branch {})",
        ctx.good("✓ Baseline set"),
        super::esc(&super::metrics_label(&r.metrics)),
        snap.metrics.len(),
        super::esc(snap.metadata.commit.as_deref().unwrap_or("(none)")),
        super::esc(snap.metadata.branch.as_deref().unwrap_or("(none)"))
    ));
    let view = View {
        run_url: ci.run_url.clone(),
        environment: ctx.global.environment.clone(),
        ..View::first_run(&snap)
    };
    super::write_file(&r.report, &Html.render(&view)?)?;
    if r.summary {
        let stored_in = (store.local().is_none()).then(|| store.describe());
        let md = markdown::render_baseline(
            &snap,
            ctx.global.environment.as_deref(),
            ci.run_url.as_deref(),
            stored_in.as_deref(),
            &notices,
        )? + &changes_markdown(&changes);
        write_summary(&md, ci)?;
    }
    write_outputs(
        &StepOutputs::nothing_compared("baseline", snap.metrics.len(), &r.report).pairs(),
    )?;
    Ok(0)
}

fn compare_run(
    ctx: &Ctx,
    r: &Resolved,
    ci: &Context,
    platform: Platform,
    target: Option<&CommentTarget>,
) -> Result<i32> {
    let (cfg, current) = load(ctx, r, ci)?;
    let store = ctx.store()?;
    // A PR/MR compares against its base commit's stored run when there is one (issue 13).
    let merge_base = ci.merge_base.clone();
    let depth = baseline::HISTORY_DEPTH;
    let base = match baseline::select_for_change(&*store, &cfg, depth, merge_base.as_ref()) {
        Ok(b) => b,
        Err(e @ (Error::NoBaseline { .. } | Error::Baseline(_))) => {
            return no_baseline(ctx, r, ci, platform, &current, &e)
        }
        Err(e) => return Err(e),
    };
    let settings = Settings {
        flag_thresholds: r.thresholds.clone(),
        config: cfg,
    };
    let result = compare::compare(&base, &current, &settings)?;
    let accepted = (result.status == Status::Regression && ci.has_label(&r.accept_label))
        .then(|| r.accept_label.clone());
    if !ctx.global.quiet {
        print!(
            "{}",
            render::table::Table { color: ctx.color }.render_result(&result)
        );
    }
    super::write_file(&r.result, &(result.to_json() + "\n"))?;
    if let Some(junit) = &r.junit {
        super::write_file(junit, &render::junit::render_result(&result))?;
    }
    let view = View {
        result: Some(&result),
        history: base.history.clone(),
        change_marks: compare::recent::trend_marks(&base, &settings.config.changes),
        run_url: ci.run_url.clone(),
        environment: ctx.global.environment.clone(),
        accepted_by_label: accepted.clone(),
        ..View::default()
    };
    super::write_file(&r.report, &Html.render(&view)?)?;
    ctx.keep_last_run(&*store, &current);
    if r.summary {
        write_summary(
            &Markdown {
                kind: Kind::Summary,
            }
            .render(&view)?,
            ci,
        )?;
    }
    if r.annotations && platform == Platform::GitHub {
        print!("{}", outputs::annotations(&result, accepted.as_deref()));
    }
    let comment_url = target.and_then(|t| comment(ctx, r, ci, platform, t, &result, &view));
    let check = super::check::for_ci(
        r.check,
        platform,
        ci,
        r.token.clone(),
        accepted.as_deref(),
        r.fail,
        &r.metrics,
    );
    if let Some(c) = check {
        super::check::post_check(ctx, &c, Some(&result), &view);
    }
    let outputs = StepOutputs {
        status: result.status.as_str().into(),
        regressions: result.counts.regressions,
        warnings: result.counts.warnings,
        total: result.counts.total,
        report: r.report.display().to_string(),
        result: r.result.display().to_string(),
        comment_url: comment_url.unwrap_or_default(),
        accepted_by_label: Some(accepted.clone().unwrap_or_default()),
    };
    write_outputs(&outputs.pairs())?;
    if let Some(label) = &accepted {
        ctx.say(format!(
            "regressions accepted by the label '{label}' on this PR/MR: exiting 0"
        ));
        return Ok(0);
    }
    let code = if r.fail { result.exit_code } else { 0 };
    if result.status == Status::Regression && !r.fail {
        ctx.say("fail-on-regression is false: exiting 0 despite the regression");
    }
    Ok(code)
}

/// The first PR before any default-branch run: a notice, a report of the current values,
/// exit 0 (see the module doc of `flameiq::ci`).
fn no_baseline(
    ctx: &Ctx,
    r: &Resolved,
    ci: &Context,
    platform: Platform,
    current: &Snapshot,
    why: &Error,
) -> Result<i32> {
    let store = ctx.store()?;
    let dir = store.describe();
    let hint = match store.local() {
        Some(_) => no_baseline_hint(platform, ci, &dir),
        None => remote_no_baseline_hint(ci, &dir),
    };
    let msg = match why {
        Error::NoBaseline { .. } => {
            format!("{hint}; nothing was compared and this step passes")
        }
        other => format!("{other}; nothing was compared and this step passes"),
    };
    notice(platform, "FlameIQ: no baseline yet", &msg);
    let view = View {
        run_url: ci.run_url.clone(),
        environment: ctx.global.environment.clone(),
        ..View::first_run(current)
    };
    super::write_file(&r.report, &Html.render(&view)?)?;
    if r.summary {
        // The renderer's "no baseline yet" view (current values), plus when one will exist.
        // Room for the line appended below.
        let room = outputs::SUMMARY_LIMIT.less(512);
        let mut md = markdown::render_limited(&view, Kind::Summary, room)?;
        md.push_str(&format!("\n> **{}**\n", escape_md(&msg)));
        write_summary(&md, ci)?;
    }
    if let Some(c) = super::check::for_ci(
        r.check,
        platform,
        ci,
        r.token.clone(),
        None,
        r.fail,
        &r.metrics,
    ) {
        super::check::post_check(ctx, &c, None, &view);
    }
    write_outputs(&StepOutputs::nothing_compared("no-baseline", 0, &r.report).pairs())?;
    Ok(0)
}

/// What is missing when a compare finds no baseline in `dir`, and how to fix it, for the CI
/// it runs on (issue 11, defect 5): the default-branch run has not stored one yet, or the
/// step that brings the store back (a cache, artefacts) is missing — with the recipe's
/// section to read.
fn no_baseline_hint(platform: Platform, ci: &Context, dir: &str) -> String {
    let branch = ci.default_branch.as_deref().unwrap_or("main");
    match platform {
        Platform::GitHub => format!(
            "no baseline in {dir}: the default-branch run has not saved one, or the cache step \
             that restores {dir} is missing — see docs/action.md#a-complete-workflow-with-a-baseline-that-really-refreshes"
        ),
        Platform::GitLab => format!(
            "no baseline in {dir}: no pipeline on the default branch ('{branch}') has stored one, \
             or this job does not pull the cache the default-branch job pushes (the same \
             `cache:key`, e.g. flameiq-baseline-$CI_DEFAULT_BRANCH, with `unprotect: true` on \
             both jobs) — see docs/ci/gitlab-ci.md#the-baseline-cache-and-why-it-really-refreshes"
        ),
        Platform::CircleCi => format!(
            "no baseline in {dir}: no build of the default branch ('{branch}'; set \
             FLAMEIQ_DEFAULT_BRANCH or --default-branch if yours differs) has saved one, or \
             the restore_cache step for the key prefix the default branch saves is missing — \
             see docs/ci/circleci.md#the-baseline-cache-and-why-it-really-refreshes"
        ),
        Platform::Jenkins => format!(
            "no baseline in {dir}: no successful build of the default branch ('{branch}'; set \
             FLAMEIQ_DEFAULT_BRANCH or --default-branch if yours differs) has archived one, or \
             this build does not copy {dir} from it (copyArtifacts) — see \
             docs/ci/jenkins.md#the-baseline-store-and-why-it-really-refreshes"
        ),
        Platform::Unknown => format!(
            "no baseline in {dir}: run `flameiq ci` (or `flameiq baseline set`) on the \
             default branch first, and keep {dir} between runs"
        ),
    }
}

/// [`no_baseline_hint`] for a store other than the local folder (`github`, ...): nothing
/// restores it, so only the default-branch run can be missing.
fn remote_no_baseline_hint(ci: &Context, store: &str) -> String {
    let branch = ci.default_branch.as_deref().unwrap_or("main");
    format!(
        "no baseline in {store}: no run on the default branch ('{branch}') has saved one yet; \
         the next one does (with `store: github` its job needs `permissions: contents: write`)"
    )
}

/// The change points the run just stored confirmed (issue 14 item 5), each reported as a
/// notice (`::notice` on GitHub, a line on stderr elsewhere). Reading the history is best
/// effort here: the baseline is already stored, so a failure is a warning, not an error.
fn new_changes(
    ctx: &Ctx,
    store: &dyn flameiq::store::Store,
    cfg: &flameiq::config::Config,
) -> Vec<compare::recent::NewChange> {
    let depth = compare::recent::recent_depth(&cfg.changes);
    let runs = match store.history_tail(depth) {
        Ok(runs) => runs,
        Err(e) => {
            post::warn(&format!("change points not checked: {e}"));
            return Vec::new();
        }
    };
    let found = compare::recent::new_change_points(&runs, &cfg.changes);
    let github = Platform::detect(&env) == Platform::GitHub;
    for c in &found {
        if github {
            println!(
                "::notice title=FlameIQ: change point::{}",
                outputs::escape_data(&c.line())
            );
        } else {
            ctx.say(format!("change point: {}", super::esc(&c.line())));
        }
    }
    found
}

/// The summary's list of new change points (empty without any).
fn changes_markdown(changes: &[compare::recent::NewChange]) -> String {
    if changes.is_empty() {
        return String::new();
    }
    let mut md = String::from("\n**Change points confirmed by this run**\n\n");
    for c in changes {
        md.push_str(&format!("- {}\n", escape_md(&c.line())));
    }
    md
}

/// Writes or updates the PR comment ([`post::post_comment`]); every failure is a warning and
/// returns None.
fn comment(
    ctx: &Ctx,
    r: &Resolved,
    ci: &Context,
    platform: Platform,
    target: &CommentTarget,
    result: &ComparisonResult,
    view: &View,
) -> Option<String> {
    if r.comment == CommentPolicy::Never {
        return None;
    }
    let post = Post {
        platform,
        policy: r.comment,
        token: r.token.clone(),
        fork: ci.is_fork(),
        run_url: ci.run_url.as_deref(),
        token_hint: "set the `github-token` input (default `${{ github.token }}`) or GITHUB_TOKEN",
    };
    post::post_comment(ctx, target, &post, result, view)
}

fn write_summary(markdown: &str, ci: &Context) -> Result<()> {
    if let Some(p) = var(&env, "GITHUB_STEP_SUMMARY") {
        outputs::append(
            Path::new(&p),
            &outputs::summary_text(markdown, ci.run_url.as_deref()),
        )?;
    }
    Ok(())
}
