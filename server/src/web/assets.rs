//! How the built site reaches browsers: the way a CDN would serve it.
//!
//! - `/pkg/*`, the build's JS, WASM and CSS (the main module, each route's pack of modules, the
//!   modules themselves, the glue and the split loader), are served as `scripts/build.sh` wrote
//!   them: the `.br` (brotli quality 11) or `.gz` (gzip level 9) sibling when the request accepts
//!   it, and never compressed again here (the router merges them outside the on-the-fly
//!   compression). A name that carries its content's hash (`canopy.<16 hex digits>.wasm`,
//!   `pack_audit.<16 hex digits>.wasm`) always means the same bytes, so it is cached for a year
//!   and `immutable`: a repeat visit fetches no JS or WASM. Other names (a build without hashes)
//!   are revalidated on each use.
//! - Pages are rendered for one admin at one moment: `private, no-cache`, never reused unchecked.
//! - The other files of the site root (`public/`: the favicon) keep their names when they change,
//!   so they are cached for an hour only.
//! - Any other path is the portal's designed not-found page with a 404; a path with a trailing
//!   slash is first redirected to the same path without it, which is the one the router knows.
//!
//! Leptos names the hashed files in each page from `hash.txt`, the manifest the build writes next
//! to `pkg/` ([`with_hashed_names`]); each page preloads its route's pack from the manifest that
//! one names ([`route_packs`]).

use std::path::Path;

use axum::{
    Router,
    body::Body,
    extract::{Request, State},
    http::{HeaderValue, Method, StatusCode, Uri, header},
    middleware,
    response::{IntoResponse, Redirect, Response},
};
use leptos::{config::LeptosOptions, prelude::provide_context};
use futures_util::FutureExt;
use tower::ServiceExt;
use tower_http::services::ServeDir;

/// The manifest of hashed names, in the site root (lines `js: <hash>`, `wasm: <hash>`, `css: <hash>`,
/// and for a split build `split: <hash>` and `manifest: <hash>`).
pub const HASH_FILE: &str = "hash.txt";
/// Hashed assets: a year, and no revalidation on reload either.
pub const CACHE_IMMUTABLE: &str = "public, max-age=31536000, immutable";
/// Assets whose names do not change with their content: use only after checking with the server.
pub const CACHE_REVALIDATE: &str = "no-cache";
/// Pages: only this admin's browser may keep one, and it must ask again before showing it.
pub const CACHE_PAGE: &str = "private, no-cache";
/// `public/` files (the favicon): an hour.
pub const CACHE_PUBLIC_FILE: &str = "public, max-age=3600";

/// Turns on Leptos's hashed file names when the build wrote a manifest into the site root.
///
/// Leptos reads the manifest at `current_exe().parent().join(hash_file)`; an absolute `hash_file`
/// replaces that base, so the manifest is found wherever the binary runs from. Without one (a
/// build that did not hash) pages keep naming `/pkg/canopy.js`.
pub fn with_hashed_names(mut options: LeptosOptions) -> LeptosOptions {
    let manifest = Path::new(options.site_root.as_ref()).join(HASH_FILE);
    if let Ok(manifest) = std::fs::canonicalize(&manifest) {
        tracing::debug!(manifest = %manifest.display(), "pages name the hashed assets");
        options.hash_files = true;
        options.hash_file = manifest.to_string_lossy().as_ref().into();
    }
    options
}

/// Which pack of WASM modules each lazy route's page preloads, from the manifest the build lists
/// in `hash.txt` (`manifest: <hash>`, `pkg/__wasm_split_manifest.<hash>.json`). Without one (a
/// build that did not split) pages preload nothing more than the main module.
pub fn route_packs(options: &LeptosOptions) -> app::lazy_pages::RoutePacks {
    let site = Path::new(options.site_root.as_ref());
    let Ok(hashes) = std::fs::read_to_string(site.join(HASH_FILE)) else {
        return Default::default();
    };
    let Some(hash) = hashes.lines().find_map(|line| line.strip_prefix("manifest:")).map(str::trim) else {
        return Default::default();
    };
    let pkg = options.site_pkg_dir.as_ref();
    let file = site.join(pkg).join(format!("__wasm_split_manifest.{hash}.json"));
    let read = std::fs::read_to_string(&file).map_err(|err| err.to_string());
    match read.and_then(|json| app::lazy_pages::RoutePacks::from_manifest(&json, &format!("/{pkg}")).map_err(|err| err.to_string())) {
        Ok(packs) => packs,
        Err(err) => {
            // Only the preloads are lost: the browser still fetches each route's code when it
            // needs it.
            tracing::warn!(manifest = %file.display(), error = %err, "the route packs' manifest is unreadable; pages will not preload them");
            Default::default()
        }
    }
}

/// `/pkg/*` from `<site root>/pkg`, precompressed siblings first, with the cache policy above.
pub fn pkg_router(options: &LeptosOptions) -> Router {
    let dir = Path::new(options.site_root.as_ref()).join(options.site_pkg_dir.as_ref());
    let files = ServeDir::new(dir).precompressed_br().precompressed_gzip().append_index_html_on_directories(false);
    Router::new()
        .nest_service(&format!("/{}", options.site_pkg_dir), files)
        .layer(middleware::map_response(cache_pkg_file))
}

async fn cache_pkg_file(uri: Uri, mut response: Response) -> Response {
    if response.status().is_success() || response.status() == StatusCode::NOT_MODIFIED {
        let name = uri.path().rsplit('/').next().unwrap_or_default();
        let policy = if is_content_hashed(name) { CACHE_IMMUTABLE } else { CACHE_REVALIDATE };
        let headers = response.headers_mut();
        headers.insert(header::CACHE_CONTROL, HeaderValue::from_static(policy));
        // The same URL is brotli, gzip or plain bytes depending on the request: a shared cache
        // must keep them apart (ServeDir does not say so itself).
        headers.insert(header::VARY, HeaderValue::from_static("accept-encoding"));
    }
    response
}

/// Whether a file name carries its content's hash the way `scripts/fingerprint.mjs` writes it:
/// `<stem>.<16 lowercase hex digits>.<extension>`.
pub fn is_content_hashed(name: &str) -> bool {
    let mut parts = name.rsplit('.');
    let (Some(extension), Some(hash), Some(stem)) = (parts.next(), parts.next(), parts.next()) else {
        return false;
    };
    !extension.is_empty()
        && !stem.is_empty()
        && hash.len() == 16
        && hash.bytes().all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
}

/// The response middleware of the page routes: `private, no-cache` unless the response set its own.
pub async fn mark_page_not_cached(mut response: Response) -> Response {
    response.headers_mut().entry(header::CACHE_CONTROL).or_insert(HeaderValue::from_static(CACHE_PAGE));
    response
}

/// The page routes' middleware: a page whose render panicked is rendered once more.
///
/// Leptos (0.8.23, reactive_graph 0.2.16) now and then panics while rendering a page on the
/// server with "Tried to access a reactive value that has already been disposed": about 1 render
/// in 250 of the node page over one keep-alive connection, before the cards there owned their
/// signals through the page (`app::components::page_owned`), 1 in 3,000 after. The panic unwinds
/// the connection's task, so the reader got a reset connection, not the page. A render only reads,
/// so rendering again is safe; the second try starts from a new reactive owner.
pub async fn render_again_after_panic(request: Request, next: middleware::Next) -> Response {
    if request.method() != Method::GET && request.method() != Method::HEAD {
        return next.run(request).await;
    }
    let (parts, body) = request.into_parts();
    let first = next.clone().run(Request::from_parts(parts.clone(), body));
    match std::panic::AssertUnwindSafe(first).catch_unwind().await {
        Ok(response) => response,
        Err(_) => {
            tracing::error!(path = %parts.uri.path(), "a page render panicked (see the panic above); rendering it again");
            // A page read has no body.
            next.run(Request::from_parts(parts, Body::empty())).await
        }
    }
}

/// The page router's fallback: a file of the site root, the same path without its trailing slash,
/// or the not-found page (404), rendered with the in-process API like any page.
pub fn unrouted(options: LeptosOptions, api: Router) -> Router {
    let public_files = ServeDir::new(options.site_root.as_ref()).append_index_html_on_directories(false);
    Router::new().fallback(serve_unrouted).with_state(Unrouted { options, api: app::api::ApiRouter(api), public_files })
}

#[derive(Clone)]
struct Unrouted {
    options: LeptosOptions,
    api: app::api::ApiRouter,
    public_files: ServeDir,
}

async fn serve_unrouted(State(site): State<Unrouted>, request: Request) -> Response {
    if let Some(target) = without_trailing_slash(request.uri()) {
        return Redirect::permanent(&target).into_response();
    }
    let (parts, body) = request.into_parts();
    let is_read = parts.method == Method::GET || parts.method == Method::HEAD;
    // The manifest is the server's, not a page's.
    if is_read && parts.uri.path().strip_prefix('/') != Some(HASH_FILE) {
        let probe = Request::from_parts(parts.clone(), Body::empty());
        let Ok(file) = site.public_files.clone().oneshot(probe).await;
        if file.status().is_success() || file.status() == StatusCode::NOT_MODIFIED {
            let mut file = file.map(Body::new);
            file.headers_mut().insert(header::CACHE_CONTROL, HeaderValue::from_static(CACHE_PUBLIC_FILE));
            return file;
        }
    }
    let Unrouted { options, api, .. } = site;
    let render = leptos_axum::render_app_async_with_context(
        move || {
            provide_context(api.clone());
            crate::web::security::provide_page_nonce();
        },
        move || app::shell(options.clone()),
    );
    let mut response = render(Request::from_parts(parts, body)).await;
    // The app's own fallback is the not-found page; a page that set another status (a redirect
    // to sign in) keeps it.
    if response.status() == StatusCode::OK {
        *response.status_mut() = StatusCode::NOT_FOUND;
    }
    response
}

/// `/a/acme/billing/production/?x=1` → `/a/acme/billing/production?x=1`. Never for `/`, and never
/// when what is left starts with `//` or `/\`, which a browser would read as another host.
fn without_trailing_slash(uri: &Uri) -> Option<String> {
    let path = uri.path();
    let trimmed = path.trim_end_matches('/');
    if trimmed.len() == path.len() || trimmed.is_empty() || trimmed.starts_with("//") || trimmed.starts_with("/\\") {
        return None;
    }
    Some(match uri.query() {
        Some(query) => format!("{trimmed}?{query}"),
        None => trimmed.to_owned(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn a_page_render_that_panics_is_rendered_again() {
        let renders = std::sync::Arc::new(std::sync::atomic::AtomicUsize::new(0));
        let counted = renders.clone();
        let pages = Router::new()
            .route(
                "/page",
                axum::routing::get(move || {
                    let render = counted.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
                    async move {
                        if render == 0 {
                            panic!("the first render panics");
                        }
                        "rendered"
                    }
                }),
            )
            .layer(middleware::from_fn(render_again_after_panic));
        let response = pages.oneshot(Request::get("/page").body(Body::empty()).unwrap()).await.unwrap();
        assert_eq!(response.status(), StatusCode::OK);
        let body = axum::body::to_bytes(response.into_body(), 1024).await.unwrap();
        assert_eq!(&body[..], b"rendered");
        assert_eq!(renders.load(std::sync::atomic::Ordering::SeqCst), 2);
    }

    #[test]
    fn hashed_names_are_the_ones_the_build_writes() {
        assert!(is_content_hashed("canopy.0123456789abcdef.wasm"));
        assert!(is_content_hashed("canopy.0123456789abcdef.js"));
        assert!(!is_content_hashed("canopy.wasm"));
        assert!(!is_content_hashed("canopy.0123456789ABCDEF.wasm"));
        assert!(!is_content_hashed("canopy.0123456789abcde.css"));
        assert!(!is_content_hashed(".0123456789abcdef.css"));
        assert!(!is_content_hashed("0123456789abcdef.css"));
        assert!(is_content_hashed("pack_api_keys.0123456789abcdef.wasm"));
        assert!(is_content_hashed("__wasm_split.0123456789abcdef.js"));
    }

    #[test]
    fn pages_preload_the_packs_the_split_manifest_names() {
        let site = tempfile::tempdir().unwrap();
        let options = LeptosOptions::builder()
            .output_name("canopy")
            .site_root(site.path().to_string_lossy().as_ref())
            .site_pkg_dir("pkg")
            .build();
        // No manifest (a build that did not split): nothing to preload.
        assert!(route_packs(&options).urls("AuditRoute").is_empty());

        std::fs::create_dir(site.path().join("pkg")).unwrap();
        std::fs::write(site.path().join(HASH_FILE), "wasm: 1111111111111111\nmanifest: 0123456789abcdef\n").unwrap();
        // Listed but unreadable: the pages still render, without preloads.
        assert!(route_packs(&options).urls("AuditRoute").is_empty());

        std::fs::write(
            site.path().join("pkg/__wasm_split_manifest.0123456789abcdef.json"),
            r#"{"__audit_route_view_5001850821522190575": ["pack_audit.fedcba9876543210"]}"#,
        )
        .unwrap();
        let packs = route_packs(&options);
        assert_eq!(packs.urls("AuditRoute"), ["/pkg/pack_audit.fedcba9876543210.wasm"]);
        assert!(packs.urls("RolesRoute").is_empty());
    }

    #[test]
    fn trailing_slashes_go_to_the_path_without_them_on_the_same_host() {
        let target = |uri: &str| without_trailing_slash(&uri.parse().unwrap());
        assert_eq!(target("/a/acme/billing/production/").as_deref(), Some("/a/acme/billing/production"));
        assert_eq!(target("/login//?next=/a").as_deref(), Some("/login?next=/a"));
        assert_eq!(target("/login"), None);
        assert_eq!(target("/"), None);
        assert_eq!(target("//evil.example/"), None);
    }
}
