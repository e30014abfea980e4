//! New change points on the default branch (issue 14 item 5): which metrics' histories
//! gained a change point with the run just stored. Pure: snapshots in, findings out.
//!
//! A change point is *new* when the detector ([`super::changes::change_points`]) finds it
//! in a metric's series with the newest run, with at least [`CONFIRMING_RUNS`] runs from
//! it to the newest, and did not find it so confirmed (at the same index) without that
//! run: the newest run is what confirmed it. One run alone could be a stray slow job; the
//! detector would mark it, and the next runs would take the mark away again. `flameiq ci` reads the last
//! [`recent_depth`] runs for this, so the cost stays bounded however long the history is.
//! It reports each as a notice and in the job summary:
//! `custom.parse_ms: +12.4 % since abc1234 (confirmed by 6 runs)`, where the percentage
//! is the change of the segment mean, the commit is the first run after the change, and
//! "confirmed by" counts the runs from that one to the newest.

use super::changes::{change_points, ChangeConfig};
use crate::schema::Snapshot;
use indexmap::IndexMap;

/// Runs after a change point (its first run included) before it is reported as new.
pub const CONFIRMING_RUNS: usize = 3;

/// One change point that the newest run confirmed.
#[derive(Debug, Clone, PartialEq)]
pub struct NewChange {
    /// The metric's flat key.
    pub key: String,
    /// `after / before − 1`, in percent.
    pub change_percent: f64,
    /// Commit of the first run after the change.
    pub commit: Option<String>,
    /// Runs from the first after the change to the newest, both included.
    pub runs_after: usize,
}

impl NewChange {
    /// `custom.parse_ms: +12.4 % since abc1234 (confirmed by 6 runs)`, unescaped: the
    /// caller escapes for where it goes.
    pub fn line(&self) -> String {
        let since = match self.commit.as_deref() {
            Some(c) => short_commit(c),
            None => "an unrecorded commit".into(),
        };
        format!(
            "{}: {:+.1} % since {since} (confirmed by {} run{})",
            self.key,
            self.change_percent,
            self.runs_after,
            if self.runs_after == 1 { "" } else { "s" }
        )
    }
}

/// The first 7 characters of a commit (all of a shorter one).
pub fn short_commit(c: &str) -> String {
    c.chars().take(7).collect()
}

/// How many runs `flameiq ci` reads for [`new_change_points`]: two detector windows, so a
/// change point has a full window on each side.
pub fn recent_depth(cfg: &ChangeConfig) -> usize {
    cfg.window.max(2) * 2
}

/// The change points that the newest of `runs` (oldest first) confirmed, keys in byte
/// order. Only metrics of the newest run are considered.
pub fn new_change_points(runs: &[Snapshot], cfg: &ChangeConfig) -> Vec<NewChange> {
    let Some(newest) = runs.last() else {
        return Vec::new();
    };
    let mut series: IndexMap<&str, (Vec<f64>, Vec<usize>)> = IndexMap::new();
    for k in newest.metrics.keys() {
        series.insert(k.as_str(), Default::default());
    }
    for (i, s) in runs.iter().enumerate() {
        for (k, v) in s.flat() {
            if let Some((vals, at)) = series.get_mut(k) {
                if v.is_finite() {
                    vals.push(v);
                    at.push(i);
                }
            }
        }
    }
    let mut out = Vec::new();
    for (key, (vals, at)) in series {
        // The metric must be in the newest run's series end for the newest run to confirm
        // anything (a non-finite newest value is left out above).
        if at.last() != Some(&(runs.len() - 1)) || vals.len() < 3 {
            continue;
        }
        let n = vals.len();
        let with = change_points(&vals, cfg);
        if !with.iter().any(|c| n - c.index >= CONFIRMING_RUNS) {
            continue;
        }
        let without = change_points(&vals[..n - 1], cfg);
        let confirmed_before = |i: usize| {
            without
                .iter()
                .any(|w| w.index == i && n - 1 - i >= CONFIRMING_RUNS)
        };
        for cp in with
            .iter()
            .filter(|c| n - c.index >= CONFIRMING_RUNS && !confirmed_before(c.index))
        {
            let run = &runs[at[cp.index]];
            out.push(NewChange {
                key: key.to_string(),
                change_percent: cp.forward_change() * 100.0,
                commit: run.metadata.commit.clone(),
                runs_after: n - cp.index,
            });
        }
    }
    out.sort_by(|a, b| a.key.cmp(&b.key).then(b.runs_after.cmp(&a.runs_after)));
    out
}

/// A change point in a key's [`super::baseline::Baseline::history`], for trend lines.
#[derive(Debug, Clone, PartialEq)]
pub struct TrendMark {
    /// Position in the key's history values of the first run after the change.
    pub index: usize,
    /// That run's commit.
    pub commit: Option<String>,
    /// `after / before − 1`, in percent.
    pub change_percent: f64,
}

impl TrendMark {
    /// `change point: +12.4 % since abc1234`, unescaped.
    pub fn label(&self) -> String {
        let since = self
            .commit
            .as_deref()
            .map_or("an unrecorded commit".into(), short_commit);
        format!("change point: {:+.1} % since {since}", self.change_percent)
    }
}

/// The change points of every key's history in `base` (the values the trend lines show),
/// with the commits of the runs they start at.
pub fn trend_marks(
    base: &super::baseline::Baseline,
    cfg: &ChangeConfig,
) -> IndexMap<String, Vec<TrendMark>> {
    let mut out = IndexMap::new();
    for (key, points) in &base.points {
        let values: Vec<f64> = points.iter().map(|p| p.value).collect();
        let marks: Vec<TrendMark> = change_points(&values, cfg)
            .iter()
            .map(|cp| TrendMark {
                index: cp.index,
                commit: base
                    .runs
                    .get(points[cp.index].run as usize)
                    .and_then(|r| r.commit.clone()),
                change_percent: cp.forward_change() * 100.0,
            })
            .collect();
        if !marks.is_empty() {
            out.insert(key.clone(), marks);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn run(commit: &str, pairs: &[(&str, f64)]) -> Snapshot {
        let mut s = Snapshot::new();
        s.metadata.commit = Some(commit.into());
        for (k, v) in pairs {
            s.insert(*k, *v);
        }
        s
    }

    /// 30 runs: `custom.parse_ms` steps from 100 to 112.4 at run 24, `custom.flat` stays.
    fn history(n: usize) -> Vec<Snapshot> {
        (0..n)
            .map(|i| {
                let jitter = (i * 7 % 5) as f64 * 0.1;
                let level = if i < 24 { 100.0 } else { 112.4 };
                run(
                    &format!("{i:02}abcdef0123"),
                    &[
                        ("custom.parse_ms", level + jitter),
                        ("custom.flat", 50.0 + jitter),
                    ],
                )
            })
            .collect()
    }

    #[test]
    fn issue14_item5_the_run_that_confirms_a_change_point_reports_it() {
        let cfg = ChangeConfig::default();
        // Find the run that first confirms the step, then check it is reported once.
        let first = (25..=30)
            .find(|&n| !new_change_points(&history(n), &cfg).is_empty())
            .expect("the step is confirmed within 6 runs");
        let found = new_change_points(&history(first), &cfg);
        assert_eq!(found.len(), 1, "{found:?}");
        let c = &found[0];
        assert_eq!(c.key, "custom.parse_ms");
        assert_eq!(c.commit.as_deref(), Some("24abcdef0123"));
        assert_eq!(c.runs_after, first - 24);
        assert!(c.runs_after >= CONFIRMING_RUNS);
        assert!((c.change_percent - 12.4).abs() < 0.5, "{c:?}");
        assert!(
            c.line().starts_with("custom.parse_ms: +12.")
                && c.line().contains(" % since 24abcde (confirmed by "),
            "{}",
            c.line()
        );
        // The run after it confirms nothing new.
        assert!(new_change_points(&history(first + 1), &cfg).is_empty());
    }

    #[test]
    fn issue14_item5_quiet_history_and_empty_input_report_nothing() {
        let cfg = ChangeConfig::default();
        let flat: Vec<Snapshot> = (0..40)
            .map(|i| run("c", &[("custom.flat", 50.0 + (i * 7 % 5) as f64 * 0.1)]))
            .collect();
        assert!(new_change_points(&flat, &cfg).is_empty());
        assert!(new_change_points(&[], &cfg).is_empty());
    }

    #[test]
    fn issue14_item5_line_wording() {
        let c = NewChange {
            key: "custom.parse_ms".into(),
            change_percent: 12.44,
            commit: Some("abc1234def".into()),
            runs_after: 6,
        };
        assert_eq!(
            c.line(),
            "custom.parse_ms: +12.4 % since abc1234 (confirmed by 6 runs)"
        );
        let d = NewChange {
            change_percent: -3.0,
            commit: None,
            runs_after: 1,
            ..c
        };
        assert_eq!(
            d.line(),
            "custom.parse_ms: -3.0 % since an unrecorded commit (confirmed by 1 run)"
        );
    }
}
