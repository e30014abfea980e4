//! `flameiq init`: the commented `flameiq.yaml`, the store folder, and a `.gitignore` entry.

use super::Ctx;
use clap::Args;
use flameiq::error::{Error, Result};
use std::path::Path;

#[derive(Debug, Args)]
pub struct InitArgs {
    /// Overwrite an existing flameiq.yaml.
    #[arg(short, long)]
    force: bool,
}

const TEMPLATE: &str = include_str!("../../templates/flameiq.yaml");

pub fn run(ctx: &Ctx, args: InitArgs) -> Result<i32> {
    let g = &ctx.global;
    let baselines = ctx.local_store()?.baselines_dir();
    std::fs::create_dir_all(&baselines).map_err(|e| Error::Storage {
        path: baselines.clone(),
        source: e,
    })?;
    ctx.say(format!(
        "{} Created {}",
        ctx.good("✓"),
        ctx.local_store()?.root().display()
    ));

    if g.config.exists() && !args.force {
        ctx.say(format!(
            "! {} already exists (use --force to overwrite).",
            g.config.display()
        ));
    } else {
        super::write_file(&g.config, TEMPLATE)?;
        ctx.say(format!("{} Created {}", ctx.good("✓"), g.config.display()));
    }

    let entry = format!(
        "{}/baselines/",
        g.dir.display().to_string().trim_end_matches('/')
    );
    if ensure_gitignore(Path::new(".gitignore"), &entry)? {
        ctx.say(format!("{} Updated .gitignore", ctx.good("✓")));
    }
    ctx.say("");
    ctx.say("FlameIQ initialised.");
    ctx.say("Next steps:");
    ctx.say("  1. Run your benchmarks and produce a metrics JSON file.");
    ctx.say("  2. flameiq baseline set --metrics benchmark.json");
    ctx.say("  3. flameiq compare --metrics current.json --fail-on-regression");
    Ok(0)
}

/// Adds `entry` to `.gitignore` (creating it) unless a line already ignores the store.
/// Returns whether the file changed.
fn ensure_gitignore(path: &Path, entry: &str) -> Result<bool> {
    let content = match std::fs::read_to_string(path) {
        Ok(c) => c,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => String::new(),
        Err(e) => {
            return Err(Error::Output {
                path: path.into(),
                source: e,
            })
        }
    };
    let dir = entry.trim_end_matches("baselines/").trim_end_matches('/');
    let covered = content.lines().any(|l| {
        let l = l.trim().trim_start_matches('/').trim_end_matches('/');
        l == dir
            || l == entry.trim_end_matches('/')
            || l == format!("{dir}/*")
            || l == format!("{dir}/baselines")
    });
    if covered {
        return Ok(false);
    }
    let mut out = content;
    if !out.is_empty() && !out.ends_with('\n') {
        out.push('\n');
    }
    if !out.is_empty() {
        out.push('\n');
    }
    out.push_str("# FlameIQ — do not commit baselines\n");
    out.push_str(entry);
    out.push('\n');
    super::write_file(path, &out)?;
    Ok(true)
}
