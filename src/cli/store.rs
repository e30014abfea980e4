//! `flameiq store export|import`: move the history between store backends, losslessly
//! (every environment's baseline and history; `--env` moves one environment).
//!
//! `export --to URL` copies the selected store (`--store`, `FLAMEIQ_STORE`, `store:`, or
//! `--from URL`) to `URL`; `import --from URL` copies `URL` into the selected store (or
//! `--to URL`). The two are one operation seen from either end. A target that already
//! holds history for an environment being copied is refused (exit 2) unless `--force`,
//! which replaces those environments and leaves the others alone. The file store written
//! by a copy is byte for byte what `baseline set` writes, so file → github → file gives
//! back the same files.

use super::{esc, Ctx};
use clap::{Args, Subcommand};
use flameiq::error::{Error, Result};
use flameiq::store::{self, Location, Store};

#[derive(Debug, Subcommand)]
pub enum StoreCmd {
    /// Copy the selected store (or --from) to another store.
    Export(CopyArgs),
    /// Copy another store into the selected one (or --to).
    Import(CopyArgs),
    /// Create or upgrade the postgres store's schema (also done on first use).
    Migrate(super::store_pg::MigrateArgs),
}

#[derive(Debug, Args)]
pub struct CopyArgs {
    /// The store to read (export: default the selected store; import: required).
    #[arg(long, value_name = "URL")]
    from: Option<String>,
    /// The store to write (import: default the selected store; export: required).
    #[arg(long, value_name = "URL")]
    to: Option<String>,
    /// Replace environments the target already holds.
    #[arg(long)]
    force: bool,
}

pub fn run(ctx: &Ctx, cmd: StoreCmd) -> Result<i32> {
    let (a, need) = match cmd {
        StoreCmd::Export(a) => (a, "to"),
        StoreCmd::Import(a) => (a, "from"),
        StoreCmd::Migrate(a) => return super::store_pg::migrate(ctx, a),
    };
    let given = match need {
        "to" => &a.to,
        _ => &a.from,
    };
    if given.is_none() {
        return Err(Error::Usage(format!(
            "flameiq store {}: --{need} URL is required (e.g. --{need} file:.flameiq or --{need} github)",
            if need == "to" { "export" } else { "import" }
        )));
    }
    let dir = &ctx.global.dir;
    let open = |url: &Option<String>| -> Result<(Location, Box<dyn Store>)> {
        let loc = ctx.with_config(match url {
            Some(u) => Location::parse(u, dir)?,
            None => ctx.location()?,
        })?;
        let s = loc.open(None, dir, &super::post::env)?;
        Ok((loc, s))
    };
    let (from_loc, from) = open(&a.from)?;
    let (to_loc, to) = open(&a.to)?;
    if from_loc == to_loc {
        return Err(Error::Usage(format!(
            "the source and the target are the same store ({})",
            esc(&from_loc.to_string())
        )));
    }
    let mut dumps = match ctx.global.environment.as_deref() {
        Some(env) => {
            store::check_env_name(env)?;
            vec![(env.to_string(), from.for_env(env)?.export()?)]
        }
        None => store::export_all(&*from)?,
    };
    dumps.retain(|(_, d)| d.baseline.is_some() || !d.history.is_empty());
    if dumps.is_empty() {
        return Err(Error::Baseline(format!(
            "nothing to copy: {} holds no baseline or history",
            esc(&from.describe())
        )));
    }
    if !a.force {
        let mut taken = Vec::new();
        for (env, _) in &dumps {
            if to.for_env(env)?.has_data()? {
                taken.push(if env.is_empty() {
                    "(default)".to_string()
                } else {
                    env.clone()
                });
            }
        }
        if !taken.is_empty() {
            return Err(Error::Usage(format!(
                "{} already holds history for environment(s) {}; nothing was copied (pass --force to replace them)",
                esc(&to.describe()),
                esc(&taken.join(", "))
            )));
        }
    }
    to.replace_envs(&dumps)?;
    let runs: usize = dumps.iter().map(|(_, d)| d.history.len()).sum();
    ctx.say(format!(
        "{} {runs} run(s) of {} environment(s) from {} to {}",
        ctx.good("✓ Copied"),
        dumps.len(),
        esc(&from.describe()),
        esc(&to.describe())
    ));
    Ok(0)
}
