//! `POST /api/v1/auth/token`: exchanges a management API key for a short-lived Bearer token.

use app::dto::{TokenResponse, Timestamp};
use axum::{Json, extract::State, http::HeaderMap};

use super::registry::ApiRoutes;
use crate::{
    auth::{Claims, PrincipalKind, tokens::ISSUER},
    error::{AppError, AppResult},
    state::AppState,
};

/// How long an exchanged management token lives.
pub const MANAGEMENT_TOKEN_SECS: i64 = 60 * 60;

pub fn routes() -> ApiRoutes {
    ApiRoutes::new().post("/auth/token", token)
}

async fn token(State(state): State<AppState>, headers: HeaderMap) -> AppResult<Json<TokenResponse>> {
    let raw = crate::auth::management_api_key(&headers)?
        .ok_or_else(|| AppError::unauthorized("Send the API key to exchange as X-API-Key."))?;
    let key = crate::auth::verify_management_key(&state, &raw).await?;
    let now = Timestamp::now();
    let expires_at = now.as_millis() / 1000 + MANAGEMENT_TOKEN_SECS;
    let claims = Claims {
        iss: ISSUER.into(),
        aud: PrincipalKind::Management,
        sub: key.id,
        iat: now.as_millis() / 1000,
        exp: expires_at,
        sid: None,
        env: Some(key.environment_id),
    };
    Ok(Json(TokenResponse {
        access_token: state.tokens.issue(&claims)?,
        token_type: "Bearer".into(),
        expires_in: MANAGEMENT_TOKEN_SECS,
        expires_at: Timestamp::from_millis(expires_at * 1000).ok_or_else(|| AppError::internal("expiry out of range"))?,
    }))
}
