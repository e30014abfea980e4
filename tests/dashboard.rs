//! `flameiq dashboard` (issue 17): what the site's files hold, escaping, environments,
//! the all-or-nothing write. The page itself is driven in Chromium by
//! scripts/dashboard-browser-test.py (run from scripts/browser-test.sh).

use assert_cmd::Command;
use serde_json::{json, Value};
use std::path::Path;
use tempfile::TempDir;

const HOSTILE: &str = "custom.</script><img src=x onerror=alert(1)>\"'\u{2028}\u{2029}&";

fn flameiq(dir: &Path) -> Command {
    let mut c = Command::cargo_bin("flameiq").unwrap();
    c.current_dir(dir)
        .env_remove("FLAMEIQ_ENV")
        .env_remove("FLAMEIQ_DIR")
        .env_remove("FLAMEIQ_CONFIG")
        .env_remove("GITHUB_SERVER_URL")
        .env_remove("GITHUB_REPOSITORY")
        .env_remove("CI_PROJECT_URL");
    c
}

/// Writes `runs` history lines (and `current.json`) into `<dir>/.flameiq[/<env>]`; the
/// metric `custom.step_ms` steps up 50 % at run `runs / 2`.
fn store(dir: &Path, env: Option<&str>, runs: usize, extra_key: Option<&str>) {
    let mut base = dir.join(".flameiq");
    if let Some(e) = env {
        base.push(e);
    }
    let base = base.join("baselines");
    std::fs::create_dir_all(&base).unwrap();
    let mut lines = String::new();
    let mut last = Value::Null;
    for i in 0..runs {
        // Deterministic small noise.
        let n = ((i * 37 % 11) as f64 - 5.0) / 500.0;
        let step = if i >= runs / 2 { 1.5 } else { 1.0 };
        let mut custom = json!({"step_ms": 20.0 * step * (1.0 + n), "flat.a": 5.0 * (1.0 - n)});
        if let Some(k) = extra_key {
            custom[k.strip_prefix("custom.").unwrap()] = json!(7.0 + n);
        }
        let commit = if i == 1 {
            "javascript:alert(1)\"><script>".to_string()
        } else {
            format!("{:040x}", i + 1)
        };
        last = json!({
            "schema_version": 1,
            "metadata": {"run_id": format!("00000000-0000-4000-8000-{i:012}"), "commit": commit,
                "branch": "main", "timestamp": format!("2026-10-01T00:{:02}:00+00:00", i % 60),
                "environment": "ci", "tags": {}},
            "metrics": {"latency": {"mean": 3.0 * (1.0 + n)}, "custom": custom},
            "metric_info": {"custom.flat.a": {"unit": "ms", "samples": [4.9, 5.0, 5.1]}},
        });
        lines.push_str(&last.to_string());
        lines.push('\n');
    }
    std::fs::write(base.join("history.jsonl"), lines).unwrap();
    std::fs::write(base.join("current.json"), last.to_string()).unwrap();
}

/// The argument of `name(...)` in a data script, as JSON.
fn call_arg(text: &str, name: &str) -> Value {
    let body = text
        .strip_prefix(&format!("{name}("))
        .and_then(|t| t.trim_end().strip_suffix(");"))
        .unwrap_or_else(|| panic!("not a {name}(...) script"));
    // flameiqChunk(N,[...]) / flameiqRuns(N,[...]): the number first.
    let body = match body.split_once(',') {
        Some((n, rest)) if n.chars().all(|c| c.is_ascii_digit()) => rest,
        _ => body,
    };
    serde_json::from_str(body).expect("data scripts hold JSON")
}

fn index(site: &Path) -> Value {
    call_arg(
        &std::fs::read_to_string(site.join("data/index.js")).unwrap(),
        "flameiqIndex",
    )
}

fn index_keys(site: &Path) -> Vec<(String, String)> {
    let ix = index(site);
    let envs = ix["envs"].as_array().unwrap();
    let mut keys: Vec<(String, String)> = ix["metrics"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| {
            let env = envs[m[1].as_u64().unwrap() as usize][0].as_str().unwrap();
            (env.to_string(), m[0].as_str().unwrap().to_string())
        })
        .collect();
    keys.sort();
    keys
}

#[test]
fn issue17_every_environment_and_every_metric_is_in_the_index() {
    let t = TempDir::new().unwrap();
    store(t.path(), None, 30, None);
    store(t.path(), Some("linux-arm"), 12, Some("custom.arm_only"));
    flameiq(t.path())
        .args(["dashboard", "--output", "site"])
        .assert()
        .success()
        .stdout(predicates::str::contains(
            "7 metric(s) over 42 run(s) in 2 environment(s)",
        ));
    let keys = index_keys(&t.path().join("site"));
    let want: Vec<(String, String)> = [
        ("default", "custom.flat.a"),
        ("default", "custom.step_ms"),
        ("default", "latency.mean"),
        ("linux-arm", "custom.arm_only"),
        ("linux-arm", "custom.flat.a"),
        ("linux-arm", "custom.step_ms"),
        ("linux-arm", "latency.mean"),
    ]
    .iter()
    .map(|(e, k)| (e.to_string(), k.to_string()))
    .collect();
    assert_eq!(keys, want);
    // Every chunk a row points at exists and holds that row's series.
    let ix = index(&t.path().join("site"));
    for m in ix["metrics"].as_array().unwrap() {
        let chunk = std::fs::read_to_string(
            t.path()
                .join(format!("site/data/s{}.js", m[9].as_u64().unwrap())),
        )
        .unwrap();
        let c = call_arg(&chunk, "flameiqChunk");
        let s = &c[m[10].as_u64().unwrap() as usize];
        assert_eq!(s[1], m[0]);
        assert_eq!(
            s[3].as_array().unwrap().len() as u64,
            m[11].as_u64().unwrap()
        );
    }
}

#[test]
fn issue17_env_and_metric_flags_select_what_is_drawn() {
    let t = TempDir::new().unwrap();
    store(t.path(), None, 10, None);
    store(t.path(), Some("linux-arm"), 10, None);
    flameiq(t.path())
        .args([
            "--env",
            "linux-arm",
            "dashboard",
            "-o",
            "site",
            "--metric",
            "custom.*",
        ])
        .assert()
        .success();
    let keys = index_keys(&t.path().join("site"));
    assert_eq!(
        keys,
        vec![
            ("linux-arm".to_string(), "custom.flat.a".to_string()),
            ("linux-arm".to_string(), "custom.step_ms".to_string())
        ]
    );
    // --env twice: both environments.
    flameiq(t.path())
        .args(["--env", "linux-arm", "--env", "", "dashboard", "-o", "site"])
        .assert()
        .success();
    assert_eq!(index_keys(&t.path().join("site")).len(), 6);
}

#[test]
fn issue17_more_than_one_env_is_exit_2_for_other_commands() {
    let t = TempDir::new().unwrap();
    store(t.path(), None, 3, None);
    flameiq(t.path())
        .args(["--env", "a", "--env", "b", "changes"])
        .assert()
        .code(2)
        .stderr(predicates::str::contains("only flameiq dashboard"));
}

#[test]
fn issue17_the_latest_change_point_is_shown_and_regressions_come_first() {
    let t = TempDir::new().unwrap();
    store(t.path(), None, 60, None);
    flameiq(t.path())
        .args(["dashboard", "-o", "site"])
        .assert()
        .success();
    let ix = index(&t.path().join("site"));
    let first = &ix["metrics"][0];
    assert_eq!(first[0], "custom.step_ms");
    // [runs since, change %, commit, timestamp] of the run at the step (run 30 of 60).
    let cp = &first[7];
    assert_eq!(cp[0], 29);
    assert!((cp[1].as_f64().unwrap() - 50.0).abs() < 2.0, "{cp}");
    assert_eq!(cp[2], format!("{:040x}", 31));
    assert_eq!(
        first[8], 2,
        "a step up of a two-sided metric is a regression"
    );
    // The same detector as `flameiq changes`.
    let out = flameiq(t.path())
        .args(["changes", "--json"])
        .output()
        .unwrap();
    let doc: Value = serde_json::from_slice(&out.stdout).unwrap();
    let cps = doc["metrics"]["custom.step_ms"]["change_points"]
        .as_array()
        .unwrap();
    assert_eq!(cps.last().unwrap()["index"], 30);
    assert_eq!(cps.last().unwrap()["commit"], cp[2]);
    // The chunk has the change point at series index 30, the samples and the band.
    let chunk = std::fs::read_to_string(t.path().join("site/data/s0.js")).unwrap();
    let c = call_arg(&chunk, "flameiqChunk");
    let step = c
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s[1] == "custom.step_ms")
        .unwrap();
    assert_eq!(step[5][0][0], 30);
    let band = step[6].as_array().unwrap();
    let b = band[0].as_f64().unwrap();
    assert!(
        (band[1].as_f64().unwrap() - b * 0.9).abs() < 1e-9,
        "two-sided 10 % band: {band:?}"
    );
    assert!((band[2].as_f64().unwrap() - b * 1.1).abs() < 1e-9);
    let flat = c
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s[1] == "custom.flat.a")
        .unwrap();
    assert_eq!(
        flat[4].as_array().unwrap().len(),
        60,
        "samples of every run"
    );
    assert_eq!(flat[4][0][1], json!([4.9, 5, 5.1]));
}

#[test]
fn issue17_hostile_names_and_commits_are_escaped_in_every_file() {
    let t = TempDir::new().unwrap();
    store(t.path(), None, 8, Some(HOSTILE));
    flameiq(t.path())
        .args([
            "dashboard",
            "-o",
            "site",
            "--commit-url",
            "https://example.com/o/r/commit/{commit}",
        ])
        .assert()
        .success();
    let site = t.path().join("site");
    for entry in std::fs::read_dir(site.join("data")).unwrap() {
        let p = entry.unwrap().path();
        let text = std::fs::read_to_string(&p).unwrap();
        for bad in ["<", ">", "&", "\u{2028}", "\u{2029}"] {
            assert!(!text.contains(bad), "{} holds a raw {bad:?}", p.display());
        }
    }
    // The name survives as data.
    assert!(index_keys(&site).iter().any(|(_, k)| k == HOSTILE));
    // The hostile commit is percent-encoded inside an https link.
    let runs = call_arg(
        &std::fs::read_to_string(site.join("data/runs-0.js")).unwrap(),
        "flameiqRuns",
    );
    assert_eq!(runs[1][0], "javascript:alert(1)\"><script>");
    assert_eq!(
        runs[1][3],
        "https://example.com/o/r/commit/javascript%3Aalert%281%29%22%3E%3Cscript%3E"
    );
    // The fixed files carry no data and load nothing from elsewhere.
    let html = std::fs::read_to_string(site.join("index.html")).unwrap();
    assert!(html.contains("default-src 'none'; script-src 'self'; style-src 'self'; img-src data:"));
    assert!(!html.contains("onerror") && !html.contains("://"));
    let css = std::fs::read_to_string(site.join("dashboard.css")).unwrap();
    assert!(!css.contains("url(") && !css.contains("@import") && !css.contains("http"));
    let js = std::fs::read_to_string(site.join("dashboard.js")).unwrap();
    assert!(!js.contains("innerHTML") && !js.contains("fetch(") && !js.contains("eval("));
    assert_eq!(
        js.matches("://").collect::<Vec<_>>().len(),
        js.matches("http://www.w3.org/2000/svg").count(),
        "the page's code names no URL but the SVG namespace"
    );
}

#[test]
fn issue17_a_javascript_commit_url_is_exit_2() {
    let t = TempDir::new().unwrap();
    store(t.path(), None, 3, None);
    flameiq(t.path())
        .args([
            "dashboard",
            "-o",
            "site",
            "--commit-url",
            "javascript:alert(1)//{commit}",
        ])
        .assert()
        .code(2)
        .stderr(predicates::str::contains("invalid --commit-url"));
    assert!(!t.path().join("site").exists());
}

#[test]
fn issue17_same_store_same_bytes() {
    let t = TempDir::new().unwrap();
    store(t.path(), None, 40, Some(HOSTILE));
    store(t.path(), Some("b"), 5, None);
    let read_all = |dir: &Path| -> Vec<(String, Vec<u8>)> {
        let mut out = Vec::new();
        for sub in ["", "data"] {
            for e in std::fs::read_dir(dir.join(sub)).unwrap() {
                let p = e.unwrap().path();
                if p.is_file() {
                    out.push((
                        p.strip_prefix(dir).unwrap().display().to_string(),
                        std::fs::read(&p).unwrap(),
                    ));
                }
            }
        }
        out.sort();
        out
    };
    flameiq(t.path())
        .args(["dashboard", "-o", "one"])
        .assert()
        .success();
    flameiq(t.path())
        .args(["dashboard", "-o", "two"])
        .assert()
        .success();
    assert_eq!(
        read_all(&t.path().join("one")),
        read_all(&t.path().join("two"))
    );
}

#[test]
fn issue17_a_foreign_folder_is_not_replaced_an_earlier_dashboard_is() {
    let t = TempDir::new().unwrap();
    store(t.path(), None, 5, None);
    std::fs::create_dir(t.path().join("docs")).unwrap();
    std::fs::write(t.path().join("docs/keep.md"), "mine").unwrap();
    flameiq(t.path())
        .args(["dashboard", "-o", "docs"])
        .assert()
        .code(2)
        .stderr(predicates::str::contains("refusing to replace"));
    assert_eq!(
        std::fs::read_to_string(t.path().join("docs/keep.md")).unwrap(),
        "mine"
    );
    // An earlier dashboard is replaced whole (no stale chunk left behind).
    flameiq(t.path())
        .args(["dashboard", "-o", "site"])
        .assert()
        .success();
    std::fs::write(t.path().join("site/data/s99.js"), "stale").unwrap();
    flameiq(t.path())
        .args(["dashboard", "-o", "site"])
        .assert()
        .success();
    assert!(!t.path().join("site/data/s99.js").exists());
    assert!(t.path().join("site/index.html").is_file());
    // No temporary folder is left beside it.
    let left: Vec<_> = std::fs::read_dir(t.path())
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n.contains(".tmp") || n.contains(".old"))
        .collect();
    assert!(left.is_empty(), "{left:?}");
}

#[test]
fn issue17_no_history_is_exit_2() {
    let t = TempDir::new().unwrap();
    flameiq(t.path())
        .args(["dashboard", "-o", "site"])
        .assert()
        .code(2)
        .stderr(predicates::str::contains("no history to show"));
    assert!(!t.path().join("site").exists());
}

#[test]
fn issue17_the_report_draws_the_samples_spread() {
    let t = TempDir::new().unwrap();
    let run = |samples: &[f64], value: f64| {
        json!({"schema_version": 1,
            "metadata": {"commit": "c1", "branch": "main", "timestamp": "2026-10-01T00:00:00+00:00", "environment": "ci", "tags": {}},
            "metrics": {"custom": {"parse_ms": value, "plain": 3.0}},
            "metric_info": {"custom.parse_ms": {"unit": "ms", "samples": samples}}})
        .to_string()
    };
    std::fs::write(
        t.path().join("base.json"),
        run(&[9.0, 10.0, 11.0, 10.5], 10.0),
    )
    .unwrap();
    std::fs::write(t.path().join("cur.json"), run(&[10.0, 10.2, 10.4], 10.2)).unwrap();
    flameiq(t.path())
        .args(["-q", "baseline", "set", "--metrics", "base.json"])
        .assert()
        .success();
    flameiq(t.path())
        .args([
            "-q",
            "compare",
            "--metrics",
            "cur.json",
            "--report",
            "r.html",
        ])
        .assert()
        .success();
    let html = std::fs::read_to_string(t.path().join("r.html")).unwrap();
    assert!(html.contains("<th class=\"opt\">Samples</th>"));
    assert!(html.contains(
        "aria-label=\"baseline: 4 samples, median 10.25 ms, 9 ms to 11 ms; current: 3 samples, median 10.2 ms, 10 ms to 10.4 ms\""
    ), "{html}");
    // One box per side, one dot per sample; the metric without samples gets an empty cell.
    assert_eq!(html.matches("class=\"sb\"").count(), 2);
    assert_eq!(html.matches("class=\"sd\"").count(), 7);
}

#[test]
fn issue17_dashboard_help_names_its_flags() {
    let t = TempDir::new().unwrap();
    let out = flameiq(t.path())
        .args(["dashboard", "--help"])
        .output()
        .unwrap();
    let help = String::from_utf8(out.stdout).unwrap();
    for flag in [
        "--output <DIR>",
        "--metric <GLOB>",
        "--commit-url <URL>",
        "--env <NAME>",
    ] {
        assert!(help.contains(flag), "{flag} missing from:\n{help}");
    }
    assert!(help.contains("repeatable"), "{help}");
}
