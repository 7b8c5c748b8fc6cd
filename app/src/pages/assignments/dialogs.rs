//! The assignments page's dialogs: create, edit, delete, and the two bulk confirmations. Each
//! form runs the request type's own validation (the server's) before it sends anything, and shows
//! the server's field errors after.

use std::collections::BTreeMap;

use leptos::{ev::SubmitEvent, prelude::*};
use serde_json::Value;

use super::{AssignmentsContext, Dialog, SelectedRow, assignments_path};
use crate::{
    api::{self, ApiError},
    components::{
        dialog::Modal,
        form::{DialogFooter as Footer, FieldError, FormAlert, focus_first_error, input_class},
        icons::{Icon, IconName},
        picker::{PickOption, PickerSource, SearchPicker},
        when::{LocalClock, from_input_value, to_input_value, zone_name},
    },
    dto::{
        AssignmentResponse, AssignmentRow, BulkChangeRoleRequest, BulkRemoveAssignmentsRequest, BulkResponse,
        CreateAssignmentRequest, FieldErrors, RoleResponse, Timestamp, UpdateAssignmentRequest, Validate,
    },
    scope::{counted, encode_query_value, grouped},
};

/// The result of a bulk action, as the page shows it.
#[derive(Debug, Clone, PartialEq)]
pub struct BulkOutcome {
    pub headline: String,
    /// What could not be done: the row, and why.
    pub failures: Vec<(String, String)>,
}

/// The shared validation's messages name API fields; the form names what the admin sees.
pub fn humanize(message: &str) -> String {
    match message {
        "identity_id is required." => "Choose an identity.".to_owned(),
        "node_id is required." => "Choose a node.".to_owned(),
        "role_id is required." => "Choose a role.".to_owned(),
        "effective_to must be after effective_from." => "The end must be after the start.".to_owned(),
        other => other.to_owned(),
    }
}

/// Field errors from the shared validation or from a 422's `details`.
fn field_errors_of(err: &ApiError, fields: &[&str]) -> FieldErrors {
    let mut errors = FieldErrors::new();
    for field in fields {
        if let Some(message) = err.body.field(field) {
            errors.add(*field, humanize(message));
        }
    }
    errors
}

fn humanized(errors: FieldErrors) -> FieldErrors {
    FieldErrors(errors.0.into_iter().map(|(k, v)| (k, humanize(&v))).collect())
}

#[component]
pub fn DialogHost() -> impl IntoView {
    let ctx = expect_context::<AssignmentsContext>();
    move || {
        ctx.dialog.get().map(|dialog| match dialog {
            Dialog::Create => view! { <CreateDialog/> }.into_any(),
            Dialog::Edit(row) => view! { <EditDialog row/> }.into_any(),
            Dialog::Delete(row) => view! { <DeleteDialog row/> }.into_any(),
            Dialog::BulkRemove => view! { <BulkRemoveDialog/> }.into_any(),
            Dialog::BulkChangeRole => view! { <BulkChangeRoleDialog/> }.into_any(),
        })
    }
}

fn close(ctx: AssignmentsContext) -> Callback<()> {
    Callback::new(move |()| ctx.dialog.set(None))
}

/// The role `<select>`: the environment's assignable roles (system roles are not offered), plus
/// the current one when it is a system role, so the form shows the truth.
#[component]
fn RoleSelect(
    id: &'static str,
    role: RwSignal<String>,
    errors: RwSignal<FieldErrors>,
    #[prop(optional_no_strip)] current: Option<(String, String)>,
    #[prop(default = false)] autofocus: bool,
) -> impl IntoView {
    let ctx = expect_context::<AssignmentsContext>();
    let roles = move || ctx.roles.get().and_then(Result::ok).unwrap_or_default();
    let error_id = format!("{id}-error");
    let invalid = move || errors.with(|e| e.get("role_id").is_some());
    view! {
        <div>
            <label for=id class="block text-sm font-medium text-zinc-800">"Role"</label>
            <select
                id=id
                data-autofocus=autofocus.then_some("")
                class=move || format!("{} pr-8", input_class(invalid()))
                aria-invalid=move || invalid().then_some("true")
                aria-describedby={
                    let error_id = error_id.clone();
                    move || invalid().then(|| error_id.clone())
                }
                on:change=move |ev| role.set(event_target_value(&ev))
                prop:value=move || role.get()
            >
                <option value="">"Choose a role"</option>
                {move || {
                    let list: Vec<RoleResponse> = roles();
                    let mut options: Vec<(String, String)> =
                        list.iter().filter(|r| !r.is_system).map(|r| (r.id.clone(), r.name.clone())).collect();
                    if let Some((id, name)) = current.clone()
                        && !options.iter().any(|(o, _)| *o == id)
                    {
                        options.push((id, format!("{name} (system role)")));
                    }
                    options
                        .into_iter()
                        .map(|(value, name)| {
                            let selected = role.get_untracked() == value;
                            view! { <option value=value selected=selected>{name}</option> }
                        })
                        .collect_view()
                }}
            </select>
            <FieldError id=error_id.clone() errors field="role_id"/>
        </div>
    }
    .into_any()
}

/// Start and end, as `datetime-local` inputs in the admin's zone.
#[component]
fn WindowFields(prefix: &'static str, from: RwSignal<String>, to: RwSignal<String>, errors: RwSignal<FieldErrors>) -> impl IntoView {
    let clock = LocalClock::get();
    let from_id = format!("{prefix}-from");
    let to_id = format!("{prefix}-to");
    let field = move |id: String, label: &'static str, value: RwSignal<String>, name: &'static str| {
        let error_id = format!("{id}-error");
        let invalid = move || errors.with(|e| e.get(name).is_some());
        view! {
            <div>
                <label for=id.clone() class="block text-sm font-medium text-zinc-800">
                    {label}
                    <span class="font-normal text-zinc-600">" (optional)"</span>
                </label>
                <div class="flex items-center gap-1.5 [&>input]:min-w-0 [&>input]:flex-1">
                    <input
                        id=id.clone()
                        type="datetime-local"
                        class=move || input_class(invalid())
                        aria-invalid=move || invalid().then_some("true")
                        aria-describedby={
                            let error_id = error_id.clone();
                            move || invalid().then(|| error_id.clone())
                        }
                        prop:value=move || value.get()
                        on:input=move |ev| value.set(event_target_value(&ev))
                        on:change=move |ev| value.set(event_target_value(&ev))
                    />
                    <button
                        type="button"
                        class=move || if value.with(String::is_empty) { "invisible" } else {
                            "mt-1.5 shrink-0 rounded-md p-2 text-zinc-600 hover:bg-zinc-100 hover:text-zinc-900 focus-visible:outline-2 focus-visible:outline-canopy-600"
                        }
                        aria-label=format!("Clear {}", label.to_lowercase())
                        on:click=move |_| value.set(String::new())
                    >
                        <Icon name=IconName::Close/>
                    </button>
                </div>
                <FieldError id=error_id.clone() errors field=name/>
            </div>
        }
    };
    view! {
        <fieldset>
            <legend class="text-sm font-medium text-zinc-800">"When it applies"</legend>
            <p class="mt-0.5 text-xs text-zinc-600">
                {move || format!("Times are in your time zone ({}). Leave both empty for always.", zone_name(clock.is_local()))}
            </p>
            // One above the other: a date-time input needs about 15rem, two do not fit side by side.
            <div class="mt-2 grid gap-3">
                {field(from_id, "Starts", from, "effective_from")}
                {field(to_id, "Ends", to, "effective_to")}
            </div>
        </fieldset>
    }
    .into_any()
}

/// The dialog's fields from an assignment as stored: its role and its window as input values.
fn edit_fields(role_id: &str, from: Option<&Timestamp>, to: Option<&Timestamp>) -> (String, String, String) {
    (role_id.to_owned(), from.map(to_input_value).unwrap_or_default(), to.map(to_input_value).unwrap_or_default())
}

/// Edits one assignment from the version it was opened at: the dialog reads the assignment (and
/// its `ETag`) when it opens and saves with `If-Match`, so a change another admin made in
/// between is not overwritten. That save gets a 412; the dialog says so and offers to reload the
/// current values (the table behind it is refreshed too), after which the admin can save again.
#[component]
fn EditDialog(row: AssignmentRow) -> impl IntoView {
    let ctx = expect_context::<AssignmentsContext>();
    let on_close = close(ctx);
    let (role_id, from_value, to_value) =
        edit_fields(&row.role.id, row.assignment.effective_from.as_ref(), row.assignment.effective_to.as_ref());
    // The fields as the assignment was read: a date the admin did not touch is left out of the
    // PATCH (kept as stored, to the millisecond) rather than resent at the input's minute precision.
    let baseline = StoredValue::new((from_value.clone(), to_value.clone()));
    let role = RwSignal::new(role_id);
    let from = RwSignal::new(from_value);
    let to = RwSignal::new(to_value);
    let errors = RwSignal::new(FieldErrors::new());
    let form_error = RwSignal::new(None::<String>);
    // The version the edit starts from; `None` until the read has answered.
    let version = RwSignal::new(None::<String>);
    let stale = RwSignal::new(false);
    let notice = RwSignal::new(None::<&'static str>);
    let busy = RwSignal::new(false);
    let id = row.assignment.id.clone();
    let path = StoredValue::new(format!("{}/{}", assignments_path(&ctx.scope.get_untracked()), encode_query_value(&id)));
    let order = [("role_id", "edit-role"), ("effective_from", "edit-from"), ("effective_to", "edit-to")];

    // Reads the assignment as stored now; with `refill`, the form takes its values.
    let load = move |refill: bool| {
        leptos::task::spawn_local(async move {
            match api::get_versioned::<AssignmentResponse>(&path.get_value()).await {
                Ok(current) => {
                    let fields = edit_fields(&current.value.role_id, current.value.effective_from.as_ref(), current.value.effective_to.as_ref());
                    let shown = (role.get_untracked(), from.get_untracked(), to.get_untracked());
                    baseline.set_value((fields.1.clone(), fields.2.clone()));
                    if refill || fields != shown {
                        role.set(fields.0);
                        from.set(fields.1);
                        to.set(fields.2);
                        notice.set(Some("Someone changed this assignment since the list loaded; the form shows its current values."));
                    }
                    version.set(current.etag);
                }
                Err(err) => form_error.set(Some(err.body.message)),
            }
        });
    };
    Effect::new(move |_| load(false));

    let on_submit = move |ev: SubmitEvent| {
        ev.prevent_default();
        if busy.get_untracked() {
            return;
        }
        form_error.set(None);
        let (from_read, to_read) = baseline.get_value();
        let changed = |value: String, read: &str| (value != read).then(|| from_input_value(&value));
        let request = UpdateAssignmentRequest {
            role_id: role.get_untracked(),
            effective_from: changed(from.get_untracked(), &from_read),
            effective_to: changed(to.get_untracked(), &to_read),
        };
        // Both bounds as they will be stored, for the shared validation's window rule.
        let whole = UpdateAssignmentRequest {
            effective_from: Some(from_input_value(&from.get_untracked())),
            effective_to: Some(from_input_value(&to.get_untracked())),
            ..request.clone()
        };
        if let Err(problems) = whole.validate() {
            let problems = humanized(problems);
            focus_first_error(&problems, &order);
            errors.set(problems);
            return;
        }
        errors.set(FieldErrors::new());
        busy.set(true);
        leptos::task::spawn_local(async move {
            let if_match = version.get_untracked();
            match api::patch_json::<_, AssignmentResponse>(&path.get_value(), &request, if_match.as_deref()).await {
                Ok(_) => {
                    ctx.dialog.set(None);
                    ctx.refresh();
                    ctx.say("Assignment updated");
                }
                Err(err) if err.is_stale() => {
                    busy.set(false);
                    stale.set(true);
                }
                Err(err) => {
                    busy.set(false);
                    let problems = field_errors_of(&err, &["role_id", "effective_from", "effective_to"]);
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
    let on_reload = move |_| {
        stale.set(false);
        ctx.refresh();
        load(true);
    };

    let current = Some((row.role.id.clone(), row.role.name.clone()));
    view! {
        <Modal
            title="Edit assignment".to_owned()
            description=format!("{} ({}) at {}", row.identity.name, row.identity.email, row.assignment.source_node_name)
            on_close
            test_id="edit-dialog"
        >
            <form on:submit=on_submit novalidate=true>
                <div class="space-y-4 px-5 py-4 sm:px-6">
                    <FormAlert message=form_error/>
                    {move || stale.get().then(|| view! {
                        <div class="flex flex-col gap-2 rounded-lg border border-amber-200 bg-amber-50 px-3 py-2.5 text-sm text-amber-900 sm:flex-row sm:items-start" role="alert" data-testid="stale-alert">
                            <Icon name=IconName::Alert class="mt-0.5 size-4 shrink-0"/>
                            <span class="flex-1">"Another admin changed this assignment after you opened it, so your change was not saved. Reload to see theirs, then make yours again."</span>
                            <button
                                type="button"
                                class="self-start rounded-md bg-white px-2.5 py-1 text-sm font-medium text-amber-900 shadow-xs ring-1 ring-amber-300 hover:bg-amber-100 focus-visible:outline-2 focus-visible:outline-offset-2 focus-visible:outline-amber-600"
                                on:click=on_reload
                            >
                                "Reload"
                            </button>
                        </div>
                    })}
                    {move || notice.get().map(|text| view! {
                        <p class="rounded-lg bg-zinc-50 px-3 py-2 text-sm text-zinc-700 ring-1 ring-zinc-200" role="status" data-testid="edit-notice">{text}</p>
                    })}
                    <RoleSelect id="edit-role" role errors current autofocus=true/>
                    <WindowFields prefix="edit" from to errors/>
                </div>
                <Footer on_cancel=on_close busy label="Save changes".to_owned() busy_label="Saving…"/>
            </form>
        </Modal>
    }
    .into_any()
}

#[component]
fn CreateDialog() -> impl IntoView {
    let ctx = expect_context::<AssignmentsContext>();
    let on_close = close(ctx);
    let identity = RwSignal::new(None::<PickOption>);
    let node = RwSignal::new(None::<PickOption>);
    let role = RwSignal::new(String::new());
    let from = RwSignal::new(String::new());
    let to = RwSignal::new(String::new());
    let errors = RwSignal::new(FieldErrors::new());
    let form_error = RwSignal::new(None::<String>);
    let busy = RwSignal::new(false);
    let order = [
        ("identity_id", "create-identity"),
        ("node_id", "create-node"),
        ("role_id", "create-role"),
        ("effective_from", "create-from"),
        ("effective_to", "create-to"),
    ];

    let on_submit = move |ev: SubmitEvent| {
        ev.prevent_default();
        if busy.get_untracked() {
            return;
        }
        form_error.set(None);
        let request = CreateAssignmentRequest {
            identity_id: identity.with_untracked(|o| o.as_ref().map(|o| o.id.clone()).unwrap_or_default()),
            node_id: node.with_untracked(|o| o.as_ref().map(|o| o.id.clone()).unwrap_or_default()),
            role_id: role.get_untracked(),
            effective_from: from_input_value(&from.get_untracked()),
            effective_to: from_input_value(&to.get_untracked()),
        };
        if let Err(problems) = request.validate() {
            let problems = humanized(problems);
            focus_first_error(&problems, &order);
            errors.set(problems);
            return;
        }
        errors.set(FieldErrors::new());
        busy.set(true);
        let path = assignments_path(&ctx.scope.get_untracked());
        leptos::task::spawn_local(async move {
            match api::post_json::<_, AssignmentResponse>(&path, &request).await {
                Ok(_) => {
                    ctx.dialog.set(None);
                    ctx.refresh();
                    ctx.say("Assignment created");
                }
                Err(err) => {
                    busy.set(false);
                    let mut problems =
                        field_errors_of(&err, &["identity_id", "node_id", "role_id", "effective_from", "effective_to"]);
                    match err.body.code.as_str() {
                        "identity_not_found" => problems.add("identity_id", err.body.message.clone()),
                        "node_not_found" => problems.add("node_id", err.body.message.clone()),
                        "role_not_found" | "system_role" => problems.add("role_id", err.body.message.clone()),
                        _ => {}
                    }
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

    let identity_error = Signal::derive(move || errors.with(|e| e.get("identity_id").map(str::to_owned)));
    let node_error = Signal::derive(move || errors.with(|e| e.get("node_id").map(str::to_owned)));
    view! {
        <Modal
            title="New assignment".to_owned()
            description="Give an identity a role at a node; it applies to the node’s whole subtree."
            on_close
            test_id="create-dialog"
        >
            <form on:submit=on_submit novalidate=true>
                <div class="space-y-4 px-5 py-4 sm:px-6">
                    <FormAlert message=form_error/>
                    <SearchPicker
                        id="create-identity".to_owned()
                        label="Identity"
                        placeholder="Search by name or email"
                        source=PickerSource::Identities
                        selected=identity
                        error=identity_error
                        autofocus=true
                    />
                    <SearchPicker
                        id="create-node".to_owned()
                        label="Node"
                        placeholder="Search by name or path"
                        source=PickerSource::Nodes
                        selected=node
                        error=node_error
                    />
                    <RoleSelect id="create-role" role errors current=None/>
                    <WindowFields prefix="create" from to errors/>
                </div>
                <Footer on_cancel=on_close busy label="Create assignment".to_owned() busy_label="Creating…"/>
            </form>
        </Modal>
    }
    .into_any()
}

#[component]
fn DeleteDialog(row: AssignmentRow) -> impl IntoView {
    let ctx = expect_context::<AssignmentsContext>();
    let on_close = close(ctx);
    let busy = RwSignal::new(false);
    let form_error = RwSignal::new(None::<String>);
    let id = row.assignment.id.clone();
    let on_submit = move |ev: SubmitEvent| {
        ev.prevent_default();
        if busy.get_untracked() {
            return;
        }
        busy.set(true);
        let id = id.clone();
        let path = format!("{}/{}", assignments_path(&ctx.scope.get_untracked()), encode_query_value(&id));
        leptos::task::spawn_local(async move {
            match api::delete(&path).await {
                Ok(()) => {
                    ctx.selection.update(|s| {
                        s.remove(&id);
                    });
                    ctx.dialog.set(None);
                    ctx.refresh();
                    ctx.say("Assignment removed");
                }
                Err(err) => {
                    busy.set(false);
                    form_error.set(Some(err.body.message));
                }
            }
        });
    };
    view! {
        <Modal
            title="Remove this assignment?".to_owned()
            description=format!(
                "{} will lose the role {} at {}. This cannot be undone.",
                row.identity.name, row.role.name, row.assignment.source_node_name
            )
            role="alertdialog"
            on_close
            test_id="delete-dialog"
        >
            <form on:submit=on_submit>
                {move || form_error.get().is_some().then(|| view! {
                    <div class="px-5 pt-4 sm:px-6"><FormAlert message=form_error/></div>
                })}
                <div class="h-2"></div>
                <Footer on_cancel=on_close busy label="Remove assignment".to_owned() busy_label="Removing…" danger=true/>
            </form>
        </Modal>
    }
    .into_any()
}

/// Applies a bulk answer: successes leave the selection, failures stay with their reasons.
fn settle(ctx: AssignmentsContext, ids: &[String], labels: &BTreeMap<String, SelectedRow>, response: BulkResponse<Value>, done: &str) {
    let mut failures = Vec::new();
    let mut succeeded = Vec::new();
    for result in &response.results {
        let Some(id) = ids.get(result.index) else { continue };
        if result.is_success() {
            succeeded.push(id.clone());
        } else {
            let label = labels.get(id).map(|s| s.label.clone()).unwrap_or_else(|| id.clone());
            let reason = result.error.as_ref().map(|e| e.message.clone()).unwrap_or_else(|| format!("Failed ({})", result.code));
            failures.push((label, reason));
        }
    }
    ctx.selection.update(|s| {
        for id in &succeeded {
            s.remove(id);
        }
    });
    let headline = if failures.is_empty() {
        format!("{} {done}.", counted(succeeded.len(), "assignment", "assignments"))
    } else {
        format!("{} {done}; {} could not be.", counted(succeeded.len(), "assignment", "assignments"), grouped(failures.len() as i64))
    };
    ctx.outcome.set(Some(BulkOutcome { headline: headline.clone(), failures }));
    ctx.dialog.set(None);
    ctx.refresh();
    ctx.say(headline);
}

/// Sends a bulk action for the selection (`mode=partial`, so the good items apply) and settles
/// its answer; a failure of the whole request stays in the dialog.
#[allow(clippy::too_many_arguments)]
fn send_bulk<B: serde::Serialize + Send + Sync + 'static>(
    ctx: AssignmentsContext,
    action: &'static str,
    request: B,
    ids: Vec<String>,
    labels: BTreeMap<String, SelectedRow>,
    done: &'static str,
    busy: RwSignal<bool>,
    form_error: RwSignal<Option<String>>,
) {
    let path = format!("{}/{action}?mode=partial", assignments_path(&ctx.scope.get_untracked()));
    leptos::task::spawn_local(async move {
        match api::post_bulk::<_, Value>(&path, &request, None).await {
            Ok(response) => settle(ctx, &ids, &labels, response, done),
            Err(err) => {
                busy.set(false);
                form_error.set(Some(err.body.message));
            }
        }
    });
}

#[component]
fn BulkRemoveDialog() -> impl IntoView {
    let ctx = expect_context::<AssignmentsContext>();
    let on_close = close(ctx);
    let busy = RwSignal::new(false);
    let form_error = RwSignal::new(None::<String>);
    let count = ctx.selection.with_untracked(BTreeMap::len);
    let on_submit = move |ev: SubmitEvent| {
        ev.prevent_default();
        if busy.get_untracked() {
            return;
        }
        busy.set(true);
        let labels = ctx.selection.get_untracked();
        let ids: Vec<String> = labels.keys().cloned().collect();
        let request = BulkRemoveAssignmentsRequest { ids: ids.clone() };
        send_bulk(ctx, "bulk-remove", request, ids, labels, "removed", busy, form_error);
    };
    let noun = counted(count, "assignment", "assignments");
    view! {
        <Modal
            title=format!("Remove {noun}?")
            description=format!("The {noun} you selected, on this page and others, will be removed. This cannot be undone.")
            role="alertdialog"
            on_close
            test_id="bulk-remove-dialog"
        >
            <form on:submit=on_submit>
                <div class="px-5 py-3 sm:px-6"><FormAlert message=form_error/></div>
                <Footer on_cancel=on_close busy label=format!("Remove {noun}") busy_label="Removing…" danger=true/>
            </form>
        </Modal>
    }
    .into_any()
}

#[component]
fn BulkChangeRoleDialog() -> impl IntoView {
    let ctx = expect_context::<AssignmentsContext>();
    let on_close = close(ctx);
    let busy = RwSignal::new(false);
    let role = RwSignal::new(String::new());
    let errors = RwSignal::new(FieldErrors::new());
    let form_error = RwSignal::new(None::<String>);
    let count = ctx.selection.with_untracked(BTreeMap::len);
    let on_submit = move |ev: SubmitEvent| {
        ev.prevent_default();
        if busy.get_untracked() {
            return;
        }
        let labels = ctx.selection.get_untracked();
        let ids: Vec<String> = labels.keys().cloned().collect();
        let request = BulkChangeRoleRequest { ids: ids.clone(), role_id: role.get_untracked() };
        if let Err(problems) = request.validate() {
            let problems = humanized(problems);
            focus_first_error(&problems, &[("role_id", "bulk-role")]);
            errors.set(problems);
            return;
        }
        errors.set(FieldErrors::new());
        busy.set(true);
        send_bulk(ctx, "bulk-change-role", request, ids, labels, "changed", busy, form_error);
    };
    let noun = counted(count, "assignment", "assignments");
    view! {
        <Modal
            title=format!("Change the role of {noun}")
            description=format!("Each of the {noun} you selected, on this page and others, will get the role you choose.")
            on_close
            test_id="bulk-role-dialog"
        >
            <form on:submit=on_submit novalidate=true>
                <div class="space-y-4 px-5 py-4 sm:px-6">
                    <FormAlert message=form_error/>
                    <RoleSelect id="bulk-role" role errors current=None autofocus=true/>
                </div>
                <Footer on_cancel=on_close busy label=format!("Change {noun}") busy_label="Changing…"/>
            </form>
        </Modal>
    }
    .into_any()
}

