//! Extractors whose rejections are the contract's error body, never axum's plain text.

use std::collections::HashMap;

use axum::{
    extract::{FromRequest, FromRequestParts, Path, Request, rejection::{FormRejection, JsonRejection, QueryRejection}},
    http::request::Parts,
};

use crate::web::error::AppError;

/// `axum::Json` with Canopy's errors: malformed JSON 400, a body of the wrong shape (unknown or
/// missing fields, wrong types, bad enum values) 422 naming the problem, too large 413.
/// Every JSON body is an object: serde would read a struct from an array of its fields in order
/// (`[null, null]` as a PATCH), which no document describes, so anything else is a 422.
#[derive(Debug, Clone, Copy, Default)]
pub struct AppJson<T>(pub T);

impl<T: serde::de::DeserializeOwned, S: Send + Sync> FromRequest<S> for AppJson<T> {
    type Rejection = AppError;

    async fn from_request(request: Request, state: &S) -> Result<Self, Self::Rejection> {
        let axum::Json(value) = axum::Json::<ObjectBody<T>>::from_request(request, state).await?;
        Ok(AppJson(value.0))
    }
}

/// `T` read only from a JSON object.
struct ObjectBody<T>(T);

impl<'de, T: serde::Deserialize<'de>> serde::Deserialize<'de> for ObjectBody<T> {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_map(ObjectOnly(std::marker::PhantomData))
    }
}

struct ObjectOnly<T>(std::marker::PhantomData<T>);

impl<'de, T: serde::Deserialize<'de>> serde::de::Visitor<'de> for ObjectOnly<T> {
    type Value = ObjectBody<T>;

    fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
        f.write_str("a JSON object")
    }

    fn visit_map<A: serde::de::MapAccess<'de>>(self, map: A) -> Result<Self::Value, A::Error> {
        T::deserialize(serde::de::value::MapAccessDeserializer::new(map)).map(ObjectBody)
    }
}

impl<T: serde::Serialize> axum::response::IntoResponse for AppJson<T> {
    fn into_response(self) -> axum::response::Response {
        axum::Json(self.0).into_response()
    }
}

impl From<JsonRejection> for AppError {
    fn from(rejection: JsonRejection) -> Self {
        match rejection {
            JsonRejection::JsonDataError(err) => AppError::invalid_field("body", serde_reason(&err.body_text())),
            JsonRejection::JsonSyntaxError(err) if err.body_text().contains("recursion limit exceeded") => too_deep(),
            JsonRejection::JsonSyntaxError(_) => AppError::bad_request("malformed_json", "The body is not valid JSON."),
            JsonRejection::MissingJsonContentType(_) => {
                AppError::bad_request("unsupported_content_type", "Send the body as JSON with Content-Type: application/json.")
            }
            JsonRejection::BytesRejection(err) if err.status() == axum::http::StatusCode::PAYLOAD_TOO_LARGE => too_large(),
            _ => AppError::bad_request("unreadable_body", "The request body could not be read."),
        }
    }
}

fn too_large() -> AppError {
    AppError::PayloadTooLarge { message: "The request body is too large.".into() }
}

/// serde_json stops at 128 levels of nested arrays and objects (its recursion limit, which keeps
/// a deep body from overflowing the stack); no request of the API nests anywhere near that.
fn too_deep() -> AppError {
    AppError::bad_request("malformed_json", "The body nests arrays or objects too deeply (more than 128 levels).")
}

/// `axum::extract::Query` with Canopy's errors (400 naming the parameter problem).
#[derive(Debug, Clone, Copy, Default, FromRequestParts)]
#[from_request(via(axum::extract::Query), rejection(AppError))]
pub struct AppQuery<T>(pub T);

impl From<QueryRejection> for AppError {
    fn from(rejection: QueryRejection) -> Self {
        let mut errors = app::dto::FieldErrors::new();
        errors.add("query", serde_reason(&rejection.body_text()));
        AppError::invalid_query(errors)
    }
}

/// `axum::Form` with Canopy's errors.
#[derive(Debug, Clone, Copy, Default, FromRequest)]
#[from_request(via(axum::Form), rejection(AppError))]
pub struct AppForm<T>(pub T);

impl From<FormRejection> for AppError {
    fn from(rejection: FormRejection) -> Self {
        if rejection.status() == axum::http::StatusCode::PAYLOAD_TOO_LARGE {
            return too_large();
        }
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

/// The path's named segments (`{account_slug}`, `{id}`, ...); a missing one reads as empty.
pub struct PathParams(HashMap<String, String>);

impl PathParams {
    pub fn get(&self, name: &str) -> &str {
        self.0.get(name).map(String::as_str).unwrap_or_default()
    }
}

impl<S: Send + Sync> FromRequestParts<S> for PathParams {
    type Rejection = AppError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        let Path(params) = Path::<HashMap<String, String>>::from_request_parts(parts, state)
            .await
            .map_err(|_| AppError::bad_request("invalid_path", "The path is invalid."))?;
        Ok(PathParams(params))
    }
}

/// The `{id}` segment of the path.
pub struct IdParam(pub String);

impl<S: Send + Sync> FromRequestParts<S> for IdParam {
    type Rejection = AppError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        let PathParams(mut params) = PathParams::from_request_parts(parts, state).await?;
        params.remove("id").map(IdParam).ok_or_else(|| AppError::bad_request("invalid_path", "The path has no id."))
    }
}

/// A JSON body that may be left out: an empty (or all-whitespace) body is `T::default()`.
/// Unlike [`AppJson`] it does not insist on a Content-Type, as no body needs none; a body that
/// is sent is an object, as for [`AppJson`].
#[derive(Debug, Clone, Copy, Default)]
pub struct OptionalJson<T>(pub T);

impl<T: serde::de::DeserializeOwned + Default, S: Send + Sync> FromRequest<S> for OptionalJson<T> {
    type Rejection = AppError;

    async fn from_request(request: Request, state: &S) -> Result<Self, Self::Rejection> {
        let body = axum::body::Bytes::from_request(request, state).await.map_err(|err| {
            if err.status() == axum::http::StatusCode::PAYLOAD_TOO_LARGE {
                too_large()
            } else {
                AppError::bad_request("unreadable_body", "The request body could not be read.")
            }
        })?;
        if body.iter().all(u8::is_ascii_whitespace) {
            return Ok(OptionalJson(T::default()));
        }
        serde_json::from_slice::<ObjectBody<T>>(&body).map(|object| OptionalJson(object.0)).map_err(|err| match err.classify() {
            serde_json::error::Category::Data => AppError::invalid_field("body", err.to_string()),
            _ if err.to_string().contains("recursion limit exceeded") => too_deep(),
            _ => AppError::bad_request("malformed_json", "The body is not valid JSON."),
        })
    }
}
