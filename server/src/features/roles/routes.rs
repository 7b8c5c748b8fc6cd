//! Role endpoints (list and create for both callers; the rest for admins), and the resources,
//! permissions and their one-call set-up.

use app::dto::{
    CreateRoleRequest, ListQuery, Paginated, PermissionResponse, ResourceResponse, RoleResponse, SetRolePermissionsRequest,
    SetupResourcePermissionsRequest, SetupResourcePermissionsResponse, UpdateRoleRequest,
};
use axum::{Json, extract::State, http::StatusCode};
use serde::Deserialize;
use utoipa::IntoParams;

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
    ApiRoutes::new().get("/roles", list::<C>).post("/roles", create::<C>)
}

/// `/portal/v1/...`
pub fn portal_routes() -> ApiRoutes {
    let environment = environment_routes::<PortalCaller>()
        .get("/roles/{id}", get_one::<PortalCaller>)
        .patch("/roles/{id}", update::<PortalCaller>)
        .delete("/roles/{id}", delete_one::<PortalCaller>)
        .put("/roles/{id}/permissions", set_permissions::<PortalCaller>)
        .get("/resources", list_resources::<PortalCaller>)
        .get("/permissions", list_permissions::<PortalCaller>)
        .post("/setup/resource-permissions", setup_resource_permissions::<PortalCaller>);
    ApiRoutes::new().nest(ENVIRONMENT, environment)
}

/// `/api/v1/...`
pub fn management_routes() -> ApiRoutes {
    environment_routes::<ManagementAuth>()
}

async fn list<C: EnvironmentCaller>(State(state): State<AppState>, caller: C, AppQuery(query): AppQuery<ListQuery>) -> AppResult<Json<Paginated<RoleResponse>>> {
    Ok(Json(service::list_roles(state.store.as_ref(), caller.tenancy(), &query).await?))
}

async fn create<C: EnvironmentCaller>(
    State(state): State<AppState>,
    caller: C,
    request_id: RequestId,
    AppJson(body): AppJson<CreateRoleRequest>,
) -> AppResult<(StatusCode, Tagged<RoleResponse>)> {
    Ok((StatusCode::CREATED, Tagged(service::create_role(state.store.as_ref(), caller.tenancy(), &caller.context(request_id), body).await?)))
}

async fn get_one<C: EnvironmentCaller>(State(state): State<AppState>, caller: C, IdParam(id): IdParam) -> AppResult<Tagged<RoleResponse>> {
    Ok(Tagged(service::get_role(state.store.as_ref(), caller.tenancy(), &id).await?))
}

async fn update<C: EnvironmentCaller>(
    State(state): State<AppState>,
    caller: C,
    IdParam(id): IdParam,
    request_id: RequestId,
    precondition: Precondition,
    AppJson(body): AppJson<UpdateRoleRequest>,
) -> AppResult<Tagged<RoleResponse>> {
    let context = caller.context(request_id);
    Ok(Tagged(service::update_role(state.store.as_ref(), caller.tenancy(), &context, &id, body, &precondition).await?))
}

#[derive(Debug, Clone, Copy, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct RoleDeleteQuery {
    /// Also delete the assignments that use the role; without it a role in use is a 409.
    #[serde(default)]
    cascade: Option<bool>,
}

async fn delete_one<C: EnvironmentCaller>(
    State(state): State<AppState>,
    caller: C,
    IdParam(id): IdParam,
    request_id: RequestId,
    precondition: Precondition,
    AppQuery(query): AppQuery<RoleDeleteQuery>,
) -> AppResult<StatusCode> {
    let cascade = query.cascade.unwrap_or(false);
    service::delete_role(state.store.as_ref(), caller.tenancy(), &caller.context(request_id), &id, cascade, &precondition).await?;
    Ok(StatusCode::NO_CONTENT)
}

async fn set_permissions<C: EnvironmentCaller>(
    State(state): State<AppState>,
    caller: C,
    IdParam(id): IdParam,
    request_id: RequestId,
    precondition: Precondition,
    AppJson(body): AppJson<SetRolePermissionsRequest>,
) -> AppResult<Tagged<RoleResponse>> {
    let context = caller.context(request_id);
    Ok(Tagged(service::set_role_permissions(state.store.as_ref(), caller.tenancy(), &context, &id, body, &precondition).await?))
}

async fn list_resources<C: EnvironmentCaller>(State(state): State<AppState>, caller: C) -> AppResult<Json<Vec<ResourceResponse>>> {
    Ok(Json(service::list_resources(state.store.as_ref(), caller.tenancy()).await?))
}

async fn list_permissions<C: EnvironmentCaller>(State(state): State<AppState>, caller: C) -> AppResult<Json<Vec<PermissionResponse>>> {
    Ok(Json(service::list_permissions(state.store.as_ref(), caller.tenancy()).await?))
}

async fn setup_resource_permissions<C: EnvironmentCaller>(
    State(state): State<AppState>,
    caller: C,
    request_id: RequestId,
    AppJson(body): AppJson<SetupResourcePermissionsRequest>,
) -> AppResult<(StatusCode, Json<SetupResourcePermissionsResponse>)> {
    let result = service::setup_resource_permissions(state.store.as_ref(), caller.tenancy(), &caller.context(request_id), body).await?;
    Ok((StatusCode::CREATED, Json(result)))
}
