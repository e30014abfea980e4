//! The `postgres` backend: the history in a PostgreSQL database that many repositories,
//! runner types and matrix legs share (issue 15). See `docs/postgres.md` for the schema,
//! the recipes and a Grafana query.
//!
//! # URL
//!
//! `postgres://USER[:PASSWORD]@HOST[:PORT]/DB[?sslmode=MODE&sslrootcert=FILE&…]` (also
//! `postgresql://`), from `--store`, `FLAMEIQ_STORE`, `store:` in `flameiq.yaml` or the
//! Action's `store` input (from a secret). The password comes from the URL or, when the URL
//! has none, `PGPASSWORD`; it is never printed: every message names the store by
//! [`Target`]'s redacted form (`postgres://user@host:5432/db`), and any text a server or a
//! library returns is scrubbed of it. No user: `PGUSER`, else `postgres`. No host:
//! `PGHOST`, else `localhost`. `connect_timeout` (seconds) defaults to 10 and bounds the
//! whole connection (TCP, TLS, authentication), so an unreachable or silent host is an
//! error in seconds, not a hung job. The other options are rust-postgres's
//! (`application_name`, `options`, `keepalives`, `target_session_attrs`, …).
//!
//! `sslmode`, with libpq's meanings, through rustls (never OpenSSL):
//!
//! | mode | TLS | certificate |
//! |---|---|---|
//! | `disable` | never | — |
//! | `prefer` (default, as libpq) | when the server offers it | not checked |
//! | `require` | always (a server without TLS is an error) | not checked |
//! | `verify-ca` | always | chain checked against the roots |
//! | `verify-full` | always | chain and host name checked |
//!
//! The roots are the system's (`/etc/ssl/certs`, `SSL_CERT_FILE`: the image's CA bundle),
//! or only the PEM file `sslrootcert` names.
//!
//! # Repository and environment
//!
//! One database serves many repositories: every row belongs to a repository (the config's
//! `store.repository`, else `GITHUB_REPOSITORY`, else `CI_PROJECT_PATH`; none is exit 2)
//! and an environment (`--env`; `''` for none), and every statement is scoped to both.
//!
//! # Schema and migrations
//!
//! All objects live in the PostgreSQL schema `flameiq`; `flameiq.schema_version` records
//! each version applied. [`SCHEMA_VERSION`] is the version this build writes; every
//! connection checks the database's version first and migrates an older one (the first use
//! of an empty database creates it), inside one transaction under an advisory lock, so
//! concurrent first runs migrate once. A database newer than this build is exit 2 (upgrade
//! flameiq). `flameiq store migrate` does the same on purpose.
//!
//! # Writes
//!
//! `baseline set` (and promote, and each environment of an import) is one transaction: lock
//! the environment's row in `flameiq.stores` (`SELECT … FOR UPDATE`: writers of one
//! environment queue like the file store's `flock`, writers of different environments do
//! not meet), insert the run and its values (binary `COPY`), make it the baseline, delete
//! the runs beyond `max_history`, commit. A writer killed at any point leaves no trace: the
//! server rolls its transaction back when the connection drops. Every value reaches SQL as a
//! bind parameter or `COPY` data, never as SQL text.
//!
//! # Reads
//!
//! Runs are read back from their `document` column, the schema v1 line exactly as the file
//! store writes it into `history.jsonl`, so a run read from PostgreSQL is the run that was
//! stored, byte for byte (the `run_values` rows are there for SQL and charts; the document
//! is what FlameIQ reads). "The last N runs" is an index range scan; `walk` reads pages of
//! [`PAGE`] runs, newest first, so `tagged` and `changes` cost the runs they use.
//!
//! Length (over 500 lines): one backend (URL and TLS settings, connection and its error hints, schema migrations, the `Store` operations in SQL transactions); about 65 lines are unit tests, the rest of its tests run against a real server (tests/postgres.rs). It is not split this round because the dashboard work (issue 17) edits it in parallel; the URL parsing (`Target`) and the migrations are the seams to split along.

use super::{Dump, Store};
use crate::error::{Error, Result};
use crate::pyjson;
use crate::schema::{self, Snapshot};
use std::cell::{Cell, RefCell};
use std::fmt;
use std::path::Path;
use std::rc::Rc;
use std::sync::Arc;
use std::time::Duration;
use tokio_postgres::binary_copy::BinaryCopyInWriter;
use tokio_postgres::types::Type;

/// The schema version this build reads and writes.
pub const SCHEMA_VERSION: i32 = 2;

/// Runs per page when walking the history.
pub const PAGE: i64 = 16;

/// The advisory lock key the migrations hold (`'flameiq'` in ASCII).
const MIGRATION_LOCK: i64 = 0x0066_6c61_6d65_6971;

/// Seconds a connection may take when the URL has no `connect_timeout`.
const DEFAULT_CONNECT_TIMEOUT: u64 = 10;

/// The migrations, in order: version `i + 1` is `MIGRATIONS[i]`.
const MIGRATIONS: [&str; 2] = [
    // 1: runs, their values, the environments (baseline and write lock).
    "CREATE SCHEMA IF NOT EXISTS flameiq;
     CREATE TABLE flameiq.schema_version (
         version integer PRIMARY KEY,
         applied_at timestamptz NOT NULL DEFAULT now(),
         flameiq_version text NOT NULL
     );
     CREATE TABLE flameiq.stores (
         repository text NOT NULL,
         environment text NOT NULL,
         baseline text,
         updated_at timestamptz NOT NULL DEFAULT now(),
         PRIMARY KEY (repository, environment)
     );
     CREATE TABLE flameiq.runs (
         id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
         repository text NOT NULL,
         environment text NOT NULL,
         run_id text NOT NULL,
         commit_sha text,
         branch text,
         run_timestamp text NOT NULL,
         tags jsonb NOT NULL,
         metadata jsonb NOT NULL,
         document text NOT NULL,
         stored_at timestamptz NOT NULL DEFAULT now(),
         FOREIGN KEY (repository, environment)
             REFERENCES flameiq.stores (repository, environment) ON DELETE CASCADE
     );
     CREATE INDEX runs_last_n ON flameiq.runs (repository, environment, id DESC);
     CREATE INDEX runs_commit ON flameiq.runs (repository, commit_sha);
     CREATE TABLE flameiq.run_values (
         run bigint NOT NULL REFERENCES flameiq.runs (id) ON DELETE CASCADE,
         ord integer NOT NULL,
         key text NOT NULL,
         value double precision NOT NULL,
         unit text,
         direction text NOT NULL,
         samples double precision[],
         PRIMARY KEY (run, ord)
     );
     CREATE INDEX run_values_key ON flameiq.run_values (key, run);",
    // 2: the run's time as a timestamptz (backfilled from run_timestamp by
    // `backfill_run_time`) and the view charts query.
    "ALTER TABLE flameiq.runs ADD COLUMN run_time timestamptz;
     CREATE INDEX runs_time ON flameiq.runs (repository, environment, run_time);
     CREATE VIEW flameiq.points AS
         SELECT r.repository, r.environment, r.run_time AS time, r.commit_sha, r.branch,
                r.run_id, v.key, v.value, v.unit, v.direction
         FROM flameiq.runs r JOIN flameiq.run_values v ON v.run = r.id;",
];

/// `sslmode` (see the module docs).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SslMode {
    /// Never TLS.
    Disable,
    /// TLS when the server offers it, certificate not checked.
    Prefer,
    /// Always TLS, certificate not checked.
    Require,
    /// Always TLS, chain checked.
    VerifyCa,
    /// Always TLS, chain and host name checked.
    VerifyFull,
}

impl SslMode {
    fn parse(s: &str) -> Option<SslMode> {
        Some(match s {
            "disable" => SslMode::Disable,
            "prefer" | "allow" => SslMode::Prefer,
            "require" => SslMode::Require,
            "verify-ca" => SslMode::VerifyCa,
            "verify-full" => SslMode::VerifyFull,
            _ => return None,
        })
    }
}

/// A `postgres://` store URL, parsed. Holds the password: its `Debug` and `Display` show
/// the redacted form only.
#[derive(Clone, PartialEq, Eq)]
pub struct Target {
    /// The URL handed to rust-postgres: ours without FlameIQ's own options.
    conn_url: String,
    /// The redacted URL, for every message.
    shown: String,
    ssl: SslMode,
    root_cert: Option<String>,
    connect_timeout: Option<u64>,
    /// `store.repository` from the config, set by the caller (wins over the CI's variables).
    pub repository: Option<String>,
}

impl fmt::Debug for Target {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Target({})", self.shown)
    }
}

impl fmt::Display for Target {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.shown)
    }
}

/// Whether `url` names a PostgreSQL store.
pub fn is_postgres_url(url: &str) -> bool {
    url.starts_with("postgres://") || url.starts_with("postgresql://")
}

/// `url` without the password of its user info.
pub fn redact(url: &str) -> String {
    let Some((scheme, rest)) = url.split_once("://") else {
        return url.to_string();
    };
    let end = rest.find(['/', '?']).unwrap_or(rest.len());
    let (authority, tail) = rest.split_at(end);
    let authority = match authority.rsplit_once('@') {
        Some((userinfo, hosts)) => {
            let user = userinfo.split_once(':').map_or(userinfo, |(u, _)| u);
            format!("{user}@{hosts}")
        }
        None => authority.to_string(),
    };
    // The query may carry `password=` too.
    let tail = match tail.split_once('?') {
        Some((path, query)) => {
            let kept: Vec<&str> = query
                .split('&')
                .filter(|kv| !kv.starts_with("password="))
                .collect();
            if kept.is_empty() {
                path.to_string()
            } else {
                format!("{path}?{}", kept.join("&"))
            }
        }
        None => tail.to_string(),
    };
    format!("{scheme}://{authority}{tail}")
}

impl Target {
    /// Parses a `postgres://` or `postgresql://` URL (exit 2 naming the redacted URL and
    /// the problem). Nothing is connected yet.
    pub fn parse(url: &str) -> Result<Target> {
        let url = url.trim();
        let shown = redact(url);
        let bad = |why: String| {
            Error::Usage(format!(
                "invalid store '{}': {why}; expected postgres://USER[:PASSWORD]@HOST[:PORT]/DB[?sslmode=disable|prefer|require|verify-ca|verify-full]",
                shown.escape_debug()
            ))
        };
        if !is_postgres_url(url) {
            return Err(bad("not a postgres:// URL".into()));
        }
        let (base, query) = match url.split_once('?') {
            Some((b, q)) => (b, Some(q)),
            None => (url, None),
        };
        let mut ssl = SslMode::Prefer;
        let mut root_cert = None;
        let mut connect_timeout = None;
        let mut passed: Vec<&str> = Vec::new();
        for kv in query.into_iter().flat_map(|q| q.split('&')) {
            if kv.is_empty() {
                continue;
            }
            let (k, v) = kv.split_once('=').unwrap_or((kv, ""));
            match k {
                "sslmode" => {
                    ssl = SslMode::parse(v).ok_or_else(|| {
                        bad(format!(
                            "unknown sslmode '{}' (disable, prefer, require, verify-ca or verify-full)",
                            v.escape_debug()
                        ))
                    })?;
                }
                "sslrootcert" => root_cert = Some(percent_decode(v)),
                "connect_timeout" => {
                    connect_timeout = Some(v.parse::<u64>().map_err(|_| {
                        bad(format!(
                            "connect_timeout '{}' is not a number of seconds",
                            v.escape_debug()
                        ))
                    })?);
                    passed.push(kv);
                }
                _ => passed.push(kv),
            }
        }
        let conn_url = if passed.is_empty() {
            base.to_string()
        } else {
            format!("{base}?{}", passed.join("&"))
        };
        // Parsed now so that a bad URL is an error before anything runs. The library's
        // message never holds the password, and is scrubbed of it all the same.
        conn_url
            .parse::<tokio_postgres::Config>()
            .map_err(|e| bad(scrub(&one_line(&e.to_string()), &conn_url)))?;
        Ok(Target {
            conn_url,
            shown,
            ssl,
            root_cert,
            connect_timeout,
            repository: None,
        })
    }

    /// The `sslmode` in force.
    pub fn ssl_mode(&self) -> SslMode {
        self.ssl
    }

    /// The connection settings: the URL's, then `PGPASSWORD`, `PGUSER`, `PGHOST` for what it
    /// lacks.
    fn config(&self, vars: &PgVars) -> Result<tokio_postgres::Config> {
        let mut c: tokio_postgres::Config = self
            .conn_url
            .parse()
            .map_err(|e: tokio_postgres::Error| self.error("invalid URL", &e.to_string()))?;
        if c.get_password().is_none() {
            if let Some(p) = &vars.password {
                c.password(p);
            }
        }
        if c.get_user().is_none() {
            c.user(vars.user.as_deref().unwrap_or("postgres"));
        }
        if c.get_hosts().is_empty() {
            c.host(vars.host.as_deref().unwrap_or("localhost"));
        }
        c.ssl_mode(match self.ssl {
            SslMode::Disable => tokio_postgres::config::SslMode::Disable,
            SslMode::Prefer => tokio_postgres::config::SslMode::Prefer,
            SslMode::Require | SslMode::VerifyCa | SslMode::VerifyFull => {
                tokio_postgres::config::SslMode::Require
            }
        });
        c.connect_timeout(Duration::from_secs(
            self.connect_timeout.unwrap_or(DEFAULT_CONNECT_TIMEOUT),
        ));
        if c.get_application_name().is_none() {
            c.application_name("flameiq");
        }
        Ok(c)
    }

    /// An exit-2 error about this store: one line, the redacted URL, no password.
    fn error(&self, what: &str, detail: &str) -> Error {
        Error::Database {
            url: self.shown.clone(),
            reason: format!("{what}: {}", scrub(&one_line(detail), &self.conn_url)),
        }
    }
}

/// `s` with `%XX` escapes decoded (for a path option); anything else is kept as it is.
fn percent_decode(s: &str) -> String {
    let hex = |c: u8| (c as char).to_digit(16).map(|d| d as u8);
    let b = s.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        if b[i] == b'%' && i + 2 < b.len() {
            if let (Some(h), Some(l)) = (hex(b[i + 1]), hex(b[i + 2])) {
                out.push(h * 16 + l);
                i += 3;
                continue;
            }
        }
        out.push(b[i]);
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// Newlines (a server's DETAIL and HINT lines) joined into one line.
fn one_line(s: &str) -> String {
    s.lines()
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .collect::<Vec<_>>()
        .join("; ")
}

/// `msg` with the URL's password (and any `PGPASSWORD`) replaced by `***`, should a server
/// or a library ever echo it.
fn scrub(msg: &str, url: &str) -> String {
    let mut out = msg.to_string();
    let mut secrets: Vec<String> = Vec::new();
    if let Some((_, rest)) = url.split_once("://") {
        let authority = &rest[..rest.find(['/', '?']).unwrap_or(rest.len())];
        if let Some((userinfo, _)) = authority.rsplit_once('@') {
            if let Some((_, pw)) = userinfo.split_once(':') {
                secrets.push(pw.to_string());
                secrets.push(percent_decode(pw));
            }
        }
    }
    if let Some((_, q)) = url.split_once('?') {
        for kv in q.split('&') {
            if let Some(pw) = kv.strip_prefix("password=") {
                secrets.push(pw.to_string());
                secrets.push(percent_decode(pw));
            }
        }
    }
    if let Ok(pw) = std::env::var("PGPASSWORD") {
        secrets.push(pw);
    }
    for s in secrets.iter().filter(|s| s.len() >= 3) {
        out = out.replace(s.as_str(), "***");
    }
    out
}

/// A hint for the errors users can fix, by SQLSTATE or `text` (the error's full text).
fn hint(e: &tokio_postgres::Error, text: &str) -> &'static str {
    use tokio_postgres::error::SqlState;
    match e.code() {
        Some(c) if *c == SqlState::INVALID_PASSWORD => {
            " (check the password in the store URL or PGPASSWORD)"
        }
        Some(c) if *c == SqlState::INVALID_AUTHORIZATION_SPECIFICATION => {
            " (check the user and the server's pg_hba.conf)"
        }
        Some(c) if *c == SqlState::INVALID_CATALOG_NAME => " (create the database first)",
        Some(c) if *c == SqlState::INSUFFICIENT_PRIVILEGE => {
            " (the user needs CREATE on the database for the first run, then SELECT/INSERT/UPDATE/DELETE on schema flameiq)"
        }
        _ if text.contains("server does not support TLS") => {
            " (the server refuses TLS: enable ssl on the server, or use sslmode=prefer or disable)"
        }
        _ if text.contains("invalid peer certificate") => {
            " (the server's certificate is not trusted: sslrootcert=FILE names its CA, sslmode=require encrypts without checking)"
        }
        _ if text.contains("Connection refused") => {
            " (is the server running, and are the host and port right?)"
        }
        _ if text.contains("timed out") || text.contains("timeout") => {
            " (the host did not answer: check the host, the port and the firewall; connect_timeout=SECONDS)"
        }
        _ => "",
    }
}

/// The full text of a rust-postgres error (its Display stops at the kind for some).
fn pg_text(e: &tokio_postgres::Error) -> String {
    let mut s = e.to_string();
    if let Some(db) = e.as_db_error() {
        if !s.contains(db.message()) {
            s = format!("{s}: {}", db.message());
        }
    } else {
        s = crate::error::chain(e);
    }
    let h = hint(e, &s);
    format!("{s}{h}")
}

/// The open connection and the runtime that drives it.
struct Conn {
    rt: tokio::runtime::Runtime,
    client: tokio_postgres::Client,
}

/// The libpq variables the connection reads (`PGPASSWORD`, `PGUSER`, `PGHOST`), taken from
/// the process environment when the store is opened.
#[derive(Default)]
pub struct PgVars {
    password: Option<String>,
    user: Option<String>,
    host: Option<String>,
}

impl PgVars {
    /// Reads them through `vars` (empty values count as unset). Not through
    /// [`crate::ci::context::var`]: that one trims, and a password may begin or end with a
    /// space that libpq would send as it is.
    pub fn from(vars: &dyn Fn(&str) -> Option<String>) -> PgVars {
        let get = |k: &str| vars(k).filter(|v| !v.is_empty());
        PgVars {
            password: get("PGPASSWORD"),
            user: get("PGUSER"),
            host: get("PGHOST"),
        }
    }
}

/// What the environments of one store share: the URL and one lazy connection.
struct Shared {
    target: Target,
    vars: PgVars,
    conn: RefCell<Option<Conn>>,
    migrated: Cell<bool>,
}

/// One environment of a `postgres` store.
pub struct PgStore {
    shared: Rc<Shared>,
    repository: String,
    env: String,
}

impl fmt::Debug for PgStore {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "PgStore({})", self.describe())
    }
}

/// Checks a repository name: 1 to 200 printable characters.
fn check_repository(r: &str) -> Result<String> {
    let r = r.trim();
    if r.is_empty() || r.len() > 200 || r.chars().any(char::is_control) {
        return Err(Error::Usage(format!(
            "invalid repository '{}' for the postgres store: 1 to 200 printable characters (e.g. acme/widgets)",
            r.escape_debug()
        )));
    }
    Ok(r.to_string())
}

impl PgStore {
    /// Environment `env` of the store at `target`, for the repository of the config
    /// (`target.repository`), else `GITHUB_REPOSITORY`, else `CI_PROJECT_PATH` (exit 2 when
    /// none is set). Connects on first use. `vars` is the process environment (read here
    /// and for `PGPASSWORD`, `PGUSER`, `PGHOST`).
    pub fn open(
        target: &Target,
        env: Option<&str>,
        vars: &dyn Fn(&str) -> Option<String>,
    ) -> Result<PgStore> {
        let repository = match target
            .repository
            .clone()
            .or_else(|| vars("GITHUB_REPOSITORY"))
            .or_else(|| vars("CI_PROJECT_PATH"))
            .filter(|r| !r.trim().is_empty())
        {
            Some(r) => check_repository(&r)?,
            None => {
                return Err(Error::Usage(format!(
                    "the postgres store {} needs this repository's name: set store.repository in flameiq.yaml (store: {{url: ..., repository: acme/widgets}}), or GITHUB_REPOSITORY / CI_PROJECT_PATH",
                    target.shown
                )))
            }
        };
        Ok(PgStore {
            shared: Rc::new(Shared {
                target: target.clone(),
                vars: PgVars::from(vars),
                conn: RefCell::new(None),
                migrated: Cell::new(false),
            }),
            repository,
            env: env.unwrap_or("").to_string(),
        })
    }

    /// The repository this handle reads and writes.
    pub fn repository(&self) -> &str {
        &self.repository
    }

    fn target(&self) -> &Target {
        &self.shared.target
    }

    fn db_error(&self, what: &str, e: &tokio_postgres::Error) -> Error {
        self.target().error(what, &pg_text(e))
    }

    /// Runs `f` on the connection (connecting and migrating first when needed).
    fn with<T>(
        &self,
        what: &str,
        f: impl AsyncFnOnce(
            &mut tokio_postgres::Client,
        ) -> std::result::Result<T, tokio_postgres::Error>,
    ) -> Result<T> {
        self.ensure_ready()?;
        let mut slot = self.shared.conn.borrow_mut();
        let conn = slot.as_mut().expect("connected by ensure_ready");
        let Conn { rt, client } = conn;
        rt.block_on(f(client)).map_err(|e| self.db_error(what, &e))
    }

    /// Connects (once) and brings the schema to [`SCHEMA_VERSION`] (once per process).
    fn ensure_ready(&self) -> Result<()> {
        if self.shared.conn.borrow().is_none() {
            let conn = connect(self.target(), &self.shared.vars)?;
            *self.shared.conn.borrow_mut() = Some(conn);
        }
        if !self.shared.migrated.get() {
            let mut slot = self.shared.conn.borrow_mut();
            let conn = slot.as_mut().expect("connected above");
            migrate_conn(self.target(), conn, SCHEMA_VERSION)?;
            self.shared.migrated.set(true);
        }
        Ok(())
    }

    /// The schema version of the database (after migrating it: what this build uses).
    pub fn schema_version(&self) -> Result<i32> {
        self.ensure_ready()?;
        let mut slot = self.shared.conn.borrow_mut();
        let conn = slot.as_mut().expect("connected");
        current_version(self.target(), conn)
    }

    fn parse_doc(&self, doc: &str, id: i64) -> Result<Snapshot> {
        let what = format!("{} run {id}", self.describe());
        Snapshot::from_json_str(doc, Path::new(&what))
    }

    /// Reads pages of runs, `newest` first or oldest first, calling `f` until it says stop.
    fn walk(&self, newest: bool, f: &mut dyn FnMut(Snapshot) -> bool) -> Result<()> {
        let sql = if newest {
            "SELECT id, document FROM flameiq.runs
             WHERE repository = $1 AND environment = $2 AND id < $3
             ORDER BY id DESC LIMIT $4"
        } else {
            "SELECT id, document FROM flameiq.runs
             WHERE repository = $1 AND environment = $2 AND id > $3
             ORDER BY id ASC LIMIT $4"
        };
        let mut cursor: i64 = if newest { i64::MAX } else { 0 };
        loop {
            let rows: Vec<(i64, String)> = self.with("cannot read the history", async |c| {
                let rows = c
                    .query(sql, &[&self.repository, &self.env, &cursor, &PAGE])
                    .await?;
                Ok(rows.iter().map(|r| (r.get(0), r.get(1))).collect())
            })?;
            let done = (rows.len() as i64) < PAGE;
            for (id, doc) in rows {
                cursor = id;
                match self.parse_doc(&doc, id) {
                    Ok(s) => {
                        if !f(s) {
                            return Ok(());
                        }
                    }
                    Err(e) => tracing::warn!("skipping malformed history entry: {e}"),
                }
            }
            if done {
                return Ok(());
            }
        }
    }
}

/// Connects to `target`, the whole handshake bounded by its connect timeout.
fn connect(target: &Target, vars: &PgVars) -> Result<Conn> {
    let config = target.config(vars)?;
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_io()
        .enable_time()
        .build()
        .map_err(|e| target.error("cannot start the client", &e.to_string()))?;
    let tls = tls_connector(target)?;
    let limit = config
        .get_connect_timeout()
        .copied()
        .unwrap_or(Duration::from_secs(DEFAULT_CONNECT_TIMEOUT));
    let client = rt.block_on(async {
        match tokio::time::timeout(limit, config.connect(tls)).await {
            Err(_) => Err(target.error(
                "cannot connect",
                &format!(
                    "no answer within {} s (check the host, the port and the firewall; connect_timeout=SECONDS)",
                    limit.as_secs()
                ),
            )),
            Ok(Err(e)) => Err(target.error("cannot connect", &pg_text(&e))),
            Ok(Ok((client, connection))) => {
                tokio::spawn(async move {
                    if let Err(e) = connection.await {
                        tracing::debug!("postgres connection ended: {e}");
                    }
                });
                Ok(client)
            }
        }
    })?;
    Ok(Conn { rt, client })
}

/// The rustls connector for `target`'s `sslmode`.
fn tls_connector(target: &Target) -> Result<tokio_postgres_rustls::MakeRustlsConnect> {
    use rustls::client::danger::ServerCertVerifier;
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let builder = rustls::ClientConfig::builder_with_provider(provider.clone())
        .with_safe_default_protocol_versions()
        .map_err(|e| target.error("cannot set up TLS", &e.to_string()))?;
    let verifier: Arc<dyn ServerCertVerifier> = match target.ssl {
        SslMode::Disable | SslMode::Prefer | SslMode::Require => {
            Arc::new(tls::AcceptAny(provider.clone()))
        }
        SslMode::VerifyCa | SslMode::VerifyFull => {
            let roots = Arc::new(root_store(target)?);
            let inner = rustls::client::WebPkiServerVerifier::builder_with_provider(
                roots,
                provider.clone(),
            )
            .build()
            .map_err(|e| target.error("cannot set up TLS", &e.to_string()))?;
            if target.ssl == SslMode::VerifyCa {
                Arc::new(tls::ChainOnly(inner))
            } else {
                inner
            }
        }
    };
    let config = builder
        .dangerous()
        .with_custom_certificate_verifier(verifier)
        .with_no_client_auth();
    Ok(tokio_postgres_rustls::MakeRustlsConnect::new(config))
}

/// The roots of `verify-ca`/`verify-full`: the `sslrootcert` file, else the system's.
fn root_store(target: &Target) -> Result<rustls::RootCertStore> {
    use rustls::pki_types::pem::PemObject;
    let mut roots = rustls::RootCertStore::empty();
    match target.root_cert.as_deref().filter(|p| *p != "system") {
        Some(path) => {
            let certs = rustls::pki_types::CertificateDer::pem_file_iter(path)
                .and_then(|it| it.collect::<std::result::Result<Vec<_>, _>>())
                .map_err(|e| {
                    target.error(&format!("cannot read sslrootcert '{path}'"), &e.to_string())
                })?;
            for c in certs {
                roots.add(c).map_err(|e| {
                    target.error(&format!("bad certificate in '{path}'"), &e.to_string())
                })?;
            }
        }
        None => {
            let found = rustls_native_certs::load_native_certs();
            for c in found.certs {
                let _ = roots.add(c);
            }
        }
    }
    if roots.is_empty() {
        return Err(target.error(
            "cannot verify the server",
            "no root certificates found (install ca-certificates, set SSL_CERT_FILE, or sslrootcert=FILE)",
        ));
    }
    Ok(roots)
}

/// The certificate verifiers of `prefer`/`require` (none, as libpq) and `verify-ca`.
mod tls {
    use rustls::client::danger::{HandshakeSignatureValid, ServerCertVerified, ServerCertVerifier};
    use rustls::crypto::{verify_tls12_signature, verify_tls13_signature, CryptoProvider};
    use rustls::pki_types::{CertificateDer, ServerName, UnixTime};
    use rustls::{CertificateError, DigitallySignedStruct, SignatureScheme};
    use std::sync::Arc;

    /// Accepts any certificate (libpq's `require`: encrypted, not authenticated); the
    /// handshake signatures are still checked.
    #[derive(Debug)]
    pub struct AcceptAny(pub Arc<CryptoProvider>);

    impl ServerCertVerifier for AcceptAny {
        fn verify_server_cert(
            &self,
            _end_entity: &CertificateDer<'_>,
            _intermediates: &[CertificateDer<'_>],
            _server_name: &ServerName<'_>,
            _ocsp: &[u8],
            _now: UnixTime,
        ) -> Result<ServerCertVerified, rustls::Error> {
            Ok(ServerCertVerified::assertion())
        }
        fn verify_tls12_signature(
            &self,
            message: &[u8],
            cert: &CertificateDer<'_>,
            dss: &DigitallySignedStruct,
        ) -> Result<HandshakeSignatureValid, rustls::Error> {
            verify_tls12_signature(
                message,
                cert,
                dss,
                &self.0.signature_verification_algorithms,
            )
        }
        fn verify_tls13_signature(
            &self,
            message: &[u8],
            cert: &CertificateDer<'_>,
            dss: &DigitallySignedStruct,
        ) -> Result<HandshakeSignatureValid, rustls::Error> {
            verify_tls13_signature(
                message,
                cert,
                dss,
                &self.0.signature_verification_algorithms,
            )
        }
        fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
            self.0.signature_verification_algorithms.supported_schemes()
        }
    }

    /// `verify-ca`: the chain must lead to a root, the host name is not checked.
    #[derive(Debug)]
    pub struct ChainOnly(pub Arc<rustls::client::WebPkiServerVerifier>);

    impl ServerCertVerifier for ChainOnly {
        fn verify_server_cert(
            &self,
            end_entity: &CertificateDer<'_>,
            intermediates: &[CertificateDer<'_>],
            server_name: &ServerName<'_>,
            ocsp: &[u8],
            now: UnixTime,
        ) -> Result<ServerCertVerified, rustls::Error> {
            match self
                .0
                .verify_server_cert(end_entity, intermediates, server_name, ocsp, now)
            {
                Err(rustls::Error::InvalidCertificate(
                    CertificateError::NotValidForName
                    | CertificateError::NotValidForNameContext { .. },
                )) => Ok(ServerCertVerified::assertion()),
                other => other,
            }
        }
        fn verify_tls12_signature(
            &self,
            message: &[u8],
            cert: &CertificateDer<'_>,
            dss: &DigitallySignedStruct,
        ) -> Result<HandshakeSignatureValid, rustls::Error> {
            self.0.verify_tls12_signature(message, cert, dss)
        }
        fn verify_tls13_signature(
            &self,
            message: &[u8],
            cert: &CertificateDer<'_>,
            dss: &DigitallySignedStruct,
        ) -> Result<HandshakeSignatureValid, rustls::Error> {
            self.0.verify_tls13_signature(message, cert, dss)
        }
        fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
            self.0.supported_verify_schemes()
        }
    }
}

/// The database's schema version: 0 for a database FlameIQ never used.
fn current_version(target: &Target, conn: &mut Conn) -> Result<i32> {
    let Conn { rt, client } = conn;
    rt.block_on(version_of(client))
        .map_err(|e| target.error("cannot read the schema version", &pg_text(&e)))
}

async fn version_of(
    c: &impl tokio_postgres::GenericClient,
) -> std::result::Result<i32, tokio_postgres::Error> {
    let exists: bool = c
        .query_one(
            "SELECT to_regclass('flameiq.schema_version') IS NOT NULL",
            &[],
        )
        .await?
        .get(0);
    if !exists {
        return Ok(0);
    }
    let v: Option<i32> = c
        .query_one("SELECT max(version) FROM flameiq.schema_version", &[])
        .await?
        .get(0);
    Ok(v.unwrap_or(0))
}

/// Brings the database to version `to` (at most [`SCHEMA_VERSION`]): each missing step in
/// one transaction, under the advisory lock. Returns the version found before.
fn migrate_conn(target: &Target, conn: &mut Conn, to: i32) -> Result<i32> {
    let found = current_version(target, conn)?;
    if found > SCHEMA_VERSION {
        return Err(target.error(
            "unsupported schema",
            &format!(
                "the database's flameiq schema is version {found}, this flameiq knows up to {SCHEMA_VERSION}; upgrade flameiq"
            ),
        ));
    }
    if found >= to {
        return Ok(found);
    }
    let Conn { rt, client } = conn;
    rt.block_on(async {
        // A session lock taken before the transaction, so that the transaction (which
        // reads the catalog afresh when it starts) sees what a process that held the lock
        // before committed. The server drops it with the connection, should this one die.
        client
            .execute("SELECT pg_advisory_lock($1)", &[&MIGRATION_LOCK])
            .await?;
        let done = migrate_locked(client, to).await;
        let unlocked = client
            .execute("SELECT pg_advisory_unlock($1)", &[&MIGRATION_LOCK])
            .await;
        done.and(unlocked.map(|_| ()))
    })
    .map_err(|e| {
        target.error(
            &format!("cannot migrate the schema to version {to}"),
            &pg_text(&e),
        )
    })?;
    Ok(found)
}

/// The migration steps up to `to`, in one transaction; the caller holds the lock.
async fn migrate_locked(
    client: &mut tokio_postgres::Client,
    to: i32,
) -> std::result::Result<(), tokio_postgres::Error> {
    let tx = client.transaction().await?;
    // Another process may have migrated while this one waited for the lock.
    let now = version_of(&tx).await?;
    for v in now + 1..=to {
        tx.batch_execute(MIGRATIONS[(v - 1) as usize]).await?;
        if v == 2 {
            backfill_run_time(&tx).await?;
        }
        tx.execute(
            "INSERT INTO flameiq.schema_version (version, flameiq_version) VALUES ($1, $2)",
            &[&v, &env!("CARGO_PKG_VERSION")],
        )
        .await?;
    }
    tx.commit().await
}

/// Migration 2: `run_time` of the runs stored before it, parsed as the write path does.
async fn backfill_run_time(
    tx: &tokio_postgres::Transaction<'_>,
) -> std::result::Result<(), tokio_postgres::Error> {
    let rows = tx
        .query("SELECT id, run_timestamp FROM flameiq.runs", &[])
        .await?;
    let update = tx
        .prepare("UPDATE flameiq.runs SET run_time = to_timestamp($2) WHERE id = $1")
        .await?;
    for r in rows {
        let id: i64 = r.get(0);
        let ts: String = r.get(1);
        if let Some(secs) = schema::timestamp_to_unix(&ts) {
            tx.execute(&update, &[&id, &secs]).await?;
        }
    }
    Ok(())
}

/// `flameiq store migrate`: connects to `target` and brings its schema to `to` (default:
/// [`SCHEMA_VERSION`]; a lower version is for tests and staged upgrades). Returns the
/// versions before and after.
pub fn migrate(
    target: &Target,
    to: Option<i32>,
    vars: &dyn Fn(&str) -> Option<String>,
) -> Result<(i32, i32)> {
    let to = to.unwrap_or(SCHEMA_VERSION);
    if !(1..=SCHEMA_VERSION).contains(&to) {
        return Err(Error::Usage(format!(
            "invalid schema version {to}: this flameiq knows versions 1 to {SCHEMA_VERSION}"
        )));
    }
    let mut conn = connect(target, &PgVars::from(vars))?;
    let before = migrate_conn(target, &mut conn, to)?;
    let after = current_version(target, &mut conn)?;
    Ok((before, after))
}

/// One run's rows, ready for the database.
struct RunRow {
    run_id: String,
    commit: Option<String>,
    branch: Option<String>,
    timestamp: String,
    run_time: Option<f64>,
    tags: String,
    metadata: String,
    document: String,
}

impl RunRow {
    fn of(snap: &Snapshot) -> RunRow {
        let doc = snap.to_value();
        let m = &snap.metadata;
        RunRow {
            run_id: m.run_id.clone(),
            commit: m.commit.clone(),
            branch: m.branch.clone(),
            timestamp: m.timestamp.clone(),
            run_time: schema::timestamp_to_unix(&m.timestamp),
            tags: pyjson::to_line(&m.tags),
            metadata: pyjson::to_line(&doc["metadata"]),
            document: pyjson::to_line(&doc),
        }
    }
}

/// Inserts one run and its values into an open transaction; returns its id. The caller
/// holds the environment's row lock.
async fn insert_run(
    tx: &tokio_postgres::Transaction<'_>,
    repository: &str,
    env: &str,
    snap: &Snapshot,
) -> std::result::Result<i64, tokio_postgres::Error> {
    let row = RunRow::of(snap);
    let id: i64 = tx
        .query_one(
            "INSERT INTO flameiq.runs
                 (repository, environment, run_id, commit_sha, branch, run_timestamp,
                  run_time, tags, metadata, document)
             VALUES ($1, $2, $3, $4, $5, $6, to_timestamp($7), $8::text::jsonb,
                     $9::text::jsonb, $10)
             RETURNING id",
            &[
                &repository,
                &env,
                &row.run_id,
                &row.commit,
                &row.branch,
                &row.timestamp,
                &row.run_time,
                &row.tags,
                &row.metadata,
                &row.document,
            ],
        )
        .await?
        .get(0);
    let sink = tx
        .copy_in(
            "COPY flameiq.run_values (run, ord, key, value, unit, direction, samples)
             FROM STDIN (FORMAT binary)",
        )
        .await?;
    let writer = BinaryCopyInWriter::new(
        sink,
        &[
            Type::INT8,
            Type::INT4,
            Type::TEXT,
            Type::FLOAT8,
            Type::TEXT,
            Type::TEXT,
            Type::FLOAT8_ARRAY,
        ],
    );
    let mut writer = std::pin::pin!(writer);
    for (ord, (key, value)) in snap.metrics.iter().enumerate() {
        let info = snap.metrics.info(key);
        let unit = info.and_then(|i| i.unit.as_deref());
        let samples = info.filter(|i| !i.samples.is_empty()).map(|i| &i.samples);
        let direction = snap.direction_of(key).as_str();
        let ord = ord as i32;
        let v = value.as_f64().unwrap_or(f64::NAN);
        writer
            .as_mut()
            .write(&[&id, &ord, key, &v, &unit, &direction, &samples])
            .await?;
    }
    writer.finish().await?;
    Ok(id)
}

/// Takes the environment's row lock (creating the row): writers of one environment queue.
async fn lock_env(
    tx: &tokio_postgres::Transaction<'_>,
    repository: &str,
    env: &str,
) -> std::result::Result<(), tokio_postgres::Error> {
    tx.execute(
        "INSERT INTO flameiq.stores (repository, environment) VALUES ($1, $2)
         ON CONFLICT (repository, environment) DO NOTHING",
        &[&repository, &env],
    )
    .await?;
    tx.execute(
        "SELECT 1 FROM flameiq.stores WHERE repository = $1 AND environment = $2 FOR UPDATE",
        &[&repository, &env],
    )
    .await?;
    Ok(())
}

impl Store for PgStore {
    fn describe(&self) -> String {
        if self.env.is_empty() {
            format!("{} (repository {})", self.target().shown, self.repository)
        } else {
            format!(
                "{} (repository {}, env {})",
                self.target().shown,
                self.repository,
                self.env
            )
        }
    }

    fn load_baseline(&self) -> Result<Snapshot> {
        let doc: Option<String> = self.with("cannot read the baseline", async |c| {
            let row = c
                .query_opt(
                    "SELECT baseline FROM flameiq.stores WHERE repository = $1 AND environment = $2",
                    &[&self.repository, &self.env],
                )
                .await?;
            Ok(row.and_then(|r| r.get::<_, Option<String>>(0)))
        })?;
        let where_ = self.describe();
        match doc {
            None => Err(Error::NoBaseline {
                path: where_.into(),
            }),
            Some(d) => Snapshot::from_json_str(&d, Path::new(&where_)).map_err(|e| {
                Error::BaselineCorrupted {
                    path: where_.clone().into(),
                    reason: match e {
                        Error::MetricsInvalid { reason, .. } => reason,
                        other => other.to_string(),
                    },
                }
            }),
        }
    }

    fn has_data(&self) -> Result<bool> {
        self.with("cannot read the store", async |c| {
            let row = c
                .query_one(
                    "SELECT EXISTS (SELECT 1 FROM flameiq.stores
                                    WHERE repository = $1 AND environment = $2 AND baseline IS NOT NULL)
                         OR EXISTS (SELECT 1 FROM flameiq.runs
                                    WHERE repository = $1 AND environment = $2)",
                    &[&self.repository, &self.env],
                )
                .await?;
            Ok(row.get(0))
        })
    }

    fn save_baseline(&self, snap: &Snapshot, max_history: Option<usize>) -> Result<()> {
        let baseline = pyjson::to_line(&snap.to_value());
        let keep = max_history.map(|m| m.max(1) as i64);
        self.with("cannot save the baseline", async |c| {
            let tx = c.transaction().await?;
            lock_env(&tx, &self.repository, &self.env).await?;
            insert_run(&tx, &self.repository, &self.env, snap).await?;
            tx.execute(
                "UPDATE flameiq.stores SET baseline = $3, updated_at = now()
                 WHERE repository = $1 AND environment = $2",
                &[&self.repository, &self.env, &baseline],
            )
            .await?;
            if let Some(keep) = keep {
                tx.execute(
                    "DELETE FROM flameiq.runs WHERE id IN (
                         SELECT id FROM flameiq.runs WHERE repository = $1 AND environment = $2
                         ORDER BY id DESC OFFSET $3)",
                    &[&self.repository, &self.env, &keep],
                )
                .await?;
            }
            tx.commit().await
        })
    }

    fn history_tail(&self, n: usize) -> Result<Vec<Snapshot>> {
        if n == 0 {
            return Ok(Vec::new());
        }
        let n = n.min(i64::MAX as usize) as i64;
        let rows: Vec<(i64, String)> = self.with("cannot read the history", async |c| {
            let rows = c
                .query(
                    "SELECT id, document FROM flameiq.runs
                     WHERE repository = $1 AND environment = $2
                     ORDER BY id DESC LIMIT $3",
                    &[&self.repository, &self.env, &n],
                )
                .await?;
            Ok(rows.iter().map(|r| (r.get(0), r.get(1))).collect())
        })?;
        let mut out = Vec::with_capacity(rows.len());
        for (id, doc) in rows.iter().rev() {
            match self.parse_doc(doc, *id) {
                Ok(s) => out.push(s),
                Err(e) => tracing::warn!("skipping malformed history entry: {e}"),
            }
        }
        Ok(out)
    }

    fn walk_history_backwards(&self, f: &mut dyn FnMut(Snapshot) -> bool) -> Result<()> {
        self.walk(true, f)
    }

    fn walk_history_forwards(&self, f: &mut dyn FnMut(Snapshot) -> bool) -> Result<()> {
        self.walk(false, f)
    }

    fn run_for_commit(&self, commit: &str) -> Result<Option<Snapshot>> {
        let want = commit.trim().to_ascii_lowercase();
        if want.is_empty() {
            return Ok(None);
        }
        // Candidates by prefix either way (the index serves equality); the file store's
        // rule (super::same_commit) decides.
        let rows: Vec<(i64, String, String)> = self.with("cannot read the history", async |c| {
            let rows = c
                .query(
                    "SELECT id, commit_sha, document FROM flameiq.runs
                     WHERE repository = $1 AND environment = $2 AND commit_sha IS NOT NULL
                       AND (starts_with(lower(btrim(commit_sha)), $3)
                            OR starts_with($3, lower(btrim(commit_sha))))
                     ORDER BY id DESC",
                    &[&self.repository, &self.env, &want],
                )
                .await?;
            Ok(rows
                .iter()
                .map(|r| (r.get(0), r.get(1), r.get(2)))
                .collect())
        })?;
        for (id, sha, doc) in rows {
            if super::same_commit(&sha, commit) {
                match self.parse_doc(&doc, id) {
                    Ok(s) => return Ok(Some(s)),
                    Err(e) => tracing::warn!("skipping malformed history entry: {e}"),
                }
            }
        }
        Ok(None)
    }

    fn clear(&self) -> Result<()> {
        self.with("cannot clear the store", async |c| {
            let tx = c.transaction().await?;
            lock_env(&tx, &self.repository, &self.env).await?;
            // The runs (and their values) go with the row: ON DELETE CASCADE.
            tx.execute(
                "DELETE FROM flameiq.stores WHERE repository = $1 AND environment = $2",
                &[&self.repository, &self.env],
            )
            .await?;
            tx.commit().await
        })
    }

    fn environments(&self) -> Result<Vec<String>> {
        self.with("cannot list the environments", async |c| {
            let rows = c
                .query(
                    "SELECT environment FROM flameiq.stores WHERE repository = $1
                     ORDER BY environment COLLATE \"C\"",
                    &[&self.repository],
                )
                .await?;
            Ok(rows.iter().map(|r| r.get(0)).collect())
        })
    }

    fn for_env(&self, env: &str) -> Result<Box<dyn Store>> {
        super::check_env_name(env)?;
        Ok(Box::new(PgStore {
            shared: self.shared.clone(),
            repository: self.repository.clone(),
            env: env.to_string(),
        }))
    }

    fn replace_envs(&self, dumps: &[(String, Dump)]) -> Result<()> {
        for (env, _) in dumps {
            super::check_env_name(env)?;
        }
        self.with("cannot import", async |c| {
            let tx = c.transaction().await?;
            for (env, dump) in dumps {
                lock_env(&tx, &self.repository, env).await?;
                tx.execute(
                    "DELETE FROM flameiq.runs WHERE repository = $1 AND environment = $2",
                    &[&self.repository, env],
                )
                .await?;
                for run in &dump.history {
                    insert_run(&tx, &self.repository, env, run).await?;
                }
                let baseline = dump
                    .baseline
                    .as_ref()
                    .map(|b| pyjson::to_line(&b.to_value()));
                tx.execute(
                    "UPDATE flameiq.stores SET baseline = $3, updated_at = now()
                     WHERE repository = $1 AND environment = $2",
                    &[&self.repository, env, &baseline],
                )
                .await?;
            }
            tx.commit().await
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn issue15_redact_drops_the_password() {
        assert_eq!(
            redact("postgres://u:s3cr3t@db.example:5432/perf?sslmode=require"),
            "postgres://u@db.example:5432/perf?sslmode=require"
        );
        assert_eq!(
            redact("postgresql://u@h/db?password=s3cr3t&sslmode=disable"),
            "postgresql://u@h/db?sslmode=disable"
        );
        assert_eq!(redact("postgres://h/db"), "postgres://h/db");
        // A password holding '@' and ':' (URL-encoded or not).
        assert_eq!(redact("postgres://u:p@ss:w@h/db"), "postgres://u@h/db");
    }

    #[test]
    fn issue15_url_forms_and_sslmodes() {
        let t = Target::parse("postgres://u:pw@127.0.0.1:5432/db?sslmode=verify-full").unwrap();
        assert_eq!(t.ssl_mode(), SslMode::VerifyFull);
        assert_eq!(
            t.to_string(),
            "postgres://u@127.0.0.1:5432/db?sslmode=verify-full"
        );
        assert!(!format!("{t:?}").contains("pw"));
        let t = Target::parse("postgresql://u@h/db").unwrap();
        assert_eq!(t.ssl_mode(), SslMode::Prefer);
        for (bad, why) in [
            ("postgres://u:pw@h/db?sslmode=sometimes", "unknown sslmode"),
            (
                "postgres://u:pw@h/db?connect_timeout=soon",
                "connect_timeout",
            ),
            ("postgres://u:pw@h/db?bogus_option=1", "invalid store"),
        ] {
            let e = Target::parse(bad).unwrap_err();
            assert_eq!(e.exit_code(), 2);
            let msg = e.to_string();
            assert!(msg.contains(why), "{msg}");
            assert!(!msg.contains("pw@"), "{msg}");
        }
    }

    #[test]
    fn issue15_scrub_and_one_line() {
        let url = "postgres://u:hunter22@h/db";
        assert_eq!(scrub("FATAL: bad hunter22", url), "FATAL: bad ***");
        assert_eq!(one_line("a\nDETAIL: b\n\nHINT: c"), "a; DETAIL: b; HINT: c");
    }

    #[test]
    fn issue15_percent_decode_never_splits_a_character() {
        assert_eq!(percent_decode("/etc/ca%20file.pem"), "/etc/ca file.pem");
        assert_eq!(percent_decode("%é%zz%4"), "%é%zz%4");
        assert_eq!(percent_decode("%41%"), "A%");
    }

    #[test]
    fn issue15_migrations_are_numbered_from_one() {
        assert_eq!(MIGRATIONS.len(), SCHEMA_VERSION as usize);
    }
}
