//! The REST API, one module per resource. The browser portal calls these same routes.

mod auth;
mod environments;
mod health;

use axum::{Router, routing::get};

use crate::{error::AppError, state::AppState};

/// Every REST route: `/healthz`, `/readyz` and `/portal/v1/...`.
pub fn api_router() -> Router<AppState> {
    let portal = Router::new()
        .merge(auth::router())
        .merge(environments::router())
        .fallback(|| async { AppError::NotFound { what: "endpoint" } });
    Router::new()
        .route("/healthz", get(health::healthz))
        .route("/readyz", get(health::readyz))
        .nest("/portal/v1", portal)
}
