//! Route registration that remembers what it registered.
//!
//! An axum `Router` cannot list its routes, so nothing could check the OpenAPI document against
//! it. [`ApiRoutes`] wraps the router: every `get`/`post`/... both adds the route and records its
//! method and path (with the prefixes of enclosing `nest`s applied), and the route modules build
//! their routes only through it. The test suite compares that table with the document's
//! operations, both ways.

use std::fmt;

use axum::{
    Router,
    handler::Handler,
    http::Method,
    routing::{self, MethodRouter},
};

use crate::state::AppState;

/// Where an admin's application-level routes are nested under `/portal/v1`.
pub const APPLICATION: &str = "/accounts/{account_slug}/applications/{app_slug}";
/// Where an admin's environment-level routes are nested under `/portal/v1`.
pub const ENVIRONMENT: &str = "/accounts/{account_slug}/applications/{app_slug}/environments/{env_slug}";

/// One operation the router serves: a method on a path template (`/api/v1/assignments/{id}`).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Endpoint {
    pub method: Method,
    pub path: String,
    /// What the handler reads its body as, from its extractors' types: the name of `T` in
    /// `AppJson<T>` / `OptionalJson<T>`, [`Endpoint::ANY_BODY`] for a handler that takes the raw
    /// request and reads it by content type, `None` for no body.
    pub body: Option<String>,
}

impl Endpoint {
    pub const ANY_BODY: &str = "*";
}

/// The body type named in a handler's extractor tuple (`std::any::type_name` of it).
fn body_type(extractors: &str) -> Option<String> {
    if extractors.contains("http::request::Request<") {
        return Some(Endpoint::ANY_BODY.to_owned());
    }
    ["::AppJson<", "::OptionalJson<"].iter().find_map(|wrapper| {
        let inner = &extractors[extractors.find(wrapper)? + wrapper.len()..];
        let mut depth = 0usize;
        let end = inner
            .char_indices()
            .find(|(_, c)| match c {
                '<' => {
                    depth += 1;
                    false
                }
                '>' if depth == 0 => true,
                '>' => {
                    depth -= 1;
                    false
                }
                _ => false,
            })
            .map_or(inner.len(), |(at, _)| at);
        let path = inner[..end].split('<').next().unwrap_or_default();
        Some(path.rsplit("::").next().unwrap_or(path).to_owned())
    })
}

impl fmt::Display for Endpoint {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} {}", self.method, self.path)
    }
}

/// A `Router<AppState>` plus the table of the endpoints it serves.
#[must_use]
#[derive(Default)]
pub struct ApiRoutes {
    router: Router<AppState>,
    endpoints: Vec<Endpoint>,
}

impl ApiRoutes {
    pub fn new() -> Self {
        Self::default()
    }

    pub fn get<H: Handler<T, AppState>, T: 'static>(self, path: &str, handler: H) -> Self {
        self.on::<T>(Method::GET, path, routing::get(handler))
    }

    pub fn post<H: Handler<T, AppState>, T: 'static>(self, path: &str, handler: H) -> Self {
        self.on::<T>(Method::POST, path, routing::post(handler))
    }

    pub fn put<H: Handler<T, AppState>, T: 'static>(self, path: &str, handler: H) -> Self {
        self.on::<T>(Method::PUT, path, routing::put(handler))
    }

    pub fn patch<H: Handler<T, AppState>, T: 'static>(self, path: &str, handler: H) -> Self {
        self.on::<T>(Method::PATCH, path, routing::patch(handler))
    }

    pub fn delete<H: Handler<T, AppState>, T: 'static>(self, path: &str, handler: H) -> Self {
        self.on::<T>(Method::DELETE, path, routing::delete(handler))
    }

    /// axum merges a second `route` on the same path into the first one's method router (and
    /// panics on a repeated method), so one call per method serves exactly what a chained
    /// `get(..).post(..)` would.
    /// `T` is the handler's extractor tuple, whose type name says what it reads its body as.
    fn on<T>(mut self, method: Method, path: &str, method_router: MethodRouter<AppState>) -> Self {
        self.router = self.router.route(path, method_router);
        self.endpoints.push(Endpoint { method, path: path.to_owned(), body: body_type(std::any::type_name::<T>()) });
        self
    }

    /// `Router::nest`, with `prefix` put in front of the nested table's paths.
    pub fn nest(mut self, prefix: &str, routes: ApiRoutes) -> Self {
        self.router = self.router.nest(prefix, routes.router);
        self.endpoints.extend(routes.endpoints.into_iter().map(|e| Endpoint { path: format!("{prefix}{}", e.path), ..e }));
        self
    }

    pub fn merge(mut self, routes: ApiRoutes) -> Self {
        self.router = self.router.merge(routes.router);
        self.endpoints.extend(routes.endpoints);
        self
    }

    /// Answers what no route matches; not an endpoint of its own.
    pub fn fallback<H: Handler<T, AppState>, T: 'static>(mut self, handler: H) -> Self {
        self.router = self.router.fallback(handler);
        self
    }

    /// Every endpoint, in registration order.
    pub fn endpoints(&self) -> &[Endpoint] {
        &self.endpoints
    }

    pub fn into_router(self) -> Router<AppState> {
        self.router
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_body_type_is_read_from_the_extractors() {
        let json = "(axum_core::extract::private::ViaRequest, axum::extract::state::State<server::state::AppState>, \
                    server::web::extract::AppJson<app::dto::assignment::CreateAssignmentRequest>)";
        assert_eq!(body_type(json).as_deref(), Some("CreateAssignmentRequest"));
        let optional = "(M, server::web::extract::OptionalJson<app::dto::access::IdentityTokenRequest>)";
        assert_eq!(body_type(optional).as_deref(), Some("IdentityTokenRequest"));
        assert_eq!(body_type("(M, http::request::Request<axum_core::body::Body>)").as_deref(), Some(Endpoint::ANY_BODY));
        assert_eq!(body_type("(M, server::web::extract::IdParam)"), None);
    }
}
