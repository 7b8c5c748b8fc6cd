//! `/a/:account/:app/:env/nodes/:id`: one node: where it sits (its ancestors, each a link), its
//! children, what can be done to it (the tree page's dialogs), and everyone with access there
//! (`GET nodes/{id}/assignments`): the assignments made on it (direct) and those made on an
//! ancestor (inherited, with the node they come from), searchable and paged in the URL
//! (`?q=ada&page=2`).

use std::sync::Arc;

use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::{
    NavigateOptions,
    hooks::{use_navigate, use_params_map, use_query_map},
};

use super::{
    DANGER_BUTTON, SECONDARY_BUTTON, load_forest, node_page_path, tree_path,
    dialogs::{NodeDialog, NodeDialogs, Target, node_api_path},
};
use crate::{
    api::{self, ApiError},
    components::{
        badges::{Avatar, RolePill, StatusPill, Tone},
        export::ExportLink,
        icons::{Icon, IconName},
        notice::Notice,
        page_owned::{PageOwner, page_owned},
        shell::MeResource,
        states::{LoadError, SignInRedirect, set_response_status},
        table::{Pager, TableSkeleton, WIDE_CELL, WIDE_HEADER},
        toolbar::SearchBox,
        tree::{Forest, TreeNode},
        when::{LocalClock, date_label},
    },
    dto::{AccessType, AssignmentRow, NodeResponse, Paginated},
    pages::{
        assignments::StatusBadge,
        identities::identity_page_path,
        list_query::{ListParams, UrlQuery},
    },
    scope::{Scope, encode_query_value, grouped},
};

const ACCESS_TAKE: u32 = 20;
/// Children linked on the page; the tree shows the rest.
const CHILDREN_LISTED: usize = 30;

/// The access list's view as the URL says it.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct AccessQuery {
    pub q: String,
    pub page: u32,
    pub take: u32,
}

impl AccessQuery {
    pub fn from_params(params: &leptos_router::params::ParamsMap) -> Self {
        let common = ListParams::read(params, ACCESS_TAKE);
        Self { q: common.q, page: common.page, take: common.take }
    }

    pub fn to_search(&self) -> String {
        UrlQuery::new(&self.q).finish(None, self.take, ACCESS_TAKE, self.page)
    }

    fn api_query(&self) -> String {
        format!("page={}&take={}&{}", self.page, self.take, self.filter_query())
    }

    /// The search and order without the page: what `nodes/{id}/assignments/export` takes.
    fn filter_query(&self) -> String {
        let mut query = String::from("sort_by=name&order=asc");
        if !self.q.trim().is_empty() {
            query.push_str(&format!("&q={}", encode_query_value(self.q.trim())));
        }
        query
    }
}

/// The node, with the tree it sits in.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
struct Place {
    node: NodeResponse,
    tree: Vec<TreeNode>,
}

async fn load_place(scope: Scope, id: String) -> Result<Place, ApiError> {
    let node: NodeResponse = api::get(&node_api_path(&scope, &id)).await?;
    let tree = load_forest(scope).await?;
    Ok(Place { node, tree })
}

async fn load_access(scope: Scope, id: String, state: AccessQuery) -> Result<Paginated<AssignmentRow>, ApiError> {
    api::get(&format!("{}/assignments?{}", node_api_path(&scope, &id), state.api_query())).await
}

#[derive(Clone, Copy)]
struct NodePageContext {
    scope: Memo<Scope>,
    id: Memo<String>,
    state: Memo<AccessQuery>,
    dialog: RwSignal<Option<NodeDialog>>,
    navigate: Callback<String>,
}

impl NodePageContext {
    fn href(&self, next: &AccessQuery) -> String {
        format!("{}{}", self.scope.with_untracked(|s| node_page_path(s, &self.id.get_untracked())), next.to_search())
    }
}

#[component]
pub fn NodePage() -> impl IntoView {
    let scope = expect_context::<Memo<Scope>>();
    let me = expect_context::<MeResource>();
    let params = use_params_map();
    let id = Memo::new(move |_| params.with(|p| p.get("id").unwrap_or_default()));
    let query = use_query_map();
    let state = Memo::new(move |_| query.with(AccessQuery::from_params));
    LocalClock::provide();
    let version = RwSignal::new(0u32);
    let notice = RwSignal::new(None::<String>);
    let dialog = RwSignal::new(None::<NodeDialog>);
    let navigate = use_navigate();
    let navigate = Callback::new(move |href: String| navigate(&href, NavigateOptions { scroll: false, ..Default::default() }));
    let ctx = NodePageContext { scope, id, state, dialog, navigate };
    provide_context(ctx);
    PageOwner::provide();
    // Both resources are created with the page, not inside the cards that await them, so the
    // browser hydrates each card with the server's data.
    let place = Resource::new(move || (scope.get(), id.get(), version.get()), |(scope, id, _)| api::bound(load_place(scope, id)));
    let access = Resource::new(move || (scope.get(), id.get(), state.get(), version.get()), |(scope, id, state, _)| api::bound(load_access(scope, id, state)));

    let eyebrow = move || {
        let scope = scope.get();
        me.get().and_then(Result::ok).and_then(|me| scope.title_in(&me)).unwrap_or(scope.environment)
    };
    let on_saved = Callback::new(move |(message, select): (String, Option<String>)| {
        let deleted = dialog.with_untracked(|d| matches!(d, Some(NodeDialog::Delete(_))));
        dialog.set(None);
        if deleted {
            // The node is gone: back to the tree, at its parent.
            let href = scope.with_untracked(|s| tree_path(s, select.as_deref()));
            navigate.run(href);
            return;
        }
        notice.set(Some(message));
        version.update(|v| *v += 1);
    });

    view! {
        <nav aria-label="Breadcrumb" class="text-sm">
            <a
                href=move || scope.with(|s| tree_path(s, Some(&id.get())))
                class="inline-flex items-center gap-1.5 rounded font-medium text-zinc-600 hover:text-zinc-900 focus-visible:outline-2 focus-visible:outline-canopy-600"
            >
                <Icon name=IconName::ArrowLeft/>
                "Nodes"
            </a>
            <span class="ml-2 text-zinc-500">{eyebrow}</span>
        </nav>
        <Notice notice/>
        <Transition fallback=|| view! { <div class="mt-6"><TableSkeleton/></div> }>
            {move || Suspend::new(async move {
                match place.await {
                    Ok(place) => view! { <Loaded place access/> }.into_any(),
                    Err(err) if err.is_unauthorized() => view! { <SignInRedirect/> }.into_any(),
                    Err(err) if err.is_not_found() => view! { <NodeNotFound/> }.into_any(),
                    Err(err) => view! { <LoadError error=err/> }.into_any(),
                }
            })}
        </Transition>
        <NodeDialogs scope dialog on_saved/>
    }
    .into_any()
}

#[component]
fn NodeNotFound() -> impl IntoView {
    set_response_status(404);
    let ctx = expect_context::<NodePageContext>();
    view! {
        <Title text="Node not found · Canopy"/>
        <section class="mx-auto flex max-w-lg flex-col items-center py-16 text-center" data-testid="node-not-found">
            <p class="text-sm font-semibold text-canopy-700">"404"</p>
            <h1 class="mt-1 text-2xl font-semibold tracking-tight text-zinc-900">"Node not found"</h1>
            <p class="mt-3 text-sm text-zinc-600">"It may have been deleted, or it belongs to another environment."</p>
            <a
                href=move || ctx.scope.with(|s| s.page_path("nodes"))
                class="mt-6 rounded-md bg-canopy-700 px-4 py-2 text-sm font-medium text-white shadow-sm hover:bg-canopy-800 focus-visible:outline-2 focus-visible:outline-offset-2 focus-visible:outline-canopy-600"
            >
                "The whole tree"
            </a>
        </section>
    }
    .into_any()
}

const CARD: &str = "mt-6 rounded-xl border border-zinc-200 bg-white shadow-xs";
const CARD_HEADER: &str = "flex flex-wrap items-center justify-between gap-3 border-b border-zinc-100 px-4 py-3 sm:px-5";

#[component]
fn Loaded(place: Place, access: Resource<Result<Paginated<AssignmentRow>, ApiError>>) -> impl IntoView {
    let ctx = expect_context::<NodePageContext>();
    let scope = ctx.scope.get_untracked();
    let forest = Arc::new(Forest::new(place.tree));
    let node = place.node;
    let target = Target::of(&node);
    let index = forest.find(&node.id);
    let ancestors: Vec<(String, String)> = index
        .map(|i| forest.ancestors(i).into_iter().map(|a| (forest.node(a).id.clone(), forest.node(a).name.clone())).collect())
        .unwrap_or_default();
    let children: Vec<(String, String, usize)> = index
        .map(|i| forest.children(i).iter().map(|c| (forest.node(*c).id.clone(), forest.node(*c).name.clone(), forest.children(*c).len())).collect())
        .unwrap_or_default();
    let descendants = index.map(|i| forest.descendant_count(i)).unwrap_or(0);
    let (child, rename, moving, deleting) = (target.clone(), target.clone(), target.clone(), target);
    let crumbs = ancestors
        .into_iter()
        .map(|(id, name)| {
            let href = node_page_path(&scope, &id);
            view! {
                <li class="flex items-center gap-1">
                    <a href=href class="rounded hover:text-zinc-900 hover:underline focus-visible:outline-2 focus-visible:outline-canopy-600">{name}</a>
                    <Icon name=IconName::ChevronRight class="size-3.5 text-zinc-400"/>
                </li>
            }
        })
        .collect_view();
    let child_count = children.len();
    let child_links = children
        .into_iter()
        .take(CHILDREN_LISTED)
        .map(|(id, name, grandchildren)| {
            let href = node_page_path(&scope, &id);
            view! {
                <li>
                    <a href=href class="flex items-center justify-between gap-3 px-4 py-2.5 text-sm hover:bg-zinc-50 focus-visible:outline-2 focus-visible:-outline-offset-2 focus-visible:outline-canopy-600 sm:px-5" data-testid="child-link">
                        <span class="truncate font-medium text-zinc-900">{name}</span>
                        {(grandchildren > 0).then(|| view! { <span class="shrink-0 text-xs text-zinc-600">{format!("{} below", grouped(grandchildren as i64))}</span> })}
                    </a>
                </li>
            }
        })
        .collect_view();
    let tree_href = tree_path(&scope, Some(&node.id));

    view! {
        <Title text=format!("{} · Nodes · Canopy", node.name)/>
        <header class="mt-4 flex flex-wrap items-start justify-between gap-4">
            <div class="min-w-0">
                <ol class="flex flex-wrap items-center gap-1 text-sm text-zinc-600" aria-label="Ancestors" data-testid="node-ancestors">{crumbs}</ol>
                <h1 class="mt-1 break-words text-2xl font-semibold tracking-tight text-zinc-900" data-testid="node-title">{node.name.clone()}</h1>
                <p class="mt-1 flex flex-wrap items-center gap-2 text-sm text-zinc-600">
                    <span class="rounded bg-zinc-100 px-1.5 py-0.5 text-xs font-medium text-zinc-700 ring-1 ring-inset ring-zinc-200" data-testid="node-kind">{node.kind.clone()}</span>
                    <span>{format!("{} children · {} nodes in its subtree", grouped(child_count as i64), grouped(descendants as i64))}</span>
                </p>
            </div>
            <div class="flex flex-wrap items-center gap-2">
                <button type="button" class=SECONDARY_BUTTON on:click=move |_| ctx.dialog.set(Some(NodeDialog::Create { parent: Some(child.clone()) })) data-testid="add-child">
                    <Icon name=IconName::Plus/>
                    "Add child"
                </button>
                <button type="button" class=SECONDARY_BUTTON on:click=move |_| ctx.dialog.set(Some(NodeDialog::Rename(rename.clone()))) data-testid="rename-node">
                    <Icon name=IconName::Pencil/>
                    "Rename"
                </button>
                <button type="button" class=SECONDARY_BUTTON on:click=move |_| ctx.dialog.set(Some(NodeDialog::Move(moving.clone(), forest.clone()))) data-testid="move-node">
                    <Icon name=IconName::ArrowRight/>
                    "Move"
                </button>
                <button type="button" class=DANGER_BUTTON on:click=move |_| ctx.dialog.set(Some(NodeDialog::Delete(deleting.clone()))) data-testid="delete-node">
                    <Icon name=IconName::Trash/>
                    "Delete"
                </button>
            </div>
        </header>

        {page_owned(move || view! { <AccessCard access/> })}

        <section class=CARD aria-labelledby="children-title">
            <div class=CARD_HEADER>
                <h2 id="children-title" class="text-sm font-semibold text-zinc-900">"Children"</h2>
                <a href=tree_href class="text-sm font-medium text-canopy-700 hover:underline focus-visible:outline-2 focus-visible:outline-canopy-600">"Show in the tree"</a>
            </div>
            {if child_count == 0 {
                view! { <p class="px-4 py-6 text-sm text-zinc-600 sm:px-5">"No nodes below this one."</p> }.into_any()
            } else {
                view! {
                    <ul class="divide-y divide-zinc-100">{child_links}</ul>
                    {(child_count > CHILDREN_LISTED).then(|| view! {
                        <p class="border-t border-zinc-100 px-4 py-2.5 text-xs text-zinc-600 sm:px-5">{format!("And {} more; the tree shows them all.", grouped((child_count - CHILDREN_LISTED) as i64))}</p>
                    })}
                }
                .into_any()
            }}
        </section>
    }
    .into_any()
}

/// Everyone with access at the node, direct and inherited, with the node each comes from.
#[component]
fn AccessCard(access: Resource<Result<Paginated<AssignmentRow>, ApiError>>) -> impl IntoView {
    let ctx = expect_context::<NodePageContext>();
    let state = ctx.state;
    let clock = LocalClock::get();
    let on_search = Callback::new(move |q: String| ctx.navigate.run(ctx.href(&AccessQuery { q, page: 1, ..state.get_untracked() })));
    let search_value = Signal::derive(move || state.with(|s| s.q.clone()));
    let export_href =
        Signal::derive(move || format!("{}/assignments/export?{}", ctx.scope.with(|s| node_api_path(s, &ctx.id.get())), state.with(AccessQuery::filter_query)));
    let table = move || {
        Suspend::new(async move {
            let page = match access.await {
                Ok(page) => page,
                Err(err) => return view! { <p class="px-5 py-6 text-sm text-rose-800" role="alert">{err.body.message}</p> }.into_any(),
            };
            let meta = page.pagination.clone();
            if page.items.is_empty() {
                let text = if state.with_untracked(|s| !s.q.trim().is_empty()) {
                    "Nobody with access here matches this search."
                } else {
                    "Nobody has access here yet: no assignment on this node or above it."
                };
                return view! { <p class="px-5 py-8 text-center text-sm text-zinc-600" data-testid="no-access">{text}</p> }.into_any();
            }
            let scope = ctx.scope.get_untracked();
            let rows = page.items.into_iter().map(|row| view! { <AccessRow row scope=scope.clone() clock/> }).collect_view();
            let href_for = Callback::new(move |page: u32| ctx.href(&AccessQuery { page, ..state.get_untracked() }));
            let take_href = Callback::new(move |take: u32| ctx.href(&AccessQuery { take, page: 1, ..state.get_untracked() }));
            view! {
                <div class="overflow-x-auto">
                    <table class="w-full table-fixed text-left text-sm" data-testid="node-access">
                        <caption class="sr-only">{format!("Everyone with access at this node, {} in all", meta.item_count)}</caption>
                        <colgroup>
                            <col class="md:w-[32%]"/>
                            <col class="hidden md:table-column md:w-[18%]"/>
                            <col class="hidden md:table-column md:w-[30%]"/>
                            <col class="hidden md:table-column md:w-[20%]"/>
                        </colgroup>
                        <thead class="border-b border-zinc-200 bg-zinc-50/80 text-xs font-medium text-zinc-600">
                            <tr>
                                <th scope="col" class="px-4 py-2.5 sm:pl-5">"Identity"</th>
                                <th scope="col" class=WIDE_HEADER>"Role"</th>
                                <th scope="col" class=WIDE_HEADER>"Access"</th>
                                <th scope="col" class=WIDE_HEADER>"Status"</th>
                            </tr>
                        </thead>
                        <tbody class="divide-y divide-zinc-100">{rows}</tbody>
                    </table>
                </div>
                <Pager meta href_for take_href/>
            }
            .into_any()
        })
    };
    let pending = RwSignal::new(false);
    view! {
        <section class=CARD aria-labelledby="access-title" aria-busy=move || pending.get().then_some("true")>
            <div class=CARD_HEADER>
                <div>
                    <h2 id="access-title" class="text-sm font-semibold text-zinc-900">"Who has access here"</h2>
                    <p class="mt-0.5 text-xs text-zinc-600">"Assignments on this node (direct) and on the nodes above it (inherited)."</p>
                </div>
                <div class="flex w-full items-center gap-2 sm:w-auto">
                    <div class="min-w-0 flex-1 sm:w-72">
                        <SearchBox id="access-search" label="Search who has access" placeholder="Search by name, email or role" value=search_value on_search/>
                    </div>
                    <ExportLink href=export_href label="Export everyone with access here as CSV, with the current search"/>
                </div>
            </div>
            <div class=move || if pending.get() { "opacity-60 transition-opacity" } else { "transition-opacity" }>
                <Transition fallback=TableSkeleton set_pending=pending>{table}</Transition>
            </div>
        </section>
    }
    .into_any()
}

#[component]
fn AccessRow(row: AssignmentRow, scope: Scope, clock: LocalClock) -> impl IntoView {
    let detail = row.assignment.clone();
    let identity_href = identity_page_path(&scope, &row.identity.id);
    let to = detail.effective_to;
    // "Inherited from <the source node>", a link; drawn in the access column and, on narrow
    // screens where that column is hidden, under the name.
    let inherited_from = |test_id: &'static str| {
        view! {
            <span class="text-zinc-600">"Inherited from "</span>
            <a href=node_page_path(&scope, &detail.source_node_id) class="font-medium text-canopy-800 hover:underline focus-visible:outline-2 focus-visible:outline-canopy-600" data-testid=test_id>
                {detail.source_node_name.clone()}
            </a>
        }
    };
    let (source, narrow_source) = match detail.access_type {
        AccessType::Direct => (
            view! { <span data-testid="access-type" data-access="direct"><StatusPill label="Direct" tone=Tone::Green/></span> }.into_any(),
            view! { <span>"Direct, on this node"</span> }.into_any(),
        ),
        AccessType::Inherited => (
            view! { <span class="block min-w-0" data-testid="access-type" data-access="inherited">{inherited_from("access-source")}</span> }.into_any(),
            inherited_from("access-source-narrow").into_any(),
        ),
    };
    view! {
        <tr data-testid="access-row" data-id=detail.id.clone() data-identity=row.identity.id.clone()>
            <td class="px-4 py-3 sm:pl-5">
                <div class="flex min-w-0 items-center gap-3">
                    <Avatar name=row.identity.name.clone() id=row.identity.id.clone() url=row.identity.avatar_url.clone()/>
                    <div class="min-w-0">
                        <a href=identity_href class="block truncate font-medium text-zinc-900 hover:text-canopy-800 hover:underline focus-visible:outline-2 focus-visible:outline-canopy-600" data-testid="access-identity">
                            {row.identity.name.clone()}
                        </a>
                        <p class="truncate text-xs text-zinc-600">{row.identity.email.clone()}</p>
                    </div>
                </div>
                // Narrow screens: role, access and status under the name.
                <div class="mt-2 space-y-1.5 pl-11 text-xs md:hidden">
                    <div class="flex flex-wrap items-center gap-1.5">
                        <RolePill name=row.role.name.clone()/>
                        <StatusBadge status=detail.status/>
                    </div>
                    <div class="truncate">{narrow_source}</div>
                </div>
            </td>
            <td class=WIDE_CELL><RolePill name=row.role.name.clone() test_id="access-role"/></td>
            <td class=WIDE_CELL>{source}</td>
            <td class=WIDE_CELL>
                <div class="flex flex-col items-start gap-1">
                    <StatusBadge status=detail.status/>
                    {to.map(|to| view! { <span class="text-xs text-zinc-600">{move || format!("Until {}", date_label(&to, clock.is_local()))}</span> })}
                </div>
            </td>
        </tr>
    }
    .into_any()
}

