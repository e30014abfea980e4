//! Schema v1 snapshots: parsing, validation, flat keys and the `metric_info` extension.
//!
//! A snapshot is what one benchmark run produced. On disk it is flameiq-core's schema v1:
//!
//! ```json
//! {"schema_version": 1,
//!  "metadata": {"commit": "abc123", "branch": "main", "environment": "ci", "timestamp": "...", "run_id": "...", "tags": {}},
//!  "metrics": {"latency": {"mean": 120.5, "p95": 180.0}, "throughput": 950.2, "custom": {"parse_ms": 10.2}}}
//! ```
//!
//! In memory the metrics are kept flat (`latency.p95`, `throughput`, `custom.parse_ms`) in
//! flameiq-core's order (latency mean/p50/p95/p99, throughput, memory_mb, cpu_percent, then
//! custom metrics in file order), each with the JSON number as written so that an integer
//! stays an integer when the snapshot is stored again.
//!
//! Validation is flameiq-core's plus what it misses: `schema_version` must be 1, `metrics`
//! non-empty, every value a finite number (no strings, booleans, nulls, NaN or Infinity),
//! latencies non-negative. Unknown keys under `metrics` are ignored with a warning, as
//! flameiq-core ignores them (silently).
//!
//! `metric_info` (optional, top level, ignored by flameiq-core) carries per-key unit,
//! direction and raw samples; adapters fill it.

use crate::error::{Error, Result};
use indexmap::IndexMap;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Number, Value};
use std::path::Path;

/// The hasher of the metric maps. Keys come from the user's own benchmark files, so
/// SipHash's flooding resistance buys nothing, while hashing is most of the cost of
/// reading a large line-format file (one new key per ~60-byte line). foldhash with a fixed
/// seed is several times faster on short keys and keeps runs reproducible; iteration order
/// is the maps' insertion order either way.
pub type FastHash = foldhash::fast::FixedState;

/// A map from flat metric key to `V`, in insertion order.
pub type MetricMap<V> = IndexMap<String, V, FastHash>;

/// The only schema version FlameIQ reads and writes.
pub const SCHEMA_VERSION: u64 = 1;

/// The fixed latency sub-keys, in flameiq-core's order.
pub const LATENCY_KEYS: [&str; 4] = ["mean", "p50", "p95", "p99"];
/// The fixed top-level scalar metrics, in flameiq-core's order.
pub const SCALAR_KEYS: [&str; 3] = ["throughput", "memory_mb", "cpu_percent"];

/// Which way a metric gets worse.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, PartialOrd, Ord)]
#[serde(rename_all = "snake_case")]
pub enum Direction {
    /// Smaller is better (latency, time, memory): an increase can regress.
    LowerIsBetter,
    /// Bigger is better (throughput, ops/s): a decrease can regress.
    HigherIsBetter,
    /// Unknown: a change beyond the threshold either way regresses (flameiq-core's rule for
    /// custom metrics).
    Both,
}

impl Direction {
    /// The direction flameiq-core hard-codes for a flat key: latency, memory and CPU are
    /// lower-is-better, throughput higher-is-better, everything else two-sided.
    pub fn default_for(key: &str) -> Direction {
        match key {
            "latency.mean" | "latency.p50" | "latency.p95" | "latency.p99" | "memory_mb"
            | "cpu_percent" => Direction::LowerIsBetter,
            "throughput" => Direction::HigherIsBetter,
            _ => Direction::Both,
        }
    }

    /// The name used in files and output (`lower_is_better`, ...).
    pub fn as_str(self) -> &'static str {
        match self {
            Direction::LowerIsBetter => "lower_is_better",
            Direction::HigherIsBetter => "higher_is_better",
            Direction::Both => "both",
        }
    }

    /// Parses a direction name; the error text lists the accepted names.
    pub fn parse(s: &str) -> std::result::Result<Direction, String> {
        match s {
            "lower_is_better" => Ok(Direction::LowerIsBetter),
            "higher_is_better" => Ok(Direction::HigherIsBetter),
            "both" => Ok(Direction::Both),
            other => Err(format!(
                "unknown direction '{other}' (expected lower_is_better, higher_is_better or both)"
            )),
        }
    }
}

/// Per-metric extra information (the `metric_info` extension).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct MetricInfo {
    /// The unit of the stored value and its samples (`ms` for times, which providers
    /// convert from the tool's unit; `ops/s`, `B`, `allocs`, `MB/s`, ...), so renderers can
    /// scale it for people (`2.59 µs`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub unit: Option<crate::units::Unit>,
    /// Which way the metric gets worse.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub direction: Option<Direction>,
    /// Raw samples of this run, in the stored value's unit.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub samples: Vec<f64>,
}

/// Run context: who, where, when.
#[derive(Debug, Clone, PartialEq)]
pub struct Metadata {
    /// Unique id of the run (a UUID4 when the file has none).
    pub run_id: String,
    /// Git commit SHA, short or full.
    pub commit: Option<String>,
    /// Git branch.
    pub branch: Option<String>,
    /// ISO-8601 time of the run, normalised as Python's `datetime.isoformat()`.
    pub timestamp: String,
    /// `ci`, `local`, `staging` or `custom` (any other value reads as `custom`).
    pub environment: String,
    /// Free-form labels; `baseline set --tag T` stores `release: T`.
    pub tags: Map<String, Value>,
}

impl Default for Metadata {
    fn default() -> Self {
        Metadata {
            run_id: uuid::Uuid::new_v4().to_string(),
            commit: None,
            branch: None,
            timestamp: now_isoformat(),
            environment: "ci".into(),
            tags: Map::new(),
        }
    }
}

/// One run's measurements.
#[derive(Debug, Clone, PartialEq)]
pub struct Snapshot {
    /// Run context.
    pub metadata: Metadata,
    /// Flat key → value, in flameiq-core's order; values keep their JSON number form.
    pub metrics: MetricMap<Number>,
    /// Extension: unit, direction and samples per flat key.
    pub metric_info: MetricMap<MetricInfo>,
    /// Which provider read this run from its file, when it came from one. Never stored.
    pub provider: ProviderName,
}

/// The name of the provider a snapshot was read with (`json`, `go`, ...). Where a run came
/// from is not part of its value: two snapshots with the same contents are equal whichever
/// provider read them, so this compares equal always and is never written to the store.
#[derive(Debug, Clone, Default)]
pub struct ProviderName(Option<String>);

impl ProviderName {
    /// Records the provider's name.
    pub fn set(&mut self, name: impl Into<String>) {
        self.0 = Some(name.into());
    }

    /// The name, when known.
    pub fn get(&self) -> Option<&str> {
        self.0.as_deref()
    }
}

impl PartialEq for ProviderName {
    fn eq(&self, _: &Self) -> bool {
        true
    }
}

impl Snapshot {
    /// An empty snapshot with fresh metadata; add metrics with [`Snapshot::insert`].
    pub fn new() -> Snapshot {
        Snapshot {
            metadata: Metadata::default(),
            metrics: MetricMap::default(),
            metric_info: MetricMap::default(),
            provider: ProviderName::default(),
        }
    }

    /// Adds a metric under a flat key. Returns `false` (and stores nothing) for a non-finite
    /// value, which JSON cannot hold.
    pub fn insert(&mut self, key: impl Into<String>, value: f64) -> bool {
        match Number::from_f64(value) {
            Some(n) => {
                self.metrics.insert(key.into(), n);
                true
            }
            None => false,
        }
    }

    /// The flat `(key, value)` pairs as `f64`, in stored order.
    pub fn flat(&self) -> impl Iterator<Item = (&str, f64)> {
        self.metrics
            .iter()
            .map(|(k, v)| (k.as_str(), v.as_f64().unwrap_or(f64::NAN)))
    }

    /// The value of one flat key.
    pub fn get(&self, key: &str) -> Option<f64> {
        self.metrics.get(key).and_then(Number::as_f64)
    }

    /// Puts the flat keys in flameiq-core's canonical order: latency, scalars, then custom
    /// keys in insertion order. Providers call this after inserting.
    pub fn canonicalize(&mut self) {
        let rank = |k: &str| -> usize {
            if let Some(sub) = k.strip_prefix("latency.") {
                LATENCY_KEYS.iter().position(|s| *s == sub).unwrap_or(4)
            } else if let Some(i) = SCALAR_KEYS.iter().position(|s| *s == k) {
                5 + i
            } else {
                10
            }
        };
        // Tool outputs are all `custom.` keys, already in order: skip the sort, whose
        // scratch buffer is a third of the map (issue 19 item 9, memory).
        if self.metrics.keys().map(|k| rank(k)).is_sorted() {
            return;
        }
        // Stable sort keeps custom keys in insertion order.
        self.metrics.sort_by(|a, _, b, _| rank(a).cmp(&rank(b)));
    }

    /// Parses and validates schema v1 text. `path` is only used in error messages.
    pub fn from_json_str(text: &str, path: &Path) -> Result<Snapshot> {
        // A clean document is read without a Value tree; the rest, errors and warnings
        // included, goes through the validating path below (issue 14: history speed).
        if let Some(snap) = crate::snapshot_de::parse(text) {
            return Ok(snap);
        }
        let value: Value = serde_json::from_str(text).map_err(|e| json_error(path, text, &e))?;
        Snapshot::from_value(&value, path)
    }

    /// Validates a parsed JSON document as schema v1.
    pub fn from_value(value: &Value, path: &Path) -> Result<Snapshot> {
        let bad = |reason: String| Error::invalid(path, reason);
        let obj = value
            .as_object()
            .ok_or_else(|| bad(format!("expected a JSON object, found {}", kind(value))))?;

        match obj.get("schema_version") {
            None => return Err(bad("'schema_version' is missing (expected 1)".into())),
            Some(v) if v.as_f64() == Some(1.0) => {}
            Some(v) => {
                return Err(bad(format!(
                    "unsupported schema_version {v} (FlameIQ reads schema_version 1)"
                )))
            }
        }

        let metadata = parse_metadata(obj.get("metadata"), path)?;

        let raw = match obj.get("metrics") {
            None | Some(Value::Null) => return Err(bad("'metrics' is missing".into())),
            Some(Value::Object(m)) if m.is_empty() => {
                return Err(bad(
                    "'metrics' is empty (at least one metric is required)".into()
                ))
            }
            Some(Value::Object(m)) => m,
            Some(other) => {
                return Err(bad(format!(
                    "'metrics' must be an object, found {}",
                    kind(other)
                )))
            }
        };

        let mut metrics = MetricMap::default();
        if let Some(lat) = raw.get("latency") {
            match lat {
                Value::Null => {}
                Value::Object(l) => {
                    for k in l.keys() {
                        if !LATENCY_KEYS.contains(&k.as_str()) {
                            tracing::warn!(
                                "{}: ignoring unknown latency key 'metrics.latency.{k}' (expected mean, p50, p95, p99)",
                                path.display()
                            );
                        }
                    }
                    for k in LATENCY_KEYS {
                        match l.get(k) {
                            None | Some(Value::Null) => {}
                            Some(v) => {
                                let n = number(v, &format!("metrics.latency.{k}"), path)?;
                                if n.as_f64().unwrap_or(0.0) < 0.0 {
                                    return Err(bad(format!(
                                        "'metrics.latency.{k}' must be a non-negative number, got {v}"
                                    )));
                                }
                                metrics.insert(format!("latency.{k}"), n);
                            }
                        }
                    }
                    if !l.is_empty() && metrics.is_empty() {
                        return Err(bad(
                            "'metrics.latency' needs at least one of mean, p50, p95, p99".into(),
                        ));
                    }
                }
                other => {
                    return Err(bad(format!(
                        "'metrics.latency' must be an object, found {}",
                        kind(other)
                    )))
                }
            }
        }
        for k in SCALAR_KEYS {
            match raw.get(k) {
                None | Some(Value::Null) => {}
                Some(v) => {
                    metrics.insert(k.to_string(), number(v, &format!("metrics.{k}"), path)?);
                }
            }
        }
        match raw.get("custom") {
            None | Some(Value::Null) => {}
            Some(Value::Object(c)) => {
                for (k, v) in c {
                    let n = number(v, &format!("metrics.custom.{k}"), path)?;
                    metrics.insert(format!("custom.{k}"), n);
                }
            }
            Some(other) => {
                return Err(bad(format!(
                    "'metrics.custom' must be an object of name: number, found {}",
                    kind(other)
                )))
            }
        }
        for k in raw.keys() {
            if k != "latency" && k != "custom" && !SCALAR_KEYS.contains(&k.as_str()) {
                tracing::warn!(
                    "{}: ignoring unknown metric 'metrics.{k}' (own metrics go under 'metrics.custom')",
                    path.display()
                );
            }
        }
        if metrics.is_empty() {
            return Err(bad(
                "'metrics' has no measurement (latency, throughput, memory_mb, cpu_percent or custom)"
                    .into(),
            ));
        }

        let metric_info = match obj.get("metric_info") {
            None | Some(Value::Null) => MetricMap::default(),
            Some(v) => parse_metric_info(v, path)?,
        };

        Ok(Snapshot {
            metadata,
            metrics,
            metric_info,
            provider: ProviderName::default(),
        })
    }

    /// The schema v1 document, laid out as flameiq-core's `to_dict()` (plus `metric_info`
    /// when present).
    pub fn to_value(&self) -> Value {
        let m = &self.metadata;
        let mut meta = Map::new();
        meta.insert("run_id".into(), Value::String(m.run_id.clone()));
        meta.insert("commit".into(), opt_str(&m.commit));
        meta.insert("branch".into(), opt_str(&m.branch));
        meta.insert("timestamp".into(), Value::String(m.timestamp.clone()));
        meta.insert("environment".into(), Value::String(m.environment.clone()));
        meta.insert("tags".into(), Value::Object(m.tags.clone()));

        let mut metrics = Map::new();
        let mut latency = Map::new();
        for k in LATENCY_KEYS {
            if let Some(v) = self.metrics.get(&format!("latency.{k}")) {
                latency.insert(k.into(), Value::Number(v.clone()));
            }
        }
        if !latency.is_empty() {
            metrics.insert("latency".into(), Value::Object(latency));
        }
        for k in SCALAR_KEYS {
            if let Some(v) = self.metrics.get(k) {
                metrics.insert(k.into(), Value::Number(v.clone()));
            }
        }
        let custom: Map<String, Value> = self
            .metrics
            .iter()
            .filter_map(|(k, v)| {
                k.strip_prefix("custom.")
                    .map(|name| (name.to_string(), Value::Number(v.clone())))
            })
            .collect();
        if !custom.is_empty() {
            metrics.insert("custom".into(), Value::Object(custom));
        }

        let mut doc = Map::new();
        doc.insert("schema_version".into(), Value::from(SCHEMA_VERSION));
        doc.insert("metadata".into(), Value::Object(meta));
        doc.insert("metrics".into(), Value::Object(metrics));
        if !self.metric_info.is_empty() {
            doc.insert(
                "metric_info".into(),
                serde_json::to_value(&self.metric_info).unwrap_or(Value::Null),
            );
        }
        Value::Object(doc)
    }

    /// Keys that cannot be represented in schema v1 (not latency/scalar/custom). Providers
    /// only produce `custom.*` and the fixed keys, so this is empty for every snapshot built
    /// by FlameIQ; it exists to assert that invariant in tests.
    pub fn unrepresentable_keys(&self) -> Vec<&str> {
        self.metrics
            .keys()
            .map(String::as_str)
            .filter(|k| {
                !(k.starts_with("custom.")
                    || SCALAR_KEYS.contains(k)
                    || k.strip_prefix("latency.")
                        .is_some_and(|s| LATENCY_KEYS.contains(&s)))
            })
            .collect()
    }

    /// The effective direction of a key: the snapshot's `metric_info`, else the default table.
    pub fn direction_of(&self, key: &str) -> Direction {
        self.metric_info
            .get(key)
            .and_then(|i| i.direction)
            .unwrap_or_else(|| Direction::default_for(key))
    }
}

impl Default for Snapshot {
    fn default() -> Self {
        Snapshot::new()
    }
}

fn opt_str(s: &Option<String>) -> Value {
    s.as_ref().map_or(Value::Null, |s| Value::String(s.clone()))
}

/// A short name for a JSON value's type, for error messages.
pub fn kind(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    }
}

/// Turns a serde_json error into a one-line message with position and a hint for the
/// non-JSON literals Python's `json.dumps` writes for NaN and infinities.
pub fn json_error(path: &Path, text: &str, e: &serde_json::Error) -> Error {
    let mut reason = format!("not valid JSON: {e}");
    if ["NaN", "Infinity"].iter().any(|w| text.contains(w)) {
        reason.push_str(" (NaN and Infinity are not numbers in JSON; drop or fix that metric)");
    }
    Error::invalid(path, reason)
}

fn number(v: &Value, field: &str, path: &Path) -> Result<Number> {
    match v {
        Value::Number(n) if n.as_f64().is_some_and(f64::is_finite) => Ok(n.clone()),
        Value::Number(n) => Err(Error::invalid(
            path,
            format!("'{field}' is not a finite number: {n}"),
        )),
        other => Err(Error::invalid(
            path,
            format!("'{field}' must be a number, found {}: {other}", kind(other)),
        )),
    }
}

fn parse_metadata(v: Option<&Value>, path: &Path) -> Result<Metadata> {
    let mut md = Metadata::default();
    let obj = match v {
        None | Some(Value::Null) => return Ok(md),
        Some(Value::Object(o)) => o,
        Some(other) => {
            return Err(Error::invalid(
                path,
                format!("'metadata' must be an object, found {}", kind(other)),
            ))
        }
    };
    let text = |field: &str| -> Result<Option<String>> {
        match obj.get(field) {
            None | Some(Value::Null) => Ok(None),
            Some(Value::String(s)) => Ok(Some(s.clone())),
            // A numeric commit or run id is a YAML/JSON accident, not an error worth failing on.
            Some(Value::Number(n)) => Ok(Some(n.to_string())),
            Some(other) => Err(Error::invalid(
                path,
                format!("'metadata.{field}' must be a string, found {}", kind(other)),
            )),
        }
    };
    if let Some(id) = text("run_id")? {
        md.run_id = id;
    }
    md.commit = text("commit")?;
    md.branch = text("branch")?;
    if let Some(ts) = text("timestamp")? {
        match normalize_timestamp(&ts) {
            Some(t) => md.timestamp = t,
            None => tracing::warn!(
                "{}: metadata.timestamp '{ts}' is not ISO 8601; using the current time",
                path.display()
            ),
        }
    }
    md.environment = match obj.get("environment") {
        None => "ci".into(),
        Some(Value::String(s)) if ["ci", "local", "staging", "custom"].contains(&s.as_str()) => {
            s.clone()
        }
        Some(_) => "custom".into(),
    };
    match obj.get("tags") {
        None | Some(Value::Null) => {}
        Some(Value::Object(t)) => md.tags = t.clone(),
        Some(other) => {
            return Err(Error::invalid(
                path,
                format!("'metadata.tags' must be an object, found {}", kind(other)),
            ))
        }
    }
    Ok(md)
}

fn parse_metric_info(v: &Value, path: &Path) -> Result<MetricMap<MetricInfo>> {
    let obj = v.as_object().ok_or_else(|| {
        Error::invalid(
            path,
            format!("'metric_info' must be an object, found {}", kind(v)),
        )
    })?;
    let mut out = MetricMap::default();
    for (key, info) in obj {
        let o = info.as_object().ok_or_else(|| {
            Error::invalid(
                path,
                format!(
                    "'metric_info.{key}' must be an object, found {}",
                    kind(info)
                ),
            )
        })?;
        let mut mi = MetricInfo::default();
        match o.get("unit") {
            None | Some(Value::Null) => {}
            Some(Value::String(u)) => mi.unit = Some(crate::units::Unit::new(u)),
            Some(other) => {
                return Err(Error::invalid(
                    path,
                    format!(
                        "'metric_info.{key}.unit' must be a string, found {}",
                        kind(other)
                    ),
                ))
            }
        }
        match o.get("direction") {
            None | Some(Value::Null) => {}
            Some(Value::String(d)) => {
                mi.direction = Some(Direction::parse(d).map_err(|e| {
                    Error::invalid(path, format!("'metric_info.{key}.direction': {e}"))
                })?)
            }
            Some(other) => {
                return Err(Error::invalid(
                    path,
                    format!(
                        "'metric_info.{key}.direction' must be a string, found {}",
                        kind(other)
                    ),
                ))
            }
        }
        match o.get("samples") {
            None | Some(Value::Null) => {}
            Some(Value::Array(a)) => {
                for (i, s) in a.iter().enumerate() {
                    let n = number(s, &format!("metric_info.{key}.samples[{i}]"), path)?;
                    mi.samples.push(n.as_f64().unwrap_or(0.0));
                }
            }
            Some(other) => {
                return Err(Error::invalid(
                    path,
                    format!(
                        "'metric_info.{key}.samples' must be an array of numbers, found {}",
                        kind(other)
                    ),
                ))
            }
        }
        out.insert(key.clone(), mi);
    }
    Ok(out)
}

// ---------------------------------------------------------------------------------------
// Timestamps: Python's `datetime.fromisoformat(ts.replace("Z", "+00:00")).isoformat()`.
// ---------------------------------------------------------------------------------------

/// The current UTC time as Python's `datetime.now(tz=timezone.utc).isoformat()`.
pub fn now_isoformat() -> String {
    let d = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap_or_default();
    format_unix(d.as_secs() as i64, d.subsec_micros())
}

/// Formats Unix seconds + microseconds as `YYYY-MM-DDTHH:MM:SS[.ffffff]+00:00`.
pub fn format_unix(secs: i64, micros: u32) -> String {
    let days = secs.div_euclid(86_400);
    let rem = secs.rem_euclid(86_400);
    let (y, m, d) = civil_from_days(days);
    let mut s = format!(
        "{y:04}-{m:02}-{d:02}T{:02}:{:02}:{:02}",
        rem / 3600,
        (rem / 60) % 60,
        rem % 60
    );
    if micros != 0 {
        s.push_str(&format!(".{micros:06}"));
    }
    s.push_str("+00:00");
    s
}

// Howard Hinnant's days-from-civil inverse: exact for the proleptic Gregorian calendar.
fn civil_from_days(z: i64) -> (i64, u32, u32) {
    let z = z + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let y = yoe + era * 400;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    (if m <= 2 { y + 1 } else { y }, m, d)
}

/// Seconds since the Unix epoch of a normalised timestamp (for sorting and charts);
/// `None` when it does not parse.
pub fn timestamp_to_unix(ts: &str) -> Option<f64> {
    let p = parse_iso(ts)?;
    let days = days_from_civil(p.year, p.month, p.day);
    let secs = days * 86_400 + (p.hour * 3600 + p.minute * 60 + p.second) as i64
        - p.offset_secs.unwrap_or(0) as i64;
    Some(secs as f64 + p.micros as f64 / 1e6)
}

fn days_from_civil(y: i64, m: u32, d: u32) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y.rem_euclid(400);
    let mp = (m + 9) % 12;
    let doy = (153 * mp as i64 + 2) / 5 + d as i64 - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

struct IsoParts {
    year: i64,
    month: u32,
    day: u32,
    hour: u32,
    minute: u32,
    second: u32,
    micros: u32,
    offset_secs: Option<i32>,
}

fn parse_iso(ts: &str) -> Option<IsoParts> {
    let b = ts.trim().as_bytes();
    let num = |s: &[u8]| -> Option<u32> {
        if s.is_empty() || !s.iter().all(u8::is_ascii_digit) {
            return None;
        }
        std::str::from_utf8(s).ok()?.parse().ok()
    };
    if b.len() < 10 || b[4] != b'-' || b[7] != b'-' {
        return None;
    }
    let year = num(&b[0..4])? as i64;
    let month = num(&b[5..7])?;
    let day = num(&b[8..10])?;
    if !(1..=12).contains(&month) || day == 0 || day > days_in_month(year, month) {
        return None;
    }
    let mut p = IsoParts {
        year,
        month,
        day,
        hour: 0,
        minute: 0,
        second: 0,
        micros: 0,
        offset_secs: None,
    };
    let mut rest = &b[10..];
    if rest.is_empty() {
        return Some(p);
    }
    if rest[0] != b'T' && rest[0] != b' ' {
        return None;
    }
    rest = &rest[1..];
    if rest.len() < 2 {
        return None;
    }
    p.hour = num(&rest[0..2])?;
    rest = &rest[2..];
    if rest.first() == Some(&b':') {
        p.minute = num(rest.get(1..3)?)?;
        rest = &rest[3..];
        if rest.first() == Some(&b':') {
            p.second = num(rest.get(1..3)?)?;
            rest = &rest[3..];
            if matches!(rest.first(), Some(b'.') | Some(b',')) {
                let digits = rest[1..].iter().take_while(|c| c.is_ascii_digit()).count();
                if digits == 0 {
                    return None;
                }
                let frac = &rest[1..1 + digits];
                let mut us: u32 = 0;
                for i in 0..6 {
                    us = us * 10 + frac.get(i).map_or(0, |c| (c - b'0') as u32);
                }
                p.micros = us;
                rest = &rest[1 + digits..];
            }
        }
    }
    if p.hour > 23 || p.minute > 59 || p.second > 59 {
        return None;
    }
    match rest.first() {
        None => {}
        Some(b'Z') if rest.len() == 1 => p.offset_secs = Some(0),
        Some(sign @ (b'+' | b'-')) => {
            let body: Vec<u8> = rest[1..].iter().copied().filter(|c| *c != b':').collect();
            if body.len() != 4 && body.len() != 6 {
                return None;
            }
            let h = num(&body[0..2])? as i32;
            let m = num(&body[2..4])? as i32;
            let s = if body.len() == 6 {
                num(&body[4..6])? as i32
            } else {
                0
            };
            if h > 23 || m > 59 || s > 59 {
                return None;
            }
            let total = h * 3600 + m * 60 + s;
            p.offset_secs = Some(if *sign == b'-' { -total } else { total });
        }
        _ => return None,
    }
    Some(p)
}

fn days_in_month(y: i64, m: u32) -> u32 {
    match m {
        1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
        4 | 6 | 9 | 11 => 30,
        _ if (y % 4 == 0 && y % 100 != 0) || y % 400 == 0 => 29,
        _ => 28,
    }
}

/// Normalises an ISO-8601 timestamp to Python's `isoformat()` form; `None` if it does not
/// parse (flameiq-core then uses the current time).
pub fn normalize_timestamp(ts: &str) -> Option<String> {
    let p = parse_iso(ts)?;
    let mut s = format!(
        "{:04}-{:02}-{:02}T{:02}:{:02}:{:02}",
        p.year, p.month, p.day, p.hour, p.minute, p.second
    );
    if p.micros != 0 {
        s.push_str(&format!(".{:06}", p.micros));
    }
    if let Some(off) = p.offset_secs {
        let sign = if off < 0 { '-' } else { '+' };
        let a = off.abs();
        s.push_str(&format!("{sign}{:02}:{:02}", a / 3600, (a / 60) % 60));
        if a % 60 != 0 {
            s.push_str(&format!(":{:02}", a % 60));
        }
    }
    Some(s)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn parse(v: Value) -> Result<Snapshot> {
        Snapshot::from_value(&v, Path::new("m.json"))
    }

    #[test]
    fn flat_keys_follow_flameiq_core_order() {
        let s = parse(json!({"schema_version": 1, "metrics": {
            "custom": {"b": 2, "a": 1.5}, "throughput": 950.2,
            "latency": {"p95": 180.0, "mean": 120.5}, "memory_mb": 512}}))
        .unwrap();
        let keys: Vec<_> = s.flat().map(|(k, _)| k.to_string()).collect();
        assert_eq!(
            keys,
            [
                "latency.mean",
                "latency.p95",
                "throughput",
                "memory_mb",
                "custom.b",
                "custom.a"
            ]
        );
        assert_eq!(s.get("custom.a"), Some(1.5));
    }

    #[test]
    fn rejects_what_schema_v1_forbids() {
        let cases = [
            (json!({"metrics": {"throughput": 1}}), "schema_version"),
            (
                json!({"schema_version": 2, "metrics": {"throughput": 1}}),
                "schema_version 2",
            ),
            (json!({"schema_version": 1, "metrics": {}}), "empty"),
            (json!({"schema_version": 1}), "missing"),
            (
                json!({"schema_version": 1, "metrics": {"throughput": "fast"}}),
                "must be a number",
            ),
            (
                json!({"schema_version": 1, "metrics": {"throughput": true}}),
                "boolean",
            ),
            (
                json!({"schema_version": 1, "metrics": {"latency": {"p95": -1}}}),
                "non-negative",
            ),
            (
                json!({"schema_version": 1, "metrics": {"custom": {"x": null}}}),
                "null",
            ),
            (
                json!({"schema_version": 1, "metrics": {"bogus": 1}}),
                "no measurement",
            ),
            (json!([1, 2]), "JSON object"),
            (
                json!({"schema_version": true, "metrics": {"throughput": 1}}),
                "schema_version",
            ),
        ];
        for (doc, needle) in cases {
            let err = parse(doc.clone()).unwrap_err().to_string();
            assert!(err.contains(needle), "{doc}: {err}");
        }
    }

    #[test]
    fn nan_gets_a_hint() {
        let e = Snapshot::from_json_str(
            r#"{"schema_version": 1, "metrics": {"throughput": NaN}}"#,
            Path::new("m.json"),
        )
        .unwrap_err();
        assert!(e.to_string().contains("NaN and Infinity"), "{e}");
        assert_eq!(e.exit_code(), 3);
    }

    #[test]
    fn round_trip_keeps_integers_and_layout() {
        let doc = json!({"schema_version": 1,
            "metadata": {"run_id": "r1", "commit": "abc", "branch": "main",
                         "timestamp": "2024-01-15T10:30:00Z", "environment": "ci", "tags": {"k": "v"}},
            "metrics": {"latency": {"mean": 120.5, "p50": 110}, "throughput": 950.2,
                        "custom": {"parse_ms": 10}}});
        let s = parse(doc).unwrap();
        let out = crate::jsonfmt::to_line(&s.to_value());
        assert_eq!(
            out,
            r#"{"schema_version": 1, "metadata": {"run_id": "r1", "commit": "abc", "branch": "main", "timestamp": "2024-01-15T10:30:00+00:00", "environment": "ci", "tags": {"k": "v"}}, "metrics": {"latency": {"mean": 120.5, "p50": 110}, "throughput": 950.2, "custom": {"parse_ms": 10}}}"#
        );
    }

    #[test]
    fn timestamps_normalise_like_python_isoformat() {
        // Right-hand sides are Python 3.11's datetime.fromisoformat(x).isoformat().
        assert_eq!(
            normalize_timestamp("2024-01-15T10:30:00.123+02:00").unwrap(),
            "2024-01-15T10:30:00.123000+02:00"
        );
        assert_eq!(
            normalize_timestamp("2024-01-15").unwrap(),
            "2024-01-15T00:00:00"
        );
        assert_eq!(
            normalize_timestamp("2024-01-15 10:30").unwrap(),
            "2024-01-15T10:30:00"
        );
        assert!(normalize_timestamp("yesterday").is_none());
        assert!(normalize_timestamp("2024-02-30T00:00:00").is_none());
        assert_eq!(format_unix(0, 0), "1970-01-01T00:00:00+00:00");
        assert_eq!(
            format_unix(1_709_210_096, 5),
            "2024-02-29T12:34:56.000005+00:00"
        );
        assert_eq!(
            timestamp_to_unix("2024-02-29T14:34:56+02:00"),
            Some(1_709_210_096.0)
        );
    }

    #[test]
    fn unknown_environment_reads_as_custom() {
        let s = parse(
            json!({"schema_version": 1, "metadata": {"environment": "prod"},
            "metrics": {"throughput": 1}}),
        )
        .unwrap();
        assert_eq!(s.metadata.environment, "custom");
    }

    #[test]
    fn metric_info_is_validated() {
        let s = parse(json!({"schema_version": 1, "metrics": {"custom": {"x": 1}},
            "metric_info": {"custom.x": {"unit": "ns", "direction": "higher_is_better", "samples": [1, 2.5]}}}))
        .unwrap();
        assert_eq!(s.direction_of("custom.x"), Direction::HigherIsBetter);
        assert_eq!(s.metric_info["custom.x"].samples, vec![1.0, 2.5]);
        let e = parse(json!({"schema_version": 1, "metrics": {"custom": {"x": 1}},
            "metric_info": {"custom.x": {"direction": "up"}}}))
        .unwrap_err();
        assert!(e.to_string().contains("unknown direction 'up'"), "{e}");
    }
}
