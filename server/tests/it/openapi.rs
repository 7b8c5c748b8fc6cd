//! The OpenAPI document against what the router really serves.
//!
//! The router records every route it registers (`server::api_routes().endpoints()`), so
//! the document is compared with that table in both directions; and, so that a wrong table
//! cannot hide a gap, every documented operation is also sent to the live router, which must
//! route it to a handler (no 404/405) that asks for exactly the credentials the document says.

use std::collections::BTreeSet;

use axum::http::{Method, StatusCode, header};
use serde_json::Value;

use crate::app::TestApp;

const HTTP_METHODS: [&str; 8] = ["get", "put", "post", "delete", "options", "head", "patch", "trace"];

/// `(METHOD, path)` of every operation in a served document.
fn documented_operations(document: &Value) -> BTreeSet<(String, String)> {
    let paths = document["paths"].as_object().expect("the document has paths");
    let mut operations = BTreeSet::new();
    for (path, item) in paths {
        let item = item.as_object().expect("a path item is an object");
        for method in HTTP_METHODS.into_iter().filter(|method| item.contains_key(*method)) {
            operations.insert((method.to_uppercase(), path.clone()));
        }
    }
    operations
}

fn served_operations() -> BTreeSet<(String, String)> {
    let routes = server::api_routes();
    let endpoints = routes.endpoints();
    let operations: BTreeSet<(String, String)> =
        endpoints.iter().map(|endpoint| (endpoint.method.to_string(), endpoint.path.clone())).collect();
    assert_eq!(operations.len(), endpoints.len(), "an endpoint is registered twice");
    operations
}

async fn served_document(app: &TestApp) -> Value {
    let response = app.get("/api/openapi.json", None).await;
    assert_eq!(response.status, StatusCode::OK);
    assert_eq!(response.headers[header::CONTENT_TYPE], "application/json");
    assert!(response.body.is_object(), "the document is a JSON object: {}", response.body);
    response.body
}

fn listing(operations: &BTreeSet<&(String, String)>) -> String {
    operations.iter().map(|(method, path)| format!("\n  {method} {path}")).collect()
}

#[tokio::test]
async fn the_document_lists_exactly_the_routes_the_router_serves() {
    let app = TestApp::empty().await;
    let documented = documented_operations(&served_document(&app).await);
    let served = served_operations();

    let undocumented: BTreeSet<_> = served.difference(&documented).collect();
    let not_served: BTreeSet<_> = documented.difference(&served).collect();
    assert!(
        undocumented.is_empty() && not_served.is_empty(),
        "served but not in the OpenAPI document:{}\nin the document but not served:{}",
        listing(&undocumented),
        listing(&not_served),
    );
    // Not two empty sets agreeing: both prefixes, the generic handlers' two mounts, and the
    // reference itself are there.
    for (method, path) in [
        ("GET", "/healthz"),
        ("GET", "/api/openapi.json"),
        ("GET", "/api/docs"),
        ("POST", "/portal/v1/auth/login"),
        ("POST", "/portal/v1/accounts/{account_slug}/applications/{app_slug}/environments/{env_slug}/assignments/bulk-create"),
        ("POST", "/api/v1/assignments/bulk-create"),
        ("GET", "/portal/v1/accounts/{account_slug}/applications/{app_slug}/environments/{env_slug}/assignments/app-wide"),
        ("GET", "/api/v1/assignments"),
        ("POST", "/api/v1/me/check"),
    ] {
        assert!(served.contains(&(method.to_owned(), path.to_owned())), "{method} {path} is not registered");
    }
    assert!(served.len() >= 75, "only {} endpoints registered", served.len());
}

/// Each operation documents the request body its handler really reads: the router records the
/// body type of every handler's extractors (`AppJson<T>`, `OptionalJson<T>`), and the document's
/// JSON body must be that `T`'s schema, or absent when the handler reads none. A handler that
/// takes the raw request (sign-in: JSON or a form) must document at least one body.
#[tokio::test]
async fn every_operation_documents_the_body_type_its_handler_reads() {
    let app = TestApp::empty().await;
    let document = served_document(&app).await;
    let routes = server::api_routes();
    let mut compared = 0;
    for endpoint in routes.endpoints() {
        let operation = &document["paths"][&endpoint.path][endpoint.method.as_str().to_lowercase()];
        let content = &operation["requestBody"]["content"];
        let documented = content["application/json"]["schema"]["$ref"].as_str().map(|target| target.rsplit('/').next().unwrap_or(target).to_owned());
        match endpoint.body.as_deref() {
            Some(server::web::registry::Endpoint::ANY_BODY) => {
                assert!(content.as_object().is_some_and(|media| !media.is_empty()), "{endpoint}: reads a body but documents none");
            }
            read => assert_eq!(documented.as_deref(), read, "{endpoint}: the document's request body is not what the handler reads"),
        }
        compared += 1;
    }
    assert!(compared >= 75, "only {compared} endpoints compared");
    // Not vacuous: the bulk endpoints read their raw-item bodies, and those are documented.
    let bulk_create = routes.endpoints().iter().find(|e| e.path == "/api/v1/assignments/bulk-create").expect("bulk-create is served");
    assert_eq!(bulk_create.body.as_deref(), Some("BulkCreateAssignmentsBody"));
    let items = &document["components"]["schemas"]["BulkCreateAssignmentsBody"]["properties"]["assignments"]["items"];
    assert_eq!(items["$ref"], "#/components/schemas/CreateAssignmentRequest");
}

/// Checks the document against the live router, independently of the recorded table: each
/// operation, with its path parameters filled in and no credentials, must reach a handler
/// (axum answers 405 for a wrong method, the API's fallback a JSON 404) and answer 401 exactly
/// when the document says it needs credentials.
#[tokio::test]
async fn every_documented_operation_reaches_a_handler_that_asks_for_the_documented_credentials() {
    let app = TestApp::empty().await;
    let document = served_document(&app).await;
    let mut checked = 0;
    for (path, item) in document["paths"].as_object().expect("paths") {
        let uri = path.split('/').map(|segment| if segment.starts_with('{') { "x" } else { segment }).collect::<Vec<_>>().join("/");
        for method in HTTP_METHODS.into_iter().filter(|method| item.get(*method).is_some()) {
            let operation = &item[method];
            let secured = operation.get("security").and_then(Value::as_array).is_some_and(|requirements| !requirements.is_empty());
            let method = Method::from_bytes(method.to_uppercase().as_bytes()).expect("an HTTP method");
            let response = app.request(method.clone(), &uri, None, None).await;
            assert_ne!(response.status, StatusCode::METHOD_NOT_ALLOWED, "{method} {path}: no handler for this method");
            assert_ne!(response.status, StatusCode::NOT_FOUND, "{method} {path}: not routed ({})", response.body);
            assert_eq!(
                response.status == StatusCode::UNAUTHORIZED,
                secured,
                "{method} {path} answered {} without credentials; the document says it is {}",
                response.status,
                if secured { "secured" } else { "open" },
            );
            checked += 1;
        }
    }
    assert_eq!(checked, served_operations().len());
}

#[tokio::test]
async fn the_document_is_openapi_3_1_with_title_version_and_security_schemes() {
    let app = TestApp::empty().await;
    let document = served_document(&app).await;
    let version = document["openapi"].as_str().expect("openapi is a string");
    assert!(version.starts_with("3.1"), "openapi is {version}");
    assert_eq!(document["info"]["title"], "Canopy API");
    assert_eq!(document["info"]["version"], env!("CARGO_PKG_VERSION"));

    let schemes = &document["components"]["securitySchemes"];
    assert_eq!(schemes["bearer"]["type"], "http");
    assert_eq!(schemes["bearer"]["scheme"], "bearer");
    assert_eq!(schemes["bearer"]["bearerFormat"], "JWT");
    assert_eq!(schemes["api_key"]["type"], "apiKey");
    assert_eq!(schemes["api_key"]["in"], "header");
    assert_eq!(schemes["api_key"]["name"], "X-API-Key");

    let security = |method: &str, path: &str| document["paths"][path][method]["security"].clone();
    assert_eq!(security("get", "/portal/v1/me"), serde_json::json!([{ "bearer": [] }]));
    assert_eq!(security("get", "/api/v1/assignments"), serde_json::json!([{ "api_key": [] }, { "bearer": [] }]));
    assert_eq!(security("post", "/api/v1/me/check"), serde_json::json!([{ "bearer": [] }]));
    assert_eq!(security("post", "/api/v1/auth/token"), serde_json::json!([{ "api_key": [] }]));
    assert_eq!(security("post", "/portal/v1/auth/login"), Value::Null);
}

/// Every `$ref` points at a component that exists, and no operationId is used twice.
#[tokio::test]
async fn every_reference_resolves_and_operation_ids_are_unique() {
    let app = TestApp::empty().await;
    let document = served_document(&app).await;

    fn references<'a>(value: &'a Value, found: &mut Vec<&'a str>) {
        match value {
            Value::Object(map) => {
                if let Some(Value::String(target)) = map.get("$ref") {
                    found.push(target);
                }
                map.values().for_each(|value| references(value, found));
            }
            Value::Array(items) => items.iter().for_each(|value| references(value, found)),
            _ => {}
        }
    }
    let mut found = Vec::new();
    references(&document, &mut found);
    assert!(found.len() > 100, "only {} references", found.len());
    for target in found {
        let pointer = target.strip_prefix('#').unwrap_or_else(|| panic!("{target} is not local"));
        assert!(document.pointer(pointer).is_some(), "{target} does not resolve");
    }

    let mut ids = BTreeSet::new();
    for (path, item) in document["paths"].as_object().expect("paths") {
        for (method, operation) in item.as_object().expect("path item") {
            let id = operation["operationId"].as_str().unwrap_or_else(|| panic!("{method} {path} has no operationId"));
            assert!(ids.insert(id.to_owned()), "operationId {id} is used twice");
        }
    }
}

/// The errors every extractor can answer with are documented, with the contract's error body.
#[tokio::test]
async fn operations_document_their_error_statuses_with_the_error_body() {
    let app = TestApp::empty().await;
    let document = served_document(&app).await;
    let error_body = serde_json::json!({ "$ref": "#/components/schemas/ApiErrorBody" });
    let uses_error_body = |response: &Value| {
        let schema = &response["content"]["application/json"]["schema"];
        *schema == error_body || schema["oneOf"].as_array().is_some_and(|options| options.contains(&error_body))
    };
    for (path, item) in document["paths"].as_object().expect("paths") {
        for (method, operation) in item.as_object().expect("path item") {
            let responses = operation["responses"].as_object().expect("responses");
            let mut expected: Vec<&str> = Vec::new();
            if operation.get("security").is_some() {
                expected.push("401");
            }
            if operation["security"].as_array().is_some_and(|requirements| requirements.iter().any(|r| r.get("bearer").is_some())) {
                expected.push("403");
            }
            if operation["requestBody"]["content"].get("application/json").is_some() {
                expected.extend(["400", "413", "422"]);
            }
            if operation["parameters"].as_array().is_some_and(|parameters| parameters.iter().any(|p| p["in"] == "query")) {
                expected.push("400");
            }
            if path.contains('{') {
                expected.push("404");
            }
            for status in expected {
                let response = responses.get(status).unwrap_or_else(|| panic!("{method} {path} does not document {status}"));
                assert!(uses_error_body(response), "{method} {path} {status} is not an ApiErrorBody: {response}");
            }
            for (status, response) in responses {
                if status.starts_with('4') || status.starts_with('5') {
                    assert!(uses_error_body(response), "{method} {path} {status} is not an ApiErrorBody: {response}");
                }
                assert!(response["description"].as_str().is_some_and(|d| !d.is_empty()), "{method} {path} {status} has no description");
            }
        }
    }

    // The page/take rules and enums reach the parameters; timestamps are date-time strings.
    let list = &document["paths"]["/api/v1/assignments"]["get"]["parameters"];
    let parameter = |name: &str| list.as_array().and_then(|all| all.iter().find(|p| p["name"] == name)).cloned().unwrap_or(Value::Null);
    assert_eq!(parameter("take")["schema"]["maximum"], 100);
    assert_eq!(parameter("take")["schema"]["minimum"], 1);
    assert_eq!(parameter("page")["schema"]["minimum"], 1);
    assert_eq!(parameter("status")["schema"]["enum"], serde_json::json!(["active", "scheduled", "expired"]));
    let timestamp = &document["components"]["schemas"]["Timestamp"];
    assert_eq!(timestamp["type"], "string");
    assert_eq!(timestamp["format"], "date-time");
    assert_eq!(timestamp["examples"][0], "2026-04-20T12:00:00.000Z");
    let bulk = &document["paths"]["/api/v1/assignments/bulk-create"]["post"]["responses"];
    for status in ["200", "207"] {
        assert_eq!(bulk[status]["content"]["application/json"]["schema"]["$ref"], "#/components/schemas/BulkAssignmentResponse");
    }
}

#[tokio::test]
async fn the_reference_page_is_html_embedding_the_document() {
    let app = TestApp::empty().await;
    let response = app.get("/api/docs", None).await;
    assert_eq!(response.status, StatusCode::OK);
    let content_type = response.headers[header::CONTENT_TYPE].to_str().expect("ascii");
    assert!(content_type.starts_with("text/html"), "{content_type}");
    let html = response.body.as_str().expect("an HTML body");
    assert!(html.starts_with("<!doctype html>"), "{}", &html[..html.len().min(200)]);
    assert!(html.contains("<title>Canopy API reference</title>"));
    assert!(html.contains("\"title\":\"Canopy API\""), "the document is embedded");
}
