//! A real PostgreSQL server for the `postgres` store's tests (issue 15).
//!
//! The server is the one `FLAMEIQ_TEST_POSTGRES_URL` names (a superuser URL:
//! `scripts/pg-cluster.sh start` prints one, and `.ci/run` exports it). Without it a test
//! prints a note and returns, unless `FLAMEIQ_REQUIRE_POSTGRES=1` (CI), where it fails.
//! Every test gets a database of its own, dropped again when the guard goes.

#![allow(dead_code)]

use std::sync::atomic::{AtomicUsize, Ordering};

/// The server's URL, or `None` (with a printed note) when no server is configured.
pub fn server() -> Option<String> {
    match std::env::var("FLAMEIQ_TEST_POSTGRES_URL") {
        Ok(u) if !u.trim().is_empty() => Some(u.trim().to_string()),
        _ => {
            assert!(
                std::env::var("FLAMEIQ_REQUIRE_POSTGRES").is_err(),
                "a PostgreSQL server is required (FLAMEIQ_REQUIRE_POSTGRES is set) but FLAMEIQ_TEST_POSTGRES_URL is not: run scripts/pg-cluster.sh start"
            );
            eprintln!(
                "skipping: no PostgreSQL server (export FLAMEIQ_TEST_POSTGRES_URL=$(scripts/pg-cluster.sh start))"
            );
            None
        }
    }
}

/// `url` with its database replaced by `db`.
pub fn with_db(url: &str, db: &str) -> String {
    let (base, query) = match url.split_once('?') {
        Some((b, q)) => (b, Some(q)),
        None => (url, None),
    };
    let scheme_end = base.find("://").map_or(0, |i| i + 3);
    let path_start = base[scheme_end..]
        .find('/')
        .map_or(base.len(), |i| scheme_end + i);
    let mut out = format!("{}/{db}", &base[..path_start]);
    if let Some(q) = query {
        out.push('?');
        out.push_str(q);
    }
    out
}

/// `url` with its password removed (user info `user:pw@` becomes `user@`).
pub fn without_password(url: &str) -> (String, String) {
    let scheme_end = url.find("://").unwrap() + 3;
    let at = url[scheme_end..].find('@').unwrap() + scheme_end;
    let userinfo = &url[scheme_end..at];
    let (user, pw) = userinfo.split_once(':').unwrap();
    (
        format!("{}{user}{}", &url[..scheme_end], &url[at..]),
        pw.to_string(),
    )
}

/// The password of `url`.
pub fn password(url: &str) -> String {
    without_password(url).1
}

/// Runs `sql` (simple protocol, several statements allowed) on `url`; returns the rows of
/// the last statement, each value as text (`None` for NULL).
pub fn sql(url: &str, sql: &str) -> Vec<Vec<Option<String>>> {
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    rt.block_on(async {
        let (client, conn) = tokio_postgres::connect(url, tokio_postgres::NoTls)
            .await
            .unwrap_or_else(|e| panic!("test connection to the server failed: {e}"));
        let task = tokio::spawn(conn);
        let msgs = client
            .simple_query(sql)
            .await
            .unwrap_or_else(|e| panic!("{sql}: {e:?}"));
        let mut rows = Vec::new();
        for m in msgs {
            match m {
                tokio_postgres::SimpleQueryMessage::Row(r) => {
                    rows.push((0..r.len()).map(|i| r.get(i).map(str::to_string)).collect())
                }
                tokio_postgres::SimpleQueryMessage::CommandComplete(_) => {}
                _ => {}
            }
        }
        drop(client);
        let _ = task.await;
        rows
    })
}

/// The single value of a one-row, one-column query.
pub fn scalar(url: &str, q: &str) -> String {
    let rows = sql(url, q);
    assert_eq!(rows.len(), 1, "{q}: {rows:?}");
    rows[0][0].clone().unwrap_or_default()
}

/// A database of one test: created fresh, dropped on drop.
pub struct TestDb {
    /// The server's URL (database `postgres`).
    pub admin: String,
    /// The name of the database.
    pub name: String,
    /// The URL of the test's database.
    pub url: String,
}

static SEQ: AtomicUsize = AtomicUsize::new(0);

impl TestDb {
    /// A new, empty database named after `test` (or `None` when no server is configured).
    pub fn new(test: &str) -> Option<TestDb> {
        let admin = server()?;
        let name = format!(
            "fiq_{}_{}_{}",
            test.chars()
                .filter(|c| c.is_ascii_alphanumeric() || *c == '_')
                .take(30)
                .collect::<String>()
                .to_ascii_lowercase(),
            std::process::id(),
            SEQ.fetch_add(1, Ordering::SeqCst)
        );
        sql(
            &admin,
            &format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"),
        );
        sql(&admin, &format!("CREATE DATABASE {name}"));
        let url = with_db(&admin, &name);
        Some(TestDb { admin, name, url })
    }
}

impl Drop for TestDb {
    fn drop(&mut self) {
        let _ = std::panic::catch_unwind(|| {
            sql(
                &self.admin,
                &format!("DROP DATABASE IF EXISTS {} WITH (FORCE)", self.name),
            )
        });
    }
}
