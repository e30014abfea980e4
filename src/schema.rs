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
//! direction and raw samples, or the run's `min` and `max` where the tool gives those
//! without the samples; adapters fill it.
//!
//! Length (over 500 lines): parsing and validation of one format, about 120 lines of tests; the timestamps are in `crate::timestamp`.

use crate::error::{Error, Result};
pub use crate::metric_map::Metrics;
use indexmap::IndexMap;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Number, Value};
use std::path::Path;

// The timestamp code lives in its own module; these names stay importable from here.
pub use crate::timestamp::{format_unix, normalize_timestamp, now_isoformat, timestamp_to_unix};

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
    /// The run's smallest sample as the tool reported it, for tools that summarise a run
    /// without exporting its samples (a pytest-benchmark `--benchmark-autosave` file saved
    /// without `--benchmark-save-data`):
    /// with [`MetricInfo::max`], calibrated `auto` locates the run by its best sample as
    /// it would with the samples (docs/statistics.md). Ignored when `samples` are present.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub min: Option<f64>,
    /// The run's largest sample as the tool reported it (see [`MetricInfo::min`]).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max: Option<f64>,
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
    /// Flat key → value, in flameiq-core's order; values keep their JSON number form. Also
    /// holds the extension `metric_info` (unit, direction and samples per flat key): see
    /// [`Metrics::info`].
    pub metrics: Metrics,
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
            metrics: Metrics::default(),
            provider: ProviderName::default(),
        }
    }

    /// Unit-test support: a snapshot of `(flat key, value)` pairs, in that order.
    #[cfg(test)]
    pub(crate) fn from_pairs(pairs: &[(&str, f64)]) -> Snapshot {
        let mut s = Snapshot::new();
        for (k, v) in pairs {
            s.insert(*k, *v);
        }
        s
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
        self.metrics.sort_by(|a, b| rank(a).cmp(&rank(b)));
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

        check_version(obj, path)?;
        let metadata = parse_metadata(obj.get("metadata"), path)?;
        let raw = metrics_object(obj, path)?;
        let mut metrics = MetricMap::default();
        if let Some(lat) = raw.get("latency") {
            parse_latency(lat, path, &mut metrics)?;
        }
        for k in SCALAR_KEYS {
            match raw.get(k) {
                None | Some(Value::Null) => {}
                Some(v) => {
                    metrics.insert(k.to_string(), number(v, &format!("metrics.{k}"), path)?);
                }
            }
        }
        if let Some(custom) = raw.get("custom") {
            parse_custom(custom, path, &mut metrics)?;
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
            metrics: Metrics::from_parts(metrics, metric_info),
            provider: ProviderName::default(),
        })
    }

    /// The schema v1 document, laid out as flameiq-core's `to_dict()` (plus `metric_info`
    /// when present): [`crate::snapshot_ser::Document`] as a tree, so the layout has one
    /// home whether the document is streamed (`run -o`) or kept.
    pub fn to_value(&self) -> Value {
        serde_json::to_value(crate::snapshot_ser::Document(self))
            .expect("a snapshot's document has string keys and finite numbers")
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
        self.metrics
            .info(key)
            .and_then(|i| i.direction)
            .unwrap_or_else(|| Direction::default_for(key))
    }
}

impl Default for Snapshot {
    fn default() -> Self {
        Snapshot::new()
    }
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

/// `schema_version` must be 1.
fn check_version(obj: &serde_json::Map<String, Value>, path: &Path) -> Result<()> {
    match obj.get("schema_version") {
        None => Err(Error::invalid(
            path,
            "'schema_version' is missing (expected 1)",
        )),
        Some(v) if v.as_f64() == Some(1.0) => Ok(()),
        Some(v) => Err(Error::invalid(
            path,
            format!("unsupported schema_version {v} (FlameIQ reads schema_version 1)"),
        )),
    }
}

/// The `metrics` object: present, an object, not empty.
fn metrics_object<'a>(
    obj: &'a serde_json::Map<String, Value>,
    path: &Path,
) -> Result<&'a serde_json::Map<String, Value>> {
    let bad = |reason: String| Error::invalid(path, reason);
    match obj.get("metrics") {
        None | Some(Value::Null) => Err(bad("'metrics' is missing".into())),
        Some(Value::Object(m)) if m.is_empty() => Err(bad(
            "'metrics' is empty (at least one metric is required)".into(),
        )),
        Some(Value::Object(m)) => Ok(m),
        Some(other) => Err(bad(format!(
            "'metrics' must be an object, found {}",
            kind(other)
        ))),
    }
}

/// `metrics.latency`: null, or an object with at least one of [`LATENCY_KEYS`], each a
/// non-negative number (unknown keys are warned about and ignored).
fn parse_latency(lat: &Value, path: &Path, metrics: &mut MetricMap<Number>) -> Result<()> {
    let bad = |reason: String| Error::invalid(path, reason);
    let l = match lat {
        Value::Null => return Ok(()),
        Value::Object(l) => l,
        other => {
            return Err(bad(format!(
                "'metrics.latency' must be an object, found {}",
                kind(other)
            )))
        }
    };
    for k in l.keys() {
        if !LATENCY_KEYS.contains(&k.as_str()) {
            tracing::warn!(
                "{}: ignoring unknown latency key 'metrics.latency.{k}' (expected mean, p50, p95, p99)",
                path.display()
            );
        }
    }
    let mut found = 0;
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
                found += 1;
            }
        }
    }
    if !l.is_empty() && found == 0 {
        return Err(bad(
            "'metrics.latency' needs at least one of mean, p50, p95, p99".into(),
        ));
    }
    Ok(())
}

/// `metrics.custom`: null, or an object of name: number.
fn parse_custom(custom: &Value, path: &Path, metrics: &mut MetricMap<Number>) -> Result<()> {
    match custom {
        Value::Null => Ok(()),
        Value::Object(c) => {
            for (k, v) in c {
                let n = number(v, &format!("metrics.custom.{k}"), path)?;
                metrics.insert(format!("custom.{k}"), n);
            }
            Ok(())
        }
        other => Err(Error::invalid(
            path,
            format!(
                "'metrics.custom' must be an object of name: number, found {}",
                kind(other)
            ),
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
        for (field, slot) in [("min", &mut mi.min), ("max", &mut mi.max)] {
            match o.get(field) {
                None | Some(Value::Null) => {}
                Some(v) => {
                    let n = number(v, &format!("metric_info.{key}.{field}"), path)?;
                    *slot = n.as_f64();
                }
            }
        }
        out.insert(key.clone(), mi);
    }
    Ok(out)
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
        let out = crate::pyjson::to_line(&s.to_value());
        assert_eq!(
            out,
            r#"{"schema_version": 1, "metadata": {"run_id": "r1", "commit": "abc", "branch": "main", "timestamp": "2024-01-15T10:30:00+00:00", "environment": "ci", "tags": {"k": "v"}}, "metrics": {"latency": {"mean": 120.5, "p50": 110}, "throughput": 950.2, "custom": {"parse_ms": 10}}}"#
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
        assert_eq!(s.metrics.info("custom.x").unwrap().samples, vec![1.0, 2.5]);
        let e = parse(json!({"schema_version": 1, "metrics": {"custom": {"x": 1}},
            "metric_info": {"custom.x": {"direction": "up"}}}))
        .unwrap_err();
        assert!(e.to_string().contains("unknown direction 'up'"), "{e}");
        // A run's reported range (issue 14): numbers, named when they are not.
        let s = parse(json!({"schema_version": 1, "metrics": {"custom": {"x": 2}},
            "metric_info": {"custom.x": {"min": 1.5, "max": 4}}}))
        .unwrap();
        let info = s.metrics.info("custom.x").unwrap();
        assert_eq!((info.min, info.max), (Some(1.5), Some(4.0)));
        let e = parse(json!({"schema_version": 1, "metrics": {"custom": {"x": 2}},
            "metric_info": {"custom.x": {"min": "fast"}}}))
        .unwrap_err();
        assert!(
            e.to_string()
                .contains("'metric_info.custom.x.min' must be a number"),
            "{e}"
        );
    }
}
