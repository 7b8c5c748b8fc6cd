//! A fresh, migrated database per test: a temporary SQLite file, or a new database on the
//! PostgreSQL server named by `TEST_DATABASE_URL`.

use std::sync::Arc;

use server::store::{self, Store};

pub fn backend_name() -> &'static str {
    if std::env::var("TEST_DATABASE_URL").is_ok() { "postgres" } else { "sqlite" }
}

pub async fn test_store() -> Arc<dyn Store> {
    let url = match std::env::var("TEST_DATABASE_URL") {
        Ok(server_url) => fresh_postgres_database(&server_url).await,
        Err(_) => {
            // Kept for the life of the test process; the OS temp dir is cleaned by tempfile's
            // owner otherwise, and a leaked dir per test is a few KB.
            let dir = tempfile::tempdir().expect("temp dir").keep();
            format!("sqlite://{}/canopy.db", dir.display())
        }
    };
    let store = store::connect(&url).await.expect("test database opens");
    store.migrate().await.expect("migrations apply");
    store
}

async fn fresh_postgres_database(server_url: &str) -> String {
    use sqlx::Connection;
    let name = format!("canopy_test_{}", uuid::Uuid::new_v4().simple());
    let mut admin = sqlx::PgConnection::connect(server_url).await.expect("TEST_DATABASE_URL is reachable");
    sqlx::query(sqlx::AssertSqlSafe(format!("CREATE DATABASE {name}"))).execute(&mut admin).await.expect("create test database");
    admin.close().await.ok();
    let (base, _) = server_url.rsplit_once('/').expect("TEST_DATABASE_URL ends with /<database>");
    format!("{base}/{name}")
}
