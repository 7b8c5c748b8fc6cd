//! What the portal's audit log and overview read: the audit log's `action` filter (an action or
//! a family, refused when malformed) and the summary's 30-day expiry figures.

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

#[tokio::test]
async fn summary_counts_what_expires_within_30_days_day_by_day() {
    let a = Admin::new().await;
    let summary_path = format!("{PROD}/assignments/app-wide/summary");
    let before = a.get(&summary_path).await;
    assert_eq!(before.status, StatusCode::OK, "{}", before.body);
    let by_day = |body: &Value| -> Vec<i64> { body["expiring_by_day"].as_array().unwrap().iter().map(|n| n.as_i64().unwrap()).collect() };
    assert_eq!(by_day(&before.body).len(), 30);
    assert_eq!(by_day(&before.body).iter().sum::<i64>(), before.body["expiring_within_30_days"].as_i64().unwrap());
    assert_eq!(by_day(&before.body)[..7].iter().sum::<i64>(), before.body["expiring_within_7_days"].as_i64().unwrap());

    let person = a.created(&format!("{APP}/identities"), json!({ "email": "expiring@acme.example", "first_name": "Ex", "last_name": "Piring" })).await;
    let role = a.viewer_role().await;
    let now = Timestamp::now();
    let at = |hours: i64| Timestamp::from_millis(now.as_millis() + hours * 3_600_000).unwrap().to_rfc3339();
    // Ends in 2½ days, 10½ days and 29½ days (counted), 31 days (not), and one that ended.
    for (i, window) in [
        json!({ "effective_to": at(60) }),
        json!({ "effective_to": at(252) }),
        json!({ "effective_from": at(-48), "effective_to": at(708) }),
        json!({ "effective_to": at(744) }),
        json!({ "effective_from": at(-72), "effective_to": at(-1) }),
    ]
    .into_iter()
    .enumerate()
    {
        let node = a.created(&format!("{PROD}/nodes"), json!({ "name": format!("Expiring {i}") })).await;
        let mut body = json!({ "identity_id": person["id"], "node_id": node["id"], "role_id": role });
        body.as_object_mut().unwrap().extend(window.as_object().unwrap().clone());
        a.created(&format!("{PROD}/assignments"), body).await;
    }
    // A scheduled one ending within the month is not active, so it is not expiring.
    let node = a.created(&format!("{PROD}/nodes"), json!({ "name": "Expiring scheduled" })).await;
    a.created(
        &format!("{PROD}/assignments"),
        json!({ "identity_id": person["id"], "node_id": node["id"], "role_id": role, "effective_from": at(24), "effective_to": at(96) }),
    )
    .await;

    let after = a.get(&summary_path).await;
    let count = |body: &Value, field: &str| body[field].as_i64().unwrap();
    assert_eq!(count(&after.body, "expiring_within_7_days") - count(&before.body, "expiring_within_7_days"), 1);
    assert_eq!(count(&after.body, "expiring_within_30_days") - count(&before.body, "expiring_within_30_days"), 3);
    let grown: Vec<(usize, i64)> =
        by_day(&after.body).iter().zip(by_day(&before.body)).enumerate().filter(|(_, (a, b))| *a != b).map(|(day, (a, b))| (day, a - b)).collect();
    assert_eq!(grown, [(2, 1), (10, 1), (29, 1)]);
    assert_eq!(by_day(&after.body).iter().sum::<i64>(), count(&after.body, "expiring_within_30_days"));

    // The environment's own counts carry the same 30-day figure.
    let environment = a.get(PROD).await;
    assert_eq!(environment.body["counts"]["expiring_within_30_days"], after.body["expiring_within_30_days"]);
    assert_eq!(environment.body["counts"]["expiring_within_7_days"], after.body["expiring_within_7_days"]);
}
