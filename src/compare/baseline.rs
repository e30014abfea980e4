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

use crate::config::{Config, Strategy};
use crate::error::{Error, Result};
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
}

impl Baseline {
    /// A baseline given directly (`--baseline FILE`), with no history.
    pub fn from_file(snapshot: Snapshot) -> Baseline {
        Baseline {
            snapshot,
            strategy: "file".into(),
            history: IndexMap::new(),
        }
    }
}

/// How many history snapshots feed statistics and `auto` bands when the strategy itself
/// needs fewer.
pub const HISTORY_DEPTH: usize = 20;

/// Selects the baseline from the store according to the config's strategy.
pub fn select(store: &Store, cfg: &Config) -> Result<Baseline> {
    let depth = HISTORY_DEPTH.max(cfg.baseline.rolling_window);
    match cfg.baseline.strategy {
        Strategy::LastSuccessful => {
            let snapshot = store.load_baseline()?;
            let tail = store.history_tail(depth)?;
            Ok(Baseline {
                snapshot,
                strategy: Strategy::LastSuccessful.as_str().into(),
                history: per_key(&tail),
            })
        }
        Strategy::RollingMedian => {
            let tail = store.history_tail(depth)?;
            if tail.is_empty() {
                let snapshot = store.load_baseline()?;
                return Ok(Baseline {
                    snapshot,
                    strategy: Strategy::RollingMedian.as_str().into(),
                    history: IndexMap::new(),
                });
            }
            let window = &tail[tail.len().saturating_sub(cfg.baseline.rolling_window)..];
            Ok(Baseline {
                snapshot: rolling_median(window),
                strategy: Strategy::RollingMedian.as_str().into(),
                history: per_key(&tail),
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
            store.walk_history_backwards(|s| {
                if has_tag(&s, tag) {
                    found = Some(s);
                    false
                } else {
                    true
                }
            })?;
            let snapshot = found.ok_or_else(|| {
                if store.has_baseline() || store.history_path().exists() {
                    Error::Baseline(format!(
                        "no baseline snapshot found with tag '{tag}'; set one with: flameiq baseline set --tag {tag} --metrics <file>"
                    ))
                } else {
                    Error::NoBaseline {
                        path: store.baseline_path(),
                    }
                }
            })?;
            Ok(Baseline {
                snapshot,
                strategy: Strategy::Tagged.as_str().into(),
                history: IndexMap::new(),
            })
        }
    }
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

/// The median as flameiq-core's `noise_filter_median` computes it.
pub fn median(values: &[f64]) -> f64 {
    let mut s = values.to_vec();
    s.sort_by(f64::total_cmp);
    let n = s.len();
    if n == 0 {
        return f64::NAN;
    }
    if n % 2 == 1 {
        s[n / 2]
    } else {
        (s[n / 2 - 1] + s[n / 2]) / 2.0
    }
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
        snap.insert(k.clone(), median(vals));
        // Unit and direction from the newest snapshot that describes the key.
        if let Some(info) = window.iter().rev().find_map(|s| s.metric_info.get(k)) {
            let mut info = info.clone();
            info.samples.clear();
            snap.metric_info.insert(k.clone(), info);
        }
    }
    snap.canonicalize();
    snap
}

#[cfg(test)]
mod tests {
    use super::*;

    fn snap(pairs: &[(&str, f64)]) -> Snapshot {
        let mut s = Snapshot::new();
        for (k, v) in pairs {
            s.insert(*k, *v);
        }
        s
    }

    #[test]
    fn median_matches_flameiq_core() {
        assert_eq!(median(&[1.0, 3.0, 5.0]), 3.0);
        assert_eq!(median(&[4.0, 1.0, 3.0, 2.0]), 2.5);
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
