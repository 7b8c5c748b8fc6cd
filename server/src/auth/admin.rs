//! The admin principal: a JWT from `POST /portal/v1/auth/login`, sent as a Bearer token by API
//! clients or as the HttpOnly `canopy_session` cookie by the portal, bound to a session row so
//! that signing out ends it at once.

use axum::{
    extract::FromRequestParts,
    http::{HeaderMap, header, request::Parts},
};

use super::tokens::PrincipalKind;
use crate::{error::AppError, state::AppState};

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
            if let Some(raw) = super::management::api_key_header(&parts.headers)? {
                super::management::verify_api_key(state, &raw).await?;
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

/// `Authorization: Bearer <token>`; another scheme or an empty token is a 401, no header `None`.
pub(crate) fn bearer_token(headers: &HeaderMap) -> Result<Option<String>, AppError> {
    let Some(value) = headers.get(header::AUTHORIZATION) else { return Ok(None) };
    let value = value.to_str().map_err(|_| AppError::unauthorized("The Authorization header is malformed."))?;
    match value.split_once(' ') {
        Some((scheme, token)) if scheme.eq_ignore_ascii_case("bearer") && !token.trim().is_empty() => {
            Ok(Some(token.trim().to_owned()))
        }
        _ => Err(AppError::unauthorized("Use Authorization: Bearer <token>.")),
    }
}

fn cookie(headers: &HeaderMap, name: &str) -> Option<String> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|value| value.to_str().ok())
        .flat_map(|value| value.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(key, value)| *key == name && !value.is_empty())
        .map(|(_, value)| value.to_owned())
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_the_session_cookie_among_others() {
        let mut headers = HeaderMap::new();
        headers.insert(header::COOKIE, "theme=dark; canopy_session=abc.def.ghi; other=1".parse().unwrap());
        assert_eq!(cookie(&headers, SESSION_COOKIE).as_deref(), Some("abc.def.ghi"));
    }

    #[test]
    fn bearer_requires_the_scheme_and_a_token() {
        let mut headers = HeaderMap::new();
        assert_eq!(bearer_token(&headers).unwrap(), None);
        headers.insert(header::AUTHORIZATION, "Bearer tok".parse().unwrap());
        assert_eq!(bearer_token(&headers).unwrap().as_deref(), Some("tok"));
        headers.insert(header::AUTHORIZATION, "Basic dXNlcg==".parse().unwrap());
        assert!(bearer_token(&headers).is_err());
    }
}
