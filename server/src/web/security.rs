//! What every response tells the browser, and the portal's guard against cross-site writes.
//!
//! - Every response: `X-Content-Type-Options: nosniff`, `Referrer-Policy: same-origin`,
//!   `X-Frame-Options: DENY` (for browsers without CSP level 2), and, in production mode,
//!   `Strict-Transport-Security`.
//! - Pages (`text/html`): a Content-Security-Policy whose only inline scripts are those carrying
//!   this response's nonce. The nonce is made here, per request, handed to the page render as
//!   [`CspNonce`] (and to Leptos, whose hydration and resource scripts carry it, by
//!   [`provide_page_nonce`]), and named in the header. Scripts, styles, images, fonts and
//!   connections come from this origin only; WebAssembly may be compiled (`'wasm-unsafe-eval'`);
//!   no plugins, no `<base>`, forms post here only, and no site may frame a page.
//! - The API reference (`/api/docs`) loads Scalar from its CDN and styles itself at run time: it
//!   gets its own policy (scripts from `cdn.jsdelivr.net` only, no inline scripts).
//! - Everything else (JSON, assets): `default-src 'none'; frame-ancestors 'none'`.
//! - State-changing portal requests (`POST`/`PUT`/`PATCH`/`DELETE` under `/portal/v1`) not
//!   authenticated by a Bearer token (so: by the session cookie, or the sign-in itself) are
//!   refused with a 403 `cross_site_request` when the browser says they come from another site:
//!   `Sec-Fetch-Site` other than `same-origin`/`none`, or an `Origin` other than this server's
//!   (the `Host` the request was sent to, or `X-Forwarded-Host` from a trusted proxy). A request
//!   with neither header (curl, scripts) is not a browser's cross-site request and passes.
//!   SameSite=Strict on the cookie is the first guard; this one does not depend on the browser
//!   honouring it.

use std::sync::Arc;

use axum::{
    extract::{Request, State},
    http::{HeaderMap, HeaderValue, Method, header},
    middleware::Next,
    response::{IntoResponse, Response},
};
use leptos::prelude::{provide_context, use_context};
use rand::RngCore;

use crate::{config::ServerConfig, features::reference::docs::REFERENCE_PATH, web::error::AppError};

/// The CSP nonce of this request's page, 128 random bits.
#[derive(Debug, Clone)]
pub struct CspNonce(pub Arc<str>);

impl CspNonce {
    fn new() -> Self {
        let mut bytes = [0u8; 16];
        rand::rngs::OsRng.fill_bytes(&mut bytes);
        CspNonce(hex::encode(bytes).into())
    }
}

/// HSTS in production: a year; subdomains of the server's own name included.
pub const HSTS: &str = "max-age=31536000; includeSubDomains";
pub const NOSNIFF: &str = "nosniff";
pub const REFERRER_POLICY: &str = "same-origin";
pub const FRAME_OPTIONS: &str = "DENY";
/// Responses that are not pages: nothing may load from them, nothing may frame them.
pub const NON_PAGE_POLICY: &str = "default-src 'none'; frame-ancestors 'none'";
/// `/api/docs`: Scalar's script from its CDN, its run-time styles, its fonts and images.
pub const REFERENCE_POLICY: &str = "default-src 'self'; script-src https://cdn.jsdelivr.net; style-src 'self' 'unsafe-inline' https:; font-src 'self' https: data:; img-src 'self' https: data:; connect-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'";

/// The policy of a page with this nonce.
pub fn page_policy(nonce: &str) -> String {
    format!(
        "default-src 'self'; script-src 'self' 'nonce-{nonce}' 'wasm-unsafe-eval'; style-src 'self'; img-src 'self' data:; \
         font-src 'self'; connect-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"
    )
}

/// Inside a page render (the router's additional context): gives Leptos this request's nonce
/// in place of the one `leptos_axum` drew, so the header and the page's scripts agree.
pub fn provide_page_nonce() {
    let nonce = use_context::<axum::http::request::Parts>().and_then(|parts| parts.extensions.get::<CspNonce>().cloned());
    if let Some(CspNonce(nonce)) = nonce {
        provide_context(leptos::nonce::Nonce::from_value(nonce));
    }
}

/// The header middleware (outermost but for the request id).
pub async fn headers(State(config): State<Arc<ServerConfig>>, mut request: Request, next: Next) -> Response {
    let nonce = CspNonce::new();
    let is_reference = request.uri().path() == REFERENCE_PATH;
    request.extensions_mut().insert(nonce.clone());
    let mut response = next.run(request).await;
    let is_page = response
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|value| value.to_str().ok())
        .is_some_and(|value| value.starts_with("text/html"));
    let policy = match (is_reference, is_page) {
        (true, _) => HeaderValue::from_static(REFERENCE_POLICY),
        (false, true) => HeaderValue::from_str(&page_policy(&nonce.0)).expect("a hex nonce is a valid header value"),
        (false, false) => HeaderValue::from_static(NON_PAGE_POLICY),
    };
    let headers = response.headers_mut();
    headers.insert(header::CONTENT_SECURITY_POLICY, policy);
    headers.insert(header::X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static(NOSNIFF));
    headers.insert(header::REFERRER_POLICY, HeaderValue::from_static(REFERRER_POLICY));
    headers.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static(FRAME_OPTIONS));
    if config.hsts {
        headers.insert(header::STRICT_TRANSPORT_SECURITY, HeaderValue::from_static(HSTS));
    }
    response
}

/// The cross-site guard of the portal API.
pub async fn refuse_cross_site(State(config): State<Arc<ServerConfig>>, request: Request, next: Next) -> Response {
    let guarded = request.uri().path().starts_with("/portal/v1/")
        && matches!(*request.method(), Method::POST | Method::PUT | Method::PATCH | Method::DELETE)
        && !has_bearer_token(request.headers());
    if guarded {
        let (parts, body) = request.into_parts();
        if let Some(reason) = cross_site_reason(&parts, &config) {
            tracing::warn!(path = %parts.uri.path(), reason, "cross-site portal request refused");
            return AppError::Forbidden {
                code: "cross_site_request",
                message: "Requests to the portal API from another site are refused.".into(),
            }
            .into_response();
        }
        return next.run(Request::from_parts(parts, body)).await;
    }
    next.run(request).await
}

fn has_bearer_token(headers: &HeaderMap) -> bool {
    headers
        .get(header::AUTHORIZATION)
        .and_then(|value| value.to_str().ok())
        .and_then(|value| value.split_once(' '))
        .is_some_and(|(scheme, token)| scheme.eq_ignore_ascii_case("bearer") && !token.trim().is_empty())
}

/// Why the request looks cross-site, or `None`.
fn cross_site_reason(parts: &axum::http::request::Parts, config: &ServerConfig) -> Option<&'static str> {
    let headers = &parts.headers;
    if let Some(site) = headers.get("sec-fetch-site") {
        if !matches!(site.to_str().unwrap_or_default(), "same-origin" | "none") {
            return Some("Sec-Fetch-Site is not same-origin");
        }
    }
    let origin = headers.get(header::ORIGIN)?;
    let Some(origin_host) = origin.to_str().ok().and_then(origin_authority) else {
        return Some("Origin is opaque or malformed");
    };
    let forwarded_host = if config.trusted_proxies.is_empty() {
        None
    } else {
        let peer = parts.extensions.get::<axum::extract::ConnectInfo<std::net::SocketAddr>>().map(|info| info.0.ip());
        peer.filter(|peer| config.trusted_proxies.contains(*peer))
            .and_then(|_| headers.get("x-forwarded-host"))
            .and_then(|value| value.to_str().ok())
            .and_then(|value| value.split(',').next())
            .map(str::trim)
    };
    let host = forwarded_host
        .or_else(|| headers.get(header::HOST).and_then(|value| value.to_str().ok()))
        .or_else(|| parts.uri.authority().map(|authority| authority.as_str()));
    match host {
        Some(host) if host.eq_ignore_ascii_case(origin_host) => None,
        _ => Some("Origin is not this server"),
    }
}

/// `https://canopy.example:8443` → `canopy.example:8443`; `null` and non-URLs → `None`.
fn origin_authority(origin: &str) -> Option<&str> {
    let (scheme, rest) = origin.split_once("://")?;
    if !matches!(scheme, "http" | "https") || rest.is_empty() || rest.contains('/') {
        return None;
    }
    Some(rest)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn origins_are_reduced_to_their_authority() {
        assert_eq!(origin_authority("https://canopy.example"), Some("canopy.example"));
        assert_eq!(origin_authority("http://127.0.0.1:3000"), Some("127.0.0.1:3000"));
        assert_eq!(origin_authority("null"), None);
        assert_eq!(origin_authority("https://evil.example/path"), None);
        assert_eq!(origin_authority("file://"), None);
    }

    #[test]
    fn the_page_policy_names_the_nonce_and_allows_no_inline_script_without_it() {
        let policy = page_policy("abc123");
        assert!(policy.contains("script-src 'self' 'nonce-abc123' 'wasm-unsafe-eval';"));
        assert!(!policy.contains("unsafe-inline"));
        assert!(policy.ends_with("frame-ancestors 'none'"));
    }
}
