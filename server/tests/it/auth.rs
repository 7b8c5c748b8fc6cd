//! Admin sign-in, sessions, `/me`, tenancy of the environment overview, health endpoints.

use axum::{
    body::Body,
    http::{Method, Request, StatusCode, header},
};
use serde_json::json;
use server::auth::{Claims, PrincipalKind, TokenKeys, tokens::ISSUER};

use crate::app::{SECRET, TestApp};

const LOGIN: &str = "/portal/v1/auth/login";

#[tokio::test]
async fn login_returns_a_bearer_token_and_an_httponly_session_cookie() {
    let app = TestApp::with_demo().await;
    let response = app.post(LOGIN, None, json!({ "email": "Admin@Acme.example", "password": "canopy-demo" })).await;
    assert_eq!(response.status, StatusCode::OK);
    assert_eq!(response.body["token_type"], "Bearer");
    assert_eq!(response.body["expires_in"], 12 * 60 * 60);
    let token = response.body["access_token"].as_str().unwrap();
    assert_eq!(token.split('.').count(), 3);
    let expires_at = response.body["expires_at"].as_str().unwrap();
    assert!(expires_at.ends_with('Z') && expires_at.len() == 24, "RFC 3339 with ms: {expires_at}");

    let cookie = response.headers.get(header::SET_COOKIE).unwrap().to_str().unwrap();
    assert!(cookie.starts_with(&format!("canopy_session={token};")));
    for attribute in ["HttpOnly", "SameSite=Strict", "Path=/", "Max-Age=43200"] {
        assert!(cookie.contains(attribute), "{attribute} missing from {cookie}");
    }
}

#[tokio::test]
async fn wrong_password_and_unknown_email_get_the_same_401() {
    let app = TestApp::with_demo().await;
    let wrong_password = app.post(LOGIN, None, json!({ "email": "admin@acme.example", "password": "nope-nope" })).await;
    let unknown_email = app.post(LOGIN, None, json!({ "email": "ghost@acme.example", "password": "canopy-demo" })).await;
    for response in [&wrong_password, &unknown_email] {
        assert_eq!(response.status, StatusCode::UNAUTHORIZED);
        assert_eq!(response.body["code"], "invalid_credentials");
        assert_eq!(response.body["message"], "Email or password is incorrect.");
        assert!(response.headers.get(header::SET_COOKIE).is_none());
    }
    assert_eq!(wrong_password.body, unknown_email.body);
}

#[tokio::test]
async fn bad_login_bodies_get_400_or_422_with_the_error_shape() {
    let app = TestApp::with_demo().await;

    let invalid = app.post(LOGIN, None, json!({ "email": "not-an-email", "password": "" })).await;
    assert_eq!(invalid.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(invalid.body["code"], "validation_failed");
    assert!(invalid.body["details"]["email"].is_string());
    assert_eq!(invalid.body["details"]["password"], "Password is required.");

    let unknown_field = app.post(LOGIN, None, json!({ "email": "a@b.example", "password": "x", "role": "owner" })).await;
    assert_eq!(unknown_field.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(unknown_field.body["details"]["body"].as_str().unwrap().contains("unknown field"));

    let malformed = app
        .send(
            Request::builder()
                .method(Method::POST)
                .uri(LOGIN)
                .header(header::CONTENT_TYPE, "application/json")
                .body(Body::from("{\"email\": "))
                .unwrap(),
        )
        .await;
    assert_eq!(malformed.status, StatusCode::BAD_REQUEST);
    assert_eq!(malformed.body["code"], "malformed_json");
    assert!(malformed.body["message"].is_string());
}

#[tokio::test]
async fn the_sign_in_form_redirects_with_a_cookie_or_back_with_an_error() {
    let app = TestApp::with_demo().await;
    let form = |body: &'static str| {
        Request::builder()
            .method(Method::POST)
            .uri(LOGIN)
            .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
            .body(Body::from(body))
            .unwrap()
    };

    let ok = app.send(form("email=admin%40acme.example&password=canopy-demo&next=%2Fa%2Facme%2Fbilling%2Fproduction")).await;
    assert_eq!(ok.status, StatusCode::SEE_OTHER);
    assert_eq!(ok.headers[header::LOCATION], "/a/acme/billing/production");
    assert!(ok.headers[header::SET_COOKIE].to_str().unwrap().starts_with("canopy_session=ey"));

    let offsite = app.send(form("email=admin%40acme.example&password=canopy-demo&next=%2F%2Fevil.example")).await;
    assert_eq!(offsite.headers[header::LOCATION], "/");

    let bad = app.send(form("email=admin%40acme.example&password=wrong-one&next=%2Fa")).await;
    assert_eq!(bad.status, StatusCode::SEE_OTHER);
    assert_eq!(bad.headers[header::LOCATION], "/login?error=invalid_credentials&next=/a");
    assert!(bad.headers.get(header::SET_COOKIE).is_none());
}

#[tokio::test]
async fn me_lists_only_the_admins_own_accounts() {
    let app = TestApp::with_demo().await;
    let token = app.demo_token().await;
    let me = app.get("/portal/v1/me", Some(&token)).await;
    assert_eq!(me.status, StatusCode::OK);
    assert_eq!(me.body["admin"]["email"], "admin@acme.example");
    let accounts = me.body["accounts"].as_array().unwrap();
    assert_eq!(accounts.len(), 1, "globex must not be visible: {}", me.body);
    assert_eq!(accounts[0]["slug"], "acme");
    assert_eq!(accounts[0]["role"], "owner");
    let environments: Vec<&str> = accounts[0]["applications"][0]["environments"]
        .as_array()
        .unwrap()
        .iter()
        .map(|env| env["slug"].as_str().unwrap())
        .collect();
    assert_eq!(environments, ["development", "production"]);
}

#[tokio::test]
async fn the_session_cookie_authenticates_like_the_bearer_token() {
    let app = TestApp::with_demo().await;
    let token = app.demo_token().await;
    let response = app
        .send(
            Request::builder()
                .uri("/portal/v1/me")
                .header(header::COOKIE, format!("theme=dark; canopy_session={token}"))
                .body(Body::empty())
                .unwrap(),
        )
        .await;
    assert_eq!(response.status, StatusCode::OK);
    assert_eq!(response.body["admin"]["email"], "admin@acme.example");
}

#[tokio::test]
async fn missing_bad_expired_and_foreign_tokens_are_401_and_other_principals_403() {
    let app = TestApp::with_demo().await;
    let missing = app.get("/portal/v1/me", None).await;
    assert_eq!(missing.status, StatusCode::UNAUTHORIZED);
    assert_eq!(missing.body["code"], "unauthorized");

    assert_eq!(app.get("/portal/v1/me", Some("garbage")).await.status, StatusCode::UNAUTHORIZED);

    let now = time::OffsetDateTime::now_utc().unix_timestamp();
    let claims = |aud, exp| Claims { iss: ISSUER.into(), aud, sub: "x".into(), iat: now, exp, sid: Some("s".into()), env: None };
    let keys = TokenKeys::new(SECRET);
    let expired = keys.issue(&claims(PrincipalKind::Admin, now - 3600)).unwrap();
    assert_eq!(app.get("/portal/v1/me", Some(&expired)).await.status, StatusCode::UNAUTHORIZED);

    let forged = TokenKeys::new(b"someone-elses-secret-someone-elses").issue(&claims(PrincipalKind::Admin, now + 3600)).unwrap();
    assert_eq!(app.get("/portal/v1/me", Some(&forged)).await.status, StatusCode::UNAUTHORIZED);

    let identity = keys.issue(&claims(PrincipalKind::Identity, now + 3600)).unwrap();
    let wrong_kind = app.get("/portal/v1/me", Some(&identity)).await;
    assert_eq!(wrong_kind.status, StatusCode::FORBIDDEN);
    assert_eq!(wrong_kind.body["code"], "wrong_principal_type");

    let basic = app
        .send(Request::builder().uri("/portal/v1/me").header(header::AUTHORIZATION, "Basic eDp5").body(Body::empty()).unwrap())
        .await;
    assert_eq!(basic.status, StatusCode::UNAUTHORIZED);
}

#[tokio::test]
async fn logout_ends_the_session_at_once_and_is_audited() {
    let app = TestApp::with_demo().await;
    let token = app.demo_token().await;
    let logout = app.post("/portal/v1/auth/logout", Some(&token), json!({})).await;
    assert_eq!(logout.status, StatusCode::NO_CONTENT);
    assert!(logout.headers[header::SET_COOKIE].to_str().unwrap().contains("Max-Age=0"));

    let after = app.get("/portal/v1/me", Some(&token)).await;
    assert_eq!(after.status, StatusCode::UNAUTHORIZED);

    let acme = app.store.account_by_slug("acme").await.unwrap().unwrap();
    let actions: Vec<String> =
        app.store.recent_audit_events(&acme.id, 10).await.unwrap().into_iter().map(|e| e.action).collect();
    assert_eq!(actions[..2], ["admin.logout".to_owned(), "admin.login".to_owned()]);
}

#[tokio::test]
async fn refresh_issues_a_new_working_token_for_the_same_session() {
    let app = TestApp::with_demo().await;
    let token = app.demo_token().await;
    let refreshed = app.post("/portal/v1/auth/refresh", Some(&token), json!({})).await;
    assert_eq!(refreshed.status, StatusCode::OK);
    let new_token = refreshed.body["access_token"].as_str().unwrap();
    assert_eq!(app.get("/portal/v1/me", Some(new_token)).await.status, StatusCode::OK);
    assert_eq!(app.post("/portal/v1/auth/refresh", None, json!({})).await.status, StatusCode::UNAUTHORIZED);
}

#[tokio::test]
async fn the_environment_overview_counts_the_environment_and_hides_other_tenants() {
    let app = TestApp::with_demo().await;
    let token = app.demo_token().await;
    let production = app.get("/portal/v1/accounts/acme/applications/billing/environments/production", Some(&token)).await;
    assert_eq!(production.status, StatusCode::OK, "{}", production.body);
    assert_eq!(production.body["slug"], "production");

    let acme = app.store.account_by_slug("acme").await.unwrap().unwrap();
    let billing = app.store.application_by_slug(&acme.id, "billing").await.unwrap().unwrap();
    let env = app.store.environment_by_slug(&billing.id, "production").await.unwrap().unwrap();
    let stats = app.store.environment_stats(&env, app::dto::Timestamp::now().as_millis()).await.unwrap();
    let counts = &production.body["counts"];
    assert_eq!(counts["nodes"], stats.nodes);
    assert_eq!(counts["identities"], stats.identities);
    assert_eq!(counts["assignments"]["active"], stats.assignments_active);
    assert_eq!(counts["assignments"]["scheduled"], stats.assignments_scheduled);
    assert_eq!(counts["assignments"]["expired"], stats.assignments_expired);
    let total = stats.assignments_active + stats.assignments_scheduled + stats.assignments_expired;
    assert!((900..=1200).contains(&total), "demo production has about 1,000 assignments, got {total}");
    assert!(stats.nodes >= 40 && stats.identities >= 250);

    for path in [
        "/portal/v1/accounts/globex/applications/portal/environments/production",
        "/portal/v1/accounts/acme/applications/billing/environments/staging",
        "/portal/v1/accounts/nope/applications/billing/environments/production",
    ] {
        let hidden = app.get(path, Some(&token)).await;
        assert_eq!(hidden.status, StatusCode::NOT_FOUND, "{path}");
        assert_eq!(hidden.body["code"], "not_found");
    }
}

#[tokio::test]
async fn unknown_api_paths_are_json_404s() {
    let app = TestApp::with_demo().await;
    let response = app.get("/portal/v1/no-such-thing", None).await;
    assert_eq!(response.status, StatusCode::NOT_FOUND);
    assert_eq!(response.body["code"], "not_found");
}

#[tokio::test]
async fn health_and_readiness() {
    let app = TestApp::empty().await;
    let health = app.get("/healthz", None).await;
    assert_eq!((health.status, health.body["status"].as_str()), (StatusCode::OK, Some("ok")));
    // Not ready until the in-memory index has loaded (issue 14): a 503 saying so, then 200.
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
    let ready = loop {
        let ready = app.get("/readyz", None).await;
        if ready.status == StatusCode::OK || std::time::Instant::now() > deadline {
            break ready;
        }
        assert_eq!(ready.status, StatusCode::SERVICE_UNAVAILABLE, "{}", ready.body);
        assert!(ready.body.to_string().contains("index is still loading"), "only the index may hold readiness back: {}", ready.body);
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    };
    assert_eq!(ready.status, StatusCode::OK, "{}", ready.body);
    assert_eq!(ready.body["database"], crate::common::backend_name());
    assert!(health.headers.get("x-request-id").is_some(), "every response carries a request id");
}
