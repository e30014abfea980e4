//! `flameiq store migrate`: create or upgrade the postgres store's schema (issue 15). Every
//! connection migrates an older schema on first use anyway; this does it on purpose, e.g.
//! from an admin account before the CI's account (without CREATE) runs.

use super::{esc, Ctx};
use clap::Args;
use flameiq::error::{Error, Result};
use flameiq::store::{postgres, Location};

#[derive(Debug, Args)]
pub struct MigrateArgs {
    /// The schema version to reach (default: this flameiq's; lower: staged upgrades, tests).
    #[arg(long, value_name = "N")]
    to_version: Option<i32>,
}

pub fn migrate(ctx: &Ctx, a: MigrateArgs) -> Result<i32> {
    let location = ctx.location()?;
    let Location::Postgres(target) = &location else {
        return Err(Error::Usage(format!(
            "flameiq store migrate: the store {} has no schema to migrate; select a postgres store (--store postgres://…, FLAMEIQ_STORE or store: in flameiq.yaml)",
            esc(&location.to_string())
        )));
    };
    let (before, after) = postgres::migrate(target, a.to_version, &super::post::env)?;
    if before == after {
        ctx.say(format!(
            "{} schema of {} is at version {after}",
            ctx.good("✓"),
            esc(&target.to_string())
        ));
    } else {
        ctx.say(format!(
            "{} migrated the schema of {} from version {before} to {after}",
            ctx.good("✓"),
            esc(&target.to_string())
        ));
    }
    Ok(0)
}
