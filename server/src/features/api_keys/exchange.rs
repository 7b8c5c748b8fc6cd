//! `POST /api/v1/auth/token` with its throttle: failed exchanges are counted per key prefix (the
//! part of a key that is stored in clear) and per client address (`auth::throttle`). While either
//! is locked the answer is a 429 before the key is looked up, the same whether the prefix exists
//! or not; a successful exchange forgets the prefix's failures.

use std::net::IpAddr;

use app::dto::{Timestamp, TokenResponse};
use serde_json::json;

use super::service;
use crate::{
    auth::{
        api_key::verify_api_key,
        throttle::{Locked, address_key},
    },
    domain::{
        api_key,
        audit::{Actor, AuditContext, Change},
    },
    state::AppState,
    store::InsertBatch,
    web::error::{AppError, AppResult},
};

/// The audit action of a lock-out of a key prefix (one event per lock-out; refused exchanges
/// during it are logged, not audited).
pub const EXCHANGE_THROTTLED: &str = "api_key.exchange_throttled";

fn too_many_attempts(locked: Locked) -> AppError {
    AppError::TooManyRequests {
        code: "too_many_attempts",
        message: "Too many failed key exchanges. Try again later.".into(),
        retry_after_secs: locked.retry_after_secs(),
    }
}

/// Verifies the presented `X-API-Key` (`raw`) and exchanges it for a token, throttled.
pub async fn exchange_presented(state: &AppState, raw: Option<String>, client: Option<IpAddr>, request_id: Option<String>) -> AppResult<TokenResponse> {
    let raw = raw.ok_or_else(|| AppError::unauthorized("Send the API key to exchange as X-API-Key."))?;
    let prefix = api_key::prefix(&raw);
    let address = address_key(client);
    let throttle = &state.throttles.key_exchange;
    if let Err(locked) = throttle.check(prefix, &address) {
        tracing::warn!(prefix, client = %address, retry_after_secs = locked.retry_after_secs(), "key exchange refused: throttled");
        return Err(too_many_attempts(locked));
    }
    match verify_api_key(state, &raw).await {
        Ok(key) => {
            throttle.succeed(&key.prefix);
            service::exchange(&state.tokens, key)
        }
        Err(err @ AppError::Unauthorized { .. }) => {
            let failure = throttle.fail(prefix, &address);
            if let Some(locked) = failure.address_locked {
                tracing::warn!(client = %address, locked_secs = locked.retry_after_secs(), "key exchanges from this address locked after repeated failures");
            }
            if let (Some(locked), Some(prefix)) = (failure.subject_locked, prefix) {
                audit_lockout(state, prefix, &address, throttle.subject_failures(prefix), locked, request_id).await?;
            }
            Err(err)
        }
        Err(other) => Err(other),
    }
}

/// `api_key.exchange_throttled` in the key's environment when the prefix is a key's; a log line
/// when it is no key's (there is no account to hold an audit event).
async fn audit_lockout(state: &AppState, prefix: &str, address: &str, failures: u32, locked: Locked, request_id: Option<String>) -> AppResult<()> {
    let locked_secs = locked.retry_after_secs();
    let Some(key) = state.store.api_key_by_prefix(prefix).await? else {
        tracing::warn!(prefix, client = %address, failures, locked_secs, "exchanges for an unknown key prefix locked after repeated failures");
        return Ok(());
    };
    let Some(path) = state.store.environment_path(&key.environment_id).await? else { return Ok(()) };
    tracing::warn!(api_key_id = %key.id, client = %address, failures, locked_secs, "exchanges for an API key locked after repeated failures");
    let context = AuditContext::new(Actor::System, request_id, Timestamp::now().as_millis());
    let event = context.event(Change {
        account_id: &path.account.id,
        environment_id: Some(&path.environment.id),
        action: EXCHANGE_THROTTLED,
        target_type: "api_key",
        target_id: Some(&key.id),
        before: None,
        after: Some(json!({ "prefix": key.prefix, "failures": failures, "locked_seconds": locked_secs, "client_address": address })),
    });
    state.store.insert_batch(&InsertBatch { audit_events: vec![event], ..Default::default() }).await?;
    Ok(())
}
