//! Management clients and identities: the two principals of `/api/v1`.
//!
//! A management client sends its environment-scoped API key as `X-API-Key`, or a short-lived
//! Bearer JWT obtained by exchanging the key at `POST /api/v1/auth/token`. Keys are stored as
//! SHA-256 only and compared in constant time; a revoked key, and every token minted from it,
//! stops working at once. An identity sends a Bearer JWT minted for it by a management client.

use axum::{extract::FromRequestParts, http::{HeaderMap, request::Parts}};
use subtle::ConstantTimeEq;

use super::{admin::bearer_token, tokens::PrincipalKind};
use crate::{
    error::AppError,
    service::{audit::Actor, provisioning::hash_api_key_secret, tenancy::EnvironmentScope},
    state::AppState,
    store::ApiKey,
};

pub const API_KEY_HEADER: &str = "x-api-key";

/// A management client, bound to the environment of its key.
#[derive(Debug, Clone)]
pub struct ManagementAuth {
    pub api_key_id: String,
    pub scope: EnvironmentScope,
}

impl ManagementAuth {
    pub fn actor(&self) -> Actor {
        Actor::ApiKey(self.api_key_id.clone())
    }
}

impl FromRequestParts<AppState> for ManagementAuth {
    type Rejection = AppError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Self::Rejection> {
        // Cache key: the presented secret's hash, or the token's key id. An entry is valid only
        // while the store's write generation is unchanged, so a revocation (a write) takes
        // effect on the very next request.
        let generation = state.store.generation();
        let (cache_key, key) = if let Some(raw) = api_key_header(&parts.headers)? {
            let cache_key = format!("secret:{}", hash_api_key_secret(&raw));
            if let Some(auth) = state.principals.get(&cache_key, generation) {
                return Ok(auth);
            }
            (cache_key, verify_api_key(state, &raw).await?)
        } else if let Some(token) = bearer_token(&parts.headers)? {
            let claims = state.tokens.verify(&token, PrincipalKind::Management)?;
            let cache_key = format!("token:{}:{}", claims.sub, claims.env.as_deref().unwrap_or_default());
            if let Some(auth) = state.principals.get(&cache_key, generation) {
                return Ok(auth);
            }
            let key = state
                .store
                .api_key_by_id(&claims.sub)
                .await?
                .filter(|key| key.revoked_at.is_none() && Some(&key.environment_id) == claims.env.as_ref())
                .ok_or_else(|| AppError::unauthorized("The API key behind this token has been revoked."))?;
            (cache_key, key)
        } else {
            return Err(AppError::unauthorized("Send an API key as X-API-Key, or a Bearer token from POST /api/v1/auth/token."));
        };
        let scope = environment_scope(state, &key.environment_id).await?;
        let auth = ManagementAuth { api_key_id: key.id, scope };
        state.principals.put(cache_key, generation, auth.clone());
        Ok(auth)
    }
}

/// The raw `X-API-Key`, when sent.
pub fn api_key_header(headers: &HeaderMap) -> Result<Option<String>, AppError> {
    let Some(value) = headers.get(API_KEY_HEADER) else { return Ok(None) };
    let value = value.to_str().map_err(|_| AppError::unauthorized("The X-API-Key header is malformed."))?.trim();
    if value.is_empty() {
        return Err(AppError::unauthorized("The X-API-Key header is empty."));
    }
    Ok(Some(value.to_owned()))
}

/// Finds the key by its prefix and compares the secret's hash in constant time.
pub async fn verify_api_key(state: &AppState, secret: &str) -> Result<ApiKey, AppError> {
    let invalid = || AppError::unauthorized("The API key is invalid or has been revoked.");
    // `cnp_<8>_<32>`: the prefix is everything before the second underscore.
    let prefix = secret.match_indices('_').nth(1).map(|(at, _)| &secret[..at]).ok_or_else(invalid)?;
    let key = state.store.api_key_by_prefix(prefix).await?.ok_or_else(invalid)?;
    let presented = hash_api_key_secret(secret);
    let matches: bool = presented.as_bytes().ct_eq(key.secret_hash.as_bytes()).into();
    if !matches || key.revoked_at.is_some() {
        return Err(invalid());
    }
    Ok(key)
}

async fn environment_scope(state: &AppState, environment_id: &str) -> Result<EnvironmentScope, AppError> {
    let path = state
        .store
        .environment_path(environment_id)
        .await?
        .ok_or_else(|| AppError::unauthorized("The API key's environment no longer exists."))?;
    Ok(EnvironmentScope { account: path.account, application: path.application, environment: path.environment })
}

/// Verified management principals, reused while the store's write generation is unchanged.
#[derive(Default)]
pub struct PrincipalCache {
    entries: std::sync::Mutex<std::collections::HashMap<String, (u64, ManagementAuth)>>,
}

impl PrincipalCache {
    /// Entries kept at most; the cache is cleared when full (keys are few in practice).
    const CAPACITY: usize = 10_000;

    fn get(&self, key: &str, generation: u64) -> Option<ManagementAuth> {
        let entries = self.entries.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
        entries.get(key).filter(|(at, _)| *at == generation).map(|(_, auth)| auth.clone())
    }

    fn put(&self, key: String, generation: u64, auth: ManagementAuth) {
        let mut entries = self.entries.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
        if entries.len() >= Self::CAPACITY {
            entries.clear();
        }
        entries.insert(key, (generation, auth));
    }
}

/// An identity of the customer's application, from a token minted by a management client.
#[derive(Debug, Clone)]
pub struct IdentityAuth {
    pub identity_id: String,
    pub scope: EnvironmentScope,
}

impl FromRequestParts<AppState> for IdentityAuth {
    type Rejection = AppError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Self::Rejection> {
        if let Some(raw) = api_key_header(&parts.headers)? {
            verify_api_key(state, &raw).await?;
            return Err(AppError::wrong_principal("This endpoint is for identities; API keys cannot call it."));
        }
        let token = bearer_token(&parts.headers)?
            .ok_or_else(|| AppError::unauthorized("Send the identity's Bearer token."))?;
        let claims = state.tokens.verify(&token, PrincipalKind::Identity)?;
        let environment_id = claims.env.ok_or_else(|| AppError::unauthorized("The token is invalid."))?;
        let scope = environment_scope(state, &environment_id).await?;
        state
            .store
            .identity_by_id(&scope.application.id, &claims.sub)
            .await?
            .ok_or_else(|| AppError::unauthorized("The identity no longer exists."))?;
        Ok(IdentityAuth { identity_id: claims.sub, scope })
    }
}
