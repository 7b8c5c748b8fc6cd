//! One error type for every handler, rendered as the contract's `{ code, message, details }`.
//!
//! The cause of a 500 is logged with the request's span and never sent: clients get a safe
//! sentence. Constraint violations from storage arrive as [`StoreError::Conflict`] (naming the
//! unique constraint) / [`StoreError::Constraint`] and become 409 (see [`taken`]) / 422 here, in
//! one place.

use app::dto::{ApiErrorBody, FieldErrors};
use axum::{
    Json,
    http::StatusCode,
    response::{IntoResponse, Response},
};
use serde_json::{Map, Value};

use crate::store::{StoreError, Unique};

pub type AppResult<T> = Result<T, AppError>;

#[derive(Debug, thiserror::Error)]
pub enum AppError {
    /// 400: a request the server cannot read (malformed JSON, bad query string, ...).
    #[error("{message}")]
    BadRequest { code: &'static str, message: String, details: Map<String, Value> },
    /// 401: missing, malformed, badly signed or expired credentials.
    #[error("{message}")]
    Unauthorized { code: &'static str, message: String },
    /// 403: valid credentials of a principal that may not call this endpoint.
    #[error("{message}")]
    Forbidden { code: &'static str, message: String },
    /// 404: does not exist, or is not visible to the caller (another tenant's object).
    #[error("{what} not found")]
    NotFound { what: &'static str },
    /// 409: the write conflicts with existing data.
    #[error("{message}")]
    Conflict { code: &'static str, message: String },
    /// 413: body or batch too large.
    #[error("{message}")]
    PayloadTooLarge { message: String },
    /// 429: too many failed attempts; `Retry-After` says in how many seconds to try again.
    #[error("{message}")]
    TooManyRequests { code: &'static str, message: String, retry_after_secs: u64 },
    /// 422: well-formed but invalid; `details` names the fields.
    #[error("validation failed")]
    Validation(FieldErrors),
    /// A refusal with its own status and body (the same errors bulk items carry).
    #[error("{}", body.message)]
    Item { status: StatusCode, body: ApiErrorBody },
    /// 500: logged, never shown.
    #[error("internal error: {0}")]
    Internal(String),
}

impl AppError {
    pub fn bad_request(code: &'static str, message: impl Into<String>) -> Self {
        Self::BadRequest { code, message: message.into(), details: Map::new() }
    }

    /// 400 `invalid_query`, `details` naming each bad parameter.
    pub fn invalid_query(errors: FieldErrors) -> Self {
        let details = errors.0.into_iter().map(|(field, message)| (field, Value::String(message))).collect();
        Self::BadRequest { code: "invalid_query", message: "The query string is invalid.".into(), details }
    }

    pub fn unauthorized(message: impl Into<String>) -> Self {
        Self::Unauthorized { code: "unauthorized", message: message.into() }
    }

    pub fn wrong_principal(message: impl Into<String>) -> Self {
        Self::Forbidden { code: "wrong_principal_type", message: message.into() }
    }

    pub fn internal(cause: impl std::fmt::Display) -> Self {
        Self::Internal(cause.to_string())
    }

    /// 503 `database_unavailable`: the database cannot be reached, so nothing that depends on
    /// it is answered (a check fails closed). The cause is logged, not sent.
    pub fn database_unavailable(cause: &str) -> Self {
        tracing::warn!(%cause, "database unavailable");
        AppError::Item {
            status: StatusCode::SERVICE_UNAVAILABLE,
            body: ApiErrorBody::new("database_unavailable", "The database is not reachable; try again shortly."),
        }
    }

    /// 412 `precondition_failed`: `If-Match` named another version of the `what` than the one
    /// stored (someone changed it since the caller read it); nothing was written.
    pub fn precondition_failed(what: &'static str) -> Self {
        let mut body = ApiErrorBody::new(
            "precondition_failed",
            format!("The {what} has changed since you read it. Read it again for its current state and ETag, then retry."),
        );
        body.details.insert("resource".into(), Value::String(what.into()));
        AppError::Item { status: StatusCode::PRECONDITION_FAILED, body }
    }

    /// One invalid field, for rules checked outside a DTO's `validate`.
    pub fn invalid_field(field: &str, message: impl Into<String>) -> Self {
        let mut errors = FieldErrors::new();
        errors.add(field, message);
        Self::Validation(errors)
    }

    pub fn status(&self) -> StatusCode {
        match self {
            AppError::BadRequest { .. } => StatusCode::BAD_REQUEST,
            AppError::Unauthorized { .. } => StatusCode::UNAUTHORIZED,
            AppError::Forbidden { .. } => StatusCode::FORBIDDEN,
            AppError::NotFound { .. } => StatusCode::NOT_FOUND,
            AppError::Conflict { .. } => StatusCode::CONFLICT,
            AppError::PayloadTooLarge { .. } => StatusCode::PAYLOAD_TOO_LARGE,
            AppError::Validation(_) => StatusCode::UNPROCESSABLE_ENTITY,
            AppError::TooManyRequests { .. } => StatusCode::TOO_MANY_REQUESTS,
            AppError::Item { status, .. } => *status,
            AppError::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    pub fn body(&self) -> ApiErrorBody {
        match self {
            AppError::BadRequest { code, message, details } => {
                ApiErrorBody { code: (*code).into(), message: message.clone(), details: details.clone() }
            }
            AppError::Unauthorized { code, message }
            | AppError::Forbidden { code, message }
            | AppError::Conflict { code, message } => ApiErrorBody::new(*code, message.clone()),
            AppError::NotFound { what } => {
                let mut body = ApiErrorBody::new("not_found", format!("{} not found.", capitalize(what)));
                body.details.insert("resource".into(), Value::String((*what).into()));
                body
            }
            AppError::PayloadTooLarge { message } => ApiErrorBody::new("payload_too_large", message.clone()),
            AppError::TooManyRequests { code, message, retry_after_secs } => {
                let mut body = ApiErrorBody::new(*code, message.clone());
                body.details.insert("retry_after_seconds".into(), Value::from(*retry_after_secs));
                body
            }
            AppError::Validation(errors) => {
                let mut body = ApiErrorBody::new("validation_failed", "Some fields are invalid.");
                body.details =
                    errors.0.iter().map(|(field, message)| (field.clone(), Value::String(message.clone()))).collect();
                body
            }
            AppError::Item { body, .. } => body.clone(),
            AppError::Internal(_) => ApiErrorBody::new("internal_error", "Something went wrong on our side."),
        }
    }
}

fn capitalize(word: &str) -> String {
    let mut chars = word.chars();
    match chars.next() {
        Some(first) => first.to_uppercase().chain(chars).collect(),
        None => String::new(),
    }
}

impl From<FieldErrors> for AppError {
    fn from(errors: FieldErrors) -> Self {
        AppError::Validation(errors)
    }
}

impl From<StoreError> for AppError {
    fn from(err: StoreError) -> Self {
        match err {
            StoreError::Conflict(unique) => {
                let (code, message) = taken(&unique);
                AppError::Conflict { code, message: message.into() }
            }
            StoreError::Constraint => {
                AppError::invalid_field("body", "The request refers to something that does not exist.")
            }
            StoreError::Stale(what) => AppError::precondition_failed(what),
            StoreError::Unavailable(reason) => AppError::database_unavailable(&reason),
            StoreError::Database(err) if unreachable(&err) => AppError::database_unavailable(&err.to_string()),
            other => AppError::Internal(other.to_string()),
        }
    }
}

/// The API's 409 code and sentence for each unique constraint: the one place a taken slug,
/// email or name is put into words, for single writes and bulk items alike.
pub fn taken(unique: &Unique) -> (&'static str, &'static str) {
    match unique {
        Unique::AccountSlug => ("slug_taken", "Another account already has this slug."),
        Unique::AdminEmail => ("email_taken", "Another admin already has this email."),
        Unique::ApplicationSlug => ("slug_taken", "Another application of this account already has this slug."),
        Unique::EnvironmentSlug => ("slug_taken", "Another environment of this application has this slug."),
        Unique::IdentityEmail => ("email_taken", "Another identity of this application already has this email."),
        Unique::ResourceName => ("name_taken", "Another resource in this environment already has this name."),
        Unique::PermissionKey => ("name_taken", "Another permission in this environment already has this key."),
        Unique::RoleName => ("name_taken", "Another role in this environment already has this name."),
        Unique::AssignmentTriple => ("assignment_exists", "This identity already has this role at this node."),
        Unique::IdempotencyKey => {
            ("idempotency_in_progress", "Another request with this Idempotency-Key is being processed; retry it shortly.")
        }
        Unique::ApiKeyPrefix | Unique::Other(_) => ("conflict", "This conflicts with existing data."),
    }
}

/// Whether `err` says the database cannot be reached (rather than that a statement failed):
/// no connection to be had, a connection that broke, or a server that is shutting down or
/// starting (PostgreSQL's classes 08 and 57P; SQLite's I/O and cannot-open errors).
fn unreachable(err: &sqlx::Error) -> bool {
    match err {
        sqlx::Error::Io(_) | sqlx::Error::Tls(_) | sqlx::Error::PoolTimedOut | sqlx::Error::PoolClosed | sqlx::Error::WorkerCrashed => true,
        sqlx::Error::Database(db) => {
            let code = db.code().unwrap_or_default();
            if db.try_downcast_ref::<sqlx::sqlite::SqliteError>().is_some() {
                // The primary result code is the low byte of the extended one.
                matches!(code.parse::<i32>().map(|code| code & 0xff), Ok(10 | 14 | 26))
            } else {
                code.starts_with("08") || code.starts_with("57P")
            }
        }
        _ => false,
    }
}

impl IntoResponse for AppError {
    fn into_response(self) -> Response {
        let status = self.status();
        if let AppError::Internal(cause) = &self {
            tracing::error!(%cause, "request failed");
        }
        let mut response = (status, Json(self.body())).into_response();
        if let AppError::TooManyRequests { retry_after_secs, .. } = &self {
            response.headers_mut().insert(axum::http::header::RETRY_AFTER, axum::http::HeaderValue::from(*retry_after_secs));
        }
        response
    }
}

impl From<crate::domain::role::SystemRoleRefused> for AppError {
    fn from(refused: crate::domain::role::SystemRoleRefused) -> Self {
        AppError::Item { status: crate::domain::role::SystemRoleRefused::STATUS, body: refused.body() }
    }
}
