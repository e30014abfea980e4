//! The `.flameiq/` store: baselines, history and the last compared run.
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
//! copy rewritten by every `compare`, skips the fsync: see [`Store::save_last_run`]).
//! Writers take an exclusive `flock` on `.lock`; the kernel drops it when a process dies, so
//! a stale lock never blocks the next run. An append first adds a newline if the file does not end with one, so a line
//! torn by a killed writer never merges with the next record; malformed history lines are
//! skipped with a warning.
//!
//! History is read backwards from the end of the file in blocks, so the rolling-median and
//! tagged strategies cost the lines they use, not the length of the history.

use crate::error::{Error, Result};
use crate::jsonfmt;
use crate::schema::Snapshot;
use std::fs::{self, File, OpenOptions};
use std::io::{Read, Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};

const CURRENT: &str = "current.json";
const HISTORY: &str = "history.jsonl";
const LOCK: &str = ".lock";
const LAST_RUN: &str = "last.json";
const BLOCK: usize = 64 * 1024;

/// A handle on one store folder (`<dir>` or `<dir>/<env>`).
#[derive(Debug, Clone)]
pub struct Store {
    root: PathBuf,
}

impl Store {
    /// The store at `dir`, or at `dir/env` for a named environment.
    pub fn new(dir: impl Into<PathBuf>, env: Option<&str>) -> Store {
        let mut root = dir.into();
        if let Some(e) = env.filter(|e| !e.is_empty()) {
            root.push(e);
        }
        Store { root }
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

    /// Stores `snap` as the baseline and appends it to the history, under the lock.
    /// `max_history` trims the oldest lines.
    pub fn save_baseline(&self, snap: &Snapshot, max_history: Option<usize>) -> Result<()> {
        let dir = self.baselines_dir();
        mkdirs(&dir)?;
        let _lock = self.lock()?;
        let doc = snap.to_value();
        atomic_write(&self.baseline_path(), jsonfmt::to_pretty(&doc).as_bytes())?;
        let line = jsonfmt::to_line(&doc);
        append_line(&self.history_path(), &line)?;
        if let Some(max) = max_history {
            self.trim_history(max)?;
        }
        Ok(())
    }

    /// Deletes the baseline, the history and the last run, under the lock.
    pub fn clear(&self) -> Result<()> {
        if !self.baselines_dir().exists() {
            return Ok(());
        }
        let _lock = self.lock()?;
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
        write_atomically(&p, jsonfmt::to_pretty(&snap.to_value()).as_bytes(), false)
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
        let path = self.history_path();
        let file = match File::open(&path) {
            Ok(f) => f,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(()),
            Err(e) => return Err(Error::Storage { path, source: e }),
        };
        let mut lines = ReverseLines::new(file).map_err(|e| Error::Storage {
            path: path.clone(),
            source: e,
        })?;
        let mut lineno_from_end = 0usize;
        while let Some(line) = lines.next_line().map_err(|e| Error::Storage {
            path: path.clone(),
            source: e,
        })? {
            lineno_from_end += 1;
            let text = String::from_utf8_lossy(&line);
            let text = text.trim();
            if text.is_empty() {
                continue;
            }
            match Snapshot::from_json_str(text, &path) {
                Ok(s) => {
                    if !f(s) {
                        break;
                    }
                }
                Err(e) => tracing::warn!(
                    "skipping malformed history entry ({lineno_from_end} from the end of {}): {e}",
                    path.display()
                ),
            }
        }
        Ok(())
    }

    fn trim_history(&self, max: usize) -> Result<()> {
        let path = self.history_path();
        let text = fs::read_to_string(&path).map_err(|e| Error::Storage {
            path: path.clone(),
            source: e,
        })?;
        let lines: Vec<&str> = text.lines().filter(|l| !l.trim().is_empty()).collect();
        if lines.len() <= max {
            return Ok(());
        }
        let mut kept = lines[lines.len() - max..].join("\n");
        kept.push('\n');
        atomic_write(&path, kept.as_bytes())
    }

    fn lock(&self) -> Result<File> {
        let path = self.baselines_dir().join(LOCK);
        let f = OpenOptions::new()
            .create(true)
            .truncate(false)
            .write(true)
            .open(&path)
            .map_err(|e| Error::Storage {
                path: path.clone(),
                source: e,
            })?;
        f.lock().map_err(|e| Error::Storage { path, source: e })?;
        Ok(f)
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
    fs::create_dir_all(dir).map_err(|e| Error::Storage {
        path: dir.into(),
        source: e,
    })
}

/// Writes `bytes` to `path` atomically: temp file in the same folder, fsync, rename.
pub fn atomic_write(path: &Path, bytes: &[u8]) -> Result<()> {
    write_atomically(path, bytes, true)
}

/// [`atomic_write`], with the fsync only when `durable` (see [`Store::save_last_run`]).
fn write_atomically(path: &Path, bytes: &[u8], durable: bool) -> Result<()> {
    let dir = path
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| "out".into());
    let tmp = dir.join(format!(".{name}.{}.tmp", std::process::id()));
    let io = |e| Error::Storage {
        path: path.into(),
        source: e,
    };
    let result = (|| -> std::io::Result<()> {
        let mut f = File::create(&tmp)?;
        f.write_all(bytes)?;
        if durable {
            f.sync_all()?;
        } else {
            // ext4 (auto_da_alloc) forces the new data out when a rename *replaces* a file,
            // which blocked `compare` for milliseconds on a busy disk. For a file that need
            // not be durable, unlink the old one first so the rename replaces nothing; a
            // reader in between sees no file, which `baseline promote` reports as "no run".
            match fs::remove_file(path) {
                Ok(()) => {}
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
                Err(e) => return Err(e),
            }
        }
        fs::rename(&tmp, path)
    })();
    if result.is_err() {
        let _ = fs::remove_file(&tmp);
    }
    result.map_err(io)
}

/// Appends one line, first adding a newline if the file does not end with one.
fn append_line(path: &Path, line: &str) -> Result<()> {
    let io = |e| Error::Storage {
        path: path.into(),
        source: e,
    };
    let mut f = OpenOptions::new()
        .create(true)
        .read(true)
        .append(true)
        .open(path)
        .map_err(io)?;
    let len = f.metadata().map_err(io)?.len();
    let mut buf = String::with_capacity(line.len() + 2);
    if len > 0 {
        let mut last = [0u8; 1];
        f.seek(SeekFrom::Start(len - 1)).map_err(io)?;
        f.read_exact(&mut last).map_err(io)?;
        if last[0] != b'\n' {
            buf.push('\n');
        }
    }
    buf.push_str(line);
    buf.push('\n');
    f.write_all(buf.as_bytes()).map_err(io)?;
    f.sync_data().map_err(io)
}

/// Yields a file's lines from the last to the first, reading 64 KiB blocks from the end.
struct ReverseLines {
    file: File,
    pos: u64,
    buf: Vec<u8>,
}

impl ReverseLines {
    fn new(mut file: File) -> std::io::Result<Self> {
        let pos = file.seek(SeekFrom::End(0))?;
        Ok(ReverseLines {
            file,
            pos,
            buf: Vec::new(),
        })
    }

    fn next_line(&mut self) -> std::io::Result<Option<Vec<u8>>> {
        loop {
            // Lines come back without their terminator; the caller skips empty ones.
            if let Some(i) = self.buf.iter().rposition(|b| *b == b'\n') {
                let line = self.buf.split_off(i + 1);
                self.buf.truncate(i);
                return Ok(Some(line));
            }
            if self.pos == 0 {
                if self.buf.is_empty() {
                    return Ok(None);
                }
                return Ok(Some(std::mem::take(&mut self.buf)));
            }
            let read = (self.pos as usize).min(BLOCK);
            self.pos -= read as u64;
            self.file.seek(SeekFrom::Start(self.pos))?;
            let mut block = vec![0u8; read];
            self.file.read_exact(&mut block)?;
            block.extend_from_slice(&self.buf);
            self.buf = block;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn snap(v: f64) -> Snapshot {
        let mut s = Snapshot::new();
        s.insert("throughput", v);
        s
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
        let store = Store::new(dir.path(), Some("linux"));
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
        let store = Store::new(dir.path(), None);
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
    fn corrupt_current_json_is_exit_2() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::new(dir.path(), None);
        fs::create_dir_all(store.baselines_dir()).unwrap();
        fs::write(store.baseline_path(), "{not json").unwrap();
        let e = store.load_baseline().unwrap_err();
        assert_eq!(e.exit_code(), 2);
        assert!(e.to_string().contains("corrupted"), "{e}");
    }
}
