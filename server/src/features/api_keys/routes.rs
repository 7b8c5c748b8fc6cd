//! API keys: the portal lists, creates and revokes an environment's keys; a management client
//! exchanges its key for a short-lived Bearer token at `POST /api/v1/auth/token`.

use app::dto::{ApiKeyResponse, CreateApiKeyRequest, CreatedApiKey, PageQuery, Paginated, TokenResponse};
use axum::{Json, extract::State, http::{HeaderMap, StatusCode}};

use super::{exchange, service};
use crate::{
    auth::credentials::api_key_header,
    state::AppState,
    web::{
        callers::{Caller, EnvironmentCaller, PortalCaller},
        client::ClientAddr,
        error::AppResult,
        extract::{AppJson, AppQuery, IdParam, RequestId},
        registry::{ApiRoutes, ENVIRONMENT},
    },
};

/// `/portal/v1/...`
pub fn portal_routes() -> ApiRoutes {
    let environment = ApiRoutes::new().get("/api-keys", list).post("/api-keys", create).delete("/api-keys/{id}", revoke);
    ApiRoutes::new().nest(ENVIRONMENT, environment)
}

/// `/api/v1/...`
pub fn management_routes() -> ApiRoutes {
    ApiRoutes::new().post("/auth/token", exchange)
}

async fn list(State(state): State<AppState>, caller: PortalCaller, AppQuery(query): AppQuery<PageQuery>) -> AppResult<Json<Paginated<ApiKeyResponse>>> {
    Ok(Json(service::list_api_keys(state.store.as_ref(), caller.tenancy(), &query).await?))
}

async fn create(
    State(state): State<AppState>,
    caller: PortalCaller,
    request_id: RequestId,
    AppJson(body): AppJson<CreateApiKeyRequest>,
) -> AppResult<(StatusCode, Json<CreatedApiKey>)> {
    Ok((StatusCode::CREATED, Json(service::create(state.store.as_ref(), caller.tenancy(), &caller.context(request_id), body).await?)))
}

async fn revoke(State(state): State<AppState>, caller: PortalCaller, IdParam(id): IdParam, request_id: RequestId) -> AppResult<StatusCode> {
    service::revoke_api_key(state.store.as_ref(), caller.tenancy(), &caller.context(request_id), &id).await?;
    Ok(StatusCode::NO_CONTENT)
}

async fn exchange(State(state): State<AppState>, client: ClientAddr, request_id: RequestId, headers: HeaderMap) -> AppResult<Json<TokenResponse>> {
    let raw = api_key_header(&headers)?;
    Ok(Json(exchange::exchange_presented(&state, raw, client.0, request_id.0).await?))
}
