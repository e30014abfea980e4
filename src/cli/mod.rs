//! Command-line parsing (clap) and the shared plumbing of the subcommands. Binary only: the
//! library has no clap types.

mod baseline;
mod changes;
mod check;
mod ci;
mod comment;
mod compare;
mod dashboard;
mod init;
mod post;
mod report;
mod run;
mod store;
mod store_pg;
mod validate;

use clap::{Args, Parser, Subcommand, ValueEnum};
use flameiq::config::{self, Config, Rules, Threshold};
use flameiq::error::{Error, Result};
use flameiq::providers::SameKey;
use flameiq::schema::Snapshot;
use flameiq::store::{FileStore, Location, Store};
use std::io::IsTerminal;
use std::path::{Path, PathBuf};

/// FlameIQ — deterministic, offline, CI-native performance-regression gate.
///
/// Exit codes: 0 pass, 1 regression, 2 configuration or baseline error, 3 metrics file
/// invalid or unreadable.
#[derive(Debug, Parser)]
#[command(name = "flameiq", version, about, long_about = None, after_help = "Quick start:\n  flameiq init\n  flameiq baseline set --metrics benchmark.json\n  flameiq compare --metrics current.json\n\nExit codes: 0 pass · 1 regression · 2 config/baseline error · 3 metrics file error")]
pub struct Cli {
    #[command(flatten)]
    pub global: Global,
    #[command(subcommand)]
    pub command: Command,
}

/// Options every subcommand takes.
#[derive(Debug, Args)]
pub struct Global {
    /// Configuration file (a missing file means defaults).
    #[arg(
        long,
        global = true,
        env = "FLAMEIQ_CONFIG",
        default_value = "flameiq.yaml"
    )]
    pub config: PathBuf,
    /// Store folder.
    #[arg(long, global = true, env = "FLAMEIQ_DIR", default_value = ".flameiq")]
    pub dir: PathBuf,
    /// Where the history lives: `file:PATH`, `github`, `github:OWNER/REPO@BRANCH`,
    /// `postgres://…` (default: the config's `store:`, else `file:` at --dir).
    #[arg(long, global = true, env = "FLAMEIQ_STORE", value_name = "URL")]
    pub store: Option<String>,
    /// The Action's `store` input (set by `flameiq ci`; below the config's `store:`).
    #[arg(skip)]
    pub store_input: Option<String>,
    /// Per-environment store (`<dir>/<NAME>/`), for matrix jobs and runner types.
    // Repeatable for `dashboard` only; `dispatch` refuses it twice for the others.
    #[arg(long = "env", global = true, env = "FLAMEIQ_ENV", value_name = "NAME", action = clap::ArgAction::Append)]
    pub environments: Vec<String>,
    /// The one `--env` of every command but `dashboard` (set from `environments`).
    #[arg(skip)]
    pub environment: Option<String>,
    /// Debug logging on stderr.
    #[arg(short, long, global = true)]
    pub verbose: bool,
    /// Print only results and errors.
    #[arg(short, long, global = true, conflicts_with = "verbose")]
    pub quiet: bool,
    /// Colour output.
    #[arg(long, global = true, value_enum, default_value_t = ColorChoice::Auto)]
    pub color: ColorChoice,
}

/// `--color`.
#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum ColorChoice {
    /// Colour when stdout is a terminal and `NO_COLOR` is unset.
    Auto,
    /// Always colour.
    Always,
    /// Never colour.
    Never,
}

impl ColorChoice {
    /// Whether a stream that `is_terminal` (or not) gets colour: the flag, else `NO_COLOR`
    /// and whether it is a terminal. One rule for stdout's table and stderr's log.
    pub fn enabled(self, is_terminal: bool) -> bool {
        match self {
            ColorChoice::Always => true,
            ColorChoice::Never => false,
            ColorChoice::Auto => {
                std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty()) && is_terminal
            }
        }
    }
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Write flameiq.yaml, create the store and ignore it in git.
    Init(init::InitArgs),
    /// Manage baseline snapshots.
    #[command(subcommand)]
    Baseline(baseline::BaselineCmd),
    /// Compare a run against the baseline.
    Compare(compare::CompareArgs),
    /// Write the self-contained HTML report.
    Report(report::ReportArgs),
    /// Check a metrics file.
    Validate(validate::ValidateArgs),
    /// Load and normalise a metrics file (e.g. convert a tool's output to schema v1).
    Run(run::RunArgs),
    /// CI in one step: baseline on the default branch, compare and comment on a PR.
    Ci(ci::CiArgs),
    /// Post or update the PR/MR comment from a saved result (fork PRs: from `workflow_run`).
    Comment(comment::CommentArgs),
    /// Change points of each metric over the stored history.
    Changes(changes::ChangesArgs),
    /// Move the history between stores (`export --to URL`, `import --from URL`).
    #[command(subcommand)]
    Store(store::StoreCmd),
    /// Write a static site of the whole history (every environment, one chart per metric).
    Dashboard(dashboard::DashboardArgs),
}

/// How a command reports an error on stdout when `--json` is on.
#[derive(Debug, Clone, Copy)]
pub enum JsonErrorShape {
    /// `{"status": "error", "message": ...}`
    Status,
    /// `{"valid": false, "error": ...}` (validate)
    Valid,
}

impl JsonErrorShape {
    pub fn render(self, msg: &str) -> String {
        let v = match self {
            JsonErrorShape::Status => serde_json::json!({"status": "error", "message": msg}),
            JsonErrorShape::Valid => serde_json::json!({"valid": false, "error": msg}),
        };
        flameiq::pyjson::to_line(&v)
    }
}

impl Command {
    /// Whether the command reads a benchmark tool's output (a file as large as the tool
    /// printed), rather than only the store's history.
    pub fn reads_benchmark_output(&self) -> bool {
        matches!(
            self,
            Command::Run(_) | Command::Compare(_) | Command::Ci(_) | Command::Validate(_)
        )
    }

    /// Whether errors must also be printed as JSON on stdout.
    pub fn json_errors(&self) -> Option<JsonErrorShape> {
        match self {
            Command::Compare(a) if a.json => Some(JsonErrorShape::Status),
            Command::Run(a) if a.json => Some(JsonErrorShape::Status),
            Command::Validate(a) if a.json => Some(JsonErrorShape::Valid),
            Command::Baseline(b) if b.json() => Some(JsonErrorShape::Status),
            Command::Changes(a) if a.json => Some(JsonErrorShape::Status),
            _ => None,
        }
    }
}

/// Runs the parsed command; returns the exit code of a successful run.
pub fn dispatch(mut cli: Cli) -> Result<i32> {
    if cli.global.environments.len() > 1 && !matches!(cli.command, Command::Dashboard(_)) {
        return Err(Error::Usage(format!(
            "--env was given {} times; only flameiq dashboard takes more than one environment",
            cli.global.environments.len()
        )));
    }
    cli.global.environment = cli.global.environments.first().cloned();
    let ctx = Ctx::new(cli.global);
    match cli.command {
        Command::Init(a) => init::run(&ctx, a),
        Command::Baseline(b) => baseline::run(&ctx, b),
        Command::Compare(a) => compare::run(&ctx, a),
        Command::Report(a) => report::run(&ctx, a),
        Command::Validate(a) => validate::run(&ctx, a),
        Command::Run(a) => run::run(&ctx, a),
        Command::Ci(a) => ci::run(&ctx, a),
        Command::Comment(a) => comment::run(&ctx, a),
        Command::Changes(a) => changes::run(&ctx, a),
        Command::Store(c) => store::run(&ctx, c),
        Command::Dashboard(a) => dashboard::run(&ctx, a),
    }
}

/// What subcommands share: global options resolved.
pub struct Ctx {
    pub global: Global,
    pub color: bool,
}

impl Ctx {
    fn new(global: Global) -> Ctx {
        let color = global.color.enabled(std::io::stdout().is_terminal());
        Ctx { global, color }
    }

    pub fn config(&self) -> Result<Config> {
        Config::load(&self.global.config)
    }

    /// The store URL in force: `--store`/`FLAMEIQ_STORE`, the config's `store:`, the
    /// Action's input, else `file:` at `--dir` (see [`flameiq::store`]).
    pub fn location(&self) -> Result<Location> {
        let given = |s: &Option<String>| s.clone().filter(|u| !u.trim().is_empty());
        let url = match given(&self.global.store) {
            Some(u) => Some(u),
            None => self
                .config()?
                .store
                .url
                .or_else(|| given(&self.global.store_input)),
        };
        match url {
            Some(u) => Location::parse(&u, &self.global.dir),
            None => Ok(Location::File(self.global.dir.clone())),
        }
    }

    /// The store of `--store` (or its defaults) and `--env`; an environment name that
    /// would leave the store (`../x`, `/abs`) is exit 2.
    pub fn store(&self) -> Result<Box<dyn Store>> {
        self.store_env(self.global.environment.as_deref())
    }

    /// [`Ctx::store`] for environment `env` (`None`: the store's root), whatever `--env`
    /// says (`dashboard` reads several).
    pub fn store_env(&self, env: Option<&str>) -> Result<Box<dyn Store>> {
        let location = self.with_config(self.location()?)?;
        if let Location::File(dir) = &location {
            if self.store_given_empty() {
                tracing::warn!(
                    "the store URL is empty in this job (no secret, as on a fork PR?): using the local folder {} instead",
                    dir.display()
                );
            }
        }
        location.open(env, &self.global.dir, &post::env)
    }

    /// `location` with what the config adds to it: `store.repository`, which names this
    /// repository in a postgres database several share (issue 15).
    pub fn with_config(&self, mut location: Location) -> Result<Location> {
        if let Location::Postgres(t) = &mut location {
            t.repository = self.config()?.store.repository;
        }
        Ok(location)
    }

    /// Whether a store URL was given but empty (`store: ${{ secrets.FLAMEIQ_STORE }}` in a
    /// job without the secret): reads fall back to the local folder, with a notice.
    fn store_given_empty(&self) -> bool {
        let empty = |s: &Option<String>| s.as_deref().is_some_and(|u| u.trim().is_empty());
        empty(&self.global.store) || empty(&self.global.store_input)
    }

    /// The local folder of `--dir` and `--env`, which keeps the last compared run whatever
    /// the store (see [`flameiq::store`]).
    pub fn local_store(&self) -> Result<FileStore> {
        FileStore::for_env(&self.global.dir, self.global.environment.as_deref())
    }

    /// Where the last compared run is kept: the file store itself, else the local folder.
    pub fn last_run_home(&self, store: &dyn Store) -> Result<FileStore> {
        match store.local() {
            Some(f) => Ok(f.clone()),
            None => self.local_store(),
        }
    }

    /// Keeps `run` for `baseline promote` ([`Ctx::last_run_home`]): with the file store only
    /// when the store exists (never created just for that), with any other store always.
    pub fn keep_last_run(&self, store: &dyn Store, run: &Snapshot) {
        let keep = match store.local() {
            Some(f) => f.baselines_dir().exists().then(|| f.clone()),
            None => self.local_store().ok(),
        };
        if let Some(local) = keep {
            if let Err(e) = local.save_last_run(run) {
                tracing::warn!("could not keep the run for 'baseline promote': {e}");
            }
        }
    }

    /// Prints what the store did beyond its job (an import, ...), unless `--quiet`.
    pub fn say_notices(&self, store: &dyn Store) {
        for n in store.take_notices() {
            self.say(format!("ℹ {}", esc(&n)));
        }
    }

    /// Prints a human line unless `--quiet`.
    pub fn say(&self, line: impl AsRef<str>) {
        if !self.global.quiet {
            println!("{}", line.as_ref());
        }
    }

    /// `text` in green bold when colour is on.
    pub fn good(&self, text: &str) -> String {
        self.paint("\x1b[1;32m", text)
    }

    pub fn paint(&self, style: &str, text: &str) -> String {
        if self.color {
            format!("{style}{text}\x1b[0m")
        } else {
            text.to_string()
        }
    }

    /// The provider to use: the flag, else the config's, else `json` (flameiq-core's default).
    pub fn provider(&self, flag: Option<&str>, cfg: &Config) -> String {
        flag.map(str::to_string)
            .or_else(|| cfg.provider.clone())
            .unwrap_or_else(|| "json".into())
    }
}

/// An untrusted string (metric name, commit, branch, tag) made safe to print: the one
/// escaping function every human output uses ([`flameiq::render::fmt::escape_terminal`]).
pub fn esc(s: &str) -> std::borrow::Cow<'_, str> {
    flameiq::render::fmt::escape_terminal(s)
}

/// Parses all `--threshold K=V` flags (exit 2 on the first bad one).
pub fn threshold_flags(flags: &[String]) -> Result<Rules<Threshold>> {
    let mut rules = Rules::default();
    for f in flags {
        let (k, t) = config::parse_threshold_flag(f)?;
        rules.insert(k, t);
    }
    Ok(rules)
}

/// Loads a metrics file (exit 3 on any problem with it; exit 2 for an unknown provider).
pub fn load_metrics(path: &Path, provider: &str) -> Result<Snapshot> {
    let (snap, kind) = flameiq::providers::load(path, provider)?;
    tracing::debug!(
        "loaded {} metric(s) from {} via {}",
        snap.metrics.len(),
        path.display(),
        kind.name()
    );
    Ok(snap)
}

/// `--repetitions`, shared by the commands that read a run (`run`, `compare`, `report`,
/// `baseline set`; `ci` takes it as an input).
#[derive(Debug, Clone, Copy, Default, Args)]
pub struct RepetitionsArg {
    /// The --metrics files are repetitions of the same benchmarks, each from its own
    /// process (e.g. the suite run twice in the job, with half the samples each): a key
    /// found in several files is one metric, its samples pooled and its value the best of
    /// the files' values (the smallest for lower-is-better, the median for `both`). A runner
    /// that slows one whole process then cannot fail the gate by itself (docs/statistics.md,
    /// "Repetitions").
    #[arg(long)]
    pub repetitions: bool,
}

/// What to do with a key several `--metrics` files produce: refuse it, or with
/// `--repetitions` pool it (later processes lose their `noise.warmup_runs`).
pub fn same_key(repetitions: bool, cfg: &flameiq::config::Config) -> SameKey<'_> {
    if repetitions {
        SameKey::Pool {
            warmup: cfg.noise.warmup_runs,
            directions: &cfg.directions,
        }
    } else {
        SameKey::Refuse
    }
}

/// Loads every `--metrics [PROVIDER:]FILE` value into one snapshot (see
/// [`flameiq::providers::load_many`]): exit 3 on a problem with a file or (unless
/// `same_key` pools it) a key two files produce, exit 2 for an unknown provider. Returns
/// the files with the provider of each.
pub fn load_metrics_all(
    values: &[String],
    provider: &str,
    same_key: SameKey<'_>,
) -> Result<(Snapshot, Vec<(PathBuf, flameiq::providers::ProviderKind)>)> {
    let specs: Vec<_> = values
        .iter()
        .map(|v| flameiq::providers::MetricsSpec::parse(v))
        .collect();
    let (snap, used) = flameiq::providers::load_many(&specs, provider, same_key)?;
    for (path, kind) in &used {
        tracing::debug!("read {} via {}", path.display(), kind.name());
    }
    Ok((snap, used))
}

/// Loads the run of `baseline set` / `compare` (see [`load_metrics_all`]); inside a CI its
/// commit and branch win over the files' (issue 11, defect 2).
pub fn load_run(values: &[String], provider: &str, same_key: SameKey<'_>) -> Result<Snapshot> {
    let (mut snap, _) = load_metrics_all(values, provider, same_key)?;
    if let Some(ci) = flameiq::ci::detect_facts(&post::env) {
        flameiq::ci::apply_facts(&mut snap, &ci);
    }
    Ok(snap)
}

/// The `--metrics` values for messages: `a.txt, go:b.txt`.
pub fn metrics_label(values: &[String]) -> String {
    values.join(", ")
}

/// Writes an output artefact, creating its folder: atomically onto a new path or a regular
/// file, straight through to a device, FIFO or `/dev/stdout` (never replacing one).
pub fn write_file(path: &Path, text: &str) -> Result<()> {
    write_file_with(path, &mut |w| w.write_all(text.as_bytes()))
}

/// [`write_file`] for a document written as it is made, never held whole (`run -o`).
pub fn write_file_with(path: &Path, write: &mut flameiq::fsutil::WriteFn<'_>) -> Result<()> {
    let out = |e| Error::Output {
        path: path.into(),
        source: e,
    };
    if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
        std::fs::create_dir_all(dir).map_err(out)?;
    }
    flameiq::fsutil::write_artefact_with(path, write).map_err(out)
}

/// Sets up tracing on stderr: warnings by default, debug with `-v`, errors only with `-q`.
pub fn init_logging(g: &Global) {
    use tracing_subscriber::fmt::format::Writer;
    use tracing_subscriber::fmt::{FmtContext, FormatEvent, FormatFields};
    use tracing_subscriber::registry::LookupSpan;

    struct Plain;
    impl<S, N> FormatEvent<S, N> for Plain
    where
        S: tracing::Subscriber + for<'a> LookupSpan<'a>,
        N: for<'a> FormatFields<'a> + 'static,
    {
        fn format_event(
            &self,
            ctx: &FmtContext<'_, S, N>,
            mut w: Writer<'_>,
            ev: &tracing::Event<'_>,
        ) -> std::fmt::Result {
            let level = match *ev.metadata().level() {
                tracing::Level::ERROR => "error",
                tracing::Level::WARN => "warning",
                tracing::Level::INFO => "info",
                _ => "debug",
            };
            // Fields are formatted without ANSI and then escaped: messages carry metric
            // names from the pull request's code, and no log line may start a workflow
            // command or repaint the terminal (issue 19 item 1).
            let mut text = String::new();
            ctx.field_format()
                .format_fields(Writer::new(&mut text), ev)?;
            writeln!(
                w,
                "{level}: {}",
                flameiq::render::fmt::escape_terminal(&text)
            )
        }
    }

    let level = if g.verbose {
        tracing::Level::DEBUG
    } else if g.quiet {
        tracing::Level::ERROR
    } else {
        tracing::Level::WARN
    };
    // ANSI only for a terminal that accepts colour (issue 19 item 14): a CI log or a file
    // gets plain text.
    let ansi = g.color.enabled(std::io::stderr().is_terminal());
    let _ = tracing_subscriber::fmt()
        .with_max_level(level)
        .with_ansi(ansi)
        .with_writer(std::io::stderr)
        .event_format(Plain)
        .try_init();
}
