//! Fail closed: with the database gone, checks answer 503 in the contract's error shape, never
//! `allowed: true` from the in-memory index that can no longer be confirmed; `/readyz` says why;
//! and when the database is back, service resumes without a restart.
//!
//! What "gone" is, per database. PostgreSQL: the server stopped (a cluster of the test's own,
//! `pg_ctl stop -m fast`) and started again. SQLite: an open connection keeps working on a file
//! that was removed or renamed, so the store's ping checks that its file is still at its path
//! with the same inode. The test renames the file away (what a removal looks like to the
//! server: no file at the path) and back (the same inode returns, and service resumes); a file
//! put in its place is a different inode, and stays refused until a restart opens it. Both
//! tests make their own database whichever backend the suite runs on.

use std::time::{Duration, Instant};

use axum::http::StatusCode;
use serde_json::{Value, json};
use server::{
    features::{health::monitor, install},
    store::{self, AssignmentFilter, Slice},
};

use crate::{
    app::{TestApp, TestResponse},
    pg_cluster::Cluster,
};

const CHECK: &str = "/api/v1/check";

/// A check the demo data allows, with the key and identity token to ask it.
struct Allowed {
    key: String,
    token: String,
    identity: String,
    permission: String,
    node: String,
}

impl Allowed {
    async fn find(app: &TestApp) -> Self {
        let key = app.api_key("production").await;
        let store = app.store.as_ref();
        let account = store.account_by_slug("acme").await.unwrap().unwrap();
        let application = store.application_by_slug(&account.id, "billing").await.unwrap().unwrap();
        let env = store.environment_by_slug(&application.id, "production").await.unwrap().unwrap();
        let filter = AssignmentFilter { environment_id: env.id.clone(), status: Some(app::dto::AssignmentStatus::Active), now_ms: app::dto::Timestamp::now().as_millis(), ..Default::default() };
        let (views, _) = store.assignment_views(&filter, Slice { sort: app::dto::AssignmentSort::CreatedAt, order: app::dto::SortOrder::Asc, limit: 50, offset: 0 }).await.unwrap();
        for view in views {
            let assignment = view.assignment;
            let Some(identity) = store.identity_by_id(&application.id, &assignment.identity_id).await.unwrap() else { continue };
            let Some((_, permission)) = store.role_permission_keys(&[&assignment.role_id]).await.unwrap().into_iter().next() else { continue };
            if !identity.status.is_active() {
                continue;
            }
            let minted = app.request_with(axum::http::Method::POST, &format!("/api/v1/identities/{}/tokens", identity.id), &[("x-api-key", &key)], None).await;
            assert_eq!(minted.status, StatusCode::CREATED, "{}", minted.body);
            let token = minted.body["access_token"].as_str().expect("identity token").to_owned();
            // The index answers from now on.
            app.state.index.rebuild(&env.id, &application.id).await.expect("the index builds");
            return Self { key, token, identity: identity.id, permission, node: assignment.node_id };
        }
        panic!("the demo data has an active assignment of an active identity");
    }

    fn body(&self) -> Value {
        json!({ "identity_id": self.identity, "permission": self.permission, "node_id": self.node })
    }

    async fn check(&self, app: &TestApp) -> TestResponse {
        app.request_with(axum::http::Method::POST, CHECK, &[("x-api-key", &self.key)], Some(self.body())).await
    }

    async fn batch(&self, app: &TestApp) -> TestResponse {
        app.request_with(axum::http::Method::POST, "/api/v1/check/batch", &[("x-api-key", &self.key)], Some(json!({ "checks": [self.body()] }))).await
    }

    async fn me(&self, app: &TestApp) -> TestResponse {
        let auth = format!("Bearer {}", self.token);
        app.request_with(axum::http::Method::POST, "/api/v1/me/check", &[("authorization", &auth)], Some(json!({ "permission": self.permission, "node_id": self.node }))).await
    }

    /// Every way of asking answers `allowed: true`, and the index is what answers the check.
    async fn assert_allowed(&self, app: &TestApp) {
        assert!(app.state.database.trusted(), "the database was just confirmed");
        for response in [self.check(app).await, self.me(app).await] {
            // The state being left: the allowed answer, or the refusal.
        if response.status != StatusCode::OK {
            assert_unavailable(&response);
        } else {
            assert_eq!(response.body["allowed"], json!(true), "{}", response.body);
        }
        }
        let batch = self.batch(app).await;
        assert_eq!((batch.status, &batch.body["results"][0]["allowed"]), (StatusCode::OK, &json!(true)), "{}", batch.body);
    }

    /// Check, batch and `/me/check` are each a 503 `database_unavailable` in the contract's shape.
    async fn assert_refused(&self, app: &TestApp) {
        for response in [self.check(app).await, self.batch(app).await, self.me(app).await] {
            assert_unavailable(&response);
        }
    }
}

fn assert_unavailable(response: &TestResponse) {
    assert_eq!(response.status, StatusCode::SERVICE_UNAVAILABLE, "{}", response.body);
    assert_eq!(response.body["code"], "database_unavailable");
    assert!(response.body["message"].as_str().is_some_and(|m| !m.is_empty()));
    assert!(response.body["details"].is_object());
    assert!(response.body.get("allowed").is_none());
}

/// What asking a check every 20 ms until an answer is `done` saw.
struct Polled {
    /// When the `done` answer came, after polling started.
    done_after: Duration,
    /// How many answers came before it, and when the last one did.
    before: usize,
    last_before: Option<Duration>,
    /// The slowest single answer.
    slowest: Duration,
}

/// Asks the check until `done` holds for its answer (panics after `within`); every other
/// answer must be the allowed one or the contract's 503.
async fn poll_check(app: &TestApp, allowed: &Allowed, within: Duration, done: impl Fn(&TestResponse) -> bool) -> Polled {
    let started = Instant::now();
    let mut polled = Polled { done_after: Duration::ZERO, before: 0, last_before: None, slowest: Duration::ZERO };
    loop {
        let asked = Instant::now();
        let response = allowed.check(app).await;
        polled.slowest = polled.slowest.max(asked.elapsed());
        if done(&response) {
            polled.done_after = started.elapsed();
            return polled;
        }
        // The state being left: the allowed answer, or the refusal.
        if response.status != StatusCode::OK {
            assert_unavailable(&response);
        } else {
            assert_eq!(response.body["allowed"], json!(true), "{}", response.body);
        }
        assert!(started.elapsed() < within, "not within {within:?}; last answer {} {}", response.status, response.body);
        polled.before += 1;
        polled.last_before = Some(started.elapsed());
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

async fn readyz_reason(app: &TestApp) -> String {
    let ready = app.get("/readyz", None).await;
    assert_eq!(ready.status, StatusCode::SERVICE_UNAVAILABLE, "{}", ready.body);
    assert_eq!(ready.body["code"], "not_ready");
    ready.body["details"]["reason"].as_str().expect("readyz says why").to_owned()
}

/// The demo data served over `url`, with a check it allows answered from the index.
async fn serving(url: &str) -> (TestApp, Allowed) {
    let store = store::connect(url).await.expect("database opens");
    store.migrate().await.expect("migrations apply");
    install::service::seed_demo(store.as_ref()).await.expect("demo data");
    let app = TestApp::over(store);
    let allowed = Allowed::find(&app).await;
    app.state.database.probe(app.store.as_ref()).await.expect("the database answers");
    allowed.assert_allowed(&app).await;
    (app, allowed)
}

#[tokio::test]
async fn sqlite_file_gone_makes_checks_503_until_it_is_back() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("canopy.db");
    let away = dir.path().join("moved-away.db");
    let (app, allowed) = serving(&format!("sqlite://{}", file.display())).await;

    std::fs::rename(&file, &away).unwrap();
    let bound = monitor::PROBE_EVERY + monitor::PROBE_TIMEOUT;
    let gone = poll_check(&app, &allowed, bound, |r| r.status == StatusCode::SERVICE_UNAVAILABLE).await;
    eprintln!("sqlite: file renamed away, checks refused after {} ms ({} index answers before)", gone.done_after.as_millis(), gone.before);
    allowed.assert_refused(&app).await;
    assert!(readyz_reason(&app).await.contains("missing from its path"));
    // It stays refused: no probe succeeds while the file is away.
    tokio::time::sleep(monitor::TRUST_FOR + monitor::PROBE_EVERY).await;
    allowed.assert_refused(&app).await;

    std::fs::rename(&away, &file).unwrap();
    let back = poll_check(&app, &allowed, Duration::from_secs(3), |r| r.status == StatusCode::OK).await;
    eprintln!("sqlite: file back, checks answered again after {} ms", back.done_after.as_millis());
    allowed.assert_allowed(&app).await;
    assert_eq!(app.get("/readyz", None).await.status, StatusCode::OK);

    // Another file at the path (a copy: a new inode) is not the database this process has open.
    let copy = dir.path().join("copy.db");
    std::fs::copy(&file, &copy).unwrap();
    std::fs::rename(&copy, &file).unwrap();
    poll_check(&app, &allowed, bound, |r| r.status == StatusCode::SERVICE_UNAVAILABLE).await;
    allowed.assert_refused(&app).await;
    assert!(readyz_reason(&app).await.contains("replaced"));
}

#[tokio::test]
async fn postgres_stopped_makes_checks_503_until_it_is_started_again() {
    let cluster = Cluster::start_new();
    let (app, allowed) = serving(&cluster.url()).await;

    let stopping = Instant::now();
    cluster.stop();
    let stopped = stopping.elapsed();
    // The index may answer only while the last confirmation is fresh; then a probe or the SQL
    // path, each bounded by PROBE_TIMEOUT, finds the database gone.
    let bound = monitor::TRUST_FOR + monitor::PROBE_EVERY;
    let gone = poll_check(&app, &allowed, bound, |r| r.status == StatusCode::SERVICE_UNAVAILABLE).await;
    eprintln!(
        "postgres: stopped in {} ms; {} index answers in the {} ms after, the first 503 after {} ms, slowest answer {} ms",
        stopped.as_millis(),
        gone.before,
        gone.last_before.unwrap_or_default().as_millis(),
        gone.done_after.as_millis(),
        gone.slowest.as_millis()
    );
    assert!(gone.last_before.unwrap_or_default() <= bound, "no answer from memory after the confirmation expired");
    assert!(gone.done_after <= bound + monitor::PROBE_TIMEOUT + Duration::from_millis(300), "refused promptly");
    assert!(gone.slowest <= monitor::PROBE_TIMEOUT + Duration::from_millis(300), "no check hangs on the pool's connect timeout");
    allowed.assert_refused(&app).await;
    let reason = readyz_reason(&app).await;
    eprintln!("postgres: readyz reason: {reason}");
    assert!(!reason.is_empty());
    tokio::time::sleep(bound).await;
    allowed.assert_refused(&app).await;

    cluster.start();
    let back = poll_check(&app, &allowed, Duration::from_secs(10), |r| r.status == StatusCode::OK).await;
    eprintln!("postgres: started again, checks answered after {} ms", back.done_after.as_millis());
    allowed.assert_allowed(&app).await;
    // Ready again too, within a moment (a pooled connection the restart left dead fails one
    // probe before the pool replaces it).
    let ready_by = std::time::Instant::now() + Duration::from_secs(5);
    while app.get("/readyz", None).await.status != StatusCode::OK {
        assert!(std::time::Instant::now() < ready_by, "still not ready 5 s after the database came back: {}", readyz_reason(&app).await);
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}
