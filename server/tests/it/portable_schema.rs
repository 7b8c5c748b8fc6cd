//! The SQLite file Canopy writes, as an operator's own tools read it: Debian's stock `sqlite3`
//! (3.40, older than the SQLite bundled into the server) must find nothing wrong with it. Before
//! SQLite 3.45 `json_valid(NULL)` is 0, not NULL, so a CHECK that only the bundled version accepts
//! makes `PRAGMA integrity_check` report a healthy database as damaged.
//!
//! These tests make SQLite files whichever backend the suite runs on: the file is what they test.

use std::{path::Path, process::Command, str::FromStr, sync::Arc};

use axum::http::StatusCode;
use serde_json::json;
use server::{
    features::install,
    store::{self, Store},
};
use sqlx::{
    Connection,
    migrate::Migrator,
    sqlite::{SqliteConnectOptions, SqliteConnection},
};

use crate::app::TestApp;

/// Debian's `sqlite3` package (`scripts/setup.sh test` installs it), not whatever is first on PATH.
const SYSTEM_SQLITE3: &str = "/usr/bin/sqlite3";
const PROD: &str = "/portal/v1/accounts/acme/applications/billing/environments/production";
/// Migrations 0001–0002: the schema the server wrote until 0003.
const BEFORE_PORTABLE_CHECKS: i64 = 2;

/// What the system `sqlite3` prints for `sql` on the database file; panics when it fails to run.
fn system_sqlite3(db: &Path, sql: &str) -> String {
    let output = Command::new(SYSTEM_SQLITE3)
        .arg("-init")
        .arg("/dev/null") // not the tester's ~/.sqliterc
        .arg(db)
        .arg(sql)
        .output()
        .unwrap_or_else(|err| panic!("cannot run {SYSTEM_SQLITE3} ({err}): install Debian's sqlite3 (bash scripts/setup.sh test)"));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(output.status.success() && stderr.is_empty(), "{SYSTEM_SQLITE3} failed on {sql:?}: {stderr}");
    String::from_utf8_lossy(&output.stdout).trim_end().to_owned()
}

/// Both of SQLite's checks of a whole file: `ok` from integrity_check (which also evaluates every
/// CHECK constraint on every row), and no row from foreign_key_check.
fn system_checks(db: &Path) -> String {
    system_sqlite3(db, "PRAGMA integrity_check; PRAGMA foreign_key_check;")
}

/// Whether the system sqlite3 reads `json_valid(NULL)` as 0 (before 3.45), so that a CHECK
/// written for the bundled SQLite alone fails there.
fn system_sqlite3_predates_3_45() -> bool {
    let version = system_sqlite3(Path::new(":memory:"), "SELECT sqlite_version();");
    let mut parts = version.split('.').map(|part| part.parse::<u32>().unwrap_or(0));
    let (major, minor) = (parts.next().unwrap_or(0), parts.next().unwrap_or(0));
    (major, minor) < (3, 45)
}

fn sqlite_file() -> (tempfile::TempDir, std::path::PathBuf, String) {
    let dir = tempfile::Builder::new().prefix("canopy-portable-").tempdir().expect("temp dir");
    let file = dir.path().join("canopy.db");
    let url = format!("sqlite://{}", file.display());
    (dir, file, url)
}

/// The writes an admin makes that store NULL audit states: signing in, a create (nothing before)
/// and a delete (nothing after).
async fn create_and_delete_a_node(store: Arc<Store>) {
    install::service::seed_demo(store.as_ref()).await.expect("demo data loads");
    let app = TestApp::over(store);
    let token = app.demo_token().await;
    let node = app.post(&format!("{PROD}/nodes"), Some(&token), json!({ "name": "Portable", "parent_id": null })).await;
    assert_eq!(node.status, StatusCode::CREATED, "{}", node.body);
    let id = node.body["id"].as_str().expect("node id");
    assert_eq!(app.delete(&format!("{PROD}/nodes/{id}"), Some(&token)).await.status, StatusCode::NO_CONTENT);
}

/// `(rows with no before state, rows with no after state)` of the node's audit events.
fn null_audit_states(db: &Path) -> String {
    system_sqlite3(
        db,
        "SELECT count(*) FILTER (WHERE before_state IS NULL) || ' ' || count(*) FILTER (WHERE after_state IS NULL)
         FROM audit_events WHERE target_type = 'node' AND action IN ('node.create', 'node.delete');",
    )
}

#[tokio::test]
async fn a_database_the_server_wrote_passes_the_system_sqlite3_checks() {
    let (_dir, db, url) = sqlite_file();
    let store = store::connect(&url).await.expect("database opens");
    store.migrate().await.expect("migrations apply");
    create_and_delete_a_node(store).await;

    assert_eq!(null_audit_states(&db), "1 1", "the create has no before state and the delete no after state");
    assert_eq!(system_checks(&db), "ok");
    // And the older SQLite can write such rows (the old CHECKs made it refuse them).
    system_sqlite3(&db, "BEGIN; UPDATE audit_events SET before_state = before_state, after_state = after_state; ROLLBACK;");
}

#[tokio::test]
async fn migration_0003_repairs_a_database_written_before_it() {
    let (_dir, db, url) = sqlite_file();
    // The schema of a server from before 0003: only the migrations it had.
    let options = SqliteConnectOptions::from_str(&url).expect("url").create_if_missing(true);
    let mut connection = SqliteConnection::connect_with(&options).await.expect("database opens");
    let migrator: Migrator = sqlx::migrate!("../migrations/sqlite");
    migrator.run_to(BEFORE_PORTABLE_CHECKS, &mut connection).await.expect("migrations 0001-0002 apply");
    // What such a server wrote when an admin created and deleted a node: a create event with no
    // before state and a delete event with no after state. Written as that server's SQL did,
    // since today's server writes columns that later migrations add.
    for statement in [
        "INSERT INTO accounts (id, slug, name, created_at) VALUES ('acct', 'acme', 'Acme', 0)",
        "INSERT INTO audit_events (id, account_id, actor_type, action, target_type, target_id, before_state, after_state, created_at) \
         VALUES ('e1', 'acct', 'admin', 'node.create', 'node', 'n1', NULL, '{\"name\":\"Portable\"}', 1)",
        "INSERT INTO audit_events (id, account_id, actor_type, action, target_type, target_id, before_state, after_state, created_at) \
         VALUES ('e2', 'acct', 'admin', 'node.delete', 'node', 'n1', '{\"name\":\"Portable\"}', NULL, 2)",
    ] {
        sqlx::query(statement).execute(&mut connection).await.expect("the old server's write");
    }
    connection.close().await.expect("closes");

    assert_eq!(null_audit_states(&db), "1 1");
    let events = system_sqlite3(&db, "SELECT count(*) FROM audit_events;");
    if system_sqlite3_predates_3_45() {
        let before = system_checks(&db);
        assert!(before.contains("CHECK constraint failed in audit_events"), "the system sqlite3 should reject 0001's CHECKs, got: {before}");
    } else {
        eprintln!("{SYSTEM_SQLITE3} is SQLite 3.45 or newer, which accepts 0001's CHECKs: only the repaired file is checked");
    }

    let store = store::connect(&url).await.expect("database opens");
    store.migrate().await.expect("migration 0003 applies");
    drop(store);

    assert_eq!(system_checks(&db), "ok");
    assert_eq!(system_sqlite3(&db, "SELECT count(*) FROM audit_events;"), events, "the rebuild keeps every event");
    assert_eq!(null_audit_states(&db), "1 1");
    assert_eq!(
        system_sqlite3(&db, "SELECT group_concat(name, ' ') FROM (SELECT name FROM sqlite_schema WHERE tbl_name = 'audit_events' AND type = 'index' ORDER BY name);"),
        "audit_events_account_created_idx audit_events_target_idx sqlite_autoindex_audit_events_1",
        "the rebuilt table has its indexes back, under their names"
    );
}
