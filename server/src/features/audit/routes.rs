//! `GET /portal/v1/accounts/{account}/applications/{app}/audit-events`: the audit log.

use app::dto::{AuditEventResponse, AuditQuery, Paginated};
use axum::{Json, extract::State};

use super::service;
use crate::{
    state::AppState,
    web::{
        callers::{ApplicationCaller, PortalApplicationCaller},
        error::AppResult,
        extract::AppQuery,
        registry::{APPLICATION, ApiRoutes},
    },
};

/// `/portal/v1/...`
pub fn portal_routes() -> ApiRoutes {
    ApiRoutes::new().nest(APPLICATION, ApiRoutes::new().get("/audit-events", list))
}

async fn list(
    State(state): State<AppState>,
    caller: PortalApplicationCaller,
    AppQuery(query): AppQuery<AuditQuery>,
) -> AppResult<Json<Paginated<AuditEventResponse>>> {
    Ok(Json(service::audit_events(state.store.as_ref(), caller.application(), &query).await?))
}
