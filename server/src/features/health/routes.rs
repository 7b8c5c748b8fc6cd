//! Liveness and readiness for load balancers and orchestrators.

use app::dto::ApiErrorBody;
use axum::{
    Json,
    extract::State,
    http::StatusCode,
    response::{IntoResponse, Response},
};
use serde::Serialize;
use serde_json::Value;
use utoipa::ToSchema;

use super::service;
use crate::{state::AppState, web::registry::ApiRoutes};

pub fn routes() -> ApiRoutes {
    ApiRoutes::new().get("/healthz", healthz).get("/readyz", readyz)
}

/// `GET /healthz`.
#[derive(Debug, Serialize, ToSchema)]
pub struct Liveness {
    /// Always `ok`.
    #[schema(example = "ok")]
    pub status: &'static str,
}

/// `GET /readyz` when the database answers.
#[derive(Debug, Serialize, ToSchema)]
pub struct Readiness {
    /// Always `ready`.
    #[schema(example = "ready")]
    pub status: &'static str,
    /// `sqlite` or `postgres`.
    #[schema(example = "postgres")]
    pub database: &'static str,
}

/// The process is up.
pub async fn healthz() -> Json<Liveness> {
    Json(Liveness { status: "ok" })
}

/// The process can serve: its database answers and the change feed has been read. When not,
/// `details.reason` says why (the database's own error, that the SQLite file is gone from its
/// path, or that the feed has not been read yet).
pub async fn readyz(State(state): State<AppState>) -> Response {
    let probe = service::probe(state.store.as_ref(), &state.database, &state.feed, &state.index).await;
    let Some(reason) = probe.failure else {
        return Json(Readiness { status: "ready", database: probe.database }).into_response();
    };
    let mut body = ApiErrorBody::new("not_ready", "The database is not reachable.");
    body.details.insert("database".into(), Value::String(probe.database.into()));
    body.details.insert("reason".into(), Value::String(reason));
    (StatusCode::SERVICE_UNAVAILABLE, Json(body)).into_response()
}
