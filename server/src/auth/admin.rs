//! The admin principal: a JWT from `POST /portal/v1/auth/login`, sent as a Bearer token by API
//! clients or as the HttpOnly `canopy_session` cookie by the portal, bound to a session row so
//! that signing out ends it at once.

use axum::{
    extract::FromRequestParts,
    http::request::Parts,
};

use super::{
    api_key::verify_api_key,
    credentials::{api_key_header, bearer_token, cookie},
    tokens::PrincipalKind,
};
use crate::{state::AppState, web::error::AppError};

pub const SESSION_COOKIE: &str = "canopy_session";

/// A signed-in admin. Tenancy (which accounts it may see) is checked per request by the service.
#[derive(Debug, Clone)]
pub struct AdminAuth {
    pub admin_id: String,
    pub session_id: String,
    pub session_expires_at: i64,
}

impl FromRequestParts<AppState> for AdminAuth {
    type Rejection = AppError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Self::Rejection> {
        let Some(token) = bearer_token(&parts.headers)?.or_else(|| cookie(&parts.headers, SESSION_COOKIE)) else {
            // A valid API key is a credential of another principal type: 403, like a wrong token.
            if let Some(raw) = api_key_header(&parts.headers)? {
                verify_api_key(state, &raw).await?;
                return Err(AppError::wrong_principal("The portal API takes admin tokens; API keys call /api/v1."));
            }
            return Err(AppError::unauthorized("Sign in to continue: send an admin token."));
        };
        let claims = state.tokens.verify(&token, PrincipalKind::Admin)?;
        let session_id = claims.sid.ok_or_else(|| AppError::unauthorized("The token is invalid."))?;
        let session = state
            .store
            .session_by_id(&session_id)
            .await?
            .filter(|session| session.admin_id == claims.sub)
            .ok_or_else(|| AppError::unauthorized("The session has ended."))?;
        let now = app::dto::Timestamp::now().as_millis();
        if session.revoked_at.is_some() || session.expires_at <= now {
            return Err(AppError::unauthorized("The session has ended."));
        }
        Ok(AdminAuth { admin_id: claims.sub, session_id, session_expires_at: session.expires_at })
    }
}

/// The session cookie: HttpOnly (no script can read it), SameSite=Strict (no cross-site request
/// carries it, which is the portal's CSRF defence), `Secure` in production.
pub fn session_cookie(token: &str, max_age_secs: u64, secure: bool) -> String {
    format!(
        "{SESSION_COOKIE}={token}; Path=/; HttpOnly; SameSite=Strict; Max-Age={max_age_secs}{}",
        if secure { "; Secure" } else { "" }
    )
}

pub fn clear_session_cookie(secure: bool) -> String {
    session_cookie("", 0, secure)
}
