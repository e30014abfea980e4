//! Parse throughput of the providers on large generated inputs (issue 4).
//!
//! Goals: more than 100 MB/s for the line formats (go, cargo-bench, catch2 console,
//! benchmark.js), more than 200 MB/s for JSON (Google Benchmark, hyperfine). Each input is
//! about 8 MB, generated in the shape of the real fixtures in `tests/fixtures/`, and parsed
//! through the public API (`ProviderKind::X.provider().parse(&Input)`), detection excluded.
//!
//! Issue 16's formats (criterion's console, cachegrind files, gungraun's runner output,
//! pyperf JSON) are in `parse_new_formats`, with the same goals (line formats 100 MB/s,
//! JSON 200 MB/s).
//!
//! Run: `cargo bench --bench parse -- --warm-up-time 1 --measurement-time 2`.
//!
//! The `parse` groups measure the CPU time of the parsing thread ([`CpuTime`], issue 16),
//! not wall time: on a shared machine (load 6 on 2 cores, the bench under `nice -n 10`)
//! wall time measured the scheduler, 8x slower than the parser. The times and MiB/s
//! criterion prints there are CPU seconds.
//!
//! `history_line/*`: one 10,000-metric `history.jsonl` line into a `Snapshot`, the typed
//! path against the `Value`-tree path it replaced for clean documents (issue 14).

use criterion::measurement::{Measurement, ValueFormatter, WallTime};
use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use flameiq::providers::{Input, ProviderKind};
use std::fmt::Write;
use std::hint::black_box;

/// The CPU time of the calling thread (`CLOCK_THREAD_CPUTIME_ID`), in nanoseconds like
/// [`WallTime`] and printed by its formatter: time spent waiting for a core on a loaded
/// machine is not counted. Criterion runs each routine on the thread that calls it.
struct CpuTime;

impl CpuTime {
    #[cfg(unix)]
    fn now() -> u64 {
        let mut ts = libc::timespec {
            tv_sec: 0,
            tv_nsec: 0,
        };
        // SAFETY: `ts` is a valid, writable timespec for the duration of the call.
        let rc = unsafe { libc::clock_gettime(libc::CLOCK_THREAD_CPUTIME_ID, &mut ts) };
        assert_eq!(rc, 0, "clock_gettime(CLOCK_THREAD_CPUTIME_ID)");
        ts.tv_sec as u64 * 1_000_000_000 + ts.tv_nsec as u64
    }

    /// No thread clock here: wall time since the first call.
    #[cfg(not(unix))]
    fn now() -> u64 {
        static START: std::sync::OnceLock<std::time::Instant> = std::sync::OnceLock::new();
        START
            .get_or_init(std::time::Instant::now)
            .elapsed()
            .as_nanos() as u64
    }
}

impl Measurement for CpuTime {
    type Intermediate = u64;
    type Value = u64;
    fn start(&self) -> u64 {
        CpuTime::now()
    }
    fn end(&self, start: u64) -> u64 {
        CpuTime::now().saturating_sub(start)
    }
    fn add(&self, a: &u64, b: &u64) -> u64 {
        a + b
    }
    fn zero(&self) -> u64 {
        0
    }
    fn to_f64(&self, v: &u64) -> f64 {
        *v as f64
    }
    fn formatter(&self) -> &dyn ValueFormatter {
        static WALL: WallTime = WallTime;
        WALL.formatter()
    }
}

/// Roughly this many bytes per generated input.
const TARGET: usize = 8 << 20;

fn go() -> String {
    let mut s = String::from("goos: linux\ngoarch: amd64\npkg: example.com/dev\ncpu: AMD EPYC\n");
    let mut i = 0;
    while s.len() < TARGET {
        let _ = writeln!(
            s,
            "BenchmarkParse/case_{}-2         \t   50000\t        {}.{} ns/op\t 344.39 MB/s\t      {} B/op\t       1 allocs/op",
            i % 5000,
            14 + i % 97,
            i % 100,
            i % 64
        );
        i += 1;
    }
    s.push_str("PASS\nok  \texample.com/dev\t0.086s\n");
    s
}

fn cargo_bench() -> String {
    let mut s = String::from("\nrunning 2 tests\n");
    let mut i = 0;
    while s.len() < TARGET {
        let _ = writeln!(
            s,
            "test bench_group::case_{i} ... bench:      {},{:03} ns/iter (+/- {})",
            1 + i % 90,
            i % 1000,
            i % 755
        );
        i += 1;
    }
    s
}

fn catch2() -> String {
    let mut s = String::from(
        "\n~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~\n\
         t is a Catch v2.13.10 host application.\nRun with -? for options\n\n\
         -------------------------------------------------------------------------------\n\
         Strings\n\
         -------------------------------------------------------------------------------\n\
         t.cpp:5\n\
         ...............................................................................\n\n\
         benchmark name                       samples       iterations    estimated\n\
         \x20                                    mean          low mean      high mean\n\
         \x20                                    std dev       low std dev   high std dev\n\
         -------------------------------------------------------------------------------\n",
    );
    let mut i = 0;
    while s.len() < TARGET {
        let _ = write!(
            s,
            "to_string {i:<30}                  15          3759    620.235 us \n\
             \x20                                       6.55433 ns    6.53193 ns    6.64226 ns \n\
             \x20                                     0.0817728 ns  0.0016447 ns    0.15438 ns \n\
             \x20                                                                              \n"
        );
        i += 1;
    }
    s.push_str("\n===============================================================================\ntest cases: 1 | 1 passed\n");
    s
}

fn benchmarkjs() -> String {
    let mut s = String::new();
    let mut i = 0;
    while s.len() < TARGET {
        let _ = writeln!(
            s,
            "JSON.parse case {i} x {},{:03} ops/sec ±4.17% (51 runs sampled)",
            1 + i % 991,
            i % 1000
        );
        i += 1;
    }
    s
}

fn google_benchmark() -> String {
    let mut s = String::from(
        "{\n  \"context\": {\n    \"date\": \"2026-11-28T11:41:17+00:00\",\n    \"host_name\": \"vm\",\n    \"executable\": \"./b\",\n    \"num_cpus\": 2,\n    \"library_build_type\": \"release\"\n  },\n  \"benchmarks\": [\n",
    );
    let mut i = 0;
    while s.len() < TARGET {
        for rep in 0..3 {
            let _ = write!(
                s,
                "    {{\n      \"name\": \"BM_MapInsert/{i}\",\n      \"family_index\": 0,\n      \"per_family_instance_index\": {i},\n      \"run_name\": \"BM_MapInsert/{i}\",\n      \"run_type\": \"iteration\",\n      \"repetitions\": 3,\n      \"repetition_index\": {rep},\n      \"threads\": 1,\n      \"iterations\": 63812,\n      \"real_time\": {}.{}e-01,\n      \"cpu_time\": 4.3823680498965717e-01,\n      \"time_unit\": \"us\",\n      \"bytes_per_second\": 2.5623937830744055e+08\n    }},\n",
                5 + rep,
                1556856077315183u64 + i as u64
            );
        }
        let _ = write!(
            s,
            "    {{\n      \"name\": \"BM_MapInsert/{i}_mean\",\n      \"run_name\": \"BM_MapInsert/{i}\",\n      \"run_type\": \"aggregate\",\n      \"aggregate_name\": \"mean\",\n      \"iterations\": 3,\n      \"real_time\": 2.2465384219157916e-01,\n      \"cpu_time\": 2.2318253593835577e-01,\n      \"time_unit\": \"us\"\n    }},\n"
        );
        i += 1;
    }
    s.truncate(s.len() - 2);
    s.push_str("\n  ]\n}\n");
    s
}

fn hyperfine() -> String {
    let mut s = String::from("{\n  \"results\": [\n");
    let mut i = 0;
    while s.len() < TARGET {
        let _ = write!(
            s,
            "    {{\n      \"command\": \"cmd {i}\",\n      \"mean\": 0.003545454375,\n      \"stddev\": 0.0010491198758469525,\n      \"median\": 0.0038541115,\n      \"user\": 0.00076975,\n      \"system\": 0.00024412499999999998,\n      \"min\": 0.0010570710000000001,\n      \"max\": 0.004288496,\n      \"times\": [\n"
        );
        for r in 0..40 {
            let _ = writeln!(
                s,
                "        0.00{}{:06},",
                1 + r % 8,
                (i * 7 + r) % 1_000_000
            );
        }
        s.push_str("        0.003300583\n      ],\n      \"exit_codes\": [0, 0, 0, 0, 0, 0, 0, 0]\n    },\n");
        i += 1;
    }
    s.truncate(s.len() - 2);
    s.push_str("\n  ]\n}\n");
    s
}

/// 32,000 results with one name (issue 19 item 7): each gets the next `#n` suffix. Timed
/// per parse rather than per byte: the cost was quadratic in the number of duplicates.
fn duplicates() -> String {
    (0..32_000)
        .map(|i| format!("test dup ... bench:   {} ns/iter (+/- 1)\n", i + 1))
        .collect()
}

fn parse(c: &mut Criterion<CpuTime>) {
    let inputs: [(&str, ProviderKind, String); 6] = [
        ("go", ProviderKind::Go, go()),
        ("cargo-bench", ProviderKind::CargoBench, cargo_bench()),
        ("catch2-console", ProviderKind::Catch2, catch2()),
        ("benchmarkjs", ProviderKind::BenchmarkJs, benchmarkjs()),
        (
            "google-benchmark",
            ProviderKind::GoogleBenchmark,
            google_benchmark(),
        ),
        ("hyperfine", ProviderKind::Hyperfine, hyperfine()),
    ];
    let mut group = c.benchmark_group("parse");
    group.sample_size(10);
    for (name, kind, text) in inputs {
        let input = Input::from_text(format!("generated.{name}"), text);
        // A generator bug must not be measured as a fast failure.
        let snap = kind
            .provider()
            .parse(&input)
            .expect("generated input parses");
        assert!(snap.metrics.len() > 1000, "{name}: {}", snap.metrics.len());
        group.throughput(Throughput::Bytes(
            input.text.as_ref().map_or(0, |t| t.len()) as u64,
        ));
        group.bench_function(name, |b| {
            b.iter(|| kind.provider().parse(black_box(&input)))
        });
    }
    group.finish();

    let input = Input::from_text("generated.duplicates", duplicates());
    let snap = ProviderKind::CargoBench
        .provider()
        .parse(&input)
        .expect("generated input parses");
    assert_eq!(snap.metrics.len(), 32_000);
    let mut group = c.benchmark_group("duplicates");
    group.sample_size(10);
    group.bench_function("cargo-bench-32000", |b| {
        b.iter(|| ProviderKind::CargoBench.provider().parse(black_box(&input)))
    });
    group.finish();
}

/// Criterion's console output (issue 16): progress lines on the same stream, a change
/// block and a throughput line per benchmark, every fifth name on its own line.
fn criterion_console() -> String {
    let mut s = String::from("    Finished `bench` profile [optimized] target(s) in 0.45s\n");
    let mut i = 0;
    while s.len() < TARGET {
        let name = if i % 5 == 0 {
            format!("a group with a long name/case number {i}")
        } else {
            format!("sum/{i}")
        };
        let _ = write!(s, "Benchmarking {name}\nBenchmarking {name}: Analyzing\n");
        if name.len() > 23 {
            let _ = write!(s, "{name}\n{:24}", "");
        } else {
            let _ = write!(s, "{name:<24}");
        }
        let _ = write!(
            s,
            "time:   [54.469 ns {}.{:03} ns 108.21 ns]\n\
             \x20                       thrpt:  [4.4066 GiB/s 6.2846 GiB/s 8.7542 GiB/s]\n\
             \x20                change:\n\
             \x20                       time:   [+20.247% +126.05% +333.17%] (p = 0.03 < 0.05)\n\
             \x20                       thrpt:  [\u{2212}76.914% \u{2212}55.762% \u{2212}16.838%]\n\
             \x20                       Performance has regressed.\n\
             Found 3 outliers among 20 measurements (15.00%)\n  1 (5.00%) high mild\n\n",
            10 + i % 90,
            i % 1000
        );
        i += 1;
    }
    s
}

/// A cachegrind output file: a header, cost lines (the bulk, skipped unparsed) and the
/// summary. One file is one benchmark, so this measures bytes, not keys.
fn cachegrind() -> String {
    let mut s = String::from(
        "desc: I1 cache:         32768 B, 64 B, 8-way associative\n\
         desc: D1 cache:         32768 B, 64 B, 8-way associative\n\
         desc: LL cache:         268435456 B, 64 B, direct-mapped\n\
         cmd: ./work 100000\nevents: Ir I1mr ILmr Dr D1mr DLmr Dw D1mw DLmw \n",
    );
    let mut i = 0;
    while s.len() < TARGET {
        if i % 50 == 0 {
            let _ = writeln!(s, "fl=./src/file_{}.c\nfn=function_{i}", i / 50);
        }
        let _ = writeln!(
            s,
            "{} {} 0 0 {} 0 0 {} 0 0",
            100 + i % 900,
            i % 7,
            i % 3,
            i % 5
        );
        i += 1;
    }
    s.push_str("summary: 2128198 1267 1249 129153 1825 1513 110727 417 349\n");
    s
}

/// The gungraun runner's terminal output: a header and six metric lines per benchmark.
fn gungraun() -> String {
    let mut s = String::from("\nrunning 0 tests\n\n");
    let mut i = 0;
    while s.len() < TARGET {
        let _ = write!(
            s,
            "my_bench::my_group::bench_fib case_{i}:{i}\n\
             \x20 ======= CALLGRIND =======================================================\n\
             \x20 Instructions:            {:>8}|24943490        (+5.09649%) [+1.04849x]\n\
             \x20 L1 Hits:                 35638619|34367375        (+3.69898%) [+1.03567x]\n\
             \x20 LL Hits:                        0|0               (No change)\n\
             \x20 RAM Hits:                       3|3               (No change)\n\
             \x20 Total read+write:        35638622|34367378        (+3.69898%) [+1.03567x]\n\
             \x20 Estimated Cycles:        35638724|34367480        (+3.69897%) [+1.03567x]\n",
            26214734 + i
        );
        i += 1;
    }
    s.push_str("\nGungraun result: Ok. 1 without regressions; 0 regressed\n");
    s
}

/// pyperf JSON: per benchmark a calibration run and 20 worker runs of 3 values.
fn pyperf() -> String {
    let mut s = String::from("{\"benchmarks\": [");
    let mut i = 0;
    while s.len() < TARGET {
        if i > 0 {
            s.push_str(", ");
        }
        let _ = write!(
            s,
            "{{\"metadata\": {{\"name\": \"bench {i}\", \"loops\": 4096}}, \"runs\": [\
             {{\"metadata\": {{\"calibrate_loops\": 4096}}, \"warmups\": [[1, 0.000115], [2, 6.26e-05], [4096, 3.8e-05]]}}"
        );
        for r in 0..20 {
            let _ = write!(
                s,
                ", {{\"metadata\": {{\"date\": \"2026-12-01 18:50:10.532646\", \"duration\": 0.427}}, \
                 \"values\": [3.246023974634582e-05, 3.7105{r:02}90039196603e-05, 3.95010{i:06}2201898e-05], \
                 \"warmups\": [[4096, 3.2191185546981416e-05]]}}"
            );
        }
        s.push_str("]}");
        i += 1;
    }
    s.push_str("], \"metadata\": {\"perf_version\": \"2.11.0\", \"unit\": \"second\"}, \"version\": \"1.0\"}\n");
    s
}

/// Issue 16's formats, in a group of their own (same sizes and method as `parse`).
fn parse_new_formats(c: &mut Criterion<CpuTime>) {
    let inputs: [(&str, ProviderKind, String, usize); 4] = [
        (
            "criterion-console",
            ProviderKind::Criterion,
            criterion_console(),
            1000,
        ),
        ("valgrind", ProviderKind::Valgrind, cachegrind(), 1),
        ("gungraun", ProviderKind::Gungraun, gungraun(), 1000),
        ("pyperf", ProviderKind::Pyperf, pyperf(), 1000),
    ];
    let mut group = c.benchmark_group("parse");
    group.sample_size(10);
    for (name, kind, text, at_least) in inputs {
        let input = Input::from_text(format!("generated.{name}"), text);
        let snap = kind
            .provider()
            .parse(&input)
            .expect("generated input parses");
        assert!(
            snap.metrics.len() >= at_least,
            "{name}: {}",
            snap.metrics.len()
        );
        group.throughput(Throughput::Bytes(
            input.text.as_ref().map_or(0, |t| t.len()) as u64,
        ));
        group.bench_function(name, |b| {
            b.iter(|| kind.provider().parse(black_box(&input)))
        });
    }
    group.finish();
}

/// One `history.jsonl` line of 10,000 `custom.bench_NNNNN` metrics, as the store writes
/// it (issue 14: `flameiq changes` reads 1,000 of them).
fn history_line() -> String {
    let mut s = String::from(
        r#"{"schema_version": 1, "metadata": {"run_id": "00000000-0000-4000-8000-000000000000", "commit": "0000000000000000000000000000000000000000", "branch": "main", "timestamp": "2026-01-01T00:00:00+00:00", "environment": "ci", "tags": {}}, "metrics": {"custom": {"#,
    );
    for i in 0..10_000 {
        let _ = write!(s, "\"bench_{i:05}\": {}.{:04}, ", 100 + i % 7, i % 9973);
    }
    s.truncate(s.len() - 2);
    s.push_str("}}}");
    s
}

/// Schema v1 text into a `Snapshot`: the typed fast path (`Snapshot::from_json_str`) and,
/// for comparison, the validating path through a `serde_json::Value` tree.
fn history(c: &mut Criterion) {
    use flameiq::schema::Snapshot;
    let line = history_line();
    let path = std::path::Path::new("history.jsonl");
    let fast = Snapshot::from_json_str(&line, path).expect("generated line parses");
    let tree: serde_json::Value = serde_json::from_str(&line).expect("valid JSON");
    assert_eq!(
        fast,
        Snapshot::from_value(&tree, path).expect("valid schema v1")
    );
    assert_eq!(fast.metrics.len(), 10_000);
    let mut group = c.benchmark_group("history_line");
    group.sample_size(10);
    group.throughput(Throughput::Bytes(line.len() as u64));
    group.bench_function("from_json_str", |b| {
        b.iter(|| Snapshot::from_json_str(black_box(&line), path))
    });
    group.bench_function("value_tree", |b| {
        b.iter(|| {
            let v: serde_json::Value = serde_json::from_str(black_box(&line)).unwrap();
            Snapshot::from_value(&v, path)
        })
    });
    group.finish();
}

criterion_group! {
    name = parsing;
    config = Criterion::default().with_measurement(CpuTime);
    targets = parse, parse_new_formats
}
criterion_group!(history_lines, history);
criterion_main!(parsing, history_lines);
