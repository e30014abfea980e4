//! `flameiq compare` through the `github` store against the loopback fake GitHub (issue 13):
//! 1,000 runs × 1,000 metrics in the history (scripts/gen-metrics.py), imported into the
//! fake's `flameiq-data` branch with `flameiq store import`; then `compare` with the
//! `last_successful` strategy (reads `current.json` only) and with `rolling_median` and
//! statistics (read the whole history blob), and one `baseline set` (a write: the history
//! is read, trimmed to 1,000 runs and uploaded again). Prints the requests each command
//! sent and its wall time (median of the runs).
//!
//! Run with `cargo bench --bench github_store` (release binary; loopback only).

#![allow(dead_code)]

use std::path::Path;
use std::process::Command;
use std::time::Instant;

#[path = "../tests/common/mod.rs"]
mod common;
use common::fake_github::*;

/// Runs × metrics × repetitions: the benchmark's under `cargo bench` (which passes
/// `--bench`), a smoke test's under `cargo test --benches`.
fn sizes() -> (usize, usize, usize) {
    if std::env::args().any(|a| a == "--bench") {
        (1000, 1000, 5)
    } else {
        (20, 50, 1)
    }
}

fn flameiq(dir: &Path, fake: &Fake) -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_flameiq"));
    c.current_dir(dir)
        .env_clear()
        .env("HOME", dir)
        .env("FLAMEIQ_STORE", "github")
        .env("GITHUB_REPOSITORY", REPO)
        .env("GITHUB_API_URL", fake.url())
        .env("GITHUB_GRAPHQL_URL", format!("{}/graphql", fake.url()))
        .env("GITHUB_TOKEN", TOKEN);
    c
}

fn must(c: &mut Command) {
    let o = c.output().unwrap();
    assert!(
        o.status.success(),
        "{:?}: {}",
        c,
        String::from_utf8_lossy(&o.stderr)
    );
}

/// Median wall time (ms) and the requests of one run of `args`.
fn measure(dir: &Path, fake: &Fake, args: &[&str], config: &str) -> (f64, usize) {
    let (_, _, repeat) = sizes();
    std::fs::write(dir.join("flameiq.yaml"), config).unwrap();
    let mut times = vec![];
    let mut requests = 0;
    for _ in 0..repeat {
        let before = fake.requests().len();
        let t = Instant::now();
        let o = flameiq(dir, fake).args(args).output().unwrap();
        times.push(t.elapsed().as_secs_f64() * 1000.0);
        assert!(
            o.status.code() == Some(0) || o.status.code() == Some(1),
            "{args:?}: {}",
            String::from_utf8_lossy(&o.stderr)
        );
        requests = fake.requests().len() - before;
    }
    times.sort_by(f64::total_cmp);
    (times[repeat / 2], requests)
}

fn main() {
    let (runs, metrics, _) = sizes();
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let gen = root.join("scripts/gen-metrics.py");
    must(
        Command::new("python3")
            .arg(&gen)
            .args([
                "store",
                "--count",
                &metrics.to_string(),
                "--snapshots",
                &runs.to_string(),
                "--dir",
            ])
            .arg(d.join("src")),
    );
    must(
        Command::new("python3")
            .arg(&gen)
            .args([
                "metrics",
                "--count",
                &metrics.to_string(),
                "--seed",
                "7",
                "--out",
            ])
            .arg(d.join("current.json")),
    );
    let history = std::fs::metadata(d.join("src/baselines/history.jsonl"))
        .unwrap()
        .len();
    let fake = Fake::start();
    let t = Instant::now();
    must(flameiq(d, &fake).args(["store", "import", "--from", "file:src"]));
    let import_ms = t.elapsed().as_secs_f64() * 1000.0;
    let import_requests = fake.requests().len();
    println!(
        "github store: {runs} runs x {metrics} metrics, history.jsonl {:.1} MB; import {import_ms:.0} ms, {import_requests} requests",
        history as f64 / 1e6
    );
    let cmp = ["compare", "--metrics", "current.json"];
    for (name, cfg) in [
        ("compare, last_successful", ""),
        (
            "compare, rolling_median (window 5)",
            "baseline:\n  strategy: rolling_median\n",
        ),
        (
            "compare, statistics on (20 runs)",
            "statistics:\n  enabled: true\n",
        ),
    ] {
        let (ms, n) = measure(d, &fake, &cmp, cfg);
        println!("{name:<40} {ms:>8.0} ms  {n:>3} requests");
    }
    let (ms, n) = measure(
        d,
        &fake,
        &["baseline", "set", "--metrics", "current.json"],
        "",
    );
    println!(
        "{:<40} {ms:>8.0} ms  {n:>3} requests",
        "baseline set (append + trim to 1,000)"
    );
    // The same compare against the file store, for scale.
    let (ms, _) = measure(
        d,
        &fake,
        &[
            "--store",
            "file:src",
            "compare",
            "--metrics",
            "current.json",
        ],
        "",
    );
    println!("{:<40} {ms:>8.0} ms", "compare, file store (same history)");
}
