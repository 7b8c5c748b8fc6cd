//! The identity principal of `/api/v1/me/*`: a Bearer JWT minted for an identity of the
//! customer's application by a management client.

use axum::{extract::FromRequestParts, http::request::Parts};

use super::{
    api_key::verify_api_key,
    credentials::{api_key_header, bearer_token},
    environment::environment_tenancy,
    tokens::PrincipalKind,
};
use crate::{domain::tenancy::EnvironmentTenancy, state::AppState, web::error::AppError};

/// An identity of the customer's application, from a token minted by a management client.
#[derive(Debug, Clone)]
pub struct IdentityAuth {
    pub identity_id: String,
    pub tenancy: EnvironmentTenancy,
}

impl FromRequestParts<AppState> for IdentityAuth {
    type Rejection = AppError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Self::Rejection> {
        // Every identity endpoint is a check or reads permissions: with the database down, a
        // 503 at once rather than after the pool's connect timeout.
        state.database.refuse_when_down()?;
        if let Some(raw) = api_key_header(&parts.headers)? {
            verify_api_key(state, &raw).await?;
            return Err(AppError::wrong_principal("This endpoint is for identities; API keys cannot call it."));
        }
        let token = bearer_token(&parts.headers)?
            .ok_or_else(|| AppError::unauthorized("Send the identity's Bearer token."))?;
        let claims = state.tokens.verify(&token, PrincipalKind::Identity)?;
        let environment_id = claims.env.ok_or_else(|| AppError::unauthorized("The token is invalid."))?;
        let tenancy = environment_tenancy(state, &environment_id).await?;
        state
            .store
            .identity_by_id(&tenancy.application.id, &claims.sub)
            .await?
            .ok_or_else(|| AppError::unauthorized("The identity no longer exists."))?;
        Ok(IdentityAuth { identity_id: claims.sub, tenancy })
    }
}
