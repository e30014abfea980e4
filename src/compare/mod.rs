//! Comparison: a current snapshot against a baseline, per-metric thresholds and directions.
//!
//! Semantics are flameiq-core's, made precise:
//!
//! - `change_percent = round((current - baseline) / |baseline| * 100, 4)` with Python's
//!   rounding (half-even on exact ties, as `format!("{:.4}")` does). flameiq-core divides by
//!   the signed baseline, so a negative baseline flips the sign of every change
//!   (lower-is-better −10 → −5 reads −50 % there, +50 % here): a departure, in the README.
//! - A zero baseline value has no percentage change. When the key's direction is *known*
//!   (`directions` in the config, or `metric_info.direction` on either side, which every
//!   provider records) the change is judged anyway: any move to the worse side is a
//!   regression whatever the threshold, a move to the better side an improvement, no move
//!   a pass; `change_percent` is null and `change_absolute` carries `current - baseline`.
//!   Where nothing says the direction (only the default table by key name), the key is
//!   skipped with a warning as flameiq-core does (listed in `skipped`).
//! - Keys only in the baseline are listed in `missing`; keys only in the current run in
//!   `new`. Neither is a regression. When *no* key is on both sides, nothing was compared
//!   and [`compare`] fails with [`Error::NothingCompared`] (exit 2) naming a few keys of
//!   each side, rather than reporting a pass of 0 metrics.
//! - Direction (config `directions` > current `metric_info` > baseline `metric_info` > the
//!   default table): lower-is-better regresses when `change > |t|`, higher-is-better when
//!   `change < -|t|`, two-sided when `|change| > |t|`. A change exactly at the threshold
//!   passes; an improvement never regresses.
//! - WARNING: not a regression, `|change| > 0` and `|change| >= |t| - warning_margin`
//!   (flameiq-core's rule, which also flags large improvements as worth a look); for a
//!   computed `auto` band `|change| >= |t| · (1 - warning_margin / 10)`, the same share of
//!   the band as of the 10 % default ([`warning_floor`]). Such a
//!   change on the metric's better side (never for `both`) is `improved`: `status` stays
//!   `WARNING` for flameiq-core's readers, and the human views say it improved.
//! - Diffs sorted by key.
//!
//! The threshold of a key is `--threshold` > `flameiq.yaml` > 10 %. An `auto(k)`
//! threshold is the key's `k · IQR / median` band ([`stats::auto_band`]); a plain `auto`
//! is the calibrated band of the history since the key's last change point
//! ([`stats::calibrated_band`], see `calibrate`), judged against that segment's centre
//! (the diff's `baseline_value`, with `auto_baseline` saying which runs). Both are
//! `threshold_kind` `auto`, or 10 % (`auto-fallback`) with fewer than
//! [`stats::AUTO_MIN_HISTORY`] values (for `auto`: since the last change point).
//!
//! With statistics on (`statistics.enabled` or `--statistics`), each key with samples (or
//! history) is tested with Mann-Whitney U in its worse tail ([`stats`]), and a breach is a
//! regression only when `p < alpha`. A key whose sample sizes cannot reach alpha at all
//! cannot be confirmed by the test: if it breached, it is judged by its threshold (a
//! regression, `test` = "threshold only: too few samples"), as asv falls back when its test
//! cannot decide; with `statistics.insufficient: pass`, or when it did not breach, it is
//! `INSUFFICIENT_DATA`. `is_warning` still follows the warning rule for it. A key with neither samples nor history is decided by its threshold alone
//! and its `p_value`, `effect_size` and `test` stay null.
//!
//! Length (over 500 lines): about 250 of them are the unit tests beside the code.

/// The `test` of a diff judged by its threshold because the samples were too few for the
/// statistical test to ever reach significance (`statistics.insufficient: regress`).
pub const THRESHOLD_ONLY_TOO_FEW_SAMPLES: &str = "threshold only: too few samples";

pub mod band_table;
pub mod baseline;
pub mod changes;
pub mod recent;
pub mod result;
pub mod stats;

use crate::config::{Config, Rules, Threshold, DEFAULT_THRESHOLD_PERCENT};
use crate::error::{Error, Result};
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

/// `round((current - baseline) / |baseline| * 100, 4)`; `None` for a zero baseline. The
/// absolute value keeps the sign meaning "went up" for negative baselines too.
pub fn change_percent(baseline: f64, current: f64) -> Option<f64> {
    if baseline == 0.0 {
        return None;
    }
    Some(round_places(
        (current - baseline) / baseline.abs() * 100.0,
        4,
    ))
}

/// The relative change a threshold judges: `change` (from [`change_percent`]), or, from
/// a zero baseline, infinite on the side the value moved to (zero if it did not move).
fn judged_change(change: Option<f64>, baseline: f64, current: f64) -> f64 {
    change.unwrap_or(if current > baseline {
        f64::INFINITY
    } else if current < baseline {
        f64::NEG_INFINITY
    } else {
        0.0
    })
}

/// Whether a change is on the metric's better side (never for `both`).
pub fn is_better(direction: Direction, change: f64) -> bool {
    match direction {
        Direction::LowerIsBetter => change < 0.0,
        Direction::HigherIsBetter => change > 0.0,
        Direction::Both => false,
    }
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
        self.known_direction(key, baseline, current)
            .unwrap_or_else(|| Direction::default_for(key))
    }

    /// The direction something explicitly says for a key (the config's `directions`, then
    /// either side's `metric_info`), without the default table.
    pub fn known_direction(
        &self,
        key: &str,
        baseline: &Snapshot,
        current: &Snapshot,
    ) -> Option<Direction> {
        self.config
            .directions
            .lookup(key)
            .or_else(|| current.metrics.info(key).and_then(|i| i.direction))
            .or_else(|| baseline.metrics.info(key).and_then(|i| i.direction))
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

/// How many keys of each side [`Error::NothingCompared`] names.
pub const KEYS_NAMED: usize = 5;

/// `'a', 'b', 'c' and 4 more` (the first [`KEYS_NAMED`] of sorted keys), or `(none)`.
fn name_keys<'a>(keys: impl Iterator<Item = &'a String>) -> String {
    let mut keys: Vec<&str> = keys.map(String::as_str).collect();
    keys.sort_unstable();
    if keys.is_empty() {
        return "(none)".into();
    }
    let shown: Vec<String> = keys
        .iter()
        .take(KEYS_NAMED)
        .map(|k| format!("'{k}'"))
        .collect();
    let mut s = shown.join(", ");
    if keys.len() > KEYS_NAMED {
        s.push_str(&format!(" and {} more", keys.len() - KEYS_NAMED));
    }
    s
}

/// The smallest |change| that is a WARNING for a threshold of `threshold` percent.
///
/// flameiq-core's rule is `|t| - warning_margin`: with its 10 % default and the 5-point
/// margin, changes of half the threshold and more are worth a look. A computed `auto`
/// band (issue 14) is often narrower than the margin (2-6 % on steady CPU time), and then
/// that rule flags every change that is not exactly zero, so a band keeps the rule's
/// *proportion* instead: `|t| · (1 - warning_margin / 10)`, half the band by default. The
/// two rules agree on a 10 % threshold; a margin of 10 or more flags every change either way.
pub fn warning_floor(threshold: f64, margin: f64, band: bool) -> f64 {
    if band {
        threshold.abs() * (1.0 - margin / DEFAULT_THRESHOLD_PERCENT).max(0.0)
    } else {
        threshold.abs() - margin
    }
}

/// Compares `current` against the chosen baseline.
///
/// Fails with [`Error::NothingCompared`] (exit 2) when no key is on both sides.
pub fn compare(
    base: &Baseline,
    current: &Snapshot,
    settings: &Settings,
) -> Result<ComparisonResult> {
    let baseline = &base.snapshot;
    if !baseline
        .metrics
        .keys()
        .any(|k| current.metrics.contains_key(k))
    {
        return Err(Error::NothingCompared {
            baseline: name_keys(baseline.metrics.keys()),
            current: name_keys(current.metrics.keys()),
        });
    }
    let margin = settings.config.noise.warning_margin;
    let statistical_mode = settings.config.statistics.enabled;
    let depth = baseline::HISTORY_DEPTH.max(settings.config.baseline.rolling_window);

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
        let change = change_percent(b, c);
        let known = settings.known_direction(key, baseline, current);
        if change.is_none() && known.is_none() {
            tracing::warn!("skipping metric '{key}': baseline value is zero (current={c})");
            skipped.push(Skipped {
                metric_key: key.to_string(),
                reason: "baseline value is zero".into(),
            });
            continue;
        }
        let direction = known.unwrap_or_else(|| Direction::default_for(key));
        let history = base
            .history
            .get(key)
            .map(|h| &h[h.len().saturating_sub(depth)..]);
        let rule = settings.threshold_for(key);
        // A calibrated band judges the current run's location against the centre of the
        // segment since the last change point, not against one stored run.
        let calibrated = match rule {
            Threshold::Calibrated => {
                Some(calibrate(key, base, current, c, direction, depth, settings))
            }
            _ => None,
        };
        let (calibrated, fallback, auto_fallback) = match calibrated {
            Some(Ok(cal)) => (Some(cal), stats::AUTO_FALLBACK_PERCENT, None),
            Some(Err(f)) => (None, f.percent, f.why),
            None => (None, stats::AUTO_FALLBACK_PERCENT, None),
        };
        let (b, c, change) = match &calibrated {
            Some(cal) => (
                cal.band.centre,
                cal.current,
                change_percent(cal.band.centre, cal.current),
            ),
            None => (b, c, change),
        };
        let judged = judged_change(change, b, c);
        let (threshold, kind) = match rule {
            Threshold::Percent(p) => (p, "percent"),
            Threshold::Calibrated => match &calibrated {
                Some(cal) => (round_places(cal.band.percent, 4), "auto"),
                None => (round_places(fallback, 4), "auto-fallback"),
            },
            Threshold::Auto(k) => match history
                .and_then(|h| stats::auto_band(k, h, settings.config.statistics.auto_floor))
            {
                Some(band) => (round_places(band, 4), "auto"),
                None => {
                    tracing::debug!(
                        "'{key}': auto threshold needs {} history values, has {}; using {}%",
                        stats::AUTO_MIN_HISTORY,
                        history.map_or(0, <[f64]>::len),
                        stats::AUTO_FALLBACK_PERCENT
                    );
                    (stats::AUTO_FALLBACK_PERCENT, "auto-fallback")
                }
            },
        };
        // With samples, the values' band must be breached too (`value_check`).
        let breach = is_breach(direction, judged, threshold)
            && calibrated
                .as_ref()
                .and_then(|cal| cal.basis.value_check.as_ref())
                .is_none_or(|v| v.breached);
        let verdict = if statistical_mode {
            test_key(key, base, history, current, c, direction, settings)
        } else {
            Verdict::threshold_only()
        };
        // No silent pass (issue 14): a breach the test could never confirm for lack of
        // samples is judged by its threshold, and says so, unless the user chose `pass`.
        let threshold_fallback = breach
            && verdict.insufficient
            && settings.config.statistics.insufficient == crate::config::Insufficient::Regress;
        let is_regression = breach && (verdict.significant || threshold_fallback);
        // flameiq-core's warning rule; a change from zero has no percentage to weigh, and
        // is a regression or an improvement already. A computed band reads the margin
        // relative to the band (see `warning_floor`).
        let floor = warning_floor(threshold, margin, kind == "auto");
        let is_warning =
            change.is_some_and(|ch| !is_regression && ch.abs() >= floor && ch.abs() > 0.0);
        let improved =
            !is_regression && is_better(direction, judged) && (is_warning || change.is_none());
        let status = if is_regression {
            DiffStatus::Regression
        } else if verdict.insufficient {
            DiffStatus::InsufficientData
        } else if is_warning {
            DiffStatus::Warning
        } else {
            DiffStatus::Pass
        };
        let unit = current
            .metrics
            .info(key)
            .or_else(|| baseline.metrics.info(key))
            .and_then(|i| i.unit.as_ref().map(|u| u.to_string()));
        diffs.push(MetricDiff {
            metric_key: key.to_string(),
            baseline_value: b,
            current_value: c,
            change_percent: change,
            threshold_percent: threshold,
            is_regression,
            is_warning,
            status,
            p_value: verdict.p_value,
            effect_size: verdict.effect_size,
            direction,
            unit,
            test: if threshold_fallback {
                Some(THRESHOLD_ONLY_TOO_FEW_SAMPLES.into())
            } else {
                verdict.test.map(String::from)
            },
            threshold_kind: kind.into(),
            improved,
            change_absolute: change.is_none().then_some(c - b),
            auto_baseline: calibrated.map(|cal| cal.basis),
            auto_fallback,
        });
    }
    let mut new: Vec<String> = current
        .metrics
        .keys()
        .filter(|k| !baseline.metrics.contains_key(*k))
        .cloned()
        .collect();
    new.sort_unstable();

    Ok(finish(
        diffs,
        base,
        current,
        missing,
        new,
        skipped,
        statistical_mode,
    ))
}

/// The threshold that judges a calibrated `auto` key whose band could not be drawn, and
/// why, for the diff ([`result::AutoFallback`]; `None` for a zero centre, which is logged).
struct Fallback {
    percent: f64,
    why: Option<result::AutoFallback>,
}

/// A calibrated `auto` band for one key, with what it compares.
struct Calibration {
    band: stats::CalibratedBand,
    /// The current run's location (or value).
    current: f64,
    basis: result::AutoBaseline,
}

/// The calibrated band of `key` (see [`stats::calibrated_band`]): the key's last `depth`
/// history runs, cut after their last change point, each run's location the best of
/// its samples ([`stats::run_location`]: raw samples, or the `min`/`max` its tool
/// reported) when the current run and every run read carry them, else its value. When fewer than [`stats::AUTO_MIN_HISTORY`] runs remain, the error is the
/// threshold that decides instead (`threshold_kind` `auto-fallback`), logged: the fixed
/// 10 %, or the band of every run read when that is wider. Right after a change point the
/// noise since is unknown; the uncut band, which the step itself widens, is the cautious
/// guess, and on a noisy metric the fixed 10 % alone flagged a fifth of unchanged runs
/// (docs/verdict-quality.md). With samples, the band of the runs' stored values comes
/// along as the second view a regression must also breach (`value_check`).
fn calibrate(
    key: &str,
    base: &Baseline,
    current: &Snapshot,
    current_value: f64,
    direction: Direction,
    depth: usize,
    settings: &Settings,
) -> std::result::Result<Calibration, Fallback> {
    let points = base
        .points
        .get(key)
        .map_or(&[][..], |p| &p[p.len().saturating_sub(depth)..]);
    let rate = settings.config.statistics.false_alarm_rate;
    let floor = settings.config.statistics.auto_floor;
    let fallback = |locs: &[f64], have: usize, what: &str| {
        let uncut = stats::calibrated_band(locs, rate, floor, direction)
            .map_or(0.0, |b| b.percent)
            .max(stats::AUTO_FALLBACK_PERCENT);
        let using = if uncut > stats::AUTO_FALLBACK_PERCENT {
            format!(
                "using the band of all {} runs read, {uncut:.2}%, wider than the fixed {}%",
                locs.len(),
                stats::AUTO_FALLBACK_PERCENT
            )
        } else {
            format!("using the fixed {}%", stats::AUTO_FALLBACK_PERCENT)
        };
        tracing::info!(
            "'{key}': auto threshold needs {} runs {what}, has {have}; {using}",
            stats::AUTO_MIN_HISTORY
        );
        uncut
    };
    let warmup = settings.config.noise.warmup_runs;
    let current_loc =
        stats::run_location(current.metrics.info(key), current_value, warmup, direction);
    let use_samples = current_loc.is_some() && points.iter().all(|p| p.quantiles.is_some());
    let locs: Vec<f64> = points
        .iter()
        .map(|p| {
            if use_samples {
                p.location(direction)
            } else {
                p.value
            }
        })
        .collect();
    let (start, band) =
        band_since_change_point(&locs, &settings.config.changes, rate, floor, direction);
    let segment = &locs[start..];
    if segment.len() < stats::AUTO_MIN_HISTORY {
        let what = if start > 0 {
            "since its last change point"
        } else {
            "of history"
        };
        let since_commit = points
            .get(start)
            .and_then(|p| base.runs.get(p.run as usize))
            .and_then(|r| r.commit.clone());
        return Err(Fallback {
            percent: fallback(&locs, segment.len(), what),
            why: Some(result::AutoFallback {
                runs: segment.len(),
                needed: stats::AUTO_MIN_HISTORY,
                since_commit,
                since_change_point: start > 0,
            }),
        });
    }
    let Some(band) = band else {
        return Err(Fallback {
            percent: fallback(&[], 0, "with a non-zero centre"),
            why: None,
        });
    };
    // What located the runs: their samples, the min/max their tool reported (a file
    // without samples), or a mix of the two; for `both` a reported range has no middle,
    // and the stored value stands in for it.
    let sampled = use_samples
        && stats::has_samples(current.metrics.info(key))
        && points.iter().all(|p| p.sampled);
    let reported = use_samples && !sampled;
    let mixed = reported
        && (stats::has_samples(current.metrics.info(key)) || points.iter().any(|p| p.sampled));
    let location = match (use_samples, sampled, mixed, direction) {
        (false, ..) => "value",
        (_, true, _, Direction::LowerIsBetter) => "min of samples",
        (_, true, _, Direction::HigherIsBetter) => "max of samples",
        (_, true, _, Direction::Both) => "median of samples",
        (_, _, false, Direction::LowerIsBetter) => "reported min",
        (_, _, false, Direction::HigherIsBetter) => "reported max",
        (_, _, false, Direction::Both) => "value",
        (_, _, true, Direction::LowerIsBetter) => "min of samples or reported min",
        (_, _, true, Direction::HigherIsBetter) => "max of samples or reported max",
        (_, _, true, Direction::Both) => "median of samples or value",
    };
    let first = points[start].run as usize;
    // The second view, on the same runs: their stored values, cut at their own change
    // points (a location and a median need not step at the same run).
    let value_check = if use_samples {
        let values: Vec<f64> = points.iter().map(|p| p.value).collect();
        band_since_change_point(&values, &settings.config.changes, rate, floor, direction)
            .1
            .map(|vb| {
                let change = change_percent(vb.centre, current_value);
                let threshold_percent = round_places(vb.percent, 4);
                result::ValueCheck {
                    baseline_value: vb.centre,
                    current_value,
                    change_percent: change,
                    threshold_percent,
                    runs: vb.runs,
                    breached: is_breach(
                        direction,
                        judged_change(change, vb.centre, current_value),
                        threshold_percent,
                    ),
                }
            })
    } else {
        None
    };
    Ok(Calibration {
        band,
        current: if use_samples {
            current_loc.unwrap_or(current_value)
        } else {
            current_value
        },
        basis: result::AutoBaseline {
            runs: segment.len(),
            since_commit: base.runs.get(first).and_then(|r| r.commit.clone()),
            since_change_point: start > 0,
            location: location.into(),
            value_check,
        },
    })
}

/// The calibrated `auto` band of a history of per-run locations (oldest first, already cut
/// to the depth in use): the index of the first run after the last change point, and the
/// band of the runs from there ([`stats::calibrated_band`], `None` for too few runs or a
/// zero centre). The one computation behind `compare`'s verdict and the dashboard's drawn
/// band, so the two never disagree.
pub fn band_since_change_point(
    locations: &[f64],
    changes: &changes::ChangeConfig,
    rate: f64,
    floor: f64,
    direction: Direction,
) -> (usize, Option<stats::CalibratedBand>) {
    let start = changes::change_points(locations, changes)
        .last()
        .map_or(0, |cp| cp.index);
    (
        start,
        stats::calibrated_band(&locations[start..], rate, floor, direction),
    )
}

/// What the significance test said about one key.
#[derive(Debug, Clone, Default)]
struct Verdict {
    /// Significant at alpha, or no test ran (the threshold alone decides).
    significant: bool,
    /// The sample sizes cannot reach alpha.
    insufficient: bool,
    p_value: Option<f64>,
    effect_size: Option<f64>,
    test: Option<&'static str>,
}

impl Verdict {
    /// No test: a breach alone is a regression.
    fn threshold_only() -> Verdict {
        Verdict {
            significant: true,
            ..Verdict::default()
        }
    }
}

/// Runs the Mann-Whitney test for one key in the tail that is worse for it.
fn test_key(
    key: &str,
    base: &Baseline,
    history: Option<&[f64]>,
    current: &Snapshot,
    current_value: f64,
    direction: Direction,
    settings: &Settings,
) -> Verdict {
    let warmup = settings.config.noise.warmup_runs;
    let Some(s) = stats::samples_for(key, &base.snapshot, history, current, current_value, warmup)
    else {
        tracing::debug!("'{key}': no samples and no history; the threshold alone decides");
        return Verdict::threshold_only();
    };
    let alt = stats::alternative_for(direction);
    let alpha = stats::alpha(settings.config.statistics.confidence);
    let r = stats::mann_whitney_u(&s.current, &s.baseline, alt);
    let floor = stats::min_attainable_p(s.current.len(), s.baseline.len(), alt);
    let insufficient = floor >= alpha;
    tracing::debug!(
        "'{key}': {} on {} ({} current vs {} baseline), p={} (smallest attainable {floor}), alpha={alpha}",
        r.method.test_name(),
        s.source,
        s.current.len(),
        s.baseline.len(),
        r.p_value
    );
    Verdict {
        significant: !insufficient && r.p_value < alpha,
        insufficient,
        p_value: Some(round_places(r.p_value, 6)),
        effect_size: Some(round_places(stats::cohens_d(&s.baseline, &s.current), 4)),
        test: Some(r.method.test_name()),
    }
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
        baseline_reason: base.reason.clone(),
        baseline: side(&base.snapshot),
        current: side(current),
        missing,
        new,
        skipped,
        provider: current.provider.get().map(str::to_string),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn snap(pairs: &[(&str, f64)]) -> Snapshot {
        let mut s = Snapshot::from_pairs(pairs);
        s.canonicalize();
        s
    }

    fn run(b: &[(&str, f64)], c: &[(&str, f64)], settings: &Settings) -> ComparisonResult {
        compare(&Baseline::from_file(snap(b)), &snap(c), settings).unwrap()
    }

    #[test]
    fn issue14_item5_a_band_reads_the_warning_margin_as_a_share() {
        // A fixed threshold: flameiq-core's points.
        assert_eq!(warning_floor(10.0, 5.0, false), 5.0);
        assert_eq!(warning_floor(3.0, 5.0, false), -2.0);
        // A band: the same share of it as of the 10 % default, never below zero.
        assert_eq!(warning_floor(10.0, 5.0, true), 5.0);
        assert_eq!(warning_floor(3.0, 5.0, true), 1.5);
        assert_eq!(warning_floor(-4.0, 2.0, true), 3.2);
        assert_eq!(warning_floor(3.0, 12.0, true), 0.0);
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
    fn issue19_item6_change_is_relative_to_the_baseline_magnitude() {
        // flameiq-core: (-5 - -10) / -10 * 100 = -50 (reads as a drop); here +50.
        assert_eq!(change_percent(-10.0, -5.0), Some(50.0));
        assert_eq!(change_percent(-10.0, -15.0), Some(-50.0));
        assert_eq!(change_percent(10.0, 5.0), Some(-50.0));
    }

    #[test]
    fn issue19_item6_zero_baseline_is_judged_only_with_a_known_direction() {
        let mut s = Settings::default();
        s.config
            .directions
            .insert("custom.allocs", Direction::LowerIsBetter);
        let r = run(
            &[
                ("custom.allocs", 0.0),
                ("custom.free", 0.0),
                ("custom.x", 1.0),
            ],
            &[
                ("custom.allocs", 12.0),
                ("custom.free", 12.0),
                ("custom.x", 1.0),
            ],
            &s,
        );
        let a = r
            .diffs
            .iter()
            .find(|d| d.metric_key == "custom.allocs")
            .unwrap();
        assert!(a.is_regression);
        assert_eq!((a.change_percent, a.change_absolute), (None, Some(12.0)));
        assert_eq!(r.skipped.len(), 1);
        assert_eq!(r.skipped[0].metric_key, "custom.free");
    }

    #[test]
    fn issue11_defect7_no_common_key_is_an_error_naming_both_sides() {
        let b: Vec<(String, f64)> = (0..8).map(|i| (format!("custom.b{i}"), 1.0)).collect();
        let b: Vec<(&str, f64)> = b.iter().map(|(k, v)| (k.as_str(), *v)).collect();
        let e = compare(
            &Baseline::from_file(snap(&b)),
            &snap(&[("custom.c", 1.0)]),
            &Settings::default(),
        )
        .unwrap_err();
        assert_eq!(e.exit_code(), 2);
        let msg = e.to_string();
        assert!(
            msg.contains(
                "'custom.b0', 'custom.b1', 'custom.b2', 'custom.b3', 'custom.b4' and 3 more"
            ),
            "{msg}"
        );
        assert!(msg.contains("current run: 'custom.c'"), "{msg}");
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
        // memory_mb halved: flameiq-core's WARNING, an improvement for people.
        let mem = r
            .diffs
            .iter()
            .find(|d| d.metric_key == "memory_mb")
            .unwrap();
        assert!(mem.improved && mem.label() == "IMPROVED");
        let lat = r
            .diffs
            .iter()
            .find(|d| d.metric_key == "latency.p95")
            .unwrap();
        assert!(!lat.improved && lat.label() == "WARNING");
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

    fn with_samples(pairs: &[(&str, f64, &[f64])]) -> Snapshot {
        let mut s = Snapshot::new();
        for (k, v, samples) in pairs {
            s.insert(*k, *v);
            s.metrics.info_or_default(k).samples = samples.to_vec();
        }
        s.canonicalize();
        s
    }

    #[test]
    fn statistics_gate_breaches_and_fills_the_diff() {
        let mut s = Settings::default();
        s.config.statistics.enabled = true;
        let base = Baseline::from_file(with_samples(&[
            ("latency.p95", 100.0, &[99.0, 100.0, 101.0, 100.5]),
            ("throughput", 100.0, &[99.0, 100.0, 101.0, 100.5]),
        ]));
        let cur = with_samples(&[
            ("latency.p95", 120.0, &[119.0, 120.0, 121.0, 120.5]),
            // A throughput *rise* of 20 %: an improvement in the other tail.
            ("throughput", 120.0, &[119.0, 120.0, 121.0, 120.5]),
        ]);
        let r = compare(&base, &cur, &s).unwrap();
        assert!(r.statistical_mode);
        let lat = &r.diffs[0];
        // scipy.stats.mannwhitneyu([119, 120, 121, 120.5], [99, 100, 101, 100.5],
        //     alternative="greater").pvalue == 0.014285714285714285 -> 0.014286
        assert_eq!(lat.p_value, Some(0.014286));
        assert_eq!(lat.test.as_deref(), Some("mann-whitney-u exact"));
        assert_eq!(lat.status, DiffStatus::Regression);
        let thr = &r.diffs[1];
        // ... alternative="less" -> 1.0
        assert_eq!(thr.p_value, Some(1.0));
        assert!(!thr.is_regression);
        assert!(thr.effect_size.unwrap() > 0.0);
    }

    #[test]
    fn statistics_without_samples_or_history_leave_the_threshold_in_charge() {
        let mut s = Settings::default();
        s.config.statistics.enabled = true;
        let r = run(&[("latency.p95", 100.0)], &[("latency.p95", 120.0)], &s);
        let d = &r.diffs[0];
        assert!(d.is_regression);
        assert_eq!(
            (d.p_value, d.effect_size, d.test.as_deref()),
            (None, None, None)
        );
        assert!(r.statistical_mode);
    }
}
