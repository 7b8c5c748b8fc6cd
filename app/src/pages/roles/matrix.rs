//! A role's permissions as a matrix: one row per resource, one column per action any resource
//! has, a checkbox where the resource has that action. The whole set is saved in one
//! `PUT roles/{id}/permissions` with the role's `ETag` (a change another admin made since is
//! refused, 412, and offered to reload). A system role's matrix is read-only.

use std::collections::BTreeSet;

use leptos::prelude::*;

use super::{RolesContext, role_api_path};
use crate::{
    api,
    components::form::{FormAlert, StaleAlert},
    dto::{ResourceResponse, RoleResponse, SetRolePermissionsRequest, Validate},
    pages::nodes::{PRIMARY_BUTTON, SECONDARY_BUTTON},
};

/// The usual actions first, in their usual order; the others alphabetically after them.
const USUAL: [&str; 4] = ["create", "read", "update", "delete"];

/// The matrix's columns: every action of any resource.
pub fn action_columns(resources: &[ResourceResponse]) -> Vec<String> {
    let all: BTreeSet<&str> = resources.iter().flat_map(|r| r.actions.iter().map(String::as_str)).collect();
    let mut columns: Vec<String> = USUAL.iter().filter(|a| all.contains(**a)).map(|a| (*a).to_owned()).collect();
    columns.extend(all.into_iter().filter(|a| !USUAL.contains(a)).map(str::to_owned));
    columns
}

/// Keys added and removed by the edit, for the save button.
pub fn changes(before: &BTreeSet<String>, after: &BTreeSet<String>) -> (usize, usize) {
    (after.difference(before).count(), before.difference(after).count())
}

#[component]
pub fn PermissionMatrix(role: RoleResponse, resources: Vec<ResourceResponse>) -> impl IntoView {
    let ctx = expect_context::<RolesContext>();
    let locked = role.is_system;
    let original: BTreeSet<String> = role.permissions.iter().cloned().collect();
    let original = StoredValue::new(original);
    let checked = RwSignal::new(original.get_value());
    let busy = RwSignal::new(false);
    let stale = RwSignal::new(false);
    let form_error = RwSignal::new(None::<String>);
    let etag = RwSignal::new(None::<String>);
    let path = role_api_path(&ctx.scope.get_untracked(), &role.id);
    if !locked {
        // The version the edit starts from, for If-Match.
        let path = path.clone();
        Effect::new(move |_| {
            let path = path.clone();
            leptos::task::spawn_local(async move {
                if let Ok(current) = api::get_versioned::<RoleResponse>(&path).await {
                    etag.set(current.etag);
                }
            });
        });
    }
    let columns = action_columns(&resources);
    let delta = Memo::new(move |_| checked.with(|c| original.with_value(|o| changes(o, c))));
    let dirty = move || delta.with(|(added, removed)| added + removed > 0);
    let name = role.name.clone();
    let save = move |_| {
        if busy.get_untracked() || !dirty() {
            return;
        }
        let request = SetRolePermissionsRequest { permissions: checked.get_untracked().into_iter().collect() };
        if let Err(problems) = request.validate() {
            form_error.set(Some(problems.0.values().next().cloned().unwrap_or_else(|| "These permissions are not valid.".to_owned())));
            return;
        }
        form_error.set(None);
        busy.set(true);
        let (path, name) = (format!("{path}/permissions"), name.clone());
        leptos::task::spawn_local(async move {
            let if_match = etag.get_untracked();
            match api::put_json::<_, RoleResponse>(&path, &request, if_match.as_deref()).await {
                Ok(saved) => {
                    ctx.notice.set(Some(format!("{name}: {} permissions saved", saved.value.permissions.len())));
                    ctx.version.update(|v| *v += 1);
                }
                Err(err) if err.is_stale() => {
                    busy.set(false);
                    stale.set(true);
                }
                Err(err) => {
                    busy.set(false);
                    form_error.set(Some(err.body.message));
                }
            }
        });
    };
    let on_reload = Callback::new(move |()| ctx.version.update(|v| *v += 1));

    let header = columns
        .iter()
        .map(|action| view! { <th scope="col" class="px-2 py-2.5 text-center font-medium">{action.clone()}</th> })
        .collect_view();
    let rows = resources
        .into_iter()
        .map(|resource| {
            let keys: Vec<String> = resource.actions.iter().map(|a| format!("{}.{a}", resource.name)).collect();
            let row_keys = StoredValue::new(keys.clone());
            let all_on = Memo::new(move |_| checked.with(|c| row_keys.with_value(|keys| !keys.is_empty() && keys.iter().all(|k| c.contains(k)))));
            let cells = columns
                .iter()
                .map(|action| {
                    if !resource.actions.contains(action) {
                        return view! {
                            <td class="px-2 py-2 text-center text-zinc-400"><span aria-hidden="true">"—"</span><span class="sr-only">{format!("{} has no {action} action", resource.name)}</span></td>
                        }
                        .into_any();
                    }
                    let key = format!("{}.{action}", resource.name);
                    let held = {
                        let key = key.clone();
                        Memo::new(move |_| checked.with(|c| c.contains(&key)))
                    };
                    let toggle_key = key.clone();
                    view! {
                        <td class="px-2 py-2 text-center">
                            <input
                                type="checkbox"
                                class="size-4 rounded border-zinc-400 accent-canopy-700 disabled:cursor-not-allowed"
                                aria-label=key.clone()
                                disabled=locked
                                prop:checked=move || held.get()
                                on:change=move |ev| {
                                    let on = event_target_checked(&ev);
                                    checked.update(|c| {
                                        if on {
                                            c.insert(toggle_key.clone());
                                        } else {
                                            c.remove(&toggle_key);
                                        }
                                    });
                                }
                                data-testid="permission-cell"
                                data-key=key
                            />
                        </td>
                    }
                    .into_any()
                })
                .collect_view();
            let resource_name = resource.name.clone();
            view! {
                <tr data-testid="matrix-row" data-resource=resource.name.clone()>
                    <th scope="row" class="sticky left-0 bg-white px-3 py-2 text-left font-medium text-zinc-900 sm:pl-4">{resource.name.clone()}</th>
                    {cells}
                    <td class="px-2 py-2 text-center">
                        <input
                            type="checkbox"
                            class="size-4 rounded border-zinc-400 accent-canopy-700 disabled:cursor-not-allowed"
                            aria-label=format!("Every {resource_name} action")
                            disabled=locked
                            prop:checked=move || all_on.get()
                            on:change=move |ev| {
                                let on = event_target_checked(&ev);
                                checked.update(|c| {
                                    for key in row_keys.get_value() {
                                        if on {
                                            c.insert(key);
                                        } else {
                                            c.remove(&key);
                                        }
                                    }
                                });
                            }
                            data-testid="row-all"
                        />
                    </td>
                </tr>
            }
        })
        .collect_view();
    let no_resources = columns.is_empty();

    view! {
        <div class="mt-5">
            <h3 class="text-sm font-semibold text-zinc-900">"Permissions"</h3>
            <p class="mt-0.5 text-xs text-zinc-600">
                {if locked { "Read-only: this is a system role." } else { "Tick what the role grants, then save: the whole set is saved at once." }}
            </p>
            <div class="mt-3 space-y-3">
                <FormAlert message=form_error/>
                {move || stale.get().then(|| view! { <StaleAlert what="role" on_reload/> })}
            </div>
            {if no_resources {
                view! { <p class="mt-3 rounded-lg bg-zinc-50 px-3 py-4 text-sm text-zinc-600 ring-1 ring-zinc-200">"No resources yet: add resources and actions to make permissions."</p> }.into_any()
            } else {
                view! {
                    <div class="mt-3 overflow-x-auto rounded-lg ring-1 ring-zinc-200">
                        <table class="w-full text-sm" data-testid="permission-matrix" data-locked=locked.then_some("true")>
                            <caption class="sr-only">"Permissions of the role, by resource and action"</caption>
                            <thead class="border-b border-zinc-200 bg-zinc-50 text-xs text-zinc-600">
                                <tr>
                                    <th scope="col" class="sticky left-0 bg-zinc-50 px-3 py-2.5 text-left font-medium sm:pl-4">"Resource"</th>
                                    {header}
                                    <th scope="col" class="px-2 py-2.5 text-center font-medium">"All"</th>
                                </tr>
                            </thead>
                            <tbody class="divide-y divide-zinc-100">{rows}</tbody>
                        </table>
                    </div>
                }
                .into_any()
            }}
            {(!locked).then(|| view! {
                <div class="mt-4 flex flex-col-reverse gap-2 sm:flex-row sm:items-center sm:justify-end">
                    <p class="text-sm text-zinc-600 sm:mr-auto" aria-live="polite" data-testid="matrix-changes">
                        {move || {
                            let (added, removed) = delta.get();
                            match (added, removed) {
                                (0, 0) => "No unsaved changes.".to_owned(),
                                (a, r) => format!("Unsaved: {a} added, {r} removed."),
                            }
                        }}
                    </p>
                    <button type="button" class=SECONDARY_BUTTON disabled=move || !dirty() || busy.get() on:click=move |_| checked.set(original.get_value()) data-testid="matrix-reset">
                        "Undo changes"
                    </button>
                    <button type="button" class=format!("{PRIMARY_BUTTON} justify-center disabled:opacity-60") disabled=move || !dirty() || busy.get() on:click=save data-testid="matrix-save">
                        {move || if busy.get() { "Saving…" } else { "Save permissions" }}
                    </button>
                </div>
            })}
        </div>
    }
    .into_any()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::dto::Timestamp;

    fn resource(name: &str, actions: &[&str]) -> ResourceResponse {
        ResourceResponse {
            id: name.into(),
            name: name.into(),
            description: None,
            actions: actions.iter().map(|a| (*a).to_owned()).collect(),
            created_at: Timestamp::parse("2026-01-01T00:00:00Z").unwrap(),
        }
    }

    #[test]
    fn columns_put_the_usual_actions_first() {
        let columns = action_columns(&[resource("invoices", &["approve", "read", "create"]), resource("reports", &["export", "read", "delete"])]);
        assert_eq!(columns, ["create", "read", "delete", "approve", "export"]);
    }

    #[test]
    fn changes_count_both_ways() {
        let before: BTreeSet<String> = ["a.read".to_owned(), "b.read".to_owned()].into();
        let after: BTreeSet<String> = ["a.read".to_owned(), "c.read".to_owned(), "d.read".to_owned()].into();
        assert_eq!(changes(&before, &after), (2, 1));
    }
}
