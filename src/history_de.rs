//! The history reader's fast path: one stored run's text read straight into columns,
//! without building a [`Snapshot`](crate::schema::Snapshot) (issue 14 / issue 17 speed).
//!
//! `flameiq changes` and `flameiq dashboard` read every run of the history (1,000 runs of
//! 10,000 metrics in the benchmark) only to append each value to its metric's series.
//! Through a snapshot that is one `String` and one map insert per value, then one more
//! hash look-up to find the series. Here the document's `metrics.custom` object is
//! streamed: each `(position, name, value)` goes to a [`CustomSink`], which in practice
//! finds the series by comparing the name with the key at the same position in the
//! previous run (histories repeat their key order), with no allocation and no hashing.
//!
//! The path accepts only what [`crate::snapshot_de::parse`] accepts, restricted to the
//! usual document (custom metrics only), and reads the same numbers and metadata from it
//! (the metadata and `metric_info` through that module's own readers). Anything else — a
//! latency or scalar metric, an empty `custom`, a duplicate key, a bad number, invalid
//! JSON — returns `None` and the caller reads the text the ordinary way
//! ([`Snapshot::from_json_str`](crate::schema::Snapshot::from_json_str)), which owns every
//! warning and error; so which path read a run never shows in the result. A sink that
//! gave values for a document that then fails must drop them (see [`CustomSink`]).

use crate::schema::{Metadata, MetricInfo, MetricMap};
use crate::snapshot_de::{self, Infos, Meta};
use serde::de::{self, DeserializeSeed, Deserializer, IgnoredAny, MapAccess, Visitor};
use serde_json::Number;
use std::borrow::Cow;
use std::fmt;

mod scan;

/// Where the fast path puts a document's custom metrics.
pub(crate) trait CustomSink {
    /// `custom.<name>` is `value` (finite), the `pos`-th metric of the document (from 0).
    /// `false` gives the document up (e.g. a name seen twice). The values of a document
    /// are only final when [`parse`] returns `Some`.
    fn value(&mut self, pos: usize, name: &str, value: f64) -> bool;

    /// Forgets the values given for the document being read (it is read again).
    fn reset(&mut self);
}

/// What the fast path returns beside the values.
pub(crate) struct Parsed {
    /// The run's metadata, as the snapshot would hold it.
    pub metadata: Metadata,
    /// The run's `metric_info`, as the snapshot would hold it.
    pub metric_info: MetricMap<MetricInfo>,
    /// How many custom metrics the document had.
    pub count: usize,
}

/// Reads `text` into `sink` when it is a clean custom-only schema v1 document (see the
/// module docs); `None` means "read it the ordinary way", and the values given to `sink`
/// for this document are void.
pub(crate) fn parse<S: CustomSink>(text: &str, sink: &mut S) -> Option<Parsed> {
    match scan::document(text, sink) {
        Some(doc) => finish(doc),
        None => {
            // The scanner takes only the plainest form; everything else (escapes, an
            // unknown field, a number outside its exact range, invalid JSON) is read by
            // serde, which decides.
            sink.reset();
            parse_serde(text, sink)
        }
    }
}

/// [`parse`] through serde alone.
fn parse_serde<S: CustomSink>(text: &str, sink: &mut S) -> Option<Parsed> {
    let mut de = serde_json::Deserializer::from_str(text);
    let doc = DocSeed { sink }.deserialize(&mut de).ok()?;
    de.end().ok()?;
    finish(doc)
}

fn finish(doc: Doc) -> Option<Parsed> {
    if doc.version != Some(1.0) || doc.count == 0 {
        return None;
    }
    let metadata = snapshot_de::metadata(doc.meta)?;
    Some(Parsed {
        metadata,
        metric_info: doc.info.map(|i| i.0).unwrap_or_default(),
        count: doc.count,
    })
}

fn give_up<E: de::Error>() -> E {
    E::custom("not for the fast path")
}

struct Doc<'a> {
    version: Option<f64>,
    meta: Option<Meta<'a>>,
    info: Option<Infos>,
    count: usize,
}

struct DocSeed<'s, S> {
    sink: &'s mut S,
}

impl<'de, S: CustomSink> DeserializeSeed<'de> for DocSeed<'_, S> {
    type Value = Doc<'de>;
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<Doc<'de>, D::Error> {
        d.deserialize_map(self)
    }
}

impl<'de, S: CustomSink> Visitor<'de> for DocSeed<'_, S> {
    type Value = Doc<'de>;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a schema v1 document")
    }

    // As the derived `Deserialize` of snapshot_de's document: each known field at most
    // once, unknown fields ignored, `null` for an optional field is its absence.
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Doc<'de>, A::Error> {
        let mut version = None;
        let mut meta: Option<Option<Meta<'de>>> = None;
        let mut info: Option<Option<Infos>> = None;
        let mut count = None;
        while let Some(key) = map.next_key::<Cow<'de, str>>()? {
            match &*key {
                "schema_version" if version.is_none() => version = Some(map.next_value::<f64>()?),
                "metadata" if meta.is_none() => meta = Some(map.next_value()?),
                "metric_info" if info.is_none() => info = Some(map.next_value()?),
                "metrics" if count.is_none() => {
                    count = Some(map.next_value_seed(MetricsSeed {
                        sink: &mut *self.sink,
                    })?)
                }
                "schema_version" | "metadata" | "metric_info" | "metrics" => return Err(give_up()),
                _ => {
                    map.next_value::<IgnoredAny>()?;
                }
            }
        }
        Ok(Doc {
            version,
            meta: meta.flatten(),
            info: info.flatten(),
            count: count.ok_or_else(give_up)?,
        })
    }
}

/// `metrics`: only `{"custom": {...}}` is taken here.
struct MetricsSeed<'s, S> {
    sink: &'s mut S,
}

impl<'de, S: CustomSink> DeserializeSeed<'de> for MetricsSeed<'_, S> {
    type Value = usize;
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<usize, D::Error> {
        d.deserialize_map(self)
    }
}

impl<'de, S: CustomSink> Visitor<'de> for MetricsSeed<'_, S> {
    type Value = usize;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a metrics object")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<usize, A::Error> {
        let mut count = None;
        while let Some(key) = map.next_key::<Cow<'de, str>>()? {
            if &*key != "custom" || count.is_some() {
                return Err(give_up());
            }
            count = Some(map.next_value_seed(CustomSeed {
                sink: &mut *self.sink,
            })?);
        }
        count.ok_or_else(give_up)
    }
}

/// `metrics.custom`, streamed into the sink.
struct CustomSeed<'s, S> {
    sink: &'s mut S,
}

impl<'de, S: CustomSink> DeserializeSeed<'de> for CustomSeed<'_, S> {
    type Value = usize;
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<usize, D::Error> {
        d.deserialize_map(self)
    }
}

impl<'de, S: CustomSink> Visitor<'de> for CustomSeed<'_, S> {
    type Value = usize;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("an object of name: number")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<usize, A::Error> {
        let mut pos = 0;
        while let Some(name) = map.next_key::<Cow<'de, str>>()? {
            // A `Number`, then its f64, exactly as the snapshot's `flat()` reads it.
            let n: Number = map.next_value()?;
            let v = n.as_f64().filter(|v| v.is_finite()).ok_or_else(give_up)?;
            if !self.sink.value(pos, &name, v) {
                return Err(give_up());
            }
            pos += 1;
        }
        Ok(pos)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::schema::Snapshot;
    use std::path::Path;

    #[derive(Default)]
    struct Collect(Vec<(usize, String, f64)>);

    impl CustomSink for Collect {
        fn value(&mut self, pos: usize, name: &str, value: f64) -> bool {
            if self.0.iter().any(|(_, n, _)| n == name) {
                return false;
            }
            self.0.push((pos, name.to_string(), value));
            true
        }

        fn reset(&mut self) {
            self.0.clear();
        }
    }

    /// What the fast path takes, it reads as the snapshot holds it.
    #[test]
    fn fast_path_reads_what_the_snapshot_holds() {
        for d in [
            r#"{"schema_version": 1, "metadata": {"run_id": "r", "commit": "abc", "branch": "main", "timestamp": "2026-01-01T00:00:00Z", "environment": "local", "tags": {"release": "v1"}}, "metrics": {"custom": {"b": 2, "a": 1.5, "x\"y": 1e-7}}}"#,
            r#"{"metrics": {"custom": {"z": 3}}, "extra": [1, {"a": 2}], "schema_version": 1.0, "metadata": {"run_id": "r", "timestamp": "2026-01-01T00:00:00+00:00"}, "metric_info": {"custom.z": {"unit": "ns", "samples": [1, 2.5]}}}"#,
            r#"{"schema_version": 1, "metadata": null, "metrics": {"custom": {"big": 18446744073709551615, "neg": -3}}, "metric_info": null}"#,
        ] {
            let mut c = Collect::default();
            let p = parse(d, &mut c).expect("fast path");
            let snap = Snapshot::from_json_str(d, Path::new("h")).unwrap();
            let want: Vec<(usize, String, f64)> = snap
                .flat()
                .enumerate()
                .map(|(i, (k, v))| (i, k.strip_prefix("custom.").unwrap().to_string(), v))
                .collect();
            assert_eq!(c.0, want, "{d}");
            assert_eq!(p.count, want.len());
            let infos: MetricMap<MetricInfo> = snap
                .metrics
                .infos()
                .map(|(k, i)| (k.clone(), i.clone()))
                .collect();
            assert_eq!(p.metric_info, infos, "{d}");
            if snap.metadata.run_id == "r" {
                assert_eq!(p.metadata, snap.metadata, "{d}");
            }
        }
    }

    /// The hand scanner (scan.rs) and serde read the same documents to the same values,
    /// and what the scanner refuses serde still reads: which path read a run never shows.
    #[test]
    fn scanner_and_serde_agree() {
        let plain = r#"{"schema_version": 1, "metadata": {"run_id": "r", "commit": "abc", "branch": "main", "timestamp": "2026-01-01T00:00:00+00:00", "environment": "ci", "tags": {}}, "metrics": {"custom": {"bench_00000": 101.8241, "bench_00001": -3, "b2": 1e-7}}}"#;
        let docs = [
            plain.to_string(),
            plain.replace(": ", ":").replace(", ", ","),
            format!(
                " \n{}\t\r\n",
                plain.replace("{", "{ \n").replace(",", " ,\t")
            ),
            plain.replace(r#""b2": 1e-7"#, r#""b\u0032": 1e-7"#),
            plain.replace("1e-7", "1.00000000000000000000001e-7"),
            plain.replace("1e-7", "1e-300"),
            plain.replace(r#""environment": "ci""#, r#""environment": "c\"i""#),
            plain.replace(r#""tags": {}"#, r#""tags": {"a": [1, {"b": "}]\""}]}"#),
            plain.replace(
                "}}}",
                r#"}}, "metric_info": {"custom.b2": {"unit": "ms", "samples": [1, 2]}}}"#,
            ),
            plain.replace("}}}", r#"}}, "extra": 1}"#),
            plain.replace(r#""schema_version": 1"#, r#""schema_version": 1.0"#),
            plain.replace(r#""metadata": {"#, r#""metadata": null, "x": {"#),
            r#"{"metrics": {"custom": {"a": 1}}, "schema_version": 1, "metadata": null}"#
                .to_string(),
        ];
        for d in &docs {
            let mut a = Collect::default();
            let mut b = Collect::default();
            let pa = parse(d, &mut a);
            let pb = parse_serde(d, &mut b);
            assert_eq!(pa.is_some(), pb.is_some(), "{d}");
            if let (Some(pa), Some(pb)) = (pa, pb) {
                assert_eq!(a.0.len(), b.0.len(), "{d}");
                for (x, y) in a.0.iter().zip(&b.0) {
                    assert_eq!(
                        (x.0, &x.1, x.2.to_bits()),
                        (y.0, &y.1, y.2.to_bits()),
                        "{d}"
                    );
                }
                assert_eq!(pa.count, pb.count, "{d}");
                assert_eq!(pa.metric_info, pb.metric_info, "{d}");
                if pa.metadata.run_id == "r" {
                    assert_eq!(pa.metadata, pb.metadata, "{d}");
                }
            }
        }
        // The scanner itself takes the plain forms (else this test would compare serde
        // with serde).
        for d in &docs[..3] {
            assert!(scan::document(d, &mut Collect::default()).is_some(), "{d}");
        }
        assert!(scan::document(&docs[3], &mut Collect::default()).is_none());
    }

    /// Anything else is left to the ordinary path.
    #[test]
    fn anything_else_is_left_to_the_ordinary_path() {
        for d in [
            r#"{"schema_version": 2, "metrics": {"custom": {"a": 1}}}"#,
            r#"{"metrics": {"custom": {"a": 1}}}"#,
            r#"{"schema_version": 1, "metrics": {}}"#,
            r#"{"schema_version": 1, "metrics": {"custom": {}}}"#,
            r#"{"schema_version": 1, "metrics": null}"#,
            r#"{"schema_version": 1}"#,
            r#"{"schema_version": 1, "metrics": {"custom": {"a": null}}}"#,
            r#"{"schema_version": 1, "metrics": {"custom": {"a": 1}, "throughput": 2}}"#,
            r#"{"schema_version": 1, "metrics": {"latency": {"mean": 1}, "custom": {"a": 1}}}"#,
            r#"{"schema_version": 1, "metrics": {"custom": {"a": 1}, "custom": {"b": 1}}}"#,
            r#"{"schema_version": 1, "metrics": {"custom": {"a": 1, "a": 2}}}"#,
            r#"{"schema_version": 1, "schema_version": 1, "metrics": {"custom": {"a": 1}}}"#,
            r#"{"schema_version": 1, "metadata": {"timestamp": "yesterday"}, "metrics": {"custom": {"a": 1}}}"#,
            r#"{"schema_version": 1, "metadata": {"commit": 12}, "metrics": {"custom": {"a": 1}}}"#,
            r#"{"schema_version": 1, "metrics": {"custom": {"a": 1}}, "metric_info": {"custom.a": {"direction": "up"}}}"#,
            r#"{"schema_version": 1, "metrics": {"custom": {"a": 1}}"#,
            r#"{"schema_version": 1, "metrics": {"custom": {"a": 1}}} x"#,
            r#"[1, null, {"custom": {"a": 1}}]"#,
        ] {
            assert!(parse(d, &mut Collect::default()).is_none(), "{d}");
        }
    }
}
