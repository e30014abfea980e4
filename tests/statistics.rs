//! Statistics mode and `auto` thresholds end to end, through the real binary (issue 5).
//!
//! Every file carries full metadata so outputs are reproducible byte for byte.

use assert_cmd::Command;
use serde_json::{json, Value};
use std::path::Path;
use tempfile::TempDir;

/// Writes a schema v1 snapshot with fixed metadata; `info` is the `metric_info` object.
fn write_snapshot(dir: &Path, name: &str, run: &str, metrics: Value, info: Value) {
    let doc = json!({
        "schema_version": 1,
        "metadata": {
            "commit": format!("c-{run}"),
            "branch": "main",
            "environment": "ci",
            "timestamp": "2026-01-01T00:00:00+00:00",
            "run_id": format!("run-{run}"),
            "tags": {}
        },
        "metrics": metrics,
        "metric_info": info,
    });
    std::fs::write(dir.join(name), serde_json::to_string_pretty(&doc).unwrap()).unwrap();
}

fn flameiq(dir: &Path) -> Command {
    let mut cmd = Command::cargo_bin("flameiq").unwrap();
    cmd.current_dir(dir)
        .env_remove("FLAMEIQ_CONFIG")
        .env_remove("FLAMEIQ_DIR")
        .env_remove("FLAMEIQ_ENV")
        .env("NO_COLOR", "1");
    cmd
}

/// Runs `compare --baseline b.json -m c.json --json` plus `extra`; returns (exit, document).
fn compare(dir: &Path, extra: &[&str]) -> (i32, Value) {
    let out = flameiq(dir)
        .args(["compare", "--baseline", "b.json", "-m", "c.json", "--json"])
        .args(extra)
        .output()
        .unwrap();
    let doc: Value = serde_json::from_slice(&out.stdout).unwrap_or_else(|e| {
        panic!(
            "not JSON ({e}): {}\n{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        )
    });
    (out.status.code().unwrap(), doc)
}

fn diff<'a>(doc: &'a Value, key: &str) -> &'a Value {
    doc["diffs"]
        .as_array()
        .unwrap()
        .iter()
        .find(|d| d["metric_key"] == key)
        .unwrap_or_else(|| panic!("no diff for {key}"))
}

/// Writes the current run `c.json` (`metrics`, `info`) and runs `compare -m c.json --json`
/// against the workspace's store; returns the diff of `key` and the exit code.
fn judge_run(dir: &Path, key: &str, metrics: Value, info: Value) -> (Value, Option<i32>) {
    write_snapshot(dir, "c.json", "c", metrics, info);
    let out = flameiq(dir)
        .args(["compare", "-m", "c.json", "--json"])
        .output()
        .unwrap();
    let doc: Value = serde_json::from_slice(&out.stdout).unwrap();
    (diff(&doc, key).clone(), out.status.code())
}

fn stats_config(dir: &Path) {
    std::fs::write(
        dir.join("flameiq.yaml"),
        "statistics:\n  enabled: true\n  confidence: 0.95\n",
    )
    .unwrap();
}

/// Statistics on, with the opt-in `insufficient: pass` (a breach the test cannot confirm
/// is `INSUFFICIENT_DATA`, not a regression).
fn stats_config_insufficient_passes(dir: &Path) {
    std::fs::write(
        dir.join("flameiq.yaml"),
        "statistics:\n  enabled: true\n  confidence: 0.95\n  insufficient: pass\n",
    )
    .unwrap();
}

#[test]
fn noisy_breach_that_is_not_significant_passes() {
    let d = TempDir::new().unwrap();
    stats_config(d.path());
    // Medians 100 -> 112 (+12 %, over the 10 % threshold) but the runs overlap heavily.
    write_snapshot(
        d.path(),
        "b.json",
        "b",
        json!({"latency": {"p95": 100.0}}),
        json!({"latency.p95": {"samples": [80.0, 120.0, 95.0, 131.0, 70.0, 110.0, 100.0, 91.0]}}),
    );
    write_snapshot(
        d.path(),
        "c.json",
        "c",
        json!({"latency": {"p95": 112.0}}),
        json!({"latency.p95": {"samples": [76.0, 125.0, 101.0, 136.0, 85.0, 116.0, 106.0, 97.0]}}),
    );
    let (code, doc) = compare(d.path(), &[]);
    assert_eq!(code, 0, "{doc}");
    assert_eq!(doc["statistical_mode"], true);
    let p95 = diff(&doc, "latency.p95");
    assert_eq!(p95["is_regression"], false);
    assert_eq!(p95["status"], "WARNING");
    assert_eq!(p95["test"], "mann-whitney-u exact");
    // scipy.stats.mannwhitneyu([76, 125, 101, 136, 85, 116, 106, 97],
    //     [80, 120, 95, 131, 70, 110, 100, 91], alternative="greater").pvalue
    //   == 0.28686868686868683 -> round(p, 6) == 0.286869
    assert_eq!(p95["p_value"], 0.286869);

    // Without statistics the same breach fails the gate: the test is what quiets it.
    std::fs::remove_file(d.path().join("flameiq.yaml")).unwrap();
    let (code, doc) = compare(d.path(), &[]);
    assert_eq!(code, 1);
    assert_eq!(doc["statistical_mode"], false);
    assert_eq!(diff(&doc, "latency.p95")["p_value"], Value::Null);
}

#[test]
fn clear_shift_regresses_with_the_flag() {
    let d = TempDir::new().unwrap();
    write_snapshot(
        d.path(),
        "b.json",
        "b",
        json!({"latency": {"p95": 100.0}}),
        json!({"latency.p95": {"samples": [99.0, 101.0, 100.0, 98.5, 100.5, 99.5, 101.5, 100.2]}}),
    );
    write_snapshot(
        d.path(),
        "c.json",
        "c",
        json!({"latency": {"p95": 120.0}}),
        json!({"latency.p95": {"samples": [119.0, 121.0, 120.0, 118.5, 120.5, 119.5, 121.5, 120.2]}}),
    );
    let (code, doc) = compare(d.path(), &["--statistics"]);
    assert_eq!(code, 1, "{doc}");
    assert_eq!(doc["status"], "regression");
    assert_eq!(doc["statistical_mode"], true);
    let p95 = diff(&doc, "latency.p95");
    assert_eq!(p95["status"], "REGRESSION");
    // scipy.stats.mannwhitneyu(current, baseline, alternative="greater").pvalue
    //   == 7.77000777000777e-05 (1 / binom(16, 8)) -> round(p, 6) == 7.8e-05
    assert_eq!(p95["p_value"], 7.8e-05);
    assert!(p95["effect_size"].as_f64().unwrap() > 10.0);

    // The terminal table shows the p-value.
    let out = flameiq(d.path())
        .args([
            "compare",
            "--baseline",
            "b.json",
            "-m",
            "c.json",
            "--statistics",
        ])
        .output()
        .unwrap();
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(text.contains("REGRESSION  p=0.0001"), "{text}");
}

#[test]
fn throughput_drop_is_tested_in_the_lower_tail() {
    // flameiq-core tests "current greater" for every metric, so a throughput drop is never
    // significant there (its p is ~1). We test "current less" for higher-is-better metrics.
    let d = TempDir::new().unwrap();
    stats_config(d.path());
    write_snapshot(
        d.path(),
        "b.json",
        "b",
        json!({"throughput": 1000.0}),
        json!({"throughput": {"samples": [1001.0, 998.0, 1003.0, 995.0, 1000.0, 1002.0, 999.0, 1004.0]}}),
    );
    write_snapshot(
        d.path(),
        "c.json",
        "c",
        json!({"throughput": 850.0}),
        json!({"throughput": {"samples": [851.0, 848.0, 853.0, 845.0, 850.0, 852.0, 849.0, 854.0]}}),
    );
    let (code, doc) = compare(d.path(), &[]);
    assert_eq!(code, 1, "{doc}");
    let t = diff(&doc, "throughput");
    assert_eq!(t["status"], "REGRESSION");
    assert_eq!(t["direction"], "higher_is_better");
    // scipy.stats.mannwhitneyu(current, baseline, alternative="less").pvalue
    //   == 7.77000777000777e-05; with alternative="greater" it is 1.0.
    assert_eq!(t["p_value"], 7.8e-05);
    assert!(
        t["effect_size"].as_f64().unwrap() < 0.0,
        "a drop has negative d"
    );

    // A throughput rise is an improvement, never a regression.
    write_snapshot(
        d.path(),
        "c.json",
        "c",
        json!({"throughput": 1150.0}),
        json!({"throughput": {"samples": [1151.0, 1148.0, 1153.0, 1145.0, 1150.0, 1152.0, 1149.0, 1154.0]}}),
    );
    let (code, doc) = compare(d.path(), &[]);
    assert_eq!(code, 0);
    // scipy.stats.mannwhitneyu(current, baseline, alternative="less").pvalue == 1.0
    assert_eq!(diff(&doc, "throughput")["p_value"], 1.0);
}

/// `b.json` and `c.json`: latency.p95 100 → 150 ms (+50 %), three samples on each side —
/// the best 3 vs 3 can reach is p = 0.05, never below alpha = 0.05.
fn three_vs_three_breach(dir: &Path) {
    write_snapshot(
        dir,
        "b.json",
        "b",
        json!({"latency": {"p95": 100.0}}),
        json!({"latency.p95": {"samples": [99.0, 100.0, 101.0]}}),
    );
    write_snapshot(
        dir,
        "c.json",
        "c",
        json!({"latency": {"p95": 150.0}}),
        json!({"latency.p95": {"samples": [149.0, 150.0, 151.0]}}),
    );
}

#[test]
fn three_vs_three_is_insufficient_data_not_a_silent_pass() {
    let d = TempDir::new().unwrap();
    stats_config_insufficient_passes(d.path());
    three_vs_three_breach(d.path());
    let (code, doc) = compare(d.path(), &[]);
    assert_eq!(code, 0, "{doc}");
    assert_eq!(doc["status"], "insufficient_data");
    assert_eq!(doc["exit_code"], 0);
    let p95 = diff(&doc, "latency.p95");
    assert_eq!(p95["status"], "INSUFFICIENT_DATA");
    assert_eq!(p95["is_regression"], false);
    // scipy.stats.mannwhitneyu([149, 150, 151], [99, 100, 101], alternative="greater").pvalue
    //   == 0.05, the best 3 vs 3 can do; not < alpha = 0.05.
    assert_eq!(p95["p_value"], 0.05);

    let out = flameiq(d.path())
        .args(["compare", "--baseline", "b.json", "-m", "c.json"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0));
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(text.contains("INSUFFICIENT_DATA"), "{text}");
}

/// Sets a baseline from `values` (one snapshot each, oldest first) through the CLI, so the
/// history is built the way users build it.
fn build_history(dir: &Path, values: &[(f64, f64)]) {
    for (i, (noisy, stable)) in values.iter().enumerate() {
        add_run(
            dir,
            &format!("h{i}"),
            json!({"custom": {"noisy": noisy, "stable": stable}}),
            json!({}),
        );
    }
}

/// Runs `compare -m c.json --markdown s.md` against the store; returns (exit, the summary).
fn summary_md(dir: &Path) -> (Option<i32>, String) {
    let out = flameiq(dir)
        .args(["compare", "-m", "c.json", "--markdown", "s.md"])
        .output()
        .unwrap();
    let md = std::fs::read_to_string(dir.join("s.md")).unwrap();
    (out.status.code(), md)
}

/// Writes history run `run` as `{run}.json` and appends it with `baseline set`.
fn add_run(dir: &Path, run: &str, metrics: Value, info: Value) {
    let name = format!("{run}.json");
    write_snapshot(dir, &name, run, metrics, info);
    flameiq(dir)
        .args(["baseline", "set", "--metrics", &name])
        .assert()
        .success();
}

#[test]
fn auto_threshold_widens_for_noisy_history_and_stays_tight_for_stable() {
    let d = workspace_with(
        "thresholds:\n  custom.*: auto(3)\ndirections:\n  custom.*: lower_is_better\n",
    );
    build_history(
        d.path(),
        &[
            (100.0, 50.0),
            (120.0, 50.2),
            (85.0, 49.9),
            (110.0, 50.1),
            (95.0, 50.0),
            (130.0, 49.8),
            (100.0, 50.0),
        ],
    );
    // Baseline is the last set: noisy 100, stable 50. Both +15 %.
    write_snapshot(
        d.path(),
        "c.json",
        "c",
        json!({"custom": {"noisy": 115.0, "stable": 57.5}}),
        json!({}),
    );
    let out = flameiq(d.path())
        .args(["compare", "-m", "c.json", "--json"])
        .output()
        .unwrap();
    let doc: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(out.status.code(), Some(1), "{doc}");
    let noisy = diff(&doc, "custom.noisy");
    let stable = diff(&doc, "custom.stable");
    assert_eq!(noisy["threshold_kind"], "auto");
    assert_eq!(stable["threshold_kind"], "auto");
    // numpy.percentile([100, 120, 85, 110, 95, 130, 100], [25, 50, 75]) == [97.5, 100, 115]
    //   -> 3 * 17.5 / 100 * 100 == 52.5 %
    assert_eq!(noisy["threshold_percent"], 52.5);
    assert_eq!(noisy["status"], "PASS");
    // numpy.percentile([50, 50.2, 49.9, 50.1, 50, 49.8, 50], [25, 50, 75])
    //   == [49.95, 50, 50.05] -> 3 * 0.1 / 50 * 100 == 0.6 %, raised to the 1 % floor
    assert_eq!(stable["threshold_percent"], 1.0);
    assert_eq!(stable["status"], "REGRESSION");
}

/// 25 runs: 10 around 100, then 15 around 120 for `custom.stable` (a change point at the
/// run `h10`); `custom.noisy` steps 3 runs before the end.
fn stepped_history(dir: &Path) {
    let runs: Vec<(f64, f64)> = (0..25)
        .map(|i| {
            let jitter = f64::from(i * 7 % 5) * 0.2; // 0, 0.4, 0.8, 0.2, 0.6, ...
            let stable = if i < 10 { 100.0 } else { 120.0 } + jitter;
            let noisy = if i < 22 { 50.0 } else { 70.0 } + jitter;
            (noisy, stable)
        })
        .collect();
    build_history(dir, &runs);
}

/// A workspace whose `flameiq.yaml` is `yaml`, with no history yet.
fn workspace_with(yaml: &str) -> TempDir {
    let d = TempDir::new().unwrap();
    std::fs::write(d.path().join("flameiq.yaml"), yaml).unwrap();
    d
}

/// A workspace with `custom.*: auto` (lower is better) and no history yet.
fn auto_config() -> TempDir {
    workspace_with("thresholds:\n  custom.*: auto\ndirections:\n  custom.*: lower_is_better\n")
}

/// A workspace with `custom.*: auto` over [`stepped_history`].
fn auto_workspace() -> TempDir {
    let d = auto_config();
    stepped_history(d.path());
    d
}

/// The diff of `custom.stable` when the current run has `stable` (and `noisy` 70).
fn judge_stable(dir: &Path, stable: f64) -> Value {
    write_snapshot(
        dir,
        "c.json",
        "c",
        json!({"custom": {"noisy": 70.0, "stable": stable}}),
        json!({}),
    );
    let out = flameiq(dir)
        .args([
            "compare",
            "-m",
            "c.json",
            "--json",
            "--no-fail-on-regression",
        ])
        .output()
        .unwrap();
    let doc: Value = serde_json::from_slice(&out.stdout).unwrap();
    diff(&doc, "custom.stable").clone()
}

#[test]
fn issue14_item3_auto_is_calibrated_on_the_segment_since_the_last_change_point() {
    let d = auto_workspace();
    // The last run (h24) has stable = 120.8; the segment's centre is 120.4.
    let d1 = judge_stable(d.path(), 121.5);
    assert_eq!(d1["threshold_kind"], "auto", "{d1}");
    // Of the 20 runs read, the 15 since h10: the old level does not widen the band.
    assert_eq!(d1["auto_baseline"]["runs"], 15, "{d1}");
    assert_eq!(d1["auto_baseline"]["since_commit"], "c-h10");
    assert_eq!(d1["auto_baseline"]["since_change_point"], true);
    assert_eq!(d1["auto_baseline"]["location"], "value");
    // The baseline is the segment's median (120.4), not the last run (120.8).
    assert_eq!(d1["baseline_value"], 120.4);
    let band = d1["threshold_percent"].as_f64().unwrap();
    assert!((1.0..3.0).contains(&band), "{d1}");
    // +0.9 % is inside it.
    assert_eq!(d1["is_regression"], false, "{d1}");
    // +10 % over the centre is far outside the band.
    assert_eq!(judge_stable(d.path(), 132.5)["status"], "REGRESSION");
}

/// Issue 14, runs K and L of docs/verdict-quality.md: on a quiet segment the band is
/// narrow, and a runner that now and then slows a whole process by 2-12 % breaks its
/// promise there; `statistics.auto_floor` raises the narrowest band, for `auto` and
/// `auto(k)` alike, and nothing else.
#[test]
fn issue14_auto_floor_raises_the_narrowest_band_and_only_that() {
    let d = auto_workspace();
    let slower = 120.4 * 1.035;
    let default = judge_stable(d.path(), slower);
    let band = default["threshold_percent"].as_f64().unwrap();
    assert!(band < 3.5, "the case needs a band under +3.5 %: {default}");
    assert_eq!(default["status"], "REGRESSION", "{default}");
    let yaml = "thresholds:\n  custom.*: auto\ndirections:\n  custom.*: lower_is_better\n";
    let floored = format!("{yaml}statistics:\n  auto_floor: 4%\n");
    std::fs::write(d.path().join("flameiq.yaml"), &floored).unwrap();
    let raised = judge_stable(d.path(), slower);
    assert_eq!(raised["threshold_kind"], "auto", "{raised}");
    assert_eq!(raised["threshold_percent"], 4.0, "{raised}");
    assert_eq!(raised["is_regression"], false, "{raised}");
    // The centre and the segment are the band's own, the floor changes only its width.
    assert_eq!(raised["baseline_value"], default["baseline_value"]);
    assert_eq!(raised["auto_baseline"], default["auto_baseline"]);
    assert_eq!(judge_stable(d.path(), 120.4 * 1.05)["status"], "REGRESSION");
    // A band already wider than the floor is left as it is: `custom.stable`'s last 20 runs
    // span its step at h10, so `auto(3)`'s IQR band over them is far above 4 %.
    std::fs::write(
        d.path().join("flameiq.yaml"),
        floored.replace("custom.*: auto\n", "custom.*: auto(3)\n"),
    )
    .unwrap();
    let k3 = judge_stable(d.path(), 120.4);
    assert_eq!(k3["threshold_kind"], "auto", "{k3}");
    assert!(k3["threshold_percent"].as_f64().unwrap() > 10.0, "{k3}");
    // `auto(k)`'s narrow band is raised too (1 % by default; see
    // auto_threshold_widens_for_noisy_history_and_stays_tight_for_stable).
    let flat = workspace_with("thresholds:\n  custom.*: auto(3)\nstatistics:\n  auto_floor: 4%\n");
    build_history(
        flat.path(),
        &[
            (50.0, 50.0),
            (50.2, 50.2),
            (49.9, 49.9),
            (50.1, 50.1),
            (50.0, 50.0),
        ],
    );
    let (t, _) = judge_run(
        flat.path(),
        "custom.stable",
        json!({"custom": {"noisy": 50.0, "stable": 51.5}}),
        json!({}),
    );
    assert_eq!(t["threshold_percent"], 4.0, "{t}");
    assert_eq!(t["is_regression"], false, "{t}");
    // A floor above the fixed 10 % fallback is refused, naming the file and the key.
    std::fs::write(
        d.path().join("flameiq.yaml"),
        format!("{yaml}statistics:\n  auto_floor: 12%\n"),
    )
    .unwrap();
    flameiq(d.path())
        .args(["compare", "-m", "c.json", "--json"])
        .assert()
        .code(2)
        .stderr(predicates::str::contains("flameiq.yaml"))
        .stderr(predicates::str::contains(
            "statistics.auto_floor: must be a percent above 0 and at most 10%",
        ));
}

#[test]
fn issue14_item5_an_auto_band_warns_on_its_outer_half_not_on_every_change() {
    // flameiq-core's rule (|change| >= |t| - 5 points) made every non-zero change inside a
    // band narrower than 5 % a WARNING; a band keeps the rule's share: its outer half.
    let d = auto_workspace();
    let band = judge_stable(d.path(), 120.4)["threshold_percent"]
        .as_f64()
        .unwrap();
    assert!(band < 5.0, "the case needs a band under the margin: {band}");
    let at = |share: f64| judge_stable(d.path(), 120.4 * (1.0 + share * band / 100.0));
    let quarter = at(0.25);
    assert_eq!(quarter["status"], "PASS", "{quarter}");
    assert_eq!(quarter["is_warning"], false);
    let three_quarters = at(0.75);
    assert_eq!(three_quarters["status"], "WARNING", "{three_quarters}");
    assert_eq!(at(1.5)["status"], "REGRESSION");
    // Inside the band on the better side: a quarter passes, three quarters is a look.
    assert_eq!(at(-0.25)["status"], "PASS");
    assert_eq!(at(-0.75)["status"], "WARNING");
}

/// `compare -m c.json --json --verbose` of a run with `noisy` and `stable`: the document
/// and the log on stderr.
fn compare_verbose(dir: &Path, noisy: f64, stable: f64) -> (Value, String) {
    write_snapshot(
        dir,
        "c.json",
        "c",
        json!({"custom": {"noisy": noisy, "stable": stable}}),
        json!({}),
    );
    let out = flameiq(dir)
        .args(["compare", "-m", "c.json", "--json", "--verbose"])
        .output()
        .unwrap();
    let doc = serde_json::from_slice(&out.stdout).unwrap();
    (doc, String::from_utf8(out.stderr).unwrap())
}

#[test]
fn issue14_item3_auto_falls_back_with_fewer_than_five_runs_since_the_change() {
    let d = auto_workspace();
    let (doc, err) = compare_verbose(d.path(), 72.0, 120.0);
    let noisy = diff(&doc, "custom.noisy");
    // Only 3 runs since noisy stepped (50 -> 70): no band of its own; the band of all 20
    // runs read, which the step widens, decides against the last run (the cautious guess
    // right after a change: docs/statistics.md).
    assert_eq!(noisy["threshold_kind"], "auto-fallback", "{noisy}");
    let t = noisy["threshold_percent"].as_f64().unwrap();
    assert!(t > 10.0, "{noisy}");
    assert!(noisy.get("auto_baseline").is_none());
    assert_eq!(noisy["status"], "PASS");
    assert!(
        err.contains(&format!(
            "'custom.noisy': auto threshold needs 5 runs since its last change point, has 3; using the band of all 20 runs read, {t:.2}%"
        )),
        "{err}"
    );
    // The diff says why, and since which change point (issue 14: "with fewer runs it
    // says so"); the calibrated metric beside it has no such note.
    let why = &noisy["auto_fallback"];
    assert_eq!(why["runs"], 3, "{noisy}");
    assert_eq!(why["needed"], 5, "{noisy}");
    assert_eq!(why["since_change_point"], true, "{noisy}");
    assert_eq!(why["since_commit"], "c-h22", "{noisy}");
    assert!(diff(&doc, "custom.stable").get("auto_fallback").is_none());
    // So does the summary a reviewer reads.
    let (code, md) = summary_md(d.path());
    assert_eq!(code, Some(0), "{md}");
    assert!(
        md.contains(
            "no `auto` band yet for 1 metric (3 runs since `ch22`, a change point; a band \
             needs 5): judged against the baseline run by the fixed threshold or the band \
             of all runs, whichever is wider"
        ),
        "{md}"
    );
    // Far beyond that band is still a regression.
    let (doc, _) = compare_verbose(d.path(), 70.4 * (1.0 + 2.0 * t / 100.0), 120.0);
    assert_eq!(diff(&doc, "custom.noisy")["status"], "REGRESSION");
}

/// Issue 14: a calibrated `auto` metric with too short a history is judged by the fixed
/// threshold, and the diff and the summary say so, counting the runs there are.
#[test]
fn issue14_item3_auto_with_a_short_history_says_it_has_no_band_yet() {
    let d = auto_config();
    build_history(d.path(), &[(100.0, 50.0), (101.0, 50.2), (99.0, 49.9)]);
    let (doc, _) = compare_verbose(d.path(), 100.0, 56.0);
    let stable = diff(&doc, "custom.stable");
    assert_eq!(stable["threshold_kind"], "auto-fallback", "{stable}");
    assert_eq!(
        stable["status"], "REGRESSION",
        "+12 % over the fixed 10 %: {stable}"
    );
    let why = &stable["auto_fallback"];
    assert_eq!(why["runs"], 3, "{stable}");
    assert_eq!(why["since_change_point"], false, "{stable}");
    assert_eq!(why["since_commit"], "c-h0", "{stable}");
    let (code, md) = summary_md(d.path());
    assert_eq!(code, Some(1), "{md}");
    assert!(
        md.contains("no `auto` band yet for 2 metrics (3 runs of history; a band needs 5)"),
        "{md}"
    );
}

#[test]
fn issue14_item3_auto_right_after_a_change_falls_back_to_the_wider_of_ten_percent_and_the_uncut_band(
) {
    // A metric with ±30 % run-to-run noise that tripled 3 runs ago: too few runs since the
    // change for a band, and the fixed 10 % alone would flag most unchanged runs of it.
    let d = auto_config();
    let runs: Vec<(f64, f64)> = (0..25)
        .map(|i| {
            let spread = [0.7, 1.3, 1.0, 0.8, 1.2, 0.9, 1.1][i % 7];
            let noisy = if i < 22 { 50.0 } else { 150.0 } * spread;
            (noisy, 100.0 + (i % 3) as f64)
        })
        .collect();
    build_history(d.path(), &runs);
    let (doc, err) = compare_verbose(d.path(), 150.0, 101.0);
    let noisy = diff(&doc, "custom.noisy");
    assert_eq!(noisy["threshold_kind"], "auto-fallback", "{noisy}");
    let t = noisy["threshold_percent"].as_f64().unwrap();
    assert!(t > 30.0, "the uncut band of a ±30 % metric: {noisy}");
    // The last stored run was 120 (150 x 0.8): +25 % is a REGRESSION by the fixed 10 %,
    // and inside the uncut band.
    assert_eq!(noisy["status"], "PASS", "{noisy}");
    assert!(
        err.contains("'custom.noisy': auto threshold needs 5 runs since its last change point, has 3; using the band of all 20 runs read"),
        "{err}"
    );
    // A steady metric in the same history keeps its calibrated band.
    assert_eq!(diff(&doc, "custom.stable")["threshold_kind"], "auto");
}

#[test]
fn issue14_item3_auto_locates_runs_by_their_best_sample() {
    let d = TempDir::new().unwrap();
    std::fs::write(
        d.path().join("flameiq.yaml"),
        "thresholds:\n  custom.*: auto\n",
    )
    .unwrap();
    // Ten runs whose medians wander with load (100..145) while their best samples stay
    // at 10.0..10.45: the spread of the medians would allow a huge band.
    for i in 0..10 {
        let lo = 10.0 + f64::from(i % 4) * 0.15;
        let med = 100.0 + f64::from(i) * 5.0;
        let samples = [
            lo,
            lo + 0.1,
            med,
            med,
            med,
            med + 1.0,
            med + 2.0,
            med + 3.0,
            med + 4.0,
            med + 5.0,
            med + 6.0,
        ];
        add_run(
            d.path(),
            &format!("h{i}"),
            json!({"custom": {"t": med}}),
            json!({"custom.t": {"direction": "lower_is_better", "samples": samples}}),
        );
    }
    // The current run's best samples are 20 % slower; its median is within the old spread.
    let samples = [
        12.2, 12.3, 110.0, 110.0, 110.0, 111.0, 112.0, 113.0, 114.0, 115.0, 116.0,
    ];
    let (t, code) = judge_run(
        d.path(),
        "custom.t",
        json!({"custom": {"t": 110.0}}),
        json!({"custom.t": {"direction": "lower_is_better", "samples": samples}}),
    );
    assert_eq!(t["auto_baseline"]["location"], "min of samples", "{t}");
    // The current run's best sample, beyond the best samples' band ...
    assert_eq!(t["current_value"], 12.2);
    assert!(t["change_percent"].as_f64().unwrap() > t["threshold_percent"].as_f64().unwrap());
    // ... but its value is within the values' band, so the slowdown is not confirmed:
    // shown, not failed (the second view of docs/statistics.md).
    let check = &t["auto_baseline"]["value_check"];
    assert_eq!(check["current_value"], 110.0, "{t}");
    assert_eq!(check["breached"], false, "{t}");
    assert_eq!(t["is_regression"], false, "{t}");
    assert_ne!(t["status"], "REGRESSION");
    assert_eq!(code, Some(0));
    // The summary says why it is not red.
    let (code, md) = summary_md(d.path());
    assert_eq!(code, Some(0), "{md}");
    assert!(
        md.contains("1 metric beyond its best-sample band but not its value band: not failed"),
        "{md}"
    );
    // The table's numbers are best samples, and the baseline line says so.
    assert!(
        md.contains("segment centre of 10 runs since `ch0`, of best samples, for 1 `auto` metric"),
        "{md}"
    );
}

/// Issue 14: load that hits part of a run (some samples slow, its best one as fast as
/// ever) is not a slowdown; a slowdown moves every sample, the best one too. Measured on
/// run D of docs/verdict-quality.md: the false alarms of the 10th percentile as location
/// were such runs.
#[test]
fn issue14_item3_load_on_part_of_a_run_is_not_a_regression_a_slower_best_sample_is() {
    let d = TempDir::new().unwrap();
    std::fs::write(
        d.path().join("flameiq.yaml"),
        "thresholds:\n  custom.*: auto\n",
    )
    .unwrap();
    // Twelve steady runs: eight samples each within 0.3 % of 10.0.
    for i in 0..12 {
        let samples: Vec<f64> = (0..8)
            .map(|j| 10.0 + f64::from((i + j) % 4) * 0.01)
            .collect();
        add_run(
            d.path(),
            &format!("h{i}"),
            json!({"custom": {"t": 10.02}}),
            json!({"custom.t": {"direction": "lower_is_better", "samples": samples}}),
        );
    }
    let judge = |samples: &[f64]| {
        judge_run(
            d.path(),
            "custom.t",
            json!({"custom": {"t": samples[4]}}),
            json!({"custom.t": {"direction": "lower_is_better", "samples": samples}}),
        )
    };
    // Load from the second sample on: its 10th percentile is 4 % above the history's.
    let (t, code) = judge(&[10.0, 10.6, 10.8, 11.0, 11.2, 11.4, 12.0, 13.0]);
    assert_eq!(t["auto_baseline"]["location"], "min of samples", "{t}");
    assert_eq!(t["current_value"], 10.0, "{t}");
    assert_eq!(t["status"], "PASS", "{t}");
    assert_eq!(code, Some(0));
    // The same run 4 % slower in every sample, the best one included.
    let (t, code) = judge(&[10.4, 10.42, 10.41, 10.43, 10.4, 10.42, 10.41, 10.43]);
    assert_eq!(t["current_value"], 10.4, "{t}");
    assert_eq!(t["status"], "REGRESSION", "{t}");
    assert_eq!(code, Some(1));
}

/// Issue 14: a tool that summarises each run without exporting its samples (a
/// pytest-benchmark `--benchmark-autosave` file without `--benchmark-save-data`) still
/// reports its fastest and slowest round; `metric_info.min`/`max` locate the run by its
/// best round as samples would, so a run slowed in part (its mean up 9 %, its fastest
/// round as fast as ever) is not failed, while the same file without them is (run G of
/// docs/verdict-quality.md: values only 1.1-1.7 % false alarms from such runs, their min
/// and max 0.3-0.6 %).
#[test]
fn issue14_item3_a_runs_reported_min_and_max_locate_it_without_samples() {
    let d = TempDir::new().unwrap();
    std::fs::write(
        d.path().join("flameiq.yaml"),
        "thresholds:\n  custom.*: auto\n",
    )
    .unwrap();
    for i in 0..12 {
        let jitter = f64::from(i % 4) * 0.01;
        add_run(
            d.path(),
            &format!("h{i}"),
            json!({"custom": {"t": 10.02 + jitter}}),
            json!({"custom.t": {"direction": "lower_is_better", "min": 10.0 + jitter, "max": 10.3}}),
        );
    }
    let judge = |mean: f64, range: Option<(f64, f64)>| {
        let info = match range {
            Some((lo, hi)) => {
                json!({"custom.t": {"direction": "lower_is_better", "min": lo, "max": hi}})
            }
            None => json!({"custom.t": {"direction": "lower_is_better"}}),
        };
        judge_run(d.path(), "custom.t", json!({"custom": {"t": mean}}), info)
    };
    // Load on part of the run: the mean 9 % up, the fastest round unchanged.
    let (t, code) = judge(10.9, Some((10.0, 13.0)));
    // The label says what located the runs: the tool's reported minimum, not samples.
    assert_eq!(t["auto_baseline"]["location"], "reported min", "{t}");
    assert_eq!(t["current_value"], 10.0, "{t}");
    assert_eq!(t["auto_baseline"]["value_check"]["breached"], true, "{t}");
    assert_eq!(t["status"], "PASS", "{t}");
    assert_eq!(code, Some(0));
    // The same value without the range is judged on values alone, and fails.
    let (t, code) = judge(10.9, None);
    assert_eq!(t["auto_baseline"]["location"], "value", "{t}");
    assert_eq!(t["status"], "REGRESSION", "{t}");
    assert_eq!(code, Some(1));
    // A slower build: every round slower, the fastest one too.
    let (t, code) = judge(10.5, Some((10.45, 10.8)));
    assert_eq!(t["current_value"], 10.45, "{t}");
    assert_eq!(t["status"], "REGRESSION", "{t}");
    assert_eq!(code, Some(1)); // A current run with samples over a history of reported ranges: both kinds, named.
    let (t, _) = judge_run(
        d.path(),
        "custom.t",
        json!({"custom": {"t": 10.02}}),
        json!({"custom.t": {"direction": "lower_is_better", "samples": [10.0, 10.02, 10.3]}}),
    );
    assert_eq!(
        t["auto_baseline"]["location"], "min of samples or reported min",
        "{t}"
    );
    assert_eq!(t["current_value"], 10.0, "{t}");
}

#[test]
fn auto_threshold_without_enough_history_falls_back_to_ten_percent() {
    let d = TempDir::new().unwrap();
    std::fs::write(
        d.path().join("flameiq.yaml"),
        "thresholds:\n  custom.*: auto(2)\n",
    )
    .unwrap();
    build_history(d.path(), &[(100.0, 50.0), (120.0, 50.0), (85.0, 50.0)]);
    write_snapshot(
        d.path(),
        "c.json",
        "c",
        json!({"custom": {"noisy": 100.0, "stable": 56.0}}),
        json!({}),
    );
    let out = flameiq(d.path())
        .args(["compare", "-m", "c.json", "--json"])
        .output()
        .unwrap();
    let doc: Value = serde_json::from_slice(&out.stdout).unwrap();
    let stable = diff(&doc, "custom.stable");
    assert_eq!(stable["threshold_kind"], "auto-fallback");
    assert_eq!(stable["threshold_percent"], 10.0);
    assert_eq!(
        stable["status"], "REGRESSION",
        "+12 % over the 10 % fallback"
    );
}

#[test]
fn single_value_is_tested_against_the_history() {
    let d = TempDir::new().unwrap();
    stats_config_insufficient_passes(d.path());
    // 20 runs of history around 100; the current run is above all of them.
    let hist: Vec<(f64, f64)> = (0..20)
        .map(|i| (100.0 + f64::from(i * 7 % 20) * 0.1, 50.0 + f64::from(i % 3)))
        .collect();
    build_history(d.path(), &hist);
    write_snapshot(
        d.path(),
        "c.json",
        "c",
        json!({"custom": {"noisy": 130.0, "stable": 51.0}}),
        json!({}),
    );
    let out = flameiq(d.path())
        .args(["compare", "-m", "c.json", "--json"])
        .output()
        .unwrap();
    let doc: Value = serde_json::from_slice(&out.stdout).unwrap();
    // custom.* is two-sided by default: 1 vs 20 two-sided can reach at best 2/21 > 0.05.
    let noisy = diff(&doc, "custom.noisy");
    assert_eq!(noisy["status"], "INSUFFICIENT_DATA", "{doc}");
    assert_eq!(noisy["test"], "mann-whitney-u exact");
    // scipy.stats.mannwhitneyu([130.0], history, alternative="two-sided").pvalue
    //   == 0.09523809523809523 -> 0.095238
    assert_eq!(noisy["p_value"], 0.095238);
    assert_eq!(out.status.code(), Some(0));

    // One-sided (lower is better) it is decidable: p = 1/21 < 0.05.
    std::fs::write(
        d.path().join("flameiq.yaml"),
        "statistics:\n  enabled: true\ndirections:\n  custom.*: lower_is_better\n",
    )
    .unwrap();
    let out = flameiq(d.path())
        .args(["compare", "-m", "c.json", "--json"])
        .output()
        .unwrap();
    let doc: Value = serde_json::from_slice(&out.stdout).unwrap();
    let noisy = diff(&doc, "custom.noisy");
    // scipy.stats.mannwhitneyu([130.0], history, alternative="greater").pvalue
    //   == 0.047619047619047616 -> 0.047619
    assert_eq!(noisy["p_value"], 0.047619);
    assert_eq!(noisy["status"], "REGRESSION");
    // The stable key has ties (history of 50, 51, 52): normal approximation.
    assert_eq!(diff(&doc, "custom.stable")["test"], "mann-whitney-u normal");
    assert_eq!(out.status.code(), Some(1));
}

#[test]
fn same_inputs_give_identical_bytes() {
    let d = TempDir::new().unwrap();
    stats_config(d.path());
    write_snapshot(
        d.path(),
        "b.json",
        "b",
        json!({"latency": {"p95": 100.0}, "throughput": 1000.0}),
        json!({"latency.p95": {"samples": [80.0, 120.0, 95.0, 131.0, 70.0, 110.0, 100.0, 91.0, 99.0, 101.0]},
               "throughput": {"samples": [1001.0, 998.0, 1003.0, 995.0, 1000.0, 1000.0, 999.0, 1004.0, 990.0, 1010.0]}}),
    );
    write_snapshot(
        d.path(),
        "c.json",
        "c",
        json!({"latency": {"p95": 112.0}, "throughput": 850.0}),
        json!({"latency.p95": {"samples": [76.0, 125.0, 101.0, 136.0, 85.0, 116.0, 106.0, 97.0, 100.0, 112.0]},
               "throughput": {"samples": [851.0, 848.0, 853.0, 845.0, 850.0, 850.0, 849.0, 854.0, 860.0, 840.0]}}),
    );
    let run = || {
        flameiq(d.path())
            .args(["compare", "--baseline", "b.json", "-m", "c.json", "--json"])
            .output()
            .unwrap()
            .stdout
    };
    let (a, b) = (run(), run());
    assert!(!a.is_empty());
    assert_eq!(a, b);
}

// ---- Verdicts that flameiq-core got wrong (issues 11 and 19) ----

#[test]
fn issue11_defect6_speedup_is_improved_not_a_warning() {
    let d = TempDir::new().unwrap();
    // hyperfine: 3.0 s -> 1.0 s (-66.67 %), a lower-is-better time.
    let info = json!({"custom.work": {"unit": "ms", "direction": "lower_is_better"}});
    write_snapshot(
        d.path(),
        "b.json",
        "b",
        json!({"custom": {"work": 3000.0}}),
        info.clone(),
    );
    write_snapshot(
        d.path(),
        "c.json",
        "c",
        json!({"custom": {"work": 1000.0}}),
        info,
    );
    let (code, doc) = compare(d.path(), &[]);
    assert_eq!(code, 0);
    let w = diff(&doc, "custom.work");
    // flameiq-core's fields keep their values ...
    assert_eq!(w["status"], "WARNING");
    assert_eq!(w["is_warning"], true);
    assert_eq!(doc["counts"]["warnings"], 1);
    // ... and the new flag tells the improvement apart.
    assert_eq!(w["improved"], true);
    // The table says so and never calls it a warning.
    let out = flameiq(d.path())
        .args(["compare", "--baseline", "b.json", "-m", "c.json"])
        .output()
        .unwrap();
    let table = String::from_utf8(out.stdout).unwrap();
    assert!(table.contains("IMPROVED"), "{table}");
    assert!(!table.contains("WARNING"), "{table}");
    assert!(table.contains("✓ PASS"), "{table}");
    assert!(table.contains("1 improved"), "{table}");
}

#[test]
fn issue11_defect6_a_slowdown_near_the_threshold_is_still_a_warning() {
    let d = TempDir::new().unwrap();
    let info = json!({"custom.work": {"unit": "ms", "direction": "lower_is_better"}});
    write_snapshot(
        d.path(),
        "b.json",
        "b",
        json!({"custom": {"work": 100.0}}),
        info.clone(),
    );
    write_snapshot(
        d.path(),
        "c.json",
        "c",
        json!({"custom": {"work": 107.0}}),
        info,
    );
    let (_, doc) = compare(d.path(), &[]);
    assert_eq!(diff(&doc, "custom.work")["improved"], false);
    assert_eq!(diff(&doc, "custom.work")["status"], "WARNING");
}

#[test]
fn issue11_defect7_nothing_compared_is_exit_2() {
    let d = TempDir::new().unwrap();
    let base: serde_json::Map<String, Value> = (0..7)
        .map(|i| (format!("old_{i}"), json!(1.0 + i as f64)))
        .collect();
    write_snapshot(d.path(), "b.json", "b", json!({"custom": base}), json!({}));
    write_snapshot(
        d.path(),
        "c.json",
        "c",
        json!({"custom": {"renamed": 1.0}}),
        json!({}),
    );
    let out = flameiq(d.path())
        .args(["compare", "--baseline", "b.json", "-m", "c.json"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8(out.stderr).unwrap();
    assert!(err.contains("nothing to compare"), "{err}");
    assert!(
        err.contains("'custom.old_0'") && err.contains("and 2 more"),
        "{err}"
    );
    assert!(err.contains("'custom.renamed'"), "{err}");
    assert!(!String::from_utf8(out.stdout).unwrap().contains("PASS"));
    // The same through the store and `report`.
    assert!(flameiq(d.path())
        .args(["baseline", "set", "-m", "b.json"])
        .output()
        .unwrap()
        .status
        .success());
    for args in [
        &["compare", "-m", "c.json"][..],
        &["compare", "-m", "c.json", "--json"],
        &["report", "-m", "c.json", "-o", "r.html"],
        // `flameiq ci` calls the same library function, so it gets the same error.
        &["ci", "--metrics", "c.json", "--mode", "compare"],
    ] {
        let out = flameiq(d.path())
            .env_remove("GITHUB_ACTIONS")
            .env_remove("GITLAB_CI")
            .env_remove("CI")
            .args(args)
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(2), "{args:?}: {out:?}");
        let err = String::from_utf8(out.stderr).unwrap();
        assert!(err.contains("nothing to compare"), "{args:?}: {err}");
    }
}

#[test]
fn issue11_defect7_partial_overlap_still_compares_and_warns() {
    let d = TempDir::new().unwrap();
    write_snapshot(
        d.path(),
        "b.json",
        "b",
        json!({"custom": {"a": 1.0, "gone": 2.0}}),
        json!({}),
    );
    write_snapshot(
        d.path(),
        "c.json",
        "c",
        json!({"custom": {"a": 1.0}}),
        json!({}),
    );
    let (code, doc) = compare(d.path(), &[]);
    assert_eq!(code, 0);
    assert_eq!(doc["missing"], json!(["custom.gone"]));
    assert_eq!(doc["counts"]["total"], 1);
}

#[test]
fn issue19_item6_zero_baseline_with_known_direction_is_judged() {
    let d = TempDir::new().unwrap();
    let info = json!({
        "custom.allocs_per_op": {"unit": "allocs/op", "direction": "lower_is_better"},
        "custom.bytes_per_op": {"unit": "B/op", "direction": "lower_is_better"},
        "custom.hits": {"direction": "higher_is_better"},
        "custom.still_zero": {"direction": "lower_is_better"}
    });
    write_snapshot(
        d.path(),
        "b.json",
        "b",
        json!({"custom": {"allocs_per_op": 0, "bytes_per_op": 0, "hits": 0, "still_zero": 0, "unknown": 0}}),
        info.clone(),
    );
    write_snapshot(
        d.path(),
        "c.json",
        "c",
        json!({"custom": {"allocs_per_op": 12, "bytes_per_op": 4096, "hits": 3, "still_zero": 0, "unknown": 5}}),
        info,
    );
    let (code, doc) = compare(d.path(), &[]);
    assert_eq!(code, 1, "{doc}");
    let a = diff(&doc, "custom.allocs_per_op");
    assert_eq!(a["status"], "REGRESSION");
    assert_eq!(a["change_percent"], Value::Null);
    assert_eq!(a["change_absolute"], 12.0);
    assert_eq!(diff(&doc, "custom.bytes_per_op")["status"], "REGRESSION");
    let h = diff(&doc, "custom.hits");
    assert_eq!(
        (h["is_regression"].as_bool(), h["improved"].as_bool()),
        (Some(false), Some(true))
    );
    assert_eq!(diff(&doc, "custom.still_zero")["status"], "PASS");
    // Nothing says which way `unknown` gets worse: flameiq-core's skip stands.
    assert_eq!(doc["skipped"][0]["metric_key"], "custom.unknown");
    assert_eq!(doc["skipped"].as_array().unwrap().len(), 1);
    // The config's `directions` counts as known too.
    std::fs::write(
        d.path().join("flameiq.yaml"),
        "directions:\n  custom.unknown: lower_is_better\n",
    )
    .unwrap();
    let (_, doc) = compare(d.path(), &[]);
    assert_eq!(diff(&doc, "custom.unknown")["status"], "REGRESSION");
    assert_eq!(doc["skipped"], json!([]));
    // The table shows the absolute change.
    let out = flameiq(d.path())
        .args(["compare", "--baseline", "b.json", "-m", "c.json"])
        .output()
        .unwrap();
    let table = String::from_utf8(out.stdout).unwrap();
    assert!(table.contains("+12 allocs/op from 0"), "{table}");
}

#[test]
fn issue19_item6_negative_baseline_change_is_relative_to_its_magnitude() {
    let d = TempDir::new().unwrap();
    let info = json!({"custom.offset": {"direction": "lower_is_better"}});
    write_snapshot(
        d.path(),
        "b.json",
        "b",
        json!({"custom": {"offset": -10.0}}),
        info.clone(),
    );
    write_snapshot(
        d.path(),
        "c.json",
        "c",
        json!({"custom": {"offset": -5.0}}),
        info,
    );
    let (code, doc) = compare(d.path(), &[]);
    let o = diff(&doc, "custom.offset");
    // -10 -> -5 went up by half of |-10|: +50 %, a regression for lower-is-better.
    assert_eq!(o["change_percent"], 50.0);
    assert_eq!(o["status"], "REGRESSION");
    assert_eq!(code, 1);
}

#[test]
fn issue19_item14_threshold_flag_names_a_key_with_equals() {
    let d = TempDir::new().unwrap();
    let info = json!({"custom.BenchmarkX/n=1000": {"direction": "lower_is_better"}});
    write_snapshot(
        d.path(),
        "b.json",
        "b",
        json!({"custom": {"BenchmarkX/n=1000": 100.0}}),
        info.clone(),
    );
    write_snapshot(
        d.path(),
        "c.json",
        "c",
        json!({"custom": {"BenchmarkX/n=1000": 120.0}}),
        info,
    );
    let (code, doc) = compare(d.path(), &["--threshold", "custom.BenchmarkX/n=1000=25%"]);
    assert_eq!(code, 0, "{doc}");
    assert_eq!(
        diff(&doc, "custom.BenchmarkX/n=1000")["threshold_percent"],
        25.0
    );
}

#[test]
fn issue19_item5_result_document_and_table_name_the_provider() {
    let d = TempDir::new().unwrap();
    write_snapshot(
        d.path(),
        "b.json",
        "b",
        json!({"throughput": 10.0}),
        json!({}),
    );
    write_snapshot(
        d.path(),
        "c.json",
        "c",
        json!({"throughput": 10.0}),
        json!({}),
    );
    let (_, doc) = compare(d.path(), &[]);
    assert_eq!(doc["provider"], "json");
    let out = flameiq(d.path())
        .args([
            "compare",
            "--baseline",
            "b.json",
            "-m",
            "c.json",
            "--provider",
            "auto",
        ])
        .output()
        .unwrap();
    assert!(String::from_utf8(out.stdout)
        .unwrap()
        .contains("Provider: json"));
}

#[test]
fn issue19_item14_table_uses_human_units() {
    let d = TempDir::new().unwrap();
    let info = json!({"custom.tiny": {"unit": "ms", "direction": "lower_is_better"}});
    // 100 ns stored in ms.
    write_snapshot(
        d.path(),
        "b.json",
        "b",
        json!({"custom": {"tiny": 0.0001}}),
        info.clone(),
    );
    write_snapshot(
        d.path(),
        "c.json",
        "c",
        json!({"custom": {"tiny": 0.0001}}),
        info,
    );
    let out = flameiq(d.path())
        .args(["compare", "--baseline", "b.json", "-m", "c.json"])
        .output()
        .unwrap();
    let table = String::from_utf8(out.stdout).unwrap();
    assert!(table.contains("100 ns"), "{table}");
    assert!(!table.contains("0.0001"), "{table}");
}

/// Issue 14, item 4: with statistics on, a file without samples (pytest-benchmark without
/// `--benchmark-save-data`) against a one-run history is 1 vs 1: no test can confirm
/// anything, and a +88 % slowdown used to pass as `INSUFFICIENT_DATA` with exit 0.
#[test]
fn issue14_no_silent_pass_one_vs_one_run_plus_88_percent_fails_the_gate() {
    let d = TempDir::new().unwrap();
    stats_config(d.path());
    write_snapshot(
        d.path(),
        "b.json",
        "b",
        json!({"custom": {"parse_ms": 10.0, "steady_ms": 5.0}}),
        json!({}),
    );
    let set = flameiq(d.path())
        .args(["baseline", "set", "-m", "b.json"])
        .output()
        .unwrap();
    assert_eq!(set.status.code(), Some(0));
    write_snapshot(
        d.path(),
        "c.json",
        "c",
        json!({"custom": {"parse_ms": 18.8, "steady_ms": 5.0}}),
        json!({}),
    );
    let out = flameiq(d.path())
        .args(["compare", "-m", "c.json", "--json"])
        .output()
        .unwrap();
    let doc: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(out.status.code(), Some(1), "{doc}");
    assert_eq!(doc["status"], "regression");
    let parse = diff(&doc, "custom.parse_ms");
    assert_eq!(parse["change_percent"], 88.0);
    assert_eq!(parse["status"], "REGRESSION");
    assert_eq!(parse["is_regression"], true);
    assert_eq!(parse["test"], "threshold only: too few samples");
    // Unchanged and unconfirmable: still said, never silently passed.
    assert_eq!(
        diff(&doc, "custom.steady_ms")["status"],
        "INSUFFICIENT_DATA"
    );

    // The user's choice: `insufficient: pass` keeps the old verdict.
    stats_config_insufficient_passes(d.path());
    let out = flameiq(d.path())
        .args(["compare", "-m", "c.json", "--json"])
        .output()
        .unwrap();
    let doc: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(out.status.code(), Some(0), "{doc}");
    assert_eq!(diff(&doc, "custom.parse_ms")["status"], "INSUFFICIENT_DATA");

    // A bad value is a config error naming the key.
    std::fs::write(
        d.path().join("flameiq.yaml"),
        "statistics:\n  enabled: true\n  insufficient: maybe\n",
    )
    .unwrap();
    let out = flameiq(d.path())
        .args(["compare", "-m", "c.json"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("statistics.insufficient"));
}

/// The same breach as the 3 vs 3 case above, judged by default: by its threshold.
#[test]
fn issue14_no_silent_pass_three_vs_three_breach_is_a_threshold_regression() {
    let d = TempDir::new().unwrap();
    stats_config(d.path());
    three_vs_three_breach(d.path());
    let (code, doc) = compare(d.path(), &[]);
    assert_eq!(code, 1, "{doc}");
    let p95 = diff(&doc, "latency.p95");
    assert_eq!(p95["status"], "REGRESSION");
    assert_eq!(p95["test"], "threshold only: too few samples");
    // The test's own number is kept for the reader.
    assert_eq!(p95["p_value"], 0.05);
}
