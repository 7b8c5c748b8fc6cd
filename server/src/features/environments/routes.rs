//! Environments of an application, for admins: list, create, the overview with counts, rename,
//! delete.

use app::dto::{CreateEnvironmentRequest, EnvironmentResponse, PageQuery, Paginated, UpdateEnvironmentRequest};
use axum::{Json, extract::State, http::StatusCode};
use serde::Deserialize;
use utoipa::IntoParams;

use super::service;
use crate::{
    state::AppState,
    web::{
        callers::{ApplicationCaller, Caller, EnvironmentCaller, PortalApplicationCaller, PortalCaller},
        error::AppResult,
        extract::{AppJson, AppQuery, RequestId},
        registry::{APPLICATION, ApiRoutes, ENVIRONMENT},
    },
};

/// `/portal/v1/...`
pub fn portal_routes() -> ApiRoutes {
    let environments = format!("{APPLICATION}/environments");
    ApiRoutes::new()
        .get(&environments, list)
        .post(&environments, create)
        .get(ENVIRONMENT, get_one)
        .patch(ENVIRONMENT, update)
        .delete(ENVIRONMENT, delete_one)
}

async fn list(
    State(state): State<AppState>,
    caller: PortalApplicationCaller,
    AppQuery(query): AppQuery<PageQuery>,
) -> AppResult<Json<Paginated<EnvironmentResponse>>> {
    Ok(Json(service::list(state.store.as_ref(), caller.application(), &query).await?))
}

async fn create(
    State(state): State<AppState>,
    caller: PortalApplicationCaller,
    request_id: RequestId,
    AppJson(body): AppJson<CreateEnvironmentRequest>,
) -> AppResult<(StatusCode, Json<EnvironmentResponse>)> {
    let created = service::create(state.store.as_ref(), caller.application(), &caller.context(request_id), body).await?;
    Ok((StatusCode::CREATED, Json(created)))
}

async fn get_one(State(state): State<AppState>, caller: PortalCaller) -> AppResult<Json<EnvironmentResponse>> {
    Ok(Json(service::get(state.store.as_ref(), caller.tenancy()).await?))
}

async fn update(
    State(state): State<AppState>,
    caller: PortalCaller,
    request_id: RequestId,
    AppJson(body): AppJson<UpdateEnvironmentRequest>,
) -> AppResult<Json<EnvironmentResponse>> {
    Ok(Json(service::update(state.store.as_ref(), caller.tenancy(), &caller.context(request_id), body).await?))
}

#[derive(Debug, Clone, Copy, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct EnvironmentDeleteQuery {
    /// Also delete every node, role and assignment in the environment; without it an environment
    /// that holds any is a 409.
    #[serde(default)]
    cascade: Option<bool>,
}

async fn delete_one(
    State(state): State<AppState>,
    caller: PortalCaller,
    request_id: RequestId,
    AppQuery(query): AppQuery<EnvironmentDeleteQuery>,
) -> AppResult<StatusCode> {
    service::delete(state.store.as_ref(), caller.tenancy(), &caller.context(request_id), query.cascade.unwrap_or(false)).await?;
    Ok(StatusCode::NO_CONTENT)
}

