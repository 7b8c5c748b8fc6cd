//! Identity endpoints: the common ones for admins (`/portal/v1/.../applications/{app}`) and
//! management clients (`/api/v1`, the key's application), and the portal's own views and
//! actions.

use app::dto::{
    BulkImportResponse, BulkQuery, CreateIdentityRequest, IdentityListQuery, IdentityLookupRequest, IdentityLookupResponse,
    IdentityResponse, IdentityStatus, IdentitySummary, IdentityWithAssignments, Paginated, RecordBulkImportRequest,
    UpdateIdentityRequest,
};
use axum::{Json, extract::State, http::StatusCode};
use serde_json::Value;

use super::{export, service};
use crate::{
    state::AppState,
    web::{
        callers::{ApplicationCaller, Caller, ManagementApplicationCaller, PortalApplicationCaller},
        conditional::{Precondition, Tagged},
        error::AppResult,
        extract::{AppJson, AppQuery, IdParam, RequestId},
        idempotency::{Idempotency, IdempotencyKey, Reply},
        registry::{APPLICATION, ApiRoutes},
    },
};

fn application_routes<C: ApplicationCaller>() -> ApiRoutes {
    ApiRoutes::new()
        .get("/identities", list::<C>)
        .get("/identities/export", export::export::<C>)
        .post("/identities", create::<C>)
        .post("/identities/lookup", lookup::<C>)
        .get("/identities/{id}", get_one::<C>)
        .patch("/identities/{id}", update::<C>)
        .delete("/identities/{id}", delete_one::<C>)
}

/// `/portal/v1/...`
pub fn portal_routes() -> ApiRoutes {
    let application = application_routes::<PortalApplicationCaller>()
        .get("/identities/with-assignments", with_assignments)
        .get("/identities/summary", summary)
        .post("/identities/bulk-create", bulk_create::<PortalApplicationCaller>)
        .post("/identities/bulk-imports", record_bulk_import)
        .get("/identities/{id}/detail", detail)
        .post("/identities/{id}/activate", activate)
        .post("/identities/{id}/deactivate", deactivate);
    ApiRoutes::new().nest(APPLICATION, application)
}

/// `/api/v1/...`
pub fn management_routes() -> ApiRoutes {
    application_routes::<ManagementApplicationCaller>()
}

async fn list<C: ApplicationCaller>(
    State(state): State<AppState>,
    caller: C,
    AppQuery(query): AppQuery<IdentityListQuery>,
) -> AppResult<Json<Paginated<IdentityResponse>>> {
    Ok(Json(service::list_identities(state.store.as_ref(), caller.application(), &query).await?))
}

async fn lookup<C: ApplicationCaller>(
    State(state): State<AppState>,
    caller: C,
    AppJson(body): AppJson<IdentityLookupRequest>,
) -> AppResult<Json<IdentityLookupResponse>> {
    Ok(Json(service::lookup_identities(state.store.as_ref(), caller.application(), &body).await?))
}

async fn create<C: ApplicationCaller>(
    State(state): State<AppState>,
    caller: C,
    request_id: RequestId,
    AppJson(body): AppJson<CreateIdentityRequest>,
) -> AppResult<(StatusCode, Tagged<IdentityResponse>)> {
    let created = service::create_identity(state.store.as_ref(), caller.application(), &caller.context(request_id), body).await?;
    Ok((StatusCode::CREATED, Tagged(created)))
}

async fn get_one<C: ApplicationCaller>(State(state): State<AppState>, caller: C, IdParam(id): IdParam) -> AppResult<Tagged<IdentityResponse>> {
    let identity = service::find_identity(state.store.as_ref(), caller.application(), &id).await?;
    Ok(Tagged(service::identity_response(&identity)))
}

async fn update<C: ApplicationCaller>(
    State(state): State<AppState>,
    caller: C,
    IdParam(id): IdParam,
    request_id: RequestId,
    precondition: Precondition,
    AppJson(body): AppJson<UpdateIdentityRequest>,
) -> AppResult<Tagged<IdentityResponse>> {
    let context = caller.context(request_id);
    Ok(Tagged(service::update_identity(state.store.as_ref(), caller.application(), &context, &id, body, &precondition).await?))
}

async fn delete_one<C: ApplicationCaller>(
    State(state): State<AppState>,
    caller: C,
    IdParam(id): IdParam,
    request_id: RequestId,
    precondition: Precondition,
) -> AppResult<StatusCode> {
    service::delete_identity(state.store.as_ref(), caller.application(), &caller.context(request_id), &id, &precondition).await?;
    Ok(StatusCode::NO_CONTENT)
}

async fn with_assignments(
    State(state): State<AppState>,
    caller: PortalApplicationCaller,
    AppQuery(query): AppQuery<IdentityListQuery>,
) -> AppResult<Json<Paginated<IdentityWithAssignments>>> {
    Ok(Json(service::identities_with_assignments(state.store.as_ref(), caller.application(), &query).await?))
}

async fn summary(State(state): State<AppState>, caller: PortalApplicationCaller) -> AppResult<Json<IdentitySummary>> {
    Ok(Json(service::identity_summary(state.store.as_ref(), caller.application()).await?))
}

async fn detail(State(state): State<AppState>, caller: PortalApplicationCaller, IdParam(id): IdParam) -> AppResult<Json<IdentityWithAssignments>> {
    Ok(Json(service::identity_detail(state.store.as_ref(), caller.application(), &id).await?))
}

async fn activate(caller: PortalApplicationCaller, state: State<AppState>, id: IdParam, request_id: RequestId, precondition: Precondition) -> AppResult<Tagged<IdentityResponse>> {
    set_status(caller, state, id, request_id, precondition, IdentityStatus::Active).await
}

async fn deactivate(caller: PortalApplicationCaller, state: State<AppState>, id: IdParam, request_id: RequestId, precondition: Precondition) -> AppResult<Tagged<IdentityResponse>> {
    set_status(caller, state, id, request_id, precondition, IdentityStatus::Inactive).await
}

async fn set_status(
    caller: PortalApplicationCaller,
    State(state): State<AppState>,
    IdParam(id): IdParam,
    request_id: RequestId,
    precondition: Precondition,
    status: IdentityStatus,
) -> AppResult<Tagged<IdentityResponse>> {
    let context = caller.context(request_id);
    Ok(Tagged(service::set_identity_status(state.store.as_ref(), caller.application(), &context, &id, status, &precondition).await?))
}

/// `identities/bulk-create`'s body as the handler reads it: items stay raw JSON so each is
/// validated (and reported) on its own; documented as items of `CreateIdentityRequest`.
#[derive(Debug, serde::Deserialize, serde::Serialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct BulkCreateIdentitiesBody {
    /// Each item is read as a `CreateIdentityRequest`; one that is not is that item's 422.
    #[schema(value_type = Vec<CreateIdentityRequest>, min_items = 1)]
    identities: Vec<Value>,
}

async fn bulk_create<C: ApplicationCaller>(
    State(state): State<AppState>,
    caller: C,
    request_id: RequestId,
    key: IdempotencyKey,
    AppQuery(query): AppQuery<BulkQuery>,
    AppJson(body): AppJson<BulkCreateIdentitiesBody>,
) -> AppResult<Reply> {
    let context = caller.context(request_id);
    let idempotency = Idempotency::new(key, &caller.actor(), &caller.application().application.id, "identities.bulk-create", &query, &body)?;
    service::bulk_create(state.store.as_ref(), caller.application(), &context, &idempotency, &body.identities, query.into()).await
}

async fn record_bulk_import(
    State(state): State<AppState>,
    caller: PortalApplicationCaller,
    request_id: RequestId,
    AppJson(body): AppJson<RecordBulkImportRequest>,
) -> AppResult<(StatusCode, Json<BulkImportResponse>)> {
    let context = caller.context(request_id);
    let admin_id = caller.admin.admin_id.clone();
    let recorded = service::record_bulk_import(state.store.as_ref(), caller.application(), &context, Some(&admin_id), body).await?;
    Ok((StatusCode::CREATED, Json(recorded)))
}
