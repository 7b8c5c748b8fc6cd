//! The node dialogs: create (a root or a child), rename, move (a picker that refuses the node's
//! own subtree, as the API does), and delete with the API's rules explained: a node with
//! children or assignments below it is refused unless the admin asks for the cascade, whose
//! counts (`GET nodes/{id}/usage`) are shown before anything is deleted.
//!
//! Edits read the node first and send its `ETag` back (`If-Match`): a change another admin made
//! in between is refused (412) and the dialog offers to reload.

use std::sync::Arc;

use leptos::{ev::SubmitEvent, prelude::*};

use crate::{
    api,
    components::{
        dialog::Modal,
        form::{DialogFooter, FieldError, FormAlert, StaleAlert, focus_first_error, input_class},
        node_picker::NodePicker,
        picker::nodes_path,
        tree::Forest,
    },
    dto::{CreateNodeRequest, FieldErrors, NodeResponse, NodeUsageResponse, UpdateNodeRequest, Validate},
    scope::{Scope, encode_query_value, grouped},
};

/// The node a dialog is about, as the page that opens it knows it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Target {
    pub id: String,
    pub name: String,
    pub kind: String,
    pub path: String,
    pub parent_id: Option<String>,
}

impl Target {
    pub fn of(node: &NodeResponse) -> Self {
        Self { id: node.id.clone(), name: node.name.clone(), kind: node.kind.clone(), path: node.path.clone(), parent_id: node.parent_id.clone() }
    }
}

/// Which node dialog is open.
#[derive(Clone)]
pub enum NodeDialog {
    /// A root (`None`) or a child of the node.
    Create { parent: Option<Target> },
    Rename(Target),
    /// The tree the picker offers.
    Move(Target, Arc<Forest>),
    Delete(Target),
}

/// `ENV/nodes/{id}`.
pub fn node_api_path(scope: &Scope, id: &str) -> String {
    format!("{}/{}", nodes_path(scope), encode_query_value(id))
}

/// "1 child node" / "3 child nodes".
fn count(n: i64, one: &str, many: &str) -> String {
    format!("{} {}", grouped(n), if n == 1 { one } else { many })
}

/// The open dialog. `on_saved` gets what to tell the admin and the node to select afterwards.
#[component]
pub fn NodeDialogs(scope: Memo<Scope>, dialog: RwSignal<Option<NodeDialog>>, on_saved: Callback<(String, Option<String>)>) -> impl IntoView {
    let on_close = Callback::new(move |()| dialog.set(None));
    move || {
        let scope = scope.get_untracked();
        dialog.get().map(|open| match open {
            NodeDialog::Create { parent } => view! { <NodeFormDialog scope parent existing=None on_close on_saved/> }.into_any(),
            NodeDialog::Rename(node) => view! { <NodeFormDialog scope parent=None existing=Some(node) on_close on_saved/> }.into_any(),
            NodeDialog::Move(node, forest) => view! { <MoveDialog scope node forest on_close on_saved/> }.into_any(),
            NodeDialog::Delete(node) => view! { <DeleteDialog scope node on_close on_saved/> }.into_any(),
        })
    }
}

/// Reads the node as stored for its `ETag`; `None` until the answer.
fn read_version(scope: &Scope, id: &str, form_error: RwSignal<Option<String>>) -> RwSignal<Option<String>> {
    let version = RwSignal::new(None::<String>);
    let path = node_api_path(scope, id);
    Effect::new(move |_| {
        let path = path.clone();
        leptos::task::spawn_local(async move {
            match api::get_versioned::<NodeResponse>(&path).await {
                Ok(current) => version.set(current.etag),
                Err(err) => form_error.set(Some(err.body.message)),
            }
        });
    });
    version
}

/// Create a node (a root, or under `parent`) or rename `existing`.
#[component]
fn NodeFormDialog(
    scope: Scope,
    parent: Option<Target>,
    existing: Option<Target>,
    on_close: Callback<()>,
    on_saved: Callback<(String, Option<String>)>,
) -> impl IntoView {
    let name = RwSignal::new(existing.as_ref().map(|n| n.name.clone()).unwrap_or_default());
    let kind = RwSignal::new(existing.as_ref().map(|n| n.kind.clone()).unwrap_or_default());
    let errors = RwSignal::new(FieldErrors::new());
    let form_error = RwSignal::new(None::<String>);
    let busy = RwSignal::new(false);
    let stale = RwSignal::new(false);
    let version = match &existing {
        Some(node) => read_version(&scope, &node.id, form_error),
        None => RwSignal::new(None),
    };
    let on_reload = Callback::new(move |()| {
        stale.set(false);
        on_close.run(());
    });
    let parent_id = parent.as_ref().map(|p| p.id.clone());
    let editing = existing.clone();
    let order = [("name", "node-name"), ("kind", "node-kind")];
    let on_submit = move |ev: SubmitEvent| {
        ev.prevent_default();
        if busy.get_untracked() {
            return;
        }
        form_error.set(None);
        let typed_kind = kind.get_untracked().trim().to_owned();
        let checked = match &editing {
            None => CreateNodeRequest { name: name.get_untracked(), parent_id: parent_id.clone(), kind: Some(typed_kind.clone()).filter(|k| !k.is_empty()) }.validate(),
            Some(_) => UpdateNodeRequest { name: Some(name.get_untracked()), kind: Some(typed_kind.clone()).filter(|k| !k.is_empty()), parent_id: None }.validate(),
        };
        if let Err(problems) = checked {
            focus_first_error(&problems, &order);
            errors.set(problems);
            return;
        }
        errors.set(FieldErrors::new());
        busy.set(true);
        let scope = scope.clone();
        let editing = editing.clone();
        let parent_id = parent_id.clone();
        leptos::task::spawn_local(async move {
            let typed_name = name.get_untracked().trim().to_owned();
            let kind = Some(typed_kind).filter(|k| !k.is_empty());
            let answer = match &editing {
                None => {
                    let request = CreateNodeRequest { name: typed_name, parent_id, kind };
                    api::post_json::<_, NodeResponse>(&nodes_path(&scope), &request).await.map(|n| (format!("{} created", n.name), n.id))
                }
                Some(node) => {
                    let request = UpdateNodeRequest { name: Some(typed_name), kind, parent_id: None };
                    let if_match = version.get_untracked();
                    api::patch_json::<_, NodeResponse>(&node_api_path(&scope, &node.id), &request, if_match.as_deref())
                        .await
                        .map(|saved| (format!("Renamed to {}", saved.value.name), saved.value.id))
                }
            };
            match answer {
                Ok((message, id)) => on_saved.run((message, Some(id))),
                Err(err) if err.is_stale() => {
                    busy.set(false);
                    stale.set(true);
                }
                Err(err) => {
                    busy.set(false);
                    let mut problems = FieldErrors::new();
                    for field in ["name", "kind", "parent_id"] {
                        if let Some(message) = err.body.field(field) {
                            problems.add(field, message.to_owned());
                        }
                    }
                    if problems.get("name").is_none() && problems.get("kind").is_none() {
                        form_error.set(Some(err.body.message));
                    } else {
                        focus_first_error(&problems, &order);
                        errors.set(problems);
                    }
                }
            }
        });
    };
    let (title, description, label, test_id) = match (&existing, &parent) {
        (Some(node), _) => ("Rename node".to_owned(), node.path.clone(), "Save", "node-rename-dialog"),
        (None, Some(parent)) => (format!("New node under {}", parent.name), parent.path.clone(), "Create node", "node-create-dialog"),
        (None, None) => ("New root node".to_owned(), "A new top of the tree, beside the others.".to_owned(), "Create node", "node-create-dialog"),
    };
    let invalid = move |field: &'static str| move || errors.with(|e| e.get(field).is_some());
    view! {
        <Modal title description on_close test_id>
            <form on:submit=on_submit novalidate=true>
                <div class="space-y-4 px-5 py-4 sm:px-6">
                    <FormAlert message=form_error/>
                    {move || stale.get().then(|| view! { <StaleAlert what="node" on_reload/> })}
                    <div>
                        <label for="node-name" class="block text-sm font-medium text-zinc-800">"Name"</label>
                        <input
                            id="node-name"
                            type="text"
                            autocomplete="off"
                            data-autofocus=""
                            class=move || input_class(invalid("name")())
                            aria-invalid=move || invalid("name")().then_some("true")
                            aria-describedby=move || invalid("name")().then_some("node-name-error")
                            prop:value=move || name.get()
                            on:input=move |ev| name.set(event_target_value(&ev))
                        />
                        <FieldError id="node-name-error".to_owned() errors field="name"/>
                    </div>
                    <div>
                        <label for="node-kind" class="block text-sm font-medium text-zinc-800">
                            "Level" <span class="font-normal text-zinc-600">"(optional: org, region, team, project by depth)"</span>
                        </label>
                        <input
                            id="node-kind"
                            type="text"
                            autocomplete="off"
                            class=move || input_class(invalid("kind")())
                            aria-invalid=move || invalid("kind")().then_some("true")
                            aria-describedby=move || invalid("kind")().then_some("node-kind-error")
                            prop:value=move || kind.get()
                            on:input=move |ev| kind.set(event_target_value(&ev))
                        />
                        <FieldError id="node-kind-error".to_owned() errors field="kind"/>
                    </div>
                </div>
                <DialogFooter on_cancel=on_close busy label=label.to_owned() busy_label="Saving…"/>
            </form>
        </Modal>
    }
    .into_any()
}

/// Move a node under another one or to the top level. The picker lists the node's own subtree
/// as refused; the API refuses it too (422), which the dialog shows if it ever gets there.
#[component]
fn MoveDialog(scope: Scope, node: Target, forest: Arc<Forest>, on_close: Callback<()>, on_saved: Callback<(String, Option<String>)>) -> impl IntoView {
    let form_error = RwSignal::new(None::<String>);
    let busy = RwSignal::new(false);
    let stale = RwSignal::new(false);
    let version = read_version(&scope, &node.id, form_error);
    let own = forest.find(&node.id);
    let parent = RwSignal::new(None::<usize>);
    let to_root = RwSignal::new(false);
    let picker_error = RwSignal::new(None::<String>);
    let on_reload = Callback::new(move |()| on_close.run(()));
    let is_root = node.parent_id.is_none();
    let submit_forest = forest.clone();
    let id = node.id.clone();
    let on_submit = move |ev: SubmitEvent| {
        ev.prevent_default();
        if busy.get_untracked() {
            return;
        }
        form_error.set(None);
        let new_parent = if to_root.get_untracked() {
            None
        } else {
            match parent.get_untracked() {
                Some(index) => Some(submit_forest.node(index).id.clone()),
                None => {
                    picker_error.set(Some("Choose the node to move it under, or move it to the top level.".to_owned()));
                    return;
                }
            }
        };
        picker_error.set(None);
        busy.set(true);
        let scope = scope.clone();
        let id = id.clone();
        leptos::task::spawn_local(async move {
            let request = UpdateNodeRequest { parent_id: Some(new_parent), ..Default::default() };
            let if_match = version.get_untracked();
            match api::patch_json::<_, NodeResponse>(&node_api_path(&scope, &id), &request, if_match.as_deref()).await {
                Ok(saved) => on_saved.run((format!("Moved to {}", saved.value.path), Some(saved.value.id))),
                Err(err) if err.is_stale() => {
                    busy.set(false);
                    stale.set(true);
                }
                Err(err) => {
                    busy.set(false);
                    match err.body.field("parent_id") {
                        Some(message) => picker_error.set(Some(message.to_owned())),
                        None => form_error.set(Some(err.body.message)),
                    }
                }
            }
        });
    };
    view! {
        <Modal title=format!("Move {}", node.name) description=format!("Now at {}. Its whole subtree and the access inherited through it move along.", node.path) on_close test_id="node-move-dialog">
            <form on:submit=on_submit novalidate=true>
                <div class="space-y-4 px-5 py-4 sm:px-6">
                    <FormAlert message=form_error/>
                    {move || stale.get().then(|| view! { <StaleAlert what="node" on_reload/> })}
                    <fieldset class="space-y-2">
                        <legend class="text-sm font-medium text-zinc-800">"Where to"</legend>
                        <label class="flex items-center gap-2 text-sm text-zinc-800">
                            <input type="radio" name="move-where" class="size-4 accent-canopy-700" prop:checked=move || !to_root.get() on:change=move |_| to_root.set(false) data-testid="move-under"/>
                            "Under another node"
                        </label>
                        <label class="flex items-center gap-2 text-sm text-zinc-800">
                            <input
                                type="radio"
                                name="move-where"
                                class="size-4 accent-canopy-700"
                                disabled=is_root
                                prop:checked=move || to_root.get()
                                on:change=move |_| to_root.set(true)
                                data-testid="move-to-root"
                            />
                            {if is_root { "At the top level (it is there now)" } else { "At the top level" }}
                        </label>
                    </fieldset>
                    <Show when=move || !to_root.get()>
                        <NodePicker
                            id="move-parent".to_owned()
                            label="New parent"
                            forest=forest.clone()
                            refused=own
                            selected=parent
                            error=Signal::derive(move || picker_error.get())
                            autofocus=true
                        />
                    </Show>
                </div>
                <DialogFooter on_cancel=on_close busy label="Move node".to_owned() busy_label="Moving…"/>
            </form>
        </Modal>
    }
    .into_any()
}

/// Delete a node. Without children or assignments below it, a plain confirmation. Otherwise the
/// API refuses (409 `node_in_use`) unless the delete cascades, so the dialog says what is below
/// it and asks the admin to confirm the cascade with those counts.
#[component]
fn DeleteDialog(scope: Scope, node: Target, on_close: Callback<()>, on_saved: Callback<(String, Option<String>)>) -> impl IntoView {
    let form_error = RwSignal::new(None::<String>);
    let busy = RwSignal::new(false);
    let usage = RwSignal::new(None::<NodeUsageResponse>);
    let cascade = RwSignal::new(false);
    let load = {
        let path = format!("{}/usage", node_api_path(&scope, &node.id));
        Callback::new(move |()| {
            let path = path.clone();
            leptos::task::spawn_local(async move {
                match api::get::<NodeUsageResponse>(&path).await {
                    Ok(found) => usage.set(Some(found)),
                    Err(err) => form_error.set(Some(err.body.message)),
                }
            });
        })
    };
    Effect::new(move |_| load.run(()));
    let in_use = move || usage.with(|u| u.is_some_and(|u| u.children > 0 || u.assignments > 0));
    let (id, name, parent) = (node.id.clone(), node.name.clone(), node.parent_id.clone());
    let on_submit = move |ev: SubmitEvent| {
        ev.prevent_default();
        if busy.get_untracked() || usage.with_untracked(Option::is_none) {
            return;
        }
        let cascading = in_use();
        if cascading && !cascade.get_untracked() {
            form_error.set(Some("Tick the box to confirm what will be deleted with it.".to_owned()));
            return;
        }
        form_error.set(None);
        busy.set(true);
        let path = format!("{}{}", node_api_path(&scope, &id), if cascading { "?cascade=true" } else { "" });
        let (name, parent) = (name.clone(), parent.clone());
        leptos::task::spawn_local(async move {
            match api::delete(&path).await {
                Ok(()) => on_saved.run((format!("{name} deleted"), parent)),
                Err(err) => {
                    busy.set(false);
                    // Something was added below it since the counts were read: read them again.
                    if err.status == 409 {
                        cascade.set(false);
                        load.run(());
                    }
                    form_error.set(Some(err.body.message));
                }
            }
        });
    };
    let explanation = {
        let name = node.name.clone();
        move || {
            usage.get().map(|u| {
                if u.children == 0 && u.assignments == 0 {
                    return view! {
                        <p class="text-sm text-zinc-700" data-testid="delete-free">
                            {format!("{name} has no child nodes and no assignments; deleting it changes nobody's access.")}
                        </p>
                    }
                    .into_any();
                }
                let below = [
                    (u.children > 0).then(|| format!("{} ({} in its whole subtree)", count(u.children, "child node", "child nodes"), grouped(u.descendants))),
                    (u.assignments > 0).then(|| count(u.assignments, "assignment", "assignments") + " on it or below it"),
                ];
                let below = below.into_iter().flatten().collect::<Vec<_>>().join(" and ");
                let removes = [
                    (u.descendants > 0).then(|| count(u.descendants, "node below it", "nodes below it")),
                    (u.assignments > 0).then(|| count(u.assignments, "assignment", "assignments")),
                ];
                let removes = removes.into_iter().flatten().collect::<Vec<_>>().join(" and ");
                let name = name.clone();
                view! {
                    <div class="space-y-3 text-sm text-zinc-700" data-testid="delete-in-use">
                        <p>
                            <span class="font-medium text-zinc-900">{format!("{name} has {below}.")}</span>
                            " Canopy refuses to delete a node that still has children or assignments, so that nobody loses access by accident."
                        </p>
                        <p>"Move or delete them first, or delete everything at once:"</p>
                        <label class="flex items-start gap-2 rounded-lg border border-rose-200 bg-rose-50 px-3 py-2.5 text-rose-900">
                            <input
                                type="checkbox"
                                class="mt-0.5 size-4 shrink-0 accent-rose-700"
                                prop:checked=move || cascade.get()
                                on:change=move |ev| cascade.set(event_target_checked(&ev))
                                data-testid="confirm-cascade"
                            />
                            <span data-testid="cascade-counts">{format!("Also delete {removes}. The people assigned there lose that access.")}</span>
                        </label>
                    </div>
                }
                .into_any()
            })
        }
    };
    view! {
        <Modal title=format!("Delete {}", node.name) description=node.path.clone() role="alertdialog" on_close test_id="node-delete-dialog">
            <form on:submit=on_submit novalidate=true>
                <div class="space-y-4 px-5 py-4 sm:px-6">
                    <FormAlert message=form_error/>
                    {move || usage.with(Option::is_none).then(|| view! { <p class="text-sm text-zinc-600">"Checking what is below it…"</p> })}
                    {explanation}
                </div>
                <DialogFooter on_cancel=on_close busy label="Delete node".to_owned() busy_label="Deleting…" danger=true/>
            </form>
        </Modal>
    }
    .into_any()
}
