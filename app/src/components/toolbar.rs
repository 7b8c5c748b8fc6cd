//! The search-and-filter panel above a list: a search box that follows the URL, selects, and the
//! chips of the filters in force.

use leptos::prelude::*;

use super::icons::{Icon, IconName};
use crate::dto::SortOrder;

pub const SELECT_CLASS: &str = "block w-full rounded-md border-0 bg-white py-2 pl-3 pr-8 text-sm text-zinc-900 shadow-xs ring-1 ring-inset ring-zinc-300 focus:ring-2 focus:ring-inset focus:ring-canopy-600 focus:outline-none";

/// A search input: `on_search` runs 300 ms after the last keystroke (when the term changed), and
/// the box shows `value` when it changes from elsewhere (back/forward, a chip) unless the admin is
/// typing.
#[component]
pub fn SearchBox(
    id: &'static str,
    label: &'static str,
    placeholder: &'static str,
    #[prop(into)] value: Signal<String>,
    on_search: Callback<String>,
) -> impl IntoView {
    let input = NodeRef::<leptos::html::Input>::new();
    let timer = StoredValue::new(None::<TimeoutHandle>);
    let typing = RwSignal::new(false);
    Effect::new(move |_| {
        let q = value.get();
        if !typing.get_untracked()
            && let Some(input) = input.get_untracked()
            && input.value() != q
        {
            input.set_value(&q);
        }
    });
    let on_input = move |ev: leptos::ev::Event| {
        let text = event_target_value(&ev);
        typing.set(true);
        if let Some(handle) = timer.get_value() {
            handle.clear();
        }
        let handle = set_timeout_with_handle(
            move || {
                typing.set(false);
                if value.with_untracked(|q| q.trim() != text.trim()) {
                    on_search.run(text);
                }
            },
            std::time::Duration::from_millis(300),
        )
        .ok();
        timer.set_value(handle);
    };
    view! {
        // The box spans the grid's first row on small screens, one column from `lg` up.
        <div class="relative sm:col-span-2 lg:col-span-1">
        <label for=id class="sr-only">{label}</label>
        <span class="pointer-events-none absolute inset-y-0 left-3 flex items-center text-zinc-500">
            <Icon name=IconName::Search/>
        </span>
        <input
            id=id
            type="search"
            node_ref=input
            placeholder=placeholder
            autocomplete="off"
            spellcheck="false"
            value=move || value.get_untracked()
            on:input=on_input
            class="block w-full rounded-md border-0 bg-white py-2 pl-9 pr-3 text-sm text-zinc-900 shadow-xs ring-1 ring-inset ring-zinc-300 placeholder:text-zinc-500 focus:ring-2 focus:ring-inset focus:ring-canopy-600 focus:outline-none"
        />
        </div>
    }
    .into_any()
}

/// One filter in force: what it filters (`Status`), its value, and how to remove it.
pub struct Chip {
    pub kind: &'static str,
    pub value: String,
    pub clear: Callback<()>,
}

/// "Filtered by" and a chip per filter, each with a remove button; "Clear all" for two or more.
/// Nothing when no filter is in force.
#[component]
pub fn FilterChips(chips: Vec<Chip>, on_clear_all: Callback<()>) -> impl IntoView {
    if chips.is_empty() {
        return ().into_any();
    }
    let count = chips.len();
    let items = chips
        .into_iter()
        .map(|Chip { kind, value, clear }| {
            view! {
                <li>
                    <span class="inline-flex items-center gap-1 rounded-full bg-canopy-50 py-1 pl-2.5 pr-1 text-xs font-medium text-canopy-900 ring-1 ring-inset ring-canopy-200" data-testid="filter-chip">
                        <span class="text-canopy-700">{kind}": "</span>
                        <span class="max-w-56 truncate">{value.clone()}</span>
                        <button
                            type="button"
                            class="ml-0.5 rounded-full p-0.5 text-canopy-700 hover:bg-canopy-100 hover:text-canopy-900 focus-visible:outline-2 focus-visible:outline-canopy-600"
                            aria-label=format!("Remove filter {kind}: {value}")
                            on:click=move |_| clear.run(())
                        >
                            <Icon name=IconName::Close class="size-3.5"/>
                        </button>
                    </span>
                </li>
            }
        })
        .collect_view();
    view! {
        <div class="mt-3 flex flex-wrap items-center gap-2 border-t border-zinc-100 pt-3">
            <span class="text-xs font-medium text-zinc-600">"Filtered by"</span>
            <ul class="flex flex-wrap items-center gap-2" aria-label="Active filters">{items}</ul>
            {(count > 1).then(|| view! {
                <button
                    type="button"
                    class="rounded px-1.5 py-0.5 text-xs font-medium text-zinc-700 underline decoration-zinc-300 underline-offset-2 hover:text-zinc-900 focus-visible:outline-2 focus-visible:outline-canopy-600"
                    on:click=move |_| on_clear_all.run(())
                >
                    "Clear all"
                </button>
            })}
        </div>
    }
    .into_any()
}

/// Below `md`, where a table folds its sortable columns away: their sorts as one select. `name`
/// spells a sort key as the URL does.
#[component]
pub fn NarrowSort<S>(
    id: &'static str,
    options: &'static [(S, SortOrder, &'static str)],
    name: fn(S) -> &'static str,
    #[prop(into)] current: Signal<(S, SortOrder)>,
    on_pick: Callback<(S, SortOrder)>,
) -> impl IntoView
where
    S: Copy + PartialEq + Send + Sync + 'static,
{
    let value = move |(sort, order): (S, SortOrder)| format!("{}:{}", name(sort), order.as_str());
    view! {
        <div class="md:hidden">
            <label for=id class="sr-only">"Sort"</label>
            <select
                id=id
                class=SELECT_CLASS
                prop:value=move || value(current.get())
                on:change=move |ev| {
                    let picked = event_target_value(&ev);
                    if let Some((sort, order, _)) = options.iter().find(|(sort, order, _)| value((*sort, *order)) == picked) {
                        on_pick.run((*sort, *order));
                    }
                }
                data-testid="sort-narrow"
            >
                {options
                    .iter()
                    .map(|(sort, order, label)| {
                        // The server render marks the current one; `prop:value` keeps it after.
                        let selected = current.get_untracked() == (*sort, *order);
                        view! { <option value=value((*sort, *order)) selected=selected>{*label}</option> }
                    })
                    .collect_view()}
            </select>
        </div>
    }
    .into_any()
}

/// The search-and-filter card above a list: `children` fill its grid (`grid` adds the columns
/// from `lg` up), the chips of the filters in force go under it.
#[component]
pub fn FilterPanel(grid: &'static str, #[prop(into)] chips: ViewFn, children: Children) -> impl IntoView {
    view! {
        <section class="mt-6 rounded-xl border border-zinc-200 bg-white p-3 shadow-xs sm:p-4" aria-label="Search and filters">
            <div class=format!("grid gap-3 sm:grid-cols-2 {grid}")>{children()}</div>
            {chips.run()}
        </section>
    }
    .into_any()
}

/// A filter's `<select>`: "all" (the empty value) and one option per value, with a label kept
/// for assistive technology.
#[component]
pub fn FilterSelect(
    id: &'static str,
    label: &'static str,
    all_label: &'static str,
    /// Value and label of each option.
    options: Vec<(&'static str, &'static str)>,
    #[prop(into)] current: Signal<String>,
    on_pick: Callback<String>,
    #[prop(optional)] test_id: &'static str,
) -> impl IntoView {
    view! {
        <div>
            <label for=id class="sr-only">{label}</label>
            <select
                id=id
                class=SELECT_CLASS
                prop:value=move || current.get()
                on:change=move |ev| on_pick.run(event_target_value(&ev))
                data-testid=(!test_id.is_empty()).then_some(test_id)
            >
                <option value="">{all_label}</option>
                {options
                    .into_iter()
                    .map(|(value, text)| {
                        let selected = current.with_untracked(|c| c == value);
                        view! { <option value=value selected=selected>{text}</option> }
                    })
                    .collect_view()}
            </select>
        </div>
    }
    .into_any()
}
