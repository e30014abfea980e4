//! Robustness of the binary (issue #2): concurrent writers lose nothing, a killed writer
//! leaves a readable store, and no input makes the binary panic.

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

/// `flameiq ... | head` must not panic when the reader goes away (found while testing #5).
#[test]
fn a_closed_stdout_pipe_is_not_a_panic() {
    let d = TempDir::new().unwrap();
    let big: serde_json::Map<String, Value> = (0..20_000)
        .map(|i| (format!("m{i:05}"), json!(i as f64 + 1.0)))
        .collect();
    fs::write(
        d.path().join("m.json"),
        json!({"schema_version": 1, "metrics": {"custom": big}}).to_string(),
    )
    .unwrap();
    let bin = assert_cmd::cargo::cargo_bin("flameiq");
    let out = Command::new("sh")
        .current_dir(d.path())
        .arg("-c")
        .arg(format!(
            "'{}' run --metrics m.json --json | head -c 10 >/dev/null",
            bin.display()
        ))
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(!stderr.contains("panicked"), "{stderr}");
    assert!(out.status.success());
}
