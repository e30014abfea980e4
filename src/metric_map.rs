//! [`Metrics`]: a snapshot's flat keys with their values and `metric_info`, in one map
//! (issue 19 item 9, memory).
//!
//! Schema v1 keeps values (`metrics`) and their unit, direction and samples (`metric_info`)
//! apart, and a snapshot used to mirror that with two `String`-keyed maps: every key stored
//! twice, two entries and two index tables, about 250 bytes per metric, 3.5–4.5× a
//! one-metric-per-line tool output. Here each key is stored once with its value and its
//! info (about 170 bytes per metric).
//!
//! `metric_info` is still its own ordered map in schema v1: a document may list infos in
//! another order than its metrics, or for keys it has no value for, and a snapshot writes
//! them back exactly as read. So the infos live beside their values only while their order
//! is the values' order restricted to the keys that have one (always the case for a run a
//! provider read); anything else (such a document, or sorting the keys into flameiq-core's
//! canonical order) moves them to a separate map, as before this type existed. Which of
//! the two holds them is invisible from outside: every method behaves as the two maps did.

use crate::schema::{FastHash, MetricInfo, MetricMap};
use indexmap::Equivalent;
use serde_json::Number;
use std::cmp::Ordering;
use std::fmt;
use std::hash::Hash;

/// One key's value and, while infos are kept inline, its info (what [`Metrics::keys`]
/// iterates beside the keys; its fields are private).
#[derive(Debug, Clone)]
pub struct Slot {
    value: Number,
    info: Info,
}

/// A key's inline info. Nearly every info a provider writes has no samples and one of a
/// few (unit, direction) pairs (`ms` lower is better, `ops/s` higher is better, ...): those
/// are shared, one copy per process, so a slot is 32 bytes rather than 72.
#[derive(Debug, Clone)]
enum Info {
    None,
    Shared(&'static MetricInfo),
    Own(Box<MetricInfo>),
}

impl Info {
    fn new(info: MetricInfo) -> Info {
        // min and max are the run's own, like its samples.
        if info.samples.is_empty() && info.min.is_none() && info.max.is_none() {
            Info::Shared(shared(info))
        } else {
            Info::Own(Box::new(info))
        }
    }

    fn get(&self) -> Option<&MetricInfo> {
        match self {
            Info::None => None,
            Info::Shared(i) => Some(i),
            Info::Own(i) => Some(i),
        }
    }

    fn is_some(&self) -> bool {
        !matches!(self, Info::None)
    }

    fn get_mut(&mut self) -> Option<&mut MetricInfo> {
        if let Info::Shared(i) = self {
            *self = Info::Own(Box::new((*i).clone()));
        }
        match self {
            Info::Own(i) => Some(i),
            _ => None,
        }
    }

    fn into_inner(self) -> Option<MetricInfo> {
        match self {
            Info::None => None,
            Info::Shared(i) => Some(i.clone()),
            Info::Own(i) => Some(*i),
        }
    }

    fn take(&mut self) -> Option<MetricInfo> {
        std::mem::replace(self, Info::None).into_inner()
    }
}

/// The one shared copy of a sample-less info. Leaked on purpose: there is one per distinct
/// (unit, direction) a process reads, a handful in practice.
fn shared(info: MetricInfo) -> &'static MetricInfo {
    type Key = (Option<crate::units::Unit>, Option<crate::schema::Direction>);
    static SHARED: std::sync::Mutex<Option<std::collections::HashMap<Key, &'static MetricInfo>>> =
        std::sync::Mutex::new(None);
    thread_local! {
        // Consecutive metrics nearly always share their info: no lock for those.
        static LAST: std::cell::Cell<Option<&'static MetricInfo>> = const { std::cell::Cell::new(None) };
    }
    if let Some(last) = LAST.get().filter(|l| **l == info) {
        return last;
    }
    let mut map = SHARED.lock().unwrap_or_else(|e| e.into_inner());
    let one: &'static MetricInfo = map
        .get_or_insert_with(Default::default)
        .entry((info.unit.clone(), info.direction))
        .or_insert_with(|| Box::leak(Box::new(info)));
    LAST.set(Some(one));
    one
}

/// A snapshot's metrics: flat key → value in stored order, and each key's
/// [`MetricInfo`] (see the module docs).
#[derive(Clone, Default)]
pub struct Metrics {
    slots: indexmap::IndexMap<String, Slot, FastHash>,
    /// One past the last position whose slot has an info: a new inline info may only go
    /// at or after it, so that inline infos keep their insertion order.
    info_end: usize,
    /// The infos, when their order or keys are not the values' (see the module docs); then
    /// every slot's `info` is `None`.
    detached: Option<Box<MetricMap<MetricInfo>>>,
}

impl Metrics {
    /// Builds the map from values and infos read apart (a schema v1 document).
    pub fn from_parts(values: MetricMap<Number>, infos: MetricMap<MetricInfo>) -> Metrics {
        let mut slots: indexmap::IndexMap<String, Slot, FastHash> =
            indexmap::IndexMap::with_capacity_and_hasher(values.len(), FastHash::default());
        slots.extend(values.into_iter().map(|(k, value)| {
            (
                k,
                Slot {
                    value,
                    info: Info::None,
                },
            )
        }));
        let mut m = Metrics {
            slots,
            info_end: 0,
            detached: None,
        };
        // Inline when every info key has a value and they come in the values' order.
        let mut last = None;
        let inline = infos
            .keys()
            .all(|k| match m.slots.get_index_of(k.as_str()) {
                Some(i) if last.is_none_or(|l| i > l) => {
                    last = Some(i);
                    true
                }
                _ => false,
            });
        if inline {
            for (k, info) in infos {
                if let Some((i, _, slot)) = m.slots.get_full_mut(k.as_str()) {
                    slot.info = Info::new(info);
                    m.info_end = i + 1;
                }
            }
        } else {
            m.detached = Some(Box::new(infos));
        }
        m
    }

    /// Number of keys with a value.
    pub fn len(&self) -> usize {
        self.slots.len()
    }

    /// No key has a value.
    pub fn is_empty(&self) -> bool {
        self.slots.is_empty()
    }

    /// The keys, in stored order.
    pub fn keys(&self) -> indexmap::map::Keys<'_, String, Slot> {
        self.slots.keys()
    }

    /// `(key, value)` pairs, in stored order.
    pub fn iter(&self) -> impl Iterator<Item = (&String, &Number)> + '_ {
        self.slots.iter().map(|(k, s)| (k, &s.value))
    }

    /// The value of a key.
    pub fn get<Q: ?Sized + Hash + Equivalent<String>>(&self, key: &Q) -> Option<&Number> {
        self.slots.get(key).map(|s| &s.value)
    }

    /// Does the key have a value?
    pub fn contains_key<Q: ?Sized + Hash + Equivalent<String>>(&self, key: &Q) -> bool {
        self.slots.contains_key(key)
    }

    /// Sets a key's value: a known key keeps its place, a new one goes last. Returns the
    /// value it replaces.
    pub fn insert(&mut self, key: String, value: Number) -> Option<Number> {
        match self.slots.entry(key) {
            indexmap::map::Entry::Occupied(mut o) => {
                Some(std::mem::replace(&mut o.get_mut().value, value))
            }
            indexmap::map::Entry::Vacant(v) => {
                v.insert(Slot {
                    value,
                    info: Info::None,
                });
                None
            }
        }
    }

    /// Adds a value and its info under a key not yet used, with one hash lookup; gives
    /// them back when the key is taken (boxed: the rare case should not make every
    /// call's result as large as an info).
    pub fn insert_new(
        &mut self,
        key: String,
        value: Number,
        info: MetricInfo,
    ) -> Result<(), Box<(String, Number, MetricInfo)>> {
        if self.detached.is_some() {
            if self.slots.contains_key(key.as_str()) {
                return Err(Box::new((key, value, info)));
            }
            self.slots.insert(
                key.clone(),
                Slot {
                    value,
                    info: Info::None,
                },
            );
            self.set_info(key, info);
            return Ok(());
        }
        match self.slots.entry(key) {
            indexmap::map::Entry::Occupied(o) => Err(Box::new((o.key().clone(), value, info))),
            indexmap::map::Entry::Vacant(v) => {
                // A new key goes last, after every inline info: it stays inline.
                self.info_end = v.index() + 1;
                v.insert(Slot {
                    value,
                    info: Info::new(info),
                });
                Ok(())
            }
        }
    }

    /// Makes room for `n` more keys.
    pub fn reserve(&mut self, n: usize) {
        self.slots.reserve(n);
    }

    /// Sorts the values by key (stable). The infos keep their own order, as `metric_info`
    /// did when it was a map of its own.
    pub fn sort_by(&mut self, mut cmp: impl FnMut(&str, &str) -> Ordering) {
        self.detach();
        self.slots.sort_by(|a, _, b, _| cmp(a, b));
    }

    /// The values as `(key, value)` pairs and the infos, taken apart (merging runs).
    pub fn into_parts(self) -> (Vec<(String, Number)>, MetricMap<MetricInfo>) {
        let mut infos = self.detached.map(|d| *d).unwrap_or_default();
        let values = self
            .slots
            .into_iter()
            .map(|(k, s)| {
                if let Some(info) = s.info.into_inner() {
                    infos.insert(k.clone(), info);
                }
                (k, s.value)
            })
            .collect();
        (values, infos)
    }

    /// The info of a key (`metric_info[key]` in schema v1).
    pub fn info<Q: ?Sized + Hash + Equivalent<String>>(&self, key: &Q) -> Option<&MetricInfo> {
        match &self.detached {
            Some(d) => d.get(key),
            None => self.slots.get(key).and_then(|s| s.info.get()),
        }
    }

    /// Sets a key's info: a key that has one keeps its place, a new one goes last (in
    /// `metric_info`'s order). Returns the info it replaces.
    pub fn set_info(&mut self, key: String, info: MetricInfo) -> Option<MetricInfo> {
        if self.detached.is_none() {
            if let Some((i, _, slot)) = self.slots.get_full_mut(key.as_str()) {
                if slot.info.is_some() {
                    return std::mem::replace(&mut slot.info, Info::new(info)).into_inner();
                }
                if i >= self.info_end {
                    slot.info = Info::new(info);
                    self.info_end = i + 1;
                    return None;
                }
            }
        }
        self.detach();
        self.detached_mut().insert(key, info)
    }

    /// A key's info, created empty (and put last) when it has none.
    pub fn info_or_default(&mut self, key: &str) -> &mut MetricInfo {
        if self.info(key).is_none() {
            self.set_info(key.to_string(), MetricInfo::default());
        }
        match self.detached {
            Some(ref mut d) => d.get_mut(key),
            None => self.slots.get_mut(key).and_then(|s| s.info.get_mut()),
        }
        .expect("the info was just set")
    }

    /// Sets a key's value and info at once (as [`Metrics::insert`] then
    /// [`Metrics::set_info`]).
    pub fn insert_with_info(&mut self, key: String, value: Number, info: MetricInfo) {
        if let Err(taken) = self.insert_new(key, value, info) {
            let (key, value, info) = *taken;
            self.insert(key.clone(), value);
            self.set_info(key, info);
        }
    }

    /// `(key, info)` pairs in `metric_info`'s order.
    pub fn infos(&self) -> Box<dyn Iterator<Item = (&String, &MetricInfo)> + '_> {
        match &self.detached {
            Some(d) => Box::new(d.iter()),
            None => Box::new(
                self.slots
                    .iter()
                    .filter_map(|(k, s)| s.info.get().map(|i| (k, i))),
            ),
        }
    }

    /// Number of keys with an info.
    pub fn infos_len(&self) -> usize {
        match &self.detached {
            Some(d) => d.len(),
            None => self.slots.values().filter(|s| s.info.is_some()).count(),
        }
    }

    /// No key has an info.
    pub fn infos_is_empty(&self) -> bool {
        match &self.detached {
            Some(d) => d.is_empty(),
            None => self.info_end == 0,
        }
    }

    /// Every `(key, info)` in `metric_info`'s order, the keys moved out rather than
    /// copied (a reader that keeps only the infos, such as the dashboard's history walk).
    pub fn into_infos(self) -> Box<dyn Iterator<Item = (String, MetricInfo)>> {
        match self.detached {
            Some(d) => Box::new(d.into_iter()),
            None => Box::new(
                self.slots
                    .into_iter()
                    .filter_map(|(k, s)| s.info.into_inner().map(|i| (k, i))),
            ),
        }
    }

    /// Moves inline infos to their own map, in their order.
    fn detach(&mut self) {
        if self.detached.is_some() {
            return;
        }
        let mut d = MetricMap::default();
        if self.info_end > 0 {
            for (k, s) in self.slots.iter_mut() {
                if let Some(i) = s.info.take() {
                    d.insert(k.clone(), i);
                }
            }
        }
        self.info_end = 0;
        self.detached = Some(Box::new(d));
    }

    fn detached_mut(&mut self) -> &mut MetricMap<MetricInfo> {
        self.detached.get_or_insert_with(Default::default)
    }
}

impl std::ops::Index<&str> for Metrics {
    type Output = Number;

    fn index(&self, key: &str) -> &Number {
        &self.slots[key].value
    }
}

/// Equal when the same keys have the same values and the same infos, whatever their
/// order (as the two `IndexMap`s compared).
impl PartialEq for Metrics {
    fn eq(&self, other: &Metrics) -> bool {
        self.len() == other.len()
            && self.iter().all(|(k, v)| other.get(k) == Some(v))
            && self.infos_len() == other.infos_len()
            && self.infos().all(|(k, i)| other.info(k) == Some(i))
    }
}

/// As the two maps printed: `{values} info {infos}`.
impl fmt::Debug for Metrics {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_map().entries(self.iter()).finish()?;
        f.write_str(" info ")?;
        f.debug_map().entries(self.infos()).finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn n(v: u64) -> Number {
        Number::from(v)
    }

    fn info(d: f64) -> MetricInfo {
        MetricInfo {
            samples: vec![d],
            ..Default::default()
        }
    }

    fn info_keys(m: &Metrics) -> Vec<&str> {
        m.infos().map(|(k, _)| k.as_str()).collect()
    }

    /// Each key once, with its value and a shared or boxed info: 32 bytes a slot, where the
    /// two maps took a 16-byte value and a 56-byte info entry, each beside its own key.
    #[test]
    fn issue19_item9_a_slot_is_32_bytes() {
        assert_eq!(std::mem::size_of::<Slot>(), 32);
    }

    #[test]
    fn issue19_item9_infos_without_samples_are_shared() {
        let mut m = Metrics::default();
        let ms = MetricInfo {
            unit: Some(crate::units::Unit::MS),
            ..Default::default()
        };
        m.insert_with_info("a".into(), n(1), ms.clone());
        m.insert_with_info("b".into(), n(2), ms.clone());
        assert!(std::ptr::eq(m.info("a").unwrap(), m.info("b").unwrap()));
        // Changing one leaves the other alone.
        m.info_or_default("a").samples.push(1.0);
        assert_eq!(m.info("b"), Some(&ms));
        assert_eq!(m.info("a").unwrap().samples, [1.0]);
    }

    #[test]
    fn infos_in_value_order_stay_inline_and_read_back() {
        let mut m = Metrics::default();
        m.insert_with_info("a".into(), n(1), info(1.0));
        m.insert_with_info("b".into(), n(2), info(2.0));
        assert!(m.detached.is_none());
        assert_eq!(info_keys(&m), ["a", "b"]);
        assert_eq!(m.info("b"), Some(&info(2.0)));
        assert_eq!(m.infos_len(), 2);
        assert_eq!(m["a"], n(1));
        let taken: Vec<(String, MetricInfo)> = m.into_infos().collect();
        assert_eq!(taken, [("a".into(), info(1.0)), ("b".into(), info(2.0))]);
    }

    #[test]
    fn infos_out_of_value_order_keep_their_own_order() {
        let mut values = MetricMap::default();
        values.insert("a".to_string(), n(1));
        values.insert("b".to_string(), n(2));
        let mut infos = MetricMap::default();
        infos.insert("b".to_string(), info(2.0));
        infos.insert("a".to_string(), info(1.0));
        infos.insert("zz".to_string(), info(3.0));
        let m = Metrics::from_parts(values, infos);
        assert_eq!(info_keys(&m), ["b", "a", "zz"]);
        assert_eq!(m.info("zz"), Some(&info(3.0)));
        assert_eq!(m.len(), 2);
        let taken: Vec<String> = m.into_infos().map(|(k, _)| k).collect();
        assert_eq!(taken, ["b", "a", "zz"]);
    }

    #[test]
    fn a_late_info_for_an_early_key_goes_last_as_in_a_map() {
        let mut m = Metrics::default();
        m.insert("a".into(), n(1));
        m.insert_with_info("b".into(), n(2), info(2.0));
        m.set_info("a".into(), info(1.0));
        assert_eq!(info_keys(&m), ["b", "a"]);
        // Sorting the values leaves the infos' order alone.
        let mut s = Metrics::default();
        s.insert_with_info("b".into(), n(2), info(2.0));
        s.insert_with_info("a".into(), n(1), info(1.0));
        s.sort_by(|x, y| x.cmp(y));
        assert_eq!(s.keys().collect::<Vec<_>>(), ["a", "b"]);
        assert_eq!(info_keys(&s), ["b", "a"]);
    }

    #[test]
    fn equality_ignores_order_and_representation() {
        let mut a = Metrics::default();
        a.insert_with_info("x".into(), n(1), info(1.0));
        a.insert_with_info("y".into(), n(2), info(2.0));
        let mut b = a.clone();
        b.sort_by(|x, y| y.cmp(x));
        assert!(b.detached.is_some());
        assert_eq!(a, b);
        b.set_info("x".into(), info(9.0));
        assert_ne!(a, b);
    }
}
