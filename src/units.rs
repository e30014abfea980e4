//! Units of measurement: the one place that knows what `ns`, `ops/s` or `B/op` mean.
//!
//! A [`Unit`] is the unit string of a metric exactly as schema v1's `metric_info` stores it
//! (`ms`, `ops/s`, `B`, `allocs`, `MB/s`, ...), so files round-trip byte for byte, with the
//! meaning read off it in one place:
//!
//! - **parse**: [`Unit::new`]; the units providers write for nearly every metric (`ms`,
//!   `ns`, `B`, `ops/s`, ...) are interned (a `&'static str`), so a snapshot of a million
//!   metrics holds no million copies of `"ms"` (issue 19 item 9, memory);
//! - **scale to the canonical unit**: [`TimeUnit`] and [`Unit::to_ms`] (schema v1 stores
//!   times in milliseconds; providers convert);
//! - **direction hint**: [`Unit::direction`] (rates are higher is better, everything else
//!   lower is better);
//! - **display**: [`Unit::human`] puts a stored value in human scale (`2.59 µs`, `1.2 GB`,
//!   `12.35k ops/s`), and [`Unit::for_key`] supplies the unit flameiq-core's well-known
//!   keys imply when none is recorded.
//!
//! Decision: `min` converts to milliseconds (JMH and custom JSON may say it) but is not
//! one of the time units a stored value is labelled with ([`Unit::is_time`]: `ns`, `us`,
//! `µs`, `ms`, `s`), as before the type existed: a `metric_info` unit `min` displays as
//! written.

use crate::schema::Direction;
use serde::{Deserialize, Serialize};
use std::borrow::Cow;

/// The unit of a stored value, as written in `metric_info` (see the module docs).
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Unit(Cow<'static, str>);

/// A time unit tools print, in the order of size.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TimeUnit {
    /// Nanoseconds (`ns`).
    Ns,
    /// Microseconds (`us`, `µs`, `μs`).
    Us,
    /// Milliseconds (`ms`), schema v1's unit for times.
    Ms,
    /// Seconds (`s`, `sec`).
    S,
    /// Minutes (`min`).
    Min,
}

impl TimeUnit {
    /// The time unit a (trimmed) unit string names, if any.
    pub fn parse(unit: &str) -> Option<TimeUnit> {
        match unit.trim() {
            "ns" => Some(TimeUnit::Ns),
            "us" | "µs" | "μs" => Some(TimeUnit::Us),
            "ms" => Some(TimeUnit::Ms),
            "s" | "sec" => Some(TimeUnit::S),
            "min" => Some(TimeUnit::Min),
            _ => None,
        }
    }

    /// `value` in this unit as milliseconds. Divides by exact powers of ten (rather than
    /// multiplying by `1e-6`) so `460 ns` is stored as `0.00046`, not
    /// `0.00045999999999999996`.
    pub fn to_ms(self, value: f64) -> f64 {
        match self {
            TimeUnit::Ns => value / 1e6,
            TimeUnit::Us => value / 1e3,
            TimeUnit::Ms => value,
            TimeUnit::S => value * 1e3,
            TimeUnit::Min => value * 6e4,
        }
    }
}

impl Unit {
    /// Milliseconds, the unit of every stored time.
    pub const MS: Unit = Unit(Cow::Borrowed("ms"));

    /// The unit written `s`, kept exactly as written (whitespace included). Common units
    /// are interned; any other string is owned.
    pub fn new(s: &str) -> Unit {
        match intern(s) {
            Some(st) => Unit(Cow::Borrowed(st)),
            None => Unit(Cow::Owned(s.to_string())),
        }
    }

    /// A unit from a string known at compile time (no allocation).
    pub const fn from_static(s: &'static str) -> Unit {
        Unit(Cow::Borrowed(s))
    }

    /// The unit as written.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The time unit, when this is one (`min` included; see [`Unit::is_time`]).
    pub fn time(&self) -> Option<TimeUnit> {
        TimeUnit::parse(&self.0)
    }

    /// Is this one of the time units a stored value in milliseconds is labelled with
    /// (`ns`, `us`/`µs`, `ms`, `s`/`sec`)?
    pub fn is_time(&self) -> bool {
        is_time(&self.0)
    }

    /// `value` in this unit as milliseconds; `None` for a unit that is not a time.
    pub fn to_ms(&self, value: f64) -> Option<f64> {
        self.time().map(|t| t.to_ms(value))
    }

    /// Which way a metric in this unit gets worse: rates (`.../s`, `.../sec`, `ops...`,
    /// `..._per_second`) are higher is better; everything else (times, bytes, counts,
    /// cycles, percentages) lower is better.
    pub fn direction(&self) -> Direction {
        direction_of(&self.0)
    }

    /// The unit that applies to `key`: the recorded one, else the one flameiq-core's
    /// well-known keys imply (`latency.*` ms, `throughput` ops/s, `memory_mb` MB,
    /// `cpu_percent` %, and the suffixes `_ms`, `_mb`, `_bytes`, `_percent`/`_pct`).
    pub fn for_key(key: &str, recorded: Option<&str>) -> Option<Unit> {
        let implied = match recorded {
            Some(u) if !u.trim().is_empty() => return Some(Unit::new(u)),
            _ if key.starts_with("latency.") => "ms",
            _ if key == "throughput" => "ops/s",
            _ if key == "memory_mb" => "MB",
            _ if key == "cpu_percent" => "%",
            // flameiq-core's docs name custom metrics by unit suffix (`custom.parse_ms`).
            _ if key.ends_with("_ms") => "ms",
            _ if key.ends_with("_mb") => "MB",
            _ if key.ends_with("_bytes") => "B",
            _ if key.ends_with("_percent") || key.ends_with("_pct") => "%",
            _ => return None,
        };
        Some(Unit::from_static(implied))
    }

    /// `value` (as stored) in human scale: `2.59 µs`, `1.2 s`, `1.2 GB`, `12.35k ops/s`,
    /// four significant digits with trailing zeros dropped. A time unit means the value is
    /// in milliseconds (schema v1); bytes use decimal prefixes (`1.2 GB` = 1.2 × 10⁹ B).
    pub fn human(&self, value: f64) -> String {
        if !value.is_finite() {
            return value.to_string();
        }
        let u = self.0.trim();
        const TIME: [(f64, &str); 4] = [(1e-6, "ns"), (1e-3, "µs"), (1.0, "ms"), (1e3, "s")];
        if is_time(u) {
            if value == 0.0 {
                return "0 ms".into();
            }
            let (div, name) = largest_step(value, &TIME);
            return format!("{} {name}", sig(value / div, 4));
        }
        const SI: [(f64, &str); 6] = [
            (1.0, ""),
            (1e3, "k"),
            (1e6, "M"),
            (1e9, "G"),
            (1e12, "T"),
            (1e15, "P"),
        ];
        let (head, tail) = match u.find('/') {
            Some(i) => (&u[..i], &u[i..]),
            None => (u, ""),
        };
        let bytes_mul = match head {
            "B" | "byte" | "bytes" => Some(1.0),
            "kB" | "KB" => Some(1e3),
            "MB" => Some(1e6),
            "GB" => Some(1e9),
            _ => None,
        };
        if let Some(m) = bytes_mul {
            let v = value * m;
            let (div, prefix) = largest_step(v, &SI);
            // `kB` per SI; the prefix table's bare `k` suits rates.
            return format!("{} {prefix}B{tail}", sig(v / div, 4));
        }
        if u == "%" {
            return format!("{}%", sig(value, 4));
        }
        if tail == "/s" || u.ends_with("/s") {
            // A rate: `12.35k ops/s`.
            let (div, p) = largest_step(value, &SI);
            return format!("{}{p} {u}", sig(value / div, 4));
        }
        format!("{} {u}", sig(value, 4))
    }
}

impl std::ops::Deref for Unit {
    type Target = str;
    fn deref(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Display for Unit {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl From<&str> for Unit {
    fn from(s: &str) -> Unit {
        Unit::new(s)
    }
}

impl Serialize for Unit {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&self.0)
    }
}

impl<'de> Deserialize<'de> for Unit {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Unit, D::Error> {
        let s: Cow<'de, str> = Deserialize::deserialize(d)?;
        Ok(Unit::new(&s))
    }
}

/// The interned spelling of a common unit: what providers write for nearly every metric.
fn intern(s: &str) -> Option<&'static str> {
    Some(match s {
        "ms" => "ms",
        "ns" => "ns",
        "us" => "us",
        "µs" => "µs",
        "s" => "s",
        "B" => "B",
        "MB" => "MB",
        "bytes" => "bytes",
        "allocs" => "allocs",
        "ops/s" => "ops/s",
        "MB/s" => "MB/s",
        "B/s" => "B/s",
        "items/s" => "items/s",
        "instructions" => "instructions",
        "cycles" => "cycles",
        "%" => "%",
        _ => return None,
    })
}

/// [`Unit::is_time`] of a unit string, without making a [`Unit`] of it (for parsers that
/// test every line's last word).
pub fn is_time(u: &str) -> bool {
    TimeUnit::parse(u).is_some_and(|t| t != TimeUnit::Min)
}

fn direction_of(unit: &str) -> Direction {
    let u = unit.trim();
    let ends = |suffix: &str| {
        u.len() >= suffix.len()
            && u.is_char_boundary(u.len() - suffix.len())
            && u[u.len() - suffix.len()..].eq_ignore_ascii_case(suffix)
    };
    let starts_ops = u.len() >= 3 && u.as_bytes()[..3].eq_ignore_ascii_case(b"ops");
    if ends("/s") || ends("/sec") || ends("/second") || starts_ops || ends("per_second") {
        Direction::HigherIsBetter
    } else {
        Direction::LowerIsBetter
    }
}

/// The largest step not above `v` (by magnitude), so 999.96 rounds within its own prefix.
fn largest_step(v: f64, steps: &[(f64, &'static str)]) -> (f64, &'static str) {
    let a = v.abs();
    steps
        .iter()
        .rev()
        .find(|(d, _)| a >= *d * 0.99995)
        .copied()
        .unwrap_or(steps[0])
}

/// `v` with `sig` significant digits, trailing zeros (and a bare point) removed.
pub fn sig(v: f64, sig: i32) -> String {
    if !v.is_finite() {
        return v.to_string();
    }
    if v == 0.0 {
        return "0".into();
    }
    let mag = v.abs().log10().floor() as i32;
    let decimals = (sig - 1 - mag).clamp(0, 12) as usize;
    let s = format!("{v:.decimals$}");
    let s = if s.contains('.') {
        s.trim_end_matches('0').trim_end_matches('.').to_string()
    } else {
        s
    };
    if s == "-0" {
        "0".into()
    } else {
        s
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn common_units_are_interned_and_kept_as_written() {
        assert!(matches!(Unit::new("ms").0, Cow::Borrowed(_)));
        assert!(matches!(Unit::new("ops/s").0, Cow::Borrowed(_)));
        let odd = Unit::new(" widgets ");
        assert!(matches!(odd.0, Cow::Owned(_)));
        assert_eq!(odd.as_str(), " widgets ");
        assert_eq!(serde_json::to_string(&odd).unwrap(), "\" widgets \"");
        let back: Unit = serde_json::from_str("\"B\"").unwrap();
        assert_eq!(back, Unit::from_static("B"));
    }

    #[test]
    fn times_scale_to_milliseconds_exactly() {
        assert_eq!(Unit::new("ns").to_ms(460.0), Some(0.00046));
        assert_eq!(Unit::new(" µs ").to_ms(2.0), Some(0.002));
        assert_eq!(Unit::new("sec").to_ms(1.5), Some(1500.0));
        assert_eq!(Unit::new("min").to_ms(1.0), Some(60000.0));
        assert_eq!(Unit::new("B").to_ms(1.0), None);
        assert!(Unit::new("s").is_time());
        assert!(!Unit::new("min").is_time());
    }

    #[test]
    fn rates_are_higher_is_better() {
        for u in [
            "ops/s",
            "MB/s",
            "Ops",
            "items/sec",
            "bytes_per_second",
            "x/SECOND",
        ] {
            assert_eq!(Unit::new(u).direction(), Direction::HigherIsBetter, "{u}");
        }
        for u in ["ms", "B", "allocs", "%", "cycles/iter", ""] {
            assert_eq!(Unit::new(u).direction(), Direction::LowerIsBetter, "{u}");
        }
    }

    #[test]
    fn human_scale() {
        let h = |v: f64, u: &str| Unit::new(u).human(v);
        assert_eq!(h(0.00259, "ms"), "2.59 µs");
        assert_eq!(h(0.00259, "ns"), "2.59 µs");
        assert_eq!(h(1200.0, "ms"), "1.2 s");
        assert_eq!(h(0.0, "ms"), "0 ms");
        assert_eq!(h(1.2e9, "B"), "1.2 GB");
        assert_eq!(h(2048.0, "B/op"), "2.048 kB/op");
        assert_eq!(h(12345.0, "ops/s"), "12.35k ops/s");
        assert_eq!(h(12.5, "%"), "12.5%");
        assert_eq!(h(3.0, "min"), "3 min");
    }

    #[test]
    fn well_known_keys_imply_a_unit() {
        let f = |k: &str, u: Option<&str>| Unit::for_key(k, u).map(|u| u.to_string());
        assert_eq!(f("latency.p95", None).as_deref(), Some("ms"));
        assert_eq!(f("throughput", Some(" ")).as_deref(), Some("ops/s"));
        assert_eq!(f("custom.size_bytes", None).as_deref(), Some("B"));
        assert_eq!(f("custom.x", Some("ns")).as_deref(), Some("ns"));
        assert_eq!(f("custom.x", None), None);
    }
}
