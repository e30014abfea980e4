//! `go`: the text printed by `go test -bench . [-benchmem] [-count N] ./...`.
//! Format: <https://go.googlesource.com/proposal/+/master/design/14313-benchmark-format.md>
//! (the Go benchmark data format) and <https://pkg.go.dev/testing#hdr-Benchmarks>.
//!
//! A result line is `BenchmarkName-P <iterations> <value> <unit> [<value> <unit>]...`.
//! Decisions:
//! - The `-P` GOMAXPROCS suffix is stripped, so keys survive a runner with another core count.
//! - `ns/op` is the primary measure `custom.<name>` (in ms, lower is better); `B/op` →
//!   `.bytes_per_op` (B), `allocs/op` → `.allocs_per_op` (allocs), `MB/s` → `.mb_per_s`
//!   (higher is better); any other unit from `b.ReportMetric` becomes `.<unit>` with `/`
//!   replaced by `_per_`, higher is better only for rates (`.../s`).
//! - `-count N` repeats a line: the value is the median of the repeats and the repeats are
//!   the samples, per measure.
//! - When the output covers several packages (`pkg:` lines) and one benchmark name occurs
//!   in more than one of them, those benchmarks are keyed by Go's qualified name
//!   `custom.<import path>.<name>`; names unique across packages keep the plain key.
//! - `--- FAIL: BenchmarkX` is reported as a warning naming the benchmark; a result line
//!   for it, if any, is still read.
//! - A benchmark that logs prints its name on one line and its numbers on a later line; the
//!   numbers are attached to the last name seen.
//!
//! Memory (issue 19 item 9): named with `--provider go`, a file is read line by line
//! ([`Provider::parse_streamed`]) and each benchmark goes into the snapshot as soon as its
//! lines end, so neither the text nor a map of every benchmark is held: only the benchmark
//! being read. That gives the same snapshot as reading the text whole as long as each
//! benchmark's lines come together (how `go test` prints them, `-count` and `-cpu` repeats
//! included). When a benchmark comes back after another one (two runs concatenated, or one
//! name in two packages, whose keys then depend on the whole file), the stream cannot know
//! where its measures go: the file is then read whole, as `auto` reads it, and the result
//! is the same.

use super::util::{num, put_measure, Suffixes};
use super::{Input, Lines, Provider};
use crate::error::{Error, Result};
use crate::quantile::median;
use crate::schema::{Direction, Snapshot};
use crate::units::Unit;
use indexmap::IndexMap;

/// `go test -bench` output.
pub struct Go;

const NAME: &str = "go";

/// Each measure's unit and repeated values, in first-seen order. Units and names borrow
/// from the input: copying them per line made a Go log cost many times its size in memory
/// (issue 19 item 9).
type Measures<'a> = Vec<(&'a str, Vec<f64>)>;

impl Provider for Go {
    fn name(&self) -> &'static str {
        NAME
    }

    fn detect(&self, input: &Input) -> bool {
        input
            .text
            .as_deref()
            .is_some_and(|t| t.lines().any(is_result_line))
    }

    fn result_lines(&self, input: &Input) -> Option<usize> {
        let text = input.text.as_deref()?;
        Some(text.lines().filter(|l| is_result_line(l)).count())
    }

    fn parse(&self, input: &Input) -> Result<Snapshot> {
        parse_text(input, true)
    }

    fn parse_streamed(&self, lines: &mut Lines<'_>) -> Option<Result<Snapshot>> {
        Some(match parse_lines(lines) {
            Ok(Some(snap)) => Ok(snap),
            // The failed benchmarks were reported while streaming.
            Ok(None) => Input::read(lines.path()).and_then(|input| parse_text(&input, false)),
            Err(e) => Err(e),
        })
    }
}

/// The whole text at once: benchmarks grouped by (package, name) wherever their lines are.
/// `warn_failed`: report `--- FAIL` lines (not when a stream already did).
fn parse_text(input: &Input, warn_failed: bool) -> Result<Snapshot> {
    let text = input.text(NAME)?;
    // (package, name) → measures, in first-seen order.
    let mut benches: IndexMap<(&str, &str), Measures, crate::schema::FastHash> =
        IndexMap::default();
    let mut pkg = "";
    // The first package named, and whether another one follows: with one package no
    // name can be ambiguous, and the per-name package lists below are not needed.
    let mut first_pkg: Option<&str> = None;
    let mut several_pkgs = false;
    let mut pending: Option<&str> = None;
    for line in text.lines() {
        let (name, values) = match classify(line, pending) {
            GoLine::Package(p) => {
                pkg = p;
                several_pkgs |= *first_pkg.get_or_insert(pkg) != pkg;
                continue;
            }
            GoLine::Failed(rest) => {
                if warn_failed {
                    warn_failed_line(rest);
                }
                continue;
            }
            GoLine::Pending(name) => {
                pending = Some(name);
                continue;
            }
            GoLine::Other => continue,
            GoLine::Result(name, values) => (name, values),
        };
        pending = None;
        let short = strip_procs(name);
        let entry = benches.entry((pkg, short)).or_default();
        for (v, unit) in values {
            match entry.iter_mut().find(|(u, _)| *u == unit) {
                Some((_, vs)) => vs.push(v),
                None => entry.push((unit, vec![v])),
            }
        }
    }
    if benches.is_empty() {
        return Err(no_results(&input.path));
    }
    // Which names occur in more than one package.
    let mut packages_of: IndexMap<&str, Vec<&str>, crate::schema::FastHash> = IndexMap::default();
    for &(p, n) in benches.keys().filter(|_| several_pkgs) {
        let v = packages_of.entry(n).or_default();
        if !v.contains(&p) {
            v.push(p);
        }
    }
    let mut snap = Snapshot::new();
    let mut seen = Suffixes::default();
    super::util::reserve(&mut snap, benches.values().map(Vec::len).sum::<usize>());
    for ((p, n), measures) in benches {
        let ambiguous = packages_of.get(n).is_some_and(|v| v.len() > 1);
        let base = if ambiguous && !p.is_empty() {
            format!("custom.{p}.{n}")
        } else {
            format!("custom.{n}")
        };
        put_bench(&mut snap, &mut seen, &base, measures);
    }
    Ok(snap)
}

/// One benchmark's measures into the snapshot: each value the median of its repeats.
fn put_bench<U: AsRef<str>>(
    snap: &mut Snapshot,
    seen: &mut Suffixes,
    base: &str,
    measures: impl IntoIterator<Item = (U, Vec<f64>)>,
) {
    for (unit, values) in measures {
        let Some(value) = median(&values) else {
            continue;
        };
        // Moved, not copied: the repeats are this measure's samples.
        let samples = if values.len() > 1 { values } else { Vec::new() };
        let (key, unit, dir) = measure_key(base, unit.as_ref());
        put_measure(snap, seen, key, value, unit, dir, samples);
    }
}

/// A measure's key under `base`, the unit it is stored in and its direction, when the
/// unit says one.
fn measure_key<'u>(base: &str, unit: &'u str) -> (String, &'u str, Option<Direction>) {
    match unit {
        "ns/op" => (base.to_string(), "ns", None),
        "B/op" => (format!("{base}.bytes_per_op"), "B", None),
        "allocs/op" => (format!("{base}.allocs_per_op"), "allocs", None),
        "MB/s" => (
            format!("{base}.mb_per_s"),
            "MB/s",
            Some(Direction::HigherIsBetter),
        ),
        other => (
            format!("{base}.{}", other.replace('/', "_per_")),
            other,
            None,
        ),
    }
}

fn no_results(path: &std::path::Path) -> Error {
    Error::parse(
        NAME,
        path,
        "expected 'BenchmarkName-N  <iterations>  <value> ns/op' lines (go test -bench output)",
    )
}

/// `--- FAIL: BenchmarkX-8 ...` (after the colon) as a warning naming the benchmark.
fn warn_failed_line(rest: &str) {
    let name = rest.split_whitespace().next().unwrap_or("?");
    tracing::warn!("go: benchmark '{}' failed", strip_procs(name));
}

/// At most this many distinct first units are checked for a benchmark coming back (see
/// [`Stream::seen_before`]); more, and the file is read whole.
const MAX_FIRST_UNITS: usize = 8;

/// A benchmark being streamed: package, name, and each measure's unit and repeats.
type Current = (String, String, Vec<(String, Vec<f64>)>);

/// The state of a streamed read ([`parse_lines`]).
#[derive(Default)]
struct Stream {
    snap: Snapshot,
    seen: Suffixes,
    /// The benchmark whose lines are being read: (package, name) and its measures.
    current: Option<Current>,
    /// The unit of each stored benchmark's first measure, distinct.
    first_units: Vec<String>,
}

impl Stream {
    /// Puts the current benchmark into the snapshot. `false` when that would drop a value
    /// (not finite in the stored unit): the warning and the keys are left to the whole
    /// read.
    fn flush(&mut self) -> bool {
        let Some((_, name, measures)) = self.current.take() else {
            return true;
        };
        let finite = |(unit, values): &(String, Vec<f64>)| {
            median(values).is_none_or(|v| {
                let (_, stored, _) = measure_key("", unit);
                Unit::new(stored).to_ms(v).unwrap_or(v).is_finite()
            })
        };
        if !measures.iter().all(finite) {
            return false;
        }
        if let Some((unit, _)) = measures.first() {
            if !self.first_units.contains(unit) {
                self.first_units.push(unit.clone());
            }
        }
        put_bench(
            &mut self.snap,
            &mut self.seen,
            &format!("custom.{name}"),
            measures,
        );
        true
    }

    /// Could a benchmark of this name already be in the snapshot? Every stored benchmark
    /// has the key of its first measure there (its own, or the one it was suffixed past):
    /// so `false` is certain, `true` may be another benchmark's key.
    fn seen_before(&self, name: &str) -> bool {
        let base = format!("custom.{name}");
        self.first_units.len() > MAX_FIRST_UNITS
            || self
                .first_units
                .iter()
                .any(|u| self.snap.metrics.contains_key(&measure_key(&base, u).0))
    }
}

/// Streams the lines into the snapshot, one benchmark at a time (see the module docs).
/// `None` when a benchmark came back after another one: the caller reads the text whole.
fn parse_lines(lines: &mut Lines<'_>) -> Result<Option<Snapshot>> {
    let mut st = Stream::default();
    super::util::reserve(&mut st.snap, lines.count_hint());
    let mut pkg = String::new();
    // The name of a benchmark that logs, whose numbers come on a later line.
    let mut pending: Option<String> = None;
    // Set once the stream cannot give the whole read's snapshot; the rest of the lines
    // are then only read for the failures they report.
    let mut whole = false;
    while let Some(line) = lines.next_line()? {
        let (name, values) = match classify(line, pending.as_deref()) {
            GoLine::Package(p) => {
                p.clone_into(&mut pkg);
                continue;
            }
            GoLine::Failed(rest) => {
                warn_failed_line(rest);
                continue;
            }
            _ if whole => continue,
            GoLine::Pending(name) => {
                pending = Some(name.to_string());
                continue;
            }
            GoLine::Other => continue,
            GoLine::Result(name, values) => (name, values),
        };
        let short = strip_procs(name);
        let same = st
            .current
            .as_ref()
            .is_some_and(|(p, n, _)| *p == pkg && n == short);
        if !same {
            if !st.flush() || st.seen_before(short) {
                whole = true;
                continue;
            }
            st.current = Some((pkg.clone(), short.to_string(), Vec::new()));
        }
        let Some((_, _, measures)) = st.current.as_mut() else {
            unreachable!("a benchmark is being read")
        };
        for (v, unit) in values {
            match measures.iter_mut().find(|(u, _)| u == unit) {
                Some((_, vs)) => vs.push(v),
                None => measures.push((unit.to_string(), vec![v])),
            }
        }
        // Last: `name` and the units may borrow from it.
        pending = None;
    }
    if whole || !st.flush() {
        return Ok(None);
    }
    if st.snap.metrics.is_empty() {
        return Err(no_results(lines.path()));
    }
    Ok(Some(st.snap))
}

/// What one line of `go test -bench` output is to both readers ([`parse_text`] and the
/// stream, [`parse_lines`]).
enum GoLine<'a> {
    /// `pkg: <import path>`: the import path.
    Package(&'a str),
    /// `--- FAIL: ...`: what follows the colon.
    Failed(&'a str),
    /// A benchmark's name whose numbers come on a later line (a benchmark that logs).
    Pending(&'a str),
    /// A result: the benchmark's name (with its `-P` suffix) and its (value, unit) pairs.
    Result(&'a str, Vec<(f64, &'a str)>),
    /// Anything else.
    Other,
}

/// Classifies `line`; `pending` is the name of a benchmark that logs, whose numbers a line
/// of numbers alone then belongs to.
fn classify<'a>(line: &'a str, pending: Option<&'a str>) -> GoLine<'a> {
    let line = line.trim_end();
    if let Some(p) = line.strip_prefix("pkg:") {
        return GoLine::Package(p.trim());
    }
    if let Some(rest) = line.trim_start().strip_prefix("--- FAIL:") {
        return GoLine::Failed(rest);
    }
    let benchmark = line.starts_with("Benchmark");
    let (name, rest) = if benchmark {
        match line.split_once(char::is_whitespace) {
            Some(pair) => pair,
            // A benchmark that logs: its numbers come on a later line.
            None => return GoLine::Pending(line),
        }
    } else if let Some(n) =
        pending.filter(|_| line.trim_start().starts_with(|c: char| c.is_ascii_digit()))
    {
        (n, line)
    } else {
        return GoLine::Other;
    };
    match parse_result(rest) {
        Some(values) => GoLine::Result(name, values),
        None if benchmark => GoLine::Pending(name),
        None => GoLine::Other,
    }
}

/// A complete `BenchmarkName-P <iterations> <value> <unit>...` line.
fn is_result_line(l: &str) -> bool {
    matches!(classify(l, None), GoLine::Result(..))
}

/// `Name-8` → `Name` (the GOMAXPROCS suffix); other names unchanged.
fn strip_procs(name: &str) -> &str {
    match name.rsplit_once('-') {
        Some((base, procs))
            if !base.is_empty()
                && !procs.is_empty()
                && procs.bytes().all(|b| b.is_ascii_digit()) =>
        {
            base
        }
        _ => name,
    }
}

/// `<iterations> <value> <unit> [<value> <unit>]...` → the (value, unit) pairs; `None` if
/// the text is not a result.
fn parse_result(rest: &str) -> Option<Vec<(f64, &str)>> {
    let mut it = rest.split_whitespace();
    let iterations = it.next()?;
    if !iterations.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let mut out = Vec::new();
    while let Some(v) = it.next() {
        let unit = it.next()?;
        out.push((num(v)?, unit));
    }
    (!out.is_empty()).then_some(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn strips_gomaxprocs_only() {
        assert_eq!(strip_procs("BenchmarkA-8"), "BenchmarkA");
        assert_eq!(strip_procs("BenchmarkA/size-x"), "BenchmarkA/size-x");
        assert_eq!(strip_procs("BenchmarkA"), "BenchmarkA");
        assert_eq!(strip_procs("-8"), "-8");
    }

    /// The snapshot's document without its run id and time (new for every read).
    fn doc(s: &Snapshot) -> String {
        let mut v = s.to_value();
        v["metadata"] = serde_json::Value::Null;
        crate::pyjson::to_pretty(&v)
    }

    /// The text read whole, and streamed from a file named with `--provider go`: the same
    /// snapshot (document bytes included) or the same error. Returns whether the stream
    /// gave it itself (`false`: it fell back to reading the file whole).
    fn streamed_is_whole(name: &str, text: &[u8]) -> bool {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join(name);
        std::fs::write(&path, text).unwrap();
        let whole = Go.parse(&Input::read(&path).unwrap()).map(|mut s| {
            s.canonicalize();
            s
        });
        let streamed = super::super::load(&path, "go").map(|(s, _)| s);
        match (&whole, &streamed) {
            (Ok(w), Ok(s)) => {
                assert_eq!(w.metrics, s.metrics, "{name}");
                assert_eq!(doc(w), doc(s), "{name}");
            }
            (Err(w), Err(s)) => assert_eq!(w.to_string(), s.to_string(), "{name}"),
            (w, s) => panic!("{name}: whole {w:?}, streamed {s:?}"),
        }
        let mut lines = Lines::open(&path).unwrap();
        match parse_lines(&mut lines) {
            Ok(Some(s)) => {
                assert_eq!(
                    Ok(doc(&s)),
                    whole.map(|w| doc(&w)).map_err(|e| e.to_string())
                );
                true
            }
            Ok(None) => false,
            Err(e) => {
                assert_eq!(
                    Err(e.to_string()),
                    whole.map(|w| doc(&w)).map_err(|e| e.to_string())
                );
                true
            }
        }
    }

    /// Go output named with `--provider go` is streamed into the snapshot (issue 19 item 9:
    /// a Go log with every name distinct took 7.3x its size, holding the text and a map of
    /// its own). Every fixture and every shape below gives what reading the text whole
    /// gives: by the stream itself when each benchmark's lines come together, and by
    /// reading the file whole when one comes back later.
    #[test]
    fn issue19_item9_go_streamed_is_the_whole_read() {
        let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures");
        for fixture in [
            "go/benchmem_count2_subbenchmarks.txt",
            "go/duplicate_names_multi_package.txt",
        ] {
            let text = std::fs::read(root.join(fixture)).unwrap();
            streamed_is_whole(fixture.trim_start_matches("go/"), &text);
        }
        let streams: [(&[u8], bool); 11] = [
            // -count 3 with -benchmem, -cpu repeats, a benchmark that logs, a failure,
            // two packages with distinct names, CRLF endings, a line that is not UTF-8.
            (
                b"pkg: a\nBenchmarkA-2 10 5 ns/op 8 B/op 1 allocs/op\n\
                  BenchmarkA-2 10 7 ns/op 8 B/op 1 allocs/op\n\
                  BenchmarkA-4 10 6 ns/op 9 B/op 2 allocs/op\n\
                  BenchmarkLog-2\n    log.go:1: hi\n  100\t 2000 ns/op\n\
                  --- FAIL: BenchmarkBad-2\nBenchmarkBad-2 1 3 ns/op\r\n\
                  pkg: b\nBenchmarkB/x=1-8 5 2.5 ns/op 100 MB/s 3 frobs/op\n\
                  BenchmarkB/x=1-8 5 3.5 ns/op 90 MB/s\n\
                  BenchmarkC\xff 1 4 ns/op\nok  b 1.0s\n",
                true,
            ),
            // Keys taken by another measure: suffixed `#2` as when read whole.
            (
                b"BenchmarkC 1 5 B/op 6 bytes_per_op\nBenchmarkD 1 1 ns/op\n",
                true,
            ),
            (b"", true),
            (b"PASS\nok x 0.1s\n", true),
            (b"BenchmarkOnlyAName\n", true),
            // Two runs concatenated: A comes back after B.
            (
                b"BenchmarkA 1 5 ns/op\nBenchmarkB 1 6 ns/op\nBenchmarkA 1 7 ns/op\n",
                false,
            ),
            // A comes back with other units only.
            (
                b"BenchmarkA 1 5 ns/op\nBenchmarkB 1 6 ns/op\nBenchmarkA 1 7 B/op\n",
                false,
            ),
            // One name in two packages: keyed by package, known only at the end.
            (
                b"pkg: p\nBenchmarkA 1 5 ns/op\npkg: q\nBenchmarkA 1 6 ns/op\n",
                false,
            ),
            // A later name whose key an earlier measure took: suffixed past it, by the
            // stream, or, when that key is the one a returning benchmark would have, whole.
            (
                b"BenchmarkA/x 1 5 B/op\nBenchmarkA/x.bytes_per_op 1 6 ns/op\n",
                true,
            ),
            (
                b"BenchmarkA/x 1 4 ns/op 5 B/op\nBenchmarkA/x.bytes_per_op 1 6 ns/op\n",
                false,
            ),
            // A value that is not finite in ms: dropped, with the warning, as when whole.
            (b"BenchmarkM 1 1e305 min\nBenchmarkN 1 1 ns/op\n", false),
        ];
        for (i, (text, by_stream)) in streams.iter().enumerate() {
            let got = streamed_is_whole(&format!("case{i}.txt"), text);
            assert_eq!(
                got,
                *by_stream,
                "case {i}: {:?}",
                String::from_utf8_lossy(text)
            );
        }
    }

    /// Random go outputs from a few names, packages and units, lines interleaved or not:
    /// the stream never gives a snapshot other than the whole read's.
    #[test]
    fn issue19_item9_go_stream_random_outputs() {
        let mut seed = 0x9e37_79b9_7f4a_7c15u64;
        let mut next = |n: u64| {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            seed % n
        };
        let names = [
            "BenchmarkA",
            "BenchmarkA/x",
            "BenchmarkA/x.bytes_per_op",
            "BenchmarkB-2",
            "BenchmarkB-4",
        ];
        let units = ["ns/op", "B/op", "allocs/op", "MB/s", "bytes_per_op", "x/op"];
        let (mut by_stream, mut whole) = (0, 0);
        for case in 0..300 {
            let mut text = String::new();
            for _ in 0..next(12) {
                match next(10) {
                    0 => text.push_str(["pkg: p\n", "pkg: q\n"][next(2) as usize]),
                    1 => text.push_str("--- FAIL: BenchmarkA-2\n"),
                    2 => text.push_str("BenchmarkLogs-8\n"),
                    3 => text.push_str("   7 3 ns/op\n"),
                    _ => {
                        text.push_str(names[next(names.len() as u64) as usize]);
                        text.push_str(" 10");
                        for _ in 0..=next(3) {
                            let v = next(5);
                            text.push_str(&format!(
                                " {v}.5 {}",
                                units[next(units.len() as u64) as usize]
                            ));
                        }
                        text.push('\n');
                    }
                }
            }
            if streamed_is_whole(&format!("random{case}.txt"), text.as_bytes()) {
                by_stream += 1;
            } else {
                whole += 1;
            }
        }
        // Both ways were taken, many times each.
        assert!(
            by_stream > 50 && whole > 50,
            "{by_stream} streamed, {whole} whole"
        );
    }

    #[test]
    fn logged_benchmark_numbers_on_a_later_line() {
        let s = Go
            .parse(&Input::from_text(
                "go.txt",
                "BenchmarkLog-2\n    log line\n  100\t 2000 ns/op\n",
            ))
            .unwrap();
        assert_eq!(s.get("custom.BenchmarkLog"), Some(0.002));
    }
}
