//! What a page shows when it has nothing normal to show: signed out, not found, failed.

use leptos::prelude::*;
use leptos_router::{components::Redirect, hooks::use_location};

use super::icons::{Icon, IconName};
use crate::{api::ApiError, scope::login_path};

/// The HTTP status of the server-rendered response, for states that are not a 200.
/// (The browser keeps whatever the first page load answered; this only matters on the server.)
pub fn set_response_status(status: u16) {
    #[cfg(feature = "ssr")]
    if let (Some(response), Ok(status)) =
        (use_context::<leptos_axum::ResponseOptions>(), http::StatusCode::from_u16(status))
    {
        response.set_status(status);
    }
    #[cfg(not(feature = "ssr"))]
    let _ = status;
}

/// The path and query of the page being rendered: where to come back to after signing in.
fn current_path() -> String {
    let location = use_location();
    let path = location.pathname.get_untracked();
    let search = location.search.get_untracked();
    if search.is_empty() { path } else { format!("{path}?{search}") }
}

/// Sends an admin whose session is missing or has ended to the sign-in page, coming back here
/// afterwards. On the server this is a 302 (the page is rendered whole before it is sent).
#[component]
pub fn SignInRedirect() -> impl IntoView {
    view! { <Redirect path=login_path(&current_path())/> }
}

/// The designed 404 inside the dashboard: an account, application or environment that does not
/// exist or belongs to someone else (the API does not say which, and neither do we).
#[component]
pub fn EnvironmentNotFound(
    /// Where the admin can go instead (their first environment), when there is one.
    #[prop(optional_no_strip)]
    home: Option<String>,
) -> impl IntoView {
    set_response_status(404);
    let path = current_path();
    view! {
        <leptos_meta::Title text="Environment not found · Canopy"/>
        <section
            class="mx-auto flex max-w-lg flex-col items-center py-16 text-center"
            aria-labelledby="not-found-title"
            data-testid="environment-not-found"
        >
            <div class="flex size-12 items-center justify-center rounded-full bg-zinc-100 text-zinc-600 ring-1 ring-zinc-200">
                <Icon name=IconName::Compass class="size-6"/>
            </div>
            <p class="mt-6 text-sm font-semibold text-canopy-700">"404"</p>
            <h1 id="not-found-title" class="mt-1 text-2xl font-semibold tracking-tight text-zinc-900">
                "Environment not found"
            </h1>
            <p class="mt-3 text-sm leading-6 text-zinc-600">
                "Nothing lives at "
                <code class="rounded bg-zinc-100 px-1.5 py-0.5 font-mono text-[0.8125rem] text-zinc-800">{path}</code>
                ". The account, application or environment may not exist, or you are not a member of the account it belongs to."
            </p>
            {home.map(|home| view! {
                <a
                    href=home
                    class="mt-8 inline-flex items-center gap-2 rounded-md bg-canopy-700 px-4 py-2 text-sm font-medium text-white shadow-sm hover:bg-canopy-800 focus-visible:outline-2 focus-visible:outline-offset-2 focus-visible:outline-canopy-600"
                >
                    "Go to your first environment"
                    <Icon name=IconName::ArrowRight/>
                </a>
            })}
        </section>
    }
    .into_any()
}

/// Any other failure: what went wrong in the API's words, and a way to try again.
#[component]
pub fn LoadError(error: ApiError) -> impl IntoView {
    if error.status >= 500 {
        set_response_status(error.status);
    }
    let retry = current_path();
    view! {
        <section
            class="mx-auto my-10 max-w-lg rounded-xl border border-rose-200 bg-rose-50 p-6"
            role="alert"
            aria-labelledby="load-error-title"
        >
            <div class="flex items-start gap-3">
                <span class="mt-0.5 text-rose-700"><Icon name=IconName::Alert class="size-5"/></span>
                <div>
                    <h2 id="load-error-title" class="text-sm font-semibold text-rose-900">"This page could not be loaded"</h2>
                    <p class="mt-1 text-sm text-rose-800">{error.body.message.clone()}</p>
                    // A full page load, so the server renders it afresh.
                    <a
                        href=retry
                        rel="external"
                        class="mt-4 inline-flex items-center rounded-md bg-white px-3 py-1.5 text-sm font-medium text-rose-900 shadow-sm ring-1 ring-rose-300 hover:bg-rose-100 focus-visible:outline-2 focus-visible:outline-offset-2 focus-visible:outline-rose-600"
                    >
                        "Try again"
                    </a>
                </div>
            </div>
        </section>
    }
    .into_any()
}
