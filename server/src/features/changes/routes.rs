//! `GET /api/v1/changes`: the change feed of the caller's environment.

use app::dto::{ChangesQuery, ChangesResponse};
use axum::{Json, extract::State};

use super::service;
use crate::{
    auth::ManagementAuth,
    state::AppState,
    web::{error::AppResult, extract::AppQuery, registry::ApiRoutes},
};

/// `/api/v1/...`
pub fn management_routes() -> ApiRoutes {
    ApiRoutes::new().get("/changes", changes)
}

async fn changes(State(state): State<AppState>, caller: ManagementAuth, AppQuery(query): AppQuery<ChangesQuery>) -> AppResult<Json<ChangesResponse>> {
    state.database.refuse_when_down()?;
    let after = service::after(&state, &query).await?;
    Ok(Json(service::changes(state.store.as_ref(), &caller.tenancy, &query, state.config.changes_retention, after).await?))
}
