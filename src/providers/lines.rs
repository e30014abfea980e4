//! [`Lines`]: a line format's input, one line at a time, from text in memory or straight
//! from the file (issue 19 item 9, memory).
//!
//! A provider named with `--provider` (or in `flameiq.yaml`) whose format is one result per
//! line (`cargo-bench`, `benchmarkjs`), or a list a streaming JSON parser reads entry by
//! entry (the custom `[{name, unit, value}]` formats, through [`Lines::source`]), reads a
//! regular file through a small buffer instead of holding the whole file: the input then
//! costs nothing next to the snapshot it builds.
//! `auto` still reads the file whole (it weighs every line format over the same text), as do
//! pipes and other special files (read once, they could not be read again).
//!
//! The lines are exactly those of [`str::lines`] over the file's text with bytes that are
//! not UTF-8 replaced by U+FFFD (what [`Input::read`](super::Input::read) builds): split at
//! `\n`, a `\r` before it dropped, no empty last line. An invalid sequence never spans a
//! `\n` (an ASCII byte ends it), so replacing line by line gives the same text.

use super::util::Suffixes;
use super::{Input, InvalidUtf8, Provider};
use crate::error::{Error, Result};
use crate::schema::Snapshot;
use std::fs::File;
use std::io::{BufRead, BufReader, Read};
use std::path::Path;

/// Lines of a metrics file (see the module docs).
pub struct Lines<'a> {
    path: &'a Path,
    src: Src<'a>,
    /// The current line when it had to be repaired (not UTF-8).
    line: String,
    /// The current line's bytes, as read.
    bytes: Vec<u8>,
    /// About how many lines there are (a hint for reserving room).
    hint: usize,
}

enum Src<'a> {
    /// The text and the offset of the next line in it.
    Text(&'a str, usize),
    File(BufReader<File>),
}

/// The whole input at once, for a format that is not read line by line (a JSON list).
pub enum Source<'b> {
    /// Text already in memory.
    Text(&'b str),
    /// The file, through a buffer.
    Reader(&'b mut BufReader<File>),
}

impl<'a> Lines<'a> {
    /// The lines of an input already read whole (a provider's `parse`).
    pub fn of(input: &'a Input, provider: &str) -> Result<Lines<'a>> {
        let text = input.text(provider)?;
        Ok(Lines {
            path: &input.path,
            hint: count_newlines(text.as_bytes()),
            src: Src::Text(text, 0),
            line: String::new(),
            bytes: Vec::new(),
        })
    }

    /// The lines of a regular file, read as they are asked for.
    pub fn open(path: &'a Path) -> Result<Lines<'a>> {
        let file = open(path)?;
        let size = file.metadata().map(|m| m.len()).unwrap_or(0);
        Ok(Lines {
            path,
            // The line formats print at least 64 bytes per result line.
            hint: usize::try_from(size / 64).unwrap_or(usize::MAX),
            src: Src::File(BufReader::with_capacity(1 << 16, file)),
            line: String::new(),
            bytes: Vec::new(),
        })
    }

    /// The file the lines come from (for error messages).
    pub fn path(&self) -> &'a Path {
        self.path
    }

    /// About how many lines there are: counted for text in memory, estimated from the
    /// size for a file (the caller bounds what it reserves).
    pub fn count_hint(&self) -> usize {
        self.hint
    }

    /// The input as a whole (the text, or the file from its start), for a format read with
    /// a streaming parser rather than line by line.
    pub fn source(&mut self) -> Source<'_> {
        match &mut self.src {
            Src::Text(text, _) => Source::Text(text),
            Src::File(reader) => Source::Reader(reader),
        }
    }

    /// The next line, `None` at the end; a read error is exit 3 naming the file.
    pub fn next_line(&mut self) -> Result<Option<&str>> {
        let reader = match &mut self.src {
            Src::Text(text, at) => return Ok(next_text_line(text, at)),
            Src::File(reader) => reader,
        };
        self.bytes.clear();
        let n = reader
            .read_until(b'\n', &mut self.bytes)
            .map_err(|e| unreadable(self.path, e))?;
        if n == 0 {
            return Ok(None);
        }
        if self.bytes.last() == Some(&b'\n') {
            self.bytes.pop();
            if self.bytes.last() == Some(&b'\r') {
                self.bytes.pop();
            }
        }
        match std::str::from_utf8(&self.bytes) {
            Ok(line) => Ok(Some(line)),
            Err(_) => {
                self.line.clear();
                self.line.push_str(&String::from_utf8_lossy(&self.bytes));
                Ok(Some(&self.line))
            }
        }
    }
}

/// A format of one result per line (`cargo-bench`, `benchmarkjs`): its [`Provider`] is
/// this trait's, so the text in memory ([`Provider::parse`]) and a file streamed line by
/// line ([`Provider::parse_streamed`]) go through the one loop, [`read_results`].
pub trait LineFormat: Sync {
    /// The `--provider` name, also the one errors give.
    const NAME: &'static str;
    /// What a result line looks like: the error for an input with none.
    const EXPECTED: &'static str;
    /// Is `line` a result? (`auto`'s detection and its weighing of line formats)
    fn is_result(line: &str) -> bool;
    /// Reads one line: a result into `snap` (a name already there gets the next `#n`
    /// through `seen`), a warning, or nothing.
    fn read(line: &str, snap: &mut Snapshot, seen: &mut Suffixes);
}

impl<F: LineFormat> Provider for F {
    fn name(&self) -> &'static str {
        F::NAME
    }

    fn detect(&self, input: &Input) -> bool {
        input
            .text
            .as_deref()
            .is_some_and(|t| t.lines().any(F::is_result))
    }

    fn result_lines(&self, input: &Input) -> Option<usize> {
        let text = input.text.as_deref()?;
        Some(text.lines().filter(|l| F::is_result(l)).count())
    }

    fn parse(&self, input: &Input) -> Result<Snapshot> {
        read_results(
            &mut Lines::of(input, F::NAME)?,
            F::NAME,
            F::EXPECTED,
            F::read,
        )
    }

    fn parse_streamed(&self, lines: &mut Lines<'_>) -> Option<Result<Snapshot>> {
        Some(read_results(lines, F::NAME, F::EXPECTED, F::read))
    }
}

/// The line of `text` at `*at` (as [`str::lines`] gives it: the `\n` and a `\r` before it
/// cut off), moving `*at` past it; `None` at the end. `memchr` finds the `\n` with vector
/// compares, where `str::lines` took ~250 instructions for a 70-byte line (issue 16).
fn next_text_line<'t>(text: &'t str, at: &mut usize) -> Option<&'t str> {
    let rest = text.get(*at..).filter(|r| !r.is_empty())?;
    let Some(n) = memchr::memchr(b'\n', rest.as_bytes()) else {
        *at = text.len();
        return Some(rest);
    };
    *at += n + 1;
    // `n` is the index of an ASCII byte, so both cuts are at char boundaries.
    let line = &rest[..n];
    Some(line.strip_suffix('\r').unwrap_or(line))
}

/// A line format's snapshot: every line through `read` (see [`LineFormat::read`]); no
/// result at all is `provider`'s parse error (exit 3) saying what one looks like.
pub fn read_results(
    lines: &mut Lines<'_>,
    provider: &str,
    expected: &str,
    mut read: impl FnMut(&str, &mut Snapshot, &mut Suffixes),
) -> Result<Snapshot> {
    let mut snap = Snapshot::new();
    let mut seen = Suffixes::default();
    super::util::reserve(&mut snap, lines.count_hint());
    while let Some(line) = lines.next_line()? {
        read(line, &mut snap, &mut seen);
    }
    if snap.metrics.is_empty() {
        return Err(Error::parse(provider, lines.path(), expected));
    }
    Ok(snap)
}

/// How many `\n` bytes: counted in blocks with a byte-wide counter, which the compiler
/// turns into vector compares (the plain `filter().count()` took ~5 instructions a byte,
/// 4 % of a cargo-bench parse; issue 16).
fn count_newlines(bytes: &[u8]) -> usize {
    bytes
        .chunks(255)
        .map(|block| {
            block
                .iter()
                .fold(0u8, |n, b| n.wrapping_add(u8::from(*b == b'\n'))) as usize
        })
        .sum()
}

/// `hay.find(needle)`, found through the needle's ASCII byte at `anchor` (pick one that is
/// rare in the lines): a `memchr` for that byte and a compare at each hit. On a short line
/// the substring searcher's set-up alone (~450 instructions) cost more than the line's
/// whole parse should (issue 16).
pub fn find_by(hay: &str, needle: &str, anchor: usize) -> Option<usize> {
    let (hay, needle) = (hay.as_bytes(), needle.as_bytes());
    let a = needle[anchor];
    debug_assert!(a.is_ascii());
    let mut from = 0;
    loop {
        let i = from + memchr::memchr(a, &hay[from..])?;
        if let Some(start) = i.checked_sub(anchor) {
            // A match of an ASCII-led needle starts at a char boundary.
            if hay[start..].starts_with(needle) {
                return Some(start);
            }
        }
        from = i + 1;
    }
}

/// `hay.rfind(needle)`, found as [`find_by`] finds, from the end.
pub fn rfind_by(hay: &str, needle: &str, anchor: usize) -> Option<usize> {
    let (hay, needle) = (hay.as_bytes(), needle.as_bytes());
    let a = needle[anchor];
    debug_assert!(a.is_ascii());
    let mut end = hay.len();
    loop {
        let i = memchr::memrchr(a, &hay[..end])?;
        if let Some(start) = i.checked_sub(anchor) {
            if hay[start..].starts_with(needle) {
                return Some(start);
            }
        }
        end = i;
    }
}

/// What a byte is to [`trim`] and [`next_word`]: part of a word (ASCII, not whitespace),
/// ASCII whitespace (what [`char::is_whitespace`] holds for below 128), or part of a
/// non-ASCII character (decided by chars). One table load a byte.
const WORD: u8 = 0;
const SPACE: u8 = 1;
const OTHER: u8 = 2;
static CLASS: [u8; 256] = {
    let mut t = [OTHER; 256];
    let mut i = 0;
    while i < 128 {
        t[i] = match i as u8 {
            b' ' | b'\t'..=b'\r' => SPACE,
            _ => WORD,
        };
        i += 1;
    }
    t
};

fn class(b: u8) -> u8 {
    CLASS[usize::from(b)]
}

/// [`str::trim`], with the ASCII whitespace cut byte by byte; only a non-ASCII character at
/// either end (which may be Unicode whitespace) goes through `str::trim` (issue 16: the
/// generic `trim_matches` was ~60 instructions a call, four calls a line).
pub fn trim(s: &str) -> &str {
    let b = s.as_bytes();
    let (Some(&first), Some(&last)) = (b.first(), b.last()) else {
        return s;
    };
    // The common case: nothing to cut.
    if class(first) == WORD && class(last) == WORD {
        return s;
    }
    let i = b.iter().position(|&c| class(c) != SPACE).unwrap_or(b.len());
    let j = b
        .iter()
        .rposition(|&c| class(c) != SPACE)
        .map_or(i, |j| j + 1);
    // `i` and `j` sit next to ASCII bytes (or at the ends): char boundaries.
    let t = &s[i..j.max(i)];
    match (t.as_bytes().first(), t.as_bytes().last()) {
        (Some(&f), Some(&l)) if class(f) == OTHER || class(l) == OTHER => t.trim(),
        _ => t,
    }
}

/// The first word of `s` and what follows it, as [`str::split_whitespace`] cuts words:
/// `None` when `s` is blank. ASCII is read byte by byte, a non-ASCII character through
/// [`char::is_whitespace`] (issue 16).
pub fn next_word(s: &str) -> Option<(&str, &str)> {
    let b = s.as_bytes();
    // Most words follow one space: no loop for that.
    let i = match b {
        [c, ..] if class(*c) == WORD => 0,
        [_, c, ..] if class(b[0]) == SPACE && class(*c) == WORD => 1,
        _ => b.iter().position(|&c| class(c) != SPACE)?,
    };
    if class(b[i]) == OTHER {
        return next_word_chars(&s[i..]);
    }
    let j = b[i..]
        .iter()
        .position(|&c| class(c) != WORD)
        .map_or(b.len(), |n| i + n);
    if b.get(j).is_some_and(|&c| class(c) == OTHER) {
        // The word goes on to the next whitespace character.
        let end = s[j..].find(char::is_whitespace).map_or(s.len(), |k| j + k);
        return Some((&s[i..end], &s[end..]));
    }
    // `i` and `j` are at ASCII bytes or the end: char boundaries.
    Some((&s[i..j], &s[j..]))
}

/// Does a word end where `rest` starts (at its end, or at a whitespace character)?
pub fn word_ends(rest: &str) -> bool {
    match rest.as_bytes().first() {
        None => true,
        Some(&c) if class(c) == OTHER => rest.starts_with(char::is_whitespace),
        Some(&c) => class(c) == SPACE,
    }
}

/// [`next_word`] by chars.
fn next_word_chars(s: &str) -> Option<(&str, &str)> {
    let s = s.trim_start();
    let end = s.find(char::is_whitespace).unwrap_or(s.len());
    (end > 0).then(|| (&s[..end], &s[end..]))
}

/// `custom.<name>`, allocated once at its size (`format!` went through the formatting
/// machinery for every result line; issue 16).
pub fn custom_key(name: &str) -> String {
    let mut key = String::with_capacity("custom.".len() + name.len());
    key.push_str("custom.");
    key.push_str(name);
    key
}

fn open(path: &Path) -> Result<File> {
    File::open(path).map_err(|e| match e.kind() {
        std::io::ErrorKind::NotFound => Error::MetricsNotFound { path: path.into() },
        _ => unreadable(path, e),
    })
}

fn unreadable(path: &Path, source: std::io::Error) -> Error {
    Error::MetricsUnreadable {
        path: path.into(),
        source,
    }
}

/// Where a file is not UTF-8, counted as [`Input::read`] counts it, reading it through a
/// small buffer: the replaced bytes and the offset of the first.
pub fn scan_utf8(path: &Path) -> Result<Option<InvalidUtf8>> {
    let mut file = open(path)?;
    let mut buf = vec![0u8; 1 << 16];
    // Bytes at the start of `buf` carried over from the last read: a character cut in two.
    let mut carry = 0;
    // Offset in the file of `buf[0]`.
    let mut base = 0usize;
    let mut bad = 0usize;
    let mut first: Option<usize> = None;
    loop {
        let n = match file.read(&mut buf[carry..]) {
            Ok(n) => n,
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
            Err(e) => return Err(unreadable(path, e)),
        };
        let end = carry + n;
        let eof = n == 0;
        let mut pos = 0;
        while pos < end {
            match std::str::from_utf8(&buf[pos..end]) {
                Ok(_) => pos = end,
                Err(e) => {
                    let at = pos + e.valid_up_to();
                    match e.error_len() {
                        Some(len) => {
                            first.get_or_insert(base + at);
                            bad += len;
                            pos = at + len;
                        }
                        // Cut off by the end of the buffer: read on, unless the file ends.
                        None if !eof => {
                            pos = at;
                            break;
                        }
                        None => {
                            first.get_or_insert(base + at);
                            bad += end - at;
                            pos = end;
                        }
                    }
                }
            }
        }
        if eof {
            break;
        }
        buf.copy_within(pos..end, 0);
        carry = end - pos;
        base += pos;
    }
    Ok(first.map(|first_offset| InvalidUtf8 {
        bytes: bad,
        first_offset,
    }))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn streamed(bytes: &[u8]) -> (Vec<String>, Option<InvalidUtf8>) {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("in.txt");
        std::fs::write(&path, bytes).unwrap();
        let mut lines = Lines::open(&path).unwrap();
        let mut out = Vec::new();
        while let Some(l) = lines.next_line().unwrap() {
            out.push(l.to_string());
        }
        (out, scan_utf8(&path).unwrap())
    }

    fn whole(bytes: &[u8]) -> (Vec<String>, Option<InvalidUtf8>) {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("in.txt");
        std::fs::write(&path, bytes).unwrap();
        let input = Input::read(&path).unwrap();
        let out = input
            .text
            .as_deref()
            .unwrap()
            .lines()
            .map(str::to_string)
            .collect();
        (out, input.invalid_utf8)
    }

    proptest::proptest! {
        /// The anchored searches find what `str::find` / `str::rfind` find, on lines made of
        /// the needles' own pieces (overlaps, repeats, non-ASCII neighbours).
        #[test]
        fn issue16_anchored_search_is_str_search(
            parts in proptest::collection::vec(
                proptest::sample::select(vec![" ", "x", " x ", "ops", "/sec", " ops/sec", "é", "... bench:", " ...", ":", "/", "a"]),
                0..12,
            )
        ) {
            let hay: String = parts.concat();
            for (needle, anchor) in [(" ops/sec", 4), (" x ", 1), (" ... bench:", 10)] {
                proptest::prop_assert_eq!(find_by(&hay, needle, anchor), hay.find(needle), "{:?} in {:?}", needle, hay);
                proptest::prop_assert_eq!(rfind_by(&hay, needle, anchor), hay.rfind(needle), "{:?} in {:?}", needle, hay);
            }
            proptest::prop_assert_eq!(count_newlines(hay.as_bytes()), hay.matches('\n').count());
        }

        /// The byte-level splitter, `trim` and `next_word` give what `str::lines`,
        /// `str::trim` and `split_whitespace` give, on text with `\r`, `\n`, ASCII and
        /// Unicode whitespace (U+00A0, U+0085, U+3000, U+000B) and other non-ASCII letters.
        #[test]
        fn issue16_byte_level_lines_and_words_are_the_str_methods(
            parts in proptest::collection::vec(
                proptest::sample::select(vec![
                    "\n", "\r", "\r\n", " ", "\t", "\u{b}", "\u{c}", "\u{a0}", "\u{85}",
                    "\u{3000}", "é", "µs", "a", "bc", "1,234",
                ]),
                0..16,
            )
        ) {
            let text: String = parts.concat();
            let mut at = 0;
            let mut got = Vec::new();
            while let Some(line) = next_text_line(&text, &mut at) {
                got.push(line);
            }
            proptest::prop_assert_eq!(&got, &text.lines().collect::<Vec<_>>(), "{:?}", text);
            proptest::prop_assert_eq!(trim(&text), text.trim(), "{:?}", text);
            let mut words = Vec::new();
            let mut rest = text.as_str();
            while let Some((word, after)) = next_word(rest) {
                words.push(word);
                rest = after;
            }
            proptest::prop_assert_eq!(words, text.split_whitespace().collect::<Vec<_>>(), "{:?}", text);
            proptest::prop_assert_eq!(word_ends(&text), text.chars().next().is_none_or(char::is_whitespace));
        }
    }

    #[test]
    fn issue16_newlines_counted_across_blocks() {
        let text = "ab\n".repeat(1000) + "\n\n";
        assert_eq!(count_newlines(text.as_bytes()), 1002);
        assert_eq!(count_newlines(&[b'\n'; 600]), 600);
        assert_eq!(custom_key("a b"), "custom.a b");
    }

    #[test]
    fn issue19_item9_streamed_lines_are_the_whole_texts_lines() {
        let mut long = "é".repeat(40_000).into_bytes();
        long.extend_from_slice(b"\xff\n\xe2\x82\n");
        long.extend("x".repeat(70_000).bytes());
        long.push(0xf0);
        for case in [
            &b""[..],
            b"\n",
            b"a",
            b"a\n",
            b"a\n\n",
            b"a\r\nb\r",
            b"\r\n\r\n",
            b"ok \xff\xfe bad\r\nnext \xe2\x82\nend \xf0\x9f",
            &long,
        ] {
            assert_eq!(
                streamed(case),
                whole(case),
                "{:?}",
                String::from_utf8_lossy(case)
            );
        }
    }

    /// A file named with a streaming provider gives the snapshot reading it whole gives
    /// (same keys, order, values, infos and document), and the same errors.
    #[test]
    fn issue19_item9_streamed_file_reads_as_the_whole_file() {
        let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures");
        let cases = [
            ("cargo-bench", "cargo-bench/libtest_output.txt"),
            ("cargo-bench", "cargo-bench/libtest_units.txt"),
            ("cargo-bench", "cargo-bench/criterion_bencher_format.txt"),
            ("benchmarkjs", "benchmarkjs/two_suites.txt"),
            (
                "custom-bigger-is-better",
                "custom-bigger-is-better/bigger_is_better.json",
            ),
            (
                "custom-smaller-is-better",
                "custom-smaller-is-better/smaller_is_better.json",
            ),
            (
                "custom-smaller-is-better",
                "custom-smaller-is-better/smaller_is_better_2.json",
            ),
            // Errors: not this format at all.
            ("cargo-bench", "benchmarkjs/two_suites.txt"),
            ("custom-smaller-is-better", "cargo-bench/libtest_output.txt"),
        ];
        for (name, file) in cases {
            let path = root.join(file);
            let kind = super::super::ProviderKind::from_name(name).unwrap();
            assert!(kind.reads_lines(), "{name}");
            let input = Input::read(&path).unwrap();
            let whole = kind.provider().parse(&input).map(|mut s| {
                s.canonicalize();
                s
            });
            let streamed = super::super::load(&path, name).map(|(s, _)| s);
            match (whole, streamed) {
                (Ok(w), Ok(s)) => {
                    assert_eq!(w.metrics, s.metrics, "{file}");
                    let doc = |s: &crate::schema::Snapshot| {
                        let mut v = s.to_value();
                        v["metadata"] = serde_json::Value::Null;
                        crate::pyjson::to_pretty(&v)
                    };
                    assert_eq!(doc(&w), doc(&s), "{file}");
                }
                (Err(w), Err(s)) => assert_eq!(w.to_string(), s.to_string(), "{file}"),
                (w, s) => panic!("{file}: whole {w:?}, streamed {s:?}"),
            }
        }
    }
}
