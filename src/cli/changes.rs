//! `flameiq changes`: the change points of each metric over the store's history.

use super::{esc, Ctx};
use clap::Args;
use flameiq::compare::changes::{HistorySeries, MetricChanges};
use flameiq::compare::round_places;
use flameiq::error::{Error, Result};
use flameiq::pyjson;
use serde_json::{json, Map, Value};

#[derive(Debug, Args)]
pub struct ChangesArgs {
    /// Only metrics whose flat key matches this glob (repeatable; default: all).
    #[arg(long = "metric", value_name = "GLOB")]
    metrics: Vec<String>,
    /// Print the change-point document as JSON.
    #[arg(long)]
    pub json: bool,
}

pub fn run(ctx: &Ctx, a: ChangesArgs) -> Result<i32> {
    let cfg = ctx.config()?;
    let store = ctx.store()?;
    let mut series = HistorySeries::new(&a.metrics);
    store.history_into(&mut series)?;
    let runs = series.runs();
    if runs == 0 {
        return Err(Error::Baseline(format!(
            "no history at '{}': change points need stored runs; run flameiq baseline set (or flameiq ci on the default branch) first",
            store
                .local()
                .map_or_else(|| store.describe(), |f| f.history_path().display().to_string())
        )));
    }
    let metrics = series.changes(&cfg.changes);
    let environment = ctx.global.environment.as_deref().unwrap_or("default");
    if a.json {
        println!(
            "{}",
            pyjson::to_pretty(&document(environment, runs, &metrics))
        );
    } else {
        print_human(ctx, environment, runs, &metrics);
    }
    Ok(0)
}

/// The `--json` document (keys sorted, numbers rounded so that the bytes do not depend on
/// the platform's `exp`/`ln`).
fn document(
    environment: &str,
    runs: usize,
    metrics: &std::collections::BTreeMap<String, MetricChanges>,
) -> Value {
    let mut out = Map::new();
    for (key, m) in metrics {
        let cps: Vec<Value> = m
            .change_points
            .iter()
            .map(|c| {
                json!({
                    "index": c.point.index,
                    "commit": c.commit,
                    "branch": c.branch,
                    "timestamp": c.timestamp,
                    "before": round_places(c.point.before, 6),
                    "after": round_places(c.point.after, 6),
                    "change_percent": round_places(c.point.forward_change() * 100.0, 4),
                    "p_value": significant(c.point.p_value, 6),
                })
            })
            .collect();
        out.insert(key.clone(), json!({"runs": m.runs, "change_points": cps}));
    }
    json!({"environment": environment, "runs": runs, "metrics": out})
}

/// `x` rounded to `digits` significant digits.
fn significant(x: f64, digits: usize) -> f64 {
    if !x.is_finite() || x == 0.0 {
        return x;
    }
    format!("{x:.prec$e}", prec = digits - 1)
        .parse()
        .unwrap_or(x)
}

fn print_human(
    ctx: &Ctx,
    environment: &str,
    runs: usize,
    metrics: &std::collections::BTreeMap<String, MetricChanges>,
) {
    ctx.say(format!(
        "{} run(s) in environment '{}', {} metric(s)",
        runs,
        esc(environment),
        metrics.len()
    ));
    let mut quiet = 0usize;
    for (key, m) in metrics {
        if m.change_points.is_empty() {
            quiet += 1;
            continue;
        }
        ctx.say(format!("{} ({} runs)", esc(key), m.runs));
        for c in &m.change_points {
            let pct = c.point.forward_change() * 100.0;
            let commit = c.commit.as_deref().map_or("-".to_string(), short);
            ctx.say(format!(
                "  {:+.2} % at run {} (commit {}, {}): {} → {}, p = {:.2e}",
                pct,
                c.point.index,
                esc(&commit),
                esc(&c.timestamp),
                round_places(c.point.before, 6),
                round_places(c.point.after, 6),
                c.point.p_value
            ));
        }
    }
    if quiet > 0 {
        ctx.say(format!("no change point in {quiet} metric(s)"));
    }
}

fn short(commit: &str) -> String {
    commit.chars().take(12).collect()
}
