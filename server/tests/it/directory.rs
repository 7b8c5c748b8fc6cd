//! Nodes, roles, permissions, identities, checks, tokens, API keys and the audit log over the
//! real router, on whichever database the suite runs against.

use std::collections::{HashMap, HashSet};

use app::dto::Timestamp;
use axum::http::{Method, StatusCode};
use serde_json::{Value, json};

use crate::app::{TestApp, TestResponse};

const APP: &str = "/portal/v1/accounts/acme/applications/billing";
const PROD: &str = "/portal/v1/accounts/acme/applications/billing/environments/production";

struct Portal {
    app: TestApp,
    token: String,
}

impl Portal {
    async fn new() -> Self {
        let app = TestApp::with_demo().await;
        let token = app.demo_token().await;
        Self { app, token }
    }

    async fn get(&self, path: &str) -> TestResponse {
        self.app.get(path, Some(&self.token)).await
    }

    async fn post(&self, path: &str, body: Value) -> TestResponse {
        self.app.post(path, Some(&self.token), body).await
    }

    async fn patch(&self, path: &str, body: Value) -> TestResponse {
        self.app.patch(path, Some(&self.token), body).await
    }

    async fn delete(&self, path: &str) -> TestResponse {
        self.app.delete(path, Some(&self.token)).await
    }

    async fn created(&self, path: &str, body: Value) -> Value {
        let response = self.post(path, body).await;
        assert_eq!(response.status, StatusCode::CREATED, "{path}: {}", response.body);
        response.body
    }

    async fn role_id(&self, name: &str) -> String {
        let roles = self.get(&format!("{PROD}/roles?take=100")).await;
        roles.body["items"].as_array().unwrap().iter().find(|r| r["name"] == name).unwrap()["id"].as_str().unwrap().to_owned()
    }

    async fn identity(&self, email: &str) -> String {
        self.created(&format!("{APP}/identities"), json!({ "email": email, "first_name": "Test", "last_name": "Person" })).await["id"]
            .as_str()
            .unwrap()
            .to_owned()
    }

    async fn node(&self, name: &str, parent: Option<&str>) -> Value {
        self.created(&format!("{PROD}/nodes"), json!({ "name": name, "parent_id": parent })).await
    }

    async fn assign(&self, identity: &str, node: &str, role: &str, extra: Value) -> String {
        let mut body = json!({ "identity_id": identity, "node_id": node, "role_id": role });
        body.as_object_mut().unwrap().extend(extra.as_object().cloned().unwrap_or_default());
        self.created(&format!("{PROD}/assignments"), body).await["id"].as_str().unwrap().to_owned()
    }

    async fn management_key(&self) -> String {
        self.app.api_key("production").await
    }

    async fn check(&self, key: &str, identity: &str, permission: &str, node: &str, at: Option<&str>) -> Value {
        let mut body = json!({ "identity_id": identity, "permission": permission, "node_id": node });
        if let Some(at) = at {
            body["at"] = json!(at);
        }
        let response = self.app.request_with(Method::POST, "/api/v1/check", &[("x-api-key", key), ("content-type", "application/json")], Some(body)).await;
        assert_eq!(response.status, StatusCode::OK, "{}", response.body);
        response.body
    }
}

// ------------------------------------------------------------------------------------------------
// Nodes
// ------------------------------------------------------------------------------------------------

#[tokio::test]
async fn nodes_are_created_listed_renamed_and_moved_with_their_subtree() {
    let p = Portal::new().await;
    let org = p.node("Initech", None).await;
    assert_eq!((org["depth"].as_i64(), org["kind"].as_str(), org["path"].as_str()), (Some(0), Some("org"), Some("Initech")));
    let region = p.node("Americas", org["id"].as_str()).await;
    let team = p.node("Payables", region["id"].as_str()).await;
    let project = p.node("Ledger", team["id"].as_str()).await;
    assert_eq!(project["path"], "Initech / Americas / Payables / Ledger");
    assert_eq!((project["depth"].as_i64(), project["kind"].as_str()), (Some(3), Some("project")));
    assert_eq!(project["parent_id"], team["id"]);

    let listed = p.get(&format!("{PROD}/nodes?q=initech&take=100")).await;
    let paths: Vec<&str> = listed.body["items"].as_array().unwrap().iter().map(|n| n["path"].as_str().unwrap()).collect();
    assert_eq!(paths, ["Initech", "Initech / Americas", "Initech / Americas / Payables", "Initech / Americas / Payables / Ledger"]);
    assert_eq!(p.get(&format!("{PROD}/nodes")).await.body["pagination"]["item_count"], 54, "50 demo nodes + 4");

    // Rename: the descendants' paths follow.
    let renamed = p.patch(&format!("{PROD}/nodes/{}", region["id"].as_str().unwrap()), json!({ "name": "AMER" })).await;
    assert_eq!(renamed.status, StatusCode::OK);
    assert_eq!(p.get(&format!("{PROD}/nodes/{}", project["id"].as_str().unwrap())).await.body["path"], "Initech / AMER / Payables / Ledger");

    // Move the team to the root: depth and path of the team and its project change.
    let moved = p.patch(&format!("{PROD}/nodes/{}", team["id"].as_str().unwrap()), json!({ "parent_id": null })).await;
    assert_eq!(moved.status, StatusCode::OK, "{}", moved.body);
    assert_eq!((moved.body["depth"].as_i64(), moved.body["path"].as_str()), (Some(0), Some("Payables")));
    let ledger = p.get(&format!("{PROD}/nodes/{}", project["id"].as_str().unwrap())).await.body;
    assert_eq!((ledger["depth"].as_i64(), ledger["path"].as_str()), (Some(1), Some("Payables / Ledger")));

    // Under its own subtree (or itself): 422. Unknown parent: 422. Unknown node: 404.
    for parent in [project["id"].clone(), team["id"].clone()] {
        let refused = p.patch(&format!("{PROD}/nodes/{}", team["id"].as_str().unwrap()), json!({ "parent_id": parent })).await;
        assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(refused.body["details"]["parent_id"].is_string());
    }
    let ghost_parent = p.post(&format!("{PROD}/nodes"), json!({ "name": "x", "parent_id": "ghost" })).await;
    assert_eq!(ghost_parent.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(p.get(&format!("{PROD}/nodes/ghost")).await.status, StatusCode::NOT_FOUND);
    assert_eq!(p.post(&format!("{PROD}/nodes"), json!({ "name": "  " })).await.status, StatusCode::UNPROCESSABLE_ENTITY);
}

#[tokio::test]
async fn inheritance_follows_a_move_at_once() {
    let p = Portal::new().await;
    let key = p.management_key().await;
    let a = p.node("Alpha", None).await;
    let b = p.node("Beta", None).await;
    let child = p.node("Child", a["id"].as_str()).await;
    let person = p.identity("mover@acme.example").await;
    let viewer = p.role_id("viewer").await;
    p.assign(&person, a["id"].as_str().unwrap(), &viewer, json!({})).await;
    let child_id = child["id"].as_str().unwrap();
    assert_eq!(p.check(&key, &person, "invoices.read", child_id, None).await["allowed"], true);
    assert_eq!(p.check(&key, &person, "invoices.read", b["id"].as_str().unwrap(), None).await["allowed"], false);

    p.patch(&format!("{PROD}/nodes/{child_id}"), json!({ "parent_id": b["id"] })).await;
    assert_eq!(p.check(&key, &person, "invoices.read", child_id, None).await["allowed"], false, "no longer under Alpha");
    let view = p.get(&format!("{PROD}/nodes/{child_id}/assignments?q=mover")).await;
    assert_eq!(view.body["pagination"]["item_count"], 0);
}

#[tokio::test]
async fn node_delete_is_refused_while_in_use_unless_cascade() {
    let p = Portal::new().await;
    let root = p.node("Doomed", None).await;
    let leaf = p.node("Leaf", root["id"].as_str()).await;
    let person = p.identity("doomed@acme.example").await;
    let assignment = p.assign(&person, leaf["id"].as_str().unwrap(), &p.role_id("viewer").await, json!({})).await;
    let path = format!("{PROD}/nodes/{}", root["id"].as_str().unwrap());

    let refused = p.delete(&path).await;
    assert_eq!(refused.status, StatusCode::CONFLICT);
    assert_eq!(refused.body["code"], "node_in_use");
    let leaf_refused = p.delete(&format!("{PROD}/nodes/{}", leaf["id"].as_str().unwrap())).await;
    assert_eq!(leaf_refused.status, StatusCode::CONFLICT, "the leaf still has an assignment");

    let before = p.app.store.counts().await.unwrap();
    assert_eq!(p.delete(&format!("{path}?cascade=true")).await.status, StatusCode::NO_CONTENT);
    let after = p.app.store.counts().await.unwrap();
    assert_eq!(after.nodes, before.nodes - 2);
    assert_eq!(after.assignments, before.assignments - 1);
    assert_eq!(after.audit_events, before.audit_events + 3, "two nodes and one assignment, each once");
    assert_eq!(p.get(&format!("{PROD}/assignments/{assignment}")).await.status, StatusCode::NOT_FOUND);
    assert_eq!(p.get(&path).await.status, StatusCode::NOT_FOUND);

    let empty = p.node("Empty", None).await;
    assert_eq!(p.delete(&format!("{PROD}/nodes/{}", empty["id"].as_str().unwrap())).await.status, StatusCode::NO_CONTENT);
}

// ------------------------------------------------------------------------------------------------
// Roles, permissions, setup
// ------------------------------------------------------------------------------------------------

#[tokio::test]
async fn roles_are_managed_and_system_roles_are_reserved() {
    let p = Portal::new().await;
    let list = p.get(&format!("{PROD}/roles")).await;
    assert_eq!(list.body["pagination"]["item_count"], 4);
    let system = list.body["items"].as_array().unwrap().iter().find(|r| r["is_system"] == true).unwrap().clone();
    let system_id = system["id"].as_str().unwrap();
    assert_eq!(p.patch(&format!("{PROD}/roles/{system_id}"), json!({ "name": "x" })).await.status, StatusCode::BAD_REQUEST);
    assert_eq!(p.delete(&format!("{PROD}/roles/{system_id}")).await.status, StatusCode::BAD_REQUEST);
    let put = p.app.request(Method::PUT, &format!("{PROD}/roles/{system_id}/permissions"), Some(&p.token), Some(json!({ "permissions": [] }))).await;
    assert_eq!(put.status, StatusCode::BAD_REQUEST);

    let auditor = p.created(&format!("{PROD}/roles"), json!({ "name": "auditor", "description": "Reads reports", "permissions": ["reports.read", "invoices.read"] })).await;
    assert_eq!(auditor["permissions"], json!(["invoices.read", "reports.read"]));
    assert_eq!(auditor["is_system"], false);
    let id = auditor["id"].as_str().unwrap();
    assert_eq!(p.post(&format!("{PROD}/roles"), json!({ "name": "auditor" })).await.status, StatusCode::CONFLICT);
    let unknown = p.post(&format!("{PROD}/roles"), json!({ "name": "x", "permissions": ["reports.fly"] })).await;
    assert_eq!(unknown.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(unknown.body["details"]["permissions"].as_str().unwrap().contains("reports.fly"));

    let renamed = p.patch(&format!("{PROD}/roles/{id}"), json!({ "name": "auditors", "description": null })).await;
    assert_eq!((renamed.body["name"].as_str(), renamed.body["description"].clone()), (Some("auditors"), Value::Null));
    let set = p.app.request(Method::PUT, &format!("{PROD}/roles/{id}/permissions"), Some(&p.token), Some(json!({ "permissions": ["payments.read"] }))).await;
    assert_eq!(set.status, StatusCode::OK);
    assert_eq!(set.body["permissions"], json!(["payments.read"]));
    assert_eq!(p.get(&format!("{PROD}/roles/{id}")).await.body["permissions"], json!(["payments.read"]));

    // In use: 409 unless cascade.
    let person = p.identity("auditor@acme.example").await;
    let nodes = p.get(&format!("{PROD}/nodes?take=1")).await;
    p.assign(&person, nodes.body["items"][0]["id"].as_str().unwrap(), id, json!({})).await;
    assert_eq!(p.delete(&format!("{PROD}/roles/{id}")).await.status, StatusCode::CONFLICT);
    assert_eq!(p.delete(&format!("{PROD}/roles/{id}?cascade=true")).await.status, StatusCode::NO_CONTENT);
    assert_eq!(p.get(&format!("{PROD}/roles/{id}")).await.status, StatusCode::NOT_FOUND);

    let resources = p.get(&format!("{PROD}/resources")).await;
    assert_eq!(resources.body.as_array().unwrap().len(), 4);
    let permissions = p.get(&format!("{PROD}/permissions")).await;
    assert_eq!(permissions.body.as_array().unwrap().len(), 17);
}

#[tokio::test]
async fn setup_resource_permissions_matches_the_seed_page() {
    let p = Portal::new().await;
    let editor = p.role_id("editor").await;
    let path = format!("{PROD}/setup/resource-permissions");
    // The seed sample's body, with a real role id.
    let body = json!({
        "resources": [{ "name": "notes", "actions": ["create", "read", "update", "delete"] }],
        "role_permissions": [{ "role_id": editor, "permission_keys": ["invoices.create", "invoices.read", "notes.read"] }]
    });
    let first = p.post(&path, body.clone()).await;
    assert_eq!(first.status, StatusCode::CREATED, "{}", first.body);
    let editor_before_grant = p.get(&format!("{PROD}/roles/{editor}")).await.body["permissions"].clone();
    assert_eq!(first.body, json!({ "permissions_created": 4, "skipped_permissions": 0, "roles_updated": 1 }));
    assert!(editor_before_grant.as_array().unwrap().contains(&json!("notes.read")));
    let again = p.post(&path, body).await;
    assert_eq!(again.body, json!({ "permissions_created": 0, "skipped_permissions": 4, "roles_updated": 0 }));

    // An empty role_permissions creates permissions without binding them.
    let unbound = p.post(&path, json!({ "resources": [{ "name": "refunds", "actions": ["issue"] }], "role_permissions": [] })).await;
    assert_eq!(unbound.body, json!({ "permissions_created": 1, "skipped_permissions": 0, "roles_updated": 0 }));

    // Failures write nothing: an unknown key (422), an unknown role (404), a bad name (422).
    let before = p.app.store.counts().await.unwrap();
    let cases = [
        (json!({ "resources": [{ "name": "memos", "actions": ["read"] }], "role_permissions": [{ "role_id": editor, "permission_keys": ["memos.write"] }] }), StatusCode::UNPROCESSABLE_ENTITY),
        (json!({ "resources": [{ "name": "memos", "actions": ["read"] }], "role_permissions": [{ "role_id": "ghost", "permission_keys": ["memos.read"] }] }), StatusCode::NOT_FOUND),
        (json!({ "resources": [{ "name": "Memos!", "actions": ["read"] }], "role_permissions": [] }), StatusCode::UNPROCESSABLE_ENTITY),
        (json!({ "resources": [{ "name": "memos", "actions": ["Read Now"] }], "role_permissions": [] }), StatusCode::UNPROCESSABLE_ENTITY),
        (json!({ "resources": [] }), StatusCode::UNPROCESSABLE_ENTITY),
    ];
    for (body, status) in cases {
        let response = p.post(&path, body.clone()).await;
        assert_eq!(response.status, status, "{body}: {}", response.body);
    }
    assert_eq!(p.app.store.counts().await.unwrap(), before);
    let system = p.role_id("platform-admin").await;
    let refused = p.post(&path, json!({ "resources": [], "role_permissions": [{ "role_id": system, "permission_keys": ["notes.read"] }] })).await;
    assert_eq!(refused.status, StatusCode::BAD_REQUEST);
}

// ------------------------------------------------------------------------------------------------
// Identities
// ------------------------------------------------------------------------------------------------

#[tokio::test]
async fn identities_crud_search_summary_and_email_uniqueness() {
    let p = Portal::new().await;
    let created = p.created(&format!("{APP}/identities"), json!({ "email": "Grace.Hopper@Acme.example", "first_name": "Grace", "last_name": "Hopper" })).await;
    assert_eq!((created["name"].as_str(), created["status"].as_str()), (Some("Grace Hopper"), Some("active")));
    let id = created["id"].as_str().unwrap();
    let dup = p.post(&format!("{APP}/identities"), json!({ "email": "grace.hopper@acme.EXAMPLE" })).await;
    assert_eq!(dup.status, StatusCode::CONFLICT);
    assert_eq!(dup.body["code"], "email_taken");
    assert_eq!(p.post(&format!("{APP}/identities"), json!({ "email": "nope" })).await.status, StatusCode::UNPROCESSABLE_ENTITY);

    let found = p.get(&format!("{APP}/identities?q=HOPPER")).await;
    assert_eq!(found.body["pagination"]["item_count"], 1);
    assert_eq!(found.body["items"][0]["id"], id);
    let inactive = p.get(&format!("{APP}/identities?status=inactive&take=100")).await;
    assert_eq!(inactive.body["pagination"]["item_count"], 15);
    let by_email = p.get(&format!("{APP}/identities?sort_by=email&order=desc&take=50")).await;
    let emails: Vec<String> = by_email.body["items"].as_array().unwrap().iter().map(|i| i["email"].as_str().unwrap().to_lowercase()).collect();
    assert!(emails.windows(2).all(|w| w[0] >= w[1]));

    let summary = p.get(&format!("{APP}/identities/summary")).await;
    assert_eq!(summary.body, json!({ "total": 301, "active": 286, "inactive": 15, "with_assignments": 292, "without_assignments": 9 }));

    let patched = p.patch(&format!("{APP}/identities/{id}"), json!({ "last_name": "Murray Hopper", "avatar_url": "https://example.com/g.png" })).await;
    assert_eq!(patched.body["name"], "Grace Murray Hopper", "a derived name follows");
    assert_eq!(patched.body["avatar_url"], "https://example.com/g.png");
    let taken = p.patch(&format!("{APP}/identities/{id}"), json!({ "email": found.body["items"][0]["email"] })).await;
    assert_eq!(taken.status, StatusCode::OK, "its own email is fine");

    // Deleting an identity deletes its assignments (each audited).
    let nodes = p.get(&format!("{PROD}/nodes?take=2")).await;
    let assignment = p.assign(id, nodes.body["items"][1]["id"].as_str().unwrap(), &p.role_id("viewer").await, json!({})).await;
    let detail = p.get(&format!("{APP}/identities/{id}/detail")).await;
    assert_eq!(detail.body["assignments"][0]["id"], assignment.as_str());
    assert_eq!(detail.body["assignments"][0]["environment_slug"], "production");
    let before = p.app.store.counts().await.unwrap();
    assert_eq!(p.delete(&format!("{APP}/identities/{id}")).await.status, StatusCode::NO_CONTENT);
    let after = p.app.store.counts().await.unwrap();
    assert_eq!((after.identities, after.assignments, after.audit_events), (before.identities - 1, before.assignments - 1, before.audit_events + 2));
    assert_eq!(p.get(&format!("{APP}/identities/{id}")).await.status, StatusCode::NOT_FOUND);

    let with = p.get(&format!("{APP}/identities/with-assignments?take=5")).await;
    assert_eq!(with.status, StatusCode::OK);
    assert!(with.body["items"][0]["assignments"].is_array() && with.body["items"][0]["email"].is_string());
}

#[tokio::test]
async fn identities_are_looked_up_by_email_or_id_within_the_application() {
    let p = Portal::new().await;
    let ada = p.identity("Ada.Lovelace@acme.example").await;
    let alan = p.identity("alan.turing@acme.example").await;
    let lookup = p
        .post(
            &format!("{APP}/identities/lookup"),
            json!({ "emails": ["ada.lovelace@ACME.example", "nobody@acme.example", "not an email", "alan.turing@acme.example"], "ids": [alan, "00000000-0000-0000-0000-000000000000"] }),
        )
        .await;
    assert_eq!(lookup.status, StatusCode::OK, "{}", lookup.body);
    let found: Vec<(&str, &str)> =
        lookup.body["items"].as_array().unwrap().iter().map(|i| (i["id"].as_str().unwrap(), i["email"].as_str().unwrap())).collect();
    assert_eq!(found, vec![(ada.as_str(), "Ada.Lovelace@acme.example"), (alan.as_str(), "alan.turing@acme.example")], "each once, unknowns left out");

    // Another account's admin finds nothing of acme's, by email or by id.
    let globex = p.app.login("admin@globex.example", "canopy-demo").await;
    let me = p.app.get("/portal/v1/me", Some(&globex)).await;
    let account = me.body["accounts"][0]["slug"].as_str().unwrap().to_owned();
    let application = me.body["accounts"][0]["applications"][0]["slug"].as_str().unwrap().to_owned();
    let other = p
        .app
        .post(
            &format!("/portal/v1/accounts/{account}/applications/{application}/identities/lookup"),
            Some(&globex),
            json!({ "emails": ["ada.lovelace@acme.example"], "ids": [ada] }),
        )
        .await;
    assert_eq!(other.status, StatusCode::OK, "{}", other.body);
    assert_eq!(other.body["items"], json!([]));

    let too_many = p.post(&format!("{APP}/identities/lookup"), json!({ "ids": vec!["x"; 10_001] })).await;
    assert_eq!(too_many.status, StatusCode::UNPROCESSABLE_ENTITY);
    let unknown_field = p.post(&format!("{APP}/identities/lookup"), json!({ "email": [] })).await;
    assert_eq!(unknown_field.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", unknown_field.body);
}

#[tokio::test]
async fn nodes_are_looked_up_by_id_within_the_environment() {
    let p = Portal::new().await;
    let nodes = p.get(&format!("{PROD}/nodes?take=3")).await.body["items"].as_array().unwrap().clone();
    let (first, third) = (nodes[0]["id"].as_str().unwrap(), nodes[2]["id"].as_str().unwrap());
    let dev = "/portal/v1/accounts/acme/applications/billing/environments/development";
    let dev_node = p.get(&format!("{dev}/nodes?take=1")).await.body["items"][0]["id"].as_str().unwrap().to_owned();

    let lookup = p.post(&format!("{PROD}/nodes/lookup"), json!({ "ids": [third, "ghost", first, third, dev_node] })).await;
    assert_eq!(lookup.status, StatusCode::OK, "{}", lookup.body);
    assert_eq!(lookup.body["items"], json!([nodes[2], nodes[0]]), "request order, each once, whole nodes; unknown and other environments' ids left out");

    // The management API has it too, scoped to its key's environment.
    let key = p.app.api_key("production").await;
    let headers = [("x-api-key", key.as_str()), ("content-type", "application/json")];
    let managed = p.app.request_with(Method::POST, "/api/v1/nodes/lookup", &headers, Some(json!({ "ids": [first, dev_node] }))).await;
    assert_eq!(managed.status, StatusCode::OK, "{}", managed.body);
    assert_eq!(managed.body["items"], json!([nodes[0]]));

    // Another account's admin finds nothing of acme's.
    let globex = p.app.login("admin@globex.example", "canopy-demo").await;
    let me = p.app.get("/portal/v1/me", Some(&globex)).await;
    let account = &me.body["accounts"][0];
    let (slug, application) = (account["slug"].as_str().unwrap(), &account["applications"][0]);
    let environment = application["environments"][0]["slug"].as_str().unwrap();
    let path = format!("/portal/v1/accounts/{slug}/applications/{}/environments/{environment}/nodes/lookup", application["slug"].as_str().unwrap());
    let other = p.app.post(&path, Some(&globex), json!({ "ids": [first] })).await;
    assert_eq!(other.status, StatusCode::OK, "{}", other.body);
    assert_eq!(other.body["items"], json!([]));

    assert_eq!(p.post(&format!("{PROD}/nodes/lookup"), json!({ "ids": [] })).await.body["items"], json!([]));
    let too_many = p.post(&format!("{PROD}/nodes/lookup"), json!({ "ids": vec!["x"; 10_001] })).await;
    assert_eq!(too_many.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(too_many.body["code"], "validation_failed");
    let unknown_field = p.post(&format!("{PROD}/nodes/lookup"), json!({ "id": [first] })).await;
    assert_eq!(unknown_field.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", unknown_field.body);
}

#[tokio::test]
async fn deactivated_identities_pass_no_check_and_bulk_create_follows_the_bulk_rules() {
    let p = Portal::new().await;
    let key = p.management_key().await;
    let person = p.identity("switch@acme.example").await;
    let node = p.get(&format!("{PROD}/nodes?take=1")).await.body["items"][0]["id"].as_str().unwrap().to_owned();
    p.assign(&person, &node, &p.role_id("viewer").await, json!({})).await;
    assert_eq!(p.check(&key, &person, "invoices.read", &node, None).await["allowed"], true);
    let off = p.post(&format!("{APP}/identities/{person}/deactivate"), json!({})).await;
    assert_eq!(off.body["status"], "inactive");
    assert_eq!(p.check(&key, &person, "invoices.read", &node, None).await, json!({ "allowed": false, "reason": null }));
    p.post(&format!("{APP}/identities/{person}/activate"), json!({})).await;
    assert_eq!(p.check(&key, &person, "invoices.read", &node, None).await["allowed"], true);

    let path = format!("{APP}/identities/bulk-create");
    let items = json!({ "identities": [{ "email": "b1@acme.example" }, { "email": "B1@acme.example" }, { "email": "switch@acme.example" }, { "email": "bad" }] });
    let before = p.app.store.counts().await.unwrap();
    let atomic = p.post(&path, items.clone()).await;
    assert_eq!(atomic.status, StatusCode::UNPROCESSABLE_ENTITY);
    let codes: Vec<i64> = atomic.body["results"].as_array().unwrap().iter().map(|r| r["code"].as_i64().unwrap()).collect();
    assert_eq!(codes, [424, 409, 409, 422]);
    assert_eq!(p.app.store.counts().await.unwrap(), before);
    let partial = p.post(&format!("{path}?mode=partial"), items).await;
    assert_eq!(partial.status, StatusCode::MULTI_STATUS);
    assert_eq!(partial.body["summary"], json!({ "total": 4, "succeeded": 1, "failed": 3 }));
    assert_eq!(p.app.store.counts().await.unwrap().identities, before.identities + 1);

    let recorded = p.created(&format!("{APP}/identities/bulk-imports"), json!({ "file_name": "people.csv", "environment": "production", "total_rows": 4, "succeeded": 1, "failed": 3, "mode": "partial" })).await;
    assert_eq!(recorded["file_name"], "people.csv");
    assert!(recorded["created_by_admin_id"].is_string());
    let bad = p.post(&format!("{APP}/identities/bulk-imports"), json!({ "file_name": "x.csv", "total_rows": 1, "succeeded": 2, "failed": 0, "mode": "atomic" })).await;
    assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY);
}

/// `identities/bulk-create` goes through the same `Idempotency-Key` rules as the assignment bulk
/// endpoints: a keyed retry gets the first answer (even a 207) and writes nothing again.
#[tokio::test]
async fn identities_bulk_create_replays_a_keyed_retry_and_refuses_another_body() {
    let p = Portal::new().await;
    let path = format!("{APP}/identities/bulk-create?mode=partial");
    let auth = format!("Bearer {}", p.token);
    let headers = [("authorization", auth.as_str()), ("content-type", "application/json"), ("idempotency-key", "people-2026-12-01")];
    let body = json!({ "identities": [{ "email": "keyed1@acme.example" }, { "email": "keyed2@acme.example" }, { "email": "bad" }] });
    let first = p.app.request_with(Method::POST, &path, &headers, Some(body.clone())).await;
    assert_eq!(first.status, StatusCode::MULTI_STATUS, "{}", first.body);
    assert_eq!(first.body["summary"], json!({ "total": 3, "succeeded": 2, "failed": 1 }));
    assert!(first.headers.get("idempotent-replayed").is_none());
    let after_first = p.app.store.counts().await.unwrap();

    let retry = p.app.request_with(Method::POST, &path, &headers, Some(body)).await;
    assert_eq!(retry.status, StatusCode::MULTI_STATUS);
    assert_eq!(retry.body, first.body, "the same ids, not new ones nor email_taken");
    assert_eq!(retry.headers.get("idempotent-replayed").unwrap(), "true");
    assert_eq!(p.app.store.counts().await.unwrap(), after_first, "no identity or audit event written again");

    let other = json!({ "identities": [{ "email": "keyed3@acme.example" }] });
    let reused = p.app.request_with(Method::POST, &path, &headers, Some(other.clone())).await;
    assert_eq!(reused.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(reused.body["code"], "idempotency_key_reused");
    assert_eq!(p.app.store.counts().await.unwrap(), after_first);

    // A dry run is not recorded: the same key then writes for real.
    let dry_headers = [("authorization", auth.as_str()), ("content-type", "application/json"), ("idempotency-key", "people-dry")];
    let dry = p.app.request_with(Method::POST, &format!("{path}&dry_run=true"), &dry_headers, Some(other.clone())).await;
    assert_eq!(dry.status, StatusCode::OK, "{}", dry.body);
    let real = p.app.request_with(Method::POST, &path, &dry_headers, Some(other)).await;
    assert_eq!(real.status, StatusCode::OK, "{}", real.body);
    assert!(real.headers.get("idempotent-replayed").is_none());
    assert_eq!(p.app.store.counts().await.unwrap().identities, after_first.identities + 1);
    let empty_key = p.app.request_with(Method::POST, &path, &[("authorization", auth.as_str()), ("idempotency-key", " ")], Some(json!({ "identities": [] }))).await;
    assert_eq!(empty_key.status, StatusCode::BAD_REQUEST);
}

// ------------------------------------------------------------------------------------------------
// Effective permissions and checks
// ------------------------------------------------------------------------------------------------

#[tokio::test]
async fn effective_permissions_through_three_levels_and_time_travel() {
    let p = Portal::new().await;
    let org = p.node("Umbrella", None).await;
    let region = p.node("EU", org["id"].as_str()).await;
    let team = p.node("Labs", region["id"].as_str()).await;
    let project = p.node("Hive", team["id"].as_str()).await;
    let person = p.identity("alice@acme.example").await;
    let auditor = p.created(&format!("{PROD}/roles"), json!({ "name": "auditor", "permissions": ["reports.read"] })).await;
    let payer = p.created(&format!("{PROD}/roles"), json!({ "name": "payer", "permissions": ["payments.capture", "reports.read"] })).await;
    let org_grant = p.assign(&person, org["id"].as_str().unwrap(), auditor["id"].as_str().unwrap(), json!({})).await;
    // Valid in 2030 only.
    let team_grant = p
        .assign(&person, team["id"].as_str().unwrap(), payer["id"].as_str().unwrap(), json!({ "effective_from": "2030-01-01T00:00:00Z", "effective_to": "2031-01-01T00:00:00Z" }))
        .await;
    let url = |node: &Value, at: Option<&str>| {
        format!(
            "{APP}/identities/{person}/effective-permissions?environment=production&node_id={}{}",
            node["id"].as_str().unwrap(),
            at.map(|a| format!("&at={a}")).unwrap_or_default()
        )
    };
    let now = p.get(&url(&project, None)).await;
    assert_eq!(now.status, StatusCode::OK, "{}", now.body);
    assert_eq!(now.body["permissions"], json!([{ "key": "reports.read", "granted_by": [{ "assignment_id": org_grant, "role_id": auditor["id"], "role_name": "auditor", "source_node_id": org["id"], "source_node_name": "Umbrella" }] }]));

    let in_2030 = p.get(&url(&project, Some("2030-06-01T00:00:00Z"))).await;
    let keys: Vec<&str> = in_2030.body["permissions"].as_array().unwrap().iter().map(|k| k["key"].as_str().unwrap()).collect();
    assert_eq!(keys, ["payments.capture", "reports.read"]);
    let reports = &in_2030.body["permissions"][1]["granted_by"];
    assert_eq!(reports.as_array().unwrap().len(), 2, "granted twice: by the org and the team assignment");
    assert!(reports.as_array().unwrap().iter().any(|g| g["assignment_id"] == team_grant.as_str()));
    // Above the team, the team's grant does not apply.
    let at_region = p.get(&url(&region, Some("2030-06-01T00:00:00Z"))).await;
    assert_eq!(at_region.body["permissions"].as_array().unwrap().len(), 1);
    assert_eq!(p.get(&format!("{APP}/identities/{person}/effective-permissions")).await.status, StatusCode::BAD_REQUEST);

    let key = p.management_key().await;
    let project_id = project["id"].as_str().unwrap();
    assert_eq!(p.check(&key, &person, "payments.capture", project_id, None).await["allowed"], false);
    let later = p.check(&key, &person, "payments.capture", project_id, Some("2030-06-01T00:00:00Z")).await;
    assert_eq!(later, json!({ "allowed": true, "reason": { "assignment_id": team_grant, "role_id": payer["id"], "source_node_id": team["id"] } }));
    assert_eq!(p.check(&key, &person, "payments.capture", project_id, Some("2031-01-01T00:00:00Z")).await["allowed"], false, "to is exclusive");
}

/// Every answer of a 1,000-check batch over the demo data equals a brute-force evaluation of
/// the same rows.
#[tokio::test]
async fn batch_checks_agree_with_brute_force_on_the_demo_data() {
    let p = Portal::new().await;
    let key = p.management_key().await;
    let store = p.app.store.as_ref();
    let account = store.account_by_slug("acme").await.unwrap().unwrap();
    let application = store.application_by_slug(&account.id, "billing").await.unwrap().unwrap();
    let env = store.environment_by_slug(&application.id, "production").await.unwrap().unwrap();
    let nodes = store.nodes(&env.id).await.unwrap();
    let roles = store.roles(&env.id).await.unwrap();
    let role_ids: Vec<&str> = roles.iter().map(|r| r.id.as_str()).collect();
    let mut role_keys: HashMap<String, HashSet<String>> = HashMap::new();
    for (role, key) in store.role_permission_keys(&role_ids).await.unwrap() {
        role_keys.entry(role).or_default().insert(key);
    }
    let permissions: Vec<String> = store.permissions(&env.id).await.unwrap().into_iter().map(|p| p.key).collect();
    let filter = server::store::AssignmentFilter { environment_id: env.id.clone(), now_ms: 0, ..Default::default() };
    let slice = server::store::Slice { sort: app::dto::AssignmentSort::CreatedAt, order: app::dto::SortOrder::Asc, limit: 10_000, offset: 0 };
    let (views, _) = store.assignment_views(&filter, slice).await.unwrap();
    let identities: Vec<(String, bool)> = {
        let mut seen = HashSet::new();
        let ids: Vec<&str> = views.iter().map(|v| v.assignment.identity_id.as_str()).filter(|id| seen.insert(*id)).collect();
        store.identities_by_ids(&application.id, &ids).await.unwrap().into_iter().map(|i| (i.id, i.status.is_active())).collect()
    };
    let now = Timestamp::now().as_millis();
    let brute = |identity: &str, active: bool, permission: &str, node: &server::store::Node| -> bool {
        active
            && views.iter().any(|v| {
                let a = &v.assignment;
                a.identity_id == identity
                    && a.effective_from.is_none_or(|f| f <= now)
                    && a.effective_to.is_none_or(|t| t > now)
                    && node.id_path.contains(&format!("/{}/", a.node_id))
                    && role_keys.get(&a.role_id).is_some_and(|keys| keys.contains(permission))
            })
    };
    // A deterministic spread over identities, permissions and nodes.
    let mut checks = Vec::new();
    let mut expected = Vec::new();
    for n in 0..1_000usize {
        let (identity, active) = &identities[(n * 7) % identities.len()];
        let permission = &permissions[(n * 3) % permissions.len()];
        let node = &nodes[(n * 11) % nodes.len()];
        checks.push(json!({ "identity_id": identity, "permission": permission, "node_id": node.id, "correlation_id": format!("c{n}") }));
        expected.push(brute(identity, *active, permission, node));
    }
    let response = p
        .app
        .request_with(Method::POST, "/api/v1/check/batch", &[("x-api-key", &key), ("content-type", "application/json")], Some(json!({ "checks": checks })))
        .await;
    assert_eq!(response.status, StatusCode::OK, "{}", response.body);
    let results = response.body["results"].as_array().unwrap();
    assert_eq!(results.len(), 1_000);
    let allowed = expected.iter().filter(|e| **e).count();
    assert!(allowed > 50 && allowed < 950, "a meaningful mix: {allowed} allowed");
    for (n, (result, expected)) in results.iter().zip(&expected).enumerate() {
        assert_eq!(result["correlation_id"], format!("c{n}"));
        assert_eq!(result["allowed"].as_bool().unwrap(), *expected, "check {n}: {}", checks[n]);
        assert_eq!(result["reason"].is_null(), !expected);
    }
    // Single checks agree with the batch.
    for n in (0..1_000).step_by(97) {
        let single = p.check(&key, checks[n]["identity_id"].as_str().unwrap(), checks[n]["permission"].as_str().unwrap(), checks[n]["node_id"].as_str().unwrap(), None).await;
        assert_eq!(single["allowed"], results[n]["allowed"], "check {n}");
    }
    let too_many = p.app.request_with(Method::POST, "/api/v1/check/batch", &[("x-api-key", &key), ("content-type", "application/json")], Some(json!({ "checks": vec![checks[0].clone(); 1_001] }))).await;
    assert_eq!(too_many.status, StatusCode::PAYLOAD_TOO_LARGE);
}

#[tokio::test]
async fn a_check_sees_a_committed_write_at_once() {
    let p = Portal::new().await;
    let key = p.management_key().await;
    let person = p.identity("instant@acme.example").await;
    let node = p.get(&format!("{PROD}/nodes?take=1")).await.body["items"][0]["id"].as_str().unwrap().to_owned();
    assert_eq!(p.check(&key, &person, "invoices.approve", &node, None).await["allowed"], false);
    let id = p.assign(&person, &node, &p.role_id("billing-admin").await, json!({})).await;
    assert_eq!(p.check(&key, &person, "invoices.approve", &node, None).await["allowed"], true);
    p.patch(&format!("{PROD}/assignments/{id}"), json!({ "role_id": p.role_id("viewer").await })).await;
    assert_eq!(p.check(&key, &person, "invoices.approve", &node, None).await["allowed"], false);
    let unknown = p.app.request_with(Method::POST, "/api/v1/check", &[("x-api-key", &key), ("content-type", "application/json")], Some(json!({ "identity_id": person, "permission": "invoices.read", "node_id": "ghost" }))).await;
    assert_eq!(unknown.status, StatusCode::NOT_FOUND);
    let malformed = p.app.request_with(Method::POST, "/api/v1/check", &[("x-api-key", &key), ("content-type", "application/json")], Some(json!({ "identity_id": person, "permission": "invoices", "node_id": node }))).await;
    assert_eq!(malformed.status, StatusCode::UNPROCESSABLE_ENTITY);
}

// ------------------------------------------------------------------------------------------------
// Identity tokens, API keys, audit
// ------------------------------------------------------------------------------------------------

#[tokio::test]
async fn identity_tokens_reach_only_the_me_endpoints() {
    let p = Portal::new().await;
    let key = p.management_key().await;
    let person = p.identity("me@acme.example").await;
    let node = p.get(&format!("{PROD}/nodes?take=1")).await.body["items"][0]["id"].as_str().unwrap().to_owned();
    p.assign(&person, &node, &p.role_id("viewer").await, json!({})).await;

    let minted = p.app.request_with(Method::POST, &format!("/api/v1/identities/{person}/tokens"), &[("x-api-key", &key)], None).await;
    assert_eq!(minted.status, StatusCode::CREATED, "{}", minted.body);
    assert_eq!(minted.body["expires_in"], 3600);
    let token = minted.body["access_token"].as_str().unwrap().to_owned();

    let mine = p.app.get(&format!("/api/v1/me/permissions?node_id={node}"), Some(&token)).await;
    assert_eq!(mine.status, StatusCode::OK, "{}", mine.body);
    assert!(mine.body["permissions"].as_array().unwrap().iter().any(|k| k["key"] == "invoices.read"));
    let check = p.app.request(Method::POST, "/api/v1/me/check", Some(&token), Some(json!({ "permission": "invoices.read", "node_id": node }))).await;
    assert_eq!(check.body["allowed"], true);
    let denied = p.app.request(Method::POST, "/api/v1/me/check", Some(&token), Some(json!({ "permission": "invoices.delete", "node_id": node }))).await;
    assert_eq!(denied.body["allowed"], false);

    // Wrong principal types: 403 both ways.
    let identity_on_management = p.app.get("/api/v1/assignments", Some(&token)).await;
    assert_eq!((identity_on_management.status, identity_on_management.body["code"].as_str()), (StatusCode::FORBIDDEN, Some("wrong_principal_type")));
    let identity_on_portal = p.app.get(&format!("{PROD}/assignments/app-wide"), Some(&token)).await;
    assert_eq!(identity_on_portal.status, StatusCode::FORBIDDEN);
    let key_on_me = p.app.request_with(Method::GET, "/api/v1/me/permissions", &[("x-api-key", &key)], None).await;
    assert_eq!(key_on_me.status, StatusCode::FORBIDDEN);
    let admin_on_me = p.app.get("/api/v1/me/permissions", Some(&p.token)).await;
    assert_eq!(admin_on_me.status, StatusCode::FORBIDDEN);
    assert_eq!(p.app.get("/api/v1/me/permissions", None).await.status, StatusCode::UNAUTHORIZED);

    let short = p.app.request_with(Method::POST, &format!("/api/v1/identities/{person}/tokens"), &[("x-api-key", &key), ("content-type", "application/json")], Some(json!({ "expires_in": 5 }))).await;
    assert_eq!(short.status, StatusCode::UNPROCESSABLE_ENTITY);
    p.post(&format!("{APP}/identities/{person}/deactivate"), json!({})).await;
    let inactive = p.app.request_with(Method::POST, &format!("/api/v1/identities/{person}/tokens"), &[("x-api-key", &key)], None).await;
    assert_eq!(inactive.status, StatusCode::UNPROCESSABLE_ENTITY);
}

#[tokio::test]
async fn api_keys_show_the_secret_once_and_revocation_is_immediate() {
    let p = Portal::new().await;
    let created = p.created(&format!("{PROD}/api-keys"), json!({ "name": "CI deploys" })).await;
    let secret = created["secret"].as_str().unwrap().to_owned();
    assert!(secret.starts_with(created["prefix"].as_str().unwrap()));
    let listed = p.get(&format!("{PROD}/api-keys")).await;
    assert_eq!(listed.body["items"][0]["name"], "CI deploys");
    assert!(listed.body["items"][0].get("secret").is_none() && !listed.body.to_string().contains(&secret));

    let exchanged = p.app.request_with(Method::POST, "/api/v1/auth/token", &[("x-api-key", &secret)], None).await;
    let bearer = exchanged.body["access_token"].as_str().unwrap().to_owned();
    assert_eq!(p.app.request_with(Method::GET, "/api/v1/assignments?take=1", &[("x-api-key", &secret)], None).await.status, StatusCode::OK);

    let id = created["id"].as_str().unwrap();
    assert_eq!(p.delete(&format!("{PROD}/api-keys/{id}")).await.status, StatusCode::NO_CONTENT);
    assert_eq!(p.app.request_with(Method::GET, "/api/v1/assignments?take=1", &[("x-api-key", &secret)], None).await.status, StatusCode::UNAUTHORIZED);
    assert_eq!(p.app.get("/api/v1/assignments?take=1", Some(&bearer)).await.status, StatusCode::UNAUTHORIZED, "tokens of a revoked key die with it");
    assert!(p.get(&format!("{PROD}/api-keys")).await.body["items"][0]["revoked_at"].is_string());
    assert_eq!(p.delete(&format!("/portal/v1/accounts/acme/applications/billing/environments/development/api-keys/{id}")).await.status, StatusCode::NOT_FOUND);
    assert_eq!(p.post(&format!("{PROD}/api-keys"), json!({ "name": "" })).await.status, StatusCode::UNPROCESSABLE_ENTITY);
}

#[tokio::test]
async fn audit_log_lists_every_write_once_with_filters() {
    let p = Portal::new().await;
    let start = Timestamp::now();
    let person = p.identity("audited@acme.example").await;
    let node = p.node("Audited", None).await;
    let assignment = p.assign(&person, node["id"].as_str().unwrap(), &p.role_id("viewer").await, json!({})).await;
    p.patch(&format!("{PROD}/assignments/{assignment}"), json!({ "role_id": p.role_id("editor").await })).await;

    let since = format!("{APP}/audit-events?take=100&from={}", start.to_rfc3339());
    let all = p.get(&since).await;
    assert_eq!(all.status, StatusCode::OK, "{}", all.body);
    let actions: Vec<&str> = all.body["items"].as_array().unwrap().iter().map(|e| e["action"].as_str().unwrap()).collect();
    assert_eq!(actions, ["assignment.update", "assignment.create", "node.create", "identity.create"], "newest first, each write once");

    let for_target = p.get(&format!("{APP}/audit-events?target={assignment}")).await;
    assert_eq!(for_target.body["pagination"]["item_count"], 2);
    assert_eq!(for_target.body["items"][0]["before"]["role_id"], p.role_id("viewer").await.as_str());
    let prod_only = p.get(&format!("{since}&environment=production")).await;
    assert_eq!(prod_only.body["pagination"]["item_count"], 3, "the identity belongs to the application, not an environment");
    let admin_id = all.body["items"][0]["actor_id"].as_str().unwrap();
    assert_eq!(all.body["items"][0]["actor_type"], "admin");
    assert_eq!(p.get(&format!("{since}&actor={admin_id}")).await.body["pagination"]["item_count"], 4);
    assert_eq!(p.get(&format!("{since}&actor=someone-else")).await.body["pagination"]["item_count"], 0);
    let future = p.get(&format!("{APP}/audit-events?from=2999-01-01T00:00:00Z")).await;
    assert_eq!(future.body["pagination"]["item_count"], 0);
    assert_eq!(p.get(&format!("{APP}/audit-events?from=2026-02-01T00:00:00Z&to=2026-01-01T00:00:00Z")).await.status, StatusCode::BAD_REQUEST);
    assert_eq!(p.get(&format!("{APP}/audit-events?environment=staging")).await.status, StatusCode::NOT_FOUND);

    let globex = p.app.login("admin@globex.example", "canopy-demo").await;
    assert_eq!(p.app.get(&format!("{APP}/audit-events"), Some(&globex)).await.status, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn management_clients_reach_identities_nodes_and_roles_of_their_environment() {
    let p = Portal::new().await;
    let key = p.management_key().await;
    let headers = [("x-api-key", key.as_str()), ("content-type", "application/json")];
    let created = p.app.request_with(Method::POST, "/api/v1/identities", &headers, Some(json!({ "email": "api@acme.example" }))).await;
    assert_eq!(created.status, StatusCode::CREATED);
    let id = created.body["id"].as_str().unwrap();
    assert_eq!(p.app.request_with(Method::GET, &format!("/api/v1/identities/{id}"), &headers, None).await.status, StatusCode::OK);
    let patched = p.app.request_with(Method::PATCH, &format!("/api/v1/identities/{id}"), &headers, Some(json!({ "first_name": "Api" }))).await;
    assert_eq!(patched.body["first_name"], "Api");
    assert_eq!(p.app.request_with(Method::GET, "/api/v1/nodes?take=5", &headers, None).await.body["pagination"]["item_count"], 50);
    assert_eq!(p.app.request_with(Method::GET, "/api/v1/roles", &headers, None).await.body["pagination"]["item_count"], 4);
    let node = p.app.request_with(Method::POST, "/api/v1/nodes", &headers, Some(json!({ "name": "From API" }))).await;
    assert_eq!(node.status, StatusCode::CREATED);
    let role = p.app.request_with(Method::POST, "/api/v1/roles", &headers, Some(json!({ "name": "api-role", "permissions": ["invoices.read"] }))).await;
    assert_eq!(role.status, StatusCode::CREATED);
    assert_eq!(p.app.request_with(Method::DELETE, &format!("/api/v1/identities/{id}"), &headers, None).await.status, StatusCode::NO_CONTENT);
    // Globex's identities are invisible to acme's key.
    let globex = p.app.login("admin@globex.example", "canopy-demo").await;
    let theirs = p.app.get("/portal/v1/accounts/globex/applications/portal/identities?take=1", Some(&globex)).await;
    let their_id = theirs.body["items"][0]["id"].as_str().unwrap();
    assert_eq!(p.app.request_with(Method::GET, &format!("/api/v1/identities/{their_id}"), &headers, None).await.status, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn environments_are_listed_created_renamed_and_deleted() {
    let p = Portal::new().await;
    let list = p.get(&format!("{APP}/environments")).await;
    assert_eq!(list.status, StatusCode::OK);
    let slugs: Vec<&str> = list.body["items"].as_array().unwrap().iter().map(|e| e["slug"].as_str().unwrap()).collect();
    assert_eq!(slugs, ["development", "production"]);
    assert_eq!(list.body["items"][1]["counts"]["assignments"]["active"], 750);

    let staging = p.created(&format!("{APP}/environments"), json!({ "slug": "staging", "name": "Staging" })).await;
    assert_eq!(staging["counts"]["nodes"], 0);
    assert_eq!(p.post(&format!("{APP}/environments"), json!({ "slug": "staging", "name": "Again" })).await.status, StatusCode::CONFLICT);
    assert_eq!(p.post(&format!("{APP}/environments"), json!({ "slug": "Bad Slug", "name": "x" })).await.status, StatusCode::UNPROCESSABLE_ENTITY);

    let renamed = p.patch(&format!("{APP}/environments/staging"), json!({ "slug": "qa", "name": "QA" })).await;
    assert_eq!((renamed.body["slug"].as_str(), renamed.body["name"].as_str()), (Some("qa"), Some("QA")));
    assert_eq!(p.get(&format!("{APP}/environments/staging")).await.status, StatusCode::NOT_FOUND);
    p.created(&format!("{APP}/environments/qa/nodes"), json!({ "name": "Root" })).await;
    let refused = p.delete(&format!("{APP}/environments/qa")).await;
    assert_eq!(refused.status, StatusCode::CONFLICT);
    assert_eq!(p.delete(&format!("{APP}/environments/qa?cascade=true")).await.status, StatusCode::NO_CONTENT);
    assert_eq!(p.get(&format!("{APP}/environments/qa")).await.status, StatusCode::NOT_FOUND);
    let globex = p.app.login("admin@globex.example", "canopy-demo").await;
    assert_eq!(p.app.get(&format!("{APP}/environments"), Some(&globex)).await.status, StatusCode::NOT_FOUND);
}

/// Search folds case once (`app::dto::fold_case`, stored at write time): a non-ASCII name is
/// found in any letter case by SQL on either database and by the in-memory index alike, and the
/// app-wide list answers the same while its index is warm and right after a write (SQL).
#[tokio::test]
async fn search_folds_non_ascii_case_alike_in_sql_and_in_the_index() {
    let p = Portal::new().await;
    let emile = p.created(&format!("{APP}/identities"), json!({ "email": "Emile.Zola@Acme.example", "first_name": "Émile", "last_name": "Zola" })).await;
    let emile = emile["id"].as_str().unwrap().to_owned();
    let zurich = p.node("Zürich Büro", None).await["id"].as_str().unwrap().to_owned();
    let role = p.created(&format!("{PROD}/roles"), json!({ "name": "Éditeur Ωmega" })).await["id"].as_str().unwrap().to_owned();
    let assignment = p.assign(&emile, &zurich, &role, json!({})).await;

    let store = p.app.store.as_ref();
    let account = store.account_by_slug("acme").await.unwrap().unwrap();
    let application = store.application_by_slug(&account.id, "billing").await.unwrap().unwrap();
    let env = store.environment_by_slug(&application.id, "production").await.unwrap().unwrap();
    let index = server::index::EnvIndex::load(store, &env.id, &application.id).await.unwrap();
    let slice = server::store::Slice { sort: app::dto::AssignmentSort::Name, order: app::dto::SortOrder::Asc, limit: 20, offset: 0 };
    for term in ["émile", "ÉMILE", "Émile Z", "zürich", "ZÜRICH BÜRO", "éditeur", "ΩMEGA", "ωmega"] {
        let filter = server::store::AssignmentFilter {
            environment_id: env.id.clone(),
            now_ms: app::dto::Timestamp::now().as_millis(),
            search: Some(term.into()),
            ..Default::default()
        };
        let from_sql = store.assignment_views(&filter, slice).await.unwrap();
        assert_eq!(from_sql.1, 1, "SQL finds {term:?}");
        assert_eq!(from_sql.0[0].assignment.id, assignment, "{term:?}");
        assert_eq!(index.views(&filter, slice), from_sql, "the index answers {term:?} as SQL does");
    }

    // The directory lists search the same folded columns.
    for (list, term) in [(format!("{APP}/identities"), "%C3%89MILE"), (format!("{PROD}/nodes"), "z%C3%BCrich"), (format!("{PROD}/roles"), "%C3%89DITEUR")] {
        let found = p.get(&format!("{list}?q={term}")).await;
        assert_eq!(found.body["pagination"]["item_count"], 1, "{list}?q={term}: {}", found.body);
    }

    // Over HTTP, with the index warm, then right after a write (applied to it in place).
    let search = format!("{PROD}/assignments/app-wide?q=%C3%A9mile");
    assert_eq!(p.get(&search).await.body["items"][0]["assignment"]["id"], assignment.as_str());
    assert_eq!(p.get(&search).await.body["pagination"]["item_count"], 1, "warm");
    p.identity("someone.else@acme.example").await;
    let after_write = p.get(&search).await;
    assert_eq!(after_write.body["pagination"]["item_count"], 1, "after a write: {}", after_write.body);

    // A rename refolds: the old name is gone from search, the new one found.
    p.patch(&format!("{APP}/identities/{emile}"), json!({ "first_name": "Ómar" })).await;
    assert_eq!(p.get(&search).await.body["pagination"]["item_count"], 0);
    assert_eq!(p.get(&format!("{PROD}/assignments/app-wide?q=%C3%93MAR")).await.body["pagination"]["item_count"], 1);
}
