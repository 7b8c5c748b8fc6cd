//! Checks, effective permissions, identity tokens and `/api/v1/me/*`, API keys, the audit log.

use app::dto::{
    ApiKeyResponse, AuditEventResponse, AuditQuery, BatchCheckRequest, BatchCheckResponse, CheckRequest, CheckResponse,
    CreateApiKeyRequest, CreatedApiKey, EffectivePermissionsQuery, EffectivePermissionsResponse, IdentityTokenRequest,
    MeCheckRequest, PageQuery, Paginated, Timestamp, TokenResponse,
};
use axum::{
    Json,
    extract::State,
    http::StatusCode,
};
use serde::Deserialize;
use utoipa::IntoParams;

use super::{
    assignments::{EnvironmentCaller, IdParam, PortalCaller},
    directory::{ApplicationCaller, PortalApplicationCaller},
    registry::ApiRoutes,
};
use crate::{
    auth::{IdentityAuth, ManagementAuth},
    error::{AppError, AppResult},
    extract::{AppJson, AppQuery, RequestId},
    service::{
        access::{self, ApplicationScopeLookup},
        audit::AuditContext,
        tenancy,
    },
    state::AppState,
};

pub fn portal_routes() -> ApiRoutes {
    let environment = ApiRoutes::new()
        .get("/api-keys", list_api_keys)
        .post("/api-keys", create_api_key)
        .delete("/api-keys/{id}", revoke_api_key);
    let application = ApiRoutes::new()
        .get("/identities/{id}/effective-permissions", portal_effective_permissions)
        .get("/audit-events", audit_events);
    ApiRoutes::new()
        .nest("/accounts/{account_slug}/applications/{app_slug}/environments/{env_slug}", environment)
        .nest("/accounts/{account_slug}/applications/{app_slug}", application)
}

pub fn management_routes() -> ApiRoutes {
    ApiRoutes::new()
        .post("/check", check)
        .post("/check/batch", check_batch)
        .post("/identities/{id}/tokens", mint_identity_token)
        .get("/me/permissions", my_permissions)
        .post("/me/check", my_check)
}

async fn check(State(state): State<AppState>, caller: ManagementAuth, AppJson(body): AppJson<CheckRequest>) -> AppResult<Json<CheckResponse>> {
    Ok(Json(access::check(state.store.as_ref(), &state.index, &caller.scope, &body).await?))
}

async fn check_batch(State(state): State<AppState>, caller: ManagementAuth, AppJson(body): AppJson<BatchCheckRequest>) -> AppResult<Json<BatchCheckResponse>> {
    Ok(Json(BatchCheckResponse { results: access::check_batch(state.store.as_ref(), &state.index, &caller.scope, &body.checks).await? }))
}

async fn mint_identity_token(
    State(state): State<AppState>,
    caller: ManagementAuth,
    IdParam(id): IdParam,
    body: axum::body::Bytes,
) -> AppResult<(StatusCode, Json<TokenResponse>)> {
    // The body is optional: no body means the default lifetime.
    let request: IdentityTokenRequest = if body.iter().all(u8::is_ascii_whitespace) {
        IdentityTokenRequest::default()
    } else {
        serde_json::from_slice(&body).map_err(|err| match err.classify() {
            serde_json::error::Category::Data => AppError::invalid_field("body", err.to_string()),
            _ => AppError::bad_request("malformed_json", "The body is not valid JSON."),
        })?
    };
    let token = access::mint_identity_token(state.store.as_ref(), &state.tokens, &caller.scope, &id, request).await?;
    Ok((StatusCode::CREATED, Json(token)))
}

#[derive(Debug, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct MePermissionsQuery {
    /// Permissions that apply at this node (through it and its ancestors); every node when absent.
    #[serde(default)]
    node_id: Option<String>,
    /// Evaluate at this instant instead of now.
    #[serde(default)]
    at: Option<Timestamp>,
}

async fn my_permissions(
    State(state): State<AppState>,
    caller: IdentityAuth,
    AppQuery(query): AppQuery<MePermissionsQuery>,
) -> AppResult<Json<EffectivePermissionsResponse>> {
    let result = access::effective_permissions(state.store.as_ref(), &caller.scope, &caller.identity_id, query.node_id.as_deref(), query.at).await?;
    Ok(Json(result))
}

async fn my_check(State(state): State<AppState>, caller: IdentityAuth, AppJson(body): AppJson<MeCheckRequest>) -> AppResult<Json<CheckResponse>> {
    let request = CheckRequest { identity_id: caller.identity_id.clone(), permission: body.permission, node_id: body.node_id, at: body.at, correlation_id: None };
    Ok(Json(access::check(state.store.as_ref(), &state.index, &caller.scope, &request).await?))
}

async fn portal_effective_permissions(
    State(state): State<AppState>,
    caller: PortalApplicationCaller,
    IdParam(id): IdParam,
    AppQuery(query): AppQuery<EffectivePermissionsQuery>,
) -> AppResult<Json<EffectivePermissionsResponse>> {
    let store = state.store.as_ref();
    let app_scope = caller.application();
    let slug = query.environment.as_deref().filter(|s| !s.is_empty()).ok_or_else(|| {
        AppError::bad_request("invalid_query", "Name the environment: ?environment=<slug>.")
    })?;
    let environment = store
        .environment_by_slug(&app_scope.application.id, slug)
        .await?
        .ok_or(AppError::NotFound { what: "environment" })?;
    let scope = tenancy::EnvironmentScope { account: app_scope.account.clone(), application: app_scope.application.clone(), environment };
    Ok(Json(access::effective_permissions(store, &scope, &id, query.node_id.as_deref(), query.at).await?))
}

async fn list_api_keys(State(state): State<AppState>, caller: PortalCaller, AppQuery(query): AppQuery<PageQuery>) -> AppResult<Json<Paginated<ApiKeyResponse>>> {
    Ok(Json(access::list_api_keys(state.store.as_ref(), caller.scope(), &query).await?))
}

async fn create_api_key(
    State(state): State<AppState>,
    caller: PortalCaller,
    request_id: RequestId,
    AppJson(body): AppJson<CreateApiKeyRequest>,
) -> AppResult<(StatusCode, Json<CreatedApiKey>)> {
    let context = AuditContext::new(caller.actor(), request_id.0, Timestamp::now().as_millis());
    Ok((StatusCode::CREATED, Json(access::create_api_key(state.store.as_ref(), caller.scope(), &context, body).await?)))
}

async fn revoke_api_key(State(state): State<AppState>, caller: PortalCaller, IdParam(id): IdParam, request_id: RequestId) -> AppResult<StatusCode> {
    let context = AuditContext::new(caller.actor(), request_id.0, Timestamp::now().as_millis());
    access::revoke_api_key(state.store.as_ref(), caller.scope(), &context, &id).await?;
    Ok(StatusCode::NO_CONTENT)
}

async fn audit_events(
    State(state): State<AppState>,
    caller: PortalApplicationCaller,
    AppQuery(query): AppQuery<AuditQuery>,
) -> AppResult<Json<Paginated<AuditEventResponse>>> {
    let scope = caller.application();
    let lookup = ApplicationScopeLookup { account: &scope.account, application: Some(scope) };
    Ok(Json(access::audit_events(state.store.as_ref(), &scope.account, &lookup, &query).await?))
}
