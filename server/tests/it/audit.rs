//! What the portal's audit log reads: the `action` filter (an action or a family, refused when
//! malformed).

use app::dto::Timestamp;
use axum::http::StatusCode;
use serde_json::{Value, json};

use crate::app::{TestApp, TestResponse};

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

    async fn get(&self, path: &str) -> TestResponse {
        self.app.get(path, Some(&self.token)).await
    }

    async fn created(&self, path: &str, body: Value) -> Value {
        let response = self.app.post(path, Some(&self.token), body).await;
        assert_eq!(response.status, StatusCode::CREATED, "{path}: {}", response.body);
        response.body
    }

    async fn viewer_role(&self) -> String {
        let roles = self.get(&format!("{PROD}/roles?take=100")).await;
        roles.body["items"].as_array().unwrap().iter().find(|r| r["name"] == "viewer").unwrap()["id"].as_str().unwrap().to_owned()
    }

    fn actions(response: &TestResponse) -> Vec<String> {
        response.body["items"].as_array().unwrap().iter().map(|e| e["action"].as_str().unwrap().to_owned()).collect()
    }
}

#[tokio::test]
async fn audit_log_filters_by_action_or_action_family_and_refuses_malformed_actions() {
    let a = Admin::new().await;
    let start = Timestamp::now();
    let node = a.created(&format!("{PROD}/nodes"), json!({ "name": "Audit filter" })).await;
    let node_id = node["id"].as_str().unwrap();
    let moved_under = a.created(&format!("{PROD}/nodes"), json!({ "name": "Audit parent" })).await;
    let renamed = a.app.patch(&format!("{PROD}/nodes/{node_id}"), Some(&a.token), json!({ "name": "Audit filter renamed" })).await;
    assert_eq!(renamed.status, StatusCode::OK, "{}", renamed.body);
    let moved = a.app.patch(&format!("{PROD}/nodes/{node_id}"), Some(&a.token), json!({ "parent_id": moved_under["id"] })).await;
    assert_eq!(moved.status, StatusCode::OK, "{}", moved.body);
    let key = a.created(&format!("{PROD}/api-keys"), json!({ "name": "audit filter key" })).await;
    let since = format!("{APP}/audit-events?take=100&from={}", start.to_rfc3339());

    let every = a.get(&since).await;
    assert_eq!(Admin::actions(&every), ["api_key.create", "node.move", "node.update", "node.create", "node.create"]);

    let exact = a.get(&format!("{since}&action=node.create")).await;
    assert_eq!(exact.status, StatusCode::OK, "{}", exact.body);
    assert_eq!(Admin::actions(&exact), ["node.create", "node.create"]);
    assert_eq!(exact.body["pagination"]["item_count"], 2);

    let family = a.get(&format!("{since}&action=node")).await;
    assert_eq!(Admin::actions(&family), ["node.move", "node.update", "node.create", "node.create"], "a family is every action under it");
    // `api_key` is a family of its own, not a pattern in which `_` matches any character.
    let keys = a.get(&format!("{since}&action=api_key")).await;
    assert_eq!(Admin::actions(&keys), ["api_key.create"]);
    assert_eq!(keys.body["items"][0]["target_id"], key["id"]);
    assert_eq!(a.get(&format!("{since}&action=api")).await.body["pagination"]["item_count"], 0, "a family is whole words");
    assert_eq!(a.get(&format!("{since}&action=node.create.x")).await.body["pagination"]["item_count"], 0);
    // Combined with the other filters.
    let for_node = a.get(&format!("{since}&action=node&target={node_id}")).await;
    assert_eq!(Admin::actions(&for_node), ["node.move", "node.update", "node.create"]);
    // An empty action is no filter.
    assert_eq!(a.get(&format!("{since}&action=")).await.body["pagination"]["item_count"], 5);

    for bad in ["Node.create", "node.", ".node", "node..create", "node+create", "node%2A", "1node", "n%C3%B6de"] {
        let refused = a.get(&format!("{APP}/audit-events?action={bad}")).await;
        assert_eq!(refused.status, StatusCode::BAD_REQUEST, "{bad}: {}", refused.body);
        assert_eq!(refused.body["code"], "invalid_query", "{bad}");
        assert!(refused.body["details"]["action"].is_string(), "{bad}: {}", refused.body);
    }
    let long = "a".repeat(101);
    assert_eq!(a.get(&format!("{APP}/audit-events?action={long}")).await.status, StatusCode::BAD_REQUEST);
    // Both problems at once are both named.
    let both = a.get(&format!("{APP}/audit-events?action=BAD&from=2026-02-01T00:00:00Z&to=2026-01-01T00:00:00Z")).await;
    assert_eq!(both.status, StatusCode::BAD_REQUEST);
    assert!(both.body["details"]["action"].is_string() && both.body["details"]["to"].is_string(), "{}", both.body);

    // Another account's admin sees none of it.
    let globex = a.app.login("admin@globex.example", "canopy-demo").await;
    assert_eq!(a.app.get(&format!("{APP}/audit-events?action=node"), Some(&globex)).await.status, StatusCode::NOT_FOUND);
}
