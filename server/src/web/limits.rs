//! How much one request may ask of the server, each bound answered with its own status in the
//! contract's error body:
//!
//! | bound | where | answer |
//! |---|---|---|
//! | body: [`crate::MAX_BODY_BYTES`] | `DefaultBodyLimit` on the API, read by the extractors | 413 `payload_too_large` |
//! | JSON nesting: 128 levels | serde_json's recursion limit | 400 `malformed_json` saying so |
//! | query string: [`MAX_QUERY_BYTES`] | [`bound_request`] | 414 `uri_too_long` |
//! | headers: [`MAX_HEADER_BYTES`] in all | [`bound_request`] | 431 `headers_too_large` |
//! | time: `CANOPY_REQUEST_TIMEOUT` (30 s) | [`bound_request`], body read included | 503 `request_timeout` |
//!
//! Behind these, hyper refuses a request head larger than [`MAX_HEAD_BYTES`] (431, no body) or a
//! target longer than 65,534 bytes (414) before it reaches the router, and `web::serve` closes a
//! connection that has not sent its headers within `CANOPY_HEADER_READ_TIMEOUT` (10 s).

use std::sync::Arc;

use app::dto::ApiErrorBody;
use axum::{
    extract::{Request, State},
    http::StatusCode,
    middleware::Next,
    response::{IntoResponse, Response},
};

use crate::{config::ServerConfig, web::error::AppError};

/// The query string: longer than any list filter the API takes, shorter than a proxy's line.
pub const MAX_QUERY_BYTES: usize = 8 * 1024;
/// All header names and values together (cookies included).
pub const MAX_HEADER_BYTES: usize = 32 * 1024;
/// What hyper reads of a request head (request line and headers) at most.
pub const MAX_HEAD_BYTES: usize = 64 * 1024;

fn refusal(status: StatusCode, code: &'static str, message: String) -> Response {
    AppError::Item { status, body: ApiErrorBody::new(code, message) }.into_response()
}

/// `30 s`, `500 ms`.
fn describe(limit: std::time::Duration) -> String {
    if limit.subsec_millis() == 0 { format!("{} s", limit.as_secs()) } else { format!("{} ms", limit.as_millis()) }
}

/// The query, header and time bounds of every request.
pub async fn bound_request(State(config): State<Arc<ServerConfig>>, request: Request, next: Next) -> Response {
    if request.uri().query().is_some_and(|query| query.len() > MAX_QUERY_BYTES) {
        return refusal(
            StatusCode::URI_TOO_LONG,
            "uri_too_long",
            format!("The query string is longer than {} KiB.", MAX_QUERY_BYTES / 1024),
        );
    }
    let header_bytes: usize = request.headers().iter().map(|(name, value)| name.as_str().len() + value.len()).sum();
    if header_bytes > MAX_HEADER_BYTES {
        return refusal(
            StatusCode::REQUEST_HEADER_FIELDS_TOO_LARGE,
            "headers_too_large",
            format!("The request headers are larger than {} KiB together.", MAX_HEADER_BYTES / 1024),
        );
    }
    let limit = config.request_timeout;
    match tokio::time::timeout(limit, next.run(request)).await {
        Ok(response) => response,
        Err(_) => {
            tracing::warn!(limit_secs = limit.as_secs_f64(), "request stopped: it took too long");
            let mut response = refusal(
                StatusCode::SERVICE_UNAVAILABLE,
                "request_timeout",
                format!("The request took longer than {} and was stopped.", describe(limit)),
            );
            response.headers_mut().insert(axum::http::header::CONNECTION, axum::http::HeaderValue::from_static("close"));
            response
        }
    }
}
