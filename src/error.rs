//! The one error type of FlameIQ and the exit-code table.
//!
//! Every failure a command can meet is a variant of [`Error`], and every variant knows its
//! exit code ([`Error::exit_code`]). The binary prints the message (one line, lowercase,
//! naming the file or value and, where one exists, the fix) and exits with that code.
//!
//! | code | meaning |
//! |---|---|
//! | 0 | pass: no regression, or a non-comparison command succeeded |
//! | 1 | regression (only with fail-on-regression, the default) |
//! | 2 | configuration or baseline error (bad `flameiq.yaml`, bad `--threshold`, no baseline, corrupt store, unknown provider) |
//! | 3 | metrics file invalid or unreadable (missing, not JSON, wrong schema, no metrics, provider cannot parse); likewise a result file given to `flameiq comment` |

use std::path::PathBuf;

/// Exit code: pass, or a non-comparison command succeeded.
pub const EXIT_OK: i32 = 0;
/// Exit code: one or more metrics regressed (with fail-on-regression).
pub const EXIT_REGRESSION: i32 = 1;
/// Exit code: configuration or baseline error.
pub const EXIT_CONFIG: i32 = 2;
/// Exit code: metrics file invalid or unreadable.
pub const EXIT_METRICS: i32 = 3;

/// Everything that can go wrong in FlameIQ.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// The metrics file does not exist or cannot be read.
    #[error("metrics file not found: '{}'", path.display())]
    MetricsNotFound {
        /// The path given.
        path: PathBuf,
    },
    /// The metrics file could not be read (permissions, a directory, ...).
    #[error("cannot read metrics file '{}': {source}", path.display())]
    MetricsUnreadable {
        /// The path given.
        path: PathBuf,
        /// The I/O error.
        source: std::io::Error,
    },
    /// The metrics file was read but its content is invalid for the chosen provider.
    #[error("invalid metrics file '{}': {reason}", path.display())]
    MetricsInvalid {
        /// The path given.
        path: PathBuf,
        /// What is wrong, naming the field or line.
        reason: String,
    },
    /// A provider could not parse the file in its tool's format.
    #[error("provider '{provider}' cannot read '{}': {reason}", path.display())]
    ProviderParse {
        /// The provider name.
        provider: String,
        /// The path given.
        path: PathBuf,
        /// What the provider expected and did not find.
        reason: String,
    },
    /// A saved result document (`flameiq comment --result`) that is missing, unreadable or
    /// not a result document.
    #[error("cannot use result file '{}': {reason}", path.display())]
    ResultFile {
        /// The path given.
        path: PathBuf,
        /// What is wrong, with the fix where there is one.
        reason: String,
    },
    /// An unknown `--provider` name.
    #[error("unknown provider '{name}' (available: {available}); see 'flameiq validate --list-providers'")]
    UnknownProvider {
        /// The name given.
        name: String,
        /// Comma-separated list of known providers.
        available: String,
    },
    /// `flameiq.yaml` exists but is malformed or has an invalid value.
    #[error("invalid config '{}': {reason}", path.display())]
    Config {
        /// The config path.
        path: PathBuf,
        /// What is wrong.
        reason: String,
    },
    /// A `--threshold` or config threshold that does not parse.
    #[error("invalid threshold '{value}' for '{key}': {reason}")]
    Threshold {
        /// The metric key or pattern.
        key: String,
        /// The raw value.
        value: String,
        /// Why it is invalid.
        reason: String,
    },
    /// A bad command-line value not covered by a more specific variant.
    #[error("{0}")]
    Usage(String),
    /// No baseline is stored yet.
    #[error("no baseline found at '{}'; run: flameiq baseline set --metrics <file>", path.display())]
    NoBaseline {
        /// Where the baseline was expected.
        path: PathBuf,
    },
    /// The store holds a baseline that cannot be read.
    #[error("baseline at '{}' is corrupted: {reason}", path.display())]
    BaselineCorrupted {
        /// The corrupted file.
        path: PathBuf,
        /// What is wrong.
        reason: String,
    },
    /// A baseline strategy cannot produce a baseline (e.g. no snapshot has the tag).
    #[error("{0}")]
    Baseline(String),
    /// No key of the current run is in the baseline: nothing was compared, which must not
    /// read as a pass (a renamed benchmark, the wrong provider).
    #[error("nothing to compare: no metric of the current run is in the baseline (baseline: {baseline}; current run: {current}); check --provider and the benchmark names, or record a new baseline with 'flameiq baseline set'")]
    NothingCompared {
        /// A few baseline keys, quoted ("'a', 'b' and 3 more").
        baseline: String,
        /// A few current keys, quoted.
        current: String,
    },
    /// Reading or writing the `.flameiq/` store failed.
    #[error("storage error at '{}': {source}", path.display())]
    Storage {
        /// The file or folder.
        path: PathBuf,
        /// The I/O error.
        source: std::io::Error,
    },
    /// A store backend other than the folder (e.g. `github`) could not be read or written.
    #[error("store '{store}': {reason}")]
    Store {
        /// The store, as its URL.
        store: String,
        /// What went wrong, with the fix where there is one.
        reason: String,
    },
    /// Writing an output artefact (report, result JSON, JUnit, ...) failed.
    #[error("cannot write '{}': {source}", path.display())]
    Output {
        /// The output path.
        path: PathBuf,
        /// The I/O error.
        source: std::io::Error,
    },
    /// A template failed to render (a bug in a template, never user input).
    #[error("cannot render {name}: {reason}")]
    Render {
        /// The template name.
        name: String,
        /// The template engine's message.
        reason: String,
    },
    /// A CI integration failed in a way that must stop the run (not a comment failure,
    /// which is only a warning).
    #[error("{0}")]
    Ci(String),
    /// The PostgreSQL store cannot be reached, refused the login or an operation (issue 15).
    #[error("postgres store {url}: {reason}")]
    Database {
        /// The store URL without its password.
        url: String,
        /// What failed, in one line, with the fix where there is one.
        reason: String,
    },
}

impl Error {
    /// The documented exit code for this error.
    pub fn exit_code(&self) -> i32 {
        match self {
            Error::MetricsNotFound { .. }
            | Error::MetricsUnreadable { .. }
            | Error::MetricsInvalid { .. }
            | Error::ProviderParse { .. }
            | Error::ResultFile { .. } => EXIT_METRICS,
            Error::UnknownProvider { .. }
            | Error::Config { .. }
            | Error::Threshold { .. }
            | Error::Usage(_)
            | Error::NoBaseline { .. }
            | Error::BaselineCorrupted { .. }
            | Error::Baseline(_)
            | Error::NothingCompared { .. }
            | Error::Storage { .. }
            | Error::Store { .. }
            | Error::Output { .. }
            | Error::Render { .. }
            | Error::Ci(_)
            | Error::Database { .. } => EXIT_CONFIG,
        }
    }

    /// Shorthand for [`Error::MetricsInvalid`].
    pub fn invalid(path: impl Into<PathBuf>, reason: impl Into<String>) -> Self {
        Error::MetricsInvalid {
            path: path.into(),
            reason: reason.into(),
        }
    }

    /// Shorthand for [`Error::ProviderParse`].
    pub fn parse(
        provider: impl Into<String>,
        path: impl Into<PathBuf>,
        reason: impl Into<String>,
    ) -> Self {
        Error::ProviderParse {
            provider: provider.into(),
            path: path.into(),
            reason: reason.into(),
        }
    }
}

/// FlameIQ's result type.
pub type Result<T, E = Error> = std::result::Result<T, E>;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn metrics_errors_are_exit_3_and_config_errors_exit_2() {
        assert_eq!(Error::invalid("m.json", "x").exit_code(), 3);
        assert_eq!(
            Error::MetricsNotFound {
                path: "m.json".into()
            }
            .exit_code(),
            3
        );
        assert_eq!(
            Error::NoBaseline {
                path: ".flameiq".into()
            }
            .exit_code(),
            2
        );
        assert_eq!(Error::Usage("bad".into()).exit_code(), 2);
    }

    #[test]
    fn messages_name_the_path() {
        let e = Error::invalid("bench/out.json", "'metrics' is empty");
        assert_eq!(
            e.to_string(),
            "invalid metrics file 'bench/out.json': 'metrics' is empty"
        );
    }
}
