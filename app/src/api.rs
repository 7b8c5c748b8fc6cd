//! The portal's typed REST client: the same `/portal/v1` endpoints API clients call.
//!
//! In the browser (`hydrate`) requests go over HTTP with gloo-net; the session cookie travels
//! because the portal and the API share an origin. During server rendering (`ssr`) there is no
//! network hop: the request is handed to the server's REST router in-process
//! ([`ApiRouter`], provided as Leptos context by the server) with the incoming page request's
//! `cookie` header, so a server-rendered page sees exactly what the browser would.

use serde::{Deserialize, Serialize, de::DeserializeOwned};

use crate::dto::ApiErrorBody;

/// A non-2xx answer (or a failure to get one): the HTTP status and the API's error body.
///
/// Serialisable because resources carry it from the server-rendered page to the hydrating
/// browser.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, thiserror::Error)]
#[error("{status}: {body}")]
pub struct ApiError {
    /// The HTTP status; `0` when the request never got an answer (network down, aborted).
    pub status: u16,
    pub body: ApiErrorBody,
}

impl ApiError {
    pub fn new(status: u16, code: &str, message: &str) -> Self {
        Self { status, body: ApiErrorBody::new(code, message) }
    }

    /// 401: no session, or it has ended. Pages answer with a redirect to the sign-in page.
    pub fn is_unauthorized(&self) -> bool {
        self.status == 401
    }

    /// 404: the thing does not exist or belongs to an account the admin cannot see.
    pub fn is_not_found(&self) -> bool {
        self.status == 404
    }

    /// 412: an edit sent with `If-Match` found the object changed since it was read.
    pub fn is_stale(&self) -> bool {
        self.status == 412
    }

    fn network(message: impl std::fmt::Display) -> Self {
        log_transport_failure(&message);
        Self::new(0, "network_error", "Canopy could not be reached. Check your connection and try again.")
    }

    fn unexpected(status: u16) -> Self {
        Self::new(status, "unexpected_response", "Canopy answered with something this page did not expect.")
    }

    /// Turns a raw answer into the caller's type or an [`ApiError`].
    fn from_answer<T: DeserializeOwned>(status: u16, bytes: &[u8]) -> Result<T, ApiError> {
        if (200..300).contains(&status) {
            // A 204 has no body; `()` (and `Option<_>`) read that as JSON `null`.
            let bytes: &[u8] = if bytes.is_empty() { b"null" } else { bytes };
            from_json(bytes).ok_or_else(|| ApiError::unexpected(status))
        } else {
            let body = from_json::<ApiErrorBody>(bytes).unwrap_or_else(|| {
                ApiErrorBody::new("http_error", format!("The request failed with status {status}."))
            });
            Err(ApiError { status, body })
        }
    }
}

/// Reads a JSON answer through `serde_json::from_str`, the reader Leptos's resource codec uses
/// to hand server-rendered data to the browser. With `from_slice` here, every response type's
/// deserializer was compiled into the WASM twice, once per reader (66 KB raw, 6 KB brotli).
fn from_json<T: DeserializeOwned>(bytes: &[u8]) -> Option<T> {
    serde_json::from_str(std::str::from_utf8(bytes).ok()?).ok()
}

/// Logs transport failures where a log exists: the browser console, or stderr on the server.
fn log_transport_failure(message: &dyn std::fmt::Display) {
    leptos::logging::warn!("api request failed: {message}");
}

/// What one request got back.
pub(crate) struct Answer {
    status: u16,
    bytes: Vec<u8>,
    /// The `ETag`: the version of the object answered with, for `If-Match`.
    etag: Option<String>,
}

/// An object as read, with the version (`ETag`) an edit of it sends back in `If-Match`.
#[derive(Debug, Clone, PartialEq)]
pub struct Versioned<T> {
    pub value: T,
    pub etag: Option<String>,
}

/// `GET path` (e.g. `/portal/v1/me`) as `T`.
pub async fn get<T: DeserializeOwned>(path: &str) -> Result<T, ApiError> {
    let answer = transport::send("GET", path, None, &[]).await?;
    ApiError::from_answer(answer.status, &answer.bytes)
}

/// `GET path` as `T`, with its `ETag`.
pub async fn get_versioned<T: DeserializeOwned>(path: &str) -> Result<Versioned<T>, ApiError> {
    let answer = transport::send("GET", path, None, &[]).await?;
    Ok(Versioned { value: ApiError::from_answer(answer.status, &answer.bytes)?, etag: answer.etag })
}

/// Every item of a paginated list: `path` (without `take`/`page`) read 100 at a time, at most
/// `max_pages` pages.
pub async fn get_all<T: DeserializeOwned>(path: &str, max_pages: u32) -> Result<Vec<T>, ApiError> {
    let separator = if path.contains('?') { '&' } else { '?' };
    let mut items = Vec::new();
    for page in 1..=max_pages {
        let answer: crate::dto::Paginated<T> = get(&format!("{path}{separator}take=100&page={page}")).await?;
        items.extend(answer.items);
        if !answer.pagination.has_next_page {
            break;
        }
    }
    Ok(items)
}

fn encode_body<B: Serialize>(body: &B) -> Result<Vec<u8>, ApiError> {
    serde_json::to_vec(body).map_err(|_| ApiError::new(0, "invalid_request", "The request could not be encoded."))
}

/// `POST path` with a JSON body, answered as `T`.
pub async fn post_json<B: Serialize, T: DeserializeOwned>(path: &str, body: &B) -> Result<T, ApiError> {
    let answer = transport::send("POST", path, Some(encode_body(body)?), &[]).await?;
    ApiError::from_answer(answer.status, &answer.bytes)
}

/// `PATCH path` with a JSON body, answered as `T` with its new `ETag`; with `if_match` (the
/// `ETag` of the read the edit started from) a change made since is a 412 ([`ApiError::is_stale`]).
pub async fn patch_json<B: Serialize, T: DeserializeOwned>(path: &str, body: &B, if_match: Option<&str>) -> Result<Versioned<T>, ApiError> {
    write_versioned("PATCH", path, body, if_match).await
}

async fn write_versioned<B: Serialize, T: DeserializeOwned>(method: &str, path: &str, body: &B, if_match: Option<&str>) -> Result<Versioned<T>, ApiError> {
    let headers: Vec<(&str, &str)> = if_match.map(|tag| ("If-Match", tag)).into_iter().collect();
    let answer = transport::send(method, path, Some(encode_body(body)?), &headers).await?;
    Ok(Versioned { value: ApiError::from_answer(answer.status, &answer.bytes)?, etag: answer.etag })
}

/// `PUT path` with a JSON body (a whole replacement, e.g. `roles/{id}/permissions`), answered as
/// `T` with its new `ETag`; `if_match` as for [`patch_json`].
pub async fn put_json<B: Serialize, T: DeserializeOwned>(path: &str, body: &B, if_match: Option<&str>) -> Result<Versioned<T>, ApiError> {
    write_versioned("PUT", path, body, if_match).await
}

/// `DELETE path`; a 204 is `Ok(())`.
pub async fn delete(path: &str) -> Result<(), ApiError> {
    let answer = transport::send("DELETE", path, None, &[]).await?;
    ApiError::from_answer(answer.status, &answer.bytes)
}

/// The answer of a bulk endpoint: 200, 207 and 422 all carry a [`crate::dto::BulkResponse`], so
/// the body is read whatever the status; anything else is an [`ApiError`].
pub async fn post_bulk<B: Serialize, T: DeserializeOwned>(
    path: &str,
    body: &B,
    idempotency_key: Option<&str>,
) -> Result<crate::dto::BulkResponse<T>, ApiError> {
    let headers: Vec<(&str, &str)> = idempotency_key.map(|key| ("Idempotency-Key", key)).into_iter().collect();
    let Answer { status, bytes, .. } = transport::send("POST", path, Some(encode_body(body)?), &headers).await?;
    match status {
        200 | 207 | 422 => match from_json(&bytes) {
            Some(response) => Ok(response),
            // A 422 that is a whole-request validation error rather than a bulk outcome.
            None => ApiError::from_answer(if status == 422 { 422 } else { 500 }, &bytes),
        },
        _ => ApiError::from_answer(status, &bytes),
    }
}

/// Runs `future` (a resource's loader) with the API it calls bound now, where the resource is
/// created, rather than looked up at each `.await`.
///
/// On the server, a page's view can be built twice while it renders (a dry run, then the real
/// one); the first copy's owner is disposed while its loaders may still be between two requests,
/// and a loader that made several calls then found no API in context and resolved to an error.
/// That error could be serialized for the browser while the HTML showed the data, and hydration
/// broke. Binding the router and the page request up front makes every call of a loader see the
/// same API as its first. In the browser this is the future itself.
pub fn bound<F: std::future::Future>(future: F) -> impl std::future::Future<Output = F::Output> {
    #[cfg(feature = "ssr")]
    {
        let binding = leptos::prelude::use_context::<ApiRouter>()
            .map(|router| transport::Binding { router, incoming: leptos::prelude::use_context::<http::request::Parts>() });
        async move {
            match binding {
                Some(binding) => transport::BOUND.scope(binding, future).await,
                None => future.await,
            }
        }
    }
    #[cfg(not(feature = "ssr"))]
    future
}

/// The server's REST router, provided as Leptos context while a page renders on the server.
#[cfg(feature = "ssr")]
#[derive(Clone)]
pub struct ApiRouter(pub axum::Router);

#[cfg(feature = "ssr")]
mod transport {
    use axum::body::Body;
    use http::{Method, Request, header};
    use leptos::prelude::use_context;
    use tower::ServiceExt;

    use super::{Answer, ApiError, ApiRouter};

    /// Portal responses are small; this bounds what one in-process answer may make a render buffer.
    const MAX_RESPONSE_BYTES: usize = 16 * 1024 * 1024;

    /// The API a loader was bound to by [`super::bound`].
    #[derive(Clone)]
    pub(super) struct Binding {
        pub router: ApiRouter,
        pub incoming: Option<http::request::Parts>,
    }

    tokio::task_local! {
        pub(super) static BOUND: Binding;
    }

    pub(super) async fn send(
        method: &str,
        path: &str,
        json: Option<Vec<u8>>,
        headers: &[(&str, &str)],
    ) -> Result<Answer, ApiError> {
        let binding = BOUND.try_with(Binding::clone).ok().or_else(|| {
            use_context::<ApiRouter>().map(|router| Binding { router, incoming: use_context::<http::request::Parts>() })
        });
        let Some(Binding { router: ApiRouter(router), incoming }) = binding else {
            return Err(ApiError::new(500, "api_unavailable", "The page could not reach the API while rendering."));
        };
        let method = Method::from_bytes(method.as_bytes()).map_err(ApiError::network)?;
        let mut request = Request::builder().method(method).uri(path).header(header::ACCEPT, "application/json");
        for (name, value) in headers {
            request = request.header(*name, *value);
        }
        if let Some(incoming) = &incoming {
            // The admin's session cookie is what authenticates the page; the request id ties the
            // in-process call to the page request in the logs and the audit trail.
            for value in incoming.headers.get_all(header::COOKIE) {
                request = request.header(header::COOKIE, value.clone());
            }
            if let Some(id) = incoming.headers.get("x-request-id") {
                request = request.header("x-request-id", id.clone());
            }
        }
        let body = match json {
            Some(json) => {
                request = request.header(header::CONTENT_TYPE, "application/json");
                Body::from(json)
            }
            None => Body::empty(),
        };
        let request = request.body(body).map_err(ApiError::network)?;
        let response = match router.oneshot(request).await {
            Ok(response) => response,
            Err(never) => match never {},
        };
        let status = response.status().as_u16();
        let etag = response.headers().get(header::ETAG).and_then(|tag| tag.to_str().ok()).map(str::to_owned);
        let bytes = axum::body::to_bytes(response.into_body(), MAX_RESPONSE_BYTES).await.map_err(ApiError::network)?;
        Ok(Answer { status, bytes: bytes.to_vec(), etag })
    }
}

#[cfg(all(feature = "hydrate", not(feature = "ssr")))]
mod transport {
    use send_wrapper::SendWrapper;

    use super::{Answer, ApiError};

    pub(super) async fn send(method: &str, path: &str, json: Option<Vec<u8>>, headers: &[(&str, &str)]) -> Result<Answer, ApiError> {
        let headers = headers.iter().map(|(name, value)| ((*name).to_owned(), (*value).to_owned())).collect();
        // gloo-net's futures hold JS values and are not `Send`; WASM runs on one thread, so
        // wrapping them is sound and lets Leptos resources (which require `Send`) await them.
        SendWrapper::new(fetch(method.to_owned(), path.to_owned(), json, headers)).await
    }

    async fn fetch(method: String, path: String, json: Option<Vec<u8>>, headers: Vec<(String, String)>) -> Result<Answer, ApiError> {
        use gloo_net::http::{Method, RequestBuilder};

        let method = match method.as_str() {
            "POST" => Method::POST,
            "PATCH" => Method::PATCH,
            "PUT" => Method::PUT,
            "DELETE" => Method::DELETE,
            _ => Method::GET,
        };
        let mut builder = RequestBuilder::new(&path).method(method).header("Accept", "application/json");
        for (name, value) in &headers {
            builder = builder.header(name, value);
        }
        let request = match json {
            Some(json) => {
                let text = String::from_utf8(json).map_err(ApiError::network)?;
                builder.header("Content-Type", "application/json").body(text)
            }
            None => builder.build(),
        }
        .map_err(ApiError::network)?;
        let response = request.send().await.map_err(ApiError::network)?;
        let status = response.status();
        let etag = response.headers().get("etag");
        let bytes = response.binary().await.map_err(ApiError::network)?;
        Ok(Answer { status, bytes, etag })
    }
}

/// Neither side is compiled in (a plain `cargo check -p app`): there is nothing to call.
#[cfg(not(any(feature = "ssr", feature = "hydrate")))]
mod transport {
    use super::{Answer, ApiError};

    pub(super) async fn send(_method: &str, _path: &str, _json: Option<Vec<u8>>, _headers: &[(&str, &str)]) -> Result<Answer, ApiError> {
        Err(ApiError::new(0, "api_unavailable", "Build the app crate with `ssr` or `hydrate` to call the API."))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::dto::MeResponse;

    #[test]
    fn error_answers_keep_status_and_body() {
        let body = br#"{"code":"invalid_credentials","message":"Email or password is incorrect."}"#;
        let err = ApiError::from_answer::<MeResponse>(401, body).unwrap_err();
        assert!(err.is_unauthorized());
        assert_eq!(err.body.code, "invalid_credentials");
        assert_eq!(err.body.message, "Email or password is incorrect.");
    }

    #[test]
    fn non_json_errors_still_carry_the_status() {
        let err = ApiError::from_answer::<MeResponse>(502, b"<html>bad gateway</html>").unwrap_err();
        assert_eq!((err.status, err.body.code.as_str()), (502, "http_error"));
    }

    #[test]
    fn empty_success_reads_as_unit() {
        assert_eq!(ApiError::from_answer::<()>(204, b""), Ok(()));
    }
}
