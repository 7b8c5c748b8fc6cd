//! `/a/:account/:app/:env/assignments`: every role assignment of the environment in one table,
//! with search, filters, sorting and paging kept in the URL; single edits and deletes in dialogs;
//! bulk remove and change of role for a selection that can span pages.
//!
//! The first paint is rendered on the server with the data (the route is `SsrMode::Async`); after
//! hydration every change of the URL's query loads the page again over HTTP.

mod dialogs;
pub mod query;
pub mod import;
pub mod upload;

use std::collections::BTreeMap;

use leptos::prelude::*;

use crate::pages::list_query::ListView;
use leptos_meta::Title;
use leptos_router::{NavigateOptions, hooks::{use_navigate, use_query_map}};
use serde::{Deserialize, Serialize};

use self::{
    dialogs::{BulkOutcome, DialogHost},
    query::{TableQuery, parse_status},
};
use crate::{
    api::{self, ApiError},
    components::{
        badges::{Avatar, RolePill, StatusPill, Tone},
        export::ExportLink,
        icons::{Icon, IconName},
        notice::Notice,
        picker::{PickOption, PickerSource, SearchPicker, nodes_path},
        shell::MeResource,
        states::SignInRedirect,
        table::{EmptyList, Pager, PastTheEnd, SortHeader as TableSortHeader, TableCard, TableError, TableSkeleton, WIDE_CELL, WIDE_HEADER, page_bounds},
        toolbar::{Chip, FilterChips, FilterPanel, FilterSelect, NarrowSort, SELECT_CLASS, SearchBox},
        when::{LocalClock, date_label, date_time_label},
    },
    dto::{AssignmentRow, AssignmentSort, AssignmentStatus, NodeLookupRequest, NodeLookupResponse, NodeResponse, Paginated, RoleResponse, SortOrder},
    scope::{Scope, grouped},
};

/// `GET ENV/assignments/app-wide` for one view, with the node paths its rows need.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TablePage {
    pub page: Paginated<AssignmentRow>,
    /// Node id → `Acme / EMEA / Payments`, for the nodes on this page.
    pub node_paths: BTreeMap<String, String>,
    /// The node the list is filtered by, for its chip.
    pub filter_node: Option<NodeResponse>,
}

pub fn assignments_path(scope: &Scope) -> String {
    format!("{}/assignments", scope.environment_api_path())
}

/// The environment's roles, every page of them (a few dozen at most in practice).
pub async fn load_roles(scope: Scope) -> Result<Vec<RoleResponse>, ApiError> {
    let mut roles: Vec<RoleResponse> = api::get_all(&format!("{}/roles", scope.environment_api_path()), 50).await?;
    roles.sort_by(|a, b| a.name.to_lowercase().cmp(&b.name.to_lowercase()));
    Ok(roles)
}

async fn load_table(scope: Scope, state: TableQuery) -> Result<TablePage, ApiError> {
    let path = format!("{}/app-wide?{}", assignments_path(&scope), state.api_query(state.page, state.take));
    let page: Paginated<AssignmentRow> = api::get(&path).await?;
    // The paths of this page's nodes and the filter's node, in one request whatever the size of
    // the tree.
    let mut ids: Vec<String> = page.items.iter().map(|row| row.assignment.source_node_id.clone()).collect();
    ids.extend(state.node.iter().cloned());
    let mut nodes = Vec::new();
    if !ids.is_empty() {
        let found: NodeLookupResponse = api::post_json(&format!("{}/lookup", nodes_path(&scope)), &NodeLookupRequest { ids }).await?;
        nodes = found.items;
    }
    let mut node_paths: BTreeMap<String, String> = nodes.iter().map(|node| (node.id.clone(), node.path.clone())).collect();
    for row in &page.items {
        // A node deleted since the page was read keeps the name the row carries.
        let assignment = &row.assignment;
        node_paths.entry(assignment.source_node_id.clone()).or_insert_with(|| assignment.source_node_name.clone());
    }
    let filter_node = state.node.as_ref().and_then(|id| nodes.into_iter().find(|node| &node.id == id));
    Ok(TablePage { page, node_paths, filter_node })
}

/// What a selected row is called where it is listed off-page (bulk outcomes).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SelectedRow {
    pub label: String,
}

/// Shared by the page's parts and its dialogs.
#[derive(Clone, Copy)]
pub struct AssignmentsContext {
    pub scope: Memo<Scope>,
    pub state: Memo<TableQuery>,
    pub roles: Resource<Result<Vec<RoleResponse>, ApiError>>,
    /// Bumped after every write: the table loads again, in place.
    pub version: RwSignal<u32>,
    pub selection: RwSignal<BTreeMap<String, SelectedRow>>,
    pub dialog: RwSignal<Option<Dialog>>,
    pub notice: RwSignal<Option<String>>,
    pub outcome: RwSignal<Option<BulkOutcome>>,
    /// The rows of the page on screen, for "select the page".
    pub visible: RwSignal<Vec<(String, String)>>,
    pub item_count: RwSignal<u64>,
}

impl AssignmentsContext {
    pub fn refresh(&self) {
        self.version.update(|v| *v += 1);
    }

    pub fn say(&self, message: impl Into<String>) {
        self.notice.set(Some(message.into()));
    }
}

/// Which dialog is open.
#[derive(Debug, Clone, PartialEq)]
pub enum Dialog {
    Create,
    Edit(AssignmentRow),
    Delete(AssignmentRow),
    BulkRemove,
    BulkChangeRole,
}

pub fn row_label(row: &AssignmentRow) -> String {
    format!("{} · {} at {}", row.identity.name, row.role.name, row.assignment.source_node_name)
}

#[component]
pub fn AssignmentsPage() -> impl IntoView {
    let scope = expect_context::<Memo<Scope>>();
    let me = expect_context::<MeResource>();
    let query = use_query_map();
    let state = Memo::new(move |_| query.with(TableQuery::from_params));
    LocalClock::provide();

    let roles = Resource::new(move || scope.get(), |scope| api::bound(load_roles(scope)));
    let version = RwSignal::new(0u32);
    let table = Resource::new(move || (scope.get(), state.get(), version.get()), |(scope, state, _)| api::bound(load_table(scope, state)));
    let ctx = AssignmentsContext {
        scope,
        state,
        roles,
        version,
        selection: RwSignal::new(BTreeMap::new()),
        dialog: RwSignal::new(None),
        notice: RwSignal::new(None),
        outcome: RwSignal::new(None),
        visible: RwSignal::new(Vec::new()),
        item_count: RwSignal::new(0),
    };
    provide_context(ctx);
    // Another environment is another set of assignments: nothing stays selected.
    Effect::new(move |previous: Option<Scope>| {
        let current = scope.get();
        if previous.is_some_and(|p| p != current) {
            ctx.selection.set(BTreeMap::new());
            ctx.outcome.set(None);
        }
        current
    });

    let eyebrow = move || {
        let scope = scope.get();
        me.get().and_then(Result::ok).and_then(|me| scope.title_in(&me)).unwrap_or(scope.environment)
    };
    let pending = RwSignal::new(false);
    let upload_path = move || scope.with(|s| s.page_path("assignments/upload"));
    let export_href = Signal::derive(move || format!("{}/app-wide/export?{}", scope.with(assignments_path), ctx.state.with(TableQuery::filter_query)));

    view! {
        <Title text="Assignments · Canopy"/>
        <header class="flex flex-wrap items-end justify-between gap-4">
            <div class="min-w-0">
                <p class="text-sm font-medium text-zinc-600">{eyebrow}</p>
                <h1 class="mt-1 text-2xl font-semibold tracking-tight text-zinc-900">"Assignments"</h1>
                <p class="mt-1.5 max-w-2xl text-sm text-zinc-600">
                    "Who holds which role, where in the tree, and for how long."
                </p>
            </div>
            <div class="flex flex-wrap items-center gap-2">
                <ExportLink href=export_href label="Export the assignments as CSV, with the current filters"/>
                <a
                    href=upload_path
                    class="inline-flex items-center gap-1.5 rounded-md bg-white px-3 py-2 text-sm font-medium text-zinc-800 shadow-xs ring-1 ring-zinc-300 hover:bg-zinc-50 focus-visible:outline-2 focus-visible:outline-offset-2 focus-visible:outline-canopy-600"
                >
                    <Icon name=IconName::Upload/>
                    "Upload CSV"
                </a>
                <button
                    type="button"
                    class="inline-flex items-center gap-1.5 rounded-md bg-canopy-700 px-3 py-2 text-sm font-semibold text-white shadow-xs hover:bg-canopy-800 focus-visible:outline-2 focus-visible:outline-offset-2 focus-visible:outline-canopy-600"
                    on:click=move |_| ctx.dialog.set(Some(Dialog::Create))
                >
                    <Icon name=IconName::Plus/>
                    "New assignment"
                </button>
            </div>
        </header>

        <Notice notice=ctx.notice/>
        <Toolbar table/>
        <SelectionBar/>
        <OutcomePanel/>

        <TableCard label="Assignments" pending>
            <Transition fallback=TableSkeleton set_pending=pending>
                {move || Suspend::new(async move {
                    match table.await {
                        Ok(data) => view! { <AssignmentTable data/> }.into_any(),
                        Err(err) if err.is_unauthorized() => view! { <SignInRedirect/> }.into_any(),
                        Err(err) => view! {
                            <TableError
                                title="The assignments could not be loaded"
                                message=err.body.message
                                on_retry=Callback::new(move |()| ctx.refresh())
                            />
                        }
                        .into_any(),
                    }
                })}
            </Transition>
        </TableCard>
        <DialogHost/>
    }
    .into_any()
}

/// Search, filters and their chips.
#[component]
fn Toolbar(table: Resource<Result<TablePage, ApiError>>) -> impl IntoView {
    let ctx = expect_context::<AssignmentsContext>();
    let state = ctx.state;
    let navigate = use_navigate();
    // Not `new_local`: on the server the page renders across worker threads.
    let go = StoredValue::new(move |next: TableQuery| {
        let path = ctx.scope.with_untracked(|s| s.page_path("assignments"));
        navigate(&format!("{path}{}", next.to_search()), NavigateOptions { scroll: false, ..Default::default() });
    });
    let apply = move |change: Box<dyn FnOnce(&mut TableQuery) + Send + Sync>| {
        let next = state.with_untracked(|s| s.refiltered(change));
        go.with_value(|go| go(next));
    };

    let on_search = Callback::new(move |value: String| apply(Box::new(move |s| s.q = value)));
    let search_value = Signal::derive(move || state.with(|s| s.q.clone()));

    let node_choice = RwSignal::new(None::<PickOption>);
    // Picking a node filters by it; the picker empties itself again (the chip shows the filter).
    Effect::new(move |_| {
        if let Some(option) = node_choice.get() {
            node_choice.set(None);
            apply(Box::new(move |s| s.node = Some(option.id)));
        }
    });

    let role_select = move || {
        Suspend::new(async move {
            let roles = ctx.roles.await.unwrap_or_default();
            let current = state.with_untracked(|s| s.role.clone());
            let options = roles
                .into_iter()
                .map(|role| {
                    let selected = current.as_deref() == Some(role.id.as_str());
                    view! { <option value=role.id.clone() selected=selected>{role.name.clone()}</option> }
                })
                .collect_view();
            view! {
                <select
                    id="filter-role"
                    class=SELECT_CLASS
                    prop:value=move || state.with(|s| s.role.clone().unwrap_or_default())
                    on:change=move |ev| {
                        let value = event_target_value(&ev);
                        apply(Box::new(move |s| s.role = (!value.is_empty()).then_some(value)));
                    }
                >
                    <option value="">"All roles"</option>
                    {options}
                </select>
            }
        })
    };

    // Inside a Transition: the chips name the role and node, which come from resources, and a
    // resource read outside Suspense renders differently on the server and in the browser.
    let chips = move || {
        let s = state.get();
        Suspend::new(async move {
        let roles = if s.role.is_some() { ctx.roles.await.unwrap_or_default() } else { Vec::new() };
        let filter_node = if s.node.is_some() { table.await.ok().and_then(|t| t.filter_node) } else { None };
        let chip = move |kind: &'static str, value: String, change: fn(&mut TableQuery)| Chip {
            kind,
            value,
            clear: Callback::new(move |()| apply(Box::new(change))),
        };
        let mut chips = Vec::new();
        if !s.q.trim().is_empty() {
            chips.push(chip("Search", format!("“{}”", s.q.trim()), |s| s.q.clear()));
        }
        if let Some(status) = s.status {
            chips.push(chip("Status", status_label(status).to_owned(), |s| s.status = None));
        }
        if let Some(role) = &s.role {
            let name = roles.into_iter().find(|r| &r.id == role).map(|r| r.name).unwrap_or_else(|| "Unknown role".to_owned());
            chips.push(chip("Role", name, |s| s.role = None));
        }
        if s.node.is_some() {
            let name = filter_node.map(|n| n.path).unwrap_or_else(|| "Unknown node".to_owned());
            chips.push(chip("Node", name, |s| s.node = None));
        }
        let on_clear_all = Callback::new(move |()| {
            apply(Box::new(|s| {
                s.q.clear();
                s.role = None;
                s.status = None;
                s.node = None;
            }))
        });
        view! { <FilterChips chips on_clear_all/> }
        })
    };

    view! {
        <FilterPanel grid="lg:grid-cols-[minmax(0,1.6fr)_repeat(3,minmax(0,1fr))]" chips=move || view! { <Transition fallback=|| ()>{chips}</Transition> }>
                <SearchBox
                    id="assignment-search"
                    label="Search assignments"
                    placeholder="Search by name, email or role"
                    value=search_value
                    on_search
                />
                <FilterSelect
                    id="filter-status"
                    label="Status"
                    all_label="All statuses"
                    options=AssignmentStatus::ALL.into_iter().map(|s| (s.as_str(), status_label(s))).collect()
                    current=Signal::derive(move || state.with(|s| s.status.map(|s| s.as_str()).unwrap_or_default().to_owned()))
                    on_pick=Callback::new(move |value: String| apply(Box::new(move |s| s.status = parse_status(&value))))
                />
                <div>
                    <label for="filter-role" class="sr-only">"Role"</label>
                    <Transition fallback=|| view! { <select class=SELECT_CLASS disabled=true><option>"All roles"</option></select> }>
                        {role_select}
                    </Transition>
                </div>
                <SearchPicker
                    id="filter-node".to_owned()
                    label="Source node"
                    placeholder="Any node"
                    source=PickerSource::Nodes
                    selected=node_choice
                    compact=true
                />
                // Below `md` the Role and Created headers are folded away (see `Row`): their
                // sorts, and the name's, are offered here instead.
                <NarrowSort
                    id="sort-narrow"
                    options=&NARROW_SORTS
                    name=|sort: AssignmentSort| sort.as_str()
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

/// The sorts of the narrow layout's select, with their labels.
const NARROW_SORTS: [(AssignmentSort, SortOrder, &str); 6] = [
    (AssignmentSort::CreatedAt, SortOrder::Desc, "Newest first"),
    (AssignmentSort::CreatedAt, SortOrder::Asc, "Oldest first"),
    (AssignmentSort::Name, SortOrder::Asc, "Name, A to Z"),
    (AssignmentSort::Name, SortOrder::Desc, "Name, Z to A"),
    (AssignmentSort::Role, SortOrder::Asc, "Role, A to Z"),
    (AssignmentSort::Role, SortOrder::Desc, "Role, Z to A"),
];

pub fn status_label(status: AssignmentStatus) -> &'static str {
    match status {
        AssignmentStatus::Active => "Active",
        AssignmentStatus::Scheduled => "Scheduled",
        AssignmentStatus::Expired => "Expired",
    }
}

#[component]
pub fn StatusBadge(status: AssignmentStatus) -> impl IntoView {
    let tone = match status {
        AssignmentStatus::Active => Tone::Green,
        AssignmentStatus::Scheduled => Tone::Sky,
        AssignmentStatus::Expired => Tone::Grey,
    };
    view! { <StatusPill label=status_label(status) tone/> }
}

/// When the selection fills the page, offers every matching row; and the bulk actions.
#[component]
fn SelectionBar() -> impl IntoView {
    let ctx = expect_context::<AssignmentsContext>();
    let selecting = RwSignal::new(false);
    let count = move || ctx.selection.with(BTreeMap::len);
    let page_selected = move || {
        let visible = ctx.visible.get();
        !visible.is_empty() && ctx.selection.with(|s| visible.iter().all(|(id, _)| s.contains_key(id)))
    };
    let select_all_matching = move |_| {
        selecting.set(true);
        let scope = ctx.scope.get_untracked();
        let state = ctx.state.get_untracked();
        leptos::task::spawn_local(async move {
            let mut page = 1;
            let mut found = BTreeMap::new();
            let result = loop {
                let path = format!("{}/app-wide?{}", assignments_path(&scope), state.api_query(page, 100));
                match api::get::<Paginated<AssignmentRow>>(&path).await {
                    Ok(answer) => {
                        for row in &answer.items {
                            found.insert(row.assignment.id.clone(), SelectedRow { label: row_label(row) });
                        }
                        if !answer.pagination.has_next_page {
                            break Ok(());
                        }
                        page += 1;
                    }
                    Err(err) => break Err(err),
                }
            };
            selecting.set(false);
            match result {
                Ok(()) => ctx.selection.update(|s| s.extend(found)),
                Err(err) => ctx.say(format!("Could not select every match: {}", err.body.message)),
            }
        });
    };

    view! {
        <Show when=move || { count() > 0 }>
            <div
                class="sticky top-16 z-10 mt-4 flex flex-wrap items-center gap-x-4 gap-y-2 rounded-xl border border-canopy-200 bg-canopy-50 px-4 py-2.5 shadow-xs"
                role="region"
                aria-label="Bulk actions"
                data-testid="bulk-bar"
            >
                <p class="text-sm font-medium text-canopy-900" data-testid="selected-count" aria-live="polite">
                    {move || format!("{} selected", grouped(count() as i64))}
                </p>
                {move || {
                    let total = ctx.item_count.get();
                    (page_selected() && (count() as u64) < total).then(|| view! {
                        <button
                            type="button"
                            class="text-sm font-medium text-canopy-800 underline decoration-canopy-300 underline-offset-2 hover:text-canopy-950 focus-visible:outline-2 focus-visible:outline-canopy-600 disabled:opacity-60"
                            disabled=move || selecting.get()
                            on:click=select_all_matching
                        >
                            {move || if selecting.get() {
                                "Selecting…".to_owned()
                            } else {
                                format!("Select all {} matching", grouped(total as i64))
                            }}
                        </button>
                    })
                }}
                <div class="ml-auto flex flex-wrap items-center gap-2">
                    <button
                        type="button"
                        class="inline-flex items-center gap-1.5 rounded-md bg-white px-3 py-1.5 text-sm font-medium text-zinc-800 shadow-xs ring-1 ring-zinc-300 hover:bg-zinc-50 focus-visible:outline-2 focus-visible:outline-offset-2 focus-visible:outline-canopy-600"
                        on:click=move |_| ctx.dialog.set(Some(Dialog::BulkChangeRole))
                    >
                        <Icon name=IconName::Pencil/>
                        "Change role"
                    </button>
                    <button
                        type="button"
                        class="inline-flex items-center gap-1.5 rounded-md bg-white px-3 py-1.5 text-sm font-medium text-rose-700 shadow-xs ring-1 ring-rose-300 hover:bg-rose-50 focus-visible:outline-2 focus-visible:outline-offset-2 focus-visible:outline-rose-600"
                        on:click=move |_| ctx.dialog.set(Some(Dialog::BulkRemove))
                    >
                        <Icon name=IconName::Trash/>
                        "Remove"
                    </button>
                    <button
                        type="button"
                        class="rounded-md px-2.5 py-1.5 text-sm font-medium text-zinc-700 hover:bg-white/70 hover:text-zinc-900 focus-visible:outline-2 focus-visible:outline-canopy-600"
                        on:click=move |_| ctx.selection.set(BTreeMap::new())
                    >
                        "Clear selection"
                    </button>
                </div>
            </div>
        </Show>
    }
    .into_any()
}

/// The failures of the last bulk action, with their reasons; they stay selected for a retry.
#[component]
fn OutcomePanel() -> impl IntoView {
    let ctx = expect_context::<AssignmentsContext>();
    move || {
        ctx.outcome.get().map(|outcome| {
            let failures = outcome
                .failures
                .iter()
                .take(50)
                .map(|(label, reason)| view! {
                    <li class="flex flex-col gap-0.5 py-2 sm:flex-row sm:gap-3">
                        <span class="font-medium text-zinc-900 sm:w-1/2">{label.clone()}</span>
                        <span class="text-rose-800">{reason.clone()}</span>
                    </li>
                })
                .collect_view();
            let more = outcome.failures.len().saturating_sub(50);
            let tone = if outcome.failures.is_empty() { "border-emerald-200 bg-emerald-50" } else { "border-amber-200 bg-amber-50" };
            view! {
                <section
                    class=format!("mt-4 rounded-xl border px-4 py-3 {tone}")
                    role="status"
                    aria-labelledby="outcome-title"
                    data-testid="bulk-outcome"
                >
                    <div class="flex items-start justify-between gap-3">
                        <h2 id="outcome-title" class="text-sm font-semibold text-zinc-900">{outcome.headline.clone()}</h2>
                        <button
                            type="button"
                            class="rounded-md p-1 text-zinc-600 hover:bg-white/60 hover:text-zinc-900 focus-visible:outline-2 focus-visible:outline-canopy-600"
                            aria-label="Dismiss"
                            on:click=move |_| ctx.outcome.set(None)
                        >
                            <Icon name=IconName::Close/>
                        </button>
                    </div>
                    {(!outcome.failures.is_empty()).then(|| view! {
                        <p class="mt-1 text-sm text-zinc-700">"These stay selected so you can fix them and try again:"</p>
                        <ul class="mt-2 divide-y divide-amber-200/70 text-sm" data-testid="bulk-failures">{failures}</ul>
                        {(more > 0).then(|| view! { <p class="mt-1 text-sm text-zinc-700">{format!("…and {more} more.")}</p> })}
                    })}
                </section>
            }
        })
    }
}

#[component]
fn EmptyState(filtered: bool) -> impl IntoView {
    let ctx = expect_context::<AssignmentsContext>();
    let clear_href = ctx.scope.with_untracked(|s| s.page_path("assignments"));
    let upload_path = move || ctx.scope.with(|s| s.page_path("assignments/upload"));
    view! {
        <EmptyList
            filtered
            clear_href
            no_match=("No assignments match", "Nothing fits this search and these filters. Loosen them to see more.")
            nothing_yet=("No assignments yet", "Give someone a role at a node of the tree, or upload many at once from a CSV file.")
            icon=IconName::Inbox
        >
            <button
                type="button"
                class="rounded-md bg-canopy-700 px-3 py-1.5 text-sm font-semibold text-white shadow-xs hover:bg-canopy-800 focus-visible:outline-2 focus-visible:outline-offset-2 focus-visible:outline-canopy-600"
                on:click=move |_| ctx.dialog.set(Some(Dialog::Create))
            >
                "New assignment"
            </button>
            <a
                href=upload_path
                class="rounded-md bg-white px-3 py-1.5 text-sm font-medium text-zinc-800 shadow-xs ring-1 ring-zinc-300 hover:bg-zinc-50 focus-visible:outline-2 focus-visible:outline-offset-2 focus-visible:outline-canopy-600"
            >
                "Upload CSV"
            </a>
        </EmptyList>
    }
    .into_any()
}

#[component]
fn AssignmentTable(data: TablePage) -> impl IntoView {
    let ctx = expect_context::<AssignmentsContext>();
    let state = ctx.state;
    let clock = LocalClock::get();
    let TablePage { page, node_paths, .. } = data;
    let meta = page.pagination.clone();
    let visible: Vec<(String, String)> = page.items.iter().map(|row| (row.assignment.id.clone(), row_label(row))).collect();
    ctx.visible.set(visible.clone());
    ctx.item_count.set(meta.item_count);

    if page.items.is_empty() {
        let filtered = state.with_untracked(TableQuery::is_filtered);
        // Past the last page (rows removed, a stale link): the last page that exists.
        if meta.item_count > 0 {
            let last = meta.page_count.max(1) as u32;
            let path = ctx.scope.with_untracked(|s| s.page_path("assignments"));
            let next = state.with_untracked(|s| TableQuery { page: last, ..s.clone() });
            let href = format!("{path}{}", next.to_search());
            return view! { <PastTheEnd href/> }.into_any();
        }
        return view! { <EmptyState filtered/> }.into_any();
    }

    let page_ids: Vec<String> = visible.iter().map(|(id, _)| id.clone()).collect();
    let all_on_page = {
        let page_ids = page_ids.clone();
        move || ctx.selection.with(|s| page_ids.iter().all(|id| s.contains_key(id)))
    };
    let some_on_page = {
        let page_ids = page_ids.clone();
        move || ctx.selection.with(|s| page_ids.iter().any(|id| s.contains_key(id)))
    };
    let toggle_page = {
        let visible = visible.clone();
        let all_on_page = all_on_page.clone();
        move |_| {
            let select = !all_on_page();
            ctx.selection.update(|s| {
                for (id, label) in &visible {
                    if select {
                        s.insert(id.clone(), SelectedRow { label: label.clone() });
                    } else {
                        s.remove(id);
                    }
                }
            });
        }
    };

    let rows = page
        .items
        .into_iter()
        .map(|row| {
            let path = node_paths.get(&row.assignment.source_node_id).cloned().unwrap_or_else(|| row.assignment.source_node_name.clone());
            view! { <Row row path clock/> }
        })
        .collect_view();

    let (first, last) = page_bounds(&meta);
    let base = ctx.scope.with_untracked(|s| s.page_path("assignments"));
    let href_for = {
        let base = base.clone();
        Callback::new(move |page: u32| format!("{base}{}", state.with_untracked(|s| TableQuery { page, ..s.clone() }).to_search()))
    };
    let take_href = Callback::new(move |take: u32| format!("{base}{}", state.with_untracked(|s| s.refiltered(|s| s.take = take)).to_search()));

    view! {
        <div class="overflow-x-auto">
            // Below `md` the role, node, status and dates move under the identity (see `Row`) and
            // their columns are hidden, so a phone shows the whole row, actions included.
            <table class="w-full table-fixed text-left text-sm md:min-w-[56rem]" aria-rowcount=meta.item_count.to_string() data-testid="assignments-table">
                <caption class="sr-only">
                    {format!("Assignments, {} to {} of {}. Column headers with buttons are sortable.", first, last, meta.item_count)}
                </caption>
                <colgroup>
                    <col class="w-11"/>
                    <col class="md:w-[26%]"/>
                    <col class="hidden md:table-column md:w-[13%]"/>
                    <col class="hidden md:table-column md:w-[21%]"/>
                    <col class="hidden md:table-column md:w-[10%]"/>
                    <col class="hidden md:table-column md:w-[15%]"/>
                    <col class="hidden md:table-column md:w-[10%]"/>
                    <col class="w-20"/>
                </colgroup>
                <thead class="border-b border-zinc-200 bg-zinc-50/80 text-xs font-medium text-zinc-600">
                    <tr>
                        <th scope="col" class="py-2.5 pl-4 pr-2">
                            <input
                                type="checkbox"
                                aria-label="Select every assignment on this page"
                                class="size-4 rounded border-zinc-400 accent-canopy-700"
                                prop:checked=all_on_page.clone()
                                prop:indeterminate=move || some_on_page() && !all_on_page()
                                on:change=toggle_page
                                data-testid="select-page"
                            />
                        </th>
                        <SortHeader label="Identity" sort=AssignmentSort::Name wide_only=false/>
                        <SortHeader label="Role" sort=AssignmentSort::Role wide_only=true/>
                        <th scope="col" class=WIDE_HEADER>"Node"</th>
                        <th scope="col" class=WIDE_HEADER>"Status"</th>
                        <th scope="col" class=WIDE_HEADER>"Effective"</th>
                        <SortHeader label="Created" sort=AssignmentSort::CreatedAt wide_only=true/>
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

#[component]
fn SortHeader(label: &'static str, sort: AssignmentSort, wide_only: bool) -> impl IntoView {
    let ctx = expect_context::<AssignmentsContext>();
    let state = ctx.state;
    let current = Signal::derive(move || state.with(|s| (s.sort == sort).then_some(s.order)));
    let href = Signal::derive(move || {
        let path = ctx.scope.with(|s| s.page_path("assignments"));
        format!("{path}{}", state.with(|s| s.sorted_by(sort)).to_search())
    });
    view! { <TableSortHeader label href current wide_only test_id=format!("sort-{}", sort.as_str())/> }
}

#[component]
fn Row(row: AssignmentRow, path: String, clock: LocalClock) -> impl IntoView {
    let ctx = expect_context::<AssignmentsContext>();
    let id = row.assignment.id.clone();
    let label = row_label(&row);
    let checked = {
        let id = id.clone();
        Memo::new(move |_| ctx.selection.with(|s| s.contains_key(&id)))
    };
    let toggle = {
        let id = id.clone();
        let label = label.clone();
        move |_| {
            ctx.selection.update(|s| {
                if s.remove(&id).is_none() {
                    s.insert(id.clone(), SelectedRow { label: label.clone() });
                }
            })
        }
    };
    let detail = &row.assignment;
    let from = detail.effective_from;
    let to = detail.effective_to;
    let created = detail.created_at;
    let window = move || {
        let local = clock.is_local();
        match (from, to) {
            (None, None) => view! { <span class="text-zinc-600">"No end date"</span> }.into_any(),
            (from, to) => view! {
                <span class="block leading-5">
                    {from.map(|f| view! { <span class="block"><span class="text-zinc-600">"From "</span>{date_label(&f, local)}</span> })}
                    {to.map(|t| view! { <span class="block"><span class="text-zinc-600">"Until "</span>{date_label(&t, local)}</span> })}
                </span>
            }
            .into_any(),
        }
    };
    let window_title = move || {
        let local = clock.is_local();
        let from = from.map(|f| format!("From {}", date_time_label(&f, local)));
        let to = to.map(|t| format!("until {}", date_time_label(&t, local)));
        [from, to].into_iter().flatten().collect::<Vec<_>>().join(" ")
    };
    let edit_row = row.clone();
    let delete_row = row.clone();
    let access = match detail.access_type {
        crate::dto::AccessType::Direct => "Direct",
        crate::dto::AccessType::Inherited => "Inherited",
    };
    let name = row.identity.name.clone();
    view! {
        <tr
            class=move || if checked.get() { "bg-canopy-50/60" } else { "hover:bg-zinc-50/70" }
            data-testid="assignment-row"
            data-id=id.clone()
        >
            <td class="py-3 pl-4 pr-2 align-middle">
                <input
                    type="checkbox"
                    class="size-4 rounded border-zinc-400 accent-canopy-700"
                    aria-label=format!("Select {label}")
                    prop:checked=checked
                    on:change=toggle
                    data-testid="select-row"
                />
            </td>
            <td class="px-3 py-3">
                <div class="flex min-w-0 items-center gap-3">
                    <Avatar name=row.identity.name.clone() id=row.identity.id.clone() url=row.identity.avatar_url.clone()/>
                    <div class="min-w-0">
                        <p class="truncate font-medium text-zinc-900" data-testid="identity-name">{row.identity.name.clone()}</p>
                        <p class="truncate text-xs text-zinc-600">{row.identity.email.clone()}</p>
                    </div>
                </div>
                // Narrow screens: the hidden columns, stacked.
                <div class="mt-2 space-y-1 pl-11 md:hidden" data-testid="row-summary">
                    <div class="flex flex-wrap items-center gap-1.5">
                        <RolePill name=row.role.name.clone()/>
                        <StatusBadge status=detail.status/>
                    </div>
                    <p class="truncate text-xs text-zinc-600" title=path.clone()>
                        <span class="sr-only">"At "</span>{path.clone()}
                    </p>
                    {(from.is_some() || to.is_some()).then(|| view! { <p class="text-xs text-zinc-700">{window}</p> })}
                </div>
            </td>
            <td class=WIDE_CELL>
                <RolePill name=row.role.name.clone() test_id="role-name"/>
            </td>
            <td class=WIDE_CELL>
                <p class="truncate font-medium text-zinc-900">{detail.source_node_name.clone()}</p>
                <p class="truncate text-xs text-zinc-600" title=path.clone()>{path.clone()}<span class="sr-only">{format!(", {access}")}</span></p>
            </td>
            <td class=WIDE_CELL data-testid="status"><StatusBadge status=detail.status/></td>
            <td class="hidden px-3 py-3 text-xs text-zinc-800 md:table-cell" title=window_title data-testid="window">{window}</td>
            <td class="hidden whitespace-nowrap px-3 py-3 text-xs text-zinc-700 tabular-nums md:table-cell" title=move || date_time_label(&created, clock.is_local())>
                {move || date_label(&created, clock.is_local())}
            </td>
            <td class="py-3 pl-3 pr-4">
                <div class="flex justify-end gap-0.5">
                    <button
                        type="button"
                        class="rounded-md p-1.5 text-zinc-600 hover:bg-zinc-100 hover:text-zinc-900 focus-visible:outline-2 focus-visible:outline-canopy-600"
                        aria-label=format!("Edit {name}’s assignment")
                        title="Edit"
                        data-testid="edit-row"
                        on:click=move |_| ctx.dialog.set(Some(Dialog::Edit(edit_row.clone())))
                    >
                        <Icon name=IconName::Pencil/>
                    </button>
                    <button
                        type="button"
                        class="rounded-md p-1.5 text-zinc-600 hover:bg-rose-50 hover:text-rose-700 focus-visible:outline-2 focus-visible:outline-rose-600"
                        aria-label=format!("Remove {name}’s assignment")
                        title="Remove"
                        data-testid="delete-row"
                        on:click=move |_| ctx.dialog.set(Some(Dialog::Delete(delete_row.clone())))
                    >
                        <Icon name=IconName::Trash/>
                    </button>
                </div>
            </td>
        </tr>
    }
    .into_any()
}
