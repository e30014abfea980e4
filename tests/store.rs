//! The store interface from the command line (issue 13): selecting a store by `--store`,
//! `FLAMEIQ_STORE` and `store:` in flameiq.yaml, and every store command through it.

use assert_cmd::Command;
use serde_json::{json, Value};
use std::fs;
use std::path::Path;
use tempfile::TempDir;

fn flameiq(dir: &Path) -> Command {
    let mut c = Command::cargo_bin("flameiq").unwrap();
    c.current_dir(dir)
        .env_remove("FLAMEIQ_CONFIG")
        .env_remove("FLAMEIQ_DIR")
        .env_remove("FLAMEIQ_ENV")
        .env_remove("FLAMEIQ_STORE")
        .env_remove("GITHUB_ACTIONS")
        .env_remove("GITLAB_CI")
        .env_remove("CI")
        .env("NO_COLOR", "1");
    c
}

fn metrics(commit: &str, v: f64) -> Value {
    json!({
        "schema_version": 1,
        "metadata": {"commit": commit, "branch": "main", "environment": "ci",
                     "timestamp": "2026-01-02T03:04:05+00:00", "run_id": format!("run-{commit}"), "tags": {}},
        "metrics": {"throughput": v, "latency": {"p95": 100.0}}
    })
}

fn write(dir: &Path, name: &str, v: &Value) {
    fs::write(dir.join(name), serde_json::to_string_pretty(v).unwrap()).unwrap();
}

#[test]
fn issue13_store_flag_env_and_config_select_the_file_store() {
    let d = TempDir::new().unwrap();
    write(d.path(), "m.json", &metrics("aaaaaaa1", 1000.0));
    // --store file:PATH
    flameiq(d.path())
        .args([
            "--store",
            "file:by-flag",
            "baseline",
            "set",
            "--metrics",
            "m.json",
        ])
        .assert()
        .success();
    assert!(d.path().join("by-flag/baselines/current.json").exists());
    assert!(!d.path().join(".flameiq").exists(), "nothing in --dir");
    // FLAMEIQ_STORE
    flameiq(d.path())
        .env("FLAMEIQ_STORE", "file:by-env")
        .args(["--env", "linux", "baseline", "set", "--metrics", "m.json"])
        .assert()
        .success();
    assert!(d
        .path()
        .join("by-env/linux/baselines/history.jsonl")
        .exists());
    // store: in flameiq.yaml, and the flag wins over it.
    fs::write(d.path().join("flameiq.yaml"), "store: file:by-config\n").unwrap();
    flameiq(d.path())
        .args(["baseline", "set", "--metrics", "m.json"])
        .assert()
        .success();
    assert!(d.path().join("by-config/baselines/current.json").exists());
    fs::write(
        d.path().join("flameiq.yaml"),
        "store:\n  url: file:by-mapping\n  repository: acme/widgets\n",
    )
    .unwrap();
    flameiq(d.path())
        .args(["baseline", "set", "--metrics", "m.json"])
        .assert()
        .success();
    assert!(d.path().join("by-mapping/baselines/current.json").exists());
    let out = flameiq(d.path())
        .args(["--store", "file:by-flag", "baseline", "list", "--json"])
        .output()
        .unwrap();
    let rows: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(rows.as_array().unwrap().len(), 1);
}

#[test]
fn issue13_bad_store_url_is_exit_2_naming_it() {
    let d = TempDir::new().unwrap();
    write(d.path(), "m.json", &metrics("aaaaaaa1", 1000.0));
    let out = flameiq(d.path())
        .args(["--store", "s3://bucket", "compare", "--metrics", "m.json"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("invalid store 's3://bucket'"), "{err}");
    assert_eq!(err.trim().lines().count(), 1, "{err}");
    fs::write(d.path().join("flameiq.yaml"), "store: [1]\n").unwrap();
    let out = flameiq(d.path())
        .args(["compare", "--metrics", "m.json"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("store: must be a string"));
}

#[test]
fn issue13_promote_and_clear_through_a_selected_file_store() {
    let d = TempDir::new().unwrap();
    write(d.path(), "a.json", &metrics("aaaaaaa1", 1000.0));
    write(d.path(), "b.json", &metrics("bbbbbbb2", 990.0));
    let s = ["--store", "file:elsewhere"];
    flameiq(d.path())
        .args(s)
        .args(["baseline", "set", "--metrics", "a.json"])
        .assert()
        .success();
    flameiq(d.path())
        .args(s)
        .args(["compare", "--metrics", "b.json"])
        .assert()
        .success();
    flameiq(d.path())
        .args(s)
        .args(["baseline", "promote"])
        .assert()
        .success();
    let cur: Value = serde_json::from_str(
        &fs::read_to_string(d.path().join("elsewhere/baselines/current.json")).unwrap(),
    )
    .unwrap();
    assert_eq!(cur["metadata"]["commit"], "bbbbbbb2");
    flameiq(d.path())
        .args(s)
        .args(["baseline", "clear", "--yes"])
        .assert()
        .success();
    assert!(!d.path().join("elsewhere/baselines/current.json").exists());
}

#[test]
fn issue13_store_precedence_flag_env_config_then_the_action_input() {
    let d = TempDir::new().unwrap();
    write(d.path(), "m.json", &metrics("aaaaaaa1", 1000.0));
    let ci = |extra: &[(&str, &str)], args: &[&str]| {
        let mut c = flameiq(d.path());
        c.env("INPUT_STORE", "file:by-input");
        for (k, v) in extra {
            c.env(k, v);
        }
        c.args(args)
            .args([
                "ci",
                "--mode",
                "baseline",
                "--metrics",
                "m.json",
                "--summary",
                "false",
            ])
            .assert()
            .success();
    };
    ci(&[], &[]);
    assert!(d.path().join("by-input/baselines/current.json").exists());
    fs::write(d.path().join("flameiq.yaml"), "store: file:by-config\n").unwrap();
    ci(&[], &[]);
    assert!(d.path().join("by-config/baselines/current.json").exists());
    ci(&[("FLAMEIQ_STORE", "file:by-env")], &[]);
    assert!(d.path().join("by-env/baselines/current.json").exists());
    ci(
        &[("FLAMEIQ_STORE", "file:by-env")],
        &["--store", "file:by-flag"],
    );
    assert!(d.path().join("by-flag/baselines/current.json").exists());
    // Each store got exactly one run.
    for s in ["by-input", "by-config", "by-env", "by-flag"] {
        let h = fs::read_to_string(d.path().join(s).join("baselines/history.jsonl")).unwrap();
        assert_eq!(h.lines().count(), 1, "{s}");
    }
}
