//! Baseline strategies: which stored snapshot (or synthesis of several) a run is
//! compared against.
//!
//! - `last_successful`: `current.json`, the last baseline set.
//! - `rolling_median`: per key, the median of that key over the last `rolling_window`
//!   history snapshots that carry it (flameiq-core's `_rolling_median`). The window is read
//!   from the end of `history.jsonl`, so its cost does not grow with the history. With an
//!   empty history it falls back to `current.json`.
//! - `tagged`: the newest history snapshot with the tag among its tag values
//!   (`baseline set --tag T` stores `release: T`).
//!
//! Besides what the strategy reads, [`Baseline::history`] carries the recent values of each
//! key for statistics, `auto` thresholds and trend views. [`select`] always reads
//! [`HISTORY_DEPTH`] snapshots for it; [`select_with`] takes the depth the caller needs
//! ([`history_depth_for`]), so a plain `compare` reads no history beyond the strategy's own:
//! `last_successful` reads `current.json` only, `rolling_median` its window only. Either way
//! the history is read from the end of `history.jsonl`, so the cost is bounded by the depth,
//! never by the length of the history.

use crate::config::{Config, Rules, Strategy, Threshold};
use crate::error::{Error, Result};
use crate::quantile::median;
use crate::schema::Snapshot;
use crate::store::Store;
use indexmap::IndexMap;

/// The chosen baseline plus the per-key history values that informed it (oldest first),
/// which statistics and `auto` thresholds use as the baseline distribution.
#[derive(Debug, Clone)]
pub struct Baseline {
    /// The snapshot to compare against.
    pub snapshot: Snapshot,
    /// The strategy's name, for the result document.
    pub strategy: String,
    /// Recent values per key from the history (may be empty).
    pub history: IndexMap<String, Vec<f64>>,
    /// The same history runs per key (oldest first) with what calibrated `auto` bands
    /// need besides the value: the run they came from and their samples' quantiles.
    pub points: IndexMap<String, Vec<HistoryPoint>>,
    /// The history runs [`HistoryPoint::run`] points into, oldest first.
    pub runs: Vec<RunRef>,
    /// Why this run was chosen, when there was a choice to explain (merge-base baselines:
    /// [`select_for_change`]); carried into the result document as `baseline_reason`.
    pub reason: Option<String>,
}

/// One history run's value of one key.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct HistoryPoint {
    /// Index into [`Baseline::runs`].
    pub run: u32,
    /// The stored value.
    pub value: f64,
    /// `[minimum, median, maximum]` of the run's raw samples (after `noise.warmup_runs`),
    /// or the `min` and `max` its tool reported ([`super::stats::info_locations`]), when
    /// it has either: its location for each direction.
    pub quantiles: Option<[f64; 3]>,
    /// Whether [`Self::quantiles`] came from raw samples (`false`: from the tool's
    /// reported `min`/`max`, or there are none), so the result can say which it used.
    pub sampled: bool,
}

impl HistoryPoint {
    /// The run's location for `direction` ([`super::stats::run_location`]) when it has
    /// samples, else its value.
    pub fn location(&self, direction: crate::schema::Direction) -> f64 {
        self.quantiles
            .map_or(self.value, |q| super::stats::location_for(q, direction))
    }
}

/// Where a history run came from.
#[derive(Debug, Clone, PartialEq)]
pub struct RunRef {
    /// Its commit.
    pub commit: Option<String>,
    /// Its timestamp.
    pub timestamp: String,
}

impl Baseline {
    /// A baseline given directly (`--baseline FILE`), with no history.
    pub fn from_file(snapshot: Snapshot) -> Baseline {
        Baseline {
            snapshot,
            strategy: "file".into(),
            history: IndexMap::new(),
            points: IndexMap::new(),
            runs: Vec::new(),
            reason: None,
        }
    }
}

/// How many history snapshots feed statistics and `auto` bands when the strategy itself
/// needs fewer.
pub const HISTORY_DEPTH: usize = 20;

/// How many history snapshots a comparison needs in [`Baseline::history`]:
/// [`HISTORY_DEPTH`] when statistics are on, when any threshold (config or `--threshold`
/// flags) is `auto`, or when the caller renders trends (`trends`, e.g. the HTML report);
/// otherwise 0.
pub fn history_depth_for(cfg: &Config, flag_thresholds: &Rules<Threshold>, trends: bool) -> usize {
    let auto = |rules: &Rules<Threshold>| {
        rules
            .iter()
            .any(|(_, t)| matches!(t, Threshold::Auto(_) | Threshold::Calibrated))
    };
    if trends || cfg.statistics.enabled || auto(&cfg.thresholds) || auto(flag_thresholds) {
        HISTORY_DEPTH
    } else {
        0
    }
}

/// Selects the baseline from the store according to the config's strategy, with
/// [`HISTORY_DEPTH`] snapshots of history (see [`select_with`] to read less).
pub fn select(store: &dyn Store, cfg: &Config) -> Result<Baseline> {
    select_with(store, cfg, HISTORY_DEPTH)
}

/// Selects the baseline, reading `history_depth` recent snapshots (at least the rolling
/// window) into [`Baseline::history`]; with 0 it reads only what the strategy needs and
/// `history` holds at most the rolling window's values. `select_with(s, c, HISTORY_DEPTH)`
/// is exactly [`select`].
pub fn select_with(store: &dyn Store, cfg: &Config, history_depth: usize) -> Result<Baseline> {
    let depth = if history_depth == 0 {
        0
    } else {
        history_depth.max(cfg.baseline.rolling_window)
    };
    match cfg.baseline.strategy {
        Strategy::LastSuccessful => {
            let snapshot = store.load_baseline()?;
            // history_tail(0) returns at once without opening the file.
            let tail = store.history_tail(depth)?;
            let (points, runs) = points_of(&tail, cfg.noise.warmup_runs);
            Ok(Baseline {
                snapshot,
                strategy: Strategy::LastSuccessful.as_str().into(),
                history: per_key(&tail),
                points,
                runs,
                reason: None,
            })
        }
        Strategy::RollingMedian => {
            let tail = store.history_tail(depth.max(cfg.baseline.rolling_window))?;
            if tail.is_empty() {
                let snapshot = store.load_baseline()?;
                return Ok(Baseline {
                    snapshot,
                    strategy: Strategy::RollingMedian.as_str().into(),
                    history: IndexMap::new(),
                    points: IndexMap::new(),
                    runs: Vec::new(),
                    reason: None,
                });
            }
            let window = &tail[tail.len().saturating_sub(cfg.baseline.rolling_window)..];
            let (points, runs) = points_of(&tail, cfg.noise.warmup_runs);
            Ok(Baseline {
                snapshot: rolling_median(window),
                strategy: Strategy::RollingMedian.as_str().into(),
                history: per_key(&tail),
                points,
                runs,
                reason: None,
            })
        }
        Strategy::Tagged => {
            let tag = cfg.baseline.tag.as_deref().ok_or_else(|| {
                Error::Baseline(
                    "baseline strategy 'tagged' needs a tag; set baseline.tag in flameiq.yaml"
                        .into(),
                )
            })?;
            let mut found = None;
            store.walk_history_backwards(&mut |s| {
                if has_tag(&s, tag) {
                    found = Some(s);
                    false
                } else {
                    true
                }
            })?;
            let snapshot = match found {
                Some(s) => s,
                None => {
                    let no_tag = Error::Baseline(format!(
                        "no baseline snapshot found with tag '{tag}'; set one with: flameiq baseline set --tag {tag} --metrics <file>"
                    ));
                    // Nothing stored at all: the store's own "no baseline" error.
                    return Err(if store.has_data()? {
                        no_tag
                    } else {
                        store.load_baseline().err().unwrap_or(no_tag)
                    });
                }
            };
            Ok(Baseline {
                snapshot,
                strategy: Strategy::Tagged.as_str().into(),
                history: IndexMap::new(),
                points: IndexMap::new(),
                runs: Vec::new(),
                reason: None,
            })
        }
    }
}

/// The commit a change request branches from, when the CI says it
/// ([`crate::ci::context::Context::merge_base`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MergeBase {
    /// The base commit's SHA.
    pub commit: String,
    /// Where it was read (`pull_request.base.sha`, `CI_MERGE_REQUEST_DIFF_BASE_SHA`).
    pub source: &'static str,
}

/// The strategy name of a merge-base baseline in the result document.
pub const MERGE_BASE: &str = "merge_base";

/// The baseline of a pull/merge request: the stored run of its base commit when the
/// history has it (strategy `merge_base`), else the configured strategy
/// ([`select_with`]); either way [`Baseline::reason`] says which and why. `history_depth`
/// as in [`select_with`]. Without a base commit this is [`select_with`].
pub fn select_for_change(
    store: &dyn Store,
    cfg: &Config,
    history_depth: usize,
    merge_base: Option<&MergeBase>,
) -> Result<Baseline> {
    let Some(mb) = merge_base else {
        return select_with(store, cfg, history_depth);
    };
    let short: String = mb.commit.chars().take(12).collect();
    if let Some(run) = store.run_for_commit(&mb.commit)? {
        let tail = store.history_tail(history_depth)?;
        let (points, runs) = points_of(&tail, cfg.noise.warmup_runs);
        return Ok(Baseline {
            snapshot: run,
            strategy: MERGE_BASE.into(),
            history: per_key(&tail),
            points,
            runs,
            reason: Some(format!(
                "the stored run of the base commit {short} ({})",
                mb.source
            )),
        });
    }
    let mut b = select_with(store, cfg, history_depth)?;
    b.reason = Some(format!(
        "no stored run of the base commit {short} ({}): strategy {}",
        mb.source, b.strategy
    ));
    Ok(b)
}

fn has_tag(s: &Snapshot, tag: &str) -> bool {
    s.metadata.tags.values().any(|v| v.as_str() == Some(tag))
}

fn per_key(snaps: &[Snapshot]) -> IndexMap<String, Vec<f64>> {
    let mut out: IndexMap<String, Vec<f64>> = IndexMap::new();
    for s in snaps {
        for (k, v) in s.flat() {
            out.entry(k.to_string()).or_default().push(v);
        }
    }
    out
}

/// [`Baseline::points`] and [`Baseline::runs`] of history snapshots (oldest first).
fn points_of(
    snaps: &[Snapshot],
    warmup: usize,
) -> (IndexMap<String, Vec<HistoryPoint>>, Vec<RunRef>) {
    let mut points: IndexMap<String, Vec<HistoryPoint>> = IndexMap::new();
    let mut runs = Vec::with_capacity(snaps.len());
    for (i, s) in snaps.iter().enumerate() {
        runs.push(RunRef {
            commit: s.metadata.commit.clone(),
            timestamp: s.metadata.timestamp.clone(),
        });
        for (k, v) in s.flat() {
            let info = s.metrics.info(k);
            let quantiles = super::stats::info_locations(info, v, warmup);
            points.entry(k.to_string()).or_default().push(HistoryPoint {
                run: i as u32,
                value: v,
                quantiles,
                sampled: quantiles.is_some() && super::stats::has_samples(info),
            });
        }
    }
    (points, runs)
}

/// Synthesises a snapshot whose every key is the median over the window (oldest first).
pub fn rolling_median(window: &[Snapshot]) -> Snapshot {
    let newest = window.last().expect("window is not empty");
    let values = per_key(window);
    let mut snap = Snapshot::new();
    snap.metadata = newest.metadata.clone();
    snap.metadata.tags.insert(
        "flameiq_synthetic".into(),
        serde_json::Value::String("rolling_median".into()),
    );
    for (k, vals) in &values {
        // Every key has at least one (finite, validated) value in the window.
        let Some(m) = median(vals) else { continue };
        snap.insert(k.clone(), m);
        // Unit and direction from the newest snapshot that describes the key.
        if let Some(info) = window.iter().rev().find_map(|s| s.metrics.info(k)) {
            let mut info = info.clone();
            info.samples.clear();
            snap.metrics.set_info(k.clone(), info);
        }
    }
    snap.canonicalize();
    snap
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::FileStore;

    fn snap(pairs: &[(&str, f64)]) -> Snapshot {
        Snapshot::from_pairs(pairs)
    }

    /// A store with `n` baselines set, `throughput` = 1, 2, .., n.
    fn store_of(dir: &std::path::Path, n: usize) -> FileStore {
        let store = FileStore::new(dir, None);
        for i in 1..=n {
            store
                .save_baseline(&snap(&[("throughput", i as f64)]), None)
                .unwrap();
        }
        store
    }

    fn cfg(strategy: Strategy) -> Config {
        let mut c = Config::default();
        c.baseline.strategy = strategy;
        c.baseline.rolling_window = 5;
        c
    }

    // Issue 8: a plain compare reads no history beyond the strategy's own.
    #[test]
    fn select_with_depth_zero_reads_only_what_the_strategy_needs() {
        let dir = tempfile::tempdir().unwrap();
        let store = store_of(dir.path(), 30);

        let last = select_with(&store, &cfg(Strategy::LastSuccessful), 0).unwrap();
        assert_eq!(last.snapshot.get("throughput"), Some(30.0));
        assert!(last.history.is_empty());

        let rolling = select_with(&store, &cfg(Strategy::RollingMedian), 0).unwrap();
        assert_eq!(rolling.snapshot.get("throughput"), Some(28.0));
        assert_eq!(
            rolling.history["throughput"],
            [26.0, 27.0, 28.0, 29.0, 30.0]
        );
    }

    // Issue 8: `select` keeps reading HISTORY_DEPTH snapshots, and so does select_with at it.
    #[test]
    fn select_reads_history_depth_and_equals_select_with_it() {
        let dir = tempfile::tempdir().unwrap();
        let store = store_of(dir.path(), 30);
        for strategy in [Strategy::LastSuccessful, Strategy::RollingMedian] {
            let a = select(&store, &cfg(strategy)).unwrap();
            let b = select_with(&store, &cfg(strategy), HISTORY_DEPTH).unwrap();
            let want: Vec<f64> = (11..=30).map(f64::from).collect();
            assert_eq!(a.history["throughput"], want, "{strategy:?}");
            assert_eq!(a.history, b.history);
            assert_eq!(a.snapshot, b.snapshot);
        }
    }

    #[test]
    fn history_depth_for_asks_for_history_only_when_something_uses_it() {
        let none = Rules::default();
        let mut auto = Rules::default();
        auto.insert("custom.*", Threshold::Auto(3.0));
        let plain = Config::default();
        assert_eq!(history_depth_for(&plain, &none, false), 0);
        assert_eq!(history_depth_for(&plain, &none, true), HISTORY_DEPTH);
        assert_eq!(history_depth_for(&plain, &auto, false), HISTORY_DEPTH);
        let mut stats = Config::default();
        stats.statistics.enabled = true;
        assert_eq!(history_depth_for(&stats, &none, false), HISTORY_DEPTH);
        let cfg_auto = Config {
            thresholds: auto,
            ..Config::default()
        };
        assert_eq!(history_depth_for(&cfg_auto, &none, false), HISTORY_DEPTH);
    }

    #[test]
    fn median_matches_flameiq_core() {
        assert_eq!(median(&[1.0, 3.0, 5.0]), Some(3.0));
        assert_eq!(median(&[4.0, 1.0, 3.0, 2.0]), Some(2.5));
        assert_eq!(median(&[]), None);
    }

    #[test]
    fn rolling_median_is_per_key_over_snapshots_that_have_it() {
        let w = vec![
            snap(&[("throughput", 100.0), ("custom.a", 1.0)]),
            snap(&[("throughput", 300.0)]),
            snap(&[("throughput", 200.0), ("custom.a", 3.0)]),
        ];
        let m = rolling_median(&w);
        assert_eq!(m.get("throughput"), Some(200.0));
        assert_eq!(m.get("custom.a"), Some(2.0));
        assert_eq!(
            m.metadata.tags["flameiq_synthetic"],
            serde_json::json!("rolling_median")
        );
    }
}
