//! Repetitions (`--repetitions`): several metrics files of the *same* benchmarks, each
//! measured by its own process (a suite run twice in one job), pooled into one run.
//!
//! Why: a shared runner now and then slows one whole process, every sample of it, by 3 to
//! 14 % (docs/verdict-quality.md, runs J to N: 1.2–2.5 % of the processes of a CPU-bound
//! loop), and to an in-process benchmark harness such a process is a build doing that much
//! more work. Two processes are rarely both hit, so a run whose samples come from two
//! processes is located (by its best sample, docs/statistics.md) by the one that was not,
//! while a real slowdown moves the samples of both. Splitting a run's samples over two
//! processes costs no benchmark time.
//!
//! How a key found in several files is pooled (a key in only some of them is pooled from
//! those; unit and direction must agree, else exit 3 naming the key and both files):
//! - its **value** is the best of the files' values: the smallest for a lower-is-better
//!   metric, the largest for higher-is-better, the median for `both` (the direction from
//!   the config's `directions:`, else the files' `metric_info`, else the default table).
//!   A process slowed whole moves its own value, so the best is the process that was not
//!   slowed, as the best sample is; a slowdown of the code moves every process's value.
//!   (The median of two is their mean, which one process slowed by 20 % moves by 10 %:
//!   a fixed 10 % gate would fail on it, and on run P of docs/verdict-quality.md two such
//!   runs in a history widened the values' band of calibrated `auto` to 19 %.)
//! - its **samples** are the files' samples one after the other, when every file has
//!   samples: all of the first file's, and each later file's after its first
//!   `noise.warmup_runs`, so that the warm-up `compare` drops from the pooled run's start is
//!   dropped from every process;
//! - its **min** / **max** (the range a tool reports without samples) are the smallest and
//!   largest over the files, when every file has one (from its samples where it has them);
//!   with every file carrying samples they are kept only when every file reported them.
//!
//! Metadata comes from the first file (commit and branch from the first that has them),
//! as for files of different tools.

use crate::compare::stats::location_for;
use crate::config::Rules;
use crate::error::{Error, Result};
use crate::schema::{Direction, MetricInfo, MetricMap, Snapshot};
use serde_json::Number;
use std::path::Path;

/// One key's files so far.
struct Pooled {
    /// Index of the first file with the key (for messages).
    first: usize,
    values: Vec<f64>,
    info: MetricInfo,
    /// Every file so far had samples (after its warm-up, for later files).
    all_samples: bool,
    /// Every file so far reported `min`/`max` (or had samples to take them from).
    range: Option<(f64, f64)>,
    /// Every file so far reported `min` and `max` itself.
    reported: Option<(f64, f64)>,
}

/// A file's `(min, max)`: from its samples after `skip`, else the range its tool reported.
fn range_of(info: &MetricInfo, skip: usize) -> Option<(f64, f64)> {
    let samples = info.samples.get(skip..).unwrap_or(&[]);
    if !samples.is_empty() {
        let lo = samples.iter().copied().fold(f64::INFINITY, f64::min);
        let hi = samples.iter().copied().fold(f64::NEG_INFINITY, f64::max);
        return Some((lo, hi));
    }
    info.min.zip(info.max)
}

fn widen(a: Option<(f64, f64)>, b: Option<(f64, f64)>) -> Option<(f64, f64)> {
    a.zip(b)
        .map(|((a0, a1), (b0, b1))| (a0.min(b0), a1.max(b1)))
}

/// The value of a pooled key: the best of the processes' values, chosen by direction as a
/// run's location is chosen from its samples ([`location_for`]; see the module docs).
fn best(values: &[f64], direction: Direction) -> Option<f64> {
    let finite = || values.iter().copied().filter(|v| v.is_finite());
    let lo = finite().reduce(f64::min)?;
    let hi = finite().reduce(f64::max)?;
    let mid = crate::quantile::median(values)?;
    Some(location_for([lo, mid, hi], direction))
}

/// Pools `runs` (read from `paths`, same order) as repetitions of one run; see the module
/// documentation. `warmup` is the config's `noise.warmup_runs`, `directions` its
/// `directions:`.
pub(super) fn pool(
    runs: Vec<Snapshot>,
    paths: &[&Path],
    warmup: usize,
    directions: &Rules<Direction>,
) -> Result<Snapshot> {
    let mut keys: MetricMap<Pooled> = MetricMap::default();
    let mut out: Option<Snapshot> = None;
    for (i, run) in runs.into_iter().enumerate() {
        let Snapshot {
            metadata,
            metrics,
            provider,
        } = run;
        let (values, mut infos) = metrics.into_parts();
        match out.as_mut() {
            None => {
                let mut first = Snapshot::new();
                first.metadata = metadata;
                first.provider = provider;
                out = Some(first);
            }
            Some(into) => super::join_run_facts(into, metadata, &provider),
        }
        for (key, value) in values {
            let value = value.as_f64().unwrap_or(f64::NAN);
            let info = infos.swap_remove(&key).unwrap_or_default();
            let reported = info.min.zip(info.max);
            let Some(p) = keys.get_mut(&key) else {
                // The key's first process keeps its warm-up, for compare to drop.
                keys.insert(
                    key,
                    Pooled {
                        first: i,
                        values: vec![value],
                        all_samples: !info.samples.is_empty(),
                        range: range_of(&info, 0),
                        reported,
                        info,
                    },
                );
                continue;
            };
            let skip = warmup.min(info.samples.len());
            let range = range_of(&info, skip);
            let has_samples = info.samples.len() > skip;
            let differs = |what: &str, here: String, there: String| {
                Error::invalid(
                    paths[i],
                    format!(
                        "metric '{key}' has {what} {here} here but {there} in '{}'; \
                         repetitions must measure the same way",
                        paths[p.first].display()
                    ),
                )
            };
            if let (Some(a), Some(b)) = (&info.unit, &p.info.unit) {
                if a != b {
                    return Err(differs("unit", a.to_string(), b.to_string()));
                }
            }
            if let (Some(a), Some(b)) = (info.direction, p.info.direction) {
                if a != b {
                    return Err(differs("direction", a.as_str().into(), b.as_str().into()));
                }
            }
            p.info.unit = p.info.unit.take().or(info.unit);
            p.info.direction = p.info.direction.or(info.direction);
            p.values.push(value);
            p.all_samples &= has_samples;
            if p.all_samples {
                p.info.samples.extend_from_slice(&info.samples[skip..]);
            }
            p.range = widen(p.range, range);
            p.reported = widen(p.reported, reported);
        }
    }
    let mut snap = out.expect("repetitions of at least one file");
    for (key, p) in keys {
        let mut info = p.info;
        if p.all_samples {
            (info.min, info.max) = (p.reported.map(|r| r.0), p.reported.map(|r| r.1));
        } else {
            info.samples = Vec::new();
            (info.min, info.max) = (p.range.map(|r| r.0), p.range.map(|r| r.1));
        }
        let direction = directions
            .lookup(&key)
            .or(info.direction)
            .unwrap_or_else(|| Direction::default_for(&key));
        let value = best(&p.values, direction).unwrap_or(f64::NAN);
        let Some(value) = Number::from_f64(value) else {
            continue;
        };
        snap.metrics.insert_with_info(key, value, info);
    }
    snap.canonicalize();
    Ok(snap)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::schema::Direction;
    use std::path::PathBuf;

    fn run(pairs: &[(&str, f64, &[f64])]) -> Snapshot {
        let mut s = Snapshot::new();
        for (k, v, samples) in pairs {
            s.insert(*k, *v);
            if !samples.is_empty() {
                s.metrics.info_or_default(k).samples = samples.to_vec();
            }
        }
        s
    }

    fn paths() -> [PathBuf; 3] {
        ["one.json", "two.json", "three.json"].map(PathBuf::from)
    }

    #[test]
    fn a_key_in_several_files_is_one_metric_with_pooled_samples() {
        let p = paths();
        let runs = vec![
            run(&[("custom.a", 10.0, &[10.0, 11.0]), ("custom.b", 1.0, &[])]),
            run(&[
                ("custom.a", 14.0, &[13.0, 14.0, 15.0]),
                ("custom.c", 3.0, &[]),
            ]),
            run(&[("custom.a", 12.0, &[12.0])]),
        ];
        let s = pool(runs, &[&p[0], &p[1], &p[2]], 0, &Rules::default()).unwrap();
        let keys: Vec<_> = s.flat().collect();
        // `custom.*` is `both` by default: the median of the files' values; keys in
        // first-seen order; a key of one file as is.
        assert_eq!(
            keys,
            vec![("custom.a", 12.0), ("custom.b", 1.0), ("custom.c", 3.0)]
        );
        let info = s.metrics.info("custom.a").unwrap();
        assert_eq!(info.samples, vec![10.0, 11.0, 13.0, 14.0, 15.0, 12.0]);
        assert_eq!((info.min, info.max), (None, None));
    }

    #[test]
    fn later_files_lose_their_warmup_so_compare_drops_it_from_every_process() {
        let p = paths();
        let runs = vec![
            run(&[("custom.a", 10.0, &[90.0, 10.0, 11.0])]),
            run(&[("custom.a", 14.0, &[99.0, 13.0, 14.0])]),
        ];
        let s = pool(runs, &[&p[0], &p[1]], 1, &Rules::default()).unwrap();
        // compare drops the first sample of the pooled run: 90, the first file's warm-up.
        let info = s.metrics.info("custom.a").unwrap();
        assert_eq!(info.samples, vec![90.0, 10.0, 11.0, 13.0, 14.0]);
    }

    #[test]
    fn without_samples_everywhere_the_run_keeps_the_range_not_half_its_samples() {
        let p = paths();
        let mut b = run(&[("custom.a", 14.0, &[])]);
        let info = b.metrics.info_or_default("custom.a");
        (info.min, info.max) = (Some(12.5), Some(16.0));
        let runs = vec![run(&[("custom.a", 10.0, &[10.0, 11.0])]), b];
        let s = pool(runs, &[&p[0], &p[1]], 0, &Rules::default()).unwrap();
        let info = s.metrics.info("custom.a").unwrap();
        assert!(info.samples.is_empty());
        assert_eq!((info.min, info.max), (Some(10.0), Some(16.0)));
        // A file with neither samples nor a range: no range for the pooled run.
        let runs = vec![
            run(&[("custom.a", 10.0, &[10.0])]),
            run(&[("custom.a", 14.0, &[])]),
        ];
        let s = pool(runs, &[&p[0], &p[1]], 0, &Rules::default()).unwrap();
        let info = s.metrics.info("custom.a").unwrap();
        assert_eq!((info.min, info.max, info.samples.len()), (None, None, 0));
    }

    #[test]
    fn the_value_is_the_best_processs_by_direction_the_configs_first() {
        let p = paths();
        let three = || {
            let mut runs = Vec::new();
            for v in [12.0, 20.0, 11.0] {
                let mut r = run(&[("custom.t", v, &[])]);
                r.metrics.info_or_default("custom.t").direction = Some(Direction::LowerIsBetter);
                r.insert("throughput", v * 100.0);
                runs.push(r);
            }
            runs
        };
        let s = pool(three(), &[&p[0], &p[1], &p[2]], 0, &Rules::default()).unwrap();
        // One process slowed to 20: the value is the fastest process's, 11, not 12 or 14.3.
        assert_eq!(s.get("custom.t"), Some(11.0));
        // Throughput (higher is better by default): the largest.
        assert_eq!(s.get("throughput"), Some(2000.0));
        // The config's `directions:` win over the files' `metric_info`.
        let mut dirs = Rules::default();
        dirs.insert("custom.t", Direction::HigherIsBetter);
        let s = pool(three(), &[&p[0], &p[1], &p[2]], 0, &dirs).unwrap();
        assert_eq!(s.get("custom.t"), Some(20.0));
        dirs.insert("custom.t", Direction::Both);
        let s = pool(three(), &[&p[0], &p[1], &p[2]], 0, &dirs).unwrap();
        assert_eq!(s.get("custom.t"), Some(12.0));
    }

    #[test]
    fn repetitions_that_measure_differently_are_refused_naming_both_files() {
        let p = paths();
        let mut a = run(&[("custom.a", 10.0, &[])]);
        a.metrics.info_or_default("custom.a").direction = Some(Direction::LowerIsBetter);
        let mut b = run(&[("custom.a", 10.0, &[])]);
        b.metrics.info_or_default("custom.a").direction = Some(Direction::HigherIsBetter);
        let e = pool(vec![a, b], &[&p[0], &p[1]], 0, &Rules::default())
            .unwrap_err()
            .to_string();
        assert!(e.contains("two.json"), "{e}");
        assert!(e.contains("'custom.a'"), "{e}");
        assert!(e.contains("'one.json'"), "{e}");
        assert!(e.contains("lower_is_better"), "{e}");
    }
}
