//! The pieces of the portal's list tables: sortable headers that are links (the sort lives in the
//! URL), the pager under a table, the loading skeleton and the failure panel.

use leptos::prelude::*;
use leptos_router::{NavigateOptions, hooks::use_navigate};

use super::icons::{Icon, IconName};
use crate::{
    dto::{PageMeta, SortOrder},
    scope::grouped,
};

/// Page sizes offered under every table.
pub const PAGE_SIZES: [u32; 4] = [10, 20, 50, 100];

/// Header and body cells of the columns shown from `md` up (stacked into the first column below).
pub const WIDE_HEADER: &str = "hidden px-3 py-2.5 md:table-cell";
pub const WIDE_CELL: &str = "hidden px-3 py-3 md:table-cell";

/// The 1-based positions of the first and last row on this page (`0, 0` when there are none).
pub fn page_bounds(meta: &PageMeta) -> (u64, u64) {
    if meta.item_count == 0 {
        return (0, 0);
    }
    let first = u64::from(meta.page.max(1) - 1) * u64::from(meta.take) + 1;
    (first, (first + u64::from(meta.take) - 1).min(meta.item_count))
}

/// A column header whose label links to the table sorted by it (`href`), with its current order.
#[component]
pub fn SortHeader(
    label: &'static str,
    #[prop(into)] href: Signal<String>,
    /// How the table is sorted by this column, if it is.
    #[prop(into)]
    current: Signal<Option<SortOrder>>,
    wide_only: bool,
    test_id: String,
) -> impl IntoView {
    view! {
        <th
            scope="col"
            class=if wide_only { WIDE_HEADER } else { "px-3 py-2.5" }
            aria-sort=move || match current.get() {
                Some(SortOrder::Asc) => "ascending",
                Some(SortOrder::Desc) => "descending",
                None => "none",
            }
        >
            <a
                href=href
                data-noscroll=""
                class="group -mx-1.5 inline-flex items-center gap-1 rounded px-1.5 py-0.5 hover:bg-zinc-200/60 hover:text-zinc-900 focus-visible:outline-2 focus-visible:outline-canopy-600"
                data-testid=test_id
            >
                {label}
                <span class=move || if current.get().is_some() { "text-zinc-900" } else { "text-zinc-400 group-hover:text-zinc-600" }>
                    {move || match current.get() {
                        Some(SortOrder::Asc) => view! { <Icon name=IconName::ArrowUp class="size-3.5"/> }.into_any(),
                        Some(SortOrder::Desc) => view! { <Icon name=IconName::ArrowDown class="size-3.5"/> }.into_any(),
                        None => view! { <Icon name=IconName::ChevronsUpDown class="size-3.5"/> }.into_any(),
                    }}
                </span>
                <span class="sr-only">{move || match current.get() {
                    Some(SortOrder::Asc) => ", sorted ascending",
                    Some(SortOrder::Desc) => ", sorted descending",
                    None => ", sort",
                }}</span>
            </a>
        </th>
    }
    .into_any()
}

/// Under a table: "Showing 1–20 of 312", rows per page, and previous / next as links.
#[component]
pub fn Pager(
    meta: PageMeta,
    /// The page's URL for another page number.
    href_for: Callback<u32, String>,
    /// The page's URL for another page size (back on page 1); without it, no size is offered.
    #[prop(optional)]
    take_href: Option<Callback<u32, String>>,
) -> impl IntoView {
    let (first, last) = page_bounds(&meta);
    let previous = meta.has_previous_page.then(|| href_for.run(meta.page - 1));
    let next = meta.has_next_page.then(|| href_for.run(meta.page + 1));
    let navigate = use_navigate();
    let on_take = move |ev: leptos::ev::Event| {
        let take = event_target_value(&ev).parse().unwrap_or(crate::dto::DEFAULT_TAKE);
        if let Some(take_href) = take_href {
            navigate(&take_href.run(take), NavigateOptions { scroll: false, ..Default::default() });
        }
    };
    let take = meta.take;
    let take_options = PAGE_SIZES
        .into_iter()
        .map(|size| view! { <option value=size.to_string() selected=size == take>{size.to_string()}</option> })
        .collect_view();
    view! {
        <nav class="flex flex-col gap-3 border-t border-zinc-200 px-4 py-3 text-sm text-zinc-700 sm:flex-row sm:items-center sm:justify-between" aria-label="Pages">
            <p data-testid="page-summary">
                "Showing "
                <span class="font-medium text-zinc-900 tabular-nums">{format!("{}–{}", grouped(first as i64), grouped(last as i64))}</span>
                " of "
                <span class="font-medium text-zinc-900 tabular-nums" data-testid="item-count">{grouped(meta.item_count as i64)}</span>
            </p>
            <div class="flex flex-wrap items-center gap-3">
                <label class=if take_href.is_some() { "flex items-center gap-2" } else { "hidden" }>
                    <span class="text-zinc-600">"Rows per page"</span>
                    <select
                        class="rounded-md border-0 bg-white py-1.5 pl-2.5 pr-7 text-sm text-zinc-900 ring-1 ring-inset ring-zinc-300 focus:ring-2 focus:ring-canopy-600 focus:outline-none"
                        on:change=on_take
                        data-testid="page-size"
                    >
                        {take_options}
                    </select>
                </label>
                <span class="tabular-nums text-zinc-600" data-testid="page-position">
                    {format!("Page {} of {}", meta.page, meta.page_count.max(1))}
                </span>
                <div class="flex items-center gap-1">
                    <PageLink href=previous label="Previous page" icon=IconName::ChevronLeft/>
                    <PageLink href=next label="Next page" icon=IconName::ChevronRight/>
                </div>
            </div>
        </nav>
    }
    .into_any()
}

#[component]
fn PageLink(href: Option<String>, label: &'static str, icon: IconName) -> impl IntoView {
    match href {
        Some(href) => view! {
            <a
                href=href
                data-noscroll=""
                aria-label=label
                class="inline-flex size-8 items-center justify-center rounded-md text-zinc-700 ring-1 ring-zinc-300 hover:bg-zinc-50 focus-visible:outline-2 focus-visible:outline-offset-2 focus-visible:outline-canopy-600"
            >
                <Icon name=icon/>
            </a>
        }
        .into_any(),
        None => view! {
            <span
                aria-disabled="true"
                role="link"
                aria-label=label
                class="inline-flex size-8 cursor-not-allowed items-center justify-center rounded-md text-zinc-400 ring-1 ring-zinc-200"
            >
                <Icon name=icon/>
            </span>
        }
        .into_any(),
    }
}

/// A stale link past the last page: a way to the last page that exists.
#[component]
pub fn PastTheEnd(href: String) -> impl IntoView {
    view! {
        <div class="px-6 py-14 text-center text-sm text-zinc-600" data-testid="empty-state">
            "This page is past the end of the list. "
            <a href=href data-noscroll="" class="font-medium text-canopy-700 underline underline-offset-2">"Go to the last page"</a>
        </div>
    }
    .into_any()
}

/// What a table shows while its first page loads.
#[component]
pub fn TableSkeleton() -> impl IntoView {
    view! {
        <div class="animate-pulse divide-y divide-zinc-100" aria-hidden="true">
            <div class="h-11 bg-zinc-50"></div>
            {(0..8).map(|_| view! {
                <div class="flex items-center gap-4 px-4 py-3">
                    <div class="size-8 rounded-full bg-zinc-200/70"></div>
                    <div class="h-3.5 w-40 rounded bg-zinc-200/70"></div>
                    <div class="h-3.5 w-20 rounded bg-zinc-200/60"></div>
                    <div class="ml-auto h-3.5 w-24 rounded bg-zinc-200/60"></div>
                </div>
            }).collect_view()}
        </div>
    }
    .into_any()
}

/// A table that could not be loaded: the API's words and a retry in place.
#[component]
pub fn TableError(title: &'static str, message: String, on_retry: Callback<()>) -> impl IntoView {
    view! {
        <div class="flex flex-col items-center px-6 py-14 text-center" role="alert" data-testid="table-error">
            <span class="flex size-11 items-center justify-center rounded-full bg-rose-50 text-rose-700 ring-1 ring-rose-200">
                <Icon name=IconName::Alert class="size-5"/>
            </span>
            <h2 class="mt-4 text-sm font-semibold text-zinc-900">{title}</h2>
            <p class="mt-1 max-w-md text-sm text-zinc-600">{message}</p>
            <button
                type="button"
                class="mt-5 rounded-md bg-white px-3 py-1.5 text-sm font-medium text-zinc-800 shadow-xs ring-1 ring-zinc-300 hover:bg-zinc-50 focus-visible:outline-2 focus-visible:outline-offset-2 focus-visible:outline-canopy-600"
                on:click=move |_| on_retry.run(())
            >
                "Try again"
            </button>
        </div>
    }
    .into_any()
}

/// The frame of a list: a white card whose contents fade, under a progress bar, while `pending`.
#[component]
pub fn TableCard(label: &'static str, pending: RwSignal<bool>, children: Children) -> impl IntoView {
    view! {
        <section
            class="relative mt-4 overflow-hidden rounded-xl border border-zinc-200 bg-white shadow-xs"
            aria-label=label
            aria-busy=move || pending.get().then_some("true")
        >
            <div
                class=move || if pending.get() { "absolute inset-x-0 top-0 z-10 h-0.5 overflow-hidden bg-canopy-100" } else { "hidden" }
                aria-hidden="true"
            >
                <div class="h-full w-1/3 animate-[loading_1s_ease-in-out_infinite] bg-canopy-600"></div>
            </div>
            // The fading is outside the Transition the children hold, next to the progress bar:
            // a class inside it, on the table it swaps, could be left faded when the first page
            // hydrated while pending.
            <div class=move || if pending.get() { "opacity-60 transition-opacity" } else { "transition-opacity" }>
                {children()}
            </div>
        </section>
    }
    .into_any()
}

/// An empty list. Filtered: nothing matches, with a link back to the whole list (`clear_href`).
/// Unfiltered: what to do first (`children`, the page's own actions).
#[component]
pub fn EmptyList(
    filtered: bool,
    clear_href: String,
    /// "No identities match" and a sentence.
    no_match: (&'static str, &'static str),
    /// "No identities yet" and a sentence.
    nothing_yet: (&'static str, &'static str),
    /// The icon of the empty (unfiltered) list.
    icon: IconName,
    children: Children,
) -> impl IntoView {
    let (title, text) = if filtered { no_match } else { nothing_yet };
    view! {
        <div class="flex flex-col items-center px-6 py-16 text-center" data-testid="empty-state">
            <span class="flex size-11 items-center justify-center rounded-full bg-zinc-100 text-zinc-600 ring-1 ring-zinc-200">
                <Icon name=if filtered { IconName::Search } else { icon } class="size-5"/>
            </span>
            <h2 class="mt-4 text-sm font-semibold text-zinc-900">{title}</h2>
            <p class="mt-1 max-w-sm text-sm text-zinc-600">{text}</p>
            {if filtered {
                view! {
                    <a
                        href=clear_href
                        data-noscroll=""
                        class="mt-5 rounded-md bg-white px-3 py-1.5 text-sm font-medium text-zinc-800 shadow-xs ring-1 ring-zinc-300 hover:bg-zinc-50 focus-visible:outline-2 focus-visible:outline-offset-2 focus-visible:outline-canopy-600"
                    >
                        "Clear search and filters"
                    </a>
                }
                .into_any()
            } else {
                view! { <div class="mt-5 flex gap-2">{children()}</div> }.into_any()
            }}
        </div>
    }
    .into_any()
}
