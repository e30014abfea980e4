//! Providers over real tool outputs (issue 4): every fixture under `tests/fixtures/` is read
//! by its provider and by `auto`, its normalised keys, values, units, directions and samples
//! are snapshotted, a few values and unit conversions are checked by hand, and the CLI
//! round trip (`run --output`, `validate`, `baseline set`, `compare`) accepts every kind.

use flameiq::providers::{Input, ProviderKind};
use flameiq::schema::{Direction, Snapshot};

mod common;
use common::bin::flameiq;
use common::fixtures::{fixture, provider_fixtures, provider_of};

/// Fixtures no provider reads (criterion's console output, once here, is read since issue 16).
const UNREADABLE: &[&str] = &[];

fn load(provider: &str, rel: &str) -> Snapshot {
    let (snap, kind) = flameiq::providers::load(&fixture(rel), provider)
        .unwrap_or_else(|e| panic!("{provider} on {rel}: {e}"));
    assert_eq!(kind.name(), provider);
    snap
}

/// The normalised content: one line per key with value, unit, direction and samples.
fn render(snap: &Snapshot) -> String {
    let mut out = String::new();
    for (key, value) in snap.flat() {
        let info = snap.metrics.info(key).cloned().unwrap_or_default();
        let dir = info.direction.map_or("-", Direction::as_str);
        let unit = info.unit.as_deref().unwrap_or("-");
        let s = &info.samples;
        let shown: Vec<String> = s.iter().take(4).map(|x| x.to_string()).collect();
        let more = if s.len() > 4 { ", ..." } else { "" };
        // A run's reported range, for tools that give it without samples (issue 14).
        let range = match (info.min, info.max) {
            (None, None) => String::new(),
            (lo, hi) => format!(" min={lo:?} max={hi:?}"),
        };
        out.push_str(&format!(
            "{key} = {value} {unit} {dir} samples={} [{}{more}]{range}\n",
            s.len(),
            shown.join(", ")
        ));
    }
    out
}

fn close(a: f64, b: f64) -> bool {
    (a - b).abs() <= 1e-12 * a.abs().max(b.abs())
}

#[track_caller]
fn assert_metric(snap: &Snapshot, key: &str, value: f64, unit: &str, dir: Direction) {
    let got = snap
        .get(key)
        .unwrap_or_else(|| panic!("no key '{key}' in {:?}", snap.metrics.keys()));
    assert!(close(got, value), "{key}: {got} != {value}");
    let info = &snap.metrics.info(key).unwrap();
    assert_eq!(info.unit.as_deref(), Some(unit), "{key} unit");
    assert_eq!(info.direction, Some(dir), "{key} direction");
}

/// The fixture folders are the list ([`common::fixtures::provider_fixtures`]): every
/// provider but `json` (a schema v1 file, tested in tests/cli.rs) has a folder with at
/// least one fixture, and every file of a provider folder is one (none is passed over).
#[test]
fn fixture_list_is_complete() {
    let fixtures = provider_fixtures();
    for kind in ProviderKind::ALL {
        let name = kind.name();
        if name == "json" {
            continue;
        }
        assert!(
            fixtures.iter().any(|(p, _)| p == name),
            "provider {name} has no fixture folder under tests/fixtures/"
        );
    }
    for (provider, rel) in &fixtures {
        assert_eq!(
            provider_of(rel).as_deref(),
            Some(provider.as_str()),
            "{rel}"
        );
    }
}

/// One snapshot a fixture, driven from the folders by `insta::glob!` (a new fixture gets a
/// new snapshot to review).
#[test]
fn snapshots_of_every_fixture() {
    insta::glob!("fixtures", "*/*", |path| {
        let rel = path
            .strip_prefix(fixture(""))
            .unwrap()
            .to_string_lossy()
            .into_owned();
        let Some(provider) = provider_of(&rel) else {
            return;
        };
        let snap = load(&provider, &rel);
        assert!(!snap.metrics.is_empty(), "{rel}");
        insta::assert_snapshot!(render(&snap));
    });
}

#[test]
fn same_input_same_output() {
    for (provider, rel) in &provider_fixtures() {
        assert_eq!(
            render(&load(provider, rel)),
            render(&load(provider, rel)),
            "{rel}"
        );
    }
}

#[test]
fn exact_values_and_unit_conversions() {
    use Direction::{HigherIsBetter as Higher, LowerIsBetter as Lower};
    // ns → ms, thousands separators.
    let s = load("cargo-bench", "cargo-bench/libtest_output.txt");
    assert_metric(&s, "custom.bench_fib_20", 0.018149, "ms", Lower);
    let s = load("cargo-bench", "cargo-bench/criterion_bencher_format.txt");
    assert_metric(&s, "custom.vec push 100", 0.00046, "ms", Lower);
    // Units other than time are kept, with a rate's direction.
    let s = load("cargo-bench", "cargo-bench/libtest_units.txt");
    assert_metric(&s, "custom.cmov", 2835.0, "cycles/iter", Lower);
    assert_metric(&s, "custom.download", 9001.0, "MS/s", Higher);

    // go: -count 2 → median, repeats kept as samples; -2 stripped; benchmem measures.
    let s = load("go", "go/benchmem_count2_subbenchmarks.txt");
    assert_metric(
        &s,
        "custom.BenchmarkSprintf",
        (171.9 + 91.24) / 2.0 / 1e6,
        "ms",
        Lower,
    );
    assert_eq!(
        s.metrics.info("custom.BenchmarkSprintf").unwrap().samples,
        vec![171.9 / 1e6, 91.24 / 1e6]
    );
    assert_metric(&s, "custom.BenchmarkSprintf.bytes_per_op", 15.0, "B", Lower);
    assert_metric(
        &s,
        "custom.BenchmarkItoa.allocs_per_op",
        0.0,
        "allocs",
        Lower,
    );
    assert_metric(
        &s,
        "custom.BenchmarkParse/small.mb_per_s",
        344.47,
        "MB/s",
        Higher,
    );
    // Same benchmark name in two packages: Go's qualified names.
    let s = load("go", "go/duplicate_names_multi_package.txt");
    assert_metric(
        &s,
        "custom.github.com/gofiber/fiber/v3/middleware/csrf.BenchmarkAppendMsgitem",
        0.3733 / 1e6,
        "ms",
        Lower,
    );
    assert!(s
        .get("custom.github.com/gofiber/fiber/v3/middleware/cache.BenchmarkAppendMsgitem")
        .is_some());

    // Google Benchmark: us → ms; repetitions → median of the iteration rows (which is
    // the file's own `_median` aggregate), aggregates are not keys.
    let s = load(
        "google-benchmark",
        "google-benchmark/repetitions_with_aggregates.json",
    );
    assert_metric(
        &s,
        "custom.BM_MapInsert/8",
        0.22374182947982327 / 1e3,
        "ms",
        Lower,
    );
    assert_eq!(
        s.metrics
            .info("custom.BM_MapInsert/8")
            .unwrap()
            .samples
            .len(),
        3
    );
    assert!(s
        .metrics
        .keys()
        .all(|k| !k.contains("_mean") && !k.contains("_stddev")));
    // Issue 14 (CPU contention doubles wall time, not CPU time): `cpu_time` is the further
    // measure `.cpu_time`, the median of the iteration rows (the middle repetition's
    // 0.2227 us, not the `_median` aggregate row's own), with the repetitions as samples.
    assert_metric(
        &s,
        "custom.BM_MapInsert/8.cpu_time",
        0.2227036976785802 / 1e3,
        "ms",
        Lower,
    );
    let cpu = &s
        .metrics
        .info("custom.BM_MapInsert/8.cpu_time")
        .unwrap()
        .samples;
    assert_eq!(cpu.len(), 3);
    assert!(close(cpu[2], 0.22553192562346475 / 1e3));
    let s = load("google-benchmark", "google-benchmark/range_and_units.json");
    // Converted from the row's own time_unit, like real_time.
    assert_metric(
        &s,
        "custom.BM_Concat.cpu_time",
        7.8052015783474324 / 1e6,
        "ms",
        Lower,
    );
    assert_metric(&s, "custom.BM_Concat", 7.804415140081984 / 1e6, "ms", Lower);
    assert_metric(
        &s,
        "custom.BM_Concat.bytes_per_second",
        2.5623937830744055e8,
        "B/s",
        Higher,
    );

    // hyperfine: s → ms, `times` as samples.
    let s = load("hyperfine", "hyperfine/two_commands.json");
    assert_metric(&s, "custom.noop", 3.545454375, "ms", Lower);
    let samples = &s.metrics.info("custom.noop").unwrap().samples;
    assert_eq!(samples.len(), 8);
    assert!(close(samples[0], 1.057071));

    // Catch2: ns and us → ms, console and XML.
    let s = load("catch2", "catch2/catch2_v3_console.txt");
    assert_metric(&s, "custom.Fibonacci 10", 0.000344, "ms", Lower);
    assert_metric(&s, "custom.Fibonacci 20", 0.041731, "ms", Lower);
    let s = load("catch2", "catch2/xml_reporter.xml");
    assert_metric(&s, "custom.to_string 12345", 9.51676 / 1e6, "ms", Lower);

    // benchmark.js: ops/sec, higher is better.
    let s = load("benchmarkjs", "benchmarkjs/two_suites.txt");
    assert_metric(&s, "custom.JSON.parse small", 991461.0, "ops/s", Higher);

    // JMH: thrpt in ops/s is higher is better; a time per op is ms, lower is better.
    let s = load("jmh", "jmh/throughput.json");
    let key = "custom.org.openjdk.jmh.samples.JMHSample_01_HelloWorld.wellHelloThere";
    assert_metric(&s, key, 3.3762388731228185e9, "ops/s", Higher);
    assert_eq!(s.metrics.info(key).unwrap().samples.len(), 3);
    let s = load("jmh", "jmh/latency.json");
    assert_metric(&s, key, 3.3762388731228185e12, "ms", Lower);
    let s = load("jmh", "jmh/gab_jmh_output_2.json");
    assert!(s.get(&format!("{key}(paramA=17,paramB=33)")).is_some());

    // BenchmarkDotNet: ns → ms, namespace and class in the key, allocated bytes.
    let s = load("benchmarkdotnet", "benchmarkdotnet/memory.json");
    let key = "custom.BenchmarkDotNet.Samples.Memory.AllocEmptyList";
    assert_metric(&s, key, 77.49449412027995 / 1e6, "ms", Lower);
    assert_metric(&s, &format!("{key}.allocated_bytes"), 368.0, "B", Lower);
    assert_eq!(s.metrics.info(key).unwrap().samples.len(), 3);

    // criterion folder: mean estimate, samples = times / iters, throughput.
    let s = load("criterion", "criterion/target_criterion");
    assert_metric(
        &s,
        "custom.checksum/adler/256",
        996.3143442932729 / 1e6,
        "ms",
        Lower,
    );
    let samples = &s.metrics.info("custom.checksum/adler/256").unwrap().samples;
    assert_eq!(samples.len(), 10);
    assert!(close(samples[0], 3547625.0 / 4473.0 / 1e6));
    assert!(s.get("custom.vec push 100").is_some());
    assert_eq!(
        s.metrics
            .info("custom.checksum/adler/256.mb_per_s")
            .unwrap()
            .direction,
        Some(Higher)
    );

    // custom: time units → ms, the provider's direction, other units kept.
    let s = load(
        "custom-smaller-is-better",
        "custom-smaller-is-better/smaller_is_better_2.json",
    );
    assert_metric(&s, "custom.No instrumentation", 90.9439 / 1e6, "ms", Lower);
    let s = load(
        "custom-bigger-is-better",
        "custom-bigger-is-better/bigger_is_better.json",
    );
    assert_metric(
        &s,
        "custom.My Custom Bigger Is Better Benchmark - Free Memory",
        150.0,
        "Megabytes",
        Higher,
    );

    // BMF: latency in ns → ms.
    let s = load("bmf", "bmf/report_latency.json");
    assert_metric(&s, "custom.tests::benchmark_a", 0.003247, "ms", Lower);
}

#[test]
fn auto_picks_the_right_provider_for_every_fixture() {
    let tmp = tempfile::tempdir().unwrap();
    for (provider, rel) in &provider_fixtures() {
        // Library: detection order.
        let input = Input::read(&fixture(rel)).unwrap();
        let kind = flameiq::providers::detect(&input).unwrap();
        assert_eq!(kind.name(), *provider, "auto on {rel}");
        // CLI: says which provider it chose.
        let out = flameiq(tmp.path())
            .args(["run", "--provider", "auto", "--json", "--metrics"])
            .arg(fixture(rel))
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "{rel}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        let doc: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
        assert_eq!(doc["provider"], *provider, "{rel}");
    }
}

#[test]
fn auto_refuses_what_no_provider_reads_with_exit_3() {
    let tmp = tempfile::tempdir().unwrap();
    let junk = tmp.path().join("junk.txt");
    std::fs::write(&junk, "hello\nthis is not a benchmark\n").unwrap();
    let empty_dir = tmp.path().join("empty");
    std::fs::create_dir(&empty_dir).unwrap();
    let mut paths = vec![junk, empty_dir];
    paths.extend(UNREADABLE.iter().map(|r| fixture(r)));
    for p in paths {
        flameiq(tmp.path())
            .args(["run", "--provider", "auto", "--json", "--metrics"])
            .arg(&p)
            .assert()
            .code(3)
            .stderr(predicates::str::contains("no provider recognises"));
    }
}

#[test]
fn every_provider_refuses_a_file_it_cannot_read_with_exit_3_naming_itself() {
    let junk = Input::from_text("junk.txt", "hello\n");
    let folder = Input {
        path: "/nonexistent-folder".into(),
        text: None,
        invalid_utf8: None,
    };
    for kind in ProviderKind::ALL {
        for input in [&junk, &folder] {
            let e = kind.provider().parse(input).unwrap_err();
            assert_eq!(e.exit_code(), 3, "{}: {e}", kind.name());
            let msg = e.to_string();
            assert!(
                msg.contains(&format!("'{}'", kind.name())) || kind.name() == "json",
                "{}: {msg}",
                kind.name()
            );
        }
    }
}

#[test]
fn run_output_is_schema_v1_that_validate_accepts() {
    let tmp = tempfile::tempdir().unwrap();
    for (provider, rel) in &provider_fixtures() {
        let out = tmp.path().join("snap.json");
        flameiq(tmp.path())
            .args(["run", "--provider", provider.as_str(), "--output"])
            .arg(&out)
            .arg("--metrics")
            .arg(fixture(rel))
            .assert()
            .success();
        let doc: serde_json::Value =
            serde_json::from_str(&std::fs::read_to_string(&out).unwrap()).unwrap();
        assert_eq!(doc["schema_version"], 1, "{rel}");
        flameiq(tmp.path())
            .args(["validate"])
            .arg(&out)
            .assert()
            .success();
    }
}

#[test]
fn baseline_set_and_compare_accept_a_tool_format() {
    for (provider, rel) in [
        ("go", "go/benchmem_count2_subbenchmarks.txt"),
        ("criterion", "criterion/console.txt"),
        ("criterion", "criterion/console_first_run.txt"),
        ("criterion", "criterion/console_stdout_and_stderr.txt"),
        ("criterion", "criterion/console_with_changes.txt"),
        ("criterion", "criterion/target_criterion"),
        ("hyperfine", "hyperfine/two_commands.json"),
    ] {
        let tmp = tempfile::tempdir().unwrap();
        flameiq(tmp.path())
            .args(["baseline", "set", "--provider", provider, "--metrics"])
            .arg(fixture(rel))
            .assert()
            .success();
        let out = flameiq(tmp.path())
            .args(["compare", "--json", "--provider", provider, "--metrics"])
            .arg(fixture(rel))
            .output()
            .unwrap();
        assert_eq!(
            out.status.code(),
            Some(0),
            "{rel}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        let doc: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
        assert!(doc.to_string().contains("custom."), "{rel}: {doc}");
    }
}

/// Captures what the providers log while `f` runs.
fn warnings_of(f: impl FnOnce()) -> String {
    use std::sync::{Arc, Mutex};
    #[derive(Clone, Default)]
    struct Buf(Arc<Mutex<Vec<u8>>>);
    impl std::io::Write for Buf {
        fn write(&mut self, b: &[u8]) -> std::io::Result<usize> {
            self.0.lock().unwrap().extend_from_slice(b);
            Ok(b.len())
        }
        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }
    let buf = Buf::default();
    let out = buf.clone();
    let subscriber = tracing_subscriber::fmt()
        .with_writer(move || out.clone())
        .with_ansi(false)
        .finish();
    tracing::subscriber::with_default(subscriber, f);
    let bytes = buf.0.lock().unwrap().clone();
    String::from_utf8(bytes).unwrap()
}

fn parse_text(kind: ProviderKind, text: &str) -> flameiq::Result<Snapshot> {
    kind.provider().parse(&Input::from_text("out.txt", text))
}

/// Issue 4: a benchmark the tool marks as failed is reported by name, not dropped silently,
/// and the others are still read.
#[test]
fn failed_benchmarks_are_reported_by_name() {
    let cases: &[(ProviderKind, &str, &str, &str)] = &[
        (
            ProviderKind::Go,
            "--- FAIL: BenchmarkBroken-2\n    x_test.go:9: boom\nBenchmarkOk-2 \t 100\t 50 ns/op\nFAIL\n",
            "BenchmarkBroken",
            "custom.BenchmarkOk",
        ),
        (
            ProviderKind::CargoBench,
            "test broken ... FAILED\ntest ok ... bench:   10 ns/iter (+/- 1)\n",
            "broken",
            "custom.ok",
        ),
        (
            ProviderKind::GoogleBenchmark,
            r#"{"benchmarks": [
                {"name": "BM_Bad", "run_type": "iteration", "error_occurred": true,
                 "error_message": "no input", "real_time": 0, "time_unit": "ns"},
                {"name": "BM_Good", "run_type": "iteration", "real_time": 5, "time_unit": "ns"}]}"#,
            "BM_Bad",
            "custom.BM_Good",
        ),
        (
            ProviderKind::Hyperfine,
            r#"{"results": [{"command": "false", "mean": 0.001, "times": [0.001], "exit_codes": [1]}]}"#,
            "false",
            "custom.false",
        ),
        (
            ProviderKind::Catch2,
            "<?xml version=\"1.0\"?>\n<Catch2TestRun name=\"t\">\n<TestCase name=\"T\">\n\
             <BenchmarkResults name=\"throws\" samples=\"1\"><failed message=\"oops\"/></BenchmarkResults>\n\
             <BenchmarkResults name=\"fine\" samples=\"1\"><mean value=\"2000\"/></BenchmarkResults>\n\
             <OverallResult success=\"false\"/>\n</TestCase>\n</Catch2TestRun>\n",
            "throws",
            "custom.fine",
        ),
        (
            ProviderKind::BenchmarkDotNet,
            r#"{"Benchmarks": [{"Namespace": "N", "Type": "T", "Method": "Crashed"},
                {"Namespace": "N", "Type": "T", "Method": "Ran", "Statistics": {"Mean": 1000000}}]}"#,
            "N.T.Crashed",
            "custom.N.T.Ran",
        ),
    ];
    for (kind, text, failed, kept) in cases {
        let mut result = None;
        let log = warnings_of(|| result = Some(parse_text(*kind, text)));
        let snap = result
            .unwrap()
            .unwrap_or_else(|e| panic!("{}: {e}", kind.name()));
        assert!(
            log.contains("WARN") && log.contains(failed),
            "{}: {log}",
            kind.name()
        );
        assert!(
            snap.get(kept).is_some(),
            "{}: {:?}",
            kind.name(),
            snap.metrics
        );
    }
    // Only failed benchmarks: an error, not an empty snapshot.
    let e = parse_text(
        ProviderKind::GoogleBenchmark,
        r#"{"benchmarks": [{"name": "BM_Bad", "error_occurred": true, "real_time": 0}]}"#,
    )
    .unwrap_err();
    assert_eq!(e.exit_code(), 3);
}

/// Duplicate names are kept, deterministically: `#2`, `#3`.
#[test]
fn duplicate_names_get_numbered_keys() {
    let s = parse_text(
        ProviderKind::CargoBench,
        "test a ... bench: 1 ns/iter (+/- 0)\ntest a ... bench: 2 ns/iter (+/- 0)\ntest a ... bench: 3 ns/iter (+/- 0)\n",
    )
    .unwrap();
    let keys: Vec<&str> = s.metrics.keys().map(String::as_str).collect();
    assert_eq!(keys, ["custom.a", "custom.a#2", "custom.a#3"]);
    assert_eq!(s.get("custom.a#3"), Some(0.000003));
}

/// Issue 16: exact values of the new formats, read from the real fixtures by hand.
#[test]
fn issue16_exact_values_of_the_new_formats() {
    use Direction::{HigherIsBetter as Higher, LowerIsBetter as Lower};
    // criterion console: the middle of `time: [...]`, µs and ns → ms; the long name printed
    // on its own line; `thrpt:` GiB/s → MB/s (10^6 B), Melem/s → elements/s; change blocks
    // (percentages) ignored.
    let s = load("criterion", "criterion/console_with_changes.txt");
    assert_metric(&s, "custom.fib 10", 1.3345 / 1e3, "ms", Lower);
    assert_metric(
        &s,
        "custom.a rather long benchmark name that criterion prints on its own line",
        391.78 / 1e6,
        "ms",
        Lower,
    );
    assert_metric(&s, "custom.sum/4096", 4.2176 / 1e3, "ms", Lower);
    assert_metric(
        &s,
        "custom.sum/4096.mb_per_s",
        7.2357 * 1024.0 * 1024.0 * 1024.0 / 1e6,
        "MB/s",
        Higher,
    );
    assert_metric(
        &s,
        "custom.parse/ints.elements_per_s",
        6.8389e6,
        "elements/s",
        Higher,
    );
    assert_eq!(s.metrics.len(), 8, "{:?}", s.metrics.keys());
    // Progress lines on the same stream change nothing.
    let s = load("criterion", "criterion/console_stdout_and_stderr.txt");
    assert_metric(&s, "custom.fib 10", 1.46 / 1e3, "ms", Lower);
    assert_eq!(s.metrics.len(), 8, "{:?}", s.metrics.keys());
    // The same benchmarks as bencher lines have the same keys.
    let bencher = load("cargo-bench", "cargo-bench/criterion_0_8_bencher.txt");
    for key in bencher.metrics.keys() {
        assert!(s.metrics.contains_key(key), "{key}");
    }

    // valgrind: counts exact, Ir the value, the other events as measures; callgrind's
    // `summary:` (1127214), not its `totals:` (1127212).
    let s = load("valgrind", "valgrind/cachegrind.out.cache-sim");
    assert_eq!(s.metrics["custom.work 100000"].to_string(), "2128198.0");
    assert_metric(&s, "custom.work 100000", 2128198.0, "instructions", Lower);
    assert_metric(&s, "custom.work 100000.D1mr", 1825.0, "events", Lower);
    assert_metric(&s, "custom.work 100000.DLmw", 349.0, "events", Lower);
    let s = load("valgrind", "valgrind/callgrind.out.cache-sim");
    assert_metric(&s, "custom.work 50000", 1127214.0, "instructions", Lower);
    assert_metric(&s, "custom.work 50000.Bim", 165.0, "events", Lower);
    let s = load("valgrind", "valgrind/cachegrind.out.branch-sim");
    assert_metric(&s, "custom.work 20000.Bcm", 3289.0, "events", Lower);

    // gungraun / iai-callgrind: the new value left of `|`; other tools' sections skipped.
    let s = load("gungraun", "gungraun/gungraun__with_dhat.txt");
    let key = "custom.rust_iai_callgrind::bench_fibonacci_group::bench_fibonacci long:30";
    assert_metric(&s, key, 26214734.0, "instructions", Lower);
    assert_metric(
        &s,
        &format!("{key}.EstimatedCycles"),
        35638724.0,
        "cycles",
        Lower,
    );
    assert!(
        s.metrics.keys().all(|k| !k.contains("bytes")),
        "{:?}",
        s.metrics
    );
    let s = load(
        "gungraun",
        "gungraun/gungraun__with_summary_and_regressions.txt",
    );
    assert_metric(&s, key, 26214734.0, "instructions", Lower);
    assert_eq!(s.metrics.len(), 12, "{:?}", s.metrics.keys());
    let s = load("gungraun", "gungraun/gungraun__ansi_escapes.txt");
    assert_metric(&s, key, 26214734.0, "instructions", Lower);
    let s = load(
        "gungraun",
        "gungraun/gungraun__json_one_callgrind_all_metrics.txt",
    );
    let key = "custom.play_game::bench_play_game_group::bench_play_game_100 some_id";
    assert_metric(&s, key, 1900.0, "instructions", Lower);
    assert_metric(&s, &format!("{key}.LLHitRate"), 0.3, "%", Higher);

    // pyperf: the mean of the values of every run but the calibration run, warmups out.
    let s = load("pyperf", "pyperf/track_memory.json");
    assert_metric(
        &s,
        "custom.dict lookup",
        (12058624.0 + 12197888.0) / 2.0,
        "B",
        Lower,
    );
    assert_eq!(
        s.metrics.info("custom.dict lookup").unwrap().samples,
        vec![12058624.0, 12197888.0]
    );
    let s = load("pyperf", "pyperf/two_benchmarks.json");
    let samples = &s.metrics.info("custom.sort 1000 ints").unwrap().samples;
    // 10 worker runs (pyperf --fast) x 2 values; the calibration run's 15 warmups are out.
    assert_eq!(samples.len(), 20);
    assert!(close(samples[0], 3.246023974634582e-05 * 1e3));
    let mean = samples.iter().sum::<f64>() / 20.0;
    assert_metric(&s, "custom.sort 1000 ints", mean, "ms", Lower);
}

/// Issue 16: `auto` reads each new format with its provider, and tells criterion's console
/// output from its `--output-format bencher` lines (the cargo-bench provider).
#[test]
fn issue16_auto_detects_each_new_format() {
    for (rel, want) in [
        ("criterion/console_first_run.txt", "criterion"),
        ("criterion/console_with_changes.txt", "criterion"),
        ("criterion/console_stdout_and_stderr.txt", "criterion"),
        ("cargo-bench/criterion_0_8_bencher.txt", "cargo-bench"),
        ("valgrind/cachegrind.out.cache-sim", "valgrind"),
        ("valgrind/callgrind.out.ir-only", "valgrind"),
        ("gungraun/iai_callgrind__two.txt", "gungraun"),
        (
            "gungraun/gungraun__json_multiple_benchmarks.txt",
            "gungraun",
        ),
        ("pyperf/two_benchmarks.json", "pyperf"),
    ] {
        let input = Input::read(&fixture(rel)).unwrap();
        let kind = flameiq::providers::detect(&input).unwrap();
        assert_eq!(kind.name(), want, "auto on {rel}");
    }
    // Both in one file, in comparable numbers: refused, naming both (one printed line must
    // not steer the choice, issue 19 item 5).
    let both = format!(
        "{}{}",
        std::fs::read_to_string(fixture("criterion/console_first_run.txt")).unwrap(),
        std::fs::read_to_string(fixture("cargo-bench/criterion_0_8_bencher.txt")).unwrap()
    );
    let e = flameiq::providers::detect(&Input::from_text("both.txt", both)).unwrap_err();
    assert_eq!(e.exit_code(), 3);
    assert!(
        e.to_string().contains("criterion") && e.to_string().contains("cargo-bench"),
        "{e}"
    );
}

/// Issue 16: the tools' own names select the providers (`--provider cachegrind`), and a
/// Valgrind run goes through baseline set and compare.
#[test]
fn issue16_provider_aliases_and_a_valgrind_round_trip() {
    let tmp = tempfile::tempdir().unwrap();
    for (alias, rel, provider) in [
        (
            "cachegrind",
            "valgrind/cachegrind.out.cache-sim",
            "valgrind",
        ),
        ("callgrind", "valgrind/callgrind.out.ir-only", "valgrind"),
        (
            "iai-callgrind",
            "gungraun/iai_callgrind__two.txt",
            "gungraun",
        ),
    ] {
        let out = flameiq(tmp.path())
            .args(["run", "--json", "--provider", alias, "--metrics"])
            .arg(fixture(rel))
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "{alias}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        let doc: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
        assert_eq!(doc["provider"], provider, "{alias}");
    }
    flameiq(tmp.path())
        .args(["baseline", "set", "--provider", "cachegrind", "--metrics"])
        .arg(fixture("valgrind/cachegrind.out.cache-sim"))
        .assert()
        .success();
    let out = flameiq(tmp.path())
        .args(["compare", "--json", "--provider", "valgrind", "--metrics"])
        .arg(fixture("valgrind/cachegrind.out.cache-sim"))
        .output()
        .unwrap();
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let doc: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert!(doc.to_string().contains("custom.work 100000"), "{doc}");
}

/// `flameiq run ARGS` in `dir`: (exit code, stdout, stderr).
fn run_cmd(dir: &std::path::Path, args: &[&str]) -> (Option<i32>, String, String) {
    let out = flameiq(dir).arg("run").args(args).output().unwrap();
    (
        out.status.code(),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

/// A fixture's path as a command-line argument.
fn fixture_arg(rel: &str) -> String {
    fixture(rel).to_str().unwrap().to_string()
}

/// Issue 16: `run --name` keys a Valgrind run by the given name instead of its `cmd:` line,
/// whichever way the provider is chosen, and the named run compares against a named
/// baseline although the two files' commands differ.
#[test]
fn issue16_name_keys_a_valgrind_run() {
    let tmp = tempfile::tempdir().unwrap();
    let cache_sim = fixture_arg("valgrind/cachegrind.out.cache-sim");
    let with_prefix = format!("cachegrind:{cache_sim}");
    for metrics in [
        vec!["--provider", "cachegrind", "--metrics", &cache_sim],
        vec!["--provider", "auto", "--metrics", &cache_sim],
        vec!["--metrics", &with_prefix],
    ] {
        let mut args = vec!["--json", "--name", "parse"];
        args.extend(&metrics);
        let (code, stdout, stderr) = run_cmd(tmp.path(), &args);
        assert_eq!(code, Some(0), "{metrics:?}: {stderr}");
        let doc: serde_json::Value = serde_json::from_str(&stdout).unwrap();
        assert_eq!(doc["provider"], "valgrind");
        let m = doc["metrics"].as_object().unwrap();
        assert_eq!(m["custom.parse"], 2128198.0, "{metrics:?}");
        assert_eq!(m["custom.parse.Dr"], 129153.0);
        assert_eq!(m["custom.parse.DLmw"], 349.0);
        assert_eq!(m.len(), 9, "{m:?}");
        assert!(!stdout.contains("work 100000"), "{stdout}");
    }

    // Two runs of different commands under one name: the same key is compared.
    for (rel, out) in [
        ("valgrind/cachegrind.out.cache-sim", "base.json"),
        ("valgrind/callgrind.out.ir-only", "head.json"),
    ] {
        let file = fixture_arg(rel);
        let (code, _, stderr) = run_cmd(
            tmp.path(),
            &[
                "--provider",
                "valgrind",
                "--name",
                "work",
                "--output",
                out,
                "--metrics",
                &file,
            ],
        );
        assert_eq!(code, Some(0), "{rel}: {stderr}");
    }
    flameiq(tmp.path())
        .args(["baseline", "set", "--metrics", "json:base.json"])
        .assert()
        .success();
    let out = flameiq(tmp.path())
        .args(["compare", "--json", "--metrics", "json:head.json"])
        .output()
        .unwrap();
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.contains("\"custom.work\""), "{text}");
    assert!(
        !text.contains("work 50000") && !text.contains("work 100000"),
        "{text}"
    );
}

/// Issue 16: `--name` names one run; with several files it is exit 2 before anything is
/// read or written.
#[test]
fn issue16_name_with_several_files_is_exit_2() {
    let tmp = tempfile::tempdir().unwrap();
    let (a, b) = (
        fixture_arg("valgrind/cachegrind.out.cache-sim"),
        fixture_arg("valgrind/callgrind.out.ir-only"),
    );
    let (code, stdout, stderr) = run_cmd(
        tmp.path(),
        &[
            "--name",
            "x",
            "--output",
            "out.json",
            "--metrics",
            &a,
            "--metrics",
            &b,
        ],
    );
    assert_eq!(code, Some(2), "{stdout}{stderr}");
    assert!(
        stderr.contains("--name names one run, but 2 --metrics files were given"),
        "{stderr}"
    );
    assert_eq!(stderr.trim().lines().count(), 1, "{stderr}");
    assert!(!tmp.path().join("out.json").exists());
}

/// Issue 16: every other format names its benchmarks itself, so `--name` on one is exit 2
/// naming the provider, whether named (before the file is read) or detected by `auto`.
#[test]
fn issue16_name_on_another_format_is_exit_2() {
    let tmp = tempfile::tempdir().unwrap();
    let go = fixture_arg("go/benchmem_count2_subbenchmarks.txt");
    let prefixed = format!("go:{go}");
    for (args, provider) in [
        (vec!["--provider", "auto", "--metrics", &go], "go"),
        // No provider and no config: json, whose file is not named by --name either.
        (vec!["--metrics", &go], "json"),
        (vec!["--metrics", &prefixed], "go"),
        (
            vec![
                "--provider",
                "gungraun",
                "--metrics",
                "/nonexistent/iai.txt",
            ],
            "gungraun",
        ),
    ] {
        let mut all = vec!["--name", "x", "--output", "out.json"];
        all.extend(&args);
        let (code, stdout, stderr) = run_cmd(tmp.path(), &all);
        assert_eq!(code, Some(2), "{args:?}: {stdout}{stderr}");
        assert!(
            stderr.contains(&format!("is read by provider '{provider}'"))
                && stderr.contains("--name keys a valgrind"),
            "{args:?}: {stderr}"
        );
        assert!(!tmp.path().join("out.json").exists());
    }
}

/// Issue 16: a `--name` that cannot be a key is exit 2.
#[test]
fn issue16_name_empty_or_with_control_characters_is_exit_2() {
    let tmp = tempfile::tempdir().unwrap();
    let file = fixture_arg("valgrind/cachegrind.out.cache-sim");
    for (name, want) in [
        ("", "--name is empty"),
        ("  ", "--name is empty"),
        ("a\nb", "contains a control character"),
    ] {
        let (code, stdout, stderr) = run_cmd(tmp.path(), &["--name", name, "--metrics", &file]);
        assert_eq!(code, Some(2), "{name:?}: {stdout}{stderr}");
        assert!(stderr.contains(want), "{name:?}: {stderr}");
    }
}
