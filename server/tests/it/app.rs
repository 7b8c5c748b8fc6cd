//! `TestApp`: the real router over a fresh, migrated, demo-seeded database (SQLite by default,
//! PostgreSQL when `TEST_DATABASE_URL` is set), driven in-process with `oneshot`.

use std::sync::Arc;

use axum::{
    Router,
    body::Body,
    http::{Method, Request, StatusCode, header},
};
use http_body_util::BodyExt;
use serde_json::Value;
use server::{
    auth::TokenKeys,
    config::{Mode, ServerConfig},
    features::{api_keys, install},
    state::AppState,
    store::Store,
};
use tower::ServiceExt;

pub const SECRET: &[u8] = b"test-secret-test-secret-test-secret!";

#[derive(Clone)]
pub struct TestApp {
    pub router: Router,
    pub store: Arc<Store>,
    pub state: AppState,
}

pub struct TestResponse {
    pub status: StatusCode,
    pub headers: axum::http::HeaderMap,
    pub body: Value,
}

impl TestApp {
    /// A server over the demo data.
    pub async fn with_demo() -> Self {
        let app = Self::empty().await;
        install::service::seed_demo(app.store.as_ref()).await.expect("demo data loads");
        app
    }

    pub async fn empty() -> Self {
        Self::over(crate::common::test_store().await)
    }

    /// A server over a store the test opened itself (a database it inspects afterwards).
    pub fn over(store: Arc<Store>) -> Self {
        Self::configured(store, ServerConfig::new(Mode::Development))
    }

    /// A server over `store` with settings of the test's own.
    pub fn configured(store: Arc<Store>, config: ServerConfig) -> Self {
        let leptos = leptos::config::LeptosOptions::builder()
            .output_name("canopy")
            .site_root("target/site")
            .site_pkg_dir("pkg")
            .build();
        let state = AppState::new(store.clone(), TokenKeys::new(SECRET), config, leptos);
        Self { router: server::app_router(state.clone()), store, state }
    }

    pub async fn send(&self, request: Request<Body>) -> TestResponse {
        let response = self.router.clone().oneshot(request).await.expect("the router answers");
        let status = response.status();
        let headers = response.headers().clone();
        let bytes = response.into_body().collect().await.expect("body reads").to_bytes();
        let body = if bytes.is_empty() {
            Value::Null
        } else {
            serde_json::from_slice(&bytes).unwrap_or_else(|_| Value::String(String::from_utf8_lossy(&bytes).into_owned()))
        };
        TestResponse { status, headers, body }
    }

    pub async fn request(&self, method: Method, path: &str, token: Option<&str>, body: Option<Value>) -> TestResponse {
        let auth = token.map(|token| format!("Bearer {token}"));
        let headers: Vec<(&str, &str)> = auth.iter().map(|value| ("authorization", value.as_str())).collect();
        self.request_with(method, path, &headers, body).await
    }

    /// A request with any headers (`x-api-key`, `idempotency-key`, ...).
    pub async fn request_with(&self, method: Method, path: &str, headers: &[(&str, &str)], body: Option<Value>) -> TestResponse {
        let mut builder = Request::builder().method(method).uri(path);
        for (name, value) in headers {
            builder = builder.header(*name, *value);
        }
        let body = match body {
            Some(json) => {
                builder = builder.header(header::CONTENT_TYPE, "application/json");
                Body::from(json.to_string())
            }
            None => Body::empty(),
        };
        self.send(builder.body(body).expect("request builds")).await
    }

    pub async fn get(&self, path: &str, token: Option<&str>) -> TestResponse {
        self.request(Method::GET, path, token, None).await
    }

    pub async fn post(&self, path: &str, token: Option<&str>, body: Value) -> TestResponse {
        self.request(Method::POST, path, token, Some(body)).await
    }

    pub async fn patch(&self, path: &str, token: Option<&str>, body: Value) -> TestResponse {
        self.request(Method::PATCH, path, token, Some(body)).await
    }

    pub async fn delete(&self, path: &str, token: Option<&str>) -> TestResponse {
        self.request(Method::DELETE, path, token, None).await
    }

    /// A management API key for an environment of the demo's acme/billing application.
    pub async fn api_key(&self, environment: &str) -> String {
        let (_, secret) = api_keys::service::create_api_key(
            self.store.as_ref(),
            "acme",
            "billing",
            environment,
            "tests",
            server::domain::audit::Actor::System,
        )
        .await
        .expect("api key");
        secret
    }

    /// Signs in with the demo admin and returns the access token.
    pub async fn demo_token(&self) -> String {
        self.login("admin@acme.example", "canopy-demo").await
    }

    pub async fn login(&self, email: &str, password: &str) -> String {
        let response = self
            .post("/portal/v1/auth/login", None, serde_json::json!({ "email": email, "password": password }))
            .await;
        assert_eq!(response.status, StatusCode::OK, "login failed: {}", response.body);
        response.body["access_token"].as_str().expect("access_token").to_owned()
    }
}
