//! The `postgres` store against a real PostgreSQL server (issue 15): every store command,
//! concurrent and killed writers, a differential test against the file store, migrations,
//! and the connection errors a user meets (one line, exit 2, never the password).
//!
//! The server comes from `FLAMEIQ_TEST_POSTGRES_URL` (`scripts/pg-cluster.sh start`);
//! without it the tests print a note and pass, except under `FLAMEIQ_REQUIRE_POSTGRES=1`
//! (`.ci/run`), where they fail. See tests/common/postgres.rs.

#[path = "common/postgres.rs"]
mod pg;

use assert_cmd::Command;
use pg::{scalar, sql, TestDb};
use serde_json::{json, Value};
use std::fs;
use std::io::{Read, Write};
use std::net::TcpListener;
use std::path::Path;
use std::process::Output;
use std::time::{Duration, Instant};
use tempfile::TempDir;

const REPO: &str = "acme/widgets";

/// `flameiq` in `dir` on the store `url`, for repository `acme/widgets`, outside any CI.
fn flameiq(dir: &Path, url: &str) -> Command {
    let mut c = Command::cargo_bin("flameiq").unwrap();
    c.current_dir(dir)
        .env_remove("FLAMEIQ_CONFIG")
        .env_remove("FLAMEIQ_DIR")
        .env_remove("FLAMEIQ_ENV")
        .env_remove("GITHUB_ACTIONS")
        .env_remove("GITLAB_CI")
        .env_remove("CIRCLECI")
        .env_remove("JENKINS_URL")
        .env_remove("CI_PROJECT_PATH")
        .env_remove("PGPASSWORD")
        .env_remove("PGUSER")
        .env_remove("PGHOST")
        .env("CI", "")
        .env("GITHUB_REPOSITORY", REPO)
        .env("FLAMEIQ_STORE", url)
        .env("NO_COLOR", "1");
    c
}

/// A schema v1 run with the given metrics (custom keys under `custom`).
fn run_doc(commit: &str, run_id: &str, throughput: f64, custom: &[(&str, f64)]) -> Value {
    let mut c = serde_json::Map::new();
    for (k, v) in custom {
        c.insert((*k).to_string(), json!(v));
    }
    json!({
        "schema_version": 1,
        "metadata": {"commit": commit, "branch": "main", "environment": "ci",
                     "timestamp": "2026-01-02T03:04:05+00:00", "run_id": run_id, "tags": {}},
        "metrics": {"throughput": throughput, "latency": {"p95": 100.0}, "custom": Value::Object(c)}
    })
}

fn write(dir: &Path, name: &str, v: &Value) {
    fs::write(dir.join(name), serde_json::to_string_pretty(v).unwrap()).unwrap();
}

fn set(dir: &Path, url: &str, file: &str) -> Output {
    let out = flameiq(dir, url)
        .args(["baseline", "set", "--metrics", file])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    out
}

fn stdout_json(out: &Output) -> Value {
    serde_json::from_slice(&out.stdout).unwrap_or_else(|e| {
        panic!(
            "{e}: {}\n{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        )
    })
}

fn list(dir: &Path, url: &str, env: Option<&str>) -> Vec<Value> {
    let mut c = flameiq(dir, url);
    if let Some(e) = env {
        c.args(["--env", e]);
    }
    let out = c.args(["baseline", "list", "--json"]).output().unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    stdout_json(&out).as_array().unwrap().clone()
}

/// A database named after the test and an empty workspace folder, or `None` (and the
/// test passes with a note) without a server; see tests/common/postgres.rs.
fn workspace(name: &str) -> Option<(TestDb, TempDir)> {
    Some((TestDb::new(name)?, TempDir::new().unwrap()))
}

/// `baseline show --json` on the store `url`.
fn show_json(dir: &Path, url: &str) -> Value {
    stdout_json(
        &flameiq(dir, url)
            .args(["baseline", "show", "--json"])
            .output()
            .unwrap(),
    )
}

fn run_ids(rows: &[Value]) -> Vec<String> {
    rows.iter()
        .map(|r| r["run_id"].as_str().unwrap().to_string())
        .collect()
}

/// Asserts a failed command printed exactly one error line, exit 2, and returns it.
fn one_line_exit_2(out: &Output) -> String {
    let err = String::from_utf8_lossy(&out.stderr).to_string();
    assert_eq!(out.status.code(), Some(2), "{err}");
    let lines: Vec<&str> = err.lines().filter(|l| !l.trim().is_empty()).collect();
    assert_eq!(lines.len(), 1, "one line: {err}");
    lines[0].to_string()
}

#[test]
fn issue15_every_store_command_on_postgres() {
    let Some((db, d)) = workspace("every_command") else {
        return;
    };
    let p = d.path();
    write(
        p,
        "r1.json",
        &run_doc("aaaaaaa1", "r1", 1000.0, &[("parse", 10.0)]),
    );
    write(
        p,
        "r2.json",
        &run_doc("aaaaaaa2", "r2", 1010.0, &[("parse", 11.0)]),
    );
    write(
        p,
        "r3.json",
        &run_doc("aaaaaaa3", "r3", 990.0, &[("parse", 12.0)]),
    );
    set(p, &db.url, "r1.json");
    let out = flameiq(p, &db.url)
        .args(["baseline", "set", "--metrics", "r2.json", "--tag", "v1.0"])
        .output()
        .unwrap();
    assert!(out.status.success());
    assert!(String::from_utf8_lossy(&out.stdout).contains("✓ Baseline set (tag: v1.0)"));
    set(p, &db.url, "r3.json");

    // list: newest first, with the tag.
    let rows = list(p, &db.url, None);
    assert_eq!(run_ids(&rows), ["r3", "r2", "r1"]);
    assert_eq!(rows[1]["tags"], json!({"release": "v1.0"}));
    assert_eq!(rows[0]["metrics_count"], 3);

    // show: the last baseline set.
    let out = show_json(p, &db.url);
    assert_eq!(out["metadata"]["run_id"], "r3");

    // Strategies: tagged and rolling_median read the history from the database.
    fs::write(
        p.join("flameiq.yaml"),
        "baseline:\n  strategy: tagged\n  tag: v1.0\n",
    )
    .unwrap();
    let out = show_json(p, &db.url);
    assert_eq!(out["metadata"]["run_id"], "r2");
    fs::write(
        p.join("flameiq.yaml"),
        "baseline:\n  strategy: rolling_median\n  rolling_window: 3\n",
    )
    .unwrap();
    let out = show_json(p, &db.url);
    assert_eq!(out["metrics"]["throughput"], json!(1000.0));
    assert_eq!(out["metrics"]["custom"]["parse"], json!(11.0));
    fs::remove_file(p.join("flameiq.yaml")).unwrap();

    // compare: a regression is exit 1, a pass exit 0.
    write(
        p,
        "slow.json",
        &run_doc("bbbbbbb1", "slow", 700.0, &[("parse", 12.0)]),
    );
    flameiq(p, &db.url)
        .args(["compare", "--metrics", "slow.json"])
        .assert()
        .code(1);
    write(
        p,
        "ok.json",
        &run_doc("bbbbbbb2", "ok", 995.0, &[("parse", 12.0)]),
    );
    flameiq(p, &db.url)
        .args(["compare", "--metrics", "ok.json"])
        .assert()
        .success();

    // promote: the last compared run becomes the baseline, in the database.
    flameiq(p, &db.url)
        .args(["baseline", "promote"])
        .assert()
        .success();
    assert_eq!(run_ids(&list(p, &db.url, None))[0], "ok");
    let out = show_json(p, &db.url);
    assert_eq!(out["metadata"]["run_id"], "ok");

    // Environments and repositories are separate stores in one database.
    flameiq(p, &db.url)
        .args([
            "--env",
            "linux-x64",
            "baseline",
            "set",
            "--metrics",
            "r1.json",
        ])
        .assert()
        .success();
    flameiq(p, &db.url)
        .env("GITHUB_REPOSITORY", "acme/other")
        .args(["baseline", "set", "--metrics", "r2.json"])
        .assert()
        .success();
    assert_eq!(run_ids(&list(p, &db.url, Some("linux-x64"))), ["r1"]);
    assert_eq!(list(p, &db.url, None).len(), 4);

    // changes reads the history.
    let out = flameiq(p, &db.url)
        .args(["changes", "--json"])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    stdout_json(&out);

    // clear: this repository's default environment only.
    flameiq(p, &db.url)
        .args(["baseline", "clear", "--yes"])
        .assert()
        .success();
    assert!(list(p, &db.url, None).is_empty());
    flameiq(p, &db.url)
        .args(["baseline", "show"])
        .assert()
        .code(2);
    assert_eq!(run_ids(&list(p, &db.url, Some("linux-x64"))), ["r1"]);
    let other = flameiq(p, &db.url)
        .env("GITHUB_REPOSITORY", "acme/other")
        .args(["baseline", "list", "--json"])
        .output()
        .unwrap();
    assert_eq!(run_ids(stdout_json(&other).as_array().unwrap()), ["r2"]);
    // The cleared environment's values went with its runs.
    assert_eq!(
        scalar(
            &db.url,
            "SELECT count(*) FROM flameiq.run_values v JOIN flameiq.runs r ON r.id = v.run \
             WHERE r.repository = 'acme/widgets' AND r.environment = ''"
        ),
        "0"
    );
}

#[test]
fn issue15_max_history_trims_in_the_same_transaction() {
    let Some((db, d)) = workspace("max_history") else {
        return;
    };
    let p = d.path();
    fs::write(p.join("flameiq.yaml"), "baseline:\n  max_history: 3\n").unwrap();
    for i in 1..=5 {
        write(
            p,
            &format!("r{i}.json"),
            &run_doc(
                &format!("ccccccc{i}"),
                &format!("r{i}"),
                1000.0 + i as f64,
                &[],
            ),
        );
        set(p, &db.url, &format!("r{i}.json"));
    }
    assert_eq!(run_ids(&list(p, &db.url, None)), ["r5", "r4", "r3"]);
    assert_eq!(scalar(&db.url, "SELECT count(*) FROM flameiq.runs"), "3");
    // Two values per run (throughput, latency.p95): none of a trimmed run is left.
    assert_eq!(
        scalar(&db.url, "SELECT count(*) FROM flameiq.run_values"),
        "6"
    );
}

#[test]
fn issue15_repository_from_config_wins_and_is_required() {
    let Some((db, d)) = workspace("repository") else {
        return;
    };
    let p = d.path();
    write(p, "r1.json", &run_doc("aaaaaaa1", "r1", 1000.0, &[]));
    // No repository anywhere: exit 2 naming the fix, before connecting.
    let out = flameiq(p, &db.url)
        .env_remove("GITHUB_REPOSITORY")
        .args(["baseline", "set", "--metrics", "r1.json"])
        .output()
        .unwrap();
    assert!(one_line_exit_2(&out).contains("store.repository"));
    // GitLab's variable.
    flameiq(p, &db.url)
        .env_remove("GITHUB_REPOSITORY")
        .env("CI_PROJECT_PATH", "group/sub/project")
        .args(["baseline", "set", "--metrics", "r1.json"])
        .assert()
        .success();
    // store.repository in the config wins over GITHUB_REPOSITORY.
    fs::write(
        p.join("flameiq.yaml"),
        format!("store:\n  url: {}\n  repository: team/monorepo\n", db.url),
    )
    .unwrap();
    flameiq(p, &db.url)
        .env_remove("FLAMEIQ_STORE")
        .args(["baseline", "set", "--metrics", "r1.json"])
        .assert()
        .success();
    let repos = sql(&db.url, "SELECT repository FROM flameiq.runs ORDER BY id");
    assert_eq!(
        repos,
        vec![
            vec![Some("group/sub/project".to_string())],
            vec![Some("team/monorepo".to_string())]
        ]
    );
}

#[test]
fn issue15_sixteen_concurrent_baseline_sets_lose_nothing() {
    let Some((db, d)) = workspace("concurrent") else {
        return;
    };
    let p = d.path();
    // The schema exists before the race (a first-use migration race is tested too: the
    // second half of the writers starts on a fresh environment).
    let bin = assert_cmd::cargo::cargo_bin("flameiq");
    let mut children = Vec::new();
    for i in 0..16 {
        let file = format!("w{i}.json");
        let custom: Vec<(String, f64)> = (0..200)
            .map(|k| (format!("m{k}"), (i * k) as f64))
            .collect();
        let pairs: Vec<(&str, f64)> = custom.iter().map(|(k, v)| (k.as_str(), *v)).collect();
        write(
            p,
            &file,
            &run_doc(
                &format!("ddddddd{i:02}"),
                &format!("w{i}"),
                1000.0 + i as f64,
                &pairs,
            ),
        );
        let env = if i % 2 == 0 { "" } else { "arm64" };
        let mut c = std::process::Command::new(&bin);
        c.current_dir(p)
            .env("FLAMEIQ_STORE", &db.url)
            .env("GITHUB_REPOSITORY", REPO)
            .env_remove("GITHUB_ACTIONS")
            .env_remove("GITLAB_CI")
            .env("FLAMEIQ_ENV", env)
            .args(["-q", "baseline", "set", "--metrics", &file])
            .stderr(std::process::Stdio::piped());
        children.push(c.spawn().unwrap());
    }
    for c in children {
        let out = c.wait_with_output().unwrap();
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
    let mut ids = run_ids(&list(p, &db.url, None));
    ids.extend(run_ids(&list(p, &db.url, Some("arm64"))));
    ids.sort();
    let mut want: Vec<String> = (0..16).map(|i| format!("w{i}")).collect();
    want.sort();
    assert_eq!(ids, want, "16 runs, none lost");
    // Every run whole: 202 values each.
    assert_eq!(
        scalar(&db.url, "SELECT count(*) FROM flameiq.run_values"),
        (16 * 202).to_string()
    );
    assert_eq!(
        scalar(&db.url, "SELECT count(*) FROM flameiq.schema_version"),
        flameiq::store::postgres::SCHEMA_VERSION.to_string(),
        "migrated once"
    );
}

#[test]
fn issue15_killed_writer_leaves_no_half_run() {
    let Some((db, d)) = workspace("killed") else {
        return;
    };
    let p = d.path();
    write(
        p,
        "before.json",
        &run_doc("eeeeeee1", "before", 1000.0, &[]),
    );
    set(p, &db.url, "before.json");
    // A run big enough that its COPY takes a while: the writer is killed in the middle.
    let custom: Vec<(String, f64)> = (0..150_000)
        .map(|k| (format!("metric_{k}"), k as f64))
        .collect();
    let pairs: Vec<(&str, f64)> = custom.iter().map(|(k, v)| (k.as_str(), *v)).collect();
    write(
        p,
        "big.json",
        &run_doc("eeeeeee2", "killed", 1000.0, &pairs),
    );
    let app = "fiq-killed-writer";
    let url = format!("{}?application_name={app}", db.url);
    let bin = assert_cmd::cargo::cargo_bin("flameiq");
    let mut child = std::process::Command::new(&bin)
        .current_dir(p)
        .env("FLAMEIQ_STORE", &url)
        .env("GITHUB_REPOSITORY", REPO)
        .env_remove("GITHUB_ACTIONS")
        .args(["-q", "baseline", "set", "--metrics", "big.json"])
        .spawn()
        .unwrap();
    // Wait until the writer's transaction is streaming the values, then kill -9.
    let start = Instant::now();
    let watch = format!(
        "SELECT count(*) FROM pg_stat_activity WHERE application_name = '{app}' \
         AND xact_start IS NOT NULL AND query LIKE 'COPY%'"
    );
    loop {
        if scalar(&db.admin, &watch) != "0" {
            break;
        }
        assert!(
            child.try_wait().unwrap().is_none(),
            "the writer finished before it could be killed mid-run"
        );
        assert!(
            start.elapsed() < Duration::from_secs(60),
            "writer never started its COPY"
        );
        std::thread::sleep(Duration::from_millis(5));
    }
    child.kill().unwrap(); // SIGKILL
    let status = child.wait().unwrap();
    assert!(!status.success());
    // The server notices the dead connection and rolls back.
    let start = Instant::now();
    while scalar(
        &db.admin,
        &format!("SELECT count(*) FROM pg_stat_activity WHERE application_name = '{app}'"),
    ) != "0"
    {
        assert!(
            start.elapsed() < Duration::from_secs(30),
            "backend still there"
        );
        std::thread::sleep(Duration::from_millis(20));
    }
    // No trace of the killed run; the baseline is the one before; the lock is free.
    assert_eq!(run_ids(&list(p, &db.url, None)), ["before"]);
    assert_eq!(
        scalar(&db.url, "SELECT count(*) FROM flameiq.run_values"),
        "2"
    );
    let out = show_json(p, &db.url);
    assert_eq!(out["metadata"]["run_id"], "before");
    write(p, "after.json", &run_doc("eeeeeee3", "after", 1000.0, &[]));
    set(p, &db.url, "after.json");
    assert_eq!(run_ids(&list(p, &db.url, None)), ["after", "before"]);
}

/// The same history in a file store and in PostgreSQL: every read command prints the same
/// bytes.
#[test]
fn issue15_differential_file_and_postgres_give_identical_output() {
    let Some((db, d)) = workspace("differential") else {
        return;
    };
    let p = d.path();
    fs::write(
        p.join("flameiq.yaml"),
        "baseline:\n  strategy: rolling_median\n  rolling_window: 5\n  max_history: 20\nstatistics:\n  enabled: true\n",
    )
    .unwrap();
    let file_url = "file:fs-store";
    for i in 0..24 {
        // A step in `custom.parse` half way, samples, an integer value, units.
        let step = if i < 12 { 10.0 } else { 14.0 };
        let v = step + (i % 3) as f64 * 0.1;
        let mut doc = run_doc(
            &format!("fffffff{i:02}"),
            &format!("d{i}"),
            1000.0 + (i % 4) as f64,
            &[("parse", v), ("count", 7.0)],
        );
        doc["metrics"]["custom"]["count"] = json!(7);
        doc["metadata"]["timestamp"] = json!(format!("2026-01-{:02}T03:04:05+00:00", i + 1));
        doc["metric_info"] = json!({"custom.parse": {"unit": "ms", "direction": "lower_is_better",
            "samples": [v - 0.05, v, v + 0.05, v + 0.01, v - 0.01]}});
        let name = format!("d{i}.json");
        write(p, &name, &doc);
        set(p, &db.url, &name);
        set(p, file_url, &name);
    }
    let mut cur = run_doc(
        "0000000a",
        "current",
        990.0,
        &[("parse", 15.5), ("count", 7.0)],
    );
    cur["metric_info"] = json!({"custom.parse": {"unit": "ms", "direction": "lower_is_better",
        "samples": [15.4, 15.5, 15.6, 15.5, 15.45]}});
    write(p, "current.json", &cur);
    for args in [
        vec!["compare", "--metrics", "current.json", "--json"],
        vec!["baseline", "list", "--json"],
        vec!["baseline", "show", "--json"],
        vec!["changes", "--json"],
    ] {
        let a = flameiq(p, file_url).args(&args).output().unwrap();
        let b = flameiq(p, &db.url).args(&args).output().unwrap();
        assert_eq!(a.status.code(), b.status.code(), "{args:?}");
        assert!(!a.stdout.is_empty(), "{args:?}");
        assert_eq!(
            String::from_utf8_lossy(&a.stdout),
            String::from_utf8_lossy(&b.stdout),
            "{args:?}"
        );
    }
    // The trim kept the same runs.
    assert_eq!(scalar(&db.url, "SELECT count(*) FROM flameiq.runs"), "20");
}

#[test]
fn issue15_hostile_names_reach_sql_only_as_parameters() {
    let Some((db, d)) = workspace("hostile") else {
        return;
    };
    let p = d.path();
    let evil = "x'); DROP TABLE flameiq.runs; --";
    let mut doc = run_doc("1234567'; --", "run'\"\\", 1000.0, &[(evil, 1.0)]);
    doc["metadata"]["branch"] = json!("feat/'\"$(rm -rf /)");
    doc["metadata"]["tags"] = json!({"k'": "v\"; DELETE FROM flameiq.stores"});
    write(p, "evil.json", &doc);
    set(p, &db.url, "evil.json");
    let key = format!("custom.{evil}");
    assert_eq!(
        scalar(&db.url, "SELECT key FROM flameiq.run_values WHERE ord = 2"),
        key
    );
    let rows = list(p, &db.url, None);
    assert_eq!(rows[0]["run_id"], "run'\"\\");
    assert_eq!(rows[0]["branch"], "feat/'\"$(rm -rf /)");
    flameiq(p, &db.url)
        .args(["compare", "--metrics", "evil.json"])
        .assert()
        .success();
    assert_eq!(scalar(&db.url, "SELECT count(*) FROM flameiq.runs"), "1");
}

#[test]
fn issue15_migration_from_schema_version_1() {
    let Some(db) = TestDb::new("migration") else {
        return;
    };
    use flameiq::store::postgres::{migrate, Target, SCHEMA_VERSION};
    let target = Target::parse(&db.url).unwrap();
    let vars = |k: &str| std::env::var(k).ok();
    assert_eq!(migrate(&target, Some(1), &vars).unwrap(), (0, 1));
    // A run written by a flameiq of schema 1 (no run_time column yet).
    let doc = serde_json::to_string(&run_doc("aaaaaaa1", "old", 1000.0, &[])).unwrap();
    sql(
        &db.url,
        &format!(
            "INSERT INTO flameiq.stores (repository, environment, baseline) VALUES ('{REPO}', '', $doc${doc}$doc$);
             INSERT INTO flameiq.runs (repository, environment, run_id, commit_sha, branch,
                 run_timestamp, tags, metadata, document)
             VALUES ('{REPO}', '', 'old', 'aaaaaaa1', 'main', '2026-01-02T03:04:05+00:00',
                 '{{}}', '{{}}', $doc${doc}$doc$);"
        ),
    );
    assert_eq!(
        scalar(&db.url, "SELECT max(version) FROM flameiq.schema_version"),
        "1"
    );
    // First use by this build migrates, keeping the run.
    let d = TempDir::new().unwrap();
    let p = d.path();
    assert_eq!(run_ids(&list(p, &db.url, None)), ["old"]);
    assert_eq!(
        scalar(&db.url, "SELECT max(version) FROM flameiq.schema_version"),
        SCHEMA_VERSION.to_string()
    );
    assert_eq!(
        scalar(
            &db.url,
            "SELECT run_time AT TIME ZONE 'UTC' FROM flameiq.runs"
        ),
        "2026-01-02 03:04:05"
    );
    assert_eq!(
        scalar(&db.url, "SELECT count(*) FROM flameiq.points"),
        "0",
        "the view exists (the v1 run has no value rows)"
    );
    write(p, "m.json", &run_doc("aaaaaaa2", "new", 1001.0, &[]));
    flameiq(p, &db.url)
        .args(["compare", "--metrics", "m.json"])
        .assert()
        .success();
    // Migrating again does nothing; a database newer than this build is exit 2.
    assert_eq!(
        migrate(&target, None, &vars).unwrap(),
        (SCHEMA_VERSION, SCHEMA_VERSION)
    );
    sql(
        &db.url,
        "INSERT INTO flameiq.schema_version (version, flameiq_version) VALUES (99, 'future')",
    );
    let out = flameiq(p, &db.url)
        .args(["baseline", "list"])
        .output()
        .unwrap();
    assert!(one_line_exit_2(&out).contains("upgrade flameiq"));
}

#[test]
fn issue15_wrong_password_is_one_line_exit_2_and_never_printed() {
    let Some((db, d)) = workspace("password") else {
        return;
    };
    let p = d.path();
    write(p, "m.json", &run_doc("aaaaaaa1", "r1", 1000.0, &[]));
    let (bare, real) = pg::without_password(&db.url);
    let wrong_pw = "Wr0ngPassw0rdXYZ";
    let wrong = bare.replacen('@', &format!(":{wrong_pw}@"), 1);
    let out = flameiq(p, &wrong)
        .args(["-v", "baseline", "set", "--metrics", "m.json"])
        .output()
        .unwrap();
    let all = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(out.status.code(), Some(2), "{all}");
    assert!(all.contains("password authentication failed"), "{all}");
    assert!(!all.contains(wrong_pw), "{all}");
    let line = all
        .lines()
        .find(|l| l.starts_with("error:"))
        .expect("an error line");
    assert!(line.contains("PGPASSWORD"), "the fix: {line}");
    // PGPASSWORD when the URL has none; -v logging never shows it.
    let out = flameiq(p, &bare)
        .env("PGPASSWORD", &real)
        .args(["-v", "baseline", "set", "--metrics", "m.json"])
        .output()
        .unwrap();
    let all = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(out.status.success(), "{all}");
    assert!(!all.contains(&real), "{all}");
    // A wrong database name: the error names the redacted URL, not the password.
    let missing = pg::with_db(&db.url, "no_such_db_fiq");
    let out = flameiq(p, &missing)
        .args(["baseline", "list"])
        .output()
        .unwrap();
    let line = one_line_exit_2(&out);
    assert!(line.contains("does not exist"), "{line}");
    assert!(!line.contains(&real), "{line}");
    assert!(
        line.contains(&pg::with_db(&bare, "no_such_db_fiq")),
        "{line}"
    );
}

#[test]
fn issue15_unreachable_and_silent_hosts_are_one_line_exit_2() {
    let d = TempDir::new().unwrap();
    let p = d.path();
    write(p, "m.json", &run_doc("aaaaaaa1", "r1", 1000.0, &[]));
    // A port nobody listens on.
    let port = TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let url = format!("postgres://u:secretpw@127.0.0.1:{port}/db");
    let out = flameiq(p, &url)
        .args(["baseline", "set", "--metrics", "m.json"])
        .output()
        .unwrap();
    let line = one_line_exit_2(&out);
    assert!(
        line.contains("cannot connect") && line.contains("refused"),
        "{line}"
    );
    assert!(!line.contains("secretpw"), "{line}");
    // A host that accepts the connection and never answers: bounded by connect_timeout.
    let silent = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = silent.local_addr().unwrap().port();
    let url = format!("postgres://u:secretpw@127.0.0.1:{port}/db?connect_timeout=1");
    let start = Instant::now();
    let out = flameiq(p, &url)
        .args(["baseline", "set", "--metrics", "m.json"])
        .output()
        .unwrap();
    let line = one_line_exit_2(&out);
    assert!(line.contains("no answer within 1 s"), "{line}");
    assert!(start.elapsed() < Duration::from_secs(20));
    drop(silent);
}

/// A server that refuses TLS: answers `N` to the SSLRequest, as PostgreSQL with ssl=off.
fn refusing_tls_server() -> (u16, std::thread::JoinHandle<()>) {
    let l = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = l.local_addr().unwrap().port();
    let h = std::thread::spawn(move || {
        if let Ok((mut s, _)) = l.accept() {
            let mut req = [0u8; 8];
            if s.read_exact(&mut req).is_ok() {
                // length 8, code 80877103: SSLRequest.
                assert_eq!(req, [0, 0, 0, 8, 4, 210, 22, 47]);
                let _ = s.write_all(b"N");
                let mut rest = Vec::new();
                let _ = s.read_to_end(&mut rest);
            }
        }
    });
    (port, h)
}

#[test]
fn issue15_tls_required_but_refused_is_one_line_exit_2() {
    let d = TempDir::new().unwrap();
    let p = d.path();
    write(p, "m.json", &run_doc("aaaaaaa1", "r1", 1000.0, &[]));
    for mode in ["require", "verify-full"] {
        let (port, h) = refusing_tls_server();
        let url = format!("postgres://u:secretpw@127.0.0.1:{port}/db?sslmode={mode}");
        let out = flameiq(p, &url)
            .args(["baseline", "set", "--metrics", "m.json"])
            .output()
            .unwrap();
        let line = one_line_exit_2(&out);
        assert!(
            line.contains("server does not support TLS"),
            "{mode}: {line}"
        );
        assert!(line.contains("sslmode=prefer"), "the fix: {line}");
        assert!(!line.contains("secretpw"), "{line}");
        h.join().unwrap();
    }
}

#[test]
fn issue15_tls_against_the_real_server() {
    let Some(db) = TestDb::new("tls") else {
        return;
    };
    if scalar(&db.url, "SHOW ssl") != "on" {
        assert!(
            std::env::var("FLAMEIQ_REQUIRE_POSTGRES").is_err(),
            "the test server must have TLS on (scripts/pg-cluster.sh needs openssl)"
        );
        eprintln!("skipping: the test server has ssl=off");
        return;
    }
    let d = TempDir::new().unwrap();
    let p = d.path();
    write(p, "m.json", &run_doc("aaaaaaa1", "r1", 1000.0, &[]));
    let url = |q: &str| format!("{}?{q}", db.url);
    // require: encrypted, certificate not checked (libpq's meaning).
    let app = "fiq-tls-check";
    set(
        p,
        &url(&format!("sslmode=require&application_name={app}")),
        "m.json",
    );
    // verify-full with the system roots: the test server's certificate is self-signed.
    let out = flameiq(p, &url("sslmode=verify-full"))
        .args(["baseline", "list"])
        .output()
        .unwrap();
    let line = one_line_exit_2(&out);
    assert!(line.contains("cannot connect"), "{line}");
    assert!(line.to_lowercase().contains("certificate"), "{line}");
    // verify-full with the cluster's CA as the root: trusted, host name 127.0.0.1.
    let dir = scalar(&db.url, "SHOW data_directory");
    let cert = format!("{dir}/root.crt");
    let out = flameiq(p, &url(&format!("sslmode=verify-full&sslrootcert={cert}")))
        .args(["baseline", "list", "--json"])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(run_ids(stdout_json(&out).as_array().unwrap()), ["r1"]);
    // disable: plain.
    set(p, &url("sslmode=disable"), "m.json");
}

#[test]
fn issue15_empty_store_url_falls_back_to_the_local_folder_with_a_notice() {
    let d = TempDir::new().unwrap();
    let p = d.path();
    write(p, "m.json", &run_doc("aaaaaaa1", "r1", 1000.0, &[]));
    // The cached .flameiq/ of the default branch.
    flameiq(p, "file:.flameiq")
        .args(["baseline", "set", "--metrics", "m.json"])
        .assert()
        .success();
    // A fork PR: `store: ${{ secrets.FLAMEIQ_STORE }}` is empty.
    let out = flameiq(p, "")
        .args(["compare", "--metrics", "m.json"])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("store URL is empty") && err.contains("local folder"),
        "{err}"
    );
    assert!(String::from_utf8_lossy(&out.stdout).contains("PASS"));
}

/// Every file of the `.flameiq/` layout under `root` (baselines and histories), by path.
fn store_files(root: &Path) -> std::collections::BTreeMap<String, Vec<u8>> {
    let mut out = std::collections::BTreeMap::new();
    let mut stack = vec![root.to_path_buf()];
    while let Some(dir) = stack.pop() {
        for e in fs::read_dir(&dir).unwrap() {
            let path = e.unwrap().path();
            if path.is_dir() {
                stack.push(path);
            } else if matches!(
                path.file_name().and_then(|n| n.to_str()),
                Some("current.json" | "history.jsonl")
            ) {
                let rel = path.strip_prefix(root).unwrap().display().to_string();
                out.insert(rel, fs::read(&path).unwrap());
            }
        }
    }
    out
}

#[test]
fn issue15_export_import_round_trips_file_postgres_file_byte_for_byte() {
    let Some((db, d)) = workspace("export_import") else {
        return;
    };
    let p = d.path();
    for (i, env) in ["", "linux-x64", "", "macos-arm64", ""].iter().enumerate() {
        let mut doc = run_doc(
            &format!("abcdef{i:02}"),
            &format!("x{i}"),
            1000.5 + i as f64,
            &[("n", 3.0)],
        );
        doc["metrics"]["custom"]["n"] = json!(3); // an integer stays an integer
        doc["metadata"]["tags"] = json!({"z": 1, "a": [1, 2], "release": format!("v{i}")});
        doc["metric_info"] = json!({"custom.n": {"unit": "allocs", "samples": [3.0, 3.5]}});
        write(p, "m.json", &doc);
        let mut c = flameiq(p, "file:src");
        if !env.is_empty() {
            c.args(["--env", env]);
        }
        c.args(["baseline", "set", "--metrics", "m.json"])
            .assert()
            .success();
    }
    let before = store_files(&p.join("src"));
    assert_eq!(before.len(), 6, "{:?}", before.keys());
    flameiq(p, "file:src")
        .args(["store", "export", "--to", &db.url])
        .assert()
        .success();
    assert_eq!(scalar(&db.url, "SELECT count(*) FROM flameiq.runs"), "5");
    assert_eq!(
        scalar(
            &db.url,
            "SELECT count(*) FROM flameiq.stores WHERE repository = 'acme/widgets'"
        ),
        "3"
    );
    // Into an empty file store, from PostgreSQL.
    flameiq(p, "file:back")
        .args(["store", "import", "--from", &db.url])
        .assert()
        .success();
    assert_eq!(store_files(&p.join("back")), before);
    // The target holds history now: refused without --force, nothing changed.
    let out = flameiq(p, "file:src")
        .args(["store", "export", "--to", &db.url])
        .output()
        .unwrap();
    assert!(one_line_exit_2(&out).contains("--force"));
    assert_eq!(scalar(&db.url, "SELECT count(*) FROM flameiq.runs"), "5");
    flameiq(p, "file:src")
        .args(["store", "export", "--to", &db.url, "--force"])
        .assert()
        .success();
    assert_eq!(scalar(&db.url, "SELECT count(*) FROM flameiq.runs"), "5");
}

#[test]
fn issue15_store_migrate_command() {
    let Some((db, d)) = workspace("migrate_cmd") else {
        return;
    };
    let p = d.path();
    let out = flameiq(p, &db.url)
        .args(["store", "migrate", "--to-version", "1"])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(String::from_utf8_lossy(&out.stdout).contains("from version 0 to 1"));
    let out = flameiq(p, &db.url)
        .args(["store", "migrate"])
        .output()
        .unwrap();
    assert!(String::from_utf8_lossy(&out.stdout).contains("from version 1 to 2"));
    let out = flameiq(p, &db.url)
        .args(["store", "migrate"])
        .output()
        .unwrap();
    assert!(String::from_utf8_lossy(&out.stdout).contains("is at version 2"));
    let out = flameiq(p, "file:x")
        .args(["store", "migrate"])
        .output()
        .unwrap();
    assert!(one_line_exit_2(&out).contains("no schema to migrate"));
}

/// `flameiq ci` in a GitLab pipeline with only `vars` (plus the pipeline's own) set.
fn gitlab_ci(dir: &Path, vars: &[(&str, &str)], metrics: &str) -> Output {
    let mut cmd = Command::cargo_bin("flameiq").unwrap();
    cmd.current_dir(dir).env_clear();
    cmd.envs([
        ("GITLAB_CI", "true"),
        ("CI", "true"),
        ("CI_DEFAULT_BRANCH", "main"),
        ("CI_PROJECT_ID", "42"),
        ("CI_PROJECT_PATH", "acme/widgets"),
        ("CI_API_V4_URL", "http://127.0.0.1:9/api/v4"),
        ("CI_COMMIT_SHA", "6113728f27ae82c7b1a177c8d03f9e96e0adf246"),
        ("FLAMEIQ_HTTP_RETRY_BASE_MS", "5"),
        ("FLAMEIQ_HTTP_TIMEOUT_MS", "2000"),
    ]);
    cmd.envs(vars.iter().copied());
    cmd.args(["ci", "--metrics", metrics, "--comment", "never"]);
    cmd.output().unwrap()
}

#[test]
fn issue15_ci_default_branch_stores_in_postgres_and_unreachable_is_exit_2() {
    let Some((db, d)) = workspace("ci") else {
        return;
    };
    let p = d.path();
    write(p, "base.json", &run_doc("aaaaaaa1", "base", 1000.0, &[]));
    write(p, "pr.json", &run_doc("aaaaaaa2", "pr", 700.0, &[]));
    let push = [
        ("CI_PIPELINE_SOURCE", "push"),
        ("CI_COMMIT_BRANCH", "main"),
        ("FLAMEIQ_STORE", db.url.as_str()),
    ];
    let out = gitlab_ci(p, &push, "base.json");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(
        scalar(&db.url, "SELECT repository FROM flameiq.runs"),
        "acme/widgets"
    );
    assert!(
        !p.join(".flameiq/baselines/current.json").exists(),
        "stored in the database only"
    );
    // The merge request compares against the database: a regression, exit 1.
    let mr = [
        ("CI_PIPELINE_SOURCE", "merge_request_event"),
        ("CI_MERGE_REQUEST_IID", "5"),
        ("CI_MERGE_REQUEST_SOURCE_BRANCH_NAME", "changes"),
        ("CI_MERGE_REQUEST_TARGET_BRANCH_NAME", "main"),
        ("FLAMEIQ_STORE", db.url.as_str()),
    ];
    let out = gitlab_ci(p, &mr, "pr.json");
    assert_eq!(
        out.status.code(),
        Some(1),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    // Configured but unreachable on the default branch: exit 2, the error in one line.
    let port = TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let gone = format!("postgres://ci:hunter2hunter2@127.0.0.1:{port}/perf");
    let push_gone = [
        ("CI_PIPELINE_SOURCE", "push"),
        ("CI_COMMIT_BRANCH", "main"),
        ("FLAMEIQ_STORE", gone.as_str()),
    ];
    let out = gitlab_ci(p, &push_gone, "base.json");
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{err}");
    let errors: Vec<&str> = err.lines().filter(|l| l.starts_with("error:")).collect();
    assert_eq!(errors.len(), 1, "{err}");
    assert!(
        errors[0].contains("cannot connect") && errors[0].contains("refused"),
        "{err}"
    );
    assert!(
        !err.contains("hunter2hunter2")
            && !String::from_utf8_lossy(&out.stdout).contains("hunter2hunter2")
    );
    assert!(!String::from_utf8_lossy(&out.stdout).contains("Baseline set"));
}
