//! The `github` backend: the history on a data branch of a GitHub repository.

use super::{Dump, Store};
use crate::error::{Error, Result};
use crate::schema::Snapshot;
use std::fmt;
use std::path::Path;

/// Which repository and branch (`github:OWNER/REPO@BRANCH`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Target {
    /// `OWNER/REPO`; `None`: this repository (`GITHUB_REPOSITORY`).
    pub repo: Option<String>,
    /// The data branch.
    pub branch: String,
}

impl fmt::Display for Target {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.repo {
            Some(r) => write!(f, "github:{r}@{}", self.branch),
            None => write!(f, "github:@{}", self.branch),
        }
    }
}

/// Checks `OWNER/REPO`: two parts of letters, digits, `.`, `_` and `-`.
pub fn check_repo(repo: &str) -> std::result::Result<String, String> {
    let part_ok = |p: &str| {
        !p.is_empty()
            && p.len() <= 100
            && p != "."
            && p != ".."
            && p.chars()
                .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-'))
    };
    match repo.split_once('/') {
        Some((o, r)) if part_ok(o) && part_ok(r) => Ok(repo.to_string()),
        _ => Err(format!(
            "'{}' is not OWNER/REPO (letters, digits, '.', '_' and '-')",
            repo.escape_debug()
        )),
    }
}

/// Checks a branch name: git's rules, narrowed to letters, digits, `.`, `_`, `-` and `/`.
pub fn check_branch(b: &str) -> std::result::Result<(), String> {
    let ok = !b.is_empty()
        && b.len() <= 200
        && b.chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-' | '/'))
        && !b.starts_with(['-', '/', '.'])
        && !b.ends_with(['/', '.'])
        && !b.ends_with(".lock")
        && !b.contains("..")
        && !b.contains("//")
        && !b.contains("/.");
    if ok {
        Ok(())
    } else {
        Err(format!(
            "'{}' is not a usable branch name (letters, digits, '.', '_', '-' and '/', no '..')",
            b.escape_debug()
        ))
    }
}

/// One environment of a `github` store.
#[derive(Debug)]
pub struct GitHubStore {
    target: Target,
}

impl GitHubStore {
    /// Opens environment `env` of `target`.
    pub fn open(
        target: &Target,
        _env: Option<&str>,
        _dir: &Path,
        _vars: &dyn Fn(&str) -> Option<String>,
    ) -> Result<GitHubStore> {
        Ok(GitHubStore {
            target: target.clone(),
        })
    }

    fn todo(&self) -> Error {
        Error::Usage(format!("store '{}': not available yet", self.target))
    }
}

impl Store for GitHubStore {
    fn describe(&self) -> String {
        self.target.to_string()
    }
    fn load_baseline(&self) -> Result<Snapshot> {
        Err(self.todo())
    }
    fn has_data(&self) -> Result<bool> {
        Err(self.todo())
    }
    fn save_baseline(&self, _snap: &Snapshot, _max: Option<usize>) -> Result<()> {
        Err(self.todo())
    }
    fn history_tail(&self, _n: usize) -> Result<Vec<Snapshot>> {
        Err(self.todo())
    }
    fn walk_history_backwards(&self, _f: &mut dyn FnMut(Snapshot) -> bool) -> Result<()> {
        Err(self.todo())
    }
    fn clear(&self) -> Result<()> {
        Err(self.todo())
    }
    fn environments(&self) -> Result<Vec<String>> {
        Err(self.todo())
    }
    fn for_env(&self, _env: &str) -> Result<Box<dyn Store>> {
        Err(self.todo())
    }
    fn replace_envs(&self, _dumps: &[(String, Dump)]) -> Result<()> {
        Err(self.todo())
    }
}
