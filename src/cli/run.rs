//! `flameiq run`: load a metrics file with a provider, print or write it as schema v1.

use super::{esc, Ctx};
use clap::Args;
use flameiq::error::{Error, Result};
use flameiq::providers::{MetricsSpec, ProviderKind};
use flameiq::pyjson;
use serde_json::{json, Map, Value};
use std::path::PathBuf;

#[derive(Debug, Args)]
pub struct RunArgs {
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
    /// Write the normalised schema v1 snapshot here.
    #[arg(short, long)]
    output: Option<PathBuf>,
    /// Print a JSON document instead of text.
    #[arg(long)]
    pub json: bool,
    /// Key a Valgrind (cachegrind/callgrind) run `custom.NAME` instead of by the file's
    /// `cmd:` line; with exactly one --metrics file of that format.
    #[arg(long, value_name = "NAME")]
    name: Option<String>,
}

pub fn run(ctx: &Ctx, args: RunArgs) -> Result<i32> {
    let cfg = ctx.config()?;
    let provider = ctx.provider(args.provider.as_deref(), &cfg);
    let (snap, used) = match &args.name {
        None => super::load_metrics_all(
            &args.metrics,
            &provider,
            super::same_key(args.repetitions.repetitions, &cfg),
        )?,
        Some(name) => load_named(&args.metrics, &provider, name)?,
    };
    // One name for one file; several files list theirs in order (`go, hyperfine`).
    let kind_names: Vec<&str> = used.iter().map(|u| u.1.name()).collect();
    let kind_name = kind_names.join(", ");
    if let Some(out) = &args.output {
        // Streamed from the snapshot: the document of a large run is never held whole,
        // as a text or a `Value` tree (issue 19 item 9).
        let doc = flameiq::snapshot_ser::Document(&snap);
        super::write_file_with(out, &mut |w| pyjson::write_pretty(w, &doc))?;
    }
    if args.json {
        let metrics: Map<String, Value> = snap
            .flat()
            .map(|(k, v)| (k.to_string(), json!(v)))
            .collect();
        let doc = json!({
            "status": "ok",
            "schema_version": 1,
            "commit": snap.metadata.commit,
            "metrics_count": snap.metrics.len(),
            "metrics": metrics,
            "provider": kind_name,
        });
        println!("{}", pyjson::to_pretty(&doc));
    } else {
        ctx.say(format!(
            "{} via provider '{}'",
            ctx.good("✓ Snapshot loaded"),
            kind_name
        ));
        ctx.say(format!(
            "  Commit:  {}",
            esc(snap.metadata.commit.as_deref().unwrap_or("(none)"))
        ));
        ctx.say(format!("  Metrics: {} value(s)", snap.metrics.len()));
        for (k, v) in snap.flat() {
            ctx.say(format!("    {:<24} {v:.4}", esc(k)));
        }
        if let Some(out) = &args.output {
            ctx.say(format!("  Written: {}", out.display()));
        }
    }
    Ok(0)
}

/// `--name`: one Valgrind file, keyed by the given name (see `providers::load_named`).
fn load_named(
    metrics: &[String],
    provider: &str,
    name: &str,
) -> Result<(flameiq::schema::Snapshot, Vec<(PathBuf, ProviderKind)>)> {
    let [one] = metrics else {
        return Err(Error::Usage(format!(
            "--name names one run, but {} --metrics files were given; run `flameiq run \
             --name NAME --metrics FILE --output FILE.json` once per file",
            metrics.len()
        )));
    };
    let spec = MetricsSpec::parse(one);
    let provider = spec.provider.as_deref().unwrap_or(provider);
    let (snap, kind) = flameiq::providers::load_named(&spec.path, provider, name)?;
    Ok((snap, vec![(spec.path, kind)]))
}
