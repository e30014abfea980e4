//! Robustness of the binary (issue #2): concurrent writers lose nothing, a killed writer
//! leaves a readable store (issue 19 item 14: killed for real, with SIGKILL), and no input
//! makes the binary panic.

use assert_cmd::cargo::CommandCargoExt;
use serde_json::{json, Value};
use std::fs;
use std::path::Path;
use std::process::{Command, Stdio};
use tempfile::TempDir;

fn bin() -> Command {
    let mut c = Command::cargo_bin("flameiq").unwrap();
    c.env_remove("FLAMEIQ_CONFIG")
        .env_remove("FLAMEIQ_DIR")
        .env_remove("FLAMEIQ_ENV");
    c
}

#[test]
fn sixteen_concurrent_baseline_sets_lose_no_line() {
    let d = TempDir::new().unwrap();
    let mut children = Vec::new();
    for i in 0..16 {
        let name = format!("m{i}.json");
        fs::write(
            d.path().join(&name),
            json!({"schema_version": 1, "metadata": {"commit": format!("c{i}")},
                   "metrics": {"throughput": i as f64 + 1.0,
                               "custom": {"payload": "x".repeat(0).len() as f64 + 0.5}}})
            .to_string(),
        )
        .unwrap();
        children.push(
            bin()
                .current_dir(d.path())
                .args(["-q", "baseline", "set", "--metrics", &name])
                .stdout(Stdio::null())
                .spawn()
                .unwrap(),
        );
    }
    for mut c in children {
        assert!(c.wait().unwrap().success());
    }
    let hist = fs::read_to_string(d.path().join(".flameiq/baselines/history.jsonl")).unwrap();
    let lines: Vec<&str> = hist.lines().collect();
    assert_eq!(lines.len(), 16, "{hist}");
    let mut commits: Vec<String> = lines
        .iter()
        .map(|l| {
            let v: Value = serde_json::from_str(l).expect("every line is valid JSON");
            v["metadata"]["commit"].as_str().unwrap().to_string()
        })
        .collect();
    commits.sort();
    commits.dedup();
    assert_eq!(commits.len(), 16);
    let cur: Value = serde_json::from_str(
        &fs::read_to_string(d.path().join(".flameiq/baselines/current.json")).unwrap(),
    )
    .unwrap();
    assert!(commits.contains(&cur["metadata"]["commit"].as_str().unwrap().to_string()));
}

/// The `.tmp` files in the store's `baselines/`.
fn temp_files(d: &Path) -> Vec<String> {
    fs::read_dir(d.join(".flameiq/baselines"))
        .unwrap()
        .flatten()
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .filter(|n| n.ends_with(".tmp"))
        .collect()
}

/// `baseline set` killed with SIGKILL at moments spread over its run: every time the store
/// stays readable and the baseline is the old one or the new one, whole; the next set
/// leaves no temp file of the killed ones behind.
#[test]
fn issue19_item14_a_killed_writer_leaves_a_readable_store() {
    const METRICS: usize = 5_000;
    let d = TempDir::new().unwrap();
    let write = |name: &str, commit: &str| {
        let custom: serde_json::Map<String, Value> = (0..METRICS)
            .map(|k| (format!("bench_{k:05}"), json!(k as f64 + 0.25)))
            .collect();
        fs::write(
            d.path().join(name),
            json!({"schema_version": 1, "metadata": {"commit": commit},
                   "metrics": {"custom": custom}})
            .to_string(),
        )
        .unwrap();
    };
    let set = |name: &str| {
        let mut c = bin();
        c.current_dir(d.path())
            .args(["-q", "baseline", "set", "--metrics", name])
            .stdout(Stdio::null())
            .stderr(Stdio::null());
        c
    };
    write("first.json", "c-first");
    assert!(set("first.json").status().unwrap().success());
    // How long one set takes here, to spread the kills over it.
    let started = std::time::Instant::now();
    assert!(set("first.json").status().unwrap().success());
    let one_set = started.elapsed();
    let mut expected = "c-first".to_string();
    let mut attempted = vec![expected.clone()];
    let mut kills_that_left_a_temp = 0;
    // Fixed fractions of a set's duration, in no particular order; `None`: the moment its
    // temp file appears (mid-write, before the rename).
    let moments = [
        None,
        Some(0.55),
        Some(0.1),
        None,
        Some(0.8),
        Some(0.35),
        None,
        Some(0.95),
        Some(0.2),
        None,
    ];
    for (i, at) in moments.iter().enumerate() {
        let commit = format!("c{i}");
        let name = format!("m{i}.json");
        write(&name, &commit);
        attempted.push(commit.clone());
        let mut child = set(&name).spawn().unwrap();
        match at {
            Some(at) => std::thread::sleep(one_set.mul_f64(*at)),
            None => while temp_files(d.path()).is_empty() && child.try_wait().unwrap().is_none() {},
        }
        let _ = child.kill(); // SIGKILL
        let _ = child.wait();
        if !temp_files(d.path()).is_empty() {
            kills_that_left_a_temp += 1;
        }
        // The baseline is whole, and either the old one or the new one.
        let cur: Value = serde_json::from_str(
            &fs::read_to_string(d.path().join(".flameiq/baselines/current.json")).unwrap(),
        )
        .expect("current.json is whole JSON");
        let got = cur["metadata"]["commit"].as_str().unwrap().to_string();
        assert!(
            got == expected || got == commit,
            "kill {i}: baseline {got}, expected {expected} or {commit}"
        );
        assert_eq!(
            cur["metrics"]["custom"].as_object().unwrap().len(),
            METRICS,
            "kill {i}: a whole baseline"
        );
        expected = got;
        // And the store reads: the baseline and the history.
        let show = bin()
            .current_dir(d.path())
            .args(["baseline", "show", "--json"])
            .output()
            .unwrap();
        assert!(show.status.success(), "kill {i}: show");
        let list = bin()
            .current_dir(d.path())
            .args(["baseline", "list", "--json"])
            .output()
            .unwrap();
        assert!(list.status.success(), "kill {i}: list");
        let rows: Value = serde_json::from_slice(&list.stdout).unwrap();
        for r in rows.as_array().unwrap() {
            let c = r["commit"].as_str().unwrap();
            assert!(attempted.iter().any(|a| a == c), "kill {i}: unknown {c}");
        }
    }
    eprintln!(
        "{kills_that_left_a_temp} of {} kills left a temp file",
        moments.len()
    );
    // The next set removes whatever the killed ones left.
    assert!(set("first.json").status().unwrap().success());
    assert_eq!(temp_files(d.path()), Vec::<String>::new());
}

#[test]
fn a_stale_lock_file_does_not_block() {
    let d = TempDir::new().unwrap();
    fs::create_dir_all(d.path().join(".flameiq/baselines")).unwrap();
    // A lock file left behind by a killed process: flock is per open file, so it is free.
    fs::write(d.path().join(".flameiq/baselines/.lock"), "").unwrap();
    fs::write(
        d.path().join("m.json"),
        r#"{"schema_version": 1, "metrics": {"throughput": 1}}"#,
    )
    .unwrap();
    let st = bin()
        .current_dir(d.path())
        .args(["baseline", "set", "--metrics", "m.json"])
        .output()
        .unwrap();
    assert!(st.status.success());
}

/// Deterministic mutations of a valid input.
fn mutations(seed: &str) -> Vec<String> {
    let b = seed.as_bytes();
    let mut out = Vec::new();
    let mut x: u64 = 0x9E37_79B9_7F4A_7C15;
    let mut next = |n: usize| {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        (x % n.max(1) as u64) as usize
    };
    for cut in (0..b.len()).step_by(7) {
        out.push(String::from_utf8_lossy(&b[..cut]).into_owned());
    }
    let tokens = [
        "NaN",
        "Infinity",
        "-1",
        "\"x\"",
        "true",
        "null",
        "[]",
        "{}",
        "1e999",
        "-0",
        "\u{0}",
        "\"",
        "{",
        "]",
        "9999999999999999999999",
        "\"\\ud800\"",
    ];
    for _ in 0..250 {
        let mut s = seed.to_string();
        for _ in 0..1 + next(3) {
            let at = next(s.len());
            let at = (0..=at).rev().find(|i| s.is_char_boundary(*i)).unwrap_or(0);
            match next(3) {
                0 => s.insert_str(at, tokens[next(tokens.len())]),
                1 => {
                    let end = (at + 1 + next(6)).min(s.len());
                    let end = (end..=s.len()).find(|i| s.is_char_boundary(*i)).unwrap();
                    s.replace_range(at..end, "");
                }
                _ => {
                    // Replace a number with a token.
                    if let Some(p) = s[at..].find(|c: char| c.is_ascii_digit()) {
                        let p = at + p;
                        s.replace_range(p..p + 1, tokens[next(tokens.len())]);
                    }
                }
            }
        }
        out.push(s);
    }
    out
}

fn assert_clean_exit(out: &std::process::Output, allowed: &[i32], what: &str) {
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(!stderr.contains("panicked"), "panic on {what}: {stderr}");
    let code = out.status.code().expect("exited, not killed by a signal");
    assert!(allowed.contains(&code), "exit {code} on {what}: {stderr}");
    if code >= 2 {
        let err_lines: Vec<&str> = stderr
            .lines()
            .filter(|l| l.starts_with("error: "))
            .collect();
        assert_eq!(err_lines.len(), 1, "one error line on {what}: {stderr}");
    }
}

fn run_in(dir: &Path, args: &[&str]) -> std::process::Output {
    bin().current_dir(dir).args(args).output().unwrap()
}

#[test]
fn no_metrics_file_makes_the_binary_panic() {
    let d = TempDir::new().unwrap();
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let seeds = [
        fs::read_to_string(root.join("examples/current.json")).unwrap(),
        fs::read_to_string(root.join("tests/fixtures/pytest-benchmark/params_and_groups.json"))
            .unwrap()
            .chars()
            .take(3000)
            .collect(),
    ];
    for (si, seed) in seeds.iter().enumerate() {
        for (i, m) in mutations(seed).iter().enumerate() {
            let f = d.path().join("m.json");
            fs::write(&f, m).unwrap();
            for provider in ["json", "pytest-benchmark", "auto"] {
                let out = run_in(d.path(), &["validate", "m.json", "--provider", provider]);
                assert_clean_exit(
                    &out,
                    &[0, 3],
                    &format!("seed {si} mutation {i} ({provider}): {m}"),
                );
            }
        }
    }
}

#[test]
fn no_config_or_store_content_makes_the_binary_panic() {
    let d = TempDir::new().unwrap();
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    fs::copy(root.join("examples/current.json"), d.path().join("m.json")).unwrap();
    let cfg = fs::read_to_string(root.join("templates/flameiq.yaml")).unwrap();
    let store = fs::read_to_string(root.join("examples/baseline.json")).unwrap();
    fs::create_dir_all(d.path().join(".flameiq/baselines")).unwrap();
    fs::write(d.path().join(".flameiq/baselines/current.json"), &store).unwrap();
    for (i, m) in mutations(&cfg).iter().enumerate().step_by(2) {
        fs::write(d.path().join("flameiq.yaml"), m).unwrap();
        let out = run_in(d.path(), &["compare", "--metrics", "m.json"]);
        assert_clean_exit(&out, &[0, 1, 2], &format!("config mutation {i}: {m}"));
    }
    fs::remove_file(d.path().join("flameiq.yaml")).unwrap();
    for (i, m) in mutations(&store).iter().enumerate().step_by(2) {
        fs::write(d.path().join(".flameiq/baselines/current.json"), m).unwrap();
        fs::write(
            d.path().join(".flameiq/baselines/history.jsonl"),
            m.replace('\n', " ") + "\n",
        )
        .unwrap();
        for args in [
            vec!["compare", "--metrics", "m.json"],
            vec!["baseline", "list"],
            vec!["baseline", "show"],
        ] {
            let out = run_in(d.path(), &args);
            assert_clean_exit(
                &out,
                &[0, 1, 2],
                &format!("store mutation {i} {args:?}: {m}"),
            );
        }
    }
}

/// `flameiq ... | head` must not panic when the reader goes away (found while testing #5):
/// the reader closes the pipe after 10 bytes of a ~600 KB output, and flameiq ends the way
/// `cat` does, by SIGPIPE (main.rs restores its default disposition), not with a panic
/// (exit 101) or an error message.
#[test]
fn a_closed_stdout_pipe_is_not_a_panic() {
    use std::io::Read;
    use std::os::unix::process::ExitStatusExt;
    let d = TempDir::new().unwrap();
    let big: serde_json::Map<String, Value> = (0..20_000)
        .map(|i| (format!("m{i:05}"), json!(i as f64 + 1.0)))
        .collect();
    fs::write(
        d.path().join("m.json"),
        json!({"schema_version": 1, "metrics": {"custom": big}}).to_string(),
    )
    .unwrap();
    let mut child = Command::new(assert_cmd::cargo::cargo_bin("flameiq"))
        .current_dir(d.path())
        .args(["run", "--metrics", "m.json", "--json"])
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let mut stdout = child.stdout.take().unwrap();
    let mut head = [0u8; 10];
    stdout.read_exact(&mut head).unwrap();
    assert_eq!(head[0], b'{', "the JSON document starts");
    drop(stdout);
    let out = child.wait_with_output().unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(!stderr.contains("panicked"), "{stderr}");
    assert_eq!(
        out.status.signal(),
        Some(13),
        "ended by SIGPIPE like cat, not {:?}: {stderr}",
        out.status
    );
    assert!(stderr.is_empty(), "nothing on stderr: {stderr}");
}
