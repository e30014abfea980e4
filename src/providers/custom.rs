//! `custom-smaller-is-better` and `custom-bigger-is-better`: github-action-benchmark's
//! custom JSON, a list of `{"name", "unit", "value", "range"?, "extra"?}`.
//! Format: <https://github.com/benchmark-action/github-action-benchmark#examples>
//! (`customSmallerIsBetter` / `customBiggerIsBetter` tools).
//!
//! Decisions: key `custom.<name>`; the direction is the provider's (the file does not say);
//! a time unit (`ns`, `us`, `ms`, `s`) is converted to ms like every other provider, any
//! other unit is kept as written. `range` and `extra` are free text and are not kept. A
//! repeated name gets `#2`. For `auto`, which cannot tell the two apart by shape, a file is
//! `custom-bigger-is-better` when an entry's unit is a rate (`.../s`, `ops...`), else
//! `custom-smaller-is-better`; name the provider explicitly to be sure.

use super::util::{put_measure, starts_with_char, Suffixes};
use super::{Input, Lines, Provider, Source};
use crate::error::{Error, Result};
use crate::schema::{Direction, Snapshot};
use crate::units::Unit;
use serde_json::Value;

/// One of the two custom formats.
pub struct Custom {
    name: &'static str,
    direction: Direction,
}

/// `custom-bigger-is-better`.
pub const BIGGER: Custom = Custom {
    name: "custom-bigger-is-better",
    direction: Direction::HigherIsBetter,
};

/// `custom-smaller-is-better`.
pub const SMALLER: Custom = Custom {
    name: "custom-smaller-is-better",
    direction: Direction::LowerIsBetter,
};

/// One entry as `auto` sniffs it: typed and borrowed, so detecting a 500 MB file builds
/// no `serde_json::Value` tree (issue 19 item 9: detection parsed the file into a tree and
/// cloned it).
#[derive(serde::Deserialize)]
struct Probe<'a> {
    #[serde(borrow)]
    #[allow(dead_code)]
    name: std::borrow::Cow<'a, str>,
    #[allow(dead_code)]
    value: serde::de::IgnoredAny,
    #[serde(default)]
    unit: Option<Value>,
}

/// One entry as parsed: every field optional so a bad entry gets a message naming it,
/// strings borrowed from the text (issue 19 item 9: the entries used to be a `Value` list).
#[derive(serde::Deserialize)]
struct Entry<'a> {
    #[serde(borrow, default)]
    name: Option<Scalar<'a>>,
    #[serde(borrow, default)]
    value: Option<Scalar<'a>>,
    #[serde(borrow, default)]
    unit: Option<Scalar<'a>>,
}

/// A field's value as far as the format cares: a string, a number, or something else.
enum Scalar<'a> {
    Str(std::borrow::Cow<'a, str>),
    Num(f64),
    Other,
}

impl Scalar<'_> {
    fn as_str(&self) -> Option<&str> {
        match self {
            Scalar::Str(s) => Some(s),
            _ => None,
        }
    }
    fn as_f64(&self) -> Option<f64> {
        match self {
            Scalar::Num(v) => Some(*v),
            _ => None,
        }
    }
}

impl<'de: 'a, 'a> serde::Deserialize<'de> for Scalar<'a> {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> std::result::Result<Self, D::Error> {
        struct V;
        impl<'de> serde::de::Visitor<'de> for V {
            type Value = Scalar<'de>;
            fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                f.write_str("any JSON value")
            }
            fn visit_borrowed_str<E>(self, v: &'de str) -> std::result::Result<Self::Value, E> {
                Ok(Scalar::Str(v.into()))
            }
            fn visit_str<E>(self, v: &str) -> std::result::Result<Self::Value, E> {
                Ok(Scalar::Str(v.to_string().into()))
            }
            fn visit_f64<E>(self, v: f64) -> std::result::Result<Self::Value, E> {
                Ok(Scalar::Num(v))
            }
            fn visit_i64<E>(self, v: i64) -> std::result::Result<Self::Value, E> {
                Ok(Scalar::Num(v as f64))
            }
            fn visit_u64<E>(self, v: u64) -> std::result::Result<Self::Value, E> {
                Ok(Scalar::Num(v as f64))
            }
            fn visit_bool<E>(self, _: bool) -> std::result::Result<Self::Value, E> {
                Ok(Scalar::Other)
            }
            fn visit_unit<E>(self) -> std::result::Result<Self::Value, E> {
                Ok(Scalar::Other)
            }
            fn visit_seq<A: serde::de::SeqAccess<'de>>(
                self,
                mut a: A,
            ) -> std::result::Result<Self::Value, A::Error> {
                while a.next_element::<serde::de::IgnoredAny>()?.is_some() {}
                Ok(Scalar::Other)
            }
            fn visit_map<A: serde::de::MapAccess<'de>>(
                self,
                mut a: A,
            ) -> std::result::Result<Self::Value, A::Error> {
                while a
                    .next_entry::<serde::de::IgnoredAny, serde::de::IgnoredAny>()?
                    .is_some()
                {}
                Ok(Scalar::Other)
            }
        }
        d.deserialize_any(V)
    }
}

/// Reads the list entry by entry into the snapshot, without holding the entries: the
/// first bad entry is remembered (and the rest only checked for JSON syntax, so a syntax
/// error anywhere is still the one reported, as when the list was parsed whole).
struct Reader<'s> {
    snap: &'s mut Snapshot,
    seen: Suffixes,
    direction: Direction,
    count: usize,
    bad_entry: Option<String>,
}

impl<'de> serde::de::Visitor<'de> for &mut Reader<'_> {
    type Value = ();
    fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
        f.write_str("a sequence")
    }
    fn visit_seq<A: serde::de::SeqAccess<'de>>(
        self,
        mut seq: A,
    ) -> std::result::Result<(), A::Error> {
        while let Some(e) = seq.next_element::<Entry>()? {
            let i = self.count;
            self.count += 1;
            if self.bad_entry.is_some() {
                continue;
            }
            let Some(name) = e.name.as_ref().and_then(Scalar::as_str) else {
                self.bad_entry = Some(format!("entry [{i}] has no 'name' string"));
                continue;
            };
            let Some(value) = e.value.as_ref().and_then(Scalar::as_f64) else {
                self.bad_entry = Some(format!("entry [{i}] ('{name}') has no numeric 'value'"));
                continue;
            };
            let unit = e.unit.as_ref().and_then(Scalar::as_str).unwrap_or("");
            put_measure(
                self.snap,
                &mut self.seen,
                format!("custom.{name}"),
                value,
                unit,
                Some(self.direction),
                Vec::new(),
            );
        }
        Ok(())
    }
}

/// Whether `text` is a non-empty custom-format list, and whether an entry's unit is a rate.
fn sniff(text: &str) -> Option<bool> {
    if !starts_with_char(text, '[') || !text.contains("\"value\"") || !text.contains("\"name\"") {
        return None;
    }
    let list: Vec<Probe> = serde_json::from_str(text).ok()?;
    (!list.is_empty()).then(|| {
        list.iter().any(|e| {
            e.unit
                .as_ref()
                .and_then(Value::as_str)
                .is_some_and(|u| Unit::new(u).direction() == Direction::HigherIsBetter)
        })
    })
}

impl Provider for Custom {
    fn name(&self) -> &'static str {
        self.name
    }

    fn detect(&self, input: &Input) -> bool {
        input
            .text
            .as_deref()
            .and_then(sniff)
            .is_some_and(|rate| rate == (self.direction == Direction::HigherIsBetter))
    }

    fn parse(&self, input: &Input) -> Result<Snapshot> {
        self.parse_list(&mut Lines::of(input, self.name)?)
    }

    fn parse_streamed(&self, lines: &mut Lines<'_>) -> Option<Result<Snapshot>> {
        Some(self.parse_list(lines))
    }
}

impl Custom {
    /// Reads the list entry by entry, from the text or straight from the file (issue 19
    /// item 9: the file is never held whole when the provider is named).
    fn parse_list(&self, lines: &mut Lines<'_>) -> Result<Snapshot> {
        let path = lines.path();
        let bad = |reason: String| Error::parse(self.name, path, reason);
        let mut snap = Snapshot::new();
        // About one entry per line in the files tools write.
        super::util::reserve(&mut snap, lines.count_hint());
        let mut reader = Reader {
            snap: &mut snap,
            seen: Suffixes::default(),
            direction: self.direction,
            count: 0,
            bad_entry: None,
        };
        let read = match lines.source() {
            Source::Text(text) => {
                let mut de = serde_json::Deserializer::from_str(text);
                serde::Deserializer::deserialize_seq(&mut de, &mut reader).and_then(|()| de.end())
            }
            Source::Reader(file) => {
                let mut de = serde_json::Deserializer::from_reader(file);
                serde::Deserializer::deserialize_seq(&mut de, &mut reader).and_then(|()| de.end())
            }
        };
        read.map_err(|e| {
            bad(format!(
                "expected a JSON list of {{\"name\", \"unit\", \"value\"}} objects: {e}"
            ))
        })?;
        if let Some(reason) = reader.bad_entry {
            return Err(bad(reason));
        }
        if reader.count == 0 {
            return Err(bad(
                "expected a non-empty JSON list of {\"name\", \"unit\", \"value\"} objects".into(),
            ));
        }
        Ok(snap)
    }
}
