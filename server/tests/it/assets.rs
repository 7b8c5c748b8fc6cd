//! The built site as a CDN would serve it (`server::assets`), over a temporary site directory
//! laid out the way `scripts/build.sh` leaves `target/site`: hashed names, `.br` and `.gz`
//! siblings, and the `hash.txt` manifest.

use std::path::Path;

use axum::{
    Router,
    body::{Body, Bytes},
    http::{HeaderMap, Request, StatusCode, header},
};
use http_body_util::BodyExt;
use server::{
    web::assets::{self, CACHE_IMMUTABLE, CACHE_PAGE, CACHE_PUBLIC_FILE, CACHE_REVALIDATE},
    auth::TokenKeys,
    config::{Mode, ServerConfig},
    state::AppState,
};
use tower::ServiceExt;

use crate::app::SECRET;

const JS_HASH: &str = "0123456789abcdef";
const WASM_HASH: &str = "fedcba9876543210";
const CSS_HASH: &str = "00112233445566aa";

/// A site with the three hashed assets, each with distinguishable bytes for its plain, brotli and
/// gzip file, plus an unhashed file without siblings and the favicon.
fn built_site() -> tempfile::TempDir {
    let site = tempfile::Builder::new().prefix("canopy-site-").tempdir().expect("temp dir");
    let pkg = site.path().join("pkg");
    std::fs::create_dir(&pkg).unwrap();
    for (extension, hash) in [("js", JS_HASH), ("wasm", WASM_HASH), ("css", CSS_HASH)] {
        let name = format!("canopy.{hash}.{extension}");
        std::fs::write(pkg.join(&name), plain_bytes(extension)).unwrap();
        std::fs::write(pkg.join(format!("{name}.br")), format!("brotli of {extension}")).unwrap();
        std::fs::write(pkg.join(format!("{name}.gz")), format!("gzip of {extension}")).unwrap();
    }
    std::fs::write(pkg.join("extra.js"), "x".repeat(4096)).unwrap();
    std::fs::write(site.path().join("favicon.svg"), format!("<svg>{}</svg>", " ".repeat(2048))).unwrap();
    std::fs::write(site.path().join("hash.txt"), format!("js: {JS_HASH}\nwasm: {WASM_HASH}\ncss: {CSS_HASH}\n")).unwrap();
    site
}

/// Long enough that on-the-fly compression would compress it, were it applied.
fn plain_bytes(extension: &str) -> String {
    format!("plain {extension} ").repeat(512)
}

async fn router_over(site: &Path) -> Router {
    let options = leptos::config::LeptosOptions::builder()
        .output_name("canopy")
        .site_root(site.to_str().expect("UTF-8 temp path"))
        .site_pkg_dir("pkg")
        .build();
    let store = crate::common::test_store().await;
    let state = AppState::new(store, TokenKeys::new(SECRET), ServerConfig::new(Mode::Development), assets::with_hashed_names(options));
    server::app_router(state)
}

async fn get(router: &Router, path: &str, accept_encoding: Option<&str>) -> (StatusCode, HeaderMap, Bytes) {
    let mut request = Request::builder().uri(path);
    if let Some(encodings) = accept_encoding {
        request = request.header(header::ACCEPT_ENCODING, encodings);
    }
    let response = router.clone().oneshot(request.body(Body::empty()).unwrap()).await.expect("the router answers");
    let (parts, body) = response.into_parts();
    (parts.status, parts.headers, body.collect().await.expect("body reads").to_bytes())
}

fn header_of(headers: &HeaderMap, name: header::HeaderName) -> Option<&str> {
    headers.get(name).map(|value| value.to_str().expect("ASCII header"))
}

#[tokio::test]
async fn hashed_assets_are_sent_as_their_precompressed_files_and_cached_for_a_year() {
    let site = built_site();
    let router = router_over(site.path()).await;
    let wasm = format!("/pkg/canopy.{WASM_HASH}.wasm");

    let (status, headers, body) = get(&router, &wasm, Some("gzip, deflate, br, zstd")).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(body, "brotli of wasm");
    assert_eq!(header_of(&headers, header::CONTENT_ENCODING), Some("br"));
    assert_eq!(header_of(&headers, header::CONTENT_TYPE), Some("application/wasm"));
    assert_eq!(header_of(&headers, header::CACHE_CONTROL), Some(CACHE_IMMUTABLE));
    assert_eq!(CACHE_IMMUTABLE, "public, max-age=31536000, immutable");
    assert_eq!(header_of(&headers, header::VARY), Some("accept-encoding"));

    let (_, headers, body) = get(&router, &format!("/pkg/canopy.{JS_HASH}.js"), Some("gzip")).await;
    assert_eq!(body, "gzip of js");
    assert_eq!(header_of(&headers, header::CONTENT_ENCODING), Some("gzip"));
    assert_eq!(header_of(&headers, header::CACHE_CONTROL), Some(CACHE_IMMUTABLE));

    let (_, headers, body) = get(&router, &format!("/pkg/canopy.{CSS_HASH}.css"), None).await;
    assert_eq!(body, plain_bytes("css"));
    assert_eq!(header_of(&headers, header::CONTENT_ENCODING), None);
    assert_eq!(header_of(&headers, header::CACHE_CONTROL), Some(CACHE_IMMUTABLE));
}

#[tokio::test]
async fn pkg_files_are_never_compressed_on_the_fly_and_unhashed_ones_are_revalidated() {
    let site = built_site();
    let router = router_over(site.path()).await;
    let (status, headers, body) = get(&router, "/pkg/extra.js", Some("br, gzip")).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(body.len(), 4096, "sent as it is on disk");
    assert_eq!(header_of(&headers, header::CONTENT_ENCODING), None);
    assert_eq!(header_of(&headers, header::CACHE_CONTROL), Some(CACHE_REVALIDATE));

    let (status, headers, _) = get(&router, "/pkg/canopy.0000000000000000.wasm", Some("br")).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert_eq!(header_of(&headers, header::CACHE_CONTROL), None, "a missing file is not cached for a year");
}

#[tokio::test]
async fn pages_name_the_hashed_files_and_are_not_cached() {
    let site = built_site();
    let router = router_over(site.path()).await;
    let (status, headers, body) = get(&router, "/login", None).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(header_of(&headers, header::CACHE_CONTROL), Some(CACHE_PAGE));
    assert_eq!(CACHE_PAGE, "private, no-cache");
    let html = String::from_utf8(body.to_vec()).unwrap();
    for name in [format!("canopy.{JS_HASH}.js"), format!("canopy.{WASM_HASH}.wasm"), format!("canopy.{CSS_HASH}.css")] {
        assert!(html.contains(&format!("/pkg/{name}")), "the page names {name}: {html}");
    }

    // Pages are still compressed, on the fly.
    let (_, headers, _) = get(&router, "/login", Some("br")).await;
    assert_eq!(header_of(&headers, header::CONTENT_ENCODING), Some("br"));
    assert_eq!(header_of(&headers, header::CACHE_CONTROL), Some(CACHE_PAGE));

    let (status, headers, _) = get(&router, "/no-such-page", None).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert_eq!(header_of(&headers, header::CACHE_CONTROL), Some(CACHE_PAGE));
}

#[tokio::test]
async fn public_files_are_cached_for_an_hour_and_the_manifest_is_not_served() {
    let site = built_site();
    let router = router_over(site.path()).await;
    let (status, headers, body) = get(&router, "/favicon.svg", None).await;
    assert_eq!(status, StatusCode::OK);
    assert!(body.starts_with(b"<svg>"));
    assert_eq!(header_of(&headers, header::CONTENT_TYPE), Some("image/svg+xml"));
    assert_eq!(header_of(&headers, header::CACHE_CONTROL), Some(CACHE_PUBLIC_FILE));

    let (status, headers, _) = get(&router, "/hash.txt", None).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert_eq!(header_of(&headers, header::CONTENT_TYPE), Some("text/html; charset=utf-8"));
}

#[tokio::test]
async fn without_a_manifest_pages_name_the_plain_files() {
    let site = built_site();
    std::fs::remove_file(site.path().join("hash.txt")).unwrap();
    let router = router_over(site.path()).await;
    let (_, _, body) = get(&router, "/login", None).await;
    let html = String::from_utf8(body.to_vec()).unwrap();
    assert!(html.contains("/pkg/canopy.js") && html.contains("/pkg/canopy.css"), "{html}");
    assert!(!html.contains(JS_HASH) && !html.contains(CSS_HASH), "{html}");
}
