//! The REST API, one module per resource. The browser portal calls these same routes.
//!
//! Routes are registered through [`ApiRoutes`], which records each method and path, so the
//! tests can hold the OpenAPI document ([`crate::openapi`]) to exactly what is served.

pub(crate) mod access;
mod api_auth;
pub mod assignments;
pub(crate) mod auth;
pub(crate) mod directory;
pub(crate) mod environments;
pub mod health;
pub mod registry;

use axum::Router;

pub use registry::{ApiRoutes, Endpoint};

use crate::{error::AppError, openapi, state::AppState};

/// Every REST route: `/healthz`, `/readyz`, the API reference (`/api/openapi.json`,
/// `/api/docs`), the admin API `/portal/v1/...` and the management API `/api/v1/...`.
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
        .get(openapi::DOCUMENT_PATH, openapi::document_json)
        .get(openapi::REFERENCE_PATH, openapi::reference_page)
        .nest("/portal/v1", portal)
        .nest("/api/v1", management)
}

pub fn api_router() -> Router<AppState> {
    api_routes().into_router()
}

async fn unknown_endpoint() -> AppError {
    AppError::NotFound { what: "endpoint" }
}
