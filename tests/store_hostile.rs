//! Hostile and unlucky file-system input for the store and the artefact writers (issue 19
//! items 0, 10, 12, 13 and 14): device nodes, FIFOs and `/dev/stdout` as outputs, bad bytes
//! and full disks under `baseline set`, environment names that leave `--dir`, symbolic links
//! in the store, temp files of killed writers.
#![cfg(unix)]

use assert_cmd::cargo::cargo_bin;
use serde_json::{json, Value};
use std::ffi::CString;
use std::fs;
use std::os::unix::ffi::OsStrExt;
use std::os::unix::fs::{FileTypeExt, MetadataExt, OpenOptionsExt};
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use tempfile::TempDir;

/// The binary with no FlameIQ or CI variables (the suite itself may run in a CI).
fn bin(dir: &Path) -> Command {
    let mut c = Command::new(cargo_bin("flameiq"));
    c.current_dir(dir).env_clear();
    for keep in ["PATH", "HOME", "TMPDIR"] {
        if let Some(v) = std::env::var_os(keep) {
            c.env(keep, v);
        }
    }
    c
}

fn run(dir: &Path, args: &[&str]) -> Output {
    bin(dir).args(args).output().unwrap()
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

fn snapshot(commit: &str, throughput: f64) -> Value {
    json!({"schema_version": 1,
           "metadata": {"commit": commit, "branch": "main", "environment": "ci",
                        "timestamp": "2026-01-02T03:04:05+00:00", "run_id": format!("run-{commit}"),
                        "tags": {}},
           "metrics": {"throughput": throughput, "latency": {"mean": 10.0}}})
}

/// A temp dir with `m.json` (the current run) and a baseline set from `base.json`.
fn with_baseline() -> TempDir {
    let d = TempDir::new().unwrap();
    fs::write(
        d.path().join("base.json"),
        snapshot("aaa", 100.0).to_string(),
    )
    .unwrap();
    fs::write(d.path().join("m.json"), snapshot("bbb", 101.0).to_string()).unwrap();
    let o = run(d.path(), &["baseline", "set", "--metrics", "base.json"]);
    assert!(o.status.success(), "{}", stderr(&o));
    d
}

fn cstr(p: &Path) -> CString {
    CString::new(p.as_os_str().as_bytes()).unwrap()
}

fn mkfifo(p: &Path) {
    // SAFETY: a valid NUL-terminated path.
    assert_eq!(
        unsafe { libc::mkfifo(cstr(p).as_ptr(), 0o644) },
        0,
        "mkfifo"
    );
}

/// A character device node like `/dev/null` (1, 3) made in a temp dir. Needs root, which
/// the CI's containers give; elsewhere a link to `/dev/null` stands in (also never to be
/// replaced, and writing through it is harmless).
fn device_node(p: &Path) -> bool {
    // SAFETY: a valid NUL-terminated path; makedev only computes a number.
    let made =
        unsafe { libc::mknod(cstr(p).as_ptr(), libc::S_IFCHR | 0o666, libc::makedev(1, 3)) } == 0;
    if !made {
        eprintln!("not root: using a link to /dev/null instead of a device node");
        std::os::unix::fs::symlink("/dev/null", p).unwrap();
    }
    made
}

fn assert_still_null_device(p: &Path, real_node: bool, what: &str) {
    let m = fs::symlink_metadata(p).unwrap();
    if real_node {
        assert!(m.file_type().is_char_device(), "{what}: replaced: {m:?}");
        assert_eq!(m.rdev(), libc::makedev(1, 3) as u64, "{what}");
    } else {
        assert!(m.file_type().is_symlink(), "{what}: link replaced: {m:?}");
    }
    let target = fs::metadata(p).unwrap();
    assert!(target.file_type().is_char_device(), "{what}");
}

/// Every artefact flag of every command, pointed at `target` (`{}`), run in `d`.
fn artefact_commands(target: &str) -> Vec<Vec<String>> {
    let v = |a: &[&str]| {
        a.iter()
            .map(|s| s.replace("{}", target))
            .collect::<Vec<_>>()
    };
    vec![
        v(&["run", "--metrics", "m.json", "--output", "{}"]),
        v(&["compare", "--metrics", "m.json", "--output", "{}"]),
        v(&["compare", "--metrics", "m.json", "--report", "{}"]),
        v(&["compare", "--metrics", "m.json", "--junit", "{}"]),
        v(&["compare", "--metrics", "m.json", "--markdown", "{}"]),
        v(&["report", "--metrics", "m.json", "--output", "{}"]),
        v(&[
            "ci",
            "--metrics",
            "m.json",
            "--mode",
            "compare",
            "--comment",
            "never",
            "--summary",
            "false",
            "--report",
            "{}",
        ]),
        v(&[
            "ci",
            "--metrics",
            "m.json",
            "--mode",
            "compare",
            "--comment",
            "never",
            "--summary",
            "false",
            "--output",
            "{}",
        ]),
    ]
}

#[test]
fn issue19_item0_dev_null_not_replaced() {
    let d = with_baseline();
    let null = d.path().join("null");
    let real = device_node(&null);
    for args in artefact_commands(null.to_str().unwrap()) {
        let o = bin(d.path()).args(&args).output().unwrap();
        assert!(o.status.success(), "{args:?}: {}", stderr(&o));
        assert_still_null_device(&null, real, &format!("{args:?}"));
    }
    let left: Vec<_> = fs::read_dir(d.path())
        .unwrap()
        .flatten()
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .filter(|n| n.ends_with(".tmp"))
        .collect();
    assert!(left.is_empty(), "temp files left: {left:?}");
}

/// A reader on the FIFO at `p`, in a thread, that cannot hang the test: the test holds a
/// write end of its own until [`FifoReader::finish`], so the command's open never waits
/// and the reader sees its end of file only once the command is done, whatever it did.
struct FifoReader {
    writer: fs::File,
    thread: std::thread::JoinHandle<Vec<u8>>,
}

impl FifoReader {
    fn open(p: &Path) -> FifoReader {
        use std::io::Read;
        use std::os::fd::AsRawFd;
        let mut reader = fs::OpenOptions::new()
            .read(true)
            .custom_flags(libc::O_NONBLOCK)
            .open(p)
            .unwrap();
        let writer = fs::OpenOptions::new().write(true).open(p).unwrap();
        // Back to blocking reads now that a writer exists.
        // SAFETY: plain fcntl flag calls on an open descriptor.
        unsafe {
            let fd = reader.as_raw_fd();
            let flags = libc::fcntl(fd, libc::F_GETFL);
            assert_eq!(libc::fcntl(fd, libc::F_SETFL, flags & !libc::O_NONBLOCK), 0);
        }
        let thread = std::thread::spawn(move || {
            let mut buf = Vec::new();
            reader.read_to_end(&mut buf).unwrap();
            buf
        });
        FifoReader { writer, thread }
    }

    fn finish(self) -> Vec<u8> {
        drop(self.writer);
        self.thread.join().unwrap()
    }
}

#[test]
fn issue19_item0_fifo_outputs_reach_the_reader_and_stay_a_fifo() {
    let d = with_baseline();
    let fifo = d.path().join("fifo");
    mkfifo(&fifo);
    for args in artefact_commands(fifo.to_str().unwrap()) {
        let reader = FifoReader::open(&fifo);
        let o = bin(d.path()).args(&args).output().unwrap();
        let got = reader.finish();
        assert!(o.status.success(), "{args:?}: {}", stderr(&o));
        assert!(
            fs::symlink_metadata(&fifo).unwrap().file_type().is_fifo(),
            "{args:?}: the FIFO was replaced"
        );
        let text = String::from_utf8(got).unwrap();
        let expected = match args[args.len() - 2].as_str() {
            "--report" => "<!DOCTYPE html>",
            "--junit" => "<testsuite",
            "--markdown" => "throughput",
            _ if args[0] == "report" => "<!DOCTYPE html>",
            _ => "\"throughput\"",
        };
        assert!(
            text.to_ascii_lowercase()
                .contains(&expected.to_ascii_lowercase()),
            "{args:?}: the reader got {} bytes: {}",
            text.len(),
            text.chars().take(200).collect::<String>()
        );
    }
}

/// `/dev/stdout` is a link to `/proc/self/fd/1`; a link made the same way in a temp dir
/// stands in for it, so that a broken binary replaces only the temp link.
#[cfg(target_os = "linux")]
#[test]
fn issue19_item0_dev_stdout_gets_the_bytes_after_what_was_printed() {
    let d = with_baseline();
    let stdout_link = d.path().join("stdout");
    std::os::unix::fs::symlink("/proc/self/fd/1", &stdout_link).unwrap();
    // Into a pipe.
    let o = run(
        d.path(),
        &["-q", "run", "--metrics", "m.json", "--output", "stdout"],
    );
    assert!(o.status.success(), "{}", stderr(&o));
    let doc: Value = serde_json::from_slice(&o.stdout).expect("the document on stdout");
    assert_eq!(doc["metrics"]["throughput"], json!(101.0));
    assert!(fs::symlink_metadata(&stdout_link)
        .unwrap()
        .file_type()
        .is_symlink());
    // Into a regular file the shell opened (`> out.txt`, `>> $GITHUB_STEP_SUMMARY`): the
    // table printed first stays, the Markdown follows it.
    for append in [false, true] {
        let out = d.path().join("out.txt");
        fs::write(&out, "earlier step\n").unwrap();
        let file = fs::OpenOptions::new()
            .write(true)
            .append(append)
            .truncate(!append)
            .open(&out)
            .unwrap();
        let o = bin(d.path())
            .args([
                "--color",
                "never",
                "compare",
                "--metrics",
                "m.json",
                "--markdown",
                "stdout",
            ])
            .stdout(Stdio::from(file))
            .output()
            .unwrap();
        assert!(o.status.success(), "{}", stderr(&o));
        let text = fs::read_to_string(&out).unwrap();
        assert_eq!(text.starts_with("earlier step\n"), append, "{text}");
        let table = text.find("throughput").expect("the table");
        let md = text.find("FlameIQ:").expect("the Markdown");
        assert!(table < md, "the table comes first: {text}");
        assert!(!text.contains('\0'), "nothing overwritten: {text:?}");
    }
}

#[test]
fn issue19_item12_env_names_that_leave_dir_are_exit_2() {
    let d = TempDir::new().unwrap();
    fs::write(d.path().join("m.json"), snapshot("aaa", 1.0).to_string()).unwrap();
    let abs = d.path().join("abs-store");
    let abs = abs.to_str().unwrap();
    for env in [
        "../../../escaped",
        "../escaped",
        abs,
        "a/b",
        "..",
        ".hidden",
        "x\\y",
    ] {
        for via_flag in [true, false] {
            let mut c = bin(d.path());
            // Deep enough that even a broken binary writes inside the temp dir.
            c.args([
                "--dir",
                "s/t/u/store",
                "baseline",
                "set",
                "--metrics",
                "m.json",
            ]);
            if via_flag {
                c.args(["--env", env]);
            } else {
                c.env("FLAMEIQ_ENV", env);
            }
            let o = c.output().unwrap();
            let err = stderr(&o);
            assert_eq!(o.status.code(), Some(2), "{env}: {err}");
            assert_eq!(err.lines().count(), 1, "{env}: one line: {err}");
            assert!(
                err.starts_with("error: invalid environment name '")
                    && err.contains(&env.escape_debug().to_string())
                    && err.contains("letters, digits"),
                "{env}: {err}"
            );
        }
    }
    // Nothing was written anywhere: not outside --dir, not inside it.
    assert!(!Path::new(abs).exists());
    assert!(!d.path().join("s").exists());
    // The `environment` input of `flameiq ci` goes through the same check.
    let o = bin(d.path())
        .env("INPUT_ENVIRONMENT", "../../escaped")
        .args([
            "--dir",
            "s/t/store",
            "ci",
            "--metrics",
            "m.json",
            "--mode",
            "baseline",
        ])
        .args(["--summary", "false"])
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    assert!(
        stderr(&o).contains("invalid environment name"),
        "{}",
        stderr(&o)
    );
    assert!(!d.path().join("s").exists());
}

#[test]
fn issue19_item12_matrix_env_names_still_work() {
    let d = TempDir::new().unwrap();
    fs::write(d.path().join("m.json"), snapshot("aaa", 1.0).to_string()).unwrap();
    for env in [
        "linux-x64",
        "ubuntu-24.04",
        "py3.12",
        "x86_64-unknown-linux-gnu",
        "c++17",
        "macOS_14",
    ] {
        let o = run(
            d.path(),
            &["--env", env, "baseline", "set", "--metrics", "m.json"],
        );
        assert!(o.status.success(), "{env}: {}", stderr(&o));
        assert!(d
            .path()
            .join(".flameiq")
            .join(env)
            .join("baselines/current.json")
            .is_file());
    }
    // An empty name (a matrix variable left empty) means no environment, as before.
    let o = bin(d.path())
        .env("FLAMEIQ_ENV", "")
        .args(["baseline", "set", "--metrics", "m.json"])
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(d.path().join(".flameiq/baselines/current.json").is_file());
}

fn store_files(d: &Path) -> (Vec<u8>, Vec<u8>) {
    (
        fs::read(d.join(".flameiq/baselines/current.json")).unwrap(),
        fs::read(d.join(".flameiq/baselines/history.jsonl")).unwrap(),
    )
}

#[test]
fn issue19_item13_history_symlink_is_not_followed() {
    let d = with_baseline();
    let hist = d.path().join(".flameiq/baselines/history.jsonl");
    let elsewhere = d.path().join("elsewhere.txt");
    fs::write(&elsewhere, "someone else's file\n").unwrap();
    fs::remove_file(&hist).unwrap();
    std::os::unix::fs::symlink(&elsewhere, &hist).unwrap();
    let current = fs::read(d.path().join(".flameiq/baselines/current.json")).unwrap();
    for max in ["", "baseline:\n  max_history: 2\n"] {
        fs::write(d.path().join("flameiq.yaml"), max).unwrap();
        let o = run(d.path(), &["baseline", "set", "--metrics", "m.json"]);
        let err = stderr(&o);
        assert_eq!(o.status.code(), Some(2), "{err}");
        assert_eq!(err.lines().count(), 1, "{err}");
        assert!(
            err.contains("history.jsonl") && err.contains("symbolic link"),
            "{err}"
        );
        assert_eq!(
            fs::read_to_string(&elsewhere).unwrap(),
            "someone else's file\n"
        );
        assert_eq!(
            fs::read(d.path().join(".flameiq/baselines/current.json")).unwrap(),
            current,
            "the baseline is unchanged"
        );
    }
}

#[test]
fn issue19_item13_lock_symlink_is_not_followed() {
    let d = with_baseline();
    let lock = d.path().join(".flameiq/baselines/.lock");
    let elsewhere = d.path().join("created-through-the-link");
    fs::remove_file(&lock).unwrap();
    std::os::unix::fs::symlink(&elsewhere, &lock).unwrap();
    let before = store_files(d.path());
    let o = run(d.path(), &["baseline", "set", "--metrics", "m.json"]);
    let err = stderr(&o);
    assert_eq!(o.status.code(), Some(2), "{err}");
    assert!(
        err.contains(".lock") && err.contains("symbolic link"),
        "{err}"
    );
    assert!(!elsewhere.exists(), "nothing created through the link");
    assert_eq!(store_files(d.path()), before);
}

#[test]
fn issue19_item10_bad_byte_in_history_does_not_break_set() {
    let d = with_baseline();
    let hist = d.path().join(".flameiq/baselines/history.jsonl");
    // One bad byte inside an otherwise good line, and a line that is only junk.
    let mut bytes = fs::read(&hist).unwrap();
    bytes.extend_from_slice(b"\xff\n");
    let good = snapshot("ccc", 102.0).to_string().replace("ci", "c\u{1}");
    let mut bad_byte = good.into_bytes();
    let at = bad_byte.windows(2).position(|w| w == b"c\x01").unwrap() + 1;
    bad_byte[at] = 0xfe;
    bytes.extend_from_slice(&bad_byte);
    bytes.push(b'\n');
    fs::write(&hist, &bytes).unwrap();
    fs::write(
        d.path().join("flameiq.yaml"),
        "baseline:\n  max_history: 3\n",
    )
    .unwrap();
    for (i, commit) in ["d1", "d2", "d3", "d4"].iter().enumerate() {
        let f = format!("{commit}.json");
        fs::write(
            d.path().join(&f),
            snapshot(commit, 200.0 + i as f64).to_string(),
        )
        .unwrap();
        let o = run(d.path(), &["baseline", "set", "--metrics", &f]);
        assert!(o.status.success(), "set {commit}: {}", stderr(&o));
        if i == 0 {
            assert!(
                stderr(&o).contains("dropping malformed history entry"),
                "warned: {}",
                stderr(&o)
            );
        }
        let text = fs::read_to_string(&hist).expect("the history is UTF-8 again");
        let commits: Vec<String> = text
            .lines()
            .map(|l| {
                let v: Value = serde_json::from_str(l).expect("every line valid");
                v["metadata"]["commit"].as_str().unwrap().to_string()
            })
            .collect();
        assert!(commits.len() <= 3, "trimmed to the limit: {commits:?}");
        assert_eq!(commits.last().unwrap(), commit);
        let cur: Value = serde_json::from_slice(&store_files(d.path()).0).unwrap();
        assert_eq!(cur["metadata"]["commit"], json!(commit));
    }
    let text = fs::read_to_string(&hist).unwrap();
    assert_eq!(text.lines().count(), 3, "{text}");
}

/// Runs `args` with writes beyond `limit` bytes into any file failing (EFBIG), as on a
/// full disk: RLIMIT_FSIZE, with SIGXFSZ ignored so the write fails instead of killing.
fn run_with_file_size_limit(dir: &Path, args: &[&str], limit: u64) -> Output {
    let mut c = bin(dir);
    c.args(args);
    // SAFETY: only async-signal-safe calls (setrlimit, signal) between fork and exec.
    unsafe {
        c.pre_exec(move || {
            libc::signal(libc::SIGXFSZ, libc::SIG_IGN);
            let lim = libc::rlimit {
                rlim_cur: limit as libc::rlim_t,
                rlim_max: limit as libc::rlim_t,
            };
            if libc::setrlimit(libc::RLIMIT_FSIZE, &lim) != 0 {
                return Err(std::io::Error::last_os_error());
            }
            Ok(())
        });
    }
    c.output().unwrap()
}

/// A store whose history holds five snapshots of ~6 KB each (~30 KB in all).
fn with_big_history() -> TempDir {
    let d = TempDir::new().unwrap();
    for i in 0..5 {
        let mut v = snapshot(&format!("big{i}"), 100.0 + i as f64);
        let custom: serde_json::Map<String, Value> = (0..200)
            .map(|k| (format!("bench_{k:04}"), json!(k as f64 + 0.5)))
            .collect();
        v["metrics"]["custom"] = Value::Object(custom);
        fs::write(d.path().join("big.json"), v.to_string()).unwrap();
        let o = run(d.path(), &["baseline", "set", "--metrics", "big.json"]);
        assert!(o.status.success(), "{}", stderr(&o));
    }
    fs::write(d.path().join("m.json"), snapshot("new", 1.0).to_string()).unwrap();
    d
}

fn baselines_listing(d: &Path) -> Vec<String> {
    let mut names: Vec<String> = fs::read_dir(d.join(".flameiq/baselines"))
        .unwrap()
        .flatten()
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    names
}

#[test]
fn issue19_item10_failed_append_changes_nothing() {
    let d = with_big_history();
    let before = store_files(d.path());
    assert!(before.1.len() > 20_000);
    let listing = baselines_listing(d.path());
    // current.json (small) fits under the limit; appending to the 30 KB history does not.
    let o = run_with_file_size_limit(
        d.path(),
        &["baseline", "set", "--metrics", "m.json"],
        16_000,
    );
    let err = stderr(&o);
    assert_eq!(o.status.code(), Some(2), "{err}");
    assert!(err.contains("history.jsonl"), "{err}");
    assert_eq!(store_files(d.path()), before, "byte for byte as before");
    assert_eq!(baselines_listing(d.path()), listing, "no temp file left");
}

#[test]
fn issue19_item10_failed_trim_changes_nothing() {
    let d = with_big_history();
    fs::write(
        d.path().join("flameiq.yaml"),
        "baseline:\n  max_history: 3\n",
    )
    .unwrap();
    let before = store_files(d.path());
    let listing = baselines_listing(d.path());
    // The trimmed history (two 6 KB lines and the new one) exceeds the limit.
    let o = run_with_file_size_limit(d.path(), &["baseline", "set", "--metrics", "m.json"], 8_000);
    let err = stderr(&o);
    assert_eq!(o.status.code(), Some(2), "{err}");
    assert_eq!(store_files(d.path()), before, "byte for byte as before");
    assert_eq!(baselines_listing(d.path()), listing, "no temp file left");
    // With room, the same set trims to the limit.
    let o = run(d.path(), &["baseline", "set", "--metrics", "m.json"]);
    assert!(o.status.success(), "{}", stderr(&o));
    let (_, hist) = store_files(d.path());
    assert_eq!(String::from_utf8(hist).unwrap().lines().count(), 3);
}

#[test]
fn issue19_item14_stale_temp_files_are_removed() {
    let d = with_baseline();
    let b = d.path().join(".flameiq/baselines");
    // pid_max is at most 2^22: 99999999 is never alive; pid 1 always is, but under the
    // lock every writer of these files is gone.
    let leftovers: Vec<PathBuf> = [
        ".current.json.99999999.tmp",
        ".current.json.1.tmp",
        ".history.jsonl.99999999.tmp",
    ]
    .iter()
    .map(|n| b.join(n))
    .collect();
    for l in &leftovers {
        fs::write(l, "{\"half").unwrap();
    }
    let o = run(d.path(), &["baseline", "set", "--metrics", "m.json"]);
    assert!(o.status.success(), "{}", stderr(&o));
    for l in &leftovers {
        assert!(!l.exists(), "{} left", l.display());
    }
    // An artefact's temp file of a dead writer goes with the next write of it; a live
    // writer's stays.
    let dead = d.path().join(".report.html.99999999.tmp");
    let live = d.path().join(".report.html.1.tmp");
    fs::write(&dead, "<ht").unwrap();
    fs::write(&live, "<ht").unwrap();
    let o = run(
        d.path(),
        &["report", "--metrics", "m.json", "--output", "report.html"],
    );
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(!dead.exists());
    assert!(live.exists());
}
