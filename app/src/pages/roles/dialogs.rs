//! The role dialogs: create and rename (name and description; a name in use is refused under
//! the field), delete (a role still given to someone is refused by the API with 409
//! `role_in_use`: the dialog shows that answer, how many assignments it means and where they
//! are, and offers to delete them with the role), and the resources form (`setup`).

use leptos::{ev::SubmitEvent, prelude::*};
use leptos_router::{NavigateOptions, hooks::use_navigate};

use super::{RolesContext, role_api_path, role_page_path, setup::SetupDialog};
use crate::{
    api::{self, ApiError},
    components::{
        dialog::Modal,
        form::{DialogFooter, FieldError, FormAlert, StaleAlert, focus_first_error, input_class},
    },
    dto::{AssignmentRow, CreateRoleRequest, FieldErrors, Paginated, RoleResponse, UpdateRoleRequest, Validate},
    pages::assignments::assignments_path,
    scope::{Scope, encode_query_value, grouped},
};

#[derive(Debug, Clone, PartialEq)]
pub enum RoleDialog {
    Create,
    Rename(RoleResponse),
    Delete(RoleResponse),
    /// Add resources and actions.
    Setup,
}

#[component]
pub fn RoleDialogs() -> impl IntoView {
    let ctx = expect_context::<RolesContext>();
    let navigate = use_navigate();
    let on_close = Callback::new(move |()| ctx.dialog.set(None));
    // After a write: the page loads again on the role it is about (or the first one).
    let on_saved = Callback::new(move |(message, select): (String, Option<String>)| {
        ctx.dialog.set(None);
        ctx.notice.set(Some(message));
        ctx.version.update(|v| *v += 1);
        let scope = ctx.scope.get_untracked();
        let href = match select {
            Some(id) => role_page_path(&scope, &id),
            None => scope.page_path("roles"),
        };
        navigate(&href, NavigateOptions { scroll: false, ..Default::default() });
    });
    let on_refresh = Callback::new(move |()| ctx.version.update(|v| *v += 1));
    move || {
        let scope = ctx.scope.get_untracked();
        ctx.dialog.get().map(|open| match open {
            RoleDialog::Create => view! { <RoleFormDialog scope existing=None on_close on_saved/> }.into_any(),
            RoleDialog::Rename(role) => view! { <RoleFormDialog scope existing=Some(role) on_close on_saved/> }.into_any(),
            RoleDialog::Delete(role) => view! { <DeleteRoleDialog scope role on_close on_saved/> }.into_any(),
            RoleDialog::Setup => view! { <SetupDialog scope on_close on_refresh/> }.into_any(),
        })
    }
}

fn field_errors_of(err: &ApiError) -> FieldErrors {
    let mut errors = FieldErrors::new();
    for field in ["name", "description"] {
        if let Some(message) = err.body.field(field) {
            errors.add(field, message.to_owned());
        }
    }
    // A name another role of the environment has.
    if err.status == 409 && errors.get("name").is_none() {
        errors.add("name", err.body.message.clone());
    }
    errors
}

#[component]
fn RoleFormDialog(scope: Scope, existing: Option<RoleResponse>, on_close: Callback<()>, on_saved: Callback<(String, Option<String>)>) -> impl IntoView {
    let name = RwSignal::new(existing.as_ref().map(|r| r.name.clone()).unwrap_or_default());
    let description = RwSignal::new(existing.as_ref().and_then(|r| r.description.clone()).unwrap_or_default());
    let errors = RwSignal::new(FieldErrors::new());
    let form_error = RwSignal::new(None::<String>);
    let busy = RwSignal::new(false);
    let stale = RwSignal::new(false);
    let etag = RwSignal::new(None::<String>);
    if let Some(role) = &existing {
        let path = role_api_path(&scope, &role.id);
        Effect::new(move |_| {
            let path = path.clone();
            leptos::task::spawn_local(async move {
                match api::get_versioned::<RoleResponse>(&path).await {
                    Ok(current) => etag.set(current.etag),
                    Err(err) => form_error.set(Some(err.body.message)),
                }
            });
        });
    }
    let order = [("name", "role-name"), ("description", "role-description")];
    let editing = existing.as_ref().map(|r| r.id.clone());
    let on_submit = move |ev: SubmitEvent| {
        ev.prevent_default();
        if busy.get_untracked() {
            return;
        }
        form_error.set(None);
        let typed_name = name.get_untracked().trim().to_owned();
        let typed_description = Some(description.get_untracked().trim().to_owned()).filter(|d| !d.is_empty());
        let create = CreateRoleRequest { name: typed_name.clone(), description: typed_description.clone(), permissions: Vec::new() };
        let update = UpdateRoleRequest { name: Some(typed_name), description: Some(typed_description) };
        let checked = if editing.is_some() { update.validate() } else { create.validate() };
        if let Err(problems) = checked {
            focus_first_error(&problems, &order);
            errors.set(problems);
            return;
        }
        errors.set(FieldErrors::new());
        busy.set(true);
        let scope = scope.clone();
        let editing = editing.clone();
        leptos::task::spawn_local(async move {
            let answer = match &editing {
                None => api::post_json::<_, RoleResponse>(&format!("{}/roles", scope.environment_api_path()), &create)
                    .await
                    .map(|role| (format!("{} created: tick its permissions, then save", role.name), role.id)),
                Some(id) => {
                    let if_match = etag.get_untracked();
                    api::patch_json::<_, RoleResponse>(&role_api_path(&scope, id), &update, if_match.as_deref())
                        .await
                        .map(|saved| (format!("Saved {}", saved.value.name), saved.value.id))
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
                    let problems = field_errors_of(&err);
                    if problems.is_empty() {
                        form_error.set(Some(err.body.message));
                    } else {
                        focus_first_error(&problems, &order);
                        errors.set(problems);
                    }
                }
            }
        });
    };
    let on_reload = Callback::new(move |()| on_close.run(()));
    let (title, label, test_id) = match &existing {
        None => ("New role".to_owned(), "Create role", "role-create-dialog"),
        Some(role) => (format!("Rename {}", role.name), "Save", "role-rename-dialog"),
    };
    let invalid = move |field: &'static str| move || errors.with(|e| e.get(field).is_some());
    view! {
        <Modal title description="A role is a named set of permissions, given to identities at nodes." on_close test_id>
            <form on:submit=on_submit novalidate=true>
                <div class="space-y-4 px-5 py-4 sm:px-6">
                    <FormAlert message=form_error/>
                    {move || stale.get().then(|| view! { <StaleAlert what="role" on_reload/> })}
                    <div>
                        <label for="role-name" class="block text-sm font-medium text-zinc-800">"Name"</label>
                        <input
                            id="role-name"
                            type="text"
                            autocomplete="off"
                            data-autofocus=""
                            class=move || input_class(invalid("name")())
                            aria-invalid=move || invalid("name")().then_some("true")
                            aria-describedby=move || invalid("name")().then_some("role-name-error")
                            prop:value=move || name.get()
                            on:input=move |ev| name.set(event_target_value(&ev))
                        />
                        <FieldError id="role-name-error".to_owned() errors field="name"/>
                    </div>
                    <div>
                        <label for="role-description" class="block text-sm font-medium text-zinc-800">
                            "Description" <span class="font-normal text-zinc-600">"(optional)"</span>
                        </label>
                        <textarea
                            id="role-description"
                            rows="3"
                            class=move || input_class(invalid("description")())
                            aria-invalid=move || invalid("description")().then_some("true")
                            aria-describedby=move || invalid("description")().then_some("role-description-error")
                            prop:value=move || description.get()
                            on:input=move |ev| description.set(event_target_value(&ev))
                        ></textarea>
                        <FieldError id="role-description-error".to_owned() errors field="description"/>
                    </div>
                </div>
                <DialogFooter on_cancel=on_close busy label=label.to_owned() busy_label="Saving…"/>
            </form>
        </Modal>
    }
    .into_any()
}

/// The API's refusal of a role in use, and what it means.
#[derive(Debug, Clone, PartialEq)]
struct InUse {
    message: String,
    assignments: Option<u64>,
}

#[component]
fn DeleteRoleDialog(scope: Scope, role: RoleResponse, on_close: Callback<()>, on_saved: Callback<(String, Option<String>)>) -> impl IntoView {
    let busy = RwSignal::new(false);
    let form_error = RwSignal::new(None::<String>);
    let in_use = RwSignal::new(None::<InUse>);
    let cascade = RwSignal::new(false);
    let (id, name) = (role.id.clone(), role.name.clone());
    let assignments_href = format!("{}?role={}", scope.page_path("assignments"), encode_query_value(&role.id));
    let on_submit = move |ev: SubmitEvent| {
        ev.prevent_default();
        if busy.get_untracked() {
            return;
        }
        let cascading = in_use.with_untracked(Option::is_some);
        if cascading && !cascade.get_untracked() {
            form_error.set(Some("Tick the box to delete the assignments with the role, or cancel.".to_owned()));
            return;
        }
        form_error.set(None);
        busy.set(true);
        let path = format!("{}{}", role_api_path(&scope, &id), if cascading { "?cascade=true" } else { "" });
        let count_path = format!("{}/app-wide?role_id={}&take=1", assignments_path(&scope), encode_query_value(&id));
        let name = name.clone();
        leptos::task::spawn_local(async move {
            match api::delete(&path).await {
                Ok(()) => on_saved.run((format!("{name} deleted"), None)),
                Err(err) if err.status == 409 => {
                    // In use: say so in the API's words, with the count and a way to see them.
                    let assignments = api::get::<Paginated<AssignmentRow>>(&count_path).await.ok().map(|page| page.pagination.item_count);
                    busy.set(false);
                    cascade.set(false);
                    in_use.set(Some(InUse { message: err.body.message, assignments }));
                }
                Err(err) => {
                    busy.set(false);
                    form_error.set(Some(err.body.message));
                }
            }
        });
    };
    let label = move || if in_use.with(Option::is_some) { "Delete role and assignments".to_owned() } else { "Delete role".to_owned() };
    view! {
        <Modal title=format!("Delete {}", role.name) description="Nobody can be given this role afterwards." role="alertdialog" on_close test_id="role-delete-dialog">
            <form on:submit=on_submit novalidate=true>
                <div class="space-y-4 px-5 py-4 sm:px-6">
                    <FormAlert message=form_error/>
                    {move || match in_use.get() {
                        None => view! {
                            <p class="text-sm text-zinc-700">"Canopy refuses to delete a role that is still given to someone; if it is, you will see how many assignments use it before anything is deleted."</p>
                        }
                        .into_any(),
                        Some(refusal) => {
                            let count = refusal.assignments.map(|n| format!("{} assignment{}", grouped(n as i64), if n == 1 { "" } else { "s" })).unwrap_or_else(|| "Some assignments".to_owned());
                            view! {
                                <div class="space-y-3 text-sm text-zinc-700" data-testid="role-in-use">
                                    <div class="rounded-lg border border-amber-200 bg-amber-50 px-3 py-2.5 text-amber-900" role="alert">
                                        <p class="font-medium">"Canopy refused: this role is in use (409)."</p>
                                        <p class="mt-1" data-testid="role-in-use-message">{refusal.message}</p>
                                    </div>
                                    <p>
                                        {format!("{count} give this role to identities. Change their role or remove them first (")}
                                        <a href=assignments_href.clone() class="font-medium text-canopy-700 underline underline-offset-2">"see them"</a>
                                        "), or delete them with the role:"
                                    </p>
                                    <label class="flex items-start gap-2 rounded-lg border border-rose-200 bg-rose-50 px-3 py-2.5 text-rose-900">
                                        <input
                                            type="checkbox"
                                            class="mt-0.5 size-4 shrink-0 accent-rose-700"
                                            prop:checked=move || cascade.get()
                                            on:change=move |ev| cascade.set(event_target_checked(&ev))
                                            data-testid="confirm-role-cascade"
                                        />
                                        <span>{format!("Also delete the {}. Those identities lose this access.", count.to_lowercase())}</span>
                                    </label>
                                </div>
                            }
                            .into_any()
                        }
                    }}
                </div>
                <DeleteFooter on_cancel=on_close busy label/>
            </form>
        </Modal>
    }
    .into_any()
}

/// The footer with a label that follows what the delete will do.
#[component]
fn DeleteFooter(on_cancel: Callback<()>, busy: RwSignal<bool>, label: impl Fn() -> String + Send + Sync + 'static) -> impl IntoView {
    let label = Memo::new(move |_| label());
    move || view! { <DialogFooter on_cancel busy label=label.get() busy_label="Deleting…" danger=true/> }
}
