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
//! `auto` asks each provider's cheap [`Provider::detect`] in [`ProviderKind::ALL`] order and
//! uses the first that claims the input.

mod json;
mod pytest_benchmark;

use crate::error::{Error, Result};
use crate::schema::Snapshot;
use std::path::{Path, PathBuf};

/// What a provider reads: a file's text, or a folder (e.g. `target/criterion`).
#[derive(Debug)]
pub struct Input {
    /// The path given by the user.
    pub path: PathBuf,
    /// The file's text; `None` for a folder.
    pub text: Option<String>,
}

impl Input {
    /// Reads `path`: missing → exit 3 "not found"; a folder → `text: None`; non-UTF-8 → exit 3.
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
            });
        }
        let bytes = std::fs::read(path).map_err(|e| Error::MetricsUnreadable {
            path: path.into(),
            source: e,
        })?;
        let text = String::from_utf8(bytes).map_err(|e| {
            Error::invalid(
                path,
                format!(
                    "not UTF-8 text (invalid byte at offset {})",
                    e.utf8_error().valid_up_to()
                ),
            )
        })?;
        Ok(Input {
            path: path.into(),
            text: Some(text),
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
}

/// Every provider FlameIQ knows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ProviderKind {
    /// Schema v1 JSON (flameiq-core's format).
    Json,
    /// pytest-benchmark `--benchmark-json`.
    PytestBenchmark,
}

impl ProviderKind {
    /// All providers, in `auto` detection order (most specific first).
    pub const ALL: &'static [ProviderKind] = &[ProviderKind::Json, ProviderKind::PytestBenchmark];

    /// The implementation.
    pub fn provider(self) -> &'static dyn Provider {
        match self {
            ProviderKind::Json => &json::Json,
            ProviderKind::PytestBenchmark => &pytest_benchmark::PytestBenchmark,
        }
    }

    /// The `--provider` name.
    pub fn name(self) -> &'static str {
        self.provider().name()
    }

    /// Looks a provider up by name (`auto` is handled by [`load`]).
    pub fn from_name(name: &str) -> Result<ProviderKind> {
        ProviderKind::ALL
            .iter()
            .copied()
            .find(|k| k.name() == name)
            .ok_or_else(|| Error::UnknownProvider {
                name: name.to_string(),
                available: names().join(", "),
            })
    }
}

/// All `--provider` names, sorted, including `auto`.
pub fn names() -> Vec<&'static str> {
    let mut v: Vec<&'static str> = ProviderKind::ALL.iter().map(|k| k.name()).collect();
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

/// Picks the provider for `auto`, or explains why none fits (exit 3).
pub fn detect(input: &Input) -> Result<ProviderKind> {
    ProviderKind::ALL
        .iter()
        .copied()
        .find(|k| k.provider().detect(input))
        .ok_or_else(|| {
            Error::parse(
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
            )
        })
}

/// Loads a metrics file with the named provider (or `auto`). Returns the snapshot and the
/// provider that read it.
pub fn load(path: &Path, provider: &str) -> Result<(Snapshot, ProviderKind)> {
    let kind = if provider == "auto" {
        None
    } else {
        Some(ProviderKind::from_name(provider)?)
    };
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
            k
        }
    };
    let mut snap = kind.provider().parse(&input)?;
    snap.canonicalize();
    Ok((snap, kind))
}

/// Helpers shared by providers.
pub mod util {
    use crate::schema::{Direction, MetricInfo, Snapshot};

    /// Milliseconds per one of the unit: `ns`, `us`/`µs`, `ms`, `s`.
    pub fn ms_per(unit: &str) -> Option<f64> {
        match unit.trim() {
            "ns" => Some(1e-6),
            "us" | "µs" | "μs" => Some(1e-3),
            "ms" => Some(1.0),
            "s" | "sec" => Some(1e3),
            _ => None,
        }
    }

    /// Inserts a metric with its `metric_info`; non-finite values are dropped with a warning.
    pub fn put(
        snap: &mut Snapshot,
        key: String,
        value: f64,
        unit: &str,
        direction: Direction,
        samples: Vec<f64>,
    ) {
        if !snap.insert(key.clone(), value) {
            tracing::warn!("dropping metric '{key}': value {value} is not a finite number");
            return;
        }
        snap.metric_info.insert(
            key,
            MetricInfo {
                unit: Some(unit.to_string()),
                direction: Some(direction),
                samples: samples.into_iter().filter(|s| s.is_finite()).collect(),
            },
        );
    }

    /// A key not yet used in `snap`: `base`, else `base#2`, `base#3`, ... (deterministic).
    pub fn unique_key(snap: &Snapshot, base: String) -> String {
        if !snap.metrics.contains_key(&base) {
            return base;
        }
        (2..)
            .map(|i| format!("{base}#{i}"))
            .find(|k| !snap.metrics.contains_key(k))
            .expect("an unused suffix exists")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

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
