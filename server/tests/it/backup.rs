//! `canopy backup` and `canopy restore` on SQLite: a backup taken while the database is served
//! and written holds every row committed before it began, each with its audit event, passes
//! Debian's `sqlite3` checks, and restores; a restore refuses a database in use, a damaged or
//! newer backup, and PostgreSQL (pointing to `pg_dump` / `pg_restore`). These tests make SQLite
//! files whichever backend the suite runs on: the file is what they test.

use std::{
    collections::HashSet,
    path::Path,
    process::Output,
    sync::{
        Arc,
        atomic::{AtomicBool, AtomicI64, Ordering},
    },
    time::Duration,
};

use axum::http::{Method, StatusCode};
use serde_json::{Value, json};
use server::{
    features::install,
    store::{self, IdentityPageSpec, PageSpec},
};

use crate::{
    app::TestApp,
    cli::{canopy, stderr, stdout},
};

const SYSTEM_SQLITE3: &str = "/usr/bin/sqlite3";

/// What Debian's `sqlite3` prints for `sql` on `db`.
fn sqlite3(db: &Path, sql: &str) -> String {
    let output = std::process::Command::new(SYSTEM_SQLITE3).arg("-init").arg("/dev/null").arg(db).arg(sql).output().expect("sqlite3 runs");
    assert!(output.status.success(), "{sql}: {}", String::from_utf8_lossy(&output.stderr));
    String::from_utf8_lossy(&output.stdout).trim_end().to_owned()
}

fn assignment_ids(db: &Path) -> HashSet<String> {
    sqlite3(db, "SELECT id FROM assignments;").lines().map(str::to_owned).collect()
}

async fn canopy_async(url: &str, args: &[&str]) -> Output {
    let (url, args): (String, Vec<String>) = (url.to_owned(), args.iter().map(|a| (*a).to_owned()).collect());
    tokio::task::spawn_blocking(move || canopy(&url, &args.iter().map(String::as_str).collect::<Vec<_>>())).await.expect("canopy ran")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_backup_under_writes_holds_every_earlier_row_and_restores() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("canopy.db");
    let copy = dir.path().join("backups/canopy-backup.db");
    std::fs::create_dir_all(copy.parent().unwrap()).unwrap();
    let url = format!("sqlite://{}", file.display());
    let store = store::connect(&url).await.expect("database opens");
    store.migrate().await.expect("migrations apply");
    install::service::seed_demo(store.as_ref()).await.expect("demo data");
    let app = TestApp::over(store.clone());
    let key = app.api_key("production").await;
    let demo_rows = sqlite3(&file, "SELECT count(*) FROM assignments;").parse::<i64>().unwrap();

    // The writer: bulk-creates of 25 new assignments through the management API, one
    // transaction each with its audit events, until told to stop.
    let account = store.account_by_slug("acme").await.unwrap().unwrap();
    let application = store.application_by_slug(&account.id, "billing").await.unwrap().unwrap();
    let env = store.environment_by_slug(&application.id, "production").await.unwrap().unwrap();
    let spec = IdentityPageSpec { page: PageSpec { limit: 1000, ..Default::default() }, ..Default::default() };
    let identities: Vec<String> =
        store.identity_page(&application.id, &spec).await.unwrap().0.into_iter().filter(|i| i.status.is_active()).map(|i| i.id).collect();
    let nodes: Vec<String> = store.nodes(&env.id).await.unwrap().into_iter().map(|n| n.id).collect();
    let role = store.roles(&env.id).await.unwrap().into_iter().find(|r| r.name == "viewer").unwrap().id;
    let (stop, written) = (Arc::new(AtomicBool::new(false)), Arc::new(AtomicI64::new(0)));
    let writer = {
        let app = TestApp { router: app.router.clone(), store: app.store.clone(), state: app.state.clone() };
        let (stop, written, key) = (stop.clone(), written.clone(), key.clone());
        tokio::spawn(async move {
            for node in &nodes {
                for chunk in identities.chunks(25) {
                    if stop.load(Ordering::SeqCst) {
                        return;
                    }
                    let items: Vec<Value> = chunk.iter().map(|id| json!({ "identity_id": id, "node_id": node, "role_id": role })).collect();
                    let response = app
                        .request_with(Method::POST, "/api/v1/assignments/bulk-create?mode=partial", &[("x-api-key", &key)], Some(json!({ "assignments": items })))
                        .await;
                    assert!(response.status == StatusCode::OK || response.status == StatusCode::MULTI_STATUS, "{}", response.body);
                    written.fetch_add(response.body["summary"]["succeeded"].as_i64().unwrap(), Ordering::SeqCst);
                }
            }
            panic!("the writer ran out of new assignments before the test stopped it");
        })
    };
    while written.load(Ordering::SeqCst) < 500 {
        assert!(!writer.is_finished(), "the writer stopped early");
        tokio::time::sleep(Duration::from_millis(10)).await;
    }

    // Every row committed before the backup starts, as another reader of the live file sees it.
    let committed_before = assignment_ids(&file);
    let written_at_start = written.load(Ordering::SeqCst);
    let backup = canopy_async(&url, &["backup", "--to", copy.to_str().unwrap()]).await;
    let written_during = written.load(Ordering::SeqCst) - written_at_start;
    stop.store(true, Ordering::SeqCst);
    writer.await.expect("the writer did not fail");
    assert!(backup.status.success(), "{}", stderr(&backup));
    assert!(stdout(&backup).starts_with(&format!("Backed up {} to {}", file.display(), copy.display())), "{}", stdout(&backup));
    assert!(written_during > 0, "the server kept writing while the backup ran");

    assert_eq!(sqlite3(&copy, "PRAGMA integrity_check; PRAGMA foreign_key_check;"), "ok");
    let in_backup = assignment_ids(&copy);
    assert!(committed_before.is_subset(&in_backup), "{} rows committed before the backup are missing", committed_before.difference(&in_backup).count());
    let final_rows = sqlite3(&file, "SELECT count(*) FROM assignments;").parse::<usize>().unwrap();
    assert!(in_backup.len() <= final_rows);
    // One instant: each written row has its audit event in the copy, and no event lacks its row.
    let events = sqlite3(&copy, "SELECT count(*) FROM audit_events WHERE action = 'assignment.create';").parse::<i64>().unwrap();
    assert_eq!(events, in_backup.len() as i64 - demo_rows);
    eprintln!(
        "backup: {} rows committed before it, {} in it, {final_rows} at the end; {written_during} rows written while it ran",
        committed_before.len(),
        in_backup.len()
    );

    // The server still has the database open: a restore refuses and changes nothing.
    let refused = canopy_async(&url, &["restore", "--from", copy.to_str().unwrap()]).await;
    assert_eq!(refused.status.code(), Some(1));
    let message = stderr(&refused);
    assert_eq!(message.trim().lines().count(), 1, "{message}");
    assert!(message.contains("is in use (is canopy serving it?); stop the server, then restore"), "{message}");
    assert_eq!(sqlite3(&file, "SELECT count(*) FROM assignments;").parse::<usize>().unwrap(), final_rows);

    // Stopped: the backup replaces the database, and the previous one is kept beside it.
    drop((app, store));
    let restored = wait_for_restore(&url, &copy).await;
    assert!(stdout(&restored).starts_with(&format!("Restored {} into {}", copy.display(), file.display())), "{}", stdout(&restored));
    assert_eq!(sqlite3(&file, "PRAGMA integrity_check;"), "ok");
    assert_eq!(assignment_ids(&file), in_backup);
    let kept: Vec<_> = std::fs::read_dir(dir.path()).unwrap().filter_map(|e| e.ok()).map(|e| e.file_name().to_string_lossy().into_owned()).collect();
    let previous = kept.iter().find(|name| name.starts_with("canopy.db.before-restore-")).expect("the previous database is kept");
    assert_eq!(sqlite3(&dir.path().join(previous), "SELECT count(*) FROM assignments;").parse::<usize>().unwrap(), final_rows);
    assert!(!kept.iter().any(|name| name.contains(".restoring-")), "no temporary file is left: {kept:?}");

    // And a server serves it.
    let app = TestApp::over(store::connect(&url).await.expect("the restored database opens"));
    app.store.migrate().await.expect("it migrates");
    let token = app.demo_token().await;
    let listed = app.get("/portal/v1/accounts/acme/applications/billing/environments/production/assignments/app-wide?take=1", Some(&token)).await;
    assert_eq!(listed.status, StatusCode::OK);
    let production = sqlite3(&copy, &format!("SELECT count(*) FROM assignments WHERE environment_id = '{}';", env.id));
    assert_eq!(listed.body["pagination"]["item_count"].to_string(), production);
}

/// The store's pool closes its connections in the background once dropped: retried until
/// nothing has the file open (a few hundred ms at most).
async fn wait_for_restore(url: &str, from: &Path) -> Output {
    for _ in 0..50 {
        let output = canopy_async(url, &["restore", "--from", from.to_str().unwrap()]).await;
        if output.status.success() || !stderr(&output).contains("is in use") {
            assert!(output.status.success(), "{}", stderr(&output));
            return output;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("the database stayed in use after the store was dropped");
}

#[tokio::test]
async fn restore_refuses_what_it_cannot_restore_safely() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("canopy.db");
    let url = format!("sqlite://{}", file.display());
    let migrated = canopy(&url, &["migrate"]);
    assert!(migrated.status.success(), "{}", stderr(&migrated));
    let backup = dir.path().join("backup.db");
    assert!(canopy(&url, &["backup", "--to", backup.to_str().unwrap()]).status.success());
    let original = std::fs::read(&file).unwrap();
    let refuse = |from: &Path, expected: &str| {
        let output = canopy(&url, &["restore", "--from", from.to_str().unwrap()]);
        assert_eq!(output.status.code(), Some(1), "{}", stdout(&output));
        let message = stderr(&output);
        assert_eq!(message.trim().lines().count(), 1, "{message}");
        assert!(message.contains(expected), "expected {expected:?}: {message}");
        assert!(std::fs::read(&file).unwrap() == original, "the database is untouched by a refused restore ({expected})");
    };

    // A backup from a newer Canopy (a migration this binary does not have).
    let newer = dir.path().join("newer.db");
    std::fs::copy(&backup, &newer).unwrap();
    sqlite3(&newer, "INSERT INTO _sqlx_migrations (version, description, success, checksum, execution_time) VALUES (9999, 'future', 1, x'00', 0);");
    refuse(&newer, "written by a newer Canopy (migration 9999");
    // Not a database at all, and not a Canopy database.
    let garbage = dir.path().join("garbage.db");
    std::fs::write(&garbage, vec![0x42u8; 8192]).unwrap();
    refuse(&garbage, "is not a readable SQLite database");
    let foreign = dir.path().join("foreign.db");
    sqlite3(&foreign, "CREATE TABLE notes (body TEXT);");
    refuse(&foreign, "not a Canopy database");
    refuse(&dir.path().join("missing.db"), "there is no backup at");
    refuse(&file, "is the database itself");
    assert!(!std::fs::read_dir(dir.path()).unwrap().any(|e| e.unwrap().file_name().to_string_lossy().starts_with(".canopy.db.")), "no temporary file is left");

    // A backup onto the database itself is refused too.
    let onto_itself = canopy(&url, &["backup", "--to", file.to_str().unwrap()]);
    assert_eq!(onto_itself.status.code(), Some(1));
    assert!(stderr(&onto_itself).contains("is the database itself"));

    // PostgreSQL has its own tools; both commands say which, in one line, before connecting.
    let postgres = "postgres://canopy:hunter2@127.0.0.1:9/canopy";
    for (args, tool) in [(["backup", "--to", "x.dump"], "pg_dump"), (["restore", "--from", "x.dump"], "pg_restore")] {
        let output = canopy(postgres, &args);
        assert_eq!(output.status.code(), Some(1));
        let message = stderr(&output);
        assert_eq!(message.trim().lines().count(), 1, "{message}");
        assert!(message.starts_with("canopy: backup and restore are for SQLite databases; on PostgreSQL use ") && message.contains(tool), "{message}");
        assert!(!message.contains("hunter2"));
    }
}
