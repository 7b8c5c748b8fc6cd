//! Browser security: the headers of pages, the API and the reference, the per-response CSP nonce
//! on the page's scripts, HSTS in production only, and the refusal of cross-site portal writes
//! authenticated by the cookie (same-origin and Bearer calls unaffected).

use std::sync::Arc;

use axum::{
    body::Body,
    http::{Method, Request, StatusCode, header},
};
use serde_json::json;
use server::{config::Mode, web::security};

use crate::app::{TestApp, TestResponse};

const ENV: &str = "/portal/v1/accounts/acme/applications/billing/environments/development";
const HOST: &str = "canopy.test:3000";

async fn page(app: &TestApp, path: &str, cookie: Option<&str>) -> TestResponse {
    let mut request = Request::builder().uri(path).header(header::ACCEPT, "text/html").header(header::HOST, HOST);
    if let Some(token) = cookie {
        request = request.header(header::COOKIE, format!("canopy_session={token}"));
    }
    app.send(request.body(Body::empty()).unwrap()).await
}

fn html(response: &TestResponse) -> &str {
    response.body.as_str().expect("an HTML body")
}

/// The nonce the page's policy names.
fn nonce_of(response: &TestResponse) -> String {
    let policy = response.headers[header::CONTENT_SECURITY_POLICY].to_str().unwrap();
    let start = policy.find("'nonce-").expect("the policy names a nonce") + "'nonce-".len();
    let nonce = &policy[start..start + policy[start..].find('\'').unwrap()];
    assert_eq!(policy, security::page_policy(nonce));
    nonce.to_owned()
}

/// Every `<script ...>` opening tag of the document.
fn script_tags(html: &str) -> Vec<&str> {
    html.match_indices("<script").map(|(at, _)| &html[at..at + html[at..].find('>').unwrap() + 1]).collect()
}

fn assert_common_headers(response: &TestResponse) {
    assert_eq!(response.headers[header::X_CONTENT_TYPE_OPTIONS], "nosniff");
    assert_eq!(response.headers[header::REFERRER_POLICY], "same-origin");
    assert_eq!(response.headers[header::X_FRAME_OPTIONS], "DENY");
}

#[tokio::test]
async fn pages_carry_a_strict_policy_whose_nonce_is_on_every_script_and_new_each_time() {
    let app = TestApp::with_demo().await;
    let token = app.demo_token().await;
    let mut nonces = Vec::new();
    for (path, cookie) in [("/login", None), ("/login", None), ("/a/acme/billing/production", Some(token.as_str())), ("/no/such/page", None)] {
        let response = page(&app, path, cookie).await;
        assert!(response.status == StatusCode::OK || response.status == StatusCode::NOT_FOUND, "{path}: {}", response.status);
        assert!(response.headers[header::CONTENT_TYPE].to_str().unwrap().starts_with("text/html"));
        assert_common_headers(&response);
        assert!(response.headers.get(header::STRICT_TRANSPORT_SECURITY).is_none(), "no HSTS in development");
        let nonce = nonce_of(&response);
        assert_eq!(nonce.len(), 32, "128 bits, hex");
        let policy = response.headers[header::CONTENT_SECURITY_POLICY].to_str().unwrap();
        assert!(!policy.contains("unsafe-inline") && policy.contains("frame-ancestors 'none'"), "{policy}");

        let tags = script_tags(html(&response));
        assert!(tags.iter().any(|tag| tag.contains("type=\"module\"")), "{path}: the hydration script is there: {tags:?}");
        for tag in &tags {
            assert!(tag.contains(&format!("nonce=\"{nonce}\"")), "{path}: a script without this response's nonce: {tag}");
        }
        // No inline style attribute either: the policy allows none.
        assert!(!html(&response).contains(" style=\""), "{path} has an inline style attribute");
        nonces.push(nonce);
    }
    let distinct: std::collections::BTreeSet<_> = nonces.iter().collect();
    assert_eq!(distinct.len(), nonces.len(), "a nonce is never reused: {nonces:?}");
}

#[tokio::test]
async fn the_api_and_assets_are_nosniff_with_a_policy_that_loads_nothing() {
    let app = TestApp::empty().await;
    for path in ["/healthz", "/api/openapi.json", "/portal/v1/me", "/api/v1/nope"] {
        let response = app.get(path, None).await;
        assert_common_headers(&response);
        assert_eq!(response.headers[header::CONTENT_SECURITY_POLICY], "default-src 'none'; frame-ancestors 'none'", "{path}");
    }
    let reference = app.get("/api/docs", None).await;
    assert_eq!(reference.status, StatusCode::OK);
    assert_common_headers(&reference);
    assert_eq!(reference.headers[header::CONTENT_SECURITY_POLICY], security::REFERENCE_POLICY);
    assert!(!security::REFERENCE_POLICY.contains("script-src 'unsafe-inline'") && security::REFERENCE_POLICY.contains("script-src https://cdn.jsdelivr.net;"));
}

#[tokio::test]
async fn production_mode_adds_hsts_to_every_response() {
    let mut app = TestApp::empty().await;
    let mut config = server::config::ServerConfig::new(Mode::Production);
    config.index_enabled = app.state.config.index_enabled;
    app.state.config = Arc::new(config);
    app.router = server::app_router(app.state.clone());
    for path in ["/healthz", "/login"] {
        let response = page(&app, path, None).await;
        assert_eq!(response.headers[header::STRICT_TRANSPORT_SECURITY], "max-age=31536000; includeSubDomains", "{path}");
    }
}

/// A cookie-authenticated portal request with the given browser headers.
fn with_cookie(method: Method, path: &str, token: &str, browser: &[(&str, &str)], body: Option<serde_json::Value>) -> Request<Body> {
    let mut request = Request::builder()
        .method(method)
        .uri(path)
        .header(header::HOST, HOST)
        .header(header::COOKIE, format!("canopy_session={token}"));
    for (name, value) in browser {
        request = request.header(*name, *value);
    }
    let body = match body {
        Some(json) => {
            request = request.header(header::CONTENT_TYPE, "application/json");
            Body::from(json.to_string())
        }
        None => Body::empty(),
    };
    request.body(body).unwrap()
}

fn assert_refused(response: &TestResponse) {
    assert_eq!(response.status, StatusCode::FORBIDDEN, "{}", response.body);
    assert_eq!(
        response.body,
        json!({ "code": "cross_site_request", "message": "Requests to the portal API from another site are refused.", "details": {} })
    );
}

#[tokio::test]
async fn cross_site_cookie_writes_are_refused_and_change_nothing() {
    let app = TestApp::with_demo().await;
    let token = app.demo_token().await;
    let rename = json!({ "name": "Renamed cross-site" });
    for browser in [
        &[("origin", "https://evil.example")][..],
        &[("origin", "null")],
        &[("origin", "http://canopy.test:3000.evil.example")],
        &[("sec-fetch-site", "cross-site")],
        &[("sec-fetch-site", "same-site"), ("origin", "http://canopy.test:3000")],
    ] {
        let refused = app.send(with_cookie(Method::PATCH, ENV, &token, browser, Some(rename.clone()))).await;
        assert_refused(&refused);
    }
    let logout = app.send(with_cookie(Method::POST, "/portal/v1/auth/logout", &token, &[("origin", "https://evil.example")], None)).await;
    assert_refused(&logout);
    // Nothing changed: the environment keeps its name, the session still works.
    let environment = app.get(ENV, Some(&token)).await;
    assert_eq!(environment.status, StatusCode::OK);
    assert_ne!(environment.body["name"], "Renamed cross-site");
    assert_eq!(app.get("/portal/v1/me", Some(&token)).await.status, StatusCode::OK);
    // Reads are not writes.
    let read = app.send(with_cookie(Method::GET, "/portal/v1/me", &token, &[("origin", "https://evil.example"), ("sec-fetch-site", "cross-site")], None)).await;
    assert_eq!(read.status, StatusCode::OK);
}

#[tokio::test]
async fn same_origin_cookie_writes_and_bearer_calls_from_anywhere_still_work() {
    let app = TestApp::with_demo().await;
    let token = app.demo_token().await;
    for (n, browser) in [
        &[("origin", "http://canopy.test:3000"), ("sec-fetch-site", "same-origin")][..],
        &[("origin", "https://CANOPY.test:3000")],
        &[],
    ]
    .into_iter()
    .enumerate()
    {
        let response = app.send(with_cookie(Method::PATCH, ENV, &token, browser, Some(json!({ "name": format!("Development {n}") })))).await;
        assert_eq!(response.status, StatusCode::OK, "{browser:?}: {}", response.body);
        assert_eq!(response.body["name"], format!("Development {n}"));
    }
    let bearer = Request::builder()
        .method(Method::PATCH)
        .uri(ENV)
        .header(header::HOST, HOST)
        .header(header::AUTHORIZATION, format!("Bearer {token}"))
        .header("origin", "https://tool.example")
        .header("sec-fetch-site", "cross-site")
        .header(header::CONTENT_TYPE, "application/json")
        .body(Body::from(json!({ "name": "By bearer" }).to_string()))
        .unwrap();
    let response = app.send(bearer).await;
    assert_eq!(response.status, StatusCode::OK, "{}", response.body);
    assert_eq!(response.body["name"], "By bearer");
}

fn form_sign_in(origin: &str) -> Request<Body> {
    Request::builder()
        .method(Method::POST)
        .uri("/portal/v1/auth/login")
        .header(header::HOST, HOST)
        .header("origin", origin)
        .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
        .body(Body::from("email=admin%40acme.example&password=canopy-demo"))
        .unwrap()
}

#[tokio::test]
async fn a_cross_site_sign_in_is_refused_too() {
    let app = TestApp::with_demo().await;
    let response = app.send(form_sign_in("https://evil.example")).await;
    assert_refused(&response);
    assert!(response.headers.get(header::SET_COOKIE).is_none());
    let response = app.send(form_sign_in("http://canopy.test:3000")).await;
    assert_eq!(response.status, StatusCode::SEE_OTHER);
    assert!(response.headers[header::SET_COOKIE].to_str().unwrap().starts_with("canopy_session="));
}
