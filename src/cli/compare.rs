//! `flameiq compare`: a run against the baseline; table or JSON, plus artefacts.

use super::Ctx;
use clap::Args;
use flameiq::compare::{self, baseline, Settings};
use flameiq::error::{Error, Result};
use flameiq::render::{self, Render, View};
use std::path::{Path, PathBuf};

#[derive(Debug, Args)]
pub struct CompareArgs {
    /// The metrics file (or folder, for criterion); repeatable, each optionally
    /// `PROVIDER:FILE` (e.g. `--metrics go:bench.txt --metrics hyperfine:cli.json`), merged
    /// into one run.
    #[arg(short, long, required = true, value_name = "[PROVIDER:]FILE")]
    pub metrics: Vec<String>,
    #[command(flatten)]
    pub repetitions: super::RepetitionsArg,
    /// Provider for the metrics (and --baseline) file (default: the config's, else json).
    #[arg(short, long)]
    pub provider: Option<String>,
    /// Compare against this file instead of the store.
    #[arg(long, value_name = "FILE")]
    pub baseline: Option<PathBuf>,
    /// Override a threshold, e.g. `--threshold latency.p95=10%` (repeatable; globs allowed).
    #[arg(short, long = "threshold", value_name = "KEY=VALUE")]
    pub thresholds: Vec<String>,
    /// Exit 1 when a metric regresses (default).
    #[arg(long, overrides_with = "no_fail_on_regression")]
    pub fail_on_regression: bool,
    /// Always exit 0 on a completed comparison.
    #[arg(long)]
    pub no_fail_on_regression: bool,
    /// Print the result document on stdout.
    #[arg(long)]
    pub json: bool,
    /// Write the result document to this file.
    #[arg(short, long, value_name = "FILE")]
    pub output: Option<PathBuf>,
    /// Gate regressions on a Mann-Whitney U test as well as the threshold (as
    /// `statistics.enabled: true` in flameiq.yaml).
    #[arg(long)]
    pub statistics: bool,
    /// Write the HTML report to this file.
    #[arg(long, value_name = "FILE")]
    pub report: Option<PathBuf>,
    /// Write JUnit XML (one test case per compared metric) to this file.
    #[arg(long, value_name = "FILE")]
    pub junit: Option<PathBuf>,
    /// Write the summary Markdown (as the job summary) to this file.
    #[arg(long, value_name = "FILE")]
    pub markdown: Option<PathBuf>,
}

pub fn run(ctx: &Ctx, args: CompareArgs) -> Result<i32> {
    let flags = super::threshold_flags(&args.thresholds)?;
    let mut cfg = ctx.config()?;
    // The flag can only switch statistics on; the config's confidence still applies.
    cfg.statistics.enabled |= args.statistics;
    let provider = ctx.provider(args.provider.as_deref(), &cfg);
    flameiq::providers::check_name(&provider)?;
    let store = ctx.store()?;

    // Baseline first, as flameiq-core: with both broken, the exit code is 2.
    let base = match &args.baseline {
        Some(file) => baseline::Baseline::from_file(load_baseline_file(file, &provider)?),
        None => {
            // Read only the history something uses (issue 8): statistics, `auto` thresholds,
            // the trend columns of --report and --markdown.
            let trends = args.report.is_some() || args.markdown.is_some();
            let depth = baseline::history_depth_for(&cfg, &flags, trends);
            baseline::select_with(&*store, &cfg, depth)?
        }
    };
    let same_key = super::same_key(args.repetitions.repetitions, &cfg);
    let current = super::load_run(&args.metrics, &provider, same_key)?;
    let settings = Settings {
        flag_thresholds: flags,
        config: cfg,
    };
    let result = compare::compare(&base, &current, &settings)?;

    // Serialised once for stdout and --output alike.
    let doc = (args.json || args.output.is_some()).then(|| result.to_json());
    if let (true, Some(doc)) = (args.json, &doc) {
        println!("{doc}");
    } else if !ctx.global.quiet {
        print!(
            "{}",
            render::table::Table { color: ctx.color }.render_result(&result)
        );
    }
    if let (Some(out), Some(doc)) = (&args.output, &doc) {
        super::write_file(out, &format!("{doc}\n"))?;
    }
    // The history moves into the view (no copy); the renderers append the current values.
    let view = View {
        result: Some(&result),
        samples: View::samples_of(&base.snapshot, &current),
        change_marks: flameiq::compare::recent::trend_marks(&base, &settings.config.changes),
        history: base.history,
        environment: ctx.global.environment.clone(),
        ..View::default()
    };
    if let Some(out) = &args.report {
        super::write_file(out, &render::html::Html.render(&view)?)?;
    }
    if let Some(out) = &args.junit {
        super::write_file(out, &render::junit::render_result(&result))?;
    }
    if let Some(out) = &args.markdown {
        let md = render::markdown::Markdown {
            kind: render::markdown::Kind::Summary,
        };
        super::write_file(out, &md.render(&view)?)?;
    }
    // Keep the run for `baseline promote`, but never create a store just for that.
    if args.baseline.is_none() {
        ctx.keep_last_run(&*store, &current);
    }
    let fail = !args.no_fail_on_regression;
    Ok(if fail { result.exit_code } else { 0 })
}

/// `--baseline FILE` problems are baseline errors (exit 2), not metrics errors.
fn load_baseline_file(file: &Path, provider: &str) -> Result<flameiq::schema::Snapshot> {
    super::load_metrics(file, provider).map_err(|e| match e {
        Error::MetricsNotFound { path } => Error::NoBaseline { path },
        e if e.exit_code() == 3 => Error::BaselineCorrupted {
            path: file.into(),
            reason: e.to_string(),
        },
        other => other,
    })
}
