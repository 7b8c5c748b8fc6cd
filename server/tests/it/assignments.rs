//! The assignments API over the real router, for admins (`/portal/v1`) and management clients
//! (`/api/v1`), on whichever database the suite runs against.

use std::collections::BTreeSet;

use app::dto::Timestamp;
use axum::http::{Method, StatusCode};
use serde_json::{Value, json};
use server::store::{Assignment, Identity, InsertBatch, Node, Role, Store};

use crate::app::{TestApp, TestResponse};

const PROD: &str = "/portal/v1/accounts/acme/applications/billing/environments/production";
const DEV: &str = "/portal/v1/accounts/acme/applications/billing/environments/development";

/// The demo tenant's ids, and fresh identities for writes.
struct Demo {
    app: TestApp,
    token: String,
    env_id: String,
    application_id: String,
    roles: Vec<Role>,
    nodes: Vec<Node>,
}

impl Demo {
    async fn new() -> Self {
        let app = TestApp::with_demo().await;
        let token = app.demo_token().await;
        let store = app.store.as_ref();
        let account = store.account_by_slug("acme").await.unwrap().unwrap();
        let application = store.application_by_slug(&account.id, "billing").await.unwrap().unwrap();
        let env = store.environment_by_slug(&application.id, "production").await.unwrap().unwrap();
        let roles = store.roles(&env.id).await.unwrap();
        let nodes = store.nodes(&env.id).await.unwrap();
        Self { token, env_id: env.id, application_id: application.id, roles, nodes, app }
    }

    fn store(&self) -> &Store {
        self.app.store.as_ref()
    }

    fn role(&self, name: &str) -> &Role {
        self.roles.iter().find(|role| role.name == name).unwrap_or_else(|| panic!("role {name}"))
    }

    fn node(&self, depth: i32) -> &Node {
        self.nodes.iter().find(|node| node.depth == depth).expect("a node at that depth")
    }

    /// New identities of the demo application, with no assignments.
    async fn fresh_identities(&self, count: usize, status: &str) -> Vec<Identity> {
        let now = Timestamp::now().as_millis();
        let identities: Vec<Identity> = (0..count)
            .map(|n| {
                let id = uuid::Uuid::now_v7().to_string();
                let email = format!("fresh-{}-{n}@acme.example", &id[24..]);
                Identity {
                    id,
                    application_id: self.application_id.clone(),
                    first_name: "Fresh".into(),
                    last_name: format!("Person {n}"),
                    name: format!("Fresh Person {n}"),
                    email_normalized: email.clone(),
                    email,
                    avatar_url: None,
                    status: status.parse().expect("a status"),
                    created_at: now,
                    updated_at: now,
                }
            })
            .collect();
        self.store().insert_batch(&InsertBatch { identities: identities.clone(), ..Default::default() }).await.unwrap();
        identities
    }

    async fn get(&self, path: &str) -> TestResponse {
        self.app.get(path, Some(&self.token)).await
    }

    async fn post(&self, path: &str, body: Value) -> TestResponse {
        self.app.post(path, Some(&self.token), body).await
    }

    async fn assignment_count(&self) -> i64 {
        self.store().counts().await.unwrap().assignments
    }

    async fn first_rows(&self, query: &str) -> Vec<Value> {
        let response = self.get(&format!("{PROD}/assignments/app-wide?{query}")).await;
        assert_eq!(response.status, StatusCode::OK, "{}", response.body);
        response.body["items"].as_array().unwrap().clone()
    }
}

fn keys(value: &Value) -> BTreeSet<String> {
    value.as_object().expect("an object").keys().cloned().collect()
}

/// Same keys, recursively, and the same JSON types as the seed page's example, where the
/// example's optional strings (dates, avatar) may be `null`.
fn assert_shape(actual: &Value, example: &Value, path: &str) {
    const NULLABLE: [&str; 3] = ["effective_from", "effective_to", "avatar_url"];
    match (actual, example) {
        (Value::Object(a), Value::Object(e)) => {
            assert_eq!(keys(actual), keys(example), "keys of {path}");
            for (key, expected) in e {
                let value = &a[key];
                if value.is_null() && NULLABLE.contains(&key.as_str()) {
                    continue;
                }
                assert_shape(value, expected, &format!("{path}.{key}"));
            }
        }
        (Value::Array(a), Value::Array(e)) => {
            for item in a {
                assert_shape(item, &e[0], &format!("{path}[]"));
            }
        }
        (Value::String(a), Value::String(e)) => {
            if e.ends_with(".000Z") {
                assert!(Timestamp::parse(a).is_ok() && a.ends_with('Z') && a.len() == 24, "{path}: {a} is not RFC 3339 UTC with ms");
            }
        }
        (Value::Number(_), Value::Number(_)) | (Value::Bool(_), Value::Bool(_)) => {}
        _ => panic!("{path}: {actual} does not have the type of {example}"),
    }
}

/// The seed pages' response examples, verbatim.
fn app_wide_example() -> Value {
    json!({
      "items": [{
          "identity": { "id": "string", "first_name": "string", "last_name": "string", "name": "string", "email": "string", "avatar_url": "string" },
          "role": { "id": "string", "name": "string" },
          "assignment": {
            "id": "string", "source_node_id": "string", "source_node_name": "string", "access_type": "direct",
            "effective_from": "2026-04-20T12:00:00.000Z", "effective_to": "2026-04-20T12:00:00.000Z",
            "status": "active", "created_at": "2026-04-20T12:00:00.000Z"
          }
      }],
      "pagination": { "page": 0, "take": 0, "item_count": 0, "page_count": 0, "has_previous_page": false, "has_next_page": false }
    })
}

fn assignment_example() -> Value {
    json!({
      "id": "string", "identity_id": "string", "application_node_id": "string", "role_id": "string",
      "effective_from": "2026-04-20T12:00:00.000Z", "effective_to": "2026-04-20T12:00:00.000Z",
      "created_at": "2026-04-20T12:00:00.000Z", "updated_at": "2026-04-20T12:00:00.000Z"
    })
}

// ------------------------------------------------------------------------------------------------
// The app-wide list (seed page)
// ------------------------------------------------------------------------------------------------

#[tokio::test]
async fn app_wide_list_matches_the_seed_page_field_by_field() {
    let demo = Demo::new().await;
    let response = demo.get(&format!("{PROD}/assignments/app-wide")).await;
    assert_eq!(response.status, StatusCode::OK);
    assert_shape(&response.body, &app_wide_example(), "body");
    assert_eq!(response.body["items"].as_array().unwrap().len(), 20);
    assert_eq!(
        response.body["pagination"],
        json!({ "page": 1, "take": 20, "item_count": 1000, "page_count": 50, "has_previous_page": false, "has_next_page": true })
    );
    // The row's values agree with what is stored.
    let row = &response.body["items"][0];
    let stored = demo.store().assignments_for_identity(row["identity"]["id"].as_str().unwrap()).await.unwrap();
    let assignment = stored.iter().find(|a| a.id == row["assignment"]["id"]).expect("row is a stored assignment");
    assert_eq!(row["role"]["id"], assignment.role_id.as_str());
    assert_eq!(row["assignment"]["source_node_id"], assignment.node_id.as_str());
    let node = demo.nodes.iter().find(|n| n.id == assignment.node_id).unwrap();
    assert_eq!(row["assignment"]["source_node_name"], node.name.as_str());
    assert_eq!(row["assignment"]["access_type"], "direct");
    assert_eq!(row["assignment"]["created_at"], Timestamp::from_millis(assignment.created_at).unwrap().to_rfc3339());
}

#[tokio::test]
async fn paging_edges_last_page_past_the_end_and_out_of_range_values() {
    let demo = Demo::new().await;
    let last = demo.get(&format!("{PROD}/assignments/app-wide?page=34&take=30")).await;
    assert_eq!(last.body["items"].as_array().unwrap().len(), 10, "1000 = 33 * 30 + 10");
    assert_eq!(last.body["pagination"]["has_next_page"], false);
    assert_eq!(last.body["pagination"]["has_previous_page"], true);
    assert_eq!(last.body["pagination"]["page_count"], 34);

    let beyond = demo.get(&format!("{PROD}/assignments/app-wide?page=35&take=30")).await;
    assert_eq!(beyond.status, StatusCode::OK);
    assert_eq!(beyond.body["items"], json!([]));
    assert_eq!(beyond.body["pagination"]["item_count"], 1000);

    let empty = demo.get(&format!("{PROD}/assignments/app-wide?q=nobody-matches-this")).await;
    assert_eq!(empty.body["items"], json!([]));
    assert_eq!(empty.body["pagination"]["page_count"], 0);

    for (query, field) in [("take=0", "take"), ("take=101", "take"), ("page=0", "page"), ("page=-1", "page")] {
        let response = demo.get(&format!("{PROD}/assignments/app-wide?{query}")).await;
        assert_eq!(response.status, StatusCode::BAD_REQUEST, "{query}");
        assert_eq!(response.body["code"], "invalid_query");
        assert!(response.body["details"][field].is_string(), "{query}: {}", response.body);
    }
    for query in ["status=pending", "sort_by=email", "order=up", "take=ten", "color=red"] {
        let response = demo.get(&format!("{PROD}/assignments/app-wide?{query}")).await;
        assert_eq!(response.status, StatusCode::BAD_REQUEST, "{query}");
        assert_eq!(response.body["code"], "invalid_query", "{query}");
    }
    let full = demo.get(&format!("{PROD}/assignments/app-wide?take=100")).await;
    assert_eq!(full.body["items"].as_array().unwrap().len(), 100);
}

#[tokio::test]
async fn status_and_role_and_node_filters() {
    let demo = Demo::new().await;
    for (status, expected) in [("active", 750), ("scheduled", 120), ("expired", 130)] {
        let response = demo.get(&format!("{PROD}/assignments/app-wide?status={status}&take=100")).await;
        assert_eq!(response.body["pagination"]["item_count"], expected, "{status}");
        for row in response.body["items"].as_array().unwrap() {
            assert_eq!(row["assignment"]["status"], status);
        }
    }
    let summary = demo.get(&format!("{PROD}/assignments/app-wide/summary")).await;
    assert_eq!(summary.status, StatusCode::OK);
    assert_eq!(summary.body["total"], 1000);
    assert_eq!(summary.body["by_status"], json!({ "active": 750, "scheduled": 120, "expired": 130 }));
    assert_eq!(summary.body["expiring_within_7_days"], 20);
    let by_role = summary.body["by_role"].as_array().unwrap();
    assert_eq!(by_role.len(), 4, "every role, used or not");
    assert_eq!(by_role.iter().map(|r| r["count"].as_i64().unwrap()).sum::<i64>(), 1000);

    for role in by_role {
        let id = role["role_id"].as_str().unwrap();
        let response = demo.get(&format!("{PROD}/assignments/app-wide?role_id={id}&take=100")).await;
        assert_eq!(response.body["pagination"]["item_count"], role["count"], "{}", role["role_name"]);
        assert!(response.body["items"].as_array().unwrap().iter().all(|row| row["role"]["id"] == id));
    }

    let node = &demo.node(1).id;
    let response = demo.get(&format!("{PROD}/assignments/app-wide?source_node_id={node}&take=100")).await;
    let rows = response.body["items"].as_array().unwrap();
    assert!(!rows.is_empty());
    assert!(rows.iter().all(|row| row["assignment"]["source_node_id"] == node.as_str()));

    // Filters combine; an unknown id matches nothing.
    let viewer = &demo.role("viewer").id;
    let both = demo.get(&format!("{PROD}/assignments/app-wide?role_id={viewer}&status=expired&take=100")).await;
    assert!(both.body["items"].as_array().unwrap().iter().all(|r| r["role"]["name"] == "viewer" && r["assignment"]["status"] == "expired"));
    let unknown = demo.get(&format!("{PROD}/assignments/app-wide?role_id=no-such-role")).await;
    assert_eq!((unknown.status, unknown.body["pagination"]["item_count"].as_i64()), (StatusCode::OK, Some(0)));
}

#[tokio::test]
async fn search_matches_identity_name_email_role_and_node_names_case_insensitively() {
    let demo = Demo::new().await;
    let sample = &demo.first_rows("take=1").await[0];
    let email = sample["identity"]["email"].as_str().unwrap();
    let by_email = demo.first_rows(&format!("q={}&take=100", email.to_uppercase())).await;
    assert!(!by_email.is_empty());
    assert!(by_email.iter().all(|row| row["identity"]["email"] == email));

    let last_name = sample["identity"]["last_name"].as_str().unwrap().to_lowercase();
    for row in demo.first_rows(&format!("q={last_name}&take=100")).await {
        let haystack = [&row["identity"]["name"], &row["identity"]["email"], &row["role"]["name"], &row["assignment"]["source_node_name"]]
            .iter()
            .map(|v| v.as_str().unwrap().to_lowercase())
            .collect::<Vec<_>>();
        assert!(haystack.iter().any(|s| s.contains(&last_name)), "{row}");
    }

    let by_role = demo.get(&format!("{PROD}/assignments/app-wide?q=BILLING-ADMIN&take=100")).await;
    assert!(by_role.body["pagination"]["item_count"].as_i64().unwrap() >= 175);

    // LIKE wildcards are literal characters in a search.
    let wildcard = demo.get(&format!("{PROD}/assignments/app-wide?q=%25")).await;
    assert_eq!(wildcard.body["pagination"]["item_count"], 0);
    let underscore = demo.get(&format!("{PROD}/assignments/app-wide?q=_")).await;
    assert_eq!(underscore.body["pagination"]["item_count"], 0);
}

#[tokio::test]
async fn each_sort_orders_rows_in_both_directions() {
    let demo = Demo::new().await;
    let key = |row: &Value, sort: &str| -> String {
        match sort {
            "name" => row["identity"]["name"].as_str().unwrap().to_lowercase(),
            "role" => row["role"]["name"].as_str().unwrap().to_lowercase(),
            _ => row["assignment"]["created_at"].as_str().unwrap().to_owned(),
        }
    };
    for sort in ["name", "role", "created_at"] {
        for order in ["asc", "desc"] {
            let rows = demo.first_rows(&format!("sort_by={sort}&order={order}&take=100&page=3")).await;
            let keys: Vec<String> = rows.iter().map(|row| key(row, sort)).collect();
            let mut sorted = keys.clone();
            sorted.sort();
            if order == "desc" {
                sorted.reverse();
            }
            assert_eq!(keys, sorted, "sort_by={sort}&order={order}");
        }
    }
    // Pages do not overlap and cover everything exactly once.
    let mut seen = BTreeSet::new();
    for page in 1..=10 {
        for row in demo.first_rows(&format!("sort_by=name&take=100&page={page}")).await {
            assert!(seen.insert(row["assignment"]["id"].as_str().unwrap().to_owned()), "repeated across pages");
        }
    }
    assert_eq!(seen.len(), 1000);
    // The default is newest first.
    let default = demo.first_rows("take=50").await;
    let created: Vec<&str> = default.iter().map(|r| r["assignment"]["created_at"].as_str().unwrap()).collect();
    assert!(created.windows(2).all(|w| w[0] >= w[1]));
}

#[tokio::test]
async fn status_is_computed_at_the_window_boundaries() {
    let demo = Demo::new().await;
    let identity = &demo.fresh_identities(1, "active").await[0];
    let now = Timestamp::now().as_millis();
    let minute = 60_000;
    let roles = ["viewer", "editor", "billing-admin"];
    // (from, to, expected): from just ahead is scheduled; to already reached is expired.
    let cases = [
        (Some(now + minute), None, "scheduled"),
        (None, Some(now - 1), "expired"),
        (Some(now - minute), Some(now + minute), "active"),
    ];
    let rows: Vec<Assignment> = cases
        .iter()
        .zip(roles)
        .map(|((from, to, _), role)| Assignment {
            id: uuid::Uuid::now_v7().to_string(),
            environment_id: demo.env_id.clone(),
            identity_id: identity.id.clone(),
            node_id: demo.node(0).id.clone(),
            role_id: demo.role(role).id.clone(),
            effective_from: *from,
            effective_to: *to,
            created_at: now,
            updated_at: now,
        })
        .collect();
    demo.store().insert_batch(&InsertBatch { assignments: rows.clone(), ..Default::default() }).await.unwrap();
    let listed = demo.first_rows(&format!("q={}&take=10", identity.email)).await;
    for (row, (_, _, expected)) in rows.iter().zip(cases) {
        let found = listed.iter().find(|r| r["assignment"]["id"] == row.id.as_str()).unwrap();
        assert_eq!(found["assignment"]["status"], expected);
    }
}

// ------------------------------------------------------------------------------------------------
// Everyone with access at a node
// ------------------------------------------------------------------------------------------------

#[tokio::test]
async fn node_assignments_include_inherited_access_through_three_levels() {
    let demo = Demo::new().await;
    let identity = &demo.fresh_identities(1, "active").await[0];
    // A chain root → a → b → c inside the demo tree (depths 0..3).
    let leaf = demo.nodes.iter().find(|n| n.depth == 3).expect("a depth-3 node");
    let chain: Vec<&Node> = leaf
        .id_path
        .split('/')
        .filter(|id| !id.is_empty())
        .map(|id| demo.nodes.iter().find(|n| n.id == id).unwrap())
        .collect();
    assert_eq!(chain.len(), 4);
    let viewer = &demo.role("viewer").id;
    // Assign the fresh identity at the root (depth 0), at depth 1 and at the leaf.
    let mut ids = Vec::new();
    for node in [chain[0], chain[1], chain[3]] {
        let created = demo
            .post(&format!("{PROD}/assignments"), json!({ "identity_id": identity.id, "node_id": node.id, "role_id": viewer }))
            .await;
        assert_eq!(created.status, StatusCode::CREATED, "{}", created.body);
        ids.push(created.body["id"].as_str().unwrap().to_owned());
    }
    let mine = |node: &Node| {
        let path = format!("{PROD}/nodes/{}/assignments?q={}&take=100", node.id, identity.email);
        let demo = &demo;
        async move {
            let response = demo.get(&path).await;
            assert_eq!(response.status, StatusCode::OK, "{}", response.body);
            assert_shape(&response.body, &app_wide_example(), "body");
            response.body["items"]
                .as_array()
                .unwrap()
                .iter()
                .map(|r| {
                    (
                        r["assignment"]["source_node_id"].as_str().unwrap().to_owned(),
                        r["assignment"]["access_type"].as_str().unwrap().to_owned(),
                    )
                })
                .collect::<BTreeSet<_>>()
        }
    };
    let set = |pairs: &[(&Node, &str)]| pairs.iter().map(|(n, t)| (n.id.clone(), (*t).to_owned())).collect::<BTreeSet<_>>();
    assert_eq!(mine(chain[3]).await, set(&[(chain[0], "inherited"), (chain[1], "inherited"), (chain[3], "direct")]));
    assert_eq!(mine(chain[2]).await, set(&[(chain[0], "inherited"), (chain[1], "inherited")]));
    assert_eq!(mine(chain[1]).await, set(&[(chain[0], "inherited"), (chain[1], "direct")]));
    assert_eq!(mine(chain[0]).await, set(&[(chain[0], "direct")]));

    // Source-node filter within a node's view, and a node of another environment is a 404.
    let filtered = demo.get(&format!("{PROD}/nodes/{}/assignments?source_node_id={}&q={}", chain[3].id, chain[0].id, identity.email)).await;
    assert_eq!(filtered.body["pagination"]["item_count"], 1);
    let dev_env = demo.store().environment_by_slug(&demo.application_id, "development").await.unwrap().unwrap();
    let dev_node = &demo.store().nodes(&dev_env.id).await.unwrap()[0];
    assert_eq!(demo.get(&format!("{PROD}/nodes/{}/assignments", dev_node.id)).await.status, StatusCode::NOT_FOUND);
    assert_eq!(demo.get(&format!("{PROD}/nodes/nope/assignments")).await.status, StatusCode::NOT_FOUND);
}

// ------------------------------------------------------------------------------------------------
// Single writes
// ------------------------------------------------------------------------------------------------

#[tokio::test]
async fn create_get_and_delete_an_assignment_with_audit_events() {
    let demo = Demo::new().await;
    let identity = &demo.fresh_identities(1, "active").await[0];
    let node = demo.node(2);
    let editor = demo.role("editor");
    let body = json!({
        "identity_id": identity.id, "node_id": node.id, "role_id": editor.id,
        "effective_from": "2026-01-01T09:00:00+01:00", "effective_to": "2099-01-01T00:00:00Z"
    });
    let created = demo.post(&format!("{PROD}/assignments"), body.clone()).await;
    assert_eq!(created.status, StatusCode::CREATED, "{}", created.body);
    assert_shape(&created.body, &assignment_example(), "created");
    assert_eq!(created.body["identity_id"], identity.id.as_str());
    assert_eq!(created.body["application_node_id"], node.id.as_str());
    assert_eq!(created.body["effective_from"], "2026-01-01T08:00:00.000Z");
    let id = created.body["id"].as_str().unwrap();

    let fetched = demo.get(&format!("{PROD}/assignments/{id}")).await;
    assert_eq!(fetched.status, StatusCode::OK);
    assert_eq!(fetched.body, created.body);

    let again = demo.post(&format!("{PROD}/assignments"), body).await;
    assert_eq!(again.status, StatusCode::CONFLICT);
    assert_eq!(again.body["code"], "assignment_exists");

    let events = demo.store().recent_audit_events(&demo.store().account_by_slug("acme").await.unwrap().unwrap().id, 5).await.unwrap();
    let create_event = events.iter().find(|e| e.action == "assignment.create" && e.target_id.as_deref() == Some(id)).expect("audited");
    assert_eq!(create_event.actor_type, app::dto::ActorType::Admin);
    assert_eq!(create_event.after.as_ref().unwrap()["role_id"], editor.id.as_str());
    assert!(create_event.request_id.is_some(), "the request id is recorded");

    let deleted = demo.app.delete(&format!("{PROD}/assignments/{id}"), Some(&demo.token)).await;
    assert_eq!(deleted.status, StatusCode::NO_CONTENT);
    assert_eq!(demo.get(&format!("{PROD}/assignments/{id}")).await.status, StatusCode::NOT_FOUND);
    assert_eq!(demo.app.delete(&format!("{PROD}/assignments/{id}"), Some(&demo.token)).await.status, StatusCode::NOT_FOUND);
    let events = demo.store().recent_audit_events(&create_event.account_id, 5).await.unwrap();
    let delete_event = events.iter().find(|e| e.action == "assignment.delete").expect("delete audited");
    assert_eq!(delete_event.target_id.as_deref(), Some(id));
    assert_eq!(delete_event.before.as_ref().unwrap()["id"], id);
    assert!(delete_event.after.is_none());
}

#[tokio::test]
async fn create_refuses_bad_input_with_the_right_status() {
    let demo = Demo::new().await;
    let active = &demo.fresh_identities(1, "active").await[0];
    let inactive = &demo.fresh_identities(1, "inactive").await[0];
    let node = &demo.node(1).id;
    let viewer = &demo.role("viewer").id;
    let system = &demo.role("platform-admin").id;
    let path = format!("{PROD}/assignments");
    let cases = [
        (json!({ "identity_id": active.id, "node_id": node, "role_id": system }), StatusCode::BAD_REQUEST, "system_role"),
        (json!({ "identity_id": "ghost", "node_id": node, "role_id": viewer }), StatusCode::NOT_FOUND, "identity_not_found"),
        (json!({ "identity_id": active.id, "node_id": "ghost", "role_id": viewer }), StatusCode::NOT_FOUND, "node_not_found"),
        (json!({ "identity_id": active.id, "node_id": node, "role_id": "ghost" }), StatusCode::NOT_FOUND, "role_not_found"),
        (json!({ "identity_id": inactive.id, "node_id": node, "role_id": viewer }), StatusCode::UNPROCESSABLE_ENTITY, "identity_inactive"),
        (
            json!({ "identity_id": active.id, "node_id": node, "role_id": viewer, "effective_from": "2026-05-01T00:00:00Z", "effective_to": "2026-05-01T00:00:00Z" }),
            StatusCode::UNPROCESSABLE_ENTITY,
            "validation_failed",
        ),
        (json!({ "identity_id": active.id, "node_id": node, "role_id": viewer, "effective_from": "soon" }), StatusCode::UNPROCESSABLE_ENTITY, "validation_failed"),
        (json!({ "identity_id": active.id, "node_id": node }), StatusCode::UNPROCESSABLE_ENTITY, "validation_failed"),
        (json!({ "identity_id": active.id, "node_id": node, "role_id": viewer, "extra": 1 }), StatusCode::UNPROCESSABLE_ENTITY, "validation_failed"),
        (json!({ "identity_id": 7, "node_id": node, "role_id": viewer }), StatusCode::UNPROCESSABLE_ENTITY, "validation_failed"),
    ];
    let before = demo.assignment_count().await;
    for (body, status, code) in cases {
        let response = demo.post(&path, body.clone()).await;
        assert_eq!(response.status, status, "{body}: {}", response.body);
        assert_eq!(response.body["code"], code, "{body}");
        assert!(response.body["message"].as_str().is_some_and(|m| !m.is_empty()));
    }
    let system_response = demo.post(&path, json!({ "identity_id": active.id, "node_id": node, "role_id": system })).await;
    assert_eq!(
        system_response.body["message"],
        "System roles cannot be assigned to identities — they are reserved for platform administration"
    );
    let window = demo
        .post(&path, json!({ "identity_id": active.id, "node_id": node, "role_id": viewer, "effective_from": "2026-05-02T00:00:00Z", "effective_to": "2026-05-01T00:00:00Z" }))
        .await;
    assert_eq!(window.body["details"]["effective_to"], "effective_to must be after effective_from.");
    let malformed = demo.app.request_with(Method::POST, &path, &[("authorization", &format!("Bearer {}", demo.token)), ("content-type", "application/json")], None).await;
    assert_eq!(malformed.status, StatusCode::BAD_REQUEST);
    assert_eq!(demo.assignment_count().await, before, "nothing written by refused requests");
}

#[tokio::test]
async fn patch_matches_the_seed_page_and_its_statuses() {
    let demo = Demo::new().await;
    let identity = &demo.fresh_identities(1, "active").await[0];
    let node = &demo.node(1).id;
    let created = demo
        .post(&format!("{PROD}/assignments"), json!({ "identity_id": identity.id, "node_id": node, "role_id": demo.role("viewer").id, "effective_from": "2026-03-01T00:00:00Z" }))
        .await;
    let id = created.body["id"].as_str().unwrap().to_owned();
    let path = format!("{PROD}/assignments/{id}");
    let editor = &demo.role("editor").id;

    // Role and dates, as in the seed's sample body.
    let patched = demo
        .app
        .patch(&path, Some(&demo.token), json!({ "role_id": editor, "effective_from": "2026-04-20T12:00:00Z", "effective_to": "2027-04-20T14:00:00+02:00" }))
        .await;
    assert_eq!(patched.status, StatusCode::OK, "{}", patched.body);
    assert_shape(&patched.body, &assignment_example(), "patched");
    assert_eq!(patched.body["role_id"], editor.as_str());
    assert_eq!(patched.body["effective_from"], "2026-04-20T12:00:00.000Z");
    assert_eq!(patched.body["effective_to"], "2027-04-20T12:00:00.000Z");
    assert_eq!(patched.body["created_at"], created.body["created_at"]);
    assert!(patched.body["updated_at"].as_str().unwrap() >= created.body["updated_at"].as_str().unwrap());
    assert_eq!(demo.get(&path).await.body, patched.body);

    // Dates left out keep their values; null clears one.
    let role_only = demo.app.patch(&path, Some(&demo.token), json!({ "role_id": editor })).await;
    assert_eq!(role_only.body["effective_from"], "2026-04-20T12:00:00.000Z");
    let cleared = demo.app.patch(&path, Some(&demo.token), json!({ "role_id": editor, "effective_to": null })).await;
    assert_eq!(cleared.body["effective_to"], Value::Null);

    // 422: to not after the stored from; 400 system role; 404 unknown assignment or role.
    let backwards = demo.app.patch(&path, Some(&demo.token), json!({ "role_id": editor, "effective_to": "2026-01-01T00:00:00Z" })).await;
    assert_eq!(backwards.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(backwards.body["details"]["effective_to"], "effective_to must be after effective_from.");
    let system = demo.app.patch(&path, Some(&demo.token), json!({ "role_id": demo.role("platform-admin").id })).await;
    assert_eq!(system.status, StatusCode::BAD_REQUEST);
    assert_eq!(system.body["code"], "system_role");
    let missing = demo.app.patch(&format!("{PROD}/assignments/nope"), Some(&demo.token), json!({ "role_id": editor })).await;
    assert_eq!(missing.status, StatusCode::NOT_FOUND);
    assert_eq!(missing.body["message"], "Assignment not found.");
    let unknown_role = demo.app.patch(&path, Some(&demo.token), json!({ "role_id": "nope" })).await;
    assert_eq!(unknown_role.status, StatusCode::NOT_FOUND);
    let no_role = demo.app.patch(&path, Some(&demo.token), json!({ "effective_to": null })).await;
    assert_eq!(no_role.status, StatusCode::UNPROCESSABLE_ENTITY);

    // Moving to a role the identity already holds at that node is a conflict.
    demo.post(&format!("{PROD}/assignments"), json!({ "identity_id": identity.id, "node_id": node, "role_id": demo.role("billing-admin").id })).await;
    let conflict = demo.app.patch(&path, Some(&demo.token), json!({ "role_id": demo.role("billing-admin").id })).await;
    assert_eq!(conflict.status, StatusCode::CONFLICT);

    let events = demo.store().recent_audit_events(&demo.store().account_by_slug("acme").await.unwrap().unwrap().id, 20).await.unwrap();
    let updates: Vec<_> = events.iter().filter(|e| e.action == "assignment.update" && e.target_id.as_deref() == Some(id.as_str())).collect();
    assert_eq!(updates.len(), 2, "two changing PATCHes; the no-op and the refused ones leave no event");
    let first = updates.last().unwrap();
    assert_eq!(first.before.as_ref().unwrap()["role_id"], demo.role("viewer").id.as_str());
    assert_eq!(first.after.as_ref().unwrap()["role_id"], editor.as_str());
}

// ------------------------------------------------------------------------------------------------
// Bulk
// ------------------------------------------------------------------------------------------------

fn items(identities: &[Identity], node: &str, role: &str) -> Vec<Value> {
    identities.iter().map(|i| json!({ "identity_id": i.id, "node_id": node, "role_id": role })).collect()
}

#[tokio::test]
async fn bulk_create_all_valid_is_200_with_every_result() {
    let demo = Demo::new().await;
    let people = demo.fresh_identities(3, "active").await;
    let before = demo.assignment_count().await;
    let response = demo.post(&format!("{PROD}/assignments/bulk-create"), json!({ "assignments": items(&people, &demo.node(1).id, &demo.role("viewer").id) })).await;
    assert_eq!(response.status, StatusCode::OK, "{}", response.body);
    assert_eq!(response.body["summary"], json!({ "total": 3, "succeeded": 3, "failed": 0 }));
    for (index, result) in response.body["results"].as_array().unwrap().iter().enumerate() {
        assert_eq!(keys(result), ["code", "data", "index", "status"].map(String::from).into());
        assert_eq!(result["index"], index);
        assert_eq!(result["status"], "success");
        assert_eq!(result["code"], 201);
        assert_shape(&result["data"], &assignment_example(), "data");
        assert_eq!(result["data"]["identity_id"], people[index].id.as_str());
    }
    assert_eq!(demo.assignment_count().await, before + 3);
}

#[tokio::test]
async fn bulk_create_atomic_failure_writes_nothing_and_reports_rolled_back_items() {
    let demo = Demo::new().await;
    let people = demo.fresh_identities(3, "active").await;
    let mut batch = items(&people, &demo.node(1).id, &demo.role("viewer").id);
    batch.push(json!({ "identity_id": "ghost", "node_id": demo.node(1).id, "role_id": demo.role("viewer").id }));
    batch.push(batch[0].clone());
    batch.push(json!({ "identity_id": people[0].id, "node_id": demo.node(1).id, "role_id": demo.role("platform-admin").id }));
    batch.push(json!({ "identity_id": people[0].id }));
    let before = demo.store().counts().await.unwrap();
    let response = demo.post(&format!("{PROD}/assignments/bulk-create"), json!({ "assignments": batch })).await;
    assert_eq!(response.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", response.body);
    assert_eq!(response.body["summary"], json!({ "total": 7, "succeeded": 0, "failed": 7 }));
    let results = response.body["results"].as_array().unwrap();
    let codes: Vec<(i64, &str)> = results.iter().map(|r| (r["code"].as_i64().unwrap(), r["error"]["code"].as_str().unwrap())).collect();
    assert_eq!(
        codes,
        vec![
            (424, "batch_rolled_back"),
            (424, "batch_rolled_back"),
            (424, "batch_rolled_back"),
            (404, "identity_not_found"),
            (409, "duplicate_item"),
            (400, "system_role"),
            (422, "validation_failed"),
        ]
    );
    assert_eq!(results[4]["error"]["details"]["duplicate_of"], 0);
    assert_eq!(results[3]["input"], batch[3]);
    assert!(results.iter().all(|r| r["status"] == "error" && r.get("data").is_none()));
    assert_eq!(demo.store().counts().await.unwrap(), before, "the database is unchanged, audit log included");
}

#[tokio::test]
async fn bulk_create_partial_commits_the_valid_items_with_207() {
    let demo = Demo::new().await;
    let people = demo.fresh_identities(2, "active").await;
    let mut batch = items(&people, &demo.node(2).id, &demo.role("editor").id);
    batch.insert(1, json!({ "identity_id": people[0].id, "node_id": "ghost", "role_id": demo.role("editor").id }));
    let before = demo.store().counts().await.unwrap();
    let response = demo.post(&format!("{PROD}/assignments/bulk-create?mode=partial"), json!({ "assignments": batch })).await;
    assert_eq!(response.status, StatusCode::MULTI_STATUS, "{}", response.body);
    assert_eq!(response.body["summary"], json!({ "total": 3, "succeeded": 2, "failed": 1 }));
    let results = response.body["results"].as_array().unwrap();
    assert_eq!(results[1]["status"], "error");
    assert_eq!(results[1]["code"], 404);
    assert_eq!(results[1]["error"]["code"], "node_not_found");
    assert_eq!(keys(&results[1]), ["code", "error", "index", "input", "status"].map(String::from).into());
    let after = demo.store().counts().await.unwrap();
    assert_eq!(after.assignments, before.assignments + 2);
    assert_eq!(after.audit_events, before.audit_events + 2, "one audit event per created assignment");
    for result in [&results[0], &results[2]] {
        let id = result["data"]["id"].as_str().unwrap();
        assert_eq!(demo.get(&format!("{PROD}/assignments/{id}")).await.status, StatusCode::OK);
    }
}

/// bulk-create counts the active identities first and reads them one by one only when the count
/// falls short: an inactive identity, one of another account's application and an unknown id
/// must each still get their own error, and an identity named twice must not upset the count.
#[tokio::test]
async fn bulk_create_tells_inactive_foreign_and_unknown_identities_apart() {
    let demo = Demo::new().await;
    let people = demo.fresh_identities(2, "active").await;
    let inactive = &demo.fresh_identities(1, "inactive").await[0];
    let globex = demo.store().account_by_slug("globex").await.unwrap().unwrap();
    let globex_app = demo.store().applications(&globex.id).await.unwrap().remove(0);
    let foreign = Identity {
        id: uuid::Uuid::now_v7().to_string(),
        application_id: globex_app.id.clone(),
        email: format!("foreign-{}@globex.example", &people[0].id[24..]),
        email_normalized: format!("foreign-{}@globex.example", &people[0].id[24..]),
        ..people[0].clone()
    };
    demo.store().insert_batch(&InsertBatch { identities: vec![foreign.clone()], ..Default::default() }).await.unwrap();
    let (node, deeper, viewer) = (demo.node(1).id.clone(), demo.node(2).id.clone(), demo.role("viewer").id.clone());
    let item = |identity: &str, node: &str| json!({ "identity_id": identity, "node_id": node, "role_id": viewer });
    let path = format!("{PROD}/assignments/bulk-create?mode=partial");

    // All active and of this application, one of them twice: the count alone decides.
    let good = demo.post(&path, json!({ "assignments": [item(&people[0].id, &node), item(&people[1].id, &node), item(&people[0].id, &deeper)] })).await;
    assert_eq!(good.status, StatusCode::OK, "{}", good.body);
    assert_eq!(good.body["summary"], json!({ "total": 3, "succeeded": 3, "failed": 0 }));

    // One bad identity next to a good one, so that a count that ignored the tenant or the status
    // would come out equal to the number of ids.
    let codes = |response: &TestResponse| -> Vec<(i64, String)> {
        assert_eq!(response.status, StatusCode::MULTI_STATUS, "{}", response.body);
        let results = response.body["results"].as_array().unwrap();
        results.iter().map(|r| (r["code"].as_i64().unwrap(), r["error"]["code"].as_str().unwrap_or("").to_owned())).collect()
    };
    let ok = (201, String::new());
    let foreign_too = demo.post(&path, json!({ "assignments": [item(&people[1].id, &deeper), item(&foreign.id, &node)] })).await;
    assert_eq!(codes(&foreign_too), vec![ok.clone(), (404, "identity_not_found".into())]);
    let inactive_too = demo.post(&path, json!({ "assignments": [item(&inactive.id, &node), item(&people[0].id, &demo.node(3).id)] })).await;
    assert_eq!(codes(&inactive_too), vec![(422, "identity_inactive".into()), ok.clone()]);
    let unknown_too = demo.post(&path, json!({ "assignments": [item("ghost", &node), item(&people[1].id, &demo.node(3).id)] })).await;
    assert_eq!(codes(&unknown_too), vec![(404, "identity_not_found".into()), ok]);
}

/// bulk-create leaves stored duplicates to the write's unique constraint and plans again when it
/// refuses one: the answer (and the idempotency record) must be what the look-up would give.
#[tokio::test]
async fn bulk_create_reports_stored_duplicates_per_item_in_both_modes() {
    let demo = Demo::new().await;
    let people = demo.fresh_identities(3, "active").await;
    let (node, viewer) = (demo.node(1).id.clone(), demo.role("viewer").id.clone());
    let stored = demo.post(&format!("{PROD}/assignments"), json!({ "identity_id": people[1].id, "node_id": node, "role_id": viewer })).await;
    assert_eq!(stored.status, StatusCode::CREATED, "{}", stored.body);
    let batch = items(&people, &node, &viewer);

    let before = demo.store().counts().await.unwrap();
    let atomic = demo.post(&format!("{PROD}/assignments/bulk-create"), json!({ "assignments": batch })).await;
    assert_eq!(atomic.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", atomic.body);
    let codes: Vec<(i64, &str)> =
        atomic.body["results"].as_array().unwrap().iter().map(|r| (r["code"].as_i64().unwrap(), r["error"]["code"].as_str().unwrap())).collect();
    assert_eq!(codes, vec![(424, "batch_rolled_back"), (409, "assignment_exists"), (424, "batch_rolled_back")]);
    assert_eq!(atomic.body["results"][1]["error"]["details"]["identity_id"], people[1].id.as_str());
    assert_eq!(demo.store().counts().await.unwrap(), before, "nothing written, audit log included");

    let auth = format!("Bearer {}", demo.token);
    let headers = [("authorization", auth.as_str()), ("content-type", "application/json"), ("idempotency-key", "dup-partial")];
    let path = format!("{PROD}/assignments/bulk-create?mode=partial");
    let partial = demo.app.request_with(Method::POST, &path, &headers, Some(json!({ "assignments": batch }))).await;
    assert_eq!(partial.status, StatusCode::MULTI_STATUS, "{}", partial.body);
    assert_eq!(partial.body["summary"], json!({ "total": 3, "succeeded": 2, "failed": 1 }));
    assert_eq!(partial.body["results"][1]["error"]["code"], "assignment_exists");
    let after = demo.store().counts().await.unwrap();
    assert_eq!(after.assignments, before.assignments + 2);
    assert_eq!(after.audit_events, before.audit_events + 2);
    let replay = demo.app.request_with(Method::POST, &path, &headers, Some(json!({ "assignments": batch }))).await;
    assert_eq!(replay.status, StatusCode::MULTI_STATUS);
    assert_eq!(replay.body, partial.body, "the recorded response is the one that was sent");
    assert_eq!(demo.store().counts().await.unwrap(), after);
}

#[tokio::test]
async fn bulk_dry_run_reports_without_writing() {
    let demo = Demo::new().await;
    let people = demo.fresh_identities(2, "active").await;
    let before = demo.store().counts().await.unwrap();
    let ok = demo.post(&format!("{PROD}/assignments/bulk-create?dry_run=true"), json!({ "assignments": items(&people, &demo.node(1).id, &demo.role("viewer").id) })).await;
    assert_eq!(ok.status, StatusCode::OK);
    assert_eq!(ok.body["summary"]["succeeded"], 2);
    assert_eq!(ok.body["results"][0]["code"], 200, "nothing was created");
    let mut bad = items(&people, &demo.node(1).id, &demo.role("viewer").id);
    bad.push(json!({ "identity_id": "ghost", "node_id": demo.node(1).id, "role_id": demo.role("viewer").id }));
    let partial = demo.post(&format!("{PROD}/assignments/bulk-create?dry_run=true&mode=partial"), json!({ "assignments": bad })).await;
    assert_eq!(partial.status, StatusCode::MULTI_STATUS);
    assert_eq!(partial.body["summary"], json!({ "total": 3, "succeeded": 2, "failed": 1 }));
    let first_id = ok.body["results"][0]["data"]["id"].as_str().unwrap();
    let remove = demo.post(&format!("{PROD}/assignments/bulk-remove?dry_run=true"), json!({ "ids": [first_id] })).await;
    assert_eq!(remove.status, StatusCode::UNPROCESSABLE_ENTITY, "a dry-run id does not exist");
    assert_eq!(demo.store().counts().await.unwrap(), before);
}

#[tokio::test]
async fn idempotency_key_replays_the_first_response_and_refuses_another_body() {
    let demo = Demo::new().await;
    let people = demo.fresh_identities(2, "active").await;
    let body = json!({ "assignments": items(&people, &demo.node(1).id, &demo.role("viewer").id) });
    let auth = format!("Bearer {}", demo.token);
    let headers = [("authorization", auth.as_str()), ("content-type", "application/json"), ("idempotency-key", "import-2026-11-23")];
    let path = format!("{PROD}/assignments/bulk-create");
    let first = demo.app.request_with(Method::POST, &path, &headers, Some(body.clone())).await;
    assert_eq!(first.status, StatusCode::OK);
    let count = demo.store().counts().await.unwrap();
    let retry = demo.app.request_with(Method::POST, &path, &headers, Some(body)).await;
    assert_eq!(retry.status, StatusCode::OK);
    assert_eq!(retry.body, first.body, "the same ids, not new ones");
    assert_eq!(retry.headers.get("idempotent-replayed").unwrap(), "true");
    assert_eq!(demo.store().counts().await.unwrap(), count, "nothing written again");

    let other = json!({ "assignments": items(&people, &demo.node(2).id, &demo.role("viewer").id) });
    let reused = demo.app.request_with(Method::POST, &path, &headers, Some(other.clone())).await;
    assert_eq!(reused.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(reused.body["code"], "idempotency_key_reused");
    // Keys are per caller: the same key from a management client is a different request.
    let key = demo.app.api_key("production").await;
    let management = demo
        .app
        .request_with(Method::POST, "/api/v1/assignments/bulk-create", &[("x-api-key", &key), ("idempotency-key", "import-2026-11-23"), ("content-type", "application/json")], Some(other))
        .await;
    assert_eq!(management.status, StatusCode::OK, "{}", management.body);
    let empty_key = demo.app.request_with(Method::POST, &path, &[("authorization", auth.as_str()), ("idempotency-key", " ")], Some(json!({ "assignments": [] }))).await;
    assert_eq!(empty_key.status, StatusCode::BAD_REQUEST);
}

/// Two identical keyed requests that arrive together (issue 16, idempotency under races): one
/// writes; the other's write collides with it and answers with its stored response, as a replay,
/// never a second write, a 409 per item or a 422. Interleaved on one runtime, both read "no
/// earlier answer" before either writes.
#[tokio::test]
async fn identical_keyed_bulk_requests_racing_write_once_and_answer_alike() {
    let demo = Demo::new().await;
    let auth = format!("Bearer {}", demo.token);
    let assign_path = format!("{PROD}/assignments/bulk-create");
    let identities_path = "/portal/v1/accounts/acme/applications/billing/identities/bulk-create".to_owned();
    for round in 0..10 {
        let key = format!("race-{round}");
        let headers = [("authorization", auth.as_str()), ("content-type", "application/json"), ("idempotency-key", key.as_str())];
        let people = demo.fresh_identities(25, "active").await;
        let (body, path) = if round % 2 == 0 {
            (json!({ "assignments": items(&people, &demo.node(1).id, &demo.role("viewer").id) }), &assign_path)
        } else {
            let identities: Vec<Value> =
                (0..25).map(|n| json!({ "email": format!("racer-{round}-{n}@acme.example"), "first_name": "Race", "last_name": format!("{n}") })).collect();
            (json!({ "identities": identities }), &identities_path)
        };
        let before = demo.store().counts().await.unwrap();
        let (a, b) = tokio::join!(
            demo.app.request_with(Method::POST, path, &headers, Some(body.clone())),
            demo.app.request_with(Method::POST, path, &headers, Some(body.clone())),
        );
        assert_eq!((a.status, b.status), (a.status, a.status), "round {round}: {} / {}", a.body, b.body);
        assert!(a.status.is_success(), "round {round}: {}", a.body);
        assert_eq!(a.body, b.body, "round {round}: the same answer, the same ids");
        let replays = [&a, &b].iter().filter(|r| r.headers.get("idempotent-replayed").is_some_and(|v| v == "true")).count();
        assert_eq!(replays, 1, "round {round}: one fresh answer, one replay");
        let after = demo.store().counts().await.unwrap();
        if round % 2 == 0 {
            assert_eq!(after.assignments - before.assignments, 25, "round {round}: written once");
        } else {
            assert_eq!(after.identities - before.identities, 25, "round {round}: written once");
        }
    }
}

#[tokio::test]
async fn bulk_size_limits_413_beyond_ten_thousand_and_422_for_none() {
    let demo = Demo::new().await;
    let item = json!({ "identity_id": "i", "node_id": "n", "role_id": "r" });
    let too_many = demo.post(&format!("{PROD}/assignments/bulk-create"), json!({ "assignments": vec![item; 10_001] })).await;
    assert_eq!(too_many.status, StatusCode::PAYLOAD_TOO_LARGE);
    assert_eq!(too_many.body["code"], "payload_too_large");
    let none = demo.post(&format!("{PROD}/assignments/bulk-create"), json!({ "assignments": [] })).await;
    assert_eq!(none.status, StatusCode::UNPROCESSABLE_ENTITY);
    let ids = demo.post(&format!("{PROD}/assignments/bulk-remove"), json!({ "ids": vec!["x"; 10_001] })).await;
    assert_eq!(ids.status, StatusCode::PAYLOAD_TOO_LARGE);
    let unknown_mode = demo.post(&format!("{PROD}/assignments/bulk-create?mode=best-effort"), json!({ "assignments": [] })).await;
    assert_eq!(unknown_mode.status, StatusCode::BAD_REQUEST);
}

#[tokio::test]
async fn ten_thousand_items_go_in_one_request() {
    let demo = Demo::new().await;
    let people = demo.fresh_identities(2_500, "active").await;
    let roles = ["viewer", "editor"];
    let nodes: Vec<&Node> = demo.nodes.iter().filter(|n| n.depth == 2).take(2).collect();
    let mut batch = Vec::new();
    for person in &people {
        for role in roles {
            for node in &nodes {
                batch.push(json!({ "identity_id": person.id, "node_id": node.id, "role_id": demo.role(role).id }));
            }
        }
    }
    assert_eq!(batch.len(), 10_000);
    let before = demo.assignment_count().await;
    let response = demo.post(&format!("{PROD}/assignments/bulk-create"), json!({ "assignments": batch })).await;
    assert_eq!(response.status, StatusCode::OK);
    assert_eq!(response.body["summary"]["succeeded"], 10_000);
    assert_eq!(demo.assignment_count().await, before + 10_000);
}

#[tokio::test]
async fn bulk_remove_partial_and_atomic() {
    let demo = Demo::new().await;
    let rows = demo.first_rows("take=3&sort_by=created_at&order=asc").await;
    let ids: Vec<&str> = rows.iter().map(|r| r["assignment"]["id"].as_str().unwrap()).collect();
    let before = demo.store().counts().await.unwrap();

    let atomic = demo.post(&format!("{PROD}/assignments/bulk-remove"), json!({ "ids": [ids[0], "ghost"] })).await;
    assert_eq!(atomic.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(atomic.body["results"][0]["code"], 424);
    assert_eq!(atomic.body["results"][1]["error"]["code"], "assignment_not_found");
    assert_eq!(demo.store().counts().await.unwrap(), before);

    let partial = demo.post(&format!("{PROD}/assignments/bulk-remove?mode=partial"), json!({ "ids": [ids[0], "ghost", ids[1], ids[0]] })).await;
    assert_eq!(partial.status, StatusCode::MULTI_STATUS);
    assert_eq!(partial.body["summary"], json!({ "total": 4, "succeeded": 2, "failed": 2 }));
    assert_eq!(partial.body["results"][0]["data"]["id"], ids[0]);
    assert_eq!(partial.body["results"][3]["error"]["code"], "duplicate_item");
    let after = demo.store().counts().await.unwrap();
    assert_eq!(after.assignments, before.assignments - 2);
    assert_eq!(after.audit_events, before.audit_events + 2);

    let all = demo.post(&format!("{PROD}/assignments/bulk-remove"), json!({ "ids": [ids[2]] })).await;
    assert_eq!(all.status, StatusCode::OK);
    assert_eq!(demo.get(&format!("{PROD}/assignments/{}", ids[2])).await.status, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn bulk_change_role_is_atomic_and_checks_conflicts() {
    let demo = Demo::new().await;
    let people = demo.fresh_identities(3, "active").await;
    let node = &demo.node(1).id;
    let created = demo.post(&format!("{PROD}/assignments/bulk-create"), json!({ "assignments": items(&people, node, &demo.role("viewer").id) })).await;
    let ids: Vec<String> = created.body["results"].as_array().unwrap().iter().map(|r| r["data"]["id"].as_str().unwrap().to_owned()).collect();
    let editor = &demo.role("editor").id;
    // people[2] already holds editor at that node: moving its viewer assignment would collide.
    demo.post(&format!("{PROD}/assignments"), json!({ "identity_id": people[2].id, "node_id": node, "role_id": editor })).await;

    let before = demo.store().counts().await.unwrap();
    let refused = demo.post(&format!("{PROD}/assignments/bulk-change-role"), json!({ "ids": ids, "role_id": editor })).await;
    assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", refused.body);
    assert_eq!(refused.body["results"][2]["error"]["code"], "assignment_exists");
    assert_eq!(refused.body["results"][0]["code"], 424);
    assert_eq!(demo.store().counts().await.unwrap(), before);
    assert_eq!(demo.get(&format!("{PROD}/assignments/{}", ids[0])).await.body["role_id"], demo.role("viewer").id.as_str());

    let changed = demo.post(&format!("{PROD}/assignments/bulk-change-role"), json!({ "ids": &ids[..2], "role_id": editor })).await;
    assert_eq!(changed.status, StatusCode::OK, "{}", changed.body);
    for id in &ids[..2] {
        assert_eq!(demo.get(&format!("{PROD}/assignments/{id}")).await.body["role_id"], editor.as_str());
    }
    assert_eq!(demo.store().counts().await.unwrap().audit_events, before.audit_events + 2);

    let system = demo.post(&format!("{PROD}/assignments/bulk-change-role"), json!({ "ids": &ids[..1], "role_id": demo.role("platform-admin").id })).await;
    assert_eq!(system.status, StatusCode::BAD_REQUEST);
    let unknown = demo.post(&format!("{PROD}/assignments/bulk-change-role"), json!({ "ids": &ids[..1], "role_id": "ghost" })).await;
    assert_eq!(unknown.status, StatusCode::NOT_FOUND);
}

// ------------------------------------------------------------------------------------------------
// identities/{id}/assignments (seed page)
// ------------------------------------------------------------------------------------------------

#[tokio::test]
async fn identity_assignments_match_the_seed_page() {
    let demo = Demo::new().await;
    let sample = &demo.first_rows("take=1").await[0];
    let identity_id = sample["identity"]["id"].as_str().unwrap();
    let stored = demo.store().assignments_for_identity(identity_id).await.unwrap();
    let path = format!("/portal/v1/accounts/acme/applications/billing/identities/{identity_id}/assignments");
    let response = demo.get(&format!("{path}?take=100")).await;
    assert_eq!(response.status, StatusCode::OK);
    let example = json!({ "items": [assignment_example()], "pagination": app_wide_example()["pagination"] });
    assert_shape(&response.body, &example, "body");
    assert_eq!(response.body["pagination"]["item_count"], stored.len(), "both environments");
    let listed: BTreeSet<&str> = response.body["items"].as_array().unwrap().iter().map(|i| i["id"].as_str().unwrap()).collect();
    assert_eq!(listed, stored.iter().map(|a| a.id.as_str()).collect());

    let prod_only = demo.get(&format!("{path}?environment=production&take=100")).await;
    let in_prod = stored.iter().filter(|a| a.environment_id == demo.env_id).count();
    assert_eq!(prod_only.body["pagination"]["item_count"], in_prod);

    let sorted = demo.get(&format!("{path}?sort_by=created_at&order=asc&take=100")).await;
    let created: Vec<&str> = sorted.body["items"].as_array().unwrap().iter().map(|i| i["created_at"].as_str().unwrap()).collect();
    assert!(created.windows(2).all(|w| w[0] <= w[1]));
    assert_eq!(demo.get(&format!("{path}?take=1&page=1")).await.body["items"].as_array().unwrap().len(), 1);
    assert_eq!(demo.get(&format!("{path}?sort_by=color")).await.status, StatusCode::BAD_REQUEST);
    assert_eq!(demo.get(&format!("{path}?take=101")).await.status, StatusCode::BAD_REQUEST);
    assert_eq!(demo.get("/portal/v1/accounts/acme/applications/billing/identities/ghost/assignments").await.status, StatusCode::NOT_FOUND);
}

// ------------------------------------------------------------------------------------------------
// Principals and tenancy
// ------------------------------------------------------------------------------------------------

#[tokio::test]
async fn management_clients_use_the_same_endpoints_with_an_api_key_or_exchanged_token() {
    let demo = Demo::new().await;
    let key = demo.app.api_key("production").await;
    let with_key = |method: Method, path: &str, body: Option<Value>| {
        let key = key.clone();
        let path = path.to_owned();
        let app = &demo.app;
        async move { app.request_with(method, &path, &[("x-api-key", key.as_str()), ("content-type", "application/json")], body).await }
    };
    let list = with_key(Method::GET, "/api/v1/assignments?take=5&status=active", None).await;
    assert_eq!(list.status, StatusCode::OK, "{}", list.body);
    assert_shape(&list.body, &app_wide_example(), "body");
    assert_eq!(list.body["pagination"]["item_count"], 750);

    // The seed's bulk-create body through the API key.
    let people = demo.fresh_identities(1, "active").await;
    let created = with_key(
        Method::POST,
        "/api/v1/assignments/bulk-create",
        Some(json!({ "assignments": [{ "identity_id": people[0].id, "node_id": demo.node(1).id, "role_id": demo.role("viewer").id, "effective_from": "2026-04-20T12:00:00.000Z", "effective_to": "2027-04-20T12:00:00.000Z" }] })),
    )
    .await;
    assert_eq!(created.status, StatusCode::OK, "{}", created.body);
    let id = created.body["results"][0]["data"]["id"].as_str().unwrap().to_owned();
    let events = demo.store().recent_audit_events(&demo.store().account_by_slug("acme").await.unwrap().unwrap().id, 3).await.unwrap();
    let event = events.iter().find(|e| e.target_id.as_deref() == Some(id.as_str())).unwrap();
    assert_eq!(event.actor_type, app::dto::ActorType::ApiKey);

    // Token exchange; the token works as a Bearer on the management API.
    let token = demo.app.request_with(Method::POST, "/api/v1/auth/token", &[("x-api-key", &key)], None).await;
    assert_eq!(token.status, StatusCode::OK, "{}", token.body);
    assert_eq!(token.body["token_type"], "Bearer");
    assert_eq!(token.body["expires_in"], 3600);
    let bearer = token.body["access_token"].as_str().unwrap();
    let fetched = demo.app.get(&format!("/api/v1/assignments/{id}"), Some(bearer)).await;
    assert_eq!(fetched.status, StatusCode::OK);
    let patched = demo.app.patch(&format!("/api/v1/assignments/{id}"), Some(bearer), json!({ "role_id": demo.role("editor").id })).await;
    assert_eq!(patched.status, StatusCode::OK);
    assert_eq!(demo.app.delete(&format!("/api/v1/assignments/{id}"), Some(bearer)).await.status, StatusCode::NO_CONTENT);
}

#[tokio::test]
async fn wrong_principals_get_403_and_bad_credentials_401() {
    let demo = Demo::new().await;
    let key = demo.app.api_key("production").await;
    let token = demo.app.request_with(Method::POST, "/api/v1/auth/token", &[("x-api-key", &key)], None).await;
    let management_token = token.body["access_token"].as_str().unwrap().to_owned();

    // Admin token on the management API, management credentials on the portal API: 403.
    let admin_on_api = demo.app.get("/api/v1/assignments", Some(&demo.token)).await;
    assert_eq!(admin_on_api.status, StatusCode::FORBIDDEN);
    assert_eq!(admin_on_api.body["code"], "wrong_principal_type");
    let token_on_portal = demo.app.get(&format!("{PROD}/assignments/app-wide"), Some(&management_token)).await;
    assert_eq!(token_on_portal.status, StatusCode::FORBIDDEN);
    assert_eq!(token_on_portal.body["code"], "wrong_principal_type");
    let key_on_portal = demo.app.request_with(Method::GET, &format!("{PROD}/assignments/app-wide"), &[("x-api-key", &key)], None).await;
    assert_eq!(key_on_portal.status, StatusCode::FORBIDDEN);

    // Missing, wrong or tampered: 401.
    let forged = format!("{}_{}", &key[..12], "x".repeat(32));
    for headers in [vec![], vec![("x-api-key", forged.as_str())], vec![("x-api-key", "cnp_nothing")], vec![("authorization", "Bearer not.a.jwt")]] {
        let response = demo.app.request_with(Method::GET, "/api/v1/assignments", &headers, None).await;
        assert_eq!(response.status, StatusCode::UNAUTHORIZED, "{headers:?}");
        assert_eq!(response.body["code"], "unauthorized");
    }
    let exchange_forged = demo.app.request_with(Method::POST, "/api/v1/auth/token", &[("x-api-key", &forged)], None).await;
    assert_eq!(exchange_forged.status, StatusCode::UNAUTHORIZED);
    assert_eq!(demo.app.get(&format!("{PROD}/assignments/app-wide"), None).await.status, StatusCode::UNAUTHORIZED);
    assert_eq!(demo.app.get("/api/v1/nothing-here", None).await.status, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn other_environments_and_accounts_see_404() {
    let demo = Demo::new().await;
    let prod_id = demo.first_rows("take=1").await[0]["assignment"]["id"].as_str().unwrap().to_owned();
    // The same account's other environment.
    assert_eq!(demo.get(&format!("{DEV}/assignments/{prod_id}")).await.status, StatusCode::NOT_FOUND);
    let dev_patch = demo.app.patch(&format!("{DEV}/assignments/{prod_id}"), Some(&demo.token), json!({ "role_id": demo.role("viewer").id })).await;
    assert_eq!(dev_patch.status, StatusCode::NOT_FOUND);
    let dev_key = demo.app.api_key("development").await;
    let via_dev_key = demo.app.request_with(Method::GET, &format!("/api/v1/assignments/{prod_id}"), &[("x-api-key", &dev_key)], None).await;
    assert_eq!(via_dev_key.status, StatusCode::NOT_FOUND);
    let dev_remove = demo.app.request_with(Method::POST, "/api/v1/assignments/bulk-remove", &[("x-api-key", &dev_key), ("content-type", "application/json")], Some(json!({ "ids": [prod_id] }))).await;
    assert_eq!(dev_remove.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(dev_remove.body["results"][0]["code"], 404);

    // Another account's admin cannot see acme at all, not even that it exists.
    let globex = demo.app.login("admin@globex.example", "canopy-demo").await;
    for path in [format!("{PROD}/assignments/app-wide"), format!("{PROD}/assignments/{prod_id}"), format!("{PROD}/assignments/app-wide/summary")] {
        let response = demo.app.get(&path, Some(&globex)).await;
        assert_eq!(response.status, StatusCode::NOT_FOUND, "{path}");
        assert_eq!(response.body["code"], "not_found");
    }
    let delete = demo.app.delete(&format!("{PROD}/assignments/{prod_id}"), Some(&globex)).await;
    assert_eq!(delete.status, StatusCode::NOT_FOUND);
    assert_eq!(demo.get(&format!("{PROD}/assignments/{prod_id}")).await.status, StatusCode::OK, "still there");
}
