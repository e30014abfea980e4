//! `flameiq validate`: check a metrics file; `--list-providers` lists the providers.

use super::Ctx;
use clap::Args;
use flameiq::error::Result;
use serde_json::json;
use std::path::PathBuf;

#[derive(Debug, Args)]
pub struct ValidateArgs {
    /// The metrics file (or folder) to check.
    #[arg(required_unless_present = "list_providers")]
    metrics_file: Option<PathBuf>,
    /// Provider (default: the config's `provider`, else json).
    #[arg(short, long)]
    provider: Option<String>,
    /// List all available providers and exit.
    #[arg(long)]
    list_providers: bool,
    /// Print JSON.
    #[arg(long)]
    pub json: bool,
}

pub fn run(ctx: &Ctx, args: ValidateArgs) -> Result<i32> {
    if args.list_providers {
        let names = flameiq::providers::names();
        if args.json {
            println!("{}", flameiq::pyjson::to_line(&json!({"providers": names})));
        } else {
            println!("Available providers:");
            for p in names {
                println!("  • {p}");
            }
        }
        return Ok(0);
    }
    let cfg = ctx.config()?;
    let path = args
        .metrics_file
        .expect("clap requires it without --list-providers");
    let provider = ctx.provider(args.provider.as_deref(), &cfg);
    let (snap, kind) = flameiq::providers::load(&path, &provider)?;
    if args.json {
        println!(
            "{}",
            flameiq::pyjson::to_line(
                &json!({"valid": true, "schema_version": 1, "metrics_count": snap.metrics.len(), "provider": kind.name()})
            )
        );
    } else {
        ctx.say(format!(
            "{} — {} metric(s) found in '{}'",
            ctx.good("✓ Valid"),
            snap.metrics.len(),
            path.display()
        ));
    }
    Ok(0)
}
