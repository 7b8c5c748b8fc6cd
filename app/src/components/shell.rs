//! The dashboard frame around every `/a/:account/:app/:env/...` page: the sidebar (a menu at the
//! top on narrow screens), the top bar with the switcher and the signed-in admin, and the page.

use leptos::prelude::*;
use leptos_router::{
    components::Outlet,
    hooks::{use_location, use_params_map},
};

use super::{
    icons::{Icon, IconName},
    states::{EnvironmentNotFound, LoadError, SignInRedirect},
    switcher::{Switcher, initials},
};
use crate::{
    api::{self, ApiError},
    dto::MeResponse,
    scope::{Scope, is_production},
    sections::SECTIONS,
};

/// `GET /portal/v1/me`, loaded once per dashboard visit and shared with the pages inside.
pub type MeResource = Resource<Result<MeResponse, ApiError>>;

#[component]
pub fn DashboardShell() -> impl IntoView {
    let params = use_params_map();
    let scope = Memo::new(move |_| {
        params.with(|p| {
            Scope::new(p.get("account").unwrap_or_default(), p.get("app").unwrap_or_default(), p.get("env").unwrap_or_default())
        })
    });
    let location = use_location();
    // The section slug after the environment (`""` on the overview): the sidebar marks it
    // current, and the switcher keeps it when moving to another environment.
    let section = Memo::new(move |_| {
        let base = scope.with(Scope::overview_path);
        location.pathname.with(|path| {
            path.strip_prefix(&base)
                .map(|rest| rest.trim_matches('/').split('/').next().unwrap_or_default().to_owned())
                .unwrap_or_default()
        })
    });
    let me: MeResource = Resource::new(|| (), |_| api::get::<MeResponse>("/portal/v1/me"));
    provide_context(scope);
    provide_context(me);

    let page = move || {
        let scope = scope.get();
        Suspend::new(async move {
            match me.await {
                Ok(me) if scope.is_visible_in(&me) => view! { <Outlet/> }.into_any(),
                Ok(me) => {
                    let home = Scope::first_in(&me).map(|s| s.overview_path());
                    view! { <EnvironmentNotFound home/> }.into_any()
                }
                Err(err) if err.is_unauthorized() => view! { <SignInRedirect/> }.into_any(),
                Err(err) => view! { <LoadError error=err/> }.into_any(),
            }
        })
    };

    view! {
        <a
            href="#main"
            class="sr-only focus:not-sr-only focus:fixed focus:left-3 focus:top-3 focus:z-50 focus:rounded-md focus:bg-white focus:px-3 focus:py-2 focus:text-sm focus:font-medium focus:shadow-lg focus:ring-2 focus:ring-canopy-600"
        >
            "Skip to content"
        </a>
        // The gradient paints the sidebar's column (and its border) the full height of long
        // pages, under the fixed sidebar.
        <div class="min-h-screen bg-zinc-50 md:bg-[linear-gradient(to_right,#fff_calc(15rem-1px),#e4e4e7_calc(15rem-1px),#e4e4e7_15rem,#fafafa_15rem)]">
            <aside class="fixed inset-y-0 left-0 z-30 hidden w-60 flex-col border-r border-zinc-200 bg-white md:flex">
                <div class="flex h-14 items-center border-b border-zinc-200/70 px-4">
                    <Wordmark scope/>
                </div>
                <SectionNav scope section test_id="sidebar-nav"/>
                <p class="mt-auto border-t border-zinc-200/70 px-4 py-3 text-xs text-zinc-500">
                    "Canopy · self-hosted authorization"
                </p>
            </aside>

            <div class="flex min-h-screen min-w-0 flex-col md:pl-60">
                <MobileHeader scope section/>
                <Transition fallback=TopBarSkeleton>
                    {move || Suspend::new(async move {
                        match me.await {
                            Ok(me) => view! { <TopBar me scope section/> }.into_any(),
                            // The page below says what went wrong (or redirects to sign-in).
                            Err(_) => view! { <TopBarSkeleton/> }.into_any(),
                        }
                    })}
                </Transition>
                <main id="main" tabindex="-1" class="flex-1 px-4 py-6 focus:outline-none sm:px-6 md:px-8 md:py-8">
                    <div class="mx-auto w-full max-w-6xl">
                        <Transition fallback=PageSkeleton>{page}</Transition>
                    </div>
                </main>
            </div>
        </div>
    }
    .into_any()
}

#[component]
fn Wordmark(scope: Memo<Scope>) -> impl IntoView {
    view! {
        <a
            href=move || scope.with(Scope::overview_path)
            class="flex items-center gap-2 rounded-md focus-visible:outline-2 focus-visible:outline-offset-2 focus-visible:outline-canopy-600"
        >
            <span class="flex size-7 items-center justify-center rounded-lg bg-canopy-700 text-white shadow-sm" aria-hidden="true">
                <Icon name=IconName::Logo class="size-[1.125rem]"/>
            </span>
            <span class="text-[0.9375rem] font-semibold tracking-tight text-zinc-900">"Canopy"</span>
        </a>
    }
    .into_any()
}

/// The list of dashboard pages; the current one carries `aria-current="page"`.
#[component]
fn SectionNav(scope: Memo<Scope>, section: Memo<String>, test_id: &'static str) -> impl IntoView {
    let items = SECTIONS
        .iter()
        .map(|item| {
            let slug = item.slug;
            let current = move || section.with(|s| s == slug);
            view! {
                <li>
                    <a
                        href=move || scope.with(|s| s.page_path(slug))
                        aria-current=move || current().then_some("page")
                        class=move || {
                            if current() {
                                "group flex items-center gap-2.5 rounded-md bg-canopy-50 px-2.5 py-1.5 text-sm font-medium text-canopy-800 focus-visible:outline-2 focus-visible:outline-canopy-600"
                            } else {
                                "group flex items-center gap-2.5 rounded-md px-2.5 py-1.5 text-sm font-medium text-zinc-600 hover:bg-zinc-100 hover:text-zinc-900 focus-visible:outline-2 focus-visible:outline-canopy-600"
                            }
                        }
                    >
                        <span class=move || if current() { "text-canopy-700" } else { "text-zinc-400 group-hover:text-zinc-600" }>
                            <Icon name=item.icon/>
                        </span>
                        {item.label}
                    </a>
                </li>
            }
        })
        .collect_view();
    view! {
        <nav aria-label="Environment" class="flex-1 overflow-y-auto px-3 py-4" data-testid=test_id>
            <p class="px-2.5 pb-2 text-xs font-medium uppercase tracking-wide text-zinc-500">"Manage"</p>
            <ul class="space-y-0.5">{items}</ul>
        </nav>
    }
    .into_any()
}

/// Below the `md` breakpoint the sidebar becomes this bar with a disclosure menu.
#[component]
fn MobileHeader(scope: Memo<Scope>, section: Memo<String>) -> impl IntoView {
    // Rebuilt on navigation, so the menu closes once a page is chosen.
    let menu = move || {
        let _ = section.get();
        view! {
            <details class="group" data-menu="">
                <summary class="flex cursor-pointer list-none items-center gap-1.5 rounded-md px-2.5 py-1.5 text-sm font-medium text-zinc-700 ring-1 ring-zinc-200 hover:bg-zinc-50 focus-visible:outline-2 focus-visible:outline-canopy-600 [&::-webkit-details-marker]:hidden">
                    <Icon name=IconName::Menu/>
                    "Menu"
                </summary>
                <div class="absolute inset-x-0 top-full z-40 border-b border-zinc-200 bg-white shadow-lg">
                    <SectionNav scope section test_id="mobile-nav"/>
                </div>
            </details>
        }
    };
    view! {
        <div class="relative flex h-14 items-center justify-between border-b border-zinc-200 bg-white px-4 md:hidden">
            <Wordmark scope/>
            {menu}
        </div>
    }
    .into_any()
}

#[component]
fn TopBar(me: MeResponse, scope: Memo<Scope>, section: Memo<String>) -> impl IntoView {
    let admin = me.admin.clone();
    let production = move || scope.with(|s| is_production(&s.environment));
    view! {
        <header
            class=move || {
                if production() {
                    "sticky top-0 z-20 border-b border-t-2 border-b-zinc-200 border-t-rose-500 bg-white/95 backdrop-blur"
                } else {
                    "sticky top-0 z-20 border-b border-t-2 border-b-zinc-200 border-t-transparent bg-white/95 backdrop-blur"
                }
            }
            data-production=move || production().to_string()
        >
            <div class="flex h-14 items-center gap-3 px-2 sm:px-4 md:px-6">
                <div class="min-w-0 flex-1">
                    <Switcher me scope section/>
                </div>
                <div class="flex shrink-0 items-center gap-3">
                    <div class="hidden items-center gap-2.5 sm:flex" data-testid="signed-in-admin" title=admin.email.clone()>
                        <span class="flex size-8 items-center justify-center rounded-full bg-canopy-100 text-xs font-semibold text-canopy-800 ring-1 ring-canopy-200" aria-hidden="true">
                            {initials(&admin.name)}
                        </span>
                        <span class="hidden min-w-0 flex-col leading-tight lg:flex">
                            <span class="truncate text-sm font-medium text-zinc-900">{admin.name.clone()}</span>
                            <span class="truncate text-xs text-zinc-500">{admin.email.clone()}</span>
                        </span>
                    </div>
                    // A plain form: signing out works before hydration; the server answers 303 to /login.
                    <form method="post" action="/portal/v1/auth/logout">
                        <button
                            type="submit"
                            class="inline-flex items-center gap-1.5 rounded-md px-2.5 py-1.5 text-sm font-medium text-zinc-700 ring-1 ring-zinc-200 hover:bg-zinc-50 hover:text-zinc-900 focus-visible:outline-2 focus-visible:outline-offset-2 focus-visible:outline-canopy-600"
                        >
                            <Icon name=IconName::SignOut/>
                            <span class="sr-only sm:not-sr-only">"Sign out"</span>
                        </button>
                    </form>
                </div>
            </div>
        </header>
    }
    .into_any()
}

#[component]
fn TopBarSkeleton() -> impl IntoView {
    view! {
        <div class="sticky top-0 z-20 flex h-[3.625rem] items-center gap-3 border-b border-zinc-200 bg-white px-4 md:px-6" aria-hidden="true">
            <span class="h-5 w-48 animate-pulse rounded bg-zinc-100"></span>
            <span class="ml-auto h-8 w-28 animate-pulse rounded bg-zinc-100"></span>
        </div>
    }
    .into_any()
}

/// Shown only in the browser while a page's data loads after client-side navigation; server
/// renders wait for the data.
#[component]
pub fn PageSkeleton() -> impl IntoView {
    view! {
        <div class="animate-pulse" aria-busy="true" aria-label="Loading">
            <div class="h-4 w-24 rounded bg-zinc-200/70"></div>
            <div class="mt-3 h-7 w-56 rounded bg-zinc-200/70"></div>
            <div class="mt-8 grid grid-cols-2 gap-4 lg:grid-cols-4">
                <div class="h-28 rounded-xl bg-zinc-200/60"></div>
                <div class="h-28 rounded-xl bg-zinc-200/60"></div>
                <div class="h-28 rounded-xl bg-zinc-200/60"></div>
                <div class="h-28 rounded-xl bg-zinc-200/60"></div>
            </div>
        </div>
    }
    .into_any()
}
