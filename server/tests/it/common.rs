//! A fresh, migrated database per test: a SQLite file in a new temporary directory, or, when
//! `TEST_DATABASE_URL` names a PostgreSQL server (scripts/with-postgres.sh starts a throwaway one),
//! a new database `canopy_test_<random>` on it. Either is removed when the test's thread ends,
//! so repeated runs leave nothing behind in the temp dir or on a long-lived server.

use std::{cell::RefCell, sync::Arc, time::Duration};

use server::store::{self, Store};
use sqlx::{Connection, PgConnection, SqliteConnection};

/// The PostgreSQL server the suite runs against, if any.
fn postgres_server_url() -> Option<String> {
    std::env::var("TEST_DATABASE_URL").ok().filter(|url| !url.is_empty())
}

pub fn backend_name() -> &'static str {
    if postgres_server_url().is_some() { "postgres" } else { "sqlite" }
}

pub async fn test_store() -> Arc<Store> {
    test_store_and_url().await.0
}

/// A fresh store and its URL, for a test that also talks to the database directly.
pub async fn test_store_and_url() -> (Arc<Store>, String) {
    let url = test_database_url().await;
    let store = store::connect(&url).await.expect("test database opens");
    store.migrate().await.expect("migrations apply");
    (store, url)
}

/// The URL of a fresh, empty database of the suite's backend (removed when the test ends), for
/// tests that hand it to a `canopy` process.
pub async fn test_database_url() -> String {
    match postgres_server_url() {
        Some(server_url) => {
            let (url, name) = fresh_postgres_database(&server_url).await;
            on_thread_exit(Scratch::Postgres { server_url, name });
            url
        }
        None => {
            let dir = tempfile::Builder::new().prefix("canopy-test-").tempdir().expect("temp dir");
            let url = format!("sqlite://{}/canopy.db", dir.path().display());
            on_thread_exit(Scratch::Sqlite(dir));
            url
        }
    }
}

/// Runs one statement on the database at `url` behind the store's back.
pub async fn execute_raw(url: &str, statement: &str) -> Result<(), sqlx::Error> {
    let statement = || sqlx::AssertSqlSafe(statement.to_owned());
    if url.starts_with("sqlite:") {
        sqlx::query(statement()).execute(&mut sqlx::SqliteConnection::connect(url).await?).await.map(drop)
    } else {
        sqlx::query(statement()).execute(&mut sqlx::PgConnection::connect(url).await?).await.map(drop)
    }
}

/// Creates an empty database on the server and returns its URL and name.
async fn fresh_postgres_database(server_url: &str) -> (String, String) {
    let name = format!("canopy_test_{}", uuid::Uuid::new_v4().simple());
    let mut admin = sqlx::PgConnection::connect(server_url).await.expect("TEST_DATABASE_URL is reachable");
    sqlx::query(sqlx::AssertSqlSafe(format!("CREATE DATABASE {name}"))).execute(&mut admin).await.expect("create test database");
    admin.close().await.ok();
    let (base, _) = server_url.rsplit_once('/').expect("TEST_DATABASE_URL ends with /<database>");
    (format!("{base}/{name}"), name)
}

/// What a test created outside its own memory, removed when dropped.
enum Scratch {
    /// Removing the directory also removes the database file, its WAL and shared-memory files.
    Sqlite(#[allow(dead_code)] tempfile::TempDir),
    Postgres { server_url: String, name: String },
}

impl Drop for Scratch {
    fn drop(&mut self) {
        let Scratch::Postgres { server_url, name } = self else { return };
        // Runs at thread exit, where the test's runtime is gone: a short-lived one on its own
        // thread. Best effort; FORCE ends connections the test's pool may still hold.
        let (server_url, name) = (server_url.clone(), name.clone());
        let dropper = std::thread::spawn(move || {
            let Ok(runtime) = tokio::runtime::Builder::new_current_thread().enable_all().build() else { return };
            runtime.block_on(async {
                let drop_it = async {
                    let mut admin = sqlx::PgConnection::connect(&server_url).await?;
                    sqlx::query(sqlx::AssertSqlSafe(format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"))).execute(&mut admin).await?;
                    admin.close().await
                };
                let _ = tokio::time::timeout(Duration::from_secs(10), drop_it).await;
            });
        });
        let _ = dropper.join();
    }
}

thread_local! {
    static SCRATCH: RefCell<Vec<Scratch>> = const { RefCell::new(Vec::new()) };
}

/// libtest runs each test on its own thread, so thread-local values are dropped when the test
/// ends (after its runtime and the store's pool are gone).
fn on_thread_exit(scratch: Scratch) {
    SCRATCH.with(|held| held.borrow_mut().push(scratch));
}

/// The database as a test inspects it behind the server's back (after a kill, after a run).
pub enum Inspector {
    Sqlite(SqliteConnection),
    Postgres(PgConnection),
}

impl Inspector {
    pub async fn open(url: &str) -> Self {
        if url.starts_with("sqlite:") {
            Inspector::Sqlite(SqliteConnection::connect(url).await.expect("the database opens"))
        } else {
            Inspector::Postgres(PgConnection::connect(url).await.expect("the database opens"))
        }
    }

    /// A `count(*)` with text binds.
    pub async fn count(&mut self, sql: &'static str, binds: &[&str]) -> i64 {
        match self {
            Inspector::Sqlite(connection) => binds.iter().fold(sqlx::query_scalar(sql), |query, bind| query.bind(*bind)).fetch_one(connection).await,
            Inspector::Postgres(connection) => binds.iter().fold(sqlx::query_scalar(sql), |query, bind| query.bind(*bind)).fetch_one(connection).await,
        }
        .expect("the count query runs")
    }

    pub async fn close(self) {
        let _ = match self {
            Inspector::Sqlite(connection) => connection.close().await,
            Inspector::Postgres(connection) => connection.close().await,
        };
    }
}
