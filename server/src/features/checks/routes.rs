//! Checks for management clients (`POST /api/v1/check`, `check/batch`), identity tokens, an
//! identity's own `/api/v1/me/*`, and the portal's effective-permissions view.

use app::dto::{
    BatchCheckRequest, BatchCheckResponse, CheckRequest, CheckResponse, EffectivePermissionsQuery, EffectivePermissionsResponse,
    IdentityTokenRequest, MeCheckRequest, Timestamp, TokenResponse,
};
use axum::{Json, extract::State, http::StatusCode};
use serde::Deserialize;
use utoipa::IntoParams;

use super::service;
use crate::{
    auth::{IdentityAuth, ManagementAuth},
    state::AppState,
    web::{
        callers::{ApplicationCaller, PortalApplicationCaller},
        error::AppResult,
        extract::{AppJson, AppQuery, IdParam, OptionalJson},
        registry::{APPLICATION, ApiRoutes},
        revision::{self, Wanted},
    },
};

/// `/portal/v1/...`
pub fn portal_routes() -> ApiRoutes {
    let application = ApiRoutes::new().get("/identities/{id}/effective-permissions", portal_effective_permissions);
    ApiRoutes::new().nest(APPLICATION, application)
}

/// `/api/v1/...`
pub fn management_routes() -> ApiRoutes {
    ApiRoutes::new()
        .post("/check", check)
        .post("/check/batch", check_batch)
        .post("/identities/{id}/tokens", mint_identity_token)
        .get("/me/permissions", my_permissions)
        .post("/me/check", my_check)
}

async fn check(State(state): State<AppState>, caller: ManagementAuth, wanted: Wanted, AppJson(body): AppJson<CheckRequest>) -> AppResult<Json<CheckResponse>> {
    Ok(Json(service::check(state.store.as_ref(), &state.index, &caller.tenancy, &body, wanted.revision()).await?))
}

async fn check_batch(
    State(state): State<AppState>,
    caller: ManagementAuth,
    wanted: Wanted,
    AppJson(body): AppJson<BatchCheckRequest>,
) -> AppResult<Json<BatchCheckResponse>> {
    let wanted = match &body.revision {
        Some(token) => Some(revision::from_body(&state, token).await?),
        None => wanted.0,
    };
    Ok(Json(BatchCheckResponse { results: service::check_batch(state.store.as_ref(), &state.index, &caller.tenancy, &body.checks, wanted.as_ref()).await? }))
}

/// The body is optional: no body means the default lifetime.
async fn mint_identity_token(
    State(state): State<AppState>,
    caller: ManagementAuth,
    IdParam(id): IdParam,
    OptionalJson(request): OptionalJson<IdentityTokenRequest>,
) -> AppResult<(StatusCode, Json<TokenResponse>)> {
    let token = service::mint_identity_token(state.store.as_ref(), &state.tokens, &caller.tenancy, &id, request).await?;
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
    state.database.refuse_when_down()?;
    let store = state.store.as_ref();
    Ok(Json(service::effective_permissions(store, &caller.tenancy, &caller.identity_id, query.node_id.as_deref(), query.at).await?))
}

async fn my_check(State(state): State<AppState>, caller: IdentityAuth, wanted: Wanted, AppJson(body): AppJson<MeCheckRequest>) -> AppResult<Json<CheckResponse>> {
    let request = CheckRequest { identity_id: caller.identity_id.clone(), permission: body.permission, node_id: body.node_id, at: body.at, correlation_id: None };
    Ok(Json(service::check(state.store.as_ref(), &state.index, &caller.tenancy, &request, wanted.revision()).await?))
}

async fn portal_effective_permissions(
    State(state): State<AppState>,
    caller: PortalApplicationCaller,
    IdParam(id): IdParam,
    AppQuery(query): AppQuery<EffectivePermissionsQuery>,
) -> AppResult<Json<EffectivePermissionsResponse>> {
    state.database.refuse_when_down()?;
    let (environment, node_id) = (query.environment.as_deref(), query.node_id.as_deref());
    Ok(Json(service::effective_permissions_in(state.store.as_ref(), caller.application(), environment, &id, node_id, query.at).await?))
}
