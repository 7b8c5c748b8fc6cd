#![recursion_limit = "256"]
//! Canopy's server: REST API, authentication, services, storage and server-side rendering.
//!
//! [`app_router`] builds the whole HTTP surface so that `main` and the tests serve the same thing.

pub mod auth;
pub mod config;
pub mod demo;
pub mod domain;
pub mod features;
pub mod feed;
pub mod ids;
pub mod index;
pub mod state;
pub mod store;
pub mod web;

use std::time::Duration;

use axum::{Router, extract::{DefaultBodyLimit, MatchedPath}, http::Request};
use leptos::prelude::provide_context;
use leptos_axum::{LeptosRoutes, generate_route_list};
use tower_http::{
    compression::CompressionLayer,
    request_id::{MakeRequestUuid, PropagateRequestIdLayer, SetRequestIdLayer},
    trace::{DefaultOnResponse, TraceLayer},
};
use tracing::Level;

use crate::{
    features::{api_keys, assignments, audit, changes, checks, environments, health, identities, nodes, reference, roles, sessions},
    state::AppState,
    web::{assets, error::AppError, limits, registry::ApiRoutes, security},
};

/// Bulk endpoints take up to 10,000 items; 8 MiB holds that with room, and bounds what one
/// request can make the server buffer.
pub const MAX_BODY_BYTES: usize = 8 * 1024 * 1024;

/// Every REST route: `/healthz`, `/readyz`, the API reference (`/api/openapi.json`,
/// `/api/docs`), the admin API `/portal/v1/...` and the management API `/api/v1/...`.
/// Unknown paths under either prefix are JSON 404s. Routes are registered through
/// [`ApiRoutes`], which records each method and path, so the tests can hold the OpenAPI
/// document to exactly what is served.
pub fn api_routes() -> ApiRoutes {
    let portal = ApiRoutes::new()
        .merge(sessions::routes::portal_routes())
        .merge(environments::routes::portal_routes())
        .merge(assignments::routes::portal_routes())
        .merge(nodes::routes::portal_routes())
        .merge(roles::routes::portal_routes())
        .merge(identities::routes::portal_routes())
        .merge(api_keys::routes::portal_routes())
        .merge(checks::routes::portal_routes())
        .merge(audit::routes::portal_routes())
        .fallback(unknown_endpoint);
    let management = ApiRoutes::new()
        .merge(api_keys::routes::management_routes())
        .merge(assignments::routes::management_routes())
        .merge(nodes::routes::management_routes())
        .merge(roles::routes::management_routes())
        .merge(identities::routes::management_routes())
        .merge(checks::routes::management_routes())
        .merge(changes::routes::management_routes())
        .fallback(unknown_endpoint);
    ApiRoutes::new()
        .merge(health::routes::routes())
        .merge(reference::routes::routes())
        .nest("/portal/v1", portal)
        .nest("/api/v1", management)
}

async fn unknown_endpoint() -> AppError {
    AppError::NotFound { what: "endpoint" }
}

/// The REST API plus the server-rendered portal. Portal pages call the REST API in-process
/// (through [`app::api::ApiRouter`]) during server rendering, and over HTTP once hydrated.
pub fn app_router(state: AppState) -> Router {
    let api = api_routes()
        .into_router()
        .layer(DefaultBodyLimit::max(MAX_BODY_BYTES))
        .layer(axum::middleware::from_fn_with_state(state.clone(), web::revision::revisions))
        .with_state(state.clone());
    let api_for_pages = api.clone();
    let leptos_options = state.leptos.clone();
    let unrouted = assets::unrouted(state.leptos.clone(), api.clone());
    let pkg = assets::pkg_router(&state.leptos);
    let route_packs = assets::route_packs(&state.leptos);
    let config = state.config.clone();
    let pages = Router::new()
        .leptos_routes_with_context(
            &state,
            generate_route_list(app::App),
            move || {
                provide_context(app::api::ApiRouter(api_for_pages.clone()));
                provide_context(route_packs.for_page());
                security::provide_page_nonce();
            },
            move || app::shell(leptos_options.clone()),
        )
        .fallback_service(unrouted)
        .layer(axum::middleware::from_fn(assets::render_again_after_panic))
        .layer(axum::middleware::map_response(assets::mark_page_not_cached))
        .with_state(state);

    pages
        .merge(api)
        .layer(CompressionLayer::new())
        // After the compression layer: the build already compressed these (see `assets`).
        .merge(pkg)
        .layer(axum::middleware::from_fn_with_state(config.clone(), security::refuse_cross_site))
        .layer(axum::middleware::from_fn_with_state(config.clone(), limits::bound_request))
        .layer(axum::middleware::from_fn_with_state(config, security::headers))
        .layer(
            TraceLayer::new_for_http()
                .make_span_with(|request: &Request<_>| {
                    let route = request.extensions().get::<MatchedPath>().map(MatchedPath::as_str).unwrap_or("");
                    let request_id = request.headers().get("x-request-id").and_then(|v| v.to_str().ok()).unwrap_or("");
                    tracing::info_span!("request", method = %request.method(), route, path = %request.uri().path(), request_id)
                })
                .on_response(DefaultOnResponse::new().level(Level::INFO).latency_unit(tower_http::LatencyUnit::Millis)),
        )
        .layer(PropagateRequestIdLayer::x_request_id())
        .layer(SetRequestIdLayer::x_request_id(MakeRequestUuid))
}

pub use web::serve::serve;

/// How long `serve` waits for in-flight requests after a shutdown signal.
pub const SHUTDOWN_GRACE: Duration = Duration::from_secs(10);
