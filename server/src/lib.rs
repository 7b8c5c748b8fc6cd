#![recursion_limit = "256"]
//! Canopy's server: REST API, authentication, services, storage and server-side rendering.
//!
//! [`app_router`] builds the whole HTTP surface so that `main` and the tests serve the same thing.

pub mod assets;
pub mod auth;
pub mod config;
pub mod demo;
pub mod error;
pub mod extract;
pub mod ids;
pub mod index;
pub mod openapi;
pub mod routes;
pub mod service;
pub mod state;
pub mod store;

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

use crate::state::AppState;

/// Bulk endpoints take up to 10,000 items; 8 MiB holds that with room, and bounds what one
/// request can make the server buffer.
pub const MAX_BODY_BYTES: usize = 8 * 1024 * 1024;

/// The REST API plus the server-rendered portal. Portal pages call the REST API in-process
/// (through [`app::api::ApiRouter`]) during server rendering, and over HTTP once hydrated.
pub fn app_router(state: AppState) -> Router {
    let api = routes::api_router().layer(DefaultBodyLimit::max(MAX_BODY_BYTES)).with_state(state.clone());
    let api_for_pages = api.clone();
    let leptos_options = state.leptos.clone();
    let unrouted = assets::unrouted(state.leptos.clone(), api.clone());
    let pkg = assets::pkg_router(&state.leptos);
    let pages = Router::new()
        .leptos_routes_with_context(
            &state,
            generate_route_list(app::App),
            move || provide_context(app::api::ApiRouter(api_for_pages.clone())),
            move || app::shell(leptos_options.clone()),
        )
        .fallback_service(unrouted)
        .layer(axum::middleware::map_response(assets::mark_page_not_cached))
        .with_state(state);

    pages
        .merge(api)
        .layer(CompressionLayer::new())
        // After the compression layer: the build already compressed these (see `assets`).
        .merge(pkg)
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

/// How long `serve` waits for in-flight requests after a shutdown signal.
pub const SHUTDOWN_GRACE: Duration = Duration::from_secs(10);
