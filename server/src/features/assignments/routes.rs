//! Assignment endpoints, once for both callers: admins under
//! `/portal/v1/accounts/{account}/applications/{app}/environments/{env}` and management clients
//! under `/api/v1` (environment from the key). Handlers are generic over [`EnvironmentCaller`];
//! only the list's path differs (`assignments/app-wide` vs `assignments`).

use app::dto::{
    AssignmentListQuery, AssignmentPage, AssignmentResponse, AssignmentSummary, BulkChangeRoleRequest, BulkQuery,
    BulkRemoveAssignmentsRequest, CreateAssignmentRequest, IdentityAssignmentsQuery, Paginated, UpdateAssignmentRequest,
};
use axum::{Json, extract::State, http::StatusCode};

use super::{
    export,
    service::{self, BulkCreateAssignmentsBody, ListTarget},
};
use crate::{
    auth::ManagementAuth,
    state::AppState,
    web::{
        callers::{ApplicationCaller, EnvironmentCaller, PortalApplicationCaller, PortalCaller},
        conditional::{Precondition, Tagged},
        error::AppResult,
        extract::{AppJson, AppQuery, IdParam, RequestId},
        idempotency::{Idempotency, IdempotencyKey, Reply},
        registry::ApiRoutes,
        revision::Wanted,
    },
};

/// Routes under an environment, for either caller.
fn environment_routes<C: EnvironmentCaller>() -> ApiRoutes {
    ApiRoutes::new()
        .post("/assignments", create::<C>)
        .post("/assignments/bulk-create", bulk_create::<C>)
        .post("/assignments/bulk-remove", bulk_remove::<C>)
        .post("/assignments/bulk-change-role", bulk_change_role::<C>)
        .get("/assignments/{id}", get_one::<C>)
        .patch("/assignments/{id}", update::<C>)
        .delete("/assignments/{id}", delete_one::<C>)
        .get("/nodes/{id}/assignments", node_assignments::<C>)
        .get("/nodes/{id}/assignments/export", export::node::<C>)
}

/// `/portal/v1/...`
pub fn portal_routes() -> ApiRoutes {
    let environment = environment_routes::<PortalCaller>()
        .get("/assignments/app-wide", list::<PortalCaller>)
        .get("/assignments/app-wide/summary", summary::<PortalCaller>)
        .get("/assignments/app-wide/export", export::environment::<PortalCaller>);
    ApiRoutes::new()
        .nest("/accounts/{account_slug}/applications/{app_slug}/environments/{env_slug}", environment)
        .get("/accounts/{account_slug}/applications/{app_slug}/identities/{id}/assignments", identity_assignments)
}

/// `/api/v1/...`
pub fn management_routes() -> ApiRoutes {
    environment_routes::<ManagementAuth>()
        .get("/assignments", list::<ManagementAuth>)
        .get("/assignments/export", export::environment::<ManagementAuth>)
}

async fn list<C: EnvironmentCaller>(
    State(state): State<AppState>,
    caller: C,
    wanted: Wanted,
    AppQuery(query): AppQuery<AssignmentListQuery>,
) -> AppResult<Json<AssignmentPage>> {
    Ok(Json(service::list(state.store.as_ref(), &state.index, caller.tenancy(), &query, ListTarget::Environment, wanted.revision()).await?))
}

async fn summary<C: EnvironmentCaller>(State(state): State<AppState>, caller: C) -> AppResult<Json<AssignmentSummary>> {
    Ok(Json(service::summary(state.store.as_ref(), caller.tenancy()).await?))
}

async fn node_assignments<C: EnvironmentCaller>(
    State(state): State<AppState>,
    caller: C,
    IdParam(node_id): IdParam,
    wanted: Wanted,
    AppQuery(query): AppQuery<AssignmentListQuery>,
) -> AppResult<Json<AssignmentPage>> {
    Ok(Json(service::list(state.store.as_ref(), &state.index, caller.tenancy(), &query, ListTarget::Node(node_id), wanted.revision()).await?))
}

async fn identity_assignments(
    State(state): State<AppState>,
    caller: PortalApplicationCaller,
    IdParam(identity_id): IdParam,
    AppQuery(query): AppQuery<IdentityAssignmentsQuery>,
) -> AppResult<Json<Paginated<AssignmentResponse>>> {
    Ok(Json(service::for_identity(state.store.as_ref(), caller.application(), &identity_id, &query).await?))
}

async fn create<C: EnvironmentCaller>(
    State(state): State<AppState>,
    caller: C,
    request_id: RequestId,
    AppJson(body): AppJson<CreateAssignmentRequest>,
) -> AppResult<(StatusCode, Tagged<AssignmentResponse>)> {
    let created = service::create(state.store.as_ref(), caller.tenancy(), &caller.context(request_id), body).await?;
    Ok((StatusCode::CREATED, Tagged(created)))
}

async fn get_one<C: EnvironmentCaller>(
    State(state): State<AppState>,
    caller: C,
    IdParam(id): IdParam,
) -> AppResult<Tagged<AssignmentResponse>> {
    Ok(Tagged(service::get(state.store.as_ref(), caller.tenancy(), &id).await?))
}

async fn update<C: EnvironmentCaller>(
    State(state): State<AppState>,
    caller: C,
    IdParam(id): IdParam,
    request_id: RequestId,
    precondition: Precondition,
    AppJson(body): AppJson<UpdateAssignmentRequest>,
) -> AppResult<Tagged<AssignmentResponse>> {
    let context = caller.context(request_id);
    Ok(Tagged(service::update(state.store.as_ref(), caller.tenancy(), &context, &id, body, &precondition).await?))
}

async fn delete_one<C: EnvironmentCaller>(
    State(state): State<AppState>,
    caller: C,
    IdParam(id): IdParam,
    request_id: RequestId,
    precondition: Precondition,
) -> AppResult<StatusCode> {
    service::delete(state.store.as_ref(), caller.tenancy(), &caller.context(request_id), &id, &precondition).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// The key's uniqueness tenancy and the request's fingerprint, for `endpoint`.
fn idempotency<C: EnvironmentCaller>(
    caller: &C,
    key: IdempotencyKey,
    endpoint: &str,
    query: &BulkQuery,
    body: &impl serde::Serialize,
) -> AppResult<Idempotency> {
    Idempotency::new(key, &caller.actor(), &caller.tenancy().environment.id, endpoint, query, body)
}

async fn bulk_create<C: EnvironmentCaller>(
    State(state): State<AppState>,
    caller: C,
    request_id: RequestId,
    key: IdempotencyKey,
    AppQuery(query): AppQuery<BulkQuery>,
    AppJson(body): AppJson<BulkCreateAssignmentsBody>,
) -> AppResult<Reply> {
    let idempotency = idempotency(&caller, key, "assignments.bulk-create", &query, &body)?;
    let context = caller.context(request_id);
    service::bulk_create(state.store.as_ref(), caller.tenancy(), &context, &idempotency, &body.assignments, query.into()).await
}

async fn bulk_remove<C: EnvironmentCaller>(
    State(state): State<AppState>,
    caller: C,
    request_id: RequestId,
    key: IdempotencyKey,
    AppQuery(query): AppQuery<BulkQuery>,
    AppJson(body): AppJson<BulkRemoveAssignmentsRequest>,
) -> AppResult<Reply> {
    let idempotency = idempotency(&caller, key, "assignments.bulk-remove", &query, &body)?;
    let context = caller.context(request_id);
    service::bulk_remove(state.store.as_ref(), caller.tenancy(), &context, &idempotency, &body.ids, query.into()).await
}

async fn bulk_change_role<C: EnvironmentCaller>(
    State(state): State<AppState>,
    caller: C,
    request_id: RequestId,
    key: IdempotencyKey,
    AppQuery(query): AppQuery<BulkQuery>,
    AppJson(body): AppJson<BulkChangeRoleRequest>,
) -> AppResult<Reply> {
    let idempotency = idempotency(&caller, key, "assignments.bulk-change-role", &query, &body)?;
    let context = caller.context(request_id);
    service::bulk_change_role(state.store.as_ref(), caller.tenancy(), &context, &idempotency, &body, query.into()).await
}
