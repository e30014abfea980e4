//! `flameiq baseline set|show|list|clear|promote`.
//!
//! `baseline set` run inside a CI (GitHub Actions, GitLab CI, CircleCI, Jenkins, detected as
//! `flameiq ci` detects them) records the CI's commit and branch, not the metrics file's
//! (see [`flameiq::ci`]), so `baseline list` shows real branches, never `(detached head)`.

use super::{esc, Ctx};
use clap::{Args, Subcommand};
use flameiq::compare::baseline;
use flameiq::error::{Error, Result};
use flameiq::pyjson;
use serde_json::{json, Value};
use std::io::BufRead;

#[derive(Debug, Subcommand)]
pub enum BaselineCmd {
    /// Store a metrics file as the baseline and append it to the history.
    Set(SetArgs),
    /// Print the baseline the next compare would use (after the strategy).
    Show(JsonFlag),
    /// The history, newest first.
    List(JsonFlag),
    /// Delete baseline and history (asks for confirmation).
    Clear(ClearArgs),
    /// Make the last compared run the baseline.
    Promote,
}

impl BaselineCmd {
    pub fn json(&self) -> bool {
        matches!(self, BaselineCmd::Show(j) | BaselineCmd::List(j) if j.json)
    }
}

#[derive(Debug, Args)]
pub struct SetArgs {
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
    /// Tag this baseline (e.g. `v1.0.0`), for the `tagged` strategy.
    #[arg(long)]
    tag: Option<String>,
}

#[derive(Debug, Args)]
pub struct JsonFlag {
    /// Print JSON.
    #[arg(long)]
    pub json: bool,
}

#[derive(Debug, Args)]
pub struct ClearArgs {
    /// Do not ask.
    #[arg(short, long)]
    yes: bool,
}

pub fn run(ctx: &Ctx, cmd: BaselineCmd) -> Result<i32> {
    match cmd {
        BaselineCmd::Set(a) => set(ctx, a),
        BaselineCmd::Show(a) => show(ctx, a.json),
        BaselineCmd::List(a) => list(ctx, a.json),
        BaselineCmd::Clear(a) => clear(ctx, a.yes),
        BaselineCmd::Promote => promote(ctx),
    }
}

fn set(ctx: &Ctx, a: SetArgs) -> Result<i32> {
    let cfg = ctx.config()?;
    let provider = ctx.provider(a.provider.as_deref(), &cfg);
    // Load and validate everything before touching the store: a failed set changes nothing.
    let same_key = super::same_key(a.repetitions.repetitions, &cfg);
    let mut snap = super::load_run(&a.metrics, &provider, same_key)?;
    if let Some(tag) = &a.tag {
        snap.metadata
            .tags
            .insert("release".into(), Value::String(tag.clone()));
    }
    let store = ctx.store()?;
    store.save_baseline(&snap, cfg.baseline.max_history)?;
    ctx.say_notices(&*store);
    print_set(ctx, &snap, a.tag.as_deref());
    Ok(0)
}

fn print_set(ctx: &Ctx, snap: &flameiq::schema::Snapshot, tag: Option<&str>) {
    match tag {
        Some(t) => ctx.say(format!("{} (tag: {})", ctx.good("✓ Baseline set"), esc(t))),
        None => ctx.say(ctx.good("✓ Baseline set")),
    }
    ctx.say(format!(
        "  Commit:  {}",
        esc(snap.metadata.commit.as_deref().unwrap_or("(none)"))
    ));
    ctx.say(format!(
        "  Branch:  {}",
        esc(snap.metadata.branch.as_deref().unwrap_or("(none)"))
    ));
    if let Some(t) = tag {
        ctx.say(format!("  Tag:     {}", esc(t)));
    }
    ctx.say(format!("  Metrics: {} value(s) stored", snap.metrics.len()));
}

fn show(ctx: &Ctx, as_json: bool) -> Result<i32> {
    let cfg = ctx.config()?;
    let b = baseline::select(&*ctx.store()?, &cfg)?;
    let s = &b.snapshot;
    if as_json {
        println!("{}", pyjson::to_pretty(&s.to_value()));
        return Ok(0);
    }
    let m = &s.metadata;
    println!("\nCurrent Baseline ({})", b.strategy);
    println!("  Commit:      {}", esc(m.commit.as_deref().unwrap_or("—")));
    println!("  Branch:      {}", esc(m.branch.as_deref().unwrap_or("—")));
    println!("  Environment: {}", esc(&m.environment));
    println!("  Timestamp:   {}", esc(&m.timestamp));
    println!("  Run ID:      {}", esc(&m.run_id));
    if !m.tags.is_empty() {
        println!("  Tags:        {}", esc(&pyjson::to_line(&m.tags)));
    }
    println!("\n  Metrics:");
    for (k, v) in s.flat() {
        println!("    {:<24} {v:.4}", esc(k));
    }
    println!();
    Ok(0)
}

fn list(ctx: &Ctx, as_json: bool) -> Result<i32> {
    let all = ctx.store()?.history_newest_first()?;
    if as_json {
        let rows: Vec<Value> = all
            .iter()
            .map(|s| {
                json!({
                    "run_id": s.metadata.run_id,
                    "commit": s.metadata.commit,
                    "branch": s.metadata.branch,
                    "timestamp": s.metadata.timestamp,
                    "environment": s.metadata.environment,
                    "tags": s.metadata.tags,
                    "metrics_count": s.metrics.len(),
                })
            })
            .collect();
        println!("{}", pyjson::to_pretty(&rows));
        return Ok(0);
    }
    if all.is_empty() {
        println!("No baseline history. Run: flameiq baseline set --metrics <file>");
        return Ok(0);
    }
    println!(
        "  {:<12} {:<20} {:<32} {:>7}  Tags",
        "Commit", "Branch", "Time", "Metrics"
    );
    for s in &all {
        let m = &s.metadata;
        let commit: String = m
            .commit
            .as_deref()
            .unwrap_or("—")
            .chars()
            .take(12)
            .collect();
        let tags = if m.tags.is_empty() {
            String::new()
        } else {
            pyjson::to_line(&m.tags)
        };
        println!(
            "  {:<12} {:<20} {:<32} {:>7}  {}",
            esc(&commit),
            esc(m.branch.as_deref().unwrap_or("—")),
            esc(&m.timestamp),
            s.metrics.len(),
            esc(&tags)
        );
    }
    Ok(0)
}

fn clear(ctx: &Ctx, yes: bool) -> Result<i32> {
    if !yes {
        eprint!(
            "Delete baseline and all history in {}? This cannot be undone. [y/N]: ",
            esc(&ctx.store()?.describe())
        );
        let mut answer = String::new();
        let read = std::io::stdin().lock().read_line(&mut answer).unwrap_or(0);
        let a = answer.trim().to_ascii_lowercase();
        if read == 0 || !(a == "y" || a == "yes") {
            eprintln!();
            return Err(Error::Usage(
                "aborted: nothing was deleted (answer 'y' or pass --yes)".into(),
            ));
        }
    }
    ctx.store()?.clear()?;
    ctx.say(format!("{} Baseline storage cleared.", ctx.good("✓")));
    Ok(0)
}

fn promote(ctx: &Ctx) -> Result<i32> {
    let cfg = ctx.config()?;
    let store = ctx.store()?;
    match ctx.last_run_home(&*store)?.load_last_run()? {
        None => {
            ctx.say("ℹ No compared run to promote yet. Run: flameiq baseline set --metrics <latest_metrics.json>");
            Ok(0)
        }
        Some(snap) => {
            store.save_baseline(&snap, cfg.baseline.max_history)?;
            ctx.say_notices(&*store);
            print_set(ctx, &snap, None);
            ctx.say("  Source:  the last compared run (.flameiq runs/last.json)");
            Ok(0)
        }
    }
}
