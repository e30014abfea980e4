//! Criterion benchmarks of the engine through the public library API (issue 8).
//!
//! - `load/N`: parsing and validating a schema v1 metrics file (`Snapshot::from_json_str`).
//! - `compare/N`: the comparison itself (`compare::compare`) for N metrics (10 to 100,000).
//! - `baseline/{select,lean}/<strategy>/<stored>`: `baseline::select` (which also reads
//!   `HISTORY_DEPTH` = 20 snapshots for statistics and trends) and `baseline::select_with(..,
//!   0)` (what a plain `compare` reads) on a store holding 5 or 1,000 snapshots of 1,000
//!   metrics. `lean` must cost the same for 5 and 1,000; `select` grows from 5 to 20
//!   snapshots read, then stays flat (history is read from the end of the file).
//! - `render/<view>`: the Markdown summary and comment and the HTML report of a
//!   1,000-metric result.
//! - `history/long_line/<MiB>`: `Store::history_tail(1)` when the newest history line is
//!   1, 20 or 100 MiB long (a snapshot carrying a long tag), issue 19 item 8: the backwards
//!   reader must cost the line's length, not its square.
//!
//! Run with `cargo bench --bench engine` (one group: `cargo bench --bench engine -- baseline`).
//! Inputs are generated in memory (and the stores in a temporary folder) with fixed values,
//! so every run measures the same work.

use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion, Throughput};
use flameiq::compare::{self, baseline, baseline::Baseline, Settings};
use flameiq::config::{Config, Strategy};
use flameiq::pyjson;
use flameiq::render::{html::Html, markdown, Render, View};
use flameiq::schema::Snapshot;
use flameiq::store::FileStore as Store;
use std::hint::black_box;
use std::io::Write;
use std::path::Path;
use std::time::Duration;

/// A snapshot of `n` `custom.bench_NNNNNN` metrics; `seed` shifts the values by a few percent
/// so two snapshots with different seeds compare as a realistic mix of small changes.
fn snapshot(n: usize, seed: u64) -> Snapshot {
    let mut s = Snapshot::new();
    s.metadata.commit = Some(format!("{seed:040x}"));
    for i in 0..n {
        // A cheap deterministic jitter in [-2 %, +2 %].
        let h = (i as u64 ^ seed.wrapping_mul(0x9E37_79B9_7F4A_7C15))
            .wrapping_mul(0xBF58_476D_1CE4_E5B9);
        let jitter = ((h >> 40) % 401) as f64 / 10_000.0 - 0.02;
        let base = 100.0 + (i % 97) as f64;
        s.insert(
            format!("custom.bench_{i:06}"),
            (base * (1.0 + jitter) * 1e4).round() / 1e4,
        );
    }
    s
}

fn metrics_text(n: usize, seed: u64) -> String {
    pyjson::to_pretty(&snapshot(n, seed).to_value())
}

fn bench_load(c: &mut Criterion) {
    let mut g = c.benchmark_group("load");
    for n in [10usize, 1_000, 100_000] {
        let text = metrics_text(n, 1);
        if n >= 100_000 {
            g.sample_size(10);
        }
        g.throughput(Throughput::Bytes(text.len() as u64));
        g.bench_with_input(BenchmarkId::from_parameter(n), &text, |b, text| {
            b.iter(|| Snapshot::from_json_str(black_box(text), Path::new("metrics.json")).unwrap())
        });
    }
    g.finish();
}

fn bench_compare(c: &mut Criterion) {
    let mut g = c.benchmark_group("compare");
    let settings = Settings::default();
    for n in [10usize, 1_000, 10_000, 100_000] {
        let base = Baseline::from_file(snapshot(n, 1));
        let current = snapshot(n, 2);
        if n >= 100_000 {
            g.sample_size(10);
        }
        g.throughput(Throughput::Elements(n as u64));
        g.bench_with_input(BenchmarkId::from_parameter(n), &n, |b, _| {
            b.iter(|| compare::compare(black_box(&base), black_box(&current), &settings).unwrap())
        });
    }
    g.finish();
}

/// A store holding `stored` snapshots of `n` metrics: the history written directly (as
/// `baseline set` appends it), then the newest set through the store so `current.json`
/// exists too.
fn store_with(dir: &Path, stored: usize, n: usize) -> Store {
    let store = Store::new(dir, None);
    std::fs::create_dir_all(store.baselines_dir()).unwrap();
    let mut f = std::io::BufWriter::new(std::fs::File::create(store.history_path()).unwrap());
    for k in 0..stored - 1 {
        writeln!(
            f,
            "{}",
            pyjson::to_line(&snapshot(n, 100 + k as u64).to_value())
        )
        .unwrap();
    }
    f.into_inner().unwrap().sync_all().unwrap();
    store
        .save_baseline(&snapshot(n, 100 + stored as u64), None)
        .unwrap();
    store
}

fn bench_baseline(c: &mut Criterion) {
    const METRICS: usize = 1_000;
    let mut g = c.benchmark_group("baseline");
    g.sample_size(20);
    g.measurement_time(Duration::from_secs(4));
    let small = tempfile::tempdir().unwrap();
    let large = tempfile::tempdir().unwrap();
    let stores = [
        (5usize, store_with(small.path(), 5, METRICS)),
        (1_000, store_with(large.path(), 1_000, METRICS)),
    ];
    for strategy in [Strategy::RollingMedian, Strategy::LastSuccessful] {
        let mut cfg = Config::default();
        cfg.baseline.strategy = strategy;
        cfg.baseline.rolling_window = 5;
        for (stored, store) in &stores {
            // `select`: the strategy plus HISTORY_DEPTH snapshots of history (statistics,
            // auto thresholds, the report's trends).
            g.bench_with_input(
                BenchmarkId::new(format!("select/{}", strategy.as_str()), stored),
                store,
                |b, store| b.iter(|| baseline::select(black_box(store), &cfg).unwrap()),
            );
            // `select_with(.., 0)`: what a plain `compare` reads (history_depth_for == 0).
            g.bench_with_input(
                BenchmarkId::new(format!("lean/{}", strategy.as_str()), stored),
                store,
                |b, store| b.iter(|| baseline::select_with(black_box(store), &cfg, 0).unwrap()),
            );
        }
    }
    g.finish();
}

fn bench_render(c: &mut Criterion) {
    let base = Baseline::from_file(snapshot(1_000, 1));
    // Seed 3 against seed 1 gives some changes beyond the warning margin, so every status
    // appears in the views.
    let current = snapshot(1_000, 3);
    let result = compare::compare(&base, &current, &Settings::default()).unwrap();
    let view = View {
        result: Some(&result),
        environment: Some("linux".into()),
        ..View::default()
    };
    let mut g = c.benchmark_group("render");
    g.sample_size(20);
    for (name, kind) in [
        ("markdown_summary", markdown::Kind::Summary),
        ("markdown_comment", markdown::Kind::Comment),
    ] {
        let r = markdown::Markdown { kind };
        g.bench_function(name, |b| b.iter(|| r.render(black_box(&view)).unwrap()));
    }
    g.bench_function("html", |b| {
        b.iter(|| Html.render(black_box(&view)).unwrap())
    });
    // The terminal table: human units and escaping per row.
    let table = flameiq::render::table::Table { color: false };
    g.bench_function("table", |b| {
        b.iter(|| table.render_result(black_box(&result)))
    });
    g.finish();
}

/// A store whose history holds one ordinary snapshot and then one `mib` MiB long line.
fn store_with_long_line(dir: &Path, mib: usize) -> Store {
    let store = Store::new(dir, None);
    std::fs::create_dir_all(store.baselines_dir()).unwrap();
    let mut long = snapshot(10, 7);
    long.metadata.tags.insert(
        "note".into(),
        serde_json::Value::String("x".repeat(mib << 20)),
    );
    let mut f = std::io::BufWriter::new(std::fs::File::create(store.history_path()).unwrap());
    writeln!(f, "{}", pyjson::to_line(&snapshot(10, 6).to_value())).unwrap();
    writeln!(f, "{}", pyjson::to_line(&long.to_value())).unwrap();
    f.into_inner().unwrap().sync_all().unwrap();
    store
}

fn bench_history(c: &mut Criterion) {
    let mut g = c.benchmark_group("history");
    g.sample_size(10);
    for mib in [1usize, 20, 100] {
        let dir = tempfile::tempdir().unwrap();
        let store = store_with_long_line(dir.path(), mib);
        g.throughput(Throughput::Bytes((mib << 20) as u64));
        g.bench_with_input(BenchmarkId::new("long_line", mib), &store, |b, store| {
            b.iter(|| {
                let tail = black_box(store).history_tail(1).unwrap();
                assert_eq!(tail.len(), 1);
                tail
            })
        });
    }
    g.finish();
}

criterion_group!(
    benches,
    bench_load,
    bench_compare,
    bench_baseline,
    bench_render,
    bench_history
);
criterion_main!(benches);
