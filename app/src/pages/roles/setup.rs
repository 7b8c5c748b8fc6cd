//! "Add resources and actions": resources with their actions (`invoices`: `read, approve`),
//! optionally granted at once to existing roles, sent as one
//! `POST setup/resource-permissions` (the seed page). Its answer's three counts are shown as
//! they come: permissions created, skipped because they existed, roles that got new ones.

use std::collections::BTreeSet;

use leptos::{ev::SubmitEvent, prelude::*};

use crate::{
    api,
    components::{
        dialog::Modal,
        form::{DialogFooter, FormAlert, input_class},
    },
    dto::{BootstrapResource, FieldErrors, ResourcePermissionRole, SetupResourcePermissionsRequest, SetupResourcePermissionsResponse, Validate},
    pages::{assignments::load_roles, nodes::PRIMARY_BUTTON},
    scope::{Scope, grouped},
};

/// `read, approve` / `read approve` → `["read", "approve"]`, each once.
pub fn parse_actions(raw: &str) -> Vec<String> {
    let mut seen = BTreeSet::new();
    raw.split([',', ' ', ';', '\n']).map(str::trim).filter(|a| !a.is_empty()).filter(|a| seen.insert(a.to_string())).map(str::to_owned).collect()
}

/// The request for these rows, granting every key they name to each of `roles`.
pub fn setup_request(rows: &[(String, String)], roles: &BTreeSet<String>) -> SetupResourcePermissionsRequest {
    let resources: Vec<BootstrapResource> =
        rows.iter().map(|(name, actions)| BootstrapResource { name: name.trim().to_owned(), actions: parse_actions(actions) }).collect();
    let keys: Vec<String> = resources.iter().flat_map(|r| r.actions.iter().map(move |a| format!("{}.{a}", r.name))).collect();
    let role_permissions = roles.iter().map(|id| ResourcePermissionRole { role_id: id.clone(), permission_keys: keys.clone() }).collect();
    SetupResourcePermissionsRequest { resources, role_permissions }
}

/// The first problem of row `index`, whichever of its fields it is about.
fn row_error(errors: &FieldErrors, index: usize) -> Option<String> {
    let prefix = format!("resources[{index}]");
    errors.0.iter().find(|(field, _)| field.starts_with(&prefix)).map(|(field, message)| {
        if field.contains(".actions[") { format!("Action: {message}") } else { message.clone() }
    })
}

#[derive(Clone, Copy)]
struct Row {
    key: usize,
    name: RwSignal<String>,
    actions: RwSignal<String>,
}

#[component]
pub fn SetupDialog(scope: Scope, on_close: Callback<()>, on_refresh: Callback<()>) -> impl IntoView {
    let next_key = StoredValue::new(1usize);
    let rows = RwSignal::new(vec![Row { key: 0, name: RwSignal::new(String::new()), actions: RwSignal::new("create, read, update, delete".to_owned()) }]);
    let grants = RwSignal::new(BTreeSet::<String>::new());
    let roles = RwSignal::new(Vec::<(String, String)>::new());
    let errors = RwSignal::new(FieldErrors::new());
    let form_error = RwSignal::new(None::<String>);
    let busy = RwSignal::new(false);
    let result = RwSignal::new(None::<SetupResourcePermissionsResponse>);
    {
        let scope = scope.clone();
        Effect::new(move |_| {
            let scope = scope.clone();
            leptos::task::spawn_local(async move {
                match load_roles(scope).await {
                    Ok(found) => roles.set(found.into_iter().filter(|r| !r.is_system).map(|r| (r.id, r.name)).collect()),
                    Err(err) => form_error.set(Some(err.body.message)),
                }
            });
        });
    }
    let add_row = move |_| {
        let key = next_key.get_value();
        next_key.set_value(key + 1);
        rows.update(|rows| rows.push(Row { key, name: RwSignal::new(String::new()), actions: RwSignal::new(String::new()) }));
    };
    let on_submit = move |ev: SubmitEvent| {
        ev.prevent_default();
        if busy.get_untracked() {
            return;
        }
        form_error.set(None);
        let typed: Vec<(String, String)> = rows.with_untracked(|rows| rows.iter().map(|r| (r.name.get_untracked(), r.actions.get_untracked())).collect());
        let request = setup_request(&typed, &grants.get_untracked());
        if request.resources.is_empty() {
            form_error.set(Some("Add at least one resource.".to_owned()));
            return;
        }
        if let Err(problems) = request.validate() {
            errors.set(problems);
            return;
        }
        errors.set(FieldErrors::new());
        busy.set(true);
        let path = format!("{}/setup/resource-permissions", scope.environment_api_path());
        leptos::task::spawn_local(async move {
            match api::post_json::<_, SetupResourcePermissionsResponse>(&path, &request).await {
                Ok(answer) => {
                    busy.set(false);
                    result.set(Some(answer));
                    on_refresh.run(());
                }
                Err(err) => {
                    busy.set(false);
                    let problems = FieldErrors(err.body.details.iter().filter_map(|(k, v)| v.as_str().map(|m| (k.clone(), m.to_owned()))).collect());
                    if problems.0.keys().any(|f| f.starts_with("resources[")) {
                        errors.set(problems);
                    } else {
                        form_error.set(Some(err.body.message));
                    }
                }
            }
        });
    };

    let on_submit = StoredValue::new(on_submit);
    let form = move || {
        view! {
            <form on:submit=move |ev| on_submit.with_value(|submit| submit(ev)) novalidate=true>
                <div class="space-y-4 px-5 py-4 sm:px-6">
                    <FormAlert message=form_error/>
                    <fieldset class="space-y-3">
                        <legend class="text-sm font-medium text-zinc-800">"Resources"</legend>
                        <p class="text-xs text-zinc-600">"Lowercase names (letters, digits, _ and -). Actions separated by commas. Permissions that already exist are skipped."</p>
                        <For
                            each=move || rows.get()
                            key=|row| row.key
                            children=move |row| {
                                let index = Memo::new(move |_| rows.with(|rows| rows.iter().position(|r| r.key == row.key).unwrap_or(0)));
                                let problem = Memo::new(move |_| errors.with(|e| row_error(e, index.get())));
                                let name_id = format!("setup-resource-{}", row.key);
                                let actions_id = format!("setup-actions-{}", row.key);
                                let error_id = format!("setup-row-{}-error", row.key);
                                view! {
                                    <div class="grid gap-2 rounded-lg bg-zinc-50 p-3 ring-1 ring-zinc-200 sm:grid-cols-[minmax(0,1fr)_minmax(0,1.6fr)_auto] sm:items-end" data-testid="setup-row">
                                        <div>
                                            <label for=name_id.clone() class="block text-xs font-medium text-zinc-700">"Resource"</label>
                                            <input
                                                id=name_id
                                                type="text"
                                                autocomplete="off"
                                                spellcheck="false"
                                                placeholder="invoices"
                                                class=move || input_class(problem.with(Option::is_some))
                                                aria-invalid=move || problem.with(Option::is_some).then_some("true")
                                                aria-describedby={
                                                    let error_id = error_id.clone();
                                                    move || problem.with(Option::is_some).then(|| error_id.clone())
                                                }
                                                prop:value=move || row.name.get()
                                                on:input=move |ev| row.name.set(event_target_value(&ev))
                                                data-testid="setup-resource"
                                            />
                                        </div>
                                        <div>
                                            <label for=actions_id.clone() class="block text-xs font-medium text-zinc-700">"Actions"</label>
                                            <input
                                                id=actions_id
                                                type="text"
                                                autocomplete="off"
                                                spellcheck="false"
                                                placeholder="read, approve"
                                                class=move || input_class(problem.with(Option::is_some))
                                                prop:value=move || row.actions.get()
                                                on:input=move |ev| row.actions.set(event_target_value(&ev))
                                                data-testid="setup-actions"
                                            />
                                        </div>
                                        <button
                                            type="button"
                                            class="rounded-md px-2.5 py-2 text-sm font-medium text-zinc-700 hover:bg-zinc-200/70 focus-visible:outline-2 focus-visible:outline-canopy-600 disabled:invisible"
                                            disabled=move || rows.with(|r| r.len() == 1)
                                            on:click=move |_| rows.update(|rows| rows.retain(|r| r.key != row.key))
                                        >
                                            "Remove"
                                        </button>
                                        {move || problem.get().map(|message| view! {
                                            <p id=error_id.clone() class="text-sm text-rose-700 sm:col-span-3" data-testid="setup-row-error">{message}</p>
                                        })}
                                    </div>
                                }
                            }
                        />
                        <button type="button" class="text-sm font-medium text-canopy-700 hover:underline focus-visible:outline-2 focus-visible:outline-canopy-600" on:click=add_row data-testid="setup-add-row">
                            "+ Another resource"
                        </button>
                    </fieldset>
                    <fieldset>
                        <legend class="text-sm font-medium text-zinc-800">"Grant them to roles " <span class="font-normal text-zinc-600">"(optional)"</span></legend>
                        <div class="mt-2 grid gap-1.5 sm:grid-cols-2">
                            {move || roles.get().into_iter().map(|(id, name)| {
                                let check_id = id.clone();
                                let toggle_id = id.clone();
                                view! {
                                    <label class="flex items-center gap-2 text-sm text-zinc-800">
                                        <input
                                            type="checkbox"
                                            class="size-4 rounded border-zinc-400 accent-canopy-700"
                                            prop:checked=move || grants.with(|g| g.contains(&check_id))
                                            on:change=move |ev| {
                                                let on = event_target_checked(&ev);
                                                grants.update(|g| {
                                                    if on { g.insert(toggle_id.clone()); } else { g.remove(&toggle_id); }
                                                });
                                            }
                                            data-testid="setup-grant"
                                            data-role=id.clone()
                                        />
                                        {name}
                                    </label>
                                }
                            }).collect_view()}
                        </div>
                    </fieldset>
                </div>
                <DialogFooter on_cancel=on_close busy label="Add permissions".to_owned() busy_label="Adding…"/>
            </form>
        }
    };

    let outcome = move |answer: SetupResourcePermissionsResponse| {
        let figure = |label: &'static str, value: usize, test_id: &'static str| view! {
            <div class="rounded-lg bg-zinc-50 px-3 py-3 text-center ring-1 ring-zinc-200">
                <dd class="text-2xl font-semibold text-zinc-900 tabular-nums" data-testid=test_id>{grouped(value as i64)}</dd>
                <dt class="mt-0.5 text-xs text-zinc-600">{label}</dt>
            </div>
        };
        view! {
            <div class="px-5 py-4 sm:px-6" role="status" data-testid="setup-result">
                <p class="text-sm text-zinc-700">"Done, in one transaction:"</p>
                <dl class="mt-3 grid grid-cols-3 gap-2">
                    {figure("permissions created", answer.permissions_created, "permissions-created")}
                    {figure("skipped (already existed)", answer.skipped_permissions, "permissions-skipped")}
                    {figure("roles updated", answer.roles_updated, "roles-updated")}
                </dl>
            </div>
            <div class="flex justify-end border-t border-zinc-100 bg-zinc-50/70 px-5 py-3 sm:px-6">
                <button type="button" class=PRIMARY_BUTTON data-autofocus="" on:click=move |_| on_close.run(()) data-testid="setup-done">"Done"</button>
            </div>
        }
    };

    view! {
        <Modal title="Add resources and actions".to_owned() description="Each resource.action becomes a permission that roles can grant." width="max-w-2xl" on_close test_id="setup-dialog">
            {move || match result.get() {
                None => form().into_any(),
                Some(answer) => outcome(answer).into_any(),
            }}
        </Modal>
    }
    .into_any()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn actions_are_split_and_deduplicated() {
        assert_eq!(parse_actions(" read, approve;read  export\n"), ["read", "approve", "export"]);
        assert!(parse_actions(" , ").is_empty());
    }

    #[test]
    fn every_key_is_granted_to_each_chosen_role() {
        let rows = vec![("notes ".to_owned(), "read, write".to_owned()), ("tags".to_owned(), "read".to_owned())];
        let request = setup_request(&rows, &["r1".to_owned()].into());
        assert_eq!(request.resources[0].name, "notes");
        assert_eq!(request.role_permissions[0].permission_keys, ["notes.read", "notes.write", "tags.read"]);
        assert!(request.validate().is_ok());
        let bad = setup_request(&[("Notes".to_owned(), String::new())], &BTreeSet::new());
        let errors = bad.validate().unwrap_err();
        assert!(row_error(&errors, 0).is_some());
    }
}
