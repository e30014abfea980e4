//! Renderers: the views of a [`ComparisonResult`] — the terminal table ([`table`]), the
//! self-contained HTML report ([`html`]), the job summary and PR/MR comment ([`markdown`],
//! size-limited by the one table in [`limits`]) and JUnit XML ([`junit`]); [`fmt`] holds what they share (human-scale
//! units, display order, sparklines, safe links).
//!
//! Each output format is one file implementing [`Render`]. Templates live in `templates/`
//! and are compiled in with `include_str!`; the template engine is only built when a
//! template renderer runs, so `compare --json` (and `--junit`) never pays for it.

pub mod fmt;
pub mod html;
pub mod junit;
pub mod limits;
pub mod markdown;
pub mod table;

use crate::compare::result::ComparisonResult;
use crate::error::Result;
use crate::schema::Snapshot;
use indexmap::IndexMap;

/// What a renderer gets: the result plus context that is not part of it.
#[derive(Debug, Clone, Default)]
pub struct View<'a> {
    /// The comparison (None for a report with no baseline yet).
    pub result: Option<&'a ComparisonResult>,
    /// Current values when there is no result (first run: no baseline yet).
    pub current_only: Vec<(String, f64)>,
    /// Recent stored values per key, oldest first (for trends and sparklines). The current
    /// run is not among them: the renderers append each metric's current value themselves.
    pub history: IndexMap<String, Vec<f64>>,
    /// Units of the `current_only` values (`metric_info`), for human-scale display.
    pub units: IndexMap<String, String>,
    /// Link to the CI run, when known.
    pub run_url: Option<String>,
    /// Link to the report artefact, when known.
    pub report_url: Option<String>,
    /// The store environment (`--env`), for titles and the comment marker.
    pub environment: Option<String>,
    /// The provider that read the current run, when there is no result to say it (first
    /// run); with a result, its `provider` is shown.
    pub provider: Option<String>,
    /// The PR/MR label that accepted this run's regressions (`flameiq ci`'s `accept-label`),
    /// when it did: the summary and comment say so.
    pub accepted_by_label: Option<String>,
    /// Raw samples per key, (baseline's, current run's), where the runs have them: the
    /// HTML report draws their spread (issue 17). See [`View::samples_of`].
    pub samples: IndexMap<String, (Vec<f64>, Vec<f64>)>,
    /// Change points in [`View::history`] per key (issue 14 item 5), which the HTML
    /// report marks on each trend line.
    pub change_marks: IndexMap<String, Vec<crate::compare::recent::TrendMark>>,
}

impl View<'_> {
    /// The samples of every key that has at least two on either side, for
    /// [`View::samples`].
    pub fn samples_of(
        baseline: &Snapshot,
        current: &Snapshot,
    ) -> IndexMap<String, (Vec<f64>, Vec<f64>)> {
        let of = |s: &Snapshot, k: &str| {
            s.metrics
                .info(k)
                .map(|i| i.samples.clone())
                .unwrap_or_default()
        };
        current
            .flat()
            .filter_map(|(k, _)| {
                let (b, c) = (of(baseline, k), of(current, k));
                (b.len() >= 2 || c.len() >= 2).then(|| (k.to_string(), (b, c)))
            })
            .collect()
    }

    /// The provider that read the current run: the result's, else the view's own.
    pub fn provider_name(&self) -> Option<&str> {
        self.result
            .and_then(|r| r.provider.as_deref())
            .or(self.provider.as_deref())
    }

    /// The view of a run with nothing to compare against yet: its values with their units.
    /// `flameiq report`, and `flameiq ci` on the default branch and before any baseline, all
    /// show a first run this way.
    pub fn first_run(current: &Snapshot) -> Self {
        View {
            current_only: current.flat().map(|(k, v)| (k.to_string(), v)).collect(),
            units: current
                .metrics
                .infos()
                .filter_map(|(k, i)| Some((k.clone(), i.unit.as_ref()?.to_string())))
                .collect(),
            provider: current.provider.get().map(str::to_string),
            ..View::default()
        }
    }
}

/// One output format.
pub trait Render {
    /// Renders the view to text.
    fn render(&self, view: &View) -> Result<String>;
}
