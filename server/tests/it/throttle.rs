//! Sign-in abuse: failed logins and key exchanges are throttled per subject (email, key prefix)
//! and per client address, with a 429 and `Retry-After` that do not depend on whether the email
//! or key exists; a success clears the subject; each lock-out is audited.

use std::{net::SocketAddr, sync::Arc, time::Duration};

use axum::{
    body::Body,
    extract::ConnectInfo,
    http::{Method, Request, StatusCode, header},
};
use serde_json::{Value, json};
use server::{
    auth::throttle::{ManualClock, Throttles},
    domain::proxies::TrustedProxies,
    features::{api_keys::exchange::EXCHANGE_THROTTLED, sessions::service::LOGIN_THROTTLED},
};

use crate::app::{TestApp, TestResponse};

const LOGIN: &str = "/portal/v1/auth/login";
const TOKEN: &str = "/api/v1/auth/token";
const ADMIN: &str = "admin@acme.example";
const PASSWORD: &str = "canopy-demo";
const MINUTE: Duration = Duration::from_secs(60);

/// The demo over a clock the test moves.
async fn app_with_clock() -> (TestApp, Arc<ManualClock>) {
    let mut app = TestApp::with_demo().await;
    let clock = Arc::new(ManualClock::default());
    app.state.throttles = Arc::new(Throttles::new(clock.clone()));
    app.router = server::app_router(app.state.clone());
    (app, clock)
}

fn from_peer(mut request: Request<Body>, peer: &str) -> Request<Body> {
    request.extensions_mut().insert(ConnectInfo::<SocketAddr>(peer.parse().unwrap()));
    request
}

async fn login(app: &TestApp, peer: &str, email: &str, password: &str) -> TestResponse {
    let request = Request::builder()
        .method(Method::POST)
        .uri(LOGIN)
        .header(header::CONTENT_TYPE, "application/json")
        .body(Body::from(json!({ "email": email, "password": password }).to_string()))
        .unwrap();
    app.send(from_peer(request, peer)).await
}

async fn exchange(app: &TestApp, peer: &str, key: &str) -> TestResponse {
    let request = Request::builder().method(Method::POST).uri(TOKEN).header("x-api-key", key).body(Body::empty()).unwrap();
    app.send(from_peer(request, peer)).await
}

fn assert_throttled(response: &TestResponse, retry_after: u64) {
    assert_eq!(response.status, StatusCode::TOO_MANY_REQUESTS, "{}", response.body);
    assert_eq!(response.headers[header::RETRY_AFTER], retry_after.to_string().as_str());
    assert_eq!(response.body["code"], "too_many_attempts");
    assert_eq!(response.body["details"]["retry_after_seconds"], retry_after);
    assert!(response.headers.get(header::SET_COOKIE).is_none());
}

async fn audit_actions(app: &TestApp) -> Vec<(String, Value, String, Option<String>)> {
    let acme = app.store.account_by_slug("acme").await.unwrap().unwrap();
    app.store
        .recent_audit_events(&acme.id, 50)
        .await
        .unwrap()
        .into_iter()
        .map(|event| (event.action, event.after.unwrap_or(Value::Null), event.actor_type.as_str().to_owned(), event.target_id))
        .collect()
}

#[tokio::test]
async fn the_sixth_login_after_five_failures_is_a_429_alike_for_known_and_unknown_emails() {
    let (app, clock) = app_with_clock().await;
    for email in [ADMIN, "Ghost@Acme.example"] {
        for attempt in 1..=5 {
            let response = login(&app, "198.51.100.1:4000", email, "wrong-password").await;
            assert_eq!(response.status, StatusCode::UNAUTHORIZED, "{email} attempt {attempt}");
            assert_eq!(response.body["code"], "invalid_credentials");
        }
    }
    // Locked for a minute: even the right password, and another spelling of the same email.
    let known = login(&app, "198.51.100.1:4000", "ADMIN@acme.example", PASSWORD).await;
    let unknown = login(&app, "198.51.100.1:4000", "ghost@acme.example", "anything").await;
    assert_throttled(&known, 60);
    assert_throttled(&unknown, 60);
    assert_eq!(known.body, unknown.body);
    assert_eq!(known.body["message"], "Too many failed sign-ins. Try again in a minute.");

    clock.advance(Duration::from_secs(30));
    assert_throttled(&login(&app, "203.0.113.5:1", ADMIN, PASSWORD).await, 30);
    clock.advance(Duration::from_secs(30));
    let signed_in = login(&app, "203.0.113.5:1", ADMIN, PASSWORD).await;
    assert_eq!(signed_in.status, StatusCode::OK, "{}", signed_in.body);

    // The success cleared the email: five fresh failures before the next lock-out, of a minute.
    for _ in 0..5 {
        assert_eq!(login(&app, "203.0.113.5:1", ADMIN, "wrong-password").await.status, StatusCode::UNAUTHORIZED);
    }
    assert_throttled(&login(&app, "203.0.113.5:1", ADMIN, PASSWORD).await, 60);
    // The unknown email, not cleared, doubles: its sixth failure locks it for two minutes.
    clock.advance(MINUTE);
    assert_eq!(login(&app, "203.0.113.9:1", "ghost@acme.example", "x").await.status, StatusCode::UNAUTHORIZED);
    assert_throttled(&login(&app, "203.0.113.9:1", "ghost@acme.example", "x").await, 120);
}

#[tokio::test]
async fn an_attacker_gets_eleven_guesses_in_the_first_hour_and_four_an_hour_after() {
    let (app, clock) = app_with_clock().await;
    let mut guesses_per_hour = Vec::new();
    let mut guesses = 0;
    let mut elapsed = Duration::ZERO;
    let step = Duration::from_secs(10);
    while elapsed < Duration::from_secs(3 * 3600) {
        // Tries every 10 s, from a new address each time (the address throttle does not help).
        let peer = format!("10.{}.{}.{}:1", guesses / 65536 % 256, guesses / 256 % 256, guesses % 256);
        let response = login(&app, &peer, ADMIN, "guess").await;
        match response.status {
            StatusCode::UNAUTHORIZED => guesses += 1,
            StatusCode::TOO_MANY_REQUESTS => {}
            other => panic!("unexpected {other}"),
        }
        clock.advance(step);
        elapsed += step;
        if elapsed.as_secs() % 3600 == 0 {
            guesses_per_hour.push(guesses - guesses_per_hour.iter().sum::<u32>());
        }
    }
    assert_eq!(guesses_per_hour, [11, 4, 4]);
}

#[tokio::test]
async fn a_lockout_of_an_admins_email_is_audited_once_and_an_unknown_email_is_not() {
    let (app, _clock) = app_with_clock().await;
    for _ in 0..5 {
        login(&app, "198.51.100.1:4000", ADMIN, "wrong-password").await;
        login(&app, "198.51.100.1:4000", "nobody@acme.example", "wrong-password").await;
    }
    for _ in 0..3 {
        assert_eq!(login(&app, "198.51.100.1:4000", ADMIN, PASSWORD).await.status, StatusCode::TOO_MANY_REQUESTS);
    }
    let admin = app.store.admin_by_email(ADMIN).await.unwrap().unwrap();
    let throttled: Vec<_> = audit_actions(&app).await.into_iter().filter(|(action, ..)| action == LOGIN_THROTTLED).collect();
    assert_eq!(throttled.len(), 1, "one event per lock-out, none for refused attempts or the unknown email: {throttled:?}");
    let (_, after, actor_type, target) = &throttled[0];
    assert_eq!(actor_type, "system");
    assert_eq!(target.as_deref(), Some(admin.id.as_str()));
    assert_eq!(after, &json!({ "failures": 5, "locked_seconds": 60, "client_address": "198.51.100.1" }));
}

#[tokio::test]
async fn twenty_failures_from_one_address_lock_the_address_for_every_email() {
    let (app, _clock) = app_with_clock().await;
    for n in 0..20 {
        let response = login(&app, "198.51.100.7:5000", &format!("spray{n}@acme.example"), "password1").await;
        assert_eq!(response.status, StatusCode::UNAUTHORIZED, "attempt {}", n + 1);
    }
    assert_throttled(&login(&app, "198.51.100.7:6000", ADMIN, PASSWORD).await, 60);
    // Another address signs in; X-Forwarded-For from an untrusted peer changes nothing.
    assert_eq!(login(&app, "198.51.100.8:5000", ADMIN, PASSWORD).await.status, StatusCode::OK);
    let spoofed = Request::builder()
        .method(Method::POST)
        .uri(LOGIN)
        .header(header::CONTENT_TYPE, "application/json")
        .header("x-forwarded-for", "192.0.2.1")
        .body(Body::from(json!({ "email": ADMIN, "password": PASSWORD }).to_string()))
        .unwrap();
    assert_throttled(&app.send(from_peer(spoofed, "198.51.100.7:5000")).await, 60);
}

#[tokio::test]
async fn behind_a_trusted_proxy_the_forwarded_address_is_the_one_counted() {
    let (mut app, _clock) = app_with_clock().await;
    let mut config = (*app.state.config).clone();
    config.trusted_proxies = "10.0.0.0/8".parse::<TrustedProxies>().unwrap();
    app.state.config = Arc::new(config);
    app.router = server::app_router(app.state.clone());
    let via_proxy = |client: &str, email: String| {
        let request = Request::builder()
            .method(Method::POST)
            .uri(LOGIN)
            .header(header::CONTENT_TYPE, "application/json")
            .header("x-forwarded-for", client)
            .body(Body::from(json!({ "email": email, "password": "wrong" }).to_string()))
            .unwrap();
        from_peer(request, "10.0.0.2:80")
    };
    for n in 0..20 {
        assert_eq!(app.send(via_proxy("192.0.2.1", format!("a{n}@acme.example"))).await.status, StatusCode::UNAUTHORIZED);
    }
    assert_eq!(app.send(via_proxy("192.0.2.1", "b@acme.example".into())).await.status, StatusCode::TOO_MANY_REQUESTS);
    assert_eq!(app.send(via_proxy("192.0.2.2", "b@acme.example".into())).await.status, StatusCode::UNAUTHORIZED);
}

#[tokio::test]
async fn a_throttled_form_sign_in_goes_back_to_the_sign_in_page_with_retry_after() {
    let (app, _clock) = app_with_clock().await;
    let form = |password: &str| {
        let request = Request::builder()
            .method(Method::POST)
            .uri(LOGIN)
            .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
            .body(Body::from(format!("email=admin%40acme.example&password={password}&next=%2Fa")))
            .unwrap();
        from_peer(request, "198.51.100.1:4000")
    };
    for _ in 0..5 {
        let wrong = app.send(form("nope")).await;
        assert_eq!(wrong.headers[header::LOCATION], "/login?error=invalid_credentials&next=/a");
    }
    let throttled = app.send(form(PASSWORD)).await;
    assert_eq!(throttled.status, StatusCode::SEE_OTHER);
    assert_eq!(throttled.headers[header::LOCATION], "/login?error=too_many_attempts&next=/a");
    assert_eq!(throttled.headers[header::RETRY_AFTER], "60");
    assert!(throttled.headers.get(header::SET_COOKIE).is_none());
}

#[tokio::test]
async fn key_exchanges_are_throttled_per_prefix_alike_for_known_and_unknown_prefixes() {
    let (app, clock) = app_with_clock().await;
    let key = app.api_key("production").await;
    let prefix = server::domain::api_key::prefix(&key).unwrap().to_owned();
    let forged = format!("{prefix}_{}", "x".repeat(32));
    let unknown = format!("cnp_zzzzzzzz_{}", "y".repeat(32));
    for attempt in 1..=5 {
        for bad in [&forged, &unknown] {
            let response = exchange(&app, "198.51.100.1:1", bad).await;
            assert_eq!(response.status, StatusCode::UNAUTHORIZED, "attempt {attempt}");
        }
    }
    let right_key = exchange(&app, "198.51.100.1:1", &key).await;
    let unknown_key = exchange(&app, "198.51.100.1:1", &unknown).await;
    assert_throttled(&right_key, 60);
    assert_throttled(&unknown_key, 60);
    assert_eq!(right_key.body, unknown_key.body);

    clock.advance(MINUTE);
    let exchanged = exchange(&app, "198.51.100.2:1", &key).await;
    assert_eq!(exchanged.status, StatusCode::OK, "{}", exchanged.body);
    assert!(exchanged.body["access_token"].is_string());
    // Cleared by the success: five more failures before the next lock-out.
    for _ in 0..5 {
        assert_eq!(exchange(&app, "198.51.100.2:1", &forged).await.status, StatusCode::UNAUTHORIZED);
    }
    assert_throttled(&exchange(&app, "198.51.100.2:1", &key).await, 60);

    let acme = app.store.account_by_slug("acme").await.unwrap().unwrap();
    let events: Vec<_> = app.store.recent_audit_events(&acme.id, 50).await.unwrap().into_iter().filter(|e| e.action == EXCHANGE_THROTTLED).collect();
    assert_eq!(events.len(), 2, "one per lock-out of the real key's prefix");
    assert_eq!(events[0].actor_type, app::dto::ActorType::System);
    assert_eq!(events[0].target_type, "api_key");
    assert_eq!(events[0].after.as_ref().unwrap()["prefix"], prefix.as_str());
    assert_eq!(events[0].after.as_ref().unwrap()["failures"], 5);
}

#[tokio::test]
async fn keys_of_no_format_count_against_the_address_only() {
    let (app, _clock) = app_with_clock().await;
    let key = app.api_key("production").await;
    for n in 0..20 {
        assert_eq!(exchange(&app, "198.51.100.3:1", &format!("garbage{n}")).await.status, StatusCode::UNAUTHORIZED);
    }
    assert_throttled(&exchange(&app, "198.51.100.3:1", &key).await, 60);
    assert_eq!(exchange(&app, "198.51.100.4:1", &key).await.status, StatusCode::OK);
    // No X-API-Key at all is not a guess.
    let missing = app.send(from_peer(Request::builder().method(Method::POST).uri(TOKEN).body(Body::empty()).unwrap(), "198.51.100.5:1")).await;
    assert_eq!(missing.status, StatusCode::UNAUTHORIZED);
}
