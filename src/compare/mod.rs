//! Comparison: a current snapshot against a baseline, per-metric thresholds and directions.
//!
//! Semantics are flameiq-core's, made precise:
//!
//! - `change_percent = round((current - baseline) / baseline * 100, 4)` with Python's
//!   rounding (half-even on exact ties, as `format!("{:.4}")` does).
//! - A zero baseline value is skipped with a warning (listed in `skipped`); keys only in the
//!   baseline are listed in `missing`; keys only in the current run in `new`. Neither is a
//!   regression.
//! - Direction (config `directions` > current `metric_info` > baseline `metric_info` > the
//!   default table): lower-is-better regresses when `change > |t|`, higher-is-better when
//!   `change < -|t|`, two-sided when `|change| > |t|`. A change exactly at the threshold
//!   passes; an improvement never regresses.
//! - WARNING: not a regression, `|change| > 0` and `|change| >= |t| - warning_margin`
//!   (flameiq-core's rule, which also flags large improvements as worth a look).
//! - Diffs sorted by key.
//!
//! The threshold of a key is `--threshold` > `flameiq.yaml` > 10 %.

pub mod baseline;
pub mod result;
pub mod stats;

use crate::config::{Config, Rules, Threshold, DEFAULT_THRESHOLD_PERCENT};
use crate::schema::{Direction, Snapshot};
use baseline::Baseline;
use result::{ComparisonResult, Counts, DiffStatus, MetricDiff, SideInfo, Skipped, Status};

/// Rounds like Python's `round(x, places)`.
pub fn round_places(x: f64, places: usize) -> f64 {
    if !x.is_finite() {
        return x;
    }
    format!("{x:.places$}").parse().unwrap_or(x)
}

/// `round((current - baseline) / baseline * 100, 4)`; `None` for a zero baseline.
pub fn change_percent(baseline: f64, current: f64) -> Option<f64> {
    if baseline == 0.0 {
        return None;
    }
    Some(round_places((current - baseline) / baseline * 100.0, 4))
}

/// Whether a change breaches a threshold in the metric's direction.
pub fn is_breach(direction: Direction, change: f64, threshold: f64) -> bool {
    let t = threshold.abs();
    match direction {
        Direction::LowerIsBetter => change > t,
        Direction::HigherIsBetter => change < -t,
        Direction::Both => change.abs() > t,
    }
}

/// Everything that decides verdicts besides the two snapshots.
#[derive(Debug, Clone, Default)]
pub struct Settings {
    /// `--threshold` overrides (highest precedence).
    pub flag_thresholds: Rules<Threshold>,
    /// The config (thresholds, directions, statistics, noise).
    pub config: Config,
}

impl Settings {
    /// The threshold rule for a key: flags, then the config, then 10 %.
    pub fn threshold_for(&self, key: &str) -> Threshold {
        self.flag_thresholds
            .lookup(key)
            .or_else(|| self.config.thresholds.lookup(key))
            .unwrap_or(Threshold::Percent(DEFAULT_THRESHOLD_PERCENT))
    }

    /// The direction of a key given both snapshots.
    pub fn direction_for(&self, key: &str, baseline: &Snapshot, current: &Snapshot) -> Direction {
        self.config
            .directions
            .lookup(key)
            .or_else(|| current.metric_info.get(key).and_then(|i| i.direction))
            .or_else(|| baseline.metric_info.get(key).and_then(|i| i.direction))
            .unwrap_or_else(|| Direction::default_for(key))
    }
}

fn side(s: &Snapshot) -> SideInfo {
    SideInfo {
        commit: s.metadata.commit.clone(),
        branch: s.metadata.branch.clone(),
        timestamp: Some(s.metadata.timestamp.clone()),
        environment: Some(s.metadata.environment.clone()),
        run_id: Some(s.metadata.run_id.clone()),
    }
}

/// Compares `current` against the chosen baseline.
pub fn compare(base: &Baseline, current: &Snapshot, settings: &Settings) -> ComparisonResult {
    let baseline = &base.snapshot;
    let margin = settings.config.noise.warning_margin;

    let mut keys: Vec<&str> = baseline.metrics.keys().map(String::as_str).collect();
    keys.sort_unstable();

    let mut diffs = Vec::with_capacity(keys.len());
    let mut missing = Vec::new();
    let mut skipped = Vec::new();
    for key in keys {
        let b = baseline.get(key).unwrap_or(f64::NAN);
        let Some(c) = current.get(key) else {
            tracing::warn!("metric '{key}' in baseline but missing from current; skipped");
            missing.push(key.to_string());
            continue;
        };
        let Some(change) = change_percent(b, c) else {
            tracing::warn!("skipping metric '{key}': baseline value is zero (current={c})");
            skipped.push(Skipped {
                metric_key: key.to_string(),
                reason: "baseline value is zero".into(),
            });
            continue;
        };
        let direction = settings.direction_for(key, baseline, current);
        let (threshold, kind) = match settings.threshold_for(key) {
            Threshold::Percent(p) => (p, "percent"),
            // History-aware bands need the statistics module; until a key has history the
            // default applies.
            Threshold::Auto(_) => (DEFAULT_THRESHOLD_PERCENT, "auto"),
        };
        let is_regression = is_breach(direction, change, threshold);
        let is_warning =
            !is_regression && change.abs() >= threshold.abs() - margin && change.abs() > 0.0;
        let status = if is_regression {
            DiffStatus::Regression
        } else if is_warning {
            DiffStatus::Warning
        } else {
            DiffStatus::Pass
        };
        let unit = current
            .metric_info
            .get(key)
            .or_else(|| baseline.metric_info.get(key))
            .and_then(|i| i.unit.clone());
        diffs.push(MetricDiff {
            metric_key: key.to_string(),
            baseline_value: b,
            current_value: c,
            change_percent: change,
            threshold_percent: threshold,
            is_regression,
            is_warning,
            status,
            p_value: None,
            effect_size: None,
            direction,
            unit,
            test: None,
            threshold_kind: kind.into(),
        });
    }
    let mut new: Vec<String> = current
        .metrics
        .keys()
        .filter(|k| !baseline.metrics.contains_key(*k))
        .cloned()
        .collect();
    new.sort_unstable();

    finish(diffs, base, current, missing, new, skipped, false)
}

/// Builds the result from finished diffs: counts, status, summary.
pub fn finish(
    diffs: Vec<MetricDiff>,
    base: &Baseline,
    current: &Snapshot,
    missing: Vec<String>,
    new: Vec<String>,
    skipped: Vec<Skipped>,
    statistical_mode: bool,
) -> ComparisonResult {
    let regressions: Vec<&str> = diffs
        .iter()
        .filter(|d| d.is_regression)
        .map(|d| d.metric_key.as_str())
        .collect();
    let warnings = diffs
        .iter()
        .filter(|d| d.is_warning && !d.is_regression)
        .count();
    let insufficient = diffs
        .iter()
        .any(|d| d.status == DiffStatus::InsufficientData);
    let counts = Counts {
        regressions: regressions.len(),
        warnings,
        passed: diffs
            .iter()
            .filter(|d| !d.is_regression && !d.is_warning)
            .count(),
        total: diffs.len(),
    };
    let status = if !regressions.is_empty() {
        Status::Regression
    } else if insufficient {
        Status::InsufficientData
    } else {
        Status::Pass
    };
    let summary = if regressions.is_empty() {
        format!("All {} metric(s) within threshold.", diffs.len())
    } else {
        format!(
            "{} regression(s) in: {}",
            regressions.len(),
            regressions.join(", ")
        )
    };
    ComparisonResult {
        status,
        exit_code: i32::from(status == Status::Regression),
        baseline_commit: base.snapshot.metadata.commit.clone(),
        current_commit: current.metadata.commit.clone(),
        statistical_mode,
        summary,
        counts,
        diffs,
        strategy: base.strategy.clone(),
        baseline: side(&base.snapshot),
        current: side(current),
        missing,
        new,
        skipped,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn snap(pairs: &[(&str, f64)]) -> Snapshot {
        let mut s = Snapshot::new();
        for (k, v) in pairs {
            s.insert(*k, *v);
        }
        s.canonicalize();
        s
    }

    fn run(b: &[(&str, f64)], c: &[(&str, f64)], settings: &Settings) -> ComparisonResult {
        compare(&Baseline::from_file(snap(b)), &snap(c), settings)
    }

    #[test]
    fn change_percent_rounds_like_python() {
        // Python: round((110.0 - 100.0) / 100.0 * 100, 4) == 10.0
        assert_eq!(change_percent(100.0, 110.0), Some(10.0));
        // Python: round((1.0 - 3.0) / 3.0 * 100, 4) == -66.6667
        assert_eq!(change_percent(3.0, 1.0), Some(-66.6667));
        assert_eq!(change_percent(0.0, 1.0), None);
        // Python: round(0.000125, 4) == 0.0001 (the double is just below the tie)
        assert_eq!(round_places(0.000125, 4), 0.0001);
    }

    #[test]
    fn directions_and_boundaries() {
        let s = Settings::default();
        let r = run(
            &[
                ("latency.p95", 100.0),
                ("throughput", 100.0),
                ("custom.x", 100.0),
                ("memory_mb", 100.0),
            ],
            &[
                ("latency.p95", 110.0), // exactly at the threshold: passes
                ("throughput", 89.0),   // -11 %: regression
                ("custom.x", 88.0),     // two-sided: regression
                ("memory_mb", 50.0),    // improvement: never a regression
            ],
            &s,
        );
        let st: Vec<_> = r
            .diffs
            .iter()
            .map(|d| (d.metric_key.as_str(), d.status))
            .collect();
        assert_eq!(
            st,
            [
                ("custom.x", DiffStatus::Regression),
                ("latency.p95", DiffStatus::Warning),
                ("memory_mb", DiffStatus::Warning),
                ("throughput", DiffStatus::Regression),
            ]
        );
        assert_eq!(r.status, Status::Regression);
        assert_eq!(r.summary, "2 regression(s) in: custom.x, throughput");
        assert_eq!(
            r.counts,
            Counts {
                regressions: 2,
                warnings: 2,
                passed: 0,
                total: 4
            }
        );
    }

    #[test]
    fn missing_new_and_zero_are_listed_not_compared() {
        let r = run(
            &[
                ("custom.gone", 1.0),
                ("custom.zero", 0.0),
                ("throughput", 10.0),
            ],
            &[
                ("custom.zero", 5.0),
                ("throughput", 10.0),
                ("custom.fresh", 1.0),
            ],
            &Settings::default(),
        );
        assert_eq!(r.missing, ["custom.gone"]);
        assert_eq!(r.new, ["custom.fresh"]);
        assert_eq!(r.skipped[0].metric_key, "custom.zero");
        assert_eq!(r.counts.total, 1);
        assert_eq!(r.status, Status::Pass);
        assert_eq!(r.summary, "All 1 metric(s) within threshold.");
    }

    #[test]
    fn flag_thresholds_beat_config_and_directions_apply() {
        let mut s = Settings::default();
        s.config
            .thresholds
            .insert("custom.*", Threshold::Percent(50.0));
        s.config
            .directions
            .insert("custom.speed", Direction::HigherIsBetter);
        s.flag_thresholds
            .insert("custom.tight", Threshold::Percent(1.0));
        let r = run(
            &[
                ("custom.speed", 100.0),
                ("custom.tight", 100.0),
                ("custom.loose", 100.0),
            ],
            &[
                ("custom.speed", 140.0),
                ("custom.tight", 102.0),
                ("custom.loose", 140.0),
            ],
            &s,
        );
        let get = |k: &str| r.diffs.iter().find(|d| d.metric_key == k).unwrap();
        assert!(
            !get("custom.speed").is_regression,
            "faster is not a regression"
        );
        assert!(get("custom.tight").is_regression);
        assert!(!get("custom.loose").is_regression);
        assert_eq!(get("custom.loose").threshold_percent, 50.0);
    }
}
