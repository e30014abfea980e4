//! JSON text exactly as Python's `json.dumps` writes it.
//!
//! flameiq-core writes its store with `json.dumps(..., indent=2, ensure_ascii=False)` and its
//! documents with `json.dumps(..., indent=2)`. serde_json agrees with it on everything but
//! floats: Python writes `repr(float)` (`1e-05`, `1e+16`, `100.0`), ryu writes `1e-5`, `1e16`.
//! Writing floats the Python way keeps files byte-identical with flameiq-core's, so a cached
//! `.flameiq/` produces no spurious diff when a team switches, and our output is
//! deterministic byte for byte.

use serde::Serialize;
use serde_json::ser::{CompactFormatter, Formatter, PrettyFormatter};
use std::io;

/// Formats an `f64` as Python's `repr(float)` does. Non-finite values never reach here
/// (schema validation rejects them), but are written as Python would (`NaN`, `Infinity`).
pub fn py_float(v: f64) -> String {
    if v.is_nan() {
        return "NaN".into();
    }
    if v.is_infinite() {
        return if v > 0.0 { "Infinity" } else { "-Infinity" }.into();
    }
    if v == 0.0 {
        return if v.is_sign_negative() { "-0.0" } else { "0.0" }.into();
    }
    // ryu gives the shortest round-trip digits; re-lay them out in repr's style.
    let mut buf = ryu::Buffer::new();
    let s = buf.format_finite(v);
    let (neg, s) = match s.strip_prefix('-') {
        Some(rest) => (true, rest),
        None => (false, s),
    };
    let (mantissa, exp) = match s.find('e') {
        Some(i) => (&s[..i], s[i + 1..].parse::<i32>().unwrap_or(0)),
        None => (s, 0),
    };
    let (int_part, frac_part) = match mantissa.find('.') {
        Some(i) => (&mantissa[..i], &mantissa[i + 1..]),
        None => (mantissa, ""),
    };
    let mut digits: String = format!("{int_part}{frac_part}");
    // Decimal point position relative to the start of `digits`.
    let mut point = int_part.len() as i32 + exp;
    let lead = digits.len() - digits.trim_start_matches('0').len();
    digits.drain(..lead);
    point -= lead as i32;
    let trimmed = digits.trim_end_matches('0').len();
    digits.truncate(trimmed.max(1));
    // repr uses scientific notation when the decimal exponent is < -4 or >= 16.
    let sci_exp = point - 1;
    let mut out = String::new();
    if neg {
        out.push('-');
    }
    if !(-4..16).contains(&sci_exp) {
        out.push_str(&digits[..1]);
        if digits.len() > 1 {
            out.push('.');
            out.push_str(&digits[1..]);
        }
        out.push('e');
        out.push(if sci_exp < 0 { '-' } else { '+' });
        out.push_str(&format!("{:02}", sci_exp.abs()));
    } else if point <= 0 {
        out.push_str("0.");
        for _ in 0..(-point) {
            out.push('0');
        }
        out.push_str(&digits);
    } else if point as usize >= digits.len() {
        out.push_str(&digits);
        for _ in 0..(point as usize - digits.len()) {
            out.push('0');
        }
        out.push_str(".0");
    } else {
        out.push_str(&digits[..point as usize]);
        out.push('.');
        out.push_str(&digits[point as usize..]);
    }
    out
}

/// A serde_json formatter that writes floats as Python does, pretty (`indent=2`) or compact.
pub struct PyFormatter<F> {
    inner: F,
}

impl<F: Formatter> Formatter for PyFormatter<F> {
    fn write_f64<W: ?Sized + io::Write>(&mut self, w: &mut W, value: f64) -> io::Result<()> {
        w.write_all(py_float(value).as_bytes())
    }
    fn write_f32<W: ?Sized + io::Write>(&mut self, w: &mut W, value: f32) -> io::Result<()> {
        w.write_all(py_float(value as f64).as_bytes())
    }
    fn begin_array<W: ?Sized + io::Write>(&mut self, w: &mut W) -> io::Result<()> {
        self.inner.begin_array(w)
    }
    fn end_array<W: ?Sized + io::Write>(&mut self, w: &mut W) -> io::Result<()> {
        self.inner.end_array(w)
    }
    fn begin_array_value<W: ?Sized + io::Write>(
        &mut self,
        w: &mut W,
        first: bool,
    ) -> io::Result<()> {
        self.inner.begin_array_value(w, first)
    }
    fn end_array_value<W: ?Sized + io::Write>(&mut self, w: &mut W) -> io::Result<()> {
        self.inner.end_array_value(w)
    }
    fn begin_object<W: ?Sized + io::Write>(&mut self, w: &mut W) -> io::Result<()> {
        self.inner.begin_object(w)
    }
    fn end_object<W: ?Sized + io::Write>(&mut self, w: &mut W) -> io::Result<()> {
        self.inner.end_object(w)
    }
    fn begin_object_key<W: ?Sized + io::Write>(
        &mut self,
        w: &mut W,
        first: bool,
    ) -> io::Result<()> {
        self.inner.begin_object_key(w, first)
    }
    fn end_object_key<W: ?Sized + io::Write>(&mut self, w: &mut W) -> io::Result<()> {
        self.inner.end_object_key(w)
    }
    fn begin_object_value<W: ?Sized + io::Write>(&mut self, w: &mut W) -> io::Result<()> {
        self.inner.begin_object_value(w)
    }
    fn end_object_value<W: ?Sized + io::Write>(&mut self, w: &mut W) -> io::Result<()> {
        self.inner.end_object_value(w)
    }
}

/// Serialises `value` as `json.dumps(value, indent=2, ensure_ascii=False)` would.
pub fn to_pretty<T: Serialize + ?Sized>(value: &T) -> String {
    let mut out = Vec::with_capacity(256);
    // Serialising our own in-memory types cannot fail (string keys, no I/O errors on a Vec).
    write_pretty(&mut out, value).expect("serialising to memory cannot fail");
    String::from_utf8(out).expect("serde_json writes UTF-8")
}

/// Writes `value` as [`to_pretty`] would, straight into `w` (a large document is never
/// held whole in memory: `flameiq run -o`, issue 19 item 9). Errors are `w`'s.
pub fn write_pretty<W: io::Write, T: Serialize + ?Sized>(w: W, value: &T) -> io::Result<()> {
    let fmt = PyFormatter {
        inner: PrettyFormatter::with_indent(b"  "),
    };
    let mut ser = serde_json::Serializer::with_formatter(w, fmt);
    value.serialize(&mut ser).map_err(io::Error::from)
}

/// Serialises `value` on one line with Python's separators (`", "` and `": "`), as
/// `json.dumps(value, ensure_ascii=False)` writes each `history.jsonl` line.
pub fn to_line<T: Serialize + ?Sized>(value: &T) -> String {
    let mut out = Vec::with_capacity(256);
    let fmt = PyFormatter {
        inner: PyCompact::default(),
    };
    let mut ser = serde_json::Serializer::with_formatter(&mut out, fmt);
    value
        .serialize(&mut ser)
        .expect("serialising to memory cannot fail");
    String::from_utf8(out).expect("serde_json writes UTF-8")
}

/// Python's default one-line separators: `", "` between items and `": "` after keys.
#[derive(Default)]
struct PyCompact(CompactFormatter);

impl Formatter for PyCompact {
    fn begin_array_value<W: ?Sized + io::Write>(
        &mut self,
        w: &mut W,
        first: bool,
    ) -> io::Result<()> {
        if first {
            Ok(())
        } else {
            w.write_all(b", ")
        }
    }
    fn begin_object_key<W: ?Sized + io::Write>(
        &mut self,
        w: &mut W,
        first: bool,
    ) -> io::Result<()> {
        if first {
            Ok(())
        } else {
            w.write_all(b", ")
        }
    }
    fn begin_object_value<W: ?Sized + io::Write>(&mut self, w: &mut W) -> io::Result<()> {
        w.write_all(b": ")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn floats_match_python_repr() {
        // Expected strings are Python 3.11's repr() of the same floats.
        let cases: &[(f64, &str)] = &[
            (100.0, "100.0"),
            (120.5, "120.5"),
            (0.1, "0.1"),
            (1e-05, "1e-05"),
            (0.0001, "0.0001"),
            (1.5e-07, "1.5e-07"),
            (1e16, "1e+16"),
            (1234567890123456.0, "1234567890123456.0"),
            (12345678901234567.0, "1.2345678901234568e+16"),
            (-2.5, "-2.5"),
            (0.0, "0.0"),
            (-0.0, "-0.0"),
            (5e-324, "5e-324"),
            (1.7976931348623157e308, "1.7976931348623157e+308"),
            (0.000123, "0.000123"),
            (123456.789, "123456.789"),
        ];
        for (v, want) in cases {
            assert_eq!(py_float(*v), *want, "repr({v:e})");
        }
    }

    #[test]
    fn line_uses_python_separators() {
        let v = serde_json::json!({"a": [1, 2.0], "b": {"c": null}});
        assert_eq!(to_line(&v), r#"{"a": [1, 2.0], "b": {"c": null}}"#);
        assert_eq!(
            to_pretty(&v),
            "{\n  \"a\": [\n    1,\n    2.0\n  ],\n  \"b\": {\n    \"c\": null\n  }\n}"
        );
    }
}
