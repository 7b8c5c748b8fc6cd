//! The designed 404 for paths the portal does not know.

use leptos::prelude::*;
use leptos_meta::Title;

use crate::components::{
    icons::{Icon, IconName},
    states::set_response_status,
};

#[component]
pub fn NotFoundPage() -> impl IntoView {
    set_response_status(404);
    view! {
        <Title text="Page not found · Canopy"/>
        <main class="flex min-h-screen flex-col items-center justify-center bg-zinc-50 px-6 py-16 text-center">
            <span class="flex size-11 items-center justify-center rounded-xl bg-canopy-700 text-white shadow-sm" aria-hidden="true">
                <Icon name=IconName::Logo class="size-6"/>
            </span>
            <p class="mt-8 text-sm font-semibold text-canopy-700">"404"</p>
            <h1 class="mt-2 text-3xl font-semibold tracking-tight text-zinc-900">"Page not found"</h1>
            <p class="mt-3 max-w-sm text-sm leading-6 text-zinc-600">
                "There is nothing at this address. It may be mistyped, or the page may have moved."
            </p>
            <a
                href="/"
                class="mt-8 inline-flex items-center gap-2 rounded-md bg-canopy-700 px-4 py-2 text-sm font-medium text-white shadow-sm hover:bg-canopy-800 focus-visible:outline-2 focus-visible:outline-offset-2 focus-visible:outline-canopy-600"
            >
                "Go to your dashboard"
                <Icon name=IconName::ArrowRight/>
            </a>
        </main>
    }
    .into_any()
}
