//! Where the history lives: one interface ([`Store`]) over the store backends, and the
//! store URL that selects one ([`Location`]).
//!
//! # Backends
//!
//! | URL | backend | module |
//! |---|---|---|
//! | `file:PATH` (or `file`: `--dir`) | the `.flameiq/` folder, byte-compatible with flameiq-core; the CLI's default | [`mod@file`] |
//! | `github` | this repository's branch `flameiq-data` (`GITHUB_REPOSITORY`) | [`github`] |
//! | `github:OWNER/REPO` / `github:OWNER/REPO@BRANCH` | another repository or branch | [`github`] |
//! | `postgres://…` / `postgresql://…` | a PostgreSQL database shared by many repositories (issue 15) | [`postgres`] |
//!
//! Selection, first that is set: `--store URL`, `FLAMEIQ_STORE`, `store:` in
//! `flameiq.yaml`, the Action's `store` input (`flameiq ci` only), else `file:` at `--dir`.
//! The config file is read before the Action's input because the input always carries a
//! value (its default, `github`): a repository that writes `store:` in its `flameiq.yaml`
//! means it. `--dir` keeps naming the local folder whatever the store: it holds the last
//! compared run (`runs/last.json`, for `baseline promote`, a per-machine convenience that
//! no backend shares) and the result JSON of `flameiq ci`, and is the source of the
//! one-time import of the `github` store.
//!
//! # The interface
//!
//! A [`Store`] is one environment (`--env`) of one store; [`Store::for_env`] reaches a
//! sibling and [`Store::environments`] lists them (for `flameiq store export|import`). The
//! API is synchronous for the rest of the library; a backend that speaks a network
//! protocol runs its own runtime inside (async stays inside the backend).
//!
//! Each operation is one a SQL (or remote) backend can answer without reading everything:
//!
//! - [`Store::load_baseline`]: the last baseline set (`current.json`).
//! - [`Store::save_baseline`]: append a run to the history, make it the baseline and trim
//!   the history to `max_history` — **one atomic step** (one transaction, one commit, one
//!   locked rename sequence): a failed or killed writer leaves the old state whole, and
//!   concurrent writers lose no run.
//! - [`Store::history_tail`]: the last N runs, oldest first (rolling median, statistics,
//!   `auto` bands) — `ORDER BY … DESC LIMIT N`.
//! - [`Store::walk_history_backwards`]: newest first until the callback says stop
//!   (`tagged`, `baseline list`, `changes`); [`Store::walk_history_forwards`] oldest first,
//!   streaming, for backends that read that way cheaply.
//! - [`Store::run_for_commit`]: the newest stored run of a commit (merge-base baselines) —
//!   an indexed look-up where the backend has one.
//! - [`Store::clear`], [`Store::export`] / [`Store::replace_envs`] (lossless moves between
//!   backends: a [`Dump`] per environment is the baseline plus the history, oldest first).
//!
//! The semantics are the file store's on every backend: environments, strategies, tags,
//! `max_history` (the newest valid runs are kept; malformed entries are dropped with a
//! warning and never fatal), promote, clear. Errors are [`crate::error::Error`] variants
//! with exit code 2; a store that cannot be reached or written on a run that must save a
//! baseline is an error, never a warning (a silently unsaved baseline disables the gate).

pub mod file;
pub mod github;
pub mod postgres;

pub use file::{atomic_write, check_env_name, FileStore};

use crate::error::{Error, Result};
use crate::pyjson;
use crate::schema::Snapshot;
use std::fmt;
use std::path::{Path, PathBuf};

/// One environment's whole content, for moving history between backends.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Dump {
    /// The baseline (`current.json`), if set.
    pub baseline: Option<Snapshot>,
    /// The history, oldest first.
    pub history: Vec<Snapshot>,
}

/// One environment of a store backend (see the module docs for the contract).
pub trait Store: fmt::Debug {
    /// Where this is, for messages: a path, or `github:OWNER/REPO@BRANCH (env NAME)`.
    fn describe(&self) -> String;

    /// The baseline: [`Error::NoBaseline`] when none is set, [`Error::BaselineCorrupted`]
    /// when it cannot be read.
    fn load_baseline(&self) -> Result<Snapshot>;

    /// Whether a baseline or any history is stored.
    fn has_data(&self) -> Result<bool>;

    /// Appends `snap` to the history, makes it the baseline and keeps at most
    /// `max_history` runs (the backend's default when `None`), as one atomic step.
    fn save_baseline(&self, snap: &Snapshot, max_history: Option<usize>) -> Result<()>;

    /// The newest `n` valid history runs, oldest first.
    fn history_tail(&self, n: usize) -> Result<Vec<Snapshot>>;

    /// Calls `f` on each valid history run from the newest, until it returns `false`.
    fn walk_history_backwards(&self, f: &mut dyn FnMut(Snapshot) -> bool) -> Result<()>;

    /// Calls `f` on each valid history run from the oldest, until it returns `false`.
    /// The default collects the history newest first and reverses it.
    fn walk_history_forwards(&self, f: &mut dyn FnMut(Snapshot) -> bool) -> Result<()> {
        for s in self.history_newest_first()?.into_iter().rev() {
            if !f(s) {
                break;
            }
        }
        Ok(())
    }

    /// Every valid history run from the newest into `sink`, as
    /// [`Store::walk_history_backwards`] gives them; a backend that holds runs as text
    /// offers each run's text first ([`HistorySink::text`]). The default gives snapshots.
    fn history_into(&self, sink: &mut dyn HistorySink) -> Result<()> {
        self.walk_history_backwards(&mut |s| {
            sink.snapshot(s);
            true
        })
    }

    /// All valid history runs, newest first.
    fn history_newest_first(&self) -> Result<Vec<Snapshot>> {
        let mut out = Vec::new();
        self.walk_history_backwards(&mut |s| {
            out.push(s);
            true
        })?;
        Ok(out)
    }

    /// The newest history run whose commit is `commit` (full SHA, or a prefix of at least
    /// 7 characters either way: stored commits may be short).
    fn run_for_commit(&self, commit: &str) -> Result<Option<Snapshot>> {
        let mut found = None;
        self.walk_history_backwards(&mut |s| {
            if s.metadata
                .commit
                .as_deref()
                .is_some_and(|c| same_commit(c, commit))
            {
                found = Some(s);
                false
            } else {
                true
            }
        })?;
        Ok(found)
    }

    /// Deletes this environment's baseline and history.
    fn clear(&self) -> Result<()>;

    /// The environments this store holds (`""`: the one of no `--env`), sorted.
    fn environments(&self) -> Result<Vec<String>>;

    /// The sibling environment `env` of the same store (`""`: no environment).
    fn for_env(&self, env: &str) -> Result<Box<dyn Store>>;

    /// This environment's content.
    fn export(&self) -> Result<Dump> {
        let history = {
            let mut h = self.history_newest_first()?;
            h.reverse();
            h
        };
        let baseline = match self.load_baseline() {
            Ok(b) => Some(b),
            Err(Error::NoBaseline { .. }) => None,
            Err(e) => return Err(e),
        };
        Ok(Dump { baseline, history })
    }

    /// Replaces the listed environments' content by the dumps (others are untouched); a
    /// backend that can does it in one step.
    fn replace_envs(&self, dumps: &[(String, Dump)]) -> Result<()>;

    /// Messages for the user about what the last operation did beyond its job (e.g. "imported
    /// the local store"); the CLI prints them. Taking them empties the list.
    fn take_notices(&self) -> Vec<String> {
        Vec::new()
    }

    /// The file backend behind this handle, when it is one.
    fn local(&self) -> Option<&FileStore> {
        None
    }
}

/// A reader of the whole history that can read a run's stored text itself, faster than
/// through a [`Snapshot`] ([`Store::history_into`]; `flameiq changes` and `dashboard`).
pub trait HistorySink {
    /// A run's stored JSON text (trimmed, not empty): `true` when taken; `false` to be
    /// given the run as a snapshot read the ordinary way instead (a malformed one is
    /// skipped with the usual warning). What is taken must be what the snapshot holds.
    fn text(&mut self, text: &str) -> bool;

    /// A run read the ordinary way.
    fn snapshot(&mut self, snap: Snapshot);

    /// Several runs' texts at once, newest first (a sink may read them in parallel):
    /// `ordinary(i)` reads `texts[i]` the ordinary way, `None` (after its warning) when it
    /// is malformed. The default offers them one at a time, in order.
    fn texts(&mut self, texts: &[&str], ordinary: &mut dyn FnMut(usize) -> Option<Snapshot>) {
        for (i, t) in texts.iter().enumerate() {
            if !self.text(t) {
                if let Some(s) = ordinary(i) {
                    self.snapshot(s);
                }
            }
        }
    }
}

/// Bytes of history text handed to [`HistorySink::texts`] at once: large enough for the
/// cores to share, small enough that the text never sits in memory whole.
pub const TEXT_BATCH_BYTES: usize = 32 << 20;

/// Every environment's dump of `store` (`flameiq store export`).
pub fn export_all(store: &dyn Store) -> Result<Vec<(String, Dump)>> {
    let mut out = Vec::new();
    for env in store.environments()? {
        out.push((env.clone(), store.for_env(&env)?.export()?));
    }
    Ok(out)
}

/// Whether two commit ids name the same commit: equal, or one a prefix (7 characters at
/// least) of the other, ignoring case.
pub fn same_commit(a: &str, b: &str) -> bool {
    let (a, b) = (a.trim().to_ascii_lowercase(), b.trim().to_ascii_lowercase());
    if a.is_empty() || b.is_empty() {
        return false;
    }
    let (short, long) = if a.len() <= b.len() {
        (&a, &b)
    } else {
        (&b, &a)
    };
    short.len() >= 7 && long.starts_with(short.as_str())
}

/// A store URL, parsed (see the module docs for the forms).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Location {
    /// `file:PATH`.
    File(PathBuf),
    /// `github[:OWNER/REPO[@BRANCH]]`.
    GitHub(github::Target),
    /// `postgres://…` / `postgresql://…` (issue 15).
    Postgres(postgres::Target),
}

/// The branch of `github` and `github:OWNER/REPO`.
pub const DEFAULT_BRANCH: &str = "flameiq-data";

impl Location {
    /// Parses a store URL; `dir` is the folder of a bare `file`. Anything else is exit 2
    /// naming the value and the accepted forms.
    pub fn parse(url: &str, dir: &Path) -> Result<Location> {
        let url = url.trim();
        let bad = |why: &str| {
            Error::Usage(format!(
                "invalid store '{}': {why}; expected file:PATH, github, github:OWNER/REPO, github:OWNER/REPO@BRANCH or postgres://USER@HOST/DB",
                url.escape_debug()
            ))
        };
        if url == "file" {
            return Ok(Location::File(dir.to_path_buf()));
        }
        if let Some(path) = url.strip_prefix("file:") {
            let path = path.strip_prefix("//").unwrap_or(path);
            if path.is_empty() {
                return Err(bad("the path after 'file:' is empty"));
            }
            return Ok(Location::File(PathBuf::from(path)));
        }
        if url == "github" {
            return Ok(Location::GitHub(github::Target {
                repo: None,
                branch: DEFAULT_BRANCH.into(),
            }));
        }
        if let Some(rest) = url.strip_prefix("github:") {
            let (repo, branch) = match rest.split_once('@') {
                Some((r, b)) => (r, b),
                None => (rest, DEFAULT_BRANCH),
            };
            let repo = if repo.is_empty() {
                None
            } else {
                Some(github::check_repo(repo).map_err(|w| bad(&w))?)
            };
            github::check_branch(branch).map_err(|w| bad(&w))?;
            return Ok(Location::GitHub(github::Target {
                repo,
                branch: branch.into(),
            }));
        }
        if postgres::is_postgres_url(url) {
            return Ok(Location::Postgres(postgres::Target::parse(url)?));
        }
        Err(bad("unknown kind of store"))
    }

    /// Opens environment `env` (already checked by the caller or checked here) of the
    /// store. `dir` is the local folder (`--dir`), `vars` the process environment.
    pub fn open(
        &self,
        env: Option<&str>,
        dir: &Path,
        vars: &dyn Fn(&str) -> Option<String>,
    ) -> Result<Box<dyn Store>> {
        if let Some(e) = env {
            check_env_name(e)?;
        }
        match self {
            Location::File(path) => Ok(Box::new(FileStore::for_env(path, env)?)),
            Location::GitHub(t) => Ok(Box::new(github::GitHubStore::open(t, env, dir, vars)?)),
            Location::Postgres(t) => Ok(Box::new(postgres::PgStore::open(t, env, vars)?)),
        }
    }

    /// Whether this is the file store.
    pub fn is_file(&self) -> bool {
        matches!(self, Location::File(_))
    }
}

impl fmt::Display for Location {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Location::File(p) => write!(f, "file:{}", p.display()),
            Location::GitHub(t) => write!(f, "{t}"),
            Location::Postgres(t) => write!(f, "{t}"),
        }
    }
}

/// The history file's text for `runs` (oldest first): one compact line each, as the file
/// store writes them.
pub fn history_text(runs: &[Snapshot]) -> String {
    let mut text = String::new();
    for r in runs {
        text.push_str(&pyjson::to_line(&r.to_value()));
        text.push('\n');
    }
    text
}

/// The history text after appending `line` to `text` and keeping at most `max` valid
/// lines — what the file store leaves on disk in the same case, byte for byte: a plain
/// append (a newline first if `text` lacks its last one) when that stays within `max`
/// and every line is valid; otherwise the newest `max - 1` valid lines and `line`, with a
/// warning per dropped malformed line. `what` names the file in warnings.
pub fn append_history(text: &str, line: &str, max: Option<usize>, what: &str) -> String {
    let plain = |text: &str| {
        let mut out = String::with_capacity(text.len() + line.len() + 2);
        out.push_str(text);
        if !text.is_empty() && !text.ends_with('\n') {
            out.push('\n');
        }
        out.push_str(line);
        out.push('\n');
        out
    };
    let Some(max) = max else {
        return plain(text);
    };
    let keep = max.max(1) - 1;
    let mut kept: Vec<&str> = Vec::new();
    let mut rewrite = false;
    for (i, raw) in text.rsplit('\n').enumerate() {
        let t = raw.trim();
        if t.is_empty() {
            continue;
        }
        if kept.len() == keep {
            rewrite = true;
            break;
        }
        match Snapshot::from_json_str(t, Path::new(what)) {
            Ok(_) => kept.push(t),
            Err(e) => {
                tracing::warn!(
                    "dropping malformed history entry ({} from the end of {what}) while trimming to max_history: {e}",
                    i + 1
                );
                rewrite = true;
            }
        }
    }
    if !rewrite {
        return plain(text);
    }
    let mut out = String::new();
    for l in kept.iter().rev() {
        out.push_str(l);
        out.push('\n');
    }
    out.push_str(line);
    out.push('\n');
    out
}

/// Walks the lines of a history text from the newest, parsing each; malformed lines are
/// skipped with a warning naming `what`.
pub fn walk_text_backwards(
    text: &str,
    what: &str,
    f: &mut dyn FnMut(Snapshot) -> bool,
) -> Result<()> {
    for (i, t) in entries_backwards(text) {
        if let Some(s) = parse_entry(t, i, Path::new(what)) {
            if !f(s) {
                break;
            }
        }
    }
    Ok(())
}

/// [`walk_text_backwards`] into a [`HistorySink`], offering it the lines' text first.
pub fn text_into(text: &str, what: &str, sink: &mut dyn HistorySink) -> Result<()> {
    let entries: Vec<(usize, &str)> = entries_backwards(text).collect();
    let texts: Vec<&str> = entries.iter().map(|e| e.1).collect();
    sink.texts(&texts, &mut |i| {
        parse_entry(entries[i].1, entries[i].0, Path::new(what))
    });
    Ok(())
}

/// The non-empty trimmed lines of a history text from the newest, each with its line
/// number counted from the end (1 = the last line).
fn entries_backwards(text: &str) -> impl Iterator<Item = (usize, &str)> {
    text.rsplit('\n')
        .enumerate()
        .map(|(i, raw)| (i + 1, raw.trim()))
        .filter(|(_, t)| !t.is_empty())
}

/// One history entry read the ordinary way; `None`, with a warning naming the entry
/// (`n` from the end of `path`), when it is malformed.
pub(crate) fn parse_entry(text: &str, n: usize, path: &Path) -> Option<Snapshot> {
    match Snapshot::from_json_str(text, path) {
        Ok(s) => Some(s),
        Err(e) => {
            tracing::warn!(
                "skipping malformed history entry ({n} from the end of {}): {e}",
                path.display()
            );
            None
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn snap(v: f64) -> Snapshot {
        Snapshot::from_pairs(&[("throughput", v)])
    }

    #[test]
    fn issue13_store_urls_parse() {
        let dir = Path::new(".flameiq");
        assert_eq!(
            Location::parse("file:/tmp/x", dir).unwrap(),
            Location::File("/tmp/x".into())
        );
        assert_eq!(
            Location::parse("file", dir).unwrap(),
            Location::File(".flameiq".into())
        );
        let Location::GitHub(t) = Location::parse("github", dir).unwrap() else {
            panic!()
        };
        assert_eq!((t.repo, t.branch.as_str()), (None, "flameiq-data"));
        let Location::GitHub(t) = Location::parse("github:acme/widgets@perf/data", dir).unwrap()
        else {
            panic!()
        };
        assert_eq!(t.repo.as_deref(), Some("acme/widgets"));
        assert_eq!(t.branch, "perf/data");
        for bad in [
            "s3://x",
            "github:acme",
            "github:acme/w/x",
            "github:acme/w@",
            "github:acme/w@a..b",
            "github:acme/w@-x",
            "github:ac me/w",
            "github:acme/w@a b",
            "file:",
        ] {
            let e = Location::parse(bad, dir).unwrap_err();
            assert_eq!(e.exit_code(), 2, "{bad}");
            assert!(e.to_string().contains("invalid store"), "{e}");
        }
    }

    #[test]
    fn issue13_append_history_matches_the_file_store_byte_for_byte() {
        let dir = tempfile::tempdir().unwrap();
        let fs_store = FileStore::new(dir.path(), None);
        let mut text = String::new();
        for i in 1..=7 {
            let s = snap(i as f64);
            fs_store.save_baseline(&s, Some(5)).unwrap();
            let line = pyjson::to_line(&s.to_value());
            text = append_history(&text, &line, Some(5), "history.jsonl");
            assert_eq!(
                std::fs::read_to_string(fs_store.history_path()).unwrap(),
                text,
                "after run {i}"
            );
        }
        // A torn line without its newline: the next append starts a new line.
        let torn = format!("{text}{{\"schema_version\": 1, \"me");
        let out = append_history(&torn, "X", None, "h");
        assert!(out.ends_with("\"me\nX\n"), "{out}");
    }

    #[test]
    fn issue13_same_commit_accepts_prefixes_of_seven() {
        assert!(same_commit("abc1234", "ABC1234def"));
        assert!(same_commit("abc1234def", "abc1234def"));
        assert!(!same_commit("abc123", "abc123def"));
        assert!(!same_commit("", ""));
        assert!(!same_commit("abc1234", "abc1235"));
    }
}
