//! Consistency tokens (`Canopy-Revision`) and the change feed for API clients
//! (`GET /api/v1/changes`), on the suite's database.

use std::time::{Duration, Instant};

use axum::http::{Method, StatusCode};
use serde_json::{Value, json};
use server::config::{Mode, ServerConfig};

use crate::app::TestApp;

const PROD: &str = "/portal/v1/accounts/acme/applications/billing/environments/production";
const DEV: &str = "/portal/v1/accounts/acme/applications/billing/environments/development";

/// The demo's ids a test writes with: an identity, a leaf node and a non-system role.
async fn demo_ids(app: &TestApp, token: &str) -> (String, String, String) {
    let identity = app.get("/portal/v1/accounts/acme/applications/billing/identities?take=1", Some(token)).await.body["items"][0]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let nodes = app.get(&format!("{PROD}/nodes?take=100"), Some(token)).await.body;
    let node = nodes["items"].as_array().unwrap().iter().find(|n| n["depth"] == 3).unwrap()["id"].as_str().unwrap().to_owned();
    let roles = app.get(&format!("{PROD}/roles"), Some(token)).await.body;
    let role = roles["items"].as_array().unwrap().iter().find(|r| r["is_system"] == false).unwrap()["id"].as_str().unwrap().to_owned();
    (identity, node, role)
}

fn revision(response: &crate::app::TestResponse) -> String {
    response.headers.get("canopy-revision").expect("a write answers with Canopy-Revision").to_str().unwrap().to_owned()
}

#[tokio::test]
async fn writes_answer_with_a_revision_that_reads_accept_and_bad_tokens_are_400() {
    let app = TestApp::with_demo().await;
    let token = app.demo_token().await;
    let key = app.api_key("production").await;
    let (identity, node, role) = demo_ids(&app, &token).await;

    let created = app.post(&format!("{PROD}/assignments"), Some(&token), json!({ "identity_id": identity, "node_id": node, "role_id": role })).await;
    assert_eq!(created.status, StatusCode::CREATED, "{}", created.body);
    let first = revision(&created);
    let listed = app.request_with(Method::GET, &format!("{PROD}/assignments/app-wide?q="), &[("authorization", &format!("Bearer {token}")), ("canopy-revision", &first)], None).await;
    assert_eq!(listed.status, StatusCode::OK, "{}", listed.body);
    assert!(listed.headers.get("canopy-revision").is_none(), "a read commits nothing, so it has no revision");

    let check = json!({ "identity_id": identity, "permission": "invoices.read", "node_id": node });
    let checked = app.request_with(Method::POST, "/api/v1/check", &[("x-api-key", &key), ("canopy-revision", &first)], Some(check.clone())).await;
    assert_eq!(checked.status, StatusCode::OK, "{}", checked.body);
    let batch = json!({ "checks": [check.clone()], "revision": first });
    let batched = app.request_with(Method::POST, "/api/v1/check/batch", &[("x-api-key", &key)], Some(batch)).await;
    assert_eq!(batched.status, StatusCode::OK, "{}", batched.body);

    // A second write has a later revision.
    let id = created.body["id"].as_str().unwrap();
    let deleted = app.delete(&format!("{PROD}/assignments/{id}"), Some(&token)).await;
    assert_eq!(deleted.status, StatusCode::NO_CONTENT);
    let second = revision(&deleted);
    assert_ne!(first, second);

    // Not a token, another database's, one from the future: 400 in the contract's shape.
    let (database, value) = second.rsplit_once('.').unwrap();
    let future = match &value[..1] {
        "r" => format!("{database}.r{}", i64::MAX / 2),
        _ => format!("{database}.s4000000000:4000000000:"),
    };
    for bad in ["nonsense".to_owned(), format!("0190a0a0-0000-7000-8000-00000000dead.{value}"), future] {
        let answer = app.request_with(Method::POST, "/api/v1/check", &[("x-api-key", &key), ("canopy-revision", &bad)], Some(check.clone())).await;
        assert_eq!(answer.status, StatusCode::BAD_REQUEST, "{bad}: {}", answer.body);
        assert_eq!(answer.body["code"], "invalid_revision", "{bad}");
        assert_eq!(answer.body["details"]["header"], "Canopy-Revision");
        let batch = json!({ "checks": [check.clone()], "revision": bad });
        let answer = app.request_with(Method::POST, "/api/v1/check/batch", &[("x-api-key", &key)], Some(batch)).await;
        assert_eq!(answer.status, StatusCode::BAD_REQUEST, "batch {bad}: {}", answer.body);
    }
}

#[tokio::test]
async fn a_portal_write_sets_the_revision_cookie_that_later_reads_send() {
    let app = TestApp::with_demo().await;
    let token = app.demo_token().await;
    let (identity, node, role) = demo_ids(&app, &token).await;
    let session = format!("canopy_session={token}");
    let created = app
        .request_with(Method::POST, &format!("{PROD}/assignments"), &[("cookie", &session)], Some(json!({ "identity_id": identity, "node_id": node, "role_id": role })))
        .await;
    assert_eq!(created.status, StatusCode::CREATED, "{}", created.body);
    let cookie = created.headers.get_all("set-cookie").iter().map(|v| v.to_str().unwrap().to_owned()).find(|c| c.starts_with("canopy_revision=")).expect("a revision cookie");
    assert!(cookie.contains("HttpOnly") && cookie.contains("SameSite=Strict"), "{cookie}");
    let value = cookie.trim_start_matches("canopy_revision=").split(';').next().unwrap();
    assert_eq!(value, revision(&created));
    // A read with it answers; a stale cookie of another database is ignored, not refused.
    for cookie in [format!("{session}; canopy_revision={value}"), format!("{session}; canopy_revision=0190a0a0-0000-7000-8000-00000000dead.r1")] {
        let listed = app.request_with(Method::GET, &format!("{PROD}/assignments/app-wide"), &[("cookie", &cookie)], None).await;
        assert_eq!(listed.status, StatusCode::OK, "{cookie}: {}", listed.body);
    }
}

/// The changes of one answer, as `(action, target_type, target_id)`.
fn actions(body: &Value) -> Vec<(String, String, String)> {
    body["changes"]
        .as_array()
        .expect("changes")
        .iter()
        .map(|c| (c["action"].as_str().unwrap().to_owned(), c["target_type"].as_str().unwrap().to_owned(), c["target_id"].as_str().unwrap().to_owned()))
        .collect()
}

#[tokio::test]
async fn the_change_feed_lists_changes_in_commit_order_with_actor_and_resumes_page_by_page() {
    let app = TestApp::with_demo().await;
    let token = app.demo_token().await;
    let key = app.api_key("production").await;
    let (identity, node, role) = demo_ids(&app, &token).await;
    let feed = |after: &str, more: &str| format!("/api/v1/changes?after={}{more}", urlencode(after));

    let start = app.request_with(Method::GET, "/api/v1/changes", &[("x-api-key", &key)], None).await;
    assert_eq!(start.status, StatusCode::OK, "{}", start.body);
    assert_eq!(start.body["changes"], json!([]), "without `after` the feed starts now");
    let from = start.body["next_revision"].as_str().unwrap().to_owned();

    // Writes of this environment, through the management API and the portal, and writes that
    // are not this environment's (development) or not its kind (an API key).
    let h = [("x-api-key", key.as_str())];
    let person = app.request_with(Method::POST, "/api/v1/identities", &h, Some(json!({ "first_name": "Zoë", "last_name": "Feed", "email": "zoe.feed@acme.example" }))).await;
    assert_eq!(person.status, StatusCode::CREATED, "{}", person.body);
    let person = person.body["id"].as_str().unwrap().to_owned();
    let created = app.request_with(Method::POST, "/api/v1/assignments", &h, Some(json!({ "identity_id": identity, "node_id": node, "role_id": role }))).await;
    assert_eq!(created.status, StatusCode::CREATED, "{}", created.body);
    let assignment = created.body["id"].as_str().unwrap().to_owned();
    let dev_node = app.post(&format!("{DEV}/nodes"), Some(&token), json!({ "name": "Elsewhere" })).await;
    assert_eq!(dev_node.status, StatusCode::CREATED, "{}", dev_node.body);
    let renamed = app.patch(&format!("{PROD}/nodes/{node}"), Some(&token), json!({ "name": "Renamed in the feed" })).await;
    assert_eq!(renamed.status, StatusCode::OK, "{}", renamed.body);
    app.api_key("production").await;
    let deleted = app.request_with(Method::DELETE, &format!("/api/v1/assignments/{assignment}"), &h, None).await;
    assert_eq!(deleted.status, StatusCode::NO_CONTENT);

    let all = app.request_with(Method::GET, &feed(&from, ""), &h, None).await;
    assert_eq!(all.status, StatusCode::OK, "{}", all.body);
    let expected = vec![
        ("identity.create".to_owned(), "identity".to_owned(), person.clone()),
        ("assignment.create".to_owned(), "assignment".to_owned(), assignment.clone()),
        ("node.update".to_owned(), "node".to_owned(), node.clone()),
        ("assignment.delete".to_owned(), "assignment".to_owned(), assignment.clone()),
    ];
    assert_eq!(actions(&all.body), expected, "{}", all.body);
    assert_eq!(all.body["has_more"], false);
    let first = &all.body["changes"][0];
    assert_eq!(first["actor_type"], "api_key");
    assert!(first["actor_id"].is_string());
    assert_eq!(first["before"], Value::Null);
    assert_eq!(first["after"]["email"], "zoe.feed@acme.example");
    let rename = &all.body["changes"][2];
    assert_eq!(rename["actor_type"], "admin");
    assert_eq!(rename["after"]["name"], "Renamed in the feed");
    assert_ne!(rename["before"]["name"], rename["after"]["name"]);
    assert!(all.body["changes"][3]["before"].is_object() && all.body["changes"][3]["after"].is_null());

    // Page by page, resuming from each `next_revision`: the same changes, each once.
    let mut paged = Vec::new();
    let mut after = from.clone();
    loop {
        let page = app.request_with(Method::GET, &feed(&after, "&limit=1"), &h, None).await;
        assert_eq!(page.status, StatusCode::OK, "{}", page.body);
        paged.extend(actions(&page.body));
        after = page.body["next_revision"].as_str().unwrap().to_owned();
        if page.body["has_more"] == false {
            break;
        }
        assert!(paged.len() <= expected.len(), "paging does not end: {paged:?}");
    }
    assert_eq!(paged, expected);
    // Each change's own revision resumes right after it.
    let second = all.body["changes"][1]["revision"].as_str().unwrap();
    assert_eq!(actions(&app.request_with(Method::GET, &feed(second, ""), &h, None).await.body), expected[2..].to_vec());

    // Nothing new: an empty answer at once, or, with `wait`, the next change as it commits.
    let end = all.body["next_revision"].as_str().unwrap().to_owned();
    assert_eq!(app.request_with(Method::GET, &feed(&end, ""), &h, None).await.body["changes"], json!([]));
    let writer = {
        let (app, token) = (app.clone(), token.clone());
        let node = node.clone();
        tokio::spawn(async move {
            tokio::time::sleep(Duration::from_millis(300)).await;
            app.patch(&format!("{PROD}/nodes/{node}"), Some(&token), json!({ "name": "Renamed while polling" })).await
        })
    };
    let began = Instant::now();
    let polled = app.request_with(Method::GET, &feed(&end, "&wait=10"), &h, None).await;
    let waited = began.elapsed();
    assert_eq!(writer.await.unwrap().status, StatusCode::OK);
    assert_eq!(actions(&polled.body), vec![("node.update".to_owned(), "node".to_owned(), node.clone())], "{}", polled.body);
    assert!(waited >= Duration::from_millis(250) && waited < Duration::from_secs(5), "the long-poll answered after {waited:?}");

    // Out of range, not a revision: 400; another environment's key sees its own changes only.
    for bad in ["&limit=0", "&limit=1001", "&wait=26"] {
        assert_eq!(app.request_with(Method::GET, &feed(&from, bad), &h, None).await.status, StatusCode::BAD_REQUEST, "{bad}");
    }
    let garbage = app.request_with(Method::GET, "/api/v1/changes?after=garbage", &h, None).await;
    assert_eq!((garbage.status, garbage.body["code"].as_str()), (StatusCode::BAD_REQUEST, Some("invalid_revision")));
    let dev_key = app.api_key("development").await;
    let dev = app.request_with(Method::GET, &feed(&from, ""), &[("x-api-key", &dev_key)], None).await;
    let dev_actions = actions(&dev.body);
    assert!(dev_actions.iter().any(|(action, _, _)| action == "node.create"), "{dev_actions:?}");
    assert!(dev_actions.iter().all(|(_, kind, id)| kind == "identity" || (id != &node && id != &assignment)), "{dev_actions:?}");
}

#[tokio::test]
async fn a_revision_older_than_the_retention_is_410_with_the_oldest_one_to_resume_from() {
    let store = crate::common::test_store().await;
    server::features::install::service::seed_demo(store.as_ref()).await.expect("demo data");
    let config = ServerConfig { changes_retention: Duration::from_secs(1), ..ServerConfig::new(Mode::Development) };
    let app = TestApp::configured(store, config);
    let token = app.demo_token().await;
    let key = app.api_key("production").await;
    let h = [("x-api-key", key.as_str())];
    let from = app.request_with(Method::GET, "/api/v1/changes", &h, None).await.body["next_revision"].as_str().unwrap().to_owned();
    let renamed = app.post(&format!("{PROD}/nodes"), Some(&token), json!({ "name": "Soon too old" })).await;
    assert_eq!(renamed.status, StatusCode::CREATED);
    tokio::time::sleep(Duration::from_millis(1_300)).await;
    let fresh = app.post(&format!("{PROD}/nodes"), Some(&token), json!({ "name": "Still kept" })).await;
    assert_eq!(fresh.status, StatusCode::CREATED);

    let gone = app.request_with(Method::GET, &format!("/api/v1/changes?after={}", urlencode(&from)), &h, None).await;
    assert_eq!(gone.status, StatusCode::GONE, "{}", gone.body);
    assert_eq!(gone.body["code"], "revision_expired");
    let oldest = gone.body["details"]["oldest_revision"].as_str().expect("oldest_revision").to_owned();
    let resumed = app.request_with(Method::GET, &format!("/api/v1/changes?after={}", urlencode(&oldest)), &h, None).await;
    assert_eq!(resumed.status, StatusCode::OK, "{}", resumed.body);
    let names: Vec<&str> = resumed.body["changes"].as_array().unwrap().iter().filter_map(|c| c["after"]["name"].as_str()).collect();
    assert_eq!(names, vec!["Still kept"], "{}", resumed.body);
}

fn urlencode(value: &str) -> String {
    value.bytes().map(|b| if b.is_ascii_alphanumeric() || b"-._~".contains(&b) { (b as char).to_string() } else { format!("%{b:02X}") }).collect()
}
