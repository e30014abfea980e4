//! [`Document`]: a snapshot written as its schema v1 document straight from the snapshot,
//! without building a `serde_json::Value` tree first (issue 19 item 9, memory).
//!
//! A `serde_json::Value` tree copies every key and value (a map entry, a key and a `Value`
//! per metric, and an object per `metric_info` entry): for a tool output of 600,000
//! benchmarks that tree and the text made from it took 10–19× the input in memory
//! (`flameiq run -o`). [`Document`] serialises the fields from the snapshot itself, so
//! [`pyjson::write_pretty`](crate::pyjson::write_pretty) can stream the text to a file. It
//! is the one home of the document's layout: [`Snapshot::to_value`] is this document as a
//! tree, and the layout is pinned against flameiq-core's files by `tests/reference.rs`
//! (`stores_are_interchangeable_and_byte_identical`). The tests below check that the
//! streamed text is the tree's, byte for byte, on every fixture.

use crate::schema::{Snapshot, LATENCY_KEYS, SCALAR_KEYS, SCHEMA_VERSION};
use serde::ser::{Serialize, SerializeMap, Serializer};

/// The schema v1 document of a snapshot, laid out as [`Snapshot::to_value`] lays it out.
pub struct Document<'a>(pub &'a Snapshot);

impl Serialize for Document<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let snap = self.0;
        let mut doc = s.serialize_map(None)?;
        doc.serialize_entry("schema_version", &SCHEMA_VERSION)?;
        doc.serialize_entry("metadata", &Metadata(snap))?;
        doc.serialize_entry("metrics", &Metrics(snap))?;
        if !snap.metrics.infos_is_empty() {
            doc.serialize_entry("metric_info", &Infos(snap))?;
        }
        doc.end()
    }
}

struct Metadata<'a>(&'a Snapshot);

impl Serialize for Metadata<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let m = &self.0.metadata;
        let mut map = s.serialize_map(None)?;
        map.serialize_entry("run_id", &m.run_id)?;
        map.serialize_entry("commit", &m.commit)?;
        map.serialize_entry("branch", &m.branch)?;
        map.serialize_entry("timestamp", &m.timestamp)?;
        map.serialize_entry("environment", &m.environment)?;
        map.serialize_entry("tags", &m.tags)?;
        map.end()
    }
}

/// `metrics`: `latency` (when any), the scalar keys, then `custom` (when any).
struct Metrics<'a>(&'a Snapshot);

impl Serialize for Metrics<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let metrics = &self.0.metrics;
        let mut map = s.serialize_map(None)?;
        let latency = || {
            LATENCY_KEYS
                .iter()
                .filter_map(|k| metrics.get(&format!("latency.{k}")).map(|v| (*k, v)))
        };
        if latency().next().is_some() {
            map.serialize_entry("latency", &Entries(latency))?;
        }
        for k in SCALAR_KEYS {
            if let Some(v) = metrics.get(k) {
                map.serialize_entry(k, v)?;
            }
        }
        let custom = || {
            metrics
                .iter()
                .filter_map(|(k, v)| k.strip_prefix("custom.").map(|name| (name, v)))
        };
        if custom().next().is_some() {
            map.serialize_entry("custom", &Entries(custom))?;
        }
        map.end()
    }
}

/// `metric_info`, in its own order.
struct Infos<'a>(&'a Snapshot);

impl Serialize for Infos<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_map(self.0.metrics.infos())
    }
}

/// A map written from a function that gives its entries (called again for each pass).
struct Entries<F>(F);

impl<'a, F, I, V> Serialize for Entries<F>
where
    F: Fn() -> I,
    I: Iterator<Item = (&'a str, V)>,
    V: Serialize,
{
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_map((self.0)())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::pyjson;
    use crate::schema::MetricInfo;
    use serde_json::Number;
    use std::path::Path;

    fn same_bytes(snap: &Snapshot, what: &str) {
        let tree = pyjson::to_pretty(&snap.to_value());
        assert_eq!(pyjson::to_pretty(&Document(snap)), tree, "{what}");
        let mut streamed = Vec::new();
        pyjson::write_pretty(&mut streamed, &Document(snap)).unwrap();
        assert_eq!(String::from_utf8(streamed).unwrap(), tree, "{what}");
    }

    /// Every fixture, read by every provider that reads it, and a hand-built snapshot with
    /// every kind of key, tags, a detached `metric_info` and floats Python writes its own
    /// way: the document written from the snapshot is the tree's, byte for byte.
    #[test]
    fn issue19_item9_document_is_the_value_trees_bytes() {
        let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures");
        let mut read = 0;
        for dir in std::fs::read_dir(&root).unwrap() {
            let dir = dir.unwrap().path();
            let Some(files) = std::fs::read_dir(&dir).ok() else {
                continue;
            };
            for file in files {
                let file = file.unwrap().path();
                if let Ok((snap, _)) = crate::providers::load(&file, "auto") {
                    same_bytes(&snap, &file.display().to_string());
                    read += 1;
                }
            }
        }
        assert!(read > 20, "only {read} fixtures read");

        let mut s = Snapshot::new();
        same_bytes(&s, "empty");
        s.metadata.commit = Some("abc\"\n".into());
        s.metadata.tags.insert("release".into(), "v1 é".into());
        for (k, v) in [
            ("custom.z", 1e-05),
            ("throughput", 100.0),
            ("latency.p99", 1e16),
            ("custom.a b/c", -0.0),
            ("latency.mean", 0.1),
            ("memory_mb", 12.5),
        ] {
            s.metrics
                .insert(k.to_string(), Number::from_f64(v).unwrap());
        }
        s.metrics.insert("custom.int".into(), Number::from(7u64));
        s.metrics.insert("bogus".into(), Number::from(1u64));
        same_bytes(&s, "no infos");
        s.metrics.set_info(
            "custom.z".into(),
            MetricInfo {
                unit: Some(crate::units::Unit::MS),
                direction: Some(crate::schema::Direction::HigherIsBetter),
                samples: vec![1.5e-07, 2.0],
                ..Default::default()
            },
        );
        s.metrics
            .set_info("custom.gone".into(), MetricInfo::default());
        s.metrics
            .set_info("latency.p99".into(), MetricInfo::default());
        same_bytes(&s, "infos out of order");
    }
}
