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
use leptos_meta::Title;
use leptos_router::{NavigateOptions, hooks::{use_navigate, use_query_map}};
use serde::{Deserialize, Serialize};

use self::{
    dialogs::{BulkOutcome, DialogHost},
    query::{PAGE_SIZES, TableQuery, parse_status},
};
use crate::{
    api::{self, ApiError},
    components::{
        icons::{Icon, IconName},
        picker::{PickOption, PickerSource, SearchPicker, nodes_path},
        shell::MeResource,
        states::SignInRedirect,
        switcher::initials,
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

        <Notice/>
        <Toolbar table/>
        <SelectionBar/>
        <OutcomePanel/>

        <section
            class="relative mt-4 overflow-hidden rounded-xl border border-zinc-200 bg-white shadow-xs"
            aria-label="Assignments"
            aria-busy=move || pending.get().then_some("true")
        >
            <div
                class=move || if pending.get() { "absolute inset-x-0 top-0 z-10 h-0.5 overflow-hidden bg-canopy-100" } else { "hidden" }
                aria-hidden="true"
            >
                <div class="h-full w-1/3 animate-[loading_1s_ease-in-out_infinite] bg-canopy-600"></div>
            </div>
            // The fading is outside the Transition, next to the progress bar: a class inside it,
            // on the table it swaps, could be left faded when the first page hydrated while
            // pending (one load in six or so).
            <div class=move || if pending.get() { "opacity-60 transition-opacity" } else { "transition-opacity" }>
                <Transition fallback=TableSkeleton set_pending=pending>
                    {move || Suspend::new(async move {
                        match table.await {
                            Ok(data) => view! { <AssignmentTable data/> }.into_any(),
                            Err(err) if err.is_unauthorized() => view! { <SignInRedirect/> }.into_any(),
                            Err(err) => view! { <TableError error=err/> }.into_any(),
                        }
                    })}
                </Transition>
            </div>
        </section>
        <DialogHost/>
    }
    .into_any()
}

/// A short confirmation after a write, announced politely to screen readers.
#[component]
fn Notice() -> impl IntoView {
    let ctx = expect_context::<AssignmentsContext>();
    let timer = StoredValue::new(None::<TimeoutHandle>);
    Effect::new(move |_| {
        if ctx.notice.get().is_some() {
            if let Some(handle) = timer.get_value() {
                handle.clear();
            }
            let handle =
                set_timeout_with_handle(move || ctx.notice.set(None), std::time::Duration::from_secs(6)).ok();
            timer.set_value(handle);
        }
    });
    view! {
        <div aria-live="polite" role="status" class="pointer-events-none fixed inset-x-0 bottom-4 z-50 flex justify-center px-4">
            {move || ctx.notice.get().map(|message| view! {
                <p
                    class="pointer-events-auto flex items-center gap-2 rounded-lg bg-zinc-900 px-4 py-2.5 text-sm font-medium text-white shadow-lg"
                    data-testid="notice"
                >
                    <Icon name=IconName::Check class="size-4 text-canopy-300"/>
                    {message}
                </p>
            })}
        </div>
    }
    .into_any()
}

const SELECT_CLASS: &str = "block w-full rounded-md border-0 bg-white py-2 pl-3 pr-8 text-sm text-zinc-900 shadow-xs ring-1 ring-inset ring-zinc-300 focus:ring-2 focus:ring-inset focus:ring-canopy-600 focus:outline-none";

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

    // The search box: the URL follows 300 ms after the last keystroke.
    let search = NodeRef::<leptos::html::Input>::new();
    let timer = StoredValue::new(None::<TimeoutHandle>);
    let typing = RwSignal::new(false);
    // Back/forward (or a chip) changes the term: the box shows it, unless the admin is typing.
    Effect::new(move |_| {
        let q = state.with(|s| s.q.clone());
        if !typing.get_untracked()
            && let Some(input) = search.get_untracked()
            && input.value() != q
        {
            input.set_value(&q);
        }
    });
    let on_search = move |ev: leptos::ev::Event| {
        let value = event_target_value(&ev);
        typing.set(true);
        if let Some(handle) = timer.get_value() {
            handle.clear();
        }
        let handle = set_timeout_with_handle(
            move || {
                typing.set(false);
                if state.with_untracked(|s| s.q.trim() != value.trim()) {
                    apply(Box::new(move |s| s.q = value));
                }
            },
            std::time::Duration::from_millis(300),
        )
        .ok();
        timer.set_value(handle);
    };

    let node_choice = RwSignal::new(None::<PickOption>);
    // Picking a node filters by it; the picker empties itself again (the chip shows the filter).
    Effect::new(move |_| {
        if let Some(option) = node_choice.get() {
            node_choice.set(None);
            apply(Box::new(move |s| s.node = Some(option.id)));
        }
    });

    let status_options = move || {
        let current = state.with(|s| s.status);
        AssignmentStatus::ALL
            .into_iter()
            .map(|status| view! { <option value=status.as_str() selected=current == Some(status)>{status_label(status)}</option> })
            .collect_view()
    };

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
        let mut chips: Vec<(String, &'static str, Box<dyn FnOnce(&mut TableQuery) + Send + Sync>)> = Vec::new();
        if !s.q.trim().is_empty() {
            chips.push((format!("“{}”", s.q.trim()), "Search", Box::new(|s| s.q.clear())));
        }
        if let Some(status) = s.status {
            chips.push((status_label(status).to_owned(), "Status", Box::new(|s| s.status = None)));
        }
        if let Some(role) = &s.role {
            let name = roles.into_iter().find(|r| &r.id == role).map(|r| r.name).unwrap_or_else(|| "Unknown role".to_owned());
            chips.push((name, "Role", Box::new(|s| s.role = None)));
        }
        if s.node.is_some() {
            let name = filter_node.map(|n| n.path).unwrap_or_else(|| "Unknown node".to_owned());
            chips.push((name, "Node", Box::new(|s| s.node = None)));
        }
        if chips.is_empty() {
            return None;
        }
        let count = chips.len();
        let items = chips
            .into_iter()
            .map(|(value, kind, change)| {
                let change = StoredValue::new(Some(change));
                view! {
                    <li>
                        <span class="inline-flex items-center gap-1 rounded-full bg-canopy-50 py-1 pl-2.5 pr-1 text-xs font-medium text-canopy-900 ring-1 ring-inset ring-canopy-200" data-testid="filter-chip">
                            <span class="text-canopy-700">{kind}": "</span>
                            <span class="max-w-56 truncate">{value.clone()}</span>
                            <button
                                type="button"
                                class="ml-0.5 rounded-full p-0.5 text-canopy-700 hover:bg-canopy-100 hover:text-canopy-900 focus-visible:outline-2 focus-visible:outline-canopy-600"
                                aria-label=format!("Remove filter {kind}: {value}")
                                on:click=move |_| {
                                    if let Some(change) = change.try_update_value(Option::take).flatten() {
                                        apply(change);
                                    }
                                }
                            >
                                <Icon name=IconName::Close class="size-3.5"/>
                            </button>
                        </span>
                    </li>
                }
            })
            .collect_view();
        Some(view! {
            <div class="mt-3 flex flex-wrap items-center gap-2 border-t border-zinc-100 pt-3">
                <span class="text-xs font-medium text-zinc-600">"Filtered by"</span>
                <ul class="flex flex-wrap items-center gap-2" aria-label="Active filters">{items}</ul>
                {(count > 1).then(|| view! {
                    <button
                        type="button"
                        class="rounded px-1.5 py-0.5 text-xs font-medium text-zinc-700 underline decoration-zinc-300 underline-offset-2 hover:text-zinc-900 focus-visible:outline-2 focus-visible:outline-canopy-600"
                        on:click=move |_| {
                            apply(Box::new(|s| {
                                s.q.clear();
                                s.role = None;
                                s.status = None;
                                s.node = None;
                            }))
                        }
                    >
                        "Clear all"
                    </button>
                })}
            </div>
        })
        })
    };

    view! {
        <section class="mt-6 rounded-xl border border-zinc-200 bg-white p-3 shadow-xs sm:p-4" aria-label="Search and filters">
            <div class="grid gap-3 sm:grid-cols-2 lg:grid-cols-[minmax(0,1.6fr)_repeat(3,minmax(0,1fr))]">
                <div class="relative sm:col-span-2 lg:col-span-1">
                    <label for="assignment-search" class="sr-only">"Search assignments"</label>
                    <span class="pointer-events-none absolute inset-y-0 left-3 flex items-center text-zinc-500">
                        <Icon name=IconName::Search/>
                    </span>
                    <input
                        id="assignment-search"
                        type="search"
                        node_ref=search
                        placeholder="Search by name, email or role"
                        autocomplete="off"
                        spellcheck="false"
                        value=move || state.with_untracked(|s| s.q.clone())
                        on:input=on_search
                        class="block w-full rounded-md border-0 bg-white py-2 pl-9 pr-3 text-sm text-zinc-900 shadow-xs ring-1 ring-inset ring-zinc-300 placeholder:text-zinc-500 focus:ring-2 focus:ring-inset focus:ring-canopy-600 focus:outline-none"
                    />
                </div>
                <div>
                    <label for="filter-status" class="sr-only">"Status"</label>
                    <select
                        id="filter-status"
                        class=SELECT_CLASS
                        prop:value=move || state.with(|s| s.status.map(|s| s.as_str()).unwrap_or_default().to_owned())
                        on:change=move |ev| {
                            let value = event_target_value(&ev);
                            apply(Box::new(move |s| s.status = parse_status(&value)));
                        }
                    >
                        <option value="">"All statuses"</option>
                        {status_options}
                    </select>
                </div>
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
                <div class="md:hidden">
                    <label for="sort-narrow" class="sr-only">"Sort"</label>
                    <select
                        id="sort-narrow"
                        class=SELECT_CLASS
                        prop:value=move || state.with(|s| format!("{}:{}", s.sort.as_str(), s.order.as_str()))
                        on:change=move |ev| {
                            let value = event_target_value(&ev);
                            if let Some((sort, order)) = NARROW_SORTS.iter().find(|(sort, order, _)| format!("{}:{}", sort.as_str(), order.as_str()) == value).map(|(s, o, _)| (*s, *o)) {
                                apply(Box::new(move |s| {
                                    s.sort = sort;
                                    s.order = order;
                                }));
                            }
                        }
                        data-testid="sort-narrow"
                    >
                        {NARROW_SORTS
                            .iter()
                            .map(|(sort, order, label)| {
                                // The server render marks the current one; `prop:value` keeps it after.
                                let current = state.with_untracked(|s| s.sort == *sort && s.order == *order);
                                view! { <option value=format!("{}:{}", sort.as_str(), order.as_str()) selected=current>{*label}</option> }
                            })
                            .collect_view()}
                    </select>
                </div>
            </div>
            <Transition fallback=|| ()>{chips}</Transition>
        </section>
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
    let (pill, dot) = match status {
        AssignmentStatus::Active => ("bg-emerald-50 text-emerald-800 ring-emerald-600/25", "bg-emerald-500"),
        AssignmentStatus::Scheduled => ("bg-sky-50 text-sky-800 ring-sky-600/25", "bg-sky-500"),
        AssignmentStatus::Expired => ("bg-zinc-100 text-zinc-700 ring-zinc-500/25", "bg-zinc-400"),
    };
    view! {
        <span class=format!("inline-flex items-center gap-1.5 whitespace-nowrap rounded-full px-2 py-0.5 text-xs font-medium ring-1 ring-inset {pill}")>
            <span class=format!("size-1.5 rounded-full {dot}") aria-hidden="true"></span>
            {status_label(status)}
        </span>
    }
    .into_any()
}

/// Avatar colours: each pair passes AA for the initials.
const AVATAR_TONES: [&str; 6] = [
    "bg-canopy-100 text-canopy-800",
    "bg-sky-100 text-sky-800",
    "bg-amber-100 text-amber-900",
    "bg-violet-100 text-violet-800",
    "bg-rose-100 text-rose-800",
    "bg-teal-100 text-teal-800",
];

#[component]
pub fn Avatar(name: String, id: String, url: Option<String>) -> impl IntoView {
    match url {
        Some(url) => view! {
            <img src=url alt="" loading="lazy" class="size-8 shrink-0 rounded-full bg-zinc-100 object-cover ring-1 ring-zinc-200"/>
        }
        .into_any(),
        None => {
            let tone = AVATAR_TONES[id.bytes().fold(0usize, |h, b| h.wrapping_mul(31).wrapping_add(usize::from(b))) % AVATAR_TONES.len()];
            view! {
                <span class=format!("flex size-8 shrink-0 items-center justify-center rounded-full text-xs font-semibold {tone}") aria-hidden="true">
                    {initials(&name)}
                </span>
            }
            .into_any()
        }
    }
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
fn TableSkeleton() -> impl IntoView {
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

#[component]
fn TableError(error: ApiError) -> impl IntoView {
    let ctx = expect_context::<AssignmentsContext>();
    view! {
        <div class="flex flex-col items-center px-6 py-14 text-center" role="alert" data-testid="table-error">
            <span class="flex size-11 items-center justify-center rounded-full bg-rose-50 text-rose-700 ring-1 ring-rose-200">
                <Icon name=IconName::Alert class="size-5"/>
            </span>
            <h2 class="mt-4 text-sm font-semibold text-zinc-900">"The assignments could not be loaded"</h2>
            <p class="mt-1 max-w-md text-sm text-zinc-600">{error.body.message.clone()}</p>
            <button
                type="button"
                class="mt-5 rounded-md bg-white px-3 py-1.5 text-sm font-medium text-zinc-800 shadow-xs ring-1 ring-zinc-300 hover:bg-zinc-50 focus-visible:outline-2 focus-visible:outline-offset-2 focus-visible:outline-canopy-600"
                on:click=move |_| ctx.refresh()
            >
                "Try again"
            </button>
        </div>
    }
    .into_any()
}

#[component]
fn EmptyState(filtered: bool) -> impl IntoView {
    let ctx = expect_context::<AssignmentsContext>();
    let clear_path = move || ctx.scope.with(|s| s.page_path("assignments"));
    let upload_path = move || ctx.scope.with(|s| s.page_path("assignments/upload"));
    view! {
        <div class="flex flex-col items-center px-6 py-16 text-center" data-testid="empty-state">
            <span class="flex size-11 items-center justify-center rounded-full bg-zinc-100 text-zinc-600 ring-1 ring-zinc-200">
                <Icon name=if filtered { IconName::Search } else { IconName::Inbox } class="size-5"/>
            </span>
            {if filtered {
                view! {
                    <h2 class="mt-4 text-sm font-semibold text-zinc-900">"No assignments match"</h2>
                    <p class="mt-1 max-w-sm text-sm text-zinc-600">"Nothing fits this search and these filters. Loosen them to see more."</p>
                    <a
                        href=clear_path
                        data-noscroll=""
                        class="mt-5 rounded-md bg-white px-3 py-1.5 text-sm font-medium text-zinc-800 shadow-xs ring-1 ring-zinc-300 hover:bg-zinc-50 focus-visible:outline-2 focus-visible:outline-offset-2 focus-visible:outline-canopy-600"
                    >
                        "Clear search and filters"
                    </a>
                }
                .into_any()
            } else {
                view! {
                    <h2 class="mt-4 text-sm font-semibold text-zinc-900">"No assignments yet"</h2>
                    <p class="mt-1 max-w-sm text-sm text-zinc-600">"Give someone a role at a node of the tree, or upload many at once from a CSV file."</p>
                    <div class="mt-5 flex gap-2">
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
                    </div>
                }
                .into_any()
            }}
        </div>
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
            return view! {
                <div class="px-6 py-14 text-center text-sm text-zinc-600" data-testid="empty-state">
                    "This page is past the end of the list. "
                    <a href=href data-noscroll="" class="font-medium text-canopy-700 underline underline-offset-2">"Go to the last page"</a>
                </div>
            }
            .into_any();
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

    let first = u64::from(meta.page - 1) * u64::from(meta.take) + 1;
    let last = (first + u64::from(meta.take) - 1).min(meta.item_count);
    let base = ctx.scope.with_untracked(|s| s.page_path("assignments"));
    let href_for = {
        let base = base.clone();
        move |page: u32| format!("{base}{}", state.with_untracked(|s| TableQuery { page, ..s.clone() }).to_search())
    };
    let previous = meta.has_previous_page.then(|| href_for(meta.page - 1));
    let next = meta.has_next_page.then(|| href_for(meta.page + 1));
    let navigate = use_navigate();
    let on_take = move |ev: leptos::ev::Event| {
        let take = event_target_value(&ev).parse().unwrap_or(query::DEFAULT_PAGE_SIZE);
        let next = state.with_untracked(|s| s.refiltered(|s| s.take = take));
        navigate(&format!("{base}{}", next.to_search()), NavigateOptions { scroll: false, ..Default::default() });
    };
    let take = meta.take;
    let take_options = PAGE_SIZES
        .into_iter()
        .map(|size| view! { <option value=size.to_string() selected=size == take>{size.to_string()}</option> })
        .collect_view();

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
        <nav class="flex flex-col gap-3 border-t border-zinc-200 px-4 py-3 text-sm text-zinc-700 sm:flex-row sm:items-center sm:justify-between" aria-label="Pages">
            <p data-testid="page-summary">
                "Showing "
                <span class="font-medium text-zinc-900 tabular-nums">{format!("{}–{}", grouped(first as i64), grouped(last as i64))}</span>
                " of "
                <span class="font-medium text-zinc-900 tabular-nums" data-testid="item-count">{grouped(meta.item_count as i64)}</span>
            </p>
            <div class="flex flex-wrap items-center gap-3">
                <label class="flex items-center gap-2">
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

/// Header and body cells of the columns shown from `md` up (stacked under the identity below it).
const WIDE_HEADER: &str = "hidden px-3 py-2.5 md:table-cell";
const WIDE_CELL: &str = "hidden px-3 py-3 md:table-cell";

#[component]
fn SortHeader(label: &'static str, sort: AssignmentSort, wide_only: bool) -> impl IntoView {
    let ctx = expect_context::<AssignmentsContext>();
    let state = ctx.state;
    let current = move || state.with(|s| (s.sort == sort).then_some(s.order));
    let href = move || {
        let path = ctx.scope.with(|s| s.page_path("assignments"));
        format!("{path}{}", state.with(|s| s.sorted_by(sort)).to_search())
    };
    view! {
        <th
            scope="col"
            class=if wide_only { WIDE_HEADER } else { "px-3 py-2.5" }
            aria-sort=move || match current() {
                Some(SortOrder::Asc) => "ascending",
                Some(SortOrder::Desc) => "descending",
                None => "none",
            }
        >
            <a
                href=href
                data-noscroll=""
                class="group -mx-1.5 inline-flex items-center gap-1 rounded px-1.5 py-0.5 hover:bg-zinc-200/60 hover:text-zinc-900 focus-visible:outline-2 focus-visible:outline-canopy-600"
                data-testid=format!("sort-{}", sort.as_str())
            >
                {label}
                <span class=move || if current().is_some() { "text-zinc-900" } else { "text-zinc-400 group-hover:text-zinc-600" }>
                    {move || match current() {
                        Some(SortOrder::Asc) => view! { <Icon name=IconName::ArrowUp class="size-3.5"/> }.into_any(),
                        Some(SortOrder::Desc) => view! { <Icon name=IconName::ArrowDown class="size-3.5"/> }.into_any(),
                        None => view! { <Icon name=IconName::ChevronsUpDown class="size-3.5"/> }.into_any(),
                    }}
                </span>
                <span class="sr-only">{move || match current() {
                    Some(SortOrder::Asc) => ", sorted ascending",
                    Some(SortOrder::Desc) => ", sorted descending",
                    None => ", sort",
                }}</span>
            </a>
        </th>
    }
    .into_any()
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
                        <span class="inline-flex max-w-full items-center truncate rounded-md bg-zinc-100 px-2 py-0.5 text-xs font-medium text-zinc-800 ring-1 ring-inset ring-zinc-200">
                            {row.role.name.clone()}
                        </span>
                        <StatusBadge status=detail.status/>
                    </div>
                    <p class="truncate text-xs text-zinc-600" title=path.clone()>
                        <span class="sr-only">"At "</span>{path.clone()}
                    </p>
                    {(from.is_some() || to.is_some()).then(|| view! { <p class="text-xs text-zinc-700">{window}</p> })}
                </div>
            </td>
            <td class=WIDE_CELL>
                <span class="inline-flex max-w-full items-center truncate rounded-md bg-zinc-100 px-2 py-0.5 text-xs font-medium text-zinc-800 ring-1 ring-inset ring-zinc-200" data-testid="role-name">
                    {row.role.name.clone()}
                </span>
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
