//! The management principal of `/api/v1`: a client sends its environment-scoped API key as
//! `X-API-Key`, or a short-lived Bearer JWT obtained by exchanging the key at
//! `POST /api/v1/auth/token`. A revoked key, and every token minted from it, stops working at
//! once.

use axum::{extract::FromRequestParts, http::request::Parts};

use super::{
    api_key::verify_api_key,
    credentials::{api_key_header, bearer_token},
    environment::environment_tenancy,
    tokens::PrincipalKind,
};
use crate::{
    domain::{api_key, audit::Actor, tenancy::EnvironmentTenancy},
    state::AppState,
    web::error::AppError,
};

/// A management client, bound to the environment of its key.
#[derive(Debug, Clone)]
pub struct ManagementAuth {
    pub api_key_id: String,
    pub tenancy: EnvironmentTenancy,
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
        // effect on the very next request; and only while the change feed is fresh, so one
        // through another process takes effect within the feed's bound.
        let generation = state.store.generation();
        let cached = |key: &str| state.feed.fresh().then(|| state.principals.get(key, generation)).flatten();
        let (cache_key, key) = if let Some(raw) = api_key_header(&parts.headers)? {
            let cache_key = format!("secret:{}", api_key::hash(&raw));
            if let Some(auth) = cached(&cache_key) {
                return Ok(auth);
            }
            state.database.refuse_when_down()?;
            (cache_key, state.database.watch(verify_api_key(state, &raw)).await?)
        } else if let Some(token) = bearer_token(&parts.headers)? {
            let claims = state.tokens.verify(&token, PrincipalKind::Management)?;
            let cache_key = format!("token:{}:{}", claims.sub, claims.env.as_deref().unwrap_or_default());
            if let Some(auth) = cached(&cache_key) {
                return Ok(auth);
            }
            state.database.refuse_when_down()?;
            let key = state.database.watch(async { Ok(state.store.api_key_by_id(&claims.sub).await?) }).await?;
            let key = key
                .filter(|key| key.revoked_at.is_none() && Some(&key.environment_id) == claims.env.as_ref())
                .ok_or_else(|| AppError::unauthorized("The API key behind this token has been revoked."))?;
            (cache_key, key)
        } else {
            return Err(AppError::unauthorized("Send an API key as X-API-Key, or a Bearer token from POST /api/v1/auth/token."));
        };
        let tenancy = state.database.watch(environment_tenancy(state, &key.environment_id)).await?;
        let auth = ManagementAuth { api_key_id: key.id, tenancy };
        // Cached only once the feed is followed: a revocation committed through another process
        // before the follower's first read would never be reported.
        if state.feed.started() {
            state.principals.put(cache_key, generation, auth.clone());
        }
        Ok(auth)
    }
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
