//! Dashboard pages that are designed but not built yet: each says what it will do.

use leptos::prelude::*;
use leptos_meta::Title;

use crate::{
    components::{
        icons::{Icon, IconName},
        shell::MeResource,
    },
    scope::Scope,
    sections,
};

#[component]
pub fn ComingNext(
    /// A slug from [`sections::SECTIONS`].
    slug: &'static str,
) -> impl IntoView {
    let scope = expect_context::<Memo<Scope>>();
    let me = expect_context::<MeResource>();
    // The shell only renders this page once `me` has loaded, so the names are there.
    let eyebrow = move || {
        let scope = scope.get();
        me.get().and_then(Result::ok).and_then(|me| scope.title_in(&me)).unwrap_or(scope.environment)
    };
    let Some(section) = sections::section(slug) else {
        return view! { <p>"Unknown section."</p> }.into_any();
    };
    let capabilities = section
        .capabilities
        .iter()
        .map(|capability| {
            view! {
                <li class="flex items-start gap-2.5">
                    <span class="mt-0.5 flex size-4 shrink-0 items-center justify-center rounded-full bg-canopy-100 text-canopy-700">
                        <Icon name=IconName::Check class="size-3"/>
                    </span>
                    <span>{*capability}</span>
                </li>
            }
        })
        .collect_view();

    view! {
        <Title text=format!("{} · Canopy", section.label)/>
        <header>
            <p class="text-sm font-medium text-zinc-500">{eyebrow}</p>
            <h1 class="mt-1 text-2xl font-semibold tracking-tight text-zinc-900">{section.label}</h1>
            <p class="mt-1.5 max-w-2xl text-sm text-zinc-600">{section.purpose}</p>
        </header>
        <section
            class="mt-8 rounded-xl border border-dashed border-zinc-300 bg-white px-6 py-12 sm:px-10"
            aria-labelledby="coming-next-title"
            data-testid="coming-next"
        >
            <div class="mx-auto flex max-w-md flex-col items-center text-center">
                <span class="flex size-12 items-center justify-center rounded-xl bg-canopy-50 text-canopy-700 ring-1 ring-canopy-100">
                    <Icon name=section.icon class="size-6"/>
                </span>
                <h2 id="coming-next-title" class="mt-5 text-base font-semibold text-zinc-900">"This page is coming next"</h2>
                <p class="mt-1.5 text-sm text-zinc-600">{format!("{} is being built. Here is what it will let you do:", section.label)}</p>
            </div>
            <ul class="mx-auto mt-6 max-w-md space-y-2.5 text-left text-sm text-zinc-700">{capabilities}</ul>
            <div class="mt-8 flex justify-center">
                <a
                    href=move || scope.with(Scope::overview_path)
                    class="inline-flex items-center gap-1.5 rounded-md bg-white px-3 py-1.5 text-sm font-medium text-zinc-800 shadow-sm ring-1 ring-zinc-200 hover:bg-zinc-50 focus-visible:outline-2 focus-visible:outline-offset-2 focus-visible:outline-canopy-600"
                >
                    "Back to the overview"
                </a>
            </div>
        </section>
    }
    .into_any()
}
