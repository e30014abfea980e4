//! Providers (adapters): turn a benchmark tool's output into a schema v1 [`Snapshot`].
//!
//! Adding a tool is one file here, one variant of [`ProviderKind`], one fixture folder under
//! `tests/fixtures/<provider>/`. Every provider:
//!
//! - keeps the tool's benchmark names in its keys (`custom.<name>`, further measures as
//!   `custom.<name>.<measure>`), stable run after run;
//! - converts times to milliseconds (schema v1's unit) and records, in `metric_info`, the
//!   unit of the stored value (`ms`, `ops/s`, `B`, ...), the direction, and the raw samples
//!   (in the stored unit) when the tool reports them;
//! - refuses a file it cannot read with [`Error::ProviderParse`] (exit 3) naming what it
//!   expected, never a silent empty result.
//!
//! `auto` ([`detect`]) asks each provider's cheap [`Provider::detect`]. A format recognised
//! by its structure (a JSON document, Catch2's XML, a criterion folder, a Valgrind output
//! file) wins in [`ProviderKind::ALL`] order. Line formats (go, cargo-bench, Catch2's
//! console table, benchmark.js, cargo-criterion's JSON lines and criterion's console,
//! gungraun's runner output) are weighed instead of taken in order,
//! because one printed line must not steer the choice (issue 19 item 5: a single
//! `test decoy ... bench: 1 ns/iter` line in Go output used to switch the file to
//! cargo-bench, every baseline key went missing and a 10x slowdown passed). Each claiming
//! line format counts the result lines it reads ([`Provider::result_lines`]); the one that
//! reads the most wins when every other claimant reads less than a quarter of its count
//! ([`AMBIGUOUS_SHARE`]); otherwise the file is refused (exit 3) naming both formats and
//! the `--provider` flag to use. Flooding a file with decoys therefore fails closed: to be
//! read as another format, a file needs more decoy lines than real results, and then none
//! of the baseline's keys is compared.
//!
//! Length (over 500 lines): the registry and detection, plus the inline `util` module (what every provider uses to store a metric: `put`, `put_new`, `put_measure`, `num`, `unique_key`; the units themselves are `crate::units`). `util` is the seam to split along; it stays inline this round because the parse-speed work (issue 16) edits it in parallel.

mod benchmarkdotnet;
mod benchmarkjs;
mod bmf;
mod cargo_bench;
mod catch2;
mod criterion;
mod custom;
mod go;
mod google_benchmark;
mod gungraun;
mod hyperfine;
mod jmh;
mod json;
mod lines;
mod pyperf;
mod pytest_benchmark;
mod repetitions;
mod valgrind;

use crate::error::{Error, Result};
use crate::schema::Snapshot;
use std::path::{Path, PathBuf};

pub use lines::{Lines, Source};

/// What a provider reads: a file's text, or a folder (e.g. `target/criterion`).
#[derive(Debug)]
pub struct Input {
    /// The path given by the user.
    pub path: PathBuf,
    /// The file's text; `None` for a folder.
    pub text: Option<String>,
    /// The bytes of the file that were not UTF-8 and are U+FFFD in `text`, if any.
    pub invalid_utf8: Option<InvalidUtf8>,
}

/// Where a file was not UTF-8 (issue 19 item 14): console output is read anyway, with a
/// warning; JSON formats refuse it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct InvalidUtf8 {
    /// How many bytes were replaced.
    pub bytes: usize,
    /// The offset of the first one.
    pub first_offset: usize,
}

impl Input {
    /// An input of text already in memory (tests, benchmarks, other front ends).
    pub fn from_text(path: impl Into<PathBuf>, text: impl Into<String>) -> Input {
        Input {
            path: path.into(),
            text: Some(text.into()),
            invalid_utf8: None,
        }
    }

    /// Reads `path`: missing → exit 3 "not found"; a folder → `text: None`. Bytes that are
    /// not UTF-8 are replaced by U+FFFD and counted in `invalid_utf8`; [`load`] decides,
    /// once the format is known, whether that is a warning or an error.
    pub fn read(path: &Path) -> Result<Input> {
        let meta = std::fs::metadata(path).map_err(|e| match e.kind() {
            std::io::ErrorKind::NotFound => Error::MetricsNotFound { path: path.into() },
            _ => Error::MetricsUnreadable {
                path: path.into(),
                source: e,
            },
        })?;
        if meta.is_dir() {
            return Ok(Input {
                path: path.into(),
                text: None,
                invalid_utf8: None,
            });
        }
        let bytes = std::fs::read(path).map_err(|e| Error::MetricsUnreadable {
            path: path.into(),
            source: e,
        })?;
        let (text, invalid_utf8) = match String::from_utf8(bytes) {
            Ok(text) => (text, None),
            Err(e) => {
                let first_offset = e.utf8_error().valid_up_to();
                let bytes = e.into_bytes();
                let mut text = String::with_capacity(bytes.len() + 16);
                let mut bad = 0;
                for chunk in bytes.utf8_chunks() {
                    text.push_str(chunk.valid());
                    if !chunk.invalid().is_empty() {
                        bad += chunk.invalid().len();
                        text.push(char::REPLACEMENT_CHARACTER);
                    }
                }
                (
                    text,
                    Some(InvalidUtf8 {
                        bytes: bad,
                        first_offset,
                    }),
                )
            }
        };
        Ok(Input {
            path: path.into(),
            text: Some(text),
            invalid_utf8,
        })
    }

    /// The file's text, or a provider error saying a file was expected.
    pub fn text(&self, provider: &str) -> Result<&str> {
        self.text
            .as_deref()
            .ok_or_else(|| Error::parse(provider, &self.path, "expected a file, found a folder"))
    }

    /// The text parsed as JSON, or a provider error naming the position.
    pub fn json(&self, provider: &str) -> Result<serde_json::Value> {
        let text = self.text(provider)?;
        serde_json::from_str(text)
            .map_err(|e| Error::parse(provider, &self.path, format!("not valid JSON: {e}")))
    }
}

/// One benchmark tool's format.
pub trait Provider: Sync {
    /// The `--provider` name.
    fn name(&self) -> &'static str;
    /// Cheap check for `auto`: does this input look like this tool's output?
    fn detect(&self, input: &Input) -> bool;
    /// Parses the input into a snapshot.
    fn parse(&self, input: &Input) -> Result<Snapshot>;
    /// For a line format: how many lines of the input this format reads as results, which
    /// `auto` uses to weigh formats that both claim a file. `None` (the default) for a
    /// format recognised by its structure (JSON, XML, folders), which `auto` takes as is.
    fn result_lines(&self, input: &Input) -> Option<usize> {
        let _ = input;
        None
    }
    /// For a format read line by line (or by a streaming parser): parses straight from the
    /// file, which [`load`] then streams rather than reading it whole (issue 19 item 9,
    /// memory).
    /// `None` (the default): the format needs its whole input, see [`Provider::parse`].
    fn parse_streamed(&self, lines: &mut Lines<'_>) -> Option<Result<Snapshot>> {
        let _ = lines;
        None
    }
}

/// `auto` refuses a file when a second line format reads at least this share of the
/// result lines the best one reads (1/4): below it, the second format's lines are taken
/// for noise a benchmark printed.
pub const AMBIGUOUS_SHARE: (usize, usize) = (1, 4);

/// Every provider FlameIQ knows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ProviderKind {
    /// Schema v1 JSON (flameiq-core's format).
    Json,
    /// pytest-benchmark `--benchmark-json`.
    PytestBenchmark,
    /// Criterion.rs: a `target/criterion` folder, cargo-criterion `--message-format=json`,
    /// or `cargo bench`'s console output.
    Criterion,
    /// Google Benchmark `--benchmark_format=json` / `--benchmark_out`.
    GoogleBenchmark,
    /// hyperfine `--export-json`.
    Hyperfine,
    /// BenchmarkDotNet's full JSON export.
    BenchmarkDotNet,
    /// JMH `-rf json`.
    Jmh,
    /// Bencher Metric Format (BMF) JSON.
    Bmf,
    /// github-action-benchmark's `customBiggerIsBetter` JSON.
    CustomBiggerIsBetter,
    /// github-action-benchmark's `customSmallerIsBetter` JSON.
    CustomSmallerIsBetter,
    /// Catch2 v2/v3 console output and the XML reporter (`-r xml`).
    Catch2,
    /// `cargo bench` libtest lines and criterion `--output-format bencher`.
    CargoBench,
    /// `go test -bench` output.
    Go,
    /// benchmark.js console lines.
    BenchmarkJs,
    /// pyperf / pyperformance JSON (issue 16).
    Pyperf,
    /// Valgrind's cachegrind / callgrind output files (issue 16).
    Valgrind,
    /// gungraun / iai-callgrind runner output and JSON summaries (issue 16).
    Gungraun,
}

/// Other names `--provider` accepts for a provider (the tool a user knows it by).
pub const ALIASES: &[(&str, ProviderKind)] = &[
    ("cachegrind", ProviderKind::Valgrind),
    ("callgrind", ProviderKind::Valgrind),
    ("iai-callgrind", ProviderKind::Gungraun),
];

impl ProviderKind {
    /// All providers, in `auto` detection order (most specific first).
    ///
    /// JSON formats come first, each sniffed by keys only its tool writes; the custom
    /// `[{name, unit, value}]` arrays come after JMH's arrays; the line formats last, the
    /// most distinctive (Catch2's table header) before the looser ones.
    pub const ALL: &'static [ProviderKind] = &[
        ProviderKind::Json,
        ProviderKind::PytestBenchmark,
        ProviderKind::Criterion,
        ProviderKind::GoogleBenchmark,
        ProviderKind::Hyperfine,
        ProviderKind::BenchmarkDotNet,
        ProviderKind::Jmh,
        ProviderKind::Bmf,
        ProviderKind::CustomBiggerIsBetter,
        ProviderKind::CustomSmallerIsBetter,
        ProviderKind::Pyperf,
        ProviderKind::Valgrind,
        ProviderKind::Catch2,
        ProviderKind::CargoBench,
        ProviderKind::Go,
        ProviderKind::BenchmarkJs,
        ProviderKind::Gungraun,
    ];

    /// The implementation.
    pub fn provider(self) -> &'static dyn Provider {
        match self {
            ProviderKind::Json => &json::Json,
            ProviderKind::PytestBenchmark => &pytest_benchmark::PytestBenchmark,
            ProviderKind::Criterion => &criterion::Criterion,
            ProviderKind::GoogleBenchmark => &google_benchmark::GoogleBenchmark,
            ProviderKind::Hyperfine => &hyperfine::Hyperfine,
            ProviderKind::BenchmarkDotNet => &benchmarkdotnet::BenchmarkDotNet,
            ProviderKind::Jmh => &jmh::Jmh,
            ProviderKind::Bmf => &bmf::Bmf,
            ProviderKind::CustomBiggerIsBetter => &custom::BIGGER,
            ProviderKind::CustomSmallerIsBetter => &custom::SMALLER,
            ProviderKind::Catch2 => &catch2::Catch2,
            ProviderKind::CargoBench => &cargo_bench::CargoBench,
            ProviderKind::Go => &go::Go,
            ProviderKind::BenchmarkJs => &benchmarkjs::BenchmarkJs,
            ProviderKind::Pyperf => &pyperf::Pyperf,
            ProviderKind::Valgrind => &valgrind::Valgrind,
            ProviderKind::Gungraun => &gungraun::Gungraun,
        }
    }

    /// The `--provider` name.
    pub fn name(self) -> &'static str {
        self.provider().name()
    }

    /// Is this format a tool's console output (read despite bytes that are not UTF-8, which
    /// a benchmark may print), rather than a file the tool writes as JSON?
    pub fn reads_console_output(self) -> bool {
        matches!(
            self,
            ProviderKind::Catch2
                | ProviderKind::CargoBench
                | ProviderKind::Go
                | ProviderKind::BenchmarkJs
                | ProviderKind::Criterion
                | ProviderKind::Valgrind
                | ProviderKind::Gungraun
        )
    }

    /// Does this format read its input as a stream ([`Provider::parse_streamed`]), so that
    /// a file named with this provider is never held whole in memory?
    pub fn reads_lines(self) -> bool {
        matches!(
            self,
            ProviderKind::CargoBench
                | ProviderKind::Go
                | ProviderKind::BenchmarkJs
                | ProviderKind::CustomBiggerIsBetter
                | ProviderKind::CustomSmallerIsBetter
        )
    }

    /// Looks a provider up by name or [`ALIASES`] (`auto` is handled by [`load`]).
    pub fn from_name(name: &str) -> Result<ProviderKind> {
        ProviderKind::ALL
            .iter()
            .copied()
            .find(|k| k.name() == name)
            .or_else(|| ALIASES.iter().find(|a| a.0 == name).map(|a| a.1))
            .ok_or_else(|| Error::UnknownProvider {
                name: name.to_string(),
                available: names().join(", "),
            })
    }
}

/// All `--provider` names, sorted, including `auto` and the [`ALIASES`].
pub fn names() -> Vec<&'static str> {
    let mut v: Vec<&'static str> = ProviderKind::ALL.iter().map(|k| k.name()).collect();
    v.extend(ALIASES.iter().map(|a| a.0));
    v.push("auto");
    v.sort_unstable();
    v
}

/// Checks that a provider name exists (exit 2 otherwise) without reading anything.
pub fn check_name(name: &str) -> Result<()> {
    if name == "auto" {
        Ok(())
    } else {
        ProviderKind::from_name(name).map(|_| ())
    }
}

/// Picks the provider for `auto`, or explains why none fits, or why two fit (exit 3).
pub fn detect(input: &Input) -> Result<ProviderKind> {
    let claims: Vec<ProviderKind> = ProviderKind::ALL
        .iter()
        .copied()
        .filter(|k| k.provider().detect(input))
        .collect();
    // (kind, result lines) of the line formats; a structural format wins at once.
    let mut weighed: Vec<(ProviderKind, usize)> = Vec::new();
    for &k in &claims {
        match k.provider().result_lines(input) {
            None => return Ok(k),
            Some(n) => weighed.push((k, n)),
        }
    }
    // Most lines first; ties keep ALL's order (stable sort).
    weighed.sort_by_key(|w| std::cmp::Reverse(w.1));
    match weighed.as_slice() {
        [] => Err(Error::parse(
            "auto",
            &input.path,
            format!(
                "no provider recognises this {}; name one with --provider ({})",
                if input.text.is_some() {
                    "file"
                } else {
                    "folder"
                },
                names().join(", ")
            ),
        )),
        [(best, n), (second, m), ..] if *m * AMBIGUOUS_SHARE.1 >= *n * AMBIGUOUS_SHARE.0 => {
            Err(Error::parse(
                "auto",
                &input.path,
                format!(
                    "both {} ({n} result line(s)) and {} ({m}) read parts of this file; \
                     name the right one with --provider {} or --provider {}",
                    best.name(),
                    second.name(),
                    best.name(),
                    second.name()
                ),
            ))
        }
        [(best, _), ..] => Ok(*best),
    }
}

/// Loads a metrics file with the named provider (or `auto`). Returns the snapshot and the
/// provider that read it.
pub fn load(path: &Path, provider: &str) -> Result<(Snapshot, ProviderKind)> {
    load_with(path, provider, None)
}

/// Loads one Valgrind file as [`load`] does, keyed `custom.<name>` instead of by its
/// `cmd:` line (issue 16: `flameiq run --name`). A name is meaningless for every other
/// format (each names its benchmarks itself): exit 2 when the file is read, or `auto`
/// detects it, as another provider, and for an empty name.
pub fn load_named(path: &Path, provider: &str, name: &str) -> Result<(Snapshot, ProviderKind)> {
    valgrind::check_name(name)?;
    load_with(path, provider, Some(name))
}

/// [`load`], with the `--name` of [`load_named`].
fn load_with(path: &Path, provider: &str, name: Option<&str>) -> Result<(Snapshot, ProviderKind)> {
    let kind = if provider == "auto" {
        None
    } else {
        Some(ProviderKind::from_name(provider)?)
    };
    // Refused before reading the file when the provider is named.
    let check_named = |kind: ProviderKind| match name {
        Some(_) if kind != ProviderKind::Valgrind => Err(Error::Usage(format!(
            "--name keys a valgrind (cachegrind/callgrind) run, but '{}' is read by provider \
             '{}', which names each benchmark itself; drop --name (or, for a valgrind file, \
             give --provider cachegrind)",
            path.display(),
            kind.name()
        ))),
        _ => Ok(()),
    };
    if let Some(k) = kind {
        check_named(k)?;
        if k.reads_lines() {
            if let Some(snap) = load_streamed(path, k)? {
                return Ok((snap, k));
            }
        }
    }
    let input = Input::read(path)?;
    let kind = match kind {
        Some(k) => k,
        None => {
            let k = detect(&input)?;
            tracing::info!(
                "auto: reading '{}' with provider '{}'",
                path.display(),
                k.name()
            );
            check_named(k)?;
            k
        }
    };
    if let Some(bad) = input.invalid_utf8 {
        not_utf8(path, kind, bad)?;
    }
    let parsed = match name {
        Some(name) => valgrind::parse_run(&input, Some(name)),
        None => kind.provider().parse(&input),
    };
    let mut snap = parsed.map_err(|e| hint_detected_format(e, kind, &input))?;
    snap.canonicalize();
    snap.provider.set(kind.name());
    Ok((snap, kind))
}

/// A file not UTF-8: a warning for console output, else exit 3.
fn not_utf8(path: &Path, kind: ProviderKind, bad: InvalidUtf8) -> Result<()> {
    if kind.reads_console_output() {
        tracing::warn!(
            "'{}': {} byte(s) that are not UTF-8 replaced with U+FFFD (the first at offset {})",
            path.display(),
            bad.bytes,
            bad.first_offset
        );
        Ok(())
    } else {
        Err(Error::invalid(
            path,
            format!(
                "not UTF-8 text (invalid byte at offset {}); {} output must be UTF-8",
                bad.first_offset,
                kind.name()
            ),
        ))
    }
}

/// [`load`] for a line format named up front: a regular file is read line by line, never
/// whole (issue 19 item 9: the input no longer counts toward the memory a run needs).
/// `None` for anything else (a folder, a pipe), which the caller reads as before.
fn load_streamed(path: &Path, kind: ProviderKind) -> Result<Option<Snapshot>> {
    let meta = std::fs::metadata(path).map_err(|e| match e.kind() {
        std::io::ErrorKind::NotFound => Error::MetricsNotFound { path: path.into() },
        _ => Error::MetricsUnreadable {
            path: path.into(),
            source: e,
        },
    })?;
    if !meta.is_file() {
        return Ok(None);
    }
    // The UTF-8 warning comes before anything the parse says, as for a file read whole.
    if let Some(bad) = lines::scan_utf8(path)? {
        not_utf8(path, kind, bad)?;
    }
    let mut lines = Lines::open(path)?;
    let Some(parsed) = kind.provider().parse_streamed(&mut lines) else {
        return Ok(None);
    };
    let mut snap = parsed?;
    snap.canonicalize();
    snap.provider.set(kind.name());
    Ok(Some(snap))
}

/// One `--metrics` value: `[PROVIDER:]PATH`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MetricsSpec {
    /// The provider named before the colon, if any (else the command's `--provider`).
    pub provider: Option<String>,
    /// The file or folder.
    pub path: PathBuf,
}

impl MetricsSpec {
    /// Splits `go:bench.txt` into provider and path. The prefix is a provider only when it
    /// is a known provider name (or `auto`), so `C:\bench.txt`, `a:b.json` and `./go:x`
    /// are paths as written; a file really named `go:x` is given as `./go:x`.
    pub fn parse(value: &str) -> MetricsSpec {
        match value.split_once(':') {
            Some((p, path)) if !path.is_empty() && names().contains(&p) => MetricsSpec {
                provider: Some(p.to_string()),
                path: path.into(),
            },
            _ => MetricsSpec {
                provider: None,
                path: value.into(),
            },
        }
    }
}

/// What [`load_many`] does with a key that more than one file produces.
#[derive(Debug, Clone, Copy)]
pub enum SameKey<'a> {
    /// Refuse it (exit 3): the files are different tools' parts of one run (issue 11).
    Refuse,
    /// Pool it: the files are repetitions of the same benchmarks, each from its own process
    /// (`--repetitions`; see the `repetitions` module).
    Pool {
        /// `noise.warmup_runs`: samples each later process loses from its start, as
        /// `compare` drops them from the pooled run's start.
        warmup: usize,
        /// The config's `directions:`, which say which process's value is the best.
        directions: &'a crate::config::Rules<crate::schema::Direction>,
    },
}

/// Loads several metrics files (issue 11, several tools in one run), each with its own
/// provider or `default_provider`, and merges them into one snapshot: metrics in file
/// order, metadata from the first file (commit and branch from the first that has them).
/// A key produced by two files is exit 3 naming the key and both files, unless `same_key`
/// pools them ([`SameKey::Pool`]). Returns each file with the provider that read it.
pub fn load_many(
    specs: &[MetricsSpec],
    default_provider: &str,
    same_key: SameKey<'_>,
) -> Result<(Snapshot, Vec<(PathBuf, ProviderKind)>)> {
    let mut used = Vec::with_capacity(specs.len());
    // One spec: its provider (or the default), read, and noted with the provider that read it.
    let mut load_spec = |spec: &MetricsSpec| -> Result<Snapshot> {
        let provider = spec.provider.as_deref().unwrap_or(default_provider);
        let (snap, kind) = load(&spec.path, provider)?;
        used.push((spec.path.clone(), kind));
        Ok(snap)
    };
    let no_file = || Error::Usage("no metrics file given".into());
    if let SameKey::Pool { warmup, directions } = same_key {
        if specs.is_empty() {
            return Err(no_file());
        }
        let runs = specs.iter().map(load_spec).collect::<Result<Vec<_>>>()?;
        let paths: Vec<&Path> = specs.iter().map(|s| s.path.as_path()).collect();
        return Ok((repetitions::pool(runs, &paths, warmup, directions)?, used));
    }
    let mut merged: Option<Snapshot> = None;
    // key → index of the file that produced it, only needed once a second file comes.
    let mut origin: std::collections::HashMap<String, usize> = Default::default();
    for (i, spec) in specs.iter().enumerate() {
        let snap = load_spec(spec)?;
        let Some(into) = merged.as_mut() else {
            if specs.len() > 1 {
                origin.extend(snap.metrics.keys().map(|k| (k.clone(), i)));
            }
            merged = Some(snap);
            continue;
        };
        let Snapshot {
            metadata,
            metrics,
            provider,
        } = snap;
        let (metrics, metric_info) = metrics.into_parts();
        join_run_facts(into, metadata, &provider);
        for (key, value) in metrics {
            if let Some(&first) = origin.get(&key) {
                return Err(Error::invalid(
                    &spec.path,
                    format!(
                        "metric '{key}' is also produced by '{}'; each key must come from \
                         one file (rename the benchmark or drop one of the files; files \
                         that repeat the same benchmarks, one process each, are pooled with \
                         --repetitions)",
                        specs[first].path.display()
                    ),
                ));
            }
            origin.insert(key.clone(), i);
            into.metrics.insert(key, value);
        }
        // Every key is new (checked above), so the file's metric_info joins as it is.
        for (key, info) in metric_info {
            into.metrics.set_info(key, info);
        }
    }
    let mut snap = merged.ok_or_else(no_file)?;
    snap.canonicalize();
    Ok((snap, used))
}

/// What a later file of a run adds to the run's facts: its provider's name (several are
/// all named, `go + hyperfine`), and commit and branch when the files before had none.
fn join_run_facts(
    into: &mut Snapshot,
    metadata: crate::schema::Metadata,
    provider: &crate::schema::ProviderName,
) {
    if let Some(name) = provider.get() {
        let names = into.provider.get().unwrap_or_default();
        if !names.split(" + ").any(|n| n == name) {
            let joined = if names.is_empty() {
                name.to_string()
            } else {
                format!("{names} + {name}")
            };
            into.provider.set(joined);
        }
    }
    into.metadata.commit = into.metadata.commit.take().or(metadata.commit);
    into.metadata.branch = into.metadata.branch.take().or(metadata.branch);
}

/// A file that fails as schema v1 (`provider: json`, what `flameiq init` writes) but that
/// `auto` recognises as a tool's output: the error names the format and the flag, not only
/// the missing `schema_version` (issue 11 defect 8).
fn hint_detected_format(e: Error, kind: ProviderKind, input: &Input) -> Error {
    let Error::MetricsInvalid { path, reason } = e else {
        return e;
    };
    if kind != ProviderKind::Json {
        return Error::MetricsInvalid { path, reason };
    }
    match detect(input) {
        Ok(found) if found != kind => Error::MetricsInvalid {
            reason: format!(
                "{reason}; it looks like {name} output: use --provider {name} \
                 (or provider: auto in flameiq.yaml)",
                name = found.name()
            ),
            path,
        },
        _ => Error::MetricsInvalid { path, reason },
    }
}

/// Helpers shared by providers.
pub mod util {
    use crate::schema::{Direction, MetricInfo, Snapshot};
    use crate::units::Unit;

    /// The `metric_info` every provider records: unit, direction and the finite samples.
    fn info(unit: Unit, direction: Direction, samples: Vec<f64>) -> MetricInfo {
        let mut samples = samples;
        samples.retain(|s| s.is_finite());
        // Samples often arrive in a vector grown by doubling (Go's -count repeats): give the
        // slack back, as the snapshot keeps them to the end of the run.
        samples.shrink_to_fit();
        MetricInfo {
            // Interned for the common units: no String per metric (issue 19 item 9).
            unit: Some(unit),
            direction: Some(direction),
            samples,
            ..Default::default()
        }
    }

    /// Inserts a metric with its `metric_info`; non-finite values are dropped with a warning.
    pub fn put(
        snap: &mut Snapshot,
        key: String,
        value: f64,
        unit: impl Into<Unit>,
        direction: Direction,
        samples: Vec<f64>,
    ) {
        if !snap.insert(key.clone(), value) {
            tracing::warn!("dropping metric '{key}': value {value} is not a finite number");
            return;
        }
        snap.metrics
            .set_info(key, info(unit.into(), direction, samples));
    }

    /// Like [`put`], but never replaces: a key already present gets the next free `#n`
    /// suffix (see [`unique_key`]), so duplicate names are kept, deterministically.
    pub fn put_new(
        snap: &mut Snapshot,
        seen: &mut Suffixes,
        key: String,
        value: f64,
        unit: impl Into<Unit>,
        direction: Direction,
        samples: Vec<f64>,
    ) {
        let Some(number) = serde_json::Number::from_f64(value) else {
            tracing::warn!("dropping metric '{key}': value {value} is not a finite number");
            return;
        };
        let info = info(unit.into(), direction, samples);
        // One hash lookup in the common (new key) case.
        if let Err(taken) = snap.metrics.insert_new(key, number, info) {
            let (base, number, info) = *taken;
            let key = unique_key(snap, seen, base);
            snap.metrics.insert_with_info(key, number, info);
        }
    }

    /// A finite number as the tools print it: `1,234.5`, `1234`, `3.4e-2` (thousands
    /// separators dropped). `None` for anything else.
    pub fn num(s: &str) -> Option<f64> {
        // `str::trim`, ASCII cut byte by byte (issue 16).
        let s = super::lines::trim(s);
        if let Some(v) = integer(s) {
            return Some(v);
        }
        let v: f64 = if s.contains(',') {
            // Thousands separators are on every line of libtest and benchmark.js output:
            // drop them in a stack buffer rather than allocating a String per number.
            let mut buf = [0u8; 64];
            let mut n = 0;
            for b in s.bytes().filter(|b| *b != b',') {
                match buf.get_mut(n) {
                    Some(slot) => *slot = b,
                    // Longer than any real number: parse it the allocating way.
                    None => return num(&s.replace(',', "")),
                }
                n += 1;
            }
            std::str::from_utf8(buf.get(..n)?).ok()?.parse().ok()?
        } else {
            s.parse().ok()?
        };
        v.is_finite().then_some(v)
    }

    /// The fast path of [`num`]: digits and thousands separators only (`1,234`, `98765`),
    /// at most 19 digits, which is most numbers libtest and benchmark.js print. A `u64`
    /// converted to `f64` rounds to the nearest double, which is what parsing the same
    /// decimal gives, so the value is the same to the bit; anything else is `None` and
    /// goes the general way.
    fn integer(s: &str) -> Option<f64> {
        let (mut v, mut digits) = (0u64, 0u32);
        for b in s.bytes() {
            match b {
                b'0'..=b'9' => {
                    v = v * 10 + u64::from(b - b'0');
                    digits += 1;
                    if digits > 19 {
                        return None;
                    }
                }
                b',' => {}
                _ => return None,
            }
        }
        (digits > 0).then_some(v as f64)
    }

    /// Stores a value measured in `unit` under a new key (as [`put_new`]: a duplicate name
    /// gets `#2`): a time (`ns`, `us`, `ms`, `s`) is converted to milliseconds and is lower
    /// is better unless `direction` says otherwise; any other unit is kept as is, with
    /// `direction` (or, when `None`, the unit's own direction, see [`Unit::direction`]).
    pub fn put_measure(
        snap: &mut Snapshot,
        seen: &mut Suffixes,
        key: String,
        value: f64,
        unit: &str,
        direction: Option<Direction>,
        samples: Vec<f64>,
    ) {
        let parsed = Unit::new(unit);
        match parsed.time() {
            Some(t) => put_new(
                snap,
                seen,
                key,
                t.to_ms(value),
                Unit::MS,
                direction.unwrap_or(Direction::LowerIsBetter),
                samples.into_iter().map(|s| t.to_ms(s)).collect(),
            ),
            None => put_new(
                snap,
                seen,
                key,
                value,
                parsed.clone(),
                direction.unwrap_or_else(|| parsed.direction()),
                samples,
            ),
        }
    }

    /// Is the first non-blank character of `text` `c`? (the cheap JSON sniff)
    pub fn starts_with_char(text: &str, c: char) -> bool {
        text.trim_start_matches(['\u{feff}', ' ', '\t', '\r', '\n'])
            .starts_with(c)
    }

    /// Makes room for about `n` more metrics at once: for files with 10^5 benchmarks,
    /// growing the maps one doubling at a time dominated the parse time.
    pub fn reserve(snap: &mut Snapshot, n: usize) {
        // Bounded so a huge, mostly irrelevant file does not reserve gigabytes.
        let n = n.min(1 << 18);
        snap.metrics.reserve(n);
    }

    /// Where [`unique_key`] resumes probing for each duplicated base name, so `k`
    /// duplicates of one name cost `O(k)` probes in all rather than `O(k²)` (issue 19
    /// item 7: 32,000 duplicates took a minute). One per parse, used with one snapshot.
    #[derive(Debug, Default)]
    pub struct Suffixes(std::collections::HashMap<String, u64, crate::schema::FastHash>);

    /// A key not yet used in `snap`: `base`, else `base#2`, `base#3`, ... (deterministic:
    /// the smallest free number, whatever the probing hint in `seen` says).
    pub fn unique_key(snap: &Snapshot, seen: &mut Suffixes, base: String) -> String {
        if !snap.metrics.contains_key(&base) {
            return base;
        }
        // Keys are never removed during a parse, so every number below the one handed out
        // last time is still taken. Resuming at that number itself (not after it) keeps the
        // result exact when the caller did not store the key (a non-finite value).
        let mut i = seen.0.get(&base).copied().unwrap_or(2);
        let key = loop {
            let k = format!("{base}#{i}");
            if !snap.metrics.contains_key(&k) {
                break k;
            }
            i += 1;
        };
        seen.0.insert(base, i);
        key
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_with_thousands_separators_of_any_length() {
        assert_eq!(util::num("1,234.5"), Some(1234.5));
        assert_eq!(util::num(" 18,149 "), Some(18149.0));
        // Longer than the stack buffer: still read, as before it existed.
        let long = "1,000".repeat(20);
        let want: f64 = long.replace(',', "").parse().unwrap();
        assert_eq!(util::num(&long), Some(want));
        assert_eq!(util::num("1,2x"), None);
    }

    #[test]
    fn issue16_integers_read_fast_are_the_parsers_doubles() {
        // Every integer of up to 19 digits must give the bits `str::parse` gives, above
        // 2^53 too (where doubles are sparser than integers and rounding happens).
        let mut x: u64 = 0x9E37_79B9_7F4A_7C15;
        let mut cases: Vec<u64> = vec![0, 1, 9, 10, (1 << 53) - 1, 1 << 53, (1 << 53) + 1];
        cases.extend([
            (1 << 54) + 3,
            9_999_999_999_999_999_999,
            1_000_000_000_000_000_000,
        ]);
        for _ in 0..20_000 {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            cases.push(x % 10u64.pow((x >> 59) as u32 % 19 + 1));
        }
        for v in cases {
            let text = v.to_string();
            let want: f64 = text.parse().unwrap();
            assert_eq!(
                util::num(&text).map(f64::to_bits),
                Some(want.to_bits()),
                "{text}"
            );
            let grouped: String = text
                .chars()
                .rev()
                .enumerate()
                .flat_map(|(i, c)| (i > 0 && i % 3 == 0).then_some(',').into_iter().chain([c]))
                .collect::<Vec<_>>()
                .into_iter()
                .rev()
                .collect();
            assert_eq!(
                util::num(&grouped).map(f64::to_bits),
                Some(want.to_bits()),
                "{grouped}"
            );
        }
        // Twenty digits, signs and empties go the general way.
        assert_eq!(
            util::num("12345678901234567890"),
            Some(12_345_678_901_234_567_890.0)
        );
        assert_eq!(util::num("-12"), Some(-12.0));
        assert_eq!(util::num("+7"), Some(7.0));
        assert_eq!(util::num(","), None);
        assert_eq!(util::num(""), None);
    }

    #[test]
    fn unknown_provider_is_exit_2_and_lists_names() {
        let e = ProviderKind::from_name("nope").unwrap_err();
        assert_eq!(e.exit_code(), 2);
        assert!(e.to_string().contains("pytest-benchmark"), "{e}");
    }

    #[test]
    fn missing_file_is_exit_3() {
        let e = load(Path::new("/nonexistent/m.json"), "json").unwrap_err();
        assert_eq!(e.exit_code(), 3);
        assert!(e.to_string().contains("/nonexistent/m.json"));
    }
}
