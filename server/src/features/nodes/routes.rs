//! Node endpoints: list, look-up and create for both callers; get, rename / move and delete for
//! admins.

use app::dto::{
    CreateNodeRequest, DeleteNodeQuery, ListQuery, NodeLookupRequest, NodeLookupResponse, NodeResponse, NodeUsageResponse, Paginated, UpdateNodeRequest,
};
use axum::{Json, extract::State, http::StatusCode};

use super::service;
use crate::{
    auth::ManagementAuth,
    state::AppState,
    web::{
        callers::{EnvironmentCaller, PortalCaller},
        conditional::{Precondition, Tagged},
        error::AppResult,
        extract::{AppJson, AppQuery, IdParam, RequestId},
        registry::{ApiRoutes, ENVIRONMENT},
    },
};

fn environment_routes<C: EnvironmentCaller>() -> ApiRoutes {
    ApiRoutes::new().get("/nodes", list::<C>).post("/nodes", create::<C>).post("/nodes/lookup", lookup::<C>)
}

/// `/portal/v1/...`
pub fn portal_routes() -> ApiRoutes {
    let environment = environment_routes::<PortalCaller>()
        .get("/nodes/{id}", get_one::<PortalCaller>)
        .patch("/nodes/{id}", update::<PortalCaller>)
        .delete("/nodes/{id}", delete_one::<PortalCaller>)
        .get("/nodes/{id}/usage", usage::<PortalCaller>);
    ApiRoutes::new().nest(ENVIRONMENT, environment)
}

/// `/api/v1/...`
pub fn management_routes() -> ApiRoutes {
    environment_routes::<ManagementAuth>()
}

async fn lookup<C: EnvironmentCaller>(
    State(state): State<AppState>,
    caller: C,
    AppJson(body): AppJson<NodeLookupRequest>,
) -> AppResult<Json<NodeLookupResponse>> {
    Ok(Json(service::lookup_nodes(state.store.as_ref(), caller.tenancy(), &body).await?))
}

async fn list<C: EnvironmentCaller>(State(state): State<AppState>, caller: C, AppQuery(query): AppQuery<ListQuery>) -> AppResult<Json<Paginated<NodeResponse>>> {
    Ok(Json(service::list_nodes(state.store.as_ref(), caller.tenancy(), &query).await?))
}

async fn create<C: EnvironmentCaller>(
    State(state): State<AppState>,
    caller: C,
    request_id: RequestId,
    AppJson(body): AppJson<CreateNodeRequest>,
) -> AppResult<(StatusCode, Tagged<NodeResponse>)> {
    Ok((StatusCode::CREATED, Tagged(service::create_node(state.store.as_ref(), caller.tenancy(), &caller.context(request_id), body).await?)))
}

async fn get_one<C: EnvironmentCaller>(State(state): State<AppState>, caller: C, IdParam(id): IdParam) -> AppResult<Tagged<NodeResponse>> {
    Ok(Tagged(service::node_response(&service::get_node(state.store.as_ref(), caller.tenancy(), &id).await?)))
}

/// What a delete meets: children, descendants and assignments in the subtree.
async fn usage<C: EnvironmentCaller>(State(state): State<AppState>, caller: C, IdParam(id): IdParam) -> AppResult<Json<NodeUsageResponse>> {
    Ok(Json(service::node_usage(state.store.as_ref(), caller.tenancy(), &id).await?))
}

async fn update<C: EnvironmentCaller>(
    State(state): State<AppState>,
    caller: C,
    IdParam(id): IdParam,
    request_id: RequestId,
    precondition: Precondition,
    AppJson(body): AppJson<UpdateNodeRequest>,
) -> AppResult<Tagged<NodeResponse>> {
    let context = caller.context(request_id);
    Ok(Tagged(service::update_node(state.store.as_ref(), caller.tenancy(), &context, &id, body, &precondition).await?))
}

async fn delete_one<C: EnvironmentCaller>(
    State(state): State<AppState>,
    caller: C,
    IdParam(id): IdParam,
    request_id: RequestId,
    precondition: Precondition,
    AppQuery(query): AppQuery<DeleteNodeQuery>,
) -> AppResult<StatusCode> {
    let cascade = query.cascade.unwrap_or(false);
    service::delete_node(state.store.as_ref(), caller.tenancy(), &caller.context(request_id), &id, cascade, &precondition).await?;
    Ok(StatusCode::NO_CONTENT)
}
