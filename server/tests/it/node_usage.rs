//! `GET nodes/{id}/usage`: the counts the portal's delete dialog shows before an admin decides,
//! which must be exactly what the delete then refuses over, or removes with `cascade=true`.

use axum::http::StatusCode;
use serde_json::{Value, json};

use crate::app::TestApp;

const PROD: &str = "/portal/v1/accounts/acme/applications/billing/environments/production";
const APP: &str = "/portal/v1/accounts/acme/applications/billing";

async fn created(app: &TestApp, token: &str, path: &str, body: Value) -> String {
    let response = app.post(path, Some(token), body).await;
    assert_eq!(response.status, StatusCode::CREATED, "{path}: {}", response.body);
    response.body["id"].as_str().unwrap().to_owned()
}

#[tokio::test]
async fn node_usage_counts_what_a_cascading_delete_removes() {
    let app = TestApp::with_demo().await;
    let token = app.demo_token().await;
    let node = |name: &'static str, parent: Option<String>| {
        let (app, token) = (&app, &token);
        async move { created(app, token, &format!("{PROD}/nodes"), json!({ "name": name, "parent_id": parent })).await }
    };
    let root = node("Usage root", None).await;
    let a = node("Usage A", Some(root.clone())).await;
    let b = node("Usage B", Some(root.clone())).await;
    let deep = node("Usage A1", Some(a.clone())).await;
    let person = created(&app, &token, &format!("{APP}/identities"), json!({ "email": "usage@acme.example", "first_name": "U", "last_name": "Sage" })).await;
    let roles = app.get(&format!("{PROD}/roles?take=100"), Some(&token)).await;
    let viewer = roles.body["items"].as_array().unwrap().iter().find(|r| r["name"] == "viewer").unwrap()["id"].as_str().unwrap().to_owned();
    for at in [&root, &deep] {
        created(&app, &token, &format!("{PROD}/assignments"), json!({ "identity_id": person, "node_id": at, "role_id": viewer })).await;
    }

    let usage = app.get(&format!("{PROD}/nodes/{root}/usage"), Some(&token)).await;
    assert_eq!(usage.status, StatusCode::OK, "{}", usage.body);
    assert_eq!(usage.body, json!({ "children": 2, "descendants": 3, "assignments": 2 }));
    let leaf = app.get(&format!("{PROD}/nodes/{b}/usage"), Some(&token)).await;
    assert_eq!(leaf.body, json!({ "children": 0, "descendants": 0, "assignments": 0 }));
    let middle = app.get(&format!("{PROD}/nodes/{a}/usage"), Some(&token)).await;
    assert_eq!(middle.body, json!({ "children": 1, "descendants": 1, "assignments": 1 }));

    // The delete refuses over exactly these counts, and a cascade removes exactly them.
    let refused = app.delete(&format!("{PROD}/nodes/{root}"), Some(&token)).await;
    assert_eq!(refused.status, StatusCode::CONFLICT);
    assert_eq!(refused.body["code"], "node_in_use");
    let before = app.store.counts().await.unwrap();
    assert_eq!(app.delete(&format!("{PROD}/nodes/{root}?cascade=true"), Some(&token)).await.status, StatusCode::NO_CONTENT);
    let after = app.store.counts().await.unwrap();
    assert_eq!(before.nodes - after.nodes, 1 + 3);
    assert_eq!(before.assignments - after.assignments, 2);
    // Reading the counts writes nothing; a deleted node has none to read.
    assert_eq!(app.get(&format!("{PROD}/nodes/{root}/usage"), Some(&token)).await.status, StatusCode::NOT_FOUND);
    assert_eq!(app.store.counts().await.unwrap().audit_events, after.audit_events);
}

#[tokio::test]
async fn node_usage_is_not_found_outside_the_callers_environment() {
    let app = TestApp::with_demo().await;
    let token = app.demo_token().await;
    let node = created(&app, &token, &format!("{PROD}/nodes"), json!({ "name": "Private" })).await;
    // Another account's admin, and the same admin in another environment, see nothing there.
    let globex = app.login("admin@globex.example", "canopy-demo").await;
    let foreign = app.get(&format!("{PROD}/nodes/{node}/usage"), Some(&globex)).await;
    assert_eq!(foreign.status, StatusCode::NOT_FOUND, "{}", foreign.body);
    let other_env = app.get(&format!("{APP}/environments/development/nodes/{node}/usage"), Some(&token)).await;
    assert_eq!(other_env.status, StatusCode::NOT_FOUND);
    assert_eq!(other_env.body["code"], "not_found");
    let unknown = app.get(&format!("{PROD}/nodes/no-such-node/usage"), Some(&token)).await;
    assert_eq!(unknown.status, StatusCode::NOT_FOUND);
    // No session: 401.
    assert_eq!(app.get(&format!("{PROD}/nodes/{node}/usage"), None).await.status, StatusCode::UNAUTHORIZED);
}
