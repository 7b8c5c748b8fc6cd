//! Management API keys of an environment: list (never their secrets), create (the secret is
//! shown once; the format is `domain::api_key`), revoke (at once, also for tokens exchanged for
//! the key), and the exchange of a key for a short-lived Bearer token.

use app::dto::{ApiKeyResponse, CreateApiKeyRequest, CreatedApiKey, PageQuery, Paginated, Timestamp, TokenResponse, Validate, page_of};
use serde_json::json;

use crate::{
    auth::{Claims, PrincipalKind, TokenKeys},
    domain::{
        api_key,
        audit::{Actor, AuditContext, Change},
        tenancy::EnvironmentTenancy,
        time::timestamp,
    },
    ids::new_id,
    store::{ApiKey, ChangeSet, InsertBatch, Store, WriteOp},
    web::error::{AppError, AppResult},
};

fn api_key_response(key: &ApiKey) -> ApiKeyResponse {
    ApiKeyResponse {
        id: key.id.clone(),
        name: key.name.clone(),
        prefix: key.prefix.clone(),
        created_at: timestamp(key.created_at),
        last_used_at: key.last_used_at.map(timestamp),
        revoked_at: key.revoked_at.map(timestamp),
    }
}

pub async fn list_api_keys(store: &Store, tenancy: &EnvironmentTenancy, page: &PageQuery) -> AppResult<Paginated<ApiKeyResponse>> {
    let page = page.parse().map_err(AppError::invalid_query)?;
    let keys = store.api_keys(&tenancy.environment.id).await?;
    let total = keys.len() as u64;
    let items = keys.iter().skip(page.offset() as usize).take(page.take as usize).map(api_key_response).collect();
    Ok(page_of(items, page, total))
}

/// `POST .../api-keys` (the portal).
pub async fn create(store: &Store, tenancy: &EnvironmentTenancy, context: &AuditContext, request: CreateApiKeyRequest) -> AppResult<CreatedApiKey> {
    request.validate()?;
    let (key, secret) = create_key(store, tenancy, request.name.trim(), context.actor.clone()).await?;
    Ok(CreatedApiKey { key: api_key_response(&key), secret })
}

/// Revokes at once: the key, and every token exchanged for it, is a 401 from now on.
pub async fn revoke_api_key(store: &Store, tenancy: &EnvironmentTenancy, context: &AuditContext, id: &str) -> AppResult<()> {
    let key = store
        .api_key_by_id(id)
        .await?
        .filter(|key| key.environment_id == tenancy.environment.id)
        .ok_or(AppError::NotFound { what: "API key" })?;
    if key.revoked_at.is_some() {
        return Ok(());
    }
    let audit = context.event(Change {
        account_id: &tenancy.account.id,
        environment_id: Some(&tenancy.environment.id),
        action: "api_key.revoke",
        target_type: "api_key",
        target_id: Some(id),
        before: Some(json!({ "name": key.name, "prefix": key.prefix })),
        after: Some(json!({ "name": key.name, "prefix": key.prefix, "revoked_at": timestamp(context.at) })),
    });
    let changes = ChangeSet {
        ops: vec![WriteOp::RevokeApiKey { id: id.to_owned(), at: context.at }],
        inserts: InsertBatch { audit_events: vec![audit], ..Default::default() },
    };
    store.apply_changes(&changes).await?;
    Ok(())
}

/// A new management API key for the environment named by slugs (the command line's
/// `create-api-key`). Returns the secret, which exists nowhere else: only its hash is stored.
pub async fn create_api_key(
    store: &Store,
    account_slug: &str,
    application_slug: &str,
    environment_slug: &str,
    name: &str,
    actor: Actor,
) -> AppResult<(ApiKey, String)> {
    let account = store.account_by_slug(account_slug).await?.ok_or(AppError::NotFound { what: "account" })?;
    let application = store
        .application_by_slug(&account.id, application_slug)
        .await?
        .ok_or(AppError::NotFound { what: "application" })?;
    let environment = store
        .environment_by_slug(&application.id, environment_slug)
        .await?
        .ok_or(AppError::NotFound { what: "environment" })?;
    create_key(store, &EnvironmentTenancy { account, application, environment }, name, actor).await
}

/// The key and its secret, which exists nowhere else once returned.
async fn create_key(store: &Store, tenancy: &EnvironmentTenancy, name: &str, actor: Actor) -> AppResult<(ApiKey, String)> {
    let EnvironmentTenancy { account, environment, .. } = tenancy;
    let (prefix, secret) = api_key::generate();
    let now = Timestamp::now().as_millis();
    let key = ApiKey {
        id: new_id(),
        environment_id: environment.id.clone(),
        name: name.to_owned(),
        prefix: prefix.clone(),
        secret_hash: api_key::hash(&secret),
        created_at: now,
        last_used_at: None,
        revoked_at: None,
    };
    let context = AuditContext::new(actor, None, now);
    let audit = context.event(Change {
        account_id: &account.id,
        environment_id: Some(&environment.id),
        action: "api_key.create",
        target_type: "api_key",
        target_id: Some(&key.id),
        before: None,
        after: Some(json!({ "name": key.name, "prefix": key.prefix })),
    });
    store.insert_batch(&InsertBatch { api_keys: vec![key.clone()], audit_events: vec![audit], ..Default::default() }).await?;
    Ok((key, secret))
}

/// How long an exchanged management token lives.
pub const MANAGEMENT_TOKEN_SECS: i64 = 60 * 60;

/// `POST /api/v1/auth/token`: a Bearer token for a verified key's environment.
pub fn exchange(tokens: &TokenKeys, key: ApiKey) -> AppResult<TokenResponse> {
    let now = Timestamp::now().as_millis() / 1000;
    let claims = Claims { env: Some(key.environment_id), ..Claims::new(PrincipalKind::Management, key.id, now, now + MANAGEMENT_TOKEN_SECS) };
    tokens.bearer(&claims)
}
