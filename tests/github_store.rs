//! The `github` store (issue 13) against the loopback fake GitHub's Git Data endpoints and
//! GraphQL `updateRefs` with real compare-and-swap (tests/common/fake_git_data.rs): every
//! store command, concurrent writers, a large history, permissions, the one-time import
//! of a local store, and `flameiq store export|import`.

// The shared fake's comment helpers are not all used here.
#![allow(dead_code)]

use assert_cmd::Command;
use serde_json::{json, Value};

use std::path::Path;

mod common;
use common::fake_github::*;

const BRANCH: &str = "flameiq-data";

impl Fake {
    fn files(&self) -> std::collections::BTreeMap<String, String> {
        self.state.lock().unwrap().git.branch_files(BRANCH)
    }

    fn depth(&self) -> usize {
        self.state.lock().unwrap().git.branch_depth(BRANCH)
    }

    fn stale_rejections(&self) -> usize {
        self.state.lock().unwrap().git.stale_rejections
    }

    fn forbid_writes(&self, on: bool) {
        self.state.lock().unwrap().forbid_writes = on;
    }
}

/// `flameiq` in `dir` with the github store of the fake (no CI detected).
fn flameiq(dir: &Path, fake: &Fake) -> Command {
    Command::from_std(flameiq_std(dir, fake))
}

fn flameiq_std(dir: &Path, fake: &Fake) -> std::process::Command {
    let mut c = std::process::Command::new(assert_cmd::cargo::cargo_bin("flameiq"));
    c.current_dir(dir)
        .env_clear()
        .env("HOME", dir)
        .env("NO_COLOR", "1")
        .env("FLAMEIQ_STORE", "github")
        .env("GITHUB_REPOSITORY", REPO)
        .env("GITHUB_API_URL", fake.url())
        .env("GITHUB_GRAPHQL_URL", format!("{}/graphql", fake.url()))
        .env("GITHUB_TOKEN", TOKEN)
        .env("FLAMEIQ_HTTP_RETRY_BASE_MS", "5");
    c
}

fn metrics(commit: &str, throughput: f64, p95: f64) -> String {
    json!({
        "schema_version": 1,
        "metadata": {"commit": commit, "branch": "main", "environment": "ci",
                     "timestamp": "2026-12-01T10:00:00+00:00", "run_id": format!("run-{commit}"), "tags": {}},
        "metrics": {"throughput": throughput, "latency": {"p95": p95}}
    })
    .to_string()
}

struct Out {
    code: i32,
    stdout: String,
    stderr: String,
}

fn run(c: &mut Command) -> Out {
    let o = c.output().unwrap();
    let out = Out {
        code: o.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&o.stdout).into(),
        stderr: String::from_utf8_lossy(&o.stderr).into(),
    };
    assert!(
        !out.stdout.contains("TESTTOKEN") && !out.stderr.contains("TESTTOKEN"),
        "token in output: {}{}",
        out.stdout,
        out.stderr
    );
    out
}

fn history_lines(fake: &Fake, env: &str) -> Vec<Value> {
    let p = if env.is_empty() {
        "baselines/history.jsonl".to_string()
    } else {
        format!("{env}/baselines/history.jsonl")
    };
    fake.files()
        .get(&p)
        .map(|t| {
            t.lines()
                .map(|l| serde_json::from_str(l).unwrap())
                .collect()
        })
        .unwrap_or_default()
}

#[test]
fn issue13_github_store_set_show_compare_list_promote_clear() {
    let fake = Fake::start();
    let d = tempfile::tempdir().unwrap();
    std::fs::write(d.path().join("a.json"), metrics("aaaaaaa1", 1000.0, 100.0)).unwrap();
    std::fs::write(d.path().join("b.json"), metrics("bbbbbbb2", 1000.0, 150.0)).unwrap();
    std::fs::write(d.path().join("c.json"), metrics("ccccccc3", 1005.0, 101.0)).unwrap();

    let o = run(flameiq(d.path(), &fake).args([
        "baseline",
        "set",
        "--metrics",
        "a.json",
        "--tag",
        "v1",
    ]));
    assert_eq!(o.code, 0, "{}", o.stderr);
    assert!(o.stdout.contains("✓ Baseline set"), "{}", o.stdout);
    let files = fake.files();
    // The same layout and bytes as the file store's.
    let cur: Value = serde_json::from_str(&files["baselines/current.json"]).unwrap();
    assert_eq!(cur["metadata"]["commit"], "aaaaaaa1");
    assert!(files["baselines/current.json"].starts_with("{\n  \"schema_version\": 1,"));
    assert_eq!(history_lines(&fake, "").len(), 1);
    assert!(files.contains_key("README.md"));
    assert!(
        !d.path().join(".flameiq/baselines").exists(),
        "nothing stored locally"
    );

    // A regression against it, then a passing run that is promoted.
    let o = run(flameiq(d.path(), &fake).args(["compare", "--metrics", "b.json", "--json"]));
    assert_eq!(o.code, 1, "{}", o.stderr);
    let doc: Value = serde_json::from_str(&o.stdout).unwrap();
    assert_eq!(doc["status"], "regression");
    let o = run(flameiq(d.path(), &fake).args(["compare", "--metrics", "c.json"]));
    assert_eq!(o.code, 0, "{}{}", o.stdout, o.stderr);
    let o = run(flameiq(d.path(), &fake).args(["baseline", "promote"]));
    assert_eq!(o.code, 0, "{}", o.stderr);
    let o = run(flameiq(d.path(), &fake).args(["baseline", "show", "--json"]));
    let shown: Value = serde_json::from_str(&o.stdout).unwrap();
    assert_eq!(shown["metadata"]["commit"], "ccccccc3");

    // list, newest first; tagged strategy finds v1.
    let o = run(flameiq(d.path(), &fake).args(["baseline", "list", "--json"]));
    let rows: Value = serde_json::from_str(&o.stdout).unwrap();
    let commits: Vec<&str> = rows
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["commit"].as_str().unwrap())
        .collect();
    assert_eq!(commits, ["ccccccc3", "aaaaaaa1"]);
    std::fs::write(
        d.path().join("flameiq.yaml"),
        "baseline:\n  strategy: tagged\n  tag: v1\n",
    )
    .unwrap();
    let o = run(flameiq(d.path(), &fake).args(["baseline", "show", "--json"]));
    let shown: Value = serde_json::from_str(&o.stdout).unwrap();
    assert_eq!(shown["metadata"]["commit"], "aaaaaaa1", "{}", o.stderr);
    std::fs::remove_file(d.path().join("flameiq.yaml")).unwrap();

    // An environment of its own, beside the default one.
    let o = run(flameiq(d.path(), &fake).args([
        "--env",
        "linux",
        "baseline",
        "set",
        "--metrics",
        "b.json",
    ]));
    assert_eq!(o.code, 0, "{}", o.stderr);
    assert_eq!(history_lines(&fake, "linux").len(), 1);
    assert_eq!(history_lines(&fake, "").len(), 2);

    // clear removes the default environment only, and says where.
    let o = run(flameiq(d.path(), &fake).args(["baseline", "clear", "--yes"]));
    assert_eq!(o.code, 0, "{}", o.stderr);
    assert!(o.stdout.contains("Baseline storage cleared"));
    let files = fake.files();
    assert!(!files.contains_key("baselines/current.json"));
    assert!(files.contains_key("linux/baselines/current.json"));
    let o = run(flameiq(d.path(), &fake).args(["compare", "--metrics", "c.json"]));
    assert_eq!(o.code, 2);
    assert!(
        o.stderr.contains(
            "no baseline found at 'github:acme/widgets@flameiq-data:baselines/current.json'"
        ),
        "{}",
        o.stderr
    );
    // Every write replaced the single commit.
    assert_eq!(fake.depth(), 1);
}

#[test]
fn issue13_sixteen_concurrent_writers_lose_no_run_and_the_branch_stays_one_commit_deep() {
    let fake = Fake::start();
    let d = tempfile::tempdir().unwrap();
    let mut children = vec![];
    for i in 0..16 {
        let name = format!("m{i}.json");
        std::fs::write(
            d.path().join(&name),
            metrics(&format!("c{i:07}"), 1000.0 + i as f64, 100.0),
        )
        .unwrap();
        // Half the legs write one environment, half one each.
        let env = if i % 2 == 0 {
            "linux".to_string()
        } else {
            format!("leg{i}")
        };
        let mut c = flameiq_std(d.path(), &fake);
        c.args(["--env", &env, "baseline", "set", "--metrics", &name]);
        c.stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::piped());
        children.push(c.spawn().unwrap());
    }
    for ch in children {
        let o = ch.wait_with_output().unwrap();
        assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    }
    let linux = history_lines(&fake, "linux");
    assert_eq!(linux.len(), 8);
    let mut commits: Vec<String> = linux
        .iter()
        .map(|l| l["metadata"]["commit"].as_str().unwrap().to_string())
        .collect();
    for i in (1..16).step_by(2) {
        let h = history_lines(&fake, &format!("leg{i}"));
        assert_eq!(h.len(), 1, "leg{i}");
        commits.push(h[0]["metadata"]["commit"].as_str().unwrap().to_string());
    }
    commits.sort();
    let want: Vec<String> = (0..16).map(|i| format!("c{i:07}")).collect();
    assert_eq!(commits, want, "every run stored once");
    assert_eq!(fake.depth(), 1, "one commit deep");
    // The writers did race (the fake refused stale updates) and retried.
    assert!(fake.stale_rejections() > 0, "no race happened");
}

#[test]
fn issue13_a_five_mb_history_is_read_back_whole() {
    let fake = Fake::start();
    let d = tempfile::tempdir().unwrap();
    // 64 runs of 2,000 metrics: over 5 MB of history, in a local store's layout.
    let mut lines = vec![];
    for r in 0..64 {
        let custom: serde_json::Map<String, Value> = (0..2000)
            .map(|k| {
                (
                    format!("bench_{k:05}_with_a_longish_name"),
                    json!(1000.0 + r as f64 + k as f64 / 8.0),
                )
            })
            .collect();
        let doc = json!({"schema_version": 1,
            "metadata": {"run_id": format!("run-{r}"), "commit": format!("{r:040x}"), "branch": "main",
                         "timestamp": "2026-12-01T10:00:00+00:00", "environment": "ci", "tags": {}},
            "metrics": {"custom": custom}});
        lines.push(doc);
    }
    let base = d.path().join(".flameiq/baselines");
    std::fs::create_dir_all(&base).unwrap();
    let text: String = lines.iter().map(|l| format!("{l}\n")).collect();
    assert!(text.len() > 5 * 1024 * 1024, "{} bytes", text.len());
    std::fs::write(base.join("history.jsonl"), &text).unwrap();
    std::fs::write(
        base.join("current.json"),
        serde_json::to_string_pretty(&lines[63]).unwrap(),
    )
    .unwrap();
    // Into the branch in one commit, then read back through the trees and blobs endpoints.
    let o = run(flameiq(d.path(), &fake).args(["store", "import", "--from", "file:.flameiq"]));
    assert_eq!(o.code, 0, "{}", o.stderr);
    let stored = history_lines(&fake, "");
    assert_eq!(stored, lines, "the branch holds every run");
    let o = run(flameiq(d.path(), &fake).args(["baseline", "list", "--json"]));
    assert_eq!(o.code, 0, "{}", o.stderr);
    let rows: Value = serde_json::from_str(&o.stdout).unwrap();
    assert_eq!(rows.as_array().unwrap().len(), 64);
    assert_eq!(rows[0]["metrics_count"], 2000);
    assert_eq!(rows[0]["commit"], format!("{:040x}", 63));
    assert_eq!(rows[63]["commit"], format!("{:040x}", 0));
    // The whole blob came through one request (no contents API, no 1 MB limit).
    let blob_reads = fake
        .requests()
        .iter()
        .filter(|q| q.method == "GET" && q.path.contains("/git/blobs/"))
        .count();
    assert_eq!(blob_reads, 1, "one blob read by list");
}

#[test]
fn issue13_a_refused_write_is_exit_2_with_the_fix() {
    let fake = Fake::start();
    let d = tempfile::tempdir().unwrap();
    std::fs::write(d.path().join("a.json"), metrics("aaaaaaa1", 1000.0, 100.0)).unwrap();
    fake.forbid_writes(true);
    let o = run(flameiq(d.path(), &fake).args(["baseline", "set", "--metrics", "a.json"]));
    assert_eq!(o.code, 2, "{}{}", o.stdout, o.stderr);
    assert!(
        o.stderr.contains("permissions: contents: write"),
        "{}",
        o.stderr
    );
    assert!(o.stderr.contains("HTTP 403"), "{}", o.stderr);
    assert_eq!(o.stderr.trim().lines().count(), 1, "{}", o.stderr);
    assert!(!o.stdout.contains("Baseline set"));
    assert_eq!(fake.depth(), 0, "nothing written");
    // No token at all: also exit 2 with the fix, before any request.
    let o = run(flameiq(d.path(), &fake).env_remove("GITHUB_TOKEN").args([
        "baseline",
        "set",
        "--metrics",
        "a.json",
    ]));
    assert_eq!(o.code, 2);
    assert!(
        o.stderr.contains("permissions: contents: write"),
        "{}",
        o.stderr
    );
}

#[test]
fn issue13_the_first_write_imports_the_local_store_and_says_so() {
    let fake = Fake::start();
    let d = tempfile::tempdir().unwrap();
    for (i, c) in ["aaaaaaa1", "bbbbbbb2", "ccccccc3"].iter().enumerate() {
        std::fs::write(
            d.path().join(format!("{i}.json")),
            metrics(c, 1000.0 + i as f64, 100.0),
        )
        .unwrap();
    }
    // An old cache recipe's store: two runs in the default environment, one in "linux".
    for (env, f) in [("", "0.json"), ("", "1.json"), ("linux", "1.json")] {
        let mut c = flameiq(d.path(), &fake);
        c.env("FLAMEIQ_STORE", "file:.flameiq");
        if !env.is_empty() {
            c.args(["--env", env]);
        }
        assert_eq!(run(c.args(["baseline", "set", "--metrics", f])).code, 0);
    }
    let local_linux =
        std::fs::read_to_string(d.path().join(".flameiq/linux/baselines/history.jsonl")).unwrap();
    let o = run(flameiq(d.path(), &fake).args(["baseline", "set", "--metrics", "2.json"]));
    assert_eq!(o.code, 0, "{}", o.stderr);
    assert!(
        o.stdout
            .contains("imported 3 run(s) of 2 environment(s) from the local store .flameiq"),
        "{}",
        o.stdout
    );
    let commits: Vec<String> = history_lines(&fake, "")
        .iter()
        .map(|l| l["metadata"]["commit"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(commits, ["aaaaaaa1", "bbbbbbb2", "ccccccc3"]);
    assert_eq!(fake.files()["linux/baselines/history.jsonl"], local_linux);
    // Only once: the next write does not import again.
    let o = run(flameiq(d.path(), &fake).args(["baseline", "set", "--metrics", "0.json"]));
    assert!(!o.stdout.contains("imported"), "{}", o.stdout);
    assert_eq!(history_lines(&fake, "").len(), 4);
}

#[test]
fn issue13_store_export_import_round_trips_file_github_file_byte_for_byte() {
    let fake = Fake::start();
    let d = tempfile::tempdir().unwrap();
    for i in 0..5 {
        std::fs::write(
            d.path().join(format!("{i}.json")),
            metrics(&format!("c{i:07}"), 1000.0 + i as f64 * 1.5, 100.25),
        )
        .unwrap();
    }
    for (env, i, tag) in [
        ("", 0, None),
        ("", 1, Some("v1")),
        ("mac", 2, None),
        ("", 3, None),
        ("mac", 4, Some("v2")),
    ] {
        let mut c = flameiq(d.path(), &fake);
        c.env("FLAMEIQ_STORE", "file:src-store");
        if !env.is_empty() {
            c.args(["--env", env]);
        }
        c.args(["baseline", "set", "--metrics", &format!("{i}.json")]);
        if let Some(t) = tag {
            c.args(["--tag", t]);
        }
        assert_eq!(run(&mut c).code, 0);
    }
    let o = run(flameiq(d.path(), &fake).args([
        "store",
        "export",
        "--from",
        "file:src-store",
        "--to",
        "github",
    ]));
    assert_eq!(o.code, 0, "{}", o.stderr);
    assert!(o.stdout.contains("2 environment(s)"), "{}", o.stdout);
    let o = run(flameiq(d.path(), &fake).args(["store", "export", "--to", "file:back"]));
    assert_eq!(o.code, 0, "{}", o.stderr);
    for rel in [
        "baselines/current.json",
        "baselines/history.jsonl",
        "mac/baselines/current.json",
        "mac/baselines/history.jsonl",
    ] {
        let a = std::fs::read(d.path().join("src-store").join(rel)).unwrap();
        let b = std::fs::read(d.path().join("back").join(rel)).unwrap();
        assert_eq!(a, b, "{rel}");
    }
    // Importing over a non-empty store needs --force.
    let o = run(flameiq(d.path(), &fake).args(["store", "import", "--from", "file:src-store"]));
    assert_eq!(o.code, 2, "{}", o.stdout);
    assert!(o.stderr.contains("--force"), "{}", o.stderr);
}

#[test]
fn issue13_a_repository_the_token_cannot_see_is_exit_2_not_no_baseline() {
    let fake = Fake::start();
    let d = tempfile::tempdir().unwrap();
    std::fs::write(d.path().join("a.json"), metrics("aaaaaaa1", 1000.0, 100.0)).unwrap();
    let o = run(flameiq(d.path(), &fake)
        .env("FLAMEIQ_STORE", "github:acme/private-thing")
        .args(["compare", "--metrics", "a.json"]));
    assert_eq!(o.code, 2, "{}{}", o.stdout, o.stderr);
    assert!(
        o.stderr.contains("repository acme/private-thing not found"),
        "{}",
        o.stderr
    );
    // This repository without the branch yet: simply no baseline.
    let o = run(flameiq(d.path(), &fake).args(["compare", "--metrics", "a.json"]));
    assert_eq!(o.code, 2);
    assert!(o.stderr.contains("no baseline found"), "{}", o.stderr);
}

/// Issue 17: `flameiq dashboard` reads any store backend. The same runs stored in the
/// github store (two environments) and in a file store give the same site, byte for byte.
#[test]
fn issue17_dashboard_over_the_github_store_is_the_file_stores_site() {
    let fake = Fake::start();
    let d = tempfile::tempdir().unwrap();
    for i in 0..12 {
        let commit = format!("{:07x}{i}", 0xabc0000 + i);
        let step = if i >= 6 { 1.5 } else { 1.0 };
        let noise = (i * 7 % 5) as f64;
        std::fs::write(
            d.path().join("m.json"),
            metrics(&commit, 1000.0 * step + noise, 100.0 + noise),
        )
        .unwrap();
        for env in ["", "linux"] {
            for store in ["github", "file:file-store"] {
                let mut c = flameiq(d.path(), &fake);
                c.args(["--store", store]);
                if !env.is_empty() {
                    c.args(["--env", env]);
                }
                let o = run(c.args(["baseline", "set", "--metrics", "m.json"]));
                assert_eq!(o.code, 0, "{}", o.stderr);
            }
        }
    }
    assert_eq!(history_lines(&fake, "linux").len(), 12);
    let site = |store: &str, out: &str| {
        let o = run(flameiq(d.path(), &fake).args(["--store", store, "dashboard", "-o", out]));
        assert_eq!(o.code, 0, "{}{}", o.stdout, o.stderr);
        assert!(
            o.stdout
                .contains("4 metric(s) over 24 run(s) in 2 environment(s)"),
            "{}",
            o.stdout
        );
        let mut files = std::collections::BTreeMap::new();
        for rel in [
            "index.html",
            "data/index.js",
            "data/runs-0.js",
            "data/runs-1.js",
            "data/s0.js",
        ] {
            files.insert(rel, std::fs::read(d.path().join(out).join(rel)).unwrap());
        }
        files
    };
    let github = site("github", "site-github");
    let file = site("file:file-store", "site-file");
    assert_eq!(github, file, "the two backends' sites differ");
    let index = String::from_utf8(github["data/index.js"].clone()).unwrap();
    for want in [
        "\"default\"",
        "\"linux\"",
        "\"throughput\"",
        "\"latency.p95\"",
    ] {
        assert!(index.contains(want), "{want} missing from {index}");
    }
    // The step at run 6 is drawn as the latest change point (cp = [runs since, ...]).
    let s0 = String::from_utf8(github["data/s0.js"].clone()).unwrap();
    assert!(
        s0.contains("\"throughput\",0,[") && s0.contains("[[6,"),
        "{s0}"
    );
    // --env picks one environment of the github store.
    let o = run(flameiq(d.path(), &fake).args([
        "--store",
        "github",
        "--env",
        "linux",
        "dashboard",
        "-o",
        "site-linux",
    ]));
    assert_eq!(o.code, 0, "{}", o.stderr);
    assert!(o.stdout.contains("in 1 environment(s)"), "{}", o.stdout);
}
