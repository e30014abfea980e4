//! Writing files without surprises (issue 19 items 0, 13 and 14).
//!
//! - [`replace_atomically`]: temp file beside the target, optional fsync, rename. A killed
//!   process leaves the old file or the new one, never half of one. The temp file is
//!   created with `O_EXCL`, so a symbolic link planted at its name is never followed.
//! - [`write_artefact`]: what every output artefact (`--output`, `--report`, `--junit`,
//!   `--markdown`, the `ci` result and report) goes through. A new path or a regular file
//!   is replaced atomically as above. Anything else is written *through*, the way a shell's
//!   `>` writes, and never replaced: a device (`/dev/null`), a FIFO, `/dev/stdout` (a link
//!   to `/proc/self/fd/1`, a pipe or a terminal), a symbolic link (the link stays; its
//!   target is created if missing, truncated and written, as `>` does, so not atomically).
//!   Renaming onto `/dev/null` as root would replace the machine's device node with a
//!   regular file and break every later process on it.
//!
//!   A target that is this process's own stdout or stderr (`--markdown /dev/stdout`, also
//!   when stdout is redirected to a file with `>` or `>>`) is written through that stream,
//!   so the bytes land after what was printed before and nothing is overwritten or lost.
//!   A FIFO with no reader blocks until one opens it, as with a shell's `>`.
//! - [`open_nofollow`]: opens a store file refusing a symbolic link as its last component
//!   (`O_NOFOLLOW`), so a link at `history.jsonl` or `.lock` cannot redirect an append or
//!   a created file elsewhere. A linked `.flameiq/` folder itself still works.
//! - [`remove_stale_temps`]: temp files are named `.<name>.<pid>.tmp`; one left by a
//!   killed writer (its pid no longer alive) is removed by the next write of that file.

use std::fs::{self, File, OpenOptions};
use std::io::{self, Write};
use std::path::{Path, PathBuf};

/// The temp file [`replace_atomically`] writes beside `path`: `.<name>.<pid>.tmp`.
pub fn temp_path(path: &Path) -> PathBuf {
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| "out".into());
    parent_dir(path).join(format!(".{name}.{}.tmp", std::process::id()))
}

/// The folder holding `path` (`.` for a bare file name).
fn parent_dir(path: &Path) -> &Path {
    path.parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."))
}

/// Writes `bytes` to `path` by temp file and rename, replacing whatever entry `path` is (a
/// symbolic link itself, not its target). With `durable` the data is fsynced before the
/// rename; without, the old file is unlinked first so that the rename replaces nothing
/// (ext4's `auto_da_alloc` would otherwise force the data out anyway, costing
/// milliseconds): a reader in between sees no file.
///
/// Only for paths FlameIQ owns (the store) or that [`write_artefact`] found to be a
/// regular file or absent.
pub fn replace_atomically(path: &Path, bytes: &[u8], durable: bool) -> io::Result<()> {
    replace_atomically_with(path, &mut |w| w.write_all(bytes), durable)
}

/// A document made while it is written: `write` gets the file (buffered).
pub type WriteFn<'a> = dyn FnMut(&mut dyn Write) -> io::Result<()> + 'a;

fn replace_atomically_with(path: &Path, write: &mut WriteFn<'_>, durable: bool) -> io::Result<()> {
    let tmp = write_temp_with(path, write, durable)?;
    let result = (|| {
        if !durable {
            remove_if_present(path)?;
        }
        fs::rename(&tmp, path)
    })();
    if result.is_err() {
        let _ = fs::remove_file(&tmp);
    }
    result
}

/// Writes `bytes` to a fresh [`temp_path`] of `path` (fsynced when `durable`) and returns
/// its name; on failure nothing is left behind. The caller renames it into place.
pub fn write_temp(path: &Path, bytes: &[u8], durable: bool) -> io::Result<PathBuf> {
    write_temp_with(path, &mut |w| w.write_all(bytes), durable)
}

fn write_temp_with(path: &Path, write: &mut WriteFn<'_>, durable: bool) -> io::Result<PathBuf> {
    remove_stale_temps(path, false);
    let tmp = temp_path(path);
    let result = (|| {
        // A leftover of ours (same pid, an earlier process) or a planted link: never
        // written through, `create_new` below refuses anything that exists.
        remove_if_present(&tmp)?;
        let f = OpenOptions::new().write(true).create_new(true).open(&tmp)?;
        let mut w = io::BufWriter::with_capacity(1 << 16, f);
        write(&mut w)?;
        let f = w.into_inner().map_err(io::IntoInnerError::into_error)?;
        if durable {
            f.sync_all()?;
        }
        Ok(())
    })();
    match result {
        Ok(()) => Ok(tmp),
        Err(e) => {
            let _ = fs::remove_file(&tmp);
            Err(e)
        }
    }
}

fn remove_if_present(path: &Path) -> io::Result<()> {
    match fs::remove_file(path) {
        Err(e) if e.kind() != io::ErrorKind::NotFound => Err(e),
        _ => Ok(()),
    }
}

/// Writes an output artefact: atomically onto a new path or a regular file, straight
/// through to anything else (see the module docs). Never replaces a non-regular file.
pub fn write_artefact(path: &Path, bytes: &[u8]) -> io::Result<()> {
    write_artefact_with(path, &mut |w| w.write_all(bytes))
}

/// [`write_artefact`] for a document written as it is made (`flameiq run -o`: the text of
/// a large snapshot is never held whole, issue 19 item 9). `write` is called once, with the
/// target or its temp file behind a buffer; on its error nothing is renamed into place.
pub fn write_artefact_with(path: &Path, write: &mut WriteFn<'_>) -> io::Result<()> {
    match fs::symlink_metadata(path) {
        Err(e) if e.kind() == io::ErrorKind::NotFound => replace_atomically_with(path, write, true),
        Err(e) => Err(e),
        Ok(m) if m.file_type().is_file() && std_stream(&m).is_none() => {
            replace_atomically_with(path, write, true)
        }
        Ok(_) => write_through(path, write),
    }
}

/// Opens `path` as a shell's `>` would (following links, creating a missing target) and
/// writes `bytes` into it without ever replacing it.
fn write_through(path: &Path, write: &mut WriteFn<'_>) -> io::Result<()> {
    // Whatever this process printed so far comes first, whoever reads the other end.
    let _ = io::stdout().flush();
    // Not truncated on open: when the target is this process's own stdout or stderr
    // (`> file`), truncating would erase what was printed before; truncated below instead.
    let f = OpenOptions::new()
        .write(true)
        .create(true)
        .truncate(false)
        .open(path)?;
    let m = f.metadata()?;
    match std_stream(&m) {
        Some(StdStream::Out) => {
            drop(f);
            let mut out = io::BufWriter::with_capacity(1 << 16, io::stdout().lock());
            write(&mut out)?;
            return out.flush();
        }
        Some(StdStream::Err) => {
            drop(f);
            let mut err = io::BufWriter::new(io::stderr().lock());
            write(&mut err)?;
            return err.flush();
        }
        None => {}
    }
    if m.file_type().is_file() {
        // A link to a regular file (possibly `/dev/fd/N`): truncated and written like `>`.
        // Not atomic, but renaming onto the link's target could swap the file under
        // another open descriptor (a shell's `3>>log`) and lose what it holds.
        f.set_len(0)?;
    }
    // A device, a FIFO, a terminal: truncation means nothing to them.
    let mut w = io::BufWriter::with_capacity(1 << 16, f);
    write(&mut w)?;
    w.flush()
}

enum StdStream {
    Out,
    Err,
}

/// Whether `m` is the file this process's stdout or stderr is open on.
#[cfg(unix)]
fn std_stream(m: &fs::Metadata) -> Option<StdStream> {
    use std::os::unix::fs::MetadataExt;
    let same = |fd: libc::c_int| {
        // SAFETY: fstat only fills the struct it is given; a closed fd returns -1.
        let mut st: libc::stat = unsafe { std::mem::zeroed() };
        let ok = unsafe { libc::fstat(fd, &mut st) } == 0;
        ok && st.st_dev as u64 == m.dev() && st.st_ino as u64 == m.ino()
    };
    if same(libc::STDOUT_FILENO) {
        Some(StdStream::Out)
    } else if same(libc::STDERR_FILENO) {
        Some(StdStream::Err)
    } else {
        None
    }
}

#[cfg(not(unix))]
fn std_stream(_m: &fs::Metadata) -> Option<StdStream> {
    None
}

/// Opens a store file without following a symbolic link at `path` itself. A link there
/// fails with an error saying so (the caller names the path).
pub fn open_nofollow(path: &Path, opts: &mut OpenOptions) -> io::Result<File> {
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        opts.custom_flags(libc::O_NOFOLLOW);
    }
    match opts.open(path) {
        Ok(f) => Ok(f),
        Err(e) if is_link(path) => Err(io::Error::new(
            e.kind(),
            "is a symbolic link, which flameiq does not follow in its store \
             (replace it with the file it points to)",
        )),
        Err(e) => Err(e),
    }
}

fn is_link(path: &Path) -> bool {
    fs::symlink_metadata(path).is_ok_and(|m| m.file_type().is_symlink())
}

/// Removes the temp files of `path` (`.<name>.<pid>.tmp` beside it) that a killed writer
/// left: with `all`, every one (for callers holding the lock every writer of `path`
/// takes); otherwise those whose pid is not a live process. Best effort: a file that
/// cannot be removed is left for the next time.
pub fn remove_stale_temps(path: &Path, all: bool) {
    let Some(name) = path.file_name().and_then(|n| n.to_str()) else {
        return;
    };
    let prefix = format!(".{name}.");
    let Ok(entries) = fs::read_dir(parent_dir(path)) else {
        return;
    };
    for entry in entries.flatten() {
        let file_name = entry.file_name();
        let Some(pid) = file_name
            .to_str()
            .and_then(|n| n.strip_prefix(prefix.as_str()))
            .and_then(|rest| rest.strip_suffix(".tmp"))
            .and_then(|pid| pid.parse::<u32>().ok())
        else {
            continue;
        };
        if pid != std::process::id() && (all || !pid_alive(pid)) {
            let _ = fs::remove_file(entry.path());
        }
    }
}

/// Whether `pid` names a live process (on this machine's pid namespace). Unknown means
/// alive: a temp file is only removed when its writer is certainly gone.
#[cfg(unix)]
fn pid_alive(pid: u32) -> bool {
    let Ok(pid) = libc::pid_t::try_from(pid) else {
        return false;
    };
    // SAFETY: signal 0 only checks that the process exists; nothing is sent.
    let r = unsafe { libc::kill(pid, 0) };
    r == 0 || io::Error::last_os_error().raw_os_error() != Some(libc::ESRCH)
}

#[cfg(not(unix))]
fn pid_alive(_pid: u32) -> bool {
    true
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Read;

    #[cfg(unix)]
    fn mkfifo(p: &Path) {
        use std::os::unix::ffi::OsStrExt;
        let c = std::ffi::CString::new(p.as_os_str().as_bytes()).unwrap();
        // SAFETY: a valid NUL-terminated path.
        assert_eq!(unsafe { libc::mkfifo(c.as_ptr(), 0o644) }, 0);
    }

    #[test]
    fn a_new_path_and_a_regular_file_are_replaced() {
        let d = tempfile::tempdir().unwrap();
        let p = d.path().join("out.json");
        write_artefact(&p, b"one").unwrap();
        write_artefact(&p, b"two").unwrap();
        assert_eq!(fs::read(&p).unwrap(), b"two");
        let names: Vec<_> = fs::read_dir(d.path()).unwrap().flatten().collect();
        assert_eq!(names.len(), 1, "no temp file left");
    }

    #[cfg(unix)]
    #[test]
    fn issue19_item0_fifo_is_written_through_not_replaced() {
        use std::os::unix::fs::FileTypeExt;
        let d = tempfile::tempdir().unwrap();
        let p = d.path().join("fifo");
        mkfifo(&p);
        let reader = {
            let p = p.clone();
            std::thread::spawn(move || {
                let mut s = Vec::new();
                File::open(p).unwrap().read_to_end(&mut s).unwrap();
                s
            })
        };
        write_artefact(&p, b"through the pipe").unwrap();
        assert_eq!(reader.join().unwrap(), b"through the pipe");
        assert!(fs::symlink_metadata(&p).unwrap().file_type().is_fifo());
    }

    #[cfg(unix)]
    #[test]
    fn a_link_to_a_regular_file_keeps_the_link() {
        let d = tempfile::tempdir().unwrap();
        let target = d.path().join("real.html");
        fs::write(&target, "old, and longer than the new content").unwrap();
        let link = d.path().join("link.html");
        std::os::unix::fs::symlink(&target, &link).unwrap();
        write_artefact(&link, b"new").unwrap();
        assert!(fs::symlink_metadata(&link)
            .unwrap()
            .file_type()
            .is_symlink());
        assert_eq!(fs::read(&target).unwrap(), b"new");
        // A dangling link gets its target created.
        let dangling = d.path().join("dangling");
        std::os::unix::fs::symlink(d.path().join("made.txt"), &dangling).unwrap();
        write_artefact(&dangling, b"made").unwrap();
        assert_eq!(fs::read(d.path().join("made.txt")).unwrap(), b"made");
    }

    #[test]
    fn a_directory_is_an_error_not_replaced() {
        let d = tempfile::tempdir().unwrap();
        let p = d.path().join("dir");
        fs::create_dir(&p).unwrap();
        fs::write(p.join("keep"), "x").unwrap();
        assert!(write_artefact(&p, b"x").is_err());
        assert!(p.join("keep").exists());
    }

    #[cfg(unix)]
    #[test]
    fn issue19_item13_open_nofollow_refuses_a_link() {
        let d = tempfile::tempdir().unwrap();
        let target = d.path().join("elsewhere");
        let link = d.path().join("history.jsonl");
        std::os::unix::fs::symlink(&target, &link).unwrap();
        let e = open_nofollow(&link, OpenOptions::new().append(true).create(true)).unwrap_err();
        assert!(e.to_string().contains("symbolic link"), "{e}");
        assert!(!target.exists(), "nothing created through the link");
    }

    #[cfg(unix)]
    #[test]
    fn issue19_item14_stale_temps_of_dead_writers_are_removed() {
        let d = tempfile::tempdir().unwrap();
        let p = d.path().join("last.json");
        // pid_max is at most 2^22: this pid cannot be alive.
        let dead = d.path().join(".last.json.99999999.tmp");
        // pid 1 is always alive.
        let live = d.path().join(".last.json.1.tmp");
        let other = d.path().join(".other.json.99999999.tmp");
        for f in [&dead, &live, &other] {
            fs::write(f, "half").unwrap();
        }
        replace_atomically(&p, b"{}", false).unwrap();
        assert!(!dead.exists());
        assert!(live.exists(), "a live writer's temp file is left alone");
        assert!(other.exists(), "another file's temp file is left alone");
        remove_stale_temps(&p, true);
        assert!(!live.exists(), "under the lock every temp file is stale");
    }
}
