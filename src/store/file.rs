//! The `file` backend: the `.flameiq/` folder, byte-compatible with flameiq-core's (baselines,
//! history and the last compared run).
//!
//! Layout, identical to flameiq-core's so a cached folder moves between the two:
//!
//! ```text
//! <dir>[/<env>]/baselines/current.json   pretty JSON, the last baseline set
//! <dir>[/<env>]/baselines/history.jsonl  one snapshot per line, appended
//! <dir>[/<env>]/baselines/.lock          advisory lock (flock) held while writing
//! <dir>[/<env>]/runs/last.json           the last run `compare` saw (for `baseline promote`)
//! ```
//!
//! Writes are atomic (a temp file in the same folder, fsync, rename), so a killed process
//! leaves either the old or the new file, never half of one (`runs/last.json`, a convenience
//! copy rewritten by every `compare`, skips the fsync: see [`FileStore::save_last_run`]).
//! Writers take an exclusive `flock` on `.lock`; the kernel drops it when a process dies, so
//! a stale lock never blocks the next run. Temp files (`.<name>.<pid>.tmp`) left by a killed
//! writer are removed by the next write (under the lock: all of them, since every writer
//! of those files holds it). An append first adds a newline if the file does not end with
//! one, so a line torn by a killed writer never merges with the next record; malformed
//! history lines are skipped with a warning, by the readers and by the `max_history` trim
//! alike.
//!
//! `baseline set` is one step ([`FileStore::save_baseline`]): everything that can fail (reading
//! the history, writing the new `current.json` and, when trimming, the new history to temp
//! files, appending the line) happens before `current.json` is replaced, and an append that
//! fails is truncated away again, so a failed set leaves both files as they were. The one
//! window left: when trimming, the history is renamed into place first and `current.json`
//! second; if that second rename fails (both files are already written in the same folder,
//! so only an I/O error of the folder itself can do it) the history holds the new snapshot
//! while `current.json` still holds the old one. A process killed between the two steps
//! leaves the same state: readable, with the old baseline.
//!
//! `history.jsonl` and `.lock` are never opened through a symbolic link (`O_NOFOLLOW`,
//! exit 2 naming the path); `current.json` and the temp files are replaced by rename,
//! which replaces a link rather than writing through it. Readers (`compare`, `baseline
//! list`) still follow links: reading through one changes nothing.
//!
//! Environment names (`--env`, `FLAMEIQ_ENV`, the `environment` input) become one folder
//! under `--dir`, so [`check_env_name`] allows only letters, digits, `.`, `_`, `-` and `+`
//! (no `/`, `\`, `..`, no leading `.`): `linux-x64`, `ubuntu-24.04`, `py3.12`,
//! `x86_64-unknown-linux-gnu`, `c++17` are fine, `../../x` and `/abs` are refused. An empty
//! name means no environment, as in flameiq-core (a matrix variable left empty).
//!
//! History is read backwards from the end of the file in blocks, so the rolling-median and
//! tagged strategies cost the lines they use, not the length of the history; a line costs
//! its length (each byte is copied a bounded number of times, however many blocks it spans).
//!
//! Length (over 500 lines): one backend (the `.flameiq/` layout byte-compatible with flameiq-core, locking, atomic writes, history reading); about 165 of them are tests.

use super::{Dump, Store};
use crate::error::{Error, Result};
use crate::fsutil;
use crate::pyjson;
use crate::schema::Snapshot;
use std::fs::{self, File, OpenOptions};
use std::io::{Read, Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};

const CURRENT: &str = "current.json";
const HISTORY: &str = "history.jsonl";
const LOCK: &str = ".lock";
const LAST_RUN: &str = "last.json";
const BLOCK: usize = 64 * 1024;
/// Longest environment name: one path component, far below any file system's limit.
const ENV_NAME_MAX: usize = 100;

/// A handle on one store folder (`<dir>` or `<dir>/<env>`).
#[derive(Debug, Clone)]
pub struct FileStore {
    /// `--dir`: the folder holding every environment.
    base: PathBuf,
    /// `<dir>` or `<dir>/<env>`.
    root: PathBuf,
}

/// Checks an environment name before it becomes a folder under `--dir` (exit 2): letters,
/// digits, `.`, `_`, `-` and `+`, at most 100 characters, not starting with `.`. An empty
/// name is allowed and means no environment.
pub fn check_env_name(name: &str) -> Result<()> {
    let allowed = |c: char| c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-' | '+');
    let problem = if name.starts_with('.') {
        Some("it starts with '.'")
    } else if !name.chars().all(allowed) {
        Some("it has a character other than letters, digits, '.', '_', '-' and '+'")
    } else if name.len() > ENV_NAME_MAX {
        Some("it is longer than 100 characters")
    } else {
        None
    };
    match problem {
        None => Ok(()),
        Some(why) => Err(Error::Usage(format!(
            "invalid environment name '{}': {why}; use letters, digits, '.', '_', '-' and '+' \
             (e.g. linux-x64, ubuntu-24.04, py3.12), no '/', '\\' or leading '.'",
            name.escape_debug()
        ))),
    }
}

impl FileStore {
    /// The store at `dir`, or at `dir/env` for a named environment. `env` is trusted as is:
    /// for a name from the command line or a CI input use [`Store::for_env`].
    pub fn new(dir: impl Into<PathBuf>, env: Option<&str>) -> FileStore {
        let base = dir.into();
        let mut root = base.clone();
        if let Some(e) = env.filter(|e| !e.is_empty()) {
            root.push(e);
        }
        FileStore { base, root }
    }

    /// [`FileStore::new`] after [`check_env_name`]: a name that would leave `dir` (`../x`,
    /// `/abs`) is an error (exit 2), not a store elsewhere.
    pub fn for_env(dir: impl Into<PathBuf>, env: Option<&str>) -> Result<FileStore> {
        if let Some(e) = env {
            check_env_name(e)?;
        }
        Ok(FileStore::new(dir, env))
    }

    /// `--dir`, the folder of every environment.
    pub fn base(&self) -> &Path {
        &self.base
    }

    /// The store folder.
    pub fn root(&self) -> &Path {
        &self.root
    }

    /// `baselines/`.
    pub fn baselines_dir(&self) -> PathBuf {
        self.root.join("baselines")
    }

    /// `baselines/current.json`.
    pub fn baseline_path(&self) -> PathBuf {
        self.baselines_dir().join(CURRENT)
    }

    /// `baselines/history.jsonl`.
    pub fn history_path(&self) -> PathBuf {
        self.baselines_dir().join(HISTORY)
    }

    /// `runs/last.json`.
    pub fn last_run_path(&self) -> PathBuf {
        self.root.join("runs").join(LAST_RUN)
    }

    /// True when `current.json` exists.
    pub fn has_baseline(&self) -> bool {
        self.baseline_path().exists()
    }

    /// Loads `current.json`: [`Error::NoBaseline`] when absent, [`Error::BaselineCorrupted`]
    /// when it does not parse as schema v1.
    pub fn load_baseline(&self) -> Result<Snapshot> {
        let path = self.baseline_path();
        load_snapshot_file(&path)?.ok_or(Error::NoBaseline { path })
    }

    /// Stores `snap` as the baseline and appends it to the history, under the lock, as one
    /// step: on any error both `current.json` and `history.jsonl` are left as they were
    /// (see the module docs for the one window a failing rename leaves). `max_history`
    /// keeps only the newest valid lines; malformed ones are dropped (with a warning) and
    /// do not count.
    pub fn save_baseline(&self, snap: &Snapshot, max_history: Option<usize>) -> Result<()> {
        let dir = self.baselines_dir();
        mkdirs(&dir)?;
        let _lock = self.lock_for_write()?;
        let current = self.baseline_path();
        let history = self.history_path();
        let doc = snap.to_value();
        let line = pyjson::to_line(&doc);
        // Everything is read and written aside before `current.json` changes.
        let rewrite = match max_history {
            Some(max) => self.trimmed_history(max, &line)?,
            None => None,
        };
        let current_tmp = fsutil::write_temp(&current, pyjson::to_pretty(&doc).as_bytes(), true)
            .map_err(storage(&current))?;
        let committed = match rewrite {
            None => append_line(&history, &line).and_then(|appended| {
                fs::rename(&current_tmp, &current).map_err(|e| {
                    appended.undo();
                    Error::Storage {
                        path: current.clone(),
                        source: e,
                    }
                })
            }),
            Some(text) => fsutil::write_temp(&history, text.as_bytes(), true)
                .map_err(storage(&history))
                .and_then(|history_tmp| {
                    fs::rename(&history_tmp, &history).map_err(|e| {
                        let _ = fs::remove_file(&history_tmp);
                        Error::Storage {
                            path: history.clone(),
                            source: e,
                        }
                    })
                })
                .and_then(|()| fs::rename(&current_tmp, &current).map_err(storage(&current))),
        };
        if committed.is_err() {
            let _ = fs::remove_file(&current_tmp);
        }
        committed
    }

    /// With `max_history`, the history a set must write instead of appending `line`:
    /// `None` when appending keeps it within `max` valid lines and it holds no bad line;
    /// otherwise the newest `max - 1` valid lines and `line`. Only reads.
    fn trimmed_history(&self, max: usize, line: &str) -> Result<Option<String>> {
        let path = self.history_path();
        let keep = max.max(1) - 1;
        let file = match fsutil::open_nofollow(&path, OpenOptions::new().read(true)) {
            Ok(f) => f,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
            Err(e) => return Err(Error::Storage { path, source: e }),
        };
        let io = storage(&path);
        let mut lines = ReverseLines::new(file).map_err(io)?;
        let mut kept: Vec<String> = Vec::new();
        // Whether the file must be rewritten: too many lines, or a bad one to drop.
        let mut rewrite = false;
        let mut lineno_from_end = 0usize;
        while let Some(raw) = lines.next_line().map_err(storage(&path))? {
            lineno_from_end += 1;
            let text = String::from_utf8_lossy(&raw);
            let trimmed = text.trim();
            if trimmed.is_empty() {
                continue;
            }
            if kept.len() == keep {
                rewrite = true;
                break;
            }
            match Snapshot::from_json_str(trimmed, &path) {
                Ok(_) => {
                    if matches!(text, std::borrow::Cow::Owned(_)) {
                        // Kept as the readers see it; the rewrite makes the file UTF-8 again.
                        tracing::warn!(
                            "replacing invalid UTF-8 in history entry {lineno_from_end} from the end of {}",
                            path.display()
                        );
                        rewrite = true;
                    }
                    kept.push(trimmed.to_string());
                }
                Err(e) => {
                    tracing::warn!(
                        "dropping malformed history entry ({lineno_from_end} from the end of {}) while trimming to max_history: {e}",
                        path.display()
                    );
                    rewrite = true;
                }
            }
        }
        if !rewrite {
            return Ok(None);
        }
        let mut text =
            String::with_capacity(kept.iter().map(|l| l.len() + 1).sum::<usize>() + line.len() + 1);
        for l in kept.iter().rev() {
            text.push_str(l);
            text.push('\n');
        }
        text.push_str(line);
        text.push('\n');
        Ok(Some(text))
    }

    /// Deletes the baseline, the history and the last run, under the lock.
    pub fn clear(&self) -> Result<()> {
        if !self.baselines_dir().exists() {
            return Ok(());
        }
        let _lock = self.lock_for_write()?;
        for p in [
            self.baseline_path(),
            self.history_path(),
            self.last_run_path(),
        ] {
            match fs::remove_file(&p) {
                Ok(()) => {}
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
                Err(e) => return Err(Error::Storage { path: p, source: e }),
            }
        }
        Ok(())
    }

    /// Keeps the run `compare` just saw, for `baseline promote`.
    ///
    /// Atomic (temp file + rename) but not fsynced: a killed process still leaves the old or
    /// the new file, and only a power cut right after the run can lose this convenience copy
    /// (promote then says there is no run, or reports it corrupt: exit 2). The fsync cost
    /// several milliseconds on every `compare` — most of a 20-metric run — for nothing a CI
    /// job can observe; the baseline and the history, which matter, keep theirs.
    pub fn save_last_run(&self, snap: &Snapshot) -> Result<()> {
        let p = self.last_run_path();
        mkdirs(p.parent().expect("runs/ has a parent"))?;
        fsutil::replace_atomically(&p, pyjson::to_pretty(&snap.to_value()).as_bytes(), false)
            .map_err(storage(&p))
    }

    /// The last compared run, if any.
    pub fn load_last_run(&self) -> Result<Option<Snapshot>> {
        load_snapshot_file(&self.last_run_path())
    }

    /// The newest `n` valid history snapshots, oldest first. Reads from the end of the file.
    pub fn history_tail(&self, n: usize) -> Result<Vec<Snapshot>> {
        let mut out = Vec::with_capacity(n.min(1024));
        if n == 0 {
            return Ok(out);
        }
        self.walk_history_backwards(|s| {
            out.push(s);
            out.len() < n
        })?;
        out.reverse();
        Ok(out)
    }

    /// All valid history snapshots, newest first.
    pub fn history_newest_first(&self) -> Result<Vec<Snapshot>> {
        let mut out = Vec::new();
        self.walk_history_backwards(|s| {
            out.push(s);
            true
        })?;
        Ok(out)
    }

    /// Calls `f` on each valid history snapshot from the newest, until it returns `false`.
    pub fn walk_history_backwards(&self, mut f: impl FnMut(Snapshot) -> bool) -> Result<()> {
        self.walk_entries(|text, n, path| match super::parse_entry(text, n, path) {
            Some(s) => f(s),
            None => true,
        })
    }

    /// The history into `sink` from the newest, offering it each entry's text first
    /// ([`Store::history_into`]).
    ///
    /// The file is read (backwards, into batches of about TEXT_BATCH_BYTES) on a thread
    /// of its own while the sink reads the previous batch, so neither waits for the other
    /// (issue 14); at most two batches are in memory.
    pub fn history_into(&self, sink: &mut dyn super::HistorySink) -> Result<()> {
        let path = self.history_path();
        let (tx, rx) = std::sync::mpsc::sync_channel::<Vec<(usize, String)>>(0);
        std::thread::scope(|scope| {
            let reader = scope.spawn(move || {
                let mut batch: Vec<(usize, String)> = Vec::new();
                let mut bytes = 0;
                self.walk_texts(|text, n| {
                    bytes += text.len();
                    batch.push((n, text));
                    if bytes >= super::TEXT_BATCH_BYTES {
                        bytes = 0;
                        // A closed channel: the sink's side is gone (it panicked).
                        return tx.send(std::mem::take(&mut batch)).is_ok();
                    }
                    true
                })?;
                if !batch.is_empty() {
                    let _ = tx.send(batch);
                }
                Ok(())
            });
            for batch in rx {
                let texts: Vec<&str> = batch.iter().map(|e| e.1.as_str()).collect();
                sink.texts(&texts, &mut |i| {
                    super::parse_entry(&batch[i].1, batch[i].0, &path)
                });
            }
            reader.join().expect("history file reader panicked")
        })
    }

    /// Calls `f` on the trimmed text of each non-empty history line from the newest, with
    /// its number counted from the end and the file's path, until it returns `false`.
    fn walk_entries(&self, mut f: impl FnMut(&str, usize, &Path) -> bool) -> Result<()> {
        let path = self.history_path();
        self.walk_texts(|text, n| f(&text, n, &path))
    }

    /// [`FileStore::walk_entries`] with each text owned (invalid UTF-8 replaced, as
    /// `from_utf8_lossy` does; a valid line, nearly always, is taken as it is, uncopied).
    fn walk_texts(&self, mut f: impl FnMut(String, usize) -> bool) -> Result<()> {
        let path = self.history_path();
        let file = match File::open(&path) {
            Ok(f) => f,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(()),
            Err(e) => return Err(Error::Storage { path, source: e }),
        };
        let mut lines = ReverseLines::new(file).map_err(storage(&path))?;
        let mut lineno_from_end = 0usize;
        while let Some(line) = lines.next_line().map_err(storage(&path))? {
            lineno_from_end += 1;
            let text = match String::from_utf8(line) {
                Ok(s) => s,
                Err(e) => String::from_utf8_lossy(e.as_bytes()).into_owned(),
            };
            let trimmed = text.trim();
            if trimmed.is_empty() {
                continue;
            }
            let text = if trimmed.len() == text.len() {
                text
            } else {
                trimmed.to_string()
            };
            if !f(text, lineno_from_end) {
                break;
            }
        }
        Ok(())
    }

    /// Replaces this environment's baseline and history by `dump` (`flameiq store import`,
    /// a migration), under the lock: the history is renamed into place first, then
    /// `current.json` (or it is removed when the dump has none), as [`FileStore::save_baseline`]
    /// does when it trims.
    pub fn replace(&self, dump: &Dump) -> Result<()> {
        let dir = self.baselines_dir();
        mkdirs(&dir)?;
        let _lock = self.lock_for_write()?;
        let current = self.baseline_path();
        let history = self.history_path();
        let text = super::history_text(&dump.history);
        let current_tmp = match &dump.baseline {
            Some(b) => Some(
                fsutil::write_temp(&current, pyjson::to_pretty(&b.to_value()).as_bytes(), true)
                    .map_err(storage(&current))?,
            ),
            None => None,
        };
        let result = fsutil::replace_atomically(&history, text.as_bytes(), true)
            .map_err(storage(&history))
            .and_then(|()| match &current_tmp {
                Some(tmp) => fs::rename(tmp, &current).map_err(storage(&current)),
                None => match fs::remove_file(&current) {
                    Err(e) if e.kind() != std::io::ErrorKind::NotFound => Err(storage(&current)(e)),
                    _ => Ok(()),
                },
            });
        if result.is_err() {
            if let Some(tmp) = &current_tmp {
                let _ = fs::remove_file(tmp);
            }
        }
        result
    }

    /// The environments under `--dir` that hold a store: `""` for `<dir>/baselines/`, then
    /// every valid environment name `N` with a `<dir>/N/baselines/` folder, sorted.
    pub fn environments(&self) -> Result<Vec<String>> {
        let mut out = Vec::new();
        if self.base.join("baselines").is_dir() {
            out.push(String::new());
        }
        let entries = match fs::read_dir(&self.base) {
            Ok(e) => e,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(out),
            Err(e) => return Err(storage(&self.base)(e)),
        };
        let mut named = Vec::new();
        for entry in entries {
            let entry = entry.map_err(storage(&self.base))?;
            let Some(name) = entry.file_name().to_str().map(str::to_string) else {
                continue;
            };
            if name != "baselines"
                && name != "runs"
                && check_env_name(&name).is_ok()
                && entry.path().join("baselines").is_dir()
            {
                named.push(name);
            }
        }
        named.sort();
        out.extend(named);
        Ok(out)
    }

    /// [`FileStore::lock`] for a writer of the baseline and the history: with the lock
    /// held, the temp files beside them are removed. Every writer of these two files holds
    /// the lock, so any temp file of theirs is a killed writer's.
    fn lock_for_write(&self) -> Result<File> {
        let lock = self.lock()?;
        fsutil::remove_stale_temps(&self.baseline_path(), true);
        fsutil::remove_stale_temps(&self.history_path(), true);
        Ok(lock)
    }

    fn lock(&self) -> Result<File> {
        let path = self.baselines_dir().join(LOCK);
        let f = fsutil::open_nofollow(
            &path,
            OpenOptions::new().create(true).truncate(false).write(true),
        )
        .map_err(storage(&path))?;
        f.lock().map_err(storage(&path))?;
        Ok(f)
    }
}

impl Store for FileStore {
    fn describe(&self) -> String {
        self.root.display().to_string()
    }

    fn load_baseline(&self) -> Result<Snapshot> {
        FileStore::load_baseline(self)
    }

    fn has_data(&self) -> Result<bool> {
        Ok(self.has_baseline() || self.history_path().exists())
    }

    fn save_baseline(&self, snap: &Snapshot, max_history: Option<usize>) -> Result<()> {
        FileStore::save_baseline(self, snap, max_history)
    }

    fn history_tail(&self, n: usize) -> Result<Vec<Snapshot>> {
        FileStore::history_tail(self, n)
    }

    fn walk_history_backwards(&self, f: &mut dyn FnMut(Snapshot) -> bool) -> Result<()> {
        FileStore::walk_history_backwards(self, f)
    }

    fn history_into(&self, sink: &mut dyn super::HistorySink) -> Result<()> {
        FileStore::history_into(self, sink)
    }

    fn clear(&self) -> Result<()> {
        FileStore::clear(self)
    }

    fn environments(&self) -> Result<Vec<String>> {
        FileStore::environments(self)
    }

    fn for_env(&self, env: &str) -> Result<Box<dyn Store>> {
        Ok(Box::new(FileStore::for_env(&self.base, Some(env))?))
    }

    fn replace_envs(&self, dumps: &[(String, Dump)]) -> Result<()> {
        for (env, dump) in dumps {
            FileStore::for_env(&self.base, Some(env))?.replace(dump)?;
        }
        Ok(())
    }

    fn local(&self) -> Option<&FileStore> {
        Some(self)
    }
}

/// Maps an I/O error on `path` to [`Error::Storage`].
fn storage(path: &Path) -> impl Fn(std::io::Error) -> Error + '_ {
    move |source| Error::Storage {
        path: path.into(),
        source,
    }
}

/// Reads a schema v1 file from the store: `Ok(None)` when absent, corrupt → exit 2.
fn load_snapshot_file(path: &Path) -> Result<Option<Snapshot>> {
    let text = match fs::read_to_string(path) {
        Ok(t) => t,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(e) => {
            return Err(Error::BaselineCorrupted {
                path: path.into(),
                reason: e.to_string(),
            })
        }
    };
    Snapshot::from_json_str(&text, path)
        .map(Some)
        .map_err(|e| Error::BaselineCorrupted {
            path: path.into(),
            reason: match e {
                Error::MetricsInvalid { reason, .. } => reason,
                other => other.to_string(),
            },
        })
}

fn mkdirs(dir: &Path) -> Result<()> {
    fs::create_dir_all(dir).map_err(storage(dir))
}

/// Writes an output artefact (report, result document, JUnit, Markdown): atomically onto
/// a new path or a regular file, straight through to a device, FIFO or `/dev/stdout`,
/// never replacing a non-regular file ([`fsutil::write_artefact`]).
pub fn atomic_write(path: &Path, bytes: &[u8]) -> Result<()> {
    fsutil::write_artefact(path, bytes).map_err(storage(path))
}

/// A line appended to the history, which [`Appended::undo`] takes back.
struct Appended {
    file: File,
    path: PathBuf,
    old_len: u64,
    existed: bool,
}

impl Appended {
    /// Best effort: truncates the history back to its old length (or removes a file the
    /// append created). Truncating frees space, so it works on a full disk too.
    fn undo(self) {
        if self.existed {
            let _ = self.file.set_len(self.old_len);
            let _ = self.file.sync_data();
        } else {
            drop(self.file);
            let _ = fs::remove_file(&self.path);
        }
    }
}

/// Appends one line, first adding a newline if the file does not end with one. Never
/// through a symbolic link; on failure the file is truncated back to its old length.
fn append_line(path: &Path, line: &str) -> Result<Appended> {
    let io = storage(path);
    let existed = fs::symlink_metadata(path).is_ok();
    let f = fsutil::open_nofollow(
        path,
        OpenOptions::new().create(true).read(true).append(true),
    )
    .map_err(&io)?;
    let old_len = f.metadata().map_err(&io)?.len();
    let mut appended = Appended {
        file: f,
        path: path.into(),
        old_len,
        existed,
    };
    let result = (|| -> std::io::Result<()> {
        let f = &mut appended.file;
        let mut buf = String::with_capacity(line.len() + 2);
        if old_len > 0 {
            let mut last = [0u8; 1];
            f.seek(SeekFrom::Start(old_len - 1))?;
            f.read_exact(&mut last)?;
            if last[0] != b'\n' {
                buf.push('\n');
            }
        }
        buf.push_str(line);
        buf.push('\n');
        f.write_all(buf.as_bytes())?;
        f.sync_data()
    })();
    match result {
        Ok(()) => Ok(appended),
        Err(e) => {
            appended.undo();
            Err(io(e))
        }
    }
}

/// Yields a file's lines from the last to the first, reading 64 KiB blocks from the end.
///
/// A line longer than a block is gathered as a list of pieces and joined once, when its
/// start is found: each byte is copied twice at most, so a 100 MB line costs 100 MB, not
/// (re-copying the growing buffer for every block) 1,600 times that.
struct ReverseLines {
    file: File,
    /// File offset of `block[0]`.
    pos: u64,
    /// The last block read; `block[..end]` is not yet consumed.
    block: Vec<u8>,
    end: usize,
    /// Pieces of the line being gathered, the piece nearest the end of the file first.
    pieces: Vec<Vec<u8>>,
}

impl ReverseLines {
    fn new(mut file: File) -> std::io::Result<Self> {
        let pos = file.seek(SeekFrom::End(0))?;
        Ok(ReverseLines {
            file,
            pos,
            block: Vec::new(),
            end: 0,
            pieces: Vec::new(),
        })
    }

    fn next_line(&mut self) -> std::io::Result<Option<Vec<u8>>> {
        loop {
            // Lines come back without their terminator; the caller skips empty ones.
            if let Some(i) = last_newline(&self.block[..self.end]) {
                let line = join(&self.block[i + 1..self.end], &mut self.pieces);
                self.end = i;
                return Ok(Some(line));
            }
            // No line start in what is left of this block: all of it belongs to the line.
            if self.end > 0 {
                let mut piece = std::mem::take(&mut self.block);
                piece.truncate(self.end);
                self.pieces.push(piece);
                self.end = 0;
            }
            if self.pos == 0 {
                if self.pieces.is_empty() {
                    return Ok(None);
                }
                return Ok(Some(join(&[], &mut self.pieces)));
            }
            let read = (self.pos as usize).min(BLOCK);
            self.pos -= read as u64;
            self.file.seek(SeekFrom::Start(self.pos))?;
            // Read into the spare capacity: `resize(read, 0)` zeroed every byte of the
            // history once more before the read overwrote it (issue 14).
            self.block.clear();
            self.block.reserve_exact(read);
            (&mut self.file)
                .take(read as u64)
                .read_to_end(&mut self.block)?;
            if self.block.len() != read {
                return Err(std::io::ErrorKind::UnexpectedEof.into());
            }
            self.end = read;
        }
    }
}

/// The position of the last `\n` in `b`: `memchr::memrchr` (vector-wide; a 250 MB history
/// is scanned once, backwards, on the reader's thread: byte by byte that was ~6
/// instructions a byte, eight bytes at a time still ~1.5, issue 14).
fn last_newline(b: &[u8]) -> Option<usize> {
    memchr::memrchr(b'\n', b)
}

/// `head` (a line's first bytes) followed by the gathered `pieces` (last piece first),
/// which it empties.
fn join(head: &[u8], pieces: &mut Vec<Vec<u8>>) -> Vec<u8> {
    let len = head.len() + pieces.iter().map(Vec::len).sum::<usize>();
    let mut line = Vec::with_capacity(len);
    line.extend_from_slice(head);
    for p in pieces.drain(..).rev() {
        line.extend_from_slice(&p);
    }
    line
}

#[cfg(test)]
mod tests {
    use super::*;

    fn snap(v: f64) -> Snapshot {
        Snapshot::from_pairs(&[("throughput", v)])
    }

    #[test]
    fn last_newline_is_rpositions_answer() {
        for len in 0..40usize {
            for at in [None, Some(0), Some(len / 2), Some(len.saturating_sub(1))] {
                let mut b = vec![b'x'; len];
                b.iter_mut()
                    .enumerate()
                    .for_each(|(i, c)| *c = b"a\x8a\x0b\xff"[i % 4]);
                if let Some(i) = at.filter(|&i| i < len) {
                    b[i] = b'\n';
                    if i > 3 {
                        b[i - 3] = b'\n';
                    }
                }
                let want = b.iter().rposition(|c| *c == b'\n');
                assert_eq!(last_newline(&b), want, "{b:?}");
            }
        }
    }

    #[test]
    fn reverse_lines_reads_across_blocks() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("f");
        let lines: Vec<String> = (0..20_000).map(|i| format!("line-{i}")).collect();
        fs::write(&p, lines.join("\n") + "\n").unwrap();
        let mut r = ReverseLines::new(File::open(&p).unwrap()).unwrap();
        let mut got = Vec::new();
        while let Some(l) = r.next_line().unwrap() {
            if !l.is_empty() {
                got.push(String::from_utf8(l).unwrap());
            }
        }
        got.reverse();
        assert_eq!(got, lines);
    }

    #[test]
    fn save_then_tail_and_trim() {
        let dir = tempfile::tempdir().unwrap();
        let store = FileStore::new(dir.path(), Some("linux"));
        for i in 1..=7 {
            store.save_baseline(&snap(i as f64), Some(5)).unwrap();
        }
        assert!(dir.path().join("linux/baselines/current.json").exists());
        let tail = store.history_tail(3).unwrap();
        let vals: Vec<f64> = tail.iter().map(|s| s.get("throughput").unwrap()).collect();
        assert_eq!(vals, [5.0, 6.0, 7.0]);
        assert_eq!(store.history_newest_first().unwrap().len(), 5);
        assert_eq!(store.load_baseline().unwrap().get("throughput"), Some(7.0));
    }

    #[test]
    fn torn_line_is_skipped_and_not_merged() {
        let dir = tempfile::tempdir().unwrap();
        let store = FileStore::new(dir.path(), None);
        store.save_baseline(&snap(1.0), None).unwrap();
        // A writer killed mid-line leaves no trailing newline.
        let mut f = OpenOptions::new()
            .append(true)
            .open(store.history_path())
            .unwrap();
        f.write_all(br#"{"schema_version": 1, "metr"#).unwrap();
        store.save_baseline(&snap(2.0), None).unwrap();
        let all = store.history_newest_first().unwrap();
        let vals: Vec<f64> = all.iter().map(|s| s.get("throughput").unwrap()).collect();
        assert_eq!(vals, [2.0, 1.0]);
    }

    #[test]
    fn issue19_item8_reverse_lines_joins_a_line_of_many_blocks() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("f");
        // A line of 5.5 blocks between two short ones, and no final newline.
        let long: String = (0..BLOCK * 11 / 2)
            .map(|i| (b'a' + (i % 26) as u8) as char)
            .collect();
        fs::write(&p, format!("first\n{long}\nlast")).unwrap();
        let mut r = ReverseLines::new(File::open(&p).unwrap()).unwrap();
        assert_eq!(r.next_line().unwrap().unwrap(), b"last");
        assert_eq!(r.next_line().unwrap().unwrap(), long.as_bytes());
        assert_eq!(r.next_line().unwrap().unwrap(), b"first");
        assert_eq!(r.next_line().unwrap(), None);
        // A file that is one long line ending in a newline.
        fs::write(&p, format!("{long}\n")).unwrap();
        let mut r = ReverseLines::new(File::open(&p).unwrap()).unwrap();
        assert_eq!(r.next_line().unwrap().unwrap(), b"");
        assert_eq!(r.next_line().unwrap().unwrap(), long.as_bytes());
        assert_eq!(r.next_line().unwrap(), None);
    }

    #[test]
    fn issue19_item10_trim_skips_bad_lines_and_keeps_the_limit() {
        let dir = tempfile::tempdir().unwrap();
        let store = FileStore::new(dir.path(), None);
        for i in 1..=3 {
            store.save_baseline(&snap(i as f64), None).unwrap();
        }
        // A line that is not UTF-8 and a torn line without its newline.
        let mut f = OpenOptions::new()
            .append(true)
            .open(store.history_path())
            .unwrap();
        f.write_all(b"\xff\xfe not json\n{\"schema_version\": 1, \"metr")
            .unwrap();
        store.save_baseline(&snap(4.0), Some(3)).unwrap();
        let text = fs::read_to_string(store.history_path()).expect("valid UTF-8 again");
        assert_eq!(text.lines().count(), 3, "{text}");
        let vals: Vec<f64> = store
            .history_newest_first()
            .unwrap()
            .iter()
            .map(|s| s.get("throughput").unwrap())
            .collect();
        assert_eq!(vals, [4.0, 3.0, 2.0]);
        // Within the limit and clean: a plain append, earlier lines byte for byte.
        let before = fs::read(store.history_path()).unwrap();
        store.save_baseline(&snap(5.0), Some(10)).unwrap();
        let after = fs::read(store.history_path()).unwrap();
        assert_eq!(&after[..before.len()], &before[..]);
        assert_eq!(store.history_newest_first().unwrap().len(), 4);
    }

    #[test]
    fn issue19_item12_env_names() {
        for ok in [
            "linux-x64",
            "ubuntu-24.04",
            "py3.12",
            "x86_64-unknown-linux-gnu",
            "c++17",
            "Windows_2022",
            "node-20.x",
            "",
        ] {
            assert!(check_env_name(ok).is_ok(), "{ok}");
        }
        for bad in [
            "../../../escaped",
            "/abs",
            "a/b",
            "a\\b",
            "..",
            ".",
            ".hidden",
            "linux x64",
            "tab\there",
            "ünï",
        ] {
            let e = check_env_name(bad).unwrap_err();
            assert_eq!(e.exit_code(), 2);
            let msg = e.to_string();
            assert!(msg.contains("invalid environment name"), "{msg}");
            assert!(
                !msg.contains('\n') && !msg.contains('\t'),
                "one line: {msg}"
            );
        }
        assert!(check_env_name(&"x".repeat(101)).is_err());
        assert!(FileStore::for_env("d", Some("../x")).is_err());
        assert_eq!(
            FileStore::for_env("d", Some("linux")).unwrap().root(),
            Path::new("d/linux")
        );
    }

    #[test]
    fn corrupt_current_json_is_exit_2() {
        let dir = tempfile::tempdir().unwrap();
        let store = FileStore::new(dir.path(), None);
        fs::create_dir_all(store.baselines_dir()).unwrap();
        fs::write(store.baseline_path(), "{not json").unwrap();
        let e = store.load_baseline().unwrap_err();
        assert_eq!(e.exit_code(), 2);
        assert!(e.to_string().contains("corrupted"), "{e}");
    }
}
