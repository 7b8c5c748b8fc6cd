//! The REST API, one module per resource. The browser portal calls these same routes.
//!
//! Routes are registered through [`ApiRoutes`], which records each method and path, so what is
//! served can be listed and checked.

mod access;
mod api_auth;
pub mod assignments;
mod auth;
mod directory;
mod environments;
mod health;
pub mod registry;

use axum::Router;

pub use registry::{ApiRoutes, Endpoint};

use crate::{error::AppError, state::AppState};

/// Every REST route: `/healthz`, `/readyz`, the admin API `/portal/v1/...` and the management
/// API `/api/v1/...`.
/// Unknown paths under either prefix are JSON 404s.
pub fn api_routes() -> ApiRoutes {
    let portal = ApiRoutes::new()
        .merge(auth::routes())
        .merge(environments::routes())
        .merge(assignments::portal_routes())
        .merge(directory::portal_routes())
        .merge(access::portal_routes())
        .fallback(unknown_endpoint);
    let management = ApiRoutes::new()
        .merge(api_auth::routes())
        .merge(assignments::management_routes())
        .merge(directory::management_routes())
        .merge(access::management_routes())
        .fallback(unknown_endpoint);
    ApiRoutes::new()
        .get("/healthz", health::healthz)
        .get("/readyz", health::readyz)
        .nest("/portal/v1", portal)
        .nest("/api/v1", management)
}

pub fn api_router() -> Router<AppState> {
    api_routes().into_router()
}

async fn unknown_endpoint() -> AppError {
    AppError::NotFound { what: "endpoint" }
}
