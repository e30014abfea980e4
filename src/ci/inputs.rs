//! The GitHub Action's inputs: the ONLY module that reads `INPUT_<NAME>` variables.
//!
//! The runner passes each `with:` input of a Docker action as `INPUT_<NAME>` where `<NAME>`
//! is the input name upper-cased with hyphens kept (`github-token` → `INPUT_GITHUB-TOKEN`).
//! An empty value means "unset" (the runner passes every declared input, empty when the
//! workflow gave none and `action.yml` has no default), so every field here is an
//! `Option` and defaults are applied by `flameiq ci` (`cli/ci.rs`) after merging with the
//! flags.
//!
//! The token is held in a [`Secret`] ([`super::http`]), whose `Debug` and `Display` never
//! show it.

use super::http::Secret;
use crate::config::{self, Rules, Threshold};
use crate::error::{Error, Result};

/// Every input of `action.yml`, as given (None = unset or empty).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Inputs {
    /// `metrics` (required in the Action): one file per line (each `PATH` or
    /// `PROVIDER:PATH`), which `flameiq ci` takes as repeated `--metrics`; see
    /// [`Inputs::metrics_list`].
    pub metrics: Option<String>,
    /// `repetitions` (default `false`): the `metrics` files are repetitions of the same
    /// benchmarks, pooled key by key.
    pub repetitions: Option<String>,
    /// `provider` (default `auto`).
    pub provider: Option<String>,
    /// `mode`: `auto` | `compare` | `baseline`.
    pub mode: Option<String>,
    /// `fail-on-regression` (default `true`).
    pub fail_on_regression: Option<String>,
    /// `thresholds`: multi-line `key=value`.
    pub thresholds: Option<String>,
    /// `config`.
    pub config: Option<String>,
    /// `environment`.
    pub environment: Option<String>,
    /// `dir` (default `.flameiq`).
    pub dir: Option<String>,
    /// `github-token` (default `${{ github.token }}` in `action.yml`).
    pub github_token: Option<Secret>,
    /// `comment`: `always` | `on-regression` | `never`.
    pub comment: Option<String>,
    /// `summary` (default `true`).
    pub summary: Option<String>,
    /// `report` (default `flameiq-report.html`, see `flameiq ci`).
    pub report: Option<String>,
    /// `annotations` (default `true`).
    pub annotations: Option<String>,
    /// `check` (default `true`): write the check run ([`super::checks`]).
    pub check: Option<String>,
    /// `accept-label` (default `flameiq:accept`): the PR/MR label that accepts regressions.
    pub accept_label: Option<String>,
    /// `store` (default `github` in `action.yml`): where the history lives (a store URL,
    /// see `flameiq::store`).
    pub store: Option<String>,
}

/// The input names, as in `action.yml`.
pub const NAMES: &[&str] = &[
    "metrics",
    "repetitions",
    "provider",
    "mode",
    "fail-on-regression",
    "thresholds",
    "config",
    "environment",
    "dir",
    "github-token",
    "comment",
    "summary",
    "report",
    "annotations",
    "accept-label",
    "store",
    "check",
];

/// The variable the runner sets for an input: `INPUT_` + upper-cased name, hyphens kept.
pub fn var_name(input: &str) -> String {
    format!("INPUT_{}", input.to_ascii_uppercase())
}

impl Inputs {
    /// Reads the inputs through `get` (usually `std::env::var`), trimming whitespace around
    /// single-line values; empty means unset.
    pub fn from_env(get: &dyn Fn(&str) -> Option<String>) -> Inputs {
        let read = |name: &str| -> Option<String> {
            let v = get(&var_name(name))?;
            // Multi-line `thresholds` and `metrics` keep their lines; the rest are single
            // values.
            let v = if name == "thresholds" || name == "metrics" {
                v
            } else {
                v.trim().to_string()
            };
            (!v.trim().is_empty()).then_some(v)
        };
        Inputs {
            metrics: read("metrics"),
            repetitions: read("repetitions"),
            provider: read("provider"),
            mode: read("mode"),
            fail_on_regression: read("fail-on-regression"),
            thresholds: read("thresholds"),
            config: read("config"),
            environment: read("environment"),
            dir: read("dir"),
            github_token: read("github-token").map(Secret::new),
            comment: read("comment"),
            summary: read("summary"),
            report: read("report"),
            annotations: read("annotations"),
            check: read("check"),
            accept_label: read("accept-label"),
            store: read("store"),
        }
    }

    /// The `metrics` input as a list: one entry per non-blank line, trimmed (a single line
    /// is one file, as before). Each entry is what one `--metrics` flag takes.
    pub fn metrics_list(&self) -> Vec<String> {
        self.metrics
            .as_deref()
            .map(|m| {
                m.lines()
                    .map(str::trim)
                    .filter(|l| !l.is_empty())
                    .map(str::to_string)
                    .collect()
            })
            .unwrap_or_default()
    }
}

/// `mode`: what `flameiq ci` does.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    /// Decide from the event: default branch push → baseline, otherwise compare.
    Auto,
    /// Always compare.
    Compare,
    /// Always set the baseline.
    Baseline,
}

impl Mode {
    /// Parses `auto` | `compare` | `baseline`.
    pub fn parse(s: &str) -> Result<Mode> {
        match s.trim().to_ascii_lowercase().as_str() {
            "auto" => Ok(Mode::Auto),
            "compare" => Ok(Mode::Compare),
            "baseline" => Ok(Mode::Baseline),
            other => Err(Error::Usage(format!(
                "invalid mode '{other}': expected auto, compare or baseline"
            ))),
        }
    }
}

/// `comment`: when to write the PR comment.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CommentPolicy {
    /// Create or update the comment on every PR run.
    Always,
    /// Create it only when something regressed; an existing one is still updated (so it
    /// never shows a stale regression).
    OnRegression,
    /// Never call the API.
    Never,
}

impl CommentPolicy {
    /// Parses `always` | `on-regression` | `never`.
    pub fn parse(s: &str) -> Result<CommentPolicy> {
        match s.trim().to_ascii_lowercase().as_str() {
            "always" => Ok(CommentPolicy::Always),
            "on-regression" => Ok(CommentPolicy::OnRegression),
            "never" => Ok(CommentPolicy::Never),
            other => Err(Error::Usage(format!(
                "invalid comment '{other}': expected always, on-regression or never"
            ))),
        }
    }
}

/// Parses a boolean input the way GitHub's YAML 1.2 core schema spells booleans
/// (`true`/`false`, any case), plus `yes`/`no`/`1`/`0` for shell users.
pub fn parse_bool(name: &str, s: &str) -> Result<bool> {
    match s.trim().to_ascii_lowercase().as_str() {
        "true" | "yes" | "1" | "on" => Ok(true),
        "false" | "no" | "0" | "off" => Ok(false),
        other => Err(Error::Usage(format!(
            "invalid {name} '{other}': expected true or false"
        ))),
    }
}

/// Parses the multi-line `thresholds` input: one `key=value` per line, blank lines and
/// `#` comments ignored; the first bad line fails with exit 2.
pub fn parse_thresholds(text: &str) -> Result<Rules<Threshold>> {
    let mut rules = Rules::default();
    for item in text
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty() && !l.starts_with('#'))
    {
        let (k, t) = config::parse_threshold_flag(item)?;
        rules.insert(k, t);
    }
    Ok(rules)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ci::context::env_of as env;

    #[test]
    fn hyphenated_names_are_kept_and_empty_means_unset() {
        let e = env(&[
            ("INPUT_METRICS", " bench.json "),
            ("INPUT_GITHUB-TOKEN", "ghs_secret"),
            ("INPUT_FAIL-ON-REGRESSION", "false"),
            ("INPUT_PROVIDER", ""),
            ("INPUT_COMMENT", "   "),
            ("INPUT_THRESHOLDS", "latency.p95=5%\n\nthroughput=10%\n"),
        ]);
        let i = Inputs::from_env(&|k| e.get(k).cloned());
        assert_eq!(i.metrics_list(), vec!["bench.json"]);
        assert_eq!(i.fail_on_regression.as_deref(), Some("false"));
        assert_eq!(i.provider, None);
        assert_eq!(i.comment, None);
        assert_eq!(i.github_token.as_ref().unwrap().expose(), "ghs_secret");
        assert_eq!(var_name("fail-on-regression"), "INPUT_FAIL-ON-REGRESSION");
        let rules = parse_thresholds(i.thresholds.as_deref().unwrap()).unwrap();
        assert_eq!(rules.iter().count(), 2);
    }

    #[test]
    fn metrics_input_takes_one_file_per_line() {
        let e = env(&[("INPUT_METRICS", "  go:bench.txt\n\n hyperfine:cli.json \n")]);
        let i = Inputs::from_env(&|k| e.get(k).cloned());
        assert_eq!(i.metrics_list(), vec!["go:bench.txt", "hyperfine:cli.json"]);
        let e = env(&[("INPUT_METRICS", " bench.json ")]);
        assert_eq!(
            Inputs::from_env(&|k| e.get(k).cloned()).metrics_list(),
            vec!["bench.json"]
        );
        assert!(Inputs::default().metrics_list().is_empty());
    }

    #[test]
    fn the_token_never_shows_in_debug_or_display() {
        let i = Inputs {
            github_token: Some(Secret::new("ghs_abcdef")),
            ..Inputs::default()
        };
        let dbg = format!("{i:?}");
        assert!(!dbg.contains("ghs_abcdef"), "{dbg}");
        assert_eq!(format!("{}", Secret::new("x")), "***");
        assert_eq!(
            Secret::new("tok").redact("Bearer tok failed"),
            "Bearer *** failed"
        );
    }

    #[test]
    fn bad_values_are_usage_errors_naming_the_input() {
        let e = parse_bool("fail-on-regression", "maybe").unwrap_err();
        assert_eq!(e.exit_code(), 2);
        assert!(e.to_string().contains("fail-on-regression"));
        assert!(Mode::parse("dry").is_err());
        assert_eq!(
            CommentPolicy::parse("On-Regression").unwrap(),
            CommentPolicy::OnRegression
        );
        assert!(parse_thresholds("latency.p95").is_err());
        assert!(parse_thresholds("# only a comment\n").unwrap().is_empty());
    }
}
