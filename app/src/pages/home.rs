//! `/`: sends a signed-in admin to their first environment, anyone else to sign in.

use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::components::Redirect;

use crate::{
    api::{self, ApiError},
    components::states::LoadError,
    dto::MeResponse,
    scope::Scope,
};

#[component]
pub fn HomePage() -> impl IntoView {
    let me: Resource<Result<MeResponse, ApiError>> = Resource::new(|| (), |_| api::get("/portal/v1/me"));
    view! {
        <Title text="Canopy"/>
        <Suspense>
            {move || Suspend::new(async move {
                match me.await {
                    Ok(me) => match Scope::first_in(&me) {
                        Some(scope) => view! { <Redirect path=scope.overview_path()/> }.into_any(),
                        None => view! { <NoEnvironments/> }.into_any(),
                    },
                    Err(err) if err.is_unauthorized() => view! { <Redirect path="/login"/> }.into_any(),
                    Err(err) => view! { <main class="px-4"><LoadError error=err/></main> }.into_any(),
                }
            })}
        </Suspense>
    }
    .into_any()
}

/// A signed-in admin who is not a member of any account with an environment yet.
#[component]
fn NoEnvironments() -> impl IntoView {
    view! {
        <main class="flex min-h-screen flex-col items-center justify-center bg-zinc-50 px-6 text-center">
            <h1 class="text-xl font-semibold tracking-tight text-zinc-900">"No environments yet"</h1>
            <p class="mt-2 max-w-sm text-sm leading-6 text-zinc-600">
                "You are not a member of an account with an application and environment. Ask an owner to add you, or create one with "
                <code class="rounded bg-zinc-100 px-1 font-mono text-[0.8125rem]">"canopy create-admin"</code>"."
            </p>
            <form method="post" action="/portal/v1/auth/logout" class="mt-6">
                <button type="submit" class="rounded-md px-3 py-1.5 text-sm font-medium text-zinc-700 ring-1 ring-zinc-200 hover:bg-white focus-visible:outline-2 focus-visible:outline-offset-2 focus-visible:outline-canopy-600">
                    "Sign out"
                </button>
            </form>
        </main>
    }
    .into_any()
}
