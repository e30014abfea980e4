//! Providers under hostile or unlucky input (issues 19 and 11): decoy lines that try to
//! steer `auto`, duplicate names by the ten thousand, bad bytes in console output, a tool's
//! file given to the schema v1 reader, and several metrics files merged into one run.

use flameiq::providers::{self, Input, ProviderKind};
use predicates::prelude::PredicateBooleanExt;

mod common;
use common::bin::flameiq;
use common::fixtures::fixture;

/// The Go fixture with every `ns/op` value multiplied by `factor`.
fn go_scaled(factor: f64) -> String {
    let text = std::fs::read_to_string(fixture("go/benchmem_count2_subbenchmarks.txt")).unwrap();
    text.lines()
        .map(|l| {
            let t: Vec<&str> = l.split_whitespace().collect();
            if l.starts_with("Benchmark") && t.get(3) == Some(&"ns/op") {
                let v: f64 = t[2].parse().unwrap();
                let mut t: Vec<String> = t.iter().map(|s| s.to_string()).collect();
                t[2] = format!("{}", v * factor);
                t.join("\t")
            } else {
                l.to_string()
            }
        })
        .collect::<Vec<_>>()
        .join("\n")
        + "\n"
}

fn text_input(text: &str) -> Input {
    Input::from_text("out.txt", text)
}

/// Issue 19 item 5: one libtest line printed by a Go benchmark used to switch `auto` to
/// cargo-bench, so every baseline key went missing and a 10x slowdown passed.
#[test]
fn issue19_item5_decoy_line_does_not_steer_auto() {
    let decoy = go_scaled(10.0).replacen(
        "PASS\n",
        "test decoy ... bench:           1 ns/iter (+/- 0)\nPASS\n",
        1,
    );
    assert_eq!(
        providers::detect(&text_input(&decoy)).unwrap(),
        ProviderKind::Go
    );
    let tmp = tempfile::tempdir().unwrap();
    std::fs::write(tmp.path().join("base.txt"), go_scaled(1.0)).unwrap();
    std::fs::write(tmp.path().join("pr.txt"), &decoy).unwrap();
    flameiq(tmp.path())
        .args([
            "baseline",
            "set",
            "--provider",
            "auto",
            "--metrics",
            "base.txt",
        ])
        .assert()
        .success();
    let out = flameiq(tmp.path())
        .args([
            "compare",
            "--json",
            "--provider",
            "auto",
            "--metrics",
            "pr.txt",
        ])
        .output()
        .unwrap();
    assert_eq!(
        out.status.code(),
        Some(1),
        "a 10x slowdown must regress: {}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
}

/// Issue 19 item 5: a file two line formats both read in good part is refused, naming both
/// and the flag, rather than read by whichever comes first.
#[test]
fn issue19_item5_mixed_file_is_refused_naming_both() {
    let mut mixed = String::new();
    for i in 0..4 {
        mixed.push_str(&format!("BenchmarkGo{i}-2 \t 100\t {} ns/op\n", 10 + i));
        mixed.push_str(&format!(
            "test rust{i} ... bench: {} ns/iter (+/- 1)\n",
            10 + i
        ));
    }
    let e = providers::detect(&text_input(&mixed)).unwrap_err();
    assert_eq!(e.exit_code(), 3);
    let msg = e.to_string();
    for want in ["go", "cargo-bench", "--provider"] {
        assert!(msg.contains(want), "{msg}");
    }
    let tmp = tempfile::tempdir().unwrap();
    std::fs::write(tmp.path().join("mixed.txt"), &mixed).unwrap();
    flameiq(tmp.path())
        .args(["run", "--provider", "auto", "--metrics", "mixed.txt"])
        .assert()
        .code(3)
        .stderr(
            predicates::str::contains("cargo-bench").and(predicates::str::contains("mixed.txt")),
        );
    // Naming the provider reads the chosen part.
    let (snap, kind) = providers::load(&tmp.path().join("mixed.txt"), "go").unwrap();
    assert_eq!((kind, snap.metrics.len()), (ProviderKind::Go, 4));
}

/// Issue 19 item 5: the other line formats are not steered by a decoy either.
#[test]
fn issue19_item5_decoys_in_each_line_format() {
    let cases = [
        (
            ProviderKind::CargoBench,
            "test a ... bench: 10 ns/iter (+/- 1)\ntest b ... bench: 20 ns/iter (+/- 1)\n",
        ),
        (
            ProviderKind::BenchmarkJs,
            "a x 1,000 ops/sec ±1% (90 runs sampled)\nb x 2,000 ops/sec ±1% (90 runs sampled)\n",
        ),
    ];
    for (kind, body) in cases {
        let mut text = String::new();
        for _ in 0..10 {
            text.push_str(body);
        }
        text.push_str("BenchmarkDecoy-2 \t 1\t 1 ns/op\n");
        if kind != ProviderKind::CargoBench {
            text.push_str("test decoy ... bench: 1 ns/iter (+/- 0)\n");
        }
        assert_eq!(providers::detect(&text_input(&text)).unwrap(), kind);
    }
}

/// Issue 19 item 7: duplicates keep flameiq-core's scheme exactly: the smallest free
/// `#n`, also when a real name already looks like a numbered duplicate. (The speed is
/// measured in `benches/parse.rs`, `duplicates`.)
#[test]
fn issue19_item7_duplicate_keys_keep_the_smallest_free_number() {
    let text = "test a ... bench: 1 ns/iter (+/- 0)\n\
                test a#3 ... bench: 2 ns/iter (+/- 0)\n\
                test a ... bench: 3 ns/iter (+/- 0)\n\
                test a ... bench: 4 ns/iter (+/- 0)\n\
                test a#2#2 ... bench: 5 ns/iter (+/- 0)\n\
                test a ... bench: 6 ns/iter (+/- 0)\n\
                test a#2 ... bench: 7 ns/iter (+/- 0)\n\
                test a ... bench: 8 ns/iter (+/- 0)\n";
    let snap = ProviderKind::CargoBench
        .provider()
        .parse(&text_input(text))
        .unwrap();
    let keys: Vec<&str> = snap.metrics.keys().map(String::as_str).collect();
    assert_eq!(
        keys,
        [
            "custom.a",
            "custom.a#3",
            "custom.a#2",
            "custom.a#4",
            "custom.a#2#2",
            "custom.a#5",
            "custom.a#2#3",
            "custom.a#6"
        ]
    );
    // Many duplicates: every key distinct and numbered in order.
    let many: String = (0..3000)
        .map(|i| format!("test d ... bench: {} ns/iter (+/- 0)\n", i + 1))
        .collect();
    let snap = ProviderKind::CargoBench
        .provider()
        .parse(&text_input(&many))
        .unwrap();
    assert_eq!(snap.metrics.len(), 3000);
    assert_eq!(snap.get("custom.d#3000"), Some(0.003));
}

/// Issue 19 item 14: one byte that is not UTF-8 in console output no longer rejects the
/// whole file: it is read, with a warning naming the file and the count; JSON formats
/// still refuse it, naming the file.
#[test]
fn issue19_item14_invalid_utf8_in_console_output_is_a_warning() {
    let tmp = tempfile::tempdir().unwrap();
    let mut bytes = b"BenchmarkA-2 \t 100\t 5 ns/op\n".to_vec();
    bytes.extend_from_slice(b"log: \xff\xfe bad bytes\n");
    bytes.extend_from_slice(b"BenchmarkB-2 \t 100\t 7 ns/op\n");
    std::fs::write(tmp.path().join("go.txt"), &bytes).unwrap();
    let out = flameiq(tmp.path())
        .args(["run", "--json", "--provider", "auto", "--metrics", "go.txt"])
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{stderr}");
    assert!(
        stderr.contains("warning") && stderr.contains("go.txt") && stderr.contains("2 byte"),
        "{stderr}"
    );
    let doc: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(doc["metrics_count"], 2);
    assert_eq!(doc["provider"], "go");

    let mut json = br#"{"results": [{"command": "x"#.to_vec();
    json.push(0xff);
    json.extend_from_slice(br#"", "mean": 0.1}]}"#);
    std::fs::write(tmp.path().join("h.json"), &json).unwrap();
    flameiq(tmp.path())
        .args(["run", "--provider", "hyperfine", "--metrics", "h.json"])
        .assert()
        .code(3)
        .stderr(predicates::str::contains("h.json").and(predicates::str::contains("UTF-8")));
}

/// Issue 11 defect 8: `flameiq init` writes `provider: json`; a pytest-benchmark file then
/// failed with only "'schema_version' is missing". The error names the format and the flag.
#[test]
fn issue11_defect8_schema_v1_error_names_the_detected_format() {
    let tmp = tempfile::tempdir().unwrap();
    flameiq(tmp.path()).arg("init").assert().success();
    let out = flameiq(tmp.path())
        .args(["baseline", "set", "--metrics"])
        .arg(fixture("pytest-benchmark/params_and_groups.json"))
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(3));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("schema_version")
            && stderr.contains("looks like pytest-benchmark output")
            && stderr.contains("--provider pytest-benchmark")
            && stderr.contains("provider: auto"),
        "{stderr}"
    );
    // A file no provider recognises keeps the plain message.
    std::fs::write(tmp.path().join("x.json"), r#"{"metrics": {"a": 1}}"#).unwrap();
    flameiq(tmp.path())
        .args(["validate", "x.json"])
        .assert()
        .code(3)
        .stderr(predicates::str::contains("looks like").not());
}

/// Issue 11 defect 9: hyperfine keys from command lines are readable: `./work.sh` is
/// `custom.work.sh`, whitespace runs are one space.
#[test]
fn issue11_defect9_hyperfine_keys_are_readable() {
    let text = r#"{"results": [
        {"command": "./work.sh", "mean": 0.002, "times": [0.002]},
        {"command": "./work.sh   --fast\t-n 2", "mean": 0.001, "times": [0.001]},
        {"command": "work.sh", "mean": 0.003, "times": [0.003]}]}"#;
    let snap = ProviderKind::Hyperfine
        .provider()
        .parse(&text_input(text))
        .unwrap();
    let keys: Vec<&str> = snap.metrics.keys().map(String::as_str).collect();
    assert_eq!(
        keys,
        [
            "custom.work.sh",
            "custom.work.sh --fast -n 2",
            "custom.work.sh#2"
        ]
    );
}

/// Issue 11 (several tools in one run): `--metrics` is repeatable, each optionally
/// `PROVIDER:FILE`, merged into one snapshot; a path with a colon that is not a provider
/// name is a path.
#[test]
fn issue11_several_tools_in_one_run_are_merged() {
    let tmp = tempfile::tempdir().unwrap();
    std::fs::write(tmp.path().join("go.txt"), go_scaled(1.0)).unwrap();
    std::fs::create_dir(tmp.path().join("a:b")).unwrap();
    std::fs::copy(
        fixture("hyperfine/two_commands.json"),
        tmp.path().join("a:b/cli.json"),
    )
    .unwrap();
    let out = flameiq(tmp.path())
        .args(["run", "--json", "--metrics", "go:go.txt", "--metrics"])
        .arg("hyperfine:a:b/cli.json")
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let doc: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(doc["provider"], "go, hyperfine");
    let keys: Vec<&str> = doc["metrics"]
        .as_object()
        .unwrap()
        .keys()
        .map(String::as_str)
        .collect();
    assert!(keys.contains(&"custom.BenchmarkItoa"), "{keys:?}");
    assert!(keys.contains(&"custom.noop"), "{keys:?}");
    // The whole flow: baseline from both, compare both (`auto` for the unprefixed one).
    flameiq(tmp.path())
        .args(["baseline", "set", "--metrics", "go:go.txt", "--metrics"])
        .arg("hyperfine:a:b/cli.json")
        .assert()
        .success();
    flameiq(tmp.path())
        .args([
            "compare",
            "--provider",
            "auto",
            "--metrics",
            "go.txt",
            "--metrics",
        ])
        .arg("a:b/cli.json")
        .assert()
        .code(0);
    // The library's parsing of the prefix.
    let spec = providers::MetricsSpec::parse("C:\\bench\\go.txt");
    assert_eq!(
        (spec.provider, spec.path),
        (None, "C:\\bench\\go.txt".into())
    );
    let spec = providers::MetricsSpec::parse("go:C:\\go.txt");
    assert_eq!(spec.provider.as_deref(), Some("go"));
}

/// Issue 11 (several tools in one run): a key produced by two files is exit 3 naming the
/// key and both files, and nothing is stored.
#[test]
fn issue11_key_from_two_files_is_exit_3_naming_both() {
    let tmp = tempfile::tempdir().unwrap();
    std::fs::write(tmp.path().join("one.txt"), go_scaled(1.0)).unwrap();
    std::fs::write(tmp.path().join("two.txt"), go_scaled(2.0)).unwrap();
    let out = flameiq(tmp.path())
        .args(["baseline", "set", "--provider", "go"])
        .args(["--metrics", "one.txt", "--metrics", "two.txt"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(3));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("one.txt")
            && stderr.contains("two.txt")
            && stderr.contains("custom.BenchmarkSprintf"),
        "{stderr}"
    );
    assert!(!tmp.path().join(".flameiq").join("current.json").exists());
}
