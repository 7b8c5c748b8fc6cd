//! CSV exports of the lists (`…/export`): the same rows as every page of the list, in its
//! order, under its filters; refusals in the contract's shape; tenants isolated; a formula
//! reads as text; at most two exports stream at once, and one frees its place when its client
//! goes away.

use axum::{
    body::Body,
    http::{Method, Request, StatusCode},
};
use serde_json::{Value, json};
use tower::ServiceExt;

use crate::app::{TestApp, TestResponse};

const APP: &str = "/portal/v1/accounts/acme/applications/billing";
const PROD: &str = "/portal/v1/accounts/acme/applications/billing/environments/production";

/// The export's header row and records, after checking it is a UTF-8 CSV attachment.
fn csv(response: &TestResponse) -> (Vec<String>, Vec<Vec<String>>) {
    assert_eq!(response.status, StatusCode::OK, "{}", response.body);
    assert_eq!(response.headers["content-type"], "text/csv; charset=utf-8");
    let disposition = response.headers["content-disposition"].to_str().unwrap();
    assert!(disposition.starts_with("attachment; filename=\"") && disposition.ends_with(".csv\""), "{disposition}");
    let text = response.body.as_str().expect("a CSV body");
    assert!(text.starts_with('\u{feff}'), "a byte-order mark first, for spreadsheets");
    assert!(text.ends_with("\r\n"));
    let table = app::tabular::parse_csv(text.trim_start_matches('\u{feff}')).expect("the export parses as CSV");
    (table.headers, table.rows)
}

/// Every item of a paginated list, page by page.
async fn all_pages(app: &TestApp, token: &str, path: &str) -> Vec<Value> {
    let mut items = Vec::new();
    for page in 1.. {
        let separator = if path.contains('?') { '&' } else { '?' };
        let response = app.get(&format!("{path}{separator}page={page}&take=100"), Some(token)).await;
        assert_eq!(response.status, StatusCode::OK, "{}", response.body);
        items.extend(response.body["items"].as_array().unwrap().iter().cloned());
        if response.body["pagination"]["has_next_page"] != true {
            return items;
        }
    }
    unreachable!()
}

fn column(headers: &[String], name: &str) -> usize {
    headers.iter().position(|h| h == name).unwrap_or_else(|| panic!("no column {name} in {headers:?}"))
}

#[tokio::test]
async fn the_assignment_export_is_every_page_of_the_list_in_its_order() {
    let app = TestApp::with_demo().await;
    let token = app.demo_token().await;
    for filters in ["sort_by=name&order=asc", "status=active&sort_by=role&order=desc", "q=a&sort_by=created_at&order=asc"] {
        let listed = all_pages(&app, &token, &format!("{PROD}/assignments/app-wide?{filters}")).await;
        assert!(listed.len() > 100, "more than one page: {filters} gave {}", listed.len());
        let (headers, rows) = csv(&app.get(&format!("{PROD}/assignments/app-wide/export?{filters}"), Some(&token)).await);
        assert_eq!(headers[..3], ["assignment_id", "identity_id", "identity_name"]);
        let ids: Vec<&str> = rows.iter().map(|r| r[column(&headers, "assignment_id")].as_str()).collect();
        let expected: Vec<&str> = listed.iter().map(|item| item["assignment"]["id"].as_str().unwrap()).collect();
        assert_eq!(ids, expected, "{filters}");
        // Each record carries what the list row says.
        let (row, item) = (&rows[0], &listed[0]);
        assert_eq!(row[column(&headers, "identity_email")], item["identity"]["email"].as_str().unwrap());
        assert_eq!(row[column(&headers, "role")], item["role"]["name"].as_str().unwrap());
        assert_eq!(row[column(&headers, "node_id")], item["assignment"]["source_node_id"].as_str().unwrap());
        assert_eq!(row[column(&headers, "status")], item["assignment"]["status"].as_str().unwrap());
        assert_eq!(row[column(&headers, "created_at")], item["assignment"]["created_at"].as_str().unwrap());
        assert_eq!(row[column(&headers, "access_type")], "direct");
        assert!(row[column(&headers, "node_path")].contains(" / "), "the node's path, as the upload reads it");
    }
    // The management API exports its key's environment the same way.
    let key = app.api_key("production").await;
    let managed = app.request_with(Method::GET, "/api/v1/assignments/export?sort_by=name&order=asc", &[("x-api-key", &key)], None).await;
    let portal = app.get(&format!("{PROD}/assignments/app-wide/export?sort_by=name&order=asc"), Some(&token)).await;
    assert_eq!(csv(&managed).1, csv(&portal).1);
}

#[tokio::test]
async fn a_node_export_lists_direct_and_inherited_access_with_the_source_node() {
    let app = TestApp::with_demo().await;
    let token = app.demo_token().await;
    let nodes = all_pages(&app, &token, &format!("{PROD}/nodes")).await;
    let leaf = nodes.iter().find(|n| n["depth"] == 3).unwrap();
    let id = leaf["id"].as_str().unwrap();
    let listed = all_pages(&app, &token, &format!("{PROD}/nodes/{id}/assignments?sort_by=name&order=asc")).await;
    let (headers, rows) = csv(&app.get(&format!("{PROD}/nodes/{id}/assignments/export?sort_by=name&order=asc"), Some(&token)).await);
    assert_eq!(rows.len(), listed.len());
    for (row, item) in rows.iter().zip(&listed) {
        assert_eq!(row[column(&headers, "assignment_id")], item["assignment"]["id"].as_str().unwrap());
        assert_eq!(row[column(&headers, "access_type")], item["assignment"]["access_type"].as_str().unwrap());
        assert_eq!(row[column(&headers, "node_id")], item["assignment"]["source_node_id"].as_str().unwrap());
    }
    assert!(rows.iter().any(|r| r[column(&headers, "access_type")] == "inherited"), "a leaf inherits from its ancestors");
    let missing = app.get(&format!("{PROD}/nodes/not-a-node/assignments/export"), Some(&token)).await;
    assert_eq!(missing.status, StatusCode::NOT_FOUND);
    assert_eq!(missing.body["code"], "not_found");
}

#[tokio::test]
async fn the_identity_export_follows_search_filter_and_order_and_defuses_formulas() {
    let app = TestApp::with_demo().await;
    let token = app.demo_token().await;
    let created = app
        .post(&format!("{APP}/identities"), Some(&token), json!({ "first_name": "=HYPERLINK(\"x\")", "last_name": "Zoë, \"Q\"", "email": "formula@acme.example" }))
        .await;
    assert_eq!(created.status, StatusCode::CREATED, "{}", created.body);
    let deactivated = app.post(&format!("{APP}/identities/{}/deactivate", created.body["id"].as_str().unwrap()), Some(&token), json!({})).await;
    assert!(deactivated.status.is_success(), "{}", deactivated.body);

    let listed = all_pages(&app, &token, &format!("{APP}/identities?sort_by=email&order=desc")).await;
    let (headers, rows) = csv(&app.get(&format!("{APP}/identities/export?sort_by=email&order=desc"), Some(&token)).await);
    assert_eq!(headers, ["id", "first_name", "last_name", "name", "email", "avatar_url", "status", "created_at", "updated_at"]);
    let emails: Vec<&str> = rows.iter().map(|r| r[4].as_str()).collect();
    let expected: Vec<&str> = listed.iter().map(|i| i["email"].as_str().unwrap()).collect();
    assert_eq!(emails, expected);

    let (_, inactive) = csv(&app.get(&format!("{APP}/identities/export?status=inactive&q=formula"), Some(&token)).await);
    assert_eq!(inactive.len(), 1);
    let row = &inactive[0];
    assert_eq!(row[1], "'=HYPERLINK(\"x\")", "a formula is written as text");
    assert_eq!(row[2], "Zoë, \"Q\"", "quotes and commas survive");
    assert_eq!(row[6], "inactive");
    assert_eq!(row[7], created.body["created_at"].as_str().unwrap());
}

#[tokio::test]
async fn exports_refuse_pages_bad_filters_strangers_and_the_anonymous() {
    let app = TestApp::with_demo().await;
    let token = app.demo_token().await;
    for (path, field) in [
        (format!("{PROD}/assignments/app-wide/export?page=2"), "page"),
        (format!("{PROD}/assignments/app-wide/export?take=10"), "take"),
        (format!("{APP}/identities/export?page=1&take=100"), "page"),
    ] {
        let response = app.get(&path, Some(&token)).await;
        assert_eq!(response.status, StatusCode::BAD_REQUEST, "{path}");
        assert_eq!(response.body["code"], "invalid_query");
        assert!(response.body["details"][field].is_string(), "{path}: {}", response.body);
    }
    let bad = app.get(&format!("{PROD}/assignments/app-wide/export?status=sometimes"), Some(&token)).await;
    assert_eq!(bad.status, StatusCode::BAD_REQUEST, "{}", bad.body);
    let long = app.get(&format!("{PROD}/assignments/app-wide/export?q={}", "x".repeat(201)), Some(&token)).await;
    assert_eq!(long.status, StatusCode::BAD_REQUEST, "{}", long.body);
    // Another account's application is not there for this admin; nobody signed in is a 401.
    let foreign = app.get("/portal/v1/accounts/globex/applications/billing/identities/export", Some(&token)).await;
    assert_eq!(foreign.status, StatusCode::NOT_FOUND, "{}", foreign.body);
    let anonymous = app.get(&format!("{PROD}/assignments/app-wide/export"), None).await;
    assert_eq!(anonymous.status, StatusCode::UNAUTHORIZED);
    let anonymous = app.get(&format!("{APP}/identities/export"), None).await;
    assert_eq!(anonymous.status, StatusCode::UNAUTHORIZED);
}

#[tokio::test]
async fn two_exports_stream_at_once_and_a_client_that_leaves_frees_its_place() {
    let app = TestApp::with_demo().await;
    let token = app.demo_token().await;
    let start = |path: String| {
        let request = Request::builder().uri(path).header("authorization", format!("Bearer {token}")).body(Body::empty()).unwrap();
        app.router.clone().oneshot(request)
    };
    let path = format!("{PROD}/assignments/app-wide/export");
    // Two answers whose bodies nobody reads yet: both exports are running.
    let first = start(path.clone()).await.unwrap();
    let second = start(format!("{APP}/identities/export")).await.unwrap();
    assert_eq!((first.status(), second.status()), (StatusCode::OK, StatusCode::OK));
    let third = app.get(&path, Some(&token)).await;
    assert_eq!(third.status, StatusCode::TOO_MANY_REQUESTS, "{}", third.body);
    assert_eq!(third.body["code"], "export_busy");
    assert!(third.headers.contains_key("retry-after"));
    // The first client goes away without reading: its place is free again.
    drop(first);
    let fourth = app.get(&path, Some(&token)).await;
    assert!(!csv(&fourth).1.is_empty());
    // The second, read to the end, is whole.
    let bytes = http_body_util::BodyExt::collect(second.into_body()).await.unwrap().to_bytes();
    let text = String::from_utf8(bytes.to_vec()).unwrap();
    let identities = all_pages(&app, &token, &format!("{APP}/identities")).await;
    assert_eq!(app::tabular::parse_csv(text.trim_start_matches('\u{feff}')).unwrap().rows.len(), identities.len());
}

/// Browsers ask for compression; the compression layer polls a finished body once more, which
/// a stream that panics after its end (it did: `unfold`) turns into a reset download.
#[tokio::test]
async fn a_compressed_export_arrives_whole() {
    let app = TestApp::with_demo().await;
    let token = app.demo_token().await;
    let request = Request::builder()
        .uri(format!("{APP}/identities/export"))
        .header("authorization", format!("Bearer {token}"))
        .header("accept-encoding", "gzip")
        .body(Body::empty())
        .unwrap();
    let response = app.router.clone().oneshot(request).await.unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(response.headers()["content-encoding"], "gzip");
    let bytes = http_body_util::BodyExt::collect(response.into_body()).await.unwrap().to_bytes();
    let mut text = String::new();
    std::io::Read::read_to_string(&mut flate2::read::GzDecoder::new(&bytes[..]), &mut text).unwrap();
    let identities = all_pages(&app, &token, &format!("{APP}/identities")).await;
    assert_eq!(app::tabular::parse_csv(text.trim_start_matches('\u{feff}')).unwrap().rows.len(), identities.len());
}

#[tokio::test]
async fn the_audit_export_is_every_event_the_filters_select_newest_first() {
    let app = TestApp::with_demo().await;
    let token = app.demo_token().await;
    // A few writes of our own, so that one action family has events with a before and an after.
    for n in 0..3 {
        let created = app.post(&format!("{APP}/identities"), Some(&token), json!({ "first_name": format!("Audit{n}"), "last_name": "Trail", "email": format!("audit{n}@acme.example") })).await;
        assert_eq!(created.status, StatusCode::CREATED, "{}", created.body);
        let id = created.body["id"].as_str().unwrap();
        let patched = app.patch(&format!("{APP}/identities/{id}"), Some(&token), json!({ "last_name": "=1+1" })).await;
        assert!(patched.status.is_success(), "{}", patched.body);
    }
    let nodes = app.get(&format!("{PROD}/nodes?take=1"), Some(&token)).await;
    let root = nodes.body["items"][0]["id"].as_str().unwrap().to_owned();
    let node = app.post(&format!("{PROD}/nodes"), Some(&token), json!({ "name": "Audited", "parent_id": root })).await;
    assert_eq!(node.status, StatusCode::CREATED, "{}", node.body);
    for filters in ["", "action=identity", "environment=production&action=node"] {
        let listed = all_pages(&app, &token, &format!("{APP}/audit-events?{filters}")).await;
        assert!(!listed.is_empty(), "{filters}");
        let (headers, rows) = csv(&app.get(&format!("{APP}/audit-events/export?{filters}"), Some(&token)).await);
        assert_eq!(headers, ["id", "created_at", "environment_id", "actor_type", "actor_id", "action", "target_type", "target_id", "request_id", "before", "after"]);
        let ids: Vec<&str> = rows.iter().map(|r| r[0].as_str()).collect();
        let expected: Vec<&str> = listed.iter().map(|e| e["id"].as_str().unwrap()).collect();
        assert_eq!(ids, expected, "{filters}");
        for (row, event) in rows.iter().zip(&listed) {
            assert_eq!(row[1], event["created_at"].as_str().unwrap());
            assert_eq!(row[5], event["action"].as_str().unwrap());
            for (cell, field) in [(&row[9], "before"), (&row[10], "after")] {
                let read = if cell.is_empty() { Value::Null } else { serde_json::from_str(cell).expect("before/after as JSON text") };
                assert_eq!(read, event[field], "{filters}: {field} of {}", row[0]);
            }
        }
    }
    let (_, updates) = csv(&app.get(&format!("{APP}/audit-events/export?action=identity.update"), Some(&token)).await);
    assert_eq!(updates.len(), 3);
    assert!(updates.iter().all(|r| r[10].contains("=1+1")), "the JSON text keeps the value; it starts with {{, so it is no formula");

    for (path, status) in [
        (format!("{APP}/audit-events/export?take=5"), StatusCode::BAD_REQUEST),
        (format!("{APP}/audit-events/export?action=Not%20An%20Action"), StatusCode::BAD_REQUEST),
        (format!("{APP}/audit-events/export?environment=nowhere"), StatusCode::NOT_FOUND),
        ("/portal/v1/accounts/globex/applications/billing/audit-events/export".to_owned(), StatusCode::NOT_FOUND),
    ] {
        let response = app.get(&path, Some(&token)).await;
        assert_eq!(response.status, status, "{path}: {}", response.body);
    }
    let anonymous = app.get(&format!("{APP}/audit-events/export"), None).await;
    assert_eq!(anonymous.status, StatusCode::UNAUTHORIZED);
}
