//! `flameiq.yaml`: flameiq-core's format, every key honoured, plus glob thresholds,
//! `directions` and history-aware `auto` thresholds.
//!
//! ```yaml
//! thresholds:            # percent strings or numbers; default 10% for unlisted keys
//!   latency.p95: 10%
//!   throughput: -5%
//!   custom.*: 15%        # glob patterns (`*` any run of characters, `?` one character)
//!   custom.noisy: auto   # calibrated history band (see the statistics module)
//!   custom.old: auto(3)  # the k·IQR/median band of FlameIQ 0.1
//! directions:
//!   custom.parse_ms: lower_is_better
//! baseline:
//!   strategy: rolling_median   # last_successful | rolling_median | tagged
//!   rolling_window: 5
//!   tag: v1.0.0
//!   max_history: 500           # keep at most this many history lines (default: all)
//! statistics:
//!   enabled: false
//!   confidence: 0.95
//!   insufficient: regress      # a breach the test cannot confirm for lack of samples
//!                              # regresses by its threshold (or: pass)
//!   false_alarm_rate: 0.01     # what an unchanged metric may breach an `auto` band at
//!   auto_floor: 1%             # the narrowest `auto` band (percent, up to the fixed 10%)
//! noise:
//!   warmup_runs: 0
//!   warning_margin: 5
//! provider: json
//! changes:                     # change-point detection (flameiq changes)
//!   window: 50
//!   max_pvalue: 0.001
//!   min_magnitude: 0.0
//! ```
//!
//! Lookup of a key's threshold: `--threshold` flags first, then the file, then 10 %. Within
//! one source an exact key beats a pattern, and among patterns the most specific (most
//! literal characters) wins, ties going to the one written first. A missing file means
//! defaults; a malformed one is exit 2. Unknown keys are warned about, not fatal, so a
//! config written for a newer FlameIQ still loads.
//!
//! Length (over 500 lines): one parser per section of `flameiq.yaml`, the threshold syntax and the glob rule; about 110 lines are tests.

use crate::error::{Error, Result};
use crate::schema::Direction;
use indexmap::IndexMap;
use serde_json::Value;
use std::path::{Path, PathBuf};

/// flameiq-core's default allowance for a key with no threshold.
pub const DEFAULT_THRESHOLD_PERCENT: f64 = 10.0;
/// flameiq-core's warning margin, in percentage points below the threshold.
pub const DEFAULT_WARNING_MARGIN: f64 = 5.0;
/// FlameIQ 0.1's `auto` multiplier `k` (median ± k·IQR), which `auto(3)` still means.
pub const DEFAULT_AUTO_K: f64 = 3.0;
/// Default `statistics.false_alarm_rate` of calibrated `auto` bands.
pub const DEFAULT_FALSE_ALARM_RATE: f64 = 0.01;

/// How much change a metric is allowed.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Threshold {
    /// A fixed percentage (sign kept for display; evaluation uses its magnitude).
    Percent(f64),
    /// `auto(k)`: `k · IQR / median` of the metric's recent history (FlameIQ 0.1's band).
    Auto(f64),
    /// `auto`: the band an unchanged metric leaves with probability at most
    /// `statistics.false_alarm_rate`, calibrated on the history since its last change point.
    Calibrated,
}

impl Threshold {
    /// Parses `10%`, `-5%`, `2.5`, `auto`, `auto(3)`. `key` names the metric in errors.
    pub fn parse(key: &str, raw: &str) -> Result<Threshold> {
        let err = |reason: &str| Error::Threshold {
            key: key.to_string(),
            value: raw.to_string(),
            reason: reason.to_string(),
        };
        let s = raw.trim();
        if let Some(rest) = s.strip_prefix("auto") {
            let rest = rest.trim();
            if rest.is_empty() {
                return Ok(Threshold::Calibrated);
            }
            let inner = rest
                .strip_prefix('(')
                .and_then(|r| r.strip_suffix(')'))
                .ok_or_else(|| err("expected 'auto' or 'auto(K)' with K a positive number"))?;
            let k: f64 = inner
                .trim()
                .parse()
                .map_err(|_| err("expected 'auto' or 'auto(K)' with K a positive number"))?;
            if !(k.is_finite() && k > 0.0) {
                return Err(err("the auto multiplier K must be a positive number"));
            }
            return Ok(Threshold::Auto(k));
        }
        let num = s.strip_suffix('%').unwrap_or(s).trim();
        let valid = !num.is_empty()
            && num
                .trim_start_matches(['-', '+'])
                .chars()
                .all(|c| c.is_ascii_digit() || c == '.')
            && num.chars().filter(|c| *c == '.').count() <= 1
            && num.chars().any(|c| c.is_ascii_digit());
        let v: f64 = if valid { num.parse().ok() } else { None }
            .ok_or_else(|| err("must be a percent like '10%' or '-5%', or 'auto'"))?;
        if !v.is_finite() {
            return Err(err("must be a finite percent"));
        }
        Ok(Threshold::Percent(v))
    }

    fn from_yaml(key: &str, v: &Value) -> Result<Threshold> {
        match v {
            Value::Number(n) => {
                let f = n
                    .as_f64()
                    .filter(|f| f.is_finite())
                    .ok_or_else(|| Error::Threshold {
                        key: key.into(),
                        value: n.to_string(),
                        reason: "must be a finite percent".into(),
                    })?;
                Ok(Threshold::Percent(f))
            }
            Value::String(s) => Threshold::parse(key, s),
            other => Err(Error::Threshold {
                key: key.into(),
                value: other.to_string(),
                reason: "must be a percent like '10%' or 'auto'".into(),
            }),
        }
    }
}

/// An ordered set of `pattern → value` rules with FlameIQ's specificity rule.
#[derive(Debug, Clone, PartialEq)]
pub struct Rules<T> {
    rules: Vec<(String, T)>,
}

impl<T> Default for Rules<T> {
    fn default() -> Self {
        Rules { rules: Vec::new() }
    }
}

impl<T: Copy> Rules<T> {
    /// Adds a rule; a later rule for the same pattern replaces the earlier one.
    pub fn insert(&mut self, pattern: impl Into<String>, value: T) {
        let pattern = pattern.into();
        if let Some(slot) = self.rules.iter_mut().find(|(p, _)| *p == pattern) {
            slot.1 = value;
        } else {
            self.rules.push((pattern, value));
        }
    }

    /// The value for `key`: an exact rule, else the most specific matching pattern.
    pub fn lookup(&self, key: &str) -> Option<T> {
        if let Some((_, v)) = self.rules.iter().find(|(p, _)| p == key) {
            return Some(*v);
        }
        let mut best: Option<(usize, T)> = None;
        for (p, v) in &self.rules {
            if is_pattern(p) && glob_match(p, key) {
                let spec = p.chars().filter(|c| *c != '*' && *c != '?').count();
                if best.is_none_or(|(s, _)| spec > s) {
                    best = Some((spec, *v));
                }
            }
        }
        best.map(|(_, v)| v)
    }

    /// True when no rule is set.
    pub fn is_empty(&self) -> bool {
        self.rules.is_empty()
    }

    /// The rules in insertion order.
    pub fn iter(&self) -> impl Iterator<Item = &(String, T)> {
        self.rules.iter()
    }
}

fn is_pattern(p: &str) -> bool {
    p.contains(['*', '?'])
}

/// Shell-style glob match: `*` matches any run of characters (dots included), `?` one.
pub fn glob_match(pattern: &str, text: &str) -> bool {
    let p: Vec<char> = pattern.chars().collect();
    let t: Vec<char> = text.chars().collect();
    let (mut pi, mut ti) = (0, 0);
    let (mut star, mut mark) = (None, 0);
    while ti < t.len() {
        if pi < p.len() && (p[pi] == '?' || p[pi] == t[ti]) {
            pi += 1;
            ti += 1;
        } else if pi < p.len() && p[pi] == '*' {
            star = Some(pi);
            mark = ti;
            pi += 1;
        } else if let Some(s) = star {
            pi = s + 1;
            mark += 1;
            ti = mark;
        } else {
            return false;
        }
    }
    while pi < p.len() && p[pi] == '*' {
        pi += 1;
    }
    pi == p.len()
}

/// How the baseline to compare against is chosen.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Strategy {
    /// The last baseline set (`current.json`).
    LastSuccessful,
    /// Per-key median of the last `rolling_window` history snapshots.
    RollingMedian,
    /// The newest history snapshot carrying the tag.
    Tagged,
}

impl Strategy {
    /// The name used in `flameiq.yaml`.
    pub fn as_str(self) -> &'static str {
        match self {
            Strategy::LastSuccessful => "last_successful",
            Strategy::RollingMedian => "rolling_median",
            Strategy::Tagged => "tagged",
        }
    }
}

/// The `baseline:` section.
#[derive(Debug, Clone, PartialEq)]
pub struct BaselineConfig {
    /// Strategy (default `last_successful`).
    pub strategy: Strategy,
    /// Window of the rolling median (default 5).
    pub rolling_window: usize,
    /// Tag for the `tagged` strategy.
    pub tag: Option<String>,
    /// Keep at most this many lines in `history.jsonl` (default: all).
    pub max_history: Option<usize>,
}

/// `statistics.insufficient`: how a breach that the test cannot confirm for lack of
/// samples is judged.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Insufficient {
    /// By its threshold, as if statistics were off (the default: no silent pass).
    Regress,
    /// Not a regression: `INSUFFICIENT_DATA` (FlameIQ 0.1's behaviour).
    Pass,
}

/// The `statistics:` section.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct StatisticsConfig {
    /// Whether significance testing gates regressions.
    pub enabled: bool,
    /// Confidence level; alpha = 1 - confidence.
    pub confidence: f64,
    /// What a threshold breach is when the test cannot reach significance for lack of
    /// samples (`statistics.insufficient`, default `regress`).
    pub insufficient: Insufficient,
    /// Probability with which an unchanged metric may leave its calibrated `auto` band
    /// (`statistics.false_alarm_rate`, default 0.01).
    pub false_alarm_rate: f64,
    /// The narrowest band `auto` and `auto(k)` allow, in percent (`statistics.auto_floor`,
    /// default 1, at most the fixed fallback of 10). A runner whose processes are now and
    /// then slowed as a whole (docs/verdict-quality.md, runs K and L) breaks the band's
    /// promise on its quietest metrics; a floor rules such excursions out.
    pub auto_floor: f64,
}

/// The `noise:` section.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct NoiseConfig {
    /// Leading samples to drop before statistics.
    pub warmup_runs: usize,
    /// Percentage points below the threshold that give WARNING.
    pub warning_margin: f64,
}

/// The whole of `flameiq.yaml`, validated.
#[derive(Debug, Clone, PartialEq)]
pub struct Config {
    /// Thresholds from the file.
    pub thresholds: Rules<Threshold>,
    /// Direction overrides from the file.
    pub directions: Rules<Direction>,
    /// Baseline selection.
    pub baseline: BaselineConfig,
    /// Statistics.
    pub statistics: StatisticsConfig,
    /// Noise handling.
    pub noise: NoiseConfig,
    /// Default provider name.
    pub provider: Option<String>,
    /// Change-point detection over the history (`changes:`).
    pub changes: crate::compare::changes::ChangeConfig,
    /// Where the history lives (`store:`).
    pub store: StoreConfig,
    /// Where it was read from (None: defaults).
    pub source: Option<PathBuf>,
}

/// The `store:` key: a store URL (`store: github`), or a mapping
/// `{url: URL, repository: OWNER/REPO}` (`repository` names this repository in a store
/// shared by several, e.g. PostgreSQL).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct StoreConfig {
    /// The store URL (see [`crate::store::Location`]); `None`: not set here.
    pub url: Option<String>,
    /// `store.repository`.
    pub repository: Option<String>,
}

impl Default for Config {
    fn default() -> Self {
        Config {
            thresholds: Rules::default(),
            directions: Rules::default(),
            baseline: BaselineConfig {
                strategy: Strategy::LastSuccessful,
                rolling_window: 5,
                tag: None,
                max_history: None,
            },
            statistics: StatisticsConfig {
                enabled: false,
                confidence: 0.95,
                insufficient: Insufficient::Regress,
                false_alarm_rate: DEFAULT_FALSE_ALARM_RATE,
                auto_floor: crate::compare::stats::AUTO_FLOOR_PERCENT,
            },
            noise: NoiseConfig {
                warmup_runs: 0,
                warning_margin: DEFAULT_WARNING_MARGIN,
            },
            provider: None,
            changes: crate::compare::changes::ChangeConfig::default(),
            store: StoreConfig::default(),
            source: None,
        }
    }
}

impl Config {
    /// Loads `path`; a missing file gives the defaults.
    pub fn load(path: &Path) -> Result<Config> {
        let text = match std::fs::read_to_string(path) {
            Ok(t) => t,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                tracing::debug!("no config at {}; using defaults", path.display());
                return Ok(Config::default());
            }
            Err(e) => {
                return Err(Error::Config {
                    path: path.into(),
                    reason: format!("cannot read it: {e}"),
                })
            }
        };
        let mut cfg = Config::parse(&text, path)?;
        cfg.source = Some(path.to_path_buf());
        Ok(cfg)
    }

    /// Parses config text; `path` is used in messages.
    pub fn parse(text: &str, path: &Path) -> Result<Config> {
        let bad = |reason: String| Error::Config {
            path: path.into(),
            reason,
        };
        let doc: Value = if text.trim().is_empty() {
            Value::Null
        } else {
            serde_saphyr::from_str(text)
                .map_err(|e| bad(format!("not valid YAML: {}", one_line(&e.to_string()))))?
        };
        let mut cfg = Config::default();
        let root = match doc {
            Value::Null => return Ok(cfg),
            Value::Object(m) => m,
            other => {
                return Err(bad(format!(
                    "expected a mapping at the top level, found {}",
                    crate::schema::kind(&other)
                )))
            }
        };
        for (k, v) in &root {
            match k.as_str() {
                "thresholds" => parse_thresholds(v, path, &mut cfg.thresholds)?,
                "directions" => parse_directions(v, path, &mut cfg.directions)?,
                "baseline" => parse_baseline(v, path, &mut cfg.baseline)?,
                "statistics" => parse_statistics(v, path, &mut cfg.statistics)?,
                "noise" => parse_noise(v, path, &mut cfg.noise)?,
                "changes" => cfg.changes = parse_changes(v, path)?,
                "store" => cfg.store = parse_store(v, path)?,
                "provider" => cfg.provider = parse_provider(v, path)?,
                other => warn_unknown(path, other),
            }
        }
        Ok(cfg)
    }
}

/// `statistics.auto_floor`: a percent in the syntax of a threshold (`4%` or `4`), above 0
/// and at most the fixed fallback (a floor above it would make `auto` never tighter than
/// the default).
fn parse_auto_floor(raw: &Value) -> Option<f64> {
    match Threshold::from_yaml("statistics.auto_floor", raw) {
        Ok(Threshold::Percent(f))
            if f > 0.0 && f <= crate::compare::stats::AUTO_FALLBACK_PERCENT =>
        {
            Some(f)
        }
        _ => None,
    }
}

/// `statistics.false_alarm_rate`: a probability in `(0, 0.5)`.
fn parse_false_alarm_rate(raw: &Value) -> Option<f64> {
    raw.as_f64().filter(|r| *r > 0.0 && *r < 0.5)
}

/// The `thresholds:` section of `flameiq.yaml`, into `out`.
fn parse_thresholds(v: &Value, path: &Path, out: &mut Rules<Threshold>) -> Result<()> {
    let bad = |reason: String| Error::Config {
        path: path.into(),
        reason,
    };
    for (key, raw) in section(v, "thresholds", path)? {
        let t = Threshold::from_yaml(&key, &raw)
            .map_err(|e| bad(format!("thresholds.{key}: {}", strip_threshold_prefix(&e))))?;
        out.insert(key, t);
    }
    Ok(())
}

/// The `directions:` section of `flameiq.yaml`, into `out`.
fn parse_directions(v: &Value, path: &Path, out: &mut Rules<Direction>) -> Result<()> {
    let bad = |reason: String| Error::Config {
        path: path.into(),
        reason,
    };
    for (key, raw) in section(v, "directions", path)? {
        let d = raw
            .as_str()
            .ok_or_else(|| format!("must be a string, found {}", crate::schema::kind(&raw)))
            .and_then(Direction::parse)
            .map_err(|e| bad(format!("directions.{key}: {e}")))?;
        out.insert(key, d);
    }
    Ok(())
}

/// The `baseline:` section of `flameiq.yaml`, into `out`.
fn parse_baseline(v: &Value, path: &Path, out: &mut BaselineConfig) -> Result<()> {
    let bad = |reason: String| Error::Config {
        path: path.into(),
        reason,
    };
    for (key, raw) in section(v, "baseline", path)? {
        match key.as_str() {
                "strategy" => {
                    out.strategy = match raw.as_str() {
                        Some("last_successful") => Strategy::LastSuccessful,
                        Some("rolling_median") => Strategy::RollingMedian,
                        Some("tagged") => Strategy::Tagged,
                        _ => {
                            return Err(bad(format!(
                                "baseline.strategy: unknown strategy {raw} (expected last_successful, rolling_median or tagged)"
                            )))
                        }
                    }
                }
                "rolling_window" => {
                    out.rolling_window =
                        positive_int(&raw).ok_or_else(|| {
                            bad(format!(
                                "baseline.rolling_window: must be a whole number >= 1, found {raw}"
                            ))
                        })?
                }
                "tag" => {
                    out.tag = match raw {
                        Value::Null => None,
                        Value::String(s) => Some(s),
                        Value::Number(n) => Some(n.to_string()),
                        other => {
                            return Err(bad(format!(
                                "baseline.tag: must be a string, found {}",
                                crate::schema::kind(&other)
                            )))
                        }
                    }
                }
                "max_history" => {
                    out.max_history = match raw {
                        Value::Null => None,
                        other => Some(positive_int(&other).ok_or_else(|| {
                            bad(format!(
                                "baseline.max_history: must be a whole number >= 1, found {other}"
                            ))
                        })?),
                    }
                }
                other => warn_unknown(path, &format!("baseline.{other}")),
            }
    }
    Ok(())
}

/// The `statistics:` section of `flameiq.yaml`, into `out`.
fn parse_statistics(v: &Value, path: &Path, out: &mut StatisticsConfig) -> Result<()> {
    let bad = |reason: String| Error::Config {
        path: path.into(),
        reason,
    };
    for (key, raw) in section(v, "statistics", path)? {
        match key.as_str() {
                "enabled" => {
                    out.enabled = raw.as_bool().ok_or_else(|| {
                        bad(format!("statistics.enabled: must be true or false, found {raw}"))
                    })?
                }
                "confidence" => {
                    out.confidence = raw
                        .as_f64()
                        .filter(|c| *c > 0.0 && *c < 1.0)
                        .ok_or_else(|| {
                            bad(format!(
                                "statistics.confidence: must be a number between 0 and 1 (e.g. 0.95), found {raw}"
                            ))
                        })?
                }
                "insufficient" => {
                    out.insufficient = match raw.as_str() {
                        Some("regress") => Insufficient::Regress,
                        Some("pass") => Insufficient::Pass,
                        _ => {
                            return Err(bad(format!(
                                "statistics.insufficient: must be regress or pass, found {raw}"
                            )))
                        }
                    }
                }
                "false_alarm_rate" => {
                    out.false_alarm_rate = parse_false_alarm_rate(&raw).ok_or_else(|| {
                        bad(format!(
                            "statistics.false_alarm_rate: must be a probability between 0 and 0.5 (e.g. 0.01), found {raw}"
                        ))
                    })?
                }
                "auto_floor" => {
                    out.auto_floor = parse_auto_floor(&raw).ok_or_else(|| {
                        bad(format!(
                            "statistics.auto_floor: must be a percent above 0 and at most {}% (e.g. 4%), found {raw}",
                            crate::compare::stats::AUTO_FALLBACK_PERCENT
                        ))
                    })?
                }
                other => warn_unknown(path, &format!("statistics.{other}")),
            }
    }
    Ok(())
}

/// The `noise:` section of `flameiq.yaml`, into `out`.
fn parse_noise(v: &Value, path: &Path, out: &mut NoiseConfig) -> Result<()> {
    let bad = |reason: String| Error::Config {
        path: path.into(),
        reason,
    };
    for (key, raw) in section(v, "noise", path)? {
        match key.as_str() {
                "warmup_runs" => {
                    out.warmup_runs = raw
                        .as_u64()
                        .map(|n| n as usize)
                        .ok_or_else(|| {
                            bad(format!("noise.warmup_runs: must be a whole number >= 0, found {raw}"))
                        })?
                }
                "warning_margin" => {
                    out.warning_margin = raw
                        .as_f64()
                        .or_else(|| {
                            raw.as_str().and_then(|s| {
                                s.trim().trim_end_matches('%').trim().parse().ok()
                            })
                        })
                        .filter(|m: &f64| m.is_finite() && *m >= 0.0)
                        .ok_or_else(|| {
                            bad(format!(
                                "noise.warning_margin: must be a number of percentage points >= 0, found {raw}"
                            ))
                        })?
                }
                other => warn_unknown(path, &format!("noise.{other}")),
            }
    }
    Ok(())
}

/// The `provider:` key of `flameiq.yaml`.
fn parse_provider(v: &Value, path: &Path) -> Result<Option<String>> {
    let bad = |reason: String| Error::Config {
        path: path.into(),
        reason,
    };
    Ok(match v {
        Value::Null => None,
        Value::String(s) => Some(s.clone()),
        other => {
            return Err(bad(format!(
                "provider: must be a provider name, found {}",
                crate::schema::kind(other)
            )))
        }
    })
}

/// The `changes:` section.
fn parse_changes(v: &Value, path: &Path) -> Result<crate::compare::changes::ChangeConfig> {
    let bad = |reason: String| Error::Config {
        path: path.into(),
        reason,
    };
    let mut c = crate::compare::changes::ChangeConfig::default();
    for (key, raw) in section(v, "changes", path)? {
        match key.as_str() {
            "window" => {
                c.window = raw
                    .as_u64()
                    .filter(|w| *w >= 2)
                    .map(|w| w as usize)
                    .ok_or_else(|| bad(format!("changes.window: must be a whole number >= 2, found {raw}")))?
            }
            "max_pvalue" => {
                c.max_pvalue = raw
                    .as_f64()
                    .filter(|p| *p > 0.0 && *p < 1.0)
                    .ok_or_else(|| {
                        bad(format!(
                            "changes.max_pvalue: must be a number between 0 and 1 (e.g. 0.001), found {raw}"
                        ))
                    })?
            }
            "min_magnitude" => {
                c.min_magnitude = raw
                    .as_f64()
                    .filter(|m| m.is_finite() && *m >= 0.0)
                    .ok_or_else(|| {
                        bad(format!(
                            "changes.min_magnitude: must be a relative change >= 0 (0.05 is 5 %), found {raw}"
                        ))
                    })?
            }
            other => warn_unknown(path, &format!("changes.{other}")),
        }
    }
    Ok(c)
}

fn section(v: &Value, name: &str, path: &Path) -> Result<IndexMap<String, Value>> {
    match v {
        Value::Null => Ok(IndexMap::new()),
        Value::Object(m) => Ok(m.iter().map(|(k, v)| (k.clone(), v.clone())).collect()),
        other => Err(Error::Config {
            path: path.into(),
            reason: format!(
                "'{name}' must be a mapping, found {}",
                crate::schema::kind(other)
            ),
        }),
    }
}

fn positive_int(v: &Value) -> Option<usize> {
    v.as_u64().filter(|n| *n >= 1).map(|n| n as usize)
}

fn warn_unknown(path: &Path, key: &str) {
    tracing::warn!("{}: ignoring unknown key '{key}'", path.display());
}

fn strip_threshold_prefix(e: &Error) -> String {
    match e {
        Error::Threshold { value, reason, .. } => format!("'{value}' {reason}"),
        other => other.to_string(),
    }
}

fn one_line(s: &str) -> String {
    s.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// The `store:` key (see [`StoreConfig`]).
fn parse_store(v: &Value, path: &Path) -> Result<StoreConfig> {
    let bad = |reason: String| Error::Config {
        path: path.into(),
        reason,
    };
    let text = |key: &str, raw: &Value| -> Result<Option<String>> {
        match raw {
            Value::Null => Ok(None),
            Value::String(s) if !s.trim().is_empty() => Ok(Some(s.trim().to_string())),
            Value::String(_) => Ok(None),
            other => Err(bad(format!(
                "{key}: must be a string, found {}",
                crate::schema::kind(other)
            ))),
        }
    };
    match v {
        Value::Object(m) => {
            let mut out = StoreConfig::default();
            for (key, raw) in m {
                match key.as_str() {
                    "url" => out.url = text("store.url", raw)?,
                    "repository" => out.repository = text("store.repository", raw)?,
                    other => warn_unknown(path, &format!("store.{other}")),
                }
            }
            Ok(out)
        }
        other => Ok(StoreConfig {
            url: text("store", other)?,
            repository: None,
        }),
    }
}

/// Parses one `--threshold KEY=VALUE` flag.
pub fn parse_threshold_flag(flag: &str) -> Result<(String, Threshold)> {
    // Split on the last `=`: a value never holds one, but keys do (`BenchmarkX/n=1000`,
    // JMH parameters such as `Bench.run:size=10`).
    let (k, v) = flag.rsplit_once('=').ok_or_else(|| Error::Threshold {
        key: flag.to_string(),
        value: String::new(),
        reason: "use KEY=VALUE, e.g. --threshold latency.p95=10%".into(),
    })?;
    let k = k.trim();
    if k.is_empty() {
        return Err(Error::Threshold {
            key: String::new(),
            value: v.to_string(),
            reason: "the metric key before '=' is empty".into(),
        });
    }
    Ok((k.to_string(), Threshold::parse(k, v)?))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn p(text: &str) -> Result<Config> {
        Config::parse(text, Path::new("flameiq.yaml"))
    }

    #[test]
    fn issue19_item14_threshold_keys_may_contain_equals() {
        let (k, t) = parse_threshold_flag("go.BenchmarkX/n=1000.ns_per_op=5%").unwrap();
        assert_eq!(k, "go.BenchmarkX/n=1000.ns_per_op");
        assert_eq!(t, Threshold::Percent(5.0));
        let (k, _) = parse_threshold_flag("jmh.Bench.run:size=10,mode=avgt=12.5%").unwrap();
        assert_eq!(k, "jmh.Bench.run:size=10,mode=avgt");
        assert!(parse_threshold_flag("latency.p95=").is_err());
        assert!(parse_threshold_flag("=10%").is_err());
    }

    #[test]
    fn parses_flameiq_core_init_template() {
        let cfg = p("thresholds:\n  latency.p95:   10%\n  latency.p99:   15%\n  throughput:    -5%\n  memory_mb:      8%\nbaseline:\n  strategy: rolling_median     # c\n  rolling_window: 5\nstatistics:\n  enabled: false\n  confidence: 0.95\nnoise:\n  warmup_runs: 0\nprovider: json\n").unwrap();
        assert_eq!(
            cfg.thresholds.lookup("throughput"),
            Some(Threshold::Percent(-5.0))
        );
        assert_eq!(
            cfg.thresholds.lookup("latency.p99"),
            Some(Threshold::Percent(15.0))
        );
        assert_eq!(cfg.baseline.strategy, Strategy::RollingMedian);
        assert_eq!(cfg.provider.as_deref(), Some("json"));
    }

    #[test]
    fn exact_beats_glob_and_specific_beats_general() {
        let cfg = p("thresholds:\n  '*': 20%\n  custom.*: 15%\n  custom.parse.*: 12%\n  custom.parse.x: 3\n").unwrap();
        let t = |k| cfg.thresholds.lookup(k);
        assert_eq!(t("custom.parse.x"), Some(Threshold::Percent(3.0)));
        assert_eq!(t("custom.parse.y"), Some(Threshold::Percent(12.0)));
        assert_eq!(t("custom.other"), Some(Threshold::Percent(15.0)));
        assert_eq!(t("throughput"), Some(Threshold::Percent(20.0)));
    }

    #[test]
    fn bad_values_are_config_errors_naming_the_key() {
        for (text, needle) in [
            (
                "thresholds:\n  latency.p95: ten\n",
                "thresholds.latency.p95",
            ),
            ("baseline:\n  strategy: newest\n", "unknown strategy"),
            ("baseline:\n  rolling_window: 0\n", "rolling_window"),
            ("statistics:\n  confidence: 95\n", "between 0 and 1"),
            ("directions:\n  custom.x: up\n", "unknown direction"),
            ("thresholds: [1, 2]\n", "'thresholds' must be a mapping"),
            ("thresholds:\n  a: [\n", "not valid YAML"),
            ("- 1\n- 2\n", "top level"),
        ] {
            let e = p(text).unwrap_err();
            assert_eq!(e.exit_code(), 2);
            assert!(e.to_string().contains(needle), "{text:?}: {e}");
            assert!(!e.to_string().contains('\n'), "one line: {e}");
        }
    }

    #[test]
    fn issue14_auto_floor_is_read_as_a_percent_and_defaults_to_one() {
        assert_eq!(p("").unwrap().statistics.auto_floor, 1.0);
        assert_eq!(
            p("statistics:\n  auto_floor: 4%\n")
                .unwrap()
                .statistics
                .auto_floor,
            4.0
        );
        assert_eq!(
            p("statistics:\n  auto_floor: 2.5\n")
                .unwrap()
                .statistics
                .auto_floor,
            2.5
        );
        for bad in ["0", "-1%", "10.5%", "'x%'", "[1]"] {
            let e = p(&format!("statistics:\n  auto_floor: {bad}\n")).unwrap_err();
            assert!(
                e.to_string()
                    .contains("statistics.auto_floor: must be a percent"),
                "{bad}: {e}"
            );
        }
    }

    #[test]
    fn issue14_item3_false_alarm_rate_is_read_and_defaults_to_one_percent() {
        let d = p("statistics:\n  enabled: true\n").unwrap();
        assert_eq!(d.statistics.false_alarm_rate, 0.01);
        let c = p("statistics:\n  false_alarm_rate: 0.002\n").unwrap();
        assert_eq!(c.statistics.false_alarm_rate, 0.002);
        assert!(p("statistics:\n  false_alarm_rate: 0\n").is_err());
    }

    #[test]
    fn threshold_syntax() {
        assert_eq!(
            Threshold::parse("k", "10%").unwrap(),
            Threshold::Percent(10.0)
        );
        assert_eq!(
            Threshold::parse("k", " -5% ").unwrap(),
            Threshold::Percent(-5.0)
        );
        assert_eq!(
            Threshold::parse("k", "2.5").unwrap(),
            Threshold::Percent(2.5)
        );
        assert_eq!(
            Threshold::parse("k", "auto").unwrap(),
            Threshold::Calibrated
        );
        assert_eq!(
            Threshold::parse("k", "auto(2)").unwrap(),
            Threshold::Auto(2.0)
        );
        for bad in [
            "", "%", "abc", "10%%", "1e5%", "nan", "inf%", "auto(0)", "auto(x)", "1.2.3%",
        ] {
            assert!(Threshold::parse("k", bad).is_err(), "{bad:?}");
        }
        assert!(parse_threshold_flag("latency.p95").is_err());
        assert!(parse_threshold_flag("=5%").is_err());
        // The last `=` splits (issue 19 item 14): the key keeps its own `=`.
        assert_eq!(
            parse_threshold_flag("custom.a=b=3%").unwrap(),
            ("custom.a=b".to_string(), Threshold::Percent(3.0))
        );
        assert_eq!(
            parse_threshold_flag("custom.a=3%=b")
                .unwrap_err()
                .exit_code(),
            2
        );
    }

    #[test]
    fn glob() {
        assert!(glob_match("custom.*", "custom.a.b"));
        assert!(glob_match("*.p9?", "latency.p95"));
        assert!(!glob_match("custom.*", "throughput"));
        assert!(glob_match("*", ""));
        assert!(!glob_match("a?c", "ac"));
    }
}
