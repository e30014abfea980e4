//! The `github` backend: the history on a data branch of a GitHub repository
//! (`github` = this repository's `flameiq-data`, `github:OWNER/REPO@BRANCH`).
//!
//! - **Same layout as `.flameiq/`.** The branch holds `<env>/baselines/current.json` and
//!   `<env>/baselines/history.jsonl` (`baselines/…` for no environment), byte for byte what
//!   the file store writes, plus a `README.md` saying what the branch is. `git clone -b
//!   flameiq-data` gives a folder `flameiq --dir` reads.
//! - **One commit per run, one commit deep.** A write reads the branch (ref, commit,
//!   recursive tree, the history blob), builds the new files, uploads them as blobs, makes
//!   a tree on top of the old one (so other environments are untouched) and a commit
//!   **without parents**, then moves the ref by compare-and-swap: GraphQL `updateRefs`
//!   with `beforeOid` = the commit it read (all zeros when the branch does not exist yet)
//!   and `force: true` (the new commit does not descend from the old one). The branch is
//!   always one commit deep, so clones do not grow with the history. A write that loses
//!   the race (the ref moved) reads again and retries, up to [`WRITE_ATTEMPTS`] times,
//!   after a random wait (full jitter, [`RACE_BASE`] doubling up to [`RACE_CAP`]): 16
//!   matrix legs writing at once lose no run. A lost answer of `updateRefs` is resolved by
//!   reading the ref: ours means done.
//! - **Reads** use the trees and blobs endpoints (the contents API stops inlining files
//!   over 1 MB): one `GET …/git/trees/<branch>?recursive=1`, then one blob per file used
//!   (raw media type; base64 JSON is decoded too). A plain `compare` costs two requests.
//! - **`max_history`** defaults to [`DEFAULT_MAX_HISTORY`] runs per environment here (a
//!   blob is rewritten per run; GitHub refuses files over 100 MB).
//! - **HTTP rules of the comment code** ([`crate::ci::http`]): `GITHUB_API_URL` (GHES too;
//!   GraphQL at `GITHUB_GRAPHQL_URL`, else derived from it), the token never in clear over
//!   plain http to a non-loopback host, per-request timeouts (`FLAMEIQ_HTTP_TIMEOUT_MS`),
//!   bounded retries of 5xx, 429 and rate-limit 403s with backoff
//!   (`FLAMEIQ_HTTP_RETRY_BASE_MS`), one deadline for a store operation
//!   (`FLAMEIQ_STORE_DEADLINE_MS`, default 300 s), the token never in output
//!   ([`crate::ci::http::redact`]). Answers up to [`MAX_ANSWER`] bytes are read.
//! - **Permissions.** The token is `INPUT_GITHUB-TOKEN` (the Action's `github-token`), else
//!   `GITHUB_TOKEN`; reads work without one on a public repository. A write refused with
//!   401/403 is exit 2 with the fix (`permissions: contents: write`), since a baseline that
//!   silently fails to save disables the gate. Pull-request runs only read (`flameiq ci`
//!   never writes there), so a fork's read-only token is enough.
//! - **Migration.** When the branch does not exist yet and the local folder (`--dir`)
//!   holds a store (an old cache recipe), the first write imports every environment's
//!   baseline and history from it into the same first commit, and says so.
//!
//! Length (over 500 lines): one backend (the Git Data API client with its bounded, retried requests, the compare-and-swap commit of baseline and history, the environments' paths); about 40 lines are unit tests, the rest run against the fake GitHub (tests/github_store.rs). Not split this round for the same reason as `postgres` (parallel work on it); the HTTP client part is the seam.

use super::{append_history, walk_text_backwards, Dump, FileStore, Store};
use crate::ci::http::{self, Policy, Secret, MAX_MESSAGE_CHARS};
use crate::error::{Error, Result};
use crate::pyjson;
use crate::schema::Snapshot;
use serde_json::{json, Value};
use std::collections::{BTreeMap, HashMap};
use std::fmt;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio::time::Instant;

/// Runs kept per environment when `baseline.max_history` is not set.
pub const DEFAULT_MAX_HISTORY: usize = 1000;
/// Attempts of one write that keeps losing the race for the ref.
pub const WRITE_ATTEMPTS: u32 = 40;
/// First (maximum) random wait after a lost race; doubles per attempt.
pub const RACE_BASE: Duration = Duration::from_millis(50);
/// Longest random wait after a lost race.
pub const RACE_CAP: Duration = Duration::from_secs(2);
/// Largest answer read (a blob GitHub serves is at most 100 MB; base64 adds a third).
pub const MAX_ANSWER: usize = 200 * 1024 * 1024;
const ZERO_OID: &str = "0000000000000000000000000000000000000000";
const README: &str = "# flameiq-data\n\nPerformance history written by FlameIQ (`store: github`): one commit, replaced by every\nrun. `<env>/baselines/current.json` is the baseline, `<env>/baselines/history.jsonl` the\nhistory, as in a local `.flameiq/` folder (`git clone -b <this branch>` and read it with\n`flameiq --dir`). Do not commit here by hand: the next run replaces the commit.\n";

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

/// Checks a branch name: git's rules, narrowed to letters, digits, `.`, `_`, `-` and `/`
/// (it goes into URL paths unescaped).
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

/// The branch as read: its commit and files.
#[derive(Debug, Clone)]
struct Head {
    /// The commit the ref points at.
    commit: String,
    /// Its tree.
    tree: String,
    /// Path → blob SHA of every file.
    files: BTreeMap<String, String>,
}

/// What one process shares between the environments it opens.
struct Shared {
    target: Target,
    repo: String,
    api: String,
    graphql: String,
    token: Option<Secret>,
    policy: Policy,
    client: reqwest::Client,
    rt: tokio::runtime::Runtime,
    /// The branch as last read for reading (`Some(None)`: it does not exist).
    head: Mutex<Option<Option<Head>>>,
    /// Blob SHA → text.
    blobs: Mutex<HashMap<String, Arc<String>>>,
    /// The repository's GraphQL node id.
    node_id: Mutex<Option<String>>,
    notices: Mutex<Vec<String>>,
    /// `--dir`, imported by the first write when the branch does not exist.
    import_from: Option<PathBuf>,
    /// Requests sent (for `-v` and the benchmark).
    requests: AtomicUsize,
}

/// One environment of a `github` store.
pub struct GitHubStore {
    shared: Arc<Shared>,
    env: String,
}

impl fmt::Debug for GitHubStore {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("GitHubStore")
            .field("target", &self.shared.target)
            .field("repo", &self.shared.repo)
            .field("api", &self.shared.api)
            .field("env", &self.env)
            .finish()
    }
}

struct Resp {
    status: u16,
    headers: reqwest::header::HeaderMap,
    body: Vec<u8>,
}

impl Resp {
    fn json(&self) -> Option<Value> {
        serde_json::from_slice(&self.body).ok()
    }
}

impl GitHubStore {
    /// Opens environment `env` of `target`: resolves the repository, API URLs and token
    /// from `vars`; sends nothing yet.
    pub fn open(
        target: &Target,
        env: Option<&str>,
        dir: &Path,
        vars: &dyn Fn(&str) -> Option<String>,
    ) -> Result<GitHubStore> {
        let store_err = |reason: String| Error::Store {
            store: target.to_string(),
            reason,
        };
        let var = |k: &str| {
            vars(k)
                .map(|v| v.trim().to_string())
                .filter(|v| !v.is_empty())
        };
        let repo = match &target.repo {
            Some(r) => r.clone(),
            None => {
                let r = var("GITHUB_REPOSITORY").ok_or_else(|| {
                    store_err("GITHUB_REPOSITORY is not set (outside GitHub Actions name the repository: --store github:OWNER/REPO)".into())
                })?;
                check_repo(&r).map_err(|w| store_err(format!("GITHUB_REPOSITORY: {w}")))?
            }
        };
        let target = Target {
            repo: Some(repo.clone()),
            branch: target.branch.clone(),
        };
        let store_err = |reason: String| Error::Store {
            store: target.to_string(),
            reason,
        };
        let api = var("GITHUB_API_URL")
            .unwrap_or_else(|| "https://api.github.com".into())
            .trim_end_matches('/')
            .to_string();
        let graphql = var("GITHUB_GRAPHQL_URL").unwrap_or_else(|| match api.strip_suffix("/v3") {
            // GHES: REST at https://HOST/api/v3, GraphQL at https://HOST/api/graphql.
            Some(base) => format!("{base}/graphql"),
            None => format!("{api}/graphql"),
        });
        let mut policy = Policy::from_env(vars);
        policy.deadline = var("FLAMEIQ_STORE_DEADLINE_MS")
            .and_then(|v| v.parse::<u64>().ok())
            .map(Duration::from_millis)
            .unwrap_or(Duration::from_secs(300));
        policy.max_response_bytes = MAX_ANSWER;
        for (url, name) in [(&api, "GITHUB_API_URL"), (&graphql, "GITHUB_GRAPHQL_URL")] {
            http::check_api_url(url, name, policy.allow_insecure).map_err(store_err)?;
        }
        let token = var("INPUT_GITHUB-TOKEN")
            .or_else(|| var("INPUT_GITHUB_TOKEN"))
            .or_else(|| var("GITHUB_TOKEN"))
            .map(Secret::new);
        let _ = rustls::crypto::ring::default_provider().install_default();
        let mut headers = reqwest::header::HeaderMap::new();
        if let Some(t) = &token {
            let mut v = reqwest::header::HeaderValue::from_str(&format!("Bearer {}", t.expose()))
                .map_err(|_| {
                store_err("the token contains characters not allowed in an HTTP header".into())
            })?;
            v.set_sensitive(true);
            headers.insert(reqwest::header::AUTHORIZATION, v);
        }
        headers.insert(
            "X-GitHub-Api-Version",
            reqwest::header::HeaderValue::from_static("2022-11-28"),
        );
        let mut builder = reqwest::Client::builder()
            .default_headers(headers)
            // The token would follow a redirect to another host: never follow one.
            .redirect(reqwest::redirect::Policy::none())
            .user_agent(concat!("flameiq/", env!("CARGO_PKG_VERSION")))
            .connect_timeout(policy.timeout);
        let loopback = |u: &str| {
            reqwest::Url::parse(u)
                .ok()
                .and_then(|u| u.host_str().map(str::to_string))
                .is_some_and(|h| matches!(h.as_str(), "127.0.0.1" | "localhost" | "[::1]"))
        };
        if loopback(&api) && loopback(&graphql) {
            builder = builder.no_proxy();
        }
        let client = builder.build().map_err(|e| {
            store_err(format!(
                "cannot build the HTTP client: {}",
                http::error_chain(&e)
            ))
        })?;
        let rt = http::runtime().map_err(store_err)?;
        let shared = Shared {
            target,
            repo,
            api,
            graphql,
            token,
            policy,
            client,
            rt,
            head: Mutex::new(None),
            blobs: Mutex::new(HashMap::new()),
            node_id: Mutex::new(None),
            notices: Mutex::new(Vec::new()),
            import_from: Some(dir.to_path_buf()),
            requests: AtomicUsize::new(0),
        };
        Ok(GitHubStore {
            shared: Arc::new(shared),
            env: env.unwrap_or("").to_string(),
        })
    }

    /// Requests sent so far by this process's handles on the store.
    pub fn requests(&self) -> usize {
        self.shared.requests.load(Ordering::Relaxed)
    }

    fn err(&self, reason: impl Into<String>) -> Error {
        Error::Store {
            store: self.describe(),
            reason: reason.into(),
        }
    }

    fn prefix(&self) -> String {
        if self.env.is_empty() {
            String::new()
        } else {
            format!("{}/", self.env)
        }
    }

    fn current_path(&self) -> String {
        format!("{}baselines/current.json", self.prefix())
    }

    fn history_path(&self) -> String {
        format!("{}baselines/history.jsonl", self.prefix())
    }

    fn block<T>(&self, f: impl std::future::Future<Output = Result<T>>) -> Result<T> {
        self.shared.rt.block_on(f)
    }

    // ------------------------------------------------------------------ HTTP

    /// Sends one request with the retry rule: 5xx, 429, rate-limit 403s and transport
    /// errors are retried with backoff; any other answer is returned.
    async fn send(
        &self,
        method: reqwest::Method,
        url: &str,
        body: Option<&Value>,
        accept: &str,
        during: &str,
        end: Instant,
    ) -> Result<Resp> {
        let p = &self.shared.policy;
        let mut attempt = 0u32;
        loop {
            let left = end.saturating_duration_since(Instant::now());
            if left.is_zero() {
                return Err(self.out_of_time(during));
            }
            let timeout = p.timeout.min(left);
            let mut req = self
                .shared
                .client
                .request(method.clone(), url)
                .header(reqwest::header::ACCEPT, accept)
                .timeout(timeout);
            if let Some(b) = body {
                req = req.json(b);
            }
            self.shared.requests.fetch_add(1, Ordering::Relaxed);
            tracing::debug!("store: {method} {url}");
            let max = p.max_response_bytes;
            let read = async {
                let mut resp = req.send().await?;
                let status = resp.status().as_u16();
                let headers = resp.headers().clone();
                if resp.content_length().is_some_and(|n| n > max as u64) {
                    return Ok(None);
                }
                let mut body = Vec::new();
                while let Some(chunk) = resp.chunk().await? {
                    if body.len() + chunk.len() > max {
                        return Ok(None);
                    }
                    body.extend_from_slice(&chunk);
                }
                Ok::<_, reqwest::Error>(Some(Resp {
                    status,
                    headers,
                    body,
                }))
            };
            let (why, server_wait) = match tokio::time::timeout(timeout, read).await {
                Err(_) => ("request timed out".to_string(), None),
                Ok(Err(e)) => (self.describe_transport(&e), None),
                Ok(Ok(None)) => return Err(self.err(format!("{during}: {}", http::too_large(max)))),
                Ok(Ok(Some(r))) => {
                    let rate_limited = r.status == 429
                        || (r.status == 403
                            && (r.headers.contains_key("retry-after")
                                || header(&r.headers, "x-ratelimit-remaining") == Some("0")));
                    if r.status >= 500 || rate_limited {
                        (format!("HTTP {}", r.status), server_wait(&r.headers))
                    } else {
                        return Ok(r);
                    }
                }
            };
            let why = format!("{during}: {why}");
            if attempt >= p.max_retries {
                return Err(self.err(format!("{why} (gave up after {} attempts)", attempt + 1)));
            }
            let left = end.saturating_duration_since(Instant::now());
            let wait = match server_wait {
                Some(w) if w > p.max_delay || w >= left => {
                    return Err(self.err(format!(
                        "{why}; the server asks to wait {}s, longer than this store waits",
                        w.as_secs()
                    )))
                }
                Some(w) => w,
                None => p
                    .base_delay
                    .saturating_mul(1u32 << attempt.min(16))
                    .min(p.max_delay),
            };
            if wait >= left {
                return Err(self.out_of_time(during));
            }
            tracing::warn!("{}; retrying in {} ms", self.redact(&why), wait.as_millis());
            tokio::time::sleep(wait).await;
            attempt += 1;
        }
    }

    fn out_of_time(&self, during: &str) -> Error {
        self.err(format!(
            "{during}: ran out of the store's {}s deadline (FLAMEIQ_STORE_DEADLINE_MS)",
            self.shared.policy.deadline.as_secs_f64()
        ))
    }

    /// The token to keep out of messages (none: nothing to hide).
    fn secret(&self) -> Secret {
        self.shared.token.clone().unwrap_or_else(|| Secret::new(""))
    }

    fn redact(&self, text: &str) -> String {
        http::redact(&self.secret(), text, 2 * MAX_MESSAGE_CHARS)
    }

    fn describe_transport(&self, e: &reqwest::Error) -> String {
        http::describe_transport(&self.secret(), e)
    }

    /// GitHub's `message` of an error answer, redacted and cut.
    fn api_message(&self, r: &Resp) -> String {
        let m = r
            .json()
            .and_then(|v| v["message"].as_str().map(str::to_string))
            .unwrap_or_else(|| String::from_utf8_lossy(&r.body).into_owned());
        http::redact(
            self.shared.token.as_ref().unwrap_or(&Secret::new("")),
            &m,
            MAX_MESSAGE_CHARS,
        )
    }

    /// The error for an unexpected answer; 401/403/404 on a write get the fix.
    fn answer_error(&self, r: &Resp, during: &str, write: bool) -> Error {
        let msg = self.api_message(r);
        let repo = &self.shared.repo;
        match r.status {
            401 | 403 | 404 if write => self.err(format!(
                "the token may not write to {repo} (HTTP {} while {during}: {msg}); give the job that saves baselines `permissions: contents: write` (and pass its token: the `github-token` input or GITHUB_TOKEN)",
                r.status
            )),
            401 => self.err(format!(
                "the token was refused (HTTP 401 while {during}: {msg}); check the `github-token` input or GITHUB_TOKEN"
            )),
            403 | 404 => self.err(format!(
                "cannot read {repo} (HTTP {} while {during}: {msg}); the token needs `permissions: contents: read`, and the repository must exist",
                r.status
            )),
            s => self.err(format!("unexpected HTTP {s} while {during}: {msg}")),
        }
    }

    fn repo_url(&self, rest: &str) -> String {
        format!("{}/repos/{}{rest}", self.shared.api, self.shared.repo)
    }

    async fn get_json(&self, rest: &str, during: &str, end: Instant) -> Result<Option<Value>> {
        let r = self
            .send(
                reqwest::Method::GET,
                &self.repo_url(rest),
                None,
                "application/vnd.github+json",
                during,
                end,
            )
            .await?;
        match r.status {
            200 => r
                .json()
                .map(Some)
                .ok_or_else(|| self.err(format!("{during}: the answer is not JSON"))),
            404 => Ok(None),
            _ => Err(self.answer_error(&r, during, false)),
        }
    }

    async fn post_json(
        &self,
        rest: &str,
        body: &Value,
        during: &str,
        end: Instant,
    ) -> Result<Value> {
        let r = self
            .send(
                reqwest::Method::POST,
                &self.repo_url(rest),
                Some(body),
                "application/vnd.github+json",
                during,
                end,
            )
            .await?;
        match r.status {
            200 | 201 => r
                .json()
                .ok_or_else(|| self.err(format!("{during}: the answer is not JSON"))),
            _ => Err(self.answer_error(&r, during, true)),
        }
    }

    fn deadline(&self) -> Instant {
        Instant::now() + self.shared.policy.deadline
    }

    // ------------------------------------------------------------------ reading

    /// The commit the ref points at, or `None` when the branch does not exist.
    async fn read_ref(&self, end: Instant) -> Result<Option<String>> {
        let rest = format!("/git/ref/heads/{}", self.shared.target.branch);
        let Some(v) = self.get_json(&rest, "reading the branch", end).await? else {
            return Ok(None);
        };
        match v["object"]["sha"].as_str() {
            Some(s) => Ok(Some(s.to_string())),
            None => Err(self.err("reading the branch: the answer has no object.sha")),
        }
    }

    /// The files of `tree_ish` (a tree SHA or the branch name): path → blob SHA, and the
    /// tree's SHA. `None` when it does not exist.
    async fn read_tree(
        &self,
        tree_ish: &str,
        end: Instant,
    ) -> Result<Option<(String, BTreeMap<String, String>)>> {
        let rest = format!("/git/trees/{tree_ish}?recursive=1");
        let Some(v) = self
            .get_json(&rest, "reading the branch's files", end)
            .await?
        else {
            return Ok(None);
        };
        if v["truncated"].as_bool() == Some(true) {
            return Err(self.err(
                "reading the branch's files: GitHub truncated the tree (too many files); the branch holds more than FlameIQ writes",
            ));
        }
        let sha = v["sha"]
            .as_str()
            .ok_or_else(|| self.err("reading the branch's files: no tree sha"))?
            .to_string();
        let mut files = BTreeMap::new();
        for e in v["tree"].as_array().into_iter().flatten() {
            if e["type"] == "blob" {
                if let (Some(p), Some(s)) = (e["path"].as_str(), e["sha"].as_str()) {
                    files.insert(p.to_string(), s.to_string());
                }
            }
        }
        Ok(Some((sha, files)))
    }

    /// The branch for a write: ref, then its commit's tree (so the commit and the files
    /// belong together).
    async fn read_head_for_write(&self, end: Instant) -> Result<Option<Head>> {
        let Some(commit) = self.read_ref(end).await? else {
            return Ok(None);
        };
        let c = self
            .get_json(
                &format!("/git/commits/{commit}"),
                "reading the branch's commit",
                end,
            )
            .await?
            .ok_or_else(|| self.err("reading the branch's commit: not found"))?;
        let tree = c["tree"]["sha"]
            .as_str()
            .ok_or_else(|| self.err("reading the branch's commit: no tree.sha"))?
            .to_string();
        let (tree, files) = self
            .read_tree(&tree, end)
            .await?
            .ok_or_else(|| self.err("reading the branch's tree: not found"))?;
        Ok(Some(Head {
            commit,
            tree,
            files,
        }))
    }

    /// The branch for reading, read once per process (one request).
    fn head(&self) -> Result<Option<Head>> {
        if let Some(h) = self.shared.head.lock().unwrap().clone() {
            return Ok(h);
        }
        let end = self.deadline();
        let branch = self.shared.target.branch.clone();
        let head = self.block(async {
            // One request: the trees endpoint takes a branch name. A name with '/' could
            // read as a path there, so such a branch goes ref → commit → tree.
            let head = if branch.contains('/') {
                self.read_head_for_write(end).await?
            } else {
                self.read_tree(&branch, end)
                    .await?
                    .map(|(tree, files)| Head {
                        commit: String::new(),
                        tree,
                        files,
                    })
            };
            if head.is_none() {
                // A missing branch, or a repository the token cannot see (a 404 too):
                // only the first is "no baseline yet".
                self.node_id(end).await?;
            }
            Ok(head)
        })?;
        *self.shared.head.lock().unwrap() = Some(head.clone());
        Ok(head)
    }

    async fn blob(&self, sha: &str, end: Instant) -> Result<Arc<String>> {
        if let Some(t) = self.shared.blobs.lock().unwrap().get(sha) {
            return Ok(t.clone());
        }
        let during = "reading a file of the branch";
        let r = self
            .send(
                reqwest::Method::GET,
                &self.repo_url(&format!("/git/blobs/{sha}")),
                None,
                "application/vnd.github.raw+json",
                during,
                end,
            )
            .await?;
        if r.status != 200 {
            return Err(self.answer_error(&r, during, false));
        }
        let bytes = decode_blob(r.body).map_err(|w| self.err(format!("{during}: {w}")))?;
        let text = String::from_utf8(bytes)
            .unwrap_or_else(|e| String::from_utf8_lossy(e.as_bytes()).into_owned());
        let text = Arc::new(text);
        self.shared
            .blobs
            .lock()
            .unwrap()
            .insert(sha.to_string(), text.clone());
        Ok(text)
    }

    /// The text of `path` in the branch as read for reading, if present.
    fn file(&self, path: &str) -> Result<Option<Arc<String>>> {
        let Some(head) = self.head()? else {
            return Ok(None);
        };
        let Some(sha) = head.files.get(path) else {
            return Ok(None);
        };
        let end = self.deadline();
        self.block(async { self.blob(sha, end).await }).map(Some)
    }

    fn history_text(&self) -> Result<Arc<String>> {
        Ok(self
            .file(&self.history_path())?
            .unwrap_or_else(|| Arc::new(String::new())))
    }

    fn what(&self, path: &str) -> String {
        format!("{}:{path}", self.shared.target)
    }

    // ------------------------------------------------------------------ writing

    async fn node_id(&self, end: Instant) -> Result<String> {
        if let Some(id) = self.shared.node_id.lock().unwrap().clone() {
            return Ok(id);
        }
        let v = self
            .get_json("", "reading the repository", end)
            .await?
            .ok_or_else(|| {
                self.err(format!(
                    "repository {} not found, or the token cannot see it; check the store URL, and give the job `permissions: contents: read` (write on the default branch)",
                    self.shared.repo
                ))
            })?;
        let id = v["node_id"]
            .as_str()
            .ok_or_else(|| self.err("reading the repository: no node_id"))?
            .to_string();
        *self.shared.node_id.lock().unwrap() = Some(id.clone());
        Ok(id)
    }

    /// Writes the files (`None`: delete) on top of `head` as one parentless commit, and
    /// moves the ref from `head`'s commit to it. `Ok(false)`: the race was lost (the ref
    /// moved since it was read); nothing changed.
    async fn commit_files(
        &self,
        head: Option<&Head>,
        files: &BTreeMap<String, Option<String>>,
        message: &str,
        end: Instant,
    ) -> Result<bool> {
        let mut entries = Vec::new();
        for (path, text) in files {
            match text {
                Some(t) => {
                    let b = self
                        .post_json(
                            "/git/blobs",
                            &json!({"content": t, "encoding": "utf-8"}),
                            "creating a blob",
                            end,
                        )
                        .await?;
                    let sha = b["sha"]
                        .as_str()
                        .ok_or_else(|| self.err("creating a blob: no sha in the answer"))?;
                    entries
                        .push(json!({"path": path, "mode": "100644", "type": "blob", "sha": sha}));
                }
                None if head.is_some_and(|h| h.files.contains_key(path)) => {
                    entries
                        .push(json!({"path": path, "mode": "100644", "type": "blob", "sha": null}));
                }
                None => {}
            }
        }
        if head.is_none_or(|h| !h.files.contains_key("README.md")) {
            entries.push(
                json!({"path": "README.md", "mode": "100644", "type": "blob", "content": README}),
            );
        }
        let mut tree_req = json!({"tree": entries});
        if let Some(h) = head {
            tree_req["base_tree"] = json!(h.tree);
        }
        let t = self
            .post_json("/git/trees", &tree_req, "creating a tree", end)
            .await?;
        let tree = t["sha"]
            .as_str()
            .ok_or_else(|| self.err("creating a tree: no sha in the answer"))?;
        let c = self
            .post_json(
                "/git/commits",
                &json!({"message": message, "tree": tree, "parents": []}),
                "creating a commit",
                end,
            )
            .await?;
        let commit = c["sha"]
            .as_str()
            .ok_or_else(|| self.err("creating a commit: no sha in the answer"))?
            .to_string();
        let before = head.map_or(ZERO_OID.to_string(), |h| h.commit.clone());
        self.move_ref(&before, &commit, end).await
    }

    /// `updateRefs` from `before` to `after` (compare-and-swap, forced). `Ok(false)`: the
    /// ref is elsewhere (the race was lost).
    async fn move_ref(&self, before: &str, after: &str, end: Instant) -> Result<bool> {
        let during = "moving the branch (GraphQL updateRefs)";
        let id = self.node_id(end).await?;
        let body = json!({
            "query": "mutation($repositoryId: ID!, $refUpdates: [RefUpdate!]!) { updateRefs(input: {repositoryId: $repositoryId, refUpdates: $refUpdates}) { clientMutationId } }",
            "variables": {
                "repositoryId": id,
                "refUpdates": [{
                    "name": format!("refs/heads/{}", self.shared.target.branch),
                    "beforeOid": before,
                    "afterOid": after,
                    "force": true,
                }],
            },
        });
        let sent = self
            .send(
                reqwest::Method::POST,
                &self.shared.graphql,
                Some(&body),
                "application/json",
                during,
                end,
            )
            .await;
        let problem = match &sent {
            Ok(r) if r.status == 200 => {
                let v = r.json().unwrap_or(Value::Null);
                match v["errors"].as_array().filter(|e| !e.is_empty()) {
                    None if v["data"]["updateRefs"].is_object() => return Ok(true),
                    None => Some((None, "no updateRefs in the answer".to_string())),
                    Some(errs) => {
                        let kind = errs[0]["type"].as_str().unwrap_or("").to_string();
                        let msg = errs[0]["message"].as_str().unwrap_or("").to_string();
                        if kind == "FORBIDDEN" {
                            let r = Resp {
                                status: 403,
                                headers: Default::default(),
                                body: json!({"message": msg}).to_string().into_bytes(),
                            };
                            return Err(self.answer_error(&r, during, true));
                        }
                        Some((Some(kind), msg))
                    }
                }
            }
            Ok(r) if matches!(r.status, 401 | 403) => {
                return Err(self.answer_error(r, during, true));
            }
            Ok(r) => Some((None, format!("HTTP {}: {}", r.status, self.api_message(r)))),
            Err(e) => Some((None, e.to_string())),
        };
        // Refused or unanswered: where the ref is now says what happened.
        let now = self.read_ref(end).await?;
        match now.as_deref() {
            Some(n) if n == after => Ok(true),
            Some(n) if n != before => Ok(false),
            None if before != ZERO_OID => Ok(false),
            _ => {
                let (kind, msg) = problem.unwrap_or_default();
                if kind.as_deref() == Some("STALE_DATA") {
                    return Ok(false);
                }
                match sent {
                    Err(e) => Err(e),
                    Ok(_) => Err(self.err(format!("{during}: {}", self.redact(&msg)))),
                }
            }
        }
    }

    /// Read, change, write, retrying a lost race: `change` gets the branch's files (path →
    /// text loader) and returns the files to write, or `None` when nothing changes.
    fn write<F>(&self, message: &str, mut change: F) -> Result<()>
    where
        F: FnMut(&Reader<'_>) -> Result<Option<BTreeMap<String, Option<String>>>>,
    {
        let end = self.deadline();
        if self.shared.token.is_none() {
            return Err(self.err(
                "no token to write with: set the `github-token` input or GITHUB_TOKEN, and give the job `permissions: contents: write`",
            ));
        }
        for attempt in 0..WRITE_ATTEMPTS {
            let head = self.block(self.read_head_for_write(end))?;
            let reader = Reader {
                store: self,
                head: head.as_ref(),
                end,
            };
            let Some(files) = change(&reader)? else {
                return Ok(());
            };
            if self.block(self.commit_files(head.as_ref(), &files, message, end))? {
                // Later reads in this process see what was written.
                *self.shared.head.lock().unwrap() = None;
                if attempt > 0 {
                    tracing::debug!("store: written after {attempt} lost race(s)");
                }
                return Ok(());
            }
            let cap = RACE_BASE
                .saturating_mul(1u32 << attempt.min(10))
                .min(RACE_CAP);
            let wait = cap.mul_f64(random_unit());
            tracing::debug!(
                "store: another writer moved the branch; retrying in {} ms",
                wait.as_millis()
            );
            if Instant::now() + wait >= end {
                break;
            }
            std::thread::sleep(wait);
        }
        Err(self.err(format!(
            "other writers kept moving the branch: gave up after {WRITE_ATTEMPTS} attempts; nothing was written, run again"
        )))
    }

    /// The local store's environments to import into the branch's first commit.
    fn local_import(&self) -> Result<Vec<(String, Dump)>> {
        let Some(dir) = &self.shared.import_from else {
            return Ok(Vec::new());
        };
        let local = FileStore::new(dir, None);
        let mut out = Vec::new();
        for env in local.environments()? {
            let dump = Store::export(&FileStore::for_env(dir, Some(&env))?)?;
            if dump.baseline.is_some() || !dump.history.is_empty() {
                out.push((env, dump));
            }
        }
        Ok(out)
    }

    fn env_paths(&self, env: &str) -> (String, String) {
        let p = if env.is_empty() {
            String::new()
        } else {
            format!("{env}/")
        };
        (
            format!("{p}baselines/current.json"),
            format!("{p}baselines/history.jsonl"),
        )
    }

    fn dump_files(&self, dumps: &[(String, Dump)]) -> BTreeMap<String, Option<String>> {
        let mut files = BTreeMap::new();
        for (env, d) in dumps {
            let (cur, hist) = self.env_paths(env);
            files.insert(
                cur,
                d.baseline
                    .as_ref()
                    .map(|b| pyjson::to_pretty(&b.to_value())),
            );
            files.insert(
                hist,
                (!d.history.is_empty()).then(|| super::history_text(&d.history)),
            );
        }
        files
    }
}

/// The branch as read by one write attempt.
pub struct Reader<'a> {
    store: &'a GitHubStore,
    head: Option<&'a Head>,
    end: Instant,
}

impl Reader<'_> {
    /// Whether the branch exists.
    fn exists(&self) -> bool {
        self.head.is_some()
    }

    /// The text of `path`, if present.
    fn text(&self, path: &str) -> Result<Option<Arc<String>>> {
        let Some(sha) = self.head.and_then(|h| h.files.get(path)) else {
            return Ok(None);
        };
        self.store.block(self.store.blob(sha, self.end)).map(Some)
    }

    fn has(&self, path: &str) -> bool {
        self.head.is_some_and(|h| h.files.contains_key(path))
    }
}

impl Store for GitHubStore {
    fn describe(&self) -> String {
        if self.env.is_empty() {
            self.shared.target.to_string()
        } else {
            format!("{} (environment {})", self.shared.target, self.env)
        }
    }

    fn load_baseline(&self) -> Result<Snapshot> {
        let path = self.current_path();
        let what = self.what(&path);
        let Some(text) = self.file(&path)? else {
            return Err(Error::NoBaseline {
                path: PathBuf::from(what),
            });
        };
        Snapshot::from_json_str(&text, Path::new(&what)).map_err(|e| Error::BaselineCorrupted {
            path: PathBuf::from(&what),
            reason: match e {
                Error::MetricsInvalid { reason, .. } => reason,
                other => other.to_string(),
            },
        })
    }

    fn has_data(&self) -> Result<bool> {
        let head = self.head()?;
        Ok(head.is_some_and(|h| {
            h.files.contains_key(&self.current_path()) || h.files.contains_key(&self.history_path())
        }))
    }

    fn save_baseline(&self, snap: &Snapshot, max_history: Option<usize>) -> Result<()> {
        let max = Some(max_history.unwrap_or(DEFAULT_MAX_HISTORY));
        let doc = snap.to_value();
        let line = pyjson::to_line(&doc);
        let pretty = pyjson::to_pretty(&doc);
        let (cur, hist) = (self.current_path(), self.history_path());
        let what = self.what(&hist);
        let mut imported: Option<(usize, usize)> = None;
        let message = format!(
            "flameiq: run {} of {}{}",
            snap.metadata.run_id.chars().take(64).collect::<String>(),
            snap.metadata
                .commit
                .as_deref()
                .map(|c| c.chars().take(40).collect::<String>())
                .unwrap_or_else(|| "(no commit)".into()),
            if self.env.is_empty() {
                String::new()
            } else {
                format!(" ({})", self.env)
            }
        );
        self.write(&message, |r| {
            let mut files = BTreeMap::new();
            let mut history = r.text(&hist)?.map(|t| t.to_string()).unwrap_or_default();
            imported = None;
            if !r.exists() {
                let dumps = self.local_import()?;
                if !dumps.is_empty() {
                    let runs = dumps.iter().map(|(_, d)| d.history.len()).sum();
                    imported = Some((runs, dumps.len()));
                    if let Some((_, d)) = dumps.iter().find(|(e, _)| *e == self.env) {
                        history = super::history_text(&d.history);
                    }
                    files = self.dump_files(&dumps);
                }
            }
            files.insert(
                hist.clone(),
                Some(append_history(&history, &line, max, &what)),
            );
            files.insert(cur.clone(), Some(pretty.clone()));
            Ok(Some(files))
        })?;
        if let (Some((runs, envs)), Some(dir)) = (imported, &self.shared.import_from) {
            self.shared.notices.lock().unwrap().push(format!(
                "{} did not exist: imported {runs} run(s) of {envs} environment(s) from the local store {} into it (first run of the github store)",
                self.shared.target,
                dir.display()
            ));
        }
        Ok(())
    }

    fn history_tail(&self, n: usize) -> Result<Vec<Snapshot>> {
        let mut out = Vec::with_capacity(n.min(1024));
        if n == 0 {
            return Ok(out);
        }
        self.walk_history_backwards(&mut |s| {
            out.push(s);
            out.len() < n
        })?;
        out.reverse();
        Ok(out)
    }

    fn walk_history_backwards(&self, f: &mut dyn FnMut(Snapshot) -> bool) -> Result<()> {
        let text = self.history_text()?;
        walk_text_backwards(&text, &self.what(&self.history_path()), f)
    }

    fn history_into(&self, sink: &mut dyn super::HistorySink) -> Result<()> {
        let text = self.history_text()?;
        super::text_into(&text, &self.what(&self.history_path()), sink)
    }

    fn clear(&self) -> Result<()> {
        let (cur, hist) = (self.current_path(), self.history_path());
        self.write(&format!("flameiq: clear {}", self.describe()), |r| {
            if !r.has(&cur) && !r.has(&hist) {
                return Ok(None);
            }
            Ok(Some(BTreeMap::from([
                (cur.clone(), None),
                (hist.clone(), None),
            ])))
        })
    }

    fn environments(&self) -> Result<Vec<String>> {
        let Some(head) = self.head()? else {
            return Ok(Vec::new());
        };
        let mut envs: Vec<String> = head
            .files
            .keys()
            .filter_map(|p| {
                let dir = p
                    .strip_suffix("baselines/current.json")
                    .or_else(|| p.strip_suffix("baselines/history.jsonl"))?;
                let env = match dir.strip_suffix('/') {
                    Some(e) => e,
                    None if dir.is_empty() => "",
                    None => return None,
                };
                (env.is_empty() || super::check_env_name(env).is_ok()).then(|| env.to_string())
            })
            .collect();
        envs.sort();
        envs.dedup();
        Ok(envs)
    }

    fn for_env(&self, env: &str) -> Result<Box<dyn Store>> {
        super::check_env_name(env)?;
        Ok(Box::new(GitHubStore {
            shared: self.shared.clone(),
            env: env.to_string(),
        }))
    }

    fn replace_envs(&self, dumps: &[(String, Dump)]) -> Result<()> {
        for (env, _) in dumps {
            super::check_env_name(env)?;
        }
        let files = self.dump_files(dumps);
        self.write("flameiq: import", |_| Ok(Some(files.clone())))
    }

    fn take_notices(&self) -> Vec<String> {
        std::mem::take(&mut *self.shared.notices.lock().unwrap())
    }
}

fn header<'a>(h: &'a reqwest::header::HeaderMap, name: &str) -> Option<&'a str> {
    h.get(name).and_then(|v| v.to_str().ok())
}

/// A server-given wait: `Retry-After` seconds, else GitHub's `x-ratelimit-reset` when the
/// remaining budget is 0.
fn server_wait(h: &reqwest::header::HeaderMap) -> Option<Duration> {
    if let Some(s) = header(h, "retry-after").and_then(|v| v.trim().parse::<u64>().ok()) {
        return Some(Duration::from_secs(s));
    }
    if header(h, "x-ratelimit-remaining") == Some("0") {
        let reset = header(h, "x-ratelimit-reset")?.trim().parse::<u64>().ok()?;
        let now = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .ok()?
            .as_secs();
        return Some(Duration::from_secs(reset.saturating_sub(now)));
    }
    None
}

/// A blob's bytes from the raw media type, or from GitHub's JSON shape
/// (`{"content": base64, "encoding": "base64"}`) when a server ignores the raw request.
fn decode_blob(body: Vec<u8>) -> std::result::Result<Vec<u8>, String> {
    if body.first() == Some(&b'{') {
        if let Ok(v) = serde_json::from_slice::<Value>(&body) {
            if let (Some(c), Some("base64"), true) = (
                v["content"].as_str(),
                v["encoding"].as_str(),
                v.get("sha").is_some(),
            ) {
                return base64_decode(c).ok_or_else(|| "the blob's base64 is invalid".into());
            }
        }
    }
    Ok(body)
}

/// Standard base64 (whitespace ignored, as GitHub wraps lines).
fn base64_decode(s: &str) -> Option<Vec<u8>> {
    let val = |c: u8| -> Option<u32> {
        Some(match c {
            b'A'..=b'Z' => c - b'A',
            b'a'..=b'z' => c - b'a' + 26,
            b'0'..=b'9' => c - b'0' + 52,
            b'+' => 62,
            b'/' => 63,
            _ => return None,
        } as u32)
    };
    let clean: Vec<u8> = s.bytes().filter(|b| !b.is_ascii_whitespace()).collect();
    let body = clean
        .strip_suffix(b"==")
        .or_else(|| clean.strip_suffix(b"="))
        .unwrap_or(&clean);
    let mut out = Vec::with_capacity(body.len() * 3 / 4);
    let (mut acc, mut bits) = (0u32, 0u32);
    for &c in body {
        acc = (acc << 6) | val(c)?;
        bits += 6;
        if bits >= 8 {
            bits -= 8;
            out.push((acc >> bits) as u8);
            acc &= (1 << bits) - 1;
        }
    }
    Some(out)
}

/// A random number in [0, 1) for the jitter (a v4 UUID's random bits: no RNG crate).
fn random_unit() -> f64 {
    (uuid::Uuid::new_v4().as_u128() >> 75) as f64 / (1u64 << 53) as f64
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn issue13_base64_blobs_decode() {
        assert_eq!(base64_decode("aGVsbG8gd29y\nbGQ=").unwrap(), b"hello world");
        assert_eq!(base64_decode("YQ==").unwrap(), b"a");
        assert!(base64_decode("a$==").is_none());
        let json = br#"{"sha":"x","content":"e30K\n","encoding":"base64"}"#.to_vec();
        assert_eq!(decode_blob(json).unwrap(), b"{}\n");
        // A history that happens to be one JSON object stays as it is.
        let raw = br#"{"schema_version":1}"#.to_vec();
        assert_eq!(decode_blob(raw.clone()).unwrap(), raw);
    }

    #[test]
    fn issue13_jitter_is_in_the_unit_interval() {
        for _ in 0..1000 {
            let r = random_unit();
            assert!((0.0..1.0).contains(&r), "{r}");
        }
    }

    #[test]
    fn issue13_open_needs_a_repository_and_refuses_clear_http() {
        let t = Target {
            repo: None,
            branch: "flameiq-data".into(),
        };
        let none = |_: &str| None;
        let e = GitHubStore::open(&t, None, Path::new(".flameiq"), &none).unwrap_err();
        assert_eq!(e.exit_code(), 2);
        assert!(e.to_string().contains("GITHUB_REPOSITORY"), "{e}");
        let vars = |k: &str| match k {
            "GITHUB_REPOSITORY" => Some("acme/widgets".to_string()),
            "GITHUB_API_URL" => Some("http://github.corp".to_string()),
            _ => None,
        };
        let e = GitHubStore::open(&t, None, Path::new(".flameiq"), &vars).unwrap_err();
        assert!(e.to_string().contains("clear text"), "{e}");
    }
}
