//! Assignment endpoints, once for both callers: admins under
//! `/portal/v1/accounts/{account}/applications/{app}/environments/{env}` and management clients
//! under `/api/v1` (environment from the key). Handlers are generic over [`EnvironmentCaller`];
//! only the list's path differs (`assignments/app-wide` vs `assignments`).

use std::collections::HashMap;

use app::dto::{
    AssignmentListQuery, AssignmentPage, AssignmentResponse, AssignmentSummary, BulkChangeRoleRequest, BulkQuery,
    BulkRemoveAssignmentsRequest, CreateAssignmentRequest, IdentityAssignmentsQuery, Paginated, Timestamp,
    UpdateAssignmentRequest,
};
use axum::{
    Json,
    extract::{FromRequestParts, Path, State},
    http::{HeaderMap, HeaderValue, StatusCode, header, request::Parts},
    response::{IntoResponse, Response},
};
use serde::Deserialize;
use serde_json::Value;
use sha2::{Digest, Sha256};

use super::registry::ApiRoutes;
use crate::{
    auth::{AdminAuth, ManagementAuth},
    error::{AppError, AppResult},
    extract::{AppJson, AppQuery, RequestId},
    ids::new_id,
    service::{
        assignments::{self, BulkOptions, BulkPlan, ListTarget, StoredDuplicates},
        audit::{Actor, AuditContext},
        tenancy::{self, EnvironmentScope},
    },
    state::AppState,
    store::{IDEMPOTENCY_TTL_MS, IdempotencyRecord, StoreError},
};

/// Who is calling, and in which environment.
pub trait EnvironmentCaller: FromRequestParts<AppState, Rejection = AppError> + Send + Sync + 'static {
    fn scope(&self) -> &EnvironmentScope;
    fn actor(&self) -> Actor;
}

/// An admin in an environment named by the path's slugs (404 outside its accounts).
pub struct PortalCaller {
    admin: AdminAuth,
    scope: EnvironmentScope,
}

impl FromRequestParts<AppState> for PortalCaller {
    type Rejection = AppError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Self::Rejection> {
        let admin = AdminAuth::from_request_parts(parts, state).await?;
        let params = path_params(parts, state).await?;
        let slug = |name: &str| params.get(name).map(String::as_str).unwrap_or_default();
        let scope = tenancy::environment_for_admin(
            state.store.as_ref(),
            &admin,
            slug("account_slug"),
            slug("app_slug"),
            slug("env_slug"),
        )
        .await?;
        Ok(PortalCaller { admin, scope })
    }
}

impl EnvironmentCaller for PortalCaller {
    fn scope(&self) -> &EnvironmentScope {
        &self.scope
    }

    fn actor(&self) -> Actor {
        Actor::Admin(self.admin.admin_id.clone())
    }
}

impl EnvironmentCaller for ManagementAuth {
    fn scope(&self) -> &EnvironmentScope {
        &self.scope
    }

    fn actor(&self) -> Actor {
        ManagementAuth::actor(self)
    }
}

pub(crate) async fn path_params(parts: &mut Parts, state: &AppState) -> AppResult<HashMap<String, String>> {
    let Path(params) = Path::<HashMap<String, String>>::from_request_parts(parts, state)
        .await
        .map_err(|_| AppError::bad_request("invalid_path", "The path is invalid."))?;
    Ok(params)
}

/// The `{id}` segment of the path.
pub struct IdParam(pub String);

impl FromRequestParts<AppState> for IdParam {
    type Rejection = AppError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Self::Rejection> {
        let mut params = path_params(parts, state).await?;
        params.remove("id").map(IdParam).ok_or_else(|| AppError::bad_request("invalid_path", "The path has no id."))
    }
}

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
}

/// `/portal/v1/...`
pub fn portal_routes() -> ApiRoutes {
    let environment = environment_routes::<PortalCaller>()
        .get("/assignments/app-wide", list::<PortalCaller>)
        .get("/assignments/app-wide/summary", summary::<PortalCaller>);
    ApiRoutes::new()
        .nest("/accounts/{account_slug}/applications/{app_slug}/environments/{env_slug}", environment)
        .get("/accounts/{account_slug}/applications/{app_slug}/identities/{id}/assignments", identity_assignments)
}

/// `/api/v1/...`
pub fn management_routes() -> ApiRoutes {
    environment_routes::<ManagementAuth>().get("/assignments", list::<ManagementAuth>)
}

fn context<C: EnvironmentCaller>(caller: &C, request_id: RequestId) -> AuditContext {
    AuditContext::new(caller.actor(), request_id.0, Timestamp::now().as_millis())
}

async fn list<C: EnvironmentCaller>(
    State(state): State<AppState>,
    caller: C,
    AppQuery(query): AppQuery<AssignmentListQuery>,
) -> AppResult<Json<AssignmentPage>> {
    Ok(Json(assignments::list(state.store.as_ref(), &state.index, caller.scope(), &query, ListTarget::Environment).await?))
}

async fn summary<C: EnvironmentCaller>(State(state): State<AppState>, caller: C) -> AppResult<Json<AssignmentSummary>> {
    Ok(Json(assignments::summary(state.store.as_ref(), caller.scope()).await?))
}

async fn node_assignments<C: EnvironmentCaller>(
    State(state): State<AppState>,
    caller: C,
    IdParam(node_id): IdParam,
    AppQuery(query): AppQuery<AssignmentListQuery>,
) -> AppResult<Json<AssignmentPage>> {
    let store = state.store.as_ref();
    let node = assignments::node_in(store, caller.scope(), &node_id).await?;
    Ok(Json(assignments::list(store, &state.index, caller.scope(), &query, ListTarget::Node(node)).await?))
}

async fn identity_assignments(
    State(state): State<AppState>,
    admin: AdminAuth,
    Path((account_slug, app_slug, identity_id)): Path<(String, String, String)>,
    AppQuery(query): AppQuery<IdentityAssignmentsQuery>,
) -> AppResult<Json<Paginated<AssignmentResponse>>> {
    let store = state.store.as_ref();
    let application = tenancy::application_for_admin(store, &admin, &account_slug, &app_slug).await?;
    Ok(Json(assignments::for_identity(store, &application, &identity_id, &query).await?))
}

async fn create<C: EnvironmentCaller>(
    State(state): State<AppState>,
    caller: C,
    request_id: RequestId,
    AppJson(body): AppJson<CreateAssignmentRequest>,
) -> AppResult<(StatusCode, Json<AssignmentResponse>)> {
    let context = context(&caller, request_id);
    let created = assignments::create(state.store.as_ref(), caller.scope(), &context, body).await?;
    Ok((StatusCode::CREATED, Json(created)))
}

async fn get_one<C: EnvironmentCaller>(
    State(state): State<AppState>,
    caller: C,
    IdParam(id): IdParam,
) -> AppResult<Json<AssignmentResponse>> {
    Ok(Json(assignments::get(state.store.as_ref(), caller.scope(), &id).await?))
}

async fn update<C: EnvironmentCaller>(
    State(state): State<AppState>,
    caller: C,
    IdParam(id): IdParam,
    request_id: RequestId,
    AppJson(body): AppJson<UpdateAssignmentRequest>,
) -> AppResult<Json<AssignmentResponse>> {
    let context = context(&caller, request_id);
    Ok(Json(assignments::update(state.store.as_ref(), caller.scope(), &context, &id, body).await?))
}

async fn delete_one<C: EnvironmentCaller>(
    State(state): State<AppState>,
    caller: C,
    IdParam(id): IdParam,
    request_id: RequestId,
) -> AppResult<StatusCode> {
    let context = context(&caller, request_id);
    assignments::delete(state.store.as_ref(), caller.scope(), &context, &id).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// `bulk-create`'s body: items stay raw JSON so each is validated (and reported) on its own.
#[derive(Debug, Deserialize, serde::Serialize)]
#[serde(deny_unknown_fields)]
struct RawBulkCreate {
    assignments: Vec<Value>,
}

async fn bulk_create<C: EnvironmentCaller>(
    State(state): State<AppState>,
    caller: C,
    request_id: RequestId,
    headers: HeaderMap,
    AppQuery(query): AppQuery<BulkQuery>,
    AppJson(body): AppJson<RawBulkCreate>,
) -> AppResult<Response> {
    let context = context(&caller, request_id);
    let options = options(query);
    let hash = request_hash("bulk-create", &query, &body)?;
    let (store, scope, context, items) = (state.store.as_ref(), caller.scope(), &context, &body.assignments);
    idempotent(&state, &caller, "assignments.bulk-create", &headers, hash, options, |duplicates| {
        assignments::plan_bulk_create(store, scope, context, items, options, duplicates)
    })
    .await
}

async fn bulk_remove<C: EnvironmentCaller>(
    State(state): State<AppState>,
    caller: C,
    request_id: RequestId,
    headers: HeaderMap,
    AppQuery(query): AppQuery<BulkQuery>,
    AppJson(body): AppJson<BulkRemoveAssignmentsRequest>,
) -> AppResult<Response> {
    let context = context(&caller, request_id);
    let options = options(query);
    let hash = request_hash("bulk-remove", &query, &body)?;
    let (store, scope, context, ids) = (state.store.as_ref(), caller.scope(), &context, &body.ids);
    idempotent(&state, &caller, "assignments.bulk-remove", &headers, hash, options, |_| {
        assignments::plan_bulk_remove(store, scope, context, ids, options)
    })
    .await
}

async fn bulk_change_role<C: EnvironmentCaller>(
    State(state): State<AppState>,
    caller: C,
    request_id: RequestId,
    headers: HeaderMap,
    AppQuery(query): AppQuery<BulkQuery>,
    AppJson(body): AppJson<BulkChangeRoleRequest>,
) -> AppResult<Response> {
    let context = context(&caller, request_id);
    let options = options(query);
    let hash = request_hash("bulk-change-role", &query, &body)?;
    let (store, scope, context, request) = (state.store.as_ref(), caller.scope(), &context, &body);
    idempotent(&state, &caller, "assignments.bulk-change-role", &headers, hash, options, |_| {
        assignments::plan_bulk_change_role(store, scope, context, request, options)
    })
    .await
}

fn options(query: BulkQuery) -> BulkOptions {
    BulkOptions { mode: query.mode.unwrap_or_default(), dry_run: query.dry_run.unwrap_or(false) }
}

fn request_hash(endpoint: &str, query: &BulkQuery, body: &impl serde::Serialize) -> AppResult<String> {
    let mut hasher = Sha256::new();
    hasher.update(endpoint.as_bytes());
    hasher.update(serde_json::to_vec(query).map_err(AppError::internal)?);
    hasher.update(serde_json::to_vec(body).map_err(AppError::internal)?);
    Ok(hex::encode(hasher.finalize()))
}

pub const IDEMPOTENCY_HEADER: &str = "idempotency-key";
const MAX_IDEMPOTENCY_KEY_LEN: usize = 255;

/// Runs a bulk plan under the request's `Idempotency-Key`, if any: a retry with the same key and
/// request gets the first response again (with `Idempotent-Replayed: true`) and writes nothing;
/// the same key with another request is a 422. The first response is stored in the write's own
/// transaction, so a response is recorded exactly when its writes are. Dry runs and batches
/// that wrote nothing are not recorded: retrying them is harmless.
///
/// `plan` is called once with [`StoredDuplicates::Constraint`], and once more with
/// [`StoredDuplicates::Query`] only when that plan was [unchecked](BulkPlan::unchecked) and its
/// write was refused by a unique constraint (nothing was written: the transaction rolled back).
async fn idempotent<C: EnvironmentCaller, F: Future<Output = AppResult<BulkPlan>>>(
    state: &AppState,
    caller: &C,
    endpoint: &str,
    headers: &HeaderMap,
    request_hash: String,
    options: BulkOptions,
    mut plan: impl FnMut(StoredDuplicates) -> F,
) -> AppResult<Response> {
    let key = match headers.get(IDEMPOTENCY_HEADER) {
        None => None,
        Some(value) => {
            let key = value.to_str().ok().map(str::trim).filter(|key| !key.is_empty() && key.len() <= MAX_IDEMPOTENCY_KEY_LEN);
            Some(key.ok_or_else(|| {
                AppError::bad_request("invalid_idempotency_key", "Idempotency-Key must be 1 to 255 visible characters.")
            })?.to_owned())
        }
    };
    let (actor_type, actor_id) = match caller.actor() {
        Actor::Admin(id) => ("admin", id),
        Actor::ApiKey(id) => ("api_key", id),
        Actor::Identity(id) => ("identity", id),
        Actor::System => ("system", String::new()),
    };
    let scope = format!("{actor_type}:{actor_id}:{}:{endpoint}", caller.scope().environment.id);
    if let Some(key) = &key
        && let Some(record) = state.store.idempotency_record(&scope, key, Timestamp::now().as_millis() - IDEMPOTENCY_TTL_MS).await?
    {
        if record.request_hash != request_hash {
            return Err(AppError::Item {
                status: StatusCode::UNPROCESSABLE_ENTITY,
                body: app::dto::ApiErrorBody::new(
                    "idempotency_key_reused",
                    "This Idempotency-Key was used with a different request; use a new key.",
                ),
            });
        }
        let mut response = json_response(StatusCode::from_u16(record.status_code as u16).unwrap_or(StatusCode::OK), record.response_body);
        response.headers_mut().insert("idempotent-replayed", HeaderValue::from_static("true"));
        return Ok(response);
    }

    let mut duplicates = StoredDuplicates::Constraint;
    loop {
        let mut plan = plan(duplicates).await?;
        let body = serde_json::to_string(&plan.body).map_err(AppError::internal)?;
        if plan.writes_anything() {
            if let Some(key) = key.clone().filter(|_| !options.dry_run) {
                plan.write.idempotency = Some(IdempotencyRecord {
                    id: new_id(),
                    scope: scope.clone(),
                    key,
                    request_hash: request_hash.clone(),
                    status_code: i32::from(plan.status.as_u16()),
                    response_body: body.clone(),
                    created_at: Timestamp::now().as_millis(),
                });
            }
            match state.store.write_assignments(&plan.write).await {
                Err(StoreError::Conflict) if plan.unchecked => {
                    duplicates = StoredDuplicates::Query;
                    continue;
                }
                result => result?,
            }
        }
        return Ok(json_response(plan.status, body));
    }
}

fn json_response(status: StatusCode, body: String) -> Response {
    (status, [(header::CONTENT_TYPE, HeaderValue::from_static("application/json"))], body).into_response()
}
