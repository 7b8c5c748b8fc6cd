//! Nodes, roles, resources, permissions and identities, for admins (`/portal/v1`) and, where
//! API.md lists them, management clients (`/api/v1`).

use app::dto::{
    BulkImportResponse, BulkQuery, CreateIdentityRequest, CreateNodeRequest, CreateRoleRequest, DeleteNodeQuery,
    IdentityListQuery, IdentityLookupRequest, IdentityLookupResponse, IdentityResponse, IdentityStatus, IdentitySummary, IdentityWithAssignments, ListQuery,
    NodeLookupRequest, NodeLookupResponse, NodeResponse, Paginated, PermissionResponse, RecordBulkImportRequest, ResourceResponse, RoleResponse,
    SetRolePermissionsRequest, SetupResourcePermissionsRequest, SetupResourcePermissionsResponse, Timestamp,
    UpdateIdentityRequest, UpdateNodeRequest, UpdateRoleRequest,
};
use axum::{
    Json,
    extract::{FromRequestParts, State},
    http::{StatusCode, request::Parts},
    response::{IntoResponse, Response},
};
use serde::Deserialize;
use utoipa::IntoParams;
use serde_json::Value;

use super::{
    assignments::{EnvironmentCaller, IdParam, PortalCaller, path_params},
    registry::ApiRoutes,
};
use crate::{
    auth::{AdminAuth, ManagementAuth},
    error::{AppError, AppResult},
    extract::{AppJson, AppQuery, RequestId},
    service::{
        assignments::BulkOptions,
        audit::{Actor, AuditContext},
        directory::{self, ApplicationScope},
        tenancy,
    },
    state::AppState,
};

/// Who is calling, for identities (which belong to an application, not an environment).
pub trait ApplicationCaller: FromRequestParts<AppState, Rejection = AppError> + Send + Sync + 'static {
    fn application(&self) -> &ApplicationScope;
    fn actor(&self) -> Actor;
}

pub struct PortalApplicationCaller {
    admin: AdminAuth,
    scope: ApplicationScope,
}

impl FromRequestParts<AppState> for PortalApplicationCaller {
    type Rejection = AppError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Self::Rejection> {
        let admin = AdminAuth::from_request_parts(parts, state).await?;
        let params = path_params(parts, state).await?;
        let slug = |name: &str| params.get(name).map(String::as_str).unwrap_or_default();
        let store = state.store.as_ref();
        let account = tenancy::account_for_admin(store, &admin, slug("account_slug")).await?;
        let application = store
            .application_by_slug(&account.id, slug("app_slug"))
            .await?
            .ok_or(AppError::NotFound { what: "application" })?;
        Ok(Self { admin, scope: ApplicationScope { account, application } })
    }
}

impl ApplicationCaller for PortalApplicationCaller {
    fn application(&self) -> &ApplicationScope {
        &self.scope
    }

    fn actor(&self) -> Actor {
        Actor::Admin(self.admin.admin_id.clone())
    }
}

/// A management client reaches the identities of its environment's application.
pub struct ManagementApplicationCaller {
    auth: ManagementAuth,
    scope: ApplicationScope,
}

impl FromRequestParts<AppState> for ManagementApplicationCaller {
    type Rejection = AppError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Self::Rejection> {
        let auth = ManagementAuth::from_request_parts(parts, state).await?;
        let scope = ApplicationScope::from(&auth.scope);
        Ok(Self { auth, scope })
    }
}

impl ApplicationCaller for ManagementApplicationCaller {
    fn application(&self) -> &ApplicationScope {
        &self.scope
    }

    fn actor(&self) -> Actor {
        self.auth.actor()
    }
}

fn context(actor: Actor, request_id: RequestId) -> AuditContext {
    AuditContext::new(actor, request_id.0, Timestamp::now().as_millis())
}

/// Environment-level routes shared by both callers (nodes and roles list/create).
fn environment_routes<C: EnvironmentCaller>() -> ApiRoutes {
    ApiRoutes::new()
        .get("/nodes", list_nodes::<C>)
        .post("/nodes", create_node::<C>)
        .post("/nodes/lookup", lookup_nodes::<C>)
        .get("/roles", list_roles::<C>)
        .post("/roles", create_role::<C>)
}

fn identity_routes<C: ApplicationCaller>() -> ApiRoutes {
    ApiRoutes::new()
        .get("/identities", list_identities::<C>)
        .post("/identities", create_identity::<C>)
        .post("/identities/lookup", lookup_identities::<C>)
        .get("/identities/{id}", get_identity::<C>)
        .patch("/identities/{id}", update_identity::<C>)
        .delete("/identities/{id}", delete_identity::<C>)
}

pub fn portal_routes() -> ApiRoutes {
    let environment = environment_routes::<PortalCaller>()
        .get("/nodes/{id}", get_node::<PortalCaller>)
        .patch("/nodes/{id}", update_node::<PortalCaller>)
        .delete("/nodes/{id}", delete_node::<PortalCaller>)
        .get("/roles/{id}", get_role::<PortalCaller>)
        .patch("/roles/{id}", update_role::<PortalCaller>)
        .delete("/roles/{id}", delete_role::<PortalCaller>)
        .put("/roles/{id}/permissions", set_role_permissions::<PortalCaller>)
        .get("/resources", list_resources::<PortalCaller>)
        .get("/permissions", list_permissions::<PortalCaller>)
        .post("/setup/resource-permissions", setup_resource_permissions::<PortalCaller>);
    let application = identity_routes::<PortalApplicationCaller>()
        .get("/identities/with-assignments", identities_with_assignments)
        .get("/identities/summary", identity_summary)
        .post("/identities/bulk-create", bulk_create_identities::<PortalApplicationCaller>)
        .post("/identities/bulk-imports", record_bulk_import)
        .get("/identities/{id}/detail", identity_detail)
        .post("/identities/{id}/activate", activate)
        .post("/identities/{id}/deactivate", deactivate);
    ApiRoutes::new()
        .nest("/accounts/{account_slug}/applications/{app_slug}/environments/{env_slug}", environment)
        .nest("/accounts/{account_slug}/applications/{app_slug}", application)
}

pub fn management_routes() -> ApiRoutes {
    environment_routes::<ManagementAuth>().merge(identity_routes::<ManagementApplicationCaller>())
}

// --- Nodes ---------------------------------------------------------------------------------------

async fn lookup_nodes<C: EnvironmentCaller>(
    State(state): State<AppState>,
    caller: C,
    AppJson(body): AppJson<NodeLookupRequest>,
) -> AppResult<Json<NodeLookupResponse>> {
    Ok(Json(directory::lookup_nodes(state.store.as_ref(), caller.scope(), &body).await?))
}

async fn list_nodes<C: EnvironmentCaller>(State(state): State<AppState>, caller: C, AppQuery(query): AppQuery<ListQuery>) -> AppResult<Json<Paginated<NodeResponse>>> {
    Ok(Json(directory::list_nodes(state.store.as_ref(), caller.scope(), &query).await?))
}

async fn create_node<C: EnvironmentCaller>(
    State(state): State<AppState>,
    caller: C,
    request_id: RequestId,
    AppJson(body): AppJson<CreateNodeRequest>,
) -> AppResult<(StatusCode, Json<NodeResponse>)> {
    let context = context(caller.actor(), request_id);
    Ok((StatusCode::CREATED, Json(directory::create_node(state.store.as_ref(), caller.scope(), &context, body).await?)))
}

async fn get_node<C: EnvironmentCaller>(State(state): State<AppState>, caller: C, IdParam(id): IdParam) -> AppResult<Json<NodeResponse>> {
    Ok(Json(directory::node_response(&directory::get_node(state.store.as_ref(), caller.scope(), &id).await?)))
}

async fn update_node<C: EnvironmentCaller>(
    State(state): State<AppState>,
    caller: C,
    IdParam(id): IdParam,
    request_id: RequestId,
    AppJson(body): AppJson<UpdateNodeRequest>,
) -> AppResult<Json<NodeResponse>> {
    let context = context(caller.actor(), request_id);
    Ok(Json(directory::update_node(state.store.as_ref(), caller.scope(), &context, &id, body).await?))
}

async fn delete_node<C: EnvironmentCaller>(
    State(state): State<AppState>,
    caller: C,
    IdParam(id): IdParam,
    request_id: RequestId,
    AppQuery(query): AppQuery<DeleteNodeQuery>,
) -> AppResult<StatusCode> {
    let context = context(caller.actor(), request_id);
    directory::delete_node(state.store.as_ref(), caller.scope(), &context, &id, query.cascade.unwrap_or(false)).await?;
    Ok(StatusCode::NO_CONTENT)
}

// --- Roles, resources, permissions ---------------------------------------------------------------

async fn list_roles<C: EnvironmentCaller>(State(state): State<AppState>, caller: C, AppQuery(query): AppQuery<ListQuery>) -> AppResult<Json<Paginated<RoleResponse>>> {
    Ok(Json(directory::list_roles(state.store.as_ref(), caller.scope(), &query).await?))
}

async fn create_role<C: EnvironmentCaller>(
    State(state): State<AppState>,
    caller: C,
    request_id: RequestId,
    AppJson(body): AppJson<CreateRoleRequest>,
) -> AppResult<(StatusCode, Json<RoleResponse>)> {
    let context = context(caller.actor(), request_id);
    Ok((StatusCode::CREATED, Json(directory::create_role(state.store.as_ref(), caller.scope(), &context, body).await?)))
}

async fn get_role<C: EnvironmentCaller>(State(state): State<AppState>, caller: C, IdParam(id): IdParam) -> AppResult<Json<RoleResponse>> {
    Ok(Json(directory::get_role(state.store.as_ref(), caller.scope(), &id).await?))
}

async fn update_role<C: EnvironmentCaller>(
    State(state): State<AppState>,
    caller: C,
    IdParam(id): IdParam,
    request_id: RequestId,
    AppJson(body): AppJson<UpdateRoleRequest>,
) -> AppResult<Json<RoleResponse>> {
    let context = context(caller.actor(), request_id);
    Ok(Json(directory::update_role(state.store.as_ref(), caller.scope(), &context, &id, body).await?))
}

#[derive(Debug, Clone, Copy, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct RoleDeleteQuery {
    /// Also delete the assignments that use the role; without it a role in use is a 409.
    #[serde(default)]
    cascade: Option<bool>,
}

async fn delete_role<C: EnvironmentCaller>(
    State(state): State<AppState>,
    caller: C,
    IdParam(id): IdParam,
    request_id: RequestId,
    AppQuery(query): AppQuery<RoleDeleteQuery>,
) -> AppResult<StatusCode> {
    let context = context(caller.actor(), request_id);
    directory::delete_role(state.store.as_ref(), caller.scope(), &context, &id, query.cascade.unwrap_or(false)).await?;
    Ok(StatusCode::NO_CONTENT)
}

async fn set_role_permissions<C: EnvironmentCaller>(
    State(state): State<AppState>,
    caller: C,
    IdParam(id): IdParam,
    request_id: RequestId,
    AppJson(body): AppJson<SetRolePermissionsRequest>,
) -> AppResult<Json<RoleResponse>> {
    let context = context(caller.actor(), request_id);
    Ok(Json(directory::set_role_permissions(state.store.as_ref(), caller.scope(), &context, &id, body).await?))
}

async fn list_resources<C: EnvironmentCaller>(State(state): State<AppState>, caller: C) -> AppResult<Json<Vec<ResourceResponse>>> {
    Ok(Json(directory::list_resources(state.store.as_ref(), caller.scope()).await?))
}

async fn list_permissions<C: EnvironmentCaller>(State(state): State<AppState>, caller: C) -> AppResult<Json<Vec<PermissionResponse>>> {
    Ok(Json(directory::list_permissions(state.store.as_ref(), caller.scope()).await?))
}

async fn setup_resource_permissions<C: EnvironmentCaller>(
    State(state): State<AppState>,
    caller: C,
    request_id: RequestId,
    AppJson(body): AppJson<SetupResourcePermissionsRequest>,
) -> AppResult<(StatusCode, Json<SetupResourcePermissionsResponse>)> {
    let context = context(caller.actor(), request_id);
    let result = directory::setup_resource_permissions(state.store.as_ref(), caller.scope(), &context, body).await?;
    Ok((StatusCode::CREATED, Json(result)))
}

// --- Identities ----------------------------------------------------------------------------------

async fn list_identities<C: ApplicationCaller>(
    State(state): State<AppState>,
    caller: C,
    AppQuery(query): AppQuery<IdentityListQuery>,
) -> AppResult<Json<Paginated<IdentityResponse>>> {
    Ok(Json(directory::list_identities(state.store.as_ref(), caller.application(), &query).await?))
}

async fn lookup_identities<C: ApplicationCaller>(
    State(state): State<AppState>,
    caller: C,
    AppJson(body): AppJson<IdentityLookupRequest>,
) -> AppResult<Json<IdentityLookupResponse>> {
    Ok(Json(directory::lookup_identities(state.store.as_ref(), caller.application(), &body).await?))
}

async fn create_identity<C: ApplicationCaller>(
    State(state): State<AppState>,
    caller: C,
    request_id: RequestId,
    AppJson(body): AppJson<CreateIdentityRequest>,
) -> AppResult<(StatusCode, Json<IdentityResponse>)> {
    let context = context(caller.actor(), request_id);
    Ok((StatusCode::CREATED, Json(directory::create_identity(state.store.as_ref(), caller.application(), &context, body).await?)))
}

async fn get_identity<C: ApplicationCaller>(State(state): State<AppState>, caller: C, IdParam(id): IdParam) -> AppResult<Json<IdentityResponse>> {
    let identity = directory::find_identity(state.store.as_ref(), caller.application(), &id).await?;
    Ok(Json(directory::identity_response(&identity)))
}

async fn update_identity<C: ApplicationCaller>(
    State(state): State<AppState>,
    caller: C,
    IdParam(id): IdParam,
    request_id: RequestId,
    AppJson(body): AppJson<UpdateIdentityRequest>,
) -> AppResult<Json<IdentityResponse>> {
    let context = context(caller.actor(), request_id);
    Ok(Json(directory::update_identity(state.store.as_ref(), caller.application(), &context, &id, body).await?))
}

async fn delete_identity<C: ApplicationCaller>(
    State(state): State<AppState>,
    caller: C,
    IdParam(id): IdParam,
    request_id: RequestId,
) -> AppResult<StatusCode> {
    let context = context(caller.actor(), request_id);
    directory::delete_identity(state.store.as_ref(), caller.application(), &context, &id).await?;
    Ok(StatusCode::NO_CONTENT)
}

async fn identities_with_assignments(
    State(state): State<AppState>,
    caller: PortalApplicationCaller,
    AppQuery(query): AppQuery<IdentityListQuery>,
) -> AppResult<Json<Paginated<IdentityWithAssignments>>> {
    Ok(Json(directory::identities_with_assignments(state.store.as_ref(), caller.application(), &query).await?))
}

async fn identity_summary(State(state): State<AppState>, caller: PortalApplicationCaller) -> AppResult<Json<IdentitySummary>> {
    Ok(Json(directory::identity_summary(state.store.as_ref(), caller.application()).await?))
}

async fn identity_detail(State(state): State<AppState>, caller: PortalApplicationCaller, IdParam(id): IdParam) -> AppResult<Json<IdentityWithAssignments>> {
    Ok(Json(directory::identity_detail(state.store.as_ref(), caller.application(), &id).await?))
}

async fn activate(State(state): State<AppState>, caller: PortalApplicationCaller, IdParam(id): IdParam, request_id: RequestId) -> AppResult<Json<IdentityResponse>> {
    let context = context(caller.actor(), request_id);
    Ok(Json(directory::set_identity_status(state.store.as_ref(), caller.application(), &context, &id, IdentityStatus::Active).await?))
}

async fn deactivate(State(state): State<AppState>, caller: PortalApplicationCaller, IdParam(id): IdParam, request_id: RequestId) -> AppResult<Json<IdentityResponse>> {
    let context = context(caller.actor(), request_id);
    Ok(Json(directory::set_identity_status(state.store.as_ref(), caller.application(), &context, &id, IdentityStatus::Inactive).await?))
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawBulkIdentities {
    identities: Vec<Value>,
}

async fn bulk_create_identities<C: ApplicationCaller>(
    State(state): State<AppState>,
    caller: C,
    request_id: RequestId,
    AppQuery(query): AppQuery<BulkQuery>,
    AppJson(body): AppJson<RawBulkIdentities>,
) -> AppResult<Response> {
    let context = context(caller.actor(), request_id);
    let options = BulkOptions { mode: query.mode.unwrap_or_default(), dry_run: query.dry_run.unwrap_or(false) };
    let store = state.store.as_ref();
    let (status, body, batch) = directory::plan_bulk_create_identities(store, caller.application(), &context, body.identities, options).await?;
    if !batch.identities.is_empty() {
        store.insert_batch(&batch).await?;
    }
    Ok((status, Json(body)).into_response())
}

async fn record_bulk_import(
    State(state): State<AppState>,
    caller: PortalApplicationCaller,
    request_id: RequestId,
    AppJson(body): AppJson<RecordBulkImportRequest>,
) -> AppResult<(StatusCode, Json<BulkImportResponse>)> {
    let context = context(caller.actor(), request_id);
    let admin_id = caller.admin.admin_id.clone();
    let recorded = directory::record_bulk_import(state.store.as_ref(), caller.application(), &context, Some(&admin_id), body).await?;
    Ok((StatusCode::CREATED, Json(recorded)))
}
