//! `/a/:account/:app/:env/identities`: the application's identities (shared by its environments)
//! in one table, with search, a status filter, sorting and paging kept in the URL; create, edit,
//! activate and deactivate in dialogs. Each row leads to the identity's own page (`detail`).
//!
//! Like the assignments page, the first paint is rendered on the server with the data and every
//! change of the URL's query loads the page again over HTTP after hydration.

pub mod detail;
pub mod dialogs;
pub mod query;
pub mod upload;

use leptos::prelude::*;

use crate::pages::list_query::ListView;
use leptos_meta::Title;
use leptos_router::{NavigateOptions, hooks::{use_navigate, use_query_map}};

use self::{
    dialogs::{IdentityDialog, IdentityDialogs},
    query::{IdentityQuery, parse_status, sort_str},
};
use crate::{
    api::{self, ApiError},
    components::{
        badges::{Avatar, StatusPill, Tone},
        export::ExportLink,
        icons::{Icon, IconName},
        notice::Notice,
        picker::identities_path,
        shell::MeResource,
        states::SignInRedirect,
        table::{EmptyList, Pager, PastTheEnd, SortHeader, TableCard, TableError, TableSkeleton, WIDE_CELL, WIDE_HEADER, page_bounds},
        toolbar::{Chip, FilterChips, FilterPanel, FilterSelect, NarrowSort, SearchBox},
        when::{LocalClock, date_label, date_time_label},
    },
    dto::{IdentityResponse, IdentitySort, IdentityStatus, IdentitySummary, Paginated, SortOrder},
    scope::{Scope, encode_query_value, grouped},
};

pub fn identity_status_label(status: IdentityStatus) -> &'static str {
    match status {
        IdentityStatus::Active => "Active",
        IdentityStatus::Inactive => "Inactive",
    }
}

#[component]
pub fn IdentityStatusBadge(status: IdentityStatus) -> impl IntoView {
    let tone = if status.is_active() { Tone::Green } else { Tone::Grey };
    view! { <StatusPill label=identity_status_label(status) tone/> }
}

/// The identity's page in the portal.
pub fn identity_page_path(scope: &Scope, id: &str) -> String {
    scope.page_path(&format!("identities/{}", encode_query_value(id)))
}

#[derive(Clone, Copy)]
struct IdentitiesContext {
    scope: Memo<Scope>,
    state: Memo<IdentityQuery>,
    version: RwSignal<u32>,
    dialog: RwSignal<Option<IdentityDialog>>,
    notice: RwSignal<Option<String>>,
}

impl IdentitiesContext {
    fn list_path(&self) -> String {
        self.scope.with_untracked(|s| s.page_path("identities"))
    }

    fn href(&self, state: &IdentityQuery) -> String {
        format!("{}{}", self.list_path(), state.to_search())
    }
}

async fn load_table(scope: Scope, state: IdentityQuery) -> Result<Paginated<IdentityResponse>, ApiError> {
    api::get(&format!("{}?{}", identities_path(&scope), state.api_query())).await
}

#[component]
pub fn IdentitiesPage() -> impl IntoView {
    let scope = expect_context::<Memo<Scope>>();
    let me = expect_context::<MeResource>();
    let query = use_query_map();
    let state = Memo::new(move |_| query.with(IdentityQuery::from_params));
    LocalClock::provide();
    let version = RwSignal::new(0u32);
    let table = Resource::new(move || (scope.get(), state.get(), version.get()), |(scope, state, _)| api::bound(load_table(scope, state)));
    let summary = Resource::new(
        move || (scope.get(), version.get()),
        |(scope, _)| api::bound(async move { api::get::<IdentitySummary>(&format!("{}/summary", identities_path(&scope))).await }),
    );
    let ctx = IdentitiesContext { scope, state, version, dialog: RwSignal::new(None), notice: RwSignal::new(None) };
    provide_context(ctx);

    let eyebrow = move || {
        let scope = scope.get();
        me.get().and_then(Result::ok).and_then(|me| scope.title_in(&me)).unwrap_or(scope.environment)
    };
    let pending = RwSignal::new(false);
    let export_href = Signal::derive(move || format!("{}/export?{}", scope.with(identities_path), state.with(IdentityQuery::filter_query)));
    let counts = move || {
        Suspend::new(async move {
            summary.await.ok().map(|s| view! {
                <p class="mt-1.5 text-sm text-zinc-600" data-testid="identity-summary">
                    <span class="font-medium text-zinc-900 tabular-nums">{grouped(s.total)}</span>" identities · "
                    <span class="tabular-nums">{grouped(s.active)}</span>" active · "
                    <span class="tabular-nums">{grouped(s.inactive)}</span>" inactive · "
                    <span class="tabular-nums">{grouped(s.without_assignments)}</span>" without assignments"
                </p>
            })
        })
    };

    view! {
        <Title text="Identities · Canopy"/>
        <header class="flex flex-wrap items-end justify-between gap-4">
            <div class="min-w-0">
                <p class="text-sm font-medium text-zinc-600">{eyebrow}</p>
                <h1 class="mt-1 text-2xl font-semibold tracking-tight text-zinc-900">"Identities"</h1>
                <p class="mt-1.5 max-w-2xl text-sm text-zinc-600">
                    "The people in this application, shared by all of its environments."
                </p>
                <Transition fallback=|| ()>{counts}</Transition>
            </div>
            <div class="flex flex-wrap items-center gap-2">
                <ExportLink href=export_href label="Export the identities as CSV, with the current search and filter"/>
                <a
                    href=move || scope.with(|s| s.page_path("identities/upload"))
                    class="inline-flex items-center gap-1.5 rounded-md bg-white px-3 py-2 text-sm font-medium text-zinc-800 shadow-xs ring-1 ring-zinc-300 hover:bg-zinc-50 focus-visible:outline-2 focus-visible:outline-offset-2 focus-visible:outline-canopy-600"
                >
                    <Icon name=IconName::Upload/>
                    "Import CSV"
                </a>
                <button
                    type="button"
                    class="inline-flex items-center gap-1.5 rounded-md bg-canopy-700 px-3 py-2 text-sm font-semibold text-white shadow-xs hover:bg-canopy-800 focus-visible:outline-2 focus-visible:outline-offset-2 focus-visible:outline-canopy-600"
                    on:click=move |_| ctx.dialog.set(Some(IdentityDialog::Create))
                >
                    <Icon name=IconName::Plus/>
                    "New identity"
                </button>
            </div>
        </header>

        <Notice notice=ctx.notice/>
        <Toolbar/>
        <TableCard label="Identities" pending>
            <Transition fallback=TableSkeleton set_pending=pending>
                {move || Suspend::new(async move {
                    match table.await {
                        Ok(page) => view! { <IdentityTable page/> }.into_any(),
                        Err(err) if err.is_unauthorized() => view! { <SignInRedirect/> }.into_any(),
                        Err(err) => view! {
                            <TableError
                                title="The identities could not be loaded"
                                message=err.body.message
                                on_retry=Callback::new(move |()| version.update(|v| *v += 1))
                            />
                        }
                        .into_any(),
                    }
                })}
            </Transition>
        </TableCard>
        <IdentityDialogs scope=ctx.scope dialog=ctx.dialog version=ctx.version notice=ctx.notice/>
    }
    .into_any()
}

/// The sorts of the narrow layout's select, with their labels.
const NARROW_SORTS: [(IdentitySort, SortOrder, &str); 6] = [
    (IdentitySort::Name, SortOrder::Asc, "Name, A to Z"),
    (IdentitySort::Name, SortOrder::Desc, "Name, Z to A"),
    (IdentitySort::Email, SortOrder::Asc, "Email, A to Z"),
    (IdentitySort::Email, SortOrder::Desc, "Email, Z to A"),
    (IdentitySort::CreatedAt, SortOrder::Desc, "Newest first"),
    (IdentitySort::CreatedAt, SortOrder::Asc, "Oldest first"),
];

/// Search, the status filter, the narrow screens' sort, and the chips.
#[component]
fn Toolbar() -> impl IntoView {
    let ctx = expect_context::<IdentitiesContext>();
    let state = ctx.state;
    let navigate = use_navigate();
    let go = StoredValue::new(move |next: IdentityQuery| {
        navigate(&ctx.href(&next), NavigateOptions { scroll: false, ..Default::default() });
    });
    let apply = move |change: Box<dyn FnOnce(&mut IdentityQuery) + Send + Sync>| {
        let next = state.with_untracked(|s| s.refiltered(change));
        go.with_value(|go| go(next));
    };
    let on_search = Callback::new(move |value: String| apply(Box::new(move |s| s.q = value)));
    let search_value = Signal::derive(move || state.with(|s| s.q.clone()));

    let chips = move || {
        let s = state.get();
        let chip = move |kind: &'static str, value: String, change: fn(&mut IdentityQuery)| Chip {
            kind,
            value,
            clear: Callback::new(move |()| apply(Box::new(change))),
        };
        let mut chips = Vec::new();
        if !s.q.trim().is_empty() {
            chips.push(chip("Search", format!("“{}”", s.q.trim()), |s| s.q.clear()));
        }
        if let Some(status) = s.status {
            chips.push(chip("Status", identity_status_label(status).to_owned(), |s| s.status = None));
        }
        let on_clear_all = Callback::new(move |()| {
            apply(Box::new(|s| {
                s.q.clear();
                s.status = None;
            }))
        });
        view! { <FilterChips chips on_clear_all/> }
    };

    view! {
        <FilterPanel grid="lg:grid-cols-[minmax(0,2fr)_minmax(0,1fr)]" chips=move || chips>
                <SearchBox
                    id="identity-search"
                    label="Search identities"
                    placeholder="Search by name or email"
                    value=search_value
                    on_search
                />
                <FilterSelect
                    id="filter-identity-status"
                    label="Status"
                    all_label="All statuses"
                    options=IdentityStatus::ALL.iter().map(|s| (s.as_str(), identity_status_label(*s))).collect()
                    current=Signal::derive(move || state.with(|s| s.status.map(|s| s.as_str()).unwrap_or_default().to_owned()))
                    on_pick=Callback::new(move |value: String| apply(Box::new(move |s| s.status = parse_status(&value))))
                    test_id="filter-status"
                />
                // Below `md` the Email and Created headers are folded away: their sorts are here.
                <NarrowSort
                    id="identity-sort-narrow"
                    options=&NARROW_SORTS
                    name=sort_str
                    current=Signal::derive(move || state.with(|s| (s.sort, s.order)))
                    on_pick=Callback::new(move |(sort, order)| apply(Box::new(move |s| {
                        s.sort = sort;
                        s.order = order;
                    })))
                />
        </FilterPanel>
    }
    .into_any()
}

#[component]
fn IdentitySortHeader(label: &'static str, sort: IdentitySort, wide_only: bool) -> impl IntoView {
    let ctx = expect_context::<IdentitiesContext>();
    let state = ctx.state;
    let current = Signal::derive(move || state.with(|s| (s.sort == sort).then_some(s.order)));
    let href = Signal::derive(move || {
        let path = ctx.scope.with(|s| s.page_path("identities"));
        format!("{path}{}", state.with(|s| s.sorted_by(sort)).to_search())
    });
    view! { <SortHeader label href current wide_only test_id=format!("sort-{}", sort_str(sort))/> }
}

#[component]
fn EmptyState(filtered: bool) -> impl IntoView {
    let ctx = expect_context::<IdentitiesContext>();
    view! {
        <EmptyList
            filtered
            clear_href=ctx.list_path()
            no_match=("No identities match", "Nobody fits this search and this status. Loosen them to see more.")
            nothing_yet=("No identities yet", "Add the people who will hold roles in this application.")
            icon=IconName::Identities
        >
            <button
                type="button"
                class="rounded-md bg-canopy-700 px-3 py-1.5 text-sm font-semibold text-white shadow-xs hover:bg-canopy-800 focus-visible:outline-2 focus-visible:outline-offset-2 focus-visible:outline-canopy-600"
                on:click=move |_| ctx.dialog.set(Some(IdentityDialog::Create))
            >
                "New identity"
            </button>
        </EmptyList>
    }
    .into_any()
}

#[component]
fn IdentityTable(page: Paginated<IdentityResponse>) -> impl IntoView {
    let ctx = expect_context::<IdentitiesContext>();
    let state = ctx.state;
    let clock = LocalClock::get();
    let meta = page.pagination.clone();
    if page.items.is_empty() {
        if meta.item_count > 0 {
            let last = meta.page_count.max(1) as u32;
            let href = ctx.href(&state.with_untracked(|s| IdentityQuery { page: last, ..s.clone() }));
            return view! { <PastTheEnd href/> }.into_any();
        }
        return view! { <EmptyState filtered=state.with_untracked(IdentityQuery::is_filtered)/> }.into_any();
    }
    let (first, last) = page_bounds(&meta);
    let href_for = Callback::new(move |page: u32| ctx.href(&state.with_untracked(|s| IdentityQuery { page, ..s.clone() })));
    let take_href = Callback::new(move |take: u32| ctx.href(&state.with_untracked(|s| s.refiltered(|s| s.take = take))));
    let rows = page.items.into_iter().map(|identity| view! { <Row identity clock/> }).collect_view();
    view! {
        <div class="overflow-x-auto">
            <table class="w-full table-fixed text-left text-sm md:min-w-[48rem]" aria-rowcount=meta.item_count.to_string() data-testid="identities-table">
                <caption class="sr-only">
                    {format!("Identities, {} to {} of {}. Column headers with links are sortable.", first, last, meta.item_count)}
                </caption>
                <colgroup>
                    <col class="md:w-[30%]"/>
                    <col class="hidden md:table-column md:w-[30%]"/>
                    <col class="hidden md:table-column md:w-[13%]"/>
                    <col class="hidden md:table-column md:w-[14%]"/>
                    <col class="w-28"/>
                </colgroup>
                <thead class="border-b border-zinc-200 bg-zinc-50/80 text-xs font-medium text-zinc-600">
                    <tr>
                        <IdentitySortHeader label="Name" sort=IdentitySort::Name wide_only=false/>
                        <IdentitySortHeader label="Email" sort=IdentitySort::Email wide_only=true/>
                        <th scope="col" class=WIDE_HEADER>"Status"</th>
                        <IdentitySortHeader label="Created" sort=IdentitySort::CreatedAt wide_only=true/>
                        <th scope="col" class="py-2.5 pl-3 pr-4 text-right"><span class="sr-only">"Actions"</span></th>
                    </tr>
                </thead>
                <tbody class="divide-y divide-zinc-100">{rows}</tbody>
            </table>
        </div>
        <Pager meta href_for take_href/>
    }
    .into_any()
}

const ICON_BUTTON: &str = "rounded-md p-1.5 text-zinc-600 hover:bg-zinc-100 hover:text-zinc-900 focus-visible:outline-2 focus-visible:outline-canopy-600";

#[component]
fn Row(identity: IdentityResponse, clock: LocalClock) -> impl IntoView {
    let ctx = expect_context::<IdentitiesContext>();
    let href = ctx.scope.with_untracked(|s| identity_page_path(s, &identity.id));
    let created = identity.created_at;
    let active = identity.status.is_active();
    let edit = identity.clone();
    let toggle = identity.clone();
    let name = identity.name.clone();
    view! {
        <tr class="hover:bg-zinc-50/70" data-testid="identity-row" data-id=identity.id.clone()>
            <td class="px-3 py-3 pl-4">
                <div class="flex min-w-0 items-center gap-3">
                    <Avatar name=identity.name.clone() id=identity.id.clone() url=identity.avatar_url.clone()/>
                    <div class="min-w-0">
                        <a
                            href=href
                            class="block truncate rounded font-medium text-zinc-900 hover:text-canopy-800 hover:underline focus-visible:outline-2 focus-visible:outline-canopy-600"
                            data-testid="identity-name"
                        >
                            {identity.name.clone()}
                        </a>
                        // Narrow screens: the email and status, stacked under the name.
                        <p class="truncate text-xs text-zinc-600 md:hidden">{identity.email.clone()}</p>
                        <div class="mt-1 md:hidden"><IdentityStatusBadge status=identity.status/></div>
                    </div>
                </div>
            </td>
            <td class=WIDE_CELL>
                <span class="block truncate text-zinc-700" data-testid="identity-email">{identity.email.clone()}</span>
            </td>
            <td class=WIDE_CELL data-testid="status"><IdentityStatusBadge status=identity.status/></td>
            <td class="hidden whitespace-nowrap px-3 py-3 text-xs text-zinc-700 tabular-nums md:table-cell" title=move || date_time_label(&created, clock.is_local())>
                {move || date_label(&created, clock.is_local())}
            </td>
            <td class="py-3 pl-3 pr-4">
                <div class="flex justify-end gap-0.5">
                    <button
                        type="button"
                        class=ICON_BUTTON
                        aria-label=format!("Edit {name}")
                        title="Edit"
                        data-testid="edit-identity"
                        on:click=move |_| ctx.dialog.set(Some(IdentityDialog::Edit(edit.clone())))
                    >
                        <Icon name=IconName::Pencil/>
                    </button>
                    <button
                        type="button"
                        class=if active {
                            "rounded-md p-1.5 text-zinc-600 hover:bg-rose-50 hover:text-rose-700 focus-visible:outline-2 focus-visible:outline-rose-600"
                        } else {
                            "rounded-md p-1.5 text-zinc-600 hover:bg-emerald-50 hover:text-emerald-700 focus-visible:outline-2 focus-visible:outline-canopy-600"
                        }
                        aria-label=format!("{} {name}", if active { "Deactivate" } else { "Activate" })
                        title=if active { "Deactivate" } else { "Activate" }
                        data-testid="toggle-status"
                        on:click=move |_| ctx.dialog.set(Some(IdentityDialog::Status(toggle.clone())))
                    >
                        <Icon name=if active { IconName::UserOff } else { IconName::UserCheck }/>
                    </button>
                </div>
            </td>
        </tr>
    }
    .into_any()
}
