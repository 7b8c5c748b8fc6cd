//! The REST API, one module per resource. The browser portal calls these same routes.

mod access;
mod api_auth;
pub mod assignments;
mod auth;
mod directory;
mod environments;
mod health;

use axum::{Router, routing::get};

use crate::{error::AppError, state::AppState};

/// Every REST route: `/healthz`, `/readyz`, the admin API `/portal/v1/...` and the management
/// API `/api/v1/...`. Unknown paths under either prefix are JSON 404s.
pub fn api_router() -> Router<AppState> {
    let portal = Router::new()
        .merge(auth::router())
        .merge(environments::router())
        .merge(assignments::portal_router())
        .merge(directory::portal_router())
        .merge(access::portal_router())
        .fallback(unknown_endpoint);
    let management = Router::new()
        .merge(api_auth::router())
        .merge(assignments::management_router())
        .merge(directory::management_router())
        .merge(access::management_router())
        .fallback(unknown_endpoint);
    Router::new()
        .route("/healthz", get(health::healthz))
        .route("/readyz", get(health::readyz))
        .nest("/portal/v1", portal)
        .nest("/api/v1", management)
}

async fn unknown_endpoint() -> AppError {
    AppError::NotFound { what: "endpoint" }
}
