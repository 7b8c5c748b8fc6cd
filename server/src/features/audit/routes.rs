//! `GET /portal/v1/accounts/{account}/applications/{app}/audit-events`: the audit log, a page at
//! a time or (`/export`) every event as CSV.

use app::dto::{AuditEventResponse, AuditQuery, Paginated};
use axum::{Json, extract::State, response::Response};

use super::service;
use crate::{
    domain::time::timestamp,
    state::AppState,
    store::AuditEvent,
    web::{
        callers::{ApplicationCaller, PortalApplicationCaller},
        error::{AppError, AppResult},
        export::{csv_download, file_name, refuse_paging},
        extract::AppQuery,
        registry::{APPLICATION, ApiRoutes},
    },
};

/// `/portal/v1/...`
pub fn portal_routes() -> ApiRoutes {
    ApiRoutes::new().nest(APPLICATION, ApiRoutes::new().get("/audit-events", list).get("/audit-events/export", export))
}

async fn list(
    State(state): State<AppState>,
    caller: PortalApplicationCaller,
    AppQuery(query): AppQuery<AuditQuery>,
) -> AppResult<Json<Paginated<AuditEventResponse>>> {
    Ok(Json(service::audit_events(state.store.as_ref(), caller.application(), &query).await?))
}

/// The columns of an audit export; `before` and `after` are the objects as JSON text.
pub const EXPORT_COLUMNS: &[&str] =
    &["id", "created_at", "environment_id", "actor_type", "actor_id", "action", "target_type", "target_id", "request_id", "before", "after"];

async fn export(
    State(state): State<AppState>,
    caller: PortalApplicationCaller,
    AppQuery(query): AppQuery<AuditQuery>,
) -> AppResult<Response> {
    refuse_paging(query.page, query.take)?;
    query.page_request().map_err(AppError::invalid_query)?;
    let tenancy = caller.application();
    let filter = service::filter_of(state.store.as_ref(), tenancy, &query).await?;
    let mut scope = vec![tenancy.account.slug.as_str(), tenancy.application.slug.as_str()];
    scope.extend(query.environment.as_deref().filter(|s| !s.is_empty()));
    let name = file_name("audit", &scope);
    let store = state.store.clone();
    let json = |value: Option<serde_json::Value>| value.map(|v| v.to_string()).unwrap_or_default();
    csv_download(
        &state.exports,
        &name,
        EXPORT_COLUMNS,
        move |rows| async move { store.stream_audit_events(&filter, &rows).await },
        move |event: AuditEvent, cells| {
            cells.extend([
                event.id,
                timestamp(event.created_at).to_string(),
                event.environment_id.unwrap_or_default(),
                event.actor_type.as_str().to_owned(),
                event.actor_id.unwrap_or_default(),
                event.action,
                event.target_type,
                event.target_id.unwrap_or_default(),
                event.request_id.unwrap_or_default(),
                json(event.before),
                json(event.after),
            ]);
        },
    )
}
