//! Extractors whose rejections are the contract's error body, never axum's plain text.

use axum::{
    extract::{FromRequest, FromRequestParts, rejection::{FormRejection, JsonRejection, QueryRejection}},
    http::request::Parts,
};
use serde_json::{Map, Value};

use crate::error::AppError;

/// `axum::Json` with Canopy's errors: malformed JSON 400, a body of the wrong shape (unknown or
/// missing fields, wrong types, bad enum values) 422 naming the problem, too large 413.
#[derive(Debug, Clone, Copy, Default, FromRequest)]
#[from_request(via(axum::Json), rejection(AppError))]
pub struct AppJson<T>(pub T);

impl<T: serde::Serialize> axum::response::IntoResponse for AppJson<T> {
    fn into_response(self) -> axum::response::Response {
        axum::Json(self.0).into_response()
    }
}

impl From<JsonRejection> for AppError {
    fn from(rejection: JsonRejection) -> Self {
        match rejection {
            JsonRejection::JsonDataError(err) => AppError::invalid_field("body", serde_reason(&err.body_text())),
            JsonRejection::JsonSyntaxError(_) => AppError::bad_request("malformed_json", "The body is not valid JSON."),
            JsonRejection::MissingJsonContentType(_) => {
                AppError::bad_request("unsupported_content_type", "Send the body as JSON with Content-Type: application/json.")
            }
            JsonRejection::BytesRejection(err) if err.status() == axum::http::StatusCode::PAYLOAD_TOO_LARGE => {
                AppError::PayloadTooLarge { message: "The request body is too large.".into() }
            }
            _ => AppError::bad_request("unreadable_body", "The request body could not be read."),
        }
    }
}

/// `axum::extract::Query` with Canopy's errors (400 naming the parameter problem).
#[derive(Debug, Clone, Copy, Default, FromRequestParts)]
#[from_request(via(axum::extract::Query), rejection(AppError))]
pub struct AppQuery<T>(pub T);

impl From<QueryRejection> for AppError {
    fn from(rejection: QueryRejection) -> Self {
        let mut details = Map::new();
        details.insert("query".into(), Value::String(serde_reason(&rejection.body_text())));
        AppError::BadRequest { code: "invalid_query", message: "The query string is invalid.".into(), details }
    }
}

/// `axum::Form` with Canopy's errors.
#[derive(Debug, Clone, Copy, Default, FromRequest)]
#[from_request(via(axum::Form), rejection(AppError))]
pub struct AppForm<T>(pub T);

impl From<FormRejection> for AppError {
    fn from(rejection: FormRejection) -> Self {
        AppError::bad_request("invalid_form", serde_reason(&rejection.body_text()))
    }
}

/// axum prefixes serde's explanation with its own; the client only needs serde's part.
fn serde_reason(text: &str) -> String {
    text.rsplit_once(": ").map(|(_, reason)| reason).unwrap_or(text).to_owned()
}

/// The `x-request-id` of this request (set by the request-id layer), for audit events.
#[derive(Debug, Clone, Default)]
pub struct RequestId(pub Option<String>);

impl<S: Send + Sync> FromRequestParts<S> for RequestId {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(parts: &mut Parts, _state: &S) -> Result<Self, Self::Rejection> {
        Ok(RequestId(parts.headers.get("x-request-id").and_then(|v| v.to_str().ok()).map(str::to_owned)))
    }
}
