//! The comparison result: flameiq-core's `--json` document, extended, never reshaped.
//!
//! Keys in flameiq-core's order come first (`status`, `exit_code`, `baseline_commit`,
//! `current_commit`, `statistical_mode`, `summary`, `counts`, `diffs`); our additions follow
//! (`strategy`, `baseline`, `current`, `missing`, `new`, `skipped`, `provider`), and each
//! diff gains `direction`, `unit`, `test`, `threshold_kind` and `improved` (plus
//! `change_absolute` for a change from a zero baseline) after flameiq-core's ten keys.
//!
//! `status` and `is_warning` keep flameiq-core's values, which call a large *improvement*
//! a `WARNING` too; `improved` tells the two apart, and every human view goes by
//! [`MetricDiff::label`] (`IMPROVED`, never `WARNING`, for an improvement).

use crate::schema::Direction;
use serde::{Deserialize, Serialize};

/// Overall outcome. flameiq-core only ever emits `pass` and `regression`; warnings are
/// counted in `counts.warnings` and do not change `status`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Status {
    /// Nothing regressed.
    Pass,
    /// At least one metric regressed.
    Regression,
    /// Nothing regressed, but statistics could not decide for at least one metric.
    InsufficientData,
}

impl Status {
    /// The lowercase name used in JSON and outputs.
    pub fn as_str(self) -> &'static str {
        match self {
            Status::Pass => "pass",
            Status::Regression => "regression",
            Status::InsufficientData => "insufficient_data",
        }
    }
}

/// Per-metric verdict, as flameiq-core's `status_label` (plus `INSUFFICIENT_DATA`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, PartialOrd, Ord, Hash)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum DiffStatus {
    /// Breached its threshold (and, with statistics, significantly).
    Regression,
    /// Within threshold but within the warning margin of it.
    Warning,
    /// Statistics enabled but the samples cannot reach significance.
    InsufficientData,
    /// Within threshold.
    Pass,
}

impl DiffStatus {
    /// `REGRESSION`, `WARNING`, `INSUFFICIENT_DATA` or `PASS`.
    pub fn as_str(self) -> &'static str {
        match self {
            DiffStatus::Regression => "REGRESSION",
            DiffStatus::Warning => "WARNING",
            DiffStatus::InsufficientData => "INSUFFICIENT_DATA",
            DiffStatus::Pass => "PASS",
        }
    }
}

/// One compared metric.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MetricDiff {
    /// Flat key, e.g. `latency.p95`.
    pub metric_key: String,
    /// Reference value.
    pub baseline_value: f64,
    /// Measured value.
    pub current_value: f64,
    /// `round((current - baseline) / |baseline| * 100, 4)`; `None` (JSON `null`) for a
    /// change from a zero baseline, which has no percentage.
    pub change_percent: Option<f64>,
    /// The allowance applied, in percent (for `auto`, the band derived from history).
    pub threshold_percent: f64,
    /// Breached its threshold (and was significant when statistics ran).
    pub is_regression: bool,
    /// Approaching the threshold.
    pub is_warning: bool,
    /// `PASS`, `WARNING`, `REGRESSION` or `INSUFFICIENT_DATA`.
    pub status: DiffStatus,
    /// Mann-Whitney U p-value in the metric's worse tail (two-sided for `both`), rounded to
    /// 6 places (statistics mode).
    pub p_value: Option<f64>,
    /// Cohen's d, current minus baseline, rounded to 4 places (statistics mode).
    pub effect_size: Option<f64>,
    /// Which way the metric gets worse.
    pub direction: Direction,
    /// The tool's unit, when a provider recorded it.
    #[serde(default)]
    pub unit: Option<String>,
    /// The statistical test applied, when one ran (`mann-whitney-u exact` or `mann-whitney-u normal`).
    #[serde(default)]
    pub test: Option<String>,
    /// How the threshold was chosen: `percent`, `auto` or `auto-fallback` (too little history).
    #[serde(default = "default_threshold_kind")]
    pub threshold_kind: String,
    /// The change went the metric's better way by at least the warning level: flameiq-core
    /// calls this a `WARNING` (and so does `status`); humans are told it improved.
    #[serde(default)]
    pub improved: bool,
    /// `current - baseline`, written only when `change_percent` is null (zero baseline).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub change_absolute: Option<f64>,
    /// What a calibrated `auto` band compared against, written only for those.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub auto_baseline: Option<AutoBaseline>,
    /// Why a calibrated `auto` metric was judged by a fixed threshold instead
    /// (`threshold_kind` `auto-fallback`), written only for those.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub auto_fallback: Option<AutoFallback>,
}

/// Why a calibrated `auto` band could not be drawn ([`MetricDiff::auto_fallback`]): the
/// history since the metric's last change point (or all of it) was too short, so the
/// diff was judged against its baseline run by the wider of the fixed threshold and the
/// band of every run read. Right after a change point that baseline run is one of the new
/// level's few runs, which a reader should know when a slowdown shows as a `WARNING`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AutoFallback {
    /// Runs in the segment that was too short (since the change point, or all read).
    pub runs: usize,
    /// Runs a band needs.
    pub needed: usize,
    /// Commit of the segment's first run.
    pub since_commit: Option<String>,
    /// Whether the segment starts at a change point (else the history itself is short).
    pub since_change_point: bool,
}

/// The baseline of a calibrated `auto` diff: the centre of the history segment since the
/// metric's last change point.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AutoBaseline {
    /// Runs in the segment (the band's calibration sample).
    pub runs: usize,
    /// Commit of the segment's first run.
    pub since_commit: Option<String>,
    /// Whether the segment starts at a change point (else at the oldest run read).
    pub since_change_point: bool,
    /// What each run contributed: `value`, or `min of samples` / `max of samples` /
    /// `median of samples` (the run's location), `reported min` / `reported max` (the
    /// range a tool reported without its samples), or `min of samples or reported min`
    /// (and so on) when the runs had some of each.
    pub location: String,
    /// With samples, the second view a regression must also show: the band of the same
    /// runs' stored values (a tool's median or mean). Load that slows part of a run moves
    /// its value and not its best sample, and the two views raise their false alarms on
    /// different runs, while a slowdown moves both (docs/statistics.md, "Calibrated
    /// `auto`"). Written only when it was applied (the values had their own band).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub value_check: Option<ValueCheck>,
}

/// The stored values' band of a calibrated `auto` diff with samples
/// ([`AutoBaseline::value_check`]).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ValueCheck {
    /// Centre (median) of the values since their own last change point.
    pub baseline_value: f64,
    /// The current run's stored value.
    pub current_value: f64,
    /// Relative change of the value from that centre, in percent (null from a zero centre).
    pub change_percent: Option<f64>,
    /// The values' calibrated band, in percent.
    pub threshold_percent: f64,
    /// Runs in the values' segment.
    pub runs: usize,
    /// Whether the value is beyond its band too; when not, the diff is no regression.
    pub breached: bool,
}

impl MetricDiff {
    /// Whether this diff is an improvement (see [`MetricDiff::improved`]).
    pub fn is_improvement(&self) -> bool {
        self.improved && !self.is_regression
    }

    /// A warning a human should look at: flameiq-core's warning, minus improvements.
    pub fn is_human_warning(&self) -> bool {
        self.is_warning && !self.is_regression && !self.improved
    }

    /// The verdict word for humans: `IMPROVED` for an improvement, else the status
    /// (`REGRESSION`, `WARNING`, `INSUFFICIENT_DATA`, `PASS`).
    pub fn label(&self) -> &'static str {
        if self.is_improvement() {
            "IMPROVED"
        } else {
            self.status.as_str()
        }
    }
}

fn default_threshold_kind() -> String {
    "percent".into()
}

/// Counts as in flameiq-core: warnings exclude regressions; passed excludes both.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
pub struct Counts {
    /// Metrics that regressed.
    pub regressions: usize,
    /// Metrics with a warning.
    pub warnings: usize,
    /// Metrics that passed cleanly.
    pub passed: usize,
    /// All compared metrics.
    pub total: usize,
}

/// A metric left out of the comparison, and why.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Skipped {
    /// Flat key.
    pub metric_key: String,
    /// Why (e.g. `baseline value is zero`).
    pub reason: String,
}

/// The metadata of one side, for reports.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
pub struct SideInfo {
    /// Commit SHA.
    pub commit: Option<String>,
    /// Branch.
    pub branch: Option<String>,
    /// ISO-8601 time.
    pub timestamp: Option<String>,
    /// Environment label.
    pub environment: Option<String>,
    /// Run id.
    pub run_id: Option<String>,
}

/// The full result of a comparison.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ComparisonResult {
    /// `pass`, `regression` or `insufficient_data`.
    pub status: Status,
    /// 1 when a metric regressed, else 0 (regardless of `--no-fail-on-regression`).
    pub exit_code: i32,
    /// Baseline commit.
    pub baseline_commit: Option<String>,
    /// Current commit.
    pub current_commit: Option<String>,
    /// Whether the significance test gated the verdicts.
    pub statistical_mode: bool,
    /// flameiq-core's one-line summary.
    pub summary: String,
    /// Counts.
    pub counts: Counts,
    /// Per-metric diffs, sorted by key.
    pub diffs: Vec<MetricDiff>,
    /// The baseline strategy used (`last_successful`, `rolling_median`, `tagged`, `file`,
    /// `merge_base`).
    pub strategy: String,
    /// Why that baseline run was used, when `flameiq ci` had a choice to make (a PR's base
    /// commit: issue 13's merge-base baselines).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub baseline_reason: Option<String>,
    /// Baseline metadata.
    pub baseline: SideInfo,
    /// Current metadata.
    pub current: SideInfo,
    /// Keys only in the baseline (not compared).
    pub missing: Vec<String>,
    /// Keys only in the current run (not compared, never regressions).
    pub new: Vec<String>,
    /// Keys present on both sides but not comparable (zero baseline, direction unknown).
    pub skipped: Vec<Skipped>,
    /// The provider that read the current run's metrics file (`json`, `go`, ...), when known.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub provider: Option<String>,
}

impl ComparisonResult {
    /// Diffs that regressed.
    pub fn regressions(&self) -> impl Iterator<Item = &MetricDiff> {
        self.diffs.iter().filter(|d| d.is_regression)
    }

    /// Diffs with a warning a human should see: neither regressions nor improvements
    /// (`counts.warnings` keeps flameiq-core's count, improvements included).
    pub fn warnings(&self) -> impl Iterator<Item = &MetricDiff> {
        self.diffs.iter().filter(|d| d.is_human_warning())
    }

    /// Diffs that improved (see [`MetricDiff::improved`]).
    pub fn improvements(&self) -> impl Iterator<Item = &MetricDiff> {
        self.diffs.iter().filter(|d| d.is_improvement())
    }

    /// Reads a result document written by `--output` (for `flameiq comment`).
    pub fn from_json(text: &str) -> Result<ComparisonResult, serde_json::Error> {
        serde_json::from_str(text)
    }

    /// The result document as flameiq-core's `json.dumps(result.to_dict(), indent=2)`
    /// would lay it out (plus our keys).
    pub fn to_json(&self) -> String {
        crate::pyjson::to_pretty(self)
    }
}
