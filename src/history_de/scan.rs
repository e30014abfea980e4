//! The plainest stored run, read by hand: `{"schema_version": …, "metadata": …,
//! "metrics": {"custom": {"name": number, …}}, "metric_info": …}` in any order and with
//! any JSON whitespace, names without escapes, numbers in the range where their `f64` is
//! one exact operation. That is every line `flameiq` and flameiq-core append, and reading
//! it here costs a fraction of serde's generic walk (issue 14: 10,000 metrics × 1,000 runs).
//!
//! Whatever it does not take it refuses (`None`) and [`super::parse`] hands the text to
//! serde, so it decides nothing serde would decide otherwise: what it takes is valid JSON
//! that serde reads to the same values. The metadata and `metric_info` objects are located
//! here and read by serde from their own bytes (the same readers as the serde path).

use super::{CustomSink, Doc};
use crate::snapshot_de::{Infos, Meta};

/// Reads `text` when it is in the plain form, giving the custom metrics to `sink`.
pub(super) fn document<'a, S: CustomSink>(text: &'a str, sink: &mut S) -> Option<Doc<'a>> {
    let mut s = Scanner {
        t: text,
        b: text.as_bytes(),
        i: 0,
    };
    let mut version = None;
    let mut meta: Option<Option<Meta<'a>>> = None;
    let mut info: Option<Option<Infos>> = None;
    let mut count = None;
    s.ws();
    s.eat(b'{')?;
    s.ws();
    if s.peek()? != b'}' {
        loop {
            let key = s.key()?;
            s.ws();
            s.eat(b':')?;
            s.ws();
            match key {
                "schema_version" if version.is_none() => version = Some(s.number()?),
                "metadata" if meta.is_none() => {
                    let v = s.value_text()?;
                    meta = Some(serde_json::from_str(v).ok()?);
                }
                "metric_info" if info.is_none() => {
                    let v = s.value_text()?;
                    info = Some(serde_json::from_str(v).ok()?);
                }
                "metrics" if count.is_none() => count = Some(s.metrics(sink)?),
                // A field seen twice, or one that is not read here: serde's to judge.
                _ => return None,
            }
            s.ws();
            match s.next()? {
                b',' => s.ws(),
                b'}' => break,
                _ => return None,
            }
        }
    } else {
        s.i += 1;
    }
    s.ws();
    if s.i != s.b.len() {
        return None;
    }
    Some(Doc {
        version,
        meta: meta.flatten(),
        info: info.flatten(),
        count: count?,
    })
}

/// `10^k` for `k ≤ 22`: exact in an `f64`.
const POW10: [f64; 23] = [
    1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11, 1e12, 1e13, 1e14, 1e15, 1e16,
    1e17, 1e18, 1e19, 1e20, 1e21, 1e22,
];

/// `10^k` for `k ≤ 8`, as the digit runs take them.
const POW10_U64: [u64; 9] = [
    1,
    10,
    100,
    1_000,
    10_000,
    100_000,
    1_000_000,
    10_000_000,
    100_000_000,
];

/// `0x01` in every byte of a word.
const ONES: u64 = 0x0101_0101_0101_0101;
/// `0x80` in every byte of a word.
const HIGHS: u64 = 0x8080_8080_8080_8080;

/// `0x80` in the bytes of `w` that are `"`, `\\` or below `0x20`, possibly also in bytes
/// above the first such byte (a borrow runs upward only), never below it: so the lowest
/// flag is exact, and it is all the key loop reads.
#[inline(always)]
fn key_stops(w: u64) -> u64 {
    let zero = |x: u64| x.wrapping_sub(ONES) & !x & HIGHS;
    zero(w ^ (ONES * b'"' as u64))
        | zero(w ^ (ONES * b'\\' as u64))
        | (w.wrapping_sub(ONES * 0x20) & !w & HIGHS)
}

/// `0x80` in the bytes of `w` that are not ASCII digits, and possibly in bytes above the
/// first such (a carry or borrow from a non-digit runs upward only): the lowest flag is
/// exact. A byte `c < 0x80` flags through `c + 0x46` (≥ `0x80` iff `c > b'9'`, no carry)
/// or `c − 0x30` (≥ `0x80` iff `c < b'0'`, the only case that borrows); `c ≥ 0x80` flags
/// itself.
#[inline(always)]
fn non_digits(w: u64) -> u64 {
    (w | w.wrapping_add(ONES * 0x46) | w.wrapping_sub(ONES * b'0' as u64)) & HIGHS
}

/// The number whose eight decimal digits (values 0–9) are the bytes of `d`, the first
/// (most significant) lowest: pairs, then fours, then all eight.
#[inline(always)]
fn eight_digits(d: u64) -> u64 {
    let d = (d.wrapping_mul(10 << 8 | 1) >> 8) & 0x00FF_00FF_00FF_00FF;
    let d = (d.wrapping_mul(100 << 16 | 1) >> 16) & 0x0000_FFFF_0000_FFFF;
    d.wrapping_mul(10_000 << 32 | 1) >> 32
}

/// Nesting deeper than this in `metadata`/`metric_info` is left to serde, whose recursion
/// limit (128) counts from the document's top.
const MAX_DEPTH: usize = 100;

struct Scanner<'a> {
    t: &'a str,
    b: &'a [u8],
    i: usize,
}

impl<'a> Scanner<'a> {
    fn peek(&self) -> Option<u8> {
        self.b.get(self.i).copied()
    }

    fn next(&mut self) -> Option<u8> {
        let c = self.peek()?;
        self.i += 1;
        Some(c)
    }

    fn eat(&mut self, c: u8) -> Option<()> {
        (self.next()? == c).then_some(())
    }

    /// JSON whitespace.
    fn ws(&mut self) {
        while let Some(b' ' | b'\n' | b'\t' | b'\r') = self.peek() {
            self.i += 1;
        }
    }

    /// A string without escapes or control characters.
    // Inlined into the metrics loop, as `number` is: a call and an `Option` through
    // memory per key was a tenth of the reader (issue 14).
    #[inline(always)]
    fn key(&mut self) -> Option<&'a str> {
        self.eat(b'"')?;
        let start = self.i;
        // Eight bytes at a time while eight remain (issue 14: the keys are most of the
        // text); the lowest flagged byte is the first quote, backslash or control byte.
        while let Some(w) = self.word() {
            let m = key_stops(w);
            if m != 0 {
                self.i += (m.trailing_zeros() / 8) as usize;
                return match self.next()? {
                    // SAFETY: `start` follows a `"` and `i − 1` is one: both ASCII, so
                    // char boundaries of the `str` the bytes are (`get` checked both
                    // again, a fiftieth of the reader).
                    b'"' => Some(unsafe { self.t.get_unchecked(start..self.i - 1) }),
                    _ => None,
                };
            }
            self.i += 8;
        }
        loop {
            match self.next()? {
                // Both quotes are ASCII, so on char boundaries: no second validation.
                b'"' => return self.t.get(start..self.i - 1),
                b'\\' | 0..=0x1f => return None,
                _ => {}
            }
        }
    }

    /// Takes the two bytes `p` if they are next.
    #[inline(always)]
    fn pair(&mut self, p: &[u8; 2]) -> bool {
        let next = self.b.get(self.i..self.i + 2) == Some(&p[..]);
        if next {
            self.i += 2;
        }
        next
    }

    /// The eight bytes from `i` as one little-endian word (the first byte lowest), if
    /// eight remain.
    #[inline(always)]
    fn word(&self) -> Option<u64> {
        let b = self.b.get(self.i..self.i + 8)?;
        Some(u64::from_le_bytes(b.try_into().ok()?))
    }

    /// A run of ASCII digits from `i`, appended to `sig` (`sig·10 + d` per digit, wrapping
    /// as the caller's check on the count allows); returns the new `sig` and the count.
    #[inline(always)]
    fn digits(&mut self, mut sig: u64) -> (u64, u32) {
        let mut n = 0;
        while let Some(w) = self.word() {
            let m = non_digits(w);
            let k = if m == 0 { 8 } else { m.trailing_zeros() / 8 };
            if k == 0 {
                return (sig, n);
            }
            // The k digits' values, moved to the top bytes: the word is then the eight
            // digits of the same number with 8 − k leading zeros.
            let d = w.wrapping_sub(ONES * b'0' as u64) << (8 * (8 - k));
            sig = sig
                .wrapping_mul(POW10_U64[k as usize])
                .wrapping_add(eight_digits(d));
            n += k;
            self.i += k as usize;
            if k < 8 {
                return (sig, n);
            }
        }
        while let Some(c @ b'0'..=b'9') = self.peek() {
            sig = sig.wrapping_mul(10).wrapping_add((c - b'0') as u64);
            n += 1;
            self.i += 1;
        }
        (sig, n)
    }

    /// A JSON number, as serde_json reads it (see `f64_from_parts` there): a significand
    /// of at most 19 digits (no `u64` overflow) and a decimal exponent of at most 22 either
    /// way, where its `significand as f64` times or divided by `10^|e|` is the number.
    #[inline(always)]
    fn number(&mut self) -> Option<f64> {
        let neg = self.peek()? == b'-';
        if neg {
            self.i += 1;
        }
        let mut sig: u64 = 0;
        let mut digits = 0u32;
        match self.next()? {
            b'0' => {
                if self.peek().is_some_and(|c| c.is_ascii_digit()) {
                    return None;
                }
            }
            c @ b'1'..=b'9' => {
                let (v, n) = self.digits((c - b'0') as u64);
                sig = v;
                digits = 1 + n;
            }
            _ => return None,
        }
        let mut exp: i32 = 0;
        if self.peek() == Some(b'.') {
            self.i += 1;
            let (v, n) = self.digits(sig);
            if n == 0 {
                return None;
            }
            sig = v;
            digits += n;
            exp = -(n as i32);
        }
        self.exponent_and_value(neg, sig, digits, exp)
    }

    /// The rest of [`Scanner::number`] after its significand (`digits` digits, fraction
    /// included, `exp` the fraction's length negated): an optional exponent, then the
    /// value, or `None` where serde_json's own path is needed.
    #[inline(always)]
    fn exponent_and_value(
        &mut self,
        neg: bool,
        sig: u64,
        digits: u32,
        mut exp: i32,
    ) -> Option<f64> {
        if let Some(b'e' | b'E') = self.peek() {
            self.i += 1;
            let eneg = match self.peek()? {
                b'-' => {
                    self.i += 1;
                    true
                }
                b'+' => {
                    self.i += 1;
                    false
                }
                _ => false,
            };
            let start = self.i;
            let mut e: i32 = 0;
            while let Some(c @ b'0'..=b'9') = self.peek() {
                if self.i - start >= 4 {
                    return None;
                }
                e = e * 10 + (c - b'0') as i32;
                self.i += 1;
            }
            if self.i == start {
                return None;
            }
            exp += if eneg { -e } else { e };
        }
        // Leading zeros of a fraction count as digits here: conservative, never wrong.
        if digits > 19 || exp.unsigned_abs() > 22 {
            return None;
        }
        let mut f = sig as f64;
        if exp >= 0 {
            f *= POW10[exp as usize];
        } else {
            f /= POW10[(-exp) as usize];
        }
        Some(if neg { -f } else { f })
    }

    /// `"metrics": {"custom": {...}}`, the custom pairs streamed into `sink`.
    fn metrics<S: CustomSink>(&mut self, sink: &mut S) -> Option<usize> {
        self.eat(b'{')?;
        self.ws();
        if self.key()? != "custom" {
            return None;
        }
        self.ws();
        self.eat(b':')?;
        self.ws();
        self.eat(b'{')?;
        self.ws();
        let mut pos = 0;
        if self.peek()? == b'}' {
            self.i += 1;
        } else {
            loop {
                let name = self.key()?;
                // `": "` and `", "` are how every stored line punctuates a pair: one
                // two-byte compare each, then the general path's whitespace rule.
                if self.pair(b": ") {
                    self.ws();
                } else {
                    self.ws();
                    self.eat(b':')?;
                    self.ws();
                }
                let v = self.number()?;
                if !sink.value(pos, name, v) {
                    return None;
                }
                pos += 1;
                if self.pair(b", ") {
                    self.ws();
                    continue;
                }
                self.ws();
                match self.next()? {
                    b',' => self.ws(),
                    b'}' => break,
                    _ => return None,
                }
            }
        }
        self.ws();
        self.eat(b'}')?;
        Some(pos)
    }

    /// The text of the next value (for serde to read, which validates it): an object or
    /// array up to its matching bracket, or a scalar up to the next delimiter.
    fn value_text(&mut self) -> Option<&'a str> {
        let start = self.i;
        match self.peek()? {
            b'{' | b'[' => {
                let mut depth = 0usize;
                loop {
                    match self.next()? {
                        b'{' | b'[' => {
                            depth += 1;
                            if depth > MAX_DEPTH {
                                return None;
                            }
                        }
                        b'}' | b']' => {
                            depth -= 1;
                            if depth == 0 {
                                break;
                            }
                        }
                        b'"' => loop {
                            match self.next()? {
                                b'"' => break,
                                b'\\' => {
                                    self.next()?;
                                }
                                _ => {}
                            }
                        },
                        _ => {}
                    }
                }
            }
            _ => {
                while let Some(c) = self.peek() {
                    if matches!(c, b',' | b'}' | b']' | b' ' | b'\n' | b'\t' | b'\r') {
                        break;
                    }
                    self.i += 1;
                }
            }
        }
        // Both ends are ASCII bytes, so on char boundaries.
        self.t.get(start..self.i)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The byte-at-a-time key loop the word loop replaced (issue 14), kept as the
    /// reference.
    fn key_bytewise<'a>(s: &mut Scanner<'a>) -> Option<&'a str> {
        s.eat(b'"')?;
        let start = s.i;
        loop {
            match s.next()? {
                b'"' => return s.t.get(start..s.i - 1),
                b'\\' | 0..=0x1f => return None,
                _ => {}
            }
        }
    }

    /// The byte-at-a-time number reader the word loops replaced (issue 14), kept as the
    /// reference.
    fn number_bytewise(s: &mut Scanner) -> Option<f64> {
        let neg = s.peek()? == b'-';
        if neg {
            s.i += 1;
        }
        let mut sig: u64 = 0;
        let mut digits = 0u32;
        match s.next()? {
            b'0' => {
                if s.peek().is_some_and(|c| c.is_ascii_digit()) {
                    return None;
                }
            }
            c @ b'1'..=b'9' => {
                sig = (c - b'0') as u64;
                digits = 1;
                while let Some(c @ b'0'..=b'9') = s.peek() {
                    sig = sig.wrapping_mul(10).wrapping_add((c - b'0') as u64);
                    digits += 1;
                    s.i += 1;
                }
            }
            _ => return None,
        }
        let mut exp: i32 = 0;
        if s.peek() == Some(b'.') {
            s.i += 1;
            let start = s.i;
            while let Some(c @ b'0'..=b'9') = s.peek() {
                sig = sig.wrapping_mul(10).wrapping_add((c - b'0') as u64);
                digits += 1;
                s.i += 1;
            }
            if s.i == start {
                return None;
            }
            exp = -((s.i - start) as i32);
        }
        // The exponent and the value are the same code either way: the digit runs are
        // what the word loops changed.
        s.exponent_and_value(neg, sig, digits, exp)
    }

    fn scanner(t: &str) -> Scanner<'_> {
        Scanner {
            t,
            b: t.as_bytes(),
            i: 0,
        }
    }

    /// `key` and `number` on `t` from byte 0 against the byte-at-a-time readers: the same
    /// answer (to the bit) and the same end position whenever they take it.
    fn same_as_bytewise(t: &str) {
        let (mut a, mut b) = (scanner(t), scanner(t));
        let (ka, kb) = (a.key(), key_bytewise(&mut b));
        assert_eq!(ka, kb, "key of {t:?}");
        if ka.is_some() {
            assert_eq!(a.i, b.i, "key end in {t:?}");
        }
        let (mut a, mut b) = (scanner(t), scanner(t));
        let (na, nb) = (a.number(), number_bytewise(&mut b));
        assert_eq!(
            na.map(f64::to_bits),
            nb.map(f64::to_bits),
            "number of {t:?}"
        );
        if na.is_some() {
            assert_eq!(a.i, b.i, "number end in {t:?}");
        }
    }

    /// Every length of digit run (0–25) at every offset of the word loop, each way the run
    /// can end (a delimiter, a byte just outside `0`–`9`, a UTF-8 byte, the text's end).
    #[test]
    fn issue14_word_loops_equal_bytewise_at_every_length_and_end() {
        let ends = [
            "", ",", "}", "/", ":", "\u{7f}", "é", " ", ".", "e5", "E-3", "\"",
        ];
        for pre in ["", "-", "0.", "1.", "-7."] {
            for len in 0..=25 {
                for end in ends {
                    for first in ['1', '9', '0'] {
                        let digits: String = (0..len)
                            .map(|k| char::from(b'0' + ((k * 7 + 3) % 10) as u8))
                            .collect();
                        let t = format!("{pre}{first}{digits}{end}");
                        same_as_bytewise(&t);
                        same_as_bytewise(&format!("{t}.25{end}"));
                        same_as_bytewise(&format!("\"{digits}{end}\"x"));
                    }
                }
            }
        }
        // Keys: every stop byte at every offset of the first two words.
        for len in 0..20 {
            for stop in [
                '"',
                '\\',
                '\u{0}',
                '\u{1f}',
                '\n',
                ' ',
                '\u{7f}',
                'é',
                '\u{10ffff}',
            ] {
                let body: String = (0..len)
                    .map(|k| char::from(b'a' + (k % 26) as u8))
                    .collect();
                same_as_bytewise(&format!("\"{body}{stop}abc\"def"));
                same_as_bytewise(&format!("\"{body}{stop}"));
            }
        }
    }

    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig::with_cases(4000))]

        /// Random texts of the bytes that matter to the loops (digits, signs, points,
        /// exponents, quotes, escapes, control bytes, multi-byte UTF-8) read as a key and
        /// as a number equal the byte-at-a-time readers (issue 14).
        #[test]
        fn issue14_scanner_equals_bytewise_on_random_texts(
            parts in proptest::collection::vec(
                proptest::sample::select(vec![
                    "0", "1", "2", "5", "9", "00", "12345678", "999999999", ".", "-", "+",
                    "e", "E", "\"", "\\", "\\\"", "\\u0041", "\u{1}", "\u{1f}", " ", ",", "}",
                    "é", "\u{80}", "\u{10ffff}", "/", ":", "a", "bench_", "\u{7f}",
                ]),
                0..24,
            ),
            quoted in proptest::bool::ANY,
        ) {
            let body: String = parts.concat();
            let t = if quoted { format!("\"{body}") } else { body };
            same_as_bytewise(&t);
        }
    }

    /// Every number the scanner takes has serde_json's value, bit for bit (the store's
    /// numbers are read by both paths; which one read a run must not show).
    #[test]
    fn numbers_are_serde_jsons_to_the_bit() {
        let mut texts: Vec<String> = [
            "0",
            "-0",
            "1",
            "-1",
            "0.5",
            "101.8241",
            "1e22",
            "1e-22",
            "1.5E+3",
            "2e0",
            "123456789012345678",
            "9999999999999999999",
            "0.1",
            "0.30000000000000004",
            "4.9e-20",
            "17976931348623157",
            "9007199254740993",
            "-9007199254740993.5",
            "1.7976931348623157e10",
            "5e-7",
            "0.000001",
            "123.456e-5",
        ]
        .iter()
        .map(|s| s.to_string())
        .collect();
        // xorshift: digits, a point, an exponent, in the ranges the store writes and beyond.
        let mut s = 0x2545_F491_4F6C_DD1Du64;
        let mut rnd = |n: u64| {
            s ^= s << 13;
            s ^= s >> 7;
            s ^= s << 17;
            s % n
        };
        for _ in 0..20_000 {
            let int = rnd(1 << 60) >> rnd(60);
            let mut t = if rnd(4) == 0 {
                format!("-{int}")
            } else {
                int.to_string()
            };
            if rnd(2) == 0 {
                let frac = rnd(1 << 50) >> rnd(50);
                t.push_str(&format!(".{:0w$}", frac, w = rnd(8) as usize + 1));
            }
            if rnd(3) == 0 {
                t.push_str(&format!("e{}", rnd(60) as i64 - 30));
            }
            texts.push(t);
        }
        let mut taken = 0;
        for t in &texts {
            let want = serde_json::from_str::<serde_json::Number>(t)
                .ok()
                .and_then(|n| n.as_f64());
            let mut sc = Scanner {
                t,
                b: t.as_bytes(),
                i: 0,
            };
            if let Some(got) = sc.number() {
                assert_eq!(sc.i, t.len(), "{t}");
                let want =
                    want.unwrap_or_else(|| panic!("{t}: serde refuses what the scanner takes"));
                assert_eq!(got.to_bits(), want.to_bits(), "{t}: {got} vs {want}");
                taken += 1;
            }
        }
        assert!(
            taken > texts.len() / 3,
            "only {taken} of {} taken",
            texts.len()
        );
    }

    /// Malformed numbers are refused (serde refuses them too).
    #[test]
    fn malformed_numbers_are_refused() {
        for t in [
            "01", "1.", ".5", "-", "1e", "1e+", "+1", "--1", "1.e5", "0x1",
        ] {
            let mut sc = Scanner {
                t,
                b: t.as_bytes(),
                i: 0,
            };
            let took = sc.number().is_some() && sc.i == t.len();
            assert!(!took, "{t}");
            assert!(
                serde_json::from_str::<serde_json::Number>(t).is_err(),
                "{t}"
            );
        }
    }
}
