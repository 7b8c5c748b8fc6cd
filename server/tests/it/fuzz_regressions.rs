//! What schemathesis found (scripts/fuzz.sh), each held here: the server's answers at the bounds
//! the OpenAPI document states, and the bugs the fuzzing turned up.

use axum::http::{Method, StatusCode};
use serde_json::{Value, json};

use crate::app::TestApp;

const PROD: &str = "/portal/v1/accounts/acme/applications/billing/environments/production";
const APP: &str = "/portal/v1/accounts/acme/applications/billing";

async fn portal() -> (TestApp, String) {
    let app = TestApp::with_demo().await;
    let token = app.demo_token().await;
    (app, token)
}

/// The document's schema of a request body (resolved), by path and method.
async fn body_schema(app: &TestApp, method: &str, path: &str) -> Value {
    let document = app.get("/api/openapi.json", None).await.body;
    let schema = &document["paths"][path][method]["requestBody"]["content"]["application/json"]["schema"];
    let name = schema["$ref"].as_str().expect("a named body").rsplit('/').next().unwrap().to_owned();
    document["components"]["schemas"][name].clone()
}

/// A JSON array is not an object, even when serde could read a struct from its fields in
/// order: `[null, null]` as a PATCH was a 200 that changed `updated_at`.
#[tokio::test]
async fn an_array_body_is_a_422_not_a_struct_read_by_position() {
    let (app, token) = portal().await;
    let nodes = app.get(&format!("{PROD}/nodes?take=1"), Some(&token)).await;
    let node = nodes.body["items"][0].clone();
    let id = node["id"].as_str().unwrap();
    for (method, path) in [
        (Method::PATCH, format!("{PROD}/nodes/{id}")),
        (Method::PATCH, format!("{APP}/identities/{id}")),
        (Method::POST, format!("{PROD}/roles")),
    ] {
        let response = app.request(method.clone(), &path, Some(&token), Some(json!([null, null]))).await;
        assert_eq!(response.status, StatusCode::UNPROCESSABLE_ENTITY, "{method} {path}: {}", response.body);
        assert_eq!(response.body["code"], "validation_failed");
        assert!(response.body["details"]["body"].as_str().unwrap().contains("a JSON object"), "{}", response.body);
    }
    let after = app.get(&format!("{PROD}/nodes/{id}"), Some(&token)).await;
    assert_eq!(after.body["updated_at"], node["updated_at"], "the refused PATCH changed nothing");

    // The optional body of the identity-token endpoint too; an object still works.
    let key = app.api_key("production").await;
    let identities = app.request_with(Method::GET, "/api/v1/identities?status=active&take=1", &[("x-api-key", &key)], None).await;
    let identity = identities.body["items"][0]["id"].as_str().unwrap().to_owned();
    let tokens = format!("/api/v1/identities/{identity}/tokens");
    let array = app.request_with(Method::POST, &tokens, &[("x-api-key", &key)], Some(json!([600]))).await;
    assert_eq!(array.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", array.body);
    let object = app.request_with(Method::POST, &tokens, &[("x-api-key", &key)], Some(json!({ "expires_in": 600 }))).await;
    assert_eq!((object.status, object.body["expires_in"].as_i64()), (StatusCode::CREATED, Some(600)));
}

/// Editing a system role was refused with the sentence for assigning one.
#[tokio::test]
async fn a_system_role_edit_is_refused_for_what_it_is() {
    let (app, token) = portal().await;
    let roles = app.get(&format!("{PROD}/roles?take=100"), Some(&token)).await;
    let system = roles.body["items"].as_array().unwrap().iter().find(|r| r["is_system"] == true).unwrap()["id"].as_str().unwrap().to_owned();
    let patch = app.patch(&format!("{PROD}/roles/{system}"), Some(&token), json!({ "name": "renamed" })).await;
    let delete = app.delete(&format!("{PROD}/roles/{system}"), Some(&token)).await;
    for response in [&patch, &delete] {
        assert_eq!(response.status, StatusCode::BAD_REQUEST);
        assert_eq!(response.body["code"], "system_role");
        assert_eq!(response.body["message"], "System roles cannot be changed or deleted — they are reserved for platform administration");
        assert_eq!(response.body["details"]["role_id"], system.as_str());
    }
}

/// `page` is documented as 1–4294967295, and the server answers exactly that: the maximum is
/// a page (empty), one more a 400 that says the range (it said "1 or more").
#[tokio::test]
async fn page_bounds_are_the_documented_ones() {
    let (app, token) = portal().await;
    let document = app.get("/api/openapi.json", None).await.body;
    let parameters = document["paths"]["/api/v1/assignments"]["get"]["parameters"].as_array().unwrap().clone();
    let page = parameters.iter().find(|p| p["name"] == "page").unwrap();
    assert_eq!(page["schema"]["maximum"].as_f64(), Some(f64::from(u32::MAX)));
    let at_max = app.get(&format!("{PROD}/nodes?page={}", u32::MAX), Some(&token)).await;
    assert_eq!(at_max.status, StatusCode::OK, "{}", at_max.body);
    assert_eq!(at_max.body["items"], json!([]));
    for beyond in [u64::from(u32::MAX) + 1, 9_223_372_036_854_775_806] {
        let refused = app.get(&format!("{PROD}/nodes?page={beyond}"), Some(&token)).await;
        assert_eq!(refused.status, StatusCode::BAD_REQUEST);
        assert_eq!(refused.body["details"]["page"], "page must be between 1 and 4294967295.");
    }
}

/// The string bounds the document states for a body are the ones the server enforces: at the
/// bound accepted, one past it a 422 naming the field.
#[tokio::test]
async fn documented_string_bounds_match_the_server() {
    let (app, token) = portal().await;
    let schema = body_schema(&app, "post", &format!("{}/roles", "/portal/v1/accounts/{account_slug}/applications/{app_slug}/environments/{env_slug}")).await;
    let name = &schema["properties"]["name"];
    assert_eq!((name["minLength"].as_u64(), name["maxLength"].as_u64()), (Some(1), Some(100)));
    assert!(name["pattern"].is_string());
    // Characters, not bytes: 100 two-byte characters are a valid name.
    let longest = "é".repeat(100);
    let created = app.post(&format!("{PROD}/roles"), Some(&token), json!({ "name": longest })).await;
    assert_eq!(created.status, StatusCode::CREATED, "{}", created.body);
    let too_long = app.post(&format!("{PROD}/roles"), Some(&token), json!({ "name": "é".repeat(101) })).await;
    assert_eq!(too_long.status, StatusCode::UNPROCESSABLE_ENTITY);
    for blank in ["", "   "] {
        let refused = app.post(&format!("{PROD}/roles"), Some(&token), json!({ "name": blank })).await;
        assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY, "{blank:?}");
        assert_eq!(refused.body["details"]["name"], "Name is required.");
    }

    let assignment = body_schema(&app, "post", "/api/v1/assignments").await;
    for field in ["identity_id", "node_id", "role_id"] {
        let id = &assignment["properties"][field];
        assert_eq!((id["minLength"].as_u64(), id["maxLength"].as_u64(), id["pattern"].as_str()), (Some(1), Some(100), Some(r"\S")), "{field}");
    }
    // An id of 100 multi-byte characters is within the bound: not found, not "too long".
    let body = json!({ "identity_id": "ü".repeat(100), "node_id": "n", "role_id": "r" });
    let unknown = app.post(&format!("{PROD}/assignments"), Some(&token), body).await;
    assert_eq!(unknown.status, StatusCode::NOT_FOUND, "{}", unknown.body);
}

/// A bulk import's counts beyond what the column holds were a misleading 422 ("refers to
/// something that does not exist"); whole numbers written as `3.0` were refused as floats.
#[tokio::test]
async fn bulk_import_counts_are_bounded_and_whole_numbers_are_integers() {
    let (app, token) = portal().await;
    let path = format!("{APP}/identities/bulk-imports");
    let body = |total: Value| json!({ "file_name": "people.csv", "total_rows": total, "succeeded": 2.0, "failed": 1, "mode": "atomic" });
    let huge = app.post(&path, Some(&token), body(json!(9_223_372_036_854_775_806_i64))).await;
    assert_eq!(huge.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(huge.body["details"]["total_rows"], "Counts are at most 2147483647.");
    let whole = app.post(&path, Some(&token), body(json!(3.0))).await;
    assert_eq!(whole.status, StatusCode::CREATED, "{}", whole.body);
    assert_eq!((whole.body["total_rows"].as_i64(), whole.body["succeeded"].as_i64()), (Some(3), Some(2)));
    let fraction = app.post(&path, Some(&token), body(json!(3.5))).await;
    assert_eq!(fraction.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(fraction.body["details"]["body"].as_str().unwrap().contains("whole number"), "{}", fraction.body);
}

/// An export holds every page, so its document offers no `page` or `take` (schemathesis sent
/// them, as the document then said it could, and got the 400 that refuses them); an empty
/// `action` is every action, and the document's pattern says so.
#[tokio::test]
async fn exports_document_no_paging_and_an_empty_action_is_every_action() {
    let (app, token) = portal().await;
    let document = app.get("/api/openapi.json", None).await.body;
    let mut exports = 0;
    for (path, item) in document["paths"].as_object().unwrap() {
        if !path.ends_with("/export") {
            continue;
        }
        exports += 1;
        let names: Vec<&str> = item["get"]["parameters"].as_array().unwrap().iter().filter_map(|p| p["name"].as_str()).collect();
        assert!(!names.contains(&"page") && !names.contains(&"take"), "{path}: {names:?}");
        assert!(names.contains(&"sort_by") || path.contains("audit"), "{path} keeps the list's filters: {names:?}");
    }
    assert_eq!(exports, 7, "four in the portal (assignments, a node's access, identities, audit), three in /api/v1");
    let every = app.get(&format!("{APP}/audit-events?take=5"), Some(&token)).await;
    let empty = app.get(&format!("{APP}/audit-events?take=5&action="), Some(&token)).await;
    assert_eq!(empty.status, StatusCode::OK, "{}", empty.body);
    assert_eq!(empty.body["pagination"], every.body["pagination"]);
}
