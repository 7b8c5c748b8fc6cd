#![recursion_limit = "256"]
//! Canopy's shared crate: DTOs and validation used by browser and server, and the Leptos portal.
//!
//! The portal renders on the server (feature `ssr`) with its data, calling the REST API
//! in-process, then hydrates in the browser (feature `hydrate`) and calls the same API over HTTP.

pub mod api;
pub mod components;
pub mod tabular;
pub mod dto;
pub mod lazy_pages;
pub mod pages;
pub mod scope;
pub mod sections;

use leptos::prelude::*;
use leptos_meta::{HashedStylesheet, Link, Meta, MetaTags, provide_meta_context};
use leptos_router::{
    Lazy, SsrMode,
    components::{ParentRoute, Route, Router, Routes},
    path,
};

use crate::{components::shell::DashboardShell, lazy_pages::*, pages::not_found::NotFoundPage};

/// The HTML document around the app; the server renders it for every page.
pub fn shell(options: LeptosOptions) -> impl IntoView {
    view! {
        <!DOCTYPE html>
        <html lang="en" class="h-full bg-zinc-50">
            <head>
                <meta charset="utf-8"/>
                <meta name="viewport" content="width=device-width, initial-scale=1"/>
                <meta name="color-scheme" content="light"/>
                <AutoReload options=options.clone()/>
                // Both name the build's content-hashed files when the server found its manifest.
                <HashedStylesheet options=options.clone() id="leptos"/>
                <HydrationScripts options/>
                <MetaTags/>
            </head>
            <body class="h-full font-sans text-zinc-900 antialiased">
                <App/>
            </body>
        </html>
    }
}

#[component]
pub fn App() -> impl IntoView {
    provide_meta_context();
    // Effects run only in the browser, after hydration: end-to-end tests wait for this marker
    // before using anything that needs the WASM bundle.
    Effect::new(move |_| {
        #[cfg(feature = "hydrate")]
        if let Some(body) = document().body() {
            let _ = body.set_attribute("data-hydrated", "true");
        }
    });

    // Pages with data render whole on the server (`SsrMode::Async`): the first paint has the
    // data, and a missing session can still answer with a redirect status.
    view! {
        <Link rel="icon" type_="image/svg+xml" href="/favicon.svg"/>
        <Meta name="description" content="Canopy: manage who may do what in your applications."/>
        <Router>
            <Routes fallback=NotFoundPage>
                <Route path=path!("/") view={Lazy::<HomeRoute>::new()} ssr=SsrMode::Async/>
                <Route path=path!("/login") view={Lazy::<LoginRoute>::new()}/>
                <ParentRoute path=path!("/a/:account/:app/:env") view=DashboardShell ssr=SsrMode::Async>
                    <Route path=path!("") view={Lazy::<OverviewRoute>::new()}/>
                    <Route path=path!("assignments") view={Lazy::<AssignmentsRoute>::new()}/>
                    <Route path=path!("assignments/upload") view={Lazy::<AssignmentUploadRoute>::new()}/>
                    <Route path=path!("identities") view={Lazy::<IdentitiesRoute>::new()}/>
                    <Route path=path!("identities/upload") view={Lazy::<IdentityUploadRoute>::new()}/>
                    <Route path=path!("identities/:id") view={Lazy::<IdentityRoute>::new()}/>
                    <Route path=path!("nodes") view={Lazy::<NodesRoute>::new()}/>
                    <Route path=path!("nodes/:id") view={Lazy::<NodeRoute>::new()}/>
                    <Route path=path!("roles") view={Lazy::<RolesRoute>::new()}/>
                    <Route path=path!("api-keys") view={Lazy::<ApiKeysRoute>::new()}/>
                    <Route path=path!("audit") view={Lazy::<AuditRoute>::new()}/>
                </ParentRoute>
            </Routes>
        </Router>
    }
    .into_any()
}
