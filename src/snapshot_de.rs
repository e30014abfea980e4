//! The fast path of [`Snapshot::from_json_str`]: schema v1 text deserialized straight into
//! a [`Snapshot`], with borrowed strings and no `serde_json::Value` tree.
//!
//! Reading the history (`flameiq changes`, rolling baselines, trends) parses one document
//! per stored run; through a `Value` tree that was ~26 MB/s, most of `changes`' time over
//! 10,000 metrics × 1,000 runs (issue 14). This path accepts only documents the validating
//! path ([`Snapshot::from_value`]) accepts *and* reads without a warning, and builds the
//! same snapshot from them (same keys, order, numbers, metadata). Anything else (a
//! duplicate or unknown key, a null where a number goes, a negative latency, a bad
//! timestamp, a `schema_version` other than 1, invalid JSON) makes it give up, and the
//! caller runs the validating path, which owns every error message and warning. So the
//! result never depends on which path read a document.

use crate::schema::{normalize_timestamp, Direction, Metadata, MetricInfo, MetricMap, Snapshot};
use crate::schema::{LATENCY_KEYS, SCALAR_KEYS};
use crate::units::Unit;
use serde::de::{self, DeserializeSeed, Deserializer, MapAccess, Visitor};
use serde::Deserialize;
use serde_json::{Map, Number, Value};
use std::borrow::Cow;
use std::fmt;

/// `text` as a snapshot when it is a clean schema v1 document (see the module docs);
/// `None` means "use the validating path".
pub fn parse(text: &str) -> Option<Snapshot> {
    let doc: Doc = serde_json::from_str(text).ok()?;
    if doc.schema_version != 1.0 {
        return None;
    }
    let metadata = metadata(doc.metadata)?;
    let metrics = doc.metrics?.0;
    let metric_info = match doc.metric_info {
        None => MetricMap::default(),
        Some(m) => m.0,
    };
    Some(Snapshot {
        metadata,
        metrics: crate::schema::Metrics::from_parts(metrics, metric_info),
        provider: Default::default(),
    })
}

#[derive(Deserialize)]
struct Doc<'a> {
    schema_version: f64,
    #[serde(borrow, default)]
    metadata: Option<Meta<'a>>,
    #[serde(default)]
    metrics: Option<Metrics>,
    #[serde(default)]
    metric_info: Option<Infos>,
}

#[derive(Deserialize)]
pub(crate) struct Meta<'a> {
    #[serde(borrow, default)]
    run_id: Option<Cow<'a, str>>,
    #[serde(borrow, default)]
    commit: Option<Cow<'a, str>>,
    #[serde(borrow, default)]
    branch: Option<Cow<'a, str>>,
    #[serde(borrow, default)]
    timestamp: Option<Cow<'a, str>>,
    /// Missing (`ci`) and `null` (`custom`) differ, hence no `Option` here.
    #[serde(borrow, default)]
    environment: Env<'a>,
    #[serde(default)]
    tags: Option<Map<String, Value>>,
}

/// `metadata.environment`: missing, a string, or anything else.
#[derive(Default)]
enum Env<'a> {
    #[default]
    Missing,
    Str(Cow<'a, str>),
    Other,
}

impl<'de: 'a, 'a> Deserialize<'de> for Env<'a> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let v: Option<Cow<'a, str>> = match Value::deserialize(d)? {
            Value::String(s) => Some(Cow::Owned(s)),
            _ => None,
        };
        Ok(v.map_or(Env::Other, Env::Str))
    }
}

pub(crate) fn metadata(m: Option<Meta>) -> Option<Metadata> {
    let Some(m) = m else {
        return Some(Metadata::default());
    };
    let timestamp = match m.timestamp {
        // The validating path warns about a timestamp it cannot read: let it.
        Some(ts) => normalize_timestamp(&ts)?,
        None => crate::schema::now_isoformat(),
    };
    let environment = match m.environment {
        Env::Missing => "ci".to_string(),
        Env::Str(s) if ["ci", "local", "staging", "custom"].contains(&&*s) => s.into_owned(),
        _ => "custom".to_string(),
    };
    Some(Metadata {
        run_id: match m.run_id {
            Some(id) => id.into_owned(),
            None => uuid::Uuid::new_v4().to_string(),
        },
        commit: m.commit.map(Cow::into_owned),
        branch: m.branch.map(Cow::into_owned),
        timestamp,
        environment,
        tags: m.tags.unwrap_or_default(),
    })
}

/// `metrics`, flat and in flameiq-core's order.
struct Metrics(MetricMap<Number>);

impl<'de> Deserialize<'de> for Metrics {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        d.deserialize_map(MetricsVisitor)
    }
}

struct MetricsVisitor;

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Latency {
    #[serde(default)]
    mean: Option<Number>,
    #[serde(default)]
    p50: Option<Number>,
    #[serde(default)]
    p95: Option<Number>,
    #[serde(default)]
    p99: Option<Number>,
}

fn finite(n: &Number) -> bool {
    n.as_f64().is_some_and(f64::is_finite)
}

impl<'de> Visitor<'de> for MetricsVisitor {
    type Value = Metrics;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a schema v1 metrics object")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Metrics, A::Error> {
        let mut latency: Option<Latency> = None;
        let mut scalars: [Option<Number>; 3] = [None, None, None];
        let mut custom: Option<MetricMap<Number>> = None;
        let give_up = || de::Error::custom("not a clean schema v1 document");
        while let Some(key) = map.next_key::<Cow<'de, str>>()? {
            match &*key {
                "latency" if latency.is_none() => latency = Some(map.next_value()?),
                "custom" if custom.is_none() => custom = Some(map.next_value_seed(CustomSeed)?),
                k => {
                    let i = SCALAR_KEYS
                        .iter()
                        .position(|s| *s == k)
                        .ok_or_else(give_up)?;
                    if scalars[i].is_some() {
                        return Err(give_up());
                    }
                    // `null` reads as absent there, as in the validating path.
                    let v: Option<Number> = map.next_value()?;
                    match v {
                        Some(n) if finite(&n) => scalars[i] = Some(n),
                        Some(_) => return Err(give_up()),
                        None => {}
                    }
                }
            }
        }
        let mut out = MetricMap::default();
        if let Some(l) = latency {
            let values = [l.mean, l.p50, l.p95, l.p99];
            if values.iter().all(Option::is_none) {
                return Err(give_up());
            }
            for (k, v) in LATENCY_KEYS.iter().zip(values) {
                if let Some(n) = v {
                    if !finite(&n) || n.as_f64().unwrap_or(0.0) < 0.0 {
                        return Err(give_up());
                    }
                    out.insert(format!("latency.{k}"), n);
                }
            }
        }
        for (k, v) in SCALAR_KEYS.iter().zip(scalars) {
            if let Some(n) = v {
                out.insert(k.to_string(), n);
            }
        }
        match custom {
            // The usual document: only custom metrics, already flat and in order.
            Some(c) if out.is_empty() => out = c,
            Some(c) => out.extend(c),
            None => {}
        }
        if out.is_empty() {
            return Err(give_up());
        }
        Ok(Metrics(out))
    }
}

/// `metrics.custom` read straight into flat `custom.<name>` keys.
struct CustomSeed;

impl<'de> DeserializeSeed<'de> for CustomSeed {
    type Value = MetricMap<Number>;
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<Self::Value, D::Error> {
        d.deserialize_map(self)
    }
}

impl<'de> Visitor<'de> for CustomSeed {
    type Value = MetricMap<Number>;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("an object of name: number")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
        let mut out = MetricMap::default();
        out.reserve(map.size_hint().unwrap_or(0));
        while let Some(name) = map.next_key::<Cow<'de, str>>()? {
            let n: Number = map.next_value()?;
            let mut key = String::with_capacity(7 + name.len());
            key.push_str("custom.");
            key.push_str(&name);
            match out.entry(key) {
                indexmap::map::Entry::Vacant(v) if finite(&n) => {
                    v.insert(n);
                }
                // A repeated name (the validating path keeps the last) or a bad number.
                _ => return Err(de::Error::custom("not a clean schema v1 document")),
            }
        }
        Ok(out)
    }
}

/// `metric_info`.
pub(crate) struct Infos(pub(crate) MetricMap<MetricInfo>);

#[derive(Deserialize)]
struct Info<'a> {
    #[serde(borrow, default)]
    unit: Option<Cow<'a, str>>,
    #[serde(borrow, default)]
    direction: Option<Cow<'a, str>>,
    #[serde(default)]
    samples: Option<Vec<Number>>,
    #[serde(default)]
    min: Option<Number>,
    #[serde(default)]
    max: Option<Number>,
}

impl<'de> Deserialize<'de> for Infos {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        d.deserialize_map(InfosVisitor)
    }
}

struct InfosVisitor;

impl<'de> Visitor<'de> for InfosVisitor {
    type Value = Infos;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a metric_info object")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Infos, A::Error> {
        let give_up = || de::Error::custom("not a clean schema v1 document");
        let mut out = MetricMap::default();
        while let Some(key) = map.next_key::<Cow<'de, str>>()? {
            let info: Info = map.next_value()?;
            let direction = match info.direction {
                None => None,
                Some(d) => Some(Direction::parse(&d).map_err(|_| give_up())?),
            };
            let mut samples = Vec::new();
            for s in info.samples.unwrap_or_default() {
                let v = s.as_f64().filter(|v| v.is_finite()).ok_or_else(give_up)?;
                samples.push(v);
            }
            let finite = |n: Option<Number>| -> Result<Option<f64>, A::Error> {
                n.map(|n| n.as_f64().filter(|v| v.is_finite()).ok_or_else(give_up))
                    .transpose()
            };
            let mi = MetricInfo {
                unit: info.unit.map(|u| Unit::new(&u)),
                direction,
                samples,
                min: finite(info.min)?,
                max: finite(info.max)?,
            };
            if out.insert(key.into_owned(), mi).is_some() {
                return Err(give_up());
            }
        }
        Ok(Infos(out))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::path::Path;

    /// Every document below reads the same through both paths (metadata that would be
    /// generated, run id and time, is given so the two are comparable).
    #[test]
    fn fast_path_builds_the_validating_paths_snapshot() {
        let docs = [
            r#"{"schema_version": 1, "metadata": {"run_id": "r", "commit": "abc", "branch": "main", "timestamp": "2026-01-01T00:00:00Z", "environment": "local", "tags": {"release": "v1"}}, "metrics": {"custom": {"b": 2, "a": 1.5}}}"#,
            r#"{"schema_version": 1.0, "metadata": {"run_id": "r", "timestamp": "2026-01-01T00:00:00+00:00", "environment": "weird"}, "metrics": {"custom": {"x\"y": 3}, "throughput": 9.5, "latency": {"p95": 2, "mean": 1}, "cpu_percent": null}, "metric_info": {"custom.x\"y": {"unit": "ns", "direction": "higher_is_better", "samples": [1, 2.5]}}}"#,
            r#"{"schema_version": 1, "metadata": {"run_id": "r", "timestamp": "2026-01-01T00:00:00", "environment": null}, "metrics": {"memory_mb": 12}}"#,
        ];
        for d in docs {
            let fast = parse(d).expect("clean document takes the fast path");
            let value: Value = serde_json::from_str(d).unwrap();
            let slow = Snapshot::from_value(&value, Path::new("t.json")).unwrap();
            assert_eq!(fast, slow, "{d}");
            assert_eq!(
                fast.metrics.keys().collect::<Vec<_>>(),
                slow.metrics.keys().collect::<Vec<_>>()
            );
        }
    }

    /// What the validating path warns about or refuses is left to it.
    #[test]
    fn anything_unclean_goes_to_the_validating_path() {
        for d in [
            r#"{"schema_version": 2, "metrics": {"custom": {"a": 1}}}"#,
            r#"{"metrics": {"custom": {"a": 1}}}"#,
            r#"{"schema_version": 1, "metrics": {}}"#,
            r#"{"schema_version": 1, "metrics": {"custom": {"a": null}}}"#,
            r#"{"schema_version": 1, "metrics": {"custom": {"a": 1}, "extra": 2}}"#,
            r#"{"schema_version": 1, "metrics": {"latency": {"mean": -1}}}"#,
            r#"{"schema_version": 1, "metrics": {"latency": {"p42": 1, "mean": 1}}}"#,
            r#"{"schema_version": 1, "metrics": {"custom": {"a": 1, "a": 2}}}"#,
            r#"{"schema_version": 1, "metadata": {"timestamp": "yesterday"}, "metrics": {"custom": {"a": 1}}}"#,
            r#"{"schema_version": 1, "metadata": {"commit": 12}, "metrics": {"custom": {"a": 1}}}"#,
            r#"{"schema_version": 1, "metrics": {"custom": {"a": 1}}, "metric_info": {"custom.a": {"direction": "up"}}}"#,
            r#"{"schema_version": 1, "metrics": {"custom": {"a": 1}}"#,
        ] {
            assert!(parse(d).is_none(), "{d}");
        }
    }
}
