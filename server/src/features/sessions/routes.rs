//! `/portal/v1/auth/*` and `/portal/v1/me`.
//!
//! Login answers API clients with JSON and the portal's sign-in form (a plain HTML form, so it
//! works before the WASM has loaded) with a redirect; both get the HttpOnly session cookie.

use app::dto::{LoginRequest, MeResponse, TokenResponse};
use axum::{
    Json,
    extract::{FromRequest, Request, State},
    http::{HeaderMap, HeaderValue, StatusCode, header},
    response::{IntoResponse, Redirect, Response},
};
use serde::Deserialize;
use utoipa::ToSchema;

use app::scope::{encode_query_value, safe_next};

use super::service;
use crate::{
    auth::{AdminAuth, clear_session_cookie, session_cookie},
    state::AppState,
    web::{
        error::{AppError, AppResult},
        client::ClientAddr,
        extract::{AppForm, AppJson, RequestId},
        registry::ApiRoutes,
    },
};

/// `/portal/v1/...`
pub fn portal_routes() -> ApiRoutes {
    ApiRoutes::new()
        .post("/auth/login", login)
        .post("/auth/refresh", refresh)
        .post("/auth/logout", logout)
        .get("/me", me)
}

/// The sign-in form's fields.
#[derive(Debug, Deserialize, ToSchema)]
pub struct LoginForm {
    /// A form with a field missing is sent back to the sign-in page like a wrong password.
    #[serde(default)]
    email: String,
    #[serde(default)]
    password: String,
    /// Where to go once signed in: a path on this site (anything else goes to `/`).
    #[serde(default)]
    next: Option<String>,
}

fn attempt(state: &AppState, client: ClientAddr, request_id: RequestId) -> service::LoginAttempt<'_> {
    service::LoginAttempt { throttle: &state.throttles.login, client: client.0, request_id: request_id.0 }
}

async fn login(State(state): State<AppState>, client: ClientAddr, request_id: RequestId, request: Request) -> Response {
    if is_form(request.headers()) {
        return login_form(state, client, request_id, request).await;
    }
    let result = async {
        let AppJson(body) = AppJson::<LoginRequest>::from_request(request, &state).await?;
        service::login(state.store.as_ref(), &state.tokens, &state.config.sessions, body, attempt(&state, client, request_id)).await
    }
    .await;
    match result {
        Ok(issued) => with_cookie(Json(issued.response.clone()), &issued.response, issued.max_age.as_secs(), &state),
        Err(err) => err.into_response(),
    }
}

/// The sign-in form is answered with redirects, throttling included: back to the sign-in page
/// with `?error=too_many_attempts` and the same `Retry-After` the JSON login's 429 carries.
async fn login_form(state: AppState, client: ClientAddr, request_id: RequestId, request: Request) -> Response {
    let form = match AppForm::<LoginForm>::from_request(request, &state).await {
        Ok(AppForm(form)) => form,
        Err(err @ AppError::PayloadTooLarge { .. }) => return err.into_response(),
        Err(_) => return Redirect::to("/login?error=invalid_input").into_response(),
    };
    let next = safe_next(form.next.as_deref());
    let body = LoginRequest { email: form.email, password: form.password };
    match service::login(state.store.as_ref(), &state.tokens, &state.config.sessions, body, attempt(&state, client, request_id)).await {
        Ok(issued) => {
            with_cookie(Redirect::to(&next), &issued.response, issued.max_age.as_secs(), &state)
        }
        Err(err) => {
            let error = match err {
                AppError::Validation(_) => "invalid_input",
                AppError::TooManyRequests { .. } => "too_many_attempts",
                AppError::Internal(_) => return err.into_response(),
                _ => "invalid_credentials",
            };
            let mut response = Redirect::to(&format!("/login?error={error}&next={}", encode_query_value(&next))).into_response();
            if let AppError::TooManyRequests { retry_after_secs, .. } = err {
                response.headers_mut().insert(header::RETRY_AFTER, HeaderValue::from(retry_after_secs));
            }
            response
        }
    }
}

async fn refresh(State(state): State<AppState>, admin: AdminAuth) -> AppResult<Response> {
    let issued = service::refresh(&state.tokens, &state.config.sessions, &admin)?;
    Ok(with_cookie(Json(issued.response.clone()), &issued.response, issued.max_age.as_secs(), &state))
}

/// Ends the session. A form post (the portal's sign-out button) is sent back to the sign-in page.
async fn logout(State(state): State<AppState>, admin: AdminAuth, request_id: RequestId, headers: HeaderMap) -> AppResult<Response> {
    service::logout(state.store.as_ref(), &admin, request_id.0).await?;
    let mut response =
        if is_form(&headers) { Redirect::to("/login").into_response() } else { StatusCode::NO_CONTENT.into_response() };
    set_cookie(&mut response, &clear_session_cookie(state.config.secure_cookies));
    Ok(response)
}

async fn me(State(state): State<AppState>, admin: AdminAuth) -> AppResult<Json<MeResponse>> {
    Ok(Json(service::me(state.store.as_ref(), &admin).await?))
}

fn is_form(headers: &HeaderMap) -> bool {
    headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("application/x-www-form-urlencoded"))
}

fn with_cookie(response: impl IntoResponse, token: &TokenResponse, max_age: u64, state: &AppState) -> Response {
    let mut response = response.into_response();
    set_cookie(&mut response, &session_cookie(&token.access_token, max_age, state.config.secure_cookies));
    response
}

fn set_cookie(response: &mut Response, cookie: &str) {
    if let Ok(value) = HeaderValue::from_str(cookie) {
        response.headers_mut().append(header::SET_COOKIE, value);
    }
}
