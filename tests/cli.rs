//! Every command and every exit code of the `flameiq` binary, run as a user runs it
//! (issue #2).

use assert_cmd::Command;
use predicates::prelude::*;
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
        .env_remove("NO_COLOR");
    c
}

fn snapshot(commit: &str, metrics: Value) -> Value {
    json!({
        "schema_version": 1,
        "metadata": {"commit": commit, "branch": "main", "environment": "ci",
                     "timestamp": "2026-01-02T03:04:05+00:00", "run_id": format!("run-{commit}"), "tags": {}},
        "metrics": metrics
    })
}

fn write(dir: &Path, name: &str, v: &Value) -> String {
    fs::write(dir.join(name), serde_json::to_string_pretty(v).unwrap()).unwrap();
    name.to_string()
}

fn base_metrics() -> Value {
    json!({"latency": {"mean": 100.0, "p95": 200.0}, "throughput": 1000.0, "custom": {"parse_ms": 10.0}})
}

/// A temp dir with a baseline already set.
fn with_baseline() -> TempDir {
    let d = TempDir::new().unwrap();
    write(d.path(), "base.json", &snapshot("aaa", base_metrics()));
    flameiq(d.path())
        .args(["baseline", "set", "--metrics", "base.json"])
        .assert()
        .success()
        .stdout(predicate::str::contains("✓ Baseline set"));
    d
}

fn json_out(out: &[u8]) -> Value {
    serde_json::from_slice(out).expect("stdout is JSON")
}

#[test]
fn version_and_help() {
    let d = TempDir::new().unwrap();
    flameiq(d.path())
        .arg("--version")
        .assert()
        .success()
        .stdout(predicate::str::starts_with("flameiq "));
    flameiq(d.path())
        .arg("--help")
        .assert()
        .success()
        .stdout(predicate::str::contains("Exit codes"));
}

#[test]
fn init_creates_config_store_and_gitignore_once() {
    let d = TempDir::new().unwrap();
    flameiq(d.path())
        .arg("init")
        .assert()
        .success()
        .stdout(predicate::str::contains("Created flameiq.yaml"));
    assert!(d.path().join(".flameiq/baselines").is_dir());
    let gi = fs::read_to_string(d.path().join(".gitignore")).unwrap();
    assert!(gi.contains(".flameiq/baselines/"), "{gi}");
    // The template is a valid config for both us and flameiq-core's format.
    flameiq(d.path())
        .args(["baseline", "show"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("no baseline"));

    flameiq(d.path())
        .arg("init")
        .assert()
        .success()
        .stdout(predicate::str::contains("already exists"));
    let gi2 = fs::read_to_string(d.path().join(".gitignore")).unwrap();
    assert_eq!(gi, gi2, "never added twice");

    fs::write(d.path().join("flameiq.yaml"), "provider: json\n").unwrap();
    flameiq(d.path())
        .args(["init", "--force"])
        .assert()
        .success();
    assert!(fs::read_to_string(d.path().join("flameiq.yaml"))
        .unwrap()
        .contains("thresholds:"));
}

#[test]
fn init_appends_to_an_existing_gitignore() {
    let d = TempDir::new().unwrap();
    fs::write(d.path().join(".gitignore"), "target/").unwrap();
    flameiq(d.path()).arg("init").assert().success();
    assert_eq!(
        fs::read_to_string(d.path().join(".gitignore")).unwrap(),
        "target/\n\n# FlameIQ — do not commit baselines\n.flameiq/baselines/\n"
    );
}

#[test]
fn baseline_set_with_tag_and_show_and_list() {
    let d = with_baseline();
    write(
        d.path(),
        "v2.json",
        &snapshot("bbb", json!({"throughput": 1100.0})),
    );
    flameiq(d.path())
        .args(["baseline", "set", "--metrics", "v2.json", "--tag", "v1.0.0"])
        .assert()
        .success()
        .stdout(predicate::str::contains("✓ Baseline set (tag: v1.0.0)"))
        .stdout(predicate::str::contains("Tag:     v1.0.0"));
    let show = flameiq(d.path())
        .args(["baseline", "show", "--json"])
        .assert()
        .success();
    let v = json_out(&show.get_output().stdout);
    assert_eq!(v["metadata"]["commit"], "bbb");
    assert_eq!(v["metadata"]["tags"]["release"], "v1.0.0");

    let list = flameiq(d.path())
        .args(["baseline", "list", "--json"])
        .assert()
        .success();
    let rows = json_out(&list.get_output().stdout);
    let commits: Vec<_> = rows
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["commit"].as_str().unwrap())
        .collect();
    assert_eq!(commits, ["bbb", "aaa"], "newest first");
    flameiq(d.path())
        .args(["baseline", "list"])
        .assert()
        .success()
        .stdout(predicate::str::contains("bbb").and(predicate::str::contains("aaa")));
}

#[test]
fn failed_baseline_set_leaves_the_store_byte_for_byte_unchanged() {
    let d = with_baseline();
    let cur = d.path().join(".flameiq/baselines/current.json");
    let hist = d.path().join(".flameiq/baselines/history.jsonl");
    let (before_c, before_h) = (fs::read(&cur).unwrap(), fs::read(&hist).unwrap());
    fs::write(
        d.path().join("bad.json"),
        r#"{"schema_version": 1, "metrics": {"latency": {"p95": -3}}}"#,
    )
    .unwrap();
    for (args, code) in [
        (vec!["baseline", "set", "--metrics", "bad.json"], 3),
        (vec!["baseline", "set", "--metrics", "missing.json"], 3),
        (
            vec![
                "baseline",
                "set",
                "--metrics",
                "bad.json",
                "--provider",
                "nope",
            ],
            2,
        ),
    ] {
        flameiq(d.path()).args(&args).assert().code(code);
        assert_eq!(fs::read(&cur).unwrap(), before_c, "{args:?}");
        assert_eq!(fs::read(&hist).unwrap(), before_h, "{args:?}");
    }
}

#[test]
fn compare_pass_regression_and_no_fail() {
    let d = with_baseline();
    write(
        d.path(),
        "ok.json",
        &snapshot(
            "ccc",
            json!({"latency": {"mean": 101.0, "p95": 201.0}, "throughput": 990.0, "custom": {"parse_ms": 10.1}}),
        ),
    );
    flameiq(d.path())
        .args(["compare", "--metrics", "ok.json"])
        .assert()
        .code(0)
        .stdout(predicate::str::contains("PASS"))
        .stdout(predicate::str::contains(
            "✓ PASS — all 4 metric(s) within threshold.",
        ));

    write(
        d.path(),
        "slow.json",
        &snapshot(
            "ddd",
            json!({"latency": {"mean": 100.0, "p95": 260.0}, "throughput": 1000.0, "custom": {"parse_ms": 10.0}}),
        ),
    );
    flameiq(d.path())
        .args(["compare", "--metrics", "slow.json"])
        .assert()
        .code(1)
        .stdout(predicate::str::contains("REGRESSION"));
    flameiq(d.path())
        .args([
            "compare",
            "--metrics",
            "slow.json",
            "--no-fail-on-regression",
        ])
        .assert()
        .code(0);
    flameiq(d.path())
        .args([
            "compare",
            "--metrics",
            "slow.json",
            "--threshold",
            "latency.p95=40%",
        ])
        .assert()
        .code(0);

    let out = flameiq(d.path())
        .args([
            "compare",
            "--metrics",
            "slow.json",
            "--json",
            "--output",
            "out/result.json",
        ])
        .assert()
        .code(1);
    let v = json_out(&out.get_output().stdout);
    assert_eq!(v["status"], "regression");
    assert_eq!(v["exit_code"], 1);
    assert_eq!(v["baseline_commit"], "aaa");
    assert_eq!(v["current_commit"], "ddd");
    assert_eq!(
        v["counts"],
        json!({"regressions": 1, "warnings": 0, "passed": 3, "total": 4})
    );
    let p95 = v["diffs"]
        .as_array()
        .unwrap()
        .iter()
        .find(|d| d["metric_key"] == "latency.p95")
        .unwrap();
    assert_eq!(p95["change_percent"], 30.0);
    assert_eq!(p95["status"], "REGRESSION");
    let saved: Value =
        serde_json::from_str(&fs::read_to_string(d.path().join("out/result.json")).unwrap())
            .unwrap();
    assert_eq!(saved, v);
}

#[test]
fn compare_warning_words() {
    let d = with_baseline();
    write(
        d.path(),
        "warn.json",
        &snapshot(
            "eee",
            json!({"latency": {"mean": 100.0, "p95": 214.0}, "throughput": 1000.0}),
        ),
    );
    flameiq(d.path())
        .args(["compare", "--metrics", "warn.json"])
        .assert()
        .code(0)
        .stdout(predicate::str::contains("WARNING"))
        .stdout(predicate::str::contains(
            "Missing from current run: custom.parse_ms",
        ));
}

#[test]
fn compare_error_exit_codes() {
    let empty = TempDir::new().unwrap();
    write(empty.path(), "m.json", &snapshot("x", base_metrics()));
    // No baseline: 2, with the hint.
    flameiq(empty.path())
        .args(["compare", "--metrics", "m.json"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("flameiq baseline set"));

    let d = with_baseline();
    // Missing metrics file: 3 (flameiq-core wrongly says 2).
    flameiq(d.path())
        .args(["compare", "--metrics", "nope.json"])
        .assert()
        .code(3)
        .stderr(predicate::str::contains("nope.json"));
    // Not JSON: 3, and with --json the error is also on stdout.
    fs::write(d.path().join("garbage.json"), "{oops").unwrap();
    let out = flameiq(d.path())
        .args(["compare", "--metrics", "garbage.json", "--json"])
        .assert()
        .code(3);
    let v = json_out(&out.get_output().stdout);
    assert_eq!(v["status"], "error");
    assert!(v["message"].as_str().unwrap().contains("garbage.json"));
    // Bad --threshold: 2.
    for bad in ["latency.p95", "latency.p95=ten", "=5%"] {
        flameiq(d.path())
            .args(["compare", "--metrics", "garbage.json", "--threshold", bad])
            .assert()
            .code(2)
            .stderr(predicate::str::contains("threshold"));
    }
    // Malformed flameiq.yaml: 2, naming the file.
    fs::write(d.path().join("flameiq.yaml"), "thresholds: [unclosed\n").unwrap();
    write(d.path(), "ok.json", &snapshot("y", base_metrics()));
    flameiq(d.path())
        .args(["compare", "--metrics", "ok.json"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("flameiq.yaml"));
    fs::remove_file(d.path().join("flameiq.yaml")).unwrap();
    // Corrupt current.json: 2.
    fs::write(
        d.path().join(".flameiq/baselines/current.json"),
        "{\"schema_version\": 1,",
    )
    .unwrap();
    flameiq(d.path())
        .args(["compare", "--metrics", "ok.json"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("corrupted"));
}

#[test]
fn stderr_errors_are_one_line() {
    let d = with_baseline();
    let out = flameiq(d.path())
        .args(["compare", "--metrics", "missing.json"])
        .assert()
        .code(3);
    let err = String::from_utf8_lossy(&out.get_output().stderr).to_string();
    assert_eq!(err.lines().count(), 1, "{err}");
    assert!(err.starts_with("error: "), "{err}");
}

#[test]
fn compare_against_a_baseline_file() {
    let d = TempDir::new().unwrap();
    write(
        d.path(),
        "b.json",
        &snapshot("a", json!({"throughput": 100.0})),
    );
    write(
        d.path(),
        "c.json",
        &snapshot("b", json!({"throughput": 80.0})),
    );
    flameiq(d.path())
        .args(["compare", "--baseline", "b.json", "--metrics", "c.json"])
        .assert()
        .code(1);
    assert!(!d.path().join(".flameiq").exists(), "no store created");
    flameiq(d.path())
        .args(["compare", "--baseline", "gone.json", "--metrics", "c.json"])
        .assert()
        .code(2);
}

#[test]
fn config_thresholds_directions_and_globs_are_applied() {
    let d = with_baseline();
    fs::write(
        d.path().join("flameiq.yaml"),
        "thresholds:\n  latency.p95: 50%\n  custom.*: 1%\ndirections:\n  custom.parse_ms: lower_is_better\n",
    )
    .unwrap();
    write(
        d.path(),
        "c.json",
        &snapshot(
            "c",
            json!({"latency": {"mean": 100.0, "p95": 260.0}, "throughput": 1000.0, "custom": {"parse_ms": 9.0}}),
        ),
    );
    // p95 +30 % is inside 50 %; parse_ms -10 % is an improvement for a lower-is-better key.
    let out = flameiq(d.path())
        .args(["compare", "--metrics", "c.json", "--json"])
        .assert()
        .code(0);
    let v = json_out(&out.get_output().stdout);
    let get = |k: &str| {
        v["diffs"]
            .as_array()
            .unwrap()
            .iter()
            .find(|d| d["metric_key"] == k)
            .unwrap()
            .clone()
    };
    assert_eq!(get("latency.p95")["threshold_percent"], 50.0);
    assert_eq!(get("custom.parse_ms")["threshold_percent"], 1.0);
    assert_eq!(get("custom.parse_ms")["direction"], "lower_is_better");
    // The flag beats the file.
    flameiq(d.path())
        .args([
            "compare",
            "--metrics",
            "c.json",
            "--threshold",
            "latency.p95=5%",
        ])
        .assert()
        .code(1);
}

#[test]
fn rolling_median_and_tagged_strategies() {
    let d = TempDir::new().unwrap();
    for (i, tp) in [100.0, 300.0, 200.0, 1000.0, 210.0].iter().enumerate() {
        write(
            d.path(),
            "m.json",
            &snapshot(&format!("c{i}"), json!({"throughput": tp})),
        );
        let mut args = vec!["baseline", "set", "--metrics", "m.json"];
        if i == 1 {
            args.extend(["--tag", "v1"]);
        }
        flameiq(d.path()).args(&args).assert().success();
    }
    fs::write(
        d.path().join("flameiq.yaml"),
        "baseline:\n  strategy: rolling_median\n  rolling_window: 3\n",
    )
    .unwrap();
    let out = flameiq(d.path())
        .args(["baseline", "show", "--json"])
        .assert()
        .success();
    // Median of the last 3: 200, 1000, 210 → 210.
    assert_eq!(
        json_out(&out.get_output().stdout)["metrics"]["throughput"],
        210.0
    );

    fs::write(
        d.path().join("flameiq.yaml"),
        "baseline:\n  strategy: tagged\n  tag: v1\n",
    )
    .unwrap();
    let out = flameiq(d.path())
        .args(["baseline", "show", "--json"])
        .assert()
        .success();
    assert_eq!(
        json_out(&out.get_output().stdout)["metadata"]["commit"],
        "c1"
    );

    fs::write(
        d.path().join("flameiq.yaml"),
        "baseline:\n  strategy: tagged\n  tag: v9\n",
    )
    .unwrap();
    flameiq(d.path())
        .args(["baseline", "show"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("tag 'v9'"));
}

#[test]
fn environments_have_separate_stores() {
    let d = TempDir::new().unwrap();
    write(
        d.path(),
        "a.json",
        &snapshot("a", json!({"throughput": 100.0})),
    );
    write(
        d.path(),
        "b.json",
        &snapshot("b", json!({"throughput": 50.0})),
    );
    flameiq(d.path())
        .args(["--env", "linux", "baseline", "set", "--metrics", "a.json"])
        .assert()
        .success();
    flameiq(d.path())
        .args(["baseline", "set", "--metrics", "b.json", "--env", "macos"])
        .assert()
        .success();
    assert!(d
        .path()
        .join(".flameiq/linux/baselines/current.json")
        .exists());
    flameiq(d.path())
        .args(["--env", "linux", "compare", "--metrics", "a.json"])
        .assert()
        .code(0);
    flameiq(d.path())
        .args(["--env", "macos", "compare", "--metrics", "a.json"])
        .assert()
        .code(0); // +100 % throughput is an improvement
    flameiq(d.path())
        .env("FLAMEIQ_ENV", "linux")
        .args(["compare", "--metrics", "b.json"])
        .assert()
        .code(1);
    flameiq(d.path())
        .env("FLAMEIQ_DIR", "elsewhere")
        .args(["compare", "--metrics", "b.json"])
        .assert()
        .code(2);
}

#[test]
fn clear_asks_and_only_y_deletes() {
    let d = with_baseline();
    let cur = d.path().join(".flameiq/baselines/current.json");
    for answer in ["", "n\n", "whatever\n"] {
        flameiq(d.path())
            .args(["baseline", "clear"])
            .write_stdin(answer)
            .assert()
            .code(2)
            .stderr(predicate::str::contains("nothing was deleted"));
        assert!(cur.exists(), "{answer:?}");
    }
    flameiq(d.path())
        .args(["baseline", "clear"])
        .write_stdin("y\n")
        .assert()
        .success()
        .stdout(predicate::str::contains("Baseline storage cleared"));
    assert!(!cur.exists());
    assert!(!d.path().join(".flameiq/baselines/history.jsonl").exists());

    let d = with_baseline();
    flameiq(d.path())
        .args(["baseline", "clear", "--yes"])
        .assert()
        .success();
    assert!(!d.path().join(".flameiq/baselines/current.json").exists());
}

#[test]
fn promote_makes_the_last_compared_run_the_baseline() {
    let d = TempDir::new().unwrap();
    flameiq(d.path())
        .args(["baseline", "promote"])
        .assert()
        .success()
        .stdout(predicate::str::contains("flameiq baseline set"));
    let d = with_baseline();
    write(
        d.path(),
        "next.json",
        &snapshot("next", json!({"throughput": 2000.0})),
    );
    flameiq(d.path())
        .args(["compare", "--metrics", "next.json"])
        .assert()
        .code(0);
    flameiq(d.path())
        .args(["baseline", "promote"])
        .assert()
        .success()
        .stdout(predicate::str::contains("✓ Baseline set"));
    let out = flameiq(d.path())
        .args(["baseline", "show", "--json"])
        .assert()
        .success();
    assert_eq!(
        json_out(&out.get_output().stdout)["metadata"]["commit"],
        "next"
    );
}

#[test]
fn report_writes_html_and_exits_2_without_baseline() {
    let d = TempDir::new().unwrap();
    write(d.path(), "m.json", &snapshot("x", base_metrics()));
    flameiq(d.path())
        .args(["report", "--metrics", "m.json", "--output", "r.html"])
        .assert()
        .code(2);
    let html = fs::read_to_string(d.path().join("r.html")).unwrap();
    assert!(html.contains("No baseline yet"), "report of current values");
    assert!(html.contains("custom.parse_ms"));

    let d = with_baseline();
    write(d.path(), "m.json", &snapshot("x", base_metrics()));
    flameiq(d.path())
        .args(["report", "--metrics", "m.json"])
        .assert()
        .success()
        .stdout(predicate::str::contains("Report generated"));
    assert!(fs::read_to_string(d.path().join(".flameiq/report.html"))
        .unwrap()
        .contains("latency.p95"));
}

#[test]
fn validate_and_run() {
    let d = TempDir::new().unwrap();
    write(d.path(), "m.json", &snapshot("abc", base_metrics()));
    flameiq(d.path())
        .args(["validate", "m.json"])
        .assert()
        .success()
        .stdout(predicate::str::contains("Valid"));
    let out = flameiq(d.path())
        .args(["validate", "m.json", "--json"])
        .assert()
        .success();
    let v = json_out(&out.get_output().stdout);
    assert_eq!(v["valid"], true);
    assert_eq!(v["metrics_count"], 4);
    fs::write(
        d.path().join("bad.json"),
        r#"{"schema_version": 2, "metrics": {"throughput": 1}}"#,
    )
    .unwrap();
    let out = flameiq(d.path())
        .args(["validate", "bad.json", "--json"])
        .assert()
        .code(3);
    let v = json_out(&out.get_output().stdout);
    assert_eq!(v["valid"], false);
    assert!(v["error"].as_str().unwrap().contains("schema_version 2"));
    flameiq(d.path())
        .args(["validate", "--list-providers"])
        .assert()
        .success()
        .stdout(predicate::str::contains("pytest-benchmark"));
    flameiq(d.path())
        .args(["validate", "m.json", "--provider", "nope"])
        .assert()
        .code(2);

    flameiq(d.path())
        .args(["run", "--metrics", "m.json"])
        .assert()
        .success()
        .stdout(predicate::str::contains("Snapshot loaded"));
    let out = flameiq(d.path())
        .args([
            "run",
            "--metrics",
            "m.json",
            "--json",
            "--output",
            "norm.json",
        ])
        .assert()
        .success();
    let v = json_out(&out.get_output().stdout);
    assert_eq!(v["status"], "ok");
    assert_eq!(v["commit"], "abc");
    assert_eq!(v["metrics"]["latency.p95"], 200.0);
    flameiq(d.path())
        .args(["validate", "norm.json"])
        .assert()
        .success();
}

#[test]
fn pytest_benchmark_real_output() {
    let d = TempDir::new().unwrap();
    let fixture = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/pytest-benchmark/params_and_groups.json");
    fs::copy(&fixture, d.path().join("bench.json")).unwrap();
    let out = flameiq(d.path())
        .args([
            "run",
            "--metrics",
            "bench.json",
            "--provider",
            "pytest-benchmark",
            "--json",
        ])
        .assert()
        .success();
    let v = json_out(&out.get_output().stdout);
    let keys: Vec<&str> = v["metrics"]
        .as_object()
        .unwrap()
        .keys()
        .map(|k| k.as_str())
        .collect();
    assert_eq!(
        keys,
        [
            "latency.mean",
            "latency.p50",
            "throughput",
            "custom.test_sha256[16]",
            "custom.test_sha256[4096]",
            "custom.test_sum_list"
        ]
    );
}

#[test]
fn color_is_off_when_piped_and_on_when_forced() {
    let d = with_baseline();
    write(d.path(), "m.json", &snapshot("x", base_metrics()));
    flameiq(d.path())
        .args(["compare", "--metrics", "m.json"])
        .assert()
        .stdout(predicate::str::contains("\x1b[").not());
    flameiq(d.path())
        .args(["--color", "always", "compare", "--metrics", "m.json"])
        .assert()
        .stdout(predicate::str::contains("\x1b["));
    flameiq(d.path())
        .args(["-q", "compare", "--metrics", "m.json"])
        .assert()
        .code(0)
        .stdout(predicate::str::is_empty());
}
