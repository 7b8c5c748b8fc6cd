//! The `canopy` binary as scripts use it: subcommand names, output, exit codes, one-line errors.

use std::process::{Command, Output};

pub fn canopy(database_url: &str, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_canopy"))
        .args(args)
        .env("DATABASE_URL", database_url)
        .env("RUST_LOG", "error")
        .env_remove("CANOPY_JWT_SECRET")
        .output()
        .expect("canopy runs")
}

fn temp_sqlite() -> (tempfile::TempDir, String) {
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}/canopy.db", dir.path().display());
    (dir, url)
}

pub fn stdout(output: &Output) -> String {
    String::from_utf8_lossy(&output.stdout).into_owned()
}

pub fn stderr(output: &Output) -> String {
    String::from_utf8_lossy(&output.stderr).into_owned()
}

#[test]
fn an_unusable_database_path_is_one_clear_line_not_a_panic() {
    // The parent is a file, so not even root can create the database there.
    let output = canopy("sqlite:///etc/hostname/canopy.db", &["migrate"]);
    assert_eq!(output.status.code(), Some(1));
    let err = stderr(&output);
    assert_eq!(err.trim().lines().count(), 1, "one line, got: {err}");
    assert!(err.starts_with("canopy: cannot open the database sqlite:///etc/hostname/canopy.db"), "{err}");
    assert!(!err.contains("panicked"));
}

#[test]
fn an_unreachable_postgres_is_one_clear_line_with_the_password_hidden() {
    let output = canopy("postgres://canopy:hunter2@127.0.0.1:9/canopy", &["migrate"]);
    assert_eq!(output.status.code(), Some(1));
    let err = stderr(&output);
    assert_eq!(err.trim().lines().count(), 1, "one line, got: {err}");
    assert!(err.starts_with("canopy: cannot open the database postgres://canopy:***@127.0.0.1:9/canopy"), "{err}");
    assert!(!err.contains("hunter2"));
}

#[test]
fn an_unknown_database_scheme_is_refused() {
    let output = canopy("mysql://localhost/canopy", &["migrate"]);
    assert_eq!(output.status.code(), Some(1));
    assert!(stderr(&output).contains("DATABASE_URL must start with sqlite:// or postgres://"));
}

#[test]
fn migrate_and_seed_are_idempotent() {
    let (_dir, url) = temp_sqlite();
    for _ in 0..2 {
        let migrate = canopy(&url, &["migrate"]);
        assert!(migrate.status.success(), "{}", stderr(&migrate));
    }
    let first = canopy(&url, &["seed"]);
    assert!(first.status.success(), "{}", stderr(&first));
    assert_eq!(stdout(&first).trim(), "Demo data loaded.");
    let second = canopy(&url, &["seed"]);
    assert_eq!(stdout(&second).trim(), "Demo data is already present; nothing to do.");
}

#[test]
fn create_admin_then_create_api_key_prints_the_secret_alone() {
    let (_dir, url) = temp_sqlite();
    let admin = canopy(&url, &["create-admin", "--email", "ops@initech.example", "--password", "s3cret-pass", "--account", "initech"]);
    assert!(admin.status.success(), "{}", stderr(&admin));
    assert!(stdout(&admin).contains("ops@initech.example"));

    let again = canopy(&url, &["create-admin", "--email", "OPS@initech.example", "--password", "s3cret-pass", "--account", "initech"]);
    assert_eq!(again.status.code(), Some(1));
    assert!(stderr(&again).contains("already exists"));

    let short = canopy(&url, &["create-admin", "--email", "x@initech.example", "--password", "short", "--account", "initech"]);
    assert_eq!(short.status.code(), Some(1));
    assert!(stderr(&short).contains("password"));

    // An API key needs an application and environment: use the demo tenant.
    assert!(canopy(&url, &["seed"]).status.success());
    let key = canopy(&url, &["create-api-key", "--account", "acme", "--application", "billing", "--environment", "production"]);
    assert!(key.status.success(), "{}", stderr(&key));
    let secret = stdout(&key);
    assert_eq!(secret.lines().count(), 1);
    assert!(secret.trim().starts_with("cnp_") && secret.trim().len() == 45, "{secret}");

    let missing = canopy(&url, &["create-api-key", "--account", "acme", "--application", "billing", "--environment", "staging"]);
    assert_eq!(missing.status.code(), Some(1));
    assert!(stderr(&missing).contains("Environment not found"));
}

#[test]
fn every_subcommand_has_help() {
    for sub in ["serve", "migrate", "seed", "create-admin", "create-api-key", "backup", "restore"] {
        let output = Command::new(env!("CARGO_BIN_EXE_canopy")).args([sub, "--help"]).output().unwrap();
        assert!(output.status.success(), "{sub} --help");
        assert!(stdout(&output).contains("Usage: canopy"), "{sub}");
    }
}
