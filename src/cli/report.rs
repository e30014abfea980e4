//! `flameiq report`: the self-contained HTML report. With no baseline it still writes a
//! report of the current values (saying no baseline exists yet) and exits 2, as
//! flameiq-core exits 2.

use super::Ctx;
use clap::Args;
use flameiq::compare::{self, baseline, Settings};
use flameiq::error::{Error, Result};
use flameiq::render::{html::Html, Render, View};
use std::path::PathBuf;

#[derive(Debug, Args)]
pub struct ReportArgs {
    /// The metrics file (or folder, for criterion); repeatable, each optionally
    /// `PROVIDER:FILE` (e.g. `--metrics go:bench.txt --metrics hyperfine:cli.json`), merged
    /// into one run.
    #[arg(short, long, required = true, value_name = "[PROVIDER:]FILE")]
    metrics: Vec<String>,
    #[command(flatten)]
    repetitions: super::RepetitionsArg,
    /// Provider (default: the config's `provider`, else json).
    #[arg(short, long)]
    provider: Option<String>,
    /// Where to write the report (default: <dir>/report.html).
    #[arg(short, long)]
    output: Option<PathBuf>,
    /// Override a threshold (repeatable).
    #[arg(short, long = "threshold", value_name = "KEY=VALUE")]
    thresholds: Vec<String>,
}

pub fn run(ctx: &Ctx, args: ReportArgs) -> Result<i32> {
    let flags = super::threshold_flags(&args.thresholds)?;
    let cfg = ctx.config()?;
    let provider = ctx.provider(args.provider.as_deref(), &cfg);
    flameiq::providers::check_name(&provider)?;
    let out = args
        .output
        .unwrap_or_else(|| ctx.global.dir.join("report.html"));
    let store = ctx.store()?;
    let base = baseline::select(&*store, &cfg);
    let same_key = super::same_key(args.repetitions.repetitions, &cfg);
    let (current, _) = super::load_metrics_all(&args.metrics, &provider, same_key)?;
    match base {
        Ok(base) => {
            let settings = Settings {
                flag_thresholds: flags,
                config: cfg,
            };
            let result = compare::compare(&base, &current, &settings)?;
            let view = View {
                result: Some(&result),
                history: base.history.clone(),
                environment: ctx.global.environment.clone(),
                ..View::default()
            };
            super::write_file(&out, &Html.render(&view)?)?;
            ctx.say(format!(
                "{} {}",
                ctx.good("✓ Report generated:"),
                out.display()
            ));
            Ok(0)
        }
        Err(e @ (Error::NoBaseline { .. } | Error::Baseline(_))) => {
            let view = View {
                environment: ctx.global.environment.clone(),
                ..View::first_run(&current)
            };
            super::write_file(&out, &Html.render(&view)?)?;
            ctx.say(format!(
                "Report of current values (no baseline yet): {}",
                out.display()
            ));
            Err(e)
        }
        Err(e) => Err(e),
    }
}
