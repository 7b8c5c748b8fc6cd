//! Each page is its own WASM code: a `#[lazy_route]` whose view wasm-split cuts out of the main
//! module (scripts/build.sh). The browser fetches a page's code when the page is first shown, or,
//! for the page the server rendered, before hydrating it.
//!
//! The build packs each route's modules into one file (scripts/route-packs.mjs) and lists the
//! packs in `pkg/__wasm_split_manifest.<hash>.json`, under the names wasm-split gave the routes
//! (`__assignments_route_view_<hash>` for `AssignmentsRoute`). A page rendered on the server
//! preloads its route's pack from that list ([`RoutePacks`]), so the download starts with the
//! main module's instead of after it.

use std::{
    collections::{HashMap, HashSet},
    sync::{Arc, Mutex},
};

use leptos::prelude::*;
use leptos_router::{LazyRoute, lazy_route};

use crate::pages::{
    api_keys::ApiKeysPage,
    assignments::{AssignmentsPage, upload::BulkUploadPage},
    audit::AuditPage,
    home::HomePage,
    identities::{IdentitiesPage, detail::IdentityPage, upload::IdentityUploadPage},
    login::LoginPage,
    nodes::{NodesPage, detail::NodePage},
    overview::OverviewPage,
    roles::RolesPage,
};

/// The files that hold each lazy route's code, by route (`AssignmentsRoute`): what the server
/// provides to every page it renders ([`RoutePacks::for_page`]), read from the build's manifest.
#[derive(Clone, Debug, Default)]
#[cfg_attr(not(feature = "ssr"), allow(dead_code))] // The browser never preloads: it loads.
pub struct RoutePacks {
    urls: Arc<HashMap<String, Vec<String>>>,
    /// The routes this page has preloaded already (the router asks a route for its data more
    /// than once while rendering).
    preloaded: Arc<Mutex<HashSet<String>>>,
}

impl RoutePacks {
    /// From the manifest's JSON (wasm-split's route name → the file stems to preload) and the
    /// URL path the files are served under (`/pkg`).
    pub fn from_manifest(json: &str, pkg_path: &str) -> Result<Self, serde_json::Error> {
        let by_split_name: HashMap<String, Vec<String>> = serde_json::from_str(json)?;
        let by_route = by_split_name
            .into_iter()
            .filter_map(|(name, stems)| {
                let route = route_of_split_name(&name)?;
                Some((route, stems.into_iter().map(|stem| format!("{pkg_path}/{stem}.wasm")).collect()))
            })
            .collect();
        Ok(Self { urls: Arc::new(by_route), preloaded: Default::default() })
    }

    /// The same files, for one page: it has preloaded nothing yet.
    pub fn for_page(&self) -> Self {
        Self { urls: Arc::clone(&self.urls), preloaded: Default::default() }
    }

    /// Whether `route` is preloaded for the first time on this page.
    #[cfg_attr(not(feature = "ssr"), allow(dead_code))]
    fn first_preload(&self, route: &str) -> bool {
        self.preloaded.lock().map(|mut done| done.insert(route.to_owned())).unwrap_or(false)
    }

    /// The URLs a page of `route` preloads; none when the build did not split.
    pub fn urls(&self, route: &str) -> &[String] {
        self.urls.get(route).map(Vec::as_slice).unwrap_or_default()
    }
}

/// `__assignment_upload_route_view_5001850821522190575` → `AssignmentUploadRoute`: the
/// `#[lazy_route]` macro names a route's split `__<the type in snake case>_view_<hash>`.
fn route_of_split_name(name: &str) -> Option<String> {
    let snake = name.strip_prefix("__")?.rsplit_once("_view_")?.0;
    Some(
        snake
            .split('_')
            .map(|word| {
                let mut letters = word.chars();
                letters.next().map(|first| first.to_ascii_uppercase().to_string() + letters.as_str()).unwrap_or_default()
            })
            .collect(),
    )
}

/// On the server, adds the route's pack to the page's `<head>` as a preload (the way Leptos's own
/// split preloads are added, which it leaves out of most dashboard pages). Nothing in the browser.
fn preload_route_code(route: &str) {
    #[cfg(feature = "ssr")]
    if let Some(packs) = use_context::<RoutePacks>().filter(|packs| packs.first_preload(route)) {
        for url in packs.urls(route) {
            let _ = view! {
                <leptos_meta::Link rel="preload" href=url.clone() as_="fetch" type_="application/wasm" crossorigin="anonymous"/>
            }
            .to_html();
        }
    }
    #[cfg(not(feature = "ssr"))]
    let _ = route;
}

macro_rules! lazy_page {
    ($($route:ident => $page:ident),* $(,)?) => {$(
        #[doc = concat!("The route of [`", stringify!($page), "`], loaded on first use.")]
        pub struct $route;

        #[lazy_route]
        impl LazyRoute for $route {
            fn data() -> Self {
                preload_route_code(stringify!($route));
                Self
            }

            fn view(_this: Self) -> AnyView {
                $page().into_any()
            }
        }
    )*};
}

lazy_page! {
    HomeRoute => HomePage,
    LoginRoute => LoginPage,
    OverviewRoute => OverviewPage,
    AssignmentsRoute => AssignmentsPage,
    AssignmentUploadRoute => BulkUploadPage,
    IdentitiesRoute => IdentitiesPage,
    IdentityUploadRoute => IdentityUploadPage,
    IdentityRoute => IdentityPage,
    NodesRoute => NodesPage,
    NodeRoute => NodePage,
    RolesRoute => RolesPage,
    ApiKeysRoute => ApiKeysPage,
    AuditRoute => AuditPage,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_split_name_names_its_route_type() {
        assert_eq!(route_of_split_name("__assignment_upload_route_view_5001850821522190575").as_deref(), Some("AssignmentUploadRoute"));
        assert_eq!(route_of_split_name("__login_route_view_1").as_deref(), Some("LoginRoute"));
        assert_eq!(route_of_split_name("chunk_14"), None);
    }

    #[test]
    fn the_manifest_gives_each_route_its_urls() {
        let packs = RoutePacks::from_manifest(
            r#"{"__api_keys_route_view_42": ["pack_api_keys.0123456789abcdef"]}"#,
            "/pkg",
        )
        .unwrap();
        assert_eq!(packs.urls("ApiKeysRoute"), ["/pkg/pack_api_keys.0123456789abcdef.wasm"]);
        assert!(packs.urls("AuditRoute").is_empty());
        let page = packs.for_page();
        assert!(page.first_preload("ApiKeysRoute"));
        assert!(!page.first_preload("ApiKeysRoute"));
        assert!(packs.for_page().first_preload("ApiKeysRoute"), "each page starts afresh");
    }
}
