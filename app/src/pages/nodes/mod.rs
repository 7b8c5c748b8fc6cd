//! `/a/:account/:app/:env/nodes`: the environment's node tree (org → region → team → project)
//! with expand / collapse and search, and beside it the selected node with what can be done to
//! it: add a child, rename, move, delete (the API's rules explained, with the counts a cascade
//! would remove). Each node has its own page (`detail`): everyone with access there.
//!
//! The whole tree is read once (`GET nodes`, every page) into a [`Forest`]; only the roots and
//! the children of expanded nodes are drawn, so a tree of thousands of nodes stays responsive.
//! The search, the selected node and the expanded ones live in the URL (`query`).

pub mod detail;
pub mod dialogs;
pub mod query;

use std::sync::Arc;

use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::{
    NavigateOptions,
    hooks::{use_navigate, use_query_map},
};

use self::{
    dialogs::{NodeDialog, NodeDialogs},
    query::TreeQuery,
};
use crate::{
    api::{self, ApiError},
    components::{
        icons::{Icon, IconName},
        notice::Notice,
        picker::nodes_path,
        shell::MeResource,
        states::SignInRedirect,
        table::{TableCard, TableError, TableSkeleton},
        toolbar::SearchBox,
        tree::{Forest, MATCHES_SHOWN, TreeNode},
        tree_view::TreeView,
    },
    dto::NodeResponse,
    scope::{Scope, encode_query_value, grouped},
};

/// Most nodes the portal reads for one tree (100 pages of 100).
const MAX_NODE_PAGES: u32 = 100;

/// The node's own page in the portal.
pub fn node_page_path(scope: &Scope, id: &str) -> String {
    scope.page_path(&format!("nodes/{}", encode_query_value(id)))
}

/// The tree page with this node selected.
pub fn tree_path(scope: &Scope, selected: Option<&str>) -> String {
    let state = TreeQuery { node: selected.map(str::to_owned), ..Default::default() };
    format!("{}{}", scope.page_path("nodes"), state.to_search())
}

/// Every node of the environment, in the API's order (by path), as the tree needs them.
pub async fn load_forest(scope: Scope) -> Result<Vec<TreeNode>, ApiError> {
    let nodes: Vec<NodeResponse> = api::get_all(&nodes_path(&scope), MAX_NODE_PAGES).await?;
    Ok(nodes.into_iter().map(TreeNode::from).collect())
}

pub const PRIMARY_BUTTON: &str = "inline-flex items-center gap-1.5 rounded-md bg-canopy-700 px-3 py-2 text-sm font-semibold text-white shadow-xs hover:bg-canopy-800 focus-visible:outline-2 focus-visible:outline-offset-2 focus-visible:outline-canopy-600";
pub const SECONDARY_BUTTON: &str = "inline-flex items-center justify-center gap-1.5 rounded-md bg-white px-3 py-2 text-sm font-medium text-zinc-800 shadow-xs ring-1 ring-zinc-300 hover:bg-zinc-50 focus-visible:outline-2 focus-visible:outline-offset-2 focus-visible:outline-canopy-600";
pub const DANGER_BUTTON: &str = "inline-flex items-center justify-center gap-1.5 rounded-md bg-white px-3 py-2 text-sm font-medium text-rose-700 shadow-xs ring-1 ring-rose-300 hover:bg-rose-50 focus-visible:outline-2 focus-visible:outline-offset-2 focus-visible:outline-rose-600";

#[derive(Clone, Copy)]
struct TreeContext {
    scope: Memo<Scope>,
    state: Memo<TreeQuery>,
    dialog: RwSignal<Option<NodeDialog>>,
    /// Parents whose children are all drawn, past [`crate::components::tree::CHILDREN_SHOWN`].
    show_all: RwSignal<std::collections::HashSet<usize>>,
    /// Goes to another view of the tree: `(href, replace)`.
    navigate: Callback<(String, bool)>,
}

impl TreeContext {
    fn go(&self, next: &TreeQuery, replace: bool) {
        let href = format!("{}{}", self.scope.with_untracked(|s| s.page_path("nodes")), next.to_search());
        self.navigate.run((href, replace));
    }
}

#[component]
pub fn NodesPage() -> impl IntoView {
    let scope = expect_context::<Memo<Scope>>();
    let me = expect_context::<MeResource>();
    let query = use_query_map();
    let state = Memo::new(move |_| query.with(TreeQuery::from_params));
    let version = RwSignal::new(0u32);
    let notice = RwSignal::new(None::<String>);
    let dialog = RwSignal::new(None::<NodeDialog>);
    let navigate = use_navigate();
    let navigate = Callback::new(move |(href, replace): (String, bool)| navigate(&href, NavigateOptions { scroll: false, replace, ..Default::default() }));
    let ctx = TreeContext { scope, state, dialog, show_all: RwSignal::new(Default::default()), navigate };
    provide_context(ctx);
    let forest = Resource::new(move || (scope.get(), version.get()), |(scope, _)| api::bound(load_forest(scope)));

    let eyebrow = move || {
        let scope = scope.get();
        me.get().and_then(Result::ok).and_then(|me| scope.title_in(&me)).unwrap_or(scope.environment)
    };
    let pending = RwSignal::new(false);
    // After a write: the tree loads again, and the node written is selected (a selected node's
    // ancestors are always open, so it is on screen); after a delete, its parent.
    let on_saved = Callback::new(move |(message, select): (String, Option<String>)| {
        dialog.set(None);
        notice.set(Some(message));
        version.update(|v| *v += 1);
        ctx.go(&state.with_untracked(|s| s.selecting(select)), false);
    });

    view! {
        <Title text="Nodes · Canopy"/>
        <header class="flex flex-wrap items-end justify-between gap-4">
            <div class="min-w-0">
                <p class="text-sm font-medium text-zinc-600">{eyebrow}</p>
                <h1 class="mt-1 text-2xl font-semibold tracking-tight text-zinc-900">"Nodes"</h1>
                <p class="mt-1.5 max-w-2xl text-sm text-zinc-600">
                    "The tree assignments apply to: a role given at a node holds in its whole subtree."
                </p>
            </div>
            <button type="button" class=PRIMARY_BUTTON on:click=move |_| dialog.set(Some(NodeDialog::Create { parent: None })) data-testid="new-root">
                <Icon name=IconName::Plus/>
                "New root node"
            </button>
        </header>
        <Notice notice/>
        <TableCard label="Node tree" pending>
            <Transition fallback=TableSkeleton set_pending=pending>
                {move || Suspend::new(async move {
                    match forest.await {
                        Ok(nodes) => view! { <Loaded forest=Arc::new(Forest::new(nodes))/> }.into_any(),
                        Err(err) if err.is_unauthorized() => view! { <SignInRedirect/> }.into_any(),
                        Err(err) => view! {
                            <TableError
                                title="The tree could not be loaded"
                                message=err.body.message
                                on_retry=Callback::new(move |()| version.update(|v| *v += 1))
                            />
                        }
                        .into_any(),
                    }
                })}
            </Transition>
        </TableCard>
        <NodeDialogs scope dialog on_saved/>
    }
    .into_any()
}

/// The tree and the selected node's panel, once the nodes are read.
#[component]
fn Loaded(forest: Arc<Forest>) -> impl IntoView {
    let ctx = expect_context::<TreeContext>();
    let state = ctx.state;
    if forest.is_empty() {
        return view! {
            <div class="flex flex-col items-center px-6 py-16 text-center" data-testid="empty-state">
                <span class="flex size-11 items-center justify-center rounded-full bg-zinc-100 text-zinc-600 ring-1 ring-zinc-200">
                    <Icon name=IconName::Nodes class="size-5"/>
                </span>
                <h2 class="mt-4 text-sm font-semibold text-zinc-900">"No nodes yet"</h2>
                <p class="mt-1 max-w-sm text-sm text-zinc-600">"Start with the root of your organisation, then add regions, teams and projects below it."</p>
                <button type="button" class=format!("mt-5 {PRIMARY_BUTTON}") on:click=move |_| ctx.dialog.set(Some(NodeDialog::Create { parent: None }))>
                    "New root node"
                </button>
            </div>
        }
        .into_any();
    }
    let lines_forest = forest.clone();
    let search = Memo::new(move |_| {
        let (q, expanded) = state.with(|s| (s.q.clone(), (!s.is_searching()).then(|| s.expanded(&lines_forest))));
        match expanded {
            Some(expanded) => (ctx.show_all.with(|all| lines_forest.browse(&expanded, all)), None),
            None => {
                let (lines, total) = lines_forest.filtered(&q);
                (lines, Some(total))
            }
        }
    });
    let lines = Signal::derive(move || search.with(|(lines, _)| lines.clone()));
    let matches = Memo::new(move |_| search.with(|(_, total)| *total));
    let selected = Signal::derive(move || state.with(|s| s.node.clone()));
    let select_forest = forest.clone();
    let on_select = Callback::new(move |id: String| {
        if select_forest.find(&id).is_some() && state.with_untracked(|s| s.node.as_deref() != Some(id.as_str())) {
            ctx.go(&state.with_untracked(|s| s.selecting(Some(id))), false);
        }
    });
    let toggle_forest = forest.clone();
    let on_toggle = Callback::new(move |(index, expand): (usize, bool)| {
        if state.with_untracked(TreeQuery::is_searching) {
            return;
        }
        ctx.go(&state.with_untracked(|s| s.toggled(&toggle_forest, index, expand)), true);
    });
    let on_show_all = Callback::new(move |parent: usize| ctx.show_all.update(|all| {
        all.insert(parent);
    }));
    let on_search = Callback::new(move |q: String| ctx.go(&state.with_untracked(|s| TreeQuery { q, ..s.clone() }), false));
    let search_value = Signal::derive(move || state.with(|s| s.q.clone()));
    let all_forest = forest.clone();
    let expand_all = Callback::new(move |expand: bool| ctx.go(&state.with_untracked(|s| s.all(&all_forest, expand)), true));
    let levels = (0..forest.len()).map(|i| forest.depth(i)).max().unwrap_or(0) + 1;
    let total = forest.len();
    let panel_forest = forest.clone();

    view! {
        <div class="grid lg:grid-cols-[minmax(0,1fr)_22rem]">
            <div class="min-w-0 border-b border-zinc-200 lg:border-r lg:border-b-0">
                <div class="flex flex-wrap items-center gap-2 border-b border-zinc-100 p-3 sm:px-4">
                    <div class="min-w-0 flex-1 basis-56">
                        <SearchBox id="node-search" label="Search nodes" placeholder="Search by name or path" value=search_value on_search/>
                    </div>
                    <div class="flex gap-1">
                        <button type="button" class="rounded-md px-2.5 py-1.5 text-sm font-medium text-zinc-700 hover:bg-zinc-100 focus-visible:outline-2 focus-visible:outline-canopy-600 disabled:text-zinc-400" disabled=move || state.with(TreeQuery::is_searching) on:click=move |_| expand_all.run(true) data-testid="expand-all">
                            "Expand all"
                        </button>
                        <button type="button" class="rounded-md px-2.5 py-1.5 text-sm font-medium text-zinc-700 hover:bg-zinc-100 focus-visible:outline-2 focus-visible:outline-canopy-600 disabled:text-zinc-400" disabled=move || state.with(TreeQuery::is_searching) on:click=move |_| expand_all.run(false) data-testid="collapse-all">
                            "Collapse all"
                        </button>
                    </div>
                </div>
                <p class="px-4 pt-3 text-xs text-zinc-600" data-testid="tree-summary" aria-live="polite">
                    {move || match matches.get() {
                        None => format!("{} nodes on {} levels", grouped(total as i64), levels),
                        Some(0) => "No node matches this search.".to_owned(),
                        Some(n) if n > MATCHES_SHOWN => format!("{} nodes match; the first {MATCHES_SHOWN} are shown. Type more to narrow them.", grouped(n as i64)),
                        Some(n) => format!("{} of {} nodes match", grouped(n as i64), grouped(total as i64)),
                    }}
                </p>
                <div class="max-h-[70vh] overflow-y-auto px-2 pb-3 sm:px-3">
                    <TreeView forest=forest.clone() lines selected on_select on_toggle on_show_all label="Nodes"/>
                </div>
            </div>
            <SelectedPanel forest=panel_forest/>
        </div>
    }
    .into_any()
}

/// What the selected node is, and what can be done to it.
#[component]
fn SelectedPanel(forest: Arc<Forest>) -> impl IntoView {
    let ctx = expect_context::<TreeContext>();
    let state = ctx.state;
    let selected = Memo::new(move |_| state.with(|s| s.node.clone()));
    move || {
        let index = selected.get().and_then(|id| forest.find(&id));
        match index {
            None => view! {
                <aside class="hidden px-5 py-10 text-center text-sm text-zinc-600 lg:block" data-testid="node-panel-empty">
                    <Icon name=IconName::Nodes class="mx-auto size-6 text-zinc-400"/>
                    <p class="mt-3">"Select a node to see its place in the tree and change it."</p>
                </aside>
            }
            .into_any(),
            Some(index) => {
                let node = forest.node(index).clone();
                let path = forest.path(index);
                let children = forest.children(index).len();
                let descendants = forest.descendant_count(index);
                let scope = ctx.scope.get_untracked();
                let page = node_page_path(&scope, &node.id);
                let assignments = format!("{}?node={}", scope.page_path("assignments"), encode_query_value(&node.id));
                let target = dialogs::Target { id: node.id.clone(), name: node.name.clone(), kind: node.kind.clone(), path: path.clone(), parent_id: node.parent_id.clone() };
                let (rename, moving, deleting, child) = (target.clone(), target.clone(), target.clone(), target);
                let move_forest = forest.clone();
                view! {
                    <aside class="p-4 sm:p-5" aria-labelledby="node-panel-title" data-testid="node-panel" data-id=node.id.clone()>
                        <p class="text-xs font-medium uppercase tracking-wide text-zinc-500">{node.kind.clone()}</p>
                        <h2 id="node-panel-title" class="mt-0.5 break-words text-lg font-semibold text-zinc-900" data-testid="node-panel-name">{node.name.clone()}</h2>
                        <p class="mt-1 break-words text-sm text-zinc-600" data-testid="node-panel-path">{path}</p>
                        <dl class="mt-4 grid grid-cols-2 gap-3 text-sm">
                            <div class="rounded-lg bg-zinc-50 px-3 py-2 ring-1 ring-zinc-200">
                                <dt class="text-xs text-zinc-600">"Children"</dt>
                                <dd class="font-semibold text-zinc-900 tabular-nums" data-testid="node-children">{grouped(children as i64)}</dd>
                            </div>
                            <div class="rounded-lg bg-zinc-50 px-3 py-2 ring-1 ring-zinc-200">
                                <dt class="text-xs text-zinc-600">"In its subtree"</dt>
                                <dd class="font-semibold text-zinc-900 tabular-nums" data-testid="node-descendants">{grouped(descendants as i64)}</dd>
                            </div>
                        </dl>
                        <div class="mt-4 flex flex-col gap-2">
                            <a href=page class=PRIMARY_BUTTON data-testid="node-page-link">
                                <Icon name=IconName::Identities/>
                                "Who has access here"
                            </a>
                            <a href=assignments class=SECONDARY_BUTTON>"Assignments made here"</a>
                        </div>
                        <div class="mt-4 grid grid-cols-2 gap-2">
                            <button type="button" class=SECONDARY_BUTTON on:click=move |_| ctx.dialog.set(Some(NodeDialog::Create { parent: Some(child.clone()) })) data-testid="add-child">
                                <Icon name=IconName::Plus/>
                                "Add child"
                            </button>
                            <button type="button" class=SECONDARY_BUTTON on:click=move |_| ctx.dialog.set(Some(NodeDialog::Rename(rename.clone()))) data-testid="rename-node">
                                <Icon name=IconName::Pencil/>
                                "Rename"
                            </button>
                            <button type="button" class=SECONDARY_BUTTON on:click=move |_| ctx.dialog.set(Some(NodeDialog::Move(moving.clone(), move_forest.clone()))) data-testid="move-node">
                                <Icon name=IconName::ArrowRight/>
                                "Move"
                            </button>
                            <button type="button" class=DANGER_BUTTON on:click=move |_| ctx.dialog.set(Some(NodeDialog::Delete(deleting.clone()))) data-testid="delete-node">
                                <Icon name=IconName::Trash/>
                                "Delete"
                            </button>
                        </div>
                    </aside>
                }
                .into_any()
            }
        }
    }
}

