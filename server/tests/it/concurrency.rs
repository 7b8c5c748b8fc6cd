//! Concurrency: optimistic concurrency for edits (`ETag` on reads and writes of assignments,
//! identities, nodes and roles; `If-Match` on their PATCH / PUT / DELETE; a 412 that writes
//! nothing), racing conditional writes of which exactly one wins, and 32 writers at once on one
//! server process (mixed single writes and bulk calls) with no "database is locked" and no 5xx.

use std::time::{Duration, Instant};

use app::dto::Timestamp;
use axum::http::{Method, StatusCode};
use serde_json::{Value, json};
use server::{
    demo::{self, BenchSizes},
    domain::audit::Actor,
    features::api_keys,
    store,
};

use crate::{
    app::{TestApp, TestResponse},
    common::{self, Inspector},
    process::{ServerProcess, answer},
};

const APP: &str = "/portal/v1/accounts/acme/applications/billing";
const PROD: &str = "/portal/v1/accounts/acme/applications/billing/environments/production";

struct Admin {
    app: TestApp,
    token: String,
}

impl Admin {
    async fn new() -> Self {
        let app = TestApp::with_demo().await;
        let token = app.demo_token().await;
        Self { app, token }
    }

    async fn send(&self, method: Method, path: &str, if_match: Option<&str>, body: Option<Value>) -> TestResponse {
        let auth = format!("Bearer {}", self.token);
        let mut headers = vec![("authorization", auth.as_str())];
        if let Some(tag) = if_match {
            headers.push(("if-match", tag));
        }
        self.app.request_with(method, path, &headers, body).await
    }

    async fn created(&self, path: &str, body: Value) -> (String, String) {
        let response = self.send(Method::POST, path, None, Some(body)).await;
        assert_eq!(response.status, StatusCode::CREATED, "{path}: {}", response.body);
        (response.body["id"].as_str().unwrap().to_owned(), etag(&response))
    }

    async fn role_id(&self, name: &str) -> String {
        let roles = self.send(Method::GET, &format!("{PROD}/roles?take=100"), None, None).await;
        roles.body["items"].as_array().unwrap().iter().find(|r| r["name"] == name).unwrap()["id"].as_str().unwrap().to_owned()
    }

    /// The audit events of one object, oldest first.
    async fn actions_on(&self, id: &str) -> Vec<String> {
        let events = self.send(Method::GET, &format!("{APP}/audit-events?target={id}&take=100"), None, None).await;
        let mut actions: Vec<String> = events.body["items"].as_array().unwrap().iter().map(|e| e["action"].as_str().unwrap().to_owned()).collect();
        actions.reverse();
        actions
    }
}

fn etag(response: &TestResponse) -> String {
    let tag = response.headers.get("etag").unwrap_or_else(|| panic!("an ETag on {} {}", response.status, response.body));
    let tag = tag.to_str().unwrap().to_owned();
    assert!(tag.starts_with('"') && tag.ends_with('"') && tag.len() > 2, "a strong, quoted tag: {tag}");
    tag
}

/// Two admins edit the same object from the same read: the first write wins and moves the ETag
/// on, the second is a 412 that writes nothing; `*`, a weak tag and a malformed header behave as
/// RFC 9110 says; a DELETE with a stale tag leaves the object, with the current one removes it.
async fn two_admins_edit(admin: &Admin, method: Method, path: &str, object: &str, first: Value, second: Value, field: &str) {
    let read = admin.send(Method::GET, path, None, None).await;
    assert_eq!(read.status, StatusCode::OK, "{path}: {}", read.body);
    let seen = etag(&read);
    let edit_path = if method == Method::PUT { format!("{path}/permissions") } else { path.to_owned() };

    let won = admin.send(method.clone(), &edit_path, Some(&seen), Some(first.clone())).await;
    assert_eq!(won.status, StatusCode::OK, "{edit_path}: {}", won.body);
    let now = etag(&won);
    assert_ne!(now, seen, "a write moves the version on");
    let again = admin.send(Method::GET, path, None, None).await;
    assert_eq!(etag(&again), now, "a read gives the tag the write answered with");

    let lost = admin.send(method.clone(), &edit_path, Some(&seen), Some(second.clone())).await;
    assert_eq!(lost.status, StatusCode::PRECONDITION_FAILED, "{edit_path}: {}", lost.body);
    assert_eq!(lost.body["code"], "precondition_failed");
    assert_eq!(lost.body["details"]["resource"], object);
    assert!(lost.body["message"].as_str().unwrap().contains(&format!("The {object} has changed")), "{}", lost.body);
    let kept = admin.send(Method::GET, path, None, None).await;
    assert_eq!(kept.body[field], won.body[field], "the 412 changed nothing");
    assert_eq!(etag(&kept), now);

    let weak = admin.send(method.clone(), &edit_path, Some(&format!("W/{now}")), Some(second.clone())).await;
    assert_eq!(weak.status, StatusCode::PRECONDITION_FAILED, "If-Match compares strongly: a weak tag never matches");
    let malformed = admin.send(method.clone(), &edit_path, Some("v1"), Some(second.clone())).await;
    assert_eq!((malformed.status, malformed.body["code"].as_str()), (StatusCode::BAD_REQUEST, Some("invalid_if_match")));
    let listed = admin.send(method.clone(), &edit_path, Some(&format!("\"nope\", {now}")), Some(second.clone())).await;
    assert_eq!(listed.status, StatusCode::OK, "any tag of the list may match: {}", listed.body);
    let any = admin.send(method.clone(), &edit_path, Some("*"), Some(first.clone())).await;
    assert_eq!(any.status, StatusCode::OK, "`*` matches any version: {}", any.body);
    let current = etag(&any);

    let stale_delete = admin.send(Method::DELETE, path, Some(&seen), None).await;
    assert_eq!(stale_delete.status, StatusCode::PRECONDITION_FAILED, "{}", stale_delete.body);
    assert_eq!(admin.send(Method::GET, path, None, None).await.status, StatusCode::OK, "a stale DELETE removes nothing");
    let deleted = admin.send(Method::DELETE, path, Some(&current), None).await;
    assert_eq!(deleted.status, StatusCode::NO_CONTENT, "{}", deleted.body);
    assert_eq!(admin.send(Method::GET, path, None, None).await.status, StatusCode::NOT_FOUND);
    assert_eq!(admin.send(Method::DELETE, path, Some(&current), None).await.status, StatusCode::NOT_FOUND, "gone is a 404, not a 412");
}

#[tokio::test]
async fn a_second_admin_editing_from_the_same_read_gets_a_412_for_each_kind_of_object() {
    let admin = Admin::new().await;
    let viewer = admin.role_id("viewer").await;
    let editor = admin.role_id("editor").await;

    let (person, _) = admin.created(&format!("{APP}/identities"), json!({ "email": "etag@acme.example", "first_name": "Eta", "last_name": "Gee" })).await;
    let (node, _) = admin.created(&format!("{PROD}/nodes"), json!({ "name": "Tagged", "parent_id": null })).await;
    let (assignment, created_tag) =
        admin.created(&format!("{PROD}/assignments"), json!({ "identity_id": person, "node_id": node, "role_id": viewer })).await;
    let read = admin.send(Method::GET, &format!("{PROD}/assignments/{assignment}"), None, None).await;
    assert_eq!(etag(&read), created_tag, "the create's ETag is the object's");

    let path = format!("{PROD}/assignments/{assignment}");
    two_admins_edit(&admin, Method::PATCH, &path, "assignment", json!({ "role_id": editor }), json!({ "role_id": viewer, "effective_to": "2031-01-01T00:00:00Z" }), "role_id").await;
    assert_eq!(
        admin.actions_on(&assignment).await,
        ["assignment.create", "assignment.update", "assignment.update", "assignment.update", "assignment.delete"],
        "412s write no audit event; the listed and `*` writes do"
    );

    let path = format!("{APP}/identities/{person}");
    two_admins_edit(&admin, Method::PATCH, &path, "identity", json!({ "name": "First Writer" }), json!({ "name": "Second Writer" }), "name").await;

    let (role, _) = admin.created(&format!("{PROD}/roles"), json!({ "name": "tagged-role", "permissions": [] })).await;
    let path = format!("{PROD}/roles/{role}");
    two_admins_edit(&admin, Method::PATCH, &path, "role", json!({ "name": "tagged-first" }), json!({ "name": "tagged-second" }), "name").await;
    let (role, _) = admin.created(&format!("{PROD}/roles"), json!({ "name": "tagged-perms", "permissions": [] })).await;
    let path = format!("{PROD}/roles/{role}");
    two_admins_edit(&admin, Method::PUT, &path, "role", json!({ "permissions": ["invoices.read"] }), json!({ "permissions": ["invoices.update"] }), "permissions").await;

    let path = format!("{PROD}/nodes/{node}");
    two_admins_edit(&admin, Method::PATCH, &path, "node", json!({ "name": "Tagged once" }), json!({ "name": "Tagged twice" }), "name").await;
}

#[tokio::test]
async fn activation_takes_if_match_and_setup_grants_move_a_roles_version() {
    let admin = Admin::new().await;
    let (person, created) = admin.created(&format!("{APP}/identities"), json!({ "email": "switch@acme.example", "first_name": "Sw", "last_name": "Itch" })).await;
    let off = admin.send(Method::POST, &format!("{APP}/identities/{person}/deactivate"), Some(&created), None).await;
    assert_eq!(off.status, StatusCode::OK, "{}", off.body);
    let stale = admin.send(Method::POST, &format!("{APP}/identities/{person}/activate"), Some(&created), None).await;
    assert_eq!(stale.status, StatusCode::PRECONDITION_FAILED);
    assert_eq!(admin.send(Method::GET, &format!("{APP}/identities/{person}"), None, None).await.body["status"], "inactive");

    let (role, before) = admin.created(&format!("{PROD}/roles"), json!({ "name": "granted-later", "permissions": [] })).await;
    let setup = admin
        .send(Method::POST, &format!("{PROD}/setup/resource-permissions"), None, Some(json!({
            "resources": [{ "name": "ledgers", "actions": ["read"] }],
            "role_permissions": [{ "role_id": role, "permission_keys": ["ledgers.read"] }, { "role_id": role, "permission_keys": ["invoices.read"] }]
        })))
        .await;
    assert_eq!(setup.status, StatusCode::CREATED, "{}", setup.body);
    assert_eq!(setup.body["roles_updated"], 1, "one role, named twice, was updated once");
    let after = admin.send(Method::GET, &format!("{PROD}/roles/{role}"), None, None).await;
    assert_eq!(after.body["permissions"], json!(["invoices.read", "ledgers.read"]));
    assert_ne!(etag(&after), before, "new grants are a new version of the role");
    let stale = admin.send(Method::PATCH, &format!("{PROD}/roles/{role}"), Some(&before), Some(json!({ "name": "renamed" }))).await;
    assert_eq!(stale.status, StatusCode::PRECONDITION_FAILED);
}

/// The version check happens again inside the write's transaction: of 16 edits sent at once
/// with the same `If-Match`, exactly one is written, whatever the interleaving.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn of_racing_edits_with_the_same_if_match_exactly_one_is_written() {
    let admin = std::sync::Arc::new(Admin::new().await);
    let viewer = admin.role_id("viewer").await;
    let (person, _) = admin.created(&format!("{APP}/identities"), json!({ "email": "race@acme.example", "first_name": "Ra", "last_name": "Ce" })).await;
    let (node, _) = admin.created(&format!("{PROD}/nodes"), json!({ "name": "Raced", "parent_id": null })).await;
    let (assignment, tag) = admin.created(&format!("{PROD}/assignments"), json!({ "identity_id": person, "node_id": node, "role_id": viewer })).await;
    let path = format!("{PROD}/assignments/{assignment}");

    let edits: Vec<_> = (0..16)
        .map(|n| {
            let (admin, path, tag, viewer) = (admin.clone(), path.clone(), tag.clone(), viewer.clone());
            tokio::spawn(async move {
                let body = json!({ "role_id": viewer, "effective_to": format!("{}-01-01T00:00:00Z", 2040 + n) });
                admin.send(Method::PATCH, &path, Some(&tag), Some(body)).await
            })
        })
        .collect();
    let mut statuses = Vec::new();
    let mut winner = None;
    for edit in edits {
        let response = edit.await.unwrap();
        if response.status == StatusCode::OK {
            winner = Some(response.body["effective_to"].clone());
        }
        statuses.push(response.status.as_u16());
    }
    statuses.sort();
    assert_eq!(statuses, [&[200][..], &[412; 15][..]].concat(), "exactly one edit wins");
    let stored = admin.send(Method::GET, &path, None, None).await;
    assert_eq!(Some(stored.body["effective_to"].clone()), winner, "the stored window is the winner's");
    assert_eq!(admin.actions_on(&assignment).await, ["assignment.create", "assignment.update"], "one update, audited once");
}

/// 32 writers at once against one `canopy` process, each a loop of mixed writes over its own
/// identities: a bulk-create (1,000 items for four writers, 100 for the rest), a single create,
/// its conditional PATCH and DELETE, and a bulk-remove of what the bulk made. Every answer is
/// the one the contract gives (no 5xx, no "database is locked"), and afterwards the database
/// holds exactly what the answers said: nothing left over, one audit event per row written.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn thirty_two_concurrent_writers_get_no_5xx_and_no_lock_errors() {
    const WRITERS: usize = 32;
    const ROUNDS: usize = 5;
    const PER_WRITER: usize = 125;
    let url = common::test_database_url().await;
    let data_dir = tempfile::tempdir().expect("data dir");
    let (key, identities, role, other_role, nodes) = {
        let store = store::connect(&url).await.expect("database opens");
        store.migrate().await.expect("migrations apply");
        let sizes = BenchSizes { identities: WRITERS * PER_WRITER + 200, nodes: 12, assignments: 0 };
        let generated = demo::generate(&demo::spec::bench(sizes), Timestamp::now().as_millis(), "");
        generated.insert(store.as_ref(), 50_000, |_, _| {}).await.expect("the tenant is written");
        let batch = &generated.batch;
        let identities: Vec<String> = batch.identities.iter().filter(|i| i.status.is_active()).map(|i| i.id.clone()).take(WRITERS * PER_WRITER).collect();
        assert_eq!(identities.len(), WRITERS * PER_WRITER);
        let mut roles = batch.roles.iter().filter(|r| !r.is_system).map(|r| r.id.clone());
        let (role, other_role) = (roles.next().expect("a role"), roles.next().expect("a second role"));
        let nodes: Vec<String> = batch.nodes.iter().map(|n| n.id.clone()).take(9).collect();
        let (_, key) = api_keys::service::create_api_key(store.as_ref(), "bench", "app", "production", "writers", Actor::System).await.expect("api key");
        (key, identities, role, other_role, nodes)
    };
    let server = ServerProcess::start(&url, data_dir.path()).await;
    let addr = server.addr;

    let started = Instant::now();
    let writers: Vec<_> = (0..WRITERS)
        .map(|w| {
            let mine: Vec<String> = identities[w * PER_WRITER..(w + 1) * PER_WRITER].to_vec();
            let (key, role, other_role, nodes) = (key.clone(), role.clone(), other_role.clone(), nodes.clone());
            tokio::spawn(async move {
                let bulk_size = if w % 8 == 0 { 1_000 } else { 100 };
                let mut log: Vec<(&'static str, u16, Duration, String)> = Vec::new();
                let mut call = async |op: &'static str, method: &str, path: &str, if_match: Option<&str>, body: Option<Value>| {
                    let mut headers = vec![("x-api-key", key.as_str())];
                    if let Some(tag) = if_match {
                        headers.push(("if-match", tag));
                    }
                    let sent = Instant::now();
                    let answered = answer(addr, method, path, &headers, body.map(|b| b.to_string())).await;
                    let (status, headers, bytes) = answered.unwrap_or_else(|err| panic!("{op}: no answer: {err}"));
                    let text = String::from_utf8_lossy(&bytes).into_owned();
                    log.push((op, status, sent.elapsed(), text.chars().take(300).collect()));
                    let tag = headers.get("etag").and_then(|tag| tag.to_str().ok()).unwrap_or_default().to_owned();
                    (status, serde_json::from_str::<Value>(&text).unwrap_or(Value::Null), tag)
                };
                for round in 0..ROUNDS {
                    let items: Vec<Value> = (0..bulk_size)
                        .map(|n| json!({ "identity_id": mine[n % PER_WRITER], "node_id": nodes[n / PER_WRITER], "role_id": role }))
                        .collect();
                    let (_, created, _) = call("bulk-create", "POST", "/api/v1/assignments/bulk-create", None, Some(json!({ "assignments": items }))).await;
                    let ids: Vec<Value> = created["results"].as_array().map(|r| r.iter().map(|r| r["data"]["id"].clone()).collect()).unwrap_or_default();

                    let single = json!({ "identity_id": mine[round], "node_id": nodes[8], "role_id": role });
                    let (_, one, _) = call("create", "POST", "/api/v1/assignments", None, Some(single)).await;
                    let one_id = one["id"].as_str().unwrap_or("missing").to_owned();
                    let (_, _, tag) = call("get", "GET", &format!("/api/v1/assignments/{one_id}"), None, None).await;
                    let (_, _, tag) = call("patch", "PATCH", &format!("/api/v1/assignments/{one_id}"), Some(&tag), Some(json!({ "role_id": other_role }))).await;
                    call("delete", "DELETE", &format!("/api/v1/assignments/{one_id}"), Some(&tag), None).await;
                    call("bulk-remove", "POST", "/api/v1/assignments/bulk-remove", None, Some(json!({ "ids": ids }))).await;
                }
                (bulk_size, log)
            })
        })
        .collect();
    let mut log = Vec::new();
    let mut rows_created = 0;
    for writer in writers {
        let (bulk_size, writer_log) = writer.await.expect("a writer");
        rows_created += bulk_size * ROUNDS;
        log.extend(writer_log);
    }
    let elapsed = started.elapsed();

    let expected = |op: &str| match op {
        "create" => 201,
        "delete" => 204,
        _ => 200,
    };
    for (op, status, took, body) in &log {
        assert!(!body.to_lowercase().contains("locked"), "{op} answered {status} after {took:?}: {body}");
        assert_eq!(*status, expected(op), "{op} answered after {took:?}: {body}");
    }
    let mut times: Vec<Duration> = log.iter().map(|entry| entry.2).collect();
    times.sort();
    let at = |q: f64| times[((times.len() as f64 * q).ceil() as usize).clamp(1, times.len()) - 1];
    eprintln!(
        "32 writers on {}: {} requests ({} bulk calls, {} rows bulk-created) in {:.1} s, 0 × 5xx; latency p50 {:?}, p99 {:?}, max {:?}",
        common::backend_name(),
        log.len(),
        log.iter().filter(|e| e.0.starts_with("bulk")).count(),
        rows_created,
        elapsed.as_secs_f64(),
        at(0.50),
        at(0.99),
        at(1.0),
    );
    for op in ["bulk-create", "bulk-remove", "create", "get", "patch", "delete"] {
        let mut mine: Vec<Duration> = log.iter().filter(|e| e.0 == op).map(|e| e.2).collect();
        mine.sort();
        eprintln!("  {op:12} {:4} calls, p50 {:?}, p99 {:?}", mine.len(), mine[mine.len() / 2], mine[(mine.len() * 99).div_ceil(100) - 1]);
    }

    drop(server);
    let mut db = Inspector::open(&url).await;
    assert_eq!(db.count("SELECT count(*) FROM assignments", &[]).await, 0, "every row written was removed again");
    let singles = (WRITERS * ROUNDS) as i64;
    assert_eq!(db.count("SELECT count(*) FROM audit_events WHERE action = 'assignment.create'", &[]).await, rows_created as i64 + singles);
    assert_eq!(db.count("SELECT count(*) FROM audit_events WHERE action = 'assignment.update'", &[]).await, singles);
    assert_eq!(db.count("SELECT count(*) FROM audit_events WHERE action = 'assignment.delete'", &[]).await, rows_created as i64 + singles);
    db.close().await;
}
