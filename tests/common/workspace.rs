//! A scratch workspace with the two metrics files the CI suites compare (`base.json`, a
//! baseline; `pr.json`, a regression), and what one run of the binary left behind.
//! `tests/action.rs` and `tests/comment.rs` add their own ways of running `flameiq` in it
//! (`impl Ws` in each suite).

use super::fake_github::TOKEN;
use std::path::Path;
use std::process::Output;

/// The baseline run of the CI suites.
pub const BASE_METRICS: &str = r#"{"schema_version": 1,
 "metadata": {"commit": "6113728f27ae82c7b1a177c8d03f9e96e0adf246", "branch": "main", "environment": "ci", "timestamp": "2026-11-28T10:00:00", "run_id": "base", "tags": {}},
 "metrics": {"latency": {"mean": 100.0, "p95": 150.0}, "throughput": 1000.0, "custom": {"parse_ms": 10.0}}}"#;
/// p95 +40 % (regression), mean +9.5 % (warning with the default margin), the rest flat.
pub const PR_METRICS: &str = r#"{"schema_version": 1,
 "metadata": {"commit": "ec26c3e57ca3a959ca5aad62de7213c562f8c821", "branch": "changes", "environment": "ci", "timestamp": "2026-11-28T11:00:00", "run_id": "pr", "tags": {}},
 "metrics": {"latency": {"mean": 109.5, "p95": 210.0}, "throughput": 1000.0, "custom": {"parse_ms": 10.0}}}"#;

/// A temporary directory holding `base.json` and `pr.json`.
pub struct Ws {
    pub dir: tempfile::TempDir,
}

impl Ws {
    /// A fresh directory with [`BASE_METRICS`] and [`PR_METRICS`] written.
    pub fn with_metrics() -> Ws {
        let w = Ws {
            dir: tempfile::tempdir().unwrap(),
        };
        std::fs::write(w.path().join("base.json"), BASE_METRICS).unwrap();
        std::fs::write(w.path().join("pr.json"), PR_METRICS).unwrap();
        w
    }

    pub fn path(&self) -> &Path {
        self.dir.path()
    }
}

/// One run of the binary: exit code, streams, and the job summary and step outputs it
/// wrote (empty when the suite gives it none).
pub struct Run {
    pub code: i32,
    pub stdout: String,
    pub stderr: String,
    pub summary: String,
    pub outputs: String,
}

impl Run {
    /// The run from the process's output and the files at `summary` and `outputs`.
    pub fn read(out: &Output, summary: Option<&Path>, outputs: &Path) -> Run {
        Run {
            code: out.status.code().unwrap_or(-1),
            stdout: String::from_utf8_lossy(&out.stdout).into(),
            stderr: String::from_utf8_lossy(&out.stderr).into(),
            summary: summary
                .and_then(|p| std::fs::read_to_string(p).ok())
                .unwrap_or_default(),
            outputs: std::fs::read_to_string(outputs).unwrap_or_default(),
        }
    }

    /// The last value written for step output `name`.
    pub fn output(&self, name: &str) -> Option<String> {
        parse_outputs(&self.outputs)
            .into_iter()
            .rev()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v)
    }

    /// The `comment-url` step output.
    pub fn comment_url(&self) -> Option<String> {
        self.output("comment-url")
    }

    /// Neither the token nor a part of it appears in anything the run wrote.
    pub fn assert_no_token(&self) {
        for (what, text) in [
            ("stdout", &self.stdout),
            ("stderr", &self.stderr),
            ("summary", &self.summary),
            ("outputs", &self.outputs),
        ] {
            assert!(!text.contains(TOKEN), "token leaked in {what}:\n{text}");
            assert!(
                !text.contains("TESTTOKEN"),
                "token part leaked in {what}:\n{text}"
            );
        }
    }

    /// stdout then stderr.
    pub fn all(&self) -> String {
        format!("{}{}", self.stdout, self.stderr)
    }
}

/// `$GITHUB_OUTPUT` lines, single-line and heredoc forms.
pub fn parse_outputs(text: &str) -> Vec<(String, String)> {
    let mut out = vec![];
    let mut lines = text.lines();
    while let Some(l) = lines.next() {
        if let Some((k, delim)) = l.split_once("<<") {
            let mut v = vec![];
            for l in lines.by_ref() {
                if l == delim {
                    break;
                }
                v.push(l);
            }
            out.push((k.to_string(), v.join("\n")));
        } else if let Some((k, v)) = l.split_once('=') {
            out.push((k.to_string(), v.to_string()));
        }
    }
    out
}
