//! Change points (issue 14): the detector against Apache Otava 0.8 on generated series (a
//! differential test), and `flameiq changes` over a real store.
//!
//! Otava runs as `$FLAMEIQ_OTAVA_PYTHON tests/support/otava_changes.py` (default
//! `python3`). `.ci/run` installs it in a venv and sets `FLAMEIQ_REQUIRE_OTAVA=1`, so in CI
//! a missing Otava fails these tests instead of skipping them.

use assert_cmd::Command;
use flameiq::compare::changes::{change_points, ChangeConfig};
use serde_json::{json, Value};
use std::io::Write;
use std::path::Path;
use tempfile::TempDir;

fn otava_python() -> Option<String> {
    let py = std::env::var("FLAMEIQ_OTAVA_PYTHON").unwrap_or_else(|_| "python3".into());
    let ok = std::process::Command::new(&py)
        .args(["-c", "import otava.analysis"])
        .output()
        .is_ok_and(|o| o.status.success());
    if !ok {
        assert!(
            std::env::var("FLAMEIQ_REQUIRE_OTAVA").is_err(),
            "Apache Otava is required (FLAMEIQ_REQUIRE_OTAVA is set) but '{py}' cannot import it"
        );
        eprintln!("skipping: Apache Otava is not installed (pip install apache-otava==0.8.0)");
        return None;
    }
    Some(py)
}

/// Otava's change points for each case.
fn otava(py: &str, cases: &[Case]) -> Vec<Vec<Value>> {
    let doc = json!({"series": cases.iter().map(|c| json!({
        "values": c.values, "window": c.cfg.window,
        "max_pvalue": c.cfg.max_pvalue, "min_magnitude": c.cfg.min_magnitude,
    })).collect::<Vec<_>>()});
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/support/otava_changes.py");
    let mut child = std::process::Command::new(py)
        .arg(script)
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .spawn()
        .expect("otava runs");
    child
        .stdin
        .take()
        .unwrap()
        .write_all(doc.to_string().as_bytes())
        .unwrap();
    let out = child.wait_with_output().unwrap();
    assert!(out.status.success(), "otava failed");
    serde_json::from_slice(&out.stdout).unwrap()
}

/// Deterministic xorshift noise generator.
struct Rng(u64);
impl Rng {
    /// A generator whose first outputs are already well mixed.
    fn new(seed: u64) -> Rng {
        let mut r = Rng(seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1);
        for _ in 0..16 {
            r.next();
        }
        r
    }
    fn next(&mut self) -> f64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        (self.0 >> 11) as f64 / (1u64 << 53) as f64
    }
    /// Roughly normal (Irwin-Hall of 12 uniforms), mean 0, sd 1.
    fn normal(&mut self) -> f64 {
        (0..12).map(|_| self.next()).sum::<f64>() - 6.0
    }
}

struct Case {
    name: String,
    values: Vec<f64>,
    cfg: ChangeConfig,
}

/// Series like real benchmark histories: a level, relative noise (normal, or normal with
/// the one-sided spikes of a loaded runner), and zero to three steps of 2–40 %.
fn cases() -> Vec<Case> {
    let mut rng = Rng::new(0x5eed_1234_abcd_0001);
    let mut out = Vec::new();
    for i in 0..48 {
        let n = [20, 35, 60, 100, 160, 250, 400][i % 7];
        let level = 10f64.powf(rng.next() * 4.0 - 1.0);
        let cv = [0.005, 0.02, 0.05][i % 3];
        let spiky = i % 4 == 3;
        let steps = i % 4;
        let mut at: Vec<usize> = (0..steps)
            .map(|_| 5 + (rng.next() * (n - 10) as f64) as usize)
            .collect();
        at.sort_unstable();
        let sizes: Vec<f64> = (0..steps)
            .map(|_| {
                let s = 0.02 + rng.next() * 0.38;
                if rng.next() < 0.5 {
                    s
                } else {
                    -s / (1.0 + s)
                }
            })
            .collect();
        let values = (0..n)
            .map(|t| {
                let mut mean = level;
                for (a, s) in at.iter().zip(&sizes) {
                    if t >= *a {
                        mean *= 1.0 + s;
                    }
                }
                let mut v = mean * (1.0 + cv * rng.normal());
                if spiky && rng.next() < 0.05 {
                    v *= 1.0 + 0.3 * rng.next();
                }
                v
            })
            .collect();
        let cfg = ChangeConfig {
            window: [50, 50, 30, 20][i % 4],
            max_pvalue: if i % 5 == 4 { 0.01 } else { 0.001 },
            min_magnitude: if i % 6 == 5 { 0.05 } else { 0.0 },
        };
        out.push(Case {
            name: format!(
                "case {i}: n={n} cv={cv} spiky={spiky} steps at {at:?} sizes {sizes:?} {cfg:?}"
            ),
            values,
            cfg,
        });
    }
    out
}

fn close(a: f64, b: f64, tol: f64) -> bool {
    (a - b).abs() <= tol * b.abs().max(1e-300)
}

#[test]
fn issue14_same_change_points_as_otava() {
    let Some(py) = otava_python() else { return };
    let cases = cases();
    let theirs = otava(&py, &cases);
    let mut found = 0;
    for (case, want) in cases.iter().zip(&theirs) {
        let want_idx: Vec<usize> = want
            .iter()
            .map(|c| c["index"].as_u64().unwrap() as usize)
            .collect();
        let ours = change_points(&case.values, &case.cfg);
        let ours_idx: Vec<usize> = ours.iter().map(|c| c.index).collect();
        assert_eq!(ours_idx, want_idx, "{}", case.name);
        for (o, w) in ours.iter().zip(want) {
            assert!(
                close(o.before, w["before"].as_f64().unwrap(), 1e-9),
                "{}",
                case.name
            );
            assert!(
                close(o.after, w["after"].as_f64().unwrap(), 1e-9),
                "{}",
                case.name
            );
            assert!(
                close(o.p_value, w["p_value"].as_f64().unwrap(), 1e-6),
                "{}: p {} vs {}",
                case.name,
                o.p_value,
                w["p_value"]
            );
        }
        found += ours.len();
    }
    // The generated series must exercise the detector.
    assert!(found >= 60, "only {found} change points in all cases");
}

/// A history line in schema v1, as the store writes it.
fn run_line(i: usize, metrics: Value) -> String {
    json!({
        "schema_version": 1,
        "metadata": {
            "run_id": format!("00000000-0000-4000-8000-{i:012}"),
            "commit": format!("{i:040x}"),
            "branch": "main",
            "timestamp": format!("2026-01-01T00:{:02}:{:02}", i / 60, i % 60),
            "environment": "ci",
            "tags": {},
        },
        "metrics": metrics,
    })
    .to_string()
}

fn flameiq(dir: &Path) -> Command {
    let mut c = Command::cargo_bin("flameiq").unwrap();
    c.current_dir(dir)
        .env_remove("FLAMEIQ_CONFIG")
        .env_remove("FLAMEIQ_DIR");
    c
}

#[test]
fn issue14_changes_command_reads_the_store_history() {
    let tmp = TempDir::new().unwrap();
    let hist = tmp.path().join(".flameiq/baselines");
    std::fs::create_dir_all(&hist).unwrap();
    let mut rng = Rng::new(99);
    let mut lines = String::new();
    let mut parse = Vec::new();
    for i in 0..120 {
        let p = 20.0 * (1.0 + 0.01 * rng.normal()) * if i >= 70 { 1.15 } else { 1.0 };
        parse.push(p);
        // `custom.sometimes` is missing from every third run: a shorter series.
        let m = if i % 3 == 0 {
            json!({"custom": {"parse_ms": p}, "throughput": 1000.0 + rng.normal()})
        } else {
            json!({"custom": {"parse_ms": p, "sometimes": if i >= 40 { 8.0 } else { 4.0 } + 0.01 * rng.normal()},
                   "throughput": 1000.0 + rng.normal()})
        };
        lines.push_str(&run_line(i, m));
        lines.push('\n');
    }
    std::fs::write(hist.join("history.jsonl"), &lines).unwrap();

    let out = flameiq(tmp.path())
        .args(["changes", "--json"])
        .output()
        .unwrap();
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let doc: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(doc["runs"], 120);
    assert_eq!(doc["environment"], "default");
    // The +15 % step at run 70 is found, with the run's commit; E-Divisive may also mark
    // a small wobble of the noise (as Otava does on the same series), never a big one.
    let parse_cps = doc["metrics"]["custom.parse_ms"]["change_points"]
        .as_array()
        .unwrap();
    let step = parse_cps
        .iter()
        .find(|c| c["index"] == 70)
        .expect("step at 70");
    assert_eq!(step["commit"], format!("{:040x}", 70));
    assert_eq!(step["branch"], "main");
    let pct = step["change_percent"].as_f64().unwrap();
    assert!((pct - 15.0).abs() < 1.5, "{pct}");
    assert!(step["p_value"].as_f64().unwrap() < 0.001);
    for c in parse_cps.iter().filter(|c| c["index"] != 70) {
        assert!(c["change_percent"].as_f64().unwrap().abs() < 3.0, "{c}");
    }
    // The library agrees with the command on the same series.
    let lib: Vec<u64> = change_points(&parse, &ChangeConfig::default())
        .iter()
        .map(|c| c.index as u64)
        .collect();
    let cmd: Vec<u64> = parse_cps
        .iter()
        .map(|c| c["index"].as_u64().unwrap())
        .collect();
    assert_eq!(lib, cmd);

    // The gappy metric: index counts its own runs (80 of 120), and the commit is the run's.
    let some = &doc["metrics"]["custom.sometimes"];
    assert_eq!(some["runs"], 80);
    let cp = &some["change_points"][0];
    let run = (0..120)
        .filter(|i| i % 3 != 0)
        .nth(cp["index"].as_u64().unwrap() as usize)
        .unwrap();
    assert_eq!(run, 40, "{some}");
    assert_eq!(cp["commit"], format!("{:040x}", 40));
    assert_eq!(doc["metrics"]["throughput"]["change_points"], json!([]));

    // Same history, same bytes.
    let again = flameiq(tmp.path())
        .args(["changes", "--json"])
        .output()
        .unwrap();
    assert_eq!(out.stdout, again.stdout);

    // --metric filters; the human output names the change.
    let human = flameiq(tmp.path())
        .args(["changes", "--metric", "custom.parse*"])
        .output()
        .unwrap();
    let text = String::from_utf8(human.stdout).unwrap();
    assert!(text.contains("custom.parse_ms (120 runs)"), "{text}");
    assert!(text.contains("at run 70"), "{text}");
    assert!(!text.contains("sometimes"), "{text}");
}

#[test]
fn issue14_changes_without_history_is_exit_2() {
    let tmp = TempDir::new().unwrap();
    let out = flameiq(tmp.path()).args(["changes"]).output().unwrap();
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8(out.stderr).unwrap();
    assert_eq!(err.lines().count(), 1, "{err}");
    assert!(err.contains("no history at"), "{err}");
}

#[test]
fn issue14_changes_config_is_validated_and_honoured() {
    let tmp = TempDir::new().unwrap();
    let hist = tmp.path().join(".flameiq/baselines");
    std::fs::create_dir_all(&hist).unwrap();
    let mut lines = String::new();
    let mut rng = Rng::new(5);
    for i in 0..60 {
        let v = 100.0 * (1.0 + 0.002 * rng.normal()) * if i >= 30 { 1.01 } else { 1.0 };
        lines.push_str(&run_line(i, json!({"custom": {"x": v}})));
        lines.push('\n');
    }
    std::fs::write(hist.join("history.jsonl"), &lines).unwrap();
    let count = |cfg: &str| {
        std::fs::write(tmp.path().join("flameiq.yaml"), cfg).unwrap();
        let out = flameiq(tmp.path())
            .args(["changes", "--json"])
            .output()
            .unwrap();
        assert_eq!(
            out.status.code(),
            Some(0),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        let doc: Value = serde_json::from_slice(&out.stdout).unwrap();
        doc["metrics"]["custom.x"]["change_points"]
            .as_array()
            .unwrap()
            .len()
    };
    assert_eq!(count(""), 1);
    // A +1 % step is below a 5 % magnitude floor.
    assert_eq!(count("changes:\n  min_magnitude: 0.05\n"), 0);
    std::fs::write(tmp.path().join("flameiq.yaml"), "changes:\n  window: 1\n").unwrap();
    let out = flameiq(tmp.path()).args(["changes"]).output().unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("changes.window"));
}
