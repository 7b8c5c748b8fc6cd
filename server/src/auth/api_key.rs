//! Verifying a presented management API key: found by its prefix, its hash compared in constant
//! time (the key format itself is `domain::api_key`).

use subtle::ConstantTimeEq;

use crate::{domain::api_key, state::AppState, store::ApiKey, web::error::AppError};

/// Finds the key by its prefix and compares the secret's hash in constant time.
pub async fn verify_api_key(state: &AppState, secret: &str) -> Result<ApiKey, AppError> {
    let invalid = || AppError::unauthorized("The API key is invalid or has been revoked.");
    let prefix = api_key::prefix(secret).ok_or_else(invalid)?;
    let key = state.store.api_key_by_prefix(prefix).await?.ok_or_else(invalid)?;
    let presented = api_key::hash(secret);
    let matches: bool = presented.as_bytes().ct_eq(key.secret_hash.as_bytes()).into();
    if !matches || key.revoked_at.is_some() {
        return Err(invalid());
    }
    Ok(key)
}
