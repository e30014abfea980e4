//! Criterion benchmark of change-point detection (issue 14 item 4): `change_points` over
//! 100 series of 1,000 runs (2 % noise, a +5 % step in a third of them), the detection
//! work `flameiq changes` does per metric; and the history reader `changes` and
//! `dashboard` share (`HistorySeries` over stored lines: 200 runs × 2,000 metrics, one
//! run at a time and in parallel batches). The whole process over a 10,000 × 1,000 store
//! is timed by `scripts/bench-changes.sh` and `scripts/bench-dashboard.sh`
//! (docs/performance.md).
//!
//! Run with `cargo bench --bench changes`.

use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use flameiq::compare::changes::{change_points, ChangeConfig, HistorySeries};
use flameiq::store::HistorySink;
use std::hint::black_box;

/// `n` values near 100 with a deterministic 2 % jitter; every third series steps +5 %
/// halfway.
fn series(seed: u64, n: usize) -> Vec<f64> {
    let mut s = seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1;
    (0..n)
        .map(|i| {
            s ^= s << 13;
            s ^= s >> 7;
            s ^= s << 17;
            let e = (s >> 11) as f64 / (1u64 << 53) as f64 * 4.0 - 2.0;
            let step = if seed.is_multiple_of(3) && i >= n / 2 {
                5.0
            } else {
                0.0
            };
            100.0 + e + step
        })
        .collect()
}

fn bench(c: &mut Criterion) {
    let all: Vec<Vec<f64>> = (0..100).map(|k| series(k, 1000)).collect();
    let cfg = ChangeConfig::default();
    let mut g = c.benchmark_group("changes");
    g.throughput(Throughput::Elements(all.len() as u64));
    g.sample_size(10);
    g.bench_function("change_points/100x1000", |b| {
        b.iter(|| {
            for s in &all {
                black_box(change_points(black_box(s), &cfg));
            }
        })
    });
    g.finish();

    // Stored history lines as the file store holds them: custom metrics only, 4 decimals.
    let (runs, metrics) = (200, 2000);
    let lines: Vec<String> = (0..runs)
        .map(|r| {
            let mut line = format!(
                "{{\"schema_version\": 1, \"metadata\": {{\"run_id\": \"00000000-0000-4000-8000-{r:012}\", \"commit\": \"{r:040x}\", \"branch\": \"main\", \"timestamp\": \"2026-01-01T00:00:00+00:00\", \"environment\": \"ci\", \"tags\": {{}}}}, \"metrics\": {{\"custom\": {{"
            );
            for m in 0..metrics {
                if m > 0 {
                    line.push_str(", ");
                }
                let v = all[m % 100][r % 1000];
                line.push_str(&format!("\"bench_{m:05}\": {v:.4}"));
            }
            line.push_str("}}}");
            line
        })
        .collect();
    let bytes: usize = lines.iter().map(String::len).sum();
    let texts: Vec<&str> = lines.iter().map(String::as_str).collect();
    let mut g = c.benchmark_group("history");
    g.throughput(Throughput::Bytes(bytes as u64));
    g.sample_size(10);
    g.bench_function("one_at_a_time/200x2000", |b| {
        b.iter(|| {
            let mut h = HistorySeries::new(&[]);
            for t in &texts {
                assert!(h.push_older_text(t));
            }
            black_box(h.finish())
        })
    });
    g.bench_function("batch/200x2000", |b| {
        b.iter(|| {
            let mut h = HistorySeries::new(&[]);
            h.texts(&texts, &mut |_| unreachable!("clean lines"));
            black_box(h.finish())
        })
    });
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
